"""Glass's delta against its definition and its interval against independent computations.

References
----------
- Glass (1976): Δ = (m1 - m2) / s2, the comparison group's SD.
- Hedges (1981), Journal of Educational Statistics 6:107-128: Δ / sqrt(1/n1 + 1/n2)
  is noncentral t with n2 - 1 df; the interval is checked against a brute-force
  grid over the noncentrality parameter (no root finder).
- Hedges & Olkin (1985), ch. 5: Var(Δ) ≈ (n1 + n2)/(n1 n2) + Δ² / (2 (n2 - 1)).
- Lakens (2013) movie ratings (as in test_effect_sizes): m1 = 8.7, m2 = 7.7,
  s2² = 0.9, so Δ = 1 / sqrt(0.9) = 1.0540926.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats import glass as module
from slc_research.stats.effect_sizes import EffectSize
from slc_research.stats.glass import glass_delta

# never a numpy warning and a NaN; but not the unclosed event loops that notebook tests
# in the same process leave for the garbage collector
pytestmark = [pytest.mark.filterwarnings("error"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

MOVIE_1 = np.array([9, 7, 8, 9, 8, 9, 9, 10, 9, 9], dtype=float)
MOVIE_2 = np.array([9, 6, 7, 8, 7, 9, 8, 8, 8, 7], dtype=float)


def _nct_bounds_by_grid(t, df, confidence=0.95):
    alpha = 1 - confidence
    grid = np.linspace(t - 8, t + 8, 160_001)
    cdf = stats.nct.cdf(t, df, grid)
    return (grid[np.argmin(np.abs(cdf - (1 - alpha / 2)))],
            grid[np.argmin(np.abs(cdf - alpha / 2))])


def test_glass_delta_on_the_movie_data():
    res = glass_delta(MOVIE_1, MOVIE_2)
    assert isinstance(res, EffectSize)
    assert res.estimate == pytest.approx(1 / math.sqrt(0.9), abs=1e-12)
    assert res.estimate == pytest.approx(1.0540926, abs=1e-7)
    assert (res.n, res.n1, res.n2, res.symbol, res.ci_method) == (20, 10, 10, "Δ", "nct")
    assert str(res).startswith("Δ = 1.05, 95% CI [")


@pytest.mark.parametrize(("n1", "n2", "shift", "seed"),
                         [(12, 15, 0.4, 1), (30, 8, -0.8, 2), (6, 40, 1.5, 3)])
def test_nct_interval_against_grid_search(n1, n2, shift, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(shift, 1, n1), rng.normal(0, 1, n2)
    res = glass_delta(x, y)
    scale = math.sqrt(1 / n1 + 1 / n2)
    lo, hi = _nct_bounds_by_grid(res.estimate / scale, n2 - 1)
    assert res.ci_low == pytest.approx(lo * scale, abs=2e-4)
    assert res.ci_high == pytest.approx(hi * scale, abs=2e-4)


def test_normal_interval_by_hand():
    res = glass_delta(MOVIE_1, MOVIE_2, ci="normal", confidence=0.9)
    delta = 1 / math.sqrt(0.9)
    se = math.sqrt(20 / 100 + delta**2 / 18)
    z = stats.norm.ppf(0.95)
    assert res.ci_method == "normal"
    assert (res.ci_low, res.ci_high) == pytest.approx((delta - z * se, delta + z * se),
                                                      abs=1e-12)


def test_uses_only_the_comparison_groups_sd():
    wide = np.array([1, 9, 2, 10, 5, 6], dtype=float)
    a = glass_delta(wide, MOVIE_2)
    b = glass_delta(wide * 0 + wide.mean() + np.linspace(-0.1, 0.1, 6), MOVIE_2)
    assert a.estimate == pytest.approx(b.estimate)  # same means, same comparison SD


def test_missing_values_are_left_out():
    res = glass_delta([1, 2, None, 4], [1, np.nan, 3, 2])
    assert (res.n1, res.n2, res.n_dropped) == (3, 3, 2)


def test_docstring_examples():
    assert doctest.testmod(module).failed == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=2, max_size=20),
       st.lists(st.integers(1, 7), min_size=2, max_size=20),
       st.sampled_from(["nct", "normal"]))
def test_interval_contains_estimate(x, y, ci):
    assume(np.ptp(y) > 0)
    res = glass_delta(x, y, ci=ci)
    assert res.ci_low <= res.estimate <= res.ci_high


def test_errors():
    with pytest.raises(StatsError, match="its SD is zero"):
        glass_delta([1, 2, 3], [4, 4, 4])
    with pytest.raises(StatsError, match="at least 2 values in the comparison group"):
        glass_delta([1, 2, 3], [4])
    with pytest.raises(StatsError, match="at least 2 values in the intervention group"):
        glass_delta([np.nan, 2], [4, 5])
    with pytest.raises(StatsError, match="ci must be 'nct' or 'normal'"):
        glass_delta([1, 2], [4, 5], ci="exact")
    with pytest.raises(StatsError, match="x must hold numbers"):
        glass_delta(["a", "b"], [4, 5])


def test_nct_interval_far_in_the_tail_with_two_comparison_pupils():
    # df = 1 and t near -5: SciPy's noncentral-t cdf is NaN for some noncentralities here,
    # so the limits come from integrating over the chi-square (checked against SciPy where
    # SciPy's value is finite)
    from scipy import stats

    from slc_research.stats.inputs import _nct_cdf

    res = glass_delta([1] * 10, [4, 5], ci="nct")
    assert res.ci_method == "nct"
    assert res.ci_low < res.estimate < res.ci_high
    t, df = -4.95, 1
    for ncp in (-3.0, 0.5, 20.0):
        assert _nct_cdf(t, df, ncp) == pytest.approx(float(stats.nct.cdf(t, df, ncp)),
                                                     rel=1e-9, abs=1e-15)
    assert 0 <= _nct_cdf(t, df, 8.62) < 1e-15  # where SciPy gives NaN
