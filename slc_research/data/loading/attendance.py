r"""Loader for session attendance registers: long, wide or either, recognised.

``layout = "auto"`` (the default) recognises the layout from the file;
``"long"`` or ``"wide"`` force one. Long: a row per mark with pupil_id, date,
session (AM/PM, also am, Morning, A/P) and code, as Arbor's roll-call marks
export. Wide: a row per pupil and a column per session headed with its date
and AM/PM (``01/09/2025 AM``, ``Mon 01/09/2025 AM``, ``2025-09-01 PM``), or
with the dates in row 1 over AM/PM in row 2, or a column per day holding
both marks (``/\``), as SIMS's session grids. Column titles the MIS uses
(``Mark``, ``Attendance Mark``, ``Session``...) need no mapping; the shapes and
the sources they follow are in :mod:`slc_research.data.loading.mis_layouts`.

Codes are the DfE codes in force since August 2024 (trimmed, upper-cased,
a description after them dropped); the codes withdrawn in 2024 are read with
a note; ``-`` or a blank cell means no mark was recorded and the session is
left out (counted in a note).

Everything after reading runs on small integer codes: a mark is a pupil code,
a date code (into the few hundred distinct dates), a session and a code, so a
ten-million-mark register is checked with a handful of numpy passes, never a
loop over rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slc_research.data.loading.common import SourceLoad
from slc_research.data.loading.mis_layouts import code_of_mark, read_register, recognise_columns
from slc_research.data.loading.wide_register import (
    MS_PER_DAY,
    SessionColumn,
    day_numbers,
    session_columns,
)
from slc_research.data.parsing.values import (
    distinct,
    parse_dates_by_category,
    parse_sessions,
)
from slc_research.data.schemas import (
    ATTENDANCE_MEANINGS,
    DFE_ATTENDANCE_CODES,
    LEGACY_ATTENDANCE_CODES,
    conform,
)
from slc_research.data.spec import LoadContext, Loaded, SourceSpec
from slc_research.errors import ConfigError, DataError, Problem
from slc_research.words import plural

__all__ = ["ATTENDANCE_CODES", "load_attendance"]

#: Every code read, in the order of the ``code`` categories: current, then withdrawn.
ATTENDANCE_CODES = (*DFE_ATTENDANCE_CODES, *LEGACY_ATTENDANCE_CODES)
_MEANING = np.array([ATTENDANCE_MEANINGS.index({**DFE_ATTENDANCE_CODES,
                                                **LEGACY_ATTENDANCE_CODES}[c][0])
                     for c in ATTENDANCE_CODES], dtype=np.int8)
_UNKNOWN, _NO_MARK = -1, -2
_EXPECTED_CODE = ("a DfE attendance code (/ \\ L B C C1 C2 D E G I J1 K M N O P Q R S T U V W X "
                  "Y1-Y7 Z #), or - for no mark")


def _code_lookup(cats: pd.Index) -> tuple[np.ndarray, list[str]]:
    """The code number of each distinct raw mark, and the withdrawn codes seen.

    An int8 per raw mark in ``cats`` (an index into ATTENDANCE_CODES, or _NO_MARK or
    _UNKNOWN), plus a final _NO_MARK for blank cells; and the withdrawn codes seen.
    """
    out = np.full(len(cats) + 1, _NO_MARK, dtype=np.int8)
    legacy = []
    for i, raw in enumerate(cats):
        c = code_of_mark(raw)
        if c in ("", "-"):
            continue
        if c in ATTENDANCE_CODES:
            out[i] = ATTENDANCE_CODES.index(c)
            if c in LEGACY_ATTENDANCE_CODES:
                legacy.append(c)
        else:
            out[i] = _UNKNOWN
    return out, legacy


@dataclass
class _Marks:
    """A register's marks as integer codes, with a way back to Excel rows and columns."""

    pupil: np.ndarray         # codes into ``pupils`` (pseudonyms), one per mark
    pupils: pd.Index
    date: np.ndarray          # codes into ``days`` (int16/int32), one per mark
    days: np.ndarray          # distinct days (days since 1970), sorted
    session: np.ndarray       # int8: 0 = AM, 1 = PM
    code: np.ndarray          # codes into ``code_cats`` (-1 = blank cell)
    code_cats: pd.Index
    locate: Callable[[np.ndarray], tuple[np.ndarray, list[str]]]  # positions -> rows, headers
    per_row: int = 1          # marks per raw row: 1 (long) or the session columns (wide)
    check_duplicates: bool = True


def _small(n: int) -> type:
    return np.int16 if n < 32_000 else np.int32


def _finish_register(src: SourceLoad, marks: _Marks) -> Loaded:
    lookup, legacy = _code_lookup(marks.code_cats)
    per_mark = lookup[marks.code]                   # int8: a code, _UNKNOWN or _NO_MARK
    unknown = np.flatnonzero(per_mark == _UNKNOWN)
    if len(unknown):
        rows, headers = marks.locate(unknown[:20])
        values = marks.code_cats[marks.code[unknown[:20]]]
        src.problems.add([Problem(src.label, int(r), h, str(v), _EXPECTED_CODE)
                          for r, h, v in zip(rows, headers, values, strict=True)], len(unknown))
    src.problems.raise_if_any()
    keep = per_mark >= 0
    n_no_mark = len(per_mark) - int(np.count_nonzero(keep))
    if n_no_mark:
        src.notes.append(f"{plural(n_no_mark, 'session')} with no mark recorded ('-' or blank) "
                         "left out.")
    if legacy:
        per_code = np.bincount(per_mark[keep], minlength=len(ATTENDANCE_CODES))
        n = int(per_code[[ATTENDANCE_CODES.index(c) for c in legacy]].sum())
        src.notes.append(f"{plural(n, 'mark')} use{'s' if n == 1 else ''} codes the DfE withdrew "
                         f"({', '.join(sorted(legacy))}); read with their old meaning.")
    n_gone = 0
    gone = np.asarray(marks.pupils.isin(src.ctx.withdrawn)) if src.ctx.withdrawn else None
    if gone is not None and gone.any():
        withdrawn = np.append(gone, False)[marks.pupil]
        # a wide register has one row per pupil; a long one, one row per mark
        n_gone = int(np.count_nonzero(gone)) if marks.per_row > 1 else int(
            np.count_nonzero(withdrawn & keep))
        keep &= ~withdrawn
        src.notes.append(f"{plural(n_gone, 'row')} of withdrawn people left out.")
    # a wide register's dropped rows are its withdrawn pupils; a long one's, every left-out mark
    dropped = n_gone + (n_no_mark if marks.per_row == 1 else 0)
    sel = slice(None) if keep.all() else keep
    pupil, date, session, per_mark = (marks.pupil[sel], marks.date[sel], marks.session[sel],
                                      per_mark[sel])
    if marks.check_duplicates:
        _check_duplicates(src, pupil, date, session, len(marks.pupils), len(marks.days),
                          None if isinstance(sel, slice) else np.flatnonzero(keep), marks.locate)
    day_stamps = (marks.days.astype(np.int64) * MS_PER_DAY).view("datetime64[ms]")
    table = pd.DataFrame({
        "pupil_id": pd.Categorical.from_codes(pupil, marks.pupils, validate=False),
        "date": day_stamps[date],
        "session": pd.Categorical.from_codes(session, ["AM", "PM"], validate=False),
        "code": pd.Categorical.from_codes(per_mark, list(ATTENDANCE_CODES), validate=False),
        "meaning": pd.Categorical.from_codes(_MEANING[per_mark], list(ATTENDANCE_MEANINGS),
                                             validate=False),
    }, copy=False)
    if n_gone:  # not even a withdrawn pupil's pseudonym stays behind as a category
        table["pupil_id"] = table["pupil_id"].cat.remove_categories(marks.pupils[gone])
    return Loaded({"attendance": conform(table, "attendance")}, src.notes, rows_read=len(src),
                  rows_dropped=src.rows_dropped + dropped)


def _check_duplicates(src: SourceLoad, pupil: np.ndarray, date: np.ndarray, session: np.ndarray,
                      n_pupils: int, n_dates: int, kept: np.ndarray | None, locate) -> None:
    """DataError if a pupil has two marks for one session (a bitmap when small, else a sort)."""
    if len(pupil) == 0:
        return
    space = n_pupils * n_dates * 2
    key = pupil.astype(np.int32 if space < 2**31 else np.int64)
    key *= n_dates
    key += date
    key *= 2
    key += session
    if space <= 400_000_000:
        seen = np.zeros(space, dtype=bool)
        seen[key] = True
        if int(np.count_nonzero(seen)) == len(key):
            return
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    repeat = np.flatnonzero(sorted_key[1:] == sorted_key[:-1])
    problems = []
    for i in repeat[:20]:
        pair = order[[i, i + 1]]
        (ra, rb), (ha, hb) = locate(pair if kept is None else kept[pair])
        where = f"row {ra}" if ha == hb else f"row {ra}, column {ha!r}"
        problems.append(Problem(src.label, int(rb), hb, None,
                                f"one mark per pupil and session, but {where} already gives "
                                "this pupil a mark for the same date and session; remove one"))
    if problems:
        raise DataError(problems, total=len(repeat))


def _pupils(src: SourceLoad) -> tuple[np.ndarray, pd.Index]:
    """Pseudonym codes per row and the pseudonyms, hashing each distinct id once."""
    codes, cats = distinct(src.column("pupil_id"))
    _required_present(src, "pupil_id", codes, "a pupil_id")
    pseudo = src.ctx.pseudonymise(pd.Series(cats, dtype="string"), "pupil")
    # distinct raw ids may meet after normalisation (" a1" and "A1")
    new_codes, uniques = pd.factorize(pseudo, use_na_sentinel=True)
    remap = np.append(new_codes, -1).astype(_small(len(uniques)))
    return remap[codes], pd.Index(uniques, dtype="string")


def _required_present(src: SourceLoad, canonical: str, codes: np.ndarray, what: str) -> None:
    blank = np.flatnonzero(codes < 0)
    if len(blank):
        src.problems.add_rows(src.header(canonical), src.excel_rows(blank), None,
                              f"{what} in every row; this row has none")



def _long(src: SourceLoad) -> Loaded:
    pupil, pupils = _pupils(src)
    date_codes, per_category, parsed = parse_dates_by_category(
        src.column("date"), label=src.label, header=src.header("date"), rows=src.rows,
        date_format=src.spec.date_format)
    src.problems.take(parsed, src.notes)
    _required_present(src, "date", date_codes, "a date")
    # categories "01/09/2025" and "2025-09-01" are one day: code the distinct days
    day_of_category = day_numbers(per_category)
    days, day_code = np.unique(day_of_category, return_inverse=True)
    remap = np.append(day_code, -1).astype(_small(len(days)))
    session = src.parse("session", parse_sessions).cat.codes.to_numpy()
    _required_present(src, "session", src.column("session").cat.codes.to_numpy(),
                      "a session (AM or PM)")
    codes, cats = distinct(src.column("code"))
    header = src.header("code")

    def locate(positions: np.ndarray) -> tuple[np.ndarray, list[str]]:
        return src.excel_rows(positions), [header] * len(positions)

    marks = _Marks(pupil, pupils, remap[date_codes], days, session, codes, cats, locate)
    return _finish_register(src, marks)


def _wide(src: SourceLoad, columns: list[SessionColumn]) -> Loaded:
    n, k = len(src), len(columns)
    pupil_row, pupils = _pupils(src)
    # one code space for every session column; marks in session-major order, so that each
    # column's codes are written contiguously
    cats = pd.Index(pd.unique(np.concatenate([c.cats.to_numpy(dtype=object) for c in columns])),
                    dtype="str")
    code = np.empty(n * k, dtype=_small(len(cats)))
    for j, c in enumerate(columns):
        remap = np.append(cats.get_indexer(c.cats), -1).astype(code.dtype)
        np.take(remap, c.codes, out=code[j * n:(j + 1) * n])
    col_days = np.array([c.day for c in columns], dtype=np.int64)
    col_sessions = np.array([c.session for c in columns], dtype=np.int8)
    days, col_date = np.unique(col_days, return_inverse=True)
    rows = src.excel_rows(np.arange(n))
    header_arr = np.array([c.header for c in columns], dtype=object)

    def locate(positions: np.ndarray) -> tuple[np.ndarray, list[str]]:
        positions = np.asarray(positions)
        return rows[positions % n], list(header_arr[positions // n])

    # a wide register repeats a mark only through a repeated pupil row or session column
    known = pupil_row[pupil_row >= 0]
    unique = len(np.unique(known)) == len(known) and \
        len(set(zip(col_days.tolist(), col_sessions.tolist(), strict=True))) == k
    marks = _Marks(np.tile(pupil_row, k), pupils,
                   np.repeat(col_date.astype(_small(len(days))), n), days,
                   np.repeat(col_sessions, n), code, cats, locate, per_row=k,
                   check_duplicates=not unique)
    return _finish_register(src, marks)


_LONG = ("date", "session", "code")


def _layout(spec: SourceSpec) -> str:
    value = spec.options.get("layout", "auto")
    value = value.strip() if isinstance(value, str) else value
    if value not in ("auto", "long", "wide"):
        raise ConfigError(f"{value!r} is not one of 'auto', 'long', 'wide'",
                          key=f"sources.{spec.name}.layout")
    return value


def load_attendance(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load a session register into the ``attendance`` table.

    Parameters
    ----------
    spec : SourceSpec
        ``options["layout"]`` is ``"auto"`` (default: recognised from the file),
        ``"long"`` (a row per mark) or ``"wide"`` (a row per pupil). Columns the
        mapping leaves out are recognised by their MIS titles
        (:func:`~slc_research.data.loading.mis_layouts.recognise_columns`).
    ctx : LoadContext

    Returns
    -------
    Loaded
        ``attendance`` with pupil_id, session, code and meaning as categoricals and
        date as ``datetime64[ms]`` (the day; a time of day is dropped). A wide
        register's marks come session by session.

    Raises
    ------
    DataError
        Unknown codes, missing ids, dates or sessions, bad session headers, two
        marks for one pupil and session, or a layout that is not recognised.
    ConfigError
        An unknown ``layout``.
    """
    layout = _layout(spec)
    raw = read_register(spec)
    spec, note = recognise_columns(raw, spec, ("pupil_id", *_LONG))
    auto = layout == "auto"
    if auto:
        layout = "long" if set(spec.columns.values()) & set(_LONG) else "wide"
    src = SourceLoad(spec, ctx, required=_LONG if layout == "long" else (), raw=raw)
    if note:
        src.notes.append(note)
    if layout == "long":
        return _long(src)
    return _wide(src, session_columns(src, auto))
