"""What a case study returns: a result made of sections, the one source of every rendering.

A case study's ``run(enquiry, params)`` returns a :class:`Result`. Its sections carry
everything a reader sees and a researcher re-uses: the finding in one plain sentence, the
tables (already suppressed, ready to show), the charts, the "how to read this" note and the
headline values the index page and the cross-report summary record. The notebook shows the
sections one by one between its narrative cells; ``slc-research export`` writes the same
tables and charts into a dissertation pack; nothing is computed twice or scraped back from
a rendered page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from slc_research.errors import ConfigError

__all__ = ["Result", "Section", "Table"]


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
    """

    frame: pd.DataFrame
    caption: str
    decimals: int | Mapping[str, int] = 1
    labels: Mapping[str, str] = field(default_factory=dict)
    note: str = ""


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

    def __getitem__(self, key: str) -> Section:
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
