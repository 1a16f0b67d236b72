"""The student-led conferences report's breakdown: depth of reflection by class and phase.

A difference between classes is a prompt for a conversation, not a ranking: the section
gives each class's and each phase's share of deep reflections with its interval, and a test
of whether the groups shown differ that allows for a pupil's reflections being alike.
"""

from __future__ import annotations

import pandas as pd

from slc_research import charts, stats
from slc_research.casestudies.conferences import analysis as cf
from slc_research.casestudies.conferences import family
from slc_research.casestudies.result import Section, Table

__all__ = ["by_group_section"]

_PLURAL = {"class": "classes", "phase": "phases"}


def _group_sentence(groups: pd.DataFrame, deep: str, kind: str, threshold: int) -> str:
    """The spread of the share of deep reflections across the groups shown."""
    shown = groups[groups["pct_deep"].notna()].sort_values("pct_deep")
    if shown.empty:
        return (f"No {kind} can be reported: each has fewer than {threshold} pupils who wrote "
                f"reflections, or would let such a {kind} be worked out.")
    if len(shown) == 1:
        row = shown.iloc[0]
        where = (f"In {row['group']}" if len(groups) == 1 else
                 f"Only one {kind} has enough pupils to report: in {row['group']}")
        return (f"{where}, {row['pct_deep']:.0f}% of reflections were {deep} (95% CI "
                f"{row['pct_ci_low']:.0f}% to {row['pct_ci_high']:.0f}%).")
    low, high = shown.iloc[0], shown.iloc[-1]
    apart = low["pct_ci_high"] < high["pct_ci_low"]
    return (f"By {kind}, the share of reflections that were {deep} ranged from "
            f"{low['pct_deep']:.0f}% ({low['group']}) to {high['pct_deep']:.0f}% "
            f"({high['group']}); "
            + ("their 95% intervals do not overlap, but they treat each reflection as "
               "independent: the test below, which allows for a pupil's reflections being "
               "alike, says whether the groups differ"
               if apart else "their 95% intervals overlap, so these data do not clearly "
               "separate them")
            + ".")


def _group_tests(refl: pd.DataFrame, pupils: pd.DataFrame,
                 tables: dict[str, pd.DataFrame], level: int) -> tuple[str, ...]:
    """The test that the groups shown differ, for each kind with two or more, then the caveat."""
    out = []
    for kind, table in tables.items():
        shown = table.loc[table["pct_deep"].notna(), "group"].astype(str).tolist()
        test = (family.group_difference(refl, pupils, by=kind, level=level, groups=shown)
                if len(shown) > 1 else None)
        if test is None:
            continue
        out.append(f"A test of whether the {len(shown)} {_PLURAL[kind]} shown differ in their "
                   "share of deep reflections (logistic regression, errors clustered by pupil) "
                   + ("finds evidence that they do" if test.p_value < 0.05 else
                      "finds no evidence that they do")
                   + f" (chi-square = {test.statistic:.1f}, df = {test.df:g}, "
                   f"{stats.format_p(test.p_value)}).")
    return (*out, family.GROUP_CAVEAT) if out else ()


def by_group_section(refl: pd.DataFrame, pupils: pd.DataFrame, deep: str, threshold: int,
                     *, level: int) -> Section:
    """The ``by_group`` section: the share of deep reflections by class and by phase.

    Parameters
    ----------
    refl : DataFrame
        The scored reflections.
    pupils : DataFrame
        The ``pupils`` table (year groups give the phase).
    deep : str
        What "deep" means with the rubric, e.g. ``"explanatory or deeper"``.
    threshold : int
    level : int
        The rubric level from which a reflection counts as deep.

    One class is no breakdown: a single phase's table would repeat the class's and a chart of
    one bar compares nothing, so the section says there is nothing to compare instead.
    """
    title = "Depth by class and phase"
    note = ("Classes differ in age, teacher and how reflection was introduced, so a difference "
            "between classes is a prompt for a conversation, not a ranking. Where the intervals "
            "of two classes overlap a lot, the data do not show a clear difference.")
    if refl.empty:
        return Section("by_group", title, finding=(
            "No reflections were found for these classes yet, so depth by class and phase "
            "cannot be shown."), note=note)
    labels = {"group": "Group", "pupils": "Pupils", "reflections": "Reflections",
              "mean_depth": "Mean depth", "mean_ci_low": "95% CI low",
              "mean_ci_high": "95% CI high", "pct_deep": f"% {deep}",
              "pct_ci_low": "% 95% CI low", "pct_ci_high": "% 95% CI high"}
    decimals = {"mean_depth": 2, "mean_ci_low": 2, "mean_ci_high": 2}
    by_class = cf.depth_by_group(refl, pupils, by="class", threshold=threshold, display=False)
    by_phase = cf.depth_by_group(refl, pupils, by="phase", threshold=threshold, display=False)
    # one class in one phase is no breakdown: the phase's table would repeat the class's; a
    # chart of one bar (one class, or one phase) compares nothing
    one_phase = (len(by_class) == 1 and len(by_phase) == 1
                 and not by_phase["pct_deep"].isna().all())
    phase_sentence = (
        f"All its pupils are in {by_phase['group'].iloc[0]}, so there is no other phase to "
        "compare." if one_phase
        else _group_sentence(by_phase, deep, "phase", threshold))
    kinds = (("class", "Class", "Depth by class", by_class, {}),
             *(() if one_phase else (("phase", "Phase", "Depth by phase (key stage)", by_phase,
                                      {"title": "Reflections by phase"}),)))
    return Section(
        "by_group", title,
        finding=_group_sentence(by_class, deep, "class", threshold),
        paragraphs=(phase_sentence,
                    *_group_tests(refl, pupils, {"class": by_class, "phase": by_phase}, level)),
        tables=tuple(
            Table(cf.depth_by_group(refl, pupils, by=by, threshold=threshold), caption=caption,
                  decimals=decimals, labels={**labels, "group": group})
            for by, group, caption, _, _ in kinds),
        charts=tuple(charts.depth_group_chart(frame, **kw) for _, _, _, frame, kw in kinds
                     if frame["pct_deep"].notna().sum() > 1),
        note=note if len(by_class) > 1 else (
            "With one class there is no other class to compare; the depth over the year, "
            "above, is the class's own story."))
