"""python-calamine reads every kind of cell as openpyxl did (the reader before it).

The workbook holds one column per kind of cell (dates, datetimes, times,
durations, whole and decimal numbers, booleans, Excel errors, blanks, unicode
and spaced text), written by openpyxl (inline strings; dates as serial numbers
or as ISO text, ``t="d"``) and by xlsxwriter (shared strings and error values
of formulas, as Excel saves them).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
import python_calamine
import xlsxwriter
from openpyxl.styles import Font

from slc_research.data.reading.read_xlsx import _read_with_openpyxl, cell_text, read_xlsx
from slc_research.data.reading.readers import read_raw
from slc_research.errors import DataError

ERRORS = ["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"]
COLUMNS: dict[str, list[object]] = {
    "date": [dt.date(2025, 9, 1), dt.date(1900, 3, 1), dt.date(2099, 12, 31), dt.date(2024, 2, 29)],
    "datetime": [dt.datetime(2025, 9, 1, 8, 45, 30), dt.datetime(2025, 9, 1),
                 dt.datetime(2025, 9, 1, 12, 29, 59, 999_999), dt.datetime(2026, 1, 5, 23, 59, 59)],
    "time": [dt.time(8, 45), dt.time(23, 59, 59), dt.time(0, 0, 1), dt.time(12, 30, 15, 400_000)],
    "duration": [dt.timedelta(hours=26), dt.timedelta(minutes=90), dt.timedelta(0),
                 dt.timedelta(days=3, seconds=1)],
    "int": [0, -3, 123456, 999_999_999_999_999],
    "float": [2.5, 0.1 + 0.2, 1 / 3, -1e-7],
    # whole numbers are exact below 2**53; above it openpyxl kept an integer's digits from the
    # XML and calamine has a float, so the two cannot agree there (and no real id is that long)
    "big": [1e20, 2.0**52 + 2, 1234567890123456, -4.0],
    "bool": [True, False, True, None],
    "error": ERRORS[:4],
    "error2": [*ERRORS[4:], None],
    "blank": [None, None, "", None],
    "unicode": ["Zoë", "日本語 ✓", "Siân O’Neill", "emoji 🙂"],
    "text": [" spaced ", "0123", "1.0", "TRUE"],
}


def _workbook(writer: str) -> bytes:
    buf = io.BytesIO()
    if writer == "xlsxwriter":
        _xlsxwriter_workbook(buf)
        return buf.getvalue()
    wb = openpyxl.Workbook(iso_dates=writer == "openpyxl-iso-dates")
    ws = wb.active
    ws.title = "Cells"
    ws.append(list(COLUMNS))
    for values in zip(*COLUMNS.values(), strict=True):
        ws.append(list(values))
    ws.cell(row=7, column=3, value="after a blank row")
    for r in range(8, 12):  # formatted but empty rows below the data
        ws.cell(row=r, column=2).font = Font(bold=True)
    other = wb.create_sheet("Second")
    other.append(["x"])
    other.append([1])
    wb.save(buf)
    return buf.getvalue()


def _xlsxwriter_workbook(buf: io.BytesIO) -> None:
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    fmt = {dt.datetime: book.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"}),
           dt.date: book.add_format({"num_format": "d mmm yyyy"}),
           dt.time: book.add_format({"num_format": "hh:mm:ss"}),
           dt.timedelta: book.add_format({"num_format": "[h]:mm:ss"})}
    ws = book.add_worksheet("Cells")
    ws.write_row(0, 0, list(COLUMNS))
    for c, values in enumerate(COLUMNS.values()):
        for r, v in enumerate(values, start=1):
            if v is None:
                continue
            if v in ERRORS:
                ws.write_formula(r, c, "=1/0", None, v)  # a formula whose cached value is v
            elif isinstance(v, dt.date | dt.time | dt.timedelta):
                ws.write_datetime(r, c, v, fmt[type(v)])
            else:
                ws.write(r, c, v)
    ws.write_string(6, 2, "after a blank row")
    bold = book.add_format({"bold": True})
    for r in range(7, 11):
        ws.write_blank(r, 1, None, bold)
    book.add_worksheet("Second").write_column(0, 0, ["x", 1])
    book.close()


VARIANTS = pytest.mark.parametrize("writer", ["openpyxl", "openpyxl-iso-dates", "xlsxwriter"])


@VARIANTS
def test_each_cell_has_the_same_text_in_calamine_and_openpyxl(writer):
    data = _workbook(writer)
    ws = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)["Cells"]
    ws.reset_dimensions()
    by_openpyxl = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    by_calamine = [[cell_text(v) for v in row]
                   for row in book.get_sheet_by_name("Cells").to_python(skip_empty_area=False)]
    error_cells = 0
    for r, row in enumerate(by_openpyxl):
        for c, text in enumerate(row):
            theirs = by_calamine[r][c] if r < len(by_calamine) and c < len(by_calamine[r]) else None
            if text in ERRORS:  # calamine reads errors as blank: read_xlsx puts them back
                assert theirs is None
                error_cells += 1
            else:
                assert theirs == text, (r + 1, c + 1)
    assert error_cells == len(ERRORS)
    assert by_openpyxl[1][:5] == ["2025-09-01", "2025-09-01 08:45:30", "08:45:00",
                                  "1 day, 2:00:00", "0"]
    assert [row[6] for row in by_openpyxl[1:5]] == ["1e+20", "4503599627370498",
                                                    "1234567890123456", "-4"]


@VARIANTS
def test_read_raw_gives_the_table_openpyxl_gave(tmp_path, writer):
    path = tmp_path / "cells.xlsx"
    path.write_bytes(_workbook(writer))
    ours = read_raw(path, label="cells.xlsx")
    with open(path, "rb") as handle:
        before = _read_with_openpyxl(handle, "cells.xlsx", None, 1, None)
    pd.testing.assert_frame_equal(ours.data, before.data)
    np.testing.assert_array_equal(ours.excel_rows(), before.excel_rows())
    assert ours.excel_errors == before.excel_errors == {"error": 4, "error2": 3}
    assert ours.blank_rows == before.blank_rows == 5  # row 6 and the formatted rows 8-11
    assert (ours.notes, ours.sheet, ours.sheets, ours.trimmed) == (
        before.notes, before.sheet, before.sheets, before.trimmed)
    assert ours.data["text"].iloc[0] == "spaced"
    assert ours.trimmed == {"text": 1}


def test_errors_are_found_with_a_namespace_prefix_and_without_cell_references(tmp_path):
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="http://schemas.'
             b'openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
             b'<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>UPN</x:t></x:is></x:c>'
             b'<x:c r="B1" t="inlineStr"><x:is><x:t>Score</x:t></x:is></x:c></x:row>'
             b'<x:row><x:c t="inlineStr"><x:is><x:t>T1</x:t></x:is></x:c>'
             b"<x:c t='e'><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c></x:row>"
             b'<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:t>T2</x:t></x:is></x:c>'
             b'<x:c r="B3"><x:v>4</x:v></x:c></x:row><x:row r="9"/>'
             b"</x:sheetData></x:worksheet>")
    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    with zipfile.ZipFile(buf) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    parts["xl/worksheets/sheet1.xml"] = sheet
    path = tmp_path / "prefixed.xlsx"
    with zipfile.ZipFile(path, "w") as dst:
        for name, content in parts.items():
            dst.writestr(name, content)
    raw = read_xlsx(path, "prefixed.xlsx", None, 1, None)
    assert raw.excel_errors == {"Score": 1}
    assert raw.data["Score"].tolist()[1] == "4"
    assert raw.blank_rows == 6  # rows 4-9: the last row element is row 9


def test_a_renamed_document_and_a_missing_sheet_part_say_the_workbook_is_unreadable(tmp_path):
    docx = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"/>')
        zf.writestr("word/document.xml", "<w/>")
    with pytest.raises(DataError, match=r"readable XLSX workbook \(File contains no valid "
                       "workbook part\\); export it again"):
        read_raw(docx)
    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    gutted = tmp_path / "gutted.xlsx"
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(gutted, "w") as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, src.read(info))
    with pytest.raises(DataError, match="readable XLSX workbook \\(sheet 'Sheet' is missing"):
        read_raw(gutted)
