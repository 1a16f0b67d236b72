"""Whose answers a survey keyed by pupils' ids holds: the column mapper and ``init --from`` agree.

A Qualtrics export names its columns Q1_1, Q2 ...; the question ("What is your child's
admission number?") is only in its second header row. Its answers are the parents', though
the ids are pupils': read as pupils', the SLC report would take them for the pupils' own
questionnaire. The mapper set "pupil" for every survey whose ids matched the roster (its
dropdown's first choice), and ``init --from`` read the id question from the header (Q2).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from slc_research.widgets.mapper import column_mapper
from slc_research.widgets.mapper_parts import NOT_IN_FILE
from slc_research.workspace.recognise import recognise_folder

ADNOS = [f"{7001 + i:06d}" for i in range(12)]
AGREE = ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree"]
STATEMENTS = ["I feel welcome at school", "Homework is useful", "The school keeps me informed"]


def _workspace(root: Path) -> Path:
    (root / "raw").mkdir(parents=True)
    rows = ["Adno,Legal Surname,Legal Forename,Year,Gender"]
    rows += [f"{a},Testcase,Kid{i},{7 + i % 2},{'MF'[i % 2]}" for i, a in enumerate(ADNOS)]
    (root / "raw" / "roster.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (root / "enquiry.toml").write_text(
        'title = "Families"\nacademic_year = "2025-26"\nschools = ["Northfield Academy"]\n'
        '[sources.roster]\npath = "raw/roster.csv"\nkind = "pupils"\n'
        '[sources.roster.columns]\n"Adno" = "pupil_id"\n"Legal Forename" = "forename"\n'
        '"Legal Surname" = "surname"\n"Year" = "year_group"\n"Gender" = "gender"\n',
        encoding="utf-8")
    return root


def _qualtrics(path: Path, id_question: str) -> None:
    """A Qualtrics CSV: codes, question texts and import ids as its three header rows."""
    meta = ["StartDate", "EndDate", "Status", "Progress", "Finished", "RecordedDate",
            "ResponseId"]
    codes = [*meta, *(f"Q1_{i + 1}" for i in range(len(STATEMENTS))), "Q2"]
    texts = [*meta, *(f"How far do you agree? - {s}" for s in STATEMENTS), id_question]
    ids = [json.dumps({"ImportId": c}) for c in codes]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([codes, texts, ids])
    for i, a in enumerate(ADNOS):
        stamp = f"2025-11-0{1 + i % 5} 18:0{i % 10}:00"
        writer.writerow([stamp, stamp, "IP Address", "100", "True", stamp, f"R_{i:015d}",
                         *(AGREE[(i + j) % 4] for j in range(len(STATEMENTS))), a])
    path.write_text("\ufeff" + out.getvalue(), encoding="utf-8")


def _microsoft_forms(path: Path, id_question: str) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["ID", "Start time", "Completion time", "Email", "Name", id_question,
               *STATEMENTS])
    for i, a in enumerate(ADNOS):
        ws.append([i + 1, "11/4/25 18:00:00", "11/4/25 18:04:00", "anonymous", "", a,
                   *(AGREE[(i + j) % 4] for j in range(len(STATEMENTS)))])
    wb.save(path)


@pytest.mark.parametrize(("id_question", "whose"), [
    ("What is your child's admission number?", "parent"),
    ("Parent/carer: your son or daughter's admission number", "parent"),
    ("What is your admission number?", "pupil"),
])
def test_qualtrics_respondents_from_the_id_question_text(tmp_path, id_question, whose):
    ws = _workspace(tmp_path / "ws")
    _qualtrics(ws / "raw" / "family survey.csv", id_question)
    m = column_mapper(ws, "raw/family survey.csv", kind="survey")
    assert m.columns["respondent_id"].value == "Q2"
    assert m.options["respondents"].value == whose
    assert m.proposed_table()["respondents"] == whose
    # init --from proposes the same
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "roster.csv").write_bytes((ws / "raw" / "roster.csv").read_bytes())
    _qualtrics(exports / "family survey.csv", id_question)
    placed = {p.rel: p for p in recognise_folder(exports).placed}
    survey = placed["family survey.csv"]
    assert survey.table["columns"]["Q2"] == "respondent_id"
    assert survey.table["respondents"] == whose


@pytest.mark.parametrize(("id_question", "whose"), [
    ("Your child's admission number", "parent"),
    ("Your admission number", "pupil"),
])
def test_microsoft_forms_respondents_from_the_id_question(tmp_path, id_question, whose):
    ws = _workspace(tmp_path)
    _microsoft_forms(ws / "raw" / "feedback.xlsx", id_question)
    m = column_mapper(ws, "raw/feedback.xlsx", kind="survey")
    assert m.columns["respondent_id"].value == id_question
    assert m.options["respondents"].value == whose


def test_qualtrics_columns_are_named_by_their_questions_in_the_dropdowns(tmp_path):
    # "Q2" alone does not tell a teacher which column is the admission-number question
    ws = _workspace(tmp_path / "ws")
    _qualtrics(ws / "raw" / "family survey.csv", "What is your child's admission number?")
    m = column_mapper(ws, "raw/family survey.csv", kind="survey")
    dd = m.columns["respondent_id"]
    assert dd.value == "Q2"  # the choice kept
    labels = dict((value, label) for label, value in dd.options)
    assert labels["Q2"].endswith("Q2: What is your child's admission number?")
    assert labels["Q2"].startswith("(100% in the roster)")
    assert labels["Q1_1"] == "(not in the roster) Q1_1: How far do you agree? - I feel welcome " \
        "at school"
    assert labels[""] == NOT_IN_FILE  # "not in the file" stays as it was
