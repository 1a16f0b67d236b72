"""The TLC, conference and co-production reports read as their readers read them, on the
small enquiries teachers have: one school, a TLC of eight with a staff survey given twice,
one conference class, a co-production group in one school, and in two schools of which
one is tiny.

Each test is a sentence or a table that once read wrong: the same staff counted once per
survey wave ("15 staff answered the survey" of a TLC of eight), "up from 25%" at a glance
for a change its interval does not support, an empty chart of withheld answers, "The 12
most planned strategies" above five, a column "% tried" of plans tried in full under a
sentence about plans tried fully or in part, a comparison with similar pupils who do not
exist, and sections about pooling schools in a one-school pilot.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import tomlkit

from slc_research.casestudies.glance import at_a_glance
from slc_research.report.catalogue import NOTEBOOKS
from slc_research.synthetic.trust import write_demo_workspace

SURVEY = "raw/northfield-academy/surveys/tlc_end_of_year_survey.xlsx"
AUTUMN = "raw/northfield-academy/surveys/tlc_autumn_survey.xlsx"
#: The autumn wave's answers: 8 staff, a little less sure than in the summer.
AUTUMN_ANSWERS = [
    ["Agree", "Agree", "Neither agree nor disagree", "Agree", "Agree"],
    ["Agree", "Strongly agree", "Agree", "Neither agree nor disagree", "Agree"],
    ["Neither agree nor disagree", "Agree", "Agree", "Agree", "Neither agree nor disagree"],
    ["Agree", "Agree", "Agree", "Agree", "Agree"],
    ["Strongly agree", "Agree", "Neither agree nor disagree", "Agree", "Agree"],
    ["Agree", "Neither agree nor disagree", "Agree", "Agree", "Agree"],
    ["Agree", "Agree", "Strongly agree", "Neither agree nor disagree", "Neither agree nor disagree"],
    ["Neither agree nor disagree", "Agree", "Agree", "Agree", "Agree"],
]


def _results(ws: Path) -> dict:
    from slc_research import Enquiry

    enq = Enquiry.open(ws)
    return {nb: study.result(enq, study.validate(workspace=ws))
            for nb, study in NOTEBOOKS.items() if not study.applies(enq)}


def _with_autumn_wave(ws: Path) -> Path:
    """The TLC staff survey given twice: an autumn wave 1 beside the end-of-year wave 2."""
    book = openpyxl.load_workbook(ws / SURVEY)
    header = [c.value for c in next(book.active.iter_rows(max_row=1))]
    autumn = openpyxl.Workbook()
    autumn.active.append(header)
    for i, answers in enumerate(AUTUMN_ANSWERS, start=1):
        at = dt.datetime(2025, 12, 10, 16) + dt.timedelta(hours=5 * i)
        autumn.active.append([i, at, at + dt.timedelta(minutes=7), "anonymous", None,
                              *answers, None])
    autumn.save(ws / AUTUMN)
    doc = tomlkit.parse((ws / "enquiry.toml").read_text(encoding="utf-8"))
    summer = doc["sources"]["northfield_tlc_survey"]
    summer["wave"] = 2
    doc["sources"]["northfield_tlc_survey_autumn"] = {
        "description": "Northfield Academy: autumn TLC survey", "path": AUTUMN,
        "kind": "survey", "instrument": "tlc_staff_survey", "wave": 1, "respondents": "staff",
        "response_scale": "agree5", "columns": dict(summer["columns"])}
    (ws / "enquiry.toml").write_text(tomlkit.dumps(doc), encoding="utf-8")
    return ws


@pytest.fixture(scope="module")
def one_school(tmp_path_factory) -> Path:
    """One school of 200: a TLC of 8 teachers, a class of 21, a co-production group of 10."""
    return write_demo_workspace(tmp_path_factory.mktemp("one") / "enquiry", schools=1,
                                pupils=200, seed=11)


@pytest.fixture(scope="module")
def one(one_school):
    return _results(one_school)


@pytest.fixture(scope="module")
def two_waves(one_school, tmp_path_factory):
    import shutil

    ws = tmp_path_factory.mktemp("waves") / "enquiry"
    shutil.copytree(one_school, ws)
    return _results(_with_autumn_wave(ws))["tlc_impact"]


# --- the TLC report ----------------------------------------------------------------------------

def test_a_survey_given_twice_counts_each_wave_once(one, two_waves):
    once = one["tlc_impact"]
    # the end-of-year wave alone, as when it was the only one: not 15 "staff" of a TLC of 8
    assert two_waves["staff_survey"].finding.startswith("7 staff answered the survey")
    assert two_waves["staff_survey"].finding == once["staff_survey"].finding
    assert two_waves.all_records["tlc_scale_mean"].n == 7
    assert two_waves.all_records["tlc_scale_mean"].estimate == pytest.approx(
        once.all_records["tlc_scale_mean"].estimate)
    [effect] = two_waves.all_records["outcomes_holm"].itertuples()
    assert effect.n1 == 7
    assert two_waves["staff_survey"].paragraphs == (
        "The survey was given in waves 1 and 2; much the same staff answer each time, so the "
        "waves are not added together: this section and the next read the latest, wave 2.",)
    assert "latest wave (wave 2)" in two_waves["outcomes"].note
    assert "asked once" not in two_waves["outcomes"].note


def test_a_survey_given_twice_shows_each_wave_and_the_change(two_waves):
    score = two_waves["scale_score"]
    by_wave = next(t for t in score.tables if t.caption == "Staff's mean scale score at each wave")
    assert by_wave.frame["wave"].tolist() == [1, 2]
    assert by_wave.frame["n"].tolist() == [8, 7]
    assert by_wave.frame["mean"].round(3).tolist() == [3.55, 4.171]  # item 5 reversed
    change = two_waves.all_records["tlc_scale_change"]
    assert change["estimate"] == pytest.approx(29.2 / 7 - 3.55)
    assert (change["from_wave"], change["to_wave"]) == (1, 2)
    assert any(p.startswith("From wave 1 to wave 2 staff's mean scale score rose by 0.62 "
                            "(95% CI 0.15 to 1.09). The waves are compared as two groups")
               for p in score.paragraphs)
    glance = at_a_glance(two_waves).findings
    assert ("From wave 1 to wave 2 of the staff survey, the average answer went up. The "
            "change was 0.62 points. We can be fairly sure it is between 0.15 and 1.09."
            ) in glance


def test_one_wave_has_no_wave_table_or_change(one):
    tlc = one["tlc_impact"]
    assert [t.caption for t in tlc["scale_score"].tables] == ["Each statement of the scale"]
    assert "tlc_scale_change" not in tlc.all_records
    assert tlc["staff_survey"].paragraphs == ()


def test_glance_says_up_only_for_a_clear_rise(one):
    tlc = one["tlc_impact"]
    change = tlc.all_records["share_change"]
    assert change["ci_low"] < 0 < change["ci_high"]  # 25% -> 33% of 24 teachers
    share = next(f for f in at_a_glance(tlc).findings if f.startswith("In 2025-26"))
    assert share == ("In 2025-26, 33% of teaching staff were members (25% in 2024-25, a "
                     "difference that could be chance). We can be fairly sure it is between "
                     "18% and 53%.")


def test_glance_gives_the_survey_scale_it_was_answered_on(one):
    glance = at_a_glance(one["tlc_impact"]).findings
    assert "On the staff survey, the average answer was 4.17 on a scale of 1 to 5." in glance
    assert one["tlc_impact"].all_records["tlc_scale_points"] == [1, 5]


def test_no_chart_of_withheld_answers_or_members(one):
    tlc = one["tlc_impact"]
    # every answer of 7 staff is given by fewer than 5 or by nobody: nothing to draw, and
    # no note on how to read its bars
    assert tlc["staff_survey"].charts == ()
    assert tlc["staff_survey"].note == ""
    # every department, role and band has fewer than 5 members: staff's bars alone compare
    # nothing
    who = tlc["who_takes_part"]
    assert who.charts == ()
    assert who.paragraphs == ("No department, role or experience band has as many as 5 "
                              "members, so no chart sets the members beside all teaching "
                              "staff.",)
    assert "out of 24 teaching staff at Northfield Academy;" in who.finding
    assert who.note.startswith("The tests ask whether members differ")  # no "Each bar pair"


def test_comment_themes_all_withheld_is_one_sentence(one):
    themes = one["tlc_impact"]["comment_themes"]
    assert themes.finding == "Each code was given to fewer than 5 comments, too few to report."
    assert (themes.tables, themes.charts, themes.items) == ((), (), ())


def test_strategies_caption_and_chart_name_what_they_show(one):
    strategies = one["tlc_impact"]["strategies"]
    [table] = strategies.tables
    assert len(table.frame) == 5
    assert table.caption == "The strategies planned, most planned first"
    subtitle = strategies.charts[0].to_dict()["title"]["subtitle"]
    assert " ".join(subtitle) == (
        "Plans made: n = 29; n per bar = plans reported back; bars show 95% CIs Not shown, to "
        "protect groups of fewer than 5 plans tried: shared digital workbooks, dual coding")


def test_plans_tried_in_full_are_labelled_so(one):
    cycle = one["tlc_impact"]["action_planning"]
    assert "tried fully or in part" in cycle.finding
    assert "% tried in full" in cycle.tables[0].frame.columns
    assert "% tried" not in cycle.tables[0].frame.columns


def test_one_outcome_is_captioned_as_one(one):
    [table] = one["tlc_impact"]["outcomes"].tables
    assert table.caption == "The primary outcome"


# --- the co-production pilot in one school, and in two of which one is tiny ------------------

def test_one_school_pilot_without_comparison_says_so_at_a_glance(one):
    pilot = one["coproduction_pilot"]
    assert isinstance(pilot.all_records["behaviour_vs_comparison"], str)  # nobody to compare
    glance = at_a_glance(pilot)
    assert glance.findings[1] == (
        "Their bad behaviour points a week fell by 42% from before their project to after it. "
        "We can be fairly sure the fall is between 36% and 48%. There were no similar pupils "
        "to compare them with, so part or all of this may be the improvement expected anyway.")
    text = " ".join((*glance.findings, glance.evidence, *glance.can_and_cannot))
    assert "than similar pupils'" not in text
    assert "the similar pupils were not picked" not in text
    assert glance.evidence.startswith("Strength of evidence: low. This is a small pilot with no "
                                      "comparison group")


def test_one_school_pilot_speaks_of_one_school(one):
    pilot = one["coproduction_pilot"]
    behaviour = pilot["behaviour"]
    assert behaviour.finding.startswith("The 10 pupils' negative behaviour points per school "
                                        "week fell by 42%")
    assert "Over all schools" not in behaviour.finding
    assert "see the comparison below" not in behaviour.finding
    assert "The next section compares them" not in behaviour.note
    # the school's row alone: an "All schools" row would repeat it
    for section in ("who_took_part", "behaviour", "trouble", "confident"):
        for table in pilot[section].tables:
            assert table.frame.iloc[:, 0].tolist() == ["Northfield Academy"], table.caption
    assert "'All schools' row" not in pilot["who_took_part"].note
    # no comparison group: no table of the pilot's row above a row of "<5"
    assert pilot["comparison"].tables == ()
    for key in ("pooled", "forest"):
        assert pilot[key].finding.startswith("The pilot ran in one school, so there is no")
        assert (pilot[key].tables, pilot[key].charts, pilot[key].note) == ((), (), "")
    assert "pooled_behaviour" not in pilot.all_records  # no "all schools together" headline
    design = pilot["design"]
    assert "small pilot in one school without a comparison group" in design.finding
    assert not any("schools with each other" in p for p in design.paragraphs)
    # one band of three drawn beside nothing: the table shows it, no chart
    bands = pilot["participation_level"]
    assert bands.tables[0].frame.iloc[:, 0].tolist() == ["Below 50%", "50-74%", "75% or more"]
    assert bands.charts == ()


@pytest.fixture(scope="module")
def tiny_second_school(tmp_path_factory):
    """Two schools, the second school's co-production group cut to 4 pupils."""
    import pandas as pd

    ws = write_demo_workspace(tmp_path_factory.mktemp("two") / "enquiry", schools=2,
                              pupils=200, seed=12)
    group = ws / "raw" / "riverside-school" / "coproduction"
    members = pd.read_csv(group / "members.csv", dtype=str)
    keep = set(members["UPN"].head(4))
    members.head(4).to_csv(group / "members.csv", index=False)
    for name in ("check_before.csv", "check_after.csv", "meeting_attendance.csv"):
        frame = pd.read_csv(group / name, dtype=str, keep_default_na=False)
        frame[frame["UPN"].isin(keep)].to_csv(group / name, index=False)
    return _results(ws)["coproduction_pilot"]


def test_two_schools_one_tiny_agree_with_their_number(tiny_second_school):
    pilot = tiny_second_school
    assert pilot["who_took_part"].finding.endswith("1 school is too small to show on its own.")
    assert ("1 school had fewer than 5 pupils in the pilot: its rows are withheld"
            in pilot.summary)
    # both schools' rows withheld, the "All schools" row shown
    [table] = pilot["who_took_part"].tables
    assert table.frame.iloc[:, 0].tolist() == ["Northfield Academy", "Riverside School",
                                               "All schools"]
    assert pilot["pooled"].finding.startswith("Pooled across 2 schools")


def test_primary_not_clear_when_its_interval_reaches_no_change():
    from slc_research.casestudies.outcome_effects import OutcomeEffect
    from slc_research.casestudies.outcome_family import outcomes_finding

    # a Welch test of raw points (p = 0.03) beside Morris's interval of d that reaches 0
    effect = OutcomeEffect("behaviour", "Negative behaviour points per week", -0.39, 0.21,
                           -0.81, 0.04, 0.03, 15, 11, "d_ppc2")
    text = outcomes_finding([effect], primary="behaviour", smallest_effect=0.2, threshold=5,
                            subject="the pupils' figure", up="rose", down="fell")
    assert "clearly" not in text
    assert text.startswith(
        "On the primary outcome, negative behaviour points per week, the pupils' figure fell "
        "(p = 0.030), but the interval of its size reaches no change, so the difference is "
        "not clear (d_ppc2 = -0.39, 95% CI [-0.81, 0.04]); ")


# --- the conference class ---------------------------------------------------------------------

def test_one_class_is_not_broken_down_by_class_and_phase(one):
    by_group = one["student_led_conferences"]["by_group"]
    assert by_group.finding == ("In Northfield 7B, 57% of reflections were explanatory or "
                                "forward-looking or deeper (95% CI 53% to 61%).")
    assert by_group.paragraphs == ("All its pupils are in KS3, so there is no other phase to "
                                   "compare.",)
    assert [t.caption for t in by_group.tables] == ["Depth by class"]
    assert by_group.charts == ()  # one bar beside nothing
    assert "between classes" not in by_group.note


# --- the index and the summary ----------------------------------------------------------------

def test_summary_writes_a_change_of_a_share_in_points_and_a_withheld_year_as_a_dash():
    from slc_research.report.catalogue import headline_text

    assert headline_text("trouble_change", {"estimate": -9.99, "ci_low": -41.3,
                                            "ci_high": 24.8, "n": 10}) == \
        "-10 points (-41 to 25), based on 10"
    assert headline_text("share_teaching_staff", {
        "2023-24": {"estimate": None, "ci_low": None, "ci_high": None, "n": 24},
        "2024-25": {"estimate": 25.0, "ci_low": 12.0, "ci_high": 44.9, "n": 24}}) == \
        "2023-24: \u2013; 2024-25: 25% (12% to 45%), based on 24"


def test_the_pilot_is_not_called_a_pilot_across_schools():
    assert NOTEBOOKS["coproduction_pilot"].title == "Co-production pilot"


def test_a_withheld_year_is_said_once_not_a_row_of_dashes(one):
    share = one["tlc_impact"]["share_by_year"]
    assert share.paragraphs == ("The change from 2023-24 to 2024-25 is not shown: a year with "
                                "fewer than 5 staff in a TLC is withheld, and so is the change "
                                "next to it.",)
    growth = next(t for t in share.tables if t.caption.startswith("Change from one year"))
    assert growth.frame[["from_year", "to_year"]].values.tolist() == [["2024-25", "2025-26"]]
    assert share.charts[0].to_dict()["title"]["subtitle"] == [
        "Teaching staff on the staff list: n = 24; bars show 95% CIs",
        "Not shown, to protect groups of fewer than 5 staff: 2023-24"]


def test_the_latest_share_is_never_compared_with_a_year_before_a_withheld_one():
    import pandas as pd

    from slc_research.casestudies.tlc.outcomes import share_finding

    nan = float("nan")
    published = pd.DataFrame({
        "year": ["2022-23", "2023-24", "2024-25", "2025-26"], "n": [24] * 4,
        "estimate": [0.25, 0.30, nan, 0.40], "pct": [25.0, 30.0, nan, 40.0],
        "pct_ci_low": [12.0, 15.0, nan, 22.0], "pct_ci_high": [45.0, 50.0, nan, 60.0]})
    # the changes into and out of the withheld 2024-25 were taken out; one earlier is left
    growth = pd.DataFrame({"from_year": ["2022-23"], "to_year": ["2023-24"],
                           "difference": [5.0], "ci_low": [-20.0], "ci_high": [30.0]})
    assert share_finding(published, growth, "the TLC") == (
        "In 2025-26, 40% of teaching staff were members of the TLC (95% CI 22% to 60%).")


def test_shares_of_pupils_are_written_to_one_place_as_everywhere(one):
    from slc_research.report.display import format_table

    pilot = one["coproduction_pilot"]
    improved = pilot["behaviour"].tables[1]
    shown = format_table(improved.frame, decimals=improved.decimals)
    assert shown.loc[0, "% whose rate fell"] == "100.0"
    assert shown.loc[0, "95% CI low"] == "72.2"
    assert shown.loc[0, "Effect size g_av"] == "-0.82"
    bands = pilot["participation_level"].tables[0]
    shown = format_table(bands.frame, decimals=bands.decimals)
    assert shown["% whose rate fell"].tolist() == ["<5", "100.0", "<5"]
    assert shown["Change in points per week"].tolist()[1] == "-0.66"


def test_the_summary_tells_its_two_agreement_rows_apart():
    from slc_research.report.catalogue import headline_label

    # two rows of one summary, with different intervals: "Agreement of two coders" twice
    assert headline_label("kappa_overall") == "Agreement of two coders (kappa)"
    assert headline_label("alpha") == "Agreement of two coders (Krippendorff's alpha)"


def test_feedback_themes_all_withheld_are_said_in_words(one_school, tmp_path):
    import shutil

    from slc_research import Enquiry
    from slc_research.casestudies.conferences import STUDY

    ws = tmp_path / "enquiry"
    shutil.copytree(one_school, ws)
    doc = tomlkit.parse((ws / "enquiry.toml").read_text(encoding="utf-8"))
    doc["privacy"]["suppression_threshold"] = 20  # the 55 responses pass; no code has 20
    (ws / "enquiry.toml").write_text(tomlkit.dumps(doc), encoding="utf-8")
    feedback = STUDY.result(Enquiry.open(ws), STUDY.validate(workspace=ws))["feedback"]
    assert feedback.finding.endswith(
        "Each code was given to fewer than 20 comments, too few to report.")
    assert [t.caption for t in feedback.tables] == ["Feedback responses"]


def test_one_schools_data_health_is_named_by_its_school(one):
    health = one["data_health"]
    assert health.title.endswith("data health (Northfield Academy)")
    assert "all schools" not in health["about_data"].finding


def test_methods_describe_the_comparison_of_waves_only_when_it_ran(one, two_waves):
    from slc_research.casestudies.glance import recorded
    from slc_research.report.methods import methods_for

    ran = [a.key for a in methods_for("tlc_impact", recorded(two_waves))]
    assert ran.index("wave_change") == ran.index("mean_t") + 1
    wave = next(a for a in methods_for("tlc_impact", recorded(two_waves))
                if a.key == "wave_change")
    assert "Welch's t distribution" in wave.ci
    assert "approximate" in wave.ci
    assert "wave_change" not in [a.key for a in methods_for("tlc_impact",
                                                            recorded(one["tlc_impact"]))]
