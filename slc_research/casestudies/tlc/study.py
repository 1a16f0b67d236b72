"""The TLC impact case study as one result: ``run(enquiry, params) -> Result``.

The notebook ``notebooks/tlc_impact.ipynb`` calls ``tlc.STUDY`` once and shows the sections of
its result between its narrative cells; the index, the summary and the dissertation pack are
made from the same result.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from slc_research import charts
from slc_research.casestudies.result import Result, Section, Table
from slc_research.casestudies.tlc import action_plans, staff_survey
from slc_research.casestudies.tlc import impact as tlc
from slc_research.casestudies.tlc import outcomes as survey_outcomes
from slc_research.privacy.suppression import published_count, suppress_small
from slc_research.words import listed, plural

__all__ = ["run"]

#: The staff survey scale the report reads unless told otherwise (the ``scale`` parameter).
_DEFAULT_SCALE = "tlc_impact"


def run(enq: Any, params: dict[str, Any]) -> Result:
    """Run the TLC impact case study on an opened enquiry.

    Parameters
    ----------
    enq : Enquiry
        The opened workspace.
    params : dict
        As :meth:`tlc.STUDY.validate <slc_research.casestudies.spec.CaseStudy.validate>`
        returns them: ``school``, ``community``, ``scale``, ``smallest_effect``.

    Returns
    -------
    Result
        Sections ``who_takes_part``, ``share_by_year``, ``meeting_attendance``,
        ``action_planning``, ``learning``, ``strategies``, ``staff_survey``,
        ``scale_score``, ``outcomes`` (the declared primary scale, any secondary scales
        with Holm-adjusted p, and the equivalence test), ``comment_themes`` and
        ``about_data``.

    Raises
    ------
    ConfigError
        A school, TLC or scale the enquiry does not have
        (:func:`~slc_research.casestudies.tlc.impact.check_scope`).
    """
    school, community, scale = params["school"], params["community"], params["scale"]
    # no staff survey declared under the default scale's name: a source not given, not a mistake
    no_survey = scale == _DEFAULT_SCALE and scale not in enq.scales
    tlc.check_scope(enq.communities, schools=enq.schools,
                    scales=[*enq.scales, *([scale] if no_survey else [])], school=school,
                    community=community, scale=scale)
    threshold = enq.suppression_threshold
    tlcs, schools = tlc.resolve_scope(enq.communities, school=school, community=community)
    # one school's enquiry is named by its school, never "the trust"
    where = community or school or (enq.schools[0] if len(enq.schools) == 1 else "the trust")
    label = community or (f"the TLC of {where}" if len(tlcs) == 1
                           else f"the {len(tlcs)} TLCs of {where}")
    title = f"{enq.title}: teacher learning communities ({where})"
    breadth = tlc.membership_breadth(enq.staff, enq.memberships, tlcs, schools=schools,
                                     year=enq.academic_year)
    n_members = int(breadth["members_total"].iloc[0]) if len(breadth) else 0
    sections = (
        _who_takes_part(enq, tlcs, schools, breadth, label, threshold),
        _share_by_year(enq, tlcs, schools, label, threshold, params.get("smallest_effect", 0.2)),
        _meeting_attendance(enq, tlcs, label, threshold),
        *_action_planning(enq, tlcs, threshold),
        _strategies(enq, tlcs, threshold),
        *((Section.without_source("staff_survey", "The end-of-year staff survey",
                                  kind="staff survey", shown="what staff said"),
           Section.without_source("scale_score", "Scale score and reliability",
                                  kind="staff survey", shown="the survey's scale score"),
           Section.without_source("outcomes", "The primary outcome and the secondary outcomes",
                                  kind="staff survey", shown="the survey's outcomes"))
          if no_survey else (
              *_staff_survey(enq, schools, scale, threshold),
              survey_outcomes.survey_outcomes_section(
                  survey_outcomes.survey_effects(enq, schools, scale), primary=scale,
                  smallest_effect=params.get("smallest_effect", 0.2), threshold=threshold))),
        _comment_themes(enq, bool(school or community), threshold),
        Section("about_data", "About the data", finding=(
            f"This report covers {plural(len(tlcs), 'TLC')} in "
            f"{plural(len(schools), 'school')}; every group of fewer than {threshold} people "
            "is withheld.")),
    )
    return Result(
        "tlc_impact", title,
        f"A case study of {label}: who volunteered, how many teachers take part and how this "
        "has grown, how often members came to the half-termly meetings, what they planned "
        "and tried in their classrooms, and what they said in the end-of-year survey.",
        sections, records={"title": title,
                           "n_members": published_count(n_members, threshold)})


# --- who takes part and how many -------------------------------------------------------------

def _who_takes_part(enq, tlcs, schools, breadth, label: str, threshold: int) -> Section:
    n_members = int(breadth["members_total"].iloc[0]) if len(breadth) else 0
    n_teaching = int(breadth["teaching_total"].iloc[0]) if len(breadth) else 0
    tests = tlc.breadth_tests(enq.staff, enq.memberships, tlcs, schools=schools,
                              year=enq.academic_year)
    if 0 < min(n_members, n_teaching - n_members) < threshold:  # its p would tell who they are
        tests = tests.iloc[0:0]
    differ = [c.lower() for c, p in zip(tests["characteristic"], tests["p"], strict=True)
              if p < 0.05]
    if n_members < threshold:
        finding = (f"Fewer than {threshold} staff were members of {label} this year, too few "
                   "to describe.")
    else:
        finding = f"{n_members} staff were members of {label} this year, out of " \
                  f"{n_teaching} teaching staff in the same schools"
        finding += (f"; they differ from the other teaching staff by {listed(differ)} more than "
                    "chance usually gives." if differ else
                    "; the tests find no clear difference from the other teaching staff in "
                    f"{listed(list(tests['characteristic'].str.lower()), 'or')}." if len(tests) else ".")
    return Section(
        "who_takes_part", "Who takes part",
        finding=finding,
        tables=(Table(tlc.publish(breadth, "breadth", threshold=threshold),
                      caption=f"TLC members ({_count(n_members, threshold)}) and all teaching "
                              "staff, by department, role and experience"),
                Table(suppress_small(tests, count_cols={"n": ["statistic", "p", "cramers_v"]},
                                     threshold=threshold, display=True, partition_by=None),
                      decimals={"statistic": 2, "df": 0, "cramers_v": 2},
                      caption="Are volunteers different from the other teaching staff?",
                      labels={"characteristic": "Characteristic", "test": "Test",
                              "statistic": "Statistic", "cramers_v": "Cram\u00e9r's V",
                              "n": "Teaching staff"})),
        charts=(charts.breadth_chart(tlc.publish(breadth, "breadth", threshold=threshold,
                                                 display=False)),),
        note=("Each bar pair compares the share of TLC members in a group with the share of all "
              "teaching staff in that group. If the volunteers were like everyone else the bars "
              "would be about equal. The tests ask whether members differ from other teaching "
              "staff more than chance usually gives (chi-square, or Fisher's exact test with "
              "small groups). A small p (below 0.05) suggests they do; a large p does not prove "
              "they are alike. Cramér's V runs from 0 (no difference) to 1."))


def _share_by_year(enq, tlcs, schools, label: str, threshold: int,
                   smallest_effect: float = 0.2) -> Section:
    shares = tlc.teaching_share_by_year(enq.staff, enq.memberships, tlcs, schools=schools,
                                        through=enq.academic_year)
    growth = tlc.share_growth(shares)
    published = tlc.publish(shares, "share", threshold=threshold, display=False)
    withheld = set(published.loc[published["pct"].isna(), "year"])
    hidden = growth["from_year"].isin(withheld) | growth["to_year"].isin(withheld)
    growth.loc[hidden, ["difference", "ci_low", "ci_high", "p"]] = np.nan
    return Section(
        "share_by_year", "How many teachers take part, year by year",
        finding=survey_outcomes.share_finding(published, growth, label, smallest_effect),
        paragraphs=("There is one academic year of TLC membership so far, so growth between "
                    "years cannot be shown yet.",) if growth.empty else (),
        tables=(Table(tlc.publish(shares, "share", threshold=threshold),
                      caption="Share of teaching staff in a TLC"),
                *(() if growth.empty else (Table(
                    growth, decimals={"difference": 1, "ci_low": 1, "ci_high": 1},
                    caption="Change from one year to the next (percentage points)",
                    labels={"from_year": "From", "to_year": "To", "difference": "Change",
                            "ci_low": "95% CI from", "ci_high": "95% CI to", "test": "Test"},
                    note=("A change next to a withheld year is not shown."
                          if hidden.any() else "")),))),
        charts=(charts.teaching_share_chart(published.dropna(subset=["estimate"])),)
        if published["estimate"].notna().any() else (),
        note=("Each bar is the percentage of teaching staff who were in a TLC that year; the "
              "black line is its 95% confidence interval, the range of values consistent with "
              "the data. Growth is the difference between consecutive years in percentage "
              "points with its 95% interval; an interval that excludes 0 suggests a real "
              "change. The same people appear in both years, so that interval is "
              "approximate."),
        records={"share_teaching_staff": {
            r.year: {"estimate": r.pct, "ci_low": r.pct_ci_low, "ci_high": r.pct_ci_high,
                     "n": int(r.n)}
            for r in published.itertuples()}})


# --- meetings and the action-planning cycle --------------------------------------------------

def _meeting_attendance(enq, tlcs, label: str, threshold: int) -> Section:
    attendance = tlc.meeting_attendance_by_half_term(enq.meetings, enq.meeting_attendance, tlcs,
                                                     year=enq.academic_year)
    published = tlc.publish(attendance, "attendance", threshold=threshold, display=False)
    which = tlcs[0] if len(tlcs) == 1 else "All TLCs"
    rows = published.loc[published["community"] == which].dropna(subset=["pct"])
    rows = rows.sort_values("half_term")
    if rows.empty:
        finding = (f"No meeting register of {label} this academic year has enough members on "
                   "it to report.")
    elif len(rows) == 1:
        finding = (f"{rows['pct'].iloc[0]:.0f}% of the members on the register were present at "
                   f"the half-term {rows['half_term'].iloc[0]} meeting, the only one reported "
                   "so far.")
    else:
        finding = (f"Between {rows['pct'].min():.0f}% and {rows['pct'].max():.0f}% of the "
                   "members on the registers were present at each half-term's meeting "
                   f"({rows['pct'].iloc[0]:.0f}% in half-term {rows['half_term'].iloc[0]}, "
                   f"{rows['pct'].iloc[-1]:.0f}% in half-term {rows['half_term'].iloc[-1]}).")
    return Section(
        "meeting_attendance", "Meeting attendance across the half-terms",
        finding=finding,
        tables=(Table(tlc.publish(attendance, "attendance", threshold=threshold),
                      caption=("Attendance at TLC meetings by half-term (1 = autumn 1, "
                               "6 = summer 2)")),),
        charts=(charts.half_term_attendance_chart(published, community=which),)
        if len(rows) else (),
        note=("The line shows the percentage of members present at each half-term's meeting, "
              "with a 95% confidence interval. A falling line would suggest members drifting "
              "away; small dips of a few points are within the usual ups and downs."))


def _action_planning(enq, tlcs, threshold: int) -> tuple[Section, Section]:
    cycle = action_plans.action_plan_cycle(enq.action_plans, enq.meetings, tlcs)
    tried = action_plans.plans_tried(enq.action_plans, enq.meetings, tlcs)
    total = cycle.loc[cycle["half_term"] == "All"].iloc[0]
    funnel = suppress_small(pd.DataFrame({
        "stage": ["Plans made", "Due back at a next meeting", "Reported back",
                  "Tried fully or partly", "Tried fully"],
        "n": [total.n_plans, total.n_due, total.n_reported, total.n_tried + total.n_partly,
              total.n_tried]}), count_cols="n", threshold=threshold, partition_by=None)
    cycle_section = Section(
        "action_planning", "The action-planning cycle",
        finding=("No action plan has been reported back yet." if tried is None else
                 f"Of the plans reported back, {tried.estimate:.0%} were tried fully or in part "
                 f"(95% CI {tried.ci_low:.0%} to {tried.ci_high:.0%}; n = {tried.n} plans)."),
        tables=(Table(tlc.publish(cycle, "cycle", threshold=threshold),
                      caption="Plans made, reported back and tried, by half-term"),),
        charts=(charts.action_cycle_chart(funnel),),
        note=("The funnel follows the plans from the meeting where they were made to the next "
              "meeting. Plans made at a TLC's last meeting cannot be reported yet. Percentages "
              "have 95% confidence intervals; a plan not reported back tells us nothing either "
              "way."),
        records={} if tried is None else {"pct_plans_tried": {
            "estimate": 100 * tried.estimate, "ci_low": 100 * tried.ci_low,
            "ci_high": 100 * tried.ci_high, "n": tried.n}})
    quotes = action_plans.learning_quotes(enq.action_plans, tlcs, k=5,
                                          not_quotable=enq.not_quotable)
    learning = Section(
        "learning", "What members learned",
        finding=(f"Members wrote down what they learned from the plans they tried; here are "
                 f"{len(quotes)} of their reports, chosen at random." if quotes else
                 "No report of a tried plan has been written down yet."),
        items=tuple(quotes))
    return cycle_section, learning


def _strategies(enq, tlcs, threshold: int) -> Section:
    strategies = action_plans.strategies_tried(enq.action_plans, enq.meetings, tlcs, top=12)
    published = tlc.publish(strategies, "strategies", threshold=threshold, display=False)
    return Section(
        "strategies", "Strategies tried",
        finding=_strategies_finding(strategies, published),
        tables=(Table(tlc.publish(strategies, "strategies", threshold=threshold),
                      caption="The 12 most planned strategies"),),
        charts=(charts.strategies_chart(published),)
        if published["pct_tried"].notna().any() else (),
        note=("Longer bars are strategies more often carried through; the black line is the 95% "
              "confidence interval, wide when few plans were reported back. A strategy tried "
              "less often is not necessarily less useful: it may be harder to fit into "
              "lessons."),
        records={"top_strategies": list(strategies["strategy"].head(5))})


def _strategies_finding(strategies: pd.DataFrame, published: pd.DataFrame) -> str:
    if strategies.empty:
        return "No action plan names a strategy yet."
    top = strategies.iloc[0]
    text = (f"The most planned strategy was \u201c{top['strategy']}\u201d "
            f"({plural(int(top['n_plans']), 'plan')})")
    shown = published.dropna(subset=["pct_tried"]).sort_values("pct_tried", ascending=False)
    if len(shown) < 2:
        return text + "."
    best, next_best = shown.iloc[0], shown.iloc[1]
    who = "it was also" if best["strategy"] == top["strategy"] else \
        f"\u201c{best['strategy']}\u201d was"
    text += (f"; {who} the one most often carried through ({best['pct_tried']:.0f}% of the "
             f"plans reported back, 95% CI {best['ci_low']:.0f}% to {best['ci_high']:.0f}%)")
    if best["ci_low"] <= next_best["pct_tried"]:
        text += ", though its interval overlaps the others', so this ranking is uncertain"
    return text + "."


# --- the staff survey ------------------------------------------------------------------------

def _staff_survey(enq, schools, scale: str, threshold: int) -> tuple[Section, Section]:
    survey_scale = enq.scales[scale]
    rs = enq.manifest.response_scales[survey_scale.response_scale]
    wording = staff_survey.item_wording(enq.manifest.sources, survey_scale.instrument)
    answers = staff_survey.survey_answers(
        enq.survey_responses, survey_scale,
        sources=staff_survey.survey_schools(enq.manifest.sources, enq.schools), schools=schools)
    dist = staff_survey.likert_distribution(answers, survey_scale, rs, wording=wording)
    dist_pub = staff_survey.distribution_table(dist, threshold=threshold, display=False)
    n_resp = answers["respondent_id"].nunique()
    answers_section = Section(
        "staff_survey", "The end-of-year staff survey",
        finding=_survey_finding(dist_pub, n_resp, len(rs.levels), threshold),
        tables=() if n_resp == 0 else (Table(
            staff_survey.distribution_table(dist, threshold=threshold),
            caption=f"Answers to each statement, % (respondents: {_count(n_resp, threshold)})"),),
        charts=(charts.likert_chart(dist_pub, levels=list(rs.levels)),)
        if dist_pub["pct"].notna().any() else (),
        note=("Each bar is one statement. Disagreement is drawn to the left of the centre line "
              "and agreement to the right; the neutral answer is split across the line. The "
              "last statement is worded negatively (agreeing with it is a poor sign), so it is "
              "reversed before the scale score is worked out, but drawn here as answered. "
              f"An answer given by fewer than {threshold} people is withheld (<{threshold}), "
              "and with it the statement's next smallest answer (*), so it cannot be worked "
              "out from the others; withheld answers are missing from the bars."))
    score_note = ("The mean has a 95% confidence interval. Alpha runs up to 1; about 0.7 or more "
                  "is usually taken as consistent enough to add the statements up, and with few "
                  "respondents its interval is wide. If alpha would rise clearly when a "
                  "statement is left out, that statement may be measuring something else.")
    if n_resp < threshold:
        return answers_section, Section(
            "scale_score", "Scale score and reliability",
            finding="Too few staff answered the survey to report a scale score.",
            note=score_note)
    mean = staff_survey.scale_mean(enq.scale_scores(), answers, survey_scale)
    low, high = rs.start, rs.start + len(rs.levels) - 1
    if len(survey_scale.items) == 1:  # one question: no reliability to compute
        return answers_section, Section(
            "scale_score", "Scale score and reliability",
            finding=(f"Staff's mean answer was {mean.estimate:.2f} on the {low} to {high} scale "
                     f"(95% CI {mean.ci_low:.2f} to {mean.ci_high:.2f}). The scale is a single "
                     "question, so its reliability (Cronbach's alpha) is not computed: alpha "
                     "needs at least two statements."),
            paragraphs=(f"Mean answer: {mean}.",), note=score_note,
            records={"tlc_scale_mean": mean})
    alpha = staff_survey.scale_reliability(answers, survey_scale)
    items = staff_survey.alpha_table(alpha, wording=wording, reverse=survey_scale.reverse)
    score_section = Section(
        "scale_score", "Scale score and reliability",
        finding=(f"Staff's mean scale score was {mean.estimate:.2f} on the {low} to {high} "
                 f"scale (95% CI {mean.ci_low:.2f} to {mean.ci_high:.2f}), and Cronbach's "
                 f"alpha was {alpha.estimate:.2f} (95% CI {alpha.ci_low:.2f} to "
                 f"{alpha.ci_high:.2f}): "
                 + ("consistent enough to add the statements up." if alpha.estimate >= 0.7 else
                    "below the 0.7 usually taken as consistent enough, so read the scale score "
                    "with care.")),
        paragraphs=(f"Mean scale score: {mean}.", f"Reliability: Cronbach's {alpha}."),
        tables=(Table(suppress_small(items, count_cols={"n": ["mean", "sd", "item_rest_r"]},
                                     threshold=threshold, display=True, partition_by=None),
                      decimals=2, caption="Each statement, and alpha if it were left out",
                      labels={"question": "Statement", "mean": "Mean", "sd": "SD",
                              "item_rest_r": "Item-rest r",
                              "alpha_if_deleted": "Alpha if left out"}),),
        note=score_note,
        records={"tlc_scale_mean": mean,
                 "tlc_alpha": {"estimate": alpha.estimate, "ci_low": alpha.ci_low,
                               "ci_high": alpha.ci_high, "n": alpha.n}})
    return answers_section, score_section


def _survey_finding(dist_pub: pd.DataFrame, n_resp: int, n_levels: int, threshold: int) -> str:
    """Which positively worded statement staff agreed with most, and which least."""
    if n_resp == 0:
        return "This workspace has no answers to the staff survey for these schools."
    if n_resp < threshold:
        return (f"Fewer than {threshold} staff answered the survey, too few to report their "
                "answers.")
    agree = dist_pub.loc[(dist_pub["level_no"] > (n_levels + 1) / 2) & ~dist_pub["reversed"]]
    per_item = agree.assign(withheld=agree["pct"].isna()).groupby(
        ["item", "question"], sort=False).agg(pct=("pct", "sum"), withheld=("withheld", "any"))
    per_item = per_item.loc[~per_item["withheld"]].reset_index()
    text = f"{n_resp} staff answered the survey"
    if len(per_item) < 2:
        return text + ("; too many answers are withheld (given by fewer than "
                       f"{threshold} people) to compare how far they agreed with each statement.")
    most = per_item.loc[per_item["pct"].idxmax()]
    least = per_item.loc[per_item["pct"].idxmin()]
    return (f"{text}; agreement was highest with \u201c{most['question']}\u201d "
            f"({most['pct']:.0f}% agreed) and lowest with \u201c{least['question']}\u201d "
            f"({least['pct']:.0f}%).")


def _comment_themes(enq, scoped: bool, threshold: int) -> Section:
    note = ("A code is a label a researcher gave to part of a comment. The percentage is of the "
            "coded comments; one comment can carry several codes. Quotes are anonymous. A code "
            f"given to fewer than {threshold} comments shows as '<{threshold}', with no "
            "percentage, no bar and no quote, so that a handful of colleagues cannot be "
            "picked out.")
    found = staff_survey.comment_themes(enq.texts, enq.codings, enq.codebook, top=5)
    if found is None:
        return Section("comment_themes", "Themes in the open comments", finding=(
            "The survey's open comments have not been coded in this workspace, so no themes "
            "can be shown yet."), note=note)
    themes, exemplars = found
    shown, chart_data, exemplars = staff_survey.published_themes(themes, exemplars,
                                                                 threshold=threshold)
    top = themes.iloc[0]
    return Section(
        "comment_themes", "Themes in the open comments",
        finding=(f"The code most often given to staff's open comments was \u201c{top['code']}"
                 f"\u201d, in {top['pct_texts']:.0f}% of the {top['n_coded_texts']} coded "
                 "comments" + (" (every school's: the comments are not told apart by school)."
                               if scoped else ".")
                 if top["n_texts"] >= threshold and top["n_coded_texts"] >= threshold
                 else f"Each code was given to fewer than {threshold} comments, too few to "
                      "report."),
        tables=(Table(shown,
                      caption="The most frequent codes in the open comments",
                      labels={"theme": "Theme", "code": "Code", "n_texts": "Comments",
                              "n_coded_texts": "Coded comments",
                              "pct_texts": "% of coded comments"}),),
        charts=(charts.themes_chart(chart_data),),
        items=tuple(f"{r.code}: \u201c{r.quote}\u201d" for r in exemplars.itertuples()),
        items_heading="In staff's words",
        note=note)


# --- helpers ---------------------------------------------------------------------------------

def _count(n: int, threshold: int) -> str:
    """A count of people for a caption: ``"<5"`` when it is small."""
    return f"<{threshold}" if 0 < n < threshold else str(n)


