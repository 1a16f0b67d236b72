"""A folder of reports: its ledger, its lock and run token, and what belongs in it.

A batch (:mod:`slc_research.report.runs`) writes into an output folder:

- ``<name>.html`` for every report (and ``<name>.pdf`` with ``--pdf``), ``index.html``, ``summary.csv`` and ``summary.html``;
- ``.slc-runs.json``, the ledger: per report, the hash of its inputs, its status, its
  records and the content hash of the consent register it was made from;
- ``.slc-runs.lock``, held while a batch writes; it holds the running batch's token, a
  random run id. A report is renamed into place only while the lock is held and holds
  that token (:func:`holds_folder`), so a task orphaned by a stopped run (a Dask worker
  whose client was killed) writes nothing;
- ``.slc-staging-*``, folders where reports are written and checked before they are
  moved into place (removed at the end of a run, or by the next run).

What belongs in the folder is what its ledger knows. A report file the ledger does not
know is removed when it is clearly one of ours (:func:`is_our_report`: the generator
mark every report's page carries, or the style rule of older reports); any other file
is never removed, only reported, since it may be a teacher's own.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from slc_research.errors import ConfigError
from slc_research.workspace.atomic import write_atomic

__all__ = ["FOLDER_FILES", "INDEX_NAME", "LEDGER_NAME", "LOCK_NAME", "REPORT_MARKER",
           "PDF_CREATOR", "STAGING_PREFIX", "SUMMARY_CSV", "SUMMARY_HTML", "check_report_name",
           "consent_digest", "folder_lock", "holds_folder", "is_our_report", "known_files",
           "read_ledger", "remove", "remove_stale_temporaries", "stale_reports", "unknown_files",
           "write_ledger"]

#: The index page of a batch.
INDEX_NAME = "index.html"
#: The headline results of every report, as one tidy table and side by side.
SUMMARY_CSV = "summary.csv"
SUMMARY_HTML = "summary.html"
#: The ledger of a report folder: report name -> inputs hash, status, records, consent.
LEDGER_NAME = ".slc-runs.json"
#: Held while a batch writes into a folder; holds the running batch's token.
LOCK_NAME = ".slc-runs.lock"
#: Every file a batch writes into the folder besides the reports.
FOLDER_FILES = (INDEX_NAME, SUMMARY_CSV, SUMMARY_HTML, LEDGER_NAME, LOCK_NAME)
#: The start of the name of a folder where outputs are checked before they go in place.
STAGING_PREFIX = ".slc-staging-"
#: The mark in the head of every report page (``<meta name="generator" ...>``).
REPORT_MARKER = '<meta name="generator" content="slc-research report">'
#: The creator written into every report's PDF (:mod:`slc_research.report.pdf`).
PDF_CREATOR = "slc-research report"
#: What the pages of reports made before the mark existed all hold (their table style).
_OLDER_REPORT_MARK = "table.slc-table caption"


# --- report names ----------------------------------------------------------------------------

def check_report_name(name: str, *, file: str | None = None, key: str = "name") -> str:
    """``name`` if a report may be called so; else a ConfigError saying why.

    A name holds letters, digits, ``.``, ``-`` and ``_``, does not start with ``.``
    (hidden files are the folder's own) and does not give a file the batch writes itself
    (``index`` and ``summary`` in any case: ``index.html`` would be overwritten by the
    index page).
    """
    if not re.fullmatch(r"[\w-][\w.-]*", name):
        raise ConfigError(f"the report name {name!r} is not allowed: a report name may hold "
                          "letters, digits, '.', '-' and '_' only, and may not start with "
                          "'.'.", file=file, key=key)
    taken = {Path(f).stem.casefold() for f in FOLDER_FILES} | {
        f.casefold() for f in FOLDER_FILES}
    if name.casefold() in taken or f"{name}.html".casefold() in taken:
        raise ConfigError(f"a report cannot be called {name!r}: the batch writes "
                          f"{', '.join(FOLDER_FILES[:3])} into the folder itself, and the "
                          f"report would be overwritten. Choose another name, e.g. "
                          f"{name}-report.", file=file, key=key)
    return name


# --- the ledger ------------------------------------------------------------------------------

def read_ledger(out_dir: str | Path) -> dict[str, dict[str, Any]]:
    """The ledger of ``out_dir``: report name -> entry ({} when absent or unreadable)."""
    path = Path(out_dir) / LEDGER_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    reports = data.get("reports") if isinstance(data, dict) else None
    return ({k: v for k, v in reports.items() if isinstance(v, dict)}
            if isinstance(reports, dict) else {})


def write_ledger(out_dir: str | Path, ledger: dict[str, dict[str, Any]]) -> None:
    """Write ``ledger`` as ``out_dir``'s ledger (atomically)."""
    text = json.dumps({"format": 1, "reports": ledger}, indent=1, sort_keys=True, default=str)
    write_atomic(Path(out_dir) / LEDGER_NAME, text, durable=False)


def consent_digest(workspace: str | Path) -> str:
    """The content hash of ``workspace``'s consent register (``"none"`` without one).

    Each ledger entry records it: a report made from an older register (a pupil has since
    withdrawn) is stale whatever else is unchanged.
    """
    from slc_research.privacy.pseudonyms import CONSENT_FILE
    from slc_research.workspace.cache import file_digest
    from slc_research.workspace.enquiry import PRIVATE_DIR

    path = Path(workspace) / PRIVATE_DIR / CONSENT_FILE
    return file_digest(path) if path.is_file() else "none"


# --- the lock and the run's token ----------------------------------------------------------

@contextmanager
def folder_lock(out_dir: str | Path) -> Iterator[str]:
    """Hold ``out_dir``'s lock (released by the system even if the process is killed).

    Yields the run's token, written into the lock file for as long as the lock is held
    (:func:`holds_folder`).

    Raises
    ------
    ConfigError
        Another run holds the lock.
    """
    token = secrets.token_hex(16)
    path = Path(out_dir) / LOCK_NAME
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; the token alone marks the run
        path.write_text(token, encoding="utf-8")
        try:
            yield token
        finally:
            _clear_token(path, token)
        return
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ConfigError(f"another slc-research report is writing into {out_dir}; wait for "
                              "it to finish or choose another --out folder.", key="--out") from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(token)
            fh.flush()
            yield token
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh, fcntl.LOCK_UN)


def _clear_token(path: Path, token: str) -> None:
    try:
        if path.read_text(encoding="utf-8") == token:
            path.write_text("", encoding="utf-8")
    except OSError:
        pass


def holds_folder(out_dir: str | Path, token: str) -> bool:
    """Whether the run with ``token`` still holds ``out_dir``'s lock.

    True only when the lock file holds ``token`` and the lock is held (by that run: a
    run writes its token only once it holds the lock). A run that was stopped released
    its lock, and a later run wrote its own token.
    """
    path = Path(out_dir) / LOCK_NAME
    try:
        with open(path, encoding="utf-8") as fh:
            if fh.read().strip() != token:
                return False
            try:
                import fcntl
            except ImportError:
                return True
            try:
                fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return True  # held by someone, and the token says it is our run
            fcntl.flock(fh, fcntl.LOCK_UN)
            return False  # nobody holds it: the run that wrote the token has stopped
    except OSError:
        return False


def remove_stale_temporaries(out_dir: str | Path) -> None:
    """Temporary files and staging folders a stopped run left behind (hold the lock first)."""
    out_dir = Path(out_dir)
    for tmp in out_dir.glob(".*.tmp"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
    for staging in out_dir.glob(f"{STAGING_PREFIX}*"):
        if staging.is_dir():
            shutil.rmtree(staging, ignore_errors=True)


# --- what belongs in the folder --------------------------------------------------------------

def is_our_report(path: str | Path) -> bool:
    """Whether ``path`` is a report page slc-research wrote (its mark is in the first 64 kB).

    A PDF is one of ours when its creator is :data:`PDF_CREATOR`.
    """
    path = Path(path)
    if path.suffix.lower() == ".pdf" and path.is_file():
        return _our_pdf(path)
    if path.suffix.lower() != ".html" or not path.is_file():
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(65536)
    except OSError:
        return False
    return REPORT_MARKER in head or _OLDER_REPORT_MARK in head


def _our_pdf(path: Path) -> bool:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        info = PdfReader(path).metadata or {}
    except (OSError, PdfReadError, ValueError, KeyError, TypeError):
        return False
    return str(info.get("/Creator") or "") == PDF_CREATOR


def known_files(ledger: dict[str, dict[str, Any]]) -> set[str]:
    """The names of the files the ledger knows: its reports and the batch's own files."""
    known = set(FOLDER_FILES)
    for name, entry in ledger.items():
        known.add(str(entry.get("html") or f"{name}.html"))
    return known


def unknown_files(out_dir: str | Path, ledger: dict[str, dict[str, Any]] | None = None,
                  ) -> list[Path]:
    """Files and folders in ``out_dir`` its ledger does not know, by name.

    A report's PDF is known while its page is (the page removed, the PDF is unknown).

    Temporary files and staging folders of a run in progress are not listed.
    """
    out_dir = Path(out_dir)
    ledger = read_ledger(out_dir) if ledger is None else ledger
    known = known_files(ledger)
    found = []
    for p in sorted(out_dir.iterdir()):
        if p.suffix == ".pdf" and p.with_suffix(".html").name in known - set(FOLDER_FILES) \
                and p.with_suffix(".html").is_file():
            continue  # the PDF of a report the ledger knows (and that is still there)
        if p.name in known or (p.name.startswith(".") and p.name.endswith(".tmp")):
            continue
        if p.name.startswith(STAGING_PREFIX) and p.is_dir():
            continue
        found.append(p)
    return found


def stale_reports(out_dir: str | Path, consent: str,
                  ledger: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """The report files in ``out_dir`` made from a consent register other than ``consent``."""
    out_dir = Path(out_dir)
    ledger = read_ledger(out_dir) if ledger is None else ledger
    stale = []
    for name, entry in sorted(ledger.items()):
        html = str(entry.get("html") or f"{name}.html")
        if (out_dir / html).is_file() and entry.get("consent") != consent:
            stale.append(html)
    return stale


def remove(path: Path) -> None:
    """Remove a file or a folder (nothing when it is gone)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
