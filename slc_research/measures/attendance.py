"""Attendance rates and persistent absence per pupil and period, from the ``attendance`` table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slc_research.errors import ConfigError

__all__ = ["HALF_TERMS", "academic_year", "attendance_summary", "school_period"]

#: Half terms by calendar date (month, day of the first day), an approximation of
#: English school calendars: the October, February and May half-term breaks fall
#: on these boundaries in most years and local authorities.
HALF_TERMS = (
    ("autumn 1", (8, 1)),    # 1 Aug - 31 Oct (October half term is the last week of October)
    ("autumn 2", (11, 1)),   # 1 Nov - 31 Dec
    ("spring 1", (1, 1)),    # 1 Jan - 18 Feb (February half term lies in 12-23 Feb)
    ("spring 2", (2, 19)),   # 19 Feb - 31 Mar
    ("summer 1", (4, 1)),    # 1 Apr - 31 May (May half term is the last week of May)
    ("summer 2", (6, 1)),    # 1 Jun - 31 Jul
)
_BY = ("year", "term", "half_term")
_COUNTED = {"present": 0, "authorised": 1, "unauthorised": 2}


def school_period(dates: pd.DatetimeIndex | pd.Series, by: str = "term") -> pd.Series:
    """The school period of each date: ``2025-26`` (year), ``autumn`` (term), ``autumn 1``.

    The academic year runs from 1 August to 31 July. Terms go by month:
    autumn August-December, spring January-March, summer April-July (so an
    Easter holiday late in April puts the last days of the spring term into
    summer). Half terms follow :data:`HALF_TERMS`. See :func:`academic_year`
    for the year of a term or half term.
    """
    if by not in _BY:
        raise ConfigError(f"by must be one of {', '.join(_BY)}, not {by!r}", key="by")
    d = pd.DatetimeIndex(dates)
    if by == "year":
        return academic_year(d)
    if by == "term":
        name = np.select([d.month >= 8, d.month <= 3], ["autumn", "spring"], "summer")
    else:
        month_day = d.month * 100 + d.day
        starts = np.array([m * 100 + day for _, (m, day) in HALF_TERMS])
        names = np.array([n for n, _ in HALF_TERMS])
        # months Aug..Dec come first in the school year: shift Jan..Jul after them
        order = np.where(starts >= 800, starts - 800, starts + 500)
        pos = np.where(month_day >= 800, month_day - 800, month_day + 500)
        name = names[np.searchsorted(order, pos, side="right") - 1]
    return pd.Series(name, dtype="string")


def academic_year(dates: pd.DatetimeIndex | pd.Series) -> pd.Series:
    """The academic year (1 August - 31 July) of each date, as ``2025-26``."""
    d = pd.DatetimeIndex(dates)
    year = np.where(d.month >= 8, d.year, d.year - 1)
    years, which = np.unique(year, return_inverse=True)  # a label per year, not per date
    labels = np.array([f"{y}-{(y + 1) % 100:02d}" for y in years], dtype=object)
    return pd.Series(labels[which], dtype="string")


def attendance_summary(attendance: pd.DataFrame, *, by: str = "year") -> pd.DataFrame:
    """Possible sessions, attendance and persistent absence per pupil and period.

    Parameters
    ----------
    attendance : DataFrame
        The ``attendance`` table (pupil_id, date, meaning).
    by : {"year", "term", "half_term"}
        The period: academic year (August-July), term (autumn Aug-Dec, spring
        Jan-Mar, summer Apr-Jul) or half term (see :data:`HALF_TERMS`).

    Returns
    -------
    DataFrame
        One row per pupil and period with at least one mark: ``pupil_id``,
        ``academic_year`` (``2025-26``), ``period`` (the year itself, ``autumn``
        or ``autumn 1``; an ordered categorical in school order), ``possible``,
        ``present``, ``authorised``, ``unauthorised``, ``attendance_pct`` and
        ``persistent_absence`` (both missing when no session was possible).

    Notes
    -----
    Possible sessions = present + authorised + unauthorised absence; marks
    "not counted" (e.g. dual registration elsewhere, Y codes) and "not
    required" are left out. ``attendance_pct`` = present / possible x 100.
    A pupil is a persistent absentee when they miss 10% or more of their
    possible sessions (DfE), i.e. (authorised + unauthorised) >= 0.1 x possible,
    computed exactly in whole numbers: 90.0% attendance is persistent absence.

    References
    ----------
    Department for Education, "Pupil absence in schools in England",
    methodology: persistent absence is missing 10% or more of possible sessions.
    """
    if by not in _BY:
        raise ConfigError(f"by must be one of {', '.join(_BY)}, not {by!r}", key="by")
    pupil = attendance["pupil_id"]
    if not isinstance(pupil.dtype, pd.CategoricalDtype):
        pupil = pupil.astype("category")
    pupil_codes = pupil.cat.codes.to_numpy()
    days = attendance["date"].to_numpy(dtype="datetime64[D]")
    meaning = attendance["meaning"]
    if not isinstance(meaning.dtype, pd.CategoricalDtype):
        meaning = meaning.astype("category")
    counted = np.array([_COUNTED.get(str(c), 3) for c in meaning.cat.categories], dtype=np.int64)
    m = np.append(counted, 3)[meaning.cat.codes.to_numpy()]
    ok = ~np.isnat(days) & (pupil_codes >= 0)
    if not ok.all():
        pupil_codes, days, m = pupil_codes[ok], days[ok], m[ok]
    columns = ["pupil_id", "academic_year", "period", "possible", "present", "authorised",
               "unauthorised", "attendance_pct", "persistent_absence"]
    if len(days) == 0:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in columns})
    day = days.astype(np.int64)
    first = int(day.min())
    calendar = pd.DatetimeIndex(np.arange(first, int(day.max()) + 1).astype("datetime64[D]"))
    years = academic_year(calendar)
    names = school_period(calendar, by)
    order = list(dict.fromkeys(n for n, _ in HALF_TERMS)) if by == "half_term" else \
        ["autumn", "spring", "summer"] if by == "term" else sorted(set(names))
    # one code per (academic year, period) in the calendar, in school order
    slot = pd.DataFrame({"year": years, "name": names,
                         "rank": names.map({n: i for i, n in enumerate(order)}).astype(int)})
    slots = slot.drop_duplicates().sort_values(["year", "rank"]).reset_index(drop=True)
    slot_of = {(y, n): i for i, (y, n) in enumerate(zip(slots["year"], slots["name"],
                                                        strict=True))}
    slot_of_day = np.array([slot_of[(y, n)] for y, n in zip(years, names, strict=True)])
    per_mark = slot_of_day[day - first]
    n_pupils, n_slots = len(pupil.cat.categories), len(slots)
    key = (pupil_codes.astype(np.int64) * n_slots + per_mark) * 4 + m
    counts = np.bincount(key, minlength=n_pupils * n_slots * 4).reshape(-1, 4)
    seen = np.flatnonzero(counts.sum(axis=1) > 0)
    c = counts[seen]
    present, authorised, unauthorised = c[:, 0], c[:, 1], c[:, 2]
    possible = present + authorised + unauthorised
    none = possible == 0
    pct = np.divide(present * 100.0, possible, out=np.zeros(len(seen)), where=~none)
    persistent = (authorised + unauthorised) * 10 >= possible
    which = seen % n_slots
    return pd.DataFrame({
        "pupil_id": pd.array(np.asarray(pupil.cat.categories, dtype=object)[seen // n_slots],
                             dtype="string"),
        "academic_year": pd.array(slots["year"].to_numpy(dtype=object)[which], dtype="string"),
        "period": pd.Categorical(slots["name"].to_numpy(dtype=object)[which],
                                 categories=[o for o in order if o in set(names)],
                                 ordered=True),
        "possible": pd.array(possible, dtype="Int64"),
        "present": pd.array(present, dtype="Int64"),
        "authorised": pd.array(authorised, dtype="Int64"),
        "unauthorised": pd.array(unauthorised, dtype="Int64"),
        "attendance_pct": pd.arrays.FloatingArray(pct, none),
        "persistent_absence": pd.arrays.BooleanArray(persistent, none),
    })
