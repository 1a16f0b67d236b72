"""The explorer's change view: how much each group changed between two waves.

>>> table = measures_table(Enquiry.open("data/demo"))                    # doctest: +SKIP
>>> result = explore_change(table, measure="scale:engagement", before="Wave 1",
...                         after="Wave 2", by="community", community="kind:slc")  # doctest: +SKIP
>>> result.display_table()                                              # doctest: +SKIP

Only pupils measured at both waves count. For each group it gives the mean
before and after, the mean change with its t interval, and Hedges' g of the
change with its interval (:func:`slc_research.stats.hedges_g`, paired, g_av: the
mean change over the average of the two waves' SDs, so it reads on the same
scale as a difference between groups). Two groups are compared with Morris's
d_ppc2 (:func:`slc_research.stats.ppc_effect_size`): how much more one group
changed than the other, in SDs of the scores before. Groups smaller than the
workspace's suppression threshold are withheld with every number computed from
them, and so is a group that would let a small one be worked out; a withheld
group is never compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from slc_research.casestudies.explore.analysis import (
    GroupSummary,
    Measure,
    MeasuresTable,
    filter_mask,
    pupil_groups,
)
from slc_research.errors import ConfigError
from slc_research.privacy.suppression import SECONDARY_MARK, SUPPRESSED_COLUMN, suppress_small
from slc_research.stats import PrePostEffect, StatsError, hedges_g, ppc_effect_size

__all__ = ["CHANGE_COLUMNS", "ChangeResult", "explore_change"]

#: The columns of :attr:`ChangeResult.summary`.
CHANGE_COLUMNS = ["group", "n", "mean_before", "mean_after", "change", "ci_low", "ci_high",
                  "g", "g_low", "g_high", SUPPRESSED_COLUMN]
_VALUES = CHANGE_COLUMNS[2:-1]


@dataclass(frozen=True)
class ChangeResult(GroupSummary):
    """The change of one measure between two waves, per group, and one comparison.

    Attributes
    ----------
    measure : Measure
    before, after : str
        The two waves (change is after minus before).
    by : str
        A key of :data:`~slc_research.casestudies.explore.analysis.GROUPINGS`.
    group_title : str
        What the groups are, in words.
    summary : DataFrame
        One row per group with pupils measured at both waves: ``group``, ``n``,
        ``mean_before``, ``mean_after``, ``change`` (mean of after minus before),
        ``ci_low``, ``ci_high`` (t interval of the change), ``g``, ``g_low``,
        ``g_high`` (Hedges' g_av of the change and its interval) and ``suppressed``;
        a withheld group has every number missing (NA).
    n : int
        Pupils measured at both waves after the filters (all groups together).
    comparison : (str, str) or None
        The two groups compared (how much more the first changed than the second).
    effect : PrePostEffect or None
        Morris's d_ppc2 of the comparison; None when it cannot be computed or
        published (``sentence`` says why).
    sentence : str
        What changed, in plain words.
    confidence : float
    threshold : int
    small : tuple of str
        Groups withheld because they are small (others may be withheld with them).
    """

    measure: Measure
    before: str
    after: str
    by: str
    group_title: str
    summary: pd.DataFrame
    n: int
    comparison: tuple[str, str] | None
    effect: PrePostEffect | None
    sentence: str
    confidence: float = 0.95
    threshold: int = 1
    small: tuple[str, ...] = ()

    def display_table(self) -> pd.DataFrame:
        """The summary for a reader, rounded; withheld cells show ``<5`` or ``*``."""
        level = f"{self.confidence * 100:g}% CI"
        rows = []
        for r in self.summary.itertuples(index=False):
            if getattr(r, SUPPRESSED_COLUMN):
                mark = f"<{self.threshold}" if r.group in self.small else SECONDARY_MARK
                rows.append([r.group, mark, mark, mark, mark, mark])
                continue
            change = f"{r.change:+.2f}" + ("" if pd.isna(r.ci_low)
                                          else f" ({r.ci_low:+.2f} to {r.ci_high:+.2f})")
            g = ("" if pd.isna(r.g) else f"{r.g:+.2f}"
                 + ("" if pd.isna(r.g_low) else f" ({r.g_low:+.2f} to {r.g_high:+.2f})"))
            rows.append([r.group, f"{int(r.n):,}", f"{r.mean_before:.2f}", f"{r.mean_after:.2f}",
                         change, g])
        return pd.DataFrame(rows, columns=[
            "Group", "Pupils measured at both (n)", f"Mean, {self.before}",
            f"Mean, {self.after}", f"Change ({level})", f"Hedges' g of the change ({level})"])


def _group_g(after: np.ndarray, before: np.ndarray, confidence: float) -> tuple[float, ...]:
    try:
        e = hedges_g(after, before, paired=True, paired_method="d_av", confidence=confidence)
    except StatsError:  # fewer than 3 pupils, or no spread: no g for this group
        return (np.nan, np.nan, np.nan)
    return (e.estimate, e.ci_low, e.ci_high)


def explore_change(table: MeasuresTable, *, measure: str, before: str, after: str,
                   by: str = "community", community: str | None = None,
                   filters: Mapping[str, object] | None = None,
                   compare: tuple[str, str] | None = None,
                   confidence: float = 0.95) -> ChangeResult:
    """Each group's change in one measure between two waves, and how two groups' changes differ.

    Parameters
    ----------
    table : MeasuresTable
    measure : str
        A key of ``table.measures``.
    before, after : str
        Two of its waves (of ``Measure.change_waves``: not the whole year, which holds
        the terms); the change is ``after`` minus ``before``.
    by, community, filters, compare, confidence
        As in :func:`~slc_research.casestudies.explore.analysis.explore`.

    Returns
    -------
    ChangeResult

    Raises
    ------
    ConfigError
        An unknown measure, wave, grouping, community or group, the same wave twice, or
        a wave that holds the other (the whole year and a term).

    Notes
    -----
    A pupil counts when measured at both waves (pairwise complete); the filters
    and groups are the pupil's characteristics. Per group, with the n changes
    ``D = after - before``: the change is ``mean(D) ± t(n-1) sd(D) / sqrt(n)``;
    g is :func:`~slc_research.stats.hedges_g` with ``paired=True,
    paired_method="d_av"`` (Lakens, 2013; normal-approximation interval). The
    comparison is :func:`~slc_research.stats.ppc_effect_size` (Morris, 2008).

    References
    ----------
    Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative
    science. *Frontiers in Psychology*, 4, 863.

    Morris, S. B. (2008). Estimating effect sizes from pretest-posttest-control group
    designs. *Organizational Research Methods*, 11(2), 364-386.
    """
    m = table.measures.get(measure)
    if m is None:
        table.rows(measure, before)  # the message naming the measures
    waves = m.change_waves
    if len(waves) < 2:
        once = "in one term only" if m.spans else "at one wave only"
        raise ConfigError(f"{m.label} was measured {once}"
                          + (f" ({', '.join(waves)})" if waves else "") + ", so "
                          "there is no change to show: choose another measure, or one wave",
                          key="wave")
    for wave in (before, after):
        if wave in m.spans:
            raise ConfigError(f"{m.label}: the {wave.lower()} holds every term, so a change to "
                              "or from it is not a change over time: choose two of "
                              f"{', '.join(waves)}", key="wave")
        if wave not in m.waves:
            raise ConfigError(f"{m.label} has no wave {wave!r}; choose from "
                              f"{', '.join(waves)}", key="wave")
    if before == after:
        raise ConfigError("choose two different waves to see change", key="wave")
    first, second = table.rows(measure, before), table.rows(measure, after)
    pupils = len(table.data["pupil_id"].cat.categories)
    earlier = np.full(pupils, np.nan)
    earlier[np.asarray(first["pupil_id"].cat.codes)] = first["value"].to_numpy(dtype=float)
    pre_all = earlier[np.asarray(second["pupil_id"].cat.codes)]
    mask = filter_mask(second, filters) & ~np.isnan(pre_all)
    codes, labels, title = pupil_groups(table, second, mask, by, community)
    post = second["value"].to_numpy(dtype=float)[mask]
    pre = pre_all[mask]
    diff = post - pre
    k = len(labels)
    n = np.bincount(codes, minlength=k).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_pre = np.bincount(codes, weights=pre, minlength=k) / n
        mean_post = np.bincount(codes, weights=post, minlength=k) / n
        change = np.bincount(codes, weights=diff, minlength=k) / n
        sd = np.sqrt(np.bincount(codes, weights=(diff - change[codes]) ** 2, minlength=k)
                     / (n - 1))
        half = sps.t.ppf((1 + confidence) / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half[n < 2] = np.nan
    g = np.array([_group_g(post[codes == i], pre[codes == i], confidence)
                  if n[i] >= table.threshold else (np.nan,) * 3 for i in range(k)]).reshape(k, 3)
    keep = n > 0
    summary = pd.DataFrame({
        "group": np.array(labels, dtype=object)[keep], "n": n[keep].astype(int),
        "mean_before": mean_pre[keep], "mean_after": mean_post[keep], "change": change[keep],
        "ci_low": (change - half)[keep], "ci_high": (change + half)[keep],
        "g": g[keep, 0], "g_low": g[keep, 1], "g_high": g[keep, 2]})
    small = tuple(summary.loc[summary["n"] < table.threshold, "group"])
    summary = suppress_small(summary, count_cols="n", threshold=table.threshold,
                             value_cols=_VALUES, partition_by=[])
    summary["n"] = summary["n"].astype("Int64")
    summary = summary[CHANGE_COLUMNS]
    published = list(summary.loc[~summary[SUPPRESSED_COLUMN], "group"])
    if compare is None:
        compare = tuple(published[:2]) if len(published) >= 2 else None
    elif any(x not in labels for x in compare):
        raise ConfigError(f"cannot compare {compare!r}; the groups are {', '.join(labels)}",
                          key="compare")
    effect, sentence = None, ("There are not two groups large enough to compare: change the "
                              "grouping or widen the filters.")
    if compare is not None:
        a, b = (labels.index(x) for x in compare)
        if compare[0] == compare[1]:
            sentence = "Choose two different groups to compare."
        elif any(x not in published for x in compare):
            hidden = next(x for x in compare if x not in published)
            sentence = (f"No comparison shown: {hidden} is withheld (fewer than "
                        f"{table.threshold} pupils measured at both waves, or withheld so that "
                        "a small group cannot be worked out), so the result could identify "
                        "pupils. Widen the filters.")
        else:
            try:
                effect = ppc_effect_size(pre[codes == a], post[codes == a], pre[codes == b],
                                         post[codes == b], confidence=confidence)
            except StatsError as exc:
                sentence = f"No comparison shown: {exc}"
            else:
                sentence = _sentence(m, before, after, compare, effect)
    return ChangeResult(m, str(before), str(after), by, title, summary, int(mask.sum()),
                        compare, effect, sentence, confidence, table.threshold, small)


def _moved(change: float) -> str:
    return (f"rose by {change:.2f}" if change > 0 else f"fell by {-change:.2f}" if change < 0
            else "did not change")


def _sentence(m: Measure, before: str, after: str, groups: tuple[str, str],
              e: PrePostEffect) -> str:
    level = f"{e.confidence * 100:g}%"
    spans_zero = e.ci_low <= 0 <= e.ci_high
    unit = f" ({m.unit})" if m.unit else ""
    text = (f"{m.label}, {before} to {after}: on average {groups[0]} (n = {e.n_treated}) "
            f"{_moved(e.mean_change_treated)} and {groups[1]} (n = {e.n_comparison}) "
            f"{_moved(e.mean_change_comparison)}{unit}. The difference in change, "
            f"{groups[0]} minus {groups[1]}, is d_ppc2 = {e.estimate:.2f}, {level} CI "
            f"[{e.ci_low:.2f}, {e.ci_high:.2f}], in standard deviations of the scores at "
            f"{before} (positive: the scores of {groups[0]} rose more or fell less). ")
    text += ("The interval includes zero, so these data are also consistent with both groups "
             "changing alike. " if spans_zero else "The interval does not include zero. ")
    return text + ("The groups were not formed at random, so a difference in change does not "
                   "by itself show what caused it.")
