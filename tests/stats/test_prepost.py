"""Morris's d_ppc2 against his worked example and an independent computation.

References
----------
- Morris, S. B. (2008). Estimating effect sizes from pretest-posttest-control
  group designs. Organizational Research Methods, 11(2), 364-386. His first
  example study (Carlson & Schmidt, 1999; the same figures are in metafor's
  "analyses:morris2008" page): treatment n = 20, pre 30.6 (SD 15.0), post 38.5
  (SD 11.6); control n = 20, pre 23.1 (SD 13.8), post 19.7 (SD 14.8); r = .47.
  d_ppc2 = 0.77 in the paper; 0.7684649 to 7 places (open-meta's esR.R test
  of the same formula).
- Variance: Morris (2008) eq. 25, as written in MDMA::dPPC2 (Deen):
  2 c_p² (1 - ρ) ((n_T + n_C)/(n_T n_C)) (df/(df - 2)) (1 + d²/(2 (1 - ρ)
  (n_T + n_C)/(n_T n_C))) - d²; computed again below term by term.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats import PrePostEffect, ppc_effect_size
from slc_research.stats import prepost as module


def _exact(n: int, means, sds, r: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Pre and post scores whose sample means, SDs and correlation are exactly as given."""
    raw = np.random.default_rng(seed).normal(size=(n, 2))
    raw -= raw.mean(axis=0)
    whiten = np.linalg.cholesky(np.cov(raw, rowvar=False))
    unit = raw @ np.linalg.inv(whiten).T
    target = np.array([[sds[0] ** 2, r * sds[0] * sds[1]], [r * sds[0] * sds[1], sds[1] ** 2]])
    scores = unit @ np.linalg.cholesky(target).T + np.asarray(means)
    return scores[:, 0], scores[:, 1]


def test_item1_ppc_effect_size_matches_morris():
    pre_t, post_t = _exact(20, (30.6, 38.5), (15.0, 11.6), 0.47, seed=1)
    pre_c, post_c = _exact(20, (23.1, 19.7), (13.8, 14.8), 0.47, seed=2)
    res = ppc_effect_size(pre_t, post_t, pre_c, post_c)
    assert isinstance(res, PrePostEffect)
    assert round(res.estimate, 2) == 0.77  # Morris (2008), study 1
    assert res.estimate == pytest.approx(0.7684649, abs=1e-7)
    assert res.correlation == pytest.approx(0.47)
    assert res.sd_pre == pytest.approx(math.sqrt((15.0**2 + 13.8**2) / 2))
    assert res.mean_change_treated == pytest.approx(7.9)
    assert res.mean_change_comparison == pytest.approx(-3.4)
    # eq. 25 term by term (the MDMA::dPPC2 layout), a different code path
    nt = nc = 20
    cp = 1 - 3 / (4 * (nt + nc - 2) - 1)
    d = 0.7684649335171309
    v1 = 2 * cp**2 * (1 - 0.47)
    v2 = ((nt + nc) / (nt * nc)) * ((nt + nc - 2) / (nt + nc - 4))
    v3 = 1 + d**2 / (2 * (1 - 0.47) * ((nt + nc) / (nt * nc)))
    assert res.variance == pytest.approx(v1 * v2 * v3 - d**2, rel=1e-9)
    assert res.variance == pytest.approx(0.11577215, rel=1e-6)
    assert res.ci_low == pytest.approx(d - stats.norm.ppf(0.975) * math.sqrt(res.variance))
    assert res.ci_high == pytest.approx(d + 1.959964 * 0.34025307, abs=1e-5)
    assert (res.n, res.n_treated, res.n_comparison) == (40, 20, 20)
    assert str(res) == "d_ppc2 = 0.77, 95% CI [0.10, 1.44], n = 20 + 20"
    assert {"estimate", "ci_low", "ci_high", "variance", "se", "sd_pre"} <= set(res.to_frame())


def test_unequal_groups_against_numpy_and_missing_pairs_dropped():
    rng = np.random.default_rng(7)
    pre_t, pre_c = rng.normal(3.2, 0.8, 31), rng.normal(3.0, 0.9, 57)
    post_t = 0.6 * pre_t + rng.normal(1.6, 0.5, 31)
    post_c = 0.6 * pre_c + rng.normal(1.2, 0.5, 57)
    res = ppc_effect_size(np.append(pre_t, np.nan), np.append(post_t, 3.0), pre_c, post_c,
                          confidence=0.9)
    sp = math.sqrt((30 * np.var(pre_t, ddof=1) + 56 * np.var(pre_c, ddof=1)) / 86)
    d = (1 - 3 / (4 * 86 - 1)) * ((post_t - pre_t).mean() - (post_c - pre_c).mean()) / sp
    assert res.estimate == pytest.approx(d, rel=1e-12)
    rho = (30 * stats.pearsonr(pre_t, post_t)[0] + 56 * stats.pearsonr(pre_c, post_c)[0]) / 86
    assert res.correlation == pytest.approx(rho)
    assert (res.n_dropped, res.n_treated) == (1, 31)
    half = stats.norm.ppf(0.95) * res.se
    assert (res.ci_low, res.ci_high) == pytest.approx((d - half, d + half))


def test_errors_are_clear():
    with pytest.raises(StatsError, match="at least 3 pupils with both scores in the interv"):
        ppc_effect_size([1, 2], [2, 3], [1, 2, 3], [2, 3, 4])
    with pytest.raises(StatsError, match="same length"):
        ppc_effect_size([1, 2, 3], [2, 3], [1, 2, 3], [2, 3, 4])
    with pytest.raises(StatsError, match="pre-test scores"):
        ppc_effect_size([2, 2, 2], [2, 3, 4], [2, 2, 2], [2, 3, 4])
    with pytest.raises(StatsError, match="correlation"):
        ppc_effect_size([1, 2, 3], [2, 2, 2], [1, 2, 3], [2, 3, 5])


def test_docstring_example():
    assert doctest.testmod(module).failed == 0


def test_a_perfect_pre_post_correlation_is_a_clear_error_not_a_division_by_zero():
    # post = pre in both groups (a behaviour count over a term, then over a year with no
    # incident after it): rho = 1 makes Morris's a = 0, which eq. 25 divides by
    with pytest.raises(StatsError, match="agree so closely that the variance"):
        ppc_effect_size([0, 3, 1, 0, 7], [0, 3, 1, 0, 7], [1, 0, 0, 2, 4], [1, 0, 0, 2, 4])
    # moved in step, by a different amount per group: still rho = 1
    with pytest.raises(StatsError, match="agree so closely that the variance"):
        ppc_effect_size([1, 2, 3, 5], [2, 3, 4, 6], [1, 0, 2, 4], [1, 0, 2, 4])
