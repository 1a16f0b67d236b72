"""Dates of birth in the forms schools write them, for the identifier matcher.

A date of birth is known from the roster (any form a file writes it in, or a date cell);
in a text it is found in any of these forms, read day first as in the UK:

``4/3/2012``, ``04/03/2012``, ``4.3.2012``, ``4-3-2012``, ``4/3/12``, ``2012-03-04``,
``4 March 2012``, ``4th March 2012``, ``4 Mar 2012``, ``4th of March, 2012``,
``March 4th 2012``, ``March 4, 2012``.

Only the known dates are found: a date in a text is read to its day (``2012-03-04``) and
looked up among the days of birth, so no other date (a meeting's, a term's) is flagged.
Matching runs on folded text (:mod:`slc_research.privacy.folding`: lower case).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime

__all__ = ["DATE_SHAPES", "day_of", "days_of_birth", "find_days"]

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = "(?P<{}>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORD = r"(?:st|nd|rd|th)?"
_DIGIT = re.compile(r"\d")
#: The written forms of a date, on folded (lower-case) text.
DATE_SHAPES = re.compile(
    r"(?<![\w.,/-])(?:"
    r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"  # 2012-03-04
    r"|(?P<nd>\d{1,2})(?P<sep>[/.-])(?P<nm>\d{1,2})(?P=sep)(?P<ny>\d{4}|\d{2})"  # 4/3/2012
    r"|(?P<wd>\d{1,2})" + _ORD + r"(?:\s+of)?\s+" + _MONTH.format("wm")
    + r",?\s+(?P<wy>\d{4})"  # 4th March 2012
    r"|" + _MONTH.format("am") + r"\s+(?P<ad>\d{1,2})" + _ORD
    + r",?\s+(?P<ay>\d{4})"  # March 4th, 2012
    r")(?![\w]|[/.-]\d)")


def _day(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:  # "4/3/12": a pupil's birth year, this century unless that is ahead
        y += 2000 if 2000 + y <= datetime.now().year else 1900
    return y


def _read(m: re.Match) -> str | None:
    g = m.groupdict()
    if g["iy"]:
        return _day(int(g["iy"]), int(g["im"]), int(g["id"]))
    if g["nd"]:
        return _day(_year(g["ny"]), int(g["nm"]), int(g["nd"]))
    if g["wd"]:
        return _day(int(g["wy"]), _MONTHS[g["wm"]], int(g["wd"]))
    return _day(int(g["ay"]), _MONTHS[g["am"]], int(g["ad"]))


def find_days(folded: str) -> Iterator[tuple[int, int, str]]:
    """Every date written in ``folded`` text: (start, end, ``YYYY-MM-DD``)."""
    if _DIGIT.search(folded) is None:
        return
    for m in DATE_SHAPES.finditer(folded):
        day = _read(m)
        if day is not None:
            yield m.start(), m.end(), day


def day_of(value: object) -> str | None:
    """The day (``YYYY-MM-DD``) a roster's date-of-birth cell gives, or None.

    A date or datetime cell, or text in any form of :data:`DATE_SHAPES`
    (``14/03/2013``, ``2013-03-14 00:00:00``, ``14 March 2013``).
    """
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip().casefold()
    if not text:
        return None
    found = next(find_days(text), None)
    if found is None:
        found = next(find_days(text.split(" ")[0]), None)
    return found[2] if found else None


def days_of_birth(values: Iterable[object]) -> frozenset[str]:
    """The days of every readable value of ``values`` (see :func:`day_of`)."""
    days = (day_of(v) for v in values)
    return frozenset(d for d in days if d)
