"""Proportions against published intervals, hand formulas and R.

References
----------
- Newcombe (1998a), Statistics in Medicine 17:857-872, Table II, method 3
  (Wilson score, no continuity correction): 81/263 -> 0.2553 to 0.3662;
  15/148 -> 0.0624 to 0.1605; 0/20 -> 0 to 0.1611; 1/29 -> 0.0061 to 0.1718.
- Newcombe (1998b), Statistics in Medicine 17:873-890, Table II, method 10
  (hybrid score): 56/70 - 48/80 -> 0.0524 to 0.3339; 9/10 - 3/10 -> 0.1705 to
  0.8090; 5/56 - 0/29 -> -0.0381 to 0.1926.
- Fagerland, Lydersen & Laake (2017), Statistical Analysis of Contingency
  Tables, ch. 8: Cavo et al. (2012) complete response before/after
  consolidation therapy, table [[59, 6], [16, 80]]; Newcombe square-and-add
  interval for before - after: -0.0621 (-0.1186 to -0.0046) (as in the R
  package contingencytables' tests).
- R's ``?mcnemar.test``: Agresti (1990, p. 350) presidential approval,
  matrix(c(794, 86, 150, 570), nrow = 2): McNemar's chi-squared = 16.818,
  df = 1, p-value = 4.115e-05.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats import proportions as module
from slc_research.stats.proportions import (
    Proportion,
    mcnemar,
    mcnemar_mid_p,
    proportion_difference,
    wilson_ci,
)

# never a numpy warning and a NaN; but not the unclosed event loops that notebook tests
# in the same process leave for the garbage collector
pytestmark = [pytest.mark.filterwarnings("error"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

Z95 = 1.959963984540054


def _wilson_by_hand(k, n, z=Z95):
    p = k / n
    centre = p + z**2 / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return (centre - half) / (1 + z**2 / n), (centre + half) / (1 + z**2 / n)


def _paired(a, b, c, d):
    """Before/after answers for a 2x2 table: a yes/yes, b yes/no, c no/yes, d no/no."""
    before = [1] * a + [1] * b + [0] * c + [0] * d
    after = [1] * a + [0] * b + [1] * c + [0] * d
    return before, after


# --- Wilson -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("k", "n", "low", "high"), [(81, 263, 0.2553, 0.3662),
                                                     (15, 148, 0.0624, 0.1605),
                                                     (0, 20, 0.0, 0.1611),
                                                     (1, 29, 0.0061, 0.1718)])
def test_wilson_matches_newcombe_1998a(k, n, low, high):
    res = wilson_ci(k, n)
    assert isinstance(res, Proportion)
    assert res.ci_low == pytest.approx(low, abs=5e-5)
    assert res.ci_high == pytest.approx(high, abs=5e-5)
    assert (res.ci_low, res.ci_high) == pytest.approx(_wilson_by_hand(k, n), abs=1e-12)
    assert res.estimate == k / n
    assert (res.k, res.n) == (k, n)


def test_wilson_str_and_frame():
    res = wilson_ci(81, 263)
    assert str(res) == "30.8% (81 of 263), 95% CI [25.5%, 36.6%]"
    assert {"estimate", "ci_low", "ci_high", "n", "k", "method"} <= set(res.to_frame())
    assert wilson_ci(np.int64(3), 10.0).k == 3


# --- two independent proportions --------------------------------------------------------------

@pytest.mark.parametrize(("counts", "low", "high"), [((56, 70, 48, 80), 0.0524, 0.3339),
                                                     ((9, 10, 3, 10), 0.1705, 0.8090),
                                                     ((5, 56, 0, 29), -0.0381, 0.1926)])
def test_difference_matches_newcombe_1998b(counts, low, high):
    res = proportion_difference(*counts)
    k1, n1, k2, n2 = counts
    assert res.estimate == pytest.approx(k1 / n1 - k2 / n2, abs=1e-15)
    assert res.ci_low == pytest.approx(low, abs=5e-5)
    assert res.ci_high == pytest.approx(high, abs=5e-5)
    # and Newcombe's formula from the two Wilson intervals, by hand
    p1, p2 = k1 / n1, k2 / n2
    (l1, u1), (l2, u2) = _wilson_by_hand(k1, n1), _wilson_by_hand(k2, n2)
    by_hand = (p1 - p2 - math.hypot(p1 - l1, u2 - p2), p1 - p2 + math.hypot(u1 - p1, p2 - l2))
    assert (res.ci_low, res.ci_high) == pytest.approx(by_hand, abs=1e-12)


def test_difference_test_is_pearson_chi_square():
    res = proportion_difference(56, 70, 48, 80)
    p = 104 / 150
    z = (0.8 - 0.6) / math.sqrt(p * (1 - p) * (1 / 70 + 1 / 80))
    assert res.statistic == pytest.approx(z**2, rel=1e-12)
    assert res.p_value == pytest.approx(2 * stats.norm.sf(z), rel=1e-10)
    assert (res.df, res.statistic_name, res.extra["test"]) == (1.0, "chi2", "Pearson chi-square")


def test_small_counts_use_fishers_exact_test():
    res = proportion_difference(9, 10, 3, 10)
    assert res.extra["test"] == "Fisher's exact test"
    assert res.statistic_name == "OR"
    # hypergeometric by hand: 12 yes among 20, 10 in group 1; two-sided = sum of
    # probabilities no larger than that of the observed table
    probs = {k: math.comb(12, k) * math.comb(8, 10 - k) / math.comb(20, 10)
             for k in range(2, 11)}
    p = sum(v for v in probs.values() if v <= probs[9] * (1 + 1e-7))
    assert res.p_value == pytest.approx(p, rel=1e-10)


def test_everyone_the_same_needs_no_test():
    res = proportion_difference(0, 12, 0, 9)
    assert res.p_value == 1.0
    assert math.isnan(res.statistic)
    assert res.estimate == 0
    assert res.ci_low < 0 < res.ci_high


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 60), st.integers(1, 60), st.data())
def test_swapping_groups_flips_the_difference(n1, n2, data):
    k1, k2 = data.draw(st.integers(0, n1)), data.draw(st.integers(0, n2))
    a, b = proportion_difference(k1, n1, k2, n2), proportion_difference(k2, n2, k1, n1)
    assert b.estimate == pytest.approx(-a.estimate)
    assert (b.ci_low, b.ci_high) == pytest.approx((-a.ci_high, -a.ci_low), abs=1e-12)
    assert b.p_value == pytest.approx(a.p_value, rel=1e-9)
    assert -1 <= a.ci_low <= a.estimate <= a.ci_high <= 1
    w = wilson_ci(k1, n1)
    assert 0 <= w.ci_low <= w.estimate <= w.ci_high <= 1


# --- McNemar ----------------------------------------------------------------------------------

def test_mcnemar_exact_matches_hand_binomial_and_newcombe_cavo():
    before, after = _paired(59, 6, 16, 80)
    res = mcnemar(before, after)
    assert res.extra["exact"] is True
    assert res.extra["discordant"] == 22
    p = 2 * sum(math.comb(22, k) for k in range(7)) / 2**22
    assert res.p_value == pytest.approx(p, rel=1e-12)
    assert res.p_value == pytest.approx(0.0525, abs=5e-5)
    assert res.statistic == 6
    assert res.estimate == pytest.approx(10 / 161)
    # Fagerland et al. (2017): before - after = -0.0621 (-0.1186 to -0.0046)
    assert res.ci_low == pytest.approx(0.0046, abs=5e-5)
    assert res.ci_high == pytest.approx(0.1186, abs=5e-5)


def test_mcnemar_chi_square_matches_r():
    before, after = _paired(794, 150, 86, 570)
    res = mcnemar(before, after)
    assert res.extra["exact"] is False
    assert res.statistic == pytest.approx(16.818, abs=5e-4)
    assert res.statistic == pytest.approx(63**2 / 236, rel=1e-12)
    assert res.p_value == pytest.approx(4.115e-05, abs=5e-9)
    assert res.df == 1
    assert res.estimate == pytest.approx(-64 / 1600)
    # with 1,600 pairs Newcombe's interval is close to the Wald one, -0.04 ± 1.96 × 0.0095
    # (Agresti, 2002, section 10.1.2)
    assert res.ci_low == pytest.approx(-0.04 - 1.96 * 0.0095, abs=2e-3)
    assert res.ci_high == pytest.approx(-0.04 + 1.96 * 0.0095, abs=2e-3)


def test_mcnemar_newcombe_by_hand_negative_correlation():
    # a d - b c < 0: phi is used without the n/2 correction
    before, after = _paired(2, 9, 5, 1)
    res = mcnemar(before, after)
    n, p1, p2 = 17, 11 / 17, 7 / 17
    (l1, u1), (l2, u2) = _wilson_by_hand(11, n), _wilson_by_hand(7, n)
    phi = (2 * 1 - 9 * 5) / math.sqrt(11 * 6 * 7 * 10)
    low = p2 - p1 - math.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
    high = p2 - p1 + math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2)
                               + (u2 - p2) ** 2)
    assert (res.ci_low, res.ci_high) == pytest.approx((low, high), abs=1e-12)


def test_mcnemar_accepts_booleans_and_drops_incomplete_pairs():
    res = mcnemar([True, False, True, None, False], [True, True, False, True, np.nan])
    assert (res.n, res.extra["n_dropped"]) == (3, 2)
    assert (res.extra["yes_no"], res.extra["no_yes"]) == (1, 1)


def test_mcnemar_with_no_change():
    res = mcnemar([1, 0, 1, 1], [1, 0, 1, 1])
    assert (res.estimate, res.p_value) == (0.0, 1.0)
    assert res.ci_low < 0 < res.ci_high


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=60))
def test_mcnemar_swap_flips_the_change(pairs):
    before, after = (list(v) for v in zip(*pairs, strict=True))
    a, b = mcnemar(before, after), mcnemar(after, before)
    assert b.estimate == pytest.approx(-a.estimate)
    assert (b.ci_low, b.ci_high) == pytest.approx((-a.ci_high, -a.ci_low), abs=1e-12)
    assert b.p_value == pytest.approx(a.p_value)
    assert -1 <= a.ci_low <= a.estimate <= a.ci_high <= 1


def test_docstring_examples():
    assert doctest.testmod(module).failed == 0


# --- errors -----------------------------------------------------------------------------------

def test_errors():
    with pytest.raises(StatsError, match="k must be between 0 and n = 10"):
        wilson_ci(11, 10)
    with pytest.raises(StatsError, match="n \\(the number asked\\) must be at least 1"):
        wilson_ci(0, 0)
    with pytest.raises(StatsError, match="k must be a whole number"):
        wilson_ci(2.5, 10)
    with pytest.raises(StatsError, match="n must be a whole number"):
        wilson_ci(2, "10")
    with pytest.raises(StatsError, match="k2 must be between 0 and n2 = 4"):
        proportion_difference(1, 5, 5, 4)
    with pytest.raises(StatsError, match="confidence"):
        proportion_difference(1, 5, 2, 4, confidence=0)
    with pytest.raises(StatsError, match="before must hold yes/no answers"):
        mcnemar([1, 2, 0], [1, 0, 0])
    with pytest.raises(StatsError, match="after must hold numbers"):
        mcnemar([1, 0], ["yes", "no"])
    with pytest.raises(StatsError, match="same length"):
        mcnemar([1, 0, 1], [1, 0])
    with pytest.raises(StatsError, match="no pupil has an answer at both waves"):
        mcnemar([1, None], [None, 0])


def test_item10_mcnemar_mid_p():
    # Fagerland, Lydersen & Laake (2013), BMC Med Res Methodol 13:91, Table 1 (Bentur et al.
    # 2009, airway hyper-responsiveness before and after stem cell transplantation, 21 pairs):
    # yes/yes 1, yes/no 1, no/yes 7, no/no 12. Published: exact conditional p = 0.070,
    # mid-p = 0.039, asymptotic McNemar (no continuity correction) p = 0.034.
    before, after = _paired(1, 1, 7, 12)
    mid = mcnemar(before, after, test="mid-p")
    assert mid.method == "McNemar's test (mid-p)"
    assert mid.p_value == pytest.approx(0.039, abs=5e-4)
    # by hand: exact 2 P(X <= 1) = 2 (1 + 8) / 256, minus P(X = 1) = 8 / 256, X ~ Bin(8, 1/2)
    assert mid.p_value == pytest.approx(10 / 256, rel=1e-12)
    assert mcnemar_mid_p(1, 7) == pytest.approx(10 / 256, rel=1e-12)
    exact = mcnemar(before, after, test="exact")
    assert exact.method == "McNemar's test (exact binomial)"
    assert exact.p_value == pytest.approx(0.070, abs=5e-4)
    assert exact.extra["p_mid"] == pytest.approx(10 / 256, rel=1e-12)  # always recorded
    assert mcnemar(before, after).p_value == exact.p_value  # "auto": exact below 25
    assert mcnemar(before, after, test="chi-square").method.endswith("continuity correction)")
    assert mcnemar_mid_p(0, 0) == 1.0
    with pytest.raises(StatsError, match="test must be one of"):
        mcnemar(before, after, test="midp")
