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

import numpy as np
import pandas as pd
from scipy import stats

from slc_research.casestudies.slc_impact.outcomes import ChangeResult
from slc_research.errors import ConfigError
from slc_research.privacy.suppression import SUPPRESSED_COLUMN, suppress_small
from slc_research.stats import EquivalenceResult, adjust_p, tost

__all__ = ["change_g_record", "equivalence", "outcomes_finding", "headline_finding", "headline_table", "resolve_primary"]

_VERDICT_SHORT = {"equivalent": "no effect larger than ±{b}",
                  "different": "an effect, at least {near}",
                  "inconclusive": "inconclusive (cannot rule out ±{b})"}


def resolve_primary(primary: str, scale_names: Sequence[str]) -> str:
    """The declared primary outcome: ``primary`` checked against the scales, or the first.

    Raises
    ------
    ConfigError
        ``primary`` names no scale of the enquiry (the message lists them).
    """
    if not primary:
        if not scale_names:
            return ""
        return scale_names[0]
    if primary not in scale_names:
        have = ", ".join(f'"{s}"' for s in scale_names) or "none"
        raise ConfigError(f"the primary outcome must be one of the questionnaire scales "
                          f"analysed ({have}), or \"\" for the first; found {primary!r}",
                          key="primary_outcome")
    return primary


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
    rows = []
    for r in results:
        if r.ppc is None:
            continue
        p = float(2 * stats.norm.sf(abs(r.ppc.estimate) / r.ppc.se))
        tested = equivalence(r, smallest_effect)
        rows.append({"outcome": r.label, "key": r.outcome,
                     "role": "primary" if r.outcome == primary else "secondary",
                     "n1": r.ppc.n_treated, "n2": r.ppc.n_comparison,
                     "estimate": r.ppc.estimate, "ci_low": r.ppc.ci_low,
                     "ci_high": r.ppc.ci_high, "p_value": p, "p_holm": np.nan,
                     "equivalence": _short(tested)})
    cols = ["outcome", "role", "n1", "n2", "estimate", "ci_low", "ci_high", "p_value",
            "p_holm", "equivalence"]
    table = pd.DataFrame(rows, columns=["key", *cols])
    secondary = table["role"] == "secondary"
    if secondary.any():
        adjusted = adjust_p(dict(zip(table.loc[secondary, "key"], table.loc[secondary, "p_value"],
                                     strict=True)), method="holm")
        table.loc[secondary, "p_holm"] = adjusted.table["p_adjusted"].to_numpy()
        # a secondary "effect" that does not survive the adjustment is not claimed
        lost = secondary & (table["p_holm"] >= 0.05) & (table["p_value"] < 0.05)
        table.loc[lost, "equivalence"] = ("inconclusive after Holm adjustment (unadjusted: "
                                          + table.loc[lost, "equivalence"] + ")")
    table = table[cols]
    numbers = ["estimate", "ci_low", "ci_high", "p_value", "p_holm", "equivalence"]
    out = suppress_small(table, count_cols={"n1": numbers, "n2": numbers}, threshold=threshold,
                         display=display, partition_by=None)
    if not display:
        return out[~out[SUPPRESSED_COLUMN]].drop(columns=SUPPRESSED_COLUMN)
    return out.rename(columns={
        "outcome": "Outcome", "role": "Role", "n1": "Members", "n2": "Other pupils",
        "estimate": "Effect size (d_ppc2)", "ci_low": "95% CI low", "ci_high": "95% CI high",
        "p_value": "p", "p_holm": "p (Holm-adjusted)",
        "equivalence": f"Equivalence test (±{smallest_effect:g})"})


def headline_finding(results: Sequence[ChangeResult], *, primary: str, smallest_effect: float,
                     threshold: int) -> str:
    """The primary outcome's result in plain words, with its equivalence verdict."""
    found = [r for r in results if r.outcome == primary]
    if not found:
        return "No primary outcome could be analysed (no questionnaire scale)."
    r = found[0]
    if r.ppc is None:
        return f"The primary outcome, {r.label.lower()}, could not be compared."
    if min(r.ppc.n_treated, r.ppc.n_comparison) < threshold:
        return (f"The primary outcome, {r.label.lower()}, is withheld: fewer than {threshold} "
                "pupils in a group were measured twice.")
    e = r.ppc
    tested = equivalence(r, smallest_effect)
    return (f"Primary outcome, {r.label.lower()}: members' scores changed by d_ppc2 = "
            f"{e.estimate:.2f} standard deviations more than other pupils', 95% CI "
            f"[{e.ci_low:.2f}, {e.ci_high:.2f}]; {tested.in_words()}. The other outcomes are "
            "secondary: read them with their Holm-adjusted p.")


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
    table = headline_table(results, primary=primary, smallest_effect=smallest_effect,
                           threshold=threshold, display=False)
    if table.empty:
        return "No outcome could be compared (too few pupils measured twice)."
    parts = []
    first = table[table["role"] == "primary"]
    if len(first):
        row = first.iloc[0]
        clear = row["p_value"] < 0.05
        parts.append(f"On the primary outcome, {row['outcome'][0].lower()}{row['outcome'][1:]}"
                     f", members changed {'clearly ' if clear else ''}"
                     f"{'more' if row['estimate'] > 0 else 'less'} than other pupils"
                     f"{'' if clear else ' but the difference is not clear'} (d_ppc2 = "
                     f"{row['estimate']:.2f}, 95% CI [{row['ci_low']:.2f}, {row['ci_high']:.2f}])")
    rest = table[table["role"] == "secondary"]
    names = {k: [n[0].lower() + n[1:] for n in rest.loc[m, "outcome"]] for k, m in (
        ("kept", rest["p_holm"] < 0.05),
        ("lost", (rest["p_value"] < 0.05) & (rest["p_holm"] >= 0.05)),
        ("none", rest["p_value"] >= 0.05))}
    if names["kept"]:
        parts.append(f"among the secondary outcomes, {_listed(names['kept'])} differ clearly "
                     "even after Holm's adjustment")
    if names["lost"]:
        parts.append(f"{_listed(names['lost'])} would look clear on their own but not after "
                     "allowing for the number of outcomes looked at")
    if names["none"]:
        parts.append(f"{_listed(names['none'])} show no clear difference")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _short(tested: EquivalenceResult | None) -> str:
    if tested is None:
        return ""
    near = tested.ci_low if tested.estimate > 0 else tested.ci_high
    return _VERDICT_SHORT[tested.verdict].format(b=f"{tested.bound:g}", near=f"{near:.2f}")
