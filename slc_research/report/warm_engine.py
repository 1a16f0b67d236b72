"""The papermill engine of warm reports (entry point ``papermill.engine``: ``slc-research-warm``).

:class:`WarmEngine` is papermill's own nbclient engine with three changes, all
made through public options:

- the kernel: the warm twin of the notebook's kernel spec
  (:func:`slc_research.report.warm.warm_kernel_name`), whose provisioner forks it
  from a warm zygote, started by a
  :class:`~slc_research.report.kernels.WarmKernelManager`; where warm kernels
  cannot be used, an ordinary kernel over Unix sockets;
- nbclient's ``shutdown_kernel="immediate"``: the kernel is killed once the
  notebook is done (its outputs are saved), not shut down politely (about 0.8 s);
- the executed notebook is written once, after the first cell, rather than
  before and after every cell (see :class:`QuietExecutionManager`).

Papermill passes the extra keyword arguments of ``papermill.execute_notebook``
to the engine; this one takes ``memo_workspace`` (a workspace whose cached
tables the zygote keeps in memory) and ``warn_cold`` (warn when warm kernels
cannot be used here). Used by :func:`slc_research.report.execute.run_report`
with ``engine="warm"``.

Papermill imports this module itself, from the entry point, when
``papermill.engines`` is first imported; import papermill before importing this
module directly (else the two imports meet half-way).
"""

from __future__ import annotations

from typing import Any

from papermill.engines import NBClientEngine, NotebookExecutionManager

from slc_research.report.warm import ENGINE_NAME

__all__ = ["ENGINE_NAME", "QuietExecutionManager", "SavingOnce", "WarmEngine", "kernel_options"]


class QuietExecutionManager(NotebookExecutionManager):
    """Papermill's execution manager that writes the output notebook once, after the first cell.

    Papermill's own writes the whole output notebook (deep copy, JSON, schema
    validation) before and after every cell so that a long run can be watched;
    for a 40-cell report with charts that is about 2 s of the parent's CPU.
    Reports are read only when finished, and papermill writes the finished (or
    failed) notebook itself. The one write after the first cell tells a kernel
    that dies later in the run (a failure of the report) from one that failed to
    start (which is retried).
    """

    saved_once = False

    def save(self, **kwargs: Any) -> None:
        """Keep the notebook in memory; it is written once, after the first cell."""
        if kwargs.get("nb"):
            self.nb = kwargs["nb"]

    def cell_complete(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        """Mark ``cell`` done; write the notebook the first time only."""
        super().cell_complete(cell, cell_index=cell_index, **kwargs)
        if not self.saved_once:
            self.saved_once = True
            super().save()


class SavingOnce:
    """An engine's ``execute_notebook`` with :class:`QuietExecutionManager` (saving once).

    Mixed into a papermill engine before it: papermill's ``Engine.execute_notebook`` with
    the quiet manager in place of its own, which writes the notebook after every cell.
    """

    @classmethod
    def execute_notebook(cls, nb: Any, kernel_name: str, output_path: str | None = None,
                         progress_bar: bool = True, log_output: bool = False,
                         autosave_cell_every: int = 30, **kwargs: Any) -> Any:
        """As papermill's ``Engine.execute_notebook``, with :class:`QuietExecutionManager`."""
        nb_man = QuietExecutionManager(nb, output_path=output_path, progress_bar=progress_bar,
                                       log_output=log_output,
                                       autosave_cell_every=autosave_cell_every)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb


class WarmEngine(SavingOnce, NBClientEngine):
    """Papermill's nbclient engine on warm kernels, killed when done, saving once."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, *,
                                 memo_workspace: str | None = None, warn_cold: bool = False,
                                 **kwargs: Any) -> Any:
        """Run the notebook on a warm kernel (or an ordinary one where that cannot be)."""
        options = kernel_options(kernel_name, memo_workspace=memo_workspace,
                                 warn_cold=warn_cold)
        kernel_name = options.pop("kernel_name", kernel_name)
        return super().execute_managed_notebook(nb_man, kernel_name, **{**kwargs, **options})


def kernel_options(kernel_name: str, *, memo_workspace: str | None = None,
                   warn_cold: bool = False) -> dict[str, Any]:
    """Nbclient options that start ``kernel_name`` warm (``kernel_name`` among them).

    Where it cannot be warm: the options of an ordinary kernel over Unix sockets,
    with a warning if ``warn_cold`` or if the package's entry points are missing.
    """
    from traitlets.config import Config

    from slc_research.report import warm
    from slc_research.report.kernels import WarmKernelManager, ipc_kernel_manager, warn_fallback

    warm_name = None
    if warm.available():
        try:
            warm_name = warm.warm_kernel_name(kernel_name)
        except warm.WarmKernelError as exc:
            warn_fallback(str(exc))
    elif warn_cold:
        warn_fallback("warm kernels need os.fork (POSIX)")
    if warm_name is None:
        manager = ipc_kernel_manager()
        return {"kernel_manager_class": manager} if manager is not None else {}
    return {"kernel_name": warm_name, "kernel_manager_class": WarmKernelManager,
            "shutdown_kernel": "immediate",
            "config": Config({"WarmProvisioner": {"workspace": memo_workspace}})}
