"""Krippendorff's alpha against Krippendorff's own worked example and independent code.

References
----------
- Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School
  for Communication, University of Pennsylvania, section C: 4 observers x 12 units with
  missing values. Published: nominal alpha = 0.743, ordinal 0.815, interval 0.849,
  ratio 0.797. The same example is in the ``krippendorff`` package's docstring.
"""

from __future__ import annotations

import doctest
import itertools
import warnings

import krippendorff
import numpy as np
import pandas as pd
import pytest

from slc_research.errors import SlcResearchError
from slc_research.stats import StatsError
from slc_research.stats import coding_reliability as module
from slc_research.stats.coding_reliability import (
    KrippendorffResult,
    codings_matrix,
    krippendorff_alpha,
)

NAN = np.nan
# Krippendorff (2011): observers A-D (rows) x units 1-12 (columns)
K2011 = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
])
PUBLISHED = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}


def _nominal_alpha_by_hand(data) -> float:
    """Coincidence-matrix formula for nominal data, written out with pairs of values."""
    o: dict[tuple, float] = {}
    for unit in np.asarray(data, dtype=object).T:
        values = [v for v in unit if not pd.isna(v)]
        m = len(values)
        if m < 2:
            continue
        for i, j in itertools.permutations(range(m), 2):
            key = (values[i], values[j])
            o[key] = o.get(key, 0.0) + 1 / (m - 1)
    cats = sorted({c for c, _ in o})
    n_c = {c: sum(o.get((c, k), 0.0) for k in cats) for c in cats}
    n = sum(n_c.values())
    disagree = sum(v for (c, k), v in o.items() if c != k)
    expected = sum(n_c[c] * n_c[k] for c in cats for k in cats if c != k)
    return 1 - (n - 1) * disagree / expected


# --- published values ------------------------------------------------------------------------

@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_2011_example(level):
    res = krippendorff_alpha(K2011, level=level, n_resamples=200)
    assert res.estimate == pytest.approx(PUBLISHED[level], abs=5e-4)
    assert res.estimate == pytest.approx(
        krippendorff.alpha(K2011, level_of_measurement=level), rel=1e-12)
    # the coincidence-matrix disagreements used for the bootstrap give the same alpha
    assert 1 - res.observed_disagreement / res.expected_disagreement == pytest.approx(
        res.estimate, rel=1e-12)
    # unit 12 has one value only: 11 pairable units holding 40 values (Krippendorff 2011)
    assert (res.n, res.n_values, res.n_units_dropped, res.n_coders) == (11, 40, 1, 4)


def test_nominal_example_against_the_coincidence_formula():
    res = krippendorff_alpha(K2011, level="nominal", n_resamples=0)
    assert res.estimate == pytest.approx(_nominal_alpha_by_hand(K2011), rel=1e-12)


# --- independent computations ----------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_random_data_against_package_and_own_disagreements(seed, level):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 5, (3, 15)).astype(float)
    data[rng.random(data.shape) < 0.2] = np.nan
    res = krippendorff_alpha(data, level=level, n_resamples=0)
    assert res.estimate == pytest.approx(
        krippendorff.alpha(data, level_of_measurement=level), rel=1e-10)
    assert 1 - res.observed_disagreement / res.expected_disagreement == pytest.approx(
        res.estimate, rel=1e-10)
    if level == "nominal":
        assert res.estimate == pytest.approx(_nominal_alpha_by_hand(data), rel=1e-10)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_bootstrap_against_a_loop_over_resamples(level):
    res = krippendorff_alpha(K2011, level=level, n_resamples=200, seed=3)
    pairable = K2011[:, (~np.isnan(K2011)).sum(axis=0) >= 2]
    freq = np.random.default_rng(3).multinomial(11, np.full(11, 1 / 11), size=200)
    boot = []
    for f in freq:
        sample = np.repeat(pairable, f, axis=1)
        if len(np.unique(sample[~np.isnan(sample)])) > 1:
            boot.append(krippendorff.alpha(sample, level_of_measurement=level))
    assert res.n_resamples == len(boot)
    assert (res.ci_low, res.ci_high) == pytest.approx(tuple(np.quantile(boot, [0.025, 0.975])),
                                                      rel=1e-10)


def test_text_codes_and_value_domain():
    words = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high"}
    text = pd.DataFrame(K2011).apply(lambda col: col.map(words))
    order = ["very low", "low", "mid", "high", "very high"]
    assert krippendorff_alpha(text, level="ordinal", value_domain=order,
                              n_resamples=0).estimate == pytest.approx(PUBLISHED["ordinal"],
                                                                       abs=5e-4)
    assert krippendorff_alpha(text, n_resamples=0).estimate == pytest.approx(
        PUBLISHED["nominal"], abs=5e-4)
    none_for_missing = [[None if pd.isna(v) else v for v in row] for row in K2011.tolist()]
    assert krippendorff_alpha(none_for_missing, n_resamples=0).estimate == pytest.approx(
        krippendorff_alpha(K2011, n_resamples=0).estimate, rel=1e-12)


def test_perfect_agreement_is_one():
    data = [[1, 2, 3, 1, np.nan], [1, 2, 3, 1, 2], [np.nan, 2, 3, 1, 2]]
    for level in ("nominal", "ordinal", "interval", "ratio"):
        res = krippendorff_alpha(data, level=level)
        assert res.estimate == pytest.approx(1.0)
        assert res.ci_low == pytest.approx(1.0)
        assert res.ci_high == pytest.approx(1.0)


def test_result_shape_and_str():
    res = krippendorff_alpha(K2011, level="interval", n_resamples=200)
    assert isinstance(res, KrippendorffResult)
    assert str(res).startswith("Krippendorff's α (interval) = 0.85, 95% CI [")
    assert str(res).endswith("n = 11 units, 4 coders")
    assert res.ci_low <= res.estimate <= res.ci_high
    assert str(krippendorff_alpha(K2011, n_resamples=0)) == \
        "Krippendorff's α (nominal) = 0.74, n = 11 units, 4 coders"
    assert len(res.to_frame()) == 1


def test_docstring_examples():
    assert doctest.testmod(module, raise_on_error=False).failed == 0


# --- the codings table -----------------------------------------------------------------------

CODINGS = pd.DataFrame({
    "text_id": ["T1", "T1", "T2", "T2", "T3", "T3", "T4", "T1"],
    "coder": ["ana", "ben", "ana", "ben", "ana", "ben", "ana", "ana"],
    "code": ["voice", "voice", "trust", "voice", "trust", "trust", "voice", "voice"],
    "start": [0, 0, 5, 5, 1, 1, 2, 40],
})


def test_codings_matrix_one_code_per_unit():
    m = codings_matrix(CODINGS)
    assert list(m.index) == ["ana", "ben"]
    assert list(m.columns) == ["T1", "T2", "T3", "T4"]
    assert m.loc["ana"].tolist() == ["voice", "trust", "trust", "voice"]
    assert pd.isna(m.loc["ben", "T4"])
    res = krippendorff_alpha(m, n_resamples=0)
    assert res.estimate == pytest.approx(_nominal_alpha_by_hand(m.to_numpy()), rel=1e-12)
    assert (res.n, res.n_units_dropped) == (3, 1)


def test_codings_matrix_presence_of_a_code():
    several = pd.concat([CODINGS, pd.DataFrame({"text_id": ["T2"], "coder": ["ben"],
                                                "code": ["trust"], "start": [9]})])
    with pytest.raises(StatsError, match="several codes.*presence_of"):
        codings_matrix(several)
    m = codings_matrix(several, presence_of="trust")
    assert m.loc["ben"].tolist()[:3] == [0.0, 1.0, 1.0]
    assert m.loc["ana"].tolist() == [0.0, 1.0, 1.0, 0.0]
    assert pd.isna(m.loc["ben", "T4"])


def test_codings_matrix_problems():
    with pytest.raises(StatsError, match="lacks column"):
        codings_matrix(CODINGS.drop(columns="coder"))
    with pytest.raises(StatsError, match="empty"):
        codings_matrix(CODINGS.iloc[:0])


# --- input problems --------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "kwargs", "match"), [
    ([[1, 2, 3]], {}, "at least 2 coders"),
    ([[1, 2, np.nan], [1, np.nan, 3]], {}, "only 1 unit"),
    ([[np.nan, np.nan], [np.nan, np.nan]], {}, "every coding is missing"),
    ([[1, 1, 1], [1, 1, np.nan]], {}, "same value"),
    ([["a", "b"], ["a", "c"]], {"level": "interval"}, "numeric codes"),
    ([["a", "b"], ["a", "c"]], {"level": "ordinal"}, "value_domain"),
    ([[1, -2], [1, -2]], {"level": "ratio"}, "zero or more"),
    ([[1, 2], [1, 3]], {"value_domain": [1, 2]}, "not among"),
    ([[1, 2], [1, 2]], {"level": "binary"}, "level must be"),
    ([[1, 2], [1, 2]], {"n_resamples": -1}, "n_resamples"),
    ([[1, 2], [1, 2]], {"n_resamples": 2.5}, "whole number"),
    ([[1, 2], [1, 2]], {"confidence": 2}, "confidence must be"),
    ([[1, np.inf], [1, 2]], {"level": "interval"}, "infinite"),
])
def test_input_problems_raise_clear_errors(data, kwargs, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(StatsError, match=match) as info:
            krippendorff_alpha(data, **kwargs)
    assert isinstance(info.value, SlcResearchError)


def test_no_warnings_with_zero_codes_at_ratio_level():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = krippendorff_alpha([[0, 0, 1, 2], [0, 1, 1, 2]], level="ratio", n_resamples=100)
    assert res.estimate == pytest.approx(
        krippendorff.alpha([[0, 0, 1, 2], [0, 1, 1, 2]], level_of_measurement="ratio"))
