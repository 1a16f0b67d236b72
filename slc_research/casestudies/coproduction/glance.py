"""The co-production pilot's glance hook: behaviour and what pupils said, in plain words."""

from __future__ import annotations

from typing import Any

from slc_research.casestudies.glance import (
    GlanceFacts,
    change_sentence,
    estimate_of,
    number,
    recorded,
)

__all__ = ["facts"]


def facts(result: Any) -> GlanceFacts:
    """The pilot's plain findings, evidence line and limits, from its recorded values.

    Parameters
    ----------
    result : Result
        The co-production pilot result.

    Returns
    -------
    GlanceFacts
        Who took part, behaviour against similar pupils, pooled over the schools, and the
        yes/no answers and the relationships scale before and after.
    """
    records = recorded(result)
    findings = []
    pupils, schools = records.get("n_pupils"), records.get("n_schools")
    if pupils:
        where = (" in one school" if schools == 1 else f" in {schools:,} schools" if schools
                 else "")
        many = (f"{pupils:,}" if isinstance(pupils, int) else  # "<10": withheld
                f"Fewer than {str(pupils).lstrip('<')}")
        findings.append(f"{many} pupils took part{where}.")
    versus = estimate_of(records, "behaviour_vs_comparison")
    own = estimate_of(records, "behaviour_relative_change")
    if versus:
        went = "went down" if versus[0] < 0 else "went up"
        findings.append(change_sentence(
            f"Compared with similar pupils, their bad behaviour points {went}", *versus,
            scale="points a week"))
    elif own:  # no similar pupils to compare with: their own change, said to be no more
        findings.append(_own_change(*own))
    pooled = estimate_of(records, "pooled_behaviour")
    if pooled:
        went = "went down" if pooled[0] < 0 else "went up"
        findings.append(change_sentence(f"Taking the schools together, bad behaviour {went}",
                                        *pooled))
    for key, said in (("confident_change", "feel confident about speaking up"),
                      ("trouble_change", "often get into trouble at school")):
        answer = estimate_of(records, key)
        if answer:
            went = "went up" if answer[0] > 0 else "went down"
            findings.append(change_sentence(
                f"The share who said they {said} {went}", *answer, scale="percent",
                decimals=1))
    scale = estimate_of(records, "relationships_change")
    if scale:
        went = "went up" if scale[0] > 0 else "went down"
        findings.append(change_sentence(
            f"Their view of how they get on with teachers {went}", *scale,
            scale="points on a 1 to 5 scale"))
    if versus:
        return GlanceFacts(
            tuple(findings[:6]),
            "Strength of evidence: limited. This is a small pilot, and the similar pupils "
            "were not picked the same way, so other differences cannot be ruled out.",
            ("It can tell us how much more the pupils' behaviour changed than similar pupils'.",
             "It cannot show that the project caused the change: pupils picked after a bad "
             "spell tend to do better anyway, and the answers have no comparison at all."))
    return GlanceFacts(
        tuple(findings[:6]),
        "Strength of evidence: low. This is a small pilot with no comparison group, so the "
        "changes cannot be told apart from the improvement expected anyway.",
        ("It can tell us how much the pupils' behaviour and answers changed from before their "
         "project to after it.",
         "It cannot show that the project caused the change: pupils picked after a bad spell "
         "tend to do better anyway, and there were no similar pupils to compare them with."))


def _own_change(estimate: float, ci_low: float, ci_high: float) -> str:
    """The pupils' own relative change in behaviour points, when nobody is there to compare.

    ``estimate`` and its interval are proportions (-0.42: 42% fewer points after).
    """
    went, change = ("fell", "fall") if estimate < 0 else ("rose", "rise")
    low, high = sorted((abs(100 * ci_low), abs(100 * ci_high)))
    sure = (f"We can be fairly sure the {change} is between {number(low, 0)}% and "
            f"{number(high, 0)}%." if ci_low > 0 or ci_high < 0 else
            f"It could be anywhere between {number(100 * ci_low, 0)}% and "
            f"{number(100 * ci_high, 0)}%, so it could be no change at all.")
    return (f"Their bad behaviour points a week {went} by {number(abs(100 * estimate), 0)}% "
            f"from before their project to after it. {sure} There were no similar pupils to "
            "compare them with" + (", so part or all of this may be the improvement expected "
                                   "anyway." if estimate < 0 else "."))
