"""Warm kernels: report kernels forked from a process that has already imported the stack.

A fresh kernel pays the same fixed cost for every report: start Python, import
ipykernel, pandas, SciPy, statsmodels, Altair and slc_research (about 5 s), read
the workspace's Parquet cache, then shut down politely. This module pays it once
per executing process instead:

- a *zygote* process (one per report-running process and Python interpreter,
  started on first use, shut down at exit) imports the stack, runs no user code
  and starts no kernel;
- for each report it ``os.fork()``\\ s a child that becomes an ordinary ipykernel
  on the connection file jupyter_client wrote (Unix sockets in the Jupyter
  runtime folder, as :func:`slc_research.report.execute._ipc_kernel_manager`),
  so papermill and nbclient talk to it as to any kernel;
- when the notebook is done the child is killed at once (its outputs are
  already saved) and the zygote reaps it.

Two more per-report costs are cut: the kernel keeps no IPython command history
(a SQLite file shared by parallel kernels, written after every cell), and the
papermill engine (:mod:`slc_research.report.warm_engine`) writes the executed notebook once
at the end instead of before and after every cell.

Measured on the 2-core machine (benchmarks/batch.py, 24 demo reports): a
trivial notebook costs about 0.55 s per report (2.0 s with a fresh kernel);
the real reports about 2 s each in a 3-worker pool, against about 17 s for a
papermill + nbconvert loop. What remains is mostly the notebooks' own work.

Isolation: every report runs in a new process forked from one that never ran
notebook code, so no variable, import side effect or mutated module state is
carried from one report to the next. The zygote may keep a read-only memo of
a workspace's cached Parquet tables (:func:`_memo_workspace`), keyed by each
cache entry's ``meta.json`` identity, so a changed source is never served
stale; a child mutating a table only changes its own copy-on-write pages.

Charts: vl-convert runs a V8 engine on threads that do not survive ``fork``
(a render in a child after one in the zygote hangs), so the zygote never
renders. It forks one *render server* that starts V8 once; kernels send their
``vegalite_to_svg`` / ``vega_to_svg`` calls to it over a Unix socket (a
render depends only on the chart's spec) and use their own V8 if it is gone.
That saves each report the first render's start-up (about 0.8 s).

When fork is unavailable (Windows), the kernel spec is not a Python ipykernel,
or the zygote cannot start or fork, the kernel is started the normal way with a
one-line warning. Nothing listens on TCP: the zygote talks to its parent over a
socket pair, kernels over Unix sockets in the (private) Jupyter runtime folder.
Zygotes are per process and per interpreter, so thread pools share one and
Dask or multiprocessing workers each start their own; a zygote that dies is
replaced on the next report; the zygote reaps its kernels, and kills them and
the render server when its parent goes away.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import threading
import warnings
from pathlib import Path
from typing import Any

__all__ = ["WarmKernelError", "available", "kernel_manager_class", "prestart", "shutdown"]

#: Modules the zygote imports before it forks anything.
WARM_MODULES = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "IPython",
    "IPython.core.interactiveshell", "numpy", "pandas", "pyarrow", "pyarrow.parquet",
    "scipy", "scipy.stats", "scipy.optimize", "statsmodels.api", "statsmodels.formula.api",
    "altair", "vl_convert", "jsonschema", "slc_research",
    # imported by IPKernelApp.initialize: warm them too
    "ipykernel.debugger", "IPython.core.debugger", "IPython.core.completerlib",
    "IPython.core.oinspect", "IPython.utils.wildcard", "sqlite3", "tornado.gen",
    "tornado.locks", "tornado.queues", "encodings.idna", "http.server", "faulthandler",
)
#: Seconds allowed for the zygote to import everything.
START_TIMEOUT = 120.0
_ZYGOTE_FLAG = "--slc-zygote"


class WarmKernelError(RuntimeError):
    """The zygote could not start or fork a kernel (the caller falls back)."""


def available() -> bool:
    """True when warm kernels can be used here (a POSIX system with ``os.fork``)."""
    return os.name == "posix" and hasattr(os, "fork") and hasattr(socket, "socketpair")


# --- the parent side ----------------------------------------------------------------------

class _Zygote:
    """A handle on one zygote process (used from many threads)."""

    def __init__(self, python: str, flags: list[str]) -> None:
        self.python = python
        self.lock = threading.Lock()
        ours, theirs = socket.socketpair()
        env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        env.pop("JPY_PARENT_PID", None)
        try:
            self.proc = subprocess.Popen(
                [python, *flags, "-m", "slc_research.report.zygote", _ZYGOTE_FLAG,
                 str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env,
                close_fds=True, start_new_session=True)
        except OSError as exc:
            ours.close()
            raise WarmKernelError(f"could not start the zygote: {exc}") from exc
        finally:
            theirs.close()
        self.sock = ours
        self.file = ours.makefile("rb")
        self.ready = False
        self.broken = False
        self.pid = self.proc.pid

    def _reply(self, timeout: float) -> dict[str, Any]:
        try:
            self.sock.settimeout(timeout)
            line = self.file.readline()
        except (OSError, ValueError) as exc:
            raise WarmKernelError(f"the zygote did not answer: {exc}") from exc
        if not line:
            raise WarmKernelError(f"the zygote (pid {self.pid}) exited "
                                  f"(status {self.proc.poll()})")
        reply = json.loads(line)
        if "error" in reply:
            raise WarmKernelError(f"the zygote could not fork a kernel: {reply['error']}")
        return reply

    def wait_ready(self) -> None:
        with self.lock:
            if not self.ready:
                self._reply(START_TIMEOUT)
                self.ready = True

    def request(self, message: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
        try:
            self.wait_ready()
            with self.lock:
                try:
                    self.sock.sendall(json.dumps(message).encode() + b"\n")
                except OSError as exc:
                    raise WarmKernelError(f"the zygote is gone: {exc}") from exc
                return self._reply(timeout)
        except WarmKernelError as exc:
            if "could not fork" not in str(exc):
                self.broken = True  # the conversation is out of step: replace it
            raise

    def alive(self) -> bool:
        return not self.broken and self.proc.poll() is None

    def retire(self) -> None:
        """Tell the zygote to stop forking; it exits once its running kernels are done."""
        self.broken = True
        # Let a request under way get its answer first (else its kernel would be orphaned).
        locked = self.lock.acquire(timeout=70.0)
        try:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.file.close()
            self.sock.close()
        finally:
            if locked:
                self.lock.release()

    def close(self, timeout: float = 5.0) -> None:
        """Retire the zygote and reap it (killing it after ``timeout`` seconds).

        A zygote that never became ready has forked no kernel: it is killed at once
        rather than left to finish importing (a batch whose reports were all up to date).
        """
        self.retire()
        if not self.ready:
            self.proc.kill()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_ZYGOTES: dict[tuple[str, ...], _Zygote] = {}
_RETIRED: list[_Zygote] = []  # replaced zygotes, finishing their running reports
_ZYGOTES_LOCK = threading.Lock()
_WARNED: set[str] = set()


def _zygote(python: str, flags: list[str], *, failed: _Zygote | None = None) -> _Zygote:
    """This process's zygote for the interpreter, started (or replaced if ``failed``) now."""
    key = (python, *flags)
    with _ZYGOTES_LOCK:
        z = _ZYGOTES.get(key)
        if z is not None and (z is failed or not z.alive()):
            _ZYGOTES.pop(key)
            z.retire()
            _RETIRED.append(z)
            z = None
        for old in [r for r in _RETIRED if r.proc.poll() is not None]:
            _RETIRED.remove(old)  # exited (and reaped by poll)
        if z is None:
            z = _ZYGOTES[key] = _Zygote(python, flags)
        return z


def prestart(kernel_name: str = "slc-research") -> bool:
    """Start this process's zygote for ``kernel_name`` now (it warms in the background).

    Returns False when warm kernels cannot be used for that kernel.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    if not available():
        return False
    launch = _split_argv(KernelSpecManager().get_kernel_spec(kernel_name).argv)
    if launch is None:
        return False
    try:
        _zygote(*launch)
    except WarmKernelError:
        return False
    return True


def shutdown() -> None:
    """Stop every zygote of this process (also done at exit)."""
    with _ZYGOTES_LOCK:
        zygotes = [*_ZYGOTES.values(), *_RETIRED]
        _ZYGOTES.clear()
        _RETIRED.clear()
    for z in zygotes:
        z.retire()
    for z in zygotes:
        z.close()


def _forget_after_fork() -> None:
    """In a forked child of a report-running process: the zygotes are the parent's."""
    global _ZYGOTES_LOCK
    for z in [*_ZYGOTES.values(), *_RETIRED]:
        try:
            z.file.close()
            z.sock.close()
        except OSError:
            pass
    _ZYGOTES.clear()
    _RETIRED.clear()
    _ZYGOTES_LOCK = threading.Lock()


atexit.register(shutdown)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def _split_argv(argv: list[str]) -> tuple[str, list[str]] | None:
    """``(python, interpreter flags)`` of an ipykernel spec's argv, or None if it is not one."""
    if "-m" not in argv or argv[-2:] != ["-f", "{connection_file}"]:
        return None
    i = argv.index("-m")
    if argv[i + 1:] != ["ipykernel_launcher", "-f", "{connection_file}"]:
        return None
    flags = argv[1:i]
    if not all(f.startswith("-X") or f in ("-E", "-s", "-I", "-u", "-B") for f in flags):
        return None
    return argv[0], flags


def _warn_once(text: str) -> None:
    if text not in _WARNED:
        _WARNED.add(text)
        warnings.warn(text, RuntimeWarning, stacklevel=3)


def _proc_state(pid: int) -> str | None:
    """The process's state letter ("R", "S", "Z"...), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0].decode()
    except FileNotFoundError:
        return None
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return "?"


def kernel_manager_class(workspace: str | Path | None = None) -> type | None:
    """A papermill ``kernel_manager_class`` whose kernels are forked from a warm zygote.

    Parameters
    ----------
    workspace : path, optional
        The report's workspace: the zygote keeps its cached tables in memory
        (read-only, re-read when a cache entry changes).

    Returns
    -------
    type or None
        None where warm kernels are not available (e.g. Windows).
    """
    if not available():
        return None
    import uuid

    from jupyter_client.provisioning import LocalProvisioner

    from slc_research.report.execute import _ipc_kernel_manager

    base = _ipc_kernel_manager()
    if base is None:
        return None
    memo = str(Path(workspace).resolve()) if workspace is not None else None

    class ForkProvisioner(LocalProvisioner):
        """Launch the kernel by asking the zygote to fork; fall back to a subprocess."""

        fork_pid: int | None = None

        @property
        def has_process(self) -> bool:
            return self.fork_pid is not None or self.process is not None

        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            launch = _split_argv(self.kernel_spec.argv) if self.kernel_spec else None
            if launch is None:
                return await super().launch_kernel(cmd, **kwargs)
            km = self.parent
            request = {"op": "fork", "connection_file": km.connection_file,
                       "cwd": str(kwargs.get("cwd") or os.getcwd()), "workspace": memo,
                       "env": kwargs.get("env")}
            zygote = None
            for attempt in (1, 2):
                try:
                    zygote = _zygote(*launch, failed=zygote)
                    reply = zygote.request(request)
                    break
                except WarmKernelError as exc:
                    if attempt == 2:
                        _warn_once(f"warm kernels unavailable ({exc}); starting kernels "
                                   "the normal way")
                        return await super().launch_kernel(cmd, **kwargs)
            self.fork_pid = self.pid = self.pgid = int(reply["pid"])
            self.cwd = request["cwd"]
            return self.connection_info

        async def poll(self) -> int | None:
            if self.fork_pid is None:
                return await super().poll()
            state = _proc_state(self.fork_pid)
            return None if state not in (None, "Z", "X") else 0

        async def wait(self) -> int | None:
            if self.fork_pid is None:
                return await super().wait()
            import asyncio

            while await self.poll() is None:
                await asyncio.sleep(0.02)
            self.fork_pid = None
            return 0

        async def send_signal(self, signum: int) -> None:
            if self.fork_pid is None:
                return await super().send_signal(signum)
            try:
                os.killpg(self.fork_pid, signum)
            except (ProcessLookupError, PermissionError):
                try:
                    os.kill(self.fork_pid, signum)
                except ProcessLookupError:
                    pass

        async def kill(self, restart: bool = False) -> None:
            if self.fork_pid is None:
                return await super().kill(restart=restart)
            await self.send_signal(signal.SIGKILL)

        async def terminate(self, restart: bool = False) -> None:
            if self.fork_pid is None:
                return await super().terminate(restart=restart)
            await self.send_signal(signal.SIGTERM)

        def get_shutdown_wait_time(self, recommended: float = 5.0) -> float:
            return 0.0 if self.fork_pid is not None else recommended

    class WarmKernelManager(base):
        """An IPC kernel manager whose kernels are forked from a warm zygote."""

        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = ForkProvisioner(kernel_id=self.kernel_id,
                                                   kernel_spec=self.kernel_spec, parent=self)
            return await super()._async_pre_start_kernel(**kw)

        async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
            # The outputs are saved when this is called: kill at once, not the polite
            # shutdown (about 0.8 s). A normal (fallback) kernel is shut down politely.
            fast = isinstance(self.provisioner, ForkProvisioner) and \
                self.provisioner.fork_pid is not None
            await super()._async_shutdown_kernel(now=now or fast, restart=restart)

        shutdown_kernel = _async_shutdown_kernel

        async def _async_interrupt_kernel(self) -> None:
            if isinstance(self.provisioner, ForkProvisioner) and \
                    self.provisioner.fork_pid is not None and self.shutting_down:
                return  # about to be killed: no interrupt first
            await super()._async_interrupt_kernel()

        interrupt_kernel = _async_interrupt_kernel

    return WarmKernelManager
