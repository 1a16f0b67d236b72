"""Many outcomes at once: p-values adjusted for multiple comparisons.

An enquiry that tests ten survey scales will find one "significant" by chance
about two times in five. :func:`adjust_p` applies Holm's method (controls the
chance of any false positive) or Benjamini-Hochberg's (controls the expected
share of false positives among the positives), keeping each outcome's label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from slc_research.errors import StatsError
from slc_research.stats.inputs import check_choice
from slc_research.stats.results import ResultMixin

__all__ = ["AdjustedPValues", "adjust_p", "holm_adjusted"]

_METHODS = {"holm": ("holm", "Holm (1979) step-down"),
            "bh": ("fdr_bh", "Benjamini-Hochberg (1995) false discovery rate")}


@dataclass(frozen=True)
class AdjustedPValues(ResultMixin):
    """P-values adjusted for multiple comparisons, one row per outcome.

    Attributes
    ----------
    table : pandas.DataFrame
        ``outcome``, ``p_value``, ``p_adjusted``, ``significant``
        (``p_adjusted < alpha``), in the order given. ``to_frame()`` returns it.
    n : int
        Number of p-values.
    n_significant : int
        How many remain below ``alpha`` after adjustment.
    method : str
    alpha : float
    """

    table: pd.DataFrame = field(repr=False)
    n: int
    n_significant: int
    method: str
    alpha: float

    def to_frame(self) -> pd.DataFrame:
        """The table: one row per outcome."""
        return self.table.copy()

    def __str__(self) -> str:
        alpha = f"{self.alpha:g}".lstrip("0")
        return (f"{self.method} adjustment of {self.n} p-values: {self.n_significant} of "
                f"{self.n} below {alpha} after adjustment")


def adjust_p(p_values: Mapping[str, float] | pd.Series | Iterable[float], *,
             method: Literal["holm", "bh"] = "holm", alpha: float = 0.05,
             labels: Iterable[str] | None = None) -> AdjustedPValues:
    """Adjust several p-values for multiple comparisons (Holm or Benjamini-Hochberg).

    Parameters
    ----------
    p_values : mapping, pandas.Series or sequence of float
        One p-value per outcome. A mapping's keys or a Series' index are the
        outcome labels; for a plain sequence pass ``labels`` (otherwise the
        outcomes are numbered from 1).
    method : {"holm", "bh"}, default "holm"
        ``"holm"`` controls the family-wise error rate (the chance of even one
        false positive); ``"bh"`` the false discovery rate, for exploratory
        work with many outcomes.
    alpha : float, default 0.05
        Threshold for ``significant``.
    labels : iterable of str, optional
        Outcome labels for a plain sequence.

    Returns
    -------
    AdjustedPValues
        ``table`` (``outcome``, ``p_value``, ``p_adjusted``, ``significant``),
        ``n``, ``n_significant``, ``method``, ``alpha``; ``to_frame()`` gives
        the table.

    Raises
    ------
    StatsError
        No p-values, a missing or out-of-range p-value, labels of the wrong
        length, an unknown method.

    Notes
    -----
    With the m p-values sorted, ``p(1) <= ... <= p(m)``, the adjusted values
    are (as R's ``p.adjust``)::

        Holm:  p̃(i) = min(1, max over j <= i of (m - j + 1) p(j))
        BH:    p̃(i) = min(1, min over j >= i of m p(j) / j)

    An outcome is significant when its adjusted p-value is below alpha
    (``statsmodels.stats.multitest.multipletests``, methods ``"holm"`` and
    ``"fdr_bh"``).

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    *Scandinavian Journal of Statistics*, 6(2), 65-70.

    Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate:
    a practical and powerful approach to multiple testing. *Journal of the
    Royal Statistical Society B*, 57(1), 289-300.

    Examples
    --------
    >>> res = adjust_p({"belonging": 0.01, "confidence": 0.04, "attendance": 0.03})
    >>> res.to_frame()["p_adjusted"].round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    check_choice(method, tuple(_METHODS), "method")
    if not 0 < alpha < 1:
        raise StatsError(f"alpha must be between 0 and 1 (e.g. 0.05); got {alpha!r}")
    if isinstance(p_values, Mapping):
        names, values = list(p_values.keys()), list(p_values.values())
    elif isinstance(p_values, pd.Series):
        names, values = list(p_values.index), p_values.tolist()
    else:
        values = list(p_values)
        names = list(range(1, len(values) + 1))
    if labels is not None:
        names = list(labels)
        if len(names) != len(values):
            raise StatsError(f"labels has {len(names)} entries for {len(values)} p-values")
    if not values:
        raise StatsError("no p-values to adjust")
    try:
        p = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise StatsError("p_values must be numbers between 0 and 1") from None
    bad = ~np.isfinite(p) | (p < 0) | (p > 1)
    if bad.any():
        shown = ", ".join(f"{names[i]!s}: {values[i]!r}" for i in np.flatnonzero(bad)[:5])
        raise StatsError(f"every p-value must be a number between 0 and 1; check {shown} "
                         "(leave out outcomes that were not tested)")
    sm_method, description = _METHODS[method]
    if method == "holm":  # statsmodels' Holm runs a full garbage collection (0.4 s) per call
        adjusted = holm_adjusted(p)
    else:
        _, adjusted, _, _ = multipletests(p, alpha=alpha, method=sm_method)
    table = pd.DataFrame({"outcome": names, "p_value": p, "p_adjusted": adjusted,
                          "significant": adjusted < alpha})
    return AdjustedPValues(table, len(p), int(table["significant"].sum()), description,
                           float(alpha))


def holm_adjusted(p: np.ndarray) -> np.ndarray:
    """Holm's (1979) step-down adjusted p-values, in the order of ``p``.

    p̃(i) = min(1, max over j <= i of (m - j + 1) p(j)) for the p-values sorted
    ascending; the same values as ``statsmodels.stats.multitest.multipletests(p,
    method="holm")``, without the full garbage collection that function runs on every
    call.
    """
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted
