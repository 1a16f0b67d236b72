"""The effect-size calculator widget, driven headless: typed numbers and workspace groups."""

from __future__ import annotations

import html

import ipywidgets as w
import pytest

from slc_research.casestudies.explore.analysis import explore, measures_table
from slc_research.casestudies.explore.calculator import (
    effect_size_from_summary,
    effect_size_from_values,
)
from slc_research.stats import hedges_g_from_summary
from slc_research.widgets.calculator import EffectSizeCalculator, effect_size_calculator


def _type(c, m1, s1, n1, m2, s2, n2):
    c.mean1.value, c.sd1.value, c.n1.value = m1, s1, n1
    c.mean2.value, c.sd2.value, c.n2.value = m2, s2, n2


def test_typed_numbers_give_g_months_mdes_and_a_sentence():
    c = effect_size_calculator()
    assert isinstance(c, EffectSizeCalculator)
    assert isinstance(c, w.VBox)
    assert c.result is None
    assert "Type each group's mean" in c.message.value
    _type(c, 103, 5.5, 50, 100, 4.5, 50)  # Borenstein et al. (2009), ch. 4
    c.outcome.value = "reading <age>"
    assert c.result is not None
    assert c.result.g == hedges_g_from_summary(103, 5.5, 50, 100, 4.5, 50)
    assert c.result.g.estimate == pytest.approx(0.5924, abs=5e-4)
    expected = effect_size_from_summary(103, 5.5, 50, 100, 4.5, 50, outcome="reading <age>")
    assert c.table.equals(expected.to_frame())
    assert c.sentence.value == f"<p>{html.escape(expected.sentence)}</p>"
    assert "reading &lt;age&gt;" in c.sentence.value
    assert "0.59" in c.table_view.value
    assert "Months&#x27; progress" not in c.table_view.value
    assert c.chart_view.value.startswith("<svg")
    spec = c.chart.to_dict()
    values = [v for d in spec["datasets"].values() for v in d if "estimate" in v]
    by_name = {v["statistic"]: v["estimate"] for v in values}
    assert by_name["Hedges' g"] == pytest.approx(expected.g.estimate)
    assert by_name["Cohen's d"] == pytest.approx(expected.d.estimate)
    assert by_name["Glass's Δ"] == pytest.approx(expected.glass.estimate)
    assert c.message.value == ""


def test_small_groups_warn_and_bad_input_clears_the_result():
    c = effect_size_calculator(draw=False)
    _type(c, 3.6, 0.8, 12, 3.3, 0.9, 14)
    assert "Small groups" in c.warnings_view.value
    assert c.chart_view.value == ""  # draw=False keeps the chart object only
    assert c.chart is not None
    c.sd2.value = 0.0
    c.sd1.value = 0.0
    assert c.result is None
    assert c.table.empty
    assert c.chart is None
    assert "both standard deviations are 0" in c.message.value
    c.sd1.value = 1.0
    assert c.result is not None
    c.n2.value = 1
    assert c.result is None
    assert "at least 2 in each group" in c.message.value


def test_pretest_correlation_adjusts_the_mdes_shown():
    c = effect_size_calculator(draw=False)
    _type(c, 3.6, 0.8, 40, 3.3, 0.9, 45)
    plain = c.result.mdes.estimate
    c.pretest_r.value = 0.6
    assert c.result.mdes.estimate == pytest.approx(plain * 0.8)


def test_every_control_is_described_and_classed():
    c = effect_size_calculator(draw=False)
    for name in ("mean1", "sd1", "n1", "mean2", "sd2", "n2", "label1", "label2", "outcome",
                 "pretest_r"):
        control = getattr(c, name)
        assert control.description
        assert f"slc-calculator-{name.replace('_', '-')}" in control._dom_classes
    assert "slc-calculator-chart" in c.chart_view._dom_classes
    assert "slc-calculator" in c._dom_classes


@pytest.mark.xdist_group("demo")
def test_picking_two_workspace_groups_fills_the_numbers(demo_enquiry):
    c = effect_size_calculator(demo_enquiry, draw=False)
    assert c.mode.value == "typed"
    assert c.pickers.layout.display == "none"
    c.mode.value = "workspace"
    assert c.pickers.layout.display is None
    assert c.mean1.disabled
    c.measure.value = "scale:engagement"
    c.wave.value = "Wave 1"
    c.group_by.value = "community"
    c.community.value = "kind:slc"
    table = measures_table(demo_enquiry)
    shown = explore(table, measure="scale:engagement", wave="Wave 1", by="community",
                    community="kind:slc")
    assert c.result is not None
    assert (c.label1.value, c.label2.value) == shown.comparison
    assert c.result.g.estimate == pytest.approx(shown.effect.estimate, rel=1e-9)
    assert c.result.g.ci_high == pytest.approx(shown.effect.ci_high, rel=1e-9)
    assert (c.n1.value, c.n2.value) == (shown.effect.n1, shown.effect.n2)
    assert c.outcome.value == ("Engagement in lessons (Wave 1; Any student learning community "
                               "(SLC))")
    c.group_by.value = "year_group"
    assert list(c.intervention.options)[:2] == ["Year 7", "Year 8"]
    c.comparison.value = "Year 10"
    rows = table.rows("scale:engagement", "Wave 1")
    y7 = rows.loc[rows["year_group"] == "Year 7", "value"]
    y10 = rows.loc[rows["year_group"] == "Year 10", "value"]
    assert c.result.g.estimate == pytest.approx(
        effect_size_from_values(y7, y10).g.estimate, rel=1e-9)
    c.comparison.value = "Year 7"
    assert c.result is None
    assert "choose two different groups" in c.message.value
    c.mode.value = "typed"
    assert not c.mean1.disabled


def test_item8_widget_shows_months_only_for_attainment_with_caveat():
    """Months' progress (EEF Toolkit) appears only once the outcome is said to be attainment,
    and then with MONTHS_CAVEAT."""
    from slc_research.stats import MONTHS_CAVEAT

    c = effect_size_calculator(draw=False)
    _type(c, 103, 5.5, 50, 100, 4.5, 50)
    assert c.outcome_kind.value == "other"
    assert c.result.months is None
    assert "month" not in c.sentence.value
    assert "Months&#x27; progress" not in c.table_view.value
    c.outcome_kind.value = "attainment"
    assert c.result.months.estimate == 7  # g = 0.59: 0.53-0.61 -> 7 months
    assert html.escape(MONTHS_CAVEAT) in c.sentence.value
    assert "Months&#x27; progress" in c.table_view.value or "Months' progress" in \
        c.table_view.value
    c.outcome_kind.value = "attendance"
    assert c.result.months is None


@pytest.mark.xdist_group("demo")
def test_item7_picked_groups_show_rounded_numbers_and_compute_unrounded(demo_enquiry):
    """Issue 17 item 7: "3.17", not "3.1666666666666665"; the arithmetic stays exact."""
    c = effect_size_calculator(demo_enquiry, draw=False)
    c.mode.value = "workspace"
    c.measure.value = "scale:engagement"
    c.wave.value = "Wave 1"
    c.group_by.value = "year_group"
    c.comparison.value = "Year 10"
    rows = measures_table(demo_enquiry).rows("scale:engagement", "Wave 1")
    y7 = rows.loc[rows["year_group"] == "Year 7", "value"].astype(float)
    y10 = rows.loc[rows["year_group"] == "Year 10", "value"].astype(float)
    for box, exact in ((c.mean1, y7.mean()), (c.sd1, y7.std()), (c.mean2, y10.mean()),
                       (c.sd2, y10.std())):
        assert box.value == round(exact, 2)
        assert len(repr(box.value).split(".")[1]) <= 2
    assert c.mean1.value != y7.mean()  # the demo's means are not round numbers
    assert c.result.g.estimate == pytest.approx(effect_size_from_values(y7, y10).g.estimate,
                                                rel=1e-12)
    assert c.result.intervention.mean == y7.mean()
    assert f"<td>{y7.mean():.2f}</td>" in c.table_view.value
    assert str(y7.mean()) not in c.table_view.value
    assert c.chart.to_dict()["title"]["subtitle"] == (
        f"3 statistics of 1 outcome; n = {len(y7):,} Year 7 v {len(y10):,} Year 10")
    c.mode.value = "typed"  # typed again: the boxes' own (rounded) numbers are used
    assert c.result.intervention.mean == round(y7.mean(), 2)
    c.mean1.value = 3.25
    assert c.result.intervention.mean == 3.25
    assert c.result.comparison.mean == round(y10.mean(), 2)


def test_item7_calculator_words_its_counts_right():
    """Issue 17 item 7: "3 statistics of 1 outcome", not "3 outcome(s)"."""
    c = effect_size_calculator(draw=False)
    _type(c, 19 / 6, 0.8, 40, 3.0, 0.9, 45)
    subtitle = c.chart.to_dict()["title"]["subtitle"]
    assert subtitle == "3 statistics of 1 outcome; n = 40 intervention v 45 comparison"
    assert "(s)" not in subtitle
    assert "3.17" in c.table_view.value
    assert "3.1666" not in c.table_view.value
    _type(c, 19 / 6, 0.8, 40, 3.0, 0.0, 45)  # Glass's Δ is not defined: two statistics
    assert c.chart.to_dict()["title"]["subtitle"].startswith("2 statistics of 1 outcome")
