"""The output check reads a PDF's text (issue 18, item 6): a name drawn in a PDF is a find.

The text of a PDF sits in compressed content streams drawn through font encodings, so a
byte scan finds nothing; the check reads it as a reader copies it (pypdf), page by page,
and the document's information and bookmarks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slc_research.errors import DataError
from slc_research.privacy.identifiers import Identifiers
from slc_research.privacy.output_check import check_folder
from slc_research.privacy.output_pdf import pdf_pieces

NAME = "Zebedee Quillfeather"
UPN = "A123456789012"


@pytest.fixture
def ident() -> Identifiers:
    return Identifiers.build(full_names=[NAME, "Grace Green"], ids=[UPN, "B223456789012"])


def weasy_pdf(path: Path, body: str, *, title: str = "Findings") -> Path:
    import weasyprint

    page = f"<html><head><title>{title}</title></head><body>{body}</body></html>"
    weasyprint.HTML(string=page).write_pdf(path)
    return path


def test_item6_check_finds_a_name_drawn_on_page_two_of_a_pdf(tmp_path, ident):
    out = tmp_path / "outputs"
    out.mkdir()
    pdf = weasy_pdf(out / "report.pdf", "<p>The student voice team met six times.</p>"
                    f"<p style='break-before: page'>Quoted by {NAME} in Year 9.</p>")
    assert UPN.encode() not in pdf.read_bytes()
    assert b"Quillfeather" not in pdf.read_bytes()
    (finding,) = check_folder(out, ident).finds
    assert (finding.file, finding.kind, finding.masked) == ("report.pdf", "full name", "Zeb***")
    assert finding.place.startswith("page 2")


def test_item6_check_reads_the_pdf_title_and_passes_a_clean_pdf(tmp_path, ident):
    out = tmp_path / "outputs"
    out.mkdir()
    weasy_pdf(out / "clean.pdf", "<p>Attendance rose by 3 points (1 to 5).</p>")
    assert check_folder(out, ident).ok
    weasy_pdf(out / "titled.pdf", "<p>Nothing here.</p>", title=f"Pupil {UPN}")
    (finding,) = check_folder(out, ident).finds
    assert (finding.file, finding.place, finding.kind) == (
        "titled.pdf", "PDF information 'Title'", "real id")


def test_item6_pdf_pieces_are_the_page_texts(tmp_path):
    pdf = weasy_pdf(tmp_path / "two.pdf", "<p>First page words</p>"
                    "<p style='break-before: page'>Second page words</p>")
    pieces = {p.where: p.text for p in pdf_pieces(pdf.read_bytes(), "two.pdf")}
    assert "First page words" in pieces["page 1"]
    assert "Second page words" in pieces["page 2"]
    assert "Second" not in pieces["page 1"]


def test_item6_a_damaged_pdf_cannot_be_checked_and_says_so(tmp_path):
    data = weasy_pdf(tmp_path / "x.pdf", "<p>words</p>").read_bytes()
    broken = data[:200] + b"\x00garbage" * 50  # its pages and cross-reference table gone
    with pytest.raises(DataError, match=r"damaged.*cannot be checked"):
        list(pdf_pieces(broken, "x.pdf"))
