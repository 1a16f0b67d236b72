"""The papermill engine of warm reports: the executed notebook saved once, not after every cell.

Used with the warm kernels of :mod:`slc_research.report.warm` (see
:func:`slc_research.report.execute.run_report`, ``engine="warm"``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ENGINE_NAME", "papermill_engine"]

#: The papermill engine warm reports run with (see :func:`papermill_engine`).
ENGINE_NAME = "slc-research-warm"


def papermill_engine() -> str:
    """Register (once) and name a papermill engine that saves the notebook only at the end.

    Papermill's own engine writes the whole output notebook (deep copy, JSON,
    schema validation) before and after every cell so that a long run can be
    watched; for a 40-cell report with charts that is about 2 s of the parent's
    CPU. Reports are read only when finished, and papermill writes the
    finished (or failed) notebook itself, so this engine skips those writes
    but one, after the first cell: a kernel that dies later in the run is a
    failure of the report, not a failure to start (which is retried).
    """
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    if ENGINE_NAME in papermill_engines._engines:
        return ENGINE_NAME

    class QuietManager(NotebookExecutionManager):
        saved_once = False

        def save(self, **kwargs: Any) -> None:
            if kwargs.get("nb"):
                self.nb = kwargs["nb"]

        def cell_complete(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
            super().cell_complete(cell, cell_index=cell_index, **kwargs)
            if not self.saved_once:  # one save, so a kernel that dies later is not retried
                self.saved_once = True
                NotebookExecutionManager.save(self)

    class QuietEngine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb: Any, kernel_name: str, output_path: str | None = None,
                             progress_bar: bool = True, log_output: bool = False,
                             autosave_cell_every: int = 30, **kwargs: Any) -> Any:
            nb_man = QuietManager(nb, output_path=output_path, progress_bar=progress_bar,
                                  log_output=log_output, autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output,
                                             **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register(ENGINE_NAME, QuietEngine)
    return ENGINE_NAME
