"""Issue 17, items 3 and 4, through ``Enquiry.open`` and ``slc-research check``.

Fixtures in the shapes the tools write (every person invented):

- an MIS roster as SIMS' "Student List" report writes it: ``Adno``, ``UPN``,
  ``Legal Surname``, ``Legal Forename``, ``Year``, ``Reg Group``, ``Gender``,
  ``Pupil Premium Indicator`` (``Yes``, and blank for no), ``EAL`` and
  ``KS2 Average Scaled Score`` (``104.5``);
- a Google Forms "Download responses (.csv)": ``Timestamp``
  (``2026/03/06 12:54:00 PM GMT``), ``Email address``, then the questions,
  one of them "What is your admission number?";
- a one-SLC membership list with no team column;
- pupils' reflections as a Google Form (``Timestamp``, admission number, text).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from slc_research import Enquiry
from slc_research.cli import main
from slc_research.errors import DataError
from slc_research.workspace.problems import PER_FILE

HEAD = """\
title = "Hillside enquiry"
academic_year = "2025-26"
schools = ["Hillside Academy"]

[scales.belonging]
instrument = "pupil_voice"
items = ["belong"]
"""
ROSTER_HEADER = ["Adno", "UPN", "Legal Surname", "Legal Forename", "Year", "Reg Group", "Gender",
                 "Pupil Premium Indicator", "EAL", "KS2 Average Scaled Score"]
ADM = "What is your admission number?"
Q1 = "I feel I belong in this school"
NAMES = ["Example", "Sample", "Specimen", "Ava", "Ben", "Cara"]


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _roster(n: int = 10, pp_yes: int = 2, ks2: bool = True) -> str:
    """``n`` pupils, Adno 1001.., ``pp_yes`` with "Yes" for PP and the rest blank (as SIMS writes)."""
    rows = []
    for i in range(n):
        score = ["94", "99.5", "100", "104.5", "109.5", "110", "115", "120", "", "101"][i % 10]
        rows.append([str(1001 + i), f"K1000000000{i:02d}", ["Example", "Sample", "Specimen"][i % 3],
                     ["Ava", "Ben", "Cara"][i % 3], "9", "9H", "F" if i % 2 else "M",
                     "Yes" if i < pp_yes else "", "" if i % 4 else "Yes",
                     score if ks2 else ""])
    return _csv([ROSTER_HEADER, *rows])


ROSTER_SOURCE = """
[sources.roster]
path = "raw/Student List.csv"
kind = "pupils"
{extra}
[sources.roster.columns]
"Adno" = "pupil_id"
"Legal Surname" = "surname"
"Legal Forename" = "forename"
"Year" = "year_group"
"Gender" = "gender"
"Pupil Premium Indicator" = "pupil_premium"
"EAL" = "eal"
"KS2 Average Scaled Score" = "prior_attainment"
"""


#: Pupils' weekly reflections from a Google Form, as a texts source.
REFLECTIONS_SOURCE = f"""
[sources.reflections]
path = "raw/Reflections (Responses).csv"
kind = "texts"
authors = "pupil"
text_source = "reflection"
[sources.reflections.columns]
"Timestamp" = "date"
"{ADM}" = "author_id"
"What did you learn this week?" = "text"
"""


def _workspace(tmp_path: Path, files: dict[str, str], sources: str) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    for name, text in files.items():
        (raw / name).write_bytes(text.encode("utf-8"))
    (tmp_path / "enquiry.toml").write_text(HEAD + sources, encoding="utf-8")
    return tmp_path


def _notes(enq: Enquiry, source: str) -> list[str]:
    return next(list(h.notes) for h in enq.health if h.source == source)


# ------------------------------------------------------------------- item 3: flags

def test_item3_mostly_blank_pupil_premium_is_a_warning_naming_file_column_and_option(
        tmp_path, capsys):
    ws = _workspace(tmp_path, {"Student List.csv": _roster(10, pp_yes=2)},
                    ROSTER_SOURCE.format(extra=""))
    enq = Enquiry.open(ws)
    warning = [n for n in _notes(enq, "roster") if "Pupil Premium Indicator" in n]
    assert len(warning) == 1
    text = warning[0]
    assert "raw/Student List.csv" in text
    assert "80%" in text
    assert "8 of 10 pupils" in text
    assert 'blank = "no"' in text
    assert "[sources.roster]" in text
    # blanks stay unknown without the option
    assert int(enq.pupils["pupil_premium"].isna().sum()) == 8
    # check prints it
    assert main(["check", str(ws)]) == 0
    out = capsys.readouterr().out
    assert 'blank = "no"' in out
    assert "Pupil Premium Indicator" in out
    for name in NAMES:
        assert name not in out


def test_item3_blank_no_reads_blank_flags_as_no_and_silences_the_warning(tmp_path):
    ws = _workspace(tmp_path, {"Student List.csv": _roster(10, pp_yes=2)},
                    ROSTER_SOURCE.format(extra='blank = "no"'))
    enq = Enquiry.open(ws)
    assert enq.pupils["pupil_premium"].tolist() == [True, True] + [False] * 8
    # EAL is "Yes" for every 4th pupil, blank (no) for the rest
    assert enq.pupils["eal"].tolist() == [i % 4 == 0 for i in range(10)]
    notes = _notes(enq, "roster")
    assert not any(n.startswith("Warning") and "Pupil Premium" in n for n in notes)
    assert "8 blank cells in 'Pupil Premium Indicator' read as no (pupil premium), as " \
           'blank = "no" in [sources.roster] says.' in notes


def test_item3_blank_yes_and_not_recorded(tmp_path):
    ws = _workspace(tmp_path, {"Student List.csv": _roster(4, pp_yes=1)},
                    ROSTER_SOURCE.format(extra='blank = "yes"'))
    assert Enquiry.open(ws).pupils["pupil_premium"].tolist() == [True] * 4
    (tmp_path / "enquiry.toml").write_text(
        HEAD + ROSTER_SOURCE.format(extra='blank = "not recorded"'), encoding="utf-8")
    enq = Enquiry.open(ws)
    assert int(enq.pupils["pupil_premium"].isna().sum()) == 3
    assert not any(n.startswith("Warning") for n in _notes(enq, "roster"))


def test_item3_a_wrong_blank_value_names_the_choices(tmp_path):
    ws = _workspace(tmp_path, {"Student List.csv": _roster(4)},
                    ROSTER_SOURCE.format(extra='blank = "false"'))
    with pytest.raises(Exception, match="'no', 'yes', 'not recorded'"):
        Enquiry.open(ws)


# ------------------------------------------------------- item 3: survey respondents

SURVEY = """
[sources.voice_autumn]
path = "raw/Pupil voice (Responses).csv"
kind = "survey"
instrument = "pupil_voice"
wave = 1
respondents = "pupil"
response_scale = "agree5"
[sources.voice_autumn.columns]
"What is your admission number?" = "respondent_id"
"I feel I belong in this school" = "belong"
"""


def _google(ids: list[str]) -> str:
    rows = [[f"2026/03/06 12:{50 + i:02d}:00 PM GMT", f"p{i}@hillside.example", pid, "Agree"]
            for i, pid in enumerate(ids)]
    return _csv([["Timestamp", "Email address", ADM, Q1], *rows])


def test_item3_respondents_not_on_the_roster_counted_with_excel_rows_never_ids(tmp_path, capsys):
    ids = ["1001", "dont know", "1002", "9999", "1003"]
    ws = _workspace(tmp_path, {"Student List.csv": _roster(5),
                               "Pupil voice (Responses).csv": _google(ids)},
                    ROSTER_SOURCE.format(extra='blank = "no"') + SURVEY)
    enq = Enquiry.open(ws)
    warning = [n for n in _notes(enq, "voice_autumn") if "not on the roster" in n]
    assert len(warning) == 1
    assert "2 respondents in raw/Pupil voice (Responses).csv are not on the roster" in warning[0]
    assert "(Excel rows 3, 5)" in warning[0]
    assert "dont know" not in warning[0]
    assert "9999" not in warning[0]
    # the answers are kept (5 respondents, one item each)
    assert len(enq.survey_responses) == 5
    assert main(["check", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "Excel rows 3, 5" in out
    assert "9999" not in out


def test_item3_every_respondent_on_the_roster_gives_no_warning(tmp_path):
    ws = _workspace(tmp_path, {"Student List.csv": _roster(3),
                               "Pupil voice (Responses).csv": _google(["1001", "1003"])},
                    ROSTER_SOURCE.format(extra='blank = "no"') + SURVEY)
    assert not any("not on the roster" in n for n in _notes(Enquiry.open(ws), "voice_autumn"))


def test_item3_an_anonymous_survey_is_a_warning_in_check(tmp_path, capsys):
    sources = SURVEY.replace('"What is your admission number?" = "respondent_id"\n', "")
    ws = _workspace(tmp_path, {"Pupil voice (Responses).csv": _google(["1001", "1002"])},
                    sources)
    assert main(["check", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "anonymous" in out
    assert "cannot be linked" in out
    assert "\"respondent_id\"' under [sources.voice_autumn.columns]" in out


# -------------------------------------------------------- item 3: check hides no file

def _bad_survey(n_bad: int) -> str:
    return _csv([["Timestamp", ADM, Q1],
                 *[["2026/03/06 12:54:00 PM GMT", str(1001 + i), "Mostly"] for i in range(n_bad)]])


def test_item3_check_lists_every_file_and_caps_problems_per_file(tmp_path, capsys):
    files = {"Student List.csv": _roster(3)}
    sources = ROSTER_SOURCE.format(extra='blank = "no"')
    sizes = {"a": 40, "b": 3, "c": 7, "d": 1}
    for name, n in sizes.items():
        files[f"{name}.csv"] = _bad_survey(n)
        sources += (f'\n[sources.{name}]\npath = "raw/{name}.csv"\nkind = "survey"\n'
                    f'instrument = "pupil_voice"\nrespondents = "pupil"\n'
                    f'[sources.{name}.columns]\n"{ADM}" = "respondent_id"\n"{Q1}" = "belong"\n')
    ws = _workspace(tmp_path, files, sources)
    with pytest.raises(DataError) as err:
        Enquiry.open(ws)
    text = str(err.value)
    first = text.splitlines()[0]
    assert first == "51 problems in 4 files (5 checked):"
    assert re.search(r"^  raw/Student List.csv +no problems$", text, re.M)
    assert re.search(r"^  raw/a.csv +40 problems$", text, re.M)
    assert re.search(r"^  raw/d.csv +1 problem$", text, re.M)
    for name, n in sizes.items():
        listed = [line for line in text.splitlines() if line.startswith(f"  - raw/{name}.csv")]
        assert len(listed) == min(n, PER_FILE), name
    assert "... and 35 more in raw/a.csv" in text
    assert "... and 2 more in raw/c.csv" in text
    assert main(["check", str(ws)]) == 1
    err_out = capsys.readouterr().err
    assert "raw/d.csv" in err_out


def test_item3_an_unreadable_roster_does_not_hide_the_other_files_problems(tmp_path):
    # a roster saved as a workbook under a .csv name: its names cannot be read, so a texts
    # source (cleared of those names before anything of it is kept) waits, and says so;
    # every other file is still checked and listed
    texts = _csv([["Timestamp", ADM, "What did you learn this week?"],
                  ["2026/03/06 12:54:00 PM GMT", "1001", "I explained my method to Ben."]])
    sources = ROSTER_SOURCE.format(extra='blank = "no"') + REFLECTIONS_SOURCE + f"""
[sources.voice]
path = "raw/voice.csv"
kind = "survey"
instrument = "pupil_voice"
respondents = "pupil"
[sources.voice.columns]
"{ADM}" = "respondent_id"
"{Q1}" = "belong"
"""
    ws = _workspace(tmp_path, {"Student List.csv": "", "Reflections (Responses).csv": texts,
                               "voice.csv": _bad_survey(2)}, sources)
    (ws / "raw" / "Student List.csv").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    with pytest.raises(DataError) as err:
        Enquiry.open(ws)
    text = str(err.value)
    assert text.splitlines()[0] == "4 problems in 3 files (3 checked):"
    assert re.search(r"^  raw/Student List.csv +1 problem$", text, re.M)
    assert re.search(r"^  raw/voice.csv +2 problems$", text, re.M)
    assert ("raw/Reflections (Responses).csv: expected its words to be cleared of the names "
            "on the roster and staff list before it is checked, but those could not be read; "
            "fix the problems listed for them, then run check again") in text
    assert "Ben" not in text
    cached = list((ws / ".slc-cache").rglob("*")) if (ws / ".slc-cache").exists() else []
    assert not [f for f in cached if "reflections" in str(f)]  # nothing of it kept


# ----------------------------------------------------------------- item 4: manifest

def test_item4_community_on_a_one_slc_membership_list(tmp_path):
    members = _csv([["Adno", "Legal Forename", "Legal Surname", "Role"],
                    ["1001", "Ava", "Example", "Chair"], ["1002", "Ben", "Sample", ""]])
    sources = ROSTER_SOURCE.format(extra='blank = "no"') + """
[sources.slc_members]
path = "raw/SLC members.csv"
kind = "memberships"
members = "pupil"
community = "Hillside SLC"
community_kind = "slc"
[sources.slc_members.columns]
"Adno" = "member_id"
"Legal Forename" = "forename"
"Legal Surname" = "surname"
"Role" = "role"
"""
    ws = _workspace(tmp_path, {"Student List.csv": _roster(3), "SLC members.csv": members},
                    sources)
    enq = Enquiry.open(ws)
    assert enq.table("memberships")["community"].tolist() == ["Hillside SLC"] * 2
    assert enq.table("memberships")["community_kind"].astype(str).tolist() == ["slc"] * 2


def test_item4_membership_without_community_column_or_option_says_both_ways(tmp_path):
    members = _csv([["Adno"], ["1001"]])
    sources = """
[sources.slc_members]
path = "raw/m.csv"
kind = "memberships"
members = "pupil"
[sources.slc_members.columns]
"Adno" = "member_id"
"""
    ws = _workspace(tmp_path, {"m.csv": members}, sources)
    with pytest.raises(DataError, match=r'community = \\?"Hillside SLC\\?"'):
        Enquiry.open(ws)


def test_item4_google_forms_timestamp_read_in_a_texts_source(tmp_path):
    texts = _csv([["Timestamp", ADM, "What did you learn this week?"],
                  ["2026/03/06 12:54:00 PM GMT", "1001", "Fractions finally make sense."],
                  ["2026/03/13 9:05:12 AM GMT+1", "1002", "I explained my method to Ben."]])
    sources = ROSTER_SOURCE.format(extra='blank = "no"') + REFLECTIONS_SOURCE
    ws = _workspace(tmp_path, {"Student List.csv": _roster(3),
                               "Reflections (Responses).csv": texts}, sources)
    dates = Enquiry.open(ws).table("texts")["date"].dt.strftime("%Y-%m-%d").tolist()
    assert dates == ["2026-03-06", "2026-03-13"]


def test_item4_ks2_scaled_scores_banded_as_dfe_prior_attainment(tmp_path):
    ws = _workspace(tmp_path, {"Student List.csv": _roster(10)},
                    ROSTER_SOURCE.format(extra='blank = "no"'))
    enq = Enquiry.open(ws)
    bands = enq.pupils["prior_attainment"].astype("string").fillna("-").tolist()
    # 94, 99.5 | 100, 104.5, 109.5 | 110, 115, 120 | blank | 101
    assert bands == ["low", "low", "middle", "middle", "middle", "high", "high", "high", "-",
                     "middle"]
    assert any("9 KS2 scaled scores in 'KS2 Average Scaled Score'" in n
               for n in _notes(enq, "roster"))


def test_item4_ks2_score_out_of_range_is_a_problem_naming_the_range(tmp_path):
    text = _roster(3).replace("94", "125")
    ws = _workspace(tmp_path, {"Student List.csv": text},
                    ROSTER_SOURCE.format(extra='blank = "no"'))
    with pytest.raises(DataError, match=r"row 2, column 'KS2 Average Scaled Score'.*80 to 120"):
        Enquiry.open(ws)


def test_item4_single_item_scale_accepted(tmp_path):
    ws = _workspace(tmp_path, {"Student List.csv": _roster(3),
                               "Pupil voice (Responses).csv": _google(["1001", "1002"])},
                    ROSTER_SOURCE.format(extra='blank = "no"') + SURVEY)
    enq = Enquiry.open(ws)
    assert enq.scales["belonging"].items == ("belong",)
    scores = enq.scale_scores()
    assert sorted(scores["score"].dropna().tolist()) == [4.0, 4.0]


def test_item3_data_health_report_lists_the_warnings_to_act_on(tmp_path):
    from slc_research.casestudies.data_health import STUDY
    from slc_research.casestudies.data_health.study import run

    ids = ["1001", "dont know", "1002"]
    ws = _workspace(tmp_path, {"Student List.csv": _roster(10, pp_yes=2),
                               "Pupil voice (Responses).csv": _google(ids)},
                    ROSTER_SOURCE.format(extra="") + SURVEY)
    enq = Enquiry.open(ws)
    section = run(enq, STUDY.validate(workspace=enq.root))["repairs"]
    assert section.items_heading == "Warnings to act on"
    assert len(section.items) == 3  # PP (80% blank), EAL (70% blank), the respondent
    assert any("Pupil Premium Indicator" in i and 'blank = "no"' in i for i in section.items)
    assert any("'EAL' (EAL) are blank (7 of 10 pupils)" in i for i in section.items)
    # the rows are check's: in a shared report a row number could read as an admission number
    assert any("1 respondent in" in i and "(slc-research check lists their rows)" in i
               for i in section.items)
    assert not any("Excel row" in i for i in section.items)
    assert "3 warnings below need your attention" in section.finding
    assert not any("dont know" in i for i in section.items)


def test_item3_respondents_checked_against_the_staff_list_and_a_wrong_id_column_said():
    import pandas as pd

    from slc_research.workspace.problems import respondents_not_listed

    responses = pd.DataFrame({"respondent_id": ["S-a", "S-a", "S-b", "P-c", "P-d"],
                              "respondent_type": ["staff", "staff", "staff", "pupil", "pupil"]})
    rows = {"S-a": 2, "S-b": 3, "P-c": 4, "P-d": 5}
    staff_only = respondents_not_listed(responses, rows, listed={"staff": ["S-a"]},
                                        label="raw/s.csv", source="s")
    assert staff_only.startswith("Warning: 1 respondent in raw/s.csv is not on the staff list "
                                 "(Excel row 3)")
    none_match = respondents_not_listed(responses, rows, listed={"pupil": ["P-x"]},
                                        label="raw/s.csv", source="s")
    assert "2 respondents in raw/s.csv are not on the roster (Excel rows 4, 5)" in none_match
    assert "None of the ids matches" in none_match
    assert respondents_not_listed(responses, rows, listed={"pupil": ["P-c", "P-d"]},
                                  label="raw/s.csv", source="s") is None
