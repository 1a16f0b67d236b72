r"""Spreadsheet cells that cannot run as formulas: the one guard for every CSV and XLSX export.

A text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return, which some spreadsheets skip before reading a formula) is run as a
formula when the file is opened in Excel, LibreOffice or Google Sheets: a
reflection typed as ``=HYPERLINK("http://...", "Click")`` or
``-2+3+cmd|' /C calc'!A0`` becomes a live link or command in a governor's
spreadsheet ("CSV injection", OWASP). Every CSV or XLSX file the workbench
writes for people to open goes through :func:`safe_cell`, which puts an
apostrophe in front of such text: the spreadsheet then shows the text as it
was typed (the apostrophe itself is hidden by Excel) and runs nothing.

Numbers are left alone (a real ``-0.25`` stays a number), and so is text that
is just a number (``"-3"``, ``"+1.5"``): it cannot hold a formula.

Raw files are never rewritten, and working files that the workbench reads
back itself (the coder's own files) are not exports.

>>> safe_cell('=HYPERLINK("http://x")')
'\'=HYPERLINK("http://x")'
>>> safe_cell("-0.25"), safe_cell(-0.25), safe_cell("We planned it")
('-0.25', -0.25, 'We planned it')
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "csv_text", "safe_cell", "safe_frame", "xlsx_bytes"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")


def safe_cell(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell.

    Parameters
    ----------
    value : object
        A cell's value. None and missing values become ``""``.

    Returns
    -------
    object
        Text that a spreadsheet would run as a formula, with ``'`` in front;
        anything else unchanged.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(
            value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and column name) passed through :func:`safe_cell`.

    Number, date and boolean columns are kept as they are.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s) or isinstance(
                s.dtype, pd.CategoricalDtype):
            out[col] = s.astype(object).map(
                lambda v: safe_cell(v) if isinstance(v, str) else v)
    out.columns = [safe_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def csv_text(rows: pd.DataFrame | Iterable[Mapping[str, Any] | Sequence[Any]], *,
             columns: Sequence[str] | None = None) -> str:
    r"""CSV text (UTF-8, ``\n`` line ends, header first) with every cell made safe.

    Parameters
    ----------
    rows : DataFrame, or iterable of dicts or of sequences
        The table. Dicts are read by ``columns``; sequences are written as they
        stand (with ``columns`` as the header when given).
    columns : list of str, optional
        The header; default the frame's columns or the first dict's keys.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if isinstance(rows, pd.DataFrame):
        columns = list(rows.columns) if columns is None else list(columns)
        body: Iterable[Sequence[Any]] = rows[columns].itertuples(index=False, name=None)
    else:
        rows = list(rows)
        if columns is None and rows and isinstance(rows[0], Mapping):
            columns = list(rows[0])
        body = ([r.get(k) for k in columns] if isinstance(r, Mapping) else r for r in rows)
    if columns is not None:
        writer.writerow([safe_cell(c) for c in columns])
    for row in body:
        writer.writerow([safe_cell(_plain(v)) for v in row])
    return buffer.getvalue()


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook with one sheet per frame, every text cell made safe.

    openpyxl stores any text starting with ``=`` as a formula; after
    :func:`safe_cell` none does.

    Parameters
    ----------
    sheets : dict of str to DataFrame
        Sheet name -> table (header row first).
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, frame in sheets.items():
        ws = wb.create_sheet(str(title)[:31])
        ws.append([safe_cell(str(c)) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            ws.append([safe_cell(_plain(v)) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    """Missing values as None; numpy scalars as Python ones (for openpyxl)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value
