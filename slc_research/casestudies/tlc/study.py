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
from slc_research.casestudies.tlc import action_plans, survey_sections
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
              *survey_sections.staff_survey_sections(enq, schools, scale, threshold),
              survey_outcomes.survey_outcomes_section(
                  survey_outcomes.survey_effects(enq, schools, scale), primary=scale,
                  smallest_effect=params.get("smallest_effect", 0.2), threshold=threshold,
                  waves=survey_outcomes.survey_waves(enq, schools, scale)))),
        survey_sections.comment_themes_section(enq, bool(school or community), threshold),
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
    chart_data = tlc.publish(breadth, "breadth", threshold=threshold, display=False)
    # a chart of all teaching staff alone compares nothing: it needs a members' bar
    members_drawn = bool((pd.to_numeric(chart_data["pct_members"], errors="coerce") > 0).any())
    if n_members < threshold:
        finding = (f"Fewer than {threshold} staff were members of {label} this year, too few "
                   "to describe.")
    else:
        within = (f"at {schools[0]}" if len(schools) == 1 else
                  f"in the same {plural(len(schools), 'school')}")
        finding = f"{n_members} staff were members of {label} this year, out of " \
                  f"{n_teaching} teaching staff {within}"
        finding += (f"; they differ from the other teaching staff by {listed(differ)} more than "
                    "chance usually gives." if differ else
                    "; the tests find no clear difference from the other teaching staff in "
                    f"{listed(list(tests['characteristic'].str.lower()), 'or')}." if len(tests) else ".")
    return Section(
        "who_takes_part", "Who takes part",
        finding=finding,
        tables=(Table(tlc.publish(breadth, "breadth", threshold=threshold),
                      caption=(f"TLC members ({survey_sections.count_label(n_members, threshold)})"
                               " and all teaching staff, by department, role and experience")),
                Table(suppress_small(tests, count_cols={"n": ["statistic", "p", "cramers_v"]},
                                     threshold=threshold, display=True, partition_by=None),
                      decimals={"statistic": 2, "df": 0, "cramers_v": 2},
                      caption="Are volunteers different from the other teaching staff?",
                      labels={"characteristic": "Characteristic", "test": "Test",
                              "statistic": "Statistic", "cramers_v": "Cram\u00e9r's V",
                              "n": "Teaching staff"})),
        paragraphs=() if members_drawn or n_members < threshold else (
            f"No department, role or experience band has as many as {threshold} members, "
            "so no chart sets the members beside all teaching staff.",),
        charts=(charts.breadth_chart(chart_data),) if members_drawn else (),
        note=(("Each bar pair compares the share of TLC members in a group with the share of "
               "all teaching staff in that group. If the volunteers were like everyone else the "
               "bars would be about equal. " if members_drawn else "") + "The tests ask whether members differ from other teaching "
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
    # a change next to a withheld year is a row of dashes beside a test's name: said once in
    # words instead
    not_shown = [f"{a} to {b}" for a, b in growth.loc[hidden, ["from_year", "to_year"]]
                 .itertuples(index=False)]
    growth = growth.loc[~hidden].reset_index(drop=True)
    return Section(
        "share_by_year", "How many teachers take part, year by year",
        finding=survey_outcomes.share_finding(published, growth, label, smallest_effect),
        paragraphs=("There is one academic year of TLC membership so far, so growth between "
                    "years cannot be shown yet.",) if growth.empty and not not_shown else (
            f"The change from {listed(not_shown)} is not shown: a year with fewer than "
            f"{threshold} staff in a TLC is withheld, and so is the change next to it.",)
        if not_shown else (),
        tables=(Table(tlc.publish(shares, "share", threshold=threshold),
                      caption="Share of teaching staff in a TLC"),
                *(() if growth.empty else (Table(
                    growth, decimals={"difference": 1, "ci_low": 1, "ci_high": 1},
                    caption="Change from one year to the next (percentage points)",
                    labels={"from_year": "From", "to_year": "To", "difference": "Change",
                            "ci_low": "95% CI from", "ci_high": "95% CI to", "test": "Test"},
                    note=("A change next to a withheld year is not shown."
                          if not_shown else "")),))),
        charts=(charts.teaching_share_chart(published.loc[published["n"] > 0]),)
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
            for r in published.itertuples()},
            "share_change": _latest_change(growth, published)})


def _latest_change(growth: pd.DataFrame, published: pd.DataFrame) -> dict[str, Any] | None:
    """The change in share from the year before to the latest year, in points, or None."""
    if (growth.empty or published.empty or pd.isna(growth["difference"].iloc[-1])
            or growth["to_year"].iloc[-1] != published["year"].iloc[-1]):
        return None
    g = growth.iloc[-1]
    return {"estimate": float(g["difference"]), "ci_low": float(g["ci_low"]),
            "ci_high": float(g["ci_high"]), "from_year": str(g["from_year"]),
            "to_year": str(g["to_year"])}


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
                      caption=("The 12 most planned strategies" if len(strategies) >= 12
                               else "The strategies planned, most planned first")),),
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
