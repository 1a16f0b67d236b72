"""Issue 17, item 9: an explorer chart of many groups (a trust's 100 schools).

Drawn across (groups down the side), at most ``MOST_GROUPS_DRAWN`` of them, the largest,
and the subtitle says how many of how many; nothing is dropped unsaid. Asserted on
``chart.to_dict()`` (validated against the Vega-Lite schema), and once on the drawing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slc_research.charts.explore import (
    MOST_GROUPS_DRAWN,
    UPRIGHT_GROUPS,
    group_change_chart,
    group_means_chart,
)
from slc_research.charts.render import local_svg
from slc_research.privacy.suppression import suppress_small
from slc_research.widgets.svg import chart_spec

AGREE5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
          "Strongly agree"]


def _summary(k: int, *, seed: int = 7, names: list[str] | None = None) -> pd.DataFrame:
    """``k`` schools' means, through suppression (none withheld: every n is at least 40)."""
    rng = np.random.default_rng(seed)
    n = rng.permutation(np.arange(40, 40 + 7 * k, 7))  # all different sizes
    mean = rng.normal(3.4, 0.3, k)
    half = 1.96 * 0.8 / np.sqrt(n)
    frame = pd.DataFrame({"group": names or [f"School {i:03d}" for i in range(k)], "n": n,
                          "mean": mean, "sd": 0.8, "ci_low": mean - half,
                          "ci_high": mean + half})
    return suppress_small(frame, count_cols="n", threshold=5)


def _means(summary: pd.DataFrame, **kw) -> dict:
    chart = group_means_chart(summary, title="Engagement in lessons, Wave 1",
                              y_title="Mean scale score", group_title="School",
                              answers=AGREE5, group_noun="schools", **kw)
    return chart.to_dict()  # validated against the Vega-Lite schema


def _values(spec: dict) -> list[dict]:
    (values,) = spec["datasets"].values()
    return values


def _subtitle(spec: dict) -> list[str]:
    sub = spec["title"]["subtitle"]
    return [sub] if isinstance(sub, str) else list(sub)


def test_a_100_school_chart_draws_the_25_largest_across_and_says_so():
    summary = _summary(100)
    spec = _means(summary)
    values = _values(spec)
    assert MOST_GROUPS_DRAWN == 25
    assert len(values) == 25
    # the 25 with most pupils, in the table's order (computed apart with pandas)
    largest = summary.nlargest(25, "n")
    expected = summary[summary["group"].isin(largest["group"])]
    assert [v["group"] for v in values] == list(expected["group"])
    assert [v["n"] for v in values] == list(expected["n"])
    assert min(v["n"] for v in values) > summary.loc[~summary["group"].isin(largest["group"]),
                                                     "n"].max()
    assert [v["label"] for v in values] == [f"{g} (n = {n:,})" for g, n in
                                            zip(expected["group"], expected["n"], strict=True)]
    lines = _subtitle(spec)
    total, drawn = int(summary["n"].sum()), int(expected["n"].sum())
    assert lines[0] == (f"n = {total:,} pupils; points are means, lines their 95% confidence "
                        "intervals; groups too small to publish are not shown")
    assert lines[-1] == (f"Drawn: the 25 largest of 100 schools ({drawn:,} of the {total:,} "
                         "pupils); all 100 are in the table below")
    # across: the schools down the side, the mean along x on the whole answer scale
    y, x = spec["encoding"]["y"], spec["layer"][0]["encoding"]["x"]
    assert "x" not in spec["encoding"]
    assert (y["field"], y["type"]) == ("label", "nominal")
    assert y["axis"]["titleAngle"] == 0
    assert (x["field"], x["type"]) == ("ci_low", "quantitative")
    assert x["scale"]["domain"] == [1, 5]
    assert spec["layer"][0]["encoding"]["x2"] == {"field": "ci_high"}
    assert spec["layer"][1]["encoding"]["x"]["field"] == "mean"
    assert spec["height"] == {"step": 20}


def test_the_100_school_chart_draws_its_25_labels():
    summary = _summary(100)
    chart = group_means_chart(summary, title="Engagement", y_title="Mean scale score",
                              group_title="School", answers=AGREE5, group_noun="schools")
    svg = local_svg(chart_spec(chart))
    drawn = [v["label"] for v in _values(chart.to_dict())]
    assert all(label in svg for label in drawn)
    left_out = summary.loc[~summary["group"].isin([v["group"] for v in
                                                   _values(chart.to_dict())]), "group"]
    assert len(left_out) == 75
    assert not any(f">{g} (n = " in svg for g in left_out)
    assert "Drawn: the 25 largest of 100 schools (" in svg


def test_a_change_chart_of_100_schools_is_drawn_the_same_way():
    summary = _summary(100).rename(columns={"mean": "change"})
    summary[["change", "ci_low", "ci_high"]] -= 3.4
    spec = group_change_chart(summary, title="Engagement, Wave 1 to Wave 2",
                              y_title="Change in mean scale score", group_title="School",
                              outcome="Engagement in lessons", group_noun="schools").to_dict()
    values = _values(spec)
    expected = summary[summary["group"].isin(summary.nlargest(25, "n")["group"])]
    assert [v["group"] for v in values] == list(expected["group"])
    lines = _subtitle(spec)
    total = int(summary["n"].sum())
    assert lines[0].startswith(f"n = {total:,} pupils measured at both; ")
    assert "above 0 = rose, higher is better" in lines[1]
    assert lines[2] == (f"Drawn: the 25 largest of 100 schools ({expected['n'].sum():,} of the "
                        f"{total:,} pupils); all 100 are in the table below")
    zero, rule, point = spec["layer"]
    assert zero["encoding"] == {"x": {"datum": 0}}
    assert rule["encoding"]["y"]["field"] == "label"
    assert (rule["encoding"]["x"]["field"], rule["encoding"]["x2"]) == ("ci_low",
                                                                          {"field": "ci_high"})
    assert point["encoding"]["x"]["field"] == "change"
    assert point["encoding"]["y"]["field"] == "label"


@pytest.mark.parametrize(("k", "across", "drawn"), [
    (4, False, 4), (UPRIGHT_GROUPS, False, 12), (UPRIGHT_GROUPS + 1, True, 13),
    (MOST_GROUPS_DRAWN, True, 25), (MOST_GROUPS_DRAWN + 1, True, 25)])
def test_layout_and_count_at_the_thresholds(k, across, drawn):
    summary = _summary(k)
    spec = _means(summary)
    assert len(_values(spec)) == drawn
    group_channel = "y" if across else "x"
    assert spec["encoding"][group_channel]["field"] == "label"
    said = [line for line in _subtitle(spec) if line.startswith("Drawn:")]
    pupils = (f"{sum(v['n'] for v in _values(spec)):,} of the {summary['n'].sum():,} pupils")
    assert said == ([] if drawn == k else
                    [f"Drawn: the 25 largest of {k} schools ({pupils}); all {k} are in the "
                     "table below"])
    if not across:  # the few-group chart is as before: upright, slanted labels from 5
        assert spec["layer"][0]["encoding"]["y"]["field"] == "ci_low"
        assert spec["encoding"]["x"]["axis"]["labelAngle"] == (-30 if k > 4 else 0)
        assert spec["height"] == 260


def test_ties_at_the_limit_go_to_the_first_in_display_order():
    summary = _summary(30)
    summary["n"] = 50  # all the same size
    values = _values(_means(summary))
    assert [v["group"] for v in values] == list(summary["group"][:25])


def test_withheld_schools_stay_withheld_and_are_not_counted_as_drawn():
    summary = _summary(40)
    summary.loc[[3, 17], "n"] = 3  # two small schools: withheld by suppression
    published = suppress_small(summary.drop(columns="suppressed"), count_cols="n",
                               threshold=5)
    chart_data = published[~published["suppressed"]].drop(columns="suppressed")
    assert len(chart_data) == 38
    spec = _means(chart_data)
    values = _values(spec)
    assert len(values) == 25
    assert not {summary.loc[3, "group"], summary.loc[17, "group"]} & {v["group"]
                                                                     for v in values}
    lines = _subtitle(spec)
    assert "groups too small to publish are not shown" in lines[0]
    assert lines[-1].startswith("Drawn: the 25 largest of 38 schools (")
    assert lines[-1].endswith(f" of the {int(chart_data['n'].sum()):,} pupils); all 38 are in "
                              "the table below")
    # given the withheld rows too (numbers missing), they are not drawn nor counted
    assert _values(_means(published)) == values


def test_a_caller_subtitle_keeps_its_lines_and_gains_the_count():
    summary = _summary(30)
    spec = _means(summary, subtitle="Pupils on roll in the autumn")
    drawn = summary.nlargest(25, "n")["n"].sum()
    assert _subtitle(spec) == ["Pupils on roll in the autumn",
                               f"Drawn: the 25 largest of 30 schools ({drawn:,} of the "
                               f"{summary['n'].sum():,} pupils); all 30 are in the table below"]


def test_long_names_are_cut_in_the_middle_never_their_n():
    names = [f"School {i:02d}" for i in range(14)]
    names[2] = "St Joseph's Catholic Primary School, Bradford"
    names[5] = "The Cardinal Vaughan Memorial Roman Catholic School"
    summary = _summary(14, names=names)
    spec = _means(summary)
    values = {v["group"]: v for v in _values(spec)}
    n2, n5 = (int(summary.loc[i, "n"]) for i in (2, 5))
    assert values[names[2]]["label"] == f"St Joseph's Catholic \u2026 Bradford (n = {n2:,})"
    assert values[names[5]]["label"] == f"The Cardinal Vaughan \u2026 School (n = {n5:,})"
    assert values["School 00"]["label"].startswith("School 00 (n = ")
    assert spec["encoding"]["y"]["axis"]["labelLimit"] == 0
    # the tooltip shows the whole name
    assert spec["encoding"]["tooltip"][0]["field"] == "group"


def test_names_that_would_read_the_same_once_cut_are_kept_whole():
    names = [f"School {i:02d}" for i in range(14)]
    names[0] = "St Joseph's Catholic Primary School and Nursery, Bradford"
    names[1] = "St Joseph's Catholic Primary School (Infants), Bradford"
    summary = _summary(14, names=names)
    summary.loc[[0, 1], "n"] = 120  # the same n too: cut, both would read the same
    values = _values(_means(summary))
    assert [v["label"] for v in values[:2]] == [f"{names[0]} (n = 120)",
                                                f"{names[1]} (n = 120)"]
