"""Who took part: members compared with the cohort they were recruited from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slc_research.data.frames import member_of
from slc_research.errors import StatsError
from slc_research.stats.descriptives import association_test

__all__ = ["CHARACTERISTICS", "LEVEL_NAMES", "NOT_RECORDED", "Representativeness", "cohort_ids",
           "representativeness"]

#: Readable names of the pupil characteristics.
CHARACTERISTICS = {
    "pupil_premium": "Pupil premium",
    "sen": "Special educational needs",
    "gender": "Gender",
    "prior_attainment": "Prior attainment (KS2)",
    "year_group": "Year group",
    "eal": "English as an additional language",
}
#: Readable names of the levels of a characteristic, in their reading order.
LEVEL_NAMES = {
    "sen": {"none": "No SEN", "support": "SEN support", "ehcp": "EHC plan"},
    "gender": {"F": "Girls", "M": "Boys", "X": "Other / non-binary", "U": "Not known"},
    "prior_attainment": {"low": "Low", "middle": "Middle", "high": "High"},
}
_LEVELS = LEVEL_NAMES
NOT_RECORDED = "Not recorded"


def cohort_ids(pupils: pd.DataFrame, members: Iterable[str]) -> frozenset[str]:
    """Pupils in the same school and year group as at least one member (members included).

    This is "the cohort the community recruits from": the pool the comparison
    pupils are drawn from.
    """
    members = set(members)
    keys = _school_year(pupils)
    member_keys = set(keys[member_of(pupils["pupil_id"], members)])
    in_cohort = member_of(keys, member_keys)
    return frozenset(pupils.loc[in_cohort, "pupil_id"].astype(str)) | (
        members & set(pupils["pupil_id"].astype(str)))


def _school_year(pupils: pd.DataFrame) -> pd.Series:
    school = pupils["school"].astype("string").fillna("?")
    year = pupils["year_group"].astype("string").fillna("?")
    return school + "|" + year


@dataclass(frozen=True)
class Representativeness:
    """Members compared with the rest of the cohort they were recruited from.

    Attributes
    ----------
    table : DataFrame
        One row per characteristic and level: ``characteristic``, ``level``,
        ``n_members``, ``pct_members``, ``n_rest``, ``pct_rest``, ``diff_pp``
        (members minus rest, percentage points), ``members_total``, ``rest_total``.
        Percentages are of each group's total, "Not recorded" included.
    tests : DataFrame
        One row per characteristic: ``characteristic``, ``test`` (chi-square, with
        Yates' correction for a 2 x 2 table as computed and labelled, or Fisher's
        exact when an expected count is below 5), ``statistic``, ``df``,
        ``p_value``, ``n`` (pupils tested: the whole cohort, "Not recorded" included).
    n_members, n_rest : int
        Members found on the roster; other pupils in the cohort.
    n_unmatched : int
        Member ids not on the roster (left out).
    year_groups : tuple of int
        Year groups the members are in.
    schools : tuple of str
        Schools the members are in.
    """

    table: pd.DataFrame
    tests: pd.DataFrame
    n_members: int
    n_rest: int
    n_unmatched: int
    year_groups: tuple[int, ...] = field(default=())
    schools: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """The comparison table."""
        return self.table


def representativeness(pupils: pd.DataFrame, members: Iterable[str], *,
                       by: Iterable[str] = ("pupil_premium", "sen", "gender",
                                            "prior_attainment", "year_group"),
                       seed: int = 2025) -> Representativeness:
    """How the members compare with the other pupils of their cohort.

    The cohort is every pupil in the same school and year group as at least one
    member (see :func:`cohort_ids`), so an SLC recruiting from Years 9 and 10
    is compared with Years 9 and 10 only.

    Parameters
    ----------
    pupils : DataFrame
        The canonical ``pupils`` table.
    members : iterable of str
        Member pupil ids (:func:`community_members`).
    by : iterable of str
        Pupil columns to compare; columns that are absent or never recorded are skipped.
    seed : int
        Seed of the Monte Carlo Fisher test (tables larger than 2 x 2 with small
        expected counts), so a report gives the same p every time.

    Returns
    -------
    Representativeness

    Notes
    -----
    Per characteristic, every pupil of the cohort forms a members x levels
    table, "Not recorded" counting as a level: whether a characteristic was
    recorded can itself differ between volunteers and the rest (it does for prior
    attainment, where pupils who joined the school after Key Stage 2 have none),
    and leaving those pupils out would hide it. If every expected count is at least 5 the test is Pearson's
    chi-square (with Yates' correction for 2 x 2); otherwise Fisher's exact test
    (exact for 2 x 2, Monte Carlo with 9,999 resamples for larger tables). A
    small p says the members differ from the cohort on that characteristic more
    than chance selection would usually produce; a large p does not show they
    are alike.
    """
    member_set = set(members)
    ids = pupils["pupil_id"].astype(str)
    on_roster = member_set & set(ids)
    cohort = cohort_ids(pupils, on_roster)
    in_cohort = pupils[member_of(ids, cohort)]
    is_member = member_of(in_cohort["pupil_id"].astype(str), on_roster)
    n_m, n_r = int(is_member.sum()), int((~is_member).sum())
    rows, tests = [], []
    for col in by:
        if col not in in_cohort.columns or in_cohort[col].isna().all():
            continue
        label = CHARACTERISTICS.get(col, col.replace("_", " ").capitalize())
        levels = _levels(in_cohort[col], col)
        for level in levels.cat.categories:
            in_level = (levels == level).to_numpy()
            a, b = int((in_level & is_member).sum()), int((in_level & ~is_member).sum())
            rows.append({"characteristic": label, "level": level, "n_members": a,
                         "pct_members": 100 * a / n_m if n_m else np.nan, "n_rest": b,
                         "pct_rest": 100 * b / n_r if n_r else np.nan})
        tests.append({"characteristic": label, **_association(levels, is_member, seed)})
    table = pd.DataFrame(rows, columns=["characteristic", "level", "n_members", "pct_members",
                                        "n_rest", "pct_rest"])
    table["diff_pp"] = table["pct_members"] - table["pct_rest"]
    table["members_total"], table["rest_total"] = n_m, n_r
    years = in_cohort.loc[is_member, "year_group"].dropna().astype(int)
    schools = in_cohort.loc[is_member, "school"].dropna().astype(str)
    return Representativeness(
        table, pd.DataFrame(tests, columns=["characteristic", "test", "statistic", "df",
                                            "p_value", "n"]),
        n_m, n_r, len(member_set - on_roster), tuple(sorted(set(years))),
        tuple(sorted(set(schools))))


def _levels(values: pd.Series, col: str) -> pd.Series:
    """Readable level labels in a stable order (category order, else sorted)."""
    if pd.api.types.is_bool_dtype(values):
        out = values.map({True: "Yes", False: "No"})
        order = ["Yes", "No"]
    elif col == "year_group":
        out = "Year " + values.astype("Int64").astype("string")
        order = [f"Year {y}" for y in sorted(values.dropna().astype(int).unique())]
    else:
        raw = values.astype("string")
        names = _LEVELS.get(col, {})
        out = raw.map(lambda v: names.get(v, v) if isinstance(v, str) else v)
        order = list(names.values()) + sorted(set(out.dropna()) - set(names.values()))
    out = out.astype(object).where(out.notna(), NOT_RECORDED)
    present = [o for o in order if (out == o).any()] + (
        [NOT_RECORDED] if (out == NOT_RECORDED).any() else [])
    return pd.Series(pd.Categorical(out, categories=present), index=values.index)


def _association(levels: pd.Series, is_member: np.ndarray, seed: int) -> dict:
    """The test on every pupil of the cohort, "Not recorded" a level like the others."""
    empty = {"test": "not possible", "statistic": np.nan, "df": np.nan, "p_value": np.nan,
             "n": len(levels)}
    try:
        res = association_test(is_member, levels.astype(str).to_numpy(), seed=seed)
    except StatsError:
        return empty
    # Fisher's exact test has no test statistic to report: its p is the answer ("–", not 0.00)
    statistic = np.nan if "fisher" in res.method.lower() else res.statistic
    return {**empty, "test": res.method.replace(" test", ""), "statistic": statistic,
            "df": np.nan if res.df is None else int(res.df), "p_value": res.p_value}
