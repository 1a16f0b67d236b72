"""The shared look of every chart: theme, palette, offline renderer and small helpers.

Topic modules (:mod:`~slc_research.charts.impact`, ...) build on these; every
builder is pure (a tidy, aggregated DataFrame in, an ``alt.Chart`` out).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from slc_research.charts.mimetype import CHART_MIMETYPE
from slc_research.charts.render import draw_svg
from slc_research.errors import ChartError
from slc_research.privacy.suppression import require_suppressed, suppressed_at

__all__ = ["MAX_ROWS", "PALETTE", "RENDERER", "THEME", "WIDTH", "ChartError",
           "use_offline_renderer"]

#: Most rows a chart builder accepts: aggregate first.
MAX_ROWS = 5_000
#: Colours of the groups, in order (members first, comparison pupils second).
PALETTE = ("#1b6ca8", "#a0a0a0", "#e07b39", "#4f9d69", "#8e6bb8")
#: Name of the registered Altair theme.
THEME = "slc-research"
#: Name of the registered Altair renderer: the SVG drawn by vl-convert plus the chart's spec.
RENDERER = "slc-research-svg"
_FONT = "Helvetica, Arial, sans-serif"
WIDTH = 420


def use_offline_renderer() -> None:
    """Render charts as inline SVG with the slc-research theme (call once per notebook).

    The SVG renderer draws through vl-convert inside the kernel, so the output
    is plain SVG: nbconvert embeds it in the HTML report and no JavaScript or
    CDN is needed to view it. Next to the SVG the output carries the chart's
    Vega-Lite spec (:data:`CHART_MIMETYPE`, left out
    of the HTML), from which ``slc-research export`` draws the figure again as
    SVG and as a 300 ppi PNG.
    """
    # registering again replaces the entry; asking for the registered names first would
    # scan the installed packages' entry points each time (about 40 ms)
    alt.theme.register(THEME, enable=False)(theme_config)
    alt.theme.enable(THEME)
    alt.renderers.register(RENDERER, _svg_and_spec)
    alt.renderers.enable(RENDERER)


def _svg_and_spec(spec: dict, **metadata: Any) -> dict[str, Any]:
    """The renderer registered as :data:`RENDERER`: ``spec`` drawn as SVG, and the spec.

    The SVG is drawn by vl-convert (:func:`slc_research.charts.render.draw_svg`: a warm
    batch's render server, else this process) with the Vega-Lite version of the installed
    Altair, as Altair's own "svg" renderer does; the spec itself is kept under
    CHART_MIMETYPE. Renderer options (``metadata``) are not used.
    """
    return {"image/svg+xml": draw_svg(spec), CHART_MIMETYPE: spec}


def theme_config() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": _FONT,
            "title": {"fontSize": 15, "anchor": "start", "subtitleFontSize": 12,
                      "subtitleColor": "#555555"},
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "gridColor": "#e6e6e6"},
            "header": {"labelFontSize": 12, "titleFontSize": 12},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
            "view": {"stroke": None},
            "range": {"category": list(PALETTE)},
        },
    }



def check_data(df: pd.DataFrame, columns: Sequence[str]) -> None:
    """The chart builders' check of their data.

    The data must be a frame with ``columns``, aggregated (at most :data:`MAX_ROWS` rows), and
    through small-number suppression when it counts people (the display boundary: a chart
    cannot show a count a table would withhold).

    Raises
    ------
    ChartError
        For data the chart cannot draw.
    PrivacyError
        For counts that did not pass :func:`~slc_research.privacy.suppression.suppress_small`.
    """
    if not isinstance(df, pd.DataFrame):
        raise ChartError(f"expected a DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ChartError(f"the chart needs columns {list(columns)}; missing {missing}")
    if len(df) > MAX_ROWS:
        raise ChartError(f"{len(df):,} rows is too many to chart (at most {MAX_ROWS:,}); "
                         "aggregate the data first (one row per group)")
    require_suppressed(df, "a chart's data")


def plain_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Nullable and categorical columns as plain float / object, for Vega-Lite."""
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[col] = pd.to_numeric(s, errors="coerce").astype(float)
        else:
            out[col] = s.astype(object).where(s.notna(), None).map(
                lambda v: v if v is None else str(v))
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


def group_color(groups: list[str], *, title: str | None) -> alt.Color:
    return alt.Color("group:N", title=title, sort=groups,
                     scale=alt.Scale(domain=groups, range=list(PALETTE[:len(groups)])))


def n_label(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "too few to show"
    return f"{int(value)}"


def effect_label(outcome: str, n1, n2) -> str:
    paired_only = n_label(n2) == "0"  # no comparison group: n2 is 0
    return f"{outcome} (n = {n_label(n1)})" if paired_only else f"{outcome} (n = {n_label(n1)} v {n_label(n2)})"


def range_label(values: pd.Series) -> str:
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return "too few to show"
    lo, hi = int(v.min()), int(v.max())
    return f"{lo}" if lo == hi else f"{lo}-{hi}"


def total_of(table: pd.DataFrame, column: str, given: int | None) -> int | None:
    if given is not None:
        return given
    if column not in table.columns:
        raise ChartError(f"give n_members and n_rest, or a table with a {column!r} column")
    known = table[column].dropna()
    return None if known.empty else int(known.iloc[0])  # None: withheld (too few)


def n_by_group(means: pd.DataFrame, groups: Sequence[str]) -> str:
    present = dict(list(means.dropna(subset=["mean"]).groupby("group", sort=False))
                   if "mean" in means.columns else list(means.groupby("group", sort=False)))
    threshold = suppressed_at(means)
    small = f"fewer than {threshold}, not shown" if threshold else "too few to show"
    parts = [f"{g}: n = {range_label(present[g]['n'])}" if g in present else f"{g}: {small}"
             for g in groups]
    return "; ".join(parts) + " (pupils measured both times)"
