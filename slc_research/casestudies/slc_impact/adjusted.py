"""Second looks at an impact result: adjusted comparisons, dose-response, subgroups, MDES.

Each function takes the :class:`~slc_research.casestudies.slc_impact.outcomes.ChangeResult` of an
outcome (which keeps every analysed pupil's before and after value) and asks a
further question of the same pupils:

- :func:`adjusted_comparison`: members against comparison pupils with two
  models side by side, ANCOVA (the after-score adjusted for the before-score)
  and difference in differences (cluster-robust by pupil), and
  :func:`models_paragraphs`: why they differ when the groups start apart
  (Lord's paradox);
- :func:`dose_response`: did members who came to more meetings change more?
- :func:`subgroup_results`: the comparison among disadvantaged pupils only
  (or any subgroup);
- :func:`mdes_table`: the smallest effect each comparison could have detected.

Tables are reader-ready after suppression (``threshold``); ids never leave
this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slc_research.casestudies.slc_impact.outcomes import ChangeResult, restrict_change
from slc_research.casestudies.slc_impact.schools import (
    ASSUMED_ICC,
    n_schools,
    school_options,
    schools_note,
    within_gap,
)
from slc_research.measures.participation import Participation
from slc_research.privacy.suppression import derived_from, suppress_small
from slc_research.stats import StatsError, ancova, diff_in_diff, mdes
from slc_research.stats.descriptives import mean_ci
from slc_research.stats.results import ResultMixin
from slc_research.stats.school_models import difference_in_change

__all__ = ["ATTENDANCE_BANDS", "DoseResponse", "ModelFit", "adjusted_comparison",
           "ancova_effects", "dose_response", "fit_models", "mdes_table", "models_paragraphs",
           "subgroup_results"]

#: Why the two models differ for volunteers, in plain words (Lord, 1967; Wright, 2006).
LORDS_PARADOX = (
    "When members start ahead of (or behind) other pupils, the two models answer different "
    "questions and can disagree: ANCOVA minus difference in differences is about the gap "
    "at the start times (1 - the slope of the after-score on the before-score). Difference "
    "in differences assumes both groups would have changed by the same amount without the "
    "community (parallel trends); ANCOVA assumes pupils who started at the same score would "
    "have ended at the same score, so that both groups drift back toward a common mean. "
    "For groups that were not formed at random neither assumption can be checked, so "
    "neither model is \"the truth\" (Lord's paradox). Difference in differences is the "
    "same comparison as the headline effect size, in the outcome's own units: it does not "
    "check the headline, it restates it.")

#: Bands of % of meetings attended for the dose-response table: (label, low, high).
ATTENDANCE_BANDS = (("Under 50%", 0.0, 50.0), ("50-74%", 50.0, 75.0), ("75% or more", 75.0, 100.01))


def _compared(results: Iterable[ChangeResult]) -> Iterator[
        tuple[ChangeResult, pd.DataFrame, int, int]]:
    """Each outcome analysed against other pupils: (result, its pupils, members, others)."""
    for r in results:
        d = _analysed(r)
        if d.empty or r.comparison != "non_members":
            continue
        yield r, d, int(d["member"].sum()), int((~d["member"]).sum())


def _analysed(result: ChangeResult) -> pd.DataFrame:
    p = result.pupils
    if p.empty:
        return p
    return p.dropna(subset=["pre", "post"]).assign(
        member=lambda d: d["group"] == result.group_labels[0])


@dataclass(frozen=True)
class ModelFit:
    """Both models of one outcome, fitted once for every table and paragraph that uses them.

    Attributes
    ----------
    result : ChangeResult
    data : DataFrame
        The analysed pupils (with ``member``); with several schools, those with a school.
    n_members, n_comparison : int
        Analysed members and comparison pupils (before pupils with no school are left out).
    fixed_effects : bool
        Whether both models compare pupils within their own school.
    ancova, did : result or StatsError
        Each model's result, or why it could not be computed.
    """

    result: ChangeResult
    data: pd.DataFrame
    n_members: int
    n_comparison: int
    fixed_effects: bool
    ancova: object
    did: object


def fit_models(results: Iterable[ChangeResult]) -> tuple[ModelFit, ...]:
    """ANCOVA and difference in differences for each outcome with a comparison group.

    Outcomes with no analysed pupils, or no comparison with other pupils, are left out.
    """
    fits = []
    for r, d, n_m, n_c in _compared(results):
        schools = school_options(d)
        if schools["fixed_effects"]:
            d = d.dropna(subset=["school"])
        try:
            a = ancova(d, outcome="post", baseline="pre", group="member", **schools)
        except StatsError as exc:
            a = exc
        try:
            if schools["fixed_effects"]:
                did = difference_in_change(d, before="pre", after="post", group="member",
                                           **schools)
            else:
                long = pd.concat([d.assign(after=False, value=d["pre"]),
                                  d.assign(after=True, value=d["post"])], ignore_index=True)
                did = diff_in_diff(long, outcome="value", group="member", period="after",
                                   unit="pupil_id")
        except StatsError as exc:
            did = exc
        fits.append(ModelFit(r, d, n_m, n_c, bool(schools["fixed_effects"]), a, did))
    return tuple(fits)


def adjusted_comparison(results: Iterable[ChangeResult], *, threshold: int,
                        display: bool = True,
                        fits: Sequence[ModelFit] | None = None) -> pd.DataFrame:
    """ANCOVA and difference in differences for each outcome, members vs comparison pupils.

    Parameters
    ----------
    results : iterable of ChangeResult
        Outcomes analysed with a comparison group (``comparison="non_members"``).
    threshold : int
        Smallest group that may be published: rows whose members or comparison
        pupils are fewer are withheld.
    display : bool, default True
        Readable column names and ``"<5"`` for withheld cells; False keeps the
        numbers (withheld as NA) for charts and records.
    fits : sequence of ModelFit, optional
        The models already fitted by :func:`fit_models` for ``results``.

    Returns
    -------
    DataFrame
        One row per outcome and model: ``outcome``, ``model`` ("ANCOVA" or
        "Difference in differences"), ``estimate`` (members minus comparison
        pupils, in the outcome's units), ``ci_low``, ``ci_high``, ``p_value``,
        ``g`` with ``g_ci_low``/``g_ci_high`` (ANCOVA only: the adjusted
        difference over the pooled SD of the after-scores), ``n_members``,
        ``n_comparison``, ``note``.

    When the pupils come from 2 or more schools both models compare pupils
    within their own school (school fixed effects), with cluster-robust
    errors by school from :data:`~slc_research.stats.models.FEW_CLUSTERS`
    schools; ``note`` says so in plain words.

    Notes
    -----
    ANCOVA compares pupils who started at the same level; difference in
    differences compares the changes and removes any fixed difference between
    the groups. With the pooled within-group slope b of the after-score on the
    before-score and the gap at the start Δpre, ANCOVA - DiD = (1 - b) Δpre
    exactly (Lord's paradox; Wright, 2006): for volunteers who start ahead
    they differ, and neither removes differences in how the groups would have
    changed anyway.

    References
    ----------
    Lord, F. M. (1967). A paradox in the interpretation of group comparisons.
    *Psychological Bulletin*, 68(5), 304-305.

    Wright, D. B. (2006). Comparing groups in a before-after design: when
    t test and ANCOVA produce different results. *British Journal of
    Educational Psychology*, 76(3), 663-675.
    """
    rows = []
    for fit in fit_models(results) if fits is None else fits:
        r, a, did = fit.result, fit.ancova, fit.did
        base = {"outcome": r.label, "unit": r.unit}
        counts = {"n_members": fit.n_members, "n_comparison": fit.n_comparison}
        if isinstance(a, StatsError):
            rows.append({**base, "model": "ANCOVA", **counts, "note": f"not computed: {a}"})
        else:
            rows.append({**base, "model": "ANCOVA", "estimate": a.estimate, "ci_low": a.ci_low,
                         "ci_high": a.ci_high, "p_value": a.p_value, "g": a.effect_size,
                         "g_ci_low": a.effect_size_ci_low, "g_ci_high": a.effect_size_ci_high,
                         **counts, "note": a.clustering_note})
        if isinstance(did, StatsError):
            rows.append({**base, "model": "Difference in differences", **counts,
                         "note": f"not computed: {did}"})
        else:
            rows.append({**base, "model": "Difference in differences", "estimate": did.estimate,
                         "ci_low": did.ci_low, "ci_high": did.ci_high, "p_value": did.p_value,
                         **counts, "note": getattr(did, "clustering_note", "")})
    cols = ["outcome", "unit", "model", "estimate", "ci_low", "ci_high", "p_value", "g",
            "g_ci_low", "g_ci_high", "n_members", "n_comparison", "note"]
    table = pd.DataFrame(rows, columns=cols)
    for c in cols[3:10]:
        table[c] = table[c].astype(float)
    numbers = ["estimate", "ci_low", "ci_high", "p_value", "g", "g_ci_low", "g_ci_high"]
    out = suppress_small(table, count_cols={"n_members": numbers, "n_comparison": numbers},
                         threshold=threshold, display=display, partition_by=None)
    if not display:
        return out
    return out.rename(columns={
        "outcome": "Outcome", "unit": "Units", "model": "Model",
        "estimate": "Members minus others", "ci_low": "95% CI low", "ci_high": "95% CI high",
        "p_value": "p", "g": "Effect size (g)", "g_ci_low": "g: 95% CI low",
        "g_ci_high": "g: 95% CI high", "n_members": "Members: n",
        "n_comparison": "Other pupils: n", "note": "Note"})


@dataclass(frozen=True)
class DoseResponse(ResultMixin):
    """Dose response: members' change against the share of meetings they attended.

    Did members who came to more meetings change more?

    Attributes
    ----------
    estimate, ci_low, ci_high : float
        Extra change (in the outcome's units) per 10 percentage points more of
        meetings attended, with its confidence interval (OLS slope of each
        member's change on their % attended, HC3 robust standard error).
    p_value : float
    n : int
        Members analysed (measured before and after, with meetings held).
    method : str
    outcome, unit : str
    bands : DataFrame
        ``band``, ``n``, ``mean_change``, ``ci_low``, ``ci_high``: members'
        mean change per band of attendance (:data:`ATTENDANCE_BANDS`).
    """

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    method: str
    outcome: str
    unit: str
    bands: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    def __str__(self) -> str:
        return (f"{self.outcome}: {self.estimate:+.2f} {self.unit} per 10 points more "
                f"attendance, 95% CI [{self.ci_low:.2f}, {self.ci_high:.2f}], n = {self.n}")


def dose_response(result: ChangeResult, participation: Participation, *,
                  confidence: float = 0.95) -> DoseResponse | None:
    """Members' change against the share of meetings they came to.

    Parameters
    ----------
    result : ChangeResult
        An outcome's before and after (members' rows are used).
    participation : Participation
        From :func:`~slc_research.measures.participation.participation` (``per_member``
        holds each member's ``pct_attended``).
    confidence : float, default 0.95

    Returns
    -------
    DoseResponse or None
        None when fewer than 5 members have both a change and an attendance
        record, or attendance does not vary.

    Notes
    -----
    A slope above zero fits "more meetings, more change", but members who come
    more often may differ in other ways (motivation): it is an association,
    not proof that the meetings caused the change.
    """
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    d = _analysed(result)
    if d.empty:
        return None
    att = (participation.per_member.dropna(subset=["pct_attended"])
           .groupby("member_id")["pct_attended"].mean())
    m = d[d["member"]].assign(change=lambda x: x["post"] - x["pre"])
    m = m.assign(pct=m["pupil_id"].map(att)).dropna(subset=["pct", "change"])
    if len(m) < 5 or m["pct"].nunique() < 2:
        return None
    x = add_constant(m["pct"].to_numpy(float) / 10)
    fit = OLS(m["change"].to_numpy(float), x).fit(cov_type="HC3")
    lo, hi = fit.conf_int(alpha=1 - confidence)[1]
    rows = []
    for label, low, high in ATTENDANCE_BANDS:
        c = m.loc[(m["pct"] >= low) & (m["pct"] < high), "change"].to_numpy(float)
        row = {"band": label, "n": len(c), "mean_change": np.nan, "ci_low": np.nan,
               "ci_high": np.nan}
        if len(c) >= 2 and np.ptp(c) > 0:
            ci = mean_ci(c, confidence=confidence)
            row.update(mean_change=ci.estimate, ci_low=ci.ci_low, ci_high=ci.ci_high)
        elif len(c):
            row["mean_change"] = float(c.mean())
        rows.append(row)
    return DoseResponse(float(fit.params[1]), float(lo), float(hi), float(fit.pvalues[1]),
                        len(m), "OLS slope of change on % of meetings attended (per 10 points), "
                        "HC3 robust SE", result.label, result.unit,
                        pd.DataFrame(rows, columns=["band", "n", "mean_change", "ci_low",
                                                    "ci_high"]))


def subgroup_results(results: Iterable[ChangeResult], pupils: pd.DataFrame, *,
                     column: str = "pupil_premium", value: object = True,
                     label: str = "pupil premium") -> list[ChangeResult]:
    """Each outcome's comparison among one subgroup of pupils (default: disadvantaged).

    Parameters
    ----------
    results : iterable of ChangeResult
    pupils : DataFrame
        The canonical ``pupils`` table.
    column : str, default "pupil_premium"
        The pupils' characteristic defining the subgroup.
    value : default True
        Its value for the subgroup.
    label : str
        Added to each outcome's label: "Engagement (pupil premium)".
    """
    ids = pupils.loc[pupils[column].astype(object) == value, "pupil_id"].astype(str)
    return [restrict_change(r, ids, label=f"{r.label} ({label})") for r in results]


def mdes_table(results: Sequence[ChangeResult], *, threshold: int, power: float = 0.8,
               display: bool = True) -> pd.DataFrame:
    """The smallest effect each comparison could reliably have detected.

    Parameters
    ----------
    results : sequence of ChangeResult
    threshold : int
        Rows with a group smaller than this are withheld.
    power : float, default 0.8
    display : bool, default True

    Returns
    -------
    DataFrame
        ``outcome``, ``n_members``, ``n_comparison``, ``mdes`` (comparing
        changes, as the headline effect does), ``mdes_adjusted`` (with ANCOVA,
        using the observed before-after correlation), ``observed_g`` (the
        headline effect, d_ppc2: the same raw-score metric as the MDES),
        ``schools`` and ``icc`` (the intraclass correlation assumed; both
        left out when every outcome's pupils come from one school). No months' progress: these outcomes are not attainment.

    Notes
    -----
    When the pupils analysed come from 2 or more schools, members are compared
    with other pupils of their own schools, so the MDES is PowerUp!'s for a
    comparison within schools (``mdes(..., icc=ASSUMED_ICC, n_clusters=schools,
    within_schools=True)``; Dong & Maynard, 2013) with the ICC of
    :data:`~slc_research.casestudies.slc_impact.schools.ASSUMED_ICC` (Hedges &
    Hedberg, 2007).
    """
    rows = []
    for r, d, n_m, n_c in _compared(results):
        k = n_schools(d)
        row = {"outcome": r.label, "n_members": n_m, "n_comparison": n_c, "mdes": np.nan,
               "mdes_adjusted": np.nan, "observed_g": r.effect.estimate if r.effect else np.nan,
               "schools": k, "icc": ASSUMED_ICC if k >= 2 else np.nan}
        clustered = ({"icc": ASSUMED_ICC, "n_clusters": k, "within_schools": True}
                     if k >= 2 and n_m + n_c > k + 1 else {})
        if n_m >= 2 and n_c >= 2:
            plain = mdes(n_m, n_c, power=power, **clustered)
            row["mdes"] = plain.estimate
            rho = float(np.corrcoef(d["pre"], d["post"])[0, 1]) if d["pre"].std() > 0 else 0.0
            if np.isfinite(rho) and abs(rho) < 1:
                row["mdes_adjusted"] = mdes(n_m, n_c, power=power, pretest_correlation=rho,
                                            **clustered).estimate
        rows.append(row)
    table = pd.DataFrame(rows, columns=["outcome", "n_members", "n_comparison", "mdes",
                                        "mdes_adjusted", "observed_g", "schools", "icc"])
    if (table["schools"] < 2).all():  # one school: nothing to say about schools
        table = table.drop(columns=["schools", "icc"])
    out = suppress_small(table, count_cols=["n_members", "n_comparison"], threshold=threshold,
                         display=display, partition_by=None)
    if not display:
        return out
    return out.rename(columns={
        "outcome": "Outcome", "n_members": "Members: n", "n_comparison": "Other pupils: n",
        "mdes": "Smallest detectable effect (g)", "mdes_adjusted": "With ANCOVA (g)",
        "observed_g": "Effect found (d_ppc2)", "schools": "Schools",
        "icc": "Share of variance between schools assumed (ICC)"})


def models_paragraphs(results: Iterable[ChangeResult], *, threshold: int,
                      fits: Sequence[ModelFit] | None = None) -> tuple[str, ...]:
    """Per outcome, the gap at the start, the slope and how far ANCOVA and DiD should differ.

    The first paragraph is :data:`LORDS_PARADOX`; with pupils from several schools, a
    paragraph on how the schools were allowed for; then one sentence per outcome
    whose groups are both at least ``threshold``: the members' lead at the start,
    the slope b of the after-score on the before-score (ANCOVA's coefficient),
    and ``(1 - b) x gap``, which is exactly ANCOVA minus difference in differences (with
    several schools, the gap and both models within schools: the identity still holds).
    ``fits``: the models already fitted by :func:`fit_models` for ``results``.
    """
    results = list(results)
    out = [LORDS_PARADOX]
    several = max((n_schools(_analysed(r)) for r in results if not r.pupils.empty), default=1)
    if several >= 2:
        out.append(schools_note(several) + " Both models below do so.")
    for fit in fit_models(results) if fits is None else fits:
        r, a = fit.result, fit.ancova
        if min(fit.n_members, fit.n_comparison) < threshold or isinstance(a, StatsError):
            continue
        slope = float(a.coefficients.set_index("term").loc["pre", "estimate"])
        gap = within_gap(fit.data)
        lead = "ahead of" if gap > 0 else "behind"
        same = " of the same schools" if fit.fixed_effects else ""
        out.append(f"{r.label}: members started {abs(gap):.2f} {lead} other pupils{same} "
                   f"({r.unit}); the slope of the after-score on the before-score is "
                   f"{slope:.2f}, so ANCOVA minus difference in differences is "
                   f"{gap:.2f} x (1 - {slope:.2f}) = {(1 - slope) * gap:+.2f}.")
    return tuple(out)


def ancova_effects(models: pd.DataFrame) -> pd.DataFrame:
    """The ANCOVA rows of :func:`adjusted_comparison`, shaped for a forest chart.

    ``models`` is the table :func:`adjusted_comparison` returns with ``display=False``. The
    result has the columns :func:`~slc_research.charts.effect_size_chart` draws: ``outcome``,
    ``estimate`` (g), ``ci_low``, ``ci_high``, ``n1``, ``n2``; withheld rows are left out.
    """
    a = models[models["model"] == "ANCOVA"].dropna(subset=["g"])
    return derived_from(pd.DataFrame({
        "outcome": a["outcome"], "estimate": a["g"], "ci_low": a["g_ci_low"],
        "ci_high": a["g_ci_high"], "n1": a["n_members"], "n2": a["n_comparison"],
    }).reset_index(drop=True), models)
