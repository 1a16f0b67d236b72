"""Tick-all-that-apply answers split into one yes/no item per option.

Microsoft Forms joins the ticked options with ``;`` (and a trailing ``;``),
Google Forms with ``", "`` and Qualtrics with ``","`` (see
:data:`slc_research.data.loading.survey_exports.SEPARATORS`). An option may itself
hold the separator ("Art, craft and design"): the form's own list of options
resolves that. Work is done once per distinct answer.

Options that differ only in case, spacing or Unicode form ("Stata" and "STATA",
"Spatial analysis" and "spatial  analysis": Google Forms keeps an "Other"
answer or an option edited mid-survey as typed) are one option: a respondent
who ticked either ticked it, and it has one item code. Two different options
whose item codes would coincide ("C++" and "C#") get ``_2``, ``_3`` ...
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slc_research.data.parsing.values import distinct

__all__ = ["Choices", "option_code", "option_codes", "split_choices"]


def option_code(item: str, option: str) -> str:
    """The item code of one option of a tick-all-that-apply question: ``clubs_art_and_design``."""
    slug = re.sub(r"[^0-9a-z]+", "_", option.casefold()).strip("_") or "blank"
    return f"{item}_{slug}"


def option_codes(item: str, options: list[str]) -> list[str]:
    """One distinct item code per option: ``_2``, ``_3`` ... where two codes would coincide."""
    seen: dict[str, int] = {}
    out = []
    for option in options:
        code = option_code(item, option)
        seen[code] = seen.get(code, 0) + 1
        out.append(code if seen[code] == 1 else f"{code}_{seen[code]}")
    return out


@dataclass(frozen=True)
class Choices:
    """A tick-all-that-apply column split into one 0/1 column per option.

    Attributes
    ----------
    options : list of str
        The options, in the order listed (or first seen).
    ticked : ndarray of float, shape (n, len(options))
        1 ticked, 0 not ticked, NaN when the question was left blank.
    other : ndarray of float
        1 where an answer outside the listed options was given (NaN when blank).
    n_other : int
        Rows with such an answer.
    merged : dict
        Option -> the other spellings read as it (case, spacing), when any.
    """

    options: list[str]
    ticked: np.ndarray
    other: np.ndarray
    n_other: int
    merged: dict[str, list[str]] = field(default_factory=dict)


def _choice_key(s: str) -> str:
    """An option compared ignoring case, spaces and Unicode form.

    (Qualtrics joins "A, b" and "c" as "A, b,c"; Google Forms keeps "STATA" beside "Stata".)
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s).casefold())


def _parts(answer: str, separator: str, known: dict[str, str]) -> tuple[list[str], bool]:
    """Split one joined answer into options; the known options may contain the separator."""
    pieces = [p.strip() for p in answer.split(separator.strip())]
    pieces = [p for p in pieces if p]
    found, other, i = [], False, 0
    while i < len(pieces):
        for j in range(len(pieces), i, -1):  # the longest run of pieces that is one option
            joined = _choice_key(separator.join(pieces[i:j]))
            if joined in known:
                found.append(known[joined])
                i = j
                break
        else:
            if known:
                other = True
            else:
                found.append(pieces[i])
            i += 1
    return found, other


def split_choices(values: pd.Series, separator: str, options: list[str] | None = None, *,
                  min_count: int = 2) -> Choices:
    """Split the answers of a tick-all-that-apply question into one 0/1 column per option.

    Parameters
    ----------
    values : Series
        The column (``category`` of text); blank = not answered.
    separator : str
        How the tool joins ticked answers (``";"``, ``", "``, ``","``).
    options : list of str, optional
        The question's options as listed on the form. An option may itself
        contain the separator (``"Art, craft and design"``); answers outside the
        list (a typed "Other") count under ``other`` and their text is not kept.
    min_count : int, default 2
        Without a list, a piece of the answers is an option when at least this
        many respondents gave it; rarer pieces count under ``other``, since a
        typed "Other" answer may name someone and must not become an item code.

    Returns
    -------
    Choices
    """
    codes, cats = distinct(values)
    known: dict[str, str] = {}
    for o in options or []:
        known.setdefault(_choice_key(o), o)  # a listed option's first spelling names it
    per_cat = [_parts(str(c), separator, known) for c in cats]
    merged: dict[str, list[str]] = {}
    if options:
        order = list(dict.fromkeys(known[_choice_key(o)] for o in options))
        for o in options:
            if o != known[_choice_key(o)] and o not in merged.setdefault(known[_choice_key(o)], []):
                merged[known[_choice_key(o)]].append(o)
    else:
        rows = np.bincount(codes[codes >= 0], minlength=len(cats))
        given: dict[str, dict[str, int]] = {}  # key -> spelling -> respondents
        for (found, _), n in zip(per_cat, rows, strict=True):
            for piece in dict.fromkeys(found):
                spellings = given.setdefault(_choice_key(piece), {})
                spellings[piece] = spellings.get(piece, 0) + int(n)
        # one option per key, named by its most given spelling (the first seen on a tie)
        name = {k: max(sp, key=sp.__getitem__) for k, sp in given.items()}
        merged = {name[k]: [p for p in sp if p != name[k]] for k, sp in given.items()
                  if len(sp) > 1 and sum(sp.values()) >= min_count}
        order = [name[k] for k, sp in given.items() if sum(sp.values()) >= min_count]
        keep = {_choice_key(o) for o in order}
        per_cat = [([name[_choice_key(p)] for p in found if _choice_key(p) in keep],
                    any(_choice_key(p) not in keep for p in found)) for found, _ in per_cat]
    index = {o: j for j, o in enumerate(order)}
    table = np.zeros((len(cats) + 1, len(order)))
    other = np.zeros(len(cats) + 1)
    for i, (found, is_other) in enumerate(per_cat):
        table[i, [index[o] for o in found]] = 1.0
        other[i] = float(is_other)
    table[-1], other[-1] = np.nan, np.nan  # blank: not answered
    ticked, other_rows = table[codes], other[codes]
    return Choices(order, ticked, other_rows, int(np.nansum(other_rows)), merged)
