"""What the value parsers share: their result, the problem log, distinct-value helpers.

Every parser works on the *distinct* values of a column (its categories) and
maps the result back to the rows with one integer ``take``: see
:func:`distinct`, :func:`take_per_category` and :func:`problems_for`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slc_research.data.parsing.header_row import cell_kind
from slc_research.errors import MAX_PROBLEMS_SHOWN, DataError, Problem

__all__ = ["CAP", "Parsed", "ProblemLog", "counts", "distinct", "excel_rows_at",
           "normalise_word", "problems_for", "take_per_category"]

#: Problems kept per column; the rest are only counted.
CAP = MAX_PROBLEMS_SHOWN


@dataclass
class Parsed:
    """What a parser gives back.

    Attributes
    ----------
    values : Series
        The parsed values, aligned with the input (same length and order).
    problems : list of Problem
        The first problems found (at most ``cap``), in row order.
    total : int
        How many rows had a problem.
    notes : list of str
        Safe repairs made, in plain words.
    """

    values: pd.Series
    problems: list[Problem] = field(default_factory=list)
    total: int = 0
    notes: list[str] = field(default_factory=list)


class ProblemLog:
    """Collects the problems of one file, so they can be reported together.

    Parameters
    ----------
    label : str
        The file as the manifest names it.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self._by_column: dict[str | None, list[Problem]] = {}
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    def add(self, problems: Sequence[Problem], total: int | None = None) -> None:
        """Add problems (already capped) and the total they stand for."""
        for p in problems:
            kept = self._by_column.setdefault(p.column, [])
            if len(kept) < CAP:
                kept.append(p)
        self.total += len(problems) if total is None else total

    def take(self, parsed: Parsed, notes: list[str] | None = None) -> pd.Series:
        """Record a parser's problems (and notes) and return its values."""
        self.add(parsed.problems, parsed.total)
        if notes is not None:
            notes.extend(parsed.notes)
        return parsed.values

    def add_rows(self, column: str | None, rows: np.ndarray, values: Sequence | None,
                 expected: str) -> None:
        """One problem per Excel row in ``rows`` (all of them counted, the first kept)."""
        shown = [Problem(self.label, int(r), column,
                         None if values is None or pd.isna(values[i]) else str(values[i]),
                         expected)
                 for i, r in enumerate(rows[:CAP])]
        self.add(shown, len(rows))

    def problems(self) -> list[Problem]:
        """The problems to show: every column gets its turn, then in row order."""
        lists = list(self._by_column.values())
        chosen: list[Problem] = []
        depth = 0
        while len(chosen) < CAP and any(depth < len(x) for x in lists):
            chosen += [x[depth] for x in lists if depth < len(x)]
            depth += 1
        return sorted(chosen[:CAP], key=lambda p: (p.row or 0, p.column or ""))

    def second_header(self) -> Problem | None:
        """A problem saying row 2 looks like a second header row, or None.

        That is when at least two columns have a problem in row 2 and in no
        other row, and the values found there are words, not numbers.
        """
        found = []
        for column, kept in self._by_column.items():
            if column is not None and kept and all(p.row == 2 for p in kept):
                found.append(kept[0])
        found = [p for p in found if p.value is not None]  # a blank id there counts too
        if len(found) < 2 or not all(re.search(r"[A-Za-z]", p.value or "") for p in found):
            return None
        shown = ", ".join(f"{p.value!r} under {p.column!r}" if cell_kind(p.value) is None
                          else f"a value under {p.column!r}" for p in found[:3])
        return Problem(self.label, 2, None, None,
                       f"data from row 2 on, but row 2 looks like a second header row "
                       f"({shown}): delete row 2 so that one header row is left, then save "
                       "the file")

    def raise_if_any(self) -> None:
        """Raise one :class:`DataError` with everything collected, if anything was."""
        if self.total:
            hint = self.second_header()
            shown = self.problems()
            if hint is not None:
                shown = [hint, *shown[:CAP - 1]]
            raise DataError(shown, total=self.total + (hint is not None))


def normalise_word(s: str) -> str:
    """Fold case, treat ``-``/``_`` as spaces and collapse spaces: ``" Non-Binary"`` -> ``"non binary"``."""
    return re.sub(r"[\s_\-]+", " ", str(s)).strip().casefold()


def distinct(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 = missing) and the distinct values (stripped text) of a column."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("string").astype("category")
    cats = values.cat.categories
    codes = values.cat.codes.to_numpy()
    if len(cats) and cats.dtype != "str":
        cats = pd.Index(cats.astype(str), dtype="str")
    return codes, cats


def excel_rows_at(rows: np.ndarray | None, positions: np.ndarray) -> np.ndarray:
    """Excel row numbers of ``positions``; ``rows`` None means position + 2."""
    positions = np.asarray(positions, dtype=np.int64)
    return positions + 2 if rows is None else np.asarray(rows)[positions]


def take_per_category(per_category: np.ndarray, codes: np.ndarray, missing: object) -> np.ndarray:
    """Spread per-category results to rows; code -1 picks ``missing``."""
    return np.append(per_category, np.array([missing], dtype=per_category.dtype))[codes]


def problems_for(messages: np.ndarray, codes: np.ndarray, cats: pd.Index, *, label: str,
              header: str, rows: np.ndarray | None, cap: int) -> tuple[list[Problem], int]:
    """Problems for the rows whose category has a message (object array, None = fine)."""
    bad_cat = np.array([m is not None for m in messages], dtype=bool)
    if not bad_cat.any():
        return [], 0
    flags = np.append(bad_cat, False)[codes]
    positions = np.flatnonzero(flags)
    first = positions[:cap]
    excel = excel_rows_at(rows, first)
    return [Problem(label, int(r), header, str(cats[codes[p]]), messages[codes[p]])
            for p, r in zip(first, excel, strict=True)], len(positions)


def counts(codes: np.ndarray, n: int) -> np.ndarray:
    """How many rows hold each of ``n`` categories."""
    return np.bincount(codes[codes >= 0], minlength=n) if n else np.zeros(0, dtype=np.int64)
