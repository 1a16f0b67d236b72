"""Read one worksheet of an XLSX workbook as text cells, keeping Excel's row numbers.

Workbooks are read with python-calamine (a Rust reader; pandas' ``calamine``
engine uses it), about ten times faster than openpyxl. Every cell becomes the
text :func:`cell_text` gives: dates as ISO text, whole numbers without ``.0``,
booleans as ``TRUE``/``FALSE``. Two things calamine does not say are taken
from the sheet's XML in one streaming pass:

- Excel error values (``#N/A``, ``#REF!``): calamine reads them as blank cells;
  they are put back, so that :mod:`.raw_table` counts them as before;
- the last row element: a formatted but empty row below the data is a blank
  row, counted and left out like the others.

An old Excel workbook (``.xls``, BIFF8 in a Compound File, as SIMS still exports) is
read by python-calamine too (:func:`read_xls`), with the same cell texts and row
numbers; it has no XML to scan for error values, which calamine reads as blank.

A workbook whose package has no ``xl/workbook.xml`` (a renamed Word or
OpenDocument file, or a workbook part stored elsewhere, which calamine cannot
find) is read with openpyxl, which finds a moved part and otherwise says what
is missing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from slc_research.data.reading.raw_table import (
    HeaderJoin,
    RawTable,
    check_headers,
    header_from_rows,
    tidy_table,
)
from slc_research.data.reading.read_csv import EXPORT_AGAIN
from slc_research.data.reading.zip_limits import check_zip
from slc_research.data.spec import normalise_answer
from slc_research.errors import DataError

__all__ = ["OLE_MAGIC", "cell_text", "read_xls", "read_xlsx", "sheet_names"]

#: The first bytes of a Compound File: an old Excel ``.xls`` (or another Office 97 file).
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_WORKBOOK = "xl/workbook.xml"
_CHUNK = 1 << 20
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b([^>]*)>")
_R_ATTR = re.compile(rb"""\br\s*=\s*["']([0-9]+)["']""")
_ERROR_TYPE = re.compile(rb"""\bt\s*=\s*["']e["']""")
_CELL_REF = re.compile(r"([A-Za-z]{1,3})([0-9]+)")


def cell_text(v: object) -> str | None:
    """The text of one cell value as a workbook reader gives it (blank: None).

    Dates become ISO text (``2025-09-01``; with the time when it is not
    midnight, to the second), times ``08:45:00``, booleans ``TRUE``/``FALSE``,
    whole numbers below 2**53 their digits (no ``.0``), other numbers up to 15
    significant digits. Empty text is blank.
    """
    if v is None:
        return None
    if isinstance(v, str):
        return v or None
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
        if v.is_integer() and abs(v) < 2**53:
            return str(int(v))
        return format(v, ".15g")
    return str(v)


def sheet_names(path: str | Path) -> list[str]:
    """The sheet names of a workbook, in workbook order.

    Empty when ``path`` is not a readable workbook, or expands past the limits of
    :mod:`.zip_limits` (reading it then says why).
    """
    import python_calamine

    with open(path, "rb") as handle:
        head = handle.read(8)
        if head == OLE_MAGIC:
            try:
                with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
                    return list(book.sheet_names)
            except (python_calamine.CalamineError, OSError):
                return []
        if head[:4] != b"PK\x03\x04":
            return []
        try:
            check_zip(handle, str(path))
        except DataError:
            return []
        handle.seek(0)
        try:
            with python_calamine.CalamineWorkbook.from_filelike(handle) as book:
                return list(book.sheet_names)
        except (python_calamine.CalamineError, OSError):
            return []


def read_xlsx(path: Path, label: str, sheet: str | None, header_rows: int,
              join: HeaderJoin | None) -> RawTable:
    """Read a worksheet of the workbook at ``path`` (see :func:`.readers.read_raw`).

    A workbook that expands past the limits of :mod:`.zip_limits` (a "zip bomb") is refused
    before any reader unpacks it.
    """
    import python_calamine

    try:
        package = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _unreadable(label, exc) from None
    with package, open(path, "rb") as handle:
        check_zip(handle, label)
        handle.seek(0)
        if not _has(package, _WORKBOOK):
            return _read_with_openpyxl(handle, label, sheet, header_rows, join)
        try:
            book = python_calamine.CalamineWorkbook.from_filelike(handle)
        except (python_calamine.CalamineError, OSError) as exc:
            raise _unreadable(label, exc) from None
        with book:
            names = list(book.sheet_names)
            chosen, notes = _choose_sheet(names, sheet, label)
            try:
                grid = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
            except python_calamine.WorksheetNotFound:
                raise _unreadable(label, f"sheet {chosen!r} is missing from it") from None
            except python_calamine.CalamineError as exc:
                raise _unreadable(label, exc) from None
        part = _sheet_part(package, chosen)
        if part is not None:
            last_row, errors = _scan_sheet(package, part)
            if len(grid) < last_row:
                grid += [[] for _ in range(last_row - len(grid))]
            for (r, c), text in errors.items():
                row = grid[r]
                if len(row) <= c:
                    row += [None] * (c + 1 - len(row))
                row[c] = text
    return _table(iter(grid), label, chosen, names, notes, header_rows, join)


def read_xls(path: Path, label: str, sheet: str | None, header_rows: int,
             join: HeaderJoin | None) -> RawTable:
    """Read a worksheet of an old Excel ``.xls`` workbook (see :func:`.readers.read_raw`)."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except (python_calamine.CalamineError, OSError) as exc:
        raise DataError.single(label, f"a readable Excel 97-2003 (.xls) workbook ({exc}); "
                               "open it in Excel and save it as .xlsx (Excel Workbook), or "
                               f"{EXPORT_AGAIN}") from None
    with book:
        names = list(book.sheet_names)
        chosen, notes = _choose_sheet(names, sheet, label)
        try:
            grid = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
        except python_calamine.CalamineError as exc:
            raise _unreadable(label, exc) from None
    notes.append("The file is an old Excel 97-2003 workbook (.xls); read as such.")
    return _table(iter(grid), label, chosen, names, notes, header_rows, join)


def _unreadable(label: str, exc: Exception | str) -> DataError:
    return DataError.single(label, f"a readable XLSX workbook ({exc}); {EXPORT_AGAIN}")


def _choose_sheet(names: list[str], sheet: str | None, label: str) -> tuple[str, list[str]]:
    """The sheet to read (the first unless ``sheet`` names one, ignoring case) and the notes."""
    if not names:
        raise DataError.single(label, f"a workbook with a sheet, but it has none; {EXPORT_AGAIN}")
    if sheet is None:
        if len(names) == 1:
            return names[0], []
        others = ", ".join(repr(n) for n in names[1:])
        return names[0], [f"The workbook has {len(names)} sheets; the first, {names[0]!r}, was "
                          f"read (not {others}). Set `sheet` in enquiry.toml to choose."]
    matches = [n for n in names if n == sheet] or [
        n for n in names if normalise_answer(n) == normalise_answer(sheet)]
    if not matches:
        listed = ", ".join(repr(n) for n in names)
        raise DataError.single(label, f"a sheet named {sheet!r}; the workbook's sheets are "
                               f"{listed}; correct `sheet` in enquiry.toml", value=sheet)
    return matches[0], []


def _table(rows: Iterator[Sequence[object]], label: str, chosen: str, names: list[str],
           notes: list[str], header_rows: int, join: HeaderJoin | None) -> RawTable:
    """The RawTable of a sheet's rows (cell values as the reader gives them)."""
    top = [[cell_text(c) for c in row] for row in itertools.islice(rows, header_rows)]
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
        cells = _texts(row)
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
    df = pd.DataFrame({f"c{i}": pd.Categorical(col) for i, col in enumerate(columns)})
    df.columns = headers
    rows_at = None if header_rows == 1 else np.arange(n_rows, dtype=np.int64) + header_rows + 1
    return tidy_table(df, label, rows_at, 0, notes, sheet=chosen, sheets=tuple(names),
                      header_cells=header_cells)


def _texts(row: Iterable[object]) -> list[str | None]:
    # text cells (most of them) skip the call: "" -> None, other text as it is
    return [(v or None) if v.__class__ is str else cell_text(v) for v in row]


# ---------------------------------------------------------------------- the sheet's XML


def _has(package: zipfile.ZipFile, name: str) -> bool:
    try:
        package.getinfo(name)
    except KeyError:
        return False
    return True


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _sheet_part(package: zipfile.ZipFile, name: str) -> str | None:
    """The zip entry holding the worksheet ``name`` (None if the package does not say)."""
    try:
        book = ElementTree.fromstring(package.read(_WORKBOOK))
        rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    rid = next((v for el in book.iter() if _local(el.tag) == "sheet" and el.get("name") == name
                for k, v in el.attrib.items() if _local(k) == "id"), None)
    target = next((el.get("Target") for el in rels.iter()
                   if _local(el.tag) == "Relationship" and el.get("Id") == rid), None)
    if rid is None or not target:
        return None
    part = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
    return part if _has(package, part) else None


def _scan_sheet(package: zipfile.ZipFile, part: str) -> tuple[int, dict[tuple[int, int], str]]:
    """The number of the sheet's last row element, and its error cells.

    The error cells map (0-based row, column) to their text. Both are read from the sheet's
    XML as it is unzipped.
    """
    last = 0
    has_errors = False
    carry = b""
    with package.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            buf = carry + chunk
            cut = buf.rfind(b">") + 1
            body, carry = buf[:cut], buf[cut:]
            for m in _ROW_TAG.finditer(body):  # as openpyxl counts: r, else the row after
                r = _R_ATTR.search(m.group(1))
                last = int(r.group(1)) if r else last + 1
            has_errors = has_errors or ((b'"e"' in body or b"'e'" in body)  # quick test first
                                        and _ERROR_TYPE.search(body) is not None)
    return last, (_error_cells(package, part) if has_errors else {})


def _error_cells(package: zipfile.ZipFile, part: str) -> dict[tuple[int, int], str]:
    """Cells of type ``e`` (an Excel error such as ``#N/A``) -> their text."""
    found: dict[tuple[int, int], str] = {}
    row = col = 0
    with package.open(part) as stream:
        for event, el in ElementTree.iterparse(stream, events=("start", "end")):
            tag = _local(el.tag)
            if event == "start":
                if tag == "row":
                    row = int(el.get("r") or row + 1)
                    col = 0
                continue
            if tag == "c":
                ref = _CELL_REF.fullmatch(el.get("r") or "")
                if ref:
                    col = _column_number(ref.group(1))
                    row = int(ref.group(2))
                else:
                    col += 1
                if el.get("t") == "e":
                    value = next((v.text for v in el if _local(v.tag) == "v"), None)
                    if value:
                        found[(row - 1, col - 1)] = value
                el.clear()
            elif tag == "row":
                el.clear()
    return found


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


# ----------------------------------------------------- packages calamine cannot open


def _read_with_openpyxl(handle: BinaryIO, label: str, sheet: str | None, header_rows: int,
                        join: HeaderJoin | None) -> RawTable:
    """The table of a package without ``xl/workbook.xml``, read with openpyxl.

    openpyxl finds a moved workbook part, or says what is missing (a Word or OpenDocument
    file renamed .xlsx).
    """
    import openpyxl

    handle.seek(0)
    try:  # a file object: openpyxl judges a path by its extension
        wb = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _unreadable(label, exc) from None
    try:
        names = list(wb.sheetnames)
        chosen, notes = _choose_sheet(names, sheet, label)
        ws = wb[chosen]
        ws.reset_dimensions()
        return _table(ws.iter_rows(values_only=True), label, chosen, names, notes,
                      header_rows, join)
    finally:
        wb.close()
