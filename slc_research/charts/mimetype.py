"""The mimetype under which a rendered chart carries its Vega-Lite spec (a leaf: no imports)."""

__all__ = ["CHART_MIMETYPE"]

#: Mimetype of a chart's Vega-Lite spec (next to its SVG), for the dissertation pack.
CHART_MIMETYPE = "application/x-slc-research-chart+json"
