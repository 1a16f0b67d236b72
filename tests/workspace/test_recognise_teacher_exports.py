"""``init --from`` on a second teacher's exports, in shapes the other fixtures do not have.

Each test writes a small folder of invented exports (no real pupil, name or id) in the
shape the tool writes: Microsoft Forms' "Open results in Excel" workbook (ID, Start time,
Completion time, Email ``anonymous``, Name, Last modified time, then one column per
question; ticked options joined by ``;`` with a trailing ``;``), a second wave of the same
form whose questions were reworded a little, ...
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from slc_research.workspace.recognise import recognise_folder

ADNOS = [f"{5201 + i:06d}" for i in range(14)]
AGREE = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]


def _roster(folder: Path, *, upn: bool = False) -> None:
    head = "Adno,UPN," if upn else "Adno,"
    rows = [head + "Legal Surname,Legal Forename,Year,Gender,PP,SEN"]
    rows += [f"{a}," + (f"T99900000{i:04d}," if upn else "")
             + f"Testcase,Kid{i},{7 + i % 2},{'MF'[i % 2]},{'Y' if i % 3 else 'N'},N"
             for i, a in enumerate(ADNOS)]
    (folder / "roster.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def _msforms(path: Path, statements: list[str], *, month: int, shift: int) -> None:
    """Microsoft Forms' workbook: the form's own columns, the id question, one per statement."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
               "What is your admission number?", *statements,
               "Which SLC activities have you taken part in?"])
    for i, a in enumerate(ADNOS):
        start = dt.datetime(2025 + month // 13, (month - 1) % 12 + 1, 1 + i, 9, i)
        ws.append([i + 1, start, start + dt.timedelta(minutes=4), "anonymous", None, None, a,
                   *(AGREE[(i + k + shift) % 5] for k in range(len(statements))),
                   "Planning lessons;Giving feedback;" if i % 2 else "Observing lessons;"])
    wb.save(path)


def test_a_question_reworded_in_the_second_wave_keeps_its_item_code(tmp_path, capsys):
    # The summer form's questions were edited: a full stop added, "in class" became "in
    # lessons". Each wave's question was given a code of its own ("..._2"), so no pupil had
    # an answer at both waves: the change of those items was never computed, without a word
    from slc_research.cli import main
    from slc_research.workspace.enquiry import Enquiry

    exports = tmp_path / "exports"
    exports.mkdir()
    _roster(exports)
    autumn = ["I enjoy coming to school", "My teachers listen to my ideas",
              "I feel confident to speak up in class", "I know how to improve my work"]
    summer = ["I enjoy coming to school", "My teachers listen to my ideas.",
              "I feel confident to speak up in lessons", "I know how to improve my work"]
    _msforms(exports / "Pupil Voice Survey(1-14).xlsx", autumn, month=10, shift=0)
    _msforms(exports / "Pupil Voice Survey - Summer(1-14).xlsx", summer, month=18, shift=1)
    placed = {p.rel: p for p in recognise_folder(exports).placed}
    first = placed["Pupil Voice Survey(1-14).xlsx"]
    second = placed["Pupil Voice Survey - Summer(1-14).xlsx"]
    assert (first.table["wave"], second.table["wave"]) == (1, 2)
    codes = {c for c in first.table["columns"].values() if c != "respondent_id"}
    assert codes == {c for c in second.table["columns"].values() if c != "respondent_id"}
    assert codes == {"enjoy_coming_school", "teachers_listen_ideas", "feel_confident_speak",
                     "know_improve_work", "slc_activities_have"}
    # the guess is marked, with the words that differ (the summer file is read first)
    assert first.checks["columns.I feel confident to speak up in class"] == (
        "the code of 'I feel confident to speak up in lessons' in another file, worded a "
        "little differently here ('class' where it has 'lessons'); if it is another "
        "question, give it a code of its own")
    assert "only its punctuation or capitals differ" in first.checks[
        "columns.My teachers listen to my ideas"]
    ws = tmp_path / "ws"
    assert main(["init", str(ws), "--from", str(exports)]) == 0
    capsys.readouterr()
    enq = Enquiry.open(ws)
    got = enq.survey_responses
    both = got[got["item"].astype(str) == "feel_confident_speak"].groupby(
        "respondent_id", observed=True)["wave"].nunique()
    assert (both == 2).sum() == len(ADNOS)  # every pupil answered it at both waves


def test_different_questions_in_one_file_or_reworded_too_much_keep_their_own_codes():
    from slc_research.workspace.recognise_survey import item_codes, wording_change

    known: dict[str, str] = {}
    taken: list[str] = []
    worded: dict[str, str] = {}
    first = item_codes({"I feel safe in lessons": "x", "I feel safe in lessons!": "x"}, {},
                       known=known, taken=taken, worded=worded)
    assert list(first.values()) == ["feel_safe_lessons", "feel_safe_lessons_2"]
    notes: dict[str, str] = {}
    second = item_codes({"I feel safe in lessons and at break and lunch": "x"}, {},
                        known=known, taken=taken, worded=worded, notes=notes)
    assert second == {"I feel safe in lessons and at break and lunch": "feel_safe_lessons_3"}
    assert notes == {}
    assert wording_change("I enjoy maths", "I enjoy art") is None


def test_likert_statements_exported_as_questions_of_their_own_are_proposed_as_a_scale(
        tmp_path, capsys):
    # Microsoft Forms writes each statement of a Likert question as a column of its own,
    # without the question above them: no grid, so no scale was proposed, and the SLC
    # report said "No questionnaire was given" of a questionnaire answered twice by 14 pupils
    from slc_research.cli import main
    from slc_research.workspace.enquiry import Enquiry

    exports = tmp_path / "exports"
    exports.mkdir()
    _roster(exports)
    statements = ["I enjoy coming to school", "My teachers listen to my ideas",
                  "I feel confident to speak up in class", "I know how to improve my work"]
    _msforms(exports / "Pupil Voice Survey(1-14).xlsx", statements, month=10, shift=0)
    _msforms(exports / "Pupil Voice Survey - Summer(1-14).xlsx", statements, month=18, shift=1)
    scales = recognise_folder(exports).scales
    assert scales == {"pupil_voice_survey": {
        "items": ["enjoy_coming_school", "teachers_listen_ideas", "feel_confident_speak",
                  "know_improve_work"],  # not the tick-all-that-apply question after them
        "response_scale": "agree5", "label": "Pupil voice survey",
        "instrument": "pupil_voice_survey", "why": scales["pupil_voice_survey"]["why"]}}
    ws = tmp_path / "ws"
    assert main(["init", str(ws), "--from", str(exports)]) == 0
    capsys.readouterr()
    text = (ws / "enquiry.toml").read_text(encoding="utf-8")
    assert ("[scales.pupil_voice_survey]  # check: 4 questions in a row are answered on "
            "agree5: one scale? Delete this table if they do not measure one thing") in text
    scores = Enquiry.open(ws).scale_scores()
    assert sorted(scores.groupby("wave")["respondent_id"].nunique().tolist()) == [14, 14]


def test_two_questions_in_a_row_or_a_grid_are_not_proposed_as_a_run(tmp_path):
    _roster(tmp_path)
    _msforms(tmp_path / "Check-in(1-14).xlsx", ["I enjoy coming to school",
                                                "My teachers listen to my ideas"],
             month=10, shift=0)
    assert recognise_folder(tmp_path).scales == {}


def _qualtrics_numeric(path: Path) -> None:
    """Qualtrics' CSV download with "Use numeric values": the answers are their recode values.

    Row 2 the question texts, row 3 the ImportId objects; ``ExternalReference`` (the contact
    list's external data reference) holds the child's admission number, and the embedded
    data field ``YearGroup`` follows the questions.
    """
    import csv
    import io

    meta = [("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/London"}'),
            ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/London"}'),
            ("Status", "Response Type", '{"ImportId":"status"}'),
            ("Progress", "Progress", '{"ImportId":"progress"}'),
            ("Finished", "Finished", '{"ImportId":"finished"}'),
            ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
            ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
            ("ExternalReference", "External Data Reference",
             '{"ImportId":"externalDataReference"}')]
    questions = [(f"Q1_{k}", f"How far do you agree? - {s}", f'{{"ImportId":"QID1_{k}"}}')
                 for k, s in enumerate(["My child is happy at school",
                                        "The school listens to my child",
                                        "I know what my child is learning"], start=1)]
    embedded = [("YearGroup", "YearGroup", '{"ImportId":"YearGroup"}')]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    for k in range(3):
        w.writerow([c[k] for c in meta + questions + embedded])
    for i, a in enumerate(ADNOS):
        stamp = f"2025-11-{1 + i:02d} 19:{i:02d}:00"
        # numeric values: Status 0 is "IP Address" (a real response), Finished 1 is True
        w.writerow([stamp, stamp, "0", "100", "1", f"R_{i:015d}", f"parent{i}@home.example",
                    a, 1 + i % 5, 1 + (i + 1) % 5, 1 + (i + 2) % 5, str(7 + i % 2)])
    path.write_bytes(("\ufeff" + out.getvalue()).encode("utf-8"))


def test_a_numeric_values_download_reads_its_scale_as_a_guess_to_check(tmp_path):
    # answers 1-5 fit agree5, frequency5 or any five-level scale alike: the words they stand
    # for (and their order) are in Qualtrics' recode values, not in the file
    _roster(tmp_path)
    _qualtrics_numeric(tmp_path / "Parent Survey_November 20, 2025_08.12.csv")
    entry = next(p for p in recognise_folder(tmp_path).placed if p.kind == "survey")
    assert entry.table["columns"] == {"Q1_1": "child_happy_school",
                                      "Q1_2": "school_listens_child",
                                      "Q1_3": "know_child_learning",
                                      "ExternalReference": "respondent_id"}
    assert entry.table["respondents"] == "parent"
    assert entry.checks["response_scale"] == (
        "a guess: the answers are numbers (1 to 5), not words, so they are read as agree5's "
        "1 = Strongly disagree .. 5 = Strongly agree; check what your survey tool numbered "
        "each answer (Qualtrics: Recode values) and give the scale it used, in that order")
