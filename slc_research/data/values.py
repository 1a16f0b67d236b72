"""Read the values schools write (dates, yes/no, year groups, codes) into canonical ones.

Every parser works on the *distinct* values of a column (its categories) and
then maps the result back to the rows with one integer ``take``, so a column of
ten million cells holding two hundred different dates costs two hundred date
parses. Each parser returns a :class:`Parsed`: the values, the problems found
(capped, with the total counted) and notes about safe repairs.

A problem names the file, the Excel row (header = row 1), the column as headed
in the file, the value found and what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slc_research.errors import MAX_PROBLEMS_SHOWN, DataError, Problem

__all__ = [
    "BOOLEAN_WORDS",
    "GENDER_WORDS",
    "PRIOR_ATTAINMENT_WORDS",
    "SEN_WORDS",
    "SESSION_WORDS",
    "Parsed",
    "ProblemLog",
    "distinct",
    "excel_rows_at",
    "normalise_word",
    "parse_booleans",
    "parse_choice",
    "parse_dates",
    "parse_dates_by_category",
    "parse_gender",
    "parse_numbers",
    "parse_points",
    "parse_prior_attainment",
    "parse_sen",
    "parse_sessions",
    "parse_year_groups",
]

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

    def raise_if_any(self) -> None:
        """Raise one :class:`DataError` with everything collected, if anything was."""
        if self.total:
            raise DataError(self.problems(), total=self.total)


# ---------------------------------------------------------------------------- helpers


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


def _take(per_category: np.ndarray, codes: np.ndarray, missing: object) -> np.ndarray:
    """Spread per-category results to rows; code -1 picks ``missing``."""
    return np.append(per_category, np.array([missing], dtype=per_category.dtype))[codes]


def _problems(messages: np.ndarray, codes: np.ndarray, cats: pd.Index, *, label: str,
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


def _counts(codes: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(codes[codes >= 0], minlength=n) if n else np.zeros(0, dtype=np.int64)


# ---------------------------------------------------------------------------- choices


def parse_choice(values: pd.Series, vocabulary: Mapping[str, str | None], *, label: str,
                 header: str, expected: str, rows: np.ndarray | None = None,
                 blank: str | None = None, categories: Sequence[str] | None = None,
                 cap: int = CAP) -> Parsed:
    """Map words to canonical choices, case-, space- and hyphen-insensitively.

    Parameters
    ----------
    values : Series
        Raw text (``category`` preferred).
    vocabulary : mapping
        Word as written (any case) -> canonical choice (None: counts as missing).
    label, header : str
        The file and the column as headed in it, for problems.
    expected : str
        What a problem says was expected, e.g. ``"F, M, X or U"``.
    rows : ndarray, optional
        Excel row of each value; default position + 2.
    blank : str, optional
        The choice a blank cell means (default: missing).
    categories : sequence of str, optional
        Categories of the result, in order; default the vocabulary's choices.

    Returns
    -------
    Parsed
        ``values`` is a ``category`` Series.
    """
    lookup = {normalise_word(k): v for k, v in vocabulary.items()}
    codes, cats = distinct(values)
    cat_order = list(dict.fromkeys(categories or [v for v in vocabulary.values() if v]))
    index = {c: i for i, c in enumerate(cat_order)}
    per_cat = np.full(len(cats), -1, dtype=np.int64)
    messages = np.full(len(cats), None, dtype=object)
    for i, raw in enumerate(cats):
        key = normalise_word(raw)
        if key in lookup:
            choice = lookup[key]
            per_cat[i] = -1 if choice is None else index[choice]
        elif key == "":
            per_cat[i] = -1 if blank is None else index[blank]
        else:
            messages[i] = expected
    problems, total = _problems(messages, codes, cats, label=label, header=header, rows=rows,
                                cap=cap)
    new_codes = _take(per_cat, codes, -1 if blank is None else index[blank])
    cat = pd.Categorical.from_codes(new_codes, categories=cat_order, validate=False)
    return Parsed(pd.Series(cat, name=values.name), problems, total)


#: Words for yes and no.
BOOLEAN_WORDS: dict[str, bool] = {
    **dict.fromkeys(["y", "yes", "true", "t", "1", "x", "ticked", "✓", "✔", "on",
                     "present", "attended"], True),
    **dict.fromkeys(["n", "no", "false", "f", "0", "not ticked", "off", "absent"], False),
}

GENDER_WORDS = {
    **dict.fromkeys(["f", "female", "girl", "woman"], "F"),
    **dict.fromkeys(["m", "male", "boy", "man"], "M"),
    **dict.fromkeys(["x", "other", "non binary", "nonbinary", "non-binary"], "X"),
    **dict.fromkeys(["u", "unknown", "prefer not to say", "not stated", "not known",
                     "not recorded"], "U"),
}

SEN_WORDS = {
    **dict.fromkeys(["n", "none", "no", "no sen", "not sen", "0"], "none"),
    **dict.fromkeys(["k", "sen support", "support", "sen", "school action",
                     "school action plus", "a", "p"], "support"),
    **dict.fromkeys(["e", "ehcp", "ehc plan", "ehc", "education health and care plan",
                     "statement", "statemented", "s"], "ehcp"),
}

PRIOR_ATTAINMENT_WORDS = {
    **dict.fromkeys(["l", "low", "lower", "lpa", "below"], "low"),
    **dict.fromkeys(["m", "middle", "mid", "medium", "mpa", "average", "at"], "middle"),
    **dict.fromkeys(["h", "high", "higher", "upper", "hpa", "above"], "high"),
    **dict.fromkeys(["n/a", "na", "unknown", "not known", "no data"], None),
}

SESSION_WORDS = {
    **dict.fromkeys(["am", "a", "morning", "a.m.", "a.m", "mor"], "AM"),
    **dict.fromkeys(["pm", "p", "afternoon", "p.m.", "p.m", "aft"], "PM"),
}


def parse_gender(values: pd.Series, *, label: str, header: str,
                 rows: np.ndarray | None = None, cap: int = CAP) -> Parsed:
    """Gender as F, M, X (other, non-binary) or U (not known); blank is missing."""
    return parse_choice(values, GENDER_WORDS, label=label, header=header, rows=rows, cap=cap,
                        expected="F/Female/Girl, M/Male/Boy, X/Other/Non-binary or "
                                 "U/Unknown/Prefer not to say",
                        categories=["F", "M", "X", "U"])


def parse_sen(values: pd.Series, *, label: str, header: str,
              rows: np.ndarray | None = None, cap: int = CAP) -> Parsed:
    """SEN status as none, support (K) or ehcp (E); blank means none."""
    return parse_choice(values, SEN_WORDS, label=label, header=header, rows=rows, cap=cap,
                        expected="N/None, K/SEN support or E/EHCP (or leave it blank for none)",
                        blank="none", categories=["none", "support", "ehcp"])


def parse_prior_attainment(values: pd.Series, *, label: str, header: str,
                           rows: np.ndarray | None = None, cap: int = CAP) -> Parsed:
    """Prior attainment band as low, middle or high; blank is missing."""
    return parse_choice(values, PRIOR_ATTAINMENT_WORDS, label=label, header=header, rows=rows,
                        cap=cap, expected="L/Low, M/Middle or H/High",
                        categories=["low", "middle", "high"])


def parse_sessions(values: pd.Series, *, label: str, header: str,
                   rows: np.ndarray | None = None, cap: int = CAP) -> Parsed:
    """Register session as AM or PM (also am, A, Morning, P, Afternoon)."""
    return parse_choice(values, SESSION_WORDS, label=label, header=header, rows=rows, cap=cap,
                        expected="AM or PM (or Morning/Afternoon)", categories=["AM", "PM"])


def parse_booleans(values: pd.Series, *, label: str, header: str,
                   rows: np.ndarray | None = None, blank: bool | None = None,
                   cap: int = CAP) -> Parsed:
    """Yes/no as a ``boolean`` Series: Y/Yes/True/1/x/ticked and N/No/False/0.

    A blank cell is missing, or ``blank`` if given.
    """
    words = {k: ("yes" if v else "no") for k, v in BOOLEAN_WORDS.items()}
    parsed = parse_choice(values, words, label=label, header=header, rows=rows, cap=cap,
                          expected="Y/Yes/True/1/x for yes or N/No/False/0 for no",
                          categories=["no", "yes"],
                          blank=None if blank is None else ("yes" if blank else "no"))
    codes = parsed.values.cat.codes.to_numpy()
    data = codes == 1
    out = pd.arrays.BooleanArray(data, codes < 0)
    return Parsed(pd.Series(out, name=values.name), parsed.problems, parsed.total)


# ---------------------------------------------------------------------------- numbers


_YEAR = re.compile(r"^(?:y|yr|yg|year|year group|yeargroup)?\s*\.?\s*0*(\d{1,2})$", re.I)


def parse_year_groups(values: pd.Series, *, label: str, header: str,
                      rows: np.ndarray | None = None, cap: int = CAP) -> Parsed:
    """Year groups 7, Y7, Year 7, yr7 -> 7; Reception (R) -> 0; valid 0..14."""
    codes, cats = distinct(values)
    out = np.full(len(cats), -1, dtype=np.int64)
    messages = np.full(len(cats), None, dtype=object)
    for i, raw in enumerate(cats):
        key = normalise_word(raw)
        m = _YEAR.match(key)
        if key in ("r", "rec", "reception", "yr r", "year r"):
            out[i] = 0
        elif m and 1 <= int(m.group(1)) <= 14:
            out[i] = int(m.group(1))
        else:
            messages[i] = "a year group from 1 to 14 (7, Y7 or Year 7) or R for Reception"
    problems, total = _problems(messages, codes, cats, label=label, header=header, rows=rows,
                                cap=cap)
    taken = _take(out, codes, -1)
    arr = pd.arrays.IntegerArray(taken.astype(np.int8), taken < 0)
    return Parsed(pd.Series(arr, name=values.name), problems, total)


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _number(text: str, *, points: bool) -> float | None:
    t = text.strip().replace("\u2212", "-").replace("\u2013", "-")
    if points:
        t = re.sub(r"\s*(points?|pts?)$", "", t, flags=re.I)
    if t.endswith("%"):
        t = t[:-1].strip()
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    try:
        v = float(t)
    except ValueError:
        return None
    return v if np.isfinite(v) else None


def parse_numbers(values: pd.Series, *, label: str, header: str,
                  rows: np.ndarray | None = None, minimum: float | None = None,
                  maximum: float | None = None, cap: int = CAP, _points: bool = False) -> Parsed:
    """Numbers as ``Float64`` (also ``1,234``, ``85%``, a Unicode minus); blank is missing."""
    codes, cats = distinct(values)
    out = np.full(len(cats), np.nan)
    messages = np.full(len(cats), None, dtype=object)
    bounds = ""
    if minimum is not None or maximum is not None:
        bounds = f" from {minimum if minimum is not None else '-'} to " \
                 f"{maximum if maximum is not None else '-'}"
    for i, raw in enumerate(cats):
        v = _number(raw, points=_points)
        if v is None or (minimum is not None and v < minimum) or (
                maximum is not None and v > maximum):
            messages[i] = f"a number{bounds}" + (" (e.g. 3 or -2)" if _points else "")
        else:
            out[i] = v
    problems, total = _problems(messages, codes, cats, label=label, header=header, rows=rows,
                                cap=cap)
    taken = _take(out, codes, np.nan)
    arr = pd.arrays.FloatingArray(np.nan_to_num(taken), np.isnan(taken))
    return Parsed(pd.Series(arr, name=values.name), problems, total)


def parse_points(values: pd.Series, *, label: str, header: str,
                 rows: np.ndarray | None = None, cap: int = CAP) -> Parsed:
    """Behaviour points: signed numbers, also written ``+2`` or ``3 points``."""
    return parse_numbers(values, label=label, header=header, rows=rows, cap=cap, _points=True)


# ---------------------------------------------------------------------------- dates


_UK_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y",
               "%d-%b-%Y", "%d-%b-%y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_TZ = re.compile(r"(?<=\d)(?:Z|[+-]\d{2}:?\d{2})$")
_WEEKDAY = re.compile(r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+", re.I)
EARLIEST = pd.Timestamp("1990-01-01")
_DAY_MS = 86_400_000


def _to_dates(texts: pd.Series, fmt: str) -> np.ndarray:
    parsed = pd.to_datetime(texts, format=fmt, errors="coerce")
    return parsed.to_numpy(dtype="datetime64[ms]")


def parse_dates_by_category(values: pd.Series, *, label: str, header: str,
                            rows: np.ndarray | None = None, date_format: str | None = None,
                            today: dt.date | None = None, cap: int = CAP,
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
        lambda s: _TZ.sub("", _WEEKDAY.sub("", s.strip())))
    out = np.full(len(cats), np.datetime64("NaT"), dtype="datetime64[ms]")
    iso = text.str.match(_ISO.pattern).to_numpy(dtype=bool) if len(cats) else np.zeros(0, bool)
    if iso.any():
        out[iso] = _to_dates(text[iso], "ISO8601")
    todo = np.isnat(out)
    formats = (date_format,) if date_format else _UK_FORMATS
    for fmt in formats:
        if not todo.any():
            break
        out[todo] = _to_dates(text[todo], fmt)
        todo = np.isnat(out)
    notes: list[str] = []
    if todo.any() and not date_format:
        serial = todo & text.str.fullmatch(r"\d{5}(?:\.0+)?").to_numpy(dtype=bool)
        days = text[serial].astype(float).to_numpy()
        ok = (days >= 32874) & (days <= 73051)  # 1990-01-01 .. 2099-12-31
        where = np.flatnonzero(serial)[ok]
        out[where] = np.datetime64("1899-12-30", "ms") + (
            days[ok] * _DAY_MS).astype("timedelta64[ms]")
        n = int(_counts(codes, len(cats))[where].sum())
        if n:
            notes.append(f"{header}: {n} date{'s' if n != 1 else ''} written as Excel day numbers "
                         "(like 45901) were read as dates.")
        todo = np.isnat(out)
    latest = pd.Timestamp(today or dt.date.today()) + pd.DateOffset(years=1)
    messages = np.full(len(cats), None, dtype=object)
    messages[todo] = (f"a date in the form {_example(date_format)}" if date_format else
                      "a date like 01/09/2025 (day first) or 2025-09-01")
    stamps = pd.DatetimeIndex(out)
    out_of_range = ~todo & np.asarray((stamps < EARLIEST) | (stamps > latest))
    messages[out_of_range] = (f"a date between {EARLIEST:%d/%m/%Y} and {latest:%d/%m/%Y} "
                              "(check the year)")
    problems, total = _problems(messages, codes, cats, label=label, header=header, rows=rows,
                                cap=cap)
    out[out_of_range] = np.datetime64("NaT")
    return codes, out, Parsed(pd.Series([], dtype="datetime64[ms]"), problems, total, notes)


def parse_dates(values: pd.Series, *, label: str, header: str,
                rows: np.ndarray | None = None, date_format: str | None = None,
                today: dt.date | None = None, cap: int = CAP) -> Parsed:
    """Dates as ``datetime64[ms]``, read day first.

    Without ``date_format``: ISO ``2025-09-01`` (with or without a time), UK
    ``01/09/2025``, ``01/09/25``, ``01-09-2025``, ``01.09.2025``, ``1 Sep 2025``
    (a leading weekday is ignored), and Excel day numbers (``45901``, noted).
    With ``date_format`` (a strftime format): that format, or ISO. A date
    before 1990 or more than a year after ``today`` is a problem. Blank is missing.
    """
    codes, per_category, parsed = parse_dates_by_category(
        values, label=label, header=header, rows=rows, date_format=date_format, today=today,
        cap=cap)
    parsed.values = pd.Series(_take(per_category, codes, np.datetime64("NaT", "ms")),
                              name=values.name)
    return parsed


def _example(fmt: str) -> str:
    try:
        return f"{fmt!r}, e.g. {dt.date(2025, 9, 1).strftime(fmt)}"
    except ValueError:  # pragma: no cover - a format strftime rejects
        return repr(fmt)
