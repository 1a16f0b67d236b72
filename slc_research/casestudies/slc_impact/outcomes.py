"""What changed for members and for other pupils: questionnaire scales, attendance, behaviour.

Every analysis follows the same shape (:class:`ChangeResult`, in
:mod:`slc_research.casestudies.slc_impact.change`, re-exported here): each pupil's
value before and after, the change per group (members, comparison pupils) with its
uncertainty, and the headline comparison of the changes.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from slc_research.casestudies.slc_impact.change import (
    GROUP_LABELS,
    ChangeResult,
    assign_groups,
    change_result,
    effects_table,
    restrict_change,
)
from slc_research.casestudies.slc_impact.schools import school_of
from slc_research.errors import ConfigError

__all__ = ["GROUP_LABELS", "ChangeResult", "attendance_change", "behaviour_change",
           "effects_table", "restrict_change", "scale_change", "school_of"]


def scale_change(scores: pd.DataFrame, members: Iterable[str], *, scale: str,
                 waves: tuple[int, int] = (1, 2), comparison: str = "non_members",
                 cohort: Iterable[str] | None = None, label: str | None = None,
                 group_labels: tuple[str, str] = GROUP_LABELS,
                 schools: pd.Series | None = None) -> ChangeResult:
    """Change on a questionnaire scale between two waves, members vs comparison pupils.

    Parameters
    ----------
    scores : DataFrame
        Scale scores: ``respondent_id``, ``wave``, ``scale``, ``score`` (and
        optionally ``respondent_type``: only pupils are used).
    members : iterable of str
        Member pupil ids.
    scale : str
        The scale to analyse.
    waves : (int, int)
        Before and after waves.
    comparison : {"non_members", "none"}
        Compare with pupils who are not members, or describe members only.
    cohort : iterable of str, optional
        Comparison pupils are drawn from these ids only (e.g. :func:`cohort_ids`:
        the same schools and year groups). Default: every other pupil.
    label : str, optional
        Readable scale name (default: ``scale``).
    group_labels : (str, str)
        Labels of members and comparison pupils.
    schools : Series, optional
        Each pupil's school by pupil id (:func:`~.change.school_of`): with pupils from
        2 or more schools, members are compared with other pupils of their own school.

    Returns
    -------
    ChangeResult
        ``effect`` is Morris's d_ppc2, members vs comparison (the raw-score
        metric); ``change_g`` the g of the change scores (research only);
        ``within`` holds each group's paired g_av (wave 2 vs wave 1).

    Notes
    -----
    Only pupils who answered both waves are analysed; ``n_lost`` counts those
    who answered the first wave but not the second. Comparing changes
    (a "difference in differences") removes fixed differences between the
    groups, but not differences in how they would have changed anyway.
    """
    if comparison not in ("non_members", "none"):
        raise ConfigError(f"comparison must be 'non_members' or 'none', not {comparison!r}",
                          key="comparison")
    s = scores[scores["scale"] == scale]
    if "respondent_type" in s.columns:
        s = s[s["respondent_type"].astype("string").fillna("pupil") == "pupil"]
    s = s.dropna(subset=["respondent_id", "score"])
    wide = (s.assign(score=s["score"].astype(float))
            .pivot_table(index="respondent_id", columns="wave", values="score",
                         aggfunc="mean", observed=True))
    pre = wide[waves[0]] if waves[0] in wide.columns else pd.Series(np.nan, index=wide.index)
    post = wide[waves[1]] if waves[1] in wide.columns else pd.Series(np.nan, index=wide.index)
    groups = assign_groups(wide.index, members, comparison, cohort, group_labels)
    notes = []
    if waves[0] not in wide.columns or waves[1] not in wide.columns:
        notes.append(f"No answers for wave {waves[0] if waves[0] not in wide.columns else waves[1]}"
                     f" on this scale.")
    return change_result(pre, post, groups, outcome=scale, label=label or scale,
                         unit="scale score", periods=(f"Wave {waves[0]}", f"Wave {waves[1]}"),
                         group_labels=group_labels, comparison=comparison, notes=notes,
                         schools=schools)


def attendance_change(attendance_summary: pd.DataFrame, members: Iterable[str],
                      periods: tuple[str, str] = ("autumn", "summer"), *,
                      academic_year: str | None = None, comparison: str = "non_members",
                      cohort: Iterable[str] | None = None,
                      group_labels: tuple[str, str] = GROUP_LABELS,
                      schools: pd.Series | None = None) -> ChangeResult:
    """Change in attendance % between two periods, members vs comparison pupils.

    Parameters
    ----------
    attendance_summary : DataFrame
        Per pupil and period: ``pupil_id``, ``period``, ``possible``,
        ``attendance_pct``, ``persistent_absence`` and optionally
        ``academic_year`` (``Enquiry.attendance_summary(by="term")``).
    members : iterable of str
    periods : (str, str)
        The before and after periods (matched ignoring case).
    academic_year : str, optional
        E.g. ``"2025-26"``; default the latest year in the summary.
    comparison, cohort, group_labels, schools
        As in :func:`scale_change`.

    Returns
    -------
    ChangeResult
        ``difference`` is the members' mean change minus the comparison pupils'
        in percentage points, with a Welch t interval; ``effect`` the same as
        Morris's d_ppc2 (over the pooled SD of attendance before); ``extra`` the persistent-absence rate per group and period
        (``group``, ``period``, ``n``, ``n_persistent``, ``pct_persistent``).
        Only pupils with possible sessions in both periods are compared.
    """
    labels = (periods[0].capitalize(), periods[1].capitalize())
    needed = {"pupil_id", "period", "possible", "attendance_pct", "persistent_absence"}
    if attendance_summary.empty or not needed <= set(attendance_summary.columns):
        return change_result(pd.Series(dtype=float), pd.Series(dtype=float),
                             assign_groups(pd.Index([]), members, comparison, cohort,
                                           group_labels),
                             outcome="attendance", label="Attendance",
                             unit="% of possible sessions attended", periods=labels,
                             group_labels=group_labels, comparison=comparison,
                             notes=["No attendance records in this enquiry."], schools=schools)
    a = attendance_summary.copy()
    notes = []
    if "academic_year" in a.columns and a["academic_year"].notna().any():
        years = a["academic_year"].dropna().astype(str)
        year = academic_year or max(years)
        if academic_year and academic_year not in set(years):
            notes.append(f"No attendance recorded in {academic_year}.")
        a = a[a["academic_year"].astype("string") == year]
    a["_period"] = a["period"].astype("string").str.strip().str.lower()
    wanted = [p.strip().lower() for p in periods]
    a = a[a["_period"].isin(wanted) & (a["possible"].astype("Float64") > 0).fillna(False)]
    pct = a.pivot_table(index="pupil_id", columns="_period", values="attendance_pct",
                        aggfunc="mean", observed=True)
    pre = pct.get(wanted[0], pd.Series(np.nan, index=pct.index)).astype(float)
    post = pct.get(wanted[1], pd.Series(np.nan, index=pct.index)).astype(float)
    groups = assign_groups(pct.index, members, comparison, cohort, group_labels)
    notes += [f"No attendance recorded for the {p} period." for p, w in zip(periods, wanted,
                                                                             strict=True)
              if w not in pct.columns]
    a["group"] = a["pupil_id"].map(groups)
    a = a.dropna(subset=["group"])
    a["_pa"] = a["persistent_absence"].astype("boolean").fillna(False).astype(int)
    pa = (a.groupby(["group", "_period"], observed=True)
          .agg(n=("pupil_id", "nunique"), n_persistent=("_pa", "sum")).reset_index())
    pa["pct_persistent"] = 100 * pa["n_persistent"] / pa["n"]
    pa["period"] = pa["_period"].map(dict(zip(wanted, labels, strict=True)))
    order = {g: i for i, g in enumerate(group_labels)}
    pa = (pa.assign(_g=pa["group"].map(order), _p=pa["_period"].map(
        {w: i for i, w in enumerate(wanted)}))
          .sort_values(["_g", "_p"])[["group", "period", "n", "n_persistent", "pct_persistent"]]
          .reset_index(drop=True))
    return change_result(pre, post, groups, outcome="attendance", label="Attendance",
                         unit="% of possible sessions attended", periods=labels,
                         group_labels=group_labels, comparison=comparison, notes=notes,
                         extra=pa, schools=schools)


def behaviour_change(behaviour: pd.DataFrame, members: Iterable[str], *, cohort: Iterable[str],
                     split: str | pd.Timestamp | None, start: str | pd.Timestamp | None = None,
                     end: str | pd.Timestamp | None = None, kind: str = "negative",
                     comparison: str = "non_members",
                     group_labels: tuple[str, str] = GROUP_LABELS,
                     schools: pd.Series | None = None) -> ChangeResult:
    """Behaviour points per week before and after ``split``, members vs comparison pupils.

    Parameters
    ----------
    behaviour : DataFrame
        The canonical ``behaviour`` table (pupil_id, date, type, points).
    members : iterable of str
    cohort : iterable of str
        Every pupil in scope (members and possible comparison pupils). Needed
        because a pupil with no entries scored zero, and appears in no row.
    split : date or None
        Start of "after", e.g. the community's first meeting
        (:func:`~slc_research.casestudies.slc_impact.impact.community_start`). None: nothing to compare.
    start, end : date, optional
        Window of "before" (``start`` to the day before ``split``) and "after"
        (``split`` to ``end``); default the first and last dates in ``behaviour``.
    kind : {"negative", "positive", "all"}
        Which entries to count.
    comparison, group_labels, schools
        As in :func:`scale_change`.

    Returns
    -------
    ChangeResult
        Per-pupil rates are points per week; an entry without points counts 1,
        and points are counted by size (a negative entry of -3 counts 3).

    Notes
    -----
    Rates are per calendar week and include holidays, so compare the two groups
    with each other rather than reading the rates as per school week.
    """
    if kind not in ("negative", "positive", "all"):
        raise ConfigError(f"kind must be 'negative', 'positive' or 'all', not {kind!r}")
    b = behaviour.dropna(subset=["pupil_id", "date"])
    if kind != "all":
        b = b[b["type"].astype("string") == kind]
    ids = pd.Index(sorted(set(cohort) | set(members)), name="pupil_id")
    dates = behaviour["date"].dropna()
    notes = []
    if split is None or not len(dates):
        notes.append("No behaviour records, or no start date for the community.")
        weeks_pre = weeks_post = 0.0
    else:
        split = pd.Timestamp(split)
        start = pd.Timestamp(start) if start is not None else dates.min()
        end = pd.Timestamp(end) if end is not None else dates.max()
        weeks_pre, weeks_post = (split - start).days / 7, ((end - split).days + 1) / 7
        if weeks_pre < 1 or weeks_post < 1:
            notes.append("Less than a week of behaviour records before or after the start date.")
    if weeks_pre < 1 or weeks_post < 1:
        nan = pd.Series(np.nan, index=ids)
        return change_result(nan, nan, assign_groups(ids, members, comparison, None,
                                                     group_labels),
                             outcome="behaviour", label=f"Behaviour ({kind} points)",
                             unit="points per week", periods=("Before", "After"),
                             group_labels=group_labels, comparison=comparison, notes=notes,
                             schools=schools)
    points = b["points"].astype("Float64").abs().fillna(1).astype(float)
    before = (b["date"] >= start) & (b["date"] < split)
    after = (b["date"] >= split) & (b["date"] <= end)
    pid = b["pupil_id"].astype(str)
    pre = points[before].groupby(pid[before]).sum().reindex(ids, fill_value=0) / weeks_pre
    post = points[after].groupby(pid[after]).sum().reindex(ids, fill_value=0) / weeks_post
    return change_result(pre, post, assign_groups(ids, members, comparison, None, group_labels),
                         outcome="behaviour", label=f"Behaviour ({kind} points)",
                         unit="points per week", periods=("Before", "After"),
                         group_labels=group_labels, comparison=comparison, notes=notes,
                         schools=schools)
