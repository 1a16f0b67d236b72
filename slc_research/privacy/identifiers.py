r"""The one identifier matcher: names, real ids, emails and dates of birth in a text.

Redaction at load (:mod:`slc_research.privacy.redaction`) and ``check-outputs``
(:mod:`slc_research.privacy.output_check`) both find identifiers with
:meth:`Identifiers.find`; they differ only in what they are told to look for
(:meth:`Identifiers.build`: redaction looks for every name word in any case; the output check
leaves ordinary words out of the single names and flags a single name only when it is written
with a capital).

This module is told what to look for. Reading a workspace's raw files to find its people's
names, ids, emails and dates of birth is :func:`slc_research.workspace.identifiers.workspace_identifiers`
(for the output check) and :func:`slc_research.data.loading.people.read_people` (for redaction).
The identifiers are kept in memory only (an :class:`Identifiers` shows only counts), never
stored, printed or logged.

How a text is read
------------------
The text is folded first (:mod:`slc_research.privacy.folding`: NFKC/NFKD, case folded,
combining marks and format characters such as the soft hyphen dropped), so "Zoe\u0308",
"ZOË" and "Zoë" are one name and "Chi\u00addi" is "Chidi"; every find is a span of the text as
written. Then:

- **email addresses**: any address at all, whoever it belongs to;
- **dates of birth**: the known days, in any form of
  :data:`slc_research.privacy.written_dates.DATE_SHAPES` (``4/3/2012``, ``4th March 2012``, ...);
- **real ids**: the known ids as whole tokens, ignoring spaces, hyphens and case
  (``M021 3245 18321``, ``m021-3245-18321``), never inside a longer run of letters and digits;
  ids of up to four characters (staff codes) only when written in capitals, numbers of fewer
  than five digits never (they cannot be told from a count);
- **full names**: a person's forename and surname together ("Amy Green", "Green, Amy",
  "Amy Abernethy-Clark", "amy.green" of a user name, "amy_green" of a file name), up to
  four words;
- **single names**: a name word on its own (whole words only: "Amy" is not in "Amyas"), with
  or without a possessive ``'s``; a name with an apostrophe also as it is written without
  one ("O'Neill", "ONeill", "O Neill").

Each word of a text is looked up in a set (never a pattern of every name), so the cost grows
with the length of the text, not the size of the roster.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from slc_research.privacy.folding import Folded, fold, fold_text
from slc_research.privacy.written_dates import days_of_birth, find_days

__all__ = ["KINDS", "Identifiers", "Match", "mask", "words_of"]

#: The kinds of find, in the order :meth:`Identifiers.find` lists them.
KINDS = ("email address", "date of birth", "real id", "full name", "name")

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_TOKEN = re.compile(r"[^\W_]+")
_GROUP = re.Match.group  # a match -> the text it matched
_ID_GAP = re.compile(r"[\s-]{1,3}")
#: Between the words of a full name: spaces or hyphens, or one dot or underscore with no
#: space ("zoe.oneill" of an email's local part or a user name, "zoe_oneill" of a file name).
_NAME_GAP = re.compile(r"[\s-]+|[._]")
_EMAIL_DOMAIN = re.compile(r"@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b")
_EMAIL_LOCAL = re.compile(r"[\w.%+'-]{1,64}$")
_SPACES = re.compile(r"[\s-]+")


@dataclass(frozen=True)
class Match:
    """One identifier in a text: its span in the text as written, its kind and its words.

    ``start`` and ``end`` index the original text; a possessive ``'s`` after a name is not
    part of the span.
    """

    start: int
    end: int
    kind: str
    text: str


@dataclass(frozen=True, repr=False)
class Identifiers:
    """What to look for in a text (kept in memory; its repr shows only counts).

    Build it with :meth:`build`.

    Attributes
    ----------
    names : frozenset of str
        Folded single name words found on their own.
    full_names : frozenset of str
        Full names, folded words joined by one space.
    ids : frozenset of str
        Real ids, folded with spaces and hyphens removed.
    dates : frozenset of str
        Days of birth as ``YYYY-MM-DD``.
    emails : frozenset of str
        Known email addresses, folded (any address is found; these are also ids).
    allowed : frozenset of str
        Folded words, names, ids and addresses never found (``private/allowed_words.txt``).
    names_any_case : bool
        Whether a single name is found however it is written (redaction), or only when it
        starts with a capital (the output check: "amy" in an output is a style name).
    """

    names: frozenset[str] = frozenset()
    full_names: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    allowed: frozenset[str] = frozenset()
    names_any_case: bool = False
    first_words: frozenset[str] = field(default=frozenset(), compare=False)
    id_starts: frozenset[str] = field(default=frozenset(), compare=False)

    @functools.cached_property
    def name_starts(self) -> frozenset[str]:
        """The words a name found here can start with: single names and first words."""
        return self.names | self.first_words

    def __repr__(self) -> str:
        return (f"Identifiers(<{len(self.names)} names, {len(self.full_names)} full names, "
                f"{len(self.ids)} ids, {len(self.emails)} emails, {len(self.dates)} dates: "
                "hidden>)")

    @classmethod
    def build(cls, *, names: Iterable[str] = (), full_names: Iterable[str] = (),
              ids: Iterable[str] = (), dates: Iterable[object] = (),
              emails: Iterable[str] = (), allowed: Iterable[str] = (),
              common: Iterable[str] = (), names_any_case: bool = False,
              min_name_letters: int = 3) -> Identifiers:
        """Identifiers from raw values as the roster and staff list write them.

        Parameters
        ----------
        names, full_names : iterable of str
            Forenames, surnames, preferred and full names. Each word of ``min_name_letters``
            letters or more is a single name; a name of two words or more is a full name
            ("Green, Amy" is read as "Amy Green").
        ids : iterable of str
            Real ids (UPNs, admission numbers, staff codes). Ids shorter than three
            characters and numbers of fewer than five digits are left out.
        dates : iterable
            Dates of birth: date cells or text in any form schools write them.
        emails : iterable of str
            Known addresses (any address is found in any case).
        allowed : iterable of str
            Words, names, ids and addresses never found.
        common : iterable of str
            Words that are not single names here (a full name is still found).
        names_any_case : bool
            Find a single name in any case (redaction) or only with a capital (the check).
        min_name_letters : int
            The shortest single name.

        Returns
        -------
        Identifiers
        """
        allowed_set = frozenset(a for a in (_fold_words(x) for x in allowed) if a)
        allowed_set |= frozenset(_SPACES.sub("", fold(x)) for x in allowed if str(x).strip())
        exempt = {fold(w) for w in common} | allowed_set
        singles: set[str] = set()
        fulls: set[str] = set()
        for name in (*names, *full_names):
            first, comma, rest = str(name).partition(",")
            words = _WORD.findall(fold(f"{rest} {first}" if comma else first))
            for spelt in _spellings(words):
                singles.update(w for w in spelt if len(w) >= min_name_letters)
                if len(spelt) >= 2:
                    fulls.add(" ".join(spelt[:4]))
        fulls -= allowed_set
        singles -= exempt
        id_set = {i for i in (_SPACES.sub("", fold(x)) for x in ids if "@" not in str(x))
                  if len(i) >= 3 and not (i.isdigit() and len(i) < 5) and i not in allowed_set}
        mail = {fold(e).strip() for e in (*emails, *(x for x in ids if "@" in str(x)))}
        firsts = ({f.split(" ", 1)[0] for f in fulls}  # "Amy Green" and "Green, Amy"
                  | {f.split(" ")[1] for f in fulls if f.count(" ") == 1})
        starts = {i[:k] for i in id_set for k in range(1, len(i) + 1)}
        return cls(frozenset(singles), frozenset(fulls), frozenset(id_set),
                   days_of_birth(dates), frozenset(mail - allowed_set - {""}), allowed_set,
                   names_any_case, frozenset(firsts), frozenset(starts))

    # -- finding --------------------------------------------------------
    def find(self, text: str) -> list[Match]:
        """Every identifier in ``text``.

        Parameters
        ----------
        text : str

        Returns
        -------
        list of Match
            Emails, then dates of birth, then real ids, then names (full names and single
            names, in text order); each kind in text order. Spans never overlap.
        """
        folded = fold_text(text)
        out: list[Match] = []
        taken: list[tuple[int, int]] = []  # folded spans already found
        for kind, spans in (("email address", self._emails(folded.text)),
                            ("date of birth", self._dates(folded.text)),
                            ("real id", self._ids(folded, text)),
                            ("name", self._names(folded, text))):
            for s, e, *name_kind in spans:
                if any(s < te and ts < e for ts, te in taken):
                    continue
                taken.append((s, e))
                start, end = folded.span(s, e)
                out.append(Match(start, end, name_kind[0] if name_kind else kind,
                                 text[start:end]))
        return out

    def _emails(self, folded: str) -> list[tuple[int, int]]:
        if "@" not in folded:
            return []
        out = []
        for m in _EMAIL_DOMAIN.finditer(folded):
            local = _EMAIL_LOCAL.search(folded, max(0, m.start() - 64), m.start())
            if local:
                s = local.start() + len(local.group(0)) - len(local.group(0).lstrip(".-'"))
                if folded[s:m.end()] not in self.allowed:
                    out.append((s, m.end()))
        return out

    def _dates(self, folded: str) -> list[tuple[int, int]]:
        if not self.dates:
            return []
        return [(s, e) for s, e, day in find_days(folded) if day in self.dates]

    def _ids(self, folded: Folded, text: str) -> list[tuple[int, int]]:
        if not self.ids:
            return []
        starts, ids = self.id_starts, self.ids
        words = _TOKEN.findall(folded.text)
        if starts.isdisjoint(words):
            return []  # no token can begin an id (most texts)
        tokens = list(_TOKEN.finditer(folded.text))
        out = []
        after = 0  # the first token not inside an id already found
        for i in [k for k, w in enumerate(words) if w in starts]:
            if i < after:
                continue
            best, joined, found = -1, "", ""
            for j in range(i, len(tokens)):
                if j > i and not _ID_GAP.fullmatch(folded.text, tokens[j - 1].end(),
                                                   tokens[j].start()):
                    break
                joined += words[j]
                if joined not in starts:
                    break
                if joined in ids:
                    best, found = j, joined
            if best < 0:
                continue
            s, e = tokens[i].start(), tokens[best].end()
            start, end = folded.span(s, e)
            short = len(found) <= 4 and not text[start:end].isupper()
            if not (short or (found.isdigit() and _in_number(folded.text, s, e))):
                out.append((s, e))
            after = best + 1
        return out

    def _names(self, folded: Folded, text: str) -> list[tuple[int, int, str]]:
        if not (self.names or self.full_names):
            return []
        words = list(_WORD.finditer(folded.text))
        bases = [w[:-2] if w.endswith("'s") else w for w in map(_GROUP, words)]
        starts = self.name_starts
        if starts.isdisjoint(bases):
            return []
        out: list[tuple[int, int, str]] = []
        after = 0  # the first word not inside a full name already found
        for k in [i for i, base in enumerate(bases) if base in starts]:
            if k < after:
                continue
            m, base = words[k], bases[k]
            if base in self.first_words and (last := self._full_name(folded.text, words,
                                                                      bases, k)) is not None:
                out.append((m.start(), words[last].start() + len(bases[last]), "full name"))
                after = last + 1
                continue
            if base in self.names and (self.names_any_case
                                       or text[folded.span(m.start(), m.end())[0]].isupper()):
                out.append((m.start(), m.start() + len(base), "name"))
        return out

    def _full_name(self, folded: str, words: list[re.Match], bases: list[str],
                   k: int) -> int | None:
        """The index of the last word of a full name starting at word ``k``, or None."""
        parts = [bases[k]]
        for n in range(1, 4):
            if k + n >= len(words):
                return None
            gap = folded[words[k + n - 1].end():words[k + n].start()]
            if words[k + n - 1].group(0) != bases[k + n - 1]:
                return None  # "Amy's Green" is not a name
            comma = n == 1 and gap.strip() == ","
            if not (_NAME_GAP.fullmatch(gap) or comma):
                return None
            parts.append(bases[k + n])
            key = f"{parts[1]} {parts[0]}" if comma else " ".join(parts)
            if key in self.full_names:
                return k + n
            if comma:
                return None
        return None


def _spellings(words: list[str]) -> list[list[str]]:
    """A name's words as written, and as they are also written without an apostrophe.

    "O'Neill" is also written "ONeill" and "O Neill": the joined word ("oneill") and the
    part after the apostrophe ("neill") are the name too, alone and in the full name.
    """
    if not any("'" in w for w in words):
        return [words]
    joined = [w.replace("'", "") for w in words]
    parted = [p for w in words for p in w.split("'") if p]
    return [words, joined, parted]


def _base(word: str) -> str:
    """A folded word without a possessive ``'s``."""
    return word[:-2] if word.endswith("'s") else word


def _in_number(folded: str, s: int, e: int) -> bool:
    """A token that is part of a decimal number ("12345.5") is not an id."""
    return ((s >= 2 and folded[s - 1] == "." and folded[s - 2].isdigit())
            or (e + 1 < len(folded) and folded[e] == "." and folded[e + 1].isdigit()))


def _fold_words(value: object) -> str:
    return " ".join(_WORD.findall(fold(str(value))))


def mask(value: str) -> str:
    """The first characters of an identifier and ``***`` (``"Zebedee"`` -> ``"Zeb***"``)."""
    if "@" in value:
        return value[:2] + "***@***"
    keep = 3 if len(value) >= 7 else max(1, len(value) // 2)
    return value[:keep] + "***"


def words_of(texts: Iterable[object]) -> set[str]:
    """The folded words of ``texts``, as the matcher splits them.

    A word is letters and apostrophes; digits, underscores and hyphens split words.
    """
    return {w for t in texts for w in _WORD.findall(fold(str(t)))}
