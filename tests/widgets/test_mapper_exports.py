"""Issue 17, item 2: the column mapper on a Google Forms grid export and an MIS roster.

Driven through widget state (no frontend), in a small workspace holding the
fixture exports of ``tests/data/exports/school`` (real shapes, invented people).
"""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

from slc_research import Enquiry
from slc_research.widgets.mapper import column_mapper

SCHOOL = Path(__file__).parents[1] / "data" / "exports" / "school"
GRID = "How much do you agree with these statements?"
ROSTER_ENTRY = """
[sources.roster]
path = "raw/roster.csv"
kind = "pupils"
[sources.roster.columns]
"Adno" = "pupil_id"
"Legal Forename" = "forename"
"Legal Surname" = "surname"
"Year" = "year_group"
"""


@pytest.fixture
def ws(tmp_path) -> Path:
    """A workspace with the MIS roster declared and two more exports in raw/."""
    (tmp_path / "raw").mkdir()
    for name in ("roster.csv", "pupil voice autumn.csv"):
        shutil.copyfile(SCHOOL / name, tmp_path / "raw" / name)
    (tmp_path / "enquiry.toml").write_text(
        'title = "Voice"\nacademic_year = "2025-26"\nschools = ["Northfield Academy"]\n'
        + ROSTER_ENTRY, encoding="utf-8")
    return tmp_path


@pytest.fixture
def survey(ws):
    return column_mapper(ws, "raw/pupil voice autumn.csv", kind="survey")


def _em(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)em", value or "")
    assert m, value
    return float(m.group(1))


def test_item2_grid_statements_become_the_item_codes(survey):
    codes = {h: cb.value for h, cb in survey.items.items() if cb.value}
    assert codes == {f"{GRID} [I enjoy coming to school]": "enjoy_coming_school",
                     f"{GRID} [My teachers listen to my ideas]": "teachers_listen_ideas",
                     f"{GRID} [I feel safe in lessons]": "feel_safe_lessons",
                     f"{GRID} [I can say what helps me learn]": "can_say_helps"}
    assert not any(c.startswith("agree_these_statements") for c in codes.values())
    assert survey.options["response_scale"].value == "agree5"


def test_item2_item_code_boxes_are_wide_enough(survey):
    for cb in survey.items.values():
        assert _em(cb.layout.min_width) >= 16
        assert _em(cb.layout.width) >= 16
        assert cb.description == ""  # the question stands beside the box, not inside it


def test_item2_respondent_id_is_suggested_with_its_roster_match_share(survey):
    assert survey.columns["respondent_id"].value == "What is your admission number?"
    assert survey.id_match[0] == pytest.approx(19 / 20)
    note = survey._mapping_box.children[0].value
    assert ("<b>What is your admission number?</b> is suggested as respondent_id: 95% of its "
            "values (19) are ids in the roster's 'Adno' column.") in note
    assert survey.options["respondents"].value == "pupil"
    assert "What is your admission number?" not in survey.items  # not offered as a question


def test_item2_the_instrument_is_filled(survey):
    assert survey.options["instrument"].value == "pupil_voice"
    assert survey.proposed_table()["instrument"] == "pupil_voice"


def test_item2_timestamp_is_never_offered_once_listed_as_not_a_question(survey):
    assert "Timestamp (Google Forms metadata)" in survey._survey_note.value
    assert "Timestamp" not in survey.items
    survey.options["wave"].value = 2  # a change elsewhere does not bring it back
    survey.options["instrument"].value = "pupil_voice_b"  # nor does rebuilding the items
    assert "Timestamp" not in survey.items
    assert "Timestamp" not in survey.proposed_table()["columns"]


def test_item2_one_click_on_write_gives_one_outcome(survey, ws):
    assert survey.error is None, survey.message.value
    survey.write.click()
    shown = survey.message.value + survey.result.value
    assert "Written" in shown
    assert "Not ready" not in shown
    assert "already a source called" not in shown
    assert survey.write.disabled
    entry = tomllib.loads((ws / "enquiry.toml").read_text(encoding="utf-8"))["sources"][
        "pupil_voice_autumn"]
    assert entry["columns"]["What is your admission number?"] == "respondent_id"
    assert entry["instrument"] == "pupil_voice"
    enq = Enquiry.open(ws)
    linked = set(enq.survey_responses["respondent_id"].dropna())
    assert len(linked & set(enq.pupils["pupil_id"])) == 19  # "dont know" is not a pupil


def test_item2_a_refused_write_gives_one_outcome_too(survey):
    survey.name.value = "roster"  # taken
    survey.write.click()
    assert "Not written" in survey.result.value
    assert "Written <code>" not in survey.result.value


def test_item2_dropdown_labels_are_not_cut(ws):
    m = column_mapper(ws, "raw/roster.csv", kind="pupils")
    for dd in m.columns.values():
        assert dd.options[0] == ("(not in this file)", "")
        box = _em(dd.layout.width) - _em(dd.style.description_width)
        assert box >= 20  # "(not in this file)" and long headers show whole
        assert _em(dd.style.description_width) >= len("prior_attainment") * 0.6


def test_item2_mis_roster_with_a_ks2_scaled_score_gets_no_refused_suggestion(ws):
    (ws / "enquiry.toml").write_text('title = "Voice"\n', encoding="utf-8")
    m = column_mapper(ws, "raw/roster.csv", kind="pupils")
    assert m.columns["pupil_id"].value in ("Adno", "UPN")
    assert m.columns["year_group"].value == "Year"
    assert m.columns["sen"].value == "SEN Status"
    ks2 = m.columns["prior_attainment"].value
    if ks2 == "":  # this loader refuses scaled scores: the suggestion is taken back, with why
        assert m.refused["KS2 Average Scaled Score"][0] == "prior_attainment"
        assert ("<b>KS2 Average Scaled Score</b> is not suggested as prior_attainment: the "
                "loader refuses its values") in m._mapping_box.children[0].value
    assert m.error is None, m.message.value  # what is suggested, the loader reads
    assert not m.write.disabled


def test_item2_a_register_gets_the_id_column_the_roster_uses(ws):
    shutil.copyfile(SCHOOL / "register.csv", ws / "raw" / "register.csv")
    m = column_mapper(ws, "raw/register.csv", kind="attendance")
    assert m.columns["pupil_id"].value == "Adno"  # not UPN: the roster is keyed by Adno
    assert m.id_match[:3] == (1.0, "Adno", "Adno")
    m.options["layout"].value = "wide"
    assert m.error is None, m.message.value


def test_item2_the_id_dropdown_shows_each_column_s_share_of_roster_ids(survey):
    labels = dict((value, label) for label, value in survey.columns["respondent_id"].options)
    # the share first: a long question cut at the box's edge still shows it
    assert labels["What is your admission number?"] == (
        "(95% in the roster) What is your admission number?")
    assert labels[f"{GRID} [I feel safe in lessons]"] == (
        f"(not in the roster) {GRID} [I feel safe in lessons]")
    assert labels["Timestamp"] == "Timestamp"  # the tool's own column: no share
    assert labels[""] == "(not in this file)"
    box = _em(survey.columns["respondent_id"].layout.width) - _em(
        survey.columns["respondent_id"].style.description_width)
    assert box >= 20
