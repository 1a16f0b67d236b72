"""TOST against statsmodels' ``ttost_ind`` and the interval inclusion rule.

References
----------
- Schuirmann (1987); Lakens (2017): equivalence at alpha holds exactly when
  the 1 - 2 alpha interval lies inside (-bound, +bound).
- statsmodels.stats.weightstats.ttost_ind(x1, x2, low, upp, usevar="pooled"):
  an independent implementation on the raw data; the same test on the
  difference in means with the pooled SE and n1 + n2 - 2 df.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.weightstats import ttost_ind

from slc_research.errors import StatsError
from slc_research.stats import EquivalenceResult, tost
from slc_research.stats import equivalence as module


@pytest.mark.parametrize(("shift", "n", "verdict"), [(0.0, 400, "equivalent"),
                                                      (0.1, 30, "inconclusive"),
                                                      (0.9, 60, "different")])
def test_item8_tost_matches_independent(shift, n, verdict):
    rng = np.random.default_rng(11)
    x1, x2 = rng.normal(shift, 1, n), rng.normal(0, 1, n + 5)
    bound = 0.3
    p, lower, upper = ttost_ind(x1, x2, -bound, bound, usevar="pooled")
    n1, n2 = len(x1), len(x2)
    sp2 = ((n1 - 1) * x1.var(ddof=1) + (n2 - 1) * x2.var(ddof=1)) / (n1 + n2 - 2)
    se = math.sqrt(sp2 * (1 / n1 + 1 / n2))
    res = tost(x1.mean() - x2.mean(), se, bound=bound, df=n1 + n2 - 2)
    assert isinstance(res, EquivalenceResult)
    assert res.p == pytest.approx(p, rel=1e-9)
    assert res.p_lower == pytest.approx(lower[1], rel=1e-9)
    assert res.p_upper == pytest.approx(upper[1], rel=1e-9)
    assert res.verdict == verdict
    assert res.equivalent == (verdict == "equivalent")
    # equivalent <=> the 90% interval lies inside the bounds
    assert res.equivalent == (-bound < res.ci_low and res.ci_high < bound)
    assert res.p_zero == pytest.approx(stats.ttest_ind(x1, x2).pvalue, rel=1e-9)


def test_normal_version_by_hand_and_words():
    res = tost(0.43, 0.10)  # the demo-sized headline: well away from zero
    assert res.df is None
    assert res.p_upper == pytest.approx(stats.norm.cdf((0.43 - 0.2) / 0.10))
    assert res.p_lower == pytest.approx(stats.norm.sf((0.43 + 0.2) / 0.10))
    assert res.verdict == "different"
    assert res.in_words() == ("an effect of at least 0.27 (positive; the nearer end of the "
                              "90% interval)")
    assert tost(0.1, 0.2).in_words().startswith(
        "inconclusive: the data cannot rule out an effect of 0.20 either way")
    assert tost(0.01, 0.05).in_words().startswith("no effect larger than ±0.20")


def test_errors():
    with pytest.raises(StatsError, match="se must be positive"):
        tost(0.1, 0)
    with pytest.raises(StatsError, match="bound must be a positive"):
        tost(0.1, 0.1, bound=-0.2)
    with pytest.raises(StatsError, match="alpha"):
        tost(0.1, 0.1, alpha=0.6)


def test_docstring_examples():
    assert doctest.testmod(module).failed == 0
