"""The index groups reports by school; the summary puts every report's results side by side."""

from __future__ import annotations

import csv
from pathlib import Path

from slc_research.report.catalogue import notebook_path
from slc_research.report.execute import ReportResult
from slc_research.report.index import SUMMARY_COLUMNS, summary_rows, write_index


def _g(estimate, lo, hi, n):
    return {"symbol": "g", "estimate": estimate, "ci_low": lo, "ci_high": hi, "n": n,
            "confidence": 0.95}


def _results(out: Path) -> list[ReportResult]:
    slc = notebook_path("slc_impact")
    tlc = notebook_path("tlc_impact")
    for name in ("trust", "riverside", "northfield", "tlc"):
        (out / f"{name}.html").write_text("<html></html>", encoding="utf-8")
    return [
        ReportResult("riverside", slc, out / "riverside.html", records={
            "title": "Riverside SLC", "school": ["Riverside School"],
            "community": "Riverside SLC", "members": 20,
            "engagement_g": _g(0.4, -0.07, 0.86, 397), "strength_of_evidence": "1 of 5"}),
        ReportResult("trust", slc, out / "trust.html", records={
            "title": "The 4 SLCs", "school": ["Riverside School", "Northfield Academy"],
            "community": "the 4 SLCs", "members": 77,
            "engagement_g": _g(0.53, 0.29, 0.77, 1597), "adjusted": [{"model": "ANCOVA"}]}),
        ReportResult("northfield", slc, out / "northfield.html", status="skipped", records={
            "title": "Northfield SLC", "school": ["Northfield Academy"],
            "community": "Northfield SLC", "members": 18,
            "engagement_g": _g(0.55, 0.08, 1.02, 406)}),
        ReportResult("tlc", tlc, out / "tlc.html", records={
            "title": "TLCs", "school": "Northfield Academy", "n_members": 36,
            "share_teaching_staff": {"2024-25": _g(24.9, 20.6, 29.7, 346),
                                     "2025-26": _g(41.9, 36.8, 47.2, 346)},
            "top_strategies": ["=HYPERLINK(\"x\")", "dual coding"]}),
        ReportResult.failed("broken", slc, "cell 4 raised KeyError",
                            parameters={"community": "Castlegate SLC"}),
    ]


def test_index_groups_reports_by_school_with_the_trust_first(tmp_path):
    html = write_index(tmp_path, _results(tmp_path), title="Demo").read_text(encoding="utf-8")
    headings = ["The whole trust", "Northfield Academy", "Riverside School"]
    positions = [html.index(f"<h2>{h}</h2>") for h in headings]
    assert positions == sorted(positions)
    # a failed report that names no school is a whole-trust report: no section of its own
    assert "School not recorded" not in html
    trust = html[html.index("<h2>The whole trust</h2>"):html.index("<h2>Northfield")]
    assert "broken" in trust
    assert 'class="failed"' in trust
    northfield = html[html.index("<h2>Northfield Academy</h2>"):html.index("<h2>Riverside")]
    assert "Teacher learning communities" in northfield
    assert "Northfield SLC" in northfield
    assert "up to date (not rerun)" in northfield
    assert "4 of 5 report(s) are up to date. 1 failed" in html
    assert "adjusted" not in html  # whole tables are recorded for tests, not shown
    assert 'href="summary.html"' in html


def test_summary_csv_has_a_row_per_report_and_result_and_neutralises_formulas(tmp_path):
    write_index(tmp_path, _results(tmp_path), title="Demo")
    with open(tmp_path / "summary.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == SUMMARY_COLUMNS
    eng = {r["report"]: r for r in rows
           if r["result"] == "Engagement in lessons, members against other pupils"}
    assert set(eng) == {"riverside", "trust", "northfield"}  # not the failed one
    assert float(eng["riverside"]["estimate"]) == 0.4
    assert float(eng["riverside"]["ci_low"]) == -0.07
    assert eng["riverside"]["n"] == "397"
    assert eng["trust"]["school"] == "The whole trust"
    years = {r["result"]: r for r in rows if r["report"] == "tlc"}
    assert float(years["Share of teaching staff who were members: 2025-26"]["estimate"]) == 41.9
    strategies = years["Strategies planned most often"]["text"]
    assert strategies.startswith("'=HYPERLINK")  # a spreadsheet shows it, does not run it


def test_summary_page_puts_each_report_side_by_side(tmp_path):
    write_index(tmp_path, _results(tmp_path), title="Demo <trust>")
    html = (tmp_path / "summary.html").read_text(encoding="utf-8")
    slc = html[html.index("Student learning community impact"):]
    slc = slc[:slc.index("</table>")]
    for column in ("Riverside SLC", "the 4 SLCs", "Northfield SLC"):
        assert f"<th>{column}</th>" in slc
    assert "0.40 (-0.07 to 0.86), based on 397" in slc
    assert "Demo &lt;trust&gt;" in html
    assert "<script" not in html


def test_summary_rows_skip_failed_reports():
    rows = summary_rows([ReportResult.failed("x", "x.ipynb", "boom")])
    assert rows == []


def test_item5_index_leaves_off_estimates_not_made(tmp_path):
    slc = notebook_path("slc_impact")
    (tmp_path / "r.html").write_text("<html></html>", encoding="utf-8")
    made = _g(0.31, 0.02, 0.6, 120)
    report = ReportResult("r", slc, tmp_path / "r.html", records={
        "title": "Hillside SLC", "school": ["Hillside School"], "members": 40,
        "engagement_g": made, "attendance_g": {**made, "estimate": None}})
    html = write_index(tmp_path, [report], title="Hillside").read_text(encoding="utf-8")
    assert "Engagement in lessons, members against other pupils: 0.31 (0.02 to 0.60)" in html
    assert "Attendance" not in html
    assert "not computed" not in html
