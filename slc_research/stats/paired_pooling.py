"""Pooling a yes/no question asked twice across schools: the stratified paired change.

When the same pupils answer a yes/no question before and after ("I often get
into trouble at school"), each school gives a 2 x 2 table of paired answers.
:func:`stratified_paired_change` pools the schools' changes in the share
answering yes from those paired counts, weighting each school by its pupils,
rather than by inverse variances back-calculated from each school's interval:
a school where nobody changed their answer has a variance of 0, and inverse
variance would give it all the weight.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats.results import ResultMixin, format_ci, format_number, format_p
from slc_research.stats.score_intervals import newcombe_paired_interval

__all__ = ["PAIRED_COUNTS", "StratifiedPairedChange", "stratified_paired_change"]

#: The paired counts each school's row needs (before/after: yes/yes, yes/no, no/yes, no/no).
PAIRED_COUNTS = ("yes_yes", "yes_no", "no_yes", "no_no")


@dataclass(frozen=True)
class StratifiedPairedChange(ResultMixin):
    """The change in the share answering yes, pooled over schools from their paired counts.

    Attributes
    ----------
    estimate : float
        Pooled change, after - before, as a proportion (-1 to 1).
    ci_low, ci_high : float
        Its interval (Wald with Agresti & Min's adjustment of each school's variance).
    n : int
        Pupils with both answers, all schools.
    method : str
    se : float
        Standard error of the pooled change.
    statistic : float
        z = estimate / se.
    p_value : float
        Two-sided p of "no change".
    k : int
        Schools pooled.
    unstratified_se : float
        The standard error if the pupils were treated as one group (with the
        same adjustment, once).
    confidence : float
    studies : DataFrame
        One row per school: ``label``, ``n``, ``yes_no``, ``no_yes``,
        ``estimate`` (the school's change), its Newcombe paired interval
        (``ci_low``, ``ci_high``) and ``weight_percent`` (100 n_i / N). Not part
        of ``to_frame()``.
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    method: str
    se: float
    statistic: float
    p_value: float
    k: int
    unstratified_se: float
    confidence: float = 0.95
    studies: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)

    def __str__(self) -> str:
        return (f"pooled change = {format_number(self.estimate)}, "
                f"{format_ci(self.ci_low, self.ci_high, self.confidence)}, "
                f"z = {format_number(self.statistic)}, {format_p(self.p_value)}, "
                f"k = {self.k}, n = {self.n}")


def stratified_paired_change(tables: pd.DataFrame | Mapping[str, Mapping[str, int]], *,
                             confidence: float = 0.95) -> StratifiedPairedChange:
    """Pool the change in % yes across schools from each school's paired counts.

    Parameters
    ----------
    tables : DataFrame or mapping
        One row per school with the counts ``yes_yes``, ``yes_no`` (yes before,
        no after: b), ``no_yes`` (c) and ``no_no``, and a ``label`` column
        (else the index is used); or ``{school: {"yes_yes": ..., ...}}``.
    confidence : float, default 0.95

    Returns
    -------
    StratifiedPairedChange
        ``estimate``, ``ci_low``, ``ci_high``, ``n``, ``method``, ``se``,
        ``statistic``, ``p_value``, ``k``, ``unstratified_se``, ``confidence``
        and ``studies`` (the per-school rows a forest plot needs).

    Raises
    ------
    StatsError
        A missing column, a count that is negative or not whole, a school with
        no pupils, no school, or a confidence outside (0, 1).

    Notes
    -----
    School i has n_i pupils answering both times, b_i who went from yes to
    no and c_i from no to yes; its change is ``d_i = (c_i - b_i) / n_i``, with
    Wald variance ``(b_i + c_i - (c_i - b_i)² / n_i) / n_i²`` (Agresti, 2013,
    section 11.1.1). The pooled change weights each school by its pupils
    (w_i = n_i / N, the Mantel-Haenszel weight when each pair is its own
    stratum: Greenland & Robins, 1985), and as a stratified estimator
    (Cochran, 1977, ch. 5) its variance adds the schools'. The Wald variance
    is far too small when nearly every change goes one way (with c_i = 0 it
    is b_i (1 - b_i / n_i) / n_i²), so each school's variance is taken after
    adding ½ to each of its four cells (Agresti & Min, 2005: b' = b + ½,
    c' = c + ½, n' = n + 2), which keeps the interval near its nominal
    coverage with small counts::

        d = sum(c_i - b_i) / N
        var(d) = sum(n_i² v'_i) / N²,  v'_i = (b'_i + c'_i - (c'_i - b'_i)² / n'_i) / n'_i²
        CI = d ± z_(1-α/2) sqrt(var(d)),   z = d / sqrt(var(d))

    The point estimate is the all-pupils change; only its standard error
    differs, by removing the differences between the schools' changes from the
    noise. An inverse-variance meta-analysis of the schools weights them by
    1 / var(d_i) instead, which gives a school where no pupil changed answer
    (var = 0) unbounded weight: that is why the two can disagree. Each school's
    own interval in ``studies`` is Newcombe's (1998) paired score interval.

    References
    ----------
    Agresti, A. (2013). *Categorical Data Analysis* (3rd ed.), section 11.1. Wiley.

    Agresti, A., & Min, Y. (2005). Simple improved confidence intervals for
    comparing matched proportions. *Statistics in Medicine*, 24(5), 729-740.

    Cochran, W. G. (1977). *Sampling Techniques* (3rd ed.), ch. 5. Wiley.

    Greenland, S., & Robins, J. M. (1985). Estimation of a common effect
    parameter from sparse follow-up data. *Biometrics*, 41(1), 55-68.

    Newcombe, R. G. (1998). Improved confidence intervals for the difference
    between binomial proportions based on paired data. *Statistics in
    Medicine*, 17(22), 2635-2650.

    Examples
    --------
    >>> res = stratified_paired_change({
    ...     "Oakfield": {"yes_yes": 2, "yes_no": 3, "no_yes": 0, "no_no": 5},
    ...     "Riverside": {"yes_yes": 4, "yes_no": 0, "no_yes": 0, "no_no": 6}})
    >>> print(res)
    pooled change = -0.15, 95% CI [-0.32, 0.02], z = -1.75, p = .081, k = 2, n = 20
    """
    if not 0 < confidence < 1:
        raise StatsError(f"confidence must be between 0 and 1 (e.g. 0.95), not {confidence!r}")
    frame = _counts_frame(tables)
    a, b, c, d = (frame[col].to_numpy(dtype=float) for col in PAIRED_COUNTS)
    n_i = a + b + c + d
    n = float(n_i.sum())
    estimate = float((c - b).sum() / n)
    b_, c_, n_ = b + 0.5, c + 0.5, n_i + 2  # Agresti & Min (2005)
    var = float(np.sum(n_i**2 * (b_ + c_ - (c_ - b_) ** 2 / n_) / n_**2)) / n**2
    b_all, c_all, n_all = b.sum() + 0.5, c.sum() + 0.5, n + 2
    var_all = float(b_all + c_all - (c_all - b_all) ** 2 / n_all) / n_all**2
    se = math.sqrt(max(var, 0.0))
    z_crit = float(stats.norm.ppf(0.5 + confidence / 2))
    statistic = estimate / se  # se > 0: every school adds at least ½ + ½ to b + c
    p_value = float(2 * stats.norm.sf(abs(statistic)))
    lo, hi = max(-1.0, estimate - z_crit * se), min(1.0, estimate + z_crit * se)
    bounds = [newcombe_paired_interval(*map(int, row), confidence)
              for row in zip(a, b, c, d, strict=True)]
    studies = pd.DataFrame({
        "label": pd.array([str(x) for x in frame["label"]], dtype="string"),
        "n": n_i.astype(int), "yes_no": b.astype(int), "no_yes": c.astype(int),
        "estimate": (c - b) / n_i,
        "ci_low": [lo_ for lo_, _ in bounds], "ci_high": [hi_ for _, hi_ in bounds],
        "weight_percent": 100 * n_i / n})
    return StratifiedPairedChange(
        estimate, lo, hi, int(n), "stratified paired risk difference (schools weighted by "
        "pupils; Agresti-Min adjusted Wald interval)", se, statistic, p_value, len(frame),
        math.sqrt(max(var_all, 0.0)), confidence, studies)


def _counts_frame(tables) -> pd.DataFrame:
    if isinstance(tables, Mapping):
        frame = pd.DataFrame([{"label": k, **dict(v)} for k, v in tables.items()])
    elif isinstance(tables, pd.DataFrame):
        frame = tables if "label" in tables.columns else tables.rename_axis("label").reset_index()
    else:
        raise StatsError("give the schools' paired counts as a table (one row per school) or "
                         "a mapping {school: {'yes_yes': ..., 'yes_no': ..., 'no_yes': ..., "
                         "'no_no': ...}}")
    if frame.empty:
        raise StatsError("no school to pool: give at least one school's paired counts")
    missing = [col for col in PAIRED_COUNTS if col not in frame.columns]
    if missing:
        raise StatsError(f"each school needs the paired counts {', '.join(PAIRED_COUNTS)}; "
                         f"missing {', '.join(missing)}")
    for col in PAIRED_COUNTS:
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values) | (values < 0) | (values % 1 != 0))
        if bad.size:
            raise StatsError(f"{col} must be a whole number of pupils, 0 or more; school "
                             f"{int(bad[0]) + 1} has {frame[col].iloc[bad[0]]!r}")
    total = sum(pd.to_numeric(frame[col]) for col in PAIRED_COUNTS)
    empty = np.flatnonzero(total.to_numpy() == 0)
    if empty.size:
        raise StatsError(f"school {int(empty[0]) + 1} has no pupil who answered both times; "
                         "leave it out of the pooling")
    return frame
