"""Read a folder of documents, one text per file: ``.txt``, ``.md`` and Word ``.docx``.

Pupils' reflections and interview transcripts often come as a folder of files rather
than a table. :func:`document_files` lists the files a texts source's ``path`` (a
folder, or a pattern such as ``raw/reflections/*.docx``) names; :func:`read_document`
reads one file's text.

Plain text is read as UTF-8 (with or without a byte-order mark), UTF-16 (Windows
Notepad's "Unicode", with a byte-order mark) or, when it is not UTF-8, as Windows-1252
(Notepad's "ANSI"), with a note. A ``.docx`` is read with python-docx: its paragraphs
and its tables' cells, in the order they stand in the document, with those inside
content controls (the boxes of a school's reflection template). Files are only ever
opened for reading.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from slc_research.errors import DataError

__all__ = ["DOCUMENT_SUFFIXES", "Document", "document_base", "document_files", "is_pattern",
           "read_document"]

#: The kinds of file read as one text each.
DOCUMENT_SUFFIXES = (".txt", ".md", ".docx")
_GLOB = re.compile(r"[*?\[]")


def is_pattern(path: str | Path) -> bool:
    """Whether ``path`` is a pattern (``*``, ``?`` or ``[``) rather than one file or folder."""
    return bool(_GLOB.search(str(path)))


def document_base(path: str | Path) -> Path:
    """The folder a folder or pattern source starts from (``raw/reflections`` of ``raw/reflections/*.txt``)."""
    path = Path(path)
    parts = path.parts
    first = next((i for i, p in enumerate(parts) if is_pattern(p)), len(parts))
    return Path(*parts[:first])


def _natural(path: Path) -> list:
    return [int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", path.as_posix())]


def _is_document(path: Path) -> bool:
    name = path.name
    return (path.is_file() and not name.startswith((".", "~$"))
            and path.suffix.lower() in DOCUMENT_SUFFIXES)


def document_files(path: str | Path, *, every_kind: bool = False) -> list[Path]:
    """The document files a folder or a pattern names, in natural order (``2`` before ``10``).

    Parameters
    ----------
    path : str or Path
        A folder (every file in it and its sub-folders) or a pattern such as
        ``/ws/raw/reflections/*.docx`` (``**`` reaches into sub-folders).
    every_kind : bool, default False
        Also list files of other kinds (a ``.pdf``, an old ``.doc``), so that the caller
        can say they were left out. Hidden files, Word's ``~$`` lock files and links to
        files outside the folder never are.

    Returns
    -------
    list of Path
    """
    path = Path(path)
    if is_pattern(path):
        base = document_base(path)
        pattern = "/".join(path.parts[len(base.parts):])
        found = base.glob(pattern) if base.is_dir() else iter(())
    elif path.is_dir():
        found = path.rglob("*")
    else:
        return []
    keep = (lambda p: p.is_file() and not p.name.startswith((".", "~$"))) if every_kind \
        else _is_document
    inside = document_base(path).resolve()  # a link to a file elsewhere is never followed
    return sorted((p for p in found if keep(p) and p.resolve().is_relative_to(inside)),
                  key=_natural)


@dataclass(frozen=True)
class Document:
    """One file's text.

    Attributes
    ----------
    text : str
        The text, every line ending made a newline, surrounding blank space removed.
    encoding : str
        ``"utf-8"``, ``"utf-16"``, ``"cp1252"`` or ``"docx"``: how it was read.
    """

    text: str
    encoding: str


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if len(data) >= 4 and data.count(b"\x00") > len(data) // 4:  # UTF-16 saved without a BOM
        le = data[1::2].count(b"\x00") > data[0::2].count(b"\x00")
        return data.decode("utf-16-le" if le else "utf-16-be", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return data.decode("cp1252", errors="replace"), "cp1252"


def _blocks(element, parent):
    """The paragraphs and tables under ``element``, in document order.

    Those inside content controls (a school template's "click here to enter text" boxes)
    are included.
    """
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, parent)
        elif child.tag == qn("w:tbl"):
            yield Table(child, parent)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _blocks(content, parent)


def _docx_text(path: Path, label: str) -> str:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    from slc_research.data.reading.zip_limits import check_zip

    try:
        check_zip(path, label)
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError):
        raise DataError.single(label, "a Word document (.docx), but this file cannot be opened "
                               "as one (it may be damaged, or an old .doc renamed); open it in "
                               "Word and save it again as .docx, or as plain text (.txt)"
                               ) from None
    lines: list[str] = []
    for block in _blocks(document.element.body, document):
        if isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:  # a merged cell is listed once per grid column
                    text = cell.text.strip()
                    if text and (not cells or cells[-1] != text):
                        cells.append(text)
                if cells:
                    lines.append(" | ".join(cells))
        else:
            lines.append(block.text)
    return "\n".join(lines)


def read_document(path: str | Path, label: str) -> Document:
    """Read one document's text (see the module for the encodings and Word files read).

    Parameters
    ----------
    path : str or Path
        The file.
    label : str
        How messages name it (the file's path in the workspace, names redacted).

    Returns
    -------
    Document

    Raises
    ------
    DataError
        The file is missing, or a ``.docx`` that cannot be opened.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError.single(label, "a file at this path; check `path` in enquiry.toml")
    if path.suffix.lower() == ".docx":
        text, encoding = _docx_text(path, label), "docx"
    else:
        text, encoding = _decode(path.read_bytes())
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return Document(text.strip(), encoding)
