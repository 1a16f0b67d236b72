"""End to end: the coproduction_pilot notebook runs on the demo trust, finds the injected
effects inside its 95% intervals, draws its forest plots and shows no name or id."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from slc_research.report import read_records
from slc_research.report.execute import ReportError, run_report
from slc_research.synthetic.trust import INJECTED_EFFECTS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo-b")]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "coproduction_pilot.ipynb"
HEADINGS = ["Who took part", "Behaviour", "Compared with similar pupils who did not take part",
            "I often get into trouble at school", "Confidence",
            "Relationships with teachers", "Pooled across schools",
            "Outcomes by level of participation", "What this design can and cannot show"]


@pytest.fixture(scope="module")
def report(demo_enquiry, demo_workspace, tmp_path_factory):
    out = tmp_path_factory.mktemp("coproduction")
    result = run_report(NOTEBOOK, demo_workspace, out, parameters={},
                        keep_executed=out / "executed")
    return result, out


def _inside(record: dict, value: float) -> bool:
    return record["ci_low"] <= value <= record["ci_high"]


def test_injected_effects_inside_the_reported_intervals(report):
    result, out = report
    rec = read_records(out / "executed" / "coproduction_pilot.ipynb")
    assert rec == result.records
    assert rec["n_schools"] == 4
    assert rec["n_pupils"] >= 32
    assert rec["title"].endswith("the co-production pilot")
    behaviour = rec["behaviour_relative_change"]
    injected = INJECTED_EFFECTS["coproduction_negative_behaviour"]["value"]
    assert _inside(behaviour, injected), behaviour
    assert behaviour["n"] == rec["n_pupils"]
    trouble = rec["trouble_change"]
    assert _inside(trouble, INJECTED_EFFECTS["coproduction_trouble"]["value"]), trouble
    assert 0 <= rec["trouble_mcnemar_p"] <= 1
    assert 0 <= rec["pct_improved"]["ci_low"] <= rec["pct_improved"]["estimate"] <= 100
    # regression to the mean: the headline is the difference from pupils chosen by the same
    # rule who did not take part (issue 16, item 4); the injected fall is for participants only
    compared = rec["behaviour_vs_comparison"]
    assert compared["ci_high"] < 0, compared
    assert compared["n"] == rec["n_pupils"]
    assert compared["n_comparison"] >= 5
    pooled = rec["pooled_behaviour"]
    assert pooled["k"] == 4
    assert pooled["ci_high"] < 0
    assert 0 <= pooled["i2"] <= 100
    assert pooled["tau2"] >= 0
    confident = INJECTED_EFFECTS.get("coproduction_confident")
    if confident is not None:  # the synthetic trust asks the confidence question
        assert _inside(rec["confident_change"], confident["value"]), rec["confident_change"]
    assert rec["relationships_change"] is None or rec["relationships_change"]["n"] > 0


def test_report_has_headings_notes_and_forest_plots(report):
    _, out = report
    html = (out / "coproduction_pilot.html").read_text(encoding="utf-8")
    for heading in HEADINGS:
        assert re.search(rf"<h2[^>]*>[^<]*{re.escape(heading)}", html), heading
    assert html.count("<svg") >= 4  # yes/no shares, two forest plots, participation bands
    assert "Squares sized by weight" in html  # the forest plot's subtitle, inside its svg
    assert html.count("How to read this") >= 7
    assert "McNemar" in html
    assert "I²" in html
    assert "Hartung-Knapp-Sidik-Jonkman" in html  # few schools: the modified HKSJ interval
    assert "paired answers" in html  # yes/no pooled from paired counts
    assert "mid-p" in html
    assert "months" not in html.lower()  # behaviour is not attainment
    assert "95% CI" in html
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html)
    for code in ("run_notebook(", "show(result", "import "):
        assert code not in html, code


def test_report_shows_no_name_or_id(roster_identifiers, report, demo_workspace):
    _, out = report
    html = (out / "coproduction_pilot.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html)
    leaks = [x for x in roster_identifiers if re.search(rf"\b{re.escape(x)}\b", text)]
    assert leaks == []
    assert not re.search(r"\b[PS]-[0-9a-f]{10}\b", html)


@pytest.mark.parametrize(("parameters", "name"), [
    ({"method": "ML"}, "method"),
    ({"schools": ["No Such School"]}, "schools"),
])
def test_a_bad_parameter_fails_with_a_config_error(demo_enquiry, demo_workspace, tmp_path,
                                                   parameters, name):
    with pytest.raises(ReportError) as info:
        run_report(NOTEBOOK, demo_workspace, tmp_path, parameters=parameters, name="bad")
    assert info.value.ename == "ConfigError"
    assert name in info.value.evalue
    assert not (tmp_path / "bad.html").exists()


def test_the_notebook_is_its_parameters_one_run_and_one_show_per_section():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    code = ["".join(c.source) for c in nb.cells[1:] if c.cell_type == "code"]
    assert "STUDY.run_notebook(" in code[0]
    shown = [re.fullmatch(r'show\(result\["(\w+)"\]\)', c) for c in code[1:]]
    assert all(shown), code
    assert [m.group(1) for m in shown] == [
        "at_a_glance", "who_took_part", "behaviour", "comparison", "trouble", "confident", "relationships",
        "outcomes", "pooled", "forest", "participation_level", "design"]
    lines = [line for c in code for line in c.splitlines() if line.strip()]
    assert len(lines) <= 40
    assert not any(re.search(r"\b(if|for|while)\b", line) for line in lines)
