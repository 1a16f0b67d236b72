"""Survey exports as Microsoft Forms, Google Forms and Qualtrics write them, through Enquiry.open.

Each fixture is written here in the tool's own shape (no real data; invented
people like "Ava Example"):

- Microsoft Forms "Open results in Excel": ID, Start time, Completion time,
  Email, Name, Last modified time, then the questions; Excel datetimes;
  tick-all-that-apply answers joined by ";" with a trailing ";".
- Google Forms "Download responses (.csv)": Timestamp ("2025/10/01 9:05:12 AM
  GMT+1"), Email address, grid rows as "Question [Row]", ticked answers
  joined by ", ".
- Qualtrics CSV (UTF-8 with BOM): export names, question texts, then
  {"ImportId":"QID1"} objects quoted as Qualtrics quotes them (as in the
  qualtRics package's tests/testthat/files/sample.csv); and the legacy
  two-row form (V1..V10 over ResponseID, ResponseSet, ... as in
  sample_legacy.csv).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from slc_research import Enquiry
from slc_research.data.loading.survey_choices import split_choices
from slc_research.data.loading.survey_exports import recognise_export
from slc_research.data.reading.readers import read_raw
from slc_research.errors import ConfigError, DataError
from slc_research.workspace.cache import CACHE_DIR

MANIFEST = """\
title = "Survey exports"
academic_year = "2025-26"
schools = ["Northfield Academy"]

[scales.engagement]
instrument = "lq"
items = ["eng1", "eng2", "eng3"]
reverse = ["eng3"]

[sources.survey]
path = "raw/{file}"
kind = "survey"
instrument = "lq"
{options}
[sources.survey.columns]
{columns}
"""

SECRETS = ["Ava Example", "Ben Sample", "Cara Test", "ava.example@school.example",
           "ben.sample@school.example", "cara.test@school.example", "203.0.113.7", "51.5072"]
Q1 = "I look forward to my lessons"
Q2 = "I join in with discussions in class"
Q3 = "I often lose interest in lessons"
CLUBS = "Which clubs do you go to?"


def _workspace(tmp_path: Path, file: str, content: bytes, columns: dict[str, str],
               **options) -> Path:
    (tmp_path / "raw").mkdir(exist_ok=True)
    (tmp_path / "raw" / file).write_bytes(content)
    opts = "\n".join(f"{k} = {_toml(v)}" for k, v in options.items())
    cols = "\n".join(f"{_toml(k)} = {_toml(v)}" for k, v in columns.items())
    (tmp_path / "enquiry.toml").write_text(
        MANIFEST.format(file=file, options=opts, columns=cols), encoding="utf-8")
    return tmp_path


def _toml(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml(x)}" for k, x in v.items()) + "}"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _csv(rows: list[list[str]], bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def _no_secrets(ws: Path, enquiry: Enquiry) -> None:
    """No name, email or IP address in any table or in any cached file."""
    text = "\n".join(df.astype("string").fillna("").to_csv(index=False)
                     for df in (enquiry.table(t) for t in ("survey_responses",)))
    blobs = b"".join(p.read_bytes() for p in (ws / CACHE_DIR).rglob("*") if p.is_file())
    for secret in SECRETS:
        assert secret not in text
        assert secret.encode() not in blobs


def _values(enquiry: Enquiry, item: str) -> list[float | None]:
    t = enquiry.survey_responses
    return [None if pd.isna(v) else float(v) for v in t.loc[t["item"] == item, "value"]]


# --------------------------------------------------------------------------- Microsoft Forms

def _msforms(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
               Q1, Q2, CLUBS])
    start = dt.datetime(2025, 10, 1, 9, 5, 12)
    people = [("ava.example@school.example", "Ava Example", "Agree", "Strongly agree",
               "Art, craft and design;Music;"),
              ("ben.sample@school.example", "Ben Sample", "Disagree", "Neither agree nor disagree",
               "Music;"),
              ("cara.test@school.example", "Cara Test", "Strongly agree", None,
               "Art, craft and design;")]
    for i, (email, name, a1, a2, clubs) in enumerate(people):
        ws.append([i + 1, start + dt.timedelta(minutes=i), start + dt.timedelta(minutes=i + 3),
                   email, name, None, a1, a2, clubs])
        for col in (2, 3):
            ws.cell(row=i + 2, column=col).number_format = "m/d/yy h:mm:ss"
    wb.save(path)


def test_microsoft_forms_workbook_loads_as_downloaded(tmp_path):
    (tmp_path / "raw").mkdir()
    _msforms(tmp_path / "raw" / "Pupil voice(1-3).xlsx")
    ws = _workspace(tmp_path, "Pupil voice(1-3).xlsx",
                    (tmp_path / "raw" / "Pupil voice(1-3).xlsx").read_bytes(),
                    {Q1: "eng1", Q2: "eng2", CLUBS: "clubs"})
    before = hashlib.sha256((ws / "raw" / "Pupil voice(1-3).xlsx").read_bytes()).hexdigest()
    enquiry = Enquiry.open(ws)
    t = enquiry.survey_responses
    assert t["respondent_id"].nunique() == 3
    assert set(t["respondent_type"]) == {"anonymous"}
    assert _values(enquiry, "eng1") == [4.0, 2.0, 5.0]
    assert _values(enquiry, "eng2") == [5.0, 3.0, None]
    # one 0/1 item per option, blank when the question was left blank
    assert _values(enquiry, "clubs_art_craft_and_design") == [1.0, 0.0, 1.0]
    assert _values(enquiry, "clubs_music") == [1.0, 1.0, 0.0]
    assert t.loc[t["item"] == "clubs_music", "answer"].tolist()[:2] == ["Yes", "Yes"]
    notes = " ".join(n for h in enquiry.health for n in h.notes)
    assert "recognised as a Microsoft Forms export" in notes
    assert "2 columns of personal data ('Email', 'Name') left out" in notes
    assert "'clubs_art_craft_and_design', 'clubs_music'" in notes
    _no_secrets(ws, enquiry)
    assert hashlib.sha256((ws / "raw" / "Pupil voice(1-3).xlsx").read_bytes()).hexdigest() == before


def test_an_email_mapped_to_respondent_id_is_pseudonymised(tmp_path):
    (tmp_path / "raw").mkdir()
    _msforms(tmp_path / "raw" / "voice.xlsx")
    ws = _workspace(tmp_path, "voice.xlsx", (tmp_path / "raw" / "voice.xlsx").read_bytes(),
                    {"Email": "respondent_id", Q1: "eng1"}, respondents="pupil")
    enquiry = Enquiry.open(ws)
    ids = enquiry.survey_responses["respondent_id"].tolist()
    assert len(set(ids)) == 3
    assert not any("@" in i for i in ids)
    _no_secrets(ws, enquiry)


# --------------------------------------------------------------------------- Google Forms

GRID = "How true is this for you?"


def _google() -> bytes:
    return _csv([
        ["Timestamp", "Email address", f"{GRID} [{Q1}]", f"{GRID} [{Q2}]", Q3, CLUBS],
        ["2025/10/01 9:05:12 AM GMT+1", "ava.example@school.example", "Agree", "Agree",
         "Disagree", "Art, craft and design, Music"],
        ["2025/10/01 9:07:40 AM GMT+1", "ben.sample@school.example", "Strongly agree",
         "Disagree", "Agree", "Chess club at Ben Sample's house"],
        ["2025/10/02 1:15:03 PM GMT+1", "cara.test@school.example", "disagree", "", "Agree", ""],
    ])


def test_google_forms_csv_grid_rows_and_listed_options(tmp_path):
    ws = _workspace(tmp_path, "Pupil voice (Responses).csv", _google(),
                    {Q1: "eng1", Q2: "eng2", Q3: "eng3", CLUBS: "clubs"},
                    multi_select={"clubs": ["Art, craft and design", "Music", "Drama"]})
    enquiry = Enquiry.open(ws)
    assert _values(enquiry, "eng1") == [4.0, 5.0, 2.0]  # a grid row mapped by its statement
    assert _values(enquiry, "eng2") == [4.0, 2.0, None]
    assert _values(enquiry, "clubs_art_craft_and_design") == [1.0, 0.0, None]
    assert _values(enquiry, "clubs_music") == [1.0, 0.0, None]
    assert _values(enquiry, "clubs_drama") == [0.0, 0.0, None]
    assert _values(enquiry, "clubs_other") == [0.0, 1.0, None]  # the typed text is not kept
    notes = " ".join(n for h in enquiry.health for n in h.notes)
    assert "recognised as a Google Forms export" in notes
    assert "'Email address'" in notes
    assert "1 answer outside the listed options" in notes
    assert "Chess club" not in enquiry.survey_responses.to_csv()
    _no_secrets(ws, enquiry)


def test_google_forms_options_learnt_from_the_answers_without_a_list(tmp_path):
    ws = _workspace(tmp_path, "g.csv", _google(), {Q1: "eng1", CLUBS: "clubs"})
    enquiry = Enquiry.open(ws)
    items = sorted(set(enquiry.survey_responses["item"]) - {"eng1"})
    # an option is a piece at least 2 respondents gave: a typed "Other" that names
    # someone ("Chess club at Ben Sample's house") never becomes an item code
    assert items == ["clubs_other"]
    assert _values(enquiry, "clubs_other") == [1.0, 1.0, None]
    notes = " ".join(n for h in enquiry.health for n in h.notes)
    assert "List the options under [sources.survey.multi_select]" in notes


# --------------------------------------------------------------------------- Qualtrics

META = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
        "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
        "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
        "DistributionChannel", "UserLanguage"]
LABELS = ["Start Date", "End Date", "Response Type", "IP Address", "Progress",
          "Duration (in seconds)", "Finished", "Recorded Date", "Response ID",
          "Recipient Last Name", "Recipient First Name", "Recipient Email",
          "External Data Reference", "Location Latitude", "Location Longitude",
          "Distribution Channel", "User Language"]
IMPORT = ["startDate", "endDate", "status", "ipAddress", "progress", "duration", "finished",
          "recordedDate", "_recordId", "recipientLastName", "recipientFirstName",
          "recipientEmail", "externalDataReference", "locationLatitude", "locationLongitude",
          "distributionChannel", "userLanguage"]
MATRIX = "How much do you agree with each statement?"


def _qualtrics_row(status: str, finished: str, rid: str, answers: list[str]) -> list[str]:
    return ["2025-10-01 09:05:12", "2025-10-01 09:09:40", status, "203.0.113.7", "100", "268",
            finished, "2025-10-01 09:09:41", rid, "Example", "Ava", "ava.example@school.example",
            "", "51.5072", "-0.1276", "anonymous", "EN-GB", *answers]


def _qualtrics(bad: str = "Agree") -> bytes:
    return _csv([
        [*META, "Q1_1", "Q1_2", "Q1_3", "Q2", "Q2_4_TEXT"],
        [*LABELS, f"{MATRIX} - {Q1}", f"{MATRIX} - {Q2}", f"{MATRIX} - {Q3}", CLUBS,
         f"{CLUBS} - Other - Text"],
        [*(f'{{"ImportId":"{i}"}}' for i in IMPORT),
         '{"ImportId":"QID1_1"}', '{"ImportId":"QID1_2"}', '{"ImportId":"QID1_3"}',
         '{"ImportId":"QID2"}', '{"ImportId":"QID2_4_TEXT"}'],
        _qualtrics_row("IP Address", "True", "R_1abcDEF", ["Agree", "Agree", "Disagree",
                                                            "Art,Music", ""]),
        _qualtrics_row("Survey Preview", "True", "R_2abcDEF", ["Agree", "Agree", "Agree",
                                                                "Music", ""]),
        _qualtrics_row("IP Address", "False", "R_3abcDEF", ["Strongly agree", "", "",
                                                             "Art", ""]),
        _qualtrics_row("IP Address", "True", "R_4abcDEF", ["Disagree", bad, "Agree",
                                                            "Music,Other", "Chess at Ava's"]),
    ], bom=True)


def test_qualtrics_three_header_rows_previews_and_unfinished(tmp_path):
    ws = _workspace(tmp_path, "Pupil+voice_October+1,+2025_09.10.csv", _qualtrics(),
                    {"QID1_1": "eng1", "Q1_2": "eng2", Q3: "eng3", CLUBS: "clubs"})
    enquiry = Enquiry.open(ws)
    t = enquiry.survey_responses
    assert t["respondent_id"].nunique() == 3  # the preview is left out
    # anonymous ids keep the Excel rows of the file: data start in row 4
    assert sorted(set(t["respondent_id"])) == ["A-survey-4", "A-survey-6", "A-survey-7"]
    assert _values(enquiry, "eng1") == [4.0, 5.0, 2.0]
    assert _values(enquiry, "eng2") == [4.0, None, 4.0]
    assert _values(enquiry, "clubs_music") == [1.0, 0.0, 1.0]
    assert _values(enquiry, "clubs_art") == [1.0, 1.0, 0.0]
    assert _values(enquiry, "clubs_other") == [0.0, 0.0, 1.0]
    notes = " ".join(n for h in enquiry.health for n in h.notes)
    assert "recognised as a Qualtrics export" in notes
    assert "Rows 2-3 of the Qualtrics export" in notes
    assert "1 preview, test or spam response (Qualtrics Status) left out." in notes
    assert "1 unfinished response (Finished = False) kept" in notes
    assert "Chess" not in t.to_csv()
    _no_secrets(ws, enquiry)


def test_qualtrics_unfinished_responses_can_be_dropped(tmp_path):
    ws = _workspace(tmp_path, "q.csv", _qualtrics(), {"Q1_1": "eng1"}, unfinished="drop")
    enquiry = Enquiry.open(ws)
    assert _values(enquiry, "eng1") == [4.0, 2.0]
    health = {h.source: h for h in enquiry.health}["survey"]
    assert health.rows_dropped == 2


def test_qualtrics_unknown_answer_names_the_excel_row(tmp_path):
    ws = _workspace(tmp_path, "q.csv", _qualtrics(bad="Mostly"), {"Q1_2": "eng2"})
    with pytest.raises(DataError, match=r"raw/q\.csv, row 7, column 'Q1_2': found 'Mostly'"):
        Enquiry.open(ws)


def test_qualtrics_legacy_two_row_export(tmp_path):
    content = _csv([
        ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "Q1", "Q2",
         "LocationLatitude", "LocationLongitude", "LocationAccuracy", ""],
        ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress",
         "IPAddress", "Status", "StartDate", "EndDate", "Finished", Q1, Q2,
         "LocationLatitude", "LocationLongitude", "LocationAccuracy", ""],
        ["R_2YPOQ602ER1jkf1", "Default Response Set", "Ava Example", "",
         "ava.example@school.example", "203.0.113.7", "0", "2025-10-01 09:05:12",
         "2025-10-01 09:09:40", "1", "4", "Strongly agree", "51.5072", "-0.1276", "-1", ""],
        ["R_3YPOQ602ER1jkf1", "Default Response Set", "Ben Sample", "", "", "203.0.113.8", "1",
         "2025-10-01 09:05:12", "2025-10-01 09:09:40", "1", "1", "Agree", "51.5", "-0.12",
         "-1", ""],
    ])
    ws = _workspace(tmp_path, "legacy.csv", content, {Q1: "eng1", "Q2": "eng2"},
                    response_scale="agree5")
    enquiry = Enquiry.open(ws)
    assert _values(enquiry, "eng1") == [4.0]  # the numeric Status 1 (a preview) left out
    assert _values(enquiry, "eng2") == [5.0]
    assert enquiry.survey_responses["respondent_id"].tolist() == ["A-survey-3"] * 2
    _no_secrets(ws, enquiry)


def test_a_bad_format_option_is_a_config_error(tmp_path):
    ws = _workspace(tmp_path, "g.csv", _google(), {Q3: "eng3"}, format="forms")
    with pytest.raises(ConfigError, match="format is one of 'auto', 'msforms'"):
        Enquiry.open(ws)


def test_format_is_recognised_from_the_content_not_the_name(tmp_path):
    (tmp_path / "a.csv").write_bytes(_qualtrics())
    (tmp_path / "b.csv").write_bytes(_google())
    _msforms(tmp_path / "c.csv")  # a workbook saved under a .csv name
    assert recognise_export(read_raw(tmp_path / "a.csv")).format == "qualtrics"
    assert recognise_export(read_raw(tmp_path / "b.csv")).format == "google"
    ms = recognise_export(read_raw(tmp_path / "c.csv"))
    assert ms.format == "msforms"
    assert ms.personal == ("Email", "Name")
    assert ms.metadata == ("ID", "Start time", "Completion time", "Last modified time")
    plain = recognise_export(read_raw(tmp_path / "b.csv"), "plain")
    assert plain.format == "plain"
    assert not plain.metadata


def test_split_choices_keeps_listed_options_that_hold_the_separator():
    values = pd.Series(["Art, craft and design, Music", "Music", None, "Cooking, Music"],
                       dtype="category")
    ch = split_choices(values, ", ", ["Art, craft and design", "Music"])
    assert ch.options == ["Art, craft and design", "Music"]
    np.testing.assert_array_equal(ch.ticked[[0, 1, 3]], [[1, 1], [0, 1], [0, 1]])
    assert np.isnan(ch.ticked[2]).all()
    assert ch.n_other == 1
