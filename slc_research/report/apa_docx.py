"""Word documents in APA 7 style: tables, figures and methods for a dissertation.

APA 7 tables (Publication Manual, 7th ed., sections 7.8-7.21): the number in
bold ("Table 1"), the title in italic title case on the next line, horizontal
rules only (above the table, below the column heads, below the table), no
vertical rules, numbers right-aligned, and a "*Note.*" paragraph below. Text is
Times New Roman 12 pt; a table with many columns gets a landscape page and a
smaller size so that it fits. Written with python-docx.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FONT", "ExportedFigure", "ExportedTable", "figures_document", "methods_document",
           "tables_document"]

#: The typeface of every document.
FONT = "Times New Roman"
_NUMBER = re.compile(r"[<>≤≥]?[-+−–]?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?%?")
_MARKS = {"*", "–", "-", "—", ""}
_LANDSCAPE_FROM = 8  # columns


@dataclass(frozen=True)
class ExportedTable:
    """A table as the report showed it: display-ready text cells, suppression applied.

    Attributes
    ----------
    number : int
    caption : str
    columns : list of str
    rows : list of list of str
    notes : list of str
    """

    number: int
    caption: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)

    def numeric_columns(self) -> list[bool]:
        """Whether each column holds numbers (suppression marks and dashes aside)."""
        out = []
        for i in range(len(self.columns)):
            cells = [r[i].strip() for r in self.rows if i < len(r)]
            values = [c for c in cells if c not in _MARKS and not re.fullmatch(r"<\d+", c)]
            out.append(bool(values) and all(_NUMBER.fullmatch(c) and any(ch.isdigit() for ch in c)
                                            for c in values))
        return out


@dataclass(frozen=True)
class ExportedFigure:
    """A chart as a numbered figure: its title, and its PNG for Word."""

    number: int
    title: str
    png: bytes
    note: str = ""


def tables_document(tables: Sequence[ExportedTable], *, title: str) -> Any:
    """A Word document with every table in APA 7 style, one table per page.

    Parameters
    ----------
    tables : sequence of ExportedTable
    title : str
        The report's title (the first line of the document).

    Returns
    -------
    docx.Document
    """
    from docx.enum.section import WD_ORIENT
    from docx.enum.section import WD_SECTION_START as WD_SECTION

    doc = _document()
    doc.add_paragraph(title)
    if not tables:
        doc.add_paragraph("This report shows no tables.")
    for i, table in enumerate(tables):
        wide = len(table.columns) >= _LANDSCAPE_FROM
        section = doc.sections[-1]
        landscape = section.orientation == WD_ORIENT.LANDSCAPE
        if wide != landscape:
            section = doc.add_section(WD_SECTION.NEW_PAGE)
            section.orientation = WD_ORIENT.LANDSCAPE if wide else WD_ORIENT.PORTRAIT
            section.page_width, section.page_height = section.page_height, section.page_width
        elif i:
            doc.add_page_break()
        _add_table(doc, table, size=_size(len(table.columns)))
    return doc


def figures_document(figures: Sequence[ExportedFigure], *, title: str) -> Any:
    """A Word document with every figure in APA 7 style: number, title, image, note."""
    from docx.shared import Inches

    doc = _document()
    doc.add_paragraph(title)
    if not figures:
        doc.add_paragraph("This report shows no figures.")
    for i, fig in enumerate(figures):
        if i:
            doc.add_page_break()
        doc.add_paragraph().add_run(f"Figure {fig.number}").bold = True
        doc.add_paragraph().add_run(fig.title).italic = True
        doc.add_picture(io.BytesIO(fig.png), width=Inches(6))
        if fig.note:
            _note(doc, [fig.note])
    return doc


def methods_document(title: str, analyses: Sequence[Any], references: Sequence[str]) -> Any:
    """A Word document: a paragraph per analysis, then the references (hanging indent)."""
    from docx.shared import Inches

    doc = _document()
    doc.add_heading(f"Methods: {title}", level=1)
    for a in analyses:
        p = doc.add_paragraph()
        p.add_run(f"{a.title}. ").bold = True
        _add_markdown(p, a.paragraph())
    if references:
        doc.add_heading("References", level=2)
        for ref in references:
            p = doc.add_paragraph()
            p.paragraph_format.left_indent = Inches(0.5)
            p.paragraph_format.first_line_indent = Inches(-0.5)
            _add_markdown(p, ref)
    return doc


def save(doc: Any, path: str | Path) -> Path:
    """Save ``doc`` to ``path`` (folders created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


# --- internals -------------------------------------------------------------------------------

def _document() -> Any:
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    doc = docx.Document()
    _plain_properties(doc)
    for name in ("Normal", "Heading 1", "Heading 2"):
        style = doc.styles[name]
        style.font.name = FONT
        style.font.size = Pt(12)
        style.font.color.rgb = RGBColor(0, 0, 0)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), FONT)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)
    doc.styles["Heading 1"].font.bold = True
    return doc


def _plain_properties(doc: Any) -> None:
    """Clear the properties ``doc`` took from its template.

    No template author or dates (created and modified become now), and no empty bibliography
    part (its "APA" style name reads like a staff code to the output check).
    """
    from datetime import UTC, datetime

    props = doc.core_properties
    props.author = props.last_modified_by = props.comments = ""
    props.created = props.modified = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    for r_id, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/customXml"):
            del doc.part.rels[r_id]


def _size(n_columns: int) -> int:
    return 12 if n_columns <= 5 else 10 if n_columns <= 9 else 9


def _add_table(doc: Any, table: ExportedTable, *, size: int) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc.add_paragraph().add_run(f"Table {table.number}").bold = True
    doc.add_paragraph().add_run(table.caption).italic = True
    numeric = table.numeric_columns()
    grid = doc.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.alignment = WD_TABLE_ALIGNMENT.LEFT
    _rules(grid)
    for r, cells in enumerate([table.columns, *table.rows]):
        row = grid.rows[r]
        if r == 0:
            _repeat_header(row)
        for c, text in enumerate(cells[:len(table.columns)]):
            cell = row.cells[c]
            p = cell.paragraphs[0]
            p.paragraph_format.space_after = Pt(0)
            run = p.add_run(str(text))
            run.font.size = Pt(size)
            if r == 0:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER if c and numeric[c] else (
                    WD_ALIGN_PARAGRAPH.LEFT)
                _cell_border(cell, "bottom")
            elif numeric[c]:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _note(doc, table.notes)


def _rules(table: Any) -> None:
    """APA rules: a line above and below the table, none between rows, no vertical lines."""
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = tbl_pr.makeelement(qn("w:tblBorders"), {})
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = borders.makeelement(qn(f"w:{edge}"), {})
        if edge in ("top", "bottom"):
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), "8")
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    old = tbl_pr.find(qn("w:tblBorders"))
    if old is not None:
        tbl_pr.remove(old)
    tbl_pr.append(borders)


def _cell_border(cell: Any, edge: str) -> None:
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = tc_pr.makeelement(qn("w:tcBorders"), {})
        tc_pr.append(borders)
    el = borders.makeelement(qn(f"w:{edge}"), {qn("w:val"): "single", qn("w:sz"): "6",
                                                 qn("w:space"): "0", qn("w:color"): "000000"})
    borders.append(el)


def _repeat_header(row: Any) -> None:
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))


def _note(doc: Any, notes: Sequence[str]) -> None:
    if not notes:
        return
    p = doc.add_paragraph()
    p.paragraph_format.space_before = _pt(6)
    p.add_run("Note.").italic = True
    p.add_run(" " + " ".join(notes))


def _pt(n: float) -> Any:
    from docx.shared import Pt

    return Pt(n)


def _add_markdown(p: Any, text: str) -> None:
    """Runs of ``text`` with ``*italic*`` spans in italic (the references' markup)."""
    for i, part in enumerate(re.split(r"\*([^*]+)\*", text)):
        if part:
            p.add_run(part).italic = bool(i % 2)
