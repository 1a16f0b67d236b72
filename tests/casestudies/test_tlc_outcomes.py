"""The TLC report's outcome: the declared staff survey scale against the neutral answer.

References: one-sample t test as scipy's ``ttest_1samp``; Hedges' small-sample correction
J = 1 - 3 / (4 df - 1) and the standard error of g (Hedges & Olkin, 1985); TOST recomputed
by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from slc_research.casestudies import outcome_family
from slc_research.casestudies.tlc import STUDY
from slc_research.casestudies.tlc import outcomes as tlc_outcomes
from slc_research.errors import ConfigError


def test_item5_tlc_one_scale_is_the_declared_primary_and_said_plainly():
    scores = np.array([3.8, 4.2, 4.0, 3.6, 4.4, 3.2, 4.6, 3.9, 4.1, 3.7, 4.0, 4.3])
    effect = tlc_outcomes.neutral_effect("tlc_impact", "Impact of the TLC", scores, 3.0)
    n, sd = len(scores), scores.std(ddof=1)
    g = (1 - 3 / (4 * (n - 1) - 1)) * (scores.mean() - 3.0) / sd
    assert effect.estimate == pytest.approx(g)
    assert effect.se == pytest.approx(math.sqrt(1 / n + g ** 2 / (2 * n)))
    assert effect.p_value == pytest.approx(stats.ttest_1samp(scores, 3.0).pvalue)
    assert (effect.n1, effect.n2, effect.measure) == (12, 0, "g")
    section = tlc_outcomes.survey_outcomes_section([effect], primary="tlc_impact",
                                                   smallest_effect=0.2, threshold=5)
    assert section.finding.startswith("On the primary outcome, impact of the TLC, staff's "
                                      "mean score was clearly above the neutral answer (g = ")
    assert section.finding.endswith(outcome_family.ONE_OUTCOME)
    shown = section.tables[0].frame
    assert "p (Holm-adjusted)" not in shown.columns
    assert shown["Staff answering"].tolist() == [12]


def test_item8_tlc_a_neutral_staff_view_is_worded_by_the_equivalence_test():
    rng = np.random.default_rng(16)
    neutral = 3.0 + rng.normal(0, 0.6, 400)
    neutral += 3.0 - neutral.mean()  # exactly neutral on average: a constructed null
    effect = tlc_outcomes.neutral_effect("tlc_impact", "Impact", neutral, 3.0)
    tested = outcome_family.equivalence(effect, 0.2)
    by_hand = max(stats.norm.sf((effect.estimate + 0.2) / effect.se),
                  stats.norm.cdf((effect.estimate - 0.2) / effect.se))
    assert tested.p == pytest.approx(by_hand)
    assert tested.verdict == "equivalent"
    few = tlc_outcomes.neutral_effect("tlc_impact", "Impact", neutral[:12], 3.0)
    assert outcome_family.equivalence(few, 0.2).verdict == "inconclusive"
    section = tlc_outcomes.survey_outcomes_section([few], primary="tlc_impact",
                                                   smallest_effect=0.2, threshold=5)
    assert "inconclusive: the data cannot rule out an effect of 0.20 either way" in \
        section.finding
    assert tlc_outcomes.neutral_effect("x", "X", [4.0, 4.0, 4.0], 3.0) is None  # no spread


def test_item5_tlc_smallest_effect_parameter_is_checked(tmp_path):
    (tmp_path / "enquiry.toml").write_text("", encoding="utf-8")
    assert STUDY.validate(workspace=str(tmp_path))["smallest_effect"] == 0.2
    with pytest.raises(ConfigError, match="smallest effect that matters"):
        STUDY.validate(workspace=str(tmp_path), smallest_effect="0.2")


def test_item8_tlc_no_clear_change_in_share_is_worded_by_equivalence():
    import pandas as pd

    published = pd.DataFrame({"year": ["2024/25", "2025/26"], "k": [20, 22], "n": [100, 104],
                              "estimate": [0.20, 22 / 104], "pct": [20.0, 100 * 22 / 104],
                              "pct_ci_low": [13.0, 14.0], "pct_ci_high": [29.0, 30.0]})
    growth = pd.DataFrame({"from_year": ["2024/25"], "to_year": ["2025/26"],
                           "difference": [100 * 22 / 104 - 20], "ci_low": [-9.9],
                           "ci_high": [12.2]})
    text = tlc_outcomes.share_finding(published, growth, "the TLCs")
    h = 2 * math.asin(math.sqrt(22 / 104)) - 2 * math.asin(math.sqrt(0.2))
    assert f"as Cohen's h = {h:.2f}, inconclusive: the data cannot rule out an effect of " \
           "0.20 either way" in text
    assert "no clear change from 2024/25" in text
