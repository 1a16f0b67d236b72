"""Pupils from several schools: compare each member with pupils of their own school.

When an SLC report pools pupils of several schools, every comparison of members with other
pupils is made within schools (school fixed effects; cluster-robust errors by school only from
:data:`~slc_research.stats.models.FEW_CLUSTERS` schools, since with fewer they are unreliable),
and the smallest detectable effect allows for the schools with an assumed intraclass
correlation (:data:`ASSUMED_ICC`). One school: nothing changes and nothing is said.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slc_research.stats import EffectSize, PrePostEffect, StatsError
from slc_research.stats.models import FEW_CLUSTERS
from slc_research.stats.school_models import difference_in_change, ppc_within_schools

__all__ = ["ASSUMED_ICC", "ICC_SOURCE", "n_schools", "school_of", "school_options",
           "schools_note", "within_gap", "within_schools"]

#: The share of pupils' variance between schools assumed for the MDES when pupils come from
#: several schools. Hedges & Hedberg (2007) found about 0.2 for attainment between schools in
#: US national samples, lower in schools serving similar intakes; questionnaire and attendance
#: outcomes usually vary less between schools. 0.15 sits between the two.
ASSUMED_ICC = 0.15

#: How the report cites :data:`ASSUMED_ICC`.
ICC_SOURCE = ("Hedges, L. V., & Hedberg, E. C. (2007). Intraclass correlation values for "
              "planning group-randomized trials in education. Educational Evaluation and "
              "Policy Analysis, 29(1), 60-87.")


def school_of(pupils: pd.DataFrame) -> pd.Series:
    """Each pupil's school, indexed by pupil id, from the canonical ``pupils`` table."""
    if "school" not in pupils.columns:
        return pd.Series(dtype="string")
    known = pupils.dropna(subset=["pupil_id"]).drop_duplicates("pupil_id")
    return pd.Series(known["school"].astype("string").to_numpy(),
                     index=pd.Index(known["pupil_id"].astype(str), name="pupil_id"))


def within_schools(pupils: pd.DataFrame, member_label: str, notes: list[str]
                   ) -> tuple[PrePostEffect, EffectSize, int, str] | None:
    """The headline and the difference in change compared within schools, or None.

    Parameters
    ----------
    pupils : DataFrame
        ``pupil_id``, ``group``, ``pre``, ``post``, ``school`` (:class:`ChangeResult`).
    member_label : str
        The members' group label.
    notes : list of str
        What could not be computed is added.

    Returns
    -------
    (PrePostEffect, EffectSize, int, str) or None
        d_ppc2 within schools, the difference in change within schools (outcome units),
        the number of schools and a plain note; None when the pupils analysed come
        from fewer than 2 schools, or the within-school model cannot be fitted.
    """
    d = pupils.dropna(subset=["pre", "post", "school"])
    d = d.assign(member=(d["group"] == member_label).to_numpy())
    k = int(d["school"].nunique())
    if k < 2:
        return None
    try:
        ppc = ppc_within_schools(d, before="pre", after="post", group="member",
                                 school="school")
        model = difference_in_change(d, before="pre", after="post", group="member",
                                     **school_options(d))
    except StatsError as exc:
        notes.append(f"members vs other pupils within schools not computed: {exc}.")
        return None
    difference = EffectSize(model.estimate, model.ci_low, model.ci_high, model.n,
                            model.extra["n_treated"], model.extra["n_comparison"],
                            model.method, "t", model.confidence, "difference", False,
                            model.extra["n_dropped"])
    return ppc, difference, k, schools_note(k)


def schools_note(n_schools: int) -> str:
    """Why pupils were compared within their own school, in plain words ("" for one school)."""
    if n_schools < 2:
        return ""
    few = (f"With only {n_schools} schools, standard errors that allow for pupils of one "
           f"school being alike (cluster-robust errors) would be unreliable: they need at "
           f"least about 20-50 schools (Cameron & Miller, 2015). So each member is compared "
           f"with other pupils of their own school instead (school fixed effects), and "
           f"differences between the schools cannot pass for an effect of the community."
           if n_schools < FEW_CLUSTERS else
           f"Each member is compared with other pupils of their own school (school fixed "
           f"effects), with standard errors that allow for pupils of one school being alike "
           f"({n_schools} schools).")
    return f"The pupils come from {n_schools} schools. " + few


def n_schools(analysed: pd.DataFrame) -> int:
    """How many schools the pupils analysed come from (1 when their schools are not known)."""
    if "school" not in analysed.columns:
        return 1
    return max(int(analysed["school"].nunique()), 1)


def school_options(analysed: pd.DataFrame) -> dict[str, str | None]:
    """How a model allows for schools: fixed effects from 2 schools, cluster-robust from 20.

    Keyword arguments for :func:`~slc_research.stats.ancova` and
    :func:`~slc_research.stats.school_models.difference_in_change`.
    """
    k = n_schools(analysed)
    return {"fixed_effects": "school" if k >= 2 else None,
            "cluster": "school" if k >= FEW_CLUSTERS else None}


def within_gap(analysed: pd.DataFrame) -> float:
    """Members' lead at the start over other pupils of the same schools (outcome units).

    The coefficient of membership in an OLS of the before-score on membership and one
    indicator per school; with one school, the plain difference of the two means.
    """
    member = analysed["member"].to_numpy(float)
    columns = [np.ones(len(analysed)), member]
    if n_schools(analysed) >= 2:
        codes = pd.Categorical(analysed["school"].astype(str)).codes
        columns += [(codes == j).astype(float) for j in range(1, codes.max() + 1)]
    coef, *_ = np.linalg.lstsq(np.column_stack(columns), analysed["pre"].to_numpy(float),
                               rcond=None)
    return float(coef[1])
