"""Cohen's and Fleiss' kappa against published values and independent computations.

References
----------
- SAS PROC FREQ output for a 3 x 3 table (rows 0 4 1 / 0 8 0 / 0 1 5), as recorded in
  statsmodels' stats/tests/test_inter_rater.py: simple kappa 0.4842, ASE 0.1380,
  95% CI [0.2137, 0.7547], ASE under H0 0.1484, Z 3.2626, two-sided p 0.0011;
  weighted kappa (Cicchetti-Allison, i.e. linear weights) 0.4701, ASE 0.1457,
  CI [0.1845, 0.7558], ASE under H0 0.1426, Z 3.2971, p 0.0010.
- R irr::kappa2 on the irr ``anxiety`` data, raters 2 and 3 (recorded in the same
  statsmodels file): unweighted kappa -0.006289308, z -0.0604067, p 0.9518317;
  "equal" weights 0.1459075, z 1.282472, p 0.1996772; "squared" 0.2520325, z 1.437451,
  p 0.1505898.
- Fleiss (1971), Psychological Bulletin 76(5), 378-382: 30 patients, 6 psychiatrists,
  5 diagnoses (irr's ``diagnoses``): kappa = 0.430; R irr::kappam.fleiss gives
  kappa 0.4302445, z 17.65183 (recorded in statsmodels' test file).
- Wikipedia, "Fleiss' kappa", worked example (10 subjects, 14 raters, 5 categories):
  P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210.
"""

from __future__ import annotations

import doctest
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats import inter_rater

from slc_research.errors import SlcResearchError
from slc_research.stats import StatsError
from slc_research.stats import agreement as module
from slc_research.stats.agreement import KappaResult, cohen_kappa, fleiss_kappa

SAS_TABLE = np.array([[0, 4, 1], [0, 8, 0], [0, 1, 5]])

# irr::anxiety, 20 subjects x 3 raters (column-major, as in R)
ANXIETY = np.array([
    3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3, 3, 6, 4,
    6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4, 2, 1, 4, 4, 3, 2,
    1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2,
]).reshape(20, 3, order="F")

# Fleiss (1971) / irr::diagnoses, 30 patients x 6 raters, diagnoses coded 1-5
DIAGNOSES = np.array([
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
])

# Wikipedia's Fleiss' kappa example: 10 subjects x 5 categories, counts of 14 raters
WIKIPEDIA = np.array([
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
])


# --- published values: Cohen's kappa --------------------------------------------------------

def test_cohen_kappa_matches_sas_unweighted():
    res = cohen_kappa(SAS_TABLE)
    assert res.estimate == pytest.approx(0.4842, abs=5e-5)
    assert res.se == pytest.approx(0.1380, abs=5e-5)
    assert res.ci_low == pytest.approx(0.2137, abs=5e-5)
    assert res.ci_high == pytest.approx(0.7547, abs=5e-5)
    assert res.se0 == pytest.approx(0.1484, abs=5e-5)
    assert res.statistic == pytest.approx(3.2626, abs=5e-5)
    assert res.p_value == pytest.approx(0.0011, abs=5e-5)
    assert res.n == 19


def test_cohen_kappa_matches_sas_linear_weights():
    res = cohen_kappa(SAS_TABLE, weights="linear")
    assert res.estimate == pytest.approx(0.4701, abs=5e-5)
    assert res.se == pytest.approx(0.1457, abs=5e-5)
    assert res.ci_low == pytest.approx(0.1845, abs=5e-5)
    assert res.ci_high == pytest.approx(0.7558, abs=5e-5)
    assert res.se0 == pytest.approx(0.1426, abs=5e-5)
    assert res.statistic == pytest.approx(3.2971, abs=5e-5)
    assert res.p_value == pytest.approx(0.0010, abs=5e-5)


@pytest.mark.parametrize(("weights", "kappa", "z", "p"), [
    (None, -0.006289308, -0.0604067, 0.9518317),
    ("linear", 0.1459075, 1.282472, 0.1996772),
    ("quadratic", 0.2520325, 1.437451, 0.1505898),
])
def test_cohen_kappa_matches_r_irr_kappa2(weights, kappa, z, p):
    res = cohen_kappa(ANXIETY[:, 1], ANXIETY[:, 2], weights=weights)
    # R prints 7 significant digits
    assert res.estimate == pytest.approx(kappa, rel=1e-6)
    assert res.statistic == pytest.approx(z, rel=1e-6)
    assert res.p_value == pytest.approx(p, rel=1e-6)
    assert res.categories == (1, 2, 3, 4, 6)  # irr uses the levels seen, as here


# --- independent computations: Cohen's kappa -------------------------------------------------

def test_weighted_kappa_by_hand_from_the_pairs():
    rng = np.random.default_rng(11)
    a = rng.integers(1, 5, 40)
    b = np.clip(a + rng.integers(-1, 2, 40), 1, 4)
    n, k = len(a), 4
    for weights, power in (("linear", 1), ("quadratic", 2)):
        # kappa_w = 1 - sum over pairs of disagreement / the same over all cross pairs
        observed = sum(abs(x - y) ** power for x, y in zip(a, b, strict=True)) / n
        expected = sum(abs(x - y) ** power for x in a for y in b) / n**2
        res = cohen_kappa(a, b, weights=weights, categories=[1, 2, 3, 4])
        assert res.estimate == pytest.approx(1 - observed / expected, rel=1e-12)
        assert res.observed_agreement == pytest.approx(1 - observed / (k - 1) ** power)
    # unweighted: (p_o - p_e) / (1 - p_e) from counts
    p_o = np.mean(a == b)
    p_e = sum(np.mean(a == c) * np.mean(b == c) for c in range(1, 5))
    assert cohen_kappa(a, b).estimate == pytest.approx((p_o - p_e) / (1 - p_e), rel=1e-12)


def test_quadratic_kappa_is_the_concordance_correlation():
    # Fleiss & Cohen (1973): with equally spaced integer codes, quadratic kappa =
    # 2 s_xy / (s_x² + s_y² + (mean_x - mean_y)²), moments with divisor n.
    rng = np.random.default_rng(5)
    x = rng.integers(1, 6, 60)
    y = np.clip(x + rng.integers(-2, 3, 60), 1, 5)
    s_xy = np.mean((x - x.mean()) * (y - y.mean()))
    ccc = 2 * s_xy / (x.var() + y.var() + (x.mean() - y.mean()) ** 2)
    res = cohen_kappa(x, y, weights="quadratic", categories=[1, 2, 3, 4, 5])
    assert res.estimate == pytest.approx(ccc, rel=1e-12)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_standard_errors_match_statsmodels(weights):
    table = np.random.default_rng(3).integers(0, 10, (5, 5)) + 5 * np.eye(5)
    ours = cohen_kappa(table, weights=weights)
    theirs = inter_rater.cohens_kappa(table, wt=weights)
    assert ours.estimate == pytest.approx(theirs.kappa, rel=1e-12)
    assert ours.se == pytest.approx(theirs.std_kappa, rel=1e-12)
    assert ours.se0 == pytest.approx(theirs.std_kappa0, rel=1e-12)


def test_labels_missing_values_and_categories():
    a = ["low", "high", None, "mid", "mid", "low", "high", "mid"]
    b = ["low", "mid", "mid", np.nan, "mid", "low", "high", "high"]
    res = cohen_kappa(a, b, weights="linear", categories=["low", "mid", "high"])
    assert (res.n, res.n_dropped, res.categories) == (6, 2, ("low", "mid", "high"))
    same = cohen_kappa([0, 2, 1, 0, 2, 1], [0, 1, 1, 0, 2, 2], weights="linear")
    assert res.estimate == pytest.approx(same.estimate, rel=1e-12)
    # unordered text codes need no order
    assert cohen_kappa(a, b).categories == ("low", "high", "mid")


def test_ordered_categorical_gives_the_order():
    order = ["low", "mid", "high"]
    a = pd.Series(pd.Categorical(["low", "high", "mid", "mid", "low"], categories=order,
                                 ordered=True))
    b = ["low", "mid", "mid", "high", "low"]
    res = cohen_kappa(a, b, weights="quadratic")
    assert res.categories == tuple(order)
    assert res.estimate == pytest.approx(
        cohen_kappa([0, 2, 1, 1, 0], [0, 1, 1, 2, 0], weights="quadratic").estimate)


def test_identical_ratings_give_kappa_one():
    res = cohen_kappa(["a", "b", "a", "c"], ["a", "b", "a", "c"])
    assert res.estimate == pytest.approx(1.0)
    assert res.ci_high == pytest.approx(1.0)


def test_one_rater_using_one_category_gives_kappa_zero_and_no_test():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = cohen_kappa(["a", "a", "a", "a"], ["a", "b", "a", "b"])
    assert res.estimate == 0.0
    assert math.isnan(res.statistic)
    assert math.isnan(res.p_value)


def test_cohen_result_shape_and_str():
    res = cohen_kappa(SAS_TABLE)
    assert isinstance(res, KappaResult)
    assert str(res) == "κ = 0.48, 95% CI [0.21, 0.75], n = 19"
    assert str(cohen_kappa(SAS_TABLE, weights="linear")).startswith("κ_w (linear) = 0.47")
    row = res.to_frame()
    assert len(row) == 1
    assert {"estimate", "ci_low", "ci_high", "n", "method", "statistic", "p_value"} <= \
        set(row.columns)


# --- Fleiss' kappa ---------------------------------------------------------------------------

def test_fleiss_kappa_matches_fleiss_1971_and_irr():
    res = fleiss_kappa(DIAGNOSES)
    assert res.estimate == pytest.approx(0.4302445, abs=1e-7)
    assert round(res.estimate, 3) == 0.430  # Fleiss (1971)
    assert res.statistic == pytest.approx(17.65183, abs=1e-5)
    assert res.p_value < 1e-10
    assert (res.n, res.n_raters, res.categories) == (30, 6, (1, 2, 3, 4, 5))


def test_fleiss_kappa_matches_wikipedia_example():
    res = fleiss_kappa(WIKIPEDIA, counts=True)
    assert round(res.estimate, 3) == 0.210
    assert round(res.observed_agreement, 3) == 0.378
    assert round(res.expected_agreement, 3) == 0.213
    assert res.estimate == pytest.approx(inter_rater.fleiss_kappa(WIKIPEDIA), rel=1e-12)


def test_fleiss_labels_and_counts_agree():
    labels = pd.DataFrame(DIAGNOSES).replace({1: "depression", 2: "personality disorder",
                                              3: "schizophrenia", 4: "neurosis", 5: "other"})
    table, _ = inter_rater.aggregate_raters(DIAGNOSES)
    a, b = fleiss_kappa(labels), fleiss_kappa(table, counts=True)
    assert a.estimate == pytest.approx(b.estimate, rel=1e-12)
    assert (a.ci_low, a.ci_high) == pytest.approx((b.ci_low, b.ci_high), rel=1e-12)


def test_fleiss_with_two_raters_is_scotts_pi():
    a, b = ANXIETY[:, 0], ANXIETY[:, 1]
    p_o = np.mean(a == b)
    cats = np.union1d(a, b)
    p_e = sum(((np.sum(a == c) + np.sum(b == c)) / 40) ** 2 for c in cats)
    res = fleiss_kappa(np.column_stack([a, b]))
    assert res.estimate == pytest.approx((p_o - p_e) / (1 - p_e), rel=1e-12)


def test_fleiss_bootstrap_against_a_loop():
    res = fleiss_kappa(DIAGNOSES, n_resamples=300, seed=7)
    table, _ = inter_rater.aggregate_raters(DIAGNOSES)
    freq = np.random.default_rng(7).multinomial(30, np.full(30, 1 / 30), size=300)
    boot = [inter_rater.fleiss_kappa(np.repeat(table, f, axis=0)) for f in freq]
    lo, hi = np.quantile(boot, [0.025, 0.975])
    assert (res.ci_low, res.ci_high) == pytest.approx((lo, hi), rel=1e-10)
    assert res.se == pytest.approx(np.std(boot, ddof=1), rel=1e-10)
    assert res.n_resamples == 300
    assert res.ci_low < res.estimate < res.ci_high
    again = fleiss_kappa(DIAGNOSES, n_resamples=300, seed=7)
    assert (again.ci_low, again.ci_high) == (res.ci_low, res.ci_high)


def test_fleiss_str():
    assert str(fleiss_kappa(DIAGNOSES)).startswith("Fleiss' κ = 0.43, 95% CI [")
    assert str(fleiss_kappa(DIAGNOSES)).endswith("n = 30, 6 raters")


def test_docstring_examples():
    assert doctest.testmod(module, raise_on_error=False).failed == 0


# --- input problems --------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "kwargs", "match"), [
    (([1, 2, 3], [1, 2]), {}, "same units: got 3 and 2"),
    (([1], [1]), {}, "at least 2 units"),
    (([1, None, 2], [None, 1, 2]), {}, "at least 2 units"),
    ((["a", "a", "a"], ["a", "a", "a"]), {}, "one and the same category"),
    ((["lo", "hi", "lo"], ["hi", "hi", "lo"]), {"weights": "linear"}, "give categories"),
    ((["lo", "hi", "x"], ["hi", "hi", "lo"]), {"categories": ["lo", "hi"]}, "'x'"),
    (([1, 2, 1], [1, 2, 2]), {"weights": "cubic"}, "weights must be"),
    (([1, 2, 1], [1, 2, 2]), {"confidence": 0}, "confidence must be"),
    ((np.ones((2, 3)),), {}, "square table"),
    ((np.array([[1, -1], [0, 2]]),), {}, "non-negative"),
])
def test_cohen_input_problems_raise_clear_errors(args, kwargs, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(StatsError, match=match) as info:
            cohen_kappa(*args, **kwargs)
    assert isinstance(info.value, SlcResearchError)


@pytest.mark.parametrize(("ratings", "kwargs", "match"), [
    ([[1, 2, 1]], {}, "at least 2 units"),
    ([[1], [2]], {}, "at least 2 coders"),
    ([[1, 2], [1, None]], {}, "use krippendorff_alpha"),
    ([[1, 1], [1, 1], [1, 1]], {}, "same category"),
    ([[2, 0], [1, 2]], {"counts": True}, "same number of times"),
    ([[1, 0], [0, 1]], {"counts": True}, "at least 2 codings per unit"),
    ([[2, -1], [1, 0]], {"counts": True}, "non-negative"),
    ([[1, 2], [2, 2]], {"n_resamples": 0}, "n_resamples"),
])
def test_fleiss_input_problems_raise_clear_errors(ratings, kwargs, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(StatsError, match=match):
            fleiss_kappa(np.array(ratings, dtype=object) if not kwargs.get("counts")
                         else ratings, **kwargs)
