"""The co-production pilot case study as one result: ``run(enquiry, params) -> Result``.

The notebook ``notebooks/coproduction_pilot.ipynb`` calls ``coproduction.STUDY`` once and
shows the sections of its result between its narrative cells; the index, the summary and the
dissertation pack are made from the same result.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from slc_research import charts
from slc_research.casestudies import outcome_family
from slc_research.casestudies.coproduction import OUTCOMES, family
from slc_research.casestudies.coproduction import pilot as cp
from slc_research.casestudies.coproduction.comparison import (
    MIN_COMPARISON,
    BaselineComparison,
    baseline_comparison,
)
from slc_research.casestudies.coproduction.findings import change_phrase, yes_no_finding
from slc_research.casestudies.coproduction.outcomes import PAIRED_COUNTS
from slc_research.casestudies.coproduction.sections import (
    comparison_record,
    comparison_section,
    design_section,
    difference_phrase,
    forest_section,
    improved_beside,
    participation_section,
    pooled_section,
)
from slc_research.casestudies.result import Result, Section, Table
from slc_research.privacy.suppression import published_count, suppress_small
from slc_research.words import plural

__all__ = ["run"]

#: Columns of a yes/no table as the reader sees them (``p``: McNemar's test, mid-p).
YES_NO_LABELS = {"school": "School", "n_before": "n before", "pct_before": "% Yes before",
                 "before_ci_low": "Before 95% CI low", "before_ci_high": "Before 95% CI high",
                 "n_after": "n after", "pct_after": "% Yes after",
                 "after_ci_low": "After 95% CI low", "after_ci_high": "After 95% CI high",
                 "n_both": "n both", "change_pp": "Change (points)",
                 "change_ci_low": "Change 95% CI low", "change_ci_high": "Change 95% CI high",
                 "p": "p"}
_BEFORE = ["pct_before", "before_ci_low", "before_ci_high"]
_AFTER = ["pct_after", "after_ci_low", "after_ci_high"]
#: The counts of a yes/no table and the figures each gives away: a percentage of a small
#: group reveals how many said yes (and no), so it is withheld through those counts too.
YES_NO_COUNTS = {"n_before": _BEFORE, "yes_before": _BEFORE, "no_before": _BEFORE,
                 "n_after": _AFTER, "yes_after": _AFTER, "no_after": _AFTER,
                 "n_both": ["change_pp", "change_ci_low", "change_ci_high", "p"]}
#: A share improved of a small school reveals how many did (not) improve: withheld through both.
_IMPROVED = ["pct_improved", "improved_ci_low", "improved_ci_high"]
IMPROVED_COUNTS = {"n": [*_IMPROVED, "g_av", "g_ci_low", "g_ci_high"], "n_improved": _IMPROVED,
                   "n_not_improved": _IMPROVED}
#: Yes and no add up to the pupils answering.
YES_NO_COMPLEMENTS = [["yes_before", "no_before"], ["yes_after", "no_after"]]
TROUBLE = "I often get into trouble at school"
CONFIDENT = "I feel confident about speaking up in school"


def run(enq: Any, params: dict[str, Any]) -> Result:
    """Run the co-production pilot case study on an opened enquiry.

    Parameters
    ----------
    enq : Enquiry
        The opened workspace.
    params : dict
        As :meth:`coproduction.STUDY.validate
        <slc_research.casestudies.spec.CaseStudy.validate>` returns them: ``schools``,
        ``waves``, ``method``, ``primary_outcome``, ``smallest_effect``.

    Returns
    -------
    Result
        Sections ``who_took_part``, ``behaviour``, ``comparison``, ``trouble``,
        ``confident``, ``relationships``, ``outcomes`` (the declared primary outcome and
        the secondaries with Holm-adjusted p and equivalence tests), ``pooled``,
        ``forest``, ``participation_level`` and ``design``.
    """
    threshold = enq.suppression_threshold
    waves, method = params["waves"], params["method"]
    pupils = cp.pilot_pupils(enq.communities, enq.memberships, enq.meetings, params["schools"])
    per_school = pupils.groupby("school").size()
    n_small = int((per_school < threshold).sum())
    title = f"{enq.title}: the co-production pilot"

    part, attended = cp.school_participation(pupils, enq.meetings, enq.meeting_attendance,
                                             enq.memberships)
    days = cp.school_days(enq.attendance, enq.behaviour)
    rates = cp.behaviour_rates(enq.behaviour, pupils, days)
    behaviour = cp.behaviour_summary(rates)
    comparison = baseline_comparison(enq.pupils, pupils, enq.behaviour, days, rates,
                                     least=max(MIN_COMPARISON, threshold))
    trouble = cp.yes_no_change(enq.survey_responses, pupils, item="trouble", waves=waves)
    confident = cp.yes_no_change(enq.survey_responses, pupils, item="confident", waves=waves)
    relationships = cp.scale_change_summary(enq.scale_scores(), pupils["pupil_id"],
                                            scale="relationships", waves=waves,
                                            label="Relationships with teachers")
    pooled_behaviour = cp.pool_schools(behaviour, estimate="g_av", ci_low="g_ci_low",
                                       ci_high="g_ci_high", method=method)
    pooled_trouble = cp.pool_yes_no(trouble) if not trouble.empty else None
    n_pooled = (len(rates), int(trouble["n_both"].iloc[-1]) if len(trouble) else 0)
    effects = family.outcome_effects(rates, behaviour, comparison, trouble, confident,
                                     relationships)
    declared = {"primary": outcome_family.resolve_primary(params.get("primary_outcome", ""),
                                                          OUTCOMES),
                "smallest_effect": params.get("smallest_effect", 0.2), "threshold": threshold}

    no_behaviour = enq.behaviour.empty  # no behaviour file: a sentence, not empty sections
    sections = (
        _who_took_part(part, len(per_school), n_small, threshold),
        Section.without_source("behaviour", "Behaviour", kind="behaviour",
                               shown="behaviour change") if no_behaviour else
        _behaviour(rates, behaviour, comparison, threshold, n_schools=len(per_school)),
        Section.without_source("comparison", "Compared with similar pupils who did not take "
                               "part", kind="behaviour", shown="the comparison with similar "
                               "pupils") if no_behaviour else
        family.with_verdict(comparison_section(comparison, threshold), effects, declared,
                            "behaviour") if comparison.ok else comparison_section(comparison,
                                                                                  threshold),
        *(family.with_verdict(section, effects, declared) for section in (
            _trouble(trouble, threshold), _confident(confident, threshold),
            _relationships(relationships, threshold))),
        family.family_section(effects, **declared),
        pooled_section(pooled_behaviour, pooled_trouble, n_pooled,
                       cp.overall(trouble, estimate="change_pp", ci_low="change_ci_low",
                                  ci_high="change_ci_high", n="n_both")
                       if not trouble.empty else None, threshold, n_schools=len(per_school)),
        forest_section(pooled_behaviour, behaviour, pooled_trouble, trouble, threshold,
                       n_schools=len(per_school)),
        Section.without_source("participation_level", "Outcomes by level of participation",
                               kind="behaviour", shown="behaviour change by meetings attended")
        if no_behaviour else participation_section(rates, attended, threshold),
        design_section(len(per_school), comparison.ok),
    )
    n_pupils = len(pupils)
    who = f"{n_pupils} pupils" if n_pupils >= threshold else f"fewer than {threshold} pupils"
    groups = ("one group in one school" if len(per_school) == 1 else
              f"one group in each of {len(per_school)} schools")
    summary = (f"Pupils at risk of disengagement led their own projects with staff, {groups} "
               f"({who}). This report describes who took part "
               "and how often, and how their behaviour and their answers to short questions "
               "changed from before their project started to after it"
               + (", school by school and pooled across schools. " if len(per_school) > 1
                  else ". "))
    headline = comparison_record(comparison, threshold)
    if isinstance(headline, str):
        summary += ("There is no comparison group of similar pupils who did not take part ("
                    f"{headline.removeprefix('no comparison: ')}), so the changes below cannot "
                    "be told apart from the improvement expected anyway of pupils chosen after "
                    "a bad spell.")
    else:
        summary += ("Set against similar pupils who did not take part (chosen by the same "
                    "rule: the same year groups and as high an earlier behaviour rate), the "
                    "difference in the change of negative behaviour points was "
                    f"{difference_phrase(headline)}.")
    if n_small and len(per_school) > 1:
        summary += (f" {plural(n_small, 'school')} had fewer than {threshold} pupils in the pilot: "
                    f"{'its' if n_small == 1 else 'their'} rows are withheld from the per-school tables and from the forest plots, but "
                    "their pupils are counted in the 'All schools' figures and in the pooled "
                    "estimates. So that the 'All schools' row cannot give them away, the next "
                    "smallest school is withheld too.")
    return Result("coproduction_pilot", title, summary, sections,
                  records={"title": title, "n_schools": int(len(per_school)),
                           "n_pupils": published_count(n_pupils, threshold)})


def _groups(n_schools: int) -> str:
    """``"one school's group"`` or ``"3 schools' groups"``."""
    return "one school's group" if n_schools == 1 else f"{n_schools:,} schools' groups"


def _note(*paragraphs: str) -> str:
    return " ".join(p for p in paragraphs if p)


# --- sections --------------------------------------------------------------------------------

def _who_took_part(part: pd.DataFrame, n_schools: int, n_small: int, threshold: int) -> Section:
    values = ["project_leads", "meetings_held", "mean_pct_attended", "ci_low", "ci_high"]
    counts = {"members": [*values, "n"], "n": values[2:], "project_leads": []}
    table = cp.publish(part, count_cols=counts, threshold=threshold, columns={
        "school": "School", "members": "Pupils", "project_leads": "Project leads",
        "meetings_held": "Meetings held", "mean_pct_attended": "Mean % of meetings attended",
        "ci_low": "95% CI low", "ci_high": "95% CI high", "n": "n"})
    total = part[part["school"] == cp.ALL_SCHOOLS].iloc[0]
    if total["members"] < threshold:
        finding = f"Fewer than {threshold} pupils took part in the pilot, too few to report."
    elif total["n"] < threshold or pd.isna(total["ci_low"]):
        finding = (f"{total['members']} pupils took part in {_groups(n_schools)}; too "
                   "few have meeting records to say how often they came.")
    else:
        finding = (f"{total['members']} pupils took part in {_groups(n_schools)}, and on "
                   f"average a pupil came to {total['mean_pct_attended']:.0f}% of their group's "
                   f"meetings (95% CI {total['ci_low']:.0f}% to {total['ci_high']:.0f}%)"
                   + (f"; {plural(n_small, 'school')} {'is' if n_small == 1 else 'are'} too small "
                      f"to show on {'its' if n_small == 1 else 'their'} own." if n_small
                      else "."))
    return Section(
        "who_took_part", "Who took part", finding=finding,
        tables=(Table(table, decimals=1, caption="Pupils, roles and meetings in each school"),),
        note=_note(
            "A pupil's attendance is the share of their group's meetings (from the day they "
            "joined) they came to; the table shows the average over the school's pupils. The "
            "95% confidence interval is the range of averages that fit these pupils; with only "
            "about ten pupils per school it is wide.",
            f"Schools with fewer than {threshold} pupils are shown as \"<{threshold}\"; a school "
            "shown as \"*\" is withheld so that the 'All schools' row cannot give a small "
            "school away." if n_schools > 1 else ""))


_BEHAVIOUR_NOTE = _note(
    "'Change' is after minus before (negative: fewer points), with a paired t interval and p. "
    "'Relative change' compares the pupils' points per school week taken together: -0.40 means "
    "40% fewer points after. '% whose rate fell' is the share of pupils whose own rate fell, "
    "with an interval that stays between 0% and 100%. The effect size g_av is the change in "
    "standard deviations of the pupils' rates.",
    "These pupils were chosen because their behaviour was among the worst in the school; "
    "pupils picked at a bad time tend to look better later whatever happens (regression to the "
    "mean), so a fall is not proof that the project caused it.")


def _behaviour(rates: pd.DataFrame, behaviour: pd.DataFrame, comparison: BaselineComparison,
               threshold: int, *, n_schools: int = 2) -> Section:
    note = _BEHAVIOUR_NOTE + (" The next section compares them with similar pupils who did "
                              "not take part; read the share whose rate fell beside theirs."
                              if comparison.ok else "")
    if rates.empty:
        return Section("behaviour", "Behaviour", finding=(
            "No behaviour to compare yet: this enquiry has no behaviour records for the pilot's "
            "pupils, or no school days before and after the projects started."),
            note=note)
    rel = cp.overall(behaviour, estimate="relative_change", ci_low="rel_ci_low",
                     ci_high="rel_ci_high")
    improved = cp.overall(behaviour, estimate="pct_improved", ci_low="improved_ci_low",
                          ci_high="improved_ci_high")
    if len(rates) < threshold:
        finding = (f"Fewer than {threshold} pupils have behaviour records before and after "
                   "their project, too few to report.")
    else:
        share = (f"{improved['estimate']:.0f}% of pupils (95% CI {improved['ci_low']:.0f}% to "
                 f"{improved['ci_high']:.0f}%) had a lower rate after than before"
                 + improved_beside(comparison, threshold)
                 if improved else "no pupil's rate could be compared")
        over = "Over all schools, the" if n_schools > 1 else "The"
        finding = (f"{over} {rel['n']} pupils' negative behaviour points per school week "
                   f"{change_phrase(100 * rel['estimate'], 100 * rel['ci_low'], 100 * rel['ci_high'], '%', 0)}"
                   f" and {share}."
                   + (" Part of this change would be expected anyway: see the comparison below."
                      if comparison.ok else "") if rel else
                   f"Too few behaviour points before or after to estimate the change over all "
                   f"schools; {share}.")
    columns = {"school": "School", "n": "n"}
    return Section(
        "behaviour", "Behaviour", finding=finding,
        tables=(
            Table(cp.publish(behaviour, count_cols="n", threshold=threshold, columns={
                **columns, "rate_before": "Points per week before",
                "rate_after": "Points per week after", "change": "Change",
                "change_ci_low": "95% CI low", "change_ci_high": "95% CI high", "p": "p",
                "relative_change": "Relative change", "rel_ci_low": "Relative 95% CI low",
                "rel_ci_high": "Relative 95% CI high"}), decimals=2,
                caption="Negative behaviour points per school week, before and after"),
            Table(cp.publish(behaviour, count_cols=IMPROVED_COUNTS, threshold=threshold,
                             complements=[["n_improved", "n_not_improved"]], columns={
                **columns, "pct_improved": "% whose rate fell",
                "improved_ci_low": "95% CI low", "improved_ci_high": "95% CI high",
                "g_av": "Effect size g_av", "g_ci_low": "g 95% CI low",
                "g_ci_high": "g 95% CI high"}),
                # a share in per cent to one place, as every other table; g to two
                decimals={"Effect size g_av": 2, "g 95% CI low": 2, "g 95% CI high": 2},
                caption="Pupils whose behaviour improved, and the size of the change")),
        note=note,
        # an estimate of fewer pupils than the threshold is not recorded (the index, the
        # glance): the section withholds it
        records={"behaviour_relative_change": rel if len(rates) >= threshold else None,
                 "pct_improved": improved if len(rates) >= threshold else None})


def _yes_no_section(key: str, title: str, table: pd.DataFrame, question: str, caption: str,
                    threshold: int) -> tuple[Section, dict | None]:
    """A yes/no question's section (without its records), and its 'All schools' change."""
    change = cp.overall(table, estimate="change_pp", ci_low="change_ci_low",
                        ci_high="change_ci_high", n="n_both")
    table = table.drop(columns=PAIRED_COUNTS)  # for pooling only, never shown
    chart_data = cp.publish(table, count_cols=YES_NO_COUNTS, threshold=threshold,
                            display=False, complements=YES_NO_COMPLEMENTS)
    return Section(
        key, title, finding=yes_no_finding(table, change, threshold),
        tables=(Table(cp.publish(table, count_cols=YES_NO_COUNTS, threshold=threshold,
                                 columns=YES_NO_LABELS, complements=YES_NO_COMPLEMENTS),
                      decimals=1, caption=caption),),
        charts=(charts.yes_no_chart(chart_data, question=question),)), (
            change if change is not None and change["n"] >= threshold else None)  # withheld


_TROUBLE_NOTE = (
    "McNemar's test uses only the pupils who answered both times, and only those whose answer "
    "changed: it asks whether more moved from Yes to No than from No to Yes than chance would "
    "give (its mid-p version, which keeps closer to the stated error rate than the exact test "
    "with few pupils). A large p means the change could easily be chance with this few pupils; "
    "it does not show there was no change. The interval of the change is Newcombe's, for the "
    "same pupils asked twice. A percentage of a small group would tell how many pupils said "
    "Yes, so where fewer than the threshold said Yes (or No) the percentage is withheld. There "
    "is no comparison group for these questions.")


def _trouble(trouble: pd.DataFrame, threshold: int) -> Section:
    title = "\u201cI often get into trouble at school\u201d"
    if trouble.empty:
        return Section("trouble", title, finding=(
            f"No answers yet: the pupils were not asked \"{TROUBLE}\" in this enquiry."),
            note=_TROUBLE_NOTE)
    section, change = _yes_no_section("trouble", title, trouble, TROUBLE,
                                      "Share answering Yes, before and after", threshold)
    p_value = (float(trouble.loc[trouble["school"] == cp.ALL_SCHOOLS, "p"].iloc[0])
               if change is not None else None)
    return replace(section, note=_TROUBLE_NOTE,
                   records={"trouble_change": change, "trouble_mcnemar_p": p_value})


_CONFIDENT_NOTE = (
    "Read this as the question above (McNemar's test on the pupils who answered both times): a "
    "positive change means more pupils said Yes after. With about ten pupils per school one "
    "pupil changing their answer moves a school's share by about ten points, which is why the "
    "intervals are wide.")


def _confident(confident: pd.DataFrame, threshold: int) -> Section:
    if confident.empty:
        return Section("confident", "Confidence", finding=(
            "No answers yet: the pupils were not asked the confidence question in this "
            "enquiry."), note=_CONFIDENT_NOTE, records={"confident_change": None})
    section, change = _yes_no_section("confident", "Confidence", confident, CONFIDENT,
                                      "Share answering Yes to the confidence question",
                                      threshold)
    return replace(section, note=_CONFIDENT_NOTE, records={"confident_change": change})


def _relationships(relationships: pd.DataFrame, threshold: int) -> Section:
    note = ("The change is the average of each pupil's after-minus-before score, with a paired "
            "t interval; g_av expresses it in standard deviations. Not every pupil answered the "
            "questionnaire both times, so n can be smaller than the number in the pilot.")
    if relationships.empty:
        return Section("relationships", "Relationships with teachers", finding=(
            "Too few pilot pupils answered the relationships scale at both waves."), note=note,
            records={"relationships_change": None})
    r = relationships.iloc[0]
    if r["n"] < threshold:
        finding = (f"Fewer than {threshold} pilot pupils answered the relationships scale at "
                   "both waves, too few to report.")
    else:
        finding = (f"The average score of the {r['n']} pupils who answered both times (on "
                   f"the 1-5 scale; g_av = {r['g_av']:.2f}) "
                   f"{change_phrase(r['change'], r['change_ci_low'], r['change_ci_high'], ' points', 2)}"
                   ".")
    shown = suppress_small(relationships, count_cols="n", threshold=threshold, display=True, partition_by=None)
    return Section(
        "relationships", "Relationships with teachers", finding=finding,
        tables=(Table(shown.drop(columns=["p"]).rename(columns={
            "scale": "Scale", "mean_before": "Mean before", "mean_after": "Mean after",
            "change": "Change", "change_ci_low": "95% CI low", "change_ci_high": "95% CI high",
            "g_av": "g_av", "g_ci_low": "g 95% CI low", "g_ci_high": "g 95% CI high"}),
            decimals=2, caption="Relationships with teachers (scale score 1-5), before and after"),),
        note=note,
        records={"relationships_change": None if r["n"] < threshold else {
            "estimate": float(r["change"]), "ci_low": float(r["change_ci_low"]),
            "ci_high": float(r["change_ci_high"]), "n": int(r["n"]), "g_av": float(r["g_av"]),
            "p": float(r["p"])}})
