"""Rank tests against R, exact enumeration, and the rank-biserial formulas by hand.

References
----------
- R (stats 4.x), ``sleep`` data: ``wilcox.test(extra ~ group, data = sleep)``
  gives W = 25.5, p-value = 0.06933 (normal approximation with continuity
  correction, ties present); ``wilcox.test(extra ~ group, data = sleep, paired = TRUE)``
  gives V = 0, p-value = 0.009091 (ties and a zero difference).
- R's ``?wilcox.test`` examples: Hollander & Wolfe (1973, p. 29) depression
  scores, ``wilcox.test(x, y, paired = TRUE, alternative = "greater")`` gives
  V = 40, p-value = 0.01953 (= 10/512; two-sided 20/512); Hollander & Wolfe
  (1973, p. 69), ``wilcox.test(x, y, alternative = "g")`` gives W = 35,
  p-value = 0.1272 (two-sided 0.2544). The exact p-values are also recomputed
  here by enumerating every sign pattern / every split.
- Rank-biserial r: Kerby (2014), Comprehensive Psychology 3:11.IT.3.1,
  ``r = (favourable - unfavourable) / total``, computed here by counting pairs.
"""

from __future__ import annotations

import doctest
import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats import rank_tests as module
from slc_research.stats.rank_tests import mann_whitney, wilcoxon

# never a numpy warning and a NaN; but not the unclosed event loops that notebook tests
# in the same process leave for the garbage collector
pytestmark = [pytest.mark.filterwarnings("error"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

SLEEP_1 = np.array([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0])
SLEEP_2 = np.array([1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4])
DEPRESSION_X = np.array([1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30])
DEPRESSION_Y = np.array([0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29])
PERMEABILITY_X = np.array([0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46])
PERMEABILITY_Y = np.array([1.15, 0.88, 0.90, 0.74, 1.21])


def _pair_counts(x, y):
    diff = np.subtract.outer(np.asarray(x, float), np.asarray(y, float))
    return (diff > 0).sum(), (diff < 0).sum(), (diff == 0).sum()


def _fisher_z_interval(r, se, z=1.959963984540054):
    return math.tanh(math.atanh(r) - z * se), math.tanh(math.atanh(r) + z * se)


# --- Mann-Whitney -----------------------------------------------------------------------------

def test_mann_whitney_matches_r_sleep():
    r = mann_whitney(SLEEP_1, SLEEP_2)
    assert r.statistic == 25.5
    assert r.p_value == pytest.approx(0.06933, abs=5e-6)
    assert r.extra["exact"] is False
    assert r.df is None
    greater, less, ties = _pair_counts(SLEEP_1, SLEEP_2)
    assert r.estimate == pytest.approx((greater - less) / 100, abs=1e-12)
    assert r.estimate == pytest.approx(1 - 2 * r.extra["U2"] / 100, abs=1e-12)
    se = math.sqrt(21 / 300)
    assert (r.ci_low, r.ci_high) == pytest.approx(_fisher_z_interval(r.estimate, se), abs=1e-9)


def test_mann_whitney_exact_matches_r_and_enumeration():
    r = mann_whitney(PERMEABILITY_X, PERMEABILITY_Y)
    assert r.statistic == 35
    assert r.extra["exact"] is True
    # every way of choosing which 5 of the 15 values are "y": the exact null distribution
    both = np.concatenate([PERMEABILITY_X, PERMEABILITY_Y])
    u_values = []
    for idx in itertools.combinations(range(15), 10):
        mask = np.zeros(15, bool)
        mask[list(idx)] = True
        u_values.append(_pair_counts(both[mask], both[~mask])[0])
    u_values = np.array(u_values)
    mean = 25
    p_exact = np.mean(np.abs(u_values - mean) >= abs(35 - mean))
    assert p_exact == pytest.approx(0.2544, abs=5e-5)  # R: one-sided 0.1272
    assert r.p_value == pytest.approx(p_exact, abs=1e-12)
    assert r.estimate == pytest.approx(2 * 35 / 50 - 1)


def test_mann_whitney_groups_that_do_not_overlap():
    r = mann_whitney([4, 5, 6, 7], [1, 2, 3])
    assert r.estimate == 1.0
    se = math.sqrt(8 / 36)
    assert r.ci_low == pytest.approx(1 - 1.959963984540054 * se)
    assert r.ci_high == 1.0


# --- Wilcoxon ---------------------------------------------------------------------------------

def test_wilcoxon_matches_r_sleep():
    r = wilcoxon(pre=SLEEP_2, post=SLEEP_1)  # changes group 1 - group 2, as R's V
    assert r.statistic == 0
    assert r.p_value == pytest.approx(0.009091, abs=5e-7)
    assert (r.n, r.extra["n_changed"], r.extra["n_unchanged"]) == (10, 9, 1)
    assert r.estimate == -1.0
    # at r = -1 the interval runs on the r scale from -1 to -1 + z SE, SE = sqrt(9·10·19/6)/45
    assert r.ci_low == -1.0
    assert r.ci_high == pytest.approx(-1 + 1.959963984540054 * math.sqrt(285) / 45, abs=1e-12)


def test_wilcoxon_exact_matches_r_and_enumeration():
    r = wilcoxon(pre=DEPRESSION_Y, post=DEPRESSION_X)
    assert r.statistic == 40
    assert r.extra["exact"] is True
    # all 2^9 sign patterns of the ranks 1..9
    sums = [sum(k for k, s in zip(range(1, 10), signs, strict=True) if s)
            for signs in itertools.product([0, 1], repeat=9)]
    p_exact = np.mean(np.abs(np.array(sums) - 22.5) >= 40 - 22.5)
    assert p_exact == pytest.approx(20 / 512, abs=1e-15)  # R: one-sided 0.01953 = 10/512
    assert r.p_value == pytest.approx(p_exact, abs=1e-12)
    # matched-pairs rank-biserial (Kerby 2014): (40 - 5) / 45
    assert r.estimate == pytest.approx(35 / 45)
    se = math.sqrt(9 * 10 * 19 / 6) / 45
    assert (r.ci_low, r.ci_high) == pytest.approx(_fisher_z_interval(35 / 45, se), abs=1e-9)


def test_wilcoxon_on_likert_answers_by_hand():
    pre = [2, 3, 3, 4, 2, 1, 3, 5, 4, 2, None]
    post = [3, 3, 4, 4, 4, 2, 2, 5, 5, 3, 4]
    r = wilcoxon(pre, post)
    change = np.array([1, 0, 1, 0, 2, 1, -1, 0, 1, 1])
    moved = change[change != 0]
    ranks = stats.rankdata(np.abs(moved))
    w_plus, w_minus = ranks[moved > 0].sum(), ranks[moved < 0].sum()
    assert (r.extra["W_plus"], r.extra["W_minus"]) == (w_plus, w_minus)
    assert r.estimate == pytest.approx((w_plus - w_minus) / (7 * 8 / 2))
    assert (r.n, r.extra["n_dropped"], r.extra["exact"]) == (10, 1, False)
    # normal approximation with tie and continuity correction, as R
    ties = np.unique(np.abs(moved), return_counts=True)[1]
    var = 7 * 8 * 15 / 24 - (ties**3 - ties).sum() / 48
    z = (abs(w_plus - 7 * 8 / 4) - 0.5) / math.sqrt(var)
    assert r.p_value == pytest.approx(2 * stats.norm.sf(z), rel=1e-10)


def test_docstring_examples():
    assert doctest.testmod(module).failed == 0


# --- properties -------------------------------------------------------------------------------

likert = st.lists(st.integers(1, 5), min_size=2, max_size=30)


@settings(max_examples=60, deadline=None)
@given(likert, likert)
def test_mann_whitney_swap_flips_r_and_interval(x, y):
    assume(len(set(x) | set(y)) > 1)
    a, b = mann_whitney(x, y), mann_whitney(y, x)
    assert b.estimate == pytest.approx(-a.estimate, abs=1e-12)
    assert (b.ci_low, b.ci_high) == pytest.approx((-a.ci_high, -a.ci_low), abs=1e-12)
    assert b.p_value == pytest.approx(a.p_value, abs=1e-12)
    assert -1 <= a.ci_low <= a.estimate <= a.ci_high <= 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=2, max_size=30))
def test_wilcoxon_swap_flips_r_and_interval(pairs):
    pre, post = (list(v) for v in zip(*pairs, strict=True))
    assume(pre != post)
    a, b = wilcoxon(pre, post), wilcoxon(post, pre)
    assert b.estimate == pytest.approx(-a.estimate, abs=1e-12)
    assert (b.ci_low, b.ci_high) == pytest.approx((-a.ci_high, -a.ci_low), abs=1e-12)
    assert b.p_value == pytest.approx(a.p_value, abs=1e-12)
    assert -1 <= a.ci_low <= a.estimate <= a.ci_high <= 1


# --- errors -----------------------------------------------------------------------------------

def test_errors():
    with pytest.raises(StatsError, match="at least 2 values in the first group"):
        mann_whitney([1], [1, 2])
    with pytest.raises(StatsError, match="nothing for a rank test to compare"):
        mann_whitney([3, 3], [3, 3, 3])
    with pytest.raises(StatsError, match="y must hold numbers"):
        mann_whitney([1, 2], ["a", "b"])
    with pytest.raises(StatsError, match="no pupil's value changed"):
        wilcoxon([1, 2, 3], [1, 2, 3])
    with pytest.raises(StatsError, match="same length"):
        wilcoxon([1, 2, 3], [1, 2])
    with pytest.raises(StatsError, match="at least 2 complete pairs"):
        wilcoxon([1, None], [2, 3])
    with pytest.raises(StatsError, match="confidence"):
        wilcoxon([1, 2], [2, 4], confidence=1.5)
