"""A community whose membership list uses another id than the roster's: nobody is linked.

A teacher's roster is keyed by admission number (the id the questionnaires use), but the
SLC list was exported from Arbor with UPNs. ``check`` warns that none of its members is on
the roster; the SLC impact report used to stop with "StatsError: n_treated must be at least
1", and the co-production and conference reports ran and gave the wrong reasons ("the
pupils' year groups are not recorded", "no reflections were found"). Invented people only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slc_research.report.catalogue import NOTEBOOKS

ADNOS = [f"{5201 + i:06d}" for i in range(12)]
UPNS = [f"T99900000{i:04d}" for i in range(12)]


def _workspace(root: Path, kind: str) -> Path:
    raw = root / "raw"
    raw.mkdir(parents=True)
    rows = ["Adno,UPN,Legal Surname,Legal Forename,Year,Gender"]
    rows += [f"{a},{u},Testcase,Kid{i},{7 + i % 2},{'MF'[i % 2]}"
             for i, (a, u) in enumerate(zip(ADNOS, UPNS, strict=True))]
    (raw / "roster.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    members = ["UPN,Role"] + [f"{u},Member" for u in UPNS[:8]]
    (raw / "members.csv").write_text("\n".join(members) + "\n", encoding="utf-8")
    texts = ["Adno,Date,Reflection"] + [
        f"{a},0{1 + i}/10/2025,I learnt that asking questions helps me remember more."
        for i, a in enumerate(ADNOS[:8])]
    (raw / "reflections.csv").write_text("\n".join(texts) + "\n", encoding="utf-8")
    (root / "enquiry.toml").write_text(f'''title = "Members by UPN"
academic_year = "2025-26"

[sources.roster]
path = "raw/roster.csv"
kind = "pupils"
[sources.roster.columns]
"Adno" = "pupil_id"
"Year" = "year_group"
"Gender" = "gender"

[sources.members]
path = "raw/members.csv"
kind = "memberships"
community = "Hillside group"
community_kind = "{kind}"
members = "pupil"
[sources.members.columns]
"UPN" = "member_id"
"Role" = "role"

[sources.reflections]
path = "raw/reflections.csv"
kind = "texts"
text_source = "reflection"
authors = "pupil"
[sources.reflections.columns]
"Adno" = "author_id"
"Date" = "date"
"Reflection" = "text"
''', encoding="utf-8")
    return root


@pytest.mark.parametrize(("kind", "study", "community"), [
    ("slc", "slc_impact", "SLC"),
    ("coproduction", "coproduction_pilot", "co-production group"),
    ("slc_conference", "student_led_conferences", "student-led conference class")])
def test_a_community_with_no_member_on_the_roster_is_not_run_and_says_why(
        tmp_path, kind, study, community):
    from slc_research import Enquiry

    enq = Enquiry.open(_workspace(tmp_path / "ws", kind))
    assert len(enq.memberships) == 8
    assert NOTEBOOKS[study].applies(enq) == (
        f"none of the {community}'s members is on the roster: the ids in its membership list "
        "are not the roster's pupil ids (slc-research check names the file; map the same id, "
        "admission number or UPN, as member_id there and as pupil_id in the roster, in "
        "enquiry.toml)")


def test_report_all_lists_it_and_exits_0(tmp_path, capsys):
    from slc_research.cli import main

    ws = _workspace(tmp_path / "ws", "slc")
    assert main(["report", str(ws), "--all", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "slc_impact: not run - none of the SLC's members is on the roster" in out
    assert "StatsError" not in out
    assert not any(u in out for u in UPNS)


def test_one_member_on_the_roster_is_enough_to_run(tmp_path):
    from slc_research import Enquiry

    ws = _workspace(tmp_path / "ws", "slc")
    members = (ws / "raw" / "members.csv").read_text(encoding="utf-8")
    (ws / "raw" / "members.csv").write_text(members + f"{ADNOS[9]},Member\n", encoding="utf-8")
    assert NOTEBOOKS["slc_impact"].applies(Enquiry.open(ws)) == ""


def test_a_questionnaire_with_no_pupil_scale_is_not_called_not_given():
    # a parents' survey and a pupils' form whose statements were never listed as a scale:
    # the reliability section said "No questionnaire was given", which was not true
    import pandas as pd

    from slc_research.casestudies.slc_impact.scale_reliability import reliability_section
    from slc_research.casestudies.slc_impact.study import NO_SCALES
    from slc_research.report.display import jsonable

    empty = pd.DataFrame(columns=["scale", "wave", "n", "k", "alpha", "ci_low", "ci_high"])
    section = reliability_section(empty, threshold=5, no_scales=NO_SCALES)
    assert section.finding == (
        "This enquiry has no pupil questionnaire scales: to compare members' answers, list the "
        "item codes of the pupils' questionnaire under a [scales.NAME] table in enquiry.toml "
        "(items, instrument and response_scale).")
    assert jsonable(section.records["reliability"]) == []
    assert reliability_section(empty, threshold=5).finding == (
        "No questionnaire was given, so the reliability of the questionnaire scales is not "
        "shown.")


def _one_questionnaire(root: Path, *, scale: bool) -> Path:
    """Members on the roster, one pupil questionnaire at two waves (a scale if ``scale``)."""
    ws = _workspace(root, "slc")
    members = ["Adno,Role"] + [f"{a},Member" for a in ADNOS[:6]]
    (ws / "raw" / "members.csv").write_text("\n".join(members) + "\n", encoding="utf-8")
    answers = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
               "Strongly agree"]
    entries = ""
    for wave, month in ((1, 10), (2, 12)):
        form = ["Timestamp,Admission number,I enjoy lessons,I feel safe"]
        form += [f"2025/{month}/0{1 + i % 9} 9:00:00 AM GMT,{a},{answers[(i + wave) % 5]},"
                 f"{answers[(i * wave) % 5]}" for i, a in enumerate(ADNOS)]
        (ws / "raw" / f"form{wave}.csv").write_text("\n".join(form) + "\n", encoding="utf-8")
        entries += f'''
[sources.form{wave}]
path = "raw/form{wave}.csv"
kind = "survey"
instrument = "pupil_voice"
wave = {wave}
respondents = "pupil"
response_scale = "agree5"
[sources.form{wave}.columns]
"Admission number" = "respondent_id"
"I enjoy lessons" = "enjoy_lessons"
"I feel safe" = "feel_safe"
'''
    if scale:
        entries += '''
[scales.voice]
instrument = "pupil_voice"
label = "Pupil voice"
items = ["enjoy_lessons", "feel_safe"]
response_scale = "agree5"
'''
    toml = ws / "enquiry.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"UPN" = "member_id"',
                                                             '"Adno" = "member_id"') + entries,
                    encoding="utf-8")
    return ws


def test_a_pupil_questionnaire_answered_with_no_scale_declared_says_how_to_declare_one(
        tmp_path):
    from slc_research import Enquiry
    from slc_research.casestudies.slc_impact.study import NO_SCALES

    ws = _one_questionnaire(tmp_path / "ws", scale=False)
    study = NOTEBOOKS["slc_impact"]
    result = study.result(Enquiry.open(ws), study.validate(workspace=str(ws)))
    assert result["reliability"].finding == NO_SCALES
    assert NO_SCALES in result["questionnaire"].paragraphs


def test_a_single_outcome_is_not_followed_by_words_on_secondary_outcomes(tmp_path):
    # one scale, no attendance or behaviour file: the questionnaire section said "The other
    # outcomes are secondary: read them with their Holm-adjusted p" of outcomes that do not
    # exist, while "All outcomes together" said there were none
    from slc_research import Enquiry
    from slc_research.casestudies.outcome_family import ONE_OUTCOME

    ws = _one_questionnaire(tmp_path / "ws", scale=True)
    study = NOTEBOOKS["slc_impact"]
    result = study.result(Enquiry.open(ws), study.validate(workspace=str(ws)))
    assert result["questionnaire"].finding.startswith("Primary outcome, pupil voice: ")
    assert "secondary" not in result["questionnaire"].finding
    everything = result["all_outcomes"]
    assert ONE_OUTCOME in everything.note
    assert "The others are secondary" not in everything.note
    assert [t.caption for t in everything.tables] == ["The primary outcome"]


def test_a_negative_alpha_asks_for_a_reversed_item():
    # a scale proposed from questions in a row, one of them worded the other way round,
    # gives a negative alpha: "below 0.7" alone does not say what to check
    import pandas as pd

    from slc_research.casestudies.slc_impact.scale_reliability import reliability_finding

    table = pd.DataFrame({"scale": ["Pupil voice survey", "Pupil voice survey", "Belonging"],
                          "wave": [1, 2, 1], "n": [24, 24, 24], "k": [4, 4, 3],
                          "alpha": [-0.43, 0.52, 0.81], "ci_low": [-1.2, 0.1, 0.6],
                          "ci_high": [0.2, 0.75, 0.9]})
    assert reliability_finding(table, threshold=5).endswith(
        "A negative alpha (pupil voice survey) means the items disagree with each other: check "
        "that none is worded the other way round (list it under reverse = [...] in the "
        "scale's [scales.NAME] table) and that they measure one thing.")
    assert "negative" not in reliability_finding(table[table["alpha"] > 0], threshold=5)


def test_methods_of_a_single_outcome_describe_no_holm_adjustment(tmp_path):
    # methods.md said "the p values of the secondary outcomes are shown beside their Holm
    # adjustment (Holm, 1979)" of a report with one outcome, and cited Holm
    from slc_research import Enquiry
    from slc_research.report.methods import methods_for, reference_list

    ws = _one_questionnaire(tmp_path / "ws", scale=True)
    study = NOTEBOOKS["slc_impact"]
    result = study.result(Enquiry.open(ws), study.validate(workspace=str(ws)))
    analyses = methods_for("slc_impact", dict(result.all_records))
    outcome = next(a for a in analyses if a.key == "primary_secondary")
    assert outcome.title == "Primary outcome"
    assert outcome.paragraph().startswith(
        "One outcome, declared primary before the results were read, was tested at the 5% "
        "level; with no secondary outcomes, no adjustment for multiple comparisons was needed.")
    assert not any(r.startswith("Holm, S.") for r in reference_list(analyses))
