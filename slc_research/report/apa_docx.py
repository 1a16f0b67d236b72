"""Word documents in APA 7 style: tables, figures and methods for a dissertation.

APA 7 tables (Publication Manual, 7th ed., sections 7.8-7.21): the number in
bold ("Table 1"), the title in italic title case on the next line, horizontal
rules only (above the table, below the column heads, below the table), no
vertical rules, numbers right-aligned, and a "*Note.*" paragraph below. Text is
Times New Roman 12 pt; a table with many columns gets a landscape page and a
smaller size so that it fits. Column widths are set from the content
(:mod:`slc_research.report.table_widths`: the longest word of each column fits, so Word
and LibreOffice never break a word inside a cell), and the labels are written as APA
writes them (:func:`apa_label`: "g_av" is an italic *g* with "av" below the line, never
an underscore). Written with python-docx.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FONT", "ExportedFigure", "ExportedTable", "apa_label", "figures_document",
           "methods_document", "tables_document"]

#: The typeface of every document.
FONT = "Times New Roman"
_NUMBER = re.compile(r"[<>≤≥]?[-+−–]?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?%?")
_MARKS = {"*", "–", "-", "—", ""}
_LANDSCAPE_FROM = 8  # columns
#: Statistics' symbols, set in italic (APA 7, section 6.45); Greek letters stay upright.
_SYMBOLS = {"n", "N", "M", "SD", "SE", "p", "t", "F", "g", "d", "r", "R", "df", "z", "U", "V",
            "b", "B", "OR", "RR", "k", "Q"}
#: Internal keys a label may still carry, in words.
_KEYS = {"cramers_v": "Cramér's V", "ci_low": "CI lower", "ci_high": "CI upper",
         "ci_lower": "CI lower", "ci_upper": "CI upper", "std": "SD", "pct": "%"}
_SUBSCRIPTED = re.compile(r"(?<![^\W\d_])(" + "|".join(sorted(_SYMBOLS, key=len, reverse=True))
                          + r")_([A-Za-z0-9]+)(?![A-Za-z0-9])")
_TOKEN = re.compile(r"[^\W\d_]+")  # a word of letters, accented ones too


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


def apa_label(text: str) -> list[tuple[str, str]]:
    """``text`` as APA writes a label, as runs of (text, style); no underscore is left.

    The style is ``""``, ``"italic"`` or ``"subscript"``.
    A statistic with a subscript (``g_av``, ``d_z``, ``p_holm``) is the symbol in italic
    and the rest below the line; internal keys (``cramers_v``) are written in words; any
    other underscore reads as a space; statistics' symbols standing alone are in italic.

    Examples
    --------
    >>> apa_label("g_av: 95% CI low")
    [('g', 'italic'), ('av', 'subscript'), (': 95% CI low', '')]
    """
    for key, words in _KEYS.items():
        text = re.sub(rf"(?<![A-Za-z0-9]){key}(?![A-Za-z0-9])", words, text)
    runs: list[tuple[str, str]] = []
    at = 0
    for m in _SUBSCRIPTED.finditer(text):
        runs += _plain_runs(text[at:m.start()])
        runs += [(m.group(1), "italic"), (m.group(2), "subscript")]
        at = m.end()
    runs += _plain_runs(text[at:])
    return [(t, style) for t, style in runs if t]


def _plain_runs(text: str) -> list[tuple[str, str]]:
    """``text`` with underscores as spaces and lone statistics' symbols in italic."""
    text = re.sub(r"_+", " ", text)
    runs, at = [], 0
    for m in _TOKEN.finditer(text):
        if m.group() in _SYMBOLS:
            runs += [(text[at:m.start()], ""), (m.group(), "italic")]
            at = m.end()
    runs.append((text[at:], ""))
    return runs


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

    from slc_research.report.table_widths import column_widths

    doc.add_paragraph().add_run(f"Table {table.number}").bold = True
    caption = doc.add_paragraph()
    for text, style in apa_label(table.caption):
        run = caption.add_run(text)
        run.italic = True
        run.font.subscript = style == "subscript" or None
    numeric = table.numeric_columns()
    heads = ["".join(t for t, _ in apa_label(h)) for h in table.columns]
    cells_text = [heads, *([_plain_cell(c) for c in r] for r in table.rows)]
    section = doc.sections[-1]
    room = (section.page_width - section.left_margin - section.right_margin) / 12700  # EMU->pt
    fit = column_widths(cells_text, available=room,
                        sizes=[s for s in (12, 11, 10, 9, 8) if s <= size])
    grid = doc.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.alignment = WD_TABLE_ALIGNMENT.LEFT
    _rules(grid)
    _fixed_widths(grid, fit.widths)
    for r, cells in enumerate([table.columns, *table.rows]):
        row = grid.rows[r]
        if r == 0:
            _repeat_header(row)
        for c, text in enumerate(cells[:len(table.columns)]):
            cell = row.cells[c]
            p = cell.paragraphs[0]
            p.paragraph_format.space_after = Pt(0)
            for part, style in (apa_label(str(text)) if r == 0
                                else [(_plain_cell(str(text)), "")]):
                run = p.add_run(part)
                run.font.size = Pt(fit.size)
                run.italic = style == "italic" or None
                run.font.subscript = style == "subscript" or None
            if r == 0:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER if c and numeric[c] else (
                    WD_ALIGN_PARAGRAPH.LEFT)
                _cell_border(cell, "bottom")
            elif numeric[c]:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _note(doc, table.notes)


def _plain_cell(text: str) -> str:
    """A cell's text with an internal key's underscores read as spaces (``a_b`` -> ``a b``)."""
    return re.sub(r"(?<=[A-Za-z0-9])_+(?=[A-Za-z0-9])", " ", text)


def _fixed_widths(table: Any, widths: Sequence[float]) -> None:
    """Set every column's width (points), fixed: Word reads the cells', LibreOffice the grid's."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = tbl_pr.find(qn("w:tblLayout"))
    if layout is None:
        layout = tbl_pr.makeelement(qn("w:tblLayout"), {})
        tbl_pr.append(layout)
    layout.set(qn("w:type"), "fixed")
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = tbl_pr.makeelement(qn("w:tblW"), {})
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(round(sum(widths) * 20)))  # twentieths of a point
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Pt(width)
        for cell in column.cells:
            cell.width = Pt(width)


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
