"""The conference classes' outcomes as one family: change from the first to the last half term.

Three outcomes (:data:`~slc_research.casestudies.conferences.OUTCOMES`) say whether the
reflection culture grew over the year, each as the last half term with reflections against
the first:

- ``depth``: the share of reflections at the "deep" level or deeper, as Cohen's h (the
  difference of the two shares on the arcsine scale, where 0.2 is small as for d), with the
  p of the depth section's test (Newcombe's difference of proportions);
- ``mean_depth``: the mean rubric level, as Hedges' g between the two half terms'
  reflections;
- ``target``: the share of pupil-weeks meeting the weekly target, as Cohen's h.

One is declared primary (the ``primary_outcome`` parameter, default ``depth``); the others
are secondary and read with Holm-adjusted p
(:mod:`slc_research.casestudies.outcome_family`). Reflections and weeks of the same pupil
are alike, so these intervals are somewhat narrower than they should be; the count checked
for suppression is the pupils who wrote in the smaller of the two half terms.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from slc_research import stats
from slc_research.casestudies.outcome_family import (
    OutcomeEffect,
    arcsine_effect,
    from_interval,
    outcomes_section,
)
from slc_research.casestudies.result import Section
from slc_research.measures.attendance import school_period

__all__ = ["LABELS", "family_section", "outcome_effects"]

#: The outcomes in the reader's words.
LABELS = {"depth": "Share of reflections that were {deep}",
          "mean_depth": "Mean depth of reflections",
          "target": "Share of pupil-weeks meeting the target"}

_NOTE = ("Each outcome compares the last half term with reflections against the first. The "
         "shares are put in standard deviations as Cohen's h (the change on the arcsine scale, "
         "where 0.2 is small, as for d) and the mean depth as Hedges' g, so that one smallest "
         "effect applies to all three. Reflections and weeks of the same pupil are alike, so "
         "the intervals are a little narrower than they should be, and pupils are a year older "
         "at the end: a change is not by itself evidence that the conferences caused it.")


def outcome_effects(refl: pd.DataFrame, weeks: pd.DataFrame, *, level: int,
                    deep: str) -> list[OutcomeEffect]:
    """Each outcome with an estimate, in the order of ``OUTCOMES``.

    Parameters
    ----------
    refl : DataFrame
        :func:`~slc_research.casestudies.conferences.analysis.reflections` (``half_term``,
        ``depth``, ``author_id``).
    weeks : DataFrame
        :func:`~slc_research.casestudies.conferences.analysis.pupil_weeks` (``week``,
        ``member_id``, ``met``).
    level : int
        The rubric level from which a reflection counts as deep.
    deep : str
        What "deep" means with the rubric, e.g. ``"explanatory or deeper"``.

    Returns
    -------
    list of OutcomeEffect
        Empty when the reflections fall in fewer than two half terms; an outcome that
        cannot be estimated is left out.
    """
    periods = [p for p, d in refl.groupby("half_term", observed=True, sort=True) if len(d)]
    if len(periods) < 2:
        return []
    first = refl[refl["half_term"] == periods[0]]
    last = refl[refl["half_term"] == periods[-1]]
    pupils = min(first["author_id"].nunique(), last["author_id"].nunique())
    found: list[OutcomeEffect | None] = []
    change = _try(lambda: stats.proportion_difference(
        int((last["depth"] >= level).sum()), len(last), int((first["depth"] >= level).sum()),
        len(first)))
    found.append(arcsine_effect("depth", LABELS["depth"].format(deep=deep),
                                float((first["depth"] >= level).mean()),
                                float((last["depth"] >= level).mean()),
                                n_before=len(first), n_after=len(last),
                                p_value=None if change is None else change.p_value))
    g = _try(lambda: stats.hedges_g(last["depth"].astype(float), first["depth"].astype(float),
                                    ci="normal"))
    found.append(None if g is None else from_interval(
        "mean_depth", LABELS["mean_depth"], g.estimate, g.ci_low, g.ci_high, n1=pupils,
        measure="g"))
    found.append(_target(weeks, periods[0], periods[-1]))
    return [dataclasses.replace(e, n1=pupils) if e.key == "depth" else e
            for e in found if e is not None]


def family_section(effects: list[OutcomeEffect], *, primary: str, smallest_effect: float,
                   threshold: int) -> Section:
    """The ``outcomes`` section of the student-led conferences report."""
    return outcomes_section(
        effects, primary=primary, smallest_effect=smallest_effect, threshold=threshold,
        wording={"subject": "it", "up": "rose", "down": "fell",
                 "than": " from the first to the last half term"},
        labels={"n1": "Pupils (fewer of the two half terms)"},
        note=_NOTE,
        missing="All the reflections fall in one half term, so there is no change over the "
                "year to test yet.")


def _target(weeks: pd.DataFrame, first: str, last: str) -> OutcomeEffect | None:
    if weeks.empty:
        return None
    term = school_period(pd.DatetimeIndex(weeks["week"]), by="half_term").to_numpy()
    before, after = weeks[term == first], weeks[term == last]
    if before.empty or after.empty:
        return None
    test = _try(lambda: stats.proportion_difference(
        int(after["met"].sum()), len(after), int(before["met"].sum()), len(before)))
    effect = arcsine_effect("target", LABELS["target"], float(before["met"].mean()),
                            float(after["met"].mean()), n_before=len(before),
                            n_after=len(after),
                            p_value=None if test is None else test.p_value)
    pupils = min(before["member_id"].nunique(), after["member_id"].nunique())
    return None if effect is None else dataclasses.replace(effect, n1=pupils)


def _try(compute):
    try:
        return compute()
    except stats.StatsError:
        return None
