"""Charts of the SLC impact report: who took part, change, attendance, effect sizes.

Pure functions: an aggregated, tidy DataFrame in, an ``alt.Chart`` out, nothing
mutated. Every chart has a title stating its n, labelled axes, and the same
colours for the same groups.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from slc_research.charts.axes import answer_axis, better_arrow, higher_is_better
from slc_research.charts.theme import (
    PALETTE,
    WIDTH,
    check_data,
    effect_label,
    group_color,
    n_by_group,
    n_label,
    plain_frame,
    range_label,
    total_of,
)
from slc_research.charts.withheld import subtitle_lines, withheld_note
from slc_research.errors import ChartError

__all__ = ["attendance_chart", "dose_response_chart", "effect_size_chart", "participation_chart",
           "representativeness_chart", "scale_change_chart"]

#: The two groups of an impact chart, members first (as the SLC case study names them).
GROUP_LABELS = ("SLC members", "Other pupils")


def representativeness_chart(table: pd.DataFrame, *, n_members: int | None = None,
                             n_rest: int | None = None, members_label: str = "SLC members",
                             rest_label: str = "Other pupils") -> alt.FacetChart:
    """Percentage of members and of other pupils at each level of each characteristic.

    Parameters
    ----------
    table : DataFrame
        ``Representativeness.table`` (after :func:`~slc_research.privacy.suppression.suppress_small`:
        withheld percentages are left out of the chart): ``characteristic``,
        ``level``, ``pct_members``, ``pct_rest`` and ``members_total``,
        ``rest_total`` unless ``n_members`` and ``n_rest`` are given.
    n_members, n_rest : int, optional
        Group sizes for the title.
    members_label, rest_label : str
        Legend labels.
    """
    check_data(table, ["characteristic", "level", "pct_members", "pct_rest"])
    n_members = total_of(table, "members_total", n_members)
    n_rest = total_of(table, "rest_total", n_rest)
    long = pd.concat([
        table[["characteristic", "level"]].assign(group=members_label, pct=table["pct_members"]),
        table[["characteristic", "level"]].assign(group=rest_label, pct=table["pct_rest"]),
    ], ignore_index=True)
    long = plain_frame(long.dropna(subset=["pct"]))
    groups = [members_label, rest_label]
    left_out = withheld_note(table, {"pct_members": f" ({members_label})",
                                     "pct_rest": f" ({rest_label.lower()})"},
                             ["characteristic", "level"])
    base = alt.Chart(long).mark_bar().encode(
        x=alt.X("pct:Q", title="% of group", scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("level:N", title=None, sort=None),
        yOffset=alt.YOffset("group:N", sort=groups),
        color=group_color(groups, title=None),
        tooltip=[alt.Tooltip("characteristic:N"), alt.Tooltip("level:N"),
                 alt.Tooltip("group:N"), alt.Tooltip("pct:Q", title="%", format=".1f")],
    ).properties(width=WIDTH)
    return base.facet(
        row=alt.Row("characteristic:N", title=None,
                    sort=list(dict.fromkeys(long["characteristic"])),
                    header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold")),
    ).resolve_scale(y="independent").properties(title=alt.Title(
        "Who took part",
        subtitle=subtitle_lines(
            f"{members_label} (n = {n_label(n_members)}) and {rest_label.lower()} in the same "
            f"year groups (n = {n_label(n_rest)})", left_out)))


def scale_change_chart(means: pd.DataFrame, *, answers: Sequence[str] | None = None,
                       first: int = 1, y_title: str = "Mean score",
                       title: str = "Questionnaire scores before and after",
                       groups: Sequence[str] = GROUP_LABELS) -> alt.Chart:
    """Mean before and after, by group, with 95% confidence intervals; one panel per outcome.

    The y axis is the whole answer scale (e.g. 1 to 5), never a stretch of it that
    makes a small change look large, and its title says what the ends mean.

    Parameters
    ----------
    means : DataFrame
        ``ChangeResult.means_frame()`` of one or more outcomes, concatenated:
        ``outcome``, ``group``, ``period``, ``n``, ``mean``, ``ci_low``, ``ci_high``.
        Withheld groups are simply absent; the subtitle says so.
    answers : list of str
        The answer scale in order, lowest first (the manifest's response scale's
        ``levels``); required when there is anything to draw.
    first : int, default 1
        The number the first answer scores (the response scale's ``start``).
    y_title, title : str
        The axis title is two lines: ``y_title`` with "(95% CI)", then the scale's ends.
    groups : list of str
        The groups in legend order; they keep their colours whether present or not.

    Raises
    ------
    ChartError
        Missing columns, or means to draw without ``answers``.
    """
    check_data(means, ["outcome", "group", "period", "n", "mean", "ci_low", "ci_high"])
    if answers is None:
        if means["mean"].notna().any():
            raise ChartError("give the answer scale (answers=[...], lowest first) so that the "
                             "means are drawn on the whole scale, not a stretch of it")
        answers = ("lowest", "highest")
    domain, ends = answer_axis(answers, first=first)
    data = plain_frame(means.dropna(subset=["mean"]))
    groups = list(dict.fromkeys([*groups, *means["group"]]))
    periods = list(dict.fromkeys(means["period"]))
    base = alt.Chart().encode(
        x=alt.X("period:O", title=None, sort=periods, axis=alt.Axis(labelAngle=0)),
        color=group_color(groups, title=None),
    )
    layers = alt.layer(
        base.mark_line(strokeWidth=2).encode(y=alt.Y(
            "mean:Q", title=[f"{y_title} (95% CI)", ends],
            scale=alt.Scale(domain=domain, zero=False, nice=False),
            axis=alt.Axis(values=list(range(domain[0], domain[1] + 1)), format="d"))),
        base.mark_rule(strokeWidth=2, opacity=0.6).encode(y=alt.Y("ci_low:Q"),
                                                          y2=alt.Y2("ci_high:Q")),
        base.mark_point(filled=True, size=70).encode(
            y=alt.Y("mean:Q"),
            tooltip=[alt.Tooltip("outcome:N"), alt.Tooltip("group:N"), alt.Tooltip("period:O"),
                     alt.Tooltip("n:Q"), alt.Tooltip("mean:Q", format=".2f"),
                     alt.Tooltip("ci_low:Q", format=".2f"),
                     alt.Tooltip("ci_high:Q", format=".2f")]),
        data=data,
    ).properties(width=180, height=200)
    chart = layers.facet(facet=alt.Facet("outcome:N", title=None,
                                         sort=list(dict.fromkeys(means["outcome"]))), columns=3)
    return chart.properties(title=alt.Title(title, subtitle=n_by_group(means, groups)))


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
    check_data(means, ["group", "period", "n", "mean", "ci_low", "ci_high"])
    data = plain_frame(means.dropna(subset=["mean"]))
    groups = list(dict.fromkeys([*groups, *means["group"]]))
    periods = list(dict.fromkeys(means["period"]))
    base = alt.Chart(data).encode(
        x=alt.X("period:O", title=None, sort=periods, axis=alt.Axis(labelAngle=0)),
        color=group_color(groups, title=None))
    return alt.layer(
        base.mark_line(strokeWidth=2).encode(
            y=alt.Y("mean:Q", title="Attendance, % of sessions (95% CI)",
                    scale=alt.Scale(zero=False))),
        base.mark_rule(strokeWidth=2, opacity=0.6).encode(y=alt.Y("ci_low:Q"),
                                                          y2=alt.Y2("ci_high:Q")),
        base.mark_point(filled=True, size=70).encode(
            y=alt.Y("mean:Q"), tooltip=[alt.Tooltip("group:N"), alt.Tooltip("period:O"),
                                 alt.Tooltip("n:Q"), alt.Tooltip("mean:Q", format=".1f")]),
    ).properties(width=260, height=220, title=alt.Title(title,
                                                        subtitle=n_by_group(means, groups)))


def effect_size_chart(effects: pd.DataFrame, *,
                      x_title: str = "Hedges' g, members minus other pupils (95% CI)",
                      title: str = "How much more members changed than other pupils"
                      ) -> alt.LayerChart:
    """Forest plot: each outcome's effect size and confidence interval, with a zero line.

    Each outcome's label ends with the side of zero that is better for it
    ("better →" where higher is better, "← better" for negative behaviour points or
    absence), since one axis holds outcomes where higher is better and worse.

    Parameters
    ----------
    effects : DataFrame
        :func:`~slc_research.casestudies.slc_impact.outcomes.effects_table`: ``outcome``, ``estimate``,
        ``ci_low``, ``ci_high``, ``n1`` (members), ``n2`` (comparison pupils; 0 if none),
        and optionally ``higher_is_better`` (bool; default from the outcome's name, see
        :func:`~slc_research.charts.axes.higher_is_better`). Rows without an estimate are
        left out.
    x_title, title : str
    """
    check_data(effects, ["outcome", "estimate", "ci_low", "ci_high", "n1", "n2"])
    data = effects.dropna(subset=["estimate"]).copy()
    higher = (data["higher_is_better"].astype(bool).tolist() if "higher_is_better" in data
              else [higher_is_better(o) for o in data["outcome"]])
    data["label"] = [f"{effect_label(o, a, b)}: {better_arrow(h)}"
                     for o, a, b, h in zip(data["outcome"], data["n1"], data["n2"], higher,
                                           strict=True)]
    data = data.drop(columns=[c for c in ("higher_is_better",) if c in data.columns])
    data = plain_frame(data)
    order = list(data["label"])
    base = alt.Chart(data).encode(y=alt.Y("label:N", title=None, sort=order,
                                          axis=alt.Axis(labelLimit=0)))
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(
        color="#555555", strokeDash=[4, 4]).encode(x=alt.X("zero:Q"))
    return alt.layer(
        zero,
        base.mark_rule(strokeWidth=2, color=PALETTE[0]).encode(
            x=alt.X("ci_low:Q", title=x_title), x2=alt.X2("ci_high:Q")),
        base.mark_point(filled=True, size=80, color=PALETTE[0]).encode(
            x=alt.X("estimate:Q"),
            tooltip=[alt.Tooltip("outcome:N"), alt.Tooltip("estimate:Q", title="g", format=".2f"),
                     alt.Tooltip("ci_low:Q", format=".2f"), alt.Tooltip("ci_high:Q", format=".2f"),
                     alt.Tooltip("n1:Q", title="members"),
                     *([alt.Tooltip("n2:Q", title="other pupils")]
                       if pd.to_numeric(data["n2"], errors="coerce").gt(0).any() else [])]),
    ).properties(width=WIDTH, height=max(60, 32 * len(data)), title=alt.Title(
        title, subtitle=_effects_subtitle(len(data), effects)))


def _effects_subtitle(outcomes: int, effects: pd.DataFrame) -> str:
    """"3 outcomes; n = 12-14 members v 40-52 other pupils" (members alone when none)."""
    others = pd.to_numeric(effects["n2"], errors="coerce").fillna(0)
    versus = (f" v {range_label(effects['n2'])} other pupils" if others.gt(0).any() else "")
    return (f"{outcomes} outcome{'' if outcomes == 1 else 's'}; n = "
            f"{range_label(effects['n1'])} members{versus}")


def participation_chart(bands: pd.DataFrame, *,
                        title: str = "How often members came to meetings") -> alt.Chart:
    """Number of members in each band of "% of meetings attended", per community.

    Parameters
    ----------
    bands : DataFrame
        ``Participation.bands``: ``community``, ``band``, ``n`` (withheld counts are left out).
    title : str
    """
    check_data(bands, ["community", "band", "n"])
    data = plain_frame(bands.dropna(subset=["n"]))
    order = sorted(dict.fromkeys(bands["band"].astype(str)), key=_band_order)
    communities = list(dict.fromkeys(bands["community"]))
    counts = pd.to_numeric(bands["n"], errors="coerce")
    total = counts.sum()
    # bands merged in one community but not another (see merge_small_bands) differ
    merged = len({frozenset(g.astype(str)) for _, g in bands.groupby(
        "community", sort=False)["band"]}) > 1
    chart = alt.Chart(data).mark_bar(color=PALETTE[0]).encode(
        x=alt.X("band:O", title="% of meetings attended while a member", sort=order,
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("n:Q", title="Members", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("community:N"), alt.Tooltip("band:O"), alt.Tooltip("n:Q")],
    ).properties(width=220, height=180)
    subtitle = subtitle_lines(
        f"n = {int(total)} members" + (
            f" in {len(communities)} communities" if len(communities) > 1 else "") + (
            "; a band with too few members is merged with the next one" if merged else ""),
        withheld_note(bands, "n", ["community", "band"], noun="members"))
    if len(communities) > 1:
        return chart.facet(facet=alt.Facet("community:N", title=None, sort=communities),
                           columns=3).resolve_scale(x="independent").properties(
            title=alt.Title(title, subtitle=subtitle))
    return chart.properties(title=alt.Title(f"{title}: {communities[0]}" if communities else title,
                                            subtitle=subtitle))


def _band_order(band: str) -> tuple[float, float]:
    """``"25-49%"`` -> (25, 49); a label without numbers sorts last."""
    import re

    found = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", band)]
    return (found[0], found[-1]) if found else (float("inf"), float("inf"))


# --- helpers ---------------------------------------------------------------------------------


def dose_response_chart(bands: pd.DataFrame, *, outcome: str, unit: str,
                        title: str | None = None) -> alt.Chart:
    """Members' mean change (95% CI) per band of meetings attended.

    Parameters
    ----------
    bands : DataFrame
        ``DoseResponse.bands`` after suppression: ``band``, ``n``,
        ``mean_change``, ``ci_low``, ``ci_high`` (withheld bands are left out).
    outcome, unit : str
        What changed, for the title and the axis.
    title : str, optional
    """
    check_data(bands, ["band", "n", "mean_change", "ci_low", "ci_high"])
    order = list(dict.fromkeys(bands["band"].astype(str)))
    data = plain_frame(bands.dropna(subset=["mean_change"]))
    counts = pd.to_numeric(bands["n"], errors="coerce")
    data["label"] = [f"{b} (n = {n_label(n)})" for b, n in zip(data["band"], data["n"], strict=True)]
    x = alt.X("band:O", title="% of meetings attended", sort=order, scale=alt.Scale(domain=order),
              axis=alt.Axis(labelAngle=0))
    base = alt.Chart(data)
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4], color="#555").encode(
        y=alt.Y("y:Q"))
    chart = alt.layer(
        zero,
        base.mark_rule(strokeWidth=2, color=PALETTE[0]).encode(
            x=x, y=alt.Y("ci_low:Q", title=f"Mean change ({unit}), 95% CI"),
            y2=alt.Y2("ci_high:Q")),
        base.mark_point(filled=True, size=80, color=PALETTE[0]).encode(
            x=x, y=alt.Y("mean_change:Q"),
            tooltip=[alt.Tooltip("label:N", title="band"),
                     alt.Tooltip("mean_change:Q", title="mean change", format=".2f"),
                     alt.Tooltip("ci_low:Q", format=".2f"),
                     alt.Tooltip("ci_high:Q", format=".2f")]),
    ).properties(width=WIDTH, height=220, title=alt.Title(
        title or f"{outcome}: change by meetings attended",
        subtitle=subtitle_lines(f"n = {int(counts.sum())} members",
                                withheld_note(bands, "mean_change", ["band"],
                                              noun="members"))))
    return chart
