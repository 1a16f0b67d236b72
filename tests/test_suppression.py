"""Small-number suppression."""

from __future__ import annotations

import pandas as pd
import pytest

from slc_research.errors import ConfigError
from slc_research.privacy.suppression import suppress_small


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
                                            "n_rest": ["pct_rest", "diff_pp"]}, threshold=5, partition_by=None)
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
    out = suppress_small(table, count_cols=["n_members", "n_rest"], threshold=5, partition_by=None)
    row = out.loc[1]
    assert pd.isna(row["n_members"])
    assert row["n_rest"] == 30
    assert row[["pct_members", "pct_rest", "diff_pp"]].isna().all()  # ...but every value does
    assert out.loc[3, "pct_members"] == 22.6


def test_display_marks_withheld_cells(table):
    out = suppress_small(table, count_cols="n_members", threshold=5, display=True,
                         value_cols=["pct_members"], partition_by=None)
    assert out.loc[1, "n_members"] == "<5"
    assert out.loc[1, "pct_members"] == "<5"
    assert out.loc[1, "pct_rest"] == 15.4
    assert "suppressed" not in out.columns


def test_zero_on_request_and_the_input_is_not_modified(table):
    before = table.copy()
    out = suppress_small(table, count_cols=["n_members"], threshold=5, suppress_zero=True, partition_by=None)
    assert pd.isna(out.loc[2, "n_members"])
    pd.testing.assert_frame_equal(table, before)


def test_threshold_one_withholds_nothing(table):
    out = suppress_small(table, count_cols=["n_members", "n_rest"], threshold=1, partition_by=None)
    assert not out["suppressed"].any()


@pytest.mark.parametrize("threshold", [0, -1, 2.5, True, "5"])
def test_bad_threshold(table, threshold):
    with pytest.raises(ConfigError, match="whole number of at least 1"):
        suppress_small(table, count_cols="n_members", threshold=threshold, partition_by=None)


def test_missing_column(table):
    with pytest.raises(ConfigError, match=r"no column\(s\) \['n'\]"):
        suppress_small(table, count_cols="n", threshold=5, partition_by=None)


# --- secondary suppression ------------------------------------------------------------------

def _held(out: pd.DataFrame, col: str) -> list[bool]:
    return out[col].isna().tolist()


def test_one_small_group_among_several_also_withholds_the_next_smallest():
    t = pd.DataFrame({"level": ["a", "b", "c", "d"], "n": [30, 3, 8, 12],
                      "pct": [56.6, 5.7, 15.1, 22.6]})
    out = suppress_small(t, count_cols="n", threshold=5, partition_by=[])
    assert _held(out, "n") == [False, True, True, False]
    assert _held(out, "pct") == [False, True, True, False]
    # the total (53) minus what is published (42) gives only 3 + 8 together
    shown = suppress_small(t, count_cols="n", threshold=5, partition_by=[], display=True)
    assert shown["n"].tolist() == [30, "<5", "*", 12]
    assert shown["pct"].tolist() == [56.6, "<5", "*", 22.6]


def test_without_a_partition_only_primary():
    t = pd.DataFrame({"level": ["a", "b", "c"], "n": [30, 3, 8]})
    assert _held(suppress_small(t, count_cols="n", threshold=5, partition_by=None), "n") == [False, True, False]


def test_two_small_groups_whose_sum_is_still_small_take_a_third():
    t = pd.DataFrame({"level": ["a", "b", "c", "d"], "n": [1, 2, 9, 20]})
    out = suppress_small(t, count_cols="n", threshold=5, partition_by=[])
    assert _held(out, "n") == [True, True, True, False]


def test_two_small_groups_that_add_up_to_the_threshold_are_enough():
    t = pd.DataFrame({"level": ["a", "b", "c"], "n": [2, 3, 20]})
    out = suppress_small(t, count_cols="n", threshold=5, partition_by=[])
    assert _held(out, "n") == [True, True, False]


def test_zero_counts_are_neither_withheld_nor_chosen():
    t = pd.DataFrame({"level": ["a", "b", "c", "d"], "n": [0, 3, 0, 40]})
    out = suppress_small(t, count_cols="n", threshold=5, partition_by=[])
    assert _held(out, "n") == [False, True, False, True]  # the 40 would give the 3 away
    assert out.loc[[0, 2], "n"].tolist() == [0, 0]


def test_each_partition_is_protected_on_its_own():
    t = pd.DataFrame({"characteristic": ["SEN"] * 3 + ["Gender"] * 2,
                      "level": ["none", "support", "ehcp", "F", "M"],
                      "n": [40, 9, 2, 25, 26]})
    out = suppress_small(t, count_cols="n", threshold=5, partition_by="characteristic")
    assert _held(out, "n") == [False, True, True, False, False]


def test_a_total_row_is_never_the_secondary_group_and_is_withheld_when_nothing_else_helps():
    t = pd.DataFrame({"school": ["A", "B", "C", "All schools"], "n": [3, 12, 9, 24],
                      "mean": [1.0, 2.0, 3.0, 2.2]})
    out = suppress_small(t, count_cols="n", threshold=5, partition_by=[],
                         total={"school": "All schools"})
    assert _held(out, "n") == [True, False, True, False]
    assert _held(out, "mean") == [True, False, True, False]
    # one school and the total: nothing to pair the small school with, so the total goes
    t2 = pd.DataFrame({"school": ["A", "All schools"], "n": [3, 3], "mean": [1.0, 1.0]})
    out2 = suppress_small(t2, count_cols="n", threshold=5, partition_by=[],
                          total={"school": "All schools"})
    assert _held(out2, "n") == [True, True]


def test_a_total_equal_to_one_group():
    # everyone in one group: publishing it reveals nothing about a small group
    t = pd.DataFrame({"level": ["a", "b", "c", "Total"], "n": [0, 8, 0, 8]})
    out = suppress_small(t, count_cols="n", threshold=5, partition_by=[], total={"level": "Total"})
    assert not out["suppressed"].any()
    # a small group with only zeros beside it: the total is itself small and withheld
    t2 = pd.DataFrame({"level": ["a", "b", "Total"], "n": [0, 3, 3]})
    out2 = suppress_small(t2, count_cols="n", threshold=5, partition_by=[],
                          total={"level": "Total"})
    assert _held(out2, "n") == [False, True, True]
    # a small group and zeros with a total that is not small: the total goes with it
    t3 = pd.DataFrame({"level": ["a", "b", "Total"], "n": [0, 3, 3]}).assign(
        n=lambda d: d["n"].where(d["level"] != "Total", 6))
    out3 = suppress_small(t3, count_cols="n", threshold=5, partition_by=[],
                          total={"level": "Total"})
    assert out3["n"].isna().tolist() == [False, True, True]


def test_members_and_others_are_complements():
    t = pd.DataFrame({"level": ["PP", "not PP"], "n_members": [3, 20], "n_rest": [60, 200],
                      "pct_members": [13.0, 87.0], "pct_rest": [23.1, 76.9]})
    counts = {"n_members": ["pct_members"], "n_rest": ["pct_rest"]}
    out = suppress_small(t, count_cols=counts, threshold=5,
                         complements=[["n_members", "n_rest"]], partition_by=None)
    assert out.loc[0, ["n_members", "n_rest", "pct_members", "pct_rest"]].isna().all()
    assert not out.loc[1, ["n_members", "n_rest"]].isna().any()
    # with the levels as a partition too, the other level is withheld, and then its complement
    both = suppress_small(t, count_cols=counts, threshold=5, partition_by=[],
                          complements=[["n_members", "n_rest"]])
    assert both[["n_members", "n_rest", "pct_members", "pct_rest"]].isna().all().all()


def test_yes_no_answers_and_percentages():
    t = pd.DataFrame({"school": ["A", "B"], "n_yes": [2, 11], "n_no": [9, 14],
                      "pct_yes": [18.2, 44.0], "pct_no": [81.8, 56.0]})
    out = suppress_small(t, count_cols={"n_yes": ["pct_yes", "pct_no"],
                                        "n_no": ["pct_no", "pct_yes"]},
                         threshold=5, complements=[["n_yes", "n_no"]], display=True, partition_by=None)
    assert out.loc[0].tolist() == ["A", "<5", "*", "<5", "<5"]
    assert out.loc[1].tolist() == ["B", 11, 14, 44.0, 56.0]


def test_secondary_repeats_until_nothing_changes():
    # withholding "b" for rest breaks the members' partition of the other characteristic row
    t = pd.DataFrame({"level": ["a", "b", "c"], "n_members": [2, 30, 40],
                      "n_rest": [50, 60, 70]})
    out = suppress_small(t, count_cols={"n_members": [], "n_rest": []}, threshold=5,
                         partition_by=[], complements=[["n_members", "n_rest"]])
    held = out[["n_members", "n_rest"]].isna()
    assert held["n_members"].tolist() == [True, True, False]
    assert held["n_rest"].tolist() == [True, True, False]
    # every partition is safe: two or more withheld, at least 5 pupils between them
    for col in ("n_members", "n_rest"):
        assert held[col].sum() >= 2
        assert t.loc[held[col], col].sum() >= 5


def test_secondary_needs_known_columns():
    t = pd.DataFrame({"n": [1, 9]})
    with pytest.raises(ConfigError, match=r"no column\(s\) \['school'\]"):
        suppress_small(t, count_cols="n", threshold=5, partition_by="school")
    with pytest.raises(ConfigError, match="not among the count columns"):
        suppress_small(t.assign(m=3), count_cols="n", threshold=5, complements=[["n", "m"]], partition_by=None)


def test_secondary_is_fast_on_a_large_table():
    import time

    import numpy as np

    rng = np.random.default_rng(1)
    t = pd.DataFrame({"group": np.repeat(np.arange(2000), 5), "n": rng.integers(0, 40, 10000),
                      "pct": rng.random(10000)})
    start = time.perf_counter()
    out = suppress_small(t, count_cols="n", threshold=5, partition_by="group")
    assert time.perf_counter() - start < 5
    per = out.assign(h=out["n"].isna()).groupby("group")["h"].sum()
    assert not (per == 1).any()


def test_a_part_of_a_published_whole_is_withheld_when_the_rest_is_small():
    t = pd.DataFrame({"community": ["A", "B", "C"], "members": [12, 20, 3],
                      "n_regular": [10, 9, 3], "pct_regular": [83.3, 45.0, 100.0]})
    out = suppress_small(t, count_cols={"members": ["n_regular", "pct_regular"],
                                        "n_regular": ["pct_regular"]},
                         threshold=5, remainders={"n_regular": "members"}, display=True, partition_by=None)
    assert out["n_regular"].tolist() == ["*", 9, "<5"]  # A: 2 irregular; C: members small
    assert out["pct_regular"].tolist() == ["*", 45.0, "<5"]
    assert out["members"].tolist() == [12, 20, "<5"]
    all_came = t.assign(n_regular=[12, 9, 3])
    out2 = suppress_small(all_came, count_cols=["members", "n_regular"], threshold=5,
                          remainders={"n_regular": "members"}, partition_by=None)
    assert out2.loc[0, "n_regular"] == 12  # none missing: a true zero says nothing


def test_secondary_suppression_is_the_default():
    """Without a word about the rows, they are taken as parts of one total: the 3 could be
    worked out from a known total minus the 40, so the 40 is withheld too; saying
    ``partition_by=None`` (the rows are not parts of one total) withholds the 3 only."""
    t = pd.DataFrame({"level": ["none", "ehcp"], "n": [40, 3], "pct": [93.0, 7.0]})
    assert suppress_small(t, count_cols="n", threshold=5, display=True)["n"].tolist() == \
        ["*", "<5"]
    assert suppress_small(t, count_cols="n", threshold=5, display=True,
                          partition_by=None)["n"].tolist() == [40, "<5"]


def test_the_output_carries_the_mark_the_display_boundary_checks():
    from slc_research.errors import PrivacyError
    from slc_research.privacy.suppression import derived_from, is_suppressed, require_suppressed

    t = pd.DataFrame({"group": ["a", "b"], "n": [12, 30]})
    with pytest.raises(PrivacyError, match=r"counts \['n'\] that did not pass"):
        require_suppressed(t)
    out = suppress_small(t, count_cols="n", threshold=5)
    assert is_suppressed(out)
    assert is_suppressed(out.rename(columns={"n": "Pupils"})[["Pupils"]])
    require_suppressed(out)
    chart = derived_from(pd.DataFrame({"n": out["n"]}), out)
    assert is_suppressed(chart)
    assert not is_suppressed(derived_from(pd.DataFrame({"n": [1]}), t))
    require_suppressed(pd.DataFrame({"outcome": ["a"], "estimate": [0.2]}))  # no counts
