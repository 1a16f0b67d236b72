"""The conference classes' outcome family: change from the first to the last half term.

References: Cohen's h from its definition (Cohen, 1988, ch. 6); Hedges' g as
:func:`slc_research.stats.hedges_g` computes it; Holm as statsmodels' ``multipletests``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency
from statsmodels.stats.multitest import multipletests

from slc_research import stats
from slc_research.casestudies.conferences import OUTCOMES, STUDY
from slc_research.casestudies.conferences import family as fam
from slc_research.errors import ConfigError
from slc_research.measures.attendance import HALF_TERMS

ORDER = [name for name, _ in HALF_TERMS]


def _reflections(first_depths, last_depths):
    """Reflections of 10 pupils in autumn 1 and summer 2 with the given rubric levels."""
    rows = [(f"P-{i % 10:03d}", "autumn 1", d) for i, d in enumerate(first_depths)]
    rows += [(f"P-{i % 10:03d}", "summer 2", d) for i, d in enumerate(last_depths)]
    refl = pd.DataFrame(rows, columns=["author_id", "half_term", "depth"])
    refl["half_term"] = pd.Categorical(refl["half_term"], categories=ORDER, ordered=True)
    return refl


def _weeks(met_first, met_last):
    """Pupil-weeks: a September week and a July week, 10 pupils each."""
    return pd.DataFrame({
        "week": [pd.Timestamp("2025-09-08")] * len(met_first)
        + [pd.Timestamp("2026-07-06")] * len(met_last),
        "member_id": [f"P-{i % 10:03d}" for i in range(len(met_first) + len(met_last))],
        "met": list(met_first) + list(met_last)})


def test_item5_conferences_three_outcomes_primary_first_holm_on_the_rest():
    first = [1] * 24 + [2] * 12 + [3] * 4  # 40 reflections, 16 deep (level 2+)
    last = [1] * 10 + [2] * 20 + [3] * 10  # 40 reflections, 30 deep
    refl = _reflections(first, last)
    weeks = _weeks([True] * 7 + [False] * 3, [True] * 8 + [False] * 2)
    effects = fam.outcome_effects(refl, weeks, level=2, deep="explanatory or deeper")
    assert [e.key for e in effects] == list(OUTCOMES)
    depth, mean_depth, target = effects
    assert depth.estimate == pytest.approx(2 * math.asin(math.sqrt(30 / 40))
                                           - 2 * math.asin(math.sqrt(16 / 40)))
    assert depth.se == pytest.approx(math.sqrt(1 / 40 + 1 / 40))
    newcombe = stats.proportion_difference(30, 40, 16, 40)
    assert depth.p_value == pytest.approx(newcombe.p_value)
    assert depth.n1 == 10  # pupils, for suppression
    g = stats.hedges_g(np.array(last, float), np.array(first, float), ci="normal")
    assert mean_depth.estimate == pytest.approx(g.estimate)
    assert target.estimate == pytest.approx(2 * math.asin(math.sqrt(0.8))
                                            - 2 * math.asin(math.sqrt(0.7)))
    section = fam.family_section(effects, primary="depth", smallest_effect=0.2, threshold=5)
    table = section.records["outcomes_holm"]
    assert table["p_holm"].iloc[1:].to_numpy() == pytest.approx(
        multipletests([mean_depth.p_value, target.p_value], method="holm")[1])
    assert section.finding.startswith("On the primary outcome, share of reflections that were "
                                      "explanatory or deeper, it clearly rose from the first "
                                      "to the last half term (h = 0.72")
    # the target's change (70% to 80% of 10 pupil-weeks) is a null the data cannot settle
    assert ("share of pupil-weeks meeting the target shows no clear difference, but the data "
            "cannot rule out an effect of ±0.2 either (inconclusive)") in section.finding
    # declaring another primary moves Holm onto the others
    other = fam.family_section(effects, primary="target", smallest_effect=0.2, threshold=5)
    assert other.records["outcomes_holm"]["p_holm"].iloc[:2].to_numpy() == pytest.approx(
        multipletests([depth.p_value, mean_depth.p_value], method="holm")[1])


def test_item8_conferences_a_constructed_null_is_equivalent_with_enough_reflections():
    same = [1, 2, 2, 3] * 150  # 600 reflections each half term, identical spread
    effects = fam.outcome_effects(_reflections(same, same), _weeks([], []), level=2,
                                  deep="explanatory or deeper")
    assert [e.key for e in effects] == ["depth", "mean_depth"]  # no weeks: no target outcome
    assert effects[0].estimate == pytest.approx(0.0)
    section = fam.family_section(effects, primary="depth", smallest_effect=0.2, threshold=5)
    assert "no effect larger than ±0.20" in section.finding
    assert section.records["outcomes_holm"]["equivalence"].tolist() == [
        "no effect larger than ±0.2", "no effect larger than ±0.2"]


def test_item5_conferences_one_half_term_has_no_outcome_and_the_parameter_is_checked(tmp_path):
    refl = _reflections([1, 2, 3], [])
    assert fam.outcome_effects(refl, _weeks([True], []), level=2, deep="deep") == []
    (tmp_path / "enquiry.toml").write_text("", encoding="utf-8")
    assert STUDY.validate(workspace=str(tmp_path))["primary_outcome"] == ""
    with pytest.raises(ConfigError, match="primary outcome must be one of 'depth', "
                                          "'mean_depth', 'target'"):
        STUDY.validate(workspace=str(tmp_path), primary_outcome="depth_change")


def _classes(deep_a, deep_b, per_pupil=4):
    """Two classes of 10 pupils, ``per_pupil`` reflections each; the given shares deep."""
    rows = []
    for name, share in (("Oak 3A student-led conferences", deep_a),
                        ("Elm 3B student-led conferences", deep_b)):
        for i in range(10 * per_pupil):
            rows.append((f"P-{name[:3]}{i // per_pupil:02d}", name,
                         2 if i < share * 10 * per_pupil else 1))
    return pd.DataFrame(rows, columns=["author_id", "community", "depth"])


def test_item5_conferences_a_class_difference_is_shown_with_its_test():
    pupils = pd.DataFrame({"pupil_id": [], "year_group": []})
    same = fam.group_difference(_classes(0.5, 0.5), pupils, by="class", level=2)
    assert same.statistic == pytest.approx(0.0, abs=1e-9)
    assert same.p_value == pytest.approx(1.0)
    assert (same.df, same.extra["k"], same.n) == (1.0, 2, 80)
    apart = fam.group_difference(_classes(0.9, 0.2), pupils, by="class", level=2)
    assert apart.p_value < 0.05
    # each pupil's 4 reflections are alike (all deep or none): the clustered test is far
    # more cautious than a chi-square that counts 80 independent reflections
    naive = chi2_contingency([[36, 4], [8, 32]], correction=False)
    assert naive.pvalue < 1e-9 < apart.p_value
    only = fam.group_difference(_classes(0.9, 0.2), pupils, by="class", level=2,
                                groups=["Oak 3A"])
    assert only is None  # one group shown: nothing to test
    assert "not evidence of a real difference" in fam.GROUP_CAVEAT
