"""Counts that one table would give away when subtracted from another.

"Who took part" publishes how many members (and how many pupil-premium members)
there are; the outcome tables publish how many of them were analysed. When
the two differ by 1 to ``threshold - 1`` pupils, subtracting one from the
other reveals a small group (for example the one pupil-premium member who did
not answer the second questionnaire). :func:`withhold_differences` withholds
the analysed count in that case, through the remainder rule of
:func:`slc_research.privacy.suppression.suppress_small`; the estimate itself
does not give the count away and stays.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from slc_research.casestudies.result import Section
from slc_research.casestudies.slc_impact.outcomes import GROUP_LABELS
from slc_research.casestudies.slc_impact.representativeness import Representativeness
from slc_research.privacy.suppression import suppress_small

__all__ = ["protect_records", "protect_section", "published_count", "withhold_differences"]

_PUBLISHED = "published elsewhere"


def published_count(rep: Representativeness, characteristic: str, level: str,
                    group: str = "n_members") -> int | None:
    """How many members or other pupils of a level "Who took part" counts.

    ``group`` is ``"n_members"`` or ``"n_rest"``; the level e.g.
    ``("Pupil premium", "Yes")``. None if the table has no such row.
    """
    t = rep.table
    row = t[(t["characteristic"] == characteristic) & (t["level"] == level)]
    return int(row[group].iloc[0]) if len(row) else None


def withhold_differences(table: pd.DataFrame, column: str,
                         published: int | Sequence[int | None] | None, *,
                         threshold: int) -> pd.DataFrame:
    """``table`` with ``column``'s counts withheld where a published total would reveal a small rest.

    Parameters
    ----------
    table : DataFrame
        A reader's table that has passed :func:`suppress_small` (``display=True``).
    column : str
        The column of analysed pupils (e.g. ``"Members"``).
    published : int, list or None
        The total of the same pupils that another table publishes: one number
        for every row, one per row, or None (nothing to protect).
    threshold : int

    Returns
    -------
    DataFrame
        A new table: a count whose published total minus the count is from 1 to
        ``threshold - 1`` shows the secondary mark; nothing else changes.
    """
    if published is None or column not in table.columns or table.empty:
        return table
    totals = (np.full(len(table), published, dtype=float) if np.isscalar(published)
              else np.array([np.nan if p is None else p for p in published], dtype=float))
    frame = table.assign(**{_PUBLISHED: totals})
    out = suppress_small(frame, count_cols={column: []}, threshold=threshold, display=True,
                         partition_by=None, remainders={column: _PUBLISHED})
    return out.drop(columns=[_PUBLISHED])


def protect_section(section: Section, rep: Representativeness, *, threshold: int,
                    group_labels: tuple[str, str] = GROUP_LABELS) -> Section:
    """A whole-cohort section whose analysed counts cannot be subtracted from "Who took part".

    Columns ``Members`` and ``Other pupils`` are checked against the members and
    other pupils of the cohort; per-group columns (``n (both times)``, ``Pupils``
    beside a ``Group`` column) against the total of their row's group.
    """
    totals = {group_labels[0]: rep.n_members, group_labels[1]: rep.n_rest}
    tables = []
    for table in section.tables:
        frame = table.frame
        frame = withhold_differences(frame, "Members", rep.n_members, threshold=threshold)
        frame = withhold_differences(frame, "Other pupils", rep.n_rest, threshold=threshold)
        if "Group" in frame.columns:
            per_row = [totals.get(g) for g in frame["Group"]]
            for column in ("n (both times)", "Pupils"):
                frame = withhold_differences(frame, column, per_row, threshold=threshold)
        tables.append(dataclasses.replace(table, frame=frame))
    return dataclasses.replace(section, tables=tuple(tables))


def _reveals(count: object, published: int | None, threshold: int) -> bool:
    """Whether ``published - count`` is a small group (1 to ``threshold - 1`` pupils)."""
    if published is None or not isinstance(count, int | float) or count != count:
        return False
    return 0 < published - count < threshold


def _counted(value: object) -> bool:
    """Whether ``value`` is an effect size's record with counts ``n1`` and ``n2``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = {f.name for f in dataclasses.fields(value)}
    elif isinstance(value, dict):
        names = set(value)
    else:
        return False
    return {"n1", "n2"} <= names


def protect_records(records: dict, published: tuple[int | None, int | None], *,
                    threshold: int) -> dict:
    """Records of a subgroup's results with the analysed counts a published total would give away.

    Parameters
    ----------
    records : dict
        Record name -> an effect size's record (a dict with ``n1`` members, ``n2`` others
        and ``n`` both) or a table (a DataFrame with ``n_members_in`` and ``n_others_in``).
    published : (int or None, int or None)
        The subgroup's members and other pupils as "Who took part" counts them.
    threshold : int

    Returns
    -------
    dict
        New records: a count whose published total minus it is 1 to ``threshold - 1`` is
        None, and so is the total ``n`` it is part of (``n - n2`` would give it back).
    """
    members, others = published
    out = {}
    for name, value in records.items():
        if isinstance(value, pd.DataFrame):
            value = value.copy()
            for column, total in (("n_members_in", members), ("n_others_in", others)):
                if column in value.columns:
                    hide = value[column].map(lambda c, t=total: _reveals(c, t, threshold))
                    value[column] = value[column].astype("Int64").mask(hide.astype(bool))
        elif _counted(value):
            # an effect size becomes the dict a record is stored as (as the display's
            # ``jsonable`` would make it), so that its counts can be withheld
            value = dataclasses.asdict(value) if dataclasses.is_dataclass(value) else dict(value)
            hidden = False
            for key, total in (("n1", members), ("n2", others)):
                if _reveals(value[key], total, threshold):
                    value[key], hidden = None, True
            if hidden and "n" in value:
                value["n"] = None
        out[name] = value
    return out
