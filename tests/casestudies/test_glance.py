"""Issue 18, item 1: every report opens with "At a glance", built from the case study's result.

The glances of the demo trust's case studies are checked for what a head teacher reads: three
to six findings, no internal key, "nan" or "-0.0", every number one the result recorded, the
interval in words that match it, and a Flesch reading ease of 50 or more (textstat).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from pathlib import Path

import nbformat
import pytest
import textstat

from slc_research.casestudies.glance import (
    Glance,
    at_a_glance,
    change_sentence,
    how_sure,
    number,
    plain_title,
    rating_line,
    size_in_words,
)
from slc_research.report.catalogue import NOTEBOOKS, notebook_path

pytestmark = [pytest.mark.xdist_group("demo")]

#: Words a head teacher should not meet in a glance (symbols, internal keys, jargon).
JARGON = re.compile(r"_|\bnan\b|\bNaN\b|-0\.0+\b|\b(?:g|p|d|h|n|CI|SD|df)\s*=|\bCI\b|"
                    r"\bd_ppc2\b|\bHolm\b|\bp-value\b|\bkappa\b", re.IGNORECASE)
#: A number as a finding writes it ("1,597", "0.43", "-10.5", "82%").
NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?")
#: An academic year or a date range ("2025-26") is not a measured number.
YEAR = re.compile(r"\b\d{4}-\d{2}\b")


@pytest.fixture(scope="session")
def demo_glances(demo_enquiry, demo_workspace) -> dict[str, tuple[object, Glance]]:
    """Each demo case study that applies: its result and its glance."""
    out = {}
    for name, study in NOTEBOOKS.items():
        if study.applies(demo_enquiry):
            continue
        result = study.result(demo_enquiry, study.validate(workspace=str(demo_workspace)))
        out[name] = (result, result["at_a_glance"])
    return out


def _numbers(value, found: set[float]) -> None:
    """Every number recorded in ``value`` (and in its keys: "wave 1"), at face value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        _numbers(dataclasses.asdict(value), found)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _numbers(str(k), found)
            _numbers(v, found)
    elif isinstance(value, list | tuple):
        for v in value:
            _numbers(v, found)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        if math.isfinite(value):
            found.add(float(value))
    elif isinstance(value, str):
        found.update(float(m.replace(",", "")) for m in NUMBER.findall(YEAR.sub("", value)))
    elif hasattr(value, "to_dict"):
        _numbers(value.to_dict(orient="records"), found)


def _recorded(result) -> set[float]:
    found: set[float] = set()
    _numbers(dict(result.all_records), found)
    _numbers([s.finding for s in result.sections], found)  # a finding quoted whole
    return found


def _matches(shown: str, recorded: set[float]) -> bool:
    value = float(shown.replace(",", ""))
    places = len(shown.split(".")[1]) if "." in shown else 0
    for r in recorded:
        for scaled in (r, r * 100):  # shares are recorded 0-1 and said in per cent
            if abs(round(scaled, places) - value) < 1e-9 or \
                    abs(round(abs(scaled), places) - abs(value)) < 1e-9:
                return True
    return False


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_item1_each_demo_glance_has_three_to_six_plain_findings(demo_glances, name):
    result, glance = demo_glances[name]
    assert 3 <= len(glance.findings) <= 6, glance.findings
    texts = (*glance.findings, glance.evidence, *glance.can_and_cannot, glance.title)
    for text in texts:
        assert not JARGON.search(text), text
    assert glance.evidence
    assert "\n" not in glance.evidence
    assert len(glance.can_and_cannot) >= 2
    assert not re.search(r"\?\s*:", glance.title)
    assert glance.title.lower() in result.title.lower()


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_item1_glance_numbers_are_the_results_recorded_values(demo_glances, name):
    result, glance = demo_glances[name]
    recorded = _recorded(result) | {0.0, 1.0, 5.0}  # "1 to 5 scale", "1 is full agreement"
    for finding in glance.findings:
        for shown in NUMBER.findall(YEAR.sub("", finding)):
            assert _matches(shown, recorded), (shown, finding)


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_item1_glance_reads_at_flesch_50_or_more(demo_glances, name):
    _, glance = demo_glances[name]
    ease = textstat.flesch_reading_ease(glance.text)
    print(f"{name}: Flesch reading ease {ease:.1f}")
    assert ease >= 50, (ease, glance.text)


def test_item1_slc_impact_primary_outcome_said_in_words_with_its_interval(demo_glances):
    result, glance = demo_glances["slc_impact"]
    row = dataclasses.asdict(result["all_outcomes"].records["engagement_g"])
    said = next(f for f in glance.findings if "engagement" in f)
    assert f"{number(row['estimate'])} on the standard scale" in said
    assert size_in_words(row["estimate"]) in said
    assert how_sure(row["ci_low"], row["ci_high"]) in said.lower()
    assert glance.evidence.startswith(
        f"Strength of evidence: {result['evidence'].records['strength_of_evidence']}, "
        "where 5 is the strongest.")


def test_a_glance_filled_from_the_sections_does_not_say_one_thing_twice():
    from slc_research.casestudies.result import Result, Section

    result = Result("slc_impact", "Enquiry?: Hillside SLC", "", (
        Section("who_took_part", "Who took part",
                finding="9 pupils were members, out of 24 pupils in the same year groups."),
        Section("participation", "Participation", finding="The community held 12 meetings."),
    ), records={"members": 9, "community": "Hillside SLC"})
    assert at_a_glance(result).findings == ("9 pupils were members of Hillside SLC.",
                                            "The community held 12 meetings.")


def test_a_glance_without_a_comparison_group_says_members_own_change():
    from slc_research.casestudies.result import Result, Section

    own = {"estimate": -0.67, "ci_low": -1.63, "ci_high": 0.30, "paired": True, "n": 9}
    result = Result("slc_impact", "Enquiry?: Hillside SLC", "", (
        Section("all_outcomes", "All outcomes together", finding="There is no comparison "
                "group, so no outcome is compared with other pupils."),), records={
        "members": 9, "community": "Hillside SLC", "behaviour_g": own, "holm": [],
        "outcome_labels": {"behaviour": "Behaviour (negative points)"}})
    assert at_a_glance(result).findings[1:3] == (
        "There is no comparison group, so what follows is how much members themselves "
        "changed, not how much more than other pupils.",
        "Members' own behaviour (negative points) went down. It was a large fall: -0.67 on "
        "the standard scale. It could be anywhere between -1.63 and 0.30, so it could be no "
        "change at all.")


def test_item1_interval_words_match_the_interval():
    assert how_sure(0.23, 0.62) == "we can be fairly sure it is between 0.23 and 0.62"
    assert how_sure(-0.02, 0.57).endswith("so it could be no change at all")
    assert "no change" not in how_sure(-0.9, -0.1)
    assert change_sentence("Members' engagement went up", 0.43, 0.23, 0.62) == (
        "Members' engagement went up. It was a moderate rise: 0.43 on the standard scale. "
        "We can be fairly sure it is between 0.23 and 0.62.")


def test_item1_sizes_in_words_follow_the_usual_reading():
    assert [size_in_words(x) for x in (0.01, 0.1, 0.43, -0.6, 0.9)] == [
        "hardly any change", "a small rise", "a moderate rise", "a large fall",
        "a very large rise"]


def test_item1_numbers_never_read_minus_zero_or_nan():
    assert number(-0.001) == "0.00"
    assert number(-0.04, 1) == "0.0"
    assert number(float("nan")) == "–"
    assert number(1597.0, 0) == "1,597"


def test_item1_strength_of_evidence_explained_in_one_line():
    line = rating_line("0 of 5", "0 of 5: the design (comparison pupils matched) allows at "
                       "most 3; the number of pupils analysed (smallest detectable effect "
                       "0.45 SD) allows 2; the pupils lost (19%) allow 4; the lowest of these "
                       "is 2; 1 lost because the groups were not alike at the start.")
    assert line == ("Strength of evidence: 0 of 5, where 5 is the strongest. What holds it "
                    "down: the number of pupils; the groups were not alike at the start.")


def test_item1_titles_lose_the_enquirys_question():
    assert plain_title("Do our communities change how pupils learn?: Hillside SLC") == \
        "Hillside SLC"
    assert plain_title("How we learn (pilot): the co-production pilot") == \
        "The co-production pilot"
    assert plain_title("Hillside SLC") == "Hillside SLC"


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_item1_every_notebook_shows_the_glance_first(name):
    nb = nbformat.read(str(notebook_path(name)), as_version=4)
    run = next(i for i, c in enumerate(nb.cells) if "run_notebook" in c.source)
    assert nb.cells[run + 1].cell_type == "markdown"
    assert nb.cells[run + 1].source.startswith("## At a glance")
    assert nb.cells[run + 2].source.strip() == 'show(result["at_a_glance"])'
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_item1_show_records_the_glance_for_the_index():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from slc_research.report.display import RECORD_MIMETYPE, show

    InteractiveShell.instance()
    glance = Glance("Hillside SLC", ("A <b>finding</b>.", "Two.", "Three."),
                    "Strength of evidence: low.", ("It can.", "It cannot."),
                    about="Members' change differed by (raw-score d_ppc2, 95% CI): 0.43.")
    with capture_output() as shown:
        show(glance)
    html = "".join(o.data.get("text/html", "") for o in shown.outputs)
    assert "A &lt;b&gt;finding&lt;/b&gt;." in html
    assert "(raw-score d, 95% CI)" in html
    assert "_" not in html.split("About this report")[1]
    assert html.index("Three.") < html.index("Strength of evidence") < html.index(
        "What this can and cannot tell us")
    records = [o.data[RECORD_MIMETYPE] for o in shown.outputs if RECORD_MIMETYPE in o.data]
    assert records == [{"name": "at_a_glance", "value": glance.to_record()}]


@pytest.mark.slow
def test_item1_the_html_report_opens_with_at_a_glance(demo_workspace, tmp_path):
    from slc_research.report.execute import run_report

    path = Path(__file__).resolve().parents[2] / "notebooks" / "tlc_impact.ipynb"
    report = run_report(path, demo_workspace, tmp_path, parameters={}, name="tlc",
                        engine="fresh")
    page = report.html.read_text(encoding="utf-8")
    glance = page.index("At a glance")
    assert glance < page.index("Who takes part") < page.index("<table")
    assert page.index("What this can and cannot tell us") < page.index("About this report") \
        < page.index("Who takes part")
    assert "learn?:" not in page[:page.index("At a glance")]
    assert report.records["at_a_glance"]["findings"]


def test_starting_points_not_known_are_said_as_not_known():
    line = rating_line("0 of 5", "0 of 5: the design (volunteers compared with others, "
                       "allowing for their starting scores only) allows at most 2; the number "
                       "of pupils analysed (fewer than 5 in a group) allows 0; the pupils lost "
                       "(12%) allow 4; the lowest of these is 0; 1 lost because it is not known "
                       "whether the groups were alike at the start.")
    assert line == ("Strength of evidence: 0 of 5, where 5 is the strongest. What holds it "
                    "down: the number of pupils; it is not known whether the groups were alike "
                    "at the start.")


def test_the_data_health_glance_counts_one_thing_in_the_singular():
    # a teacher's first enquiry had one value repaired: "1 values were repaired"
    from slc_research.casestudies.data_health.glance import facts
    from slc_research.casestudies.result import Result

    one = Result("data_health", "Data health", "", (), records={
        "rows_read": 130, "n_sources": 7, "rows_left_out": 1, "n_repairs": 1})
    assert facts(one).findings[:2] == ("The 7 files held 130 rows; 1 row was left out.",
                                       "1 value was repaired as it was read.")
    many = Result("data_health", "Data health", "", (), records={
        "rows_read": 1_057_004, "n_sources": 112, "rows_left_out": 2_272, "n_repairs": 14_558})
    assert facts(many).findings[:2] == (
        "The 112 files held 1,057,004 rows; 2,272 rows were left out.",
        "14,558 values were repaired as they were read.")
