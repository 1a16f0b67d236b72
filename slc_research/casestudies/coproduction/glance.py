"""The co-production pilot's glance hook: behaviour and what pupils said, in plain words."""

from __future__ import annotations

from typing import Any

from slc_research.casestudies.glance import GlanceFacts, change_sentence, estimate_of, recorded

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
    if versus:
        went = "went down" if versus[0] < 0 else "went up"
        findings.append(change_sentence(
            f"Compared with similar pupils, their bad behaviour points {went}", *versus,
            scale="points a week"))
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
    return GlanceFacts(
        tuple(findings[:6]),
        "Strength of evidence: limited. This is a small pilot, and the similar pupils "
        "were not picked the same way, so other differences cannot be ruled out.",
        ("It can tell us how much more the pupils' behaviour changed than similar pupils'.",
         "It cannot show that the project caused the change: pupils picked after a bad "
         "spell tend to do better anyway, and the answers have no comparison at all."))
