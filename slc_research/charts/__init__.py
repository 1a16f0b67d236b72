"""Altair chart builders for the case-study reports, one module per report topic.

Pure functions: an aggregated, tidy DataFrame in, an ``alt.Chart`` out, nothing
mutated. Every chart has a title stating its n, labelled axes, and the same
colours for the same groups. Data are aggregated before they get here: a chart
refuses more than 5,000 rows (see :data:`MAX_ROWS`).

Call :func:`use_offline_renderer` once per notebook: charts then render as
inline SVG (through vl-convert), so an exported HTML report needs no network.

Importing this package is light: each builder's module (and Altair) loads when the
builder is first used.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "LOWER_IS_BETTER",
    "MAX_ROWS",
    "PALETTE",
    "RENDERER",
    "THEME",
    "WIDTH",
    "ChartError",
    "action_cycle_chart",
    "answer_axis",
    "attendance_chart",
    "attrition_chart",
    "better_arrow",
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
    "group_change_chart",
    "group_means_chart",
    "half_term_attendance_chart",
    "higher_is_better",
    "likert_chart",
    "participation_chart",
    "repairs_chart",
    "representativeness_chart",
    "response_rate_chart",
    "scale_change_chart",
    "statistics_chart",
    "strategies_chart",
    "teaching_share_chart",
    "themes_chart",
    "use_offline_renderer",
    "weekly_rate_chart",
    "yes_no_chart",
]

_WHERE = {
    "ChartError": "slc_research.charts.theme",
    "LOWER_IS_BETTER": "slc_research.charts.axes",
    "answer_axis": "slc_research.charts.axes",
    "better_arrow": "slc_research.charts.axes",
    "higher_is_better": "slc_research.charts.axes",
    "MAX_ROWS": "slc_research.charts.theme",
    "PALETTE": "slc_research.charts.theme",
    "RENDERER": "slc_research.charts.theme",
    "THEME": "slc_research.charts.theme",
    "WIDTH": "slc_research.charts.theme",
    "action_cycle_chart": "slc_research.charts.tlc",
    "attendance_chart": "slc_research.charts.impact",
    "attrition_chart": "slc_research.charts.health",
    "band_change_chart": "slc_research.charts.coproduction",
    "breadth_chart": "slc_research.charts.tlc",
    "code_agreement_chart": "slc_research.charts.voices",
    "code_frequency_chart": "slc_research.charts.voices",
    "completeness_heatmap_chart": "slc_research.charts.health",
    "cooccurrence_chart": "slc_research.charts.voices",
    "depth_group_chart": "slc_research.charts.conferences",
    "depth_mean_chart": "slc_research.charts.conferences",
    "depth_share_chart": "slc_research.charts.conferences",
    "dose_response_chart": "slc_research.charts.impact",
    "effect_size_chart": "slc_research.charts.impact",
    "feedback_chart": "slc_research.charts.conferences",
    "forest_chart": "slc_research.charts.coproduction",
    "group_change_chart": "slc_research.charts.explore",
    "group_means_chart": "slc_research.charts.explore",
    "statistics_chart": "slc_research.charts.explore",
    "half_term_attendance_chart": "slc_research.charts.tlc",
    "likert_chart": "slc_research.charts.tlc",
    "participation_chart": "slc_research.charts.impact",
    "repairs_chart": "slc_research.charts.health",
    "representativeness_chart": "slc_research.charts.impact",
    "response_rate_chart": "slc_research.charts.health",
    "scale_change_chart": "slc_research.charts.impact",
    "strategies_chart": "slc_research.charts.tlc",
    "teaching_share_chart": "slc_research.charts.tlc",
    "themes_chart": "slc_research.charts.tlc",
    "use_offline_renderer": "slc_research.charts.theme",
    "weekly_rate_chart": "slc_research.charts.conferences",
    "yes_no_chart": "slc_research.charts.coproduction",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'slc_research.charts' has no attribute {name!r}")
