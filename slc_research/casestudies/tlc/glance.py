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
                change = records.get("share_change")
                text += _against_year_before(shown[-2], estimate_of(records, "share_change")
                                             if isinstance(change, Mapping)
                                             and change.get("to_year") == year
                                             and change.get("from_year") == shown[-2][0]
                                             else None)
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
    points = records.get("tlc_scale_points")
    if mean:
        text = f"On the staff survey, the average answer was {number(mean[0])}" + (
            f" on a scale of {points[0]} to {points[1]}." if isinstance(points, list | tuple)
            and len(points) == 2 else ".")
        if alpha and alpha[0] < 0.7:
            text += (f" Its questions did not hang together well ({number(alpha[0])} on a "
                     "0 to 1 check), so read it with care.")
        findings.append(text)
    change = records.get("tlc_scale_change")
    if estimate_of(records, "tlc_scale_change") and isinstance(change, Mapping):
        findings.append(change_sentence(
            f"From wave {change['from_wave']} to wave {change['to_wave']} of the staff survey, "
            "the average answer " + ("went up" if change["estimate"] > 0 else "went down"),
            change["estimate"], change["ci_low"], change["ci_high"], scale="points"))
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


def _against_year_before(before: tuple[str, Mapping[str, Any]],
                         change: tuple[float, float, float] | None) -> str:
    """", up from 25% in 2024-25" only when the change is clear; else the two side by side.

    A rise whose interval includes no change is not a rise: the year before is given for
    comparison and the sentence says the difference could be chance.
    """
    year, value = before
    share = f"{number(value['estimate'], 0)}% in {year}"
    if change is None:
        return f", against {share}"
    if change[1] > 0:
        return f", up from {share}"
    if change[2] < 0:
        return f", down from {share}"
    return f" ({share}, a difference that could be chance)"
