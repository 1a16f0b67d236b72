"""The learning communities of one synthetic school.

Who belongs, when they meet, who came, and (for TLCs) what each teacher planned and
reported back. Each function returns the frames exactly as the school would export them
(headers as a coordinator would type them, dates as ``dd/mm/yyyy``, yes/no as
``Y``/``N``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slc_research.synthetic.school_year import SchoolYear
from slc_research.synthetic.text import (
    SLC_ROLES,
    SLC_TOPICS,
    TLC_THEMES,
    coproduction_topics,
    plan_text,
    report_text,
    tlc_topic,
)

__all__ = [
    "COPRODUCTION_PROJECTS",
    "TLC_EARLIER_SHARES",
    "coproduction_frames",
    "meeting_days",
    "slc_frames",
    "tlc_frames",
    "tlc_history",
    "uk_date",
]

COPRODUCTION_PROJECTS = ("Lunchtime sports club", "School garden", "Petition to change the "
                         "school uniform", "Charity fun run", "Quiet reading room",
                         "Recycling campaign")


def uk_date(days: np.ndarray | np.datetime64) -> np.ndarray:
    """``dd/mm/yyyy`` strings of datetime64 days."""
    return pd.to_datetime(np.atleast_1d(days)).strftime("%d/%m/%Y").to_numpy()


def meeting_days(year: SchoolYear, *, first: np.datetime64, last: np.datetime64, every: int,
                 weekday: int) -> np.ndarray:
    """Meeting days every ``every`` days on ``weekday`` (0 = Monday) from ``first`` to ``last``.

    A meeting that falls in a holiday moves to the next school day of the same
    week, or is dropped if there is none.
    """
    first = np.datetime64(first, "D")
    start = first + (weekday - (first.astype(int) - 4) % 7) % 7  # 1970-01-05 was a Monday
    out = []
    for d in np.arange(start, np.datetime64(last, "D") + 1, every):
        week_end = d + (4 - weekday)
        ok = year.days[(year.days >= d) & (year.days <= week_end)]
        if ok.size and (not out or ok[0] > out[-1]):
            out.append(ok[0])
    return np.array(out, dtype="datetime64[D]")


def _attendance(rng: np.random.Generator, meetings: pd.DataFrame, ids: np.ndarray,
                id_header: str, propensity: np.ndarray, joined: np.ndarray) -> pd.DataFrame:
    """Y/N for every member at every meeting held since they joined."""
    dates = meetings["_day"].to_numpy()
    due = dates[None, :] >= joined[:, None]
    came = rng.random(due.shape) < propensity[:, None]
    who, k = np.nonzero(due)
    return pd.DataFrame({"Meeting ID": meetings["Meeting ID"].to_numpy()[k],
                         id_header: ids[who], "Present": np.where(came[who, k], "Y", "N")})


def _slc_topic(i: int, n: int) -> str:
    """The topic of SLC meeting ``i`` of ``n``: the list in order, the review last."""
    if i == n - 1:
        return SLC_TOPICS[-1]
    if i < len(SLC_TOPICS) - 1:
        return SLC_TOPICS[i]
    return SLC_TOPICS[6 + i % 8]  # later in the year the team returns to its regular work


def slc_frames(rng: np.random.Generator, code: str, upn: np.ndarray, dose: np.ndarray,
               year: SchoolYear, team: str) -> dict[str, pd.DataFrame]:
    """Memberships, fortnightly meetings and meeting attendance of the SLC.

    Parameters
    ----------
    code : str
        The school's two-letter code, for meeting ids.
    upn : ndarray of str
        Members' UPNs.
    dose : ndarray of float
        Each member's chance of coming to a meeting.
    team : str
        The SLC's name as its members' list shows it.

    Returns
    -------
    dict
        ``members`` (UPN, Team, Role, Joined), ``meetings`` (Meeting ID, Date, Topic),
        ``attendance`` (Meeting ID, UPN, Present).
    """
    k = upn.size
    days = meeting_days(year, first=year.first_day(0) + 21, last=year.days[-6], every=14,
                        weekday=2)
    meetings = pd.DataFrame({
        "Meeting ID": [f"{code}-SLC-{i + 1:02d}" for i in range(days.size)],
        "Date": uk_date(days),
        "Topic": [_slc_topic(i, days.size) for i in range(days.size)],
        "_day": days,
    })
    roles = np.array(["Pedagogy lead"] * 2 + ["Department link"] * 5 + ["Researcher"] * 2
                     + ["Social media"] * 2, dtype=object)
    roles = np.concatenate([roles, np.full(max(0, k - roles.size), SLC_ROLES[-1])])[:k]
    roles = rng.permutation(roles)
    joined = np.full(k, days[0] - 2)
    late = rng.random(k) < 0.15
    joined[late] = rng.choice(days[3:9], late.sum()) - 1
    members = pd.DataFrame({"UPN": upn, "Team": team, "Role": roles, "Joined": uk_date(joined)})
    attendance = _attendance(rng, meetings, upn, "UPN", dose, joined)
    return {"members": members, "meetings": meetings.drop(columns="_day"),
            "attendance": attendance}


def tlc_frames(rng: np.random.Generator, code: str, short: str, staff: pd.DataFrame,
               year: SchoolYear) -> dict[str, pd.DataFrame]:
    """Teacher learning communities: 8-12 volunteer teachers each, meeting each half-term.

    About four in ten teachers join (from the senior deputy head to ECTs), in
    four TLCs (five when there are 100 teachers or more) on themes such as
    metacognition or assessment. Every meeting starts with feedback on the last
    action plans, brings new learning, and ends with each member's action plan.

    Returns
    -------
    dict
        ``communities`` (name, theme), ``members`` (Staff Code, TLC, Role, Joined),
        ``meetings`` (Meeting ID, TLC, Date, Topic), ``attendance`` (Meeting ID,
        Staff Code, Present), ``plans`` (Plan ID, Staff Code, TLC, Meeting ID, Date,
        Strategy, My plan, Status at next meeting, What I learned).
    """
    teachers = staff[staff["teacher"]]
    n_tlc = int(np.clip(round(len(teachers) * 0.4 / 9), 1, 10))
    themes = list(TLC_THEMES)
    chosen = [themes[i % len(themes)] for i in rng.permutation(max(n_tlc, len(themes)))[:n_tlc]]
    sizes = rng.integers(8, 11, n_tlc)
    sizes = np.minimum(sizes, len(teachers) // n_tlc)
    senior = teachers.index[teachers["role"] == "Senior Deputy Head"].tolist()
    ects = teachers.index[teachers["role"] == "ECT"].tolist()[:2]
    others = [i for i in rng.permutation(teachers.index.to_numpy()) if i not in senior + ects]
    pool = (senior + ects + others)[: int(sizes.sum())]
    pool = rng.permutation(np.array(pool))
    groups = np.split(pool, np.cumsum(sizes)[:-1])
    names = [f"{short} TLC: {t}" for t in chosen]
    comm, mem, meets, att, plans = [], [], [], [], []
    for t, (name, theme, group) in enumerate(zip(names, chosen, groups, strict=True)):
        comm.append({"community": name, "theme": theme})
        days = np.array([_half_term_day(year, h, t % 4) for h in range(6)],
                        dtype="datetime64[D]")
        ids = np.array([f"{code}-TLC{t + 1}-{h + 1}" for h in range(6)])
        codes = staff.loc[group, "code"].to_numpy()
        roles = np.where(np.arange(group.size) == 0, "Facilitator", "Member")
        mem.append(pd.DataFrame({"Staff Code": codes, "TLC": name, "Role": roles,
                                 "Joined": uk_date(days[0] - 10)[0]}))
        meetings = pd.DataFrame({"Meeting ID": ids, "TLC": name, "Date": uk_date(days),
                                 "Topic": [tlc_topic(theme, h) for h in range(6)], "_day": days})
        meets.append(meetings)
        a = _attendance(rng, meetings, codes, "Staff Code", rng.beta(8, 1.5, group.size),
                        np.full(group.size, days[0]))
        att.append(a)
        present = (a["Present"] == "Y").to_numpy().reshape(group.size, 6)
        plans.append(_plans(rng, code, t, name, theme, ids, days, codes,
                            staff.loc[group, "department"].to_numpy(), present))
    meetings = pd.concat(meets, ignore_index=True).drop(columns="_day")
    return {"communities": pd.DataFrame(comm), "members": pd.concat(mem, ignore_index=True),
            "meetings": meetings, "attendance": pd.concat(att, ignore_index=True),
            "plans": pd.concat(plans, ignore_index=True)}


#: Share of a school's teachers who were TLC members in the academic years before the
#: demo's: two years before, then one year before (the demo year's share is what
#: :func:`tlc_frames` draws, about a third or more).
TLC_EARLIER_SHARES = (0.18, 0.25)


def tlc_history(rng: np.random.Generator, staff: pd.DataFrame, members: pd.DataFrame,
                year: SchoolYear) -> pd.DataFrame:
    """TLC members of the two academic years before the demo year, from today's staff list.

    In each earlier year ``round(share * teachers)`` teachers (see
    :data:`TLC_EARLIER_SHARES`) who were already teaching then belong to a
    TLC; a teacher who is a member in the following year is four times as
    likely to have been one the year before. There were fewer TLCs (one
    fewer per year back, at least one), under today's names. Members join
    ten days before the first meeting and leave on the last school day, both
    a whole number of weeks before the demo year's dates.

    Returns
    -------
    DataFrame
        ``Staff Code, TLC, Role, Joined, Left``, the oldest year first.
    """
    teachers = staff[staff["teacher"]]
    tlcs = members["TLC"].unique()
    joined = pd.to_datetime(members.groupby("TLC", sort=False)["Joined"].first(),
                            format="%d/%m/%Y").to_numpy().astype("datetime64[D]")
    later = members["Staff Code"].to_numpy()
    frames = []
    for back, share in ((1, TLC_EARLIER_SHARES[1]), (2, TLC_EARLIER_SHARES[0])):
        codes = teachers.loc[teachers["years"] >= back + 1, "code"].to_numpy()
        k = min(int(round(share * len(teachers))), codes.size)
        w = np.where(np.isin(codes, later), 4.0, 1.0)
        chosen = rng.choice(codes, k, replace=False, p=w / w.sum())
        n_groups = max(1, tlcs.size - back)
        group = np.arange(k) % n_groups
        first = np.arange(k) < n_groups  # the first of each group facilitates
        shift = np.timedelta64(364 * back, "D")
        frames.append(pd.DataFrame({
            "Staff Code": chosen, "TLC": tlcs[group],
            "Role": np.where(first, "Facilitator", "Member"),
            "Joined": uk_date(joined[group] - shift),
            "Left": uk_date(year.days[-1] - shift)[0]}).sort_values("TLC", kind="stable"))
        later = chosen
    return pd.concat(frames[::-1], ignore_index=True)


def _half_term_day(year: SchoolYear, half_term: int, weekday: int) -> np.datetime64:
    """The TLC's day in a half-term: its weekday in the third week (or the nearest there is)."""
    days = year.days[year.half_term == half_term]
    on_day = days[(days.astype(int) - 4) % 7 == weekday]
    later = on_day[on_day >= days[0] + 14]
    return later[0] if later.size else on_day[-1] if on_day.size else days[days.size // 2]


def _plans(rng: np.random.Generator, code: str, t: int, name: str, theme: str, ids: np.ndarray,
           days: np.ndarray, members: np.ndarray, departments: np.ndarray,
           present: np.ndarray) -> pd.DataFrame:
    """An action plan per member per meeting attended, with what they reported next time."""
    strategies = TLC_THEMES[theme]["strategies"]
    labels = uk_date(days)
    rows = []
    for m, (staff_code, dept) in enumerate(zip(members, departments, strict=True)):
        strategy = strategies[int(rng.integers(len(strategies)))]
        for h in np.flatnonzero(present[m]):
            if rng.random() < 0.4:
                strategy = strategies[int(rng.integers(len(strategies)))]
            if h < 5 and present[m, h + 1]:
                status = str(rng.choice(["Tried it", "Partly", "Not yet"], p=[0.55, 0.25, 0.2]))
            else:
                status = ""
            rows.append({"Plan ID": f"{code}-AP{t + 1}-{m + 1:02d}-{h + 1}",
                         "Staff Code": staff_code, "TLC": name, "Meeting ID": ids[h],
                         "Date": labels[h], "Strategy": strategy,
                         "My plan": plan_text(rng, strategy, dept),
                         "Status at next meeting": status,
                         "What I learned": report_text(rng, strategy, status)})
    return pd.DataFrame(rows)


def coproduction_frames(rng: np.random.Generator, code: str, upn: np.ndarray, year: SchoolYear,
                        group: str, project: str) -> dict[str, pd.DataFrame]:
    """The co-production group: weekly meetings from two weeks after the October half-term.

    Every member joins on the day of the first meeting, which is when the project
    starts (the end of the behaviour baseline, see ``INJECTED_EFFECTS``).

    Returns
    -------
    dict
        ``members`` (UPN, Group, Role, Joined), ``meetings`` (Meeting ID, Date, Topic),
        ``attendance`` (Meeting ID, UPN, Present), and ``start`` (a one-element
        datetime64 array: the first meeting's day).
    """
    days = meeting_days(year, first=year.first_day(1) + 7, last=year.first_day(5) + 25, every=7,
                        weekday=1)
    k = upn.size
    meetings = pd.DataFrame({
        "Meeting ID": [f"{code}-CP-{i + 1:02d}" for i in range(days.size)],
        "Date": uk_date(days), "Topic": coproduction_topics(project, days.size), "_day": days})
    roles = rng.permutation(np.array(["Project lead"] * min(2, k) + ["Member"] * (k - min(2, k))))
    members = pd.DataFrame({"UPN": upn, "Group": group, "Role": roles,
                            "Joined": uk_date(days[0])[0]})
    attendance = _attendance(rng, meetings, upn, "UPN", rng.beta(4, 2, k), np.full(k, days[0]))
    return {"members": members, "meetings": meetings.drop(columns="_day"),
            "attendance": attendance, "start": days[:1]}
