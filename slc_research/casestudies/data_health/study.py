"""The data-health case study as one result: ``run(enquiry, params) -> Result``.

The notebook ``notebooks/data_health.ipynb`` calls ``data_health.STUDY`` once and shows the
sections of its result between its narrative cells; the index and the summary are made from
the same result. The parts are in :mod:`.summary` (per source: rows read and left out,
completeness, loader notes) and :mod:`.analysis` (duplicates, plausibility, survey response
and attrition).

Most counts here are of rows and values in files, not of people in groups; they are published
in full, as the report always has (:func:`file_counts`). Questionnaire response and drop-out
count people: their tables and charts withhold groups smaller than the enquiry's threshold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from slc_research import charts
from slc_research.casestudies.data_health import analysis, summary
from slc_research.casestudies.result import Result, Section, Table
from slc_research.privacy.suppression import suppress_small
from slc_research.words import listed, plural

__all__ = ["drop_out_finding", "file_counts", "response_finding", "run"]

#: The smallest count of rows or values in files that may be shown: every one (these count
#: lines of files, not people in groups; see the notes of the sections).
FILE_COUNT_THRESHOLD = 1


def run(enq: Any, params: dict[str, Any]) -> Result:
    """Run the data-health case study on an opened enquiry.

    Parameters
    ----------
    enq : Enquiry
        The opened workspace.
    params : dict
        As :meth:`data_health.STUDY.validate <slc_research.casestudies.spec.CaseStudy.validate>`
        returns them: ``school`` ("" for every school).

    Returns
    -------
    Result
        Sections ``sources``, ``completeness``, ``duplicates``, ``response``, ``drop_out``,
        ``plausibility``, ``repairs`` and ``about_data``.

    Raises
    ------
    ConfigError
        When ``school`` is not one of the enquiry's schools.
    """
    threshold = enq.suppression_threshold
    school = analysis.resolve_school(enq.schools, params["school"])
    # one school's enquiry is named by its school, never "all schools"
    where = school or (enq.schools[0] if len(enq.schools) == 1 else "all schools")
    overview = summary.source_overview(enq, school=school)
    tables = enq.tables if not school else summary.tables_of_sources(enq, overview["source"])
    by_source = summary.completeness_by_source(enq, sources=overview["source"])
    dups = analysis.duplicates(tables)
    survey = analysis.respondents_of_school(enq.survey_responses, enq.pupils, enq.staff, school)
    rates = analysis.response_rates(survey, enq.pupils, enq.staff, school=school)
    drop_out = analysis.attrition(survey, enq.scale_scores())
    odd = analysis.implausible_values(tables, academic_year=enq.academic_year)
    notes = summary.classify_notes([h for h in enq.health if h.source in set(overview["source"])])
    repairs = summary.repairs_by_source(notes, overview)
    records = summary.health_records(overview=overview, notes=notes, rates=rates,
                                     attrition=drop_out, implausible=odd, duplicate_rows=dups,
                                     threshold=threshold)
    year = enq.academic_year or "academic year not given"
    title = f"{enq.title}: data health ({where})"
    sections = (
        _sources(overview, school, _pick(records, "n_sources", "rows_read", "rows_left_out")),
        _completeness(by_source, where),
        _duplicates(dups, where, _pick(records, "n_duplicates")),
        _response(rates, where, threshold, _pick(records, "response_rate")),
        _drop_out(drop_out, where, threshold, _pick(records, "attrition_pct", "attrition_g")),
        _plausibility(odd, where, enq.academic_year, _pick(records, "n_out_of_range")),
        _repairs(notes, repairs, _pick(records, "n_repairs"), getattr(enq, "notes", ())),
        _about_data(threshold, where, year),
    )
    return Result(
        "data_health", title,
        f"How complete and how plausible the data of this enquiry are ({where}, {year}): what "
        "each file held, what the loaders repaired and left out, repeated rows, questionnaire "
        "response and drop-out between waves, and values that are allowed but unlikely.",
        sections, records={"title": title, "school": school or "all"})


def file_counts(frame: pd.DataFrame, count_cols: Sequence[str], *,
                display: bool = True) -> pd.DataFrame:
    """A table of counts of rows or values in files, through the suppression boundary.

    These count lines of files (a pupil in a roster, one attendance mark), not people in
    groups, so nothing is withheld (threshold :data:`FILE_COUNT_THRESHOLD`): the report has
    always shown them in full and says so in its notes.

    Parameters
    ----------
    frame : DataFrame
    count_cols : list of str
        Its columns of counts.
    display : bool
        True for a reader's table, False for a chart's data (adds the ``suppressed`` column).
    """
    return suppress_small(frame, count_cols=list(count_cols), threshold=FILE_COUNT_THRESHOLD,
                          value_cols=[], display=display, partition_by=None)


def _pick(records: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: records[n] for n in names}



def _pct(share: float) -> str:
    """A percentage for a sentence: whole numbers, one decimal below 10%."""
    return f"{share:.0f}%" if abs(share) >= 10 or share == 0 else f"{share:.1f}%"


def _sources(overview: pd.DataFrame, school: str, records: dict[str, Any]) -> Section:
    note = ("A row is one line of a file: a pupil in a roster, one mark in a long attendance "
            "export or one pupil's row of marks in a wide register. These are counts of rows in "
            "files, not of pupils in groups, so small numbers are shown. Rows left out never "
            "reach any table or report. Why they were left out is in the last section.")
    title = "Sources: rows read and left out"
    if overview.empty:
        return Section("sources", title, finding=(
            f"No source belongs to {school}." if school else
            "This enquiry has no sources yet: add [sources.NAME] tables to enquiry.toml."),
            note=note, records=records)
    read, left = int(overview["rows_read"].sum()), int(overview["rows_left_out"].sum())
    with_left = int((overview["rows_left_out"] > 0).sum())
    n = len(overview)
    held = (f"The one source held {plural(read, 'row')}" if n == 1 else
            f"The {n:,} sources held {plural(read, 'row')}")
    finding = (f"{held}; the loaders left out {left:,} of them"
               + ("." if n == 1 else f", from {with_left:,} of the sources.") if left else
               f"{held}, and the loaders left none out.")
    return Section(
        "sources", title, finding=finding,
        tables=(Table(file_counts(overview, ["rows_read", "rows_left_out", "notes"]),
                      caption=f"{plural(n, 'source')}: {plural(read, 'row')} read, {left:,} left out",
                      labels={"source": "Source", "kind": "Kind", "school": "School",
                              "rows_read": "Rows read", "rows_left_out": "Rows left out",
                              "notes": "Loader notes"}),),
        note=note, records=records)


def _completeness(by_source: pd.DataFrame, where: str) -> Section:
    note = ("Dark squares are complete columns; pale or white ones have many missing values. "
            "A missing value is left out of the analyses that need it, so a pale column means "
            "figures built on it rest on fewer pupils than the table holds. These are counts "
            "of values in files, not of pupils in groups: they are not suppressed.")
    title = "Completeness"
    if by_source.empty:
        return Section("completeness", title, finding=(
            f"No source of {where} has rows, so completeness cannot be shown."), note=note)
    overall = summary.completeness_overall(by_source)
    gaps = overall[overall["present_pct"] < 100]
    chart = charts.completeness_heatmap_chart(
        file_counts(by_source, ["rows", "present"], display=False))
    if gaps.empty:
        return Section("completeness", title, finding=(
            "Every column of every table has a value in every row."), charts=(chart,), note=note)
    least = gaps.sort_values("present_pct", kind="stable").iloc[0]
    empty = int((gaps["present_pct"] == 0).sum())
    full = len(overall) - len(gaps)
    finding = (f"{full:,} of the {len(overall):,} columns the sources fill "
               f"{'has' if full == 1 else 'have'} a value in every row; {len(gaps):,} "
               f"{'has' if len(gaps) == 1 else 'have'} values missing, the most in "
               f"{least['table']}.{least['column']} ({least['present_pct']:.0f}% present)"
               + (f", and {empty:,} {'is' if empty == 1 else 'are'} empty in every source."
                  if empty else "."))
    return Section(
        "completeness", title, finding=finding,
        tables=(Table(file_counts(gaps.drop(columns="present"), ["sources", "rows"]),
                      caption="Columns with missing values, all sources of each table together",
                      labels={"table": "Table", "column": "Column", "sources": "Sources",
                              "rows": "Rows", "present_pct": "% present"}),),
        charts=(chart,), note=note)


def _duplicates(dups: pd.DataFrame, where: str, records: dict[str, Any]) -> Section:
    note = ("A repeated key across files usually means the same export was added twice, or a "
            "pupil appears in two schools' files; it counts that pupil twice. Behaviour logs can "
            "hold two identical entries for two real events, so they are only flagged. These "
            "are counts of rows, not of pupils in groups: they are not suppressed.")
    title = "Duplicates"
    if dups.empty:
        return Section("duplicates", title, finding=(
            f"No table of {where} has rows, so there is nothing to check for repeats."),
            note=note, records=records)
    found = []
    for r in dups.itertuples():
        if r.key == "every column" and r.exact_duplicates:
            found.append(f"the {r.table} table has {plural(r.exact_duplicates, 'row')} repeated "
                         "exactly (two identical entries can be two real events)")
        elif r.duplicate_keys:
            found.append(f"the {r.table} table has {plural(r.duplicate_keys, 'row')} repeating "
                         f"its key ({r.key})" + (f", {r.exact_duplicates:,} of them exactly"
                                                 if r.exact_duplicates else ""))
    rest = len(dups) - len(found)
    if not found:
        finding = f"None of the {plural(len(dups), 'table')} checked repeats a row or a key."
    else:
        other = ("; the other table repeats no row and no key" if rest == 1 else
                 f"; the other {rest} tables repeat no row and no key" if rest else "")
        finding = listed(found) + other + "."
        finding = finding[0].upper() + finding[1:]
    return Section(
        "duplicates", title, finding=finding,
        tables=(Table(file_counts(dups, ["rows", "exact_duplicates", "duplicate_keys"]),
                      caption="Repeated rows per table",
                      labels={"table": "Table", "rows": "Rows", "key": "Should be unique",
                              "exact_duplicates": "Rows repeated exactly",
                              "duplicate_keys": "Rows repeating the key",
                              "loader": "What the loaders do"}),),
        note=note, records=records)


def _response(rates: pd.DataFrame, where: str, threshold: int,
              records: dict[str, Any]) -> Section:
    note = ("The response rate is the share of the pupils (or staff) who could have answered "
            "who did; the 95% confidence interval (CI) is the range of rates consistent with "
            "these answers. A low rate means the answers may not speak for the year group. "
            "Questionnaires given only to a community (such as a pilot's check-in) have low "
            "rates by design: their denominator is every pupil in the year groups surveyed. "
            f"Groups of fewer than {threshold} are withheld (shown as <{threshold}). Anonymous "
            "questionnaires cannot be matched to a roll and have no rate.")
    title = "Questionnaire response"
    if rates.empty:
        return Section("response", title, finding=(
            f"There are no questionnaire answers for {where}."), note=note, records=records)
    linked = analysis.response_table(rates, threshold=threshold, display=False)
    has_rate = bool(linked["rate"].notna().any())
    return Section(
        "response", title, finding=response_finding(linked, threshold),
        paragraphs=() if has_rate else ("No response rate can be charted (no linked "
                                        "questionnaire, or groups too small).",),
        tables=(Table(analysis.response_table(rates, threshold=threshold),
                      decimals={"Response %": 1, "95% CI low": 1, "95% CI high": 1},
                      caption="Response rate per questionnaire, wave and school, with 95% CI"),),
        charts=(charts.response_rate_chart(linked),) if has_rate else (),
        note=note, records=records)


def response_finding(linked: pd.DataFrame, threshold: int) -> str:
    """One sentence: each questionnaire wave's overall response rate, with its 95% CI."""
    overall = linked["school"] == "All schools"
    if not overall.any():  # one school: its rows are the overall rows
        overall = ~overall
    rows = linked[overall & linked["on_roll"].notna()]
    said = []
    for instrument, g in rows.groupby("instrument", sort=False):
        waves = []
        for r in g.itertuples():
            if pd.isna(r.rate):
                waves.append(f"the rate of {instrument} wave {r.wave} is withheld (a group "
                             f"smaller than {threshold})")
                continue
            ci = f"(95% CI {_pct(100 * r.ci_low)} to {_pct(100 * r.ci_high)})"
            if not waves:
                waves.append(f"{_pct(100 * r.rate)} {ci} of those on roll answered "
                             f"{instrument} wave {r.wave}")
            else:
                waves.append(f"{_pct(100 * r.rate)} {ci} wave {r.wave}")
        said.append(listed(waves))
    unlinked = sorted(set(linked.loc[linked["on_roll"].isna(), "instrument"])
                      - set(rows["instrument"]))
    tail = (f" {listed(unlinked)} cannot be matched to a roll, so "
            f"{'it has' if len(unlinked) == 1 else 'they have'} no response rate."
            if unlinked else "")
    if not said:
        return ("No questionnaire answered here can be matched to a roll, so no response rate "
                "can be given." + tail)
    text = "; ".join(said)
    return text[0].upper() + text[1:] + "." + tail


def _drop_out(drop_out: pd.DataFrame, where: str, threshold: int,
              records: dict[str, Any]) -> Section:
    note = ("The % not answering next is the share of first-wave respondents missing at the "
            "next wave, with its 95% CI. Hedges' g compares the first-wave scale scores of "
            "those who left with those who stayed, in standard deviations: 0 means no "
            "difference, 0.2 a small one; negative means leavers scored lower. An interval that "
            "excludes 0 suggests drop-out was not random, and a before-and-after comparison of "
            f"those who stayed may be biased. Groups of fewer than {threshold} are withheld.")
    title = "Drop-out between waves"
    if drop_out.empty:
        return Section("drop_out", title, finding=(
            f"No questionnaire for {where} has two waves, so drop-out cannot be measured."),
            note=note, records=records)
    shown = analysis.attrition_table(drop_out, threshold=threshold, display=False)
    differences = analysis.attrition_table(drop_out, threshold=threshold, part="scores")
    return Section(
        "drop_out", title, finding=drop_out_finding(shown, threshold),
        paragraphs=("No questionnaire followed across waves has scales, so leavers' and "
                    "stayers' scores cannot be compared.",) if differences.empty else (),
        tables=(Table(analysis.attrition_table(drop_out, threshold=threshold, part="drop_out"),
                      decimals=1, caption="Who answered one wave but not the next, with 95% CI"),
                *(() if differences.empty else (Table(
                    differences, decimals=2,
                    caption="First-wave scale scores of those who left and those who stayed"),))),
        charts=(charts.attrition_chart(shown),) if shown["left_pct"].notna().any() else (),
        note=note, records=records)


def drop_out_finding(shown: pd.DataFrame, threshold: int) -> str:
    """Who did not answer the next wave, and whether leavers had scored differently."""
    said = []
    for r in shown.drop_duplicates(["instrument", "from_wave", "to_wave"]).itertuples():
        pair = f"{r.instrument} wave {r.from_wave}"
        if pd.isna(r.left_pct):
            said.append(f"the share of {pair} respondents missing at wave {r.to_wave} is "
                        f"withheld (a group smaller than {threshold})")
            continue
        ci = f"95% CI {_pct(r.left_ci_low)} to {_pct(r.left_ci_high)}"
        if r.left == 0:
            said.append(f"none of the {int(r.answered_first):,} who answered {pair} missed "
                        f"wave {r.to_wave} ({ci} for the share missing)")
        else:
            said.append(f"{_pct(r.left_pct)} ({ci}) of the {int(r.answered_first):,} who "
                        f"answered {pair} did not answer wave {r.to_wave}")
    text = listed(said)
    text = text[0].upper() + text[1:] + "."
    scored = shown[shown["scale"].fillna("").ne("") & shown["g"].notna()]
    if scored.empty:
        return text
    lower = [r for r in scored.itertuples() if r.g_ci_high < 0]
    higher = [r for r in scored.itertuples() if r.g_ci_low > 0]
    parts = [f"those who left had scored {word} on {r.scale} at the first wave (g = "
             f"{r.g:.2f}, 95% CI [{r.g_ci_low:.2f}, {r.g_ci_high:.2f}])"
             for word, group in (("lower", lower), ("higher", higher)) for r in group]
    if not parts:
        return text + (" On every scale the leavers' and the stayers' first-wave scores show no "
                       "clear difference (each interval includes 0).")
    clear = {r.Index for r in [*lower, *higher]}
    unclear = sorted({r.scale for r in scored.itertuples() if r.Index not in clear})
    said = "; ".join(parts)
    return (f"{text} {said[0].upper()}{said[1:]}, so drop-out was not random"
            + (f"; on {listed(unclear)} there is no clear difference." if unclear else "."))


def _plausibility(odd: pd.DataFrame, where: str, academic_year: str,
                  records: dict[str, Any]) -> Section:
    note = ("A row breaking a rule is not necessarily wrong (a Saturday revision session is a "
            "real session), but each should be checked in the school's system. No value from a "
            "row is shown here, only how many rows break each rule. Dates are checked against "
            f"the academic year {academic_year or '(not given)'} (1 August to 31 July) and "
            "against today. These are counts of rows, not of pupils in groups: they are not "
            "suppressed.")
    title = "Values that are allowed but unlikely"
    if odd.empty:
        return Section("plausibility", title, finding=(
            f"No table of {where} that these rules check has rows."), note=note, records=records)
    flagged = odd[odd["flagged"] > 0].sort_values("flagged", ascending=False, kind="stable")
    if flagged.empty:
        finding = f"No row breaks any of the {len(odd)} checks."
    else:
        rules = [f"{r.description} ({r.table}: {plural(r.flagged, 'row')})"
                 for r in flagged.head(3).itertuples()]
        more = len(flagged) - len(rules)
        finding = (f"{len(flagged)} of the {len(odd)} checks "
                   f"{'flags' if len(flagged) == 1 else 'flag'} rows: " + listed(rules)
                   + (f", and {more} more." if more else "."))
    return Section(
        "plausibility", title, finding=finding,
        tables=(Table(file_counts(odd.drop(columns="rule"), ["rows_checked", "flagged"]),
                      caption="Plausibility checks",
                      labels={"table": "Table", "columns": "Columns", "description": "Rule",
                              "rows_checked": "Rows checked", "flagged": "Rows breaking it"}),),
        note=note, records=records)


def _repairs(notes: pd.DataFrame, repairs: pd.DataFrame, records: dict[str, Any],
             workspace_notes: Sequence[str] = ()) -> Section:
    note = ("Repaired values were kept and read as the loader describes; rows left out are not "
            "in any table. People who withdrew consent are always left out, and the report never "
            "says who they are. These are counts of values and rows in files, not of pupils in "
            "groups: they are not suppressed.")
    title = "What was repaired and what was left out"
    tables = []
    if notes.empty:
        finding = "The loaders repaired nothing and left nothing out."
    else:
        finding = (f"In all, the loaders repaired {plural(repairs['repaired'].sum(), 'value')} "
                   f"in {plural((repairs['repaired'] > 0).sum(), 'source')} and left out "
                   f"{plural(repairs['left_out'].sum(), 'row')} from "
                   f"{plural((repairs['left_out'] > 0).sum(), 'source')}.")
        kinds = (notes.groupby(["category", "what"], sort=True)
                 .agg(sources=("source", "nunique"), count=("count", "sum")).reset_index())
        tables.append(Table(file_counts(kinds, ["sources", "count"]),
                            caption="Repairs and rows left out, by kind",
                            labels={"category": "Repaired or left out", "what": "What",
                                    "sources": "Sources", "count": "How many"}))
    busy = repairs[(repairs["repaired"] + repairs["left_out"] + repairs["warnings"]) > 0]
    if not busy.empty:
        tables.append(Table(
            file_counts(busy.head(20), ["repaired", "left_out", "warnings"]),
            caption="The (at most 20) sources with the most repairs and rows left out",
            labels={"source": "Source", "kind": "Kind", "repaired": "Values repaired",
                    "left_out": "Rows left out", "warnings": "Warnings"}))
    drawn = (repairs["repaired"] + repairs["left_out"]).sum() > 0
    # warnings a teacher must act on (a mostly blank flag column, respondents not on the
    # roster, a survey that cannot be linked): their text names files, columns, Excel rows
    # and options, never a value from a row
    # (Excel row numbers stay in `check`: in a shared report a row number could look like an id)
    to_act = [re.sub(r" \(Excel rows? [^)]*\)", " (slc-research check lists their rows)", str(n))
              for n in notes["note"] if str(n).startswith("Warning:")] if len(notes) else []
    if to_act:
        finding += (f" {len(to_act)} warning{'s' if len(to_act) != 1 else ''} below "
                    f"{'need' if len(to_act) != 1 else 'needs'} your attention before the "
                    "results are read.")
    heading = ("Warnings to act on" + (", and the consent register" if workspace_notes else "")
               if to_act else "The consent register" if workspace_notes else "")
    return Section(
        "repairs", title, finding=finding, tables=tuple(tables),
        charts=(charts.repairs_chart(file_counts(repairs, ["repaired", "left_out", "warnings"],
                                                 display=False)),) if drawn else (),
        items=(*to_act, *workspace_notes),
        items_heading=heading,
        note=note, records=records)


def _about_data(threshold: int, where: str, year: str) -> Section:
    return Section("about_data", "About the data", finding=(
        f"This report covers {where} ({year}); groups of fewer than {threshold} pupils are "
        f"withheld (shown as <{threshold})."))
