"""Communities, memberships, meetings, meeting attendance and action plans."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from slc_research.data.loading.loaders import load_source
from slc_research.errors import ConfigError, DataError


def test_communities(write, spec, ctx):
    path = write("raw/communities.csv", "Name,Type,Theme\nStuPed,SLC,Feedback\n"
                                        "TLC Assessment,Teacher Learning Community,Assessment\n"
                                        "Pilot A,co-production,\n")
    s = spec(path, "communities", {"Name": "community", "Type": "kind", "Theme": "theme"},
             school="Northfield")
    table = load_source(s, ctx).tables["communities"]
    assert table["kind"].astype("string").tolist() == ["slc", "tlc", "coproduction"]
    assert table["school"].tolist() == ["Northfield"] * 3


def test_community_kind_must_be_known(write, spec, ctx):
    path = write("raw/communities.csv", "Name,Type\nStuPed,SLC\nBook club,reading group\n")
    with pytest.raises(DataError, match=r"raw/communities.csv, row 3, column 'Type': found "
                                        r"'reading group'; expected slc, tlc, coproduction"):
        load_source(spec(path, "communities", {"Name": "community", "Type": "kind"}), ctx)


def test_community_kind_option_is_checked(write, spec, ctx):
    path = write("raw/communities.csv", "community\nStuPed\n")
    with pytest.raises(ConfigError, match=r"sources.communities.community_kind"):
        load_source(spec(path, "communities", community_kind="book club"), ctx)


def test_memberships_with_members_option(write, spec, ctx, pseudonymiser, frame_text):
    path = write("raw/slc_members.csv", "UPN,Team,Role,Joined,Left\n"
                                        "A1,StuPed,Lead,01/09/2025,\n"
                                        "A2,StuPed,Member,2025-09-08,20/12/2025\n")
    s = spec(path, "memberships", {"UPN": "member_id", "Team": "community", "Role": "role",
                                   "Joined": "joined", "Left": "left"},
             members="pupil", community_kind="slc")
    table = load_source(s, ctx).tables["memberships"]
    assert table["member_id"].tolist() == [pseudonymiser.one("A1"), pseudonymiser.one("A2")]
    assert table["member_type"].astype("string").tolist() == ["pupil", "pupil"]
    assert table["community_kind"].astype("string").tolist() == ["slc", "slc"]
    assert table["joined"].tolist() == [pd.Timestamp("2025-09-01"), pd.Timestamp("2025-09-08")]
    assert pd.isna(table["left"][0])
    assert table["left"][1] == pd.Timestamp("2025-12-20")
    assert str(table["joined"].dtype) == "datetime64[ms]"


def test_memberships_with_member_type_column(write, spec, ctx, pseudonymiser):
    path = write("raw/members.csv", "ID,Who,Group\nA1,Student,TLC1\nABC,Teacher,TLC1\n")
    s = spec(path, "memberships", {"ID": "member_id", "Who": "member_type", "Group": "community"})
    table = load_source(s, ctx).tables["memberships"]
    assert table["member_id"].tolist() == [pseudonymiser.one("A1", "pupil"),
                                           pseudonymiser.one("ABC", "staff")]
    assert table["member_type"].astype("string").tolist() == ["pupil", "staff"]


def test_memberships_need_to_know_whose_ids(write, spec, ctx):
    path = write("raw/members.csv", "member_id,community\nA1,StuPed\n")
    with pytest.raises(ConfigError, match=r'add members = "pupil"'):
        load_source(spec(path, "memberships"), ctx)


def test_left_before_joined(write, spec, ctx):
    path = write("raw/members.csv", "UPN,Team,Joined,Left\nA1,S,01/09/2025,01/07/2025\n")
    s = spec(path, "memberships", {"UPN": "member_id", "Team": "community", "Joined": "joined",
                                   "Left": "left"}, members="pupil")
    with pytest.raises(DataError, match=r"raw/members.csv, row 2, column 'Left': found "
                                        r"'01/07/2025'; expected a leaving date on or after"):
        load_source(s, ctx)


def test_duplicate_membership(write, spec, ctx):
    path = write("raw/members.csv", "UPN,Team\nA1,S\nA2,S\nA1,S\n")
    s = spec(path, "memberships", {"UPN": "member_id", "Team": "community"}, members="pupil")
    with pytest.raises(DataError, match=r"row 2.*rows 2 and 4 have the same UPN \+ Team"):
        load_source(s, ctx)


def test_meetings(write, spec, ctx):
    path = write("raw/meetings.csv", "ID,Date,Topic\nM1,01/10/2025,Feedback\nM2,05/11/2025,\n")
    s = spec(path, "meetings", {"ID": "meeting_id", "Date": "date", "Topic": "topic"},
             community="TLC Assessment")
    table = load_source(s, ctx).tables["meetings"]
    assert table["community"].tolist() == ["TLC Assessment"] * 2
    assert table["date"].tolist() == [pd.Timestamp("2025-10-01"), pd.Timestamp("2025-11-05")]


def test_meeting_needs_a_date(write, spec, ctx):
    path = write("raw/meetings.csv", "meeting_id,date\nM1,01/10/2025\nM2,\nM3,32/10/2025\n")
    with pytest.raises(DataError) as info:
        load_source(spec(path, "meetings"), ctx)
    assert {(p.row, p.column) for p in info.value.problems} == {(3, "date"), (4, "date")}


def test_meeting_attendance_defaults_to_present(write, spec, ctx):
    path = write("raw/att.csv", "Meeting,Staff\nM1,ABC\nM1,DEF\n")
    s = spec(path, "meeting_attendance", {"Meeting": "meeting_id", "Staff": "member_id"},
             members="staff")
    table = load_source(s, ctx).tables["meeting_attendance"]
    assert table["attended"].tolist() == [True, True]
    assert table["member_id"].str.startswith("S-").all()


def test_meeting_attendance_with_attended_column(write, spec, ctx):
    path = write("raw/att.csv", "Meeting,Staff,Present\nM1,ABC,Y\nM1,DEF,N\nM2,ABC,\n")
    s = spec(path, "meeting_attendance", {"Meeting": "meeting_id", "Staff": "member_id",
                                          "Present": "attended"}, members="staff")
    table = load_source(s, ctx).tables["meeting_attendance"]
    assert table["attended"].tolist()[:2] == [True, False]
    assert pd.isna(table["attended"][2])


def test_action_plans(write, spec, ctx, pseudonymiser):
    text = ("Teacher,Meeting,Plan,Status,Feedback\n"
            "ABC,M1,Use exit tickets,Tried it,Worked well\n"
            "DEF,M1,Cold calling,Not yet,\n"
            "GHI,M1,Think-pair-share,,\n"
            "JKL,M1,Hinge questions,partly ,Some classes\n")
    path = write("raw/tlc_plans.csv", text)
    s = spec(path, "action_plans", {"Teacher": "member_id", "Meeting": "meeting_id",
                                    "Plan": "plan", "Status": "status", "Feedback": "report"},
             members="staff", community="TLC Assessment")
    table = load_source(s, ctx).tables["action_plans"]
    assert table["status"].astype("string").tolist() == ["tried", "not_tried", "not_reported",
                                                         "partly"]
    assert table["plan_id"].tolist() == ["tlc_plans-2", "tlc_plans-3", "tlc_plans-4",
                                         "tlc_plans-5"]
    assert table["member_id"][0] == pseudonymiser.one("ABC", "staff")
    assert table["community"].tolist() == ["TLC Assessment"] * 4
    again = load_source(s, ctx).tables["action_plans"]  # stable ids
    assert again["plan_id"].tolist() == table["plan_id"].tolist()


def test_action_plan_status_unknown(write, spec, ctx):
    path = write("raw/plans.csv", "member_id,plan,status\nABC,Exit tickets,Brilliant\n")
    with pytest.raises(DataError, match=r"raw/plans.csv, row 2, column 'status': found "
                                        r"'Brilliant'; expected Tried"):
        load_source(spec(path, "action_plans", members="staff"), ctx)


def test_action_plan_needs_a_plan(write, spec, ctx):
    path = write("raw/plans.csv", "member_id,plan\nABC,Exit tickets\nDEF,\n")
    with pytest.raises(DataError, match=r"row 3, column 'plan': expected a plan in every row"):
        load_source(spec(path, "action_plans", members="staff"), ctx)


def test_withdrawn_staff_left_out_of_memberships(write, spec, ctx, pseudonymiser):
    path = write("raw/members.csv", "Code,Group\nABC,TLC1\nDEF,TLC1\n")
    s = spec(path, "memberships", {"Code": "member_id", "Group": "community"}, members="staff")
    ctx = dataclasses.replace(ctx, withdrawn=frozenset({pseudonymiser.one("DEF", "staff")}))
    loaded = load_source(s, ctx)
    assert loaded.tables["memberships"]["member_id"].tolist() == [pseudonymiser.one("ABC",
                                                                                    "staff")]
    assert "1 row of withdrawn people left out." in loaded.notes


def test_member_type_word_unknown(write, spec, ctx):
    path = write("raw/members.csv", "ID,Who,Group\nA1,Student,TLC1\nX9,Governor,TLC1\n")
    s = spec(path, "memberships", {"ID": "member_id", "Who": "member_type", "Group": "community"})
    with pytest.raises(DataError, match=r"raw/members.csv, row 3, column 'Who': found "
                                        r"'Governor'; expected pupil or staff"):
        load_source(s, ctx)
