"""End to end: the slc_impact notebook runs through Papermill on the demo trust and its
offline HTML report has the expected headings, inline charts, and no name or real id."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from slc_research.report.execute import ReportError, run_report
from slc_research.report.runs import run_reports

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "slc_impact.ipynb"
HEADINGS = ["Who took part", "Participation", "Change on the learning questionnaire",
            "Attendance and behaviour", "What this design can and cannot show", "About the data"]


def _identifiers(workspace: Path) -> set[str]:
    """Every UPN, staff code and name in the raw roster and staff files."""
    found: set[str] = set()
    for path in workspace.glob("raw/*/mis/roster.csv"):
        roster = pd.read_csv(path, dtype=str)
        for col in ("UPN", "Legal Forename", "Legal Surname"):
            found |= set(roster[col].dropna())
    for path in workspace.glob("raw/*/mis/staff_list.xlsx"):
        staff = pd.read_excel(path, sheet_name="Staff", dtype=str)
        for col in ("Staff Code", "Surname"):
            found |= set(staff[col].dropna())
    return {x for x in found if len(x) >= 3}


@pytest.fixture(scope="module")
def trust_report(demo_enquiry, demo_workspace, tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    failures = run_reports(demo_workspace, NOTEBOOK, out, each_community=False, quiet=True)
    assert failures == []
    return out


def test_report_has_headings_and_inline_charts(trust_report):
    html = (trust_report / "slc_impact.html").read_text(encoding="utf-8")
    for heading in HEADINGS:
        assert re.search(rf"<h2[^>]*>{re.escape(heading)}", html), heading
    assert html.count("<svg") >= 4
    # offline: no script or stylesheet from the network, no code cells shown
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html)
    assert "cdn.jsdelivr" not in html
    for code in ("Enquiry.open", "show_table(", "import "):
        assert code not in html, code
    assert "95% CI" in html
    assert "Hedges" in html


def test_report_shows_no_name_or_real_id(trust_report, demo_workspace):
    html = (trust_report / "slc_impact.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html)
    leaks = [x for x in _identifiers(demo_workspace) if re.search(rf"\b{re.escape(x)}\b", text)]
    assert leaks == []
    assert not re.search(r"\b[PS]-[0-9a-f]{10}\b", html)  # not even a pseudonym


def test_index_lists_the_report_with_its_headline_results(trust_report):
    index = (trust_report / "index.html").read_text(encoding="utf-8")
    assert 'href="slc_impact.html"' in index
    assert "ok" in index
    assert "Engagement" in index or "engagement" in index


def test_a_bad_parameter_fails_loudly_with_the_cell(demo_enquiry, demo_workspace, tmp_path):
    with pytest.raises(ReportError) as info:
        run_report(NOTEBOOK, demo_workspace, tmp_path,
                   parameters={"community": "No Such Team"}, name="bad")
    assert info.value.ename == "ConfigError"
    assert "No Such Team" in info.value.evalue
    assert not (tmp_path / "bad.html").exists()  # nothing half-written
