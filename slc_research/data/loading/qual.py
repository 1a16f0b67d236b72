"""Loaders for qualitative coding: a codebook and the codes coders applied to texts.

A ``codebook`` source lists the codes (``code``, optional ``description`` and
``parent``: codes grouped in themes); names, ids, emails and dates of birth are
redacted from codes and descriptions as from any free text (in a ``codings``
source's codes too, the same way, so the two still match). A ``codings`` source holds one row per
code applied to a text by one coder (``text_id``, ``coder``, ``code``, and the
``start``/``end`` character offsets of the coded passage, or neither for the
whole text). Offsets index the text as it stands in the canonical ``texts``
table, i.e. after names were redacted as ``[name]``. Codings of texts that are
not in the ``texts`` table (a withdrawn pupil's reflection) are kept here and
left out by whatever joins the two.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slc_research.data.loading.common import SourceLoad
from slc_research.data.parsing.values import parse_numbers
from slc_research.data.spec import LoadContext, Loaded, SourceSpec
from slc_research.errors import ConfigError, Problem
from slc_research.privacy.redaction import redact_texts
from slc_research.words import plural

__all__ = ["load_codebook", "load_codings"]


def _required_text(src: SourceLoad, canonical: str) -> pd.Series:
    """The column's text; a blank cell is a problem naming its row."""
    s = src.text(canonical)
    blank = np.flatnonzero(s.isna().to_numpy())
    if len(blank):
        src.problems.add_rows(src.header(canonical), src.excel_rows(blank), None,
                              f"a {canonical} in every row; this row has none")
    return s


def _listed(rows: np.ndarray) -> str:
    return ", ".join(str(r) for r in rows[:-1]) + f" and {rows[-1]}"


def load_codebook(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load a codebook: one row per code, optionally grouped under a parent code.

    ``code`` is required and each code appears once (codes differing only in
    capitals count as the same). ``parent``, when given, must be a code of the
    same file (matched whatever its capitals; the table holds the code as
    spelled in the Code column), not the code itself.
    """
    src = SourceLoad(spec, ctx)
    people = ctx.redaction()
    # codes and their descriptions are free text ("Zeb's outburst"): redacted as texts are
    code = redact_texts(_required_text(src, "code"), people)
    key = code.str.casefold()
    dup = (key.duplicated(keep=False) & key.notna()).to_numpy()
    if dup.any():
        header = src.header("code")
        positions = np.flatnonzero(dup)
        groups = pd.Series(positions).groupby(key.iloc[positions].to_numpy(), sort=False)
        problems = []
        for _, members in groups:
            pos = members.to_numpy()
            rows = src.excel_rows(pos)
            spelled = " and ".join(dict.fromkeys(repr(v) for v in code.iloc[pos]))
            problems.append(Problem(
                src.label, int(rows[0]), header, str(code.iloc[pos[0]]),
                f"each code once, but rows {_listed(rows)} hold {spelled} (the same code, "
                "whatever its capitals); keep one row and remove or rename the others"))
        src.problems.add(problems[:20], len(problems))
    parent = redact_texts(src.text("parent"), people)
    if src.has("parent"):
        spelling = dict(zip(key[~dup & key.notna()], code[~dup & key.notna()], strict=True))
        if dup.any():  # the first spelling of a repeated code still names it
            for k, c in zip(key[dup], code[dup], strict=True):
                spelling.setdefault(k, c)
        pkey = parent.str.casefold()
        known = pkey.isin(spelling).to_numpy(dtype=bool)
        given = parent.notna().to_numpy()
        unknown = np.flatnonzero(given & ~known)
        if len(unknown):
            src.problems.add_rows(
                src.header("parent"), src.excel_rows(unknown), parent.iloc[unknown].to_numpy(),
                "the code of another row of this file (a parent groups codes); add a row for "
                "this code or correct the parent")
        itself = np.flatnonzero(given & (pkey == key).fillna(False).to_numpy(dtype=bool))
        if len(itself):
            src.problems.add_rows(src.header("parent"), src.excel_rows(itself),
                                  parent.iloc[itself].to_numpy(),
                                  "a different code: a code cannot be its own parent; leave "
                                  "the parent blank or name the theme it belongs to")
        parent = pkey.map(spelling).astype("string").where(parent.notna())
        if not src.problems:
            _check_cycles(src, key, pkey)
    out = {"code": code, "description": redact_texts(src.text("description"), people),
           "parent": parent}
    return src.finish("codebook", out)


def _check_cycles(src: SourceLoad, key: pd.Series, pkey: pd.Series) -> None:
    """Report codes whose parents lead back to themselves (A under B under A)."""
    up = {k: p for k, p in zip(key, pkey, strict=True) if isinstance(p, str)}
    row_of = dict(zip(key, src.excel_rows(np.arange(len(key))), strict=True))
    in_cycle: set[str] = set()
    for start in up:
        seen = [start]
        node = up.get(start)
        while node is not None and node not in seen and node not in in_cycle:
            seen.append(node)
            node = up.get(node)
        if node is not None and node in seen:
            in_cycle.update(seen[seen.index(node):])
    if in_cycle:
        rows = np.array(sorted(row_of[k] for k in in_cycle))
        src.problems.add_rows(src.header("parent"), rows, None,
                              f"parents that end at a theme, but rows {_listed(rows)} are each "
                              "other's parents in a circle; blank the parent of the top theme")


def _offsets(src: SourceLoad) -> tuple[pd.Series, pd.Series]:
    """``start`` and ``end`` as ``Int64``: whole numbers, both or neither, 0 <= start < end."""
    n = len(src)
    bounds = {}
    for col in ("start", "end"):
        if not src.has(col):
            bounds[col] = pd.Series(pd.array([None] * n, dtype="Int64"))
            continue
        v = src.parse(col, parse_numbers, minimum=0)
        arr = v.to_numpy(dtype=float, na_value=np.nan)
        fraction = np.flatnonzero(np.isfinite(arr) & (arr != np.floor(arr)))
        if len(fraction):
            src.problems.add_rows(src.header(col), src.excel_rows(fraction),
                                  src.column(col).iloc[fraction].to_numpy(),
                                  "a whole number of characters from the start of the text "
                                  "(0 = its first character)")
            arr[fraction] = np.nan
        bounds[col] = pd.Series(pd.array(np.where(np.isfinite(arr), arr, np.nan),
                                         dtype="Float64").round().astype("Int64"))
    start, end = bounds["start"], bounds["end"]
    if src.has("start") != src.has("end"):
        have, lack = ("start", "end") if src.has("start") else ("end", "start")
        src.problems.add([Problem(
            src.label, None, src.header(have), None,
            f"an {lack} column as well as a {have} column (a passage runs from start to end); "
            f"map the {lack} column under [sources.{src.spec.name}.columns] or leave both out "
            "to code whole texts")])
    elif src.has("start"):
        s = start.to_numpy(dtype=float, na_value=np.nan)
        e = end.to_numpy(dtype=float, na_value=np.nan)
        s_blank = src.column("start").isna().to_numpy()
        e_blank = src.column("end").isna().to_numpy()
        for which, pos in (("start", np.flatnonzero(s_blank & ~e_blank)),
                           ("end", np.flatnonzero(e_blank & ~s_blank))):
            if len(pos):
                src.problems.add_rows(
                    src.header(which), src.excel_rows(pos), None,
                    f"both a start and an end (or neither, to code the whole text); this row "
                    f"has no {which}")
        backwards = np.flatnonzero(np.isfinite(s) & np.isfinite(e) & (s >= e))
        if len(backwards):
            src.problems.add_rows(src.header("end"), src.excel_rows(backwards),
                                  src.column("end").iloc[backwards].to_numpy(),
                                  "an end after the start (the passage is characters start to "
                                  "end - 1); swap them or correct the offsets")
    return start, end


def load_codings(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load codings: one row per code a coder applied to (a passage of) a text.

    ``text_id`` and ``code`` are required. ``coder`` comes from its column or
    the ``coder`` option (one of the two is needed; the option fills blank
    cells). ``start`` and ``end`` are optional whole-number character offsets
    into the text as it stands in the ``texts`` table (after names are
    redacted): both or neither, ``0 <= start < end``; both blank codes the
    whole text. Rows repeating another row exactly are left out with a note.
    """
    src = SourceLoad(spec, ctx)
    fixed = src.option("coder")
    if not src.has("coder") and fixed is None:
        raise ConfigError(
            f"say who coded the file: add coder = \"A\" (a name or initials) to "
            f"[sources.{spec.name}], or map a column of coders to 'coder'",
            key=f"sources.{spec.name}.coder")
    if src.has("coder"):
        coder = src.text("coder", "coder")
        if fixed is None:
            coder = _required_text(src, "coder")
    else:
        coder = src.text("coder", "coder")
    text_id = _required_text(src, "text_id")
    code = redact_texts(_required_text(src, "code"), ctx.redaction())  # as in the codebook
    start, end = _offsets(src)
    src.problems.raise_if_any()
    frame = pd.DataFrame({"text_id": text_id, "coder": coder, "code": code, "start": start,
                          "end": end})
    repeated = frame.duplicated().to_numpy()
    if repeated.any():
        k = int(repeated.sum())
        src.notes.append(f"{plural(k, 'row')} repeating another row exactly left out.")
        src.rows_dropped += k
        frame = frame.loc[~repeated].reset_index(drop=True)
    return src.finish("codings", frame)
