"""What a report notebook shows and records: rounded aggregate tables and headline results.

Imported by the notebooks, so it stays light: IPython is imported only when
something is displayed.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from slc_research.casestudies.glance import plain_title
from slc_research.charts.mimetype import CHART_MIMETYPE
from slc_research.errors import PrivacyError
from slc_research.privacy.suppression import require_suppressed
from slc_research.report.staff_view import plain_words, staff_table

__all__ = ["CHART_MIMETYPE", "EXPORT_MIMETYPES", "ID_COLUMNS", "RECORD_MIMETYPE",
           "RESEARCH_TABLE_MIMETYPE", "TABLE_MIMETYPE", "PrivacyError", "format_table", "jsonable",
           "read_records", "record", "record_all", "show", "show_finding", "show_glance",
           "show_list", "show_note", "show_table", "show_text", "staff_view", "table_html",
           "table_notes"]

#: Mimetype of the invisible outputs that carry recorded results.
RECORD_MIMETYPE = "application/x-slc-research+json"
#: Mimetype of the machine-readable copy of a shown table (next to its HTML): the
#: display-ready, already suppressed cells, caption and notes; never raw rows.
TABLE_MIMETYPE = "application/x-slc-research-table+json"
#: Mimetype of a shown table's full HTML, every column: what the research audience's page
#: shows in place of the staff view (``text/html``).
RESEARCH_TABLE_MIMETYPE = "application/x-slc-research-table-research+html"
#: The invisible copies a report page leaves out (read by ``slc-research export``).
EXPORT_MIMETYPES = (TABLE_MIMETYPE, CHART_MIMETYPE, RESEARCH_TABLE_MIMETYPE)

#: Columns that identify a person; a published table may not hold them.
ID_COLUMNS = ("pupil_id", "member_id", "respondent_id", "staff_id", "author_id", "upn", "name",
              "forename", "surname")

_PSEUDONYM = re.compile(r"\b[PSGA]-[0-9a-f]{10}\b")


def record(name: str, value: Any) -> None:
    """Record a headline result in the notebook's outputs, invisibly.

    The batch runner reads it back from the executed notebook
    (:func:`read_records`) for the index page; nothing is shown to the reader.

    Parameters
    ----------
    name : str
        A short key, e.g. ``"engagement_g"``.
    value : object
        Anything JSON can hold; effect-size results, dataclasses, numpy numbers
        and DataFrames (as a list of rows) are converted. NaN becomes null.
    """
    from IPython.display import display

    value = jsonable(value)
    _guard_text(str(value), f"the recorded value {name!r}")
    display({RECORD_MIMETYPE: {"name": str(name), "value": value}, "text/plain": ""}, raw=True)


def record_all(values: Mapping[str, Any]) -> None:
    """:func:`record` every name -> value of ``values``."""
    for name, value in values.items():
        record(name, value)


def read_records(notebook: Any) -> dict[str, Any]:
    """Recorded results of an executed notebook: name -> value (the last record wins).

    Parameters
    ----------
    notebook : NotebookNode, or path of an ``.ipynb`` file
    """
    if isinstance(notebook, str | Path):
        import nbformat

        notebook = nbformat.read(str(notebook), as_version=4)
    out: dict[str, Any] = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(RECORD_MIMETYPE)
            if isinstance(payload, Mapping) and "name" in payload:
                out[str(payload["name"])] = payload.get("value")
    return out


def format_table(table: pd.DataFrame, *, decimals: int | Mapping[str, int] = 1,
                 labels: Mapping[str, str] | None = None, missing: str = "–") -> pd.DataFrame:
    """Numbers as text, rounded for reading; the numbers themselves are not changed.

    Whole-number columns (counts) get no decimals, ``p`` and ``p_value`` columns three
    (``"<0.001"`` below that), other numbers ``decimals`` (an int, or a dict
    column -> int). Text such as ``"<5"`` from suppression is kept.

    Parameters
    ----------
    table : DataFrame
    decimals : int or dict
    labels : dict, optional
        Column renames for the reader, applied last; unlisted columns keep their names.
    missing : str
        What a missing number shows as.
    """
    _guard_frame(table)
    cells: dict[Any, list[str]] = {}
    for j, col in enumerate(table.columns):
        s = table.iloc[:, j]
        places = decimals.get(col, 1) if isinstance(decimals, Mapping) else decimals
        whole = pd.api.types.is_integer_dtype(s) or pd.api.types.is_bool_dtype(s)
        cells[col] = [_cell(v, col, places, whole, missing) for v in s.tolist()]
    out = pd.DataFrame(cells, index=table.index, columns=table.columns, dtype=object)
    return out.rename(columns=dict(labels or {})) if labels else out


def table_html(table: pd.DataFrame, *, decimals: int | Mapping[str, int] = 1,
               labels: Mapping[str, str] | None = None, caption: str | None = None) -> str:
    """An HTML table of :func:`format_table`, every text escaped."""
    return _html(format_table(table, decimals=decimals, labels=labels), caption)


def _html(shown: pd.DataFrame, caption: str | None) -> str:
    """The HTML of a table already formatted by :func:`format_table`."""
    from html import escape

    html = shown.to_html(index=False, escape=True, border=0, classes="slc-table")
    if caption:
        html = re.sub(r"(<table\b[^>]*>)", lambda m: f"{m.group(1)}<caption>{escape(caption)}"
                      "</caption>", html, count=1)
    return html


def staff_view(table: pd.DataFrame, *, decimals: int | Mapping[str, int] = 1,
               labels: Mapping[str, str] | None = None,
               technical: Sequence[str] = ()) -> pd.DataFrame:
    """The table as the staff audience reads it (see :mod:`slc_research.report.staff_view`).

    :func:`format_table`, then at most six columns with plain headers, each estimate and
    its interval in one cell (``"0.43 (0.23 to 0.62)"``), technical columns (and the
    ``technical`` ones named) left to the research audience, no ``_`` and no ``-0.0``.

    Parameters
    ----------
    table : DataFrame
    decimals, labels
        As :func:`format_table`.
    technical : sequence of str
        Further columns (names before or after ``labels``) for the research audience only.
    """
    technical = [*technical, *((labels or {}).get(c, c) for c in technical)]
    return staff_table(format_table(table, decimals=decimals, labels=labels),
                       technical=technical)


def show_table(table: pd.DataFrame, *, decimals: int | Mapping[str, int] = 1,
               labels: Mapping[str, str] | None = None, caption: str | None = None,
               note: str | None = None, technical: Sequence[str] = ()) -> None:
    """Display a rounded aggregate table as HTML (refuses tables holding ids).

    The page shows the staff view (:func:`staff_view`); the full table, every column,
    goes with it (:data:`RESEARCH_TABLE_MIMETYPE`) for the research audience's page.

    Next to the HTML the output carries an invisible copy of the same cells as
    shown (rounded, suppressed), the caption and the table's notes
    (:data:`TABLE_MIMETYPE`), from which ``slc-research export`` writes the
    table as CSV and as an APA-style Word table.

    Parameters
    ----------
    table : DataFrame
        Aggregates only (counts, percentages, means), already suppressed.
    decimals, labels
        As :func:`format_table`.
    caption : str, optional
        The table's title.
    note : str, optional
        A note for the exported table (what a column means); the suppression
        markers are explained without asking.
    technical : sequence of str
        Columns for the research audience only (see :func:`staff_view`).
    """
    from IPython.display import display

    shown = format_table(table, decimals=decimals, labels=labels)
    html = _html(shown, caption)
    technical = [*technical, *((labels or {}).get(c, c) for c in technical)]
    staff = _html(staff_table(shown, technical=technical), caption and plain_words(caption))
    numeric = [bool(pd.api.types.is_numeric_dtype(table[c])
                    and not pd.api.types.is_bool_dtype(table[c])) for c in table.columns]
    if note:
        _guard_text(note, "a table note")
    copy = {"caption": caption or "", "columns": [str(c) for c in shown.columns],
            "rows": [[str(v) for v in row] for row in shown.itertuples(index=False, name=None)],
            "numeric": numeric, "notes": [*([note] if note else []), *table_notes(shown)]}
    display({"text/html": staff, RESEARCH_TABLE_MIMETYPE: html, TABLE_MIMETYPE: copy,
             "text/plain": caption or "(a table)"}, raw=True)


def table_notes(shown: pd.DataFrame) -> list[str]:
    """Sentences for a table's note: what n means, and the suppression marks it holds."""
    cells = {str(v) for v in shown.to_numpy().ravel()}
    notes = []
    if any(re.fullmatch(r"n(\s.*)?", str(c).strip(), re.IGNORECASE) for c in shown.columns):
        notes.append("n = the number of people a row is based on.")
    small = sorted({c for c in cells if re.fullmatch(r"<\d+", c)}, key=lambda c: int(c[1:]))
    if small:
        notes.append(f"Groups with fewer than {small[0][1:]} people are shown as "
                     f"\u201c{small[0]}\u201d and their figures are withheld.")
    if "*" in cells:
        notes.append("A value shown as \u201c*\u201d is withheld so that a small group cannot "
                     "be worked out from the totals.")
    if "\u2013" in cells:
        notes.append("\u201c\u2013\u201d: no value (not measured, or too few to estimate).")
    return notes


def show_text(*paragraphs: str, heading: str | None = None, level: int = 2) -> None:
    """Display an optional heading and paragraphs of text, escaped (safe for any user text)."""
    from html import escape

    from IPython.display import HTML, display

    paragraphs = tuple(plain_words(p) for p in paragraphs)
    for p in paragraphs:
        _guard_text(p, "a paragraph")
    head = f"<h{level}>{escape(heading)}</h{level}>" if heading else ""
    display(HTML(head + "".join(f"<p>{escape(p)}</p>" for p in paragraphs)))


def show_finding(finding: str) -> None:
    """Display a section's finding: what was found, in plain words, first and in bold."""
    from html import escape

    from IPython.display import HTML, display

    finding = plain_words(finding)
    _guard_text(finding, "a finding")
    display(HTML(f'<p class="slc-finding"><strong>{escape(finding)}</strong></p>'))


def show_note(*paragraphs: str, title: str = "How to read this") -> None:
    """Display a boxed note for readers who are not statisticians, escaped.

    Every report section that shows an estimate, a test or a chart carries one:
    what the numbers mean and what they do not.
    """
    from html import escape

    from IPython.display import HTML, display

    paragraphs = tuple(plain_words(p) for p in paragraphs)
    for p in paragraphs:
        _guard_text(p, "a note")
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    display(HTML(f'<div class="slc-note" style="border-left:4px solid #1b6ca8;'
                 f'background:#f3f7fb;padding:0.4em 1em;margin:0.8em 0">'
                 f"<p><strong>{escape(title)}</strong></p>{body}</div>"))


def show_list(items: list[str], *, heading: str | None = None, level: int = 3) -> None:
    """Display a bulleted list of sentences, escaped."""
    from html import escape

    from IPython.display import HTML, display

    items = [plain_words(i) for i in items]
    for item in items:
        _guard_text(item, "a list item")
    head = f"<h{level}>{escape(heading)}</h{level}>" if heading else ""
    display(HTML(head + "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"))


def show_glance(glance: Any) -> None:
    """Display a report's "At a glance" and record it (``at_a_glance``) for the index.

    The heading is the notebook's markdown cell. The findings as a list, the strength of
    the evidence in one line, then "What this can and cannot tell us", and after the box
    what the report is about; every text escaped.

    Parameters
    ----------
    glance : Glance
        :func:`slc_research.casestudies.glance.at_a_glance` of the report's result.
    """
    from html import escape

    from IPython.display import HTML, display

    texts = (*glance.findings, glance.evidence, *glance.can_and_cannot)
    for text in texts:
        _guard_text(text, "the glance")
    items = "".join(f"<li>{escape(f)}</li>" for f in glance.findings)
    limits = "".join(f"<li>{escape(c)}</li>" for c in glance.can_and_cannot)
    limits = (f"<h3>What this can and cannot tell us</h3><ul>{limits}</ul>" if limits else "")
    about = plain_words(getattr(glance, "about", ""))  # no internal key reaches a reader
    if about:
        _guard_text(about, "the report's opening sentence")
    display(HTML(f'<section class="slc-glance" style="border:2px solid #1b6ca8;'
                 f'padding:0.2em 1.2em 0.6em;margin:1em 0">'
                 f"<ul>{items}</ul><p><strong>{escape(glance.evidence)}</strong></p>"
                 f"{limits}</section>"
                 + (f"<h3>About this report</h3><p>{escape(about)}</p>" if about else "")))
    record("at_a_glance", glance.to_record())


def show(part: Any) -> None:
    """Display a case study's result or one of its sections, and record its headline values.

    A :class:`~slc_research.casestudies.result.Result` shows its title (without the enquiry's
    question in front, which follows in a line of its own) and its warnings; its opening
    sentence follows "At a glance";
    a :class:`~slc_research.casestudies.glance.Glance` shows "At a glance" (:func:`show_glance`);
    a :class:`~slc_research.casestudies.result.Section` shows its finding, further sentences,
    tables, charts, list and "how to read this" note, in that order. The heading and the
    narrative around it are the notebook's markdown cells. Every table passes
    :func:`show_table` (ids and unsuppressed counts refused).
    """
    from IPython.display import display

    if hasattr(part, "can_and_cannot"):
        show_glance(part)
        return
    if hasattr(part, "sections"):  # the title; its opening sentence follows "At a glance"
        title = plain_title(part)
        enquiry = str(part.title).rpartition(": ")[0] if title != part.title else ""
        show_text(*([f"Part of the enquiry: {enquiry}"] if enquiry else []), heading=title,
                  level=1)
        if getattr(part, "warnings", ()):
            show_note(*part.warnings, title="Warning")
        record_all(part.records)
        return
    if part.finding:
        show_finding(part.finding)
    if part.paragraphs:
        show_text(*part.paragraphs)
    for table in part.tables:
        show_table(table.frame, decimals=table.decimals, labels=table.labels or None,
                   caption=table.caption, note=table.note or None,
                   technical=getattr(table, "technical", ()))
    for chart in part.charts:  # drawn ahead while the analysis went on, when it could be
        display(chart)
    if part.items:
        show_list(list(part.items), heading=part.items_heading or None)
    if part.note:
        show_note(part.note)
    record_all(part.records)


# --- helpers ---------------------------------------------------------------------------------

def _cell(v: Any, col: str, places: int, whole: bool, missing: str) -> str:
    if _missing(v):
        return missing
    if isinstance(v, bool | np.bool_):
        return "Yes" if v else "No"
    if isinstance(v, int | np.integer) or (whole and isinstance(v, float) and v.is_integer()):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        if col == "p" or col.startswith("p_value") or re.match(r"p \(", col):
            return "<0.001" if v < 0.001 else f"{v:.3f}"
        text = f"{v:,.{places}f}"
        return text[1:] if re.fullmatch(r"-0(\.0+)?", text) else text  # a zero is 0.0
    return str(v)


def _guard_frame(table: pd.DataFrame) -> None:
    """The display boundary for tables.

    No id or name column, no pseudonym in a cell, and no count that did not pass
    :func:`~slc_research.privacy.suppression.suppress_small`.
    """
    bad = [c for c in table.columns if str(c).lower() in ID_COLUMNS]
    if bad:
        raise PrivacyError(f"a published table may not hold id or name columns {bad}; "
                           "aggregate first (counts, percentages, means)")
    for j, col in enumerate(table.columns):
        s = table.iloc[:, j]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            present = (str(v) for v in s.tolist() if not _missing(v))
            _guard_text(" ".join(itertools.islice(present, 10_000)), f"column {col!r}")
    require_suppressed(table)


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def _guard_text(text: str, where: str) -> None:
    if _PSEUDONYM.search(text):
        raise PrivacyError(f"{where} holds a pseudonymous id; only aggregates may be published")


def jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it (what :func:`record` stores).

    Results and dataclasses become dicts, DataFrames lists of rows (through the display
    boundary), NaN and infinities None, and anything else unknown its ``str``.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, pd.DataFrame):
        _guard_frame(value)
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return jsonable(value.tolist())
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(value) else float(value)
    if isinstance(value, str):
        return value
    return str(value)
