"""The unit a REFI-QDA file counts its text positions in: code points or UTF-16 code units.

The REFI-QDA standard (1.5, section 10.2) counts a text selection's
``startPosition`` and ``endPosition`` in Unicode code points, from 0. Not every
tool does: NVivo (a .NET program) counts UTF-16 code units, so every character
outside the Basic Multilingual Plane (an emoji such as 😀, many CJK
ideographs, mathematical letters) counts 2, and every passage after one is
shifted if the file is read as the standard says. Python tools (QualCoder,
Taguette, this workbench) count code points. MAXQDA and ATLAS.ti files are
not documented either way.

The unit is decided once per file, from two kinds of evidence:

- the producing tool, named by the ``origin`` attribute of ``<Project>``
  (``"NVivo for Windows 12.6"``, ``"MAXQDA 2022 (Release 22.4.0)"``,
  ``"ATLAS.ti for Windows 23.2"``, ``"QualCoder 3.6"``, ...);
- the coded passages themselves: read each way, where the two readings differ
  (a text holding such characters before a passage's edge), how many passage
  edges fall inside a word or past the end of the text. Coders select whole
  words, so the reading that cuts fewer words is the tool's unit.

The evidence of the passages wins over the tool's name; a note says so when
they disagree, and when the passages cannot tell the units apart although they
differ (the file is then read in the tool's unit, or the standard's).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

__all__ = ["CODE_POINTS", "UTF16", "OffsetUnit", "choose_offset_unit", "tool_unit",
           "utf16_to_code_points"]

#: Offsets counted in Unicode code points (the REFI-QDA standard; Python's ``str``).
CODE_POINTS = "Unicode code points"
#: Offsets counted in UTF-16 code units (NVivo): a character outside the BMP counts 2.
UTF16 = "UTF-16 code units"

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
#: ``origin`` (lower case) -> the unit the tool is known to write.
_TOOLS = (("nvivo", UTF16), ("slc-research", CODE_POINTS), ("qualcoder", CODE_POINTS),
          ("taguette", CODE_POINTS))


@dataclass(frozen=True)
class OffsetUnit:
    """The unit chosen for a file, and why.

    Attributes
    ----------
    unit : str
        :data:`CODE_POINTS` or :data:`UTF16`.
    note : str or None
        A plain sentence for the teacher when the choice needs saying (the tool's
        name and the passages disagree, or the passages could not tell), else None.
    """

    unit: str
    note: str | None = None


def tool_unit(origin: str | None) -> str | None:
    """The unit the tool named by ``origin`` writes, or None when it is not known."""
    low = (origin or "").casefold()
    return next((unit for name, unit in _TOOLS if name in low), None)


class _Utf16Map:
    """UTF-16 offsets of one text's code points, to convert offsets both ways."""

    def __init__(self, text: str) -> None:
        self.starts: list[int] = []
        at = 0
        for ch in text:
            self.starts.append(at)
            at += 2 if ord(ch) > 0xFFFF else 1
        self.starts.append(at)

    def to_code_point(self, u: int, *, end: bool) -> int | None:
        """The code point at UTF-16 offset ``u``, or None when past the text.

        An offset inside a surrogate pair gives the character's start for a
        start (``end`` False) and its end for an end.
        """
        if u < 0 or u > self.starts[-1]:
            return None
        i = bisect_left(self.starts, u)
        if self.starts[i] != u and not end:
            i -= 1
        return i

    def inside_pair(self, u: int) -> bool:
        i = bisect_left(self.starts, u)
        return i < len(self.starts) and self.starts[i] != u


def utf16_to_code_points(text: str, spans: list[tuple[int, int]]
                         ) -> list[tuple[int, int] | None]:
    """Each ``[start, end)`` counted in UTF-16 code units of ``text``, as code points.

    None for a selection that reaches past the text. An edge inside a surrogate
    pair is moved outwards, so the passage keeps the whole character. The text is
    measured once, however many selections it has.
    """
    if not _ASTRAL.search(text):
        return [(s, e) if 0 <= s <= e <= len(text) else None for s, e in spans]
    m = _Utf16Map(text)
    out: list[tuple[int, int] | None] = []
    for start, end in spans:
        s, e = m.to_code_point(start, end=False), m.to_code_point(end, end=True)
        out.append(None if s is None or e is None or s > e else (s, e))
    return out


def _cuts_word(text: str, p: int) -> bool:
    return 0 < p < len(text) and text[p - 1].isalnum() and text[p].isalnum()


def _scores(text: str, selections: list[tuple[int, int]]) -> tuple[int, int, int]:
    """(edges that differ, bad edges read as code points, bad edges read as UTF-16)."""
    m = _Utf16Map(text)
    differ = bad_cp = bad_u16 = 0
    for pos in (p for sel in selections for p in sel):
        as_cp = pos if 0 <= pos <= len(text) else None
        as_u16 = m.to_code_point(pos, end=False)
        if as_cp == as_u16:
            continue
        differ += 1
        bad_cp += as_cp is None or _cuts_word(text, as_cp)
        bad_u16 += as_u16 is None or m.inside_pair(pos) or _cuts_word(text, as_u16)
    return differ, bad_cp, bad_u16


def choose_offset_unit(origin: str | None,
                       texts: list[tuple[str, list[tuple[int, int]]]]) -> OffsetUnit:
    """Decide the unit of a file's text positions from its tool and its coded passages.

    Parameters
    ----------
    origin : str or None
        The ``origin`` attribute of ``<Project>``.
    texts : list of (text, selections)
        Each text source's plain text and its selections' raw
        ``(startPosition, endPosition)``.

    Returns
    -------
    OffsetUnit
    """
    known = tool_unit(origin)
    differ = bad_cp = bad_u16 = 0
    for text, selections in texts:
        if selections and _ASTRAL.search(text):
            d, c, u = _scores(text, selections)
            differ, bad_cp, bad_u16 = differ + d, bad_cp + c, bad_u16 + u
    fallback = known or CODE_POINTS
    tool = f"the file says it was made by {origin!r}" if origin else "the file names no tool"
    if not differ:
        return OffsetUnit(fallback)
    if bad_cp == bad_u16:
        return OffsetUnit(fallback, (
            f"Some texts hold characters that count twice in UTF-16 (emoji and other "
            f"characters outside the Basic Multilingual Plane) and the coded passages fit "
            f"both ways of counting equally well; they were read in {fallback} ({tool}). "
            "Check a few coded passages after an emoji against the QDA tool."))
    unit = CODE_POINTS if bad_cp < bad_u16 else UTF16
    if known is not None and unit != known:
        return OffsetUnit(unit, (
            f"The coded passages were read counting {unit}: {tool}, which writes {known}, "
            f"but read that way {max(bad_cp, bad_u16)} passage edges would cut a word or fall "
            f"outside the text, against {min(bad_cp, bad_u16)} this way. Check a few coded "
            "passages after an emoji against the QDA tool."))
    if known is None:
        return OffsetUnit(unit, (
            f"The coded passages were read counting {unit} ({tool}, whose way of counting "
            f"is not documented): read that way {min(bad_cp, bad_u16)} of {differ} passage "
            "edges after an emoji or other character outside the Basic Multilingual Plane "
            f"cut a word, against {max(bad_cp, bad_u16)} the other way."))
    if unit == UTF16:
        return OffsetUnit(unit, f"The coded passages were read counting {UTF16} (an emoji "
                                f"counts 2), as {origin or 'the tool'} writes them.")
    return OffsetUnit(unit)
