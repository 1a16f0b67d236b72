"""``slc-research check-outputs``: look for a pupil's or a colleague's identity in outputs.

Every report run ends with this check, and a teacher can run it on any folder
before sharing it. It reads the workspace's raw roster and staff files (through
the manifest, read-only) for the identifiers that must never be published, keeps
them in memory only, and scans every file under the folder
(:mod:`slc_research.privacy.output_formats` reads HTML, SVG, CSV, JSON, executed
notebooks, every part of XLSX, DOCX and PPTX files, gzip and zip archives, ``data:`` URIs,
PNG metadata, file names and any other file's printable text). A file that expands past
the zip-bomb limits is not read: it is a find ("file not checked"). Names and ids in a
file's path or a place are masked, as the finds are.

What counts as a find
---------------------
The scan is the one identifier matcher of the workbench
(:meth:`slc_research.privacy.identifiers.Identifiers.find`, the same as redaction at
load): every text is read folded, so case, accents written either way, soft hyphens and
zero-width characters hide nothing.

- **Real ids**: every pupil id, staff code, member, author and respondent id in
  the raw files (UPNs, admission numbers, staff codes), and any roster column
  headed like an id (``ULN``, ``Adno``, ``Admission number``). Matched as whole
  tokens, ignoring spaces, hyphens and case (``M021 3245 18321``); ids of up to
  four characters (staff codes) only in capitals, as MIS exports write them.
  Numbers of fewer than five digits are not checked: they cannot be told apart
  from a count.
- **Email addresses**: any address at all, whoever it belongs to.
- **Dates of birth**: any roster column headed like a date of birth, in any
  form schools write a date (``4/3/2012``, ``04/03/2012``, ``4.3.2012``,
  ``4 March 2012``, ``4th March 2012``, ``March 4th 2012``, ``2012-03-04``).
- **Full names**: a forename followed by a surname of the same person
  ("Amy Green", "Green, Amy"), any case, always.
- **Single names**: a forename or surname on its own, as a whole word written
  with a capital ("Amy", "AMY", "Amy's"; not "amy", which in an output is a
  style or code name), when it has three letters or more and is not also an
  ordinary word. Names that are English words, report vocabulary or the names
  of statistical methods (Grace, Green, Young, Mark, Pearson, Cohen: the list is
  ``slc_research/templates/common_name_words.txt``), words written in the
  notebooks themselves, words of the schools' names, and words of the
  workspace's title and community names that are not the name of someone on the
  roster or staff list are not flagged on their own: a pupil surnamed Green is then
  found only as "Amy Green", never in "green". Anything else a teacher knows to
  be a false alarm goes in ``private/allowed_words.txt``, one word or name per
  line.

A find is reported with its file and place and the identifier masked
("Zeb***"); the identifiers themselves are never printed, logged or stored.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

import xxhash

from slc_research.errors import ConfigError, DataError
from slc_research.privacy.identifiers import Identifiers, mask
from slc_research.privacy.output_formats import Piece, text_pieces
from slc_research.words import plural

__all__ = ["CheckResult", "Find", "check_folder", "format_finds", "masked", "scan_outputs",
           "scan_text"]

#: The most finds a message lists (the rest are counted).
MAX_LISTED = 40



@dataclass(frozen=True)
class Find:
    """One identifier found in an output: where, what kind, and masked."""

    file: str
    place: str
    kind: str
    masked: str

    def __str__(self) -> str:
        return f"{self.file}, {self.place}: {self.kind} '{self.masked}'"


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check_folder` found and how long it took."""

    folder: Path
    finds: tuple[Find, ...]
    files: int
    seconds: float
    #: ``folder`` as a message may show it: every identifier in the path masked.
    shown: str = ""

    @property
    def ok(self) -> bool:
        """Whether the check found nothing."""
        return not self.finds

    @property
    def where(self) -> str:
        """The checked folder or file as a message may name it (identifiers masked)."""
        return self.shown or str(self.folder)


def scan_text(piece: Piece, ident: Identifiers) -> list[tuple[int, str, str]]:
    """Finds in one piece of text: (offset, kind, the identifier as written).

    The one identifier matcher (:meth:`Identifiers.find`) reads the text folded (case,
    accents, soft hyphens and zero-width characters do not hide a name; spaces and hyphens
    do not hide an id; a date of birth is found in any written form). A name is listed with
    its possessive ``'s`` as written.
    """
    text = piece.text
    out: list[tuple[int, str, str]] = []
    for m in ident.find(text):
        end = m.end
        if m.kind in ("name", "full name") and text[end:end + 2] in ("'s", "\u2019s"):
            end += 2
        out.append((m.start, m.kind, text[m.start:end]))
    return out


def scan_outputs(folder: str | Path, ident: Identifiers,
                 seen: dict[tuple[str, str], tuple[Find, ...]] | None = None,
                 ) -> tuple[list[Find], int]:
    """Scan every file under ``folder`` for ``ident``.

    ``seen``, when given, keeps each file's finds by its path in the folder and the hash
    of its bytes: a file scanned before with the same bytes is not read again (a report
    checked before it was put in place, then with its folder).

    Returns
    -------
    finds : list of Find
        In file order, then place order.
    files : int
        How many files were read.
    """
    folder = Path(folder)
    finds: list[Find] = []
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:
        finds.extend(_scan_file(path, path.relative_to(folder).as_posix(), ident, seen))
    return finds, len(files)


def _scan_file(path: Path, rel: str, ident: Identifiers,
               seen: dict[tuple[str, str], tuple[Find, ...]] | None = None) -> list[Find]:
    """The finds in one file: its name, its content; a file that cannot be read is a find.

    Names and ids in the file's path, a member's name or a sheet name are masked in the
    place shown, as the finds themselves are. With ``seen``, the finds of a file already
    scanned with the same path and bytes are given again without reading it.
    """
    key = None
    if seen is not None:
        try:
            key = (rel, xxhash.xxh3_128_hexdigest(path.read_bytes()))
        except OSError:
            key = None  # scanned below: an unreadable file is a find
        else:
            if key in seen:
                return list(seen[key])
    finds = _scan_content(path, rel, ident)
    if key is not None:
        seen[key] = tuple(finds)
    return finds


def _scan_content(path: Path, rel: str, ident: Identifiers) -> list[Find]:
    shown = masked(rel, ident)
    try:
        pieces = list(text_pieces(path, name=rel))
    except OSError as exc:
        return [Find(shown, "the whole file", f"unreadable file ({exc.strerror})", "-")]
    except DataError as exc:  # a zip bomb: refused, so it cannot be shared unchecked
        place = "the whole file" if exc.file == path.name else masked(exc.file, ident)
        return [Find(shown, place,
                     f"file not checked: it expands past the zip-bomb limits ({exc.expected})",
                     "-")]
    finds: list[Find] = []
    for piece in pieces:
        hits = scan_text(piece, ident)
        if not hits:
            continue
        starts = _line_starts(piece.text) if piece.lines else None
        for offset, kind, value in sorted(hits):
            place = masked(_place(piece, offset, starts), ident)
            finds.append(Find(shown, place, kind, mask(value)))
    return finds


def masked(text: str, ident: Identifiers) -> str:
    """``text`` (a file's path, a place in it) with every identifier in it masked.

    ``share/Jack_Abdi.qdpx`` -> ``share/Jac***.qdpx``: what a message may show of a path.
    """
    hits = scan_text(Piece("", text.replace("_", " "), False), ident)
    for offset, _kind, value in sorted(hits, reverse=True):
        text = text[:offset] + mask(value) + text[offset + len(value):]
    return text


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _place(piece: Piece, offset: int, starts: list[int] | None) -> str:
    if starts is None:
        return piece.where or "the file"
    line = bisect_right(starts, offset)
    here = f"line {line}, column {offset - starts[line - 1] + 1}"
    return f"{piece.where}, {here}" if piece.where else here


def check_folder(folder: str | Path, ident: Identifiers,
                 seen: dict[tuple[str, str], tuple[Find, ...]] | None = None) -> CheckResult:
    """Scan the outputs in ``folder`` (or one file) for ``ident``.

    Parameters
    ----------
    folder : path
        A folder of reports, or one file.
    ident : Identifiers
        What to look for (see :func:`slc_research.workspace.identifiers.workspace_identifiers`).
    seen : dict, optional
        Finds of files scanned before for the same ``ident`` (see :func:`scan_outputs`);
        filled in as files are scanned.

    Returns
    -------
    CheckResult
        ``ok`` when nothing was found; otherwise every find with file and place.

    Raises
    ------
    ConfigError
        When ``folder`` does not exist.
    """
    started = time.perf_counter()
    folder = Path(folder)
    if not folder.exists():
        raise ConfigError(f"there is no folder {folder} to check; give the folder the reports "
                          "were written to (e.g. outputs).", key="PATH")
    if folder.is_dir():
        finds, files = scan_outputs(folder, ident, seen)
    else:
        finds, files = _scan_file(folder, folder.name, ident, seen), 1
    return CheckResult(folder, tuple(finds), files, time.perf_counter() - started,
                       masked(str(folder), ident))


def format_finds(result: CheckResult) -> str:
    """The message for a check that found something.

    It lists every find (up to :data:`MAX_LISTED`), masked, and says what to do.
    """
    n = len(result.finds)
    lines = [f"check-outputs found {plural(n, 'possible identifier')} of a pupil or member of staff in "
             f"{result.where} (shown masked):"]
    lines += [f"  {f}" for f in result.finds[:MAX_LISTED]]
    if n > MAX_LISTED:
        lines.append(f"  ... and {n - MAX_LISTED} more")
    lines.append(
        "Do not share these files. Remove the name or id at its source (a free text, a "
        "notebook, a file name) and run the reports again; if a find is an ordinary word, "
        "not a person, add it to private/allowed_words.txt in the workspace (one per line).")
    return "\n".join(lines)
