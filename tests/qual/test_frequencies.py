"""Code frequencies, co-occurrence and theme summaries, checked against hand counts."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from slc_research.charts import ChartError, code_frequency_chart, cooccurrence_chart
from slc_research.errors import ConfigError
from slc_research.privacy.suppression import suppress_small
from slc_research.qual import (
    code_cooccurrence,
    code_frequencies,
    code_themes,
    codebook_table,
    frequency_table,
    themes_summary,
)

# Coder A (the primary coder of every text): voice t1 t2 t3, learning t1 t4 t5, dialogue t2.


def _row(table, **where):
    mask = True
    for col, value in where.items():
        mask = mask & (table[col] == value)
    rows = table[mask]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_overall_frequencies(texts, codings):
    f = code_frequencies(texts, codings)
    assert list(f.columns) == ["code", "n_texts", "n_coded_texts", "pct_texts", "n_authors"]
    assert list(f["code"]) == ["learning", "voice", "dialogue"]  # most frequent, then by name
    voice = _row(f, code="voice")
    assert (voice["n_texts"], voice["n_coded_texts"], voice["n_authors"]) == (3, 5, 3)
    assert voice["pct_texts"] == pytest.approx(60.0)
    assert _row(f, code="learning")["n_authors"] == 1  # t1 and t5 by one pupil, t4 no id


def test_frequencies_by_source_include_zeros(texts, codings):
    f = code_frequencies(texts, codings, by="source")
    assert len(f) == 3 * 3
    interview = _row(f, source="interview", code="dialogue")
    assert (interview["n_texts"], interview["n_coded_texts"]) == (1, 2)
    assert _row(f, source="reflection", code="voice")["n_texts"] == 0
    assert _row(f, source="reflection", code="learning")["pct_texts"] == pytest.approx(100.0)


def test_frequencies_by_wave(texts, codings):
    f = code_frequencies(texts, codings, by="wave")
    assert set(f["wave"]) == {"Autumn", "Spring", "Summer"}
    autumn = _row(f, wave="Autumn", code="learning")
    assert (autumn["n_texts"], autumn["n_coded_texts"]) == (2, 2)


def test_frequencies_of_one_coder(texts, codings):
    f = code_frequencies(texts, codings, coder="B")
    assert _row(f, code="dialogue")["n_texts"] == 2
    assert set(f["n_coded_texts"]) == {3}


def test_frequencies_with_codebook_add_themes_and_unused_codes(texts, codings, codebook):
    f = code_frequencies(texts, codings, codebook=codebook)
    assert "theme" in f.columns
    assert _row(f, code="dialogue")["theme"] == "voice"
    assert _row(f, code="unused")["n_texts"] == 0
    assert _row(f, code="unused")["theme"] == "learning"


def test_frequencies_errors(texts, codings):
    with pytest.raises(ConfigError, match="cannot group codings by year_group"):
        code_frequencies(texts, codings, by="year_group")
    with pytest.raises(ConfigError, match="by must be a column name"):
        code_frequencies(texts, codings, by=[1])
    with pytest.raises(ConfigError, match="no codings by coder"):
        code_frequencies(texts, codings, coder="C")


def test_code_themes(codebook):
    themes = code_themes(codebook, ["other"])
    assert themes.to_dict() == {"voice": "voice", "learning": "learning", "dialogue": "voice",
                                "unused": "learning", "other": "other"}


def test_cooccurrence_is_symmetric_and_complete(texts, codings):
    co = code_cooccurrence(texts, codings)
    assert len(co) == 9
    assert co.attrs["n_texts"] == 5
    pairs = co.set_index(["code_a", "code_b"])
    assert pairs.loc[("voice", "learning"), "n_texts"] == 1
    assert pairs.loc[("voice", "learning"), "jaccard"] == pytest.approx(1 / 5)
    assert pairs.loc[("dialogue", "voice"), "jaccard"] == pytest.approx(1 / 3)
    assert pairs.loc[("learning", "dialogue"), "n_texts"] == 0
    assert pairs.loc[("voice", "voice"), "n_texts"] == 3
    assert pairs.loc[("voice", "voice"), "jaccard"] == 1
    for (a, b), row in pairs.iterrows():
        assert pairs.loc[(b, a), "n_texts"] == row["n_texts"]


def test_themes_summary_codes_filtered(texts, codings, codebook):
    s = themes_summary(texts, codings, codebook, where={"source": "interview"}, top=2)
    assert list(s.columns) == ["theme", "code", "description", "n_texts", "n_coded_texts",
                               "pct_texts"]
    assert list(s["code"]) == ["voice", "dialogue"]  # voice 2, then dialogue/learning 1 by name
    assert s["description"].iloc[0] == "Pupils are heard"
    assert s["pct_texts"].iloc[0] == pytest.approx(100.0)
    assert s.attrs["n_texts"] == 2


def test_themes_summary_themes_and_lists(texts, codings, codebook):
    s = themes_summary(texts, codings, codebook, level="theme", top=None,
                       where={"community": ["SLC A", "TLC 1"]})
    assert list(s["theme"]) == ["voice", "learning"]
    assert list(s["n_texts"]) == [3, 2]  # t1 t2 t3; t1 t5 (t4 has no community)


def test_themes_summary_of_nothing(texts, codings, codebook):
    s = themes_summary(texts, codings, codebook, where={"source": "minutes"})
    assert s.empty
    assert s.attrs["n_texts"] == 0


def test_themes_summary_by_term_and_without_codebook(texts, codings):
    s = themes_summary(texts, codings, None, where={"wave": "Autumn"})
    assert list(s["code"]) == ["learning", "voice"]
    assert s["description"].isna().all()


def test_themes_summary_errors(texts, codings, codebook):
    with pytest.raises(ConfigError, match="cannot filter coded texts on 'school'"):
        themes_summary(texts, codings, codebook, where={"school": "x"})
    with pytest.raises(ConfigError, match="where must be a dict"):
        themes_summary(texts, codings, codebook, where=[("source", "x")])
    with pytest.raises(ConfigError, match="level must be"):
        themes_summary(texts, codings, codebook, level="parent")
    with pytest.raises(ConfigError, match="top must be"):
        themes_summary(texts, codings, codebook, top=0)


def _frequencies_published(freq: pd.DataFrame, *, threshold: int = 1) -> pd.DataFrame:
    """A frequency chart's data as the voices study publishes it (``partition_by=None``).

    The fixtures code only 5 texts, so the enquiry's usual threshold of 5 would withhold
    nearly every bar: threshold 1 (the default here) withholds nothing, and the tests that
    use it are about drawing, not suppression.
    """
    out = suppress_small(freq, count_cols={"n_texts": ["pct_texts"],
                                           "n_coded_texts": ["pct_texts"]},
                         threshold=threshold, partition_by=None)
    return out[out["n_coded_texts"].notna()]


def _cooccurrence_published(co: pd.DataFrame) -> pd.DataFrame:
    """A co-occurrence chart's data as the voices study publishes it.

    Threshold 1 withholds nothing (5 coded texts in the fixtures): the test is about drawing.
    """
    return suppress_small(co, count_cols="n_texts", threshold=1, value_cols=["jaccard"],
                          partition_by=None)


def test_frequency_chart_one_panel_per_group(texts, codings):
    f = _frequencies_published(code_frequencies(texts, codings, by="source"))
    spec = code_frequency_chart(f, group="source").to_dict()
    assert spec["title"]["text"] == "How often each code appears"
    assert spec["title"]["subtitle"].startswith("n = 5 coded texts")
    assert spec["facet"]["row"]["sort"] == ["feedback (n = 2)", "interview (n = 2)",
                                            "reflection (n = 1)"]
    assert spec["spec"]["encoding"]["x"]["title"] == "% of coded texts with the code"
    assert spec["spec"]["encoding"]["y"]["title"] == "Code"
    assert spec["resolve"]["scale"]["y"] == "independent"
    values = next(iter(spec["datasets"].values()))
    assert len(values) == 6  # codes no text of a group has are left out


def test_frequency_chart_overall(texts, codings):
    spec = code_frequency_chart(_frequencies_published(code_frequencies(texts, codings))).to_dict()
    assert "n = 5 coded texts" in spec["title"]["subtitle"]
    assert spec["mark"]["type"] == "bar"


def test_frequency_chart_leaves_out_withheld_rows(texts, codings):
    # threshold 2: dialogue, given to 1 text, is withheld (voice and learning have 3 each)
    f = _frequencies_published(code_frequencies(texts, codings), threshold=2)
    assert math.isnan(f.loc[f["code"] == "dialogue", "pct_texts"].iloc[0])
    spec = code_frequency_chart(f).to_dict()
    values = next(iter(spec["datasets"].values()))
    assert {v["code"] for v in values} == {"voice", "learning"}


def test_cooccurrence_chart(texts, codings):
    spec = cooccurrence_chart(_cooccurrence_published(code_cooccurrence(texts, codings))).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect", "text"]
    assert spec["title"]["subtitle"].startswith("n = 5 coded texts")
    assert spec["layer"][0]["encoding"]["x"]["title"] == "Code"
    values = next(iter(spec["datasets"].values()))
    assert len(values) == 6  # the diagonal is left out


def test_charts_refuse_bad_input(texts, codings):
    with pytest.raises(ChartError, match="needs columns"):
        code_frequency_chart(pd.DataFrame({"code": ["a"]}))
    with pytest.raises(ChartError, match="needs columns"):
        code_frequency_chart(code_frequencies(texts, codings), group="source")
    with pytest.raises(ChartError, match="needs columns"):
        cooccurrence_chart(pd.DataFrame({"code_a": ["a"]}))


def test_codebook_table_themes_then_codes(texts, codings, codebook):
    book = codebook_table(texts, codings, codebook)
    assert list(book["level"]) == ["theme", "code", "code", "theme", "code", "code"]
    assert list(book["theme"]) == ["voice", "voice", "voice", "learning", "learning", "learning"]
    voice_theme = book.iloc[0]
    assert pd.isna(voice_theme["code"])
    assert voice_theme["n_texts"] == 3  # t1 t2 t3 (voice) and t2 (dialogue)
    assert voice_theme["description"] == "Pupils are heard"
    unused = book[book["code"] == "unused"].iloc[0]
    assert unused["n_texts"] == 0
    assert set(book["n_coded_texts"]) == {5}


def test_codebook_table_without_codebook(texts, codings):
    book = codebook_table(texts, codings, None)
    assert set(book["level"]) == {"code"}
    assert list(book["code"]) == ["dialogue", "learning", "voice"]


def test_frequency_table_suppresses_and_withholds(texts, codings):
    f = code_frequencies(texts, codings, by="source")
    table = frequency_table(f, by="source", threshold=2)
    assert list(table.columns) == ["Code", "feedback % (n = 2)", "interview % (n = 2)"]
    assert table.attrs["withheld"] == 1  # reflection: 1 coded text
    row = table.set_index("Code").loc["dialogue"]
    assert row["interview % (n = 2)"] == "<2"  # 1 text
    assert row["feedback % (n = 2)"] == 0  # a true zero is shown
    assert table.set_index("Code").loc["voice", "interview % (n = 2)"] == 100


def test_every_summary_copes_with_a_workspace_without_coding():
    from slc_research.data.schemas import empty_table
    from slc_research.qual import coder_agreement, exemplar_quotes

    t, c, b = empty_table("texts"), empty_table("codings"), empty_table("codebook")
    assert code_frequencies(t, c, by="wave", codebook=b).empty
    assert code_cooccurrence(t, c).empty
    assert themes_summary(t, c, b, where={"source": "interview"}).empty
    assert codebook_table(t, c, b).empty
    assert exemplar_quotes(t, c).empty
    result = coder_agreement(t, c)
    assert result.empty
    assert result.attrs["message"].startswith("No coder has yet coded")
