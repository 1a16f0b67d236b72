"""Cronbach's alpha against published values and independent computations.

References
----------
- pingouin's ``cronbach_alpha`` data set (15 respondents x 10 items; pingouin/datasets/
  cronbach_alpha.csv) with R psych::alpha's result as recorded in pingouin's
  tests/test_reliability.py: alpha = 0.592, Feldt 95% CI [0.195, 0.840].
- Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing
  rater reliability. Psychological Bulletin, 86(2), 420-428. Table 2 (six targets,
  four judges); their Table 3 ANOVA: BMS = 11.24, EMS = 1.02; ICC(3,k) = 0.91.
  Alpha with the judges as items equals ICC(3,k) = (BMS - EMS) / BMS (Hoyt, 1941), and
  the Feldt interval equals Shrout & Fleiss's interval for ICC(3,k); R psych::ICC gives
  ICC3k = 0.91, 95% CI [0.68, 0.99] (as recorded in pingouin's tests).
"""

from __future__ import annotations

import doctest
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from slc_research.data.spec import ResponseScale, Scale
from slc_research.errors import SlcResearchError
from slc_research.measures.scales import scale_items
from slc_research.stats import StatsError
from slc_research.stats import reliability as module
from slc_research.stats.reliability import AlphaResult, cronbach_alpha

PINGOUIN = pd.DataFrame({
    "Q1": [3, 5, 7, 2, 6, 1, 4, 2, 6, 5, 4, 4, 5, 6, 4],
    "Q2": [2, 4, 3, 4, 5, 2, 3, 4, 5, 4, 3, 2, 5, 5, 3],
    "Q3": [4, 6, 5, 3, 6, 3, 5, 4, 5, 6, 5, 3, 6, 5, 5],
    "Q4": [1, 3, 5, 3, 5, 4, 3, 3, 5, 4, 2, 2, 2, 4, 5],
    "Q5": [4, 5, 6, 2, 4, 2, 5, 7, 1, 3, 5, 5, 3, 2, 3],
    "Q6": [5, 1, 4, 2, 4, 5, 2, 2, 6, 5, 3, 3, 3, 2, 1],
    "Q7": [1, 2, 3, 2, 4, 2, 1, 2, 5, 3, 2, 4, 2, 1, 3],
    "Q8": [4, 5, 3, 6, 6, 3, 2, 4, 2, 1, 3, 2, 4, 4, 2],
    "Q9": [3, 5, 6, 6, 7, 5, 4, 6, 3, 7, 4, 3, 4, 6, 3],
    "Q10": [2, 5, 5, 3, 5, 2, 3, 5, 2, 2, 1, 4, 5, 5, 4],
})

SHROUT_FLEISS = pd.DataFrame({"J1": [9, 6, 8, 7, 10, 6], "J2": [2, 1, 4, 1, 5, 2],
                              "J3": [5, 3, 6, 2, 6, 4], "J4": [8, 2, 8, 6, 9, 7]})


def _alpha_by_hand(x: np.ndarray) -> float:
    """k/(k-1) (1 - sum of item variances / variance of the total score), from raw sums."""
    n, k = x.shape
    item_vars = [sum((v - sum(col) / n) ** 2 for v in col) / (n - 1) for col in x.T]
    totals = x.sum(axis=1)
    total_var = sum((t - totals.mean()) ** 2 for t in totals) / (n - 1)
    return k / (k - 1) * (1 - sum(item_vars) / total_var)


def _two_way_anova(x: np.ndarray) -> tuple[float, float]:
    """Between-targets and residual mean squares of a targets x judges table."""
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_error = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    return ss_rows / (n - 1), ss_error / ((n - 1) * (k - 1))


# --- published values ------------------------------------------------------------------------

def test_pingouin_dataset_matches_r_psych():
    res = cronbach_alpha(PINGOUIN)
    assert res.estimate == pytest.approx(0.592, abs=5e-4)
    assert res.ci_low == pytest.approx(0.195, abs=5e-4)
    assert res.ci_high == pytest.approx(0.840, abs=5e-4)
    assert (res.n, res.k, res.n_incomplete, res.missing) == (15, 10, 0, "listwise")
    assert res.estimate == pytest.approx(_alpha_by_hand(PINGOUIN.to_numpy(float)), rel=1e-12)


def test_shrout_fleiss_judges_match_published_anova_and_icc():
    x = SHROUT_FLEISS.to_numpy(float)
    bms, ems = _two_way_anova(x)
    assert (round(bms, 2), round(ems, 2)) == (11.24, 1.02)  # Shrout & Fleiss (1979) Table 3
    res = cronbach_alpha(SHROUT_FLEISS)
    assert res.estimate == pytest.approx(1 - ems / bms, rel=1e-12)  # Hoyt (1941)
    assert round(res.estimate, 2) == 0.91  # ICC(3,k)
    assert (round(res.ci_low, 2), round(res.ci_high, 2)) == (0.68, 0.99)  # psych::ICC


# --- independent computations ----------------------------------------------------------------

def test_feldt_interval_equals_the_icc3k_interval_formula():
    # Shrout & Fleiss (1979), ICC(3,k): F0 = BMS/EMS, FL = F0 / F(1-a/2; n-1, (n-1)(k-1)),
    # FU = F0 * F(1-a/2; (n-1)(k-1), n-1); bounds 1 - 1/FL and 1 - 1/FU.
    for data in (SHROUT_FLEISS, PINGOUIN):
        x = data.to_numpy(float)
        n, k = x.shape
        bms, ems = _two_way_anova(x)
        f0 = bms / ems
        df1, df2 = n - 1, (n - 1) * (k - 1)
        for confidence in (0.90, 0.95, 0.99):
            q = 0.5 + confidence / 2
            res = cronbach_alpha(data, confidence=confidence)
            assert res.ci_low == pytest.approx(1 - stats.f.ppf(q, df1, df2) / f0, rel=1e-10)
            assert res.ci_high == pytest.approx(1 - 1 / (f0 * stats.f.ppf(q, df2, df1)),
                                                rel=1e-10)


def test_item_table_against_direct_computation():
    res = cronbach_alpha(PINGOUIN)
    items = res.items
    assert list(items.columns) == ["item", "n", "mean", "sd", "item_rest_r", "alpha_if_deleted"]
    assert list(items["item"]) == list(PINGOUIN.columns)
    for i, col in enumerate(PINGOUIN.columns):
        rest = PINGOUIN.drop(columns=col)
        assert items["item_rest_r"].iloc[i] == pytest.approx(
            np.corrcoef(PINGOUIN[col], rest.sum(axis=1))[0, 1], rel=1e-10)
        assert items["alpha_if_deleted"].iloc[i] == pytest.approx(
            _alpha_by_hand(rest.to_numpy(float)), rel=1e-10)
        assert items["mean"].iloc[i] == pytest.approx(PINGOUIN[col].mean())
        assert items["sd"].iloc[i] == pytest.approx(PINGOUIN[col].std())


def test_standardized_alpha_from_mean_correlation():
    r = PINGOUIN.corr().to_numpy()
    k = r.shape[0]
    r_bar = r[~np.eye(k, dtype=bool)].mean()
    assert cronbach_alpha(PINGOUIN).standardized == pytest.approx(
        k * r_bar / (1 + (k - 1) * r_bar), rel=1e-10)


def test_listwise_drops_incomplete_respondents():
    data = PINGOUIN.astype(float)
    data.iloc[2, 0] = np.nan
    data.iloc[7, 4] = np.nan
    data.loc[99] = np.nan  # someone who answered nothing is ignored
    res = cronbach_alpha(data)
    complete = data.dropna()
    assert res.estimate == pytest.approx(_alpha_by_hand(complete.to_numpy()), rel=1e-12)
    assert (res.n, res.n_respondents, res.n_incomplete) == (13, 15, 2)
    assert "listwise: 2 of 15 respondents with missing answers left out" in str(res)


def test_pairwise_uses_every_available_pair():
    data = PINGOUIN.astype(float)
    data.iloc[2, 0] = np.nan
    data.iloc[7, 4] = np.nan
    data.iloc[7, 5] = np.nan
    x = data.to_numpy()
    k = x.shape[1]
    cov = np.empty((k, k))
    smallest = len(x)
    for i in range(k):
        for j in range(k):
            ok = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
            a, b = x[ok, i], x[ok, j]
            cov[i, j] = ((a - a.mean()) * (b - b.mean())).sum() / (ok.sum() - 1)
            smallest = min(smallest, int(ok.sum()))
    res = cronbach_alpha(data, missing="pairwise")
    assert res.estimate == pytest.approx(k / (k - 1) * (1 - np.trace(cov) / cov.sum()),
                                         rel=1e-12)
    assert (res.n, res.n_respondents, res.n_incomplete) == (smallest, 15, 2) == (13, 15, 2)
    assert list(res.items["n"]) == [14, 15, 15, 15, 14, 14, 15, 15, 15, 15]
    assert "pairwise" in res.method
    assert "pairwise" in str(res)


def test_long_survey_responses_give_the_same_alpha():
    long = (PINGOUIN.rename_axis("respondent_id").reset_index()
            .melt(id_vars="respondent_id", var_name="item", value_name="value")
            .assign(respondent_id=lambda d: "P" + d["respondent_id"].astype(str),
                    instrument="pupil_survey", wave=1))
    wide = cronbach_alpha(PINGOUIN)
    res = cronbach_alpha(long)
    assert res.estimate == pytest.approx(wide.estimate, rel=1e-12)
    assert res.n == 15
    assert set(res.items["item"]) == set(PINGOUIN.columns)


def test_wide_table_with_respondent_id_column():
    frame = PINGOUIN.assign(respondent_id=[f"P{i}" for i in range(15)])
    res = cronbach_alpha(frame)
    assert res.k == 10
    assert res.estimate == pytest.approx(cronbach_alpha(PINGOUIN).estimate, rel=1e-12)


def test_results_compare_without_comparing_tables():
    assert cronbach_alpha(PINGOUIN) == cronbach_alpha(PINGOUIN)
    assert "items=" not in repr(cronbach_alpha(PINGOUIN))


def test_scale_items_reverse_codes_and_pivots():
    scale = Scale("belonging", "pupil_survey", ("b1", "b2", "b3"), reverse=("b2",))
    agree5 = ResponseScale("agree5", ("SD", "D", "N", "A", "SA"))
    rows = []
    for pid, answers in {"P1": (5, 1, 4), "P2": (2, 4, 2), "P3": (4, 2, None),
                         "P4": (1, 5, 1)}.items():
        for item, value in zip(("b1", "b2", "b3"), answers, strict=True):
            rows.append({"respondent_id": pid, "instrument": "pupil_survey", "wave": 1,
                         "item": item, "value": value})
            rows.append({"respondent_id": pid, "instrument": "pupil_survey", "wave": 2,
                         "item": item, "value": 3})
    rows.append({"respondent_id": "P1", "instrument": "other", "wave": 1, "item": "b1",
                 "value": 1})
    rows.append({"respondent_id": "P1", "instrument": None, "wave": 1, "item": "b1",
                 "value": 1})
    responses = pd.DataFrame(rows).astype({"instrument": "string", "item": "string",
                                           "wave": "Int8", "value": "Float64"})
    wide = scale_items(responses, scale, wave=1, response_scales={"agree5": agree5})
    assert list(wide.columns) == ["b1", "b2", "b3"]
    assert wide.loc["P1"].tolist() == [5.0, 5.0, 4.0]  # b2: 6 - 1
    assert wide.loc["P4", "b2"] == 1.0
    assert math.isnan(wide.loc["P3", "b3"])
    res = cronbach_alpha(wide)
    assert res.n == 3
    assert res.estimate > 0.9
    # the built-in answer scales are the default
    assert scale_items(responses, scale, wave=1).equals(wide)


def test_constant_item_gives_nan_correlation_without_warnings():
    data = PINGOUIN.assign(Q11=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = cronbach_alpha(data)
    assert math.isnan(res.items["item_rest_r"].iloc[-1])
    assert math.isnan(res.standardized)
    assert res.estimate == pytest.approx(_alpha_by_hand(data.to_numpy(float)), rel=1e-12)


def test_result_shape_and_str():
    res = cronbach_alpha(SHROUT_FLEISS)
    assert isinstance(res, AlphaResult)
    assert str(res) == "α = 0.91, 95% CI [0.68, 0.99], n = 6, 4 items"
    row = res.to_frame()
    assert len(row) == 1
    assert "items" not in row.columns
    assert {"estimate", "ci_low", "ci_high", "n", "method", "k", "missing"} <= set(row.columns)
    with pytest.raises(AttributeError):
        res.estimate = 0.5  # frozen


def test_two_items_have_no_alpha_if_deleted():
    res = cronbach_alpha(SHROUT_FLEISS[["J1", "J2"]])
    assert res.items["alpha_if_deleted"].isna().all()
    assert not res.items["item_rest_r"].isna().any()


def test_numpy_input():
    res = cronbach_alpha(SHROUT_FLEISS.to_numpy())
    assert res.estimate == pytest.approx(cronbach_alpha(SHROUT_FLEISS).estimate)
    assert list(res.items["item"]) == ["item 1", "item 2", "item 3", "item 4"]


def test_docstring_examples():
    assert doctest.testmod(module, raise_on_error=False).failed == 0


# --- input problems --------------------------------------------------------------------------

def _long(**extra):
    return pd.DataFrame({"respondent_id": ["a", "a", "b", "b"], "item": ["x", "y", "x", "y"],
                         "value": [1, 2, 2, 3], **extra})


@pytest.mark.parametrize(("data", "kwargs", "match"), [
    (SHROUT_FLEISS[["J1"]], {}, "at least 2 items"),
    (SHROUT_FLEISS.iloc[:1], {}, "only 1 respondent"),
    (SHROUT_FLEISS.assign(J1=np.nan), {}, "no one answered item"),
    (SHROUT_FLEISS.assign(J1=np.nan), {"missing": "pairwise"}, "no one answered item"),
    (pd.DataFrame({"a": [1.0, np.nan, np.nan], "b": [np.nan, 1.0, 2.0],
                   "c": [1.0, 2.0, 3.0]}), {"missing": "pairwise"}, "answered both"),
    (pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": [1.0, np.nan, 2.0]}), {}, "only 1 respondent"),
    (pd.DataFrame({"a": [1.0, 1.0, 2.0], "b": [1.0, np.nan, 2.0]}), {"missing": "pairwise"},
     "not positive semi-definite"),
    (SHROUT_FLEISS.assign(J1=["x"] * 6), {}, "not numbers"),
    (pd.DataFrame({"a": [1, 2, 3], "b": [3, 2, 1]}), {}, "total scores do not vary"),
    (pd.DataFrame({"a": [1, 1, 1], "b": [2, 2, 2]}), {}, "total scores do not vary"),
    (SHROUT_FLEISS.assign(J1=[np.inf, 1, 2, 3, 4, 5]), {}, "infinite"),
    (SHROUT_FLEISS, {"missing": "mean"}, "missing must be"),
    (SHROUT_FLEISS, {"confidence": 1.5}, "confidence must be"),
    (np.ones(5), {}, "2-D"),
    ([[1, 2], [3, 4]], {}, "must be a DataFrame"),
    (_long(wave=[1, 2, 1, 2]), {}, "several waves"),
    (_long(instrument=["s", "s", "t", "t"]), {}, "several instruments"),
    (_long().assign(respondent_id=["a", None, "b", "b"]), {}, "no respondent_id"),
    (_long().assign(value=["1", "x", "2", "3"]), {}, "'value' column must hold numbers"),
])
def test_input_problems_raise_clear_errors(data, kwargs, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(StatsError, match=match) as info:
            cronbach_alpha(data, **kwargs)
    assert isinstance(info.value, SlcResearchError)


def test_scale_items_problems():
    scale = Scale("s", "pupil_survey", ("a", "b"), response_scale="agree5")
    responses = pd.DataFrame({"respondent_id": ["p", "p", "p", "p"],
                              "instrument": ["pupil_survey"] * 4, "wave": [1, 1, 2, 2],
                              "item": ["a", "b", "a", "b"], "value": [1, 2, 3, 4]})
    with pytest.raises(StatsError, match="choose one with wave"):
        scale_items(responses, scale)
    with pytest.raises(StatsError, match="no answers to the items"):
        scale_items(responses, scale, wave=3)
    with pytest.raises(StatsError, match="unknown answer scale"):
        scale_items(responses, Scale("s", "pupil_survey", ("a",), response_scale="odd7"))
    with pytest.raises(StatsError, match="lacks column"):
        scale_items(responses.drop(columns="wave"), scale)


def test_total_that_does_not_vary_up_to_rounding_is_refused():
    # every respondent's total is 15: the total-score variance is zero, which floating point
    # leaves as 1.8e-15 here (and alpha as about -1e15 before this was refused; Hypothesis
    # found such a table)
    table = np.array([[3, 2, 2, 8], [1, 1, 1, 12], [1, 5, 4, 5], [5, 3, 4, 3], [5, 4, 4, 2],
                      [3, 3, 5, 4], [2, 5, 4, 4], [1, 2, 5, 7]], dtype=float)
    assert pd.DataFrame(table).cov().to_numpy().sum() > 0  # the rounding this is about
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2]):
        with pytest.raises(StatsError, match="total scores do not vary"):
            cronbach_alpha(table[:, order])
