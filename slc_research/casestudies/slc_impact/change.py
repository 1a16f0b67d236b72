"""The shape of every before-and-after comparison: :class:`ChangeResult` and how it is computed.

Each pupil's value before and after, the change per group (members, comparison
pupils) with its uncertainty, and the headline comparison of the changes. The
outcomes themselves (questionnaire scales, attendance, behaviour) are read in
:mod:`slc_research.casestudies.slc_impact.outcomes`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slc_research.casestudies.slc_impact.schools import within_schools
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

__all__ = ["GROUP_LABELS", "ChangeResult", "assign_groups", "change_result", "effects_table",
           "restrict_change"]

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
        ``post`` (NaN when not measured), and ``school`` when the pupils' schools
        were given. Holds pseudonymous ids: for further
        analysis (:mod:`slc_research.casestudies.slc_impact.adjusted`), never for publishing.
    comparison : str
        ``"non_members"`` or ``"none"``.
    group_labels : (str, str)
        Labels of members and comparison pupils.
    n_schools : int
        Schools the pupils analysed come from (1 when not known). With 2 or more,
        ``effect``, ``ppc`` and ``difference`` compare pupils within their own
        school (school fixed effects; :mod:`slc_research.stats.school_models`).
    schools_note : str
        How the schools were allowed for, in plain words ("" for one school).
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
    n_schools: int = 1
    schools_note: str = ""

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
    schools = (pd.Series(keep["school"].to_numpy(), index=idx) if "school" in keep.columns
               else None)
    return change_result(pd.Series(keep["pre"].to_numpy(), index=idx),
                         pd.Series(keep["post"].to_numpy(), index=idx), groups,
                         outcome=result.outcome, label=label or result.label, unit=result.unit,
                         periods=result.periods, group_labels=result.group_labels,
                         comparison=result.comparison, notes=[], schools=schools)


def assign_groups(ids: pd.Index, members: Iterable[str], comparison: str,
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


def change_result(pre: pd.Series, post: pd.Series, groups: pd.Series, *, outcome: str,
                  label: str, unit: str, periods: tuple[str, str],
                  group_labels: tuple[str, str], comparison: str, notes: list[str],
                  extra: pd.DataFrame | None = None,
                  schools: pd.Series | None = None) -> ChangeResult:
    """Each group's change and the headline comparison, from each pupil's before and after.

    Parameters
    ----------
    pre, post : Series
        Each pupil's value before and after (NaN when not measured), indexed by pupil id.
    groups : Series
        Group label per pupil id (:func:`assign_groups`); NA for pupils in neither group.
    outcome, label, unit, periods, group_labels, comparison, extra
        Stored on the result (see :class:`ChangeResult`).
    notes : list of str
        Notes so far; what could not be computed is added.
    schools : Series, optional
        Each pupil's school, indexed by pupil id (:func:`~.schools.school_of`). When the
        pupils analysed come from 2 or more schools, the headline and the difference
        in change compare pupils within their own school (:func:`~.schools.within_schools`).
    """
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
        diff = w = None  # nobody measured both times: the row's n_both says so, no note
        if n_both:
            diff = _try(lambda q=q, p=p, both=both: mean_difference(q[both], p[both],
                                                                    paired=True),
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
    if comparison == "non_members" and all(len(changes[g]) for g in group_labels):
        m, o = group_labels
        ppc = _try(lambda: ppc_effect_size(baselines[m], afters[m], baselines[o], afters[o]),
                   notes, "members vs other pupils: effect size of the change")
        effect = _as_effect_size(ppc) if ppc is not None else None
        change_g = _try(lambda: hedges_g(changes[m], changes[o]), [], "")
        difference = _try(lambda: mean_difference(changes[m], changes[o]), notes,
                          "members vs other pupils: difference in change")
        baseline = _try(lambda: hedges_g(baselines[m], baselines[o]), notes,
                        "members vs other pupils at the start")
    elif comparison != "non_members":
        effect = within.get(group_labels[0])
    in_scope = groups.notna().to_numpy()
    pupils = pd.DataFrame({"pupil_id": groups.index[in_scope].astype(str),
                           "group": groups[in_scope].to_numpy(),
                           "pre": pre[in_scope].to_numpy(), "post": post[in_scope].to_numpy()})
    n_schools, schools_note = 1, ""
    if schools is not None:
        pupils["school"] = pd.Series(schools.to_numpy(), index=schools.index.astype(str)).reindex(
            pupils["pupil_id"]).astype("string").to_numpy()
        if comparison == "non_members" and ppc is not None:
            found = within_schools(pupils, group_labels[0], notes)
            if found is not None:
                ppc, difference, n_schools, schools_note = found
                effect = _as_effect_size(ppc)
    return ChangeResult(outcome, label, unit, periods,
                        pd.DataFrame(rows, columns=_GROUP_COLUMNS), within, effect, difference,
                        baseline, extra if extra is not None else pd.DataFrame(), tuple(notes),
                        pupils, comparison, tuple(group_labels), ppc, change_g, n_schools,
                        schools_note)


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
