"""The effect of a pre/post design with a comparison group, in the raw-score metric.

:func:`ppc_effect_size` answers "how much more did the intervention group
change than the comparison group, in standard deviations of the outcome?"
with Morris's (2008) d_ppc2: the difference of the two mean changes divided
by the pooled pre-test standard deviation. That is the metric of Cohen's
bands, the EEF Toolkit and most published benchmarks; a change divided by
the standard deviation of the change scores is not (it is larger whenever
pre and post scores correlate above 0.5).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats.inputs import check_confidence, complete_pairs, need, need_spread
from slc_research.stats.results import ResultMixin, format_ci, format_number

__all__ = ["PrePostEffect", "ppc_effect_size"]


@dataclass(frozen=True)
class PrePostEffect(ResultMixin):
    """Morris's d_ppc2 with its variance and confidence interval.

    Attributes
    ----------
    estimate : float
        d_ppc2 (bias-corrected): positive when the intervention group's
        scores rose more (or fell less) than the comparison group's.
    ci_low, ci_high : float
        The confidence interval, ``estimate ± z · se``.
    variance : float
        Sampling variance (Morris, 2008, eq. 25) at the estimate.
    se : float
        ``sqrt(variance)``.
    n : int
        Pupils with both scores, both groups together.
    n_treated, n_comparison : int
        Pupils with both scores in each group.
    mean_change_treated, mean_change_comparison : float
        Mean change (post minus pre) in each group, in the outcome's units.
    sd_pre : float
        The pooled pre-test standard deviation (the standardiser).
    correlation : float
        The pooled pre-post correlation used in the variance.
    method : str
        The estimator in words.
    confidence : float
    n_dropped : int
        Pupils left out for a missing pre or post score.
    """

    estimate: float
    ci_low: float
    ci_high: float
    variance: float
    se: float
    n: int
    n_treated: int
    n_comparison: int
    mean_change_treated: float
    mean_change_comparison: float
    sd_pre: float
    correlation: float
    method: str
    confidence: float = 0.95
    n_dropped: int = 0

    @property
    def difference_in_change(self) -> float:
        """The difference of the two mean changes, in the outcome's units."""
        return self.mean_change_treated - self.mean_change_comparison

    def __str__(self) -> str:
        return (f"d_ppc2 = {format_number(self.estimate)}, "
                f"{format_ci(self.ci_low, self.ci_high, self.confidence)}, "
                f"n = {self.n_treated} + {self.n_comparison}")


def ppc_effect_size(pre_treated: Iterable[float], post_treated: Iterable[float],
                    pre_comparison: Iterable[float], post_comparison: Iterable[float], *,
                    confidence: float = 0.95) -> PrePostEffect:
    """Morris's d_ppc2: the difference in change standardised by the pre-test SD.

    Parameters
    ----------
    pre_treated, post_treated : array-like of float
        The intervention group's scores before and after, one pair per pupil
        (same order). A pupil missing either score is left out.
    pre_comparison, post_comparison : array-like of float
        The comparison group's scores, likewise.
    confidence : float, default 0.95

    Returns
    -------
    PrePostEffect
        ``estimate``, ``ci_low``, ``ci_high``, ``variance``, ``se``, ``n``,
        ``n_treated``, ``n_comparison``, ``mean_change_treated``,
        ``mean_change_comparison``, ``sd_pre``, ``correlation``, ``method``,
        ``confidence`` and ``n_dropped``.

    Raises
    ------
    StatsError
        Fewer than 3 complete pairs in a group, pre and post lists of
        different lengths, non-numeric values, no spread in the pre-test
        scores or in either measurement (so no correlation).

    Notes
    -----
    With mean changes ``M_post,T - M_pre,T`` and ``M_post,C - M_pre,C``,
    group sizes n_T and n_C and pre-test SDs s_T and s_C (Morris, 2008, eq. 8)::

        SD_pre  = sqrt(((n_T - 1) s_T² + (n_C - 1) s_C²) / (n_T + n_C - 2))
        c_p     = 1 - 3 / (4 (n_T + n_C - 2) - 1)
        d_ppc2  = c_p [(M_post,T - M_pre,T) - (M_post,C - M_pre,C)] / SD_pre

    Its sampling variance (Morris, 2008, eq. 25), evaluated at the estimate
    with ρ the pooled pre-post correlation (the two groups' correlations
    weighted by n - 1) and ``a = 2 (1 - ρ) (n_T + n_C) / (n_T n_C)``::

        σ²(d_ppc2) = c_p² · a · (n_T + n_C - 2) / (n_T + n_C - 4) · (1 + d²/a) - d²

    and the interval is ``d ± z_{1-α/2} σ``. The variance assumes equal
    variances at both times and in both groups and a common correlation;
    when the post-test spread grows markedly it understates the uncertainty
    (Morris, 2008, pp. 376-378).

    References
    ----------
    Becker, B. J. (1988). Synthesizing standardized mean-change measures.
    *British Journal of Mathematical and Statistical Psychology*, 41, 257-278.

    Morris, S. B. (2008). Estimating effect sizes from pretest-posttest-control
    group designs. *Organizational Research Methods*, 11(2), 364-386.

    Examples
    --------
    >>> res = ppc_effect_size([10, 12, 9, 14, 11], [13, 15, 11, 17, 13],
    ...                       [11, 10, 13, 12, 9], [12, 10, 14, 12, 10])
    >>> print(res)
    d_ppc2 = 1.03, 95% CI [0.33, 1.72], n = 5 + 5
    """
    check_confidence(confidence)
    pre_t, post_t, drop_t = complete_pairs(pre_treated, post_treated,
                                           ("pre_treated", "post_treated"))
    pre_c, post_c, drop_c = complete_pairs(pre_comparison, post_comparison,
                                           ("pre_comparison", "post_comparison"))
    n_t, n_c = len(pre_t), len(pre_c)
    need(n_t, 3, "pupils with both scores in the intervention group")
    need(n_c, 3, "pupils with both scores in the comparison group")
    df = n_t + n_c - 2
    sd_pre = math.sqrt(((n_t - 1) * pre_t.var(ddof=1) + (n_c - 1) * pre_c.var(ddof=1)) / df)
    need_spread(sd_pre, "the pre-test scores of both groups")
    rho = _pooled_correlation((pre_t, post_t), (pre_c, post_c))
    change_t = float(np.mean(post_t - pre_t))
    change_c = float(np.mean(post_c - pre_c))
    c_p = 1 - 3 / (4 * df - 1)
    d = c_p * (change_t - change_c) / sd_pre
    a = 2 * (1 - rho) * (n_t + n_c) / (n_t * n_c)
    # a = 0 when every pupil's post score is the pre score moved in step (rho = 1, as when the
    # "after" period repeats the "before" one): eq. 25 divides by it
    variance = (c_p**2 * a * (df / (df - 2)) * (1 + d**2 / a) - d**2) if a > 0 else math.nan
    if not variance > 0:
        raise StatsError("the pre and post scores agree so closely that the variance of the "
                         "effect size cannot be estimated; report the raw changes instead")
    se = math.sqrt(variance)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    return PrePostEffect(
        float(d), float(d - z * se), float(d + z * se), float(variance), se, n_t + n_c,
        n_t, n_c, change_t, change_c, sd_pre, rho,
        "Morris's d_ppc2 (difference in mean change / pooled pre-test SD)",
        confidence, drop_t + drop_c)


def _pooled_correlation(*groups: tuple[np.ndarray, np.ndarray]) -> float:
    """The groups' pre-post correlations averaged with weights n - 1."""
    total, weight = 0.0, 0
    for pre, post in groups:
        if not (pre.std() > 0 and post.std() > 0):
            raise StatsError("every pre or every post score in a group is the same, so the "
                             "pre-post correlation (needed for the interval) is undefined")
        total += (len(pre) - 1) * float(np.corrcoef(pre, post)[0, 1])
        weight += len(pre) - 1
    return total / weight
