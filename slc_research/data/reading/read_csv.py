"""Read a CSV export with pyarrow: encoding and delimiter detected, every column text.

The encoding is UTF-8 (with or without a byte-order mark), UTF-16 with a
byte-order mark (Excel's "Unicode text"), or, when the file is not valid UTF-8,
Windows-1252 (Excel's plain "CSV"; Latin-1 as a last resort). The delimiter is
a comma, semicolon or tab, whichever the header line holds most of outside
quotes. The data rows are parsed by ``pyarrow.csv`` in parallel blocks, every
column dictionary-encoded, so a ten-million-row register costs about as much
as pyarrow's own reading of it. Rows with the wrong number of values are
located by a second, single-threaded read, only when there are some.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from slc_research.data.parsing.header_row import shown_cell
from slc_research.data.reading.raw_table import (
    HeaderJoin,
    RawTable,
    check_headers,
    header_from_rows,
    tidy_table,
)
from slc_research.errors import DataError, Problem

__all__ = ["EXPORT_AGAIN", "SAMPLE", "read_csv"]

SAMPLE = 1 << 20
_BLOCK = 8 << 20
_TEXT = pa.dictionary(pa.int32(), pa.string())
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_SEP_LINE = re.compile(r"^sep=([,;\t|])[ \t]*\r?\n", re.I)
EXPORT_AGAIN = "export it again from the MIS or spreadsheet as CSV UTF-8 or XLSX"


def _detect_encoding(head: bytes, label: str, whole: bool) -> tuple[str, str]:
    """(pyarrow encoding, the text of the sample) from the first bytes of a file."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", codecs.getincrementaldecoder("utf-16")("replace").decode(head, whole)
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if body.startswith(b"%PDF"):
        raise DataError.single(label, "a CSV text file, but this is a PDF document (a printed "
                               "report cannot be read); export the data from the MIS or "
                               "spreadsheet as CSV UTF-8 or XLSX instead")
    controls = sum(body.count(bytes([b])) for b in (*range(0, 9), 11, 12, *range(14, 32)))
    if b"\x00" in body or controls > max(2, len(body) // 100):
        raise DataError.single(label, "a CSV text file, but it holds binary data (is it a "
                               f"workbook or PDF renamed to .csv?); {EXPORT_AGAIN}")
    try:
        return "utf8", codecs.getincrementaldecoder("utf-8")().decode(body, whole)
    except UnicodeDecodeError:
        pass
    try:
        return "cp1252", body.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1", body.decode("latin-1")


def _sep_line(sample: str) -> str | None:
    """The delimiter an Excel ``sep=;`` first line names, or None when there is none."""
    m = _SEP_LINE.match(sample.lstrip("\ufeff"))
    return m.group(1) if m else None


def _split_header(sample: str, label: str, forced: str | None = None, rows: int = 1
                  ) -> tuple[str, list[list[str]], int]:
    """Delimiter, the cells of the first ``rows`` records and their number of physical lines.

    The delimiter is judged on the first record (outside quotes).
    """
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    ends = 0
    end = len(sample)
    i = 0
    while i < len(sample):
        ch = sample[i]
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "\r\n":
            ends += 1
            if ends == rows:
                end = i
                break
            if ch == "\r" and sample[i + 1:i + 2] == "\n":
                i += 1
        elif not quoted and not ends and ch in counts:
            counts[ch] += 1
        i += 1
    delimiter = forced or max(counts, key=lambda d: (counts[d], d == ","))
    text = sample[:end]
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))[:rows]
    if not any(c.strip() for r in records for c in r):
        raise DataError.single(label, "a header row in row 1 (the column names), but row 1 is "
                               "blank; delete the rows above the header", row=1)
    return delimiter, records, text.count("\n") + 1


def read_csv(path: Path, label: str, head: bytes, *, header_rows: int = 1,
             join: HeaderJoin | None = None) -> RawTable:
    """Read the CSV file at ``path`` whose first bytes (up to 1 MiB) are ``head``.

    The header is the first ``header_rows`` records, made into one name per
    column by ``join`` (see :func:`~slc_research.data.reading.readers.read_raw`).
    """
    whole = len(head) < SAMPLE
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise DataError.single(label, f"a header row and data rows, but the file is empty; "
                               f"{EXPORT_AGAIN}")
    encoding, sample = _detect_encoding(head, label, whole)
    notes: list[str] = []
    sep = _sep_line(sample)
    if sep is not None:  # Excel's "sep=;" line: Excel hides it, so the header is row 1
        sample = sample.lstrip("\ufeff").split("\n", 1)[1] if "\n" in sample else ""
        notes.append(f"The first line 'sep={sep}' (written by Excel to name the delimiter) "
                     "was skipped.")
    delimiter, records, header_lines = _split_header(sample, label, sep, header_rows)
    headers, header_cells = header_from_rows(records, join)
    if len(headers) == 1 and header_rows == 1:
        _refuse_title_line(sample, headers[0], header_lines, label)
    check_headers(headers, label)
    if delimiter != ",":
        notes.append(f"Values are separated by {_DELIMITERS[delimiter]}s, not commas; read "
                     "as such.")
    # quotes past the header may hold line breaks; without any, parse in parallel blocks
    has_quotes = encoding == "utf-16" or _quotes_after_header(path, sample, header_lines)
    if sep is not None:
        header_lines += 1
    fallbacks = {"utf8": ["cp1252", "latin-1"], "cp1252": ["latin-1"]}.get(encoding, [])
    for attempt in [encoding, *fallbacks]:
        try:
            table, skipped = _arrow_read(path, label, attempt, delimiter, len(headers),
                                         header_lines, has_quotes)
            break
        except _WrongEncoding:
            continue
    else:
        raise DataError.single(label, f"text in one encoding; {EXPORT_AGAIN}")
    if attempt == "utf-16":
        notes.append("The file is UTF-16 text (Excel's 'Unicode Text'); read as such.")
    if attempt in ("cp1252", "latin-1"):
        notes.append("The file is not UTF-8; it was read as Windows-1252 (Excel's plain CSV). "
                     "If accented letters look wrong, save it as 'CSV UTF-8'.")
    df = table.to_pandas()
    del table
    pa.default_memory_pool().release_unused()  # give the reader's buffers back to the system
    df.columns = headers
    first = header_rows + 1  # the Excel row of the first data row
    rows = None if header_rows == 1 else np.arange(len(df), dtype=np.int64) + first
    if skipped:  # whitespace-only lines that pyarrow could not split: keep Excel's numbering
        n = len(df) + len(skipped)
        keep = np.ones(n, dtype=bool)
        keep[np.asarray(skipped, dtype=np.int64) - first] = False
        rows = (np.flatnonzero(keep) + first).astype(np.int64)
    return tidy_table(df, label, rows, len(skipped), notes, sheet=None,
                      header_cells=header_cells)


def _refuse_title_line(sample: str, first: str, header_lines: int, label: str) -> None:
    """Raise when row 1 is one value (a report title) over rows of several values."""
    lines = [ln for ln in sample.splitlines()[header_lines:header_lines + 12] if ln.strip(" ,;\t")]
    if not lines:
        return
    widths = {max(len(next(csv.reader([ln], delimiter=d), [])) for d in _DELIMITERS)
              for ln in lines[:5]}  # quoted commas in a one-column file do not count
    if min(widths) < 2:
        return
    at = sample.splitlines().index(lines[0]) + 1
    raise DataError.single(label, f"the column names in row 1, but row 1 holds one value "
                           f"({shown_cell(first[:60])}) and the rows below hold {min(widths)} or more: if "
                           f"it is a report title, delete row 1 (and any rows down to row "
                           f"{at}, where the column names seem to start) and save the file",
                           row=1)


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
                                   f"{_plain(text)}); {EXPORT_AGAIN}") from None
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


