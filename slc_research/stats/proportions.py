"""Proportions: how many said yes, and whether that differed between groups or changed.

- :func:`wilson_ci`: a proportion with its Wilson score interval;
- :func:`proportion_difference`: two independent groups (members and
  non-members), with Newcombe's hybrid score interval and a test;
- :func:`mcnemar`: the same pupils asked twice ("I often get into trouble",
  yes/no, before and after), with the change and its interval; exact,
  mid-p or chi-square.

The intervals are score intervals: unlike the textbook ``p ± 1.96 SE`` they
stay inside 0-100% and keep close to their nominal coverage with the small
counts of a school enquiry (Newcombe, 1998a, b).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar as _sm_mcnemar
from statsmodels.stats.proportion import confint_proportions_2indep

from slc_research.errors import StatsError
from slc_research.stats.inputs import check_confidence, complete_pairs
from slc_research.stats.results import ResultMixin, TestResult
from slc_research.stats.score_intervals import newcombe_paired_interval, wilson_bounds

__all__ = ["MCNEMAR_TESTS", "Proportion", "mcnemar", "mcnemar_mid_p", "proportion_difference",
           "wilson_ci"]

#: Allowed values of :func:`mcnemar`'s ``test``.
MCNEMAR_TESTS = ("auto", "exact", "mid-p", "chi-square")

#: McNemar's test is exact (binomial) below this many discordant pairs.
EXACT_MCNEMAR_BELOW = 25


@dataclass(frozen=True)
class Proportion(ResultMixin):
    """A proportion with its confidence interval.

    Attributes
    ----------
    estimate : float
        ``k / n``, between 0 and 1.
    ci_low, ci_high : float
        Bounds of the interval (between 0 and 1).
    n : int
        Number asked.
    k : int
        Number who said yes (had the characteristic).
    method : str
    confidence : float
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    method: str = "Wilson score interval"
    confidence: float = 0.95

    def __str__(self) -> str:
        return (f"{self.estimate:.1%} ({self.k} of {self.n}), {self.confidence * 100:g}% CI "
                f"[{self.ci_low:.1%}, {self.ci_high:.1%}]")


def wilson_ci(k: int, n: int, *, confidence: float = 0.95) -> Proportion:
    """A proportion ``k / n`` with its Wilson score interval.

    Parameters
    ----------
    k : int
        How many said yes (0 <= k <= n).
    n : int
        How many were asked (at least 1).
    confidence : float, default 0.95

    Returns
    -------
    Proportion
        ``estimate``, ``ci_low``, ``ci_high``, ``n``, ``k``, ``method``,
        ``confidence``.

    Raises
    ------
    StatsError
        k or n not whole numbers, n < 1, k < 0 or k > n.

    Notes
    -----
    With p = k/n and z the normal quantile, the Wilson (1927) interval is::

        (p + z²/(2n) ± z sqrt(p(1-p)/n + z²/(4n²))) / (1 + z²/n)

    It is the inversion of the score test, never leaves [0, 1], and has
    coverage close to nominal even for small n or p near 0 or 1, where the
    Wald interval fails (Newcombe, 1998a, method 3; Agresti & Coull, 1998).
    Computed with ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. *JASA*, 22(158), 209-212.

    Newcombe, R. G. (1998a). Two-sided confidence intervals for the single
    proportion: comparison of seven methods. *Statistics in Medicine*, 17(8), 857-872.

    Agresti, A., & Coull, B. A. (1998). Approximate is better than "exact" for
    interval estimation of binomial proportions. *The American Statistician*,
    52(2), 119-126.

    Examples
    --------
    Newcombe (1998a), Table II, 81/263:

    >>> print(wilson_ci(81, 263))
    30.8% (81 of 263), 95% CI [25.5%, 36.6%]
    """
    check_confidence(confidence)
    k_, n_ = _count(k, "k"), _count(n, "n")
    _check_counts(k_, n_, "k", "n")
    lo, hi = wilson_bounds(k_, n_, 1 - confidence)
    return Proportion(k_ / n_, lo, hi, n_, k_, "Wilson score interval", confidence)


def proportion_difference(k1: int, n1: int, k2: int, n2: int, *,
                          confidence: float = 0.95) -> TestResult:
    """The difference between two independent proportions, with Newcombe's interval.

    Parameters
    ----------
    k1, n1 : int
        Yes answers and group size in the first group (e.g. members).
    k2, n2 : int
        The same for the second group (e.g. non-members).
    confidence : float, default 0.95

    Returns
    -------
    TestResult
        ``estimate`` = k1/n1 - k2/n2 with Newcombe's hybrid score interval;
        ``statistic``: Pearson's chi-square (``df`` = 1) or, when an expected
        count is below 5, the conditional odds ratio of Fisher's exact test
        (``df`` None); ``p_value``; ``n`` = n1 + n2; ``extra`` holds ``k1``,
        ``n1``, ``p1``, ``k2``, ``n2``, ``p2`` and ``test``.

    Raises
    ------
    StatsError
        Counts that are not whole numbers, a group of size 0, k > n.

    Notes
    -----
    Newcombe's hybrid score interval (1998b, method 10) combines the Wilson
    intervals (l1, u1) and (l2, u2) of the two proportions::

        L = (p1 - p2) - sqrt((p1 - l1)² + (u2 - p2)²)
        U = (p1 - p2) + sqrt((u1 - p1)² + (p2 - l2)²)

    (``statsmodels.stats.proportion.confint_proportions_2indep(method="newcomb")``).
    The test is Pearson's chi-square without continuity correction (the
    square of the pooled two-proportion z; R's ``prop.test(correct = FALSE)``),
    which like the interval carries no continuity correction; when any
    expected count is below 5 it is Fisher's exact test instead
    (``scipy.stats.fisher_exact``). When every pupil in both groups gave the
    same answer there is nothing to test: p = 1 and the statistic is NaN.

    References
    ----------
    Newcombe, R. G. (1998b). Interval estimation for the difference between
    independent proportions: comparison of eleven methods. *Statistics in
    Medicine*, 17(8), 873-890.

    Fisher, R. A. (1935). The logic of inductive inference. *Journal of the
    Royal Statistical Society*, 98(1), 39-82.

    Examples
    --------
    Newcombe (1998b), example (a), 56/70 vs 48/80:

    >>> print(proportion_difference(56, 70, 48, 80))
    chi2(1) = 7.02, p = .008; difference = 0.20, 95% CI [0.05, 0.33], n = 150
    """
    check_confidence(confidence)
    k1_, n1_, k2_, n2_ = (_count(v, name) for v, name in
                          ((k1, "k1"), (n1, "n1"), (k2, "k2"), (n2, "n2")))
    _check_counts(k1_, n1_, "k1", "n1")
    _check_counts(k2_, n2_, "k2", "n2")
    p1, p2 = k1_ / n1_, k2_ / n2_
    lo, hi = confint_proportions_2indep(k1_, n1_, k2_, n2_, method="newcomb",
                                        compare="diff", alpha=1 - confidence)
    lo, hi = max(-1.0, float(lo)), min(1.0, float(hi))  # rounding can step past ±1
    table = np.array([[k1_, n1_ - k1_], [k2_, n2_ - k2_]])
    extra = {"k1": k1_, "n1": n1_, "p1": p1, "k2": k2_, "n2": n2_, "p2": p2}
    yes = k1_ + k2_
    if yes in (0, n1_ + n2_):
        return TestResult(p1 - p2, float(lo), float(hi), n1_ + n2_,
                          "difference in proportions (no test: every pupil gave the same "
                          "answer)", math.nan, None, 1.0, "difference", "chi2", confidence,
                          "two-sided", extra | {"test": "none"})
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    if (expected >= 5).all():
        res = stats.chi2_contingency(table, correction=False)
        statistic, df, p, name = float(res.statistic), 1.0, float(res.pvalue), "chi2"
        test = "Pearson chi-square"
    else:
        odds = stats.contingency.odds_ratio(table, kind="conditional")
        statistic, df, name = float(odds.statistic), None, "OR"
        p = float(stats.fisher_exact(table).pvalue)
        test = "Fisher's exact test"
    return TestResult(p1 - p2, float(lo), float(hi), n1_ + n2_,
                      f"difference in proportions (Newcombe hybrid score interval; {test})",
                      statistic, df, p, "difference", name, confidence, "two-sided",
                      extra | {"test": test})


def mcnemar_mid_p(b: int, c: int) -> float:
    """The McNemar mid-p value from the discordant pairs b (yes -> no) and c (no -> yes).

    Parameters
    ----------
    b, c : int
        Pupils whose answer went from yes to no, and from no to yes.

    Returns
    -------
    float
        ``exact two-sided p - P(X = b)`` with X ~ Binomial(b + c, ½); 1 when
        b + c = 0.

    Notes
    -----
    The exact conditional test's p is ``min(1, 2 P(X <= min(b, c)))``; the
    mid-p counts only half of the observed table's own probability, i.e.
    subtracts ``P(X = b)`` (Lancaster, 1961). It keeps close to the nominal
    level while the exact test is conservative (Fagerland, Lydersen & Laake,
    2013, who recommend it for small samples).

    References
    ----------
    Fagerland, M. W., Lydersen, S., & Laake, P. (2013). The McNemar test for
    binary matched-pairs data: mid-p and asymptotic are better than exact
    conditional. *BMC Medical Research Methodology*, 13, 91.

    Lancaster, H. O. (1961). Significance tests in discrete distributions.
    *JASA*, 56(294), 223-234.

    Examples
    --------
    Fagerland et al. (2013), Table 1 (Bentur et al., 2009): b = 1, c = 7:

    >>> round(mcnemar_mid_p(1, 7), 3)
    0.039
    """
    b_, c_ = _count(b, "b"), _count(c, "c")
    if b_ < 0 or c_ < 0:
        raise StatsError(f"b and c are counts of pupils and cannot be negative; got {b_}, {c_}")
    n = b_ + c_
    if n == 0:
        return 1.0
    exact = min(1.0, 2 * float(stats.binom.cdf(min(b_, c_), n, 0.5)))
    return exact - float(stats.binom.pmf(b_, n, 0.5))


def mcnemar(before: Iterable, after: Iterable, *, confidence: float = 0.95,
            test: Literal["auto", "exact", "mid-p", "chi-square"] = "auto") -> TestResult:
    """McNemar's test of whether the share of yes answers changed among the same pupils.

    Parameters
    ----------
    before, after : array-like of bool or 0/1
        The same pupils' answers at the two waves (True or 1 = yes);
        ``before[i]`` and ``after[i]`` from the same pupil. A pupil missing
        either answer is left out.
    confidence : float, default 0.95
        Level of the interval for the change.
    test : {"auto", "exact", "mid-p", "chi-square"}, default "auto"
        ``"exact"``: the exact conditional (binomial) test. ``"mid-p"``: its
        mid-p version (:func:`mcnemar_mid_p`), recommended by Fagerland et al.
        (2013). ``"chi-square"``: McNemar's chi-square with continuity
        correction. ``"auto"``: exact below :data:`EXACT_MCNEMAR_BELOW`
        discordant pairs, chi-square otherwise. The method's label says which.

    Returns
    -------
    TestResult
        ``estimate`` = proportion yes after - proportion yes before, with
        Newcombe's paired score interval; ``statistic``: ``min(b, c)`` for the
        exact and mid-p tests, McNemar's chi-square for the approximate one
        (``df`` = 1); ``p_value``; ``n`` = complete pairs; ``extra`` holds the
        table (``yes_yes``, ``yes_no`` (= b), ``no_yes`` (= c), ``no_no``),
        ``discordant`` (b + c), ``p_before``, ``p_after``, ``exact``,
        ``p_mid`` (the mid-p, whichever test is chosen) and ``n_dropped``.

    Raises
    ------
    StatsError
        Answers other than True/False or 0/1, unequal lengths, no complete pairs.

    Notes
    -----
    Only the b pupils who went from yes to no and the c who went from no to
    yes carry information. With fewer than 25 of them the test is exact: under
    no change b ~ Binomial(b + c, ½), and ``p = min(1, 2 P(B <= min(b, c)))``.
    Otherwise it is McNemar's chi-square with continuity correction,
    ``(|b - c| - 1)² / (b + c)`` on 1 df, as R's ``mcnemar.test``
    (``statsmodels.stats.contingency_tables.mcnemar``).

    The change ``(c - b) / n`` has Newcombe's (1998c, method 10) interval:
    with the Wilson intervals (l1, u1) of p1 = before and (l2, u2) of p2 =
    after, and φ the correlation of the two answers::

        L = (p2 - p1) - sqrt((u1 - p1)² - 2φ (u1 - p1)(p2 - l2) + (p2 - l2)²)
        U = (p2 - p1) + sqrt((p1 - l1)² - 2φ (p1 - l1)(u2 - p2) + (u2 - p2)²)

    where, with A = ad - bc (a = yes/yes, d = no/no) and the margins' product
    M, φ = (A - n/2)/√M if A > n/2, 0 if 0 <= A <= n/2, A/√M if A < 0, and 0
    when a margin is empty (Newcombe, 1998c; Fagerland, Lydersen & Laake,
    2017, section 8.5).

    References
    ----------
    McNemar, Q. (1947). Note on the sampling error of the difference between
    correlated proportions or percentages. *Psychometrika*, 12(2), 153-157.

    Newcombe, R. G. (1998c). Improved confidence intervals for the difference
    between binomial proportions based on paired data. *Statistics in
    Medicine*, 17(22), 2635-2650.

    Fagerland, M. W., Lydersen, S., & Laake, P. (2017). *Statistical analysis
    of contingency tables*, ch. 8. CRC Press.

    Examples
    --------
    >>> before = [1] * 10 + [1] * 2 + [0] * 7 + [0] * 11
    >>> after = [1] * 10 + [0] * 2 + [1] * 7 + [0] * 11
    >>> print(mcnemar(before, after))
    min(b, c) = 2.00, p = .180; change = 0.17, 95% CI [-0.03, 0.34], n = 30
    """
    check_confidence(confidence)
    if test not in MCNEMAR_TESTS:
        raise StatsError(f"test must be one of {', '.join(map(repr, MCNEMAR_TESTS))}, "
                         f"not {test!r}")
    x, y, dropped = complete_pairs(before, after, ("before", "after"))
    for values, name in ((x, "before"), (y, "after")):
        if not np.isin(values, (0.0, 1.0)).all():
            raise StatsError(f"{name} must hold yes/no answers as True/False or 1/0; "
                             f"found {sorted(set(values.tolist()) - {0.0, 1.0})[:5]}. "
                             "Recode first, e.g. answers == 'Agree'")
    n = len(x)
    if n == 0:
        raise StatsError("no pupil has an answer at both waves; McNemar's test needs pairs")
    a = int(((x == 1) & (y == 1)).sum())
    b = int(((x == 1) & (y == 0)).sum())
    c = int(((x == 0) & (y == 1)).sum())
    d = n - a - b - c
    if test == "auto":
        test = "exact" if b + c < EXACT_MCNEMAR_BELOW else "chi-square"
    exact = test != "chi-square"
    res = _sm_mcnemar(np.array([[a, b], [c, d]]), exact=exact, correction=True)
    lo, hi = newcombe_paired_interval(a, b, c, d, confidence)
    p1, p2 = (a + b) / n, (a + c) / n
    p_mid = mcnemar_mid_p(b, c)
    extra = {"yes_yes": a, "yes_no": b, "no_yes": c, "no_no": d, "discordant": b + c,
             "p_before": p1, "p_after": p2, "exact": exact, "p_mid": p_mid,
             "n_dropped": dropped}
    p_value = float(res.pvalue)
    if test == "mid-p":
        method, name, df, p_value = ("McNemar's test (mid-p)", "min(b, c)", None, p_mid)
    elif exact:
        method, name, df = "McNemar's test (exact binomial)", "min(b, c)", None
    else:
        method, name, df = "McNemar's test (chi-square, continuity correction)", "chi2", 1.0
    return TestResult(p2 - p1, lo, hi, n, method, float(res.statistic), df, p_value,
                      "change", name, confidence, "two-sided", extra)


# --- internals -------------------------------------------------------------------------------

def _count(value, name: str) -> int:
    """A whole number (int, numpy int, or a float with no fraction)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise StatsError(f"{name} must be a whole number (a count of pupils); got {value!r}")
    if not (math.isfinite(value) and float(value).is_integer()):
        raise StatsError(f"{name} must be a whole number (a count of pupils); got {value!r}")
    return int(value)


def _check_counts(k: int, n: int, k_name: str, n_name: str) -> None:
    if n < 1:
        raise StatsError(f"{n_name} (the number asked) must be at least 1; got {n}")
    if not 0 <= k <= n:
        raise StatsError(f"{k_name} must be between 0 and {n_name} = {n} (how many of the "
                         f"{n} said yes); got {k}")
