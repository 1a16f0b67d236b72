"""mapping_editor: add_source keeps the manifest intact; suggestions and live checks."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from slc_research.errors import ConfigError, DataError
from slc_research.workspace.manifest import read_manifest
from slc_research.workspace.mapping_editor import (
    add_source,
    check_source,
    columns_from_choices,
    relative_path,
    suggest_items,
    suggest_mapping,
    suggest_source_name,
)

MANIFEST = """\
# My enquiry: keep this comment
title = "SLC enquiry"   # and this one
academic_year = "2025-26"
schools = ["Northfield Academy"]

[privacy]
suppression_threshold = 7

# The roster from SIMS
[sources.roster]
path = "raw/roster.csv"
kind = "pupils"
[sources.roster.columns]
"UPN" = "pupil_id"   # the real id: pseudonymised at load
"Year" = "year_group"

[sources.attainment]
path = "raw/marks.csv"
kind = "attainment"
"""


def _workspace(tmp_path: Path, text: str = MANIFEST) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "roster.csv").write_text("UPN,Year\nA1,7\nA2,8\n", encoding="utf-8")
    (raw / "marks.csv").write_text("pupil_id,score\nA1,5\n", encoding="utf-8")
    (raw / "new.csv").write_text("Pupil UPN,Yr,Sex,Pupil Premium\nA3,7,F,Y\nA4,9,M,N\n",
                                 encoding="utf-8")
    (tmp_path / "enquiry.toml").write_text(text, encoding="utf-8")
    return tmp_path


NEW = {"path": "raw/new.csv", "kind": "pupils", "school": "Northfield Academy",
       "columns": {"Pupil UPN": "pupil_id", "Yr": "year_group", "Sex": "gender"}}


def test_add_source_appends_and_keeps_the_rest_byte_for_byte(tmp_path):
    ws = _workspace(tmp_path)
    spec = add_source(ws, "new_roster", NEW)
    text = (ws / "enquiry.toml").read_text(encoding="utf-8")
    assert text.startswith(MANIFEST)  # comments, order and spacing untouched
    assert spec.kind == "pupils"
    assert spec.label == "raw/new.csv"
    assert spec.columns == NEW["columns"]
    assert spec.options == {"school": "Northfield Academy"}
    m = read_manifest(ws)
    assert list(m.sources) == ["roster", "attainment", "new_roster"]
    assert m.sources["roster"].columns == {"UPN": "pupil_id", "Year": "year_group"}
    data = tomllib.loads(text)
    assert data["sources"]["new_roster"]["columns"]["Pupil UPN"] == "pupil_id"


def test_add_source_writes_an_absolute_path_relative_to_the_workspace(tmp_path):
    ws = _workspace(tmp_path)
    add_source(ws, "new_roster", {**NEW, "path": ws / "raw" / "new.csv"})
    data = tomllib.loads((ws / "enquiry.toml").read_text(encoding="utf-8"))
    assert data["sources"]["new_roster"]["path"] == "raw/new.csv"


def test_add_source_refuses_a_path_outside_the_workspace(tmp_path):
    ws = _workspace(tmp_path / "ws")
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("UPN\nA1\n", encoding="utf-8")
    before = (ws / "enquiry.toml").read_bytes()
    with pytest.raises(ConfigError, match="outside the workspace"):
        add_source(ws, "x", {**NEW, "path": outside})
    with pytest.raises(ConfigError, match="outside the workspace"):
        add_source(ws, "x", {**NEW, "path": "../elsewhere.csv"})
    assert (ws / "enquiry.toml").read_bytes() == before
    assert relative_path(ws, "raw/../raw/new.csv") == "raw/new.csv"


def test_add_source_refuses_a_duplicate_unless_replace(tmp_path):
    ws = _workspace(tmp_path)
    before = (ws / "enquiry.toml").read_bytes()
    with pytest.raises(ConfigError, match="already a source called 'roster'"):
        add_source(ws, "roster", NEW)
    assert (ws / "enquiry.toml").read_bytes() == before
    add_source(ws, "roster", NEW, replace=True)
    m = read_manifest(ws)
    assert list(m.sources) == ["roster", "attainment"]  # replaced in place
    assert m.sources["roster"].label == "raw/new.csv"
    text = (ws / "enquiry.toml").read_text(encoding="utf-8")
    assert text.startswith("# My enquiry: keep this comment\n")
    assert "# The roster from SIMS" in text
    assert '"Year" = "year_group"' not in text  # the old columns went with the old entry


def test_add_source_rolls_back_an_invalid_entry(tmp_path):
    ws = _workspace(tmp_path)
    before = (ws / "enquiry.toml").read_bytes()
    with pytest.raises(ConfigError, match="unknown kind 'pupilz'. Did you mean 'pupils'"):
        add_source(ws, "bad", {**NEW, "kind": "pupilz"})
    assert (ws / "enquiry.toml").read_bytes() == before
    with pytest.raises(ConfigError, match="'year' is not a column of a pupils table"):
        add_source(ws, "bad", {**NEW, "columns": {"Yr": "year"}})
    assert (ws / "enquiry.toml").read_bytes() == before
    with pytest.raises(ConfigError, match="does not exist"):
        add_source(ws, "bad", {**NEW, "path": "raw/missing.csv"})
    assert (ws / "enquiry.toml").read_bytes() == before
    with pytest.raises(ConfigError, match="cannot be a source name"):
        add_source(ws, "my roster", NEW)
    assert (ws / "enquiry.toml").read_bytes() == before


def test_add_source_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    ws = _workspace(tmp_path)
    before = (ws / "enquiry.toml").read_bytes()
    calls = []
    real_replace = os.replace

    def failing_replace(src, dst):
        calls.append((Path(src), Path(dst)))
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        add_source(ws, "new_roster", NEW)
    monkeypatch.setattr(os, "replace", real_replace)
    # the write went to a temporary file in the same folder, then os.replace
    assert calls[0][1] == ws / "enquiry.toml"
    assert calls[0][0].parent == ws
    assert (ws / "enquiry.toml").read_bytes() == before
    assert sorted(p.name for p in ws.iterdir()) == ["enquiry.toml", "raw"]
    add_source(ws, "new_roster", NEW)
    assert sorted(p.name for p in ws.iterdir()) == ["enquiry.toml", "raw"]


def test_add_source_to_a_manifest_without_sources_keeps_a_bom(tmp_path):
    ws = _workspace(tmp_path, "")
    (ws / "enquiry.toml").write_bytes(b'\xef\xbb\xbftitle = "T"\n')
    add_source(ws, "new_roster", NEW)
    raw = (ws / "enquiry.toml").read_bytes()
    assert raw.startswith(b'\xef\xbb\xbftitle = "T"\n')
    assert read_manifest(ws).sources["new_roster"].columns["Yr"] == "year_group"


def test_add_source_without_a_manifest_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match="slc-research init"):
        add_source(tmp_path, "x", NEW)


def test_suggest_mapping_matches_headers_to_canonical_columns():
    headers = ["Pupil UPN", "Legal Forename", "Legal Surname", "Yr", "Sex", "Pupil Premium",
               "SEN Status", "EAL", "KS2 Band", "Tutor"]
    got = suggest_mapping(headers, "pupils")
    assert got["pupil_id"] == "Pupil UPN"
    assert got["forename"] == "Legal Forename"
    assert got["surname"] == "Legal Surname"
    assert got["year_group"] == "Yr"
    assert got["gender"] == "Sex"
    assert got["pupil_premium"] == "Pupil Premium"
    assert got["sen"] == "SEN Status"
    assert got["eal"] == "EAL"
    assert got["prior_attainment"] == "KS2 Band"
    assert got["school"] is None  # nothing like it: left unmapped
    assert "Tutor" not in got.values()


def test_suggest_mapping_uses_each_header_once():
    got = suggest_mapping(["Date", "Session", "Mark", "UPN"], "attendance")
    chosen = [h for h in got.values() if h]
    assert len(chosen) == len(set(chosen))
    assert got == {"pupil_id": "UPN", "date": "Date", "session": "Session", "code": "Mark",
                   "name": None, "forename": None, "surname": None, "email": None}


def test_check_source_runs_the_real_loader(tmp_path):
    ws = _workspace(tmp_path)
    ok = check_source(ws, NEW)
    assert ok.rows_read == 2
    pupils = ok.tables["pupils"]
    assert list(pupils["year_group"]) == [7, 9]
    assert not pupils["pupil_id"].isin(["A3", "A4"]).any()  # pseudonymised
    with pytest.raises(DataError, match=r"raw/new.csv, row 2, column 'Sex'") as err:
        check_source(ws, {**NEW, "columns": {"Pupil UPN": "pupil_id", "Sex": "year_group"}})
    assert err.value.column == "Sex"
    with pytest.raises(ConfigError, match="'yeargroup' is not a column of a pupils table"):
        check_source(ws, {**NEW, "columns": {"Yr": "yeargroup"}})
    assert (ws / "enquiry.toml").read_text(encoding="utf-8") == MANIFEST


def test_check_source_neither_reads_nor_creates_the_pseudonymisation_key(tmp_path):
    ws = _workspace(tmp_path)
    check_source(ws, NEW)
    assert not (ws / "private").exists()
    assert sorted(p.name for p in ws.iterdir()) == ["enquiry.toml", "raw"]


def test_columns_from_choices_and_source_names():
    assert columns_from_choices({"pupil_id": "UPN", "sen": None, "gender": "Sex", "eal": ""}) == {
        "UPN": "pupil_id", "Sex": "gender"}
    with pytest.raises(ConfigError, match="'Sex' is chosen for both 'gender' and 'sen'"):
        columns_from_choices({"gender": "Sex", "sen": "Sex"})
    assert suggest_source_name("raw/Y7 Roster (2025).csv") == "y7_roster_2025"
    assert suggest_source_name("raw/roster.csv", ["roster", "roster_2"]) == "roster_3"
    assert suggest_source_name("raw/__.csv") == "source"


def test_suggest_items_uses_the_manifest_and_item_codes():
    got = suggest_items(["I enjoy school", "ENG2", "Timestamp"], ["eng1", "eng2"],
                        known={"i enjoy school": "eng1", "timestamp": "respondent_id"})
    assert got == {"I enjoy school": "eng1", "ENG2": "eng2", "Timestamp": None}


def test_survey_columns_of_a_qualtrics_export(tmp_path):
    """Qualtrics' three header rows: questions by export name, suggested from known codes."""
    from slc_research.workspace.mapping_editor import survey_columns

    path = tmp_path / "q.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (
        b"StartDate,Status,IPAddress,Finished,ResponseId,Q1_1,Q1_2,Q2_4_TEXT\r\n"
        b"Start Date,Response Type,IP Address,Finished,Response ID,"
        b"Agree? - I look forward to my lessons,Agree? - I like maths,Other - Text\r\n"
        b'"{""ImportId"":""startDate""}","{""ImportId"":""status""}",'
        b'"{""ImportId"":""ipAddress""}","{""ImportId"":""finished""}",'
        b'"{""ImportId"":""_recordId""}","{""ImportId"":""QID1_1""}",'
        b'"{""ImportId"":""QID1_2""}","{""ImportId"":""QID2_4_TEXT""}"\r\n'
        b"2025-10-01 09:05:12,IP Address,203.0.113.7,True,R_1,Agree,Disagree,\r\n"))
    cols = survey_columns(path, codes=["eng1"], known={"I look forward to my lessons": "eng1"},
                          response_scales=read_manifest(_workspace(tmp_path)).response_scales)
    assert cols.tool == "Qualtrics"
    assert cols.questions == {"Q1_1": "eng1", "Q1_2": "q1_2"}
    assert cols.question_texts["Q1_2"] == "Agree? - I like maths"
    assert cols.not_questions == {"StartDate": "Qualtrics metadata",
                                  "Status": "Qualtrics metadata",
                                  "IPAddress": "personal data: left out, never read",
                                  "Finished": "Qualtrics metadata",
                                  "ResponseId": "Qualtrics metadata",
                                  "Q2_4_TEXT": "free text, not a scale item"}
    assert cols.response_scale == "agree5"
