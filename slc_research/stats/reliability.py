"""Internal consistency of a questionnaire scale: Cronbach's alpha.

:func:`cronbach_alpha` takes the answers to a scale's items (one row per
respondent, one column per item, or the long ``survey_responses`` table) and
returns an :class:`AlphaResult` with alpha, its Feldt confidence interval, and a
per-item table (corrected item-total correlation, alpha if the item were
deleted). :func:`slc_research.measures.scales.scale_items` builds that item table from ``survey_responses``
for one scale of the manifest, reverse-coding its reversed items first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats.results import ResultMixin, format_ci, format_number

__all__ = ["AlphaResult", "cronbach_alpha", "items_by_respondent"]

MissingPolicy = Literal["listwise", "pairwise"]
_LONG_COLUMNS = ("respondent_id", "item", "value")


@dataclass(frozen=True)
class AlphaResult(ResultMixin):
    """Cronbach's alpha of a set of items, with its Feldt interval and item statistics.

    Attributes
    ----------
    estimate : float
        Cronbach's alpha (at most 1; can be negative when items disagree).
    ci_low, ci_high : float
        Feldt confidence interval.
    n : int
        Respondents the estimate rests on: complete respondents (listwise), or
        the fewest respondents answering any pair of items (pairwise).
    method : str
        E.g. ``"Cronbach's alpha (listwise deletion), Feldt CI"``.
    k : int
        Number of items.
    missing : str
        ``"listwise"`` or ``"pairwise"``: how missing answers were handled.
    n_respondents : int
        Respondents who answered at least one item.
    n_incomplete : int
        Of those, respondents who left at least one item out (left out whole
        under listwise deletion; their answers used under pairwise).
    confidence : float
    standardized : float
        Standardised alpha (from the correlations; NaN if an item has no spread).
    items : DataFrame
        One row per item: ``item``, ``n`` (answers used), ``mean``, ``sd``,
        ``item_rest_r`` (corrected item-total correlation: the item against the
        sum of the other items) and ``alpha_if_deleted``. Not part of ``to_frame()``.
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    method: str
    k: int
    missing: str
    n_respondents: int
    n_incomplete: int
    confidence: float
    standardized: float
    items: pd.DataFrame = field(compare=False, repr=False)

    def __str__(self) -> str:
        text = (f"α = {format_number(self.estimate)}, "
                f"{format_ci(self.ci_low, self.ci_high, self.confidence)}, "
                f"n = {self.n}, {self.k} items")
        if self.n_incomplete == 0:
            return text
        if self.missing == "listwise":
            return (text + f" (listwise: {self.n_incomplete} of {self.n_respondents} "
                    "respondents with missing answers left out)")
        return (text + f" (pairwise: all answers of {self.n_respondents} respondents used; "
                "n is the fewest answering any two items)")


def cronbach_alpha(items: pd.DataFrame | np.ndarray, *, missing: MissingPolicy = "listwise",
                   confidence: float = 0.95) -> AlphaResult:
    """Cronbach's alpha: how consistently a set of items measures one thing.

    Parameters
    ----------
    items : DataFrame or 2-D array
        Either one row per respondent and one numeric column per item (the
        column names are the item names; a ``respondent_id`` column is taken
        as the index), or the long ``survey_responses``
        shape with columns ``respondent_id``, ``item`` and ``value`` (one
        instrument and one wave; other columns are ignored). Reverse-coded
        items must already be reversed: :func:`slc_research.measures.scales.scale_items` does that.
        Missing answers are NaN (or ``pd.NA``); respondents with no answer at
        all are ignored.
    missing : {"listwise", "pairwise"}, default "listwise"
        ``"listwise"`` uses only respondents who answered every item.
        ``"pairwise"`` estimates each variance and covariance from everyone who
        answered the item(s) concerned, which keeps more answers; when so many
        answers are missing that the covariances become inconsistent (not
        positive semi-definite) it is refused.
    confidence : float, default 0.95
        Level of the Feldt interval.

    Returns
    -------
    AlphaResult
        ``estimate``, ``ci_low``, ``ci_high``, ``n``, ``method``, ``k``,
        ``missing``, ``n_respondents``, ``n_incomplete``, ``confidence``,
        ``standardized`` and ``items`` (the per-item table).

    Raises
    ------
    StatsError
        Fewer than 2 items or 2 respondents, non-numeric answers, an item no
        one answered, no spread in the total scores, a long table mixing
        instruments or waves, or an unknown option.

    Notes
    -----
    With k items, C their covariance matrix (listwise: from the complete
    respondents; pairwise: each entry from the respondents answering both
    items), item variances C_ii and total-score variance sum(C)::

        alpha = k / (k - 1) * (1 - sum_i C_ii / sum(C))

    (Cronbach, 1951). Standardised alpha is the same formula on the
    correlation matrix. The Feldt interval (Feldt, 1965; Feldt, Woodruff &
    Salih, 1987) treats (1 - alpha) / (1 - alpha_pop) as F-distributed with
    df1 = n - 1 and df2 = (n - 1)(k - 1)::

        [1 - (1 - alpha) F_(1-γ/2)(df1, df2),  1 - (1 - alpha) F_(γ/2)(df1, df2)]

    with γ = 1 - confidence. Under pairwise deletion n is the smallest number of
    respondents answering any pair of items, which errs towards a wider interval.
    A pairwise covariance matrix that is not positive semi-definite (possible
    when the pairs rest on different respondents) can give alpha above 1 and
    is refused; a genuine covariance matrix always gives alpha <= 1.

    The corrected item-total (item-rest) correlation of item i is
    ``sum_(j≠i) C_ij / sqrt(C_ii * S_(-i))``, S_(-i) being the sum of C without
    row and column i; alpha if item i is deleted is alpha of C without row and
    column i (NaN with 2 items, and both NaN for an item with no spread).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
    tests. *Psychometrika*, 16(3), 297-334.

    Feldt, L. S. (1965). The approximate sampling distribution of Kuder-
    Richardson reliability coefficient twenty. *Psychometrika*, 30(3), 357-370.

    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference
    for coefficient alpha. *Applied Psychological Measurement*, 11(1), 93-103.

    Examples
    --------
    The four judges rating six targets of Shrout & Fleiss (1979), read as four items:

    >>> ratings = pd.DataFrame({"J1": [9, 6, 8, 7, 10, 6], "J2": [2, 1, 4, 1, 5, 2],
    ...                         "J3": [5, 3, 6, 2, 6, 4], "J4": [8, 2, 8, 6, 9, 7]})
    >>> print(cronbach_alpha(ratings))
    α = 0.91, 95% CI [0.68, 0.99], n = 6, 4 items
    """
    if missing not in ("listwise", "pairwise"):
        raise StatsError(f"missing must be 'listwise' or 'pairwise', not {missing!r}")
    if not 0 < confidence < 1:
        raise StatsError(f"confidence must be between 0 and 1 (e.g. 0.95), not {confidence!r}")
    wide = _wide(items)
    k = wide.shape[1]
    if k < 2:
        raise StatsError(f"alpha needs at least 2 items; found {k}")
    values = wide.to_numpy(dtype=float)
    answered = ~np.isnan(values)
    values, answered = values[answered.any(axis=1)], answered[answered.any(axis=1)]
    n_respondents = len(values)
    empty = [str(c) for c, a in zip(wide.columns, answered.any(axis=0), strict=True) if not a]
    if empty:
        raise StatsError(f"no one answered item(s) {', '.join(empty)}; leave them out")
    complete = answered.all(axis=1)
    n_incomplete = int((~complete).sum())

    if missing == "listwise":
        used = values[complete]
        n = len(used)
        if n < 2:
            raise StatsError(f"only {n} respondent(s) answered every item; listwise deletion "
                             "needs at least 2 (try missing='pairwise')")
        cov = np.cov(used, rowvar=False, ddof=1)
        counts = np.full(k, n)
        means, sds = used.mean(axis=0), used.std(axis=0, ddof=1)
    else:
        both = answered.T.astype(int) @ answered.astype(int)  # pairwise counts
        n = int(both.min())
        if n < 2:
            i, j = np.unravel_index(int(np.argmin(both)), both.shape)
            raise StatsError(f"only {n} respondent(s) answered both {wide.columns[i]!s} and "
                             f"{wide.columns[j]!s}; pairwise covariances need at least 2")
        cov = pd.DataFrame(values).cov(min_periods=2, ddof=1).to_numpy()
        eigen = np.linalg.eigvalsh(cov)
        if eigen[0] < -1e-10 * max(abs(eigen[-1]), 1e-300):
            raise StatsError("with pairwise deletion these answers give inconsistent item "
                             "covariances (the matrix is not positive semi-definite), which "
                             "can push alpha above 1: too many answers are missing for "
                             "pairwise deletion; use missing='listwise'")
        counts = answered.sum(axis=0)
        means, sds = np.nanmean(values, axis=0), np.sqrt(np.diag(cov))
    total_var = float(cov.sum())
    # zero up to rounding: the items' covariances cancel the variances exactly (a total that
    # is the same for everyone), which floating point leaves as +-1e-16
    if not total_var > 1e-10 * max(float(np.trace(cov)), 1e-300):
        raise StatsError("the respondents' total scores do not vary, so alpha is undefined; "
                         "check that the answers were read as numbers on the right items")
    alpha = _alpha(cov)
    df1 = n - 1
    df2 = df1 * (k - 1)
    gamma = 1 - confidence
    ci_low = 1 - (1 - alpha) * float(stats.f.isf(gamma / 2, df1, df2))
    ci_high = 1 - (1 - alpha) * float(stats.f.ppf(gamma / 2, df1, df2))
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd) if np.all(sd > 0) else None
    standardized = _alpha(corr) if corr is not None and corr.sum() > 0 else math.nan
    item_rest, if_deleted = _item_statistics(cov)
    table = pd.DataFrame({
        "item": pd.array([str(c) for c in wide.columns], dtype="string"),
        "n": counts.astype("int64"), "mean": means, "sd": sds,
        "item_rest_r": item_rest, "alpha_if_deleted": if_deleted,
    })
    deletion = "listwise deletion" if missing == "listwise" else "pairwise deletion"
    return AlphaResult(alpha, ci_low, ci_high, int(n), f"Cronbach's alpha ({deletion}), Feldt CI",
                       k, missing, n_respondents, n_incomplete, confidence, standardized, table)


def _alpha(cov: np.ndarray) -> float:
    k = cov.shape[0]
    # at most 1 for a covariance matrix; min() only removes rounding (1 + 2e-16)
    return min(float(k / (k - 1) * (1 - np.trace(cov) / cov.sum())), 1.0)


def _item_statistics(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k = cov.shape[0]
    item_rest = np.full(k, np.nan)
    if_deleted = np.full(k, np.nan)
    for i in range(k):
        keep = np.arange(k) != i
        rest = cov[np.ix_(keep, keep)]
        rest_var = float(rest.sum())
        if cov[i, i] > 0 and rest_var > 0:
            item_rest[i] = float(cov[i, keep].sum()) / math.sqrt(cov[i, i] * rest_var)
        if k > 2 and rest_var > 0:
            if_deleted[i] = _alpha(rest)
    return item_rest, if_deleted


def _wide(items) -> pd.DataFrame:
    if isinstance(items, np.ndarray):
        if items.ndim != 2:
            raise StatsError(f"items must be 2-D (respondents x items); got shape {items.shape}")
        items = pd.DataFrame(items, columns=[f"item {i + 1}" for i in range(items.shape[1])])
    if not isinstance(items, pd.DataFrame):
        raise StatsError("items must be a DataFrame (one column per item) or the long "
                         "survey_responses table")
    if set(_LONG_COLUMNS) <= set(items.columns):
        for col in ("instrument", "wave"):
            if col in items.columns and items[col].nunique(dropna=True) > 1:
                raise StatsError(f"the responses hold several {col}s "
                                 f"({', '.join(map(str, items[col].dropna().unique()))}); "
                                 f"keep one {col} (alpha is about one scale at one time)")
        if items["respondent_id"].isna().any():
            raise StatsError("some responses have no respondent_id, so their answers cannot "
                             "be matched across items")
        return items_by_respondent(items)
    if "respondent_id" in items.columns:  # a wide export with its id column
        items = items.set_index("respondent_id")
    out = {}
    for col in items.columns:
        try:
            out[col] = pd.to_numeric(items[col], errors="raise").astype("Float64").to_numpy(
                dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            raise StatsError(f"item {col!s} holds answers that are not numbers; use the "
                             "numeric values (the 'value' column), not the answer text") from None
    wide = pd.DataFrame(out, index=items.index)
    if np.isinf(wide.to_numpy()).any():
        raise StatsError("the answers hold infinite values; correct them")
    return wide


def items_by_respondent(long: pd.DataFrame) -> pd.DataFrame:
    """The long ``survey_responses`` rows as one row per respondent and one column per item.

    Several answers of one respondent to one item are averaged; no answer is NaN.

    Parameters
    ----------
    long : DataFrame
        ``respondent_id``, ``item`` and a numeric ``value`` column.

    Returns
    -------
    DataFrame
        Indexed by ``respondent_id``, one float column per item in order of appearance.
    """
    try:
        value = pd.to_numeric(long["value"], errors="raise").astype("Float64")
    except (TypeError, ValueError):
        raise StatsError("the 'value' column must hold numbers") from None
    frame = pd.DataFrame({"respondent_id": long["respondent_id"].astype("string"),
                          "item": long["item"].astype("string"),
                          "value": value.to_numpy(dtype=float, na_value=np.nan)})
    wide = frame.pivot_table(index="respondent_id", columns="item", values="value",
                             aggfunc="mean", dropna=False, sort=False, observed=True)
    wide.columns = [str(c) for c in wide.columns]
    return wide
