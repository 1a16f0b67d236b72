"""Read a raw CSV or XLSX export into text columns, keeping Excel's row numbers.

:func:`read_raw` gives a :class:`~slc_research.data.reading.raw_table.RawTable`: every
column a pandas ``category`` of stripped strings, so that the work on values
(dates, codes, answers) runs once per distinct value and a register of ten
million marks costs little more than reading it. Blank cells are missing.
Entirely blank rows are left out and counted; the others keep the numbers
Excel shows them under (the header is row 1), for messages. A header that
spans several rows (dates over AM/PM, Qualtrics' question texts under its
column names) is read with ``header_rows``; the data then start below it and
keep their Excel row numbers.

CSV files are read with ``pyarrow.csv`` (see :mod:`.read_csv`), XLSX and old
Excel ``.xls`` files with python-calamine (see :mod:`.read_xlsx`): dates become
ISO text and whole numbers lose their ``.0``. A workbook is recognised by its content, whatever
its name. Raw files are only ever opened for reading.
"""

from __future__ import annotations

from pathlib import Path

from slc_research.data.reading.raw_table import HeaderJoin, RawTable, column_letter
from slc_research.data.reading.read_csv import EXPORT_AGAIN, SAMPLE, read_csv
from slc_research.data.reading.read_xlsx import OLE_MAGIC, read_xls, read_xlsx
from slc_research.data.spec import SourceSpec
from slc_research.errors import DataError

__all__ = ["RawTable", "column_letter", "read_raw"]


def read_raw(spec_or_path: SourceSpec | str | Path, *, label: str | None = None,
             sheet: str | None = None, header_rows: int = 1,
             join_header: HeaderJoin | None = None) -> RawTable:
    """Read a raw CSV, XLSX or XLS file as text columns.

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
        non-blank cell from the top (:func:`~slc_research.data.reading.raw_table.first_filled`).
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
        return read_xlsx(path, label, sheet, header_rows, join_header)
    if head.startswith(OLE_MAGIC):
        if _is_encrypted(path, head):
            raise DataError.single(label, "a workbook that opens without a password, but this one "
                                   "is password-protected (encrypted); open it in Excel, then "
                                   "File > Info > Protect Workbook > Encrypt with Password, clear "
                                   "the password and save a copy without it in the workspace "
                                   "(keep the copy as private as the original)")
        return read_xls(path, label, sheet, header_rows, join_header)
    if path.suffix.lower() in (".xls", ".xlsx", ".xlsm") and head.lstrip(
            b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        raise DataError.single(label, "an Excel workbook, but this file is a web page (HTML) "
                               "saved under an Excel name, as some MIS exports are; open it "
                               "in Excel and save it as .xlsx (Excel Workbook), or export it "
                               "again as CSV")
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
