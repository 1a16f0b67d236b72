"""Run a batch of reports: in parallel, resumably, and on a Dask cluster if asked.

This is what ``slc-research report`` does once the batch is planned
(:mod:`slc_research.report.batch`):

- Reports run in parallel, one worker per core (a thread each; every report
  has its own kernel process and absolute paths, so nothing is shared), or, with
  a scheduler address, on an existing Dask distributed cluster through the
  same ``concurrent.futures`` interface. What a worker runs is
  :func:`run_one`: a module-level function taking a :class:`RunTask` of plain
  values and returning a picklable :class:`RunOutcome`.
- A failing report does not stop the others: it becomes a failed outcome
  (with its cell and error), listed at the end.
- Runs are resumable: ``out_dir/.slc-runs.json`` (the ledger,
  :mod:`slc_research.report.folder`) records, per report, a hash of its inputs
  (notebook file, parameters, workspace cache key, audience, package version),
  the content hash of the consent register, its status and records. A report
  whose inputs are unchanged and whose HTML exists is skipped (``force`` reruns
  it). The ledger is updated after each report, so a killed run leaves no
  half-written report and a rerun does only what is missing.
- A report is written into a staging folder, checked for the workspace's
  names and ids (:func:`slc_research.report.sharing.publish`) and renamed into
  place only if the check found nothing and the run still holds the folder's
  lock (its token, :func:`~slc_research.report.folder.holds_folder`): a report
  with a find is withheld (a failed report), and a task orphaned by a stopped
  run writes nothing.
- After every run the folder holds only what its ledger knows and the index
  lists: a report of an earlier run that is not in this batch is kept (and
  listed) while it was made from the current consent register, and otherwise
  made again (or removed if that fails); a report page the ledger does not
  know is removed; any other file is left in place and named
  (:attr:`BatchRun.notes`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slc_research.errors import ConfigError
from slc_research.privacy.output_check import masked
from slc_research.report.batch import PlannedReport, batch_of_one
from slc_research.report.check import OutputChecker
from slc_research.report.execute import ReportResult
from slc_research.report.folder import (
    LEDGER_NAME,
    LOCK_NAME,
    consent_digest,
    folder_lock,
    is_our_report,
    read_ledger,
    remove,
    remove_stale_temporaries,
    unknown_files,
    write_ledger,
)
from slc_research.report.index import write_index
from slc_research.report.progress import Progress, failure_table
from slc_research.report.sharing import staging_folder
from slc_research.report.tasks import RunOutcome, RunTask, failed_result, put_in_place, run_one
from slc_research.words import plural

__all__ = ["LEDGER_NAME", "LOCK_NAME", "BatchRun", "RunOutcome", "RunTask", "input_hash",
           "batch_of_one", "one_report_in_process", "read_ledger", "run_batch", "run_one"]


@dataclass(frozen=True)
class BatchRun:
    """The outcome of :func:`run_batch`: every report in plan order, and the index page."""

    outcomes: tuple[RunOutcome, ...]
    index: Path
    #: What ``check-outputs`` found in the folder after the run (a find fails the run).
    check: Any = None
    #: What the run did to the folder beyond this batch: reports of earlier runs made
    #: again or removed, files it does not know (each naming the file).
    notes: tuple[str, ...] = ()

    @property
    def leaks(self) -> tuple:
        """The identifiers found in the outputs (empty when the check passed or did not run)."""
        return () if self.check is None else tuple(self.check.finds)

    @property
    def passed_check(self) -> bool:
        """Whether the folder passed the output check (True when it did not run)."""
        return self.check is None or self.check.ok

    @property
    def failures(self) -> list[RunOutcome]:
        """The reports that failed, in plan order."""
        return [o for o in self.outcomes if not o.ok]

    @property
    def ran(self) -> list[RunOutcome]:
        """The reports run this time (not skipped as up to date)."""
        return [o for o in self.outcomes if not o.skipped]

    @property
    def skipped(self) -> list[RunOutcome]:
        """The reports skipped as up to date."""
        return [o for o in self.outcomes if o.skipped]


# --- resuming --------------------------------------------------------------------------------

def input_hash(notebook: str | Path, parameters: dict[str, Any], workspace_key: str,
               audience: str) -> str:
    """A hash of everything a report depends on: equal hashes, equal reports.

    The notebook file, the parameters, the workspace's cache key, the audience and the
    slc-research version.
    """
    from slc_research import __version__

    payload = {"notebook": hashlib.sha256(Path(notebook).read_bytes()).hexdigest(),
               "parameters": parameters, "workspace": workspace_key, "audience": audience,
               "version": __version__}
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _entry(outcome: RunOutcome, audience: str, consent: str | None) -> dict[str, Any]:
    r = outcome.result
    return {"inputs": outcome.inputs, "status": r.status, "records": r.records,
            "notebook": str(r.notebook), "audience": audience,
            "parameters": {k: v for k, v in r.parameters.items() if k != "workspace"},
            "html": None if r.html is None else Path(r.html).name, "error": r.error,
            "cell": outcome.cell_index, "duration": round(r.duration, 2), "consent": consent,
            "finished": datetime.now(UTC).isoformat(timespec="seconds")}


def _skipped(report: PlannedReport, entry: dict[str, Any], out_dir: Path,
             status: str = "ok") -> RunOutcome:
    result = ReportResult(report.name, report.notebook, out_dir / f"{report.name}.html", status,
                          dict(report.parameters), dict(entry.get("records") or {}))
    return RunOutcome(result, str(entry.get("inputs") or ""), skipped=True)


def _earlier_reports(plan: Sequence[PlannedReport], ledger: dict[str, dict[str, Any]],
                     out_dir: Path, workspace_key: str, consent: str,
                     notes: list[str]) -> tuple[list[RunOutcome], list[PlannedReport]]:
    """The reports of earlier runs in the folder that ``plan`` does not hold.

    Returns the ones kept (made from the current consent register; status ``"skipped"``
    when still up to date, else ``"earlier"``) and the ones to make again (made from an
    older consent register, or whose last run failed). One whose notebook is gone is
    removed at once.
    """
    planned = {r.name for r in plan}
    kept: list[RunOutcome] = []
    again: list[PlannedReport] = []
    for name, entry in sorted(ledger.items()):
        html = out_dir / f"{name}.html"
        if name in planned or not html.is_file():
            continue
        notebook = Path(str(entry.get("notebook") or ""))
        params = dict(entry.get("parameters") or {})
        audience = str(entry.get("audience") or "staff")
        if not notebook.is_file():
            if entry.get("consent") != consent:
                html.unlink(missing_ok=True)
                notes.append(f"Removed {html.name}: it was made from an older consent register "
                             f"and its notebook ({notebook.name}) is gone, so it cannot be "
                             "made again.")
                continue
            kept.append(_skipped(PlannedReport(name, notebook, params, audience), entry,
                                 out_dir, "earlier"))
            continue
        report = PlannedReport(name, notebook, params, audience, "an earlier run")
        if entry.get("consent") != consent or entry.get("status") != "ok":
            again.append(report)
            continue
        current = input_hash(notebook, params, workspace_key, audience) == entry.get("inputs")
        kept.append(_skipped(report, entry, out_dir, "ok" if current else "earlier"))
    return kept, again


def _tidy(out_dir: Path, ledger: dict[str, dict[str, Any]], consent: str,
          again: Sequence[PlannedReport], outcomes: dict[str, RunOutcome],
          shown: Callable[[str], str]) -> list[str]:
    """Leave in ``out_dir`` only what its ledger knows; what was done, a line per file.

    A file the ledger does not know is named as ``shown`` gives it (identifiers masked).
    """
    notes = []
    for report in again:
        if outcomes[report.name].ok:
            notes.append(f"Rewrote {report.name}.html: a report of an earlier run into this "
                         "folder, not in this batch, made from an older consent register.")
    for name, entry in sorted(ledger.items()):
        html = out_dir / f"{name}.html"
        if html.is_file() and entry.get("consent") != consent:
            html.unlink()
            notes.append(f"Removed {html.name}: it was made from an older consent register "
                         "and could not be made again (see the failures above).")
    for path in unknown_files(out_dir, ledger):
        if is_our_report(path):
            remove(path)
            notes.append(f"Removed {shown(path.name)}: a report page that this folder's run ledger "
                         f"({LEDGER_NAME}) does not know, so it may be out of date.")
        else:
            notes.append(f"{shown(path.name)} was not made by a report run into this folder: it "
                         "was left in place; check it, and move it out before you share the "
                         "folder.")
    return notes


def _earlier_pdfs(outcomes: Iterable[RunOutcome]) -> list[str]:
    """Remove the PDF of each page this run wrote again: it shows the page it replaced.

    A page made again after a pupil withdrew no longer holds them; the PDF made from the
    page before does (``report --pdf`` makes it again from the new page).
    """
    notes = []
    for outcome in outcomes:
        if not outcome.ok or outcome.skipped or outcome.result.html is None:
            continue
        page = Path(outcome.result.html)
        pdf = page.with_suffix(".pdf")
        if pdf.is_file() and page.is_file() and pdf.stat().st_mtime_ns < page.stat().st_mtime_ns:
            pdf.unlink()
            notes.append(f"Removed {pdf.name}: it was made from the page this run replaced "
                         f"({page.name}); --pdf makes it from the new page.")
    return notes


# --- the batch -------------------------------------------------------------------------------

def run_batch(plan: Sequence[PlannedReport], workspace: str | Path, out_dir: str | Path, *,
              workspace_key: str, title: str, scheduler: str | None = None,
              workers: int | None = None, force: bool = False, quiet: bool = False,
              kernel_name: str = "slc-research", timeout: int = 600,
              engine: str | None = None, check: bool = True,
              not_run: Sequence[str] = ()) -> BatchRun:
    """Run ``plan`` and write the reports, the ledger and ``out_dir/index.html``.

    Reports of earlier runs into ``out_dir`` that ``plan`` does not hold are kept and
    listed in the index while they were made from the current consent register, and
    made again otherwise (removed if that fails); a report page the ledger does not know
    is removed; any other file is left and named (:attr:`BatchRun.notes`).

    Parameters
    ----------
    plan : sequence of PlannedReport
        From :func:`slc_research.report.batch.expand_batch`.
    workspace : path
        The enquiry workspace (open it once before, so that it is validated and cached).
    out_dir : path
    workspace_key : str
        The workspace's cache key (:attr:`Enquiry.cache_key`).
    title : str
        The index page's heading.
    scheduler : str, optional
        The address of a Dask distributed scheduler (``tcp://host:8786``); default
        run here, ``workers`` at once (default one per core).
    force : bool
        Rerun reports that are up to date.
    quiet : bool
        No progress bar and no summary.
    kernel_name, timeout : optional
        As :func:`~slc_research.report.execute.run_report`.
    engine : {"fresh", "warm", "auto", "inprocess"}, optional
        How kernels start (:func:`~slc_research.report.execute.run_report`'s
        default when None). When None or ``"auto"`` and only one report is to be
        run here (no scheduler), it runs in this process with no kernel
        (``"inprocess"``, :func:`one_report_in_process`): a teacher's first report
        waits for no kernel and no second import of the stack.
    check : bool
        Check each report for names, real ids and other identifiers of the workspace's
        people before it is put in place (a report with a find is withheld: a failed
        report), and scan every file in ``out_dir`` afterwards
        (:func:`slc_research.report.check.check_outputs`); the finds are on
        ``BatchRun.leaks``.
    not_run : sequence of str
        The reports not run because their case study does not apply to the enquiry, a line
        each (:attr:`PlannedReport.not_run`): listed on the index page in a calm line.

    Returns
    -------
    BatchRun
    """
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with folder_lock(out_dir) as token:
        return _run_batch(plan, workspace, out_dir, token, workspace_key=workspace_key,
                          title=title, scheduler=scheduler, workers=workers, force=force,
                          quiet=quiet, kernel_name=kernel_name, timeout=timeout,
                          engine=engine, check=check, not_run=not_run)


def _run_batch(plan: Sequence[PlannedReport], workspace: str | Path, out_dir: Path, token: str,
               *, workspace_key: str, title: str, scheduler: str | None, workers: int | None,
               force: bool, quiet: bool, kernel_name: str, timeout: int,
               engine: str | None, check: bool = True,
               not_run: Sequence[str] = ()) -> BatchRun:
    remove_stale_temporaries(out_dir)
    workspace = str(Path(workspace).resolve())
    ledger = read_ledger(out_dir)
    consent = consent_digest(workspace)
    notes: list[str] = []
    kept, again = _earlier_reports(plan, ledger, out_dir, workspace_key, consent, notes)
    todo = [*plan, *again]
    staging = staging_folder(out_dir)
    outcomes: dict[str, RunOutcome] = {}
    tasks: list[tuple[RunTask, str]] = []
    for report in todo:
        inputs = input_hash(report.notebook, report.parameters, workspace_key, report.audience)
        entry = ledger.get(report.name) or {}
        if (not force and entry.get("inputs") == inputs and entry.get("status") == "ok"
                and (out_dir / f"{report.name}.html").is_file()):
            outcomes[report.name] = _skipped(report, entry, out_dir)
            entry["consent"] = consent  # equal inputs: made from this consent register
            continue
        tasks.append((RunTask(report.name, str(report.notebook), workspace, str(out_dir),
                              dict(report.parameters), report.audience, inputs, kernel_name,
                              timeout, engine, str(staging), token), report.audience))
    if one_report_in_process(len(tasks), engine, scheduler):
        tasks = [(dataclasses.replace(task, engine="inprocess"), audience)
                 for task, audience in tasks]
    checker = OutputChecker(workspace, out_dir, {str(r.notebook) for r in todo})
    try:
        progress = _execute(tasks, outcomes, ledger, out_dir, consent,
                            checker if check else None, scheduler=scheduler, workers=workers,
                            quiet=quiet, total=len(todo))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        from slc_research.report.in_process import end_in_process_report

        end_in_process_report()  # what the command line switched on for an in-process report
    notes += _tidy(out_dir, ledger, consent, again, outcomes,
                   lambda name: masked(name, checker.identifiers))
    notes += _earlier_pdfs(outcomes.values())
    write_ledger(out_dir, ledger)
    ordered = (*(outcomes[r.name] for r in todo), *kept)
    index = write_index(out_dir, [o.result for o in ordered], title=title, not_run=not_run)
    # the folder's check, by the checker that checked each report: the workspace's names
    # and ids are read from its raw files once per run, not twice
    run = BatchRun(ordered, index, checker.check(out_dir) if check else None, tuple(notes))
    if not quiet:
        _summary(run, progress.stream)
    return run


def one_report_in_process(n_reports: int, engine: str | None, scheduler: str | None) -> bool:
    """Whether a run of ``n_reports`` reports runs its one report in this process, kernel-less.

    True for one report run here (no ``scheduler``) with no engine asked for (None or
    ``"auto"``), when no IPython shell runs in this process: one report's kernel, and the
    second import of the stack it makes, cost more than the report itself.
    """
    if n_reports != 1 or scheduler or engine not in (None, "auto"):
        return False
    from slc_research.report.in_process import can_run_here

    return can_run_here()


def _execute(tasks: list[tuple[RunTask, str]], outcomes: dict[str, RunOutcome],
             ledger: dict[str, dict[str, Any]], out_dir: Path, consent: str,
             checker: OutputChecker | None, *, scheduler: str | None, workers: int | None,
             quiet: bool, total: int) -> Progress:
    """Run ``tasks``, put each report in place as it finishes, and keep the ledger."""
    client = None
    try:
        if scheduler:
            from distributed import Client

            try:
                client = Client(scheduler, timeout="20s")
            except (OSError, ValueError) as exc:
                raise ConfigError(f"could not reach a Dask scheduler at {scheduler!r} ({exc}). "
                                  "Check the address (e.g. tcp://10.0.0.5:8786) and that the "
                                  "cluster is running.", key="--scheduler") from None
            executor: Executor = client.get_executor(pure=False)
            workers = sum(client.nthreads().values()) or 1
        else:
            workers = workers or os.cpu_count() or 1
            executor = ThreadPoolExecutor(max_workers=workers)
        progress = Progress(total, skipped=len(outcomes), workers=workers, quiet=quiet)
        if not quiet and tasks:
            where = f"the Dask cluster at {scheduler}" if scheduler else "this computer"
            at_once = min(workers, len(tasks))
            progress.bar.write(f"Running {len(tasks):,} of {plural(total, 'report')} on {where}, "
                               f"{at_once} at a time ({len(outcomes)} up to date).",
                               file=progress.stream)
        try:
            futures: dict[Future, tuple[RunTask, str]] = {
                executor.submit(run_one, task): (task, audience) for task, audience in tasks}
            for future in as_completed(futures):
                task, audience = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # the worker itself died (e.g. a Dask KilledWorker)
                    outcome = RunOutcome(failed_result(task, exc, time.perf_counter()), task.inputs,
                                         ename=type(exc).__name__, evalue=str(exc))
                outcome = put_in_place(outcome, task, out_dir, checker)
                outcomes[task.name] = outcome
                # a failed report's earlier page (if any) keeps the consent it was made from
                made_from = consent if outcome.ok else (ledger.get(task.name) or {}).get(
                    "consent")
                ledger[task.name] = _entry(outcome, audience, made_from)
                write_ledger(out_dir, ledger)
                progress.finished(task.name, outcome.ok, outcome.result.duration)
        except BaseException:
            _abandon(executor)
            raise
        finally:
            progress.close()
        executor.shutdown(wait=True)
    finally:
        if client is not None:
            client.close()
    return progress


def _abandon(executor: Executor) -> None:
    """Stop an executor without waiting, dropping the reports not yet started."""
    try:
        executor.shutdown(wait=False, cancel_futures=True)
    except TypeError:  # Dask's executor has no cancel_futures
        executor.shutdown(wait=False)


def _summary(run: BatchRun, stream: Any) -> None:
    rows = [{"name": o.name, "notebook": Path(o.result.notebook).stem,
             "parameters": o.result.parameters, "cell": o.cell_index,
             "error": f"{o.ename}: {o.evalue}" if o.ename else o.result.error}
            for o in run.failures]
    if rows:
        print(f"\n{plural(len(rows), 'report')} failed:\n{failure_table(rows)}\n", file=stream)
    for note in run.notes:
        print(note, file=stream)
    n_ok = len(run.outcomes) - len(rows)
    print(f"{n_ok:,} of {plural(len(run.outcomes), 'report')} ready ({len(run.ran) - len(rows)} written, "
          f"{len(run.skipped)} up to date); index: {run.index}", file=stream)
