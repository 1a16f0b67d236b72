"""The co-production pilot's outcome family: behaviour primary, the check-in answers secondary.

References: Morris (2008) d_ppc2 as :func:`slc_research.stats.ppc_effect_size` computes it
(checked against his worked example in ``tests/stats/test_prepost.py``); Holm as statsmodels'
``multipletests``; Cohen's h from its definition.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from slc_research.casestudies.coproduction import OUTCOMES, STUDY
from slc_research.casestudies.coproduction import family as fam
from slc_research.casestudies.coproduction.comparison import BaselineComparison, baseline_comparison
from slc_research.casestudies.coproduction.outcomes import (
    ALL_SCHOOLS,
    behaviour_rates,
    behaviour_summary,
)
from slc_research.errors import ConfigError
from slc_research.stats import ppc_effect_size

DAYS = pd.bdate_range("2025-09-01", periods=40)
START = DAYS[20]


def _trust(seed=5, n=400, picked=20):
    """One school, Years 7-9, steady rates (nothing injected); the pilot is 20 of the worst 80."""
    rng = np.random.default_rng(seed)
    ids = [f"P-R{i:04d}" for i in range(n)]
    rate = rng.gamma(0.7, 0.1, n)
    counts = rng.poisson(rate[:, None], (n, len(DAYS)))
    who, day = np.nonzero(counts)
    behaviour = pd.DataFrame({"pupil_id": np.array(ids)[who], "date": DAYS[day],
                              "type": "negative", "points": -counts[who, day].astype(float)})
    pupils = pd.DataFrame({"pupil_id": ids, "school": "Riverside",
                           "year_group": pd.array(rng.integers(7, 10, n), dtype="Int8")})
    worst = rng.choice(np.argsort(-counts[:, :20].sum(axis=1))[:80], picked, replace=False)
    pilot = pd.DataFrame({"pupil_id": np.array(ids)[worst], "school": "Riverside",
                          "community": "Riverside CP", "role": "Member", "start": START})
    return pupils, behaviour, pilot


def _yes_no(yy, yn, ny, nn, lo, hi, p):
    n = yy + yn + ny + nn
    return pd.DataFrame([{"school": ALL_SCHOOLS, "n_both": n, "yes_yes": yy, "yes_no": yn,
                          "no_yes": ny, "no_no": nn, "change_ci_low": lo,
                          "change_ci_high": hi, "p": p}])


RELATIONSHIPS = pd.DataFrame([{"scale": "Relationships", "n": 18, "g_av": 0.15,
                               "g_ci_low": -0.20, "g_ci_high": 0.50, "p": 0.41}])


def test_item5_coproduction_behaviour_is_d_ppc2_against_the_comparison_and_holm_adjusts():
    pupils, behaviour, pilot = _trust()
    rates = behaviour_rates(behaviour, pilot, DAYS)
    comparison = baseline_comparison(pupils, pilot, behaviour, DAYS, rates)
    assert comparison.ok
    trouble = _yes_no(10, 8, 2, 10, -33.0, -3.0, 0.04)
    confident = _yes_no(8, 3, 6, 13, -8.0, 27.0, 0.33)
    effects = fam.outcome_effects(rates, behaviour_summary(rates), comparison, trouble,
                                  confident, RELATIONSHIPS)
    assert [e.key for e in effects] == list(OUTCOMES)
    b = effects[0]
    chosen = comparison.chosen
    d = ppc_effect_size(rates["rate_before"], rates["rate_after"], chosen["rate_before"],
                        chosen["rate_after"])
    assert b.estimate == pytest.approx(d.estimate)
    assert b.se == pytest.approx(d.se)
    assert b.p_value == pytest.approx(comparison.difference.p_value)
    assert (b.n1, b.n2, b.measure) == (len(rates), len(chosen), "d_ppc2")
    # nothing was injected: chosen by a high baseline, the participants "improve", but not
    # beyond the comparison chosen by the same rule
    assert comparison.groups.set_index("group").loc["Took part", "change"] < 0
    assert b.ci_low < 0 < b.ci_high
    # 'I often get into trouble': 18 of 30 said Yes before, 12 after (paired counts)
    t = effects[1]
    assert t.estimate == pytest.approx(2 * math.asin(math.sqrt(12 / 30))
                                       - 2 * math.asin(math.sqrt(18 / 30)))
    assert t.se == pytest.approx(0.30 / (2 * 1.959963984540054) / math.sqrt(0.5 * 0.5))
    assert t.p_value == 0.04
    section = fam.family_section(effects, primary="behaviour", smallest_effect=0.2,
                                 threshold=5)
    table = section.records["outcomes_holm"]
    assert table["role"].tolist() == ["primary", "secondary", "secondary", "secondary"]
    assert table["p_holm"].iloc[1:].to_numpy() == pytest.approx(
        multipletests([0.04, 0.33, 0.41], method="holm")[1])
    # trouble's p of .04 does not survive the adjustment over three secondaries
    assert table["equivalence"].iloc[1].startswith("inconclusive after Holm adjustment")
    assert section.finding.startswith("On the primary outcome, negative behaviour points per "
                                      "week, beyond the change of similar pupils, the "
                                      "pupils' figure")
    assert "not significant" not in section.finding


def test_item5_coproduction_without_a_comparison_uses_the_pupils_own_change():
    pupils, behaviour, pilot = _trust()
    rates = behaviour_rates(behaviour, pilot, DAYS)
    summary = behaviour_summary(rates)
    none = BaselineComparison(summary.iloc[0:0], None, None, float("nan"), "no pupils")
    effects = fam.outcome_effects(rates, summary, none, pd.DataFrame(), pd.DataFrame(),
                                  pd.DataFrame())
    assert [e.key for e in effects] == ["behaviour"]
    row = summary[summary["school"] == ALL_SCHOOLS].iloc[0]
    assert effects[0].measure == "g_av"
    assert effects[0].estimate == pytest.approx(row["g_av"])
    assert effects[0].n2 == 0
    assert "(no comparison)" in effects[0].label
    section = fam.family_section(effects, primary="behaviour", smallest_effect=0.2,
                                 threshold=5)
    assert section.finding.endswith("no adjustment for multiple comparisons is needed.")


def test_item5_coproduction_primary_outcome_parameter_fails_loudly(tmp_path):
    (tmp_path / "enquiry.toml").write_text("[enquiry]\n", encoding="utf-8")
    assert STUDY.validate(workspace=str(tmp_path), primary_outcome="trouble")[
        "primary_outcome"] == "trouble"
    with pytest.raises(ConfigError, match="primary outcome must be one of 'behaviour', "
                                          "'trouble', 'confident', 'relationships'"):
        STUDY.validate(workspace=str(tmp_path), primary_outcome="attendance")
    with pytest.raises(ConfigError, match="smallest effect that matters"):
        STUDY.validate(workspace=str(tmp_path), smallest_effect=0)
