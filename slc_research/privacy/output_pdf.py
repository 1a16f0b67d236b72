"""The text of a PDF file, page by page, for the output check.

A PDF's text is not in its bytes as letters: it sits in compressed content streams,
drawn glyph by glyph through each font's encoding. :func:`pdf_pieces` reads it as a reader
would copy it (pypdf's text extraction), one piece per page, and the document's
information (title, author, subject, keywords, creator) and its outline (bookmarks).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

from slc_research.errors import DataError
from slc_research.privacy.output_packages import Piece

__all__ = ["PDF_START", "pdf_pieces"]

#: How every PDF file starts.
PDF_START = b"%PDF-"


def pdf_pieces(data: bytes, label: str) -> Iterator[Piece]:
    """The text of the PDF ``data``: each page's text, its information and its outline.

    Parameters
    ----------
    data : bytes
        The file's bytes (starting with ``%PDF-``).
    label : str
        The file as the check names it (for a message about a damaged file).

    Raises
    ------
    DataError
        The file cannot be read as a PDF (damaged or encrypted): it cannot be checked.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files raise below
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DataError.single(label, "a PDF whose text can be read, but this one is "
                                   "encrypted: it cannot be checked. Save it again without a "
                                   "password, or leave it out of the folder you share.")
        info = reader.metadata or {}
        for key in ("/Title", "/Author", "/Subject", "/Keywords", "/Creator"):
            value = info.get(key)
            if value:
                yield Piece(f"PDF information {key[1:]!r}", str(value), False)
        for title in _outline_titles(reader.outline):
            yield Piece("PDF bookmark", title, False)
        for number, page in enumerate(reader.pages, start=1):
            yield Piece(f"page {number}", page.extract_text() or "", True)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise DataError.single(label, "a PDF that can be read, but this one is damaged "
                               f"({type(exc).__name__}): it cannot be checked. Make it again, "
                               "or leave it out of the folder you share.") from None


def _outline_titles(outline: list) -> Iterator[str]:
    for item in outline:
        if isinstance(item, list):
            yield from _outline_titles(item)
        elif getattr(item, "title", None):
            yield str(item.title)
