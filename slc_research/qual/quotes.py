"""Exemplar quotes for each code, attributed by a report-local label and role only.

A quote never carries the author's pseudonym: pupils and staff are numbered
within the report ("Pupil 3", "Staff member 1") in an order fixed by a hash of
the pseudonym (not the roster's order), with their role in the community the
text comes from ("Pupil 3, Pedagogy lead"). Parents are "A parent" and
anonymous authors "Anonymous respondent". Only texts marked quotable are used.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from slc_research.data.frames import member_of
from slc_research.errors import ConfigError
from slc_research.qual.frequencies import primary_view

__all__ = ["attribution_labels", "exemplar_quotes", "shorten"]

_KIND = {"pupil": "Pupil", "staff": "Staff member"}
_FIXED = {"parent": "A parent"}
_UNNAMED = {"pupil": "A pupil", "staff": "A member of staff"}
_ANONYMOUS = "Anonymous respondent"
_PSEUDONYM = re.compile(r"\b[PSGA]-[0-9A-Fa-f]{10}\b")
_SENTENCE_END = (".", "!", "?", "…", "\"", "'", "”", "’")


def shorten(text: str, max_chars: int) -> str:
    """``text`` cut at a word boundary to at most ``max_chars`` characters, ending "…".

    Examples
    --------
    >>> shorten("We plan the lesson together and then we teach it", 20)
    'We plan the lesson…'
    """
    text = " ".join(str(text).split())
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars - 1]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def attribution_labels(authors: pd.DataFrame, memberships: pd.DataFrame | None = None
                       ) -> pd.Series:
    """The report-local attribution of each (author, community): label and role, no pseudonym.

    Parameters
    ----------
    authors : DataFrame
        ``author_id``, ``author_type`` and ``community`` per quote.
    memberships : DataFrame, optional
        The ``memberships`` table (``member_id``, ``community``, ``role``): an
        author's role in the text's community is added when known.

    Returns
    -------
    Series of string
        Same index as ``authors``: e.g. ``"Pupil 3, Pedagogy lead"``,
        ``"Staff member 1"``, ``"A parent"``, ``"A pupil"`` / ``"A member of staff"``
        (no author id: an anonymous answer) or ``"Anonymous respondent"``.
    """
    kind = authors["author_type"].astype("string").str.lower().fillna("anonymous")
    ids = authors["author_id"].astype("string")
    numbers: dict[tuple[str, str], int] = {}
    for k in _KIND:
        people = sorted(set(ids[(kind == k) & ids.notna()].astype(str)),
                        key=lambda p: hashlib.sha256(p.encode()).hexdigest())
        numbers.update({(k, p): i for i, p in enumerate(people, start=1)})
    roles = _roles(memberships)
    labels = []
    for k, person, community in zip(kind, ids.astype(object),
                                    authors["community"].astype(object), strict=True):
        if k in _KIND and isinstance(person, str):
            label = f"{_KIND[k]} {numbers[(k, person)]}"
            role = roles.get((person, community)) if isinstance(community, str) else None
            labels.append(f"{label}, {role}" if role else label)
        else:
            labels.append(_FIXED.get(k) or _UNNAMED.get(k) or _ANONYMOUS)
    return pd.Series(labels, index=authors.index, dtype="string")


def exemplar_quotes(texts: pd.DataFrame, codings: pd.DataFrame, *,
                    codes: Sequence[str] | None = None, per_code: int = 1,
                    memberships: pd.DataFrame | None = None, max_chars: int = 240,
                    seed: int = 0, coder: str | None = None) -> pd.DataFrame:
    """Exemplar quotes for each code, from quotable texts, attributed by label and role only.

    Parameters
    ----------
    texts, codings : DataFrame
        The ``texts`` and ``codings`` tables (names already redacted in texts).
    codes : list of str, optional
        Codes to quote, in this order (default: every code used, by name).
    per_code : int, default 1
        Quotes per code (fewer when fewer quotable texts have the code).
    memberships : DataFrame, optional
        The ``memberships`` table, for the author's role in the text's community.
    max_chars : int, default 240
        Longer excerpts are cut at a word boundary and end with "…".
    seed : int, default 0
        Seed of the choice among equally good excerpts (same seed, same quotes).
    coder : str, optional
        Use only this coder's codings (default: the first coder of each text).

    Returns
    -------
    DataFrame
        ``code``, ``quote``, ``attribution``: one row per quote, codes in order.
        No ids: the attribution is e.g. ``"Pupil 3, Pedagogy lead"``.

    Raises
    ------
    ConfigError
        A bad ``per_code`` or ``max_chars``.

    Notes
    -----
    Preferred, in turn: passages both coders gave the code (when a text was
    coded twice), excerpts that are whole sentences (starting with a capital
    letter and ending with a full stop, question or exclamation mark), ones
    that fit in ``max_chars``; among equals the choice is random with ``seed``.
    One author is quoted at most once per code, and a text already quoted for
    an earlier code only when no other text has the code. Any pseudonym left
    in a text is replaced by "[id]".
    """
    for name, value, low in (("per_code", per_code, 1), ("max_chars", max_chars, 20)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise ConfigError(f"{name} must be a whole number of at least {low}, not {value!r}",
                              key=name)
    ct = primary_view(texts, codings, coder)
    ct = ct[ct["quotable"].to_numpy(dtype=bool)]
    ct = ct[ct["excerpt"].fillna("").str.strip().str.len() > 0]
    wanted = sorted(ct["code"].astype(str).unique()) if codes is None else list(codes)
    ct = ct[ct["code"].astype(str).isin(wanted)].drop_duplicates(["code", "text_id", "excerpt"])
    ct = ct.sort_values(["code", "text_id", "excerpt"], kind="stable")  # input order is moot
    agreed = codings.dropna(subset=["text_id", "code"]).astype({"text_id": "string"}) \
        .assign(code=lambda c: c["code"].astype(str)) \
        .groupby(["text_id", "code"])["coder"].nunique()
    ct = ct.assign(
        _agreed=[int(agreed.get((t, str(c)), 1)) for t, c in zip(ct["text_id"], ct["code"],
                                                                   strict=True)],
        _whole=ct["excerpt"].map(_whole_sentence).astype(bool),
        _fits=(ct["excerpt"].str.len() <= max_chars).astype(bool),
        _draw=np.random.default_rng(seed).permutation(len(ct)),
        _person=ct["author_id"].astype("string").fillna(ct["text_id"].astype("string")),
    )
    ct = ct.sort_values(["_agreed", "_whole", "_fits", "_draw"],
                        ascending=[False, False, False, True], kind="stable")
    chosen = _pick(ct.drop_duplicates(["code", "_person"]), wanted, per_code)
    out = pd.DataFrame({
        "code": chosen["code"].astype("string"),
        "quote": chosen["excerpt"].map(lambda t: shorten(_PSEUDONYM.sub("[id]", t), max_chars)),
        "attribution": attribution_labels(chosen, memberships),
    }).reset_index(drop=True)
    return out.astype({"quote": "string", "attribution": "string"})


# --- internals -------------------------------------------------------------------------------

def _pick(ranked: pd.DataFrame, codes: list[str], per_code: int) -> pd.DataFrame:
    """The best ``per_code`` rows of each code, code by code, preferring texts not yet quoted."""
    used: set[str] = set()
    parts = []
    for code in codes:
        rows = ranked[ranked["code"].astype(str) == code]
        fresh = ~member_of(rows["text_id"], used)
        best = pd.concat([rows[fresh], rows[~fresh]]).head(per_code)
        used.update(best["text_id"])
        parts.append(best)
    return pd.concat(parts) if parts else ranked.head(0)

def _whole_sentence(text: str) -> bool:
    text = str(text).strip()
    return bool(text) and text[0].isupper() and text.endswith(_SENTENCE_END)


def _roles(memberships: pd.DataFrame | None) -> dict[tuple[str, str], str]:
    if memberships is None or memberships.empty:
        return {}
    needed = ("member_id", "community", "role")
    missing = [c for c in needed if c not in memberships.columns]
    if missing:
        raise ConfigError(f"the memberships table lacks column(s) {', '.join(missing)}")
    rows = memberships.dropna(subset=list(needed))
    if "joined" in rows.columns:  # the latest role held in that community
        rows = rows.sort_values("joined", kind="stable", na_position="first")
    roles = {}
    for person, community, role in zip(rows["member_id"].astype(str),
                                       rows["community"].astype(str),
                                       rows["role"].astype(str), strict=True):
        role = role.strip()
        if role and role.lower() not in ("member", "pupil", "staff"):
            roles[(person, community)] = role[0].upper() + role[1:]
    return roles
