"""The co-production pilot's findings in plain words, computed from the numbers.

Each function turns an estimate with its 95% interval into part of a sentence for a
section's finding (:mod:`slc_research.casestudies.coproduction.study`): which way it went,
whether the interval leaves out "no change", and never a figure for a group below the
suppression threshold.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from slc_research.casestudies.coproduction.outcomes import ALL_SCHOOLS
from slc_research.words import plural

__all__ = ["change_phrase", "forest_finding", "is_clear", "p_phrase", "pooled_finding",
           "yes_no_finding"]


def is_clear(lo: float, hi: float) -> bool:
    """Whether a 95% interval leaves out 0 (no change)."""
    return lo > 0 or hi < 0


def change_phrase(est: float, lo: float, hi: float, unit: str, places: int) -> str:
    """``"fell by 40% (95% CI 37% to 42%)"``, or a signed change whose interval includes 0.

    ``unit`` follows the estimate (``"%"`` or ``" points"``); in the interval only ``"%"``
    is repeated.
    """
    ci_unit = unit if unit == "%" else ""

    def f(v: float, sign: str = "") -> str:
        return f"{v:{sign}.{places}f}"

    if math.isnan(lo) or math.isnan(hi):
        return f"changed by {f(est, '+')}{unit} (no interval could be estimated)"
    if lo > 0:
        return f"rose by {f(est)}{unit} (95% CI {f(lo)}{ci_unit} to {f(hi)}{ci_unit})"
    if hi < 0:
        return f"fell by {f(-est)}{unit} (95% CI {f(-hi)}{ci_unit} to {f(-lo)}{ci_unit})"
    return (f"changed by {f(est, '+')}{unit} (95% CI {f(lo, '+')}{ci_unit} to "
            f"{f(hi, '+')}{ci_unit}), an interval that includes no change")


def p_phrase(p: float) -> str:
    """``"= 0.125"``, ``"< 0.001"`` or ``"not available"``, to follow a "p"."""
    return "not available" if p != p else ("< 0.001" if p < 0.001 else f"= {p:.3f}")


def yes_no_finding(table: pd.DataFrame, change: dict | None, threshold: int) -> str:
    """The 'All schools' change in % Yes, with McNemar's p, in one sentence."""
    if change is None:
        return ("The change in the share answering Yes could not be estimated: too few pupils "
                "answered both times.")
    if change["n"] < threshold:
        return f"Fewer than {threshold} pupils answered both times, too few to report."
    p = float(table.loc[table["school"] == ALL_SCHOOLS, "p"].iloc[0])
    lo, hi = change["ci_low"], change["ci_high"]
    return (f"Among the {change['n']} pupils who answered both times, the share answering Yes "
            f"{change_phrase(change['estimate'], lo, hi, ' percentage points', 1)}"
            + ("" if is_clear(lo, hi) else ", so it could be chance with this few pupils")
            + f"; McNemar p {p_phrase(p)}.")


def pooled_finding(what: str, meta: Any, unit: str, places: int) -> str:
    """The pooled change of one outcome and whether the schools differ, in one sentence.

    Parameters
    ----------
    what : str
        The outcome, e.g. ``"negative behaviour"``.
    meta : MetaResult
        :func:`~slc_research.casestudies.coproduction.pooling.pool_schools`.
    unit, places : str, int
        As :func:`change_phrase`.
    """
    text = (f"Pooled across {meta.n} schools, {what} "
            f"{change_phrase(meta.estimate, meta.ci_low, meta.ci_high, unit, places)}")
    if math.isnan(meta.q_p) or math.isnan(meta.i2):
        return text + "."
    differ = "more" if meta.q_p < 0.05 else "no more"
    return text + (f"; the schools differ {differ} than chance would make them (I\u00b2 = "
                   f"{meta.i2:.0f}%, itself uncertain with so few pupils).")


def forest_finding(what: str, forest: pd.DataFrame, k: int) -> str:
    """How many of the schools shown in a forest plot changed clearly, and how many are withheld.

    Parameters
    ----------
    what : str
        The outcome, e.g. ``"Negative behaviour"``.
    forest : DataFrame
        :func:`~slc_research.casestudies.coproduction.pooling.forest_table` (small schools
        already left out).
    k : int
        The schools pooled (shown or not).
    """
    schools = forest[forest["kind"] == "school"]
    below = int((schools["ci_high"] < 0).sum())
    above = int((schools["ci_low"] > 0).sum())
    held = k - len(schools)
    if not len(schools):
        text = (f"{what}: no school is large enough to show on its own, so no forest plot is "
                "drawn")
    elif below or above:
        text = (f"{what}: a clear fall (interval wholly below 0) in {below or 'none'} of the "
                f"{len(schools)} schools shown, and a clear rise in {above or 'none'}")
    else:
        text = (f"{what}: in none of the {len(schools)} schools shown does the interval leave "
                "out no change")
    if held and len(schools):
        text += (f" ({plural(held, 'more school')} withheld as too small count only in the "
                 "pooled diamond)")
    return text + "."
