"""How often each code appears, which codes occur together, and the main themes.

Each text counts once per code, whatever the number of passages coded: the
share of texts with a code is what a reader can check. Texts coded by two coders
count once, with the first coder's codings (see
:func:`~slc_research.qual.codings.primary_codings`) unless a coder is chosen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import product

import pandas as pd

from slc_research.errors import ConfigError
from slc_research.privacy.suppression import suppress_small
from slc_research.qual.codings import coded_texts, primary_codings, require_columns, term_of

__all__ = ["code_cooccurrence", "code_frequencies", "code_themes", "codebook_table",
           "frequency_table", "themes_summary"]

_FREQ_COLUMNS = ("code", "n_texts", "n_coded_texts", "pct_texts", "n_authors")


def code_themes(codebook: pd.DataFrame | None, codes: Sequence[str] = ()) -> pd.Series:
    """The theme of each code: its parent in the codebook, else the code itself.

    Parameters
    ----------
    codebook : DataFrame or None
        The ``codebook`` table (``code``, ``description``, ``parent``).
    codes : sequence of str
        Codes to include besides the codebook's (codes used but not in it).

    Returns
    -------
    Series
        Index: code; values: theme.
    """
    book = _book(codebook)
    parents = dict(zip(book["code"], book["parent"], strict=True))
    every = list(dict.fromkeys([*book["code"], *map(str, codes)]))
    themes = [parents.get(c) if isinstance(parents.get(c), str) and parents.get(c) else c
              for c in every]
    return pd.Series(themes, index=pd.Index(every, name="code"), name="theme", dtype="string")


def code_frequencies(texts: pd.DataFrame, codings: pd.DataFrame, *,
                     by: str | Sequence[str] | None = None, coder: str | None = None,
                     codebook: pd.DataFrame | None = None) -> pd.DataFrame:
    """Texts and authors with each code, overall or per group.

    Parameters
    ----------
    texts, codings : DataFrame
        The ``texts`` and ``codings`` tables.
    by : str or list of str, optional
        Columns of :func:`coded_texts` to group by, e.g. ``"source"``,
        ``"community"``, ``"author_type"``, or ``"wave"`` (the school term of
        the text's date, see :func:`term_of`).
    coder : str, optional
        Count only this coder's codings (default: the first coder of each text).
    codebook : DataFrame, optional
        Adds a ``theme`` column (the code's parent) and rows of 0 for codebook
        codes never used in a group.

    Returns
    -------
    DataFrame
        One row per group and code: the ``by`` columns, ``theme`` (with a
        codebook), ``code``, ``n_texts`` (texts in the group with the code),
        ``n_coded_texts`` (texts coded in the group: the denominator),
        ``pct_texts`` (0-100) and ``n_authors`` (different authors of those
        texts). Sorted by group, then most frequent code first.

    Raises
    ------
    ConfigError
        Missing columns, an unknown ``by`` column or ``coder``.
    """
    groups = _by(by)
    ct = primary_view(texts, codings, coder)
    ct = _with_wave(ct, groups)
    unknown = [g for g in groups if g not in ct.columns]
    if unknown:
        raise ConfigError(f"cannot group codings by {', '.join(unknown)}; use columns of the "
                          f"coded texts ({', '.join(ct.columns)}) or 'wave'", key="by")
    keys = groups or ["_all"]
    ct = ct.assign(_all="all") if not groups else ct
    ct = ct.dropna(subset=groups) if groups else ct
    denominators = ct.groupby(keys, observed=True, sort=True)["text_id"].nunique() \
        .rename("n_coded_texts")
    uses = ct.drop_duplicates([*keys, "code", "text_id"])
    counts = uses.groupby([*keys, "code"], observed=True, sort=True).agg(
        n_texts=("text_id", "nunique"), n_authors=("author_id", "nunique"))
    codes = list(dict.fromkeys([*(_book(codebook)["code"] if codebook is not None else []),
                                *sorted(ct["code"].astype(str).unique())]))
    full = pd.MultiIndex.from_tuples(
        [(*(g if isinstance(g, tuple) else (g,)), c)
         for g, c in product(denominators.index, codes)], names=[*keys, "code"])
    table = counts.reindex(full, fill_value=0).reset_index()
    table = table.merge(denominators.reset_index(), on=keys, how="left")
    table["pct_texts"] = 100 * table["n_texts"] / table["n_coded_texts"]
    columns = [*groups, *(["theme"] if codebook is not None else []), *_FREQ_COLUMNS]
    if codebook is not None:
        table["theme"] = table["code"].map(code_themes(codebook, codes)).astype("string")
    table = table.sort_values([*keys, "n_texts", "code"],
                              ascending=[True] * len(keys) + [False, True], kind="stable")
    table = table[columns].reset_index(drop=True)
    for col in ("n_texts", "n_coded_texts", "n_authors"):
        table[col] = table[col].astype("int64")
    table["pct_texts"] = table["pct_texts"].astype(float)
    return table


def code_cooccurrence(texts: pd.DataFrame, codings: pd.DataFrame, *,
                      coder: str | None = None) -> pd.DataFrame:
    """Texts given both of two codes, for every pair of codes used (a complete matrix).

    Parameters
    ----------
    texts, codings : DataFrame
        The ``texts`` and ``codings`` tables.
    coder : str, optional
        Count only this coder's codings (default: the first coder of each text).

    Returns
    -------
    DataFrame
        One row per ordered pair of codes (both orders, and each code with
        itself): ``code_a``, ``code_b``, ``n_texts`` (texts with both codes; with
        itself, texts with the code), ``jaccard`` (texts with both / texts with
        either; 1 on the diagonal, NaN when neither is used). Pairs never
        together have 0. ``attrs["n_texts"]`` is the number of coded texts.
    """
    ct = primary_view(texts, codings, coder)
    present = pd.crosstab(ct["text_id"], ct["code"].astype(str)).clip(upper=1)
    codes = sorted(present.columns)
    present = present.reindex(columns=codes)
    both = present.T.to_numpy() @ present.to_numpy()
    counts = pd.DataFrame(both, index=codes, columns=codes)
    single = pd.Series(both.diagonal() if len(codes) else [], index=codes, dtype=float)
    rows = []
    for a, b in product(codes, codes):
        n = int(counts.loc[a, b])
        either = single[a] + single[b] - n
        rows.append((a, b, n, n / either if either > 0 else float("nan")))
    out = pd.DataFrame(rows, columns=["code_a", "code_b", "n_texts", "jaccard"])
    out = out.astype({"code_a": "string", "code_b": "string", "n_texts": "int64",
                      "jaccard": float})
    out.attrs["n_texts"] = int(len(present))
    return out


def themes_summary(texts: pd.DataFrame, codings: pd.DataFrame, codebook: pd.DataFrame | None,
                   *, where: Mapping[str, object] | None = None, coder: str | None = None,
                   top: int | None = 5, level: str = "code") -> pd.DataFrame:
    """The most frequent codes (or themes) in a selection of texts, with their descriptions.

    Parameters
    ----------
    texts, codings : DataFrame
        The ``texts`` and ``codings`` tables.
    codebook : DataFrame or None
        The ``codebook`` table; descriptions are missing without it.
    where : dict, optional
        Keep coded texts whose column equals a value or is in a list, e.g.
        ``{"source": "interview", "community": ["SLC A", "SLC B"]}``; ``"wave"``
        (the term) may be used.
    coder : str, optional
        Count only this coder's codings (default: the first coder of each text).
    top : int or None, default 5
        Rows kept (the most frequent); None for all.
    level : {"code", "theme"}, default "code"
        One row per code, or per theme (a text counts once per theme, whichever
        of the theme's codes it has).

    Returns
    -------
    DataFrame
        ``theme``, ``code`` (with ``level="code"``), ``description``, ``n_texts``,
        ``n_coded_texts`` (texts in the selection) and ``pct_texts`` (0-100),
        most frequent first. ``attrs["n_texts"]`` is the number of texts in the
        selection. Empty when nothing is coded there.

    Raises
    ------
    ConfigError
        An unknown ``where`` column, ``level`` or ``coder``, or a bad ``top``.
    """
    if level not in ("code", "theme"):
        raise ConfigError(f"level must be 'code' or 'theme', not {level!r}", key="level")
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise ConfigError(f"top must be a whole number of at least 1 or None, not {top!r}",
                          key="top")
    ct = primary_view(texts, codings, coder)
    ct = _filter(_with_wave(ct, list(where or {})), where)
    book = _book(codebook)
    themes = code_themes(codebook, ct["code"].astype(str).unique())
    describe = dict(zip(book["code"], book["description"], strict=True))
    n_coded = int(ct["text_id"].nunique())
    ct = ct.assign(theme=ct["code"].astype(str).map(themes))
    key = "code" if level == "code" else "theme"
    counts = ct.groupby(key, sort=True)["text_id"].nunique().rename("n_texts").reset_index()
    if level == "code":
        counts.insert(0, "theme", counts["code"].map(themes))
    counts["description"] = counts[key].map(describe)
    counts["n_coded_texts"] = n_coded
    counts["pct_texts"] = 100 * counts["n_texts"] / n_coded if n_coded else float("nan")
    counts = counts.sort_values(["n_texts", key], ascending=[False, True], kind="stable")
    columns = ["theme", *(["code"] if level == "code" else []), "description", "n_texts",
               "n_coded_texts", "pct_texts"]
    out = counts[columns].head(top if top is not None else len(counts)).reset_index(drop=True)
    out = out.astype({c: "string" for c in columns[:-3]}).astype(
        {"n_texts": "int64", "n_coded_texts": "int64", "pct_texts": float})
    out.attrs["n_texts"] = n_coded
    return out


def codebook_table(texts: pd.DataFrame, codings: pd.DataFrame,
                   codebook: pd.DataFrame | None, *, coder: str | None = None) -> pd.DataFrame:
    """The codebook, theme by theme, with how many texts each theme and code was given to.

    Parameters
    ----------
    texts, codings : DataFrame
        The ``texts`` and ``codings`` tables.
    codebook : DataFrame or None
        The ``codebook`` table; without it each code used is its own theme.
    coder : str, optional
        Count only this coder's codings (default: the first coder of each text).

    Returns
    -------
    DataFrame
        ``level`` ("theme" or "code"), ``theme``, ``code``, ``description``,
        ``n_texts``, ``n_authors``, ``n_coded_texts`` and ``pct_texts``: each
        theme (texts given any of its codes) followed by its codes, in codebook
        order. A theme without sub-codes is one row of level "code"; a theme
        given to texts directly also has a row of level "code" of its own.
    """
    ct = primary_view(texts, codings, coder)
    book = _book(codebook)
    used = sorted(ct["code"].astype(str).unique())
    themes = code_themes(codebook, used)
    describe = dict(zip(book["code"], book["description"], strict=True))
    ct = ct.assign(code=ct["code"].astype(str), theme=ct["code"].astype(str).map(themes))
    n_coded = int(ct["text_id"].nunique())
    per_code = ct.groupby("code").agg(n_texts=("text_id", "nunique"),
                                      n_authors=("author_id", "nunique"))
    per_theme = ct.groupby("theme").agg(n_texts=("text_id", "nunique"),
                                        n_authors=("author_id", "nunique"))
    rows = []
    for theme in dict.fromkeys(themes.to_numpy()):
        children = [c for c in themes.index if themes[c] == theme and c != theme]
        if children and theme in per_code.index:  # the theme itself was given to texts
            children.insert(0, theme)
        level = "theme" if children else "code"
        counts = per_theme if children else per_code
        rows.append((level, theme, theme if not children else pd.NA, describe.get(theme),
                     *_counts(counts, theme)))
        rows.extend(("code", theme, c, describe.get(c), *_counts(per_code, c))
                    for c in children)
    out = pd.DataFrame(rows, columns=["level", "theme", "code", "description", "n_texts",
                                      "n_authors"])
    out = out.astype({"level": "string", "theme": "string", "code": "string",
                      "description": "string", "n_texts": "int64", "n_authors": "int64"})
    out["n_coded_texts"] = n_coded
    out["pct_texts"] = 100 * out["n_texts"] / n_coded if n_coded else float("nan")
    return out


def frequency_table(freq: pd.DataFrame, *, by: str, threshold: int) -> pd.DataFrame:
    """A reader's table of :func:`code_frequencies`: codes down, groups across, % of texts.

    Parameters
    ----------
    freq : DataFrame
        :func:`code_frequencies` grouped ``by`` one column.
    by : str
        That column, e.g. ``"source"`` or ``"wave"``.
    threshold : int
        Suppression threshold: a percentage of fewer texts shows as ``"<5"``
        (for 5); a group with fewer coded texts is left out (its count is in
        ``attrs["withheld"]``).

    Returns
    -------
    DataFrame
        ``Code``, then one column per group headed ``"<group> % (n = N)"``.
    """
    require_columns(freq, (by, "code", "n_texts", "n_coded_texts", "pct_texts"), "frequencies")
    shown = freq[freq["n_coded_texts"] >= threshold]
    withheld = int(freq.loc[freq["n_coded_texts"] < threshold, by].nunique())
    shown = suppress_small(shown, count_cols={"n_texts": ["pct_texts"]}, threshold=threshold,
                           display=True, partition_by=None)
    order = list(freq.groupby("code", sort=False)["n_texts"].sum()
                 .sort_values(ascending=False, kind="stable").index)
    sizes = shown.drop_duplicates(by).set_index(by)["n_coded_texts"]
    heads = {g: f"{g} % (n = {int(n)})" for g, n in sizes.items()}
    wide = shown.pivot(index="code", columns=by, values="pct_texts")
    wide = wide.reindex(index=[c for c in order if c in wide.index],
                        columns=list(heads)).rename(columns=heads)
    out = wide.reset_index().rename(columns={"code": "Code"})
    out.columns.name = None
    out.attrs["withheld"] = withheld
    return out


# --- internals -------------------------------------------------------------------------------

def _by(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    groups = list(by)
    if not all(isinstance(g, str) for g in groups):
        raise ConfigError(f"by must be a column name or a list of names, not {by!r}", key="by")
    return groups


def primary_view(texts: pd.DataFrame, codings: pd.DataFrame, coder: str | None) -> pd.DataFrame:
    require_columns(codings, ("text_id", "coder", "code"), "codings")
    return coded_texts(texts, primary_codings(codings, coder=coder))


def _with_wave(ct: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    return ct.assign(wave=term_of(ct["date"])) if "wave" in columns else ct


def _filter(ct: pd.DataFrame, where: Mapping[str, object] | None) -> pd.DataFrame:
    if not where:
        return ct
    if not isinstance(where, Mapping):
        raise ConfigError(f"where must be a dict of column: value(s), not {where!r}",
                          key="where")
    keep = pd.Series(True, index=ct.index)
    for column, wanted in where.items():
        if column not in ct.columns:
            raise ConfigError(f"cannot filter coded texts on {column!r}; use one of "
                              f"{', '.join(ct.columns)}", key="where")
        values = [wanted] if isinstance(wanted, str) or not isinstance(wanted, Sequence) \
            else list(wanted)
        keep &= ct[column].astype(object).isin(values).to_numpy()
    return ct[keep.to_numpy()]


def _counts(table: pd.DataFrame, key: str) -> tuple[int, int]:
    if key not in table.index:
        return 0, 0
    return int(table.loc[key, "n_texts"]), int(table.loc[key, "n_authors"])


def _book(codebook: pd.DataFrame | None) -> pd.DataFrame:
    if codebook is None:
        return pd.DataFrame({"code": pd.Series(dtype="string"),
                             "description": pd.Series(dtype="string"),
                             "parent": pd.Series(dtype="string")})
    require_columns(codebook, ("code",), "codebook")
    book = codebook.dropna(subset=["code"]).drop_duplicates("code").copy()
    for col in ("description", "parent"):
        if col not in book.columns:
            book[col] = pd.Series(pd.NA, index=book.index, dtype="string")
    book["code"] = book["code"].astype(str)
    book["parent"] = book["parent"].astype(object).where(book["parent"].notna(), None)
    return book[["code", "description", "parent"]].reset_index(drop=True)
