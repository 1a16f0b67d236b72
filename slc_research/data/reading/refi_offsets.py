"""How a REFI-QDA file counts its text positions: the unit, and what a Windows line break counts.

The REFI-QDA standard (1.5, section 10.2) counts a text selection's
``startPosition`` and ``endPosition`` in Unicode code points of the plain text
file, from 0. Not every tool does, in two ways:

- **The unit.** NVivo (a .NET program) counts UTF-16 code units, so every
  character outside the Basic Multilingual Plane (an emoji such as 😀, many CJK
  ideographs, mathematical letters) counts 2, and every passage after one is
  shifted if the file is read as the standard says. Python tools (QualCoder,
  Taguette, this workbench) count code points. MAXQDA and ATLAS.ti files are
  not documented either way.
- **Windows line breaks.** A plain text file written on Windows ends its lines
  with two characters, CR LF. NVivo counts both, as the standard does; ATLAS.ti
  counts the pair as one character (its positions are those of the text with
  LF line breaks), and so does QualCoder, which reads text files with
  Python's universal newlines (the QualCoder importer's notes on ATLAS.ti and
  NVivo line endings say so). Read the other way, every passage shifts by one
  character per line break before it.

The way of counting is decided once per file, from two kinds of evidence:

- the producing tool, named by the ``origin`` attribute of ``<Project>``
  (``"NVivo for Windows 12.6"``, ``"MAXQDA 2022 (Release 22.4.0)"``,
  ``"ATLAS.ti for Windows 23.2"``, ``"QualCoder 3.6"``, ...);
- the coded passages themselves: read each way, where the readings differ (a
  text holding such characters or line breaks before a passage's edge), how
  many passage edges fall inside a word or past the end of the text. Coders
  select whole words, so the reading that cuts fewer words is the tool's way.

The evidence of the passages wins over the tool's name; a note says so when
they disagree, and when the passages cannot tell the readings apart although
they differ (the file is then read in the tool's way, or the standard's).

Whatever the file's way, the texts are returned with LF line breaks (a CR LF
or a lone CR becomes one LF, as a folder of documents is read) and the
passages in code points of that text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from itertools import product

__all__ = ["CODE_POINTS", "UTF16", "OffsetUnit", "choose_offset_unit", "measured_size",
           "plain_lines", "to_code_points", "tool_unit", "utf16_to_code_points"]

#: Offsets counted in Unicode code points (the REFI-QDA standard; Python's ``str``).
CODE_POINTS = "Unicode code points"
#: Offsets counted in UTF-16 code units (NVivo): a character outside the BMP counts 2.
UTF16 = "UTF-16 code units"

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_BREAKS = re.compile("\r\n?")
#: ``origin`` (lower case) -> the unit the tool is known to write.
_TOOLS = (("nvivo", UTF16), ("slc-research", CODE_POINTS), ("qualcoder", CODE_POINTS),
          ("taguette", CODE_POINTS))
#: ``origin`` (lower case) -> what a CR LF line break counts in the tool's positions.
_CRLF = (("nvivo", 2), ("slc-research", 2), ("atlas.ti", 1), ("qualcoder", 1))


@dataclass(frozen=True)
class OffsetUnit:
    """The way of counting chosen for a file, and why.

    Attributes
    ----------
    unit : str
        :data:`CODE_POINTS` or :data:`UTF16`.
    note : str or None
        A plain sentence for the teacher when the choice needs saying (the tool's
        name and the passages disagree, or the passages could not tell), else None.
    crlf : int
        What a CR LF line break counts in the file's positions: 2 (the standard,
        NVivo) or 1 (ATLAS.ti, QualCoder).
    """

    unit: str
    note: str | None = None
    crlf: int = 2


def tool_unit(origin: str | None) -> str | None:
    """The unit the tool named by ``origin`` writes, or None when it is not known."""
    low = (origin or "").casefold()
    return next((unit for name, unit in _TOOLS if name in low), None)


def _tool_crlf(origin: str | None) -> int | None:
    low = (origin or "").casefold()
    return next((n for name, n in _CRLF if name in low), None)


def plain_lines(text: str) -> str:
    """``text`` with every CR LF and lone CR made one LF."""
    return _BREAKS.sub("\n", text)


class _Positions:
    """Where each character of a text starts in one way of counting, to convert positions.

    The characters are those of the text with LF line breaks; ``starts[i]`` is
    the file's position of character ``i`` (``starts[-1]`` the text's length).
    """

    def __init__(self, raw: str, *, utf16: bool, crlf: int) -> None:
        self.starts: list[int] = []
        self.pairs: set[int] = set()  # positions inside a surrogate pair (never a real edge)
        at, i = 0, 0
        while i < len(raw):
            ch = raw[i]
            self.starts.append(at)
            if ch == "\r" and raw[i + 1:i + 2] == "\n":
                at, i = at + crlf, i + 2
                continue
            if utf16 and ord(ch) > 0xFFFF:
                self.pairs.add(at + 1)
                at += 2
            else:
                at += 1
            i += 1
        self.starts.append(at)

    @property
    def size(self) -> int:
        return self.starts[-1]

    def to_code_point(self, p: int, *, end: bool) -> int | None:
        """The character at position ``p``, or None when past the text.

        A position inside a character that counts 2 (a surrogate pair, a CR LF)
        gives the character's start for a start (``end`` False) and its end for an end.
        """
        if p < 0 or p > self.starts[-1]:
            return None
        i = bisect_left(self.starts, p)
        if self.starts[i] != p and not end:
            i -= 1
        return i


def _identity(raw: str) -> bool:
    """Whether every way of counting gives the same positions (no astral character, no CR LF)."""
    return "\r\n" not in raw and not _ASTRAL.search(raw)


def to_code_points(raw: str, spans: list[tuple[int, int]], *, unit: str = CODE_POINTS,
                   crlf: int = 2) -> tuple[str, list[tuple[int, int] | None]]:
    """The text with LF line breaks, and each ``[start, end)`` as code points of it.

    Parameters
    ----------
    raw : str
        The plain text as the file holds it.
    spans : list of (int, int)
        The positions as written, counted in ``unit`` with a CR LF counting ``crlf``.

    Returns
    -------
    text : str
    spans : list
        None for a selection that reaches past the text or ends before it starts. An
        edge inside a character that counts 2 is moved outwards, so the passage keeps
        the whole character. The text is measured once, however many selections it has.
    """
    text = plain_lines(raw)
    if _identity(raw):
        return text, [(s, e) if 0 <= s <= e <= len(text) else None for s, e in spans]
    m = _Positions(raw, utf16=unit == UTF16, crlf=crlf)
    out: list[tuple[int, int] | None] = []
    for start, end in spans:
        s, e = m.to_code_point(start, end=False), m.to_code_point(end, end=True)
        out.append(None if s is None or e is None or s > e else (s, e))
    return text, out


def utf16_to_code_points(text: str, spans: list[tuple[int, int]]
                         ) -> list[tuple[int, int] | None]:
    """Each ``[start, end)`` counted in UTF-16 code units of ``text``, as code points."""
    return to_code_points(text, spans, unit=UTF16)[1]


def measured_size(raw: str, *, unit: str, crlf: int) -> int:
    """The length of ``raw`` counted in ``unit`` with a CR LF counting ``crlf``."""
    return len(raw) if _identity(raw) else _Positions(raw, utf16=unit == UTF16, crlf=crlf).size


def _cuts_word(text: str, p: int) -> bool:
    return 0 < p < len(text) and text[p - 1].isalnum() and text[p].isalnum()


_Scheme = tuple[str, int]
_SCHEMES: tuple[_Scheme, ...] = tuple(product((CODE_POINTS, UTF16), (2, 1)))


def _edges(raw: str, selections: list[tuple[int, int]]) -> list[dict[_Scheme, int | None]]:
    """Each passage edge read every way: scheme -> the character it falls at (None: bad)."""
    text = plain_lines(raw)
    maps = {(u, c): _Positions(raw, utf16=u == UTF16, crlf=c) for u, c in _SCHEMES}
    out = []
    for pos in (p for sel in selections for p in sel):
        read: dict[_Scheme, int | None] = {}
        for scheme, m in maps.items():
            at = m.to_code_point(pos, end=False)
            read[scheme] = None if at is None or pos in m.pairs or _cuts_word(text, at) else at
        out.append(read)
    return out


def _count(edges: list[dict[_Scheme, int | None]], a: _Scheme, b: _Scheme
           ) -> tuple[int, int, int]:
    """(edges read differently by ``a`` and ``b``, bad ones read ``a``, bad ones read ``b``)."""
    differ = [e for e in edges if e[a] != e[b]]
    return len(differ), sum(e[a] is None for e in differ), sum(e[b] is None for e in differ)


def _line_breaks(origin: str | None, edges: list[dict[_Scheme, int | None]], unit: str
                 ) -> tuple[int, str | None]:
    """What a CR LF counts, and a note when that needs saying."""
    known = _tool_crlf(origin)
    differ, bad2, bad1 = _count(edges, (unit, 2), (unit, 1))
    fallback = known or 2
    tool = f"the file says it was made by {origin!r}" if origin else "the file names no tool"
    said = {2: "as two characters (CR and LF), as the REFI-QDA standard counts them",
            1: "as one character"}
    if not differ:
        return fallback, None
    if bad1 == bad2:
        return fallback, (
            f"Some texts have Windows line breaks (CR LF) and the coded passages fit both ways "
            f"of counting them equally well; they were counted {said[fallback]} ({tool}). "
            "Check a few coded passages on later lines against the QDA tool.")
    crlf = 1 if bad1 < bad2 else 2
    if known is not None and crlf != known:
        return crlf, (
            f"The Windows line breaks (CR LF) of the texts were counted {said[crlf]}: {tool}, "
            f"which counts them {said[known]}, but read that way {max(bad1, bad2)} passage "
            f"edges would cut a word or fall outside the text, against {min(bad1, bad2)} this "
            "way. Check a few coded passages on later lines against the QDA tool.")
    if known is None:
        return crlf, (
            f"The Windows line breaks (CR LF) of the texts were counted {said[crlf]} ({tool}, "
            f"whose way of counting is not documented): read that way {min(bad1, bad2)} of "
            f"{differ} passage edges after a line break cut a word, against {max(bad1, bad2)} "
            "the other way.")
    return crlf, None


def choose_offset_unit(origin: str | None,
                       texts: list[tuple[str, list[tuple[int, int]]]]) -> OffsetUnit:
    """Decide how a file counts its text positions, from its tool and its coded passages.

    Parameters
    ----------
    origin : str or None
        The ``origin`` attribute of ``<Project>``.
    texts : list of (text, selections)
        Each text source's plain text as the file holds it and its selections' raw
        ``(startPosition, endPosition)``.

    Returns
    -------
    OffsetUnit
        The unit, what a CR LF counts, and a note when the choice needs saying.
    """
    known = tool_unit(origin)
    edges = [e for raw, sel in texts if sel and not _identity(raw) for e in _edges(raw, sel)]
    fallback = known or CODE_POINTS
    # the line breaks first, read in the unit that fits best (each way of counting CR LF)
    best = min((CODE_POINTS, UTF16), key=lambda u: (
        sum(e[(u, 2)] is None for e in edges) + sum(e[(u, 1)] is None for e in edges),
        u != fallback))
    crlf, crlf_note = _line_breaks(origin, edges, best)
    differ, bad_cp, bad_u16 = _count(edges, (CODE_POINTS, crlf), (UTF16, crlf))
    chosen = _choose_unit(origin, known, fallback, differ, bad_cp, bad_u16)
    notes = " ".join(n for n in (chosen.note, crlf_note) if n)
    return OffsetUnit(chosen.unit, notes or None, crlf)


def _choose_unit(origin: str | None, known: str | None, fallback: str, differ: int,
                 bad_cp: int, bad_u16: int) -> OffsetUnit:
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
