"""Small-number suppression."""

from __future__ import annotations

import pandas as pd
import pytest

from slc_research.errors import ConfigError
from slc_research.suppression import suppress_small


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame({
        "level": ["none", "support", "ehcp", "unknown"],
        "n_members": pd.array([20, 4, 0, 7], dtype="Int64"),
        "pct_members": [64.5, 12.9, 0.0, 22.6],
        "n_rest": pd.array([150, 30, 3, 12], dtype="Int64"),
        "pct_rest": [76.9, 15.4, 1.5, 6.2],
        "diff_pp": [-12.4, -2.5, -1.5, 16.4],
    })


def test_mapping_withholds_each_count_and_its_own_values(table):
    out = suppress_small(table, count_cols={"n_members": ["pct_members", "diff_pp"],
                                            "n_rest": ["pct_rest", "diff_pp"]}, threshold=5)
    assert out["suppressed"].tolist() == [False, True, True, False]
    assert pd.isna(out.loc[1, "n_members"])
    assert pd.isna(out.loc[1, "pct_members"])
    assert out.loc[1, "n_rest"] == 30
    assert out.loc[1, "pct_rest"] == 15.4
    assert pd.isna(out.loc[1, "diff_pp"])
    assert out.loc[2, "n_members"] == 0  # a true zero is published by default
    assert pd.isna(out.loc[2, "n_rest"])
    assert pd.isna(out.loc[2, "pct_rest"])
    assert out.loc[0].drop("suppressed").equals(table.loc[0])


def test_list_withholds_the_whole_row(table):
    out = suppress_small(table, count_cols=["n_members", "n_rest"], threshold=5)
    row = out.loc[1]
    assert pd.isna(row["n_members"])
    assert row["n_rest"] == 30
    assert row[["pct_members", "pct_rest", "diff_pp"]].isna().all()  # ...but every value does
    assert out.loc[3, "pct_members"] == 22.6


def test_display_marks_withheld_cells(table):
    out = suppress_small(table, count_cols="n_members", threshold=5, display=True,
                         value_cols=["pct_members"])
    assert out.loc[1, "n_members"] == "<5"
    assert out.loc[1, "pct_members"] == "<5"
    assert out.loc[1, "pct_rest"] == 15.4
    assert "suppressed" not in out.columns


def test_zero_on_request_and_the_input_is_not_modified(table):
    before = table.copy()
    out = suppress_small(table, count_cols=["n_members"], threshold=5, suppress_zero=True)
    assert pd.isna(out.loc[2, "n_members"])
    pd.testing.assert_frame_equal(table, before)


def test_threshold_one_withholds_nothing(table):
    out = suppress_small(table, count_cols=["n_members", "n_rest"], threshold=1)
    assert not out["suppressed"].any()


@pytest.mark.parametrize("threshold", [0, -1, 2.5, True, "5"])
def test_bad_threshold(table, threshold):
    with pytest.raises(ConfigError, match="whole number of at least 1"):
        suppress_small(table, count_cols="n_members", threshold=threshold)


def test_missing_column(table):
    with pytest.raises(ConfigError, match=r"no column\(s\) \['n'\]"):
        suppress_small(table, count_cols="n", threshold=5)
