"""Reliability of coding: Krippendorff's alpha, from a coders x units matrix or the codings table.

- :func:`krippendorff_alpha`: any number of coders, missing codings allowed,
  nominal, ordinal, interval or ratio codes; the measure content analysts
  report, with a bootstrap interval.
- :func:`codings_matrix`: the coders x units matrix from the long ``codings``
  table (text_id, coder, code), whole codes or one code's presence at a time.

For two coders or complete designs see also :mod:`slc_research.stats.agreement`
(Cohen's and Fleiss' kappa).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import krippendorff
import numpy as np
import pandas as pd

from slc_research.errors import StatsError
from slc_research.stats.agreement import (
    category_order,
    check_confidence,
    check_resamples,
    percentile_ci,
    plain_value,
)
from slc_research.stats.results import ResultMixin, format_ci, format_number

__all__ = ["KrippendorffResult", "codings_matrix", "krippendorff_alpha"]

Level = Literal["nominal", "ordinal", "interval", "ratio"]


@dataclass(frozen=True)
class KrippendorffResult(ResultMixin):
    """Krippendorff's alpha with its bootstrap interval.

    Attributes
    ----------
    estimate : float
        Alpha: 1 is perfect agreement, 0 agreement at chance level. Krippendorff
        (2004) suggests relying on data with alpha >= 0.800 and drawing only
        tentative conclusions from 0.667 to 0.800.
    ci_low, ci_high : float
        Percentile bootstrap interval (NaN when ``n_resamples=0``).
    n : int
        Pairable units (coded by at least two coders).
    method : str
    level : str
        ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``.
    n_coders : int
    n_values : int
        Pairable codings (those in units with at least two codings).
    n_units_dropped : int
        Units coded by fewer than two coders (they carry no information on agreement).
    observed_disagreement, expected_disagreement : float
        D_o and D_e; alpha = 1 - D_o / D_e.
    ci_method : str
        ``"bootstrap over units (percentile)"`` or ``"none"``.
    n_resamples : int
        Bootstrap resamples used (resamples with no variation are left out).
    confidence : float
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    method: str
    level: str
    n_coders: int
    n_values: int
    n_units_dropped: int
    observed_disagreement: float
    expected_disagreement: float
    ci_method: str
    n_resamples: int
    confidence: float

    def __str__(self) -> str:
        text = f"Krippendorff's α ({self.level}) = {format_number(self.estimate)}"
        if not math.isnan(self.ci_low):
            text += ", " + format_ci(self.ci_low, self.ci_high, self.confidence)
        return text + f", n = {self.n} units, {self.n_coders} coders"


def krippendorff_alpha(reliability_data: pd.DataFrame | np.ndarray | Sequence[Sequence[Any]],
                       *, level: Level = "nominal", value_domain: Sequence[Any] | None = None,
                       confidence: float = 0.95, n_resamples: int = 5000,
                       seed: int | None = 0) -> KrippendorffResult:
    """Krippendorff's alpha: agreement of any number of coders, missing codings allowed.

    Parameters
    ----------
    reliability_data : DataFrame, 2-D array or list of lists
        One row per coder and one column per unit (text, answer, lesson
        observed), each cell the code given; missing codings as NaN or None.
        :func:`codings_matrix` builds it from the ``codings`` table.
    level : {"nominal", "ordinal", "interval", "ratio"}, default "nominal"
        The codes' level of measurement: unordered categories, ordered
        categories, numbers with equal steps, or numbers with a true zero.
    value_domain : sequence, optional
        All possible codes, in order. Needed for ``"ordinal"`` text codes
        (e.g. ``["low", "medium", "high"]``); otherwise the sorted codes seen.
    confidence : float, default 0.95
    n_resamples : int, default 5000
        Bootstrap resamples of the units for the interval; 0 for no interval.
    seed : int or None, default 0
        Seed of the bootstrap (fixed by default, so reports are reproducible).

    Returns
    -------
    KrippendorffResult
        ``estimate``, ``ci_low``, ``ci_high``, ``n`` (pairable units),
        ``method``, ``level``, ``n_coders``, ``n_values``, ``n_units_dropped``,
        ``observed_disagreement``, ``expected_disagreement``, ``ci_method``,
        ``n_resamples``, ``confidence``.

    Raises
    ------
    StatsError
        Fewer than 2 coders or 2 units coded by at least two coders, no
        variation in the codes, text codes for an interval or ratio level,
        ordinal text codes without ``value_domain``, negative ratio codes, or
        codes outside ``value_domain``.

    Notes
    -----
    Only units with at least two codings count. With n_uc the number of coders
    putting unit u in value c and m_u its number of codings, the coincidence
    matrix is ``o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1)``, its margins
    n_c, and n = sum n_c. Then (Krippendorff, 2011)::

        alpha = 1 - D_o / D_e,  D_o = sum o_ck δ²_ck / n,  D_e = sum n_c n_k δ²_ck / (n (n - 1))

    with δ²_ck = [c ≠ k] (nominal), ``(sum_(g=c..k) n_g - (n_c + n_k)/2)²``
    (ordinal), ``(c - k)²`` (interval) or ``((c - k) / (c + k))²`` (ratio). The
    estimate is computed by the ``krippendorff`` package.

    The interval is a percentile bootstrap over units: the pairable units are
    drawn with replacement, alpha recomputed from their coincidences, and the
    α/2 and 1-α/2 quantiles taken (as in Zapf et al., 2016). Hayes &
    Krippendorff (2007) instead resample pairs of values; the two agree closely
    when there are many units, and units are what a teacher-researcher samples.

    References
    ----------
    Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a standard
    reliability measure for coding data. *Communication Methods and Measures*,
    1(1), 77-89.

    Krippendorff, K. (2004). *Content analysis: An introduction to its
    methodology* (2nd ed.), ch. 11. Sage.

    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
    University of Pennsylvania, Annenberg School for Communication.

    Zapf, A., Castell, S., Morawietz, L., & Karch, A. (2016). Measuring
    inter-rater reliability for nominal data - which coefficients and confidence
    intervals are appropriate? *BMC Medical Research Methodology*, 16, 93.

    Examples
    --------
    Krippendorff's (2011) example: four observers, twelve units.

    >>> nan = float("nan")
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> print(krippendorff_alpha(data, level="nominal", n_resamples=0))
    Krippendorff's α (nominal) = 0.74, n = 11 units, 4 coders
    """
    check_confidence(confidence)
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise StatsError(f"level must be 'nominal', 'ordinal', 'interval' or 'ratio', not "
                         f"{level!r}")
    check_resamples(n_resamples, minimum=0)
    counts, domain, n_coders = _value_counts(reliability_data, level, value_domain)
    m_u = counts.sum(axis=1)
    pairable = m_u >= 2
    counts, m_u = counts[pairable], m_u[pairable]
    n_units_dropped = int((~pairable).sum())
    if len(counts) < 2:
        raise StatsError(f"only {len(counts)} unit(s) were coded by at least two coders; "
                         "agreement needs at least 2 such units")
    if int((counts.sum(axis=0) > 0).sum()) < 2:
        raise StatsError("every coding has the same value, so there is no variation to "
                         "judge agreement against and alpha is undefined; report the "
                         "percentage agreement (100%) instead")
    metric_domain = np.arange(len(domain), dtype=float) if level in ("nominal", "ordinal") \
        else np.asarray(domain, dtype=float)
    estimate = min(float(krippendorff.alpha(value_counts=counts, value_domain=metric_domain,
                                            level_of_measurement=level)), 1.0)  # rounding
    per_unit = _unit_coincidences(counts, m_u)
    d_o, d_e = _disagreements(per_unit.sum(axis=0, keepdims=True), level, metric_domain)
    lo = hi = math.nan
    used = 0
    if n_resamples:
        n_units = len(counts)
        freq = np.random.default_rng(seed).multinomial(
            n_units, np.full(n_units, 1 / n_units), size=n_resamples).astype(float)
        b_o, b_e = _disagreements(freq @ per_unit, level, metric_domain)
        ok = b_e > 1e-12 * max(float(d_e[0]), 1e-300)
        used = int(ok.sum())
        lo, hi, _ = percentile_ci(1 - b_o[ok] / b_e[ok], confidence)
    return KrippendorffResult(
        estimate, lo, hi, len(counts), f"Krippendorff's alpha ({level})", level, n_coders,
        int(m_u.sum()), n_units_dropped, float(d_o[0]), float(d_e[0]),
        "bootstrap over units (percentile)" if n_resamples else "none", used, confidence)


def codings_matrix(codings: pd.DataFrame, *, unit: str = "text_id", coder: str = "coder",
                   code: str = "code", presence_of: str | None = None) -> pd.DataFrame:
    """The coders x units matrix of :func:`krippendorff_alpha` from a long codings table.

    Parameters
    ----------
    codings : DataFrame
        One row per coding, e.g. the ``codings`` table (``text_id``, ``coder``,
        ``code``, ...).
    unit, coder, code : str
        Column names of the unit coded, the coder and the code given.
    presence_of : str, optional
        Qualitative coding often gives a text several codes. Then ask, code by
        code, whether coders agree that this code applies: the cell is 1.0 if
        the coder gave the text that code, 0.0 if the coder coded the text but
        not with it, NaN if the coder did not code the text (use
        ``level="nominal"``). Without it, each coder must give each unit one code.

    Returns
    -------
    DataFrame
        Index: coders (sorted); columns: units (sorted); cells: the code, or
        NaN where a coder did not code a unit.

    Raises
    ------
    StatsError
        Missing columns, or (without ``presence_of``) a coder giving one unit
        two different codes.
    """
    missing = [c for c in (unit, coder, code) if c not in codings.columns]
    if missing:
        raise StatsError(f"the codings table lacks column(s) {', '.join(missing)}; found "
                         f"{', '.join(map(str, codings.columns))}")
    frame = codings[[coder, unit, code]].dropna(subset=[coder, unit])
    if frame.empty:
        raise StatsError("the codings table is empty: code some texts (two coders or more) "
                         "first")
    coders = sorted(frame[coder].unique(), key=str)
    units = sorted(frame[unit].unique(), key=str)
    if presence_of is not None:
        has = frame[code] == presence_of
        out = pd.crosstab(frame[coder], frame[unit], values=has.astype(float), aggfunc="max")
        return out.reindex(index=coders, columns=units).rename_axis(index=coder, columns=unit)
    frame = frame.dropna(subset=[code]).drop_duplicates()
    twice = frame.duplicated(subset=[coder, unit], keep=False)
    if twice.any():
        row = frame.loc[twice].iloc[0]
        given = sorted(map(str, frame.loc[twice & (frame[coder] == row[coder])
                                          & (frame[unit] == row[unit]), code]))
        raise StatsError(f"coder {row[coder]!s} gave {unit} {row[unit]!s} several codes "
                         f"({', '.join(given)}); alpha needs one code per coder and unit: "
                         "use presence_of='<code>' to check agreement one code at a time")
    wide = frame.pivot(index=coder, columns=unit, values=code)
    return wide.reindex(index=coders, columns=units).rename_axis(index=coder, columns=unit)


# --- internals -------------------------------------------------------------------------------

def _value_counts(data, level: str, value_domain) -> tuple[np.ndarray, tuple, int]:
    frame = pd.DataFrame(data) if not isinstance(data, pd.DataFrame) else data
    if frame.ndim != 2 or frame.shape[0] < 2:
        raise StatsError("reliability_data needs one row per coder (at least 2 coders) and "
                         "one column per unit")
    values = frame.to_numpy(dtype=object)
    missing = pd.isna(frame).to_numpy(dtype=bool)
    observed = [plain_value(v) for v in values[~missing]]
    if not observed:
        raise StatsError("every coding is missing")
    domain = category_order(observed, value_domain, ordered=level == "ordinal", what="value_domain")
    if level in ("interval", "ratio"):
        try:
            numbers = np.asarray(domain, dtype=float)
        except (TypeError, ValueError):
            raise StatsError(f"the {level} level needs numeric codes; use level='nominal' "
                             "(or 'ordinal' with value_domain) for text codes") from None
        if not np.all(np.isfinite(numbers)):
            raise StatsError("the codes hold infinite values")
        if level == "ratio" and (numbers < 0).any():
            raise StatsError("the ratio level needs codes of zero or more; use 'interval'")
    index = {c: i for i, c in enumerate(domain)}
    counts = np.zeros((frame.shape[1], len(domain)))
    coder_idx, unit_idx = np.nonzero(~missing)
    np.add.at(counts, (unit_idx, [index[plain_value(v)] for v in values[coder_idx, unit_idx]]), 1)
    return counts, domain, frame.shape[0]


def _unit_coincidences(counts: np.ndarray, m_u: np.ndarray) -> np.ndarray:
    """Each unit's contribution to the coincidence matrix, flattened: (units, V*V)."""
    outer = counts[:, :, None] * counts[:, None, :]
    idx = np.arange(counts.shape[1])
    outer[:, idx, idx] -= counts
    return (outer / (m_u - 1)[:, None, None]).reshape(len(counts), -1)


def _disagreements(coincidences: np.ndarray, level: str,
                   domain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """D_o and D_e for each row of flattened coincidence matrices (rows, V*V)."""
    v = len(domain)
    o = coincidences.reshape(-1, v, v)
    n_c = o.sum(axis=2)
    n = n_c.sum(axis=1)
    if level == "nominal":
        delta2 = np.broadcast_to(1 - np.eye(v), o.shape)
    elif level == "ordinal":
        cum = np.cumsum(n_c, axis=1)
        delta2 = (cum[:, None, :] - cum[:, :, None]
                  + (n_c[:, :, None] - n_c[:, None, :]) / 2) ** 2
    elif level == "interval":
        delta2 = np.broadcast_to((domain[:, None] - domain[None, :]) ** 2, o.shape)
    else:
        total = domain[:, None] + domain[None, :]
        diff = domain[:, None] - domain[None, :]
        ratio = np.divide(diff, total, out=np.zeros_like(total), where=total != 0)
        delta2 = np.broadcast_to(ratio**2, o.shape)
    d_o = (o * delta2).sum(axis=(1, 2)) / n
    expected = (n_c[:, :, None] * n_c[:, None, :] * delta2).sum(axis=(1, 2))
    return d_o, expected / (n * (n - 1))
