"""ANCOVA: a post-test compared between two groups, adjusted for the pre-test.

:func:`ancova` fits ordinary least squares with statsmodels and
returns the adjusted difference with the effect size EEF evaluations report.
Its companion for rates measured before and after is
:func:`~slc_research.stats.difference_in_differences.diff_in_diff`. Which group
is the intervention must be said explicitly (``treated=``), never guessed from
the order of the labels.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS

from slc_research.errors import StatsError
from slc_research.stats.effect_sizes import hedges_correction
from slc_research.stats.inputs import (
    check_confidence,
    frame_columns,
    indicator,
    need,
    need_spread,
    to_array,
)
from slc_research.stats.results import TestResult, format_ci, format_number, format_p
from slc_research.words import plural

__all__ = ["FEW_CLUSTERS", "AncovaResult", "ancova", "cluster_codes", "school_clustering"]

_TREATED_HINT = "intervention group (e.g. the community's members)"

#: Below this many schools, cluster-robust standard errors are unreliable.
FEW_CLUSTERS = 20


@dataclass(frozen=True)
class AncovaResult(TestResult):
    """An ANCOVA comparison: the adjusted difference and its effect size.

    The fields of :class:`~slc_research.stats.results.TestResult` (``estimate``
    is the adjusted difference in the outcome's units, ``statistic`` its t),
    plus:

    Attributes
    ----------
    effect_size : float
        Hedges' g: the adjusted difference over the pooled SD of the outcome,
        times the small-sample correction J.
    effect_size_ci_low, effect_size_ci_high : float
        Its interval (the difference's interval, scaled the same way).
    sd_pooled : float
        The unadjusted pooled within-group SD of the outcome.
    coefficients : pandas.DataFrame
        Every model term: ``term``, ``estimate``, ``se``, ``t``, ``p_value``,
        ``ci_low``, ``ci_high`` (not part of ``to_frame()``).
    clustering_note : str
        What was done about pupils being grouped in schools, in plain words
        ("" when nothing was asked for).
    """

    effect_size: float = math.nan
    effect_size_ci_low: float = math.nan
    effect_size_ci_high: float = math.nan
    sd_pooled: float = math.nan
    coefficients: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    clustering_note: str = ""

    def __str__(self) -> str:
        df = f"{self.df:.0f}" if self.df is not None else "n/a"
        return (f"adjusted difference = {format_number(self.estimate)}, "
                f"{format_ci(self.ci_low, self.ci_high, self.confidence)}, "
                f"t({df}) = {format_number(self.statistic)}, {format_p(self.p_value)}; "
                f"g = {format_number(self.effect_size)}, "
                f"{format_ci(self.effect_size_ci_low, self.effect_size_ci_high, self.confidence)}"
                f", n = {self.n}")


def ancova(data: pd.DataFrame, *, outcome: str, baseline: str, group: str,
           treated: Hashable | None = None, covariates: Iterable[str] = (),
           fixed_effects: str | None = None, cluster: str | None = None,
           confidence: float = 0.95) -> AncovaResult:
    """ANCOVA: the post-test difference between two groups, adjusted for the pre-test.

    The analysis EEF evaluations use: regress the outcome on a group
    indicator and the baseline (pre-test) score, so that the comparison is
    between pupils who started at the same level, and express the adjusted
    difference as an effect size over the unadjusted spread of the outcome.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per pupil.
    outcome : str
        Column with the post-test score (numeric).
    baseline : str
        Column with the pre-test score (numeric).
    group : str
        Column saying which group each pupil is in (two values).
    treated : optional
        The value of ``group`` that marks the intervention group. Required
        unless ``group`` is True/False, in which case True is the intervention.
    covariates : iterable of str, default ()
        Further columns to adjust for; text or category columns enter as
        categories (one indicator per level), numbers as they are.
    fixed_effects : str, optional
        Column naming each pupil's school (or class): one indicator per
        school is added, so that members are compared with other pupils of
        their own school (school fixed effects). Use this in trust-wide
        models, above all with fewer than :data:`FEW_CLUSTERS` schools.
    cluster : str, optional
        Column naming each pupil's school: standard errors robust to pupils
        of one school being alike (cluster-robust, statsmodels
        ``cov_type="cluster"``), with t on (schools - 1) degrees of freedom.
        With fewer than :data:`FEW_CLUSTERS` schools they are unreliable, and
        ``clustering_note`` says so.
    confidence : float, default 0.95

    Returns
    -------
    AncovaResult
        ``estimate`` (adjusted difference, intervention minus comparison, in
        the outcome's units), ``ci_low``, ``ci_high``, ``statistic`` (t),
        ``df`` (residual), ``p_value``, ``n``, ``method``; ``effect_size`` (g)
        with ``effect_size_ci_low``, ``effect_size_ci_high``; ``sd_pooled``;
        ``extra`` with ``n_treated``, ``n_comparison``, the unadjusted means
        ``mean_treated``, ``mean_comparison``, ``baseline_mean_treated``,
        ``baseline_mean_comparison``, ``effect_size_uncorrected`` and
        ``n_dropped`` (rows left out for a missing value), ``n_clusters``
        (with ``cluster`` or ``fixed_effects``); ``coefficients``;
        ``clustering_note``.

    Raises
    ------
    StatsError
        Missing columns, a group column without exactly two values or an
        unspecified intervention level, fewer than 2 pupils in a group, too few
        pupils for the number of covariates, no spread in the outcome or the
        baseline, covariates that duplicate each other.

    Notes
    -----
    The model, fitted by OLS (``statsmodels.api.OLS``), is::

        outcome = b0 + b1 treated + b2 baseline + b3 covariate_1 + ... + e

    ``b1`` is the adjusted difference; its interval and p-value are the usual
    OLS ones on ``n - k`` degrees of freedom (k parameters). With
    ``fixed_effects`` one indicator per school but the first is added. With
    ``cluster`` the covariance is the cluster-robust sandwich with the small-
    sample factor G/(G - 1) (N - 1)/(N - k) and the t distribution on G - 1
    degrees of freedom (statsmodels' ``cov_type="cluster"``, ``use_t=True``;
    Cameron & Miller, 2015), which is too liberal with few clusters (G < 20 or
    so): prefer school fixed effects then. Following the
    EEF's guidance, the effect size divides it by the *unadjusted* pooled SD
    of the outcome, so that it is on the same scale as an unadjusted Hedges'
    g (adjusting for the baseline narrows the interval, not the yardstick)::

        s_pooled = sqrt(((n_t - 1) s_t² + (n_c - 1) s_c²) / (n_t + n_c - 2))
        g = J (b1 / s_pooled),   J = J(n_t + n_c - 2)  (Hedges' correction)

    Its interval is the interval for b1 divided by ``s_pooled`` and
    multiplied by J, i.e. it treats ``s_pooled`` as known. That ignores the
    sampling error of the SD, so it is slightly too narrow in very small
    samples (the error is of the order of g² / (2 (n - 2)) in variance; cf.
    Hedges & Olkin, 1985).

    With volunteers rather than random allocation, the adjustment removes
    differences in the baseline score only; other differences between the
    groups remain (see :func:`~slc_research.stats.evidence.strength_of_evidence`).

    References
    ----------
    Education Endowment Foundation (2022). *Statistical analysis guidance for
    EEF evaluations*. London: EEF.

    Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to
    cluster-robust inference. *Journal of Human Resources*, 50(2), 317-372.

    Hedges, L. V., & Olkin, I. (1985). *Statistical methods for meta-analysis*.
    Academic Press.

    Van Breukelen, G. J. P. (2006). ANCOVA versus change from baseline had more
    power in randomized studies and more bias in nonrandomized studies.
    *Journal of Clinical Epidemiology*, 59(9), 920-925.

    Examples
    --------
    >>> df = pd.DataFrame({"pre": [10, 12, 14, 16, 11, 13, 15, 17],
    ...                    "post": [12, 15, 16, 19, 11, 13, 16, 17],
    ...                    "slc": ["member"] * 4 + ["not"] * 4})
    >>> print(ancova(df, outcome="post", baseline="pre", group="slc", treated="member"))
    adjusted difference = 2.33, 95% CI [1.30, 3.35], t(5) = 5.81, p = .002; g = 0.72, 95% CI [0.40, 1.03], n = 8
    """
    check_confidence(confidence)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    for name, what in ((outcome, "outcome"), (baseline, "baseline"), (group, "group")):
        if not isinstance(name, str):
            raise StatsError(f"{what} must be a column name (text); got {name!r}")
    for name, what in ((fixed_effects, "fixed_effects"), (cluster, "cluster")):
        if name is not None and not isinstance(name, str):
            raise StatsError(f"{what} must be a column name (text); got {name!r}")
    schools = [c for c in (fixed_effects, cluster) if c is not None]
    used = list(dict.fromkeys([outcome, baseline, group, *covariates, *schools]))
    frame_columns(data, used)
    complete = data[used].dropna()
    n_dropped = len(data) - len(complete)
    treat = indicator(complete[group], treated, column=group, argument="treated",
                       example=_TREATED_HINT)
    y = to_array(complete[outcome], outcome)
    frame = pd.DataFrame({"y": y, "treated": treat, "baseline": to_array(complete[baseline],
                                                                           baseline)})
    numeric: dict[str, np.ndarray] = {"treated": treat, "baseline": frame["baseline"].to_numpy()}
    categories: dict[str, np.ndarray] = {}
    for i, name in enumerate(covariates):
        column = complete[name]
        key = f"covariate_{i}"
        if column.dtype.kind in "iufb" or pd.api.types.is_numeric_dtype(column.dtype):
            numeric[key] = column.to_numpy(dtype=float)
        else:  # one indicator per level but the first (in sorted order), as C(key) would
            levels = pd.Categorical(column.astype(str).to_numpy())
            for j, level in enumerate(levels.categories[1:], start=1):
                categories[f"C({key})[T.{level}]"] = (levels.codes == j).astype(float)
    if fixed_effects is not None:
        levels = pd.Categorical(complete[fixed_effects].astype(str).to_numpy())
        for j, level in enumerate(levels.categories[1:], start=1):
            categories[f"C(fixed_effects)[T.{level}]"] = (levels.codes == j).astype(float)
    # terms in the order a formula would give them: intercept, categories, then numbers
    design = pd.DataFrame({"Intercept": np.ones(len(frame)), **categories, **numeric},
                          index=frame.index)
    n_t, n_c = int(treat.sum()), int(len(treat) - treat.sum())
    need(n_t, 2, f"pupils in the intervention group ({group} = {treated!r}) with every value")
    need(n_c, 2, "pupils in the comparison group with every value")
    y_t, y_c = y[treat == 1], y[treat == 0]
    sd_pooled = math.sqrt(((n_t - 1) * y_t.var(ddof=1) + (n_c - 1) * y_c.var(ddof=1))
                          / (n_t + n_c - 2))
    need_spread(sd_pooled, f"the outcome {outcome!r} within the groups",
                 "an effect size cannot be computed")
    need_spread(float(frame["baseline"].std(ddof=1)), f"the baseline {baseline!r}",
                 "it cannot be adjusted for; leave it out and use welch_t")
    model = OLS(frame["y"], design)
    k = model.exog.shape[1]
    if len(frame) <= k:
        raise StatsError(f"{plural(len(frame), 'pupil')} {'is' if len(frame) == 1 else 'are'} "
                         f"too few for {k} model terms; "
                         "drop covariates or add pupils")
    if np.linalg.matrix_rank(model.exog) < k:
        raise StatsError("the baseline and covariates duplicate each other or the group "
                         "(a column is a combination of others, or a covariate has the "
                         "same value for everyone); remove one")
    groups = None
    if cluster is not None:
        groups = cluster_codes(complete, cluster)
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    else:
        fit = model.fit()
    df_inference = float(getattr(fit, "df_resid_inference", None) or fit.df_resid)
    resid_sd = math.sqrt(float(fit.mse_resid)) if fit.df_resid > 0 else 0.0
    need_spread(resid_sd, "the outcome after adjustment (it is fitted exactly)",
                 "no interval can be given")
    alpha = 1 - confidence
    ci = fit.conf_int(alpha)
    b1, (lo, hi) = float(fit.params["treated"]), ci.loc["treated"].tolist()
    j = hedges_correction(n_t + n_c - 2)
    table = pd.DataFrame({"term": _readable_terms(fit.params.index, outcome, baseline,
                                                  covariates),
                          "estimate": fit.params.to_numpy(), "se": fit.bse.to_numpy(),
                          "t": fit.tvalues.to_numpy(), "p_value": fit.pvalues.to_numpy(),
                          "ci_low": ci[0].to_numpy(), "ci_high": ci[1].to_numpy()})
    b = frame["baseline"].to_numpy()
    extra: Mapping[str, Any] = {
        "n_treated": n_t, "n_comparison": n_c,
        "mean_treated": float(y_t.mean()), "mean_comparison": float(y_c.mean()),
        "baseline_mean_treated": float(b[treat == 1].mean()),
        "baseline_mean_comparison": float(b[treat == 0].mean()),
        "effect_size_uncorrected": b1 / sd_pooled, "n_dropped": n_dropped}
    note, method_tail = school_clustering(complete, fixed_effects, cluster)
    if schools:
        extra = {**extra, "n_clusters": int(complete[schools[0]].nunique())}
    adjusted_for = ", ".join([baseline, *covariates])
    return AncovaResult(
        b1, float(lo), float(hi), len(frame),
        f"ANCOVA (OLS adjusting for {adjusted_for}{method_tail})",
        float(fit.tvalues["treated"]), df_inference, float(fit.pvalues["treated"]),
        "adjusted difference", "t", confidence, "two-sided", extra,
        effect_size=j * b1 / sd_pooled, effect_size_ci_low=j * float(lo) / sd_pooled,
        effect_size_ci_high=j * float(hi) / sd_pooled, sd_pooled=sd_pooled,
        coefficients=table, clustering_note=note)


def cluster_codes(data: pd.DataFrame, cluster: Hashable) -> np.ndarray:
    """The cluster (school) of each row as integer codes, for cluster-robust errors.

    Parameters
    ----------
    data : DataFrame
        The complete rows a model is fitted on.
    cluster : column name
        The column naming each row's cluster (its school).

    Returns
    -------
    numpy.ndarray
        One integer code per row.

    Raises
    ------
    StatsError
        With fewer than 2 clusters: cluster-robust errors cannot be estimated.
    """
    groups = pd.Categorical(data[cluster].astype(str).to_numpy()).codes
    if len(set(groups)) < 2:
        raise StatsError(f"cluster-robust errors need pupils from at least 2 schools in "
                         f"{cluster!r}; leave cluster out for one school")
    return groups


def school_clustering(complete: pd.DataFrame, fixed_effects: str | None,
                      cluster: str | None) -> tuple[str, str]:
    """A plain note on how pupils' schools were allowed for, and the tail of the method's name.

    Parameters
    ----------
    complete : DataFrame
        The pupils analysed.
    fixed_effects, cluster : str or None
        The column naming each pupil's school, as given to the model.

    Returns
    -------
    (str, str)
        The note ("" when neither is given) and the words added to the method.
    """
    if fixed_effects is None and cluster is None:
        return "", ""
    k = int(complete[cluster if cluster is not None else fixed_effects].nunique())
    tail, notes = "", []
    if fixed_effects is not None:
        tail += f"; school fixed effects ({k} schools)"
        notes.append(f"Each pupil is compared with pupils of the same school ({k} schools).")
    if cluster is not None:
        tail += f"; cluster-robust standard errors by school, t on {k - 1} df"
        if k < FEW_CLUSTERS:
            notes.append(f"Standard errors allow for pupils of one school being alike, but with "
                         f"only {k} schools (fewer than {FEW_CLUSTERS}) such standard errors "
                         "are unreliable: read the interval as approximate and rely on the "
                         "school fixed effects.")
        else:
            notes.append(f"Standard errors allow for pupils of one school being alike "
                         f"({k} schools).")
    return " ".join(notes), tail


def _readable_terms(names: Iterable[str], outcome: str, baseline: str,
                    covariates: list[str]) -> list[str]:
    """Model term names in the user's column names."""
    out = []
    for name in names:
        if name == "treated":
            name = "intervention group"
        elif name == "baseline":
            name = baseline
        elif name.startswith("C(fixed_effects)[T."):
            name = f"school = {name[len('C(fixed_effects)[T.'):-1]}"
        else:
            for i, cov in enumerate(covariates):
                key = f"covariate_{i}"
                if name == key:
                    name = cov
                elif name.startswith(f"C({key})[T."):
                    name = f"{cov} = {name[len(key) + 6:-1]}"
        out.append(name)
    return out
