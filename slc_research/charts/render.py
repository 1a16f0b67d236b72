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

__all__ = ["RENDER_SERVER_ENV", "draw_svg", "forget_sent_ahead", "local_svg", "receive_reply",
           "recv_frame", "send_ahead", "send_frame", "send_request", "server_request"]

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

    A spec sent ahead with exactly these bytes (:func:`send_ahead`: a chart drawn while the
    analysis went on) is not sent again: its drawing is read from the connection it was
    sent on.

    Raises
    ------
    ValueError
        The render's own error (a spec vl-convert cannot draw), wherever it was drawn.
    """
    payload = _request_bytes({"spec": spec})
    waiting = _SENT_AHEAD.get(payload) if payload is not None else None
    conn = waiting.pop() if waiting else _send(payload)
    reply = receive_reply(conn) if conn is not None else None
    if reply is None:
        return local_svg(spec)
    if "error" in reply:
        raise ValueError(reply["error"])
    return reply["svg"]


#: Requests sent ahead of their answer being needed: request bytes -> open connections.
_SENT_AHEAD: dict[bytes, list[socket.socket]] = {}


def send_ahead(spec: dict[str, Any]) -> bool:
    """Ask the render server to draw ``spec`` now; :func:`draw_svg` collects it later.

    Returns
    -------
    bool
        Whether it was sent (there is a render server and ``spec`` is JSON).
    """
    payload = _request_bytes({"spec": spec})
    conn = _send(payload)
    if conn is None:
        return False
    _SENT_AHEAD.setdefault(payload, []).append(conn)
    return True


def forget_sent_ahead() -> None:
    """Close the connections of drawings sent ahead and never collected."""
    while _SENT_AHEAD:
        for conn in _SENT_AHEAD.popitem()[1]:
            conn.close()


def _request_bytes(request: dict[str, Any]) -> bytes | None:
    """``request`` as sent; None when there is no render server or it is not JSON."""
    if not os.environ.get(RENDER_SERVER_ENV):
        return None
    try:
        return json.dumps(request).encode()
    except (TypeError, ValueError):
        return None


def server_request(request: dict[str, Any]) -> dict[str, Any] | None:
    """``request`` answered by the render server named in :data:`RENDER_SERVER_ENV`.

    Returns
    -------
    dict or None
        The server's reply; None when there is no server, it is gone, or ``request``
        cannot be sent as JSON (the caller then does the work itself).
    """
    conn = send_request(request)
    return None if conn is None else receive_reply(conn)


def send_request(request: dict[str, Any]) -> socket.socket | None:
    """Send ``request`` to the render server; the connection its reply will come on.

    None when there is no server, it is gone, or ``request`` is not JSON. Read the reply
    with :func:`receive_reply` (which closes the connection).
    """
    return _send(_request_bytes(request))


def _send(payload: bytes | None) -> socket.socket | None:
    path = os.environ.get(RENDER_SERVER_ENV)
    if payload is None or not path:
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        send_frame(conn, payload)
    except OSError:
        conn.close()
        return None
    return conn


def receive_reply(conn: socket.socket) -> dict[str, Any] | None:
    """The reply to a request sent by :func:`send_request` (None if the server went away)."""
    try:
        with conn:
            return json.loads(recv_frame(conn))
    except (OSError, ConnectionError, ValueError):
        return None


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
