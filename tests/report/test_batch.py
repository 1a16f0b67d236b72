"""Batch files: reading, strict checks, the grid of parameters, @each selectors and names."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import nbformat
import pandas as pd
import pytest

from slc_research.errors import ConfigError
from slc_research.report.batch import (
    Batch,
    BatchEntry,
    expand_batch,
    parse_parameter,
    read_batch,
    slug,
)

DEMO_BATCH = Path(__file__).resolve().parents[2] / "batches" / "demo.toml"


def tiny_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = 'workspace = ""\ncommunity = ""\nschool = ""\nyear = ""\nwaves = [1, 2]'
    nb.cells = [nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("print(community)")]
    nb.metadata["kernelspec"] = {"name": "slc-research", "display_name": "slc-research",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def enq():
    """A stand-in for an opened Enquiry: what expand_batch reads."""
    communities = pd.DataFrame({
        "community": ["Riverside SLC", "Northfield SLC", "Maths TLC", "St Aidan's SLC"],
        "kind": pd.Categorical(["slc", "slc", "tlc", "slc"]),
        "school": ["Riverside", "Northfield", "Riverside", "St Aidan's"]})
    meetings = pd.DataFrame({"date": pd.to_datetime(["2024-10-01", "2025-03-01", "2025-09-10"])})
    kinds = ["slc", "tlc", "coproduction", "slc_conference"]
    memberships = pd.DataFrame({  # one member in a community of each kind
        "member_id": ["p1", "s1", "p2", "p3"],
        "community": ["Riverside SLC", "Maths TLC", "Riverside Co-production", "7A"],
        "community_kind": pd.Categorical(kinds)})
    one = pd.DataFrame({"text_id": ["t1"], "source": ["reflection"]})
    pupils = pd.DataFrame({"pupil_id": ["p1", "p2", "p3"]})  # the members are on the roster
    return SimpleNamespace(communities=communities, meetings=meetings, memberships=memberships,
                           pupils=pupils,
                           texts=one, codings=one,
                           schools=("Northfield", "Riverside", "St Aidan's"),
                           academic_year="2025-26")


def write(tmp_path: Path, text: str) -> Path:
    tiny_notebook(tmp_path / "tiny.ipynb")
    path = tmp_path / "batch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def names(plan):
    return [r.name for r in plan]


def test_demo_batch_has_the_six_trust_reports_each_slc_and_a_research_copy(enq):
    plan = expand_batch(read_batch(DEMO_BATCH), enq)
    assert names(plan)[:6] == ["data_health", "slc_impact", "tlc_impact",
                               "student_led_conferences", "coproduction_pilot", "voices"]
    assert names(plan)[6:9] == ["slc_impact--northfield-slc", "slc_impact--riverside-slc",
                                "slc_impact--st-aidan-s-slc"]
    assert plan[7].parameters == {"community": "Riverside SLC"}
    research = plan[-1]
    assert (research.name, research.audience, research.parameters) == (
        "slc_impact--research", "research", {})
    batch = read_batch(DEMO_BATCH)
    assert batch.workspace == DEMO_BATCH.parents[1] / "data" / "demo"
    assert batch.out == DEMO_BATCH.parents[1] / "outputs"


def test_item5_a_case_study_the_enquiry_lacks_is_planned_as_not_run_with_the_reason(enq):
    # no teacher in a TLC and nothing coded: the communities file still lists the TLC
    enq.memberships = enq.memberships[enq.memberships["community_kind"] != "tlc"]
    enq.codings = enq.codings.iloc[0:0]
    plan = {r.name: r for r in expand_batch(read_batch(DEMO_BATCH), enq)}
    assert plan["tlc_impact"].not_run == (
        'tlc_impact: not run - this enquiry has no TLC (no memberships source with '
        'community_kind = "tlc" lists its teachers)')
    assert plan["voices"].not_run.startswith("voices: not run - none of its texts is coded")
    runs = [n for n, r in plan.items() if not r.not_run]
    assert runs[:4] == ["data_health", "slc_impact", "student_led_conferences",
                        "coproduction_pilot"]


def test_lists_make_a_grid_with_fixed_parameters_and_slugged_names(tmp_path, enq):
    path = write(tmp_path, """
[[report]]
notebook = "tiny.ipynb"
name = "{notebook}--{community}--{year}"
[report.parameters]
waves = [1, 2]
[report.each]
community = ["Riverside SLC", "Northfield SLC"]
year = ["2024-25", "2025-26"]
""")
    plan = expand_batch(read_batch(path), enq)
    assert names(plan) == ["tiny--riverside-slc--2024-25", "tiny--riverside-slc--2025-26",
                           "tiny--northfield-slc--2024-25", "tiny--northfield-slc--2025-26"]
    assert plan[1].parameters == {"waves": [1, 2], "community": "Riverside SLC",
                                  "year": "2025-26"}
    assert plan[0].notebook == tmp_path / "tiny.ipynb"


def test_each_selectors_read_the_workspace(tmp_path, enq):
    path = write(tmp_path, """
[[report]]
notebook = "tiny.ipynb"
[report.each]
community = "@each slc"

[[report]]
notebook = "tiny.ipynb"
[report.each]
year = "@each"

[[report]]
notebook = "tiny.ipynb"
name = "{notebook}--{school}--{community}"
[report.each]
school = "@each"
community = "@each"
""")
    plan = expand_batch(read_batch(path), enq)
    assert names(plan) == [
        # the default name: the notebook, then each grid value
        "tiny--northfield-slc", "tiny--riverside-slc", "tiny--st-aidan-s-slc",
        "tiny--2024-25", "tiny--2025-26",
        # school x community: each school with its own communities only
        "tiny--northfield--northfield-slc", "tiny--riverside--maths-tlc",
        "tiny--riverside--riverside-slc", "tiny--st-aidan-s--st-aidan-s-slc"]


def test_audience_and_an_empty_value_in_names(tmp_path, enq):
    path = write(tmp_path, """
audience = "research"
[[report]]
notebook = "tiny.ipynb"
name = "{notebook}--{community}--{audience}"
[report.each]
community = ["", "Riverside SLC"]
""")
    plan = expand_batch(read_batch(path), enq)
    assert names(plan) == ["tiny--all--research", "tiny--riverside-slc--research"]
    assert {r.audience for r in plan} == {"research"}


def test_duplicate_names_are_rejected_with_the_fix(tmp_path, enq):
    path = write(tmp_path, """
[[report]]
notebook = "tiny.ipynb"
[[report]]
notebook = "tiny.ipynb"
audience = "research"
""")
    with pytest.raises(ConfigError, match=r"batch.toml.*report\[2\].name.*two reports would both "
                                          r"be called 'tiny'.*\{audience\}"):
        expand_batch(read_batch(path), enq)


def test_a_name_template_that_drops_a_grid_value_collides(tmp_path, enq):
    path = write(tmp_path, """
[[report]]
notebook = "tiny.ipynb"
name = "{notebook}"
[report.each]
community = ["Riverside SLC", "Northfield SLC"]
""")
    with pytest.raises(ConfigError, match=r"'tiny'.*community = \"Riverside SLC\""):
        expand_batch(read_batch(path), enq)


@pytest.mark.parametrize(("text", "message"), [
    ('[[report]]\nnotebok = "tiny.ipynb"', r"key 'report\[1\].notebok'.*Did you mean 'notebook'"),
    ('titel = "x"\n[[report]]\nnotebook = "tiny.ipynb"', r"key 'titel'.*Did you mean 'title'"),
    ('[[report]]\nnotebook = "tiny.ipynb"\naudience = "researcher"',
     r"key 'report\[1\].audience'.*Did you mean 'research'"),
    ('[[report]]\nnotebook = "tiny.ipynb"\n[report.each]\ncommunity = "@each slcs"',
     r"report\[1\].each.community.*Did you mean '@each slc'"),
    ('[[report]]\nnotebook = "tiny.ipynb"\n[report.each]\nwaves = "@each"',
     r"@each can fill community, school, year only"),
    ('[[report]]\nnotebook = "tiny.ipynb"\n[report.each]\ncommunity = "Riverside SLC"',
     r"expected a list of values.*\[report.parameters\]"),
    ('[[report]]\nnotebook = "tiny.ipynb"\nname = "{notebook}--{comunity}"\n[report.each]\n'
     'community = ["a"]',
     r"\{comunity\}.*Did you mean '\{community\}'"),
    ('[[report]]\nnotebook = "tiny.ipynb"\n[report.parameters]\ncommunity = "a"\n'
     '[report.each]\ncommunity = ["b"]', r"both under parameters and each"),
    ('title = "x"', r"at least one \[\[report\]\]"),
    ('[[report]]\nname = "x"', r"report\[1\].notebook.*no notebook"),
    ("[[report]]\nnotebook = slc_impact", r"not valid TOML"),
])
def test_bad_batch_files_name_the_file_key_and_fix(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message) as info:
        read_batch(write(tmp_path, text))
    assert info.value.file == str(tmp_path / "batch.toml")


def test_unknown_notebooks_and_parameters_are_caught_before_running(tmp_path, enq):
    path = write(tmp_path, '[[report]]\nnotebook = "tiny.ipynb"\n[report.parameters]\nwave = [1]')
    with pytest.raises(ConfigError, match=r"tiny.ipynb has no parameter 'wave'. Did you mean "
                                          r"'waves'"):
        expand_batch(read_batch(path), enq)
    path = write(tmp_path, '[[report]]\nnotebook = "slc_impakt"')
    with pytest.raises(ConfigError, match=r"report\[1\].notebook.*no case-study notebook"):
        expand_batch(read_batch(path), enq)


def test_a_missing_batch_file_says_where_to_look(tmp_path):
    with pytest.raises(ConfigError, match="no batch file.*batches/demo.toml"):
        read_batch(tmp_path / "nope.toml")


@pytest.mark.parametrize(("text", "expected"), [
    ('community="Riverside SLC"', ("community", "Riverside SLC")),
    ("community=Riverside SLC", ("community", "Riverside SLC")),  # the shell ate the quotes
    ("waves=[1,2]", ("waves", [1, 2])),
    ("target_per_week=2", ("target_per_week", 2)),
    ('schools=["A", "B"]', ("schools", ["A", "B"])),
    ("flag=true", ("flag", True)),
])
def test_command_line_parameters_are_toml_literals(text, expected):
    assert parse_parameter(text) == expected


def test_a_command_line_parameter_without_a_name_is_refused():
    with pytest.raises(ConfigError, match="-p expects name=value"):
        parse_parameter("[1,2]")


def test_slug():
    assert slug("St Aidan's SLC") == "st-aidan-s-slc"
    assert slug([1, 2]) == "1-2"
    assert slug("") == "all"


def test_a_programmatic_batch_expands_like_a_file(tmp_path, enq):
    nb = tiny_notebook(tmp_path / "tiny.ipynb")
    batch = Batch((BatchEntry((str(nb),), {}, {"community": "@each tlc"}),))
    assert names(expand_batch(batch, enq)) == ["tiny--maths-tlc"]
