"""The SLC impact case study as one result: ``run(enquiry, params) -> Result``.

The notebook ``notebooks/slc_impact.ipynb`` calls ``slc_impact.STUDY`` once and shows the sections
of its result between its narrative cells; the index, the summary and the dissertation pack
are made from the same result. The sections with two models side by side, dose-response
and pupil premium are built in :mod:`.second_looks`; shared sentences in :mod:`.findings`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from slc_research import charts
from slc_research.casestudies.outcome_family import ONE_OUTCOME
from slc_research.casestudies.result import Result, Section, Table, missing_source
from slc_research.casestudies.slc_impact import (
    adjusted,
    design,
    differencing,
    headline,
    impact,
    matched,
    scale_reliability,
)
from slc_research.casestudies.slc_impact import tables as t
from slc_research.casestudies.slc_impact.findings import (
    NO_SCALES,
    OWN_CHANGE_AXIS,
    OWN_CHANGE_NOTE,
    change_finding,
    no_comparison_finding,
    undeclared_scales,
)
from slc_research.casestudies.slc_impact.schools import ASSUMED_ICC, ICC_SOURCE, school_of
from slc_research.casestudies.slc_impact.second_looks import D_PPC2_AXIS, second_looks
from slc_research.casestudies.slc_impact.voice import voice_section
from slc_research.privacy.suppression import published_count
from slc_research.words import plural

__all__ = ["NO_SCALES", "change_finding", "run"]

def run(enq: Any, params: dict[str, Any]) -> Result:
    """Run the SLC impact case study on an opened enquiry.

    Parameters
    ----------
    enq : Enquiry
        The opened workspace.
    params : dict
        As :meth:`slc_impact.STUDY.validate <slc_research.casestudies.spec.CaseStudy.validate>`
        returns them: ``community``, ``scales``, ``waves``, ``comparison``,
        ``primary_outcome`` and ``smallest_effect``.

    Returns
    -------
    Result
        Sections ``who_took_part``, ``participation``, ``matched``, ``questionnaire``, ``reliability``,
        ``attendance_behaviour``, ``all_outcomes``, ``adjusted``, ``dose_response``,
        ``pupil_premium``, ``voice``, ``design``, ``evidence`` and ``about_data``.
    """
    threshold = enq.suppression_threshold
    waves, comparison = params["waves"], params["comparison"]
    communities = impact.resolve_communities(enq.communities, params["community"])
    label = impact.community_label(communities)
    members = impact.community_members(enq.memberships, communities, require=True)
    cohort = impact.cohort_ids(enq.pupils, members)
    rep = impact.representativeness(enq.pupils, members)
    part = impact.participation(enq.meetings, enq.meeting_attendance, enq.memberships,
                                communities, members=members)
    scores, schools = enq.scale_scores(), school_of(enq.pupils)
    scales = impact.resolve_scales(enq.scales, params["scales"], scores=scores)
    scale_results = [
        impact.scale_change(scores, members, scale=s.name, label=s.label or s.name,
                            waves=waves, comparison=comparison, cohort=cohort, schools=schools)
        for s in scales]
    attendance = impact.attendance_change(enq.attendance_summary(by="term"), members,
                                          comparison=comparison, cohort=cohort,
                                          schools=schools)
    behaviour = impact.behaviour_change(
        enq.behaviour, members, cohort=cohort, comparison=comparison, schools=schools,
        split=impact.community_start(enq.meetings, enq.memberships, communities))
    given = {"attendance": len(enq.attendance) > 0, "behaviour": len(enq.behaviour) > 0}
    measured = [r for r, kind in ((attendance, "attendance"), (behaviour, "behaviour"))
                if given[kind]]  # an outcome whose file was not given is not an outcome
    # a scale nobody answered at both waves (the second not yet collected) is not an outcome
    all_results = [*(r for r in scale_results if r.available), *measured]
    primary = headline.resolve_primary(params.get("primary_outcome", ""),
                                       [r.outcome for r in scale_results])
    declared = {"primary": primary, "smallest_effect": params.get("smallest_effect", 0.2),
                "primary_label": next((r.label for r in scale_results if r.outcome == primary),
                                      "")}
    facts = impact.design_facts(n_members=rep.n_members, n_comparison=rep.n_rest,
                                results=all_results, comparison=comparison,
                                n_schools=max(len(rep.schools), 1), community_label=label,
                                threshold=threshold, **design.timing_facts(
                                    enq.attendance, attendance, waves=waves,
                                    community_start=impact.community_start(
                                        enq.meetings, enq.memberships, communities),
                                    survey_responses=enq.survey_responses,
                                    instruments={s.instrument for s in scales},
                                    community_start_event=impact.community_start_event(
                                        enq.meetings, communities)))
    title = f"{enq.title}: {label}"
    matches = matched.matched_outcomes(all_results, enq.pupils)
    sections = (
        _who_took_part(rep, threshold),
        _participation(part, threshold, missing=impact.meetings_missing(
            enq.meetings, enq.meeting_attendance, communities,
            shown="how often members came to meetings")),
        matched.matched_section(matches, threshold, comparison=comparison),
        differencing.protect_section(design.with_timing_warning(
            _questionnaire(scale_results, threshold, declared, _answer_scale(enq, scale_results),
                           waves, set(scores.loc[scores["scale"].isin(
                               [s.name for s in scales]), "wave"]),
                           no_scales=NO_SCALES if undeclared_scales(enq) else
                           "This enquiry has no pupil questionnaire scales.",
                           secondaries=sum(r.ppc is not None for r in all_results) - 1),
            {**facts, "before_periods": {k: v for k, v in facts["before_periods"].items()
                                         if k in facts["late_answers"]}},
            design.questionnaire_before(waves[0])), rep, threshold=threshold),
        scale_reliability.reliability_section(scale_reliability.scale_reliability(
            enq.survey_responses, scales, waves=waves, pupils=cohort,
            response_scales=enq.manifest.response_scales), threshold=threshold,
            no_scales=NO_SCALES if not scales and undeclared_scales(enq) else ""),
        differencing.protect_section(design.with_timing_warning(
            _attendance_behaviour(attendance, behaviour, threshold, declared, given), facts,
            design.ATTENDANCE_BEFORE), rep, threshold=threshold),
        _all_outcomes(all_results, threshold, declared, compared=comparison == "non_members"),
        *second_looks(all_results, scale_results, attendance, part, enq.pupils, threshold,
                      rep, no_meetings=impact.meetings_missing(
                          enq.meetings, enq.meeting_attendance, communities,
                          shown="whether members who came to more meetings changed more")),
        voice_section(enq, communities, threshold),
        _design(facts),
        _evidence({**facts, **matched.evidence_facts(matches, primary)},
                  [*scale_results, *([attendance] if given["attendance"] else [])], threshold),
        Section("about_data", "About the data", tables=(Table(t.about_data(
            n_pupils=len(enq.pupils), n_cohort=len(cohort), n_members=rep.n_members,
            waves=waves, threshold=threshold, scores=scores, schools=rep.schools),
            caption="About the data"),)),
    )
    return Result(
        "slc_impact", title,
        matched.matched_finding(matches, threshold, comparison=comparison) + " "
        f"A case study of {label}: who took part, how often they came to meetings, and how "
        "members' answers to the learning questionnaire, their attendance and their behaviour "
        "changed, compared with other pupils in the same year groups.",
        sections,
        records={"title": title, "community": label, "school": list(rep.schools),
                 "members": published_count(rep.n_members, threshold)})

def _who_took_part(rep, threshold: int) -> Section:
    return Section(
        "who_took_part", "Who took part",
        finding=t.members_sentence(rep.n_members, rep.n_rest, threshold),
        tables=(Table(t.representativeness_table(rep, threshold=threshold),
                      caption="Members and other pupils in the same year groups"),
                Table(t.association_table(rep, threshold=threshold),
                      caption="Do members differ from the cohort?",
                      decimals={"Statistic": 2})),
        charts=(charts.representativeness_chart(
            t.representativeness_table(rep, threshold=threshold, display=False)),),
        note=("Each row compares members with the other pupils in their year groups. A "
              "difference of a few percentage points is normal for a group chosen by "
              "volunteering; a test with a small p says the difference is larger than chance "
              "alone would usually give. Volunteers who differ at the start (for example more "
              "girls, fewer pupils with pupil premium) can make any later difference look "
              "larger or smaller than the community's own effect."))


def _participation(part, threshold: int, *, missing: str = "") -> Section:
    if missing:  # no meetings file, no register, or none of these communities' meetings
        return Section("participation", "Participation", finding=missing, tables=(Table(
                t.roles_table(part, threshold=threshold), caption="Members' roles"),))
    summary = part.summary
    meetings, members = int(summary["meetings"].sum()), int(summary["members"].sum())
    mean = part.per_member["pct_attended"].mean() if len(part.per_member) else None
    mean_pct = float(mean) if mean is not None and pd.notna(mean) else float("nan")  # NA: none
    return Section(
        "participation", "Participation",
        finding=(f"The community held {plural(meetings, 'meeting')}; on average a member came to "
                 f"{mean_pct:.0f}% of the meetings held while they were a member."
                 if members >= threshold and mean_pct == mean_pct else
                 f"Fewer than {threshold} members have meeting records, too few to report."),
        tables=(Table(t.participation_table(part, threshold=threshold),
                      caption="Meetings and attendance at meetings"),
                Table(t.roles_table(part, threshold=threshold), caption="Members' roles")),
        charts=(charts.participation_chart(t.bands_table(part, threshold=threshold)),),
        note=("The share of meetings each member came to while a member. A community where "
              "most members come to most meetings can expect more change than one where many "
              "came once or twice: the dose-response section below asks whether that "
              "happened."))


def _answer_scale(enq: Any, scale_results) -> Any:
    """The response scale of the first questionnaire scale reported (for the charts' axis)."""
    scales = enq.scales
    names = [r.outcome for r in scale_results if r.outcome in scales]
    if not names:
        return None
    return enq.manifest.response_scales[scales[names[0]].response_scale]


def _questionnaire(scale_results, threshold: int, declared: dict,
                   answer_scale: Any = None, waves: tuple = (1, 2),
                   answered: set = frozenset(), no_scales: str = NO_SCALES,
                   secondaries: int | None = None) -> Section:
    if scale_results and not any(r.available for r in scale_results):
        return Section("questionnaire", "Change on the learning questionnaire",
                       finding=not_measured_twice(waves, answered), records={
                           "questionnaire_not_compared": (  # the glance's line
                               f"No pupil answered the learning questionnaire in both wave "
                               f"{waves[0]} and wave {waves[1]}, so change on it is not "
                               "shown.")})
    return Section(
        "questionnaire", "Change on the learning questionnaire",
        finding=(headline.headline_finding(scale_results, threshold=threshold,
                                           primary=declared["primary"],
                                           smallest_effect=declared["smallest_effect"],
                                           secondaries=secondaries)
                 + " " + change_finding(scale_results, threshold)),
        paragraphs=tuple(t.describe_change(r, threshold=threshold,
                                           smallest_effect=declared["smallest_effect"])
                         for r in scale_results)
        + tuple(dict.fromkeys(r.schools_note for r in scale_results if r.schools_note))
        or (no_scales,),
        tables=(Table(t.change_table(scale_results, threshold=threshold), decimals=2,
                      caption="Questionnaire scores before and after"),
                Table(t.effects_summary(scale_results, threshold=threshold), decimals=2,
                      caption="Members' change compared with other pupils' change")),
        charts=(charts.scale_change_chart(
            t.means_table(scale_results, threshold=threshold),
            answers=None if answer_scale is None else answer_scale.levels,
            first=1 if answer_scale is None else answer_scale.start,
            groups=_groups(scale_results)),),
        note=OWN_CHANGE_NOTE if all(r.comparison != "non_members" for r in scale_results)
        else ("d_ppc2 (Morris, 2008) is how much more members' scores changed than other "
              "pupils', in standard deviations of the scores before: the metric in which "
              "about 0.2 is small, 0.5 medium and 0.8 large, and in which whole-school "
              "approaches in education typically reach 0.1-0.3. The 95% confidence interval "
              "is the range of effects these data are consistent with. "
              # about intervals that include 0 only when one does (issue 18)
              + ("An interval that includes 0 is not evidence of no effect: the "
                 if any(r.effect is not None and r.effect.ci_low <= 0 <= r.effect.ci_high
                        for r in scale_results) else "The ")
              + "equivalence test says whether the data rule out an effect as large as the "
              "smallest that matters (the smallest_effect parameter)."))


def _groups(results) -> tuple[str, ...]:
    """The groups a chart's legend and subtitle name: members alone with no comparison group."""
    r = next(iter(results), None)
    if r is None:
        return ()
    return r.group_labels if r.comparison == "non_members" else r.group_labels[:1]


def not_measured_twice(waves: tuple, answered: set) -> str:
    """The one sentence for a questionnaire no pupil answered at both of its ``waves``.

    ``answered`` holds the waves with any answers on the scales reported.
    """
    missing = [w for w in waves if w not in answered]
    why = (f"there are no answers for wave {missing[0]} yet" if len(missing) == 1 else
           "there are no answers for either wave" if missing else
           "the pupils who answered one wave did not answer the other")
    todo = (f"When wave {missing[0]} has been collected, add it to enquiry.toml as a survey "
            "source and run the report again." if len(missing) == 1 else
            "Check that both waves' surveys name each pupil the same way (respondent_id)."
            if not missing else "")
    return (f"No pupil answered the learning questionnaire in both wave {waves[0]} and wave "
            f"{waves[1]}: {why}, so change on it is not shown. {todo}").strip()


def _attendance_behaviour(attendance, behaviour, threshold: int, declared: dict,
                          given: dict[str, bool]) -> Section:
    """The section on attendance and behaviour; a file not given is one plain sentence."""
    bound = declared["smallest_effect"]
    missing = tuple(missing_source(kind, f"{kind} change") for kind in given
                    if not given[kind])
    if len(missing) == len(given):
        return Section("attendance_behaviour", "Attendance and behaviour",
                       finding=" ".join(missing))
    shown = [r for r, kind in ((attendance, "attendance"), (behaviour, "behaviour"))
             if given[kind]]
    return Section(
        "attendance_behaviour", "Attendance and behaviour",
        finding=change_finding(shown, threshold),
        paragraphs=(*(t.describe_change(r, threshold=threshold, smallest_effect=bound)
                      for r in shown), *missing),
        tables=(Table(t.change_table(shown, threshold=threshold),
                      decimals=2, caption=" and ".join(k for k in given if given[k])
                      .capitalize() + " before and after"),
                *((Table(t.persistent_absence_table(attendance, threshold=threshold),
                         caption="Persistent absence"),) if given["attendance"] else ())),
        charts=((charts.attendance_chart(t.means_table([attendance], threshold=threshold),
                                         groups=_groups([attendance])),)
                if given["attendance"] and attendance.available else ()),
        note=_OWN_CHANGE_UNITS if attendance.comparison != "non_members" else (
              "Attendance is compared in percentage points: +2 means members' attendance rose "
              "two points more than other pupils' (for example from 93% to 95%). Behaviour "
              "counts negative points per week; a negative difference means members' points "
              "fell more. Attendance and behaviour also change with the time of year, which is "
              "why members are compared with other pupils over the same weeks."))


_OWN_CHANGE_UNITS = ("Attendance is in percentage points: +2 means members' attendance rose two "
                     "points (for example from 93% to 95%). Behaviour counts negative points "
                     "per week; a negative change means members' points fell. With no "
                     "comparison group, attendance and behaviour also change with the time of "
                     "year: part of any change may be the season, not the community.")


def _all_outcomes(all_results, threshold: int, declared: dict, *,
                  compared: bool = True) -> Section:
    options = {"primary": declared["primary"], "smallest_effect": declared["smallest_effect"],
               "threshold": threshold}
    records = {**t.headlines(all_results, threshold=threshold),
               "outcome_labels": {r.outcome: r.label for r in all_results},
               "primary_outcome": declared["primary"],
               "holm": headline.headline_table(all_results, display=False, **options),
               "research_change_g": headline.change_g_record(all_results, threshold)}
    if not compared:  # comparison = "none": members' own change, no d_ppc2, no Holm
        return Section("all_outcomes", "All outcomes together",
                       finding=no_comparison_finding(all_results, threshold), charts=(
                           charts.effect_size_chart(t.effects_summary(
                               all_results, threshold=threshold, display=False),
                               x_title=OWN_CHANGE_AXIS, title="How much members changed"),),
                       note=OWN_CHANGE_NOTE, records=records)
    primary = declared.get("primary_label") or next(
        (r.label for r in all_results if r.outcome == declared["primary"]), "")
    several = sum(r.ppc is not None for r in all_results) > 1
    return Section(
        "all_outcomes", "All outcomes together",
        finding=headline.outcomes_finding(all_results, **options),
        tables=(Table(headline.headline_table(all_results, **options),
                      decimals={"Effect size (d_ppc2)": 2, "95% CI low": 2, "95% CI high": 2,
                                "p": 3, "p (Holm-adjusted)": 3},
                      caption="The primary outcome and the secondary outcomes" if several
                      else "The primary outcome"),),
        charts=(charts.effect_size_chart(t.effects_summary(all_results, threshold=threshold,
                                                           display=False), x_title=D_PPC2_AXIS),),
        note=(f"The primary outcome ({primary.lower() or 'none'}) was declared before looking "
              "at the results (the primary_outcome parameter); it is tested at the usual 5%. "
              + ("The others are secondary: with several outcomes one will often look "
                 "'significant' by chance, so read their Holm-adjusted p, not the raw p. "
                 if several else ONE_OUTCOME + " ")
              + "The equivalence test says whether the data rule out an effect as large as "
              f"±{declared['smallest_effect']:g} standard deviations (\"no effect larger than "
              "...\"), show an effect, or cannot tell (\"inconclusive\")."),
        records=records)

def _design(facts) -> Section:
    items = tuple(impact.limitations(facts))
    return Section("design", "What this design can and cannot show",
                   finding=items[0] if items else "", items=items[1:])


def _evidence(facts, results, threshold: int) -> Section:
    evidence = impact.evidence_strength(facts, threshold=threshold)
    mdes = adjusted.mdes_table(results, threshold=threshold, display=False)
    return Section(
        "evidence", "Strength of evidence",
        finding=evidence.explain(), items=evidence.sentences,
        paragraphs=_schools_paragraph(int(facts.get("n_schools") or 1)),
        tables=(Table(adjusted.mdes_table(results, threshold=threshold), decimals=2,
                      caption="The smallest effect this enquiry could reliably detect (80% "
                              "power)"),),
        note=("The rating follows the EEF's logic for its padlocks (EEF, 2019): the design, "
              "the number of pupils analysed and the share of pupils lost are each rated 0-5; "
              "the lowest of the three counts, lowered once if the groups differed at the "
              "start or lost different shares of pupils. "
              "The minimum detectable effect size (MDES) is the smallest true effect that a "
              "study of this size would find 8 times in 10. If it is larger than the effect "
              "found, a 'no clear difference' result says little: the enquiry was too small to "
              "see an effect of that size, not evidence that there was none."),
        records={"strength_of_evidence": f"{evidence.level} of 5",
                 "mdes": mdes.drop(columns=["suppressed"])})


def _schools_paragraph(schools: int) -> tuple[str, ...]:
    """How the smallest detectable effect allows for pupils of several schools (none for one)."""
    if schools < 2:
        return ()
    return (f"The pupils come from {schools} schools and members are compared with pupils of "
            f"their own schools, so the smallest detectable effect allows for the schools: it "
            f"assumes that {ASSUMED_ICC:.0%} of the differences between pupils lie between "
            "schools (an intraclass correlation of "
            f"{ASSUMED_ICC:g}; Hedges & Hedberg, 2007, found about 0.2 for attainment, and "
            "questionnaire answers usually differ less between schools). It also assumes the "
            f"community's effect is the same in every school, which {schools} schools are too "
            f"few to check. Source: {ICC_SOURCE}",)
