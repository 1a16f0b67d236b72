"""The headline of each outcome: one declared primary, Holm-adjusted secondaries, equivalence.

A report that looks at five outcomes will find one "significant" by chance more
often than one in twenty. So the case study declares one primary outcome in
advance (the ``primary_outcome`` parameter; default the first scale), tests it
at the usual 5%, and shows each secondary outcome's p beside its Holm-adjusted
p (Holm, 1979). A headline whose interval includes zero is never reported as
just "not significant": the equivalence test (:func:`~slc_research.stats.tost`)
says whether the data rule out an effect as large as the smallest that matters
(the ``smallest_effect`` parameter, default 0.2 standard deviations).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from scipy import stats

from slc_research.casestudies import outcome_family as family
from slc_research.casestudies.slc_impact.outcomes import ChangeResult
from slc_research.stats import EquivalenceResult, tost

__all__ = ["change_g_record", "equivalence", "outcomes_finding", "headline_finding", "headline_table", "resolve_primary"]

_LABELS = {"outcome": "Outcome", "role": "Role", "n1": "Members", "n2": "Other pupils",
           "estimate": "Effect size (d_ppc2)"}


def resolve_primary(primary: str, scale_names: Sequence[str]) -> str:
    """The declared primary outcome: ``primary`` checked against the scales, or the first.

    Raises
    ------
    ConfigError
        ``primary`` names no scale of the enquiry (the message lists them).
    """
    return family.resolve_primary(primary, scale_names,
                                  described="the questionnaire scales analysed")


def _effects(results: Sequence[ChangeResult]) -> list[family.OutcomeEffect]:
    return [family.OutcomeEffect(
        r.outcome, r.label, r.ppc.estimate, r.ppc.se, r.ppc.ci_low, r.ppc.ci_high,
        float(2 * stats.norm.sf(abs(r.ppc.estimate) / r.ppc.se)), r.ppc.n_treated,
        r.ppc.n_comparison) for r in results if r.ppc is not None]


def equivalence(result: ChangeResult, smallest_effect: float) -> EquivalenceResult | None:
    """The TOST of an outcome's d_ppc2 against ``±smallest_effect`` (None without one)."""
    if result.ppc is None:
        return None
    return tost(result.ppc.estimate, result.ppc.se, bound=smallest_effect, n=result.ppc.n)


def headline_table(results: Sequence[ChangeResult], *, primary: str, smallest_effect: float,
                   threshold: int, display: bool = True) -> pd.DataFrame:
    """Each outcome's d_ppc2 with its p, Holm-adjusted p (secondaries) and equivalence test.

    Parameters
    ----------
    results : sequence of ChangeResult
        Outcomes compared with other pupils.
    primary : str
        The primary outcome's short name (``ChangeResult.outcome``).
    smallest_effect : float
        The equivalence bound (standard deviations).
    threshold : int
        Rows whose members or other pupils are fewer are withheld.
    display : bool, default True

    Returns
    -------
    DataFrame
        ``outcome``, ``role`` ("primary" or "secondary"), ``n1``, ``n2``,
        ``estimate`` (d_ppc2), ``ci_low``, ``ci_high``, ``p_value`` (two-sided z
        test of d_ppc2), ``p_holm`` (Holm-adjusted over the secondary outcomes;
        NA for the primary), ``equivalence`` (the TOST verdict in words; a
        secondary outcome whose effect does not survive the Holm adjustment is
        "inconclusive after Holm adjustment").

    Notes
    -----
    The Holm adjustment is over every secondary outcome with an estimate,
    including those whose rows are withheld, so that suppression never
    changes another row's adjusted p.
    """
    return family.outcome_table(_effects(results), primary=primary,
                                smallest_effect=smallest_effect, threshold=threshold,
                                display=display, labels=_LABELS)


def headline_finding(results: Sequence[ChangeResult], *, primary: str, smallest_effect: float,
                     threshold: int, secondaries: int | None = None) -> str:
    """The primary outcome's result in plain words, with its equivalence verdict.

    ``secondaries`` is the number of other outcomes with an estimate (attendance and
    behaviour too); default the other questionnaire scales of ``results``. With none, the
    sentence on reading secondary outcomes is left out.
    """
    found = [r for r in results if r.outcome == primary]
    if not found:
        return "No primary outcome could be analysed (no questionnaire scale)."
    r = found[0]
    if r.comparison != "non_members":
        return (f"There is no comparison group, so the primary outcome, {r.label.lower()}, is "
                "members' own change.")
    if r.ppc is None:
        return f"The primary outcome, {r.label.lower()}, could not be compared."
    if min(r.ppc.n_treated, r.ppc.n_comparison) < threshold:
        return (f"The primary outcome, {r.label.lower()}, is withheld: fewer than {threshold} "
                "pupils in a group were measured twice.")
    e = r.ppc
    tested = equivalence(r, smallest_effect)
    if secondaries is None:
        secondaries = len(_effects(results)) - 1
    return (f"Primary outcome, {r.label.lower()}: members' scores changed by d_ppc2 = "
            f"{e.estimate:.2f} standard deviations more than other pupils', 95% CI "
            f"[{e.ci_low:.2f}, {e.ci_high:.2f}]; {tested.in_words()}."
            + (" The other outcomes are secondary: read them with their Holm-adjusted p."
               if secondaries > 0 else ""))


def change_g_record(results: Sequence[ChangeResult], threshold: int) -> pd.DataFrame:
    """For research only: Hedges' g of the change scores, labelled as not comparable."""
    rows = [{"outcome": r.label, "measure": "g of change scores (not comparable with "
             "benchmarks)", "estimate": r.change_g.estimate, "ci_low": r.change_g.ci_low,
             "ci_high": r.change_g.ci_high} for r in results
            if r.change_g is not None and min(r.change_g.n1, r.change_g.n2) >= threshold]
    return pd.DataFrame(rows, columns=["outcome", "measure", "estimate", "ci_low", "ci_high"])



def outcomes_finding(results: Sequence[ChangeResult], *, primary: str, smallest_effect: float,
                     threshold: int) -> str:
    """The primary outcome's verdict, then the secondaries read with Holm-adjusted p."""
    return family.outcomes_finding(_effects(results), primary=primary,
                                   smallest_effect=smallest_effect, threshold=threshold,
                                   subject="members changed", than=" than other pupils",
                                   measure="d_ppc2")
