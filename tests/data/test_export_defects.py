"""Issue 17, item 6: survey and MIS exports that broke, in each tool's real shape.

- Google Forms "Download responses (.csv)": a tick-box question whose options
  differ only in case or spacing ("Stata" / "STATA", "Spatial analysis" /
  "spatial  analysis"; Google Forms writes a respondent's typed "Other" and an
  option renamed mid-survey as typed), ticked answers joined by ", ".
- Qualtrics CSV of about 2016: row 1 the export names (``ResponseID``,
  ``ResponseSet``, ``IPAddress``, ``StartDate`` ... ``Q1``, ``Q2_1``), row 2 the
  texts, row 3 Python-style ``{'ImportId': 'responseId'}`` and
  ``{'ImportId': 'QID2-1'}`` (as in the qualtRics R package's test of
  ``readSurvey`` and the MaxDiff exports of the flipMaxDiff package).
- A legacy Qualtrics export repeating a column name in row 1.
- An old Excel ``.xls`` (BIFF8) student list as SIMS exports it: a report title
  in row 1, a blank row, the column names in row 3; written with xlwt.

Every person is invented ("Ava Example"); texts hold emoji and characters
outside the Basic Multilingual Plane.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
import xlwt

from slc_research import Enquiry
from slc_research.data.loading.survey_choices import option_codes, split_choices
from slc_research.data.reading.read_xlsx import sheet_names
from slc_research.data.reading.readers import read_raw
from slc_research.errors import DataError

HEAD = 'title = "Real exports"\nacademic_year = "2025-26"\nschools = ["Northfield Academy"]\n'


def _csv(rows: list[list[str]], bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def _survey(tmp_path: Path, content: bytes, columns: str, options: str = "") -> Path:
    (tmp_path / "raw").mkdir(exist_ok=True)
    (tmp_path / "raw" / "survey.csv").write_bytes(content)
    (tmp_path / "enquiry.toml").write_text(
        HEAD + '[sources.survey]\npath = "raw/survey.csv"\nkind = "survey"\ninstrument = "lq"\n'
        f'response_scale = "agree5"\n{options}\n[sources.survey.columns]\n{columns}\n',
        encoding="utf-8")
    return tmp_path


def _values(enq: Enquiry, item: str) -> list[float | None]:
    t = enq.survey_responses
    return [None if pd.isna(v) else float(v) for v in t.loc[t["item"] == item, "value"]]


def _notes(enq: Enquiry) -> str:
    return " ".join(n for h in enq.health for n in h.notes)


# --------------------------------------------------------------------------- Google Forms

SOFTWARE = "Which software have you used? 💻"


def _google_tickboxes() -> bytes:
    return _csv([
        ["Timestamp", "I enjoy statistics", SOFTWARE],
        ["2026/03/06 12:54:00 PM GMT", "Agree", "Stata, Spatial analysis"],
        ["2026/03/06 12:55:10 PM GMT", "Agree", "STATA"],
        ["2026/03/06 12:58:41 PM GMT", "Disagree", "spatial  analysis, R 𝑥"],
        ["2026/03/06 1:02:13 PM GMT", "Agree", "Stata, STATA, Spatial analysis"],
        ["2026/03/06 1:05:00 PM GMT", "Agree", ""],
    ])


@pytest.mark.parametrize("listed", [False, True])
def test_item6_google_forms_tickbox_case_and_spacing_variants_are_one_item(tmp_path, listed):
    options = ('[sources.survey.multi_select]\nsoftware = ["Stata", "STATA", '
               '"Spatial analysis", "spatial  analysis", "R 𝑥"]\n') if listed else ""
    enq = Enquiry.open(_survey(tmp_path, _google_tickboxes(),
                               f'"I enjoy statistics" = "enjoy"\n"{SOFTWARE}" = "software"',
                               options))
    t = enq.survey_responses
    # one row per respondent and item: no contradictory 0/1 duplicates
    assert not t.duplicated(["respondent_id", "item"]).any()
    assert _values(enq, "software_stata") == [1.0, 1.0, 0.0, 1.0, None]
    assert _values(enq, "software_spatial_analysis") == [1.0, 0.0, 1.0, 1.0, None]
    items = sorted(i for i in set(t["item"]) if i.startswith("software"))
    assert items == (["software_r", "software_spatial_analysis", "software_stata"] if listed
                     else ["software_other", "software_spatial_analysis", "software_stata"])
    assert "differ only in case or spacing read as one" in _notes(enq)


def test_item6_distinct_options_whose_codes_coincide_get_distinct_items():
    values = pd.Series(["C++, C#", "C#", "C++", None], dtype="category")
    ch = split_choices(values, ", ", ["C++", "C#", "c++"])
    assert ch.options == ["C++", "C#"]
    assert ch.merged == {"C++": ["c++"]}
    assert ch.ticked[:3].tolist() == [[1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]
    assert option_codes("lang", ch.options) == ["lang_c", "lang_c_2"]


# --------------------------------------------------------------------------- Qualtrics 2016

MATRIX = "How much do you agree? 😀"


def _qualtrics_2016() -> bytes:
    names = ["ResponseID", "ResponseSet", "IPAddress", "StartDate", "EndDate",
             "RecipientLastName", "RecipientFirstName", "RecipientEmail",
             "ExternalDataReference", "Finished", "Status", "Q1", "Q2_1", "Q2_2",
             "LocationLatitude", "LocationLongitude", "LocationAccuracy"]
    texts = [*names[:11], "I look forward to my lessons", f"{MATRIX} - I join in",
             f"{MATRIX} - I ask questions 𠮷", *names[14:]]
    ids = ["responseId", "responseSetId", "ipAddress", "startDate", "endDate",
           "panel-RecipientLastName", "panel-RecipientFirstName", "panel-RecipientEmail",
           "panel-ExternalDataReference", "finished", "status", "QID1", "QID2-1", "QID2-2",
           "Location-LocationLatitude", "Location-LocationLongitude",
           "Location-LocationAccuracy"]

    def row(rid: str, status: str, answers: list[str]) -> list[str]:
        return [rid, "Default Response Set", "203.0.113.7", "2016-04-04 10:20:41",
                "2016-04-04 10:22:13", "Example", "Ava", "ava.example@school.example", "",
                "1", status, *answers, "51.5072", "-0.1276", "-1"]

    return _csv([names, texts, [f"{{'ImportId': '{i}'}}" for i in ids],
                 row("R_1abc", "0", ["Agree", "Strongly agree", "Disagree"]),
                 row("R_2abc", "1", ["Agree", "Agree", "Agree"]),  # a preview
                 row("R_3abc", "0", ["Disagree", "Neither agree nor disagree", "Agree"])],
                bom=True)


def test_item6_qualtrics_2016_python_style_import_id_row_is_header(tmp_path):
    enq = Enquiry.open(_survey(tmp_path, _qualtrics_2016(),
                               '"QID1" = "eng1"\n"QID2-1" = "eng2"\n"I ask questions 𠮷" = "eng3"'))
    assert _values(enq, "eng1") == [4.0, 2.0]  # no "{'ImportId': ...}" answer row
    assert _values(enq, "eng2") == [5.0, 3.0]
    assert _values(enq, "eng3") == [2.0, 4.0]
    assert sorted(set(enq.survey_responses["respondent_id"])) == ["A-survey-4", "A-survey-6"]
    notes = _notes(enq)
    assert "recognised as a Qualtrics export" in notes
    assert "Rows 2-3 of the Qualtrics export" in notes


# --------------------------------------------------------------------------- repeated names

def _legacy_repeated() -> bytes:
    return _csv([
        ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "Q1", "Q2", "Q3", "Q3",
         "LocationLatitude", "LocationLongitude", "LocationAccuracy"],
        ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress",
         "IPAddress", "Status", "StartDate", "EndDate", "Finished",
         "I look forward to my lessons 😀", "I join in", "I ask questions 𠮷",
         "I help others", "LocationLatitude", "LocationLongitude", "LocationAccuracy"],
        ["R_2YPOQ602ER1jkf1", "Default Response Set", "Ava Example", "",
         "ava.example@school.example", "203.0.113.7", "0", "2015-10-01 09:05:12",
         "2015-10-01 09:09:40", "1", "Agree", "Strongly agree", "Agree", "Disagree", "51.5",
         "-0.1", "-1"],
        ["R_3YPOQ602ER1jkf1", "Default Response Set", "Ben Sample", "", "", "203.0.113.8", "0",
         "2015-10-01 09:05:12", "2015-10-01 09:09:40", "1", "Disagree", "Agree", "Disagree",
         "Strongly agree", "51.5", "-0.12", "-1"],
    ])


def test_item6_legacy_repeated_column_names_are_accepted_when_not_mapped(tmp_path):
    enq = Enquiry.open(_survey(tmp_path, _legacy_repeated(), '"Q1" = "eng1"\n"Q2" = "eng2"'))
    assert _values(enq, "eng1") == [4.0, 2.0]
    assert _values(enq, "eng2") == [5.0, 4.0]
    notes = _notes(enq)
    assert "'Q3' heads columns M, N (read as 'Q3', 'Q3 (2)')" in notes
    # and a repeated column can still be mapped by a name only it has
    enq = Enquiry.open(_survey(tmp_path, _legacy_repeated(),
                               '"Q1" = "eng1"\n"I help others" = "eng3"'))
    assert _values(enq, "eng3") == [2.0, 5.0]


def test_item6_ambiguous_mapping_of_a_repeated_column_is_refused_with_the_fix(tmp_path):
    ws = _survey(tmp_path, _legacy_repeated(), '"Q1" = "eng1"\n"Q3" = "eng3"')
    with pytest.raises(DataError) as info:
        Enquiry.open(ws)
    message = str(info.value)
    assert "raw/survey.csv, row 1, column 'Q3'" in message
    assert "2 columns are (M, N)" in message
    assert "column M: 'I ask questions 𠮷'" in message
    assert "column N: 'Q3 (2)' or 'I help others'" in message
    for secret in ("Ava Example", "ava.example", "203.0.113"):
        assert secret not in message


# --------------------------------------------------------------------------- SIMS .xls

def _sims_xls(path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Student List")
    sheet.write(0, 0, "Student List - Northfield Academy 📋")
    header = ["Adno", "UPN", "Legal Surname", "Legal Forename", "Year", "Reg", "DOB", "PP"]
    for j, h in enumerate(header):
        sheet.write(2, j, h)
    when = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    pupils = [("001234", "K100000000001", "Example", "Ava 😀", 7, "7A", dt.date(2014, 1, 5),
               "Yes"),
              ("001235", "K100000000002", "Sample", "Ben 𝑥", 8, "8B", dt.date(2013, 2, 6), ""),
              ("001236", "K100000000003", "Specimen", "Cara", 7, "7A", dt.date(2014, 3, 7),
               "No")]
    for i, p in enumerate(pupils, start=3):
        for j, v in enumerate(p):
            if isinstance(v, dt.date):
                sheet.write(i, j, v, when)
            else:
                sheet.write(i, j, v)
    book.save(str(path))


def test_item6_old_xls_from_sims_is_read_with_excel_row_numbers(tmp_path):
    (tmp_path / "raw").mkdir()
    path = tmp_path / "raw" / "students.xls"
    _sims_xls(path)
    assert path.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a real BIFF8 file
    raw = read_raw(path, label="raw/students.xls")
    assert raw.headers[:4] == ["Adno", "UPN", "Legal Surname", "Legal Forename"]
    assert raw.excel_rows().tolist() == [4, 5, 6]  # as Excel numbers them
    assert raw.data["Legal Forename"].astype(str).tolist() == ["Ava 😀", "Ben 𝑥", "Cara"]
    assert raw.data["DOB"].astype(str).tolist() == ["2014-01-05", "2013-02-06", "2014-03-07"]
    assert raw.data["Year"].astype(str).tolist() == ["7", "8", "7"]
    assert raw.data["Adno"].astype(str).tolist()[0] == "001234"
    assert any(".xls" in n for n in raw.notes)
    assert sheet_names(path) == ["Student List"]
    (tmp_path / "enquiry.toml").write_text(
        HEAD + '[sources.roster]\npath = "raw/students.xls"\nkind = "pupils"\n'
        '[sources.roster.columns]\n"UPN" = "pupil_id"\n"Legal Forename" = "forename"\n'
        '"Legal Surname" = "surname"\n"Year" = "year_group"\n"PP" = "pupil_premium"\n',
        encoding="utf-8")
    enq = Enquiry.open(tmp_path)
    assert enq.pupils["year_group"].tolist() == [7, 8, 7]
    # a bad value is reported at its Excel row
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Student List")
    for j, h in enumerate(["UPN", "Year"]):
        sheet.write(0, j, h)
    for i, (upn, year) in enumerate([("K100000000001", 7), ("K100000000002", "Year 99")], 1):
        sheet.write(i, 0, upn)
        sheet.write(i, 1, year)
    book.save(str(path))
    (tmp_path / "enquiry.toml").write_text(
        HEAD + '[sources.roster]\npath = "raw/students.xls"\nkind = "pupils"\n'
        '[sources.roster.columns]\n"UPN" = "pupil_id"\n"Year" = "year_group"\n',
        encoding="utf-8")
    with pytest.raises(DataError, match=r"raw/students\.xls, row 3, column 'Year'"):
        Enquiry.open(tmp_path)


def test_item6_an_html_page_saved_as_xls_gets_a_clear_message(tmp_path):
    path = tmp_path / "students.xls"
    path.write_bytes(b"\xef\xbb\xbf<html><body><table><tr><td>UPN</td></tr></table></body></html>")
    with pytest.raises(DataError, match=r"raw/students\.xls: .*web page \(HTML\).*save it as "
                                        r"\.xlsx"):
        read_raw(path, label="raw/students.xls")
