"""Issue 17, item 9: a widget's chart is drawn once per spec, with the reports' Vega-Lite version."""

from __future__ import annotations

import altair as alt
import pandas as pd

from slc_research.charts.render import local_svg
from slc_research.report.sanitise import safe_svg
from slc_research.widgets import svg


def _chart(value: int) -> alt.Chart:
    return alt.Chart(pd.DataFrame({"a": ["x", "y"], "b": [3, value]})).mark_bar().encode(
        x="a:N", y="b:Q").properties(title=f"n = {value}")


def test_item9_widget_chart_drawn_once_per_spec_and_same_as_the_reports():
    svg._MEMO.clear()
    first = svg.svg_of(_chart(4))
    assert first == safe_svg(local_svg(svg.chart_spec(_chart(4))))
    assert len(svg._MEMO) == 1
    assert svg.svg_of(_chart(4)) == first  # the same state again: not drawn again
    assert len(svg._MEMO) == 1
    other = svg.svg_of(_chart(5))
    assert other != first
    assert len(svg._MEMO) == 2


def test_item9_widget_memo_keeps_only_recent_charts():
    svg._MEMO.clear()
    for value in range(svg.SVG_MEMO_SIZE + 5):
        svg.svg_of(_chart(value))
    assert len(svg._MEMO) == svg.SVG_MEMO_SIZE


def test_item9_a_chart_vl_convert_refuses_is_a_message_not_a_traceback():
    bad = _chart(3)
    bad.mark = "no-such-mark"  # not validated on the way to vl-convert: vl-convert refuses it
    out = svg.svg_of(bad)
    assert out.startswith("<p>The chart could not be drawn (")
    assert "<script" not in out
