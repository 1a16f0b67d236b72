"""Read the values schools write (dates, yes/no, year groups, codes) into canonical ones.

Every parser works on the *distinct* values of a column (its categories) and
then maps the result back to the rows with one integer ``take``, so a column of
ten million cells holding two hundred different dates costs two hundred date
parses. Dates are in :mod:`.dates`, the shared machinery in :mod:`.parsed`;
both are re-exported here. Each parser returns a :class:`Parsed`: the values, the problems found
(capped, with the total counted) and notes about safe repairs.

A problem names the file, the Excel row (header = row 1), the column as headed
in the file, the value found and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from slc_research.data.parsing.dates import parse_dates, parse_dates_by_category
from slc_research.data.parsing.parsed import (
    CAP,
    Parsed,
    ProblemLog,
    distinct,
    excel_rows_at,
    normalise_word,
    problems_for,
    take_per_category,
)

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
    problems, total = problems_for(messages, codes, cats, label=label, header=header, rows=rows,
                                cap=cap)
    new_codes = take_per_category(per_cat, codes, -1 if blank is None else index[blank])
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

#: SEN provision as the school census codes it (N, K, E; S for the statements EHC plans
#: replaced) and as MIS exports write it out: Arbor's SEN statuses are "No Special
#: Educational Need", "Monitoring" (census N), "SEN Support" and "Education, Health and
#: Care Plan" (Arbor help, "SEN Statuses of N, E and K"); a code may come with its
#: description ("K - SEN Support").
_SEN_CODES = {
    "none": (["n"], ["none", "no", "no sen", "not sen", "0", "no special educational need",
                     "no special educational needs", "monitoring"]),
    "support": (["k", "a", "p"], ["sen support", "support", "sen", "school action",
                                  "school action plus"]),
    "ehcp": (["e", "s"], ["ehcp", "ehc plan", "ehc", "education health and care plan",
                          "education, health and care plan", "statement", "statemented",
                          "statement of sen", "statement of special educational needs"]),
}
SEN_WORDS = {
    **{w: choice for choice, (codes, words) in _SEN_CODES.items() for w in (*codes, *words)},
    **{f"{c} {w}": choice for choice, (codes, words) in _SEN_CODES.items()
       for c in codes for w in words},
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
    problems, total = problems_for(messages, codes, cats, label=label, header=header, rows=rows,
                                cap=cap)
    taken = take_per_category(out, codes, -1)
    arr = pd.arrays.IntegerArray(taken.astype(np.int8), taken < 0)
    return Parsed(pd.Series(arr, name=values.name), problems, total)


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _number(text: str, *, points: bool) -> float | None:
    t = text.strip().replace("\u2212", "-").replace("\u2013", "-")
    t = re.sub(r"^([+-])\s+", r"\1", t)  # "- 3" as some exports space a sign
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
    problems, total = problems_for(messages, codes, cats, label=label, header=header, rows=rows,
                                cap=cap)
    taken = take_per_category(out, codes, np.nan)
    arr = pd.arrays.FloatingArray(np.nan_to_num(taken), np.isnan(taken))
    return Parsed(pd.Series(arr, name=values.name), problems, total)


def parse_points(values: pd.Series, *, label: str, header: str,
                 rows: np.ndarray | None = None, cap: int = CAP) -> Parsed:
    """Behaviour points: signed numbers, also written ``+2`` or ``3 points``."""
    return parse_numbers(values, label=label, header=header, rows=rows, cap=cap, _points=True)
