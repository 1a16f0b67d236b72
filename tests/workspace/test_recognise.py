"""Issue 17, item 1: a folder of exports recognised from its content.

The fixtures in ``tests/data/exports/school`` are one invented school's exports in
the real shapes of the tools (``make_exports.py`` writes them and documents each
shape); other shapes are written here into ``tmp_path``.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from slc_research.workspace.recognise import recognise_file, recognise_folder
from slc_research.workspace.recognise_survey import grid_statement, item_codes, wave_hint
from slc_research.workspace.recognised import Placed, Unplaced

SCHOOL = Path(__file__).parents[1] / "data" / "exports" / "school"
GRID = "How much do you agree with these statements?"


@pytest.fixture(scope="module")
def school():
    """The recognition of the fixture folder, by file."""
    got = recognise_folder(SCHOOL)
    return {p.rel: p for p in got.placed}, {u.rel: u for u in got.unplaced}, got


def _kinds(placed) -> dict[str, str]:
    return {rel: p.kind for rel, p in placed.items()}


def test_item1_every_file_is_placed_by_its_content(school):
    placed, unplaced, _ = school
    assert _kinds(placed) == {
        "roster.csv": "pupils", "pupil voice autumn.csv": "survey",
        "pupil voice spring.csv": "survey", "staff survey.xlsx": "survey",
        "qualtrics parents.csv": "survey", "register.csv": "attendance",
        "behaviour.csv": "behaviour", "slc members.csv": "memberships",
        "reflections.csv": "texts", "coding.qdpx": "qdpx", "weekly reflections": "texts"}
    assert list(unplaced) == ["notes.txt"]
    assert "a text file of prose" in unplaced["notes.txt"].reason


def test_item1_file_names_play_no_part_in_the_kind(tmp_path, school):
    placed, _, _ = school
    for i, p in enumerate(sorted(placed.values(), key=lambda p: p.rel)):
        if p.file.is_dir():  # a folder of texts: its files renamed too (no name pattern then)
            for j, f in enumerate(sorted(p.file.iterdir())):
                (tmp_path / f"folder {i}").mkdir(exist_ok=True)
                shutil.copyfile(f, tmp_path / f"folder {i}" / f"download ({j}){f.suffix}")
            continue
        shutil.copyfile(p.file, tmp_path / f"download ({i}){p.file.suffix}")
    renamed = recognise_folder(tmp_path)
    assert sorted(p.kind for p in renamed.placed) == sorted(_kinds(placed).values())
    assert sorted(p.what for p in renamed.placed) == sorted(p.what for p in placed.values())


def test_item1_google_forms_grid_codes_come_from_each_statement(school):
    p = school[0]["pupil voice autumn.csv"]
    assert p.what == "a Google Forms survey export"
    cols = p.table["columns"]
    assert {cols[f"{GRID} [{s}]"] for s in ("I enjoy coming to school",
                                             "My teachers listen to my ideas",
                                             "I feel safe in lessons",
                                             "I can say what helps me learn")} == {
        "enjoy_coming_school", "teachers_listen_ideas", "feel_safe_lessons", "can_say_helps"}
    assert "Timestamp" not in cols
    assert "Is there anything else you want to say?" not in cols  # free text, not an item
    assert p.table["response_scale"] == "agree5"
    assert "Strongly disagree .. Strongly agree" in p.checks["response_scale"]
    assert p.checks[f"columns.{GRID} [I feel safe in lessons]"] == (
        "the grid row's statement made the code")


def test_item1_respondent_id_is_the_question_that_matches_the_roster(school):
    p = school[0]["pupil voice autumn.csv"]
    assert p.table["columns"]["What is your admission number?"] == "respondent_id"
    assert p.table["respondents"] == "pupil"
    # 19 of the 20 distinct answers are admission numbers; one pupil typed "dont know"
    assert p.checks["columns.What is your admission number?"] == (
        "95% of its answers (19) are ids in the roster's 'Adno' column")


def test_item1_mis_roster_takes_the_id_the_other_files_use(school):
    p = school[0]["roster.csv"]
    assert p.what == "a roster from the MIS (one row per pupil)"
    cols = p.table["columns"]
    assert cols["Adno"] == "pupil_id"
    assert "UPN" not in cols  # the surveys, register, texts and members use admission numbers
    assert {cols[h] for h in ("Year", "Gender", "PP", "SEN Status", "EAL", "Legal Forename",
                              "Legal Surname")} == {
        "year_group", "gender", "pupil_premium", "sen", "eal", "forename", "surname"}
    assert "the id 6 other files use" in p.checks["columns.Adno"]
    beh = school[0]["behaviour.csv"]
    assert beh.table["columns"]["Adno"] == "pupil_id"  # it has both: the roster's one wins
    assert "UPN" not in beh.table["columns"]


def test_item1_microsoft_forms_export(school):
    p = school[0]["staff survey.xlsx"]
    assert p.what == "a Microsoft Forms survey export"
    assert p.table["columns"] == {"The SLC's ideas changed my teaching": "slc_ideas_changed",
                                  "I have time to plan with pupils": "have_time_plan"}
    assert not {"ID", "Start time", "Email", "Name"} & set(p.table["columns"])


def test_item1_qualtrics_export_with_three_header_rows(school):
    p = school[0]["qualtrics parents.csv"]
    assert p.what == "a Qualtrics survey export"
    # codes from the statements of row 2 ("My child's school... - Listens to my child")
    assert p.table["columns"] == {"Q1_1": "listens_child", "Q1_2": "tells_child_doing",
                                  "Q1_3": "values_child_ideas"}
    assert p.table["response_scale"] == "agree5"


def test_item1_sims_register_and_behaviour_log(school):
    reg = school[0]["register.csv"]
    assert reg.kind == "attendance"
    assert reg.table["layout"] == "wide"
    assert reg.table["columns"]["Adno"] == "pupil_id"
    assert "100% of its values are ids in the roster's 'Adno' column" == reg.checks[
        "columns.Adno"]
    beh = school[0]["behaviour.csv"]
    assert {k: v for k, v in beh.table["columns"].items() if v != "pupil_id"} == {
        "Date": "date", "Type": "type", "Category": "category", "Points": "points"}


def test_item1_arbor_roll_call_marks_are_long_attendance(tmp_path):
    path = tmp_path / "marks.csv"
    path.write_text("Student,UPN,Date,Session,Mark,Description\n"
                    "Ada Testcase,T999000000001,01/09/2025,AM,/,Present (AM)\n"
                    "Ada Testcase,T999000000001,01/09/2025,PM,N,No reason yet provided\n",
                    encoding="utf-8")
    p = recognise_file(path, "marks.csv")
    assert isinstance(p, Placed)
    assert (p.kind, p.table["layout"]) == ("attendance", "long")
    assert p.table["columns"] == {"UPN": "pupil_id", "Date": "date", "Session": "session",
                                  "Mark": "code"}


def test_item1_refi_qda_project_and_codebook(school, tmp_path):
    assert school[0]["coding.qdpx"].table == {"kind": "qdpx"}
    qdc = tmp_path / "book.qdc"
    qdc.write_text('<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:'
                   'codebook:1.0"><Codes><Code guid="c1" name="Voice" isCodable="true"/>'
                   '</Codes></CodeBook>\n', encoding="utf-8")
    got = recognise_file(qdc, "book.qdc")
    assert (got.kind, got.what) == ("qdpx", "a REFI-QDA codebook")


def test_item1_reflections_and_membership_lists(school):
    texts = school[0]["reflections.csv"]
    assert texts.table["columns"] == {"Date": "date", "Reflection": "text", "Adno": "author_id"}
    assert texts.table["authors"] == "pupil"
    members = school[0]["slc members.csv"]
    assert members.table["columns"]["Adno"] == "member_id"
    assert members.table["community"] == "SLC"  # no team column: from the name, to check
    assert "no column names the community" in members.checks["community"]
    # the kind of community, which decides which reports the list feeds (here slc_impact)
    assert members.table["community_kind"] == "slc"
    assert "the file's name says so" in members.checks["community_kind"]


def test_item1_word_documents_and_unknown_tables_are_listed_with_the_reason(tmp_path):
    with zipfile.ZipFile(tmp_path / "interview.docx", "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    (tmp_path / "budget.csv").write_text("Item,Cost\nPaper,12\nPens,4\n", encoding="utf-8")
    (tmp_path / "~$roster.xlsx").write_bytes(b"lock")  # Excel's lock file: skipped
    got = recognise_folder(tmp_path)
    assert got.placed == []
    reasons = {u.rel: u.reason for u in got.unplaced}
    assert set(reasons) == {"interview.docx", "budget.csv"}
    assert reasons["interview.docx"].startswith("a Word document")
    assert reasons["budget.csv"].startswith("the file's headers are 'Item', 'Cost': not those")


def test_item1_a_roster_saved_without_its_header_row_is_not_echoed(tmp_path):
    (tmp_path / "roster.csv").write_text("T999000000001,Ada,Testcase,7\n"
                                         "T999000000002,Bo,Sample,8\n", encoding="utf-8")
    (got,) = recognise_folder(tmp_path).unplaced
    assert got.reason.startswith("the first row looks like data rather than column headers")
    assert "T999" not in got.reason
    assert "Testcase" not in got.reason


def test_item1_waves_from_wave_numbers_in_names_and_from_dates(tmp_path):
    header = f"Timestamp,Your UPN,{GRID} [I like school],{GRID} [I like maths]\n"
    for name, stamp in (("Voice wave 2.csv", "2025/10/01"), ("Voice wave 1.csv", "2026/03/01")):
        (tmp_path / name).write_text(header + f"{stamp} 9:05:12 AM GMT+1,X1,Agree,Disagree\n",
                                     encoding="utf-8")
    got = {p.rel: p for p in recognise_folder(tmp_path).placed}
    assert got["Voice wave 1.csv"].table["wave"] == 1  # the names say so, whatever the dates
    assert got["Voice wave 2.csv"].table["wave"] == 2
    assert got["Voice wave 1.csv"].table["instrument"] == "voice"
    assert got["Voice wave 1.csv"].table["columns"] == got["Voice wave 2.csv"].table["columns"]
    assert wave_hint("pupil survey PRE") == (1, "'pre' in its name")
    assert wave_hint("summer responses")[0] == 3


def test_item1_item_codes_are_short_unique_snake_case():
    questions = {f"{GRID} [I like school]": "x", f"{GRID} [I like school!]": "x",
                 "Overall, how often do you read?": "y", "Your name": None}
    codes = item_codes(questions, {})
    assert list(codes.values()) == ["like_school", "like_school_2", "overall_read"]
    assert grid_statement("Q2_1", "My school - Listens to me") == ("My school", "Listens to me")
    assert grid_statement("Q [Row]") == ("Q", "Row")


def test_item1_answer_scale_matched_to_a_known_likert_scale(tmp_path):
    (tmp_path / "reading.csv").write_text(
        "Timestamp,How often do you read at home?,How often do you visit the library?\n"
        "2025/10/01 9:05:12 AM GMT+1,Often,Never\n2025/10/01 9:07:40 AM GMT+1,Sometimes,"
        "Always\n", encoding="utf-8")
    (p,) = recognise_folder(tmp_path).placed
    assert p.table["response_scale"] == "frequency5"
    assert sorted(p.table["columns"].values()) == ["read_home", "visit_library"]


def test_item1_unreadable_files_say_why_without_a_cell(tmp_path):
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    got = recognise_file(tmp_path / "old.xls", "old.xls")
    assert isinstance(got, Unplaced)
    assert got.reason.startswith("it cannot be read as a table: expected")


def test_item1_sims_register_with_dates_over_am_pm_rows(tmp_path):
    (tmp_path / "register.csv").write_text(
        "Surname,Forename,Reg Group,Adno,UPN,01/09/2025,,02/09/2025,\n"
        ",,,,,AM,PM,AM,PM\n"
        "Testcase,Ada,7A,004101,T999000000001,/,\\,/,\\\n"
        "Sample,Bo,7A,004102,T999000000002,/,N,/,\\\n", encoding="utf-8")
    (p,) = recognise_folder(tmp_path).placed
    assert (p.kind, p.table["layout"]) == ("attendance", "wide")
    assert p.checks["layout"] == "a row per pupil, dates in row 1 over AM and PM in row 2"


def test_item1_staff_list_and_a_roster_with_a_notes_column(tmp_path):
    (tmp_path / "staff.csv").write_text(
        "Staff Code,Title,Forename,Surname,Department,Role,Years Teaching\n"
        "ABC,Ms,Ada,Testcase,Maths,Teacher,4\nDEF,Mr,Bo,Sample,English,Head of Dept,12\n",
        encoding="utf-8")
    (tmp_path / "pupils.csv").write_text(
        "UPN,Forename,Surname,Year Group,Gender,PP,Notes\n"
        "T999000000001,Ada,Testcase,7,F,Y,A long note about support in lessons and at home\n"
        "T999000000002,Bo,Sample,8,M,N,Another long note about the pupil and their progress\n",
        encoding="utf-8")
    got = {p.rel: p for p in recognise_folder(tmp_path).placed}
    assert got["staff.csv"].kind == "staff"
    assert got["staff.csv"].table["columns"] == {
        "Staff Code": "staff_id", "Department": "department", "Role": "role",
        "Years Teaching": "years_experience", "Forename": "forename", "Surname": "surname"}
    assert got["pupils.csv"].kind == "pupils"  # a long Notes column does not make it texts
    assert got["pupils.csv"].table["columns"]["UPN"] == "pupil_id"


def test_item1_without_a_roster_an_id_question_is_known_by_its_header(tmp_path):
    (tmp_path / "voice.csv").write_text(
        f"Timestamp,Student ID,{GRID} [I like school],{GRID} [I like maths]\n"
        "2025/10/01 9:05:12 AM GMT+1,S1,Agree,Disagree\n"
        "2025/10/01 9:06:12 AM GMT+1,S2,Agree,Agree\n", encoding="utf-8")
    (p,) = recognise_folder(tmp_path).placed
    assert p.table["columns"]["Student ID"] == "respondent_id"
    assert "no roster in the folder" in p.checks["columns.Student ID"]


def test_item1_a_workspace_inside_the_folder_is_not_read_as_exports(tmp_path):
    shutil.copyfile(SCHOOL / "roster.csv", tmp_path / "roster.csv")
    (tmp_path / "ws" / "raw").mkdir(parents=True)
    shutil.copyfile(SCHOOL / "register.csv", tmp_path / "ws" / "raw" / "register.csv")
    got = recognise_folder(tmp_path, skip=(tmp_path / "ws").resolve())
    assert [p.rel for p in got.placed] == ["roster.csv"]


def test_item1_a_workbook_of_several_sheets_names_the_sheet_read(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Staff"
    for row in (["Staff Code", "Forename", "Surname", "Department", "Role"],
                ["ABC", "Ada", "Testcase", "Maths", "Teacher"],
                ["DEF", "Bo", "Sample", "English", "Teacher"]):
        ws.append(row)
    wb.create_sheet("Notes").append(["Exported from the MIS"])
    wb.save(tmp_path / "staff.xlsx")
    (p,) = recognise_folder(tmp_path).placed
    assert p.kind == "staff"
    assert p.table["sheet"] == "Staff"
    assert p.checks["sheet"] == "the sheet read (the workbook has 2: 'Staff', 'Notes')"
