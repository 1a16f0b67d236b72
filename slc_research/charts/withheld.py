"""Groups a chart cannot show, named rather than left to vanish.

Suppression withholds a group's numbers (see :mod:`slc_research.privacy.suppression`), so
its bar or point cannot be drawn. A reader who does not see "Boys" on a chart of who took
part should not have to guess why: every chart that leaves a group out names it in its
subtitle, with the enquiry's threshold ("Not shown, to protect groups of fewer than 5
pupils: Boys (SLC members)").
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from slc_research.privacy.suppression import suppressed_at

__all__ = ["SUBTITLE_CHARACTERS", "WITHHELD_START", "subtitle_lines", "withheld_labels", "withheld_line",
           "withheld_note"]

#: How the subtitle line naming the groups a chart leaves out begins.
WITHHELD_START = "Not shown, to protect groups of"
#: The longest subtitle line, in characters (about the width of a chart at the theme's
#: 12-pixel subtitle font); longer lines are wrapped.
SUBTITLE_CHARACTERS = 80


def withheld_labels(frame: pd.DataFrame, value: str, label: Sequence[str], *,
                    suffix: str = "") -> list[str]:
    """The labels of the rows of ``frame`` whose ``value`` is withheld (missing).

    Parameters
    ----------
    frame : DataFrame
        A suppressed table (``display=False``).
    value : str
        The column drawn; a missing value is a withheld group.
    label : list of str
        The columns that name a row, joined with ": " (e.g. ``["characteristic", "level"]``:
        ``"Gender: Boys"``).
    suffix : str
        Added to each label, e.g. ``" (SLC members)"``.

    Returns
    -------
    list of str
        In the table's order, without repeats.
    """
    if value not in frame.columns or frame.empty:
        return []
    rows = frame.loc[pd.to_numeric(frame[value], errors="coerce").isna()]
    names = [": ".join(str(r[c]).replace("_", " ") for c in label if pd.notna(r[c])) + suffix
             for _, r in rows.iterrows()]
    return list(dict.fromkeys(n for n in names if n.strip()))


def withheld_line(labels: Iterable[str], *, threshold: int | None, noun: str = "pupils",
                  limit: int = 8) -> str:
    """One subtitle line naming the groups a chart leaves out, or ``""`` when none is.

    Parameters
    ----------
    labels : iterable of str
        The groups left out (see :func:`withheld_labels`).
    threshold : int or None
        The suppression threshold (:func:`~slc_research.privacy.suppression.suppressed_at`).
    noun : str
        What the groups count: ``"pupils"``, ``"members"``, ``"staff"``, ``"texts"``.
    limit : int
        At most this many names; the rest are counted ("and 3 more").

    Examples
    --------
    >>> withheld_line(["Boys (SLC members)"], threshold=5)
    'Not shown, to protect groups of fewer than 5 pupils: Boys (SLC members)'
    """
    names = list(dict.fromkeys(labels))
    if not names:
        return ""
    shown = ", ".join(names[:limit]) + (f" and {len(names) - limit} more"
                                        if len(names) > limit else "")
    small = f"fewer than {threshold} {noun}" if threshold else f"too few {noun}"
    return f"{WITHHELD_START} {small}: {shown}"


def subtitle_lines(*lines: str, width: int = SUBTITLE_CHARACTERS) -> str | list[str]:
    """A chart subtitle of the non-empty ``lines``: one string, or a list of lines.

    A line longer than ``width`` characters is wrapped at spaces: Vega-Lite draws each
    subtitle line on one line, so a long one (the groups a chart leaves out) would widen
    the chart's picture until the page shrinks all of it to fit.
    """
    kept = [part for line in lines if line
            for part in textwrap.wrap(line, width, break_long_words=False,
                                      break_on_hyphens=False)]
    return kept[0] if len(kept) == 1 else kept


def withheld_note(frame: pd.DataFrame, value: str | Mapping[str, str], label: Sequence[str],
                  *, noun: str = "pupils", suffix: str = "") -> str:
    """:func:`withheld_line` for the rows of ``frame`` whose ``value`` is withheld.

    ``value`` may be a dict ``{column: suffix}`` for a table drawing several columns
    (``{"pct_members": " (SLC members)", "pct_rest": " (other pupils)"}``). The threshold is
    the one ``frame`` was suppressed at.
    """
    values = value if isinstance(value, Mapping) else {value: suffix}
    labels = [name for column, end in values.items()
              for name in withheld_labels(frame, column, label, suffix=end)]
    return withheld_line(labels, threshold=suppressed_at(frame), noun=noun)
