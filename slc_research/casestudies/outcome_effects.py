"""One outcome's effect, standardised, as a case study hands it to its outcome family.

:class:`OutcomeEffect` is what :mod:`slc_research.casestudies.outcome_family` tables,
adjusts and words: an effect in standard deviations with its standard error (so that one
smallest effect of interest applies to every outcome) and the p of the outcome's own test.
:func:`from_interval` builds one from a standardised estimate and its interval;
:func:`arcsine_effect` from a change in a share, as Cohen's h.

References
----------
Cohen, J. (1988). *Statistical power analysis for the behavioral sciences* (2nd ed.),
ch. 6 (h, the difference of two proportions on the arcsine scale).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as sps

__all__ = ["OutcomeEffect", "arcsine_effect", "from_interval"]


@dataclass(frozen=True)
class OutcomeEffect:
    """One outcome's effect, standardised so that the equivalence bound applies to it.

    Attributes
    ----------
    key : str
        The outcome's short name (what ``primary_outcome`` names).
    label : str
        The outcome in the reader's words.
    estimate : float
        The effect in standard deviations (d_ppc2, g_av, Cohen's h, ...).
    se : float
        Its standard error (positive).
    ci_low, ci_high : float
        Its 95% interval.
    p_value : float
        Two-sided p of the outcome's own test of no effect.
    n1 : int
        People in the (first) group: a count the display boundary checks.
    n2 : int, default 0
        People in the comparison group; 0 when there is none (one group measured twice).
    measure : str, default ""
        The effect's name for the table (``"h"``, ``"g_av"``), when outcomes differ.
    """

    key: str
    label: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n1: int
    n2: int = 0
    measure: str = ""


def from_interval(key: str, label: str, estimate: float, ci_low: float, ci_high: float, *,
                  n1: int, n2: int = 0, p_value: float | None = None, measure: str = "",
                  confidence: float = 0.95) -> OutcomeEffect | None:
    """An :class:`OutcomeEffect` from a standardised estimate and its (symmetric) interval.

    The standard error is the interval's width over ``2 z``; without ``p_value`` the p is
    the z test's. None when the interval is missing or has no width.
    """
    z = float(sps.norm.ppf(0.5 + confidence / 2))
    values = (estimate, ci_low, ci_high)
    if any(v is None or not math.isfinite(v) for v in values) or ci_high <= ci_low:
        return None
    se = (ci_high - ci_low) / (2 * z)
    p = _p(estimate, se, p_value)
    return OutcomeEffect(key, label, float(estimate), se, float(ci_low), float(ci_high), p,
                         int(n1), int(n2), measure)


def arcsine_effect(key: str, label: str, p_before: float, p_after: float, *, n_before: int,
                   n_after: int, se_difference: float | None = None,
                   p_value: float | None = None) -> OutcomeEffect | None:
    """A change in a share as Cohen's h, ``2 asin(sqrt(p_after)) - 2 asin(sqrt(p_before))``.

    Parameters
    ----------
    key, label : str
    p_before, p_after : float
        The two shares (0-1).
    n_before, n_after : int
        How many people (or texts, or weeks) each share is of.
    se_difference : float, optional
        The standard error of ``p_after - p_before`` when the two shares are of the
        same people (paired); h's is then taken by the delta method as
        ``se_difference / sqrt(pbar (1 - pbar))`` with ``pbar`` the mean share. Without it
        the shares are independent and ``se = sqrt(1/n_before + 1/n_after)``.
    p_value : float, optional
        The p of the outcome's own test; default the z test of h.

    Returns
    -------
    OutcomeEffect or None
        ``measure`` ``"h"``; h = 0.2 is "small" as d = 0.2 is (Cohen, 1988). None when a
        group is empty or a share is missing.
    """
    if min(n_before, n_after) < 1 or any(
            v is None or not math.isfinite(v) for v in (p_before, p_after)):
        return None
    h = 2 * math.asin(math.sqrt(p_after)) - 2 * math.asin(math.sqrt(p_before))
    if se_difference is None:
        se = math.sqrt(1 / n_before + 1 / n_after)
    else:
        mean = (p_before + p_after) / 2
        if not 0 < mean < 1 or not se_difference > 0:
            return None
        se = se_difference / math.sqrt(mean * (1 - mean))
    z = float(sps.norm.ppf(0.975))
    p = _p(h, se, p_value)
    return OutcomeEffect(key, label, h, se, h - z * se, h + z * se, p, int(n_before), 0, "h")


def _p(estimate: float, se: float, p_value: float | None) -> float:
    """The outcome's own p when it has one, else the z test's."""
    if p_value is not None and math.isfinite(p_value):
        return float(p_value)
    return float(2 * sps.norm.sf(abs(estimate) / se))
