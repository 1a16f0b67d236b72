"""Printable PDFs of the reports (issue 18, item 6).

A4 pages; each section (second-level heading) starts a page; a table row is never split
across pages; charts stay vectors (the SVG drawn as PDF paths, no picture); each PDF is
checked for the workspace's people before it is put in place. Page 1 is drawn to PNG with
poppler's ``pdftoppm`` and its text read with ``pdftotext``, as a reader would see it.
"""

from __future__ import annotations

import html as html_module
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook

from slc_research.cli import main
from slc_research.errors import OutputLeakError
from slc_research.report.folder import PDF_CREATOR, is_our_report, read_ledger, unknown_files
from slc_research.report.html_export import report_exporter
from slc_research.report.pdf import report_pdf, write_pdfs

A4 = (595.28, 841.89)  # points


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    assert found, f"needs poppler-utils ({tool}): run `make install-test`"
    return found


def page_text(pdf: Path, page: int, *, layout: bool = False) -> str:
    args = [poppler("pdftotext"), "-f", str(page), "-l", str(page), *(["-layout"] * layout),
            str(pdf), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def page_png(pdf: Path, page: int, to: Path) -> Path:
    """Page ``page`` drawn at 50 dpi in grey (a PGM: easy to count dark pixels)."""
    subprocess.run([poppler("pdftoppm"), "-r", "50", "-gray", "-f", str(page), "-l", str(page),
                    str(pdf), str(to / f"p{page}")], check=True, timeout=60)
    return next(to.glob(f"p{page}*.pgm"))


def dark_share(pgm: Path, *, top: float = 0.0, bottom: float = 1.0) -> float:
    data = pgm.read_bytes()
    width, height, pixels = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s(.*)", data, re.S).groups()
    width, height = int(width), int(height)
    band = pixels[int(height * top) * width:int(height * bottom) * width]
    return sum(px < 160 for px in band) / max(len(band), 1)


def words(text: str) -> str:
    return " ".join(text.split())


def headings(page: Path, level: int) -> list[str]:
    found = re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", page.read_text(encoding="utf-8"),
                       flags=re.S)
    return [words(html_module.unescape(re.sub(r"<[^>]+>", "", h)).replace("\u00b6", ""))
            for h in found]


def pdf_pages(pdf: Path):
    from pypdf import PdfReader

    return PdfReader(pdf).pages


def path_operators(page) -> int:
    from pypdf.generic import ContentStream

    ops = ContentStream(page.get_contents(), page.pdf).operations
    return sum(op in (b"re", b"l", b"c", b"m") for _, op in ops)


def images_on(page) -> int:
    xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
    return sum(1 for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image")


def report_page(tmp_path: Path, *cells: str, name: str = "report") -> Path:
    """A report page as the exporter writes it (JupyterLab's markup, the report's CSS)."""
    nb = new_notebook(cells=[new_markdown_cell(c) for c in cells])
    page = tmp_path / f"{name}.html"
    page.write_text(report_exporter(show_code=False).to_html(nb, title=name), encoding="utf-8")
    return page


# --- the demo's reports ---------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
def test_item6_every_demo_report_has_an_a4_pdf_whose_page_1_shows_its_title(
        demo_reports, tmp_path):
    reports = sorted(p for p in demo_reports.glob("*.html") if is_our_report(p))
    assert len(reports) >= 10
    audience = {name: e["audience"] for name, e in read_ledger(demo_reports).items()}
    for page in reports:
        pdf = page.with_suffix(".pdf")
        assert pdf.is_file(), f"no PDF of {page.name}"
        assert is_our_report(pdf)  # its creator is slc-research's
        pages = pdf_pages(pdf)
        assert len(pages) >= 2
        assert {(round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2))
                for p in pages} == {A4}
        (title,) = headings(page, 1)
        first = words(page_text(pdf, 1))
        if audience[page.stem] == "staff":  # the title first; research copies show code
            assert first.startswith(title[:60]), (page.name, first[:120])
        assert title[:60] in first, page.name
        assert "Page 1 of" in first
        png = tmp_path / page.stem
        png.mkdir()
        assert dark_share(page_png(pdf, 1, png), top=0.05, bottom=0.2) > 0.01  # the title
    assert unknown_files(demo_reports) == []  # the PDFs belong to the folder's reports


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
def test_item6_charts_are_vectors_and_sections_start_pages(demo_reports, tmp_path):
    page = demo_reports / "tlc_impact.html"
    pdf = page.with_suffix(".pdf")
    pages = pdf_pages(pdf)
    assert sum(images_on(p) for p in pages) == 0  # no chart was turned into a picture
    n_svgs = page.read_text(encoding="utf-8").count("<svg")
    assert n_svgs >= 3
    drawn = [i for i, p in enumerate(pages, start=1) if path_operators(p) >= 60]
    assert len(drawn) >= 3  # the charts' bars, axes and grid lines as PDF paths
    chart_page = max(drawn, key=lambda i: path_operators(pages[i - 1]))
    assert dark_share(page_png(pdf, chart_page, tmp_path)) > 0.02  # drawn, not blank
    sections = headings(page, 2)
    assert len(sections) >= 4
    starts = [words(page_text(pdf, i)) for i in range(1, len(pages) + 1)]
    for heading in sections[1:]:
        assert any(s.startswith(heading[:40]) for s in starts), f"{heading!r} starts no page"
    assert sections[0] in starts[0]  # the first section follows the title on page 1


# --- the print stylesheet, on crafted pages ---------------------------------------------------


def test_item6_a_table_row_is_never_split_and_its_header_repeats(tmp_path):
    rows = "".join(f"<tr><td>Group {i:03d}<br>second line {i:03d}<br>third line {i:03d}</td>"
                   f"<td>{i}</td><td>0.43 (0.23 to 0.62)</td></tr>" for i in range(90))
    table = ('<table class="dataframe slc-table"><caption>Outcome by group</caption><thead>'
             "<tr><th>Group</th><th>Pupils</th><th>Change</th></tr></thead>"
             f"<tbody>{rows}</tbody></table>")
    page = report_page(tmp_path, "# A long table", "## The groups\n\n" + table)
    pdf = report_pdf(page, tmp_path / "long.pdf")
    pages = pdf_pages(pdf)
    assert len(pages) >= 3
    texts = [page_text(pdf, i) for i in range(1, len(pages) + 1)]
    for i in range(90):
        on = [n for n, t in enumerate(texts) if f"Group {i:03d}" in t]
        assert len(on) == 1
        assert f"second line {i:03d}" in texts[on[0]]
        assert f"third line {i:03d}" in texts[on[0]]
    for text in texts:
        if "Group 0" in text:
            assert "Pupils" in text
            assert "Change" in text


def test_item6_a_tall_chart_is_scaled_to_one_page(tmp_path):
    bars = "".join(f'<rect x="10" y="{20 * i}" width="{100 + 3 * i}" height="15" fill="#1f77b4"/>'
                   for i in range(80))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="marks" width="500" height="1600" '
           f'viewBox="0 0 500 1600">{bars}</svg>')
    nb = new_notebook(cells=[new_markdown_cell("# Tall chart")])
    nb.cells[0].source = "# Tall chart"
    code = nbformat.v4.new_code_cell("chart", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/svg+xml": svg, "text/plain": "chart"})])
    nb.cells.append(code)
    page = tmp_path / "tall.html"
    page.write_text(report_exporter(show_code=False).to_html(nb, title="tall"), encoding="utf-8")
    pdf = report_pdf(page, tmp_path / "tall.pdf")
    pages = pdf_pages(pdf)
    with_bars = [i for i, p in enumerate(pages) if path_operators(p) >= 80]
    assert len(with_bars) == 1  # every bar on one page, none cut off
    assert sum(images_on(p) for p in pages) == 0


# --- writing for sharing --------------------------------------------------------------------


ROSTER = """UPN,Legal Forename,Legal Surname,Year
A123456789012,Zebedee,Quillfeather,7
B223456789012,Grace,Green,8
"""


def test_item6_a_pdf_naming_a_pupil_is_never_put_in_place(tmp_path, tiny_workspace):
    ws = tiny_workspace(ROSTER)
    out = tmp_path / "outputs"
    out.mkdir()
    clean = report_page(out, "# Findings", "## Who took part\n\nNine pupils.", name="clean")
    leaky = report_page(out, "# Findings", "## Quotes\n\nAs Zebedee Quillfeather said.",
                        name="leaky")
    made = write_pdfs([clean], ws)
    assert made.written == (out / "clean.pdf",)
    assert "Nine pupils" in page_text(out / "clean.pdf", 1)
    with pytest.raises(OutputLeakError) as caught:
        write_pdfs([leaky], ws)
    assert "leaky.pdf" in str(caught.value)
    assert "Quillfeather" not in str(caught.value)
    assert not (out / "leaky.pdf").exists()
    assert sorted(p.name for p in out.iterdir()) == ["clean.html", "clean.pdf", "leaky.html"]
    again = write_pdfs([clean], ws)  # newer than its page: left as it is
    assert again.written == ()
    assert again.up_to_date == (out / "clean.pdf",)


def test_item6_pdf_command_writes_beside_the_report_and_refuses_other_files(
        tmp_path, tiny_workspace, capsys):
    ws = tiny_workspace(ROSTER)
    out = tmp_path / "outputs"
    out.mkdir()
    report_page(out, "# Findings", "## Who took part\n\nNine pupils.", name="findings")
    assert main(["pdf", str(out), "--workspace", str(ws), "--to", str(tmp_path / "print")]) == 0
    assert "Wrote 1 PDF" in capsys.readouterr().out
    pdf = tmp_path / "print" / "findings.pdf"
    from pypdf import PdfReader

    assert PdfReader(pdf).metadata["/Creator"] == PDF_CREATOR
    other = tmp_path / "notes.html"
    other.write_text("<p>my own notes</p>", encoding="utf-8")
    assert main(["pdf", str(other), "--workspace", str(ws)]) == 2  # the argument is wrong
    err = capsys.readouterr().err
    assert "notes.html is not an slc-research report page" in err
    assert not other.with_suffix(".pdf").exists()


def test_item6_a_pdf_belongs_to_the_folder_while_its_report_page_does(tmp_path):
    from slc_research.report.folder import write_ledger

    out = tmp_path / "outputs"
    out.mkdir()
    page = report_page(out, "# Findings", "## Who took part\n\nNine pupils.", name="findings")
    report_pdf(page, out / "findings.pdf")
    (out / "governors.pdf").write_bytes((out / "findings.pdf").read_bytes())  # not in the ledger
    (out / "minutes.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")  # a teacher's own file
    write_ledger(out, {"findings": {"html": "findings.html", "status": "ok"}})
    assert [p.name for p in unknown_files(out)] == ["governors.pdf", "minutes.pdf"]
    assert is_our_report(out / "governors.pdf")  # removed by the next run, with a note
    assert not is_our_report(out / "minutes.pdf")  # never removed, only named
    page.unlink()  # the page withdrawn (an older consent register): its PDF goes with it
    assert [p.name for p in unknown_files(out)] == ["findings.pdf", "governors.pdf",
                                                    "minutes.pdf"]


def test_item6_the_pdf_loads_nothing_from_outside_the_page(tmp_path):
    dot = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4"
           "nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==")
    page = report_page(tmp_path, "# Findings", f"## Pictures\n\n![inline]({dot}) "
                       "![remote](http://192.0.2.1/tracker.png) ![local](secret.png)",
                       name="pictures")
    import base64

    (tmp_path / "secret.png").write_bytes(base64.b64decode(dot.split(",", 1)[1]))  # a real PNG
    pdf = report_pdf(page, tmp_path / "pictures.pdf")
    images = sum(images_on(p) for p in pdf_pages(pdf))
    assert images == 1  # the inline picture only: no file read, no network asked
