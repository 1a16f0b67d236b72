"""Charts of the student-led conferences report: weekly reflections, depth, feedback.

Pure functions: an aggregated, tidy DataFrame in (from :mod:`slc_research.casestudies.conferences.analysis`,
withheld rows already NA), an ``alt.Chart`` out, nothing mutated. Withheld rows
are left out of every chart.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from slc_research.charts.theme import PALETTE, WIDTH, ChartError, check_data, plain_frame
from slc_research.words import plural

__all__ = ["depth_group_chart", "depth_mean_chart", "depth_share_chart", "feedback_chart",
           "weekly_rate_chart"]

_DEPTH_COLOURS = ("#c9d9e8", "#6fa3cf", "#1b6ca8", "#0d3d63", "#061f33")


def weekly_rate_chart(weekly: pd.DataFrame, *, target: float = 1.0) -> alt.LayerChart:
    """Reflections written per pupil each week, one line per class, with the target as a rule.

    Parameters
    ----------
    weekly : DataFrame
        :func:`~slc_research.casestudies.conferences.analysis.weekly_rates`: ``class``, ``week``,
        ``rate``, ``n_pupils`` (withheld weeks have NA and are left out).
    target : float
        Reflections expected per pupil per week (drawn as a dashed line).
    """
    check_data(weekly, ["class", "week", "rate", "n_pupils"])
    data = plain_frame(weekly[["class", "week", "rate", "n_pupils"]].dropna(subset=["rate"]))
    data["week"] = pd.to_datetime(data["week"]).dt.strftime("%Y-%m-%d")
    classes = sorted(data["class"].dropna().unique())
    if not classes:
        raise ChartError("no week has enough pupils to chart")
    n = int(weekly.dropna(subset=["rate"]).groupby("class")["n_pupils"].max().sum())
    lines = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("week:T", title="School week (starting Monday)"),
        y=alt.Y("rate:Q", title="Reflections per pupil",
                scale=alt.Scale(domain=[0, max(1.2 * target, float(data["rate"].max()))])),
        color=alt.Color("class:N", title="Class", sort=classes,
                        scale=alt.Scale(domain=classes,
                                        range=list((PALETTE * 4)[:len(classes)]))),
        tooltip=[alt.Tooltip("class:N", title="Class"),
                 alt.Tooltip("week:T", title="Week of", format="%d %b %Y"),
                 alt.Tooltip("rate:Q", title="Reflections per pupil", format=".2f"),
                 alt.Tooltip("n_pupils:Q", title="Pupils")],
    )
    rule = alt.Chart(pd.DataFrame({"target": [float(target)]})).mark_rule(
        strokeDash=[6, 4], color="#555555").encode(
        y=alt.Y("target:Q"), tooltip=[alt.Tooltip("target:Q", title="Target per week")])
    return (lines + rule).properties(width=WIDTH, title=alt.Title(
        "Weekly reflections per pupil",
        subtitle=f"{plural(len(classes), 'class', 'classes')}, n = {n} pupils; dashed line: the target of "
                 f"{target:g} a week"))


def depth_share_chart(shares: pd.DataFrame) -> alt.Chart:
    """Share of reflections at each depth level per half term, as stacked bars.

    Parameters
    ----------
    shares : DataFrame
        :func:`~slc_research.casestudies.conferences.analysis.depth_shares`: ``period``, ``level``,
        ``level_name``, ``share``, ``ci_low``, ``ci_high``, ``n_total``.
    """
    check_data(shares, ["period", "level", "level_name", "share", "n_total"])
    data = plain_frame(shares.dropna(subset=["share"]))
    if data.empty:
        raise ChartError("no period has enough pupils to chart")
    data["pct"] = 100 * data["share"]
    names = list(dict.fromkeys(shares.sort_values("level")["level_name"].astype(str)))
    periods = list(dict.fromkeys(data["period"]))
    n = int(data.drop_duplicates("period")["n_total"].sum())
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("period:N", title="Half term", sort=periods, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("pct:Q", title="% of reflections", stack="zero",
                scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("level_name:N", title="Depth", sort=names,
                        scale=alt.Scale(domain=names,
                                        range=list(_DEPTH_COLOURS[:len(names)]))),
        order=alt.Order("level:Q"),
        tooltip=[alt.Tooltip("period:N", title="Half term"),
                 alt.Tooltip("level_name:N", title="Depth"),
                 alt.Tooltip("pct:Q", title="%", format=".1f"),
                 alt.Tooltip("n_total:Q", title="Reflections in the half term")],
    ).properties(width=WIDTH, title=alt.Title(
        "How deep were the reflections?",
        subtitle=f"Share at each level of the rubric per half term; n = {n} reflections"))


def depth_mean_chart(means: pd.DataFrame, *, levels: int = 3) -> alt.LayerChart:
    """Mean depth per half term with 95% confidence intervals.

    Parameters
    ----------
    means : DataFrame
        :func:`~slc_research.casestudies.conferences.analysis.depth_means`: ``period``, ``n``,
        ``mean``, ``ci_low``, ``ci_high``.
    levels : int
        Number of rubric levels (the top of the axis).
    """
    check_data(means, ["period", "n", "mean", "ci_low", "ci_high"])
    data = plain_frame(means.dropna(subset=["mean"]))
    if data.empty:
        raise ChartError("no period has enough pupils to chart")
    periods = list(data["period"])
    x = alt.X("period:N", title="Half term", sort=periods, axis=alt.Axis(labelAngle=0))
    scale = alt.Scale(domain=[1, levels])
    y = alt.Y("mean:Q", title="Mean depth (95% CI)", scale=scale)
    tip = [alt.Tooltip("period:N", title="Half term"),
           alt.Tooltip("mean:Q", title="Mean depth", format=".2f"),
           alt.Tooltip("ci_low:Q", title="95% CI low", format=".2f"),
           alt.Tooltip("ci_high:Q", title="95% CI high", format=".2f"),
           alt.Tooltip("n:Q", title="Reflections")]
    bars = alt.Chart(data).mark_rule(color=PALETTE[0]).encode(x=x, y=alt.Y("ci_low:Q", scale=scale),
                                                              y2=alt.Y2("ci_high:Q"), tooltip=tip)
    points = alt.Chart(data).mark_line(point=True, color=PALETTE[0]).encode(x=x, y=y, tooltip=tip)
    return (bars + points).properties(width=WIDTH, title=alt.Title(
        "Mean depth of reflections",
        subtitle=f"1 = descriptive, {levels} = deepest level; n = {int(data['n'].sum())} "
                 "reflections"))


def depth_group_chart(groups: pd.DataFrame, *, level_name: str = "explanatory or deeper",
                      title: str = "Reflections by class") -> alt.LayerChart:
    """Percentage of reflections at the deeper levels per group, with 95% CIs.

    Parameters
    ----------
    groups : DataFrame
        :func:`~slc_research.casestudies.conferences.analysis.depth_by_group` with ``display=False``:
        ``group``, ``pupils``, ``reflections``, ``pct_deep``, ``pct_ci_low``, ``pct_ci_high``.
    level_name : str
        What "deep" means, for the axis.
    title : str
    """
    check_data(groups, ["group", "pupils", "reflections", "pct_deep", "pct_ci_low", "pct_ci_high"])
    data = plain_frame(groups.dropna(subset=["pct_deep"]))
    if data.empty:
        raise ChartError("no group has enough pupils to chart")
    order = list(data["group"])
    y = alt.Y("group:N", title=None, sort=order)
    tip = [alt.Tooltip("group:N", title="Group"),
           alt.Tooltip("pct_deep:Q", title="%", format=".1f"),
           alt.Tooltip("pct_ci_low:Q", title="95% CI low", format=".1f"),
           alt.Tooltip("pct_ci_high:Q", title="95% CI high", format=".1f"),
           alt.Tooltip("reflections:Q", title="Reflections"),
           alt.Tooltip("pupils:Q", title="Pupils")]
    bars = alt.Chart(data).mark_bar(color=PALETTE[0], opacity=0.8).encode(
        x=alt.X("pct_deep:Q", title=f"% of reflections {level_name} (95% CI)",
                scale=alt.Scale(domain=[0, 100])), y=y, tooltip=tip)
    ci = alt.Chart(data).mark_rule(color="#333333").encode(
        x=alt.X("pct_ci_low:Q"), x2=alt.X2("pct_ci_high:Q"), y=y, tooltip=tip)
    return (bars + ci).properties(width=WIDTH, title=alt.Title(
        title, subtitle=f"n = {int(data['pupils'].sum())} pupils, "
                        f"{int(data['reflections'].sum())} reflections"))


def feedback_chart(counts: pd.DataFrame) -> alt.Chart:
    """Feedback responses after the conferences by who wrote them.

    Parameters
    ----------
    counts : DataFrame
        :func:`~slc_research.casestudies.conferences.analysis.feedback_counts` with ``display=False``:
        ``Who``, ``Responses``.
    """
    check_data(counts, ["Who", "Responses"])
    data = plain_frame(counts.dropna(subset=["Responses"]))
    if data.empty:
        raise ChartError("no group has enough responses to chart")
    return alt.Chart(data).mark_bar(color=PALETTE[0]).encode(
        x=alt.X("Responses:Q", title="Responses"),
        y=alt.Y("Who:N", title=None, sort=list(data["Who"])),
        tooltip=[alt.Tooltip("Who:N"), alt.Tooltip("Responses:Q")],
    ).properties(width=WIDTH, title=alt.Title(
        "Feedback after the conferences",
        subtitle=f"n = {int(data['Responses'].sum())} responses"))
