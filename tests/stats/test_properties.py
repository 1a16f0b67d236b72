"""Property tests (hypothesis) for reliability, agreement and pooling.

Each property holds by construction of the estimator:
- kappa is 1 when both coders agree on every unit (and use at least two categories);
  Krippendorff's alpha is 1 when every unit's codings agree (and there is variation);
- Cronbach's alpha never exceeds 1 (sum(C) <= k tr(C) for a covariance matrix C);
- every analytic interval (Feldt, asymptotic kappa, meta-analytic CI and prediction
  interval, each study's interval) contains its estimate; the percentile bootstrap
  intervals (Fleiss' kappa, Krippendorff's alpha) are not guaranteed to, so they are
  checked on a fixed (derandomised) set of examples, up to rounding;
- the estimates do not depend on the order of coders, items or studies.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from slc_research.stats import StatsError
from slc_research.stats.agreement import cohen_kappa, fleiss_kappa
from slc_research.stats.coding_reliability import krippendorff_alpha
from slc_research.stats.meta import meta_analysis
from slc_research.stats.reliability import cronbach_alpha

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

codes = st.integers(min_value=1, max_value=5)


@st.composite
def answer_tables(draw, missing: bool = False):
    n = draw(st.integers(3, 25))
    k = draw(st.integers(2, 7))
    table = np.array(draw(st.lists(st.lists(codes.map(float), min_size=k, max_size=k),
                                   min_size=n, max_size=n)))
    if missing:  # blank up to a fifth of the answers
        cells = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, k - 1)),
                              max_size=n * k // 5))
        for i, j in cells:
            table[i, j] = math.nan
    return table


@st.composite
def coder_pairs(draw):
    n = draw(st.integers(2, 40))
    a = draw(st.lists(codes, min_size=n, max_size=n))
    b = draw(st.lists(codes, min_size=n, max_size=n))
    return a, b


def _quiet(fn, *args, **kwargs):
    """Run fn with every warning an error; a StatsError means the input was refused."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return fn(*args, **kwargs)
        except StatsError:
            return None


# --- kappa -----------------------------------------------------------------------------------

@FAST
@given(ratings=st.lists(codes, min_size=2, max_size=40),
       weights=st.sampled_from([None, "linear", "quadratic"]))
def test_kappa_is_one_for_identical_ratings(ratings, weights):
    assume(len(set(ratings)) >= 2)
    res = _quiet(cohen_kappa, ratings, list(ratings), weights=weights)
    assert res.estimate == pytest.approx(1.0, abs=1e-12)
    assert res.ci_low <= res.estimate <= res.ci_high + 1e-12


@FAST
@given(ratings=st.lists(st.lists(codes, min_size=3, max_size=3), min_size=2, max_size=20))
def test_fleiss_kappa_is_one_for_identical_ratings(ratings):
    table = np.array([[row[0]] * 3 for row in ratings])
    assume(len(np.unique(table)) >= 2)
    assert _quiet(fleiss_kappa, table, n_resamples=50).estimate == pytest.approx(1.0)


@FAST
@given(pair=coder_pairs(), weights=st.sampled_from([None, "linear", "quadratic"]))
def test_kappa_interval_contains_estimate_and_is_symmetric_in_coders(pair, weights):
    a, b = pair
    res = _quiet(cohen_kappa, a, b, weights=weights, categories=[1, 2, 3, 4, 5])
    if res is None:  # both coders used a single category: refused, with a message
        assume(False)
    assert -1 - 1e-12 <= res.estimate <= 1 + 1e-12
    assert res.ci_low <= res.estimate <= res.ci_high
    swapped = cohen_kappa(b, a, weights=weights, categories=[1, 2, 3, 4, 5])
    assert swapped.estimate == pytest.approx(res.estimate, abs=1e-12)
    assert swapped.se == pytest.approx(res.se, abs=1e-12)


# --- Cronbach's alpha ------------------------------------------------------------------------

@FAST
@given(table=answer_tables(), missing=st.sampled_from(["listwise", "pairwise"]))
def test_alpha_never_exceeds_one_and_interval_contains_it(table, missing):
    res = _quiet(cronbach_alpha, table, missing=missing)
    assume(res is not None)  # no spread in the totals: refused
    assert res.estimate <= 1 + 1e-12
    assert res.ci_low <= res.estimate + 1e-12
    assert res.estimate <= res.ci_high + 1e-12
    assert res.ci_high <= 1 + 1e-12


@FAST
@given(table=answer_tables(missing=True), missing=st.sampled_from(["listwise", "pairwise"]))
def test_alpha_with_missing_answers_never_exceeds_one(table, missing):
    res = _quiet(cronbach_alpha, table, missing=missing)
    assume(res is not None)
    assert res.estimate <= 1 + 1e-12
    assert res.ci_low <= res.estimate + 1e-12 <= res.ci_high + 2e-12


@FAST
@given(table=answer_tables(), data=st.data())
def test_alpha_does_not_depend_on_item_order(table, data):
    res = _quiet(cronbach_alpha, table)
    assume(res is not None)
    order = data.draw(st.permutations(range(table.shape[1])))
    assert cronbach_alpha(table[:, order]).estimate == pytest.approx(res.estimate, abs=1e-10)


# --- Krippendorff's alpha --------------------------------------------------------------------

@st.composite
def perfect_codings(draw):
    units = draw(st.lists(codes, min_size=2, max_size=20))
    assume(len(set(units)) >= 2)
    coders = draw(st.integers(2, 5))
    present = draw(st.lists(st.lists(st.booleans(), min_size=len(units), max_size=len(units)),
                            min_size=coders, max_size=coders))
    data = np.array([[u if p else np.nan for u, p in zip(units, row, strict=True)]
                     for row in present], dtype=float)
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    assume(pairable.sum() >= 2 and len(np.unique(data[:, pairable][~np.isnan(
        data[:, pairable])])) >= 2)
    return data


@FAST
@given(data=perfect_codings(), level=st.sampled_from(["nominal", "ordinal", "interval",
                                                      "ratio"]))
def test_krippendorff_alpha_is_one_for_perfect_agreement(data, level):
    res = _quiet(krippendorff_alpha, data, level=level, n_resamples=50)
    assert res.estimate == pytest.approx(1.0, abs=1e-12)
    assert res.ci_low == pytest.approx(1.0)
    assert res.ci_high == pytest.approx(1.0)


@FAST
@given(data=st.lists(st.lists(st.one_of(codes.map(float), st.just(math.nan)), min_size=8,
                              max_size=8), min_size=2, max_size=4),
       level=st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_krippendorff_alpha_at_most_one_and_coder_order_free(data, level):
    arr = np.array(data)
    res = _quiet(krippendorff_alpha, arr, level=level, n_resamples=0)
    assume(res is not None)
    assert res.estimate <= 1 + 1e-12
    flipped = krippendorff_alpha(arr[::-1], level=level, n_resamples=0)
    assert flipped.estimate == pytest.approx(res.estimate, abs=1e-10)


BOOT = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@BOOT
@given(data=st.lists(st.lists(st.one_of(codes.map(float), st.just(math.nan)), min_size=10,
                              max_size=10), min_size=2, max_size=4),
       level=st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_krippendorff_bootstrap_interval_contains_estimate(data, level):
    res = _quiet(krippendorff_alpha, np.array(data), level=level, n_resamples=300)
    assume(res is not None)
    assert res.ci_low - 1e-12 <= res.estimate <= res.ci_high + 1e-12


@BOOT
@given(ratings=st.lists(st.lists(codes, min_size=3, max_size=3), min_size=2, max_size=15))
def test_fleiss_bootstrap_interval_contains_estimate(ratings):
    res = _quiet(fleiss_kappa, np.array(ratings), n_resamples=300)
    assume(res is not None)
    assert res.ci_low - 1e-12 <= res.estimate <= res.ci_high + 1e-12


# --- meta-analysis ---------------------------------------------------------------------------

studies = st.lists(st.tuples(st.floats(-2, 2), st.floats(0.001, 1.0)), min_size=2, max_size=12)


@FAST
@given(rows=studies, method=st.sampled_from(["FE", "DL", "REML"]),
       confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_meta_intervals_contain_their_estimates(rows, method, confidence):
    y, v = zip(*rows, strict=True)
    res = _quiet(meta_analysis, y, v, method=method, confidence=confidence)
    assert res.ci_low <= res.estimate <= res.ci_high
    assert res.tau2 >= 0
    assert 0 <= res.i2 <= 100
    assert res.h2 >= 1 - 1e-12
    if not math.isnan(res.pi_low):
        assert res.pi_low <= res.ci_low
        assert res.ci_high <= res.pi_high
    s = res.studies
    assert ((s["ci_low"] <= s["estimate"]) & (s["estimate"] <= s["ci_high"])).all()
    assert s["weight_percent"].sum() == pytest.approx(100)


@FAST
@given(rows=studies, method=st.sampled_from(["FE", "DL", "REML"]), data=st.data())
def test_meta_does_not_depend_on_study_order(rows, method, data):
    y, v = map(np.array, zip(*rows, strict=True))
    res = meta_analysis(y, v, method=method)
    order = list(data.draw(st.permutations(range(len(y)))))
    again = meta_analysis(y[order], v[order], method=method)
    assert again.estimate == pytest.approx(res.estimate, abs=1e-9)
    assert again.tau2 == pytest.approx(res.tau2, abs=1e-9)
    # flipping every estimate's sign flips the pooled estimate
    flipped = meta_analysis(-y, v, method=method)
    assert flipped.estimate == pytest.approx(-res.estimate, abs=1e-9)
