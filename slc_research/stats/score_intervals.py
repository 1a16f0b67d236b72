"""Score intervals for proportions: Wilson's for one, Newcombe's for a paired change.

Small leaves used by :mod:`slc_research.stats.proportions` and
:mod:`slc_research.stats.paired_pooling`.
"""

from __future__ import annotations

import math

from statsmodels.stats.proportion import proportion_confint

__all__ = ["newcombe_paired_interval", "wilson_bounds"]


def newcombe_paired_interval(a: int, b: int, c: int, d: int,
                             confidence: float) -> tuple[float, float]:
    """Newcombe's (1998c) method 10 interval for p_after - p_before of paired yes/no answers.

    Parameters
    ----------
    a, b, c, d : int
        yes/yes, yes/no (before/after), no/yes and no/no counts.
    confidence : float

    Returns
    -------
    (float, float)
        The interval's bounds, within [-1, 1].

    References
    ----------
    Newcombe, R. G. (1998c). Improved confidence intervals for the difference
    between binomial proportions based on paired data. *Statistics in
    Medicine*, 17(22), 2635-2650.
    """
    n = a + b + c + d
    alpha = 1 - confidence
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson_bounds(a + b, n, alpha)
    l2, u2 = wilson_bounds(a + c, n, alpha)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    phi = 0.0
    if margins > 0:
        cross = a * d - b * c
        if cross > n / 2:
            phi = (cross - n / 2) / math.sqrt(margins)
        elif cross < 0:
            phi = cross / math.sqrt(margins)
    down = math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2)
                         + (p2 - l2) ** 2))
    up = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2)
                       + (u2 - p2) ** 2))
    return max(-1.0, p2 - p1 - down), min(1.0, p2 - p1 + up)


def wilson_bounds(k: int, n: int, alpha: float) -> tuple[float, float]:
    """The Wilson interval of statsmodels, with the bound exactly 0 (1) when k = 0 (k = n).

    Parameters
    ----------
    k, n : int
        Yes answers and pupils asked (n >= 1).
    alpha : float
        1 - confidence.

    Returns
    -------
    (float, float)
    """
    lo, hi = proportion_confint(k, n, alpha=alpha, method="wilson")
    return (0.0 if k == 0 else float(lo)), (1.0 if k == n else float(hi))
