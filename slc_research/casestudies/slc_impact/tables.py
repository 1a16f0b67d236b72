"""Reader-ready tables and sentences from the impact analyses, small groups withheld.

Each function takes an analysis result and the enquiry's suppression threshold
and returns what a report shows: with ``display=True`` a table with readable
column names and ``"<5"`` in withheld cells (format it with
:func:`slc_research.report.show_table`); with ``display=False`` the same
numbers with withheld cells missing, for charts.

Secondary suppression (see :mod:`slc_research.privacy.suppression`) is applied where
the groups of a table add up to a total the reader knows: the levels of a
characteristic and members vs other pupils at a level (representativeness),
the roles and attendance bands of a community (its members), members who came
regularly and the rest, and persistently absent pupils and the rest of a group.
The before/after tables of members and other pupils are not partitions of a
published total (the pupils measured both times are not reported as a whole),
so only their small groups are withheld.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from slc_research.casestudies.slc_impact.outcomes import ChangeResult
from slc_research.casestudies.slc_impact.representativeness import Representativeness
from slc_research.measures.participation import Participation
from slc_research.privacy.bands import merge_small_bands
from slc_research.privacy.suppression import (
    SECONDARY_MARK,
    SUPPRESSED_COLUMN,
    published_count,
    suppress_small,
)
from slc_research.stats import tost

__all__ = ["about_data", "association_table", "bands_table", "change_table", "describe_change",
           "effects_summary", "headlines", "means_table", "members_sentence", "participation_table",
           "persistent_absence_table", "representativeness_table", "roles_table"]


def _publish(frame: pd.DataFrame, count_cols, threshold: int, display: bool,
             labels: dict[str, str] | None = None, **secondary) -> pd.DataFrame:
    out = suppress_small(frame, count_cols=count_cols, threshold=threshold, display=display,
                         **secondary)
    if display:
        out = out[[c for c in (labels or out.columns) if c in out.columns]]
        return out.rename(columns=labels or {})
    return out


def representativeness_table(rep: Representativeness, *, threshold: int,
                             display: bool = True, members_label: str = "Members"
                             ) -> pd.DataFrame:
    """Members vs the rest of the cohort, per characteristic and level.

    The levels of a characteristic add up to each group's total, and members
    plus other pupils add up to the level's size in the cohort (which staff
    know): both are protected by secondary suppression.
    """
    labels = {"characteristic": "Characteristic", "level": "Group",
              "n_members": f"{members_label}: n", "pct_members": f"{members_label}: %",
              "n_rest": "Other pupils: n", "pct_rest": "Other pupils: %",
              "diff_pp": "Difference (% points)"}
    return _publish(rep.table, {
        "n_members": ["pct_members", "diff_pp"], "n_rest": ["pct_rest", "diff_pp"],
        # a whole group below the threshold: withhold everything about it
        "members_total": ["n_members", "pct_members", "diff_pp"],
        "rest_total": ["n_rest", "pct_rest", "diff_pp"],
    }, threshold, display, labels, partition_by="characteristic",
        complements=[["n_members", "n_rest"]])


def association_table(rep: Representativeness, *, threshold: int = 0) -> pd.DataFrame:
    """The test per characteristic, for reading.

    A p-value is not a count, but with fewer than ``threshold`` members or other pupils it
    gives their make-up away (Fisher's p = 0.008 on 4 other pupils: all of them pupil
    premium): then no row is published.
    """
    if 0 < min(rep.n_members, rep.n_rest) < threshold:
        return rep.tests.iloc[0:0].rename(columns={"characteristic": "Characteristic"})
    t = rep.tests.rename(columns={"characteristic": "Characteristic", "test": "Test",
                                  "statistic": "Statistic", "df": "df", "p_value": "p",
                                  "n": "Pupils tested"})
    return t


def participation_table(part: Participation, *, threshold: int,
                        display: bool = True) -> pd.DataFrame:
    """Members, meetings and attendance per community.

    Members who came regularly and those who did not add up to the members, so
    either being small withholds both.
    """
    labels = {"community": "Community", "members": "Members", "meetings": "Meetings held",
              "mean_pct_attended": "Mean % of meetings attended",
              "median_pct_attended": "Median %", "n_regular": "Came to 75% or more: n",
              "pct_regular": "Came to 75% or more: %"}
    return _publish(part.summary, {"members": ["mean_pct_attended", "median_pct_attended",
                                               "n_regular", "pct_regular"],
                                   "n_regular": ["pct_regular"]}, threshold, display, labels,
                    remainders={"n_regular": "members"}, partition_by=None)


def roles_table(part: Participation, *, threshold: int, display: bool = True) -> pd.DataFrame:
    """Members per role (the roles of a community add up to its members)."""
    return _publish(part.roles, ["n"], threshold, display,
                    {"community": "Community", "role": "Role", "n": "Members"},
                    partition_by="community")


def bands_table(part: Participation, *, threshold: int) -> pd.DataFrame:
    """Members per band of % attended (for the chart).

    Bands with too few members are merged with a neighbour ("0-49%") rather than blanked;
    a community with too few members in all is withheld.
    """
    bands = merge_small_bands(part.bands, band="band", count="n", threshold=threshold,
                              within="community")
    return suppress_small(bands, count_cols=["n"], threshold=threshold,
                          partition_by="community")


def change_table(results: Iterable[ChangeResult], *, threshold: int,
                 display: bool = True) -> pd.DataFrame:
    """Before, after and change per outcome and group, with the paired effect size.

    An outcome nobody was measured on both times has no row (its sentence says so): a row of
    dashes beside the pupils lost would show nothing.
    """
    frames = [r.groups for r in results if r.available]
    if not frames:
        return pd.DataFrame()
    t = pd.concat(frames, ignore_index=True)
    labels = {"outcome": "Outcome", "group": "Group", "n_both": "n (both times)",
              "n_lost": "n lost", "mean_pre": "Mean before", "sd_pre": "SD before",
              "mean_post": "Mean after", "sd_post": "SD after", "mean_change": "Mean change",
              "change_ci_low": "Change: 95% CI low", "change_ci_high": "Change: 95% CI high",
              "g_change": "g_av", "g_ci_low": "g_av: 95% CI low",
              "g_ci_high": "g_av: 95% CI high"}
    values = [c for c in labels if c not in ("outcome", "group", "n_both", "n_lost")]
    return _publish(t, {"n_both": values, "n_lost": []}, threshold, display, labels, partition_by=None)


def means_table(results: Iterable[ChangeResult], *, threshold: int) -> pd.DataFrame:
    """Long before/after means with CIs, withheld groups left out (for charts)."""
    frames = [r.means_frame() for r in results if r.available] or [  # nothing to draw,
        pd.DataFrame(columns=["outcome", "group", "period", "n", "mean", "sd",  # still checked
                              "ci_low", "ci_high"])]
    m = suppress_small(pd.concat(frames, ignore_index=True), count_cols=["n"],
                       threshold=threshold, partition_by=None)
    return m[~m[SUPPRESSED_COLUMN]].drop(columns=SUPPRESSED_COLUMN).reset_index(drop=True)


def effects_summary(results: Iterable[ChangeResult], *, threshold: int,
                    display: bool = True) -> pd.DataFrame:
    """Headline effect per outcome, members against other pupils.

    Morris's d_ppc2 (the raw-score metric of Cohen's bands and the EEF), the raw difference
    in change and the difference at the start (g).
    """
    rows = []
    for r in results:
        if not r.available:  # nobody measured both times: a row of dashes
            continue
        e, d, b = r.effect, r.difference, r.baseline
        # without an effect size (too few for its SD), a difference in change may still have
        # been computed: it is published, or withheld, by the counts measured both times
        n_both = r.groups.set_index("group")["n_both"]
        n1, n2 = (n_both.get(g, np.nan) for g in r.group_labels)
        rows.append({
            "outcome": r.label, "n1": e.n1 if e else n1,
            "n2": (0 if e.paired else e.n2) if e else (
                n2 if r.comparison == "non_members" else 0),
            "estimate": e.estimate if e else np.nan, "ci_low": e.ci_low if e else np.nan,
            "ci_high": e.ci_high if e else np.nan,
            "difference": d.estimate if d else np.nan,
            "difference_ci_low": d.ci_low if d else np.nan,
            "difference_ci_high": d.ci_high if d else np.nan,
            "baseline_g": b.estimate if b else np.nan,
        })
    t = pd.DataFrame(rows, columns=["outcome", "n1", "n2", "estimate", "ci_low", "ci_high",
                                    "difference", "difference_ci_low", "difference_ci_high",
                                    "baseline_g"])
    t["n1"], t["n2"] = t["n1"].astype("Int64"), t["n2"].astype("Int64")
    labels = {"outcome": "Outcome", "n1": "Members", "n2": "Other pupils",
              "estimate": "Effect size (d_ppc2)", "ci_low": "95% CI low",
              "ci_high": "95% CI high", "difference": "Difference in change",
              "difference_ci_low": "Difference: 95% CI low", "difference_ci_high": "Difference: 95% CI high", "baseline_g": "g at the start"}
    out = _publish(t, ["n1", "n2"], threshold, display, labels, partition_by=None)
    if not display:
        return out[~out[SUPPRESSED_COLUMN]].drop(columns=SUPPRESSED_COLUMN)
    return out


def persistent_absence_table(result: ChangeResult, *, threshold: int,
                             display: bool = True) -> pd.DataFrame:
    """Persistent absence (missing 10% or more of sessions) per group and period.

    The pupils persistently absent and the others add up to the group's
    pupils: when the others are few, the persistently absent are withheld too. The
    rows are not parts of one published total (no count of the pupils measured, or of the
    persistently absent, is published for a period), so no row protects another.
    """
    if result.extra.empty:
        return pd.DataFrame()
    return _publish(result.extra, {"n": ["n_persistent", "pct_persistent"],
                                   "n_persistent": ["pct_persistent"]}, threshold, display,
                    {"group": "Group", "period": "Period", "n": "Pupils",
                     "n_persistent": "Persistently absent: n",
                     "pct_persistent": "Persistently absent: %"},
                    remainders={"n_persistent": "n"}, partition_by=None)


def describe_change(result: ChangeResult, *, threshold: int, unit_decimals: int = 2,
                    smallest_effect: float = 0.2) -> str:
    """One or two plain sentences on an outcome's change, respecting suppression.

    With a comparison group the headline d_ppc2 comes with its equivalence test against
    ``±smallest_effect`` (never just "not significant").
    """
    if not result.available:
        return f"{result.label}: no pupil was measured both times. " + " ".join(result.notes)
    g = result.groups.set_index("group")
    parts = []
    for name, row in g.iterrows():
        n = int(row["n_both"])
        if n < threshold:
            parts.append(f"{name}: fewer than {threshold} measured both times, not shown")
            continue
        change = row["mean_change"]
        verb = "rose" if change > 0 else "fell" if change < 0 else "did not change"
        amount = f" by {abs(change):.{unit_decimals}f}" if change != 0 else ""
        parts.append(f"{name}: average {verb}{amount} (n = {n})")
    text = f"{result.label} ({result.unit}). " + "; ".join(parts) + "."
    e = result.effect
    small = any(int(n) < threshold for n in g["n_both"])
    if e is not None and not small:
        level = f"{e.confidence * 100:g}% CI"
        if e.paired:
            text += (f" As an effect size, the members' change was {e.symbol} = "
                     f"{e.estimate:.2f}, {level} [{e.ci_low:.2f}, {e.ci_high:.2f}] "
                     f"(n = {e.n}).")
        else:
            text += (f" Compared with other pupils, members changed by d_ppc2 = "
                     f"{e.estimate:.2f} standard deviations more, {level} [{e.ci_low:.2f}, "
                     f"{e.ci_high:.2f}] (n = {e.n1} members and {e.n2} other pupils)")
            if result.ppc is not None:
                tested = tost(result.ppc.estimate, result.ppc.se, bound=smallest_effect)
                text += f"; equivalence test: {tested.in_words()}"
            text += "."
    return text


def headlines(results: Iterable[ChangeResult], *, threshold: int) -> dict[str, object]:
    """Headline effect per outcome for the index page: ``{"<outcome>_g": EffectSize or None}``.

    The value is the headline d_ppc2 (symbol ``"d_ppc2"``; the key keeps its old name for
    the index); None when it was not computed or a group is below the threshold.
    """
    out: dict[str, object] = {}
    for r in results:
        e = r.effect
        small = e is None or e.n1 < threshold or (not e.paired and e.n2 < threshold)
        out[f"{r.outcome}_g"] = None if small else e
    return out


def about_data(*, n_pupils: int, n_cohort: int, n_members: int, waves: tuple[int, int],
               threshold: int, scores: pd.DataFrame | None = None,
               schools: Iterable[str] = ()) -> pd.DataFrame:
    """Sample sizes and settings of the report, as a two-column table.

    ``scores`` (scale scores) gives the number of pupils answering each wave.
    """
    n_respondents: dict[int, int] = {}
    if scores is not None and not scores.empty:
        s = scores.dropna(subset=["score"])
        if "respondent_type" in s.columns:
            s = s[s["respondent_type"].astype("string").fillna("pupil") == "pupil"]
        n_respondents = {int(w): int(d["respondent_id"].nunique())
                         for w, d in s.groupby("wave") if int(w) in waves}
    rows = [("Schools", ", ".join(schools) or "not recorded"),
            ("Pupils on the roll", n_pupils),
            ("Pupils in the members' year groups (the cohort)",
             SECONDARY_MARK if 0 < n_cohort - n_members < threshold else n_cohort),
            ("Members in the cohort", published_count(n_members, threshold)),
            ("Questionnaire waves compared", f"{waves[0]} (before) and {waves[1]} (after)")]
    for wave, n in sorted(n_respondents.items()):
        rows.append((f"Pupils answering wave {wave}", published_count(n, threshold)))
    rows.append(("Smallest group shown", f"{threshold} pupils (smaller groups are withheld, "
                                         f"shown as <{threshold})"))
    return pd.DataFrame(rows, columns=["Fact", "Value"]).astype({"Value": object})


def members_sentence(n_members: int, n_rest: int, threshold: int) -> str:
    """How many pupils were members, out of the pupils in the same schools and year groups.

    A small membership is "fewer than" the threshold. The members' count is published in
    every section (their tables, the glance), so when the other pupils are the small group
    it is their count that is withheld, and with it the cohort's total, which would give it
    away: "5 pupils were members; fewer than 5 other pupils are in the same schools and year
    groups."
    """
    members = (f"Fewer than {threshold} pupils were" if 0 < n_members < threshold
               else f"{n_members:,} pupils were")
    if 0 < n_rest < threshold:
        return (f"{members} members; fewer than {threshold} other pupils are in the same "
                "schools and year groups.")
    return (f"{members} members, out of {n_members + n_rest:,} pupils in the same schools and "
            "year groups.")
