"""Data health: per-source counts and completeness, loader notes, duplicates, plausibility,
survey response and attrition, report tables and charts (crafted frames, known answers)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from slc_research import Enquiry, charts
from slc_research.casestudies.data_health import STUDY
from slc_research.casestudies.data_health.analysis import (
    academic_year_bounds,
    attrition,
    attrition_table,
    duplicates,
    implausible_values,
    resolve_school,
    respondents_of_school,
    response_rates,
    response_table,
)
from slc_research.casestudies.data_health.study import drop_out_finding, response_finding, run
from slc_research.casestudies.data_health.summary import (
    classify_note,
    classify_notes,
    completeness_by_source,
    completeness_overall,
    health_records,
    health_summary,
    repairs_by_source,
    source_overview,
    source_schools,
    tables_of_sources,
)
from slc_research.charts import ChartError
from slc_research.data.schemas import conform
from slc_research.errors import ConfigError
from slc_research.privacy.suppression import suppress_small
from slc_research.stats import hedges_g, wilson_ci
from slc_research.workspace.cache import CACHE_DIR
from slc_research.workspace.enquiry import SourceHealth

# -- a tiny workspace: two rosters (one pupil in both), a behaviour log with a repeat -------

MANIFEST = """
title = "Health test"
academic_year = "2025-26"
schools = ["North", "South"]

[sources.north_roster]
path = "raw/north.csv"
kind = "pupils"
school = "North"
[sources.north_roster.columns]
"UPN" = "pupil_id"
"Year" = "year_group"
"PP" = "pupil_premium"

[sources.south_roster]
path = "raw/south.csv"
kind = "pupils"
school = "South"
[sources.south_roster.columns]
"UPN" = "pupil_id"
"Year" = "year_group"
"PP" = "pupil_premium"

[sources.behaviour]
path = "raw/behaviour.csv"
kind = "behaviour"
[sources.behaviour.columns]
"UPN" = "pupil_id"
"Date" = "date"
"Type" = "type"
"Points" = "points"

[sources.feedback]
path = "raw/south/feedback.csv"
kind = "texts"
text_source = "feedback"
[sources.feedback.columns]
"Feedback" = "text"
"""
NORTH = ("UPN,Year,PP\n"
         "A100000000001,7,Y\n"
         "A100000000002 ,8,\n"
         "A100000000003,9,N\n")
SOUTH = ("UPN,Year,PP\n"
         "A100000000003,9,N\n"
         "A100000000004,14,N\n")
BEHAVIOUR = ("UPN,Date,Type,Points\n"
             "A100000000001,01/10/2025,Negative,2\n"
             "A100000000001,01/10/2025,Negative,2\n"
             "A100000000004,04/10/2025,Positive,3\n")


@pytest.fixture
def enq(tmp_path: Path) -> Enquiry:
    (tmp_path / "raw").mkdir()
    (tmp_path / "enquiry.toml").write_text(MANIFEST, encoding="utf-8")
    (tmp_path / "raw" / "north.csv").write_text(NORTH, encoding="utf-8")
    (tmp_path / "raw" / "south.csv").write_text(SOUTH, encoding="utf-8")
    (tmp_path / "raw" / "behaviour.csv").write_text(BEHAVIOUR, encoding="utf-8")
    (tmp_path / "raw" / "south").mkdir()
    (tmp_path / "raw" / "south" / "feedback.csv").write_text("Feedback\nA good day\nUseful\n",
                                                             encoding="utf-8")
    return Enquiry.open(tmp_path)


def test_source_tables_reads_back_one_source(enq):
    north = enq.source_tables("north_roster")
    assert len(north["pupils"]) == 3
    assert set(north["pupils"]["school"]) == {"North"}
    with pytest.raises(ConfigError, match="no source 'nope'"):
        enq.source_tables("nope")
    shutil.rmtree(enq.root / CACHE_DIR)
    with pytest.raises(ConfigError, match="open the workspace again"):
        enq.source_tables("north_roster")


def test_overview_counts_rows_and_tells_the_school(enq):
    ov = source_overview(enq)
    assert list(ov["source"]) == ["north_roster", "south_roster", "behaviour", "feedback"]
    assert list(ov["rows_read"]) == [3, 2, 3, 2]
    assert ov["rows_read"].sum() == sum(h.rows_read for h in enq.health)
    assert source_schools(enq)["behaviour"] == ""  # pupils of both schools
    assert source_schools(enq)["feedback"] == "South"  # from the folder in its path
    assert list(source_overview(enq, school="South")["source"]) == ["south_roster", "feedback"]


def test_completeness_per_source_and_overall(enq):
    comp = completeness_by_source(enq)
    north_pp = comp[(comp["source"] == "north_roster") & (comp["column"] == "pupil_premium")]
    assert north_pp["present"].item() == 2
    assert north_pp["present_pct"].item() == pytest.approx(200 / 3)
    gender = comp[(comp["source"] == "south_roster") & (comp["column"] == "gender")]
    assert gender["present_pct"].item() == 0  # not in the file
    overall = completeness_overall(comp)
    pp = overall[(overall["table"] == "pupils") & (overall["column"] == "pupil_premium")]
    assert pp["rows"].item() == 5
    assert pp["present_pct"].item() == pytest.approx(80)


def test_duplicates_across_files_and_exact_rows(enq):
    dups = duplicates(enq.tables).set_index("table")
    assert dups.loc["pupils", "duplicate_keys"] == 1  # the pupil in both rosters
    assert dups.loc["pupils", "exact_duplicates"] == 0  # different schools
    assert dups.loc["behaviour", "exact_duplicates"] == 1
    assert dups.loc["behaviour", "key"] == "every column"
    assert "kept" in dups.loc["behaviour", "loader"]
    south = tables_of_sources(enq, ["south_roster"])
    assert duplicates(south).set_index("table").loc["pupils", "duplicate_keys"] == 0


def test_duplicate_keys_count_blank_later_parts_as_equal():
    codings = conform(pd.DataFrame({"text_id": ["T-1", "T-1", "T-1", None],
                                    "coder": ["A", "A", "B", "A"],
                                    "code": ["voice", "voice", "voice", "voice"],
                                    "start": [None, None, None, None]}), "codings")
    dups = duplicates({"codings": codings}).set_index("table")
    assert dups.loc["codings", "duplicate_keys"] == 1
    assert dups.loc["codings", "exact_duplicates"] == 1


def test_health_summary_still_works(enq):
    text = health_summary(enq)
    assert "north_roster" in text
    assert "Columns with missing values" in text


# -- loader notes -----------------------------------------------------------------------------

@pytest.mark.parametrize(("note", "category", "count"), [
    ("940 values had spaces before or after them, now trimmed (in 'Pupil ID').", "repaired", 940),
    ("1,019 answers differed from the scale's wording only in case or spaces and were read as "
     "that answer.", "repaired", 1019),
    ("3 marks use codes the DfE withdrew (H); read with their old meaning.", "repaired", 3),
    ("1 column not headed like a session ('01/09/2025 AM') ignored: 'Reg Group'.", "repaired", 1),
    ("Date 2: 4 dates written as Excel day numbers (like 45901) were read as dates.",
     "repaired", 4),
    ("The file is not UTF-8; it was read as Windows-1252 (Excel's plain CSV).", "repaired", 1),
    ("2 rows of withdrawn people left out.", "left out", 2),
    ("1 row of withdrawn people left out.", "left out", 1),
    ("5 blank rows left out.", "left out", 5),
    ("7 rows with no text left out.", "left out", 7),
    ("12 sessions with no mark recorded ('-' or blank) left out.", "left out", 12),
    ("3 rows repeating another row exactly left out.", "left out", 3),
    ("The workbook has 2 sheets; the first, 'Staff', was read (not 'Notes').", "warning", None),
    ("Something new the loaders say.", "warning", None),
])
def test_each_kind_of_note_is_classified_with_its_number(note, category, count):
    got_category, what, got_count = classify_note(note)
    assert (got_category, got_count) == (category, count)
    assert what


def test_repairs_per_source_use_the_loaders_row_counts():
    health = [SourceHealth("a", "survey", "a.csv", 10, 2, False,
                           ("40 values had spaces before or after them, now trimmed (in 'X').",
                            "2 rows of withdrawn people left out.")),
              SourceHealth("b", "pupils", "b.csv", 5, 0, False, ())]
    notes = classify_notes(health)
    assert list(notes["category"]) == ["repaired", "left out"]
    overview = pd.DataFrame({"source": ["a", "b"], "kind": ["survey", "pupils"],
                             "rows_left_out": [2, 0]})
    rep = repairs_by_source(notes, overview)
    assert rep.iloc[0].to_dict() == {"source": "a", "kind": "survey", "repaired": 40,
                                     "left_out": 2, "warnings": 0}
    assert rep.iloc[1]["repaired"] == 0


# -- plausibility -----------------------------------------------------------------------------

def test_academic_year_bounds():
    assert academic_year_bounds("2025-26") == (pd.Timestamp(2025, 8, 1), pd.Timestamp(2026, 7, 31))
    assert academic_year_bounds("2025/2026") == academic_year_bounds("2025-26")
    assert academic_year_bounds("1999-00") == (pd.Timestamp(1999, 8, 1), pd.Timestamp(2000, 7, 31))
    assert academic_year_bounds("2025-27") is None
    assert academic_year_bounds("") is None


def _tables() -> dict[str, pd.DataFrame]:
    d = pd.to_datetime
    return {
        "pupils": conform(pd.DataFrame({"pupil_id": ["P-1", "P-2"], "year_group": [7, 14]}),
                          "pupils"),
        "staff": conform(pd.DataFrame({"staff_id": ["S-1", "S-2", "S-3"],
                                       "years_experience": [-1.0, 12.0, 51.0]}), "staff"),
        "attainment": conform(pd.DataFrame({
            "pupil_id": ["P-1"] * 6, "assessment": ["Mock"] * 3 + ["Grades"] * 3,
            "subject": ["Maths"] * 6, "score": [55.0, 150.0, 60.0, 5.0, 9.0, 11.0],
            "date": d(["2025-11-03"] * 6)}), "attainment"),
        "behaviour": conform(pd.DataFrame({"pupil_id": ["P-1"] * 3, "points": [0.0, 2.0, -60.0],
                                           "date": d(["2025-10-01"] * 3)}), "behaviour"),
        "attendance": conform(pd.DataFrame({
            "pupil_id": ["P-1"] * 3, "session": ["AM"] * 3, "code": ["/"] * 3,
            "meaning": ["present"] * 3,
            "date": d(["2025-09-01", "2025-09-06", "2025-09-08"])}), "attendance"),  # 6th: Sat
        "meetings": conform(pd.DataFrame({
            "meeting_id": ["m1", "m2", "m3"],
            "date": d(["2025-09-08", "2025-09-10", "2027-01-05"])}), "meetings"),
    }


def test_each_plausibility_rule_counts_its_rows():
    out = implausible_values(_tables(), academic_year="2025-26", today=dt.date(2026, 11, 1))
    flagged = dict(zip(out["rule"], out["flagged"], strict=True))
    assert flagged["year_group"] == 1
    assert flagged["years_experience"] == 2
    assert flagged["attainment_score"] == 1  # 150 in a % assessment; 11 among grades is not
    assert flagged["behaviour_points"] == 2  # 0 and -60
    assert flagged["attendance_weekend"] == 1
    assert flagged["meeting_outside_term"] == 2  # 10 Sep has no marks; 2027 neither
    assert flagged["meetings_date_outside_year"] == 1
    assert flagged["meetings_date_in_future"] == 1
    assert flagged["attendance_date_outside_year"] == 0
    assert "texts_date_in_future" not in flagged  # no texts table
    assert set(out.columns) == {"rule", "table", "columns", "description", "rows_checked",
                                "flagged"}


def test_dates_are_not_checked_against_a_year_that_is_not_one():
    out = implausible_values(_tables(), academic_year="Pilot year", today=dt.date(2030, 1, 1))
    flagged = dict(zip(out["rule"], out["flagged"], strict=True))
    assert flagged["meetings_date_outside_year"] == 0
    assert flagged["meetings_date_in_future"] == 0


# -- survey response and attrition -----------------------------------------------------------

def _survey(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return conform(pd.DataFrame(rows, columns=["respondent_id", "respondent_type", "instrument",
                                               "wave"]).assign(item="q1", value=3.0),
                   "survey_responses")


PUPILS = conform(pd.DataFrame({
    "pupil_id": [f"P-{i}" for i in range(20)],
    "school": ["North"] * 15 + ["South"] * 5,
    "year_group": [7] * 10 + [8] * 5 + [7] * 5}), "pupils")
STAFF = conform(pd.DataFrame({"staff_id": ["S-1", "S-2", "S-3", "S-4"],
                              "school": ["North"] * 4}), "staff")


def test_response_rate_uses_the_surveyed_year_groups():
    rows = [(f"P-{i}", "pupil", "lq", 1) for i in range(6)]  # North year 7 only
    rows += [("P-99", "pupil", "lq", 1)]  # not on roll
    rows += [("S-1", "staff", "ss", 1), ("A-x-1", "anonymous", "anon", 1)]
    rates = response_rates(_survey(rows), PUPILS, STAFF)
    north = rates[(rates["instrument"] == "lq") & (rates["school"] == "North")].iloc[0]
    assert (north["respondents"], north["on_roll"], north["year_groups"]) == (6, 10, "7")
    expected = wilson_ci(6, 10)
    assert north["rate"] == pytest.approx(expected.estimate)
    assert (north["ci_low"], north["ci_high"]) == pytest.approx((expected.ci_low,
                                                                 expected.ci_high))
    total = rates[(rates["instrument"] == "lq") & (rates["school"] == "All schools")].iloc[0]
    assert total["not_on_roll"] == 1
    staff = rates[rates["instrument"] == "ss"].iloc[0]
    assert (staff["respondents"], staff["on_roll"]) == (1, 4)
    anon = rates[rates["instrument"] == "anon"].iloc[0]
    assert anon["respondents"] == 1
    assert pd.isna(anon["rate"])
    one = response_rates(_survey(rows), PUPILS, STAFF, school="North")
    assert set(one["school"]) == {"North"}  # anonymous answers cannot be placed


def test_a_respondent_with_no_year_group_still_counts_on_roll():
    pupils = PUPILS.copy()
    pupils.loc[0, "year_group"] = pd.NA
    rows = [(f"P-{i}", "pupil", "lq", 1) for i in range(6)]
    north = response_rates(_survey(rows), pupils, STAFF).iloc[0]
    assert (north["respondents"], north["on_roll"]) == (6, 10)



def test_a_roster_with_no_school_column_still_gives_response_rates():
    # one school's MIS export has no school column: its pupils are on roll all the same
    pupils = PUPILS.assign(school=pd.Series(pd.NA, index=PUPILS.index, dtype="string"))
    rows = [(f"P-{i}", "pupil", "lq", 1) for i in range(8)] + [("P-99", "pupil", "lq", 1)]
    rates = response_rates(_survey(rows), pupils, STAFF)
    assert rates["school"].tolist() == ["All schools"]
    total = rates.iloc[0]
    assert (total["respondents"], total["on_roll"], total["not_on_roll"]) == (8, 15, 1)
    assert total["year_groups"] == "7"
    assert total["rate"] == pytest.approx(wilson_ci(8, 15).estimate)
    # beside a named school, those with none recorded have a row of their own
    mixed = PUPILS.copy()
    mixed.loc[15:, "school"] = pd.NA
    rows = [(f"P-{i}", "pupil", "lq", 1) for i in (0, 1, 2, 15, 16)]
    got = response_rates(_survey(rows), mixed, STAFF).set_index("school")
    assert got.loc["North", ["respondents", "on_roll"]].tolist() == [3, 10]
    assert got.loc["School not recorded", ["respondents", "on_roll"]].tolist() == [2, 5]
    assert got.loc["All schools", ["respondents", "on_roll", "not_on_roll"]].tolist() == [5, 15, 0]

def test_response_table_withholds_small_groups():
    rows = [(f"P-{i}", "pupil", "lq", 1) for i in range(3)]
    shown = response_table(response_rates(_survey(rows), PUPILS, STAFF), threshold=5)
    assert set(shown["Response %"]) == {"<5"}
    assert set(shown["Answered"]) == {"<5"}
    hidden = response_table(response_rates(_survey(rows), PUPILS, STAFF), threshold=5,
                            display=False)
    assert hidden["rate"].isna().all()


def test_attrition_counts_leavers_and_compares_their_first_scores():
    first = [f"P-{i}" for i in range(12)]
    rows = [(p, "pupil", "lq", 1) for p in first]
    rows += [(p, "pupil", "lq", 2) for p in first[4:]] + [("P-15", "pupil", "lq", 2)]
    scores = pd.DataFrame({"respondent_id": first, "instrument": "lq", "wave": 1,
                           "scale": "eng", "score": [1.0, 2.0, 1.5, 2.5] + [3.0, 4.0] * 4})
    out = attrition(_survey(rows), scores)
    row = out.iloc[0]
    assert (row["answered_first"], row["left"], row["joined"]) == (12, 4, 1)
    assert row["left_pct"] == pytest.approx(100 * 4 / 12)
    assert row["left_ci_low"] == pytest.approx(100 * wilson_ci(4, 12).ci_low)
    g = hedges_g([1.0, 2.0, 1.5, 2.5], [3.0, 4.0] * 4)
    assert row["g"] == pytest.approx(g.estimate)
    assert row["g"] < 0
    assert (row["n_left"], row["n_stayed"]) == (4, 8)
    assert (row["mean_left"], row["mean_stayed"]) == pytest.approx((1.75, 3.5))
    shown = attrition_table(out, threshold=5)
    assert shown["Did not answer next"].iloc[0] == "<5"
    assert shown["Hedges' g (leavers v stayers)"].iloc[0] == "<5"
    # 4 leavers: the stayers' mean goes too, else the first wave's mean would reveal theirs
    assert shown["Stayers with a score"].iloc[0] == "*"
    assert shown["Stayers' mean (first wave)"].iloc[0] == "*"
    assert list(attrition_table(out, threshold=3, part="drop_out").columns) == [
        "Questionnaire", "From wave", "To wave", "Answered first wave", "Did not answer next",
        "Answered next only", "% not answering next", "95% CI low", "95% CI high"]
    scores_shown = attrition_table(out, threshold=3, part="scores", display=False)
    assert scores_shown["g"].iloc[0] == pytest.approx(g.estimate)
    assert scores_shown["mean_left"].iloc[0] == pytest.approx(1.75)
    with pytest.raises(ConfigError, match="part must be"):
        attrition_table(out, threshold=3, part="some")


def test_attrition_without_scales_and_without_a_second_wave():
    rows = [(f"P-{i}", "pupil", "lq", w) for i in range(6) for w in (1, 2)]
    rows += [("P-1", "pupil", "once", 1)]
    out = attrition(_survey(rows))
    assert list(out["instrument"]) == ["lq"]
    assert out["left"].iloc[0] == 0
    assert out["scale"].iloc[0] == ""


def test_respondents_of_school_keeps_that_schools_people():
    rows = [("P-0", "pupil", "lq", 1), ("P-16", "pupil", "lq", 1), ("S-1", "staff", "ss", 1)]
    kept = respondents_of_school(_survey(rows), PUPILS, STAFF, "South")
    assert set(kept["respondent_id"]) == {"P-16"}
    assert len(respondents_of_school(_survey(rows), PUPILS, STAFF, "")) == 3


def test_health_records_hold_the_headlines():
    rows = [(f"P-{i}", "pupil", "lq", 1) for i in range(20)]
    rows += [(f"P-{i}", "pupil", "lq", 2) for i in range(14)]
    survey = _survey(rows)
    rates = response_rates(survey, PUPILS, STAFF)
    health = [SourceHealth("a", "survey", "a.csv", 18, 1, False,
                           ("3 values had spaces before or after them, now trimmed (in 'X').",))]
    overview = pd.DataFrame({"source": ["a"], "kind": ["survey"], "rows_read": [18],
                             "rows_left_out": [1]})
    rec = health_records(overview=overview, notes=classify_notes(health), rates=rates,
                         attrition=attrition(survey), implausible=implausible_values(_tables()),
                         duplicate_rows=duplicates(_tables()), threshold=5)
    assert (rec["n_sources"], rec["rows_read"], rec["rows_left_out"], rec["n_repairs"]) == (
        1, 18, 1, 3)
    assert rec["response_rate"]["lq wave 1"]["estimate"] == pytest.approx(1.0)
    assert rec["response_rate"]["lq wave 2"]["n"] == 15  # no South pupil answered wave 2
    assert rec["attrition_pct"]["lq wave 1 to 2"] == pytest.approx(30)
    assert rec["attrition_g"] == {}  # no scale scores given
    assert rec["n_out_of_range"]["year_group"] == 1
    assert rec["n_duplicates"]["pupils"] == 0


# -- parameters -------------------------------------------------------------------------------

def test_validate_parameters(tmp_path):
    (tmp_path / "enquiry.toml").write_text('title = "x"\n', encoding="utf-8")
    params = STUDY.validate(workspace=str(tmp_path), school=" North ")
    assert params["school"] == "North"
    assert params["workspace"] == tmp_path.resolve()
    assert STUDY.validate(workspace=tmp_path, school=None)["school"] == ""
    assert STUDY.validate(workspace=tmp_path) == {"workspace": tmp_path.resolve(), "school": ""}
    with pytest.raises(ConfigError, match="path of an enquiry folder"):
        STUDY.validate(workspace="  ")
    with pytest.raises(ConfigError, match="does not exist"):
        STUDY.validate(workspace=tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="has no enquiry.toml"):
        STUDY.validate(workspace=tmp_path / "empty")
    with pytest.raises(ConfigError, match="school's name in quotes") as info:
        STUDY.validate(workspace=tmp_path, school=3)
    assert info.value.key == "school"
    with pytest.raises(ConfigError, match="no parameter 'schol': did you mean 'school'?"):
        STUDY.validate(workspace=tmp_path, schol="North")


# -- the result ---------------------------------------------------------------------------------

def test_run_gives_a_section_per_notebook_section_with_findings_from_the_numbers(enq):
    result = run(enq, STUDY.validate(workspace=enq.root))
    assert [s.key for s in result] == ["sources", "completeness", "duplicates", "response",
                                       "drop_out", "plausibility", "repairs", "about_data"]
    assert result.title == "Health test: data health (all schools)"
    assert dict(result.records) == {"title": result.title, "school": "all"}
    assert result["sources"].finding.startswith("The 4 sources held 10 rows")
    assert result["duplicates"].finding.startswith(
        "The pupils table has 1 row repeating its key (pupil_id) and the behaviour table has 1 "
        "row repeated exactly")
    assert result["duplicates"].finding.endswith("; the other table repeats no row and no key.")
    assert result["plausibility"].finding.startswith("1 of the ")
    assert "year group outside 1-13 (pupils: 1 row)" in result["plausibility"].finding
    assert result["response"].finding == "There are no questionnaire answers for all schools."
    assert not result["response"].tables
    assert not result["drop_out"].tables
    assert "How to read this" not in result["sources"].note  # the note is its body only
    assert all(s.note for s in result if s.key != "about_data")
    # counts of rows in files are shown in full, even 1 (they are not people in groups)
    dups = result["duplicates"].tables[0].frame
    assert dups.loc[dups["table"] == "pupils", "duplicate_keys"].tolist() == [1]
    assert len(result["completeness"].charts) == len(result["repairs"].charts) == 1
    # the records the notebook used to record at its end, now on their sections
    overview = source_overview(enq)
    notes = classify_notes(enq.health)
    survey = enq.survey_responses
    expected = health_records(
        overview=overview, notes=notes, rates=response_rates(survey, enq.pupils, enq.staff),
        attrition=attrition(survey, enq.scale_scores()), duplicate_rows=duplicates(enq.tables),
        implausible=implausible_values(enq.tables, academic_year=enq.academic_year),
        threshold=enq.suppression_threshold)
    assert result.all_records == {**result.records, **expected}


def test_run_for_one_school_and_a_school_that_is_not_one(enq):
    result = run(enq, {"school": "south"})
    assert result.records["school"] == "South"
    assert result["sources"].records["n_sources"] == 2
    assert "pupils" not in result["duplicates"].finding  # one roster: no pupil twice
    with pytest.raises(ConfigError, match="no school 'East'"):
        run(enq, {"school": "East"})


def test_findings_withhold_small_groups():
    rows = [(f"P-{i}", "pupil", "lq", 1) for i in range(12)]
    rows += [(f"P-{i}", "pupil", "lq", 2) for i in range(4, 12)]
    survey = _survey(rows)
    out = attrition(survey)
    shown = attrition_table(out, threshold=5, display=False)
    text = drop_out_finding(shown, 5)
    assert "withheld" in text
    assert "4" not in text.replace("fewer than 5", "")
    linked = response_table(response_rates(survey[survey["wave"] == 2], PUPILS, STAFF),
                            threshold=10, display=False)
    assert "withheld" in response_finding(linked, 10)


def test_resolve_school():
    assert resolve_school(("North", "South"), "north") == "North"
    assert resolve_school(("North",), "") == ""
    with pytest.raises(ConfigError, match="no school 'East'.*North, South"):
        resolve_school(("North", "South"), "East")


# -- charts -----------------------------------------------------------------------------------

def test_completeness_heatmap_chart():
    comp = pd.DataFrame({"source": ["castle_roster", "castle_roster", "b"],
                         "table": ["pupils", "pupils", "staff"],
                         "column": ["pupil_id", "sen", "role"], "rows": [10, 10, 4],
                         "present_pct": [100.0, 40.0, 75.0]})
    spec = charts.completeness_heatmap_chart(comp).to_dict()
    assert spec["mark"]["type"] == "rect"
    # the manifest's keys and the canonical columns in words, as a head teacher reads them
    assert spec["encoding"]["y"]["sort"] == ["castle roster", "b"]
    assert spec["encoding"]["x"]["sort"] == ["pupils: pupil id", "pupils: sen", "staff: role"]
    assert "n = 2 sources, 14 rows" in spec["title"]["subtitle"]
    assert spec["encoding"]["x"]["title"] == "Table and column"
    assert spec["encoding"]["color"]["scale"]["domain"] == [0, 100]
    with pytest.raises(ChartError, match="missing"):
        charts.completeness_heatmap_chart(comp.drop(columns="rows"))
    with pytest.raises(ChartError, match="no source has rows"):
        charts.completeness_heatmap_chart(comp.iloc[:0])


def test_response_rate_chart():
    raw = pd.DataFrame({"instrument": ["lq", "lq"], "wave": [1, 2], "respondent_type": "pupil",
                        "school": ["All schools"] * 2, "respondents": [80, 60],
                        "on_roll": [100, 100], "rate": [0.8, 0.6], "ci_low": [0.71, 0.5],
                        "ci_high": [0.87, 0.69]})
    rates = response_table(raw, threshold=5, display=False)  # as the study charts it
    spec = charts.response_rate_chart(rates).to_dict()
    assert "n = 60 to 80 respondents" in spec["title"]["subtitle"]
    bars = spec["layer"][0]
    assert bars["encoding"]["x"]["scale"]["domain"] == [0, 100]
    values = next(iter(spec["datasets"].values()))
    assert [v["rate"] for v in values] == pytest.approx([80, 60])
    with pytest.raises(ChartError, match="no response rate"):
        charts.response_rate_chart(response_table(raw.assign(rate=float("nan")), threshold=5,
                                                  display=False))


def test_attrition_chart():
    att = pd.DataFrame({"instrument": ["lq", "lq"], "from_wave": [1, 1], "to_wave": [2, 2],
                        "answered_first": [100, 100], "left": [20, 20], "left_pct": [20.0] * 2,
                        "left_ci_low": [13.0] * 2, "left_ci_high": [29.0] * 2,
                        "scale": ["a", "b"]})
    att = suppress_small(att, count_cols={"answered_first": [], "left": []}, threshold=5,
                         partition_by=None)  # the display boundary: nothing small here
    spec = charts.attrition_chart(att).to_dict()
    assert spec["title"]["subtitle"] == "n = 100 first-wave respondents"
    values = next(iter(spec["datasets"].values()))
    assert len(values) == 1
    assert values[0]["label"] == "lq: wave 1 to 2 (n = 100)"
    with pytest.raises(ChartError, match="no attrition"):
        charts.attrition_chart(att.assign(left_pct=float("nan")))


def test_repairs_chart_shows_the_top_sources():
    rep = pd.DataFrame({"source": [f"s{i}" for i in range(25)], "repaired": list(range(25)),
                        "left_out": [1] * 25})
    spec = charts.repairs_chart(rep, top=20).to_dict()
    assert "n = 20 of 25 sources" in spec["title"]["subtitle"]
    assert spec["encoding"]["y"]["sort"][0] == "s24"
    assert spec["encoding"]["x"]["stack"] == "zero"
    with pytest.raises(ChartError, match="top must be"):
        charts.repairs_chart(rep, top=0)
    with pytest.raises(ChartError, match="repaired nothing"):
        charts.repairs_chart(rep.assign(repaired=0, left_out=0))


def test_exact_repeats_are_found_among_rows_without_an_id_too():
    codings = conform(pd.DataFrame({"text_id": [None, None, "T-1", "T-1", "T-2"],
                                    "coder": ["A", "A", "A", "A", "A"],
                                    "code": ["voice", "voice", "voice", "talk", "voice"]}),
                      "codings")
    dups = duplicates({"codings": codings}).set_index("table")
    # pandas' own count over every column is the reference
    assert dups.loc["codings", "exact_duplicates"] == int(codings.duplicated().sum()) == 1
    assert dups.loc["codings", "duplicate_keys"] == 0  # T-1 is coded twice, differently


def test_response_table_all_schools_cannot_give_a_small_school_away():
    rows = [(f"P-{i}", "pupil", "lq", 1) for i in range(8)]  # North, years 7 and 8
    rows += [(f"P-{i}", "pupil", "lq", 1) for i in (15, 16)]  # South: 2 respondents
    rates = response_rates(_survey(rows), PUPILS, STAFF)
    hidden = response_table(rates, threshold=5, display=False).set_index("school")
    assert pd.isna(hidden.loc["South", "respondents"])  # 2: primary
    # "All schools" (10) minus North (8) would give South's 2: North is withheld too
    assert pd.isna(hidden.loc["North", "respondents"])
    assert pd.isna(hidden.loc["North", "rate"])
    assert hidden.loc["All schools", "respondents"] == 10
    shown = response_table(rates, threshold=5).set_index("School")
    assert shown.loc["North", "Answered"] == "*"
