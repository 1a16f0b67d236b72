"""Effect sizes against published values and against independent computations.

References
----------
- R package effectsize, tests/testthat/test-standardized_differences.R:
  ``cohens_d(wt ~ am, data = mtcars)`` = 1.892 [1.030, 2.732];
  ``hedges_g(wt ~ am, data = mtcars)`` = 1.844 [1.004, 2.664];
  missing values: ``cohens_d(c(1, 2, NA, 3), c(1, 1, 2, 3))`` = 0.2564946,
  paired = 0.5773503.
- Lakens (2013), Frontiers in Psychology 4:863, movie-ratings example (Table 1):
  d_s = 1.13 with t(18) = 2.52, g_s = 1.08; d_z = 1.50 with t(9) = 4.74; d_av = 1.13.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from slc_research.errors import SlcResearchError
from slc_research.stats import (
    EffectSize,
    StatsError,
    cohens_d,
    hedges_correction,
    hedges_g,
    mean_difference,
)
from slc_research.stats import effect_sizes as module

# mtcars$wt split by mtcars$am (0 = automatic, 1 = manual), in the data set's row order.
MTCARS_WT = np.array([2.620, 2.875, 2.320, 3.215, 3.440, 3.460, 3.570, 3.190, 3.150, 3.440,
                      3.440, 4.070, 3.730, 3.780, 5.250, 5.424, 5.345, 2.200, 1.615, 1.835,
                      2.465, 3.520, 3.435, 3.840, 3.845, 1.935, 2.140, 1.513, 3.170, 2.770,
                      3.570, 2.780])
MTCARS_AM = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0,
                      0, 1, 1, 1, 1, 1, 1, 1])
AUTO, MANUAL = MTCARS_WT[MTCARS_AM == 0], MTCARS_WT[MTCARS_AM == 1]

MOVIE_1 = np.array([9, 7, 8, 9, 8, 9, 9, 10, 9, 9], dtype=float)
MOVIE_2 = np.array([9, 6, 7, 8, 7, 9, 8, 8, 8, 7], dtype=float)


# --- published values ------------------------------------------------------------------------

def test_cohens_d_matches_r_effectsize_mtcars():
    d = cohens_d(AUTO, MANUAL)
    assert (d.n1, d.n2, d.n) == (19, 13, 32)
    assert d.estimate == pytest.approx(1.892, rel=1e-3)
    assert d.ci_low == pytest.approx(1.030, rel=1e-3)
    assert d.ci_high == pytest.approx(2.732, rel=1e-3)
    assert d.ci_method == "nct"


def test_hedges_g_matches_r_effectsize_mtcars():
    g = hedges_g(AUTO, MANUAL)
    assert g.estimate == pytest.approx(1.844, rel=1e-3)
    assert g.ci_low == pytest.approx(1.004, rel=1e-3)
    assert g.ci_high == pytest.approx(2.664, rel=1e-3)
    assert g.symbol == "g"


def test_missing_values_match_r_effectsize():
    x, y = [1, 2, None, 3], [1, 1, 2, 3]
    d = cohens_d(x, y)
    assert d.estimate == pytest.approx(0.2564946, rel=1e-6)
    assert (d.n1, d.n2, d.n_dropped) == (3, 4, 1)
    dz = cohens_d(x, y, paired=True, paired_method="d_z")
    assert dz.estimate == pytest.approx(0.5773503, rel=1e-6)
    assert (dz.n, dz.n_dropped, dz.paired) == (3, 1, True)


def test_lakens_2013_movie_example():
    ds = cohens_d(MOVIE_1, MOVIE_2)
    assert round(ds.estimate, 2) == 1.13
    assert round(ds.estimate / math.sqrt(1 / 10 + 1 / 10), 2) == 2.52  # t(18)
    assert round(hedges_g(MOVIE_1, MOVIE_2).estimate, 2) == 1.08
    dz = cohens_d(MOVIE_1, MOVIE_2, paired=True, paired_method="d_z")
    assert round(dz.estimate, 2) == 1.50
    assert round(dz.estimate * math.sqrt(10), 2) == 4.74  # t(9)
    dav = cohens_d(MOVIE_1, MOVIE_2, paired=True, paired_method="d_av")
    assert round(dav.estimate, 2) == 1.13
    assert dav.symbol == "d_av"


# --- the correction factor J ------------------------------------------------------------------

@pytest.mark.parametrize("df", [2, 5, 9, 18, 30, 120])
def test_hedges_correction_is_the_gamma_ratio(df):
    expected = math.gamma(df / 2) / (math.sqrt(df / 2) * math.gamma((df - 1) / 2))
    assert hedges_correction(df) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("df", [6, 18, 30, 200])
def test_hedges_correction_close_to_the_usual_approximation(df):
    assert hedges_correction(df) == pytest.approx(1 - 3 / (4 * df - 1), abs=1e-3)


def test_g_is_j_times_d_for_every_design():
    for kwargs, df in (({}, 18), ({"paired": True, "paired_method": "d_z"}, 9),
                       ({"paired": True, "paired_method": "d_av"}, 9)):
        d, g = cohens_d(MOVIE_1, MOVIE_2, **kwargs), hedges_g(MOVIE_1, MOVIE_2, **kwargs)
        j = hedges_correction(df)
        assert g.estimate == pytest.approx(j * d.estimate)
        assert (g.ci_low, g.ci_high) == pytest.approx((j * d.ci_low, j * d.ci_high))


def test_hedges_correction_needs_two_degrees_of_freedom():
    with pytest.raises(StatsError, match="at least 2 degrees of freedom"):
        hedges_correction(1)


# --- the intervals, computed another way ------------------------------------------------------

def _nct_bounds_by_grid(t, df, confidence=0.95):
    """Noncentrality bounds by brute force: scan λ on a fine grid (no root finder)."""
    alpha = 1 - confidence
    grid = np.linspace(t - 8, t + 8, 160_001)
    cdf = stats.nct.cdf(t, df, grid)
    lower = grid[np.argmin(np.abs(cdf - (1 - alpha / 2)))]
    upper = grid[np.argmin(np.abs(cdf - alpha / 2))]
    return lower, upper


@pytest.mark.parametrize(("n1", "n2", "shift", "seed"),
                         [(12, 15, 0.4, 1), (30, 25, -0.8, 2), (8, 40, 1.5, 3), (50, 50, 0.0, 4)])
def test_independent_nct_interval_against_grid_search(n1, n2, shift, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(shift, 1, n1), rng.normal(0, 1, n2)
    d = cohens_d(x, y)
    sp = math.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / (n1 + n2 - 2))
    t = (x.mean() - y.mean()) / (sp * math.sqrt(1 / n1 + 1 / n2))
    assert t == pytest.approx(stats.ttest_ind(x, y).statistic)  # d is the Student t rescaled
    lo, hi = _nct_bounds_by_grid(t, n1 + n2 - 2)
    scale = math.sqrt(1 / n1 + 1 / n2)
    assert d.ci_low == pytest.approx(lo * scale, abs=2e-4)
    assert d.ci_high == pytest.approx(hi * scale, abs=2e-4)
    assert d.ci_low < d.estimate < d.ci_high


def test_paired_dz_nct_interval_against_grid_search():
    rng = np.random.default_rng(7)
    before = rng.normal(3, 0.8, 25)
    after = before + rng.normal(0.3, 0.5, 25)
    g = hedges_g(after, before, paired=True, paired_method="d_z", confidence=0.90)
    t = stats.ttest_rel(after, before).statistic
    lo, hi = _nct_bounds_by_grid(t, 24, confidence=0.90)
    j = hedges_correction(24)
    assert g.ci_low == pytest.approx(j * lo / 5, abs=2e-4)
    assert g.ci_high == pytest.approx(j * hi / 5, abs=2e-4)
    assert g.estimate == pytest.approx(j * t / 5)


def test_independent_normal_interval_by_hand():
    # movie data: m1 = 8.7, m2 = 7.7, s1² = 6.1/9, s2² = 8.1/9, n1 = n2 = 10
    sp = math.sqrt((6.1 / 9 + 8.1 / 9) / 2)
    d = 1.0 / sp
    se = math.sqrt(20 / 100 + d**2 / 40)
    j = 1 - 3 / (4 * 20 - 9)  # close enough to the exact J for a 1e-3 check
    g = hedges_g(MOVIE_1, MOVIE_2, ci="normal")
    assert g.ci_method == "normal"
    assert g.ci_low == pytest.approx(j * (d - 1.959964 * se), abs=1e-3)
    assert g.ci_high == pytest.approx(j * (d + 1.959964 * se), abs=1e-3)
    d_only = cohens_d(MOVIE_1, MOVIE_2, ci="normal")
    assert d_only.ci_high - d_only.ci_low == pytest.approx(2 * 1.959964 * se, rel=1e-6)


def test_paired_dav_normal_interval_by_hand():
    # movie data: s1 = sqrt(6.1/9), s2 = sqrt(0.9), changes 0,1,1,1,1,0,1,2,1,2 (sd² = 4/9)
    s1, s2 = math.sqrt(6.1 / 9), math.sqrt(0.9)
    s_av = (s1 + s2) / 2
    d = 1.0 / s_av
    r = np.corrcoef(MOVIE_1, MOVIE_2)[0, 1]
    var = (4 / 9) / (10 * s_av**2) + d**2 * (s1**2 + s2**2 + 2 * r**2 * s1 * s2) / (
        8 * 9 * s_av**2)
    res = cohens_d(MOVIE_1, MOVIE_2, paired=True)
    assert res.ci_method == "normal"
    assert res.estimate == pytest.approx(d)
    assert res.ci_low == pytest.approx(d - 1.959964 * math.sqrt(var), abs=1e-5)
    assert res.ci_high == pytest.approx(d + 1.959964 * math.sqrt(var), abs=1e-5)


def test_paired_dav_interval_covers_the_true_value_by_simulation():
    """The delta-method SE of d_av must match the spread of d_av over repeated samples."""
    rng = np.random.default_rng(2025)
    n, rho, delta, reps = 40, 0.6, 0.5, 2000
    cov = [[1, rho], [rho, 1]]
    estimates, covered = [], 0
    for _ in range(reps):
        pre, post = rng.multivariate_normal([0, delta], cov, size=n).T
        g = hedges_g(post, pre, paired=True, paired_method="d_av")
        estimates.append(g.estimate)
        covered += g.ci_low <= delta <= g.ci_high
    assert np.mean(estimates) == pytest.approx(delta, abs=0.02)  # g_av is nearly unbiased
    assert 0.93 <= covered / reps <= 0.97


def test_mean_difference_welch_matches_scipy():
    rng = np.random.default_rng(11)
    x, y = rng.normal(92, 4, 30), rng.normal(90, 8, 45)
    res = mean_difference(x, y)
    ref = stats.ttest_ind(x, y, equal_var=False).confidence_interval(0.95)
    assert res.estimate == pytest.approx(x.mean() - y.mean())
    assert (res.ci_low, res.ci_high) == pytest.approx((ref.low, ref.high))
    assert res.ci_method == "welch_t"


def test_mean_difference_paired_matches_scipy():
    rng = np.random.default_rng(12)
    before = rng.normal(90, 5, 20)
    after = before + rng.normal(1, 2, 20)
    after[3] = np.nan
    res = mean_difference(after, before, paired=True)
    keep = ~np.isnan(after)
    ref = stats.ttest_rel(after[keep], before[keep]).confidence_interval(0.95)
    assert (res.ci_low, res.ci_high) == pytest.approx((ref.low, ref.high))
    assert (res.n, res.n_dropped) == (19, 1)


# --- behaviour --------------------------------------------------------------------------------

def test_sign_follows_x_minus_y():
    assert hedges_g(MOVIE_2, MOVIE_1).estimate < 0 < hedges_g(MOVIE_1, MOVIE_2).estimate


def test_nullable_and_series_input():
    x = pd.Series([1.0, 2.5, pd.NA, 3.0, 4.0], dtype="Float64")
    y = pd.Series([0.5, 1.0, 2.0, pd.NA, 2.5], dtype="Float64")
    res = hedges_g(x, y)
    assert (res.n1, res.n2, res.n_dropped) == (4, 4, 2)
    paired = hedges_g(x, y, paired=True)
    assert (paired.n, paired.n_dropped) == (3, 2)


def test_str_and_frame():
    g = EffectSize(0.4123, 0.0512, 0.7734, 64, 30, 34, "Hedges' g", "nct")
    assert str(g) == "g = 0.41, 95% CI [0.05, 0.77], n = 64"
    frame = g.to_frame()
    assert frame.shape[0] == 1
    assert frame.loc[0, "estimate"] == 0.4123  # never rounded inside
    assert {"ci_low", "ci_high", "n1", "n2", "method", "ci_method", "confidence"} <= set(frame)
    assert "90% CI" in str(hedges_g(MOVIE_1, MOVIE_2, confidence=0.9))


def test_result_is_frozen():
    g = hedges_g(MOVIE_1, MOVIE_2)
    with pytest.raises(AttributeError):
        g.estimate = 0.0


def test_docstring_examples():
    failures, _ = doctest.testmod(module)
    assert failures == 0


# --- errors -----------------------------------------------------------------------------------

def test_errors_are_slc_research_errors():
    assert issubclass(StatsError, SlcResearchError)


def test_too_few_values():
    with pytest.raises(StatsError, match="2 values in the first group are needed; found 1"):
        hedges_g([1.0, np.nan], [1.0, 2.0, 3.0])
    with pytest.raises(StatsError, match="at least 3 complete pairs"):
        hedges_g([1, 2, 3], [2, 3, np.nan], paired=True)


def test_no_spread():
    with pytest.raises(StatsError, match="every value in the two groups is the same"):
        hedges_g([3, 3, 3], [3, 3])
    with pytest.raises(StatsError, match="every value in the changes is the same"):
        hedges_g([2, 3, 4], [1, 2, 3], paired=True, paired_method="d_z")
    with pytest.raises(StatsError, match="every value in the two measurements"):
        hedges_g([2, 2, 2], [1, 1, 1], paired=True, paired_method="d_av")


def test_bad_input_and_options():
    with pytest.raises(StatsError, match="x must hold numbers"):
        hedges_g(["a", "b"], [1, 2])
    with pytest.raises(StatsError, match="one-dimensional"):
        hedges_g(np.ones((3, 2)), [1, 2])
    with pytest.raises(StatsError, match="infinite"):
        hedges_g([1, np.inf, 2], [1, 2])
    with pytest.raises(StatsError, match="same length"):
        hedges_g([1, 2, 3], [1, 2], paired=True)
    with pytest.raises(StatsError, match="ci must be 'nct' or 'normal'"):
        hedges_g(MOVIE_1, MOVIE_2, ci="bootstrap")
    with pytest.raises(StatsError, match="paired_method must be"):
        hedges_g(MOVIE_1, MOVIE_2, paired=True, paired_method="d_rm")
    with pytest.raises(StatsError, match="confidence must be between 0 and 1"):
        hedges_g(MOVIE_1, MOVIE_2, confidence=95)
    with pytest.raises(StatsError, match="d_av has no exact noncentral-t interval"):
        hedges_g(MOVIE_1, MOVIE_2, paired=True, ci="nct")


@pytest.mark.parametrize(("kwargs", "symbol"),
                         [({}, "g"), ({"paired": True, "paired_method": "d_z"}, "g_z"),
                          ({"paired": True, "paired_method": "d_av"}, "g_av")])
def test_normal_interval_is_available_for_every_variant(kwargs, symbol):
    """Issue 3: the Hedges-Olkin normal approximation on request, for every variant."""
    res = hedges_g(MOVIE_1, MOVIE_2, ci="normal", **kwargs)
    assert (res.ci_method, res.symbol) == ("normal", symbol)
    assert res.ci_low < res.estimate < res.ci_high
    # symmetric about g: the normal interval is g ± z·J·SE
    assert res.estimate - res.ci_low == pytest.approx(res.ci_high - res.estimate)
