r"""Warm kernels: report kernels forked from a process that has already imported the stack.

A fresh kernel pays the same fixed cost for every report: start Python, import
ipykernel, pandas, SciPy, statsmodels, Altair and slc_research (about 5 s), read
the workspace's Parquet cache, then shut down politely. Warm kernels pay it once
per executing process instead:

- a *zygote* process (:mod:`slc_research.report.zygote`; one per report-running
  process and Python interpreter, started on first use) imports the stack, runs
  no user code and starts no kernel;
- for each report it ``os.fork()``\\ s a child that becomes an ordinary ipykernel
  on the connection file jupyter_client wrote (Unix sockets in the Jupyter
  runtime folder, :class:`~slc_research.report.kernels.IpcKernelManager`), so
  papermill and nbclient talk to it as to any kernel;
- when the notebook is done the child is killed at once (its outputs are
  already saved) and the zygote reaps it.

Everything is reached through the libraries' public extension points:

- jupyter_client starts the child through a *kernel provisioner*,
  :class:`slc_research.report.provisioner.WarmProvisioner`, registered under the
  entry point ``jupyter_client.kernel_provisioners`` as ``slc-research-warm`` and
  selected by a kernel spec whose ``metadata.kernel_provisioner`` names it
  (:func:`warm_kernel_name` writes that spec, a twin of the report's kernel spec,
  into a private folder of this process);
- papermill runs reports through the *engine*
  :class:`slc_research.report.warm_engine.WarmEngine`, registered under the entry
  point ``papermill.engine`` as ``slc-research-warm``: it picks the warm kernel
  spec, asks nbclient for an immediate kernel shutdown, and writes the executed
  notebook once rather than before and after every cell;
- charts go to a render server through :func:`slc_research.charts.render.draw_svg`,
  which the package's Altair renderer calls;
- the zygote keeps the workspace's cached tables in memory through the cache's
  own switch, :data:`slc_research.workspace.cache.READ_MEMO`.

Isolation: every report runs in a new process forked from one that never ran
notebook code, so no variable, import side effect or mutated module state is
carried from one report to the next. A child changing a memoised table only
changes its own copy-on-write pages, and a changed cache entry is read again.

When fork is unavailable (Windows), the kernel spec is not a Python ipykernel,
the entry points are not installed, or the zygote cannot start or fork, the
kernel is started the normal way with a one-line warning. Nothing listens on
TCP: the zygote talks to its parent over a socket pair, kernels over Unix
sockets in the (private) Jupyter runtime folder. Zygotes are per process and per
interpreter, so thread pools share one and Dask or multiprocessing workers each
start their own; a zygote that dies is replaced on the next report; the zygote
reaps its kernels, and kills them and the render server when its parent goes
away. Nothing here runs or registers anything at import: the first zygote
started registers :func:`shutdown` with :mod:`atexit`.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

from slc_research.errors import WarmKernelError

__all__ = ["ENGINE_NAME", "PROVISIONER_NAME", "WarmKernelError", "available", "fork_kernel",
           "ipykernel_launch", "kernels_dir", "prestart", "provisioner_installed",
           "running_zygotes", "shutdown", "warm_kernel_name"]

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
#: The zygote's command-line flag (``python -m slc_research.report.zygote ZYGOTE_FLAG fd``).
ZYGOTE_FLAG = "--slc-zygote"
#: Name of the kernel provisioner's entry point (group ``jupyter_client.kernel_provisioners``).
PROVISIONER_NAME = "slc-research-warm"
#: Name of the papermill engine's entry point (group ``papermill.engine``).
ENGINE_NAME = "slc-research-warm"


def available() -> bool:
    """True when warm kernels can be used here (a POSIX system with ``os.fork``)."""
    return os.name == "posix" and hasattr(os, "fork") and hasattr(socket, "socketpair")


# --- one zygote -----------------------------------------------------------------------------

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
                [python, *flags, "-m", "slc_research.report.zygote", ZYGOTE_FLAG,
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


# --- this process's zygotes -------------------------------------------------------------------

class _Pool:
    """The zygotes (by interpreter) and warm kernel specs of one process."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.lock = threading.Lock()
        self.zygotes: dict[tuple[str, ...], _Zygote] = {}
        self.retired: list[_Zygote] = []  # replaced zygotes, finishing their running reports
        self.kernels: Path | None = None


#: Pools by process id: a process forked from a report-running one starts its own (the
#: zygotes it inherited belong to its parent), without any hook run at fork.
_POOLS: dict[int, _Pool] = {}
_EXIT_REGISTERED: set[int] = set()


def _pool() -> _Pool:
    pid = os.getpid()
    return _POOLS.get(pid) or _POOLS.setdefault(pid, _Pool())


def _stop_at_exit() -> None:
    pid = os.getpid()
    if pid not in _EXIT_REGISTERED:
        _EXIT_REGISTERED.add(pid)
        atexit.register(shutdown)


def _zygote(python: str, flags: list[str], *, failed: _Zygote | None = None) -> _Zygote:
    """The zygote of this process for the interpreter, started (or replaced if ``failed``)."""
    key = (python, *flags)
    pool = _pool()
    with pool.lock:
        z = pool.zygotes.get(key)
        if z is not None and (z is failed or not z.alive()):
            pool.zygotes.pop(key)
            z.retire()
            pool.retired.append(z)
            z = None
        for old in [r for r in pool.retired if r.proc.poll() is not None]:
            pool.retired.remove(old)  # exited (and reaped by poll)
        if z is None:
            _stop_at_exit()
            z = pool.zygotes[key] = _Zygote(python, flags)
        return z


def fork_kernel(launch: tuple[str, list[str]], request: dict[str, Any]) -> int:
    """Ask this process's zygote for ``launch`` (see :func:`ipykernel_launch`) to fork a kernel.

    ``request`` holds the kernel's ``connection_file``, ``cwd``, ``env`` and the
    ``workspace`` whose cache the zygote keeps in memory (or None). A zygote
    that fails is replaced once. Returns the kernel's process id.

    Raises
    ------
    WarmKernelError
        The zygote could not be started or could not fork, twice running.
    """
    zygote = None
    for attempt in (1, 2):
        try:
            zygote = _zygote(*launch, failed=zygote)
            return int(zygote.request({"op": "fork", **request})["pid"])
        except WarmKernelError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def prestart(kernel_name: str = "slc-research") -> bool:
    """Start this process's zygote for ``kernel_name`` now (it warms in the background).

    Returns False when warm kernels cannot be used for that kernel.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    if not available():
        return False
    launch = ipykernel_launch(KernelSpecManager().get_kernel_spec(kernel_name).argv)
    if launch is None:
        return False
    try:
        _zygote(*launch)
    except WarmKernelError:
        return False
    return True


def shutdown() -> None:
    """Stop every zygote of this process and remove its warm kernel specs (also done at exit)."""
    pool = _POOLS.pop(os.getpid(), None)
    if pool is None:
        return
    with pool.lock:
        zygotes = [*pool.zygotes.values(), *pool.retired]
        pool.zygotes.clear()
        pool.retired.clear()
    for z in zygotes:
        z.retire()
    for z in zygotes:
        z.close()
    if pool.kernels is not None:
        shutil.rmtree(pool.kernels, ignore_errors=True)


def running_zygotes() -> list[int]:
    """Process ids of this process's zygotes that are running (for checks and tests)."""
    pool = _POOLS.get(os.getpid())
    if pool is None:
        return []
    with pool.lock:
        return [z.pid for z in [*pool.zygotes.values(), *pool.retired] if z.proc.poll() is None]


# --- kernel specs -------------------------------------------------------------------------

def ipykernel_launch(argv: list[str]) -> tuple[str, list[str]] | None:
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


def kernels_dir() -> Path:
    """The private folder of this process's warm kernel specs (made on first use)."""
    from jupyter_core.paths import jupyter_runtime_dir

    pool = _pool()
    with pool.lock:
        if pool.kernels is None:
            runtime = Path(jupyter_runtime_dir())
            runtime.mkdir(parents=True, exist_ok=True)
            _stop_at_exit()
            pool.kernels = Path(tempfile.mkdtemp(prefix="slc-warm-kernels-", dir=runtime))
        return pool.kernels


def provisioner_installed() -> bool:
    """True when the warm kernel provisioner's entry point is installed.

    Looked up once per process: scanning the installed packages' entry points takes about
    40 ms.
    """
    if not _INSTALLED:
        from importlib.metadata import entry_points

        _INSTALLED.append(bool(entry_points(group="jupyter_client.kernel_provisioners",
                                            name=PROVISIONER_NAME)))
    return _INSTALLED[0]


_INSTALLED: list[bool] = []


def warm_kernel_name(kernel_name: str) -> str | None:
    """The name of the warm twin of kernel spec ``kernel_name``, written now if needed.

    The twin (in :func:`kernels_dir`, found by
    :class:`~slc_research.report.kernels.WarmKernelManager`) is the spec itself with
    ``metadata.kernel_provisioner`` naming :data:`PROVISIONER_NAME`.

    Returns
    -------
    str or None
        None when the spec cannot be warm: it is not a Python ipykernel, or it
        names a kernel provisioner of its own.

    Raises
    ------
    jupyter_client.kernelspec.NoSuchKernel
        No kernel spec called ``kernel_name``.
    WarmKernelError
        Warm kernels are not available here (no ``os.fork``), or the provisioner's
        entry point is not installed (reinstall the package).
    """
    from jupyter_client.kernelspec import KernelSpecManager

    if not available():
        raise WarmKernelError("warm kernels need os.fork (POSIX)")
    spec = KernelSpecManager().get_kernel_spec(kernel_name)
    if ipykernel_launch(spec.argv) is None or "kernel_provisioner" in spec.metadata:
        return None
    if not provisioner_installed():
        raise WarmKernelError(f"the kernel provisioner {PROVISIONER_NAME!r} is not installed "
                              "(reinstall slc-research: pip install -e .)")
    body = spec.to_dict()
    body["display_name"] = f"{spec.display_name} (warm)"
    body["metadata"] = {**spec.metadata, "kernel_provisioner": {
        "provisioner_name": PROVISIONER_NAME, "config": {}}}
    name = f"{kernel_name.lower()}-warm"
    folder = kernels_dir() / name
    text = json.dumps(body, indent=1, sort_keys=True)
    path = folder / "kernel.json"
    try:
        if path.read_text(encoding="utf-8") == text:
            return name
    except OSError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".kernel.", suffix=".json", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
    return name
