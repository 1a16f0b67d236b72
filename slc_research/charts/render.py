"""A chart's spec drawn as SVG: by a warm batch's render server when there is one, else here.

vl-convert starts V8 on first use, which costs a fresh kernel about a second. A batch of
warm kernels shares one render server (:mod:`slc_research.report.render_server`) whose V8
is already running; the server's Unix socket is named by the environment variable
:data:`RENDER_SERVER_ENV`. :func:`draw_svg` sends the spec there and falls back to drawing
here (no server, the server gone, another process) with the same function the server uses,
:func:`local_svg`, so the SVG is the same either way. Only public vl-convert and Altair
calls are used.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any

__all__ = ["RENDER_SERVER_ENV", "draw_svg", "local_svg", "recv_frame", "send_frame"]

#: The environment variable that names a kernel's render server (its Unix socket).
RENDER_SERVER_ENV = "SLC_RENDER_SERVER"


def local_svg(spec: dict[str, Any]) -> str:
    """``spec`` drawn by vl-convert in this process, with the installed Altair's Vega-Lite.

    Raises
    ------
    ValueError
        vl-convert's error for a spec it cannot draw.
    """
    import altair as alt
    import vl_convert as vlc  # imported here: starting V8 is slow and only needed to draw

    vl_version = "_".join(alt.SCHEMA_VERSION.split(".")[:2])  # "v6.4.1" -> "v6_4"
    return vlc.vegalite_to_svg(spec, vl_version=vl_version)


def draw_svg(spec: dict[str, Any]) -> str:
    """``spec`` drawn as SVG, by the render server named in :data:`RENDER_SERVER_ENV` if any.

    Raises
    ------
    ValueError
        The render's own error (a spec vl-convert cannot draw), wherever it was drawn.
    """
    path = os.environ.get(RENDER_SERVER_ENV)
    if not path:
        return local_svg(spec)
    try:
        payload = json.dumps({"spec": spec}).encode()
    except (TypeError, ValueError):
        return local_svg(spec)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(path)
            send_frame(conn, payload)
            reply = json.loads(recv_frame(conn))
    except (OSError, ConnectionError, ValueError):
        return local_svg(spec)
    if "error" in reply:
        raise ValueError(reply["error"])
    return reply["svg"]


def send_frame(conn: socket.socket, payload: bytes) -> None:
    """Send one message: its length (8 bytes, big-endian), then the bytes."""
    conn.sendall(len(payload).to_bytes(8, "big") + payload)


def recv_frame(conn: socket.socket) -> bytes:
    """Receive one message sent by :func:`send_frame`.

    Raises
    ------
    ConnectionError
        When the other side closes the connection before the whole message came.
    """
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
