"""APA tables in Word that never break a word (issue 18, item 7).

Word and LibreOffice break a word across lines when it is wider than its cell
("Outcom/e", "Engage/ment"). The tables' column widths are set from their content, and
their labels are written as APA writes them ("g_av" is an italic g with "av" as a
subscript). Checked as a reader would see it: the document converted to PDF by
LibreOffice, its text read with ``pdftotext -layout``, and every word of every cell
found whole on one line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from slc_research.report.apa_docx import ExportedTable, apa_label, save, tables_document
from slc_research.report.table_widths import CELL_PADDING_PT, column_widths, text_width

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

#: Tables in the shape the reports show them (display-ready text, suppression marks),
#: with the long words that were broken before: 14 columns (the widest the issue names),
#: 6 columns, and 3 columns with one very long word.
WIDE = ExportedTable(
    1, "Effect sizes by outcome, g_av with its 95% CI",
    ["Outcome", "Characteristic", "Engagement", "Pupils", "Pre-test mean", "Pre-test SD",
     "Post-test mean", "Post-test SD", "Difference", "g_av", "g_av: 95% CI low",
     "g_av: 95% CI high", "Strength of evidence", "Interpretation"],
    [["Attendance", "Disadvantaged", "Participation", "112", "93.41", "4.27", "94.02", "3.98",
      "0.61", "0.15", "-0.05", "0.34", "Promising", "Inconclusive"],
     ["Behaviour", "Non-disadvantaged", "Contribution", "<5", "*", "*", "*", "*", "–", "–",
      "–", "–", "Insufficient", "Withheld"],
     ["Wellbeing", "Everyone", "Commitment", "1,597", "3.41", "0.82", "3.66", "0.79", "0.25",
      "0.31", "0.23", "0.39", "Moderate", "Noticeable"]],
    ["* and < mark groups smaller than 5."])
SIX = ExportedTable(
    2, "Teacher learning community members by department",
    ["Department", "Members", "% of members", "Teaching staff", "% of teaching staff",
     "Cramér's V"],
    [["Modern Languages", "12", "8.3", "27", "7.8", "0.09"],
     ["Design and Technology", "11", "7.6", "17", "4.9", "0.12"],
     ["Physical Education", "9", "6.2", "15", "4.3", "0.05"]])
NARROW = ExportedTable(
    3, "Strategies tried", ["Strategy", "Plans", "Reported back"],
    [["Metacognitive questioning", "41", "33"],
     ["Interdisciplinarity workshops", "7", "5"]])


def _convert(docx_path: Path, out: Path) -> str:
    soffice, pdftotext = shutil.which("soffice"), shutil.which("pdftotext")
    # missing is a failure, not a skip: `make test` installs both
    assert soffice, "needs LibreOffice: run `make install-test`"
    assert pdftotext, "needs poppler-utils: run `make install-test`"
    subprocess.run([soffice, f"-env:UserInstallation=file://{out}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), str(docx_path)],
                   check=True, capture_output=True, timeout=240)
    pdf = out / f"{docx_path.stem}.pdf"
    return subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout


def _words(table: ExportedTable) -> set[str]:
    """The words of the table's heads and cells (letters and digits, 3 or more long)."""
    texts = ["".join(t for t, s in apa_label(h) if s != "subscript") for h in table.columns]
    texts += [c for row in table.rows for c in row]
    return {w for t in texts for w in t.split() if len(w) >= 3 and not re.search(r"[_*<]", w)}


@pytest.mark.slow
def test_item7_no_word_of_a_table_is_split_across_lines_in_libreoffice(tmp_path):
    doc = tables_document([WIDE, SIX, NARROW], title="Tables: the synthetic trust")
    path = save(doc, tmp_path / "tables.docx")
    text = _convert(path, tmp_path)
    tokens = set(text.split())
    split = sorted(w for t in (WIDE, SIX, NARROW) for w in _words(t) if w not in tokens)
    assert split == [], f"broken across lines in LibreOffice: {split}"
    assert "Engage" not in tokens  # the break the issue saw ("Engage/ment")
    assert "_" not in text


def test_item7_apa_labels_have_no_underscores_and_set_g_av_as_a_subscript(tmp_path):
    path = save(tables_document([WIDE], title="Tables"), tmp_path / "tables.docx")
    import docx

    table = docx.Document(str(path)).tables[0]
    head = table.rows[0].cells[9].paragraphs[0]
    assert [(r.text, bool(r.italic), bool(r.font.subscript)) for r in head.runs] == [
        ("g", True, False), ("av", False, True)]
    for row in table.rows:
        for cell in row.cells:
            assert "_" not in cell.text
    assert apa_label("cramers_v") == [("Cramér's ", ""), ("V", "italic")]
    assert apa_label("pct_plans_tried") == [("% plans tried", "")]
    assert apa_label("p_holm: n") == [("p", "italic"), ("holm", "subscript"), (": ", ""),
                                       ("n", "italic")]


def test_item7_column_widths_are_fixed_from_content_in_word_and_libreoffice(tmp_path):
    path = save(tables_document([NARROW], title="Tables"), tmp_path / "tables.docx")
    import docx

    document = docx.Document(str(path))
    table = document.tables[0]
    layout = table._tbl.tblPr.find(f"{W}tblLayout")
    assert layout is not None
    assert layout.get(f"{W}type") == "fixed"
    grid = [int(g.get(f"{W}w")) / 20 for g in table._tbl.tblGrid.iter(f"{W}gridCol")]
    cells = [table.rows[0].cells[i].width.pt for i in range(3)]
    assert grid == pytest.approx(cells, abs=0.1)  # LibreOffice reads the grid, Word the cells
    longest = text_width("Interdisciplinarity", 12) + CELL_PADDING_PT
    assert grid[0] >= longest
    assert grid[0] > grid[1]  # the strategy column is wider than the counts


def test_item7_widths_share_the_page_and_shrink_the_type_before_breaking_a_word():
    rows = [["Engagement", "n"], ["Comprehensively engaged pupils", "12"]]
    roomy = column_widths(rows, available=450)
    assert roomy.size == 12
    assert roomy.widths[0] == pytest.approx(
        text_width("Comprehensively engaged pupils", 12) + CELL_PADDING_PT)  # one line
    tight = column_widths(rows, available=120)
    assert sum(tight.widths) == pytest.approx(120)
    assert tight.widths[0] >= text_width("Comprehensively", tight.size) + CELL_PADDING_PT
    cramped = column_widths([["Interdisciplinarity"] * 6], available=560)
    assert cramped.size < 12
    assert not cramped.overflows
    impossible = column_widths([["Interdisciplinarity"] * 12], available=300)
    assert impossible.overflows  # runs into the margin rather than breaking a word
    assert impossible.size == 8
