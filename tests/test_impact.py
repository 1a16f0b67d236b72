"""The SLC impact analyses on hand-built canonical tables with known answers."""

from __future__ import annotations

import doctest
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from slc_research.casestudies.slc_impact import STUDY, design, impact
from slc_research.data.schemas import conform
from slc_research.data.spec import Scale
from slc_research.errors import ConfigError
from slc_research.privacy import suppression
from slc_research.stats import hedges_g, mdes, ppc_effect_size

# --- fixtures --------------------------------------------------------------------------------


def _ids(prefix: str, n: int, start: int = 0) -> list[str]:
    return [f"{prefix}{i:03d}" for i in range(start, start + n)]


@pytest.fixture
def pupils() -> pd.DataFrame:
    """40 pupils in Year 9 at school A (10 members, 30 others), 20 in Year 7, 5 at school B."""
    members, others = _ids("M", 10), _ids("O", 30)
    y7, school_b = _ids("Y", 20), _ids("B", 5)
    rows = []
    for i, pid in enumerate(members):  # 4 of 10 PP, 6 girls, 1 unknown prior attainment
        rows.append((pid, "A", 9, "F" if i < 6 else "M", i < 4, "none", "high" if i else None))
    for i, pid in enumerate(others):  # 6 of 30 PP, 15 girls
        rows.append((pid, "A", 9, "F" if i < 15 else "M", i < 6, "support" if i < 3 else "none",
                     "low"))
    rows += [(pid, "A", 7, "F", True, "none", "low") for pid in y7]
    rows += [(pid, "B", 9, "M", True, "none", "low") for pid in school_b]
    cols = ["pupil_id", "school", "year_group", "gender", "pupil_premium", "sen",
            "prior_attainment"]
    return conform(pd.DataFrame(rows, columns=cols), "pupils")


@pytest.fixture
def memberships() -> pd.DataFrame:
    rows = [(pid, "pupil", "StuPed", "slc", "A", "member", "2025-09-01", None)
            for pid in _ids("M", 10)]
    rows[0] = ("M000", "pupil", "StuPed", "slc", "A", "leader", "2025-09-01", None)
    rows.append(("M009", "pupil", "StuPed", "slc", "A", "member", "2025-09-01", None))  # twice
    rows.append(("GONE", "pupil", "StuPed", "slc", "A", "member", "2025-09-01", None))
    rows.append(("S-teacher", "staff", "StuPed", "slc", "A", "lead teacher", None, None))
    rows.append(("B000", "pupil", "Voice B", "slc", "B", "member", None, None))
    rows.append(("S-tlc", "staff", "TLC Retrieval", "tlc", "A", "member", None, None))
    frame = pd.DataFrame(rows, columns=["member_id", "member_type", "community",
                                        "community_kind", "school", "role", "joined", "left"])
    frame["joined"] = pd.to_datetime(frame["joined"])
    frame["left"] = pd.to_datetime(frame["left"])
    return conform(frame, "memberships")


# --- members and cohort ----------------------------------------------------------------------

def test_community_members_by_name_kind_and_type(memberships):
    stuped = impact.community_members(memberships, "StuPed")
    assert stuped == frozenset(_ids("M", 10)) | {"GONE"}  # pupils only, each once
    assert impact.community_members(memberships) == stuped | {"B000"}  # every SLC
    assert impact.community_members(memberships, ["Voice B"]) == {"B000"}
    assert impact.community_members(memberships, kind="tlc") == {"S-tlc"}
    assert "S-teacher" in impact.community_members(memberships, "StuPed", member_type="staff")


def test_community_members_required(memberships):
    with pytest.raises(ConfigError, match="no pupil members found in 'Nope'"):
        impact.community_members(memberships, "Nope", require=True)


def test_cohort_is_same_school_and_year(pupils):
    cohort = impact.cohort_ids(pupils, _ids("M", 10))
    assert cohort == frozenset(_ids("M", 10) + _ids("O", 30))  # not Year 7, not school B


# --- representativeness ----------------------------------------------------------------------

def test_representativeness_percentages(pupils, memberships):
    members = impact.community_members(memberships, "StuPed")
    rep = impact.representativeness(pupils, members)
    assert (rep.n_members, rep.n_rest, rep.n_unmatched) == (10, 30, 1)  # "GONE" not on roll
    assert rep.year_groups == (9,)
    assert rep.schools == ("A",)
    t = rep.table.set_index(["characteristic", "level"])
    pp = t.loc[("Pupil premium", "Yes")]
    assert (pp["n_members"], pp["pct_members"], pp["n_rest"], pp["pct_rest"]) == (4, 40, 6, 20)
    assert pp["diff_pp"] == pytest.approx(20)
    assert t.loc[("Gender", "Girls"), "pct_members"] == 60
    assert t.loc[("Gender", "Girls"), "pct_rest"] == 50
    assert t.loc[("Prior attainment (KS2)", "Not recorded"), "n_members"] == 1
    # levels in a teacher's order, not alphabetical
    sen = list(rep.table.loc[rep.table["characteristic"] == "Special educational needs",
                             "level"])
    assert sen == ["No SEN", "SEN support"]
    assert (rep.table["members_total"] == 10).all()
    # every characteristic's percentages add up to 100 in each group
    sums = rep.table.groupby("characteristic")[["pct_members", "pct_rest"]].sum()
    assert np.allclose(sums.to_numpy(), 100)


def test_representativeness_tests_match_scipy(pupils, memberships):
    rep = impact.representativeness(pupils, impact.community_members(memberships, "StuPed"))
    tests = rep.tests.set_index("characteristic")
    # pupil premium: members 4 yes / 6 no, rest 6 / 24 -> an expected count below 5: Fisher
    fisher = stats.fisher_exact([[24, 6], [6, 4]])
    assert tests.loc["Pupil premium", "test"] == "Fisher's exact"
    assert tests.loc["Pupil premium", "p_value"] == pytest.approx(fisher.pvalue)
    # gender: members 6/4, rest 15/15: 4.75 boys expected among members, so Fisher again
    assert tests.loc["Gender", "p_value"] == pytest.approx(
        stats.fisher_exact([[15, 15], [6, 4]]).pvalue)
    # year group has a single level in the cohort: no test possible
    assert tests.loc["Year group", "test"] == "not possible"


def test_representativeness_uses_chi_square_when_expected_counts_allow():
    ids = _ids("P", 40)
    frame = conform(pd.DataFrame({"pupil_id": ids, "school": "A", "year_group": 8,
                                  "gender": ["F"] * 10 + ["M"] * 10 + ["F"] * 12 + ["M"] * 8}),
                    "pupils")
    rep = impact.representativeness(frame, ids[:20], by=("gender",))
    chi = stats.chi2_contingency([[12, 8], [10, 10]])  # rows: rest, members
    row = rep.tests.iloc[0]
    # scipy corrected the 2x2 table (Yates), and the label says so (issue 16, item 10)
    assert (row["test"], row["df"]) == ("chi-square with Yates' continuity correction", 1)
    assert row["statistic"] == pytest.approx(chi.statistic)  # Yates-corrected
    assert row["p_value"] == pytest.approx(chi.pvalue)


def test_item10_not_recorded_in_representativeness():
    """Members differ from the rest only in how often prior attainment is not recorded."""
    ids = _ids("P", 200)
    prior = (["low"] * 10 + ["high"] * 10 + [None] * 20  # 40 members: half not recorded
             + ["low"] * 76 + ["high"] * 76 + [None] * 8)  # 160 others: 5% not recorded
    frame = conform(pd.DataFrame({"pupil_id": ids, "school": "A", "year_group": 8,
                                  "prior_attainment": prior}), "pupils")
    rep = impact.representativeness(frame, ids[:40], by=("prior_attainment",))
    row = rep.tests.iloc[0]
    assert row["n"] == 200  # every pupil tested, "Not recorded" included
    # reference: scipy on the members x (low, high, not recorded) table
    chi = stats.chi2_contingency([[76, 76, 8], [10, 10, 20]], correction=False)
    assert row["test"] == "chi-square"
    assert row["df"] == 2
    assert row["statistic"] == pytest.approx(chi.statistic)
    assert row["p_value"] == pytest.approx(chi.pvalue)
    assert row["p_value"] < 0.001  # the difference lies in "Not recorded" alone
    levels = rep.table.set_index("level")
    assert levels.loc[impact.NOT_RECORDED, "n_members"] == 20


# --- participation ---------------------------------------------------------------------------

def test_participation_counts_meetings_while_a_member():
    meetings = conform(pd.DataFrame({
        "meeting_id": ["m1", "m2", "m3", "m4", "x1"],
        "community": ["SLC"] * 4 + ["Other"],
        "date": pd.to_datetime(["2025-09-10", "2025-10-10", "2025-11-10", "2025-12-10",
                                "2025-09-10"]),
    }), "meetings")
    memberships = conform(pd.DataFrame({
        "member_id": ["a", "b", "c", "d"], "community": ["SLC", "SLC", "SLC", "Other"],
        "role": ["leader", None, "member", "member"],
        "joined": pd.to_datetime([None, "2025-10-01", None, None]),
        "left": pd.to_datetime([None, None, "2025-10-31", None]),
    }), "memberships")
    attendance = conform(pd.DataFrame({
        "meeting_id": ["m1", "m2", "m3", "m4", "m3", "m4", "m1", "m2", "m3"],
        "member_id": ["a", "a", "a", "a", "b", "b", "c", "c", "c"],
        "attended": [True, True, False, None, True, False, True, False, True],
    }), "meeting_attendance")
    part = impact.participation(meetings, attendance, memberships, "SLC")
    per = part.per_member.set_index("member_id")
    # a: 4 held, attended m1, m2 and m4 (no mark = on the register): 3
    assert (per.loc["a", "meetings_held"], per.loc["a", "meetings_attended"]) == (4, 3)
    # b joined in October: m2, m3, m4 held; came to m3 only
    assert (per.loc["b", "meetings_held"], per.loc["b", "meetings_attended"]) == (3, 1)
    # c left at the end of October: m1, m2 held; m3 attendance after leaving is not counted
    assert (per.loc["c", "meetings_held"], per.loc["c", "meetings_attended"]) == (2, 1)
    assert per.loc["a", "pct_attended"] == 75
    assert per.loc["a", "band"] == "75-100%"
    assert "d" not in per.index
    s = part.summary.iloc[0]
    assert (s["members"], s["meetings"], s["n_regular"]) == (3, 4, 1)
    assert s["mean_pct_attended"] == pytest.approx((75 + 100 / 3 + 50) / 3)
    assert dict(zip(part.roles["role"], part.roles["n"], strict=True)) == {
        "Not recorded": 1, "leader": 1, "member": 1}
    assert part.bands["n"].tolist() == [0, 1, 1, 1]
    assert len(part.bands) == 4


# --- questionnaire scales --------------------------------------------------------------------

def _scores(members_pre, members_post, others_pre, others_post) -> pd.DataFrame:
    rows = []
    for prefix, pre, post in (("M", members_pre, members_post), ("O", others_pre, others_post)):
        for i, (a, b) in enumerate(zip(pre, post, strict=True)):
            pid = f"{prefix}{i:03d}"
            rows.append((pid, "pupil", 1, "engagement", a))
            if not np.isnan(b):
                rows.append((pid, "pupil", 2, "engagement", b))
    rows.append(("S-staff", "staff", 1, "engagement", 1.0))
    rows.append(("S-staff", "staff", 2, "engagement", 5.0))
    return pd.DataFrame(rows, columns=["respondent_id", "respondent_type", "wave", "scale",
                                       "score"])


def test_scale_change_recovers_a_planted_change():
    m_pre = np.array([3.0, 3.5, 2.5, 4.0, 3.2, 2.8, 3.1, 3.3])
    m_post = m_pre + np.array([1.0, 0.8, 1.2, 1.1, 0.9, 1.0, np.nan, 1.0])
    o_pre = np.array([3.0, 3.4, 2.6, 3.8, 3.1, 2.9, 3.5, 3.2, 2.7, 3.3])
    o_post = o_pre + np.array([0.1, -0.1, 0.0, 0.2, -0.2, 0.1, 0.0, -0.1, 0.1, np.nan])
    members = set(_ids("M", 8))
    res = impact.scale_change(_scores(m_pre, m_post, o_pre, o_post), members,
                              scale="engagement", label="Engagement")
    g = res.groups.set_index("group")
    m, o = g.loc["SLC members"], g.loc["Other pupils"]
    assert (m["n_pre"], m["n_both"], m["n_lost"]) == (8, 7, 1)
    assert m["pct_lost"] == pytest.approx(100 / 8)
    assert (o["n_pre"], o["n_both"], o["n_lost"]) == (10, 9, 1)
    m_change = (m_post - m_pre)[~np.isnan(m_post)]
    o_change = (o_post - o_pre)[~np.isnan(o_post)]
    assert m["mean_change"] == pytest.approx(m_change.mean())
    assert m["mean_pre"] == pytest.approx(m_pre[~np.isnan(m_post)].mean())
    # issue 16: the headline is Morris's d_ppc2 (raw-score metric); the g of the change
    # scores is kept for research only
    keep_m, keep_o = ~np.isnan(m_post), ~np.isnan(o_post)
    expected = ppc_effect_size(m_pre[keep_m], m_post[keep_m], o_pre[keep_o], o_post[keep_o])
    assert res.effect.symbol == "d_ppc2"
    assert res.effect.estimate == pytest.approx(expected.estimate)
    assert (res.effect.ci_low, res.effect.ci_high) == pytest.approx(
        (expected.ci_low, expected.ci_high))
    assert res.effect.ci_low > 0  # the planted change is large and clear
    change_g = hedges_g(m_change, o_change)
    assert res.change_g.estimate == pytest.approx(change_g.estimate)
    assert res.difference.estimate == pytest.approx(m_change.mean() - o_change.mean())
    within = hedges_g(m_post[~np.isnan(m_post)], m_pre[~np.isnan(m_post)], paired=True)
    assert m["g_change"] == pytest.approx(within.estimate)
    assert res.baseline.estimate == pytest.approx(
        hedges_g(m_pre[~np.isnan(m_post)], o_pre[~np.isnan(o_post)]).estimate)
    assert res.label == "Engagement"
    assert res.available


def test_scale_change_recovers_a_planted_effect_size():
    rng = np.random.default_rng(42)
    n_m, n_o, true_g = 150, 600, 0.5
    m_pre, o_pre = rng.normal(3, 0.6, n_m), rng.normal(3, 0.6, n_o)
    m_post = m_pre + rng.normal(true_g * 0.4, 0.4, n_m)  # change SD 0.4, mean shift 0.5 SD
    o_post = o_pre + rng.normal(0, 0.4, n_o)
    res = impact.scale_change(_scores(m_pre, m_post, o_pre, o_post), set(_ids("M", n_m)),
                              scale="engagement")
    # the headline d_ppc2 is in SDs of the scores before (0.6): 0.2 / 0.6 = 0.33 (issue 16)
    true_d = true_g * 0.4 / 0.6
    assert res.effect.ci_low < true_d < res.effect.ci_high
    assert res.effect.estimate == pytest.approx(true_d, abs=0.1)
    assert res.change_g.ci_low < true_g < res.change_g.ci_high


def test_scale_change_without_comparison_and_with_cohort():
    pre, post = np.array([3.0, 3.5, 2.5, 4.0]), np.array([3.5, 3.9, 3.2, 4.1])
    scores = _scores(pre, post, pre, post)
    members = set(_ids("M", 4))
    alone = impact.scale_change(scores, members, scale="engagement", comparison="none")
    assert list(alone.groups["group"]) == ["SLC members"]
    assert alone.effect.paired
    assert alone.effect.symbol == "g_av"
    assert alone.difference is None
    some = impact.scale_change(scores, members, scale="engagement",
                               cohort=members | {"O000", "O001", "O002"})
    assert some.groups.set_index("group").loc["Other pupils", "n_both"] == 3
    with pytest.raises(ConfigError, match="comparison"):
        impact.scale_change(scores, members, scale="engagement", comparison="everyone")


def test_scale_change_too_few_is_a_note_not_an_error():
    scores = _scores(np.array([3.0]), np.array([4.0]), np.array([3.0, 2.0, 4.0]),
                     np.array([3.0, 2.5, 4.0]))
    res = impact.scale_change(scores, {"M000"}, scale="engagement")
    assert res.effect is None
    assert res.within["SLC members"] is None
    assert any("at least 2" in n for n in res.notes)


# --- attendance and behaviour ----------------------------------------------------------------

def test_attendance_change_difference_is_welch():
    rng = np.random.default_rng(5)
    rows = []
    members = set(_ids("M", 20))
    for prefix, n, gain in (("M", 20, 4.0), ("O", 60, 0.0)):
        for pid in _ids(prefix, n):
            autumn = float(rng.normal(92, 4))
            summer = autumn + gain + float(rng.normal(0, 3))
            rows += [(pid, "2025-26", "autumn", 150, autumn, autumn < 90),
                     (pid, "2025-26", "spring", 100, 95.0, False),
                     (pid, "2025-26", "summer", 120, summer, summer < 90),
                     (pid, "2024-25", "summer", 120, 50.0, True)]  # another year: ignored
    rows.append(("O999", "2025-26", "autumn", 150, 91.0, False))  # left before summer
    summary = pd.DataFrame(rows, columns=["pupil_id", "academic_year", "period", "possible",
                                          "attendance_pct", "persistent_absence"])
    res = impact.attendance_change(summary, members)
    wide = summary[summary["academic_year"] == "2025-26"].pivot(
        index="pupil_id", columns="period", values="attendance_pct")
    change = (wide["summer"] - wide["autumn"]).dropna()
    m = change[change.index.isin(members)]
    o = change[~change.index.isin(members)]
    ci = stats.ttest_ind(m, o, equal_var=False).confidence_interval()
    assert res.difference.estimate == pytest.approx(m.mean() - o.mean())
    assert (res.difference.ci_low, res.difference.ci_high) == pytest.approx((ci.low, ci.high))
    g = res.groups.set_index("group")
    assert g.loc["Other pupils", "n_pre"] == 61
    assert g.loc["Other pupils", "n_lost"] == 1
    pa = res.extra.set_index(["group", "period"])
    autumn_m = wide.loc[sorted(members), "autumn"]
    assert pa.loc[("SLC members", "Autumn"), "n_persistent"] == int((autumn_m < 90).sum())
    assert res.periods == ("Autumn", "Summer")


def test_attendance_change_without_data_is_not_available():
    res = impact.attendance_change(pd.DataFrame(), {"M000"})
    assert not res.available
    assert res.effect is None
    assert "No attendance records" in res.notes[0]


def test_behaviour_change_rates_per_week():
    behaviour = conform(pd.DataFrame({
        "pupil_id": ["M000", "M000", "M000", "O000", "O000", "O001"],
        "date": pd.to_datetime(["2025-09-01", "2025-09-08", "2025-10-20", "2025-09-03",
                                "2025-10-22", "2025-09-05"]),
        "type": ["negative", "negative", "negative", "negative", "positive", "negative"],
        "points": [2.0, None, -3.0, 1.0, 5.0, 1.0],
    }), "behaviour")
    res = impact.behaviour_change(behaviour, {"M000", "M001"},
                                  cohort={"M000", "M001", "O000", "O001", "O002"},
                                  split="2025-10-01", start="2025-09-01", end="2025-10-28")
    g = res.groups.set_index("group")
    weeks_pre, weeks_post = 30 / 7, 28 / 7
    # members: M000 3 points before (2 + a point-less entry), 3 after; M001 none
    assert g.loc["SLC members", "mean_pre"] == pytest.approx((3 / weeks_pre) / 2)
    assert g.loc["SLC members", "mean_post"] == pytest.approx((3 / weeks_post) / 2)
    # others: O000 1 before (the positive entry is not counted), O001 1 before, O002 none
    assert g.loc["Other pupils", "mean_pre"] == pytest.approx((2 / weeks_pre) / 3)
    assert g.loc["Other pupils", "mean_post"] == 0
    assert g.loc["Other pupils", "n_both"] == 3


def test_behaviour_change_without_a_start_date():
    res = impact.behaviour_change(conform(pd.DataFrame(), "behaviour"), {"M000"},
                                  cohort={"O000"}, split=None)
    assert not res.available


def test_effects_table_and_means_frame():
    pre, post = np.array([3.0, 3.5, 2.5, 4.0]), np.array([3.5, 3.9, 3.2, 4.1])
    res = impact.scale_change(_scores(pre, post, pre, post - 0.2), set(_ids("M", 4)),
                              scale="engagement", label="Engagement")
    eff = impact.effects_table([res])
    assert eff.loc[0, "outcome"] == "Engagement"
    assert (eff.loc[0, "n1"], eff.loc[0, "n2"]) == (4, 4)
    means = res.means_frame()
    assert len(means) == 4
    assert set(means["period"]) == {"Wave 1", "Wave 2"}
    row = means[(means["group"] == "SLC members") & (means["period"] == "Wave 1")].iloc[0]
    half = stats.t.ppf(0.975, 3) * pre.std(ddof=1) / 2
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((pre.mean() - half,
                                                             pre.mean() + half))


# --- limitations -----------------------------------------------------------------------------

def _causal_claims(sentences: list[str]) -> list[str]:
    """Sentences that speak of causing or proving without denying it."""
    return [s for s in sentences if re.search(r"\b(caus|prove|proof|impact of)", s, re.I)
            and not re.search(r"\b(cannot|not|no)\b", s)]


def test_limitations_for_volunteers_never_claim_causality():
    text = impact.limitations({"n_members": 12, "n_comparison": 150, "baseline_g": 0.35,
                               "baseline_outcome": "engagement", "attrition_pct": 25.0,
                               "n_outcomes": 4})
    joined = " ".join(text)
    assert text[0].startswith("Pupils chose to join the SLC")
    assert "cannot show that the SLC caused" in text[0]
    assert "0.35 standard deviations higher than other pupils on engagement" in joined
    assert "With only 12 members" in joined
    assert "25% of pupils who answered the first questionnaire" in joined
    assert "large loss" in joined
    assert "4 outcomes were compared" in joined
    assert _causal_claims(text) == []


def test_limitations_adapt_to_the_design():
    alone = impact.limitations({"n_members": 80, "comparison": "none", "self_report": False,
                                "n_schools": 3, "community_label": "the 3 SLCs"})
    joined = " ".join(alone)
    assert "There is no comparison group" in joined
    assert "3 schools" in joined
    assert "imprecise" not in joined
    assert "questionnaire records" not in joined
    assert _causal_claims(alone) == []
    random = impact.limitations({"n_members": 30, "n_comparison": 30,
                                 "random_allocation": True, "baseline_g": 0.05})
    assert "at random" in random[0]
    assert "not proof" in random[0]
    assert any("about the same" in s for s in random)
    assert _causal_claims(random) == []
    with pytest.raises(ConfigError, match="unknown design fact"):
        impact.limitations({"n_member": 3})


def test_item10_before_period_after_first_meeting_warns():
    """The 'before' attendance period and wave 1 compared with the first meeting's date."""
    marks = pd.DataFrame({"date": pd.to_datetime(
        ["2025-09-29", "2025-10-06", "2025-12-19", "2026-05-04"])})
    first, last = design.period_dates(marks, "autumn")
    assert (first, last) == (pd.Timestamp("2025-09-29"), pd.Timestamp("2025-12-19"))
    facts = design.design_facts(
        n_members=30, n_comparison=200, community_label="the SLC",
        community_start=pd.Timestamp("2025-09-24"),
        before_periods={"the autumn attendance": (first, last),
                        "wave 1": (pd.Timestamp("2025-09-01"), pd.Timestamp("2025-09-12")),
                        "the survey": (None, None)})
    said = design.limitations(facts)
    after = [s for s in said if s.startswith("Warning: the autumn attendance began on "
                                             "29 September 2025, after the SLC's first "
                                             "meeting on 24 September 2025")]
    assert len(after) == 1
    assert not any("wave 1" in s for s in said)  # before the first meeting: nothing to say
    assert any(s.startswith("When the survey was taken is not recorded") for s in said)
    # a period that starts before but runs on past the first meeting
    overlap = design.timing_warnings({"community_start": pd.Timestamp("2025-09-24"),
                                      "community_label": "the 4 SLCs",
                                      "before_periods": {"autumn": (pd.Timestamp("2025-09-01"),
                                                                    last)}})
    assert overlap == [s for s in overlap if "runs on past the 4 SLCs' first meeting" in s]
    assert len(overlap) == 1
    # no first meeting known: no warning
    assert design.timing_warnings({"before_periods": {"x": (first, last)}}) == []


def test_design_facts_from_results():
    pre, post = np.array([3.0, 3.5, 2.5, 4.0, 3.3]), np.array([3.5, 3.9, 3.2, 4.1, np.nan])
    res = impact.scale_change(_scores(pre, post, pre - 0.5, post - 0.5), set(_ids("M", 5)),
                              scale="engagement", label="Engagement")
    facts = impact.design_facts(n_members=5, n_comparison=5, results=[res])
    assert facts["attrition_pct"] == pytest.approx(20)
    assert facts["baseline_outcome"] == "Engagement"
    assert facts["baseline_g"] > 0
    assert facts["self_report"]
    assert facts["n_outcomes"] == 1
    assert impact.design_facts(n_members=5, n_comparison=5, results=[res],
                               threshold=10)["baseline_g"] is None  # groups too small to quote
    assert impact.limitations(facts)  # every fact is understood


def test_item6_evidence_from_analysed_pupils_and_each_groups_attrition():
    """The rating's MDES uses the pupils analysed on the primary scale (both waves), not the
    cohort counts, and the shares lost per group (EEF, 2019; see tests/stats/test_evidence)."""
    rng = np.random.default_rng(3)
    m_pre, o_pre = rng.normal(3.2, 0.6, 25), rng.normal(3.0, 0.6, 40)
    m_post, o_post = m_pre + 0.2, o_pre + 0.1
    m_post[:1] = np.nan  # members lose 1 of 25 (4%)
    o_post[:8] = np.nan  # others lose 8 of 40 (20%)
    res = impact.scale_change(_scores(m_pre, m_post, o_pre, o_post), set(_ids("M", 25)),
                              scale="engagement", label="Engagement")
    facts = impact.design_facts(n_members=30, n_comparison=90, results=[res])
    assert (facts["n_members_analysed"], facts["n_comparison_analysed"]) == (24, 32)
    assert facts["attrition_members_pct"] == pytest.approx(4)
    assert facts["attrition_comparison_pct"] == pytest.approx(20)
    evidence = impact.evidence_strength(facts)
    assert (evidence.n_treated, evidence.n_comparison) == (24, 32)  # not 30 and 90
    assert evidence.mdes == pytest.approx(mdes(24, 32).estimate)
    assert evidence.design == "baseline_adjusted"  # volunteers: at most 2
    assert evidence.differential_drop == 1  # 4% v 20%
    assert evidence.explain().startswith(f"{evidence.level} of 5: the design (volunteers")
    assert "ANCOVA" not in evidence.text
    matched = impact.evidence_strength(facts | {"design_kind": "matched"})
    assert matched.design_rating == 3


# --- parameters ------------------------------------------------------------------------------

@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "enquiry.toml").write_text('title = "t"\n', encoding="utf-8")
    return tmp_path


def test_validate_parameters_accepts_the_defaults(workspace):
    p = STUDY.validate(workspace=str(workspace), community="", scales=[], waves=[1, 2],
                       comparison="non_members")
    assert p["workspace"] == workspace.resolve()
    assert p["waves"] == (1, 2)
    assert p["scales"] == ()
    assert STUDY.validate(workspace=str(workspace)) == p


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"workspace": ""}, "key 'workspace': expected the path"),
    ({"workspace": "/no/such/folder"}, "does not exist"),
    ({"community": 3}, "key 'community'"),
    ({"scales": "engagement"}, "key 'scales': expected a list"),
    ({"scales": ["ok", 4]}, "scale names must be text"),
    ({"waves": [1]}, "key 'waves'"),
    ({"waves": [2, 1]}, "before then after"),
    ({"waves": [1.0, 2.0]}, "whole wave numbers"),
    ({"comparison": "all"}, "key 'comparison'"),
    ({"comunity": "A"}, "no parameter 'comunity': did you mean 'community'?"),
])
def test_validate_parameters_fails_loudly(workspace, kwargs, message):
    args = {"workspace": str(workspace), **kwargs}
    with pytest.raises(ConfigError, match=re.escape(message)):
        STUDY.validate(**args)


def test_validate_parameters_needs_an_enquiry_toml(tmp_path):
    with pytest.raises(ConfigError, match="has no enquiry.toml"):
        STUDY.validate(workspace=tmp_path)


def test_resolve_communities_and_scales():
    communities = pd.DataFrame({"community": ["A", "B", "T"], "kind": ["slc", "slc", "tlc"]})
    assert impact.resolve_communities(communities) == ["A", "B"]
    assert impact.resolve_communities(communities, "T") == ["T"]
    with pytest.raises(ConfigError, match="known communities: 'A', 'B', 'T'"):
        impact.resolve_communities(communities, "C")
    with pytest.raises(ConfigError, match="no community of kind 'coproduction'"):
        impact.resolve_communities(communities, kind="coproduction")
    scales = {n: Scale(n, "q", ("a",)) for n in ("engagement", "staff_view")}
    scores = pd.DataFrame({"respondent_type": ["pupil", "staff"],
                           "scale": ["engagement", "staff_view"]})
    assert [s.name for s in impact.resolve_scales(scales, scores=scores)] == ["engagement"]
    assert [s.name for s in impact.resolve_scales(scales, ["staff_view"])] == ["staff_view"]
    with pytest.raises(ConfigError, match="no scale called 'wellbeing'"):
        impact.resolve_scales(scales, ["wellbeing"])


@pytest.mark.parametrize("module", [design, suppression])
def test_docstring_examples(module):
    assert doctest.testmod(module).failed == 0
