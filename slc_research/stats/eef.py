"""Putting an effect size in context, the way the EEF does.

- :func:`months_progress`: the EEF Teaching and Learning Toolkit's
  translation of an effect size into months of additional progress, with its
  caveat;
- :func:`mdes`: the minimum detectable effect size of a comparison: how
  large an effect must be before a study of this size would reliably see it.

:func:`~slc_research.stats.evidence.strength_of_evidence` builds on both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from numbers import Real
from typing import Any

from scipy import optimize, stats
from statsmodels.stats.power import TTestIndPower

from slc_research.errors import StatsError
from slc_research.stats.inputs import finite_number, whole_number
from slc_research.stats.results import ResultMixin, format_number

__all__ = ["MONTHS_CAVEAT", "OUTCOME_KINDS", "Mdes", "MonthsProgress", "mdes", "months_progress"]

#: What an outcome measures; months' progress is defined for ``"attainment"`` only.
OUTCOME_KINDS = ("attainment", "attitude", "wellbeing", "attendance", "behaviour", "other")

#: Upper band edges of the EEF Toolkit table, in hundredths of an SD, with the
#: months they give; 0.96 and above is 12 months.
_MONTHS_BANDS = ((1, 0), (9, 1), (18, 2), (26, 3), (35, 4), (44, 5), (52, 6), (61, 7),
                 (69, 8), (78, 9), (87, 10), (95, 11))

#: The caveat every months'-progress figure carries.
MONTHS_CAVEAT = (
    "Months' progress is the EEF Teaching and Learning Toolkit's translation of an effect "
    "size, derived from the typical progress of primary-age pupils on attainment tests "
    "(about one standard deviation a year). For older pupils, for attitudes, wellbeing or "
    "attendance, and for small samples it is a rough guide only: report the effect size and "
    "its confidence interval with it.")


@dataclass(frozen=True)
class MonthsProgress(ResultMixin):
    """An effect size as months of additional progress (EEF Toolkit table).

    Attributes
    ----------
    estimate : int
        Months (negative for a negative effect). ``int(result)`` gives it too.
    ci_low, ci_high : float
        Months for the bounds of the effect size's interval, when one was
        given; NaN otherwise.
    effect_size : float
        The effect size as given.
    effect_size_rounded : float
        Rounded to 2 decimal places (half away from zero), as the table is read.
    n : int or None
        The effect size's sample size, when known.
    method : str
    caveat : str
        :data:`MONTHS_CAVEAT`.
    confidence : float
    """

    estimate: int
    ci_low: float
    ci_high: float
    effect_size: float
    effect_size_rounded: float
    n: int | None = None
    method: str = "EEF Teaching and Learning Toolkit months' progress table"
    caveat: str = MONTHS_CAVEAT
    confidence: float = 0.95

    def __int__(self) -> int:
        return self.estimate

    @property
    def statement(self) -> str:
        """The months with their caveat, as a report must print them."""
        return f"{self}. {self.caveat}"

    def __str__(self) -> str:
        text = f"{_months_text(self.estimate)} (effect size {self.effect_size_rounded:.2f}"
        if not (math.isnan(self.ci_low) or math.isnan(self.ci_high)):
            text += (f"; {self.confidence * 100:g}% CI {_signed(self.ci_low)} to "
                     f"{_signed(self.ci_high)} months")
        return text + ")"


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


def months_progress(effect_size: float | Any, *, outcome_kind: str) -> MonthsProgress:
    """Months of additional progress for an attainment effect size, per the EEF Toolkit table.

    Parameters
    ----------
    effect_size : float or result
        A standardised effect size (e.g. Hedges' g), or a result object with
        ``estimate``, ``ci_low`` and ``ci_high`` (an
        :class:`~slc_research.stats.effect_sizes.EffectSize`), whose interval
        is then translated too.
    outcome_kind : str
        What the outcome measures, one of :data:`OUTCOME_KINDS`. Months'
        progress is only given for ``"attainment"`` (test scores, grades):
        the table comes from attainment tests and says nothing about
        attitudes, wellbeing, attendance or behaviour.

    Returns
    -------
    MonthsProgress
        ``estimate`` (months), ``ci_low``, ``ci_high`` (months for the
        interval's bounds, or NaN), ``effect_size``, ``effect_size_rounded``,
        ``n``, ``method``, ``caveat``. ``int(result)`` gives the months.

    Raises
    ------
    StatsError
        An effect size that is not a finite number; an outcome that is not
        attainment (report the effect size and its interval instead).

    Notes
    -----
    The effect size is rounded to two decimal places (half away from zero)
    and looked up in the table (EEF, 2018/2021):

    ===========  ======  ===========  ======
    effect size  months  effect size  months
    ===========  ======  ===========  ======
    -0.01-0.01   0       0.53-0.61    7
    0.02-0.09    1       0.62-0.69    8
    0.10-0.18    2       0.70-0.78    9
    0.19-0.26    3       0.79-0.87    10
    0.27-0.35    4       0.88-0.95    11
    0.36-0.44    5       0.96 and up  12
    0.45-0.52    6
    ===========  ======  ===========  ======

    A negative effect size gives the same number of months, negative. The
    table assumes about one SD of progress a year in primary school; see
    :data:`MONTHS_CAVEAT`.

    References
    ----------
    Education Endowment Foundation (2021). *Teaching and Learning Toolkit:
    guide to the Toolkit* (technical appendix: "Converting effect sizes to
    months' progress"). London: EEF.

    Higgins, S., Katsipataki, M., Kokotsaki, D., Coleman, R., Major, L. E., &
    Coe, R. (2013). *The Sutton Trust-Education Endowment Foundation Teaching
    and Learning Toolkit: technical appendix*. London: EEF.

    Examples
    --------
    >>> int(months_progress(0.25, outcome_kind="attainment"))
    3
    >>> print(months_progress(-0.19, outcome_kind="attainment"))
    -3 months' progress (effect size -0.19)
    """
    if outcome_kind not in OUTCOME_KINDS:
        raise StatsError(f"outcome_kind must be one of {list(OUTCOME_KINDS)}; "
                         f"got {outcome_kind!r}")
    if outcome_kind != "attainment":
        raise StatsError(f"months' progress is only meaningful for attainment outcomes, not "
                         f"{outcome_kind}: the EEF table comes from attainment tests. Report "
                         "the effect size and its confidence interval instead.")
    n = getattr(effect_size, "n", None)
    confidence = getattr(effect_size, "confidence", 0.95)
    if hasattr(effect_size, "estimate"):
        value = finite_number(effect_size.estimate, "the effect size's estimate")
        low = getattr(effect_size, "ci_low", math.nan)
        high = getattr(effect_size, "ci_high", math.nan)
        bounds = [math.nan, math.nan]
        if low is not None and high is not None and not (math.isnan(low) or math.isnan(high)):
            bounds = [float(_lookup(_round2(finite_number(low, "ci_low")))),
                      float(_lookup(_round2(finite_number(high, "ci_high"))))]
    else:
        value = finite_number(effect_size, "effect_size")
        bounds = [math.nan, math.nan]
    rounded = _round2(value)
    return MonthsProgress(_lookup(rounded), bounds[0], bounds[1], value, float(rounded),
                          n if isinstance(n, int) else None, confidence=float(confidence))


def mdes(n_treated: int, n_comparison: int, *, power: float = 0.8, alpha: float = 0.05,
         pretest_correlation: float | None = None, icc: float | None = None,
         cluster_size: float | None = None, n_clusters: int | None = None) -> Mdes:
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
                _lookup(_round2(value)), "; ".join(parts))


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
                rho, m, _lookup(_round2(value)), method)


def _round2(value: float) -> Decimal:
    """Round to 2 dp, half away from zero, on the decimal digits a person reads."""
    return Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _lookup(rounded: Decimal) -> int:
    hundredths = int(abs(rounded) * 100)
    months = next((m for edge, m in _MONTHS_BANDS if hundredths <= edge), 12)
    return -months if rounded < 0 else months


def _months_text(months: float) -> str:
    word = "month's" if abs(months) == 1 else "months'"
    return f"{months:+.0f} {word} progress" if months else f"0 {word} progress"


def _signed(value: float) -> str:
    return f"{value:+.0f}" if value else "0"
