"""Tick-all-that-apply answers split into one yes/no item per option.

Microsoft Forms joins the ticked options with ``;`` (and a trailing ``;``),
Google Forms with ``", "`` and Qualtrics with ``","`` (see
:data:`slc_research.data.loading.survey_exports.SEPARATORS`). An option may itself
hold the separator ("Art, craft and design"): the form's own list of options
resolves that. Work is done once per distinct answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slc_research.data.parsing.values import distinct

__all__ = ["Choices", "option_code", "split_choices"]


def option_code(item: str, option: str) -> str:
    """The item code of one option of a tick-all-that-apply question: ``clubs_art_and_design``."""
    slug = re.sub(r"[^0-9a-z]+", "_", option.casefold()).strip("_") or "blank"
    return f"{item}_{slug}"


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
    """

    options: list[str]
    ticked: np.ndarray
    other: np.ndarray
    n_other: int


def _choice_key(s: str) -> str:
    """An option compared ignoring case and spaces (Qualtrics joins "A, b" and "c" as "A, b,c")."""
    return re.sub(r"\s+", "", s.casefold())


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
    known = {_choice_key(o): o for o in options or []}
    per_cat = [_parts(str(c), separator, known) for c in cats]
    if options:
        order = list(options)
    else:
        rows = np.bincount(codes[codes >= 0], minlength=len(cats))
        given: dict[str, int] = {}
        for (found, _), n in zip(per_cat, rows, strict=True):
            for piece in dict.fromkeys(found):
                given[piece] = given.get(piece, 0) + int(n)
        order = [p for p, n in given.items() if n >= min_count]
        per_cat = [([p for p in found if p in order], any(p not in order for p in found))
                   for found, _ in per_cat]
    index = {o: j for j, o in enumerate(order)}
    table = np.zeros((len(cats) + 1, len(order)))
    other = np.zeros(len(cats) + 1)
    for i, (found, is_other) in enumerate(per_cat):
        table[i, [index[o] for o in found]] = 1.0
        other[i] = float(is_other)
    table[-1], other[-1] = np.nan, np.nan  # blank: not answered
    ticked, other_rows = table[codes], other[codes]
    return Choices(order, ticked, other_rows, int(np.nansum(other_rows)))
