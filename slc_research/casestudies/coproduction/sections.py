"""The co-production report's comparison and pooling sections.

:func:`comparison_section` sets the pilot's change in behaviour beside the change of pupils
who did not take part but were chosen by the same baseline rule
(:mod:`slc_research.casestudies.coproduction.comparison`): its difference is the report's
headline, since pupils chosen after a bad spell improve on average anyway (regression to the
mean). :func:`pooled_section` pools the schools; :func:`participation_section` asks whether
pupils who came more often changed more, and :func:`design_section` says what the design can
and cannot show. The other sections are in :mod:`slc_research.casestudies.coproduction.study`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from slc_research import charts
from slc_research.casestudies.coproduction import pilot as cp
from slc_research.casestudies.coproduction.comparison import BaselineComparison
from slc_research.casestudies.coproduction.findings import (
    change_phrase,
    forest_finding,
    is_clear,
    p_phrase,
    pooled_finding,
)
from slc_research.casestudies.result import Section, Table
from slc_research.privacy.suppression import suppress_small

__all__ = ["BEHAVIOUR_LABEL", "ONE_SCHOOL", "TROUBLE_LABEL", "comparison_record", "comparison_section",
           "design_section", "difference_phrase", "forest_section", "improved_beside",
           "participation_section", "pooled_section"]

BEHAVIOUR_LABEL = "Negative behaviour (g_av)"
TROUBLE_LABEL = "'I often get into trouble' (change in % Yes)"

_COMPARISON_NOTE = " ".join((
    "The pilot's pupils were chosen because their behaviour was among the worst in their year "
    "groups. Pupils picked after a bad spell tend to do better later whatever happens "
    "(regression to the mean), so their own fall in points is not evidence that the projects "
    "worked. The comparison is the pupils of the same schools and year groups who did not take "
    "part but whose points per school week before the projects started were in the same top "
    "band (at least as high as that of the middle participant). Their change is "
    "what would be expected without a project; the difference of the two changes (Welch's "
    "interval) is the estimate to read.",
    "A negative difference means the participants' points fell more than the comparison's. "
    "The comparison pupils were not nominated by their school, so they can differ in ways the "
    "rule does not capture: read the difference as an estimate, not proof."))


def comparison_record(comparison: BaselineComparison, threshold: int) -> Any:
    """The headline value: the difference of the changes, or a sentence saying why there is none.

    Parameters
    ----------
    comparison : BaselineComparison
    threshold : int
        Suppression threshold: a group smaller than it gives no figure.
    """
    if not comparison.ok:
        return f"no comparison: {comparison.reason}"
    n = comparison.groups.set_index("group")["n"]
    if (n < threshold).any():
        return f"no comparison: fewer than {threshold} pupils in a group"
    d = comparison.difference
    return {"estimate": d.estimate, "ci_low": d.ci_low, "ci_high": d.ci_high,
            "n": int(n["Took part"]), "n_comparison": int(n["Comparison"])}


def difference_phrase(record: dict) -> str:
    """``"-0.86 points per school week (95% CI -1.12 to -0.60): the participants' fell more"``.

    Parameters
    ----------
    record : dict
        :func:`comparison_record` when a comparison exists.
    """
    lo, hi = record["ci_low"], record["ci_high"]
    verdict = ("the participants' points fell more than the comparison's" if hi < 0 else
               "the participants' points fell less than the comparison's" if lo > 0 else
               "the interval includes no difference, so the pilot's change may be no more than "
               "would have happened anyway")
    return (f"{record['estimate']:+.2f} points per school week (95% CI {lo:+.2f} to {hi:+.2f}): "
            f"{verdict}")


def improved_beside(comparison: BaselineComparison, threshold: int) -> str:
    """The comparison's share improved, to follow the participants' (never alone).

    Parameters
    ----------
    comparison : BaselineComparison
    threshold : int
    """
    record = comparison_record(comparison, threshold)
    if isinstance(record, str):
        return ("; no comparison of similar pupils who did not take part exists, so this share "
                "cannot be told apart from the improvement expected anyway")
    row = comparison.groups.set_index("group").loc["Comparison"]
    return (f", against {row['pct_improved']:.0f}% (95% CI {row['improved_ci_low']:.0f}% to "
            f"{row['improved_ci_high']:.0f}%) of {int(row['n'])} similar pupils who did not "
            "take part")


def comparison_section(comparison: BaselineComparison, threshold: int) -> Section:
    """The participants' change beside the comparison's, and the difference of the two.

    Parameters
    ----------
    comparison : BaselineComparison
        :func:`~slc_research.casestudies.coproduction.comparison.baseline_comparison`.
    threshold : int
    """
    title = "Compared with similar pupils who did not take part"
    record = comparison_record(comparison, threshold)
    if isinstance(record, str):
        finding = (f"There is no comparison group ({record.removeprefix('no comparison: ')}): "
                   "the pilot's change in behaviour cannot be told apart from the improvement "
                   "expected anyway of pupils chosen after a bad spell (regression to the mean).")
    else:
        g = comparison.groups.set_index("group")
        took, comp = g.loc["Took part"], g.loc["Comparison"]
        finding = (
            f"The {int(took['n'])} pupils who took part changed by {took['change']:+.2f} "
            f"negative points per school week and {int(comp['n'])} similar pupils who did not "
            f"take part (the top {100 * comparison.share:.0f}% of their year groups by earlier "
            f"behaviour) by {comp['change']:+.2f}. The difference of the two changes is "
            f"{difference_phrase(record)}.")
    shown = suppress_small(comparison.groups, count_cols="n", threshold=threshold,
                           display=True, partition_by=None)
    return Section(
        "comparison", title, finding=finding,
        tables=(Table(shown.rename(columns={
            "group": "Group", "n": "n", "rate_before": "Points per week before",
            "rate_after": "Points per week after", "change": "Change",
            "change_ci_low": "95% CI low", "change_ci_high": "95% CI high",
            "pct_improved": "% whose rate fell", "improved_ci_low": "% fell 95% CI low",
            "improved_ci_high": "% fell 95% CI high"}),
            decimals={"Points per week before": 2, "Points per week after": 2, "Change": 2,
                      "95% CI low": 2, "95% CI high": 2},  # per cent to one place
            caption="Negative behaviour points per school week: the pilot's pupils and "
                    "pupils chosen by the same rule"),)
        # no comparison group: the pilot's own row is the behaviour section's, the rest "<5"
        if comparison.groups["n"].sum() and not isinstance(record, str) else (),
        note=_COMPARISON_NOTE, records={"behaviour_vs_comparison": record})


#: The pooling and forest sections of a pilot in one school: nothing to pool, nothing to explain.
ONE_SCHOOL = "The pilot ran in one school, so there is nothing to pool across schools."


def pooled_section(pooled_behaviour: Any, pooled_trouble: Any, n_pooled: tuple[int, int],
                   trouble_all: dict | None, threshold: int, *, n_schools: int = 2) -> Section:
    """The pooled behaviour change (meta-analysis) and the pooled yes/no change (paired counts).

    Parameters
    ----------
    pooled_behaviour : MetaResult or None
    pooled_trouble : StratifiedPairedChange or None
        In percentage points (:func:`~slc_research.casestudies.coproduction.pooling.pool_yes_no`).
    n_pooled : (int, int)
        Pupils pooled for each.
    trouble_all : dict or None
        The all-pupils change of the yes/no question (``estimate``, ``ci_low``, ``ci_high``).
    threshold : int
    n_schools : int
        The schools of the pilot: with one, the section is one sentence.
    """
    if n_schools == 1:  # and no "all schools together" line in the summary
        return Section("pooled", "Pooled across schools", finding=ONE_SCHOOL)
    note = " ".join((
        "Each school's estimate comes with its own confidence interval; pooling combines them. "
        "With few schools the pooled interval uses the t distribution with the spread of the "
        "schools' estimates (the modified Hartung-Knapp-Sidik-Jonkman method), which is wider "
        "and more honest than the usual normal interval. tau\u00b2 is the estimated variance "
        "of the true change between schools; I\u00b2 the share of the spread between schools' "
        "estimates that reflects real differences rather than chance. The prediction interval "
        "is where the change in a new, similar school would probably lie.",
        "A yes/no question is pooled from each school's paired answers, each school counting "
        "in proportion to its pupils, so its pooled change equals the change of all the pupils "
        "together; only its interval differs, because it is worked out school by school. "
        "Pooling by each school's interval instead would give most weight to a school where "
        "nobody changed answer, which is why such figures can disagree.",
        "With so few pupils per school, each school's interval is wide and I\u00b2 is itself "
        "very uncertain. The schools also chose their own pupils and projects."))
    if pooled_behaviour is None and pooled_trouble is None:
        return Section("pooled", "Pooled across schools", finding=(
            "Fewer than two schools have an estimate, so nothing can be pooled."), note=note,
            records={"pooled_behaviour": None})
    sentences = []
    if pooled_behaviour is not None:
        sentences.append(pooled_finding("negative behaviour", pooled_behaviour,
                                        " standard deviations", 2))
        if pooled_behaviour.note:
            sentences.append(pooled_behaviour.note)
    if pooled_trouble is not None:
        m = pooled_trouble
        text = (f"Pooled across {m.k} schools from each school's paired answers, the share "
                "answering Yes to \u201cI often get into trouble\u201d "
                f"{change_phrase(m.estimate, m.ci_low, m.ci_high, ' percentage points', 1)}")
        if trouble_all is not None:
            text += (f"; this is the all-pupils change ({trouble_all['estimate']:+.1f} points, "
                     f"95% CI {trouble_all['ci_low']:+.1f} to {trouble_all['ci_high']:+.1f}), "
                     "since each school counts in proportion to its pupils")
        sentences.append(text + ("." if is_clear(m.ci_low, m.ci_high) else
                                 ", so it could be chance with this few pupils."))
    pooled = {BEHAVIOUR_LABEL: pooled_behaviour, TROUBLE_LABEL: pooled_trouble}
    table = suppress_small(cp.meta_table(pooled, n_pupils=dict(zip(pooled, n_pooled,
                                                                     strict=True))),
                           count_cols=["Pupils (n)"], threshold=threshold, display=True,
                           partition_by=None)
    return Section(
        "pooled", "Pooled across schools", finding=sentences[0], paragraphs=tuple(sentences[1:]),
        tables=(Table(table, decimals=2, caption="Pooled estimates and heterogeneity"),),
        note=note,
        records={"pooled_behaviour": None if pooled_behaviour is None else {
            "estimate": pooled_behaviour.estimate, "ci_low": pooled_behaviour.ci_low,
            "ci_high": pooled_behaviour.ci_high, "tau2": pooled_behaviour.tau2,
            "i2": pooled_behaviour.i2, "k": pooled_behaviour.n}})


def forest_section(pooled_behaviour: Any, behaviour: pd.DataFrame, pooled_trouble: Any,
                   trouble: pd.DataFrame, threshold: int, *, n_schools: int = 2) -> Section:
    """Each school and the pooled estimate: forest plots of behaviour and the yes/no question.

    Parameters
    ----------
    pooled_behaviour : MetaResult or None
    behaviour : DataFrame
        :func:`~slc_research.casestudies.coproduction.outcomes.behaviour_summary`.
    pooled_trouble : StratifiedPairedChange or None
    trouble : DataFrame
        :func:`~slc_research.casestudies.coproduction.outcomes.yes_no_change`.
    threshold : int
    n_schools : int
        The schools of the pilot: with one, the section is one sentence.
    """
    if n_schools == 1:
        return Section("forest", "Each school and the pooled estimate",
                       finding="The pilot ran in one school, so there is no forest plot of "
                               "schools.")
    note = " ".join((
        "Each row is one school: the line is its 95% confidence interval and the square its "
        "estimate, bigger for schools with more weight. The diamond is the pooled estimate with "
        "its interval. The dashed line is no change: an interval that crosses it is consistent "
        "with no change.",
        f"Schools with fewer than {threshold} pupils in the pilot are left out of the picture "
        "and of the per-school tables, with the next smallest school, but their pupils are "
        "counted in the pooled estimate and in the 'All schools' rows."))
    plots, sentences = [], []
    if pooled_behaviour is not None:
        forest = cp.forest_table(pooled_behaviour, behaviour, threshold=threshold)
        # a forest of no school is the pooled diamond alone, which the pooled section gives
        plots += [] if not (forest["kind"] == "school").any() else [charts.forest_chart(
            forest, x_title="Change in negative behaviour, effect size g (95% CI; better \u2190 below 0: "
                    "fewer points)",
            title="Negative behaviour: change in each school and pooled")]
        sentences.append(forest_finding("Negative behaviour", forest, pooled_behaviour.n))
    if pooled_trouble is not None:
        forest = cp.forest_table(pooled_trouble, trouble, threshold=threshold, n="n_both")
        plots += [] if not (forest["kind"] == "school").any() else [charts.forest_chart(
            forest, x_title="Change in % answering Yes (95% CI; better \u2190 below 0: fewer "
                            "say they get into trouble)",
            title="\u201cI often get into trouble\u201d: change in each school and pooled")]
        sentences.append(forest_finding("\u201cI often get into trouble\u201d", forest,
                                        pooled_trouble.k))
    return Section(
        "forest", "Each school and the pooled estimate",
        finding=sentences[0] if sentences else (
            "Fewer than two schools have an estimate, so there is no forest plot."),
        paragraphs=tuple(sentences[1:]), charts=tuple(plots), note=note)


def participation_section(rates: pd.DataFrame, attended: pd.DataFrame, threshold: int
                          ) -> Section:
    """Did pupils who came to more meetings change more: bands of attendance and the slope.

    The chart of the bands is drawn only when two or more bands can be shown: one band
    beside nothing compares nothing (the table shows it).
    """
    bands = cp.attendance_bands(rates, attended, threshold=threshold)
    slope = cp.dose_response(rates, attended)
    if slope is None:
        finding = "Too few pupils with attendance records to estimate a trend."
    elif slope.n < threshold:
        finding = (f"Fewer than {threshold} pupils have both attendance and behaviour records, "
                   "too few to report a trend.")
    else:
        link = ("There is no clear link between how many meetings pupils came to and how much "
                "their behaviour changed" if not is_clear(slope.ci_low, slope.ci_high) else
                "Pupils who came to more meetings saw their negative points fall "
                + ("more" if slope.ci_high < 0 else "less"))
        finding = (f"{link}: for every 10 more percentage points of meetings attended, the "
                   f"change in negative points per week differed by {slope.estimate:.2f} (95% "
                   f"CI {slope.ci_low:.2f} to {slope.ci_high:.2f}, p {p_phrase(slope.p_value)}, "
                   f"n = {slope.n}).")
    return Section(
        "participation_level", "Outcomes by level of participation", finding=finding,
        tables=(Table(cp.attendance_bands(rates, attended, threshold=threshold,
                                          display=True).drop(columns=[
            "n_improved", "n_not_improved"]).rename(columns={
            "band": "% of meetings attended", "change": "Change in points per week",
            "ci_low": "95% CI low", "ci_high": "95% CI high",
            "pct_improved": "% whose rate fell"}),
            decimals={"Change in points per week": 2, "95% CI low": 2, "95% CI high": 2},
            caption="Change in negative behaviour by meetings attended"),),
        # one band drawn compares nothing: the table shows it
        charts=(charts.band_change_chart(bands),) if bands["change"].notna().sum() > 1 else (),
        note=(
            "A negative slope would mean pupils who came more often saw their points fall more. "
            "Pupils choose how often to come, so a link here could reflect who they are (more "
            "settled pupils may both come more and behave better) rather than the meetings. "
            f"Bands with fewer than {threshold} pupils are withheld, and with one of them the "
            "next smallest band (shown as \"*\"), since the bands add up to the pupils above; "
            f"a band's % whose rate fell is withheld where fewer than {threshold} pupils' rates "
            "fell, or did not, since it would tell how many. "
            "The slope is the test of whether the change differs with participation: a band "
            "whose change looks larger or smaller than another's, without a clear slope, is "
            "not evidence that the projects worked differently for those pupils."),
        records={"dose_response_slope": slope})


def design_section(n_schools: int, compared: bool) -> Section:
    """What the design can and cannot show, for a pilot in ``n_schools`` schools."""
    schools = "one school" if n_schools == 1 else f"{n_schools} schools"
    return Section(
        "design", "What this design can and cannot show",
        finding=(f"This is a before-and-after study of a small pilot in {schools}, with the "
                 "behaviour of similar pupils who did not take part beside it: it can estimate "
                 "how much more the pupils' behaviour changed than would be expected anyway, "
                 "but the comparison pupils were not nominated, so other differences between "
                 "the groups cannot be ruled out; the yes/no answers and the scale have no "
                 "comparison at all." if compared else
                 f"This is a before-and-after study of a small pilot in {schools} "
                 "without a comparison group: it can show how much the pupils' behaviour and "
                 "answers changed and how sure we can be about the size of that change, but it "
                 "cannot show that the projects caused it."),
        paragraphs=(
            "Pupils were nominated because they were at risk, often after a bad spell: their "
            "behaviour would be expected to improve on average anyway (regression to the mean). "
            "The school year itself, other support and the pupils growing older also change "
            "behaviour. A comparison with similar pupils who did not take part would be needed "
            "to estimate the project's own effect.",
            *(("Behaviour points depend on how each school records incidents, so compare each "
               "school with itself rather than schools with each other.",)
              if n_schools > 1 else ())))
