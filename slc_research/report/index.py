"""The index of a batch of reports, and the summary across reports.

``write_index(out_dir, results, title=...)`` writes three files:

- ``index.html``: every report grouped by school (the whole trust first; in a
  one-school enquiry, under that school's name alone), one row per report: its
  title as a link with its research copy (code shown) as a second link on the
  same row, its status and its "At a glance" (three findings and the strength
  of evidence explained), or for an older report its headline results labelled
  in words from the catalogue; and one calm line naming the case studies that
  were not run because the enquiry lacks what they need, with the reason;
- ``summary.csv`` and ``summary.html`` (written by :mod:`slc_research.report.summary`):
  ``summary.csv``: the headline results of every report as one tidy table
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
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from slc_research.casestudies.glance import plain_title
from slc_research.report.catalogue import (
    NOTEBOOKS,
    headline_label,
    headline_text,
)
from slc_research.report.execute import ReportResult
from slc_research.report.folder import INDEX_NAME, SUMMARY_CSV, SUMMARY_HTML, read_ledger
from slc_research.report.summary import (
    SUMMARY_COLUMNS,
    headlines,
    is_estimate,
    summary_body,
    summary_csv,
    summary_rows,
)
from slc_research.words import plural
from slc_research.workspace.atomic import write_atomic

__all__ = ["INDEX_NAME", "SUMMARY_COLUMNS", "SUMMARY_CSV", "SUMMARY_HTML", "format_record",
           "summary_rows", "write_index"]

_TRUST = "The whole trust"
#: The heading of a folder whose reports name no school at all.
_ONE_FOLDER = "Reports"

_CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 75rem;
       color: #222; padding: 0 1rem; overflow-wrap: break-word; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
.scroll { overflow-x: auto; max-width: 100%; }
td { overflow-wrap: break-word; }
@media (max-width: 600px) {
  body { margin: 1rem auto; padding: 0 0.5rem; }
  th, td { padding: 0.3rem 0.35rem; font-size: 0.9em; }
}
th, td { text-align: left; vertical-align: top; padding: 0.45rem 0.6rem;
         border-bottom: 1px solid #ddd; }
th { background: #f3f3f3; }
.ok { color: #1b6a2f; font-weight: bold; }
.skipped { color: #1b6a2f; }
.failed { color: #a11; font-weight: bold; }
.earlier { color: #8a5a00; }
.evidence { font-size: 0.9em; color: #333; margin: 0.3rem 0 0; }
.research { font-size: 0.85em; }
ul { margin: 0; padding-left: 1.1rem; }
.error { color: #a11; font-size: 0.9em; }
.not-run { color: #555; }
footer { margin-top: 1.5rem; color: #666; font-size: 0.85em; }
"""


def write_index(out_dir: str | Path, results: Iterable[ReportResult], *, title: str,
                not_run: Iterable[str] = (),
                audiences: Mapping[str, str] | None = None) -> Path:
    """Write ``index.html``, ``summary.csv`` and ``summary.html`` into ``out_dir``.

    The index has one row per report: its title as a link, with the research copy (the
    same report with its code shown) as a second link on the same row, and the report's
    "At a glance" (or, for a report recorded before there was one, its headline results
    labelled in words from the catalogue).

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
    audiences : mapping, optional
        Report name -> ``"staff"`` or ``"research"``; by default read from the folder's
        ledger. A research report with the same notebook and parameters as a staff report
        is that report's research copy.

    Returns
    -------
    Path
        The index file.
    """
    out_dir = Path(out_dir).resolve()
    results = list(results)
    if audiences is None:
        audiences = {name: str(entry.get("audience") or "staff")
                     for name, entry in read_ledger(out_dir).items()}
    e = html.escape
    n_ok = sum(r.status in ("ok", "skipped") for r in results)
    n_earlier = sum(r.status == "earlier" for r in results)
    n_failed = sum(r.status == "failed" for r in results)
    copies = _research_copies(results, audiences)
    one_school = _one_school(results)
    groups: dict[str, list[ReportResult]] = {}
    for r in results:
        if r.name not in copies.values():
            groups.setdefault(_school_label(r, one_school), []).append(r)
    order = sorted(groups, key=lambda s: (s != _TRUST, s))
    sections = []
    for school in order:
        rows = "\n".join(_row(r, out_dir, copies.get(r.name), results)
                         for r in sorted(groups[school], key=_sort_key))
        sections.append(f"""<h2>{e(school)}</h2>
<div class="scroll"><table>
<thead><tr><th>Report</th><th>What it is</th><th>Status</th>
<th>At a glance</th></tr></thead>
<tbody>
{rows}
</tbody>
</table></div>""")
    body = "\n".join(sections) or "<p>No reports were run.</p>"
    failed_note = f" {n_failed} failed: see the red rows." if n_failed else ""
    if n_earlier:
        failed_note += (f" {n_earlier} made by an earlier run from older data (not part of "
                        "this batch): run them again to bring them up to date.")
    page = _page(title, f"""<p>{n_ok:,} of {plural(len(results), 'report')} {'is' if n_ok == 1 else 'are'} up to date.{e(failed_note)}
Each report opens with what it found in plain words, states its sample sizes, the uncertainty
of its estimates and what its design can and cannot show; groups too small to publish are
withheld. A research copy is the same report with its code shown. The results of every
report side by side: <a href="{SUMMARY_HTML}">summary</a> (also as
<a href="{SUMMARY_CSV}">CSV</a>).</p>
{_not_run(not_run)}{body}""")
    path = out_dir / INDEX_NAME
    write_atomic(path, page, durable=False)
    kept = [r for r in results if r.name not in copies.values()]
    rows = summary_rows(kept, school_of=lambda r: _school_label(r, one_school))
    write_atomic(out_dir / SUMMARY_CSV, summary_csv(rows), durable=False)
    write_atomic(out_dir / SUMMARY_HTML, _page(f"{title}: results side by side",
                                               summary_body(rows)), durable=False)
    return path


def format_record(value: Any) -> str:
    """A recorded value as short text (effect sizes in APA style, numbers to 2 dp)."""
    if is_estimate(value):
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


def _school_label(r: ReportResult, one_school: str | None = None) -> str:
    """The heading a report goes under: its school, or the whole trust.

    In a one-school enquiry (``one_school``, see :func:`_one_school`) every report goes
    under that school's name: there is no "whole trust" and no "all".
    """
    if one_school is not None:
        return one_school or _ONE_FOLDER
    school = r.school or _asked_school(r)
    if "," in school or school.strip().lower() in ("all", "all schools"):
        return _TRUST
    return school or _TRUST


def _schools_of(r: ReportResult) -> set[str]:
    school = r.school or _asked_school(r)
    return {s.strip() for s in school.split(",")
            if s.strip() and s.strip().lower() not in ("all", "all schools")}


def _one_school(results: list[ReportResult]) -> str | None:
    """The school's name when every report is of one school ("" if none names one), or None."""
    schools = set().union(*(_schools_of(r) for r in results)) if results else set()
    if len(schools) > 1:
        return None
    return next(iter(schools), "")


def _research_copies(results: list[ReportResult],
                     audiences: Mapping[str, str]) -> dict[str, str]:
    """Staff report name -> the name of its research copy (same notebook and parameters)."""
    def same(r: ReportResult) -> tuple[str, str]:
        return (Path(r.notebook).stem, json.dumps(r.parameters, sort_keys=True, default=str))

    staff = {same(r): r.name for r in results if audiences.get(r.name, "staff") != "research"}
    copies: dict[str, str] = {}
    for r in results:
        twin = staff.get(same(r))
        if audiences.get(r.name) == "research" and twin and twin not in copies:
            copies[twin] = r.name
    return copies


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


def _row(r: ReportResult, out_dir: Path, copy: str | None,
         results: list[ReportResult]) -> str:
    e = html.escape
    notebook = e(_notebook_title(Path(r.notebook).stem))
    if r.status in ("ok", "skipped", "earlier") and r.html is not None:
        name = f'<a href="{_href(r.html, out_dir)}">{e(_title(r))}</a>'
        research = next((x for x in results if x.name == copy and x.html is not None), None)
        if research is not None:
            name += (f'<div class="research"><a href="{_href(research.html, out_dir)}">'
                     "Research copy (with the code)</a></div>")
        status = {"ok": '<span class="ok">ok</span>',
                  "skipped": '<span class="skipped">up to date (not rerun)</span>',
                  "earlier": '<span class="earlier">from an earlier run, older data (not '
                             'rerun)</span>'}[r.status]
    else:
        name = e(r.name)
        asked = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in (r.parameters or {}).items())
        if asked:  # which report failed: its parameters, in words
            name += f'<div class="research">{e(asked)}</div>'
        message = (r.error or "failed")
        message = message if len(message) <= 400 else message[:400] + "…"
        status = f'<span class="failed">failed</span><div class="error">{e(message)}</div>'
    return (f"<tr><td>{name}</td><td>{notebook}</td>"
            f"<td>{status}</td><td>{_glance_cell(r)}</td></tr>")


def _href(path: Path, out_dir: Path) -> str:
    return html.escape(quote(Path(os.path.relpath(path, out_dir)).as_posix()), quote=True)


def _title(r: ReportResult) -> str:
    """The report's title without the enquiry's question in front of it."""
    return plain_title(str(r.records.get("title") or r.name))


def _glance_cell(r: ReportResult) -> str:
    """The report's "At a glance" (three findings and the evidence line), or its headlines."""
    e = html.escape
    glance = r.records.get("at_a_glance")
    if isinstance(glance, Mapping) and glance.get("findings"):
        items = "".join(f"<li>{e(str(f))}</li>" for f in list(glance["findings"])[:3])
        evidence = str(glance.get("evidence") or "")
        return (f"<ul>{items}</ul>"
                + (f'<p class="evidence">{e(evidence)}</p>' if evidence else ""))
    items = [f"<li>{e(headline_label(k))}: {e(_short(headline_text(k, v)))}</li>"
             for k, v in headlines(r) if not _not_computed(v)]
    return f"<ul>{''.join(items)}</ul>" if items else ""


def _not_computed(value: Any) -> bool:
    """Whether a headline is an estimate that was not made (left off the index's list)."""
    return is_estimate(value) and value.get("estimate") is None


def _short(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"
