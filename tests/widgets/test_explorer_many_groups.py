"""Issue 17, item 9: the Explorer grouping a trust's many schools.

The chart draws the 25 largest schools across and says how many of how many; the table
below it keeps every school, the withheld ones included; suppression is unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slc_research import widgets
from slc_research.charts.explore import MOST_GROUPS_DRAWN
from slc_research.measures.table import measures_from_tables

THRESHOLD = 5


@pytest.fixture(scope="module")
def trust():
    """40 schools of 6 to 45 pupils, and 2 of 3 pupils (withheld): one scale, two waves."""
    rng = np.random.default_rng(17)
    sizes = [*rng.permutation(np.arange(6, 46)), 3, 3]
    schools = [f"School {i:02d}" for i in range(len(sizes))]
    school = np.repeat(schools, sizes)
    k = len(school)
    ids = [f"P-{i:04d}" for i in range(k)]
    pupils = pd.DataFrame({
        "pupil_id": pd.array(ids, dtype="string"), "school": school,
        "year_group": pd.array(rng.choice([7, 8, 9], k), dtype="Int8"),
        "gender": pd.Categorical(rng.choice(["F", "M"], k)),
        "pupil_premium": pd.array(rng.random(k) < 0.3, dtype="boolean"),
        "sen": pd.Categorical(rng.choice(["none", "support"], k))})
    memberships = pd.DataFrame({"member_id": ids[::3], "member_type": "pupil",
                                "community": "SLC", "community_kind": "slc"})
    scores = pd.DataFrame({"respondent_id": ids * 2, "wave": [1] * k + [2] * k,
                           "scale": "engagement", "score": rng.uniform(1, 5, 2 * k)})
    table = measures_from_tables(pupils, memberships, threshold=THRESHOLD,
                                 scale_scores=scores,
                                 scale_labels={"engagement": "Engagement in lessons"})
    return table, pd.Series(sizes, index=schools)


def _spec(w) -> dict:
    return w.chart.to_dict()


def test_grouping_by_school_draws_the_25_largest_and_the_table_keeps_all(trust):
    table, sizes = trust
    w = widgets.Explorer(table)  # draws, as in JupyterLab
    w.group_by.value = "school"
    assert len(w.table) == 42  # every school in the table, withheld ones too
    assert sorted(w.table["group"]) == sorted(sizes.index)
    withheld = set(w.table.loc[w.table["suppressed"], "group"])
    assert {"School 40", "School 41"} <= withheld  # 3 pupils each: suppression as before
    assert w.table.loc[w.table["suppressed"], "mean"].isna().all()
    published = w.table[~w.table["suppressed"]]
    assert len(published) > MOST_GROUPS_DRAWN
    spec = _spec(w)
    (values,) = spec["datasets"].values()
    assert len(values) == MOST_GROUPS_DRAWN == 25
    largest = published.sort_values("n", ascending=False, kind="stable").head(25)
    assert [v["group"] for v in values] == [g for g in published["group"]
                                            if g in set(largest["group"])]
    assert [v["n"] for v in values] == [int(n) for g, n in zip(published["group"],
                                                               published["n"], strict=True)
                                        if g in set(largest["group"])]
    assert not withheld & {v["group"] for v in values}
    subtitle = spec["title"]["subtitle"]
    total = int(published["n"].sum())
    assert subtitle[-1] == (f"Drawn: the 25 largest of {len(published)} schools "
                            f"({int(largest['n'].sum()):,} of the {total:,} pupils); all "
                            f"{len(published)} are in the table below")
    assert subtitle[0].startswith(f"n = {total:,} pupils; ")
    assert spec["encoding"]["y"]["field"] == "label"  # across: schools down the side
    assert spec["layer"][0]["encoding"]["x"]["field"] == "ci_low"
    # the HTML table below the chart holds every school, withheld ones as withheld
    assert w.table_view.value.count("<tr>") == 42 + 1
    assert all(f"<td>{g}</td>" in w.table_view.value for g in sizes.index)
    # drawn: the 25 labels in the SVG, and the line saying how many
    svg = w.chart_view.value
    assert svg.startswith("<svg")
    assert all(v["label"] in svg for v in values)
    assert f"Drawn: the 25 largest of {len(published)} schools (" in svg


def test_change_by_school_is_drawn_the_same_way(trust):
    table, _ = trust
    w = widgets.Explorer(table, draw=False)
    w.view.value = "change"
    w.group_by.value = "school"
    published = w.table[~w.table["suppressed"]]
    spec = _spec(w)
    (values,) = spec["datasets"].values()
    assert len(values) == min(len(published), MOST_GROUPS_DRAWN)
    assert spec["title"]["subtitle"][-1].startswith(
        f"Drawn: the 25 largest of {len(published)} schools (")
    assert spec["layer"][1]["encoding"]["y"]["field"] == "label"
    assert len(w.table) == 42


def test_few_groups_keep_the_upright_chart_and_every_group(trust):
    table, _ = trust
    w = widgets.Explorer(table, draw=False)
    w.group_by.value = "year_group"
    spec = _spec(w)
    (values,) = spec["datasets"].values()
    assert [v["group"] for v in values] == list(w.table.loc[~w.table["suppressed"], "group"])
    assert spec["encoding"]["x"]["field"] == "label"
    assert not any(line.startswith("Drawn:") for line in
                   ([spec["title"]["subtitle"]] if isinstance(spec["title"]["subtitle"], str)
                    else spec["title"]["subtitle"]))
