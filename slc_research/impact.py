"""The SLC impact case study: who took part, how often, and what changed.

Pure functions on the canonical tables (see :mod:`slc_research.data.schemas`);
each returns a DataFrame or a small result object and prints nothing. The
outcome analyses (questionnaire scales, attendance, behaviour) live in
:mod:`slc_research.outcomes` and are re-exported here; the limitations text in
:mod:`slc_research.design`. The notebook ``notebooks/slc_impact.ipynb`` calls these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from slc_research.data.spec import Scale
from slc_research.design import design_facts, limitations
from slc_research.errors import ConfigError
from slc_research.outcomes import (
    ChangeResult,
    attendance_change,
    behaviour_change,
    effects_table,
    scale_change,
)
from slc_research.participation import Participation, participation

__all__ = [
    "COMPARISONS",
    "ChangeResult",
    "ImpactParameters",
    "Participation",
    "Representativeness",
    "attendance_change",
    "behaviour_change",
    "cohort_ids",
    "community_members",
    "design_facts",
    "effects_table",
    "limitations",
    "participation",
    "representativeness",
    "resolve_communities",
    "resolve_scales",
    "scale_change",
    "validate_parameters",
]

#: Allowed values of the ``comparison`` parameter.
COMPARISONS = ("non_members", "none")

#: Readable names of the pupil characteristics.
CHARACTERISTICS = {
    "pupil_premium": "Pupil premium",
    "sen": "Special educational needs",
    "gender": "Gender",
    "prior_attainment": "Prior attainment (KS2)",
    "year_group": "Year group",
    "eal": "English as an additional language",
}
_LEVELS = {
    "sen": {"none": "No SEN", "support": "SEN support", "ehcp": "EHC plan"},
    "gender": {"F": "Girls", "M": "Boys", "X": "Other / non-binary", "U": "Not known"},
    "prior_attainment": {"low": "Low", "middle": "Middle", "high": "High"},
}
NOT_RECORDED = "Not recorded"


# --- parameters ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImpactParameters:
    """The checked parameters of the SLC impact notebook.

    Attributes
    ----------
    workspace : Path
        The enquiry workspace (absolute).
    community : str
        One community's name, or ``""`` for every SLC in the workspace.
    scales : tuple of str
        Scale names, or empty for every scale of the pupil questionnaire.
    waves : tuple of int
        (before, after) questionnaire waves.
    comparison : str
        ``"non_members"`` or ``"none"``.
    """

    workspace: Path
    community: str = ""
    scales: tuple[str, ...] = ()
    waves: tuple[int, int] = (1, 2)
    comparison: str = "non_members"


def validate_parameters(*, workspace: str | PathLike, community: str = "",
                        scales: Iterable[str] = (), waves: Iterable[int] = (1, 2),
                        comparison: str = "non_members") -> ImpactParameters:
    """Check the notebook's parameters before anything is read; fail loudly.

    Parameters
    ----------
    workspace : str or path
        Folder holding ``enquiry.toml``.
    community : str
        ``""`` (every SLC) or one community's name.
    scales : list of str
        ``[]`` (every pupil questionnaire scale) or scale names.
    waves : list of int
        Exactly two different wave numbers, before then after, e.g. ``[1, 2]``.
    comparison : {"non_members", "none"}

    Returns
    -------
    ImpactParameters

    Raises
    ------
    ConfigError
        Naming the parameter, what was found and what is expected.
    """
    if not isinstance(workspace, str | PathLike) or not str(workspace).strip():
        raise ConfigError(f"expected the path of an enquiry folder, e.g. \"../data/demo\"; "
                          f"found {workspace!r}", key="workspace")
    root = Path(workspace).expanduser().resolve()
    if not root.is_dir():
        raise ConfigError(f"the folder {str(root)!r} does not exist; check the path "
                          "(relative paths start from the notebook's folder)", key="workspace")
    if not (root / "enquiry.toml").is_file():
        raise ConfigError(f"{str(root)!r} has no enquiry.toml; point it at an enquiry folder "
                          "(create one with `slc-research init`)", key="workspace")
    if community is None:
        community = ""
    if not isinstance(community, str):
        raise ConfigError(f"expected a community name in quotes, or \"\" for every SLC; "
                          f"found {community!r}", key="community")
    if isinstance(scales, str) or not isinstance(scales, Iterable):
        raise ConfigError(f"expected a list of scale names, e.g. [\"engagement\"], or [] for "
                          f"all; found {scales!r}", key="scales")
    scales = tuple(scales)
    bad = [s for s in scales if not isinstance(s, str) or not s.strip()]
    if bad:
        raise ConfigError(f"scale names must be text; found {bad!r}", key="scales")
    if isinstance(waves, str) or not isinstance(waves, Iterable):
        raise ConfigError(f"expected two wave numbers, e.g. [1, 2]; found {waves!r}", key="waves")
    waves = tuple(waves)
    if (len(waves) != 2 or any(isinstance(w, bool) or not isinstance(w, int | np.integer)
                               for w in waves) or waves[0] >= waves[1]):
        raise ConfigError(f"expected two whole wave numbers, before then after, e.g. [1, 2]; "
                          f"found {list(waves)!r}", key="waves")
    if comparison not in COMPARISONS:
        raise ConfigError(f"expected \"non_members\" (compare with other pupils in the same "
                          f"year groups) or \"none\"; found {comparison!r}", key="comparison")
    return ImpactParameters(root, community.strip(), tuple(s.strip() for s in scales),
                            (int(waves[0]), int(waves[1])), comparison)


def resolve_communities(communities: pd.DataFrame, community: str = "", *,
                        kind: str = "slc") -> list[str]:
    """The communities the report covers: the one named, or every one of ``kind``.

    Parameters
    ----------
    communities : DataFrame
        The canonical ``communities`` table (community, kind, school, theme).
    community : str
        A name, or ``""`` for all communities of ``kind``.
    kind : str, default "slc"

    Raises
    ------
    ConfigError
        The name is unknown (the message lists the known ones), or there is none of ``kind``.
    """
    names = communities["community"].dropna().astype(str)
    of_kind = sorted(names[communities["kind"].astype("string") == kind])
    if community:
        if community not in set(names):
            known = ", ".join(repr(n) for n in sorted(names)) or "none"
            raise ConfigError(f"no community called {community!r} in this enquiry; "
                              f"known communities: {known}", key="community")
        return [community]
    if not of_kind:
        raise ConfigError(f"this enquiry has no community of kind {kind!r}; add a memberships "
                          f"source with community_kind = \"{kind}\"", key="community")
    return of_kind


def resolve_scales(scales: dict[str, Scale], requested: Iterable[str] = (), *,
                   scores: pd.DataFrame | None = None) -> list[Scale]:
    """The scales the report covers: those requested, or every pupil questionnaire scale.

    Parameters
    ----------
    scales : dict
        Name -> :class:`~slc_research.data.spec.Scale` (``Enquiry.scales``).
    requested : list of str
        Names; empty for all scales with pupil scores in ``scores``.
    scores : DataFrame, optional
        Scale scores (respondent_type, scale, ...); used to pick the pupil scales.

    Raises
    ------
    ConfigError
        A requested scale is not in the manifest (the message lists those that are).
    """
    requested = list(requested)
    unknown = [s for s in requested if s not in scales]
    if unknown:
        known = ", ".join(repr(s) for s in sorted(scales)) or "none"
        raise ConfigError(f"no scale called {', '.join(map(repr, unknown))} in enquiry.toml; "
                          f"scales: {known}", key="scales")
    if requested:
        return [scales[s] for s in requested]
    names = sorted(scales)
    if scores is not None and not scores.empty:
        pupil = scores
        if "respondent_type" in scores.columns:
            pupil = scores[scores["respondent_type"].astype("string").fillna("pupil") == "pupil"]
        present = set(pupil["scale"].dropna().astype(str))
        names = [n for n in names if n in present]
    return [scales[n] for n in names]


# --- who is in the community -----------------------------------------------------------------

def community_members(memberships: pd.DataFrame, community: str | Iterable[str] | None = None,
                      kind: str = "slc", *, member_type: str | None = None) -> frozenset[str]:
    """Ids of the members of one community, several, or every community of a kind.

    Parameters
    ----------
    memberships : DataFrame
        The canonical ``memberships`` table.
    community : str, list of str or None
        Community name(s); None or ``""`` for every community of ``kind``
        (``kind`` is then used; with names it is ignored).
    kind : str, default "slc"
    member_type : {"pupil", "staff"}, optional
        Keep only these members; default pupils, or staff for ``kind="tlc"``.
        Rows whose member type is not recorded are kept.

    Returns
    -------
    frozenset of str
        Everyone who was ever a member (including those who left): the
        comparison is by intention, not by how long they stayed.
    """
    m = memberships
    if community is None or community == "":
        keep = m["community_kind"].astype("string") == kind
    else:
        names = [community] if isinstance(community, str) else list(community)
        keep = m["community"].isin(names)
    member_type = member_type or ("staff" if kind == "tlc" else "pupil")
    types = m["member_type"].astype("string")
    keep = keep.fillna(False) & (types.isna() | (types == member_type))
    return frozenset(m.loc[keep.astype(bool), "member_id"].dropna().astype(str))


def cohort_ids(pupils: pd.DataFrame, members: Iterable[str]) -> frozenset[str]:
    """Pupils in the same school and year group as at least one member (members included).

    This is "the cohort the community recruits from": the pool the comparison
    pupils are drawn from.
    """
    members = set(members)
    keys = _school_year(pupils)
    member_keys = set(keys[pupils["pupil_id"].isin(members)])
    in_cohort = keys.isin(member_keys)
    return frozenset(pupils.loc[in_cohort, "pupil_id"].astype(str)) | (
        members & set(pupils["pupil_id"].astype(str)))


def _school_year(pupils: pd.DataFrame) -> pd.Series:
    school = pupils["school"].astype("string").fillna("?")
    year = pupils["year_group"].astype("string").fillna("?")
    return school + "|" + year


# --- representativeness ----------------------------------------------------------------------

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
        One row per characteristic: ``characteristic``, ``test`` (chi-square, or
        Fisher's exact when an expected count is below 5), ``statistic``, ``df``,
        ``p_value``, ``n`` (pupils with the characteristic recorded).
    n_members, n_rest : int
        Members found on the roster; other pupils in the cohort.
    n_unmatched : int
        Member ids not on the roster (left out).
    year_groups : tuple of int
        Year groups the members are in.
    """

    table: pd.DataFrame
    tests: pd.DataFrame
    n_members: int
    n_rest: int
    n_unmatched: int
    year_groups: tuple[int, ...] = field(default=())

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
    Per characteristic, the pupils with it recorded form a members x levels
    table. If every expected count is at least 5 the test is Pearson's
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
    in_cohort = pupils[ids.isin(cohort)]
    is_member = in_cohort["pupil_id"].astype(str).isin(on_roster).to_numpy()
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
    return Representativeness(
        table, pd.DataFrame(tests, columns=["characteristic", "test", "statistic", "df",
                                            "p_value", "n"]),
        n_m, n_r, len(member_set - on_roster), tuple(sorted(set(years))))


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
    known = (levels != NOT_RECORDED).to_numpy()
    table = pd.crosstab(is_member[known], levels[known].astype(str).to_numpy())
    empty = {"test": "not possible", "statistic": np.nan, "df": np.nan, "p_value": np.nan,
             "n": int(known.sum())}
    if table.shape[0] < 2 or table.shape[1] < 2:
        return empty
    observed = table.to_numpy()
    chi = stats.chi2_contingency(observed)
    if (chi.expected_freq >= 5).all():
        return {**empty, "test": "chi-square", "statistic": float(chi.statistic),
                "df": int(chi.dof), "p_value": float(chi.pvalue)}
    if observed.shape == (2, 2):
        res = stats.fisher_exact(observed)
        return {**empty, "test": "Fisher's exact", "statistic": float(res.statistic),
                "p_value": float(res.pvalue)}
    res = stats.fisher_exact(observed, method=stats.MonteCarloMethod(
        n_resamples=9999, rng=np.random.default_rng(seed)))
    return {**empty, "test": "Fisher's exact (Monte Carlo)", "statistic": float(res.statistic),
            "p_value": float(res.pvalue)}
