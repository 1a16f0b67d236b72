"""``slc-research export``: the dissertation pack (APA tables in DOCX and CSV, figures, methods).

The APA 7 table rules checked here: "Table N" in bold, the title in italic, horizontal rules
only (above, below the column heads, below the table), numbers right-aligned, a "Note."
(American Psychological Association, 2020, Publication Manual, sections 7.8-7.21).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import altair as alt
import nbformat
import pandas as pd
import pytest

from slc_research import charts
from slc_research.privacy.safe_cells import FORMULA_STARTS
from slc_research.privacy.suppression import suppress_small
from slc_research.report import display as display_module
from slc_research.report.apa_docx import ExportedTable, apa_label, tables_document
from slc_research.report.display import (
    CHART_MIMETYPE,
    RESEARCH_TABLE_MIMETYPE,
    TABLE_MIMETYPE,
    show_table,
)
from slc_research.report.execute import export_html
from slc_research.report.methods import REFERENCES, methods_for, methods_markdown

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _shown(monkeypatch, **kwargs) -> dict:
    """The bundle show_table displays (captured without a kernel)."""
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    show_table(**kwargs)
    assert len(shown) == 1
    return shown[0]


# --- what the notebook emits -----------------------------------------------------------------

def test_show_table_emits_display_ready_copy(monkeypatch):
    table = pd.DataFrame({"group": ["Members", "Others", "Small"], "n": [120, 400, 3],
                          "mean": [3.456, 3.1, float("nan")], "share": ["10.0", "20.0", "<5"]})
    # through the display boundary; threshold 1 withholds nothing (the copy is under test)
    table = suppress_small(table, count_cols="n", threshold=1, partition_by=None,
                           value_cols=[]).drop(columns="suppressed")
    bundle = _shown(monkeypatch, table=table, decimals=2, caption="Scores by group",
                    labels={"mean": "Mean"}, note="Scores run from 1 to 5.")
    copy = bundle[TABLE_MIMETYPE]
    assert copy["caption"] == "Scores by group"
    assert copy["columns"] == ["group", "n", "Mean", "share"]
    assert copy["rows"][0] == ["Members", "120", "3.46", "10.0"]  # as shown, rounded
    assert copy["rows"][2][2] == "–"
    assert copy["notes"][0] == "Scores run from 1 to 5."
    assert any("fewer than 5" in n for n in copy["notes"])
    assert "<td>3.46</td>" in bundle["text/html"]
    json.dumps(copy)  # plain JSON in the notebook


def test_show_table_copy_refuses_ids(monkeypatch):
    with pytest.raises(display_module.PrivacyError, match="id or name"):
        _shown(monkeypatch, table=pd.DataFrame({"pupil_id": ["P-0123456789"]}))


def test_offline_renderer_adds_the_spec_next_to_the_svg():
    before_renderer, before_theme = alt.renderers.active, alt.theme.active
    try:
        charts.use_offline_renderer()
        chart = alt.Chart(pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})).mark_bar().encode(
            x="a:N", y="b:Q").properties(title="n = 2")
        bundle = chart._repr_mimebundle_()
        bundle = bundle[0] if isinstance(bundle, tuple) else bundle
        assert bundle["image/svg+xml"].lstrip().startswith("<svg")
        spec = bundle[CHART_MIMETYPE]
        assert spec["title"] == "n = 2"
        assert spec["mark"]["type"] == "bar"
    finally:
        alt.renderers.enable(before_renderer)
        alt.theme.enable(before_theme)


def test_html_report_leaves_the_export_copies_out(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", data={
            "text/html": "<table class='slc-table'><tr><td>kept</td></tr></table>",
            TABLE_MIMETYPE: {"caption": "secret-copy-caption", "columns": [], "rows": []}}),
        nbformat.v4.new_output("display_data", data={
            "image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg'><text>drawn</text></svg>",
            CHART_MIMETYPE: {"title": "secret-spec-title"}}),
    ])])
    page = export_html(nb, tmp_path / "r.html", title="R").read_text(encoding="utf-8")
    assert "kept" in page
    assert "drawn" in page
    for hidden in ("secret-copy-caption", "secret-spec-title", TABLE_MIMETYPE, CHART_MIMETYPE):
        assert hidden not in page
    assert TABLE_MIMETYPE in nb.cells[0].outputs[0].data  # the notebook itself is not changed


def test_cli_export_says_what_is_wrong(tmp_path, capsys):
    from slc_research.cli import main

    status = main(["export", str(tmp_path / "no-such-enquiry"), "--to", str(tmp_path / "p")])
    assert status in (1, 2)
    err = capsys.readouterr().err
    assert err.startswith("slc-research: ")
    assert "no-such-enquiry" in err
    assert "Traceback" not in err


# --- methods ---------------------------------------------------------------------------------

def test_methods_follow_results_and_parameters():
    analyses = methods_for("coproduction_pilot", parameters={"method": "DL"})
    text = methods_markdown("Pilot", analyses)
    assert "McNemar's test (McNemar, 1947)" in text
    assert "DerSimonian-Laird" in text
    assert "(DerSimonian & Laird, 1986)" in text
    assert "Newcombe, R. G. (1998b)" in text  # the reference list
    # a result's own method and CI method are used (Cohen 1960 + large-sample SE)
    records = {"k": {"estimate": 0.6, "method": "Cohen's kappa", "ci_method": "asymptotic"},
               "g": [{"method": "Hedges' g (independent groups, pooled SD)", "ci_method": "nct"}]}
    keys = [a.key for a in methods_for("another", records)]
    assert keys == ["cohen_kappa", "hedges_g_change"]
    every = {k for a in methods_for("slc_impact") for k in a.references}
    assert every <= set(REFERENCES)
    # issue 16: the SLC headline is Morris's d_ppc2, with a declared primary outcome
    slc = {a.key: a for a in methods_for("slc_impact")}
    assert "(Morris, 2008)" in slc["ppc_change"].paragraph()
    assert "(Holm, 1979)" in slc["primary_secondary"].paragraph()


def test_slc_methods_describe_the_matching_and_reliability_the_report_shows():
    made = {"estimate": 0.31, "ci_low": 0.02, "ci_high": 0.6, "n": 120}
    matched = {"matched_engagement": {**made, "n_treated": 40, "n_comparison": 40,
                                      "max_smd_after": 0.05}}
    alpha = pd.DataFrame({"scale": ["Engagement"], "wave": [1], "n": [80], "k": [5],
                          "alpha": [0.81], "ci_low": [0.74], "ci_high": [0.87]})
    keys = [a.key for a in methods_for("slc_impact", {"members": 40, "engagement_g": made,
                                                      **matched, "reliability": alpha})]
    assert keys == ["representativeness", "matching", "ppc_change", "cronbach_alpha"]
    text = methods_markdown("SLC", methods_for("slc_impact", {"matched_engagement": matched[
        "matched_engagement"]}))
    assert "within a caliper of 0.2 standard deviations of that logit" in text
    assert "(Rosenbaum & Rubin, 1985; Austin, 2011)" in text
    assert "Stuart, E. A. (2010). Matching methods for causal inference" in text
    # no matched comparison could be made, and no scale answered: neither is described
    keys = [a.key for a in methods_for("slc_impact", {"members": 40, "engagement_g": made,
                                                      "matched_engagement": None,
                                                      "reliability": alpha.iloc[0:0]})]
    assert keys == ["representativeness", "ppc_change"]


# --- the APA table ---------------------------------------------------------------------------

def _apa_checks(docx_path: Path, tables: list[list[list[str]]], captions: list[str]) -> None:
    import docx

    doc = docx.Document(str(docx_path))
    assert len(doc.tables) == len(tables)
    paras = doc.paragraphs
    for i, caption in enumerate(captions, start=1):
        label = next(p for p in paras if p.text == f"Table {i}")
        assert all(r.bold for r in label.runs)
        title = paras[paras.index(label) + 1]
        assert title.text == caption
        assert all(r.italic for r in title.runs)
    for grid, rows in zip(doc.tables, tables, strict=True):
        # the header in APA's form (g_av: an italic g with "av" below the line, read "gav")
        head = ["".join(t for t, _ in apa_label(h)) for h in rows[0]]
        body = [[re.sub(r"(?<=[A-Za-z0-9])_+(?=[A-Za-z0-9])", " ", c) for c in r]
                for r in rows[1:]]  # an internal key in a cell reads with spaces (d ppc2)
        assert [[c.text for c in r.cells] for r in grid.rows] == [head, *body]
        borders = grid._tbl.tblPr.find(f"{W}tblBorders")
        values = {el.tag.removeprefix(W): el.get(f"{W}val") for el in borders}
        assert values["top"] == values["bottom"] == "single"
        assert values["insideV"] == values["left"] == values["right"] == "nil"
        assert values["insideH"] == "nil"
        head = grid.rows[0].cells[0]._tc.tcPr.find(f"{W}tcBorders").find(f"{W}bottom")
        assert head.get(f"{W}val") == "single"
    notes = [p for p in paras if p.text.startswith("Note.")]
    assert notes
    assert notes[0].runs[0].italic
    assert doc.styles["Normal"].font.name == "Times New Roman"


def test_tables_document_is_apa(tmp_path):
    table = ExportedTable(1, "Scores by group", ["Group", "n", "Mean"],
                          [["Members", "120", "3.46"], ["Small", "<5", "–"]],
                          ["Groups with fewer than 5 people are shown as “<5”."])
    path = tmp_path / "t.docx"
    tables_document([table], title="A report").save(str(path))
    _apa_checks(path, [[table.columns, *table.rows]], ["Scores by group"])
    import docx

    cells = docx.Document(str(path)).tables[0].rows[1].cells
    assert cells[1].paragraphs[0].alignment == 2  # RIGHT: a number
    assert cells[0].paragraphs[0].alignment is None  # text stays left
    assert table.numeric_columns() == [False, True, True]


# --- the pack, end to end --------------------------------------------------------------------

def _html_tables(nb) -> list[list[list[str]]]:
    """The tables as the research report shows them (every column: the pack's readers are
    researchers; the staff page shows its plain view of the same table)."""
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if TABLE_MIMETYPE in o.get("data", {}):
                page = o["data"].get(RESEARCH_TABLE_MIMETYPE) or o["data"]["text/html"]
                rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.DOTALL)
                out.append([[html.unescape(c.strip()) for c in
                             re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, flags=re.DOTALL)]
                            for r in rows])
    return out


def _csv_rows(path: Path) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return [[c[1:] if c.startswith("'") and c[1:].startswith(FORMULA_STARTS) else c for c in r]
            for r in rows]  # without safe_cell's quote


def _png_ppm(png: bytes) -> tuple[int, int, int]:
    assert png.startswith(b"\x89PNG")
    i = png.index(b"pHYs")
    return struct.unpack(">IIB", png[i + 4:i + 13])


def _pgm(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    magic, width, height, maxval, pixels = re.match(
        rb"(P5)\s+(\d+)\s+(\d+)\s+(\d+)\s(.*)", data, flags=re.DOTALL).groups()
    assert int(maxval) == 255
    return int(width), int(height), pixels


@pytest.fixture(scope="module")
def pack(demo_workspace, tmp_path_factory):
    """The pack made in-process from the case studies' results, and the same two reports
    run as notebooks (executed copies kept): the pack must hold what the reports show."""
    from slc_research.report.catalogue import notebook_path
    from slc_research.report.execute import run_report
    from slc_research.report.export import export_pack

    out = tmp_path_factory.mktemp("pack")
    kept = tmp_path_factory.mktemp("executed")
    names = ["tlc_impact", "coproduction_pilot"]
    result = export_pack(demo_workspace, out, notebooks=names)
    for name in names:
        run_report(notebook_path(name), demo_workspace, tmp_path_factory.mktemp("html"),
                   parameters={}, name=name, keep_executed=kept)
    return result, kept


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
def test_pack_tables_equal_the_report(pack):
    result, kept = pack
    assert result.failures == {}
    assert result.check is not None
    assert result.leaks == ()
    assert [p.name for p in result.packs] == ["tlc_impact", "coproduction_pilot"]
    for p in result.packs:
        shown = _html_tables(nbformat.read(str(kept / f"{p.name}.ipynb"), as_version=4))
        csvs = sorted((p.folder / "tables").glob("*.csv"))
        assert len(shown) == len(csvs) > 3
        for table, path in zip(shown, csvs, strict=True):
            assert re.fullmatch(r"\d\d-[a-z0-9-]+\.csv", path.name)
            assert _csv_rows(path) == table
        import docx

        doc = docx.Document(str(p.folder / "tables.docx"))
        captions = [doc.paragraphs[i + 1].text for i, para in enumerate(doc.paragraphs)
                    if re.fullmatch(r"Table \d+", para.text)]
        _apa_checks(p.folder / "tables.docx", [_csv_rows(c) for c in csvs], captions)


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
def test_pack_figures_and_methods(pack):
    result, _ = pack
    co = next(p for p in result.packs if p.name == "coproduction_pilot")
    svgs = sorted((co.folder / "figures").glob("*.svg"))
    pngs = sorted((co.folder / "figures").glob("*.png"))
    assert len(svgs) == len(pngs) >= 2
    assert any("forest" in s.name or "pooled" in s.name for s in svgs)
    for svg, png in zip(svgs, pngs, strict=True):
        assert ET.parse(svg).getroot().tag.endswith("svg")
        assert _png_ppm(png.read_bytes()) == (11811, 11811, 1)  # 300 ppi = 11811 px/m
    methods = (co.folder / "methods.md").read_text(encoding="utf-8")
    assert "McNemar" in methods
    assert "restricted maximum likelihood" in methods
    assert "## References" in methods
    assert "Wilson, E. B. (1927)" in methods
    import docx

    text = "\n".join(p.text for p in docx.Document(str(co.folder / "methods.docx")).paragraphs)
    assert "McNemar, Q. (1947)" in text
    assert len(docx.Document(str(co.folder / "figures.docx")).inline_shapes) == len(pngs)


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
def test_pack_table_renders_in_libreoffice(pack, tmp_path):
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    # missing is a failure, not a skip: `make test` installs both
    assert soffice, "needs LibreOffice: run `make install-test`"
    assert pdftoppm, "needs poppler-utils: run `make install-test`"
    result, _ = pack
    tlc = next(p for p in result.packs if p.name == "tlc_impact")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(tlc.folder / "tables.docx")], check=True, capture_output=True,
                   timeout=180)
    pdf = tmp_path / "tables.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run([pdftoppm, "-r", "72", "-gray", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    width, height, pixels = _pgm(next(tmp_path.glob("page*.pgm")))
    dark_rows = [y for y in range(height)
                 if sum(px < 128 for px in pixels[y * width:(y + 1) * width]) > width * 0.5]
    assert len(dark_rows) >= 2  # the rules above and below the table (and below its heads)
    assert min(dark_rows) > height * 0.1  # under the title and "Table 1", not a page border
    assert sum(px < 128 for px in pixels) > width * height * 0.01  # text is drawn too


def test_methods_do_not_say_a_primary_outcome_was_tested_when_it_could_not_be():
    secondary = {"outcome": "Attendance", "role": "secondary", "estimate": 0.38, "p_value": 0.38}
    primary = {"outcome": "Engagement", "role": "primary", "estimate": 0.25, "p_value": 0.04}
    said = {}
    for name, rows in (("both", [primary, secondary]), ("no primary", [secondary]),
                       ("primary not estimated", [{**primary, "estimate": None}, secondary])):
        found = {a.key: a for a in methods_for("slc_impact", {"members": 40, "holm": rows})}
        said[name] = found["primary_secondary"].paragraph()
    assert said["both"].startswith("One outcome was declared primary before the results were "
                                   "read and tested at the 5% level")
    for name in ("no primary", "primary not estimated"):
        assert said[name].startswith(
            "One outcome was declared primary before the results were read; it could not be "
            "estimated (too few pupils were measured twice), so no outcome was tested as "
            "primary."), name
        assert "(Holm, 1979)" in said[name]
