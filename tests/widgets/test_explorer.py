"""The Explorer widget, driven headlessly on the demo trust by setting control values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from slc_research import widgets
from slc_research.casestudies.explore.analysis import measures_table
from slc_research.stats import hedges_g

pytestmark = pytest.mark.xdist_group("demo")


@pytest.fixture(scope="module")
def table(demo_enquiry):
    return measures_table(demo_enquiry)


def _data(chart) -> list[dict]:
    (values,) = chart.to_dict()["datasets"].values()
    return values


def test_opens_with_a_chart_table_and_effect(demo_enquiry):
    w = widgets.explorer(demo_enquiry)
    assert isinstance(w, widgets.Explorer)
    assert w.measure.value == "scale:engagement"
    assert w.wave.value == "Wave 1"
    assert w.group_by.value == "community"
    assert w.community.value == "kind:slc"
    assert w.chart_view.value.startswith("<svg")
    assert list(w.table["group"]) == ["Members", "Other pupils"]
    assert w.effect is not None
    assert "Hedges&#x27; g" in w.effect_view.value
    classes = {c for box in w.children for c in getattr(box, "_dom_classes", ())}
    classes |= {c for box in w.children for child in getattr(box, "children", ())
                for c in child._dom_classes}
    assert {"slc-explorer-measure", "slc-explorer-wave", "slc-explorer-group-by",
            "slc-explorer-community", "slc-explorer-filter-school", "slc-explorer-compare-a",
            "slc-explorer-chart", "slc-explorer-table", "slc-explorer-effect"} <= classes
    assert all(c.description for box in w.children[:4] for c in box.children)


def test_attendance_by_sen_in_one_school_matches_pandas(demo_enquiry, table):
    w = widgets.Explorer(table, draw=False)
    w.measure.value = "attendance"
    w.wave.value = "Whole year"
    w.group_by.value = "sen"
    w.filters["school"].value = "Riverside School"
    # independent computation from the canonical tables
    terms = demo_enquiry.attendance_summary(by="term")
    terms = terms[terms["possible"] > 0]
    year = terms.groupby("pupil_id")[["present", "possible"]].sum()
    year = year.assign(pct=year["present"] / year["possible"] * 100).join(
        demo_enquiry.pupils.set_index("pupil_id")[["school", "sen"]])
    year = year[year["school"] == "Riverside School"]
    labels = year["sen"].astype(str).map({"none": "No SEN", "support": "SEN support",
                                          "ehcp": "EHC plan"})
    g = year["pct"].groupby(labels).agg(["count", "mean", "std"])
    got = w.table.set_index("group")
    assert list(got.index) == ["No SEN", "SEN support", "EHC plan"]
    assert got["n"].tolist() == g.loc[got.index, "count"].tolist()
    np.testing.assert_allclose(got["mean"].astype(float), g.loc[got.index, "mean"], rtol=1e-10)
    np.testing.assert_allclose(got["sd"].astype(float), g.loc[got.index, "std"], rtol=1e-10)
    half = stats.t.ppf(0.975, g["count"] - 1) * g["std"] / np.sqrt(g["count"])
    np.testing.assert_allclose(got["ci_high"].astype(float),
                               (g["mean"] + half).loc[got.index], rtol=1e-10)
    assert w.effect == hedges_g(year.loc[labels == "No SEN", "pct"],
                                year.loc[labels == "SEN support", "pct"])
    data = _data(w.chart)
    assert [d["group"] for d in data] == ["No SEN", "SEN support", "EHC plan"]
    assert [d["n"] for d in data] == got["n"].tolist()
    assert w.chart.to_dict()["title"]["text"] == "Attendance, Whole year"
    assert "<td>No SEN</td>" in w.table_view.value


def test_choosing_the_comparison(table):
    w = widgets.Explorer(table, draw=False)
    w.group_by.value = "year_group"
    assert (w.compare_a.value, w.compare_b.value) == ("Year 7", "Year 8")
    w.compare_b.value = "Year 11"
    rows = table.rows("scale:engagement", "Wave 1")
    want = hedges_g(rows.loc[rows["year_group"] == "Year 7", "value"],
                    rows.loc[rows["year_group"] == "Year 11", "value"])
    assert w.effect == want
    assert w.result.comparison == ("Year 7", "Year 11")
    w.wave.value = "Wave 2"  # the choice is kept across waves
    assert w.result.comparison == ("Year 7", "Year 11")
    w.group_by.value = "gender"  # and reset for a new grouping
    assert w.result.comparison == ("Girls", "Boys")


def test_small_group_vanishes_from_chart_and_comparison(demo_enquiry, table):
    m = demo_enquiry.memberships
    pilot = m.loc[m["community"] == "Riverside Co-production", "member_id"]
    p = demo_enquiry.pupils
    girls = p[p["pupil_id"].isin(pilot) & (p["gender"] == "F")]
    assert 1 <= len(girls) < 5
    assert len(pilot) == 8
    w = widgets.Explorer(table, draw=False)
    w.measure.value = "behaviour_negative"
    w.group_by.value = "community"
    w.community.value = "community:Riverside Co-production"
    w.filters["gender"].value = "Girls"
    members = w.table.set_index("group").loc["Members"]
    assert members["suppressed"]
    assert pd.isna(members["n"])
    assert pd.isna(members["mean"])
    # the girls who are not in the pilot are withheld too: the pilot's girls would be the
    # filtered total minus them (secondary suppression); nothing is left to draw, and no
    # chart of nobody ("n = 0 pupils") is drawn: a sentence says why
    assert w.table.set_index("group").loc["Other pupils", "suppressed"]
    assert w.chart is None
    assert w.chart_view.value.startswith("<p>Nothing is drawn: every group has fewer than 5")
    assert w.effect is None
    assert "fewer than 5" in w.effect_view.value
    assert "<td>&lt;5</td>" in w.table_view.value
    assert "<td>*</td>" in w.table_view.value
    w.filters["gender"].value = ""  # everyone again: the pilot's 8 pupils are shown
    assert w.table.set_index("group").loc["Members", "n"] == 8
    assert [d["group"] for d in _data(w.chart)] == ["Members", "Other pupils"]


def test_measure_change_offers_its_waves(table):
    w = widgets.Explorer(table, draw=False)
    w.measure.value = "attainment:Maths"
    assert tuple(w.wave.options) == table.measures["attainment:Maths"].waves
    assert w.wave.value == w.wave.options[0]
    w.group_by.value = "school"
    assert w.community.layout.display == "none"
    assert len(_data(w.chart)) == 4
    assert w.message.value == ""


def test_item7_explorer_shows_change_between_waves_per_group(table):
    """Issue 17 item 7: change between two waves per group, with g and its CI, not one wave."""
    from slc_research.casestudies.explore.change import ChangeResult, explore_change

    w = widgets.Explorer(table, draw=False)
    assert w.view.value == "wave"
    assert w.wave_to.layout.display == "none"
    w.view.value = "change"
    assert w.wave_to.layout.display is None
    assert (w.wave.value, w.wave_to.value) == ("Wave 1", "Wave 2")
    assert isinstance(w.result, ChangeResult)
    want = explore_change(table, measure="scale:engagement", before="Wave 1", after="Wave 2",
                          by="community", community="kind:slc")
    pd.testing.assert_frame_equal(w.table, want.summary)
    assert w.effect == want.effect
    assert "d_ppc2" in w.effect_view.value
    assert "Hedges&#x27; g of the change" in w.table_view.value
    spec = w.chart.to_dict()
    assert spec["title"]["text"] == "Engagement in lessons, Wave 1 to Wave 2"
    y = spec["layer"][1]["encoding"]["y"]
    assert y["title"][1] == "on the 1-5 answer scale (1 = strongly disagree ... 5 = strongly agree)"
    assert [d["group"] for d in _data(w.chart)] == ["Members", "Other pupils"]
    # grouped by pupil premium: each group's change, and how much more one changed
    w.group_by.value = "pupil_premium"
    assert list(w.table["group"])[:2] == ["Pupil premium", "Not pupil premium"]
    pp = explore_change(table, measure="scale:engagement", before="Wave 1", after="Wave 2",
                        by="pupil_premium")
    assert w.table["g"].tolist() == pytest.approx(pp.summary["g"].tolist(), nan_ok=True)
    # a measure with terms: from the autumn to the summer term
    w.measure.value = "attendance"
    w.wave_to.value = "Summer term"
    assert w.result.before == "Autumn term"
    assert w.result.after == "Summer term"
    assert w.message.value == ""
    w.wave_to.value = "Autumn term"
    assert "choose two different waves" in w.message.value
    w.view.value = "wave"
    assert w.message.value == ""
    assert w.wave_to.layout.display == "none"


def test_item10_explorer_means_of_a_scale_on_the_whole_answer_scale(table):
    """Issue 16 item 10: the explorer's Likert means are drawn on 1-5, the scale stated."""
    w = widgets.Explorer(table, draw=False)
    y = w.chart.to_dict()["layer"][0]["encoding"]["y"]
    assert y["scale"]["domain"] == [1, 5]
    assert y["title"] == ["Mean scale score (95% CI)",
                          "1 = strongly disagree ... 5 = strongly agree"]
    w.measure.value = "attendance"
    assert "domain" not in w.chart.to_dict()["layer"][0]["encoding"]["y"]["scale"]
