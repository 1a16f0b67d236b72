"""Read a REFI-QDA project (``.qdpx``, ``.qde``) or codebook (``.qdc``).

REFI-QDA is the exchange format of NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette
and others. A ``.qdpx`` is a zip holding one ``.qde`` XML file (namespace
``urn:QDA-XML:project:1.0``) and a ``Sources/`` folder with the texts; a
``.qdc`` is the codebook alone (``urn:QDA-XML:codebook:1.0``).

What is read: the users (coders), the codebook (codes nested in codes keep their
parent), text sources (their plain text, from ``Sources/`` or inline
``PlainTextContent``), the coded text selections and the codes applied to a
whole source (a ``Coding`` directly in the ``TextSource``). ``startPosition`` and
``endPosition`` are offsets into the plain text: 0 is before the first character
and the end is exclusive. The standard counts them in Unicode code points, as
Python indexes a ``str``; NVivo counts UTF-16 code units (an emoji counts 2),
and ATLAS.ti counts a Windows line break (CR LF) as one character. The way of
counting is decided per file from the tool named in ``<Project origin=...>``
and checked against the passages themselves (do their edges fall between
words?) by :func:`~slc_research.data.reading.refi_offsets.choose_offset_unit`;
the texts returned have LF line breaks and their selections are in code
points of them, with a note when the choice needs saying. A PDF source is read
through its ``Representation`` (the plain text the tool keeps of it, coded like a
text source); its coded areas of a page, and picture, audio and video sources,
are skipped with a note. Guids are compared without braces and case. Messages
name a source by its place and guid, never by its name (often a person's). The
files of the project are found by
:class:`~slc_research.data.reading.refi_files.RefiFiles`; nothing is extracted
to disk and no external file is followed.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from slc_research.data.reading.refi_files import RefiFiles, decode_plain_text
from slc_research.data.reading.refi_offsets import (
    CODE_POINTS,
    OffsetUnit,
    choose_offset_unit,
    measured_size,
    to_code_points,
)
from slc_research.errors import DataError, Problem

__all__ = ["EMPTY_CODEBOOK", "EXPORT_ORIGIN", "RefiCode", "RefiProject", "RefiSelection",
           "RefiSource", "read_refi"]

#: The ``origin`` the workbench's own exports carry.
EXPORT_ORIGIN = "slc-research"
#: The one code, not codable, of the workbench's ``.qdc`` of an empty codebook (the
#: schema wants at least one code); read back as no code.
EMPTY_CODEBOOK = "(no codes yet)"

_SKIPPED_SOURCES = {"PDFSource": "PDF", "PictureSource": "picture", "AudioSource": "audio",
                    "VideoSource": "video"}


@dataclass(frozen=True)
class RefiCode:
    """A code of the codebook: ``parent`` is the guid of the code it sits in, or None."""

    guid: str
    name: str
    description: str | None
    parent: str | None
    codable: bool = True


@dataclass(frozen=True)
class RefiSelection:
    """A coded passage: ``[start, end)`` of the source's text, the codes applied and by whom.

    ``codings`` holds one ``(code guid, user guid or None)`` per Coding element.
    """

    guid: str
    start: int
    end: int
    codings: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class RefiSource:
    """A text source: its name in the tool, plain text, creation date and selections."""

    guid: str
    name: str
    text: str
    created: str | None
    description: str | None
    selections: tuple[RefiSelection, ...]


@dataclass
class RefiProject:
    """What a REFI-QDA file holds that the workbench uses.

    Attributes
    ----------
    users : dict
        User guid -> name, in file order.
    codes : list of RefiCode
        Every code, parents before their children.
    sources : list of RefiSource
        Text sources, in file order.
    notes : list of str
        What was skipped, and how positions were counted, in plain words.
    origin : str or None
        The tool that wrote the file (``origin`` of ``<Project>`` or ``<CodeBook>``).
    offset_unit : str
        How the file counts text positions: ``"Unicode code points"`` or
        ``"UTF-16 code units"``. The selections above are in code points whatever it is.
    crlf : int
        What a Windows line break (CR LF) counts in the file's positions: 2 (the
        standard, NVivo) or 1 (ATLAS.ti, QualCoder). The texts above have LF
        line breaks, and their selections are in code points of them.
    """

    users: dict[str, str] = field(default_factory=dict)
    codes: list[RefiCode] = field(default_factory=list)
    sources: list[RefiSource] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    origin: str | None = None
    offset_unit: str = CODE_POINTS
    crlf: int = 2


def _local(tag: object) -> str:
    """``{urn:QDA-XML:project:1.0}Code`` -> ``Code`` (any namespace version)."""
    return str(tag).rsplit("}", 1)[-1]


def _children(el: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [c for c in el if _local(c.tag) == name]


def _description(el: ElementTree.Element) -> str | None:
    found = _children(el, "Description")
    text = found[0].text if found else None
    return text.strip() or None if text else None


def _guid(value: str | None) -> str:
    """A guid as compared: without braces, in lower case.

    Tools write both cases, and the schema allows ``{...}``.
    """
    return (value or "").strip().strip("{}").casefold()


def _codes(parent: ElementTree.Element, parent_guid: str | None, out: list[RefiCode],
           problems: list[str]) -> None:
    for el in _children(parent, "Code"):
        guid, name = _guid(el.get("guid")), (el.get("name") or "").strip()
        if not guid or not name:
            problems.append(f"a Code without a {'guid' if not guid else 'name'} "
                            f"(under {parent_guid or 'the codebook'})")
            continue
        out.append(RefiCode(guid, name, _description(el), parent_guid,
                            (el.get("isCodable") or "true").lower() != "false"))
        _codes(el, guid, out, problems)


def _where(el: ElementTree.Element, number: int) -> str:
    """How messages name a source: its place and guid, never its name (often a person's)."""
    return f"text source {number} of the project (guid {el.get('guid') or 'missing'})"


def _plain_text(el: ElementTree.Element, files: RefiFiles, where: str, label: str,
                problems: list[Problem]) -> str | None:
    inline = _children(el, "PlainTextContent")
    if inline:
        return inline[0].text or ""
    ref = el.get("plainTextPath") or ""
    if not ref.startswith("internal://"):
        scheme = ref.split("//", 1)[0] + "//..." if "://" in ref else None
        problems.append(Problem(label, None, None, scheme,
                                f"the text of {where} inside the file (plainTextPath "
                                "\"internal://...\"); export the project again with its "
                                "sources included"))
        return None
    data = files.source(ref[len("internal://"):])
    if data is None:
        problems.append(Problem(label, None, None, ref,
                                f"the file {ref} of {where} in the Sources folder of the "
                                ".qdpx; export the project again with its sources included"))
        return None
    text = decode_plain_text(data)
    if text is None:
        problems.append(Problem(label, None, None, ref,
                                f"the text of {where} as UTF-8 plain text (REFI-QDA requires "
                                "it); export the project again"))
    return text


_Raw = tuple[str, int, int, tuple[tuple[str, str | None], ...]]


def _codings(el: ElementTree.Element, default_user: str | None
             ) -> tuple[tuple[str, str | None], ...]:
    """The ``(code guid, user guid or None)`` of each code applied by ``el``'s Coding elements."""
    out = []
    for coding in _children(el, "Coding"):
        user = coding.get("creatingUser") or default_user
        out.extend((_guid(ref.get("targetGUID")), _guid(user) if user else None)
                   for ref in _children(coding, "CodeRef"))
    return tuple(out)


def _raw_selections(el: ElementTree.Element, where: str, label: str,
                    problems: list[Problem]) -> list[_Raw]:
    """Each coded passage's guid, positions as written (unit not yet known) and codings."""
    out = []
    for sel in _children(el, "PlainTextSelection"):
        guid = sel.get("guid") or ""
        try:
            start, end = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
        except ValueError:
            problems.append(Problem(label, None, None, guid or None,
                                    "whole-number startPosition and endPosition in the coded "
                                    f"passage of {where}"))
            continue
        codings = _codings(sel, sel.get("creatingUser"))
        out.append((guid, start, end, tuple(codings)))
    return out


@dataclass
class _Read:
    """A text source as read, before its positions are converted."""

    el: ElementTree.Element  # the TextSource, or the PDFSource whose text it is
    where: str
    raw_text: str
    raw: list[_Raw]
    whole: tuple[tuple[str, str | None], ...]  # codes applied to the whole source


def _selections(src: _Read, unit: OffsetUnit, label: str, problems: list[Problem]
                ) -> tuple[str, tuple[RefiSelection, ...]]:
    """The text with LF line breaks, and its passages in code points of it.

    The positions are converted from the file's way of counting (``unit``); the
    codes applied to the whole source are a passage over the whole text.
    """
    out = []
    text, spans = to_code_points(src.raw_text, [(s, e) for _, s, e, _ in src.raw],
                                 unit=unit.unit, crlf=unit.crlf)
    for (guid, start, end, codings), span in zip(src.raw, spans, strict=True):
        if span is None:
            size = measured_size(src.raw_text, unit=unit.unit, crlf=unit.crlf)
            problems.append(Problem(
                label, None, None, f"{start}-{end}",
                f"a coded passage inside {src.where} (0 to {size} {unit.unit}); "
                "the selection points past its text: open the project in the QDA tool, check "
                "the codings of that source and export it again"))
            continue
        out.append(RefiSelection(guid, span[0], span[1], codings))
    if src.whole:  # codes applied to the source itself: the whole text
        out.append(RefiSelection(src.el.get("guid") or "", 0, len(text), src.whole))
    return text, tuple(out)


def _read_sources(root: ElementTree.Element, files: RefiFiles, label: str,
                  problems: list[Problem]) -> tuple[list[_Read], list[str]]:
    """The text sources (and PDFs' text representations), and notes on what was skipped."""
    read: list[_Read] = []
    skipped: dict[str, int] = {}
    pdf_text = pdf_areas = 0
    number = 0
    for sources in _children(root, "Sources"):
        for el in sources:
            tag = _local(el.tag)
            text_el = el
            if tag == "PDFSource":  # a PDF's plain text representation is coded as a text
                text_el = next(iter(_children(el, "Representation")), None)
                pdf_areas += sum(bool(_children(sel, "Coding"))
                                 for sel in _children(el, "PDFSelection"))
                pdf_text += text_el is not None
            if text_el is None or tag not in ("TextSource", "PDFSource"):
                if tag in _SKIPPED_SOURCES:
                    skipped[_SKIPPED_SOURCES[tag]] = skipped.get(_SKIPPED_SOURCES[tag], 0) + 1
                continue
            number += 1
            where = _where(el, number)
            text = _plain_text(text_el, files, where, label, problems)
            if text is not None:
                whole = _codings(el, el.get("creatingUser")) + (
                    _codings(text_el, text_el.get("creatingUser")) if text_el is not el else ())
                read.append(_Read(el, where, text, _raw_selections(text_el, where, label,
                                                                   problems), whole))
    notes = [f"{n} {what} source{'s' if n != 1 else ''} skipped: only text sources (and the "
             "text of PDFs) are read." for what, n in skipped.items()]
    if pdf_text:
        notes.append(f"{pdf_text} PDF source{'s' if pdf_text != 1 else ''} read from the plain "
                     "text the QDA tool keeps of it.")
    if pdf_areas:
        notes.append(f"{pdf_areas} coded area{'s' if pdf_areas != 1 else ''} of a PDF page "
                     "(a region, not text) skipped.")
    return read, notes


def read_refi(path: str | Path, *, label: str | None = None) -> RefiProject:
    """Read a ``.qdpx``, ``.qde`` or ``.qdc`` file.

    Parameters
    ----------
    path : str or Path
    label : str, optional
        How messages name the file (default: its name).

    Returns
    -------
    RefiProject

    Raises
    ------
    DataError
        The file is not a REFI-QDA project or codebook, its XML is broken, a text
        is missing or a coded passage points outside its text.
    """
    path = Path(path)
    label = label or path.name
    try:
        files = RefiFiles(path, label)
        try:
            return _project(ElementTree.fromstring(files.qde()), files, label)
        finally:
            files.close()
    except ElementTree.ParseError as exc:
        raise DataError.single(label, f"well-formed REFI-QDA XML ({exc}); export the project "
                                      "again from your QDA tool") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError.single(label, f"a readable .qdpx zip ({exc}); copy the export "
                                      "again") from None


def _project(root: ElementTree.Element, files: RefiFiles, label: str) -> RefiProject:
    kind = _local(root.tag)
    # the namespace is urn:QDA-XML:project:1.0 (codebook:1.0; NVivo for Mac writes "1:0");
    # a file written with none at all is read too
    if kind not in ("Project", "CodeBook") or ("}" in str(root.tag)
                                               and "QDA-XML" not in str(root.tag)):
        raise DataError.single(label, "a REFI-QDA project (<Project> in the "
                                      "urn:QDA-XML:project:1.0 namespace) or codebook; this is "
                                      f"<{kind}>. Export from your QDA tool as REFI-QDA "
                                      "(.qdpx or .qdc)")
    project = RefiProject(origin=root.get("origin"))
    bad_codes: list[str] = []
    books = [root] if kind == "CodeBook" else _children(root, "CodeBook")
    for book in books:
        for codes in _children(book, "Codes"):
            _codes(codes, None, project.codes, bad_codes)
    if (project.origin == EXPORT_ORIGIN and len(project.codes) == 1
            and project.codes[0].name == EMPTY_CODEBOOK and not project.codes[0].codable):
        project.codes.clear()  # our own export of an empty codebook
    problems = [Problem(label, None, None, None, f"a guid and a name for every code; found {b}")
                for b in bad_codes]
    for users in _children(root, "Users"):
        for user in _children(users, "User"):
            if user.get("guid"):
                project.users[_guid(user.get("guid"))] = (user.get("name") or "").strip()
    read, notes = _read_sources(root, files, label, problems)
    unit = choose_offset_unit(project.origin,
                              [(r.raw_text, [(s, e) for _, s, e, _ in r.raw]) for r in read])
    project.offset_unit, project.crlf = unit.unit, unit.crlf
    for src in read:
        text, selections = _selections(src, unit, label, problems)
        project.sources.append(RefiSource(
            src.el.get("guid") or "", (src.el.get("name") or "").strip(), text,
            src.el.get("creationDateTime"), _description(src.el), selections))
    if problems:
        raise DataError(problems[:20], total=len(problems))
    project.notes.extend(notes)
    if unit.note:
        project.notes.append(unit.note)
    return project
