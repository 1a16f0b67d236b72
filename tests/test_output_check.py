"""``slc-research check-outputs``: a name, real id or email planted in any kind of output
is found with its file and place (and masked); clean outputs pass; a report run whose
notebook leaks a roster name fails with exit status 1."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import nbformat
import openpyxl
import pytest

from slc_research.cli import main
from slc_research.privacy.identifiers import Identifiers, mask
from slc_research.privacy.output_check import format_finds, scan_outputs, scan_text
from slc_research.privacy.output_formats import Piece, png_metadata
from slc_research.report.check import check_outputs
from slc_research.report.folder import consent_digest
from slc_research.workspace.identifiers import workspace_identifiers

ROSTER = """UPN,Legal Forename,Preferred Name,Legal Surname,Date of Birth,Year,Adno
A123456789012,Zebedee,Zeb,Quillfeather,14/03/2013,7,004512
B223456789012,Grace,,Green,02/11/2012,8,004513
C323456789012,Amy,,Abernethy-Clark,30/06/2012,8,004514
"""
@pytest.fixture
def workspace(tiny_workspace) -> Path:
    return tiny_workspace(ROSTER)


@pytest.fixture
def ident(workspace) -> Identifiers:
    return workspace_identifiers(workspace)


def png_with_text(key: str, value: str) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"tEXt", key.encode() + b"\x00" + value.encode("latin-1"))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def docx_with(paragraphs: list[str]) -> bytes:
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml",
                    f'<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>')
        zf.writestr("docProps/core.xml", "<cp:coreProperties>Report</cp:coreProperties>")
    return buf.getvalue()


def planted_folder(root: Path) -> Path:
    out = root / "outputs"
    out.mkdir()
    (out / "report.html").write_text(
        "<html><body>\n<p>The SLC met six times.</p>\n<p>Thanks to Zebedee for the minutes."
        "</p>\n</body></html>", encoding="utf-8")
    (out / "table.csv").write_text("pupil,score\nP-1a2b3c4d5e,3\nA123456789012,4\n",
                                   encoding="utf-8")
    (out / "chart.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg">\n'
                                   '<text>contact amy.c@hillside.sch.uk</text></svg>',
                                   encoding="utf-8")
    (out / "figure.png").write_bytes(png_with_text("Author", "Quillfeather"))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws["A1"], ws["B3"] = "Group", "Zebedee Quillfeather"
    wb.save(out / "book.xlsx")
    (out / "notes.docx").write_bytes(docx_with(["Findings", "Grace Green spoke first."]))
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(first)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Zeb\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# Report"), cell]
    nbformat.write(nb, str(out / "executed.ipynb"))
    return out


def test_every_planted_identifier_is_found_with_its_place(tmp_path, ident):
    finds, files = scan_outputs(planted_folder(tmp_path), ident)
    assert files == 7
    got = {(f.file, f.place, f.kind, f.masked) for f in finds}
    assert got == {
        ("report.html", "line 3, column 14", "name", "Zeb***"),
        ("table.csv", "row 3, column 1 ('pupil')", "real id", "A12***"),
        ("chart.svg", "line 2, column 15", "email address", "am***@***"),
        ("figure.png", "PNG metadata 'Author'", "name", "Qui***"),
        ("book.xlsx", "sheet 'Summary', cell B3", "full name", "Zeb***"),
        ("notes.docx", "paragraph 2", "full name", "Gra***"),
        ("executed.ipynb", "cell 2, output 1 (stdout), line 1, column 1", "name", "Z***"),
    }


def test_the_message_masks_every_identifier(tmp_path, workspace):
    result = check_outputs(planted_folder(tmp_path), workspace)
    message = format_finds(result)
    assert not result.ok
    assert len(result.finds) == 7
    for secret in ("Zebedee", "Quillfeather", "A123456789012", "amy.c@", "Grace Green"):
        assert secret not in message
    assert "report.html, line 3, column 14: name 'Zeb***'" in message
    assert "allowed_words.txt" in message


def test_a_clean_folder_passes(tmp_path, workspace):
    out = tmp_path / "clean"
    out.mkdir()
    (out / "report.html").write_text(
        "<p>Pupils in year 7 (n = 120) were greener about it; the green group grew. "
        "Grace under pressure. Amyas and P-1a2b3c4d5e took part. Hedges' g = 0.41.</p>"
        "<style>--jp-icon-zebedee: url(data:image/png;base64,QUJDWmVi+ZebedeeAAAA)</style>",
        encoding="utf-8")
    (out / "summary.csv").write_text("n,mean\n4512.5,3\n", encoding="utf-8")
    (out / ".slc-runs.json").write_text(json.dumps({"reports": {"report": {
        "status": "ok", "consent": consent_digest(workspace)}}}))  # the ledger knows it
    result = check_outputs(out, workspace)
    assert result.ok, format_finds(result)
    assert result.files == 3


def test_names_that_are_words_are_found_only_in_full(ident):
    # Green is a word: on its own it is not a find, as "Grace Green" or "Green, Grace" it is
    assert scan_text(Piece("", "the Green team and Grace"), ident) == []
    hits = scan_text(Piece("", "Green, Grace said; GRACE GREEN's idea"), ident)
    assert [(k, v) for _, k, v in hits] == [("full name", "Green, Grace"),
                                           ("full name", "GRACE GREEN's")]


def test_hyphenated_possessive_preferred_names_and_other_ids(ident):
    hits = scan_text(Piece("", "Abernethy's plan; Zeb's idea; adno 004512; born 14/03/2013; "
                               "2013-03-14"), ident)
    assert [(k, v) for _, k, v in hits] == [
        ("date of birth", "14/03/2013"), ("date of birth", "2013-03-14"),
        ("real id", "004512"), ("name", "Abernethy's"), ("name", "Zeb's")]


def test_allowed_words_silence_a_false_alarm(tmp_path, workspace):
    out = tmp_path / "o"
    out.mkdir()
    (out / "a.txt").write_text("We visited Quillfeather Farm.", encoding="utf-8")
    assert not check_outputs(out, workspace).ok
    (workspace / "private" / "allowed_words.txt").write_text("# a farm, not a pupil\n"
                                                            "Quillfeather\n")
    assert check_outputs(out, workspace).ok


def test_identifiers_never_show_themselves(ident):
    assert "Zebedee" not in repr(ident)
    assert "A123" not in repr(ident)
    assert mask("Zebedee") == "Zeb***"
    assert mask("Amy") == "A***"
    assert mask("jo@school.org") == "jo***@***"


def test_png_text_chunks_are_read():
    assert png_metadata(png_with_text("Comment", "hello")) == [("Comment", "hello")]


def test_check_outputs_command(tmp_path, workspace, capsys):
    out = planted_folder(tmp_path)
    assert main(["check-outputs", str(out), "--workspace", str(workspace)]) == 1
    err = capsys.readouterr().err
    assert "book.xlsx, sheet 'Summary', cell B3: full name 'Zeb***'" in err
    assert "Zebedee" not in err
    clean = tmp_path / "clean"
    clean.mkdir()
    assert main(["check-outputs", str(clean), "--workspace", str(workspace)]) == 0
    assert "No names" in capsys.readouterr().out


@pytest.mark.slow
def test_a_report_that_leaks_a_name_fails_the_run(tmp_path, workspace, capsys):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('workspace = ""', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(
                    "import csv, pathlib\n"
                    "rows = list(csv.DictReader(open(pathlib.Path(workspace) / 'raw' / "
                    "'roster.csv')))\nprint('Thanks to', rows[0]['Legal Forename'])")]
    nb.metadata["kernelspec"] = {"name": "slc-research", "display_name": "slc-research",
                                 "language": "python"}
    path = tmp_path / "leaky.ipynb"
    nbformat.write(nb, str(path))
    out = tmp_path / "out"
    code = main(["report", str(workspace), "--notebook", str(path), "--out", str(out),
                 "--quiet", "--audience", "research"])
    err = capsys.readouterr().err
    assert code == 1
    assert "leaky--research.html, line" in err
    assert ": name 'Zeb***'" in err
    assert "Zebedee" not in err
