"""What the recogniser found in a folder of exports: files placed and not placed.

Shared by :mod:`slc_research.workspace.recognise` (each file on its own) and
:mod:`slc_research.workspace.recognise_survey` (what needs several files: waves,
instruments, ids matched to the roster).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slc_research.data.parsing.values import distinct
from slc_research.data.reading.raw_table import RawTable

__all__ = ["Placed", "Recognition", "Unplaced", "fold_id", "id_values", "match_share"]


@dataclass
class Placed:
    """A file recognised as a source.

    Attributes
    ----------
    file : Path
        The file as found (only read).
    rel : str
        Its path inside the folder, with forward slashes.
    kind : str
        The source kind.
    what : str
        What it was recognised as, in plain words ("a Google Forms survey export").
    table : dict
        The proposed ``[sources.NAME]`` entry, without ``path`` (options, then
        ``columns``: raw header -> canonical name or item code).
    checks : dict
        Key of the entry (``kind``, an option, or ``columns.HEADER``) -> the reason
        of the guess, to be checked by the teacher.
    raw : RawTable or None
        The file as read (not for REFI-QDA projects).
    id_match : tuple or None
        ``(canonical column, header, roster header, share)``: the column whose values
        were found among the roster's ids.
    first_day : float or None
        When the responses were given (year * 400 + month * 32 + day, the median), if known.
    unread : dict
        A survey's question columns given no item code -> ``(a code it could have, why it
        was not given)``: written commented out, so that no question is dropped unsaid.
    """

    file: Path
    rel: str
    kind: str
    what: str
    table: dict[str, Any]
    checks: dict[str, str] = field(default_factory=dict)
    raw: RawTable | None = field(default=None, repr=False)
    id_match: tuple[str, str, str, float] | None = None
    first_day: float | None = None
    unread: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Unplaced:
    """A file that could not be placed, and why (never a cell of it)."""

    rel: str
    reason: str


@dataclass
class Recognition:
    """What a folder of exports holds.

    Attributes
    ----------
    placed : list of Placed
        The files recognised, in folder order.
    unplaced : list of Unplaced
        The files that could not be placed, with the reason.
    scales : dict
        Proposed ``[scales.NAME]`` tables (instrument, items, response_scale, label).
    """

    placed: list[Placed]
    unplaced: list[Unplaced]
    scales: dict[str, dict[str, Any]] = field(default_factory=dict)


def fold_id(value: object) -> str:
    """An id folded for matching, as the loaders match ids.

    No spaces, case folded, and an id of digits alone without its leading zeros
    (Excel and Google Sheets drop them; the loaders'
    :func:`~slc_research.privacy.pseudonyms.normalise_id` ignores them too):
    ``" a12 3"`` -> ``"a123"``, ``"004101"`` -> ``"4101"``.
    """
    folded = re.sub(r"\s+", "", str(value)).casefold()
    return re.sub(r"^0+(?=\d+$)", "", folded)


def id_values(raw: RawTable, header: str) -> set[str]:
    """The distinct non-blank values of a column, folded (:func:`fold_id`) for matching ids."""
    if header not in raw.data:
        return set()
    return {fold_id(v) for v in distinct(raw.data[header])[1] if str(v).strip()}


def match_share(values: set[str], ids: set[str]) -> float:
    """The share (0-1) of ``values`` found among ``ids``; 0 when there are no values."""
    return len(values & ids) / len(values) if values else 0.0
