"""When the "before" measurements were taken, against the community's first meeting.

A "before" measurement taken after the community had started is not a true baseline: members
may already have changed. :func:`timing_facts` collects the dates (the attendance marks of the
"before" period, and wave 1's own timestamps when the questionnaire export records them in
the optional ``submitted`` column of ``survey_responses``); :func:`timing_warnings` turns
them into plain warnings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from slc_research.casestudies.result import Section
from slc_research.casestudies.slc_impact.outcomes import ChangeResult
from slc_research.measures.attendance import academic_year, school_period

__all__ = ["ATTENDANCE_BEFORE", "period_dates", "questionnaire_before", "timing_facts",
           "timing_warnings", "with_timing_warning"]

#: How the design facts name the attendance period used as "before".
ATTENDANCE_BEFORE = "the \"before\" attendance period"


def questionnaire_before(wave: int) -> str:
    """How the design facts name the questionnaire wave used as "before"."""
    return f"wave {wave} of the questionnaire"


def _possessive(label: str) -> str:
    return label + ("'" if label.endswith("s") else "'s")


def _day(date: pd.Timestamp) -> str:
    return f"{date.day} {date:%B %Y}"


def _month(date: pd.Timestamp) -> str:
    return f"{date:%B %Y}"


def timing_warnings(design: Mapping[str, Any]) -> list[str]:
    """Sentences on "before" measurements taken after the community had started.

    Parameters
    ----------
    design : dict
        Design facts with ``community_start`` (the first meeting) and
        ``before_periods`` ({what: (first date, last date)}, dates None when
        not recorded), ``community_label`` and, for dated questionnaire answers,
        ``late_answers`` ({what: (answers dated after the first meeting, answers
        dated)}: those are worded by month and year, with the count).

    Returns
    -------
    list of str
        One sentence per "before" measurement that began after the first
        meeting, that ran on past it, or whose date is not recorded; empty when
        the first meeting is unknown or every "before" measurement ended before it.
    """
    start, label = design.get("community_start"), design.get("community_label", "the SLC")
    if start is None or pd.isna(start):
        return []
    start = pd.Timestamp(start)
    began = _began(label, start, design.get("community_start_event", "meeting"))
    late = design.get("late_answers") or {}
    out = []
    for what, (first, last) in (design.get("before_periods") or {}).items():
        if first is None or pd.isna(first):
            out.append(f"When {what} was taken is not recorded in the data; if it was after "
                       f"{began}, it is not a true "
                       "\"before\" measurement and members may already have changed by then.")
        elif what in late:  # dated answers: only those given after the meeting's day count
            if late[what][0] > 0:
                out.append(_late_answers(what, pd.Timestamp(first), start, began,
                                         *late[what]))
        elif pd.Timestamp(first) > start:
            out.append(f"Warning: {what} began on {_day(pd.Timestamp(first))}, after "
                       f"{began}, so it is not a true \"before\" "
                       "measurement: members may already have changed, and the change "
                       "between the two measurements can understate (or overstate) any effect.")
        elif last is not None and not pd.isna(last) and pd.Timestamp(last) >= start:
            out.append(f"Warning: {what} ({_day(pd.Timestamp(first))} to "
                       f"{_day(pd.Timestamp(last))}) runs on past {began}, so part of the "
                       "\"before\" measurement was taken while the community was already "
                       "running; the change between the "
                       "two measurements is likely to understate any effect.")
    return out


def _began(label: str, start: pd.Timestamp, event: str) -> str:
    """How the community's start is named: its first meeting, or the day a member first joined.

    The second when no meeting of the community is recorded (no meetings file).
    """
    if event == "joined":
        return f"the day {_possessive(label)} first member joined ({_day(start)})"
    return f"{_possessive(label)} first meeting on {_day(start)}"


def _late_answers(what: str, first: pd.Timestamp, start: pd.Timestamp, began: str,
                  n_after: int, n_dated: int) -> str:
    """The warning on dated questionnaire answers given after the community started."""
    answers = (f"all {n_dated} answers" if n_after == n_dated
               else f"{n_after} of its {n_dated} dated answers")
    order = "after" if first > start else "before"
    tail = "came after it" if first <= start else (
        "came after that meeting" if "meeting" in began else "came after that day")
    return (f"Warning: {what}, the \"before\" measurement, began in {_month(first)}, {order} "
            f"{began}: {answers} {tail}. Those "
            "answers are not a true \"before\" measurement: members may "
            "already have changed, and the change between the two waves can understate (or "
            "overstate) any effect.")


def period_dates(records: pd.DataFrame, period: str, *, by: str = "term",
                 year: str | None = None) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """First and last date of a school period in dated records (attendance marks).

    Parameters
    ----------
    records : DataFrame
        With a ``date`` column (e.g. the canonical ``attendance`` table).
    period : str
        ``"autumn"``, ``"spring"``, ``"summer"`` (or a half term with ``by="half_term"``).
    by : str, default "term"
    year : str, optional
        Academic year such as ``"2025-26"``; default the latest in ``records``.

    Returns
    -------
    (Timestamp or None, Timestamp or None)
        None, None when no record falls in the period.
    """
    # each school day once (a mark per pupil and session repeats it): the same first and last
    dates = pd.DatetimeIndex(records["date"].dropna().unique()) if "date" in records else None
    if dates is None or not len(dates):
        return None, None
    years = academic_year(dates).to_numpy()
    keep = (school_period(dates, by=by).str.lower().to_numpy() == period.strip().lower()) & (
        years == (year or max(years)))
    if not keep.any():
        return None, None
    return dates[keep].min(), dates[keep].max()


def timing_facts(attendance_marks: pd.DataFrame, attendance: ChangeResult, *,
                 waves: tuple[int, int], community_start: pd.Timestamp | None,
                 survey_responses: pd.DataFrame | None = None,
                 instruments: Iterable[str] = (),
                 community_start_event: str = "meeting") -> dict[str, Any]:
    """The first meeting and the dates of the "before" measurements, for ``design_facts``.

    Parameters
    ----------
    attendance_marks : DataFrame
        The canonical ``attendance`` table: the "before" period's dates.
    attendance : ChangeResult
        The attendance comparison (its first period is "before").
    waves : (int, int)
        The questionnaire waves before and after.
    community_start : Timestamp or None
        The community's first meeting.
    survey_responses : DataFrame, optional
        The canonical ``survey_responses`` table. When it has a ``submitted``
        column with dates (the export's own timestamp), wave ``waves[0]``'s first
        and last dates and how many of its answers came after the first meeting
        are recorded; otherwise the wave's date is given as not recorded.
    instruments : iterable of str
        Only answers to these instruments count (default: every instrument).
    community_start_event : str, default "meeting"
        What ``community_start`` is: ``"meeting"`` (the first meeting) or ``"joined"`` (no
        meeting recorded: the first day a member joined). The warnings name it.

    Returns
    -------
    dict
        ``community_start``, ``community_start_event``, ``before_periods`` and
        ``late_answers``.
    """
    wave = questionnaire_before(waves[0])
    periods: dict[str, tuple] = {wave: (None, None)}
    late: dict[str, tuple[int, int]] = {}
    dated = _dated_answers(survey_responses, waves[0], set(instruments))
    if len(dated):
        days = dated.dt.normalize()
        periods[wave] = (days.min(), days.max())
        if community_start is not None and not pd.isna(community_start):
            after = days > pd.Timestamp(community_start).normalize()
            late[wave] = (int(after.sum()), len(days))
    if attendance.available:
        periods[ATTENDANCE_BEFORE] = period_dates(attendance_marks,
                                                  attendance.periods[0].lower())
    return {"community_start": community_start,
            "community_start_event": community_start_event, "before_periods": periods,
            "late_answers": late}


def _dated_answers(responses: pd.DataFrame | None, wave: int, instruments: set[str]
                   ) -> pd.Series:
    """When each pupil's answers to one wave were submitted: one date per questionnaire."""
    if responses is None or "submitted" not in responses.columns:
        return pd.Series(dtype="datetime64[ms]")
    r = responses[(responses["wave"].astype("Int64") == wave).fillna(False)
                  & responses["submitted"].notna()]
    if "respondent_type" in r.columns:
        r = r[r["respondent_type"].astype("string").fillna("pupil") == "pupil"]
    if instruments:
        r = r[r["instrument"].astype("string").isin(instruments).fillna(False)]
    when = pd.to_datetime(r["submitted"])
    # one questionnaire = one respondent's answers to one instrument (anonymous: one timestamp)
    keys = [r["respondent_id"].astype("string").fillna(when.astype("string")),
            r["instrument"].astype("string")]
    return when.groupby(keys, dropna=False).min().reset_index(drop=True)


def with_timing_warning(section: Section, facts: Mapping[str, Any], what: str) -> Section:
    """``section`` with the timing warning on ``what`` (if any) added to its finding."""
    only = {**facts, "before_periods": {k: v for k, v in facts["before_periods"].items()
                                        if k == what}}
    warnings = timing_warnings(only)
    if not warnings:
        return section
    return dataclasses.replace(section, finding=" ".join([section.finding, *warnings]))


