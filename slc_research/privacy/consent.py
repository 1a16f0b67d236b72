"""The consent register's statuses: a closed vocabulary, read so that it cannot be talked around.

``private/consent.csv`` says, for each pupil or member of staff, whether they take part. Its
``status`` column is read case-insensitively, ignoring spaces and punctuation around the
words, against a closed list (:data:`STATUSES`):

- **taking part**: ``consented``, ``consent given``, ``given``, ``yes``, ``agreed``,
  ``opted in``, ``active``;
- **left out of every table**: ``withdrawn``, and ``declined``, ``refused``, ``not given``,
  ``no consent``, ``no`` (no consent was given, so they never take part).

A status that is close to "withdrawn" without being written so (``Withdrawn.``, ``withdrawn
(parent request)``, ``withdrew``, ``WITHDRAWN - parent``, ``consent withdrawn``, ``opted
out``, ``opt-out``, ``withdrawm``) is read as withdrawn, erring on the side of leaving a
person out, with a note asking for it to be written ``withdrawn``. Any other status
(``pending``, ``not withdrawn``, a blank) is an error that names the row: nobody is
silently kept in.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

__all__ = ["CONSENTED", "STATUSES", "WITHDRAWN", "accepted_statuses", "read_status"]

#: The status of someone taking part.
CONSENTED = "consented"
#: The status of someone left out of every table.
WITHDRAWN = "withdrawn"

#: Every status the register may hold (as written after trimming case, spaces and
#: punctuation) and how it is read.
STATUSES: dict[str, str] = {
    **dict.fromkeys(("consented", "consent given", "given", "yes", "y", "agreed", "opted in",
                     "opt in", "active"), CONSENTED),
    **dict.fromkeys(("withdrawn", "declined", "refused", "not given", "no consent", "no", "n"),
                    WITHDRAWN),
}

#: Wordings that mean a withdrawal though not written ``withdrawn``.
_WITHDRAWAL = re.compile(
    r"\b(?:with\s*dr\w*|opt(?:ed|s|ing)?\s*out|revok\w*|rescind\w*|retract\w*|declin\w*|"
    r"refus\w*|no\s+longer\b.*|consent\s+(?:removed|cancelled|canceled)|"
    r"(?:removed|cancelled|canceled)\s+consent)")
#: Words that turn a withdrawal round ("not withdrawn"): such a status is not guessed at.
_NEGATION = re.compile(r"\b(?:not|never|isn\s*t|hasn\s*t|wasn\s*t|un\w+)\b")
#: Misspellings of "withdrawn" as close as this (difflib's ratio) are read as withdrawn.
_CLOSE = 0.8


def _plain(written: str) -> str:
    """Lower case, compatibility forms folded, every run of non-letters one space."""
    text = unicodedata.normalize("NFKC", written).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def read_status(written: object) -> tuple[str | None, bool]:
    """How one written status is read.

    Parameters
    ----------
    written : str
        The ``status`` cell as found.

    Returns
    -------
    tuple
        ``(status, noted)``: status is :data:`CONSENTED`, :data:`WITHDRAWN` or None
        (not a status of the register: the caller raises); ``noted`` is True when a
        close variant of "withdrawn" was read as withdrawn and deserves a note.

    Examples
    --------
    >>> read_status(" Withdrawn ")
    ('withdrawn', False)
    >>> read_status("withdrawn (parent request)")
    ('withdrawn', True)
    >>> read_status("pending")
    (None, False)
    """
    text = "" if written is None else str(written)
    plain = _plain(text)
    if plain in STATUSES:
        status = STATUSES[plain]
        exact = unicodedata.normalize("NFKC", text).strip().casefold() == plain
        return status, status == WITHDRAWN and not exact and plain == WITHDRAWN
    if not plain:
        return None, False
    if re.search(r"\bno\s+longer\b", plain) or (
            _WITHDRAWAL.search(plain) and not _NEGATION.search(plain)):
        return WITHDRAWN, True
    if not _NEGATION.search(plain) and any(
            difflib.SequenceMatcher(None, word, target).ratio() >= _CLOSE
            for word in plain.split() for target in ("withdrawn", "withdrew")):
        return WITHDRAWN, True
    return None, False


def accepted_statuses() -> str:
    """The accepted statuses in words, for messages."""
    taking_part = [s for s, v in STATUSES.items() if v == CONSENTED and len(s) > 1]
    left_out = [s for s, v in STATUSES.items() if v == WITHDRAWN and len(s) > 1]
    return (f"one of {', '.join(taking_part)} (taking part) or {', '.join(left_out)} (left out "
            "of every table)")
