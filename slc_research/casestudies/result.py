"""What a case study returns: a result made of sections, the one source of every rendering.

A case study's ``run(enquiry, params)`` returns a :class:`Result`. Its sections carry
everything a reader sees and a researcher re-uses: the finding in one plain sentence, the
tables (already suppressed, ready to show), the charts, the "how to read this" note and the
headline values the index page and the cross-report summary record. The notebook shows the
sections one by one between its narrative cells; ``slc-research export`` writes the same
tables and charts into a dissertation pack; nothing is computed twice or scraped back from
a rendered page.

Nothing empty reaches a reader: a section drops any table with no row or no value in it (an
all-dash table) and any chart with no data or drawn for nobody ("n = 0"); a section whose
source the enquiry does not have is one plain sentence (:func:`missing_source`, e.g. "No
attendance file was given, so attendance change is not shown.") instead of its tables.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from slc_research.casestudies.glance import at_a_glance
from slc_research.charts.ahead import draw_ahead
from slc_research.charts.withheld import WITHHELD_START
from slc_research.errors import ConfigError

__all__ = ["GLANCE_KEY", "SOURCE_NAMES", "Result", "Section", "Table", "has_nothing_to_show",
           "missing_source"]

#: How a notebook asks for the report's "At a glance": ``show(result["at_a_glance"])``.
GLANCE_KEY = "at_a_glance"

#: What a missing source is called in a "No ... was given" sentence, by source kind.
SOURCE_NAMES: Mapping[str, str] = MappingProxyType({
    "pupils": "pupil roster", "staff": "staff list", "communities": "communities file",
    "memberships": "membership list", "meetings": "meetings file",
    "meeting_attendance": "meeting register", "action_plans": "action plans file",
    "survey": "questionnaire", "attendance": "attendance file",
    "behaviour": "behaviour file", "attainment": "attainment file", "texts": "texts file",
    "codebook": "codebook", "codings": "codings file"})


def missing_source(kind: str, shown: str) -> str:
    """The one plain sentence that stands for a section whose source was not given.

    Parameters
    ----------
    kind : str
        The source kind (a key of :data:`SOURCE_NAMES`, e.g. ``"attendance"``) or the words
        for it (``"staff survey"``).
    shown : str
        What the section would show, e.g. ``"attendance change"``.

    Returns
    -------
    str
        E.g. ``"No attendance file was given, so attendance change is not shown."``

    Examples
    --------
    >>> missing_source("behaviour", "behaviour change")
    'No behaviour file was given, so behaviour change is not shown.'
    """
    return f"No {SOURCE_NAMES.get(kind, kind)} was given, so {shown} is not shown."


@dataclass(frozen=True)
class Table:
    """A table as a reader sees it: suppressed cells, caption, rounding and column labels.

    Attributes
    ----------
    frame : DataFrame
        Aggregates only, already through
        :func:`~slc_research.privacy.suppression.suppress_small` (``display=True``) when it
        holds counts: the display boundary refuses counts that were not suppressed.
    caption : str
        The table's title.
    decimals : int or dict
        Places for numbers (an int, or column -> int); counts get none, p values three.
    labels : dict
        Column renames for the reader.
    note : str
        A note for the exported table (what a column means), or ``""``.
    technical : tuple of str
        Columns only the research audience reads (besides those the staff view leaves out
        by their headers: SDs, test statistics, df); see
        :func:`~slc_research.report.display.staff_view`.
    """

    frame: pd.DataFrame
    caption: str
    decimals: int | Mapping[str, int] = 1
    labels: Mapping[str, str] = field(default_factory=dict)
    note: str = ""
    technical: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """One section of a case study, as the notebook shows it and the exports re-use it.

    Attributes
    ----------
    key : str
        A short stable name, e.g. ``"who_took_part"``: how a notebook cell asks for it.
    title : str
        The section's heading in the teacher's words.
    finding : str
        What was found, in one or two plain sentences (shown first).
    paragraphs : tuple of str
        Further plain sentences (one per outcome, say), shown after the finding.
    tables : tuple of Table
    charts : tuple of alt.Chart
        Drawn from suppressed tables.
    items : tuple of str
        A bulleted list (quotes, limitations), shown after the tables and charts.
    items_heading : str
        The list's heading, or ``""``.
    note : str
        "How to read this": what the numbers mean and what they do not, or ``""``.
    records : mapping
        Headline values this section records for the index and the summary
        (name -> number, estimate, short text or small table).
    """

    key: str
    title: str
    finding: str = ""
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Any, ...] = ()
    items: tuple[str, ...] = ()
    items_heading: str = ""
    note: str = ""
    records: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "records", MappingProxyType(dict(self.records)))
        # nothing empty reaches a reader: no all-dash table, no chart of nobody
        object.__setattr__(self, "tables", tuple(
            t for t in self.tables if not has_nothing_to_show(t.frame)))
        object.__setattr__(self, "charts", tuple(
            c for c in self.charts if not _chart_is_empty(c)))
        for chart in self.charts:  # drawn by a render server, if any, while the analysis goes on
            draw_ahead(chart)

    @classmethod
    def without_source(cls, key: str, title: str, *, kind: str, shown: str,
                       records: Mapping[str, Any] | None = None) -> Section:
        """A section whose source the enquiry does not have: one plain sentence, nothing else.

        Parameters
        ----------
        key, title : str
            As for any section (the notebook still asks for ``key``).
        kind : str
            The missing source's kind (see :func:`missing_source`).
        shown : str
            What the section would have shown, e.g. ``"attendance change"``.
        records : mapping, optional
            Headline values it records anyway (e.g. ``None`` for an estimate not made).
        """
        return cls(key, title, finding=missing_source(kind, shown), records=records or {})


def has_nothing_to_show(frame: pd.DataFrame) -> bool:
    """Whether a table would show a reader nothing: no row, or no value in any row.

    A value is a number other than 0; a table of words alone (quotes, a rubric) shows its
    words. A table whose numbers are all missing ("–"), 0 or withheld as too small (``"<5"``,
    ``"*"``) is nothing to show: its section's sentence says so instead.

    Parameters
    ----------
    frame : DataFrame

    Returns
    -------
    bool
    """
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        return True
    numeric_columns = [c for c in frame.columns if _holds_numbers(frame[c])]
    if not numeric_columns:  # words only: empty when every cell is empty
        return all(_blank(v) for col in frame.columns for v in frame[col])
    return all(_blank(v) or _zero(v) or _withheld(v) for c in numeric_columns for v in frame[c])


def _holds_numbers(column: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(column.dtype):
        return False
    if pd.api.types.is_numeric_dtype(column.dtype):
        return True
    return any(_number_like(v) for v in column)


def _number_like(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, numbers.Number):
        return True
    return isinstance(v, str) and bool(_NUMBER.fullmatch(v) or _withheld(v))


#: A number as a table shows it: "5", "1,234", "-0.57", "+12.5", "41%".
_NUMBER = re.compile(r"\s*[-+\u2212]?(\d[\d,]*(\.\d+)?|\.\d+)\s*%?\s*")


def _blank(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and v.strip() in ("", "–", "-", "nan", "NaN", "<NA>")


def _withheld(v: Any) -> bool:
    return isinstance(v, str) and bool(re.fullmatch(r"\s*(<\s*\d+|\*)\s*", v))


def _zero(v: Any) -> bool:
    if isinstance(v, str) and _NUMBER.fullmatch(v):
        return not re.search(r"[1-9]", v)
    return isinstance(v, numbers.Number) and not isinstance(v, bool) and v == 0


#: "n = 0" in a chart's title or subtitle: a chart drawn for nobody.
_NOBODY = re.compile(r"\bn = 0(?![\d.,])")


def _chart_is_empty(chart: Any) -> bool:
    """Whether a chart has nothing to show a reader.

    That is: no data to draw; a title saying it was drawn for nobody (``n = 0``); or groups
    withheld as too small (its subtitle names them) with at most one value other than 0
    left to draw: a single bar among withheld ones compares nothing, and the section's
    table shows the same numbers with the withheld ones marked. (A chart of the whole
    group, before and after, whose schools are withheld still compares: it stays.)
    """
    frames, titles = [], []
    _walk_chart(chart, frames, titles)
    if any(_NOBODY.search(t) for t in titles):
        return True
    if not frames:
        return False
    if all(has_nothing_to_show(f) for f in frames):
        return True
    withholds = WITHHELD_START in " ".join(titles)
    return withholds and sum(_values_drawn(f) for f in frames) <= 1


def _values_drawn(frame: pd.DataFrame) -> int:
    """How many rows of a chart's data hold a number other than 0 (a bar or point drawn)."""
    numeric = frame.select_dtypes("number")
    if numeric.empty:
        return len(frame)
    return int((numeric.notna() & (numeric != 0)).any(axis=1).sum())


def _walk_chart(chart: Any, frames: list[pd.DataFrame], titles: list[str]) -> None:
    """The data frames and title texts of a chart and of the charts it is made of."""
    data = getattr(chart, "data", None)
    if isinstance(data, pd.DataFrame):
        frames.append(data)
    title = getattr(chart, "title", None)
    for part in (title, getattr(title, "text", None), getattr(title, "subtitle", None)):
        if isinstance(part, str):
            titles.append(part)
        elif isinstance(part, list | tuple):
            titles += [str(x) for x in part]
    for attr in ("layer", "hconcat", "vconcat", "concat"):
        for sub in getattr(chart, attr, None) or ():
            if not isinstance(sub, str):
                _walk_chart(sub, frames, titles)
    spec = getattr(chart, "spec", None)
    if spec is not None and not isinstance(spec, str | dict):
        _walk_chart(spec, frames, titles)


@dataclass(frozen=True)
class Result:
    """A case study's result: its title, an opening sentence, and its sections in order.

    Attributes
    ----------
    case_study : str
        The case study's name (the notebook's stem), e.g. ``"slc_impact"``.
    title : str
        The report's title.
    summary : str
        What the report is about, in a sentence (shown under the title).
    sections : tuple of Section
    records : mapping
        Values recorded for the whole report (title, sample sizes) besides the sections'.
    warnings : tuple of str
        What every reader must know before the findings, shown under the opening
        sentence (a suppression threshold below 5); added by
        :meth:`~slc_research.casestudies.spec.CaseStudy.result` for every case study.
    """

    case_study: str
    title: str
    summary: str
    sections: tuple[Section, ...]
    records: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        keys = [s.key for s in self.sections]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ConfigError(f"a result has two sections called {dup}: each needs its own key")
        object.__setattr__(self, "records", MappingProxyType(dict(self.records)))

    def __getitem__(self, key: str) -> Any:
        """The section called ``key``; ``"at_a_glance"`` is the report's :class:`Glance`."""
        if key == GLANCE_KEY and key not in [s.key for s in self.sections]:
            return at_a_glance(self)
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(f"no section {key!r} in the {self.case_study} result; it has "
                       f"{[s.key for s in self.sections]}")

    def __iter__(self) -> Iterator[Section]:
        return iter(self.sections)

    @property
    def all_records(self) -> dict[str, Any]:
        """Every recorded value: the report's own, then each section's in order."""
        out = dict(self.records)
        for s in self.sections:
            out.update(s.records)
        return out
