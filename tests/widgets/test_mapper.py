"""The column mapper widget, driven headless on a copy of the demo workspace."""

from __future__ import annotations

import csv
import hashlib
import shutil
import tomllib
from pathlib import Path

import ipywidgets as w
import pytest

from slc_research import Enquiry
from slc_research.errors import ConfigError, DataError
from slc_research.widgets.mapper import ColumnMapper, column_mapper

pytestmark = pytest.mark.xdist_group("demo")

RENAMED = {"UPN": "Pupil UPN", "Legal Forename": "First Name", "Legal Surname": "Last Name",
           "Year": "NC Year", "Gender": "Sex", "PP": "Pupil Premium", "SEN Status": "SEND",
           "KS2 Band": "Prior attainment"}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _renamed_roster(ws: Path) -> Path:
    src = ws / "raw" / "northfield-academy" / "mis" / "roster.csv"
    with open(src, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[0] = [RENAMED.get(h, h) for h in rows[0]]
    out = ws / "raw" / "new" / "roster.csv"
    out.parent.mkdir(parents=True)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return out


def test_map_a_renamed_roster_see_errors_live_and_write_it(demo_copy, demo_enquiry):
    raw = _renamed_roster(demo_copy)
    before = _sha(raw)
    m = column_mapper(demo_copy, "raw/new/roster.csv", kind="pupils")
    assert isinstance(m, ColumnMapper)
    assert isinstance(m, w.VBox)
    assert m.suggestions == {
        "pupil_id": "Pupil UPN", "school": None, "year_group": "NC Year", "gender": "Sex",
        "pupil_premium": "Pupil Premium", "sen": "SEND", "eal": "EAL",
        "prior_attainment": "Prior attainment", "name": None, "forename": "First Name",
        "surname": "Last Name", "email": None}
    assert m.columns["pupil_id"].value == "Pupil UPN"
    assert m.name.value == "roster"
    assert m.error is None
    assert not m.write.disabled
    assert m.loaded.rows_read == 1000
    assert "Reads" in m.message.value

    # a wrong choice: the real loader's message, naming file, row and column
    m.columns["gender"].value = ""
    m.columns["year_group"].value = "Sex"
    assert isinstance(m.error, DataError)
    assert (m.error.file, m.error.row, m.error.column) == ("raw/new/roster.csv", 2, "Sex")
    assert "raw/new/roster.csv, row 2, column &#x27;Sex&#x27;" in m.message.value
    assert "expected a year group" in m.message.value
    assert m.write.disabled
    manifest_before = (demo_copy / "enquiry.toml").read_bytes()
    m.write.click()  # refused while invalid, even if clicked
    assert (demo_copy / "enquiry.toml").read_bytes() == manifest_before
    assert "Not written" in m.result.value

    # one header for two columns
    m.columns["gender"].value = "Sex"
    assert isinstance(m.error, ConfigError)
    assert "chosen for both" in m.message.value

    # a required column missing
    m.columns["year_group"].value = "NC Year"
    m.columns["pupil_id"].value = ""
    assert isinstance(m.error, DataError)
    assert "a column giving &#x27;pupil_id&#x27;" in m.message.value

    # fixed: valid again, then written
    m.columns["pupil_id"].value = "Pupil UPN"
    m.options["school"].value = "Northfield Academy"
    m.description.value = "Northfield roster, new export"
    assert m.error is None
    assert not m.write.disabled
    m.write.click()
    assert m.written is not None
    assert m.written.name == "roster"
    assert "Written" in m.result.value
    text = (demo_copy / "enquiry.toml").read_text(encoding="utf-8")
    assert text.startswith(manifest_before.decode("utf-8"))  # the rest of the file kept
    entry = tomllib.loads(text)["sources"]["roster"]
    assert entry["path"] == "raw/new/roster.csv"
    assert entry["kind"] == "pupils"
    assert entry["school"] == "Northfield Academy"
    assert entry["description"] == "Northfield roster, new export"
    assert entry["columns"] == {
        "Pupil UPN": "pupil_id", "NC Year": "year_group", "Sex": "gender",
        "Pupil Premium": "pupil_premium", "SEND": "sen", "EAL": "eal",
        "Prior attainment": "prior_attainment", "First Name": "forename",
        "Last Name": "surname"}
    assert m.write.disabled  # written: the name is now taken
    # one click, one outcome: "Written", never "Not ready" beside it (issue 17)
    assert "Not ready" not in m.message.value + m.result.value
    assert "already a source called" not in m.message.value

    assert _sha(raw) == before  # the raw file is byte-identical
    enquiry = Enquiry.open(demo_copy)
    health = {h.source: h for h in enquiry.health}
    assert health["roster"].rows_read == 1000
    assert health["roster"].file == "raw/new/roster.csv"
    assert len(enquiry.pupils) == len(demo_enquiry.pupils) + 998  # 2 withdrawn pupils left out


def test_a_survey_export_is_mapped_to_item_codes(demo_copy):
    src = demo_copy / "raw" / "northfield-academy" / "surveys" / "learning_questionnaire_autumn.csv"
    dest = demo_copy / "raw" / "extra" / "lq_spring.csv"
    dest.parent.mkdir()
    shutil.copyfile(src, dest)
    before = _sha(dest)
    m = column_mapper(demo_copy, dest, kind="survey")  # an absolute path inside the workspace
    assert m.rel == "raw/extra/lq_spring.csv"
    assert m.columns["respondent_id"].value == "Pupil ID"
    assert m.options["instrument"].value == "learning_questionnaire"
    assert m.items["I look forward to my lessons"].value == "eng1"
    assert "Timestamp" not in m.items  # listed under "Not questions", never offered
    assert "Pupil ID" not in m.items
    m.options["wave"].value = 3
    m.options["respondents"].value = "pupil"
    assert m.error is None, m.message.value
    table = m.proposed_table()
    assert table["columns"]["I look forward to my lessons"] == "eng1"
    assert table["wave"] == 3
    m.items["I look forward to my lessons"].value = ""
    assert "eng1" not in m.proposed_table()["columns"].values()
    m.items["I look forward to my lessons"].value = "eng1"
    m.write.click()
    assert m.written.options["wave"] == 3
    assert _sha(dest) == before
    enquiry = Enquiry.open(demo_copy)
    waves = enquiry.survey_responses.loc[
        enquiry.survey_responses["source"] == m.written.name, "wave"]
    assert set(waves) == {3}


def test_kind_changes_rebuild_the_dropdowns_and_options(demo_copy):
    _renamed_roster(demo_copy)
    m = column_mapper(demo_copy, "raw/new/roster.csv")
    assert m.kind.value == "pupils"
    m.kind.value = "attendance"
    assert list(m.columns)[:4] == ["pupil_id", "date", "session", "code"]
    assert m.columns["date"].value == ""
    assert list(m.options) == ["layout"]
    assert m.options["layout"].value == ""  # recognised from the file
    assert "expected a register in one of the layouts understood" in m.message.value
    m.options["layout"].value = "long"
    assert "a column giving &#x27;date&#x27;" in m.message.value
    m.kind.value = "memberships"
    assert set(m.options) == {"members", "community_kind", "school", "community"}
    assert m.options["community_kind"].options[0] == "slc"
    m.name.value = "bad name!"
    assert "cannot be a source name" in m.message.value
    assert m.write.disabled


def test_a_workbook_offers_its_sheets(demo_copy):
    path = "raw/northfield-academy/mis/staff_list.xlsx"
    before = _sha(demo_copy / path)
    m = column_mapper(demo_copy, path, kind="staff")
    assert m.sheet.options == ("Staff", "Notes")
    assert m.suggestions["staff_id"] == "Staff Code"
    assert m.suggestions["years_experience"] == "Years Teaching"
    assert m.error is None
    m.sheet.value = "Notes"
    assert m.headers == []
    assert m.write.disabled
    assert "add a header or delete the column" in m.message.value
    m.sheet.value = "Staff"
    assert m.error is None
    assert m.proposed_table()["sheet"] == "Staff"
    assert _sha(demo_copy / path) == before


def test_controls_are_described_and_classed(demo_copy):
    _renamed_roster(demo_copy)
    m = column_mapper(demo_copy, "raw/new/roster.csv", kind="pupils")
    for control, cls in ((m.kind, "kind"), (m.name, "name"), (m.write, "write"),
                         (m.columns["pupil_id"], "column-pupil-id"),
                         (m.options["school"], "option-school"), (m.message, "message")):
        assert f"slc-mapper-{cls}" in control._dom_classes
        if cls != "message":
            assert control.description
    assert "slc-mapper" in m._dom_classes


def test_a_file_outside_the_workspace_is_refused(demo_copy, tmp_path):
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("UPN\nA1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="outside the workspace"):
        column_mapper(demo_copy, outside)
    with pytest.raises(ConfigError, match="outside the workspace"):
        column_mapper(demo_copy, "../elsewhere.csv")


def test_a_raw_google_forms_export_offers_its_question_columns(tmp_path):
    """A Google Forms download in a small workspace: the tool is named, the questions are
    offered with new item codes and the answer scale, and the loader checks the result."""
    (tmp_path / "raw").mkdir()
    (tmp_path / "enquiry.toml").write_text(
        'title = "Voice"\nacademic_year = "2025-26"\nschools = ["Northfield Academy"]\n',
        encoding="utf-8")
    (tmp_path / "raw" / "voice.csv").write_text(
        "Timestamp,Email address,I look forward to my lessons,Tutor group\n"
        "2025/10/01 9:05:12 AM GMT+1,ava.example@school.example,Agree,7A\n"
        "2025/10/01 9:07:40 AM GMT+1,ben.sample@school.example,Strongly agree,7B\n",
        encoding="utf-8")
    m = column_mapper(tmp_path, "raw/voice.csv", kind="survey")
    assert m.survey.tool == "Google Forms"
    assert "Google Forms" in m._survey_note.value
    assert m.items["I look forward to my lessons"].value == "look_forward_lessons"
    assert m.items["Tutor group"].value == ""  # its answers are on no answer scale
    assert "Timestamp" not in m.items  # not a question: listed, never offered
    assert "Timestamp (Google Forms metadata)" in m._survey_note.value
    assert m.columns["email"].value == "Email address"  # read for nothing, never stored
    assert m.options["response_scale"].value == "agree5"
    assert "multi_select" not in m.options
    assert m.error is None, m.message.value
    assert "recognised as a Google Forms export" in m.message.value
    assert "ava.example" not in m.loaded.tables["survey_responses"].to_csv()
    m.options["format"].value = "plain"
    assert "Timestamp" in m.items  # a plain table: every column may be a question
    assert m.error is None, m.message.value
