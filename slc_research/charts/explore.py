"""The explorer's charts: each group's mean, or each group's change, with its confidence interval.

Pure: an aggregated summary (one row per group) in, an ``alt.Chart`` out. They
never see a pupil's row, so they stay small whatever the number of pupils. A
questionnaire scale's means are drawn on its whole answer scale
(:func:`slc_research.charts.axes.answer_axis`), never on a stretch cut to the data;
a change is drawn with its zero line, the side that is better named.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from slc_research.charts.axes import answer_axis, higher_is_better
from slc_research.charts.theme import PALETTE, WIDTH, check_data

__all__ = ["group_change_chart", "group_means_chart", "statistics_chart"]


def group_means_chart(summary: pd.DataFrame, *, title: str, y_title: str,
                      group_title: str, subtitle: str | None = None,
                      groups: Sequence[str] | None = None,
                      confidence: float = 0.95, answers: Sequence[str] | None = None,
                      first: int = 1) -> alt.LayerChart:
    """Mean of each group with its confidence interval, n in the labels and tooltip.

    Parameters
    ----------
    summary : DataFrame
        One row per published group: ``group``, ``n``, ``mean``, ``ci_low``,
        ``ci_high`` (and optionally ``sd``), e.g.
        :meth:`slc_research.casestudies.explore.analysis.ExploreResult.chart_data`. Withheld groups
        must already be left out; rows with no mean are dropped.
    title : str
        What is shown ("Engagement in lessons, Wave 1").
    y_title : str
        The measure's unit, e.g. "Mean scale score".
    group_title : str
        What the groups are ("Year group").
    subtitle : str, optional
        Default: the total n and a note on the intervals and withheld groups.
    groups : list of str, optional
        Display order (default: the order of ``summary``).
    confidence : float
        Level of the intervals, for the labels.
    answers : list of str, optional
        For a questionnaire scale: its answers in order, lowest first. The y axis then
        spans the whole scale (e.g. 1-5) and its title states what the ends mean;
        without it the axis follows the data (attendance %, points, scores).
    first : int, default 1
        The number the first answer scores.

    Returns
    -------
    alt.LayerChart
        Points (means) over rules (intervals); x is the group labelled with its n.

    Raises
    ------
    ChartError
        Missing columns or more than 5,000 rows (aggregate first).
    """
    check_data(summary, ["group", "n", "mean", "ci_low", "ci_high"])
    shown = summary[pd.notna(summary["mean"]).to_numpy(dtype=bool)]
    names = [str(g) for g in shown["group"]]
    order = [str(g) for g in groups] if groups is not None else names
    rank = {g: i for i, g in enumerate(dict.fromkeys([*order, *names]))}
    cols = {c: _floats(shown[c]) if c in shown.columns else [None] * len(shown)
            for c in ("n", "mean", "sd", "ci_low", "ci_high")}
    records = [{"group": g, "label": f"{g} (n = {int(n):,})", "order": rank[g], "n": int(n),
                **{c: cols[c][i] for c in ("mean", "sd", "ci_low", "ci_high")}}
               for i, (g, n) in enumerate(zip(names, cols["n"], strict=True))]
    level = f"{confidence * 100:g}%"
    if subtitle is None:
        total = sum(r["n"] for r in records)
        subtitle = (f"n = {total:,} pupils; points are means, lines their {level} "
                    "confidence intervals; groups too small to publish are not shown")
    sort = alt.EncodingSortField(field="order", op="min")
    tooltip = [alt.Tooltip("group:N", title=group_title), alt.Tooltip("n:Q", title="Pupils (n)"),
               alt.Tooltip("mean:Q", title="Mean", format=".2f"),
               alt.Tooltip("sd:Q", title="SD", format=".2f"),
               alt.Tooltip("ci_low:Q", title=f"{level} CI low", format=".2f"),
               alt.Tooltip("ci_high:Q", title=f"{level} CI high", format=".2f")]
    # Built afresh on every call, so a chart shares no part with another and changing one
    # can never change the next. Everything but the shared encoding goes into the one
    # alt.layer call: each further builder step copies and checks the whole chart again.
    if answers:
        domain, ends = answer_axis(answers, first=first)
        y = alt.Y("ci_low:Q", title=[f"{y_title} ({level} CI)", ends],
                  scale=alt.Scale(domain=domain, zero=False, nice=False, clamp=True),
                  axis=alt.Axis(values=list(range(domain[0], domain[1] + 1)), format="d"))
    else:
        y = alt.Y("ci_low:Q", title=f"{y_title} ({level} CI)", scale=alt.Scale(zero=False))
    return alt.layer(
        alt.Chart().mark_rule(strokeWidth=3, opacity=0.7).encode(y=y, y2=alt.Y2("ci_high:Q")),
        alt.Chart().mark_point(filled=True, size=110, opacity=1).encode(y=alt.Y("mean:Q")),
        data={"values": records}, width=WIDTH, height=260,
        title=alt.Title(title, subtitle=subtitle),
    ).encode(
        x=alt.X("label:N", title=group_title, sort=sort,
                axis=alt.Axis(labelAngle=-30 if len(records) > 4 else 0, labelLimit=220)),
        color=alt.Color("label:N", sort=sort, legend=None, scale=alt.Scale(range=list(PALETTE))),
        tooltip=tooltip,
    )


def group_change_chart(summary: pd.DataFrame, *, title: str, y_title: str,
                       group_title: str, outcome: str, subtitle: str | list[str] | None = None,
                       confidence: float = 0.95, scale_note: str | None = None
                       ) -> alt.LayerChart:
    """Each group's mean change with its confidence interval, over a zero line.

    Parameters
    ----------
    summary : DataFrame
        One row per published group: ``group``, ``n``, ``change``, ``ci_low``,
        ``ci_high`` and optionally ``mean_before``, ``mean_after``, ``g``, ``g_low``,
        ``g_high`` (for the tooltip), e.g.
        :meth:`slc_research.casestudies.explore.change.ChangeResult.chart_data`.
        Withheld groups must already be left out; rows with no change are dropped.
    title : str
        What is shown ("Engagement in lessons, Wave 1 to Wave 2").
    y_title : str
        The change's unit, e.g. "Change in mean scale score".
    group_title : str
        What the groups are ("Pupil premium").
    outcome : str
        The measure's name: whether higher is better is read from it
        (:func:`slc_research.charts.axes.higher_is_better`) and said in the subtitle.
    subtitle : str or list of str, optional
        Default: two lines, the total n and what the points and lines are, then which
        side is better.
    confidence : float
    scale_note : str, optional
        A second line for the axis title, e.g. the answer scale's ends.

    Returns
    -------
    alt.LayerChart
        A dashed rule at 0, rules (intervals) and points (mean changes).
    """
    check_data(summary, ["group", "n", "change", "ci_low", "ci_high"])
    shown = summary[pd.notna(summary["change"]).to_numpy(dtype=bool)]
    names = [str(g) for g in shown["group"]]
    extra = ("mean_before", "mean_after", "g", "g_low", "g_high")
    cols = {c: _floats(shown[c]) if c in shown.columns else [None] * len(shown)
            for c in ("n", "change", "ci_low", "ci_high", *extra)}
    records = [{"group": g, "label": f"{g} (n = {int(n):,})", "order": i, "n": int(n),
                **{c: cols[c][i] for c in ("change", "ci_low", "ci_high", *extra)}}
               for i, (g, n) in enumerate(zip(names, cols["n"], strict=True))]
    level = f"{confidence * 100:g}%"
    if subtitle is None:
        total = sum(r["n"] for r in records)
        better = "higher" if higher_is_better(outcome) else "lower"
        subtitle = [f"n = {total:,} pupils measured at both; points are mean changes, lines "
                    f"their {level} confidence intervals",
                    f"above 0 = rose, {better} is better; groups too small to publish are not "
                    "shown"]
    sort = alt.EncodingSortField(field="order", op="min")
    tooltip = [alt.Tooltip("group:N", title=group_title),
               alt.Tooltip("n:Q", title="Pupils measured at both (n)"),
               alt.Tooltip("mean_before:Q", title="Mean before", format=".2f"),
               alt.Tooltip("mean_after:Q", title="Mean after", format=".2f"),
               alt.Tooltip("change:Q", title="Change", format="+.2f"),
               alt.Tooltip("ci_low:Q", title=f"{level} CI low", format="+.2f"),
               alt.Tooltip("ci_high:Q", title=f"{level} CI high", format="+.2f"),
               alt.Tooltip("g:Q", title="Hedges' g of the change", format="+.2f"),
               alt.Tooltip("g_low:Q", title=f"g, {level} CI low", format="+.2f"),
               alt.Tooltip("g_high:Q", title=f"g, {level} CI high", format="+.2f")]
    axis_title = [f"{y_title} ({level} CI)", scale_note] if scale_note else \
        f"{y_title} ({level} CI)"
    x = alt.X("label:N", title=group_title, sort=sort,
              axis=alt.Axis(labelAngle=-30 if len(records) > 4 else 0, labelLimit=220))
    return alt.layer(
        alt.Chart().mark_rule(color="#555555", strokeDash=[4, 4]).encode(y=alt.datum(0)),
        alt.Chart().mark_rule(strokeWidth=3, opacity=0.7).encode(
            x=x, y=alt.Y("ci_low:Q", title=axis_title, scale=alt.Scale(zero=True)),
            y2=alt.Y2("ci_high:Q"), tooltip=tooltip,
            color=alt.Color("label:N", sort=sort, legend=None,
                            scale=alt.Scale(range=list(PALETTE)))),
        alt.Chart().mark_point(filled=True, size=110, opacity=1).encode(
            x=x, y=alt.Y("change:Q"), tooltip=tooltip,
            color=alt.Color("label:N", sort=sort, legend=None,
                            scale=alt.Scale(range=list(PALETTE)))),
        data={"values": records}, width=WIDTH, height=260,
        title=alt.Title(title, subtitle=subtitle),
    )


def statistics_chart(effects: pd.DataFrame, *, title: str, x_title: str,
                     subtitle: str) -> alt.LayerChart:
    """The calculator's chart: several effect sizes of one comparison, each with its interval.

    Parameters
    ----------
    effects : DataFrame
        One row per statistic: ``statistic`` ("Hedges' g"), ``estimate``, ``ci_low``,
        ``ci_high``, ``n1``, ``n2`` (through suppression), e.g.
        :meth:`slc_research.casestudies.explore.calculator.CalculatorResult.effects_frame`.
    title : str
        The comparison ("Members v Other pupils: engagement").
    x_title : str
        What the axis is, e.g. "Effect size with 95% CI (positive: Members higher)".
    subtitle : str
        What is shown, counted in words ("3 statistics of 1 outcome; n = 40 v 45").

    Returns
    -------
    alt.LayerChart
        A dashed rule at 0, a rule per interval and a point per estimate.
    """
    check_data(effects, ["statistic", "estimate", "ci_low", "ci_high", "n1", "n2"])
    shown = effects[pd.notna(effects["estimate"]).to_numpy(dtype=bool)]
    records = [{"statistic": str(s), "estimate": e, "ci_low": lo, "ci_high": hi}
               for s, e, lo, hi in zip(shown["statistic"], _floats(shown["estimate"]),
                                       _floats(shown["ci_low"]), _floats(shown["ci_high"]),
                                       strict=True)]
    y = alt.Y("statistic:N", title=None, sort=[r["statistic"] for r in records],
              axis=alt.Axis(labelLimit=0))
    tooltip = [alt.Tooltip("statistic:N", title="Statistic"),
               alt.Tooltip("estimate:Q", title="Estimate", format=".2f"),
               alt.Tooltip("ci_low:Q", title="CI low", format=".2f"),
               alt.Tooltip("ci_high:Q", title="CI high", format=".2f")]
    return alt.layer(
        alt.Chart().mark_rule(color="#555555", strokeDash=[4, 4]).encode(x=alt.datum(0)),
        alt.Chart().mark_rule(strokeWidth=2, color=PALETTE[0]).encode(
            y=y, x=alt.X("ci_low:Q", title=x_title), x2=alt.X2("ci_high:Q"), tooltip=tooltip),
        alt.Chart().mark_point(filled=True, size=80, color=PALETTE[0]).encode(
            y=y, x=alt.X("estimate:Q"), tooltip=tooltip),
        data={"values": records}, width=WIDTH, height=max(60, 32 * len(records)),
        title=alt.Title(title, subtitle=subtitle),
    )


def _floats(values: pd.Series) -> list[float | None]:
    """Plain floats for JSON (missing -> None)."""
    v = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    return [None if x != x else float(x) for x in v]
