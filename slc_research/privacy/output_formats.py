"""The text of every kind of output file, piece by piece, for ``check-outputs``.

:func:`text_pieces` turns one file into :class:`Piece` objects: a piece of text
and where it sits in the file, in words a teacher can follow ("sheet 'Summary',
cell B3", "cell 4, output 1", "word/footer1.xml, paragraph 1", "PNG metadata
'Comment'"). It reads:

- the file's own name (and the name of every file inside an archive): a file called
  ``Zoe_Angstrom_M02132451832.html`` is a find;
- HTML, SVG, XML, CSV, JSON (and run ledgers), executed notebooks and plain text, in
  UTF-8 (with or without a byte-order mark), UTF-16 (with one, or without: little- or
  big-endian told by where the zero bytes fall) or, failing those, Windows-1252;
- ``data:`` URIs of every type in any text (base64 or percent-encoded): a PNG's
  metadata, and the text of ``text/*``, JSON, SVG and XML payloads, read again by these
  rules (an HTML page inside an HTML page is read in full); their base64 is blanked so
  that random letters in it are never taken for a name;
- Word, Excel and PowerPoint files, every part of them, and zip archives, nested
  (:mod:`slc_research.privacy.output_packages`); gzip files (``report.html.gz``),
  unpacked and read by their inner name;
- PDF files: each page's text as a reader copies it, the document's information and
  bookmarks (:mod:`slc_research.privacy.output_pdf`);
- PNG metadata (``tEXt``, ``zTXt``, ``iTXt`` chunks) and, for any other binary file,
  its runs of printable text.

Archives are unpacked in memory within the limits of
:mod:`slc_research.data.reading.zip_limits` (:data:`MAX_NESTING` levels deep, and no more
than ``MAX_EXPANDED_MB`` for the whole file): a "zip bomb" raises
:class:`~slc_research.errors.DataError` instead of filling the memory. Nothing is written
and nothing is kept.
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
from pathlib import Path
from urllib.parse import unquote_to_bytes

from slc_research.data.reading.zip_limits import MAX_EXPANDED_MB, gunzip_limited, too_large
from slc_research.privacy.output_packages import (
    Allowance,
    Piece,
    package_pieces,
    readable_name,
)
from slc_research.privacy.output_pdf import PDF_START, pdf_pieces

__all__ = ["MAX_NESTING", "Piece", "png_metadata", "text_pieces"]

#: How many archives (or embedded ``data:`` payloads) deep a file is read: a zip holding a
#: Word document holding an embedded workbook is three.
MAX_NESTING = 4

_TEXT_SUFFIXES = {".txt", ".log", ".md", ".tex", ".py", ".toml", ".yaml", ".yml", ".ini", ".rst"}
_MARKUP_SUFFIXES = {".html", ".htm", ".svg", ".xml", ".xhtml"}
_DATA_URI = re.compile(
    r"data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(?:;[\w.+-]+=[\w.+%-]+)*)"
    r"(?:;(?P<b64>base64))?,(?P<payload>[^\s\"'<>()\\]*)", re.IGNORECASE)
_DATA_WORD = re.compile("data:", re.IGNORECASE)
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]+")
_PRINTABLE = re.compile(rb"[\x20-\x7e\t]{4,}")
_EMBEDDED_SUFFIX = {"html": ".html", "xhtml": ".html", "svg": ".svg", "xml": ".xml",
                    "json": ".json", "csv": ".csv", "markdown": ".md", "ipynb": ".ipynb"}


def text_pieces(path: Path, *, name: str | None = None) -> Iterator[Piece]:
    """The pieces of text in the file at ``path``, chosen by its suffix and content.

    Parameters
    ----------
    path : Path
        The file.
    name : str, optional
        The file's path as the check shows it (relative to the folder checked): read as a
        piece "file name" too (underscores, ``+`` and ``%20`` read as spaces).

    Raises
    ------
    DataError
        The file (or an archive inside it) expands past the limits of
        :mod:`~slc_research.data.reading.zip_limits`, or nests archives more than
        :data:`MAX_NESTING` deep.
    """
    if name:
        yield Piece("file name", readable_name(name), False)
    allowance = Allowance(MAX_EXPANDED_MB << 20, MAX_NESTING)
    yield from _content_pieces(path.read_bytes(), path.name, "", allowance)


def _content_pieces(data: bytes, name: str, where: str, allowance: Allowance) -> Iterator[Piece]:
    """The pieces of one file's bytes (a file on disk, or a member of an archive)."""
    suffix = Path(name).suffix.lower()
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        for key, value in png_metadata(data):
            yield Piece(_at(where, f"PNG metadata {key!r}"), value, False)
        return
    if data[:1024].lstrip().startswith(PDF_START):  # its text, as a reader copies it
        for piece in pdf_pieces(data, _at(where, "") or name):
            yield Piece(_at(where, piece.where), piece.text, piece.lines)
        return
    if data[:2] == b"\x1f\x8b" or data[:4] == b"PK\x03\x04" or (
            data[:4] == b"PK\x05\x06" and len(data) < 1024):
        label = _at(where, "") or name
        if allowance.depth_left <= 0:
            raise too_large(label, f"it holds archives nested more than {MAX_NESTING} deep")
        inner = Allowance(allowance.bytes_left, allowance.depth_left - 1)
        try:
            if data[:2] == b"\x1f\x8b":
                unpacked = gunzip_limited(data, label, budget=inner.bytes_left)
                inner.bytes_left -= len(unpacked)
                inner_name = _gunzipped_name(name)
                yield from _content_pieces(unpacked, inner_name, where, inner)
            else:
                yield from package_pieces(data, label, where, inner, _content_pieces)
        finally:
            allowance.bytes_left = inner.bytes_left
        return
    if zipfile.is_zipfile(io.BytesIO(data)):  # a zip after a prefix (a self-extracting file)
        yield from package_pieces(data, _at(where, "") or name, where, allowance,
                                  _content_pieces)
        return
    text = _decode(data)
    if text is None:
        for piece in _binary_pieces(data):
            yield Piece(_at(where, piece.where), piece.text, False)
        return
    for piece in _text_format_pieces(text, suffix, where):
        yield from _opened(piece, allowance)


def _at(where: str, place: str) -> str:
    return f"{where}, {place}" if where and place else where or place


def _gunzipped_name(name: str) -> str:
    lower = name.lower()
    for packed, plain in ((".gz", ""), (".gzip", ""), (".tgz", ".tar"), (".svgz", ".svg")):
        if lower.endswith(packed):
            return name[: len(name) - len(packed)] + plain
    return name


def _text_format_pieces(text: str, suffix: str, where: str) -> Iterator[Piece]:
    if suffix == ".ipynb":
        pieces = _notebook_pieces(text)
    elif suffix == ".json":
        pieces = _json_pieces(text)
    elif suffix in (".csv", ".tsv"):
        pieces = _csv_pieces(text, "\t" if suffix == ".tsv" else ",")
    elif suffix in _MARKUP_SUFFIXES or text.lstrip()[:1] == "<":
        pieces = _markup_pieces(text, "")
    elif suffix in _TEXT_SUFFIXES or text.isprintable() or "\n" in text:
        pieces = iter([Piece("", text)])
    else:
        return
    for piece in pieces:
        yield Piece(_at(where, piece.where), piece.text, piece.lines)


def _decode(data: bytes) -> str | None:
    """The text of ``data``, or None when it is not text (a binary file).

    UTF-8 (a byte-order mark or not), UTF-16 with a byte-order mark or without one
    (little- or big-endian, told by where the zero bytes of its Latin letters fall),
    else Windows-1252 when there is no zero byte.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    sample = data[:8192]
    if b"\x00" in sample:
        endian = _utf16_without_bom(sample)
        if endian is None:
            return None
        return data[: len(data) - len(data) % 2].decode(endian, errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _utf16_without_bom(sample: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when ``sample`` reads as UTF-16 text, else None.

    Text in a Latin script has a zero byte in (nearly) every other place: the odd places
    for little-endian, the even ones for big-endian; a binary file has them in both.
    """
    even, odd = sample[0::2], sample[1::2]
    if len(odd) < 2:
        return None
    zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zeros_odd >= 0.6 and zeros_even <= 0.05:
        endian = "utf-16-le"
    elif zeros_even >= 0.6 and zeros_odd <= 0.05:
        endian = "utf-16-be"
    else:
        return None
    text = sample[: len(sample) - len(sample) % 2].decode(endian, errors="replace")
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\r\n")
    return endian if controls <= len(text) // 100 else None


# --- markup and embedded data ----------------------------------------------------------------

def _markup_pieces(text: str, where: str) -> Iterator[Piece]:
    """The text of an HTML, SVG or XML file, entities decoded line by line (so lines hold)."""
    if "&" in text:
        text = "\n".join(html.unescape(line) for line in text.split("\n"))
    yield Piece(where, text)


def _opened(piece: Piece, allowance: Allowance) -> Iterator[Piece]:
    """The piece with its ``data:`` URIs blanked, after the pieces of what they hold."""
    text = piece.text
    if _DATA_WORD.search(text) is None:
        yield piece
        return
    parts: list[str] = []
    last = 0
    for m in _DATA_URI.finditer(text):
        start = m.start("payload")
        if m.group("b64"):
            end = _BASE64.match(text, start)
            end = end.end() if end else start
            payload = "".join(text[start:end].split())
            try:
                raw = base64.b64decode(payload + "=" * (-len(payload) % 4))
            except (binascii.Error, ValueError):
                continue
        else:
            end = m.end("payload")
            raw = unquote_to_bytes(text[start:end])
        if not raw:
            continue
        line = text.count("\n", 0, m.start()) + 1
        mime = (m.group("mime") or "text/plain").lower()
        label = _at(piece.where, f"{mime} data embedded at line {line}" if piece.lines
                    else f"{mime} data embedded in it")
        yield from _embedded_pieces(mime, raw, label, allowance)
        parts.append(text[last:start])
        parts.append(re.sub(r"[^\n]", " ", text[start:end]))
        last = end
    parts.append(text[last:])
    yield Piece(piece.where, "".join(parts), piece.lines)


def _embedded_pieces(mime: str, raw: bytes, where: str, allowance: Allowance) -> Iterator[Piece]:
    """What a ``data:`` URI holds: a PNG's metadata, else its text read by these rules."""
    if raw[:8] == b"\x89PNG\r\n\x1a\n":
        for key, value in png_metadata(raw):
            yield Piece(f"{where}: PNG metadata {key!r}", value, False)
        return
    if mime.startswith(("image/", "audio/", "video/", "font/")) and "svg" not in mime:
        return  # pixels and sounds: no text to read
    if allowance.depth_left <= 0:
        raise too_large(where, f"it holds data nested more than {MAX_NESTING} deep")
    subtype = mime.partition("/")[2]
    suffix = next((v for k, v in _EMBEDDED_SUFFIX.items() if k in subtype), ".txt")
    inner = Allowance(allowance.bytes_left, allowance.depth_left - 1)
    try:
        yield from _content_pieces(raw, f"embedded{suffix}", where, inner)
    finally:
        allowance.bytes_left = inner.bytes_left


def _image_pieces(mime: str, payload: str, where: str) -> Iterator[Piece]:
    """The metadata of a notebook's base64 PNG output."""
    try:
        raw = base64.b64decode("".join(payload.split()), validate=False)
    except (binascii.Error, ValueError):
        return
    if mime == "image/png":
        for key, value in png_metadata(raw):
            yield Piece(f"{where}: PNG metadata {key!r}", value, False)


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


def _binary_pieces(data: bytes) -> Iterator[Piece]:
    for m in _PRINTABLE.finditer(data):
        yield Piece(f"byte {m.start()}", m.group(0).decode("ascii"), False)
