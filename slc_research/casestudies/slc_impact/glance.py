"""The SLC impact study's glance hook: who took part and what changed, in plain words."""

from __future__ import annotations

from collections.abc import Mapping
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
    if isinstance(records.get("members"), int) and records["members"]:  # "<5": withheld,
        findings.append(f"{records['members']:,} pupils were members of {who}.")  # said below
    rows = outcome_rows(records)
    for row in rows:
        outcome = short_outcome(row["outcome"])
        went = "went up" if row["estimate"] > 0 else "went down"
        findings.append(change_sentence(
            f"Compared with other pupils, members' {outcome} {went}",
            row["estimate"], row["ci_low"], row["ci_high"]))
    if not rows:  # no comparison group: members' own change, said as only that
        findings += _own_change(records)
    if records.get("questionnaire_not_compared"):  # e.g. its second wave not collected yet
        findings.append(str(records["questionnaire_not_compared"]))
    evidence = ""
    explanation = next((s.finding for s in result.sections if s.key == "evidence"), "")
    if records.get("strength_of_evidence"):
        evidence = rating_line(str(records["strength_of_evidence"]), explanation)
    return GlanceFacts(tuple(findings[:6]), evidence, (
        "It can tell us how much more members changed than other pupils of the same "
        "school and year group.",
        "It cannot show that the community caused the change: pupils chose to join, and "
        "they may differ in ways the data do not show."))


def _own_change(records: Mapping[str, Any]) -> list[str]:
    """Members' own change on each outcome of ``outcome_labels`` (its paired g_av)."""
    out = []
    for outcome, label in (records.get("outcome_labels") or {}).items():
        value = records.get(f"{outcome}_g")
        if not isinstance(value, Mapping) or not value.get("paired") or \
                value.get("estimate") is None:
            continue
        went = "went up" if value["estimate"] > 0 else "went down"
        out.append(change_sentence(f"Members' own {short_outcome(label)} {went}",
                                   value["estimate"], value["ci_low"], value["ci_high"]))
    return (["There is no comparison group, so what follows is how much members themselves "
             "changed, not how much more than other pupils."] + out) if out else []
