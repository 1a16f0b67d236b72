"""``slc-research check-outputs`` for a workspace: its people's identifiers looked for in outputs.

The scan itself is :mod:`slc_research.privacy.output_check` (told what to look for); the
identifiers come from the workspace's raw files
(:func:`slc_research.workspace.identifiers.workspace_identifiers`); the words of the
notebooks that made the outputs are not names (:func:`notebook_words`).

A folder of reports (one with a run ledger, :mod:`slc_research.report.folder`) is also
checked as a whole: a file its ledger and index do not know, and a report made from an
older consent register (a pupil has withdrawn since), are findings too
(:class:`OutputsCheck`).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Iterable
from pathlib import Path

from slc_research.privacy.identifiers import Identifiers, words_of
from slc_research.privacy.output_check import CheckResult, check_folder, format_finds, masked
from slc_research.report.catalogue import notebook_files
from slc_research.report.folder import (
    LEDGER_NAME,
    consent_digest,
    read_ledger,
    stale_reports,
    unknown_files,
)
from slc_research.words import plural, was_or_were
from slc_research.workspace.identifiers import workspace_identifiers

__all__ = ["OutputChecker", "OutputsCheck", "check_outputs", "describe_check", "notebook_words",
           "page_words"]


@dataclasses.dataclass(frozen=True)
class OutputsCheck(CheckResult):
    """A :class:`CheckResult` of a folder of reports, with what its ledger does not vouch for.

    Attributes
    ----------
    unknown : tuple of str
        Files and folders in the folder that its ledger and index do not know (not made by
        a report run into it, or left by one the ledger forgot): a teacher's own file, or
        something copied in. They are listed, never removed, by ``check-outputs``.
    stale : tuple of str
        Report files made from an older consent register than the workspace's.
    """

    unknown: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the check found nothing: no identifier, no unknown file, no stale report."""
        return not (self.finds or self.unknown or self.stale)


def check_outputs(folder: str | Path, workspace: str | Path) -> CheckResult:
    """Scan the outputs in ``folder`` for the identifiers of ``workspace``'s people.

    Parameters
    ----------
    folder : path
        A folder of reports (or one file).
    workspace : path
        The enquiry workspace whose raw files hold the names and ids to look for.

    Returns
    -------
    CheckResult
        ``ok`` when nothing was found; otherwise every find with file and place. For a
        folder of reports (it has a run ledger), an :class:`OutputsCheck`.
    """
    folder = Path(folder)
    if not folder.exists():
        return check_folder(folder, Identifiers())  # raises: says which folder is missing
    return OutputChecker(workspace, folder if folder.is_dir() else folder.parent).check(folder)


def describe_check(result: CheckResult) -> str:
    """The message for a check that is not ``ok``: the finds, unknown files, stale reports."""
    parts = [format_finds(result)] if result.finds else []
    unknown = getattr(result, "unknown", ())
    stale = getattr(result, "stale", ())
    if unknown:
        parts.append(f"{result.where} holds {plural(len(unknown), 'file')} that no report run "
                     "into it made (its index does not list them): " + ", ".join(unknown) + ". Check "
                     "them, then move them out of the folder before you share it.")
    if stale:
        parts.append(f"{plural(len(stale), 'report')} in {result.where} {was_or_were(len(stale))} "
                     "made before the consent "
                     "register changed (a pupil may have withdrawn since): "
                     + ", ".join(stale) + ". Make them again before you share the folder "
                     "(any `slc-research report --out` run into it rewrites or removes "
                     "reports; `slc-research slides --to` rewrites decks).")
    return "\n".join(parts)


class OutputChecker:
    """The output check of one workspace, its identifiers read once for many checks.

    Parameters
    ----------
    workspace : path
        The enquiry workspace whose people to look for.
    folder : path
        The output folder: the notebooks its ledger names are the workbench's own words.
    notebooks : iterable of path, optional
        More notebooks whose words are not names (those of a run not yet in the ledger).
    """

    def __init__(self, workspace: str | Path, folder: str | Path,
                 notebooks: Iterable[str | Path] = ()) -> None:
        self.workspace = Path(workspace)
        self.folder = Path(folder)
        self.notebooks = tuple(Path(n) for n in notebooks)
        self._identifiers: Identifiers | None = None
        self._seen: dict = {}  # finds by (path in the scanned folder, hash of the bytes)

    @property
    def identifiers(self) -> Identifiers:
        """What to look for (read from the workspace's raw files on first use)."""
        if self._identifiers is None:
            words = notebook_words(self.folder, self.notebooks)
            self._identifiers = workspace_identifiers(self.workspace, extra_words=words)
        return self._identifiers

    def scan(self, path: str | Path) -> CheckResult:
        """Scan a file or a folder for the identifiers; nothing else.

        A file this checker scanned before with the same bytes, under the same name, is
        not read again: a report checked before it was put in place is not scanned a
        second time with its folder.
        """
        return check_folder(Path(path), self.identifiers, self._seen)

    def check(self, path: str | Path) -> CheckResult:
        """Scan ``path``; for a folder of reports, also list unknown files and stale reports."""
        path = Path(path)
        result = self.scan(path)
        if not (path.is_dir() and (path / LEDGER_NAME).is_file()):
            return result
        ledger = read_ledger(path)
        fields = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
        ident = self.identifiers  # file names are shown masked, as the finds are
        return OutputsCheck(**fields,
                            unknown=tuple(masked(p.name, ident)
                                          for p in unknown_files(path, ledger)),
                            stale=tuple(masked(name, ident) for name in
                                        stale_reports(path, consent_digest(self.workspace),
                                                      ledger)))


def notebook_words(folder: Path, notebooks: Iterable[str | Path] = ()) -> set[str]:
    """Words the workbench itself wrote into the outputs: in notebooks and the methods registry.

    The words of the case-study notebooks, of ``notebooks``, and of any notebook a run
    ledger in ``folder`` names (their prose and code, not their outputs), and of the
    methods registry and its references (the authors ``slc-research export`` cites).
    """
    paths = (set(notebook_files())
             | {Path(__file__).with_name(f) for f in ("methods.py", "references.py")}
             | {Path(n) for n in notebooks})
    try:  # the run ledger, read without importing the runner
        ledger = json.loads((folder / LEDGER_NAME).read_text(encoding="utf-8"))["reports"]
        paths.update(Path(e["notebook"]) for e in ledger.values()
                     if isinstance(e, dict) and e.get("notebook"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    words: set[str] = set(page_words())
    for p in paths:
        try:
            words |= words_of([p.read_text(encoding="utf-8")])
        except OSError:
            continue
    return words


@functools.cache
def page_words() -> frozenset[str]:
    """The words of a report page around its content: its markup and style sheet.

    A report page carries JupyterLab's style sheet ("placeholder", "border", "shadow"...):
    a pupil whose surname is one of those words is still found by full name, not in every
    page's style sheet. They are those of an empty notebook exported as a staff and as a
    research page; a single report's helper process works them out while the report runs
    (:mod:`slc_research.report.sidecar`) and is asked for them first.
    """
    from slc_research.charts.render import server_request

    reply = server_request({"page_words": True})
    if reply is not None and isinstance(reply.get("page_words"), list):
        return frozenset(reply["page_words"])
    import nbformat

    from slc_research.report.html_export import report_exporter

    empty = nbformat.v4.new_notebook()
    return frozenset(words_of([report_exporter(show_code=show).to_html(empty, title="")
                               for show in (False, True)]))
