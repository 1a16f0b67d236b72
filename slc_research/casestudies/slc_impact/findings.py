"""Plain sentences shared by the SLC impact report's sections."""

from __future__ import annotations

__all__ = ["change_finding", "join_words"]


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
    than = "" if paired else " than other pupils'"
    parts = []
    if rose:
        parts.append(f"members' {join_words(rose)} rose clearly more{than}")
    if fell:
        parts.append(f"members' {join_words(fell)} fell clearly more{than}")
    if unclear:
        parts.append(f"on {join_words(unclear)} the data show no clear difference"
                     + ("" if paired else " between members and other pupils"))
    if missing:
        parts.append(f"{join_words(missing)} could not be compared (too few pupils measured twice)")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def join_words(words: list[str]) -> str:
    """Words joined as a sentence lists them ("a, b and c"), each lower-cased unless an acronym."""
    words = [w[0].lower() + w[1:] if w[:2] != w[:2].upper() else w for w in words]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
