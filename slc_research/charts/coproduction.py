"""Charts of the co-production pilot report: forest plot, yes/no shares, participation bands.

Pure functions: an aggregated, tidy DataFrame in, an ``alt.Chart`` out, nothing
mutated. Every chart has a title stating its n and labelled axes.
"""

from __future__ import annotations

import re

import altair as alt
import pandas as pd

from slc_research.charts import axes
from slc_research.charts.theme import PALETTE, WIDTH, ChartError, check_data, plain_frame
from slc_research.charts.withheld import subtitle_lines, withheld_note
from slc_research.words import plural

__all__ = ["band_change_chart", "forest_chart", "yes_no_chart"]


def forest_chart(forest: pd.DataFrame, *, x_title: str,
                 title: str = "Change in each school and pooled",
                 higher_is_better: bool | None = None) -> alt.LayerChart:
    """Forest plot: each school's estimate and CI (square sized by weight), then the pooled one.

    Parameters
    ----------
    forest : DataFrame
        :func:`~slc_research.casestudies.coproduction.pilot.forest_table`: ``label``, ``kind``
        (``"school"`` / ``"pooled"``), ``estimate``, ``ci_low``, ``ci_high``,
        ``weight_percent``, ``n`` and optionally ``k`` (schools pooled). Schools withheld
        for small numbers are simply absent; the pooled row's ``n`` counts every pupil pooled.
    x_title : str
        What the estimate is, with "95% CI". The side of zero that is better is
        added to it ("better →" or "← better") unless it already says "better".
    title : str
        The title; the subtitle states k schools and n pupils.
    higher_is_better : bool, optional
        Whether a higher estimate is the better one; default from the words of
        ``title`` and ``x_title`` (see :func:`~slc_research.charts.axes.higher_is_better`:
        lower is better for negative behaviour, absence, "trouble").

    Raises
    ------
    ChartError
        Missing columns or no pooled row.
    """
    check_data(forest, ["label", "kind", "estimate", "ci_low", "ci_high", "weight_percent", "n"])
    pooled = forest[forest["kind"] == "pooled"]
    if pooled.empty:
        raise ChartError("the forest table needs a row with kind 'pooled' (the pooled estimate)")
    data = forest.dropna(subset=["estimate"]).copy()
    k = int(pooled["k"].iloc[0]) if "k" in pooled.columns else len(data) - 1
    data["row"] = [f"{lab} (n = {int(n)})" if kind == "school"
                   else f"{lab} ({k} schools, n = {int(n)})"
                   for lab, kind, n in zip(data["label"], data["kind"], data["n"], strict=True)]
    data = plain_frame(data)
    order = list(data["row"])
    schools = data[data["kind"] == "school"]
    shown = len(schools)
    n_total = int(pooled["n"].iloc[0])
    y = alt.Y("row:N", title=None, sort=order, axis=alt.Axis(labelLimit=0))
    tips = [alt.Tooltip("label:N", title="school"), alt.Tooltip("estimate:Q", format=".2f"),
            alt.Tooltip("ci_low:Q", format=".2f"), alt.Tooltip("ci_high:Q", format=".2f"),
            alt.Tooltip("weight_percent:Q", title="weight %", format=".0f"),
            alt.Tooltip("n:Q", title="pupils")]
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(
        color="#555555", strokeDash=[4, 4]).encode(x=alt.X("zero:Q"))
    if higher_is_better is None:
        higher_is_better = axes.higher_is_better(f"{title} {x_title}")
    if not re.search(r"\bbetter\b", x_title, re.IGNORECASE):  # unless the caller says it
        x_title = f"{x_title}   {axes.better_arrow(higher_is_better)}"
    rules = alt.Chart(data).mark_rule(strokeWidth=2).encode(
        y=y, x=alt.X("ci_low:Q", title=x_title),
        x2=alt.X2("ci_high:Q"),
        color=alt.Color("kind:N", scale=alt.Scale(domain=["school", "pooled"],
                                                  range=[PALETTE[0], PALETTE[2]]), legend=None))
    squares = alt.Chart(plain_frame(schools) if shown else data.iloc[:0]).mark_square(
        color=PALETTE[0], opacity=1).encode(
        y=y, x=alt.X("estimate:Q"),
        size=alt.Size("weight_percent:Q", title="Weight (%)", scale=alt.Scale(range=[40, 400]),
                      legend=None), tooltip=tips)
    diamond = alt.Chart(data[data["kind"] == "pooled"]).mark_point(
        shape="diamond", filled=True, size=260, color=PALETTE[2]).encode(
        y=y, x=alt.X("estimate:Q"), tooltip=tips)
    subtitle = [f"k = {k} schools, n = {n_total} pupils pooled ({plural(shown, 'school')} shown)",
                "Squares sized by weight; diamond: pooled estimate; dashed line: no change"]
    return alt.layer(zero, rules, squares, diamond).properties(
        width=WIDTH, height=max(80, 30 * len(data)),
        title=alt.Title(title, subtitle=subtitle))


def yes_no_chart(table: pd.DataFrame, *, question: str) -> alt.LayerChart:
    """% answering Yes before and after, with Wilson intervals, per school and for all schools.

    Parameters
    ----------
    table : DataFrame
        :func:`~slc_research.casestudies.coproduction.pilot.yes_no_change` with small schools'
        rows withheld (NA): ``school``, ``n_both``, ``pct_before``,
        ``before_ci_low``, ``before_ci_high``, ``pct_after``, ``after_ci_low``,
        ``after_ci_high``.
    question : str
        The question, for the title.
    """
    check_data(table, ["school", "n_both", "pct_before", "before_ci_low", "before_ci_high",
                   "pct_after", "after_ci_low", "after_ci_high"])
    rows = []
    for _, r in table.dropna(subset=["pct_before", "pct_after"]).iterrows():
        for period, tag in (("Before", "before"), ("After", "after")):
            rows.append({"school": r["school"], "period": period, "pct": r[f"pct_{tag}"],
                         "ci_low": r[f"{tag}_ci_low"], "ci_high": r[f"{tag}_ci_high"]})
    data = plain_frame(pd.DataFrame(rows, columns=["school", "period", "pct", "ci_low", "ci_high"]))
    schools = list(dict.fromkeys(data["school"]))
    total = table.loc[table["school"] == "All schools", "n_both"]
    n = int(total.iloc[0]) if len(total) and pd.notna(total.iloc[0]) else 0
    x = alt.X("period:N", title=None, sort=["Before", "After"], axis=alt.Axis(labelAngle=0))
    color = alt.Color("period:N", title=None, sort=["Before", "After"],
                      scale=alt.Scale(domain=["Before", "After"], range=[PALETTE[1], PALETTE[0]]))
    base = alt.Chart(data).encode(x=x, color=color)
    layered = alt.layer(
        base.mark_bar().encode(
            y=alt.Y("pct:Q", title="% answering Yes (95% CI)", scale=alt.Scale(domain=[0, 100])),
            tooltip=[alt.Tooltip("school:N"), alt.Tooltip("period:N"),
                     alt.Tooltip("pct:Q", format=".0f"), alt.Tooltip("ci_low:Q", format=".0f"),
                     alt.Tooltip("ci_high:Q", format=".0f")]),
        base.mark_rule(color="#333333").encode(y=alt.Y("ci_low:Q"), y2=alt.Y2("ci_high:Q")),
    ).properties(width=110, height=180)
    return layered.facet(column=alt.Column("school:N", title=None, sort=schools)).properties(
        title=alt.Title(f"\u201c{question}\u201d: before and after",
                        subtitle=subtitle_lines(
                            f"n = {n} pupils who answered both times",
                            withheld_note(table, {"pct_before": "", "pct_after": ""},
                                          ["school"]))))


def band_change_chart(bands: pd.DataFrame, *,
                      title: str = "Change in negative behaviour by meetings attended"
                      ) -> alt.LayerChart:
    """Mean change in negative points per week (95% CI) per band of % of meetings attended.

    Parameters
    ----------
    bands : DataFrame
        :func:`~slc_research.casestudies.coproduction.pilot.attendance_bands`: ``band``, ``n``,
        ``change``, ``ci_low``, ``ci_high`` (withheld bands are NA and left out).
    title : str
    """
    check_data(bands, ["band", "n", "change", "ci_low", "ci_high"])
    order = list(bands["band"].astype(str))
    data = plain_frame(bands.dropna(subset=["change"]))
    data["label"] = [f"{b} (n = {int(n)})" for b, n in zip(data["band"], data["n"], strict=True)]
    labels = {b: f"{b} (n = {int(n)})" for b, n in zip(data["band"], data["n"], strict=True)}
    n = int(pd.to_numeric(bands["n"], errors="coerce").sum())
    y = alt.Y("label:N", title="% of meetings attended",
              sort=[labels[b] for b in order if b in labels], axis=alt.Axis(labelLimit=0))
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(
        color="#555555", strokeDash=[4, 4]).encode(x=alt.X("zero:Q"))
    base = alt.Chart(data).encode(y=y)
    return alt.layer(
        zero,
        base.mark_rule(strokeWidth=2, color=PALETTE[0]).encode(
            x=alt.X("ci_low:Q", title="Change in negative points per school week (95% CI)"),
            x2=alt.X2("ci_high:Q")),
        base.mark_point(filled=True, size=80, color=PALETTE[0]).encode(
            x=alt.X("change:Q"),
            tooltip=[alt.Tooltip("band:N"), alt.Tooltip("n:Q", title="pupils"),
                     alt.Tooltip("change:Q", format=".2f"), alt.Tooltip("ci_low:Q", format=".2f"),
                     alt.Tooltip("ci_high:Q", format=".2f")]),
    ).properties(width=WIDTH, height=max(60, 32 * len(data)), title=alt.Title(
        title, subtitle=subtitle_lines(f"n = {n} pupils shown",
                                       withheld_note(bands, "change", ["band"]))))
