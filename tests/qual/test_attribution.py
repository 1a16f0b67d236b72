"""Quotes are attributed only by a report-local label and a role: never a name, a real id, a
pseudonym or a text id, even when a role typed into the membership list names someone."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from slc_research import Enquiry, qual
from slc_research.casestudies.conferences.analysis import AUTHOR_LABELS, feedback_quotes
from slc_research.casestudies.tlc.action_plans import learning_quotes

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

[sources.staff]
path = "raw/staff.csv"
kind = "staff"
[sources.staff.columns]
"Code" = "staff_id"
"Forename" = "forename"
"Surname" = "surname"

[sources.members]
path = "raw/members.csv"
kind = "memberships"
members = "pupil"
community_kind = "slc"
[sources.members.columns]
"UPN" = "member_id"
"Team" = "community"
"Role" = "role"

[sources.interviews]
path = "raw/interviews.csv"
kind = "texts"
text_source = "interview"
community = "Pupil Panel"
[sources.interviews.columns]
"Response ID" = "text_id"
"Who" = "author_type"
"ID" = "author_id"
"Quote" = "text"

[sources.codings]
path = "raw/codings.csv"
kind = "codings"
coder = "A"
[sources.codings.columns]
"Text ID" = "text_id"
"Code" = "code"
"""

ROSTER = ("UPN,Forename,Surname\nK100000000001,Zebedee,Quartermaine\n"
          "K100000000002,Philippa,Oyelaran\nK100000000003,Marcus,Featherstonehaugh\n")
STAFF = "Code,Forename,Surname\nABX,Ottoline,Wrexham\n"
MEMBERS = ("UPN,Team,Role\nK100000000001,Pupil Panel,Chair (with Philippa Oyelaran)\n"
           "K100000000002,Pupil Panel,Pedagogy lead\nK100000000003,Pupil Panel,Member\n")
INTERVIEWS = ("Response ID,Who,ID,Quote\n"
              "INT-1,pupil,K100000000001,The teachers listened to us.\n"
              "INT-2,pupil,K100000000002,We planned a lesson with Ottoline.\n"
              "INT-3,pupil,K100000000003,I liked the meetings.\n"
              "INT-4,staff,ABX,The pupils saw things I had missed.\n"
              "INT-5,parent,,She talks about learning at home now.\n")
CODINGS = ("Text ID,Code\nINT-1,Voice\nINT-2,Voice\nINT-3,Voice\nINT-4,Voice\nINT-5,Voice\n"
           "INT-1,Planning\nINT-2,Planning\n")
SECRETS = ("Zebedee", "Quartermaine", "Philippa", "Oyelaran", "Marcus", "Featherstonehaugh",
           "Ottoline", "Wrexham", "K100000000001", "K100000000002", "K100000000003", "ABX",
           "INT-")
LABEL = re.compile(r"(Pupil \d+|Staff member \d+|A parent|A pupil|A member of staff|"
                   r"Anonymous respondent)(, [^,]+)?")
PSEUDONYM = re.compile(r"\b[PSGAT]-[0-9a-f]{6,}")


@pytest.fixture
def enq(tmp_path: Path) -> Enquiry:
    (tmp_path / "raw").mkdir()
    (tmp_path / "enquiry.toml").write_text(MANIFEST, encoding="utf-8")
    for name, text in (("roster", ROSTER), ("staff", STAFF), ("members", MEMBERS),
                       ("interviews", INTERVIEWS), ("codings", CODINGS)):
        (tmp_path / "raw" / f"{name}.csv").write_text(text, encoding="utf-8")
    return Enquiry.open(tmp_path)


def _clean(text: str) -> None:
    assert not [s for s in SECRETS if s in text], text
    assert not PSEUDONYM.search(text), text


def test_exemplar_quote_attributions_are_label_and_role_only(enq):
    quotes = qual.exemplar_quotes(enq.texts, enq.codings, per_code=5,
                                  memberships=enq.memberships)
    assert len(quotes) == 7
    for who in quotes["attribution"]:
        assert LABEL.fullmatch(who), who
        _clean(who)
    for quote in quotes["quote"]:
        _clean(quote)
    assert any(w.endswith(", Pedagogy lead") for w in quotes["attribution"])
    assert any(w.endswith("Chair (with [name])") for w in quotes["attribution"])
    assert "A parent" in set(quotes["attribution"])


def test_a_name_typed_into_a_role_is_redacted_at_load(enq):
    roles = set(enq.memberships["role"].dropna())
    assert "Chair (with [name])" in roles
    assert not [r for r in roles if "Philippa" in r or "Oyelaran" in r]


def test_attribution_labels_never_hold_the_author_id():
    authors = pd.DataFrame({"author_id": ["P-0123456789", "P-abcdefabcd", "S-0011223344", None,
                                          None],
                            "author_type": ["pupil", "pupil", "staff", "parent", "anonymous"],
                            "community": ["SLC", "SLC", "TLC", "SLC", None]})
    labels = qual.attribution_labels(authors)
    assert sorted(labels[:2]) == ["Pupil 1", "Pupil 2"]
    assert list(labels[2:]) == ["Staff member 1", "A parent", "Anonymous respondent"]
    for who in labels:
        _clean(who)


def test_feedback_and_plan_quotes_are_attributed_by_role_only():
    texts = pd.DataFrame({
        "text_id": ["F1", "F2", "F3"], "author_id": ["G-0123456789", pd.NA, "P-0123456789"],
        "author_type": ["parent", "parent", "pupil"], "date": pd.NaT, "source": "feedback",
        "community": "7B", "text": ["Lovely.", "Proud.", "Fun."],
        "quotable": pd.array([True, True, True], dtype="boolean")})
    quotes = feedback_quotes(texts, ["7B"], per_group=5, threshold=1)
    assert set(quotes["Who"]) <= set(AUTHOR_LABELS.values())
    plans = pd.DataFrame({"plan_id": ["P1"], "member_id": ["S-0011223344"],
                          "community": "TLC A", "status": "tried",
                          "report": ["Quizzes worked well."]})
    for quote in learning_quotes(plans, ["TLC A"]):
        assert quote.endswith("\u2014 a member of TLC A")
        _clean(quote)
