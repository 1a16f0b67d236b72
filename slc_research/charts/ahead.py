"""Charts drawn ahead of their display, by the render server, while the analysis goes on.

A report builds its charts during the analysis (each
:class:`~slc_research.casestudies.result.Section` holds its own) and shows them later. When
a render server draws this process's charts (:data:`~slc_research.charts.render.RENDER_SERVER_ENV`:
the helper process of a single report, or the render server of a warm batch), each chart is
sent to it as soon as its section is made (:func:`draw_ahead`), so that V8 draws it in the
other process while this one computes the next. :func:`drawn_ahead` then gives the chart's
spec and SVG when it is shown, waiting only for what is not drawn yet.

The output is what Altair's display with the package's renderer gives
(:func:`slc_research.charts.theme.use_offline_renderer`): the same spec, made by Altair's
own ``to_dict`` with the same context, and the same SVG, drawn by the same vl-convert call.
Without a render server, or when the package's renderer is not the active one, nothing is
drawn ahead and charts are drawn when shown, as before.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from slc_research.charts.render import (
    RENDER_SERVER_ENV,
    local_svg,
    receive_reply,
    send_request,
)

__all__ = ["draw_ahead", "drawn_ahead", "forget_ahead"]

#: id(chart) -> (the chart, its spec, the connection its drawing will come back on).
_AHEAD: dict[int, tuple[Any, dict[str, Any], socket.socket | None]] = {}


def draw_ahead(chart: Any) -> None:
    """Send ``chart`` to the render server to be drawn now, for :func:`drawn_ahead` later.

    Does nothing without a render server, when the package's renderer is not active, or
    for a chart already sent. A chart whose spec cannot be made is left to its display
    (which shows the error where the chart is shown).
    """
    if not os.environ.get(RENDER_SERVER_ENV) or id(chart) in _AHEAD:
        return
    import altair as alt

    from slc_research.charts.theme import RENDERER

    if alt.renderers.active != RENDERER or not isinstance(chart, alt.TopLevelMixin):
        return
    try:
        spec = chart.to_dict(context={"pre_transform": False})  # as Altair's display makes it
    except Exception:  # noqa: BLE001 - raised again, in its place, when the chart is shown
        return
    _AHEAD[id(chart)] = (chart, spec, send_request({"spec": spec}))


def drawn_ahead(chart: Any) -> tuple[dict[str, Any], str] | None:
    """The spec and SVG of ``chart`` if it was drawn ahead (waiting for it if need be).

    Returns None for a chart not sent ahead (draw it the usual way). When the render
    server has gone meanwhile, the chart is drawn here.

    Raises
    ------
    ValueError
        vl-convert's error for a spec it cannot draw, as :func:`~slc_research.charts.render.draw_svg`.
    """
    entry = _AHEAD.pop(id(chart), None)
    if entry is None:
        return None
    _, spec, conn = entry
    reply = receive_reply(conn) if conn is not None else None
    if reply is None:
        return spec, local_svg(spec)
    if "error" in reply:
        raise ValueError(reply["error"])
    return spec, reply["svg"]


def forget_ahead() -> None:
    """Drop the charts drawn ahead and never shown (their connections closed)."""
    while _AHEAD:
        _, (_, _, conn) = _AHEAD.popitem()
        if conn is not None:
            conn.close()
