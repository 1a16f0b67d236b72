"""Means and associations: the descriptive numbers every report prints.

:func:`mean_ci` gives a mean with its t interval; :func:`association_test`
asks whether two categorical variables are associated (are members different
from the cohort in pupil premium, SEN, gender...?), with chi-square or
Fisher's exact test as the counts allow, and Cramér's V as the effect size.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats.results import ResultMixin, TestResult, format_ci, format_number

__all__ = ["MeanResult", "association_test", "mean_ci", "mean_ci_from_summary"]


@dataclass(frozen=True)
class MeanResult(ResultMixin):
    """A mean with its confidence interval.

    Attributes
    ----------
    estimate : float
        The mean.
    ci_low, ci_high : float
        t interval (NaN when n < 2).
    n : int
    sd : float
        Sample standard deviation (ddof = 1).
    method : str
    confidence : float
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    sd: float
    method: str = "mean with t interval"
    confidence: float = 0.95

    def __str__(self) -> str:
        text = f"M = {format_number(self.estimate)}, SD = {format_number(self.sd)}"
        if not math.isnan(self.ci_low):
            text += ", " + format_ci(self.ci_low, self.ci_high, self.confidence)
        return text + f", n = {self.n}"


def mean_ci_from_summary(mean: float, sd: float, n: int, *,
                         confidence: float = 0.95) -> MeanResult:
    """A mean's t interval from its summary: ``mean ± t(1 - α/2, n - 1) · sd / √n``.

    Parameters
    ----------
    mean, sd : float
        Sample mean and standard deviation (ddof = 1).
    n : int
        Sample size; with n < 2 (or a missing SD) the interval is NaN.
    confidence : float

    References
    ----------
    Student (1908). The probable error of a mean. *Biometrika*, 6(1), 1-25.
    """
    if not 0 < confidence < 1:
        raise StatsError(f"confidence must lie between 0 and 1, got {confidence}")
    if n >= 2 and sd is not None and not (isinstance(sd, float) and math.isnan(sd)):
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * float(sd) / math.sqrt(n)
        low, high = mean - half, mean + half
    else:
        low = high = math.nan
    return MeanResult(float(mean), float(low), float(high), int(n),
                      float(sd) if sd is not None else math.nan, confidence=confidence)


def mean_ci(values: Iterable[float], *, confidence: float = 0.95) -> MeanResult:
    """The mean of ``values`` (missing values left out) with its t interval.

    Raises
    ------
    StatsError
        When no value is present.

    Examples
    --------
    >>> print(mean_ci([2, 4, 4, 4, 5, 5, 7, 9]))
    M = 5.00, SD = 2.14, 95% CI [3.21, 6.79], n = 8
    """
    x = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").dropna()
    x = x.to_numpy(dtype=float)
    if len(x) == 0:
        raise StatsError("no values to average: every value is missing")
    sd = float(np.std(x, ddof=1)) if len(x) >= 2 else math.nan
    return mean_ci_from_summary(float(np.mean(x)), sd, len(x), confidence=confidence)


def association_test(rows: Iterable, columns: Iterable, *, seed: int = 20251,
                     n_resamples: int = 9999) -> TestResult:
    """Are two categorical variables associated? Chi-square or Fisher's exact test.

    Chi-square (with Yates' continuity correction for a 2x2 table, as R's
    ``chisq.test``) when every expected count is at least 5; otherwise Fisher's
    exact test: exact for a 2x2 table, by seeded Monte Carlo (``n_resamples``)
    for larger tables, so a report gives the same p every time.

    Parameters
    ----------
    rows, columns : iterable
        Two aligned sequences of labels (e.g. member yes/no and pupil premium
        yes/no); pairs with a missing label are left out.
    seed : int
        Seed of the Monte Carlo test.

    Returns
    -------
    TestResult
        ``estimate`` is Cramér's V, ``sqrt(chi2 / (n (min(r, c) - 1)))`` of the
        uncorrected chi-square (no CI); ``statistic`` is chi-square (df set) or,
        for Fisher's test on a 2x2 table, the conditional maximum-likelihood odds
        ratio (with its exact CI in ``extra``).

    Raises
    ------
    StatsError
        When either variable has fewer than two categories among complete pairs.

    References
    ----------
    Agresti, A. (2013). *Categorical Data Analysis* (3rd ed.), sections 3.2 and 3.5.
    Cramér, H. (1946). *Mathematical Methods of Statistics*. Princeton University Press.
    """
    frame = pd.DataFrame({"r": list(rows), "c": list(columns)}).dropna()
    table = pd.crosstab(frame["r"], frame["c"])
    n = int(table.to_numpy().sum())
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise StatsError("an association test needs at least two categories in each variable "
                         f"(found {table.shape[0]} and {table.shape[1]} among {n} complete "
                         "pairs)")
    observed = table.to_numpy()
    plain = stats.chi2_contingency(observed, correction=False)
    v = math.sqrt(plain.statistic / (n * (min(observed.shape) - 1)))
    extra = {"rows": table.shape[0], "columns": table.shape[1]}
    chi = stats.chi2_contingency(observed)  # Yates-corrected for 2x2, as R
    if (chi.expected_freq >= 5).all():
        # scipy applies Yates' correction exactly when the table has 1 degree of freedom
        method = "chi-square test" + (" with Yates' continuity correction" if chi.dof == 1
                                      else "")
        return TestResult(v, math.nan, math.nan, n, method, float(chi.statistic),
                          float(chi.dof), float(chi.pvalue), "V", "chi2", extra=extra)
    if observed.shape == (2, 2):
        odds = stats.contingency.odds_ratio(observed, kind="conditional")
        ci = odds.confidence_interval()
        p = stats.fisher_exact(observed).pvalue
        extra |= {"odds_ratio": float(odds.statistic), "odds_ratio_ci_low": float(ci.low),
                  "odds_ratio_ci_high": float(ci.high)}
        return TestResult(v, math.nan, math.nan, n, "Fisher's exact test",
                          float(odds.statistic), None, float(p), "V", "OR", extra=extra)
    res = stats.fisher_exact(observed, method=stats.MonteCarloMethod(
        n_resamples=n_resamples, rng=np.random.default_rng(seed)))
    # scipy returns 1-element arrays, not scalars, when a row or column total is 1
    statistic = float(np.asarray(res.statistic).reshape(-1)[0])
    p_value = float(np.asarray(res.pvalue).reshape(-1)[0])
    return TestResult(v, math.nan, math.nan, n, "Fisher's exact test (Monte Carlo)",
                      statistic, None, p_value, "V", "P(table)", extra=extra)
