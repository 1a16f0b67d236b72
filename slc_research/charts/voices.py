"""Charts of the voices report: how often codes appear, which occur together, coder agreement.

Pure functions: an aggregated, tidy DataFrame in (from :mod:`slc_research.qual`,
after :func:`~slc_research.privacy.suppression.suppress_small` with ``display=False``:
withheld values are NA and left out), an ``alt.Chart`` out, nothing mutated.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from slc_research.charts.theme import PALETTE, WIDTH, ChartError, check_data, n_label, plain_frame
from slc_research.charts.withheld import subtitle_lines, withheld_note

__all__ = ["code_agreement_chart", "code_frequency_chart", "cooccurrence_chart"]


def code_frequency_chart(freq: pd.DataFrame, *, group: str | None = None,
                         n_texts: int | None = None,
                         title: str = "How often each code appears") -> alt.Chart:
    """Percentage of coded texts with each code: bars, one panel per group.

    Parameters
    ----------
    freq : DataFrame
        :func:`~slc_research.qual.code_frequencies`: ``code``, ``pct_texts``,
        ``n_texts``, ``n_coded_texts`` and the ``group`` column if given. Rows
        with a missing ``pct_texts`` (withheld: too few texts) and codes no
        text of a group was given are left out.
    group : str, optional
        The column whose groups get a panel each, e.g. ``"source"``; each
        panel is headed with its group and n and lists only its own codes.
    n_texts : int, optional
        Coded texts in all, for the title (default: the sum of the groups'
        ``n_coded_texts``).
    title : str

    Returns
    -------
    alt.Chart or alt.FacetChart
        Horizontal bars, codes most frequent first; tooltip with n.

    Raises
    ------
    ChartError
        Missing columns or too many rows.
    """
    check_data(freq, ["code", "pct_texts", "n_texts", "n_coded_texts", *([group] if group else [])])
    data = freq.dropna(subset=["pct_texts"])
    data = data[pd.to_numeric(data["n_texts"], errors="coerce").fillna(0) > 0]
    if n_texts is None:
        per = freq[[group, "n_coded_texts"]].drop_duplicates(group) if group else \
            freq[["n_coded_texts"]].head(1)
        known = pd.to_numeric(per["n_coded_texts"], errors="coerce").dropna()
        n_texts = int(known.sum()) if not known.empty else None
    subtitle = subtitle_lines(
        f"n = {n_label(n_texts)} coded texts; each text counts once per code",
        withheld_note(freq, "pct_texts", [group, "code"] if group else ["code"], noun="texts"))
    tooltip = [alt.Tooltip("code:N", title="Code"),
               alt.Tooltip("pct_texts:Q", title="% of texts", format=".0f"),
               alt.Tooltip("n_texts:Q", title="Texts with the code"),
               alt.Tooltip("n_coded_texts:Q", title="Texts coded")]
    x = alt.X("pct_texts:Q", title="% of coded texts with the code",
              scale=alt.Scale(domain=[0, 100]))
    y = alt.Y("code:N", title="Code",
              sort=alt.EncodingSortField("pct_texts", order="descending"))
    if not group:
        return alt.Chart(plain_frame(data)).mark_bar(color=PALETTE[0]).encode(
            x=x, y=y, tooltip=tooltip).properties(
            width=WIDTH, height=alt.Step(16), title=alt.Title(title, subtitle=subtitle))
    data = data.assign(panel=[f"{str(g).replace('_', ' ')} (n = {n_label(n)})" for g, n in
                              zip(data[group], data["n_coded_texts"], strict=True)])
    panels = list(dict.fromkeys(data.sort_values(group)["panel"]))
    label = group.replace("_", " ").capitalize()
    chart = alt.Chart(plain_frame(data)).mark_bar(color=PALETTE[0]).encode(
        x=x, y=y, tooltip=[tooltip[0], alt.Tooltip("panel:N", title=label), *tooltip[1:]],
    ).properties(width=WIDTH, height=alt.Step(16))
    return chart.facet(row=alt.Row("panel:N", title=label, sort=panels, header=alt.Header(
        labelAngle=0, labelAlign="left", labelFontWeight="bold"))).resolve_scale(
        y="independent").properties(title=alt.Title(title, subtitle=subtitle))


def cooccurrence_chart(co: pd.DataFrame, *, n_texts: int | None = None,
                       title: str = "Which codes occur together") -> alt.LayerChart:
    """A heat map of texts given both of two codes (rect + count), diagonal left out.

    Parameters
    ----------
    co : DataFrame
        :func:`~slc_research.qual.code_cooccurrence`: ``code_a``, ``code_b``,
        ``n_texts`` and ``jaccard``; withheld counts (NA) show as blank cells.
    n_texts : int, optional
        Coded texts in all (default: ``co.attrs["n_texts"]``).
    title : str

    Returns
    -------
    alt.LayerChart

    Raises
    ------
    ChartError
        Missing columns or too many rows.
    """
    check_data(co, ["code_a", "code_b", "n_texts", "jaccard"])
    if n_texts is None:
        n_texts = co.attrs.get("n_texts")
    codes = sorted(set(co["code_a"].dropna().astype(str)) | set(co["code_b"].dropna().astype(str)))
    data = plain_frame(co[co["code_a"].astype(str) != co["code_b"].astype(str)])
    base = alt.Chart(data).encode(
        x=alt.X("code_a:N", title="Code", sort=codes, axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("code_b:N", title="Code", sort=codes),
    )
    counts = pd.to_numeric(data["n_texts"], errors="coerce")
    dark = float(counts.max()) * 0.6 if counts.notna().any() else 0.0
    rect = base.mark_rect(stroke="white").encode(
        color=alt.condition("datum.n_texts > 0",
                            alt.Color("n_texts:Q", title="Texts with both codes",
                                      scale=alt.Scale(scheme="blues")),
                            alt.value("#f4f4f4")),
        tooltip=[alt.Tooltip("code_a:N", title="Code"), alt.Tooltip("code_b:N", title="and"),
                 alt.Tooltip("n_texts:Q", title="Texts with both"),
                 alt.Tooltip("jaccard:Q", title="Jaccard (both / either)", format=".2f")])
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("n_texts:Q", format=".0f"),
        color=alt.condition(f"datum.n_texts > {dark}", alt.value("white"), alt.value("#222222")),
    ).transform_filter("isValid(datum.n_texts) && datum.n_texts > 0")
    size = max(160, min(WIDTH + 80, 28 * len(codes)))
    return alt.layer(rect, text).properties(
        width=size, height=size,
        title=alt.Title(title, subtitle=f"n = {n_label(n_texts)} coded texts; each cell counts texts "
                                        "given both codes (grey: none; blank: too few to "
                                        "show)"))


def code_agreement_chart(agreement: pd.DataFrame, *,
                         title: str = "Agreement between two coders") -> alt.LayerChart:
    """Cohen's kappa per code with its 95% CI, and the overall alpha, as points and bars.

    Parameters
    ----------
    agreement : DataFrame
        :func:`~slc_research.qual.coder_agreement`: ``code``, ``statistic``,
        ``estimate``, ``ci_low``, ``ci_high``, ``n``. Rows without an estimate
        are left out.
    title : str

    Returns
    -------
    alt.LayerChart

    Raises
    ------
    ChartError
        Missing columns, too many rows, or no estimate at all.
    """
    check_data(agreement, ["code", "statistic", "estimate", "ci_low", "ci_high", "n"])
    data = agreement.dropna(subset=["estimate"])
    if data.empty:
        raise ChartError("no agreement estimate to chart: two coders must code the same texts")
    n_texts = agreement.attrs.get("n_texts")
    if n_texts is None:
        kappa = data.loc[data["statistic"] == "Cohen's kappa", "n"]
        n_texts = int(kappa.max()) if not kappa.empty else None
    whole = data["code"].astype(str) == "All codes"
    data = data.assign(label=data["code"].astype(str).where(
        ~whole, "All codes: " + data["statistic"].astype(str).str.replace(
            "Cohen's kappa (pooled)", "kappa", regex=False).str.replace(
            "Krippendorff's alpha", "alpha", regex=False)))
    order = list(data["label"])
    data = plain_frame(data)
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", title="Code", sort=order),
        color=alt.Color("statistic:N", title=None,
                        scale=alt.Scale(domain=["Cohen's kappa", "Cohen's kappa (pooled)",
                                                "Krippendorff's alpha"],
                                        range=[PALETTE[0], PALETTE[3], PALETTE[2]])))
    rule = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title="Agreement beyond chance (95% CI)",
                scale=alt.Scale(domain=[-0.2, 1])), x2=alt.X2("ci_high:Q"))
    point = base.mark_point(filled=True, size=70).encode(
        x=alt.X("estimate:Q"),
        tooltip=[alt.Tooltip("code:N", title="Code"), alt.Tooltip("statistic:N"),
                 alt.Tooltip("estimate:Q", format=".2f"), alt.Tooltip("ci_low:Q", format=".2f"),
                 alt.Tooltip("ci_high:Q", format=".2f"), alt.Tooltip("n:Q")])
    return alt.layer(rule, point).properties(
        width=WIDTH, title=alt.Title(title, subtitle=f"n = {n_label(n_texts)} texts coded by both "
                                                      "coders; 1 = perfect, 0 = chance"))
