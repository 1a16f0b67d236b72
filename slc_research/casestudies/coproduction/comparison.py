"""Regression to the mean: the pilot's pupils beside pupils chosen by the same baseline rule.

The pilot's pupils were nominated because their behaviour was among the worst in their year
groups. Pupils picked at a bad time tend to look better later whatever happens (regression to
the mean), so a fall in their behaviour points is not by itself evidence that the projects
worked. :func:`baseline_comparison` builds a comparison of pupils who did *not* take part,
chosen by the same rule: the same schools, the same year groups, and the same top band of the
earlier behaviour rate. Their change is what would be expected without the project; the
difference of the two changes is the estimate the report leads with.

The rule (:func:`comparison_pupils`): in each school, the pupils of the participants' year
groups whose negative behaviour points per school week *before* the school's first
co-production meeting were at least the participants' median (:data:`BASELINE_QUANTILE`) and
above zero, and who are not in the pilot: the top band of the year groups' earlier behaviour
rate that holds the worse half of the participants. Its baseline is then at least as high as
the participants' on average, so it regresses at least as much: if anything, the comparison
understates what the pilot added.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slc_research.casestudies.coproduction.outcomes import behaviour_rates, or_none
from slc_research.stats import (
    TestResult,
    mean_ci,
    proportion_difference,
    welch_t,
    wilson_ci,
)

__all__ = ["BASELINE_QUANTILE", "MIN_COMPARISON", "BaselineComparison", "baseline_comparison",
           "comparison_pupils", "eligible_pupils"]

#: The comparison's baseline floor: this quantile of the participants' earlier rate.
BASELINE_QUANTILE = 0.5
#: Fewer comparison pupils than this and no comparison is reported.
MIN_COMPARISON = 5


@dataclass(frozen=True)
class BaselineComparison:
    """The pilot's change beside the change of non-participants chosen by the same rule.

    Attributes
    ----------
    groups : DataFrame
        Two rows (``group``: ``"Took part"``, ``"Comparison"``): ``n``, ``rate_before``,
        ``rate_after``, ``change`` (mean, points per school week) with its t interval
        (``change_ci_low``, ``change_ci_high``), ``pct_improved`` with its Wilson interval
        (``improved_ci_low``, ``improved_ci_high``).
    difference : TestResult or None
        Participants' mean change minus the comparison's (Welch's t): below 0, the
        participants' points fell more than the comparison's.
    improved_difference : TestResult or None
        Participants' % improved minus the comparison's, as a proportion (Newcombe).
    share : float
        The top share of the year groups' earlier behaviour rate the rule took (0-1).
    reason : str
        Why there is no comparison ("" when there is one).
    chosen : DataFrame or None
        The comparison pupils' behaviour rates (``rate_before``, ``rate_after``, ...), for
        the standardised difference; None when no comparison exists.
    """

    groups: pd.DataFrame
    difference: TestResult | None
    improved_difference: TestResult | None
    share: float
    reason: str = ""
    chosen: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        """Whether a comparison exists."""
        return self.difference is not None


def comparison_pupils(pilot: pd.DataFrame, rates: pd.DataFrame, *,
                      quantile: float = BASELINE_QUANTILE) -> tuple[pd.DataFrame, float]:
    """Non-participants chosen by the pilot's baseline rule, school by school.

    Parameters
    ----------
    pilot : DataFrame
        :func:`~slc_research.casestudies.coproduction.pilot.pilot_pupils` (``pupil_id``).
    rates : DataFrame
        :func:`~slc_research.casestudies.coproduction.outcomes.behaviour_rates` for every
        pupil of the pilot's schools and year groups (participants and others), each with
        their school's start.
    quantile : float
        The participants' quantile of the earlier rate that is the band's floor.

    Returns
    -------
    (DataFrame, float)
        The comparison pupils' rows of ``rates``, and the share of the year groups' pupils
        (with a rate) in the band, over all schools.
    """
    took_part = set(pilot["pupil_id"].astype(str))
    chosen, in_band, eligible = [], 0, 0
    for _, group in rates.groupby("school", sort=True):
        mine = group[group["pupil_id"].isin(took_part)]
        if mine.empty:
            continue
        floor = max(float(np.quantile(mine["rate_before"], quantile)), 0.0)
        band = group[(group["rate_before"] >= floor) & (group["rate_before"] > 0)]
        in_band += len(band)
        eligible += len(group)
        chosen.append(band[~band["pupil_id"].isin(took_part)])
    out = (pd.concat(chosen, ignore_index=True) if chosen
           else rates.iloc[0:0].reset_index(drop=True))
    return out, (in_band / eligible if eligible else float("nan"))


def eligible_pupils(pupils: pd.DataFrame, pilot: pd.DataFrame) -> pd.DataFrame:
    """The pupils of the pilot's schools and of its pupils' year groups, with their school's start.

    Parameters
    ----------
    pupils : DataFrame
        The canonical ``pupils`` table.
    pilot : DataFrame
        :func:`~slc_research.casestudies.coproduction.pilot.pilot_pupils`.

    Returns
    -------
    DataFrame
        ``pupil_id``, ``school``, ``start`` (the school's earliest pilot start), participants
        included. Empty when the pupils table has no year groups.
    """
    cols = ["pupil_id", "school", "start"]
    if pupils.empty or pupils["year_group"].isna().all():
        return pd.DataFrame(columns=cols)
    roster = pupils[["pupil_id", "school", "year_group"]].dropna().astype(
        {"pupil_id": str, "school": str})
    year_of = roster.set_index("pupil_id")["year_group"]
    p = pilot.assign(year_group=pilot["pupil_id"].astype(str).map(year_of))
    rows = []
    for school, group in p.groupby("school", sort=True):
        years = set(group["year_group"].dropna())
        if not years:
            continue
        same = roster[(roster["school"] == school) & roster["year_group"].isin(years)]
        rows.append(pd.DataFrame({"pupil_id": same["pupil_id"].to_numpy(), "school": school,
                                  "start": group["start"].min()}))
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.concat(rows, ignore_index=True)
    return out[~out["pupil_id"].isin(set(pilot["pupil_id"].astype(str)))][cols]


def baseline_comparison(pupils: pd.DataFrame, pilot: pd.DataFrame, behaviour: pd.DataFrame,
                        days: pd.DatetimeIndex, rates: pd.DataFrame, *,
                        confidence: float = 0.95, least: int = MIN_COMPARISON
                        ) -> BaselineComparison:
    """The participants' behaviour change beside that of pupils chosen by the same rule.

    Parameters
    ----------
    pupils, behaviour : DataFrame
        The canonical ``pupils`` and ``behaviour`` tables.
    pilot : DataFrame
        :func:`~slc_research.casestudies.coproduction.pilot.pilot_pupils`.
    days : DatetimeIndex
        The school days.
    rates : DataFrame
        The participants' :func:`~slc_research.casestudies.coproduction.outcomes.behaviour_rates`.
    confidence : float, default 0.95
    least : int, default :data:`MIN_COMPARISON`
        The fewest comparison pupils to compare with (a report passes its suppression
        threshold when that is larger: a smaller group would be withheld anyway).

    Returns
    -------
    BaselineComparison
        With ``reason`` set and no ``difference`` when no comparison exists (no year groups
        recorded, or fewer than ``least`` pupils meet the rule).

    Notes
    -----
    The difference of the mean changes has Welch's t interval; the difference of the shares
    improved Newcombe's hybrid score interval. Both groups were chosen for a high earlier rate,
    so both regress towards their usual level; what the project adds is the difference. The
    comparison pupils were not nominated by their school, so they may differ in ways the rule
    does not capture (pupil premium, SEN, what staff knew of them).
    """
    empty = BaselineComparison(_groups(rates, rates.iloc[0:0], confidence), None, None,
                               float("nan"))
    others = eligible_pupils(pupils, pilot)
    if others.empty:
        return _without(empty, "the pupils' year groups are not recorded, so no pupils can be "
                               "chosen by the same rule")
    if rates.empty:
        return _without(empty, "no participant has behaviour records before and after")
    other_rates = behaviour_rates(behaviour, others, days)
    both = pd.concat([rates, other_rates], ignore_index=True)
    chosen, share = comparison_pupils(pilot, both)
    groups = _groups(rates, chosen, confidence)
    if len(chosen) < least:
        return BaselineComparison(groups, None, None, share,
                                  f"fewer than {least} pupils who did not take part had an "
                                  "earlier behaviour rate as high as the participants'")
    diff = or_none(lambda: welch_t(rates["change"].to_numpy(float),
                                chosen["change"].to_numpy(float), confidence=confidence))
    improved = or_none(lambda: proportion_difference(
        int(rates["improved"].sum()), len(rates), int(chosen["improved"].sum()), len(chosen),
        confidence=confidence))
    return BaselineComparison(groups, diff, improved, share,
                              "" if diff is not None else "the difference could not be estimated",
                              chosen.reset_index(drop=True))


def _without(result: BaselineComparison, reason: str) -> BaselineComparison:
    return BaselineComparison(result.groups, None, None, result.share, reason)


def _groups(took_part: pd.DataFrame, comparison: pd.DataFrame, confidence: float
            ) -> pd.DataFrame:
    rows = []
    for label, g in (("Took part", took_part), ("Comparison", comparison)):
        row = {"group": label, "n": len(g), "rate_before": np.nan, "rate_after": np.nan,
               "change": np.nan, "change_ci_low": np.nan, "change_ci_high": np.nan,
               "pct_improved": np.nan, "improved_ci_low": np.nan, "improved_ci_high": np.nan}
        if len(g):
            ci = or_none(lambda g=g: mean_ci(g["change"].astype(float), confidence=confidence))
            imp = wilson_ci(int(g["improved"].sum()), len(g), confidence=confidence)
            row.update(rate_before=g["rate_before"].mean(), rate_after=g["rate_after"].mean(),
                       change=g["change"].mean(),
                       change_ci_low=ci.ci_low if ci else np.nan,
                       change_ci_high=ci.ci_high if ci else np.nan,
                       pct_improved=100 * imp.estimate, improved_ci_low=100 * imp.ci_low,
                       improved_ci_high=100 * imp.ci_high)
        rows.append(row)
    return pd.DataFrame(rows)

