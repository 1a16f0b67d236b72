"""Regression to the mean in the co-production pilot: a comparison chosen by the same rule.

On synthetic data where the pilot's pupils are chosen for a high earlier behaviour rate and
nothing is injected, the participants "improve", the comparison (non-participants of the same
schools and year groups in the same top band of the earlier rate) improves as much, and the
difference of the two changes has an interval that includes 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slc_research.casestudies.coproduction.comparison import (
    MIN_COMPARISON,
    baseline_comparison,
    comparison_pupils,
    eligible_pupils,
)
from slc_research.casestudies.coproduction.outcomes import behaviour_rates

DAYS = pd.bdate_range("2025-09-01", periods=60)
START = DAYS[30]


def _null_trust(seed: int = 16, per_school: int = 300, chosen: int = 12):
    """Two schools, Years 7-11; each pupil has one steady rate all year (no effect anywhere).

    The pilot takes ``chosen`` KS3 pupils per school at random from the top 10% by their
    behaviour points before the start (chosen by a high baseline, as schools nominate).
    """
    rng = np.random.default_rng(seed)
    pupils, behaviour, pilot = [], [], []
    for school in ("North", "South"):
        ids = [f"P-{school[0]}{i:03d}" for i in range(per_school)]
        years = rng.integers(7, 12, per_school)
        daily = rng.gamma(0.6, 0.08, per_school)  # points per day, steady: nothing injected
        counts = rng.poisson(daily[:, None], (per_school, len(DAYS)))
        pupils.append(pd.DataFrame({"pupil_id": ids, "school": school,
                                    "year_group": pd.array(years, dtype="Int8")}))
        who, day = np.nonzero(counts)
        behaviour.append(pd.DataFrame({"pupil_id": np.array(ids)[who], "date": DAYS[day],
                                       "type": "negative",
                                       "points": -counts[who, day].astype(float)}))
        before = counts[:, :30].sum(axis=1)
        ks3 = np.flatnonzero(years <= 9)
        top = ks3[before[ks3] >= np.quantile(before[ks3], 0.9)]
        picked = rng.choice(top, size=chosen, replace=False)
        pilot.append(pd.DataFrame({"pupil_id": np.array(ids)[picked], "school": school,
                                   "community": f"{school} CP", "role": "Member",
                                   "start": START}))
    return (pd.concat(pupils, ignore_index=True), pd.concat(behaviour, ignore_index=True),
            pd.concat(pilot, ignore_index=True))


def test_item4_regression_to_the_mean_comparison_recovers_null():
    pupils, behaviour, pilot = _null_trust()
    rates = behaviour_rates(behaviour, pilot, DAYS)
    res = baseline_comparison(pupils, pilot, behaviour, DAYS, rates)
    assert res.ok
    took, comp = res.groups.set_index("group").loc[["Took part", "Comparison"]].itertuples(
        index=False)
    # chosen at a bad time, the participants "improve" although nothing was injected ...
    assert took.change < 0
    assert took.change_ci_high < 0
    assert took.pct_improved > 60
    # ... and so does the comparison, by about as much
    assert comp.change < 0
    assert comp.pct_improved > 50
    assert comp.n >= MIN_COMPARISON
    # the difference of the two changes (Welch) has an interval that includes no difference
    assert res.difference.ci_low < 0 < res.difference.ci_high
    assert res.difference.estimate == pytest.approx(took.change - comp.change, abs=1e-12)
    assert res.improved_difference.ci_low < 0 < res.improved_difference.ci_high
    assert 0 < res.share < 0.2
    # the rule: same schools and KS3 years as the pilot, none of the pilot's pupils
    chosen, _ = comparison_pupils(pilot, pd.concat(
        [rates, behaviour_rates(behaviour, eligible_pupils(pupils, pilot), DAYS)]))
    assert not set(chosen["pupil_id"]) & set(pilot["pupil_id"])
    years = pupils.set_index("pupil_id")["year_group"]
    assert set(years.loc[chosen["pupil_id"]]) <= {7, 8, 9}


def test_no_comparison_without_year_groups_says_why():
    pupils, behaviour, pilot = _null_trust()
    rates = behaviour_rates(behaviour, pilot, DAYS)
    res = baseline_comparison(pupils.assign(year_group=pd.NA), pilot, behaviour, DAYS, rates)
    assert not res.ok
    assert "year groups are not recorded" in res.reason
    few = baseline_comparison(pupils[pupils["pupil_id"].isin(pilot["pupil_id"])
                                     | pupils.index.isin(range(5))], pilot, behaviour, DAYS,
                              rates)
    assert not few.ok
    assert f"fewer than {MIN_COMPARISON} pupils" in few.reason


def test_comparison_section_leads_with_the_difference_and_never_a_lone_share():
    from slc_research.casestudies.coproduction.sections import (
        comparison_section,
        improved_beside,
    )

    pupils, behaviour, pilot = _null_trust()
    rates = behaviour_rates(behaviour, pilot, DAYS)
    res = baseline_comparison(pupils, pilot, behaviour, DAYS, rates)
    section = comparison_section(res, threshold=5)
    record = section.records["behaviour_vs_comparison"]
    assert record["estimate"] == pytest.approx(res.difference.estimate)
    assert record["n"] == 24
    assert record["n_comparison"] == res.groups.set_index("group").loc["Comparison", "n"]
    assert "The difference of the two changes is" in section.finding
    assert "includes no difference" in section.finding  # nothing was injected
    assert "similar pupils who did not take part" in improved_beside(res, 5)
    # a threshold above the comparison's size: no figure, and the record says why
    big = int(res.groups["n"].max()) + 1
    assert comparison_section(res, threshold=big).records[
        "behaviour_vs_comparison"].startswith("no comparison: fewer than")
