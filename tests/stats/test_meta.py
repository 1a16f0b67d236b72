"""Meta-analysis (pooling schools) against metafor's published BCG results.

References
----------
- The 13 BCG vaccine trials, metafor's ``dat.bcg`` (Colditz et al., 1994, JAMA
  271(9), 698-702), columns tpos, tneg, cpos, cneg (TB cases and non-cases in the
  vaccinated and control groups; a group's size is pos + neg).
  ``escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg)`` gives the log
  risk ratios yi and variances vi = 1/tpos - 1/(tpos+tneg) + 1/cpos - 1/(cpos+cneg).
- Viechtbauer (2010), J. Stat. Softw. 36(3), section 3 and the metafor documentation
  of ``rma()``: REML estimate -0.7145 (se 0.1798, z -3.9744, CI -1.0669 to -0.3622),
  tau^2 = 0.3132, tau = 0.5597, I^2 = 92.22%, H^2 = 12.86, Q(df = 12) = 152.2330;
  DL estimate -0.7141 (se 0.1787), tau^2 = 0.3088, I^2 = 92.12%, H^2 = 12.69;
  FE estimate -0.4303 (se 0.0405, CI -0.5097 to -0.3509).
"""

from __future__ import annotations

import doctest
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats
from statsmodels.stats.meta_analysis import combine_effects

from slc_research.errors import SlcResearchError
from slc_research.stats import StatsError
from slc_research.stats import meta as module
from slc_research.stats.meta import MetaResult, meta_analysis

# metafor dat.bcg: trial, tpos, tneg, cpos, cneg
BCG = [
    ("Aronson 1948", 4, 119, 11, 128),
    ("Ferguson & Simes 1949", 6, 300, 29, 274),
    ("Rosenthal et al 1960", 3, 228, 11, 209),
    ("Hart & Sutherland 1977", 62, 13536, 248, 12619),
    ("Frimodt-Moller et al 1973", 33, 5036, 47, 5761),
    ("Stein & Aronson 1953", 180, 1361, 372, 1079),
    ("Vandiviere et al 1973", 8, 2537, 10, 619),
    ("TPT Madras 1980", 505, 87886, 499, 87892),
    ("Coetzee & Berjak 1968", 29, 7470, 45, 7232),
    ("Rosenthal et al 1961", 17, 1699, 65, 1600),
    ("Comstock et al 1974", 186, 50448, 141, 27197),
    ("Comstock & Webster 1969", 5, 2493, 3, 2338),
    ("Comstock et al 1976", 27, 16886, 29, 17825),
]


def _bcg() -> tuple[np.ndarray, np.ndarray, list[str]]:
    labels = [row[0] for row in BCG]
    tpos, tneg, cpos, cneg = np.array([row[1:] for row in BCG], dtype=float).T
    yi = np.log(tpos / (tpos + tneg)) - np.log(cpos / (cpos + cneg))
    vi = 1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)
    return yi, vi, labels


YI, VI, LABELS = _bcg()


# --- published values ------------------------------------------------------------------------

def test_bcg_reml_matches_metafor():
    res = meta_analysis(YI, VI, method="REML")
    assert res.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert res.se == pytest.approx(0.1798, abs=5e-5)
    assert res.statistic == pytest.approx(-3.9744, abs=5e-5)
    assert res.ci_low == pytest.approx(-1.0669, abs=5e-5)
    assert res.ci_high == pytest.approx(-0.3622, abs=5e-5)
    assert res.tau2 == pytest.approx(0.3132, abs=5e-5)
    assert res.tau == pytest.approx(0.5597, abs=5e-5)
    assert res.i2 == pytest.approx(92.22, abs=5e-3)
    assert res.h2 == pytest.approx(12.86, abs=5e-3)
    assert res.q == pytest.approx(152.2330, abs=5e-5)
    assert (res.q_df, res.n, res.model) == (12, 13, "REML")
    assert res.q_p < 1e-4
    assert res.p_value < 1e-4


def test_bcg_dl_matches_metafor():
    res = meta_analysis(YI, VI, method="DL")
    assert res.estimate == pytest.approx(-0.7141, abs=5e-5)
    assert res.se == pytest.approx(0.1787, abs=5e-5)
    assert res.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert res.i2 == pytest.approx(92.12, abs=5e-3)
    assert res.h2 == pytest.approx(12.69, abs=5e-3)
    assert res.q == pytest.approx(152.2330, abs=5e-5)


def test_bcg_fe_matches_metafor():
    res = meta_analysis(YI, VI, method="FE")
    assert res.estimate == pytest.approx(-0.4303, abs=5e-5)
    assert res.se == pytest.approx(0.0405, abs=5e-5)
    assert res.ci_low == pytest.approx(-0.5097, abs=5e-5)
    assert res.ci_high == pytest.approx(-0.3509, abs=5e-5)
    assert res.i2 == pytest.approx(92.12, abs=5e-3)
    assert res.tau2 == 0.0
    assert math.isnan(res.pi_low)
    assert math.isnan(res.pi_high)


# --- independent implementations -------------------------------------------------------------

def test_dl_matches_statsmodels_combine_effects():
    res = meta_analysis(YI, VI, method="DL")
    sm = combine_effects(YI, VI, method_re="dl")
    assert res.tau2 == pytest.approx(sm.tau2, rel=1e-10)
    assert res.estimate == pytest.approx(sm.mean_effect_re, rel=1e-10)
    assert res.se == pytest.approx(sm.sd_eff_w_re, rel=1e-10)
    assert res.q == pytest.approx(sm.q, rel=1e-10)
    fe = meta_analysis(YI, VI, method="FE")
    assert fe.estimate == pytest.approx(sm.mean_effect_fe, rel=1e-10)
    assert fe.se == pytest.approx(sm.sd_eff_w_fe, rel=1e-10)


def _reml_profile_max(y, v):
    """REML tau² by brute maximisation of the restricted log-likelihood."""
    def neg(t):
        w = 1 / (v + t)
        mu = np.sum(w * y) / np.sum(w)
        return 0.5 * (np.sum(np.log(v + t)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))

    fit = optimize.minimize_scalar(neg, bounds=(0, 5), method="bounded",
                                   options={"xatol": 1e-12})
    return min([0.0, fit.x], key=neg)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_reml_is_the_likelihood_maximum(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 12))
    v = rng.uniform(0.01, 0.2, k)
    y = rng.normal(0.3, math.sqrt(rng.uniform(0, 0.2)), k) + rng.normal(0, np.sqrt(v))
    res = meta_analysis(y, v, method="REML")
    assert res.tau2 == pytest.approx(_reml_profile_max(y, v), abs=1e-7)
    assert meta_analysis(YI, VI).tau2 == pytest.approx(_reml_profile_max(YI, VI), abs=1e-7)


def test_reml_is_zero_when_studies_agree_more_than_chance():
    res = meta_analysis([0.20, 0.21, 0.19, 0.20], [0.04, 0.05, 0.03, 0.06], method="REML")
    assert res.tau2 == 0.0
    assert res.i2 == 0.0
    assert res.h2 == 1.0
    fe = meta_analysis([0.20, 0.21, 0.19, 0.20], [0.04, 0.05, 0.03, 0.06], method="FE")
    assert res.estimate == pytest.approx(fe.estimate, rel=1e-12)


def test_prediction_interval_by_hand():
    # Higgins, Thompson & Spiegelhalter (2009): mu ± t(k-2) sqrt(se² + tau²)
    res = meta_analysis(YI, VI, method="REML")
    half = stats.t.ppf(0.975, 11) * math.sqrt(res.se**2 + res.tau2)
    assert res.pi_low == pytest.approx(res.estimate - half, rel=1e-12)
    assert res.pi_high == pytest.approx(res.estimate + half, rel=1e-12)
    assert res.pi_low == pytest.approx(-0.7145 - 2.200985 * math.sqrt(0.1798**2 + 0.3132),
                                       abs=1e-3)  # from the published se and tau²


def test_studies_table_is_what_a_forest_plot_needs():
    res = meta_analysis(YI, VI, method="REML", labels=LABELS)
    s = res.studies
    assert list(s.columns) == ["label", "estimate", "variance", "se", "ci_low", "ci_high",
                               "weight_percent"]
    assert list(s["label"]) == LABELS
    assert s["weight_percent"].sum() == pytest.approx(100)
    w = 1 / (VI + res.tau2)
    np.testing.assert_allclose(s["weight_percent"], 100 * w / w.sum(), rtol=1e-12)
    np.testing.assert_allclose(s["ci_low"], YI - 1.959963984540054 * np.sqrt(VI), rtol=1e-12)
    np.testing.assert_allclose(s["se"] ** 2, VI, rtol=1e-12)


def test_dataframe_input_and_standard_errors():
    frame = pd.DataFrame({"label": LABELS, "estimate": YI, "variance": VI})
    a = meta_analysis(frame)
    b = meta_analysis(YI, se=np.sqrt(VI), labels=LABELS)
    c = meta_analysis(frame.drop(columns="variance").assign(se=np.sqrt(VI)))
    assert a.estimate == pytest.approx(b.estimate, rel=1e-12) == pytest.approx(c.estimate)
    assert list(a.studies["label"]) == LABELS


def test_result_shape_and_str():
    res = meta_analysis(YI, VI, method="REML")
    assert isinstance(res, MetaResult)
    row = res.to_frame()
    assert len(row) == 1
    assert "studies" not in row.columns
    assert {"estimate", "ci_low", "ci_high", "n", "method", "tau2", "i2", "q", "pi_low"} <= \
        set(row.columns)
    text = str(res)
    assert text.startswith("pooled estimate = -0.71, 95% CI [-1.07, -0.36]")
    assert "τ² = 0.313" in text
    assert "I² = 92.2%" in text
    assert "Q(12) = 152.23" in text
    assert "k = 13" in text
    assert "prediction interval" in text
    assert "τ²" not in str(meta_analysis(YI, VI, method="FE"))


def test_results_compare_without_comparing_tables():
    assert meta_analysis(YI, VI) == meta_analysis(YI, VI)
    assert "studies=" not in repr(meta_analysis(YI, VI))


def test_two_studies_have_no_prediction_interval():
    res = meta_analysis([0.1, 0.5], [0.02, 0.03], method="DL")
    assert math.isnan(res.pi_low)
    assert "prediction" not in str(res)


def test_docstring_examples():
    assert doctest.testmod(module, raise_on_error=False).failed == 0


# --- input problems --------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "kwargs", "match"), [
    (([0.1], [0.01]), {}, "at least 2 studies"),
    (([0.1, 0.2, 0.3], [0.01, 0.02]), {}, "3 estimates but 2 variances"),
    (([0.1, 0.2], [0.01, 0.0]), {}, "must be positive; study 2"),
    (([0.1, 0.2], [0.01, -0.02]), {}, "must be positive"),
    (([0.1, 0.2],), {"se": [0.1, -0.1]}, "standard errors must be positive"),
    (([0.1, float("nan")], [0.01, 0.02]), {}, "missing for study 2"),
    (([0.1, 0.2], [0.01, None]), {}, "missing for study 2"),
    (([0.1, 0.2],), {}, "give the sampling variances"),
    (([0.1, 0.2], [0.01, 0.02]), {"se": [0.1, 0.1]}, "one of the two"),
    (([0.1, 0.2], [0.01, 0.02]), {"method": "PM"}, "method must be"),
    (([0.1, 0.2], [0.01, 0.02]), {"confidence": 95}, "confidence must be"),
    (([0.1, 0.2], [0.01, 0.02]), {"labels": ["a"]}, "2 estimates but 1 labels"),
    ((["a", 0.2], [0.01, 0.02]), {}, "must hold numbers"),
    (([0.1, float("inf")], [0.01, 0.02]), {}, "infinite"),
    ((pd.DataFrame({"estimate": [0.1, 0.2]}),), {}, "'variance' or 'se'"),
    ((pd.DataFrame({"effect": [0.1, 0.2]}),), {}, "column 'estimate'"),
])
def test_input_problems_raise_clear_errors(args, kwargs, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(StatsError, match=match) as info:
            meta_analysis(*args, **kwargs)
    assert isinstance(info.value, SlcResearchError)


def test_no_warnings_on_good_or_edge_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in ("FE", "DL", "REML"):
            meta_analysis(YI, VI, method=method)
            meta_analysis([0.3, 0.3, 0.3], [0.1, 0.1, 0.1], method=method)  # Q = 0
            meta_analysis([0.3, 0.5], [1e-8, 1e-8], method=method)


# --- few schools: Hartung-Knapp-Sidik-Jonkman ------------------------------------------------

def test_item3_hksj_matches_metafor_dat_bcg():
    # metafor: rma(yi, vi, data = dat.bcg log risk ratios, method = "REML", test = "knha")
    # gives -0.7145, 95% CI [-1.1084, -0.3206], t on 12 df (STACK.md; Viechtbauer 2010).
    res = meta_analysis(YI, VI, method="REML", interval="hksj")
    assert res.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert res.ci_low == pytest.approx(-1.1084, abs=5e-5)
    assert res.ci_high == pytest.approx(-0.3206, abs=5e-5)
    assert res.df == 12
    assert res.interval == "hksj"
    assert "Hartung-Knapp-Sidik-Jonkman" in res.method
    # by hand: q = sum w (y - mu)² / (k - 1) scales the variance, t on k - 1 df
    w = 1 / (VI + res.tau2)
    q = float(np.sum(w * (YI - res.estimate) ** 2) / 12)
    assert res.hksj_q == pytest.approx(q, rel=1e-12)
    assert res.se == pytest.approx(math.sqrt(q / w.sum()), rel=1e-12)
    assert res.p_value == pytest.approx(2 * stats.t.sf(abs(res.estimate / res.se), 12),
                                        rel=1e-12)
    assert str(res).startswith("pooled estimate = -0.71, 95% CI [-1.11, -0.32], t(12) = ")
    # 13 studies: the default stays the normal interval, metafor's default
    assert meta_analysis(YI, VI).interval == "z"


def test_item3_modified_hksj_never_narrower_than_z():
    # Schools agreeing more than chance would make them: q < 1, so plain HKSJ is narrower
    # than the z interval (Röver, Knapp & Friede 2015, BMC Med Res Methodol 15:99); the
    # modified form uses max(1, q) and is not.
    y, v = [0.20, 0.22, 0.19, 0.21], [0.04, 0.05, 0.03, 0.06]
    z = meta_analysis(y, v, method="REML", interval="z")
    plain = meta_analysis(y, v, method="REML", interval="hksj")
    modified = meta_analysis(y, v, method="REML", interval="hksj-modified")
    auto = meta_analysis(y, v, method="REML")
    assert plain.hksj_q < 1
    assert plain.ci_high - plain.ci_low < z.ci_high - z.ci_low
    assert modified.ci_high - modified.ci_low > z.ci_high - z.ci_low
    half = stats.t.ppf(0.975, 3) * z.se  # max(1, q) = 1: the z se with a t(3) quantile
    assert modified.ci_high == pytest.approx(z.estimate + half, rel=1e-12)
    assert auto == modified  # the default with k < 10 random effects
    assert auto.note.startswith("With fewer than 5 schools")
    assert meta_analysis(y, v, method="FE").interval == "z"
    assert meta_analysis(y, v, method="FE").note == ""
    rng = np.random.default_rng(16)
    for _ in range(200):
        k = int(rng.integers(2, 10))
        yy, vv = rng.normal(0, 0.5, k), rng.uniform(0.01, 0.3, k)
        m = meta_analysis(yy, vv, method="DL", interval="hksj-modified")
        zz = meta_analysis(yy, vv, method="DL", interval="z")
        assert m.ci_low <= zz.ci_low + 1e-12
        assert m.ci_high >= zz.ci_high - 1e-12


def test_interval_option_is_checked():
    with pytest.raises(StatsError, match="interval must be one of"):
        meta_analysis([0.1, 0.2], [0.01, 0.02], interval="knha")
