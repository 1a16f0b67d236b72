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
papermill engine :func:`papermill_engine` writes the executed notebook once
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
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

__all__ = ["ENGINE_NAME", "WarmKernelError", "available", "kernel_manager_class",
           "papermill_engine", "prestart", "shutdown"]

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
                [python, *flags, "-m", "slc_research.report.warm", _ZYGOTE_FLAG,
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
        """Retire the zygote and reap it (killing it after ``timeout`` seconds)."""
        self.retire()
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


# --- the zygote side ----------------------------------------------------------------------

_MEMO: dict[str, tuple[tuple[int, int, int], Any]] = {}


def _install_memo() -> None:
    """Wrap ``SourceCache.read`` with a memo of cache entries (in the zygote and its children).

    An entry is served from memory only while its ``meta.json`` has the same inode,
    size and modification time (entries are content-keyed and replaced with
    ``os.replace``). Each call gets shallow copies: with pandas' copy-on-write a
    change to one never reaches the memo.
    """
    from slc_research.cache import SourceCache

    if getattr(SourceCache.read, "_slc_memo", False):
        return
    plain = SourceCache.read

    def read(self: Any, source: str, key: str) -> Any:
        hit = _memo_entry(self, source, key, plain)
        if hit is None:
            return None
        tables, info = hit
        return {t: df.copy(deep=False) for t, df in tables.items()}, json.loads(json.dumps(info))

    read._slc_memo = True  # type: ignore[attr-defined]
    read._slc_plain = plain  # type: ignore[attr-defined]
    SourceCache.read = read  # type: ignore[method-assign]


def _memo_entry(cache: Any, source: str, key: str, plain: Any) -> Any:
    """The memo's (tables, meta) of a cache entry, read now if new or changed; None if absent."""
    meta = cache.dir / source / key / "meta.json"
    try:
        st = meta.stat()
    except OSError:
        return plain(cache, source, key)
    ident = (st.st_ino, st.st_size, st.st_mtime_ns)
    hit = _MEMO.get(str(meta))
    if hit is None or hit[0] != ident:
        value = plain(cache, source, key)
        if value is None:
            return None
        hit = _MEMO[str(meta)] = (ident, value)
    return hit[1]


_MEMO_WORKSPACES: list[str] = []
#: Workspaces whose tables the zygote keeps in memory (the most recently used).
MEMO_WORKSPACES = 2


def _memo_workspace(workspace: str) -> None:
    """Read every entry of the workspace's Parquet cache into the memo (no writes).

    Only the :data:`MEMO_WORKSPACES` most recently used workspaces are kept.
    """
    from slc_research.cache import CACHE_DIR, SourceCache

    cache_dir = str(Path(workspace, CACHE_DIR))
    if cache_dir in _MEMO_WORKSPACES:
        _MEMO_WORKSPACES.remove(cache_dir)
    _MEMO_WORKSPACES.insert(0, cache_dir)
    for old in _MEMO_WORKSPACES[MEMO_WORKSPACES:]:
        for key in [k for k in _MEMO if k.startswith(old + os.sep)]:
            del _MEMO[key]
    del _MEMO_WORKSPACES[MEMO_WORKSPACES:]
    cache = SourceCache(Path(workspace))
    plain = getattr(SourceCache.read, "_slc_plain", SourceCache.read)
    for meta in Path(cache_dir).glob("*/*/meta.json"):
        _memo_entry(cache, meta.parent.parent.name, meta.parent.name, plain)


# vl-convert runs V8 on threads that do not survive fork, so the zygote cannot warm it for
# its children. Instead it forks one render server (before V8 ever starts in the zygote),
# which starts V8 once; each kernel's ``vl_convert.vegalite_to_svg`` / ``vega_to_svg`` ask
# it over a Unix socket (falling back to its own V8 if the server is gone). The server keeps
# no state between renders; a chart's SVG depends only on its spec.
_RENDER_FUNCTIONS = ("vegalite_to_svg", "vega_to_svg")


def _send_frame(conn: socket.socket, payload: bytes) -> None:
    conn.sendall(len(payload).to_bytes(8, "big") + payload)


def _recv_frame(conn: socket.socket) -> bytes:
    def exactly(n: int) -> bytes:
        chunks, got = [], 0
        while got < n:
            chunk = conn.recv(min(n - got, 1 << 20))
            if not chunk:
                raise ConnectionError("render connection closed")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    return exactly(int.from_bytes(exactly(8), "big"))


def _render_server(path: str, zygote_pid: int) -> None:
    """Serve SVG renders on the Unix socket ``path`` until the zygote goes away."""
    import socketserver

    import vl_convert as vlc

    vlc.vegalite_to_svg({"mark": "point", "data": {"values": [{"x": 1}]},
                         "encoding": {"x": {"field": "x", "type": "quantitative"}}})

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            try:
                request = json.loads(_recv_frame(self.request))
                fn = getattr(vlc, request["fn"]) if request["fn"] in _RENDER_FUNCTIONS \
                    else None
                if fn is None:
                    raise ValueError(f"not a render function: {request['fn']!r}")
                reply = {"svg": fn(*request["args"], **request["kwargs"])}
            except ConnectionError:
                return
            except Exception as exc:  # noqa: BLE001 - returned to the kernel, raised there
                reply = {"error": f"{exc}", "type": type(exc).__name__}
            _send_frame(self.request, json.dumps(reply).encode())

    class Server(socketserver.ThreadingUnixStreamServer):
        daemon_threads = True

        def service_actions(self) -> None:
            if os.getppid() != zygote_pid:
                raise SystemExit(0)

    old_umask = os.umask(0o077)
    try:
        server = Server(path, Handler)
    finally:
        os.umask(old_umask)
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        Path(path).unlink(missing_ok=True)


def _start_render_server(zygote_pid: int) -> tuple[int, str] | None:
    """Fork the render server; returns (pid, socket path), or None if vl-convert is absent."""
    import importlib.util
    import uuid

    if importlib.util.find_spec("vl_convert") is None:
        return None
    from jupyter_core.paths import jupyter_runtime_dir

    runtime = Path(jupyter_runtime_dir())
    runtime.mkdir(parents=True, exist_ok=True)
    path = str(runtime / f"slc-render-{uuid.uuid4().hex[:12]}.sock")
    if len(path.encode()) > 100:  # the limit of a Unix socket path
        path = f"/tmp/slc-render-{uuid.uuid4().hex[:12]}.sock"
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            os.setpgrp()
            _render_server(path, zygote_pid)
        except BaseException:  # noqa: BLE001
            status = 1
        finally:
            os._exit(status)
    return pid, path


def _use_render_server(path: str) -> None:
    """In a kernel: draw SVGs through the render server (its own V8 if that fails)."""
    try:
        import vl_convert as vlc
    except ImportError:
        return

    def proxy(name: str) -> Any:
        local = getattr(vlc, name)

        def render(*args: Any, **kwargs: Any) -> Any:
            try:
                payload = json.dumps({"fn": name, "args": list(args), "kwargs": kwargs}).encode()
            except (TypeError, ValueError):
                return local(*args, **kwargs)
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                    conn.connect(path)
                    _send_frame(conn, payload)
                    reply = json.loads(_recv_frame(conn))
            except OSError:
                return local(*args, **kwargs)
            if "error" in reply:
                raise ValueError(reply["error"])
            return reply["svg"]

        render.__doc__ = local.__doc__
        render.__name__ = name
        return render

    for name in _RENDER_FUNCTIONS:
        if hasattr(vlc, name):
            setattr(vlc, name, proxy(name))


def _warm() -> None:
    """Import the stack; build (but do not render) a chart so Altair's schema is loaded."""
    import importlib
    import pkgutil

    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a missing optional module only costs time
            pass
    import slc_research

    for info in pkgutil.walk_packages(slc_research.__path__, "slc_research."):
        if info.name in (__name__, "slc_research.report.warm", "slc_research.cli",
                         "slc_research.__main__"):
            continue
        try:
            importlib.import_module(info.name)
        except Exception:  # noqa: BLE001
            pass
    try:
        import altair as alt
        import pandas as pd

        alt.Chart(pd.DataFrame({"x": [1]})).mark_bar().encode(x="x:Q").to_dict()
    except Exception:  # noqa: BLE001
        pass
    _install_memo()


def _source_stamp() -> dict[str, tuple[int, int]]:
    """(mtime, size) of every slc_research source file: the zygote must not serve old code."""
    import slc_research

    stamp = {}
    for root in slc_research.__path__:
        for path in Path(root).rglob("*.py"):
            try:
                st = path.stat()
            except OSError:
                continue
            stamp[str(path)] = (st.st_mtime_ns, st.st_size)
    return stamp


def _child(request: dict[str, Any], zygote_pid: int, render: str | None = None) -> None:
    """In the forked child: become an ipykernel on the request's connection file."""
    os.setpgrp()
    if render:
        _use_render_server(render)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if request.get("env"):
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in request["env"].items()})
    os.environ["JPY_PARENT_PID"] = str(zygote_pid)
    if request.get("cwd"):
        os.chdir(request["cwd"])
    try:
        import numpy as np

        np.random.seed()  # noqa: NPY002 - a fresh kernel would not share its random state with others
    except ImportError:
        pass
    from ipykernel.kernelapp import IPKernelApp

    sys.argv = ["ipykernel_launcher", "-f", request["connection_file"]]
    app = IPKernelApp.instance()
    # No command history: a report never reads it, and a SQLite file shared by parallel
    # kernels is written after every cell.
    app.initialize(["-f", request["connection_file"], f"--IPKernelApp.parent_handle={zygote_pid}",
                    "--HistoryManager.enabled=False"])
    app.start()


def _kill_all(children: set[int]) -> None:
    for pid in children:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + 5
    while children and time.monotonic() < deadline:
        _reap(children)
        time.sleep(0.01)


def _reap(children: set[int]) -> None:
    for pid in list(children):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            children.discard(pid)


def _zygote_main(fd: int) -> None:
    import select

    sock = socket.socket(fileno=fd)
    stamp = _source_stamp()  # before importing, so an edit made meanwhile is seen
    _warm()
    me = os.getpid()
    children: set[int] = set()
    try:
        server = _start_render_server(me) if not os.environ.get("SLC_NO_RENDER_SERVER") \
            else None
    except OSError:
        server = None
    sock.sendall(json.dumps({"ready": True, "pid": me}).encode() + b"\n")
    buffer = b""
    parent = os.getppid()
    try:
        while True:
            readable, _, _ = select.select([sock], [], [], 0.05 if children else 1.0)
            _reap(children)
            if not readable:
                continue
            data = sock.recv(65536)
            if not data:
                break
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                if _source_stamp() != stamp:  # slc_research was edited: the parent restarts us
                    sock.sendall(b'{"error": "stale: slc_research changed on disk"}\n')
                    raise EOFError
                try:
                    if request.get("workspace"):
                        _memo_workspace(request["workspace"])
                    gc.freeze()  # the child's collections skip (and do not copy) our heap
                    pid = os.fork()
                except Exception as exc:  # noqa: BLE001 - reported to the parent
                    sock.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"})
                                 .encode() + b"\n")
                    continue
                if pid == 0:
                    status = 1
                    try:
                        sock.close()
                        _child(request, me, server[1] if server else None)
                        status = 0
                    except BaseException:  # noqa: BLE001
                        import traceback

                        traceback.print_exc()
                    finally:
                        os._exit(status)
                children.add(pid)
                sock.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    except EOFError:
        pass
    finally:
        # Retired (replaced, or the parent is closing): reports still running finish first;
        # their kernel managers kill them. If the parent itself is gone, kill them now.
        while children and os.getppid() == parent:
            _reap(children)
            time.sleep(0.05)
        _kill_all(children | ({server[0]} if server else set()))
        if server:
            Path(server[1]).unlink(missing_ok=True)


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == _ZYGOTE_FLAG:
    _zygote_main(int(sys.argv[2]))
