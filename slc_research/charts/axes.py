"""Honest axes: answer scales drawn in full, and which way is better on an effect-size axis.

Two helpers the chart builders share, so every Likert-mean chart and every forest
plot says the same thing the same way:

* :func:`answer_axis`: a mean of answers on a 1-5 agree scale is drawn on the whole
  1-5 axis, never on a stretch such as 3.4-4.2 that makes a small difference look
  large, and the axis title says what the ends mean ("1 = strongly disagree ...
  5 = strongly agree").
* :func:`higher_is_better` and :func:`better_arrow`: on a forest plot of "members
  minus other pupils", a negative difference is good news for negative behaviour
  points or absence and bad news for engagement, so each outcome is labelled with
  the side that is better ("better →" or "← better") instead of one "positive =
  changed more" for all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from slc_research.errors import ChartError

__all__ = ["LOWER_IS_BETTER", "answer_axis", "better_arrow", "higher_is_better"]

#: Words in an outcome's name that mean a lower value is better (whole words, any case).
LOWER_IS_BETTER = ("negative", "absence", "absent", "absences", "incident", "incidents",
                   "exclusion", "exclusions", "detention", "detentions", "sanction", "sanctions",
                   "trouble", "late", "lateness", "persistent absence")
_LOWER = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in LOWER_IS_BETTER) + r")\b",
                    re.IGNORECASE)


def answer_axis(answers: Sequence[str], *, first: int = 1) -> tuple[list[int], str]:
    """The whole answer scale as an axis: its domain and what its ends mean.

    Parameters
    ----------
    answers : list of str
        The answers in order, lowest first, as the manifest's response scale lists
        them (e.g. ``["Strongly disagree", ..., "Strongly agree"]``).
    first : int, default 1
        The number the first answer scores (the response scale's ``start``).

    Returns
    -------
    domain : list of int
        ``[first, first + len(answers) - 1]``, e.g. ``[1, 5]``.
    ends : str
        E.g. ``"1 = strongly disagree ... 5 = strongly agree"``.

    Raises
    ------
    ChartError
        Fewer than two answers.

    Examples
    --------
    >>> answer_axis(["Never", "Sometimes", "Often"])
    ([1, 3], '1 = never ... 3 = often')
    """
    labels = [str(a).strip() for a in answers]
    if len(labels) < 2:
        raise ChartError(f"an answer scale needs at least two answers in order; got {labels}")
    last = first + len(labels) - 1
    return [first, last], f"{first} = {labels[0].lower()} ... {last} = {labels[-1].lower()}"


def higher_is_better(outcome: str) -> bool:
    """Whether a higher value of ``outcome`` is the better one, from its name.

    Lower is better when the name holds one of :data:`LOWER_IS_BETTER` as a
    whole word ("Behaviour (negative points)", "Absence", "I often get into
    trouble"); otherwise higher is better (scale scores, attendance, positive
    points). Pass ``higher_is_better`` in the chart's data to say it outright.
    """
    return _LOWER.search(str(outcome)) is None


def better_arrow(higher: bool) -> str:
    """``"better →"`` when higher is better, else ``"← better"``."""
    return "better \u2192" if higher else "\u2190 better"
