"""How much schools (studies) really differ: the between-school variance tau².

:func:`tau2_reml` is the restricted maximum-likelihood estimate that
:func:`~slc_research.stats.meta.meta_analysis` uses by default, as R's metafor.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

__all__ = ["reml_score", "tau2_reml"]


def tau2_reml(y: np.ndarray, v: np.ndarray, start: float, *, tol: float = 1e-13,
              max_iter: int = 1000) -> float:
    """REML tau² by Fisher scoring (Viechtbauer, 2005) with step halving, as metafor.

    Parameters
    ----------
    y, v : ndarray
        The studies' estimates and sampling variances.
    start : float
        Starting value (the DerSimonian-Laird estimate).
    tol : float
        Stop when a step is below ``tol * max(1, tau²)``.
    max_iter : int
        Fisher-scoring steps before falling back to bracketing.

    Returns
    -------
    float
        tau² >= 0.

    Notes
    -----
    With w_i = 1 / (v_i + tau²), P = W - W 1 1' W / sum(W)::

        tau² <- tau² + (y' P P y - tr P) / tr(P P)

    the step halved while it would make tau² negative, and tau² = 0 when the
    likelihood falls from 0 onwards. Where Fisher scoring oscillates (it can,
    when few studies differ a lot) the REML estimating equation
    ``y' P P y = tr P`` is solved by bracketing (Brent).

    References
    ----------
    Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance
    estimators in the random-effects model. *Journal of Educational and
    Behavioral Statistics*, 30(3), 261-293.
    """
    tau2 = start
    for _ in range(max_iter):
        score, information = reml_score(tau2, y, v)
        step = score / information
        if tau2 + step < 0:
            if reml_score(0.0, y, v)[0] <= 0:
                return 0.0  # the likelihood falls away from 0: the maximum is on the boundary
            while tau2 + step < 0:
                step /= 2
        tau2 += step
        if abs(step) < tol * max(1.0, tau2):
            return tau2
    if reml_score(0.0, y, v)[0] <= 0:
        return 0.0
    upper = max(start, float(np.var(y)), float(np.max(v)), 1e-8)
    while reml_score(upper, y, v)[0] > 0:
        upper *= 2
    return float(optimize.brentq(lambda t: reml_score(t, y, v)[0], 0.0, upper,
                                 xtol=1e-15, rtol=1e-14, maxiter=500))


def reml_score(tau2: float, y: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """Twice the REML score, ``y'PPy - tr(P)``, and twice the expected information, ``tr(PP)``.

    Parameters
    ----------
    tau2 : float
        The between-study variance at which to evaluate.
    y, v : ndarray
        The studies' estimates and sampling variances.

    Returns
    -------
    (float, float)
        The score and the information.
    """
    w = 1 / (v + tau2)
    sw, sw2 = float(np.sum(w)), float(np.sum(w**2))
    r = y - float(np.sum(w * y)) / sw
    tr_p = sw - sw2 / sw
    tr_pp = sw2 - 2 * float(np.sum(w**3)) / sw + (sw2 / sw) ** 2
    return float(np.sum((w * r) ** 2)) - tr_p, tr_pp
