"""The zygote side of warm kernels: the process that imports the stack and forks kernels.

Started by :mod:`slc_research.report.warm` as ``python -m slc_research.report.zygote``;
never imported by a report. It imports the stack once, keeps a read-only memo of the
workspace cache (the cache's own switch, :data:`slc_research.workspace.cache.READ_MEMO`), runs a
chart render server, and forks one fresh ipykernel per report (see
:mod:`slc_research.report.warm` for the design and the isolation it keeps).
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from slc_research.report.render_server import RENDER_SERVER_ENV, start_render_server
from slc_research.report.warm import WARM_MODULES, ZYGOTE_FLAG

__all__: list[str] = []

#: Workspaces whose tables the zygote keeps in memory (the most recently used).
MEMO_WORKSPACES = 2
_MEMO_WORKSPACES: list[str] = []


def _memo_workspace(workspace: str) -> None:
    """Read every entry of the workspace's Parquet cache into the cache's memo (no writes).

    The memo is the cache's own (:data:`slc_research.workspace.cache.READ_MEMO`, turned on in
    the zygote and so in every kernel it forks); only the :data:`MEMO_WORKSPACES`
    most recently used workspaces are kept in it.
    """
    from slc_research.workspace import cache

    if cache.READ_MEMO is None:
        cache.READ_MEMO = {}
    cache_dir = str(Path(workspace, cache.CACHE_DIR))
    if cache_dir in _MEMO_WORKSPACES:
        _MEMO_WORKSPACES.remove(cache_dir)
    _MEMO_WORKSPACES.insert(0, cache_dir)
    for old in _MEMO_WORKSPACES[MEMO_WORKSPACES:]:
        for key in [k for k in cache.READ_MEMO if k.startswith(old + os.sep)]:
            del cache.READ_MEMO[key]
    del _MEMO_WORKSPACES[MEMO_WORKSPACES:]
    source_cache = cache.SourceCache(Path(workspace))
    metas = sorted(Path(cache_dir).glob("*/*/meta.json"))
    for meta in metas:
        source_cache.read(meta.parent.parent.name, meta.parent.name)
    _open_workspace(workspace, [cache.READ_MEMO[str(m)][0] for m in metas
                                if str(m) in cache.READ_MEMO])


_OPENED: dict[str, list] = {}


def _open_workspace(workspace: str, state: list) -> None:
    """Open the workspace here once per state of its cache, for the kernels forked from here.

    They find its tables already stacked (``Enquiry.STACKED_MEMO``) and the derived tables
    every report asks for already computed.

    What a report's own ``Enquiry.open`` would do, done earlier: the report still opens
    the workspace itself, and gets these tables only if every source's cache key is the
    same. Any problem is left for the report to meet and report.
    """
    from slc_research.workspace import enquiry

    if enquiry.STACKED_MEMO is None:
        enquiry.STACKED_MEMO = {}
    if _OPENED.get(workspace) == state:
        return
    _OPENED.pop(workspace, None)
    try:
        enq = enquiry.Enquiry.open(workspace)
        enq.scale_scores()
        enq.attendance_summary(by="term")
    except Exception:  # noqa: BLE001 - the report's own open says what is wrong
        return
    _OPENED[workspace] = state


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

    skip = (__name__, "slc_research.report.zygote", "slc_research.cli", "slc_research.__main__",
            "slc_research.report.warm_engine")  # papermill's; no kernel needs it
    for info in pkgutil.walk_packages(slc_research.__path__, "slc_research."):
        if info.name in skip or info.name.startswith("slc_research.cli."):  # the command's
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
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if request.get("env"):
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in request["env"].items()})
    if render:  # the package's chart renderer draws through it (charts.render.draw_svg)
        os.environ[RENDER_SERVER_ENV] = render
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
        server = start_render_server(me) if not os.environ.get("SLC_NO_RENDER_SERVER") \
            else None
    except OSError:
        server = None
    try:
        sock.sendall(json.dumps({"ready": True, "pid": me}).encode() + b"\n")
    except OSError:  # the parent went away while we were importing: nothing to serve
        if server:
            _kill_all({server[0]})
            Path(server[1]).unlink(missing_ok=True)
        return
    buffer = b""
    parent = os.getppid()
    try:
        while True:
            readable, _, _ = select.select([sock], [], [], 0.05 if children else 1.0)
            _reap(children)
            if os.getppid() != parent:  # the parent is gone (a forked copy may hold the socket)
                break
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


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == ZYGOTE_FLAG:
    _zygote_main(int(sys.argv[2]))
