"""Run a case-study notebook with Papermill and export it as an offline HTML report.

The notebook runs in a fresh kernel with its parameters injected (the
workspace as an absolute path: the working directory is never changed, so
reports can run in parallel threads). The HTML hides the code, embeds charts
as inline SVG and loads nothing from the network. Files are written through a
temporary file and ``os.replace``, so a report is either complete or absent.
"""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slc_research.errors import ConfigError, ReportError
from slc_research.report.display import (
    EXPORT_MIMETYPES,
    RECORD_MIMETYPE,
    RESEARCH_TABLE_MIMETYPE,
    read_records,
)
from slc_research.report.folder import check_report_name
from slc_research.report.sanitise import ids_of_its_own, safe_svg
from slc_research.workspace.atomic import write_atomic

__all__ = ["AUDIENCES", "ReportError", "ReportResult", "export_html", "run_report"]

@dataclass(frozen=True)
class ReportResult:
    """One report run.

    Attributes
    ----------
    name : str
        The report's name (its HTML file is ``<name>.html``).
    notebook : Path
    html : Path or None
        The HTML report; None if the run failed.
    status : str
        ``"ok"`` or ``"failed"``.
    parameters : dict
        The parameters injected.
    records : dict
        Headline results recorded by the notebook (:func:`slc_research.report.record`).
    error : str or None
        What went wrong, for a failed run.
    duration : float
        Seconds taken.
    executed : Path or None
        The executed notebook, when it was kept.
    """

    name: str
    notebook: Path
    html: Path | None
    status: str = "ok"
    parameters: dict[str, Any] = field(default_factory=dict)
    records: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    duration: float = 0.0
    executed: Path | None = None

    @property
    def ok(self) -> bool:
        """Whether the report was written."""
        return self.status == "ok"

    @property
    def school(self) -> str:
        """The school(s) the report covers, from its records ("" if not recorded)."""
        value = self.records.get("school") or self.records.get("schools") or ""
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)

    @property
    def community(self) -> str:
        """The community the report covers, from its records or parameters."""
        return str(self.records.get("community") or self.parameters.get("community") or "")

    @classmethod
    def failed(cls, name: str, notebook: str | Path, error: BaseException | str, *,
               parameters: dict[str, Any] | None = None, duration: float = 0.0) -> ReportResult:
        """The result of a run that raised ``error`` (for a batch runner's index)."""
        return cls(name, Path(notebook), None, "failed", dict(parameters or {}), {},
                   str(error), duration)


def run_report(notebook: str | Path, workspace: str | Path, out_dir: str | Path, *,
               parameters: dict[str, Any], name: str | None = None,
               kernel_name: str = "slc-research", timeout: int = 600,
               keep_executed: str | Path | None = None,
               audience: str = "staff", engine: str = "auto") -> ReportResult:
    """Execute ``notebook`` on ``workspace`` and write ``out_dir/<name>.html``.

    Parameters
    ----------
    notebook : path
        A parameterised notebook (a cell tagged ``parameters``).
    workspace : path
        The enquiry workspace; injected as the absolute ``workspace`` parameter.
    out_dir : path
        Where the HTML goes (created if needed).
    parameters : dict
        Other notebook parameters, e.g. ``{"community": "StuPed"}``. Every name
        must be a parameter of the notebook.
    name : str, optional
        File name of the report without extension; default the notebook's name.
    kernel_name : str, default "slc-research"
    timeout : int, default 600
        Seconds allowed per cell.
    keep_executed : path, optional
        A folder (keep it private, e.g. the workspace's ``.slc-cache``) to keep
        the executed notebook in; by default it is not kept.
    audience : {"staff", "research"}, default "staff"
        Staff reports hide the code; research reports show it.
    engine : {"auto", "warm", "fresh", "inprocess"}, default "auto"
        How the kernel starts. ``"inprocess"``: no kernel; the cells run in this
        process (:mod:`slc_research.report.inprocess_engine`: for a command that
        runs one report, where starting a kernel costs more than the report; one
        report at a time, and never inside a notebook's own kernel, where it falls
        back to ``"auto"``). ``"fresh"``: a new Python process per report.
        ``"warm"``: forked from a per-process zygote that has already imported
        the stack (:mod:`slc_research.report.warm`; still a new process per
        report, so nothing is shared between reports), killed as soon as the
        notebook is done, and the executed notebook is written once at the
        end rather than after every cell (the papermill engine
        ``slc-research-warm``); where fork is not available, or the engine's
        entry point is not installed, it falls back to ``"fresh"`` with a
        warning. ``"auto"``: ``"warm"`` on
        POSIX systems, else ``"fresh"``.

    Returns
    -------
    ReportResult

    Raises
    ------
    ConfigError
        A parameter the notebook does not have.
    ReportError
        The notebook is missing, a cell raised (with ``cell_index``, ``ename``,
        ``evalue``), a cell timed out, or the kernel could not start twice running.
    """
    import papermill

    started = time.perf_counter()
    if audience not in AUDIENCES:
        raise ConfigError(f"audience must be \"staff\" (code hidden) or \"research\" (code "
                          f"shown), not {audience!r}", key="audience")
    notebook = Path(notebook).resolve()
    if not notebook.is_file():
        raise ReportError(f"no notebook at {notebook}", notebook=notebook)
    name = check_report_name(name or notebook.stem)
    known = papermill.inspect_notebook(str(notebook))
    unknown = sorted(set(parameters) - set(known) - {"workspace"})
    if unknown:
        raise ConfigError(f"{notebook.name} has no parameter(s) {unknown}; its parameters are "
                          f"{sorted(known)}", key="parameters")
    if engine not in _ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(_ENGINES)}; got {engine!r}",
                          key="engine")
    params = {**parameters, "workspace": str(Path(workspace).resolve())}
    out_dir = Path(out_dir).resolve()

    with tempfile.TemporaryDirectory(prefix="slc-report-") as tmp:
        executed_path = Path(tmp) / f"{name}.ipynb"
        nb = _execute(notebook, executed_path, params, kernel_name, timeout, engine=engine)
        records = read_records(nb)
        html_path = export_html(nb, out_dir / f"{name}.html",
                                title=str(records.get("title") or name), audience=audience)
        kept = None
        if keep_executed is not None:  # the file papermill wrote, not a second serialisation
            kept = Path(keep_executed).resolve() / f"{name}.ipynb"
            write_atomic(kept, executed_path.read_text(encoding="utf-8"), mode=0o600, durable=False)
    return ReportResult(name, notebook, html_path, "ok", params, records, None,
                        time.perf_counter() - started, kept)


#: Who a report is for: ``staff`` (code hidden) or ``research`` (code shown).
AUDIENCES = ("staff", "research")


def export_html(nb: Any, path: str | Path, *, title: str, audience: str = "staff") -> Path:
    """Write an executed notebook as an offline HTML report (SVG inline).

    Recorded-result outputs, and the copies of tables and chart specs kept for
    ``slc-research export``, are left out; the page title is ``title``. For the
    ``"staff"`` audience the code is hidden; for ``"research"`` (a dissertation
    appendix, a colleague checking the analysis) it is shown.
    """
    if audience not in AUDIENCES:
        raise ConfigError(f"audience must be \"staff\" (code hidden) or \"research\" (code "
                          f"shown), not {audience!r}", key="audience")
    show_code = audience == "research"
    from nbformat import NotebookNode

    from slc_research.report.html_export import report_exporter

    # a shallow copy with the page's outputs only: ``nb`` itself is not changed, and the
    # exporter deep-copies what it is given before it edits anything
    page = NotebookNode({**nb, "metadata": NotebookNode({**nb.metadata, "title": title}),
                         "cells": [_page_cell(cell, research=show_code) for cell in nb.cells]})
    html = report_exporter(show_code=show_code).to_html(page, title=title)
    path = Path(path)
    write_atomic(path, _strip_css_comments(html), durable=False)
    return path


# --- internals -------------------------------------------------------------------------------

_ENGINES = ("fresh", "warm", "auto", "inprocess")


def _execute(notebook: Path, output: Path, params: dict[str, Any], kernel_name: str,
             timeout: int, *, engine: str = "auto") -> Any:
    """Run ``notebook`` with papermill, writing it to ``output``; returns the executed notebook."""
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel
    from papermill.exceptions import PapermillExecutionError

    for attempt in (1, 2):
        try:
            return papermill.execute_notebook(
                str(notebook), str(output), parameters=params, kernel_name=kernel_name,
                progress_bar=False, log_output=False, execution_timeout=timeout,
                **_engine_options(engine, params.get("workspace")))
        except PapermillExecutionError as exc:
            raise ReportError(
                f"{notebook.name}: cell {exc.cell_index} raised {exc.ename}: {exc.evalue}",
                notebook=notebook, cell_index=exc.cell_index, ename=exc.ename,
                evalue=exc.evalue) from None
        except NoSuchKernel:
            raise ReportError(f"no Jupyter kernel called {kernel_name!r}; install it with "
                              "`make install` (or `python -m ipykernel install --sys-prefix "
                              f"--name {kernel_name}`)", notebook=notebook) from None
        except Exception as exc:
            if attempt == 1 and _kernel_did_not_start(exc, output):
                continue  # e.g. ZMQError "Address already in use" under parallel runs
            ename = type(exc).__name__
            raise ReportError(f"{notebook.name}: {ename}: {exc}", notebook=notebook,
                              ename=ename, evalue=str(exc)) from exc


def _engine_options(engine: str = "auto", workspace: str | None = None) -> dict[str, Any]:
    """Papermill options for ``engine`` (see :func:`run_report`).

    ``"warm"`` and ``"auto"`` name the warm papermill engine (registered through the
    ``papermill.engine`` entry point, :mod:`slc_research.report.warm_engine`), which
    picks the kernel itself; ``"fresh"``, or a warm engine that is not installed, an
    ordinary kernel over Unix sockets.
    """
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillException

    from slc_research.report.kernels import ipc_kernel_manager, warn_fallback
    from slc_research.report.warm import ENGINE_NAME

    if engine == "inprocess":
        from slc_research.report.in_process import ENGINE_NAME as IN_PROCESS
        from slc_research.report.in_process import can_run_here

        try:
            papermill_engines.get_engine(IN_PROCESS)
        except PapermillException:
            warn_fallback(f"the papermill engine {IN_PROCESS!r} is not installed "
                          "(reinstall slc-research: pip install -e .)")
        else:
            if can_run_here():
                return {"engine_name": IN_PROCESS}
        engine = "auto"
    if engine in ("warm", "auto"):
        try:
            papermill_engines.get_engine(ENGINE_NAME)
        except PapermillException:
            warn_fallback(f"the papermill engine {ENGINE_NAME!r} is not installed "
                          "(reinstall slc-research: pip install -e .)")
        else:
            return {"engine_name": ENGINE_NAME, "memo_workspace": workspace,
                    "warn_cold": engine == "warm"}
    manager = ipc_kernel_manager()
    return {} if manager is None else {"kernel_manager_class": manager}


def _kernel_did_not_start(exc: BaseException, output: Path) -> bool:
    """True when no cell ran: the failure came while starting the kernel."""
    names = {c.__name__ for c in type(exc).__mro__}
    if not ("ZMQError" in names or isinstance(exc, RuntimeError | TimeoutError | OSError)):
        return False
    if "CellTimeoutError" in names:
        return False
    if not output.exists():
        return True
    try:
        import nbformat

        nb = nbformat.read(str(output), as_version=4)
    except Exception:
        return True
    return not any(c.get("execution_count") for c in nb.cells if c.cell_type == "code")


def _page_cell(cell: Any, *, research: bool = False) -> Any:
    """A shallow copy of ``cell`` without recorded results and export-only copies, SVG made safe.

    A table shows its staff view, or for the research audience (``research``) every column.
    """
    from nbformat import NotebookNode

    if "outputs" not in cell:
        return cell
    outputs = []
    for o in cell.outputs:
        data = o.get("data")
        if data is None:
            outputs.append(o)
            continue
        if RECORD_MIMETYPE in data:
            continue
        # the copies of tables and chart specs are for `slc-research export` only
        shown = {k: v for k, v in data.items() if k not in EXPORT_MIMETYPES}
        if research and RESEARCH_TABLE_MIMETYPE in data:
            shown["text/html"] = data[RESEARCH_TABLE_MIMETYPE]
        if "image/svg+xml" in shown:
            shown["image/svg+xml"] = ids_of_its_own(safe_svg(shown["image/svg+xml"]))
        outputs.append(NotebookNode({**o, "data": NotebookNode(shown)}))
    return NotebookNode({**cell, "outputs": outputs})


def _strip_css_comments(html: str) -> str:
    """Drop comments from the page's <style> blocks (they only hold credits and URLs)."""
    def clean(m: re.Match) -> str:
        return re.sub(r"/\*.*?\*/", "", m.group(0), flags=re.DOTALL)

    return re.sub(r"<style\b[^>]*>.*?</style>", clean, html, flags=re.DOTALL | re.IGNORECASE)


