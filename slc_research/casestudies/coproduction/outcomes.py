"""What changed for the co-production pupils: behaviour, yes/no questions, a scale.

Pure functions on the canonical tables. Each summary has one row per school
and a last row ``"All schools"`` (every pupil of the pilot); the pooling across
schools by meta-analysis lives in :mod:`slc_research.casestudies.coproduction.pilot`.
There is no comparison group: these are before/after changes of pupils chosen
because they were struggling, so some improvement is expected anyway
(regression to the mean).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from slc_research.data.frames import member_of
from slc_research.stats import StatsError, hedges_g, mcnemar, paired_t, wilson_ci

__all__ = ["ALL_SCHOOLS", "BEHAVIOUR_COLUMNS", "PAIRED_COUNTS", "SCALE_COLUMNS", "YES_NO_COLUMNS",
           "behaviour_rates", "behaviour_summary", "or_none", "scale_change_summary",
           "school_days", "yes_no_change"]

#: Label of the row holding every pupil of the pilot.
ALL_SCHOOLS = "All schools"
#: School days per week, to turn a rate per school day into one per school week.
DAYS_PER_WEEK = 5

BEHAVIOUR_COLUMNS = ["school", "n", "n_improved", "n_not_improved", "pct_improved",
                     "improved_ci_low", "improved_ci_high",
                     "rate_before", "rate_after", "change", "change_ci_low", "change_ci_high",
                     "p", "g_av", "g_ci_low", "g_ci_high", "relative_change", "rel_ci_low",
                     "rel_ci_high"]
YES_NO_COLUMNS = ["school", "n_before", "yes_before", "no_before", "pct_before",
                  "before_ci_low", "before_ci_high", "n_after", "yes_after", "no_after",
                  "pct_after", "after_ci_low", "after_ci_high", "n_both", "change_pp",
                  "change_ci_low", "change_ci_high", "p", "test", "yes_yes", "yes_no", "no_yes",
                  "no_no"]
#: The paired counts of a yes/no table (for pooling; never shown).
PAIRED_COUNTS = ["yes_yes", "yes_no", "no_yes", "no_no"]
SCALE_COLUMNS = ["scale", "n", "mean_before", "mean_after", "change", "change_ci_low",
                 "change_ci_high", "p", "g_av", "g_ci_low", "g_ci_high"]


def school_days(attendance: pd.DataFrame, behaviour: pd.DataFrame | None = None
                ) -> pd.DatetimeIndex:
    """The school days of the year: dates with an attendance mark.

    Parameters
    ----------
    attendance : DataFrame
        The canonical ``attendance`` table (``date``).
    behaviour : DataFrame, optional
        Used when there is no attendance: its weekdays from the first to the last entry.

    Returns
    -------
    DatetimeIndex
        Sorted, unique days (empty when neither table has dates).
    """
    if len(attendance) and attendance["date"].notna().any():
        days = pd.DatetimeIndex(attendance["date"].dropna().unique())
        return days.sort_values()
    if behaviour is not None and behaviour["date"].notna().any():
        d = behaviour["date"].dropna()
        return pd.bdate_range(d.min(), d.max())
    return pd.DatetimeIndex([])


def behaviour_rates(behaviour: pd.DataFrame, pupils: pd.DataFrame, days: pd.DatetimeIndex, *,
                    kind: str = "negative") -> pd.DataFrame:
    """Each pupil's behaviour points per school week before and after their project started.

    Parameters
    ----------
    behaviour : DataFrame
        The canonical ``behaviour`` table (pupil_id, date, type, points).
    pupils : DataFrame
        :func:`~slc_research.casestudies.coproduction.pilot.pilot_pupils`: ``pupil_id``, ``school``, ``start``.
    days : DatetimeIndex
        The school days (:func:`school_days`).
    kind : {"negative", "positive"}

    Returns
    -------
    DataFrame
        Per pupil: ``pupil_id``, ``school``, ``points_before``, ``days_before``,
        ``points_after``, ``days_after``, ``rate_before``, ``rate_after``
        (points per school week of 5 days), ``change`` (after - before) and
        ``improved`` (rate fell). Pupils without school days on both sides of
        their start are left out. Holds ids: for analysis, not for publishing.

    Notes
    -----
    "Before" is from the first school day to the day before the pupil's start
    (the group's first meeting); "after" from the start to the last school
    day. An entry without points counts 1; points count by size.
    """
    cols = ["pupil_id", "school", "points_before", "days_before", "points_after",
            "days_after", "rate_before", "rate_after", "change", "improved"]
    p = pupils.dropna(subset=["start"])
    if p.empty or len(days) == 0:
        return pd.DataFrame(columns=cols)
    first, last = days.min(), days.max()
    start = pd.DatetimeIndex(p["start"])
    days_before = np.searchsorted(days.values.astype("datetime64[ns]"),
                                  start.values.astype("datetime64[ns]"), side="left")
    days_after = len(days) - days_before
    b = behaviour[(behaviour["type"].astype("string") == kind).fillna(False).to_numpy(bool)]
    b = b[member_of(b["pupil_id"], p["pupil_id"]) & b["date"].between(first, last).to_numpy()]
    b = b.merge(p[["pupil_id", "start"]], on="pupil_id", how="inner")
    pts = b["points"].astype("Float64").abs().fillna(1).astype(float)
    after = (b["date"] >= b["start"]).to_numpy()
    by = b["pupil_id"].astype(str)
    out = pd.DataFrame({"pupil_id": p["pupil_id"].astype(str).to_numpy(),
                        "school": p["school"].astype(str).to_numpy(),
                        "days_before": days_before, "days_after": days_after})
    out["points_before"] = out["pupil_id"].map(pts[~after].groupby(by[~after]).sum()).fillna(0.0)
    out["points_after"] = out["pupil_id"].map(pts[after].groupby(by[after]).sum()).fillna(0.0)
    out = out[(out["days_before"] > 0) & (out["days_after"] > 0)].copy()
    out["rate_before"] = DAYS_PER_WEEK * out["points_before"] / out["days_before"]
    out["rate_after"] = DAYS_PER_WEEK * out["points_after"] / out["days_after"]
    out["change"] = out["rate_after"] - out["rate_before"]
    out["improved"] = out["rate_after"] < out["rate_before"]
    return out[cols].reset_index(drop=True)


def behaviour_summary(rates: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Per school and for all schools: who improved, the paired change and the relative change.

    Parameters
    ----------
    rates : DataFrame
        :func:`behaviour_rates`.
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        :data:`BEHAVIOUR_COLUMNS`: ``n`` pupils, ``n_improved`` and
        ``n_not_improved`` (counts, for suppression); ``pct_improved`` (% whose rate
        fell) with its Wilson interval; mean rates before and after and the mean
        ``change`` with its paired t interval and ``p``; the paired Hedges'
        ``g_av`` (after vs before) with its interval; ``relative_change`` of the
        pooled rate (all points after per school day / all points before per
        school day - 1) with its interval. NaN where a figure cannot be computed.

    Notes
    -----
    The relative change is exp(b) - 1 from a Poisson regression of each
    pupil's points before and after on "after", with the log of the school
    days as offset and standard errors robust to the pupil's two periods being
    related (clustered by pupil; statsmodels GLM). Its point estimate is exactly
    the ratio of the pooled rates minus 1.
    """
    rows = [_behaviour_row(str(s), g, confidence) for s, g in rates.groupby("school", sort=True)]
    if len(rates):
        rows.append(_behaviour_row(ALL_SCHOOLS, rates, confidence))
    return pd.DataFrame(rows, columns=BEHAVIOUR_COLUMNS)


def yes_no_change(responses: pd.DataFrame, pupils: pd.DataFrame, *, item: str,
                  instrument: str = "coproduction_check", waves: tuple[int, int] = (1, 2),
                  confidence: float = 0.95) -> pd.DataFrame:
    """Share answering Yes before and after, and McNemar's test of the change.

    Parameters
    ----------
    responses : DataFrame
        The canonical ``survey_responses`` table (``value`` 1 = Yes, 0 = No; where
        ``value`` is missing, an ``answer`` of "Yes" or "No" is used).
    pupils : DataFrame
        ``pupil_id`` and ``school`` of the pilot's pupils.
    item : str
        E.g. ``"trouble"`` ("I often get into trouble at school").
    instrument : str, default "coproduction_check"
    waves : (int, int)
        Before and after.
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        :data:`YES_NO_COLUMNS`, one row per school and ``"All schools"``:
        pupils answering at each wave and how many said yes and no, % Yes with
        Wilson intervals; ``n_both`` answered both, and among them the change in
        % Yes (percentage points) with Newcombe's paired interval and McNemar's
        ``p`` (its mid-p version, Fagerland et al. 2013), and the paired counts
        (:data:`PAIRED_COUNTS`: yes/yes, yes/no, no/yes, no/no, before/after)
        for pooling. Empty when the item was not asked.
    """
    r = responses[(responses["instrument"].astype("string") == instrument).fillna(False)
                  & (responses["item"].astype("string") == item).fillna(False)]
    r = r[member_of(r["respondent_id"], pupils["pupil_id"]) & r["wave"].isin(list(waves))]
    answer = r["answer"].astype("string").str.strip().str.lower() if "answer" in r.columns \
        else pd.Series(pd.NA, index=r.index, dtype="string")
    from_answer = answer.map({"yes": 1.0, "no": 0.0}).astype("Float64")
    value = r["value"].astype("Float64").fillna(from_answer)
    r = r.assign(yes=value).dropna(subset=["yes"])
    r = r[r["yes"].isin([0.0, 1.0])]
    if r.empty:
        return pd.DataFrame(columns=YES_NO_COLUMNS)
    wide = (r.drop_duplicates(subset=["respondent_id", "wave"], keep="last")
            .pivot(index="respondent_id", columns="wave", values="yes")
            .reindex(columns=list(waves)).astype(float))
    school = pupils.drop_duplicates("pupil_id").set_index("pupil_id")["school"].astype(str)
    wide["school"] = wide.index.map(school)
    rows = [_yes_no_row(str(s), g, waves, confidence) for s, g in wide.groupby("school")]
    rows.append(_yes_no_row(ALL_SCHOOLS, wide, waves, confidence))
    return pd.DataFrame(rows, columns=YES_NO_COLUMNS)


def scale_change_summary(scores: pd.DataFrame, pupil_ids: Iterable[str], *, scale: str,
                         waves: tuple[int, int] = (1, 2), label: str | None = None,
                         confidence: float = 0.95) -> pd.DataFrame:
    """The pilot pupils' change on a questionnaire scale (paired t and g_av).

    Parameters
    ----------
    scores : DataFrame
        ``Enquiry.scale_scores()``: respondent_id, wave, scale, score.
    pupil_ids : iterable of str
    scale : str
    waves : (int, int)
    label : str, optional
        Readable name for the ``scale`` column (default ``scale``).
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        One row of :data:`SCALE_COLUMNS` (empty when no pupil answered both
        waves): ``n`` pupils with both scores, mean scores, the mean change
        with its paired t interval and ``p``, and Hedges' g_av with its interval.
    """
    s = scores[(scores["scale"].astype("string") == scale).fillna(False)
               & member_of(scores["respondent_id"], set(pupil_ids))].dropna(subset=["score"])
    wide = (s.assign(score=s["score"].astype(float))
            .pivot_table(index="respondent_id", columns="wave", values="score",
                         aggfunc="mean", observed=True))
    if any(w not in wide.columns for w in waves):
        return pd.DataFrame(columns=SCALE_COLUMNS)
    pair = wide[list(waves)].dropna()
    if len(pair) < 2:
        return pd.DataFrame(columns=SCALE_COLUMNS)
    before, after = pair[waves[0]].to_numpy(), pair[waves[1]].to_numpy()
    t = or_none(lambda: paired_t(before, after, confidence=confidence))
    g = or_none(lambda: hedges_g(after, before, paired=True, paired_method="d_av",
                              confidence=confidence))
    return pd.DataFrame([{
        "scale": label or scale, "n": len(pair), "mean_before": before.mean(),
        "mean_after": after.mean(), "change": (after - before).mean(),
        "change_ci_low": t.ci_low if t else np.nan, "change_ci_high": t.ci_high if t else np.nan,
        "p": t.p_value if t else np.nan, "g_av": g.estimate if g else np.nan,
        "g_ci_low": g.ci_low if g else np.nan, "g_ci_high": g.ci_high if g else np.nan,
    }], columns=SCALE_COLUMNS)


# --- internals -------------------------------------------------------------------------------

def or_none(compute):
    """``compute()``, or None when the data cannot give the estimate (a ``StatsError``)."""
    try:
        return compute()
    except StatsError:
        return None


def _behaviour_row(school: str, g: pd.DataFrame, confidence: float) -> dict:
    n = len(g)
    row = dict.fromkeys(BEHAVIOUR_COLUMNS, np.nan) | {"school": school, "n": n}
    if n == 0:
        return row
    before, after = g["rate_before"].to_numpy(float), g["rate_after"].to_numpy(float)
    imp = wilson_ci(int(g["improved"].sum()), n, confidence=confidence)
    row.update(n_improved=int(g["improved"].sum()), n_not_improved=n - int(g["improved"].sum()),
               pct_improved=100 * imp.estimate, improved_ci_low=100 * imp.ci_low,
               improved_ci_high=100 * imp.ci_high, rate_before=before.mean(),
               rate_after=after.mean(), change=(after - before).mean())
    t = or_none(lambda: paired_t(before, after, confidence=confidence))
    if t is not None:
        row.update(change_ci_low=t.ci_low, change_ci_high=t.ci_high, p=t.p_value)
    e = or_none(lambda: hedges_g(after, before, paired=True, paired_method="d_av",
                              confidence=confidence))
    if e is not None:
        row.update(g_av=e.estimate, g_ci_low=e.ci_low, g_ci_high=e.ci_high)
    row.update(zip(("relative_change", "rel_ci_low", "rel_ci_high"),
                   _relative_change(g, confidence), strict=True))
    return row


def _relative_change(g: pd.DataFrame, confidence: float) -> tuple[float, float, float]:
    """Pooled rate after / before - 1 with a pupil-clustered Poisson interval."""
    from scipy import stats
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.tools import add_constant

    a, b = float(g["points_after"].sum()), float(g["points_before"].sum())
    if a <= 0 or b <= 0 or len(g) < 2:
        return math.nan, math.nan, math.nan
    n = len(g)
    y = np.concatenate([g["points_before"].to_numpy(float), g["points_after"].to_numpy(float)])
    exposure = np.concatenate([g["days_before"].to_numpy(float),
                               g["days_after"].to_numpy(float)])
    x = add_constant(np.repeat([0.0, 1.0], n))
    groups = np.tile(np.arange(n), 2)
    fit = GLM(y, x, family=families.Poisson(), offset=np.log(exposure)).fit(
        cov_type="cluster", cov_kwds={"groups": groups})
    beta, se = float(fit.params[1]), float(fit.bse[1])
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    if not math.isfinite(se):
        return math.expm1(beta), math.nan, math.nan
    return math.expm1(beta), math.expm1(beta - z * se), math.expm1(beta + z * se)


def _yes_no_row(school: str, wide: pd.DataFrame, waves: tuple[int, int],
                confidence: float) -> dict:
    row = dict.fromkeys(YES_NO_COLUMNS, np.nan) | {"school": school, "test": ""}
    for w, tag in zip(waves, ("before", "after"), strict=True):
        answered = wide[w].dropna()
        row[f"n_{tag}"] = len(answered)
        row[f"yes_{tag}"] = int(answered.sum())
        row[f"no_{tag}"] = len(answered) - int(answered.sum())
        if len(answered):
            p = wilson_ci(int(answered.sum()), len(answered), confidence=confidence)
            row.update({f"pct_{tag}": 100 * p.estimate, f"{tag}_ci_low": 100 * p.ci_low,
                        f"{tag}_ci_high": 100 * p.ci_high})
    both = wide[list(waves)].dropna()
    row["n_both"] = len(both)
    x, y = both[waves[0]].to_numpy(), both[waves[1]].to_numpy()
    row.update(yes_yes=int(((x == 1) & (y == 1)).sum()), yes_no=int(((x == 1) & (y == 0)).sum()),
               no_yes=int(((x == 0) & (y == 1)).sum()), no_no=int(((x == 0) & (y == 0)).sum()))
    m = or_none(lambda: mcnemar(x, y, confidence=confidence, test="mid-p")) if len(both) else None
    if m is not None:
        row.update(change_pp=100 * m.estimate, change_ci_low=100 * m.ci_low,
                   change_ci_high=100 * m.ci_high, p=m.p_value, test=m.method)
    return row
