"""Effect sizes from means, SDs and ns: a published worked example and the raw-data versions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from slc_research.stats import (
    StatsError,
    cohens_d,
    cohens_d_from_summary,
    glass_delta,
    glass_delta_from_summary,
    hedges_g,
    hedges_g_from_summary,
)

Z = 1.959963984540054


def test_borenstein_worked_example():
    # Borenstein, Hedges, Higgins & Rothstein (2009), Introduction to Meta-Analysis, ch. 4:
    # means 103 v 100, SDs 5.5 v 4.5, n = 50 each -> S_within 5.0249, d = 0.5970,
    # V_d = 0.0418 (SE 0.2044), J = 0.9923, g = 0.5924, V_g = 0.0411 (SE 0.2028).
    d = cohens_d_from_summary(103, 5.5, 50, 100, 4.5, 50, ci="normal")
    g = hedges_g_from_summary(103, 5.5, 50, 100, 4.5, 50, ci="normal")
    assert d.estimate == pytest.approx(0.5970, abs=5e-5)
    assert (d.ci_high - d.ci_low) / (2 * Z) == pytest.approx(0.2044, abs=5e-5)
    assert ((d.ci_high - d.ci_low) / (2 * Z)) ** 2 == pytest.approx(0.0418, abs=5e-5)
    assert g.estimate == pytest.approx(0.5924, abs=5e-5)
    assert g.estimate / d.estimate == pytest.approx(0.9923, abs=5e-5)
    assert (g.ci_high - g.ci_low) / (2 * Z) == pytest.approx(0.2028, abs=5e-5)
    assert ((g.ci_high - g.ci_low) / (2 * Z)) ** 2 == pytest.approx(0.0411, abs=5e-5)
    assert (g.n, g.n1, g.n2, g.symbol, g.ci_method) == (100, 50, 50, "g", "normal")
    assert "summary statistics" in g.method


def test_lakens_movie_example_from_its_published_summary():
    # Lakens (2013), Table 1: movie 1 M = 8.7, SD = 0.82; movie 2 M = 7.7, SD = 0.95;
    # n = 10 each: Cohen's d_s = 1.13, Hedges' g_s = 1.08.
    d = cohens_d_from_summary(8.7, 0.82, 10, 7.7, 0.95, 10)
    g = hedges_g_from_summary(8.7, 0.82, 10, 7.7, 0.95, 10)
    assert round(d.estimate, 2) == 1.13
    assert round(g.estimate, 2) == 1.08
    assert str(g).startswith("g = 1.08, 95% CI [0.16, ")  # [0.16, 1.97] from the raw ratings


@pytest.mark.parametrize("ci", ["nct", "normal"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_equals_the_raw_data_versions_with_the_same_moments(ci, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(3.4, 0.8, 23 + seed)
    y = rng.normal(3.1, 1.1, 31)
    moments = (x.mean(), x.std(ddof=1), len(x), y.mean(), y.std(ddof=1), len(y))
    for summary, raw in ((hedges_g_from_summary, hedges_g), (cohens_d_from_summary, cohens_d),
                         (glass_delta_from_summary, glass_delta)):
        a = summary(*moments, ci=ci, confidence=0.9)
        b = raw(x, y, ci=ci, confidence=0.9)
        for field in ("estimate", "ci_low", "ci_high"):
            assert getattr(a, field) == pytest.approx(getattr(b, field), rel=1e-9, abs=1e-12)
        assert (a.n, a.n1, a.n2, a.symbol, a.ci_method, a.confidence) == (
            b.n, b.n1, b.n2, b.symbol, b.ci_method, b.confidence)
        assert isinstance(a.estimate, float)
        assert isinstance(a.ci_low, float)


def test_glass_uses_only_the_comparison_sd():
    a = glass_delta_from_summary(10, 1.0, 20, 8, 4.0, 20)
    b = glass_delta_from_summary(10, 9.0, 20, 8, 4.0, 20)
    assert a.estimate == b.estimate == pytest.approx(0.5)
    assert a.symbol == "Δ"


def test_negative_effect_when_the_intervention_is_lower():
    g = hedges_g_from_summary(95, 10, 30, 100, 10, 30)
    assert g.estimate < 0
    assert g.ci_low < g.estimate < g.ci_high
    assert g.estimate == pytest.approx(-0.5 * (1 - 3 / (4 * 58 - 1)), abs=1e-4)


@pytest.mark.parametrize(("args", "match"), [
    ((1, -1, 10, 0, 1, 10), "cannot be negative"),
    ((1, 1, 1, 0, 1, 10), "n1 must be at least 2"),
    ((1, 1, 10, 0, 1, 2.5), "whole number"),
    ((1, 0, 10, 0, 0, 10), "both standard deviations are 0"),
    ((math.nan, 1, 10, 0, 1, 10), "mean1"),
    (("3.2", 1, 10, 0, 1, 10), "mean1 must be a number"),
])
def test_bad_inputs_are_refused_with_a_message(args, match):
    with pytest.raises(StatsError, match=match):
        hedges_g_from_summary(*args)


def test_glass_refuses_a_zero_comparison_sd_and_bad_options():
    with pytest.raises(StatsError, match="comparison group's SD is 0"):
        glass_delta_from_summary(1, 1, 10, 0, 0, 10)
    with pytest.raises(StatsError, match="ci must be"):
        hedges_g_from_summary(1, 1, 10, 0, 1, 10, ci="exact")
    with pytest.raises(StatsError, match="confidence"):
        cohens_d_from_summary(1, 1, 10, 0, 1, 10, confidence=95)
