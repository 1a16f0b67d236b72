"""Recognise a folder of exports from their content: what each file holds and how to map it.

:func:`recognise_folder` reads every file of a folder (only reads it) and says,
for each, the source kind it holds and the tool that wrote it, recognised from
its headers and values, never from its name: an MIS roster (UPN or admission
number with year group, pupil premium, SEN ...), a staff list, a Google Forms,
Microsoft Forms or Qualtrics questionnaire, a SIMS or Arbor attendance register
or behaviour log, a membership list, a REFI-QDA project or codebook, a table of
reflections or interview texts. It proposes each file's ``[sources.NAME]``
entry with every guess and its reason (``checks``), so that ``init --from``
can mark each one ``# check: ...`` and the column mapper can show it.
Surveys are worked out in :mod:`slc_research.workspace.recognise_survey`
(item codes from grid statements, answer scales, waves, the respondent id
matched to the roster's ids).

Nothing here echoes a cell: reasons give headers, counts and shares only.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from pathlib import Path
from typing import Any

from slc_research.data.loading.mis_layouts import read_register
from slc_research.data.loading.survey_exports import read_export, recognise_export, tidy_export
from slc_research.data.parsing.header_row import describe_headers, looks_like_data
from slc_research.data.parsing.values import SESSION_WORDS, distinct, normalise_word
from slc_research.data.reading.raw_table import RawTable
from slc_research.data.reading.readers import read_raw
from slc_research.data.reading.refi_files import sources_beside
from slc_research.data.schemas import COMMUNITY_KINDS
from slc_research.data.spec import SourceSpec
from slc_research.errors import DataError
from slc_research.workspace.manifest import Manifest
from slc_research.workspace.mapping_editor import suggest_mapping
from slc_research.workspace.recognise_ids import (
    ID_COLUMN,
    IdMatch,
    best_id_column,
    link_to_roster,
    roster_names,
)
from slc_research.workspace.recognise_survey import plan_surveys
from slc_research.workspace.recognise_texts import document_folders, place_text_folder
from slc_research.workspace.recognised import (
    Placed,
    Recognition,
    Unplaced,
    id_values,
    match_share,
)

__all__ = ["Placed", "Recognition", "Unplaced", "recognise_file", "recognise_folder",
           "recognise_table", "suggest_id_column", "workspace_roster_ids"]

#: Files that are never exports: lock files, system files, the workbench's own.
_SKIP = re.compile(r"^(~\$|\.|desktop\.ini$|thumbs\.db$|enquiry\.toml$)", re.I)
_DAY_HEADER = re.compile(r"\d{1,4}[/.\- ]+\w+[/.\- ]+\d{2,4}")
_SESSIONS = {normalise_word(w) for w in SESSION_WORDS if len(w) > 1}
#: Canonical columns that make a roster a roster (besides the pupil id).
_ROSTER_SIGNS = ("year_group", "gender", "pupil_premium", "sen", "eal", "prior_attainment")
_STAFF_SIGNS = ("department", "role", "years_experience")
#: How sure a header must look to count as that column when telling kinds apart.
_SURE = 0.85


def _natural(path: Path) -> list[Any]:
    return [int(t) if t.isdigit() else t.casefold() for t in re.split(r"(\d+)", path.as_posix())]


def _zip_names(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as z:
            return z.namelist()
    except (zipfile.BadZipFile, OSError):
        return []


def _looks_like_prose(path: Path) -> bool:
    """A text file of sentences, not a table: its first line has no delimiter of a table."""
    try:
        head = path.read_bytes()[:4096].decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    first = head.splitlines()[0] if head.strip() else ""
    return bool(first) and not any(d in first for d in (",", ";", "\t", "|"))


def recognise_file(path: Path, rel: str) -> Placed | Unplaced:
    """Recognise one file from its content (see :func:`recognise_folder`)."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        names = _zip_names(path)
        if any(n.casefold().endswith(".qde") for n in names):
            return Placed(path, rel, "qdpx", "a REFI-QDA project (NVivo, MAXQDA, ATLAS.ti, "
                          "QualCoder, Taguette)", {"kind": "qdpx"},
                          {"kind": "a zip holding a REFI-QDA project.qde"})
        if "word/document.xml" in names:
            return Unplaced(rel, "a Word document on its own: texts are read from a folder "
                            "of documents, one text per file (put it in a sub-folder with the "
                            "others, named like 4821_2026-03-06.docx), or from a table with "
                            "one row per text")
    start = path.read_bytes()[:4096]
    utf16 = start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    text = start.decode("utf-16" if utf16 else "utf-8-sig", errors="replace").lstrip()
    if text.startswith("<?xml") or text.startswith("<Project") or text.startswith("<CodeBook"):
        if "urn:QDA-XML" in text or "<CodeBook" in text or "<Project" in text:
            what = "a REFI-QDA codebook" if "<CodeBook" in text and "<Project" not in text \
                else "a REFI-QDA project"
            return Placed(path, rel, "qdpx", what, {"kind": "qdpx"},
                          {"kind": "its XML is in the REFI-QDA exchange format"})
        return Unplaced(rel, "an XML file that is not a REFI-QDA project or codebook")
    if path.suffix.lower() in (".txt", ".md", ".rtf") and _looks_like_prose(path):
        return Unplaced(rel, "a text file of prose on its own: texts are read from a folder "
                        "of documents, one text per file (put it in a sub-folder with the "
                        "others, named like 4821_2026-03-06.txt), or from a table with one "
                        "row per text")
    try:
        # a register whose header is two rows (dates over AM/PM) is read as the loader reads it
        raw = read_register(SourceSpec(Path(rel).stem, path, rel, "attendance", {}, None, None,
                                       {}))
    except DataError as exc:
        return Unplaced(rel, f"it cannot be read as a table: expected {exc.problems[0].expected}")
    got = (_register_placed(raw, path, rel, "dates in row 1 over AM and PM in row 2")
           if raw.header_cells else recognise_table(raw, path, rel))
    if isinstance(got, Placed) and raw.sheet is not None and len(raw.sheets) > 1:
        got.table = {"kind": got.table["kind"], "sheet": raw.sheet,
                     **{k: v for k, v in got.table.items() if k != "kind"}}
        got.checks["sheet"] = (f"the sheet read (the workbook has {len(raw.sheets)}: "
                               + ", ".join(repr(n) for n in raw.sheets[:5]) + ")")
    return got


def _sure(headers: list[str], kind: str) -> dict[str, str]:
    """Canonical name -> header, for the headers that surely are that column."""
    got = suggest_mapping(headers, kind, cutoff=_SURE)
    return {c: h for c, h in got.items() if h}


def _mean_length(raw: RawTable, header: str) -> float:
    codes, cats = distinct(raw.data[header])
    if not len(cats):
        return 0.0
    lengths = [len(str(c)) for c in cats]
    return sum(lengths) / len(lengths)


def _text_column(raw: RawTable, taken: set[str]) -> str | None:
    """The column of long free texts (sentences), if there is one."""
    best = max(((_mean_length(raw, h), h) for h in raw.headers if h not in taken),
               default=(0.0, None))
    return best[1] if best[0] >= 40 else None


def _register(raw: RawTable) -> str | None:
    """How the file is an attendance register with a column per session or day, if it is one."""
    dated = [h for h in raw.headers if _DAY_HEADER.search(h)]
    if len(dated) >= 2:
        return "a column per session or day headed by its date"
    if len(raw) and len(raw.headers) >= 4:
        row = [str(v) for v in raw.data.iloc[0] if v == v and v is not None]
        if sum(1 for v in row if normalise_word(v) in _SESSIONS) >= 2:
            return "dates in row 1 over AM and PM in row 2"
    return None


def _register_placed(raw: RawTable, path: Path, rel: str, layout: str) -> Placed:
    ids = _sure(raw.headers, "attendance")
    cols = {c: h for c, h in ids.items() if c in ("pupil_id", "forename", "surname", "name")}
    return Placed(path, rel, "attendance", "an attendance register (SIMS or Arbor, a row "
                  "per pupil)", {"kind": "attendance", "layout": "wide",
                                 "columns": _columns(cols)},
                  {"kind": f"a register: {layout}", "layout": f"a row per pupil, {layout}",
                   **_checks(cols)}, raw)


def _columns(found: dict[str, str]) -> dict[str, str]:
    return {h: c for c, h in found.items()}


def _checks(found: dict[str, str], why: str = "its header") -> dict[str, str]:
    return {f"columns.{h}": f"{why} reads as {c}" for c, h in found.items()}


def recognise_table(raw: RawTable, path: Path, rel: str) -> Placed | Unplaced:
    """Recognise a table's kind from its headers and values (see :func:`recognise_folder`)."""
    headers = raw.headers
    export = recognise_export(raw)
    if export.format != "plain":
        return Placed(path, rel, "survey", f"a {export.tool} survey export", {"kind": "survey"},
                      {"kind": f"its columns are those {export.tool} writes"}, raw)
    layout = _register(raw)
    if layout:
        return _register_placed(raw, path, rel, layout)
    att = _sure(headers, "attendance")
    if {"pupil_id", "date", "session", "code"} <= set(att):
        return Placed(path, rel, "attendance", "attendance marks (SIMS or Arbor, a row per "
                      "mark)", {"kind": "attendance", "layout": "long",
                                "columns": _columns(att)},
                      {"kind": "a row per mark: pupil, date, session and mark columns",
                       "layout": "a row per mark", **_checks(att)}, raw)
    beh = _sure(headers, "behaviour")
    if {"pupil_id", "date"} <= set(beh) and {"type", "category", "points"} & set(beh):
        return Placed(path, rel, "behaviour", "a behaviour log (SIMS or Arbor)",
                      {"kind": "behaviour", "columns": _columns(beh)},
                      {"kind": "a row per incident: pupil, date and type, category or points "
                       "columns", **_checks(beh)}, raw)
    return _people_or_texts(raw, path, rel)


def _people_or_texts(raw: RawTable, path: Path, rel: str) -> Placed | Unplaced:
    headers = raw.headers
    pupils = _sure(headers, "pupils")
    staff = _sure(headers, "staff")
    members = _sure(headers, "memberships")
    texts = _sure(headers, "texts")
    if "pupil_id" in pupils and sum(1 for c in _ROSTER_SIGNS if c in pupils) >= 2:
        return Placed(path, rel, "pupils", "a roster from the MIS (one row per pupil)",
                      {"kind": "pupils", "columns": _columns(pupils)},
                      {"kind": "a pupil id with " + ", ".join(
                          c for c in _ROSTER_SIGNS if c in pupils), **_checks(pupils)}, raw)
    if "staff_id" in staff and set(_STAFF_SIGNS) & set(staff):
        return _staff(raw, path, rel, staff)
    text = _text_column(raw, set(pupils.values()) | set(staff.values()))
    if text is not None:
        found = {k: v for k, v in texts.items() if k != "text" and v != text}
        found["text"] = text
        return Placed(path, rel, "texts", "written texts (reflections, interviews or open "
                      "answers)", {"kind": "texts", "columns": _columns(found)},
                      {"kind": f"the column '{text}' holds sentences (on average "
                       f"{_mean_length(raw, text):.0f} characters)", **_checks(found)}, raw)
    if "staff_id" in staff and "pupil_id" not in pupils:
        return _staff(raw, path, rel, staff)
    if "pupil_id" in pupils or "member_id" in members:
        found = {c: h for c, h in members.items() if c != "member_id"}
        found["member_id"] = members.get("member_id") or pupils["pupil_id"]
        what = ("a membership list (who is in which community)" if "community" in found else
                "a list of one community's members (it has no column naming the community)")
        table: dict[str, Any] = {"kind": "memberships", "columns": _columns(found)}
        checks = {"kind": "a list of ids with " + (", ".join(
            c for c in ("community", "role", "joined") if c in found) or "nothing else a roster "
            "has: a community's members?"), **_checks(found)}
        if "community" not in found:
            table["community"] = _community_from_name(path.stem)
            checks["community"] = ("no column names the community: the name is made from the "
                                   "file's name; write the community's name as in your reports")
        if not {"community_kind", "kind"} & set(found):
            table["community_kind"], checks["community_kind"] = _community_kind_guess(
                path.stem, staff="pupil_id" not in pupils)
        return Placed(path, rel, "memberships", what, table, checks, raw)
    if looks_like_data(headers):
        return Unplaced(rel, describe_headers(headers))
    return Unplaced(rel, f"{describe_headers(headers, limit=6)}: not those of a roster, staff "
                    "list, survey, register, behaviour log, membership list or table of texts "
                    "the workbench knows; add it by hand with the column mapper")


def _staff(raw: RawTable, path: Path, rel: str, staff: dict[str, str]) -> Placed:
    return Placed(path, rel, "staff", "a staff list", {"kind": "staff",
                                                       "columns": _columns(staff)},
                  {"kind": "a staff code with " + (", ".join(
                      c for c in _STAFF_SIGNS if c in staff) or "no pupil id"),
                   **_checks(staff)}, raw)


#: Words in a membership list's name that say which kind of community it lists.
_KIND_WORDS = (("slc_conference", r"conference"), ("coproduction", r"co.?production"),
               ("tlc", r"\btlc\b|teacher learning"),
               ("slc", r"\bslc\b|student learning|student voice|pupil voice"))


def _community_kind_guess(stem: str, *, staff: bool) -> tuple[str, str]:
    """The kind of community a membership list holds, from its name, and why."""
    for kind, pattern in _KIND_WORDS:
        if re.search(pattern, stem, flags=re.IGNORECASE):
            return kind, f"the file's name says so; one of {', '.join(COMMUNITY_KINDS)}"
    kind = "tlc" if staff else "slc"
    return kind, (f"a guess: its members are {'staff' if staff else 'pupils'}; one of "
                  f"{', '.join(COMMUNITY_KINDS)}, which says which reports it feeds")


def _community_from_name(stem: str) -> str:
    # a hyphen between digits is a year range ("2025-26"), kept; others separate words
    words = [w for w in re.split(r"[\s_]+|(?<!\d)-+|-+(?!\d)", stem) if w and w.casefold() not in
             ("members", "member", "list", "membership", "memberships", "export")]
    return " ".join(w.upper() if w.casefold() in ("slc", "tlc") else w for w in words) or stem


def recognise_folder(folder: str | Path, *, skip: Path | None = None) -> Recognition:
    """Recognise every export in ``folder`` (and its sub-folders) from its content.

    Parameters
    ----------
    folder : str or Path
        A folder of exports, only read.
    skip : Path, optional
        A folder inside ``folder`` left out (the workspace being written into it).

    Returns
    -------
    Recognition
        Each file placed with its proposed entry and the reasons of every guess,
        or unplaced with the reason; surveys' item codes, waves, instruments and
        respondent ids worked out across files, and id columns matched to the
        roster's ids.
    """
    folder = Path(folder)
    placed: list[Placed] = []
    unplaced: list[Unplaced] = []
    files = []
    for path in sorted((p for p in folder.rglob("*") if p.is_file()), key=_natural):
        rel = path.relative_to(folder).as_posix()
        if any(_SKIP.match(part) for part in Path(rel).parts) or (
                skip is not None and path.resolve().is_relative_to(skip)):
            continue
        files.append((path, rel))
    # the Sources folder beside an unzipped project's .qde holds its texts, not documents
    project_texts = {f for path, _ in files if path.suffix.lower() == ".qde"
                     for f in sources_beside(path)}
    files = [(path, rel) for path, rel in files if path not in project_texts]
    texts = document_folders(files)  # a sub-folder of documents is one texts source
    in_texts = {p for docs, side in texts.values() for p in (*docs, side) if p is not None}
    for path, rel in files:
        if path in in_texts:
            continue
        try:
            got = recognise_file(path, rel)
        except Exception as exc:  # noqa: BLE001 - one odd file must not stop the others
            got = Unplaced(rel, f"it could not be recognised ({type(exc).__name__} while "
                           "reading it); add it by hand with the column mapper")
        (placed if isinstance(got, Placed) else unplaced).append(got)
    ids = link_to_roster(placed)
    placed += [place_text_folder(folder / rel, rel, docs, side, ids)
               for rel, (docs, side) in texts.items()]
    scales = plan_surveys(placed, ids, names=roster_names(placed))
    return Recognition(placed, unplaced, scales)


def workspace_roster_ids(manifest: Manifest) -> dict[str, set[str]]:
    """The ids of the workspace's rosters: each ``pupils`` source's id header -> its folded ids.

    Files that cannot be read are skipped (``check`` says why).
    """
    out: dict[str, set[str]] = {}
    for spec in manifest.sources.values():
        header = next((h for h, c in spec.columns.items() if c == "pupil_id"), None)
        if spec.kind != "pupils" or header is None:
            continue
        try:
            raw = read_raw(spec)
        except DataError:
            continue
        out.setdefault(header, set()).update(id_values(raw, header))
    return out


def suggest_id_column(path: Path, kind: str, ids: dict[str, set[str]], *, label: str,
                      sheet: str | None = None, taken: set[str] = frozenset()
                      ) -> tuple[IdMatch | None, dict[str, float]]:
    """The column of a file whose values best match the roster's ids, for the kind's id column.

    For a survey the answers are read as the survey loader reads them (the
    tool's header rows are not answers) and any question may be it ("What is
    your admission number?"); at least 30% of its answers must be roster ids
    (50% in other files).

    Returns
    -------
    match : IdMatch or None
        ``(share, header, roster header, matched)``.
    shares : dict
        Header -> the largest share (0-1) of its values found among any roster column's
        ids, for every column that may hold ids (not the tool's own columns).
    """
    if kind not in ID_COLUMN or not ids:
        return None, {}
    try:
        if kind == "survey":
            raw, export = read_export(path, label=label, sheet=sheet)
            table, _ = tidy_export(raw, export, keep=set(export.personal))
            skip = set(export.metadata)
        else:
            table, skip = read_raw(path, label=label, sheet=sheet), set()
    except DataError:
        return None, {}
    values = {h: id_values(table, h) for h in table.headers if h not in skip}
    shares = {h: max(match_share(v, known) for known in ids.values()) for h, v in values.items()}
    match = best_id_column({h: v for h, v in values.items() if h not in taken}, ids,
                           least=0.3 if kind == "survey" else 0.5)
    return match, shares
