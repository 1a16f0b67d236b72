"""Months' progress at every band edge of the EEF Toolkit table, and the MDES (stats.power).

References
----------
- EEF Teaching and Learning Toolkit, "Converting effect sizes to months'
  progress" (as in STACK.md): 0 for -0.01..0.01, 1: 0.02-0.09, 2: 0.10-0.18,
  3: 0.19-0.26, 4: 0.27-0.35, 5: 0.36-0.44, 6: 0.45-0.52, 7: 0.53-0.61,
  8: 0.62-0.69, 9: 0.70-0.78, 10: 0.79-0.87, 11: 0.88-0.95, 12: 0.96 and above;
  effect sizes rounded to 2 dp; negative -> negative.
- Cohen (1988), Table 2.4.1: d = 0.50 needs n = 64 per group for 80% power at
  two-sided α = .05, so the MDES of 64 + 64 is just under 0.50 (0.4991).
- The power at the MDES is recomputed here with scipy's noncentral t,
  independently of statsmodels' solver.
"""

from __future__ import annotations

import doctest
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from slc_research.errors import StatsError
from slc_research.stats import eef as module
from slc_research.stats import power as power_module
from slc_research.stats.eef import MONTHS_CAVEAT, MonthsProgress, months_progress
from slc_research.stats.effect_sizes import hedges_g
from slc_research.stats.power import Mdes, mdes

# never a numpy warning and a NaN; but not the unclosed event loops that notebook tests
# in the same process leave for the garbage collector
pytestmark = [pytest.mark.filterwarnings("error"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

BAND_EDGES = [(0.0, 0), (0.01, 0), (-0.01, 0), (0.02, 1), (0.09, 1), (0.10, 2), (0.18, 2),
              (0.19, 3), (0.26, 3), (0.27, 4), (0.35, 4), (0.36, 5), (0.44, 5), (0.45, 6),
              (0.52, 6), (0.53, 7), (0.61, 7), (0.62, 8), (0.69, 8), (0.70, 9), (0.78, 9),
              (0.79, 10), (0.87, 10), (0.88, 11), (0.95, 11), (0.96, 12), (1.50, 12),
              (-0.02, -1), (-0.19, -3), (-0.18, -2), (-0.96, -12)]


@pytest.mark.parametrize(("effect_size", "months"), BAND_EDGES)
def test_months_at_every_band_edge(effect_size, months):
    res = months_progress(effect_size, outcome_kind="attainment")
    assert isinstance(res, MonthsProgress)
    assert res.estimate == months
    assert int(res) == months


@pytest.mark.parametrize(("effect_size", "months"),
                         [(0.014, 0), (0.015, 1), (0.094, 1), (0.095, 2), (0.185, 3),
                          (0.2649, 3), (0.265, 4), (-0.015, -1), (-0.0149, 0), (0.955, 12)])
def test_effect_sizes_are_rounded_to_two_places_first(effect_size, months):
    assert months_progress(effect_size, outcome_kind="attainment").estimate == months


def test_months_carry_the_caveat_and_an_interval():
    g = hedges_g([9, 7, 8, 9, 8, 9, 9, 10, 9, 9], [9, 6, 7, 8, 7, 9, 8, 8, 8, 7])
    res = months_progress(g, outcome_kind="attainment")
    assert res.effect_size == g.estimate
    assert res.ci_low == months_progress(g.ci_low, outcome_kind="attainment").estimate
    assert res.ci_high == months_progress(g.ci_high, outcome_kind="attainment").estimate
    assert res.n == 20
    assert "primary-age" in res.caveat
    assert res.caveat == MONTHS_CAVEAT
    assert "caveat" in res.to_frame().columns
    assert math.isnan(months_progress(0.3, outcome_kind="attainment").ci_low)
    assert str(months_progress(0.3, outcome_kind="attainment")) == "+4 months' progress (effect size 0.30)"
    assert str(months_progress(0.05, outcome_kind="attainment")) == "+1 month's progress (effect size 0.05)"


def _power(delta, n1, n2, alpha=0.05):
    df = n1 + n2 - 2
    ncp = delta * math.sqrt(n1 * n2 / (n1 + n2))
    crit = stats.t.ppf(1 - alpha / 2, df)
    return stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp)


@pytest.mark.parametrize(("n1", "n2"), [(10, 15), (20, 25), (64, 69), (150, 40)])
def test_mdes_against_noncentral_t_solved_independently(n1, n2):
    res = mdes(n1, n2)
    assert _power(res.estimate, n1, n2) == pytest.approx(0.8, abs=1e-5)
    exact = optimize.brentq(lambda d: _power(d, n1, n2) - 0.8, 0.05, 2, xtol=1e-12)
    assert res.estimate == pytest.approx(exact, abs=1e-5)


def test_mdes_of_64_per_group_is_cohens_half_sd():
    res = mdes(64, 64)
    assert isinstance(res, Mdes)
    assert res.estimate == pytest.approx(0.4991, abs=5e-5)
    assert res.months == 6
    assert (res.n, res.design_effect) == (128, 1.0)
    assert math.isnan(res.ci_low)
    assert str(res) == "MDES = 0.50 (80% power, two-sided α = .05; n = 64 + 64)"


def test_mdes_adjustments_multiply():
    plain = mdes(30, 40)
    adjusted = mdes(30, 40, pretest_correlation=0.6, icc=0.15, cluster_size=25)
    design_effect = 1 + 24 * 0.15
    assert adjusted.design_effect == pytest.approx(design_effect)
    assert adjusted.mdes_unadjusted == pytest.approx(plain.estimate)
    assert adjusted.estimate == pytest.approx(
        plain.estimate * math.sqrt(design_effect * (1 - 0.36)), rel=1e-12)
    assert mdes(30, 40, pretest_correlation=0.6).estimate == pytest.approx(
        plain.estimate * 0.8, rel=1e-12)
    assert "design effect 4.60" in adjusted.method


def test_docstring_examples():
    assert doctest.testmod(module).failed == 0
    assert doctest.testmod(power_module).failed == 0


@settings(max_examples=60, deadline=None)
@given(st.floats(-2, 2, allow_nan=False))
def test_negative_effect_sizes_give_negative_months(effect_size):
    assert months_progress(-effect_size, outcome_kind="attainment").estimate == -months_progress(effect_size, outcome_kind="attainment").estimate


def test_errors():
    with pytest.raises(StatsError, match="effect_size must be a number"):
        months_progress("0.3", outcome_kind="attainment")
    with pytest.raises(StatsError, match="finite"):
        months_progress(float("nan"), outcome_kind="attainment")
    with pytest.raises(StatsError, match="at least 2 pupils in each group"):
        mdes(1, 30)
    with pytest.raises(StatsError, match="n_treated must be a whole number"):
        mdes(10.5, 30)
    with pytest.raises(StatsError, match="power must be between 0 and 1"):
        mdes(10, 10, power=80)
    with pytest.raises(StatsError, match="pretest_correlation must be between -1 and 1"):
        mdes(10, 10, pretest_correlation=1.0)
    with pytest.raises(StatsError, match="give both icc and cluster_size"):
        mdes(10, 10, icc=0.1)
    with pytest.raises(StatsError, match="icc must be between 0 and 1"):
        mdes(10, 10, icc=1.2, cluster_size=20)


def test_mdes_for_very_unequal_groups_is_the_positive_root():
    """statsmodels' solve_power returns -0.34 here; the MDES must give 80% power."""
    from statsmodels.stats.power import TTestIndPower

    from slc_research.stats import mdes

    result = mdes(70, 1527)
    assert result.estimate > 0
    power = TTestIndPower().power(effect_size=result.estimate, nobs1=70, alpha=0.05,
                                  ratio=1527 / 70)
    assert power == pytest.approx(0.8, abs=1e-8)


@pytest.mark.parametrize(("n1", "n2"), [(600, 600), (642, 642), (383, 1149), (9000, 9000)])
def test_mdes_of_large_groups_matches_the_noncentral_t_power_equation(n1, n2):
    # statsmodels' power is NaN far above the target for groups this size; the answer
    # must still solve the power equation, here with scipy's noncentral t directly.
    from scipy import optimize, stats

    df, scale = n1 + n2 - 2, math.sqrt(n1 * n2 / (n1 + n2))
    crit = stats.t.ppf(0.975, df)

    def shortfall(d):
        nc = d * scale
        return stats.nct.sf(crit, df, nc) + stats.nct.cdf(-crit, df, nc) - 0.8

    normal = (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) / scale  # Bloom (1995)
    expected = optimize.brentq(shortfall, normal / 2, normal * 2)
    assert mdes(n1, n2).estimate == pytest.approx(expected, abs=1e-6)


def test_item8_months_only_for_attainment_with_caveat():
    """Months' progress is the EEF Toolkit's attainment table (EEF, 2021): refused for
    attitude, wellbeing, attendance and behaviour, and printed with MONTHS_CAVEAT."""
    res = months_progress(0.25, outcome_kind="attainment")
    assert res.estimate == 3  # 0.19-0.26 -> 3 months (EEF Toolkit table)
    assert res.statement == f"+3 months' progress (effect size 0.25). {MONTHS_CAVEAT}"
    for kind in ("attitude", "wellbeing", "attendance", "behaviour", "other"):
        with pytest.raises(StatsError, match=f"only meaningful for attainment outcomes, not {kind}"):
            months_progress(0.25, outcome_kind=kind)
    with pytest.raises(StatsError, match="outcome_kind must be one of"):
        months_progress(0.25, outcome_kind="engagement")
    with pytest.raises(TypeError):
        months_progress(0.25)  # the kind must always be said


def test_item7_mdes_with_icc():
    """PowerUp! two-level MDES (Dong & Maynard, 2013, model 3.1; Bloom, 2005) recomputed
    here from its formula with scipy's t quantiles: 4 schools of 50 pupils, ICC 0.15."""
    n_t, n_c, j, rho = 40, 160, 4, 0.15
    total = n_t + n_c
    m, p = total / j, n_t / total
    multiplier = stats.t.ppf(0.975, j - 2) + stats.t.ppf(0.8, j - 2)
    expected = multiplier * math.sqrt(rho / (p * (1 - p) * j)
                                      + (1 - rho) / (p * (1 - p) * j * m))
    res = mdes(n_t, n_c, icc=rho, n_clusters=j)
    assert res.estimate == pytest.approx(expected, rel=1e-12)
    assert res.design_effect == pytest.approx(1 + (m - 1) * rho)
    assert res.estimate > 2 * mdes(n_t, n_c).estimate  # 4 schools: far less precise
    # many schools and no ICC: Bloom's (1995) multiplier 2.80 on 1 / sqrt(P(1-P)N)
    big = mdes(500, 500, icc=0.0, n_clusters=1000)
    assert big.estimate == pytest.approx(2.80 * math.sqrt(1 / (0.25 * 1000)), rel=0.01)
    # a pre-test explaining r^2 at both levels scales the MDES by sqrt(1 - r^2)
    assert mdes(n_t, n_c, icc=rho, n_clusters=j, pretest_correlation=0.6).estimate == \
        pytest.approx(expected * 0.8, rel=1e-12)
    with pytest.raises(StatsError, match="n_clusters needs icc"):
        mdes(n_t, n_c, n_clusters=4)
    with pytest.raises(StatsError, match="n_clusters must be at least 3"):
        mdes(n_t, n_c, icc=0.1, n_clusters=2)
