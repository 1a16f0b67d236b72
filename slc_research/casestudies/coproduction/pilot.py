"""The co-production pilot: pupils at risk of disengagement lead their own projects.

One co-production group per school (community kind ``"coproduction"``). This
module holds who took part and how often, and the outcomes by level of
participation. The per-school changes (behaviour, yes/no questions, a
questionnaire scale) are in :mod:`slc_research.casestudies.coproduction.outcomes`
and their pooling across schools by meta-analysis in
:mod:`slc_research.casestudies.coproduction.pooling`, both re-exported here.
:mod:`slc_research.casestudies.coproduction.study` builds the case study's result from
them; the parameters are declared once in ``coproduction.STUDY``.

Small schools: a school with fewer pilot pupils than the suppression threshold
is withheld from every per-school table and from the forest plot, but its
pupils count in the "All schools" figures and in the pooled estimate. So that
the "All schools" row cannot give it away, the next smallest school is
withheld too (secondary suppression, see :mod:`slc_research.privacy.suppression`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from slc_research.casestudies.coproduction.outcomes import (
    ALL_SCHOOLS,
    behaviour_rates,
    behaviour_summary,
    scale_change_summary,
    school_days,
    yes_no_change,
)
from slc_research.casestudies.coproduction.pooling import (
    forest_table,
    meta_table,
    pool_schools,
    pool_yes_no,
)
from slc_research.errors import ConfigError
from slc_research.measures.participation import participation
from slc_research.privacy.suppression import SUPPRESSED_COLUMN, suppress_small
from slc_research.stats import StatsError, TestResult, mean_ci

__all__ = ["ALL_SCHOOLS", "BANDS", "BAND_COUNTS", "IMPROVED_BAND_COUNTS",
           "KIND", "attendance_bands", "behaviour_rates",
           "behaviour_summary", "dose_response", "forest_table", "meta_table", "overall",
           "pilot_pupils", "pool_schools", "pool_yes_no", "publish", "scale_change_summary",
           "school_days",
           "school_participation", "yes_no_change"]

#: Community kind of the pilot's groups.
KIND = "coproduction"
#: Bands of "% of meetings attended" (label, lower bound).
BANDS = (("Below 50%", 0.0), ("50-74%", 50.0), ("75% or more", 75.0))
#: The counts of a band and the figures each gives away (see :func:`attendance_bands`).
BAND_COUNTS = {"n": ["change", "ci_low", "ci_high", "pct_improved"]}
#: The counts behind a band's % whose rate fell.
IMPROVED_BAND_COUNTS = {"n_improved": ["pct_improved"], "n_not_improved": ["pct_improved"]}


def pilot_pupils(communities: pd.DataFrame, memberships: pd.DataFrame, meetings: pd.DataFrame,
                 schools: Iterable[str] = ()) -> pd.DataFrame:
    """The pilot's pupils: school, group, role and when their project started.

    Parameters
    ----------
    communities, memberships, meetings : DataFrame
        The canonical tables.
    schools : iterable of str
        School names or co-production group names; empty for all.

    Returns
    -------
    DataFrame
        ``pupil_id``, ``school``, ``community``, ``role``, ``start`` (the date
        they joined, else their group's first meeting). Holds ids: not for publishing.

    Raises
    ------
    ConfigError
        No co-production group in the enquiry, or a school that has none (the
        message lists the schools that have one).
    """
    groups = communities[(communities["kind"].astype("string") == KIND).fillna(False)]
    if groups.empty:
        raise ConfigError("this enquiry has no co-production group; add a memberships source "
                          f"with community_kind = \"{KIND}\"", key="schools")
    school_of = dict(zip(groups["community"].astype(str),
                         groups["school"].astype("string").fillna(""), strict=True))
    wanted = list(schools)
    if wanted:
        known = set(school_of) | set(school_of.values())
        unknown = [s for s in wanted if s not in known]
        if unknown:
            listed = ", ".join(repr(s) for s in sorted(set(school_of.values()) - {""}))
            raise ConfigError(f"no co-production group in {', '.join(map(repr, unknown))}; "
                              f"schools with one: {listed}", key="schools")
        school_of = {c: s for c, s in school_of.items() if c in wanted or s in wanted}
    m = memberships[memberships["community"].isin(list(school_of))
                    & (memberships["member_type"].astype("string").fillna("pupil") == "pupil")]
    m = m.dropna(subset=["member_id"]).drop_duplicates(subset=["member_id", "community"])
    first = meetings.groupby("community")["date"].min()
    # reindex, not map: pandas cannot map through an empty Series of dates (no meetings)
    start = m["joined"].fillna(pd.Series(first.reindex(m["community"]).to_numpy(), m.index))
    school = m["school"].astype("string").fillna(m["community"].map(school_of))
    return pd.DataFrame({"pupil_id": m["member_id"].astype(str).to_numpy(),
                         "school": school.astype(str).to_numpy(),
                         "community": m["community"].astype(str).to_numpy(),
                         "role": m["role"].astype("string").fillna("Not recorded").to_numpy(),
                         "start": pd.to_datetime(start).to_numpy()})


def school_participation(pupils: pd.DataFrame, meetings: pd.DataFrame,
                         meeting_attendance: pd.DataFrame, memberships: pd.DataFrame
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Members, roles, meetings held and % of meetings attended, per school.

    Parameters
    ----------
    pupils : DataFrame
        :func:`pilot_pupils`.
    meetings, meeting_attendance, memberships : DataFrame
        The canonical tables.

    Returns
    -------
    summary : DataFrame
        Per school and ``"All schools"``: ``school``, ``members``,
        ``project_leads``, ``meetings_held``, ``n`` (members with meetings
        held), ``mean_pct_attended`` with its t interval (``ci_low``, ``ci_high``).
    per_pupil : DataFrame
        ``pupil_id``, ``school``, ``pct_attended`` (holds ids: not for publishing).
    """
    part = participation(meetings, meeting_attendance, memberships,
                         sorted(pupils["community"].unique()), members=pupils["pupil_id"])
    per = part.per_member.rename(columns={"member_id": "pupil_id"})
    per = per.merge(pupils[["pupil_id", "community", "school"]], on=["pupil_id", "community"])
    per["pct_attended"] = per["pct_attended"].astype("Float64").astype(float)
    held = meetings[meetings["community"].isin(set(pupils["community"]))]
    rows = []
    for school, g in [*per.groupby("school", sort=True), (ALL_SCHOOLS, per)]:
        pct = g["pct_attended"].dropna()
        ci = _try(lambda pct=pct: mean_ci(pct))
        rows.append({"school": school, "members": len(g),
                     "project_leads": int(g["role"].astype("string").str.lower()
                                          .eq("project lead").sum()),
                     "meetings_held": int(held.loc[held["community"].isin(set(g["community"])),
                                                   "meeting_id"].nunique()),
                     "n": len(pct), "mean_pct_attended": pct.mean() if len(pct) else np.nan,
                     "ci_low": ci.ci_low if ci else np.nan,
                     "ci_high": ci.ci_high if ci else np.nan})
    return pd.DataFrame(rows), per[["pupil_id", "school", "pct_attended"]].reset_index(drop=True)


def attendance_bands(rates: pd.DataFrame, per_pupil: pd.DataFrame, *,
                     threshold: int, display: bool = False) -> pd.DataFrame:
    """Behaviour change by band of % of meetings attended, small bands withheld.

    Parameters
    ----------
    rates : DataFrame
        :func:`behaviour_rates` (``pupil_id``, ``change``, ``improved``).
    per_pupil : DataFrame
        The second result of :func:`school_participation` (``pupil_id``, ``pct_attended``).
    threshold : int
    display : bool, default False
        True: withheld cells shown as "<5" / "*" for a reader (see
        :func:`~slc_research.privacy.suppression.suppress_small`).

    Returns
    -------
    DataFrame
        ``band``, ``n``, ``change`` (mean change in points per week) with its t
        interval (``ci_low``, ``ci_high``), ``pct_improved`` and the counts it
        comes from (``n_improved``, ``n_not_improved``: for suppression, not for
        showing). A band with fewer than ``threshold`` pupils has its numbers
        withheld (NA) and ``suppressed`` True; a band where fewer than
        ``threshold`` pupils' rates fell (or did not) has its ``pct_improved``
        withheld. The bands add up to the pupils of the trend line,
        so one withheld band withholds the next smallest one too.
    """
    d = rates.merge(per_pupil[["pupil_id", "pct_attended"]], on="pupil_id")
    d = d.dropna(subset=["pct_attended"])
    edges = [lo for _, lo in BANDS] + [np.inf]
    labels = [b for b, _ in BANDS]
    d["band"] = pd.cut(d["pct_attended"], bins=edges, labels=labels, right=False)
    rows = []
    for band in labels:
        g = d[d["band"] == band]
        ci = _try(lambda g=g: mean_ci(g["change"]))
        improved = int(g["improved"].sum())
        rows.append({"band": band, "n": len(g),
                     "change": g["change"].mean() if len(g) else np.nan,
                     "ci_low": ci.ci_low if ci else np.nan,
                     "ci_high": ci.ci_high if ci else np.nan,
                     "pct_improved": 100 * g["improved"].mean() if len(g) else np.nan,
                     "n_improved": improved, "n_not_improved": len(g) - improved})
    # a band's % whose rate fell tells how many did (and did not): withheld through both
    # counts (a true 0, "all of them", is published as in the per-school table), then the
    # band itself through its pupils (an empty band too)
    shares = suppress_small(pd.DataFrame(rows), count_cols=IMPROVED_BAND_COUNTS,
                            threshold=threshold, partition_by=[], display=display,
                            complements=[["n_improved", "n_not_improved"]])
    held = shares.pop(SUPPRESSED_COLUMN) if SUPPRESSED_COLUMN in shares.columns else None
    out = suppress_small(shares, count_cols=BAND_COUNTS, threshold=threshold,
                         suppress_zero=True, partition_by=[], display=display)
    if held is not None:
        out[SUPPRESSED_COLUMN] = out[SUPPRESSED_COLUMN] | held.to_numpy(bool)
    return out


def dose_response(rates: pd.DataFrame, per_pupil: pd.DataFrame, *,
                  per: float = 10.0, confidence: float = 0.95) -> TestResult | None:
    """Slope of the behaviour change on % of meetings attended (ordinary least squares).

    Parameters
    ----------
    rates, per_pupil : DataFrame
        As in :func:`attendance_bands`.
    per : float, default 10
        The slope is per ``per`` percentage points of meetings attended.
    confidence : float, default 0.95

    Returns
    -------
    TestResult or None
        ``estimate``: change in negative points per week for ``per`` more
        points of attendance, with its t interval, ``t``, ``df``, ``p`` and
        ``n``; None with fewer than 3 pupils or no spread in attendance.
    """
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    d = rates.merge(per_pupil[["pupil_id", "pct_attended"]], on="pupil_id")
    d = d.dropna(subset=["pct_attended", "change"])
    if len(d) < 3 or d["pct_attended"].nunique() < 2:
        return None
    x = add_constant(d["pct_attended"].to_numpy(float) / per)
    fit = OLS(d["change"].to_numpy(float), x).fit()
    lo, hi = fit.conf_int(alpha=1 - confidence)[1]
    return TestResult(float(fit.params[1]), float(lo), float(hi), len(d),
                      "ordinary least squares slope", float(fit.tvalues[1]), float(fit.df_resid),
                      float(fit.pvalues[1]), "slope", "t", confidence)


def overall(table: pd.DataFrame, *, estimate: str, ci_low: str, ci_high: str, n: str = "n",
            row: str = ALL_SCHOOLS) -> dict[str, float | int] | None:
    """One row's estimate, interval and n as a plain dict (for ``record``); None if absent.

    Parameters
    ----------
    table : DataFrame
        A summary with a ``school`` column.
    estimate, ci_low, ci_high, n : str
        Its columns.
    row : str, default "All schools"
    """
    hit = table[table["school"] == row]
    if hit.empty or pd.isna(hit[estimate].iloc[0]):
        return None
    r = hit.iloc[0]
    return {"estimate": float(r[estimate]), "ci_low": float(r[ci_low]),
            "ci_high": float(r[ci_high]), "n": int(r[n])}


def publish(table: pd.DataFrame, *, count_cols: str | list[str] | dict[str, list[str]],
            threshold: int, columns: dict[str, str] | None = None, display: bool = True,
            complements: list[list[str]] | tuple = ()) -> pd.DataFrame:
    """A per-school table ready to show: small schools' numbers withheld, columns renamed.

    The schools add up to the "All schools" row, so when one school is withheld
    the next smallest is withheld too (its cells show "*"): the total minus the
    published schools then gives only the two together.

    Parameters
    ----------
    table : DataFrame
        A summary with a ``school`` column.
    count_cols : str, list of str or dict
        Its counts of pupils; a row with any of them below ``threshold`` is withheld
        (a dict ``{count: [its values]}`` withholds only a count's own values, as in
        :func:`~slc_research.privacy.suppression.suppress_small`).
    threshold : int
    columns : dict, optional
        Column -> heading, in the order to show (others are dropped).
    display : bool, default True
        False: withheld cells NA and a ``suppressed`` column, for a chart. True: for a
        reader, and with one school its row alone (the "All schools" row would repeat it).
    complements : list of lists of str
        Count columns of one row that add up to a known total (``[["yes_before",
        "no_before"]]``): as :func:`~slc_research.privacy.suppression.suppress_small`.
    """
    out = suppress_small(table, count_cols=count_cols, threshold=threshold, display=display,
                         complements=complements,
                         partition_by=[] if "school" in table.columns else None,
                         total={"school": ALL_SCHOOLS} if "school" in table.columns else None)
    if display and "school" in out.columns and (out["school"] != ALL_SCHOOLS).sum() == 1:
        out = out.loc[out["school"] != ALL_SCHOOLS]  # one school: its row is every school's
    if columns:
        out = out[list(columns)].rename(columns=columns)
    return out.reset_index(drop=True)


def _try(compute):
    try:
        return compute()
    except StatsError:
        return None
