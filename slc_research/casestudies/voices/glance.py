"""The voices study's glance hook: what people said and how far the coders agree, in words."""

from __future__ import annotations

from typing import Any

from slc_research.casestudies.glance import (
    GlanceFacts,
    estimate_of,
    how_sure,
    number,
    recorded,
)
from slc_research.words import listed, plural, was_or_were

__all__ = ["facts"]


def facts(result: Any) -> GlanceFacts:
    """The voices study's plain findings, evidence line and limits, from recorded values.

    Parameters
    ----------
    result : Result
        The voices result.

    Returns
    -------
    GlanceFacts
        How many texts were coded, the commonest codes, how far two coders agree, and the
        quotes.
    """
    records = recorded(result)
    findings = []
    texts, codes = records.get("n_texts_coded"), records.get("n_codes")
    if texts:
        used = f" with {plural(codes, 'code')}" if codes else ""
        findings.append(f"{plural(texts, 'text')} {was_or_were(texts)} coded{used}.")
    top = records.get("top_codes")
    if isinstance(top, list | tuple) and top:
        names = [f"“{t}”" for t in top[:3]]
        findings.append(f"The code given most often was {names[0]}." if len(names) == 1
                        else f"The codes given most often were {listed(names)}.")
    alpha = estimate_of(records, "alpha")
    if alpha:
        both = records.get("n_texts_double_coded")
        who = f"Two coders both coded {plural(both, 'text')}. " if both else ""
        words = ("They agreed well enough to rely on" if alpha[0] >= 0.8 else
                 "They agreed well, but not enough to rely on fully" if alpha[0] >= 0.667
                 else "They often disagreed, so read the codes with care")
        sure = how_sure(alpha[1], alpha[2])
        findings.append(f"{who}{words}: {number(alpha[0])} on a scale where 1 is full "
                        f"agreement. {sure[0].upper()}{sure[1:]}.")
    quotes = next((s.finding for s in result.sections if s.key == "quotes"), "")
    if quotes:
        findings.append(quotes)
    return GlanceFacts(
        tuple(findings[:6]),
        "Strength of evidence: these are what people chose to say. They show views and "
        "themes, not how common they are in the whole school.",
        ("It can tell us what pupils, staff and parents said, and which themes come up most.",
         "It cannot tell us how many people share a view, or whether the communities "
         "changed anything."))
