"""The TLC report's outcomes: the staff survey's scales, the declared one primary.

The report's outcome is the end-of-year staff survey scale named by the ``scale``
parameter (default ``"tlc_impact"``): it is declared in advance as the primary outcome.
Other scales of the same survey, when the enquiry has them, are secondary and read with
Holm-adjusted p; with one scale the report says there is one outcome
(:mod:`slc_research.casestudies.outcome_family`).

The survey is asked of staff only (at its latest wave when it is given more than once: the
waves' anonymous answers cannot be linked), so there is no comparison group and no "before":
each scale's effect is how far staff's mean score lies from the neutral answer of its
response scale, in standard deviations of the staff's scores (a one-sample Hedges' g), with
the one-sample t test's p. The equivalence test then says whether the data rule out a mean
further than the smallest effect that matters from neutral, or are inconclusive. It is what
staff say about the TLCs, not a measured change in their teaching.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from scipy import stats as sps

from slc_research.casestudies.outcome_family import (
    OutcomeEffect,
    arcsine_effect,
    equivalence,
    outcomes_section,
)
from slc_research.casestudies.result import Section
from slc_research.casestudies.tlc import staff_survey
from slc_research.words import listed

__all__ = ["neutral_effect", "share_finding", "survey_effects", "survey_outcomes_section",
           "survey_waves"]

_NOTE = ("The staff survey is asked once, of staff only: there is no comparison group and no "
         "earlier answer, so each scale's effect is how far staff's mean score lies from the "
         "neutral answer, in standard deviations of their scores (Hedges' g; positive: staff "
         "agree on average). It is what staff say about the TLCs, not a measured change in "
         "their teaching, and those who answered may be the most engaged.")


def neutral_effect(key: str, label: str, scores: Any, neutral: float) -> OutcomeEffect | None:
    """Staff's mean score against the neutral answer, as a one-sample Hedges' g.

    Parameters
    ----------
    key, label : str
    scores : array-like of float
        One scale score per respondent (missing left out).
    neutral : float
        The neutral answer of the response scale (3 on a 1-5 scale).

    Returns
    -------
    OutcomeEffect or None
        ``estimate`` g = J (mean - neutral) / sd with J = 1 - 3 / (4 (n - 1) - 1),
        ``se`` = sqrt(1 / n + g² / (2 n)) (Hedges & Olkin, 1985), a normal 95% interval,
        the one-sample t test's p (n - 1 df) and ``measure`` ``"g"``; None with fewer
        than 3 scores or no spread.
    """
    s = pd.Series(scores, dtype="float64").dropna()
    n = len(s)
    sd = float(s.std(ddof=1)) if n > 1 else math.nan
    if n < 3 or not sd > 0:
        return None
    diff = float(s.mean()) - neutral
    g = (1 - 3 / (4 * (n - 1) - 1)) * diff / sd
    se = math.sqrt(1 / n + g ** 2 / (2 * n))
    z = float(sps.norm.ppf(0.975))
    p = float(2 * sps.t.sf(abs(diff) / (sd / math.sqrt(n)), n - 1))
    return OutcomeEffect(key, label, g, se, g - z * se, g + z * se, p, n, 0, "g")


def survey_waves(enq: Any, schools: list[str], scale: str) -> tuple[int, ...]:
    """The waves the scale's survey was given in, in the schools in scope."""
    answers = staff_survey.survey_answers(
        enq.survey_responses, enq.scales[scale],
        sources=staff_survey.survey_schools(enq.manifest.sources, enq.schools), schools=schools)
    return staff_survey.latest_wave(answers)[1]


def survey_effects(enq: Any, schools: list[str], scale: str) -> list[OutcomeEffect]:
    """The primary scale's effect first, then the other scales of the same survey.

    A survey given in several waves is read at its latest wave
    (:func:`~slc_research.casestudies.tlc.staff_survey.latest_wave`): much the same staff
    answer each time, so pooling the waves would count them twice.

    Parameters
    ----------
    enq : Enquiry
    schools : list of str
        The schools in scope.
    scale : str
        The primary scale (the ``scale`` parameter, already checked).
    """
    primary = enq.scales[scale]
    names = [scale, *sorted(n for n, s in enq.scales.items()
                            if n != scale and s.instrument == primary.instrument)]
    scores = enq.scale_scores()
    sources = staff_survey.survey_schools(enq.manifest.sources, enq.schools)
    out = []
    for name in names:
        survey_scale = enq.scales[name]
        rs = enq.manifest.response_scales[survey_scale.response_scale]
        answers, _ = staff_survey.latest_wave(staff_survey.survey_answers(
            enq.survey_responses, survey_scale, sources=sources, schools=schools))
        mine = staff_survey.respondents_scores(scores, answers, survey_scale)
        effect = neutral_effect(name, survey_scale.label or name, mine,
                                rs.start + (len(rs.levels) - 1) / 2)
        if effect is not None:
            out.append(effect)
    return out


def survey_outcomes_section(effects: list[OutcomeEffect], *, primary: str,
                            smallest_effect: float, threshold: int,
                            waves: tuple[int, ...] = ()) -> Section:
    """The ``outcomes`` section of the TLC report.

    Parameters
    ----------
    effects : list of OutcomeEffect
        :func:`survey_effects`.
    primary : str
    smallest_effect : float
    threshold : int
    waves : tuple of int
        The waves the survey was given in; with more than one, the note says the effects
        are of the latest wave's answers.
    """
    note = _NOTE if len(waves) < 2 else (
        "The staff survey is asked of staff only, so there is no comparison group. It was "
        f"given in waves {listed([str(w) for w in waves])}, and the answers of one wave cannot "
        "be linked to the next: each scale's effect is how far staff's mean score in the "
        f"latest wave (wave {waves[-1]}) lies from the neutral answer, in standard deviations "
        "of their scores (Hedges' g; positive: staff agree on average); the change between "
        "the waves is under the scale score. It is what staff say about the TLCs, not a "
        "measured change in their teaching, and those who answered may be the most engaged.")
    return outcomes_section(
        effects, primary=primary, smallest_effect=smallest_effect, threshold=threshold,
        wording={"subject": "staff's mean score was", "up": "above", "down": "below",
                 "than": " the neutral answer"},
        labels={"n1": "Staff answering", "estimate": "Effect (SDs from neutral)"},
        note=note,
        missing="Too few staff answered the survey to estimate its outcome.")


def share_finding(published: pd.DataFrame, growth: pd.DataFrame, label: str,
                  smallest_effect: float = 0.2) -> str:
    """The share of teaching staff in the latest year and its change, in one sentence.

    A change whose interval includes 0 is worded by its equivalence test (Cohen's h of the
    two years' shares against ``smallest_effect``), never as just "no clear change".
    """
    if published.empty:
        return "The staff list holds no teaching staff for these schools, so no share of " \
               "them can be worked out."
    last = published.iloc[-1]
    if pd.isna(last["pct"]):
        return (f"The share of teaching staff in {label} in {last['year']} is withheld, so "
                "that a small group of staff cannot be worked out.")
    text = (f"In {last['year']}, {last['pct']:.0f}% of teaching staff were members of {label} "
            f"(95% CI {last['pct_ci_low']:.0f}% to {last['pct_ci_high']:.0f}%)")
    # the change into the latest year only (a withheld year before it leaves none)
    if (growth.empty or pd.isna(growth["difference"].iloc[-1])
            or growth["to_year"].iloc[-1] != last["year"]):
        return text + "."
    g = growth.iloc[-1]
    size = (f"{abs(g['difference']):.0f} percentage points on {g['from_year']} (95% CI "
            f"{g['ci_low']:.0f} to {g['ci_high']:.0f})")
    if g["ci_low"] > 0:
        return f"{text}, a clear rise of {size}."
    if g["ci_high"] < 0:
        return f"{text}, a clear fall of {size}."
    text = (f"{text}, with no clear change from {g['from_year']} ({g['difference']:+.0f} "
            f"points, 95% CI {g['ci_low']:.0f} to {g['ci_high']:.0f})")
    years = published.set_index("year")
    before, after = years.loc[g["from_year"]], years.loc[g["to_year"]]
    effect = arcsine_effect(
        "share", "share", float(before["estimate"]), float(after["estimate"]),
        n_before=int(before["n"]), n_after=int(after["n"]))
    if effect is None:
        return text + "."
    tested = equivalence(effect, smallest_effect)
    return f"{text}; as Cohen's h = {effect.estimate:.2f}, {tested.in_words()}."
