"""Difference in differences against hand-computed cell means and standard errors.

References
----------
- The estimate is the difference of the two changes in cell means, computed
  here with pandas (Angrist & Pischke, 2009, ch. 5).
- Classical SE of the saturated model: sqrt(σ̂² Σ_cells 1/n_cell) with σ̂² the
  pooled within-cell variance on n - 4 df (each cell mean has variance σ²/n_cell).
- Cluster-robust SE: the CR1 sandwich (X'X)⁻¹ (Σ_g X_g'u_g u_g'X_g) (X'X)⁻¹ ×
  G/(G-1) × (n-1)/(n-k), with t on G - 1 df (Cameron & Miller, 2015), computed
  here with numpy.
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
from slc_research.stats import difference_in_differences as module
from slc_research.stats.difference_in_differences import DiffInDiffResult, diff_in_diff

# never a numpy warning and a NaN; but not the unclosed event loops that notebook tests
# in the same process leave for the garbage collector
pytestmark = [pytest.mark.filterwarnings("error"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]


def _attendance(seed: int = 5, pupils: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    member = np.arange(pupils) < pupils // 3
    base = rng.normal(92, 4, pupils)
    rows = []
    for i in range(pupils):
        for term, later in (("autumn", 0), ("spring", 1)):
            rate = base[i] - 1.0 * later + 2.0 * later * member[i] + rng.normal(0, 2)
            rows.append({"pupil": f"P{i:03d}", "group": "SLC" if member[i] else "other",
                         "term": term, "attendance": rate})
    return pd.DataFrame(rows)


def test_estimate_is_the_difference_of_changes_in_cell_means():
    data = _attendance()
    res = diff_in_diff(data, outcome="attendance", group="group", period="term",
                       treated="SLC", after="spring")
    cell = data.groupby(["group", "term"])["attendance"].mean()
    change_t = cell["SLC", "spring"] - cell["SLC", "autumn"]
    change_c = cell["other", "spring"] - cell["other", "autumn"]
    assert isinstance(res, DiffInDiffResult)
    assert res.estimate == pytest.approx(change_t - change_c, abs=1e-10)
    assert res.extra["mean_treated_before"] == pytest.approx(cell["SLC", "autumn"])
    assert res.extra["mean_comparison_after"] == pytest.approx(cell["other", "spring"])
    assert res.extra["change_treated"] == pytest.approx(change_t)
    assert res.extra["n_treated_after"] == 13
    assert set(res.cells["group"]) == {"intervention", "comparison"}
    assert res.cells["n"].sum() == res.n == 80
    frame = res.to_frame()
    assert {"mean_treated_before", "mean_treated_after", "mean_comparison_before",
            "mean_comparison_after", "estimate", "ci_low", "p_value"} <= set(frame)


def test_classical_standard_error_by_hand():
    data = _attendance(seed=8)
    res = diff_in_diff(data, outcome="attendance", group="group", period="term",
                       treated="SLC", after="spring", confidence=0.9)
    grouped = data.groupby(["group", "term"])["attendance"]
    within = data["attendance"] - grouped.transform("mean")
    sigma2 = (within**2).sum() / (len(data) - 4)
    se = math.sqrt(sigma2 * (1 / grouped.size()).sum())
    assert res.df == len(data) - 4
    assert res.statistic == pytest.approx(res.estimate / se, rel=1e-10)
    half = stats.t.ppf(0.95, len(data) - 4) * se
    assert (res.ci_low, res.ci_high) == pytest.approx(
        (res.estimate - half, res.estimate + half), rel=1e-10)
    assert "classical" in res.method


def test_cluster_robust_standard_error_by_hand():
    data = _attendance(seed=9)
    res = diff_in_diff(data, outcome="attendance", group="group", period="term",
                       unit="pupil", treated="SLC", after="spring")
    t = (data["group"] == "SLC").to_numpy(float)
    a = (data["term"] == "spring").to_numpy(float)
    X = np.column_stack([np.ones(len(data)), t, a, t * a])
    y = data["attendance"].to_numpy()
    bread = np.linalg.inv(X.T @ X)
    b = bread @ X.T @ y
    u = y - X @ b
    meat = np.zeros((4, 4))
    for _, idx in data.groupby("pupil").indices.items():
        score = X[idx].T @ u[idx]
        meat += np.outer(score, score)
    n, k, g = len(y), 4, data["pupil"].nunique()
    cov = bread @ meat @ bread * g / (g - 1) * (n - 1) / (n - k)
    se = math.sqrt(cov[3, 3])
    assert res.estimate == pytest.approx(b[3], rel=1e-10)
    assert res.statistic == pytest.approx(b[3] / se, rel=1e-8)
    assert res.df == g - 1 == 39
    half = stats.t.ppf(0.975, g - 1) * se
    assert (res.ci_low, res.ci_high) == pytest.approx((b[3] - half, b[3] + half), rel=1e-8)
    assert res.p_value == pytest.approx(2 * stats.t.sf(abs(b[3] / se), g - 1), rel=1e-6)
    assert res.extra["n_units"] == 40
    assert "clustered by pupil" in res.method


def test_boolean_columns_need_no_labels():
    data = _attendance()
    data["slc"] = data["group"] == "SLC"
    data["later"] = data["term"] == "spring"
    a = diff_in_diff(data, outcome="attendance", group="slc", period="later", unit="pupil")
    b = diff_in_diff(data, outcome="attendance", group="group", period="term", unit="pupil",
                     treated="SLC", after="spring")
    assert a.estimate == pytest.approx(b.estimate)
    assert a.ci_low == pytest.approx(b.ci_low)


def test_docstring_examples():
    assert doctest.testmod(module).failed == 0


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.booleans())
def test_swapping_groups_flips_the_sign(seed, clustered):
    data = _attendance(seed=seed, pupils=12)
    unit = "pupil" if clustered else None
    a = diff_in_diff(data, outcome="attendance", group="group", period="term", unit=unit,
                     treated="SLC", after="spring")
    b = diff_in_diff(data, outcome="attendance", group="group", period="term", unit=unit,
                     treated="other", after="spring")
    assert b.estimate == pytest.approx(-a.estimate)
    assert (b.ci_low, b.ci_high) == pytest.approx((-a.ci_high, -a.ci_low))
    assert a.ci_low <= a.estimate <= a.ci_high


def test_errors():
    data = _attendance()
    with pytest.raises(StatsError, match="say which value of 'group' is the intervention"):
        diff_in_diff(data, outcome="attendance", group="group", period="term", after="spring")
    with pytest.raises(StatsError, match="say which value of 'term' is the later period"):
        diff_in_diff(data, outcome="attendance", group="group", period="term", treated="SLC")
    with pytest.raises(StatsError, match="after='summer' is not a value of 'term'"):
        diff_in_diff(data, outcome="attendance", group="group", period="term",
                     treated="SLC", after="summer")
    no_late_slc = data[~((data["group"] == "SLC") & (data["term"] == "spring"))]
    with pytest.raises(StatsError, match="no rows for the intervention group after"):
        diff_in_diff(no_late_slc, outcome="attendance", group="group", period="term",
                     treated="SLC", after="spring")
    moved = data.copy()
    moved.loc[1, "group"] = "other"  # pupil P000 is in both groups
    with pytest.raises(StatsError, match="appear in both groups \\(P000\\)"):
        diff_in_diff(moved, outcome="attendance", group="group", period="term",
                     unit="pupil", treated="SLC", after="spring")
    flat = data.assign(attendance=95.0)
    with pytest.raises(StatsError, match="every value is the same within each group"):
        diff_in_diff(flat, outcome="attendance", group="group", period="term",
                     treated="SLC", after="spring")
    one = data[data["pupil"].isin(["P000", "P020", "P021"])]
    with pytest.raises(StatsError, match="at least 2 units \\(pupil\\) in the intervention"):
        diff_in_diff(one, outcome="attendance", group="group", period="term",
                     unit="pupil", treated="SLC", after="spring")
    with pytest.raises(StatsError, match="not in the data"):
        diff_in_diff(data, outcome="attendance", group="group", period="term",
                     unit="student", treated="SLC", after="spring")
