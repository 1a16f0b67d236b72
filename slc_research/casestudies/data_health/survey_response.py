"""Questionnaire response and attrition: who answered each wave, and who dropped out.

Part of the data-health report (re-exported by :mod:`slc_research.casestudies.data_health.analysis`).
Counts here are of people, so the report tables withhold small groups
(:func:`response_table`, :func:`attrition_table`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slc_research.data.frames import member_of

__all__ = ["attrition", "attrition_table", "respondents_of_school", "response_rates",
           "response_table"]

_ROLL = {"pupil": ("pupils", "pupil_id"), "staff": ("staff", "staff_id")}
#: The row of those on roll whose school the roster does not record (beside named schools).
_NOT_NAMED = "School not recorded"


def _respondents(survey: pd.DataFrame, pupils: pd.DataFrame, staff: pd.DataFrame) -> pd.DataFrame:
    """One row per respondent, instrument and wave, with school and year group when on roll."""
    resp = (survey[["respondent_id", "respondent_type", "instrument", "wave"]]
            .astype({"respondent_type": "string"}).drop_duplicates().reset_index(drop=True))
    roll = pd.concat([
        pupils[["pupil_id", "school", "year_group"]].set_axis(
            ["respondent_id", "school", "year_group"], axis=1).assign(respondent_type="pupil"),
        staff[["staff_id", "school"]].set_axis(["respondent_id", "school"], axis=1)
        .assign(year_group=pd.NA, respondent_type="staff"),
    ]).astype({"respondent_type": "string", "year_group": "Int8"})
    roll = roll.drop_duplicates(["respondent_type", "respondent_id"]).assign(on_roll=True)
    out = resp.merge(roll, on=["respondent_type", "respondent_id"], how="left")
    out["on_roll"] = out["on_roll"].fillna(False).astype(bool)
    return out


def response_rates(survey: pd.DataFrame, pupils: pd.DataFrame, staff: pd.DataFrame, *,
                   school: str = "") -> pd.DataFrame:
    """Who answered each questionnaire wave, out of those on roll who could have.

    For pupils the denominator is the pupils on roll in the school's year groups that
    were surveyed (the year groups present among that school's respondents); for staff,
    the school's staff. Anonymous and parent respondents cannot be matched to a roll:
    they are counted (for every school together) but have no rate. People on roll
    whose school the roster does not record (one school's MIS export has no school
    column) count in the "All schools" row, and beside named schools in a row of their own.

    Parameters
    ----------
    survey : DataFrame
        ``enq.survey_responses``.
    pupils, staff : DataFrame
        ``enq.pupils``, ``enq.staff``.
    school : str
        "" for every school (a row per school and an "All schools" row); else that school.

    Returns
    -------
    DataFrame
        ``instrument``, ``wave``, ``respondent_type``, ``school``, ``year_groups``,
        ``respondents`` (on roll), ``on_roll``, ``rate``, ``ci_low``, ``ci_high``
        (Wilson 95% interval) and ``not_on_roll`` (respondents matching no one on roll:
        on the "All schools" row only).
    """
    from slc_research.stats import wilson_ci

    resp = _respondents(survey, pupils, staff)
    rows = []
    for (instrument, wave, kind), g in resp.groupby(["instrument", "wave", "respondent_type"],
                                                     sort=True):
        if kind not in _ROLL:
            if school:  # cannot be placed in a school
                continue
            rows.append({"instrument": instrument, "wave": wave, "respondent_type": kind,
                         "school": "All schools", "year_groups": "", "respondents": len(g),
                         "on_roll": pd.NA, "not_on_roll": 0})
            continue
        roll = pupils if kind == "pupil" else staff
        per_school = []
        listed = g[g["on_roll"].to_numpy(dtype=bool)]
        # a roster with no school column (one school's MIS export): its people are on roll,
        # in a school that is not named
        for sch, gs in listed.groupby("school", sort=True, dropna=False):
            named = not pd.isna(sch)
            on = roll[(roll["school"] == sch).fillna(False).to_numpy(dtype=bool) if named
                      else roll["school"].isna().to_numpy(dtype=bool)]
            groups = ""
            if kind == "pupil":
                years = sorted(int(y) for y in gs["year_group"].dropna().unique())
                # on roll in those year groups, and every respondent (one with no year
                # group is still someone who could answer)
                on = on[on["year_group"].isin(years).fillna(False).to_numpy(dtype=bool)
                        | member_of(on["pupil_id"], gs["respondent_id"])]
                groups = _ranges(years)
            per_school.append({"instrument": instrument, "wave": wave, "respondent_type": kind,
                               "school": sch if named else _NOT_NAMED, "year_groups": groups,
                               "respondents": len(gs), "on_roll": len(on),
                               "not_on_roll": pd.NA})
        if school:
            rows += [r for r in per_school if r["school"] == school]
            continue
        total = {"instrument": instrument, "wave": wave, "respondent_type": kind,
                 "school": "All schools", "year_groups": "",
                 "respondents": sum(r["respondents"] for r in per_school),
                 "on_roll": sum(r["on_roll"] for r in per_school),
                 "not_on_roll": int((~g["on_roll"]).sum())}
        if [r["school"] for r in per_school] == [_NOT_NAMED]:  # no school named at all
            total["year_groups"] = per_school[0]["year_groups"]
            per_school = []
        rows += per_school
        rows.append(total)
    out = pd.DataFrame(rows, columns=["instrument", "wave", "respondent_type", "school",
                                      "year_groups", "respondents", "on_roll", "not_on_roll"])
    est = [wilson_ci(int(k), int(n)) if pd.notna(n) and n > 0 else None
           for k, n in zip(out["respondents"], out["on_roll"], strict=True)]
    for col in ("rate", "ci_low", "ci_high"):
        out[col] = pd.array([getattr(e, {"rate": "estimate"}.get(col, col)) if e else pd.NA
                             for e in est], dtype="Float64")
    out = out.astype({"wave": "Int64", "respondents": "Int64", "on_roll": "Int64",
                      "not_on_roll": "Int64"})
    return out[["instrument", "wave", "respondent_type", "school", "year_groups", "respondents",
                "on_roll", "rate", "ci_low", "ci_high", "not_on_roll"]]


def _ranges(years: list[int]) -> str:
    if not years:
        return ""
    if years == list(range(years[0], years[-1] + 1)):
        return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
    return ", ".join(str(y) for y in years)


def respondents_of_school(survey: pd.DataFrame, pupils: pd.DataFrame, staff: pd.DataFrame,
                          school: str) -> pd.DataFrame:
    """The survey answers of one school's pupils and staff ("" keeps every answer)."""
    if not school:
        return survey
    ids = pd.concat([pupils.loc[pupils["school"] == school, "pupil_id"],
                     staff.loc[staff["school"] == school, "staff_id"]])
    return survey[member_of(survey["respondent_id"], ids)].reset_index(drop=True)


def attrition(survey: pd.DataFrame, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Who answered one wave but not the next, and whether they differed when they answered.

    For each instrument and each pair of consecutive waves: respondents at the
    first wave, how many did not answer the second (with a Wilson 95% interval for
    the share), how many answered only the second; and per scale, Hedges' g of the
    first-wave scores of those who left against those who stayed (negative: leavers
    scored lower). A clear difference is a sign that attrition biases a before/after
    comparison. Anonymous respondents cannot be followed across waves and are left out.

    Parameters
    ----------
    survey : DataFrame
        ``enq.survey_responses`` (optionally one school's, see
        :func:`respondents_of_school`).
    scores : DataFrame, optional
        ``enq.scale_scores()``; without it no scale comparison is made.

    Returns
    -------
    DataFrame
        One row per instrument, wave pair and scale (``scale`` "" for the counts alone
        when the instrument has no scale): ``instrument``, ``from_wave``, ``to_wave``,
        ``answered_first``, ``left``, ``joined``, ``left_pct``, ``left_ci_low``,
        ``left_ci_high``, ``scale``, ``n_left``, ``n_stayed`` (with a first-wave score),
        ``mean_left``, ``mean_stayed`` (mean first-wave score), ``g``, ``g_ci_low``,
        ``g_ci_high``.
    """
    from slc_research.stats import StatsError, hedges_g, wilson_ci

    linked = survey[survey["respondent_type"].astype("string") != "anonymous"]
    waves = linked[["respondent_id", "instrument", "wave"]].drop_duplicates()
    rows = []
    for instrument, g in waves.groupby("instrument", sort=True):
        order = sorted(int(w) for w in g["wave"].dropna().unique())
        for w1, w2 in zip(order, order[1:], strict=False):
            first = set(g.loc[g["wave"] == w1, "respondent_id"])
            second = set(g.loc[g["wave"] == w2, "respondent_id"])
            gone = first - second
            share = wilson_ci(len(gone), len(first))
            base = {"instrument": instrument, "from_wave": w1, "to_wave": w2,
                    "answered_first": len(first), "left": len(gone),
                    "joined": len(second - first), "left_pct": 100 * share.estimate,
                    "left_ci_low": 100 * share.ci_low, "left_ci_high": 100 * share.ci_high}
            sc = (scores[(scores["instrument"] == instrument) & (scores["wave"] == w1)]
                  if scores is not None else pd.DataFrame(columns=["scale"]))
            scales = sorted(sc["scale"].dropna().unique()) if len(sc) else []
            if not scales:
                rows.append({**base, "scale": ""})
            for scale in scales:
                s = sc[(sc["scale"] == scale).to_numpy(dtype=bool, na_value=False)
                       & member_of(sc["respondent_id"], first)]
                s = s.dropna(subset=["score"])
                is_gone = member_of(s["respondent_id"], gone)
                left, stayed = s.loc[is_gone, "score"], s.loc[~is_gone, "score"]
                try:
                    es = hedges_g(left.astype(float), stayed.astype(float))
                    g_, lo, hi = es.estimate, es.ci_low, es.ci_high
                except StatsError:
                    g_ = lo = hi = np.nan
                rows.append({**base, "scale": scale, "n_left": len(left),
                             "n_stayed": len(stayed),
                             "mean_left": left.mean() if len(left) else np.nan,
                             "mean_stayed": stayed.mean() if len(stayed) else np.nan,
                             "g": g_, "g_ci_low": lo, "g_ci_high": hi})
    cols = ["instrument", "from_wave", "to_wave", "answered_first", "left", "joined",
            "left_pct", "left_ci_low", "left_ci_high", "scale", "n_left", "n_stayed",
            "mean_left", "mean_stayed", "g", "g_ci_low", "g_ci_high"]
    out = pd.DataFrame(rows, columns=cols)
    ints = ["from_wave", "to_wave", "answered_first", "left", "joined", "n_left", "n_stayed"]
    return out.astype({c: "Int64" for c in ints} | {c: "Float64" for c in cols[6:9] + cols[12:]})


def response_table(rates: pd.DataFrame, *, threshold: int, display: bool = True) -> pd.DataFrame:
    """Response rates ready to publish: % with 95% CI; small groups withheld.

    Parameters
    ----------
    rates : DataFrame
        From :func:`slc_research.casestudies.data_health.analysis.response_rates`.
    threshold : int
        ``enq.suppression_threshold``: a row with fewer respondents or people on roll
        has its rate withheld (``display=True``: shown as "<5"; False: NA, for charts).
    display : bool
    """
    from slc_research.privacy.suppression import suppress_small

    out = rates.copy()
    if display:
        out[["rate", "ci_low", "ci_high"]] = out[["rate", "ci_low", "ci_high"]] * 100
    # the schools add up to "All schools": one small school withholds the next smallest too
    out = suppress_small(out, count_cols=["respondents", "on_roll"], threshold=threshold,
                         value_cols=["rate", "ci_low", "ci_high"], display=display,
                         partition_by=["instrument", "wave", "respondent_type"],
                         total={"school": "All schools"})
    if not display:
        return out
    return out.drop(columns=["not_on_roll"]).rename(columns={
        "instrument": "Questionnaire", "wave": "Wave", "respondent_type": "Who",
        "school": "School", "year_groups": "Year groups", "respondents": "Answered",
        "on_roll": "On roll", "rate": "Response %", "ci_low": "95% CI low",
        "ci_high": "95% CI high"})


def attrition_table(attrition: pd.DataFrame, *, threshold: int, display: bool = True,
                    part: str = "all") -> pd.DataFrame:
    """Attrition and the leavers-v-stayers comparison ready to publish; small groups withheld.

    Parameters
    ----------
    attrition : DataFrame
        From :func:`slc_research.casestudies.data_health.analysis.attrition`.
    threshold : int
        ``enq.suppression_threshold``.
    display : bool
        True: withheld cells as "<5" and readable column names; False: NA.
    part : {"all", "drop_out", "scores"}
        "drop_out": one row per instrument and pair of waves, the counts and % only;
        "scores": one row per scale, the leavers' and stayers' first-wave scores and
        Hedges' g; "all": every column.

    Raises
    ------
    ConfigError
        For another ``part``.
    """
    from slc_research.errors import ConfigError
    from slc_research.privacy.suppression import suppress_small

    if part not in ("all", "drop_out", "scores"):
        raise ConfigError(f"part must be \"all\", \"drop_out\" or \"scores\"; found {part!r}")
    left_cols = ["left_pct", "left_ci_low", "left_ci_high"]
    g_cols = ["g", "g_ci_low", "g_ci_high"]
    out = suppress_small(attrition, count_cols={
        "answered_first": left_cols, "left": [*left_cols, *g_cols, "mean_left"], "joined": [],
        "n_left": [*g_cols, "mean_left"], "n_stayed": [*g_cols, "mean_stayed"]},
        threshold=threshold, display=display,
        # leavers and stayers add up to the first wave's scores: a few leavers withhold the
        # stayers' mean too, else the first wave's mean would give the leavers' mean away
        complements=[["n_left", "n_stayed"]], partition_by=None)
    keys = ["instrument", "from_wave", "to_wave"]
    if part == "drop_out":
        out = out.drop_duplicates(keys)[[*keys, "answered_first", "left", "joined", *left_cols]]
    elif part == "scores":
        out = out[attrition["scale"].fillna("").ne("").to_numpy()]
        out = out[[*keys, "scale", "n_left", "n_stayed", "mean_left", "mean_stayed", *g_cols]]
    out = out.reset_index(drop=True)
    if not display:
        return out
    return out.rename(columns={
        "instrument": "Questionnaire", "from_wave": "From wave", "to_wave": "To wave",
        "answered_first": "Answered first wave", "left": "Did not answer next",
        "joined": "Answered next only", "left_pct": "% not answering next",
        "left_ci_low": "95% CI low", "left_ci_high": "95% CI high", "scale": "Scale",
        "n_left": "Leavers with a score", "n_stayed": "Stayers with a score",
        "mean_left": "Leavers' mean (first wave)", "mean_stayed": "Stayers' mean (first wave)",
        "g": "Hedges' g (leavers v stayers)", "g_ci_low": "g 95% CI low",
        "g_ci_high": "g 95% CI high"})
