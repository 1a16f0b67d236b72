"""The student-led conferences' glance hook: weekly reflections and their depth, in words."""

from __future__ import annotations

from typing import Any

from slc_research.casestudies.glance import (
    GlanceFacts,
    change_sentence,
    estimate_of,
    number,
    outcome_rows,
    recorded,
    share_sentence,
    short_outcome,
)

__all__ = ["facts"]


def facts(result: Any) -> GlanceFacts:
    """The conferences' plain findings, evidence line and limits, from recorded values.

    Parameters
    ----------
    result : Result
        The student-led conferences result.

    Returns
    -------
    GlanceFacts
        Who wrote how many reflections, the weekly target, the change in depth on each
        declared outcome, the feedback and the check of the depth scores.
    """
    records = recorded(result)
    findings = []
    pupils, reflections = records.get("n_pupils"), records.get("n_reflections")
    if pupils and reflections:
        findings.append(f"{pupils:,} pupils wrote {reflections:,} reflections over the year.")
    target = estimate_of(records, "pct_weeks_meeting_target")
    if target:
        findings.append(share_sentence("Pupils wrote a reflection in {share} of weeks, "
                                       "against a target of one a week", *target))
    for row in outcome_rows(records)[:2]:
        went = "went up" if row["estimate"] > 0 else "went down"
        findings.append(change_sentence(
            f"From the first to the last half term, the {short_outcome(row['outcome'])} "
            f"{went}", row["estimate"], row["ci_low"], row["ci_high"]))
    if records.get("feedback_responses"):
        findings.append(f"{records['feedback_responses']:,} people gave feedback after the "
                        "conferences.")
    check = estimate_of(records, "rubric_agreement")
    if check:
        findings.append(f"The depth scores agreed with a teacher's own marks: "
                        f"{number(check[0])} on a scale where 1 is full agreement.")
    return GlanceFacts(
        tuple(findings[:6]),
        "Strength of evidence: low. There is no comparison group, so this shows how "
        "reflections changed, not what caused the change.",
        ("It can tell us how often pupils reflect and how deep their reflections are.",
         "It cannot tell us that the conferences caused the change: pupils also grow "
         "older and learn in other ways over a year."))
