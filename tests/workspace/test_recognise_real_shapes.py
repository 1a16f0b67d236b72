"""``init --from`` on export shapes the school fixtures do not have, as the tools write them.

Each test writes a small folder of invented exports (no real pupil, name or id)
in a shape found in real downloads: a Google Sheets ``.xlsx`` download whose
admission numbers are numbers (their leading zeros gone), a Qualtrics TSV in
UTF-16 on its default "Somewhat agree" scale, an Arbor roster whose SEN
statuses are written out in words.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl

from slc_research.workspace.recognise import recognise_folder

ADNOS = [f"{7001 + i:06d}" for i in range(12)]  # "007001" ...: an MIS keeps the zeros


def _roster(folder: Path) -> None:
    rows = ["Adno,Legal Surname,Legal Forename,Year,Gender,PP,SEN"]
    rows += [f"{a},Testcase,Kid{i},{7 + i % 2},{'MF'[i % 2]},{'Y' if i % 3 else 'N'},N"
             for i, a in enumerate(ADNOS)]
    (folder / "roster.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def _placed(folder: Path) -> dict:
    return {p.rel: p for p in recognise_folder(folder).placed}


def test_ids_that_lost_their_leading_zeros_still_match_the_roster(tmp_path):
    # Google Sheets' "Download > .xlsx" of a form's responses: an admission number typed
    # as a number is stored as one, so 007001 becomes 7001 (the loaders match it anyway)
    _roster(tmp_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Form responses 1"
    ws.append(["Timestamp", "Admission number", "I like working with the SLC"])
    for i, a in enumerate(ADNOS):
        ws.append([dt.datetime(2026, 2, 2, 10, i), int(a), ["Agree", "Disagree"][i % 2]])
    wb.save(tmp_path / "SLC check-in.xlsx")
    survey = _placed(tmp_path)["SLC check-in.xlsx"]
    assert survey.table["columns"]["Admission number"] == "respondent_id"
    assert survey.table["respondents"] == "pupil"
    assert "100% of its answers (12)" in survey.checks["columns.Admission number"]


_QUALTRICS_META = [("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/London"}'),
                   ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/London"}'),
                   ("Status", "Response Type", '{"ImportId":"status"}'),
                   ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
                   ("Progress", "Progress", '{"ImportId":"progress"}'),
                   ("Finished", "Finished", '{"ImportId":"finished"}'),
                   ("RecordedDate", "Recorded Date",
                    '{"ImportId":"recordedDate","timeZone":"Europe/London"}'),
                   ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
                   ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
                   ("DistributionChannel", "Distribution Channel",
                    '{"ImportId":"distributionChannel"}'),
                   ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}')]
_STATEMENTS = ["I feel welcome at school", "Staff ask my views", "I know how my child is doing"]
_SOMEWHAT = ["Strongly disagree", "Somewhat disagree", "Neither agree nor disagree",
             "Somewhat agree", "Strongly agree"]


def _qualtrics(path: Path, answers: list[list[str]], day: dt.date, *, tsv: bool) -> None:
    """A Qualtrics download (2020s shape: row 2 labels, row 3 ImportId objects with timeZone)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t" if tsv else ",", lineterminator="\r\n")
    w.writerow([m[0] for m in _QUALTRICS_META] + ["Q1_1", "Q1_2", "Q1_3", "Q2"])
    w.writerow([m[1] for m in _QUALTRICS_META] + [
        f"How far do you agree? - {s}" for s in _STATEMENTS] + ["Your child's admission number"])
    w.writerow([m[2] for m in _QUALTRICS_META] + [
        '{"ImportId":"QID1_1"}', '{"ImportId":"QID1_2"}', '{"ImportId":"QID1_3"}',
        '{"ImportId":"QID2_TEXT"}'])
    for i, row in enumerate(answers):
        stamp = f"{day.isoformat()} 18:{i:02d}:07"
        w.writerow([stamp, stamp, "IP Address", "", "100", "True", stamp, f"R_{i:015d}", "",
                    "anonymous", "EN-GB", *row, ADNOS[i]])
    text = buf.getvalue()
    # Qualtrics writes its TSV download in UTF-16 and its CSV in UTF-8 with a byte-order mark
    path.write_bytes(text.encode("utf-16") if tsv else ("\ufeff" + text).encode("utf-8"))


def test_qualtrics_somewhat_agree_scale_in_a_utf16_tsv_is_coded_and_loaded(tmp_path, capsys):
    from slc_research.cli import main
    from slc_research.workspace.enquiry import Enquiry

    exports = tmp_path / "exports"
    exports.mkdir()
    _roster(exports)
    autumn = [[_SOMEWHAT[(i + k) % 5] for k in range(3)] for i in range(10)]
    spring = [[_SOMEWHAT[(i + k + 1) % 5] for k in range(3)] for i in range(9)]
    _qualtrics(exports / "Parent survey_November 4, 2025_10.15.csv", autumn,
               dt.date(2025, 11, 4), tsv=False)
    _qualtrics(exports / "Parent survey_March 14, 2026_09.02.tsv", spring,
               dt.date(2026, 3, 14), tsv=True)
    placed = _placed(exports)
    for rel, wave in (("Parent survey_November 4, 2025_10.15.csv", 1),
                      ("Parent survey_March 14, 2026_09.02.tsv", 2)):
        entry = placed[rel].table
        assert entry["response_scale"] == "agree5"
        assert entry["wave"] == wave
        assert entry["columns"] == {"Q1_1": "feel_welcome_school", "Q1_2": "staff_ask_views",
                                    "Q1_3": "know_child_doing", "Q2": "respondent_id"}
    ws = tmp_path / "ws"
    assert main(["init", str(ws), "--from", str(exports)]) == 0
    capsys.readouterr()
    enq = Enquiry.open(ws)
    got = enq.survey_responses
    notes = [n for h in enq.health if h.kind == "survey" for n in h.notes]
    assert not any("only in case or spaces" in n for n in notes)  # "Somewhat agree" is no slip
    spring_rows = got[got["wave"] == 2]
    assert len(spring_rows) == 27
    values = dict(zip(spring_rows["answer"].astype(str), spring_rows["value"], strict=True))
    assert values == {"Strongly disagree": 1, "Somewhat disagree": 2,
                      "Neither agree nor disagree": 3, "Somewhat agree": 4, "Strongly agree": 5}


def test_a_seven_point_scale_is_not_read_as_agree5(tmp_path):
    from slc_research.data.loading.survey_columns import survey_columns
    from slc_research.data.spec import BUILTIN_RESPONSE_SCALES

    seven = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree",
             "Somewhat agree", "Agree", "Strongly agree"]
    rows = ["Timestamp,I feel welcome"] + [f"2025/10/0{1 + i % 7} 9:00:00 AM GMT,{a}"
                                           for i, a in enumerate(seven * 2)]
    (tmp_path / "form.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    got = survey_columns(tmp_path / "form.csv", response_scales=BUILTIN_RESPONSE_SCALES)
    assert got.questions == {"I feel welcome": None}  # no scale fits: not coded on agree5
    assert got.response_scale is None


def test_an_arbor_roster_with_sen_statuses_in_words_keeps_its_sen_column(tmp_path):
    # Arbor's student list saved by a European Excel: semicolons, CRLF, TRUE/FALSE flags
    rows = ["UPN;Admission No;Last Name;First Name;Year Group;Gender;Pupil Premium;EAL;"
            "SEN Status"]
    statuses = ["No Special Educational Need", "SEN Support", "Education, Health and Care Plan",
                "Monitoring"]
    rows += [f"X{900000000100 + i:012d};{a};Testcase;Kid{i};Year {7 + i % 2};"
             f"{['Male', 'Female'][i % 2]};{['TRUE', 'FALSE'][i % 2]};{i % 3 == 0:d};"
             f"{statuses[i % 4]}" for i, a in enumerate(ADNOS)]
    (tmp_path / "students.csv").write_bytes(("\r\n".join(rows) + "\r\n").encode("utf-8"))
    roster = _placed(tmp_path)["students.csv"]
    assert roster.kind == "pupils"
    assert roster.table["columns"]["SEN Status"] == "sen"
    from slc_research.cli import main
    from slc_research.workspace.enquiry import Enquiry

    ws = tmp_path / "ws"
    assert main(["init", str(ws), "--from", str(tmp_path)]) == 0
    pupils = Enquiry.open(ws).pupils
    assert pupils["sen"].astype("string").tolist()[:4] == ["none", "support", "ehcp", "none"]
    assert pupils["pupil_premium"].tolist()[:2] == [True, False]
    assert pupils["eal"].tolist()[:3] == [True, False, False]


def test_a_register_keyed_by_upn_beside_a_roster_keyed_by_adno_is_linked_or_a_warning(
        tmp_path, capsys):
    # Arbor's roll-call marks name pupils by UPN; the roster (and the form) by admission number
    from slc_research.cli import main

    exports = tmp_path / "exports"
    exports.mkdir()
    upns = [f"X{900000000100 + i:012d}" for i in range(len(ADNOS))]
    rows = ["Adno,UPN,Legal Surname,Legal Forename,Year,Gender,PP"]
    rows += [f"{a},{u},Testcase,Kid{i},7,F,Y" for i, (a, u) in enumerate(zip(ADNOS, upns,
                                                                             strict=True))]
    (exports / "roster.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    form = ["Timestamp,Admission number,I enjoy lessons"]
    form += [f"2025/10/0{1 + i % 9} 9:00:00 AM GMT,{a},Agree" for i, a in enumerate(ADNOS)]
    (exports / "pupil voice.csv").write_text("\n".join(form) + "\n", encoding="utf-8")
    marks = ["Student,UPN,Date,Session,Mark,,"]
    marks += [f"Kid{i} Testcase,{u},1 Sep 2025,{s},/,,"
              for i, u in enumerate(upns[:10]) for s in ("AM", "PM")]
    (exports / "attendance.csv").write_bytes(("\r\n".join(marks) + "\r\n").encode())
    ws = tmp_path / "ws"
    assert main(["init", str(ws), "--from", str(exports)]) == 0
    capsys.readouterr()
    # the roster holds both ids: init --from links the UPNs through other_id
    toml = ws / "enquiry.toml"
    assert 'other_id = "UPN"' in toml.read_text(encoding="utf-8")
    assert main(["check", str(ws)]) == 0
    assert "not on the roster" not in capsys.readouterr().out
    # without it, nobody in the register is linked, and check says so
    toml.write_text(toml.read_text(encoding="utf-8").replace('other_id = "UPN"', ""),
                    encoding="utf-8")
    assert main(["check", str(ws)]) == 0
    out = capsys.readouterr().out
    assert ("Warning: 10 of the 10 pupils in raw/attendance.csv are not on the roster: their "
            "marks are kept in [sources.attendance]") in out
    assert "None of the ids matches" in out
    assert not any(u in out for u in upns)
    assert not any(a in out for a in ADNOS)


def test_us_dated_google_sheets_downloads_give_the_right_year_and_wave_order(tmp_path, capsys):
    # "File > Download > CSV" of the responses sheet in a US-locale Google Sheet writes
    # Timestamp month first (10/2/2025 14:01:12); all days but one are 12 or less, so only
    # the column as a whole tells (the loader reads it month first, as the 13th shows)
    from slc_research.cli import main

    _roster(tmp_path)
    for name, month, year in (("check-in A", 3, 2026), ("check-in B", 10, 2025)):
        rows = ["Timestamp,Admission number,I enjoy SLC meetings"]
        rows += [f"{month}/{1 + i % 9}/{year} 14:{i:02d}:12,{a},Agree" for i, a in
                 enumerate(ADNOS[:-1])] + [f"{month}/13/{year} 9:00:00,{ADNOS[-1]},Agree"]
        (tmp_path / f"{name}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    placed = _placed(tmp_path)
    assert placed["check-in B.csv"].table["wave"] == 1  # October 2025
    assert placed["check-in A.csv"].table["wave"] == 2  # March 2026
    ws = tmp_path / "ws"
    assert main(["init", str(ws), "--from", str(tmp_path)]) == 0
    capsys.readouterr()
    assert 'academic_year = "2025-26"' in (ws / "enquiry.toml").read_text(encoding="utf-8")


def test_questions_given_no_code_are_written_commented_out_with_the_reason(tmp_path, capsys):
    # a Google Forms tick-box question ("Art, Music") and a free-text one fit no answer scale:
    # init --from used to leave them out of enquiry.toml without a word
    from slc_research.cli import main

    exports = tmp_path / "exports"
    exports.mkdir()
    _roster(exports)
    ticked = ["Art, Music", "Music", "Art, Drama", "Drama, Music", "Art"]
    rows = ["Timestamp,Admission number,I enjoy SLC meetings,Which clubs do you go to?,"
            "Anything else?"]
    rows += [f"2025/10/0{1 + i % 9} 9:0{i % 10}:00 AM GMT+1,{a},Agree,\"{ticked[i % 5]}\","
             f"{'More trips please' if i == 3 else ''}" for i, a in enumerate(ADNOS)]
    (exports / "pupil voice.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    ws = tmp_path / "ws"
    assert main(["init", str(ws), "--from", str(exports)]) == 0
    capsys.readouterr()
    text = (ws / "enquiry.toml").read_text(encoding="utf-8")
    assert ('# "Which clubs do you go to?" = "clubs_go"  # check: not read: its answers look '
            "like ticked options joined by ','") in text
    assert ('# "Anything else?" = "anything_else"  # check: not read: its answers fit no '
            "answer scale (free text?)") in text
    assert "More trips" not in text  # no answer is echoed
    # the teacher removes the # and the question is read, one yes/no item per option
    (ws / "enquiry.toml").write_text(text.replace('# "Which clubs do you go to?"',
                                                  '"Which clubs do you go to?"'),
                                     encoding="utf-8")
    from slc_research.workspace.enquiry import Enquiry

    got = Enquiry.open(ws).survey_responses
    clubs = got[got["item"].astype(str).str.startswith("clubs_go_")]
    assert sorted(clubs["item"].astype(str).unique()) == ["clubs_go_art", "clubs_go_drama",
                                                          "clubs_go_music"]
    assert clubs.groupby("item", observed=True)["value"].sum().to_dict() == {
        "clubs_go_art": 7, "clubs_go_drama": 4, "clubs_go_music": 8}


def _google_forms(path: Path, id_question: str, grid: str, statements: list[str]) -> None:
    """A Google Forms responses CSV: Timestamp, the id question, one grid of statements."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Timestamp", id_question, *(f"{grid} [{s}]" for s in statements)])
    answers = ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree"]
    for i, a in enumerate(ADNOS):
        writer.writerow([f"2026/03/0{1 + i % 5} 12:5{i % 10}:00 PM GMT", a,
                         *(answers[(i + j) % 4] for j in range(len(statements)))])
    path.write_text(out.getvalue(), encoding="utf-8")


def test_a_parent_survey_keyed_by_the_childs_admission_number_is_the_parents(tmp_path):
    # a family questionnaire asks for the child's admission number to link the answers: the
    # ids are pupils' ids, but the answers are the parents'; read as pupils', the SLC report
    # would take them for the pupils' own learning questionnaire
    _roster(tmp_path)
    _google_forms(tmp_path / "Family survey (Responses).csv",
                  "What is your child's admission number?", "How far do you agree?",
                  ["My child enjoys coming to school", "My child talks about their learning",
                   "I know how to help my child learn at home"])
    _google_forms(tmp_path / "Family survey ids only (Responses).csv", "Parent/carer: Adno",
                  "How far do you agree?", ["School keeps me informed", "Homework is useful"])
    _google_forms(tmp_path / "Pupil questionnaire (Responses).csv", "Admission number",
                  "How far do you agree?", ["My parents help me with homework",
                                            "I enjoy my lessons", "I can ask for help"])
    placed = _placed(tmp_path)
    family, named, pupils = (placed[f"{n} (Responses).csv"] for n in (
        "Family survey", "Family survey ids only", "Pupil questionnaire"))
    assert family.table["columns"]["What is your child's admission number?"] == "respondent_id"
    assert family.table["respondents"] == "parent"
    assert "parents or carers" in family.checks["respondents"]
    assert named.table["respondents"] == "parent"
    assert pupils.table["respondents"] == "pupil"


def test_a_grid_that_only_asks_how_far_one_agrees_is_named_after_its_questionnaire(tmp_path):
    # "How far do you agree?" as a scale's label reads "members' how far do you agree? went
    # up" in a report; a grid with a topic of its own keeps its question
    _roster(tmp_path)
    _google_forms(tmp_path / "Family survey (Responses).csv", "Admission number",
                  "How far do you agree?", ["School keeps me informed", "Homework is useful"])
    _google_forms(tmp_path / "Learning check (Responses).csv", "Admission number",
                  "Working with the SLC", ["I speak up more", "I plan my work"])
    labels = sorted(s["label"] for s in recognise_folder(tmp_path).scales.values())
    assert labels == ["Family survey", "Working with the SLC"]
