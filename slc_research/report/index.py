"""The index of a batch of reports, and the summary across reports.

``write_index(out_dir, results, title=...)`` writes three files:

- ``index.html``: every report grouped by school (the whole trust first),
  then by community and notebook, with its status, a link and its headline
  results (the ones the notebook's catalogue entry names), and one calm line
  naming the case studies that were not run because the enquiry lacks what
  they need, with the reason;
- ``summary.csv``: the headline results of every report as one tidy table
  (a row per report and result: estimate, CI, n), for a spreadsheet or a
  dissertation table;
- ``summary.html``: per notebook, the same results side by side, one column
  per report (for example the SLC effect size in every school).

All pages are self-contained (inline CSS, no scripts, nothing from the
network) and every text is escaped. CSV text cells that a spreadsheet would
run as a formula (``=``, ``+``, ``-``, ``@``) are prefixed with ``'``
(:func:`slc_research.privacy.safe_cells.safe_cell`).
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from slc_research.privacy.safe_cells import csv_text
from slc_research.report.catalogue import NOTEBOOKS
from slc_research.report.execute import ReportResult
from slc_research.report.folder import INDEX_NAME, SUMMARY_CSV, SUMMARY_HTML
from slc_research.workspace.atomic import write_atomic

__all__ = ["INDEX_NAME", "SUMMARY_CSV", "SUMMARY_HTML", "format_record", "summary_rows",
           "write_index"]

#: Record names shown as columns of their own rather than as headline results.
_RESERVED = ("title", "school", "schools", "community")
#: Columns of ``summary.csv``.
SUMMARY_COLUMNS = ("notebook", "report", "school", "community", "result", "estimate", "ci_low",
                   "ci_high", "n", "text")
_TRUST = "The whole trust"

_CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 75rem;
       color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.45rem 0.6rem;
         border-bottom: 1px solid #ddd; }
th { background: #f3f3f3; }
.ok { color: #1b6a2f; font-weight: bold; }
.skipped { color: #1b6a2f; }
.failed { color: #a11; font-weight: bold; }
.earlier { color: #8a5a00; }
ul { margin: 0; padding-left: 1.1rem; }
.error { color: #a11; font-size: 0.9em; }
.not-run { color: #555; }
footer { margin-top: 1.5rem; color: #666; font-size: 0.85em; }
"""


def write_index(out_dir: str | Path, results: Iterable[ReportResult], *, title: str,
                not_run: Iterable[str] = ()) -> Path:
    """Write ``index.html``, ``summary.csv`` and ``summary.html`` into ``out_dir``.

    Parameters
    ----------
    out_dir : path
        The folder holding the reports; links are relative to it.
    results : iterable of ReportResult
        Every report of the batch: run now, skipped as up to date (status
        ``"skipped"``, records kept) or failed (:meth:`ReportResult.failed`), and the
        reports of earlier runs kept in the folder (status ``"earlier"``: not part of
        this batch, made from older data; ``"skipped"`` when still up to date).
    title : str
        The page heading (e.g. the enquiry's title).
    not_run : iterable of str
        The reports not run because their case study does not apply to the enquiry, a line
        each (``"tlc_impact: not run - this enquiry has no TLC (...)"``): shown in one
        calm line under the opening paragraph, never as failed rows.

    Returns
    -------
    Path
        The index file.
    """
    out_dir = Path(out_dir).resolve()
    results = list(results)
    e = html.escape
    n_ok = sum(r.status in ("ok", "skipped") for r in results)
    n_earlier = sum(r.status == "earlier" for r in results)
    n_failed = sum(r.status == "failed" for r in results)
    groups: dict[str, list[ReportResult]] = {}
    for r in results:
        groups.setdefault(_school_label(r), []).append(r)
    order = sorted(groups, key=lambda s: (s != _TRUST, s))
    sections = []
    for school in order:
        rows = "\n".join(_row(r, out_dir) for r in sorted(groups[school], key=_sort_key))
        sections.append(f"""<h2>{e(school)}</h2>
<table>
<thead><tr><th>Report</th><th>Notebook</th><th>Community</th><th>Status</th>
<th>Headline results</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>""")
    body = "\n".join(sections) or "<p>No reports were run.</p>"
    failed_note = f" {n_failed} failed: see the red rows." if n_failed else ""
    if n_earlier:
        failed_note += (f" {n_earlier} made by an earlier run from older data (not part of "
                        "this batch): run them again to bring them up to date.")
    page = _page(title, f"""<p>{n_ok} of {len(results)} report(s) are up to date.{e(failed_note)}
Each report states its sample sizes, the uncertainty of its estimates and what its design can
and cannot show; groups too small to publish are withheld. The results of every report side by
side: <a href="{SUMMARY_HTML}">summary</a> (also as <a href="{SUMMARY_CSV}">CSV</a>).</p>
{_not_run(not_run)}{body}""")
    path = out_dir / INDEX_NAME
    write_atomic(path, page, durable=False)
    rows = summary_rows(results)
    write_atomic(out_dir / SUMMARY_CSV, _csv(rows), durable=False)
    write_atomic(out_dir / SUMMARY_HTML, _summary_page(title, rows), durable=False)
    return path


def summary_rows(results: Iterable[ReportResult]) -> list[dict[str, Any]]:
    """The headline results of every successful report, one row per report and result.

    Estimates (anything recorded with ``estimate``, ``ci_low`` and ``ci_high``)
    fill ``estimate``, ``ci_low``, ``ci_high`` and ``n``; a number fills
    ``estimate``; a result per year or wave (a dict of estimates) gives a row
    per key ("share teaching staff: 2024-25"); text goes to ``text``.
    """
    rows: list[dict[str, Any]] = []
    for r in results:
        if r.status not in ("ok", "skipped", "earlier"):
            continue
        stem = Path(r.notebook).stem
        base = {"notebook": stem, "report": r.name, "school": _school_label(r),
                "community": r.community}
        for key, value in _headlines(r):
            for label, v in _flatten(key.replace("_", " "), value):
                row = {**base, "result": label, "estimate": None, "ci_low": None,
                       "ci_high": None, "n": None, "text": None}
                if _is_estimate(v):
                    row.update(estimate=v.get("estimate"), ci_low=v.get("ci_low"),
                               ci_high=v.get("ci_high"), n=v.get("n"))
                elif isinstance(v, bool) or not isinstance(v, int | float):
                    row["text"] = format_record(v)
                else:
                    row["estimate"] = v
                rows.append(row)
    return rows


def format_record(value: Any) -> str:
    """A recorded value as short text (effect sizes in APA style, numbers to 2 dp)."""
    if _is_estimate(value):
        if value.get("estimate") is None:
            return "not computed"
        level = f"{float(value.get('confidence') or 0.95) * 100:g}%"
        lo, hi = value.get("ci_low"), value.get("ci_high")
        ci = f", {level} CI [{lo:.2f}, {hi:.2f}]" if lo is not None and hi is not None else ""
        return (f"{value.get('symbol') or 'estimate'} = {value['estimate']:.2f}{ci}"
                + (f", n = {value['n']}" if value.get("n") is not None else ""))
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(format_record(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {format_record(v)}" for k, v in value.items())
    return str(value)


# --- internals -------------------------------------------------------------------------------

def _page(title: str, body: str) -> str:
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{e(title)}</h1>
{body}
<footer>Made with slc-research. Every file opens offline.</footer>
</body>
</html>
"""


def _school_label(r: ReportResult) -> str:
    school = r.school or _asked_school(r)
    if "," in school:
        return _TRUST
    return school or _TRUST


def _asked_school(r: ReportResult) -> str:
    """The school a report was asked for (a failed report records none), or ``""``."""
    value = r.parameters.get("school") or r.parameters.get("schools") or ""
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


def _not_run(lines: Iterable[str]) -> str:
    """The calm paragraph naming the case studies that did not apply, or ``""``."""
    e = html.escape
    items = []
    for line in dict.fromkeys(lines):
        name, _, reason = line.partition(": not run - ")
        stem = name.split("--")[0]
        label = f"{_notebook_title(stem)} ({name})" if stem in NOTEBOOKS else name
        items.append(f"{e(label)}: {e(reason or line)}" if reason else e(line))
    if not items:
        return ""
    return (f'<p class="not-run">Not run, because this enquiry does not hold what they need: '
            f'{"; ".join(items)}. Add the source named to enquiry.toml and run the reports '
            "again to include them.</p>\n")


def _notebook_title(stem: str) -> str:
    return NOTEBOOKS[stem].title if stem in NOTEBOOKS else stem


def _sort_key(r: ReportResult) -> tuple:
    stem = Path(r.notebook).stem
    position = list(NOTEBOOKS).index(stem) if stem in NOTEBOOKS else len(NOTEBOOKS)
    return (r.community != "", r.community, position, r.name)


def _headlines(r: ReportResult) -> list[tuple[str, Any]]:
    stem = Path(r.notebook).stem
    wanted = NOTEBOOKS[stem].headlines if stem in NOTEBOOKS else ()
    if wanted:
        return [(k, r.records[k]) for k in wanted if k in r.records]
    return [(k, v) for k, v in r.records.items() if k not in _RESERVED and _headline(v)]


def _row(r: ReportResult, out_dir: Path) -> str:
    e = html.escape
    notebook = e(_notebook_title(Path(r.notebook).stem))
    if r.status in ("ok", "skipped", "earlier") and r.html is not None:
        href = quote(Path(os.path.relpath(r.html, out_dir)).as_posix())
        name = f'<a href="{e(href, quote=True)}">{e(str(r.records.get("title") or r.name))}</a>'
        status = {"ok": '<span class="ok">ok</span>',
                  "skipped": '<span class="skipped">up to date (not rerun)</span>',
                  "earlier": '<span class="earlier">from an earlier run, older data (not '
                             'rerun)</span>'}[r.status]
    else:
        name = e(r.name)
        message = (r.error or "failed")
        message = message if len(message) <= 400 else message[:400] + "…"
        status = f'<span class="failed">failed</span><div class="error">{e(message)}</div>'
    items = [f"<li>{e(k.replace('_', ' '))}: {e(_short(format_record(v)))}</li>"
             for k, v in _headlines(r) if not _not_computed(v)]
    headline = f"<ul>{''.join(items)}</ul>" if items else ""
    return (f"<tr><td>{name}</td><td>{notebook}</td><td>{e(r.community) or 'all'}</td>"
            f"<td>{status}</td><td>{headline}</td></tr>")


def _not_computed(value: Any) -> bool:
    """Whether a headline is an estimate that was not made (left off the index's list)."""
    return _is_estimate(value) and value.get("estimate") is None


def _summary_page(title: str, rows: list[dict[str, Any]]) -> str:
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
<table>
<thead><tr><th>Result</th>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table>""")
    content = "\n".join(sections) or "<p>No report has results yet.</p>"
    return _page(f"{title}: results side by side", f"""<p>The headline results of every
report, one column per report. Estimates show their 95% confidence interval in brackets and
their n; "–" means withheld (too few pupils) or not computed. Back to the
<a href="{INDEX_NAME}">index</a>; the same numbers as <a href="{SUMMARY_CSV}">CSV</a>.</p>
{content}""")


def _cell(row: dict[str, Any]) -> str:
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


def _csv(rows: list[dict[str, Any]]) -> str:
    return csv_text(rows, columns=SUMMARY_COLUMNS)


def _is_estimate(value: Any) -> bool:
    return isinstance(value, Mapping) and {"estimate", "ci_low", "ci_high"} <= set(value)


def _flatten(label: str, value: Any) -> list[tuple[str, Any]]:
    """A dict of estimates (per year, per wave) becomes one labelled value per key."""
    if isinstance(value, Mapping) and not _is_estimate(value) and value and all(
            _is_estimate(v) or isinstance(v, int | float) for v in value.values()):
        return [(f"{label}: {k}", v) for k, v in value.items()]
    return [(label, value)]


def _headline(value: Any) -> bool:
    """Whether a record is a headline rather than a whole table.

    A headline is a number, a short text or an estimate; a whole table (a list of rows) is
    kept for tests and the batch summary.
    """
    if isinstance(value, list | tuple):
        return not any(isinstance(v, Mapping) for v in value)
    if isinstance(value, Mapping):
        return _is_estimate(value) or all(not isinstance(v, list | tuple)
                                          for v in value.values())
    return True


def _short(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"
