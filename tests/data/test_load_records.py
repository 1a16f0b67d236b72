"""Behaviour logs, attainment records and free texts."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from slc_research.data.loading.loaders import load_source
from slc_research.data.loading.texts import text_id
from slc_research.errors import ConfigError, DataError


def test_behaviour_type_from_words_or_points(write, spec, ctx, pseudonymiser):
    text = ("UPN,Date,Type,Category,Points\n"
            "A1,01/10/2025,Achievement,Effort,2\n"
            "A1,02/10/2025,Behaviour,Disruption,-1\n"
            "A2,03/10/2025,,Homework,-3\n"
            "A2,03/10/2025,,Kindness,+1\n"
            "A2,04/10/2025,,Note,\n")
    path = write("raw/behaviour.csv", text)
    s = spec(path, "behaviour", {"UPN": "pupil_id", "Date": "date", "Type": "type",
                                 "Category": "category", "Points": "points"})
    loaded = load_source(s, ctx)
    t = loaded.tables["behaviour"]
    assert t["type"].astype("string").tolist()[:4] == ["positive", "negative", "negative",
                                                      "positive"]
    assert pd.isna(t["type"][4])
    assert t["points"].tolist()[:4] == [2.0, -1.0, -3.0, 1.0]
    assert t["pupil_id"][0] == pseudonymiser.one("A1")
    assert "1 event with no type and no points above or below zero: type left blank." \
        in loaded.notes


def test_behaviour_needs_type_or_points(write, spec, ctx):
    path = write("raw/behaviour.csv", "pupil_id,date\nA1,01/10/2025\n")
    with pytest.raises(DataError, match=r"raw/behaviour.csv: expected a column giving 'type'"):
        load_source(spec(path, "behaviour"), ctx)


def test_behaviour_bad_values(write, spec, ctx):
    path = write("raw/behaviour.csv", "pupil_id,date,type,points\nA1,,Positive,1\n"
                                      "A2,01/10/2025,Sideways,2\nA3,01/10/2025,Positive,many\n")
    with pytest.raises(DataError) as info:
        load_source(spec(path, "behaviour"), ctx)
    assert {(p.row, p.column) for p in info.value.problems} == {
        (2, "date"), (3, "type"), (4, "points")}


def test_attainment_with_options(write, spec, ctx):
    path = write("raw/ks3.csv", "UPN,Score,Grade\nA1,54,6\nA2,61.5,7-\n")
    s = spec(path, "attainment", {"UPN": "pupil_id", "Score": "score", "Grade": "grade"},
             assessment="Autumn test", subject="Maths")
    t = load_source(s, ctx).tables["attainment"]
    assert t["score"].tolist() == [54.0, 61.5]
    assert t["grade"].tolist() == ["6", "7-"]
    assert t["assessment"].tolist() == ["Autumn test"] * 2
    assert t["subject"].tolist() == ["Maths"] * 2


def test_attainment_numeric_grades_fill_the_score(write, spec, ctx):
    path = write("raw/gcse.csv", "pupil_id,subject,grade\nA1,English,7\nA1,Maths,U\n")
    loaded = load_source(spec(path, "attainment", assessment="GCSE"), ctx)
    t = loaded.tables["attainment"]
    assert t["score"][0] == 7.0
    assert pd.isna(t["score"][1])
    assert "1 grade that are numbers also read as scores." in loaded.notes


def test_attainment_duplicates_and_bad_scores(write, spec, ctx):
    path = write("raw/a.csv", "pupil_id,subject,score\nA1,Maths,5\nA1,Maths,6\nA2,Maths,n/k\n")
    with pytest.raises(DataError) as info:
        load_source(spec(path, "attainment"), ctx)
    text = str(info.value)
    assert "raw/a.csv, row 2: expected each result per pupil" in text
    assert "rows 2 and 3 have the same pupil_id + subject" in text
    assert "raw/a.csv, row 4, column 'score': found 'n/k'; expected a number" in text


# -- texts ---------------------------------------------------------------------------


REFLECTIONS = ("UPN,Pupil name,Week,Reflection,Share?\n"
               "A1,Olivia Okafor,08/09/2025,\"Today Jack and I planned the starter. Okafor is "
               "my surname.\",Y\n"
               "A2,Jack Price,08/09/2025,I helped OLIVIA with fractions,no\n"
               "A3,Amira Hussain,08/09/2025,,\n")


def test_texts_are_redacted_and_pseudonymised(write, spec, ctx, pseudonymiser, frame_text):
    path = write("raw/reflections.csv", REFLECTIONS)
    s = spec(path, "texts", {"UPN": "author_id", "Pupil name": "name", "Week": "date",
                             "Reflection": "text", "Share?": "quotable"},
             authors="pupil", text_source="reflection", community="StuPed")
    ctx = dataclasses.replace(ctx, names=frozenset({"Jack", "Price", "Jack Price"}))
    loaded = load_source(s, ctx)
    t = loaded.tables["texts"]
    assert t["text"].tolist() == ["Today [name] and I planned the starter. [name] is my surname.",
                                  "I helped [name] with fractions"]
    assert t["author_id"].tolist() == [pseudonymiser.one("A1"), pseudonymiser.one("A2")]
    assert t["author_type"].astype("string").tolist() == ["pupil", "pupil"]
    assert t["source"].tolist() == ["reflection"] * 2
    assert t["community"].tolist() == ["StuPed"] * 2
    assert t["quotable"].tolist() == [True, False]
    assert t["text_id"].tolist() == [text_id("reflections", 2), text_id("reflections", 3)]
    assert t["text_id"][0].startswith("T-")
    assert t["text_id"][0].startswith("T-")
    assert t["text_id"][0].endswith("-2")
    assert "1 row with no text left out." in loaded.notes
    assert loaded.rows_dropped == 1
    everything = frame_text(loaded.tables)
    for secret in ("Olivia", "Okafor", "Jack", "Price", "Amira", "A1,", "A2,"):
        assert secret not in everything


def test_text_ids_are_stable_and_kept_when_given(write, spec, ctx):
    path = write("raw/minutes.csv", "ID,Minutes\nM-7,We agreed to try exit tickets\n,Next\n")
    s = spec(path, "texts", {"ID": "text_id", "Minutes": "text"}, text_source="minutes")
    first = load_source(s, ctx).tables["texts"]
    assert first["text_id"].tolist() == ["M-7", text_id("minutes", 3)]
    assert load_source(s, ctx).tables["texts"]["text_id"].tolist() == first["text_id"].tolist()
    assert first["quotable"].tolist() == [True, True]
    assert first["author_type"].astype("string").tolist() == ["anonymous"] * 2


def test_texts_author_type_column(write, spec, ctx, pseudonymiser):
    path = write("raw/interviews.csv", "Who,Role,Said\nA1,pupil,hello\nABC,teacher,hi\n")
    s = spec(path, "texts", {"Who": "author_id", "Role": "author_type", "Said": "text"})
    t = load_source(s, ctx).tables["texts"]
    assert t["author_id"].tolist() == [pseudonymiser.one("A1", "pupil"),
                                       pseudonymiser.one("ABC", "staff")]


def test_texts_author_type_without_ids(write, spec, ctx):
    path = write("raw/feedback.csv", "I am a,Feedback\nParent,Lovely evening\nPupil,Nervous\n"
                                     ",No role given\n")
    s = spec(path, "texts", {"I am a": "author_type", "Feedback": "text"})
    t = load_source(s, ctx).tables["texts"]
    assert t["author_type"].astype("string").tolist() == ["parent", "pupil", "anonymous"]
    assert t["author_id"].isna().all()


def test_texts_unknown_authors_option(write, spec, ctx):
    path = write("raw/t.csv", "author_id,text\nA1,hello\n")
    with pytest.raises(ConfigError, match=r"sources.t.authors"):
        load_source(spec(path, "texts", authors="governor"), ctx)


def test_texts_of_withdrawn_authors_left_out(write, spec, ctx, pseudonymiser):
    path = write("raw/t.csv", "author_id,text\nA1,hello\nA2,bye\n")
    ctx = dataclasses.replace(ctx, withdrawn=frozenset({pseudonymiser.one("A2")}))
    loaded = load_source(spec(path, "texts", authors="pupil"), ctx)
    assert loaded.tables["texts"]["text"].tolist() == ["hello"]
    assert "1 row of withdrawn people left out." in loaded.notes


def test_texts_repeated_text_id(write, spec, ctx):
    path = write("raw/t.csv", "ID,Text\nT1,hello\nT2,hi\nT1,bye\n")
    with pytest.raises(DataError, match=r"raw/t.csv, row 2, column 'ID': expected each text_id "
                                        r"once, but rows 2 and 4 have the same ID"):
        load_source(spec(path, "texts", {"ID": "text_id", "Text": "text"}), ctx)
