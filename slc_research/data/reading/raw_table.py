"""The text table a raw file is read into, and the tidying every reader shares.

Every column is a pandas ``category`` of stripped strings (blank = missing),
so that the work on values runs once per distinct value. Entirely blank rows
are left out and counted; the others keep the row numbers Excel shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slc_research.data.parsing.header_row import shown_cell
from slc_research.data.reading.raw_repairs import (
    EXCEL_ERRORS,
    HEADER_SEARCH_ROWS,
    find_header_row,
    repeated_header_rows,
    totals_rows,
)
from slc_research.data.spec import normalise_answer
from slc_research.errors import DataError, Problem

__all__ = ["HeaderJoin", "NumberedHeaders", "RawTable", "check_headers", "column_letter",
           "first_filled", "header_from_rows", "tidy_table"]

#: How the cells of a header spanning several rows make one name per column: called
#: with the header rows (each a list of stripped cells, blank = None, all of one length).
HeaderJoin = Callable[[list[list[str | None]]], list[str]]


@dataclass
class RawTable:
    """A raw file read as text, with Excel's row numbers.

    Attributes
    ----------
    label : str
        The file's path as written in the manifest; every message names it.
    data : DataFrame
        One column per header (stripped of surrounding spaces), each a
        ``category`` of stripped strings; blank cells are missing. Index 0..n-1.
    row_numbers : ndarray of int64 or None
        The Excel row number of each data row; None when row ``i`` is row ``i + 2``
        (no blank rows were left out). Use :meth:`excel_rows`.
    blank_rows : int
        Entirely blank rows that were left out.
    trimmed : dict
        Header -> number of values that had spaces around them (now trimmed).
    notes : list of str
        What was noticed while reading (encoding, sheet chosen, blank rows).
    sheet : str or None
        The sheet read, for workbooks.
    sheets : tuple of str
        Every sheet of the workbook (empty for a CSV file).
    excel_errors : dict
        Header -> number of Excel error values (``#N/A``, ``#VALUE!``) read as blank.
    header_cells : dict
        When the header spans several rows (``read_raw(..., header_rows=N)``):
        header -> the column's cells in rows 1 to N, top first (blank = None).
        Empty for a one-row header.
    """

    label: str
    data: pd.DataFrame
    row_numbers: np.ndarray | None = None
    blank_rows: int = 0
    trimmed: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    excel_errors: dict[str, int] = field(default_factory=dict)
    header_cells: dict[str, tuple[str | None, ...]] = field(default_factory=dict)

    @property
    def headers(self) -> list[str]:
        """The column headers, in file order."""
        return [str(c) for c in self.data.columns]

    def __len__(self) -> int:
        return len(self.data)

    def excel_rows(self, positions: np.ndarray | None = None) -> np.ndarray:
        """Excel row numbers of the data rows at ``positions`` (all rows if None)."""
        if positions is None:
            positions = np.arange(len(self.data))
        positions = np.asarray(positions, dtype=np.int64)
        if self.row_numbers is None:
            return positions + 2
        return self.row_numbers[positions]


def column_letter(index: int) -> str:
    """Spreadsheet letter of the 0-based column ``index``: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def check_headers(headers: list[str], label: str) -> None:
    """Raise if two headers are the same (ignoring case and spaces)."""
    seen: dict[str, int] = {}
    problems = []
    for i, h in enumerate(headers):
        if not h:
            continue  # checked against the data later: an empty column without header is fine
        key = normalise_answer(h)
        if key in seen:
            problems.append(Problem(
                label, 1, h, None,
                f"each header once, but columns {column_letter(seen[key])} and "
                f"{column_letter(i)} are both headed like this; rename one of them"))
        else:
            seen[key] = i
    if problems:
        raise DataError(problems)


class NumberedHeaders:
    """A :data:`HeaderJoin` that accepts a repeated header: the second copy becomes "Q1 (2)".

    Some exports repeat a column name (legacy Qualtrics CSVs); the readers refuse
    that unless told how to tell the columns apart. Pass an instance as
    ``join_header`` to :func:`~slc_research.data.reading.readers.read_raw`: each
    column is named by ``join`` (default :func:`first_filled`), a name met again
    (ignoring case and spaces) gets `` (2)``, `` (3)`` ... and :attr:`repeated`
    records, per repeated name, the names given to its columns and their letters.
    """

    def __init__(self, join: HeaderJoin | None = None) -> None:
        self.join = join or first_filled
        self.repeated: dict[str, list[tuple[str, str]]] = {}

    def __call__(self, rows: list[list[str | None]]) -> list[str]:
        """The header, repeated names numbered (see the class)."""
        names = [(h or "").strip() for h in self.join(rows)]
        taken = {normalise_answer(h) for h in names if h}
        first: dict[str, int] = {}
        out = list(names)
        self.repeated = {}
        for i, h in enumerate(names):
            if not h:
                continue
            key = normalise_answer(h)
            if key not in first:
                first[key] = i
                continue
            k = 2
            while normalise_answer(f"{h} ({k})") in taken:
                k += 1
            out[i] = f"{h} ({k})"
            taken.add(normalise_answer(out[i]))
            group = self.repeated.setdefault(names[first[key]], [
                (names[first[key]], column_letter(first[key]))])
            group.append((out[i], column_letter(i)))
        return out


def first_filled(rows: list[list[str | None]]) -> list[str]:
    """Each column's name: its first non-blank cell from the top of the header rows."""
    return [next((r[j] for r in rows if r[j]), "") for j in range(len(rows[0]))]


def header_from_rows(rows: Sequence[Sequence[str | None]], join: HeaderJoin | None = None
                     ) -> tuple[list[str], dict[str, tuple[str | None, ...]]]:
    """Column names from the header row(s) of a file, and each column's header cells.

    Parameters
    ----------
    rows : sequence of sequences of str or None
        The header rows as read (rows 1 to N); cells are stripped, blank ones
        become None and short rows are padded.
    join : HeaderJoin, optional
        Makes one name per column from the rows; default :func:`first_filled`
        (with one row: the row itself).

    Returns
    -------
    headers : list of str
        One per column ("" where a column has no name).
    cells : dict
        Header -> its cells in the header rows, when there are several rows; else empty.
    """
    width = max((len(r) for r in rows), default=0)
    grid = [[(None if c is None or not str(c).strip() else str(c).strip()) for c in r]
            + [None] * (width - len(r)) for r in rows]
    headers = [(h or "").strip() for h in (join or first_filled)(grid)] if width else []
    cells = ({h: tuple(r[j] for r in grid) for j, h in enumerate(headers) if h}
             if len(grid) > 1 else {})
    return headers, cells


def _strip(s: pd.Series) -> tuple[pd.Series, int, int]:
    """Trim the categories of ``s``; blank and Excel errors become missing.

    Returns (series, values trimmed, Excel error values blanked).
    """
    if not isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype("category")
    cats = s.cat.categories
    if len(cats) == 0:
        return s, 0, 0
    if cats.dtype != "str":
        cats = pd.Index(cats.astype(str), dtype="str")
    stripped = cats.str.strip()
    errors = np.asarray(stripped.str.upper().isin(EXCEL_ERRORS))
    changed = np.asarray(stripped != cats) | errors
    if not changed.any():
        if s.cat.categories.dtype != "str":
            s = pd.Series(pd.Categorical.from_codes(s.cat.codes.to_numpy(), cats), name=s.name)
        return s, 0, 0
    codes = s.cat.codes.to_numpy()
    per_cat = np.bincount(codes[codes >= 0], minlength=len(cats))
    n_errors = int(per_cat[errors].sum())
    blank = np.asarray(stripped == "") | errors
    new_codes, uniques = pd.factorize(stripped.where(~blank), use_na_sentinel=True)
    new_codes = np.append(new_codes, -1)[codes]
    trimmed_cats = changed & ~blank
    n_trimmed = int(per_cat[trimmed_cats].sum())
    cat = pd.Categorical.from_codes(new_codes, pd.Index(uniques, dtype="str"), validate=False)
    return pd.Series(cat, name=s.name), n_trimmed, n_errors


def tidy_table(df: pd.DataFrame, label: str, rows: np.ndarray | None, blank_lines: int,
               notes: list[str], *, sheet: str | None, sheets: tuple[str, ...] = (),
               header_cells: dict[str, tuple[str | None, ...]] | None = None) -> RawTable:
    """Trim every column, find the header row, drop blank, repeated-header and totals rows.

    ``rows`` are the Excel rows of ``df``'s rows (None: position + 2);
    ``blank_lines`` blank rows were already skipped by the reader;
    ``header_cells`` are kept on the table (see :class:`RawTable`). When row 1
    leaves columns with values unnamed (a report title, merged group headings)
    and a row further down names them all, that row becomes the header, with a note.
    """
    headers = list(df.columns)
    stripped: list[pd.Series] = []
    trimmed: dict[str, int] = {}
    errors: dict[str, int] = {}
    for i, h in enumerate(headers):
        s, n, e = _strip(df.iloc[:, i])
        stripped.append(s)
        if h and n:
            trimmed[h] = n
        if h and e:
            errors[h] = e
    base = np.arange(len(df), dtype=np.int64) + 2 if rows is None else np.asarray(rows)
    nameless: list[Problem] = []
    for i, (h, s) in enumerate(zip(headers, stripped, strict=True)):
        if h:
            continue
        filled = np.flatnonzero(s.cat.codes.to_numpy() >= 0)
        if len(filled):
            nameless.append(Problem(label, 1, column_letter(i), None,
                                    f"a header above every column with values; column "
                                    f"{column_letter(i)} has none (its first value is in "
                                    f"row {int(base[filled[0]])}): add a header or delete the "
                                    "column"))
    if nameless:
        moved = _header_further_down(df, stripped, headers, label, base, blank_lines, notes,
                                     sheet, sheets)
        if moved is not None:
            return moved
        raise DataError(nameless)
    cols = {h: s for h, s in zip(headers, stripped, strict=True) if h}
    data = pd.DataFrame(cols, copy=False)
    n = len(data)
    keep = np.ones(n, dtype=bool)
    if n and cols:
        keep = ~np.logical_and.reduce([s.cat.codes.to_numpy() < 0 for s in cols.values()])
    n_blank = int((~keep).sum())
    column_list = list(cols.values())
    repeats = repeated_header_rows(column_list, list(cols)) if n else np.zeros(0, bool)
    if repeats.any():
        where = base[repeats]
        shown = ", ".join(str(r) for r in where[:5]) + (" ..." if len(where) > 5 else "")
        notes.append(f"{len(where)} row{'s' if len(where) != 1 else ''} repeating the header "
                     f"(row {shown}; two exports pasted together?) left out.")
        keep &= ~repeats
    if keep.any():
        kept = np.flatnonzero(keep)
        tail = totals_rows([s.iloc[kept[-3:]].reset_index(drop=True) for s in column_list])
        if tail:
            drop = kept[-3:][tail]
            first = next(str(v).strip() for v in (s.iloc[drop[0]] for s in column_list)
                         if not pd.isna(v))
            notes.append(f"Row {', '.join(str(int(base[d])) for d in drop)} "
                         f"({shown_cell(first)}) looks "
                         "like a totals row, not a pupil or person, and was left out.")
            keep[drop] = False
    if not keep.all():
        rows = base[keep]
        data = data.loc[keep].reset_index(drop=True)
    total_blank = n_blank + blank_lines
    if total_blank:
        notes.append(f"{total_blank} blank row{'s' if total_blank != 1 else ''} left out.")
    if len(data) == 0:
        raise DataError.single(label, "at least one data row under the header, but the "
                               f"{'sheet' if sheet else 'file'} has none; check that you "
                               "exported the data and not only the column names")
    return RawTable(label, data, rows, total_blank, trimmed, notes, sheet, sheets, errors,
                    {h: c for h, c in (header_cells or {}).items() if h in cols})


def _header_further_down(df: pd.DataFrame, stripped: list[pd.Series], headers: list[str],
                         label: str, base: np.ndarray, blank_lines: int, notes: list[str],
                         sheet: str | None, sheets: tuple[str, ...]) -> RawTable | None:
    """The table read with its header in a lower row, or None when no row qualifies."""
    if not len(df):
        return None
    filled = np.column_stack([s.cat.codes.to_numpy() >= 0 for s in stripped])
    head = min(len(df), 6 * HEADER_SEARCH_ROWS)  # the search looks at the first rows only
    below = np.flip(np.logical_or.accumulate(np.flip(filled), axis=0), axis=0)
    below = np.vstack([below[1:], np.zeros((1, below.shape[1]), dtype=bool)])
    at = find_header_row([s.iloc[:head] for s in stripped], below[:head])
    if at is None:
        return None
    new = [None if pd.isna(v := s.iloc[at]) else str(v).strip() for s in stripped]
    above = [h for h in headers if h] + [
        str(v).strip() for s in stripped for v in s.iloc[:at] if not pd.isna(v)]
    check_headers([h or "" for h in new], label)
    rest = df.iloc[at + 1:].reset_index(drop=True)
    rest.columns = [h or "" for h in new]
    shown = ", ".join(shown_cell(a) for a in above[:3]) + (" ..." if len(above) > 3 else "")
    one = int(base[at]) == 2  # the header in row 2: one row above it
    notes.append(f"The column names were found in row {int(base[at])}, not row 1; the "
                 f"{'row' if one else 'rows'} above them (a title or merged group headings: "
                 f"{shown}) {'was' if one else 'were'} skipped.")
    skipped_blank = int((~filled[:at].any(axis=1)).sum())
    return tidy_table(rest, label, base[at + 1:], blank_lines + skipped_blank, notes,
                      sheet=sheet, sheets=sheets)
