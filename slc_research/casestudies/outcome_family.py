"""A case study's outcomes as one family: a declared primary, Holm-adjusted secondaries, TOST.

A report that looks at five outcomes will find one "significant" by chance more often than
one in twenty. So every case study declares one primary outcome in advance (its
``primary_outcome`` parameter; default its first outcome), tests it at the usual 5%, and
shows each secondary outcome's p beside its Holm-adjusted p (Holm, 1979). A study with one
outcome says so and needs no adjustment. An interval that includes zero is never reported
as just "not significant": the equivalence test (:func:`~slc_research.stats.tost`, two
one-sided tests) says whether the data rule out an effect as large as the smallest that
matters (the ``smallest_effect`` parameter, default 0.2 standard deviations), or that the
result is inconclusive. A subgroup's result is shown only with its interaction test and
:data:`SUBGROUP_CAVEAT`.

Each case study turns its outcomes into :class:`OutcomeEffect` (a standardised effect with
its standard error and the p of the outcome's own test) and calls :func:`outcome_table`,
:func:`outcomes_finding` or :func:`outcomes_section`; the SLC study's headline
(:mod:`slc_research.casestudies.slc_impact.headline`) is the same table.

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
Journal of Statistics*, 6(2), 65-70.

Lakens, D. (2017). Equivalence tests: a practical primer for t tests, correlations, and
meta-analyses. *Social Psychological and Personality Science*, 8(4), 355-362.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from slc_research.casestudies.outcome_effects import OutcomeEffect, arcsine_effect, from_interval
from slc_research.casestudies.result import Section, Table
from slc_research.errors import ConfigError
from slc_research.privacy.suppression import SUPPRESSED_COLUMN, suppress_small
from slc_research.stats import EquivalenceResult, adjust_p, tost
from slc_research.words import listed

__all__ = ["ONE_OUTCOME", "SUBGROUP_CAVEAT", "OutcomeEffect", "arcsine_effect", "equivalence",
           "from_interval", "interaction_finding", "outcome_table", "outcomes_finding",
           "outcomes_section", "resolve_primary", "verdict_short"]
# OutcomeEffect and the two ways of building one live in outcome_effects; they are part of
# this module's surface so that a study imports its outcome family from one place.

#: What a subgroup result without an interaction test may and may not be read as.
SUBGROUP_CAVEAT = ("A subgroup's effect that differs from the whole group's, without evidence "
                   "of an interaction, is not evidence of a different effect: the subgroup is "
                   "small, so its estimate varies more by chance.")
#: Said when a study has a single outcome (no secondaries, so nothing to adjust).
ONE_OUTCOME = ("This study has one outcome, so there are no secondary outcomes and no "
               "adjustment for multiple comparisons is needed.")

_VERDICT_SHORT = {"equivalent": "no effect larger than ±{b}",
                  "different": "an effect, at least {near}",
                  "inconclusive": "inconclusive (cannot rule out ±{b})"}
_COLUMNS = ["outcome", "measure", "role", "n1", "n2", "estimate", "ci_low", "ci_high",
            "p_value", "p_holm", "equivalence"]


def resolve_primary(primary: str, outcomes: Sequence[str], *,
                    described: str = "the outcomes analysed",
                    key: str = "primary_outcome") -> str:
    """The declared primary outcome: ``primary`` checked against the outcomes, or the first.

    Parameters
    ----------
    primary : str
        The parameter's value; ``""`` for the first outcome.
    outcomes : sequence of str
        The outcomes' short names, in the study's order.
    described : str
        What the outcomes are, for the message (``"the questionnaire scales analysed"``).
    key : str, default "primary_outcome"
        The parameter's name, for the message.

    Raises
    ------
    ConfigError
        ``primary`` names no outcome of the study (the message lists them).
    """
    if not primary:
        return outcomes[0] if outcomes else ""
    if primary not in outcomes:
        have = ", ".join(f'"{s}"' for s in outcomes) or "none"
        raise ConfigError(f"the primary outcome must be one of {described} ({have}), or \"\" "
                          f"for the first; found {primary!r}", key=key)
    return primary


def equivalence(effect: OutcomeEffect, smallest_effect: float) -> EquivalenceResult:
    """The TOST of an outcome's standardised effect against ``±smallest_effect``."""
    return tost(effect.estimate, effect.se, bound=smallest_effect, n=effect.n1 + effect.n2)


def verdict_short(tested: EquivalenceResult | None) -> str:
    """``"no effect larger than ±0.2"``, ``"inconclusive (cannot rule out ±0.2)"``, ..."""
    if tested is None:
        return ""
    near = tested.ci_low if tested.estimate > 0 else tested.ci_high
    return _VERDICT_SHORT[tested.verdict].format(b=f"{tested.bound:g}", near=f"{near:.2f}")


def outcome_table(effects: Sequence[OutcomeEffect], *, primary: str, smallest_effect: float,
                  threshold: int, display: bool = True,
                  labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Each outcome's effect with its p, Holm-adjusted p (secondaries) and equivalence test.

    Parameters
    ----------
    effects : sequence of OutcomeEffect
    primary : str
        The primary outcome's key.
    smallest_effect : float
        The equivalence bound (standard deviations).
    threshold : int
        Rows whose groups (``n1``, or ``n2`` when there is one) are smaller are withheld.
    display : bool, default True
        False: the withheld rows left out, raw column names.
    labels : mapping, optional
        Column -> heading for the reader (defaults for the others); a column labelled
        ``""`` is not shown.

    Returns
    -------
    DataFrame
        ``outcome``, ``measure`` (only when an effect names one), ``role`` ("primary"
        or "secondary"), ``n1``, ``n2`` (only when a comparison group exists),
        ``estimate``, ``ci_low``, ``ci_high``, ``p_value`` (the outcome's own test),
        ``p_holm`` (Holm-adjusted over the secondary outcomes; NA for the primary
        and when there is no secondary), ``equivalence`` (the TOST verdict in words;
        a secondary whose effect does not survive the Holm adjustment is
        "inconclusive after Holm adjustment").

    Notes
    -----
    The Holm adjustment is over every secondary outcome with an estimate, including
    those whose rows are withheld, so that suppression never changes another row's
    adjusted p.
    """
    rows = [{"key": e.key, "outcome": e.label, "measure": e.measure,
             "role": "primary" if e.key == primary else "secondary", "n1": e.n1, "n2": e.n2,
             "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high,
             "p_value": e.p_value, "p_holm": np.nan,
             "equivalence": verdict_short(equivalence(e, smallest_effect))} for e in effects]
    table = pd.DataFrame(rows, columns=["key", *_COLUMNS])
    secondary = table["role"] == "secondary"
    if secondary.any():
        adjusted = adjust_p(dict(zip(table.loc[secondary, "key"], table.loc[secondary, "p_value"],
                                     strict=True)), method="holm")
        table.loc[secondary, "p_holm"] = adjusted.table["p_adjusted"].to_numpy()
        # a secondary "effect" that does not survive the adjustment is not claimed
        lost = secondary & (table["p_holm"] >= 0.05) & (table["p_value"] < 0.05)
        table.loc[lost, "equivalence"] = ("inconclusive after Holm adjustment (unadjusted: "
                                          + table.loc[lost, "equivalence"] + ")")
    columns = [c for c in _COLUMNS if (c != "measure" or (table["measure"] != "").any())
               and (c != "n2" or (table["n2"] > 0).any())
               and (c != "p_holm" or secondary.any())]
    table = table[columns]
    counts = [c for c in ("n1", "n2") if c in columns]
    numbers = [c for c in ("estimate", "ci_low", "ci_high", "p_value", "p_holm", "equivalence")
               if c in columns]
    out = suppress_small(table, count_cols={c: numbers for c in counts}, threshold=threshold,
                         display=display, partition_by=None)
    if not display:
        return out[~out[SUPPRESSED_COLUMN]].drop(columns=SUPPRESSED_COLUMN)
    if "n2" in out.columns:  # an outcome measured in one group only has no comparison
        out["n2"] = out["n2"].astype(object).mask(table["n2"].to_numpy() == 0, "none")
    names = _headings(smallest_effect, labels)
    return out[[c for c in out.columns if names.get(c, c)]].rename(columns=names)


def _headings(smallest_effect: float, labels: Mapping[str, str] | None) -> dict[str, str]:
    return {"outcome": "Outcome", "measure": "Effect size", "role": "Role", "n1": "Pupils",
            "n2": "Comparison", "estimate": "Effect (SDs)", "ci_low": "95% CI low",
            "ci_high": "95% CI high", "p_value": "p", "p_holm": "p (Holm-adjusted)",
            "equivalence": f"Equivalence test (±{smallest_effect:g})", **(labels or {})}


def outcomes_finding(effects: Sequence[OutcomeEffect], *, primary: str, smallest_effect: float,
                     threshold: int, subject: str, up: str = "more", down: str = "less",
                     than: str = "", measure: str | None = None) -> str:
    """The primary outcome's verdict, then the secondaries read with Holm-adjusted p.

    Parameters
    ----------
    effects, primary, smallest_effect, threshold
        As :func:`outcome_table`.
    subject : str
        Who or what changed, e.g. ``"members changed"``.
    up, down : str
        The words for a positive and a negative effect (``"more"``, ``"less"``).
    than : str
        What it is compared with, e.g. ``" than other pupils"``.
    measure : str, optional
        The primary effect's symbol in the sentence, e.g. ``"d_ppc2"``; default its
        ``measure`` (or "effect size").

    Returns
    -------
    str
        E.g. "On the primary outcome, engagement, members changed clearly more than other
        pupils (d_ppc2 = 0.43, 95% CI [0.23, 0.62]); ...". An unclear primary is followed
        by its equivalence verdict, never just "not significant"; a study with one
        outcome says so.
    """
    table = outcome_table(effects, primary=primary, smallest_effect=smallest_effect,
                          threshold=threshold, display=False)
    if table.empty:
        return "No outcome could be compared (too few pupils measured twice)."
    if "p_holm" not in table.columns:  # no secondary outcome
        table = table.assign(p_holm=np.nan)
    parts = []
    first = table[table["role"] == "primary"]
    if len(first):
        row = first.iloc[0]
        effect = next(e for e in effects if e.key == primary)
        measure = measure or effect.measure or "effect size"
        # "clearly" only when the test and the interval shown beside it agree: a p below 0.05
        # beside an interval that reaches 0 (a Welch test of raw points, Morris's interval of
        # d) is not clear, and the sentence says why
        clear = row["p_value"] < 0.05 and not row["ci_low"] <= 0 <= row["ci_high"]
        borderline = row["p_value"] < 0.05 and not clear
        text = (f"On the primary outcome, {_lower(row['outcome'])}, {subject} "
                f"{'clearly ' if clear else ''}{up if row['estimate'] > 0 else down}{than}"
                + ("" if clear else
                   f" (p = {row['p_value']:.3f}), but the interval of its size reaches no change,"
                   " so the difference is not clear" if borderline else
                   " but the difference is not clear")
                + f" ({measure} = {row['estimate']:.2f}, 95% CI [{row['ci_low']:.2f}, "
                  f"{row['ci_high']:.2f}])")
        if not clear:
            text += "; " + equivalence(effect, smallest_effect).in_words()
        parts.append(text)
    else:
        parts.append("the primary outcome could not be estimated, or is withheld because too "
                     "few pupils were measured")
    rest = table[table["role"] == "secondary"]
    unclear = rest["p_value"] >= 0.05
    ruled_out = rest["equivalence"].str.startswith("no effect larger")
    names = {k: [_lower(n) for n in rest.loc[m, "outcome"]] for k, m in (
        ("kept", rest["p_holm"] < 0.05),
        ("lost", (rest["p_value"] < 0.05) & (rest["p_holm"] >= 0.05)),
        ("equivalent", unclear & ruled_out), ("none", unclear & ~ruled_out))}
    if names["kept"]:
        parts.append(f"among the secondary outcomes, {listed(names['kept'])} "
                     f"{_verb(names['kept'], 'differs', 'differ')} clearly even after Holm's "
                     "adjustment")
    if names["lost"]:
        parts.append(f"{listed(names['lost'])} would look clear on their own but not after "
                     "allowing for the number of outcomes looked at")
    if names["equivalent"]:
        parts.append(f"{listed(names['equivalent'])} "
                     f"{_verb(names['equivalent'], 'shows', 'show')} no effect larger than "
                     f"±{smallest_effect:g} (equivalence test)")
    if names["none"]:
        parts.append(f"{listed(names['none'])} {_verb(names['none'], 'shows', 'show')} no "
                     "clear difference, but the data cannot rule out an effect of "
                     f"±{smallest_effect:g} either (inconclusive)")
    text = "; ".join(parts)
    text = text[0].upper() + text[1:] + "."
    return text + (" " + ONE_OUTCOME if len(effects) == 1 else "")


def outcomes_section(effects: Sequence[OutcomeEffect], *, primary: str, smallest_effect: float,
                     threshold: int, wording: Mapping[str, str], note: str,
                     labels: Mapping[str, str] | None = None,
                     missing: str = "No outcome could be estimated.") -> Section:
    """The ``outcomes`` section: the primary and secondary outcomes in one table.

    Parameters
    ----------
    effects, primary, smallest_effect, threshold
        As :func:`outcome_table`.
    wording : mapping
        :func:`outcomes_finding`'s ``subject``, ``up``, ``down``, ``than``, ``measure``.
    note : str
        What the effects are, for "how to read this" (the multiplicity and equivalence
        explanation follows it).
    labels : mapping, optional
        Column headings, as :func:`outcome_table`.
    missing : str
        The finding when no outcome has an estimate.
    """
    how = (" The primary outcome was declared before the results were seen and is tested at "
           "the usual 5%. " + ("Looking at several outcomes makes a chance 'finding' more "
                              "likely, so each secondary outcome's p is shown beside its "
                              "Holm-adjusted p, the one to read. " if len(effects) > 1 else
                              ONE_OUTCOME + " ")
           # a sentence about intervals that include 0 only when one does (issue 18)
           + ("An interval that includes 0 is not evidence of no effect: the "
              if any(e.ci_low <= 0 <= e.ci_high for e in effects) else "The ")
           + "equivalence test says whether the data rule out an "
           f"effect as large as ±{smallest_effect:g} standard deviations (the smallest_effect "
           "parameter), or whether the result is inconclusive.")
    records = {"primary_outcome": primary, "smallest_effect": smallest_effect}
    if not effects:
        return Section("outcomes", "The primary outcome and the secondary outcomes",
                       finding=missing, note=note + how, records=records)
    options = {"primary": primary, "smallest_effect": smallest_effect, "threshold": threshold}
    kept = outcome_table(effects, display=False, **options)
    names = _headings(smallest_effect, labels)
    return Section(
        "outcomes", "The primary outcome and the secondary outcomes",
        finding=outcomes_finding(effects, **options, **wording),
        tables=(Table(outcome_table(effects, labels=labels, **options), decimals={
                          names[c]: places for c, places in (("estimate", 2), ("ci_low", 2),
                                                             ("ci_high", 2), ("p_holm", 3))},
                      caption=("The primary outcome and the secondary outcomes"
                               if len(effects) > 1 else "The primary outcome"),
                      technical=(names["measure"], names["n1"], names["n2"])),),
        note=note + how,
        records={**records, "outcomes_holm": kept.reset_index(drop=True)})


def interaction_finding(interaction: pd.DataFrame) -> str:
    """Whether any outcome shows evidence that the effect differs for the subgroup.

    Parameters
    ----------
    interaction : DataFrame
        One row per outcome: ``outcome``, ``ci_low`` and ``ci_high`` of the interaction
        (NA where withheld or not estimable).
    """
    shown = interaction.dropna(subset=["ci_low", "ci_high"])
    if shown.empty:
        return "Too few pupils to test whether the effect differs for them."
    differ = shown[(shown["ci_low"] > 0) | (shown["ci_high"] < 0)]["outcome"].tolist()
    if differ:
        named = "; ".join(_lower(o) for o in differ)
        text = f"The interaction test finds evidence that the effect differs for them on {named}"
        if len(differ) < len(shown):
            text += ("; on the other outcomes it finds none, so a larger or smaller figure "
                     "there is not evidence of a different effect")
        return text + "."
    return ("The interaction test finds no evidence that the effect differs for them on any "
            "outcome, so a larger or smaller figure here is not evidence of a different "
            "effect.")


def _verb(names: list[str], one: str, many: str) -> str:
    return one if len(names) == 1 else many


def _lower(text: str) -> str:
    return text[0].lower() + text[1:] if text[:2] != text[:2].upper() else text


