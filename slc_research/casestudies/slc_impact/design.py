"""What a learning-community evaluation can and cannot show, in plain words.

:func:`limitations` turns the facts of a design (who chose to take part, how
many pupils, how different the groups were at the start, how many stopped
answering, how many outcomes were compared) into sentences a teacher can paste
into a dissertation. It never claims that a community caused a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from slc_research.casestudies.slc_impact.outcomes import ChangeResult
from slc_research.casestudies.slc_impact.schools import ASSUMED_ICC
from slc_research.casestudies.slc_impact.timing import (
    ATTENDANCE_BEFORE,
    period_dates,
    questionnaire_before,
    timing_facts,
    timing_warnings,
    with_timing_warning,
)
from slc_research.errors import ConfigError

__all__ = ["ATTENDANCE_BEFORE", "DESIGN_DEFAULTS", "design_facts", "evidence_strength",
           "limitations", "period_dates", "questionnaire_before", "timing_facts",
           "timing_warnings", "with_timing_warning"]

#: The design facts :func:`limitations` understands, with their defaults.
DESIGN_DEFAULTS: dict[str, Any] = {
    "community_label": "the SLC",  # how the text names the community
    "n_members": 0,  # members in the cohort
    "n_comparison": None,  # comparison pupils in the cohort (None: no comparison group)
    "comparison": "non_members",  # or "none"
    "random_allocation": False,  # never true for an SLC: pupils volunteer or are invited
    "baseline_g": None,  # members minus comparison before, in SD units (largest of the outcomes)
    "baseline_outcome": None,  # the outcome that baseline_g is about
    "attrition_pct": None,  # % who answered the first questionnaire but not the second
    "n_outcomes": 1,  # outcomes compared
    "self_report": True,  # the outcomes include a questionnaire
    "n_schools": 1,
    "threshold": 0,  # the suppression threshold: fewer members are "fewer than" it, unnumbered
    "community_start": None,  # the community's first meeting (a date), if known
    "community_start_event": "meeting",  # "joined": no meeting known, the first day joined
    # what was measured "before" -> (first date, last date); (None, None) when not recorded
    "before_periods": {},
    # what was measured "before" -> (answers dated after the first meeting, answers dated)
    "late_answers": {},
    # the primary (first) scale's pupils analysed and shares lost, per group, for the
    # strength of evidence (None: not known; the cohort counts above are used instead)
    "n_members_analysed": None,
    "n_comparison_analysed": None,
    "attrition_members_pct": None,
    "attrition_comparison_pct": None,
    "primary_attrition_pct": None,
    "design_kind": None,  # a key of stats.evidence.DESIGNS; None: from the facts above
}


def limitations(design: dict[str, Any]) -> list[str]:
    """Sentences on what the design can and cannot show.

    Parameters
    ----------
    design : dict
        Facts of the design; keys and defaults in :data:`DESIGN_DEFAULTS`
        (:func:`design_facts` builds it from the analyses).

    Returns
    -------
    list of str
        Plain-English sentences, most important first.

    Raises
    ------
    ConfigError
        For a key that is not a known design fact.

    Examples
    --------
    >>> limitations({"n_members": 12, "n_comparison": 150})[0]  # doctest: +NORMALIZE_WHITESPACE
    'Pupils chose to join the SLC, so members may differ from other pupils in ways the data do
    not show (such as motivation or confidence); the comparison cannot show that the SLC caused
    any difference.'
    """
    unknown = sorted(set(design) - set(DESIGN_DEFAULTS))
    if unknown:
        raise ConfigError(f"unknown design fact(s) {unknown}; known: {sorted(DESIGN_DEFAULTS)}")
    d = {**DESIGN_DEFAULTS, **design}
    label, n = d["community_label"], int(d["n_members"] or 0)
    few = 0 < n < int(d["threshold"] or 0)
    members = f"fewer than {d['threshold']} members" if few else f"{n} members"
    out = []
    if d["random_allocation"]:
        out.append(f"Pupils were allocated to {label} at random, which makes members and other "
                   f"pupils alike on average; with {members}, chance differences between the "
                   "groups can still be large, so a difference is not proof of an effect.")
    else:
        out.append(f"Pupils chose to join {label}, so members may differ from other pupils in "
                   "ways the data do not show (such as motivation or confidence); the comparison "
                   f"cannot show that {label} caused any difference.")
    if d["comparison"] == "none" or d["n_comparison"] is None:
        out.append("There is no comparison group: a change between the two measurements could "
                   "come from pupils growing older, the time of year or answering the same "
                   f"questions twice, rather than from {label}.")
    else:
        out.append("Comparing how much members changed with how much other pupils changed "
                   "allows for differences that were already there at the start, but not for "
                   "differences in how the two groups would have changed anyway.")
    g = d["baseline_g"]
    if g is not None and np.isfinite(g):
        what = d["baseline_outcome"] or "the first measurement"
        if abs(g) >= 0.1:
            direction = "higher" if g > 0 else "lower"
            size = "already " if abs(g) >= 0.2 else ""
            small = "" if abs(g) >= 0.2 else " (a small difference)"
            out.append(f"At the start, members were {size}{abs(g):.2f} standard deviations "
                       f"{direction} than other pupils on {what}{small}, so the groups were not "
                       f"alike before {label} began.")
        else:
            out.append(f"At the start, members and other pupils were about the same on {what} "
                       f"(a difference of {abs(g):.2f} standard deviations), but they may still "
                       "differ in ways the data do not measure.")
    out += timing_warnings(d)
    if n == 0:
        out.append("No member could be analysed, so nothing can be said about the members.")
    elif n < 20:
        out.append(f"With {'' if few else 'only '}{members}, every estimate is imprecise: "
                   "the 95% confidence "
                   "intervals are wide, and a real difference of moderate size could easily go "
                   "unnoticed.")
    elif n < 50:
        out.append(f"With {members}, estimates are still imprecise; read the width of each "
                   "95% confidence interval, not only the estimate.")
    a = d["attrition_pct"]
    if a is not None and np.isfinite(a) and a > 0:
        big = " This is a large loss." if a >= 20 else ""
        out.append(f"{a:.0f}% of pupils who answered the first questionnaire did not answer the "
                   "second; if those who dropped out differ from those who stayed, the results "
                   f"may be biased.{big}")
    k = int(d["n_outcomes"] or 0)
    if k > 1:
        out.append(f"{k} outcomes were compared; with this many, one may look different by "
                   "chance alone (about 1 comparison in 20 gives a 95% confidence interval "
                   "that excludes zero when there is no real difference).")
    if d["self_report"]:
        out.append("The questionnaire records what pupils say about their learning; members may "
                   "answer more positively because they know what the school hopes to achieve "
                   f"through {label}.")
    schools = int(d["n_schools"] or 1)
    if schools == 1:
        out.append("The data come from one school, so the findings may not carry over to other "
                   "schools or other years.")
    else:
        out.append(f"The data come from {schools} schools whose communities may work "
                   f"differently; pooled results can hide differences between schools.")
    if not d["random_allocation"]:
        out.append(f"These data can describe what happened while {label} ran and suggest what "
                   f"to look at next, but they cannot prove what {label} achieved.")
    return out


def design_facts(*, n_members: int, n_comparison: int | None,
                 results: Iterable[ChangeResult] = (), comparison: str = "non_members",
                 n_schools: int = 1, community_label: str = "the SLC",
                 random_allocation: bool = False, threshold: int = 1,
                 community_start: pd.Timestamp | None = None,
                 community_start_event: str = "meeting",
                 before_periods: Mapping[str, tuple] | None = None,
                 late_answers: Mapping[str, tuple[int, int]] | None = None) -> dict[str, Any]:
    """Collect the design facts for :func:`limitations` from the analyses.

    Parameters
    ----------
    n_members, n_comparison : int
        Members and comparison pupils in the cohort (``Representativeness.n_members``,
        ``.n_rest``); ``n_comparison`` is ignored when ``comparison="none"``.
    results : iterable of ChangeResult
        The outcome analyses: questionnaire scales give the attrition (largest
        across scales) and, with attendance and behaviour, the largest baseline
        difference and the number of outcomes compared.
    comparison : {"non_members", "none"}
    n_schools : int
    community_label : str
    random_allocation : bool
        Leave False for SLCs: members volunteer.
    threshold : int
        The suppression threshold: a baseline difference is only quoted for an
        outcome whose groups both have at least this many pupils.
    community_start : Timestamp, optional
        The community's first meeting.
    community_start_event : str, default "meeting"
        ``"joined"`` when ``community_start`` is the first day a member joined (no meeting
        recorded).
    before_periods : dict, optional
        What was measured "before" -> (first date, last date), dates None when
        not recorded (see :func:`timing_warnings`).
    late_answers : dict, optional
        What was measured "before" -> (answers dated after the first meeting,
        answers dated), for dated questionnaire answers (:func:`timing_facts`).

    Returns
    -------
    dict
        Keys of :data:`DESIGN_DEFAULTS`.
    """
    results = [r for r in results if r.available]
    scales = [r for r in results if r.unit == "scale score"]
    attrition = [float(r.groups["n_lost"].sum() / r.groups["n_pre"].sum() * 100)
                 for r in scales if r.groups["n_pre"].sum() > 0]
    baselines = [(r.baseline.estimate, r.label) for r in results
                 if r.baseline is not None and r.baseline.n1 >= threshold
                 and r.baseline.n2 >= threshold]
    g, what = max(baselines, key=lambda b: abs(b[0])) if baselines else (None, None)
    return {**_analysed(scales[0] if scales else None),
        "community_label": community_label,
        "n_members": int(n_members),
        "n_comparison": None if comparison == "none" else n_comparison,
        "comparison": comparison,
        "random_allocation": bool(random_allocation),
        "baseline_g": g,
        "baseline_outcome": what,
        "attrition_pct": max(attrition) if attrition else None,
        # outcomes compared with other pupils (without a comparison group, members' own change)
        "n_outcomes": (len(results) if comparison == "none" else sum(
            r.effect is not None and min(r.effect.n1, r.effect.n2) >= threshold
            for r in results)),
        "threshold": int(threshold),
        "self_report": bool(scales),
        "n_schools": int(n_schools),
        "community_start": community_start,
        "community_start_event": community_start_event,
        "before_periods": dict(before_periods or {}),
        "late_answers": dict(late_answers or {}),
    }


def _analysed(primary: ChangeResult | None) -> dict[str, Any]:
    """The primary scale's pupils analysed (both waves) and shares lost, per group."""
    if primary is None or len(primary.groups) < 1:
        return {}
    rows = primary.groups.reset_index(drop=True)
    n_pre = float(rows["n_pre"].sum())
    out: dict[str, Any] = {"n_members_analysed": int(rows.loc[0, "n_both"]),
                           "attrition_members_pct": _finite(rows.loc[0, "pct_lost"]),
                           "primary_attrition_pct": (float(rows["n_lost"].sum() / n_pre * 100)
                                                     if n_pre else None)}
    if len(rows) > 1:
        out.update(n_comparison_analysed=int(rows.loc[1, "n_both"]),
                   attrition_comparison_pct=_finite(rows.loc[1, "pct_lost"]))
    return out


def _finite(value: Any) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None


def evidence_strength(design: dict[str, Any], *, threshold: int = 0):
    """The strength-of-evidence statement for the design facts of :func:`design_facts`.

    A thin bridge to :func:`slc_research.stats.strength_of_evidence` (after
    the EEF's padlock logic, never claiming to be an EEF rating): the design
    kind (``design_kind``, or: no comparison, random allocation, or volunteers
    compared with others allowing for their starting scores), the baseline
    difference, the primary scale's attrition overall and per group, and the
    pupils **analysed** on it (the cohort counts only when those are unknown or
    fewer than 2 in a group). With pupils from 2 or more schools (``n_schools``) the MDES
    is for a comparison within schools with the intraclass correlation
    :data:`~slc_research.casestudies.slc_impact.schools.ASSUMED_ICC`. A group analysed
    smaller than ``threshold`` (the enquiry's suppression threshold) has its count, the MDES
    and the groups' shares lost left out of the sentences.
    """
    from slc_research.stats import strength_of_evidence

    facts = {**DESIGN_DEFAULTS, **design}
    has_comparison = facts["comparison"] != "none" and bool(
        facts["n_comparison_analysed"] or facts["n_comparison"])
    kind = facts["design_kind"] or (
        "no_comparison" if not has_comparison
        else "randomised" if facts["random_allocation"] else "baseline_adjusted")
    attrition = facts["primary_attrition_pct"]
    if attrition is None:
        attrition = facts["attrition_pct"]
    per_group = (facts["attrition_members_pct"], facts["attrition_comparison_pct"])
    if not has_comparison or None in per_group:
        per_group = (None, None)
    n_t, n_c = facts["n_members_analysed"], facts["n_comparison_analysed"]
    if n_t is None or n_c is None or min(n_t, n_c) < 2:  # not known, or too few to rate
        n_t, n_c = None, None
    schools = int(facts["n_schools"] or 1)
    clustered = ({"icc": ASSUMED_ICC, "n_clusters": schools, "within_schools": True}
                 if has_comparison and schools >= 2 else {})
    return strength_of_evidence(**clustered,
        design=kind,
        baseline_effect=facts["baseline_g"] if has_comparison else None,
        attrition=None if attrition is None else float(attrition) / 100,
        attrition_treated=None if per_group[0] is None else per_group[0] / 100,
        attrition_comparison=None if per_group[1] is None else per_group[1] / 100,
        withhold_below=threshold,
        n_treated=int(facts["n_members"] if n_t is None else n_t),
        n_comparison=(int(facts["n_comparison"] if n_c is None else n_c)
                      if has_comparison else 0),
    )
