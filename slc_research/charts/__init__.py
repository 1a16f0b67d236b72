"""Altair chart builders for the case-study reports, one module per report topic.

Pure functions: an aggregated, tidy DataFrame in, an ``alt.Chart`` out, nothing
mutated. Every chart has a title stating its n, labelled axes, and the same
colours for the same groups. Data are aggregated before they get here: a chart
refuses more than 5,000 rows (see :data:`MAX_ROWS`).

Call :func:`use_offline_renderer` once per notebook: charts then render as
inline SVG (through vl-convert), so an exported HTML report needs no network.
"""

from slc_research.charts.conferences import (
                                       depth_group_chart,
                                       depth_mean_chart,
                                       depth_share_chart,
                                       feedback_chart,
                                       weekly_rate_chart,
)
from slc_research.charts.coproduction import (
                                       band_change_chart,
                                       forest_chart,
                                       yes_no_chart,
)
from slc_research.charts.explore import (
                                       group_means_chart,
)
from slc_research.charts.health import (
                                       attrition_chart,
                                       completeness_heatmap_chart,
                                       repairs_chart,
                                       response_rate_chart,
)
from slc_research.charts.impact import (
                                       attendance_chart,
                                       dose_response_chart,
                                       effect_size_chart,
                                       participation_chart,
                                       representativeness_chart,
                                       scale_change_chart,
)
from slc_research.charts.theme import (
                                       MAX_ROWS,
                                       PALETTE,
                                       RENDERER,
                                       THEME,
                                       WIDTH,
                                       ChartError,
                                       use_offline_renderer,
)
from slc_research.charts.tlc import (
                                       action_cycle_chart,
                                       breadth_chart,
                                       half_term_attendance_chart,
                                       likert_chart,
                                       strategies_chart,
                                       teaching_share_chart,
                                       themes_chart,
)
from slc_research.charts.voices import (
                                       code_agreement_chart,
                                       code_frequency_chart,
                                       cooccurrence_chart,
)

__all__ = [
    "MAX_ROWS",
    "PALETTE",
    "RENDERER",
    "THEME",
    "WIDTH",
    "ChartError",
    "action_cycle_chart",
    "attendance_chart",
    "attrition_chart",
    "band_change_chart",
    "breadth_chart",
    "code_agreement_chart",
    "code_frequency_chart",
    "completeness_heatmap_chart",
    "cooccurrence_chart",
    "depth_group_chart",
    "depth_mean_chart",
    "depth_share_chart",
    "dose_response_chart",
    "effect_size_chart",
    "feedback_chart",
    "forest_chart",
    "group_means_chart",
    "half_term_attendance_chart",
    "likert_chart",
    "participation_chart",
    "repairs_chart",
    "representativeness_chart",
    "response_rate_chart",
    "scale_change_chart",
    "strategies_chart",
    "teaching_share_chart",
    "themes_chart",
    "use_offline_renderer",
    "weekly_rate_chart",
    "yes_no_chart",
]
