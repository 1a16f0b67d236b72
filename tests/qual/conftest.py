"""Small crafted texts, codebook and codings with answers worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture
def texts() -> pd.DataFrame:
    return pd.DataFrame({
        "text_id": pd.array(["t1", "t2", "t3", "t4", "t5"], dtype="string"),
        "author_id": pd.array(["P-00000000a1", "P-00000000a2", "S-00000000b1", None,
                               "P-00000000a1"], dtype="string"),
        "author_type": pd.Categorical(["pupil", "pupil", "staff", "parent", "pupil"]),
        "date": pd.to_datetime(["2025-10-01", "2026-02-01", "2026-05-01", "2026-06-01",
                                "2025-11-20"]),
        "source": pd.array(["interview", "interview", "feedback", "feedback", "reflection"],
                           dtype="string"),
        "community": pd.array(["SLC A", "SLC A", "TLC 1", None, "SLC A"], dtype="string"),
        "text": pd.array(["I like the talk. It helps me learn.",
                          "We plan lessons with [name] and teachers.",
                          "Staff talk more now",
                          "Good",
                          "the group is fun and we learn about feedback"], dtype="string"),
        "quotable": pd.array([True, True, False, True, True], dtype="boolean"),
    })


@pytest.fixture
def codebook() -> pd.DataFrame:
    return pd.DataFrame({
        "code": pd.array(["voice", "learning", "dialogue", "unused"], dtype="string"),
        "description": pd.array(["Pupils are heard", "Learning gains", "Talk about learning",
                                 "Never applied"], dtype="string"),
        "parent": pd.array([None, None, "voice", "learning"], dtype="string"),
    })


@pytest.fixture
def codings() -> pd.DataFrame:
    #   coder A: t1 voice+learning, t2 voice+dialogue, t3 voice, t4 learning, t5 learning
    #   coder B: t1 voice,          t2 voice+dialogue, t5 dialogue
    #   t9 is a withdrawn pupil's text (not in texts)
    return pd.DataFrame({
        "text_id": pd.array(["t1", "t1", "t2", "t2", "t3", "t4", "t5", "t9",
                             "t1", "t2", "t2", "t5"], dtype="string"),
        "coder": pd.array(["A"] * 8 + ["B"] * 4, dtype="string"),
        "code": pd.array(["voice", "learning", "voice", "dialogue", "voice", "learning",
                          "learning", "voice", "voice", "voice", "dialogue", "dialogue"],
                         dtype="string"),
        "start": pd.array([0, 17, None, 0, 0, None, 0, None, 0, None, 0, None], dtype="Int64"),
        "end": pd.array([16, 99, None, 14, 5, None, 9, None, 16, None, 14, None], dtype="Int64"),
    })
