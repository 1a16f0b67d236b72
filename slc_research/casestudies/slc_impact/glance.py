"""The SLC impact study's glance hook: who took part and what changed, in plain words."""

from __future__ import annotations

from typing import Any

from slc_research.casestudies.glance import (
    GlanceFacts,
    change_sentence,
    outcome_rows,
    rating_line,
    recorded,
    short_outcome,
)

__all__ = ["facts"]


def facts(result: Any) -> GlanceFacts:
    """The study's plain findings, evidence line and limits, from its recorded values.

    Parameters
    ----------
    result : Result
        The SLC impact result.

    Returns
    -------
    GlanceFacts
        Who took part, then the change on each declared outcome (primary first) against
        other pupils, the strength of evidence and what the design can and cannot show.
    """
    records = recorded(result)
    who = str(records.get("community") or "the community")
    findings = []
    if records.get("members"):
        findings.append(f"{records['members']:,} pupils were members of {who}.")
    for row in outcome_rows(records):
        outcome = short_outcome(row["outcome"])
        went = "went up" if row["estimate"] > 0 else "went down"
        findings.append(change_sentence(
            f"Compared with other pupils, members' {outcome} {went}",
            row["estimate"], row["ci_low"], row["ci_high"]))
    if records.get("questionnaire_not_compared"):  # e.g. its second wave not collected yet
        findings.append(f"{records['questionnaire_not_compared'][:-1]}, so change on it is "
                        "not shown.")
    evidence = ""
    explanation = next((s.finding for s in result.sections if s.key == "evidence"), "")
    if records.get("strength_of_evidence"):
        evidence = rating_line(str(records["strength_of_evidence"]), explanation)
    return GlanceFacts(tuple(findings[:6]), evidence, (
        "It can tell us how much more members changed than other pupils of the same "
        "school and year group.",
        "It cannot show that the community caused the change: pupils chose to join, and "
        "they may differ in ways the data do not show."))
