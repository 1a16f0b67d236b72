"""What changed for members and for other pupils: questionnaire scales, attendance, behaviour.

Every analysis follows the same shape: each pupil's value before and after,
the change per group (members, comparison pupils) with its uncertainty, and the
headline comparison of the changes. :class:`ChangeResult` holds it all.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slc_research.data.frames import member_of
from slc_research.errors import ConfigError
from slc_research.stats import (
    EffectSize,
    PrePostEffect,
    StatsError,
    hedges_g,
    mean_difference,
    ppc_effect_size,
)
from slc_research.stats.descriptives import mean_ci_from_summary

__all__ = ["GROUP_LABELS", "ChangeResult", "attendance_change", "behaviour_change",
           "effects_table", "restrict_change", "scale_change"]

#: Default labels of the two groups.
GROUP_LABELS = ("SLC members", "Other pupils")

_GROUP_COLUMNS = ["outcome", "group", "n_pre", "n_both", "n_lost", "pct_lost", "mean_pre",
                  "sd_pre", "mean_post", "sd_post", "mean_change", "sd_change", "change_ci_low",
                  "change_ci_high", "g_change", "g_ci_low", "g_ci_high"]


@dataclass(frozen=True)
class ChangeResult:
    """Before and after for members and comparison pupils.

    Attributes
    ----------
    outcome : str
        Short name (a scale name, ``"attendance"``, ``"behaviour"``).
    label : str
        Readable name for tables and charts.
    unit : str
        What the numbers are ("scale score (1-5)", "% of sessions attended", ...).
    periods : tuple of str
        Labels of the before and after measurements ("Wave 1", "Autumn", ...).
    groups : DataFrame
        One row per group: ``n_pre`` (measured before), ``n_both`` (before and
        after: the pupils analysed), ``n_lost`` and ``pct_lost`` (measured
        before but not after), mean and SD before and after and of the change,
        the change's t interval (``change_ci_low``/``high``, in the outcome's
        units) and its paired Hedges' g_av with interval (``g_change``,
        ``g_ci_low``, ``g_ci_high``). See :data:`_GROUP_COLUMNS`.
    within : dict
        Group label -> paired :class:`EffectSize` (g_av of after vs before), or None.
    effect : EffectSize or None
        Headline, in the raw-score metric of Cohen's bands and the EEF: Morris's
        (2008) d_ppc2 of members against comparison pupils (difference in mean
        change over the pooled SD before; symbol ``"d_ppc2"``, normal interval),
        from ``ppc``. Without a comparison group: the members' paired g_av.
    difference : EffectSize or None
        Members' mean change minus comparison pupils' (outcome units, Welch interval).
    baseline : EffectSize or None
        Hedges' g of members vs comparison pupils *before* (among those analysed):
        how different the groups already were.
    extra : DataFrame
        Outcome-specific figures (persistent absence for attendance), possibly empty.
    notes : tuple of str
        Why something could not be computed, in plain words.
    ppc : PrePostEffect or None
        The headline d_ppc2 with its variance and SE (for the equivalence test).
    change_g : EffectSize or None
        Hedges' g of the change scores (pooled SD of the changes): for research
        only, "g of change scores (not comparable with benchmarks)". It is larger
        than d_ppc2 whenever before and after correlate above 0.5.
    pupils : DataFrame
        One row per pupil in either group: ``pupil_id``, ``group``, ``pre``,
        ``post`` (NaN when not measured). Holds pseudonymous ids: for further
        analysis (:mod:`slc_research.casestudies.slc_impact.adjusted`), never for publishing.
    comparison : str
        ``"non_members"`` or ``"none"``.
    group_labels : (str, str)
        Labels of members and comparison pupils.
    """

    outcome: str
    label: str
    unit: str
    periods: tuple[str, str]
    groups: pd.DataFrame
    within: dict[str, EffectSize | None] = field(default_factory=dict)
    effect: EffectSize | None = None
    difference: EffectSize | None = None
    baseline: EffectSize | None = None
    extra: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = ()
    pupils: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    comparison: str = "non_members"
    group_labels: tuple[str, str] = GROUP_LABELS
    ppc: PrePostEffect | None = None
    change_g: EffectSize | None = None

    @property
    def available(self) -> bool:
        """Whether any pupil was measured both before and after."""
        return bool(len(self.groups)) and int(self.groups["n_both"].sum()) > 0

    def to_frame(self) -> pd.DataFrame:
        """The per-group table."""
        return self.groups

    def means_frame(self, confidence: float = 0.95) -> pd.DataFrame:
        """Long table of each group's mean per period, for charts.

        Columns ``outcome``, ``group``, ``period``, ``n``, ``mean``, ``sd``, ``ci_low``,
        ``ci_high`` (the t interval of each mean at ``confidence``).
        """
        rows = []
        for _, g in self.groups.iterrows():
            n = int(g["n_both"])
            for period, m, s in ((self.periods[0], g["mean_pre"], g["sd_pre"]),
                                 (self.periods[1], g["mean_post"], g["sd_post"])):
                ci = mean_ci_from_summary(m, s if pd.notna(s) else math.nan, n,
                                          confidence=confidence)
                rows.append({"outcome": self.label, "group": g["group"], "period": period,
                             "n": n, "mean": m, "sd": s, "ci_low": ci.ci_low,
                             "ci_high": ci.ci_high})
        return pd.DataFrame(rows, columns=["outcome", "group", "period", "n", "mean", "sd",
                                           "ci_low", "ci_high"])

    def effect_frame(self) -> pd.DataFrame:
        """One row for a forest chart: the outcome's effect size and its interval.

        Columns ``outcome``, ``estimate``, ``ci_low``, ``ci_high``, ``n1``, ``n2``, ``symbol``,
        ``method``, ``ci_method`` (NA when the effect was not computed).
        """
        e = self.effect
        row = {"outcome": self.label, "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
               "n1": 0, "n2": 0, "symbol": "", "method": "", "ci_method": ""}
        if e is not None:
            row.update(estimate=e.estimate, ci_low=e.ci_low, ci_high=e.ci_high, n1=e.n1,
                       n2=0 if e.paired else e.n2, symbol=e.symbol, method=e.method,
                       ci_method=e.ci_method)
        return pd.DataFrame([row])


def effects_table(results: Iterable[ChangeResult]) -> pd.DataFrame:
    """The headline effect of several outcomes, one row each (for the forest chart)."""
    frames = [r.effect_frame() for r in results]
    if not frames:
        return ChangeResult("", "", "", ("", ""), pd.DataFrame()).effect_frame().iloc[:0]
    return pd.concat(frames, ignore_index=True)


def scale_change(scores: pd.DataFrame, members: Iterable[str], *, scale: str,
                 waves: tuple[int, int] = (1, 2), comparison: str = "non_members",
                 cohort: Iterable[str] | None = None, label: str | None = None,
                 group_labels: tuple[str, str] = GROUP_LABELS) -> ChangeResult:
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
    groups = _assign_groups(wide.index, members, comparison, cohort, group_labels)
    notes = []
    if waves[0] not in wide.columns or waves[1] not in wide.columns:
        notes.append(f"No answers for wave {waves[0] if waves[0] not in wide.columns else waves[1]}"
                     f" on this scale.")
    return _change_result(pre, post, groups, outcome=scale, label=label or scale,
                          unit="scale score", periods=(f"Wave {waves[0]}", f"Wave {waves[1]}"),
                          group_labels=group_labels, comparison=comparison, notes=notes)


def attendance_change(attendance_summary: pd.DataFrame, members: Iterable[str],
                      periods: tuple[str, str] = ("autumn", "summer"), *,
                      academic_year: str | None = None, comparison: str = "non_members",
                      cohort: Iterable[str] | None = None,
                      group_labels: tuple[str, str] = GROUP_LABELS) -> ChangeResult:
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
    comparison, cohort, group_labels
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
        return _change_result(pd.Series(dtype=float), pd.Series(dtype=float),
                              _assign_groups(pd.Index([]), members, comparison, cohort,
                                             group_labels),
                              outcome="attendance", label="Attendance",
                              unit="% of possible sessions attended", periods=labels,
                              group_labels=group_labels, comparison=comparison,
                              notes=["No attendance records in this enquiry."])
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
    groups = _assign_groups(pct.index, members, comparison, cohort, group_labels)
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
    return _change_result(pre, post, groups, outcome="attendance", label="Attendance",
                          unit="% of possible sessions attended", periods=labels,
                          group_labels=group_labels, comparison=comparison, notes=notes,
                          extra=pa)


def behaviour_change(behaviour: pd.DataFrame, members: Iterable[str], *, cohort: Iterable[str],
                     split: str | pd.Timestamp | None, start: str | pd.Timestamp | None = None,
                     end: str | pd.Timestamp | None = None, kind: str = "negative",
                     comparison: str = "non_members",
                     group_labels: tuple[str, str] = GROUP_LABELS) -> ChangeResult:
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
    comparison, group_labels
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
        return _change_result(nan, nan, _assign_groups(ids, members, comparison, None,
                                                       group_labels),
                              outcome="behaviour", label=f"Behaviour ({kind} points)",
                              unit="points per week", periods=("Before", "After"),
                              group_labels=group_labels, comparison=comparison, notes=notes)
    points = b["points"].astype("Float64").abs().fillna(1).astype(float)
    before = (b["date"] >= start) & (b["date"] < split)
    after = (b["date"] >= split) & (b["date"] <= end)
    pid = b["pupil_id"].astype(str)
    pre = points[before].groupby(pid[before]).sum().reindex(ids, fill_value=0) / weeks_pre
    post = points[after].groupby(pid[after]).sum().reindex(ids, fill_value=0) / weeks_post
    return _change_result(pre, post, _assign_groups(ids, members, comparison, None, group_labels),
                          outcome="behaviour", label=f"Behaviour ({kind} points)",
                          unit="points per week", periods=("Before", "After"),
                          group_labels=group_labels, comparison=comparison, notes=notes)


def restrict_change(result: ChangeResult, pupil_ids: Iterable[str], *,
                    label: str | None = None) -> ChangeResult:
    """The same before-and-after comparison among a subgroup of pupils only.

    For results for disadvantaged pupils, a year group or a school: the
    members and comparison pupils of ``result`` who are in ``pupil_ids``.

    Parameters
    ----------
    result : ChangeResult
    pupil_ids : iterable of str
        The subgroup (e.g. pupil-premium pupils).
    label : str, optional
        Readable name of the restricted outcome (default: the result's label).
    """
    p = result.pupils
    if p.empty:
        return dataclasses.replace(result, label=label or result.label)
    keep = p[member_of(p["pupil_id"], set(pupil_ids))]
    idx = pd.Index(keep["pupil_id"], name="pupil_id")
    groups = pd.Series(keep["group"].to_numpy(), index=idx, dtype="object")
    return _change_result(pd.Series(keep["pre"].to_numpy(), index=idx),
                          pd.Series(keep["post"].to_numpy(), index=idx), groups,
                          outcome=result.outcome, label=label or result.label, unit=result.unit,
                          periods=result.periods, group_labels=result.group_labels,
                          comparison=result.comparison, notes=[])


# --- internals -------------------------------------------------------------------------------

def _assign_groups(ids: pd.Index, members: Iterable[str], comparison: str,
                   cohort: Iterable[str] | None, labels: tuple[str, str]) -> pd.Series:
    """Group label per id (members, comparison), NA for ids in neither."""
    if comparison not in ("non_members", "none"):
        raise ConfigError(f"comparison must be 'non_members' or 'none', not {comparison!r}",
                          key="comparison")
    members = set(members)
    in_cohort = np.ones(len(ids), bool) if cohort is None else member_of(ids, set(cohort))
    is_member = member_of(ids, members)
    out = np.where(is_member, labels[0],
                   np.where(in_cohort & (comparison == "non_members"), labels[1], None))
    return pd.Series(out, index=ids, dtype="object")


def _change_result(pre: pd.Series, post: pd.Series, groups: pd.Series, *, outcome: str,
                   label: str, unit: str, periods: tuple[str, str],
                   group_labels: tuple[str, str], comparison: str, notes: list[str],
                   extra: pd.DataFrame | None = None) -> ChangeResult:
    pre = pre.reindex(groups.index).astype(float)
    post = post.reindex(groups.index).astype(float)
    change = post - pre
    wanted = group_labels if comparison == "non_members" else group_labels[:1]
    rows, within, changes, baselines, afters = [], {}, {}, {}, {}
    for g in wanted:
        in_g = (groups == g).to_numpy()
        p, q = pre[in_g], post[in_g]
        both = p.notna() & q.notna()
        n_pre, n_both = int(p.notna().sum()), int(both.sum())
        c = change[in_g][both]
        changes[g], baselines[g] = c.to_numpy(), p[both].to_numpy()
        afters[g] = q[both].to_numpy()
        row = {"outcome": label, "group": g, "n_pre": n_pre, "n_both": n_both,
               "n_lost": n_pre - n_both,
               "pct_lost": 100 * (n_pre - n_both) / n_pre if n_pre else np.nan,
               "mean_pre": p[both].mean(), "sd_pre": p[both].std(ddof=1),
               "mean_post": q[both].mean(), "sd_post": q[both].std(ddof=1),
               "mean_change": c.mean(), "sd_change": c.std(ddof=1)}
        diff = _try(lambda q=q, p=p, both=both: mean_difference(q[both], p[both], paired=True),
                    notes, f"{g}: change")
        w = _try(lambda q=q, p=p, both=both: hedges_g(q[both], p[both], paired=True,
                                                      paired_method="d_av"),
                 notes, f"{g}: effect size of the change")
        within[g] = w
        row.update(change_ci_low=diff.ci_low if diff else np.nan,
                   change_ci_high=diff.ci_high if diff else np.nan,
                   g_change=w.estimate if w else np.nan, g_ci_low=w.ci_low if w else np.nan,
                   g_ci_high=w.ci_high if w else np.nan)
        rows.append(row)
    effect = difference = baseline = ppc = change_g = None
    if comparison == "non_members":
        m, o = group_labels
        ppc = _try(lambda: ppc_effect_size(baselines[m], afters[m], baselines[o], afters[o]),
                   notes, "members vs other pupils: effect size of the change")
        effect = _as_effect_size(ppc) if ppc is not None else None
        change_g = _try(lambda: hedges_g(changes[m], changes[o]), [], "")
        difference = _try(lambda: mean_difference(changes[m], changes[o]), notes,
                          "members vs other pupils: difference in change")
        baseline = _try(lambda: hedges_g(baselines[m], baselines[o]), notes,
                        "members vs other pupils at the start")
    else:
        effect = within.get(group_labels[0])
    in_scope = groups.notna().to_numpy()
    pupils = pd.DataFrame({"pupil_id": groups.index[in_scope].astype(str),
                           "group": groups[in_scope].to_numpy(),
                           "pre": pre[in_scope].to_numpy(), "post": post[in_scope].to_numpy()})
    return ChangeResult(outcome, label, unit, periods,
                        pd.DataFrame(rows, columns=_GROUP_COLUMNS), within, effect, difference,
                        baseline, extra if extra is not None else pd.DataFrame(), tuple(notes),
                        pupils, comparison, tuple(group_labels), ppc, change_g)


def _as_effect_size(ppc: PrePostEffect) -> EffectSize:
    """The d_ppc2 headline in the shape every table and chart of an effect reads."""
    return EffectSize(ppc.estimate, ppc.ci_low, ppc.ci_high, ppc.n, ppc.n_treated,
                      ppc.n_comparison, ppc.method, "normal", ppc.confidence, "d_ppc2", False,
                      ppc.n_dropped)


def _try(compute, notes: list[str], what: str):
    try:
        return compute()
    except StatsError as exc:
        notes.append(f"{what} not computed: {exc}.")
        return None
