"""Altair chart builders for the case-study reports, one module per report topic.

Pure functions: an aggregated, tidy DataFrame in, an ``alt.Chart`` out, nothing
mutated. Every chart has a title stating its n, labelled axes, and the same
colours for the same groups. Data are aggregated before they get here: a chart
refuses more than 5,000 rows (see :data:`MAX_ROWS`).

Call :func:`use_offline_renderer` once per notebook: charts then render as
inline SVG (through vl-convert), so an exported HTML report needs no network.
"""

from slc_research.charts._base import (
                                       MAX_ROWS,
                                       PALETTE,
                                       THEME,
                                       WIDTH,
                                       ChartError,
                                       use_offline_renderer,
)
from slc_research.charts.impact import (
                                       attendance_chart,
                                       effect_size_chart,
                                       participation_chart,
                                       representativeness_chart,
                                       scale_change_chart,
)

# Topic modules add their builders below, one import block each.
# -- tlc_impact --
# -- student_led_conferences --
# -- coproduction_pilot --
# -- voices --
# -- data_health --

__all__ = [
    "MAX_ROWS",
    "PALETTE",
    "THEME",
    "WIDTH",
    "ChartError",
    "attendance_chart",
    "effect_size_chart",
    "participation_chart",
    "representativeness_chart",
    "scale_change_chart",
    "use_offline_renderer",
    # -- tlc_impact --
    # -- student_led_conferences --
    # -- coproduction_pilot --
    # -- voices --
    # -- data_health --
]
