"""Read a raw CSV or XLSX export into text columns, keeping Excel's row numbers.

:func:`read_raw` gives a :class:`~slc_research.data.raw_table.RawTable`: every
column a pandas ``category`` of stripped strings, so that the work on values
(dates, codes, answers) runs once per distinct value and a register of ten
million marks costs little more than reading it. Blank cells are missing.
Entirely blank rows are left out and counted; the others keep the numbers
Excel shows them under (the header is row 1), for messages. A header that
spans several rows (dates over AM/PM, Qualtrics' question texts under its
column names) is read with ``header_rows``; the data then start below it and
keep their Excel row numbers.

CSV files are read with ``pyarrow.csv`` (see :mod:`.read_csv`). XLSX files
are read with openpyxl in read-only mode; dates become ISO text and whole
numbers lose their ``.0``. A workbook is recognised by its content, whatever
its name. Raw files are only ever opened for reading.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from slc_research.data.raw_table import (
    HeaderJoin,
    RawTable,
    check_headers,
    column_letter,
    header_from_rows,
    tidy_table,
)
from slc_research.data.read_csv import EXPORT_AGAIN, SAMPLE, read_csv
from slc_research.data.spec import SourceSpec, normalise_answer
from slc_research.errors import DataError

__all__ = ["RawTable", "column_letter", "read_raw"]


def read_raw(spec_or_path: SourceSpec | str | Path, *, label: str | None = None,
             sheet: str | None = None, header_rows: int = 1,
             join_header: HeaderJoin | None = None) -> RawTable:
    """Read a raw CSV or XLSX file as text columns.

    Parameters
    ----------
    spec_or_path : SourceSpec or path
        The manifest entry (its ``path``, ``label`` and ``sheet`` are used) or a file path.
    label : str, optional
        The path as the manifest writes it, for messages; default the spec's label
        or the path itself.
    sheet : str, optional
        For a workbook, the sheet to read; default the spec's sheet, else the first.
    header_rows : int, default 1
        How many rows, from row 1, the header spans. The data start in row
        ``header_rows + 1`` and keep their Excel row numbers; with more than one
        row, the table's ``header_cells`` give each column's cells in those rows.
    join_header : callable, optional
        Makes one name per column from the header rows (a list of rows, each a
        list of stripped cells, blank = None); default: each column's first
        non-blank cell from the top (:func:`~slc_research.data.raw_table.first_filled`).
        It may raise to say the rows are not a header of the shape it reads.

    Returns
    -------
    RawTable

    Examples
    --------
    A register whose dates (row 1) stand over AM/PM (row 2)::

        raw = read_raw("raw/register.xlsx", header_rows=2,
                       join_header=lambda rows: [f"{t} {b}" for t, b in zip(*rows)])
        raw.excel_rows()[0]      # 3: the first pupil's row in Excel

    Raises
    ------
    DataError
        The file is missing, empty, not a table, has blank or repeated headers,
        rows with the wrong number of values, no data rows, or no such sheet.
    """
    if header_rows < 1:
        raise ValueError(f"header_rows is 1 or more, not {header_rows}")
    if isinstance(spec_or_path, SourceSpec):
        path = Path(spec_or_path.path)
        label = label or spec_or_path.label
        sheet = sheet if sheet is not None else spec_or_path.sheet
    else:
        path = Path(spec_or_path)
        label = label or str(spec_or_path)
    if not path.is_file():
        raise DataError.single(label, "a file at this path; check `path` in enquiry.toml "
                               "(it is relative to the workspace folder)")
    with open(path, "rb") as f:
        head = f.read(SAMPLE)
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, label, sheet, header_rows, join_header)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if _is_encrypted(path, head):
            raise DataError.single(label, "a workbook that opens without a password, but this one "
                                   "is password-protected (encrypted); open it in Excel, then "
                                   "File > Info > Protect Workbook > Encrypt with Password, clear "
                                   "the password and save a copy without it in the workspace "
                                   "(keep the copy as private as the original)")
        raise DataError.single(label, "a CSV or XLSX file, but this is an old Excel .xls workbook; "
                               "open it in Excel and save it as .xlsx (Excel Workbook)")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise DataError.single(label, "an Excel workbook, but the file is not one (it may be "
                               f"damaged or renamed); {EXPORT_AGAIN}")
    return read_csv(path, label, head, header_rows=header_rows, join=join_header)


# ---------------------------------------------------------------------------- XLSX


def _is_encrypted(path: Path, head: bytes) -> bool:
    """Whether a Compound File (OLE) is an Office document encrypted with a password.

    Excel saves a password-protected workbook as a Compound File holding the
    streams ``EncryptionInfo`` and ``EncryptedPackage``; their names are stored
    in UTF-16 in the file's directory.
    """
    marker = "EncryptedPackage".encode("utf-16-le")
    if marker in head:
        return True
    import mmap

    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return mm.find(marker) >= 0


def _cell_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        if v.hour == v.minute == v.second == v.microsecond == 0:
            return v.date().isoformat()
        return v.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.replace(microsecond=0).isoformat()
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return format(v, ".15g")
    return str(v)


def _read_xlsx(path: Path, label: str, sheet: str | None, header_rows: int,
               join: HeaderJoin | None) -> RawTable:
    import zipfile

    import openpyxl

    handle = open(path, "rb")  # a file object: openpyxl judges a path by its extension
    try:
        wb = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        handle.close()
        raise DataError.single(label, f"a readable XLSX workbook ({exc}); {EXPORT_AGAIN}") from None
    notes: list[str] = []
    try:
        names = list(wb.sheetnames)
        if sheet is None:
            chosen = names[0]
            if len(names) > 1:
                others = ", ".join(repr(n) for n in names[1:])
                notes.append(f"The workbook has {len(names)} sheets; the first, {chosen!r}, was "
                             f"read (not {others}). Set `sheet` in enquiry.toml to choose.")
        else:
            matches = [n for n in names if n == sheet] or [
                n for n in names if normalise_answer(n) == normalise_answer(sheet)]
            if not matches:
                listed = ", ".join(repr(n) for n in names)
                raise DataError.single(label, f"a sheet named {sheet!r}; the workbook's sheets are "
                                       f"{listed}; correct `sheet` in enquiry.toml", value=sheet)
            chosen = matches[0]
        ws = wb[chosen]
        ws.reset_dimensions()
        rows = ws.iter_rows(values_only=True)
        top = [[_cell_text(c) for c in row] for row in itertools.islice(rows, header_rows)]
        if not top or all(c is None or c.strip() == "" for r in top for c in r):
            raise DataError.single(label, "a header row in row 1 (the column names) of sheet "
                                   f"{chosen!r}, but it is blank; delete the rows above the "
                                   "header", row=1)
        headers, header_cells = header_from_rows(top, join)
        while headers and not headers[-1]:
            headers.pop()
        ncols = len(headers)
        check_headers(headers, label)
        columns: list[list[str | None]] = [[] for _ in range(ncols)]
        n_rows = 0
        for row in rows:
            cells = [_cell_text(v) for v in row]
            if len(cells) > ncols:
                last = max((j for j in range(ncols, len(cells))
                            if cells[j] and cells[j].strip()), default=None)
                if last is not None:  # values beyond the named columns: judged by tidy_table
                    columns += [[None] * n_rows for _ in range(last + 1 - ncols)]
                    headers += [""] * (last + 1 - ncols)
                    ncols = last + 1
                cells = cells[:ncols]
            cells += [None] * (ncols - len(cells))
            for col, v in zip(columns, cells, strict=True):
                col.append(v)
            n_rows += 1
    finally:
        wb.close()
        handle.close()
    df = pd.DataFrame({f"c{i}": pd.Categorical(col) for i, col in enumerate(columns)})
    df.columns = headers
    rows_at = None if header_rows == 1 else np.arange(n_rows, dtype=np.int64) + header_rows + 1
    return tidy_table(df, label, rows_at, 0, notes, sheet=chosen, sheets=tuple(names),
                      header_cells=header_cells)
