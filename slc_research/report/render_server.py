"""The chart render server of warm kernels: one V8 for every report of a batch.

vl-convert runs V8 on threads that do not survive ``fork``, so the zygote
(:mod:`slc_research.report.zygote`) cannot warm it for its children. Instead it
forks this server (before V8 ever starts in the zygote), which starts V8 once,
and names its Unix socket to each kernel in the environment variable
:data:`~slc_research.charts.render.RENDER_SERVER_ENV`. The package's Altair renderer
(:func:`slc_research.charts.use_offline_renderer`, registered with
``alt.renderers.register``) draws through :func:`slc_research.charts.render.draw_svg`:
the same vl-convert call, run by the server when there is one and by the kernel itself
otherwise (the server gone, another process, a fresh kernel). Nothing of vl-convert or
Altair is replaced.

A chart's SVG depends only on its spec, so the
server keeps the replies to recent requests (a batch draws the same chart in
several reports: a trust-wide figure in each school's report) and answers a
repeated request from memory; nothing else is kept between renders.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from slc_research.charts.render import RENDER_SERVER_ENV, local_svg, recv_frame, send_frame

__all__ = ["RENDER_MEMO_BYTES", "RENDER_SERVER_ENV", "serve_renders", "start_render_server"]
#: Bytes of replies the render server keeps (least recently used go first).
RENDER_MEMO_BYTES = 64 * 1024 * 1024


class _ReplyMemo:
    """Request bytes -> reply bytes, least recently used dropped beyond ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        import collections
        import threading

        self.limit, self.size = limit, 0
        self.replies: collections.OrderedDict[bytes, bytes] = collections.OrderedDict()
        self.lock = threading.Lock()

    @staticmethod
    def key(request: bytes) -> bytes:
        import hashlib

        return hashlib.sha256(request).digest()

    def get(self, key: bytes) -> bytes | None:
        with self.lock:
            reply = self.replies.get(key)
            if reply is not None:
                self.replies.move_to_end(key)
            return reply

    def put(self, key: bytes, reply: bytes) -> None:
        if len(reply) > self.limit:
            return
        with self.lock:
            if key in self.replies:
                return
            self.replies[key] = reply
            self.size += len(reply)
            while self.size > self.limit:
                self.size -= len(self.replies.popitem(last=False)[1])


def serve_renders(path: str, parent_pid: int, *, first: Callable[[], None] | None = None,
                  ) -> None:
    """Serve SVG renders on the Unix socket ``path`` until the process ``parent_pid`` is gone.

    The socket listens first (a chart asked for meanwhile waits), then ``first`` runs, if
    given (the report's helper process opens the workspace there:
    :mod:`slc_research.report.sidecar`), then V8 is started with a first small drawing and
    the requests are served: ``{"spec": ...}`` is answered with its SVG, and
    ``{"page_words": true}`` with the words of a report page around its content
    (:func:`slc_research.report.check.page_words`, which the output check needs).
    """
    import socketserver

    memo = _ReplyMemo(RENDER_MEMO_BYTES)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            try:
                raw = recv_frame(self.request)
            except ConnectionError:
                return
            key = memo.key(raw)
            reply = memo.get(key)
            if reply is None:
                try:
                    request = json.loads(raw)
                    if request.get("page_words"):  # the report page's own words (check.py)
                        from slc_research.report.check import page_words

                        reply = json.dumps({"page_words": sorted(page_words())}).encode()
                    else:
                        reply = json.dumps({"svg": local_svg(request["spec"])}).encode()
                    memo.put(key, reply)
                except Exception as exc:  # noqa: BLE001 - returned to the kernel, raised there
                    reply = json.dumps({"error": f"{exc}", "type": type(exc).__name__}).encode()
            try:
                send_frame(self.request, reply)
            except OSError:  # the asker went away (a chart drawn ahead and never shown)
                pass

    class Server(socketserver.ThreadingUnixStreamServer):
        daemon_threads = True

        def service_actions(self) -> None:
            if os.getppid() != parent_pid:
                raise SystemExit(0)

    old_umask = os.umask(0o077)
    try:
        server = Server(path, Handler)  # listening first: a chart asked for meanwhile waits
    finally:
        os.umask(old_umask)
    try:
        if first is not None:
            first()
        local_svg({"mark": "point", "data": {"values": [{"x": 1}]},
                   "encoding": {"x": {"field": "x", "type": "quantitative"}}})  # V8 started
        server.serve_forever(poll_interval=0.5)
    finally:
        Path(path).unlink(missing_ok=True)


def start_render_server(zygote_pid: int) -> tuple[int, str] | None:
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
            serve_renders(path, zygote_pid)
        except BaseException:  # noqa: BLE001
            status = 1
        finally:
            os._exit(status)
    return pid, path

