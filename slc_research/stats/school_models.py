"""Before-and-after comparisons of pupils from several schools, made within each school.

When members of a community and other pupils come from several schools, pooling them as if
they were one school mixes the difference between the groups with the differences between
the schools. :func:`difference_in_change` compares the groups' changes within each school
(school fixed effects, and cluster-robust errors by school when there are enough schools);
:func:`ppc_within_schools` puts that difference in the raw-score metric of Morris's (2008)
d_ppc2, the metric of :func:`~slc_research.stats.prepost.ppc_effect_size`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.linear_model import OLS

from slc_research.errors import StatsError
from slc_research.stats.inputs import check_confidence, frame_columns, indicator, need, need_spread
from slc_research.stats.models import FEW_CLUSTERS, cluster_codes, school_clustering
from slc_research.stats.prepost import PrePostEffect
from slc_research.stats.results import TestResult
from slc_research.words import plural

__all__ = ["ChangeModelResult", "difference_in_change", "ppc_within_schools"]

_TREATED_HINT = "intervention group (e.g. the community's members)"


@dataclass(frozen=True)
class ChangeModelResult(TestResult):
    """The difference in mean change between two groups, within schools.

    The fields of :class:`~slc_research.stats.results.TestResult` (``estimate``
    is the difference in change, in the outcome's units; ``statistic`` its t),
    plus ``clustering_note``: what was done about pupils being grouped in
    schools, in plain words. ``extra`` holds ``n_treated``, ``n_comparison``,
    ``n_clusters``, ``se`` and ``n_dropped``.
    """

    clustering_note: str = ""


def difference_in_change(data: pd.DataFrame, *, before: str, after: str, group: str,
                         treated: Hashable | None = None, fixed_effects: str | None = None,
                         cluster: str | None = None, robust: bool = True,
                         confidence: float = 0.95) -> ChangeModelResult:
    """How much more one group's scores changed than the other's, compared within schools.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per pupil.
    before, after : str
        Columns with each pupil's score before and after (numeric).
    group : str
        Column saying which group each pupil is in (two values).
    treated : optional
        The value of ``group`` that marks the intervention group (required
        unless ``group`` is True/False).
    fixed_effects : str, optional
        Column naming each pupil's school: one indicator per school, so that
        each pupil is compared with pupils of their own school.
    cluster : str, optional
        Column naming each pupil's school: cluster-robust standard errors, t on
        (schools - 1) df; unreliable below :data:`~slc_research.stats.models.FEW_CLUSTERS`
        schools (``clustering_note`` says so).
    robust : bool, default True
        Without ``cluster``: heteroscedasticity-robust standard errors (HC1),
        so that groups of very different sizes and spreads are compared as a
        Welch test would, and as a difference in differences clustered by
        pupil does; False gives the classical OLS errors (equal spreads assumed).
    confidence : float, default 0.95

    Returns
    -------
    ChangeModelResult
        ``estimate``, ``ci_low``, ``ci_high``, ``statistic`` (t), ``df``,
        ``p_value``, ``n``, ``method``, ``clustering_note`` and ``extra``.

    Raises
    ------
    StatsError
        Missing columns, a group without exactly two values, fewer than 2
        pupils in a group, too few pupils for the schools, no spread in the change.

    Notes
    -----
    The OLS model of each pupil's change (``statsmodels.api.OLS``)::

        after - before = b0 + b1 treated + sum_j u_j school_j + e

    ``b1`` is the difference in differences within schools: with one school
    it is the plain difference of the two mean changes; with school
    indicators it is a weighted average of the schools' own differences, so
    a school with more members and a better year cannot pass for an effect.
    The same estimate as a two-period panel with pupil and school-by-period
    fixed effects (Wooldridge, 2010, ch. 10; Cameron & Miller, 2015, on few clusters).

    References
    ----------
    Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to
    cluster-robust inference. *Journal of Human Resources*, 50(2), 317-372.

    Wooldridge, J. M. (2010). *Econometric analysis of cross section and panel
    data* (2nd ed.). MIT Press.

    Examples
    --------
    >>> df = pd.DataFrame({"pre": [1, 2, 3, 4, 1, 2, 3, 4], "post": [3, 4, 4, 6, 1, 3, 3, 5],
    ...                    "slc": [True, True, False, False] * 2, "school": list("AAAABBBB")})
    >>> res = difference_in_change(df, before="pre", after="post", group="slc",
    ...                            fixed_effects="school")
    >>> round(res.estimate, 2)
    0.25
    """
    check_confidence(confidence)
    schools = [c for c in (fixed_effects, cluster) if c is not None]
    used = list(dict.fromkeys([before, after, group, *schools]))
    frame_columns(data, used)
    complete = data[used].dropna()
    treat = indicator(complete[group], treated, column=group, argument="treated",
                      example=_TREATED_HINT)
    change = (pd.to_numeric(complete[after], errors="coerce")
              - pd.to_numeric(complete[before], errors="coerce")).to_numpy(float)
    if not np.isfinite(change).all():
        raise StatsError(f"{before!r} and {after!r} must hold numbers")
    n_t, n_c = int(treat.sum()), int(len(treat) - treat.sum())
    need(n_t, 2, "pupils in the intervention group with both scores")
    need(n_c, 2, "pupils in the comparison group with both scores")
    need_spread(float(np.std(change)), "the change", "no comparison can be made")
    columns = {"Intercept": np.ones(len(change)), "treated": treat.astype(float)}
    if fixed_effects is not None:
        levels = pd.Categorical(complete[fixed_effects].astype(str).to_numpy())
        for j, level in enumerate(levels.categories[1:], start=1):
            columns[f"school[{level}]"] = (levels.codes == j).astype(float)
    design = pd.DataFrame(columns, index=complete.index)
    if len(change) <= design.shape[1]:
        raise StatsError(f"{plural(len(change), 'pupil')} {'is' if len(change) == 1 else 'are'} "
                         f"too few for {design.shape[1]} model terms")
    model = OLS(change, design)
    if np.linalg.matrix_rank(model.exog) < design.shape[1]:
        raise StatsError("within every school the pupils are all members or all others, so "
                         "no comparison within schools can be made")
    if cluster is not None:
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": cluster_codes(complete, cluster)},
                        use_t=True)
    elif robust:
        fit = model.fit(cov_type="HC1", use_t=True)
    else:
        fit = model.fit()
    df = float(getattr(fit, "df_resid_inference", None) or fit.df_resid)
    lo, hi = fit.conf_int(1 - confidence).loc["treated"].tolist()
    note, tail = school_clustering(complete, fixed_effects, cluster)
    if cluster is None and robust:
        tail += "; robust (HC1) standard errors"
    extra = {"n_treated": n_t, "n_comparison": n_c, "se": float(fit.bse["treated"]),
             "n_dropped": len(data) - len(complete),
             "n_clusters": int(complete[schools[0]].nunique()) if schools else 1}
    return ChangeModelResult(
        float(fit.params["treated"]), float(lo), float(hi), len(change),
        f"difference in mean change (OLS of the change{tail})",
        float(fit.tvalues["treated"]), df, float(fit.pvalues["treated"]),
        "difference in change", "t", confidence, "two-sided", extra, clustering_note=note)


def ppc_within_schools(data: pd.DataFrame, *, before: str, after: str, group: str,
                       school: str, treated: Hashable | None = None,
                       confidence: float = 0.95) -> PrePostEffect:
    """Morris's d_ppc2 with the difference in change taken within schools.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per pupil.
    before, after, group, treated
        As in :func:`difference_in_change`.
    school : str
        Column naming each pupil's school. School fixed effects are always
        used; cluster-robust errors by school are added when there are at
        least :data:`~slc_research.stats.models.FEW_CLUSTERS` schools.
    confidence : float, default 0.95

    Returns
    -------
    PrePostEffect
        As :func:`~slc_research.stats.prepost.ppc_effect_size` returns, with
        ``estimate`` the within-school d_ppc2 and ``method`` saying how the
        schools were allowed for; ``mean_change_treated`` and
        ``mean_change_comparison`` are the plain means.

    Raises
    ------
    StatsError
        As :func:`difference_in_change`, and no spread in the pre-test scores.

    Notes
    -----
    With b the within-school difference in change (:func:`difference_in_change`,
    school fixed effects) and its standard error s_b (classical OLS, equal spreads
    assumed as in Morris's own variance; cluster-robust from 20 schools), the pooled pre-test SD and
    c_p of Morris (2008, eq. 8)::

        d_ppc2,w = c_p b / SD_pre
        a_w      = (s_b / SD_pre)²
        σ²       = c_p² · a_w · (n - 2) / (n - 4) · (1 + d²/a_w) - d²

    the variance of Morris's eq. 25 with its first term, ``2 (1 - ρ) (n_T + n_C) /
    (n_T n_C)`` (the variance of the raw difference in change in pre-test SD
    units), replaced by the model's own ``a_w``. With one school and equal
    spreads the two nearly agree; the interval is ``d ± z σ``.

    References
    ----------
    Morris, S. B. (2008). Estimating effect sizes from pretest-posttest-control
    group designs. *Organizational Research Methods*, 11(2), 364-386.
    """
    check_confidence(confidence)
    frame_columns(data, [before, after, group, school])
    complete = data[[before, after, group, school]].dropna()
    k = int(complete[school].nunique())
    model = difference_in_change(complete, before=before, after=after, group=group,
                                 treated=treated, fixed_effects=school,
                                 cluster=school if k >= FEW_CLUSTERS else None,
                                 robust=False, confidence=confidence)
    treat = indicator(complete[group], treated, column=group, argument="treated",
                      example=_TREATED_HINT).astype(bool)
    pre = complete[before].to_numpy(float)
    post = complete[after].to_numpy(float)
    n_t, n_c = int(treat.sum()), int((~treat).sum())
    need(n_t, 3, "pupils with both scores in the intervention group")
    need(n_c, 3, "pupils with both scores in the comparison group")
    df = n_t + n_c - 2
    sd_pre = math.sqrt(((n_t - 1) * pre[treat].var(ddof=1)
                        + (n_c - 1) * pre[~treat].var(ddof=1)) / df)
    need_spread(sd_pre, "the pre-test scores of both groups")
    c_p = 1 - 3 / (4 * df - 1)
    d = c_p * model.estimate / sd_pre
    a = (model.extra["se"] / sd_pre) ** 2
    variance = c_p**2 * a * (df / (df - 2)) * (1 + d**2 / a) - d**2
    if not variance > 0:
        raise StatsError("the variance of the effect size cannot be estimated; report the "
                         "raw changes instead")
    se = math.sqrt(variance)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    rho = float(np.corrcoef(pre, post)[0, 1]) if pre.std() > 0 and post.std() > 0 else math.nan
    change_t = float(np.mean(post[treat] - pre[treat]))
    change_c = float(np.mean(post[~treat] - pre[~treat]))
    return PrePostEffect(
        float(d), float(d - z * se), float(d + z * se), float(variance), se, n_t + n_c, n_t,
        n_c, change_t, change_c, sd_pre, rho,
        f"Morris's d_ppc2 within schools (difference in mean change with school fixed "
        f"effects, {k} schools / pooled pre-test SD)", confidence,
        len(data) - len(complete))
