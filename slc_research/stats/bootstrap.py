"""Bootstrap confidence intervals for a difference in means or medians.

:func:`bootstrap_ci` resamples the pupils themselves, so it needs no
assumption about the shape of the scores: useful for skewed outcomes
(behaviour points, absence) and for medians, which have no simple formula.
Seeded, so the same data and seed always give the same interval.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats.inputs import (
    as_floats,
    check_choice,
    check_confidence,
    complete_pairs,
    need,
)
from slc_research.stats.results import ResultMixin, format_ci, format_number

__all__ = ["BootstrapResult", "bootstrap_ci"]

#: The default seed: reports are reproducible unless a seed is chosen.
DEFAULT_SEED = 20251

_STATISTICS = {"mean": np.mean, "median": np.median}


@dataclass(frozen=True)
class BootstrapResult(ResultMixin):
    """A difference with its bootstrap confidence interval.

    Attributes
    ----------
    estimate : float
        statistic(x) - statistic(y) on the data.
    ci_low, ci_high : float
        The bootstrap interval (BCa; percentile where BCa is undefined).
    n : int
        n1 + n2 for independent groups; complete pairs for paired data.
    n1, n2 : int
    method : str
    statistic : str
        ``"mean"`` or ``"median"``.
    interval : str
        ``"BCa"``, or ``"percentile"`` where BCa is undefined (see
        :func:`bootstrap_ci`).
    paired : bool
    standard_error : float
        Standard deviation of the bootstrap distribution.
    n_resamples : int
    seed : int
    confidence : float
    n_dropped : int
        Missing values (or incomplete pairs) left out.
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    n1: int
    n2: int
    method: str
    statistic: str
    interval: str
    paired: bool
    standard_error: float
    n_resamples: int
    seed: int
    confidence: float = 0.95
    n_dropped: int = 0

    def __str__(self) -> str:
        return (f"difference in {self.statistic}s = {format_number(self.estimate)}, "
                f"{format_ci(self.ci_low, self.ci_high, self.confidence)} ({self.interval} "
                f"bootstrap), "
                f"n = {self.n}")


def bootstrap_ci(x: Iterable[float], y: Iterable[float], *,
                 statistic: Literal["mean", "median"] = "mean", paired: bool = False,
                 n_resamples: int = 9999, seed: int = DEFAULT_SEED,
                 confidence: float = 0.95) -> BootstrapResult:
    """A BCa bootstrap interval for a difference in means or medians (x minus y).

    Parameters
    ----------
    x, y : array-like of float
        The two samples; for paired data ``x[i]`` and ``y[i]`` are the same
        pupil (e.g. after and before). Missing values are left out (whole
        pairs for paired data).
    statistic : {"mean", "median"}, default "mean"
    paired : bool, default False
        Resample pupils (pairs) rather than each group separately.
    n_resamples : int, default 9999
        At least 1000.
    seed : int, default 20251
        Seed of the random number generator: the same data and seed give
        the same interval.
    confidence : float, default 0.95

    Returns
    -------
    BootstrapResult
        ``estimate``, ``ci_low``, ``ci_high``, ``n``, ``n1``, ``n2``,
        ``method``, ``statistic``, ``interval``, ``paired``, ``standard_error``,
        ``n_resamples``, ``seed``, ``confidence``, ``n_dropped``.

    Raises
    ------
    StatsError
        Fewer than 2 values per group (or 2 pairs), non-numeric values, an
        unknown option, or a difference that is the same in every resample
        (the message suggests what to use instead).

    Notes
    -----
    Each resample draws n1 values from x and n2 from y with replacement
    (pairs together when ``paired``) and computes
    ``θ* = statistic(x*) - statistic(y*)``. The bias-corrected and
    accelerated (BCa) interval takes the percentiles

        α1 = Φ(z0 + (z0 + z_α/2) / (1 - a (z0 + z_α/2))),  likewise α2 with z_(1-α/2)

    of the θ*, where z0 = Φ⁻¹(share of θ* below θ̂) corrects for bias and the
    acceleration a comes from the jackknife (Efron, 1987; Efron & Tibshirani,
    1993, ch. 14). Computed with ``scipy.stats.bootstrap(method="BCa")``
    and a ``numpy.random.default_rng(seed)`` generator. When the jackknife
    statistics are all equal (typical for a median of Likert answers, where
    leaving one pupil out rarely moves the median) the acceleration is 0/0 and
    BCa is undefined; the interval is then the percentile interval of the same
    resamples (the 100·α/2 and 100·(1-α/2) percentiles of θ*), and
    ``interval`` says so. For paired data the
    statistic is the difference of the two medians (or means), not the median
    of the changes. With fewer than about 15 pupils per group any bootstrap
    interval is too narrow; say so in a report.

    References
    ----------
    Efron, B. (1987). Better bootstrap confidence intervals. *JASA*, 82(397), 171-185.

    Efron, B., & Tibshirani, R. J. (1993). *An introduction to the bootstrap*.
    Chapman & Hall.

    Examples
    --------
    >>> x = [3, 5, 4, 6, 7, 5, 4, 8, 6, 5, 7, 6]
    >>> y = [2, 4, 3, 5, 3, 4, 2, 5, 4, 3, 4, 3]
    >>> res = bootstrap_ci(x, y, n_resamples=2000)
    >>> res.estimate, res.ci_low < res.estimate < res.ci_high
    (2.0, True)
    """
    check_confidence(confidence)
    check_choice(statistic, tuple(_STATISTICS), "statistic")
    if not isinstance(paired, bool):
        raise StatsError(f"paired must be True or False; got {paired!r}")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int | np.integer) \
            or n_resamples < 1000:
        raise StatsError(f"n_resamples must be a whole number of at least 1000 (BCa needs "
                         f"many resamples); got {n_resamples!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise StatsError(f"seed must be a whole number; got {seed!r}")
    if paired:
        x_, y_, dropped = complete_pairs(x, y)
        need(len(x_), 2, "complete pairs")
    else:
        x_, dx = as_floats(x, "x")
        y_, dy = as_floats(y, "y")
        need(len(x_), 2, "values in the first group (x)")
        need(len(y_), 2, "values in the second group (y)")
        dropped = dx + dy
    func = _STATISTICS[statistic]

    def difference(a, b, axis=-1):
        return func(a, axis=axis) - func(b, axis=axis)

    estimate = float(difference(x_, y_))
    kwargs = {"vectorized": True, "paired": paired, "confidence_level": confidence}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = stats.bootstrap((x_, y_), difference, n_resamples=int(n_resamples),
                              method="BCa", rng=np.random.default_rng(int(seed)), **kwargs)
    spread = float(np.std(res.bootstrap_distribution, ddof=1))
    if not spread > 0:
        other = ("use statistic='mean', or a rank test (mann_whitney / wilcoxon)"
                 if statistic == "median" else "there is no variation to resample")
        raise StatsError(f"the difference in {statistic}s is the same in every bootstrap "
                         f"resample, so no interval can be formed; {other}")
    interval = "BCa"
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    trouble = [w for w in caught
               if issubclass(w.category, RuntimeWarning | stats.DegenerateDataWarning)]
    if trouble or not (math.isfinite(lo) and math.isfinite(hi)):
        # BCa's acceleration is 0/0 when every jackknife statistic is equal (a median
        # of Likert answers): use the percentile interval of the same resamples
        interval = "percentile"
        res = stats.bootstrap((x_, y_), difference, n_resamples=0, method="percentile",
                              bootstrap_result=res, **kwargs)
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    n1, n2 = len(x_), len(y_)
    design = "paired" if paired else "independent groups"
    return BootstrapResult(estimate, lo, hi, n1 if paired else n1 + n2, n1, n2,
                           f"difference in {statistic}s ({design}), {interval} bootstrap "
                           f"({int(n_resamples)} resamples, seed {int(seed)})", statistic,
                           interval, paired, spread, int(n_resamples), int(seed), confidence,
                           dropped)
