"""Codings joined to texts, the primary coder and terms."""

from __future__ import annotations

import pandas as pd
import pytest

from slc_research.errors import ConfigError
from slc_research.qual import (
    CODED_TEXT_COLUMNS,
    coded_texts,
    primary_codings,
    select_texts,
    term_of,
)


def test_coded_texts_joins_and_counts_dropped(texts, codings):
    ct = coded_texts(texts, codings)
    assert tuple(ct.columns) == CODED_TEXT_COLUMNS
    assert len(ct) == 11  # 12 codings, t9 is not in texts
    assert ct.attrs["dropped"] == 1
    assert "t9" not in set(ct["text_id"])
    row = ct[(ct["text_id"] == "t1") & (ct["coder"] == "A") & (ct["code"] == "voice")].iloc[0]
    assert row["excerpt"] == "I like the talk."
    assert row["source"] == "interview"
    assert row["author_type"] == "pupil"


def test_excerpt_is_clipped_stripped_and_whole_text_when_no_offsets(texts, codings):
    ct = coded_texts(texts, codings, coder="A").set_index(["text_id", "code"])["excerpt"]
    assert ct[("t1", "learning")] == "It helps me learn."  # end 99 clipped, space stripped
    assert ct[("t2", "voice")] == "We plan lessons with [name] and teachers."  # no offsets
    assert ct[("t3", "voice")] == "Staff"


def test_empty_span_falls_back_to_whole_text(texts, codings):
    odd = codings.head(1).assign(start=pd.array([20], dtype="Int64"),
                                 end=pd.array([10], dtype="Int64"))
    assert coded_texts(texts, odd)["excerpt"].iloc[0] == "I like the talk. It helps me learn."


def test_missing_quotable_counts_as_not_quotable(texts, codings):
    ct = coded_texts(texts.drop(columns="quotable"), codings)
    assert not ct["quotable"].any()


def test_coded_texts_of_empty_tables(texts):
    empty = pd.DataFrame({c: pd.Series(dtype="string") for c in ("text_id", "coder", "code")})
    ct = coded_texts(texts, empty)
    assert ct.empty
    assert tuple(ct.columns) == CODED_TEXT_COLUMNS
    assert ct.attrs["dropped"] == 0


def test_coded_texts_missing_column(texts, codings):
    with pytest.raises(ConfigError, match="codings table lacks column"):
        coded_texts(texts, codings.drop(columns="code"))
    with pytest.raises(ConfigError, match="texts table lacks column"):
        coded_texts(texts.drop(columns="text"), codings)
    with pytest.raises(ConfigError, match="as a DataFrame"):
        coded_texts([1, 2], codings)


def test_primary_codings_keeps_first_coder_per_text(codings):
    kept = primary_codings(codings)
    assert set(kept["coder"]) == {"A"}
    only_b = codings[codings["coder"] == "B"]
    assert set(primary_codings(only_b)["coder"]) == {"B"}  # texts coded only by B keep B
    assert len(primary_codings(codings, coder="B")) == 4


def test_primary_codings_unknown_coder(codings):
    with pytest.raises(ConfigError, match="no codings by coder 'Z'; coders are A, B"):
        primary_codings(codings, coder="Z")


def test_term_of_follows_school_period():
    dates = pd.Series(pd.to_datetime(["2025-08-01", "2025-12-31", "2026-01-05", "2026-03-31",
                                      "2026-04-01", "2026-07-20", None]), index=list("abcdefg"))
    out = term_of(dates)
    assert out.tolist()[:6] == ["Autumn", "Autumn", "Spring", "Spring", "Summer", "Summer"]
    assert pd.isna(out["g"])
    assert list(out.index) == list("abcdefg")


def test_select_texts(texts):
    assert list(select_texts(texts, source="interview")["text_id"]) == ["t1", "t2"]
    assert list(select_texts(texts, source="interview", community="SLC A")["text_id"]) == [
        "t1", "t2"]
    assert list(select_texts(texts, community="TLC 1")["text_id"]) == ["t3"]
    assert len(select_texts(texts)) == 5


def test_select_texts_unknown(texts):
    with pytest.raises(ConfigError, match="no texts have source 'minutes'; sources in this "
                                          "enquiry are feedback, interview, reflection"):
        select_texts(texts, source="minutes")
    with pytest.raises(ConfigError, match="no texts have community 'SLC Z'"):
        select_texts(texts, community="SLC Z")
