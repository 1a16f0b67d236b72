"""The school year of the synthetic trust.

Its calendar, attendance register, behaviour log and attainment data drops.

Everything is built as whole arrays (pupils x school days); the only loop over
days is the two-state chain that makes absences come in spells, and it works on
all pupils at once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slc_research.errors import ConfigError

__all__ = [
    "MARK_CODES",
    "SchoolYear",
    "attainment_drops",
    "attendance_register",
    "behaviour_log",
    "school_year",
]

#: The marks the register uses, in the order of the codes ``attendance_register`` returns.
MARK_CODES = np.array(["/", "\\", "L", "U", "I", "M", "C", "R", "O", "N", "G", "E", "V", "P",
                       "B", "W"])
_AM, _PM, _LATE, _LATE_U = 0, 1, 2, 3
_V, _P, _B, _W = 12, 13, 14, 15
# reasons of a day's absence: code index -> share of absent days
_REASONS = {4: 0.56, 5: 0.07, 6: 0.04, 7: 0.01, 8: 0.12, 9: 0.10, 10: 0.08, 11: 0.02}
_M, _E, _I = 5, 11, 4
SCHOOL_DAYS = 190


@dataclass(frozen=True)
class SchoolYear:
    """The school days of one academic year.

    Attributes
    ----------
    start_year : int
        The calendar year the academic year starts in (2025 for "2025-26").
    days : ndarray of datetime64[D]
        The 190 school days, Monday to Friday, without holidays.
    term : ndarray of int
        0 autumn (September-December), 1 spring (January-Easter), 2 summer.
    half_term : ndarray of int
        0..5, the six half-terms.
    """

    start_year: int
    days: np.ndarray
    term: np.ndarray
    half_term: np.ndarray

    def first_day(self, half_term: int) -> np.datetime64:
        """The first school day of a half-term (0..5)."""
        return self.days[np.argmax(self.half_term == half_term)]

    def labels(self) -> np.ndarray:
        """Days as a UK school writes them: ``01/09/2025``."""
        return pd.to_datetime(self.days).strftime("%d/%m/%Y").to_numpy()


def _monday_on_or_after(d: dt.date) -> dt.date:
    return d + dt.timedelta(days=(-d.weekday()) % 7)


def _last_monday(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=last.weekday())


def _easter(year: int) -> dt.date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    the_l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * the_l) // 451
    month = (h + the_l - 7 * m + 114) // 31
    return dt.date(year, month, (h + the_l - 7 * m + 114) % 31 + 1)


def school_year(academic_year: str) -> SchoolYear:
    """The 190 school days of ``academic_year`` (``"2025-26"``) in an English school.

    Terms start on 1 September (or the Monday after, at a weekend) and early in
    January and after Easter; the holidays are the last week of October, the
    fortnight over Christmas, a February week, the two Easter weeks, the early-May
    bank holiday and the last week of May. The year ends after 190 days (in July).

    Raises
    ------
    ConfigError
        If ``academic_year`` is not written like ``2025-26``.
    """
    m = re.fullmatch(r"(\d{4})-(\d{2})", str(academic_year).strip())
    if not m or (int(m[1]) + 1) % 100 != int(m[2]):
        raise ConfigError(f"academic_year must look like '2025-26', not {academic_year!r}")
    y = int(m[1])
    holidays: set[dt.date] = set()

    def add(start: dt.date, n_days: int) -> None:
        holidays.update(start + dt.timedelta(days=k) for k in range(n_days))

    oct_ht = _last_monday(y, 10)
    add(oct_ht, 5)
    dec20 = dt.date(y, 12, 20)
    xmas = dec20 - dt.timedelta(days=(dec20.weekday() - 4) % 7) + dt.timedelta(days=1)
    spring = _monday_on_or_after(dt.date(y + 1, 1, 4))
    add(xmas, (spring - xmas).days)
    feb_ht = _monday_on_or_after(dt.date(y + 1, 2, 15))
    add(feb_ht, 5)
    easter = _easter(y + 1)
    easter_hols = easter - dt.timedelta(days=6)
    add(easter_hols, 12)
    add(_monday_on_or_after(dt.date(y + 1, 5, 1)), 1)
    may_ht = _last_monday(y + 1, 5)
    add(may_ht, 5)
    d = dt.date(y, 9, 1)
    days = []
    while len(days) < SCHOOL_DAYS:
        if d.weekday() < 5 and d not in holidays:
            days.append(d)
        d += dt.timedelta(days=1)
    arr = np.array(days, dtype="datetime64[D]")
    as_d = [np.datetime64(x) for x in (oct_ht, xmas, feb_ht, easter_hols, may_ht)]
    half = np.searchsorted(np.array(as_d, dtype="datetime64[D]"), arr)
    term = np.array([0, 0, 1, 1, 2, 2])[half]
    return SchoolYear(y, arr, term, half)


def attendance_register(rng: np.random.Generator, pupils: pd.DataFrame, year: SchoolYear, *,
                        improvement: np.ndarray, at_risk: np.ndarray) -> np.ndarray:
    """A year of AM and PM marks for every pupil, as indices into :data:`MARK_CODES`.

    Parameters
    ----------
    rng : Generator
    pupils : DataFrame
        From :func:`make_roster`: ``absence_rate``, ``late_rate``, ``year``.
    year : SchoolYear
    improvement : ndarray of float
        Per pupil, the share of their absence that disappears by the summer term
        (half of it in spring); 0 for most pupils (see ``INJECTED_EFFECTS``).
    at_risk : ndarray of bool
        Pupils who may be suspended (code E).

    Returns
    -------
    ndarray of uint8, shape (n_pupils, 2 * n_days)
        Marks in register order: day 1 AM, day 1 PM, day 2 AM, ...

    Notes
    -----
    A pupil's chance of being absent on a day is their ``absence_rate`` (minus
    the improvement) plus a common winter and July bump; absences come in spells
    (a two-state chain: absent again tomorrow with probability 0.55) whose
    stationary share is that chance. Medical appointments (M) and late arrivals
    after the register closed (U) take one session only.
    """
    n, n_days = len(pupils), len(year.days)
    month = year.days.astype("datetime64[M]").astype(int) % 12 + 1
    common = np.where(np.isin(month, (12, 1)), 0.012, 0.0) + np.where(month == 7, 0.004, 0.0)
    ramp = np.array([0.0, 0.5, 1.0])[year.term]
    base = pupils["absence_rate"].to_numpy(dtype=float)[:, None]
    a = np.clip(base * (1 - improvement[:, None] * ramp[None, :]) + common[None, :], 0, 0.6)
    rho = 0.55
    q = a * (1 - rho) / (1 - a)
    u = rng.random((n, n_days))
    absent = np.zeros((n, n_days), dtype=bool)
    absent[:, 0] = u[:, 0] < a[:, 0]
    for d in range(1, n_days):
        absent[:, d] = u[:, d] < np.where(absent[:, d - 1], rho, q[:, d])
    codes = np.array(list(_REASONS), dtype=np.uint8)
    cum = np.cumsum(list(_REASONS.values()))
    reason = codes[np.minimum(np.searchsorted(cum, rng.random((n, n_days)) * cum[-1]),
                              len(codes) - 1)]
    reason = np.where((reason == _E) & ~at_risk[:, None], _I, reason)
    late = rng.random((n, n_days))
    lr = pupils["late_rate"].to_numpy(dtype=float)[:, None]
    am = np.where(late < lr, _LATE, np.where(late < lr * 1.08, _LATE_U, _AM)).astype(np.uint8)
    pm = np.full((n, n_days), _PM, dtype=np.uint8)
    _special_activities(rng, pupils, year, am, pm)
    medical_am = rng.random((n, n_days)) < 0.5
    am = np.where(absent & ~((reason == _M) & ~medical_am), reason, am)
    pm = np.where(absent & ~((reason == _M) & medical_am), reason, pm)
    marks = np.empty((n, 2 * n_days), dtype=np.uint8)
    marks[:, 0::2], marks[:, 1::2] = am, pm
    return marks


def _special_activities(rng: np.random.Generator, pupils: pd.DataFrame, year: SchoolYear,
                        am: np.ndarray, pm: np.ndarray) -> None:
    """Trips (V), sports fixtures (P), sixth-form visits (B), Year 10 work experience (W)."""
    n, n_days = am.shape
    yg = pupils["year"].to_numpy()
    summer = np.flatnonzero(year.term == 2)
    for y in np.unique(yg):
        day = rng.choice(summer[-20:])
        going = (yg == y) & (rng.random(n) < 0.85)
        am[going, day], pm[going, day] = _V, _V
    sporty = np.flatnonzero(rng.random(n) < 0.12)
    for _ in range(4):
        pm[sporty, rng.integers(0, n_days, sporty.size)] = _P
    visit = (yg >= 12) & (rng.random(n) < 0.35)
    day = rng.choice(np.flatnonzero(year.term == 1))
    am[visit, day], pm[visit, day] = _B, _B
    placed = (yg == 10) & (rng.random(n) < 0.92)
    first = summer[-15]
    am[placed, first:first + 5], pm[placed, first:first + 5] = _W, _W


_NEGATIVE = {"Disruption in lesson": 0.3, "No homework": 0.2, "Late to lesson": 0.12,
             "Equipment": 0.1, "Uniform": 0.08, "Rudeness": 0.08, "Mobile phone": 0.07,
             "Truancy from lesson": 0.05}
_POSITIVE = {"Excellent work": 0.3, "Effort": 0.25, "Contribution in class": 0.15,
             "Helping others": 0.1, "Homework": 0.12, "Representing the school": 0.08}


def _draw(rng: np.random.Generator, table: dict[str, float], n: int) -> np.ndarray:
    p = np.array(list(table.values()))
    return rng.choice(np.array(list(table)), n, p=p / p.sum())


def behaviour_log(rng: np.random.Generator, pupils: pd.DataFrame, upn: np.ndarray,
                  year: SchoolYear, *, neg_multiplier: np.ndarray) -> pd.DataFrame:
    """Positive and negative behaviour entries for a year, as a MIS exports them.

    Parameters
    ----------
    neg_multiplier : ndarray of float, shape (n_pupils, n_days)
        Multiplies each pupil's rate of negative incidents on each day (1 for most;
        0.6 for co-production pupils once their project has started).

    Returns
    -------
    DataFrame
        ``UPN, Date, Type, Category, Points`` sorted by date; one row per entry.

    Notes
    -----
    Positive entries are Poisson. Negative incidents fall at whole steps of the
    pupil's cumulative expected count (from a random starting phase), so any
    period holds its expected number of incidents, give or take one: a change of
    rate, such as the co-production effect, shows without Poisson noise.
    Points are 1-3 per entry.
    """
    n, n_days = len(pupils), len(year.days)
    neg_lam = pupils["neg_rate"].to_numpy(dtype=float)[:, None] / 5 * neg_multiplier
    pos_lam = np.broadcast_to(pupils["pos_rate"].to_numpy(dtype=float)[:, None] / 5, (n, n_days))
    # negative incidents come at regular steps of the pupil's cumulative risk from a random
    # phase, so the count over any period is its expected value +-1; positive entries are Poisson
    risk = np.cumsum(neg_lam, axis=1) + rng.random((n, 1))
    neg_counts = np.diff(np.floor(risk), axis=1, prepend=np.floor(risk[:, :1] - neg_lam[:, :1]))
    frames = []
    for kind, lam, table, pts in (("Negative", None, _NEGATIVE, (0.55, 0.3, 0.15)),
                                  ("Positive", pos_lam, _POSITIVE, (0.7, 0.25, 0.05))):
        counts = neg_counts.astype(int) if lam is None else rng.poisson(lam)
        who, day = np.nonzero(counts)
        reps = counts[who, day]
        who, day = np.repeat(who, reps), np.repeat(day, reps)
        frames.append(pd.DataFrame({
            "_day": day, "_who": who, "UPN": upn[who], "Type": kind,
            "Category": _draw(rng, table, who.size),
            "Points": rng.choice(np.array([1, 2, 3]), who.size, p=pts),
        }))
    log = pd.concat(frames, ignore_index=True).sort_values(["_day", "_who", "Type"], kind="stable")
    dates = year.labels()[log["_day"].to_numpy()]
    log = log.drop(columns=["_day", "_who"]).reset_index(drop=True)
    log.insert(1, "Date", dates)
    return log


_KS5_SUBJECTS = ("Biology", "Chemistry", "English Literature", "History", "Mathematics",
                 "Psychology", "Sociology", "Art")
_OPTIONS = ("History", "Geography", "French", "Art", "Computing")


def attainment_drops(rng: np.random.Generator, pupils: pd.DataFrame, upn: np.ndarray,
                     year: SchoolYear) -> pd.DataFrame:
    """Autumn and summer data drops: KS3 as percentages, KS4 as 1-9 grades, KS5 as A*-E.

    Returns
    -------
    DataFrame
        ``UPN, Assessment, Subject, Date, Score, Grade``; four subjects per pupil
        (three A levels in the sixth form). ``Score`` is blank for A-level grades.
    """
    yg = pupils["year"].to_numpy()
    n = len(pupils)
    core = np.array(["English", "Maths", "Science"])
    option = np.asarray(_OPTIONS)[rng.integers(0, len(_OPTIONS), n)]
    subj = np.column_stack([np.broadcast_to(core, (n, 3)), option]).astype(object)
    ks5 = np.flatnonzero(yg >= 12)
    for i in ks5:
        subj[i, :3] = rng.choice(np.asarray(_KS5_SUBJECTS), 3, replace=False)
        subj[i, 3] = None
    who = np.repeat(np.arange(n), 4)
    subject = subj.ravel()
    keep = subject != None  # noqa: E711 (object array)
    who, subject = who[keep], subject[keep]
    ability = pupils["ability"].to_numpy(dtype=float)[who]
    z1 = 0.8 * ability + rng.normal(0, 0.6, who.size)
    z2 = 0.9 * z1 + 0.1 + rng.normal(0, 0.4, who.size)
    dates = (f"28/11/{year.start_year}", f"26/06/{year.start_year + 1}")
    out = []
    for label, date, z in (("Autumn data drop", dates[0], z1), ("Summer data drop", dates[1], z2)):
        g = yg[who]
        score = np.where(g <= 9, np.clip(np.round(58 + 14 * z), 5, 100),
                         np.clip(np.round(4.7 + 1.7 * z), 1, 9))
        letters = np.array(["U", "E", "D", "C", "B", "A", "A*"])
        a_level = letters[np.searchsorted([-2.0, -1.3, -0.6, 0.1, 0.8, 1.5], z)]
        grade = np.where(g >= 12, a_level, np.where(g >= 10, score.astype(int).astype(str), ""))
        out.append(pd.DataFrame({
            "UPN": upn[who], "Assessment": label, "Subject": subject.astype(str), "Date": date,
            "Score": pd.array(np.where(g >= 12, np.nan, score), dtype="Float64").astype("Int64"),
            "Grade": grade,
        }))
    return pd.concat(out, ignore_index=True)
