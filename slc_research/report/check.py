"""``slc-research check-outputs`` for a workspace: its people's identifiers looked for in outputs.

The scan itself is :mod:`slc_research.privacy.output_check` (told what to look for); the
identifiers come from the workspace's raw files
(:func:`slc_research.workspace.identifiers.workspace_identifiers`); the words of the
notebooks that made the outputs are not names (:func:`notebook_words`).
"""

from __future__ import annotations

import json
from pathlib import Path

from slc_research.privacy.identifiers import Identifiers, words_of
from slc_research.privacy.output_check import CheckResult, check_folder
from slc_research.report.catalogue import notebook_files
from slc_research.workspace.identifiers import workspace_identifiers

__all__ = ["check_outputs", "notebook_words"]


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
        ``ok`` when nothing was found; otherwise every find with file and place.
    """
    folder = Path(folder)
    root = folder if folder.is_dir() else folder.parent
    if not folder.exists():
        return check_folder(folder, Identifiers())  # raises: says which folder is missing
    return check_folder(folder, workspace_identifiers(workspace,
                                                      extra_words=notebook_words(root)))


def notebook_words(folder: Path) -> set[str]:
    """Words the workbench itself wrote into the outputs: in notebooks and the methods registry.

    The words of the case-study notebooks and of any notebook a run ledger in ``folder``
    names (their prose and code, not their outputs), and of the methods registry (the authors
    of the references ``slc-research export`` cites).
    """
    paths = set(notebook_files()) | {Path(__file__).with_name("methods.py")}
    try:  # the run ledger (report.runs.LEDGER_NAME), read here without importing the runner
        ledger = json.loads((folder / ".slc-runs.json").read_text(encoding="utf-8"))["reports"]
        paths.update(Path(e["notebook"]) for e in ledger.values()
                     if isinstance(e, dict) and e.get("notebook"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    words: set[str] = set()
    for p in paths:
        try:
            words |= words_of([p.read_text(encoding="utf-8")])
        except OSError:
            continue
    return words


