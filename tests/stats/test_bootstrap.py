"""Bootstrap intervals: seeded reproducibility, agreement with scipy, and sanity.

References
----------
- Efron & Tibshirani (1993), ch. 14: BCa. The interval is checked against a
  direct call of ``scipy.stats.bootstrap`` with the same seed (the machinery
  this module wraps), and against the t interval it should approach for
  normal data (Welch, as R's ``t.test``).
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats import bootstrap as module
from slc_research.stats.bootstrap import BootstrapResult, bootstrap_ci

# never a numpy warning and a NaN; but not the unclosed event loops that notebook tests
# in the same process leave for the garbage collector
pytestmark = [pytest.mark.filterwarnings("error"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

RNG = np.random.default_rng(2024)
X = RNG.normal(52, 10, 40)
Y = RNG.normal(47, 12, 35)


def test_same_seed_same_interval_and_another_seed_another():
    a = bootstrap_ci(X, Y, seed=1, n_resamples=2000)
    b = bootstrap_ci(X, Y, seed=1, n_resamples=2000)
    c = bootstrap_ci(X, Y, seed=2, n_resamples=2000)
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    assert (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)
    assert isinstance(a, BootstrapResult)
    assert (a.seed, a.n_resamples, a.interval) == (1, 2000, "BCa")


def test_matches_scipy_bootstrap_directly():
    res = bootstrap_ci(X, Y, statistic="median", seed=7, n_resamples=3000)
    ref = stats.bootstrap((X, Y), lambda a, b, axis=-1: np.median(a, axis=axis)
                          - np.median(b, axis=axis), n_resamples=3000, method="BCa",
                          vectorized=True, rng=np.random.default_rng(7))
    assert res.ci_low == pytest.approx(ref.confidence_interval.low, abs=1e-12)
    assert res.ci_high == pytest.approx(ref.confidence_interval.high, abs=1e-12)
    assert res.estimate == pytest.approx(np.median(X) - np.median(Y))


def test_mean_interval_is_close_to_welch_for_normal_data():
    res = bootstrap_ci(X, Y)
    welch = stats.ttest_ind(X, Y, equal_var=False).confidence_interval()
    assert res.estimate == pytest.approx(X.mean() - Y.mean(), abs=1e-12)
    assert res.ci_low == pytest.approx(welch.low, abs=0.5)
    assert res.ci_high == pytest.approx(welch.high, abs=0.5)
    assert res.ci_low < res.estimate < res.ci_high
    assert res.n == 75
    assert str(res).startswith("difference in means = ")
    assert "(BCa bootstrap)" in str(res)


def test_paired_resamples_pupils():
    before = RNG.normal(3, 1, 30)
    after = before + RNG.normal(0.4, 0.3, 30)
    res = bootstrap_ci(after, before, paired=True, seed=3, n_resamples=2000)
    assert (res.n, res.paired) == (30, True)
    ref = stats.bootstrap((after, before), lambda a, b, axis=-1: np.mean(a, axis=axis)
                          - np.mean(b, axis=axis), n_resamples=2000, paired=True,
                          method="BCa", vectorized=True, rng=np.random.default_rng(3))
    assert res.ci_low == pytest.approx(ref.confidence_interval.low, abs=1e-12)
    # pairing makes the interval far narrower than resampling the groups separately
    unpaired = bootstrap_ci(after, before, seed=3, n_resamples=2000)
    assert res.ci_high - res.ci_low < (unpaired.ci_high - unpaired.ci_low) / 2


def test_likert_medians_fall_back_to_the_percentile_interval():
    rng = np.random.default_rng(1)
    x, y = rng.integers(1, 6, 30), rng.integers(1, 6, 30)
    res = bootstrap_ci(x, y, statistic="median", n_resamples=2000)
    assert res.interval == "percentile"
    assert "percentile bootstrap" in res.method
    ref = stats.bootstrap((x.astype(float), y.astype(float)),
                          lambda a, b, axis=-1: np.median(a, axis=axis)
                          - np.median(b, axis=axis), n_resamples=2000, method="percentile",
                          vectorized=True, rng=np.random.default_rng(20251))
    assert (res.ci_low, res.ci_high) == (ref.confidence_interval.low,
                                         ref.confidence_interval.high)


def test_docstring_examples():
    assert doctest.testmod(module).failed == 0


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=8, max_size=25),
       st.lists(st.floats(0, 100, allow_nan=False), min_size=8, max_size=25),
       st.sampled_from(["mean", "median"]))
def test_interval_contains_the_sample_difference(x, y, statistic):
    try:
        res = bootstrap_ci(x, y, statistic=statistic, n_resamples=1000)
    except StatsError:
        return  # no spread to resample: refused with a message
    assert res.ci_low <= res.estimate <= res.ci_high


def test_errors():
    with pytest.raises(StatsError, match="the same in every bootstrap resample"):
        bootstrap_ci([3, 3, 3], [4, 4, 4])
    with pytest.raises(StatsError, match="at least 2 values in the second group"):
        bootstrap_ci([1, 2, 3], [4])
    with pytest.raises(StatsError, match="statistic must be one of 'mean', 'median'"):
        bootstrap_ci([1, 2, 3], [4, 5], statistic="mode")
    with pytest.raises(StatsError, match="n_resamples must be a whole number of at least 1000"):
        bootstrap_ci([1, 2, 3], [4, 5], n_resamples=50)
    with pytest.raises(StatsError, match="seed must be a whole number"):
        bootstrap_ci([1, 2, 3], [4, 5], seed="abc")
    with pytest.raises(StatsError, match="same length"):
        bootstrap_ci([1, 2, 3], [4, 5], paired=True)
    with pytest.raises(StatsError, match="x must hold numbers"):
        bootstrap_ci(["a", "b"], [4, 5])
