"""The explorer's charts: each group's mean, or each group's change, with its confidence interval.

Pure: an aggregated summary (one row per group) in, an ``alt.Chart`` out. They
never see a pupil's row, so they stay small whatever the number of pupils. A
questionnaire scale's means are drawn on its whole answer scale
(:func:`slc_research.charts.axes.answer_axis`), never on a stretch cut to the data;
a change is drawn with its zero line, the side that is better named.

Many groups (a trust's schools) are drawn across, groups down the side, so that no label
is slanted over its neighbour: more than :data:`UPRIGHT_GROUPS`. At most
:data:`MOST_GROUPS_DRAWN` are drawn, the largest (most pupils), and the subtitle says so
("Drawn: the 25 largest of 100 schools (16,225 of the 38,650 pupils); all 100 are in the
table below"). A chart of 100 points cannot be read, and vl-convert measures the text of
every label, a few milliseconds each: the 100-school chart took about 0.7 s to draw, its
25 largest drawn across take about 0.15 s. Groups withheld by suppression are left out
before, as always, and said in the subtitle.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from slc_research.charts.axes import answer_axis, higher_is_better
from slc_research.charts.theme import PALETTE, WIDTH, check_data

__all__ = ["MOST_GROUPS_DRAWN", "UPRIGHT_GROUPS", "group_change_chart", "group_means_chart",
           "statistics_chart"]

#: Most groups an explorer chart draws: with more, the largest are drawn and the rest named
#: as left to the table (the table keeps every group).
MOST_GROUPS_DRAWN = 25
#: Most groups drawn side by side along the bottom; with more, the chart is drawn across
#: (groups down the side), since 13 slanted labels in the chart's width touch each other.
UPRIGHT_GROUPS = 12
#: Height of each group's row in a chart drawn across, in pixels.
_ROW_STEP = 20
#: Longest group name in a label of a chart drawn across, in characters: the label's n is
#: never cut, and vl-convert then measures each label once (a pixel limit, which Vega
#: meets by cutting the label's end, n included, measures it twice: about 5 ms a label).
_NAME_CHARS = 36


def group_means_chart(summary: pd.DataFrame, *, title: str, y_title: str,
                      group_title: str, subtitle: str | None = None,
                      groups: Sequence[str] | None = None,
                      confidence: float = 0.95, answers: Sequence[str] | None = None,
                      first: int = 1, group_noun: str = "groups") -> alt.LayerChart:
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
    group_noun : str, default "groups"
        What the groups are, plural, for the line that says how many are drawn when
        there are more than :data:`MOST_GROUPS_DRAWN` ("schools").

    Returns
    -------
    alt.LayerChart
        Points (means) over rules (intervals); x is the group labelled with its n. With
        more than :data:`UPRIGHT_GROUPS` groups the chart is drawn across: y is the group,
        x the mean. With more than :data:`MOST_GROUPS_DRAWN`, only the largest that many
        (most pupils; ties in display order) are drawn, in display order, and a last
        subtitle line says how many of how many.

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
    records, subtitle, across = _drawn(records, subtitle, group_noun)
    sort = alt.EncodingSortField(field="order", op="min")
    tooltip = [alt.Tooltip("group:N", title=group_title), alt.Tooltip("n:Q", title="Pupils (n)"),
               alt.Tooltip("mean:Q", title="Mean", format=".2f"),
               alt.Tooltip("sd:Q", title="SD", format=".2f"),
               alt.Tooltip("ci_low:Q", title=f"{level} CI low", format=".2f"),
               alt.Tooltip("ci_high:Q", title=f"{level} CI high", format=".2f")]
    # Built afresh on every call, so a chart shares no part with another and changing one
    # can never change the next. Everything but the shared encoding goes into the one
    # alt.layer call: each further builder step copies and checks the whole chart again.
    # the value's channels: y (groups along the bottom) or x (groups down the side)
    value, value2, v, v2, g = ((alt.X, alt.X2, "x", "x2", "y") if across
                               else (alt.Y, alt.Y2, "y", "y2", "x"))
    if answers:
        domain, ends = answer_axis(answers, first=first)
        ci = value("ci_low:Q", title=[f"{y_title} ({level} CI)", ends],
                   scale=alt.Scale(domain=domain, zero=False, nice=False, clamp=True),
                   axis=alt.Axis(values=list(range(domain[0], domain[1] + 1)), format="d"))
    else:
        ci = value("ci_low:Q", title=f"{y_title} ({level} CI)", scale=alt.Scale(zero=False))
    return alt.layer(
        alt.Chart().mark_rule(strokeWidth=3, opacity=0.7).encode(
            **{v: ci, v2: value2("ci_high:Q")}),
        alt.Chart().mark_point(filled=True, size=110, opacity=1).encode(
            **{v: value("mean:Q")}),
        data={"values": records}, width=WIDTH,
        height=alt.Step(_ROW_STEP) if across else 260,
        title=alt.Title(title, subtitle=subtitle),
    ).encode(
        **{g: _group_channel(group_title, sort, len(records), across=across)},
        color=alt.Color("label:N", sort=sort, legend=None, scale=alt.Scale(range=list(PALETTE))),
        tooltip=tooltip,
    )


def group_change_chart(summary: pd.DataFrame, *, title: str, y_title: str,
                       group_title: str, outcome: str, subtitle: str | list[str] | None = None,
                       confidence: float = 0.95, scale_note: str | None = None,
                       group_noun: str = "groups") -> alt.LayerChart:
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
    group_noun : str, default "groups"
        What the groups are, plural ("schools"), as in :func:`group_means_chart`.

    Returns
    -------
    alt.LayerChart
        A dashed rule at 0, rules (intervals) and points (mean changes). Many groups are
        drawn across, and at most :data:`MOST_GROUPS_DRAWN` of them, as in
        :func:`group_means_chart`.
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
    records, subtitle, across = _drawn(records, subtitle, group_noun)
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
    value, value2, v, v2, g = ((alt.X, alt.X2, "x", "x2", "y") if across
                               else (alt.Y, alt.Y2, "y", "y2", "x"))
    group = _group_channel(group_title, sort, len(records), across=across)
    return alt.layer(
        alt.Chart().mark_rule(color="#555555", strokeDash=[4, 4]).encode(**{v: alt.datum(0)}),
        alt.Chart().mark_rule(strokeWidth=3, opacity=0.7).encode(
            **{g: group, v: value("ci_low:Q", title=axis_title, scale=alt.Scale(zero=True)),
               v2: value2("ci_high:Q")}, tooltip=tooltip,
            color=alt.Color("label:N", sort=sort, legend=None,
                            scale=alt.Scale(range=list(PALETTE)))),
        alt.Chart().mark_point(filled=True, size=110, opacity=1).encode(
            **{g: group, v: value("change:Q")}, tooltip=tooltip,
            color=alt.Color("label:N", sort=sort, legend=None,
                            scale=alt.Scale(range=list(PALETTE)))),
        data={"values": records}, width=WIDTH,
        height=alt.Step(_ROW_STEP) if across else 260,
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


def _drawn(records: list[dict], subtitle: str | list[str], group_noun: str
           ) -> tuple[list[dict], str | list[str], bool]:
    """The groups a chart draws, its subtitle, and whether it is drawn across.

    At most :data:`MOST_GROUPS_DRAWN` records: the largest (most pupils; ties in display
    order), kept in display order; when some are left out, a last subtitle line says how
    many groups, and how many of the pupils, are drawn. Drawn across when there are more than
    :data:`UPRIGHT_GROUPS` groups; then a name longer than :data:`_NAME_CHARS` characters is
    shortened in its label (never its n, and the tooltip keeps the whole name), unless two
    labels would then read the same.
    """
    total = len(records)
    across = total > UPRIGHT_GROUPS
    if total > MOST_GROUPS_DRAWN:
        pupils = sum(r["n"] for r in records)
        largest = sorted(records, key=lambda r: (-r["n"], r["order"]))[:MOST_GROUPS_DRAWN]
        records = sorted(largest, key=lambda r: r["order"])
        lines = [subtitle] if isinstance(subtitle, str) else list(subtitle)
        subtitle = [*lines, f"Drawn: the {MOST_GROUPS_DRAWN} largest of {total} {group_noun} "
                            f"({sum(r['n'] for r in records):,} of the {pupils:,} pupils); "
                            f"all {total} are in the table below"]
    if across:
        short = [f"{_shortened(r['group'])} (n = {r['n']:,})" for r in records]
        if len(set(short)) == len(short):
            records = [{**r, "label": label} for r, label in zip(records, short, strict=True)]
    return records, subtitle, across


def _shortened(name: str) -> str:
    """``name`` in at most :data:`_NAME_CHARS` characters: its middle cut, an ellipsis there.

    The end is kept as well as the start, since names that begin alike often end apart
    ("St Joseph's Catholic Primary School, Bradford" becomes "St Joseph's Catholic …
    Bradford"); the cut falls between words where a word boundary is near.
    """
    if len(name) <= _NAME_CHARS:
        return name
    tail_chars = (_NAME_CHARS - 3) // 3  # " … " between head and tail
    head, tail = name[:_NAME_CHARS - 3 - tail_chars], name[-tail_chars:]
    if " " in head[len(head) // 2:]:
        head = head[:head.rindex(" ")]
    if " " in tail[:len(tail) // 2]:
        tail = tail[tail.index(" ") + 1:]
    return f"{head.rstrip()} \u2026 {tail.lstrip()}"


def _group_channel(group_title: str, sort: alt.EncodingSortField, count: int, *,
                   across: bool) -> alt.X | alt.Y:
    """The groups' axis: down the side (labels level) or along the bottom (slanted if many)."""
    if across:
        # the title level above the labels, where a slanted one would cross a long label
        return alt.Y("label:N", title=group_title, sort=sort,
                     axis=alt.Axis(labelLimit=0, titleAngle=0, titleAnchor="start",
                                   titleAlign="right", titleBaseline="bottom", titleX=-8,
                                   titleY=-6))
    return alt.X("label:N", title=group_title, sort=sort,
                 axis=alt.Axis(labelAngle=-30 if count > 4 else 0, labelLimit=220))


def _floats(values: pd.Series) -> list[float | None]:
    """Plain floats for JSON (missing -> None)."""
    v = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    return [None if x != x else float(x) for x in v]
