"""The synthetic trust round trip: generate -> open -> shapes, dtypes, privacy, and the
analysis recovers the effects the generator injected (slc_research.synthetic.trust)."""

from __future__ import annotations

import pandas as pd
import pytest

from slc_research.casestudies.slc_impact import impact
from slc_research.data.schemas import TABLES
from slc_research.synthetic.trust import INJECTED_EFFECTS

pytestmark = pytest.mark.xdist_group("demo")


def test_every_table_has_its_canonical_dtypes(demo_enquiry):
    for name, schema in TABLES.items():
        df = demo_enquiry.table(name)
        assert [str(t) for t in df.dtypes] == list(schema.values()), name


def test_shapes_of_the_trust(demo_enquiry):
    enq = demo_enquiry
    assert len(enq.schools) == 4
    # 1,000 pupils per school, 2 per school withdrawn in private/consent.csv
    assert len(enq.pupils) == 4 * 1000 - 8
    assert enq.pupils["pupil_id"].is_unique
    assert set(enq.pupils["year_group"].dropna().unique()) == set(range(7, 14))
    kinds = enq.communities["kind"].astype(str).value_counts()
    assert kinds["slc"] == 4
    assert kinds["tlc"] >= 16
    assert kinds["coproduction"] == 4
    # a full year of AM and PM marks for every pupil on roll
    per_pupil = enq.attendance.groupby("pupil_id", observed=True).size()
    assert per_pupil.median() >= 370
    assert set(enq.attendance["pupil_id"].cat.categories) <= set(enq.pupils["pupil_id"])
    waves = enq.survey_responses.groupby("wave")["respondent_id"].nunique()
    assert waves.index.tolist() == [1, 2]
    assert waves[2] < waves[1]


def test_no_name_or_upn_survives_loading(demo_workspace, demo_enquiry):
    rosters = [pd.read_csv(p, dtype=str) for p in demo_workspace.glob("raw/*/mis/roster.csv")]
    roster = pd.concat(rosters)
    secrets = set(roster["UPN"]) | set(roster["Legal Surname"])
    for name, df in demo_enquiry.tables.items():
        if df.empty or name == "attendance":
            continue
        cells = set(df.astype("string").stack().dropna())
        assert not cells & secrets, name
        words = set(" ".join(map(str, cells)).split())
        assert not words & set(roster["UPN"]), name
    assert not set(demo_enquiry.attendance["pupil_id"].cat.categories) & secrets


@pytest.mark.parametrize("scale", ["engagement", "metacognition", "relationships"])
def test_item1_injected_effects_recovered_in_raw_metric(demo_enquiry, scale):
    """The headline is Morris's d_ppc2, and INJECTED_EFFECTS is restated in that metric."""
    enq = demo_enquiry
    members = impact.community_members(enq.memberships, kind="slc")
    cohort = impact.cohort_ids(enq.pupils, members)
    result = impact.scale_change(enq.scale_scores(), members, scale=scale, cohort=cohort)
    injected = INJECTED_EFFECTS[f"slc_{scale}"]
    assert injected["measure"] == "d_ppc2"
    effect = result.effect
    assert effect.symbol == "d_ppc2"
    assert effect.ci_low <= injected["value"] <= effect.ci_high, (scale, injected, str(effect))
    assert effect.n1 >= 60  # members with both waves
    assert result.ppc.estimate == effect.estimate
    # the change-score g (research only) reads larger: pre-post correlation about 0.68
    if injected["value"] > 0:
        assert result.change_g.estimate > effect.estimate
        assert result.change_g.ci_low <= injected["change_score_g"] <= result.change_g.ci_high


def test_no_effect_outcome_is_not_found_and_real_ones_are(demo_enquiry):
    enq = demo_enquiry
    members = impact.community_members(enq.memberships, kind="slc")
    cohort = impact.cohort_ids(enq.pupils, members)
    scores = enq.scale_scores()
    eng = impact.scale_change(scores, members, scale="engagement", cohort=cohort).effect
    rel = impact.scale_change(scores, members, scale="relationships", cohort=cohort).effect
    assert eng.ci_low > 0
    assert rel.ci_low < 0 < rel.ci_high


def test_injected_attendance_change_lies_in_the_ci(demo_enquiry):
    enq = demo_enquiry
    members = impact.community_members(enq.memberships, kind="slc")
    cohort = impact.cohort_ids(enq.pupils, members)
    result = impact.attendance_change(enq.attendance_summary(by="term"), members, cohort=cohort)
    diff = result.difference
    true = INJECTED_EFFECTS["slc_attendance"]["value"]
    assert diff.ci_low <= true <= diff.ci_high, str(diff)
