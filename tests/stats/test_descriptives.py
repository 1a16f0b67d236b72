"""Means with t intervals and the association test used for representativeness."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from slc_research.stats import StatsError
from slc_research.stats.descriptives import association_test, mean_ci, mean_ci_from_summary


def test_mean_ci_matches_the_t_interval():
    x = [2, 4, 4, 4, 5, 5, 7, 9]
    r = mean_ci(x)
    # independent: scipy's t interval of the mean
    low, high = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    assert r.estimate == 5.0
    assert r.ci_low == pytest.approx(low, abs=1e-10)
    assert r.ci_high == pytest.approx(high, abs=1e-10)
    assert r.sd == pytest.approx(2.138089935, abs=1e-8)
    assert str(r) == "M = 5.00, SD = 2.14, 95% CI [3.21, 6.79], n = 8"


def test_mean_of_one_value_has_no_interval_and_none_is_an_error():
    r = mean_ci_from_summary(3.0, math.nan, 1)
    assert math.isnan(r.ci_low)
    assert mean_ci([4.0, None, "x"]).n == 1
    with pytest.raises(StatsError, match="every value is missing"):
        mean_ci([None, float("nan")])


def test_fisher_exact_for_a_small_two_by_two():
    # Fisher's tea-tasting table [[3, 1], [1, 3]]: hypergeometric by hand,
    # P(3) = P(1) = 16/70 and P(4) = P(0) = 1/70, so the two-sided p = 34/70.
    rows = ["milk first"] * 4 + ["tea first"] * 4
    cols = ["said milk"] * 3 + ["said tea"] + ["said milk"] + ["said tea"] * 3
    r = association_test(rows, cols)
    assert r.method == "Fisher's exact test"
    assert r.p_value == pytest.approx(34 / 70, abs=1e-12)
    # R: fisher.test(matrix(c(3, 1, 1, 3), 2)) odds ratio 6.408309 (conditional MLE; R
    # solves it with uniroot's default tolerance, so agreement is to about 1e-5)
    assert r.statistic == pytest.approx(6.408309, abs=5e-5)
    assert r.estimate == pytest.approx(0.5, abs=1e-12)  # V = sqrt(2 / 8)
    assert r.n == 8


def test_chi_square_when_expected_counts_allow():
    observed = np.array([[30, 20, 10], [20, 25, 35]])
    rows = np.repeat(["member", "other"], observed.sum(axis=1))
    cols = np.concatenate([np.repeat(["a", "b", "c"], observed[i]) for i in range(2)])
    r = association_test(rows, cols)
    expected = observed.sum(1)[:, None] * observed.sum(0)[None, :] / observed.sum()
    chi2 = ((observed - expected) ** 2 / expected).sum()  # by hand
    assert r.method == "chi-square test"
    assert r.statistic == pytest.approx(chi2, abs=1e-10)
    assert r.df == 2
    assert r.p_value == pytest.approx(math.exp(-chi2 / 2), abs=1e-10)  # chi2(2) survival
    assert r.estimate == pytest.approx(math.sqrt(chi2 / 140), abs=1e-10)


def test_larger_sparse_table_uses_a_seeded_monte_carlo_fisher_test():
    rows = ["m"] * 6 + ["o"] * 30
    cols = ["a", "b", "c", "a", "b", "c"] + ["a"] * 10 + ["b"] * 10 + ["c"] * 8 + ["d"] * 2
    first, again = association_test(rows, cols), association_test(rows, cols)
    assert first.method == "Fisher's exact test (Monte Carlo)"
    assert first.p_value == again.p_value
    assert 0 < first.p_value <= 1


def test_association_needs_two_categories_each():
    with pytest.raises(StatsError, match="at least two categories"):
        association_test(["a", "a", "a"], ["x", "y", "x"])


def test_association_test_handles_a_row_with_a_single_pupil():
    """A 2 x 5 table whose first row holds one pupil: scipy's Monte Carlo Fisher test returns
    1-element arrays there; the result must still be plain numbers."""
    rows = ["member"] + ["not a member"] * 7
    cols = ["c3", "c0", "c1", "c1", "c1", "c2", "c4", "c4"]
    r = association_test(rows, cols)
    assert r.method == "Fisher's exact test (Monte Carlo)"
    assert isinstance(r.statistic, float)
    assert 0 < r.p_value <= 1
    assert r.n == 8


def test_item10_yates_labelled():
    # A 2x2 table with every expected count >= 5: scipy's chi2_contingency applies Yates'
    # continuity correction (as R's chisq.test), so the label must say so. By hand:
    # chi2 = sum((|O - E| - 0.5)² / E).
    observed = np.array([[30, 20], [15, 35]])
    rows = np.repeat(["member", "other"], observed.sum(axis=1))
    cols = np.concatenate([np.repeat(["yes", "no"], observed[i]) for i in range(2)])
    r = association_test(rows, cols)
    expected = observed.sum(1)[:, None] * observed.sum(0)[None, :] / observed.sum()
    yates = ((np.abs(observed - expected) - 0.5) ** 2 / expected).sum()
    assert r.method == "chi-square test with Yates' continuity correction"
    assert r.statistic == pytest.approx(yates, rel=1e-12)
    assert r.df == 1
    # a larger table gets no correction and no such label
    big = association_test(["a"] * 20 + ["b"] * 20 + ["c"] * 20,
                           (["x"] * 12 + ["y"] * 8) + (["x"] * 8 + ["y"] * 12) * 2)
    assert big.method == "chi-square test"
