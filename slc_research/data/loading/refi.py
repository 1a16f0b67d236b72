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
  name used twice (an "Other" under two themes) becomes "Theme / Other", with as
  many of the codes it sits in as make it unique.
- ``codings``: one row per code applied to a passage, with its coder.

Names, real ids, email addresses and dates of birth are redacted from the
texts as in every text source (``[name]``, ``[id]``, ``[email]``, ``[date of
birth]``), and from the codebook's code names and descriptions; redaction
changes a text's length: the offsets of the coded passages are moved with the
text, so each coding still covers the same words (a passage that began or ended
inside a name now begins or ends at the edge of ``[name]``). A passage covering
a whole text is stored as a whole-text coding (blank ``start`` and ``end``).

Coders are staff, not pupils, but a REFI user is often a full name: by default
each user becomes a letter, "A", "B", ... in the order the file lists them
(``coders = "letters"``); ``coders = "names"`` keeps the user names as written.
A coding by no listed user is coder "unknown" ("A" when the file lists no users).
"""

from __future__ import annotations

import string
from collections import Counter

import pandas as pd

from slc_research.data.reading.refi import RefiProject, read_refi
from slc_research.data.schemas import conform
from slc_research.data.spec import LoadContext, Loaded, SourceSpec
from slc_research.errors import ConfigError
from slc_research.privacy.redaction import Redaction, redact_texts
from slc_research.words import plural

__all__ = ["load_qdpx"]

_AUTHORS = ("pupil", "staff", "parent", "anonymous")



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


def _code_names(project: RefiProject, written: dict[str, str]) -> tuple[dict[str, str], int]:
    """Code guid -> unique name, and how many codes were renamed.

    A name used by several codes is prefixed by the names of the codes it sits in,
    one level more each round, until it is unique ("Themes / Other", and where two
    "citizenship" codes both sit in a "digital_citizenship", "practices /
    digital_citizenship / citizenship"); codes with the same name at the same place
    are numbered ("Other (2)"). ``written`` is each code's name as it may be kept
    (redacted), by guid.
    """
    by_guid = {c.guid: c for c in project.codes}

    def path(guid: str, depth: int) -> str:
        parts, parent, seen = [written[guid]], by_guid[guid].parent, {guid}
        while parent in by_guid and parent not in seen and len(parts) <= depth:
            parts.insert(0, written[parent])
            seen.add(parent)
            parent = by_guid[parent].parent
        return " / ".join(parts)

    names = {c.guid: written[c.guid] for c in project.codes}
    for depth in range(1, len(project.codes) + 1):
        counts = Counter(n.casefold() for n in names.values())
        clash = [g for g, n in names.items() if counts[n.casefold()] > 1]
        longer = {g: path(g, depth) for g in clash}
        if not any(longer[g] != names[g] for g in clash):
            break
        names.update(longer)
    numbered = dict(zip(names, _unique(list(names.values())), strict=True))
    return numbered, sum(numbered[g] != written[g] for g in numbered)


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
    known = ctx.redaction()
    # a code's name and description are free text too ("Zeb's outburst"): redacted as texts
    written = dict(zip([c.guid for c in project.codes],
                       redact_texts(pd.Series([c.name for c in project.codes], dtype="string"),
                                    known).tolist(), strict=True))
    code_name, renamed = _code_names(project, written)
    if renamed:
        notes.append(f"{plural(renamed, 'code')} sharing a name with another code renamed "
                     "'Theme / Code' after the code they sit in.")
    codebook = pd.DataFrame({
        "code": [code_name[c.guid] for c in project.codes],
        "description": redact_texts(pd.Series([c.description for c in project.codes],
                                              dtype="string"), known).tolist(),
        "parent": [code_name.get(c.parent) if c.parent else None for c in project.codes],
    })
    labels = dict(zip(project.users, _letters(len(project.users)), strict=True))
    if coders == "names":
        labels = {g: n or labels[g] for g, n in project.users.items()}

    nobody = "unknown" if project.users else "A"  # no users listed: one coder
    raw_ids = [s.name or s.guid for s in project.sources]
    ids = _unique(list(redact_texts(pd.Series(raw_ids, dtype="string"), known)))
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
