"""SLC impact: the matched comparison, scale reliability and differencing across tables.

References: Morris (2008) eq. 8 for d_ppc2 (recomputed here by hand on the matched pupils);
Cronbach (1951) for alpha (recomputed here from the item variances).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slc_research.casestudies.result import Section, Table
from slc_research.casestudies.slc_impact import STUDY, differencing, impact, matched
from slc_research.casestudies.slc_impact.scale_reliability import (
    reliability_finding,
    reliability_table,
    scale_reliability,
)
from slc_research.data.schemas import conform
from slc_research.data.spec import Scale
from slc_research.privacy.suppression import SECONDARY_MARK, suppress_small
from slc_research.stats.matching import matched_comparison

pytestmark = [pytest.mark.xdist_group("demo")]


def _d_ppc2_by_hand(pre_t, post_t, pre_c, post_c) -> float:
    """Morris (2008), eq. 8: c_p x (difference in mean change) / pooled pre-test SD."""
    n_t, n_c = len(pre_t), len(pre_c)
    sd = np.sqrt(((n_t - 1) * np.var(pre_t, ddof=1) + (n_c - 1) * np.var(pre_c, ddof=1))
                 / (n_t + n_c - 2))
    c_p = 1 - 3 / (4 * (n_t + n_c - 2) - 1)
    return c_p * (np.mean(post_t - pre_t) - np.mean(post_c - pre_c)) / sd


def test_item2_report_leads_with_matched_estimate(demo_enquiry):
    result = STUDY.result(demo_enquiry, STUDY.validate(workspace=str(demo_enquiry.root)))
    keys = [s.key for s in result.sections]
    assert keys.index("matched") < keys.index("questionnaire")  # before the other estimates
    section = result["matched"]
    assert result.summary.startswith(section.finding)  # the report leads with it
    assert section.finding.startswith("Compared with similar pupils who were not members")
    rec = section.records["matched_engagement"]
    assert rec["ci_low"] < rec["estimate"] < rec["ci_high"]
    assert rec["max_smd_after"] < 0.25  # acceptable balance (Stuart 2010)
    assert f"{rec['estimate']:.2f} [{rec['ci_low']:.2f}, {rec['ci_high']:.2f}]" in section.finding
    # the estimate is d_ppc2 on the matched pupils, recomputed by hand
    engagement = next(m for m in matched.matched_outcomes(
        [impact.scale_change(demo_enquiry.scale_scores(), impact.community_members(
            demo_enquiry.memberships, None, require=True), scale="engagement",
            cohort=impact.cohort_ids(demo_enquiry.pupils, impact.community_members(
                demo_enquiry.memberships, None)))], demo_enquiry.pupils))
    m = engagement.match.matched
    t, c = m[m["member"]], m[~m["member"]]
    assert rec["estimate"] == pytest.approx(_d_ppc2_by_hand(
        t["pre"].to_numpy(), t["post"].to_numpy(), c["pre"].to_numpy(), c["post"].to_numpy()))
    assert (m.groupby("matched_set")["year_group"].nunique() == 1).all()  # exact year group
    # the balance table shows standardised differences only, the baseline score improved
    balance = section.tables[1].frame.set_index(["Characteristic", "Group"])
    before = balance.loc[("Starting score", ""), "Difference before (SMD)"]
    after = balance.loc[("Starting score", ""), "Difference after (SMD)"]
    assert abs(after) < 0.1 < abs(before)


def test_item2_report_says_when_members_cannot_be_matched():
    rng = np.random.default_rng(7)
    data = pd.DataFrame({"member": np.arange(60) < 20,
                         "pre": np.r_[rng.normal(5, 0.1, 20), rng.normal(1, 0.1, 40)]})
    failed = matched.MatchedOutcome("engagement", "Engagement", matched_comparison(
        data, group="member", covariates=["pre"]), None)
    text = matched.matched_finding([failed], threshold=5)
    assert text.startswith("Members could not be matched well on 1 outcome (Engagement: only ")
    table = matched.matched_effects_table([failed], threshold=5)
    assert table["Matched well"].tolist() == ["no"]
    assert table["d_ppc2 (matched)"].isna().all()


def test_the_reason_members_cannot_be_matched_is_the_outcome_when_few_were_measured_twice():
    from slc_research.casestudies.slc_impact.change import change_result

    ids = pd.Index([f"P{i:03d}" for i in range(30)])
    rng = np.random.default_rng(5)
    pre = pd.Series(rng.normal(3, 0.7, 30), index=ids)
    post = (pre + rng.normal(0, 0.5, 30)).where(np.arange(30) != 1)  # one member twice
    groups = pd.Series(["SLC members"] * 2 + ["Other pupils"] * 28, index=ids, dtype="object")
    result = change_result(pre, post, groups, outcome="engagement", label="Engagement",
                           unit="scale score", periods=("Wave 1", "Wave 2"),
                           group_labels=("SLC members", "Other pupils"),
                           comparison="non_members", notes=[])
    pupils = pd.DataFrame({"pupil_id": list(ids), "school": "A", "year_group": 8,
                           "gender": "F", "pupil_premium": "No", "sen": "No SEN"})
    [found] = matched.matched_outcomes([result], pupils)
    assert not found.match.ok
    assert found.match.reason == ("fewer than 2 members or 2 other pupils were measured both "
                                  "times, so there is nobody to match")


def _responses() -> tuple[pd.DataFrame, Scale]:
    rng = np.random.default_rng(9)
    rows = []
    for wave, n, noise in ((1, 40, 0.6), (2, 4, 0.6)):
        trait = rng.normal(3, 0.8, n)
        for i in range(n):
            for item in ("e1", "e2", "e3"):
                value = float(np.clip(np.round(trait[i] + rng.normal(0, noise)), 1, 5))
                rows.append((f"P{i:03d}", "pupil", "lq", wave, item, value))
    frame = pd.DataFrame(rows, columns=["respondent_id", "respondent_type", "instrument",
                                        "wave", "item", "value"])
    return frame, Scale("engagement", "lq", ("e1", "e2", "e3"), label="Engagement")


def test_item9_scale_reliability_per_wave():
    responses, scale = _responses()
    table = scale_reliability(responses, [scale], waves=(1, 2))
    assert table[["scale", "wave", "n", "k"]].values.tolist() == [
        ["Engagement", 1, 40, 3], ["Engagement", 2, 4, 3]]
    # Cronbach (1951) by hand for wave 1
    wide = responses[responses["wave"] == 1].pivot(index="respondent_id", columns="item",
                                                   values="value")
    k = 3
    alpha = k / (k - 1) * (1 - wide.var(ddof=1).sum() / wide.sum(axis=1).var(ddof=1))
    row = table.iloc[0]
    assert row["alpha"] == pytest.approx(alpha)
    assert row["ci_low"] < row["alpha"] < row["ci_high"]
    shown = reliability_table(table, threshold=5)
    assert shown.loc[1, "Pupils"] == "<5"  # 4 pupils at wave 2: withheld with its alpha
    assert shown.loc[1, "Cronbach's alpha"] == "<5"
    finding = reliability_finding(table, threshold=5)
    assert finding.startswith("Every scale was reliable enough") == (alpha >= 0.7)
    low = reliability_finding(table.assign(alpha=0.55), threshold=5)
    assert "Engagement at wave 1 (alpha = 0.55)" in low


def test_item11_members_minus_analysed_suppressed():
    """10 pupil-premium members are published in 'Who took part'; 9 were analysed."""
    ids = [f"M{i:02d}" for i in range(20)] + [f"O{i:02d}" for i in range(60)]
    pupils = conform(pd.DataFrame({"pupil_id": ids, "school": "A", "year_group": 9,
                                   "pupil_premium": [i < 10 for i in range(20)]
                                   + [i < 30 for i in range(60)]}), "pupils")
    rep = impact.representativeness(pupils, ids[:20], by=("pupil_premium",))
    assert differencing.published_count(rep, "Pupil premium", "Yes") == 10
    assert differencing.published_count(rep, "Pupil premium", "Yes", "n_rest") == 30
    effects = suppress_small(pd.DataFrame({"Outcome": ["Engagement", "Attendance", "Behaviour"],
                                           "Members": [9, 10, 4], "Estimate": [0.3, 0.1, 0.2]}),
                             count_cols={"Members": ["Estimate"]}, threshold=5, display=True,
                             partition_by=None)
    shown = differencing.withhold_differences(
        effects, "Members", differencing.published_count(rep, "Pupil premium", "Yes"),
        threshold=5)
    # 10 - 9 = 1 would reveal one pupil-premium member not analysed: withheld
    assert shown["Members"].tolist() == [SECONDARY_MARK, 10, "<5"]
    assert shown["Estimate"].tolist()[:2] == [0.3, 0.1]  # the estimate gives nothing away
    assert "published elsewhere" not in shown.columns
    assert differencing.withhold_differences(effects, "Members", None, threshold=5) is effects
    # whole-cohort tables: 20 members and 60 others published; per-group counts checked
    change = suppress_small(pd.DataFrame({"Group": ["SLC members", "Other pupils"],
                                          "n (both times)": [18, 60], "Mean": [3.1, 3.0]}),
                            count_cols={"n (both times)": ["Mean"]}, threshold=5,
                            display=True, partition_by=None)
    section = differencing.protect_section(
        Section("questionnaire", "Q", tables=(Table(change, caption="c"),)), rep, threshold=5)
    assert section.tables[0].frame["n (both times)"].tolist() == [SECONDARY_MARK, 60]


def test_item2_matched_design_rated_on_the_matched_pupils():
    """When the primary outcome's match is usable, evidence is rated as a matched design
    (EEF 2019: design rating 3) on the matched pupils, with the difference left after matching."""
    rng = np.random.default_rng(4)
    n = 600
    pre = rng.normal(3, 0.8, n)
    member = rng.random(n) < 1 / (1 + np.exp(3 - 1.2 * (pre - 3)))
    data = pd.DataFrame({"member": member, "pre": pre, "post": pre + rng.normal(0, 0.5, n)})
    match = matched_comparison(data, group="member", covariates=["pre"])
    assert match.ok, match.reason
    m = match.matched
    effect = matched.ppc_effect_size(m.loc[m["member"], "pre"], m.loc[m["member"], "post"],
                                     m.loc[~m["member"], "pre"], m.loc[~m["member"], "post"])
    good = matched.MatchedOutcome("engagement", "Engagement", match, effect)
    facts = matched.evidence_facts([good], "engagement")
    assert facts["design_kind"] == "matched"
    assert facts["n_members_analysed"] == match.n_treated_matched
    assert abs(facts["baseline_g"]) < 0.1  # what is left after matching, not before
    evidence = impact.evidence_strength({"n_members": int(member.sum()), "n_comparison": n,
                                         **facts})
    assert evidence.design_rating == 3
    assert matched.evidence_facts([good], "attendance") == {}  # not the primary: no change


def test_item11_subgroup_records_do_not_give_away_a_small_rest():
    """7 pupil-premium members published, 6 analysed: n1 (and n, which holds it) withheld in
    the records too, as in the tables; 577 others published, 376 analysed: kept."""
    import pandas as pd

    from slc_research.casestudies.slc_impact.differencing import protect_records

    records = {
        "pp_engagement_g": {"estimate": 0.7, "n": 382, "n1": 6, "n2": 376},
        "pp_attendance_g": {"estimate": 0.3, "n": 584, "n1": 7, "n2": 577},
        "pp_interaction": pd.DataFrame({"outcome": ["Engagement"], "n_members_in": [6],
                                        "n_others_in": [376]}),
    }
    out = protect_records(records, (7, 577), threshold=5)
    assert out["pp_engagement_g"] == {"estimate": 0.7, "n": None, "n1": None, "n2": 376}
    assert out["pp_attendance_g"] == records["pp_attendance_g"]  # 7 of 7: nothing to tell
    row = out["pp_interaction"].iloc[0]
    assert pd.isna(row["n_members_in"])
    assert row["n_others_in"] == 376
    assert records["pp_engagement_g"]["n1"] == 6  # the input is not changed


def test_item11_subgroup_records_of_effect_sizes_are_protected():
    """The records hold EffectSize results (made dicts when written): the same rule."""
    from slc_research.casestudies.slc_impact.differencing import protect_records
    from slc_research.stats import hedges_g

    effect = hedges_g([1.0, 2.0, 3.5, 4.0, 5.0, 2.5], [2.0, 3.0, 4.0, 1.0, 2.5, 3.0, 4.5])
    out = protect_records({"pp_x_g": effect, "title": "T"}, (7, 20), threshold=5)
    assert out["pp_x_g"]["n1"] is None
    assert out["pp_x_g"]["n"] is None
    assert out["pp_x_g"]["n2"] == 7
    assert out["pp_x_g"]["estimate"] == effect.estimate
    assert out["title"] == "T"
