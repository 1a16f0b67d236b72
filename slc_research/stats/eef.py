"""Putting an attainment effect size in context, the way the EEF Toolkit does.

:func:`months_progress`: the EEF Teaching and Learning Toolkit's translation
of an effect size into months of additional progress, for attainment outcomes
only and always with its caveat (:data:`MONTHS_CAVEAT`). The minimum
detectable effect size is :func:`slc_research.stats.power.mdes`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from slc_research.errors import StatsError
from slc_research.stats.inputs import finite_number
from slc_research.stats.results import ResultMixin

__all__ = ["MONTHS_CAVEAT", "OUTCOME_KINDS", "MonthsProgress", "months_progress"]

#: What an outcome measures; months' progress is defined for ``"attainment"`` only.
OUTCOME_KINDS = ("attainment", "attitude", "wellbeing", "attendance", "behaviour", "other")

#: Upper band edges of the EEF Toolkit table, in hundredths of an SD, with the
#: months they give; 0.96 and above is 12 months.
_MONTHS_BANDS = ((1, 0), (9, 1), (18, 2), (26, 3), (35, 4), (44, 5), (52, 6), (61, 7),
                 (69, 8), (78, 9), (87, 10), (95, 11))

#: The caveat every months'-progress figure carries.
MONTHS_CAVEAT = (
    "Months' progress is the EEF Teaching and Learning Toolkit's translation of an effect "
    "size, derived from the typical progress of primary-age pupils on attainment tests "
    "(about one standard deviation a year). For older pupils, for attitudes, wellbeing or "
    "attendance, and for small samples it is a rough guide only: report the effect size and "
    "its confidence interval with it.")


@dataclass(frozen=True)
class MonthsProgress(ResultMixin):
    """An effect size as months of additional progress (EEF Toolkit table).

    Attributes
    ----------
    estimate : int
        Months (negative for a negative effect). ``int(result)`` gives it too.
    ci_low, ci_high : float
        Months for the bounds of the effect size's interval, when one was
        given; NaN otherwise.
    effect_size : float
        The effect size as given.
    effect_size_rounded : float
        Rounded to 2 decimal places (half away from zero), as the table is read.
    n : int or None
        The effect size's sample size, when known.
    method : str
    caveat : str
        :data:`MONTHS_CAVEAT`.
    confidence : float
    """

    estimate: int
    ci_low: float
    ci_high: float
    effect_size: float
    effect_size_rounded: float
    n: int | None = None
    method: str = "EEF Teaching and Learning Toolkit months' progress table"
    caveat: str = MONTHS_CAVEAT
    confidence: float = 0.95

    def __int__(self) -> int:
        return self.estimate

    @property
    def statement(self) -> str:
        """The months with their caveat, as a report must print them."""
        return f"{self}. {self.caveat}"

    def __str__(self) -> str:
        text = f"{_months_text(self.estimate)} (effect size {self.effect_size_rounded:.2f}"
        if not (math.isnan(self.ci_low) or math.isnan(self.ci_high)):
            text += (f"; {self.confidence * 100:g}% CI {_signed(self.ci_low)} to "
                     f"{_signed(self.ci_high)} months")
        return text + ")"



def months_progress(effect_size: float | Any, *, outcome_kind: str) -> MonthsProgress:
    """Months of additional progress for an attainment effect size, per the EEF Toolkit table.

    Parameters
    ----------
    effect_size : float or result
        A standardised effect size (e.g. Hedges' g), or a result object with
        ``estimate``, ``ci_low`` and ``ci_high`` (an
        :class:`~slc_research.stats.effect_sizes.EffectSize`), whose interval
        is then translated too.
    outcome_kind : str
        What the outcome measures, one of :data:`OUTCOME_KINDS`. Months'
        progress is only given for ``"attainment"`` (test scores, grades):
        the table comes from attainment tests and says nothing about
        attitudes, wellbeing, attendance or behaviour.

    Returns
    -------
    MonthsProgress
        ``estimate`` (months), ``ci_low``, ``ci_high`` (months for the
        interval's bounds, or NaN), ``effect_size``, ``effect_size_rounded``,
        ``n``, ``method``, ``caveat``. ``int(result)`` gives the months.

    Raises
    ------
    StatsError
        An effect size that is not a finite number; an outcome that is not
        attainment (report the effect size and its interval instead).

    Notes
    -----
    The effect size is rounded to two decimal places (half away from zero)
    and looked up in the table (EEF, 2018/2021):

    ===========  ======  ===========  ======
    effect size  months  effect size  months
    ===========  ======  ===========  ======
    -0.01-0.01   0       0.53-0.61    7
    0.02-0.09    1       0.62-0.69    8
    0.10-0.18    2       0.70-0.78    9
    0.19-0.26    3       0.79-0.87    10
    0.27-0.35    4       0.88-0.95    11
    0.36-0.44    5       0.96 and up  12
    0.45-0.52    6
    ===========  ======  ===========  ======

    A negative effect size gives the same number of months, negative. The
    table assumes about one SD of progress a year in primary school; see
    :data:`MONTHS_CAVEAT`.

    References
    ----------
    Education Endowment Foundation (2021). *Teaching and Learning Toolkit:
    guide to the Toolkit* (technical appendix: "Converting effect sizes to
    months' progress"). London: EEF.

    Higgins, S., Katsipataki, M., Kokotsaki, D., Coleman, R., Major, L. E., &
    Coe, R. (2013). *The Sutton Trust-Education Endowment Foundation Teaching
    and Learning Toolkit: technical appendix*. London: EEF.

    Examples
    --------
    >>> int(months_progress(0.25, outcome_kind="attainment"))
    3
    >>> print(months_progress(-0.19, outcome_kind="attainment"))
    -3 months' progress (effect size -0.19)
    """
    if outcome_kind not in OUTCOME_KINDS:
        raise StatsError(f"outcome_kind must be one of {list(OUTCOME_KINDS)}; "
                         f"got {outcome_kind!r}")
    if outcome_kind != "attainment":
        raise StatsError(f"months' progress is only meaningful for attainment outcomes, not "
                         f"{outcome_kind}: the EEF table comes from attainment tests. Report "
                         "the effect size and its confidence interval instead.")
    n = getattr(effect_size, "n", None)
    confidence = getattr(effect_size, "confidence", 0.95)
    if hasattr(effect_size, "estimate"):
        value = finite_number(effect_size.estimate, "the effect size's estimate")
        low = getattr(effect_size, "ci_low", math.nan)
        high = getattr(effect_size, "ci_high", math.nan)
        bounds = [math.nan, math.nan]
        if low is not None and high is not None and not (math.isnan(low) or math.isnan(high)):
            bounds = [float(_lookup(_round2(finite_number(low, "ci_low")))),
                      float(_lookup(_round2(finite_number(high, "ci_high"))))]
    else:
        value = finite_number(effect_size, "effect_size")
        bounds = [math.nan, math.nan]
    rounded = _round2(value)
    return MonthsProgress(_lookup(rounded), bounds[0], bounds[1], value, float(rounded),
                          n if isinstance(n, int) else None, confidence=float(confidence))


# --- internals -------------------------------------------------------------------------------

def _round2(value: float) -> Decimal:
    """Round to 2 dp, half away from zero, on the decimal digits a person reads."""
    return Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _lookup(rounded: Decimal) -> int:
    hundredths = int(abs(rounded) * 100)
    months = next((m for edge, m in _MONTHS_BANDS if hundredths <= edge), 12)
    return -months if rounded < 0 else months


def _months_text(months: float) -> str:
    word = "month's" if abs(months) == 1 else "months'"
    return f"{months:+.0f} {word} progress" if months else f"0 {word} progress"


def _signed(value: float) -> str:
    return f"{value:+.0f}" if value else "0"
