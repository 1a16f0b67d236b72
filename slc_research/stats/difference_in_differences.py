"""Difference in differences for rates measured before and after.

:func:`diff_in_diff` answers "how much more did attendance (or behaviour
points per week) change in the intervention group than in the comparison
group?" with OLS (statsmodels), cluster-robust by pupil when the
same pupils are measured twice. Which group is the intervention and which
period is "after" must be said explicitly, never guessed from label order.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS

from slc_research.errors import StatsError
from slc_research.stats.inputs import check_confidence, frame_columns, indicator, need, to_array
from slc_research.stats.results import TestResult

__all__ = ["DiffInDiffResult", "diff_in_diff"]

_TREATED_HINT = "intervention group (e.g. the community's members)"


@dataclass(frozen=True)
class DiffInDiffResult(TestResult):
    """A difference-in-differences estimate with the four cell means.

    The fields of :class:`~slc_research.stats.results.TestResult` (``estimate``
    is the difference in differences, ``statistic`` its t); ``extra`` holds
    the cell means and counts (``mean_treated_before``, ``n_treated_before``,
    ...) and the two changes; plus:

    Attributes
    ----------
    cells : pandas.DataFrame
        One row per group and period: ``group`` ("intervention" or
        "comparison"), ``period`` ("before" or "after"), ``mean``, ``n``
        (not part of ``to_frame()``; a table for the report).
    """

    cells: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


def diff_in_diff(data: pd.DataFrame, *, outcome: str, group: str, period: str,
                 unit: str | None = None, treated: Hashable | None = None,
                 after: Hashable | None = None, confidence: float = 0.95) -> DiffInDiffResult:
    """Difference in differences: how much more a rate changed in the intervention group.

    For rates recorded before and after a community started, such as
    attendance % or behaviour points per week: the change in the
    intervention group minus the change in the comparison group over the
    same time, which removes what happened to everyone (a new behaviour
    policy, the time of year).

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per pupil (or class) and period.
    outcome : str
        Column with the rate (numeric).
    group : str
        Column saying which group the row belongs to (two values).
    period : str
        Column saying whether the row is before or after (two values).
    unit : str, optional
        Column identifying the pupil (or class, or school) measured in both
        periods. When given, standard errors are cluster-robust by unit;
        without it every row is treated as independent, which understates the
        uncertainty when the same pupils appear twice. Give it whenever you can.
    treated : optional
        The value of ``group`` that marks the intervention group (required
        unless ``group`` is True/False).
    after : optional
        The value of ``period`` that marks the later period (required unless
        ``period`` is True/False).
    confidence : float, default 0.95

    Returns
    -------
    DiffInDiffResult
        ``estimate`` (the difference in differences, in the outcome's units),
        ``ci_low``, ``ci_high``, ``statistic`` (t), ``df``, ``p_value``, ``n``
        (rows), ``method``; ``extra`` with the four cell means and counts
        (``mean_treated_before``, ``mean_treated_after``,
        ``mean_comparison_before``, ``mean_comparison_after``, ``n_...``),
        ``change_treated``, ``change_comparison``, ``n_units`` and
        ``n_dropped``; ``cells`` (the four cells as a table).

    Raises
    ------
    StatsError
        Missing columns, a group or period column without exactly two values
        or with an unspecified level, an empty cell, a unit in both groups,
        fewer than 2 units per group, or no variation within the cells.

    Notes
    -----
    The OLS model (``statsmodels.api.OLS``; terms named as the formula
    ``y ~ treated * after`` would name them)::

        outcome = b0 + b1 treated + b2 after + b3 treated × after + e

    is saturated in the four cells, so ``b3`` equals the difference in
    differences of the cell means::

        b3 = (ȳ_T,after - ȳ_T,before) - (ȳ_C,after - ȳ_C,before)

    Without ``unit`` its standard error is the classical OLS one with
    ``n - 4`` degrees of freedom. With ``unit`` it is the cluster-robust
    (sandwich) standard error with the CR1 small-sample factor
    ``G/(G-1) · (n-1)/(n-4)`` for G units, and the interval and p-value use
    t with ``G - 1`` degrees of freedom (statsmodels' ``cov_type="cluster"``;
    Cameron & Miller, 2015). It is reliable with many units; with fewer
    than about 20 (e.g. clustering by school) it is too narrow.

    The estimate is causal only if, without the community, both groups'
    rates would have moved in parallel ("parallel trends"); with volunteers
    that is an assumption a report should state, and plot the trends.

    References
    ----------
    Angrist, J. D., & Pischke, J.-S. (2009). *Mostly harmless econometrics*,
    ch. 5. Princeton University Press.

    Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to
    cluster-robust inference. *Journal of Human Resources*, 50(2), 317-372.

    Examples
    --------
    >>> df = pd.DataFrame({
    ...     "pupil": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6],
    ...     "slc": [True] * 6 + [False] * 6,
    ...     "term": ["autumn", "spring"] * 6,
    ...     "attendance": [90, 95, 88, 92, 91, 97, 90, 91, 89, 89, 92, 92]})
    >>> res = diff_in_diff(df, outcome="attendance", group="slc", period="term",
    ...                    unit="pupil", after="spring")
    >>> print(res)
    t(5) = 6.67, p = .001; difference in differences = 4.67, 95% CI [2.87, 6.46], n = 12
    """
    check_confidence(confidence)
    used = [outcome, group, period] + ([unit] if unit is not None else [])
    frame_columns(data, used)
    complete = data[list(dict.fromkeys(used))].dropna()
    n_dropped = len(data) - len(complete)
    treat = indicator(complete[group], treated, column=group, argument="treated",
                       example=_TREATED_HINT)
    post = indicator(complete[period], after, column=period, argument="after",
                      example="later period (after the community started)")
    frame = pd.DataFrame({"y": to_array(complete[outcome], outcome), "treated": treat,
                          "after": post})
    cells = (frame.groupby(["treated", "after"])["y"].agg(["mean", "size"])
             .reindex(pd.MultiIndex.from_product([[1.0, 0.0], [0.0, 1.0]],
                                                 names=["treated", "after"])))
    empty = cells["size"].isna() | (cells["size"] == 0)
    if empty.any():
        which = [f"{'intervention' if t else 'comparison'} group {'after' if a else 'before'}"
                 for t, a in cells.index[empty.to_numpy()]]
        raise StatsError(f"no rows for the {', '.join(which)}; every group needs values "
                         "in both periods")
    within = frame["y"] - frame.groupby(["treated", "after"])["y"].transform("mean")
    if len(frame) <= 4 or not np.any(np.abs(within.to_numpy()) > 0):
        raise StatsError("every value is the same within each group and period (or there "
                         "are only four rows), so the uncertainty cannot be estimated")
    design = pd.DataFrame({"Intercept": 1.0, "treated": frame["treated"], "after": frame["after"],
                           "treated:after": frame["treated"] * frame["after"]})
    model = OLS(frame["y"], design)
    if unit is None:
        fit = model.fit()
        df, n_units = float(fit.df_resid), None
        how = "OLS, classical standard errors"
    else:
        units = complete[unit]
        per_unit = pd.Series(treat, index=units.index).groupby(units.to_numpy()).nunique()
        if (per_unit > 1).any():
            shown = ", ".join(map(str, per_unit.index[per_unit > 1][:5]))
            raise StatsError(f"some {unit!r} values appear in both groups ({shown}); each "
                             "unit must belong to one group")
        first = pd.Series(treat, index=units.index).groupby(units.to_numpy()).first()
        need(int((first == 1).sum()), 2, f"units ({unit}) in the intervention group")
        need(int((first == 0).sum()), 2, f"units ({unit}) in the comparison group")
        codes = pd.factorize(units)[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
        n_units = len(first)
        df = float(n_units - 1)
        how = f"OLS, standard errors clustered by {unit}"
    term = "treated:after"
    lo, hi = (float(v) for v in fit.conf_int(1 - confidence).loc[term])
    means = {(t, a): float(cells.loc[(t, a), "mean"]) for t in (1.0, 0.0) for a in (0.0, 1.0)}
    sizes = {(t, a): int(cells.loc[(t, a), "size"]) for t in (1.0, 0.0) for a in (0.0, 1.0)}
    extra: dict[str, Any] = {}
    for (t, a), mean in means.items():
        key = f"{'treated' if t else 'comparison'}_{'after' if a else 'before'}"
        extra[f"mean_{key}"] = mean
        extra[f"n_{key}"] = sizes[(t, a)]
    extra["change_treated"] = means[(1.0, 1.0)] - means[(1.0, 0.0)]
    extra["change_comparison"] = means[(0.0, 1.0)] - means[(0.0, 0.0)]
    extra["n_units"] = n_units
    extra["n_dropped"] = n_dropped
    table = pd.DataFrame([{"group": "intervention" if t else "comparison",
                           "period": "after" if a else "before", "mean": means[(t, a)],
                           "n": sizes[(t, a)]} for (t, a) in means])
    return DiffInDiffResult(
        float(fit.params[term]), lo, hi, len(frame), f"difference in differences ({how})",
        float(fit.tvalues[term]), df, float(fit.pvalues[term]), "difference in differences",
        "t", confidence, "two-sided", extra, cells=table)
