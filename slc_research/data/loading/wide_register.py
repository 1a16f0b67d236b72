r"""The session columns of a wide register, whatever shape its header takes.

A wide register (a row per pupil) gives its sessions as columns headed with a
date and AM/PM (``Mon 01/09/2025 AM``; a two-row header is made into this
shape by :func:`~slc_research.data.loading.mis_layouts.read_register`), or as a column
per day whose cells hold both marks (``/\``, see
:func:`~slc_research.data.loading.mis_layouts.split_day_marks`). Each becomes a
:class:`SessionColumn`: the day, the session and the marks' integer codes,
with no loop over rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slc_research.data.loading.common import SourceLoad
from slc_research.data.loading.mis_layouts import LAYOUTS_UNDERSTOOD, split_day_marks
from slc_research.data.parsing.header_row import describe_headers, shown_cell
from slc_research.data.parsing.parsed import problems_for
from slc_research.data.parsing.values import (
    SESSION_WORDS,
    distinct,
    normalise_word,
    parse_dates_by_category,
)
from slc_research.errors import DataError, Problem
from slc_research.words import plural

__all__ = ["SessionColumn", "day_numbers", "session_columns"]

MS_PER_DAY = 86_400_000
_SESSION_HEADER = re.compile(
    r"^(?P<date>.*?\d.*?)[\s_\-]*\(?(?P<session>am|pm|a\.m\.?|p\.m\.?|morning|afternoon)\)?$",
    re.I)


def day_numbers(stamps: np.ndarray) -> np.ndarray:
    """Days since 1970 of datetime64[ms] values (the time of day dropped; NaT -> -1)."""
    return np.where(np.isnat(stamps), -1, stamps.view(np.int64) // MS_PER_DAY)


@dataclass(frozen=True)
class SessionColumn:
    """One session of a wide register: its column, day, session and the marks' codes."""

    header: str            # the column as headed in the file
    day: int               # days since 1970
    session: int           # 0 AM, 1 PM
    codes: np.ndarray      # per pupil row, into ``cats`` (-1 = blank)
    cats: pd.Index


def _header_days(src: SourceLoad, texts: list[str], headers: list[str], *,
                 strict: bool) -> np.ndarray:
    """Days (since 1970) of the dates written in headers; -1 where not a date.

    ``strict``: a header that is not a date is a problem (row 1, its column).
    """
    if not texts:
        return np.zeros(0, dtype=np.int64)
    date_text = pd.Series(texts, dtype="string").astype("category")
    codes, per_category, parsed = parse_dates_by_category(
        date_text, label=src.label, header="", cap=len(texts), rows=np.arange(len(texts)),
        date_format=src.spec.date_format)
    if strict and parsed.problems:
        raise DataError([Problem(src.label, 1, headers[p.row], headers[p.row], p.expected)
                         for p in parsed.problems][:20], total=parsed.total)
    return day_numbers(per_category)[codes]


def _session_columns(src: SourceLoad) -> tuple[list[SessionColumn], list[str]]:
    """The columns headed with a date and AM/PM, and the headers left over."""
    matches = {h: _SESSION_HEADER.match(h.strip()) for h in src.map.unmapped}
    found = [h for h, m in matches.items() if m]
    days = _header_days(src, [matches[h].group("date") for h in found], found, strict=True)
    word = {normalise_word(k): v for k, v in SESSION_WORDS.items()}
    out = []
    for h, day in zip(found, days, strict=True):
        session = int(word[normalise_word(matches[h].group("session"))] == "PM")
        codes, cats = distinct(src.raw.data[h])
        out.append(SessionColumn(h, int(day), session, codes, cats))
    return out, [h for h, m in matches.items() if not m]


_DAY_HEADER = re.compile(r"\d{1,4}[/.\- ]+\w+[/.\- ]+\d{2,4}")
_TWO_MARKS = ("two marks, the morning's then the afternoon's, like '/\\' or 'NL' (a column "
              "per day holds both; write - for a session with no mark)")


def _day_columns(src: SourceLoad, headers: list[str]) -> tuple[list[SessionColumn], list[str]]:
    """Columns headed with a date alone whose cells hold the AM and PM marks together."""
    dated = [h for h in headers if _DAY_HEADER.search(h)]
    days = _header_days(src, dated, dated, strict=False)
    out: list[SessionColumn] = []
    problems, total = [], 0
    for h, day in zip(dated, days, strict=True):
        if day < 0:
            continue
        codes, cats = distinct(src.raw.data[h])
        am, pm, bad = split_day_marks(cats)
        found, n = problems_for(np.where(bad, _TWO_MARKS, None), codes, cats, label=src.label,
                                header=h, rows=src.rows, cap=20)
        problems += found
        total += n
        for session, text in enumerate((am, pm)):
            per_cat, uniques = pd.factorize(pd.Series(text, dtype=object))
            session_codes = np.append(per_cat, -1)[codes]
            out.append(SessionColumn(h, int(day), session, session_codes,
                                      pd.Index(uniques, dtype="str")))
    if problems:
        src.problems.add(problems[:20], total)
    used = {c.header for c in out}
    return out, [h for h in headers if h not in used]


def session_columns(src: SourceLoad, auto: bool) -> list[SessionColumn]:
    """Every session column of a wide register; notes the columns ignored."""
    columns, rest = _session_columns(src)
    if not columns:
        columns, rest = _day_columns(src, rest)
    if not columns:
        headers = describe_headers(src.raw.headers, expected=src.spec.columns, limit=8)
        if auto:
            raise DataError.single(
                src.label, f"{LAYOUTS_UNDERSTOOD}; {headers}: set "
                f"layout = \"long\" or \"wide\" in [sources.{src.spec.name}] and map its "
                f"columns under [sources.{src.spec.name}.columns]")
        raise DataError.single(
            src.label, "columns headed with a date and AM or PM, like '01/09/2025 AM', for a "
            "wide register (or a column per day, like 'Mon 01/09/2025', holding both marks); "
            f"{headers}: set layout = \"long\" if the file has a row "
            "per mark")
    if rest:
        shown = ", ".join(shown_cell(h) for h in rest[:5]) + (" ..." if len(rest) > 5 else "")
        src.notes.append(f"{plural(len(rest), 'column')} not headed like a session "
                         f"('01/09/2025 AM') ignored: {shown}.")
    return columns

