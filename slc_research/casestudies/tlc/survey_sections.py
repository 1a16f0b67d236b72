"""The TLC report's sections on the staff survey: answers, scale score, waves, comments.

The survey is anonymous, so answers are told apart by school only. A survey given more than
once is read at its latest wave (much the same staff answer each time, so the waves are
never added together), with each wave's mean scale score and the change between the first
and the latest shown beside it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from slc_research import charts
from slc_research.casestudies.glance import number
from slc_research.casestudies.result import Section, Table
from slc_research.casestudies.tlc import staff_survey
from slc_research.privacy.suppression import suppress_small
from slc_research.words import listed

__all__ = ["comment_themes_section", "count_label", "staff_survey_sections"]


def staff_survey_sections(enq: Any, schools: list[str], scale: str, threshold: int
                          ) -> tuple[Section, Section]:
    """The ``staff_survey`` and ``scale_score`` sections.

    The latest wave's answers, the scale score and its reliability, and, when the survey
    was given more than once, each wave's mean and the change from the first to the latest.
    """
    survey_scale = enq.scales[scale]
    rs = enq.manifest.response_scales[survey_scale.response_scale]
    wording = staff_survey.item_wording(enq.manifest.sources, survey_scale.instrument)
    every_wave = staff_survey.survey_answers(
        enq.survey_responses, survey_scale,
        sources=staff_survey.survey_schools(enq.manifest.sources, enq.schools), schools=schools)
    answers, waves = staff_survey.latest_wave(every_wave)
    dist = staff_survey.likert_distribution(answers, survey_scale, rs, wording=wording)
    dist_pub = staff_survey.distribution_table(dist, threshold=threshold, display=False)
    n_resp = answers["respondent_id"].nunique()
    drawn = bool((dist_pub["pct"] > 0).any())  # not a chart of withheld answers alone
    answers_section = Section(
        "staff_survey", "The end-of-year staff survey",
        finding=_survey_finding(dist_pub, n_resp, len(rs.levels), threshold),
        paragraphs=(_latest_wave_sentence(waves),) if len(waves) > 1 else (),
        tables=() if n_resp == 0 else (Table(
            staff_survey.distribution_table(dist, threshold=threshold),
            caption=f"Answers to each statement, % (respondents: {count_label(n_resp, threshold)})"),),
        charts=(charts.likert_chart(dist_pub, levels=list(rs.levels)),) if drawn else (),
        # a note on how to read bars only above bars
        note="" if not drawn else (
              "Each bar is one statement. Disagreement is drawn to the left of the centre line "
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
    scores = enq.scale_scores()
    mean = staff_survey.scale_mean(scores, answers, survey_scale)
    low, high = rs.start, rs.start + len(rs.levels) - 1
    by_wave = _by_wave(scores, every_wave, survey_scale, waves, threshold)
    if len(survey_scale.items) == 1:  # one question: no reliability to compute
        return answers_section, Section(
            "scale_score", "Scale score and reliability",
            finding=(f"Staff's mean answer was {mean.estimate:.2f} on the {low} to {high} scale "
                     f"(95% CI {mean.ci_low:.2f} to {mean.ci_high:.2f}). The scale is a single "
                     "question, so its reliability (Cronbach's alpha) is not computed: alpha "
                     "needs at least two statements."),
            paragraphs=(f"Mean answer: {mean}.", *by_wave["paragraphs"]), note=score_note,
            tables=by_wave["tables"],
            records={"tlc_scale_mean": mean, "tlc_scale_points": [low, high],
                     **by_wave["records"]})
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
        paragraphs=(f"Mean scale score: {mean}.", f"Reliability: Cronbach's {alpha}.",
                    *by_wave["paragraphs"]),
        tables=(*by_wave["tables"], Table(suppress_small(items, count_cols={"n": ["mean", "sd", "item_rest_r"]},
                                     threshold=threshold, display=True, partition_by=None),
                      decimals=2, caption="Each statement of the scale",
                      labels={"question": "Statement", "mean": "Mean", "sd": "SD",
                              "item_rest_r": "Item-rest r",
                              "alpha_if_deleted": "Alpha if left out"}),),
        note=score_note,
        records={"tlc_scale_mean": mean, "tlc_scale_points": [low, high], **by_wave["records"],
                 "tlc_alpha": {"estimate": alpha.estimate, "ci_low": alpha.ci_low,
                               "ci_high": alpha.ci_high, "n": alpha.n}})
    return answers_section, score_section


def _latest_wave_sentence(waves: tuple[int, ...]) -> str:
    return (f"The survey was given in waves {listed([str(w) for w in waves])}; much the same "
            "staff answer each time, so the waves are not added together: this section and "
            f"the next read the latest, wave {waves[-1]}.")


def _by_wave(scores, every_wave, survey_scale, waves, threshold: int) -> dict[str, Any]:
    """The scale score at each wave and its change, when the survey was given more than once."""
    if len(waves) < 2:
        return {"paragraphs": (), "tables": (), "records": {}}
    table = Table(suppress_small(staff_survey.wave_means(scores, every_wave, survey_scale),
                                 count_cols={"n": ["mean", "ci_low", "ci_high"]},
                                 threshold=threshold, display=True, partition_by=None),
                  decimals={"mean": 2, "ci_low": 2, "ci_high": 2},
                  caption="Staff's mean scale score at each wave",
                  labels={"wave": "Wave", "n": "Staff answering", "mean": "Mean score"})
    change = staff_survey.wave_change(scores, every_wave, survey_scale)
    if change is None or min(change.n1, change.n2) < threshold:
        return {"paragraphs": (f"Too few staff answered wave {waves[0]} or wave {waves[-1]} to "
                               "say how the scale score changed between them.",),
                "tables": (table,), "records": {"tlc_scale_change": None}}
    clear = change.ci_low > 0 or change.ci_high < 0
    words = ((f"rose by {number(change.estimate)}" if change.estimate > 0 else
              f"fell by {number(-change.estimate)}") if clear else
             f"changed by {number(change.estimate)}")
    return {
        "paragraphs": (
            f"From wave {waves[0]} to wave {waves[-1]} staff's mean scale score {words} "
            f"(95% CI {number(change.ci_low)} to {number(change.ci_high)}"
            + ("" if clear else ", an interval that includes no change") + "). The waves are compared as "
            "two groups of answers (an anonymous survey cannot link a person's answers from "
            "one wave to the next); many of the same staff answered both, so this interval "
            "is only approximate.",),
        "tables": (table,),
        "records": {"tlc_scale_change": {
            "estimate": change.estimate, "ci_low": change.ci_low, "ci_high": change.ci_high,
            "n": change.n, "from_wave": waves[0], "to_wave": waves[-1]}}}


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


def comment_themes_section(enq: Any, scoped: bool, threshold: int) -> Section:
    """The ``comment_themes`` section: the codes most given to the open comments.

    One sentence, with no table or chart of withheld counts, when every code was given to
    fewer comments than the threshold.
    """
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
    if not (top["n_texts"] >= threshold and top["n_coded_texts"] >= threshold):
        # no table of withheld counts (beside the one total) and no empty chart under it
        return Section("comment_themes", "Themes in the open comments", finding=(
            f"Each code was given to fewer than {threshold} comments, too few to report."),
            note=note)
    return Section(
        "comment_themes", "Themes in the open comments",
        finding=(f"The code most often given to staff's open comments was \u201c{top['code']}"
                 f"\u201d, in {top['pct_texts']:.0f}% of the {top['n_coded_texts']} coded "
                 "comments" + (" (every school's: the comments are not told apart by school)."
                               if scoped else ".")),
        tables=(Table(shown,
                      caption="The most frequent codes in the open comments",
                      labels={"theme": "Theme", "code": "Code", "n_texts": "Comments",
                              "n_coded_texts": "Coded comments",
                              "pct_texts": "% of coded comments"}),),
        charts=(charts.themes_chart(chart_data),),
        items=tuple(f"{r.code}: \u201c{r.quote}\u201d" for r in exemplars.itertuples()),
        items_heading="In staff's words",
        note=note)


def count_label(n: int, threshold: int) -> str:
    """A count of people for a caption: ``"<5"`` when it is small."""
    return f"<{threshold}" if 0 < n < threshold else str(n)
