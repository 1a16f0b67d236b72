"""A papermill engine that runs one report's cells in this process, with no kernel.

A teacher's first report is one notebook: starting a kernel for it (a new
Python that imports pandas, SciPy, statsmodels, Altair and the package again, a
second time after the command line did) costs more than
the report itself. :class:`InProcessEngine` runs the notebook's cells in an
IPython shell inside the calling process instead, through public APIs only:

- papermill's own engine interface (:class:`papermill.engines.Engine`): papermill
  still injects the parameters, tracks each cell through its
  ``NotebookExecutionManager`` and turns an error output into a
  ``PapermillExecutionError``;
- IPython's ``InteractiveShell`` with its documented hooks for front ends
  (``displayhook_class`` and ``display_pub_class``, as ipykernel uses them):
  every ``display(...)`` and a cell's value become the cell's ``display_data``
  and ``execute_result`` outputs, in order, as a kernel would send them;
  printed text and warnings become ``stream`` outputs.

Papermill imports this module itself, from the entry point, when ``papermill.engines``
is first imported: what the runner needs before that is in
:mod:`slc_research.report.in_process`. The engine is registered as an entry point (group ``papermill.engine``, name
:data:`ENGINE_NAME`, in ``pyproject.toml``), as the warm engine is; nothing is
registered at import. :func:`slc_research.report.execute.run_report` uses it for
``engine="inprocess"`` (and falls back, with a warning, when the package was installed
before the entry point existed). One report at a time per process: the shell, ``sys.stdout``
and ``sys.stderr`` are the process's own (:data:`LOCK`). It is only chosen when
no IPython shell is running here (never inside a notebook's own kernel), and
the notebook's variables are dropped when it is done.

Charts are drawn in this process too (vl-convert). Two ways to start V8 earlier were
measured and dropped: a warm-up thread (vl-convert's calls back into Python slowed
both threads) and a render server in a second process (more CPU in all, and slower on
the shared 2-core machine).
"""

from __future__ import annotations

import atexit
import sys
import traceback
import warnings
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from nbformat import NotebookNode
from papermill.engines import Engine

from slc_research.charts.ahead import forget_ahead
from slc_research.report.in_process import ENGINE_NAME, LOCK
from slc_research.report.warm_engine import SavingOnce

__all__ = ["ENGINE_NAME", "LOCK", "InProcessEngine"]


#: The outputs of the cell that is running (the hooks below append to it).
_CELL: list[list[NotebookNode]] = [[]]


def _append(output: NotebookNode) -> None:
    _CELL[0].append(output)


class CellDisplayPublisher(DisplayPublisher):
    """Each ``display(...)`` becomes a ``display_data`` output of the running cell."""

    def publish(self, data: dict, metadata: dict | None = None, source: Any = None, *,
                transient: dict | None = None, update: bool = False) -> None:
        """Append the display to the running cell's outputs."""
        _append(NotebookNode(output_type="display_data", data=NotebookNode(data),
                             metadata=NotebookNode(metadata or {})))

    def clear_output(self, wait: bool = False) -> None:
        """Forget the running cell's outputs so far, as a front end would."""
        _CELL[0].clear()


class CellDisplayHook(DisplayHook):
    """A cell's value becomes its ``execute_result`` output (nothing is printed)."""

    def write_output_prompt(self) -> None:
        """No prompt: the value is an output, not printed text."""

    def write_format_data(self, format_dict: dict, md_dict: dict | None = None) -> None:
        """Append the formatted value to the running cell's outputs."""
        _append(NotebookNode(output_type="execute_result", data=NotebookNode(format_dict),
                             metadata=NotebookNode(md_dict or {}),
                             execution_count=self.shell.execution_count))

    def finish_displayhook(self) -> None:
        """Nothing to flush."""


class _CellStream:
    """A text stream whose writes become the running cell's ``stream`` outputs."""

    encoding = "utf-8"

    def __init__(self, name: str) -> None:
        self.name = name

    def write(self, text: str) -> int:
        outputs = _CELL[0]
        if outputs and outputs[-1].get("output_type") == "stream" \
                and outputs[-1].get("name") == self.name:
            outputs[-1]["text"] += text
        else:
            _append(NotebookNode(output_type="stream", name=self.name, text=text))
        return len(text)

    def flush(self) -> None:
        """Nothing is buffered."""

    def isatty(self) -> bool:
        """Not a terminal."""
        return False


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """Write a warning to the running cell's stderr, as a kernel shows it."""
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


class InProcessEngine(SavingOnce, Engine):
    """Papermill engine: the notebook's cells run in an IPython shell in this process."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
        """Run every code cell in order; stop at the first that raises (as papermill does)."""
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        with LOCK:
            if InteractiveShell.initialized():
                raise RuntimeError("an IPython shell already runs in this process; run the "
                                   "report with engine 'warm' or 'fresh'")
            import altair as alt

            # what a notebook switches on for itself (use_offline_renderer), put back after
            renderer, theme = alt.renderers.active, alt.theme.active
            config = Config({"HistoryManager": {"enabled": False}})
            shell = InteractiveShell.instance(config=config, displayhook_class=CellDisplayHook,
                                              display_pub_class=CellDisplayPublisher)
            try:
                with redirect_stdout(_CellStream("stdout")), \
                        redirect_stderr(_CellStream("stderr")), warnings.catch_warnings():
                    warnings.showwarning = _show_warning  # the documented hook; restored after
                    cls._run_cells(nb_man, shell)
            finally:
                # the notebook's variables go; no reset(): it runs a full garbage collection
                shell.user_ns.clear()
                shell.user_ns_hidden.clear()
                shell.cleanup()
                # the shell registered its exit step (a reset with a full garbage collection,
                # and the end of a history session that is off): nothing is left for it
                atexit.unregister(shell.atexit_operations)
                InteractiveShell.clear_instance()
                sys.displayhook = sys.__displayhook__
                alt.renderers.enable(renderer)
                alt.theme.enable(theme)
                forget_ahead()  # charts drawn ahead and never shown
                _CELL[0] = []
        return nb_man.nb

    @staticmethod
    def _run_cells(nb_man: Any, shell: Any) -> None:
        for index, cell in enumerate(nb_man.nb.cells):
            nb_man.cell_start(cell, index)  # every cell, as papermill's own engine does
            error = None
            if cell.cell_type == "code":
                outputs: list[NotebookNode] = []
                _CELL[0] = outputs
                result = shell.run_cell(cell.source, store_history=True)
                cell.execution_count = result.execution_count
                error = result.error_before_exec or result.error_in_exec
                if error is not None:
                    outputs.append(NotebookNode(
                        output_type="error", ename=type(error).__name__, evalue=str(error),
                        traceback=traceback.format_exception(error)))
                cell.outputs = outputs
            if error is not None:
                nb_man.cell_exception(cell, cell_index=index, exception=error)
            nb_man.cell_complete(cell, cell_index=index)
            if error is not None:
                return
