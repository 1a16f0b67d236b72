"""Comparisons of means: two groups, or the same pupils twice (t tests).

One function per question, each returning a
:class:`~slc_research.stats.results.TestResult` whose estimate is the
difference in means with its t interval:

- :func:`welch_t` and :func:`student_t`: do two groups differ in mean?
  (Welch's does not assume equal spreads and is the one to use by default);
- :func:`paired_t`: did the same pupils change on average between two waves?

The rank-based counterparts are in :mod:`slc_research.stats.rank_tests`. The
tests themselves are scipy's; this module checks the input and gathers the
numbers a report needs.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterable, Iterator

from scipy import stats

from slc_research.stats.inputs import (
    check_confidence,
    complete_pairs,
    need,
    need_spread,
    two_samples,
)
from slc_research.stats.results import TestResult

__all__ = ["paired_t", "student_t", "welch_t"]


def welch_t(x: Iterable[float], y: Iterable[float], *, confidence: float = 0.95) -> TestResult:
    """Welch's t-test of whether two independent groups differ in mean.

    Parameters
    ----------
    x, y : array-like of float
        The two groups (e.g. ``x`` = members, ``y`` = non-members). Missing
        values are left out.
    confidence : float, default 0.95
        Level of the interval for the difference.

    Returns
    -------
    TestResult
        ``estimate`` = mean(x) - mean(y) with its Welch t interval
        (``ci_low``, ``ci_high``); ``statistic`` t, ``df`` (Welch-Satterthwaite,
        fractional), two-sided ``p_value``; ``n`` = n1 + n2; ``extra`` holds
        ``n1``, ``n2``, ``mean1``, ``mean2``, ``sd1``, ``sd2``, ``n_dropped``.

    Raises
    ------
    StatsError
        Fewer than 2 values in a group, no spread in either group, or
        non-numeric values.

    Notes
    -----
    With means m1, m2, variances s1², s2² and sizes n1, n2::

        t = (m1 - m2) / sqrt(s1²/n1 + s2²/n2)
        ν = (s1²/n1 + s2²/n2)² / ((s1²/n1)²/(n1-1) + (s2²/n2)²/(n2-1))

    and the interval is ``m1 - m2 ± t(1-α/2, ν) sqrt(s1²/n1 + s2²/n2)``.
    It does not assume equal variances and loses almost nothing when they
    are equal, so it is the default two-group test (Delacre et al., 2017),
    as in R's ``t.test``. Computed with ``scipy.stats.ttest_ind(equal_var=False)``.

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several
    different population variances are involved. *Biometrika*, 34(1-2), 28-35.

    Delacre, M., Lakens, D., & Leys, C. (2017). Why psychologists should by
    default use Welch's t-test instead of Student's t-test. *International
    Review of Social Psychology*, 30(1), 92-101.

    Examples
    --------
    R's ``sleep`` data, ``t.test(extra ~ group, data = sleep)``:

    >>> g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    >>> g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    >>> print(welch_t(g1, g2))
    t(17.8) = -1.86, p = .079; difference = -1.58, 95% CI [-3.37, 0.21], n = 20
    """
    return _two_sample_t(x, y, confidence=confidence, equal_var=False)


def student_t(x: Iterable[float], y: Iterable[float], *,
              confidence: float = 0.95) -> TestResult:
    """Student's t-test (equal variances assumed) of whether two groups differ in mean.

    Prefer :func:`welch_t` unless equal spreads are known.

    Parameters
    ----------
    x, y : array-like of float
        The two groups; missing values are left out.
    confidence : float, default 0.95

    Returns
    -------
    TestResult
        As :func:`welch_t`, with ``df = n1 + n2 - 2`` and the pooled-variance
        interval for mean(x) - mean(y).

    Raises
    ------
    StatsError
        Fewer than 2 values in a group, no spread at all, non-numeric values.

    Notes
    -----
    With the pooled variance ``s² = ((n1-1)s1² + (n2-1)s2²) / (n1+n2-2)``::

        t = (m1 - m2) / (s sqrt(1/n1 + 1/n2)),   df = n1 + n2 - 2

    Computed with ``scipy.stats.ttest_ind(equal_var=True)``.

    References
    ----------
    Student (1908). The probable error of a mean. *Biometrika*, 6(1), 1-25.

    Examples
    --------
    >>> g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    >>> g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    >>> print(student_t(g1, g2))
    t(18) = -1.86, p = .079; difference = -1.58, 95% CI [-3.36, 0.20], n = 20
    """
    return _two_sample_t(x, y, confidence=confidence, equal_var=True)


def paired_t(pre: Iterable[float], post: Iterable[float], *,
             confidence: float = 0.95) -> TestResult:
    """Paired t-test of whether the same pupils changed on average between two waves.

    Parameters
    ----------
    pre, post : array-like of float
        The two measurements, ``pre[i]`` and ``post[i]`` from the same pupil.
        A pupil missing either value is left out (pairwise complete).
    confidence : float, default 0.95

    Returns
    -------
    TestResult
        ``estimate`` = mean change (post - pre) with its t interval;
        ``statistic`` t, ``df`` = n - 1, ``p_value``; ``n`` = complete pairs;
        ``extra`` holds ``mean_pre``, ``mean_post``, ``sd_pre``, ``sd_post``,
        ``sd_change`` and ``n_dropped`` (incomplete pairs).

    Raises
    ------
    StatsError
        Unequal lengths, fewer than 2 complete pairs, every pupil changing by
        the same amount, or non-numeric values.

    Notes
    -----
    With the n changes ``D = post - pre``, mean ``D̄`` and SD ``s_D``::

        t = D̄ / (s_D / sqrt(n)),   df = n - 1,
        CI: D̄ ± t(1-α/2, n-1) s_D / sqrt(n)

    Computed with ``scipy.stats.ttest_rel``. A before/after change without a
    comparison group cannot show what caused it (see
    :func:`~slc_research.stats.eef.strength_of_evidence`).

    References
    ----------
    Student (1908). The probable error of a mean. *Biometrika*, 6(1), 1-25.

    Examples
    --------
    R's ``sleep`` data as pairs, ``t.test(extra ~ group, data = sleep, paired = TRUE)``
    (there the difference is group 1 - group 2):

    >>> g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    >>> g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    >>> print(paired_t(pre=g2, post=g1))
    t(9) = -4.06, p = .003; difference = -1.58, 95% CI [-2.46, -0.70], n = 10
    """
    check_confidence(confidence)
    before, after, dropped = complete_pairs(pre, post, ("pre", "post"))
    n = len(before)
    need(n, 2, "complete pairs (pupils with both values)")
    change = after - before
    sd_change = float(change.std(ddof=1))
    need_spread(sd_change, "the changes",
                 "a t test is not possible (every pupil changed by exactly the same amount)")
    with _quiet_precision_check():
        res = stats.ttest_rel(after, before)
    ci = res.confidence_interval(confidence)
    extra = {"mean_pre": float(before.mean()), "mean_post": float(after.mean()),
             "sd_pre": float(before.std(ddof=1)), "sd_post": float(after.std(ddof=1)),
             "sd_change": sd_change, "n_dropped": dropped}
    return TestResult(float(change.mean()), float(ci.low), float(ci.high), n, "paired t-test",
                      float(res.statistic), float(res.df), float(res.pvalue), "difference", "t",
                      confidence, "two-sided", extra)


# --- internals -------------------------------------------------------------------------------

def _two_sample_t(x, y, *, confidence: float, equal_var: bool) -> TestResult:
    x_, dx, y_, dy = two_samples(x, y, confidence)
    n1, n2 = len(x_), len(y_)
    v1, v2 = float(x_.var(ddof=1)), float(y_.var(ddof=1))
    spread = (math.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2)) if equal_var
              else math.sqrt(v1 / n1 + v2 / n2))
    need_spread(spread, "both groups", "a t test is not possible")
    with _quiet_precision_check():
        res = stats.ttest_ind(x_, y_, equal_var=equal_var)
    ci = res.confidence_interval(confidence)
    method = "Student's t-test (equal variances)" if equal_var else "Welch's t-test"
    extra = {"n1": n1, "n2": n2, "mean1": float(x_.mean()), "mean2": float(y_.mean()),
             "sd1": math.sqrt(v1), "sd2": math.sqrt(v2), "n_dropped": dx + dy}
    return TestResult(float(x_.mean() - y_.mean()), float(ci.low), float(ci.high), n1 + n2,
                      method, float(res.statistic), float(res.df), float(res.pvalue),
                      "difference", "t", confidence, "two-sided", extra)


@contextlib.contextmanager
def _quiet_precision_check() -> Iterator[None]:
    """Silence scipy's "precision loss" warning for a group whose values are all equal.

    The spread the test needs has been checked already; a constant group
    (variance exactly 0) is legitimate for Welch's test, and scipy's heuristic
    merely flags it.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Precision loss occurred in moment",
                                category=RuntimeWarning)
        yield
