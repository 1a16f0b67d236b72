"""Loader for REFI-QDA projects: coding done in NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette.

A ``kind = "qdpx"`` source (a ``.qdpx``, a ``.qde`` with its ``Sources/``
folder beside it, or a ``.qdc`` codebook) fills three tables at once:

- ``texts``: one row per text source. ``text_id`` is the source's name in the
  tool (names on the roster redacted; a repeated name gets `` (2)``, ...);
  ``date`` is the day the source was created in the tool (REFI-QDA records no
  other date); who wrote it is not in the format, so ``author_type`` comes from
  the ``authors`` option (default anonymous) and ``author_id`` stays blank.
  ``text_source`` and ``community`` options fill ``source`` and ``community``.
- ``codebook``: every code; a code nested in another has it as ``parent``. A
  name used twice (an "Other" under two themes) becomes "Theme / Other".
- ``codings``: one row per code applied to a passage, with its coder.

Names are redacted from the texts as in every text source (``[name]``), which
changes their length; the offsets of the coded passages are moved with the
text, so each coding still covers the same words (a passage that began or ended
inside a name now begins or ends at the edge of ``[name]``). A passage covering
a whole text is stored as a whole-text coding (blank ``start`` and ``end``).

Coders are staff, not pupils, but a REFI user is often a full name: by default
each user becomes a letter, "A", "B", ... in the order the file lists them
(``coders = "letters"``); ``coders = "names"`` keeps the user names as written.
A coding by no listed user is coder "unknown" ("A" when the file lists no users).
"""

from __future__ import annotations

import re
import string
from bisect import bisect_right
from collections.abc import Iterable

import pandas as pd

from slc_research.data.loading.common import plural
from slc_research.data.reading.refi import RefiProject, read_refi
from slc_research.data.schemas import conform
from slc_research.data.spec import LoadContext, Loaded, SourceSpec
from slc_research.errors import ConfigError
from slc_research.privacy.pseudonyms import NAME_WORD, name_words, redact_names

__all__ = ["Redaction", "load_qdpx", "redact_with_offsets"]

_PLACEHOLDER = "[name]"
_AUTHORS = ("pupil", "staff", "parent", "anonymous")



class Redaction:
    """A text with names redacted and the map from old character offsets to new.

    Parameters
    ----------
    text : str
        The text as found.
    known : set of str
        Case-folded names (see :func:`redact_with_offsets`).

    Attributes
    ----------
    text : str
        The redacted text, the same as :func:`slc_research.privacy.pseudonyms.redact_names` gives.
    """

    def __init__(self, text: str, known: set[str], placeholder: str = _PLACEHOLDER) -> None:
        first = self._edits(text, NAME_WORD, lambda w: self._swap(w, known, placeholder))
        middle = self._apply(text, first)
        doubled = re.compile(re.escape(placeholder) + r"(?:\s+" + re.escape(placeholder) + r")+")
        second = self._edits(middle, doubled, lambda _w: placeholder)
        self.text = self._apply(middle, second)
        self._passes = (first, second)

    @staticmethod
    def _swap(word: str, known: set[str], placeholder: str) -> str:
        folded = word.casefold()
        if folded in known:
            return placeholder
        for tail in ("'s", "’s"):
            if folded.endswith(tail) and folded[:-2] in known:
                return placeholder + word[-2:]
        return word

    @staticmethod
    def _edits(text: str, pattern: re.Pattern, replace) -> list[tuple[int, int, str]]:
        out = []
        for m in pattern.finditer(text):
            new = replace(m.group(0))
            if new != m.group(0):
                out.append((m.start(), m.end(), new))
        return out

    @staticmethod
    def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
        parts, at = [], 0
        for s, e, new in edits:
            parts += [text[at:s], new]
            at = e
        parts.append(text[at:])
        return "".join(parts)

    @staticmethod
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

    def offsets(self, start: int, end: int) -> tuple[int, int]:
        """The passage ``[start, end)`` of the old text in the redacted one."""
        for edits in self._passes:
            if edits:
                start, end = self._move(start, edits, end=False), self._move(end, edits, end=True)
        return start, end


def redact_with_offsets(text: str, names: Iterable[str]) -> Redaction:
    """Redact ``names`` from ``text``, keeping the map of offsets (see :class:`Redaction`).

    The names are matched as :func:`~slc_research.privacy.pseudonyms.redact_names` matches them.
    """
    return Redaction(text, name_words(names))


def _letters(n: int) -> list[str]:
    """A, B, ..., Z, AA, AB, ...: coder labels."""
    out = []
    for i in range(n):
        label, k = "", i
        while True:
            label = string.ascii_uppercase[k % 26] + label
            k = k // 26 - 1
            if k < 0:
                break
        out.append(label)
    return out


def _code_names(project: RefiProject) -> tuple[dict[str, str], int]:
    """Code guid -> unique name (a repeated name is prefixed by its parent's)."""
    by_guid = {c.guid: c for c in project.codes}
    counts = pd.Series([c.name.casefold() for c in project.codes]).value_counts()
    names, renamed = {}, 0
    for c in project.codes:
        name = c.name
        if counts.get(c.name.casefold(), 0) > 1 and c.parent in by_guid:
            name = f"{by_guid[c.parent].name} / {c.name}"
            renamed += 1
        names[c.guid] = name
    return names, renamed


def _unique(ids: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i in ids:
        k = seen.get(i.casefold(), 0) + 1
        seen[i.casefold()] = k
        out.append(i if k == 1 else f"{i} ({k})")
    return out


def load_qdpx(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load a REFI-QDA project into ``texts``, ``codebook`` and ``codings``.

    Options: ``authors`` (pupil, staff, parent; default anonymous), ``text_source``
    (reflection, interview, ...), ``community`` and ``coders`` ("letters", the
    default, or "names"). See the module docstring for what each column holds.
    """
    coders = spec.options.get("coders", "letters")
    if coders not in ("letters", "names"):
        raise ConfigError("expected \"letters\" (coders become A, B, ...) or \"names\" (the user "
                          f"names of the QDA tool), found {coders!r}.",
                          key=f"sources.{spec.name}.coders")
    project = read_refi(spec.path, label=spec.label)
    notes = list(project.notes)
    code_name, renamed = _code_names(project)
    if renamed:
        notes.append(f"{plural(renamed, 'code')} sharing a name with another code renamed "
                     "'Theme / Code' after the code they sit in.")
    codebook = pd.DataFrame({
        "code": [code_name[c.guid] for c in project.codes],
        "description": [c.description for c in project.codes],
        "parent": [code_name.get(c.parent) if c.parent else None for c in project.codes],
    })
    labels = dict(zip(project.users, _letters(len(project.users)), strict=True))
    if coders == "names":
        labels = {g: n or labels[g] for g, n in project.users.items()}

    nobody = "unknown" if project.users else "A"  # no users listed: one coder
    known = name_words(ctx.names)
    raw_ids = [s.name or s.guid for s in project.sources]
    ids = _unique(list(redact_names(pd.Series(raw_ids, dtype="string"), ctx.names)))
    rows, coded, unknown_codes, empty, whole = [], [], 0, 0, 0
    for tid, source in zip(ids, project.sources, strict=True):
        red = Redaction(source.text, known)
        rows.append(red.text)
        for sel in source.selections:
            if sel.start == sel.end:
                empty += len(sel.codings)
                continue
            full = sel.start == 0 and sel.end == len(source.text)
            whole += full and bool(sel.codings)
            start, end = (None, None) if full else red.offsets(sel.start, sel.end)
            for code_guid, user in sel.codings:
                if code_guid not in code_name:
                    unknown_codes += 1
                    continue
                coder = labels.get(user or "", nobody)
                coded.append((tid, coder, code_name[code_guid], start, end))
    expected = redact_names(pd.Series([s.text for s in project.sources], dtype="string"),
                            ctx.names)
    if list(expected) != rows:  # the offsets were moved for a different redaction
        raise RuntimeError("the redaction of a REFI-QDA text differs from redact_names; "
                           "please report this")
    n = len(project.sources)
    authors = spec.options.get("authors", "anonymous")
    texts = pd.DataFrame({
        "text_id": pd.Series(ids, dtype="string"),
        "author_id": pd.Series(pd.NA, index=range(n), dtype="string"),
        "author_type": [authors] * n,
        "date": pd.to_datetime(pd.Series([s.created for s in project.sources], dtype="object"),
                               errors="coerce", utc=True, format="ISO8601").dt.tz_localize(None).dt.normalize(),
        "source": [spec.options.get("text_source")] * n,
        "community": [spec.options.get("community")] * n,
        "text": pd.Series(rows, dtype="string"),
        "quotable": pd.Series(pd.array([True] * n, dtype="boolean")),
    })
    codings = pd.DataFrame(coded, columns=["text_id", "coder", "code", "start", "end"])
    codings[["start", "end"]] = codings[["start", "end"]].astype("Int64")
    repeated = codings.duplicated().to_numpy()
    if repeated.any():
        notes.append(f"{plural(int(repeated.sum()), 'coding')} repeating another exactly left out.")
        codings = codings.loc[~repeated]
    if unknown_codes:
        notes.append(f"{plural(unknown_codes, 'coding')} of a code missing from the codebook "
                     "left out.")
    if empty:
        notes.append(f"{plural(empty, 'coding')} of an empty passage (start = end) left out.")
    if whole:
        notes.append(f"{plural(int(whole), 'passage')} covering a whole text read as "
                     "whole-text codings.")
    dropped = int(repeated.sum()) + unknown_codes + empty
    read = n + len(project.codes) + len(coded) + unknown_codes + empty
    tables = {"texts": conform(texts, "texts"), "codebook": conform(codebook, "codebook"),
              "codings": conform(codings.reset_index(drop=True), "codings")}
    return Loaded(tables, notes, rows_read=read,
                  rows_dropped=dropped)
