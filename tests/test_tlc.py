"""The TLC analysis functions and charts on small crafted tables with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from slc_research import charts
from slc_research.casestudies.tlc import STUDY, action_plans
from slc_research.casestudies.tlc import impact as tlc
from slc_research.errors import ConfigError
from slc_research.privacy.suppression import suppress_small


def _staff():
    return pd.DataFrame({
        "staff_id": [f"S-{i:010x}" for i in range(10)],
        "school": ["A"] * 8 + ["B"] * 2,
        "department": ["Maths", "Maths", "English", "English", "Science", "Science", "Art",
                       "Learning Support", "Maths", "Art"],
        "role": ["Headteacher", "Head of Department", "Classroom Teacher", "ECT",
                 "Classroom Teacher", "Second in Department", "Classroom Teacher",
                 "Teaching Assistant", "Classroom Teacher", "NQT"],
        "years_experience": [25.0, 12, 4, 0, 8, 15, 2, 6, 30, 1],
    })


def _memberships():
    ids = [f"S-{i:010x}" for i in (0, 2, 3, 7)]
    return pd.DataFrame({
        "member_id": ids + [f"S-{1:010x}"],
        "member_type": ["staff"] * 5,
        "community": ["A TLC"] * 5, "community_kind": ["tlc"] * 5, "school": ["A"] * 5,
        "role": ["Facilitator", "Member", "Member", "Member", "Member"],
        "joined": pd.to_datetime(["2024-09-05", "2025-09-05", "2025-09-05", "2025-09-05",
                                  "2024-09-05"]),
        "left": pd.to_datetime([None, None, None, None, "2025-03-01"]),
    })


def test_role_and_experience_bands():
    s = _staff()
    assert list(tlc.role_band(s["role"]))[:4] == ["Senior leaders", "Middle leaders",
                                                  "Classroom teachers", "Early career (ECT/NQT)"]
    assert tlc.role_band(pd.Series(["Teaching Assistant", "Bursar"])).tolist() == [
        "Not teaching staff", "Other roles"]
    assert tlc.experience_band(pd.Series([0, 2, 3, 5, 6, 10, 11, 20, 21])).tolist() == [
        "0-2 years", "0-2 years", "3-5 years", "3-5 years", "6-10 years", "6-10 years",
        "11-20 years", "11-20 years", "21+ years"]


def test_teaching_staff_leaves_out_teaching_assistants():
    t = tlc.teaching_staff(_staff(), ["A"])
    assert len(t) == 7
    assert "Teaching Assistant" not in set(t["role"])


def test_membership_breadth_counts_members_and_teaching_staff():
    b = tlc.membership_breadth(_staff(), _memberships(), ["A TLC"], schools=["A"],
                               year="2025-26")
    roles = b.loc[b["characteristic"] == "Role"].set_index("level")
    assert roles.loc["Senior leaders", "n_members"] == 1
    assert roles.loc["Not teaching staff", "n_members"] == 1  # the TA member shows as such
    assert roles.loc["Not teaching staff", "n_teaching"] == 0
    assert b["members_total"].iloc[0] == 4
    assert b["teaching_total"].iloc[0] == 7
    dept = b.loc[b["characteristic"] == "Department"]
    assert dept["pct_teaching"].sum() == pytest.approx(100)


def test_breadth_tests_one_row_per_characteristic():
    t = tlc.breadth_tests(_staff(), _memberships(), ["A TLC"], schools=["A"])
    # the Monte Carlo Fisher test of slc_research.stats fails on some tiny tables (TypeError):
    # those characteristics are left out rather than crashing the report
    assert set(t["characteristic"]) <= {"Department", "Role", "Experience"}
    assert list(t.columns) == ["characteristic", "test", "statistic", "df", "p", "cramers_v", "n"]
    assert t["p"].between(0, 1).all()


def test_teaching_share_by_year_counts_overlapping_memberships():
    s = tlc.teaching_share_by_year(_staff(), _memberships(), ["A TLC"], schools=["A"])
    assert list(s["year"]) == ["2024-25", "2025-26"]
    # 2024-25: staff 0 and 1; 2025-26: staff 0, 2, 3 (7 is a TA; 1 left in March 2025)
    assert list(s["k"]) == [2, 3]
    assert list(s["n"]) == [7, 7]
    assert s["ci_low"].iloc[1] < 3 / 7 < s["ci_high"].iloc[1]
    g = tlc.share_growth(s)
    assert g["difference"].iloc[0] == pytest.approx(100 / 7)
    assert tlc.share_growth(s.iloc[:1]).empty  # one year: no growth to show


def test_half_term_number_follows_the_attendance_rule():
    d = pd.Series(pd.to_datetime(["2025-09-15", "2025-11-17", "2026-01-19", "2026-03-09",
                                  "2026-04-27", "2026-06-15"]))
    assert tlc.half_term_number(d).tolist() == [1, 2, 3, 4, 5, 6]


def _meetings():
    return pd.DataFrame({"meeting_id": ["M1", "M2", "M3"], "community": ["A TLC"] * 3,
                         "date": pd.to_datetime(["2025-09-15", "2025-11-17", "2026-01-19"])})


def test_meeting_attendance_by_half_term():
    att = pd.DataFrame({"meeting_id": ["M1"] * 4 + ["M2"] * 4,
                        "member_id": ["a", "b", "c", "d"] * 2,
                        "attended": [True, True, True, False, True, False, False, False]})
    out = tlc.meeting_attendance_by_half_term(_meetings(), att, ["A TLC"])
    assert out["pct"].tolist() == [75.0, 25.0]
    assert (out["ci_low"] < out["pct"]).all()
    assert (out["pct"] < out["ci_high"]).all()


def _plans():
    return pd.DataFrame({
        "plan_id": list("abcdefg"), "member_id": list("xyzxyzx"), "community": ["A TLC"] * 7,
        "meeting_id": ["M1"] * 3 + ["M2"] * 3 + ["M3"],
        "date": pd.to_datetime(["2025-09-15"] * 3 + ["2025-11-17"] * 3 + ["2026-01-19"]),
        "strategy": ["dual coding", "Dual coding", "quizzes", "quizzes", "dual coding",
                     "quizzes", "quizzes"],
        "plan": ["p"] * 7,
        "status": ["tried", "partly", "not_tried", "tried", "not_reported", "tried",
                   "not_reported"],
        "report": ["Pupils remembered more.", "Half worked.", None, "Good.", None,
                   "Call S-0123456789 later", None],
    })


def test_action_plan_cycle_and_plans_tried():
    c = action_plans.action_plan_cycle(_plans(), _meetings(), ["A TLC"]).set_index("half_term")
    assert c.loc["All", "n_plans"] == 7
    assert c.loc["All", "n_due"] == 6  # the plan of the last meeting is not due yet
    assert c.loc["All", "n_reported"] == 5
    assert c.loc["1", "pct_tried"] == pytest.approx(100 / 3)
    p = action_plans.plans_tried(_plans(), _meetings(), ["A TLC"])
    assert (p.k, p.n) == (4, 5)
    assert action_plans.plans_tried(_plans().iloc[:0], _meetings(), ["A TLC"]) is None


def test_strategies_tried_merges_spellings():
    s = action_plans.strategies_tried(_plans(), _meetings(), ["A TLC"], top=1)
    assert s["strategy"].tolist() == ["quizzes"]
    assert s["n_plans"].iloc[0] == 4
    assert s["n_tried"].iloc[0] == 2
    assert s["pct_tried"].iloc[0] == pytest.approx(200 / 3)


def test_learning_quotes_attribute_only_the_tlc_and_drop_ids():
    q = action_plans.learning_quotes(_plans(), ["A TLC"], k=5)
    assert len(q) == 2
    assert all(x.endswith("a member of A TLC") for x in q)
    assert not any("S-0123456789" in x for x in q)


def test_publish_withholds_small_groups():
    b = tlc.membership_breadth(_staff(), _memberships(), ["A TLC"], schools=["A"])
    shown = tlc.publish(b, "breadth", threshold=5)
    assert "Members" in shown.columns
    assert shown["Members"].isin(["<5", 0]).all()
    hidden = tlc.publish(b, "breadth", threshold=5, display=False)
    assert hidden["pct_members"].isna().sum() == (hidden["n_members"].isna()).sum() > 0
    with pytest.raises(ConfigError, match="unknown table kind"):
        tlc.publish(b, "nope", threshold=5)


def test_publish_secondary_suppression():
    att = pd.DataFrame({"community": ["A TLC", "B TLC", "C TLC", "All TLCs"],
                        "half_term": [1, 1, 1, 1], "n_meetings": [1, 1, 1, 3],
                        "n": [3, 9, 12, 24], "n_present": [3, 8, 10, 21]})
    att = tlc.with_wilson(att, "n_present", "n", "pct")
    out = tlc.publish(att, "attendance", threshold=5, display=False)
    # A TLC (3 places) is withheld, and B (the next smallest) with it: else 24 - 9 - 12 = 3
    assert out["n"].isna().tolist() == [True, True, False, False]
    assert out["pct"].isna().tolist() == [True, True, False, False]
    breadth = pd.DataFrame({"characteristic": ["Role"] * 2, "level": ["Teacher", "Leader"],
                            "n_members": [10, 6], "pct_members": [62.5, 37.5],
                            "n_teaching": [40, 8], "pct_teaching": [83.3, 16.7],
                            "members_total": 16, "teaching_total": 48})
    shown = tlc.publish(breadth, "breadth", threshold=5)
    # only 2 leaders are not in a TLC (8 - 6): the 6 is withheld, then the 10 beside it
    assert shown["Members"].tolist() == ["*", "*"]
    assert shown["Teaching staff"].tolist() == [40, 8]


def test_resolve_scope():
    comm = pd.DataFrame({"community": ["A TLC", "B TLC", "A SLC"], "kind": ["tlc", "tlc", "slc"],
                         "school": ["A", "B", "A"]})
    assert tlc.resolve_scope(comm) == (["A TLC", "B TLC"], ["A", "B"])
    assert tlc.resolve_scope(comm, school="B") == (["B TLC"], ["B"])
    assert tlc.resolve_scope(comm, community="A TLC") == (["A TLC"], ["A"])


def test_validate_parameters_names_the_bad_one(demo_workspace):
    with pytest.raises(ConfigError, match="workspace"):
        STUDY.validate(workspace="/no/such/folder")
    with pytest.raises(ConfigError, match="key 'community'.*a name in quotes"):
        STUDY.validate(workspace=demo_workspace, community=3)
    with pytest.raises(ConfigError, match="no parameter 'scales': did you mean 'scale'"):
        STUDY.validate(workspace=demo_workspace, scales=["tlc_impact"])
    p = STUDY.validate(workspace=demo_workspace, school=" Riverside School ")
    assert p["school"] == "Riverside School"
    assert p["scale"] == "tlc_impact"
    assert STUDY.validate(workspace=demo_workspace, school=None)["school"] == ""


def test_names_the_enquiry_lacks_fail_when_the_study_runs(demo_workspace):
    """School, TLC and scale are checked against the opened enquiry before any analysis."""
    with pytest.raises(ConfigError, match="school.*did you mean 'Riverside School'"):
        STUDY.run_notebook(workspace=demo_workspace, school="Riverside Schol")
    with pytest.raises(ConfigError, match="scale.*tlc_impact"):
        STUDY.run_notebook(workspace=demo_workspace, scale="tlc_impakt")
    with pytest.raises(ConfigError, match="community.*did you mean"):
        STUDY.run_notebook(workspace=demo_workspace, community="Riverside TLC: Asessment")
    with pytest.raises(ConfigError, match="key 'community'.*belongs to 'Riverside School'"):
        STUDY.run_notebook(workspace=demo_workspace, school="Northfield Academy",
                           community="Riverside TLC: Assessment")


def test_check_scope_needs_a_tlc():
    comm = pd.DataFrame({"community": ["A SLC"], "kind": ["slc"], "school": ["A"]})
    with pytest.raises(ConfigError, match="this enquiry has no TLC"):
        tlc.check_scope(comm, schools=["A"], scales=["tlc_impact"])
    both = pd.concat([comm, pd.DataFrame({"community": ["A TLC"], "kind": ["tlc"],
                                          "school": ["A"]})])
    assert tlc.check_scope(both, schools=["A"], scales=["tlc_impact"], school="A") is None


def test_charts_have_titles_with_n():
    # The chart data is published as the study publishes it (tlc.publish, display=False),
    # with threshold 1, which withholds nothing: the crafted tables are tiny (5 members,
    # 7 plans), so the usual 5 would withhold every bar. This test is about the titles;
    # suppression of these tables is tested above (test_publish_*).
    b = tlc.membership_breadth(_staff(), _memberships(), ["A TLC"], schools=["A"])
    spec = charts.breadth_chart(tlc.publish(b, "breadth", threshold=1, display=False)).to_dict()
    assert "n = 5" in spec["title"]["subtitle"]
    s = tlc.teaching_share_by_year(_staff(), _memberships(), ["A TLC"])
    spec = charts.teaching_share_chart(tlc.publish(s, "share", threshold=1,
                                                   display=False)).to_dict()
    assert "n = 9" in spec["title"]["subtitle"]
    # the funnel as the study builds it: stages of one set of plans, each its own count
    f = suppress_small(pd.DataFrame({"stage": ["Plans made", "Tried"], "n": [10, 6]}),
                       count_cols="n", threshold=5, partition_by=None)
    spec = charts.action_cycle_chart(f).to_dict()
    assert spec["encoding"]["x"]["title"] == "Number of action plans"
    st = action_plans.strategies_tried(_plans(), _meetings(), ["A TLC"])
    st = tlc.publish(st, "strategies", threshold=1, display=False)
    assert "n = 7" in charts.strategies_chart(st).to_dict()["title"]["subtitle"]


def test_chart_refuses_missing_columns():
    with pytest.raises(charts.ChartError, match="missing"):
        charts.teaching_share_chart(pd.DataFrame({"year": ["2025-26"]}))
    # an empty attendance table, published as the study publishes it, reaches the check
    empty = pd.DataFrame({"community": [], "half_term": [], "n_meetings": [], "n": [],
                          "n_present": [], "pct": [], "ci_low": [], "ci_high": []})
    with pytest.raises(charts.ChartError, match="no attendance"):
        charts.half_term_attendance_chart(tlc.publish(empty, "attendance", threshold=5,
                                                      display=False))


def _survey_comments():
    """12 coded staff comments: "New strategies" on 7, "Time pressure" on 4, "Collaboration"
    on 1; two coders, as the canonical ``texts``, ``codings`` and ``codebook`` tables."""
    words = (["I tried retrieval quizzes and kept them."] * 7 + ["Time is the issue."] * 4
             + ["Good to hear from colleagues in other departments."])
    texts = pd.DataFrame({"text_id": [f"C-{i}" for i in range(12)], "source": "open_answer",
                          "text": words, "author_id": pd.NA, "author_type": "staff",
                          "community": pd.NA, "date": pd.Timestamp("2026-07-10"),
                          "quotable": True})
    codes = ["New strategies"] * 7 + ["Time pressure"] * 4 + ["Collaboration"]
    codings = pd.DataFrame({"text_id": texts["text_id"], "coder": "A", "code": codes,
                            "start": pd.array([None] * 12, dtype="Int64"),
                            "end": pd.array([None] * 12, dtype="Int64")})
    codebook = pd.DataFrame({"code": ["Professional learning", "New strategies",
                                      "Time pressure", "Collaboration"],
                             "description": ["Teachers learning together", "Trying a strategy",
                                             "Workload", "Working with colleagues"],
                             "parent": [None, "Professional learning", "Professional learning",
                                        "Professional learning"]})
    return texts, codings, codebook


def test_item11_tlc_theme_counts_suppressed():
    """Issue 16 item 11: comment-theme counts of 1-4 (and their % of the coded comments, which
    gives the count back) are withheld, drawn as no bar, and quoted nowhere; the display
    boundary refuses the unsuppressed table."""
    from slc_research.casestudies.tlc import staff_survey
    from slc_research.errors import PrivacyError
    from slc_research.report.display import format_table

    themes, quotes = staff_survey.comment_themes(*_survey_comments(), top=5)
    assert themes.set_index("code")["n_texts"].to_dict() == {
        "New strategies": 7, "Time pressure": 4, "Collaboration": 1}
    assert set(quotes["code"]) == {"New strategies", "Time pressure", "Collaboration"}
    shown, chart_data, quoted = staff_survey.published_themes(themes, quotes, threshold=5)
    by_code = shown.set_index("code")
    assert by_code.loc["New strategies", "n_texts"] == 7
    assert by_code.loc["New strategies", "pct_texts"] == pytest.approx(100 * 7 / 12)
    for small in ("Time pressure", "Collaboration"):
        assert by_code.loc[small, "n_texts"] == "<5"
        assert by_code.loc[small, "pct_texts"] == "<5"  # 33% of 12 would give 4 back
    assert (by_code["n_coded_texts"] == 12).all()
    assert chart_data.set_index("code")["n_texts"].isna().to_dict() == {
        "New strategies": False, "Time pressure": True, "Collaboration": True}
    assert quoted["code"].tolist() == ["New strategies"]
    # through the display boundary: the published table passes, the raw one is refused
    cells = format_table(shown)
    assert "4" not in cells["n_texts"].tolist()
    with pytest.raises(PrivacyError):
        format_table(themes)
    spec = charts.themes_chart(chart_data).to_dict()
    bars = spec["datasets"][spec["data"]["name"]] if "data" in spec else []
    assert [b["code"] for b in bars if b.get("pct_texts") is not None] == ["New strategies"]


def test_item11_tlc_report_has_no_months_progress(demo_enquiry):
    """Staff survey scales are not attainment: the TLC report gives no EEF months' progress."""
    from slc_research.casestudies.tlc.study import run

    result = run(demo_enquiry, STUDY.validate(workspace=demo_enquiry.root))
    words = " ".join(" ".join((s.finding, *s.paragraphs, s.note, *s.items)) for s in result)
    assert "month" not in words.lower()
    themes = result["comment_themes"]
    assert themes.tables[0].frame.attrs  # marked suppressed for the display boundary
    shown = themes.tables[0].frame.set_index("code")["n_texts"]
    small = [c for c, n in shown.items() if n == f"<{demo_enquiry.suppression_threshold}"]
    assert all(not item.startswith(f"{c}:") for c in small for item in themes.items)
