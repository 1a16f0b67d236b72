"""A school of about 40 pupils, where suppression bites everywhere (threshold 10).

Its SLC report crashed (the matched comparison's propensity model had more terms than
pupils); once it ran, its prose gave away what its tables withheld: "5 pupils were members"
at a glance above "<10 pupils were members", "With only 5 members" in the design section,
"With 4 pupils analysed in the intervention group and 3 in the comparison group" and the
MDES the table showed as "<10" in the strength of evidence, "only 0 of 5 members (0%) had a
similar pupil" in the matched comparison, "8 staff were members of a TLC" at the TLC report's
glance above "Fewer than 10 staff were members"; and it said "5 outcomes were compared" when
none could be.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import tomlkit
from test_only_what_applies import JUNK, shown_text

from slc_research.casestudies.glance import at_a_glance
from slc_research.report.catalogue import NOTEBOOKS
from slc_research.synthetic.trust import write_demo_workspace

THRESHOLD = 10
#: A count of people written in prose: "5 pupils", "8 staff were", "4 members".
COUNTED = re.compile(r"(?<![\d.,%-])(\d+) (?:other )?(pupils?|members?|staff)\b")


def _tiny_school(path: Path, pupils: int = 40) -> Path:
    """The demo school cut to ``pupils`` on roll: every community's members and a few more."""
    ws = write_demo_workspace(path, schools=1, pupils=200, seed=21)
    base = ws / "raw" / "northfield-academy"
    keep: set[str] = set()
    for listed in ("slc/members.csv", "coproduction/members.csv", "conferences/class_list.csv"):
        keep |= set(pd.read_csv(base / listed, dtype=str)["UPN"])
    roster = pd.read_csv(base / "mis" / "roster.csv", dtype=str)
    rest = roster.loc[~roster["UPN"].isin(keep), "UPN"]
    keep |= set(rest.iloc[: max(0, pupils - len(keep))])
    for path_ in base.rglob("*.csv"):
        if path_.parent.name == "tlc":
            continue
        frame = pd.read_csv(path_, dtype=str, keep_default_na=False)
        key = next((k for k in ("UPN", "Pupil ID", "Student ID") if k in frame.columns), None)
        if key:
            frame[frame[key].isin(keep)].to_csv(path_, index=False)
    doc = tomlkit.parse((ws / "enquiry.toml").read_text(encoding="utf-8"))
    doc["privacy"]["suppression_threshold"] = THRESHOLD
    (ws / "enquiry.toml").write_text(tomlkit.dumps(doc), encoding="utf-8")
    return ws


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    from slc_research import Enquiry

    ws = _tiny_school(tmp_path_factory.mktemp("tiny") / "enquiry")
    enq = Enquiry.open(ws)
    assert 30 <= len(enq.pupils) <= 40  # a few of the demo's pupils have withdrawn
    return {name: study.result(enq, study.validate(workspace=ws))
            for name, study in NOTEBOOKS.items() if not study.applies(enq)}


def _prose(result) -> list[tuple[str, str]]:
    glance = at_a_glance(result)
    return [("glance", text) for text in (*glance.findings, glance.evidence, glance.about)] + [
        (s.key, text) for s in result.sections
        for text in (s.finding, *s.paragraphs, *s.items, s.note)]


def test_every_report_of_a_tiny_school_runs_and_shows_no_junk(results):
    assert {"slc_impact", "tlc_impact", "data_health"} <= set(results)
    for name, result in results.items():
        for key, text in shown_text(result):
            found = JUNK.search(text)
            assert found is None, f"{name}/{key}: {text[max(0, found.start() - 80):][:160]!r}"


@pytest.mark.parametrize("name", ["slc_impact", "tlc_impact", "coproduction_pilot"])
def test_no_sentence_counts_fewer_people_than_the_threshold(results, name):
    for key, text in _prose(results[name]):
        for found in COUNTED.finditer(text):
            assert not 0 < int(found.group(1)) < THRESHOLD, f"{name}/{key}: {text!r}"


def test_the_slc_glance_and_records_give_the_membership_as_withheld(results):
    slc = results["slc_impact"]
    assert slc.records["members"] == f"<{THRESHOLD}"
    assert at_a_glance(slc).findings[0] == (
        "Fewer than 10 pupils were members; fewer than 10 other pupils are in the same schools "
        "and year groups.")
    about = slc["about_data"].tables[0].frame.set_index("Fact")["Value"]
    assert about["Members in the cohort"] == "<10"
    assert about["Pupils in the members' year groups (the cohort)"] == "*"
    assert results["tlc_impact"].records["n_members"] == "<10"
    assert not any("staff were members of a TLC" in f
                   for f in at_a_glance(results["tlc_impact"]).findings)


def test_the_strength_of_evidence_withholds_the_small_groups(results):
    evidence = results["slc_impact"]["evidence"]
    assert ("Fewer than 10 pupils were analysed in a group, so the smallest effect this "
            "comparison could reliably detect is not shown.") in " ".join(evidence.items)
    assert "the number of pupils analysed (fewer than 10 in a group)" in evidence.finding
    assert " SD) allows" not in evidence.finding
    assert "it is not known whether the groups were alike" in evidence.finding


def test_the_matched_comparison_says_why_once_and_shows_no_table_of_zeros(results):
    matched = results["slc_impact"]["matched"]
    assert matched.finding.count("too few pupils (members and others) to model who joined") \
        == 1
    assert "(Engagement in lessons, Metacognition: " in matched.finding
    assert matched.tables == ()


def test_no_outcome_compared_is_not_called_several_comparisons(results):
    items = results["slc_impact"]["design"].items
    assert not any("outcomes were compared" in i for i in items)
    assert "With fewer than 10 members, every estimate is imprecise" in " ".join(items)


def test_the_pilot_records_no_estimate_its_sections_withhold(results):
    # its sections say "fewer than 10 pupils ..., too few to report"; the index, the summary
    # and the glance read the records, which held the changes of those 9 pupils
    pilot = results["coproduction_pilot"]
    assert pilot["confident"].finding == ("Fewer than 10 pupils answered both times, too few "
                                          "to report.")
    for key in ("confident_change", "trouble_change", "trouble_mcnemar_p",
                "relationships_change", "pct_improved", "behaviour_relative_change"):
        assert pilot.all_records[key] is None, key
    assert pilot.records["n_pupils"] == "<10"
    glance = at_a_glance(pilot)
    assert glance.findings[0] == "Fewer than 10 pupils took part in one school."
    assert not any("The share who said" in f for f in glance.findings)
    assert "one group in one school (fewer than 10 pupils)" in pilot.summary
    assert "next smallest school" not in pilot.summary


def test_a_section_too_small_to_report_shows_no_table_of_withheld_cells(results):
    # "too few to report" above a table whose every result is "<10" reads as a contradiction
    slc = results["slc_impact"]
    adjusted, voice = slc["adjusted"], slc["voice"]
    assert adjusted.finding == "Too few pupils were measured twice to fit either model."
    assert (adjusted.tables, adjusted.charts) == ((), ())
    assert voice.finding == "Each theme was coded in fewer than 10 texts, too few to report."
    assert (voice.tables, voice.charts) == ((), ())
    assert voice.items  # the quotes, attributed by role, still illustrate what was said
    assert slc.all_records["voice_themes"] is None


def test_tests_on_a_handful_of_pupils_publish_no_p_value(results):
    # Fisher's p on 4 other pupils can say all of them are pupil premium
    tables = [t.caption for t in results["slc_impact"]["who_took_part"].tables]
    assert "Do members differ from the cohort?" not in tables
    tlc = [t.caption for t in results["tlc_impact"]["who_takes_part"].tables]
    assert "Are volunteers different from the other teaching staff?" not in tlc
