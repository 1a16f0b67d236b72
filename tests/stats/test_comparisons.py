"""t tests against R and against the formulas computed by hand.

References
----------
- R (stats 4.x), ``sleep`` data set (Cushny & Peebles, 1905; Student, 1908):
  ``t.test(extra ~ group, data = sleep)``: t = -1.8608, df = 17.776,
  p-value = 0.07939, 95 percent CI -3.3654832 0.2054832, means 0.75 and 2.33.
  ``t.test(extra ~ group, data = sleep, var.equal = TRUE)``: t = -1.8608, df = 18,
  p-value = 0.07919, 95 percent CI -3.363874 0.203874.
  ``t.test(extra ~ group, data = sleep, paired = TRUE)`` (group 1 - group 2):
  t = -4.0621, df = 9, p-value = 0.002833, 95 percent CI -2.4598858 -0.7001142,
  mean difference -1.58.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from slc_research.errors import SlcResearchError, StatsError
from slc_research.stats import comparisons as module
from slc_research.stats.comparisons import paired_t, student_t, welch_t
from slc_research.stats.results import TestResult

# never a numpy warning and a NaN; but not the unclosed event loops that notebook tests
# in the same process leave for the garbage collector
pytestmark = [pytest.mark.filterwarnings("error"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

SLEEP_1 = np.array([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0])
SLEEP_2 = np.array([1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4])


# --- R's values -------------------------------------------------------------------------------

def test_welch_t_matches_r_sleep():
    r = welch_t(SLEEP_1, SLEEP_2)
    assert isinstance(r, TestResult)
    assert r.statistic == pytest.approx(-1.8608, abs=5e-5)
    assert r.df == pytest.approx(17.776, abs=5e-4)
    assert r.p_value == pytest.approx(0.07939, abs=5e-6)
    assert r.ci_low == pytest.approx(-3.3654832, abs=5e-8)
    assert r.ci_high == pytest.approx(0.2054832, abs=5e-8)
    assert r.estimate == pytest.approx(-1.58, abs=1e-12)
    assert (r.extra["mean1"], r.extra["mean2"]) == pytest.approx((0.75, 2.33))
    assert (r.n, r.extra["n1"], r.extra["n2"]) == (20, 10, 10)
    assert r.method == "Welch's t-test"


def test_student_t_matches_r_sleep():
    r = student_t(SLEEP_1, SLEEP_2)
    assert r.statistic == pytest.approx(-1.8608, abs=5e-5)
    assert r.df == 18
    assert r.p_value == pytest.approx(0.07919, abs=5e-6)
    assert r.ci_low == pytest.approx(-3.363874, abs=5e-7)
    assert r.ci_high == pytest.approx(0.203874, abs=5e-7)


def test_paired_t_matches_r_sleep():
    r = paired_t(pre=SLEEP_2, post=SLEEP_1)  # change = group 1 - group 2, as R's order
    assert r.statistic == pytest.approx(-4.0621, abs=5e-5)
    assert r.df == 9
    assert r.p_value == pytest.approx(0.002833, abs=5e-7)
    assert r.ci_low == pytest.approx(-2.4598858, abs=5e-8)
    assert r.ci_high == pytest.approx(-0.7001142, abs=5e-8)
    assert r.estimate == pytest.approx(-1.58)
    assert r.n == 10
    assert str(r) == "t(9) = -4.06, p = .003; difference = -1.58, 95% CI [-2.46, -0.70], n = 10"


# --- the formulas by hand ---------------------------------------------------------------------

def test_welch_by_hand():
    rng = np.random.default_rng(3)
    x, y = rng.normal(5, 1, 12), rng.normal(4, 3, 30)
    a, b = x.var(ddof=1) / 12, y.var(ddof=1) / 30
    se = math.sqrt(a + b)
    nu = (a + b) ** 2 / (a**2 / 11 + b**2 / 29)
    t = (x.mean() - y.mean()) / se
    r = welch_t(x, y, confidence=0.9)
    assert r.statistic == pytest.approx(t, rel=1e-12)
    assert r.df == pytest.approx(nu, rel=1e-12)
    assert r.p_value == pytest.approx(2 * stats.t.sf(abs(t), nu), rel=1e-10)
    half = stats.t.ppf(0.95, nu) * se
    assert (r.ci_low, r.ci_high) == pytest.approx((t * se - half, t * se + half), rel=1e-10)
    assert "90% CI" in str(r)


def test_student_by_hand():
    rng = np.random.default_rng(4)
    x, y = rng.normal(5, 1, 8), rng.normal(4, 1, 11)
    sp = math.sqrt((7 * x.var(ddof=1) + 10 * y.var(ddof=1)) / 17)
    se = sp * math.sqrt(1 / 8 + 1 / 11)
    r = student_t(x, y)
    assert r.statistic == pytest.approx((x.mean() - y.mean()) / se, rel=1e-12)
    half = stats.t.ppf(0.975, 17) * se
    assert r.ci_high - r.ci_low == pytest.approx(2 * half, rel=1e-10)


def test_paired_by_hand_with_missing_pairs():
    pre = [10, 12, np.nan, 15, 11, 9, 14]
    post = [12, 15, 13, None, 12, 10, 17]
    r = paired_t(pre, post)
    d = np.array([2, 3, 1, 1, 3], dtype=float)
    se = d.std(ddof=1) / math.sqrt(5)
    assert (r.n, r.extra["n_dropped"]) == (5, 2)
    assert r.statistic == pytest.approx(d.mean() / se)
    assert r.extra["sd_change"] == pytest.approx(d.std(ddof=1))
    assert r.extra["mean_pre"] == pytest.approx(np.mean([10, 12, 11, 9, 14]))


def test_frame_has_every_field():
    frame = welch_t(SLEEP_1, SLEEP_2).to_frame()
    assert frame.shape[0] == 1
    assert {"estimate", "ci_low", "ci_high", "n", "method", "statistic", "df", "p_value",
            "n1", "n2", "mean1", "sd2"} <= set(frame)


def test_docstring_examples():
    assert doctest.testmod(module).failed == 0


# --- properties -------------------------------------------------------------------------------

samples = st.lists(st.floats(-100, 100, allow_nan=False).map(lambda v: round(v, 3)),
                   min_size=2, max_size=25)


@settings(max_examples=60, deadline=None)
@given(samples, samples)
def test_swapping_groups_flips_the_difference(x, y):
    assume(np.ptp(x) > 0 and np.ptp(y) > 0)
    for test in (welch_t, student_t):
        a, b = test(x, y), test(y, x)
        assert b.estimate == pytest.approx(-a.estimate, abs=1e-9)
        assert (b.ci_low, b.ci_high) == pytest.approx((-a.ci_high, -a.ci_low), abs=1e-9)
        assert b.p_value == pytest.approx(a.p_value, abs=1e-12)
        assert a.ci_low <= a.estimate <= a.ci_high


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=2, max_size=30))
def test_paired_swap_and_interval_contains_estimate(pairs):
    pre, post = (list(v) for v in zip(*pairs, strict=True))
    change = np.subtract(post, pre)
    assume(np.ptp(change) > 0)
    a, b = paired_t(pre, post), paired_t(post, pre)
    assert b.estimate == pytest.approx(-a.estimate)
    assert (b.ci_low, b.ci_high) == pytest.approx((-a.ci_high, -a.ci_low))
    assert a.ci_low <= a.estimate <= a.ci_high


# --- errors -----------------------------------------------------------------------------------

def test_errors_are_stats_errors():
    assert issubclass(StatsError, SlcResearchError)


@pytest.mark.parametrize("test", [welch_t, student_t])
def test_two_sample_errors(test):
    with pytest.raises(StatsError, match="at least 2 values in the first group"):
        test([1.0], [1, 2, 3])
    with pytest.raises(StatsError, match="at least 2 values in the second group"):
        test([1, 2], [np.nan, np.nan])
    with pytest.raises(StatsError, match="every value in both groups is the same"):
        test([3, 3, 3], [3, 3])
    with pytest.raises(StatsError, match="x must hold numbers"):
        test(["a", "b"], [1, 2])
    with pytest.raises(StatsError, match="confidence must be between 0 and 1"):
        test([1, 2], [3, 4], confidence=95)


def test_welch_allows_one_constant_group():
    r = welch_t([3, 3, 3], [1, 2, 4])
    assert r.df == pytest.approx(2)


def test_paired_errors():
    with pytest.raises(StatsError, match="same length"):
        paired_t([1, 2, 3], [1, 2])
    with pytest.raises(StatsError, match="at least 2 complete pairs"):
        paired_t([1, np.nan], [np.nan, 2])
    with pytest.raises(StatsError, match="every pupil changed by exactly the same amount"):
        paired_t([1, 2, 3], [2, 3, 4])
    with pytest.raises(StatsError, match="post must hold numbers"):
        paired_t([1, 2], ["x", "y"])
