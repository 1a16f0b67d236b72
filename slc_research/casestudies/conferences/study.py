"""The student-led conferences case study as one result: ``run(enquiry, params) -> Result``.

The notebook ``notebooks/student_led_conferences.ipynb`` calls ``conferences.STUDY`` once and
shows the sections of its result between its narrative cells; the index, the summary and the
dissertation pack are made from the same result. Every finding is written from the numbers
and says nothing about a group smaller than the enquiry's suppression threshold.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from slc_research import charts, qual, stats
from slc_research.casestudies import outcome_family
from slc_research.casestudies.conferences import OUTCOMES, family, groups
from slc_research.casestudies.conferences import analysis as cf
from slc_research.casestudies.result import Result, Section, Table
from slc_research.privacy.suppression import suppress_small
from slc_research.qual.depth import Rubric
from slc_research.words import listed

__all__ = ["run"]

#: Reflections at this rubric level or deeper count as "deep" (explanatory or deeper).
DEEP_LEVEL = 2


def run(enq: Any, params: dict[str, Any]) -> Result:
    """Run the student-led conferences case study on an opened enquiry.

    Parameters
    ----------
    enq : Enquiry
        The opened workspace.
    params : dict
        As :meth:`conferences.STUDY.validate
        <slc_research.casestudies.spec.CaseStudy.validate>` returns them: ``workspace``,
        ``community``, ``rubric``, ``target_per_week``, ``primary_outcome``,
        ``smallest_effect``.

    Returns
    -------
    Result
        Sections ``scoring``, ``target``, ``depth``, ``outcomes`` (the declared primary
        outcome and the secondaries with Holm-adjusted p and equivalence tests),
        ``by_group``, ``feedback`` and ``rubric_check``.

    Raises
    ------
    ConfigError
        No rubric file at the ``rubric`` path, or a rubric file that is not valid.
    """
    rubric = qual.load_rubric(cf.rubric_file(params["rubric"], params["workspace"]))
    threshold = enq.suppression_threshold
    target = params["target_per_week"]
    classes = cf.resolve_classes(enq.communities, params["community"])
    label = classes[0] if len(classes) == 1 else f"{len(classes)} student-led conference classes"
    refl = cf.reflections(enq.texts, classes, rubric)
    weeks = cf.pupil_weeks(refl, enq.memberships, classes, target_per_week=target)
    scored = refl[["text_id", "depth", "level_name", "matched"]]
    title = f"{enq.title}: {label}"
    schools = enq.communities.loc[enq.communities["community"].isin(classes), "school"]
    effects = family.outcome_effects(refl, weeks, level=DEEP_LEVEL, deep=_deep(rubric))
    declared = {"primary": outcome_family.resolve_primary(params.get("primary_outcome", ""),
                                                          OUTCOMES),
                "smallest_effect": params.get("smallest_effect", 0.2), "threshold": threshold}
    return Result(
        "student_led_conferences", title,
        f"The reflection culture of {label} over the year: how regularly pupils wrote their "
        f"weekly reflections (the target is {target:g} a week), how deep those reflections "
        "were and how that changed, and what parents, pupils and staff said after the "
        "student-led conferences.",
        (_scoring(enq, refl, scored, rubric, threshold),
         _target(weeks, label, target, threshold),
         _depth(refl, rubric, threshold, effects, declared),
         family.family_section(effects, **declared),
         groups.by_group_section(refl, enq.pupils, _deep(rubric), threshold,
                                 level=DEEP_LEVEL),
         _feedback(enq, classes, threshold),
         _rubric_check(scored, enq.codings, rubric)),
        records={"title": title, "community": label,
                 "school": sorted(schools.dropna().astype(str).unique()),
                 "n_classes": len(classes), "n_pupils": int(weeks["member_id"].nunique()),
                 "n_reflections": len(refl), "rubric": rubric.title})


def _deep(rubric: Rubric) -> str:
    """What "deep" means with this rubric, e.g. ``"explanatory or deeper"``."""
    names = {lv.level: lv.name for lv in rubric.levels}
    return (f"{names[DEEP_LEVEL].lower()} or deeper" if DEEP_LEVEL in names
            else f"at level {DEEP_LEVEL} or deeper")


def _too_few(threshold: int, who: str = "pupils wrote reflections") -> str:
    return f"Fewer than {threshold} {who}, too few to report."


# --- the sections -----------------------------------------------------------------------------

def _scoring(enq, refl, scored, rubric: Rubric, threshold: int) -> Section:
    examples = qual.depth_examples(enq.texts, scored, rubric, seed=1)
    if refl.empty:
        finding = "No reflections were found for these classes yet, so nothing was scored."
    elif refl["author_id"].nunique() < threshold:
        finding = _too_few(threshold)
    else:
        shares = [f"{100 * (refl['depth'] == lv.level).mean():.0f}% {lv.name.lower()}"
                  for lv in rubric.levels]
        finding = (f"The keyword heuristic scored {len(refl):,} reflections: {listed(shares)}.")
    tables = [Table(rubric.to_frame(), caption=rubric.title, labels={
        "level": "Level", "level_name": "Depth", "description": "What it looks like",
        "indicators": "Phrases that show it"})]
    if len(examples):
        tables.append(Table(
            examples, caption="An example at each level (names are removed from every "
                              "reflection)",
            labels={"level": "Level", "level_name": "Depth", "example": "Example reflection",
                    "matched": "Phrase that decided it"}))
    return Section(
        "scoring", "How depth is scored", finding=finding, tables=tuple(tables),
        note=("The score is a keyword heuristic after Hatton and Smith (1995), not their "
              "framework and not a judgement of the pupil: it finds stock phrases and cannot "
              "read meaning. A reflection that says 'because' is scored as explanatory even if "
              "the reason is thin or not about learning; setting a target ('Next time I will') "
              "counts as forward-looking, not critical; weighing-up or another person's view "
              "written in words the rubric does not list is scored lower than it deserves; and "
              "nothing here says whether a reflection is good. Read a sample of reflections "
              "alongside the numbers, check the heuristic against a colleague's independent "
              "reading (the last section), and add phrases your pupils use to the rubric."))


def _target(weeks: pd.DataFrame, label: str, target: float, threshold: int) -> Section:
    title = "Weekly reflections against the target"
    note = ("A pupil-week counts as meeting the target when the pupil wrote at least the target "
            "number of reflections that week. The 95% confidence interval is the range of "
            "values that fits these weeks well: a narrow range means the percentage is well "
            "pinned down. Weeks of the same pupil are alike, so the real uncertainty is a "
            "little wider than shown. On the chart the dashed line is the target: points below "
            "it are weeks when the class wrote fewer reflections than expected.")
    if weeks.empty:
        return Section("target", title, finding=(
            "No weekly reflections were found for these classes yet, so there is nothing to "
            "compare with the target."), note=note)
    table, overall = cf.target_summary(weeks, threshold=threshold)
    per_class = cf.target_summary(weeks, threshold=threshold, display=False)[0]
    weekly = cf.weekly_rates(weeks, threshold=threshold)
    a = "a reflection" if target == 1 else f"{target:g} reflections"
    if weeks["member_id"].nunique() < threshold:
        finding, paragraphs = _too_few(threshold, "pupils were on the class lists"), ()
    else:
        finding = (f"Across {label}, pupils met the target of {a} a week in "
                   f"{100 * overall.estimate:.1f}% of pupil-weeks (95% CI "
                   f"{100 * overall.ci_low:.1f}% to {100 * overall.ci_high:.1f}%, n = "
                   f"{overall.n:,} pupil-weeks).")
        shown = per_class[(per_class["Class"] != "All classes") & per_class["%"].notna()]
        shown = shown.sort_values("%")
        paragraphs = () if len(shown) < 2 else (
            f"By class it ranged from {shown['%'].iloc[0]:.1f}% ({shown['Class'].iloc[0]}) to "
            f"{shown['%'].iloc[-1]:.1f}% ({shown['Class'].iloc[-1]}).",)
    return Section(
        "target", title, finding=finding, paragraphs=paragraphs,
        tables=(Table(table, decimals=1,
                      caption=f"Pupil-weeks meeting the target of {target:g} a week"),),
        charts=(charts.weekly_rate_chart(weekly, target=target),)
        if weekly["rate"].notna().any() else (),
        note=note,
        records={"pct_weeks_meeting_target": {
            "estimate": 100 * overall.estimate, "ci_low": 100 * overall.ci_low,
            "ci_high": 100 * overall.ci_high, "n": overall.n, "k": overall.k}})


def _depth(refl: pd.DataFrame, rubric: Rubric, threshold: int, effects: list,
           declared: dict) -> Section:
    title = "Depth over the year"
    note = ("Each bar adds up to 100% of that half term's reflections; darker colours are deeper "
            "levels. If the culture of reflection is growing, the dark part of the bars grows "
            "over the year. The change compares only the first and last half terms; an interval "
            "that does not include 0 means the change is larger than chance alone would easily "
            "produce. It does not show what caused it: pupils are also a year older, and "
            "teachers may have modelled reflection differently.")
    if refl.empty:
        return Section("depth", title, finding=(
            "No reflections were found for these classes yet, so depth cannot be shown."),
            note=note)
    shares = cf.depth_shares(refl, rubric, threshold=threshold)
    means = cf.depth_means(refl, threshold=threshold)
    change = cf.depth_change(refl, level=DEEP_LEVEL)
    periods = list(dict.fromkeys(shares["period"]))
    records: dict[str, Any] = {}
    for key, period in (("depth_first_half_term", periods[0]),
                        ("depth_last_half_term", periods[-1])):
        rows = shares[shares["period"] == period]
        records[key] = {"period": period, "levels": [
            {"level": int(r.level), "name": r.level_name, "estimate": r.share,
             "ci_low": r.ci_low, "ci_high": r.ci_high, "n": r.n_total}
            for r in rows.itertuples()]}
    deep = _deep(rubric)
    shown = means["mean"].notna()
    paragraphs: tuple[str, ...] = ()
    if change is None:
        finding = (f"All the reflections fall in one half term ({periods[0]}), so there is no "
                   "change over the year to show yet.")
    elif not (shown.iloc[0] and shown.iloc[-1]):
        finding = (f"In the first or the last half term fewer than {threshold} pupils wrote "
                   "reflections, so the change over the year is withheld.")
    else:
        first, last = change.extra["p2"], change.extra["p1"]
        if change.ci_low > 0:
            how = "Reflections deepened over the year"
        elif change.ci_high < 0:
            how = "Reflections became shallower over the year"
        else:
            how = "The data show no clear change in depth over the year"
        finding = (f"{how}: {100 * first:.0f}% of reflections were {deep} in {periods[0]} "
                   f"and {100 * last:.0f}% in {periods[-1]} (a change of "
                   f"{100 * change.estimate:+.0f} percentage points, 95% CI "
                   f"{100 * change.ci_low:+.0f} to {100 * change.ci_high:+.0f}).")
        paragraphs = (
            f"The change compares the {change.n:,} reflections written in those two half terms "
            f"({stats.format_p(change.p_value)}).",)
        effect = next((e for e in effects if e.key == "depth"), None)
        if effect is not None and change.ci_low <= 0 <= change.ci_high:
            tested = outcome_family.equivalence(effect, declared["smallest_effect"])
            paragraphs += (f"Equivalence test (Cohen's h = {effect.estimate:.2f}): "
                           f"{tested.in_words()}.",)
    if change is not None:
        records["depth_change"] = change
    top = rubric.levels[-1].level
    return Section(
        "depth", title, finding=finding, paragraphs=paragraphs,
        tables=(Table(cf.depth_shares(refl, rubric, threshold=threshold, display=True),
                      decimals=1, caption="Reflections at each depth, by half term"),
                Table(cf.depth_means(refl, threshold=threshold, display=True), decimals=2,
                      caption="Mean depth by half term", labels={
                          "period": "Half term", "n": "Reflections", "n_pupils": "Pupils",
                          "mean": "Mean depth", "ci_low": "95% CI low",
                          "ci_high": "95% CI high"})),
        charts=((charts.depth_share_chart(shares),) if shares["share"].notna().any() else ())
        + ((charts.depth_mean_chart(means, levels=top),) if shown.any() else ()),
        note=note, records=records)


def _feedback(enq, classes: list[str], threshold: int) -> Section:
    title = "Feedback after the conferences"
    note = ("Feedback is from the people who chose to reply, who may be the most enthusiastic or "
            "the most critical. Counts show who replied, not how many people attended. The "
            "comments are examples of what was said, not a summary of everyone's views.")
    texts = enq.texts
    feedback = texts[(texts["source"] == "feedback") & texts["community"].isin(classes)]
    if feedback.empty:
        return Section("feedback", title, finding=(
            "No feedback after the conferences was found for these classes yet."), note=note)
    counts = cf.feedback_counts(texts, classes, threshold=threshold, display=False)
    coded = enq.codings[enq.codings["text_id"].isin(feedback["text_id"])]
    tables = [Table(cf.feedback_counts(texts, classes, threshold=threshold), decimals=1,
                    caption="Feedback responses")]
    shown = counts[counts["Responses"].notna()].sort_values("Responses", ascending=False)
    if len(feedback) < threshold:
        finding = _too_few(threshold, "feedback responses came in")
    elif shown.empty:
        finding = (f"There were {len(feedback):,} feedback responses; each group who replied "
                   "is too small to report on its own.")
    else:
        top = shown.iloc[0]
        who = ("people who did not say who they were" if top["Who"] == "Not known"
               else top["Who"].lower())
        finding = (f"There were {len(feedback):,} feedback responses; the largest share came from "
                   f"{who} ({top['%']:.0f}%).")
    paragraphs: tuple[str, ...] = ()
    if len(coded):
        themes = qual.themes_summary(texts, enq.codings, enq.codebook,
                                     where={"source": "feedback", "community": classes})
        themes_shown = suppress_small(themes.drop(columns=["n_coded_texts"]),
                                      count_cols="n_texts", threshold=threshold, display=True,
                                      value_cols=["pct_texts"], partition_by=None)
        tables.append(Table(themes_shown, decimals=1,
                            caption="The most frequent themes in the feedback", labels={
                                "theme": "Theme", "code": "Code",
                                "description": "What it means", "n_texts": "Comments",
                                "pct_texts": "% of coded comments"}))
        published = themes.loc[themes["n_texts"] >= threshold, "code"]  # no quote for "<5"
        quotes = qual.exemplar_quotes(feedback, enq.codings, codes=list(published), seed=1)
        tables.append(Table(quotes, caption="A comment for each theme", labels={
            "code": "Code", "quote": "Comment", "attribution": "Who"}))
        if len(themes) and themes["n_texts"].iloc[0] >= threshold:
            top = themes.iloc[0]
            what = "" if pd.isna(top["description"]) else f" ({str(top['description']).lower()})"
            finding += (f" The code given most often was \u201c{top['code']}\u201d{what}, in "
                        f"{top['pct_texts']:.0f}% of the coded comments.")
        elif len(themes) and len(feedback) >= threshold:  # its table of "<5" is not shown
            finding += (f" Each code was given to fewer than {threshold} comments, too few to "
                        "report.")
    else:
        paragraphs = ("The feedback has not been coded yet, so a few comments from each group "
                      "are shown instead.",)
        tables.append(Table(cf.feedback_quotes(texts, classes, threshold=threshold),
                            caption="Some of the feedback"))
    return Section(
        "feedback", title, finding=finding, paragraphs=paragraphs, tables=tuple(tables),
        charts=(charts.feedback_chart(counts),) if counts["Responses"].notna().any() else (),
        note=note, records={"feedback_responses": int(len(feedback))})


def _rubric_check(scored: pd.DataFrame, codings: pd.DataFrame, rubric: Rubric) -> Section:
    title = "Checking the rubric"
    note = ("The person should rate each reflection's depth from its meaning, without looking "
            "for the rubric's phrases; a rating made by the same phrases only repeats the "
            "heuristic and its agreement means nothing. "
            "Kappa is 1 when the rubric and the person always agree and 0 when they agree no "
            "more than chance would. Above about 0.8 is usually read as strong agreement and 0.6 "
            "to 0.8 as substantial; below 0.6, read the reflections on which they disagree and "
            "adjust the rubric's phrases. Only reflections the person gave at least one code "
            "are compared, and people make slips too: disagreement is not always the rubric's "
            "fault.")
    agreement = qual.rubric_agreement(scored, codings, rubric)
    if agreement is None:
        return Section("rubric_check", title, finding=(
            "No reflections in this enquiry have been coded by hand with codes the rubric knows "
            "yet. To check the rubric, ask a colleague to code 30 or more reflections and list "
            "their codes for each level under codes in the rubric file."), note=note)
    k = agreement.estimate
    strength = ("strongly" if k >= 0.8 else "substantially" if k >= 0.6 else
                "only moderately" if k >= 0.4 else "weakly")
    return Section(
        "rubric_check", title,
        finding=(f"The keyword heuristic agreed {strength} with a person's independent rating (weighted kappa "
                 f"{k:.2f}, 95% CI {agreement.ci_low:.2f} to {agreement.ci_high:.2f}, on "
                 f"{agreement.n} reflections)."),
        note=note, records={"rubric_agreement": agreement})
