"""The SLC report's second looks: two models side by side, dose-response, pupil premium.

Each function returns a :class:`~slc_research.casestudies.result.Section` of the result that
:func:`slc_research.casestudies.slc_impact.study.run` assembles.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from slc_research import charts
from slc_research.casestudies.result import Section, Table
from slc_research.casestudies.slc_impact import adjusted, differencing, subgroups
from slc_research.casestudies.slc_impact import tables as t
from slc_research.casestudies.slc_impact.findings import change_finding, join_words
from slc_research.privacy.suppression import SUPPRESSED_COLUMN, suppress_small

__all__ = ["D_PPC2_AXIS", "NO_COMPARISON_MODELS", "second_looks"]

#: The adjusted section of a report with no comparison group.
NO_COMPARISON_MODELS = ("There is no comparison group, so neither model was fitted: both compare "
                        "members with other pupils.")

#: The x-axis title of every d_ppc2 forest chart.
D_PPC2_AXIS = ("Effect size d, members' change minus other pupils', in SDs before (95% CI; the arrow "
               "by each outcome points to the better side)")


def second_looks(all_results, scale_results, attendance, part, pupils,
                 threshold: int, rep, *, no_meetings: str = "") -> tuple[Section, ...]:
    """The sections ``adjusted``, ``dose_response`` and ``pupil_premium``.

    Parameters
    ----------
    all_results : list of ChangeResult
        Every outcome (scales, attendance, behaviour).
    scale_results : list of ChangeResult
        The questionnaire scales alone.
    attendance : ChangeResult
        Attendance (with the scales, the outcomes of the dose-response section).
    part : Participation
        Members' attendance at meetings.
    pupils : DataFrame
        The canonical ``pupils`` table (pupil premium).
    threshold : int
        The enquiry's suppression threshold.
    rep : Representativeness
        Who took part (its published counts must not give away a small group).
    no_meetings : str, optional
        The sentence that stands for the dose-response section when there are no meetings
        to count (:func:`~slc_research.casestudies.slc_impact.impact.meetings_missing`).
    """
    compared = attendance.comparison == "non_members"  # the report's comparison
    if not compared:  # comparison = "none": both models and the interaction test need others
        adjusted_section = Section("adjusted", "Two ways of allowing for where pupils started",
                                   finding=NO_COMPARISON_MODELS)
    else:
        adjusted_section = _adjusted_section(all_results, threshold)

    doses = {r.outcome: adjusted.dose_response(r, part) for r in [*scale_results, attendance]}
    found = [d for d in doses.values() if d is not None]
    clear = [d.outcome for d in found if d.n >= threshold and (d.ci_low > 0 or d.ci_high < 0)]
    dose_table = suppress_small(pd.DataFrame(
        [{"outcome": d.outcome, "per_10_points": d.estimate, "ci_low": d.ci_low,
          "ci_high": d.ci_high, "p_value": d.p_value, "n": d.n} for d in found],
        columns=["outcome", "per_10_points", "ci_low", "ci_high", "p_value", "n"]),
        count_cols=["n"], threshold=threshold, display=True, partition_by=None)
    first = found[0] if found else None
    dose_section = Section("dose_response", "Did more meetings mean more change?",
                           finding=no_meetings) if no_meetings else Section(
        "dose_response", "Did more meetings mean more change?",
        paragraphs=() if first else ("Too few members with meeting records and two "
                                     "measurements to look at this.",),
        tables=(Table(dose_table, decimals=2, caption=("Members' change and the share of "
                                                       "meetings they came to"), labels={
            "outcome": "Outcome", "per_10_points": "Extra change per 10 points more attendance",
            "ci_low": "95% CI low", "ci_high": "95% CI high", "p_value": "p", "n": "Members"}),),
        charts=(charts.dose_response_chart(
            suppress_small(first.bands, count_cols=["n"], threshold=threshold,
                           partition_by=[]),
            outcome=first.outcome, unit=first.unit),) if first else (),
        note=("The slope says how much more a member's score changed for every 10 percentage "
              "points more of the meetings they came to. A slope whose interval includes 0 "
              "shows no clear link. Members who come more often may also be the keenest, so "
              "even a clear slope is an association, not proof that the meetings caused the "
              "change."),
        finding=(f"Members who came to more of the meetings changed more, or less, on "
                 f"{join_words(clear)}; elsewhere there is no clear link." if clear else
                 "There is no clear link between how many meetings members came to and how "
                 "much they changed.") if first else "",
        records={f"dose_{name}": _published_dose(d, threshold) for name, d in doses.items()
                 if d is not None and d.n >= threshold})

    pp = adjusted.subgroup_results(all_results, pupils, column="pupil_premium", value=True,
                                   label="pupil premium")
    pp_ids = pupils.loc[pupils["pupil_premium"].astype(object) == True,  # noqa: E712
                        "pupil_id"].astype(str)
    interaction = subgroups.interaction_table(all_results, pp_ids, threshold=threshold,
                                              display=False)
    pp_section = Section(
        "pupil_premium", "Disadvantaged pupils",
        finding="Among pupils eligible for the pupil premium: "
                + change_finding(pp, threshold)[0].lower() + change_finding(pp, threshold)[1:]
                + (" " + subgroups.interaction_finding(interaction) if compared else ""),
        paragraphs=(subgroups.SUBGROUP_CAVEAT,),
        tables=(Table(_pp_protected(t.effects_summary(pp, threshold=threshold), rep,
                                    ("Members", "Other pupils"), threshold), decimals=2,
                      caption=("Pupil premium pupils: members' change compared with other "
                               "pupils' change")),
                Table(_pp_protected(subgroups.interaction_table(all_results, pp_ids,
                                                                threshold=threshold), rep,
                                    ("Members in the subgroup",
                                     "Other pupils in the subgroup"), threshold),
                      decimals={"Difference in effect (member x subgroup)": 2,
                                "95% CI low": 2, "95% CI high": 2, "p": 3},
                      caption=("Does the effect differ for pupil premium pupils? The "
                               "interaction test"))),
        charts=(charts.effect_size_chart(t.effects_summary(pp, threshold=threshold,
                                                           display=False), x_title=D_PPC2_AXIS,
                                         title="Pupil premium pupils: effect sizes"),),
        note=_pp_note(threshold, compared=compared),
        records=differencing.protect_records(
            {**{f"pp_{k}": v for k, v in t.headlines(pp, threshold=threshold).items()},
             "pp_interaction": interaction.drop(columns=["suppressed"])},
            tuple(differencing.published_count(rep, "Pupil premium", "Yes", g)
                  for g in ("n_members", "n_rest")), threshold=threshold))
    return adjusted_section, dose_section, pp_section


def _adjusted_section(all_results, threshold: int) -> Section:
    """Difference in differences and ANCOVA side by side."""
    fits = adjusted.fit_models(all_results)  # both models fitted once for all that follows
    models = adjusted.adjusted_comparison(all_results, threshold=threshold, display=False,
                                          fits=fits)
    if models.dropna(subset=["ci_low", "ci_high"]).empty:  # no table of withheld rows under it
        return Section("adjusted", "Two ways of allowing for where pupils started",
                       finding=_models_finding(models),
                       records={"adjusted": models.drop(columns=["suppressed"])})
    return Section(
        "adjusted", "Two ways of allowing for where pupils started",
        finding=_models_finding(models),
        paragraphs=adjusted.models_paragraphs(all_results, threshold=threshold, fits=fits),
        tables=(Table(adjusted.adjusted_comparison(all_results, threshold=threshold, fits=fits),
                      decimals=2, caption=("Members minus other pupils: difference in "
                                           "differences and ANCOVA side by side")),),
        charts=(charts.effect_size_chart(
            adjusted.ancova_effects(models),
            title="ANCOVA effect sizes (adjusted for the starting point)"),),
        note=("Each row is the difference between members and other pupils in the outcome's "
              "own units, with its 95% confidence interval. Difference in differences is the "
              "headline comparison in the outcome's units; ANCOVA asks a different question "
              "(pupils who started at the same score). When members started ahead the two "
              "differ by about the gap at the start times (1 - slope), and neither is the "
              "right answer by itself: report both. Neither model can rule out that "
              "volunteers would have changed differently anyway: only random allocation "
              "could."),
        records={"adjusted": models.drop(columns=["suppressed"])})


def _pp_note(threshold: int, *, compared: bool) -> str:
    """The pupil premium section's "How to read this" (the interaction test only when run)."""
    few = ("Disadvantaged members are usually few, so these intervals are wide: a result here "
           "is a question to follow up, not a finding on its own. ")
    withheld = f"Rows with fewer pupils than the enquiry's threshold ({threshold}) are withheld."
    if not compared:
        return (few + "There is no comparison group: this is pupil premium members' own "
                "change, and whether the effect differs for them cannot be tested. " + withheld)
    return (few + "The interaction test asks whether the difference between pupil premium "
            "members and other pupil premium pupils is larger or smaller than the same "
            "difference outside the pupil premium (in the outcome's units); only an interval "
            "that leaves out 0 is evidence that the effect differs. " + withheld)


def _pp_protected(table: pd.DataFrame, rep, columns: tuple[str, str],
                  threshold: int) -> pd.DataFrame:
    """Pupil-premium members and others analysed, withheld where a published count would tell.

    "Who took part"'s counts minus them must not reveal fewer than ``threshold`` pupils.
    """
    for column, group in zip(columns, ("n_members", "n_rest"), strict=True):
        table = differencing.withhold_differences(
            table, column, differencing.published_count(rep, "Pupil premium", "Yes", group),
            threshold=threshold)
    return table


def _models_finding(models: pd.DataFrame) -> str:
    """Whether the two models agree on which outcomes show a clear difference."""
    shown = models.dropna(subset=["ci_low", "ci_high"])
    if shown.empty:
        return "Too few pupils were measured twice to fit either model."
    clear = shown.assign(clear=(shown["ci_low"] > 0) | (shown["ci_high"] < 0))
    both = clear.groupby("outcome", sort=False)["clear"].agg(["all", "any"])
    agree = [o for o, r in both.iterrows() if r["all"]]
    split = [o for o, r in both.iterrows() if r["any"] and not r["all"]]
    text = (f"Both models find a clear difference between members and other pupils on "
            f"{join_words(agree)} (each at the 5% level, before allowing for several outcomes)"
            if agree else "Neither model finds a clear difference")
    if split:
        text += (f"; on {join_words(split)} one model finds a clear difference and the other does "
                 "not, so the result depends on an assumption the data cannot check")
    return text + ". They are two answers under different assumptions, not a check of one by " \
        "the other."


def _published_dose(dose, threshold: int):
    """A dose-response result as the index records it, its attendance bands suppressed.

    The bands are a partition of the members analysed, so they are suppressed together.
    """
    bands = suppress_small(dose.bands, count_cols=["n"], threshold=threshold)
    return dataclasses.replace(dose, bands=bands.drop(columns=[SUPPRESSED_COLUMN]))
