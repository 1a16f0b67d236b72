"""The explorer's analysis: every pupil measure in one tidy table, filtered, grouped, compared.

>>> table = measures_table(Enquiry.open("data/demo"))        # doctest: +SKIP
>>> result = explore(table, measure="scale:engagement", wave="Wave 1",
...                  by="community", community="kind:slc")   # doctest: +SKIP
>>> result.summary                                           # doctest: +SKIP

:func:`measures_table` builds the table once (one row per pupil, measure and
wave, with the pupil's characteristics as group labels; :mod:`slc_research.measures.table`). :func:`explore` is
then only a slice, a filter and a grouped mean: fast enough to run on every
change of a control, even with 100,000 pupils. Groups smaller than the
workspace's suppression threshold are withheld, and so is any comparison
involving them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from slc_research.errors import ConfigError
from slc_research.measures.table import (
    CHARACTERISTICS,
    GROUPINGS,
    OTHER_PUPILS,
    Measure,
    MeasuresTable,
    measures_from_tables,
    measures_table,
)
from slc_research.privacy.suppression import SECONDARY_MARK, SUPPRESSED_COLUMN, suppress_small
from slc_research.stats import EffectSize, StatsError, hedges_g

__all__ = ["CHARACTERISTICS", "GROUPINGS", "MEMBERS", "OTHER_PUPILS", "ExploreResult", "Measure",
           "MeasuresTable", "explore", "filter_mask", "measures_from_tables", "measures_table",
           "pupil_groups"]

#: Label of the members of the chosen community.
MEMBERS = "Members"

_SUMMARY_COLUMNS = ["group", "n", "mean", "sd", "ci_low", "ci_high", SUPPRESSED_COLUMN]


@dataclass(frozen=True)
class ExploreResult:
    """One view of the explorer: groups, their summary and the chosen comparison.

    Attributes
    ----------
    measure : Measure
    wave : str
    by : str
        A key of :data:`GROUPINGS`.
    group_title : str
        What the groups are, in words ("Year group", "Any student learning community (SLC)").
    summary : DataFrame
        One row per group with pupils: ``group``, ``n``, ``mean``, ``sd``,
        ``ci_low``, ``ci_high`` (t interval of the mean) and ``suppressed``; a
        withheld group has every number missing (NA).
    n : int
        Pupils measured after the filters (all groups together).
    comparison : (str, str) or None
        The two groups compared (first minus second).
    effect : EffectSize or None
        Hedges' g of the comparison with its interval; None when it cannot be
        computed or published (``sentence`` says why).
    sentence : str
        The comparison in plain words.
    confidence : float
    threshold : int
        The suppression threshold applied.
    small : tuple of str
        The groups withheld because they are small; other withheld groups were
        withheld so that a small one cannot be worked out from the total
        (secondary suppression, :mod:`slc_research.privacy.suppression`).
    """

    measure: Measure
    wave: str
    by: str
    group_title: str
    summary: pd.DataFrame
    n: int
    comparison: tuple[str, str] | None
    effect: EffectSize | None
    sentence: str
    confidence: float = 0.95
    threshold: int = 1
    small: tuple[str, ...] = ()

    @property
    def groups(self) -> list[str]:
        """Every group with pupils, published or not, in display order."""
        return list(self.summary["group"])

    def chart_data(self) -> pd.DataFrame:
        """The published groups only (one row each): what a chart may draw."""
        return self.summary[~self.summary[SUPPRESSED_COLUMN]].drop(columns=SUPPRESSED_COLUMN)

    def display_table(self) -> pd.DataFrame:
        """The summary for a reader, its numbers as rounded text.

        Withheld cells show ``<5`` (a small group) or ``*`` (withheld so that a small group
        cannot be worked out).
        """
        rows = []
        for g, n, m, sd, lo, hi, withheld in self.summary.itertuples(index=False):
            if withheld:
                marker = f"<{self.threshold}" if g in self.small else SECONDARY_MARK
                rows.append([g, marker, marker, marker, marker])
            else:
                rows.append([g, f"{int(n):,}", f"{m:.2f}", "" if pd.isna(sd) else f"{sd:.2f}",
                             "" if pd.isna(lo) else f"{lo:.2f} to {hi:.2f}"])
        return pd.DataFrame(rows, columns=["Group", "Pupils (n)", "Mean", "SD",
                                           f"{self.confidence * 100:g}% CI"])


def filter_mask(rows: pd.DataFrame, filters: Mapping[str, object] | None) -> np.ndarray:
    """Which of ``rows`` the filters keep (characteristic -> label or labels; None keeps all)."""
    mask = np.ones(len(rows), dtype=bool)
    for col, wanted in (filters or {}).items():
        if wanted is None or wanted == () or wanted == []:
            continue
        if col not in CHARACTERISTICS:
            raise ConfigError(f"cannot filter on {col!r}; filter on "
                              f"{', '.join(CHARACTERISTICS)}", key="filters")
        cats = rows[col].cat.categories
        chosen = [wanted] if isinstance(wanted, str) else list(wanted)
        locs = [cats.get_loc(w) for w in chosen if w in cats]
        mask &= np.isin(np.asarray(rows[col].cat.codes), locs)
    return mask


def pupil_groups(table: MeasuresTable, rows: pd.DataFrame, mask: np.ndarray, by: str,
                 community: str | None) -> tuple[np.ndarray, list[str], str]:
    """Each kept row's group (a code), the groups' labels and what the groups are, in words.

    ``by="community"`` gives ``["Members", OTHER_PUPILS]`` of ``community`` (default: the
    first choice of ``table.communities``); any other key of :data:`GROUPINGS` gives the
    characteristic's labels.
    """
    if by == "community":
        if community is None:
            if not table.communities:
                raise ConfigError("no pupil belongs to a community in this workspace; "
                                  "group by something else", key="by")
            community = next(iter(table.communities))
        title = table.community_label(community)
        pupil = np.asarray(rows["pupil_id"].cat.codes)[mask]
        return (~table._members[community][pupil]).astype(np.int64), [MEMBERS, OTHER_PUPILS], title
    if by not in GROUPINGS:
        raise ConfigError(f"cannot group by {by!r}; choose one of {', '.join(GROUPINGS)}",
                          key="by")
    return (np.asarray(rows[by].cat.codes)[mask].astype(np.int64),
            list(rows[by].cat.categories), GROUPINGS[by])


def explore(table: MeasuresTable, *, measure: str, wave: str, by: str = "community",
            community: str | None = None, filters: Mapping[str, object] | None = None,
            compare: tuple[str, str] | None = None, confidence: float = 0.95) -> ExploreResult:
    """Group one measure at one wave, summarise each group and compare two of them.

    Parameters
    ----------
    table : MeasuresTable
    measure, wave : str
        A key of ``table.measures`` and one of its waves.
    by : str
        A key of :data:`GROUPINGS`. ``"community"`` splits pupils into members
        of ``community`` and :data:`OTHER_PUPILS`.
    community : str, optional
        A key of ``table.communities`` (default: the first).
    filters : dict, optional
        Characteristic -> the group label(s) to keep, e.g.
        ``{"school": "Riverside School", "year_group": ["Year 7", "Year 8"]}``.
        None or an empty list keeps everyone.
    compare : (str, str), optional
        The two groups to compare (default: the first two published groups).
    confidence : float

    Returns
    -------
    ExploreResult

    Notes
    -----
    Each group's interval is ``mean +/- t(n-1) * sd / sqrt(n)``. The
    comparison is :func:`slc_research.stats.hedges_g` on the two groups' values
    (pooled SD, noncentral-t interval). It is withheld when either group is
    smaller than the suppression threshold.
    """
    rows = table.rows(measure, wave)
    mask = filter_mask(rows, filters)
    codes, labels, title = pupil_groups(table, rows, mask, by, community)
    values = rows["value"].to_numpy(dtype=float)[mask]
    k = len(labels)
    n = np.bincount(codes, minlength=k).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(codes, weights=values, minlength=k) / n
        sq = np.bincount(codes, weights=(values - mean[codes]) ** 2, minlength=k)
        sd = np.sqrt(sq / (n - 1))
        half = sps.t.ppf((1 + confidence) / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    sd[n < 2] = np.nan
    half[n < 2] = np.nan
    keep = n > 0
    summary = pd.DataFrame({"group": np.array(labels, dtype=object)[keep],
                            "n": n[keep].astype(int), "mean": mean[keep], "sd": sd[keep],
                            "ci_low": (mean - half)[keep], "ci_high": (mean + half)[keep]})
    small = tuple(summary.loc[summary["n"] < table.threshold, "group"])
    # The groups make up everyone selected: withhold a second group with a small one.
    summary = suppress_small(summary, count_cols="n", threshold=table.threshold,
                             value_cols=["mean", "sd", "ci_low", "ci_high"], partition_by=[])
    summary["n"] = summary["n"].astype("Int64")
    m = table.measures[measure]
    published = list(summary.loc[~summary[SUPPRESSED_COLUMN], "group"])
    if compare is None:
        pool = published if len(published) >= 2 else list(summary["group"])
        compare = tuple(pool[:2]) if len(pool) >= 2 else None
    elif any(g not in labels for g in compare):
        raise ConfigError(f"cannot compare {compare!r}; the groups are {', '.join(labels)}",
                          key="compare")
    effect, sentence = None, "There are not two groups to compare: change the grouping or filters."
    if compare is not None:
        a, b = (labels.index(g) for g in compare)
        na, nb = int(n[a]), int(n[b])
        if min(na, nb) < table.threshold:
            small = compare[0] if na < nb else compare[1]
            sentence = (f"No comparison shown: {small} has fewer than {table.threshold} pupils "
                        "measured, so the result could identify pupils. Widen the filters.")
        elif compare[0] == compare[1]:
            sentence = "Choose two different groups to compare."
        else:
            try:
                effect = hedges_g(values[codes == a], values[codes == b], confidence=confidence)
            except StatsError as exc:
                sentence = f"No comparison shown: {exc}"
            else:
                sentence = _sentence(m, wave, compare, (mean[a], mean[b]), effect)
    return ExploreResult(m, str(wave), by, title, summary[_SUMMARY_COLUMNS], int(mask.sum()),
                         compare, effect, sentence, confidence, table.threshold, small)


def _sentence(m: Measure, wave: str, groups: tuple[str, str], means: tuple[float, float],
              e: EffectSize) -> str:
    level = f"{e.confidence * 100:g}%"
    direction = "higher" if e.estimate > 0 else "lower" if e.estimate < 0 else "equal"
    spans_zero = e.ci_low <= 0 <= e.ci_high
    return (f"{m.label}, {wave}: {groups[0]} (mean {means[0]:.2f}, n = {e.n1}) had a "
            f"{direction} average than {groups[1]} (mean {means[1]:.2f}, n = {e.n2}); "
            f"Hedges' g = {e.estimate:.2f}, {level} CI [{e.ci_low:.2f}, {e.ci_high:.2f}]. "
            + ("The interval includes zero, so these data are also consistent with no "
               "difference. " if spans_zero else "The interval does not include zero. ")
            + "This compares groups at one point in time: it does not show that one "
              "thing caused the other.")
