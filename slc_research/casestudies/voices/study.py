"""The voices case study as one result: ``run(enquiry, params) -> Result``.

The notebook ``notebooks/voices.ipynb`` calls ``voices.STUDY`` once and shows the sections of
its result between its narrative cells; the index, the summary and the dissertation pack are
made from the same result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from slc_research import charts, qual
from slc_research.casestudies.result import Result, Section, Table
from slc_research.privacy.suppression import suppress_small
from slc_research.words import listed, plural, was_or_were

__all__ = ["run"]

#: What every section says when nothing is coded yet.
NO_CODING = qual.NO_CODING + "."
#: The groupings of the frequency tables: column, and what it is in the reader's words.
GROUPINGS = (("source", "kind of text"), ("author_type", "who wrote it"), ("wave", "term"))


@dataclass(frozen=True)
class _Texts:
    """The texts of the report and their codings, as every section reads them."""

    texts: pd.DataFrame
    codings: pd.DataFrame
    codebook: pd.DataFrame | None
    coder: str | None
    coded: pd.DataFrame
    threshold: int

    @property
    def has_coding(self) -> bool:
        return len(self.coded) > 0

    @property
    def n_coded(self) -> int:
        return int(self.coded["text_id"].nunique())


def run(enq: Any, params: dict[str, Any]) -> Result:
    """Run the voices case study on an opened enquiry.

    Parameters
    ----------
    enq : Enquiry
        The opened workspace.
    params : dict
        As :meth:`voices.STUDY.validate <slc_research.casestudies.spec.CaseStudy.validate>`
        returns them: ``source``, ``community``, ``coder``, ``quotes_per_code``.

    Returns
    -------
    Result
        Sections ``codebook``, ``frequencies``, ``together``, ``agreement``, ``quotes`` and
        ``about_data``.

    Raises
    ------
    ConfigError
        A ``source`` or ``community`` no text comes from, or a ``coder`` who coded nothing.
    """
    texts = qual.select_texts(enq.texts, source=params["source"],
                              community=params["community"])
    codings = enq.codings
    coder = params["coder"] or None
    coded = qual.coded_texts(texts, qual.primary_codings(codings, coder=coder)
                             if len(codings) else codings)
    sel = _Texts(texts, codings, enq.codebook, coder, coded, enq.suppression_threshold)
    scope = " and ".join(p for p in (params["source"] and f"{params['source']} texts",
                                     params["community"]) if p) or "all texts"
    title = f"{enq.title}: voices ({scope})"
    sections = (
        _codebook(sel),
        _frequencies(sel),
        _together(sel),
        _agreement(sel),
        _quotes(sel, enq.memberships, params["quotes_per_code"]),
        _about_data(sel, enq.texts, params["coder"], scope),
    )
    return Result(
        "voices", title,
        "What pupils, staff and parents said, as coded by the enquiry's coders: which codes "
        "and themes come up, how often, in which groups and terms, which occur together, how "
        "far two coders agree, and some words in their own voice.",
        sections,
        records={"title": title, "n_texts_coded": sel.n_coded})


def _quoted(code: object) -> str:
    return f"\u201c{code}\u201d"


def _codebook(sel: _Texts) -> Section:
    threshold = sel.threshold
    if not sel.has_coding:
        return Section(
            "codebook", "The codebook", finding=NO_CODING,
            note=("Once texts are coded, this table lists every code and theme of the codebook "
                  "with the number of texts given each."),
            records={"n_codes": 0, "top_codes": []})
    book = qual.codebook_table(sel.texts, sel.codings, sel.codebook, coder=sel.coder)
    shown = suppress_small(book, count_cols={"n_texts": ["pct_texts"], "n_authors": []},
                           threshold=threshold, display=True, partition_by=None)
    shown = shown.assign(code=shown["code"].fillna("(the whole theme)"))
    codes = book[book["level"] == "code"]
    used = codes[codes["n_texts"] > 0]
    top = used.sort_values(["n_texts", "code"], ascending=[False, True])
    n_coded = int(book["n_coded_texts"].iloc[0])
    where = (f"on {n_coded:,} coded texts" if n_coded >= threshold else
             f"on fewer than {threshold} coded texts")
    first = top.iloc[0] if len(top) else None
    if first is not None and int(first["n_texts"]) >= threshold:
        most = (f"the commonest was {_quoted(first['code'])}, given to "
                f"{first['pct_texts']:.0f}% of them")
    else:
        most = f"no code was given to {threshold} or more texts, too few to say which is commonest"
    return Section(
        "codebook", "The codebook",
        finding=(f"The coders used {len(used):,} of the codebook's {plural(len(codes), 'code')} "
                 f"{where}; "
                 f"{most}."),
        tables=(Table(shown[["theme", "code", "description", "n_texts", "pct_texts",
                             "n_authors"]],
                      caption=f"Codebook: {n_coded:,} coded texts", decimals={"pct_texts": 0},
                      labels={"theme": "Theme", "code": "Code", "description": "Description",
                              "n_texts": "Texts", "pct_texts": "% of coded texts",
                              "n_authors": "Named authors"}),),
        note=("Each row is a code from the codebook; a theme row counts texts given any of its "
              "codes, so it is not the sum of its codes. 'Texts' counts each text once however "
              "many passages in it were coded. 'Named authors' counts different people: "
              "anonymous comments have no author, so it can be 0. Counts below "
              f"{threshold} are shown as '<{threshold}' to protect small groups."),
        records={"n_codes": int(len(used)),
                 "top_codes": [str(c) for c in top.head(5)["code"]]})


def _frequencies(sel: _Texts) -> Section:
    threshold = sel.threshold
    if not sel.has_coding:
        return Section(
            "frequencies", "How often each code appears", finding=NO_CODING,
            note=("Once texts are coded, this section shows how often each code appears by "
                  "kind of text, by author group and by term."))
    tables, withheld = [], []
    for by, what in GROUPINGS:
        freq = qual.code_frequencies(sel.texts, sel.codings, by=by, coder=sel.coder)
        table = qual.frequency_table(freq, by=by, threshold=threshold)
        if table.shape[1] > 1:
            tables.append(Table(table, decimals=0,
                                caption=f"% of coded texts with each code, by {what}"))
        if table.attrs["withheld"]:
            withheld.append(f"{plural(table.attrs['withheld'], 'group')} by {what} had fewer than "
                            f"{threshold} coded texts and are left out.")
    chart_by = "source" if sel.texts["source"].nunique() > 1 else "author_type"
    freq_all = qual.code_frequencies(sel.texts, sel.codings, by=chart_by, coder=sel.coder)
    freq_plot = suppress_small(freq_all, count_cols={"n_texts": ["pct_texts"],
                                                     "n_coded_texts": ["pct_texts"]},
                               threshold=threshold, partition_by=None)
    freq_plot = freq_plot[freq_plot["n_coded_texts"].notna()]
    return Section(
        "frequencies", "How often each code appears",
        finding=_commonest(freq_plot, chart_by, dict(GROUPINGS)[chart_by], threshold),
        paragraphs=tuple(withheld),
        tables=tuple(tables),
        charts=(charts.code_frequency_chart(freq_plot, group=chart_by, n_texts=sel.n_coded),),
        note=("Read down a column to see which codes dominate in that group, and across a row "
              "to compare groups. Groups are different kinds of text, so a code can be common "
              "in one simply because of what people were asked (parents were asked about "
              "conferences, teachers about their TLC). A difference between terms may reflect "
              "which texts were collected and coded in each term, not a change in what people "
              "think. 'n' is the number of coded texts in the group."))


def _commonest(freq_plot: pd.DataFrame, by: str, what: str, threshold: int) -> str:
    """The most frequent code of each group large enough to show, in one sentence."""
    shown = freq_plot.dropna(subset=["pct_texts", "n_texts"])
    shown = shown[shown["n_texts"] > 0]
    parts = []
    for group, rows in shown.groupby(by, sort=True, observed=True):
        top = rows.sort_values(["n_texts", "code"], ascending=[False, True]).iloc[0]
        parts.append(f"{_quoted(top['code'])} in {group} ({top['pct_texts']:.0f}% of its coded "
                     "texts)" if not parts else
                     f"{_quoted(top['code'])} in {group} ({top['pct_texts']:.0f}%)")
    if not parts:
        return (f"No code was given to {threshold} or more texts of any group large enough to "
                "report, so no code stands out.")
    return f"By {what}, the code given most often was {listed(parts)}."


def _together(sel: _Texts) -> Section:
    threshold = sel.threshold
    if not sel.has_coding:
        return Section(
            "together", "Which codes occur together", finding=NO_CODING,
            note=("Once texts are coded, a heat map here shows which codes are given to the "
                  "same texts."))
    together = qual.code_cooccurrence(sel.texts, sel.codings, coder=sel.coder)
    together_plot = suppress_small(together, count_cols="n_texts", threshold=threshold,
                                   value_cols=["jaccard"], partition_by=None)
    pairs = together_plot[(together_plot["code_a"] < together_plot["code_b"])
                          & (together_plot["n_texts"] > 0)]
    pairs = pairs.dropna(subset=["n_texts"]).sort_values("n_texts", ascending=False).head(5)
    tables = ()
    if len(pairs):
        top = pairs.iloc[0]
        finding = (f"The two codes most often given to the same text were "
                   f"{_quoted(top['code_a'])} and {_quoted(top['code_b'])}, together in "
                   f"{plural(int(top['n_texts']), 'text')} (overlap {top['jaccard']:.2f}).")
        tables = (Table(suppress_small(pairs[["code_a", "code_b", "n_texts", "jaccard"]],
                                       count_cols="n_texts", threshold=threshold,
                                       value_cols=["jaccard"], display=True, partition_by=None),
                        decimals={"n_texts": 0, "jaccard": 2},
                        labels={"code_a": "Code", "code_b": "and code",
                                "n_texts": "Texts with both", "jaccard": "Overlap (0-1)"},
                        caption="The pairs of codes most often given to the same text"),)
    elif ((together["code_a"] != together["code_b"]) & (together["n_texts"] > 0)).any():
        finding = (f"No two codes were given together to {threshold} or more texts, too few "
                   "to report any pair.")
    else:
        finding = "No text was given two different codes."
    return Section(
        "together", "Which codes occur together",
        finding=finding,
        tables=tables,
        charts=(charts.cooccurrence_chart(together_plot),),
        note=("Each cell of the heat map counts the texts given both codes; darker means more. "
              "The overlap (Jaccard index) is texts with both codes divided by texts with "
              "either: 0 means never together, 1 always together. Common codes meet more "
              "often by chance, so look at the overlap as well as the count. Blank cells are "
              f"counts below {threshold}, withheld."))


_AGREEMENT_NOTE = (
    "1 means the coders always agree, 0 that they agree no more than chance would give, below "
    "0 less. Landis and Koch (1977) called kappa of 0.41-0.60 moderate, 0.61-0.80 substantial "
    "and above 0.80 almost perfect, but these labels are a convention, not a test: read the "
    "interval, which is wide when few texts were double coded. Kappa is low for a rare code "
    "even when the coders nearly always agree (compare '% agreement'), so a low kappa on a rare "
    "code says the code needs a clearer definition or more examples, not that the coding is "
    "careless. Krippendorff (2004) suggests relying on alpha of 0.80 or more and drawing only "
    "tentative conclusions from 0.67 to 0.80. The 'All codes' rows count every text-code "
    "decision (texts times codes) and treat each separately, so their intervals are a little "
    "too narrow.")


def _agreement(sel: _Texts) -> Section:
    threshold = sel.threshold
    agreement = qual.coder_agreement(sel.texts, sel.codings) if sel.has_coding else None
    if agreement is None or not len(agreement):
        return Section(
            "agreement", "Do two coders agree?",
            finding=NO_CODING if agreement is None else agreement.attrs["message"],
            note=("Agreement is checked when a second coder independently codes some of the "
                  "same texts (about one in five): it shows whether the codes mean the same to "
                  "different people."),
            records={"kappa": {}, "kappa_overall": None, "alpha": None})
    shown = qual.agreement_table(agreement)
    given = [c for c in shown.columns if c.endswith(" gave it")]
    shown = suppress_small(shown, count_cols={c: [] for c in given}, threshold=threshold,
                           display=True, partition_by=None)
    coders, n_texts = agreement.attrs["coders"], agreement.attrs["n_texts"]
    overall = agreement[agreement["code"] == qual.OVERALL].set_index("statistic")
    alpha, pooled = overall.loc["Krippendorff's alpha"], overall.loc[qual.POOLED_KAPPA]
    paragraphs = [
        f"Over all codes, Krippendorff's alpha = {alpha['estimate']:.2f} (95% CI "
        f"{alpha['ci_low']:.2f} to {alpha['ci_high']:.2f}) and Cohen's kappa = "
        f"{pooled['estimate']:.2f} (95% CI {pooled['ci_low']:.2f} to "
        f"{pooled['ci_high']:.2f}), from {n_texts:,} texts both coded "
        f"({int(alpha['n']):,} yes/no decisions, one per text and code)."]
    if n_texts < 20:
        paragraphs.append(
            f"Only {n_texts} texts were coded by both coders: too few for a trustworthy "
            "estimate (intervals from so few texts can look narrower than they are). Aim for "
            "at least 20 to 50 double-coded texts.")
    chart_data = suppress_small(agreement, count_cols={"n_first": [], "n_second": []},
                                threshold=threshold, partition_by=None)
    return Section(
        "agreement", "Do two coders agree?",
        finding=_agreement_finding(agreement, alpha, coders, n_texts),
        paragraphs=tuple(paragraphs),
        tables=(Table(shown, decimals={"Estimate": 2, "95% CI from": 2, "to": 2,
                                       "% agreement": 0},
                      caption=f"Agreement of coders {' and '.join(coders)} on {n_texts:,} texts "
                              "both coded"),),
        charts=(charts.code_agreement_chart(chart_data),),
        note=_AGREEMENT_NOTE,
        records=qual.agreement_records(agreement))


def _agreement_finding(agreement: pd.DataFrame, alpha: pd.Series, coders, n_texts: int) -> str:
    """How far the two coders agree, judged on alpha's interval, and the weakest code."""
    est, low, high = (float(alpha[k]) for k in ("estimate", "ci_low", "ci_high"))
    who = f"Coders {' and '.join(coders)}"
    if math.isnan(est):
        return f"{who} both coded {n_texts:,} texts, but their agreement could not be estimated."
    if not math.isnan(low) and low >= 0.8:
        how = "closely enough to rely on the codes (alpha at least 0.80 across its interval)"
    elif est >= 0.8:
        how = ("at the level Krippendorff suggests relying on, though the interval reaches "
               "below 0.80")
    elif est >= 0.667:
        how = ("well beyond chance but below the 0.80 Krippendorff suggests relying on, so "
               "conclusions drawn from the codes are tentative")
    elif est > 0:
        how = "more than chance would give, but too little to rely on the codes"
    else:
        how = "no more than chance would give"
    sentence = (f"{who} agreed {how} (Krippendorff's alpha = {est:.2f}, 95% CI {low:.2f} to "
                f"{high:.2f}, from {n_texts:,} texts both coded")
    sentence += ", too few to trust)" if n_texts < 20 else ")"
    kappas = agreement[(agreement["statistic"] == "Cohen's kappa")
                       & agreement["estimate"].notna() & agreement["ci_low"].notna()]
    if len(kappas) > 1:
        low_code = kappas.sort_values(["estimate", "code"]).iloc[0]
        sentence += (f"; they agreed least on {_quoted(low_code['code'])} "
                     f"(kappa = {low_code['estimate']:.2f})")
    return sentence + "."


def _quotes(sel: _Texts, memberships: pd.DataFrame, per_code: int) -> Section:
    if not sel.has_coding:
        return Section(
            "quotes", "Exemplar quotes", finding=NO_CODING,
            note="Once texts are coded, this section shows a short quote for each code.")
    quotes = qual.exemplar_quotes(sel.texts, sel.codings, per_code=per_code,
                                  memberships=memberships, coder=sel.coder)
    n_codes = int(sel.coded["code"].nunique())
    n_quoted = int(quotes["code"].nunique()) if len(quotes) else 0
    if not len(quotes):
        finding = "None of the coded texts may be quoted (no author agreed to be quoted)."
    elif n_quoted < n_codes:
        finding = (f"{n_quoted:,} of the {n_codes:,} codes used {'has' if n_quoted == 1 else 'have'} "
                   "a quote; the others were given only to texts whose authors did not agree "
                   "to be quoted.")
    else:
        finding = ("The one code used has a quote from an author who agreed to be quoted."
                   if n_codes == 1 else f"Every one of the {n_codes:,} codes used has a quote "
                   "from an author who agreed to be quoted.")
    return Section(
        "quotes", "Exemplar quotes",
        finding=finding,
        tables=(Table(quotes, labels={"code": "Code", "quote": "Quote", "attribution": "Who"},
                      caption="Exemplar quotes"),) if len(quotes) else (),
        note=("A quote illustrates what a code means; it is not evidence of how common a view "
              "is (see the frequencies above). Quotes are picked by a fixed rule, so the same "
              "data always give the same quotes; 'Pupil 3' is the same pupil throughout this "
              "table but not in any other report."))


def _about_data(sel: _Texts, all_texts: pd.DataFrame, coder: str, scope: str) -> Section:
    threshold, texts, coded, codings = sel.threshold, sel.texts, sel.coded, sel.codings
    about = texts.groupby("source", observed=True).agg(n_texts=("text_id", "nunique")) \
        .reset_index()
    about["n_coded"] = about["source"].map(coded.groupby("source")["text_id"].nunique()) \
        .fillna(0).astype(int)
    about["pct_coded"] = 100 * about["n_coded"] / about["n_texts"]
    facts = [f"{plural(len(texts), 'text')}; {sel.n_coded:,} of them coded."]
    records = {}
    if len(codings):
        coders = sorted(map(str, codings["coder"].dropna().unique()))
        facts.append(f"Coders: {', '.join(coders)}. Each text is counted as "
                     + (f"coder {coder} coded it." if coder
                        else "its first coder coded it (a text coded twice counts once)."))
        dropped = qual.coded_texts(all_texts, codings).attrs["dropped"]
        facts.append(f"{plural(dropped, 'coding')} of texts no longer in the enquiry (for "
                     f"example a withdrawn pupil's reflection) {was_or_were(dropped)} left out.")
        records["codings_dropped"] = int(dropped)
    else:
        facts.append(NO_CODING)
    facts.append(f"Counts below {threshold} are withheld (shown as '<{threshold}').")
    return Section(
        "about_data", "About the data",
        finding=_coverage(about, len(texts), sel.n_coded, threshold),
        tables=(Table(suppress_small(about, count_cols={"n_texts": [],
                                                        "n_coded": ["pct_coded"]},
                                     threshold=threshold, display=True, partition_by=None),
                      decimals={"pct_coded": 0},
                      labels={"source": "Kind of text", "n_texts": "Texts", "n_coded": "Coded",
                              "pct_coded": "% coded"},
                      caption=f"Texts in this report ({scope})"),),
        items=tuple(facts),
        note=("Coded texts are a sample of what people wrote: interviews, feedback and "
              "comments were coded in full, reflections only in part. Codes describe what was "
              "said, not how many people think it."),
        records=records)


def _coverage(about: pd.DataFrame, n_texts: int, n_coded: int, threshold: int) -> str:
    """Which kinds of text were coded in full, in part or not at all, in one sentence."""
    if n_coded == 0:
        return ("The one text in this report is not coded yet." if n_texts == 1 else
                f"None of the {n_texts:,} texts in this report is coded yet.")
    full, part, few, none = [], [], [], []
    for row in about.itertuples(index=False):
        if row.n_texts < threshold:
            continue  # too few texts of this kind to say anything about them
        if row.n_coded == row.n_texts:
            full.append(str(row.source))
        elif row.n_coded >= threshold:
            part.append(f"{row.pct_coded:.0f}% of {row.source} texts")
        elif row.n_coded > 0:
            few.append(f"fewer than {threshold} {row.source} texts")
        else:
            none.append(str(row.source))
    parts = ([f"every {listed(full)} text"] if full else []) + part + few
    coverage = f": {listed(parts)}" if parts else ""
    uncoded = f"; no {listed(none)} text is coded" if none else ""
    total = (f"{n_coded:,} of the {n_texts:,} texts" if n_coded >= threshold else
             f"fewer than {threshold} of the {n_texts:,} texts")
    sentence = f"{total} in this report are coded{coverage}{uncoded}."
    return sentence[0].upper() + sentence[1:]
