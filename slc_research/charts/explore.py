"""The explorer's chart: each group's mean with its confidence interval.

Pure: an aggregated summary (one row per group) in, an ``alt.Chart`` out. It
never sees a pupil's row, so it stays small whatever the number of pupils.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from slc_research.charts.theme import PALETTE, WIDTH, check_data

__all__ = ["group_means_chart"]


def group_means_chart(summary: pd.DataFrame, *, title: str, y_title: str,
                      group_title: str, subtitle: str | None = None,
                      groups: Sequence[str] | None = None,
                      confidence: float = 0.95) -> alt.LayerChart:
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
    return alt.layer(
        alt.Chart().mark_rule(strokeWidth=3, opacity=0.7).encode(
            y=alt.Y("ci_low:Q", title=f"{y_title} ({level} CI)", scale=alt.Scale(zero=False)),
            y2=alt.Y2("ci_high:Q")),
        alt.Chart().mark_point(filled=True, size=110, opacity=1).encode(y=alt.Y("mean:Q")),
        data={"values": records}, width=WIDTH, height=260,
        title=alt.Title(title, subtitle=subtitle),
    ).encode(
        x=alt.X("label:N", title=group_title, sort=sort,
                axis=alt.Axis(labelAngle=-30 if len(records) > 4 else 0, labelLimit=220)),
        color=alt.Color("label:N", sort=sort, legend=None, scale=alt.Scale(range=list(PALETTE))),
        tooltip=tooltip,
    )


def _floats(values: pd.Series) -> list[float | None]:
    """Plain floats for JSON (missing -> None)."""
    v = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    return [None if x != x else float(x) for x in v]
