r"""A text as the identifier matcher reads it, and the way back to the text as written.

Names, ids, emails and dates of birth are looked for in a *folded* copy of a text:

- Unicode compatibility forms are undone (NFKC/NFKD: full-width "Ｚｏｅ" is "zoe", the
  ligature "ﬁ" is "fi");
- case is folded ("ZOË" and "zoë" are one word; "ß" is "ss");
- accents are read the same however they are written: a combining mark is dropped, so the
  precomposed "Zoë" and "Zoe" followed by a combining diaeresis (U+0308) both read "zoe";
- format characters (Unicode category Cf: the soft hyphen U+00AD, zero-width space, joiner
  and non-joiner U+200B-U+200D, the word joiner U+2060, the byte-order mark U+FEFF) are
  dropped, so "Chi\u00addi" reads "chidi";
- a curly apostrophe reads as a straight one.

:class:`Folded` keeps, for every character of the folded copy, the offset of the character
of the original text it came from, so a match in the folded copy is a span of the original
(a redaction replaces exactly the characters as written; ``check-outputs`` reports the
place as written).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Folded", "fold", "fold_text"]

_DROPPED = frozenset({"Mn", "Me", "Cf"})
#: A text as runs of ASCII and of other characters, in turn.
_RUNS = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]+")


@lru_cache(maxsize=65536)
def _fold_char(c: str) -> str:
    """One character of the original text as it reads folded ("" when dropped)."""
    if unicodedata.category(c) in _DROPPED:
        return ""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", c).casefold())
    out = "".join(ch for ch in decomposed if unicodedata.category(ch) not in _DROPPED)
    return out.replace("\u2019", "'").replace("\u2018", "'")


@dataclass(frozen=True)
class Folded:
    """A folded text and where each of its characters came from.

    Attributes
    ----------
    text : str
        The folded text (see the module docstring).
    where : tuple of int or None
        ``where[i]`` is the offset in the original text of the character that gave
        ``text[i]``; one more entry gives the original's length. None: the two texts are
        the same length and each character stays in place (a plain ASCII text).
    """

    text: str
    where: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span of the folded ``text[start:end]``.

        A combining mark or format character just after the span's last character belongs
        to it (the whole "Zoe\u0308" is taken, not "Zoe" alone).
        """
        if self.where is None:
            return start, end
        where = self.where
        if end <= start:
            return where[start], where[start]
        return where[start], max(where[end], where[end - 1] + 1)


def fold_text(text: str) -> Folded:
    """``text`` folded for matching, with the map back to its original offsets.

    Runs of plain ASCII (most of a report page) are folded in one step each; only the
    other characters are looked at one by one.

    Parameters
    ----------
    text : str

    Returns
    -------
    Folded

    Examples
    --------
    >>> f = fold_text("Zoe\u0308 A\u030angstro\u0308m")
    >>> f.text
    'zoe angstrom'
    >>> f.span(4, 12)
    (5, 15)
    """
    if text.isascii():
        return Folded(text.lower())
    out: list[str] = []
    where: list[int] = []
    for run in _RUNS.finditer(text):
        start, end = run.span()
        if text[start].isascii():
            out.append(run.group().lower())
            where.extend(range(start, end))
            continue
        for i in range(start, end):
            piece = _fold_char(text[i])
            out.append(piece)
            where.extend([i] * len(piece))
    where.append(len(text))
    return Folded("".join(out), tuple(where))


def fold(value: str) -> str:
    """``value`` as the matcher compares it (the folded text alone, see :func:`fold_text`)."""
    text = str(value)
    if text.isascii():
        return text.lower()
    return "".join(run.group().lower() if run.group()[0].isascii()
                   else "".join(map(_fold_char, run.group())) for run in _RUNS.finditer(text))
