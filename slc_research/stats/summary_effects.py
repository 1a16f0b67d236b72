"""Effect sizes from summary statistics: means, SDs and ns of two independent groups.

For when only a report's table is at hand (a published study, last year's
spreadsheet, the MIS's group averages). The formulas and intervals are exactly
those of :func:`~slc_research.stats.effect_sizes.hedges_g`,
:func:`~slc_research.stats.effect_sizes.cohens_d` and
:func:`~slc_research.stats.glass.glass_delta` on raw data with the same means,
SDs (ddof = 1) and ns, and the result type is the same
:class:`~slc_research.stats.effect_sizes.EffectSize`.
"""

from __future__ import annotations

import math
from typing import Literal

from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats.effect_sizes import EffectSize, hedges_correction
from slc_research.stats.glass import glass_interval
from slc_research.stats.inputs import check_confidence, finite_number, nct_limits, whole_number

__all__ = ["cohens_d_from_summary", "glass_delta_from_summary", "hedges_g_from_summary"]

CiMethod = Literal["nct", "normal"]


def _inputs(mean1, sd1, n1, mean2, sd2, n2, ci, confidence):
    check_confidence(confidence)
    if ci not in ("nct", "normal"):
        raise StatsError(f"ci must be 'nct' or 'normal', not {ci!r}")
    m1, m2 = finite_number(mean1, "mean1"), finite_number(mean2, "mean2")
    s1, s2 = finite_number(sd1, "sd1"), finite_number(sd2, "sd2")
    a, b = whole_number(n1, "n1"), whole_number(n2, "n2")
    for s, name in ((s1, "sd1"), (s2, "sd2")):
        if s < 0:
            raise StatsError(f"{name} is a standard deviation and cannot be negative; got {s}")
    for n, name in ((a, "n1"), (b, "n2")):
        if n < 2:
            raise StatsError(f"{name} must be at least 2 pupils (an SD needs two values); "
                             f"got {n}")
    return m1, s1, a, m2, s2, b


def _pooled(mean1, sd1, n1, mean2, sd2, n2, ci, confidence, correct) -> EffectSize:
    m1, s1, a, m2, s2, b = _inputs(mean1, sd1, n1, mean2, sd2, n2, ci, confidence)
    df = a + b - 2
    s_pooled = math.sqrt(((a - 1) * s1**2 + (b - 1) * s2**2) / df)
    if not s_pooled > 0:
        raise StatsError("both standard deviations are 0, so a standardised difference cannot "
                         "be computed; check the SDs")
    d = (m1 - m2) / s_pooled
    if ci == "nct":
        scale = math.sqrt(1 / a + 1 / b)
        lo, hi = (v * scale for v in nct_limits(d / scale, df, confidence))
    else:
        z = stats.norm.ppf(0.5 + confidence / 2)
        se = math.sqrt((a + b) / (a * b) + d**2 / (2 * (a + b)))
        lo, hi = d - z * se, d + z * se
    j = hedges_correction(df) if correct else 1.0
    name, letter = ("Hedges' g", "g") if correct else ("Cohen's d", "d")
    return EffectSize(float(j * d), float(j * lo), float(j * hi), a + b, a, b,
                      f"{name} (independent groups, pooled SD; from summary statistics)", ci,
                      confidence, letter, False, 0)


def hedges_g_from_summary(mean1: float, sd1: float, n1: int, mean2: float, sd2: float,
                          n2: int, *, ci: CiMethod = "nct",
                          confidence: float = 0.95) -> EffectSize:
    """Hedges' g from two groups' means, standard deviations and sizes.

    Positive when group 1 (the intervention group) has the higher mean.

    Parameters
    ----------
    mean1, sd1, n1 : float, float, int
        Group 1 (intervention): mean, standard deviation (ddof = 1), pupils.
    mean2, sd2, n2 : float, float, int
        Group 2 (comparison).
    ci : {"nct", "normal"}, default "nct"
        Noncentral-t interval (exact under normality) or the Hedges-Olkin
        normal approximation.
    confidence : float, default 0.95

    Returns
    -------
    EffectSize
        ``estimate`` (g), ``ci_low``, ``ci_high``, ``n`` (n1 + n2), ``n1``,
        ``n2``, ``method``, ``ci_method``, ``confidence``, ``symbol`` ("g"),
        ``paired`` (False), ``n_dropped`` (0).

    Raises
    ------
    StatsError
        A mean or SD that is not a finite number, a negative SD, a group of
        fewer than 2, both SDs zero, or an unknown option.

    Notes
    -----
    ::

        s_pooled = sqrt(((n1-1) sd1² + (n2-1) sd2²) / (n1 + n2 - 2))
        d = (mean1 - mean2) / s_pooled,   g = J(n1 + n2 - 2) d

    with the exact correction J of
    :func:`~slc_research.stats.effect_sizes.hedges_correction`; the interval
    is computed for d and multiplied by J, as in
    :func:`~slc_research.stats.effect_sizes.hedges_g` (whose Notes give both
    intervals). The normal interval uses ``Var(d) = (n1+n2)/(n1 n2) +
    d²/(2(n1+n2))`` and ``Var(g) = J² Var(d)`` (Borenstein et al., 2009, ch. 4).

    References
    ----------
    Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009).
    *Introduction to meta-analysis*, ch. 4. Wiley.

    Lakens, D. (2013). Calculating and reporting effect sizes to facilitate
    cumulative science: a practical primer for t-tests and ANOVAs.
    *Frontiers in Psychology*, 4, 863.

    Examples
    --------
    Borenstein et al.'s (2009, ch. 4) worked example:

    >>> print(hedges_g_from_summary(103, 5.5, 50, 100, 4.5, 50, ci="normal"))
    g = 0.59, 95% CI [0.19, 0.99], n = 100
    """
    return _pooled(mean1, sd1, n1, mean2, sd2, n2, ci, confidence, True)


def cohens_d_from_summary(mean1: float, sd1: float, n1: int, mean2: float, sd2: float,
                          n2: int, *, ci: CiMethod = "nct",
                          confidence: float = 0.95) -> EffectSize:
    """Cohen's d (pooled SD, not bias-corrected) from means, SDs and ns.

    As :func:`hedges_g_from_summary` without the correction J; it overstates
    the effect slightly in small samples. Symbol ``"d"``.

    Examples
    --------
    >>> print(cohens_d_from_summary(103, 5.5, 50, 100, 4.5, 50, ci="normal"))
    d = 0.60, 95% CI [0.20, 1.00], n = 100
    """
    return _pooled(mean1, sd1, n1, mean2, sd2, n2, ci, confidence, False)


def glass_delta_from_summary(mean1: float, sd1: float, n1: int, mean2: float, sd2: float,
                             n2: int, *, ci: CiMethod = "nct",
                             confidence: float = 0.95) -> EffectSize:
    """Glass's Δ from means, SDs and ns: the difference in comparison-group SDs.

    Group 2 is the comparison group; ``sd1`` is checked but not used. The
    interval is that of :func:`~slc_research.stats.glass.glass_delta`
    (noncentral t with n2 - 1 degrees of freedom, or the Hedges-Olkin normal
    approximation with ``Var = (n1+n2)/(n1 n2) + Δ²/(2(n2-1))``).

    Examples
    --------
    >>> print(glass_delta_from_summary(8.7, 0.82, 10, 7.7, 0.95, 10))
    Δ = 1.05, 95% CI [0.03, 2.03], n = 20
    """
    m1, _s1, a, m2, s2, b = _inputs(mean1, sd1, n1, mean2, sd2, n2, ci, confidence)
    if not s2 > 0:
        raise StatsError("the comparison group's SD is 0, so Glass's delta cannot be "
                         "computed; use Hedges' g")
    delta = (m1 - m2) / s2
    lo, hi = glass_interval(delta, a, b, ci=ci, confidence=confidence)
    return EffectSize(float(delta), float(lo), float(hi), a + b, a, b,
                      "Glass's delta (SD of the comparison group; from summary statistics)",
                      ci, confidence, "Δ", False, 0)
