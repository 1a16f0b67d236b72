"""Rank tests: comparisons that use only the order of the answers.

For Likert answers, skewed counts (behaviour points) and small samples, where
a mean is a poor summary. Each returns a
:class:`~slc_research.stats.results.TestResult` whose estimate is a
rank-biserial correlation:

- :func:`mann_whitney`: does one group tend to answer higher than the other?
- :func:`wilcoxon`: did the same pupils' answers tend to go up or down?

The tests are scipy's, with the method chosen as R's ``wilcox.test`` chooses
it, so the p-values match R's.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

import numpy as np
from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats.inputs import (
    check_confidence,
    complete_pairs,
    need,
    two_samples,
)
from slc_research.stats.results import TestResult

__all__ = ["mann_whitney", "wilcoxon"]

#: Below this many observations per group (or changed pairs) and without ties
#: the rank tests give exact p-values, as R's ``wilcox.test`` does.
EXACT_BELOW = 50


def mann_whitney(x: Iterable[float], y: Iterable[float], *,
                 confidence: float = 0.95) -> TestResult:
    """Mann-Whitney U test of whether one group tends to score higher than the other.

    A rank test: it uses only the order of the answers, so it suits Likert
    answers and skewed counts (behaviour points) better than a t-test.

    Parameters
    ----------
    x, y : array-like of float
        The two groups; missing values are left out.
    confidence : float, default 0.95
        Level of the interval for the rank-biserial r.

    Returns
    -------
    TestResult
        ``estimate`` = rank-biserial r (positive when ``x`` tends to be
        higher) with an approximate interval; ``statistic`` = U for ``x``
        (R's ``W``); ``df`` None; two-sided ``p_value``; ``n`` = n1 + n2;
        ``extra`` holds ``n1``, ``n2``, ``median1``, ``median2``, ``U1``,
        ``U2``, ``exact`` (whether the p-value is exact) and ``n_dropped``.

    Raises
    ------
    StatsError
        Fewer than 2 values in a group, every value the same, non-numeric values.

    Notes
    -----
    ``U1`` counts the pairs (one pupil from each group) in which the ``x``
    pupil is higher, ties counting ½; ``U2 = n1 n2 - U1``. The p-value is
    scipy's ``mannwhitneyu``, chosen as R's ``wilcox.test`` does: exact when
    both groups have fewer than 50 values and there are no ties, otherwise
    the normal approximation with tie correction and continuity correction.

    The rank-biserial correlation (Cureton, 1956; Kerby, 2014) is the share of
    pairs favouring ``x`` minus the share favouring ``y``::

        r_rb = (U1 - U2) / (n1 n2) = 2 U1 / (n1 n2) - 1,   -1 <= r_rb <= 1

    (equivalently ``1 - 2 U2 / (n1 n2)``). Its interval uses the standard
    error of r_rb under no difference, ``SE = sqrt((n1 + n2 + 1) / (3 n1 n2))``
    (from Var(U) = n1 n2 (n1 + n2 + 1) / 12), on Fisher's z scale:
    ``tanh(atanh(r_rb) ± z SE)``, as R's effectsize package does (Ben-Shachar
    et al., 2020). When r_rb is exactly ±1 (the groups do not overlap) the z
    scale is unbounded, and the interval is ``r_rb ∓ z SE`` to ``r_rb`` on
    the r scale, cut at ±1. The interval is approximate in small samples;
    :func:`~slc_research.stats.bootstrap.bootstrap_ci` is an alternative for
    a difference in medians.

    References
    ----------
    Mann, H. B., & Whitney, D. R. (1947). On a test of whether one of two
    random variables is stochastically larger than the other. *Annals of
    Mathematical Statistics*, 18(1), 50-60.

    Kerby, D. S. (2014). The simple difference formula: an approach to teaching
    nonparametric correlation. *Comprehensive Psychology*, 3, 11.IT.3.1.

    Ben-Shachar, M. S., Lüdecke, D., & Makowski, D. (2020). effectsize:
    estimation of effect size indices and standardized parameters. *Journal of
    Open Source Software*, 5(56), 2815.

    Examples
    --------
    R's ``sleep`` data, ``wilcox.test(extra ~ group, data = sleep)`` (W = 25.5,
    p = 0.06933):

    >>> g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    >>> g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    >>> print(mann_whitney(g1, g2))
    U = 25.50, p = .069; r_rb = -0.49, 95% CI [-0.78, -0.02], n = 20
    """
    x_, dx, y_, dy = two_samples(x, y, confidence)
    n1, n2 = len(x_), len(y_)
    both = np.concatenate([x_, y_])
    if np.all(both == both[0]):
        raise StatsError("every value in the two groups is the same, so there is nothing "
                         "for a rank test to compare")
    exact = len(np.unique(both)) == n1 + n2 and n1 < EXACT_BELOW and n2 < EXACT_BELOW
    res = stats.mannwhitneyu(x_, y_, use_continuity=True,
                             method="exact" if exact else "asymptotic")
    u1 = float(res.statistic)
    u2 = n1 * n2 - u1
    r = (u1 - u2) / (n1 * n2)
    se = math.sqrt((n1 + n2 + 1) / (3 * n1 * n2))
    lo, hi = _r_interval(r, se, confidence)
    how = "exact" if exact else "normal approximation with continuity correction"
    extra = {"n1": n1, "n2": n2, "median1": float(np.median(x_)),
             "median2": float(np.median(y_)), "U1": u1, "U2": u2, "exact": exact,
             "n_dropped": dx + dy}
    return TestResult(r, lo, hi, n1 + n2, f"Mann-Whitney U test ({how})", u1, None,
                      float(res.pvalue), "r_rb", "U", confidence, "two-sided", extra)


def wilcoxon(pre: Iterable[float], post: Iterable[float], *,
             confidence: float = 0.95) -> TestResult:
    """Wilcoxon signed-rank test of whether the same pupils' answers tended to go up or down.

    The rank-based counterpart of :func:`~slc_research.stats.comparisons.paired_t`, for Likert answers and
    other ordinal or skewed before/after measures.

    Parameters
    ----------
    pre, post : array-like of float
        The two measurements, ``pre[i]`` and ``post[i]`` from the same pupil;
        a pupil missing either is left out.
    confidence : float, default 0.95
        Level of the interval for the matched-pairs rank-biserial r.

    Returns
    -------
    TestResult
        ``estimate`` = matched-pairs rank-biserial r (positive when answers
        tend to go up) with an approximate interval; ``statistic`` W = the sum
        of the ranks of the increases (R's ``V``); ``df`` None; ``p_value``;
        ``n`` = complete pairs; ``extra`` holds ``n_changed``, ``n_unchanged``,
        ``W_plus``, ``W_minus``, ``median_pre``, ``median_post``,
        ``median_change``, ``exact`` and ``n_dropped``.

    Raises
    ------
    StatsError
        Unequal lengths, fewer than 2 complete pairs, nobody's value changing,
        or non-numeric values.

    Notes
    -----
    Pupils whose value did not change are left out (Wilcoxon's method, as
    in R). The absolute changes of the other n' pupils are ranked (ties get
    the mean rank); ``W+`` and ``W-`` are the sums of the ranks of the
    increases and of the decreases, ``W+ + W- = T = n'(n'+1)/2``. The p-value
    is scipy's ``wilcoxon``, chosen as R's ``wilcox.test`` does: exact when
    n' < 50 with no ties and no unchanged pupils, otherwise the normal
    approximation with tie correction and continuity correction.

    The matched-pairs rank-biserial correlation (Kerby, 2014)::

        r = (W+ - W-) / T

    is the share of the rank total favouring an increase minus the share
    favouring a decrease. Its interval uses the standard error of r under no
    change, ``SE = sqrt(n'(n'+1)(2n'+1)/6) / T`` (from Var(W+) =
    n'(n'+1)(2n'+1)/24), on Fisher's z scale, as for :func:`mann_whitney`
    (and R's effectsize); when r is ±1 it falls back to the r scale, cut at ±1.

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods.
    *Biometrics Bulletin*, 1(6), 80-83.

    Kerby, D. S. (2014). The simple difference formula: an approach to teaching
    nonparametric correlation. *Comprehensive Psychology*, 3, 11.IT.3.1.

    Examples
    --------
    The depression scores of Hollander & Wolfe (1973, p. 29), from R's
    ``?wilcox.test`` (V = 40; exact two-sided p = 20/512):

    >>> x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    >>> y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    >>> print(wilcoxon(pre=y, post=x))
    W = 40.00, p = .039; r_rb = 0.78, 95% CI [0.30, 0.94], n = 9
    """
    check_confidence(confidence)
    before, after, dropped = complete_pairs(pre, post, ("pre", "post"))
    n = len(before)
    need(n, 2, "complete pairs (pupils with both values)")
    change = after - before
    moved = change[change != 0]
    n_changed = len(moved)
    if n_changed == 0:
        raise StatsError("no pupil's value changed between the two measurements, so there "
                         "is nothing to test; report that every answer stayed the same")
    ranks = stats.rankdata(np.abs(moved))
    w_plus, w_minus = float(ranks[moved > 0].sum()), float(ranks[moved < 0].sum())
    total = n_changed * (n_changed + 1) / 2
    exact = (n_changed == n and n_changed < EXACT_BELOW
             and len(np.unique(np.abs(moved))) == n_changed)
    with warnings.catch_warnings():
        # scipy warns that the normal approximation is rough below 10 pairs; the
        # method name says which p-value this is, as R does without a warning
        warnings.filterwarnings("ignore", message=".*[Ss]ample size too small.*")
        res = stats.wilcoxon(moved, zero_method="wilcox", correction=not exact,
                             method="exact" if exact else "approx")
    r = (w_plus - w_minus) / total
    se = math.sqrt(n_changed * (n_changed + 1) * (2 * n_changed + 1) / 6) / total
    lo, hi = _r_interval(r, se, confidence)
    how = "exact" if exact else "normal approximation with continuity correction"
    extra = {"n_changed": n_changed, "n_unchanged": n - n_changed, "W_plus": w_plus,
             "W_minus": w_minus, "median_pre": float(np.median(before)),
             "median_post": float(np.median(after)), "median_change": float(np.median(change)),
             "exact": exact, "n_dropped": dropped}
    return TestResult(r, lo, hi, n, f"Wilcoxon signed-rank test ({how})", w_plus, None,
                      float(res.pvalue), "r_rb", "W", confidence, "two-sided", extra)


# --- internals -------------------------------------------------------------------------------

def _r_interval(r: float, se: float, confidence: float) -> tuple[float, float]:
    """Interval for a rank-biserial r: Fisher's z scale, or the r scale at ±1."""
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    if abs(r) >= 1:
        far = r - math.copysign(z * se, r)
        far = max(-1.0, min(1.0, far))
        return (far, r) if r > 0 else (r, far)
    centre = math.atanh(r)
    return math.tanh(centre - z * se), math.tanh(centre + z * se)
