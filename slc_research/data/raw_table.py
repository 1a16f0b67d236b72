"""The text table a raw file is read into, and the tidying every reader shares.

Every column is a pandas ``category`` of stripped strings (blank = missing),
so that the work on values runs once per distinct value. Entirely blank rows
are left out and counted; the others keep the row numbers Excel shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slc_research.data.spec import normalise_answer
from slc_research.errors import DataError, Problem

__all__ = ["RawTable", "check_headers", "column_letter", "tidy_table"]


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
    """

    label: str
    data: pd.DataFrame
    row_numbers: np.ndarray | None = None
    blank_rows: int = 0
    trimmed: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sheet: str | None = None

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


def _strip(s: pd.Series) -> tuple[pd.Series, int]:
    """Trim the categories of ``s``; blank becomes missing. Returns (series, values trimmed)."""
    if not isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype("category")
    cats = s.cat.categories
    if len(cats) == 0:
        return s, 0
    if cats.dtype != "str":
        cats = pd.Index(cats.astype(str), dtype="str")
    stripped = cats.str.strip()
    changed = np.asarray(stripped != cats)
    if not changed.any():
        if s.cat.categories.dtype != "str":
            s = pd.Series(pd.Categorical.from_codes(s.cat.codes.to_numpy(), cats), name=s.name)
        return s, 0
    codes = s.cat.codes.to_numpy()
    blank = np.asarray(stripped == "")
    new_codes, uniques = pd.factorize(stripped.where(~blank), use_na_sentinel=True)
    new_codes = np.append(new_codes, -1)[codes]
    trimmed_cats = changed & ~blank
    n_trimmed = int(np.bincount(codes[codes >= 0], minlength=len(cats))[trimmed_cats].sum())
    cat = pd.Categorical.from_codes(new_codes, pd.Index(uniques, dtype="str"), validate=False)
    return pd.Series(cat, name=s.name), n_trimmed


def tidy_table(df: pd.DataFrame, label: str, rows: np.ndarray | None, blank_lines: int,
               notes: list[str], *, sheet: str | None) -> RawTable:
    """Trim every column, check nameless columns, drop blank rows, number the rest.

    ``rows`` are the Excel rows of ``df``'s rows (None: position + 2);
    ``blank_lines`` blank rows were already skipped by the reader.
    """
    headers = list(df.columns)
    cols: dict[str, pd.Series] = {}
    trimmed: dict[str, int] = {}
    nameless: list[Problem] = []
    for i, h in enumerate(headers):
        s, n = _strip(df.iloc[:, i])
        if not h:
            filled = np.flatnonzero(s.cat.codes.to_numpy() >= 0)
            if len(filled):
                row = int(filled[0] + 2 if rows is None else rows[filled[0]])
                nameless.append(Problem(label, 1, column_letter(i), None,
                                        f"a header above every column with values; column "
                                        f"{column_letter(i)} has none (its first value is in "
                                        f"row {row}): add a header or delete the column"))
            continue
        cols[h] = s
        if n:
            trimmed[h] = n
    if nameless:
        raise DataError(nameless)
    data = pd.DataFrame(cols, copy=False)
    n = len(data)
    if n:
        blank = np.ones(n, dtype=bool)
        for s in cols.values():
            blank &= s.cat.codes.to_numpy() < 0
        n_blank = int(blank.sum())
    else:
        n_blank = 0
    if n_blank:
        keep = ~blank
        base = np.arange(n, dtype=np.int64) + 2 if rows is None else rows
        rows = base[keep]
        data = data.loc[keep].reset_index(drop=True)
    total_blank = n_blank + blank_lines
    if total_blank:
        notes.append(f"{total_blank} blank row{'s' if total_blank != 1 else ''} left out.")
    if len(data) == 0:
        raise DataError.single(label, "at least one data row under the header, but the "
                               f"{'sheet' if sheet else 'file'} has none; check that you "
                               "exported the data and not only the column names")
    return RawTable(label, data, rows, total_blank, trimmed, notes, sheet)
