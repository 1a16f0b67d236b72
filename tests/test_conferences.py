"""Student-led conferences analysis and charts on small crafted tables with known answers."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from slc_research import charts
from slc_research.casestudies.conferences import STUDY
from slc_research.casestudies.conferences import analysis as cf
from slc_research.charts import ChartError
from slc_research.errors import ConfigError
from slc_research.qual.depth import load_rubric

CLASS = "Oak 3A student-led conferences"
SMALL = "Elm 5B student-led conferences"
SHALLOW = "This week in maths we did a quiz."
DEEP = ("Perhaps it was because I rushed; on the other hand the questions were new. Next "
        "time I will check my work.")  # dialogic: weighs two explanations (level 3)


def _pupils(n: int, prefix: str) -> list[str]:
    return [f"P-{prefix}{i:09x}" for i in range(n)]


@pytest.fixture
def tables():
    """Oak: 6 pupils over 2 weeks (autumn 1 and summer 2); Elm: 2 pupils, 1 week."""
    oak, elm = _pupils(6, "a"), _pupils(2, "b")
    members = pd.DataFrame({
        "member_id": oak + elm, "member_type": "pupil",
        "community": [CLASS] * 6 + [SMALL] * 2, "community_kind": "slc_conference",
        "joined": pd.Timestamp("2025-09-01"), "left": pd.NaT})
    members.loc[5, "joined"] = pd.Timestamp("2026-06-01")  # joins late: only week 2
    rows = []
    # week 1 (Mon 8 Sep 2025): pupils 0-3 write one shallow reflection, pupil 0 writes two
    for i in range(4):
        rows.append((oak[i], CLASS, "2025-09-12", SHALLOW))
    rows.append((oak[0], CLASS, "2025-09-10", SHALLOW))
    # week 2 (Mon 6 Jul 2026): all six write, four of them deep
    for i in range(6):
        rows.append((oak[i], CLASS, "2026-07-10", DEEP if i < 4 else SHALLOW))
    rows += [(elm[0], SMALL, "2025-09-12", DEEP)]
    texts = pd.DataFrame(rows, columns=["author_id", "community", "date", "text"])
    texts.insert(0, "text_id", [f"R{i}" for i in range(len(texts))])
    texts["date"] = pd.to_datetime(texts["date"])
    texts["source"] = "reflection"
    texts["author_type"] = "pupil"
    texts["quotable"] = True
    feedback = pd.DataFrame({
        "text_id": [f"F{i}" for i in range(9)], "author_id": pd.NA,
        "community": CLASS, "date": pd.Timestamp("2026-02-10"), "source": "feedback",
        "author_type": ["parent"] * 6 + ["staff"] * 3, "quotable": [True] * 5 + [False] * 4,
        "text": ["Lovely evening.", "Lovely evening.", "[name] was proud.", "Too short.",
                 "More time please.", "Private.", "Good.", "Good.", "Good."]})
    texts = pd.concat([texts, feedback], ignore_index=True)
    communities = pd.DataFrame({"community": [CLASS, SMALL, "StuPed"],
                                "kind": ["slc_conference", "slc_conference", "slc"]})
    pupils = pd.DataFrame({"pupil_id": oak + elm, "year_group": [3] * 6 + [5, 12]})
    return {"texts": texts, "memberships": members, "communities": communities,
            "pupils": pupils}


@pytest.fixture
def refl(tables):
    return cf.reflections(tables["texts"], [CLASS, SMALL], load_rubric())


def test_validate_parameters(tmp_path):
    (tmp_path / "enquiry.toml").write_text("", encoding="utf-8")
    (tmp_path / "mine.toml").write_text("", encoding="utf-8")
    p = STUDY.validate(workspace=tmp_path, community=" Oak ", rubric="mine.toml",
                       target_per_week=2)
    assert (p["community"], p["target_per_week"]) == ("Oak", 2.0)
    assert cf.rubric_file(p["rubric"], p["workspace"]) == (tmp_path / "mine.toml").resolve()
    defaults = STUDY.validate(workspace=str(tmp_path))
    assert defaults["rubric"] is None
    assert cf.rubric_file(defaults["rubric"], defaults["workspace"]) is None
    assert defaults == STUDY.validate(workspace=tmp_path, community="", rubric="",
                                      target_per_week=1)


@pytest.mark.parametrize(("kwargs", "key", "message"), [
    ({"workspace": ""}, "workspace", "enquiry folder"),
    ({"workspace": "/no/such/folder"}, "workspace", "not an enquiry folder"),
    ({"community": 3}, "community", "community name"),
    ({"rubric": 5}, "rubric", "rubric file"),
    ({"target_per_week": 0}, "target_per_week", "above 0"),
    ({"target_per_week": True}, "target_per_week", "above 0"),
    ({"target_per_week": "1"}, "target_per_week", "above 0"),
    ({"target_per_week": float("nan")}, "target_per_week", "above 0"),
    ({"target": 2}, "target", "no parameter 'target': did you mean 'target_per_week'?"),
])
def test_validate_parameters_fails_loudly(tmp_path, kwargs, key, message):
    (tmp_path / "enquiry.toml").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        STUDY.validate(**{"workspace": tmp_path, **kwargs})
    assert info.value.key == key


def test_a_missing_rubric_file_is_named_from_the_enquiry_folder(tmp_path):
    """A relative rubric path starts from the enquiry folder, so it is checked when the study
    runs (the parameter's own check does not see the workspace)."""
    (tmp_path / "enquiry.toml").write_text("", encoding="utf-8")
    p = STUDY.validate(workspace=tmp_path, rubric="missing.toml")
    with pytest.raises(ConfigError, match="no rubric file") as info:
        cf.rubric_file(p["rubric"], p["workspace"])
    assert info.value.key == "rubric"
    assert str((tmp_path / "missing.toml").resolve()) in str(info.value)


def test_classes_labels_and_key_stages(tables):
    assert cf.resolve_classes(tables["communities"]) == [SMALL, CLASS]
    assert cf.resolve_classes(tables["communities"], CLASS) == [CLASS]
    with pytest.raises(ConfigError, match="no community called"):
        cf.resolve_classes(tables["communities"], "Nope")
    assert cf.class_label(CLASS) == "Oak 3A"
    assert cf.class_label("Year 7") == "Year 7"
    stages = cf.key_stage(pd.Series([1, 3, 6, 7, 10, 13, None, 20], dtype="Int8"))
    assert stages.tolist() == ["KS1", "KS2", "KS2", "KS3", "KS4", "KS5", "Not known",
                               "Not known"]


def test_reflections_are_placed_in_weeks_and_half_terms(refl):
    assert len(refl) == 12
    assert set(refl["week"].astype(str)) == {"2025-09-08", "2026-07-06"}
    assert set(refl["half_term"].astype(str)) == {"autumn 1", "summer 2"}
    assert "text" not in refl.columns  # the words stay in the texts table
    assert (refl.groupby("half_term", observed=True)["depth"].max() == 3).all()


def test_pupil_weeks_and_the_target(refl, tables):
    weeks = cf.pupil_weeks(refl, tables["memberships"], [CLASS, SMALL])
    oak = weeks[weeks["community"] == CLASS]
    # week 1: pupils 0-4 on the list (5 joins in June); week 2: all 6
    assert len(oak) == 11
    assert int(oak["met"].sum()) == 4 + 6
    assert oak.loc[oak["member_id"] == _pupils(6, "a")[0], "n_reflections"].tolist() == [2, 1]
    twice = cf.pupil_weeks(refl, tables["memberships"], [CLASS], target_per_week=2)
    assert int(twice["met"].sum()) == 1
    table, overall = cf.target_summary(weeks, threshold=5)
    assert table["Class"].tolist() == ["Elm 5B", "Oak 3A", "All classes"]
    assert table.loc[0, "%"] == "<5"  # Elm has 2 pupils
    # Oak is withheld too: "All classes" minus Oak would give Elm's 1 of 2 away
    assert table.loc[1, "Met target"] == "*"
    assert overall.n == 13
    assert overall.k == 11
    assert float(table.loc[2, "%"]) == pytest.approx(100 * 11 / 13)


def test_weekly_rates_withhold_small_classes(refl, tables):
    weeks = cf.pupil_weeks(refl, tables["memberships"], [CLASS, SMALL])
    rates = cf.weekly_rates(weeks, threshold=5)
    oak = rates[rates["community"] == CLASS].reset_index(drop=True)
    assert oak["rate"].tolist() == pytest.approx([5 / 5, 6 / 6])
    assert oak["share_met"].tolist() == pytest.approx([4 / 5, 1.0])
    assert rates.loc[rates["community"] == SMALL, "rate"].isna().all()


def test_depth_over_time_and_its_change(refl):
    rubric = load_rubric()
    oak = refl[refl["community"] == CLASS]
    withheld = cf.depth_shares(oak, rubric, threshold=5)  # 4 pupils wrote in autumn 1
    assert withheld.loc[withheld["period"] == "autumn 1", "share"].isna().all()
    shares = cf.depth_shares(oak, rubric, threshold=4)
    first = shares[shares["period"] == "autumn 1"].set_index("level")
    assert first.loc[1, "share"] == 1.0
    assert first.loc[1, "n_total"] == 5
    last = shares[shares["period"] == "summer 2"].set_index("level")
    assert last.loc[3, "share"] == pytest.approx(4 / 6)
    assert last.loc[3, "ci_low"] < 4 / 6 < last.loc[3, "ci_high"]
    shown = cf.depth_shares(refl, rubric, threshold=5, display=True)
    assert "Half term" in shown.columns
    assert "n_pupils" not in shown.columns
    means = cf.depth_means(oak, threshold=4)
    assert means["mean"].tolist() == pytest.approx([1.0, (4 * 3 + 2) / 6])
    change = cf.depth_change(oak)
    assert change.estimate == pytest.approx(4 / 6)
    assert change.extra["n1"] == 6
    assert change.extra["n2"] == 5
    assert cf.depth_change(oak[oak["half_term"] == "autumn 1"]) is None


def test_depth_by_class_and_phase(refl, tables):
    by_class = cf.depth_by_group(refl, tables["pupils"], threshold=5, display=False)
    assert by_class["group"].tolist() == ["Elm 5B", "Oak 3A"]
    # Elm has 2 pupils; Oak goes with it, since all reflections together are reported too
    assert by_class["pct_deep"].isna().tolist() == [True, True]
    assert cf.depth_by_group(refl, tables["pupils"], threshold=1, display=False).loc[
        1, "pct_deep"] == pytest.approx(100 * 4 / 11)
    by_phase = cf.depth_by_group(refl, tables["pupils"], by="phase", threshold=1)
    assert by_phase["group"].tolist() == ["KS2"]
    assert by_phase.loc[0, "reflections"] == 12
    with pytest.raises(ConfigError, match="class"):
        cf.depth_by_group(refl, tables["pupils"], by="school", threshold=5)


def test_feedback_counts_and_quotes(tables):
    counts = cf.feedback_counts(tables["texts"], [CLASS], threshold=5)
    assert counts["Who"].tolist() == ["Parents", "Staff"]
    assert counts["Responses"].tolist() == ["*", "<5"]  # 6 at 75% would give the 2 away
    quotes = cf.feedback_quotes(tables["texts"], [CLASS], threshold=5, per_group=5)
    assert quotes["Who"].unique().tolist() == ["A parent"]  # staff: too few replies
    assert sorted(quotes["Comment"]) == ["Lovely evening.", "More time please.", "Too short."]


def test_charts_state_n_and_leave_out_withheld_rows(refl, tables):
    weeks = cf.pupil_weeks(refl, tables["memberships"], [CLASS, SMALL])
    weekly = charts.weekly_rate_chart(cf.weekly_rates(weeks, threshold=5), target=1).to_dict()
    assert "n = 6 pupils" in weekly["title"]["subtitle"]
    assert weekly["layer"][1]["mark"]["type"] == "rule"
    values = next(iter(weekly["datasets"].values()))
    assert {v["class"] for v in values} == {"Oak 3A"}
    rubric = load_rubric()
    share = charts.depth_share_chart(cf.depth_shares(refl, rubric, threshold=1)).to_dict()
    assert "n = 12 reflections" in share["title"]["subtitle"]
    assert share["encoding"]["y"]["title"] == "% of reflections"
    mean = charts.depth_mean_chart(cf.depth_means(refl, threshold=1)).to_dict()
    assert mean["layer"][1]["encoding"]["y"]["scale"]["domain"] == [1, 3]
    group = charts.depth_group_chart(cf.depth_by_group(refl, tables["pupils"], threshold=1,
                                                       display=False)).to_dict()
    assert "n = 7 pupils" in group["title"]["subtitle"]
    fb = charts.feedback_chart(cf.feedback_counts(tables["texts"], [CLASS], threshold=1,
                                                  display=False)).to_dict()
    assert "n = 9 responses" in fb["title"]["subtitle"]
    # with threshold 5 every group is withheld (the small one and the one that would reveal
    # it), so there is nothing to chart: the notebook checks before drawing
    withheld = cf.feedback_counts(tables["texts"], [CLASS], threshold=5, display=False)
    assert withheld["Responses"].isna().all()
    with pytest.raises(ChartError, match="enough"):
        charts.depth_group_chart(cf.depth_by_group(refl, tables["pupils"], threshold=5,
                                                   display=False))


def test_charts_refuse_empty_or_wrong_tables():
    with pytest.raises(ChartError, match="columns"):
        charts.weekly_rate_chart(pd.DataFrame({"x": [1]}))
    # tables published as the study publishes them, in which every group is withheld:
    # 2 pupils in the class's only week, 2 staff responses
    weeks = pd.DataFrame({"community": "A", "week": pd.Timestamp("2025-09-08"),
                          "member_id": ["p1", "p2"], "n_reflections": [1, 0],
                          "met": [True, False]})
    empty = cf.weekly_rates(weeks, threshold=5)
    assert empty["rate"].isna().all()
    with pytest.raises(ChartError, match="enough pupils"):
        charts.weekly_rate_chart(empty)
    staff = pd.DataFrame({"text_id": ["F1", "F2"], "community": CLASS, "source": "feedback",
                          "author_type": "staff"})
    with pytest.raises(ChartError, match="enough"):
        charts.feedback_chart(cf.feedback_counts(staff, [CLASS], threshold=5, display=False))


def test_small_class_cannot_be_worked_out_from_all_classes():
    weeks = pd.DataFrame({
        "community": ["c1"] * 3 + ["c2"] * 8 + ["c3"] * 12,
        "member_id": [f"p{i}" for i in range(23)], "week": 1,
        "met": [True, False, True] + [True] * 8 + [False] * 12})
    table, _ = cf.target_summary(weeks, threshold=5, display=False)
    held = table["Met target"].isna().tolist()
    assert held == [True, True, False, False]  # the smallest class and the next smallest
    assert table["Pupils"].iloc[-1] == 23


def _enquiry(tables, threshold=5):
    """An opened enquiry as the study sees it, from the crafted tables (nothing coded)."""
    from types import SimpleNamespace

    from slc_research.data.schemas import empty_table

    tables = {**tables, "communities": tables["communities"].assign(school="Test School")}
    return SimpleNamespace(title="Test enquiry", suppression_threshold=threshold,
                           codings=empty_table("codings"), codebook=empty_table("codebook"),
                           **tables)


def _run(enq, **params):
    from slc_research.casestudies.conferences.study import run

    return run(enq, {"workspace": ".", "community": "", "rubric": None, "target_per_week": 1.0,
                     **params})


def test_run_gives_every_section_a_finding_that_names_no_small_group(tables):
    result = _run(_enquiry(tables))
    assert [s.key for s in result] == ["scoring", "target", "depth", "outcomes", "by_group",
                                       "feedback", "rubric_check"]
    assert result.records["n_classes"] == 2
    assert result.records["n_pupils"] == 8
    assert all(s.finding for s in result)
    words = " ".join(t for s in result for t in (s.finding, *s.paragraphs))
    assert "Elm" not in words  # both classes are withheld
    assert "Oak" not in words
    assert result["target"].finding.startswith("Across 2 student-led conference classes, "
                                               "pupils met the target")
    assert result["target"].paragraphs == ()  # no class can be shown on its own
    assert result["by_group"].finding.startswith("No class can be reported")
    assert result["by_group"].paragraphs[0].startswith("In KS2, ")
    # 6 parents ("*") and 3 staff ("<5"): no group is named
    assert result["feedback"].finding == ("There were 9 feedback responses; each group who "
                                          "replied is too small to report on its own.")
    assert "not been coded" in result["feedback"].paragraphs[0]
    assert result["rubric_check"].finding.startswith("No reflections in this enquiry")
    assert set(result.all_records) == {
        "title", "community", "school", "n_classes", "n_pupils", "n_reflections", "rubric",
        "pct_weeks_meeting_target", "depth_first_half_term", "depth_last_half_term",
        "depth_change", "feedback_responses", "primary_outcome", "smallest_effect",
        "outcomes_holm"}
    # Oak's weeks have 5 and 6 pupils: its line is drawn; the depth-by-group bars are not
    # (no class can be shown, and KS2's one bar beside nothing compares nothing)
    assert [len(s.charts) for s in result] == [0, 1, 2, 0, 0, 0, 0]


def test_run_says_what_is_missing_when_nothing_was_written(tables):
    texts = tables["texts"]
    enq = _enquiry({**tables, "texts": texts[texts["source"] == "feedback"].iloc[:0]})
    result = _run(enq)
    for key in ("scoring", "target", "depth", "by_group", "feedback"):
        assert result[key].finding.startswith("No "), key
        assert result[key].charts == ()
    assert result.records["n_reflections"] == 0
    assert result["outcomes"].finding.startswith("All the reflections fall in one half term")
    assert set(result.all_records) == {"title", "community", "school", "n_classes",
                                       "n_pupils", "n_reflections", "rubric", "primary_outcome",
                                       "smallest_effect"}
