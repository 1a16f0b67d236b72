"""The identifiers ``check-outputs`` looks for, and how a word is matched against them.

This module is told what to look for: an :class:`Identifiers` is built from raw values
(:meth:`Identifiers.build`). Reading a workspace's raw files to find its people's names and
ids is :func:`slc_research.workspace.identifiers.workspace_identifiers`; what follows is
that function's reading.


:func:`workspace_identifiers` reads the roster and staff list in full, and the
other files that could name a person (memberships, texts, surveys) only when
their header row has a name, email, date of birth or extra id column; registers,
records, meetings and action plans hold only the ids of people on the roster and
staff list and are not read. Files are read through the manifest with the
loaders' own reader, never written. The identifiers are kept in memory only (an
:class:`Identifiers` shows only counts), never stored, printed or logged.

Which words are not names here (``common``): the list in
``slc_research/templates/common_name_words.txt``, the words of the workspace's
title, schools and community names, the words written in the notebooks, and the
teacher's ``private/allowed_words.txt``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["Identifiers", "mask", "words_of"]

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_PART = re.compile(r"[^\W_]+")


@dataclass(frozen=True, repr=False)
class Identifiers:
    """What must not appear in an output (kept in memory; its repr shows only counts).

    Attributes
    ----------
    names : frozenset of str
        Single names (case-folded) flagged on their own.
    full_names : frozenset of str
        Full names, case-folded words joined by one space.
    ids : frozenset of str
        Real ids, normalised (upper case, no spaces).
    dates : frozenset of str
        Dates of birth as written and as ``YYYY-MM-DD`` and ``DD/MM/YYYY``.
    allowed : frozenset of str
        Case-folded words and names never flagged (``private/allowed_words.txt``).
    """

    names: frozenset[str] = frozenset()
    full_names: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()
    allowed: frozenset[str] = frozenset()
    _first_words: frozenset[str] = field(default=frozenset(), compare=False)
    #: lower-case letter-or-digit run -> the names and first words that contain it
    _by_part: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:
        return (f"Identifiers(<{len(self.names)} names, {len(self.full_names)} full names, "
                f"{len(self.ids)} ids, {len(self.dates)} dates: hidden>)")

    @classmethod
    def build(cls, *, names: Iterable[str] = (), full_names: Iterable[str] = (),
              ids: Iterable[str] = (), dates: Iterable[str] = (), allowed: Iterable[str] = (),
              common: Iterable[str] = ()) -> Identifiers:
        """Identifiers from raw values.

        Names are split into words, the ``common`` and ``allowed`` words are left out of the
        single names, and short or numeric ids are left out.
        """
        allowed_set = frozenset(_fold(a) for a in allowed if a.strip())
        exempt = {w.casefold() for w in common} | allowed_set
        singles: set[str] = set()
        fulls: set[str] = set()
        for name in (*names, *full_names):
            words = [w.casefold() for w in _WORD.findall(str(name))]
            singles.update(w for w in words if len(w) >= 3)
            if len(words) >= 2:
                fulls.add(" ".join(words[:4]))
        fulls -= allowed_set
        id_set = {i for i in (re.sub(r"\s+", "", str(x)).upper() for x in ids)
                  if len(i) >= 3 and not (i.isdigit() and len(i) < 5)
                  and i.casefold() not in allowed_set}
        singles -= exempt
        firsts = ({f.split(" ", 1)[0] for f in fulls}  # "Amy Green" and "Green, Amy"
                  | {f.split(" ")[1] for f in fulls if f.count(" ") == 1})
        by_part: dict[str, set[str]] = {}
        for word in singles | firsts:
            for part in _PART.findall(word):
                by_part.setdefault(part, set()).add(word)
        return cls(frozenset(singles), frozenset(fulls), frozenset(id_set),
                   frozenset(str(d).strip() for d in dates if str(d).strip()), allowed_set,
                   frozenset(firsts), {k: frozenset(v) for k, v in by_part.items()})

    def candidates(self, tokens: set[str]) -> set[str]:
        """The names and first words whose letter runs are all among ``tokens`` (lower case)."""
        out: set[str] = set()
        for part in tokens.intersection(self._by_part):
            out.update(w for w in self._by_part[part] if w not in out
                       and all(p in tokens for p in _PART.findall(w)))
        return out




def _fold(s: str) -> str:
    return " ".join(w.casefold() for w in _WORD.findall(s)) or s.strip().casefold()


def mask(value: str) -> str:
    """The first characters of an identifier and ``***`` (``"Zebedee"`` -> ``"Zeb***"``)."""
    if "@" in value:
        return value[:2] + "***@***"
    keep = 3 if len(value) >= 7 else max(1, len(value) // 2)
    return value[:keep] + "***"


def words_of(texts: Iterable[object]) -> set[str]:
    """The case-folded words of ``texts``, as the matcher splits them.

    A word is letters and apostrophes; digits and underscores split words.
    """
    return {w.casefold() for t in texts for w in _WORD.findall(str(t))}
