"""The text of every kind of output file, piece by piece, for ``check-outputs``.

:func:`text_pieces` turns one file into :class:`Piece` objects: a piece of text
and where it sits in the file, in words a teacher can follow ("sheet 'Summary',
cell B3", "cell 4, output 1", "PNG metadata 'Comment'"). It reads HTML, SVG,
XML, CSV, JSON (and run ledgers), executed notebooks, XLSX (every cell, sheet
names and document properties), DOCX (every paragraph, headers, footers,
comments and properties, from the zip's XML: python-docx is not needed), any
other zip-based file, PNG metadata (``tEXt``, ``zTXt``, ``iTXt`` chunks) and,
for any other binary file, its runs of printable text. Images embedded in HTML
or notebooks as base64 are opened too, and their base64 text is blanked so
that random letters in it are never taken for a name.

Nothing is written and nothing is kept.
"""

from __future__ import annotations

import base64
import binascii
import csv
import html
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

__all__ = ["Piece", "png_metadata", "text_pieces"]

_TEXT_SUFFIXES = {".txt", ".log", ".md", ".tex", ".py", ".toml", ".yaml", ".yml", ".ini", ".rst"}
_MARKUP_SUFFIXES = {".html", ".htm", ".svg", ".xml", ".xhtml"}
_DATA_URI = re.compile(r"data:([\w.+-]+/[\w.+-]+)(?:;[\w=.-]+)*;base64,([A-Za-z0-9+/=\s]+)")
_PRINTABLE = re.compile(rb"[\x20-\x7e\t]{4,}")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class Piece:
    """A piece of a file's text and where it is.

    Attributes
    ----------
    where : str
        The place in the file ("" for the file as a whole).
    text : str
    lines : bool
        True when places within the text are given as line and column.
    """

    where: str
    text: str
    lines: bool = True


def text_pieces(path: Path) -> Iterator[Piece]:
    """The pieces of text in the file at ``path``, chosen by its suffix and content."""
    suffix = path.suffix.lower()
    data = path.read_bytes()
    if suffix == ".png" or data[:8] == b"\x89PNG\r\n\x1a\n":
        for key, value in png_metadata(data):
            yield Piece(f"PNG metadata {key!r}", value, False)
        return
    if zipfile.is_zipfile(io.BytesIO(data)):
        yield from _zip_pieces(data, suffix)
        return
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        yield from _binary_pieces(data)
        return
    text = _decode(data)
    if suffix == ".ipynb":
        yield from _notebook_pieces(text)
    elif suffix == ".json":
        yield from _json_pieces(text)
    elif suffix in (".csv", ".tsv"):
        yield from _csv_pieces(text, "\t" if suffix == ".tsv" else ",")
    elif suffix in _MARKUP_SUFFIXES or text.lstrip()[:1] == "<":
        yield from _markup_pieces(text, "")
    elif suffix in _TEXT_SUFFIXES or text.isprintable() or "\n" in text:
        yield Piece("", text)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")


# --- markup and embedded images --------------------------------------------------------------

def _markup_pieces(text: str, where: str) -> Iterator[Piece]:
    """The pieces of an HTML, SVG or XML text: the text and its embedded images.

    Entities are decoded line by line (so line numbers hold); embedded images are opened and
    their base64 blanked in the text.
    """
    if "base64," in text:
        text = yield from _embedded(text, where)
    if "&" in text:
        text = "\n".join(html.unescape(line) for line in text.split("\n"))
    yield Piece(where, text)


def _embedded(text: str, where: str) -> Iterator[Piece]:
    """Yield the pieces of every base64 image in ``text``; return the text with them blanked."""
    parts: list[str] = []
    last = 0
    for m in _DATA_URI.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        label = f"{where + ', ' if where else ''}image embedded at line {line}"
        yield from _image_pieces(m.group(1), m.group(2), label)
        parts.append(text[last:m.start(2)])
        parts.append(re.sub(r"[^\n]", " ", m.group(2)))
        last = m.end(2)
    parts.append(text[last:])
    return "".join(parts)


def _image_pieces(mime: str, payload: str, where: str) -> Iterator[Piece]:
    try:
        raw = base64.b64decode("".join(payload.split()), validate=False)
    except (binascii.Error, ValueError):
        return
    if mime == "image/png":
        for key, value in png_metadata(raw):
            yield Piece(f"{where}: PNG metadata {key!r}", value, False)
    elif mime.startswith("image/svg") or mime.startswith("text/"):
        yield from _markup_pieces(_decode(raw), where)


def png_metadata(data: bytes) -> list[tuple[str, str]]:
    """The text chunks of a PNG file (``tEXt``, ``zTXt``, ``iTXt``) as (keyword, text) pairs.

    A damaged chunk ends the reading; what was read before it is returned.
    """
    out: list[tuple[str, str]] = []
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IEND" or len(body) < length:
            break
        if kind not in (b"tEXt", b"zTXt", b"iTXt"):
            continue
        key, _, rest = body.partition(b"\x00")
        try:
            if kind == b"tEXt":
                value = rest.decode("latin-1")
            elif kind == b"zTXt":
                value = zlib.decompress(rest[1:]).decode("latin-1")
            else:
                compressed, rest = rest[0], rest[2:]
                _lang, _, rest = rest.partition(b"\x00")
                _translated, _, rest = rest.partition(b"\x00")
                value = (zlib.decompress(rest) if compressed else rest).decode("utf-8", "replace")
                value = f"{_translated.decode('utf-8', 'replace')} {value}".strip()
        except (zlib.error, IndexError):
            continue
        out.append((key.decode("latin-1"), value))
    return out


# --- notebooks, JSON and CSV -----------------------------------------------------------------

def _notebook_pieces(text: str) -> Iterator[Piece]:
    try:
        nb = json.loads(text)
    except ValueError:
        yield Piece("", text)
        return
    if not isinstance(nb, dict):
        yield Piece("", text)
        return
    yield Piece("notebook metadata", json.dumps(nb.get("metadata", {}), ensure_ascii=False,
                                                 indent=1))
    for i, cell in enumerate(nb.get("cells") or [], start=1):
        if not isinstance(cell, dict):
            continue
        kind = cell.get("cell_type", "cell")
        yield Piece(f"cell {i} ({kind}) source", _joined(cell.get("source")))
        for j, output in enumerate(cell.get("outputs") or [], start=1):
            yield from _output_pieces(output, f"cell {i}, output {j}")
        attachments = cell.get("attachments") or {}
        for name, bundle in attachments.items():
            yield from _bundle_pieces(bundle, f"cell {i}, attachment {name!r}")


def _output_pieces(output: dict, where: str) -> Iterator[Piece]:
    if not isinstance(output, dict):
        return
    if "text" in output:
        yield Piece(f"{where} ({output.get('name', 'text')})", _joined(output["text"]))
    if "traceback" in output:
        yield Piece(f"{where} (error)", "\n".join(map(str, output["traceback"])))
        yield Piece(f"{where} (error)", f"{output.get('ename', '')}: {output.get('evalue', '')}")
    yield from _bundle_pieces(output.get("data") or {}, where)


def _bundle_pieces(bundle: dict, where: str) -> Iterator[Piece]:
    for mime, value in bundle.items():
        label = f"{where} ({mime})"
        if mime == "image/png" or (mime.startswith("image/") and "svg" not in mime):
            yield from _image_pieces(mime, _joined(value), label)
        elif isinstance(value, dict | list) and "json" in mime:
            yield Piece(label, json.dumps(value, ensure_ascii=False, indent=1))
        elif "html" in mime or "svg" in mime or "xml" in mime:
            yield from _markup_pieces(_joined(value), label)
        else:
            yield Piece(label, _joined(value))


def _joined(value: object) -> str:
    if isinstance(value, list):
        return "".join(map(str, value))
    return "" if value is None else str(value)


def _json_pieces(text: str) -> Iterator[Piece]:
    try:
        data = json.loads(text)
    except ValueError:
        yield Piece("", text)
        return
    for path, value in _json_strings(data, ()):
        yield Piece("at " + (" > ".join(path) or "top"), value, False)


def _json_strings(value: object, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield path + (str(k),), str(k)  # keys can be names too (a ledger's report names)
            yield from _json_strings(v, path + (str(k),))
    elif isinstance(value, list):
        for i, v in enumerate(value, start=1):
            yield from _json_strings(v, path + (f"item {i}",))
    elif value is not None and not isinstance(value, bool):
        yield path, str(value)


def _csv_pieces(text: str, delimiter: str) -> Iterator[Piece]:
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        yield Piece("", text)
        return
    header = rows[0] if rows else []
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row):
            if not cell:
                continue
            name = header[c] if r > 1 and c < len(header) and header[c] else None
            column = f"column {c + 1} ({name!r})" if name else f"column {c + 1}"
            yield Piece(f"row {r}, {column}", cell, False)


# --- zip-based files: XLSX, DOCX and the rest ------------------------------------------------

def _zip_pieces(data: bytes, suffix: str) -> Iterator[Piece]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        done: set[str] = set()
        if suffix in (".xlsx", ".xlsm") or "xl/workbook.xml" in names:
            yield from _xlsx_pieces(data)
            done = {n for n in names if n.startswith("xl/worksheets/")} | {"xl/sharedStrings.xml"}
        elif "word/document.xml" in names:
            for part in names:
                if part.startswith("word/") and part.endswith(".xml") and "/_rels/" not in part:
                    yield from _docx_paragraphs(zf.read(part), part)
                    done.add(part)
        for part in names:
            if part in done or part.endswith("/"):
                continue
            raw = zf.read(part)
            where = ("document properties" if part.startswith("docProps/") else "part") + \
                f" {part}"
            if raw[:8] == b"\x89PNG\r\n\x1a\n":
                for key, value in png_metadata(raw):
                    yield Piece(f"{where}: PNG metadata {key!r}", value, False)
            elif b"\x00" in raw[:8192]:
                for piece in _binary_pieces(raw):
                    yield Piece(f"{where}, {piece.where}", piece.text, False)
            else:
                yield from _markup_pieces(_decode(raw), where)


def _xlsx_pieces(data: bytes) -> Iterator[Piece]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - a damaged workbook is still read as XML parts below
        return
    try:
        for ws in wb.worksheets:
            yield Piece("sheet names", ws.title, False)
            for row in ws.iter_rows():
                for cell in row:
                    value = getattr(cell, "value", None)
                    if value is None or isinstance(value, bool | int | float):
                        continue
                    yield Piece(f"sheet {ws.title!r}, cell {cell.coordinate}", str(value), False)
    finally:
        wb.close()


def _docx_paragraphs(xml: bytes, part: str) -> Iterator[Piece]:
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        yield Piece(f"part {part}", _decode(xml))
        return
    where = "paragraph" if part == "word/document.xml" else f"{part}, paragraph"
    for i, p in enumerate(root.iter(f"{_W}p"), start=1):
        text = "".join(t.text or "" for t in p.iter(f"{_W}t"))
        if text:
            yield Piece(f"{where} {i}", text, False)


def _binary_pieces(data: bytes) -> Iterator[Piece]:
    for m in _PRINTABLE.finditer(data):
        yield Piece(f"byte {m.start()}", m.group(0).decode("ascii"), False)
