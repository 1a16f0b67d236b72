"""Whether a file's first row is column headers or a row of data, for messages that never echo data.

A roster saved without its header row has a pupil's record where the headers should be. A
message that listed "the file's headers" would then print a name, an id, an email address
and a date of birth. :func:`describe_headers` lists the headers only when they look like
headers; when the row looks like data it says so and names the column positions and what
each looks like ("column 1 (A) looks like an id"), never the values. :func:`shown_cell`
does the same for one cell a note or message would quote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from slc_research.data.schemas import KINDS
from slc_research.words import listed

__all__ = ["cell_kind", "column_letter", "describe_headers", "looks_like_data", "shown_cell"]

_MONTH = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?")
_DATE = re.compile(
    r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{2,4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_NUMBER = re.compile(r"[-+]?(?:\d{1,4}(?:[.,]\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?)%?")
#: An id: letters and at least four digits (UPNs, staff codes, MIS numbers), spaces and
#: hyphens allowed between groups, or five or more digits.
_ID = re.compile(r"(?=(?:[^\d]*\d){4})[A-Za-z]{0,3}\d[\dA-Za-z]*(?:[ \-][\dA-Za-z]+){0,4}")
_WORDS = re.compile(r"[^\W\d_]+(?:[ '\u2019\-.][^\W\d_]+){0,3}")

#: Words that column headers of school exports are made of (beyond the canonical names).
_HEADER_WORDS = frozenset({
    *(w for k in KINDS.values() for c in (*k.required, *k.optional, *k.identifying)
      for w in c.split("_")),
    "upn", "uln", "dob", "birth", "first", "last", "legal", "preferred", "given", "family",
    "middle", "full", "forename", "surname", "form", "tutor", "reg", "registration", "class",
    "set", "house", "sex", "fsm", "pp", "ehcp", "send", "need", "needs", "ethnicity", "mark",
    "marks", "am", "pm", "timestamp", "time", "response", "answer", "question", "item", "q",
    "wave", "address", "mail", "e", "contact", "no", "number", "ref", "reference", "code",
    "admission", "adno", "student", "students", "pupils", "child", "learner", "teacher",
    "teachers", "initials", "title", "notes", "comment", "comments", "total", "reason",
    "present", "absent", "week", "day", "term", "half", "key", "stage", "ks", "level",
    "target", "result", "results", "value", "id", "identifier", "unique", "candidate",
})


_PLURAL = {"an id": "ids", "an email address": "email addresses", "a date": "dates",
           "a number": "numbers", "a name": "names"}


def column_letter(position: int) -> str:
    """The spreadsheet letter of a 1-based column position: 1 -> A, 27 -> AA."""
    letters = ""
    while position > 0:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_kind(cell: object) -> str | None:
    """What a header cell looks like when it looks like data, else None.

    Returns
    -------
    str or None
        ``"an id"``, ``"an email address"``, ``"a date"``, ``"a number"``, ``"a name"``
        (words that are not column headers) or None (a header, or nothing telling).

    Examples
    --------
    >>> cell_kind("A123456789012"), cell_kind("2012-03-04"), cell_kind("Forename")
    ('an id', 'a date', None)
    """
    text = "" if cell is None else str(cell).strip()
    if not text:
        return None
    if _EMAIL.fullmatch(text):
        return "an email address"
    if _DATE.fullmatch(text):
        return "a date"
    if _NUMBER.fullmatch(text):
        return "a number"
    if _ID.fullmatch(text):
        return "an id"
    if _WORDS.fullmatch(text):
        words = re.findall(r"[^\W\d_]+", text.casefold())
        if not any(w in _HEADER_WORDS for w in words):
            return "a name"
    return None


def looks_like_data(headers: Sequence[object], *, expected: Iterable[str] = ()) -> bool:
    """Whether a file's first row looks like a row of data rather than column headers.

    It does when a cell looks like an id or an email address; when cells look like two
    different kinds of data (a date and a number, a name and a date, ...); or when every
    filled cell looks like data and at least two look like names, none being a header
    the manifest expects (``expected``).
    """
    expected_keys = {str(e).strip().casefold() for e in expected}
    cells = [str(h).strip() for h in headers if h is not None and str(h).strip()]
    if any(c.casefold() in expected_keys for c in cells):
        return False
    kinds = [cell_kind(c) for c in cells]
    found = {k for k in kinds if k}
    if found & {"an id", "an email address"} or len(found) >= 2:
        return True
    return bool(cells) and all(kinds) and kinds.count("a name") >= 2


def describe_headers(headers: Sequence[object], *, expected: Iterable[str] = (),
                     limit: int | None = None) -> str:
    """"the file's headers are 'UPN', 'Forename', ..." or, for a row of data, where it is.

    Parameters
    ----------
    headers : sequence
        The first row of the file, as read.
    expected : iterable of str
        The headers the manifest names for this file (they are shown as headers).
    limit : int, optional
        Show at most this many headers.

    Returns
    -------
    str
        A phrase for a message. For a row that looks like data it names the columns by
        position and letter and what each looks like, and says to add the header row:
        no value of the row is in it.
    """
    if looks_like_data(headers, expected=expected):
        kinds: dict[str, list[int]] = {}
        for i, h in enumerate(headers, start=1):
            kind = cell_kind(h)
            if kind:
                kinds.setdefault(kind, []).append(i)
        parts = []
        for kind, positions in kinds.items():
            cols = [f"{p} ({column_letter(p)})" for p in positions[:6]]
            more = " ..." if len(positions) > 6 else ""
            if len(positions) > 1:
                parts.append(f"columns {listed(cols)}{more} look like {_PLURAL[kind]}")
            else:
                parts.append(f"column {cols[0]} looks like {kind}")
        return ("the first row looks like data rather than column headers (" + ", ".join(
            parts) + "; the values are not shown here): add the header row the export had "
            "as row 1, or export the file again with its column headers")
    shown = list(headers) if limit is None else list(headers)[:limit]
    names = ", ".join(shown_cell(h) for h in shown)
    more = " ..." if limit is not None and len(headers) > limit else ""
    return f"the file's headers are {names}{more}"


def shown_cell(cell: object) -> str:
    """A cell quoted for a message (``'Forename'``), or what it looks like if it may be personal.

    An id, an email address or a date is never quoted: ``(a cell that looks like an id)``.
    """
    kind = cell_kind(cell)
    if kind in ("an id", "an email address", "a date"):
        return f"(a cell that looks like {kind})"
    return repr("" if cell is None else str(cell))
