"""End to end: the student_led_conferences notebook runs on the demo trust; its records show
the injected rise in reflection depth, its HTML has a chart per section and no name or id."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from slc_research.report.execute import ReportError, run_report
from slc_research.synthetic.trust import INJECTED_EFFECTS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo-b")]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "student_led_conferences.ipynb"
HEADINGS = ["How depth is scored", "Weekly reflections against the target",
            "Depth over the year", "Depth by class and phase", "Feedback after the conferences",
            "Checking the rubric", "What this report can and cannot show"]
#: Sections with at least one chart: heading -> inline SVGs expected before the next heading.
CHARTED = {"Weekly reflections against the target": 1, "Depth over the year": 2,
           # the demo's classes are all in KS3: one phase, no chart of one bar
           "Depth by class and phase": 1, "Feedback after the conferences": 1}


def _expected_change(enquiry) -> float:
    """Level 2+ share, last minus first half term, implied by INJECTED_EFFECTS (no growth)."""
    from slc_research.casestudies.conferences.analysis import reflections, resolve_classes
    from slc_research.qual.depth import load_rubric

    value = INJECTED_EFFECTS["reflection_depth"]["value"]
    (e0, e1), (c0, c1) = value["explanatory"], value["critical"]
    refl = reflections(enquiry.texts, resolve_classes(enquiry.communities), load_rubric())
    rank = refl.groupby("community")["week"].rank(method="dense") - 1
    size = refl.groupby("community")["week"].transform("nunique") - 1
    progress = (rank / size).to_numpy(float)
    p_expl = np.clip(e0 + (e1 - e0) * progress, 0, 1)
    p_crit = np.clip(c0 + (c1 - c0) * progress, 0, 1)
    deep = 1 - (1 - p_expl) * (1 - p_crit)
    periods = refl["half_term"].astype(str)
    order = list(dict.fromkeys(refl.sort_values("date")["half_term"].astype(str)))
    return float(deep[periods == order[-1]].mean() - deep[periods == order[0]].mean())


@pytest.fixture(scope="module")
def report(demo_enquiry, demo_workspace, tmp_path_factory):
    out = tmp_path_factory.mktemp("conferences")
    return run_report(NOTEBOOK, demo_workspace, out, parameters={})


def test_records_hold_the_headline_numbers(report, demo_enquiry):
    rec = report.records
    assert rec["title"].endswith("4 student-led conference classes")
    assert rec["n_classes"] == 4
    assert rec["n_pupils"] == 96  # one Year 7 class of 24 per school
    assert rec["n_reflections"] > 2000
    target = rec["pct_weeks_meeting_target"]
    assert 60 < target["ci_low"] < target["estimate"] < target["ci_high"] < 95
    assert target["n"] > 3000
    first, last = rec["depth_first_half_term"], rec["depth_last_half_term"]
    assert (first["period"], last["period"]) == ("autumn 1", "summer 2")
    for record in (first, last):
        levels = record["levels"]
        assert [lv["level"] for lv in levels] == [1, 2, 3]
        assert sum(lv["estimate"] for lv in levels) == pytest.approx(1)
        assert all(lv["ci_low"] <= lv["estimate"] <= lv["ci_high"] for lv in levels)
    assert last["levels"][2]["estimate"] > first["levels"][2]["estimate"]
    # the demo's coder A codes a fifth of the reflections, with deliberate slips
    agreement = rec["rubric_agreement"]
    assert agreement["n"] > 100
    assert 0.6 < agreement["estimate"] <= 1


def test_depth_rises_as_injected(report, demo_enquiry):
    change = report.records["depth_change"]
    expected = _expected_change(demo_enquiry)
    assert 0.4 < expected < 0.7  # "roughly 0.5"
    assert change["ci_low"] > 0  # the rise is clear
    assert change["ci_low"] - 0.05 < expected < change["ci_high"] + 0.05
    assert abs(change["estimate"] - expected) < 0.1
    assert change["n"] > 500
    assert change["p_value"] < 0.001


def test_html_has_a_chart_per_section_and_a_note(report):
    html = report.html.read_text(encoding="utf-8")
    parts = re.split(r"<h2[^>]*>", html)
    titles = [re.sub(r"<.*", "", p, flags=re.S).strip().rstrip("¶").strip() for p in parts[1:]]
    for heading in HEADINGS:
        assert any(t.startswith(heading) for t in titles), heading
    for title, body in zip(titles, parts[1:], strict=True):
        for heading, n_charts in CHARTED.items():
            if title.startswith(heading):
                assert body.count("<svg") >= n_charts, heading
                assert "How to read this" in body, heading
    assert "95% CI" in html
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html)
    for code in ("Enquiry.open", "show_table(", "import "):
        assert code not in html, code


def test_report_shows_no_name_or_id(roster_identifiers, report, demo_workspace):
    html = report.html.read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html)  # chart labels too
    text = text.replace("Hatton and Smith", "")  # the rubric's reference, not a pupil
    leaks = [x for x in roster_identifiers if re.search(rf"\b{re.escape(x)}\b", text)]
    assert leaks == []
    assert not re.search(r"\b[PSGA]-[0-9a-f]{10}\b", html)


def test_a_bad_rubric_fails_with_a_config_error(demo_enquiry, demo_workspace, tmp_path):
    with pytest.raises(ReportError) as info:
        run_report(NOTEBOOK, demo_workspace, tmp_path,
                   parameters={"rubric": "no_such_rubric.toml"}, name="bad")
    assert info.value.ename == "ConfigError"
    assert "no_such_rubric.toml" in info.value.evalue
    broken = tmp_path / "rubric.toml"
    broken.write_text('[[levels]]\nlevel = 1\nname = "A"\n[[levels]]\nlevel = 1\nname = "B"\n',
                      encoding="utf-8")
    with pytest.raises(ReportError) as info:
        run_report(NOTEBOOK, demo_workspace, tmp_path, parameters={"rubric": str(broken)},
                   name="bad")
    assert info.value.ename == "ConfigError"
    assert "appears twice" in info.value.evalue
    assert not (tmp_path / "bad.html").exists()


def test_notebook_is_its_parameters_one_run_and_a_show_per_section():
    import nbformat

    from slc_research.casestudies.conferences import STUDY

    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in nb.cells[0].metadata.get("tags", [])
    assert "conferences.STUDY.run_notebook(" in code[1]
    lines = [line for src in code[1:] for line in src.splitlines() if line.strip()]
    assert len(lines) <= 40
    assert not [line for line in lines if re.search(r"\b(if|for|while)\b", line)]
    shown = re.findall(r'show\(result\["(\w+)"\]\)', "\n".join(code))
    assert shown == ["at_a_glance", "scoring", "target", "depth", "outcomes", "by_group", "feedback",
                     "rubric_check"]
    assert STUDY.run == "slc_research.casestudies.conferences.study:run"
