"""End to end: the data_health notebook runs on the demo trust; its recorded totals match what
Enquiry.open reports, its survey figures match pandas, and its HTML shows no name or id."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from slc_research.report.execute import ReportError, run_report

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo-b")]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "data_health.ipynb"
HEADINGS = ["Sources: rows read and left out", "Completeness", "Duplicates",
            "Questionnaire response and drop-out", "Values that are allowed but unlikely",
            "What was repaired and what was left out", "About the data"]
#: Sections with charts, and how many each has.
CHARTS = {"Completeness": 1, "Questionnaire response and drop-out": 2,
          "What was repaired and what was left out": 1}


#: The sections of the result, in the notebook's order.
SECTIONS = ["sources", "completeness", "duplicates", "response", "drop_out", "plausibility",
            "repairs", "about_data"]


def test_notebook_is_its_parameters_one_run_and_one_show_per_section():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert "data_health.STUDY.run_notebook(workspace=workspace, school=school)" in code[1].source
    shown = [re.fullmatch(r'show\(result\["(\w+)"\]\)', c.source.strip()) for c in code[2:]]
    assert all(shown)
    assert [m.group(1) for m in shown] == ["at_a_glance", *SECTIONS]
    lines = [line for c in code for line in c.source.splitlines() if line.strip()]
    assert len(lines) <= 40
    assert not [line for line in lines if re.match(r"\s*(if|for|while|elif|else)\b", line)]
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    assert headings == ["## At a glance"] + [f"## {h}" for h in HEADINGS[:4]] + ["### Drop-out between waves"] + [
        f"## {h}" for h in HEADINGS[4:]]


@pytest.fixture(scope="module")
def report(demo_enquiry, demo_workspace, tmp_path_factory):
    out = tmp_path_factory.mktemp("health")
    result = run_report(NOTEBOOK, demo_workspace, out, parameters={}, name="data_health")
    return result, (out / "data_health.html").read_text(encoding="utf-8")


def _sections(html: str) -> dict[str, str]:
    parts = re.split(r"<h2[^>]*>", html)[1:]
    return {p.split("<", 1)[0].strip(): p for p in parts}


def test_recorded_totals_equal_the_workspace_health(report, demo_enquiry):
    records = report[0].records
    assert records["title"].endswith("data health (all schools)")
    assert records["n_sources"] == len(demo_enquiry.health)
    assert records["rows_read"] == sum(h.rows_read for h in demo_enquiry.health)
    assert records["rows_left_out"] == sum(h.rows_dropped for h in demo_enquiry.health)
    spaces = sum(int(m.group(1)) for h in demo_enquiry.health for n in h.notes
                 if (m := re.match(r"(\d+) values had spaces", n)))
    assert records["n_repairs"] >= spaces > 0
    assert set(records["n_duplicates"]) >= {"pupils", "attendance", "survey_responses"}
    assert records["n_duplicates"]["pupils"] == 0
    assert records["n_out_of_range"]["attendance_weekend"] == 0  # the demo has no weekend marks


def test_response_rates_are_proportions_with_intervals(report):
    rates = report[0].records["response_rate"]
    assert {"learning_questionnaire wave 1", "learning_questionnaire wave 2"} <= set(rates)
    for rate in rates.values():
        assert 0 < rate["estimate"] <= 1
        assert rate["ci_low"] <= rate["estimate"] <= rate["ci_high"]
        assert rate["n"] >= rate["respondents"] > 0


def test_attrition_matches_the_demo(report, demo_enquiry):
    sr = demo_enquiry.survey_responses
    lq = sr[sr["instrument"] == "learning_questionnaire"]
    first = set(lq.loc[lq["wave"] == 1, "respondent_id"])
    second = set(lq.loc[lq["wave"] == 2, "respondent_id"])
    assert len(second) < len(first)  # the demo loses respondents between waves
    expected = 100 * len(first - second) / len(first)
    got = report[0].records["attrition_pct"]["learning_questionnaire wave 1 to 2"]
    assert got == pytest.approx(expected)
    for g in (v for k, v in report[0].records["attrition_g"].items()
              if k.startswith("learning_questionnaire")):
        assert g["ci_low"] <= g["estimate"] <= g["ci_high"]
        assert 0 < g["n"] <= len(first)  # first-wave respondents with a score
    rates = report[0].records["response_rate"]
    assert (rates["learning_questionnaire wave 2"]["estimate"]
            < rates["learning_questionnaire wave 1"]["estimate"])


def test_report_has_its_sections_notes_and_inline_charts(report):
    html = report[1]
    sections = _sections(html)
    for heading in HEADINGS:
        assert heading in sections, heading
    for heading, n in CHARTS.items():
        assert sections[heading].count("<svg") >= n, heading
    assert html.count("How to read this") >= 6
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html)
    for code in ("run_notebook(", "show(result", "import "):
        assert code not in html, code
    assert "95% CI" in html


def test_report_shows_no_name_or_real_id(roster_identifiers, report, demo_workspace):
    html = report[1]
    text = re.sub(r"<[^>]+>", " ", html)
    leaks = [x for x in roster_identifiers if re.search(rf"\b{re.escape(x)}\b", text)]
    assert leaks == []
    assert not re.search(r"\b[PS]-[0-9a-f]{10}\b", html)  # not even a pseudonym


def test_one_school_and_a_bad_school(demo_enquiry, demo_workspace, tmp_path):
    from slc_research.casestudies.data_health.summary import source_overview

    one = run_report(NOTEBOOK, demo_workspace, tmp_path, parameters={"school": "riverside school"},
                     name="riverside")
    overview = source_overview(demo_enquiry, school="Riverside School")
    assert one.records["n_sources"] == len(overview) < len(demo_enquiry.health)
    assert one.records["rows_read"] == overview["rows_read"].sum()
    assert "learning_questionnaire wave 1" in one.records["response_rate"]
    with pytest.raises(ReportError) as info:
        run_report(NOTEBOOK, demo_workspace, tmp_path, parameters={"school": "No Such School"},
                   name="bad")
    assert info.value.ename == "ConfigError"
    assert "No Such School" in info.value.evalue
    assert not (tmp_path / "bad.html").exists()


def test_a_workspace_without_sources_says_so(tmp_path):
    ws = tmp_path / "empty"
    ws.mkdir()
    (ws / "enquiry.toml").write_text('title = "Empty"\nacademic_year = "2025-26"\n',
                                     encoding="utf-8")
    result = run_report(NOTEBOOK, ws, tmp_path / "out", parameters={}, name="empty")
    assert result.records["n_sources"] == 0
    assert result.records["response_rate"] == {}
    html = (tmp_path / "out" / "empty.html").read_text(encoding="utf-8")
    assert "This enquiry has no sources yet" in html
    assert "There are no questionnaire answers" in html
