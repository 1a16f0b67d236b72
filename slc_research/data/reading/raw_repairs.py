"""Safe repairs of the shape of a raw table, each recorded as a note for the data-health report.

Spreadsheets exported from a school's MIS or saved by hand often carry rows
that are not data: a report title or merged group headings above the column
names, the header repeated where two exports were pasted together, a totals
row at the bottom, and Excel's error values (``#N/A``) where a formula failed.
The functions here find them on the text table (every column a ``category``),
so the cost is one pass over the distinct values, not over the cells.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from slc_research.data.spec import normalise_answer

__all__ = ["EXCEL_ERRORS", "HEADER_SEARCH_ROWS", "find_header_row", "repeated_header_rows",
           "totals_rows"]

#: Excel's error values; a cell holding one is read as blank, with a note.
EXCEL_ERRORS = frozenset({"#N/A", "#N/A N/A", "#NA", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?",
                          "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#FIELD!", "#GETTING_DATA",
                          "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})

#: How many rows below row 1 are searched for the column names.
HEADER_SEARCH_ROWS = 10

_NUMBER_LIKE = re.compile(r"^[\d\s.,:/%+\-]+$")
_TOTALS = re.compile(r"^(?:grand\s+|sub-?\s*)?totals?\s*:?\s*(?:\d[\d,.]*)?\s*(?:\([^)]*\))?$|"
                     r"^(?:count|sum|average|mean)s?\s*:?$", re.I)


def _row_texts(cols: list[pd.Series], i: int) -> list[str | None]:
    out = []
    for s in cols:
        v = s.iloc[i]
        out.append(None if v is None or v is np.nan or pd.isna(v) or str(v).strip() == ""
                   else str(v).strip())
    return out


def find_header_row(cols: list[pd.Series], has_values_below: np.ndarray) -> int | None:
    """Position of the data row that holds the column names, or None.

    A row qualifies when it is one of the first :data:`HEADER_SEARCH_ROWS`
    non-blank rows, names at least two columns, has a name over every column
    that has values further down, its names are all different, and none of
    them looks like a number or a date.

    Parameters
    ----------
    cols : list of Series
        The table's columns (stripped text, blank = missing), in file order.
    has_values_below : ndarray of bool, shape (rows, columns)
        Unused rows may be skipped: ``has_values_below[i, j]`` says whether
        column ``j`` has a value in a row after ``i``.
    """
    n = len(cols[0]) if cols else 0
    seen = 0
    for i in range(n):
        cells = _row_texts(cols, i)
        if all(c is None for c in cells):
            continue
        seen += 1
        if seen > HEADER_SEARCH_ROWS:
            return None
        filled = [c for c in cells if c is not None]
        needed = has_values_below[i]
        if (len(filled) >= 2
                and all(c is not None for c, need in zip(cells, needed, strict=True) if need)
                and len({normalise_answer(c) for c in filled}) == len(filled)
                and not any(_NUMBER_LIKE.match(c) for c in filled)):
            return i
    return None


def repeated_header_rows(cols: list[pd.Series], headers: list[str]) -> np.ndarray:
    """Boolean mask of rows that repeat the header (two exports pasted one under the other).

    A row is a repeat when at least two of its cells equal their column's header
    (ignoring case and spaces) and every other cell is blank.
    """
    n = len(cols[0]) if cols else 0
    same = np.zeros(n, dtype=np.int64)
    other = np.zeros(n, dtype=bool)
    for s, h in zip(cols, headers, strict=True):
        codes = s.cat.codes.to_numpy()
        cats = s.cat.categories
        hit = np.array([normalise_answer(c) == normalise_answer(h) for c in cats], dtype=bool)
        is_header = np.append(hit, False)[codes]
        same += is_header
        other |= (codes >= 0) & ~is_header
    return (same >= 2) & ~other


def totals_rows(cols: list[pd.Series]) -> list[int]:
    """Positions of totals rows at the bottom of the table ("Total", "Grand total: 25", "Average").

    Looks at the last three rows, from the bottom up, and stops at the first
    that is not one; a totals row's first non-blank cell says so.
    """
    n = len(cols[0]) if cols else 0
    found = []
    for i in range(n - 1, max(n - 4, -1), -1):
        first = next((c for c in _row_texts(cols, i) if c is not None), None)
        if first is None or not _TOTALS.match(first):
            break
        found.append(i)
    return sorted(found)
