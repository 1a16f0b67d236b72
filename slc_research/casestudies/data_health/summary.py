"""The data-health summary that ``slc-research check`` prints, and its parts per source.

It says, per source, how many rows were read and left out and what was
repaired, then per canonical table how complete each column is. Only counts
and column names are shown: never a value from a row.

The ``data_health`` report builds on the same parts: :func:`source_overview`
(rows read and left out per source), :func:`completeness_by_source` (% of
values present per source and column), :func:`classify_notes` (each loader note
as "repaired", "left out" or "warning", with the number it states) and
:func:`repairs_by_source`. Checks of the opened tables (duplicates, survey
response, plausibility) are in :mod:`slc_research.casestudies.data_health.analysis`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from slc_research.privacy.threshold import threshold_warning
from slc_research.workspace.enquiry import Enquiry, SourceHealth

__all__ = ["NOTE_KINDS", "classify_note", "classify_notes", "completeness",
           "completeness_by_source", "completeness_overall", "health_records", "health_summary",
           "repairs_by_source", "source_overview", "source_schools",
           "tables_of_sources"]

#: How loader notes are classified: (pattern, category, what). The pattern's
#: ``n`` group is the number the note states; a note that matches none is a "warning".
#: "repaired": the value was kept and read in a corrected or documented way;
#: "left out": rows or marks did not reach the tables; "warning": read as written.
NOTE_KINDS: tuple[tuple[str, str, str], ...] = (
    (r"(?P<n>[\d,]+) values? had spaces before or after", "repaired", "spaces trimmed"),
    (r"(?P<n>[\d,]+) answers? differed from the scale's wording", "repaired",
     "answer wording matched to the scale"),
    (r"(?P<n>[\d,]+) marks? uses? codes the DfE withdrew", "repaired",
     "withdrawn attendance codes read with their old meaning"),
    (r"(?P<n>[\d,]+) columns? not headed like a session", "repaired",
     "columns that are not sessions ignored"),
    (r"(?P<n>[\d,]+) dates? written as Excel day numbers", "repaired",
     "Excel day numbers read as dates"),
    (r"(?P<n>[\d,]+) grades? that are numbers also read as scores", "repaired",
     "numeric grades read as scores"),
    (r"(?P<n>[\d,]+) events? with no type", "repaired", "behaviour type left blank"),
    (r"not UTF-8; it was read as Windows-1252", "repaired", "file read as Windows-1252"),
    (r"(?P<n>[\d,]+) rows? of withdrawn people left out", "left out",
     "withdrawn people (consent register)"),
    (r"(?P<n>[\d,]+) blank rows? left out", "left out", "blank rows"),
    (r"(?P<n>[\d,]+) rows? with no text left out", "left out", "rows with no text"),
    (r"(?P<n>[\d,]+) sessions? with no mark recorded", "left out",
     "sessions with no mark recorded"),
    (r"(?P<n>[\d,]+) rows? repeating another row exactly left out", "left out",
     "rows repeating another row exactly"),
    (r"sent the form more than once.*? (?P<n>[\d,]+) rows? left out", "left out",
     "repeated submissions (duplicates option)"),
    (r"(?P<n>[\d,]+) blank cells? in .* read as", "repaired",
     "blank flags read as the blank option says"),
    (r"(?P<n>[\d,]+) KS2 scaled scores? in", "repaired",
     "KS2 scaled scores put in DfE prior-attainment bands"),
    (r"The workbook has (?P<sheets>\d+) sheets", "warning", "first sheet of several read"),
    (r"`respondents` is not set", "warning", "respondents taken to be pupils"),
)
_NOTE_PATTERNS = tuple((re.compile(p), c, w) for p, c, w in NOTE_KINDS)


def completeness(enq: Enquiry) -> pd.DataFrame:
    """Per table and column: rows, and the share of values present (%).

    Columns that no source filled (entirely missing) are listed with 0%.
    """
    rows = []
    for name, df in enq.tables.items():
        if df.empty:
            continue
        present = df.notna().mean() * 100
        for col, pct in present.items():
            rows.append({"table": name, "column": col, "rows": len(df), "present %": pct})
    return pd.DataFrame(rows, columns=["table", "column", "rows", "present %"])


def health_summary(enq: Enquiry) -> str:
    """A plain-text data-health summary of an opened workspace."""
    lines = [
        f"{enq.title} ({enq.academic_year or 'academic year not given'})",
        f"Schools: {', '.join(enq.schools) or 'none named'}",
        f"Groups smaller than {enq.suppression_threshold} are suppressed in reports.",
    ]
    warning = threshold_warning(enq.suppression_threshold)
    if warning:
        lines.append(f"Warning: {warning}")
    lines += ["", "Sources:"]
    health = enq.health_frame()
    if health.empty:
        lines.append("  none yet: add [sources.NAME] tables to enquiry.toml")
    else:
        shown = health.drop(columns=["repairs and warnings"])
        shown["from cache"] = shown["from cache"].map({True: "yes", False: "read now"})
        lines += ["  " + line for line in shown.to_string(index=False).splitlines()]
    notes = [(h.source, n) for h in enq.health for n in h.notes]
    notes += [("consent register", n) for n in getattr(enq, "notes", ())]
    if notes:
        lines += ["", "Repairs and warnings:"]
        lines += [f"  - {source}: {note}" for source, note in notes]
    sizes = {name: len(df) for name, df in enq.tables.items() if len(df)}
    lines += ["", "Tables: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items())]
    comp = completeness(enq)
    gaps = comp[comp["present %"] < 100]
    if not gaps.empty:
        lines += ["", "Columns with missing values (% present):"]
        for table, g in gaps.groupby("table", sort=False):
            cells = ", ".join(f"{c} {p:.0f}%" for c, p in zip(g["column"], g["present %"],
                                                                strict=True))
            lines.append(f"  {table}: {cells}")
    return "\n".join(lines)



# -- per source ----------------------------------------------------------------------------

def classify_note(note: str) -> tuple[str, str, int | None]:
    """The category, a short description and the number stated by one loader note.

    Parameters
    ----------
    note : str
        One of :attr:`SourceHealth.notes`, e.g. ``"2 rows of withdrawn people left out."``.

    Returns
    -------
    tuple
        ``(category, what, count)``: category is "repaired", "left out" or
        "warning" (see :data:`NOTE_KINDS`); count is None when the note states none
        (a file read in another encoding counts as 1).

    Examples
    --------
    >>> classify_note("2 rows of withdrawn people left out.")
    ('left out', 'withdrawn people (consent register)', 2)
    """
    for pattern, category, what in _NOTE_PATTERNS:
        m = pattern.search(note)
        if m:
            n = m.groupdict().get("n")
            count = int(n.replace(",", "")) if n else (1 if category == "repaired" else None)
            return category, what, count
    return "warning", "other note", None


def classify_notes(health: Iterable[SourceHealth]) -> pd.DataFrame:
    """Every loader note of every source, classified.

    Returns
    -------
    DataFrame
        One row per note: ``source``, ``kind``, ``category``, ``what``, ``count``
        (Int64; missing when the note states no number) and ``note`` (the text:
        notes hold counts and column headings, never a value from a row).
    """
    rows = [{"source": h.source, "kind": h.kind, **dict(zip(("category", "what", "count"),
                                                             classify_note(n), strict=True)),
             "note": n} for h in health for n in h.notes]
    out = pd.DataFrame(rows, columns=["source", "kind", "category", "what", "count", "note"])
    out["count"] = out["count"].astype("Int64")
    return out


def repairs_by_source(notes: pd.DataFrame, overview: pd.DataFrame) -> pd.DataFrame:
    """Per source: values repaired, rows left out, and warnings.

    Parameters
    ----------
    notes : DataFrame
        From :func:`classify_notes`.
    overview : DataFrame
        From :func:`source_overview` (its ``rows_left_out`` is the loader's own count,
        which is what ``left_out`` reports; the notes say why).

    Returns
    -------
    DataFrame
        ``source``, ``kind``, ``repaired`` (values, answers, marks or columns the notes
        say were repaired), ``left_out`` (rows the loader left out), ``warnings``
        (notes), sorted by repaired + left out, largest first.
    """
    counts = notes.assign(count=notes["count"].fillna(0).astype("int64"))
    repaired = counts[counts["category"] == "repaired"].groupby("source")["count"].sum()
    warnings = counts[counts["category"] == "warning"].groupby("source").size()
    out = overview[["source", "kind"]].copy()
    out["repaired"] = out["source"].map(repaired).fillna(0).astype("int64")
    out["left_out"] = overview["rows_left_out"].astype("int64").to_numpy()
    out["warnings"] = out["source"].map(warnings).fillna(0).astype("int64")
    total = out["repaired"] + out["left_out"]
    return (out.assign(_t=total).sort_values(["_t", "source"], ascending=[False, True])
            .drop(columns="_t").reset_index(drop=True))


def source_schools(enq: Enquiry) -> dict[str, str]:
    """The school each source belongs to ("" when it spans schools or cannot be told).

    From the source's ``school`` option in ``enquiry.toml``; else the one school of
    its rows, of the pupils or staff it names, or of the community it is about; else
    the one school whose name (letters and digits only) is part of the file's path,
    as in ``raw/st-aidans-c-of-e-high/...`` for "St Aidan's C of E High".
    """
    def squash(text: str) -> str:
        return re.sub(r"[^a-z0-9]", "", text.casefold())

    people = pd.concat([
        enq.pupils[["pupil_id", "school"]].set_axis(["person", "school"], axis=1),
        enq.staff[["staff_id", "school"]].set_axis(["person", "school"], axis=1),
    ]).dropna().drop_duplicates("person").set_index("person")["school"]
    community_school = enq.communities.dropna(subset=["school"]).set_index("community")["school"]
    out = {}
    for h in enq.health:
        spec = enq.manifest.sources.get(h.source)
        school = (spec.options.get("school") if spec is not None else None) or ""
        if not school:
            try:
                tables = enq.source_tables(h.source)
            except KeyError:
                tables = {}
            school = _one_school(tables, people, community_school)
        if not school and spec is not None:
            named = [sch for sch in enq.schools if squash(sch) and squash(sch) in squash(spec.label)]
            school = named[0] if len(named) == 1 else ""
        out[h.source] = school
    return out


def _one_school(tables: dict[str, pd.DataFrame], people: pd.Series,
                community_school: pd.Series) -> str:
    found: set[str] = set()
    def distinct(column: pd.Series) -> pd.Series:  # each value once, as text
        return pd.Series(column.dropna().unique(), dtype="object").astype(str)

    for df in tables.values():
        if "school" in df.columns:
            found |= set(distinct(df["school"]))
        for col in ("pupil_id", "member_id", "respondent_id", "staff_id", "author_id"):
            if col in df.columns:
                found |= set(distinct(df[col]).map(people).dropna().astype(str))
                break
        else:
            if "community" in df.columns:
                found |= set(distinct(df["community"]).map(community_school).dropna())
    return found.pop() if len(found) == 1 else ""


def source_overview(enq: Enquiry, *, school: str = "") -> pd.DataFrame:
    """Per source: its kind, school, rows read and rows left out (as the loaders counted).

    Parameters
    ----------
    enq : Enquiry
    school : str
        "" for every source; else only the sources of that school.

    Returns
    -------
    DataFrame
        ``source``, ``kind``, ``school``, ``rows_read``, ``rows_left_out``,
        ``notes`` (how many notes the loader wrote). Counts of rows in files,
        not of pupils.
    """
    schools = source_schools(enq)
    out = pd.DataFrame([{"source": h.source, "kind": h.kind, "school": schools.get(h.source, ""),
                         "rows_read": h.rows_read, "rows_left_out": h.rows_dropped,
                         "notes": len(h.notes)} for h in enq.health],
                       columns=["source", "kind", "school", "rows_read", "rows_left_out", "notes"])
    if school:
        out = out[out["school"] == school].reset_index(drop=True)
    return out.astype({"rows_read": "int64", "rows_left_out": "int64", "notes": "int64"})


def completeness_by_source(enq: Enquiry, *, sources: Iterable[str] | None = None) -> pd.DataFrame:
    """Per source, table and canonical column: the % of that source's values present.

    A column the source's file does not provide shows 0%: the tables of its kind
    have it, but this source left it empty.

    Parameters
    ----------
    enq : Enquiry
    sources : list of str, optional
        Source names (default: every source).

    Returns
    -------
    DataFrame
        ``source``, ``kind``, ``table``, ``column``, ``rows``, ``present`` (values
        present), ``present_pct``.
    """
    kinds = {h.source: h.kind for h in enq.health}
    wanted = list(kinds) if sources is None else [s for s in sources if s in kinds]
    rows = []
    for name in wanted:
        try:
            tables = enq.source_tables(name)
        except KeyError:
            continue
        for table, df in tables.items():
            if df.empty:
                continue
            for col, present in df.notna().sum().items():
                rows.append({"source": name, "kind": kinds[name], "table": table,
                             "column": col, "rows": len(df), "present": int(present),
                             "present_pct": 100 * present / len(df)})
    return pd.DataFrame(rows, columns=["source", "kind", "table", "column", "rows", "present",
                                       "present_pct"])


def tables_of_sources(enq: Enquiry, sources: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The canonical tables built from ``sources`` only (e.g. one school's files).

    Communities are taken from the whole enquiry (they are built from several tables).
    """
    from slc_research.data.schemas import TABLES, conform, empty_table

    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
    for name in sources:
        try:
            for t, df in enq.source_tables(name).items():
                if len(df):
                    parts[t].append(df.astype({c: "object" for c in df.columns
                                               if isinstance(df[c].dtype, pd.CategoricalDtype)}))
        except KeyError:
            continue
    out = {t: conform(pd.concat(fs, ignore_index=True), t) if fs else empty_table(t)
           for t, fs in parts.items()}
    out["communities"] = enq.communities
    return out


# -- report tables -------------------------------------------------------------------------

def completeness_overall(by_source: pd.DataFrame) -> pd.DataFrame:
    """Per table and column, pooled over sources: sources, rows and % of values present.

    Parameters
    ----------
    by_source : DataFrame
        From :func:`completeness_by_source`.
    """
    g = by_source.groupby(["table", "column"], sort=False)
    out = g.agg(sources=("source", "nunique"), rows=("rows", "sum"),
                present=("present", "sum")).reset_index()
    out["present_pct"] = 100 * out["present"] / out["rows"]
    return out


def health_records(*, overview: pd.DataFrame, notes: pd.DataFrame, rates: pd.DataFrame,
                   attrition: pd.DataFrame, implausible: pd.DataFrame,
                   duplicate_rows: pd.DataFrame, threshold: int) -> dict:
    """The headline results of the data-health report, JSON-ready.

    Returns
    -------
    dict
        ``n_sources``, ``rows_read``, ``rows_left_out`` (sums over the sources shown),
        ``n_repairs`` (values repaired, as the notes state), ``response_rate``
        ({"instrument wave N": {estimate, ci_low, ci_high, n}} for the overall row of
        each linked instrument and wave; withheld when small), ``attrition_pct``
        ({"instrument wave A to B": % or None when withheld}), ``attrition_g``
        ({"instrument wave A to B scale": {estimate, ci_low, ci_high, n}}: Hedges' g of
        leavers' v stayers' first-wave scores), ``n_out_of_range`` ({rule: rows}) and
        ``n_duplicates`` ({table: rows repeating a key}).
    """
    from slc_research.casestudies.data_health.survey_response import attrition_table, response_table

    def num(v: object) -> float | None:
        return None if pd.isna(v) else float(v)

    shown = response_table(rates, threshold=threshold, display=False)
    school_rows = shown["school"] == "All schools"
    if not school_rows.any():  # one school: its rows are the overall rows
        school_rows = shown["school"] != "All schools"
    rate = {}
    for r in shown[school_rows & shown["on_roll"].notna()].itertuples():
        rate[f"{r.instrument} wave {r.wave}"] = {
            "estimate": num(r.rate), "ci_low": num(r.ci_low), "ci_high": num(r.ci_high),
            "n": None if pd.isna(r.on_roll) else int(r.on_roll),
            "respondents": None if pd.isna(r.respondents) else int(r.respondents)}
    all_att = attrition_table(attrition, threshold=threshold, display=False)
    att = all_att.drop_duplicates(["instrument", "from_wave", "to_wave"])
    scaled = all_att[all_att["scale"].fillna("") != ""]
    repaired = notes.loc[notes["category"] == "repaired", "count"].fillna(0)
    return {
        "n_sources": len(overview),
        "rows_read": int(overview["rows_read"].sum()),
        "rows_left_out": int(overview["rows_left_out"].sum()),
        "n_repairs": int(repaired.sum()),
        "response_rate": rate,
        "attrition_pct": {f"{r.instrument} wave {r.from_wave} to {r.to_wave}":
                          None if pd.isna(r.left_pct) else float(r.left_pct)
                          for r in att.itertuples()},
        "attrition_g": {f"{r.instrument} wave {r.from_wave} to {r.to_wave} {r.scale}": {
            "estimate": num(r.g), "ci_low": num(r.g_ci_low), "ci_high": num(r.g_ci_high),
            "n": None if pd.isna(r.n_left) or pd.isna(r.n_stayed) else int(r.n_left + r.n_stayed)}
            for r in scaled.itertuples()},
        "n_out_of_range": {r.rule: int(r.flagged) for r in implausible.itertuples()},
        "n_duplicates": {r.table: int(r.duplicate_keys) for r in duplicate_rows.itertuples()},
    }
