"""Pooling the co-production pilot's per-school changes: meta-analysis and forest-plot rows.

Each school's behaviour estimate and confidence interval (from
:mod:`slc_research.casestudies.coproduction.outcomes`) is combined with
:func:`~slc_research.stats.meta_analysis` (random effects, REML, with the modified
Hartung-Knapp-Sidik-Jonkman interval for few schools, by default). A yes/no question is
pooled from each school's paired answers by
:func:`~slc_research.stats.stratified_paired_change` (:func:`pool_yes_no`), each school
weighted by its pupils, never from standard errors back-calculated from asymmetric intervals.
A school with fewer pilot pupils than the suppression threshold still counts in
the pooled estimate, but is left out of the forest plot's rows; so is the next
smallest school, since the pooled estimate and the other schools' estimates and
weights would otherwise give the small school's estimate away.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pandas as pd

from slc_research.casestudies.coproduction.outcomes import ALL_SCHOOLS, PAIRED_COUNTS, or_none
from slc_research.privacy.suppression import SUPPRESSED_COLUMN, derived_from, suppress_small
from slc_research.stats import (
    MetaResult,
    StratifiedPairedChange,
    meta_analysis,
    stratified_paired_change,
)

__all__ = ["forest_table", "meta_table", "pool_schools", "pool_yes_no"]


def pool_schools(table: pd.DataFrame, *, estimate: str, ci_low: str, ci_high: str,
                 method: str = "REML", confidence: float = 0.95) -> MetaResult | None:
    """Pool the schools' estimates by meta-analysis (random effects by default).

    Parameters
    ----------
    table : DataFrame
        A per-school summary (``school`` and the estimate columns); the
        ``"All schools"`` row is ignored.
    estimate, ci_low, ci_high : str
        Columns of each school's estimate and its confidence interval.
    method : {"REML", "DL", "FE"}
    confidence : float, default 0.95
        Level of the schools' intervals (and of the pooled one).

    Returns
    -------
    MetaResult or None
        None when fewer than two schools have an estimate with an interval.

    Notes
    -----
    Each school's standard error is taken from its interval:
    ``se = (ci_high - ci_low) / (2 z)``. For an asymmetric interval (a score
    interval of a change in %) this is an approximation.
    """
    from scipy import stats

    t = table[table["school"] != ALL_SCHOOLS].dropna(subset=[estimate, ci_low, ci_high])
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    se = (t[ci_high].astype(float) - t[ci_low].astype(float)) / (2 * z)
    t = t[se > 0]
    if len(t) < 2:
        return None
    return or_none(lambda: meta_analysis(t[estimate].astype(float).to_numpy(),
                                      se=se[se > 0].to_numpy(), method=method,
                                      labels=list(t["school"].astype(str)),
                                      confidence=confidence))


def pool_yes_no(table: pd.DataFrame, *, confidence: float = 0.95
                ) -> StratifiedPairedChange | None:
    """Pool a yes/no question's change across schools from their paired counts, in points.

    Parameters
    ----------
    table : DataFrame
        :func:`~slc_research.casestudies.coproduction.outcomes.yes_no_change` (its
        ``"All schools"`` row is ignored).
    confidence : float, default 0.95

    Returns
    -------
    StratifiedPairedChange or None
        The stratified paired change with its estimate, interval, standard errors and
        per-school rows in percentage points; None with fewer than two schools with pupils
        who answered both times.
    """
    t = table[(table["school"] != ALL_SCHOOLS) & (table["n_both"].astype(float) > 0)]
    if len(t) < 2:
        return None
    res = or_none(lambda: stratified_paired_change(
        t[PAIRED_COUNTS].astype(int).assign(label=t["school"].astype(str).to_numpy()),
        confidence=confidence))
    if res is None:
        return None
    points = ["estimate", "ci_low", "ci_high"]
    studies = res.studies.copy()
    studies[points] = 100 * studies[points]
    return replace(res, estimate=100 * res.estimate, ci_low=100 * res.ci_low,
                   ci_high=100 * res.ci_high, se=100 * res.se,
                   unstratified_se=100 * res.unstratified_se, studies=studies)


def forest_table(meta: Any, table: pd.DataFrame, *, threshold: int,
                 n: str = "n") -> pd.DataFrame:
    """Rows of a forest plot: each school that may be shown, then the pooled estimate.

    Parameters
    ----------
    meta : MetaResult or StratifiedPairedChange
        :func:`pool_schools` or :func:`pool_yes_no`.
    table : DataFrame
        The per-school summary it pooled (``school`` and the ``n`` column).
    threshold : int
        Schools with fewer pupils are left out (their estimate still counts in the
        pool), and with them the next smallest school (secondary suppression).
    n : str, default "n"

    Returns
    -------
    DataFrame
        ``label``, ``kind`` (``"school"`` or ``"pooled"``), ``estimate``,
        ``ci_low``, ``ci_high``, ``weight_percent``, ``n`` and ``k`` (schools pooled).
    """
    counts = table.set_index(table["school"].astype(str))[n]
    rows = meta.studies.assign(n=meta.studies["label"].map(counts).astype(float),
                               kind="school")
    pooled = {"label": "Pooled", "kind": "pooled", "estimate": meta.estimate,
              "ci_low": meta.ci_low, "ci_high": meta.ci_high, "weight_percent": 100.0,
              "n": float(counts.reindex(meta.studies["label"]).sum())}
    out = pd.concat([rows[["label", "kind", "estimate", "ci_low", "ci_high", "weight_percent",
                           "n"]], pd.DataFrame([pooled])], ignore_index=True)
    out["label"] = out["label"].astype(str)
    checked = suppress_small(out, count_cols="n", threshold=threshold, suppress_zero=True,
                             partition_by=[], total={"kind": "pooled"})
    out = out[~checked[SUPPRESSED_COLUMN].to_numpy()].reset_index(drop=True)
    out["k"] = len(meta.studies)
    return derived_from(out, checked)  # withheld schools' rows left out


def meta_table(results: dict[str, MetaResult | StratifiedPairedChange | None], *,
               n_pupils: dict[str, int] | None = None) -> pd.DataFrame:
    """One display row per pooled outcome: estimate, CI, k, n, tau², I², Q, p and prediction interval.

    Parameters
    ----------
    results : dict
        Outcome label -> :class:`~slc_research.stats.MetaResult` or
        :class:`~slc_research.stats.StratifiedPairedChange` (no heterogeneity figures: NA);
        None rows are left out.
    n_pupils : dict, optional
        Outcome label -> pupils pooled (shown as ``Pupils (n)``).

    Returns
    -------
    DataFrame
        ``p`` is that of Cochran's Q (do the schools differ?).
    """
    n_pupils = n_pupils or {}
    rows = [{"Outcome": label, "Pooled estimate": m.estimate, "95% CI low": m.ci_low,
             "95% CI high": m.ci_high, "Schools (k)": len(m.studies),
             "Pupils (n)": n_pupils.get(label), **{
                 name: getattr(m, attr, math.nan) for name, attr in (
                     ("tau²", "tau2"), ("I² (%)", "i2"), ("Q", "q"), ("p", "q_p"),
                     ("Prediction low", "pi_low"), ("Prediction high", "pi_high"))},
             "Model": m.method}
            for label, m in results.items() if m is not None]
    return pd.DataFrame(rows)

