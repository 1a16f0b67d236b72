"""The effect-size calculator: type two groups' numbers, or pick two groups from the workspace.

>>> from slc_research import widgets
>>> widgets.effect_size_calculator()                 # doctest: +SKIP
>>> widgets.effect_size_calculator("data/demo")      # doctest: +SKIP

All the arithmetic is :func:`slc_research.casestudies.explore.calculator.effect_size_from_summary`
(and, for groups picked from the workspace,
:func:`slc_research.casestudies.explore.calculator.workspace_groups` on the explorer's measures
table); this module only wires controls to it.
"""

from __future__ import annotations

import html
from pathlib import Path

import altair as alt
import ipywidgets as w
import numpy as np
import pandas as pd

from slc_research.casestudies.explore.calculator import (
    CalculatorResult,
    effect_size_from_summary,
    for_display,
    workspace_groups,
)
from slc_research.charts.explore import statistics_chart
from slc_research.errors import SlcResearchError
from slc_research.privacy.suppression import suppress_small
from slc_research.widgets.svg import svg_of
from slc_research.workspace.enquiry import Enquiry

__all__ = ["EffectSizeCalculator", "effect_size_calculator"]

_STYLE = {"description_width": "initial"}
TYPED, PICKED = "typed", "workspace"
#: What the outcome measures, in the teacher's words; months' progress only for attainment.
OUTCOME_KIND_CHOICES = (("Not said, or something else", "other"),
                        ("Test score or grade (attainment)", "attainment"),
                        ("Attitude or questionnaire scale", "attitude"),
                        ("Wellbeing", "wellbeing"), ("Attendance", "attendance"),
                        ("Behaviour", "behaviour"))


def _named(control: w.Widget, name: str) -> w.Widget:
    control.add_class(f"slc-calculator-{name}")
    return control


class EffectSizeCalculator(w.VBox):
    """Hedges' g with its CI, d, Glass's Δ, the MDES, a sentence (months' progress for attainment).

    Parameters
    ----------
    source : str, Path, Enquiry or None
        A workspace (folder or opened :class:`~slc_research.Enquiry`) to pick
        groups from; None offers typed numbers only.
    draw : bool, default True
        Draw the chart as SVG on every change (False: keep ``chart`` only).

    Attributes
    ----------
    mean1, sd1, n1, mean2, sd2, n2 : ipywidgets controls
        The intervention (1) and comparison (2) groups' numbers. Groups picked from
        the workspace show their mean and SD rounded to 2 places ("3.17"); the
        calculation uses the unrounded values.
    label1, label2, outcome : ipywidgets.Text
        Names used in the table and sentence.
    pretest_r : ipywidgets.BoundedFloatText
        Pre-test correlation for an adjusted MDES (0: no adjustment).
    outcome_kind : ipywidgets.Dropdown
        What the outcome measures; months' progress (with its caveat) is shown
        only for "Test score or grade (attainment)".
    mode : ipywidgets.ToggleButtons
        ``"typed"`` or ``"workspace"`` (only with a workspace).
    measure, wave, group_by, community, intervention, comparison : ipywidgets.Dropdown
        The workspace pickers (only with a workspace).
    result : CalculatorResult or None
        None when the inputs are incomplete or wrong (``message`` says why).
    table : DataFrame
        ``result.to_frame()`` (empty when there is no result).
    chart : alt.LayerChart or None
        d, g and Δ with their intervals.
    sentence, warnings_view, table_view, chart_view, message : ipywidgets.HTML
    """

    def __init__(self, source: str | Path | Enquiry | None = None, *, draw: bool = True) -> None:
        self.draw = draw
        self._busy = False
        self.result: CalculatorResult | None = None
        self.table = pd.DataFrame()
        self.chart: alt.LayerChart | None = None
        self.enquiry: Enquiry | None = None
        self.measures = None
        #: The picked groups' unrounded (mean, sd, n): the boxes show them rounded.
        self._picked: tuple[tuple[float, float, int], tuple[float, float, int]] | None = None

        def num(name, desc, value, cls=w.FloatText, **kw):
            return _named(cls(description=desc, value=value, style=_STYLE, **kw), name)

        self.label1 = _named(w.Text(description="Group 1", value="intervention", style=_STYLE),
                             "label1")
        self.mean1 = num("mean1", "Mean", 0.0)
        self.sd1 = num("sd1", "SD", 1.0, w.BoundedFloatText, min=0, max=1e12)
        self.n1 = num("n1", "Pupils (n)", 0, w.BoundedIntText, min=0, max=10**8)
        self.label2 = _named(w.Text(description="Group 2", value="comparison", style=_STYLE),
                             "label2")
        self.mean2 = num("mean2", "Mean", 0.0)
        self.sd2 = num("sd2", "SD", 1.0, w.BoundedFloatText, min=0, max=1e12)
        self.n2 = num("n2", "Pupils (n)", 0, w.BoundedIntText, min=0, max=10**8)
        self.outcome = _named(w.Text(description="Outcome", value="the outcome", style=_STYLE),
                              "outcome")
        self.pretest_r = num("pretest-r", "Pre-test correlation (adjusts the MDES; 0 = none)",
                             0.0, w.BoundedFloatText, min=0, max=0.99, step=0.05)
        self.outcome_kind = _named(w.Dropdown(description="What the outcome measures",
                                              options=list(OUTCOME_KIND_CHOICES), value="other",
                                              style=_STYLE), "outcome-kind")
        self.sentence = _named(w.HTML(), "sentence")
        self.warnings_view = _named(w.HTML(), "warnings")
        self.table_view = _named(w.HTML(), "table")
        self.chart_view = _named(w.HTML(), "chart")
        self.message = _named(w.HTML(), "message")
        typed = (self.label1, self.mean1, self.sd1, self.n1, self.label2, self.mean2, self.sd2,
                 self.n2, self.outcome, self.pretest_r, self.outcome_kind)
        for control in typed:
            control.observe(self._refresh, names="value")

        rows: list[w.Widget] = []
        if source is not None:
            rows += self._workspace_controls(source)
        wrap = w.Layout(flex_flow="row wrap")
        rows += [w.HBox([self.label1, self.mean1, self.sd1, self.n1], layout=wrap),
                 w.HBox([self.label2, self.mean2, self.sd2, self.n2], layout=wrap),
                 w.HBox([self.outcome, self.outcome_kind, self.pretest_r], layout=wrap),
                 self.message, self.sentence, self.warnings_view, self.table_view,
                 self.chart_view]
        super().__init__(rows)
        self.add_class("slc-calculator")
        self._refresh()

    # -- the workspace pickers -----------------------------------------
    def _workspace_controls(self, source) -> list[w.Widget]:
        from slc_research.casestudies.explore.analysis import GROUPINGS, measures_table

        self.enquiry = source if isinstance(source, Enquiry) else Enquiry.open(source)
        self.measures = t = measures_table(self.enquiry)

        def dd(name, desc, options, **kw):
            return _named(w.Dropdown(description=desc, options=options, style=_STYLE, **kw), name)

        self.mode = _named(w.ToggleButtons(description="Numbers", options=[
            ("Type them in", TYPED), ("Pick two groups in the workspace", PICKED)],
            style=_STYLE), "mode")
        self.measure = dd("measure", "Measure", [(m.label, k) for k, m in t.measures.items()])
        first = next(iter(t.measures.values()), None)
        self.wave = dd("wave", "Wave or term", list(first.waves) if first else [])
        self.group_by = dd("group-by", "Group by",
                           [(label, key) for key, label in GROUPINGS.items()
                            if key != "community" or t.communities],
                           value="community" if t.communities else "year_group")
        self.community = dd("community", "Community",
                            [(label, key) for key, label in t.communities.items()])
        self.intervention = dd("intervention", "Group 1 (intervention)", [])
        self.comparison = dd("comparison", "Group 2 (comparison)", [])
        self.mode.observe(self._mode_changed, names="value")
        self.measure.observe(self._measure_changed, names="value")
        for control in (self.wave, self.group_by, self.community):
            control.observe(self._groups_changed, names="value")
        for control in (self.intervention, self.comparison):
            control.observe(self._pick, names="value")
        self.pickers = w.VBox([
            w.HBox([self.measure, self.wave], layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.group_by, self.community], layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.intervention, self.comparison], layout=w.Layout(flex_flow="row wrap")),
        ])
        self.pickers.layout.display = "none"
        self._groups: dict[str, np.ndarray] = {}
        return [self.mode, self.pickers]

    def _mode_changed(self, change) -> None:
        picked = change["new"] == PICKED
        self.pickers.layout.display = None if picked else "none"
        for c in (self.mean1, self.sd1, self.n1, self.mean2, self.sd2, self.n2):
            c.disabled = picked
        if picked:
            self._groups_changed()
        else:  # the boxes' own numbers (a picked group's, rounded) from now on
            self._refresh()

    def _measure_changed(self, change) -> None:
        waves = list(self.measures.measures[change["new"]].waves)
        self._busy = True
        try:
            self.wave.options = waves
            self.wave.value = waves[0] if waves else None
        finally:
            self._busy = False
        self._groups_changed()

    def _groups_changed(self, change=None) -> None:
        if self._busy:
            return
        self.community.layout.display = None if self.group_by.value == "community" else "none"
        try:
            self._groups = workspace_groups(
                self.measures, self.enquiry.memberships, measure=self.measure.value,
                wave=self.wave.value, by=self.group_by.value,
                community=self.community.value if self.group_by.value == "community" else None)
        except (KeyError, SlcResearchError) as exc:
            self._groups = {}
            self.message.value = f"<p><b>Cannot pick groups:</b> {html.escape(str(exc))}</p>"
        names = list(self._groups)
        self._busy = True
        try:
            self.intervention.options = names
            self.comparison.options = names
            self.intervention.value = names[0] if names else None
            self.comparison.value = names[1] if len(names) > 1 else None
        finally:
            self._busy = False
        self._pick()

    def _pick(self, change=None) -> None:
        """Copy the two picked groups' mean, SD and n into the number boxes."""
        if self._busy or self.mode.value != PICKED:
            return
        a, b = self.intervention.value, self.comparison.value
        threshold = self.enquiry.suppression_threshold
        problem = None
        if a is None or b is None:
            problem = "there are not two groups with values: change the measure or grouping."
        elif a == b:
            problem = "choose two different groups."
        elif min(len(self._groups[a]), len(self._groups[b])) < threshold:
            problem = (f"a group has fewer than {threshold} pupils with a value, so its numbers "
                       "could identify pupils and are not shown. Choose larger groups.")
        if problem:
            self._picked = None
            self._clear(f"<p><b>Cannot compare these groups:</b> {html.escape(problem)}</p>")
            return
        x, y = self._groups[a], self._groups[b]
        self._picked = (_moments(x), _moments(y))
        measure = self.measures.measures[self.measure.value]
        self._busy = True
        try:
            self.label1.value, self.label2.value = a, b
            where = f"; {self.community.label}" if self.group_by.value == "community" else ""
            self.outcome.value = f"{measure.label} ({self.wave.value}{where})"
            for boxes, (mean, sd, n) in zip(((self.mean1, self.sd1, self.n1),
                                             (self.mean2, self.sd2, self.n2)), self._picked,
                                            strict=True):
                boxes[0].value, boxes[1].value = for_display(mean), for_display(sd)
                boxes[2].value = n
        finally:
            self._busy = False
        self._refresh()

    # -- the result: one call into slc_research.casestudies.explore.calculator --------------
    def _clear(self, message: str) -> None:
        self.result, self.table, self.chart = None, pd.DataFrame(), None
        self.message.value = message
        for view in (self.sentence, self.warnings_view, self.table_view, self.chart_view):
            view.value = ""

    def _refresh(self, change=None) -> None:
        if self._busy:
            return
        if self.n1.value < 2 or self.n2.value < 2:
            self._clear("<p>Type each group's mean, standard deviation and number of pupils "
                        "(at least 2 in each group).</p>")
            return
        numbers = (self.mean1.value, self.sd1.value, self.n1.value,
                   self.mean2.value, self.sd2.value, self.n2.value)
        if self._picked is not None and getattr(self, "mode", None) is not None \
                and self.mode.value == PICKED:
            numbers = (*self._picked[0], *self._picked[1])  # unrounded, as picked
        try:
            r = effect_size_from_summary(
                *numbers,
                labels=(self.label1.value or "intervention", self.label2.value or "comparison"),
                outcome=self.outcome.value or "the outcome",
                pretest_correlation=self.pretest_r.value or None,
                outcome_kind=self.outcome_kind.value)
        except SlcResearchError as exc:
            self._clear(f"<p><b>Cannot calculate:</b> {html.escape(str(exc))}</p>")
            return
        self.result, self.table = r, r.to_frame()
        self.message.value = ""
        self.sentence.value = f"<p>{html.escape(r.sentence)}</p>"
        self.warnings_view.value = "".join(f"<p>&#9888; {html.escape(x)}</p>"
                                           for x in r.warnings)
        self.table_view.value = _table_html(r)
        # Through the display boundary. Threshold 1: typed numbers are the user's own, and
        # groups picked from the workspace below its threshold are refused before this.
        effects = suppress_small(r.effects_frame(), count_cols=["n1", "n2"], threshold=1,
                                 partition_by=None)
        self.chart = statistics_chart(
            effects, x_title=f"Effect size with {r.confidence * 100:g}% CI "
                             f"(positive: {r.intervention.label} higher)",
            title=f"{r.intervention.label} v {r.comparison.label}: {r.outcome}",
            subtitle=r.counts)
        self.chart_view.value = svg_of(self.chart) if self.draw else ""


def _moments(values: np.ndarray) -> tuple[float, float, int]:
    return float(values.mean()), float(values.std(ddof=1)), int(len(values))


def _table_html(r: CalculatorResult) -> str:
    return (r.display_groups().to_html(index=False, escape=True, border=0)
            + r.display_table().to_html(index=False, escape=True, border=0))


def effect_size_calculator(source: str | Path | Enquiry | None = None, *,
                           draw: bool = True) -> EffectSizeCalculator:
    """Open the effect-size calculator (see :class:`EffectSizeCalculator`).

    Parameters
    ----------
    source : str, Path, Enquiry or None
        A workspace to pick groups from, or None for typed numbers only.
    draw : bool, default True

    Returns
    -------
    EffectSizeCalculator
        An ``ipywidgets.VBox``: the last line of a cell displays it.
    """
    return EffectSizeCalculator(source, draw=draw)
