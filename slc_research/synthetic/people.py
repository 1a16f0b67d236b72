"""The people of the synthetic trust: pupils on the roster and staff on the staff list.

Every pupil gets, besides what a roster shows, the hidden "truth" the rest of the
generator needs (absence propensity, behaviour rates, latent attainment). Who
volunteers for which community is decided here too, from those columns, so that
volunteers differ from their cohort the way they do in real schools.

Names come from the built-in lists below and are combined at random: they
describe no real pupil or member of staff. UPNs have the DfE shape (a check
letter and 12 digits) but use local-authority numbers below 100, which no
English authority has, so a synthetic UPN is never a real pupil's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "FORENAMES_F",
    "FORENAMES_M",
    "SURNAMES",
    "assign_staff_codes",
    "assign_upns",
    "make_roster",
    "make_staff",
    "select_coproduction",
    "select_slc",
    "upn_check_letter",
]

FORENAMES_F = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Sophia", "Freya",
    "Florence", "Evie", "Poppy", "Ella", "Emily", "Sienna", "Millie", "Ruby", "Harper", "Phoebe",
    "Chloe", "Jessica", "Megan", "Niamh", "Aoife", "Caitlin", "Eleanor", "Imogen", "Lucy",
    "Zara", "Aisha", "Fatima", "Maryam", "Zainab", "Amira", "Hafsa", "Priya", "Ananya", "Simran",
    "Anika", "Chiamaka", "Adaeze", "Folake", "Amara", "Zofia", "Maja", "Julia", "Oliwia", "Ioana",
    "Hana", "Mei", "Yasmin", "Leah", "Keira", "Tia", "Shanice", "Kayla", "Bethan", "Seren",
    "Ffion", "Eilidh", "Orla", "Maisie", "Erin", "Abigail", "Nia", "Scarlett", "Matilda", "Esme",
    "Layla", "Nadia", "Sana", "Roisin",
)
FORENAMES_M = (
    "Oliver", "George", "Noah", "Arthur", "Leo", "Oscar", "Harry", "Muhammad", "Jack", "Charlie",
    "Jacob", "Thomas", "Alfie", "Freddie", "Theo", "Archie", "Joshua", "James", "William",
    "Henry", "Samuel", "Daniel", "Ethan", "Lewis", "Kieran", "Callum", "Connor", "Liam", "Owen",
    "Rhys", "Dylan", "Ryan", "Jayden", "Tyler", "Ibrahim", "Yusuf", "Hamza", "Zayn", "Omar",
    "Ayaan", "Arjun", "Rohan", "Harjot", "Kwame", "Chidi", "Tobi", "Emeka", "Kofi", "Jakub",
    "Kacper", "Szymon", "Mateusz", "Andrei", "Luca", "Mohammed", "Adam", "Reuben", "Finlay",
    "Euan", "Cian", "Joel", "Elijah", "Isaac", "Sebastian", "Mason", "Jude", "Tomasz", "Darius",
    "Hassan", "Bilal", "Nathaniel", "Ravi",
)
SURNAMES = (
    "Smith", "Jones", "Taylor", "Williams", "Davies", "Evans", "Roberts", "Robinson", "Thompson",
    "Wilson", "Hughes", "Edwards", "Harris", "Jackson", "Clarke", "Patel", "Khan", "Ahmed",
    "Hussain", "Begum", "Shah", "Akhtar", "Iqbal", "Rahman", "Chowdhury", "Miah", "Singh",
    "Kaur", "Sharma", "Sandhu", "Okafor", "Adeyemi", "Mensah", "Osei", "Owusu", "Okoye",
    "Adebayo", "Nwosu", "Campbell", "Murray", "Stewart", "Macdonald", "Fraser", "Kelly",
    "O'Brien", "Murphy", "Byrne", "Doyle", "Gallagher", "Nowak", "Kowalski", "Kaminski",
    "Popescu", "Ionescu", "Silva", "Santos", "Pereira", "Nguyen", "Chen", "Wang", "Yilmaz",
    "Demir", "Mahmoud", "Abdi", "Warsame", "Mohamud", "Pearson", "Fletcher", "Dawson",
    "Atkinson", "Kennedy", "Harrison", "Morrison", "Gibson", "Watson", "Hutchinson", "Simpson",
    "Chapman", "Lloyd", "Powell", "Griffiths", "Pritchard", "Bevan", "Rowlands", "Jenkins",
    "Howells", "Sutherland", "McKenzie", "Pemberton", "Whitaker", "Ashworth", "Fitzgerald",
    "Bradshaw", "Kirby", "Rhodes", "Sheikh", "Mistry", "Desai", "Joshi", "Mehta", "Kapoor",
    "Brennan", "Quinn", "Moreno", "Novak", "Dlamini", "Achterberg", "Haworth", "Entwistle",
)

_YEAR_SHARES = {7: 0.16, 8: 0.16, 9: 0.16, 10: 0.16, 11: 0.16, 12: 0.105, 13: 0.095}
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: no I, O or S


def upn_check_letter(digits: np.ndarray) -> np.ndarray:
    """Check letters of UPNs, the way the DfE's UPN guide computes them.

    Parameters
    ----------
    digits : ndarray of int, shape (n, 12)
        Characters 2 to 13 of each UPN.

    Returns
    -------
    ndarray of str
        The letter that goes first: digit ``k`` (``k`` = 2..13) is weighted by
        ``k``; the weighted sum modulo 23 indexes ``ABCDEFGHJKLMNPQRTUVWXYZ``.
    """
    weights = np.arange(2, 14)
    return np.array(list(_UPN_LETTERS))[(digits * weights).sum(axis=1) % 23]


def assign_upns(rng: np.random.Generator, year_groups: np.ndarray, start_year: int,
                taken: set[str]) -> np.ndarray:
    """Draw 13-character UPNs for pupils in ``year_groups``, unique across the trust.

    The 12 digits are a local-authority number (001-099, none real), a feeder
    primary's 4-digit number, the two-digit year the pupil started reception and
    a 3-digit serial, as a primary school would have allocated them. ``taken``
    holds the UPNs already given out in the trust and is updated.
    """
    n = len(year_groups)
    out = np.empty(n, dtype=object)
    todo = np.arange(n)
    n_primaries = max(30, n // 25)
    la = rng.integers(1, 100, n_primaries)
    estab = rng.integers(2000, 3999, n_primaries)
    while todo.size:
        prim = rng.integers(0, n_primaries, todo.size)
        alloc = (start_year - year_groups[todo]) % 100
        serial = rng.integers(1, 1000, todo.size)
        body = np.char.add(
            np.char.add(np.char.zfill(la[prim].astype(str), 3), estab[prim].astype(str)),
            np.char.add(np.char.zfill(alloc.astype(str), 2), np.char.zfill(serial.astype(str), 3)),
        )
        digits = np.frombuffer("".join(body).encode("ascii"), dtype=np.uint8).reshape(-1, 12) - 48
        upn = np.char.add(upn_check_letter(digits.astype(int)), body)
        again = []
        for i, u in zip(todo, upn, strict=True):
            if u in taken:
                again.append(i)
            else:
                taken.add(u)
                out[i] = u
        todo = np.array(again, dtype=int)
    return out.astype(str)


def _names(rng: np.random.Generator, gender: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(gender)
    f = np.asarray(FORENAMES_F)[rng.integers(0, len(FORENAMES_F), n)]
    m = np.asarray(FORENAMES_M)[rng.integers(0, len(FORENAMES_M), n)]
    either = np.where(rng.random(n) < 0.5, f, m)
    forename = np.where(gender == "F", f, np.where(gender == "M", m, either))
    surname = np.asarray(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    return forename, surname


def make_roster(rng: np.random.Generator, n: int, *, pp_rate: float, eal_rate: float,
                absence_shift: float) -> pd.DataFrame:
    """One school's pupils, with the hidden truth the generator needs.

    Parameters
    ----------
    rng : Generator
    n : int
        Number of pupils.
    pp_rate : float
        The school's pupil-premium share in Years 7-11 (sixth form: 60% of it).
    eal_rate : float
        Share of pupils with English as an additional language.
    absence_shift : float
        The school's shift of the absence propensity on the logit scale.

    Returns
    -------
    DataFrame
        Columns ``year, gender, pp, sen, eal, prior, forename, surname, reg_group``
        (as a roster shows them, prior = ``Low/Middle/High`` or ``""``) and the
        hidden ``absence_rate, late_rate, pos_rate, neg_rate, ability``, sorted
        the way a SIMS export is (year, reg group, surname, forename).
    """
    years = np.array(list(_YEAR_SHARES))
    year = rng.choice(years, n, p=np.array(list(_YEAR_SHARES.values())))
    sixth = year >= 12
    gender = rng.choice(np.array(["F", "M", "X"]), n, p=[0.492, 0.496, 0.012])
    pp = rng.random(n) < np.where(sixth, 0.6 * pp_rate, pp_rate)
    male = gender == "M"
    p_k = 0.13 * np.where(male, 1.35, 0.7) * np.where(pp, 1.35, 0.9)
    p_e = 0.02 * np.where(male, 1.4, 0.65) * np.where(sixth, 0.5, 1.1)
    u = rng.random(n)
    sen = np.where(u < p_e, "E", np.where(u < p_e + p_k, "K", "N"))
    eal = rng.random(n) < eal_rate
    # latent prior attainment: lower with pupil premium and SEN
    ability = rng.normal(0, 1, n) - 0.45 * pp - 0.6 * (sen == "K") - 1.0 * (sen == "E")
    prior = np.where(ability < -0.75, "Low", np.where(ability > 0.55, "High", "Middle"))
    prior = np.where(rng.random(n) < np.where(sixth, 0.22, 0.04), "", prior)
    forename, surname = _names(rng, gender)
    logit_abs = (-3.3 + absence_shift + 0.45 * pp + 0.3 * (sen == "K") + 0.6 * (sen == "E")
                 + 0.15 * np.isin(year, (10, 11)) + 0.1 * (year == 13) - 0.1 * ability
                 + rng.normal(0, 0.9, n))
    absence_rate = np.minimum(1 / (1 + np.exp(-logit_abs)), 0.6)
    late_rate = np.clip(0.015 + 0.3 * absence_rate * rng.random(n), 0, 0.2)
    pos_rate = np.exp(rng.normal(np.log(1.1), 0.5, n))  # positive entries per week
    neg_rate = np.exp(rng.normal(np.log(0.16), 1.0, n) + 0.4 * male + 0.35 * pp
                      + 0.3 * (sen != "N") - 0.4 * sixth)  # negative incidents per week
    df = pd.DataFrame({
        "year": year.astype(int), "gender": gender, "pp": pp, "sen": sen, "eal": eal,
        "prior": prior, "forename": forename, "surname": surname,
        "absence_rate": absence_rate, "late_rate": late_rate, "pos_rate": pos_rate,
        "neg_rate": neg_rate, "ability": ability,
    })
    df["reg_group"] = _reg_groups(rng, df["year"].to_numpy())
    df = df.sort_values(["year", "reg_group", "surname", "forename"], kind="stable")
    return df.reset_index(drop=True)


def _reg_groups(rng: np.random.Generator, year: np.ndarray) -> np.ndarray:
    letters = np.array(list("ABCDEFGHJK"))
    out = np.empty(len(year), dtype=object)
    for y in np.unique(year):
        idx = np.flatnonzero(year == y)
        n_forms = max(1, int(np.ceil(idx.size / 28)))
        form = rng.permutation(np.arange(idx.size) % n_forms)
        out[idx] = np.char.add(str(y), letters[np.minimum(form, len(letters) - 1)])
    return out.astype(str)


_DEPARTMENTS = {  # department -> teachers per 100 teachers
    "English": 12, "Maths": 12, "Science": 14, "History": 5, "Geography": 5,
    "Religious Studies": 3, "Modern Languages": 7, "Computing": 4, "Art": 4,
    "Design and Technology": 4, "Music": 3, "Drama": 3, "Physical Education": 8,
    "Business": 3, "Psychology": 2, "Social Sciences": 3, "Learning Support": 4,
}


def make_staff(rng: np.random.Generator, n_teachers: int, n_assistants: int) -> pd.DataFrame:
    """One school's staff list: teachers from the head to ECTs, and teaching assistants.

    Returns
    -------
    DataFrame
        Columns ``title, forename, surname, department, role, years`` (``years``
        missing for teaching assistants) and ``teacher`` (bool). Staff codes are
        added by :func:`assign_staff_codes`.
    """
    depts = np.array(list(_DEPARTMENTS))
    share = np.array(list(_DEPARTMENTS.values()), dtype=float)
    department = rng.choice(depts, n_teachers, p=share / share.sum())
    leaders = ["Headteacher", "Senior Deputy Head", "Deputy Head"] + ["Assistant Head"] * 3
    roles = np.array(leaders + ["Classroom Teacher"] * (n_teachers - len(leaders)), dtype=object)
    roles = roles[:n_teachers]
    first_in_dept = ~pd.Series(department).duplicated().to_numpy()
    first_in_dept[: len(leaders)] = False
    roles[first_in_dept] = "Head of Department"
    rest = np.flatnonzero(roles == "Classroom Teacher")
    pick = rng.permutation(rest)
    n_second, n_ect = int(0.12 * n_teachers), int(0.1 * n_teachers)
    roles[pick[:n_second]] = "Second in Department"
    roles[pick[n_second:n_second + n_ect]] = "ECT"
    base = {"Headteacher": 22, "Senior Deputy Head": 18, "Deputy Head": 15, "Assistant Head": 12,
            "Head of Department": 11, "Second in Department": 7, "Classroom Teacher": 6, "ECT": 0}
    years = np.array([base[r] for r in roles], dtype=float)
    years += np.where(roles == "ECT", rng.integers(0, 2, n_teachers),
                      rng.gamma(2.0, 3.0, n_teachers).round())
    n = n_teachers + n_assistants
    gender = rng.choice(np.array(["F", "M", "X"]), n, p=[0.64, 0.35, 0.01])
    forename, surname = _names(rng, gender)
    title = np.where(gender == "M", "Mr", np.where(
        gender == "X", "Mx", rng.choice(np.array(["Mrs", "Ms", "Miss"]), n, p=[0.45, 0.35, 0.2])))
    title = np.where(rng.random(n) < 0.05, "Dr", title)
    return pd.DataFrame({
        "title": title, "forename": forename, "surname": surname,
        "department": np.concatenate([department, np.full(n_assistants, "Learning Support")]),
        "role": np.concatenate([roles, np.full(n_assistants, "Teaching Assistant")]).astype(str),
        "years": np.concatenate([years, np.full(n_assistants, np.nan)]),
        "teacher": np.arange(n) < n_teachers,
    })


def assign_staff_codes(forename: pd.Series, surname: pd.Series, taken: set[str]) -> list[str]:
    """Initials-like staff codes (``JSM``), unique across the trust (``taken`` is updated)."""
    codes = []
    for f, s in zip(forename, surname, strict=True):
        letters = [ch for ch in s.upper() if ch.isalpha()]
        candidates = [f[0].upper() + letters[0] + x for x in letters[1:]]
        candidates += [f[0].upper() + letters[0] + x for x in "ABCDEFGHJKLMNPRSTWXYZ"]
        candidates += [f"{f[0].upper()}{letters[0]}{k}" for k in range(1, 1000)]
        code = next(c for c in candidates if c not in taken)
        taken.add(code)
        codes.append(code)
    return codes


def _weighted_pick(rng: np.random.Generator, pool: np.ndarray, weight: np.ndarray,
                   k: int) -> np.ndarray:
    k = min(k, pool.size)
    p = weight / weight.sum()
    return np.sort(rng.choice(pool, k, replace=False, p=p))


def select_slc(rng: np.random.Generator, roster: pd.DataFrame, k: int) -> np.ndarray:
    """Row positions of ``k`` SLC volunteers from Years 9-12.

    Volunteers are more often girls, less often pupil premium, more often of high
    prior attainment and better attenders than their cohort.
    """
    pool = np.flatnonzero(roster["year"].between(9, 12).to_numpy())
    r = roster.iloc[pool]
    w = np.exp(0.5 * (r["gender"] == "F") - 0.55 * r["pp"] + 0.55 * (r["prior"] == "High")
               - 0.45 * (r["prior"] == "Low") - 8.0 * r["absence_rate"]).to_numpy(dtype=float)
    return _weighted_pick(rng, pool, w, k)


def select_coproduction(rng: np.random.Generator, roster: pd.DataFrame, k: int,
                        exclude: np.ndarray) -> np.ndarray:
    """Row positions of ``k`` KS3 pupils at risk of disengagement (Years 7-9).

    Schools nominate pupils with more negative behaviour, more often pupil
    premium, SEN support or low prior attainment.
    """
    ks3 = roster["year"].between(7, 9).to_numpy().copy()
    ks3[exclude] = False
    pool = np.flatnonzero(ks3)
    r = roster.iloc[pool]
    w = (r["neg_rate"].to_numpy(dtype=float) ** 1.6
         * np.exp(0.8 * r["pp"] + 0.5 * (r["sen"] == "K") + 0.4 * (r["prior"] == "Low")).to_numpy(
             dtype=float))
    return _weighted_pick(rng, pool, w, k)
