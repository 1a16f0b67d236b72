"""Ordered bands merged rather than blanked, before small-number suppression.

Blanking a small band of an ordered scale (members who came to "0-24%" of the meetings)
makes the bands left look like the whole story. :func:`merge_small_bands` joins a small
band to its neighbour first ("0-49%"), so a chart of the bands still adds up to everyone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from slc_research.errors import ConfigError

__all__ = ["merge_small_bands"]


def merge_small_bands(table: pd.DataFrame, *, band: str, count: str, threshold: int,
                      within: str | Sequence[str] = ()) -> pd.DataFrame:
    """Merge ordered bands with too few people into a neighbour, rather than blank them.

    Blanking a small band of an ordered scale ("0-24%" of meetings attended) makes the
    bands left look like the whole story: every community seems to sit in "75-100%". Here a
    band with 1 to ``threshold - 1`` people is merged with its smaller neighbour (an empty
    neighbour only when there is no other), and again until every band is empty or holds at
    least ``threshold``; "0-24%" and "25-49%" become "0-49%". A group with fewer than
    ``threshold`` people in all is left as one small band, for :func:`suppress_small` to
    withhold. Run it before :func:`suppress_small`, on counts that are not yet suppressed.

    Parameters
    ----------
    table : DataFrame
        One row per band (per group of ``within``), bands in order, lowest first; only
        ``count`` is added up when bands merge (other columns keep the first band's value).
    band, count : str
        The band's label and its number of people.
    threshold : int
        The enquiry's suppression threshold.
    within : str or list of str
        Columns whose groups are merged separately (e.g. ``"community"``).

    Returns
    -------
    DataFrame
        A new frame; labels of the form ``"a-b%"`` merge to ``"a-c%"``, others to
        ``"first to last"``.

    Examples
    --------
    >>> t = pd.DataFrame({"band": ["0-24%", "25-49%", "50-74%", "75-100%"], "n": [2, 1, 6, 9]})
    >>> merge_small_bands(t, band="band", count="n", threshold=5)
          band  n
    0    0-74%  9
    1  75-100%  9
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 1:
        raise ConfigError(f"the suppression threshold must be a whole number of at least 1, "
                          f"not {threshold!r}", key="privacy.suppression_threshold")
    within = [within] if isinstance(within, str) else list(within)
    missing = sorted({band, count, *within} - set(table.columns))
    if missing:
        raise ConfigError(f"cannot merge bands: the table has no column(s) {missing}")
    table = table.assign(**{band: table[band].astype(object)})  # merged labels are new
    parts = []
    groups = table.groupby(within, sort=False, dropna=False) if within else [((), table)]
    for _, g in groups:
        rows = [g.iloc[[i]].copy() for i in range(len(g))]
        sizes = [float(pd.to_numeric(r[count], errors="coerce").fillna(0).iloc[0]) for r in rows]
        while len(rows) > 1:
            small = [i for i, n in enumerate(sizes) if 1 <= n < threshold]
            if not small:
                break
            i = small[0]
            near = [j for j in (i - 1, i + 1) if 0 <= j < len(rows)]
            j = min(near, key=lambda k: (sizes[k] == 0, sizes[k]))
            lo, hi = min(i, j), max(i, j)
            merged = rows[lo].copy()
            merged[band] = _merged_label(str(rows[lo][band].iloc[0]), str(rows[hi][band].iloc[0]))
            merged[count] = sizes[lo] + sizes[hi]
            rows[lo:hi + 1], sizes[lo:hi + 1] = [merged], [sizes[lo] + sizes[hi]]
        parts.extend(rows)
    out = pd.concat(parts, ignore_index=True) if parts else table.iloc[0:0].copy()
    if pd.api.types.is_integer_dtype(table[count]):
        out[count] = out[count].astype(table[count].dtype)
    return out


def _merged_label(first: str, last: str) -> str:
    """``"0-24%"`` and ``"25-49%"`` -> ``"0-49%"``; other labels ``"first to last"``."""
    a = re.fullmatch(r"\s*(\d+(?:\.\d+)?)(%?)\s*[-\u2013]\s*(\d+(?:\.\d+)?)(%?)\s*", first)
    b = re.fullmatch(r"\s*(\d+(?:\.\d+)?)(%?)\s*[-\u2013]\s*(\d+(?:\.\d+)?)(%?)\s*", last)
    if a and b:
        return f"{a.group(1)}-{b.group(3)}{b.group(4)}"
    return f"{first} to {last}"
