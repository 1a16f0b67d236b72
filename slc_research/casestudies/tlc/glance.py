"""The TLC study's glance hook: who takes part, the plans tried and staff's view, in words."""

from __future__ import annotations

from collections.abc import Mapping
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
    """The TLC study's plain findings, evidence line and limits, from its recorded values.

    Parameters
    ----------
    result : Result
        The TLC impact result.

    Returns
    -------
    GlanceFacts
        Members, the share of teaching staff over the years, plans tried, staff's view on
        the primary outcome, the survey scale and the strategy planned most.
    """
    records = recorded(result)
    findings = []
    if isinstance(records.get("n_members"), int) and records["n_members"]:  # not "<5"
        findings.append(f"{records['n_members']:,} staff were members of a TLC this year.")
    years = records.get("share_teaching_staff")
    if isinstance(years, Mapping):
        shown = [(y, v) for y, v in years.items() if estimate_of(years, y)]
        if shown:
            year, last = shown[-1]
            text = f"In {year}, {{share}} of teaching staff were members"
            if len(shown) > 1:
                text += (f", up from {number(shown[-2][1]['estimate'], 0)}% in {shown[-2][0]}"
                         if shown[-2][1]["estimate"] < last["estimate"] else
                         f", against {number(shown[-2][1]['estimate'], 0)}% in {shown[-2][0]}")
            findings.append(share_sentence(text, last["estimate"], last["ci_low"],
                                           last["ci_high"]))
    plans = estimate_of(records, "pct_plans_tried")
    if plans:
        findings.append(share_sentence("Of the plans reported back, {share} were tried in "
                                       "full or in part", *plans))
    for row in outcome_rows(records)[:1]:
        findings.append(change_sentence(
            f"Staff rated the {short_outcome(row['outcome'])} against a neutral answer",
            row["estimate"], row["ci_low"], row["ci_high"],
            rise="gap above neutral", fall="gap below neutral"))
    alpha = estimate_of(records, "tlc_alpha")
    mean = estimate_of(records, "tlc_scale_mean")
    if mean:
        text = f"On the staff survey, the average answer was {number(mean[0])} out of 5."
        if alpha and alpha[0] < 0.7:
            text += (f" Its questions did not hang together well ({number(alpha[0])} on a "
                     "0 to 1 check), so read it with care.")
        findings.append(text)
    top = records.get("top_strategies")
    if isinstance(top, list | tuple) and top:
        findings.append(f"The strategy planned most often was {top[0]}.")
    return GlanceFacts(
        tuple(findings[:6]),
        "Strength of evidence: low. Teachers chose to join and there is no comparison "
        "group, so this shows what happened, not what caused it.",
        ("It can tell us who takes part, how often they meet, what they plan and try, and "
         "what they say about it.",
         "It cannot tell us whether pupils learn more because of the TLC."))
