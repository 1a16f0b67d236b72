"""Edit ``enquiry.toml`` safely: add a ``[sources.NAME]`` entry, suggest and check mappings.

:func:`add_source` writes one source table into the workspace's manifest with
``tomlkit``, so comments, blank lines and every other table stay as the teacher
wrote them. The write is atomic (a temporary file and :func:`os.replace`), and
the result is read back with :func:`slc_research.workspace.manifest.read_manifest`: if the
new manifest is not valid, the old one is put back and the error is raised.

:func:`suggest_mapping` proposes a canonical column for each raw header from
header similarity, and :func:`check_source` runs the real loader on a proposed
entry (the same code path as :meth:`slc_research.Enquiry.open`) so a mistake
shows up before anything is written.
"""

from __future__ import annotations

import difflib
import re
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions
import tomlkit.items

from slc_research.data.loading.mis_layouts import MIS_HEADERS
from slc_research.data.loading.survey_columns import SurveyColumns, survey_columns
from slc_research.data.schemas import KINDS
from slc_research.data.spec import LoadContext, Loaded, SourceSpec
from slc_research.errors import ConfigError
from slc_research.privacy.pseudonyms import Pseudonymiser, read_consent_register
from slc_research.workspace.atomic import write_atomic
from slc_research.workspace.id_links import linked_register, roster_links
from slc_research.workspace.manifest import MANIFEST, Manifest, read_manifest, source_spec

__all__ = ["HEADER_ALIASES", "add_source", "check_source", "columns_from_choices", "kind_columns",
           "known_headers", "relative_path", "source_name_ok", "suggest_items", "suggest_mapping",
           "suggest_source_name", "SurveyColumns", "survey_columns"]

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def source_name_ok(name: str) -> bool:
    """True if ``name`` can be a source name: letters, digits, ``_`` and ``-`` only."""
    return isinstance(name, str) and bool(_NAME.match(name))


def relative_path(root: str | Path, path: str | Path) -> str:
    """Return ``path`` relative to the workspace ``root``, with forward slashes.

    Parameters
    ----------
    root : str or Path
        The workspace folder.
    path : str or Path
        An absolute path, or a path relative to the workspace.

    Returns
    -------
    str
        E.g. ``"raw/new/roster.csv"``.

    Raises
    ------
    ConfigError
        If the path points outside the workspace.
    """
    root = Path(root).resolve()
    p = Path(path)
    full = (p if p.is_absolute() else root / p).resolve()
    if not full.is_relative_to(root):
        raise ConfigError(f"'{path}' is outside the workspace {root}. Copy the file into the "
                          "workspace's raw/ folder first.")
    return full.relative_to(root).as_posix()


def _toml_value(value: Any) -> Any:
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, tuple):
        return list(value)
    return value


def _source_table(root: Path, table: Mapping[str, Any]) -> tomlkit.items.Table:
    """Build the tomlkit table: scalars first, then sub-tables such as ``columns``."""
    t = tomlkit.table()
    scalars = {k: v for k, v in table.items() if v is not None and not isinstance(v, Mapping)}
    nested = {k: v for k, v in table.items() if isinstance(v, Mapping)}
    if "path" in scalars:
        scalars["path"] = relative_path(root, scalars["path"])
    order = ["description", "path", "kind"]
    for key in [k for k in order if k in scalars] + [k for k in scalars if k not in order]:
        t.add(key, _toml_value(scalars[key]))
    for key, sub in nested.items():
        inner = tomlkit.table()
        for k, v in sub.items():
            inner.add(str(k), _toml_value(v))
        t.add(key, inner)
    return t



def add_source(root: str | Path, name: str, table: Mapping[str, Any], *,
               replace: bool = False) -> SourceSpec:
    """Write a ``[sources.NAME]`` entry into the workspace's ``enquiry.toml``.

    The rest of the manifest (comments, blank lines, other tables, their order)
    is kept exactly. The file is replaced atomically, then read back with
    :func:`~slc_research.workspace.manifest.read_manifest`; if that fails, the previous
    manifest is restored and the :class:`~slc_research.errors.ConfigError` is
    raised, so the workspace is never left with a broken manifest.

    Parameters
    ----------
    root : str or Path
        The workspace folder (it holds ``enquiry.toml``).
    name : str
        The source's name: letters, digits, ``_`` and ``-``.
    table : mapping
        The entry's keys, e.g. ``{"path": "raw/new/roster.csv", "kind": "pupils",
        "school": "Northfield Academy", "columns": {"UPN": "pupil_id"}}``.
        ``path`` may be absolute or relative to the workspace; it is written
        relative, with forward slashes, and must lie inside the workspace.
        Mapping values (``columns``) become sub-tables; ``None`` values are left out.
    replace : bool, default False
        Overwrite an existing entry of that name (in place, keeping its position).

    Returns
    -------
    SourceSpec
        The checked entry, as :class:`slc_research.Enquiry` will read it.

    Raises
    ------
    ConfigError
        If the name is not allowed or already taken (without ``replace``), the
        path lies outside the workspace, or the manifest with the new entry is
        not valid (the old manifest is then restored).

    Examples
    --------
    >>> add_source("my-enquiry", "y7_roster",
    ...            {"path": "raw/y7.csv", "kind": "pupils", "columns": {"UPN": "pupil_id"}})
    ... # doctest: +SKIP
    """
    root = Path(root).resolve()
    path = root / MANIFEST
    if not source_name_ok(name):
        raise ConfigError(f"'{name}' cannot be a source name: use letters, digits, '_' and '-' "
                          "only, like 'y7_roster'.", file=MANIFEST)
    if not path.is_file():
        read_manifest(root)  # raises the usual "no enquiry.toml" message
    before = path.read_bytes()
    text = before.decode("utf-8-sig")
    bom = before.startswith(b"\xef\xbb\xbf")
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"this is not valid TOML ({exc}); fix it before adding a source.",
                          file=MANIFEST) from None
    if "sources" not in doc:
        doc.add("sources", tomlkit.table(is_super_table=True))
    sources = doc["sources"]
    if not isinstance(sources, Mapping):
        raise ConfigError("expected [sources.NAME] tables.", file=MANIFEST, key="sources")
    new = _source_table(root, table)
    if name in sources:
        if not replace:
            raise ConfigError(f"there is already a source called '{name}'. Choose another name, "
                              "or replace it on purpose.", file=MANIFEST, key=f"sources.{name}")
        sources[name] = new
    else:
        sources.add(name, new)
    out = tomlkit.dumps(doc)
    write_atomic(path, (b"\xef\xbb\xbf" if bom else b"") + out.encode("utf-8"))
    try:
        manifest = read_manifest(root)
    except ConfigError:
        write_atomic(path, before)
        raise
    return manifest.sources[name]


#: Headers schools' exports commonly use for each canonical column (besides the
#: canonical name itself), compared ignoring case, spaces and punctuation. The
#: column titles of SIMS and Arbor attendance and behaviour exports
#: (:data:`~slc_research.data.loading.mis_layouts.MIS_HEADERS`, which the loaders also
#: recognise without a mapping) are added to these.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "pupil_id": ("upn", "pupil id", "student id", "admission number", "adno", "mis id"),
    "staff_id": ("staff code", "staff id", "teacher code", "initials"),
    "member_id": ("upn", "member", "pupil id", "staff code", "student id"),
    "respondent_id": ("pupil id", "student id", "upn", "staff code", "respondent"),
    "author_id": ("pupil id", "upn", "staff code", "author", "written by"),
    "forename": ("first name", "legal forename", "preferred forename", "given name"),
    "surname": ("last name", "legal surname", "family name"),
    "name": ("full name", "pupil name", "student name", "staff name"),
    "email": ("e-mail", "email address"),
    "year_group": ("year", "yr", "nc year", "year group"),
    "gender": ("sex",),
    "pupil_premium": ("pp", "disadvantaged", "pp eligible", "fsm6"),
    "sen": ("sen status", "send", "sen stage", "sen provision"),
    "eal": ("english as an additional language", "eal status"),
    "prior_attainment": ("ks2 band", "prior attainment band", "ks2", "pa band"),
    "years_experience": ("years teaching", "experience", "years in teaching"),
    "community": ("team", "group", "community name", "slc", "tlc"),
    "community_kind": ("community type",),
    "date": ("date", "session date", "meeting date", "incident date"),
    "session": ("am pm", "am/pm"),
    "code": ("mark", "attendance code", "register mark"),
    "points": ("score", "behaviour points"),
    "type": ("positive negative", "event type"),
    "category": ("behaviour type", "reason"),
    "score": ("mark", "result", "raw score", "points"),
    "grade": ("working at", "level"),
    "text": ("reflection", "comment", "comments", "answer", "response", "transcript"),
    "text_id": ("text", "id"),
    "quotable": ("ok to quote", "can quote", "consent to quote"),
    "joined": ("date joined", "start date"),
    "left": ("date left", "end date"),
    "meeting_id": ("meeting", "meeting no", "meeting number"),
    "attended": ("present", "attendance"),
}
HEADER_ALIASES.update({canon: tuple(dict.fromkeys((*HEADER_ALIASES.get(canon, ()), *titles)))
                       for canon, titles in MIS_HEADERS.items()})


def _norm(s: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(s).casefold()).split())


def kind_columns(kind: str) -> tuple[str, ...]:
    """The canonical columns of a source kind: required, then optional, then identifying."""
    k = KINDS[kind]
    return (*k.required, *k.optional, *k.identifying)


def known_headers(manifest: Manifest, kind: str) -> dict[str, str]:
    """Header -> canonical name as the manifest's other sources of ``kind`` already map them."""
    known: dict[str, str] = {}
    for spec in manifest.sources.values():
        if spec.kind == kind:
            for header, canon in spec.columns.items():
                known.setdefault(_norm(header), canon)
    return known


def _score(canon: str, header: str, known: Mapping[str, str]) -> float:
    h = _norm(header)
    if known.get(h) == canon:
        return 1.0
    names = (_norm(canon), *(_norm(a) for a in HEADER_ALIASES.get(canon, ())))
    if h in names:
        return 0.95
    padded = f" {h} "
    if any(len(n) >= 2 and f" {n} " in padded for n in names):
        return 0.85
    return max(difflib.SequenceMatcher(None, h, n).ratio() for n in names) * 0.8


def suggest_mapping(headers: Sequence[str], kind: str, *,
                    known: Mapping[str, str] | None = None,
                    cutoff: float = 0.68) -> dict[str, str | None]:
    """Suggest a raw header for each canonical column of ``kind``.

    Parameters
    ----------
    headers : sequence of str
        The raw file's headers.
    kind : str
        A source kind (a key of :data:`~slc_research.data.schemas.KINDS`).
    known : mapping, optional
        Normalised header -> canonical name already used in the manifest
        (:func:`known_headers`): these win.
    cutoff : float
        The lowest similarity (0-1) worth suggesting.

    Returns
    -------
    dict
        Canonical name -> header, or None when nothing is similar enough.
        Each header is suggested at most once (best matches first).

    Notes
    -----
    A header scores 1 when the manifest already maps it to that column, 0.95
    when it is the canonical name or a known alias (:data:`HEADER_ALIASES`),
    0.85 when it contains one as whole words ("Pupil UPN"), else 0.8 times the
    :class:`difflib.SequenceMatcher` ratio.
    """
    known = dict(known or {})
    cols = kind_columns(kind)
    pairs = sorted(((_score(c, h, known), -i, -j, c, h) for i, c in enumerate(cols)
                    for j, h in enumerate(headers)), reverse=True)
    out: dict[str, str | None] = dict.fromkeys(cols)
    used: set[str] = set()
    for score, _i, _j, canon, header in pairs:
        if score < cutoff:
            break
        if out[canon] is None and header not in used:
            out[canon] = header
            used.add(header)
    return out


def suggest_items(headers: Sequence[str], items: Sequence[str], *,
                  known: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """Suggest a survey item code for each header: the manifest's own mapping or the code itself.

    Returns header -> item code (None: not an item). For a raw export, whose
    tool, question columns and new item codes are recognised from the file,
    use :func:`survey_columns` (re-exported from
    :mod:`slc_research.data.loading.survey_columns`).
    """
    known = dict(known or {})
    by_norm = {_norm(i): i for i in items}
    out: dict[str, str | None] = {}
    for h in headers:
        k = known.get(_norm(h))
        out[h] = k if k in items else by_norm.get(_norm(h))
    return out


def columns_from_choices(choices: Mapping[str, str | None]) -> dict[str, str]:
    """Turn the mapper's choices (canonical name -> header) into a ``columns`` table.

    Parameters
    ----------
    choices : mapping
        Canonical name (or survey item code) -> the raw header chosen for it;
        None or ``""`` for "not in this file".

    Returns
    -------
    dict
        Header -> canonical name, as ``[sources.NAME.columns]`` writes it.

    Raises
    ------
    ConfigError
        If one header is chosen for two canonical names.
    """
    out: dict[str, str] = {}
    for canon, header in choices.items():
        if not header:
            continue
        if header in out:
            raise ConfigError(f"the column '{header}' is chosen for both '{out[header]}' and "
                              f"'{canon}'. Choose it for one of them only.")
        out[header] = canon
    return out


def suggest_source_name(path: str | Path, taken: Sequence[str] = (),
                        avoid: frozenset[str] = frozenset()) -> str:
    """A source name from a file name, unique among ``taken``: ``"Y7 Roster.csv"`` -> ``"y7_roster"``.

    Words in ``avoid`` (people's name words) are left out: a source name is printed by
    ``check`` and in the data-health report, so "Zoe O'Neill reflections.docx" gives
    ``o_reflections``, never the pupil's name.
    """
    words = [w for w in re.split(r"[^a-z0-9]+", Path(path).stem.casefold()) if w]
    base = "_".join(w for w in words if w not in avoid) or "source"
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    return name


def _plain(table: Mapping[str, Any], root: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in table.items():
        if v is None:
            continue
        if isinstance(v, Mapping):
            v = {str(a): _toml_value(b) for a, b in v.items()}
        elif k == "path":
            v = relative_path(root, v)
        out[k] = _toml_value(v)
    return out


def check_source(root: str | Path, table: Mapping[str, Any], *,
                 name: str = "new_source") -> Loaded:
    """Check a proposed ``[sources.NAME]`` entry by loading its file with the real loader.

    Nothing is written: the entry is checked as :func:`read_manifest` checks
    it, then loaded by :func:`slc_research.data.loading.loaders.load_source`, the code
    :meth:`slc_research.Enquiry.open` runs, with a throw-away pseudonymisation
    key (the workspace's key is neither read nor created).

    Parameters
    ----------
    root : str or Path
        The workspace folder.
    table : mapping
        The entry as for :func:`add_source`.
    name : str
        The name it would have.

    Returns
    -------
    Loaded
        The canonical tables, notes and row counts.

    Raises
    ------
    ConfigError
        The entry is not valid in the manifest (unknown kind, column or option).
    DataError
        The file cannot be read with this mapping; the message names the file,
        row and column.
    """
    from slc_research.data.loading.loaders import load_source, people_of

    manifest = read_manifest(root)
    spec = source_spec(manifest.root, name, _plain(table, manifest.root),
                   manifest.response_scales, MANIFEST)
    pseudonymiser = Pseudonymiser(secrets.token_bytes(32))
    links = roster_links(manifest)  # as Enquiry.open: a roster's other id links too
    withdrawn = linked_register(read_consent_register(manifest.root / "private", pseudonymiser),
                                links, pseudonymiser).withdrawn
    ctx = LoadContext(pseudonymiser, manifest.response_scales, manifest.scales,
                      withdrawn=withdrawn, id_links=links)
    if spec.kind in ("texts", "action_plans", "memberships", "meetings", "qdpx", "codebook",
                     "codings"):  # free text: redacted as Enquiry.open does
        ctx = people_of(manifest.sources.values()).into(ctx)
    return load_source(spec, ctx)
