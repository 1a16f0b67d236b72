"""The manifest: every mistake is a ConfigError naming the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from slc_research.errors import ConfigError
from slc_research.workspace.manifest import read_manifest

GOOD = """
title = "SLC enquiry"
academic_year = "2025-26"
schools = ["Northfield Academy"]

[privacy]
suppression_threshold = 7

[response_scales.confidence4]
levels = ["Not at all", "A little", "Quite", "Very"]
missing = ["Don't know"]

[scales.engagement]
instrument = "lq"
items = ["eng1", "eng2", "eng3"]
reverse = ["eng3"]

[sources.roster]
path = "raw/roster.csv"
kind = "pupils"
school = "Northfield Academy"
[sources.roster.columns]
"UPN" = "pupil_id"
"Year" = "year_group"

[sources.lq1]
path = "raw/lq1.csv"
kind = "survey"
wave = 1
response_scale = "confidence4"
"""


def _workspace(tmp_path: Path, text: str) -> Path:
    (tmp_path / "raw").mkdir(exist_ok=True)
    (tmp_path / "raw" / "roster.csv").write_text("UPN,Year\nA1,7\n", encoding="utf-8")
    (tmp_path / "raw" / "lq1.csv").write_text("Pupil,Q1\nA1,Very\n", encoding="utf-8")
    (tmp_path / "enquiry.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_good_manifest_is_read(tmp_path):
    m = read_manifest(_workspace(tmp_path, GOOD))
    assert m.title == "SLC enquiry"
    assert m.schools == ("Northfield Academy",)
    assert m.suppression_threshold == 7
    assert m.scales["engagement"].reverse == ("eng3",)
    assert m.scales["engagement"].response_scale == "agree5"
    assert m.response_scales["confidence4"].lookup()["very"] == 4.0
    roster = m.sources["roster"]
    assert roster.kind == "pupils"
    assert roster.path == (tmp_path / "raw" / "roster.csv").resolve()
    assert roster.label == "raw/roster.csv"
    assert roster.columns == {"UPN": "pupil_id", "Year": "year_group"}
    assert roster.options == {"school": "Northfield Academy"}
    assert m.sources["lq1"].options["instrument"] == "lq1"  # defaults to the source name



def test_the_one_school_named_is_the_school_of_a_roster_with_no_school_column(tmp_path):
    # one school's MIS export has no school column; with one school named it needs no `school`
    from slc_research.workspace.enquiry import Enquiry

    text = ('schools = ["Northfield Academy"]\n[sources.roster]\npath = "raw/roster.csv"\n'
            'kind = "pupils"\ncolumns = { "UPN" = "pupil_id", "Year" = "year_group" }\n')
    ws = _workspace(tmp_path, text)
    assert read_manifest(ws).sources["roster"].options == {"school": "Northfield Academy"}
    (tmp_path / "good").mkdir()
    good = read_manifest(_workspace(tmp_path / "good", GOOD))
    assert "school" not in good.sources["lq1"].options  # a survey has none
    assert Enquiry.open(ws).pupils["school"].tolist() == ["Northfield Academy"]
    two = _workspace(tmp_path, text.replace('["Northfield Academy"]',
                                            '["Northfield Academy", "Southfield School"]'))
    assert read_manifest(two).sources["roster"].options == {}  # which one is not guessed

def test_default_threshold_is_five(tmp_path):
    m = read_manifest(_workspace(tmp_path, 'title = "x"\n'))
    assert m.suppression_threshold == 5
    assert m.sources == {}


def test_missing_manifest_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match="slc-research init"):
        read_manifest(tmp_path)


def test_toml_syntax_error(tmp_path):
    with pytest.raises(ConfigError, match=r"enquiry\.toml: this is not valid TOML"):
        read_manifest(_workspace(tmp_path, 'title = "unclosed\n'))


def test_typo_in_a_key_suggests_the_right_one(tmp_path):
    text = GOOD.replace('kind = "pupils"', 'knid = "pupils"\nkind = "pupils"')
    with pytest.raises(ConfigError, match=r"key 'sources\.roster\.knid'.*Did you mean 'kind'"):
        read_manifest(_workspace(tmp_path, text))


def test_typo_in_top_level_key(tmp_path):
    with pytest.raises(ConfigError, match=r"key 'tittle'.*Did you mean 'title'"):
        read_manifest(_workspace(tmp_path, 'tittle = "x"\n'))


def test_missing_source_file(tmp_path):
    text = GOOD.replace("raw/roster.csv", "raw/rooster.csv")
    with pytest.raises(ConfigError, match=r"sources\.roster\.path.*'raw/rooster\.csv' does not "
                                          r"exist"):
        read_manifest(_workspace(tmp_path, text))


@pytest.mark.parametrize("path", ["../outside.csv", "/etc/passwd", "raw/../../outside.csv"])
def test_path_outside_the_workspace_is_refused(tmp_path, path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (tmp_path / "outside.csv").write_text("UPN\nA1\n", encoding="utf-8")
    text = GOOD.replace('"raw/roster.csv"', f'"{path}"')
    with pytest.raises(ConfigError, match="points outside the workspace"):
        read_manifest(_workspace(ws, text))


def test_unknown_kind_suggests_a_close_one(tmp_path):
    text = GOOD.replace('kind = "pupils"', 'kind = "pupil"')
    with pytest.raises(ConfigError, match=r"unknown kind 'pupil'.*Did you mean 'pupils'"):
        read_manifest(_workspace(tmp_path, text))


def test_unknown_canonical_column(tmp_path):
    text = GOOD.replace('"Year" = "year_group"', '"Year" = "yeargroup"')
    with pytest.raises(ConfigError, match=r"columns\.Year.*'yeargroup'.*Did you mean "
                                          r"'year_group'"):
        read_manifest(_workspace(tmp_path, text))


def test_unknown_response_scale(tmp_path):
    text = GOOD.replace('response_scale = "confidence4"', 'response_scale = "agree7"')
    with pytest.raises(ConfigError, match=r"sources\.lq1\.response_scale.*unknown answer scale "
                                          r"'agree7'"):
        read_manifest(_workspace(tmp_path, text))


def test_reverse_item_not_in_items(tmp_path):
    text = GOOD.replace('reverse = ["eng3"]', 'reverse = ["eng4"]')
    with pytest.raises(ConfigError, match=r"scales\.engagement\.reverse"):
        read_manifest(_workspace(tmp_path, text))


def test_threshold_must_be_a_positive_whole_number(tmp_path):
    with pytest.raises(ConfigError, match="suppression_threshold.*whole number"):
        read_manifest(_workspace(tmp_path, GOOD.replace("= 7", '= "seven"')))
    with pytest.raises(ConfigError, match="at least 1"):
        read_manifest(_workspace(tmp_path, GOOD.replace("= 7", "= 0")))


def test_members_option_is_checked(tmp_path):
    text = GOOD + '\n[sources.m]\npath = "raw/roster.csv"\nkind = "memberships"\nmembers = "pupils"\n'
    with pytest.raises(ConfigError, match=r"sources\.m\.members.*pupil, staff"):
        read_manifest(_workspace(tmp_path, text))


def test_attendance_layout_is_checked(tmp_path):
    text = GOOD + '\n[sources.a]\npath = "raw/roster.csv"\nkind = "attendance"\nlayout = "tall"\n'
    with pytest.raises(ConfigError, match=r"sources\.a\.layout"):
        read_manifest(_workspace(tmp_path, text))


def test_option_of_another_kind_is_refused(tmp_path):
    text = GOOD.replace('school = "Northfield Academy"\n[sources.roster.columns]',
                        'wave = 2\n[sources.roster.columns]')
    with pytest.raises(ConfigError, match=r"unknown key 'wave'"):
        read_manifest(_workspace(tmp_path, text))
