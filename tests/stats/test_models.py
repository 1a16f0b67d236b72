"""ANCOVA against a direct numpy least-squares computation.

References
----------
- The OLS estimate, its standard error and t interval are recomputed here from
  the normal equations with numpy (b = (X'X)⁻¹X'y, Var(b) = σ̂²(X'X)⁻¹,
  σ̂² = RSS/(n - k)), independently of statsmodels.
- The effect size follows the EEF's statistical analysis guidance (2022):
  adjusted difference over the unadjusted pooled SD of the outcome, with
  Hedges' J(n - 2), J computed here from the gamma function.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats import models as module
from slc_research.stats.models import AncovaResult, ancova
from slc_research.stats.results import TestResult

# never a numpy warning and a NaN; but not the unclosed event loops that notebook tests
# in the same process leave for the garbage collector
pytestmark = [pytest.mark.filterwarnings("error"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]


def _school(seed: int = 7, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    member = rng.random(n) < 0.4
    pre = rng.normal(100, 15, n) + 4 * member
    post = 20 + 0.8 * pre + 5 * member + rng.normal(0, 8, n)
    return pd.DataFrame({"pre": pre, "post": post,
                         "slc": np.where(member, "member", "not a member"),
                         "fsm": rng.random(n) < 0.3,
                         "year_group": rng.choice(["Y7", "Y8", "Y9"], n)})


def _ols(X: np.ndarray, y: np.ndarray, confidence: float = 0.95):
    xtx_inv = np.linalg.inv(X.T @ X)
    b = xtx_inv @ X.T @ y
    resid = y - X @ b
    df = len(y) - X.shape[1]
    se = np.sqrt(resid @ resid / df * np.diag(xtx_inv))
    half = stats.t.ppf(0.5 + confidence / 2, df) * se
    return b, se, b - half, b + half, df


def _j(df: float) -> float:
    return math.gamma(df / 2) / (math.sqrt(df / 2) * math.gamma((df - 1) / 2))


def test_ancova_matches_numpy_least_squares():
    data = _school()
    res = ancova(data, outcome="post", baseline="pre", group="slc", treated="member")
    treat = (data["slc"] == "member").to_numpy(float)
    X = np.column_stack([np.ones(len(data)), treat, data["pre"]])
    b, se, lo, hi, df = _ols(X, data["post"].to_numpy())
    assert isinstance(res, AncovaResult)
    assert isinstance(res, TestResult)
    assert res.estimate == pytest.approx(b[1], rel=1e-10)
    assert (res.ci_low, res.ci_high) == pytest.approx((lo[1], hi[1]), rel=1e-10)
    assert res.statistic == pytest.approx(b[1] / se[1], rel=1e-10)
    assert res.df == df
    assert res.p_value == pytest.approx(2 * stats.t.sf(abs(b[1] / se[1]), df), rel=1e-8)
    # effect size: adjusted difference / unadjusted pooled SD of the post-test, times J
    post = data["post"].to_numpy()
    y1, y0 = post[treat == 1], post[treat == 0]
    n1, n0 = len(y1), len(y0)
    sp = math.sqrt(((n1 - 1) * y1.var(ddof=1) + (n0 - 1) * y0.var(ddof=1)) / (n1 + n0 - 2))
    j = _j(n1 + n0 - 2)
    assert res.sd_pooled == pytest.approx(sp, rel=1e-12)
    assert res.effect_size == pytest.approx(j * b[1] / sp, rel=1e-10)
    assert res.effect_size_ci_low == pytest.approx(j * lo[1] / sp, rel=1e-10)
    assert res.effect_size_ci_high == pytest.approx(j * hi[1] / sp, rel=1e-10)
    assert res.extra["effect_size_uncorrected"] == pytest.approx(b[1] / sp, rel=1e-10)
    assert (res.extra["n_treated"], res.extra["n_comparison"], res.n) == (n1, n0, 60)


def test_ancova_with_numeric_and_categorical_covariates():
    data = _school(seed=11, n=80)
    res = ancova(data, outcome="post", baseline="pre", group="slc", treated="member",
                 covariates=["fsm", "year_group"], confidence=0.9)
    treat = (data["slc"] == "member").to_numpy(float)
    X = np.column_stack([np.ones(len(data)), treat, data["pre"], data["fsm"].astype(float),
                         data["year_group"] == "Y8", data["year_group"] == "Y9"]).astype(float)
    b, se, lo, hi, df = _ols(X, data["post"].to_numpy(), confidence=0.9)
    assert res.estimate == pytest.approx(b[1], rel=1e-10)
    assert (res.ci_low, res.ci_high) == pytest.approx((lo[1], hi[1]), rel=1e-10)
    assert res.df == df == 74
    terms = res.coefficients.set_index("term")
    assert terms.loc["pre", "estimate"] == pytest.approx(b[2], rel=1e-10)
    assert terms.loc["year_group = Y9", "estimate"] == pytest.approx(b[5], rel=1e-8)
    assert "year_group" in res.method
    assert "coefficients" not in res.to_frame().columns


def test_boolean_group_needs_no_label_and_missing_rows_are_dropped():
    data = _school(seed=3, n=40)
    data["member"] = data["slc"] == "member"
    data.loc[[0, 5], "pre"] = np.nan
    data.loc[7, "post"] = None
    res = ancova(data, outcome="post", baseline="pre", group="member")
    assert (res.n, res.extra["n_dropped"]) == (37, 3)
    by_label = ancova(data, outcome="post", baseline="pre", group="slc", treated="member")
    assert res.estimate == pytest.approx(by_label.estimate)


def test_str():
    res = ancova(_school(), outcome="post", baseline="pre", group="slc", treated="member")
    text = str(res)
    assert text.startswith("adjusted difference = ")
    assert ", t(57) = " in text
    assert "; g = " in text
    assert text.endswith("n = 60")


def test_docstring_examples():
    assert doctest.testmod(module).failed == 0


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_swapping_the_treated_label_flips_the_sign(seed):
    data = _school(seed=seed, n=24)
    if data["slc"].nunique() < 2 or data["slc"].value_counts().min() < 2:
        return
    a = ancova(data, outcome="post", baseline="pre", group="slc", treated="member")
    b = ancova(data, outcome="post", baseline="pre", group="slc", treated="not a member")
    assert b.estimate == pytest.approx(-a.estimate)
    assert (b.ci_low, b.ci_high) == pytest.approx((-a.ci_high, -a.ci_low))
    assert (b.effect_size_ci_low, b.effect_size_ci_high) == pytest.approx(
        (-a.effect_size_ci_high, -a.effect_size_ci_low))
    assert a.ci_low <= a.estimate <= a.ci_high
    assert a.effect_size_ci_low <= a.effect_size <= a.effect_size_ci_high


def test_errors():
    data = _school(n=30)
    with pytest.raises(StatsError, match="say which value of 'slc' is the intervention"):
        ancova(data, outcome="post", baseline="pre", group="slc")
    with pytest.raises(StatsError, match="treated='SLC' is not a value of 'slc'"):
        ancova(data, outcome="post", baseline="pre", group="slc", treated="SLC")
    with pytest.raises(StatsError, match="exactly two values"):
        ancova(data, outcome="post", baseline="pre", group="year_group", treated="Y7")
    with pytest.raises(StatsError, match="column\\(s\\) 'score' not in the data"):
        ancova(data, outcome="score", baseline="pre", group="slc", treated="member")
    with pytest.raises(StatsError, match="data must be a pandas DataFrame"):
        ancova(data.to_dict(), outcome="post", baseline="pre", group="slc", treated="member")
    few = data[data["slc"] == "not a member"].copy()
    few.loc[few.index[0], "slc"] = "member"
    with pytest.raises(StatsError, match="at least 2 pupils in the intervention group"):
        ancova(few, outcome="post", baseline="pre", group="slc", treated="member")
    flat = data.assign(pre=5.0)
    with pytest.raises(StatsError, match="every value in the baseline 'pre' is the same"):
        ancova(flat, outcome="post", baseline="pre", group="slc", treated="member")
    twice = data.assign(pre2=data["pre"] * 2)
    with pytest.raises(StatsError, match="duplicate each other"):
        ancova(twice, outcome="post", baseline="pre", group="slc", treated="member",
               covariates=["pre2"])
    words = data.assign(post="high")
    with pytest.raises(StatsError, match="post must hold numbers"):
        ancova(words, outcome="post", baseline="pre", group="slc", treated="member")
    tiny = data.head(4).assign(slc=["member", "member", "not", "not"])
    with pytest.raises(StatsError, match="too few for 4 model terms|fitted exactly"):
        ancova(tiny, outcome="post", baseline="pre", group="slc", treated="member",
               covariates=["fsm"])


def _trust(seed: int = 11, schools: int = 4, per_school: int = 40) -> pd.DataFrame:
    """Pupils in several schools, with a school effect on both pre- and post-test."""
    rng = np.random.default_rng(seed)
    school = np.repeat([f"S{i}" for i in range(schools)], per_school)
    bump = np.repeat(rng.normal(0, 5, schools), per_school)
    member = rng.random(school.size) < 0.3
    pre = rng.normal(50, 10, school.size) + bump
    post = 0.7 * pre + 2 * member + bump + rng.normal(0, 6, school.size)
    return pd.DataFrame({"pre": pre, "post": post, "school": school,
                         "group": np.where(member, "member", "other")})


def test_item7_cluster_robust_matches_statsmodels():
    """Cluster-robust SEs by school and school fixed effects, checked against statsmodels'
    formula API fitted directly (smf.ols(...).fit(cov_type="cluster", use_t=True);
    Cameron & Miller, 2015): same coefficient, SE, t on G - 1 df, p and interval."""
    import statsmodels.formula.api as smf

    data = _trust()
    data["treated"] = (data["group"] == "member").astype(float)
    codes = pd.Categorical(data["school"]).codes
    direct = smf.ols("post ~ treated + pre", data).fit(
        cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
    res = ancova(data, outcome="post", baseline="pre", group="group", treated="member",
                 cluster="school")
    assert res.estimate == pytest.approx(direct.params["treated"], rel=1e-10)
    se = res.coefficients.set_index("term").loc["intervention group", "se"]
    assert se == pytest.approx(direct.bse["treated"], rel=1e-10)
    assert res.df == 3  # 4 schools - 1
    assert res.p_value == pytest.approx(direct.pvalues["treated"], rel=1e-10)
    low, high = direct.conf_int().loc["treated"]
    assert (res.ci_low, res.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert "only 4 schools (fewer than 20)" in res.clustering_note
    assert "unreliable" in res.clustering_note
    assert res.extra["n_clusters"] == 4

    fixed = smf.ols("post ~ treated + pre + C(school)", data).fit()
    res = ancova(data, outcome="post", baseline="pre", group="group", treated="member",
                 fixed_effects="school")
    assert res.estimate == pytest.approx(fixed.params["treated"], rel=1e-10)
    assert res.df == fixed.df_resid
    assert res.p_value == pytest.approx(fixed.pvalues["treated"], rel=1e-10)
    assert "school = S1" in set(res.coefficients["term"])
    assert "school fixed effects (4 schools)" in res.method
    assert res.clustering_note.startswith("Each pupil is compared with pupils of the same school")

    many = _trust(schools=25, per_school=12)
    res = ancova(many, outcome="post", baseline="pre", group="group", treated="member",
                 cluster="school")
    assert "unreliable" not in res.clustering_note
    with pytest.raises(StatsError, match="at least 2 schools"):
        ancova(data.assign(school="S0"), outcome="post", baseline="pre", group="group",
               treated="member", cluster="school")
