"""Data health of an opened workspace: duplicates, implausible values, survey response.

The ``data_health`` report describes a workspace that opened: every file passed
the loaders' checks (a file with errors stops :meth:`Enquiry.open`). What is left
to look at is what the checks allow: rows repeated across files, values that are
valid but implausible, and who answered the questionnaires. Per-source counts
(rows read, left out, repaired) are in :mod:`slc_research.casestudies.data_health.summary`.

Survey response and attrition are in :mod:`slc_research.casestudies.data_health.survey_response` and
re-exported here. Only counts and column names are reported, never a value from a row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slc_research.casestudies.data_health.survey_response import (
    attrition,
    attrition_table,
    respondents_of_school,
    response_rates,
    response_table,
)
from slc_research.errors import ConfigError

__all__ = [
    "DUPLICATE_KEYS",
    "PLAUSIBILITY_RULES",
    "PlausibilityRule",
    "academic_year_bounds",
    "attrition",
    "attrition_table",
    "duplicates",
    "implausible_values",
    "resolve_school",
    "respondents_of_school",
    "response_rates",
    "response_table",
]


def resolve_school(schools: tuple[str, ...] | list[str], school: str) -> str:
    """``school`` as spelled in the enquiry ("" stays ""); ConfigError if it is not one."""
    if not school:
        return ""
    match = [s for s in schools if s.casefold() == school.casefold()]
    if not match:
        raise ConfigError(f"no school {school!r} in this enquiry; its schools are "
                          f"{', '.join(schools) or 'none'} (or \"\" for all)", key="school")
    return match[0]


# -- duplicates ----------------------------------------------------------------------------

#: Per table: the columns that should identify a row, and what the loaders do
#: with repeats. Loaders refuse a repeated key inside one file (an error, so the
#: workspace does not open); the same key in two files is kept.
DUPLICATE_KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "pupils": (("pupil_id",), "error within a file; kept across files"),
    "staff": (("staff_id",), "error within a file; kept across files"),
    "memberships": (("member_id", "community", "joined"),
                    "error within a file; kept across files (the same member joining again "
                    "on another date, e.g. the next year, is not a repeat)"),
    "meetings": (("meeting_id",), "error within a file; kept across files"),
    "meeting_attendance": (("meeting_id", "member_id"), "error within a file; kept across files"),
    "action_plans": (("plan_id",), "error within a file; kept across files"),
    "survey_responses": (("respondent_id", "instrument", "wave", "item"),
                         "error within a file; kept across files"),
    "attendance": (("pupil_id", "date", "session"), "error within a file; kept across files"),
    "behaviour": ((), "kept (two identical entries can be two real events)"),
    "attainment": (("pupil_id", "assessment", "subject", "date"),
                   "error within a file; kept across files"),
    "texts": (("text_id",), "error within a file; kept across files"),
    "codebook": (("code",), "error within a file; kept across files"),
    "codings": (("text_id", "coder", "code", "start", "end"),
                "exact repeats within a file left out (with a note); kept across files"),
}


def duplicates(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per table: rows repeated exactly, and rows repeating a key that should be unique.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Canonical tables (``enq.tables``); tables not in :data:`DUPLICATE_KEYS` are skipped.

    Returns
    -------
    DataFrame
        ``table``, ``rows``, ``key`` (the columns, joined by " + "; "every column" when
        only exact repeats are checked), ``exact_duplicates`` (rows identical to an
        earlier row), ``duplicate_keys`` (rows whose key repeats an earlier row's; rows
        with no id, the key's first column, are not counted; blanks elsewhere count as
        equal), ``loader`` (how the loaders treat repeats). Counts of rows, not of people.
    """
    rows = []
    for table, (key, treatment) in DUPLICATE_KEYS.items():
        df = tables.get(table)
        if df is None or df.empty:
            continue
        if key:
            has_id = df[key[0]].notna().to_numpy()
            keyed = df.loc[has_id, list(key)]  # later parts may be blank
            by_key = int(keyed.duplicated().sum())
            # An exact repeat repeats the key too (or has no id): look only there.
            maybe = ~has_id
            maybe[has_id] = keyed.duplicated(keep=False).to_numpy()
            exact = int(df[maybe].duplicated().sum())
        else:
            exact = by_key = int(df.duplicated().sum())
        rows.append({"table": table, "rows": len(df),
                     "key": " + ".join(key) if key else "every column",
                     "exact_duplicates": exact, "duplicate_keys": by_key, "loader": treatment})
    return pd.DataFrame(rows, columns=["table", "rows", "key", "exact_duplicates",
                                       "duplicate_keys", "loader"])


# -- plausibility --------------------------------------------------------------------------

@dataclass(frozen=True)
class PlausibilityRule:
    """One check of values that pass the loaders but are unlikely to be right.

    Attributes
    ----------
    name : str
        Short name of the rule (what the report records).
    table : str
        The canonical table it checks.
    columns : tuple of str
        The columns it reads.
    description : str
        The rule in words, for the report.
    flag : callable
        ``flag(table, context) -> boolean mask`` of the rows that break the rule;
        ``context`` holds ``year`` (start, end of the academic year, or None),
        ``today`` and ``term_days`` (dates with attendance marks, or None).
    """

    name: str
    table: str
    columns: tuple[str, ...]
    description: str
    flag: Callable[[pd.DataFrame, dict], pd.Series]


def academic_year_bounds(academic_year: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last day of an English academic year written like "2025-26" or "2025/2026".

    The year runs from 1 August to 31 July. Returns None when the text is not
    an academic year (the manifest leaves it free).

    Examples
    --------
    >>> academic_year_bounds("2025-26")
    (Timestamp('2025-08-01 00:00:00'), Timestamp('2026-07-31 00:00:00'))
    """
    m = re.fullmatch(r"\s*(\d{4})\s*[-/–]\s*(\d{2}|\d{4})\s*", academic_year or "")
    if not m:
        return None
    start, last = int(m.group(1)), m.group(2)
    end = start + 1
    if int(last) != (end if len(last) == 4 else end % 100):
        return None
    return pd.Timestamp(start, 8, 1), pd.Timestamp(end, 7, 31)


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("Float64")


def _mask(s: pd.Series) -> pd.Series:
    return s.fillna(False).astype(bool)


def _outside_year(col: str) -> Callable[[pd.DataFrame, dict], pd.Series]:
    def flag(df: pd.DataFrame, ctx: dict) -> pd.Series:
        if ctx["year"] is None:
            return pd.Series(False, index=df.index)
        start, end = ctx["year"]
        d = df[col]
        return _mask((d < start) | (d > end))
    return flag


def _in_future(cols: tuple[str, ...]) -> Callable[[pd.DataFrame, dict], pd.Series]:
    def flag(df: pd.DataFrame, ctx: dict) -> pd.Series:
        out = pd.Series(False, index=df.index)
        for c in cols:
            out |= _mask(df[c] > ctx["today"])
        return out
    return flag


def _percent_scores_out_of_range(df: pd.DataFrame, ctx: dict) -> pd.Series:
    score = _num(df["score"])
    # scores look like percentages when the assessment + subject has a median above 10
    # (grades 1-9 and levels stay below it)
    median = score.groupby([df["assessment"].fillna(""), df["subject"].fillna("")],
                           dropna=False).transform("median")
    return _mask((score < 0) | ((median > 10) & (score > 100)))


def _weekend(df: pd.DataFrame, ctx: dict) -> pd.Series:
    return _mask(df["date"].dt.day_of_week >= 5)


def _outside_term(df: pd.DataFrame, ctx: dict) -> pd.Series:
    d = df["date"]
    weekend = d.dt.day_of_week >= 5
    if ctx["term_days"] is None:
        return _mask(weekend | (d.dt.month == 8))
    return _mask(weekend | (d.notna() & ~d.dt.normalize().isin(ctx["term_days"])))


#: The plausibility rules, in report order. Each rule counts rows; none shows a value.
PLAUSIBILITY_RULES: tuple[PlausibilityRule, ...] = (
    PlausibilityRule("year_group", "pupils", ("year_group",),
                     "year group outside 1-13", lambda d, c: _mask(
                         (_num(d["year_group"]) < 1) | (_num(d["year_group"]) > 13))),
    PlausibilityRule("years_experience", "staff", ("years_experience",),
                     "years of experience below 0 or above 50", lambda d, c: _mask(
                         (_num(d["years_experience"]) < 0) | (_num(d["years_experience"]) > 50))),
    PlausibilityRule("attainment_score", "attainment", ("score", "assessment", "subject"),
                     "score below 0, or above 100 where the assessment's scores look like "
                     "percentages (median above 10)", _percent_scores_out_of_range),
    PlausibilityRule("behaviour_points", "behaviour", ("points",),
                     "points of 0 or more than 50 (either way) for one event", lambda d, c: _mask(
                         (_num(d["points"]) == 0) | (_num(d["points"]).abs() > 50))),
    PlausibilityRule("attendance_weekend", "attendance", ("date",),
                     "attendance mark on a Saturday or Sunday", _weekend),
    PlausibilityRule("meeting_outside_term", "meetings", ("date",),
                     "meeting at a weekend or on a day with no attendance marks (outside term; "
                     "August when there is no attendance)", _outside_term),
    *(PlausibilityRule(f"{t}_date_outside_year", t, ("date",),
                       "date outside the academic year (1 August to 31 July)", _outside_year("date"))
      for t in ("meetings", "attendance", "behaviour", "attainment", "action_plans", "texts")),
    *(PlausibilityRule(f"{t}_date_in_future", t, cols, "date after today", _in_future(cols))
      for t, cols in (("meetings", ("date",)), ("attendance", ("date",)),
                      ("behaviour", ("date",)), ("attainment", ("date",)),
                      ("action_plans", ("date",)), ("texts", ("date",)),
                      ("memberships", ("joined", "left")))),
)


def implausible_values(tables: dict[str, pd.DataFrame], *, academic_year: str = "",
                       today: dt.date | None = None,
                       rules: tuple[PlausibilityRule, ...] = PLAUSIBILITY_RULES) -> pd.DataFrame:
    """Rows breaking each plausibility rule (see :data:`PLAUSIBILITY_RULES`).

    Parameters
    ----------
    tables : dict of str to DataFrame
        Canonical tables (``enq.tables``).
    academic_year : str
        ``enq.academic_year``, e.g. "2025-26"; when it is not a year, dates are not
        checked against it.
    today : date, optional
        For "date after today" (default: today).
    rules : tuple of PlausibilityRule

    Returns
    -------
    DataFrame
        One row per rule whose table has rows: ``rule``, ``table``, ``columns``,
        ``description``, ``rows_checked``, ``flagged``. Counts of rows, not of people.
    """
    attendance = tables.get("attendance")
    term_days = None
    if attendance is not None and not attendance.empty:
        term_days = pd.DatetimeIndex(attendance["date"].dropna().dt.normalize().unique())
    ctx = {"year": academic_year_bounds(academic_year),
           "today": pd.Timestamp(today or dt.date.today()), "term_days": term_days}
    rows = []
    for rule in rules:
        df = tables.get(rule.table)
        if df is None or df.empty or any(c not in df.columns for c in rule.columns):
            continue
        flagged = int(np.count_nonzero(rule.flag(df, ctx).to_numpy(dtype=bool)))
        rows.append({"rule": rule.name, "table": rule.table, "columns": ", ".join(rule.columns),
                     "description": rule.description, "rows_checked": len(df),
                     "flagged": flagged})
    return pd.DataFrame(rows, columns=["rule", "table", "columns", "description",
                                       "rows_checked", "flagged"])
