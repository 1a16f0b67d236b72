"""Agreement between coders (raters) on categories: Cohen's and Fleiss' kappa.

- :func:`cohen_kappa`: two coders who each coded the same units (unweighted,
  or weighted for ordered categories), with the asymptotic interval.
- :func:`fleiss_kappa`: several coders, every unit coded by the same number.

For any number of coders with missing codings, and for ordered or numeric
codes, see :func:`slc_research.stats.coding_reliability.krippendorff_alpha`.
Each returns a frozen result with the numbers, the method, ``.to_frame()`` and
an APA-style ``str()``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats import inter_rater

from slc_research.errors import StatsError
from slc_research.stats.results import ResultMixin, format_ci, format_number

__all__ = ["KappaResult", "cohen_kappa", "fleiss_kappa"]

Weights = Literal["linear", "quadratic"]


@dataclass(frozen=True)
class KappaResult(ResultMixin):
    """A kappa coefficient with its interval and its test against chance agreement.

    Attributes
    ----------
    estimate : float
        Kappa: 1 is perfect agreement, 0 agreement at chance level.
    ci_low, ci_high : float
        Confidence interval (clipped to [-1, 1]).
    n : int
        Units (texts, pupils, answers) coded.
    method : str
        E.g. ``"Cohen's kappa (linear weights)"``.
    se : float
        Standard error of kappa used for the interval (asymptotic for Cohen's,
        the bootstrap SD for Fleiss').
    statistic : float
        z = kappa / se0, the test of "agreement is only chance".
    p_value : float
        Two-sided p of that test (NaN when se0 is 0, e.g. a coder used one category).
    se0 : float
        Standard error of kappa when agreement is only chance.
    ci_method : str
        ``"asymptotic"`` or ``"bootstrap percentile"``.
    confidence : float
    n_raters : int
    categories : tuple
        The categories, in the order used for weights.
    observed_agreement, expected_agreement : float
        p_o and p_e (weighted for weighted kappa).
    weights : str
        ``"none"``, ``"linear"`` or ``"quadratic"``.
    n_dropped : int
        Units left out because a coding was missing (Cohen's kappa).
    n_resamples : int
        Bootstrap resamples used (0 for an asymptotic interval).
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    method: str
    se: float
    statistic: float
    p_value: float
    se0: float
    ci_method: str
    confidence: float
    n_raters: int
    categories: tuple
    observed_agreement: float
    expected_agreement: float
    weights: str = "none"
    n_dropped: int = 0
    n_resamples: int = 0

    def __str__(self) -> str:
        name = "Fleiss' κ" if self.method.startswith("Fleiss") else (
            "κ" if self.weights == "none" else f"κ_w ({self.weights})")
        text = (f"{name} = {format_number(self.estimate)}, "
                f"{format_ci(self.ci_low, self.ci_high, self.confidence)}, n = {self.n}")
        return text if self.n_raters == 2 else text + f", {self.n_raters} raters"


def cohen_kappa(a: Sequence[Any] | pd.DataFrame | np.ndarray, b: Sequence[Any] | None = None,
                *, weights: Weights | None = None, categories: Sequence[Any] | None = None,
                confidence: float = 0.95) -> KappaResult:
    """Cohen's kappa: agreement of two coders beyond chance, unweighted or weighted.

    Parameters
    ----------
    a, b : sequence
        The two coders' codes for the same units, in the same order (any
        labels: numbers or text). A unit missing either code is left out.
        Alternatively, give only ``a`` as a square table of counts (rows: the
        first coder's categories, columns: the second's, in the same order).
    weights : {None, "linear", "quadratic"}, default None
        None for unordered categories; ``"linear"`` or ``"quadratic"`` for
        ordered ones (near misses count as partial agreement).
    categories : sequence, optional
        All categories, in order. Needed for weights when the codes are text
        (e.g. ``["low", "medium", "high"]``) unless ``a`` is a pandas
        Categorical, whose categories are then used; otherwise the sorted
        codes seen.
    confidence : float, default 0.95

    Returns
    -------
    KappaResult
        ``estimate``, ``ci_low``, ``ci_high``, ``n``, ``method``, ``se``,
        ``statistic`` (z), ``p_value``, ``se0``, ``ci_method`` ("asymptotic"),
        ``confidence``, ``n_raters`` (2), ``categories``, ``observed_agreement``,
        ``expected_agreement``, ``weights`` and ``n_dropped``.

    Raises
    ------
    StatsError
        Lengths that differ, fewer than 2 coded units, only one category used
        by both coders (kappa is undefined: report the percentage agreement),
        codes outside ``categories``, or text codes with weights but no order.

    Notes
    -----
    With p_ij the share of units coded i by the first and j by the second
    coder, margins p_i. and p_.j, and agreement weights w_ij (1 on the diagonal,
    0 elsewhere unweighted; ``1 - |i-j|/(K-1)`` linear; ``1 - (i-j)²/(K-1)²``
    quadratic; K categories, i and j their positions)::

        p_o = sum w_ij p_ij,   p_e = sum w_ij p_i. p_.j,   kappa = (p_o - p_e) / (1 - p_e)

    (Cohen, 1960, 1968). Its large-sample variance (Fleiss, Cohen & Everitt,
    1969), with ``w_i. = sum_j p_.j w_ij`` and ``w_.j = sum_i p_i. w_ij``::

        var = [sum p_ij (w_ij - (w_i. + w_.j)(1 - kappa))² - (kappa - p_e (1 - kappa))²]
              / (n (1 - p_e)²)

    gives the interval ``kappa ± z se``; under chance agreement the variance is
    ``[sum p_i. p_.j (w_ij - (w_i. + w_.j))² - p_e²] / (n (1 - p_e)²)``, which
    gives the z test. These match SAS PROC FREQ and R's irr::kappa2.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales.
    *Educational and Psychological Measurement*, 20(1), 37-46.

    Cohen, J. (1968). Weighted kappa. *Psychological Bulletin*, 70(4), 213-220.

    Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard
    errors of kappa and weighted kappa. *Psychological Bulletin*, 72(5), 323-327.

    Examples
    --------
    >>> first = ["yes", "yes", "no", "no", "yes", "no", "yes", "yes", "no", "yes"]
    >>> second = ["yes", "no", "no", "no", "yes", "no", "yes", "yes", "yes", "yes"]
    >>> print(cohen_kappa(first, second))
    κ = 0.58, 95% CI [0.07, 1.00], n = 10
    """
    check_confidence(confidence)
    if weights not in (None, "linear", "quadratic"):
        raise StatsError(f"weights must be None, 'linear' or 'quadratic', not {weights!r}")
    if b is None:
        table, n_dropped = _square_table(a), 0
        cats = tuple(a.index) if isinstance(a, pd.DataFrame) else tuple(range(len(table)))
    else:
        if categories is None and isinstance(getattr(a, "dtype", None), pd.CategoricalDtype):
            categories = list(a.dtype.categories)  # a pandas Categorical knows its order
        table, cats, n_dropped = _cross_table(a, b, categories, ordered=weights is not None)
    n = float(table.sum())
    if n < 2:
        raise StatsError(f"kappa needs at least 2 units coded by both coders; found {n:g}")
    k = len(table)
    idx = np.arange(k)
    if weights is None:
        w = np.eye(k)
    else:
        dist = np.abs(idx[:, None] - idx[None, :]) / max(k - 1, 1)
        w = 1 - (dist if weights == "linear" else dist**2)
    p = table / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    p_o = float((w * p).sum())
    p_e = float((w * np.outer(rows, cols)).sum())
    if p_e >= 1 - 1e-12:
        raise StatsError("both coders used one and the same category for every unit, so "
                         "kappa is undefined; report the percentage agreement instead")
    p_o = min(p_o, 1.0)  # rounding can give 1 + 2e-16
    kappa = min((p_o - p_e) / (1 - p_e), 1.0)
    w_row, w_col = w @ cols, w.T @ rows
    both = w_row[:, None] + w_col[None, :]
    denom = n * (1 - p_e) ** 2
    var = ((p * (w - both * (1 - kappa)) ** 2).sum() - (kappa - p_e * (1 - kappa)) ** 2) / denom
    var0 = ((np.outer(rows, cols) * (w - both) ** 2).sum() - p_e**2) / denom
    se, se0 = math.sqrt(max(float(var), 0.0)), math.sqrt(max(float(var0), 0.0))
    z_crit = float(stats.norm.ppf(0.5 + confidence / 2))
    z, p_value = _z_test(kappa, se0)
    name = "Cohen's kappa" if weights is None else f"Cohen's weighted kappa ({weights} weights)"
    return KappaResult(kappa, max(-1.0, kappa - z_crit * se), min(1.0, kappa + z_crit * se),
                       int(round(n)), name, se, z, p_value, se0, "asymptotic", confidence, 2,
                       cats, p_o, p_e, weights or "none", n_dropped, 0)


def fleiss_kappa(ratings: pd.DataFrame | np.ndarray, *, counts: bool = False,
                 confidence: float = 0.95, n_resamples: int = 5000,
                 seed: int | None = 0) -> KappaResult:
    """Fleiss' kappa: agreement of several coders, each unit coded the same number of times.

    Parameters
    ----------
    ratings : DataFrame or 2-D array
        One row per unit and one column per coder, holding category labels
        (numbers or text); or, with ``counts=True``, one row per unit and one
        column per category holding how many coders chose it. Every unit must
        have the same number of codings; with missing codings use
        :func:`krippendorff_alpha`.
    counts : bool, default False
        Whether ``ratings`` is already a units x categories count table.
    confidence : float, default 0.95
    n_resamples : int, default 5000
        Bootstrap resamples of the units for the interval.
    seed : int or None, default 0
        Seed of the bootstrap (fixed by default, so a report gives the same
        interval each time it is run).

    Returns
    -------
    KappaResult
        As :func:`cohen_kappa`; ``se`` is the bootstrap standard deviation,
        ``se0`` and the z test follow Fleiss, Nee & Landis (1979),
        ``ci_method`` is ``"bootstrap percentile"``.

    Raises
    ------
    StatsError
        Fewer than 2 units or 2 coders, missing codings, unequal counts per
        unit, or only one category used.

    Notes
    -----
    With N units, m codings per unit, n_ij coders putting unit i in category
    j, p_j = sum_i n_ij / (N m)::

        P_i = (sum_j n_ij² - m) / (m (m - 1)),   P_o = mean(P_i),   P_e = sum_j p_j²
        kappa = (P_o - P_e) / (1 - P_e)

    (Fleiss, 1971; computed by statsmodels). The z test divides kappa by its
    standard error under chance agreement (Fleiss, Nee & Landis, 1979), with
    q_j = 1 - p_j::

        se0² = 2 / (N m (m-1) (sum p_j q_j)²) * ((sum p_j q_j)² - sum p_j q_j (q_j - p_j))

    as R's irr::kappam.fleiss. No simple standard error holds away from
    chance, so the interval is a percentile bootstrap over units: units are
    drawn with replacement ``n_resamples`` times, kappa recomputed, and the
    α/2 and 1-α/2 quantiles taken (resamples in which every coding falls in one
    category are left out).

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    *Psychological Bulletin*, 76(5), 378-382.

    Fleiss, J. L., Nee, J. C. M., & Landis, J. R. (1979). Large sample variance
    of kappa in the case of different sets of raters. *Psychological Bulletin*,
    86(5), 974-977.

    Efron, B., & Tibshirani, R. J. (1993). *An introduction to the bootstrap*.
    Chapman & Hall.
    """
    check_confidence(confidence)
    table, cats = _count_table(ratings, counts)
    n_units, m = table.shape[0], int(table[0].sum())
    kappa = min(float(inter_rater.fleiss_kappa(table, method="fleiss")), 1.0)  # no 1 + 2e-16
    p = table.sum(axis=0) / (n_units * m)
    pq = p * (1 - p)
    var0 = 2 * (pq.sum() ** 2 - (pq * (1 - 2 * p)).sum()) / (
        pq.sum() ** 2 * n_units * m * (m - 1))
    se0 = math.sqrt(max(float(var0), 0.0))
    z, p_value = _z_test(kappa, se0)
    p_i = ((table**2).sum(axis=1) - m) / (m * (m - 1))
    p_o = float(p_i.mean())
    p_e = float((p**2).sum())
    check_resamples(n_resamples, minimum=1)
    freq = np.random.default_rng(seed).multinomial(
        n_units, np.full(n_units, 1 / n_units), size=n_resamples).astype(float)
    p_o_b = freq @ p_i / n_units
    p_e_b = ((freq @ table / (n_units * m)) ** 2).sum(axis=1)
    ok = p_e_b < 1 - 1e-12
    boot = (p_o_b[ok] - p_e_b[ok]) / (1 - p_e_b[ok])
    lo, hi, se = percentile_ci(boot, confidence)
    return KappaResult(kappa, lo, hi, n_units, "Fleiss' kappa", se, z, p_value, se0,
                       "bootstrap percentile", confidence, m, cats, p_o, p_e, "none", 0,
                       int(ok.sum()))


# --- internals -------------------------------------------------------------------------------

def check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise StatsError(f"confidence must be between 0 and 1 (e.g. 0.95), not {confidence!r}")


def check_resamples(n_resamples: int, *, minimum: int) -> None:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int | np.integer) \
            or n_resamples < minimum:
        raise StatsError(f"n_resamples must be a whole number of at least {minimum} "
                         f"(e.g. 5000); got {n_resamples!r}")


def _z_test(estimate: float, se0: float) -> tuple[float, float]:
    if not se0 > 0:
        return math.nan, math.nan
    z = estimate / se0
    return z, float(2 * stats.norm.sf(abs(z)))


def percentile_ci(boot: np.ndarray, confidence: float) -> tuple[float, float, float]:
    if len(boot) < 2:
        raise StatsError("almost every bootstrap resample had no variation, so no interval "
                         "can be given; code more units")
    lo, hi = np.quantile(boot, [0.5 - confidence / 2, 0.5 + confidence / 2])
    return float(lo), float(hi), float(np.std(boot, ddof=1))


def _labels(values) -> tuple[list[Any], np.ndarray]:
    """Values as a list and a missing mask (NaN, None, pd.NA count as missing)."""
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    return [plain_value(v) for v in s], s.isna().to_numpy(dtype=bool)


def plain_value(value: Any) -> Any:
    """``value`` as a Python scalar when it is a numpy one.

    So categories read ``(1, 2)``, not ``(np.int64(1), ...)``.
    """
    return value.item() if isinstance(value, np.generic) else value


def category_order(observed: list[Any], given: Sequence[Any] | None, *, ordered: bool,
           what: str) -> tuple[Any, ...]:
    if given is not None:
        cats = tuple(given)
        outside = [v for v in dict.fromkeys(observed) if v not in set(cats)]
        if outside:
            raise StatsError(f"code(s) {', '.join(map(repr, outside[:5]))} are not among the "
                             f"{what} given ({', '.join(map(repr, cats))})")
        return cats
    seen = list(dict.fromkeys(observed))
    if all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
           for v in seen):
        return tuple(sorted(seen))
    if ordered:
        raise StatsError(f"the codes are text, so their order is unknown; give {what}=[...] "
                         "from lowest to highest")
    return tuple(seen)


def _cross_table(a, b, categories, *, ordered: bool) -> tuple[np.ndarray, tuple, int]:
    va, ma = _labels(a)
    vb, mb = _labels(b)
    if len(va) != len(vb):
        raise StatsError(f"the two coders must code the same units: got {len(va)} and "
                         f"{len(vb)} codes")
    keep = ~(ma | mb)
    xa = [v for v, k in zip(va, keep, strict=True) if k]
    xb = [v for v, k in zip(vb, keep, strict=True) if k]
    cats = category_order(xa + xb, categories, ordered=ordered, what="categories")
    index = {c: i for i, c in enumerate(cats)}
    table = np.zeros((len(cats), len(cats)))
    np.add.at(table, ([index[v] for v in xa], [index[v] for v in xb]), 1)
    return table, cats, int((~keep).sum())


def _square_table(table) -> np.ndarray:
    arr = np.asarray(table, dtype=float)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise StatsError("give two coders' codes (a, b), or one square table of counts; "
                         f"got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or (arr < 0).any():
        raise StatsError("a table of counts must hold non-negative numbers")
    return arr


def _count_table(ratings, counts: bool) -> tuple[np.ndarray, tuple]:
    if counts:
        table = np.asarray(ratings, dtype=float)
        if table.ndim != 2 or not np.all(np.isfinite(table)) or (table < 0).any():
            raise StatsError("a count table must be 2-D (units x categories) with "
                             "non-negative counts")
        cats = tuple(ratings.columns) if isinstance(ratings, pd.DataFrame) \
            else tuple(range(table.shape[1]))
    else:
        frame = pd.DataFrame(ratings)
        if frame.ndim != 2 or frame.shape[1] < 2:
            raise StatsError("ratings must have one row per unit and a column per coder "
                             "(at least 2 coders)")
        if frame.isna().to_numpy().any():
            raise StatsError("some units lack a coding; Fleiss' kappa needs every unit "
                             "coded the same number of times: use krippendorff_alpha, "
                             "which allows missing codings")
        values = [plain_value(v) for v in frame.to_numpy().ravel()]
        cats = category_order(values, None, ordered=False, what="categories")
        index = {c: i for i, c in enumerate(cats)}
        codes = np.array([index[v] for v in values]).reshape(frame.shape)
        table = np.zeros((frame.shape[0], len(cats)))
        np.add.at(table, (np.repeat(np.arange(frame.shape[0]), frame.shape[1]), codes.ravel()),
                  1)
    if table.shape[0] < 2:
        raise StatsError(f"Fleiss' kappa needs at least 2 units; found {table.shape[0]}")
    per_unit = table.sum(axis=1)
    if not np.all(per_unit == per_unit[0]):
        raise StatsError("every unit must be coded the same number of times (found "
                         f"{int(per_unit.min())} to {int(per_unit.max())}); use "
                         "krippendorff_alpha for unequal numbers of codings")
    if per_unit[0] < 2:
        raise StatsError("Fleiss' kappa needs at least 2 codings per unit")
    if int((table.sum(axis=0) > 0).sum()) < 2:
        raise StatsError("every coding is the same category, so kappa is undefined; report "
                         "the percentage agreement (100%) instead")
    return table, cats
