"""Kernel managers for report runs: Unix sockets instead of TCP ports, warm or fresh.

Both are plain subclasses of jupyter_client's ``AsyncKernelManager`` configured
through its constructor; which kernel starts, and how, is the kernel spec's
business (a warm spec names the ``slc-research-warm`` kernel provisioner, see
:mod:`slc_research.report.warm`).
"""

from __future__ import annotations

import os
import uuid
import warnings
from pathlib import Path
from typing import Any

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_core.paths import jupyter_runtime_dir

__all__ = ["IpcKernelManager", "WarmKernelManager", "ipc_kernel_manager", "warn_fallback"]

_WARNED: set[str] = set()


class IpcKernelManager(AsyncKernelManager):
    """A kernel manager that talks to its kernel over Unix sockets, not TCP ports.

    No port is picked, so parallel reports cannot clash on one (papermill
    issue 511), and nothing listens on the network. Each kernel's sockets get a
    unique path in the (private) Jupyter runtime folder: jupyter_client's
    default, ``kernel-ipc`` in the working folder, is shared by every kernel
    started there, and two reports running at once would talk to each other's
    kernel.
    """

    def __init__(self, **kwargs: Any) -> None:
        runtime = Path(jupyter_runtime_dir())
        runtime.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", str(runtime / f"slc-{uuid.uuid4().hex[:16]}"))
        super().__init__(**kwargs)


class WarmKernelManager(IpcKernelManager):
    """An IPC kernel manager that also finds this process's warm kernel specs.

    The specs (written by :func:`slc_research.report.warm.warm_kernel_name`) name
    the ``slc-research-warm`` provisioner in ``metadata.kernel_provisioner``;
    every other kernel name resolves as usual.
    """

    def __init__(self, **kwargs: Any) -> None:
        from slc_research.report.warm import kernels_dir

        if "kernel_spec_manager" not in kwargs:
            defaults = KernelSpecManager().kernel_dirs
            kwargs["kernel_spec_manager"] = KernelSpecManager(
                kernel_dirs=[str(kernels_dir()), *defaults])
        super().__init__(**kwargs)


def ipc_kernel_manager() -> type[IpcKernelManager] | None:
    """:class:`IpcKernelManager`, or None on Windows (no Unix sockets: the default TCP one)."""
    return IpcKernelManager if os.name == "posix" else None


def warn_fallback(reason: str) -> None:
    """Warn (once per reason and process) that kernels start the normal way because of ``reason``."""
    text = f"{reason}; starting kernels the normal way"
    if text not in _WARNED:
        _WARNED.add(text)
        warnings.warn(text, RuntimeWarning, stacklevel=3)
