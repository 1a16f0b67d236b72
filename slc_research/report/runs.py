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
- Runs are resumable: ``out_dir/.slc-runs.json`` (the ledger) records, per
  report, a hash of its inputs (notebook file, parameters, workspace cache key,
  audience, package version), its status and records. A report whose inputs
  are unchanged and whose HTML exists is skipped (``force`` reruns it). Every
  file is written to a temporary file and renamed, and the ledger is updated
  after each report, so a killed run leaves no half-written report and a rerun
  does only what is missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slc_research.errors import ConfigError
from slc_research.report.batch import PlannedReport
from slc_research.report.execute import ReportError, ReportResult, run_report
from slc_research.report.index import write_index
from slc_research.report.progress import Progress, failure_table
from slc_research.workspace.atomic import write_atomic

__all__ = ["LEDGER_NAME", "LOCK_NAME", "BatchRun", "RunOutcome", "RunTask", "input_hash",
           "read_ledger", "run_batch", "run_one"]

#: The ledger of a report folder: report name -> inputs hash, status, records.
LEDGER_NAME = ".slc-runs.json"
#: Held while a batch writes into a folder (two runs into one folder would clash).
LOCK_NAME = ".slc-runs.lock"


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


@dataclass(frozen=True)
class BatchRun:
    """The outcome of :func:`run_batch`: every report in plan order, and the index page."""

    outcomes: tuple[RunOutcome, ...]
    index: Path
    #: What ``check-outputs`` found in the folder after the run (a find fails the run).
    check: Any = None

    @property
    def leaks(self) -> tuple:
        """The identifiers found in the outputs (empty when the check passed or did not run)."""
        return () if self.check is None else tuple(self.check.finds)

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


# --- one report (what a worker runs) ---------------------------------------------------------

def run_one(task: RunTask) -> RunOutcome:
    """Run one report; never raises (a failure is a failed :class:`RunOutcome`)."""
    started = time.perf_counter()
    try:
        result = _run_report(task)
    except ReportError as exc:
        return RunOutcome(_failed(task, exc, started), task.inputs, False, exc.cell_index,
                          exc.ename, exc.evalue)
    except Exception as exc:  # any other failure is one failed report, not a stopped batch
        return RunOutcome(_failed(task, exc, started), task.inputs, False, None,
                          type(exc).__name__, str(exc))
    return RunOutcome(result, task.inputs)


def _run_report(task: RunTask) -> ReportResult:
    options: dict[str, Any] = {"name": task.name, "kernel_name": task.kernel_name,
                               "timeout": task.timeout, "audience": task.audience}
    if task.engine is not None:
        options["engine"] = task.engine
    return run_report(task.notebook, task.workspace, task.out_dir, parameters=task.parameters,
                      **options)


def _failed(task: RunTask, exc: BaseException, started: float) -> ReportResult:
    return ReportResult.failed(task.name, task.notebook, exc, parameters=task.parameters,
                               duration=time.perf_counter() - started)


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


def read_ledger(out_dir: str | Path) -> dict[str, dict[str, Any]]:
    """The ledger of ``out_dir``: report name -> entry ({} when absent or unreadable)."""
    path = Path(out_dir) / LEDGER_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    reports = data.get("reports") if isinstance(data, dict) else None
    return reports if isinstance(reports, dict) else {}


def _write_ledger(out_dir: Path, ledger: dict[str, dict[str, Any]]) -> None:
    text = json.dumps({"format": 1, "reports": ledger}, indent=1, sort_keys=True, default=str)
    write_atomic(out_dir / LEDGER_NAME, text, durable=False)


def _entry(outcome: RunOutcome, audience: str) -> dict[str, Any]:
    r = outcome.result
    return {"inputs": outcome.inputs, "status": r.status, "records": r.records,
            "notebook": str(r.notebook), "audience": audience,
            "parameters": {k: v for k, v in r.parameters.items() if k != "workspace"},
            "html": None if r.html is None else Path(r.html).name, "error": r.error,
            "cell": outcome.cell_index, "duration": round(r.duration, 2),
            "finished": datetime.now(UTC).isoformat(timespec="seconds")}


def _skipped(report: PlannedReport, entry: dict[str, Any], out_dir: Path) -> RunOutcome:
    result = ReportResult(report.name, report.notebook, out_dir / f"{report.name}.html", "ok",
                          dict(report.parameters), dict(entry.get("records") or {}))
    return RunOutcome(result, str(entry["inputs"]), skipped=True)


@contextmanager
def _folder_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``out_dir``'s lock (released by the system even if the process is killed)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; run one batch per folder at a time
        yield
        return
    with open(out_dir / LOCK_NAME, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ConfigError(f"another slc-research report is writing into {out_dir}; wait for "
                              "it to finish or choose another --out folder.", key="--out") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _remove_stale_temporaries(out_dir: Path) -> None:
    """Temporary files a killed run left behind (``.<name>.<random>.tmp``)."""
    for tmp in out_dir.glob(".*.tmp"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)


# --- the batch -------------------------------------------------------------------------------

def run_batch(plan: Sequence[PlannedReport], workspace: str | Path, out_dir: str | Path, *,
              workspace_key: str, title: str, scheduler: str | None = None,
              workers: int | None = None, force: bool = False, quiet: bool = False,
              kernel_name: str = "slc-research", timeout: int = 600,
              engine: str | None = None, check: bool = True) -> BatchRun:
    """Run ``plan`` and write the reports, the ledger and ``out_dir/index.html``.

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
    engine : {"fresh", "warm", "auto"}, optional
        How kernels start (:func:`~slc_research.report.execute.run_report`'s
        default when None).
    check : bool
        Scan every file in ``out_dir`` for names, real ids and other identifiers of the
        workspace's people afterwards (:func:`slc_research.report.check.check_outputs`);
        the finds are on ``BatchRun.leaks``.

    Returns
    -------
    BatchRun
    """
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with _folder_lock(out_dir):
        return _run_batch(plan, workspace, out_dir, workspace_key=workspace_key, title=title,
                          scheduler=scheduler, workers=workers, force=force, quiet=quiet,
                          kernel_name=kernel_name, timeout=timeout, engine=engine,
                          check=check)


def _run_batch(plan: Sequence[PlannedReport], workspace: str | Path, out_dir: Path, *,
               workspace_key: str, title: str, scheduler: str | None, workers: int | None,
               force: bool, quiet: bool, kernel_name: str, timeout: int,
               engine: str | None, check: bool = True) -> BatchRun:
    _remove_stale_temporaries(out_dir)
    workspace = str(Path(workspace).resolve())
    ledger = read_ledger(out_dir)
    outcomes: dict[str, RunOutcome] = {}
    tasks: list[tuple[RunTask, str]] = []
    for report in plan:
        inputs = input_hash(report.notebook, report.parameters, workspace_key, report.audience)
        entry = ledger.get(report.name) or {}
        if (not force and entry.get("inputs") == inputs and entry.get("status") == "ok"
                and (out_dir / f"{report.name}.html").is_file()):
            outcomes[report.name] = _skipped(report, entry, out_dir)
            continue
        tasks.append((RunTask(report.name, str(report.notebook), workspace, str(out_dir),
                              dict(report.parameters), report.audience, inputs, kernel_name,
                              timeout, engine), report.audience))

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
        progress = Progress(len(plan), skipped=len(outcomes), workers=workers, quiet=quiet)
        if not quiet and tasks:
            where = f"the Dask cluster at {scheduler}" if scheduler else "this computer"
            at_once = min(workers, len(tasks))
            progress.bar.write(f"Running {len(tasks)} of {len(plan)} report(s) on {where}, "
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
                    outcome = RunOutcome(_failed(task, exc, time.perf_counter()), task.inputs,
                                         ename=type(exc).__name__, evalue=str(exc))
                outcomes[task.name] = outcome
                ledger[task.name] = _entry(outcome, audience)
                _write_ledger(out_dir, ledger)
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

    ordered = tuple(outcomes[r.name] for r in plan)
    index = write_index(out_dir, [o.result for o in ordered], title=title)
    from slc_research.report.check import check_outputs

    run = BatchRun(ordered, index, check_outputs(out_dir, workspace) if check else None)
    if not quiet:
        _summary(run, progress.stream)
    return run


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
        print(f"\n{len(rows)} report(s) failed:\n{failure_table(rows)}\n", file=stream)
    n_ok = len(run.outcomes) - len(rows)
    print(f"{n_ok} of {len(run.outcomes)} report(s) ready ({len(run.ran) - len(rows)} written, "
          f"{len(run.skipped)} up to date); index: {run.index}", file=stream)
