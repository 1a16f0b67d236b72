"""Small pandas helpers the analyses share."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["member_of"]


def member_of(values: pd.Series | pd.Index, allowed: Iterable) -> np.ndarray:
    """Which ``values`` are in ``allowed``: ``values.isin(allowed)`` as a bool array.

    The same answer as pandas' ``isin``, without its cost on text columns: for a
    pyarrow-backed string column pandas turns every allowed value into a
    pyarrow scalar one by one, which for a few thousand pupil ids takes longer
    than the rest of a typical analysis step. A missing value is never a member.

    Parameters
    ----------
    values : Series or Index
    allowed : iterable
        Any collection (set, list, Series, Index).

    Returns
    -------
    ndarray of bool, one per value.

    Examples
    --------
    >>> member_of(pd.Series(["P1", "P2", None]), {"P2", "P3"})
    array([False,  True, False])
    """
    if not isinstance(allowed, pd.Index | pd.Series | np.ndarray | list | tuple):
        allowed = list(allowed)
    index = pd.Index(allowed).unique().dropna()
    return index.get_indexer(values) >= 0
