"""The explorer's change view (issue 17 item 7) and honest axis (issue 16 item 10).

Each group's change between two waves is checked against an independent pandas /
scipy computation on the same pupils; Hedges' g_av of the change against Lakens's
(2013) formula written out here (d_av = mean change / mean of the two SDs, times the
exact J of Hedges, 1981, on n - 1 df); the comparison against Morris's (2008) d_ppc2
written out here (c_p (change_T - change_C) / pooled pre-test SD).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from slc_research.casestudies.explore.analysis import (
    MEMBERS,
    OTHER_PUPILS,
    explore,
    measures_from_tables,
)
from slc_research.casestudies.explore.change import explore_change
from slc_research.charts import group_change_chart, group_means_chart
from slc_research.errors import ConfigError, PrivacyError

THRESHOLD = 5
AGREE5 = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
          "Strongly agree")


@pytest.fixture(scope="module")
def enquiry_tables():
    """60 pupils; the first 16 in an SLC; engagement at waves 1-3, some pupils missing one."""
    rng = np.random.default_rng(17)
    n = 60
    ids = [f"P-{i:04d}" for i in range(n)]
    pupils = pd.DataFrame({
        "pupil_id": pd.array(ids, dtype="string"),
        "school": pd.array(["North"] * 40 + ["South"] * 20, dtype="string"),
        "year_group": pd.array([7, 8, 9] * 20, dtype="Int8"),
        "gender": pd.Categorical(["F", "M"] * 30),
        # 12 pupil-premium pupils, 3 of them (P-0000, -0005, -0010) in the SLC
        "pupil_premium": pd.array([i % 5 == 0 for i in range(n)], dtype="boolean"),
        "sen": pd.Categorical(["none"] * 56 + ["support"] * 4),
    })
    members = ids[:16]
    memberships = pd.DataFrame({"member_id": members, "member_type": "pupil",
                                "community": "Hillside SLC", "community_kind": "slc"})
    before = rng.normal(3.2, 0.7, n).round(2)
    lift = np.where(np.arange(n) < 16, 0.5, 0.1)  # members rise more
    after = (before * 0.6 + 1.3 + lift + rng.normal(0, 0.4, n)).round(2)
    later = (after + rng.normal(0, 0.3, n)).round(2)
    rows = []
    for i, pid in enumerate(ids):
        if i not in (3, 30):  # two pupils missed wave 1
            rows.append((pid, 1, before[i]))
        if i not in (7, 41, 42):  # three missed wave 2
            rows.append((pid, 2, after[i]))
        rows.append((pid, 3, later[i]))
    scores = pd.DataFrame(rows, columns=["respondent_id", "wave", "score"]).assign(
        respondent_type="pupil", scale="engagement")
    scores["wave"] = scores["wave"].astype("Int8")
    scores["score"] = scores["score"].astype("Float64")
    table = measures_from_tables(pupils, memberships, threshold=THRESHOLD, scale_scores=scores,
                                 scale_labels={"engagement": "Engagement in lessons"},
                                 scale_answers={"engagement": (AGREE5, 1)})
    wide = scores.pivot(index="respondent_id", columns="wave", values="score").astype(float)
    wide = wide.join(pupils.set_index("pupil_id")[["pupil_premium", "school"]])
    wide["member"] = wide.index.isin(members)
    return {"table": table, "wide": wide}


def _g_av(after: pd.Series, before: pd.Series) -> float:
    """Lakens (2013) d_av with Hedges's exact J on n - 1 df."""
    n = len(after)
    d = (after - before).mean() / ((after.std() + before.std()) / 2)
    df = n - 1
    j = special.gamma(df / 2) / (np.sqrt(df / 2) * special.gamma((df - 1) / 2))
    return j * d


def test_item7_explorer_change_per_group_matches_pandas_with_g_and_ci(enquiry_tables):
    t, wide = enquiry_tables["table"], enquiry_tables["wide"]
    r = explore_change(t, measure="scale:engagement", before="Wave 1", after="Wave 2",
                       by="community", community="kind:slc")
    both = wide.dropna(subset=[1, 2])
    assert r.n == len(both) == 55  # 60 pupils less 2 without wave 1 and 3 without wave 2
    assert list(r.summary["group"]) == [MEMBERS, OTHER_PUPILS]
    for label, part in ((MEMBERS, both[both["member"]]), (OTHER_PUPILS, both[~both["member"]])):
        row = r.summary.set_index("group").loc[label]
        diff = part[2] - part[1]
        half = stats.t.ppf(0.975, len(diff) - 1) * diff.std() / np.sqrt(len(diff))
        assert row["n"] == len(part)
        assert row["mean_before"] == pytest.approx(part[1].mean(), rel=1e-12)
        assert row["mean_after"] == pytest.approx(part[2].mean(), rel=1e-12)
        assert row["change"] == pytest.approx(diff.mean(), rel=1e-12)
        assert row["ci_low"] == pytest.approx(diff.mean() - half, rel=1e-12)
        assert row["ci_high"] == pytest.approx(diff.mean() + half, rel=1e-12)
        assert row["g"] == pytest.approx(_g_av(part[2], part[1]), rel=1e-9)
        assert row["g_low"] < row["g"] < row["g_high"]
    assert r.summary.set_index("group").loc[MEMBERS, "n"] == 14  # P-0003 missed wave 1, P-0007 wave 2
    # the comparison: Morris (2008) d_ppc2, written out
    m, o = both[both["member"]], both[~both["member"]]
    df = len(m) + len(o) - 2
    sd_pre = np.sqrt(((len(m) - 1) * m[1].var() + (len(o) - 1) * o[1].var()) / df)
    expected = (1 - 3 / (4 * df - 1)) * ((m[2] - m[1]).mean() - (o[2] - o[1]).mean()) / sd_pre
    assert r.comparison == (MEMBERS, OTHER_PUPILS)
    assert r.effect.estimate == pytest.approx(expected, rel=1e-12)
    assert r.effect.estimate > 0.3  # members were made to rise more
    assert "Members (n = 14) rose by" in r.sentence
    assert (f"The difference in change, Members minus Other pupils, is d_ppc2 = {expected:.2f}"
            in r.sentence)
    assert "(positive: the scores of Members rose more or fell less)" in r.sentence
    assert "not formed at random" in r.sentence
    shown = r.display_table()
    assert list(shown.columns) == ["Group", "Pupils measured at both (n)", "Mean, Wave 1",
                                   "Mean, Wave 2", "Change (95% CI)",
                                   "Hedges' g of the change (95% CI)"]
    g = r.summary.set_index("group").loc[MEMBERS]
    assert shown.iloc[0, 5] == f"{g['g']:+.2f} ({g['g_low']:+.2f} to {g['g_high']:+.2f})"


def test_item7_explorer_change_by_pupil_premium_in_one_school(enquiry_tables):
    t, wide = enquiry_tables["table"], enquiry_tables["wide"]
    r = explore_change(t, measure="scale:engagement", before="Wave 2", after="Wave 3",
                       by="pupil_premium", filters={"school": "North"})
    part = wide[(wide["school"] == "North")].dropna(subset=[2, 3])
    pp = part[part["pupil_premium"].astype(bool)]
    row = r.summary.set_index("group").loc["Pupil premium"]
    assert row["n"] == len(pp) == 8
    assert row["change"] == pytest.approx((pp[3] - pp[2]).mean(), rel=1e-12)
    assert row["g"] == pytest.approx(_g_av(pp[3], pp[2]), rel=1e-9)
    assert r.comparison == ("Pupil premium", "Not pupil premium")


def test_item7_explorer_change_withholds_small_groups_and_their_comparison(enquiry_tables):
    t = enquiry_tables["table"]
    # 4 pupils with SEN support, all measured at both waves
    small = explore_change(t, measure="scale:engagement", before="Wave 1", after="Wave 2",
                           by="sen", compare=("SEN support", "No SEN"))
    row = small.summary.set_index("group").loc["SEN support"]
    assert bool(row["suppressed"])
    assert small.small == ("SEN support",)
    assert pd.isna(row["change"])
    assert pd.isna(row["g"])
    # the other group is withheld too: with the total it would give the small one away
    assert bool(small.summary.set_index("group").loc["No SEN", "suppressed"])
    assert small.effect is None
    assert "No comparison shown: SEN support is withheld" in small.sentence
    assert list(small.display_table().iloc[:, 1]) == ["*", "<5"]
    assert small.chart_data().empty
    chart = group_change_chart(small.chart_data(), title="t", y_title="Change",
                               group_title="SEN", outcome="Engagement")
    assert list(chart.to_dict()["datasets"].values()) == [[]]


def test_item7_explorer_change_errors_say_what_to_choose(enquiry_tables):
    t = enquiry_tables["table"]
    with pytest.raises(ConfigError, match="choose two different waves"):
        explore_change(t, measure="scale:engagement", before="Wave 1", after="Wave 1")
    with pytest.raises(ConfigError, match="no wave 'Wave 9'; choose from Wave 1, Wave 2, Wave 3"):
        explore_change(t, measure="scale:engagement", before="Wave 1", after="Wave 9")
    with pytest.raises(ConfigError, match="no measure 'reading'"):
        explore_change(t, measure="reading", before="Wave 1", after="Wave 2")
    one = measures_from_tables(
        pd.DataFrame({"pupil_id": pd.array(["P-1", "P-2"], dtype="string"),
                      "school": "North", "year_group": pd.array([7, 7], dtype="Int8"),
                      "gender": pd.Categorical(["F", "M"]),
                      "pupil_premium": pd.array([True, False], dtype="boolean"),
                      "sen": pd.Categorical(["none", "none"])}),
        pd.DataFrame({"member_id": ["P-1"], "member_type": "pupil", "community": "SLC",
                      "community_kind": "slc"}), threshold=1,
        scale_scores=pd.DataFrame({"respondent_id": ["P-1", "P-2"], "wave": [1, 1],
                                   "scale": "belonging", "score": [3.0, 4.0]}))
    with pytest.raises(ConfigError, match=r"belonging was measured at one wave only \(Wave 1\)"):
        explore_change(one, measure="scale:belonging", before="Wave 1", after="Wave 1")


def test_item7_change_chart_has_zero_line_n_and_better_side(enquiry_tables):
    t = enquiry_tables["table"]
    r = explore_change(t, measure="scale:engagement", before="Wave 1", after="Wave 2",
                       by="community", community="kind:slc")
    chart = group_change_chart(r.chart_data(), title="Engagement in lessons, Wave 1 to Wave 2",
                               y_title="Change in mean scale score", group_title="SLC",
                               outcome="Engagement in lessons",
                               scale_note="on the 1-5 answer scale")
    spec = chart.to_dict()
    (values,) = spec["datasets"].values()
    assert [v["label"] for v in values] == ["Members (n = 14)", "Other pupils (n = 41)"]
    assert values[0]["change"] == pytest.approx(r.summary.loc[0, "change"])
    assert values[0]["g"] == pytest.approx(r.summary.loc[0, "g"])
    zero, rule, _point = spec["layer"]
    assert zero["encoding"]["y"] == {"datum": 0}
    assert rule["encoding"]["y"]["title"] == ["Change in mean scale score (95% CI)",
                                              "on the 1-5 answer scale"]
    assert spec["title"]["subtitle"][0].startswith("n = 55 pupils measured at both; ")
    assert "above 0 = rose, higher is better" in spec["title"]["subtitle"][1]
    lower = group_change_chart(r.chart_data(), title="x", y_title="Change",
                               group_title="SLC", outcome="Behaviour: negative points")
    assert "lower is better" in lower.to_dict()["title"]["subtitle"][1]
    with pytest.raises(PrivacyError):
        group_change_chart(pd.DataFrame({"group": ["SEN support"], "n": [3], "change": [0.4],
                                         "ci_low": [0.1], "ci_high": [0.7]}),
                           title="x", y_title="y", group_title="g", outcome="o")


def test_item10_explorer_likert_means_on_the_full_answer_scale(enquiry_tables):
    """Issue 16 item 10: a Likert mean of 3.4-4.2 is drawn on the whole 1-5 scale."""
    t = enquiry_tables["table"]
    m = t.measures["scale:engagement"]
    assert m.answers == AGREE5
    assert m.first == 1
    r = explore(t, measure="scale:engagement", wave="Wave 2", by="community",
                community="kind:slc")
    chart = group_means_chart(r.chart_data(), title="Engagement, Wave 2",
                              y_title="Mean scale score", group_title="SLC",
                              answers=m.answers, first=m.first).to_dict()
    y = chart["layer"][0]["encoding"]["y"]
    assert y["scale"]["domain"] == [1, 5]
    assert y["scale"]["nice"] is False
    assert y["axis"]["values"] == [1, 2, 3, 4, 5]
    assert y["title"] == ["Mean scale score (95% CI)",
                          "1 = strongly disagree ... 5 = strongly agree"]
    # a measure without an answer scale (attendance %, points) keeps a data-led axis
    plain = group_means_chart(r.chart_data(), title="x", y_title="Mean %",
                              group_title="SLC").to_dict()
    assert "domain" not in plain["layer"][0]["encoding"]["y"]["scale"]
    # a 0-based four-point scale
    four = group_means_chart(r.chart_data(), title="x", y_title="Mean", group_title="SLC",
                             answers=["Never", "Sometimes", "Often", "Always"],
                             first=0).to_dict()
    assert four["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0, 3]
