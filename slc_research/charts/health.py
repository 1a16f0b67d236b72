"""Charts of the data-health report: completeness, survey response and attrition, repairs.

Pure functions: an aggregated, tidy DataFrame in, an ``alt.Chart`` out, nothing
mutated. Counts here are of rows and values in files, except the survey charts,
which count pupils and leave out withheld (small) groups.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from slc_research.charts.theme import PALETTE, WIDTH, ChartError, check_data, plain_frame
from slc_research.charts.withheld import subtitle_lines, withheld_note

__all__ = ["attrition_chart", "completeness_heatmap_chart", "repairs_chart",
           "response_rate_chart"]


def completeness_heatmap_chart(completeness: pd.DataFrame, *,
                               title: str = "Values present, per source and column"
                               ) -> alt.Chart:
    """Heat map: % of each source's values present in each canonical column.

    Parameters
    ----------
    completeness : DataFrame
        :func:`slc_research.casestudies.data_health.summary.completeness_by_source`: ``source``, ``table``,
        ``column``, ``rows``, ``present_pct``.
    title : str
    """
    check_data(completeness, ["source", "table", "column", "rows", "present_pct"])
    if completeness.empty:
        raise ChartError("no completeness to chart: no source has rows")
    data = plain_frame(completeness)
    n_sources = data["source"].nunique()
    rows = int(completeness.drop_duplicates(["source", "table"])["rows"].sum())
    data["field"] = (data["table"] + ": " + data["column"]).str.replace("_", " ")
    data["source"] = _words(data["source"])
    order = list(dict.fromkeys(data["field"]))
    sources = list(dict.fromkeys(data["source"]))
    return alt.Chart(data).mark_rect(stroke="white", strokeWidth=0.5).encode(
        x=alt.X("field:N", title="Table and column", sort=order,
                axis=alt.Axis(labelAngle=-60, labelLimit=200)),
        y=alt.Y("source:N", title="Source (file)", sort=sources, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("present_pct:Q", title="% present",
                        scale=alt.Scale(domain=[0, 100], scheme="blues")),
        tooltip=[alt.Tooltip("source:N"), alt.Tooltip("table:N"), alt.Tooltip("column:N"),
                 alt.Tooltip("rows:Q", title="rows", format=","),
                 alt.Tooltip("present_pct:Q", title="% present", format=".1f")],
    ).properties(width=max(WIDTH, 14 * len(order)), height=max(60, 13 * len(sources)),
                 title=alt.Title(title, subtitle=f"n = {n_sources} sources, {rows:,} rows; "
                                                 "white or pale: values missing"))


def response_rate_chart(rates: pd.DataFrame, *,
                        title: str = "Who answered each questionnaire wave") -> alt.Chart:
    """Response rate (%) with its 95% CI per instrument, wave and school.

    Parameters
    ----------
    rates : DataFrame
        :func:`slc_research.casestudies.data_health.analysis.response_rates` after suppression
        (``display=False``): ``instrument``, ``wave``, ``school``, ``respondents``,
        ``on_roll``, ``rate``, ``ci_low``, ``ci_high``. Rows without a rate are left out.
    title : str
    """
    check_data(rates, ["instrument", "wave", "school", "respondents", "rate", "ci_low", "ci_high"])
    data = plain_frame(rates.dropna(subset=["rate"]))
    if data.empty:
        raise ChartError("no response rate to chart: no questionnaire was linked to a roll")
    for col in ("rate", "ci_low", "ci_high"):
        data[col] = 100 * data[col]
    data["wave"] = "Wave " + data["wave"].astype(int).astype(str)
    data["label"] = data["instrument"].str.replace("_", " ") + ": " + data["school"]
    waves = sorted(data["wave"].unique())
    overall = data[data["school"] == "All schools"]
    counts = pd.to_numeric((overall if len(overall) else data)["respondents"]).dropna()
    n = f"{int(counts.min()):,}" if counts.min() == counts.max() else (
        f"{int(counts.min()):,} to {int(counts.max()):,}")
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", title=None, sort=list(dict.fromkeys(data["label"])),
                axis=alt.Axis(labelLimit=320)),
        yOffset=alt.YOffset("wave:N", sort=waves),
        color=alt.Color("wave:N", title=None, sort=waves,
                        scale=alt.Scale(domain=waves, range=list(PALETTE[:len(waves)]))))
    bars = base.mark_bar().encode(
        x=alt.X("rate:Q", title="% of pupils or staff on roll who answered (95% CI)",
                scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("instrument:N"), alt.Tooltip("wave:N"), alt.Tooltip("school:N"),
                 alt.Tooltip("respondents:Q"), alt.Tooltip("on_roll:Q", title="on roll"),
                 alt.Tooltip("rate:Q", title="%", format=".1f"),
                 alt.Tooltip("ci_low:Q", format=".1f"), alt.Tooltip("ci_high:Q", format=".1f")])
    ci = base.mark_rule(strokeWidth=1.5).encode(x=alt.X("ci_low:Q"), x2=alt.X2("ci_high:Q"),
                                                color=alt.value("#333333"))
    return alt.layer(bars, ci).properties(
        width=WIDTH, height=max(60, 26 * len(data)),
        title=alt.Title(title, subtitle=subtitle_lines(
            f"n = {n} respondents per questionnaire wave",
            withheld_note(rates.assign(instrument=rates["instrument"].astype(str).str.replace(
                "_", " "), wave="wave " + rates["wave"].astype(str)), "respondents",
                ["instrument", "wave", "school"], noun="respondents"))))


def attrition_chart(attrition: pd.DataFrame, *,
                    title: str = "Who answered one wave but not the next") -> alt.Chart:
    """% of first-wave respondents who did not answer the next wave, with its 95% CI.

    Parameters
    ----------
    attrition : DataFrame
        :func:`slc_research.casestudies.data_health.analysis.attrition` after suppression (``display=False``):
        ``instrument``, ``from_wave``, ``to_wave``, ``answered_first``, ``left``,
        ``left_pct``, ``left_ci_low``, ``left_ci_high``. Rows without a % are left out.
    title : str
    """
    check_data(attrition, ["instrument", "from_wave", "to_wave", "answered_first", "left",
                       "left_pct", "left_ci_low", "left_ci_high"])
    data = attrition.drop_duplicates(["instrument", "from_wave", "to_wave"])
    data = plain_frame(data.dropna(subset=["left_pct"]))
    if data.empty:
        raise ChartError("no attrition to chart: no instrument has two waves")
    data["label"] = [f"{i}: wave {int(a)} to {int(b)} (n = {int(n)})" for i, a, b, n in zip(
        data["instrument"], data["from_wave"], data["to_wave"], data["answered_first"],
        strict=True)]
    n = int(data["answered_first"].sum())
    base = alt.Chart(data).encode(y=alt.Y("label:N", title=None, axis=alt.Axis(labelLimit=360)))
    return alt.layer(
        base.mark_bar(color=PALETTE[2]).encode(
            x=alt.X("left_pct:Q", title="% who did not answer the next wave (95% CI)",
                    scale=alt.Scale(domain=[0, 100])),
            tooltip=[alt.Tooltip("instrument:N"), alt.Tooltip("answered_first:Q",
                                                               title="answered first wave"),
                     alt.Tooltip("left:Q", title="did not answer next"),
                     alt.Tooltip("left_pct:Q", title="%", format=".1f")]),
        base.mark_rule(color="#333333").encode(x=alt.X("left_ci_low:Q"),
                                               x2=alt.X2("left_ci_high:Q")),
    ).properties(width=WIDTH, height=max(60, 30 * len(data)),
                 title=alt.Title(title, subtitle=f"n = {n:,} first-wave respondents"))


def repairs_chart(repairs: pd.DataFrame, *, top: int = 20,
                  title: str = "What the loaders repaired and left out") -> alt.Chart:
    """Stacked bars per source: values repaired and rows left out (the ``top`` sources).

    Parameters
    ----------
    repairs : DataFrame
        :func:`slc_research.casestudies.data_health.summary.repairs_by_source`: ``source``, ``repaired``,
        ``left_out``.
    top : int
        How many sources to show, those with the most repairs and rows left out.
    title : str
    """
    check_data(repairs, ["source", "repaired", "left_out"])
    if not isinstance(top, int) or top < 1:
        raise ChartError(f"top must be a whole number of at least 1, not {top!r}")
    ranked = repairs.assign(_t=repairs["repaired"] + repairs["left_out"])
    ranked = ranked[ranked["_t"] > 0].sort_values("_t", ascending=False).head(top)
    ranked = ranked.assign(source=_words(ranked["source"]))
    order = list(ranked["source"])
    long = pd.concat([
        ranked[["source"]].assign(what="Values repaired", count=ranked["repaired"]),
        ranked[["source"]].assign(what="Rows left out", count=ranked["left_out"]),
    ], ignore_index=True)
    long = plain_frame(long[long["count"] > 0])
    if long.empty:
        raise ChartError("nothing to chart: the loaders repaired nothing and left nothing out")
    whats = ["Values repaired", "Rows left out"]
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("count:Q", title="Values repaired and rows left out (count)", stack="zero"),
        y=alt.Y("source:N", title="Source (file)", sort=order, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("what:N", title=None, sort=whats,
                        scale=alt.Scale(domain=whats, range=[PALETTE[0], PALETTE[2]])),
        tooltip=[alt.Tooltip("source:N"), alt.Tooltip("what:N"),
                 alt.Tooltip("count:Q", format=",")],
    ).properties(width=WIDTH, height=max(60, 18 * len(order)), title=alt.Title(
        title, subtitle=f"n = {len(order)} of {len(repairs)} sources (those with the most); "
                        f"{int(repairs['repaired'].sum()):,} "
                        f"{'value' if int(repairs['repaired'].sum()) == 1 else 'values'} "
                        f"repaired, {int(repairs['left_out'].sum()):,} "
                        f"{'row' if int(repairs['left_out'].sum()) == 1 else 'rows'} left out "
                        "in all"))


def _words(keys: pd.Series) -> pd.Series:
    """A manifest's source keys as a reader writes them: ``castlegate roster``."""
    return keys.astype(str).str.replace("_", " ")
