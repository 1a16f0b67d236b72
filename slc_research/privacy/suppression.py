"""Small-number suppression for every table and chart a report publishes.

A count of fewer than ``threshold`` pupils, and every number computed from it
(percentage, mean, effect size), is withheld: a reader could otherwise work
out something about one identifiable child ("the one Year 9 girl with an EHC
plan in the SLC"). The enquiry sets the threshold (``[privacy]
suppression_threshold`` in ``enquiry.toml``). :func:`suppress_small` is the
one function every table and chart goes through.

The rule
--------
1. **Primary suppression.** A count from 1 to ``threshold - 1`` is withheld,
   with the values computed from it (its percentage, mean, interval, effect
   size). A true zero is published unless ``suppress_zero=True``.
2. **Secondary suppression.** Groups that together make up a published total
   (the levels of one characteristic, the schools of a pilot and their "All
   schools" row, members and other pupils, Yes and No) form a *partition*
   (``partition_by=`` for groups in rows, ``complements=`` for groups in
   columns of one row). If any group of a partition is withheld, the withheld
   groups must be at least two and hold at least ``threshold`` pupils
   between them; otherwise the reader could subtract the published groups
   from the total and recover them. Until that holds, the smallest published
   group with at least one pupil is withheld too (with its values), and this
   is repeated across partitions until nothing changes. A count that is part
   of a published whole (``remainders=``, e.g. members who came regularly out
   of all members) is withheld when the rest of the whole is small.
3. **Totals.** If a partition cannot be protected that way (no group is left
   to withhold), its total row (``total=``) is withheld as well.
4. **Charts** are drawn from the suppressed table (``display=False``), so a
   withheld group's bar, point or interval disappears with its numbers.

In a reader's table (``display=True``) a cell withheld by rule 1 shows
``"<5"`` (for threshold 5) and one withheld by rules 2 or 3 shows
:data:`SECONDARY_MARK`, because its count is not small: it is withheld so
that a small one cannot be worked out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from slc_research.errors import ConfigError, PrivacyError

__all__ = ["COUNT_NAME", "SECONDARY_MARK", "SUPPRESSED_ATTR", "SUPPRESSED_COLUMN",
           "count_columns", "derived_from", "is_suppressed", "published_count",
           "require_suppressed", "suppress_small", "suppressed_at"]

#: Name of the column that marks rows with withheld numbers.
SUPPRESSED_COLUMN = "suppressed"
#: Key of the mark :func:`suppress_small` leaves in a frame's ``attrs`` (its threshold).
SUPPRESSED_ATTR = "slc_research.suppressed"
#: Column names (lower case) that count people: what the display boundary checks.
COUNT_NAME = re.compile(r"n|n\d|n_\w+|\w+_n|count|counts|members|pupils|respondents|"
                        r"responses|answered(_\w+)?|left|stayed|joined|"
                        r"staff|teachers|texts|people|(number|no\.?) of \w+( \w+)?")
#: What a reader's table shows in a cell withheld so that a small count cannot be worked out.
SECONDARY_MARK = "*"


def suppress_small(
    table: pd.DataFrame,
    *,
    count_cols: str | Sequence[str] | Mapping[str, Sequence[str]],
    threshold: int,
    value_cols: Sequence[str] | None = None,
    suppress_zero: bool = False,
    display: bool = False,
    partition_by: str | Sequence[str] | None = (),
    total: Mapping[str, object] | None = None,
    complements: Sequence[Sequence[str]] = (),
    remainders: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Withhold small counts, the numbers computed from them, and what would give them away.

    Counts below ``threshold`` are withheld, and so is whatever would let a reader work them
    out (see the module's rule).

    Parameters
    ----------
    table : DataFrame
        A published table: one row per group (or per group and level).
    count_cols : str, list of str, or dict
        The columns holding numbers of pupils.

        - a name or list of names: when any of them is withheld in a row, the
          withheld counts and every value column of that row are withheld;
        - a dict ``{count column: [value columns computed from it]}``: a withheld
          count withholds itself and only its own value columns, e.g.
          ``{"n_members": ["pct_members", "diff_pp"], "n_rest": ["pct_rest", "diff_pp"]}``.
    threshold : int
        Smallest count that may be published (e.g. 5: counts 1 to 4 are withheld).
    value_cols : list of str, optional
        With a list of count columns: the columns withheld with them. Default:
        every other numeric column.
    suppress_zero : bool, default False
        Also withhold counts of 0. By default a true zero is published, as in
        most official statistics: it says nothing about any one pupil.
    display : bool, default False
        False: withheld cells become missing (NA) and a boolean ``suppressed``
        column marks the rows concerned (for further computation and charts).
        True: withheld cells hold the text ``"<5"`` (for threshold 5), or
        :data:`SECONDARY_MARK` where the count itself is not small, and the
        table is ready to format for a reader; no marker column is added.
    partition_by : str, list of str or None, default ``()``
        Secondary suppression across rows, on by default. The rows sharing the
        values of these columns are groups that add up to a known total, e.g.
        ``"characteristic"`` (its levels); ``()`` (the default) when all the rows
        do (the schools of a pilot). Each count column is protected separately.
        ``None`` says, on purpose, that the rows are *not* groups of one published
        total (the same pupils counted in every row, e.g. one row per outcome), so
        only their own small counts are withheld.
    total : dict, optional
        ``{column: value}`` picking the rows that are the total of their
        partition, e.g. ``{"school": "All schools"}``. They are never chosen
        as a secondary group and are withheld when the partition cannot be
        protected otherwise.
    complements : list of lists of str
        Secondary suppression within a row: count columns whose groups add up
        to a known total, e.g. ``[["n_members", "n_rest"]]`` or
        ``[["n_yes", "n_no"]]``.
    remainders : dict, optional
        ``{part: whole}`` for a count that is part of a published whole, e.g.
        ``{"n_regular": "members"}``: the ones not in the part (whole minus
        part) are a group too, so when there are 1 to ``threshold - 1`` of
        them the part is withheld with its values (unless the whole is withheld).

    Returns
    -------
    DataFrame
        A new frame; ``table`` is not modified.

    Raises
    ------
    ConfigError
        If the threshold is not a whole number of at least 1, or a column is missing.

    Notes
    -----
    A partition with withheld groups is safe when at least two of its groups
    are withheld and they hold at least ``threshold`` pupils together: the
    total minus the published groups then gives only a sum that is not small.
    Otherwise the smallest published non-zero group is withheld, and again,
    until it is safe; the partitions are revisited until nothing changes
    (withholding a member in one partition can break another one).

    Examples
    --------
    >>> t = pd.DataFrame({"level": ["none", "ehcp"], "n": [40, 2], "pct": [95.2, 4.8]})
    >>> suppress_small(t, count_cols="n", threshold=5, display=True)
      level   n pct
    0  none   *   *
    1  ehcp  <5  <5

    The rows add up to a known total, so the 40 would give the 2 away: both are withheld.
    When the rows are not parts of one total, ``partition_by=None`` withholds only the small
    count.

    >>> suppress_small(t, count_cols="n", threshold=5, display=True, partition_by=None)
      level   n   pct
    0  none  40  95.2
    1  ehcp  <5    <5
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 1:
        raise ConfigError(f"the suppression threshold must be a whole number of at least 1, "
                          f"not {threshold!r}", key="privacy.suppression_threshold")
    if isinstance(count_cols, str):
        count_cols = [count_cols]
    by_count = isinstance(count_cols, Mapping)
    if by_count:
        groups = {c: list(v) for c, v in count_cols.items()}
    else:
        counts = list(count_cols)
        others = list(value_cols) if value_cols is not None else [
            c for c in table.columns
            if c not in counts and c != SUPPRESSED_COLUMN
            and pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])
        ]
        groups = {c: others for c in counts}
    if isinstance(partition_by, str):
        partition_by = [partition_by]
    complements = [list(g) for g in complements]
    needed = {c for k, vs in groups.items() for c in [k, *vs]}
    needed |= set(partition_by or ()) | set(total or {}) | {c for g in complements for c in g}
    needed |= {c for pair in (remainders or {}).items() for c in pair}
    missing = sorted(needed - set(table.columns))
    if missing:
        raise ConfigError(f"cannot suppress: the table has no column(s) {missing}; "
                          f"it has {list(table.columns)}")
    stray = sorted(({c for g in complements for c in g} | set(remainders or {})) - set(groups))
    if stray:
        raise ConfigError(f"cannot suppress: complements or remainders {stray} are not among "
                          f"the count columns {list(groups)}")

    out = table.copy()
    nrow = len(out)
    names = list(groups)
    sizes = np.column_stack([
        pd.to_numeric(out[c], errors="coerce").astype("Float64").to_numpy(dtype=float,
                                                                           na_value=np.nan)
        for c in names]) if names else np.zeros((nrow, 0))
    low = 0 if suppress_zero else 1
    primary = (sizes < threshold) & (sizes >= low)  # NaN compares False
    held = primary.copy()
    for part, whole in (remainders or {}).items():
        rest = pd.to_numeric(out[whole], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        rest = rest - sizes[:, names.index(part)]
        known = ~primary[:, names.index(whole)] if whole in names else True
        held[:, names.index(part)] |= (rest < threshold) & (rest >= 1) & known
    if partition_by is not None or complements:  # None: rows are not parts of one total
        _secondary(held, sizes, names, threshold, _partitions(out, partition_by, total),
                   [[names.index(c) for c in g] for g in complements])

    position = {c: i for i, c in enumerate(out.columns)}
    withheld = np.zeros((nrow, len(position)), dtype=bool)  # row x column
    small = np.zeros((nrow, len(position)), dtype=bool)  # withheld because a count is small
    for j, (count, values) in enumerate(groups.items()):
        rows = held[:, j] if by_count else held.any(axis=1)
        tiny = primary[:, j] if by_count else primary.any(axis=1)
        withheld[held[:, j], position[count]] = True
        small[primary[:, j], position[count]] = True
        for col in values:
            withheld[rows, position[col]] = True
            small[tiny, position[col]] = True

    marker = f"<{threshold}"
    for col, i in position.items():
        cells = withheld[:, i]
        if not cells.any():
            continue
        if display:
            marks = np.where(small[:, i], marker, SECONDARY_MARK)
            out[col] = out[col].astype(object).where(~cells, pd.Series(marks, index=out.index))
        else:
            out[col] = out[col].mask(cells)
    if not display:
        out[SUPPRESSED_COLUMN] = withheld.any(axis=1)
    out.attrs[SUPPRESSED_ATTR] = int(threshold)
    return out


def published_count(n: int, threshold: int) -> int | str:
    """A count as a report may publish it: ``n``, or ``"<threshold"`` for 1 to threshold - 1.

    For the counts a case study records beside its tables (the index's and the summary's
    headlines, the "At a glance"): they pass no table's suppression.

    >>> published_count(12, 5), published_count(3, 5), published_count(0, 5)
    (12, '<5', 0)
    """
    n = int(n)
    return f"<{threshold}" if 0 < n < threshold else n


def is_suppressed(table: pd.DataFrame) -> bool:
    """Whether ``table`` came out of :func:`suppress_small`.

    Its mark survives selecting, renaming and reordering columns and rows.
    """
    return SUPPRESSED_ATTR in table.attrs


def suppressed_at(table: pd.DataFrame) -> int | None:
    """The threshold ``table`` was suppressed at (e.g. 5), or None when it was not."""
    value = table.attrs.get(SUPPRESSED_ATTR)
    return None if value is None else int(value)


def derived_from(frame: pd.DataFrame, source: pd.DataFrame) -> pd.DataFrame:
    """``frame``, marked as suppressed when it was made from the suppressed ``source``.

    For reshaping a suppressed table for a chart: ``frame``'s rows and counts are taken from
    ``source``, nothing added. ``frame`` itself is marked and returned; an unsuppressed
    ``source`` passes nothing on.
    """
    if is_suppressed(source):
        frame.attrs[SUPPRESSED_ATTR] = source.attrs[SUPPRESSED_ATTR]
    return frame


def count_columns(table: pd.DataFrame) -> list[str]:
    """The columns of ``table`` that count people.

    They are named ``n``, ``n_*``, ``*_n``, ``n1``, or a name such as ``members``, ``pupils``,
    ``respondents`` or ``count``.
    """
    return [c for c in table.columns if COUNT_NAME.fullmatch(str(c).strip().lower())]


def require_suppressed(table: pd.DataFrame, where: str = "a published table") -> None:
    """The display boundary's check: a table that counts people passed :func:`suppress_small`.

    ``where`` names the table in the error message.

    Raises
    ------
    PrivacyError
        Naming the count columns, when ``table`` holds counts and was not suppressed.
    """
    counts = count_columns(table)
    if counts and not is_suppressed(table):
        raise PrivacyError(f"{where} holds counts {counts} that did not pass small-number "
                           "suppression: build it with suppress_small() so that groups "
                           "smaller than the enquiry's threshold are withheld")


def _partitions(table: pd.DataFrame, by: Sequence[str] | None,
                total: Mapping[str, object] | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """(group rows, total rows) of each partition, as integer positions."""
    if by is None:
        return []
    is_total = np.zeros(len(table), dtype=bool)
    if total:
        is_total = np.logical_and.reduce([(table[c] == v).fillna(False).to_numpy(dtype=bool)
                                          for c, v in total.items()])
    if by:
        keys = pd.MultiIndex.from_frame(table[list(by)].astype(object)).factorize()[0]
    else:
        keys = np.zeros(len(table), dtype=np.intp)
    order = np.argsort(keys, kind="stable")
    cuts = np.flatnonzero(np.diff(keys[order])) + 1
    return [(rows[~is_total[rows]], rows[is_total[rows]]) for rows in np.split(order, cuts)]


def _protect(held: np.ndarray, sizes: np.ndarray, threshold: int) -> tuple[bool, bool]:
    """Withhold the smallest published groups until the withheld ones are safe.

    ``held`` (modified in place) and ``sizes`` are one partition's groups.
    Returns (anything added, safe).
    """
    added = False
    while held.any():
        if held.sum() >= 2 and np.nansum(sizes[held]) >= threshold:
            return added, True
        free = ~held & (sizes > 0)
        if not free.any():
            return added, False
        pick = np.flatnonzero(free)[np.argmin(sizes[free])]
        held[pick] = True
        added = True
    return added, True


def _secondary(held: np.ndarray, sizes: np.ndarray, names: list[str], threshold: int,
               partitions: list[tuple[np.ndarray, np.ndarray]],
               complements: list[list[int]]) -> None:
    """Apply rules 2 and 3 to ``held`` (rows x count columns), in place."""
    changed = True
    while changed:
        changed = False
        for j in range(len(names)):
            for rows, totals in partitions:
                part = held[rows, j]
                if not part.any():
                    continue
                added, safe = _protect(part, sizes[rows, j], threshold)
                if added:
                    held[rows, j] = part
                    changed = True
                if not safe and len(totals) and not held[totals, j].all():
                    held[totals, j] = True
                    changed = True
        for cols in complements:
            for r in np.flatnonzero(held[:, cols].any(axis=1)):
                part = held[r, cols]
                added, _ = _protect(part, sizes[r, cols], threshold)
                if added:
                    held[r, cols] = part
                    changed = True
