"""Altair chart builders for the case-study reports.

Pure functions: an aggregated, tidy DataFrame in, an ``alt.Chart`` out, nothing
mutated. Every chart has a title stating its n, labelled axes, and the same
colours for the same groups. Data are aggregated before they get here: a chart
refuses more than 5,000 rows (see :data:`MAX_ROWS`).

Call :func:`use_offline_renderer` once per notebook: charts then render as
inline SVG (through vl-convert), so an exported HTML report needs no network.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from slc_research.errors import SlcResearchError
from slc_research.outcomes import GROUP_LABELS

__all__ = [
    "MAX_ROWS",
    "PALETTE",
    "THEME",
    "ChartError",
    "attendance_chart",
    "effect_size_chart",
    "participation_chart",
    "representativeness_chart",
    "scale_change_chart",
    "use_offline_renderer",
]

#: Most rows a chart builder accepts: aggregate first.
MAX_ROWS = 5_000
#: Colours of the groups, in order (members first, comparison pupils second).
PALETTE = ("#1b6ca8", "#a0a0a0", "#e07b39", "#4f9d69", "#8e6bb8")
#: Name of the registered Altair theme.
THEME = "slc-research"
_FONT = "Helvetica, Arial, sans-serif"
_WIDTH = 420


class ChartError(SlcResearchError):
    """A chart was given data it cannot draw (missing columns, too many rows)."""


def use_offline_renderer() -> None:
    """Render charts as inline SVG with the slc-research theme (call once per notebook).

    The SVG renderer draws through vl-convert inside the kernel, so the output
    is plain SVG: nbconvert embeds it in the HTML report and no JavaScript or
    CDN is needed to view it.
    """
    if THEME not in alt.theme.names():
        alt.theme.register(THEME, enable=False)(_theme)
    alt.theme.enable(THEME)
    alt.renderers.enable("svg")


def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": _FONT,
            "title": {"fontSize": 15, "anchor": "start", "subtitleFontSize": 12,
                      "subtitleColor": "#555555"},
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "gridColor": "#e6e6e6"},
            "header": {"labelFontSize": 12, "titleFontSize": 12},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
            "view": {"stroke": None},
            "range": {"category": list(PALETTE)},
        },
    }


def representativeness_chart(table: pd.DataFrame, *, n_members: int | None = None,
                             n_rest: int | None = None, members_label: str = "SLC members",
                             rest_label: str = "Other pupils") -> alt.FacetChart:
    """Percentage of members and of other pupils at each level of each characteristic.

    Parameters
    ----------
    table : DataFrame
        ``Representativeness.table`` (after :func:`~slc_research.suppression.suppress_small`:
        withheld percentages are left out of the chart): ``characteristic``,
        ``level``, ``pct_members``, ``pct_rest`` and ``members_total``,
        ``rest_total`` unless ``n_members`` and ``n_rest`` are given.
    n_members, n_rest : int, optional
        Group sizes for the title.
    members_label, rest_label : str
        Legend labels.
    """
    _check(table, ["characteristic", "level", "pct_members", "pct_rest"])
    n_members = _total(table, "members_total", n_members)
    n_rest = _total(table, "rest_total", n_rest)
    long = pd.concat([
        table[["characteristic", "level"]].assign(group=members_label, pct=table["pct_members"]),
        table[["characteristic", "level"]].assign(group=rest_label, pct=table["pct_rest"]),
    ], ignore_index=True)
    long = _plain(long.dropna(subset=["pct"]))
    groups = [members_label, rest_label]
    base = alt.Chart(long).mark_bar().encode(
        x=alt.X("pct:Q", title="% of group", scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("level:N", title=None, sort=None),
        yOffset=alt.YOffset("group:N", sort=groups),
        color=_color(groups, title=None),
        tooltip=[alt.Tooltip("characteristic:N"), alt.Tooltip("level:N"),
                 alt.Tooltip("group:N"), alt.Tooltip("pct:Q", title="%", format=".1f")],
    ).properties(width=_WIDTH)
    return base.facet(
        row=alt.Row("characteristic:N", title=None,
                    sort=list(dict.fromkeys(long["characteristic"])),
                    header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold")),
    ).resolve_scale(y="independent").properties(title=alt.Title(
        "Who took part",
        subtitle=f"{members_label} (n = {_n(n_members)}) and {rest_label.lower()} in the same "
                 f"year groups (n = {_n(n_rest)})"))


def scale_change_chart(means: pd.DataFrame, *, y_title: str = "Mean score (95% CI)",
                       title: str = "Questionnaire scores before and after",
                       groups: Sequence[str] = GROUP_LABELS) -> alt.Chart:
    """Mean before and after, by group, with 95% confidence intervals; one panel per outcome.

    Parameters
    ----------
    means : DataFrame
        ``ChangeResult.means_frame()`` of one or more outcomes, concatenated:
        ``outcome``, ``group``, ``period``, ``n``, ``mean``, ``ci_low``, ``ci_high``.
        Withheld groups are simply absent; the subtitle says so.
    y_title, title : str
    groups : list of str
        The groups in legend order; they keep their colours whether present or not.
    """
    _check(means, ["outcome", "group", "period", "n", "mean", "ci_low", "ci_high"])
    data = _plain(means.dropna(subset=["mean"]))
    groups = list(dict.fromkeys([*groups, *means["group"]]))
    periods = list(dict.fromkeys(means["period"]))
    base = alt.Chart().encode(
        x=alt.X("period:O", title=None, sort=periods, axis=alt.Axis(labelAngle=0)),
        color=_color(groups, title=None),
    )
    layers = alt.layer(
        base.mark_line(strokeWidth=2).encode(y=alt.Y("mean:Q", title=y_title,
                                                     scale=alt.Scale(zero=False))),
        base.mark_rule(strokeWidth=2, opacity=0.6).encode(y="ci_low:Q", y2="ci_high:Q"),
        base.mark_point(filled=True, size=70).encode(
            y="mean:Q",
            tooltip=[alt.Tooltip("outcome:N"), alt.Tooltip("group:N"), alt.Tooltip("period:O"),
                     alt.Tooltip("n:Q"), alt.Tooltip("mean:Q", format=".2f"),
                     alt.Tooltip("ci_low:Q", format=".2f"),
                     alt.Tooltip("ci_high:Q", format=".2f")]),
        data=data,
    ).properties(width=180, height=200)
    chart = layers.facet(facet=alt.Facet("outcome:N", title=None,
                                         sort=list(dict.fromkeys(means["outcome"]))), columns=3)
    return chart.properties(title=alt.Title(title, subtitle=_n_by_group(means, groups)))


def attendance_chart(means: pd.DataFrame, *, title: str = "Attendance before and after",
                     groups: Sequence[str] = GROUP_LABELS) -> alt.Chart:
    """Mean attendance % in each period, by group, with 95% confidence intervals.

    Parameters
    ----------
    means : DataFrame
        ``attendance_change(...).means_frame()``: ``group``, ``period``, ``n``,
        ``mean``, ``ci_low``, ``ci_high``.
    title : str
    groups : list of str
        As in :func:`scale_change_chart`.
    """
    _check(means, ["group", "period", "n", "mean", "ci_low", "ci_high"])
    data = _plain(means.dropna(subset=["mean"]))
    groups = list(dict.fromkeys([*groups, *means["group"]]))
    periods = list(dict.fromkeys(means["period"]))
    base = alt.Chart(data).encode(
        x=alt.X("period:O", title=None, sort=periods, axis=alt.Axis(labelAngle=0)),
        color=_color(groups, title=None))
    return alt.layer(
        base.mark_line(strokeWidth=2).encode(
            y=alt.Y("mean:Q", title="Attendance, % of sessions (95% CI)",
                    scale=alt.Scale(zero=False))),
        base.mark_rule(strokeWidth=2, opacity=0.6).encode(y="ci_low:Q", y2="ci_high:Q"),
        base.mark_point(filled=True, size=70).encode(
            y="mean:Q", tooltip=[alt.Tooltip("group:N"), alt.Tooltip("period:O"),
                                 alt.Tooltip("n:Q"), alt.Tooltip("mean:Q", format=".1f")]),
    ).properties(width=260, height=220, title=alt.Title(title,
                                                        subtitle=_n_by_group(means, groups)))


def effect_size_chart(effects: pd.DataFrame, *,
                      x_title: str = "Hedges' g with 95% CI (positive: members changed more)",
                      title: str = "How much more members changed than other pupils"
                      ) -> alt.LayerChart:
    """Forest plot: each outcome's effect size and confidence interval, with a zero line.

    Parameters
    ----------
    effects : DataFrame
        :func:`~slc_research.outcomes.effects_table`: ``outcome``, ``estimate``,
        ``ci_low``, ``ci_high``, ``n1`` (members), ``n2`` (comparison pupils; 0 if none).
        Rows without an estimate are left out.
    x_title, title : str
    """
    _check(effects, ["outcome", "estimate", "ci_low", "ci_high", "n1", "n2"])
    data = effects.dropna(subset=["estimate"]).copy()
    data["label"] = [_effect_label(o, a, b)
                     for o, a, b in zip(data["outcome"], data["n1"], data["n2"], strict=True)]
    data = _plain(data)
    order = list(data["label"])
    base = alt.Chart(data).encode(y=alt.Y("label:N", title=None, sort=order,
                                          axis=alt.Axis(labelLimit=0)))
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(
        color="#555555", strokeDash=[4, 4]).encode(x="zero:Q")
    return alt.layer(
        zero,
        base.mark_rule(strokeWidth=2, color=PALETTE[0]).encode(
            x=alt.X("ci_low:Q", title=x_title), x2="ci_high:Q"),
        base.mark_point(filled=True, size=80, color=PALETTE[0]).encode(
            x="estimate:Q",
            tooltip=[alt.Tooltip("outcome:N"), alt.Tooltip("estimate:Q", title="g", format=".2f"),
                     alt.Tooltip("ci_low:Q", format=".2f"), alt.Tooltip("ci_high:Q", format=".2f"),
                     alt.Tooltip("n1:Q", title="members"),
                     alt.Tooltip("n2:Q", title="other pupils")]),
    ).properties(width=_WIDTH, height=max(60, 32 * len(data)), title=alt.Title(
        title, subtitle=f"{len(data)} outcome(s); n = "
                        f"{_range(effects['n1'])} members v {_range(effects['n2'])} other pupils"))


def participation_chart(bands: pd.DataFrame, *,
                        title: str = "How often members came to meetings") -> alt.Chart:
    """Number of members in each band of "% of meetings attended", per community.

    Parameters
    ----------
    bands : DataFrame
        ``Participation.bands``: ``community``, ``band``, ``n`` (withheld counts are left out).
    title : str
    """
    _check(bands, ["community", "band", "n"])
    data = _plain(bands.dropna(subset=["n"]))
    order = list(dict.fromkeys(bands["band"].astype(str)))
    communities = list(dict.fromkeys(bands["community"]))
    counts = pd.to_numeric(bands["n"], errors="coerce")
    total = counts.sum()
    chart = alt.Chart(data).mark_bar(color=PALETTE[0]).encode(
        x=alt.X("band:O", title="% of meetings attended while a member", sort=order,
                scale=alt.Scale(domain=order), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("n:Q", title="Members", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("community:N"), alt.Tooltip("band:O"), alt.Tooltip("n:Q")],
    ).properties(width=220, height=180)
    subtitle = f"n = {int(total)} members" + (
        f" in {len(communities)} communities" if len(communities) > 1 else "") + (
        "; bands with too few members to show are left blank" if counts.isna().any() else "")
    if len(communities) > 1:
        return chart.facet(facet=alt.Facet("community:N", title=None, sort=communities),
                           columns=3).properties(title=alt.Title(title, subtitle=subtitle))
    return chart.properties(title=alt.Title(f"{title}: {communities[0]}" if communities else title,
                                            subtitle=subtitle))


# --- helpers ---------------------------------------------------------------------------------

def _check(df: pd.DataFrame, columns: Sequence[str]) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ChartError(f"expected a DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ChartError(f"the chart needs columns {list(columns)}; missing {missing}")
    if len(df) > MAX_ROWS:
        raise ChartError(f"{len(df):,} rows is too many to chart (at most {MAX_ROWS:,}); "
                         "aggregate the data first (one row per group)")


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Nullable and categorical columns as plain float / object, for Vega-Lite."""
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[col] = pd.to_numeric(s, errors="coerce").astype(float)
        else:
            out[col] = s.astype(object).where(s.notna(), None).map(
                lambda v: v if v is None else str(v))
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


def _color(groups: list[str], *, title: str | None) -> alt.Color:
    return alt.Color("group:N", title=title, sort=groups,
                     scale=alt.Scale(domain=groups, range=list(PALETTE[:len(groups)])))


def _n(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "too few to show"
    return f"{int(value)}"


def _effect_label(outcome: str, n1, n2) -> str:
    paired_only = _n(n2) == "0"  # no comparison group: n2 is 0
    return f"{outcome} (n = {_n(n1)})" if paired_only else f"{outcome} (n = {_n(n1)} v {_n(n2)})"


def _range(values: pd.Series) -> str:
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return "too few to show"
    lo, hi = int(v.min()), int(v.max())
    return f"{lo}" if lo == hi else f"{lo}-{hi}"


def _total(table: pd.DataFrame, column: str, given: int | None) -> int | None:
    if given is not None:
        return given
    if column not in table.columns:
        raise ChartError(f"give n_members and n_rest, or a table with a {column!r} column")
    known = table[column].dropna()
    return None if known.empty else int(known.iloc[0])  # None: withheld (too few)


def _n_by_group(means: pd.DataFrame, groups: Sequence[str]) -> str:
    present = dict(list(means.groupby("group", sort=False)))
    parts = [f"{g}: n = {_range(present[g]['n'])}" if g in present else f"{g}: too few to show"
             for g in groups]
    return "; ".join(parts) + " (pupils measured both times)"
