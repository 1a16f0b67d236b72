"""The kernel provisioner of warm kernels: a kernel is a child forked from the zygote.

Registered under the entry point group ``jupyter_client.kernel_provisioners`` as
``slc-research-warm`` and selected by a kernel spec whose
``metadata.kernel_provisioner.provisioner_name`` names it (see
:func:`slc_research.report.warm.warm_kernel_name`). It is jupyter_client's
:class:`~jupyter_client.provisioning.LocalProvisioner` (which writes the connection
file and prepares the environment) with another way to launch: instead of
``Popen`` it asks this process's zygote to fork (:func:`slc_research.report.warm.fork_kernel`),
and it watches, signals and kills that child by its process id (psutil). If
the zygote cannot fork, the kernel is launched the normal way with a warning.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import psutil
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Unicode

from slc_research.report import warm
from slc_research.report.kernels import warn_fallback

__all__ = ["WarmProvisioner"]


class WarmProvisioner(LocalProvisioner):
    """Launch the kernel by forking it from the warm zygote; fall back to a subprocess.

    Attributes
    ----------
    workspace : str or None
        A workspace whose cached tables the zygote keeps in memory (configurable:
        ``Config({"WarmProvisioner": {"workspace": ...}})`` on the kernel manager,
        as :class:`~slc_research.report.warm_engine.WarmEngine` does).
    """

    workspace = Unicode(None, allow_none=True, config=True,
                        help="A workspace whose cached tables the zygote keeps in memory.")

    #: The forked kernel, or None when none runs (or it was launched the normal way).
    child: psutil.Process | None = None

    @property
    def has_process(self) -> bool:
        """Whether a kernel process runs: the forked child, or one launched the normal way."""
        return self.child is not None or super().has_process

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        """Fork the kernel from the zygote, else launch it the normal way.

        The normal way (with a one-line warning) when the spec is not a Python ipykernel
        or the zygote cannot fork.

        Returns
        -------
        dict
            The kernel's connection information, as jupyter_client expects.
        """
        launch = warm.ipykernel_launch(self.kernel_spec.argv) if self.kernel_spec else None
        if launch is None or not warm.available():
            return await super().launch_kernel(cmd, **kwargs)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        request = {"connection_file": self.parent.connection_file, "cwd": cwd,
                   "env": kwargs.get("env"),
                   "workspace": str(Path(self.workspace).resolve()) if self.workspace else None}
        try:
            pid = warm.fork_kernel(launch, request)
            self.child = psutil.Process(pid)
        except (warm.WarmKernelError, psutil.Error) as exc:
            warn_fallback(f"warm kernels unavailable ({exc})")
            return await super().launch_kernel(cmd, **kwargs)
        self.pid = self.pgid = pid
        self.cwd = cwd
        return self.connection_info

    async def poll(self) -> int | None:
        """None while the kernel runs, else its exit status (0 for a reaped forked child)."""
        if self.child is None:
            return await super().poll()
        return None if _running(self.child) else 0

    async def wait(self) -> int | None:
        """Wait until the kernel has exited; its exit status."""
        if self.child is None:
            return await super().wait()
        while _running(self.child):
            await asyncio.sleep(0.02)
        self.child = None
        return 0

    async def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the kernel's process group (the kernel alone if that fails)."""
        if self.child is None:
            return await super().send_signal(signum)
        if not _running(self.child):
            return None
        try:
            os.killpg(self.child.pid, signum)  # the kernel leads its own process group
        except (ProcessLookupError, PermissionError):
            try:
                self.child.send_signal(signum)
            except psutil.NoSuchProcess:
                pass
        return None

    async def kill(self, restart: bool = False) -> None:
        """Kill the kernel (SIGKILL)."""
        if self.child is None:
            return await super().kill(restart=restart)
        return await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:
        """Ask the kernel to stop (SIGTERM)."""
        if self.child is None:
            return await super().terminate(restart=restart)
        return await self.send_signal(signal.SIGTERM)

    def get_shutdown_wait_time(self, recommended: float = 5.0) -> float:
        """Seconds to wait for a polite shutdown: none for a forked kernel."""
        # a forked kernel holds nothing worth a polite shutdown: its outputs are saved
        return 0.0 if self.child is not None else recommended


def _running(child: psutil.Process) -> bool:
    """True while the forked kernel runs (a zombie waiting for the zygote to reap it is done)."""
    try:
        return child.is_running() and child.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
