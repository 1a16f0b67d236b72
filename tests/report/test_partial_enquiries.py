"""Issue 17, item 5, across the enquiries teachers actually have: every case study that applies
runs, and shows no "NaN", "n = 0", "not computed", all-dash table or empty section.

``test_only_what_applies`` follows one teacher's enquiry (no attendance, no TLC, one coder).
Here the synthetic enquiry loses other sources the way a teacher's does: the second
questionnaire wave not collected yet, no questionnaire at all, no meetings file, only a roster
and membership lists. Each of these once crashed a report (a chart of an empty table refused
by the privacy check, dates mapped through an empty Series) or filled it with "change not
computed: ... found 0" lines.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_only_what_applies import JUNK, shown_text, without_sources

from slc_research.casestudies.result import has_nothing_to_show
from slc_research.casestudies.slc_impact.change import change_result
from slc_research.report.catalogue import NOTEBOOKS
from slc_research.report.display import format_table
from slc_research.synthetic.trust import write_demo_workspace


def kind(*kinds):
    return lambda name, source: source["kind"] in kinds


def named(*parts):
    return lambda name, source: any(p in name for p in parts)


PARTIAL = {
    "second_wave_not_collected": [named("questionnaire_summer")],
    "no_questionnaire": [named("questionnaire")],
    "no_meetings_file": [kind("meetings", "meeting_attendance")],
    "roster_and_memberships_only": [lambda name, source: source["kind"] not in
                                    ("pupils", "memberships")],
    "questionnaire_only": [kind("attendance", "behaviour", "attainment")],
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return write_demo_workspace(tmp_path_factory.mktemp("partial") / "base", schools=1,
                                pupils=200, seed=11)


@pytest.fixture(scope="module")
def partial(demo, tmp_path_factory):
    """The results of every case study that applies, per partial enquiry (made on demand)."""
    from slc_research import Enquiry

    made = {}

    def results(name: str) -> dict:
        if name not in made:
            ws = tmp_path_factory.mktemp(name) / "enquiry"
            shutil.copytree(demo, ws)
            enq = Enquiry.open(without_sources(ws, *PARTIAL[name]))
            made[name] = {nb: study.result(enq, study.validate(workspace=ws))
                          for nb, study in NOTEBOOKS.items() if not study.applies(enq)}
        return made[name]
    return results


@pytest.mark.parametrize("name", sorted(PARTIAL))
def test_every_report_that_applies_runs_and_shows_no_junk(partial, name):
    results = partial(name)
    assert "slc_impact" in results  # a roster and an SLC list are enough for its report
    for nb, result in results.items():
        for key, text in shown_text(result):
            found = JUNK.search(text)
            assert found is None, \
                f"{nb}/{key}: {text[max(0, found.start() - 80):found.end() + 40]!r}"
        for section in result:
            shows = (section.finding, section.paragraphs, section.items, section.tables,
                     section.charts)
            assert any(shows), f"{nb}/{section.key} is empty"
            for t in section.tables:
                assert not has_nothing_to_show(format_table(t.frame, decimals=t.decimals)), \
                    f"{nb}/{section.key}: {t.caption}"


def test_second_wave_not_collected_is_one_sentence_and_no_outcome(partial):
    slc = partial("second_wave_not_collected")["slc_impact"]
    q = slc["questionnaire"]
    assert q.finding.startswith(
        "No pupil answered the learning questionnaire in both wave 1 and wave 2: there are "
        "no answers for wave 2 yet, so change on it is not shown. When wave 2 has been "
        "collected, add it to enquiry.toml as a survey source and run the report again.")
    assert (q.paragraphs, q.tables, q.charts) == ((), (), ())
    from slc_research.casestudies.glance import at_a_glance

    assert ("No pupil answered the learning questionnaire in both wave 1 and wave 2, so change "
            "on it is not shown.") in at_a_glance(slc).findings
    outcomes = slc["all_outcomes"].tables[0].frame["Outcome"].tolist()
    assert outcomes == ["Attendance", "Behaviour (negative points)"]
    assert "(engagement in lessons)" in slc["all_outcomes"].note  # the declared primary
    reliability = slc["reliability"].tables[0].frame
    assert set(reliability["Wave"]) == {1}  # no row of nobody for wave 2
    assert "at wave 1 " in slc["reliability"].finding


def test_no_questionnaire_reliability_is_one_sentence(partial):
    reliability = partial("no_questionnaire")["slc_impact"]["reliability"]
    assert reliability.finding == ("No questionnaire was given, so the reliability of the "
                                   "questionnaire scales is not shown.")
    assert reliability.tables == ()


def test_no_meetings_file_still_runs_the_tlc_and_pilot_reports(partial):
    assert {"tlc_impact", "coproduction_pilot"} <= set(partial("no_meetings_file"))


def test_nobody_measured_twice_adds_no_not_computed_notes():
    ids = pd.Index([f"P{i}" for i in range(6)])
    pre = pd.Series([3.0, 4, 2, 3, 4, 5], index=ids)
    post = pd.Series(float("nan"), index=ids)
    groups = pd.Series(["Members"] * 3 + ["Others"] * 3, index=ids, dtype="object")
    r = change_result(pre, post, groups, outcome="x", label="X", unit="score",
                      periods=("Wave 1", "Wave 2"), group_labels=("Members", "Others"),
                      comparison="non_members", notes=["No answers for wave 2 on this scale."])
    assert not r.available
    assert r.notes == ("No answers for wave 2 on this scale.",)
    assert r.groups["n_both"].tolist() == [0, 0]
    assert r.groups["n_lost"].tolist() == [3, 3]
    assert r.effect is None
    assert r.difference is None
