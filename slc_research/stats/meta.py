"""Pooling one estimate across several schools (or studies): meta-analysis.

:func:`meta_analysis` combines per-school estimates (effect sizes, log risk
ratios, differences ...) with their sampling variances by a fixed-effect or a
random-effects model and returns a :class:`MetaResult`: the pooled estimate
with its confidence interval, the heterogeneity statistics (tau², I², H², Q),
a prediction interval for a new school, and the per-school rows a forest plot
needs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from slc_research.errors import StatsError
from slc_research.stats.inputs import to_array
from slc_research.stats.results import ResultMixin, format_ci, format_number, format_p

__all__ = ["MetaResult", "meta_analysis"]

MetaMethod = Literal["FE", "DL", "REML"]

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
        Its confidence interval, ``estimate ± z se``.
    n : int
        Number of studies pooled (k).
    method : str
        The model in words, e.g. ``"random-effects (REML)"``.
    model : str
        ``"FE"``, ``"DL"`` or ``"REML"``.
    se : float
        Standard error of the pooled estimate.
    statistic : float
        z = estimate / se.
    p_value : float
        Two-sided p of the z test of "pooled effect = 0".
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
    studies: pd.DataFrame = field(compare=False, repr=False)

    def __str__(self) -> str:
        text = (f"pooled estimate = {format_number(self.estimate)}, "
                f"{format_ci(self.ci_low, self.ci_high, self.confidence)}, "
                f"z = {format_number(self.statistic)}, {format_p(self.p_value)}, "
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
                  confidence: float = 0.95) -> MetaResult:
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

    Returns
    -------
    MetaResult
        ``estimate``, ``ci_low``, ``ci_high``, ``n`` (k studies), ``method``,
        ``model``, ``se``, ``statistic`` (z), ``p_value``, ``tau2``, ``tau``,
        ``i2`` (%), ``h2``, ``q``, ``q_df``, ``q_p``, ``pi_low``, ``pi_high``,
        ``confidence`` and ``studies`` (the forest-plot rows).

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
    ``mu ± t_(k-2, 1-α/2) sqrt(se² + tau²)``: where the true effect of a new,
    similar school would lie. It needs k >= 3; metafor's default uses z instead
    of t, which is narrower for few studies.

    Each study's own interval in ``studies`` is ``y_i ± z sqrt(v_i)``; its
    weight is ``100 w_i / sum(w_i)`` with the model's weights.

    References
    ----------
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
    pooled estimate = 0.28, 95% CI [0.03, 0.53], z = 2.16, p = .030, k = 3; τ² = 0.000, I² = 0.0%, Q(2) = 1.14, p = .566; 95% prediction interval [-1.34, 1.89]
    """
    y, v, names = _inputs(estimates, variances, se, labels)
    if method not in _METHOD_NAMES:
        raise StatsError(f"method must be 'FE', 'DL' or 'REML', not {method!r}")
    if not 0 < confidence < 1:
        raise StatsError(f"confidence must be between 0 and 1 (e.g. 0.95), not {confidence!r}")
    k = len(y)
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
        tau2 = tau2_dl if method == "DL" else _tau2_reml(y, v, tau2_dl)
        s2 = q_df * float(np.sum(w_fe)) / (float(np.sum(w_fe)) ** 2 - float(np.sum(w_fe**2)))
        i2 = 100 * tau2 / (tau2 + s2)
        h2 = (tau2 + s2) / s2

    w = 1 / (v + tau2)
    estimate = float(np.sum(w * y) / np.sum(w))
    se_mu = 1 / math.sqrt(float(np.sum(w)))
    z_crit = float(stats.norm.ppf(0.5 + confidence / 2))
    z = estimate / se_mu
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
    return MetaResult(
        estimate=estimate, ci_low=estimate - z_crit * se_mu, ci_high=estimate + z_crit * se_mu,
        n=k, method=_METHOD_NAMES[method], model=method, se=se_mu, statistic=z,
        p_value=float(2 * stats.norm.sf(abs(z))), tau2=float(tau2), tau=math.sqrt(tau2),
        i2=float(i2), h2=float(h2), q=q, q_df=q_df, q_p=float(stats.chi2.sf(q, q_df)),
        pi_low=pi_low, pi_high=pi_high, confidence=confidence, studies=studies)


# --- internals -------------------------------------------------------------------------------

def _tau2_reml(y: np.ndarray, v: np.ndarray, start: float, *, tol: float = 1e-13,
               max_iter: int = 1000) -> float:
    """REML tau² by Fisher scoring (Viechtbauer, 2005) with step halving, as metafor."""
    tau2 = start
    for _ in range(max_iter):
        score, information = _reml_score(tau2, y, v)
        step = score / information
        if tau2 + step < 0:
            if _reml_score(0.0, y, v)[0] <= 0:
                return 0.0  # the likelihood falls away from 0: the maximum is on the boundary
            while tau2 + step < 0:
                step /= 2
        tau2 += step
        if abs(step) < tol * max(1.0, tau2):
            return tau2
    # Fisher scoring can oscillate when observed and expected information differ much:
    # solve the REML estimating equation (score = 0) by bracketing instead.
    if _reml_score(0.0, y, v)[0] <= 0:
        return 0.0
    upper = max(start, float(np.var(y)), float(np.max(v)), 1e-8)
    while _reml_score(upper, y, v)[0] > 0:
        upper *= 2
    return float(optimize.brentq(lambda t: _reml_score(t, y, v)[0], 0.0, upper,
                                 xtol=1e-15, rtol=1e-14, maxiter=500))


def _reml_score(tau2: float, y: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """Twice the REML score, y'PPy - tr(P), and twice the expected information, tr(PP)."""
    w = 1 / (v + tau2)
    sw, sw2 = float(np.sum(w)), float(np.sum(w**2))
    r = y - float(np.sum(w * y)) / sw
    tr_p = sw - sw2 / sw
    tr_pp = sw2 - 2 * float(np.sum(w**3)) / sw + (sw2 / sw) ** 2
    return float(np.sum((w * r) ** 2)) - tr_p, tr_pp


def _inputs(estimates, variances, se, labels) -> tuple[np.ndarray, np.ndarray, list[str]]:
    if isinstance(estimates, pd.DataFrame):
        if variances is not None or se is not None or labels is not None:
            raise StatsError("with a DataFrame, give its columns 'estimate' and 'variance' "
                             "(or 'se') and optionally 'label', not separate arguments")
        frame = estimates
        if "estimate" not in frame.columns:
            raise StatsError("the table needs a column 'estimate'; found columns "
                             f"{list(frame.columns)}")
        if "variance" in frame.columns:
            variances = frame["variance"]
        elif "se" in frame.columns:
            se = frame["se"]
        else:
            raise StatsError("the table needs a column 'variance' or 'se' beside 'estimate'")
        if "label" in frame.columns:
            labels = [str(x) for x in frame["label"]]
        estimates = frame["estimate"]
    if (variances is None) == (se is None):
        raise StatsError("give the sampling variances (variances=...) or the standard "
                         "errors (se=...) of the estimates, one of the two")
    y = to_array(estimates, "estimates")
    given = to_array(variances if se is None else se, "variances" if se is None else "se")
    v = given if se is None else given**2
    if len(y) != len(v):
        raise StatsError(f"there are {len(y)} estimates but {len(v)} variances; give one "
                         "variance (or standard error) per estimate")
    if len(y) < 2:
        raise StatsError(f"pooling needs at least 2 studies (schools); found {len(y)}")
    what = "variances" if se is None else "standard errors"
    bad = np.flatnonzero(np.isnan(y) | np.isnan(v))
    if bad.size:
        raise StatsError(f"estimate or variance missing for study {int(bad[0]) + 1} "
                         f"(of {len(y)}); supply it or leave that study out")
    bad = np.flatnonzero(given <= 0)
    if bad.size:
        raise StatsError(f"the {what} must be positive; study {int(bad[0]) + 1} has "
                         f"{float(given[bad[0]])!r}. A zero variance usually means a tiny "
                         "group or no spread in it: check that study's numbers")
    if labels is None:
        names = [f"study {i + 1}" for i in range(len(y))]
    else:
        names = [str(x) for x in labels]
        if len(names) != len(y):
            raise StatsError(f"there are {len(y)} estimates but {len(names)} labels")
    return y, v, names
