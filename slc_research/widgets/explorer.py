"""The Explorer: pick a measure, a grouping, filters and a wave, or two waves to see change.

>>> from slc_research import widgets
>>> widgets.explorer("data/demo")          # doctest: +SKIP

The analysis lives in :mod:`slc_research.casestudies.explore.analysis` and, for change
between two waves, :mod:`slc_research.casestudies.explore.change` (the same functions a
notebook calls); the charts are :func:`slc_research.charts.group_means_chart` and
:func:`slc_research.charts.group_change_chart`.
This module only wires controls to them. The per-pupil table is built once,
when the widget opens; each control change is then a slice, a filter and a
grouped mean, so the explorer stays quick with 100,000 pupils.
"""

from __future__ import annotations

import html
from pathlib import Path

import altair as alt
import ipywidgets as w
import pandas as pd

from slc_research.casestudies.explore.analysis import (
    CHARACTERISTICS,
    GROUPINGS,
    ExploreResult,
    MeasuresTable,
    explore,
    measures_table,
)
from slc_research.casestudies.explore.change import ChangeResult, explore_change
from slc_research.charts.axes import answer_axis
from slc_research.charts.explore import group_change_chart, group_means_chart
from slc_research.errors import ConfigError, SlcResearchError
from slc_research.stats import EffectSize, PrePostEffect
from slc_research.widgets.svg import svg_of
from slc_research.workspace.enquiry import Enquiry

__all__ = ["Explorer", "explorer"]

_ALL = ""  # value of the "everyone" choice of a filter
_FILTER_NAMES = {"school": "School", "year_group": "Year group", "pupil_premium": "Pupil premium",
                 "sen": "SEN", "gender": "Gender"}
_STYLE = {"description_width": "initial"}
#: The groups of a grouping, plural, for a chart that draws only the largest of many.
_GROUP_NOUNS = {"school": "schools", "year_group": "year groups"}
#: The two views: one wave at a time, or the change between two waves.
ONE_WAVE, CHANGE = "wave", "change"
#: What the explorer says for an enquiry with nothing to explore.
NO_MEASURES = ("<p><b>Nothing to explore yet:</b> this enquiry has no questionnaire scale (a "
               "<code>[scales.*]</code> table and a survey source), attendance, behaviour or "
               "attainment source. Add one to enquiry.toml, then run this cell again.</p>")


def _dropdown(name: str, description: str, options, **kw) -> w.Dropdown:
    d = w.Dropdown(description=description, options=options, style=_STYLE, **kw)
    d.add_class(f"slc-explorer-{name}")
    return d


class Explorer(w.VBox):
    """Explore any pupil measure by group: a live chart, a table with n and an effect size.

    Parameters
    ----------
    source : str, Path, Enquiry or MeasuresTable
        A workspace folder, an opened :class:`~slc_research.Enquiry`, or an
        already built :class:`~slc_research.casestudies.explore.analysis.MeasuresTable`.
    draw : bool, default True
        Draw the chart as SVG in the widget on every change. False keeps
        ``chart`` up to date without drawing (for tests and benchmarks).

    Attributes
    ----------
    view : ipywidgets.ToggleButtons
        ``"wave"`` (each group's mean at one wave) or ``"change"`` (each group's
        change from ``wave`` to ``wave_to``, with Hedges' g of the change).
    measure, wave, wave_to, group_by, community : ipywidgets.Dropdown
        The main controls (``measure.value`` is a key of ``measures.measures``;
        ``wave_to`` is shown only for change).
    filters : dict of str to ipywidgets.Dropdown
        One per characteristic (school, year group, pupil premium, SEN,
        gender); value ``""`` keeps everyone.
    compare_a, compare_b : ipywidgets.Dropdown
        The two groups compared (g is A minus B; for change, d_ppc2 is how much more
        A changed than B).
    result : ExploreResult or ChangeResult
        The current view (``None`` only if it could not be computed: see ``message``).
    table : DataFrame
        ``result.summary``: one row per group, small groups withheld.
    chart : alt.LayerChart
        The current chart (aggregated: one row per published group; of more than
        :data:`~slc_research.charts.explore.MOST_GROUPS_DRAWN` groups, the largest that
        many, as its subtitle says; ``table`` keeps them all).
    effect : EffectSize, PrePostEffect or None
        Hedges' g of the comparison at one wave, or Morris's d_ppc2 of the two
        groups' changes.
    chart_view, table_view, effect_view, message : ipywidgets.HTML
    """

    def __init__(self, source: str | Path | Enquiry | MeasuresTable, *, draw: bool = True) -> None:
        if isinstance(source, MeasuresTable):
            self.measures = source
        else:
            enquiry = source if isinstance(source, Enquiry) else Enquiry.open(source)
            self.measures = measures_table(enquiry)
        self.draw = draw
        self._busy = False
        self._compare_choice: tuple[str, str] | None = None
        self.result: ExploreResult | ChangeResult | None = None
        self.table = pd.DataFrame()
        self.chart: alt.LayerChart | None = None
        self.effect: EffectSize | PrePostEffect | None = None

        t = self.measures
        self.measure = _dropdown("measure", "Measure",
                                 [(m.label, k) for k, m in t.measures.items()])
        first = next(iter(t.measures.values()), None)
        self.view = w.ToggleButtons(description="Show", options=[
            ("One wave", ONE_WAVE), ("Change between waves", CHANGE)], value=ONE_WAVE,
            style=_STYLE)
        self.view.add_class("slc-explorer-view")
        self.wave = _dropdown("wave", "Wave or term", list(first.waves) if first else [])
        waves = list(first.waves) if first else []
        self.wave_to = _dropdown("wave-to", "changed to", waves,
                                 value=waves[1] if len(waves) > 1 else None)
        self.group_by = _dropdown("group-by", "Group by",
                                  [(label, key) for key, label in GROUPINGS.items()
                                   if key != "community" or t.communities],
                                  value="community" if t.communities else "year_group")
        self.community = _dropdown("community", "Community",
                                   [(label, key) for key, label in t.communities.items()])
        self.filters = {
            col: _dropdown(f"filter-{col.replace('_', '-')}", _FILTER_NAMES[col],
                           [("Everyone", _ALL)] + [(c, c) for c in t.data[col].cat.categories])
            for col in CHARACTERISTICS}
        self.compare_a = _dropdown("compare-a", "Compare", [])
        self.compare_b = _dropdown("compare-b", "with", [])
        self.chart_view = w.HTML()
        self.chart_view.add_class("slc-explorer-chart")
        self.effect_view = w.HTML()
        self.effect_view.add_class("slc-explorer-effect")
        self.table_view = w.HTML()
        self.table_view.add_class("slc-explorer-table")
        self.message = w.HTML()
        self.message.add_class("slc-explorer-message")

        self.measure.observe(self._measure_changed, names="value")
        self.view.observe(self._view_changed, names="value")
        self.group_by.observe(self._grouping_changed, names="value")
        self.community.observe(self._grouping_changed, names="value")
        for control in (self.wave, self.wave_to, *self.filters.values()):
            control.observe(self._refresh, names="value")
        for control in (self.compare_a, self.compare_b):
            control.observe(self._compare_changed, names="value")

        wrap = w.Layout(flex_flow="row wrap")
        super().__init__([
            w.HBox([self.measure, self.view], layout=wrap),
            w.HBox([self.wave, self.wave_to], layout=wrap),
            w.HBox([self.group_by, self.community], layout=wrap),
            w.HBox(list(self.filters.values()), layout=wrap),
            w.HBox([self.compare_a, self.compare_b], layout=wrap),
            self.message, self.chart_view, self.effect_view, self.table_view,
        ])
        self.add_class("slc-explorer")
        self._show_community()
        self._show_wave_to()
        if not t.measures:
            self.message.value = NO_MEASURES
            return
        self._refresh()

    # -- callbacks: no analysis here, only wiring ----------------------
    def _measure_changed(self, change) -> None:
        self._set_waves()
        self._refresh()

    def _set_waves(self) -> None:
        """The measure's waves; for change, only those a change can be measured between."""
        m = self.measures.measures.get(self.measure.value)
        if m is None:
            return
        waves = list(m.change_waves if self.view.value == CHANGE else m.waves)
        current, current_to = self.wave.value, self.wave_to.value
        self._busy = True
        try:
            self.wave.options = waves
            self.wave.value = current if current in waves else (waves[0] if waves else None)
            self.wave_to.options = waves
            later = [x for x in waves if x != self.wave.value]
            self.wave_to.value = (current_to if current_to in later
                                  else later[0] if later else self.wave.value)
        finally:
            self._busy = False

    def _view_changed(self, change) -> None:
        self._set_waves()
        self._show_wave_to()
        self._refresh()

    def _show_wave_to(self) -> None:
        self.wave_to.layout.display = None if self.view.value == CHANGE else "none"
        self.wave.description = "From" if self.view.value == CHANGE else "Wave or term"

    def _grouping_changed(self, change) -> None:
        self._compare_choice = None
        self._show_community()
        self._refresh()

    def _compare_changed(self, change) -> None:
        if self._busy:
            return
        self._compare_choice = (self.compare_a.value, self.compare_b.value)
        self._refresh()

    def _show_community(self) -> None:
        shown = self.group_by.value == "community"
        self.community.layout.display = None if shown else "none"

    def current_filters(self) -> dict[str, str | None]:
        """The filters as :func:`~slc_research.casestudies.explore.analysis.explore` takes them."""
        return {col: (d.value or None) for col, d in self.filters.items()}

    def _refresh(self, change=None) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            groups = self.result.groups if self.result is not None else []
            choice = self._compare_choice
            if choice is not None and not all(g in groups for g in choice):
                choice = None
            community = self.community.value if self.group_by.value == "community" else None
            if self.view.value == CHANGE:
                result = explore_change(self.measures, measure=self.measure.value,
                                        before=self.wave.value, after=self.wave_to.value,
                                        by=self.group_by.value, community=community,
                                        filters=self.current_filters(), compare=choice)
            else:
                result = explore(self.measures, measure=self.measure.value,
                                 wave=self.wave.value, by=self.group_by.value,
                                 community=community, filters=self.current_filters(),
                                 compare=choice)
            self.compare_a.options = self.compare_b.options = result.groups
            if result.comparison is not None:
                self.compare_a.value, self.compare_b.value = result.comparison
            self._show(result)
            self.message.value = ""
        except (KeyError, SlcResearchError) as exc:
            said = exc.message if isinstance(exc, ConfigError) else str(exc)
            self.message.value = (f"<p><b>Cannot show this:</b> {html.escape(said)}. "
                                  "Change a control to try again.</p>")
            # nothing of the view before stays, as if it answered these controls
            self.result, self.table, self.chart, self.effect = None, pd.DataFrame(), None, None
            self.chart_view.value = self.table_view.value = self.effect_view.value = ""
        finally:
            self._busy = False

    def _show(self, result: ExploreResult | ChangeResult) -> None:
        m = result.measure
        noun = _GROUP_NOUNS.get(result.by, "groups")
        if isinstance(result, ChangeResult):
            scale = None
            if m.answers:
                domain, ends = answer_axis(m.answers, first=m.first)
                scale = f"on the {domain[0]}-{domain[1]} answer scale ({ends})"
            chart = group_change_chart(
                result.chart_data(), title=f"{m.label}, {result.before} to {result.after}",
                y_title=f"Change in mean {m.unit}".strip(), group_title=result.group_title,
                outcome=m.label, confidence=result.confidence, scale_note=scale,
                group_noun=noun)
        else:
            chart = group_means_chart(
                result.chart_data(), title=f"{m.label}, {result.wave}",
                y_title=f"Mean {m.unit}".strip(), group_title=result.group_title,
                confidence=result.confidence, answers=m.answers or None, first=m.first,
                group_noun=noun)
        if result.chart_data().empty:  # a chart of nobody ("n = 0 pupils"): say why instead
            chart = None
        self.result, self.table, self.chart, self.effect = result, result.summary, chart, \
            result.effect
        self.table_view.value = _html_table(result.display_table())
        self.effect_view.value = f"<p>{html.escape(result.sentence)}</p>"
        if chart is None:
            self.chart_view.value = f"<p>{html.escape(_nothing_drawn(result))}</p>"
        elif self.draw:
            self.chart_view.value = svg_of(chart)


def _nothing_drawn(result: ExploreResult | ChangeResult) -> str:
    """Why no chart is drawn: no pupil selected, or every group withheld."""
    measured = "measured at both waves" if isinstance(result, ChangeResult) else "measured"
    if result.summary.empty:
        return (f"No pupil is {measured} with these filters, so there is nothing to draw: "
                "widen the filters or choose another wave.")
    return (f"Nothing is drawn: every group has fewer than {result.threshold} pupils {measured}, "
            "or is withheld so that a smaller one cannot be worked out, and groups that small "
            "could identify pupils. Widen the filters or group pupils another way.")


def _html_table(table: pd.DataFrame) -> str:
    """A small HTML table, every cell escaped."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in table.itertuples(index=False))
    return f'<table class="slc-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def explorer(workspace: str | Path | Enquiry | MeasuresTable, *, draw: bool = True) -> Explorer:
    """The Explorer for a workspace, in one line: ``widgets.explorer("data/demo")``.

    Parameters
    ----------
    workspace : str, Path, Enquiry or MeasuresTable
        The enquiry workspace folder, an opened Enquiry, or a built table.
    draw : bool, default True
        See :class:`Explorer`.

    Returns
    -------
    Explorer
        An ``ipywidgets.VBox``: the last line of a cell displays it.
    """
    return Explorer(workspace, draw=draw)
