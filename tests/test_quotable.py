"""Not quotable: texts and action plans a teacher lists in private/not_quotable.csv are never
quoted, by any quote function, while they are still counted and coded."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from slc_research import Enquiry, qual
from slc_research.casestudies.conferences.analysis import feedback_quotes
from slc_research.casestudies.tlc.action_plans import learning_quotes
from slc_research.data.loading.texts import text_id
from slc_research.errors import DataError
from slc_research.privacy.quotable import NOT_QUOTABLE_FILE, apply_not_quotable, load_not_quotable

MANIFEST = """
title = "Test enquiry"
academic_year = "2025-26"

[sources.roster]
path = "raw/roster.csv"
kind = "pupils"
[sources.roster.columns]
"UPN" = "pupil_id"
"Forename" = "forename"
"Surname" = "surname"

[sources.reflections]
path = "raw/reflections.csv"
kind = "texts"
authors = "pupil"
text_source = "reflection"
community = "7B"
[sources.reflections.columns]
"UPN" = "author_id"
"Reflection" = "text"

[sources.interviews]
path = "raw/interviews.csv"
kind = "texts"
authors = "pupil"
text_source = "interview"
[sources.interviews.columns]
"Response ID" = "text_id"
"UPN" = "author_id"
"Quote" = "text"
"OK to quote" = "quotable"
"""

ROSTER = "UPN,Forename,Surname\nA1,Zebedee,Quartermaine\nA2,Philippa,Oyelaran\n"
REFLECTIONS = ("UPN,Reflection\n"
               "A1,I planned my revision with a timetable.\n"
               "A2,I asked for help when I was stuck.\n"
               "A1,I checked my answers before handing in.\n")
INTERVIEWS = ("Response ID,UPN,Quote,OK to quote\n"
              "INT-1,A1,The teachers listened to us.,Y\n"
              "INT-2,A2,It was hard to fit the meetings in.,Y\n"
              "INT-3,A2,My mum was ill that term.,N\n")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "raw").mkdir()
    (tmp_path / "enquiry.toml").write_text(MANIFEST, encoding="utf-8")
    for name, text in (("roster", ROSTER), ("reflections", REFLECTIONS),
                       ("interviews", INTERVIEWS)):
        (tmp_path / "raw" / f"{name}.csv").write_text(text, encoding="utf-8")
    return tmp_path


def _mark(workspace: Path, text: str) -> None:
    (workspace / "private").mkdir(exist_ok=True)
    (workspace / "private" / NOT_QUOTABLE_FILE).write_text(text, encoding="utf-8")


def _quotable(enq: Enquiry) -> dict[str, bool]:
    return dict(zip(enq.texts["text"], enq.texts["quotable"].astype(bool), strict=True))


def test_without_the_file_only_the_raw_column_counts(workspace):
    enq = Enquiry.open(workspace)
    assert _quotable(enq) == {"I planned my revision with a timetable.": True,
                              "I asked for help when I was stuck.": True,
                              "I checked my answers before handing in.": True,
                              "The teachers listened to us.": True,
                              "It was hard to fit the meetings in.": True,
                              "My mum was ill that term.": False}
    assert enq.not_quotable == frozenset()


def test_texts_marked_by_id_or_by_source_and_row(workspace):
    before = Enquiry.open(workspace)
    _mark(workspace, "id,source,row,reason\nINT-2,,,asked in March\n"
                     ",reflections,3,a family matter\n")
    enq = Enquiry.open(workspace)
    shown = _quotable(enq)
    assert shown["It was hard to fit the meetings in."] is False
    assert shown["I asked for help when I was stuck."] is False  # Excel row 3 of the file
    assert shown["The teachers listened to us."] is True
    assert shown["I planned my revision with a timetable."] is True
    assert enq.not_quotable == {"INT-2", text_id("reflections", 3)}
    # still analysed: nothing is dropped
    assert len(enq.texts) == len(before.texts)
    # every report is out of date once the list changes
    assert enq.cache_key != before.cache_key


def test_the_id_the_coder_shows_is_accepted(workspace):
    enq = Enquiry.open(workspace)
    shown = enq.texts.loc[enq.texts["text"] == "I checked my answers before handing in.",
                          "text_id"].iloc[0]
    _mark(workspace, f"text_id\n{shown}\n")
    assert _quotable(Enquiry.open(workspace))["I checked my answers before handing in."] is False


def test_exemplar_quotes_leave_out_a_marked_text(workspace):
    enq = Enquiry.open(workspace)
    codings = pd.DataFrame({"text_id": enq.texts["text_id"], "coder": "A",
                            "code": "Code " + enq.texts["text_id"], "start": pd.NA,
                            "end": pd.NA})  # a code per text: each can be quoted
    codings = codings.astype({"start": "Int64", "end": "Int64"})
    every = qual.exemplar_quotes(enq.texts, codings, per_code=5)
    assert "The teachers listened to us." in set(every["quote"])
    _mark(workspace, "id\nINT-1\n")
    enq = Enquiry.open(workspace)
    quotes = qual.exemplar_quotes(enq.texts, codings, per_code=5)
    assert "The teachers listened to us." not in set(quotes["quote"])
    assert "My mum was ill that term." not in set(quotes["quote"])  # the raw column's "N"


def test_feedback_quotes_leave_out_a_marked_text():
    texts = pd.DataFrame({
        "text_id": ["F1", "F2", "F3"], "author_id": pd.NA, "author_type": "parent",
        "date": pd.NaT, "source": "feedback", "community": "7B",
        "text": ["Lovely to hear her talk.", "Very proud.", "Well organised."],
        "quotable": pd.array([True, True, True], dtype="boolean")})
    marked, _ = apply_not_quotable(texts, load_not_quotable_from({"F2"}))
    quotes = feedback_quotes(marked, ["7B"], per_group=5, threshold=1)
    assert set(quotes["Comment"]) == {"Lovely to hear her talk.", "Well organised."}


def load_not_quotable_from(ids: set[str]):
    from slc_research.privacy.quotable import NotQuotable

    return NotQuotable(frozenset(ids))


def test_learning_quotes_leave_out_a_marked_plan():
    plans = pd.DataFrame({"plan_id": ["P1", "P2"], "community": "TLC A", "status": "tried",
                          "report": ["Quizzes worked well.", "Pairs talk helped."]})
    assert len(learning_quotes(plans, ["TLC A"])) == 2
    kept = learning_quotes(plans, ["TLC A"], not_quotable={"P1"})
    assert kept == ["\u201cPairs talk helped.\u201d \u2014 a member of TLC A"]


@pytest.mark.parametrize(("text", "match"), [
    ("reason\nasked\n", "column 'id'"),
    ("source,row\nreflections,\n", r"row 2.*column 'row'"),
    ("source,row\nreflektions,3\n", "name of a texts source"),
    ("source,row\nreflections,first\n", "row number as Excel shows it"),
    ("source,row\ninterviews,3\n", "own text id column"),
])
def test_a_bad_list_names_the_row_and_the_fix(workspace, text, match):
    _mark(workspace, text)
    with pytest.raises(DataError, match=match) as info:
        Enquiry.open(workspace)
    assert info.value.problems[0].file == f"private/{NOT_QUOTABLE_FILE}"


def test_an_empty_list_marks_nothing(workspace):
    _mark(workspace, "")
    assert not load_not_quotable(workspace / "private")
