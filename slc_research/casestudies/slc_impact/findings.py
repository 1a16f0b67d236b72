"""Plain sentences shared by the SLC impact report's sections."""

from __future__ import annotations

from typing import Any

from slc_research.words import listed

__all__ = ["NO_SCALES", "OWN_CHANGE_AXIS", "OWN_CHANGE_NOTE", "change_finding", "join_words",
           "no_comparison_finding", "undeclared_scales"]

#: The x-axis of the forest chart of members' own change (no comparison group).
OWN_CHANGE_AXIS = "Effect size g_av, members' own change in SDs (95% CI)"

#: "How to read this" for outcomes with no comparison group.
OWN_CHANGE_NOTE = ("g_av is how much members' scores changed, in standard deviations (the "
                   "average of the spread before and after): about 0.2 is small, 0.5 medium "
                   "and 0.8 large. The 95% confidence interval is the range of changes these "
                   "data are consistent with. With no comparison group, a change can come from "
                   "pupils growing older, the time of year or answering the same questions "
                   "twice as well as from the community.")


def no_comparison_finding(results, threshold: int) -> str:
    """The "All outcomes together" finding of a report with no comparison group."""
    return ("There is no comparison group, so no outcome is compared with other pupils: the "
            "chart shows how much members themselves changed on each outcome measured twice. "
            + change_finding(results, threshold) if results else
            "There is no comparison group, and no outcome was measured twice for members.")


def change_finding(results, threshold: int) -> str:
    """One plain sentence on which outcomes changed more for members than for other pupils.

    An outcome counts as a clear difference when the 95% interval of its headline effect
    leaves out 0; outcomes whose groups are below the threshold are said to be withheld.
    """
    rose, fell, unclear, missing = [], [], [], []
    for r in results:
        e = r.effect
        small = e is not None and (e.n1 < threshold or (not e.paired and e.n2 < threshold))
        if e is None or small:
            missing.append(r.label)
        elif e.ci_low > 0:
            rose.append(r.label)
        elif e.ci_high < 0:
            fell.append(r.label)
        else:
            unclear.append(r.label)
    if not results:
        return "There was nothing to compare."
    paired = all(r.effect is None or r.effect.paired for r in results)
    # with no comparison group, members' own change: "rose clearly", not "more" than nobody
    more = "" if paired else " more than other pupils'"
    parts = []
    if rose:
        parts.append(f"members' {join_words(rose)} rose clearly{more}")
    if fell:
        parts.append(f"members' {join_words(fell)} fell clearly{more}")
    if unclear:
        parts.append(f"on {join_words(unclear)} the data show no clear "
                     + ("change" if paired else "difference between members and other pupils"))
    if missing:
        parts.append(f"{join_words(missing)} could not be "
                     + ("shown (too few members measured twice)" if paired else
                        "compared (too few pupils measured twice)"))
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def join_words(words: list[str]) -> str:
    """Words joined as a sentence lists them ("a, b and c"), each lower-cased unless an acronym."""
    words = [w[0].lower() + w[1:] if w[:2] != w[:2].upper() else w for w in words]
    return listed(words)


#: What the questionnaire and reliability sections say when no pupil scale is declared.
NO_SCALES = ("This enquiry has no pupil questionnaire scales: to compare members' answers, "
             "list the item codes of the pupils' questionnaire under a [scales.NAME] table "
             "in enquiry.toml (items, instrument and response_scale).")


def undeclared_scales(enq: Any) -> set[str]:
    """Questionnaires pupils answered that no ``[scales.*]`` table is declared for.

    Empty when a declared scale's questionnaire has no answers at all: its file was not
    given, which the sections say instead.
    """
    r = enq.survey_responses
    pupils = (r["respondent_type"].astype("string").fillna("pupil") == "pupil").to_numpy()
    declared = {s.instrument for s in enq.scales.values()}
    answered = set(r["instrument"].dropna().astype(str))
    if declared - answered:
        return set()
    return set(r.loc[pupils, "instrument"].dropna().astype(str)) - declared
