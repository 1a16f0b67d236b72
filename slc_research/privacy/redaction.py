"""Names taken out of free text: the one redaction of the workbench.

Every text that can name a person passes here before it is cached: reflections, interview
transcripts and open answers (the ``texts`` loader), action plans and meeting topics (the
community loaders), coded passages (the coder's store) and REFI-QDA projects (whose coded
passages keep their place through :class:`Redaction`'s map of offsets).
:func:`redact_names` is :class:`Redaction` applied to every text, so a text reads the same
whichever way it came in.

A word matches a name whatever its case and however its accents are written: both are
compared in Unicode's NFKC form, case-folded, so "ZOË", "Zoë" and "Zoe" followed by a
combining diaeresis all match the roster's "Zoë".
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable

import pandas as pd

__all__ = ["NAME_WORD", "PLACEHOLDER", "Redaction", "fold", "name_words", "redact_names",
           "redact_with_offsets"]

#: What a name becomes.
PLACEHOLDER = "[name]"
_LETTER = r"(?:[^\W\d_]|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])"
#: A word of a text as redaction reads it: letters (with combining accents), joined by an
#: apostrophe or a hyphen ("O'Neil", "Abernethy-Clark").
NAME_WORD = re.compile(rf"{_LETTER}+(?:['’-]{_LETTER}+)*")
_PARTS = re.compile(r"[\s-]+")


def fold(word: str) -> str:
    """``word`` as names are compared: NFKC-normalised and case-folded."""
    return unicodedata.normalize("NFKC", word).casefold()


def name_words(names: Iterable[str]) -> set[str]:
    """The folded words :func:`redact_names` looks for.

    Each name, and each part of it (split at spaces and hyphens), of two letters or more.

    Parameters
    ----------
    names : iterable of str
        Forenames, surnames and full names from the roster and staff list.

    Returns
    -------
    set of str
    """
    known: set[str] = set()
    for name in names:
        if not name:
            continue
        name = unicodedata.normalize("NFKC", str(name))
        for part in [name, *_PARTS.split(name)]:
            part = part.strip()
            if len(part) >= 2:
                known.add(fold(part))
    return known


class Redaction:
    """A text with names redacted, and the map from its old character offsets to new.

    Parameters
    ----------
    text : str
        The text as found.
    known : set of str
        Folded names (:func:`name_words`).
    placeholder : str
        What a name becomes.

    Attributes
    ----------
    text : str
        The redacted text.

    Notes
    -----
    Two passes: every word that is a known name (or a known name with a possessive
    ``'s``) becomes the placeholder; then a run of placeholders separated by spaces ("Amy
    Lee" -> "[name] [name]") becomes one. :meth:`offsets` carries a passage through both.
    """

    def __init__(self, text: str, known: set[str], placeholder: str = PLACEHOLDER) -> None:
        first = _edits(text, NAME_WORD, lambda w: _swap(w, known, placeholder))
        middle = _apply(text, first)
        doubled = re.compile(re.escape(placeholder) + r"(?:\s+" + re.escape(placeholder) + r")+")
        second = _edits(middle, doubled, lambda _w: placeholder)
        self.text = _apply(middle, second)
        self._passes = (first, second)

    def offsets(self, start: int, end: int) -> tuple[int, int]:
        """The passage ``[start, end)`` of the old text in the redacted one.

        A passage that starts or ends inside a replaced name takes the whole placeholder.
        """
        for edits in self._passes:
            if edits:
                start, end = _move(start, edits, end=False), _move(end, edits, end=True)
        return start, end


def redact_with_offsets(text: str, names: Iterable[str]) -> Redaction:
    """Redact ``names`` from ``text``, keeping the map of offsets (see :class:`Redaction`)."""
    return Redaction(text, name_words(names))


def redact_names(texts: pd.Series, names: Iterable[str],
                 placeholder: str = PLACEHOLDER) -> pd.Series:
    """Replace every whole-word occurrence of a known name in ``texts``.

    Matching ignores case and how accents are written. A name is matched whole ("Amy" does
    not touch "Amyas"), with a possessive ("Amy's" -> "[name]'s"), and by each part of a
    hyphenated or multi-word name ("Abernethy-Clark" also removes "Abernethy"). Names
    shorter than two letters are ignored. A full name becomes one placeholder ("Amy Lee" ->
    "[name]").

    Each word of a text is looked up in a set, so the cost grows with the length of the
    texts, not with the number of names on the roster.

    Parameters
    ----------
    texts : Series of str
    names : iterable of str
        Forenames, surnames and full names from the roster and staff list.
    placeholder : str
        What a name becomes.

    Returns
    -------
    Series of str
        The texts redacted (missing texts stay missing).
    """
    known = name_words(names)
    out = texts.astype("string")
    if not known or out.empty:
        return out
    present = out.notna().to_numpy()
    values = [Redaction(t, known, placeholder).text if keep else None
              for t, keep in zip(out.tolist(), present, strict=True)]
    return pd.Series(values, index=out.index, dtype="string", name=out.name)


# --- the two passes --------------------------------------------------------------------------

def _swap(word: str, known: set[str], placeholder: str) -> str:
    folded = fold(word)
    if folded in known:
        return placeholder
    for tail in ("'s", "’s"):
        if folded.endswith(tail) and folded[:-2] in known:
            return placeholder + word[-2:]
    return word


def _edits(text: str, pattern: re.Pattern, replace: Callable[[str], str]
           ) -> list[tuple[int, int, str]]:
    out = []
    for m in pattern.finditer(text):
        new = replace(m.group(0))
        if new != m.group(0):
            out.append((m.start(), m.end(), new))
    return out


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    parts, at = [], 0
    for s, e, new in edits:
        parts += [text[at:s], new]
        at = e
    parts.append(text[at:])
    return "".join(parts)


def _move(pos: int, edits: list[tuple[int, int, str]], *, end: bool) -> int:
    """``pos`` in the text after ``edits``; inside a replaced word it moves to its edge."""
    i = bisect_right([s for s, _, _ in edits], pos) - 1
    shift = sum(len(new) - (e - s) for s, e, new in edits[:max(i, 0)])
    if i < 0:
        return pos
    s, e, new = edits[i]
    new_s = s + shift
    if pos == s:
        return new_s
    if pos < e:  # inside the replaced word: the passage takes the whole placeholder
        return new_s + len(new) if end else new_s
    return pos + shift + len(new) - (e - s)
