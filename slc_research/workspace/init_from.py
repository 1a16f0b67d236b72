"""``slc-research init PATH --from FOLDER``: a workspace written from a folder of exports.

What is done with the raw files: each file the recogniser places is copied,
byte for byte, into ``PATH/raw/`` (keeping its sub-folders), so that the
workspace holds everything it reads and can be moved or backed up whole; the
originals are only read. When ``FOLDER`` is already inside ``PATH`` (``init .
--from raw``) the files are referenced where they are and nothing is copied.
A file that is not placed is neither copied nor referenced: it is listed with
the reason. Nothing is ever overwritten: an existing ``enquiry.toml`` or a
different file already at a copy's place stops the command before anything is
written, and if anything fails midway every file written so far is removed.

The manifest is commented: every guess (a kind, a column, an item code, a
wave, an instrument, a respondent id, an answer scale) is marked ``# check:``
with its reason, and every entry is checked by the real loader first
(:func:`~slc_research.workspace.entry_check.accepted_entry`): a column the
loader refuses is written commented out with the loader's reason, and an entry
it cannot read at all is written commented out, so ``check`` reads what is left.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slc_research.data.loading.survey_columns import name_words
from slc_research.data.reading.documents import document_base, document_files, is_pattern
from slc_research.data.reading.refi_files import sources_beside
from slc_research.errors import ConfigError
from slc_research.privacy.identifiers import Identifiers
from slc_research.privacy.redaction import Redaction
from slc_research.words import plural
from slc_research.workspace.atomic import write_atomic
from slc_research.workspace.entry_check import accepted_entry
from slc_research.workspace.manifest import MANIFEST, read_manifest
from slc_research.workspace.mapping_editor import suggest_source_name
from slc_research.workspace.recognise import recognise_folder
from slc_research.workspace.recognise_ids import roster_names
from slc_research.workspace.recognised import Placed, Recognition

__all__ = ["InitFrom", "init_from", "toml_string"]

_PRIVATE_README = ("This folder holds the pseudonymisation key and the consent register "
                   "(consent.csv).\nNever share it, never put it in git, never copy it into a "
                   "report.\n")
_ORDER = ("pupils", "staff")


@dataclass
class InitFrom:
    """What ``init --from`` wrote.

    Attributes
    ----------
    root : Path
        The workspace.
    recognition : Recognition
        What the recogniser found.
    names : dict
        File (its path in the folder) -> source name written.
    refused : dict
        Source name -> why the loader cannot read it yet (written commented out).
    left_out : dict
        Source name -> {header: (canonical name, reason)} of columns the loader refused.
    copied : list of Path
        Raw files copied into the workspace.
    hide : callable
        A text with the names of the people on the roster and staff list redacted: for
        file names and reasons in the summary and the manifest's comments.
    """

    root: Path
    recognition: Recognition
    names: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    left_out: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    copied: list[Path] = field(default_factory=list)
    hide: Callable[[str], str] = str

    def summary(self) -> str:
        """What was written, in plain words (file paths and counts: never a cell)."""
        placed, hide = self.recognition.placed, self.hide
        lines = [f"Wrote {self.root / MANIFEST}: {len(placed) - len(self.refused)} of "
                 f"{plural(len(placed) + len(self.recognition.unplaced), 'file')} placed as sources"
                 + (f", {len(self.copied)} copied unchanged into {self.root / 'raw'}"
                    if self.copied else "") + ". Every guess is marked '# check:'."]
        for p in placed:
            name = self.names[p.rel]
            state = (f"not read yet ({self.refused[name]}): written commented out"
                     if name in self.refused else p.what)
            lines.append(f"  {hide(p.rel)} -> [sources.{name}] {p.kind}: {hide(state)}")
            for header, (canon, why) in self.left_out.get(name, {}).items():
                lines.append(f"    column '{hide(header)}' not mapped to {canon}: the loader "
                             f"refuses it (expected {hide(why)})")
        if self.recognition.unplaced:
            lines.append("Files not placed (not copied):")
            lines += [f"  {hide(u.rel)}: {hide(u.reason)}" for u in self.recognition.unplaced]
        return "\n".join(lines)


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(str(text), ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return toml_string(v)


def _comment(reason: str | None, hide: Callable[[str], str] = str) -> str:
    return f"  # check: {' '.join(hide(str(reason)).split())}" if reason else ""


def _hider(recognition: Recognition) -> Callable[[str], str]:
    """Redaction of the names on the roster and staff list found, as the output check reads.

    Full names in any case, a single name with a capital: for file names, sheet names and
    reasons in what init prints and writes as comments, never for a path or a header the
    manifest needs as it is.
    """
    names = roster_names(recognition.placed)
    if not names:
        return str
    ident = Identifiers.build(names=names, full_names=names)
    return lambda text: Redaction(str(text), ident).text


def _copy(src: Path, dest: Path, copied: list[Path]) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    copied.append(dest)


def _copies(p: Placed, folder: Path, root: Path, path: str) -> list[tuple[Path, Path]]:
    """(file read, its copy in the workspace) for a placed file, or each file of a folder."""
    if not (p.file.is_dir() or is_pattern(p.rel)):  # an unzipped project's texts go with it
        return [(p.file, root / path), *((f, (root / path).parent / f.parent.name / f.name)
                                         for f in sources_beside(p.file))]
    files = document_files(p.file)
    side = p.table.get("authors_file")
    if side:
        files.append(folder / str(side))
    base, into = document_base(p.file), root / document_base(path)
    return [(f, into / f.relative_to(base)) for f in files]


def _header(folder: Path, today: dt.date, recognition: Recognition,
            hide: Callable[[str], str] = str) -> list[str]:
    days = [p.first_day for p in recognition.placed if p.first_day is not None]
    if days:
        year, month = int(min(days) // 400), int(min(days) % 400 // 32)
        why = "the dates of the survey responses"
    else:
        year, month, why = today.year, today.month, "the school year of the day init ran"
    start = year if month >= 9 else year - 1
    lines = [
        f"# enquiry.toml written by `slc-research init --from` from the folder "
        f"'{hide(folder.name)}'",
        f"# on {today.isoformat()}. Every guess is marked '# check: ...' with its reason: read",
        "# each one, correct it if it is wrong, then run:  slc-research check .",
        "# The raw files were copied unchanged into raw/ (the originals were not touched); a line",
        "# starting with # is a comment, and an entry written as comments is not read yet.",
        "",
        f"title = \"Learning communities enquiry {start}-{(start + 1) % 100:02d}\""
        + _comment("the title every report and the index open with: write your own"),
        f"academic_year = \"{start}-{(start + 1) % 100:02d}\""
        f"{_comment(why)}",
        "schools = []" + _comment('add your school name(s), e.g. ["Northfield Academy"]'),
        "", "[privacy]", "suppression_threshold = 5           # groups smaller than this are "
        "never published", ""]
    if recognition.unplaced:
        lines.append("# Files of the folder that were not placed (not copied):")
        lines += [f"#   {hide(u.rel)}: {hide(u.reason)}" for u in recognition.unplaced]
        lines.append("")
    for name, scale in recognition.scales.items():
        why = {"scale": "the rows of one grid question make a scale",
               "instrument": "the questionnaire the grid is in", "label": "the grid question",
               "items": "one per row of the grid; list any worded the other way round in "
                        "reverse = [...]", **scale.get("why", {})}
        lines += [f"[scales.{name}]{_comment(why['scale'])}",
                  f"instrument = {toml_string(scale['instrument'])}"
                  f"{_comment(why['instrument'])}",
                  f"label = {toml_string(scale['label'])}{_comment(why['label'])}",
                  f"items = {_value(scale['items'])}{_comment(why['items'])}",
                  f"response_scale = {toml_string(scale['response_scale'])}"
                  f"{_comment('the scale all its answers are on')}", ""]
    return lines


def _entry(name: str, p: Placed, path: str, table: dict[str, Any],
           left_out: dict[str, tuple[str, str]], problem: str | None,
           hide: Callable[[str], str] = str) -> list[str]:
    lines = [f"[sources.{name}]", f"path = {toml_string(path)}",
             f"kind = {toml_string(p.kind)}"
             f"{_comment(p.what + ': ' + p.checks.get('kind', ''), hide)}"]
    for key, value in table.items():
        if key in ("kind", "path", "columns"):
            continue
        lines.append(f"{key} = {_value(value)}{_comment(p.checks.get(key), hide)}")
    columns = table.get("columns", {})
    unread = {h: c for h, c in p.unread.items() if h not in columns and h not in left_out}
    if columns or left_out or unread:
        lines.append(f"[sources.{name}.columns]")
        for header, canon in columns.items():
            lines.append(f"{toml_string(header)} = {toml_string(canon)}"
                         f"{_comment(p.checks.get(f'columns.{header}'), hide)}")
        for header, (canon, why) in left_out.items():
            lines.append(f"# {toml_string(header)} = {toml_string(canon)}"
                         f"{_comment(f'left out: the loader refuses it (expected {why})', hide)}")
        for header, (code, why) in unread.items():
            lines.append(f"# {toml_string(header)} = {toml_string(code)}{_comment(why, hide)}")
    if problem is None:
        return [f"# --- {hide(p.rel)}: {p.what}", *lines, ""]
    return [f"# --- {hide(p.rel)}: {p.what}. Not read yet, so written as comments:",
            f"# check: {' '.join(hide(problem).split())}",
            "# Correct the entry, remove the # signs, then run check.",
            *(f"# {line}" for line in lines), ""]


def init_from(root: str | Path, folder: str | Path, *, today: dt.date | None = None) -> InitFrom:
    """Write a workspace at ``root`` from the exports in ``folder``.

    Parameters
    ----------
    root : str or Path
        The workspace to write (created if needed; it must not hold an ``enquiry.toml``).
    folder : str or Path
        The folder of exports, only read.
    today : date, optional
        The day (for the academic year); default today.

    Returns
    -------
    InitFrom

    Raises
    ------
    ConfigError
        ``root`` already has a manifest, ``folder`` is not a folder, or a copy would
        overwrite a different file; nothing is written then.
    """
    root, folder = Path(root).resolve(), Path(folder).resolve()
    if (root / MANIFEST).exists():
        raise ConfigError(f"{root / MANIFEST} already exists; nothing was changed. Add more "
                          "files with the column mapper, or init a new folder.")
    if not folder.is_dir():
        raise ConfigError(f"there is no folder of exports at {folder}.", key="--from")
    recognition = recognise_folder(folder, skip=root if root.is_relative_to(folder) else None)
    inside = folder.is_relative_to(root)
    placed = sorted(recognition.placed, key=lambda p: (
        _ORDER.index(p.kind) if p.kind in _ORDER else len(_ORDER)))
    paths = {p.rel: (folder / p.rel).relative_to(root).as_posix() if inside
             else f"raw/{p.rel}" for p in placed}
    copies = {p.rel: _copies(p, folder, root, paths[p.rel]) for p in placed}
    for p in placed:
        for src, dest in copies[p.rel]:
            if not inside and dest.exists() and dest.read_bytes() != src.read_bytes():
                raise ConfigError(f"{dest} already exists and differs from "
                                  f"{src.relative_to(folder).as_posix()}; nothing was "
                                  "changed. Choose an empty folder for the workspace.")
    hide = _hider(recognition)
    avoid = name_words(roster_names(recognition.placed))
    out = InitFrom(root, recognition, hide=hide)
    made: list[Path] = []
    try:
        root.mkdir(parents=True, exist_ok=True)
        for p in placed:
            for src, dest in copies[p.rel]:
                if not inside and not dest.exists():
                    _copy(src, dest, out.copied)
        for path, text in ((root / "private" / "README.txt", _PRIVATE_README),
                           (root / ".gitignore", "private/\n.slc-cache/\nraw/\n")):
            if not path.exists():
                write_atomic(path, text)
                made.append(path)
        lines = _header(folder, today or dt.date.today(), recognition, hide)
        write_atomic(root / MANIFEST, "\n".join(lines) + "\n")
        made.append(root / MANIFEST)
        read_manifest(root)  # the scales are valid before any source is checked
        for p in placed:
            name = suggest_source_name("texts" if is_pattern(p.rel) else p.rel,
                                       list(out.names.values()), avoid)
            out.names[p.rel] = name
            table = {"path": paths[p.rel], **p.table}
            if "authors_file" in table:  # a folder of texts' list of authors, in the workspace
                table["authors_file"] = (f"{document_base(paths[p.rel]).as_posix()}/"
                                         f"{Path(str(table['authors_file'])).name}")
            got = accepted_entry(root, table, name=name)
            if got.left_out:
                out.left_out[name] = got.left_out
            if got.problem is not None:
                out.refused[name] = got.problem
            lines += _entry(name, p, paths[p.rel], got.table, got.left_out, got.problem, hide)
        write_atomic(root / MANIFEST, "\n".join(lines) + "\n")
        read_manifest(root)
    except BaseException:
        for path in [*made, *out.copied]:
            path.unlink(missing_ok=True)
        raise
    return out
