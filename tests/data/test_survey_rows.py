"""Issue 17: when a response was submitted, and a form sent twice (``duplicates``).

Fixtures in each tool's own shape (invented people):

- Google Forms "Download responses (.csv)": ``Timestamp`` first, written
  ``2026/03/06 12:54:00 PM GMT`` (the zone as the form's owner set it:
  ``GMT``, ``GMT+1``, ``GMT-5``), then ``Email address`` and the questions.
- Microsoft Forms workbook: ``ID``, ``Start time``, ``Completion time``,
  ``Email``, ``Name``; times as text in a US-locale CSV copy (``3/16/26 12:54:00``).
- Qualtrics CSV: ``StartDate``, ``EndDate``, ... ``RecordedDate``, three header rows.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from slc_research.data.loading.loaders import load_source
from slc_research.errors import ConfigError, DataError

Q1 = "I look forward to my lessons"
Q2 = "I join in with discussions in class"
ADM = "What is your admission number?"


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _google(rows: list[list[str]]) -> str:
    return _csv([["Timestamp", "Email address", ADM, Q1, Q2], *rows])


def _spec_google(write, spec, text, **options):
    path = write("raw/Pupil voice (Responses).csv", text)
    return spec(path, "survey", {ADM: "respondent_id", Q1: "eng1", Q2: "eng2"},
                instrument="lq", wave=1, respondents="pupil", response_scale="agree5",
                **options)


DOUBLE = [
    ["2026/03/06 12:54:00 PM GMT", "ava@school.example", "1001", "Agree", "Agree"],
    ["2026/03/06 1:02:10 PM GMT", "ben@school.example", "1002", "Disagree", "Agree"],
    # Ava sends the form again, later: her second answers are the ones she meant
    ["2026/03/06 3:40:00 PM GMT", "ava@school.example", "1001", "Strongly agree", "Disagree"],
]


def test_submitted_read_from_google_forms_timestamp_with_zones(write, spec, ctx):
    rows = [["2026/03/06 12:54:00 PM GMT", "a@x.example", "1001", "Agree", "Agree"],
            ["2025/10/01 9:05:12 AM GMT+1", "b@x.example", "1002", "Agree", "Agree"],
            ["2026/03/06 11:15:00 PM GMT-5", "c@x.example", "1003", "Agree", "Agree"]]
    loaded = load_source(_spec_google(write, spec, _google(rows)), ctx)
    t = loaded.tables["survey_responses"]
    assert str(t["submitted"].dtype) == "datetime64[ms]"
    per_person = t.drop_duplicates("respondent_id")["submitted"].tolist()
    assert per_person == [pd.Timestamp("2026-03-06 12:54:00"), pd.Timestamp("2025-10-01 09:05:12"),
                          pd.Timestamp("2026-03-06 23:15:00")]


def test_submitted_read_from_microsoft_forms_start_time_month_first(write, spec, ctx):
    text = _csv([["ID", "Start time", "Completion time", "Email", "Name", Q1],
                 ["1", "3/16/26 12:54:00", "3/16/26 12:58:00", "anonymous", "", "Agree"],
                 ["2", "3/6/26 13:10:05", "3/6/26 13:12:00", "anonymous", "", "Disagree"]])
    path = write("raw/Pupil voice(1-2).csv", text)
    s = spec(path, "survey", {Q1: "eng1"}, instrument="lq", response_scale="agree5")
    loaded = load_source(s, ctx)
    t = loaded.tables["survey_responses"]
    assert t["submitted"].tolist() == [pd.Timestamp("2026-03-16 12:54:00"),
                                       pd.Timestamp("2026-03-06 13:10:05")]
    assert any("month first" in n for n in loaded.notes)


def test_submitted_read_from_qualtrics_startdate(write, spec, ctx):
    meta = ["StartDate", "EndDate", "Status", "Progress", "Finished", "RecordedDate",
            "ResponseId"]
    text = "\ufeff" + _csv([
        [*meta, "Q1"],
        ["Start Date", "End Date", "Response Type", "Progress", "Finished", "Recorded Date",
         "Response ID", Q1],
        [*(f'{{"ImportId":"{i}"}}' for i in ("startDate", "endDate", "status", "progress",
                                             "finished", "recordedDate", "_recordId")),
         '{"ImportId":"QID1"}'],
        ["2026-03-06 12:54:00", "2026-03-06 12:59:00", "IP Address", "100", "True",
         "2026-03-06 12:59:01", "R_1abc", "Agree"]])
    path = write("raw/qualtrics.csv", text)
    s = spec(path, "survey", {"Q1": "eng1"}, instrument="lq", response_scale="agree5")
    t = load_source(s, ctx).tables["survey_responses"]
    assert t["submitted"].tolist() == [pd.Timestamp("2026-03-06 12:54:00")]


def test_submitted_from_a_mapped_column_and_missing_without_one(write, spec, ctx):
    path = write("raw/paper.csv", "Entered on,Pupil,Q\n06/03/2026,1001,Agree\n,1002,Agree\n")
    s = spec(path, "survey", {"Entered on": "submitted", "Pupil": "respondent_id", "Q": "eng1"},
             instrument="lq", respondents="pupil", response_scale="agree5")
    t = load_source(s, ctx).tables["survey_responses"]
    assert t["submitted"].iloc[0] == pd.Timestamp("2026-03-06")
    assert pd.isna(t["submitted"].iloc[1])
    path = write("raw/plain.csv", "Pupil,Q\n1001,Agree\n")
    s = spec(path, "survey", {"Pupil": "respondent_id", "Q": "eng1"}, instrument="lq",
             respondents="pupil", response_scale="agree5")
    t = load_source(s, ctx).tables["survey_responses"]
    assert t["submitted"].isna().all()


def test_item3_duplicates_error_by_default_names_the_option_and_rows(write, spec, ctx):
    with pytest.raises(DataError) as err:
        load_source(_spec_google(write, spec, _google(DOUBLE)), ctx)
    text = str(err.value)
    assert "rows 2 and 4" in text
    assert 'duplicates = "keep-last"' in text
    assert "keep-first" in text
    assert "1001" not in text
    assert "ava@" not in text


def test_item3_duplicates_keep_last_by_the_export_timestamp(write, spec, ctx, pseudonymiser):
    # the file is not in time order: the last row is the earlier submission
    rows = [DOUBLE[2], DOUBLE[1], DOUBLE[0]]
    loaded = load_source(_spec_google(write, spec, _google(rows), duplicates="keep-last"), ctx)
    t = loaded.tables["survey_responses"]
    ava = t[t["respondent_id"] == pseudonymiser.one("1001")]
    assert ava["answer"].tolist() == ["Strongly agree", "Disagree"]
    assert ava["submitted"].iloc[0] == pd.Timestamp("2026-03-06 15:40:00")
    assert len(t) == 4
    assert any("by the export's 'Timestamp' times" in n and "1 row left out (row 4)" in n for n in loaded.notes)


def test_item3_duplicates_keep_first_by_row_order_without_timestamp(write, spec, ctx,
                                                                   pseudonymiser):
    path = write("raw/paper.csv", "Pupil,Q\n1001,Agree\n1002,Agree\n1001,Disagree\n")
    s = spec(path, "survey", {"Pupil": "respondent_id", "Q": "eng1"}, instrument="lq",
             respondents="pupil", response_scale="agree5", duplicates="keep-first")
    loaded = load_source(s, ctx)
    t = loaded.tables["survey_responses"]
    assert t.loc[t["respondent_id"] == pseudonymiser.one("1001"), "answer"].tolist() == ["Agree"]
    assert any("the order of the rows in the file" in n and "1 row left out (row 4)" in n for n in loaded.notes)
    assert loaded.rows_dropped == 1


def test_item3_duplicates_unknown_value_is_a_config_error(write, spec, ctx):
    with pytest.raises(ConfigError, match="keep-last"):
        load_source(_spec_google(write, spec, _google(DOUBLE), duplicates="last"), ctx)
