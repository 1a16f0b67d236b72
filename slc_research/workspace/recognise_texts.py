"""Recognise a folder of documents (one reflection or transcript per file) as one texts source.

A sub-folder of the exports holding at least two documents of prose (``.docx``, or
``.txt`` / ``.md`` files that are not tables) becomes one ``texts`` source whose
``path`` is the folder (see :mod:`slc_research.data.loading.text_folder`). The
recogniser proposes, each marked to be checked:

- ``name_pattern``, when every file name has one shape, such as an id and a date
  (``4821_2026-03-06``), with the share of those ids found on the roster;
- ``authors_file``, when the folder holds a table with a ``file`` column;
- ``authors`` (``pupil`` when the names hold roster ids, else ``anonymous``), and
  ``text_source`` (interview or reflection, from the folder's name).

Nothing here echoes a file name or a cell: reasons give counts, shares and patterns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from slc_research.data.reading.documents import DOCUMENT_SUFFIXES
from slc_research.workspace.recognised import Placed, fold_id, match_share

__all__ = ["document_folders", "place_text_folder"]

_SEPARATORS = ("_", " - ", " ", "-")
_DATE = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4}|\d{8}")
_SIDECAR_FILE = re.compile(r"^\s*\"?\s*(file|file ?name|document)\s*\"?\s*[,;\t]", re.I)


def _is_prose(path: Path) -> bool:
    if path.suffix.lower() == ".docx":
        return True
    try:
        head = path.read_bytes()[:4096]
    except OSError:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("utf-8-sig", errors="replace")
    lines = [line for line in text.splitlines() if line.strip()][:6]
    if len(lines) < 2 or not lines[-1]:
        return bool(lines)  # one line (or one line cut short) of text: a table has a header
    lines = lines[:-1] if len(text) >= 4000 else lines  # the last line may be cut short
    # a table: every line has the same number (1 or more) of one delimiter
    return not any(len({line.count(d) for line in lines}) == 1 and lines[0].count(d)
                   for d in (",", ";", "\t", "|"))


def _is_sidecar(path: Path) -> bool:
    if path.suffix.lower() != ".csv":
        return False
    try:
        head = path.read_bytes()[:1024].decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    return bool(_SIDECAR_FILE.match(head.splitlines()[0] if head else ""))


def document_folders(files: list[tuple[Path, str]]) -> dict[str, tuple[list[Path], Path | None]]:
    """The sub-folders that hold a folder of texts: folder -> (its documents, its authors file).

    Parameters
    ----------
    files : list of (path, rel)
        Every file of the exports folder with its path inside it (forward slashes).

    Returns
    -------
    dict
        The folder's path inside the exports folder (``"*"`` for the exports folder's
        own documents, when none of them is a table) -> its documents (two or more, at
        least half of them prose, not tables) and the table listing each file's author,
        if there is one.
    """
    by_folder: dict[str, list[Path]] = {}
    for path, rel in files:
        parent = Path(rel).parent.as_posix()
        if path.suffix.lower() in (*DOCUMENT_SUFFIXES, ".csv"):
            # the exports folder's own documents: the pattern "*" (only its own .txt, .md, .docx)
            by_folder.setdefault("*" if parent == "." else parent, []).append(path)
    out = {}
    for folder, paths in by_folder.items():
        docs = [p for p in paths if p.suffix.lower() in DOCUMENT_SUFFIXES]
        prose = [p for p in docs if _is_prose(p)]
        sidecars = [p for p in paths if _is_sidecar(p)]
        tables = [p for p in docs if p not in prose]
        if folder == "*" and tables:  # the pattern would read them too: leave them alone
            continue
        if len(prose) >= 2 and 2 * len(prose) >= len(docs):  # the loader reads every document
            out[folder] = (docs, sidecars[0] if sidecars else None)
    return out


def _pattern_fields(pattern: str) -> re.Pattern:
    body = re.escape(pattern).replace(r"\{author\}", "(?P<author>.+?)").replace(
        r"\{date\}", f"(?P<date>{_DATE.pattern})")
    return re.compile(body, re.I)


def _best_pattern(stems: list[str]) -> tuple[str, list[str]] | None:
    """The file-name pattern most names have, and the authors it reads (None: no shape)."""
    best: tuple[int, str, list[str]] | None = None
    for sep in _SEPARATORS:
        for pattern in (f"{{author}}{sep}{{date}}", f"{{date}}{sep}{{author}}"):
            regex = _pattern_fields(pattern)
            found = [m for m in (regex.fullmatch(s) for s in stems) if m]
            if found and (best is None or len(found) > best[0]):
                best = (len(found), pattern, [m["author"] for m in found])
    if best is None or best[0] < 0.8 * len(stems):
        return None
    return best[1], best[2]


def place_text_folder(folder: Path, rel: str, docs: list[Path], sidecar: Path | None,
                      ids: Mapping[str, set[str]]) -> Placed:
    """The proposed ``texts`` entry of a folder of documents (see the module).

    Parameters
    ----------
    folder : Path
        The folder (only read).
    rel : str
        Its path inside the exports folder.
    docs : list of Path
        Its documents.
    sidecar : Path or None
        A table in it listing each file's author (a ``file`` column).
    ids : mapping
        The roster's id columns -> their folded ids (may be empty).
    """
    kinds = ", ".join(sorted({p.suffix.lower() for p in docs}))
    table: dict[str, object] = {"kind": "texts"}
    checks = {"kind": f"a folder of {len(docs)} documents ({kinds}) of prose: one text per "
                      "file"}
    lowered = (folder.parent.name if rel == "*" else rel).casefold()
    source = "interview" if re.search(r"interview|transcript|focus", lowered) else "reflection"
    table["text_source"] = source
    checks["text_source"] = (f"the folder's name says {source}s" if source in lowered
                             else "reflections unless the folder's name says interviews or "
                                  "transcripts")
    stems = [p.stem for p in docs]
    guess = _best_pattern(stems)
    if sidecar is not None:
        table["authors_file"] = f"{rel}/{sidecar.name}"
        checks["authors_file"] = ("this table has a 'file' column: it says who wrote each "
                                  "document (columns file, author_id, date, wave, author_type)")
    if guess is not None:
        pattern, authors = guess
        table["name_pattern"] = pattern
        matched = f"{len(authors)} of {len(stems)} file names have this shape"
        if any(re.fullmatch(r"\d{8}", m) for m in _DATE.findall(" ".join(stems))):
            table["date_format"] = "%Y%m%d"
            checks["date_format"] = "the dates in the names are written as 8 digits"
        folded = {fold_id(a) for a in authors}
        share, header = max(((match_share(folded, v), h) for h, v in ids.items()),
                            default=(0.0, ""))
        if share >= 0.5:
            table["authors"] = "pupil"
            checks["name_pattern"] = (f"{matched}; {share:.0%} of the ids in them are on the "
                                      f"roster ('{header}')")
            checks["authors"] = "the ids in the file names are pupils' ids on the roster"
        else:
            table["authors"] = "pupil"
            checks["name_pattern"] = (f"{matched}; the part read as {{author}} is "
                                      + ("not an id on the roster" if ids else
                                         "not checked (no roster found)")
                                      + ": if it is a name, list the files' authors in an "
                                      "authors_file instead")
            checks["authors"] = "whose ids the file names hold: pupil, staff or parent"
    elif sidecar is not None:
        table["authors"] = "pupil"
        checks["authors"] = "whose ids the authors file holds: pupil, staff or parent"
    else:
        table["authors"] = "anonymous"
        checks["authors"] = ("the file names do not say who wrote each text: add name_pattern "
                             "= \"{author}_{date}\" (or an authors_file) to link texts to pupils")
    return Placed(folder, rel, "texts", "a folder of texts (one reflection or transcript "
                  "per file)", table, checks)
