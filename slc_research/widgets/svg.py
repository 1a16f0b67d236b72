"""Charts inside widgets as inline SVG (no JavaScript, no CDN).

Altair's ``JupyterChart`` loads Vega from a CDN, which a school laptop or an
offline kernel may not reach. Widgets therefore draw their ``alt.Chart``
through vl-convert (inside the kernel, with the Vega-Lite version of the
installed Altair: :func:`slc_research.charts.render.local_svg`, as the reports
draw) and show the SVG text in an ``ipywidgets.HTML``, passed through the
package's one SVG sanitiser (:func:`slc_research.report.sanitise.safe_svg`)
like the charts of the reports.

What a teacher waits for after moving a control is the chart drawn, so
:func:`svg_of` keeps the drawings of the last :data:`SVG_MEMO_SIZE` charts (an
SVG depends only on its spec): going back to a grouping or a filter seen a
moment ago shows its chart at once. :func:`warm_svg` starts vl-convert's V8
(about a second) so that a widget can pay for it when it is made rather than on
the first change.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections import OrderedDict

import altair as alt

from slc_research.charts.theme import THEME, theme_config
from slc_research.report.sanitise import safe_svg

__all__ = ["SVG_MEMO_SIZE", "chart_spec", "svg_of", "warm_svg"]

#: Drawings kept (least recently used dropped): a widget's recent states.
SVG_MEMO_SIZE = 64
_MEMO: OrderedDict[str, str] = OrderedDict()


def chart_spec(chart: alt.TopLevelMixin, *, validate: bool = True) -> dict:
    """The chart's Vega-Lite spec with the slc-research theme applied.

    Parameters
    ----------
    chart : alt.Chart (or a layered / concatenated chart)
    validate : bool, default True
        Check the spec against the Vega-Lite schema (Altair's ``to_dict(validate=...)``).
        :func:`svg_of` does not: its charts come from the package's builders, whose specs
        the tests validate, and vl-convert refuses a spec it cannot draw.

    Returns
    -------
    dict
        ``chart.to_dict()`` under the slc-research theme; the globally enabled
        theme is left as it was.
    """
    # registering again replaces the entry; asking alt.theme.names() first would scan the
    # installed packages' entry points on every control change (about 9 ms)
    alt.theme.register(THEME, enable=False)(theme_config)
    with alt.theme.enable(THEME):
        return chart.to_dict(validate=validate)


def svg_of(chart: alt.TopLevelMixin | None) -> str:
    """Render ``chart`` to an SVG string for an ``ipywidgets.HTML`` value.

    Parameters
    ----------
    chart : alt.Chart or None
        The chart to draw. None gives an empty string (nothing to show).

    Returns
    -------
    str
        The SVG markup (``<svg ...>...</svg>``), sanitised: nothing in it can run
        script or load content. If the chart cannot be drawn, a short escaped
        paragraph saying so instead of a traceback. A chart whose spec equals one of
        the last :data:`SVG_MEMO_SIZE` drawn is not drawn again.
    """
    if chart is None:
        return ""
    from slc_research.charts.render import local_svg

    try:
        spec = chart_spec(chart, validate=False)
        key = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
        svg = _MEMO.get(key)
        if svg is None:
            svg = safe_svg(local_svg(spec))
            _MEMO[key] = svg
            while len(_MEMO) > SVG_MEMO_SIZE:
                _MEMO.popitem(last=False)
        else:
            _MEMO.move_to_end(key)
    except Exception as exc:  # noqa: BLE001 - a widget shows the message, never a traceback
        return (f"<p>The chart could not be drawn ({html.escape(str(exc)[:200])}). "
                "Change a control to try again.</p>")
    return svg


def warm_svg() -> None:
    """Start vl-convert's V8 now with one tiny chart (the first drawing costs about a second)."""
    from slc_research.charts.render import local_svg

    local_svg({"mark": "point", "data": {"values": [{"x": 1}]},
               "encoding": {"x": {"field": "x", "type": "quantitative"}}})
