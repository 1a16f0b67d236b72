"""The co-production pilot's outcomes as one family: behaviour first, then the check-in answers.

The pilot looks at four outcomes (:data:`~slc_research.casestudies.coproduction.OUTCOMES`):
negative behaviour points per school week, the two yes/no check-in questions and the
relationships scale. One is declared primary (the ``primary_outcome`` parameter, default
behaviour); the others are secondary and read with Holm-adjusted p
(:mod:`slc_research.casestudies.outcome_family`). Each is put in standard deviations so the
equivalence test's smallest effect applies to all of them:

- behaviour, when pupils chosen by the same baseline rule exist: Morris's d_ppc2 of the
  participants' change against theirs (:func:`~slc_research.stats.ppc_effect_size`), with
  Welch's p of the difference in points (the comparison section's test); without a
  comparison, the participants' own g_av, before against after;
- a yes/no question: Cohen's h of the share answering Yes, after against before, among the
  pupils who answered both times, with McNemar's mid-p;
- the relationships scale: g_av with its paired t p.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from slc_research.casestudies.coproduction.comparison import BaselineComparison
from slc_research.casestudies.coproduction.outcomes import ALL_SCHOOLS, or_none
from slc_research.casestudies.outcome_family import (
    OutcomeEffect,
    arcsine_effect,
    equivalence,
    from_interval,
    outcomes_section,
)
from slc_research.casestudies.result import Section
from slc_research.stats import ppc_effect_size

__all__ = ["LABELS", "family_section", "outcome_effects", "with_verdict"]

#: The outcomes in the reader's words.
LABELS = {"behaviour": "Negative behaviour points per week",
          "trouble": "\u201cI often get into trouble\u201d (share answering Yes)",
          "confident": "\u201cI feel confident about speaking up\u201d (share answering Yes)",
          "relationships": "Relationships with teachers (scale)"}

_NOTE = ("Each outcome is shown in standard deviations so that they can be read on one scale. "
         "Behaviour, where similar pupils who did not take part exist, is Morris's d_ppc2: how "
         "much more the participants' points per week changed than the comparison's, in "
         "standard deviations of the points before (negative: the participants' points fell "
         "more); without a comparison it is g_av, the participants' own change. A yes/no "
         "question is Cohen's h, the change in the share answering Yes on a scale where 0.2 is "
         "small, as for d; the relationships scale is g_av. The p beside each is its own "
         "section's test (Welch's t, McNemar's mid-p, the paired t). Only behaviour has a "
         "comparison group: the others are before-and-after changes that regression to the "
         "mean and the school year can produce on their own.")


def outcome_effects(rates: pd.DataFrame, behaviour: pd.DataFrame,
                    comparison: BaselineComparison, trouble: pd.DataFrame,
                    confident: pd.DataFrame, relationships: pd.DataFrame) -> list[OutcomeEffect]:
    """Each outcome with an estimate, standardised, in the order of ``OUTCOMES``.

    Parameters
    ----------
    rates : DataFrame
        The participants' :func:`~slc_research.casestudies.coproduction.outcomes.behaviour_rates`.
    behaviour : DataFrame
        :func:`~slc_research.casestudies.coproduction.outcomes.behaviour_summary`.
    comparison : BaselineComparison
    trouble, confident : DataFrame
        :func:`~slc_research.casestudies.coproduction.outcomes.yes_no_change` (with their
        paired counts).
    relationships : DataFrame
        :func:`~slc_research.casestudies.coproduction.outcomes.scale_change_summary`.

    Returns
    -------
    list of OutcomeEffect
        Outcomes that cannot be estimated are left out.
    """
    found = [_behaviour(rates, behaviour, comparison),
             _yes_no("trouble", trouble), _yes_no("confident", confident),
             _relationships(relationships)]
    return [e for e in found if e is not None]


def family_section(effects: list[OutcomeEffect], *, primary: str, smallest_effect: float,
                   threshold: int) -> Section:
    """The ``outcomes`` section of the co-production report."""
    return outcomes_section(
        effects, primary=primary, smallest_effect=smallest_effect, threshold=threshold,
        wording={"subject": "the pupils' figure", "up": "rose", "down": "fell",
                 "than": ""},
        labels={"n1": "Pupils", "n2": "Comparison pupils", "estimate": "Effect (SDs)"},
        note=_NOTE,
        missing="No outcome could be estimated: too few pupils were measured twice.")


def _behaviour(rates: pd.DataFrame, behaviour: pd.DataFrame,
               comparison: BaselineComparison) -> OutcomeEffect | None:
    if comparison.ok and comparison.chosen is not None:
        c = comparison.chosen
        d = or_none(lambda: ppc_effect_size(rates["rate_before"], rates["rate_after"],
                                            c["rate_before"], c["rate_after"]))
        if d is not None:
            return OutcomeEffect("behaviour", LABELS["behaviour"] + ", beyond the change of similar pupils",
                                 d.estimate, d.se, d.ci_low, d.ci_high,
                                 comparison.difference.p_value, d.n_treated, d.n_comparison,
                                 "d_ppc2")
    row = _all(behaviour)
    if row is None:
        return None
    return from_interval("behaviour", LABELS["behaviour"] + " (no comparison)", row["g_av"],
                         row["g_ci_low"], row["g_ci_high"], n1=int(row["n"]),
                         p_value=row["p"], measure="g_av")


def _yes_no(key: str, table: pd.DataFrame) -> OutcomeEffect | None:
    row = _all(table)
    if row is None or not row["n_both"] > 0 or pd.isna(row["change_ci_low"]):
        return None
    n = int(row["n_both"])
    before = (row["yes_yes"] + row["yes_no"]) / n
    after = (row["yes_yes"] + row["no_yes"]) / n
    se = (row["change_ci_high"] - row["change_ci_low"]) / 100 / (2 * 1.959963984540054)
    return arcsine_effect(key, LABELS[key], before, after, n_before=n, n_after=n,
                          se_difference=se, p_value=row["p"])


def _relationships(table: pd.DataFrame) -> OutcomeEffect | None:
    if table.empty:
        return None
    r = table.iloc[0]
    return from_interval("relationships", LABELS["relationships"], r["g_av"], r["g_ci_low"],
                         r["g_ci_high"], n1=int(r["n"]), p_value=r["p"], measure="g_av")


def _all(table: pd.DataFrame) -> Any:
    if table.empty or "school" not in table.columns:
        return None
    hit = table[table["school"] == ALL_SCHOOLS]
    return None if hit.empty else hit.iloc[0]


def with_verdict(section: Section, effects: list[OutcomeEffect], declared: dict,
                 outcome: str = "") -> Section:
    """A section whose outcome's interval includes 0, with its equivalence verdict after it.

    ``outcome`` is the outcome's key when it is not the section's (``"behaviour"`` for the
    comparison section).
    """
    effect = next((e for e in effects if e.key == (outcome or section.key)), None)
    if (effect is None or effect.n1 < declared["threshold"]
            or effect.ci_low > 0 or effect.ci_high < 0):
        return section
    tested = equivalence(effect, declared["smallest_effect"])
    return dataclasses.replace(section, paragraphs=(*section.paragraphs, (
        f"Equivalence test ({effect.measure} = {effect.estimate:.2f} standard deviations, "
        f"{'primary' if effect.key == declared['primary'] else 'secondary'} outcome): "
        f"{tested.in_words()}.")))
