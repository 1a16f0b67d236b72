"""Charts inside widgets as inline SVG (no JavaScript, no CDN).

Altair's ``JupyterChart`` loads Vega from a CDN, which a school laptop or an
offline kernel may not reach. Widgets therefore draw their ``alt.Chart``
through vl-convert (inside the kernel) and show the SVG text in an
``ipywidgets.HTML``, passed through the package's one SVG sanitiser
(:func:`slc_research.report.sanitise.safe_svg`) like the charts of the reports.
"""

from __future__ import annotations

import html

import altair as alt

from slc_research.charts.theme import THEME, theme_config
from slc_research.report.sanitise import safe_svg

__all__ = ["chart_spec", "svg_of"]


def chart_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec with the slc-research theme applied.

    Parameters
    ----------
    chart : alt.Chart (or a layered / concatenated chart)

    Returns
    -------
    dict
        ``chart.to_dict()`` under the slc-research theme; the globally enabled
        theme is left as it was.
    """
    if THEME not in alt.theme.names():
        alt.theme.register(THEME, enable=False)(theme_config)
    with alt.theme.enable(THEME):
        return chart.to_dict()


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
        paragraph saying so instead of a traceback.
    """
    if chart is None:
        return ""
    import vl_convert as vlc  # imported here: starting V8 is slow and only needed to draw

    try:
        svg = vlc.vegalite_to_svg(chart_spec(chart))
    except Exception as exc:  # noqa: BLE001 - a widget shows the message, never a traceback
        return (f"<p>The chart could not be drawn ({html.escape(str(exc)[:200])}). "
                "Change a control to try again.</p>")
    return safe_svg(svg)
