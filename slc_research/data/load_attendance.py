"""Loader for session attendance registers, long or wide.

``layout = "long"`` (the default): a row per mark with pupil_id, date, session
(AM/PM, also am, Morning, A/P) and code. ``layout = "wide"``: a row per pupil
and a column per session headed with its date and AM/PM (``01/09/2025 AM``,
``Mon 01/09/2025 AM``, ``2025-09-01 PM``).

Codes are the DfE codes in force since August 2024 (trimmed, upper-cased);
the codes withdrawn in 2024 are read with a note; ``-`` or a blank cell means
no mark was recorded and the session is left out (counted in a note).

Everything after reading runs on integer codes: a ten-million-mark register
is checked with a handful of numpy passes, never a loop over rows.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from slc_research.data.load_common import SourceLoad, plural
from slc_research.data.schemas import (
    ATTENDANCE_MEANINGS,
    DFE_ATTENDANCE_CODES,
    LEGACY_ATTENDANCE_CODES,
    conform,
)
from slc_research.data.spec import LoadContext, Loaded, SourceSpec
from slc_research.data.values import (
    SESSION_WORDS,
    distinct,
    normalise_word,
    parse_dates,
    parse_dates_by_category,
    parse_sessions,
)
from slc_research.errors import DataError, Problem

__all__ = ["ATTENDANCE_CODES", "load_attendance"]

#: Every code read, in the order of the ``code`` categories: current, then withdrawn.
ATTENDANCE_CODES = (*DFE_ATTENDANCE_CODES, *LEGACY_ATTENDANCE_CODES)
_MEANING = {c: ATTENDANCE_MEANINGS.index(m)
            for c, (m, _) in {**DFE_ATTENDANCE_CODES, **LEGACY_ATTENDANCE_CODES}.items()}
_NO_MARK = -2
_EXPECTED_CODE = ("a DfE attendance code (/ \\ L B C C1 C2 D E G I J1 K M N O P Q R S T U V W X "
                  "Y1-Y7 Z #), or - for no mark")
_SESSION_HEADER = re.compile(
    r"^(?P<date>.*?\d.*?)[\s_\-]*\(?(?P<session>am|pm|a\.m\.?|p\.m\.?|morning|afternoon)\)?$",
    re.I)
_DAY_MS = 86_400_000


def _code_index(cats: pd.Index) -> tuple[np.ndarray, list[str]]:
    """Per raw code: index into ATTENDANCE_CODES, _NO_MARK, or -1 (unknown); legacy codes seen."""
    out = np.full(len(cats), -1, dtype=np.int64)
    legacy = []
    for i, raw in enumerate(cats):
        c = raw.strip()
        c = c if c in ("/", "\\") else c.upper()
        if c in ("", "-"):
            out[i] = _NO_MARK
        elif c in _MEANING:
            out[i] = ATTENDANCE_CODES.index(c)
            if c in LEGACY_ATTENDANCE_CODES:
                legacy.append(c)
    return out, legacy


class _Marks:
    """The marks of a register as integer codes, with a way back to Excel rows and columns."""

    def __init__(self, pupil: np.ndarray, pupils: pd.Index, day: np.ndarray,
                 session: np.ndarray, code_codes: np.ndarray, code_cats: pd.Index, locate,
                 per_row: int = 1) -> None:
        self.pupil = pupil            # codes into ``pupils`` (pseudonyms), one per mark
        self.pupils = pupils
        self.day = day                # int64 days since 1970 (-1 unknown), one per mark
        self.session = session        # int8 0=AM 1=PM (-1 unknown)
        self.code_codes = code_codes  # codes into code_cats (-1 blank)
        self.code_cats = code_cats
        self.locate = locate          # flat positions -> (excel rows, headers)
        self.per_row = per_row        # marks per raw row: 1 (long) or the sessions (wide)


def _problems_at(label: str, positions: np.ndarray, locate, values, expected: str) -> list[Problem]:
    rows, headers = locate(positions[:20])
    return [Problem(label, int(r), h, None if v is None else str(v), expected)
            for r, h, v in zip(rows, headers, values, strict=True)]


def _finish_register(src: SourceLoad, marks: _Marks) -> Loaded:
    label = src.label
    idx, legacy = _code_index(marks.code_cats)
    per_mark = np.append(idx, _NO_MARK)[marks.code_codes]   # blank cell = no mark
    unknown = np.flatnonzero(per_mark == -1)
    if len(unknown):
        values = marks.code_cats[marks.code_codes[unknown[:20]]]
        src.problems.add(_problems_at(label, unknown, marks.locate, values, _EXPECTED_CODE),
                         len(unknown))
    src.problems.raise_if_any()
    keep = per_mark >= 0
    n_no_mark = int(len(per_mark) - keep.sum())
    if n_no_mark:
        src.notes.append(f"{plural(n_no_mark, 'session')} with no mark recorded ('-' or blank) "
                         "left out.")
    if legacy:
        n = int(np.isin(per_mark, [ATTENDANCE_CODES.index(c) for c in legacy]).sum())
        src.notes.append(f"{plural(n, 'mark')} use{'s' if n == 1 else ''} codes the DfE withdrew "
                         f"({', '.join(sorted(legacy))}); read with their old meaning.")
    pupil_codes = marks.pupil
    gone_cat = np.asarray(marks.pupils.isin(src.ctx.withdrawn)) \
        if src.ctx.withdrawn else np.zeros(len(marks.pupils), dtype=bool)
    withdrawn = np.append(gone_cat, False)[pupil_codes]
    if marks.per_row == 1:
        n_gone = int((withdrawn & keep).sum())
        dropped = n_no_mark + n_gone
    else:
        n_gone = dropped = int(withdrawn[::marks.per_row].sum())
    if n_gone:
        src.notes.append(f"{plural(n_gone, 'row')} of withdrawn people left out.")
        keep &= ~withdrawn
    all_kept = bool(keep.all())
    sel = slice(None) if all_kept else keep
    pupil_codes, day, session, per_mark = (pupil_codes[sel], marks.day[sel], marks.session[sel],
                                           per_mark[sel])
    _check_duplicates(src, pupil_codes, day, session, len(marks.pupils),
                      None if all_kept else np.flatnonzero(keep), marks.locate)
    meaning = np.array([_MEANING[c] for c in ATTENDANCE_CODES], dtype=np.int8)[per_mark]
    table = pd.DataFrame({
        "pupil_id": pd.Categorical.from_codes(pupil_codes, marks.pupils, validate=False),
        "date": (day.astype(np.int64) * _DAY_MS).astype("datetime64[ms]"),
        "session": pd.Categorical.from_codes(session, ["AM", "PM"], validate=False),
        "code": pd.Categorical.from_codes(per_mark.astype(np.int8), list(ATTENDANCE_CODES),
                                          validate=False),
        "meaning": pd.Categorical.from_codes(meaning, list(ATTENDANCE_MEANINGS),
                                             validate=False),
    }, copy=False)
    return Loaded({"attendance": conform(table, "attendance")}, src.notes, rows_read=len(src),
                  rows_dropped=src.rows_dropped + dropped)


def _check_duplicates(src: SourceLoad, pupil: np.ndarray, day: np.ndarray, session: np.ndarray,
                      n_pupils: int, kept: np.ndarray | None, locate) -> None:
    """DataError if a pupil has two marks for one session (bitmap when small, else sort)."""
    if len(day) == 0:
        return
    first = int(day.min())
    span = int(day.max()) - first + 1
    key = (pupil.astype(np.int64) * span + (day - first)) * 2 + session.astype(np.int64)
    space = n_pupils * span * 2
    if space <= 400_000_000:
        seen = np.zeros(space, dtype=bool)
        seen[key] = True
        if int(np.count_nonzero(seen)) == len(key):
            return
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    repeat = np.flatnonzero(sorted_key[1:] == sorted_key[:-1])
    if not len(repeat):
        return
    problems = []
    for i in repeat[:20]:
        a, b = order[i], order[i + 1]
        if kept is not None:
            a, b = kept[a], kept[b]
        (ra, rb), (ha, hb) = locate(np.array([a, b]))
        where = f"row {ra}" if ha == hb else f"row {ra}, column {ha!r}"
        problems.append(Problem(src.label, int(rb), hb, None,
                                f"one mark per pupil and session, but {where} already gives "
                                "this pupil a mark for the same date and session; remove one"))
    raise DataError(problems, total=len(repeat))


def _pupils(src: SourceLoad) -> tuple[np.ndarray, pd.Index]:
    """Pseudonym codes per row and the pseudonyms, hashing each distinct id once."""
    codes, cats = distinct(src.column("pupil_id"))
    _required_present(src, "pupil_id", codes, "a pupil_id")
    pseudo = src.ctx.pseudonymiser.pseudonymise(pd.Series(cats, dtype="string"), "pupil")
    # distinct raw ids may meet after normalisation (" a1" and "A1")
    new_codes, uniques = pd.factorize(pseudo, use_na_sentinel=True)
    small = np.int16 if len(uniques) < 32_000 else np.int32
    return np.append(new_codes, -1).astype(small)[codes], pd.Index(uniques, dtype="string")


def _required_present(src: SourceLoad, canonical: str, codes: np.ndarray, what: str) -> None:
    blank = np.flatnonzero(codes < 0)
    if len(blank):
        src.problems.add_rows(src.header(canonical), src.excel_rows(blank), None,
                              f"{what} in every row; this row has none")


def _long(src: SourceLoad) -> Loaded:
    pupil, pupils = _pupils(src)
    date_codes, per_day, parsed = parse_dates_by_category(
        src.column("date"), label=src.label, header=src.header("date"), rows=src.rows,
        date_format=src.spec.date_format)
    src.problems.take(parsed, src.notes)
    _required_present(src, "date", date_codes, "a date")
    days = np.where(np.isnat(per_day), -1, per_day.view(np.int64) // _DAY_MS).astype(np.int32)
    day = np.append(days, np.int32(-1))[date_codes]
    session = src.parse("session", parse_sessions).cat.codes.to_numpy()
    _required_present(src, "session", src.column("session").cat.codes.to_numpy(),
                      "a session (AM or PM)")
    codes, cats = distinct(src.column("code"))
    header = src.header("code")

    def locate(positions):
        return src.excel_rows(positions), [header] * len(positions)

    return _finish_register(src, _Marks(pupil, pupils, day, session, codes, cats, locate))


def _session_columns(src: SourceLoad) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Headers of the session columns, their days (int) and sessions (0/1)."""
    matches = {h: _SESSION_HEADER.match(h.strip()) for h in src.map.unmapped}
    found = [h for h, m in matches.items() if m]
    ignored = [h for h, m in matches.items() if not m]
    if not found:
        raise DataError.single(
            src.label, "columns headed with a date and AM or PM, like '01/09/2025 AM', for a "
            "wide register; set layout = \"long\" if the file has a row per mark")
    if ignored:
        shown = ", ".join(repr(h) for h in ignored[:5]) + (" ..." if len(ignored) > 5 else "")
        src.notes.append(f"{plural(len(ignored), 'column')} not headed like a session "
                         f"('01/09/2025 AM') ignored: {shown}.")
    date_text = pd.Series([matches[h].group("date") for h in found], dtype="string")
    parsed = parse_dates(date_text, label=src.label, header="", rows=np.ones(len(found), dtype=np.int64),
                         date_format=src.spec.date_format)
    problems = [Problem(src.label, 1, found[i], found[i], p.expected)
                for i, p in zip(np.flatnonzero(pd.isna(parsed.values).to_numpy()),
                                parsed.problems, strict=False)]
    if problems:
        raise DataError(problems)
    session_word = {normalise_word(k): v for k, v in SESSION_WORDS.items()}
    sessions = np.array([0 if session_word[normalise_word(matches[h].group("session"))] == "AM"
                         else 1 for h in found], dtype=np.int8)
    days = parsed.values.to_numpy().view(np.int64) // _DAY_MS
    return found, days, sessions


def _wide(src: SourceLoad) -> Loaded:
    headers, col_days, col_sessions = _session_columns(src)
    n, k = len(src), len(headers)
    pupil_row, pupils = _pupils(src)
    # one code space for all session columns, then a row-major (pupil, session) matrix
    per_col = [distinct(src.raw.data[h]) for h in headers]
    cats = pd.Index(pd.unique(np.concatenate([c.to_numpy(dtype=object) for _, c in per_col]
                                             or [np.array([], dtype=object)])), dtype="str")
    matrix = np.empty((n, k), dtype=np.int32)
    for j, (codes, col_cats) in enumerate(per_col):
        remap = np.append(cats.get_indexer(col_cats), -1).astype(np.int32)
        matrix[:, j] = remap[codes]
    rows = src.excel_rows(np.arange(n))
    header_arr = np.array(headers, dtype=object)

    def locate(positions):
        positions = np.asarray(positions)
        return rows[positions // k], list(header_arr[positions % k])

    marks = _Marks(np.repeat(pupil_row, k), pupils, np.tile(col_days.astype(np.int32), n),
                   np.tile(col_sessions, n), matrix.ravel(), cats, locate, per_row=k)
    del matrix
    return _finish_register(src, marks)


def load_attendance(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load a session register into the ``attendance`` table.

    Parameters
    ----------
    spec : SourceSpec
        ``options["layout"]`` is ``"long"`` (default) or ``"wide"``.
    ctx : LoadContext

    Returns
    -------
    Loaded
        ``attendance`` with pupil_id, session, code and meaning as categoricals and
        date as ``datetime64[ms]``.

    Raises
    ------
    DataError
        Unknown codes, missing ids, dates or sessions, bad session headers, or two
        marks for one pupil and session.
    """
    layout = spec.options.get("layout", "long")
    src = SourceLoad(spec, ctx, required=("date", "session", "code") if layout == "long" else ())
    src.option("layout", "long", choices=("long", "wide"))
    return _long(src) if layout == "long" else _wide(src)
