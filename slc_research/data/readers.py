"""Read a raw CSV or XLSX export into text columns, keeping Excel's row numbers.

Every column comes back as a pandas ``category`` of stripped strings, so that
the work on values (dates, codes, answers) runs once per distinct value, and a
register of ten million marks costs little more than reading it. Missing or
blank cells are missing values. Rows that are entirely blank are left out and
counted; the remaining rows keep the numbers Excel shows them under (the
header is row 1), for messages.

CSV files are read with ``pyarrow.csv`` (multi-threaded, every column
dictionary-encoded). The encoding is UTF-8 (with or without a byte-order mark),
UTF-16 with a byte-order mark (Excel's "Unicode text") or, failing UTF-8,
Windows-1252 (Excel's plain "CSV"); the delimiter is a comma, semicolon or tab,
whichever the header line holds most of outside quotes. XLSX files are read
with openpyxl in read-only mode; dates become ISO text and whole numbers lose
their ``.0``. Raw files are only ever opened for reading.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import mmap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from slc_research.data.spec import SourceSpec, normalise_answer
from slc_research.errors import DataError, Problem

__all__ = ["RawTable", "column_letter", "read_raw"]

_SAMPLE = 1 << 20
_BLOCK = 8 << 20
_TEXT = pa.dictionary(pa.int32(), pa.string())
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_EXPORT_AGAIN = "export it again from the MIS or spreadsheet as CSV UTF-8 or XLSX"


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


def read_raw(spec_or_path: SourceSpec | str | Path, *, label: str | None = None,
             sheet: str | None = None) -> RawTable:
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

    Returns
    -------
    RawTable

    Raises
    ------
    DataError
        The file is missing, empty, not a table, has blank or repeated headers,
        rows with the wrong number of values, no data rows, or no such sheet.
    """
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
        head = f.read(_SAMPLE)
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, label, sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError.single(label, "a CSV or XLSX file, but this is an old Excel .xls workbook; "
                               "open it in Excel and save it as .xlsx (Excel Workbook)")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise DataError.single(label, "an Excel workbook, but the file is not one (it may be "
                               f"damaged or renamed); {_EXPORT_AGAIN}")
    return _read_csv(path, label, head)


# ---------------------------------------------------------------------------- CSV


def _detect_encoding(head: bytes, label: str, whole: bool) -> tuple[str, str]:
    """(pyarrow encoding, the text of the sample) from the first bytes of a file."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", codecs.getincrementaldecoder("utf-16")("replace").decode(head, whole)
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    controls = sum(body.count(bytes([b])) for b in (*range(0, 9), 11, 12, *range(14, 32)))
    if b"\x00" in body or controls > max(2, len(body) // 100):
        raise DataError.single(label, "a CSV text file, but it holds binary data (is it a "
                               f"workbook or PDF renamed to .csv?); {_EXPORT_AGAIN}")
    try:
        return "utf8", codecs.getincrementaldecoder("utf-8")().decode(body, whole)
    except UnicodeDecodeError:
        pass
    try:
        return "cp1252", body.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1", body.decode("latin-1")


def _split_header(sample: str, label: str) -> tuple[str, list[str], int]:
    """Delimiter, header cells and number of physical lines of the first record."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    end = len(sample)
    for i, ch in enumerate(sample):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "\r\n":
            end = i
            break
        elif not quoted and ch in counts:
            counts[ch] += 1
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    text = sample[:end]
    cells = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    if not any(c.strip() for c in cells):
        raise DataError.single(label, "a header row in row 1 (the column names), but row 1 is "
                               "blank; delete the rows above the header", row=1)
    return delimiter, [c.strip() for c in cells], text.count("\n") + 1


def _read_csv(path: Path, label: str, head: bytes) -> RawTable:
    whole = len(head) < _SAMPLE
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise DataError.single(label, f"a header row and data rows, but the file is empty; "
                               f"{_EXPORT_AGAIN}")
    encoding, sample = _detect_encoding(head, label, whole)
    delimiter, headers, header_lines = _split_header(sample, label)
    _check_headers(headers, label)
    notes: list[str] = []
    # quotes past the header may hold line breaks; without any, parse in parallel blocks
    has_quotes = encoding == "utf-16" or _quotes_after_header(path, sample, header_lines)
    fallbacks = {"utf8": ["cp1252", "latin-1"], "cp1252": ["latin-1"]}.get(encoding, [])
    for attempt in [encoding, *fallbacks]:
        try:
            table, skipped = _arrow_read(path, label, attempt, delimiter, len(headers),
                                         header_lines, has_quotes)
            break
        except _WrongEncoding:
            continue
    else:
        raise DataError.single(label, f"text in one encoding; {_EXPORT_AGAIN}")
    if attempt in ("cp1252", "latin-1"):
        notes.append("The file is not UTF-8; it was read as Windows-1252 (Excel's plain CSV). "
                     "If accented letters look wrong, save it as 'CSV UTF-8'.")
    df = table.to_pandas()
    del table
    pa.default_memory_pool().release_unused()  # give the reader's buffers back to the system
    df.columns = headers
    rows = None
    if skipped:  # whitespace-only lines that pyarrow could not split: keep Excel's numbering
        n = len(df) + len(skipped)
        keep = np.ones(n, dtype=bool)
        keep[np.asarray(skipped, dtype=np.int64) - 2] = False
        rows = (np.flatnonzero(keep) + 2).astype(np.int64)
    return _finish(df, label, rows, len(skipped), notes, sheet=None)


class _WrongEncoding(Exception):
    """The file does not decode in the encoding tried."""


def _quotes_after_header(path: Path, sample: str, header_lines: int) -> bool:
    """Whether any double quote follows the header (a memory-mapped scan, no copy)."""
    n_header = "\n".join(sample.split("\n", header_lines)[:header_lines]).count('"')
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        pos = -1
        for _ in range(n_header + 1):
            pos = mm.find(b'"', pos + 1)
            if pos < 0:
                return False
    return True


def _arrow_read(path: Path, label: str, encoding: str, delimiter: str, ncols: int,
                header_lines: int, quotes: bool) -> tuple[pa.Table, list[int]]:
    """Read the data rows with pyarrow; returns the table and the rows skipped as blank."""
    names = [f"c{i}" for i in range(ncols)]
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(names, _TEXT), null_values=[""],
                                   strings_can_be_null=True, quoted_strings_can_be_null=True)

    def options(threads: bool, handler=None):
        return dict(
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=header_lines,
                                           use_threads=threads, block_size=_BLOCK,
                                           encoding=encoding),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quotes,
                                             ignore_empty_lines=False,
                                             invalid_row_handler=handler),
            convert_options=convert)

    try:
        return pacsv.read_csv(path, **options(True)), []
    except pa.ArrowInvalid as exc:
        text = str(exc)
        if "UTF8" in text or "decode" in text:
            raise _WrongEncoding from None
        if "columns, got" not in text:
            raise DataError.single(label, "a well-formed CSV file (the reader said: "
                                   f"{_plain(text)}); {_EXPORT_AGAIN}") from None
    except UnicodeDecodeError:
        raise _WrongEncoding from None
    # some rows have the wrong number of values: read again in order to locate them
    blank: list[int] = []
    bad: list[tuple[int, int]] = []

    def handler(row) -> str:
        if row.text.strip(" \t\r\n" + delimiter) == "":
            blank.append(row.number)
        else:
            bad.append((row.number, row.actual_columns))
        return "skip"

    table = pacsv.read_csv(path, **options(False, handler))
    if bad:
        name = _DELIMITERS[delimiter]
        problems = [
            Problem(label, number, None, None,
                    f"{ncols} values, one per column of the header, but the row has {got}; "
                    f"look for a stray {name} or an unclosed quote in it")
            for number, got in bad[:20]]
        raise DataError(problems, total=len(bad))
    return table, blank


def _plain(text: str) -> str:
    return text.replace("CSV parse error: ", "").split("\n")[0][:200]


def _check_headers(headers: list[str], label: str) -> None:
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


# ---------------------------------------------------------------------------- XLSX


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


def _read_xlsx(path: Path, label: str, sheet: str | None) -> RawTable:
    import zipfile

    import openpyxl

    handle = open(path, "rb")  # a file object: openpyxl judges a path by its extension
    try:
        wb = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        handle.close()
        raise DataError.single(label, f"a readable XLSX workbook ({exc}); {_EXPORT_AGAIN}") from None
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
        first = next(rows, None)
        if first is None or all(c is None or str(c).strip() == "" for c in first):
            raise DataError.single(label, "a header row in row 1 (the column names) of sheet "
                                   f"{chosen!r}, but it is blank; delete the rows above the "
                                   "header", row=1)
        headers = [("" if c is None else _cell_text(c).strip()) for c in first]
        while headers and not headers[-1]:
            headers.pop()
        ncols = len(headers)
        _check_headers(headers, label)
        columns: list[list[str | None]] = [[] for _ in range(ncols)]
        stray: list[Problem] = []
        for number, row in enumerate(rows, start=2):
            cells = [_cell_text(v) for v in row]
            if len(cells) > ncols:
                extra = [j for j in range(ncols, len(cells)) if cells[j] and cells[j].strip()]
                if extra:
                    stray.append(Problem(label, number, column_letter(extra[0]), None,
                                         "values only under a header; this cell has none "
                                         "above it: add a header or clear the cell"))
                cells = cells[:ncols]
            cells += [None] * (ncols - len(cells))
            for col, v in zip(columns, cells, strict=True):
                col.append(v)
    finally:
        wb.close()
        handle.close()
    if stray:
        raise DataError(stray[:20], total=len(stray))
    df = pd.DataFrame({f"c{i}": pd.Categorical(col) for i, col in enumerate(columns)})
    df.columns = headers
    return _finish(df, label, None, 0, notes, sheet=chosen)


# ---------------------------------------------------------------------------- common


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


def _finish(df: pd.DataFrame, label: str, rows: np.ndarray | None, blank_lines: int,
            notes: list[str], *, sheet: str | None) -> RawTable:
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
