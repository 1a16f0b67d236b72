"""The text of zip-based outputs for ``check-outputs``: Office files and zip archives.

A Word document, an Excel workbook and a PowerPoint deck are zip "packages" of XML
parts. :func:`package_pieces` reads **every** part, not only the body:

- every text node of every XML part: body paragraphs, headers and footers, footnotes
  and endnotes, comments, text boxes, slides, notes, layouts and masters, charts, shared
  strings, sheet names, defined names, document properties (``docProps/core.xml``,
  ``app.xml``, ``custom.xml``);
- a Word paragraph's text as it reads now *and* as it read before tracked changes
  (``w:del``/``w:delText``), and its field codes (``w:instrText``) on their own;
- XLSX cells with their sheet and reference ("sheet 'Summary', cell B3"), their formulas,
  the shared strings no cell uses any more, and header and footer text (``oddHeader``,
  ``oddFooter``, ...) with Excel's ``&L``/``&"Arial,Bold"`` codes taken out;
- every attribute value (alt text ``descr`` and ``title``, hyperlink targets in
  ``_rels``, ``w:fldSimple/@w:instr``), one piece per attribute name and element, leaving
  out what only lays the file out (cell references, small numbers, schema addresses, and
  the style, font and colour names of the parts that define the file's look and of style
  references: a surname such as Strong or Light is also a Word style's name);
- every other part (images, embedded workbooks and documents, files in a plain zip) by
  :func:`~slc_research.privacy.output_formats.text_pieces`'s rules, nested zips included,
  and the name of every file in a plain zip.

XML is parsed with lxml without entities, DTDs or network access. Every zip is first
checked against the limits of :mod:`slc_research.data.reading.zip_limits`.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lxml import etree

from slc_research.data.reading.zip_limits import check_zip

__all__ = ["Allowance", "Piece", "package_pieces"]

_NOT_TEXT = re.compile(r"""
    \$?[A-Z]{1,3}\$?\d+(:\$?[A-Z]{1,3}\$?\d+)?   # a cell or a range
  | [-+]?\d+(\.\d+)?(%|pt|cm|mm|in|emu)?        # a number
  | rId\d+ | true | false | on | off | [\s.:;,-]*  # a relationship id, a switch, blank
""", re.VERBOSE | re.IGNORECASE)
_SCHEMAS = ("http://schemas.openxmlformats.org/", "http://schemas.microsoft.com/",
            "http://purl.org/", "http://www.w3.org/", "urn:schemas-microsoft-com:")
#: attributes whose numbers are read too (a number there may be an admission number)
_WORDY = {"descr", "title", "name", "tooltip", "alt", "Target", "instr"}
_HEADER_FOOTER = {"oddHeader", "oddFooter", "evenHeader", "evenFooter",
                  "firstHeader", "firstFooter"}
_EXCEL_CODE = re.compile(r'&(?:"[^"]*"|K[0-9A-Fa-f]{6}|K\d\d[+-]\d{3}|\d+|[LCRPNDTFAZGBIUESXYH])')
_BLOCKS = {"p", "si", "comment"}
_SPACE = {"tab", "br", "cr", "ptab", "noBreakHyphen"}


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


@dataclass
class Allowance:
    """What is left of one checked file's budget: bytes to unpack and levels of nesting."""

    bytes_left: int
    depth_left: int
    notes: list[str] = field(default_factory=list)


#: reads one member's bytes by its name: (data, name, where, allowance) -> pieces
MemberReader = Callable[[bytes, str, str, Allowance], Iterator[Piece]]


def package_pieces(data: bytes, label: str, where: str, allowance: Allowance,
                   read_member: MemberReader) -> Iterator[Piece]:
    """The pieces of a zip-based file: an Office package or a plain zip archive.

    Raises
    ------
    DataError
        The zip expands past the limits of :mod:`~slc_research.data.reading.zip_limits`.
    """
    allowance.bytes_left -= check_zip(io.BytesIO(data), label, budget=allowance.bytes_left)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    prefix = f"{where}, " if where else ""
    with zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        office = "[Content_Types].xml" in names or any(
            n in names for n in ("xl/workbook.xml", "word/document.xml", "ppt/presentation.xml"))
        done: set[str] = set()
        if "xl/workbook.xml" in names:
            yield from _workbook_pieces(zf, names, prefix, done)
        for name in names:
            if name in done:
                continue
            raw = _read(zf, name)
            if raw is None:
                continue
            if not office:
                yield Piece(f"{prefix}name of {name!r} in it", readable_name(name), False)
            if office and _is_xml(name, raw):
                yield from xml_part_pieces(raw, name, prefix)
            else:
                yield from read_member(raw, name, f"{prefix}{name}", allowance)


def readable_name(name: str) -> str:
    """A file name as words: ``Zoe_Angstrom%20M021.html`` -> ``Zoe Angstrom M021.html``."""
    from urllib.parse import unquote

    return unquote(name).replace("_", " ").replace("+", " ")


def _read(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
        return None  # encrypted or damaged: nothing to read


def _is_xml(name: str, raw: bytes) -> bool:
    if name.lower().endswith((".xml", ".rels", ".vml")):
        return True
    head = raw[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<?xml")


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _events(raw: bytes) -> Iterator[tuple[str, etree._Element]]:
    return etree.iterparse(io.BytesIO(raw), events=("start", "end"), resolve_entities=False,
                           no_network=True, load_dtd=False, huge_tree=False)


# --- any XML part ------------------------------------------------------------------------


def xml_part_pieces(raw: bytes, part: str, prefix: str = "",
                    cell: Callable[[etree._Element], Iterator[Piece]] | None = None
                    ) -> Iterator[Piece]:
    """Every text node and attribute value of one XML part.

    Paragraph-like elements (``w:p``, ``a:p``, a shared string ``si``, a ``comment``) give
    one piece each, numbered in document order; other text one piece per element; ``cell``,
    when given, reads each ``c`` element (a worksheet's cell) itself.
    """
    label = f"{prefix}{part}, "  # a Word body's paragraphs are "paragraph 3", as Word counts
    block_label = "" if part == "word/document.xml" and not prefix else label
    attributes: dict[tuple[str, str], dict[str, None]] = {}
    looks = _LOOK_PARTS.fullmatch(part) is not None
    inside = 0
    counts: dict[str, int] = {}  # paragraphs, strings and comments, each counted on its own
    numbers: list[int] = []
    try:
        for event, el in _events(raw):
            tag = _local(el.tag)
            if event == "start":
                for key, value in el.attrib.items() if not looks else ():
                    _keep_attribute(attributes, tag, _local(key), value)
                if tag in _BLOCKS or (cell and tag == "c"):
                    inside += 1
                    if tag in _BLOCKS:
                        counts[tag] = counts.get(tag, 0) + 1
                        numbers.append(counts[tag])
                continue
            if cell and tag == "c":
                inside -= 1
                yield from cell(el)
                el.clear()
            elif tag in _BLOCKS:
                inside -= 1
                yield from _block_pieces(el, f"{block_label}{_block_word(tag)} {numbers.pop()}")
                el.clear()  # a paragraph in a text box is not read again in its outer one
            elif not inside:
                text = (el.text or "").strip()
                if text:
                    if tag in _HEADER_FOOTER:
                        text = _EXCEL_CODE.sub(" ", text).replace("&&", "&")
                    yield Piece(f"{label}{tag}", text, False)
                el.clear()
    except etree.XMLSyntaxError:
        yield Piece(f"{prefix}{part}", raw.decode("utf-8", "replace"))
        return
    for (tag, name), values in attributes.items():
        yield Piece(f"{label}attribute {name} of <{tag}>", " | ".join(values), False)


#: Parts that only define how a file looks: style, numbering, font and theme definitions
#: written by the producing program. Their attribute values are style, font and colour
#: names ("Placeholder Text", "Strong", "Light List", "Book Title"), which real surnames
#: can equal; they never carry what a report says. Their text nodes are still read.
_LOOK_PARTS = re.compile(
    r"(word/(styles|stylesWithEffects|numbering|fontTable)\.xml"
    r"|xl/styles\.xml|ppt/(tableStyles|presProps|viewProps)\.xml"
    r"|(word|xl|ppt)/theme/[^/]+\.xml"
    r"|ppt/(slideLayouts|slideMasters|notesMasters|handoutMasters)/[^/]+\.xml)")

#: Attributes that refer to a style by its name or id, in any part (``w:pStyle/@w:val``).
_STYLE_REFERENCES = frozenset({("pStyle", "val"), ("rStyle", "val"), ("tblStyle", "val"),
                               ("numStyleLink", "val"), ("styleLink", "val")})


#: The names PowerPoint and python-pptx give shapes by default: the placeholder's kind and
#: the shape's number ("Title 1", "Content Placeholder 2", "Picture 5").
_DEFAULT_SHAPE_NAME = re.compile(
    r"(Title|Subtitle|Vertical Title|(Content|Text|Picture|Chart|Table|Media|Date|Footer"
    r"|Slide Number|Notes|Slide Image|Vertical Text|Clip Art|Diagram|Object|SmartArt)"
    r" Placeholder|Picture|TextBox|Text Box|Rectangle|Table|Chart|Graphic|Group|Oval"
    r"|Straight Connector|Content) \d+")


def _keep_attribute(found: dict[tuple[str, str], dict[str, None]], tag: str, name: str,
                    value: str) -> None:
    if (tag, name) in _STYLE_REFERENCES or (
            tag == "cNvPr" and name == "name" and _DEFAULT_SHAPE_NAME.fullmatch(value.strip())):
        return
    value = value.strip()
    if len(value) < 3 or value.startswith(_SCHEMAS):
        return
    if _NOT_TEXT.fullmatch(value) and not (name in _WORDY and value[:1].isdigit()):
        return
    found.setdefault((tag, name), {})[value] = None


def _block_word(tag: str) -> str:
    return {"p": "paragraph", "si": "string", "comment": "comment"}[tag]


def _block_pieces(block: etree._Element, where: str) -> Iterator[Piece]:
    """A paragraph's text now, before its tracked changes (if they differ) and field codes."""
    now: list[str] = []
    before: list[str] = []
    fields: list[str] = []
    _walk(block, now, before, fields, inserted=False)
    text_now, text_before = "".join(now).strip(), "".join(before).strip()
    if text_now:
        yield Piece(where, text_now, False)
    if text_before and text_before != text_now:
        yield Piece(f"{where} (before tracked changes)", text_before, False)
    if "".join(fields).strip():
        yield Piece(f"{where}, field code", " ".join(f.strip() for f in fields), False)


def _walk(el: etree._Element, now: list[str], before: list[str], fields: list[str], *,
          inserted: bool) -> None:
    tag = _local(el.tag)
    text = el.text or ""
    if tag == "instrText":
        fields.append(text)
    elif tag == "delText":
        before.append(text)
    elif tag in _SPACE:
        now.append(" ")
        before.append(" ")
    elif text:
        now.append(text)
        if not inserted:
            before.append(text)
    for child in el:
        _walk(child, now, before, fields, inserted=inserted or tag in ("ins", "moveTo"))
        tail = child.tail or ""
        if tail.strip():
            now.append(tail)
            before.append(tail)


# --- workbooks -----------------------------------------------------------------------------


def _workbook_pieces(zf: zipfile.ZipFile, names: list[str], prefix: str,
                     done: set[str]) -> Iterator[Piece]:
    """Cells by sheet and reference, and the shared strings no cell uses."""
    strings: list[str] = []
    if "xl/sharedStrings.xml" in names:
        done.add("xl/sharedStrings.xml")
        shared = _read(zf, "xl/sharedStrings.xml") or b""
        try:
            for event, el in _events(shared):
                if event == "end" and _local(el.tag) == "si":
                    strings.append("".join(t.text or "" for t in el.iter("{*}t")))
                    el.clear()
        except etree.XMLSyntaxError:
            done.discard("xl/sharedStrings.xml")
    used: set[int] = set()
    for part, sheet in _sheets(zf, names):
        done.add(part)
        raw = _read(zf, part)
        if raw is None:
            continue
        yield from xml_part_pieces(raw, part, prefix,
                                   cell=_cell_reader(f"{prefix}sheet {sheet!r}", strings, used))
    for i, text in enumerate(strings):
        if i not in used and text.strip():
            yield Piece(f"{prefix}xl/sharedStrings.xml, string {i + 1} (used by no cell)",
                        text, False)


def _sheets(zf: zipfile.ZipFile, names: list[str]) -> list[tuple[str, str]]:
    """(part, sheet name) of every worksheet; a sheet the workbook does not name, by part."""
    found: dict[str, str] = {}
    try:
        book = etree.fromstring(zf.read("xl/workbook.xml"), etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False))
        rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"), etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False))
        targets = {r.get("Id"): r.get("Target") or "" for r in rels.iter("{*}Relationship")}
        for sheet in book.iter("{*}sheet"):
            rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
            target = targets.get(rid, "")
            part = (target.lstrip("/") if target.startswith("/")
                    else posixpath.normpath(f"xl/{target}"))
            found[part] = sheet.get("name") or part
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile):
        pass
    for name in names:
        if name.startswith(("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/")) \
                and name.endswith(".xml") and name not in found:
            found[name] = name
    return [(p, s) for p, s in found.items() if p in names]


def _cell_reader(sheet: str, strings: list[str],
                 used: set[int]) -> Callable[[etree._Element], Iterator[Piece]]:
    def read(c: etree._Element) -> Iterator[Piece]:
        ref = c.get("r") or "?"
        kind = c.get("t")
        where = f"{sheet}, cell {ref}"
        for child in c:
            tag = _local(child.tag)
            text = child.text or ""
            if tag == "f" and text.strip():
                yield Piece(f"{where} (formula)", text, False)
            elif tag == "is":
                yield Piece(where, "".join(t.text or "" for t in child.iter("{*}t")), False)
            elif tag == "v" and text.strip():
                if kind == "s":
                    try:
                        i = int(text)
                        used.add(i)
                        yield Piece(where, strings[i], False)
                    except (ValueError, IndexError):
                        continue
                elif kind in ("str", "inlineStr", "e") or not _NOT_TEXT.fullmatch(text) \
                        or (text.isdigit() and len(text) >= 5):
                    yield Piece(where, text, False)
    return read
