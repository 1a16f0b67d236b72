"""The SLC report's "Pupil voice" section: themes of members' coded interviews."""

from __future__ import annotations

from slc_research import charts, qual
from slc_research.casestudies.result import Section, Table, missing_source
from slc_research.privacy.suppression import suppress_small

__all__ = ["voice_section"]

_VOICE_NOTE = ("A theme's share is the share of coded interview texts where it appears; it "
               "shows what members talked about, not how many members think so. Quotes "
               "illustrate a theme; they were chosen to be typical, not to be the most "
               "positive.")


def voice_section(enq, communities, threshold: int) -> Section:
    """The "Pupil voice" section: themes of members' coded interviews, with a few quotes.

    With no texts at all it is one sentence saying no texts file was given; with texts but
    none of these members' interviews coded, one sentence saying what to code.
    """
    if enq.texts.empty:
        return Section("voice", "Pupil voice", finding=missing_source(
            "texts", "what members said in interviews"))
    where = {"source": "interview", "community": list(communities)}
    themes = qual.themes_summary(enq.texts, enq.codings, enq.codebook, where=where)
    if themes.empty:
        return Section("voice", "Pupil voice", finding=(
            "No interview or pupil-voice text of these members has been coded yet: code texts "
            "with the coder, or import a QDA project, to see themes here."), note=_VOICE_NOTE)
    counts = {"n_texts": ["pct_texts"]}
    spoken = enq.texts[(enq.texts["source"] == "interview")
                       & enq.texts["community"].isin(list(communities)).fillna(False)]
    quotes = qual.exemplar_quotes(spoken, enq.codings, memberships=enq.memberships, per_code=1)
    top = themes.sort_values("n_texts", ascending=False).iloc[0]
    if int(top["n_texts"]) < threshold:  # no table or chart of withheld counts under it
        return Section("voice", "Pupil voice", finding=(
            f"Each theme was coded in fewer than {threshold} texts, too few to report."),
            items=_quotes(quotes), items_heading="A few quotes", note=_VOICE_NOTE,
            records={"voice_themes": None})
    published = suppress_small(themes, count_cols=counts, threshold=threshold,
                               partition_by=None)  # what the chart draws and the index reads
    return Section(
        "voice", "Pupil voice",
        finding=f"The theme members talked about most was \u201c{top['theme']}\u201d.",
        tables=(Table(suppress_small(themes, count_cols=counts, threshold=threshold,
                                     display=True, partition_by=None),
                      decimals=0, caption="Themes in members' interviews",
                      labels={"theme": "Theme", "code": "Code", "description": "What it means",
                              "n_texts": "Texts", "n_coded_texts": "Coded texts",
                              "pct_texts": "% of coded texts"}),),
        charts=(charts.code_frequency_chart(published,
                                            title="Themes in members' interviews"),),
        items=_quotes(quotes),
        items_heading="A few quotes",
        note=_VOICE_NOTE,
        records={"voice_themes": published[["theme", "code", "n_texts", "pct_texts"]].head(5)})


def _quotes(quotes) -> tuple[str, ...]:
    """Up to six quotes, each with who said it (by role) and its code."""
    return tuple(f"\u201c{q}\u201d ({who}; {code})" for code, q, who in
                 quotes[["code", "quote", "attribution"]].head(6).itertuples(index=False))
