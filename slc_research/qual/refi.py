"""Export texts, codebook and codings as REFI-QDA: a ``.qdpx`` project or a ``.qdc`` codebook.

The ``.qdpx`` opens in NVivo, ATLAS.ti, MAXQDA, QualCoder and other REFI-QDA
tools: ``project.qde`` (namespace ``urn:QDA-XML:project:1.0``) with the coders
as users, the codebook (a code with a parent is nested in it), one text source
per text (``Sources/<guid>.txt``, UTF-8) and each coding as a coded passage. A
whole-text coding becomes a passage from 0 to the text's length.

Offsets are written in the unit the REFI-QDA standard sets (REFI-QDA 1.5,
section 10.2: "Selections in a text file are defined by the first and the last
character (Unicode codepoint) in the file. The first codepoint in the file has
the number 0"): Unicode code points, end exclusive, as in the ``codings``
table and as Python indexes a ``str``, so an emoji counts one. They round-trip
exactly through :func:`slc_research.qual.read_refi` and a ``kind = "qdpx"``
source, which recognises the ``origin`` written here (``slc-research``). NVivo
counts UTF-16 code units instead when it writes; when it reads it may place a
passage after an emoji one character late.

Every file is valid against the official schemas (Project.xsd and Codebook.xsd,
QDA-XML 1.0; shipped in ``tests/data/refi``): the schema wants at least one
child in ``<Users>``, ``<Codes>`` and ``<Sources>``, so a project with no
coders, codes or texts leaves that element out instead of writing it empty.
A codebook file (``.qdc``) must hold at least one code: an empty codebook is
written with one code that cannot be applied, named :data:`EMPTY_CODEBOOK`,
which :func:`read_refi` leaves out again.

What leaves the workbench is what the canonical tables hold: texts with names
redacted, pseudonymous text ids, coder labels. Author ids are not written.
Every guid is a UUID 5 of the thing's id, and the zip has fixed dates, so the
same tables always give the same bytes.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pandas as pd

from slc_research.data.reading.refi import EMPTY_CODEBOOK, EXPORT_ORIGIN, read_refi
from slc_research.errors import ConfigError
from slc_research.words import plural

__all__ = ["CODEBOOK_NS", "EMPTY_CODEBOOK", "PROJECT_NS", "RefiExport", "export_qdc", "export_qdpx",
           "read_refi"]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_ORIGIN = EXPORT_ORIGIN
_GUIDS = uuid.UUID("6f1c2d1e-5b0a-4e0c-9a55-3c1d2e7b8a90")  # namespace of every guid we make
_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
            "#666666")
# Characters XML 1.0 cannot hold (control characters other than tab and newlines).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ZIP_DATE = (2000, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class RefiExport:
    """What :func:`export_qdpx` wrote: the file and how many of each thing."""

    path: Path
    n_texts: int
    n_codes: int
    n_codings: int
    n_left_out: int

    def __str__(self) -> str:
        left = (f"; {plural(self.n_left_out, 'coding')} of texts not in the texts table left "
                "out" if self.n_left_out else "")
        return (f"{self.path}: {plural(self.n_texts, 'text')}, {plural(self.n_codes, 'code')}, "
                f"{plural(self.n_codings, 'coding')}{left}")


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_GUIDS, f"{kind}:{key}"))


def _clean(value: Any) -> str:
    """Text safe to put in XML (control characters dropped); missing -> ''."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return _NOT_XML.sub("", str(value))


def _tables(data: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    """(texts, codebook, codings, title) from an Enquiry or a mapping of tables."""
    if isinstance(data, Mapping):
        get, title = data.get, str(data.get("title") or _ORIGIN)
    else:
        get, title = (lambda name: getattr(data, name, None)), str(getattr(data, "title", _ORIGIN))
    texts, book, codings = get("texts"), get("codebook"), get("codings")
    if texts is None or codings is None:
        raise ConfigError("export_qdpx needs the texts and codings tables: pass an opened "
                          "Enquiry or a dict with 'texts', 'codings' (and 'codebook').")
    if book is None:
        book = pd.DataFrame({"code": pd.Series([], dtype="string")})
    return texts, book, codings, title


def _codebook(book: pd.DataFrame, extra: list[str]) -> pd.DataFrame:
    """The codebook, each code once, plus codes used in codings but missing from it (top level).

    A code listed twice (the same codebook read from a ``.qdc`` and from a ``.qdpx``)
    is written once, with the first description and parent given for it: the guid is
    made from the name, and a project whose codes share a guid is refused by the tools.
    """
    cols = {c: book[c] if c in book else pd.Series([None] * len(book), dtype="object")
            for c in ("code", "description", "parent")}
    frame = pd.DataFrame(cols).dropna(subset=["code"])
    frame["code"] = frame["code"].astype(str)
    frame = frame.groupby("code", sort=False, as_index=False, dropna=False).first()
    known = set(frame["code"])
    more = [c for c in dict.fromkeys(extra) if c not in known]
    if more:
        frame = pd.concat([frame, pd.DataFrame({"code": more, "description": None,
                                                "parent": None})], ignore_index=True)
    return frame.reset_index(drop=True)


def _codes_xml(parent: ElementTree.Element, book: pd.DataFrame, ns: str) -> int:
    """Write ``<Codes>`` under ``parent``: children nested in their parent code.

    ``book`` holds at least one code (the schema refuses an empty ``<Codes>``).
    """
    codes = ElementTree.SubElement(parent, f"{{{ns}}}Codes")
    names = list(book["code"])
    parents = {c: (str(p) if isinstance(p, str) and p in names and p != c else None)
               for c, p in zip(names, book["parent"], strict=True)}
    descriptions = dict(zip(names, book["description"], strict=True))
    children: dict[str | None, list[str]] = {}
    for c in names:
        children.setdefault(parents[c], []).append(c)
    written: set[str] = set()

    def write(under: ElementTree.Element, code: str, depth: int) -> None:
        written.add(code)
        el = ElementTree.SubElement(under, f"{{{ns}}}Code", {
            "guid": _guid("code", code), "name": _clean(code), "isCodable": "true",
            "color": _COLOURS[len(written) % len(_COLOURS)]})
        text = _clean(descriptions.get(code))
        if text:
            ElementTree.SubElement(el, f"{{{ns}}}Description").text = text
        for child in children.get(code, []):
            if child not in written and depth < 50:
                write(el, child, depth + 1)

    for top in children.get(None, []):
        write(codes, top, 0)
    for code in names:  # parents in a circle: written at the top level
        if code not in written:
            write(codes, code, 0)
    return len(written)


def _xml_bytes(root: ElementTree.Element, ns: str) -> bytes:
    """The document with ``ns`` as its default namespace (no prefixes, as the tools write it)."""
    for el in root.iter():
        el.tag = str(el.tag).rsplit("}", 1)[-1]
    root.set("xmlns", ns)
    ElementTree.indent(root, space="  ")
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def export_qdc(codebook: pd.DataFrame | Any, path: str | Path) -> Path:
    """Write the codebook alone as a REFI-QDA codebook (``.qdc``).

    Parameters
    ----------
    codebook : DataFrame or Enquiry
        The ``codebook`` table (``code``, ``description``, ``parent``), or an
        opened Enquiry whose codebook is written.
    path : str or Path
        Where to write (``.qdc`` is added if missing).

    Returns
    -------
    Path
        The file written.
    """
    book = codebook if isinstance(codebook, pd.DataFrame) else codebook.codebook
    path = Path(path)
    path = path if path.suffix.lower() == ".qdc" else path.with_suffix(".qdc")
    root = ElementTree.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": _ORIGIN})
    full = _codebook(book, [])
    if full.empty:  # <Codes> needs a code: one that cannot be applied says the book is empty
        codes = ElementTree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
        code = ElementTree.SubElement(codes, f"{{{CODEBOOK_NS}}}Code", {
            "guid": _guid("code", EMPTY_CODEBOOK), "name": EMPTY_CODEBOOK,
            "isCodable": "false"})
        ElementTree.SubElement(code, f"{{{CODEBOOK_NS}}}Description").text = (
            "The codebook exported from slc-research had no codes.")
    else:
        _codes_xml(root, full, CODEBOOK_NS)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_xml_bytes(root, CODEBOOK_NS))
    return path


def _short(text: str, n: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def export_qdpx(data: Any, path: str | Path, *, title: str | None = None) -> RefiExport:
    """Write texts, codebook and codings as a REFI-QDA project (``.qdpx``).

    Parameters
    ----------
    data : Enquiry or mapping
        An opened :class:`~slc_research.Enquiry`, or a dict with the ``texts``,
        ``codings`` and (optionally) ``codebook`` tables.
    path : str or Path
        Where to write (``.qdpx`` is added if missing).
    title : str, optional
        The project's name (default: the enquiry's title).

    Returns
    -------
    RefiExport
        The path and the numbers of texts, codes and codings written, and of
        codings left out because their text is not in ``texts`` (a withdrawn author).
    """
    texts, book, codings, default_title = _tables(data)
    path = Path(path)
    path = path if path.suffix.lower() == ".qdpx" else path.with_suffix(".qdpx")
    texts = texts.dropna(subset=["text"]).drop_duplicates("text_id")
    by_id = {str(t): str(x) for t, x in zip(texts["text_id"], texts["text"], strict=True)}
    codings = codings.dropna(subset=["text_id", "code"])
    keep = codings["text_id"].astype(str).isin(by_id).to_numpy(dtype=bool)
    left_out = int((~keep).sum())
    codings = codings.loc[keep]
    coders = sorted({str(c) if isinstance(c, str) else "unknown" for c in codings["coder"]})
    full = _codebook(book, [str(c) for c in codings["code"]])

    ns = PROJECT_NS
    root = ElementTree.Element(f"{{{ns}}}Project", {"name": _clean(title or default_title),
                                                    "origin": _ORIGIN})
    # Users, CodeBook and Sources are left out when empty: the schema wants a child in each
    if coders:
        users = ElementTree.SubElement(root, f"{{{ns}}}Users")
        for coder in coders:
            ElementTree.SubElement(users, f"{{{ns}}}User",
                                   {"guid": _guid("user", coder), "name": _clean(coder)})
    n_codes = (_codes_xml(ElementTree.SubElement(root, f"{{{ns}}}CodeBook"), full, ns)
               if len(full) else 0)
    sources = ElementTree.Element(f"{{{ns}}}Sources")
    if len(texts):
        root.append(sources)
    per_text = {t: g for t, g in codings.assign(text_id=codings["text_id"].astype(str))
                .groupby("text_id", sort=False)}
    files: dict[str, bytes] = {}
    n_codings = 0
    for _, row in texts.iterrows():
        tid, text = str(row["text_id"]), str(row["text"])
        sguid = _guid("text", tid)
        attrs = {"guid": sguid, "name": _clean(tid), "plainTextPath": f"internal://{sguid}.txt"}
        date = row.get("date")
        if date is not None and not pd.isna(date):
            attrs["creationDateTime"] = pd.Timestamp(date).strftime("%Y-%m-%dT%H:%M:%SZ")
        el = ElementTree.SubElement(sources, f"{{{ns}}}TextSource", attrs)
        about = "; ".join(_clean(row.get(c)) for c in ("source", "community", "author_type")
                          if _clean(row.get(c)))
        if about:
            ElementTree.SubElement(el, f"{{{ns}}}Description").text = about
        files[f"Sources/{sguid}.txt"] = text.encode("utf-8")
        group = per_text.get(tid)
        if group is None:
            continue
        passages: dict[tuple[int, int, str], list[str]] = {}
        for coder, code, s, e in zip(group["coder"], group["code"], group["start"],
                                     group["end"], strict=True):
            whole = pd.isna(s) or pd.isna(e)
            start, end = (0, len(text)) if whole else (int(s), int(e))
            who = str(coder) if isinstance(coder, str) else "unknown"
            passages.setdefault((start, end, who), []).append(str(code))
        for (start, end, who), codes in passages.items():
            key = f"{tid}|{start}|{end}|{who}"
            sel = ElementTree.SubElement(el, f"{{{ns}}}PlainTextSelection", {
                "guid": _guid("passage", key), "name": _clean(_short(text[start:end])),
                "startPosition": str(start), "endPosition": str(end),
                "creatingUser": _guid("user", who)})
            for code in dict.fromkeys(codes):
                coding = ElementTree.SubElement(sel, f"{{{ns}}}Coding", {
                    "guid": _guid("coding", f"{key}|{code}"), "creatingUser": _guid("user", who)})
                ElementTree.SubElement(coding, f"{{{ns}}}CodeRef",
                                       {"targetGUID": _guid("code", code)})
                n_codings += 1
    members = [("project.qde", _xml_bytes(root, ns)), *sorted(files.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, content)
    partial.replace(path)
    return RefiExport(path, len(texts), n_codes, n_codings, left_out)
