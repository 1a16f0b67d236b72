"""The co-production pilot analyses and charts, on small crafted tables with known answers."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from slc_research import charts
from slc_research.casestudies.coproduction import STUDY
from slc_research.casestudies.coproduction import pilot as cp
from slc_research.casestudies.coproduction.findings import change_phrase, is_clear, yes_no_finding
from slc_research.casestudies.coproduction.outcomes import PAIRED_COUNTS
from slc_research.casestudies.coproduction.study import (
    IMPROVED_COUNTS,
    YES_NO_COMPLEMENTS,
    YES_NO_COUNTS,
    YES_NO_LABELS,
    run,
)
from slc_research.charts import ChartError
from slc_research.errors import ConfigError
from slc_research.privacy.suppression import suppress_small
from slc_research.stats import meta_analysis

DAYS = pd.bdate_range("2025-09-01", periods=20)  # 4 school weeks
START = DAYS[10]  # 10 school days before, 10 after


# --- parameters ------------------------------------------------------------------------------

@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "enquiry.toml").write_text("[enquiry]\n", encoding="utf-8")
    return tmp_path


def test_validate_parameters_accepts_defaults(workspace):
    p = STUDY.validate(workspace=str(workspace), schools=["  Riverside "], waves=[1, 2],
                       method="DL")
    assert p["workspace"] == workspace.resolve()
    assert p["schools"] == ("Riverside",)
    assert p["waves"] == (1, 2)
    assert p["method"] == "DL"
    assert STUDY.validate(workspace=str(workspace)) == {
        "workspace": workspace.resolve(), "schools": (), "waves": (1, 2), "method": "REML",
        "primary_outcome": "", "smallest_effect": 0.2}


@pytest.mark.parametrize(("kwargs", "key", "match"), [
    ({"workspace": ""}, "workspace", "enquiry folder"),
    ({"workspace": "/no/such/folder"}, "workspace", "no enquiry.toml"),
    ({"schools": "Riverside"}, "schools", "list of school names"),
    ({"schools": [3]}, "schools", "must be text"),
    ({"waves": [2, 1]}, "waves", "before then after"),
    ({"waves": [1, 2, 3]}, "waves", "two whole wave numbers"),
    ({"waves": 1}, "waves", "two wave numbers"),
    ({"method": "ML"}, "method", "REML"),
    ({"shcools": []}, "shcools", "no parameter 'shcools': did you mean 'schools'"),
])
def test_validate_parameters_names_the_bad_one(workspace, kwargs, key, match):
    args = {"workspace": str(workspace)} | kwargs
    with pytest.raises(ConfigError, match=match) as info:
        STUDY.validate(**args)
    assert info.value.key == key


# --- who took part ---------------------------------------------------------------------------

def _tables(sizes=(("North", 6), ("South", 3))):
    communities = pd.DataFrame({"community": [f"{s} CP" for s, _ in sizes] + ["SLC"],
                                "kind": [*(["coproduction"] * len(sizes)), "slc"],
                                "school": [s for s, _ in sizes] + ["North"], "theme": None})
    rows, meetings, attendance = [], [], []
    for s, k in sizes:
        for i in range(k):
            rows.append({"member_id": f"P-{s[0]}{i}", "member_type": "pupil",
                         "community": f"{s} CP", "community_kind": "coproduction", "school": s,
                         "role": "Project lead" if i == 0 else "Member",
                         "joined": START if s == "North" else pd.NaT, "left": pd.NaT})
        for j in range(4):
            meetings.append({"meeting_id": f"{s}-{j}", "community": f"{s} CP",
                             "date": START + pd.Timedelta(days=7 * j), "topic": ""})
            for i in range(k):  # pupil i comes to the first (i % 4) + 1 meetings
                attendance.append({"meeting_id": f"{s}-{j}", "member_id": f"P-{s[0]}{i}",
                                   "member_type": "pupil", "attended": j <= i % 4})
    return (communities, pd.DataFrame(rows), pd.DataFrame(meetings),
            pd.DataFrame(attendance))


def test_pilot_pupils_start_from_joined_or_first_meeting():
    communities, memberships, meetings, _ = _tables()
    p = cp.pilot_pupils(communities, memberships, meetings)
    assert len(p) == 9
    assert set(p["school"]) == {"North", "South"}
    assert (p["start"] == START).all()  # South has no joined date: its first meeting
    assert len(cp.pilot_pupils(communities, memberships, meetings, ["South CP"])) == 3
    assert len(cp.pilot_pupils(communities, memberships, meetings, ["North"])) == 6


def test_pilot_pupils_refuses_unknown_school_and_no_group():
    communities, memberships, meetings, _ = _tables()
    with pytest.raises(ConfigError, match="schools with one: 'North', 'South'"):
        cp.pilot_pupils(communities, memberships, meetings, ["East"])
    with pytest.raises(ConfigError, match="no co-production group"):
        cp.pilot_pupils(communities[communities["kind"] == "slc"], memberships, meetings)


def test_school_participation_counts_roles_and_attendance():
    communities, memberships, meetings, attendance = _tables()
    pupils = cp.pilot_pupils(communities, memberships, meetings)
    summary, per = cp.school_participation(pupils, meetings, attendance, memberships)
    north = summary.set_index("school").loc["North"]
    assert north["members"] == 6
    assert north["project_leads"] == 1
    assert north["meetings_held"] == 4
    # attended 1, 2, 3, 4, 1, 2 of 4 meetings
    assert north["mean_pct_attended"] == pytest.approx(100 * 13 / 24)
    assert north["ci_low"] < north["mean_pct_attended"] < north["ci_high"]
    assert summary["school"].iloc[-1] == cp.ALL_SCHOOLS
    assert summary["members"].iloc[-1] == 9
    assert len(per) == 9


# --- behaviour -------------------------------------------------------------------------------

def _behaviour(points_before, points_after, school="North"):
    rows, pupils = [], []
    for i, (b, a) in enumerate(zip(points_before, points_after, strict=True)):
        pid = f"P-{school[0]}{i}"
        pupils.append({"pupil_id": pid, "school": school, "start": START})
        rows += [{"pupil_id": pid, "date": DAYS[0], "type": "negative", "points": -b},
                 {"pupil_id": pid, "date": DAYS[15], "type": "negative", "points": -a},
                 {"pupil_id": pid, "date": DAYS[15], "type": "positive", "points": 9.0}]
    return pd.DataFrame(rows), pd.DataFrame(pupils)


def test_behaviour_rates_per_school_week():
    behaviour, pupils = _behaviour([4.0, 2.0], [2.0, 2.0])
    r = cp.behaviour_rates(behaviour, pupils, DAYS)
    assert list(r["days_before"]) == [10, 10]
    assert list(r["days_after"]) == [10, 10]
    assert list(r["rate_before"]) == [2.0, 1.0]  # 4 points in 2 weeks
    assert list(r["rate_after"]) == [1.0, 1.0]
    assert list(r["improved"]) == [True, False]


def test_behaviour_summary_relative_change_is_the_pooled_ratio():
    behaviour, pupils = _behaviour([4, 6, 5, 8, 3, 7], [2, 4, 3, 4, 2, 3])
    s = cp.behaviour_summary(cp.behaviour_rates(behaviour, pupils, DAYS))
    row = s.set_index("school").loc[cp.ALL_SCHOOLS]
    assert row["n"] == 6
    assert row["pct_improved"] == 100.0
    assert row["relative_change"] == pytest.approx(18 / 33 - 1)
    assert row["rel_ci_low"] < row["relative_change"] < row["rel_ci_high"]
    assert row["change"] == pytest.approx(-15 / 6 / 2)
    assert row["change_ci_low"] < row["change"] < row["change_ci_high"] < 0
    assert row["g_av"] < 0
    assert row["improved_ci_low"] < 100


def test_behaviour_summary_without_points_after_has_no_relative_change():
    behaviour, pupils = _behaviour([4, 6, 5], [0, 0, 0])
    s = cp.behaviour_summary(cp.behaviour_rates(behaviour, pupils, DAYS))
    assert math.isnan(s["relative_change"].iloc[-1])


def test_school_days_from_attendance_or_behaviour_weekdays():
    att = pd.DataFrame({"date": [DAYS[1], DAYS[0], DAYS[1]]})
    assert list(cp.school_days(att)) == [DAYS[0], DAYS[1]]
    empty = pd.DataFrame({"date": pd.Series([], dtype="datetime64[ms]")})
    b = pd.DataFrame({"date": [pd.Timestamp("2025-09-05"), pd.Timestamp("2025-09-08")]})
    assert len(cp.school_days(empty, b)) == 2  # Friday and Monday
    assert len(cp.school_days(empty)) == 0


# --- yes/no questions and scales -------------------------------------------------------------

def _answers(before, after, school="North", item="trouble"):
    rows, pupils = [], []
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        pid = f"P-{school[0]}{i}"
        pupils.append({"pupil_id": pid, "school": school})
        for wave, v in ((1, b), (2, a)):
            if v is not None:
                rows.append({"respondent_id": pid, "instrument": "coproduction_check",
                             "wave": wave, "item": item, "value": float(v)})
    return pd.DataFrame(rows), pd.DataFrame(pupils)


def test_yes_no_change_with_mcnemar():
    # 10 pupils: 6 yes before; 3 yes->no, 1 no->yes; one pupil missing after
    before = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1]
    after = [1, 1, 0, 0, 0, 1, 1, 0, 0, 0, None]
    r, pupils = _answers(before, after)
    t = cp.yes_no_change(r, pupils, item="trouble")
    row = t.set_index("school").loc[cp.ALL_SCHOOLS]
    assert row["n_before"] == 11
    assert row["n_after"] == 10
    assert row["n_both"] == 10
    assert row["pct_before"] == pytest.approx(700 / 11)
    assert row["change_pp"] == pytest.approx(-20.0)
    assert row["change_ci_low"] < -20 < row["change_ci_high"]
    # mid-p (Fagerland et al. 2013): exact 2 P(B <= 1) = 0.625 minus P(B = 3) = 0.25,
    # B ~ Bin(4, 1/2)
    assert row["p"] == pytest.approx(0.375)
    assert row["test"] == "McNemar's test (mid-p)"
    assert (row["yes_before"], row["no_before"], row["yes_after"]) == (7, 4, 4)
    assert [row[c] for c in ("yes_yes", "yes_no", "no_yes", "no_no")] == [3, 3, 1, 3]


def test_yes_no_change_for_an_item_not_asked_is_empty():
    r, pupils = _answers([1, 0], [0, 0])
    assert cp.yes_no_change(r, pupils, item="confident").empty


def test_scale_change_summary_paired():
    scores = pd.DataFrame({"respondent_id": ["a", "b", "c", "a", "b", "c", "z"],
                           "wave": [1, 1, 1, 2, 2, 2, 1], "scale": "relationships",
                           "score": [3.0, 3.5, 2.0, 3.5, 4.5, 2.0, 5.0]})
    s = cp.scale_change_summary(scores, ["a", "b", "c"], scale="relationships", label="Rel")
    row = s.iloc[0]
    assert row["scale"] == "Rel"
    assert row["n"] == 3
    assert row["change"] == pytest.approx(0.5)
    assert row["change_ci_low"] < 0.5 < row["change_ci_high"]
    assert cp.scale_change_summary(scores, ["a"], scale="relationships").empty


# --- pooling ---------------------------------------------------------------------------------

@pytest.fixture
def per_school():
    return pd.DataFrame({"school": ["A", "B", "C", cp.ALL_SCHOOLS], "n": [10, 12, 4, 26],
                         "est": [-0.5, -0.7, -0.2, -0.6], "lo": [-0.9, -1.0, -1.0, -0.8],
                         "hi": [-0.1, -0.4, 0.6, -0.4]})


def test_pool_schools_uses_se_from_the_interval(per_school):
    m = cp.pool_schools(per_school, estimate="est", ci_low="lo", ci_high="hi", method="DL")
    se = (np.array([0.8, 0.6, 1.6])) / (2 * 1.959963984540054)
    ref = meta_analysis([-0.5, -0.7, -0.2], se=se, method="DL")
    assert m.n == 3
    assert m.estimate == pytest.approx(ref.estimate)
    assert m.i2 == pytest.approx(ref.i2)
    assert cp.pool_schools(per_school.iloc[[0, 3]], estimate="est", ci_low="lo",
                           ci_high="hi") is None


def test_forest_table_withholds_small_schools_but_pools_them(per_school):
    m = cp.pool_schools(per_school, estimate="est", ci_low="lo", ci_high="hi")
    f = cp.forest_table(m, per_school, threshold=5)
    # C (4 pupils) is withheld, and A (the next smallest) with it: the pooled estimate and
    # the weights of the schools shown would otherwise give C's estimate away
    assert list(f["label"]) == ["B", "Pooled"]
    assert f["n"].iloc[-1] == 26
    assert (f["k"] == 3).all()
    table = cp.meta_table({"x": m, "y": None}, n_pupils={"x": 26})
    assert list(table["Outcome"]) == ["x"]
    assert table["Pupils (n)"].iloc[0] == 26


def test_overall_and_publish(per_school):
    assert cp.overall(per_school, estimate="est", ci_low="lo", ci_high="hi") == {
        "estimate": -0.6, "ci_low": -0.8, "ci_high": -0.4, "n": 26}
    assert cp.overall(per_school.iloc[:3], estimate="est", ci_low="lo", ci_high="hi") is None
    shown = cp.publish(per_school, count_cols="n", threshold=5,
                       columns={"school": "School", "n": "n", "est": "Estimate"})
    assert list(shown.columns) == ["School", "n", "Estimate"]
    assert shown.loc[2, "n"] == "<5"
    assert shown.loc[2, "Estimate"] == "<5"
    assert shown.loc[0, "n"] == "*"  # the next smallest school, else 26 - 10 - 12 gives C
    assert shown.loc[0, "Estimate"] == "*"
    assert shown.loc[3, "n"] == 26


def test_publish_never_lets_the_all_schools_row_give_a_small_school_away():
    # the known hole: one small school withheld, but "All schools" minus the others revealed it
    t = pd.DataFrame({"school": ["A", "B", "C", "D", cp.ALL_SCHOOLS], "n_before": [11, 3, 9, 14, 37],
                      "n_after": [10, 2, 9, 14, 35], "pct_before": [45.5, 66.7, 33.3, 50.0, 48.6],
                      "pct_after": [30.0, 50.0, 22.2, 35.7, 31.4]})
    out = cp.publish(t, count_cols=["n_before", "n_after"], threshold=5, display=False)
    total = out.iloc[-1]
    for col in ("n_before", "n_after"):
        shown = out.iloc[:-1][col]
        assert shown.isna().sum() >= 2
        assert total[col] - shown.sum() >= 5  # only a sum of several schools can be recovered
    assert out.loc[out["school"] == "C", "pct_before"].isna().all()  # C (9) goes with B (3)
    assert out.loc[out["school"].isin(["A", "D"]), "pct_before"].notna().all()


# --- participation and outcomes --------------------------------------------------------------

def test_attendance_bands_and_dose_response():
    rates = pd.DataFrame({"pupil_id": [f"p{i}" for i in range(12)],
                          "change": [-0.1 * i for i in range(12)],
                          "improved": [i > 0 for i in range(12)]})
    per = pd.DataFrame({"pupil_id": rates["pupil_id"], "pct_attended": [10.0 * i for i in
                                                                        range(12)]})
    per.loc[11, "pct_attended"] = np.nan
    bands = cp.attendance_bands(rates, per, threshold=3)
    assert list(bands["n"]) == [5, 3, 3]  # 0-40, 50-70, 80-100
    assert bands.loc[0, "change"] == pytest.approx(-0.2)
    # in 0-40 only pupil p0's rate did not fall: its 80% would tell that one pupil, and the
    # bands add up to the pupils whose rate did not fall, so the next band's 100% goes too
    assert bands["suppressed"].tolist() == [True, True, False]
    assert bands["pct_improved"].isna().tolist() == [True, True, False]
    assert bands.loc[2, "pct_improved"] == 100.0  # a true 0 (all fell) is published
    assert bands["change"].notna().all()  # the bands themselves are large enough
    small = cp.attendance_bands(rates, per, threshold=4)
    assert small["suppressed"].tolist() == [True, True, True]  # 0-40's %: one did not improve
    assert small["change"].notna().tolist() == [True, False, False]
    slope = cp.dose_response(rates, per)
    assert slope.estimate == pytest.approx(-0.1)
    assert slope.n == 11
    assert cp.dose_response(rates.iloc[:2], per) is None


# --- charts ----------------------------------------------------------------------------------

@pytest.fixture
def forest(per_school):
    m = cp.pool_schools(per_school, estimate="est", ci_low="lo", ci_high="hi")
    return cp.forest_table(m, per_school, threshold=5)


def test_forest_chart_layers_and_title(forest):
    spec = charts.forest_chart(forest, x_title="g_av (95% CI)", title="Behaviour").to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
             for layer in spec["layer"]]
    assert marks == ["rule", "rule", "square", "point"]
    assert spec["layer"][0]["mark"]["strokeDash"] == [4, 4]
    assert spec["layer"][2]["encoding"]["size"]["field"] == "weight_percent"
    assert spec["layer"][3]["mark"]["shape"] == "diamond"
    assert spec["title"]["text"] == "Behaviour"
    assert "k = 3 schools, n = 26 pupils" in spec["title"]["subtitle"][0]
    assert spec["layer"][1]["encoding"]["x"]["title"] == "g_av (95% CI)   better \u2192"


def test_forest_chart_needs_a_pooled_row(forest):
    with pytest.raises(ChartError, match="pooled"):
        charts.forest_chart(forest[forest["kind"] == "school"], x_title="x")
    with pytest.raises(ChartError, match="missing"):
        charts.forest_chart(forest.drop(columns="weight_percent"), x_title="x")


def test_yes_no_and_band_charts():
    r, pupils = _answers([1, 1, 1, 0, 0, 1], [0, 1, 0, 0, 0, 1])
    t = cp.yes_no_change(r, pupils, item="trouble")
    # published as the study publishes the chart's data (6 pupils: nothing withheld)
    t = cp.publish(t.drop(columns=PAIRED_COUNTS), count_cols=YES_NO_COUNTS, threshold=5,
                   display=False, complements=YES_NO_COMPLEMENTS)
    spec = charts.yes_no_chart(t, question="I often get into trouble").to_dict()
    assert "n = 6 pupils" in spec["title"]["subtitle"][0]
    assert spec["spec"]["layer"][0]["encoding"]["y"]["title"].startswith("% answering Yes")
    raw = pd.DataFrame({"band": ["Below 50%", "50-74%", "75% or more"], "n": [2, 8, 3],
                        "change": [0.1, -0.5, -0.7], "ci_low": [-0.8, -0.9, -1.5],
                        "ci_high": [1.0, -0.1, 0.1]})
    # as attendance_bands publishes them: the bands add up to the pupils, so the bands of 2
    # and 3 are withheld (5 together) and the band of 8 is shown
    bands = suppress_small(raw, count_cols="n", threshold=5, suppress_zero=True, partition_by=[])
    assert bands["change"].isna().tolist() == [True, False, True]
    spec = charts.band_change_chart(bands).to_dict()
    assert "n = 8 pupils" in spec["title"]["subtitle"][0]
    # the withheld bands are named, not left to vanish (issue 18, item 4)
    assert spec["title"]["subtitle"][1] == ("Not shown, to protect groups of fewer than 5 "
                                            "pupils: Below 50%, 75% or more")
    assert spec["layer"][1]["encoding"]["x"]["title"].startswith("Change in negative points")


def test_yes_no_change_reads_the_answer_when_the_value_is_missing():
    r, pupils = _answers([1, 1, 0], [0, 1, 0])
    r["value"] = pd.array([pd.NA] * len(r), dtype="Float64")
    r["answer"] = np.where(r.index % 2 == 0, "Yes", "No")
    r.loc[[0, 1], "answer"] = ["Yes", " no "]  # pupil 0: Yes before, No after
    t = cp.yes_no_change(r, pupils, item="trouble")
    assert t["n_both"].iloc[-1] == 3


def test_empty_inputs_give_empty_results_not_errors():
    behaviour, pupils = _behaviour([1.0], [1.0])
    rates = cp.behaviour_rates(behaviour, pupils, pd.DatetimeIndex([]))
    assert rates.empty
    summary = cp.behaviour_summary(rates)
    assert summary.empty
    assert cp.pool_schools(summary, estimate="g_av", ci_low="g_ci_low",
                           ci_high="g_ci_high") is None
    per = pd.DataFrame({"pupil_id": pd.Series([], dtype=str), "pct_attended": []})
    bands = cp.attendance_bands(rates, per, threshold=5)
    assert bands["change"].isna().all()
    assert cp.dose_response(rates, per) is None
    assert cp.overall(summary, estimate="change", ci_low="change_ci_low",
                      ci_high="change_ci_high") is None


def test_publish_with_a_count_of_roles():
    t = pd.DataFrame({"school": ["A", "B", "C", cp.ALL_SCHOOLS], "members": [10, 12, 9, 31],
                      "project_leads": [2, 6, 5, 13], "n": [10, 12, 9, 31],
                      "mean_pct_attended": [70.0, 80.0, 75.0, 75.2]})
    out = cp.publish(t, count_cols={"members": ["project_leads", "mean_pct_attended", "n"],
                                    "n": ["mean_pct_attended"], "project_leads": []},
                     threshold=5)
    # A's 2 project leads are withheld, and C's 5 with them (13 - 6 would give the 2 away);
    # every other number is shown
    assert out["project_leads"].tolist() == ["<5", 6, "*", 13]
    assert out["mean_pct_attended"].tolist() == [70.0, 80.0, 75.0, 75.2]


# --- the case study's result -----------------------------------------------------------------

def _enquiry(*, asked=("trouble",)):
    """A crafted enquiry: North (6 pupils) and South (3, below the threshold of 5)."""
    communities, memberships, meetings, attendance = _tables()
    behaviour = pd.concat([_behaviour([4, 6, 5, 8, 3, 7], [2, 4, 3, 4, 2, 3])[0],
                           _behaviour([5, 6, 4], [3, 2, 2], school="South")[0]])
    answers = pd.concat([_answers(b, a, school=s, item=item)[0]
                         for item in asked
                         for s, b, a in (("North", [1, 1, 1, 1, 0, 1], [0, 0, 1, 0, 0, 1]),
                                         ("South", [1, 1, 0], [0, 1, 0]))],
                        ignore_index=True) if asked else pd.DataFrame(
        columns=["respondent_id", "instrument", "wave", "item", "value"])
    scores = pd.DataFrame(columns=["respondent_id", "wave", "scale", "score"])
    pupils = pd.DataFrame({"pupil_id": memberships["member_id"].to_numpy(),
                           "school": memberships["school"].to_numpy(),
                           "year_group": pd.array([8] * len(memberships), dtype="Int8")})
    return SimpleNamespace(
        title="Test", suppression_threshold=5, communities=communities, pupils=pupils,
        memberships=memberships, meetings=meetings, meeting_attendance=attendance,
        attendance=pd.DataFrame({"date": DAYS}), behaviour=behaviour,
        survey_responses=answers, scale_scores=lambda: scores)


def _texts(result):
    return [result.summary, *(t for s in result for t in (s.finding, *s.paragraphs))]


def test_run_gives_every_section_and_the_recorded_results():
    r = run(_enquiry(), {"schools": (), "waves": (1, 2), "method": "REML"})
    assert [s.key for s in r] == ["who_took_part", "behaviour", "comparison", "trouble",
                                  "confident", "relationships", "outcomes", "pooled", "forest",
                                  "participation_level", "design"]
    assert dict(r.records) == {"title": "Test: the co-production pilot", "n_schools": 2,
                               "n_pupils": 9}
    assert set(r.all_records) == {
        "title", "n_schools", "n_pupils", "behaviour_relative_change", "pct_improved",
        "trouble_change", "trouble_mcnemar_p", "confident_change", "relationships_change",
        "pooled_behaviour", "dose_response_slope", "behaviour_vs_comparison",
        "primary_outcome", "smallest_effect", "outcomes_holm"}
    # only the pilot's pupils are on roll here: no comparison, and the report says so
    assert r["comparison"].records["behaviour_vs_comparison"].startswith("no comparison: ")
    assert r["comparison"].finding.startswith("There is no comparison group")
    assert "There is no comparison group of similar pupils" in r.summary
    assert "no comparison of similar pupils who did not take part exists" in \
        r["behaviour"].finding
    assert r["behaviour"].records["behaviour_relative_change"]["n"] == 9
    assert r["behaviour"].finding.startswith("Over all schools, the 9 pupils' negative "
                                             "behaviour points per school week fell by")
    assert all(s.finding for s in r)
    assert all(s.note for s in r if s.key != "design")


def test_run_never_states_a_small_schools_figures():
    r = run(_enquiry(), {"schools": (), "waves": (1, 2), "method": "REML"})
    assert "1 school had fewer than 5 pupils" in r.summary
    assert not any("South" in t or " 3 pupils" in t for t in _texts(r))
    shown = r["who_took_part"].tables[0].frame.set_index("School")
    assert shown.loc["South", "Pupils"] == "<5"
    assert shown.loc["North", "Pupils"] == "*"  # else 9 - 6 gives South away
    # both schools withheld from the forest plot: nothing but the pooled diamond to show
    assert "no school is large enough to show on its own" in r["forest"].finding
    assert r["forest"].finding.endswith("so no forest plot is drawn.")
    assert r["forest"].charts == ()  # the diamond alone is the pooled section's estimate
    assert "Pooled across 2 schools" in r["pooled"].finding


def test_run_says_what_is_missing_when_a_question_was_not_asked():
    r = run(_enquiry(asked=()), {"schools": (), "waves": (1, 2), "method": "REML"})
    assert r["trouble"].finding.startswith("No answers yet: the pupils were not asked")
    assert dict(r["trouble"].records) == {}  # as before: nothing recorded
    assert r["trouble"].tables == ()
    assert r["trouble"].charts == ()
    assert dict(r["confident"].records) == {"confident_change": None}
    assert r["confident"].finding.startswith("No answers yet")
    assert dict(r["relationships"].records) == {"relationships_change": None}


def test_change_phrase_says_which_way_and_whether_the_interval_includes_no_change():
    assert change_phrase(-40, -42, -37, "%", 0) == "fell by 40% (95% CI 37% to 42%)"
    assert change_phrase(21.05, 3.4, 36.6, " percentage points", 1) == \
        "rose by 21.1 percentage points (95% CI 3.4 to 36.6)"
    assert change_phrase(-0.19, -0.44, 0.06, " points", 2) == (
        "changed by -0.19 points (95% CI -0.44 to +0.06), an interval that includes no change")
    assert is_clear(0.1, 0.2)
    assert is_clear(-0.2, -0.1)
    assert not is_clear(-0.1, 0.1)


def test_yes_no_finding_withholds_a_small_total():
    t = pd.DataFrame({"school": [cp.ALL_SCHOOLS], "p": [0.5]})
    small = {"estimate": -25.0, "ci_low": -60.0, "ci_high": 10.0, "n": 4}
    assert yes_no_finding(t, small, 5) == ("Fewer than 5 pupils answered both times, too few "
                                           "to report.")
    assert "-25" not in yes_no_finding(t, small, 5)
    shown = yes_no_finding(t, {**small, "n": 12}, 5)
    assert shown.startswith("Among the 12 pupils who answered both times")
    assert shown.endswith("could be chance with this few pupils; McNemar p = 0.500.")


def test_item11_coproduction_percentages_suppressed():
    # North: 9 pupils, 2 say Yes before (22.2% of 9 would reveal the 2), 4 say No after.
    # South: 10 pupils, 5 and 5; East: 12 pupils, 6 and 6. Threshold 5.
    answers = [("North", [1] * 2 + [0] * 7, [1] * 5 + [0] * 4),
               ("South", [1] * 5 + [0] * 5, [1] * 5 + [0] * 5),
               ("East", [1] * 6 + [0] * 6, [1] * 6 + [0] * 6)]
    parts = [_answers(b, a, school=school) for school, b, a in answers]
    r = pd.concat([p[0] for p in parts], ignore_index=True)
    pupils = pd.concat([p[1] for p in parts], ignore_index=True)
    t = cp.yes_no_change(r, pupils, item="trouble")
    shown = cp.publish(t.drop(columns=PAIRED_COUNTS), count_cols=YES_NO_COUNTS, threshold=5,
                       columns=YES_NO_LABELS, complements=YES_NO_COMPLEMENTS).set_index("School")
    # the percentage of a small count is withheld through that count ...
    assert shown.loc["North", "% Yes before"] == "<5"
    assert shown.loc["North", "Before 95% CI low"] == "<5"
    assert shown.loc["North", "% Yes after"] == "<5"  # 4 said No: 55.6% of 9 reveals it
    # ... the group's size is not small and stays shown
    assert shown.loc["North", "n before"] == 9
    # South's 5 would give North's 2 away through the 'All schools' 13: withheld too
    assert shown.loc["South", "% Yes before"] == "*"
    assert shown.loc["East", "% Yes before"] == pytest.approx(50.0)
    assert shown.loc["All schools", "% Yes before"] == pytest.approx(100 * 13 / 31)
    # no percentage shown anywhere stands for 1 to 4 pupils of its group
    for school, row in t.set_index("school").iterrows():
        for tag in ("before", "after"):
            small = 0 < row[f"yes_{tag}"] < 5 or 0 < row[f"no_{tag}"] < 5
            if small:
                assert shown.loc[school, f"% Yes {tag}"] in ("<5", "*")
    # the paired counts used for pooling are never among the shown columns
    assert not set(PAIRED_COUNTS) & set(shown.columns)
    # the same for "% whose behaviour improved": 8 of 9 improved reveals the 1 who did not
    behaviour, pilot = _behaviour([4.0] * 9, [2.0] * 8 + [5.0])
    summary = cp.behaviour_summary(cp.behaviour_rates(behaviour, pilot, DAYS))
    assert summary.set_index("school").loc["North", "n_not_improved"] == 1
    shown = cp.publish(summary, count_cols=IMPROVED_COUNTS, threshold=5,
                       complements=[["n_improved", "n_not_improved"]],
                       columns={"school": "School", "n": "n", "pct_improved": "% fell"})
    # one school: its row alone, since an "All schools" row would only repeat it
    assert shown["School"].tolist() == ["North"]
    assert shown["% fell"].tolist() == ["<5"]
    assert shown["n"].tolist() == [9]


def test_pool_yes_no_from_paired_counts_is_the_all_pupils_change():
    # North: 3 yes->no of 10; South: nobody changed (10); a stratified paired risk difference
    # weights them 10:10, so the pooled change is the all-pupils -15 points (by hand), where
    # inverse variance from South's interval would pull it towards South's 0.
    parts = [_answers([1] * 5 + [0] * 5, [1] * 2 + [0] * 8, school="North"),
             _answers([1] * 4 + [0] * 6, [1] * 4 + [0] * 6, school="South")]
    r = pd.concat([p[0] for p in parts], ignore_index=True)
    pupils = pd.concat([p[1] for p in parts], ignore_index=True)
    t = cp.yes_no_change(r, pupils, item="trouble")
    m = cp.pool_yes_no(t)
    assert m.estimate == pytest.approx(-15.0)
    assert m.estimate == pytest.approx(t.set_index("school").loc[cp.ALL_SCHOOLS, "change_pp"])
    # each school's variance with 1/2 added to each cell (Agresti & Min 2005), weighted
    # (10 / 20)²: North b' = 3.5, c' = 0.5, n' = 12: (4 - 9/12) / 144; South (1 - 0) / 144
    assert m.se == pytest.approx(100 * math.sqrt(0.25 * (3.25 + 1) / 144))
    assert list(m.studies["weight_percent"]) == [50.0, 50.0]
    forest = cp.forest_table(m, t, threshold=5, n="n_both")
    assert forest["k"].iloc[0] == 2
    assert forest["label"].tolist() == ["North", "South", "Pooled"]
