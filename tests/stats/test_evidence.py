"""The strength-of-evidence statement: its levels follow the documented rules.

References
----------
- The rules are this package's, written after the EEF's padlock guidance
  (EEF, 2019, "Classifying the security of EEF findings"): design cap, MDES
  cap (<= 0.2 SD: 5 ... > 0.6: 0), attrition (<= 10%: no loss ... > 50%: 5
  levels), baseline imbalance (> 0.05 SD: 1 level, > 0.10 SD: 2). The MDES is
  checked against :func:`slc_research.stats.eef.mdes`.
"""

from __future__ import annotations

import doctest
import math

import pytest

from slc_research.errors import StatsError
from slc_research.stats import evidence as module
from slc_research.stats.eef import mdes
from slc_research.stats.evidence import EvidenceStrength, strength_of_evidence

# never a numpy warning and a NaN; but not the unclosed event loops that notebook tests
# in the same process leave for the garbage collector
pytestmark = [pytest.mark.filterwarnings("error"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

RCT = {"comparison_group": True, "random_allocation": True, "baseline_effect": 0.01,
       "attrition": 0.05, "n_treated": 400, "n_comparison": 400}


def test_large_clean_randomised_comparison_is_level_five():
    res = strength_of_evidence(**RCT)
    assert isinstance(res, EvidenceStrength)
    assert (res.level, res.label, res.design_cap, res.power_cap) == (5, "high", 5, 5)
    assert res.mdes == pytest.approx(mdes(400, 400).estimate)
    assert res.estimate == 5
    assert math.isnan(res.ci_low)
    assert res.n == 800


def test_no_comparison_group_cannot_attribute_change():
    res = strength_of_evidence(comparison_group=False, random_allocation=False,
                               baseline_effect=None, attrition=0.0, n_treated=200,
                               n_comparison=0)
    assert res.level == 0
    assert res.power_cap is None
    assert math.isnan(res.mdes)
    assert "no comparison group" in res.text
    assert "cannot show that the community caused it" in res.text


@pytest.mark.parametrize(("attrition", "drop"), [(0.0, 0), (0.10, 0), (0.11, 1), (0.20, 1),
                                                 (0.25, 2), (0.35, 3), (0.45, 4), (0.51, 5),
                                                 (None, 1)])
def test_attrition_bands(attrition, drop):
    res = strength_of_evidence(**(RCT | {"attrition": attrition}))
    assert res.attrition_drop == drop
    assert res.level == max(0, 5 - drop)


@pytest.mark.parametrize(("baseline", "random", "drop"),
                         [(0.05, True, 0), (-0.05, True, 0), (0.07, True, 1), (-0.1, True, 1),
                          (0.12, True, 2), (None, True, 0), (None, False, 1)])
def test_baseline_imbalance(baseline, random, drop):
    res = strength_of_evidence(**(RCT | {"baseline_effect": baseline,
                                         "random_allocation": random}))
    assert res.imbalance_drop == drop
    if baseline is not None and abs(baseline) > 0.05:
        assert "more than the 0.05 SD" in res.text


@pytest.mark.parametrize(("n", "cap"), [(400, 5), (200, 4), (110, 3), (70, 2), (50, 1),
                                        (20, 0)])
def test_sample_size_caps_the_level(n, cap):
    res = strength_of_evidence(**(RCT | {"n_treated": n, "n_comparison": n}))
    value = mdes(n, n).estimate
    expected = next((c for edge, c in ((0.2, 5), (0.3, 4), (0.4, 3), (0.5, 2), (0.6, 1))
                     if value <= edge), 0)
    assert res.power_cap == expected == cap
    assert f"{value:.2f} SD" in res.text


def test_volunteers_are_capped_and_told_about_selection():
    base = RCT | {"random_allocation": False}
    assert strength_of_evidence(**base).design_cap == 1
    assert strength_of_evidence(**base, matched=True).design_cap == 3  # balanced baseline
    unbalanced = base | {"baseline_effect": 0.08}
    assert strength_of_evidence(**unbalanced, matched=True).design_cap == 2
    text = strength_of_evidence(**base).text
    assert "not allocated at random" in text
    assert "who took part" in text


def test_never_called_an_eef_rating():
    res = strength_of_evidence(**RCT)
    assert "in the spirit of the EEF's security rating" in res.text
    assert "not an EEF rating" in res.text
    assert "not an EEF rating" in res.method
    assert res.sentences[-1].startswith("Overall strength of evidence: 5 out of 5")
    assert str(res) == res.text
    assert res.to_frame().loc[0, "level"] == 5


def test_docstring_examples():
    assert doctest.testmod(module).failed == 0


def test_errors():
    with pytest.raises(StatsError, match="comparison_group must be True or False"):
        strength_of_evidence(**(RCT | {"comparison_group": "yes"}))
    with pytest.raises(StatsError, match="random_allocation=True needs comparison_group"):
        strength_of_evidence(**(RCT | {"comparison_group": False}))
    with pytest.raises(StatsError, match="as a proportion, e.g. 0.15 for 15%"):
        strength_of_evidence(**(RCT | {"attrition": 15}))
    with pytest.raises(StatsError, match="at least 2 pupils in each group"):
        strength_of_evidence(**(RCT | {"n_comparison": 1}))
    with pytest.raises(StatsError, match="baseline_effect must be a number"):
        strength_of_evidence(**(RCT | {"baseline_effect": "small"}))
