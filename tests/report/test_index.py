"""The index groups reports by school; the summary puts every report's results side by side."""

from __future__ import annotations

import csv
import re
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
    assert "4 of 5 reports are up to date. 1 failed" in html
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


# --- issue 18, item 3: the index and the summary in words ------------------------------------

QUESTION = "Do our learning communities change how pupils learn?"


def _one_school(out: Path) -> list[ReportResult]:
    """A one-school enquiry's batch as ``make demo`` writes it: every report for staff, the
    SLC report again for researchers, a data health report of "all" its schools."""
    slc, tlc = notebook_path("slc_impact"), notebook_path("tlc_impact")
    cop, health = notebook_path("coproduction_pilot"), notebook_path("data_health")
    for name in ("slc", "slc--research", "tlc", "cop", "health"):
        (out / f"{name}.html").write_text("<html></html>", encoding="utf-8")
    glance = {"title": "Hillside SLC", "findings": [
        "61 pupils were members of Hillside SLC.",
        "Compared with other pupils, members' engagement in lessons went up. It was a "
        "moderate rise: 0.43 on the standard scale. We can be fairly sure it is between 0.23 "
        "and 0.62."], "evidence": "Strength of evidence: 1 of 5, where 5 is the strongest. "
        "What holds it down: the number of pupils.", "can_and_cannot": ["It can.", "Not."]}
    slc_records = {"title": f"{QUESTION}: Hillside SLC", "school": ["Hillside School"],
                   "community": "Hillside SLC", "members": 77,
                   "engagement_g": {**_g(0.43, 0.23, 0.62, 1597), "n1": 70, "n2": 1527},
                   "strength_of_evidence": "1 of 5", "at_a_glance": glance}
    params = {"community": "Hillside SLC"}
    return [
        ReportResult("slc", slc, out / "slc.html", parameters=params, records=slc_records),
        ReportResult("slc--research", slc, out / "slc--research.html", parameters=params,
                     records=slc_records),
        ReportResult("tlc", tlc, out / "tlc.html", records={
            "title": f"{QUESTION}: teacher learning communities", "school": "Hillside School",
            "pct_plans_tried": _g(82.42, 78.89, 85.47, 512),
            "tlc_alpha": _g(0.57, 0.42, 0.69, 101)}),
        ReportResult("cop", cop, out / "cop.html", records={
            "title": f"{QUESTION}: the co-production pilot", "school": ["Hillside School"],
            "trouble_change": _g(-10.53, -20.78, 0.35, 38)}),
        ReportResult("health", health, out / "health.html", records={
            "title": f"{QUESTION}: data health (all schools)", "school": "all",
            "attrition_pct": {"coproduction_check wave 1 to 2": 0.0}}),
    ]


def _index(tmp_path, results, **kw) -> str:
    audiences = {r.name: "research" if r.name.endswith("--research") else "staff"
                 for r in results}
    return write_index(tmp_path, results, title="Hillside", audiences=audiences,
                       **kw).read_text(encoding="utf-8")


def test_item3_index_has_one_row_per_report_with_the_research_copy_on_it(tmp_path):
    html = _index(tmp_path, _one_school(tmp_path))
    rows = re.findall(r"<tr><td>.*?</tr>", html, re.S)
    assert len(rows) == 4  # five files, four reports: the research copy shares a row
    slc = next(r for r in rows if 'href="slc.html"' in r)
    assert 'href="slc--research.html"' in slc
    assert "Research copy (with the code)" in slc
    assert html.count('href="slc--research.html"') == 1


def test_item3_research_copies_are_read_from_the_folders_ledger(tmp_path):
    from slc_research.report.folder import write_ledger

    results = _one_school(tmp_path)
    write_ledger(tmp_path, {r.name: {"audience": "research" if "--" in r.name else "staff"}
                            for r in results})
    html = write_index(tmp_path, results, title="Hillside").read_text(encoding="utf-8")
    assert len(re.findall(r"<tr><td>", html)) == 4


def test_item3_headline_labels_come_from_the_catalogue_not_internal_keys(tmp_path):
    html = _index(tmp_path, _one_school(tmp_path))
    summary = (tmp_path / "summary.html").read_text(encoding="utf-8")
    for page in (html, summary):
        for key in ("pct plans tried", "estimate =", "trouble change", "tlc alpha",
                    "attrition pct", "coproduction_check", "_"):
            assert key not in re.sub(r"<[^>]+>", "", page), key
    assert "Plans tried in full or in part: 82% (79% to 85%), based on 512" in html
    assert "Change in the share who say they often get into trouble" in summary
    assert "How well the staff survey&#x27;s questions hang together" in html


def test_item3_sample_sizes_are_said_in_words(tmp_path):
    results = _one_school(tmp_path)
    results[0] = ReportResult("slc", results[0].notebook, results[0].html,
                              parameters=results[0].parameters,
                              records={k: v for k, v in results[0].records.items()
                                       if k != "at_a_glance"})
    html = _index(tmp_path, results)
    assert "0.43 (0.23 to 0.62), 70 members against 1,527 others" in html
    assert "Pupils who were members: 77" in html
    assert "n = 1597" not in html


def test_item3_a_one_school_enquiry_has_no_whole_trust_heading(tmp_path):
    html = _index(tmp_path, _one_school(tmp_path))
    assert re.findall(r"<h2>(.*?)</h2>", html) == ["Hillside School"]
    assert "The whole trust" not in html
    assert "<td>all</td>" not in html
    with open(tmp_path / "summary.csv", encoding="utf-8", newline="") as fh:
        assert {r["school"] for r in csv.DictReader(fh)} == {"Hillside School"}


def test_item3_titles_have_no_enquiry_question_in_front(tmp_path):
    html = _index(tmp_path, _one_school(tmp_path))
    assert ">Hillside SLC</a>" in html
    assert ">Teacher learning communities</a>" in html
    assert "learn?:" not in html


def test_item3_the_strength_of_evidence_is_explained_where_it_appears(tmp_path):
    html = _index(tmp_path, _one_school(tmp_path))
    assert ("Strength of evidence: 1 of 5, where 5 is the strongest. What holds it down: "
            "the number of pupils.") in html
    assert "61 pupils were members of Hillside SLC." in html  # the glance, not the records
    results = _one_school(tmp_path)[2:]
    older = ReportResult("old", notebook_path("slc_impact"), tmp_path / "slc.html",
                         records={"title": "Old SLC", "strength_of_evidence": "0 of 5"})
    html = _index(tmp_path, [*results, older])
    assert "Strength of evidence: 0 of 5, where 5 is the strongest: how far" in html
