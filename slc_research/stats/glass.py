"""Glass's delta: a difference in means in units of the comparison group's SD.

Kept apart from :mod:`slc_research.stats.effect_sizes` (whose result type,
:class:`~slc_research.stats.effect_sizes.EffectSize`, it returns) only to keep
modules short.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats.effect_sizes import EffectSize
from slc_research.stats.inputs import (
    as_floats,
    check_confidence,
    nct_limits,
    need,
    need_spread,
)

__all__ = ["glass_delta"]


def glass_delta(x: Iterable[float], y: Iterable[float], *, ci: Literal["nct", "normal"] = "nct",
                confidence: float = 0.95) -> EffectSize:
    """Glass's Δ: the difference in means in units of the comparison group's SD.

    Use it instead of :func:`hedges_g` when the intervention may have changed
    the spread of the outcome (e.g. a programme that mostly helps the lowest
    attainers): the comparison group's SD is then the only one untouched by it.
    Positive when ``x`` (the intervention group) is higher than ``y`` (the
    comparison group).

    Parameters
    ----------
    x : array-like of float
        The intervention group; missing values are left out.
    y : array-like of float
        The comparison group, whose SD is the standardiser; missing values
        are left out.
    ci : {"nct", "normal"}, default "nct"
        Noncentral t (exact under normality with equal population variances)
        or the Hedges-Olkin normal approximation.
    confidence : float, default 0.95

    Returns
    -------
    EffectSize
        ``estimate`` (Δ, not bias-corrected), ``ci_low``, ``ci_high``, ``n``,
        ``n1``, ``n2``, ``method``, ``ci_method``, ``confidence``, ``symbol``
        (``"Δ"``), ``paired`` (False) and ``n_dropped``; see
        :class:`~slc_research.stats.effect_sizes.EffectSize`.

    Raises
    ------
    StatsError
        Fewer than 2 values in a group, no spread in the comparison group,
        non-numeric values or an unknown option.

    Notes
    -----
    With means m1 (x), m2 (y), the comparison group's SD s2 and sizes n1, n2::

        Δ = (m1 - m2) / s2

    (Glass, 1976). Under normality and equal population variances
    ``Δ / sqrt(1/n1 + 1/n2)`` follows a noncentral t distribution with
    ``n2 - 1`` degrees of freedom (only s2 estimates the standardiser) and
    noncentrality ``δ / sqrt(1/n1 + 1/n2)`` (Hedges, 1981); the ``"nct"``
    interval inverts it as
    :func:`~slc_research.stats.effect_sizes.hedges_g` does. The ``"normal"`` interval is
    ``Δ ± z sqrt((n1 + n2)/(n1 n2) + Δ² / (2 (n2 - 1)))`` (Hedges & Olkin,
    1985, ch. 5). Both assume equal population variances for the interval
    (not for Δ itself); when the spreads differ markedly their coverage can
    fall short (Algina, Keselman & Penfield, 2006): prefer
    :func:`~slc_research.stats.bootstrap.bootstrap_ci` for the raw difference
    then. Δ is slightly biased upwards in small samples; Hedges' unbiased
    version is ``J(n2 - 1) Δ``
    (:func:`~slc_research.stats.effect_sizes.hedges_correction`).

    References
    ----------
    Algina, J., Keselman, H. J., & Penfield, R. D. (2006). Confidence intervals
    for an effect size when variances are not equal. *Journal of Modern
    Applied Statistical Methods*, 5(1), 2-13.

    Glass, G. V. (1976). Primary, secondary, and meta-analysis of research.
    *Educational Researcher*, 5(10), 3-8.

    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect
    size and related estimators. *Journal of Educational Statistics*, 6(2), 107-128.

    Hedges, L. V., & Olkin, I. (1985). *Statistical methods for meta-analysis*,
    ch. 5. Academic Press.

    Examples
    --------
    >>> print(glass_delta([9, 7, 8, 9, 8, 9, 9, 10, 9, 9], [9, 6, 7, 8, 7, 9, 8, 8, 8, 7]))
    Δ = 1.05, 95% CI [0.03, 2.03], n = 20
    """
    check_confidence(confidence)
    if ci not in ("nct", "normal"):
        raise StatsError(f"ci must be 'nct' or 'normal', not {ci!r}")
    x_, dx = as_floats(x, "x")
    y_, dy = as_floats(y, "y")
    n1, n2 = len(x_), len(y_)
    need(n1, 2, "values in the intervention group (x)")
    need(n2, 2, "values in the comparison group (y)")
    s2 = float(y_.std(ddof=1))
    need_spread(s2, "the comparison group (y)",
                 "its SD is zero and Glass's delta cannot be computed; use hedges_g")
    delta = (x_.mean() - y_.mean()) / s2
    lo, hi = glass_interval(delta, n1, n2, ci=ci, confidence=confidence)
    return EffectSize(float(delta), float(lo), float(hi), n1 + n2, n1, n2,
                      "Glass's delta (SD of the comparison group)", ci, confidence, "Δ",
                      False, dx + dy)


def glass_interval(delta: float, n1: int, n2: int, *, ci: str,
                   confidence: float) -> tuple[float, float]:
    """The confidence interval of Glass's delta with ``n2`` pupils in the comparison group.

    Noncentral t (``ci="nct"``) or the normal approximation of Hedges & Olkin (1985).
    """
    scale = math.sqrt(1 / n1 + 1 / n2)
    if ci == "nct":
        lo, hi = (b * scale for b in nct_limits(delta / scale, n2 - 1, confidence))
        return lo, hi
    z = stats.norm.ppf(0.5 + confidence / 2)
    se = math.sqrt(scale**2 + delta**2 / (2 * (n2 - 1)))
    return delta - z * se, delta + z * se
