"""Texts a teacher has marked as not quotable, beyond the raw file's "OK to quote" column.

Raw files are never edited, so when a pupil or colleague asks for a reflection,
an interview answer or a reported action plan not to be quoted, the teacher
lists it in ``private/not_quotable.csv`` (kept with the consent register, never
shared). Each row names one text in either of two ways:

- ``id``: the text's ID as the coder shows it above the text (``T-3fa9c2-14``),
  the file's own text ID when it has one, or an action plan's Plan ID;
- ``source`` and ``row``: the source's name in ``enquiry.toml`` (the name in
  ``[sources.NAME]``) and the row number as Excel shows it (the header is row 1).

An optional ``reason`` column is for the teacher's own notes and is not read.
For example::

    id,source,row,reason
    T-3fa9c2-14,,,asked in March
    ,y9_reflections,27,mentions a family matter

:meth:`slc_research.Enquiry.open` applies the list: the texts' ``quotable`` flag
becomes false, so every quote function (exemplar quotes, feedback comments,
reflection-depth examples, staff comments) leaves them out, and listed action
plans are left out of :func:`slc_research.casestudies.tlc.action_plans.learning_quotes`
(``Enquiry.not_quotable``). Counts and codes are unchanged: a text that may
not be quoted is still analysed. Changing the file makes every report out of
date, so the next batch run rebuilds them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from slc_research.errors import DataError

__all__ = ["NOT_QUOTABLE_FILE", "NotQuotable", "apply_not_quotable", "load_not_quotable"]

NOT_QUOTABLE_FILE = "not_quotable.csv"


@dataclass(frozen=True)
class NotQuotable:
    """The texts and plans a teacher marked as not quotable.

    Attributes
    ----------
    ids : frozenset of str
        Text ids and plan ids given directly (``id`` column).
    rows : frozenset of (str, int)
        (source name, Excel row) pairs.
    """

    ids: frozenset[str] = field(default_factory=frozenset)
    rows: frozenset[tuple[str, int]] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.ids or self.rows)


def load_not_quotable(private_dir: str | Path, sources: dict | None = None) -> NotQuotable:
    """Read ``private/not_quotable.csv`` (nothing marked when there is no such file).

    Parameters
    ----------
    private_dir : path
        The workspace's ``private`` folder.
    sources : dict, optional
        The manifest's sources by name (:attr:`Manifest.sources`), to check the
        ``source`` column.

    Returns
    -------
    NotQuotable

    Raises
    ------
    DataError
        The file is not a CSV file with an ``id`` column or ``source`` and
        ``row`` columns, names an unknown source, or a row number is not a
        whole number from 2 up (each problem with its row and column).
    """
    path = Path(private_dir) / NOT_QUOTABLE_FILE
    if not path.is_file():
        return NotQuotable()
    label = f"private/{NOT_QUOTABLE_FILE}"
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        return NotQuotable()
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError.single(label, "a CSV file with the column id (a text ID from the "
                               f"coder), or the columns source and row ({exc})") from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    if "text_id" in table.columns and "id" not in table.columns:
        table = table.rename(columns={"text_id": "id"})
    has_id, has_row = "id" in table.columns, {"source", "row"} <= set(table.columns)
    if not has_id and not has_row:
        raise DataError.single(label, "a column 'id' (the text ID the coder shows, like "
                               "T-3fa9c2-14) or the columns 'source' and 'row'; add the header "
                               "row", column="id")
    ids: set[str] = set()
    rows: set[tuple[str, int]] = set()
    for i, rec in enumerate(table.to_dict(orient="records"), start=2):
        text_id = str(rec.get("id", "")).strip()
        if text_id:
            ids.add(text_id)
            continue
        source, row = str(rec.get("source", "")).strip(), str(rec.get("row", "")).strip()
        if not source and not row:
            continue  # a blank line, or a note only
        if not source or not row:
            raise DataError.single(label, "both a source name and a row number (or an id)",
                                   row=i, column="source" if not source else "row")
        if sources is not None and source not in sources:
            known = ", ".join(n for n, s in sources.items() if s.kind in ("texts",
                                                                           "action_plans"))
            raise DataError.single(label, f"the name of a texts source in enquiry.toml ({known})",
                                   row=i, column="source", value=source)
        if not row.isdigit() or int(row) < 2:
            raise DataError.single(label, "the row number as Excel shows it (2 for the first "
                                   "row under the header)", row=i, column="row", value=row)
        if sources is not None and "text_id" in sources[source].columns.values():
            raise DataError.single(label, f"the text's id: {source} has its own text id column, "
                                   "so give the id from that column in the 'id' column instead "
                                   "of a row number", row=i, column="row", value=row)
        rows.add((source, int(row)))
    return NotQuotable(frozenset(ids), frozenset(rows))


def apply_not_quotable(texts: pd.DataFrame, marked: NotQuotable,
                       sources: dict | None = None, *,
                       text_id: Callable[[str, int], str] | None = None,
                       ) -> tuple[pd.DataFrame, frozenset[str]]:
    """``texts`` with the marked texts' ``quotable`` set to false, and every marked id.

    Parameters
    ----------
    texts : DataFrame
        The canonical ``texts`` table (not changed).
    marked : NotQuotable
    sources : dict, optional
        The manifest's sources by name, to turn (source, row) into ids.
    text_id : callable, optional
        ``text_id(source, row)``: the id the texts loader gives the text of that row
        (:func:`slc_research.data.loading.texts.text_id`); needed when rows are marked.

    Returns
    -------
    (DataFrame, frozenset of str)
        The texts, and the ids marked (texts and action plans; rows given as
        source and row become the ids the loaders made for them).
    """
    ids = set(marked.ids)
    if marked.rows and text_id is None:
        raise TypeError("apply_not_quotable needs text_id= to turn marked rows into ids")
    for source, row in marked.rows:
        spec = (sources or {}).get(source)
        if spec is not None and spec.kind == "action_plans":
            ids.add(f"{source}-{row}")  # the loader's made-up plan id
        else:
            ids.add(text_id(source, row))
    if not ids or texts.empty:
        return texts, frozenset(ids)
    hit = texts["text_id"].isin(ids).to_numpy(dtype=bool)
    if not hit.any():
        return texts, frozenset(ids)
    out = texts.copy()
    quotable = out["quotable"].astype("boolean").copy()
    quotable[hit] = False
    out["quotable"] = quotable
    return out, frozenset(ids)
