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
points of them, with a note when the choice needs saying. PDF, picture, audio
and video sources are skipped with a note. Nothing is extracted to disk and no
external file is followed.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from slc_research.data.reading.refi_offsets import (
    CODE_POINTS,
    OffsetUnit,
    choose_offset_unit,
    measured_size,
    to_code_points,
)
from slc_research.data.reading.zip_limits import check_zip
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


def _codes(parent: ElementTree.Element, parent_guid: str | None, out: list[RefiCode],
           problems: list[str]) -> None:
    for el in _children(parent, "Code"):
        guid, name = el.get("guid"), (el.get("name") or "").strip()
        if not guid or not name:
            problems.append(f"a Code without a {'guid' if not guid else 'name'} "
                            f"(under {parent_guid or 'the codebook'})")
            continue
        out.append(RefiCode(guid, name, _description(el), parent_guid,
                            (el.get("isCodable") or "true").lower() != "false"))
        _codes(el, guid, out, problems)


class _Files:
    """The files beside the ``.qde``: zip members or a folder, looked up case-insensitively."""

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        if zipfile.is_zipfile(path):
            check_zip(path, label)
            self.zip = zipfile.ZipFile(path)
            self.names = {n.casefold(): n for n in self.zip.namelist() if not n.endswith("/")}
        else:
            self.names = {}

    def qde(self) -> bytes:
        if self.zip is None:
            return self.path.read_bytes()
        qdes = sorted(n for n in self.names.values() if n.lower().endswith(".qde"))
        if not qdes:
            raise _Unreadable("a project.qde file inside the .qdpx (this zip has none); "
                              "export the project again from your QDA tool as a REFI-QDA "
                              "project (.qdpx)")
        top = [n for n in qdes if "/" not in n]
        return self.zip.read((top or qdes)[0])

    def source(self, internal: str) -> bytes | None:
        """The bytes of ``internal://NAME`` (in ``Sources/`` or ``sources/``), or None."""
        name = PurePosixPath(internal.replace("\\", "/")).name
        if not name or name in (".", ".."):
            return None
        if self.zip is not None:
            for folder in ("sources/", ""):
                member = self.names.get((folder + name).casefold())
                if member is not None:
                    return self.zip.read(member)
            return None
        for folder in ("Sources", "sources"):
            candidate = self.path.parent / folder / name
            if candidate.is_file():
                return candidate.read_bytes()
        return None


class _Unreadable(Exception):
    pass


def _plain_text(el: ElementTree.Element, files: _Files, label: str,
                problems: list[Problem]) -> str | None:
    inline = _children(el, "PlainTextContent")
    if inline:
        return inline[0].text or ""
    ref = el.get("plainTextPath") or ""
    where = f"text source {el.get('name')!r}"
    if not ref.startswith("internal://"):
        problems.append(Problem(label, None, None, ref or None,
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
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(label, None, None, ref,
                                f"the text of {where} as UTF-8 plain text (REFI-QDA requires "
                                "it); export the project again"))
        return None
    return text[1:] if text.startswith("\ufeff") else text


_Raw = tuple[str, int, int, tuple[tuple[str, str | None], ...]]


def _raw_selections(el: ElementTree.Element, label: str, problems: list[Problem]) -> list[_Raw]:
    """Each coded passage's guid, positions as written (unit not yet known) and codings."""
    out = []
    name = el.get("name")
    for sel in _children(el, "PlainTextSelection"):
        guid = sel.get("guid") or ""
        try:
            start, end = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
        except ValueError:
            problems.append(Problem(label, None, None, guid or None,
                                    f"whole-number startPosition and endPosition in the coded "
                                    f"passage of text source {name!r}"))
            continue
        default_user = sel.get("creatingUser")
        codings = []
        for coding in _children(sel, "Coding"):
            user = coding.get("creatingUser") or default_user
            codings.extend((ref.get("targetGUID") or "", user)
                           for ref in _children(coding, "CodeRef"))
        out.append((guid, start, end, tuple(codings)))
    return out


def _selections(el: ElementTree.Element, raw_text: str, raw: list[_Raw], unit: OffsetUnit,
                label: str, problems: list[Problem]) -> tuple[str, tuple[RefiSelection, ...]]:
    """The text with LF line breaks, and its passages in code points of it.

    The positions are converted from the file's way of counting (``unit``); the
    codes applied to the whole source are a passage over the whole text.
    """
    out = []
    name = el.get("name")
    text, spans = to_code_points(raw_text, [(s, e) for _, s, e, _ in raw], unit=unit.unit,
                                 crlf=unit.crlf)
    for (guid, start, end, codings), span in zip(raw, spans, strict=True):
        if span is None:
            size = measured_size(raw_text, unit=unit.unit, crlf=unit.crlf)
            problems.append(Problem(
                label, None, None, f"{start}-{end}",
                f"a coded passage inside text source {name!r} (0 to {size} {unit.unit}); "
                "the selection points past its text: open the project in the QDA tool, check "
                "the codings of that source and export it again"))
            continue
        out.append(RefiSelection(guid, span[0], span[1], codings))
    whole = [(ref.get("targetGUID") or "", coding.get("creatingUser"))
             for coding in _children(el, "Coding") for ref in _children(coding, "CodeRef")]
    if whole:  # codes applied to the source itself: the whole text
        out.append(RefiSelection(el.get("guid") or "", 0, len(text), tuple(whole)))
    return text, tuple(out)


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
        files = _Files(path, label)
        root = ElementTree.fromstring(files.qde())
    except _Unreadable as exc:
        raise DataError.single(label, str(exc)) from None
    except ElementTree.ParseError as exc:
        raise DataError.single(label, f"well-formed REFI-QDA XML ({exc}); export the project "
                                      "again from your QDA tool") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError.single(label, f"a readable .qdpx zip ({exc}); copy the export "
                                      "again") from None
    kind = _local(root.tag)
    if kind not in ("Project", "CodeBook") or "QDA-XML" not in str(root.tag):
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
                project.users[user.get("guid")] = (user.get("name") or "").strip()
    skipped: dict[str, int] = {}
    read: list[tuple[ElementTree.Element, str, list[_Raw]]] = []
    for sources in _children(root, "Sources"):
        for el in sources:
            tag = _local(el.tag)
            if tag in _SKIPPED_SOURCES:
                skipped[_SKIPPED_SOURCES[tag]] = skipped.get(_SKIPPED_SOURCES[tag], 0) + 1
            if tag != "TextSource":
                continue
            text = _plain_text(el, files, label, problems)
            if text is not None:
                read.append((el, text, _raw_selections(el, label, problems)))
    if files.zip is not None:
        files.zip.close()
    unit = choose_offset_unit(project.origin,
                              [(text, [(s, e) for _, s, e, _ in raw]) for _, text, raw in read])
    project.offset_unit, project.crlf = unit.unit, unit.crlf
    for el, raw_text, raw in read:
        text, selections = _selections(el, raw_text, raw, unit, label, problems)
        project.sources.append(RefiSource(
            el.get("guid") or "", (el.get("name") or "").strip(), text,
            el.get("creationDateTime"), _description(el), selections))
    if problems:
        raise DataError(problems[:20], total=len(problems))
    for what, n in skipped.items():
        project.notes.append(f"{n} {what} source{'s' if n != 1 else ''} skipped: only text "
                             "sources are read.")
    if unit.note:
        project.notes.append(unit.note)
    return project
