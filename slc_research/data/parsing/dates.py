"""Dates as schools write them, read day first, once per distinct value."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from slc_research.data.parsing.parsed import (
    CAP,
    Parsed,
    counts,
    distinct,
    problems_for,
    take_per_category,
)

__all__ = ["EARLIEST", "parse_dates", "parse_dates_by_category"]

# Arbor writes dates as "1 Oct 2025" and date-times as "1 Oct 2025 10:35" (or "01 Oct 2025
# 10:35:00" once saved through Excel): the month-name forms take a time too.
_UK_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y",
               "%d-%b-%Y", "%d-%b-%y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S",
               "%d %b %Y %H:%M", "%d %b %Y %H:%M:%S", "%d %B %Y %H:%M", "%d %B %Y %H:%M:%S",
               # survey tools' timestamps: Google Forms "2026/03/06 12:54:00 PM" (its zone
               # is dropped first), Microsoft Forms "06/03/26 12:54:00", 12-hour clocks
               "%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %I:%M %p",
               "%Y/%m/%d %I:%M:%S %p", "%Y-%m-%d %I:%M %p", "%Y-%m-%d %I:%M:%S %p",
               "%d/%m/%y %H:%M", "%d/%m/%y %H:%M:%S", "%d/%m/%Y %I:%M %p",
               "%d/%m/%Y %I:%M:%S %p", "%d/%m/%y %I:%M %p", "%d/%m/%y %I:%M:%S %p")
#: Month-first forms (US locale): read only when a whole column of a tool's timestamps is so.
_US_FORMATS = ("%m/%d/%Y", "%m/%d/%y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S",
               "%m/%d/%y %H:%M", "%m/%d/%y %H:%M:%S", "%m/%d/%Y %I:%M %p",
               "%m/%d/%Y %I:%M:%S %p", "%m/%d/%y %I:%M %p", "%m/%d/%y %I:%M:%S %p")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
# A time zone after a time: "Z", "+01:00", "+0100", "GMT", "GMT+1", "UTC-05:00", "BST", "CET"
# (never the "AM"/"PM" of a 12-hour clock). The wall-clock time is kept, the zone dropped.
_TZ = re.compile(r"(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?)\s*"
                 r"(?:Z|(?:GMT|UTC)?\s*[+-]\d{1,2}(?::?\d{2})?|(?!(?:[AaPp][Mm])$)[A-Z]{2,5})$")
_WEEKDAY = re.compile(r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+", re.I)
EARLIEST = pd.Timestamp("1990-01-01")
_DAY_MS = 86_400_000


def _to_dates(texts: pd.Series, fmt: str) -> np.ndarray:
    parsed = pd.to_datetime(texts, format=fmt, errors="coerce")
    return parsed.to_numpy(dtype="datetime64[ms]")


_MSFORMS_TIME = r"\d{1,2}/\d{1,2}/\d{2} \d{1,2}:\d{2}:\d{2}"


def _microsoft_forms_times(text: pd.Series, out: np.ndarray, codes: np.ndarray, header: str,
                           notes: list[str]) -> None:
    """Read Microsoft Forms' times (``3/6/26 12:54:00``) month first, into ``out``.

    Microsoft Forms writes month first, with a two-digit year and seconds. Such times are
    read month first when every one of the column reads so; a note counts those that
    could also have been read day first.
    """
    shaped = np.isnat(out) & text.str.fullmatch(_MSFORMS_TIME).to_numpy(dtype=bool)
    if not shaped.any():
        return
    us = _to_dates(text[shaped], "%m/%d/%y %H:%M:%S")
    if np.isnat(us).any():  # some only make sense day first: the column is day first
        return
    uk = _to_dates(text[shaped], "%d/%m/%y %H:%M:%S")
    out[np.flatnonzero(shaped)] = us
    either = np.flatnonzero(shaped)[~np.isnat(uk) & (uk != us)]
    n = int(counts(codes, len(text))[either].sum())
    if n:
        notes.append(f"{header}: {n} time{'s' if n != 1 else ''} written as Microsoft Forms "
                     "writes them (like 3/6/26 12:54:00) were read month first (6 March 2026); "
                     "if the column is day first, set date_format = \"%d/%m/%y %H:%M:%S\" in "
                     "this source's [sources.NAME] entry of enquiry.toml.")


def _shapes(texts: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether each text has a time, an AM/PM, and its year first: which formats may fit it."""
    s = texts.astype(str)
    return (s.str.contains(r"\d:\d", regex=True).to_numpy(dtype=bool),
            s.str.contains(r"\d\s*[AaPp]\.?[Mm]\.?$", regex=True).to_numpy(dtype=bool),
            s.str.match(r"\d{4}\D").to_numpy(dtype=bool))


def _try_formats(text: pd.Series, out: np.ndarray, formats: tuple[str, ...]) -> np.ndarray:
    """``out`` with the texts still NaT read by the first of ``formats`` that fits each.

    Each format is tried only on the texts of its shape (a cheap filter: with or without a
    time, an AM/PM, the year first or not).
    """
    if not len(text):
        return out
    timed, ampm, year_first = _shapes(text)
    for fmt in formats:
        todo = np.isnat(out)
        if not todo.any():
            break
        fits = ((timed if ("%H" in fmt or "%I" in fmt) else ~timed)
                & (ampm if "%p" in fmt else ~ampm)
                & (year_first if fmt.startswith("%Y") else ~year_first))
        where = np.flatnonzero(todo & fits)
        if len(where):
            out[where] = _to_dates(text.iloc[where], fmt)
    return out


def parse_dates_by_category(values: pd.Series, *, label: str, header: str,
                            rows: np.ndarray | None = None, date_format: str | None = None,
                            today: dt.date | None = None, cap: int = CAP,
                            month_first_column: bool = False,
                            ) -> tuple[np.ndarray, np.ndarray, Parsed]:
    """Like :func:`parse_dates`, but leaves the spreading to rows to the caller.

    Returns
    -------
    codes : ndarray of int
        Category of each row (-1 = blank).
    per_category : ndarray of datetime64[ms]
        The date of each category (NaT where it is not a valid date).
    parsed : Parsed
        Problems and notes; its ``values`` is empty.
    """
    codes, cats = distinct(values)
    text = pd.Series(cats, dtype=object).map(
        lambda s: _TZ.sub(r"\1", _WEEKDAY.sub("", s.strip())))
    out = np.full(len(cats), np.datetime64("NaT"), dtype="datetime64[ms]")
    iso = text.str.match(_ISO.pattern).to_numpy(dtype=bool) if len(cats) else np.zeros(0, bool)
    if iso.any():
        out[iso] = _to_dates(text[iso], "ISO8601")
    todo = np.isnat(out)
    if date_format and todo.any():  # the format as written, its zone included (%Z, %z)
        out[todo] = _to_dates(pd.Series(cats, dtype=object)[todo].str.strip(), date_format)
        todo = np.isnat(out)
    notes: list[str] = []
    if date_format:
        if todo.any():
            out[todo] = _to_dates(text[todo], date_format)
    else:
        _microsoft_forms_times(text, out, codes, header, notes)
        out = _try_formats(text, out, _UK_FORMATS)
    todo = np.isnat(out)
    if todo.any() and month_first_column and not date_format:
        us = _month_first(text)
        if not np.isnat(us).any():
            out, todo = us, np.zeros(len(cats), dtype=bool)
            notes.append(f"{header}: the dates are written month first (US style, like "
                         "03/06/2026 for 6 March 2026) and were read so.")
    if todo.any() and not date_format:
        serial = todo & text.str.fullmatch(r"\d{5}(?:\.0+)?").to_numpy(dtype=bool)
        days = text[serial].astype(float).to_numpy()
        ok = (days >= 32874) & (days <= 73051)  # 1990-01-01 .. 2099-12-31
        where = np.flatnonzero(serial)[ok]
        out[where] = np.datetime64("1899-12-30", "ms") + (
            days[ok] * _DAY_MS).astype("timedelta64[ms]")
        n = int(counts(codes, len(cats))[where].sum())
        if n:
            notes.append(f"{header}: {n} date{'s' if n != 1 else ''} written as Excel day numbers "
                         "(like 45901) were read as dates.")
        todo = np.isnat(out)
    latest = pd.Timestamp(today or dt.date.today()) + pd.DateOffset(years=1)
    messages = np.full(len(cats), None, dtype=object)
    messages[todo] = (f"a date in the form {_example(date_format)}, as date_format says in "
                      "this source's [sources.NAME] entry of enquiry.toml: correct the date, "
                      "or change date_format to the form the column uses" if date_format else
                      "a date like 01/09/2025 (day first) or 2025-09-01; if the column writes "
                      "every date another way, set date_format (e.g. date_format = "
                      '"%d/%m/%Y %H:%M") in this source\'s [sources.NAME] entry of '
                      "enquiry.toml, else correct the date")
    if todo.any() and not date_format:
        us = todo & ~np.isnat(_to_dates(text, "%m/%d/%Y"))
        messages[us] = ("a date written day first, like 01/09/2025; this one only makes sense "
                        "month first (US style): if the whole column is month first, set "
                        'date_format = "%m/%d/%Y" in this source\'s [sources.NAME] entry of '
                        "enquiry.toml, else correct the date")
    stamps = pd.DatetimeIndex(out)
    out_of_range = ~todo & np.asarray((stamps < EARLIEST) | (stamps > latest))
    messages[out_of_range] = (f"a date between {EARLIEST:%d/%m/%Y} and {latest:%d/%m/%Y} "
                              "(check the year; if every date of the column is read wrongly, "
                              "set date_format in this source's [sources.NAME] entry of "
                              "enquiry.toml)")
    problems, total = problems_for(messages, codes, cats, label=label, header=header, rows=rows,
                                cap=cap)
    out[out_of_range] = np.datetime64("NaT")
    return codes, out, Parsed(pd.Series([], dtype="datetime64[ms]"), problems, total, notes)


def parse_dates(values: pd.Series, *, label: str, header: str,
                rows: np.ndarray | None = None, date_format: str | None = None,
                today: dt.date | None = None, cap: int = CAP,
                month_first_column: bool = False) -> Parsed:
    """Dates as ``datetime64[ms]``, read day first.

    Without ``date_format``: ISO ``2025-09-01`` (with or without a time), UK
    ``01/09/2025``, ``01/09/25``, ``01-09-2025``, ``01.09.2025``, ``1 Sep 2025``
    (a leading weekday is ignored), and Excel day numbers (``45901``, noted).
    A time of day is kept when written after a day-first or month-name date
    (``01/09/2025 10:35``, Arbor's ``1 Sep 2025 10:35``, ``01 Sep 2025 10:35:00``);
    loaders whose column holds days only drop it.
    Survey tools' timestamps too: Google Forms ``2026/03/06 12:54:00 PM GMT``
    (any zone name or offset, ``GMT+1``, ``+01:00``, ``BST``: the zone is
    dropped, the wall-clock time kept), Microsoft Forms ``06/03/26 12:54:00``
    and Qualtrics ``2026-03-06 12:54:00``; 12-hour clocks with AM/PM.
    With ``month_first_column`` (a tool's own timestamp column), a column in
    which some date only makes sense month first and every date reads month
    first (``3/16/26 12:54:00``) is read month first, with a note.
    With ``date_format`` (a strftime format): that format, or ISO. A date
    before 1990 or more than a year after ``today`` is a problem, and every
    problem says how to set ``date_format``. Blank is missing.
    """
    codes, per_category, parsed = parse_dates_by_category(
        values, label=label, header=header, rows=rows, date_format=date_format, today=today,
        cap=cap, month_first_column=month_first_column)
    parsed.values = pd.Series(take_per_category(per_category, codes, np.datetime64("NaT", "ms")),
                              name=values.name)
    return parsed


def _month_first(text: pd.Series) -> np.ndarray:
    """Each text read month first (NaT where no month-first form fits)."""
    return _try_formats(text, np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ms]"),
                        _US_FORMATS)


def _example(fmt: str) -> str:
    try:
        return f"{fmt!r}, e.g. {dt.date(2025, 9, 1).strftime(fmt)}"
    except ValueError:  # pragma: no cover - a format strftime rejects
        return repr(fmt)
