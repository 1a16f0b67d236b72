"""Pupils of several schools compared within their school, and the MDES of such a comparison.

References
----------
- PowerUp! (Dong & Maynard, 2013), blocked individual random assignment with constant
  effects (BIRA2_1c): PowerUpR's documented cross-check ``mdes.bira2c1(n=15, J=20)`` gives
  0.325 (and ``mdes.bira2f1(n=15, J=20)`` the same), i.e. 300 pupils in 20 schools, half in
  each group, no ICC left once schools are adjusted for.
- The school-fixed-effects difference in change is recomputed here with numpy's least
  squares (a different code path from statsmodels): the coefficient of membership in an OLS
  of each pupil's change on membership and one indicator per school.
- Morris (2008), eq. 8: d_ppc2 = c_p x difference / pooled pre-test SD.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slc_research.errors import StatsError
from slc_research.stats import mdes, ppc_effect_size
from slc_research.stats.school_models import difference_in_change, ppc_within_schools


def _schools(seed: int = 7, n: int = 600, effect: float = 0.0) -> pd.DataFrame:
    """Four schools; school A has more members and everyone there gains more (a confounder)."""
    rng = np.random.default_rng(seed)
    school = rng.choice(list("ABCD"), n)
    member = rng.random(n) < np.where(school == "A", 0.5, 0.1)
    pre = rng.normal(3.0, 0.8, n) + 0.2 * (school == "B")
    post = 0.8 + 0.75 * pre + rng.normal(0, 0.45, n) + 0.5 * (school == "A") + effect * member
    return pd.DataFrame({"pre": pre, "post": post, "member": member, "school": school})


def _fe_difference(d: pd.DataFrame) -> float:
    dummies = pd.get_dummies(d["school"], drop_first=True, dtype=float).to_numpy()
    x = np.column_stack([np.ones(len(d)), d["member"].astype(float), dummies])
    coef, *_ = np.linalg.lstsq(x, (d["post"] - d["pre"]).to_numpy(), rcond=None)
    return float(coef[1])


def test_item7_mdes_within_schools_matches_powerupr_bira2c1():
    # PowerUpR: mdes.bira2c1(n=15, J=20) = 0.325 (no covariates, P = .5)
    res = mdes(150, 150, icc=0.0, n_clusters=20, within_schools=True)
    assert res.estimate == pytest.approx(0.325, abs=5e-4)
    assert "BIRA2_1c" in res.method
    assert "20 schools" in res.method
    # the schools' share of the variance drops out: sqrt(1 - ICC) of the ICC-free figure
    with_icc = mdes(150, 150, icc=0.2, n_clusters=20, within_schools=True)
    assert with_icc.estimate == pytest.approx(res.estimate * np.sqrt(0.8), rel=1e-9)
    # with a pre-test, (1 - r^2) as for one school
    adjusted = mdes(150, 150, icc=0.2, n_clusters=20, within_schools=True,
                    pretest_correlation=0.6)
    assert adjusted.estimate == pytest.approx(with_icc.estimate * 0.8, rel=1e-9)
    with pytest.raises(StatsError, match="needs icc and n_clusters"):
        mdes(150, 150, icc=0.2, within_schools=True)


def test_item7_difference_in_change_uses_school_fixed_effects():
    d = _schools()
    res = difference_in_change(d, before="pre", after="post", group="member",
                               fixed_effects="school")
    assert res.estimate == pytest.approx(_fe_difference(d), abs=1e-10)
    assert res.extra["n_clusters"] == 4
    assert "same school (4 schools)" in res.clustering_note
    pooled = d.assign(change=d["post"] - d["pre"]).groupby("member")["change"].mean()
    # nothing injected: pooling the schools shows the confounder, within schools it is gone
    assert pooled[True] - pooled[False] > 0.15
    assert res.ci_low < 0 < res.ci_high
    clustered = difference_in_change(d, before="pre", after="post", group="member",
                                     fixed_effects="school", cluster="school")
    assert clustered.estimate == pytest.approx(res.estimate)
    assert clustered.df == 3  # t on schools - 1
    assert "only 4 schools (fewer than 20)" in clustered.clustering_note


def test_item7_ppc_within_schools_is_morris_on_the_within_school_difference():
    d = _schools()
    res = ppc_within_schools(d, before="pre", after="post", group="member", school="school")
    m, o = d[d["member"]], d[~d["member"]]
    n_t, n_c = len(m), len(o)
    sd_pre = np.sqrt(((n_t - 1) * m["pre"].var() + (n_c - 1) * o["pre"].var()) / (n_t + n_c - 2))
    c_p = 1 - 3 / (4 * (n_t + n_c - 2) - 1)
    assert res.estimate == pytest.approx(c_p * _fe_difference(d) / sd_pre, abs=1e-10)
    assert res.ci_low < 0 < res.ci_high
    pooled = ppc_effect_size(m["pre"], m["post"], o["pre"], o["post"])
    assert pooled.ci_low > 0  # the pooled headline would have claimed an effect
    assert "within schools" in res.method
    assert "4 schools" in res.method
    # one school: the same estimate as Morris's d_ppc2, a near-identical interval
    one = ppc_within_schools(d.assign(school="A"), before="pre", after="post",
                             group="member", school="school")
    assert one.estimate == pytest.approx(pooled.estimate, abs=1e-10)
    assert one.se == pytest.approx(pooled.se, rel=0.05)


def test_item7_injected_effect_recovered_within_schools():
    d = _schools(seed=11, n=4000, effect=0.4)
    res = ppc_within_schools(d, before="pre", after="post", group="member", school="school",
                             confidence=0.99)
    true = 0.4 / d["pre"].std()  # the injected gain over the SD before (about 0.48)
    assert res.ci_low < true < res.ci_high
    assert res.ci_low > 0.3


def test_item7_no_comparison_within_any_school_is_refused():
    d = pd.DataFrame({"pre": [1, 2, 3, 4, 2, 3, 1, 2], "post": [2, 3, 3, 5, 2, 4, 1, 3],
                      "member": [True] * 4 + [False] * 4, "school": list("AAAABBBB")})
    with pytest.raises(StatsError, match="all members or all others"):
        difference_in_change(d, before="pre", after="post", group="member",
                             fixed_effects="school")


def test_item7_robust_errors_compare_unequal_groups_as_welch_would():
    d = _schools(seed=3)
    res = difference_in_change(d, before="pre", after="post", group="member")
    change = d["post"] - d["pre"]
    t, c = change[d["member"]], change[~d["member"]]
    n = len(d)
    # HC1 with one 0/1 regressor: n/(n-2) x (sum of squared residuals per group / n_g^2)
    hc1 = n / (n - 2) * (t.var() * (len(t) - 1) / len(t) ** 2
                         + c.var() * (len(c) - 1) / len(c) ** 2)
    assert res.estimate == pytest.approx(t.mean() - c.mean(), abs=1e-10)
    assert res.extra["se"] == pytest.approx(np.sqrt(hc1), rel=1e-9)
    assert "robust (HC1)" in res.method
    classical = difference_in_change(d, before="pre", after="post", group="member",
                                     robust=False)
    pooled = np.sqrt(((len(t) - 1) * t.var() + (len(c) - 1) * c.var()) / (n - 2))
    assert classical.extra["se"] == pytest.approx(pooled * np.sqrt(1 / len(t) + 1 / len(c)),
                                                  rel=1e-9)
