"""Student-led conferences: the reflection culture of a class over the year.

Pure functions on the canonical tables (see :mod:`slc_research.data.schemas`)
for the notebook ``notebooks/student_led_conferences.ipynb``: weekly written
reflections against a target, their depth scored with an editable rubric
(:mod:`slc_research.qual.depth`), depth by class and key stage, and feedback
after the conference evenings. Every table function takes ``threshold`` and
withholds groups of fewer pupils (``display=True`` for a reader, ``False`` for a chart).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from slc_research import stats
from slc_research.casestudies.slc_impact.impact import resolve_communities
from slc_research.errors import ConfigError
from slc_research.measures.attendance import HALF_TERMS, school_period
from slc_research.privacy.suppression import suppress_small
from slc_research.qual.depth import Rubric, score_depth

__all__ = [
    "AUTHOR_LABELS",
    "KEY_STAGES",
    "class_label",
    "depth_by_group",
    "reflection_groups",
    "depth_change",
    "depth_means",
    "depth_shares",
    "feedback_counts",
    "feedback_quotes",
    "key_stage",
    "pupil_weeks",
    "reflections",
    "resolve_classes",
    "rubric_file",
    "target_summary",
    "weekly_rates",
]

#: Year group -> key stage (England).
KEY_STAGES = {1: "KS1", 2: "KS1", 3: "KS2", 4: "KS2", 5: "KS2", 6: "KS2", 7: "KS3", 8: "KS3",
              9: "KS3", 10: "KS4", 11: "KS4", 12: "KS5", 13: "KS5"}
#: How feedback is attributed in a report: never more than this.
AUTHOR_LABELS = {"parent": "A parent", "pupil": "A pupil", "staff": "A member of staff",
                 "anonymous": "Someone"}
_HALF_TERM_ORDER = [name for name, _ in HALF_TERMS]
_SUFFIX = " student-led conferences"


def rubric_file(rubric: Path | None, workspace: Path) -> Path | None:
    """The rubric file of the ``rubric`` parameter, or None for the default rubric.

    Parameters
    ----------
    rubric : Path or None
        As :data:`~slc_research.casestudies.conferences.STUDY` checks it (None for ``""``).
    workspace : Path
        The enquiry folder: a relative path starts from it.

    Raises
    ------
    ConfigError
        When there is no file at that path (``key="rubric"``).
    """
    if rubric is None:
        return None
    path = Path(rubric).expanduser()
    path = (path if path.is_absolute() else Path(workspace) / path).resolve()
    if not path.is_file():
        raise ConfigError(f"no rubric file at {str(path)!r}; copy the default "
                          "(slc_research/templates/reflection_rubric.toml) into the enquiry "
                          "folder and give its name, or use \"\" for the default",
                          key="rubric")
    return path


def resolve_classes(communities: pd.DataFrame, community: str = "") -> list[str]:
    """The conference classes covered: the one named, or every ``slc_conference`` community."""
    return resolve_communities(communities, community, kind="slc_conference")


def class_label(community: str) -> str:
    """A short label for charts: the name without a trailing "student-led conferences"."""
    name = str(community)
    return name[: -len(_SUFFIX)] if name.lower().endswith(_SUFFIX) and len(name) > len(
        _SUFFIX) else name


def key_stage(year_group: pd.Series) -> pd.Series:
    """The key stage of each year group (KS1 Y1-2, KS2 Y3-6, KS3 Y7-9, KS4 Y10-11, KS5 Y12-13)."""
    years = pd.to_numeric(year_group, errors="coerce")
    return years.map(lambda y: KEY_STAGES.get(int(y), "Not known") if pd.notna(y)
                     else "Not known").astype("string")


# --- reflections and the weekly target -------------------------------------------------------

def reflections(texts: pd.DataFrame, classes: list[str], rubric: Rubric) -> pd.DataFrame:
    """The classes' written reflections, dated, placed in a school week and half term, and scored.

    Returns
    -------
    DataFrame
        ``text_id``, ``author_id``, ``community``, ``date``, ``week`` (its
        Monday), ``half_term`` (ordered categorical), ``month``, ``depth``,
        ``level_name``, ``matched`` (the deciding rubric phrase). Texts without
        a date are left out.
    """
    r = texts[(texts["source"].astype("string") == "reflection")
              & texts["community"].isin(classes)]
    r = r[r["date"].notna()]
    out = r[["text_id", "author_id", "community", "date"]].reset_index(drop=True)
    dates = pd.DatetimeIndex(out["date"])
    out["week"] = (dates.normalize() - pd.to_timedelta(dates.day_of_week, unit="D")).astype(
        "datetime64[ms]")
    out["half_term"] = pd.Categorical(school_period(dates, by="half_term").to_numpy(),
                                      categories=_HALF_TERM_ORDER, ordered=True)
    out["month"] = dates.to_period("M").to_timestamp().astype("datetime64[ms]")
    scored = score_depth(r.reset_index(drop=True), rubric)
    return pd.concat([out, scored.drop(columns="text_id")], axis=1)


def pupil_weeks(refl: pd.DataFrame, memberships: pd.DataFrame, classes: list[str], *,
                target_per_week: float = 1.0) -> pd.DataFrame:
    """Reflections written by each pupil in each of their class's weeks.

    A class's weeks are the school weeks in which anyone in it wrote a
    reflection (holidays drop out). A pupil counts in a week when they were on
    the class list then (joined on or before its Sunday and had not left
    before its Monday); pupils who wrote but are not on the list count from
    the first week.

    Returns
    -------
    DataFrame
        ``community``, ``week``, ``member_id``, ``n_reflections``, ``met``
        (n_reflections >= target_per_week).
    """
    m = memberships[memberships["community"].isin(classes)
                    & (memberships["member_type"].astype("string").fillna("pupil") == "pupil")]
    m = m[["member_id", "community", "joined", "left"]].drop_duplicates(["member_id", "community"])
    authors = refl[["author_id", "community"]].drop_duplicates().rename(
        columns={"author_id": "member_id"})
    extra = authors.merge(m[["member_id", "community"]], how="left", indicator=True)
    extra = extra[extra["_merge"] == "left_only"].drop(columns="_merge")
    roster = pd.concat([m, extra.assign(joined=pd.NaT, left=pd.NaT)], ignore_index=True)
    weeks = refl[["community", "week"]].drop_duplicates()
    grid = weeks.merge(roster, on="community")
    on_list = ((grid["joined"].isna() | (grid["joined"] <= grid["week"] + pd.Timedelta(days=6)))
               & (grid["left"].isna() | (grid["left"] >= grid["week"])))
    grid = grid.loc[on_list.to_numpy(bool), ["community", "week", "member_id"]]
    counts = refl.groupby(["community", "week", "author_id"]).size().rename("n_reflections")
    counts = counts.reset_index().rename(columns={"author_id": "member_id"})
    out = grid.merge(counts, on=["community", "week", "member_id"], how="left")
    out["n_reflections"] = out["n_reflections"].fillna(0).astype("int64")
    out["met"] = out["n_reflections"] >= target_per_week
    return out.sort_values(["community", "week", "member_id"]).reset_index(drop=True)


def weekly_rates(weeks: pd.DataFrame, *, threshold: int) -> pd.DataFrame:
    """Per class and week: pupils, reflections per pupil and share meeting the target.

    Weeks with fewer than ``threshold`` pupils are withheld (NA, ``suppressed``).
    """
    g = weeks.groupby(["community", "week"], sort=True)
    out = g.agg(n_pupils=("member_id", "nunique"), n_reflections=("n_reflections", "sum"),
                n_met=("met", "sum")).reset_index()
    out["rate"] = out["n_reflections"] / out["n_pupils"]
    out["share_met"] = out["n_met"] / out["n_pupils"]
    out["class"] = out["community"].map(class_label)
    # class-weeks count the same pupils week after week: not parts of one total
    return suppress_small(out, count_cols="n_pupils", threshold=threshold,
                          value_cols=["n_reflections", "n_met", "rate", "share_met"],
                          partition_by=None)


def target_summary(weeks: pd.DataFrame, *, threshold: int, display: bool = True
                   ) -> tuple[pd.DataFrame, stats.Proportion | None]:
    """Share of pupil-weeks meeting the target, per class and for all classes together.

    Returns
    -------
    table : DataFrame
        ``Class``, ``Pupils``, ``Weeks``, ``Pupil-weeks``, ``Met target``, ``%``,
        ``95% CI low``, ``95% CI high`` (percentages); small classes withheld, and with
        one of them the next smallest class ("All classes" would give it away).
    overall : Proportion or None
        All classes together (None when there are no pupil-weeks).

    Notes
    -----
    Wilson intervals treat pupil-weeks as independent; the same pupil's weeks
    are alike, so the true uncertainty is somewhat wider.
    """
    rows, overall = [], None
    groups = [(class_label(c), d) for c, d in weeks.groupby("community", sort=True)]
    if len(groups) > 1:
        groups.append(("All classes", weeks))
    for name, d in groups:
        p = stats.wilson_ci(int(d["met"].sum()), len(d)) if len(d) else None
        rows.append({"Class": name, "Pupils": d["member_id"].nunique(),
                     "Weeks": d["week"].nunique(), "Pupil-weeks": len(d),
                     "Met target": int(d["met"].sum()),
                     "%": 100 * p.estimate if p else np.nan,
                     "95% CI low": 100 * p.ci_low if p else np.nan,
                     "95% CI high": 100 * p.ci_high if p else np.nan})
    if len(weeks):
        overall = stats.wilson_ci(int(weeks["met"].sum()), len(weeks))
    table = pd.DataFrame(rows, columns=["Class", "Pupils", "Weeks", "Pupil-weeks", "Met target",
                                        "%", "95% CI low", "95% CI high"])
    # the classes add up to "All classes": one small class withholds the next smallest too
    table = suppress_small(table, count_cols="Pupils", threshold=threshold, display=display,
                           value_cols=["Pupil-weeks", "Met target", "%", "95% CI low",
                                       "95% CI high"], partition_by=[],
                           total={"Class": "All classes"})
    return table, overall


# --- depth ------------------------------------------------------------------------------------

def depth_shares(refl: pd.DataFrame, rubric: Rubric, *, by: str = "half_term",
                 threshold: int, display: bool = False) -> pd.DataFrame:
    """Share of reflections at each rubric level per period, with Wilson 95% CIs.

    Returns
    -------
    DataFrame
        ``period``, ``level``, ``level_name``, ``n`` (reflections at the
        level), ``n_total`` (reflections in the period), ``n_pupils``,
        ``share``, ``ci_low``, ``ci_high`` (0-1); periods with fewer than
        ``threshold`` pupils withheld. With ``display=True``: ``Half term``,
        ``Depth``, ``Reflections``, ``Of``, ``%``, ``95% CI low``, ``95% CI high``.
    """
    rows = []
    for period, d in refl.groupby(by, observed=True, sort=True):
        for lv in rubric.levels:
            k = int((d["depth"] == lv.level).sum())
            p = stats.wilson_ci(k, len(d))
            rows.append({"period": str(period), "level": lv.level, "level_name": lv.name,
                         "n": k, "n_total": len(d), "n_pupils": d["author_id"].nunique(),
                         "share": p.estimate, "ci_low": p.ci_low, "ci_high": p.ci_high})
    out = pd.DataFrame(rows, columns=["period", "level", "level_name", "n", "n_total",
                                      "n_pupils", "share", "ci_low", "ci_high"])
    if display:
        out = pd.DataFrame({"Half term": out["period"], "Depth": out["level_name"],
                            "Reflections": out["n"], "Of": out["n_total"],
                            "n_pupils": out["n_pupils"], "%": 100 * out["share"],
                            "95% CI low": 100 * out["ci_low"], "95% CI high": 100 * out["ci_high"]})
        shown = suppress_small(out, count_cols="n_pupils", threshold=threshold, display=True,
                               value_cols=["Reflections", "Of", "%", "95% CI low",
                                           "95% CI high"], partition_by=None)
        return shown.drop(columns="n_pupils")
    return suppress_small(out, count_cols="n_pupils", threshold=threshold,
                          value_cols=["n", "n_total", "share", "ci_low", "ci_high"], partition_by=None)


def depth_means(refl: pd.DataFrame, *, by: str = "half_term", threshold: int,
                display: bool = False) -> pd.DataFrame:
    """Mean reflection depth per period, with its 95% t interval.

    One row per period: ``period``, ``n`` (reflections), ``n_pupils``, ``mean``, ``ci_low``,
    ``ci_high``. Periods with fewer than ``threshold`` pupils are withheld (``"<5"`` with
    ``display=True``).
    """
    rows = []
    for period, d in refl.groupby(by, observed=True, sort=True):
        m = stats.mean_ci(d["depth"].astype(float))
        rows.append({"period": str(period), "n": m.n, "n_pupils": d["author_id"].nunique(),
                     "mean": m.estimate, "ci_low": m.ci_low, "ci_high": m.ci_high})
    out = pd.DataFrame(rows, columns=["period", "n", "n_pupils", "mean", "ci_low", "ci_high"])
    return suppress_small(out, count_cols="n_pupils", threshold=threshold, display=display,
                          value_cols=["n", "mean", "ci_low", "ci_high"], partition_by=None)


def depth_change(refl: pd.DataFrame, *, level: int = 2, by: str = "half_term"
                 ) -> stats.TestResult | None:
    """Change in the share of reflections at ``level`` or deeper, first to last period.

    ``estimate`` = share in the last period with reflections minus share in the
    first (:func:`slc_research.stats.proportion_difference`, Newcombe's
    interval); ``extra`` holds the counts. None with fewer than two periods.
    """
    periods = [p for p, d in refl.groupby(by, observed=True, sort=True) if len(d)]
    if len(periods) < 2:
        return None
    first, last = refl[refl[by] == periods[0]], refl[refl[by] == periods[-1]]
    return stats.proportion_difference(int((last["depth"] >= level).sum()), len(last),
                                       int((first["depth"] >= level).sum()), len(first))


def depth_by_group(refl: pd.DataFrame, pupils: pd.DataFrame, *, by: str = "class",
                   level: int = 2, threshold: int, display: bool = True) -> pd.DataFrame:
    """Depth of reflections by class or by key stage (``by="phase"``).

    Returns
    -------
    DataFrame
        ``group``, ``pupils``, ``reflections``, ``mean_depth`` with its 95% CI,
        ``pct_deep`` (% at ``level`` or deeper) with its Wilson 95% CI; groups
        with fewer than ``threshold`` pupils withheld.
    """
    if by not in ("class", "phase"):
        raise ConfigError(f"by must be \"class\" or \"phase\", not {by!r}")
    r = reflection_groups(refl, pupils, by)
    rows = []
    for group, d in r.groupby("group", sort=True):
        m = stats.mean_ci(d["depth"].astype(float))
        p = stats.wilson_ci(int((d["depth"] >= level).sum()), len(d))
        rows.append({"group": group, "pupils": d["author_id"].nunique(), "reflections": len(d),
                     "mean_depth": m.estimate, "mean_ci_low": m.ci_low,
                     "mean_ci_high": m.ci_high, "pct_deep": 100 * p.estimate,
                     "pct_ci_low": 100 * p.ci_low, "pct_ci_high": 100 * p.ci_high})
    out = pd.DataFrame(rows, columns=["group", "pupils", "reflections", "mean_depth",
                                      "mean_ci_low", "mean_ci_high", "pct_deep", "pct_ci_low",
                                      "pct_ci_high"])
    return suppress_small(out, count_cols="pupils", threshold=threshold, display=display,
                          value_cols=[c for c in out.columns if c not in ("group", "pupils")],
                          partition_by=[])  # the groups add up to the pupils who wrote


def reflection_groups(refl: pd.DataFrame, pupils: pd.DataFrame, by: str) -> pd.DataFrame:
    """``refl`` with a ``group`` column: the class label, or the key stage (``by="phase"``)."""
    r = refl.copy()
    if by == "class":
        r["group"] = r["community"].map(class_label)
    else:
        years = pupils.set_index("pupil_id")["year_group"]
        r["group"] = key_stage(r["author_id"].map(years)).to_numpy()
    return r


# --- feedback after the conferences ----------------------------------------------------------

def _feedback(texts: pd.DataFrame, classes: list[str]) -> pd.DataFrame:
    f = texts[(texts["source"].astype("string") == "feedback") & texts["community"].isin(classes)]
    return f.assign(who=f["author_type"].astype("string").fillna("anonymous"))


def feedback_counts(texts: pd.DataFrame, classes: list[str], *, threshold: int,
                    display: bool = True) -> pd.DataFrame:
    """Feedback responses after the conferences, counted by who wrote them.

    Columns ``Who``, ``Responses`` and ``%`` of all responses. Groups with fewer than
    ``threshold`` responses are withheld, and so is the next smallest group when the
    percentages would give a withheld one away.
    """
    f = _feedback(texts, classes)
    counts = f.groupby("who").size()
    plural = {"parent": "Parents", "pupil": "Pupils", "staff": "Staff"}
    out = pd.DataFrame({"Who": [plural.get(w, "Not known") for w in counts.index],
                        "Responses": counts.to_numpy(dtype="int64")})
    out["%"] = 100 * out["Responses"] / max(1, int(out["Responses"].sum()))
    # the percentages give the total away: one small group withholds the next smallest too
    return suppress_small(out, count_cols="Responses", threshold=threshold, display=display,
                          partition_by=[])


def feedback_quotes(texts: pd.DataFrame, classes: list[str], *, per_group: int = 3,
                    threshold: int, seed: int = 2025) -> pd.DataFrame:
    """A few quotable feedback comments per group, attributed only as "A parent" etc.

    Only texts marked quotable, without a redacted name, from groups of at
    least ``threshold`` responses; distinct comments, drawn reproducibly.

    Returns
    -------
    DataFrame
        ``Who`` and ``Comment``.
    """
    f = _feedback(texts, classes)
    rows = []
    rng = np.random.default_rng(seed)
    for who, d in f.groupby("who", sort=True):
        if len(d) < threshold:
            continue
        ok = d[d["quotable"].fillna(False).astype(bool)
               & ~d["text"].astype("string").fillna("").str.contains("[name]", regex=False)]
        unique = ok["text"].dropna().astype(str).drop_duplicates().tolist()
        pick = rng.permutation(len(unique))[:per_group]
        rows += [{"Who": AUTHOR_LABELS.get(who, "Someone"), "Comment": unique[i]}
                 for i in sorted(pick)]
    return pd.DataFrame(rows, columns=["Who", "Comment"])
