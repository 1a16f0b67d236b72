"""Secondary suppression in the impact report's tables (slc_research.casestudies.slc_impact.tables)."""

from __future__ import annotations

import pandas as pd

from slc_research.casestudies.slc_impact import tables
from slc_research.casestudies.slc_impact.representativeness import Representativeness
from slc_research.measures.participation import Participation


def _rep() -> Representativeness:
    t = pd.DataFrame({"characteristic": ["SEN"] * 3 + ["Gender"] * 2,
                      "level": ["No SEN", "SEN support", "EHC plan", "Girls", "Boys"],
                      "n_members": [20, 8, 2, 15, 15], "n_rest": [150, 30, 10, 95, 95]})
    t["pct_members"] = 100 * t["n_members"] / 30
    t["pct_rest"] = 100 * t["n_rest"] / 190
    t["diff_pp"] = t["pct_members"] - t["pct_rest"]
    t["members_total"], t["rest_total"] = 30, 190
    return Representativeness(t, pd.DataFrame(), 30, 190, 0)


def test_representativeness_withholds_the_next_level_and_the_complement():
    out = tables.representativeness_table(_rep(), threshold=5, display=False)
    sen = out[out["characteristic"] == "SEN"].set_index("level")
    # EHC plan: 2 members (primary); SEN support (8) goes with it, else 30 - 20 - 8 = 2
    assert sen["n_members"].isna().tolist() == [False, True, True]
    # members + other pupils at a level is the level's size in the cohort: the others go too,
    # and then the other pupils' levels are protected the same way
    assert sen.loc["EHC plan", ["n_rest", "pct_rest", "diff_pp"]].isna().all()
    assert sen["n_rest"].isna().sum() >= 2
    assert not out.loc[out["characteristic"] == "Gender", ["n_members", "n_rest"]].isna().any(
        axis=None)
    shown = tables.representativeness_table(_rep(), threshold=5).set_index("Group")
    assert shown.loc["EHC plan", "Members: n"] == "<5"
    assert shown.loc["SEN support", "Members: n"] == "*"


def test_participation_regular_and_irregular_members_are_complements():
    summary = pd.DataFrame({"community": ["SLC A", "SLC B"], "members": [12, 20],
                            "meetings": [6, 6], "mean_pct_attended": [80.0, 70.0],
                            "median_pct_attended": [82.0, 71.0], "n_regular": [10, 9],
                            "pct_regular": [83.3, 45.0]})
    part = Participation(pd.DataFrame(), summary, pd.DataFrame(), pd.DataFrame())
    out = tables.participation_table(part, threshold=5, display=False)
    # 2 members of SLC A did not come regularly: publishing 10 of 12 would give them away
    assert out.loc[0, ["n_regular", "pct_regular"]].isna().all()
    assert out.loc[1, "n_regular"] == 9
    shown = tables.participation_table(part, threshold=5)
    assert shown.loc[0, "Came to 75% or more: n"] == "*"


def test_roles_of_a_community_add_up_to_its_members():
    roles = pd.DataFrame({"community": ["A"] * 3 + ["B"] * 2,
                          "role": ["member", "lead", "chair", "member", "lead"],
                          "n": [14, 6, 1, 12, 8]})
    part = Participation(pd.DataFrame(), pd.DataFrame(), roles, pd.DataFrame())
    out = tables.roles_table(part, threshold=5)
    assert out["Members"].tolist() == [14, "*", "<5", 12, 8]  # 1 + 6 together: not small
    # bands are merged rather than blanked (issue 18): the 1 joins its smaller neighbour
    bands = tables.bands_table(Participation(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
                                             roles.rename(columns={"role": "band"})),
                               threshold=5)
    assert bands["band"].tolist() == ["member", "lead to chair", "member", "lead"]
    assert bands["n"].tolist() == [14, 7, 12, 8]


def test_persistent_absence_remainder_and_groups():
    from types import SimpleNamespace

    extra = pd.DataFrame({"group": ["Members", "Other pupils"] * 2,
                          "period": ["before", "before", "after", "after"],
                          "n": [30, 200, 30, 200], "n_persistent": [27, 40, 6, 3]})
    extra["pct_persistent"] = 100 * extra["n_persistent"] / extra["n"]
    out = tables.persistent_absence_table(SimpleNamespace(extra=extra), threshold=5,
                                          display=False)
    # before: 3 members were not persistently absent (30 - 27), so the 27 is withheld
    assert out["n_persistent"].isna().tolist() == [True, False, False, True]
    assert out["pct_persistent"].isna().tolist() == [True, False, False, True]
    assert out["n"].notna().all()
