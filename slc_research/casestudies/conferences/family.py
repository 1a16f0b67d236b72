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

import numpy as np
import pandas as pd

from slc_research import stats
from slc_research.casestudies.conferences import analysis as cf
from slc_research.casestudies.outcome_family import (
    OutcomeEffect,
    arcsine_effect,
    from_interval,
    outcomes_section,
)
from slc_research.casestudies.result import Section
from slc_research.measures.attendance import school_period

__all__ = ["GROUP_CAVEAT", "LABELS", "family_section", "group_difference", "outcome_effects"]

#: The outcomes in the reader's words.
LABELS = {"depth": "Share of reflections that were {deep}",
          "mean_depth": "Mean depth of reflections",
          "target": "Share of pupil-weeks meeting the target"}

#: How to read a difference between classes or phases (with :func:`group_difference`).
GROUP_CAVEAT = ("A class or phase whose share looks higher or lower than another's, without "
                "evidence from the test that the groups differ, is not evidence of a real "
                "difference between them: a small group's share varies more by chance, and "
                "the highest and lowest of several groups always look further apart than "
                "they are.")

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


def group_difference(refl: pd.DataFrame, pupils: pd.DataFrame, *, by: str = "class",
                     level: int = 2, groups: list[str] | None = None
                     ) -> stats.TestResult | None:
    """Does the share of deep reflections differ between the groups? A test of them all.

    A logistic regression of "at ``level`` or deeper" on the group, with standard errors
    clustered by pupil (a pupil's reflections are alike), and the Wald test that every
    group has the same share (``statistic`` chi-square on ``df`` = groups - 1).

    Parameters
    ----------
    refl, pupils, by, level
        As :func:`~slc_research.casestudies.conferences.analysis.depth_by_group`.
    groups : list of str, optional
        Only these groups (those a reader is shown); default all.

    Returns
    -------
    TestResult or None
        ``p_value``, ``statistic``, ``df``, ``n`` (reflections), ``extra["k"]`` (groups);
        None with fewer than two groups or when the model cannot be fitted (a group where
        every reflection, or none, is deep).
    """
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import PerfectSeparationError
    from statsmodels.tools.tools import add_constant

    r = cf.reflection_groups(refl, pupils, by).dropna(subset=["group"])
    if groups is not None:
        r = r[r["group"].isin(groups)]
    k = r["group"].nunique()
    if k < 2:
        return None
    x = add_constant(pd.get_dummies(r["group"], drop_first=True, dtype=float))
    y = (r["depth"] >= level).to_numpy(float)
    cluster = pd.factorize(r["author_id"])[0]
    try:
        fit = GLM(y, x, family=families.Binomial()).fit(
            cov_type="cluster", cov_kwds={"groups": cluster})
        wald = fit.wald_test(np.eye(k)[1:], scalar=True)
    except (ValueError, np.linalg.LinAlgError, PerfectSeparationError):
        return None
    p, statistic = float(wald.pvalue), float(wald.statistic)
    if not np.isfinite(p):
        return None
    return stats.TestResult(float("nan"), float("nan"), float("nan"), len(r),
                            "logistic regression, Wald test, errors clustered by pupil",
                            statistic, float(k - 1), p, "difference between groups", "chi2",
                            extra={"k": int(k)})


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
