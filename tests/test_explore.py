"""The explorer's analysis (slc_research.casestudies.explore.analysis) and its chart, on a small seeded trust.

Every number is checked against an independent pandas / scipy computation on
the same rows, and the effect size against slc_research.stats.hedges_g.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from slc_research.casestudies.explore.analysis import OTHER_PUPILS, explore, measures_from_tables
from slc_research.charts import ChartError, group_means_chart
from slc_research.errors import ConfigError
from slc_research.stats import hedges_g

THRESHOLD = 5


@pytest.fixture(scope="module")
def trust():
    rng = np.random.default_rng(7)
    n = 80
    ids = [f"P-{i:04d}" for i in range(n)]
    pupils = pd.DataFrame({
        "pupil_id": pd.array(ids, dtype="string"),
        "school": pd.array(["North"] * 50 + ["South"] * 30, dtype="string"),
        "year_group": pd.array([7, 8, 9, 10] * 20, dtype="Int8"),
        "gender": pd.Categorical(["F", "M"] * 39 + [None, "X"]),
        "pupil_premium": pd.array([True, False, False, False] * 20, dtype="boolean"),
        "sen": pd.Categorical((["none"] * 7 + ["support"]) * 10),
    })
    members = ids[:12]  # 12 in the SLC, 3 in a tiny co-production pilot
    memberships = pd.DataFrame({
        "member_id": members + ids[20:23] + ["S-teacher"],
        "member_type": ["pupil"] * 15 + ["staff"],
        "community": ["Alpha SLC"] * 12 + ["Beta pilot"] * 3 + ["Alpha TLC"],
        "community_kind": ["slc"] * 12 + ["coproduction"] * 3 + ["tlc"],
    })
    scores = pd.DataFrame({
        "respondent_id": ids * 2 + ["P-anon"],
        "respondent_type": ["pupil"] * (2 * n) + ["pupil"],
        "wave": pd.array([1] * n + [2] * n + [1], dtype="Int8"),
        "scale": "engagement",
        "score": pd.array(np.r_[rng.normal(3.4, 0.8, 2 * n).round(1), 5.0], dtype="Float64"),
    }).iloc[[i for i in range(2 * n + 1) if i != 5]]  # P-0005 skipped wave 1
    terms = pd.DataFrame({
        "pupil_id": np.repeat(ids, 3), "academic_year": "2025-26",
        "period": ["autumn", "spring", "summer"] * n, "possible": [150, 110, 120] * n,
        "present": np.r_[rng.integers(100, 151, n), rng.integers(80, 111, n),
                         rng.integers(90, 121, n)].reshape(3, n).T.ravel(),
    })
    terms["attendance_pct"] = terms["present"] / terms["possible"] * 100
    behaviour = pd.DataFrame({
        "pupil_id": ["P-0001", "P-0001", "P-0002", "P-0003"],
        "date": pd.to_datetime(["2025-10-01", "2026-02-01", "2025-10-02", "2026-05-05"]),
        "type": ["negative", "negative", "positive", "negative"],
        "points": pd.array([-2, -1, 3, None], dtype="Float64"),
    })
    attainment = pd.DataFrame({
        "pupil_id": ids * 2, "assessment": ["Autumn"] * n + ["Summer"] * n,
        "subject": "Maths", "score": rng.normal(60, 12, 2 * n).round(),
        "date": pd.to_datetime(["2025-11-28"] * n + ["2026-06-30"] * n),
    })
    table = measures_from_tables(pupils, memberships, threshold=THRESHOLD, scale_scores=scores,
                                 scale_labels={"engagement": "Engagement in lessons"},
                                 attendance_terms=terms, behaviour=behaviour,
                                 attainment=attainment)
    return {"table": table, "pupils": pupils, "scores": scores, "terms": terms,
            "members": members}


def _expected(values: pd.Series, groups: pd.Series) -> pd.DataFrame:
    """Per-group n, mean, sd and t interval, computed independently with pandas and scipy."""
    g = values.groupby(groups, sort=False).agg(["count", "mean", "std"])
    half = stats.t.ppf(0.975, g["count"] - 1) * g["std"] / np.sqrt(g["count"])
    return g.assign(ci_low=g["mean"] - half, ci_high=g["mean"] + half)


def test_measures_and_waves(trust):
    t = trust["table"]
    assert list(t.measures) == ["scale:engagement", "attendance", "behaviour_positive",
                                "behaviour_negative", "attainment:Maths"]
    assert t.measures["scale:engagement"].label == "Engagement in lessons"
    assert t.measures["scale:engagement"].waves == ("Wave 1", "Wave 2")
    assert t.measures["attendance"].waves == ("Autumn term", "Spring term", "Summer term",
                                              "Whole year")
    assert t.measures["attainment:Maths"].waves == ("Autumn", "Summer")
    # pupils only: the staff TLC is no choice, the anonymous respondent no row
    assert list(t.communities) == ["kind:slc", "kind:coproduction", "community:Alpha SLC",
                                   "community:Beta pilot"]
    assert "P-anon" not in set(t.data["pupil_id"].astype(str))
    for (m, w) in [("scale:engagement", "Wave 1"), ("attendance", "Whole year")]:
        rows = t.rows(m, w)
        assert set(rows["measure"].astype(str)) == {m}
        assert set(rows["wave"].astype(str)) == {w}
    assert len(t.rows("scale:engagement", "Wave 1")) == 79


def test_grouped_summary_matches_pandas(trust):
    r = explore(trust["table"], measure="scale:engagement", wave="Wave 2", by="year_group")
    s = trust["scores"]
    w2 = s[s["wave"] == 2].merge(trust["pupils"], left_on="respondent_id", right_on="pupil_id")
    want = _expected(w2["score"].astype(float), "Year " + w2["year_group"].astype(str))
    assert list(r.summary["group"]) == ["Year 7", "Year 8", "Year 9", "Year 10"]
    got = r.summary.set_index("group")
    assert got["n"].tolist() == want.loc[got.index, "count"].tolist() == [20] * 4
    for col, wcol in [("mean", "mean"), ("sd", "std"), ("ci_low", "ci_low"),
                      ("ci_high", "ci_high")]:
        np.testing.assert_allclose(got[col].astype(float), want.loc[got.index, wcol], rtol=1e-12)
    assert not got["suppressed"].any()
    assert r.n == 80


def test_effect_is_hedges_g_of_members_vs_others(trust):
    r = explore(trust["table"], measure="scale:engagement", wave="Wave 1", by="community",
                community="community:Alpha SLC")
    s = trust["scores"]
    w1 = s[(s["wave"] == 1) & s["respondent_id"].isin(trust["pupils"]["pupil_id"])]
    is_member = w1["respondent_id"].isin(trust["members"])
    want = hedges_g(w1.loc[is_member, "score"].astype(float),
                    w1.loc[~is_member, "score"].astype(float))
    assert r.comparison == ("Members", OTHER_PUPILS)
    assert r.effect == want
    assert r.summary["n"].tolist() == [11, 68]  # P-0005 (a member) skipped wave 1
    assert f"Hedges' g = {want.estimate:.2f}" in r.sentence
    assert "does not show that one thing caused the other" in r.sentence


def test_filters_keep_only_the_chosen_pupils(trust):
    r = explore(trust["table"], measure="attendance", wave="Whole year", by="pupil_premium",
                filters={"school": "North", "year_group": ["Year 7", "Year 8"]})
    terms = trust["terms"].merge(trust["pupils"], on="pupil_id")
    keep = terms[(terms["school"] == "North") & terms["year_group"].isin([7, 8])]
    year = keep.groupby("pupil_id").agg(present=("present", "sum"),
                                        possible=("possible", "sum"),
                                        pp=("pupil_premium", "first"))
    year["pct"] = year["present"] / year["possible"] * 100
    want = _expected(year["pct"], year["pp"].map({True: "Pupil premium",
                                                  False: "Not pupil premium"}))
    got = r.summary.set_index("group")
    assert r.n == 26 == len(year)
    np.testing.assert_allclose(got["mean"].astype(float), want.loc[got.index, "mean"])
    assert got["n"].tolist() == want.loc[got.index, "count"].tolist()


def test_small_group_is_withheld_with_its_comparison(trust):
    r = explore(trust["table"], measure="attainment:Maths", wave="Summer", by="community",
                community="kind:coproduction")
    members = r.summary.iloc[0]
    assert members["group"] == "Members"
    assert members["suppressed"]
    assert pd.isna(members["n"])
    assert pd.isna(members["mean"])
    assert pd.isna(members["ci_low"])
    assert r.effect is None
    assert "fewer than 5 pupils" in r.sentence
    # the only other group would give the members away (total - others): withheld too
    others = r.summary.iloc[1]
    assert others["group"] == OTHER_PUPILS
    assert others["suppressed"]
    assert r.chart_data().empty
    shown = r.display_table()
    assert shown.iloc[0].tolist() == ["Members", "<5", "<5", "<5", "<5"]
    assert shown.iloc[1].tolist() == [OTHER_PUPILS, "*", "*", "*", "*"]


def test_a_small_group_among_several_takes_the_next_smallest_with_it(trust):
    r = explore(trust["table"], measure="attainment:Maths", wave="Autumn", by="gender")
    table = r.summary.set_index("group")
    withheld = list(table.index[table["suppressed"]])
    assert "Not recorded" in r.small
    assert len(withheld) >= 2
    published = table.loc[~table["suppressed"], "n"]
    assert (r.n - published.sum()) >= r.threshold  # what is left cannot be a small group


def test_compare_chosen_groups_and_not_recorded(trust):
    r = explore(trust["table"], measure="attainment:Maths", wave="Autumn", by="gender",
                compare=("Boys", "Girls"))
    assert r.groups == ["Girls", "Boys", "Other / non-binary", "Not recorded"]
    rows = trust["table"].rows("attainment:Maths", "Autumn")
    want = hedges_g(rows.loc[rows["gender"] == "Boys", "value"],
                    rows.loc[rows["gender"] == "Girls", "value"])
    assert r.effect == want
    assert r.summary.set_index("group").loc["Not recorded", "suppressed"]


def test_behaviour_points_are_zero_filled_and_counted_by_size(trust):
    t = trust["table"]
    autumn = t.rows("behaviour_negative", "Autumn term").set_index("pupil_id")["value"]
    year = t.rows("behaviour_negative", "Whole year").set_index("pupil_id")["value"]
    assert len(autumn) == 80
    assert autumn["P-0001"] == 2
    assert autumn["P-0010"] == 0
    assert year["P-0001"] == 3
    assert year["P-0003"] == 1
    assert t.rows("behaviour_positive", "Spring term")["value"].sum() == 0


def test_errors_say_what_to_choose(trust):
    t = trust["table"]
    with pytest.raises(ConfigError, match="no measure 'reading'; choose one of"):
        explore(t, measure="reading", wave="Wave 1")
    with pytest.raises(ConfigError, match="cannot group by 'house'"):
        explore(t, measure="attendance", wave="Whole year", by="house")
    with pytest.raises(ConfigError, match="cannot filter on 'house'"):
        explore(t, measure="attendance", wave="Whole year", filters={"house": "Red"})
    with pytest.raises(ConfigError, match="cannot compare"):
        explore(t, measure="attendance", wave="Whole year", by="sen", compare=("a", "b"))
    r = explore(t, measure="attendance", wave="Whole year", by="school",
                filters={"school": "South"})
    assert r.effect is None
    assert r.sentence.startswith("There are not two groups")


def test_chart_is_aggregated_and_labelled(trust):
    r = explore(trust["table"], measure="attainment:Maths", wave="Summer", by="gender")
    chart = group_means_chart(r.chart_data(), title="Maths, Summer", y_title="Mean score",
                              group_title=r.group_title)
    spec = chart.to_dict()
    (values,) = spec["datasets"].values()
    published = r.chart_data()
    assert 1 <= len(values) == len(published) < len(r.summary)  # one row per published group
    first = published.iloc[0]
    assert values[0]["group"] == first["group"]
    assert values[0]["label"] == f"{first['group']} (n = {int(first['n'])})"
    assert values[0]["mean"] == pytest.approx(first["mean"])
    assert spec["title"]["text"] == "Maths, Summer"
    assert spec["title"]["subtitle"].startswith(f"n = {int(published['n'].sum())} pupils")
    assert spec["encoding"]["x"]["title"] == "Gender"
    assert spec["layer"][0]["encoding"]["y"]["title"] == "Mean score (95% CI)"
    assert {t["field"] for t in spec["encoding"]["tooltip"]} >= {"n", "mean", "ci_low"}
    # the template is shared, never mutated: a second chart keeps its own data and title
    other = group_means_chart(r.summary.iloc[:0], title="Empty", y_title="Mean score",
                              group_title=r.group_title)
    assert chart.to_dict()["title"]["text"] == "Maths, Summer"
    assert list(other.to_dict()["datasets"].values()) == [[]]


def test_chart_refuses_raw_rows():
    raw = pd.DataFrame({"group": ["a"] * 5001, "n": 1, "mean": 1.0, "ci_low": 0.0,
                        "ci_high": 2.0})
    with pytest.raises(ChartError, match="aggregate the data first"):
        group_means_chart(raw, title="t", y_title="y", group_title="g")
