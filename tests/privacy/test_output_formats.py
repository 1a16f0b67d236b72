"""Issue 15, case 8: ``check-outputs`` reads every container an output can hide a name in.

Each test plants a full name or a UPN in one place of one kind of file, written in that
tool's real shape (python-docx, openpyxl and python-pptx write the Office files; Word's
tracked changes, field codes and alt text are added as Word writes them), and asserts the
find and its place through :func:`check_folder`; ``test_case8_check_outputs_command_*`` goes
through ``slc-research check-outputs`` (exit 1). The identifiers are plain
(:meth:`Identifiers.build`), so that these tests hold whatever the matcher normalises.
"""

from __future__ import annotations

import base64
import gzip
import io
import zipfile
from pathlib import Path
from urllib.parse import quote

import docx
import openpyxl
import pptx
import pytest
import xlsxwriter

from slc_research.cli import main
from slc_research.privacy.identifiers import Identifiers
from slc_research.privacy.output_check import check_folder

NAME = "Zebedee Quillfeather"
UPN = "A123456789012"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@pytest.fixture
def ident() -> Identifiers:
    return Identifiers.build(full_names=[NAME, "Grace Green"], ids=[UPN, "B223456789012"])


def finds(folder: Path, ident: Identifiers) -> set[tuple[str, str, str, str]]:
    result = check_folder(folder, ident)
    return {(f.file, f.place, f.kind, f.masked) for f in result.finds}


def outputs(tmp_path: Path) -> Path:
    out = tmp_path / "outputs"
    out.mkdir()
    return out


def word_document(paragraph_xml: str = "") -> bytes:
    """A .docx saved by python-docx, with ``paragraph_xml`` (raw WordprocessingML) added."""
    document = docx.Document()
    document.add_paragraph("The student voice team met six times.")
    if paragraph_xml:
        from docx.oxml import parse_xml

        document.element.body.insert(1, parse_xml(
            f'<w:p xmlns:w="{W}" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/'
            f'wordprocessingDrawing">{paragraph_xml}</w:p>'))
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_case8_docx_tracked_deletion_is_read(tmp_path, ident):
    out = outputs(tmp_path)
    (out / "minutes.docx").write_bytes(word_document(
        '<w:r><w:t xml:space="preserve">Thanks to </w:t></w:r>'
        f'<w:del w:id="1" w:author="Teacher" w:date="2026-01-05T10:00:00Z"><w:r>'
        f"<w:delText>{NAME}</w:delText></w:r></w:del>"
        '<w:ins w:id="2" w:author="Teacher" w:date="2026-01-05T10:00:00Z"><w:r>'
        "<w:t>a Year 8 pupil</w:t></w:r></w:ins>"))
    assert finds(out, ident) == {
        ("minutes.docx", "paragraph 2 (before tracked changes)", "full name", "Zeb***")}


def test_case8_docx_field_code_is_read(tmp_path, ident):
    out = outputs(tmp_path)
    (out / "letter.docx").write_bytes(word_document(
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> MERGEFIELD {UPN} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>Dear parent</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        f'<w:fldSimple w:instr=" AUTHOR &quot;{NAME}&quot; "><w:r><w:t>Author</w:t></w:r>'
        "</w:fldSimple>"))
    assert finds(out, ident) == {
        ("letter.docx", "paragraph 2, field code", "real id", "A12***"),
        ("letter.docx", "word/document.xml, attribute instr of <fldSimple>", "full name",
         "Zeb***"),
    }


def test_case8_docx_alt_text_attribute_is_read(tmp_path, ident):
    out = outputs(tmp_path)
    (out / "report.docx").write_bytes(word_document(
        '<w:r><w:drawing><wp:inline><wp:extent cx="952500" cy="952500"/>'
        f'<wp:docPr id="1" name="Picture 1" descr="Photo of {NAME} at the conference"/>'
        "</wp:inline></w:drawing></w:r>"))
    assert finds(out, ident) == {
        ("report.docx", "word/document.xml, attribute descr of <docPr>", "full name", "Zeb***")}


def test_case8_docx_header_and_footer_are_read(tmp_path, ident):
    document = docx.Document()
    document.add_paragraph("Findings")
    section = document.sections[0]
    section.header.paragraphs[0].text = f"Prepared for {NAME}"
    section.footer.paragraphs[0].text = f"Ref {UPN}"
    out = outputs(tmp_path)
    document.save(out / "report.docx")
    got = finds(out, ident)
    places = {p for _, p, _, _ in got}
    assert len(got) == 2
    assert {k for _, _, k, _ in got} == {"full name", "real id"}
    assert any(p.startswith("word/header") and p.endswith(", paragraph 1") for p in places)
    assert any(p.startswith("word/footer") and p.endswith(", paragraph 1") for p in places)


def test_case8_docx_comment_is_read(tmp_path, ident):
    document = docx.Document()
    paragraph = document.add_paragraph("The team chose its own topic.")
    document.add_comment(paragraph.runs, text=f"Check this with {NAME}", author="Teacher")
    out = outputs(tmp_path)
    document.save(out / "draft.docx")
    assert finds(out, ident) == {
        ("draft.docx", "word/comments.xml, paragraph 1", "full name", "Zeb***")}


def test_case8_core_properties_are_read(tmp_path, ident):
    document = docx.Document()
    document.add_paragraph("Findings")
    document.core_properties.author = NAME
    document.core_properties.subject = f"Pupil {UPN}"
    out = outputs(tmp_path)
    document.save(out / "report.docx")
    assert finds(out, ident) == {
        ("report.docx", "docProps/core.xml, creator", "full name", "Zeb***"),
        ("report.docx", "docProps/core.xml, subject", "real id", "A12***"),
    }


def test_case8_xlsx_header_and_footer_are_read(tmp_path, ident):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws["A1"] = "Group"
    ws.oddFooter.center.text = f"Printed by {NAME}"
    ws.oddHeader.right.text = UPN
    out = outputs(tmp_path)
    wb.save(out / "tables.xlsx")
    assert finds(out, ident) == {
        ("tables.xlsx", "xl/worksheets/sheet1.xml, oddFooter", "full name", "Zeb***"),
        ("tables.xlsx", "xl/worksheets/sheet1.xml, oddHeader", "real id", "A12***"),
    }


def test_case8_xlsx_shared_string_no_cell_uses_is_read(tmp_path, ident):
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf) as wb:  # shared strings, as Excel writes them
        wb.add_worksheet("Summary").write("A1", "Group")
    out = outputs(tmp_path)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out / "book.xlsx", "w") as dst:
        for item in src.infolist():  # a string left behind when its cell was cleared
            data = src.read(item)
            if item.filename == "xl/sharedStrings.xml":
                data = data.replace(b"</sst>", f"<si><t>{NAME}</t></si></sst>".encode())
            dst.writestr(item, data)
    assert finds(out, ident) == {
        ("book.xlsx", "xl/sharedStrings.xml, string 2 (used by no cell)", "full name",
         "Zeb***")}


def test_case8_pptx_slide_and_notes_are_read(tmp_path, ident):
    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "What the team found"
    slide.placeholders[1].text_frame.text = f"Led by {NAME}"
    slide.notes_slide.notes_text_frame.text = f"Mention {UPN}"
    out = outputs(tmp_path)
    deck.save(out / "slides.pptx")
    assert finds(out, ident) == {
        ("slides.pptx", "ppt/slides/slide1.xml, paragraph 2", "full name", "Zeb***"),
        ("slides.pptx", "ppt/notesSlides/notesSlide1.xml, paragraph 1", "real id", "A12***"),
    }


def test_case8_html_gz_is_read(tmp_path, ident):
    out = outputs(tmp_path)
    (out / "report.html.gz").write_bytes(gzip.compress(
        f"<html><body>\n<p>Thanks to {NAME}.</p>\n</body></html>".encode()))
    assert finds(out, ident) == {("report.html.gz", "line 2, column 14", "full name", "Zeb***")}


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_case8_utf16_without_bom_is_read(tmp_path, ident, encoding):
    out = outputs(tmp_path)
    (out / "table.csv").write_bytes(f"pupil,score\n{UPN},4\n".encode(encoding))
    (out / "notes.txt").write_bytes(f"Met with\n{NAME} today\n".encode(encoding))
    assert finds(out, ident) == {
        ("table.csv", "row 2, column 1 ('pupil')", "real id", "A12***"),
        ("notes.txt", "line 2, column 1", "full name", "Zeb***"),
    }


def test_case8_zip_holding_a_docx_is_read(tmp_path, ident):
    document = docx.Document()
    document.add_paragraph("Findings")
    document.add_paragraph(f"{NAME} spoke first.")
    inner = io.BytesIO()
    document.save(inner)
    out = outputs(tmp_path)
    with zipfile.ZipFile(out / "for-governors.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("reports/summary.html", "<p>All well.</p>")
        zf.writestr("reports/case-study.docx", inner.getvalue())
    assert finds(out, ident) == {
        ("for-governors.zip", "reports/case-study.docx, word/document.xml, paragraph 2",
         "full name", "Zeb***")}


def test_case8_file_name_holding_a_name_and_upn_is_a_find(tmp_path, ident):
    out = outputs(tmp_path)
    (out / f"{NAME.replace(' ', '_')}_{UPN}.html").write_text("<p>All well.</p>",
                                                              encoding="utf-8")
    got = finds(out, ident)
    assert got == {("Zeb***_A12***.html", "file name", "full name", "Zeb***"),
                   ("Zeb***_A12***.html", "file name", "real id", "A12***")}


def test_case8_non_image_data_uris_are_read(tmp_path, ident):
    page = base64.b64encode(f"<p>Led by {NAME}</p>".encode()).decode()
    out = outputs(tmp_path)
    (out / "report.html").write_text(
        "<html><body>\n"
        f'<iframe src="data:text/html;base64,{page}"></iframe>\n'
        f'<a href="data:text/plain;charset=utf-8,{quote("Pupil " + UPN)}">notes</a>\n'
        "</body></html>", encoding="utf-8")
    assert finds(out, ident) == {
        ("report.html", "text/html data embedded at line 2, line 1, column 11", "full name",
         "Zeb***"),
        ("report.html", "text/plain data embedded at line 3, line 1, column 7", "real id",
         "A12***"),
    }


ROSTER = f"""UPN,Legal Forename,Legal Surname,Year
{UPN},Zebedee,Quillfeather,7
B223456789012,Grace,Green,8
"""
@pytest.fixture
def workspace(tiny_workspace) -> Path:
    return tiny_workspace(ROSTER)


def test_case8_check_outputs_command_finds_every_container(tmp_path, workspace, capsys):
    out = outputs(tmp_path)
    document = docx.Document()
    document.add_paragraph("Findings")
    document.sections[0].footer.paragraphs[0].text = f"Ref {UPN}"
    nested = io.BytesIO()
    document.save(nested)
    with zipfile.ZipFile(out / "pack.zip", "w") as zf:
        zf.writestr("report.docx", nested.getvalue())
    (out / "notes.txt.gz").write_bytes(gzip.compress(f"{NAME}\n".encode("utf-16-le")))
    assert main(["check-outputs", str(out), "--workspace", str(workspace)]) == 1
    err = capsys.readouterr().err
    assert "pack.zip, report.docx, word/footer" in err
    assert ": real id 'A12***'" in err
    assert "notes.txt.gz, line 1, column 1: full name 'Zeb***'" in err
    assert "Quillfeather" not in err
    assert UPN not in err


def test_case8_archives_nested_past_the_limit_are_not_read_but_reported(tmp_path, ident):
    from slc_research.privacy.output_formats import MAX_NESTING

    data = f"{NAME}\n".encode()
    name = "note.txt"
    for level in range(MAX_NESTING + 1):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(name, data)
        data, name = buf.getvalue(), f"level{level}.zip"
    out = outputs(tmp_path)
    (out / "deep.zip").write_bytes(data)
    (finding,) = check_folder(out, ident).finds
    assert finding.file == "deep.zip"
    assert finding.place == "level3.zip, level2.zip, level1.zip, level0.zip"
    assert finding.kind.startswith("file not checked: it expands past the zip-bomb limits")
    assert f"nested more than {MAX_NESTING} deep" in finding.kind


def test_style_and_layout_names_of_office_templates_are_not_names(tmp_path):
    # Real surnames that are also the names of Word's built-in styles ("Strong", "Light
    # List", "Placeholder Text") and of PowerPoint's layout placeholders: a report made
    # with the programs' own templates holds no one's name.
    people = Identifiers.build(full_names=["Amy Strong", "Tom Light", "Jo Placeholder",
                                           "Ali Picture"], ids=[UPN])
    out = outputs(tmp_path)
    (out / "tables.docx").write_bytes(word_document())
    deck = pptx.Presentation()
    for layout in deck.slide_layouts:
        slide = deck.slides.add_slide(layout)
        if slide.shapes.title is not None:
            slide.shapes.title.text = "What staff said"
    deck.save(out / "staff.pptx")
    assert finds(out, people) == set()
    # the same names written in the content are still found
    document = docx.Document()
    document.add_paragraph("Thanks to Amy Strong for the minutes.", style="Quote")
    document.save(out / "minutes.docx")
    assert {(f, k) for f, _, k, _ in finds(out, people)} == {("minutes.docx", "full name")}
