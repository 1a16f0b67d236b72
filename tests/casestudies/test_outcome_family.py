"""The shared outcome family: declared primary, Holm-adjusted secondaries, TOST wording.

References: Holm (1979) as statsmodels' ``multipletests(method="holm")`` computes it;
TOST (Schuirmann, 1987; Lakens, 2017) recomputed here by hand from the normal distribution;
Cohen's h (Cohen, 1988, ch. 6) from its definition.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from slc_research.casestudies import outcome_family as family
from slc_research.errors import ConfigError


def _effect(key, estimate, se, p=None, n1=40, n2=60):
    z = stats.norm.ppf(0.975)
    p = 2 * stats.norm.sf(abs(estimate) / se) if p is None else p
    return family.OutcomeEffect(key, key.capitalize(), estimate, se, estimate - z * se,
                                estimate + z * se, p, n1, n2)


FAMILY = [_effect("engagement", 0.45, 0.12), _effect("metacognition", 0.30, 0.14),
          _effect("relationships", 0.05, 0.04), _effect("attendance", 0.25, 0.11),
          _effect("behaviour", -0.10, 0.15)]


def test_item5_holm_adjusted_p_of_the_secondaries_equals_statsmodels():
    table = family.outcome_table(FAMILY, primary="engagement", smallest_effect=0.2,
                                 threshold=5, display=False)
    assert table["role"].tolist() == ["primary"] + ["secondary"] * 4
    assert np.isnan(table["p_holm"].iloc[0])  # the primary is tested at 5%, unadjusted
    raw = [e.p_value for e in FAMILY[1:]]
    assert table["p_holm"].iloc[1:].to_numpy() == pytest.approx(
        multipletests(raw, method="holm")[1])
    # metacognition (p = .032) and attendance (p = .023) are lost to Holm's adjustment
    lost = table[(table["p_value"] < 0.05) & (table["p_holm"] >= 0.05)]["outcome"].tolist()
    assert lost == ["Metacognition", "Attendance"]
    assert table.set_index("outcome").loc["Attendance", "equivalence"].startswith(
        "inconclusive after Holm adjustment (unadjusted: an effect, at least")
    shown = family.outcome_table(FAMILY, primary="engagement", smallest_effect=0.2,
                                 threshold=5)
    assert {"p", "p (Holm-adjusted)", "Equivalence test (±0.2)", "Pupils",
            "Comparison"} <= set(shown.columns)


def test_item5_declaring_another_primary_changes_the_family():
    table = family.outcome_table(FAMILY, primary="attendance", smallest_effect=0.2,
                                 threshold=5, display=False)
    assert table.set_index("outcome").loc["Attendance", "role"] == "primary"
    others = [e.p_value for e in FAMILY if e.key != "attendance"]
    assert table.loc[table["role"] == "secondary", "p_holm"].to_numpy() == pytest.approx(
        multipletests(others, method="holm")[1])


def test_item8_tost_verdicts_against_an_independent_computation():
    null = _effect("relationships", 0.05, 0.04)  # a constructed null: 90% CI inside ±0.2
    tested = family.equivalence(null, 0.2)
    by_hand = max(stats.norm.sf((0.05 + 0.2) / 0.04), stats.norm.cdf((0.05 - 0.2) / 0.04))
    assert tested.p == pytest.approx(by_hand)
    assert tested.verdict == "equivalent"
    assert family.verdict_short(tested) == "no effect larger than ±0.2"
    wide = family.equivalence(_effect("behaviour", -0.10, 0.15), 0.2)
    assert wide.verdict == "inconclusive"
    assert family.verdict_short(wide) == "inconclusive (cannot rule out ±0.2)"
    finding = family.outcomes_finding(FAMILY, primary="engagement", smallest_effect=0.2,
                                      threshold=5, subject="members changed",
                                      than=" than other pupils", measure="d_ppc2")
    assert finding.startswith("On the primary outcome, engagement, members changed clearly "
                              "more than other pupils (d_ppc2 = 0.45, 95% CI [0.21, 0.69])")
    assert "relationships shows no effect larger than ±0.2 (equivalence test)" in finding
    assert ("behaviour shows no clear difference, but the data cannot rule out an effect of "
            "±0.2 either (inconclusive)") in finding
    assert "not significant" not in finding


def test_item8_an_unclear_primary_is_worded_by_its_equivalence_test():
    finding = family.outcomes_finding(FAMILY, primary="behaviour", smallest_effect=0.2,
                                      threshold=5, subject="members changed",
                                      than=" than other pupils")
    assert finding.startswith("On the primary outcome, behaviour, members changed less than "
                              "other pupils but the difference is not clear (effect size = "
                              "-0.10")
    assert "inconclusive: the data cannot rule out an effect of 0.20 either way" in finding


def test_item5_a_single_outcome_is_said_plainly_without_holm():
    one = [_effect("tlc_impact", 0.02, 0.05, n2=0)]
    table = family.outcome_table(one, primary="tlc_impact", smallest_effect=0.2,
                                 threshold=5, display=False)
    assert "p_holm" not in table.columns
    assert "n2" not in table.columns
    finding = family.outcomes_finding(one, primary="tlc_impact", smallest_effect=0.2,
                                      threshold=5, subject="staff's mean score was",
                                      up="above", down="below", than=" the neutral answer")
    assert finding.endswith(family.ONE_OUTCOME)
    assert "no effect larger than ±0.20" in finding
    section = family.outcomes_section(one, primary="tlc_impact", smallest_effect=0.2,
                                      threshold=5, wording={"subject": "it"}, note="")
    assert family.ONE_OUTCOME in section.note
    assert "Holm" not in section.note


def test_item5_small_groups_are_withheld_but_still_counted_in_holm():
    small = [*FAMILY[:2], dataclass_replace(FAMILY[2], n1=3)]
    table = family.outcome_table(small, primary="engagement", smallest_effect=0.2,
                                 threshold=5, display=False)
    assert table["outcome"].tolist() == ["Engagement", "Metacognition"]
    assert table["p_holm"].iloc[1] == pytest.approx(
        multipletests([FAMILY[1].p_value, FAMILY[2].p_value], method="holm")[1][0])
    shown = family.outcome_table(small, primary="engagement", smallest_effect=0.2,
                                 threshold=5)
    assert shown["Effect (SDs)"].tolist()[-1] == "<5"


def test_item5_primary_outcome_is_checked_and_fails_loudly():
    assert family.resolve_primary("", ["depth", "target"]) == "depth"
    assert family.resolve_primary("target", ["depth", "target"]) == "target"
    with pytest.raises(ConfigError, match=r"must be one of the outcomes analysed "
                                          r"\(\"depth\", \"target\"\), or \"\" for the first; "
                                          r"found 'wellbeing'"):
        family.resolve_primary("wellbeing", ["depth", "target"])


def test_item5_subgroup_wording_needs_the_interaction_test():
    assert "not evidence of a different effect" in family.SUBGROUP_CAVEAT
    crafted = pd.DataFrame({"outcome": ["Engagement", "Attendance"], "ci_low": [-0.2, 0.1],
                            "ci_high": [0.8, 0.9]})
    assert family.interaction_finding(crafted).startswith(
        "The interaction test finds evidence that the effect differs for them on attendance")
    assert "finds no evidence" in family.interaction_finding(crafted.iloc[:1])


def test_cohens_h_and_its_standard_errors():
    h = family.arcsine_effect("x", "X", 0.4, 0.6, n_before=50, n_after=80)
    assert h.estimate == pytest.approx(2 * math.asin(math.sqrt(0.6))
                                       - 2 * math.asin(math.sqrt(0.4)))
    assert h.se == pytest.approx(math.sqrt(1 / 50 + 1 / 80))
    paired = family.arcsine_effect("x", "X", 0.4, 0.6, n_before=30, n_after=30,
                                   se_difference=0.08, p_value=0.03)
    assert paired.se == pytest.approx(0.08 / math.sqrt(0.5 * 0.5))
    assert paired.p_value == 0.03
    assert paired.measure == "h"
    assert family.arcsine_effect("x", "X", float("nan"), 0.5, n_before=3, n_after=3) is None


def dataclass_replace(effect, **changes):
    import dataclasses

    return dataclasses.replace(effect, **changes)
