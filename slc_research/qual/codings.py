"""Codings joined to the texts they code: the base table of every qualitative summary.

- :func:`coded_texts`: one row per coding with its excerpt and the text's facts
  (source, community, author, date, whether it may be quoted).
- :func:`primary_codings`: one coder's view of each text, so that a text coded
  twice (for a reliability check) is counted once.
- :func:`term_of`: the school term ("Autumn", "Spring", "Summer") of dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from slc_research.data.frames import member_of
from slc_research.errors import ConfigError
from slc_research.measures.attendance import school_period

__all__ = [
    "CODED_TEXT_COLUMNS",
    "NO_CODING",
    "coded_texts",
    "primary_codings",
    "select_texts",
    "term_of",
]

#: Columns of :func:`coded_texts`, in order.
CODED_TEXT_COLUMNS = ("text_id", "coder", "code", "start", "end", "excerpt", "source",
                      "community", "author_id", "author_type", "date", "quotable")
#: What a report says when a workspace has no codebook or codings yet.
NO_CODING = ("No coding yet: code texts with the coder (slc_research.widgets) or import a "
             "QDA project")
_TEXT_COLUMNS = ("text_id", "text")
_CODING_COLUMNS = ("text_id", "coder", "code")


def term_of(dates: pd.Series | pd.DatetimeIndex | Sequence) -> pd.Series:
    """The school term of each date: ``"Autumn"``, ``"Spring"`` or ``"Summer"``.

    Uses the rule of :func:`slc_research.measures.attendance.school_period`
    (autumn August-December, spring January-March, summer April-July).

    Parameters
    ----------
    dates : Series, DatetimeIndex or sequence of dates
        Missing dates give a missing term.

    Returns
    -------
    Series of string
        Same length (and, for a Series, same index) as ``dates``.

    Examples
    --------
    >>> term_of(pd.Series(pd.to_datetime(["2025-10-01", "2026-02-01", "2026-06-01"]))).tolist()
    ['Autumn', 'Spring', 'Summer']
    """
    index = dates.index if isinstance(dates, pd.Series) else None
    d = pd.DatetimeIndex(pd.to_datetime(pd.Series(dates).to_numpy(), errors="coerce"))
    names = school_period(d.fillna(pd.Timestamp("2000-01-01")), by="term").str.capitalize()
    out = names.where(~np.asarray(d.isna()), pd.NA).astype("string")
    if index is not None:
        out.index = index
    return out


def primary_codings(codings: pd.DataFrame, *, coder: str | None = None) -> pd.DataFrame:
    """One coder's codings of each text, so that no text is counted twice.

    Parameters
    ----------
    codings : DataFrame
        The ``codings`` table (``text_id``, ``coder``, ``code``, ...).
    coder : str, optional
        Keep only this coder's codings. By default each text keeps the codings
        of the first coder (in alphabetical order) who coded it: the main coder
        for texts coded twice, and whoever coded the others.

    Returns
    -------
    DataFrame
        The rows kept, columns unchanged.

    Raises
    ------
    ConfigError
        Missing columns, or a ``coder`` who coded nothing.
    """
    require_columns(codings, _CODING_COLUMNS, "codings")
    frame = codings.dropna(subset=["text_id", "code"])
    if coder is not None:
        found = sorted(map(str, frame["coder"].dropna().unique()))
        if coder not in found:
            raise ConfigError(f"no codings by coder {coder!r}; coders are "
                              f"{', '.join(found) or '(none)'}", key="coder")
        return frame[frame["coder"] == coder]
    first = frame.assign(_c=frame["coder"].astype("string").fillna("")) \
        .groupby("text_id", sort=False)["_c"].transform("min")
    return frame[frame["coder"].astype("string").fillna("").to_numpy() == first.to_numpy()]


def coded_texts(texts: pd.DataFrame, codings: pd.DataFrame, *,
                coder: str | None = None) -> pd.DataFrame:
    """Codings joined to their texts, with the coded excerpt.

    Parameters
    ----------
    texts : DataFrame
        The ``texts`` table (``text_id``, ``text``, ``source``, ``community``,
        ``author_id``, ``author_type``, ``date``, ``quotable``).
    codings : DataFrame
        The ``codings`` table (``text_id``, ``coder``, ``code``, ``start``, ``end``).
    coder : str, optional
        Keep only this coder's codings; by default every coder's.

    Returns
    -------
    DataFrame
        One row per coding: ``text_id``, ``coder``, ``code``, ``start``, ``end``,
        ``excerpt`` (``text[start:end]``, clipped to the text and stripped; the
        whole text when start or end is missing or the span is empty),
        ``source``, ``community``, ``author_id``, ``author_type``, ``date`` and
        ``quotable`` (False when unknown). ``attrs["dropped"]`` counts the codings
        whose text is not in ``texts`` (a withdrawn author's text, or a typo):
        they are left out.

    Raises
    ------
    ConfigError
        Missing columns, or a ``coder`` who coded nothing.
    """
    require_columns(texts, _TEXT_COLUMNS, "texts")
    require_columns(codings, _CODING_COLUMNS, "codings")
    chosen = codings.dropna(subset=["text_id", "code"])
    if coder is not None:
        chosen = primary_codings(chosen, coder=coder)
    chosen = chosen.copy()
    for col in ("start", "end"):
        if col not in chosen.columns:
            chosen[col] = pd.array([pd.NA] * len(chosen), dtype="Int64")
    facts = texts.drop_duplicates("text_id").copy()
    for col, dtype in (("source", "string"), ("community", "string"), ("author_id", "string"),
                       ("author_type", "string"), ("date", "datetime64[ns]"),
                       ("quotable", "boolean")):
        if col not in facts.columns:
            facts[col] = pd.Series(pd.NA, index=facts.index, dtype=dtype)
    facts = facts[["text_id", "text", "source", "community", "author_id", "author_type",
                   "date", "quotable"]]
    keys = chosen["text_id"].astype("string")
    known = member_of(keys, facts["text_id"].astype("string"))
    chosen = chosen[known]
    joined = chosen.assign(text_id=keys[known]).merge(
        facts.assign(text_id=facts["text_id"].astype("string")), on="text_id", how="left")
    joined["excerpt"] = _excerpts(joined["text"], joined["start"], joined["end"])
    joined["quotable"] = joined["quotable"].astype("boolean").fillna(False)
    out = joined[list(CODED_TEXT_COLUMNS)].reset_index(drop=True)
    out.attrs["dropped"] = int((~known).sum())
    return out


def select_texts(texts: pd.DataFrame, *, source: str = "", community: str = "") -> pd.DataFrame:
    """The texts of one source and/or one community (``""`` for all).

    Parameters
    ----------
    texts : DataFrame
        The ``texts`` table.
    source, community : str
        E.g. ``"interview"``; ``""`` keeps every source (community).

    Returns
    -------
    DataFrame
        The rows kept, columns unchanged.

    Raises
    ------
    ConfigError
        A source or community no text comes from (naming those that exist).
    """
    require_columns(texts, ("text_id", "source", "community"), "texts")
    keep = pd.Series(True, index=texts.index)
    for name, value in (("source", source), ("community", community)):
        if not value:
            continue
        found = texts[name].astype("string")
        if not (found == value).any():
            known = sorted(set(found.dropna()))
            raise ConfigError(f"no texts have {name} {value!r}; {name}s in this enquiry are "
                              f"{', '.join(known) or '(none)'}, or \"\" for all", key=name)
        keep &= (found == value).fillna(False).to_numpy()
    return texts[keep.to_numpy()]


# --- internals -------------------------------------------------------------------------------

def require_columns(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"expected the {name} table as a DataFrame, got "
                          f"{type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"the {name} table lacks column(s) {', '.join(missing)}; found "
                          f"{', '.join(map(str, frame.columns)) or '(none)'}")


def _excerpts(text: pd.Series, start: pd.Series, end: pd.Series) -> pd.Series:
    out = []
    for t, s, e in zip(text.astype(object), start.astype(object), end.astype(object),
                       strict=True):
        whole = "" if t is None or t is pd.NA or (isinstance(t, float) and np.isnan(t)) \
            else str(t)
        if pd.isna(s) or pd.isna(e):
            out.append(whole.strip())
            continue
        lo, hi = max(0, int(s)), min(len(whole), int(e))
        piece = whole[lo:hi].strip() if hi > lo else ""
        out.append(piece or whole.strip())
    return pd.Series(out, index=text.index, dtype="string")
