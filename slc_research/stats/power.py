"""How large an effect must be before a study of this size would reliably see it.

:func:`mdes`: the minimum detectable effect size (MDES) of a two-group
comparison, for independent pupils, after a pre-test adjustment, and for
pupils in several schools (PowerUp!'s two-level formula with an intraclass
correlation). :func:`~slc_research.stats.evidence.strength_of_evidence` rates it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

from scipy import optimize, stats
from statsmodels.stats.power import TTestIndPower

from slc_research.errors import StatsError
from slc_research.stats.eef import months_progress
from slc_research.stats.inputs import finite_number, whole_number
from slc_research.stats.results import ResultMixin, format_number

__all__ = ["Mdes", "mdes"]


@dataclass(frozen=True)
class Mdes(ResultMixin):
    """A minimum detectable effect size.

    Attributes
    ----------
    estimate : float
        The MDES in standard deviations, after any adjustment.
    ci_low, ci_high : float
        NaN (a design quantity, not an estimate from data).
    n : int
        n_treated + n_comparison.
    n_treated, n_comparison : int
    power, alpha : float
    mdes_unadjusted : float
        For independent pupils with no pre-test adjustment.
    design_effect : float
        ``1 + (m - 1) ICC`` (1 without clustering).
    pretest_correlation : float or None
    icc : float or None
    cluster_size : float or None
    months : int
        The MDES as EEF months' progress: meaningful for attainment outcomes
        only, and always to be printed with :data:`MONTHS_CAVEAT`.
    method : str
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    n_treated: int
    n_comparison: int
    power: float
    alpha: float
    mdes_unadjusted: float
    design_effect: float
    pretest_correlation: float | None
    icc: float | None
    cluster_size: float | None
    months: int
    method: str

    def __str__(self) -> str:
        alpha = f"{self.alpha:g}".lstrip("0")
        return (f"MDES = {format_number(self.estimate)} ({self.power * 100:g}% power, "
                f"two-sided α = {alpha}; n = {self.n_treated} + {self.n_comparison})")


def mdes(n_treated: int, n_comparison: int, *, power: float = 0.8, alpha: float = 0.05,
         pretest_correlation: float | None = None, icc: float | None = None,
         cluster_size: float | None = None, n_clusters: int | None = None,
         within_schools: bool = False) -> Mdes:
    """The minimum detectable effect size of a two-group comparison.

    The smallest true effect (in SD units) that a study of this size would
    find statistically significant with the given power. If it is larger than
    the effects such approaches usually have (0.1-0.3 SD), a non-significant
    result says little.

    Parameters
    ----------
    n_treated, n_comparison : int
        Pupils analysed in each group (at least 2 each).
    power : float, default 0.8
    alpha : float, default 0.05
        Two-sided significance level.
    pretest_correlation : float, optional
        Correlation between pre-test and post-test, when the analysis
        adjusts for the pre-test (:func:`~slc_research.stats.models.ancova`).
    icc : float, optional
        Intraclass correlation when pupils come from several classes or
        schools (e.g. 0.1-0.2 for attainment between schools); needs
        ``cluster_size`` or ``n_clusters``.
    cluster_size : float, optional
        Average pupils per class or school.
    n_clusters : int, optional
        How many classes or schools (at least 3). With ``icc`` the MDES is
        PowerUp!'s for a two-level design (Dong & Maynard, 2013), on
        ``n_clusters - 2`` degrees of freedom, with clusters of
        ``(n_treated + n_comparison) / n_clusters`` pupils.
    within_schools : bool, default False
        With ``icc`` and ``n_clusters`` (at least 2): both groups are found in
        every school and are compared within their school (school fixed
        effects), as members of a community are compared with other pupils of
        their own schools. The MDES is then PowerUp!'s blocked individual
        design (BIRA2_1c, Dong & Maynard, 2013, model 2.1): the schools'
        share of the variance drops out instead of inflating it.

    Returns
    -------
    Mdes
        ``estimate`` (the MDES), ``n``, ``n_treated``, ``n_comparison``,
        ``power``, ``alpha``, ``mdes_unadjusted``, ``design_effect``,
        ``pretest_correlation``, ``icc``, ``cluster_size``, ``months``,
        ``method``; ``ci_low`` and ``ci_high`` are NaN.

    Raises
    ------
    StatsError
        Fewer than 2 pupils in a group, a power, alpha, correlation or ICC
        out of range, an ICC without a cluster size (or the reverse).

    Notes
    -----
    The unadjusted MDES solves the power equation of the two-sample t test
    for the effect size δ::

        P(|T| > t(1-α/2, n1+n2-2) | T ~ t(n1+n2-2, λ)) = power,
        λ = δ sqrt(n1 n2 / (n1 + n2))

    (``statsmodels.stats.power.TTestIndPower().solve_power``; Cohen, 1988).
    Two adjustments are then multiplied in (Bloom, 1995, 2006):

    - adjusting for a pre-test with correlation r leaves ``1 - r²`` of the
      outcome variance (Borm et al., 2007): MDES × sqrt(1 - r²);
    - when pupils come in clusters of m with intraclass correlation ρ, the
      variance is inflated by the design effect ``1 + (m - 1) ρ`` (Kish,
      1965): MDES × sqrt(1 + (m - 1) ρ).

    These multipliers treat the t distribution's degrees of freedom as
    unchanged, which is accurate unless the groups are tiny (or the clusters
    few); with only a handful of classes or schools the true MDES is larger.

    With ``n_clusters`` J (and ``icc`` ρ) the MDES is instead PowerUp!'s
    two-level formula (Bloom, 2005; Dong & Maynard, 2013, model 3.1), with
    n = N / J pupils per cluster and P = n_treated / N::

        MDES = M(J - 2) sqrt(ρ (1 - R²) / (P (1 - P) J)
                             + (1 - ρ)(1 - R²) / (P (1 - P) J n)),
        M(df) = t(1 - α/2, df) + t(power, df)

    where R² = r² when a pre-test is adjusted for (taken to explain the same
    share at both levels) and 0 otherwise. Without the ρ terms this is the
    design effect ``1 + (n - 1) ρ`` applied to the pupils' variance. It
    treats whole clusters as if they were in one group; when both groups
    are found in every school it overstates the MDES (a cautious figure).

    With ``within_schools=True`` the comparison is made inside each school,
    so the school indicators explain the share ρ of the variance
    (R₁² = 1 - (1 - ρ)(1 - r²) in PowerUp!'s notation) and, N pupils in J
    schools, the MDES is the blocked individual design's (BIRA2_1c)::

        MDES = M(N - J - 1) sqrt((1 - ρ)(1 - r²) / (P (1 - P) N))

    (r = 0 without a pre-test). It assumes the effect is the same in every
    school; with few schools that cannot be checked.

    References
    ----------
    Bloom, H. S. (1995). Minimum detectable effects: a simple way to report the
    statistical power of experimental designs. *Evaluation Review*, 19(5), 547-556.

    Bloom, H. S. (2006). *The core analytics of randomized experiments for
    social research*. MDRC Working Papers on Research Methodology.

    Borm, G. F., Fransen, J., & Lemmens, W. A. J. G. (2007). A simple sample
    size formula for analysis of covariance in randomized clinical trials.
    *Journal of Clinical Epidemiology*, 60(12), 1234-1238.

    Cohen, J. (1988). *Statistical power analysis for the behavioral sciences*
    (2nd ed.). Erlbaum.

    Bloom, H. S. (2005). Randomizing groups to evaluate place-based programs.
    In H. S. Bloom (Ed.), *Learning more from social experiments*. Russell Sage.

    Dong, N., & Maynard, R. (2013). PowerUp!: a tool for calculating minimum
    detectable effect sizes and minimum required sample sizes for experimental
    and quasi-experimental design studies. *Journal of Research on
    Educational Effectiveness*, 6(1), 24-67.

    Kish, L. (1965). *Survey sampling*. Wiley.

    Examples
    --------
    >>> print(mdes(64, 64))
    MDES = 0.50 (80% power, two-sided α = .05; n = 64 + 64)
    """
    n_t, n_c = whole_number(n_treated, "n_treated"), whole_number(n_comparison, "n_comparison")
    if n_t < 2 or n_c < 2:
        raise StatsError(f"an MDES needs at least 2 pupils in each group; got {n_t} and {n_c}")
    for value, name in ((power, "power"), (alpha, "alpha")):
        if not (isinstance(value, Real) and 0 < value < 1):
            raise StatsError(f"{name} must be between 0 and 1 (e.g. 0.8 and 0.05); "
                             f"got {value!r}")
    if power <= alpha:
        raise StatsError(f"power ({power}) must be larger than alpha ({alpha})")
    shrink = 1.0
    if pretest_correlation is not None:
        r = finite_number(pretest_correlation, "pretest_correlation")
        if not -1 < r < 1:
            raise StatsError(f"pretest_correlation must be between -1 and 1; got {r}")
        shrink = 1 - r**2
    if within_schools:
        return _within_schools_mdes(n_t, n_c, power=float(power), alpha=float(alpha),
                                    pretest_correlation=pretest_correlation, icc=icc,
                                    n_clusters=n_clusters, shrink=shrink)
    if n_clusters is not None:
        return _clustered_mdes(n_t, n_c, power=float(power), alpha=float(alpha),
                               pretest_correlation=pretest_correlation, icc=icc,
                               n_clusters=n_clusters, shrink=shrink)
    if (icc is None) != (cluster_size is None):
        raise StatsError("give both icc and cluster_size (average pupils per class or "
                         "school) or n_clusters, or neither")
    design_effect = 1.0
    if icc is not None:
        rho, m = finite_number(icc, "icc"), finite_number(cluster_size, "cluster_size")
        if not 0 <= rho < 1:
            raise StatsError(f"icc must be between 0 and 1; got {rho}")
        if m < 1:
            raise StatsError(f"cluster_size must be at least 1; got {m}")
        design_effect = 1 + (m - 1) * rho
    # statsmodels' solve_power can land on the negative root for unequal groups
    # (e.g. 70 v 1527 gives -0.34), so bracket the positive root ourselves
    analysis = TTestIndPower()

    def shortfall(d: float) -> float:
        reached = float(analysis.power(effect_size=d, nobs1=n_t, alpha=alpha, ratio=n_c / n_t,
                                       alternative="two-sided"))
        # far above the target, statsmodels' noncentral t can give NaN for a power of ~1
        return (1.0 if math.isnan(reached) else reached) - power

    # start from twice the normal approximation (Bloom, 1995), where the power is finite
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    high = max(2 * z * math.sqrt(1 / n_t + 1 / n_c), 1e-3)
    while shortfall(high) < 0 and high < 16:  # widen until the power target is passed
        high *= 2
    base = float(optimize.brentq(shortfall, 1e-6, high, xtol=1e-12))
    if not (math.isfinite(base) and base > 0):
        raise StatsError(f"could not solve for the MDES with n = {n_t} and {n_c}")
    value = base * math.sqrt(design_effect * shrink)
    parts = ["two-sample t test power (statsmodels TTestIndPower)"]
    if pretest_correlation is not None:
        parts.append(f"pre-test adjustment r = {pretest_correlation:g}")
    if icc is not None:
        parts.append(f"design effect {design_effect:.2f} (ICC {icc:g}, clusters of "
                     f"{cluster_size:g})")
    return Mdes(value, math.nan, math.nan, n_t + n_c, n_t, n_c, float(power), float(alpha),
                base, design_effect,
                None if pretest_correlation is None else float(pretest_correlation),
                None if icc is None else float(icc),
                None if cluster_size is None else float(cluster_size),
                _months(value), "; ".join(parts))


# --- internals -------------------------------------------------------------------------------

def _clustered_mdes(n_t: int, n_c: int, *, power: float, alpha: float,
                    pretest_correlation: float | None, icc: float | None, n_clusters: int,
                    shrink: float) -> Mdes:
    """PowerUp!'s two-level MDES (Dong & Maynard, 2013, model 3.1); see :func:`mdes`."""
    j = whole_number(n_clusters, "n_clusters")
    if j < 3:
        raise StatsError(f"n_clusters must be at least 3 (the MDES has n_clusters - 2 degrees "
                         f"of freedom); got {j}")
    if icc is None:
        raise StatsError("n_clusters needs icc (the share of the variance between schools, "
                         "e.g. 0.1-0.2 for attainment)")
    rho = finite_number(icc, "icc")
    if not 0 <= rho < 1:
        raise StatsError(f"icc must be between 0 and 1; got {rho}")
    total = n_t + n_c
    m, p, df = total / j, n_t / total, j - 2
    multiplier = stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)
    pq = p * (1 - p)
    value = float(multiplier * math.sqrt(rho * shrink / (pq * j)
                                         + (1 - rho) * shrink / (pq * j * m)))
    base = mdes(n_t, n_c, power=power, alpha=alpha).estimate
    method = (f"PowerUp! two-level MDES (Dong & Maynard, 2013): {j} clusters of {m:.1f} "
              f"pupils, ICC {rho:g}, t on {df} df")
    if pretest_correlation is not None:
        method += f"; pre-test adjustment r = {pretest_correlation:g}"
    return Mdes(value, math.nan, math.nan, total, n_t, n_c, power, alpha, base,
                1 + (m - 1) * rho,
                None if pretest_correlation is None else float(pretest_correlation),
                rho, m, _months(value), method)


def _within_schools_mdes(n_t: int, n_c: int, *, power: float, alpha: float,
                         pretest_correlation: float | None, icc: float | None,
                         n_clusters: int | None, shrink: float) -> Mdes:
    """PowerUp!'s blocked individual design (BIRA2_1c, constant effect); see :func:`mdes`."""
    if icc is None or n_clusters is None:
        raise StatsError("within_schools needs icc and n_clusters (the schools the pupils "
                         "come from)")
    j = whole_number(n_clusters, "n_clusters")
    rho = finite_number(icc, "icc")
    if not 0 <= rho < 1:
        raise StatsError(f"icc must be between 0 and 1; got {rho}")
    total = n_t + n_c
    if j < 2 or total - j - 1 < 1:
        raise StatsError(f"a comparison within schools needs at least 2 schools and more "
                         f"pupils than schools; got {j} schools and {total} pupils")
    p, df = n_t / total, total - j - 1
    multiplier = stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)
    value = float(multiplier * math.sqrt((1 - rho) * shrink / (p * (1 - p) * total)))
    base = mdes(n_t, n_c, power=power, alpha=alpha).estimate
    method = (f"PowerUp! blocked individual design (BIRA2_1c; Dong & Maynard, 2013): pupils "
              f"compared within {j} schools, ICC {rho:g}, t on {df} df")
    if pretest_correlation is not None:
        method += f"; pre-test adjustment r = {pretest_correlation:g}"
    return Mdes(value, math.nan, math.nan, total, n_t, n_c, power, alpha, base, 1.0,
                None if pretest_correlation is None else float(pretest_correlation),
                rho, total / j, _months(value), method)


def _months(value: float) -> int:
    """The MDES as EEF months (attainment outcomes only; see ``MONTHS_CAVEAT``)."""
    return months_progress(value, outcome_kind="attainment").estimate
