"""Holm and Benjamini-Hochberg against R's p.adjust algorithm and the BH (1995) example.

References
----------
- Benjamini & Hochberg (1995), JRSS B 57:289-300, section 4.1: the 15 p-values
  of a myocardial infarction study; at q = 0.05 the BH procedure rejects the 4
  smallest, while Holm (and Bonferroni) reject the 3 smallest.
- R's ``p.adjust`` (stats 4.x), ported line by line below:
  ``holm``: ``pmin(1, cummax((n - i + 1L) * p[o]))[ro]`` with i = 1..n, o = order(p);
  ``BH``:   ``pmin(1, cummin(n / i * p[o]))[ro]`` with i = n..1, o = order(p, decreasing = TRUE).
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slc_research.errors import StatsError
from slc_research.stats import multiplicity as module
from slc_research.stats.multiplicity import AdjustedPValues, adjust_p

# never a numpy warning and a NaN; but not the unclosed event loops that notebook tests
# in the same process leave for the garbage collector
pytestmark = [pytest.mark.filterwarnings("error"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

BH_1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
           0.4262, 0.5719, 0.6528, 0.7590, 1.000]


def r_p_adjust(p, method):
    """A port of R's p.adjust for "holm" and "BH"."""
    p = np.asarray(p, dtype=float)
    n = len(p)
    if method == "holm":
        o = np.argsort(p, kind="stable")
        i = np.arange(1, n + 1)
        adjusted = np.minimum(1, np.maximum.accumulate((n - i + 1) * p[o]))
    else:
        o = np.argsort(-p, kind="stable")
        i = np.arange(n, 0, -1)
        adjusted = np.minimum(1, np.minimum.accumulate(n / i * p[o]))
    out = np.empty(n)
    out[o] = adjusted
    return out


@pytest.mark.parametrize(("method", "rejected"), [("holm", 3), ("bh", 4)])
def test_benjamini_hochberg_1995_example(method, rejected):
    res = adjust_p(BH_1995, method=method)
    assert isinstance(res, AdjustedPValues)
    assert res.n_significant == rejected
    assert res.table["significant"].tolist() == [True] * rejected + [False] * (15 - rejected)
    assert res.table["p_adjusted"].to_numpy() == pytest.approx(
        r_p_adjust(BH_1995, "holm" if method == "holm" else "BH"), abs=1e-12)


def test_known_adjusted_values():
    bh = adjust_p(BH_1995, method="bh").table["p_adjusted"]
    assert bh[3] == pytest.approx(0.0095 * 15 / 4, abs=1e-12)  # 0.035625
    assert bh[0] == pytest.approx(0.0015, abs=1e-12)
    holm = adjust_p(BH_1995, method="holm").table["p_adjusted"]
    assert holm[0] == pytest.approx(0.0015, abs=1e-12)
    assert holm[2] == pytest.approx(0.0019 * 13, abs=1e-12)


def test_labels_are_kept_in_the_order_given():
    res = adjust_p({"belonging": 0.04, "voice": 0.001, "attendance": 0.2}, method="holm")
    frame = res.to_frame()
    assert frame["outcome"].tolist() == ["belonging", "voice", "attendance"]
    assert frame["p_adjusted"].tolist() == pytest.approx([0.08, 0.003, 0.2])
    series = adjust_p(pd.Series([0.01, 0.02], index=["a", "b"]), method="bh")
    assert series.table["outcome"].tolist() == ["a", "b"]
    listed = adjust_p([0.01, 0.02], labels=["x", "y"])
    assert listed.table["outcome"].tolist() == ["x", "y"]
    assert adjust_p([0.5]).table["outcome"].tolist() == [1]
    assert str(res) == ("Holm (1979) step-down adjustment of 3 p-values: 1 of 3 below .05 "
                        "after adjustment")


def test_docstring_examples():
    assert doctest.testmod(module).failed == 0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=20),
       st.sampled_from(["holm", "bh"]))
def test_matches_r_and_never_lowers_a_p_value(p, method):
    res = adjust_p(p, method=method)
    adjusted = res.table["p_adjusted"].to_numpy()
    assert adjusted == pytest.approx(r_p_adjust(p, "holm" if method == "holm" else "BH"),
                                     abs=1e-12)
    assert (adjusted >= np.asarray(p) - 1e-15).all()
    assert (adjusted <= 1).all()


def test_errors():
    with pytest.raises(StatsError, match="method must be one of 'holm', 'bh'"):
        adjust_p([0.1], method="bonferroni")
    with pytest.raises(StatsError, match="no p-values to adjust"):
        adjust_p([])
    with pytest.raises(StatsError, match="check wellbeing: nan"):
        adjust_p({"wellbeing": float("nan"), "voice": 0.2})
    with pytest.raises(StatsError, match="between 0 and 1"):
        adjust_p([0.2, 1.5])
    with pytest.raises(StatsError, match="labels has 1 entries for 2 p-values"):
        adjust_p([0.2, 0.5], labels=["a"])
    with pytest.raises(StatsError, match="must be numbers"):
        adjust_p(["low", 0.5])


def test_item9_holm_matches_statsmodels_without_its_garbage_collection():
    """Holm is computed here (statsmodels runs gc.collect per call); the values are equal."""
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(17)
    for p in (rng.uniform(0, 0.2, 12), np.array([0.01, 0.04, 0.04, 0.03, 0.5, 0.9]),
              np.array([0.3]), np.array([0.02, 0.02, 0.02])):
        expected = multipletests(p, method="holm")[1]
        np.testing.assert_allclose(module.holm_adjusted(p), expected, rtol=0, atol=1e-15)
        np.testing.assert_allclose(adjust_p(p).table["p_adjusted"], expected, atol=1e-15)
