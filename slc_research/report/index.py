"""The index page of a batch of reports: ``outputs/index.html``.

One self-contained HTML file (inline CSS, no scripts, nothing from the
network) listing every report with its status, a link, the school and
community it covers, and its headline results. All text is escaped.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from slc_research.report.catalogue import NOTEBOOKS
from slc_research.report.execute import ReportResult, _write_atomic

__all__ = ["INDEX_NAME", "format_record", "write_index"]

INDEX_NAME = "index.html"
#: Record names shown as columns of their own rather than as headline results.
_RESERVED = ("title", "school", "schools", "community")

_CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 70rem;
       color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.45rem 0.6rem;
         border-bottom: 1px solid #ddd; }
th { background: #f3f3f3; }
.ok { color: #1b6a2f; font-weight: bold; }
.failed { color: #a11; font-weight: bold; }
ul { margin: 0; padding-left: 1.1rem; }
.error { color: #a11; font-size: 0.9em; }
footer { margin-top: 1.5rem; color: #666; font-size: 0.85em; }
"""


def write_index(out_dir: str | Path, results: Iterable[ReportResult], *, title: str) -> Path:
    """Write ``out_dir/index.html`` listing ``results``.

    Parameters
    ----------
    out_dir : path
        The folder holding the reports; links are relative to it.
    results : iterable of ReportResult
        Successful and failed runs (:meth:`ReportResult.failed`).
    title : str
        The page heading (e.g. the enquiry's title).

    Returns
    -------
    Path
        The index file.
    """
    out_dir = Path(out_dir).resolve()
    results = list(results)
    n_ok = sum(r.ok for r in results)
    e = html.escape
    by_notebook: dict[str, list[ReportResult]] = {}
    for r in results:
        by_notebook.setdefault(Path(r.notebook).stem, []).append(r)
    sections = []
    for stem, group in by_notebook.items():
        heading = NOTEBOOKS[stem].title if stem in NOTEBOOKS else stem
        rows = "\n".join(_row(r, out_dir) for r in group)
        sections.append(f"""<h2>{e(heading)}</h2>
<table>
<thead><tr><th>Report</th><th>Status</th><th>School</th><th>Community</th>
<th>Headline results</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>""")
    body = "\n".join(sections) or "<p>No reports were run.</p>"
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{e(title)}</h1>
<p>{n_ok} of {len(results)} report(s) ran successfully. Each report states its sample sizes,
the uncertainty of its estimates and what its design can and cannot show; groups too small
to publish are withheld.</p>
{body}
<footer>Made with slc-research. Every file opens offline.</footer>
</body>
</html>
"""
    path = out_dir / INDEX_NAME
    _write_atomic(path, page)
    return path


def format_record(value: Any) -> str:
    """A recorded value as short text (effect sizes in APA style, numbers to 2 dp)."""
    if isinstance(value, Mapping) and {"estimate", "ci_low", "ci_high"} <= set(value):
        if value.get("estimate") is None:
            return "not computed"
        level = f"{float(value.get('confidence') or 0.95) * 100:g}%"
        return (f"{value.get('symbol') or 'estimate'} = {value['estimate']:.2f}, {level} CI "
                f"[{value['ci_low']:.2f}, {value['ci_high']:.2f}]"
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


def _row(r: ReportResult, out_dir: Path) -> str:
    e = html.escape
    if r.ok and r.html is not None:
        href = quote(Path(os.path.relpath(r.html, out_dir)).as_posix())
        name = f'<a href="{e(href, quote=True)}">{e(r.records.get("title") or r.name)}</a>'
        status = '<span class="ok">ok</span>'
    else:
        name = e(r.name)
        message = (r.error or "failed")
        message = message if len(message) <= 400 else message[:400] + "…"
        status = f'<span class="failed">failed</span><div class="error">{e(message)}</div>'
    stem = Path(r.notebook).stem
    wanted = NOTEBOOKS[stem].headlines if stem in NOTEBOOKS else ()
    shown = ([(k, r.records[k]) for k in wanted if k in r.records] if wanted else
             [(k, v) for k, v in r.records.items() if k not in _RESERVED and _headline(v)])
    items = [f"<li>{e(k.replace('_', ' '))}: {e(_short(format_record(v)))}</li>"
             for k, v in shown]
    headline = f"<ul>{''.join(items)}</ul>" if items else ""
    return (f"<tr><td>{name}</td><td>{status}</td><td>{e(r.school)}</td>"
            f"<td>{e(r.community) or 'all'}</td><td>{headline}</td></tr>")


def _headline(value: Any) -> bool:
    """Whether a record is a headline (a number, a short text, an estimate) rather than a
    whole table (a list of rows) kept for tests and the batch summary."""
    if isinstance(value, list | tuple):
        return not any(isinstance(v, Mapping) for v in value)
    if isinstance(value, Mapping):
        return {"estimate", "ci_low", "ci_high"} <= set(value) or all(
            not isinstance(v, list | tuple) for v in value.values())
    return True


def _short(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"
