"""Propensity-score matching on seeded data with a known confounder.

References: Austin (2011), caliper 0.2 SD of the logit; Stuart (2010), |SMD| < 0.1 good.
The propensity model is checked against statsmodels' formula interface fitted independently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from slc_research.errors import StatsError
from slc_research.stats.matching import balance_rating, matched_comparison


def _confounded(seed: int = 1, n: int = 2000) -> pd.DataFrame:
    """Membership depends on baseline (and gender); the outcome on baseline only: no effect."""
    rng = np.random.default_rng(seed)
    baseline = rng.normal(3.0, 0.8, n)
    girl = rng.random(n) < 0.5
    year = rng.choice([7, 8, 9], n)
    prior = rng.choice(["low", "middle", "high", None], n, p=[0.3, 0.4, 0.2, 0.1])
    logit = -4.2 + 1.0 * (baseline - 3.0) * 1.5 + 0.6 * girl
    member = rng.random(n) < 1 / (1 + np.exp(-logit))
    outcome = 1.0 + 0.8 * baseline + rng.normal(0, 0.5, n)  # nothing injected
    return pd.DataFrame({"member": member, "baseline": baseline,
                         "gender": np.where(girl, "F", "M"), "year_group": year,
                         "prior_attainment": prior, "outcome": outcome})


def test_item2_matching_recovers_null_with_known_confounder():
    data = _confounded()
    members = data[data["member"]]
    naive = members["outcome"].mean() - data.loc[~data["member"], "outcome"].mean()
    assert naive > 0.4  # the confounder makes members look better: biased
    res = matched_comparison(data, group="member",
                             covariates=["baseline", "gender", "prior_attainment"],
                             exact=["year_group"], outcome="outcome")
    assert res.ok, res.reason
    assert res.ci_low < 0 < res.ci_high  # the true effect, 0, is recovered
    assert abs(res.estimate) < 0.1
    assert res.n_treated_matched + res.n_treated_unmatched == len(members)
    assert res.n_treated_matched >= 0.8 * len(members)
    # exact on year group: every matched set lies in one year group
    assert (res.matched.groupby("matched_set")["year_group"].nunique() == 1).all()
    # without replacement: each non-member used once
    others = res.matched[~res.matched["member"]]
    assert len(others) == res.n_controls_matched == res.n_treated_matched
    # deterministic: the same data give the same matches
    again = matched_comparison(data, group="member",
                               covariates=["baseline", "gender", "prior_attainment"],
                               exact=["year_group"], outcome="outcome")
    assert again.estimate == res.estimate
    assert "members matched" in str(res)


def test_item2_matching_balance_table():
    data = _confounded()
    res = matched_comparison(data, group="member",
                             covariates=["baseline", "gender", "prior_attainment"],
                             exact=["year_group"])
    b = res.balance.set_index(["covariate", "level"])
    # before: the SMD of the baseline, computed by hand (pooled SD of both groups)
    m, o = data.loc[data["member"], "baseline"], data.loc[~data["member"], "baseline"]
    smd = (m.mean() - o.mean()) / np.sqrt((m.var() + o.var()) / 2)
    assert b.loc[("baseline", ""), "smd_before"] == pytest.approx(smd)
    assert smd > 1.2
    assert abs(b.loc[("baseline", ""), "smd_after"]) < 0.1
    assert (b["smd_after"].abs() < 0.1).all()
    assert (b["balance"] == "good").all()
    # "Not recorded" prior attainment is a level of its own
    assert ("prior_attainment", "Not recorded") in b.index
    assert np.isnan(res.estimate)
    # the propensity model agrees with statsmodels' formula interface
    d = data.assign(pa=data["prior_attainment"].fillna("Not recorded"),
                    m=data["member"].astype(int))
    fit = smf.logit("m ~ baseline + C(gender) + C(pa)", d).fit(disp=0)
    full = matched_comparison(data, group="member",
                              covariates=["baseline", "gender", "prior_attainment"])
    assert full.matched["propensity"].to_numpy() == pytest.approx(
        fit.predict(d).to_numpy()[full.matched.index.to_numpy()], rel=1e-5)
    assert [balance_rating(x) for x in (0.05, -0.2, 0.3)] == ["good", "acceptable", "poor"]


def test_matching_says_when_too_few_members_match():
    rng = np.random.default_rng(3)
    n = 60
    data = pd.DataFrame({"member": np.arange(n) < 20,
                         "baseline": np.r_[rng.normal(5, 0.1, 20), rng.normal(1, 0.1, 40)]})
    res = matched_comparison(data, group="member", covariates=["baseline"])
    assert not res.ok
    assert "similar pupil" in res.reason


def test_matching_says_when_every_member_matched_but_they_are_too_few():
    rng = np.random.default_rng(4)
    data = pd.DataFrame({"member": np.arange(60) < 5, "baseline": rng.normal(3, 0.5, 60)})
    res = matched_comparison(data, group="member", covariates=["baseline"])
    assert not res.ok
    # not "only 5 of 5 members (100%) had a similar pupil ... at least 80% ... are needed"
    assert res.reason == ("5 matched members are too few for a fair matched comparison; at "
                          "least 10 are needed")


def test_matching_says_when_there_are_fewer_pupils_than_characteristics():
    """A tiny school: 7 pupils measured twice, matched on a starting score and four
    characteristics with 11 levels in all. The propensity model has more terms than pupils;
    the SLC report crashed (IndexError in the model's rank check) instead of saying so."""
    data = pd.DataFrame({
        "member": [True, True, True, False, False, False, False],
        "baseline": [3.2, 2.8, 4.0, 3.1, 2.5, 3.9, 3.3],
        "gender": ["F", "M", "F", "M", "F", "M", "F"],
        "sen": ["N", "K", "N", "E", "N", "K", "N"],
        "pupil_premium": ["yes", "no", "no", "yes", "no", "no", "yes"],
        "prior_attainment": ["low", "middle", "high", "middle", "high", "low", "middle"]})
    res = matched_comparison(data, group="member",
                             covariates=["baseline", "gender", "sen", "pupil_premium",
                                         "prior_attainment"])
    assert not res.ok
    assert res.n == 0
    # 1 + starting score + 1 gender + 2 SEN + 1 pupil premium + 2 prior attainment terms
    # no count: in a report it would be a count of pupils below the threshold
    assert res.reason == ("too few pupils (members and others) to model who joined on 8 "
                          "terms: at least 9 are needed")


def test_matching_refuses_a_missing_column():
    with pytest.raises(StatsError, match="no column 'sen'"):
        matched_comparison(_confounded(n=50), group="member", covariates=["sen"])


def test_matching_two_to_one_weights_each_set():
    data = _confounded()
    res = matched_comparison(data, group="member", covariates=["baseline", "gender"],
                             exact=["year_group"], ratio=2, outcome="outcome")
    m = res.matched
    controls = m[~m["member"]]
    per_set = controls.groupby("matched_set").size()
    assert per_set.max() == 2
    # each matched member's non-members carry weights adding up to 1
    assert controls.groupby("matched_set")["weight"].sum().to_numpy() == pytest.approx(1.0)
    assert not controls.index.duplicated().any()  # without replacement
    assert res.ci_low < 0 < res.ci_high
    assert "1:2" in res.method


def test_docstring_examples():
    import doctest

    from slc_research.stats import matching

    assert doctest.testmod(matching).failed == 0
