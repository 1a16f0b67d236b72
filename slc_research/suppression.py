"""Small-number suppression for every table a report publishes.

A count of fewer than ``threshold`` pupils, and every number computed from it
(percentage, mean, effect size), is withheld: a reader could otherwise work
out something about one identifiable child ("the one Year 9 girl with an EHC
plan in the SLC"). The enquiry sets the threshold (``[privacy]
suppression_threshold`` in ``enquiry.toml``).

This is primary suppression only: a withheld cell can sometimes be worked out
from a total and the other cells (secondary suppression is not done yet).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from slc_research.errors import ConfigError

__all__ = ["SUPPRESSED_COLUMN", "suppress_small"]

#: Name of the column that marks rows with withheld numbers.
SUPPRESSED_COLUMN = "suppressed"


def suppress_small(
    table: pd.DataFrame,
    *,
    count_cols: str | Sequence[str] | Mapping[str, Sequence[str]],
    threshold: int,
    value_cols: Sequence[str] | None = None,
    suppress_zero: bool = False,
    display: bool = False,
) -> pd.DataFrame:
    """Withhold counts below ``threshold`` and the numbers computed from them.

    Parameters
    ----------
    table : DataFrame
        A published table: one row per group (or per group and level).
    count_cols : str, list of str, or dict
        The columns holding numbers of pupils.

        - a name or list of names: when any of them is small in a row, the small
          counts and every value column of that row are withheld;
        - a dict ``{count column: [value columns computed from it]}``: a small
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
        True: withheld cells hold the text ``"<5"`` (for threshold 5) and
        the table is ready to format for a reader; no marker column is added.

    Returns
    -------
    DataFrame
        A new frame; ``table`` is not modified.

    Raises
    ------
    ConfigError
        If the threshold is not a whole number of at least 1, or a column is missing.

    Examples
    --------
    >>> t = pd.DataFrame({"level": ["none", "ehcp"], "n": [40, 2], "pct": [95.2, 4.8]})
    >>> suppress_small(t, count_cols="n", threshold=5, display=True)
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
    missing = sorted({c for k, vs in groups.items() for c in [k, *vs]} - set(table.columns))
    if missing:
        raise ConfigError(f"cannot suppress: the table has no column(s) {missing}; "
                          f"it has {list(table.columns)}")

    out = table.copy()
    position = {c: i for i, c in enumerate(out.columns)}
    withheld = np.zeros((len(out), len(position)), dtype=bool)  # row x column
    any_small = np.zeros(len(out), dtype=bool)
    for count, values in groups.items():
        n = pd.to_numeric(out[count], errors="coerce").astype("Float64")
        small = ((n < threshold) & (n >= (0 if suppress_zero else 1))).fillna(False)
        small = small.to_numpy(dtype=bool)
        withheld[small, position[count]] = True
        if by_count:
            for col in values:
                withheld[small, position[col]] = True
        any_small |= small
    if not by_count:  # a small count anywhere in the row withholds all the row's values
        for col in next(iter(groups.values()), []):
            withheld[any_small, position[col]] = True

    marker = f"<{threshold}"
    for col, i in position.items():
        cells = withheld[:, i]
        if not cells.any():
            continue
        if display:
            out[col] = out[col].astype(object).where(~cells, marker)
        else:
            out[col] = out[col].mask(cells)
    if not display:
        out[SUPPRESSED_COLUMN] = withheld.any(axis=1)
    return out
