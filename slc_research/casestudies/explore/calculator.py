"""The effect-size calculator: two groups in, every number the EEF asks for out.

>>> r = effect_size_from_summary(3.6, 0.8, 40, 3.3, 0.9, 45, outcome="engagement")
>>> print(r.sentence)                                   # doctest: +SKIP

From two groups' means, standard deviations and sizes (typed in, or taken
from the workspace with :func:`workspace_groups` and
:func:`effect_size_from_values`) it gives what the EEF/CEM effect-size
spreadsheet gives (Cohen's d, Hedges' g, Glass's Δ, their confidence
intervals) and more: the EEF Toolkit's months' progress (only when the
outcome is attainment, and always with its caveat), the minimum
detectable effect size for those group sizes, whether the interval includes
zero, warnings for small or uneven groups, and a plain-English sentence.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slc_research.stats import (
    MONTHS_CAVEAT,
    OUTCOME_KINDS,
    EffectSize,
    Mdes,
    MonthsProgress,
    StatsError,
    cohens_d_from_summary,
    glass_delta_from_summary,
    hedges_g_from_summary,
    mdes,
    months_progress,
)
from slc_research.words import plural

__all__ = ["CalculatorResult", "GroupSummary", "MEMBERS", "SMALL_GROUP", "effect_size_from_summary",
           "effect_size_from_values", "for_display", "workspace_groups"]

#: Below this many pupils in a group, the calculator warns that the estimate is very uncertain.
SMALL_GROUP = 20
#: Label of a community's members when picking groups (as the explorer shows them).
MEMBERS = "Members"
#: SD ratio (larger / smaller) above which Glass's delta is suggested.
_SD_RATIO = 1.5
#: Effects larger than this are rare in education: the calculator asks to check the inputs.
_LARGE = 1.0


@dataclass(frozen=True)
class GroupSummary:
    """One group's ``label``, ``mean``, ``sd`` (ddof = 1) and ``n``."""

    label: str
    mean: float
    sd: float
    n: int


@dataclass(frozen=True)
class CalculatorResult:
    """Everything the calculator shows for one comparison.

    Attributes
    ----------
    intervention, comparison : GroupSummary
        The two groups (the effect is intervention minus comparison).
    g : EffectSize
        Hedges' g (pooled SD, bias-corrected) with its interval: the headline.
    d : EffectSize
        Cohen's d (pooled SD, not corrected).
    glass : EffectSize or None
        Glass's Δ (the comparison group's SD); None when that SD is 0.
    months : MonthsProgress or None
        g as months' progress on the EEF Toolkit scale, with its interval:
        only for an attainment outcome (None otherwise).
    mdes : Mdes
        The minimum detectable effect size for these group sizes.
    outcome : str
        What was measured, for the sentence.
    warnings : tuple of str
        Small groups, uneven spreads, an unusually large effect.
    confidence : float
    outcome_kind : str
        What the outcome measures (one of ``stats.OUTCOME_KINDS``).
    """

    intervention: GroupSummary
    comparison: GroupSummary
    g: EffectSize
    d: EffectSize
    glass: EffectSize | None
    months: MonthsProgress | None
    mdes: Mdes
    outcome: str
    warnings: tuple[str, ...]
    confidence: float = 0.95
    outcome_kind: str = "other"

    @property
    def caveat(self) -> str:
        """:data:`~slc_research.stats.MONTHS_CAVEAT` when months are shown, else ""."""
        return MONTHS_CAVEAT if self.months is not None else ""

    @property
    def difference(self) -> float:
        """The raw difference in means (intervention minus comparison)."""
        return self.intervention.mean - self.comparison.mean

    @property
    def crosses_zero(self) -> bool:
        """True when g's confidence interval includes zero."""
        return self.g.ci_low <= 0 <= self.g.ci_high

    @property
    def detectable(self) -> bool:
        """True when |g| is at least the MDES."""
        return abs(self.g.estimate) >= self.mdes.estimate

    @property
    def sentence(self) -> str:
        """The result in plain English, with what it can and cannot show."""
        i, c, g = self.intervention, self.comparison, self.g
        level = f"{self.confidence * 100:g}%"
        direction = ("higher than" if g.estimate > 0 else "lower than" if g.estimate < 0
                     else "the same as")
        progress = ""
        if self.months is not None:
            months = abs(self.months.estimate)
            word = "month's" if months == 1 else "months'"
            more = "additional" if self.months.estimate > 0 else "less"
            amount = f"about {months} {word} {more} progress" if months else \
                "no additional progress"
            progress = (f", {amount} on the EEF Toolkit scale (a rough guide: see the caveat "
                        "below)")
        text = (f"The {i.label} group (mean {i.mean:.2f}, n = {i.n}) scored {direction} the "
                f"{c.label} group (mean {c.mean:.2f}, n = {c.n}) on {self.outcome}: "
                f"Hedges' g = {g.estimate:.2f}, {level} CI [{g.ci_low:.2f}, {g.ci_high:.2f}]"
                f"{progress}. ")
        if self.crosses_zero:
            text += ("The interval includes zero, so these data are also consistent with no "
                     "difference at all. ")
        else:
            side = "above" if g.ci_low > 0 else "below"
            text += (f"The whole interval is {side} zero, so a difference like this is unlikely "
                     "to be chance alone, though a comparison of two groups does not by "
                     "itself show that the intervention caused it. ")
        text += (f"With {i.n} and {c.n} pupils, only effects of {self.mdes.estimate:.2f} or "
                 "larger would be detected reliably (MDES at "
                 f"{self.mdes.power * 100:g}% power)")
        text += ("." if self.detectable else
                 ", so a real effect as small as this one could easily be missed.")
        if self.months is not None:
            text += " " + MONTHS_CAVEAT
        return text

    def to_frame(self) -> pd.DataFrame:
        """One row per statistic: ``statistic``, ``value``, ``ci_low``, ``ci_high``, ``note``."""
        rows = [
            ("Mean difference", self.difference, math.nan, math.nan,
             f"{self.intervention.label} minus {self.comparison.label}"),
            ("Cohen's d", self.d.estimate, self.d.ci_low, self.d.ci_high, "pooled SD"),
            ("Hedges' g", self.g.estimate, self.g.ci_low, self.g.ci_high,
             "pooled SD, small-sample corrected"),
            ("Glass's Δ", *((self.glass.estimate, self.glass.ci_low, self.glass.ci_high)
                            if self.glass else (math.nan, math.nan, math.nan)),
             f"SD of the {self.comparison.label} group" if self.glass
             else f"not defined: the {self.comparison.label} group's SD is 0"),
            *([("Months' progress", float(self.months.estimate), self.months.ci_low,
                self.months.ci_high, "EEF Toolkit table, from g; attainment only, a rough "
                "guide (see the caveat)")] if self.months is not None else []),
            ("MDES", self.mdes.estimate, math.nan, math.nan,
             f"{self.mdes.power * 100:g}% power, two-sided α = {self.mdes.alpha:g}"),
        ]
        return pd.DataFrame(rows, columns=["statistic", "value", "ci_low", "ci_high", "note"])

    def effects_frame(self) -> pd.DataFrame:
        """Cohen's d, Hedges' g and Glass's Δ (when defined), one row each, for a chart.

        Columns ``statistic``, ``estimate``, ``ci_low``, ``ci_high``, ``n1``, ``n2``.
        """
        return pd.DataFrame([(name, e.estimate, e.ci_low, e.ci_high, e.n1, e.n2)
                             for name, e in (("Cohen's d", self.d), ("Hedges' g", self.g),
                                             ("Glass's Δ", self.glass)) if e is not None],
                            columns=["statistic", "estimate", "ci_low", "ci_high", "n1", "n2"])

    @property
    def counts(self) -> str:
        """What the chart shows, counted in words: "3 statistics of 1 outcome; n = 40 v 45"."""
        k = len(self.effects_frame())
        return (f"{plural(k, 'statistic')} of 1 outcome; n = {self.intervention.n:,} "
                f"{self.intervention.label} v {self.comparison.n:,} {self.comparison.label}")

    def display_table(self) -> pd.DataFrame:
        """:meth:`to_frame` for a reader: every number as text, rounded (2 places; months whole)."""
        t = self.to_frame()
        months = t["statistic"] == "Months' progress"
        values = [f"{v:.0f}" if m else f"{v:.2f}" for v, m in zip(t["value"], months,
                                                                     strict=True)]
        cis = ["" if np.isnan(lo) else (f"{lo:+.0f} to {hi:+.0f}" if m
                                        else f"{lo:.2f} to {hi:.2f}")
               for lo, hi, m in zip(t["ci_low"], t["ci_high"], months, strict=True)]
        return pd.DataFrame({"Statistic": t["statistic"], "Value": values,
                             f"{self.confidence * 100:g}% CI": cis, "Note": t["note"]})

    def display_groups(self) -> pd.DataFrame:
        """The two groups for a reader: ``Group``, ``Mean``, ``SD`` (2 places) and ``Pupils (n)``."""
        return pd.DataFrame([(s.label, f"{s.mean:.2f}", f"{s.sd:.2f}", f"{s.n:,}")
                             for s in (self.intervention, self.comparison)],
                            columns=["Group", "Mean", "SD", "Pupils (n)"])

    def groups_frame(self) -> pd.DataFrame:
        """The two groups' ``group``, ``mean``, ``sd`` and ``n``."""
        return pd.DataFrame([(s.label, s.mean, s.sd, s.n) for s in
                             (self.intervention, self.comparison)],
                            columns=["group", "mean", "sd", "n"])

    def __str__(self) -> str:
        return str(self.g)


def for_display(value: float, places: int = 2) -> float:
    """``value`` rounded for a reader (3.1666666666666665 -> 3.17); never used to compute."""
    return float(round(float(value), places))


def _warnings(i: GroupSummary, c: GroupSummary, g: EffectSize) -> tuple[str, ...]:
    out = []
    small = [s for s in (i, c) if s.n < SMALL_GROUP]
    if small:
        names = " and ".join(f"the {s.label} group ({s.n})" for s in small)
        out.append(f"Small groups: {names} {'has' if len(small) == 1 else 'have'} fewer than "
                   f"{SMALL_GROUP} pupils, so the effect size is very uncertain; report the "
                   "interval with it and treat the result as a first look.")
    low, high = sorted((i.sd, c.sd))
    if low > 0 and high / low > _SD_RATIO:
        out.append(f"The two groups' spreads differ (SDs {i.sd:.2f} and {c.sd:.2f}): if the "
                   "intervention may have changed the spread, Glass's Δ, which uses only the "
                   f"{c.label} group's SD, is the fairer figure.")
    if abs(g.estimate) > _LARGE:
        out.append(f"An effect of {g.estimate:.2f} SD is unusually large for a school "
                   "intervention: check the means, SDs and group sizes.")
    return tuple(out)


def effect_size_from_summary(mean1: float, sd1: float, n1: int, mean2: float, sd2: float,
                             n2: int, *, labels: tuple[str, str] = ("intervention", "comparison"),
                             outcome: str = "the outcome", confidence: float = 0.95,
                             power: float = 0.8, alpha: float = 0.05,
                             pretest_correlation: float | None = None,
                             outcome_kind: str = "other") -> CalculatorResult:
    """Compare two groups from their means, SDs and sizes.

    Parameters
    ----------
    mean1, sd1, n1 : float, float, int
        The intervention group's mean, standard deviation and pupils.
    mean2, sd2, n2 : float, float, int
        The comparison group's.
    labels : (str, str)
        The groups' names for the table and sentence.
    outcome : str
        What was measured ("engagement", "reading age").
    confidence : float, default 0.95
        Of every interval.
    power, alpha : float
        For the MDES (80% power, two-sided 5% by default, as the EEF uses).
    pretest_correlation : float, optional
        If the analysis adjusts for a pre-test correlated r with the outcome,
        the MDES shrinks by sqrt(1 - r²) (see :func:`slc_research.stats.mdes`).
    outcome_kind : str, default "other"
        What the outcome measures (one of ``stats.OUTCOME_KINDS``). Months'
        progress is given only for ``"attainment"`` (test scores, grades),
        with :data:`~slc_research.stats.MONTHS_CAVEAT`; never for attitudes,
        wellbeing, attendance or behaviour.

    Returns
    -------
    CalculatorResult

    Raises
    ------
    StatsError
        A missing or non-numeric input, a negative SD, a group of fewer than 2,
        an unknown ``outcome_kind``.

    Notes
    -----
    g, d and Δ use :mod:`slc_research.stats.summary_effects` (noncentral-t
    intervals); months from :func:`~slc_research.stats.months_progress`; the
    MDES from :func:`~slc_research.stats.mdes`.
    """
    if outcome_kind not in OUTCOME_KINDS:
        raise StatsError(f"outcome_kind must be one of {list(OUTCOME_KINDS)}; "
                         f"got {outcome_kind!r}")
    args = (mean1, sd1, n1, mean2, sd2, n2)
    g = hedges_g_from_summary(*args, confidence=confidence)
    d = cohens_d_from_summary(*args, confidence=confidence)
    glass = (glass_delta_from_summary(*args, confidence=confidence) if float(sd2) > 0
             else None)
    m = mdes(int(n1), int(n2), power=power, alpha=alpha, pretest_correlation=pretest_correlation)
    i = GroupSummary(labels[0], float(mean1), float(sd1), int(n1))
    c = GroupSummary(labels[1], float(mean2), float(sd2), int(n2))
    months = (months_progress(g, outcome_kind="attainment") if outcome_kind == "attainment"
              else None)
    return CalculatorResult(i, c, g, d, glass, months, m, outcome, _warnings(i, c, g),
                            confidence, outcome_kind)


def effect_size_from_values(x: Iterable[float], y: Iterable[float], **kwargs) -> CalculatorResult:
    """Compare two groups from their pupils' values (missing values left out).

    Takes the same keyword arguments as :func:`effect_size_from_summary`; the
    result equals :func:`slc_research.stats.hedges_g` on the same values.
    """
    stats_ = []
    for values, name in ((x, "intervention"), (y, "comparison")):
        arr = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
        arr = arr.dropna().to_numpy(dtype=float)
        if len(arr) < 2:
            raise StatsError(f"the {name} group needs at least 2 pupils with a value; "
                             f"found {len(arr)}")
        stats_.append((float(arr.mean()), float(arr.std(ddof=1)), len(arr)))
    (m1, s1, n1), (m2, s2, n2) = stats_
    return effect_size_from_summary(m1, s1, n1, m2, s2, n2, **kwargs)


def workspace_groups(table, memberships: pd.DataFrame, *, measure: str, wave: str, by: str,
                     community: str | None = None,
                     filters: Mapping[str, object] | None = None) -> dict[str, np.ndarray]:
    """Each group's values of one measure at one wave, from the explorer's measures table.

    Parameters
    ----------
    table : slc_research.casestudies.explore.analysis.MeasuresTable
        From :func:`slc_research.casestudies.explore.analysis.measures_table`.
    memberships : DataFrame
        The ``memberships`` table (``member_id``, ``community``, ``community_kind``).
    measure, wave : str
        A key of ``table.measures`` and one of its waves.
    by : str
        A key of :data:`slc_research.casestudies.explore.analysis.GROUPINGS`; ``"community"`` splits
        pupils into :data:`MEMBERS` of ``community`` and :data:`~slc_research.casestudies.explore.analysis.OTHER_PUPILS`.
    community : str, optional
        ``"kind:<kind>"`` or ``"community:<name>"`` (a key of ``table.communities``).
    filters : dict, optional
        Characteristic -> label or list of labels to keep.

    Returns
    -------
    dict
        Group label -> float array of values (missing values left out), in
        display order; groups smaller than the suppression threshold are
        included: the caller must withhold them (see :func:`effect_size_from_values`).
    """
    from slc_research.casestudies.explore.analysis import OTHER_PUPILS

    rows = table.rows(measure, wave)
    keep = np.ones(len(rows), dtype=bool)
    for col, wanted in (filters or {}).items():
        if wanted is None or (isinstance(wanted, list | tuple) and not wanted):
            continue
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        keep &= rows[col].astype(str).isin([str(w) for w in wanted]).to_numpy()
    rows = rows[keep]
    values = rows["value"].to_numpy(dtype=float)
    if by == "community":
        community = community or next(iter(table.communities), None)
        if community is None:
            raise StatsError("this workspace has no community with pupil members to compare")
        kind, _, name = community.partition(":")
        m = memberships.dropna(subset=["member_id"])
        col = "community_kind" if kind == "kind" else "community"
        ids = set(m.loc[m[col].astype(str) == name, "member_id"].astype(str))
        member = rows["pupil_id"].astype(str).isin(ids).to_numpy()
        table.community_label(community)  # a KeyError naming the choices if unknown
        labels = np.where(member, MEMBERS, OTHER_PUPILS)
        order = [MEMBERS, OTHER_PUPILS]
    else:
        lab = rows[by]
        labels = lab.astype(str).to_numpy()
        cats = lab.cat.categories if isinstance(lab.dtype, pd.CategoricalDtype) else sorted(
            set(labels))
        order = [str(x) for x in cats]
    ok = ~np.isnan(values)
    return {g: values[(labels == g) & ok] for g in order if ((labels == g) & ok).any()}
