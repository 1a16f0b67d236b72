"""Charts of the TLC impact report: membership, take-up, meetings, action plans, staff survey.

Pure functions: an aggregated, tidy DataFrame in (suppressed rows already NA and
left out here), an ``alt.Chart`` out. Every chart's title states its n.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from slc_research.charts.theme import PALETTE, WIDTH, ChartError, check_data, n_label, plain_frame
from slc_research.charts.withheld import subtitle_lines, withheld_line, withheld_note
from slc_research.privacy.suppression import suppressed_at

__all__ = ["action_cycle_chart", "breadth_chart", "half_term_attendance_chart", "likert_chart",
           "strategies_chart", "teaching_share_chart", "themes_chart"]

#: Colours of a five-point agree scale: disagree warm, neutral grey, agree blue.
LIKERT_COLOURS = ("#b2432f", "#e8a58f", "#cfcfcf", "#8fb8d9", "#1b6ca8")


def breadth_chart(table: pd.DataFrame, *, members_label: str = "TLC members",
                  staff_label: str = "All teaching staff") -> alt.FacetChart:
    """Percentage of members and of all teaching staff in each department, role and band.

    Parameters
    ----------
    table : DataFrame
        :func:`slc_research.casestudies.tlc.impact.membership_breadth` after suppression (``display=False``):
        ``characteristic``, ``level``, ``pct_members``, ``pct_teaching``,
        ``members_total``, ``teaching_total``.
    """
    check_data(table, ["characteristic", "level", "pct_members", "pct_teaching", "members_total",
                   "teaching_total"])
    long = pd.concat([
        table[["characteristic", "level"]].assign(group=members_label, pct=table["pct_members"]),
        table[["characteristic", "level"]].assign(group=staff_label, pct=table["pct_teaching"]),
    ], ignore_index=True)
    long = plain_frame(long.dropna(subset=["pct"]))
    groups = [members_label, staff_label]
    n_m, n_t = (table[c].dropna() for c in ("members_total", "teaching_total"))
    title = alt.Title(
        "Who joined the TLCs, beside all teaching staff",
        subtitle=subtitle_lines(
            f"{members_label}: n = {n_label(n_m.iloc[0] if len(n_m) else None)}; "
            f"{staff_label}: n = {n_label(n_t.iloc[0] if len(n_t) else None)}",
            withheld_note(table, {"pct_members": f" ({members_label})",
                                  "pct_teaching": f" ({staff_label.lower()})"},
                          ["characteristic", "level"], noun="staff")))
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("pct:Q", title="% of group"),
        y=alt.Y("level:N", title=None, sort=None),
        yOffset=alt.YOffset("group:N", sort=groups),
        color=alt.Color("group:N", title=None, sort=groups,
                        scale=alt.Scale(domain=groups, range=list(PALETTE[:2]))),
        tooltip=[alt.Tooltip("characteristic:N"), alt.Tooltip("level:N"), alt.Tooltip("group:N"),
                 alt.Tooltip("pct:Q", title="%", format=".1f")],
    ).properties(width=WIDTH).facet(
        row=alt.Row("characteristic:N", title=None, sort=["Role", "Experience", "Department"]),
        title=title,
    ).resolve_scale(y="independent")


def teaching_share_chart(shares: pd.DataFrame) -> alt.LayerChart:
    """Share of teaching staff in a TLC per academic year, with 95% CIs.

    Parameters
    ----------
    shares : DataFrame
        :func:`slc_research.casestudies.tlc.impact.teaching_share_by_year` after suppression
        (``display=False``): ``year``, ``k``, ``n``, ``estimate``, ``ci_low``, ``ci_high``
        (0-1). A withheld year (``estimate`` NA) is named in the subtitle, not drawn.
    """
    check_data(shares, ["year", "k", "n", "estimate", "ci_low", "ci_high"])
    left_out = withheld_note(shares, "estimate", ["year"], noun="staff")  # a year withheld
    d = plain_frame(shares.dropna(subset=["estimate"])).assign(
        pct=lambda f: 100 * f["estimate"], lo=lambda f: 100 * f["ci_low"],
        hi=lambda f: 100 * f["ci_high"])
    n = n_label(d["n"].max() if len(d) else None)
    base = alt.Chart(d).encode(x=alt.X("year:N", title="Academic year"))
    bars = base.mark_bar(color=PALETTE[0], size=40).encode(
        y=alt.Y("pct:Q", title="% of teaching staff taking part", scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("year:N"), alt.Tooltip("k:Q", title="members"),
                 alt.Tooltip("n:Q", title="staff"),
                 alt.Tooltip("pct:Q", format=".1f", title="%")])
    err = base.mark_errorbar(color="#333333").encode(y=alt.Y("lo:Q", title=""), y2=alt.Y2("hi:Q"))
    return (bars + err).properties(width=min(WIDTH, 120 * max(len(d), 2)), title=alt.Title(
        "Share of teaching staff in a TLC, by year",
        subtitle=subtitle_lines(f"Teaching staff on the staff list: n = {n}; bars show 95% CIs",
                                left_out)))


def half_term_attendance_chart(att: pd.DataFrame, *, community: str = "All TLCs") -> alt.LayerChart:
    """Percentage of members present at each half-term's meeting, with 95% CIs.

    Parameters
    ----------
    att : DataFrame
        :func:`slc_research.casestudies.tlc.impact.meeting_attendance_by_half_term` after suppression:
        ``community``, ``half_term``, ``n``, ``pct``, ``ci_low``, ``ci_high``.
    community : str
        The row group charted (``"All TLCs"``, or one TLC).
    """
    check_data(att, ["community", "half_term", "n", "pct", "ci_low", "ci_high"])
    d = plain_frame(att.loc[att["community"] == community].dropna(subset=["pct"]))
    if d.empty:
        raise ChartError(f"no attendance to chart for {community!r}")
    d["half_term"] = d["half_term"].astype(float).astype(int)
    base = alt.Chart(d).encode(x=alt.X("half_term:O", title="Half-term (1 = autumn 1)"))
    line = base.mark_line(point=True, color=PALETTE[0]).encode(
        y=alt.Y("pct:Q", title="% of members present", scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("half_term:O"), alt.Tooltip("n:Q", title="members on register"),
                 alt.Tooltip("pct:Q", format=".1f", title="% present")])
    err = base.mark_errorbar(color=PALETTE[0]).encode(y=alt.Y("ci_low:Q", title=""),
                                                      y2=alt.Y2("ci_high:Q"))
    return (line + err).properties(width=WIDTH, title=alt.Title(
        f"Attendance at meetings by half-term: {community}",
        subtitle=f"Member places on the registers: n = {int(d['n'].sum())}; bars show 95% CIs"))


def action_cycle_chart(funnel: pd.DataFrame) -> alt.Chart:
    """The action-planning cycle as a funnel: plans made, due, reported back, tried.

    Parameters
    ----------
    funnel : DataFrame
        ``stage`` (in order) and ``n``.
    """
    check_data(funnel, ["stage", "n"])
    d = plain_frame(funnel.dropna(subset=["n"]))
    stages = list(d["stage"])
    return alt.Chart(d).mark_bar(color=PALETTE[0]).encode(
        y=alt.Y("stage:N", sort=stages, title=None),
        x=alt.X("n:Q", title="Number of action plans"),
        tooltip=[alt.Tooltip("stage:N"), alt.Tooltip("n:Q", title="plans")],
    ).properties(width=WIDTH, title=alt.Title(
        "From action plan to classroom",
        subtitle=f"Plans made: n = {n_label(d['n'].iloc[0] if len(d) else None)}"))


def strategies_chart(table: pd.DataFrame) -> alt.LayerChart:
    """Most planned strategies: % of plans reported back as tried, with 95% CIs.

    Parameters
    ----------
    table : DataFrame
        :func:`slc_research.casestudies.tlc.impact.strategies_tried` after suppression: ``strategy``,
        ``n_plans``, ``n_reported``, ``pct_tried``, ``ci_low``, ``ci_high``.
    """
    check_data(table, ["strategy", "n_plans", "n_reported", "pct_tried", "ci_low", "ci_high"])
    d = plain_frame(table.dropna(subset=["pct_tried"]))
    d["label"] = [f"{s} (n = {n_label(n)})" for s, n in zip(d["strategy"], d["n_reported"],
                                                        strict=True)]
    order = list(d["label"])
    base = alt.Chart(d).encode(y=alt.Y("label:N", sort=order, title=None,
                                       axis=alt.Axis(labelLimit=360)))
    bars = base.mark_bar(color=PALETTE[3]).encode(
        x=alt.X("pct_tried:Q", title="% of reported plans tried (fully or partly)",
                scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("strategy:N"), alt.Tooltip("n_plans:Q", title="plans made"),
                 alt.Tooltip("n_reported:Q", title="reported back"),
                 alt.Tooltip("pct_tried:Q", format=".1f", title="% tried")])
    err = base.mark_errorbar(color="#333333").encode(x=alt.X("ci_low:Q", title=""),
                                                     x2=alt.X2("ci_high:Q"))
    return (bars + err).properties(width=WIDTH, title=alt.Title(
        "Strategies planned most often, and how often they were tried",
        subtitle=subtitle_lines(
            f"Plans made: n = {int(d['n_plans'].sum())}; n per bar = plans reported back; "
            "bars show 95% CIs",
            withheld_note(table, "pct_tried", ["strategy"], noun="plans tried"))))


def likert_chart(dist: pd.DataFrame, *, levels: list[str] | None = None,
                 neutral: int = 3) -> alt.Chart:
    """Diverging stacked bars: disagreement left of zero, agreement right, neutral split.

    Parameters
    ----------
    dist : DataFrame
        :func:`slc_research.casestudies.tlc.staff_survey.likert_distribution` after suppression:
        ``question``, ``level``, ``level_no``, ``pct``, ``n_item``; withheld items
        (``pct`` NA) are left out.
    levels : list of str, optional
        Answer levels in order (default: as they appear by ``level_no``).
    neutral : int
        The ``level_no`` of the middle answer (split half each side); 0 for none.
    """
    check_data(dist, ["question", "level", "level_no", "pct", "n_item"])
    d = dist.dropna(subset=["pct"]).sort_values(["question", "level_no"]).copy()
    if levels is None:
        levels = list(dict.fromkeys(d["level"].astype(str)))
    parts = []
    for _, g in d.groupby("question", sort=False):
        pct = g["pct"].astype(float).to_numpy()
        lv = g["level_no"].astype(int).to_numpy()
        half = pct[lv == neutral].sum() / 2
        start = -(pct[lv < neutral].sum() + half)
        g = g.assign(x0=start + pct.cumsum() - pct, x1=start + pct.cumsum())
        parts.append(g)
    d = plain_frame(pd.concat(parts, ignore_index=True)) if parts else plain_frame(d.assign(x0=0, x1=0))
    d["label"] = [f"{q} (n = {n_label(n)})" for q, n in zip(d["question"], d["n_item"], strict=True)]
    colours = list(LIKERT_COLOURS) if len(levels) == 5 else list(PALETTE[:len(levels)])
    n = n_label(d["n_item"].max() if len(d) else None)
    scale = f"Answer scale: {', '.join(levels)}" + (
        f" ({len(levels)} points)" if len(levels) > 2 else "")
    answered = dist.groupby("question", sort=False)["pct"].agg(lambda s: s.notna().any())
    left_out = withheld_line([str(q) for q, shown in answered.items() if not shown],
                             threshold=suppressed_at(dist), noun="respondents")
    return alt.Chart(d).mark_bar().encode(
        x=alt.X("x0:Q", title=["% of answers (disagree \u2190 | \u2192 agree)", scale],
                scale=alt.Scale(domain=[-100, 100])),
        x2=alt.X2("x1:Q"),
        y=alt.Y("label:N", title=None, sort=list(dict.fromkeys(d["label"])),
                axis=alt.Axis(labelLimit=360)),
        color=alt.Color("level:N", title=None, sort=levels,
                        scale=alt.Scale(domain=levels, range=colours)),
        order=alt.Order("level_no:Q"),
        tooltip=[alt.Tooltip("question:N"), alt.Tooltip("level:N"),
                 alt.Tooltip("pct:Q", format=".1f", title="%")],
    ).properties(width=WIDTH, title=alt.Title(
        "End-of-year staff survey: answers to each statement",
        subtitle=subtitle_lines(f"Respondents: up to n = {n}; centred on the neutral answer",
                                scale, left_out)))


def themes_chart(themes: pd.DataFrame) -> alt.Chart:
    """Percentage of coded comments with each of the most frequent codes.

    Parameters
    ----------
    themes : DataFrame
        :func:`slc_research.qual.themes_summary`: ``code``, ``n_texts``,
        ``pct_texts``, ``n_coded_texts``.
    """
    check_data(themes, ["code", "n_texts", "pct_texts", "n_coded_texts"])
    d = plain_frame(themes.dropna(subset=["pct_texts"]))
    n = n_label(d["n_coded_texts"].max() if len(d) else None)
    left_out = withheld_note(themes, "pct_texts", ["code"], noun="comments")
    return alt.Chart(d).mark_bar(color=PALETTE[4]).encode(
        y=alt.Y("code:N", sort="-x", title=None),
        x=alt.X("pct_texts:Q", title="% of coded comments"),
        tooltip=[alt.Tooltip("code:N"), alt.Tooltip("n_texts:Q", title="comments"),
                 alt.Tooltip("pct_texts:Q", format=".1f", title="%")],
    ).properties(width=WIDTH, title=alt.Title(
        "Themes in the survey's open comments",
        subtitle=subtitle_lines(f"Coded comments: n = {n}", left_out)))
