"""Standardised and raw mean differences with confidence intervals.

One function per question, as in pingouin: :func:`cohens_d` and :func:`hedges_g`
(independent groups, or two measurements of the same pupils) and
:func:`mean_difference` (a difference in the outcome's own units). Each returns
an :class:`EffectSize`: the numbers unrounded, the method used, ``.to_frame()``
and an APA-style ``str()``. Glass's Δ, which returns the same type, is in
:mod:`slc_research.stats.glass`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from slc_research.errors import StatsError
from slc_research.stats.inputs import (
    as_floats,
    check_confidence,
    complete_pairs,
    nct_limits,
    need,
    need_spread,
)

__all__ = ["EffectSize", "cohens_d", "hedges_correction", "hedges_g", "mean_difference"]

CiMethod = Literal["nct", "normal"]
PairedMethod = Literal["d_av", "d_z"]


@dataclass(frozen=True)
class EffectSize:
    """An effect size, its confidence interval and how it was computed.

    Attributes
    ----------
    estimate : float
        The point estimate (unrounded).
    ci_low, ci_high : float
        Bounds of the confidence interval.
    n : int
        Total number of people: ``n1 + n2`` for independent groups, the number
        of complete pairs for paired data.
    n1, n2 : int
        Observations used in each group (both equal ``n`` for paired data).
    method : str
        The estimator in words, e.g. ``"Hedges' g (independent groups, pooled SD)"``.
    ci_method : str
        ``"nct"`` (noncentral t), ``"normal"`` (normal approximation) or
        ``"welch_t"`` / ``"t"`` (for raw mean differences).
    confidence : float
        Confidence level of the interval, e.g. 0.95.
    symbol : str
        The statistic's symbol as reported: ``d``, ``g``, ``g_av``, ``g_z``, ``difference``.
    paired : bool
        Whether the two samples were measurements of the same people.
    n_dropped : int
        Missing values left out: values for independent groups, incomplete
        pairs for paired data (pairs are dropped whole, "pairwise complete").
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    n1: int
    n2: int
    method: str
    ci_method: str
    confidence: float = 0.95
    symbol: str = "g"
    paired: bool = False
    n_dropped: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (JSON-ready)."""
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        """One tidy row holding every field."""
        return pd.DataFrame([self.to_dict()])

    def __str__(self) -> str:
        level = f"{self.confidence * 100:g}%"
        return (f"{self.symbol} = {self.estimate:.2f}, {level} CI "
                f"[{self.ci_low:.2f}, {self.ci_high:.2f}], n = {self.n}")


def hedges_correction(df: float) -> float:
    """Hedges' small-sample bias correction factor J, in its exact gamma form.

    Parameters
    ----------
    df : float
        Degrees of freedom of the standardiser (``n1 + n2 - 2`` for independent
        groups, ``n - 1`` for paired data); at least 2.

    Returns
    -------
    float
        ``J = Gamma(df/2) / (sqrt(df/2) * Gamma((df-1)/2))``, a number just below 1.

    Notes
    -----
    The familiar approximation ``J ~ 1 - 3 / (4 df - 1)`` (which is
    ``1 - 3 / (4(n1+n2) - 9)`` for two groups) differs from the exact value by
    less than 0.001 for ``df >= 6``.

    References
    ----------
    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size
    and related estimators. *Journal of Educational Statistics*, 6(2), 107-128.
    """
    if not df >= 2:
        raise StatsError(f"Hedges' correction needs at least 2 degrees of freedom, got {df}")
    return float(np.exp(special.gammaln(df / 2) - 0.5 * np.log(df / 2)
                        - special.gammaln((df - 1) / 2)))


def cohens_d(x: Iterable[float], y: Iterable[float], *, paired: bool = False,
             paired_method: PairedMethod = "d_av", ci: CiMethod | None = None,
             confidence: float = 0.95) -> EffectSize:
    """Cohen's d: the difference in means in standard-deviation units, uncorrected.

    The same as :func:`hedges_g` without the small-sample correction J; see
    there for parameters, formulas and references. Prefer :func:`hedges_g` for
    reporting: d overestimates the population effect in small samples.

    Examples
    --------
    >>> print(cohens_d([9, 7, 8, 9, 8, 9, 9, 10, 9, 9], [9, 6, 7, 8, 7, 9, 8, 8, 8, 7]))
    d = 1.13, 95% CI [0.16, 2.06], n = 20
    """
    return _standardised_difference(x, y, paired=paired, paired_method=paired_method, ci=ci,
                                    confidence=confidence, correct=False)


def hedges_g(x: Iterable[float], y: Iterable[float], *, paired: bool = False,
             paired_method: PairedMethod = "d_av", ci: CiMethod | None = None,
             confidence: float = 0.95) -> EffectSize:
    """Hedges' g: the bias-corrected difference in means in standard-deviation units.

    Positive when ``x`` is higher than ``y``.

    Parameters
    ----------
    x, y : array-like of float
        The two samples. Missing values (NaN, None, ``pd.NA``) are left out:
        separately in each group for independent samples; for paired samples,
        a pair is used only if both values are present (pairwise complete).
        For paired samples ``x[i]`` and ``y[i]`` are the same person
        (e.g. ``x`` = after, ``y`` = before).
    paired : bool, default False
        Whether ``x`` and ``y`` are two measurements of the same people.
    paired_method : {"d_av", "d_z"}, default "d_av"
        Paired data only. ``"d_av"`` divides the mean change by the average of
        the two standard deviations, so it is on the same scale as a
        between-groups effect size; ``"d_z"`` divides it by the standard
        deviation of the changes.
    ci : {"nct", "normal"}, optional
        How the confidence interval is computed. Default: ``"nct"`` (exact,
        noncentral t) for independent groups and ``d_z``. ``"normal"`` (a
        normal approximation: Hedges & Olkin's for independent groups and
        ``d_z``, the delta method for ``d_av``; see Notes) is available for
        every variant and is the only interval for ``d_av``: d_av is not a noncentral-t variable
        (its standardiser mixes two correlated SDs), so no exact interval
        exists and ``ci="nct"`` is refused with a message.
    confidence : float, default 0.95
        Confidence level, between 0 and 1.

    Returns
    -------
    EffectSize
        ``estimate`` (g), ``ci_low``, ``ci_high``, ``n``, ``n1``, ``n2``,
        ``method``, ``ci_method``, ``confidence``, ``symbol`` (``g``, ``g_av`` or
        ``g_z``), ``paired`` and ``n_dropped`` (missing values or incomplete
        pairs left out).

    Raises
    ------
    StatsError
        Fewer than 2 values in a group (3 complete pairs for paired data), no
        spread in the data, non-numeric values, or an unknown option.

    Notes
    -----
    **Independent groups.** With means m1, m2, variances s1², s2² and sizes n1, n2::

        s_pooled = sqrt(((n1-1) s1² + (n2-1) s2²) / (n1 + n2 - 2))
        d = (m1 - m2) / s_pooled,   g = J(n1 + n2 - 2) * d

    where J is the exact correction of :func:`hedges_correction`.
    The ``"nct"`` interval inverts the noncentral t distribution: with
    ``t = d / sqrt(1/n1 + 1/n2)`` and df = n1 + n2 - 2, the bounds of the
    noncentrality parameter are the values λ with ``P(T_df,λ <= t) = 1 - α/2`` and
    ``α/2`` (found with Brent's method); they are multiplied by
    ``sqrt(1/n1 + 1/n2)`` to give bounds for δ and then by J (Steiger & Fouladi,
    1997; as in R's effectsize). The ``"normal"`` interval is
    ``d ± z * sqrt((n1+n2)/(n1 n2) + d²/(2(n1+n2)))`` (Hedges & Olkin, 1985),
    multiplied by J, i.e. Var(g) = J² Var(d) (Borenstein et al., 2009).

    **Paired, d_z.** With the n changes ``x - y``, ``d_z = mean / sd`` and
    ``g_z = J(n-1) d_z``. The ``"nct"`` interval inverts the noncentral t with
    ``t = d_z sqrt(n)`` and df = n - 1, divides by ``sqrt(n)`` and multiplies by J.
    The ``"normal"`` one is ``d_z ± z sqrt(1/n + d_z²/(2n))``, times J.

    **Paired, d_av** (Lakens, 2013)::

        d_av = mean(x - y) / ((s_x + s_y) / 2),   g_av = J(n-1) d_av

    Its interval is a normal approximation (delta method; Algina & Keselman,
    2003, discuss intervals for this kind of effect size): with r the
    correlation of x and y, s_D the SD of the changes and S = (s_x + s_y)/2::

        Var(d_av) = s_D² / (n S²) + d_av² (s_x² + s_y² + 2 r² s_x s_y) / (8 (n-1) S²)

    which for equal variances is ``2(1-r)/n + d_av² (1+r²) / (4(n-1))``
    (cf. Bonett, 2008). The bounds ``d_av ± z sqrt(Var)`` are multiplied by J.

    References
    ----------
    Algina, J., & Keselman, H. J. (2003). Approximate confidence intervals for
    effect sizes. *Educational and Psychological Measurement*, 63(4), 537-553.

    Bonett, D. G. (2008). Confidence intervals for standardized linear contrasts
    of means. *Psychological Methods*, 13(2), 99-109.

    Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009).
    *Introduction to meta-analysis*, ch. 4. Wiley.

    Hedges, L. V., & Olkin, I. (1985). *Statistical methods for meta-analysis*,
    ch. 5. Academic Press.

    Lakens, D. (2013). Calculating and reporting effect sizes to facilitate
    cumulative science: a practical primer for t-tests and ANOVAs.
    *Frontiers in Psychology*, 4, 863.

    Steiger, J. H., & Fouladi, R. T. (1997). Noncentrality interval estimation
    and the evaluation of statistical models. In L. Harlow et al. (Eds.),
    *What if there were no significance tests?* Erlbaum.

    Examples
    --------
    The movie-ratings example of Lakens (2013), 10 people rating two films:

    >>> a = [9, 7, 8, 9, 8, 9, 9, 10, 9, 9]
    >>> b = [9, 6, 7, 8, 7, 9, 8, 8, 8, 7]
    >>> print(hedges_g(a, b))
    g = 1.08, 95% CI [0.16, 1.97], n = 20
    >>> print(hedges_g(a, b, paired=True, paired_method="d_z"))
    g_z = 1.37, 95% CI [0.51, 2.20], n = 10
    """
    return _standardised_difference(x, y, paired=paired, paired_method=paired_method, ci=ci,
                                    confidence=confidence, correct=True)


def mean_difference(x: Iterable[float], y: Iterable[float], *, paired: bool = False,
                    confidence: float = 0.95) -> EffectSize:
    """The difference in means (x minus y) in the outcome's own units, with a t interval.

    Parameters
    ----------
    x, y : array-like of float
        The two samples; missing values are left out (pairwise for paired data).
    paired : bool, default False
        Whether ``x`` and ``y`` are two measurements of the same people.
    confidence : float, default 0.95

    Returns
    -------
    EffectSize
        ``symbol`` is ``"difference"``; ``ci_method`` is ``"welch_t"`` for
        independent groups and ``"t"`` for paired data.

    Notes
    -----
    Independent groups (Welch, 1947): ``m1 - m2 ± t(1-α/2, ν) sqrt(s1²/n1 + s2²/n2)``
    with Welch-Satterthwaite degrees of freedom
    ``ν = (s1²/n1 + s2²/n2)² / ((s1²/n1)²/(n1-1) + (s2²/n2)²/(n2-1))``; it does not
    assume equal variances. Paired: ``mean(D) ± t(1-α/2, n-1) sd(D)/sqrt(n)``.

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several
    different population variances are involved. *Biometrika*, 34(1-2), 28-35.
    """
    check_confidence(confidence)
    if paired:
        x_, y_, dropped = complete_pairs(x, y)
        n = len(x_)
        need(n, 2, "complete pairs")
        diff = x_ - y_
        se = diff.std(ddof=1) / math.sqrt(n)
        need_spread(se, "the changes")
        est, df, n1, n2, ci_method = diff.mean(), n - 1, n, n, "t"
        method = "difference in means (paired)"
    else:
        x_, dx = as_floats(x, "x")
        y_, dy = as_floats(y, "y")
        n1, n2, dropped = len(x_), len(y_), dx + dy
        need(n1, 2, "values in the first group")
        need(n2, 2, "values in the second group")
        a, b = x_.var(ddof=1) / n1, y_.var(ddof=1) / n2
        se = math.sqrt(a + b)
        need_spread(se, "both groups")
        est = x_.mean() - y_.mean()
        df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
        n, ci_method = n1 + n2, "welch_t"
        method = "difference in means (independent groups, Welch)"
    half = stats.t.ppf(0.5 + confidence / 2, df) * se
    return EffectSize(float(est), float(est - half), float(est + half), n, n1, n2, method,
                      ci_method, confidence, "difference", paired, dropped)


# --- internals -------------------------------------------------------------------------------

def _standardised_difference(x, y, *, paired: bool, paired_method: str, ci: str | None,
                             confidence: float, correct: bool) -> EffectSize:
    check_confidence(confidence)
    if ci not in (None, "nct", "normal"):
        raise StatsError(f"ci must be 'nct' or 'normal', not {ci!r}")
    name = "Hedges' g" if correct else "Cohen's d"
    letter = "g" if correct else "d"
    z = stats.norm.ppf(0.5 + confidence / 2)
    if not paired:
        x_, dx = as_floats(x, "x")
        y_, dy = as_floats(y, "y")
        n1, n2 = len(x_), len(y_)
        need(n1, 2, "values in the first group")
        need(n2, 2, "values in the second group")
        df = n1 + n2 - 2
        s_pooled = math.sqrt(((n1 - 1) * x_.var(ddof=1) + (n2 - 1) * y_.var(ddof=1)) / df)
        need_spread(s_pooled, "the two groups")
        d = (x_.mean() - y_.mean()) / s_pooled
        ci = ci or "nct"
        if ci == "nct":
            scale = math.sqrt(1 / n1 + 1 / n2)
            lo, hi = (b * scale for b in nct_limits(d / scale, df, confidence))
        else:
            se = math.sqrt((n1 + n2) / (n1 * n2) + d**2 / (2 * (n1 + n2)))
            lo, hi = d - z * se, d + z * se
        j = hedges_correction(df) if correct else 1.0
        return EffectSize(j * d, j * lo, j * hi, n1 + n2, n1, n2,
                          f"{name} (independent groups, pooled SD)", ci, confidence, letter,
                          False, dx + dy)

    if paired_method not in ("d_av", "d_z"):
        raise StatsError(f"paired_method must be 'd_av' or 'd_z', not {paired_method!r}")
    x_, y_, dropped = complete_pairs(x, y)
    n = len(x_)
    need(n, 3 if correct else 2, "complete pairs")
    diff = x_ - y_
    df = n - 1
    if paired_method == "d_z":
        sd_diff = diff.std(ddof=1)
        need_spread(sd_diff, "the changes")
        d = diff.mean() / sd_diff
        ci = ci or "nct"
        if ci == "nct":
            root_n = math.sqrt(n)
            lo, hi = (b / root_n for b in nct_limits(d * root_n, df, confidence))
        else:
            se = math.sqrt(1 / n + d**2 / (2 * n))
            lo, hi = d - z * se, d + z * se
        method = f"{name}_z (paired; SD of the changes)"
    else:
        if ci == "nct":
            raise StatsError("d_av has no exact noncentral-t interval; use ci='normal' "
                             "(the default for d_av) or paired_method='d_z'")
        ci = "normal"
        s1, s2 = x_.std(ddof=1), y_.std(ddof=1)
        s_av = (s1 + s2) / 2
        need_spread(s_av, "the two measurements")
        d = diff.mean() / s_av
        r = float(np.corrcoef(x_, y_)[0, 1]) if s1 > 0 and s2 > 0 else 0.0
        var = (diff.var(ddof=1) / (n * s_av**2)
               + d**2 * (s1**2 + s2**2 + 2 * r**2 * s1 * s2) / (8 * (n - 1) * s_av**2))
        se = math.sqrt(var)
        lo, hi = d - z * se, d + z * se
        method = f"{name}_av (paired; mean of the two SDs)"
    j = hedges_correction(df) if correct else 1.0
    return EffectSize(j * d, j * lo, j * hi, n, n, n, method, ci, confidence,
                      f"{letter}_{paired_method[2:]}", True, dropped)
