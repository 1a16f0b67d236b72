"""Reading raw CSV and XLSX files as text with Excel row numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from slc_research.data.reading.readers import column_letter, read_raw
from slc_research.errors import DataError


def _values(raw, header):
    return raw.data[header].astype("string").tolist()


# -- encodings and delimiters ---------------------------------------------------


@pytest.mark.parametrize(("encoding", "prefix"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"),
                                                  ("cp1252", b""), ("utf-16", b"")])
def test_csv_encodings_are_detected(write, encoding, prefix):
    text = "UPN,Name,Note\nA1,Zoë,café £5\nA2,Siân,naïve\n"
    path = write("raw/roster.csv", prefix + text.encode(encoding))
    raw = read_raw(path, label="raw/roster.csv")
    assert raw.headers == ["UPN", "Name", "Note"]  # no BOM left on the first header
    assert _values(raw, "Name") == ["Zoë", "Siân"]
    assert _values(raw, "Note") == ["café £5", "naïve"]
    assert any("Windows-1252" in n for n in raw.notes) == (encoding == "cp1252")


def test_cp1252_deep_in_a_large_file_is_detected(write):
    rows = "".join(f"A{i},ok\n" for i in range(120_000))  # well beyond the 1 MiB sample
    path = write("raw/big.csv", ("UPN,Note\n" + rows + "A-last,£10\n").encode("cp1252"))
    raw = read_raw(path, label="raw/big.csv")
    assert _values(raw, "Note")[-1] == "£10"
    assert len(raw) == 120_001


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed_from_the_header(write, delimiter):
    text = delimiter.join(["UPN", '"Comment, with comma; and semicolon"', "Year"]) + "\n"
    text += delimiter.join(["A1", '"a, b; c"', "7"]) + "\n"
    raw = read_raw(write("raw/x.csv", text), label="raw/x.csv")
    assert raw.headers == ["UPN", "Comment, with comma; and semicolon", "Year"]
    assert _values(raw, "Comment, with comma; and semicolon") == ["a, b; c"]
    assert _values(raw, "Year") == ["7"]


def test_quoted_line_breaks_keep_excel_row_numbers(write):
    text = 'UPN,Comment\nA1,"two\nlines"\nA2,plain\n'
    raw = read_raw(write("raw/x.csv", text), label="raw/x.csv")
    assert _values(raw, "Comment") == ["two\nlines", "plain"]
    assert raw.excel_rows().tolist() == [2, 3]


def test_blank_rows_are_dropped_and_numbering_kept(write):
    text = "UPN,Year\r\nA1,7\r\n,\r\n\r\n  ,  \r\nA2,8\r\n,,\r\n".replace(",,", ",")
    raw = read_raw(write("raw/x.csv", text), label="raw/x.csv")
    assert _values(raw, "UPN") == ["A1", "A2"]
    assert raw.excel_rows().tolist() == [2, 6]
    assert raw.blank_rows == 4
    assert "4 blank rows left out." in raw.notes


def test_whitespace_only_line_keeps_numbering(write):
    raw = read_raw(write("raw/x.csv", "UPN,Year\nA1,7\n   \nA2,8\n"), label="raw/x.csv")
    assert raw.excel_rows().tolist() == [2, 4]
    assert raw.blank_rows == 1


def test_values_and_headers_are_trimmed_and_counted(write):
    raw = read_raw(write("raw/x.csv", " UPN , Year \n A1 ,7\nA2, 7 \nA3,7\n"), label="raw/x.csv")
    assert raw.headers == ["UPN", "Year"]
    assert _values(raw, "UPN") == ["A1", "A2", "A3"]
    assert raw.data["Year"].cat.categories.tolist() == ["7"]  # " 7 " and "7" merged
    assert raw.trimmed == {"UPN": 1, "Year": 1}


def test_blank_header_over_an_empty_column_is_ignored(write):
    raw = read_raw(write("raw/x.csv", "UPN,,Year,\nA1,,7,\n"), label="raw/x.csv")
    assert raw.headers == ["UPN", "Year"]


def test_column_letters():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "ZZ", "AAA"]


# -- broken CSV files -------------------------------------------------------------


def test_duplicate_headers(write):
    path = write("raw/roster.csv", "UPN,Year,upn \nA1,7,A1\n")
    with pytest.raises(DataError, match=r"raw/roster.csv, row 1, column 'upn': .*columns A and C"):
        read_raw(path, label="raw/roster.csv")


def test_blank_header_with_values(write):
    path = write("raw/roster.csv", "UPN,,Year\nA1,,7\nA2,x,8\n")
    with pytest.raises(DataError, match=r"raw/roster.csv, row 1, column 'B'.*first value is in row 3"):
        read_raw(path, label="raw/roster.csv")


def test_header_only(write):
    with pytest.raises(DataError, match=r"raw/roster.csv: .*no.*data row|data row.*has none"):
        read_raw(write("raw/roster.csv", "UPN,Year\n"), label="raw/roster.csv")


def test_header_and_blank_rows_only(write):
    with pytest.raises(DataError, match="has none"):
        read_raw(write("raw/roster.csv", "UPN,Year\n,\n,\n"), label="raw/roster.csv")


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  "])
def test_empty_file(write, content):
    with pytest.raises(DataError, match=r"raw/roster.csv: .*the file is empty"):
        read_raw(write("raw/roster.csv", content), label="raw/roster.csv")


def test_binary_junk(write):
    junk = bytes(range(256)) * 20
    with pytest.raises(DataError, match=r"raw/roster.csv: .*binary data"):
        read_raw(write("raw/roster.csv", junk), label="raw/roster.csv")


def test_damaged_old_xls_workbook(write):
    path = write("raw/roster.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(DataError, match=r"readable Excel 97-2003 \(\.xls\) workbook.*save it "
                                        r"as \.xlsx"):
        read_raw(path, label="raw/roster.xls")


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"raw/nope.csv: .*check `path`"):
        read_raw(tmp_path / "nope.csv", label="raw/nope.csv")


def test_wrong_column_counts_are_all_reported(write):
    text = "UPN,Year\nA1,7\nA2,8,9\nA3,7\n\nA4\nA5,7\n"
    with pytest.raises(DataError) as info:
        read_raw(write("raw/roster.csv", text), label="raw/roster.csv")
    err = info.value
    assert [(p.row, p.column) for p in err.problems] == [(3, None), (6, None)]
    assert err.total == 2
    assert "raw/roster.csv, row 3: expected 2 values" in str(err)
    assert "has 3" in str(err)
    assert "has 1" in str(err)


def test_header_row_blank(write):
    with pytest.raises(DataError, match=r"raw/x.csv, row 1: .*row 1 is blank"):
        read_raw(write("raw/x.csv", ",,\nA1,7,8\n"), label="raw/x.csv")


# -- XLSX ---------------------------------------------------------------------------


def test_xlsx_values_become_text(write_xlsx):
    path = write_xlsx("raw/roster.xlsx", {"Pupils": [
        ["UPN", "Year", "Joined", "Score", "PP", "Stamp"],
        ["A1", 7.0, dt.datetime(2025, 9, 1), 12.5, True, dt.datetime(2025, 9, 1, 8, 30)],
        [" A2 ", 8, dt.date(2025, 9, 2), 3, False, None],
    ]})
    raw = read_raw(path, label="raw/roster.xlsx")
    assert raw.sheet == "Pupils"
    assert _values(raw, "UPN") == ["A1", "A2"]
    assert _values(raw, "Year") == ["7", "8"]
    assert _values(raw, "Joined") == ["2025-09-01", "2025-09-02"]
    assert _values(raw, "Score") == ["12.5", "3"]
    assert _values(raw, "PP") == ["TRUE", "FALSE"]
    assert raw.data["Stamp"].isna().tolist() == [False, True]
    assert _values(raw, "Stamp")[0] == "2025-09-01 08:30:00"


def test_xlsx_row_numbers_skip_blank_rows(write_xlsx):
    path = write_xlsx("raw/r.xlsx", {"S": [["UPN", "Year"], ["A1", 7], [None, None],
                                           [None, None], ["A2", 8]]})
    raw = read_raw(path, label="raw/r.xlsx")
    assert raw.excel_rows().tolist() == [2, 5]
    assert raw.blank_rows == 2


def test_xlsx_first_of_several_sheets_is_noted(write_xlsx):
    path = write_xlsx("raw/r.xlsx", {"Roster": [["UPN"], ["A1"]], "Notes": [["x"], ["y"]]})
    raw = read_raw(path, label="raw/r.xlsx")
    assert raw.sheet == "Roster"
    assert any("2 sheets" in n and "'Roster'" in n and "'Notes'" in n for n in raw.notes)


def test_xlsx_sheet_is_chosen_case_insensitively(write_xlsx):
    path = write_xlsx("raw/r.xlsx", {"Roster": [["UPN"], ["A1"]], "Year 8": [["UPN"], ["B1"]]})
    raw = read_raw(path, label="raw/r.xlsx", sheet="year 8")
    assert raw.sheet == "Year 8"
    assert _values(raw, "UPN") == ["B1"]


def test_xlsx_missing_sheet_names_the_sheets(write_xlsx):
    path = write_xlsx("raw/r.xlsx", {"Roster": [["UPN"], ["A1"]], "Notes": [["x"], ["y"]]})
    with pytest.raises(DataError, match=r"raw/r.xlsx: found 'Pupils'; expected a sheet named "
                                        r"'Pupils'; the workbook's sheets are 'Roster', 'Notes'"):
        read_raw(path, label="raw/r.xlsx", sheet="Pupils")


def test_xlsx_value_outside_the_header(write_xlsx):
    path = write_xlsx("raw/r.xlsx", {"S": [["UPN", "Year"], ["A1", 7], ["A2", 8, None, "oops"]]})
    with pytest.raises(DataError, match=r"raw/r.xlsx, row 1, column 'D': .*its first value "
                                        r"is in row 3.*add a header"):
        read_raw(path, label="raw/r.xlsx")


def test_xlsx_duplicate_headers(write_xlsx):
    path = write_xlsx("raw/r.xlsx", {"S": [["UPN", "UPN"], ["A1", "A2"]]})
    with pytest.raises(DataError, match=r"raw/r.xlsx, row 1, column 'UPN'.*columns A and B"):
        read_raw(path, label="raw/r.xlsx")


def test_xlsx_renamed_as_csv_is_read_as_a_workbook(write_xlsx, tmp_path):
    path = write_xlsx("raw/r.xlsx", {"S": [["UPN"], ["A1"]]})
    renamed = path.rename(tmp_path / "raw" / "r.csv")
    assert _values(read_raw(renamed, label="raw/r.csv"), "UPN") == ["A1"]


def test_damaged_xlsx(write):
    with pytest.raises(DataError, match=r"raw/r.xlsx: .*not one"):
        read_raw(write("raw/r.xlsx", "UPN\nA1\n"), label="raw/r.xlsx")


# -- headers spanning several rows ----------------------------------------------------


def _dates_over_sessions(rows):
    """Row 1's date (carried over a blank, merged cell) joined to row 2's session."""
    out, last = [], None
    for top, bottom in zip(*rows, strict=True):
        last = top or (last if bottom else None)
        out.append(f"{last} {bottom}" if bottom and last else (top or bottom or ""))
    return out


def test_csv_header_of_three_rows_keeps_excel_rows_and_header_cells(write):
    text = ('Q1,Q2\n"How are you?\nToday",Age\n"{""ImportId"":""QID1""}","{""ImportId"":""QID2""}"'
            "\nFine,12\n\nGood,13\n")
    raw = read_raw(write("raw/q.csv", text), label="raw/q.csv", header_rows=3)
    assert raw.headers == ["Q1", "Q2"]
    assert _values(raw, "Q1") == ["Fine", "Good"]
    assert raw.excel_rows().tolist() == [4, 6]  # record 2 spans two lines; row 5 is blank
    assert raw.header_cells == {"Q1": ("Q1", "How are you?\nToday", '{"ImportId":"QID1"}'),
                                "Q2": ("Q2", "Age", '{"ImportId":"QID2"}')}
    assert read_raw(write("raw/q.csv", text), label="raw/q.csv").header_cells == {}


def test_xlsx_two_header_rows_joined_by_the_caller(write_xlsx):
    path = write_xlsx("raw/r.xlsx", {"Marks": [
        ["UPN", dt.datetime(2025, 9, 1), None], [None, "AM", "PM"],
        ["A1", "/", "\\"], [None, None, None], ["A2", "N", "L"]]})
    raw = read_raw(path, label="raw/r.xlsx", header_rows=2, join_header=_dates_over_sessions)
    assert raw.headers == ["UPN", "2025-09-01 AM", "2025-09-01 PM"]
    assert _values(raw, "2025-09-01 PM") == ["\\", "L"]
    assert raw.excel_rows().tolist() == [3, 5]
    assert raw.header_cells["2025-09-01 PM"] == (None, "PM")


def test_header_rows_default_join_takes_the_first_filled_cell(write):
    raw = read_raw(write("raw/x.csv", "UPN,\n,Year\nA1,7\n"), label="raw/x.csv", header_rows=2)
    assert raw.headers == ["UPN", "Year"]
    assert raw.excel_rows().tolist() == [3]
