"""Charts drawn ahead of their display, by the render server, while the analysis goes on.

A report builds its charts during the analysis (each
:class:`~slc_research.casestudies.result.Section` holds its own) and shows them later. When
a render server draws this process's charts (:data:`~slc_research.charts.render.RENDER_SERVER_ENV`:
the helper process of a single report, or the render server of a warm batch), each chart's
spec is sent to it as soon as its section is made (:func:`draw_ahead`), so that V8 draws
it in the other process while this one computes the next.

Showing the chart is unchanged: Altair's display with the package's renderer makes the
spec again and asks :func:`~slc_research.charts.render.draw_svg` for its drawing, which
takes the one sent ahead only when the spec's bytes are exactly those sent. A chart changed
after its section was made, or shown with other settings, is drawn as it is shown; what a
page holds never depends on whether a chart was drawn ahead. Without a render server, or
when the package's renderer is not the active one, nothing is sent.
"""

from __future__ import annotations

import os
from typing import Any

from slc_research.charts.render import RENDER_SERVER_ENV, forget_sent_ahead, send_ahead

__all__ = ["draw_ahead", "forget_ahead"]

#: id(chart) -> the chart, for the charts sent ahead (each is sent once).
_SENT: dict[int, Any] = {}


def draw_ahead(chart: Any) -> None:
    """Send ``chart``'s spec to the render server to be drawn now, for its display later.

    Does nothing without a render server, when the package's renderer is not active, or
    for a chart already sent. A chart whose spec cannot be made is left to its display
    (which shows the error where the chart is shown).
    """
    if not os.environ.get(RENDER_SERVER_ENV) or id(chart) in _SENT:
        return
    import altair as alt

    from slc_research.charts.theme import RENDERER

    if alt.renderers.active != RENDERER or not isinstance(chart, alt.TopLevelMixin):
        return
    try:
        # as Altair's display makes it; the schema check is left to the display, which runs it
        spec = chart.to_dict(validate=False, context={"pre_transform": False})
    except Exception:  # noqa: BLE001 - raised again, in its place, when the chart is shown
        return
    if send_ahead(spec):
        _SENT[id(chart)] = chart


def forget_ahead() -> None:
    """Forget the charts sent ahead; close the connections of drawings never collected."""
    _SENT.clear()
    forget_sent_ahead()
