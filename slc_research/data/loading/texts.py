"""Loader for free texts: reflections, interview transcripts, open answers, minutes.

Every known name (the roster's and staff list's, and any name columns of the
file itself) is redacted from the text as ``[name]`` before it reaches the
table, and every real id, email address and date of birth as ``[id]``,
``[email]`` and ``[date of birth]``. Author ids become pseudonyms.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from slc_research.data.loading.common import SourceLoad
from slc_research.data.loading.people import file_names
from slc_research.data.loading.text_folder import load_text_folder
from slc_research.data.parsing.values import parse_booleans, parse_numbers
from slc_research.data.reading.documents import is_pattern
from slc_research.data.spec import LoadContext, Loaded, SourceSpec
from slc_research.privacy.redaction import redact_texts
from slc_research.words import plural

__all__ = ["load_texts", "text_id", "text_ids"]

_AUTHORS = ("pupil", "staff", "parent", "anonymous")


def text_id(source: str, row: int) -> str:
    """A stable id for the text in Excel row ``row`` of source ``source``.

    ``T-`` + 6 hex digits of the source name's SHA-1 + ``-`` + the row, e.g.
    ``T-3fa9c2-14``: the same every time the file is read, unique across sources.
    """
    return text_ids(source, np.array([row])).iloc[0]


def text_ids(source: str, rows: np.ndarray) -> pd.Series:
    """:func:`text_id` for many rows at once (vectorised)."""
    prefix = "T-" + hashlib.sha1(source.encode()).hexdigest()[:6] + "-"
    return pd.Series(np.char.add(prefix, np.asarray(rows).astype(str)), dtype="string")


def load_texts(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load free texts into the ``texts`` table, with names redacted.

    Options: ``authors`` (pupil, staff, parent or anonymous; or an
    ``author_type`` column), ``text_source`` (reflection, interview,
    open_answer, minutes, feedback; or a ``source`` column) and ``community``.
    ``quotable`` is yes unless a cell says no. Rows with a blank text are left
    out with a note. ``text_id`` is kept when given, else made from the source
    name and the Excel row, so it is the same every time the file is read.

    A ``path`` that is a folder or a pattern (``raw/reflections/*.docx``) is read one
    text per file by :func:`~slc_research.data.loading.text_folder.load_text_folder`.
    """
    if spec.path.is_dir() or is_pattern(spec.label):
        return load_text_folder(spec, ctx)
    src = SourceLoad(spec, ctx)
    n = len(src)
    rows = src.excel_rows(np.arange(n))
    made_up = text_ids(spec.name, rows)
    ids = src.text("text_id").fillna(made_up) if src.has("text_id") else made_up
    if src.has("author_id"):
        types = src.person_types("author_type", "authors", allowed=_AUTHORS)
        authors = src.ids("author_id", types, required=False)
    else:  # no ids: who wrote each text may still be said (a parent, a pupil, ...)
        types = src.person_types("author_type", "authors", allowed=_AUTHORS,
                                 default="anonymous")
        authors = pd.Series(pd.NA, index=range(n), dtype="string")
    known = ctx.redaction(file_names(src.raw.data, src.map))
    text = src.text("text")
    out = {
        "text_id": ids,
        "author_id": authors,
        "author_type": types,
        "source": src.text("source", "text_source"),
        "community": src.text("community", "community"),
        "text": redact_texts(text, known),
    }
    if src.has("date"):
        out["date"] = src.dates("date")
    if src.has("wave"):
        out["wave"] = src.parse("wave", parse_numbers, minimum=1, maximum=99)
    if src.has("quotable"):
        out["quotable"] = src.parse("quotable", parse_booleans, blank=True)
    else:
        out["quotable"] = pd.Series(pd.array([True] * n, dtype="boolean"))
    src.require_unique({"text_id": ids}, "text_id")
    src.problems.raise_if_any()
    frame = pd.DataFrame(out)
    blank = text.isna().to_numpy()
    if blank.any():
        k = int(blank.sum())
        src.notes.append(f"{plural(k, 'row')} with no text left out.")
        src.rows_dropped += k
        frame = frame.loc[~blank].reset_index(drop=True)
    return src.finish("texts", frame, person="author_id")
