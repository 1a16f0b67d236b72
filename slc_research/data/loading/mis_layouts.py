r"""Attendance and behaviour exports as SIMS and Arbor write them, recognised.

What is recognised, and the shapes followed
-------------------------------------------
Column names. A school's MIS names its columns in its own words; the loaders
of ``attendance`` and ``behaviour`` accept those words for any canonical
column the ``[sources.NAME.columns]`` mapping leaves out (:data:`MIS_HEADERS`:
``Date``, ``Session``/``AM/PM``, ``Mark``/``Attendance Mark``/``Code``,
``Incident Date``, ``Behaviour Type``, ``Points``/``Severity``, ...). The pupil
id is taken from ``UPN``, ``Adno`` or ``Admission Number`` only when the file
has exactly one of them: with both, the teacher says which one the roster uses.
Name columns (``Student``, ``Forename``, ``Legal Surname``, ...) and free text
(``Comments``, the mark's description) are never mapped, so never read.

Registers. SIMS's session grids (Attendance > Reports, exported to Excel or
CSV) have a row per pupil, then name, registration group, admission number
and UPN columns, then the sessions. Three header shapes are understood:

- one header row, a session per column: ``Mon 01/09/2025 AM`` (also
  ``01/09/2025 PM``, ``2025-09-01 am``);
- two header rows: the date in row 1, written once above the AM and PM
  columns (merged cells: the PM cell is blank) or repeated, and ``AM``/``PM``
  in row 2 (the data start in row 3, and messages say so);
- a column per day (``Mon 01/09/2025``) whose cells hold the morning and
  afternoon marks together, as SIMS's marks grids show them: ``/\``,
  ``NN``, ``/L``, ``C1C1`` (a two-character code is read whole).

Arbor's roll-call (statutory AM/PM) marks export, and SIMS's per-mark
reports, have a row per mark: ``Student``, ``UPN``, ``Date`` (``01/09/2025``,
``1 Sep 2025`` or an Excel date), ``Session`` (``AM``/``PM``), ``Mark`` (or
``Attendance Mark``, ``Code``) and a description column. Arbor documents its
statutory marks as the AM and PM "roll call" marks (support.arbor-education.com,
"Roll Call Times"); SIMS documents two marks a day with single-character
session codes (sims-partners.com, "SIMS 7 - Attendance Concepts"). The exact
column titles of either tool's reports are configurable by schools and are
not published in full, so they are matched by the words above rather than
by one fixed list.

Marks. Every DfE code (:data:`~slc_research.data.schemas.DFE_ATTENDANCE_CODES`)
in any case, and the codes withdrawn in 2024 with a note; a mark written with
its description (``/ - Present (AM)``, ``N: No reason yet provided``,
``I (Illness)``) is read as its code.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from slc_research.data.parsing.values import SESSION_WORDS, normalise_word
from slc_research.data.reading.readers import RawTable, read_raw
from slc_research.data.schemas import KINDS
from slc_research.data.spec import SourceSpec, normalise_answer
from slc_research.errors import DataError

__all__ = ["LAYOUTS_UNDERSTOOD", "MIS_HEADERS", "code_of_mark", "read_register",
           "recognise_columns", "split_day_marks", "two_row_headers"]

#: Column titles MIS exports use for each canonical column, best first (compared
#: ignoring case, spaces and punctuation). Only columns a source kind has are used.
MIS_HEADERS: dict[str, tuple[str, ...]] = {
    "pupil_id": ("upn", "adno", "admission number", "admission no", "adm no",
                 "unique pupil number", "pupil id", "student id", "mis id"),
    "date": ("date", "session date", "attendance date", "roll call date", "register date",
             "mark date", "incident date", "date of incident", "incident date time",
             "achievement date", "event date", "date time", "date and time"),
    "session": ("session", "am pm", "am or pm", "session name", "roll call",
                "registration session"),
    "code": ("mark", "attendance mark", "attendance code", "code", "roll call mark",
             "session mark", "register mark", "statutory mark"),
    "type": ("polarity", "positive negative", "positive or negative", "incident polarity",
             "behaviour or achievement"),
    "category": ("behaviour type", "incident type", "achievement type", "behaviour",
                 "reason"),
    "points": ("points", "behaviour points", "achievement points", "severity"),
}

#: What the message for an unrecognised register says is understood.
LAYOUTS_UNDERSTOOD = (
    "a register in one of the layouts understood: 'long', a row per mark with the pupil's "
    "id, date, session (AM/PM) and mark (like Arbor's roll-call marks export); or 'wide', a "
    "row per pupil and a column per session headed like 'Mon 01/09/2025 AM', or dates in "
    "row 1 over AM/PM in row 2, or a column per day holding both marks ('/\\\\', 'NN'), like "
    "SIMS's session grids")

_TWO_CHARACTER_CODES = ("C1", "C2", "J1", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7")
_DESCRIBED = re.compile(r"^\s*(\S{1,2}?)\s*(?:[-\u2013:=(]|\s)\s*\D.*$")


def _key(header: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(header).casefold()).split())


def recognise_columns(raw: RawTable, spec: SourceSpec, wanted: Sequence[str]
                      ) -> tuple[SourceSpec, str | None]:
    """Fill the canonical columns a mapping leaves out from the file's MIS column titles.

    Parameters
    ----------
    raw : RawTable
        The file as read.
    spec : SourceSpec
        The manifest entry; its own ``columns`` always win.
    wanted : sequence of str
        Canonical columns to look for under :data:`MIS_HEADERS` titles. Without
        a mapping, any column of the kind is also taken when a header is its
        canonical name (as :func:`~slc_research.data.parsing.mapping.map_columns` does).

    Returns
    -------
    spec : SourceSpec
        ``spec`` with the recognised columns added to ``columns``.
    note : str or None
        What was recognised, for the data-health notes.

    Raises
    ------
    DataError
        ``pupil_id`` is wanted, not mapped, and several columns could be it.
    """
    kind = KINDS[spec.kind]
    mapped = dict(spec.columns)
    taken = {normalise_answer(h) for h in mapped}
    have = {str(v).strip() for v in mapped.values()}
    by_key: dict[str, str] = {}
    for h in raw.headers:
        by_key.setdefault(_key(h), h)
    added: dict[str, str] = {}
    aliased: list[str] = []
    for canon in (*kind.required, *kind.optional):  # names: never wanted
        if canon in have:
            continue
        # the canonical name itself only without a mapping (as map_columns reads a file)
        titles = ((canon,) if not mapped else ()) + (
            MIS_HEADERS.get(canon, ()) if canon in wanted else ())
        free = [h for h in (by_key.get(_key(a)) for a in titles)
                if h is not None and normalise_answer(h) not in taken and h not in added]
        free = list(dict.fromkeys(free))
        if not free:
            continue
        if canon == "pupil_id" and len(free) > 1 and _key(free[0]) != _key(canon):
            listed = " and ".join(repr(h) for h in free[:3])
            raise DataError.single(
                spec.label, f"one column holding the pupils' ids, but {listed} could each be "
                f"it; say which one your roster uses: add '\"{free[0]}\" = \"pupil_id\"' (or "
                f"another of them) under [sources.{spec.name}.columns] in enquiry.toml")
        added[free[0]] = canon
        if _key(free[0]) != _key(canon):
            aliased.append(f"{free[0]!r} as {canon}")
    if not added:
        return spec, None
    note = (f"Columns recognised by their MIS titles: {', '.join(aliased)}." if aliased
            else None)
    return dataclasses.replace(spec, columns={**mapped, **added}), note


def code_of_mark(text: str) -> str:
    r"""The attendance code of a mark as exported: trimmed, its description dropped.

    ``"/ - Present (AM)"`` -> ``"/"``; ``"n: No reason yet provided"`` -> ``"N"``;
    ``"c1"`` -> ``"C1"``; ``"\\"`` stays a backslash. Unknown codes are returned
    as written (upper-cased) for the caller to report.
    """
    c = text.strip()
    m = _DESCRIBED.match(c)
    if m and len(c) > 2:
        c = m.group(1)
    return c if c in ("/", "\\") else c.upper()


def split_day_marks(cells: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Split day cells holding the AM and PM marks together (``"/\\"``, ``"NL"``).

    Returns the AM text, the PM text (object arrays, one per cell value) and a
    boolean array of the values that do not hold exactly two marks. Two-character
    codes (C1, C2, J1, Y1-Y7) count as one mark; spaces are ignored.
    """
    am = np.empty(len(cells), dtype=object)
    pm = np.empty(len(cells), dtype=object)
    bad = np.zeros(len(cells), dtype=bool)
    for i, cell in enumerate(cells):
        s = re.sub(r"\s+", "", str(cell))
        marks, j = [], 0
        while j < len(s):
            step = 2 if s[j:j + 2].upper() in _TWO_CHARACTER_CODES else 1
            marks.append(s[j:j + step])
            j += step
        if len(marks) == 2:
            am[i], pm[i] = marks
        else:
            am[i] = pm[i] = ""
            bad[i] = True
    return am, pm, bad


# ---------------------------------------------------------------------------- two header rows


_SESSION_WORDS = {normalise_word(w) for w in SESSION_WORDS if len(w) > 1}


def two_row_headers(top: Sequence[str | None], bottom: Sequence[str | None]) -> list[str] | None:
    """One header per column from a date row over an AM/PM row, or None if they are not such.

    A blank date cell over a session takes the date to its left (a merged cell);
    other columns keep the title from whichever row has one.
    """
    is_session = [b is not None and normalise_word(b) in _SESSION_WORDS for b in bottom]
    if not any(is_session):
        return None
    out: list[str] = []
    last: str | None = None
    for t, b, session in zip(top, bottom, is_session, strict=True):
        if session:
            last = t or last
            if last is None or not re.search(r"\d", last):
                return None
            out.append(f"{last} {b}")
        else:
            last = None
            out.append(t or b or "")
    return out


class _NotTwoRows(Exception):
    """Rows 1 and 2 of the file are not dates over AM/PM."""


def _join_two_rows(rows: list[list[str | None]]) -> list[str]:
    headers = two_row_headers(rows[0], rows[1]) if len(rows) == 2 else None
    if headers is None:
        raise _NotTwoRows
    return headers


def read_register(spec: SourceSpec) -> RawTable:
    """Read a register, also when its header is two rows (dates over AM/PM).

    The two-row header is tried first (:func:`~slc_research.data.reading.readers.read_raw`
    with ``header_rows=2`` and :func:`two_row_headers`): the join looks at rows 1
    and 2 before the rest is read, so a file with another header costs little,
    and a large grid is read once. When rows 1 and 2 are not dates over AM/PM
    the file is read with a one-row header.
    """
    try:
        raw = read_raw(spec, header_rows=2, join_header=_join_two_rows)
    except _NotTwoRows:
        return read_raw(spec)
    raw.notes.append("The header is two rows (dates in row 1, AM/PM in row 2); they were read "
                     "as one, and the data start in row 3.")
    return raw
