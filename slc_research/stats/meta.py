"""Pooling one estimate across several schools (or studies): meta-analysis.

:func:`meta_analysis` combines per-school estimates (effect sizes, log risk
ratios, differences ...) with their sampling variances by a fixed-effect or a
random-effects model and returns a :class:`MetaResult`: the pooled estimate
with its confidence interval, the heterogeneity statistics (tau², I², H², Q),
a prediction interval for a new school, and the per-school rows a forest plot
needs.

With few schools a random-effects interval from the normal distribution is too
narrow: the default for random effects with fewer than :data:`HKSJ_BELOW`
schools is the Hartung-Knapp-Sidik-Jonkman interval in its modified form, which
is never narrower than the normal one (Knapp & Hartung, 2003; Röver, Knapp &
Friede, 2015).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats.heterogeneity import tau2_reml
from slc_research.stats.meta_inputs import read_studies
from slc_research.stats.results import ResultMixin, format_ci, format_number, format_p

__all__ = ["FEW_SCHOOLS_NOTE", "HKSJ_BELOW", "INTERVALS", "MetaResult", "meta_analysis"]

MetaMethod = Literal["FE", "DL", "REML"]
MetaInterval = Literal["auto", "z", "hksj", "hksj-modified"]

#: Allowed values of ``interval``.
INTERVALS = ("auto", "z", "hksj", "hksj-modified")
#: With ``interval="auto"``, random effects with fewer schools than this use modified HKSJ.
HKSJ_BELOW = 10
#: Below this many schools the result carries :data:`FEW_SCHOOLS_NOTE`.
FEW_SCHOOLS_BELOW = 5
FEW_SCHOOLS_NOTE = ("With fewer than 5 schools the between-school variance (tau\u00b2) is "
                    "poorly estimated: read tau\u00b2, I\u00b2 and the prediction interval as "
                    "rough, and the pooled interval as the better guide.")

_INTERVAL_NAMES = {
    "z": "normal (z) interval",
    "hksj": "Hartung-Knapp-Sidik-Jonkman interval",
    "hksj-modified": "modified Hartung-Knapp-Sidik-Jonkman interval",
}

_METHOD_NAMES = {
    "FE": "fixed-effect (inverse variance)",
    "DL": "random-effects (DerSimonian-Laird)",
    "REML": "random-effects (REML)",
}


@dataclass(frozen=True)
class MetaResult(ResultMixin):
    """A pooled estimate across studies (schools) and its heterogeneity.

    Attributes
    ----------
    estimate : float
        The pooled estimate (inverse-variance weighted mean).
    ci_low, ci_high : float
        Its confidence interval, ``estimate ± crit se``: z for the normal
        interval, t on k - 1 df for (modified) HKSJ.
    n : int
        Number of studies pooled (k).
    method : str
        The model and interval in words, e.g. ``"random-effects (REML),
        modified Hartung-Knapp-Sidik-Jonkman interval"``.
    model : str
        ``"FE"``, ``"DL"`` or ``"REML"``.
    se : float
        Standard error of the pooled estimate (HKSJ: scaled by sqrt(q) or
        sqrt(max(1, q))).
    statistic : float
        estimate / se: z, or t for HKSJ.
    p_value : float
        Two-sided p of the test of "pooled effect = 0" (normal, or t on
        ``df`` for HKSJ).
    tau2, tau : float
        Between-study variance and its square root (0 under ``"FE"``, which
        assumes it is 0).
    i2 : float
        I², the percentage of the total variability due to heterogeneity (0-100).
    h2 : float
        H², total variability over sampling variability (1 = none).
    q : float
        Cochran's Q.
    q_df : int
        Its degrees of freedom, k - 1.
    q_p : float
        p of the chi-squared test of homogeneity.
    pi_low, pi_high : float
        Prediction interval for the true effect in a new study (random effects,
        k >= 3); NaN under ``"FE"`` or with fewer than 3 studies.
    confidence : float
        Level of the confidence and prediction intervals.
    interval : str
        ``"z"``, ``"hksj"`` or ``"hksj-modified"``: the interval used.
    df : float or None
        Degrees of freedom of the t interval (k - 1), None for ``"z"``.
    hksj_q : float
        The HKSJ scale ``q = sum w_i (y_i - mu)² / (k - 1)`` (NaN for ``"z"``).
    note : str
        A caution for the reader ("" when none): :data:`FEW_SCHOOLS_NOTE` for
        random effects with fewer than 5 schools.
    studies : DataFrame
        One row per study: ``label``, ``estimate``, ``variance``, ``se``,
        ``ci_low``, ``ci_high`` (``estimate ± z se``) and ``weight_percent``
        (its share of the model's weights). Not part of ``to_frame()``.
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    method: str
    model: str
    se: float
    statistic: float
    p_value: float
    tau2: float
    tau: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p: float
    pi_low: float
    pi_high: float
    confidence: float
    interval: str = "z"
    df: float | None = None
    hksj_q: float = math.nan
    note: str = ""
    studies: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)

    def __str__(self) -> str:
        stat = "z" if self.df is None else f"t({self.df:g})"
        text = (f"pooled estimate = {format_number(self.estimate)}, "
                f"{format_ci(self.ci_low, self.ci_high, self.confidence)}, "
                f"{stat} = {format_number(self.statistic)}, {format_p(self.p_value)}, "
                f"k = {self.n}; ")
        if self.model != "FE":
            text += f"τ² = {format_number(self.tau2, 3)}, "
        text += (f"I² = {self.i2:.1f}%, Q({self.q_df}) = {format_number(self.q)}, "
                 f"{format_p(self.q_p)}")
        if not math.isnan(self.pi_low):
            text += (f"; {self.confidence * 100:g}% prediction interval "
                     f"[{format_number(self.pi_low)}, {format_number(self.pi_high)}]")
        return text


def meta_analysis(estimates: Iterable[float] | pd.DataFrame,
                  variances: Iterable[float] | None = None, *,
                  se: Iterable[float] | None = None, method: MetaMethod = "REML",
                  labels: Sequence[str] | None = None,
                  confidence: float = 0.95, interval: MetaInterval = "auto") -> MetaResult:
    """Pool per-school (per-study) estimates by inverse-variance meta-analysis.

    Parameters
    ----------
    estimates : array-like of float, or DataFrame
        One estimate per school, on a scale where a normal approximation is
        reasonable (standardised mean differences, log odds or risk ratios,
        differences in percentages ...). A DataFrame is read by column name:
        ``estimate``, and ``variance`` or ``se``, and optionally ``label``
        (``variances``, ``se`` and ``labels`` must then be left out).
    variances : array-like of float, optional
        The sampling variance of each estimate (its standard error squared).
    se : array-like of float, optional
        Standard errors instead of variances (give one of the two).
    method : {"FE", "DL", "REML"}, default "REML"
        ``"FE"``: fixed-effect (one common true effect). ``"DL"``:
        random-effects with the DerSimonian-Laird tau². ``"REML"``:
        random-effects with the restricted maximum-likelihood tau², the default
        of R's metafor and the better choice when schools differ (Veroniki et
        al., 2016).
    labels : sequence of str, optional
        A name for each study (e.g. the school); default ``"study 1"``, ...
    confidence : float, default 0.95
        Level of the confidence and prediction intervals.
    interval : {"auto", "z", "hksj", "hksj-modified"}, default "auto"
        The pooled estimate's interval and test. ``"z"``: normal. ``"hksj"``:
        Hartung-Knapp-Sidik-Jonkman, t on k - 1 df with the standard error
        scaled by sqrt(q) (R's metafor ``rma(..., test="knha")``).
        ``"hksj-modified"``: the same with q replaced by max(1, q), so never
        narrower than the normal interval. ``"auto"``: ``"hksj-modified"``
        for random effects with fewer than :data:`HKSJ_BELOW` studies,
        otherwise ``"z"``.

    Returns
    -------
    MetaResult
        ``estimate``, ``ci_low``, ``ci_high``, ``n`` (k studies), ``method``,
        ``model``, ``se``, ``statistic`` (z or t), ``p_value``, ``tau2``,
        ``tau``, ``i2`` (%), ``h2``, ``q``, ``q_df``, ``q_p``, ``pi_low``,
        ``pi_high``, ``confidence``, ``interval``, ``df``, ``hksj_q``, ``note``
        and ``studies`` (the forest-plot rows).

    Raises
    ------
    StatsError
        Fewer than 2 studies, lengths that differ, missing or non-finite
        values, a variance that is zero or negative, or an unknown option.

    Notes
    -----
    With estimates y_i, variances v_i and weights w_i = 1 / (v_i + tau²)
    (tau² = 0 for ``"FE"``)::

        mu = sum(w_i y_i) / sum(w_i),   se(mu) = 1 / sqrt(sum(w_i))
        CI = mu ± z_(1-α/2) se,          z = mu / se

    Hartung-Knapp-Sidik-Jonkman (Hartung & Knapp, 2001; Sidik & Jonkman,
    2002), with the random-effects weights w_i::

        q = sum(w_i (y_i - mu)²) / (k - 1),   se_HKSJ = sqrt(q) se(mu)
        CI = mu ± t_(k-1, 1-α/2) se_HKSJ,      t = mu / se_HKSJ on k - 1 df

    When the schools agree more than chance would make them, q < 1 and this
    interval can be narrower than the normal one; the modified form (Knapp &
    Hartung, 2003; Röver, Knapp & Friede, 2015) uses ``q* = max(1, q)``, so
    it is never narrower. With few schools the normal interval is too narrow
    (IntHout, Ioannidis & Borm, 2014).

    Heterogeneity, with the fixed-effect weights w_i = 1 / v_i and their
    estimate mu_FE: ``Q = sum(w_i (y_i - mu_FE)²)`` on k - 1 df.
    DerSimonian & Laird (1986)::

        tau²_DL = max(0, (Q - (k-1)) / (sum(w_i) - sum(w_i²) / sum(w_i)))

    REML (Viechtbauer, 2005) maximises the restricted likelihood by Fisher
    scoring, as metafor does: with P = W - W 1 1' W / sum(W) and W = diag(w_i),
    ``tau² <- tau² + (y' P P y - tr P) / tr(P P)``, started at tau²_DL, the
    step halved while it would make tau² negative, and tau² = 0 when the
    likelihood falls from 0 onwards, until the step is below 1e-13. Where
    Fisher scoring oscillates (it can, when few studies differ a lot) the
    REML estimating equation ``y' P P y = tr P`` is solved by bracketing (Brent).

    I² and H² follow Higgins & Thompson (2002) in metafor's general form: with
    the "typical" sampling variance ``s² = (k-1) sum(w_i) / ((sum w_i)² - sum(w_i²))``,
    ``I² = 100 tau² / (tau² + s²)`` and ``H² = (tau² + s²) / s²``. For ``"DL"``
    these equal ``(Q - (k-1)) / Q`` and ``Q / (k-1)``; for ``"FE"`` those Q
    forms are reported (truncated at 0 and 1).

    The prediction interval (Higgins, Thompson & Spiegelhalter, 2009) is
    ``mu ± t_(k-2, 1-α/2) sqrt(se² + tau²)`` (se of the interval used):
    where the true effect of a new,
    similar school would lie. It needs k >= 3; metafor's default uses z instead
    of t, which is narrower for few studies.

    Each study's own interval in ``studies`` is ``y_i ± z sqrt(v_i)``; its
    weight is ``100 w_i / sum(w_i)`` with the model's weights.

    References
    ----------
    Hartung, J., & Knapp, G. (2001). A refined method for the meta-analysis of
    controlled clinical trials with binary outcome. *Statistics in Medicine*,
    20(24), 3875-3889.

    Knapp, G., & Hartung, J. (2003). Improved tests for a random effects
    meta-regression with a single covariate. *Statistics in Medicine*, 22(17),
    2693-2710.

    Röver, C., Knapp, G., & Friede, T. (2015). Hartung-Knapp-Sidik-Jonkman
    approach and its modification for random-effects meta-analysis with few
    studies. *BMC Medical Research Methodology*, 15, 99.

    Sidik, K., & Jonkman, J. N. (2002). A simple confidence interval for
    meta-analysis. *Statistics in Medicine*, 21(21), 3153-3159.

    IntHout, J., Ioannidis, J. P. A., & Borm, G. F. (2014). The
    Hartung-Knapp-Sidik-Jonkman method for random effects meta-analysis is
    straightforward and considerably outperforms the standard DerSimonian-Laird
    method. *BMC Medical Research Methodology*, 14, 25.

    DerSimonian, R., & Laird, N. (1986). Meta-analysis in clinical trials.
    *Controlled Clinical Trials*, 7(3), 177-188.

    Higgins, J. P. T., & Thompson, S. G. (2002). Quantifying heterogeneity in a
    meta-analysis. *Statistics in Medicine*, 21(11), 1539-1558.

    Higgins, J. P. T., Thompson, S. G., & Spiegelhalter, D. J. (2009). A
    re-evaluation of random-effects meta-analysis. *Journal of the Royal
    Statistical Society A*, 172(1), 137-159.

    Veroniki, A. A., et al. (2016). Methods to estimate the between-study
    variance and its uncertainty in meta-analysis. *Research Synthesis
    Methods*, 7(1), 55-79.

    Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance
    estimators in the random-effects model. *Journal of Educational and
    Behavioral Statistics*, 30(3), 261-293.

    Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor
    package. *Journal of Statistical Software*, 36(3), 1-48.

    Examples
    --------
    Three schools' Hedges' g for the same survey scale, with their variances:

    >>> res = meta_analysis([0.30, 0.10, 0.45], [0.04, 0.05, 0.06], method="DL",
    ...                     labels=["Oakfield", "Riverside", "St Anne's"])
    >>> print(res)
    pooled estimate = 0.28, 95% CI [-0.27, 0.82], t(2) = 2.16, p = .163, k = 3; τ² = 0.000, I² = 0.0%, Q(2) = 1.14, p = .566; 95% prediction interval [-1.34, 1.89]

    With three schools the default is the modified HKSJ interval (t on 2 df); the
    normal interval would be far narrower:

    >>> z = meta_analysis([0.30, 0.10, 0.45], [0.04, 0.05, 0.06], method="DL", interval="z")
    >>> print(f"[{z.ci_low:.2f}, {z.ci_high:.2f}]")
    [0.03, 0.53]
    """
    y, v, names = read_studies(estimates, variances, se, labels)
    if method not in _METHOD_NAMES:
        raise StatsError(f"method must be 'FE', 'DL' or 'REML', not {method!r}")
    if not 0 < confidence < 1:
        raise StatsError(f"confidence must be between 0 and 1 (e.g. 0.95), not {confidence!r}")
    if interval not in INTERVALS:
        raise StatsError(f"interval must be one of {', '.join(map(repr, INTERVALS))}, "
                         f"not {interval!r}")
    k = len(y)
    if interval == "auto":
        interval = "hksj-modified" if method != "FE" and k < HKSJ_BELOW else "z"
    w_fe = 1 / v
    mu_fe = float(np.sum(w_fe * y) / np.sum(w_fe))
    q = float(np.sum(w_fe * (y - mu_fe) ** 2))
    q_df = k - 1
    c = float(np.sum(w_fe) - np.sum(w_fe**2) / np.sum(w_fe))
    tau2_dl = max(0.0, (q - q_df) / c)

    if method == "FE":
        tau2 = 0.0
        i2 = 100 * (q - q_df) / q if q > q_df else 0.0
        h2 = q / q_df if q > q_df else 1.0
    else:
        tau2 = tau2_dl if method == "DL" else tau2_reml(y, v, tau2_dl)
        s2 = q_df * float(np.sum(w_fe)) / (float(np.sum(w_fe)) ** 2 - float(np.sum(w_fe**2)))
        i2 = 100 * tau2 / (tau2 + s2)
        h2 = (tau2 + s2) / s2

    w = 1 / (v + tau2)
    estimate = float(np.sum(w * y) / np.sum(w))
    se_mu = 1 / math.sqrt(float(np.sum(w)))
    z_crit = float(stats.norm.ppf(0.5 + confidence / 2))
    if interval == "z":
        df, hksj_q, crit = None, math.nan, z_crit
    else:
        df, hksj_q = float(k - 1), float(np.sum(w * (y - estimate) ** 2)) / (k - 1)
        scale = max(1.0, hksj_q) if interval == "hksj-modified" else hksj_q
        se_mu *= math.sqrt(scale)
        crit = float(stats.t.ppf(0.5 + confidence / 2, df))
    statistic = estimate / se_mu if se_mu > 0 else math.copysign(math.inf, estimate)
    p_value = float(2 * (stats.norm.sf(abs(statistic)) if df is None
                         else stats.t.sf(abs(statistic), df)))
    if method != "FE" and k >= 3:
        half = float(stats.t.ppf(0.5 + confidence / 2, k - 2)) * math.sqrt(se_mu**2 + tau2)
        pi_low, pi_high = estimate - half, estimate + half
    else:
        pi_low = pi_high = math.nan
    se_i = np.sqrt(v)
    studies = pd.DataFrame({
        "label": pd.array(names, dtype="string"),
        "estimate": y,
        "variance": v,
        "se": se_i,
        "ci_low": y - z_crit * se_i,
        "ci_high": y + z_crit * se_i,
        "weight_percent": 100 * w / np.sum(w),
    })
    note = FEW_SCHOOLS_NOTE if method != "FE" and k < FEW_SCHOOLS_BELOW else ""
    return MetaResult(
        estimate=estimate, ci_low=estimate - crit * se_mu, ci_high=estimate + crit * se_mu,
        n=k, method=f"{_METHOD_NAMES[method]}, {_INTERVAL_NAMES[interval]}", model=method,
        se=se_mu, statistic=statistic, p_value=p_value, tau2=float(tau2), tau=math.sqrt(tau2),
        i2=float(i2), h2=float(h2), q=q, q_df=q_df, q_p=float(stats.chi2.sf(q, q_df)),
        pi_low=pi_low, pi_high=pi_high, confidence=confidence, interval=interval, df=df,
        hksj_q=hksj_q, note=note, studies=studies)
