"""The summary across reports: every report's headline results, labelled for people.

``summary.csv`` is one tidy table (a row per report and result: estimate, interval, n) for a
spreadsheet or a dissertation table; ``summary.html`` puts the same results side by side, one
column per report (for example the SLC effect in every school). Every label comes from the
catalogue (:data:`~slc_research.report.catalogue.HEADLINES`) and every value is written in
words ("0.43 (0.23 to 0.62), 70 members against 1,527 others"), never as an internal key.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from slc_research.privacy.safe_cells import csv_text
from slc_research.report.catalogue import NOTEBOOKS, headline_label, headline_text
from slc_research.report.execute import ReportResult
from slc_research.report.folder import INDEX_NAME, SUMMARY_CSV

__all__ = ["SUMMARY_COLUMNS", "headlines", "is_estimate", "summary_body", "summary_csv",
           "summary_rows"]

#: Columns of ``summary.csv``.
SUMMARY_COLUMNS = ("notebook", "report", "school", "community", "result", "estimate", "ci_low",
                   "ci_high", "n", "text")
#: Record names shown as columns of their own rather than as headline results.
_RESERVED = ("title", "school", "schools", "community", "at_a_glance")


def summary_rows(results: Iterable[ReportResult], *,
                 school_of: Callable[[ReportResult], str] | None = None
                 ) -> list[dict[str, Any]]:
    """The headline results of every successful report, one row per report and result.

    ``result`` is the headline's label for people, from the catalogue
    (:data:`~slc_research.report.catalogue.HEADLINES`). Estimates (anything recorded with ``estimate``, ``ci_low`` and ``ci_high``)
    fill ``estimate``, ``ci_low``, ``ci_high`` and ``n``; a number fills
    ``estimate``; a result per year or wave (a dict of estimates) gives a row
    per key ("share teaching staff: 2024-25"); text goes to ``text``.
    """
    rows: list[dict[str, Any]] = []
    for r in results:
        if r.status not in ("ok", "skipped", "earlier"):
            continue
        stem = Path(r.notebook).stem
        base = {"notebook": stem, "report": r.name, "school": school_of(r) if school_of else r.school,
                "community": r.community}
        for key, value in headlines(r):
            for label, v in _flatten(headline_label(key), value):
                row = {**base, "result": label, "estimate": None, "ci_low": None,
                       "ci_high": None, "n": None, "text": None}
                if is_estimate(v):
                    row.update(estimate=v.get("estimate"), ci_low=v.get("ci_low"),
                               ci_high=v.get("ci_high"), n=v.get("n"))
                elif isinstance(v, bool) or not isinstance(v, int | float):
                    row["text"] = headline_text(key, v)
                else:
                    row["estimate"] = v
                row["shown"] = headline_text(key, v)
                rows.append(row)
    return rows


def headlines(r: ReportResult) -> list[tuple[str, Any]]:
    """The headline results of a report: the catalogue's, in order, or every short record."""
    stem = Path(r.notebook).stem
    wanted = NOTEBOOKS[stem].headlines if stem in NOTEBOOKS else ()
    if wanted:
        return [(k, r.records[k]) for k in wanted if k in r.records]
    return [(k, v) for k, v in r.records.items() if k not in _RESERVED and _headline(v)]


def summary_body(rows: list[dict[str, Any]]) -> str:
    """The summary page's body: per notebook, every report's results side by side."""
    e = html.escape
    by_notebook: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_notebook.setdefault(row["notebook"], []).append(row)
    sections = []
    for stem, group in by_notebook.items():
        reports = list(dict.fromkeys(row["report"] for row in group))
        labels = {row["report"]: row["community"] or row["school"] for row in group}
        results = list(dict.fromkeys(row["result"] for row in group))
        cells = {(row["result"], row["report"]): _cell(row) for row in group}
        head = "".join(f"<th>{e(labels[rep] or rep)}</th>" for rep in reports)
        body = "\n".join(
            f"<tr><th>{e(res)}</th>" + "".join(f"<td>{e(cells.get((res, rep), ''))}</td>"
                                               for rep in reports) + "</tr>"
            for res in results)
        sections.append(f"""<h2>{e(_notebook_title(stem))}</h2>
<div class="scroll"><table>
<thead><tr><th>What was measured</th>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table></div>""")
    content = "\n".join(sections) or "<p>No report has results yet.</p>"
    return (f"""<p>The headline results of every
report, one column per report. Each estimate is followed, in brackets, by the range we can be
fairly sure it lies in (its 95% interval) and by how many people it is based on; "–" means
withheld (too few pupils) or not estimated. A difference "on the standard scale" is in
standard deviations: about 0.2 is small, 0.5 moderate and 0.8 large. Back to the
<a href="{INDEX_NAME}">index</a>; the same numbers as <a href="{SUMMARY_CSV}">CSV</a>.</p>
{content}""")


def _cell(row: dict[str, Any]) -> str:
    if row.get("shown"):
        return _short(row["shown"], 160)
    if row["text"] is not None:
        return _short(row["text"], 120)
    est = row["estimate"]
    if est is None:
        return "–"
    text = f"{est:.2f}" if isinstance(est, float) else f"{est:,}"
    if row["ci_low"] is not None and row["ci_high"] is not None:
        text += f" [{row['ci_low']:.2f}, {row['ci_high']:.2f}]"
    if row["n"] is not None:
        text += f", n = {row['n']}"
    return text


def summary_csv(rows: list[dict[str, Any]]) -> str:
    """``summary.csv``: the rows, every text cell safe in a spreadsheet."""
    return csv_text(rows, columns=SUMMARY_COLUMNS)


def is_estimate(value: Any) -> bool:
    """Whether a recorded value is an estimate with its interval."""
    return isinstance(value, Mapping) and {"estimate", "ci_low", "ci_high"} <= set(value)


def _flatten(label: str, value: Any) -> list[tuple[str, Any]]:
    """A dict of estimates (per year, per wave) becomes one labelled value per key."""
    if isinstance(value, Mapping) and not is_estimate(value) and value and all(
            is_estimate(v) or isinstance(v, int | float) for v in value.values()):
        return [(f"{label}: {str(k).replace('_', ' ')}", v) for k, v in value.items()]
    return [(label, value)]


def _headline(value: Any) -> bool:
    """Whether a record is a headline rather than a whole table.

    A headline is a number, a short text or an estimate; a whole table (a list of rows) is
    kept for tests and the batch summary.
    """
    if isinstance(value, list | tuple):
        return not any(isinstance(v, Mapping) for v in value)
    if isinstance(value, Mapping):
        return is_estimate(value) or all(not isinstance(v, list | tuple)
                                          for v in value.values())
    return True


def _short(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def _notebook_title(stem: str) -> str:
    return NOTEBOOKS[stem].title if stem in NOTEBOOKS else stem
