"""One report of a batch, as a worker runs it, and putting it in place.

:func:`run_one` is what a worker runs (a thread here, or a Dask worker): a module-level
function taking a :class:`RunTask` of plain values and returning a picklable
:class:`RunOutcome`. It writes the report into the run's staging folder and keeps it
only while the run still holds the output folder (its token,
:func:`~slc_research.report.folder.holds_folder`); the runner then checks it and moves
it into place (:func:`put_in_place`).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slc_research.errors import OutputLeakError
from slc_research.report.check import OutputChecker
from slc_research.report.execute import ReportError, ReportResult, run_report
from slc_research.report.folder import holds_folder
from slc_research.report.sharing import publish
from slc_research.words import plural

__all__ = ["RunOutcome", "RunTask", "discard", "failed_result", "put_in_place", "run_one"]


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to run one report (plain, picklable values)."""

    name: str
    notebook: str
    workspace: str
    out_dir: str
    parameters: dict[str, Any] = field(default_factory=dict)
    audience: str = "staff"
    inputs: str = ""
    kernel_name: str = "slc-research"
    timeout: int = 600
    engine: str | None = None
    #: The folder the report is written into before it is checked (default ``out_dir``).
    staging: str = ""
    #: The run's token: the report is kept only while the lock of ``out_dir`` holds it.
    token: str = ""


@dataclass(frozen=True)
class RunOutcome:
    """One report of a batch: its result, and what the runner knows beyond it.

    Attributes
    ----------
    result : ReportResult
        As :func:`~slc_research.report.execute.run_report` returns it (a skipped
        report: its ledger entry, with ``duration`` 0).
    inputs : str
        The hash of the report's inputs.
    skipped : bool
        True when the report was up to date and not run.
    cell_index, ename, evalue : optional
        For a failure: the failing cell and the error raised in it.
    """

    result: ReportResult
    inputs: str = ""
    skipped: bool = False
    cell_index: int | None = None
    ename: str | None = None
    evalue: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the report was written (or was up to date)."""
        return self.result.ok

    @property
    def name(self) -> str:
        """The report's name."""
        return self.result.name


def run_one(task: RunTask) -> RunOutcome:
    """Run one report; never raises (a failure is a failed :class:`RunOutcome`).

    With a ``token``, the report is written into ``task.staging`` and kept there only
    while the run still holds ``task.out_dir`` (the runner then checks it and moves it
    into place); a task whose run has stopped discards its report.
    """
    started = time.perf_counter()
    try:
        result = _run_report(task)
    except ReportError as exc:
        return RunOutcome(failed_result(task, exc, started), task.inputs, False, exc.cell_index,
                          exc.ename, exc.evalue)
    except Exception as exc:  # any other failure is one failed report, not a stopped batch
        return RunOutcome(failed_result(task, exc, started), task.inputs, False, None,
                          type(exc).__name__, str(exc))
    if task.token and not holds_folder(task.out_dir, task.token):
        return discard(task, result, started)
    return RunOutcome(result, task.inputs)


def discard(task: RunTask, result: ReportResult, started: float) -> RunOutcome:
    """Remove the report ``result`` a task wrote after its run stopped; a failed outcome."""
    if result.html is not None and Path(result.html).parent != Path(task.out_dir):
        Path(result.html).unlink(missing_ok=True)
    why = ("its batch run has stopped (the command was closed or killed, or another run "
           "holds the folder now), so the report was not written")
    return RunOutcome(failed_result(task, why, started), task.inputs, ename="Discarded", evalue=why)


def _run_report(task: RunTask) -> ReportResult:
    options: dict[str, Any] = {"name": task.name, "kernel_name": task.kernel_name,
                               "timeout": task.timeout, "audience": task.audience}
    if task.engine is not None:
        options["engine"] = task.engine
    return run_report(task.notebook, task.workspace, task.staging or task.out_dir,
                      parameters=task.parameters, **options)


def put_in_place(outcome: RunOutcome, task: RunTask, out_dir: Path,
                 checker: OutputChecker | None) -> RunOutcome:
    """Check a staged report and move it into ``out_dir``; a failed outcome if it leaks."""
    if not outcome.ok or outcome.result.html is None or not task.staging:
        return outcome
    staged = Path(outcome.result.html)
    target = out_dir / staged.name
    started = time.perf_counter() - outcome.result.duration
    try:
        moved = publish(staged, target, checker, still_ours=(
            (lambda: holds_folder(out_dir, task.token)) if task.token else None))
    except OutputLeakError as exc:
        finds = exc.check.finds
        why = (f"withheld: the output check found "
               f"{plural(len(finds), 'possible identifier')} of a person in it. Remove the name or id at its source and run it again.")
        # the places (masked) are printed, never stored in the ledger or the index
        where = "; ".join(str(f) for f in finds[:10]) + (" ..." if len(finds) > 10 else "")
        return RunOutcome(failed_result(task, why, started), task.inputs, ename="Withheld",
                          evalue=f"{why} Found at: {where}")
    if not moved:
        return discard(task, outcome.result, started)
    return dataclasses.replace(outcome, result=dataclasses.replace(outcome.result, html=target))


def failed_result(task: RunTask, exc: BaseException | str, started: float) -> ReportResult:
    """The result of ``task`` that failed with ``exc`` after starting at ``started``."""
    return ReportResult.failed(task.name, task.notebook, exc, parameters=task.parameters,
                               duration=time.perf_counter() - started)


