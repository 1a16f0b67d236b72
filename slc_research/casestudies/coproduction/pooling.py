"""Pooling the co-production pilot's per-school changes: meta-analysis and forest-plot rows.

Each school's estimate and confidence interval (from
:mod:`slc_research.casestudies.coproduction.outcomes`) is combined with
:func:`~slc_research.stats.meta_analysis` (random effects, REML, by default).
A school with fewer pilot pupils than the suppression threshold still counts in
the pooled estimate, but is left out of the forest plot's rows; so is the next
smallest school, since the pooled estimate and the other schools' estimates and
weights would otherwise give the small school's estimate away.
"""

from __future__ import annotations

import pandas as pd

from slc_research.casestudies.coproduction.outcomes import ALL_SCHOOLS
from slc_research.privacy.suppression import SUPPRESSED_COLUMN, derived_from, suppress_small
from slc_research.stats import MetaResult, StatsError, meta_analysis

__all__ = ["forest_table", "meta_table", "pool_schools"]


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
    return _try(lambda: meta_analysis(t[estimate].astype(float).to_numpy(),
                                      se=se[se > 0].to_numpy(), method=method,
                                      labels=list(t["school"].astype(str)),
                                      confidence=confidence))


def forest_table(meta: MetaResult, table: pd.DataFrame, *, threshold: int,
                 n: str = "n") -> pd.DataFrame:
    """Rows of a forest plot: each school that may be shown, then the pooled estimate.

    Parameters
    ----------
    meta : MetaResult
        :func:`pool_schools`.
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
    out["k"] = meta.n
    return derived_from(out, checked)  # withheld schools' rows left out


def meta_table(results: dict[str, MetaResult | None], *,
               n_pupils: dict[str, int] | None = None) -> pd.DataFrame:
    """One display row per pooled outcome: estimate, CI, k, n, tau², I², Q, p and prediction interval.

    Parameters
    ----------
    results : dict
        Outcome label -> :class:`~slc_research.stats.MetaResult` (None rows are left out).
    n_pupils : dict, optional
        Outcome label -> pupils pooled (shown as ``Pupils (n)``).

    Returns
    -------
    DataFrame
        ``p`` is that of Cochran's Q (do the schools differ?).
    """
    n_pupils = n_pupils or {}
    rows = [{"Outcome": label, "Pooled estimate": m.estimate, "95% CI low": m.ci_low,
             "95% CI high": m.ci_high, "Schools (k)": m.n, "Pupils (n)": n_pupils.get(label),
             "tau²": m.tau2, "I² (%)": m.i2, "Q": m.q, "p": m.q_p, "Prediction low": m.pi_low, "Prediction high": m.pi_high,
             "Model": m.method}
            for label, m in results.items() if m is not None]
    return pd.DataFrame(rows)


def _try(compute):
    try:
        return compute()
    except StatsError:
        return None
