"""Issue 16 items 7 and 10 in the SLC impact case study.

Item 7: pupils of several schools are compared within their own school (school fixed
effects; cluster-robust errors only from 20 schools) with a plain note, and the MDES
allows for the schools with a stated ICC. Item 10: wave 1 of the questionnaire dated after
the community's first meeting is warned about, from the optional ``submitted`` column of
``survey_responses``.

References
----------
- The fixed-effects estimates are recomputed with numpy's least squares (a different code
  path from statsmodels): ANCOVA as post ~ member + pre + school indicators, difference in
  differences as (post - pre) ~ member + school indicators.
- Morris (2008), eq. 8, for d_ppc2; PowerUp! BIRA2_1c (Dong & Maynard, 2013) for the MDES
  within schools; Hedges & Hedberg (2007) for the ICC assumed; Cameron & Miller (2015) on
  cluster-robust errors with few clusters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slc_research.casestudies.result import Section
from slc_research.casestudies.slc_impact import adjusted, design, impact, schools
from slc_research.stats import mdes, ppc_effect_size


def _trust(seed: int = 5, n: int = 800, n_schools: int = 4, effect: float = 0.0,
           gap: float = 0.0):
    """Scale scores of pupils in several schools; school S0 has most members and grows most.

    Members start ``gap`` ahead; nothing but ``effect`` (in scale points) is injected.
    """
    rng = np.random.default_rng(seed)
    ids = [f"P{i:04d}" for i in range(n)]
    school = np.array([f"S{i % n_schools}" for i in range(n)])
    member = rng.random(n) < np.where(school == "S0", 0.4, 0.08)
    pre = rng.normal(3.0, 0.8, n) + gap * member
    post = 0.9 + 0.7 * pre + rng.normal(0, 0.45, n) + 0.5 * (school == "S0") + effect * member
    rows = [{"respondent_id": p, "wave": w, "scale": "engagement", "score": v}
            for p, a, b in zip(ids, pre, post, strict=True) for w, v in ((1, a), (2, b))]
    members = [p for p, m in zip(ids, member, strict=True) if m]
    return (pd.DataFrame(rows), members,
            pd.Series(school, index=pd.Index(ids, name="pupil_id"), dtype="string"))


def _lstsq(y, *columns):
    coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(y)), *columns]), y, rcond=None)
    return coef


def test_item7_headline_compares_members_within_their_schools():
    scores, members, school = _trust()
    res = impact.scale_change(scores, members, scale="engagement", schools=school)
    pooled = impact.scale_change(scores, members, scale="engagement")
    assert res.n_schools == 4
    assert pooled.n_schools == 1
    p = res.pupils.assign(member=lambda d: d["group"] == "SLC members")
    dummies = pd.get_dummies(p["school"], drop_first=True, dtype=float).to_numpy()
    b = _lstsq((p["post"] - p["pre"]).to_numpy(), p["member"].astype(float), dummies)[1]
    m, o = p[p["member"]], p[~p["member"]]
    sd_pre = np.sqrt(((len(m) - 1) * m["pre"].var() + (len(o) - 1) * o["pre"].var())
                     / (len(p) - 2))
    c_p = 1 - 3 / (4 * (len(p) - 2) - 1)
    assert res.effect.estimate == pytest.approx(c_p * b / sd_pre, abs=1e-10)
    assert res.ppc.estimate == res.effect.estimate
    assert res.difference.estimate == pytest.approx(b, abs=1e-10)
    # nothing was injected: within schools no effect; pooled, school S0's growth passes for one
    assert res.effect.ci_low < 0 < res.effect.ci_high
    assert pooled.effect.ci_low > 0
    assert pooled.effect.estimate == pytest.approx(ppc_effect_size(
        m["pre"], m["post"], o["pre"], o["post"]).estimate)
    note = res.schools_note
    assert note.startswith("The pupils come from 4 schools.")
    assert "20-50 schools" in note
    assert "school fixed effects" in note
    assert res.pupils["school"].notna().all()


def test_item7_one_school_says_nothing_about_clustering():
    scores, members, school = _trust()
    one = pd.Series("S0", index=school.index, dtype="string")
    res = impact.scale_change(scores, members, scale="engagement", schools=one)
    plain = impact.scale_change(scores, members, scale="engagement")
    assert res.n_schools == 1
    assert res.schools_note == ""
    assert res.effect.estimate == plain.effect.estimate
    assert res.effect.ci_low == plain.effect.ci_low
    models = adjusted.adjusted_comparison([res], threshold=5, display=False)
    assert (models["note"] == "").all()
    paragraphs = adjusted.models_paragraphs([res], threshold=5)
    assert not any("schools" in s for s in paragraphs)
    table = adjusted.mdes_table([res], threshold=5, display=False)
    assert "icc" not in table.columns
    assert "schools" not in table.columns
    assert table.loc[0, "mdes"] == pytest.approx(mdes(int(res.groups.loc[0, "n_both"]),
                                                      int(res.groups.loc[1, "n_both"])).estimate)
    assert schools.schools_note(1) == ""


def test_item7_ancova_and_did_use_school_fixed_effects_with_a_plain_note():
    scores, members, school = _trust(gap=0.3)
    res = impact.scale_change(scores, members, scale="engagement", schools=school)
    models = adjusted.adjusted_comparison([res], threshold=5, display=False).set_index("model")
    p = res.pupils.assign(member=lambda d: d["group"] == "SLC members")
    dummies = pd.get_dummies(p["school"], drop_first=True, dtype=float).to_numpy()
    member = p["member"].astype(float).to_numpy()
    ancova = _lstsq(p["post"].to_numpy(), member, p["pre"].to_numpy(), dummies)
    did = _lstsq((p["post"] - p["pre"]).to_numpy(), member, dummies)
    assert models.loc["ANCOVA", "estimate"] == pytest.approx(ancova[1], abs=1e-9)
    assert models.loc["Difference in differences", "estimate"] == pytest.approx(did[1],
                                                                                abs=1e-9)
    for model in ("ANCOVA", "Difference in differences"):
        assert models.loc[model, "note"] == ("Each pupil is compared with pupils of the same "
                                             "school (4 schools).")
    said = adjusted.models_paragraphs([res], threshold=5)
    assert said[1] == res.schools_note + " Both models below do so."
    # Lord's identity still holds within schools: ANCOVA - DiD = (1 - b) x the gap within schools
    gap = _lstsq(p["pre"].to_numpy(), member, dummies)[1]
    assert ancova[1] - did[1] == pytest.approx((1 - ancova[2]) * gap, abs=1e-9)
    assert f"= {(1 - ancova[2]) * gap:+.2f}." in said[2]
    assert "other pupils of the same schools" in said[2]


def test_item7_mdes_allows_for_schools_with_the_stated_icc():
    scores, members, school = _trust()
    res = impact.scale_change(scores, members, scale="engagement", schools=school)
    n_m, n_c = int(res.groups.loc[0, "n_both"]), int(res.groups.loc[1, "n_both"])
    table = adjusted.mdes_table([res], threshold=5, display=False)
    assert schools.ASSUMED_ICC == 0.15
    assert table.loc[0, "icc"] == 0.15
    assert table.loc[0, "schools"] == 4
    assert table.loc[0, "mdes"] == pytest.approx(
        mdes(n_m, n_c, icc=0.15, n_clusters=4, within_schools=True).estimate)
    shown = adjusted.mdes_table([res], threshold=5)
    assert "Share of variance between schools assumed (ICC)" in shown.columns
    # the strength of evidence rates the same MDES
    facts = design.design_facts(n_members=n_m, n_comparison=n_c, results=[res], n_schools=4)
    rated = design.evidence_strength(facts)
    assert rated.mdes == pytest.approx(
        mdes(n_m, n_c, icc=0.15, n_clusters=4, within_schools=True).estimate)
    one = design.evidence_strength({**facts, "n_schools": 1})
    assert one.mdes == pytest.approx(mdes(n_m, n_c).estimate)
    assert "Hedges" in schools.ICC_SOURCE
    assert "2007" in schools.ICC_SOURCE


def _responses(dates: list[str | None], wave: int = 1) -> pd.DataFrame:
    """survey_responses with the optional ``submitted`` column: two items per pupil."""
    rows = []
    for i, when in enumerate(dates):
        for item in ("eng1", "eng2"):
            rows.append({"respondent_id": f"P{i:03d}", "respondent_type": "pupil",
                         "instrument": "pupil_survey", "wave": wave, "item": item,
                         "answer": "Agree", "value": 4.0, "source": "survey.csv",
                         "submitted": pd.Timestamp(when) if when else pd.NaT})
    frame = pd.DataFrame(rows).astype({"wave": "Int8", "respondent_type": "category"})
    frame["submitted"] = frame["submitted"].astype("datetime64[ms]")
    return frame


def _no_attendance():
    return impact.attendance_change(pd.DataFrame(), ["P000"])


def test_item10_wave1_after_first_meeting_warns_with_months_and_count():
    start = pd.Timestamp("2025-09-24")
    wave1 = _responses(["2025-10-02 09:15", "2025-10-03 10:00", "2025-10-09 14:30"])
    wave2 = _responses(["2025-09-01 09:00"], wave=2)  # another wave: not counted
    staff = _responses(["2025-09-01"]).assign(respondent_type="staff", respondent_id="T1")
    facts = design.timing_facts(pd.DataFrame({"date": []}), _no_attendance(), waves=(1, 2),
                                community_start=start,
                                survey_responses=pd.concat([wave1, wave2, staff]),
                                instruments={"pupil_survey"})
    what = design.questionnaire_before(1)
    assert facts["before_periods"][what] == (pd.Timestamp("2025-10-02"),
                                             pd.Timestamp("2025-10-09"))
    assert facts["late_answers"][what] == (3, 3)
    said = design.limitations(design.design_facts(n_members=30, n_comparison=200,
                                                  community_label="the Year 9 SLC", **facts))
    warning = [s for s in said if s.startswith("Warning: wave 1 of the questionnaire")]
    assert warning == [
        "Warning: wave 1 of the questionnaire, the \"before\" measurement, began in October "
        "2025, after the Year 9 SLC's first meeting on 24 September 2025: all 3 answers came "
        "after that meeting. Those answers are not a true \"before\" measurement: members may "
        "already have changed, and the change between the two waves can understate (or "
        "overstate) any effect."]
    # the questionnaire section carries it too
    section = design.with_timing_warning(Section("questionnaire", "Q", finding="Found."),
                                         {**facts, "community_label": "the Year 9 SLC"}, what)
    assert section.finding.startswith("Found. Warning: wave 1 of the questionnaire")


def test_item10_wave1_partly_after_first_meeting_counts_the_late_answers():
    start = pd.Timestamp("2025-09-24")
    wave1 = _responses(["2025-09-15", "2025-09-24 16:00", "2025-09-30", "2025-10-01", None])
    facts = design.timing_facts(pd.DataFrame({"date": []}), _no_attendance(), waves=(1, 2),
                                community_start=start, survey_responses=wave1)
    what = design.questionnaire_before(1)
    assert facts["late_answers"][what] == (2, 4)  # the meeting's own day is not "after"
    said = design.timing_warnings({**facts, "community_label": "the SLCs"})
    assert said == [
        "Warning: wave 1 of the questionnaire, the \"before\" measurement, began in "
        "September 2025, before the SLCs' first meeting on 24 September 2025: 2 of its 4 "
        "dated answers came after it. Those answers are not a true \"before\" "
        "measurement: members may already have changed, and the change between the two "
        "waves can understate (or overstate) any effect."]


def test_item10_wave1_without_dates_says_it_is_not_recorded():
    start = pd.Timestamp("2025-09-24")
    what = design.questionnaire_before(1)
    for responses in (_responses(["2025-10-02"]).drop(columns=["submitted"]),
                      _responses([None, None]), None):
        facts = design.timing_facts(pd.DataFrame({"date": []}), _no_attendance(),
                                    waves=(1, 2), community_start=start,
                                    survey_responses=responses)
        assert facts["before_periods"][what] == (None, None)
        assert facts["late_answers"] == {}
        said = design.timing_warnings(facts)
        assert said == [f"When {what} was taken is not recorded in the data; if it was after "
                        "the SLC's first meeting on 24 September 2025, it is not a true "
                        "\"before\" measurement and members may already have changed by then."]
    # wave 1 wholly before the first meeting: nothing to say
    early = design.timing_facts(pd.DataFrame({"date": []}), _no_attendance(), waves=(1, 2),
                                community_start=start,
                                survey_responses=_responses(["2025-09-10", "2025-09-24"]))
    assert design.timing_warnings(early) == []
