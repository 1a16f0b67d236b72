"""The effect-size calculator's logic: numbers against the stats functions, the sentence, warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slc_research.casestudies.explore.analysis import (
    OTHER_PUPILS,
    MeasuresTable,
    explore,
    measures_table,
)
from slc_research.casestudies.explore.calculator import (
    MEMBERS,
    SMALL_GROUP,
    effect_size_from_summary,
    effect_size_from_values,
    workspace_groups,
)
from slc_research.stats import (
    MONTHS_CAVEAT,
    StatsError,
    cohens_d_from_summary,
    glass_delta_from_summary,
    hedges_g,
    hedges_g_from_summary,
    mdes,
    months_progress,
)


def test_summary_result_holds_every_statistic():
    r = effect_size_from_summary(3.6, 0.8, 40, 3.3, 0.9, 45, outcome="reading",
                                 outcome_kind="attainment")
    g = hedges_g_from_summary(3.6, 0.8, 40, 3.3, 0.9, 45)
    assert r.g == g
    assert r.d == cohens_d_from_summary(3.6, 0.8, 40, 3.3, 0.9, 45)
    assert r.glass == glass_delta_from_summary(3.6, 0.8, 40, 3.3, 0.9, 45)
    assert r.months == months_progress(g, outcome_kind="attainment")
    assert r.mdes == mdes(40, 45)
    assert r.difference == pytest.approx(0.3)
    assert r.g.estimate == pytest.approx(0.3479, abs=1e-4)  # 0.3 / 0.8539 * J(83)
    assert r.crosses_zero
    assert not r.detectable
    t = r.to_frame()
    assert list(t["statistic"]) == ["Mean difference", "Cohen's d", "Hedges' g", "Glass's Δ",
                                    "Months' progress", "MDES"]
    assert t.loc[2, "value"] == r.g.estimate
    assert t.loc[2, "ci_low"] == r.g.ci_low
    assert t.loc[4, "value"] == 4
    assert t.loc[4, "ci_low"] == r.months.ci_low
    assert t.loc[5, "value"] == pytest.approx(0.616, abs=1e-3)
    assert list(r.groups_frame()["n"]) == [40, 45]
    assert str(r) == str(g)
    assert r.warnings == ()


def test_sentence_says_what_the_numbers_mean():
    r = effect_size_from_summary(3.6, 0.8, 40, 3.3, 0.9, 45, outcome="reading",
                                 labels=("SLC members", "other pupils"),
                                 outcome_kind="attainment")
    s = r.sentence
    assert s.startswith("The SLC members group (mean 3.60, n = 40) scored higher than the "
                        "other pupils group (mean 3.30, n = 45) on reading: Hedges' g = 0.35, "
                        "95% CI [-0.08, 0.77], about 4 months' additional progress")
    assert "consistent with no difference" in s
    assert "only effects of 0.62 or larger would be detected reliably" in s
    assert s.endswith("could easily be missed. " + MONTHS_CAVEAT)
    big = effect_size_from_summary(110, 10, 200, 100, 10, 200, outcome="reading",
                                   outcome_kind="attainment")
    assert not big.crosses_zero
    assert big.detectable
    assert "whole interval is above zero" in big.sentence
    assert "does not by itself show that the intervention caused it" in big.sentence
    assert big.sentence.endswith("(MDES at 80% power). " + MONTHS_CAVEAT)
    low = effect_size_from_summary(97, 10, 300, 100, 10, 300, outcome_kind="attainment")
    assert "scored lower than" in low.sentence
    assert "about 4 months' less progress" in low.sentence
    assert "whole interval is below zero" in low.sentence


def test_pretest_correlation_shrinks_the_mdes():
    plain = effect_size_from_summary(3.6, 0.8, 40, 3.3, 0.9, 45)
    adjusted = effect_size_from_summary(3.6, 0.8, 40, 3.3, 0.9, 45, pretest_correlation=0.6)
    assert adjusted.mdes.estimate == pytest.approx(plain.mdes.estimate * 0.8)
    assert adjusted.g == plain.g


def test_warnings_for_small_groups_uneven_spreads_and_huge_effects():
    r = effect_size_from_summary(3.6, 0.8, 12, 3.3, 1.6, 45)
    assert len(r.warnings) == 2
    assert r.warnings[0].startswith(f"Small groups: the intervention group (12) has fewer than "
                                    f"{SMALL_GROUP} pupils")
    assert "Glass's Δ" in r.warnings[1]
    assert "SDs 0.80 and 1.60" in r.warnings[1]
    flat = effect_size_from_summary(3.6, 0.8, 40, 3.3, 0.0, 45)
    assert flat.glass is None
    assert flat.to_frame().loc[3, "note"] == "not defined: the comparison group's SD is 0"
    huge = effect_size_from_summary(20, 2, 50, 15, 2, 50)
    assert any("unusually large" in w for w in huge.warnings)


def test_bad_numbers_raise_a_stats_error():
    with pytest.raises(StatsError, match="n1 must be at least 2"):
        effect_size_from_summary(1, 1, 1, 0, 1, 10)
    with pytest.raises(StatsError, match="comparison group needs at least 2"):
        effect_size_from_values([1, 2, 3], [1, np.nan])


def test_from_values_matches_hedges_g_on_the_raw_data():
    rng = np.random.default_rng(7)
    x = np.r_[rng.normal(5, 2, 30), np.nan]
    y = rng.normal(4, 2, 33)
    r = effect_size_from_values(x, y, confidence=0.9)
    raw = hedges_g(x, y, confidence=0.9)
    assert r.g.estimate == pytest.approx(raw.estimate, rel=1e-12)
    assert r.g.ci_low == pytest.approx(raw.ci_low, rel=1e-9)
    assert r.g.ci_high == pytest.approx(raw.ci_high, rel=1e-9)
    assert (r.intervention.n, r.comparison.n) == (30, 33)


def _small_table() -> tuple[MeasuresTable, pd.DataFrame]:
    rng = np.random.default_rng(3)
    n = 60
    ids = [f"P-{i:03d}" for i in range(n)]
    data = pd.DataFrame({
        "pupil_id": ids, "measure": "scale:x", "wave": "Wave 1",
        "value": np.r_[rng.normal(3, 1, n - 1), np.nan],
        "school": pd.Categorical(["A"] * 30 + ["B"] * 30),
        "year_group": pd.Categorical(["Year 7", "Year 8"] * 30, categories=["Year 7", "Year 8"]),
        "pupil_premium": pd.Categorical(["Pupil premium"] * n),
        "sen": pd.Categorical(["No SEN"] * n), "gender": pd.Categorical(["Girls"] * n)})
    members = pd.DataFrame({"member_id": ids[:12], "community": "Team A",
                            "community_kind": "slc"})
    return MeasuresTable.from_long(data, members, threshold=5), members


def test_workspace_groups_split_members_from_others_and_by_characteristic():
    table, members = _small_table()
    groups = workspace_groups(table, members, measure="scale:x", wave="Wave 1", by="community",
                              community="community:Team A")
    assert list(groups) == [MEMBERS, OTHER_PUPILS]
    values = table.rows("scale:x", "Wave 1")["value"].to_numpy()
    np.testing.assert_array_equal(groups[MEMBERS], values[:12])
    np.testing.assert_array_equal(groups[OTHER_PUPILS], values[12:-1])  # the NaN is left out
    years = workspace_groups(table, members, measure="scale:x", wave="Wave 1", by="year_group",
                             filters={"school": "A"})
    assert list(years) == ["Year 7", "Year 8"]
    assert [len(v) for v in years.values()] == [15, 15]


@pytest.mark.xdist_group("demo")
def test_workspace_comparison_equals_the_explorer_effect(demo_enquiry):
    table = measures_table(demo_enquiry)
    groups = workspace_groups(table, demo_enquiry.memberships, measure="scale:engagement",
                              wave="Wave 1", by="community", community="kind:slc")
    members, others = groups.values()
    r = effect_size_from_values(members, others)
    shown = explore(table, measure="scale:engagement", wave="Wave 1", by="community",
                    community="kind:slc")
    assert shown.effect is not None
    assert r.g.estimate == pytest.approx(shown.effect.estimate, rel=1e-9)
    assert r.g.ci_low == pytest.approx(shown.effect.ci_low, rel=1e-9)
    assert (r.g.n1, r.g.n2) == (shown.effect.n1, shown.effect.n2)


def test_mdes_for_large_groups_is_the_exact_t_test_mdes():
    # 642 per group once made statsmodels' power NaN; the MDES is now solved exactly and
    # lies just above the normal approximation (z(.975) + z(.8)) * sqrt(2/n) (Bloom, 1995).
    r = effect_size_from_summary(3.1, 0.9, 642, 3.0, 0.9, 642)
    assert r.mdes.estimate == pytest.approx(mdes(642, 642).estimate)
    assert r.mdes.estimate == pytest.approx(2.8016 * (2 / 642) ** 0.5, abs=2e-4)


def test_item8_calculator_prints_months_only_for_attainment_with_caveat():
    """Months' progress (EEF Toolkit) only when the user says the outcome is attainment."""
    attitude = effect_size_from_summary(3.6, 0.8, 40, 3.3, 0.9, 45, outcome="engagement")
    assert attitude.outcome_kind == "other"
    assert attitude.months is None
    assert attitude.caveat == ""
    assert "month" not in attitude.sentence
    assert "Months' progress" not in list(attitude.to_frame()["statistic"])
    for kind in ("attitude", "wellbeing", "attendance", "behaviour"):
        assert effect_size_from_summary(3.6, 0.8, 40, 3.3, 0.9, 45,
                                        outcome_kind=kind).months is None
    reading = effect_size_from_summary(3.6, 0.8, 40, 3.3, 0.9, 45, outcome_kind="attainment")
    assert reading.months.estimate == 4  # g = 0.35: 0.27-0.35 -> 4 months (EEF Toolkit)
    assert reading.caveat == MONTHS_CAVEAT
    assert MONTHS_CAVEAT in reading.sentence
    row = reading.to_frame().set_index("statistic").loc["Months' progress"]
    assert "attainment only" in row["note"]
    with pytest.raises(StatsError, match="outcome_kind must be one of"):
        effect_size_from_summary(3.6, 0.8, 40, 3.3, 0.9, 45, outcome_kind="engagement")


def test_item7_calculator_rounds_for_display_and_counts_in_words():
    from slc_research.casestudies.explore.calculator import for_display
    from slc_research.words import plural

    r = effect_size_from_summary(19 / 6, 0.8333333333, 1200, 3.0, 0.9, 45)
    groups = r.display_groups()
    assert groups.to_dict("list") == {"Group": ["intervention", "comparison"],
                                      "Mean": ["3.17", "3.00"], "SD": ["0.83", "0.90"],
                                      "Pupils (n)": ["1,200", "45"]}
    table = r.display_table()
    assert list(table.columns) == ["Statistic", "Value", "95% CI", "Note"]
    assert table.loc[2, "Value"] == f"{r.g.estimate:.2f}"
    assert table.loc[2, "95% CI"] == f"{r.g.ci_low:.2f} to {r.g.ci_high:.2f}"
    assert all(len(v.split(".")[-1]) <= 2 for v in table["Value"])
    assert r.g.estimate == hedges_g_from_summary(19 / 6, 0.8333333333, 1200, 3.0, 0.9,
                                                 45).estimate  # unrounded inside
    assert r.counts == "3 statistics of 1 outcome; n = 1,200 intervention v 45 comparison"
    assert plural(1, "statistic") == "1 statistic"
    assert plural(2, "outcome") == "2 outcomes"
    assert plural(1, "child", "children") == "1 child"
    assert plural(3, "child", "children") == "3 children"
    assert for_display(3.1666666666666665) == 3.17
    attainment = effect_size_from_summary(103, 5.5, 50, 100, 4.5, 50,
                                          outcome_kind="attainment")
    months = attainment.display_table().set_index("Statistic").loc["Months' progress"]
    assert months["Value"] == "7"
    assert months["95% CI"] == (f"{attainment.months.ci_low:+.0f} to "
                                f"{attainment.months.ci_high:+.0f}")
