"""Pooling a yes/no question asked twice across schools from the schools' paired counts.

References
----------
Agresti (2013), Categorical Data Analysis, section 11.1.1: the variance of a paired change
(c - b) / n is (b + c - (c - b)² / n) / n². The stratified estimator weights each school by its
pupils and adds the schools' variances (Cochran 1977, ch. 5). Computed by hand below.
"""

from __future__ import annotations

import doctest
import math

import pandas as pd
import pytest
from scipy import stats

from slc_research.stats import StatsError, meta_analysis
from slc_research.stats import paired_pooling as module
from slc_research.stats.paired_pooling import stratified_paired_change

# four schools as in the co-production pilot: (yes/yes, yes/no, no/yes, no/no)
SCHOOLS = {"Oakfield": (3, 4, 1, 2), "Riverside": (2, 0, 0, 8),
           "St Anne's": (5, 3, 1, 3), "Hillcrest": (1, 2, 0, 6)}


def _frame() -> pd.DataFrame:
    return pd.DataFrame([{"label": k, "yes_yes": a, "yes_no": b, "no_yes": c, "no_no": d}
                         for k, (a, b, c, d) in SCHOOLS.items()])


def test_item3_stratified_paired_risk_difference():
    res = stratified_paired_change(_frame())
    # by hand: N = 10 + 10 + 12 + 9 = 41; sum(c - b) = -3 + 0 - 2 - 2 = -7
    assert res.n == 41
    assert res.k == 4
    assert res.estimate == pytest.approx(-7 / 41, rel=1e-12)
    # each school's variance after adding 1/2 to each cell (Agresti & Min 2005):
    # b' + c' - (c' - b')² / n', over n'², weighted by (n_i / N)²
    def v(b, c, n):
        b, c, n = b + 0.5, c + 0.5, n + 2
        return (b + c - (c - b) ** 2 / n) / n**2

    var = (100 * v(4, 1, 10) + 100 * v(0, 0, 10) + 144 * v(3, 1, 12) + 81 * v(2, 0, 9)) / 41**2
    assert res.se == pytest.approx(math.sqrt(var), rel=1e-12)
    assert res.ci_low == pytest.approx(-7 / 41 - stats.norm.ppf(0.975) * math.sqrt(var),
                                       rel=1e-12)
    assert res.statistic == pytest.approx((-7 / 41) / math.sqrt(var), rel=1e-12)
    # all pupils as one group (B = 9, C = 2, N = 41), the same adjustment once
    assert res.unstratified_se == pytest.approx(math.sqrt(v(9, 2, 41)), rel=1e-12)
    s = res.studies.set_index("label")
    assert s.loc["Oakfield", "estimate"] == pytest.approx(-0.3)
    assert s.loc["Riverside", "weight_percent"] == pytest.approx(100 * 10 / 41)
    assert s["weight_percent"].sum() == pytest.approx(100)
    assert (s["ci_low"] <= s["estimate"]).all()
    assert (s["estimate"] <= s["ci_high"]).all()
    # Riverside, where nobody changed answer, gets its pupils' share of the weight (24%);
    # an inverse-variance pooling of back-calculated SEs gives it far more: the issue's
    # -7.1 vs -10.5 percentage points.
    back = (s["ci_high"] - s["ci_low"]) / (2 * stats.norm.ppf(0.975))
    iv = meta_analysis(s["estimate"].to_numpy(), se=back.to_numpy(), method="FE")
    assert iv.studies["weight_percent"].iloc[1] > 24.4
    assert iv.estimate > res.estimate  # pulled towards Riverside's 0
    assert doctest.testmod(module, raise_on_error=False).failed == 0


def test_stratified_paired_change_inputs():
    mapping = {k: dict(zip(("yes_yes", "yes_no", "no_yes", "no_no"), v, strict=True))
               for k, v in SCHOOLS.items()}
    assert stratified_paired_change(mapping) == stratified_paired_change(_frame())
    none = stratified_paired_change({"A": {"yes_yes": 2, "yes_no": 0, "no_yes": 0, "no_no": 3}})
    assert none.estimate == 0.0
    assert none.p_value == 1.0
    assert none.ci_low == pytest.approx(-none.ci_high)  # nobody changed: still an interval
    assert none.ci_low < 0
    with pytest.raises(StatsError, match="missing no_no"):
        stratified_paired_change(_frame().drop(columns="no_no"))
    with pytest.raises(StatsError, match="whole number of pupils"):
        stratified_paired_change(_frame().assign(yes_no=[1, -1, 0, 0]))
    with pytest.raises(StatsError, match="school 2 has no pupil"):
        stratified_paired_change(_frame().assign(yes_yes=[1, 0, 0, 0], no_no=[1, 0, 1, 1]))
