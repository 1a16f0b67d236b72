"""The propensity model of :func:`slc_research.stats.matching.matched_comparison`.

Membership is regressed on the pupils' characteristics (logistic regression,
statsmodels; Rosenbaum & Rubin 1983) with one indicator per level of a category
and the columns that are combinations of others left out, so the model is of full
rank; :func:`model_terms` counts its terms, so that a comparison with no more
pupils than terms is refused rather than fitted.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import linalg
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM

__all__ = ["design_matrix", "model_terms", "propensity_logit"]


def design_matrix(frame: pd.DataFrame, covariates: list[str], numeric: list[str]
                  ) -> pd.DataFrame:
    """One column per number and one indicator per level of a category (all levels kept)."""
    parts = []
    for c in covariates:
        if c in numeric:
            parts.append(pd.DataFrame({f"{c}\x1f": frame[c].astype(float)}))
        else:
            parts.append(pd.get_dummies(frame[c], prefix=c, prefix_sep="\x1f", dtype=float))
    return pd.concat(parts, axis=1)


def model_terms(design: pd.DataFrame, covariates: list[str], numeric: list[str]) -> int:
    """The propensity model's terms: the intercept, each number, each level but one."""
    varies = design.std(ddof=0) > 0
    terms = 1
    for c in covariates:
        columns = [k for k in design.columns if k.split("\x1f")[0] == c]
        n = int(varies[columns].sum())
        terms += n if c in numeric else max(n - 1, 0)
    return terms


def propensity_logit(design: pd.DataFrame, member: np.ndarray) -> np.ndarray:
    """Logit of the fitted probability of membership (logistic regression, statsmodels)."""
    x = design.loc[:, design.std(ddof=0) > 0].to_numpy()
    x = np.column_stack([np.ones(len(x)), x])
    # drop one indicator per category and any column a combination of others (a full-rank
    # model): the columns a rank-revealing, column-pivoted QR keeps, in their own order
    _, r, pivot = linalg.qr(x, mode="economic", pivoting=True)
    diagonal = np.abs(np.diag(r))
    rank = int((diagonal > 1e-8 * max(1.0, diagonal.max())).sum())
    x = x[:, np.sort(pivot[:rank])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation warnings: a level only one group has
        fit = GLM(member.astype(float), x, family=families.Binomial()).fit()
    eta = x @ np.asarray(fit.params)
    return np.clip(eta, -30, 30)
