"""The canonical tables stacked from each source's own.

One table per kind, and one list of communities: those declared in a communities source, or
seen in memberships and meetings.
"""

from __future__ import annotations

import pandas as pd
from pandas.api.types import is_string_dtype, union_categoricals

from slc_research.data.schemas import TABLES, conform, empty_table

__all__ = ["communities_of", "stack_tables"]


def stack_tables(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    """Stack tables of one kind from several sources, keeping categoricals categorical."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_table(table)
    if len(frames) == 1:
        return frames[0]
    cols = {}
    for col, dtype in TABLES[table].items():
        parts = [f[col] for f in frames]
        if dtype == "category":
            cols[col] = _stack_categories(parts)
        else:
            cols[col] = pd.concat(parts, ignore_index=True)
    return conform(pd.DataFrame(cols), table)


def _stack_categories(parts: list[pd.Series]) -> pd.Series:
    """Stack categorical columns whose categories may be of different dtypes.

    A table read fresh and one read back from the cache, or a column one source lacks
    (all missing: no categories at all), can hold categories of different dtypes (``str``,
    ``string``, ``object``, ``float64``); only the categories are recast, never the codes,
    so this stays cheap on millions of rows.
    """
    cats = [p if isinstance(p.dtype, pd.CategoricalDtype) else p.astype("category")
            for p in parts]
    if len({str(c.cat.categories.dtype) for c in cats}) > 1:
        filled = [c.cat.categories for c in cats if len(c.cat.categories)]
        target = "str" if all(is_string_dtype(f) for f in filled) else object
        cats = [pd.Series(pd.Categorical.from_codes(
            c.cat.codes, categories=c.cat.categories.astype(target))) for c in cats]
    return pd.Series(union_categoricals(cats, ignore_order=True))


def communities_of(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Communities declared in a communities source plus those seen in memberships and meetings."""
    declared = tables["communities"]
    m = tables["memberships"]
    seen = (m[["community", "community_kind", "school"]]
            .rename(columns={"community_kind": "kind"})
            .dropna(subset=["community"]))
    meet = tables["meetings"][["community"]].dropna()
    frame = pd.concat([declared, seen, meet], ignore_index=True)
    if frame.empty:
        return empty_table("communities")
    for col in ("kind", "school", "theme"):
        frame[col] = frame[col].astype("object")
    first = frame.groupby("community", sort=True).agg(
        {c: lambda s: s.dropna().iloc[0] if s.notna().any() else None
         for c in ("kind", "school", "theme")})
    return conform(first.reset_index(), "communities")
