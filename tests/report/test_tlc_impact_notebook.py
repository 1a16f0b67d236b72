"""End to end: the tlc_impact notebook runs on the demo trust (every TLC, and one TLC) and
its offline HTML report has a chart per section, a note per section, and no name or id."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from slc_research.casestudies.tlc import STUDY
from slc_research.casestudies.tlc import impact as tlc
from slc_research.casestudies.tlc.study import run
from slc_research.report.execute import ReportError, run_report

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "tlc_impact.ipynb"
HEADINGS = ["Who takes part", "How many teachers take part, year by year",
            "Meeting attendance across the half-terms", "The action-planning cycle",
            "Strategies tried", "The end-of-year staff survey", "Themes in the open comments",
            "About the data"]


@pytest.fixture(scope="module")
def trust_run(demo_enquiry, demo_workspace, tmp_path_factory):
    out = tmp_path_factory.mktemp("tlc_outputs")
    return out, run_report(NOTEBOOK, demo_workspace, out, parameters={}, name="tlc_impact")


@pytest.fixture(scope="module")
def one_tlc(demo_enquiry):
    tlcs = demo_enquiry.communities
    return str(tlcs.loc[tlcs["kind"] == "tlc", "community"].sort_values().iloc[0])


@pytest.fixture(scope="module")
def tlc_run(demo_enquiry, demo_workspace, tmp_path_factory, one_tlc):
    out = tmp_path_factory.mktemp("tlc_one")
    return out, run_report(NOTEBOOK, demo_workspace, out, parameters={"community": one_tlc},
                           name="tlc_one")


def test_trust_records_headline_estimates_with_cis(trust_run, demo_enquiry):
    records = trust_run[1].records
    assert "teacher learning communities" in records["title"]
    alpha = records["tlc_alpha"]
    assert 0.5 <= alpha["estimate"] <= 1
    assert alpha["ci_low"] <= alpha["estimate"] <= alpha["ci_high"]
    assert alpha["n"] >= 20
    mean = records["tlc_scale_mean"]
    assert 1 <= mean["ci_low"] <= mean["estimate"] <= mean["ci_high"] <= 5
    tried = records["pct_plans_tried"]
    assert 0 <= tried["ci_low"] <= tried["estimate"] <= tried["ci_high"] <= 100
    assert len(records["top_strategies"]) == 5
    assert records["n_members"] > 0


def test_share_of_teaching_staff_matches_the_data(trust_run, demo_enquiry):
    enq = demo_enquiry
    share = trust_run[1].records["share_teaching_staff"][enq.academic_year]
    teaching = tlc.teaching_staff(enq.staff)
    tlcs = set(enq.communities.loc[enq.communities["kind"] == "tlc", "community"])
    m = enq.memberships.loc[enq.memberships["community"].isin(tlcs)]
    start = pd.Timestamp(int(enq.academic_year[:4]), 8, 1)
    current = m.loc[m["left"].isna() | (m["left"] >= start), "member_id"]
    expected = 100 * teaching["staff_id"].isin(set(current)).sum() / len(teaching)
    assert share["n"] == len(teaching)
    assert share["estimate"] == pytest.approx(expected)
    assert share["ci_low"] < share["estimate"] < share["ci_high"]


def test_one_tlc_report_runs_and_records(tlc_run, one_tlc):
    records = tlc_run[1].records
    assert one_tlc in records["title"]
    assert 0 < records["n_members"] <= 15
    assert records["tlc_alpha"]["ci_low"] <= records["tlc_alpha"]["estimate"]


@pytest.mark.parametrize("which", ["trust_run", "tlc_run"])
def test_report_has_headings_charts_and_notes(which, request):
    out, result = request.getfixturevalue(which)
    html = (out / f"{result.name}.html").read_text(encoding="utf-8")
    for heading in HEADINGS:
        assert re.search(rf"<h2[^>]*>{re.escape(heading)}", html), heading
    assert html.count("<svg") >= 6  # one per section with data
    assert html.count("slc-note") >= 7
    assert "95% CI" in html
    assert "import " not in html  # no code


@pytest.mark.parametrize("which", ["trust_run", "tlc_run"])
def test_report_shows_no_name_or_id(roster_identifiers, which, request, demo_workspace):
    out, result = request.getfixturevalue(which)
    html = (out / f"{result.name}.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html)
    leaks = [x for x in roster_identifiers if re.search(rf"\b{re.escape(x)}\b", text)]
    assert leaks == []
    assert not re.search(r"\b[PSA]-[0-9a-f]{10}\b", html)


def test_the_notebook_shows_each_section_of_the_result_and_holds_no_logic(demo_enquiry,
                                                                          demo_workspace):
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    code = [c.source for c in nb.cells[1:] if c.cell_type == "code"]
    trees = [ast.parse(c) for c in code]
    branches = [n for t in trees for n in ast.walk(t)
                if isinstance(n, ast.If | ast.IfExp | ast.For | ast.While | ast.comprehension)]
    assert branches == []
    assert sum(len(c.splitlines()) for c in code) <= 40
    assert not [n for t in trees for n in ast.walk(t)
                if isinstance(n, ast.Constant) and isinstance(n.value, str) and " " in n.value]
    shown = re.findall(r'^show\(result\["(\w+)"\]\)$', "\n".join(code), flags=re.MULTILINE)
    result = run(demo_enquiry, STUDY.validate(workspace=demo_workspace))
    assert shown == ["at_a_glance", *(s.key for s in result)]  # the glance first
    assert all(s.finding for s in result)


def test_a_bad_parameter_fails_naming_it(demo_enquiry, demo_workspace, tmp_path):
    param, value = "community", "Northfeld TLC: Technolgy"
    with pytest.raises(ReportError) as info:
        run_report(NOTEBOOK, demo_workspace, tmp_path, parameters={param: value}, name="bad")
    assert info.value.ename == "ConfigError"
    assert param in info.value.evalue
    assert value in info.value.evalue
    assert "did you mean" in info.value.evalue
    assert not (tmp_path / "bad.html").exists()
