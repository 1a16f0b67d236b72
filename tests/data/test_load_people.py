"""Column mapping, the roster and staff loaders, and read_names."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from slc_research.data.loading.loaders import load_source, read_names
from slc_research.errors import ConfigError, DataError

ROSTER_COLUMNS = {"UPN": "pupil_id", "Legal Forename": "forename", "Legal Surname": "surname",
                  "Year": "year_group", "Gender": "gender", "PP": "pupil_premium",
                  "SEN Status": "sen", "EAL": "eal", "KS2 Band": "prior_attainment"}

ROSTER = """UPN,Legal Forename,Legal Surname,Year,Gender,PP,SEN Status,EAL,KS2 Band,Email
A100000000001,Olivia,Okafor,Y7,F,Y,N,N,Middle,oo@example.org
A100000000002,Jack,Price,Year 8,Male,No,K,Yes,L,jp@example.org
A100000000003,Amira,Hussain,9,girl,1,EHCP,0,High,ah@example.org
"""


def _roster(write, spec, text=ROSTER, name="roster.csv", **kw):
    path = write(f"raw/{name}", text)
    return path, spec(path, "pupils", kw.pop("columns", ROSTER_COLUMNS),
                      school="Northfield Academy", **kw)


def test_roster_loads_into_canonical_pupils(write, spec, ctx, pseudonymiser, digest,
                                              frame_text):
    path, s = _roster(write, spec)
    before = digest(path)
    loaded = load_source(s, ctx)
    pupils = loaded.tables["pupils"]
    assert list(pupils.columns) == ["pupil_id", "school", "year_group", "gender",
                                    "pupil_premium", "sen", "eal", "prior_attainment"]
    assert pupils["pupil_id"].tolist() == [pseudonymiser.one(f"A10000000000{i}", "pupil")
                                           for i in (1, 2, 3)]
    assert pupils["school"].tolist() == ["Northfield Academy"] * 3
    assert pupils["year_group"].tolist() == [7, 8, 9]
    assert pupils["gender"].astype("string").tolist() == ["F", "M", "F"]
    assert pupils["pupil_premium"].tolist() == [True, False, True]
    assert pupils["sen"].astype("string").tolist() == ["none", "support", "ehcp"]
    assert pupils["eal"].tolist() == [False, True, False]
    assert pupils["prior_attainment"].astype("string").tolist() == ["middle", "low", "high"]
    assert str(pupils["year_group"].dtype) == "Int8"
    assert loaded.rows_read == 3
    assert loaded.rows_dropped == 0
    # privacy: no real id, name or e-mail anywhere in the output; the file untouched
    text = frame_text(loaded.tables)
    for secret in ("A1000000000", "Olivia", "Okafor", "Price", "Hussain", "example.org"):
        assert secret not in text
    assert digest(path) == before


def test_roster_as_xlsx(write_xlsx, spec, ctx):
    path = write_xlsx("raw/roster.xlsx", {"Pupils": [
        ["UPN", "Year", "Gender", "PP"], ["A1", 7, "F", True], ["A2", 8.0, "M", False]]})
    loaded = load_source(spec(path, "pupils", {"UPN": "pupil_id", "Year": "year_group",
                                               "Gender": "gender", "PP": "pupil_premium"}), ctx)
    assert loaded.tables["pupils"]["year_group"].tolist() == [7, 8]
    assert loaded.tables["pupils"]["pupil_premium"].tolist() == [True, False]


def test_headers_match_ignoring_case_and_spaces(write, spec, ctx):
    path = write("raw/roster.csv", " upn ,YEAR\nA1,7\n")
    loaded = load_source(spec(path, "pupils", {"UPN": "pupil_id", "Year": "year_group"}), ctx)
    assert loaded.tables["pupils"]["year_group"].tolist() == [7]


def test_canonical_headers_need_no_mapping_and_extra_columns_are_ignored(write, spec, ctx,
                                                                         frame_text):
    path = write("raw/roster.csv", "Pupil ID,year_group,Forename,Secret note\nA1,7,Olivia,xyz\n")
    loaded = load_source(spec(path, "pupils"), ctx)
    pupils = loaded.tables["pupils"]
    assert pupils["year_group"].tolist() == [7]
    assert "xyz" not in frame_text(loaded.tables)
    assert "Olivia" not in frame_text(loaded.tables)


def test_bad_values_name_file_row_and_column(write, spec, ctx):
    text = ROSTER.replace("9,girl", "Y15,girl")
    path, s = _roster(write, spec, text)
    with pytest.raises(DataError, match=r"raw/roster.csv, row 4, column 'Year': found 'Y15'; "
                                        r"expected a year group from 1 to 14"):
        load_source(s, ctx)


def test_several_problems_are_reported_together(write, spec, ctx):
    text = ROSTER.replace("Y7,F,Y", "Y7,Q,Y").replace("Year 8,Male,No", "Year 8,Male,Perhaps") \
        .replace("High", "Top")
    path, s = _roster(write, spec, text)
    with pytest.raises(DataError) as info:
        load_source(s, ctx)
    err = info.value
    assert err.total == 3
    located = {(p.row, p.column, p.value) for p in err.problems}
    assert located == {(2, "Gender", "Q"), (3, "PP", "Perhaps"), (4, "KS2 Band", "Top")}
    assert str(err).startswith("3 problems in raw/roster.csv:")


def test_duplicate_ids_list_their_rows(write, spec, ctx):
    text = "UPN,Year\nA1,7\nA2,7\na1 ,8\nA3,9\nA2,9\n"
    path = write("raw/roster.csv", text)
    with pytest.raises(DataError) as info:
        load_source(spec(path, "pupils", {"UPN": "pupil_id", "Year": "year_group"}), ctx)
    messages = [str(p) for p in info.value.problems]
    assert messages[0].startswith("raw/roster.csv, row 2, column 'UPN'")
    assert "rows 2 and 4 have the same UPN" in messages[0]
    assert "rows 3 and 6 have the same UPN" in messages[1]
    assert "A1" not in str(info.value)  # the real id is not repeated in the message


def test_missing_id(write, spec, ctx):
    path = write("raw/roster.csv", "UPN,Year\nA1,7\n,8\n")
    with pytest.raises(DataError, match=r"raw/roster.csv, row 3, column 'UPN': expected a "
                                        r"pupil_id in every row"):
        load_source(spec(path, "pupils", {"UPN": "pupil_id", "Year": "year_group"}), ctx)


def test_mapped_header_missing_from_the_file(write, spec, ctx):
    path = write("raw/roster.csv", "UPN,Yr\nA1,7\n")
    with pytest.raises(DataError, match=r"raw/roster.csv, row 1, column 'Year': expected a "
                                        r"column headed 'Year'.*headers are 'UPN', 'Yr'"):
        load_source(spec(path, "pupils", {"UPN": "pupil_id", "Year": "year_group"}), ctx)


def test_required_column_not_mapped(write, spec, ctx):
    path = write("raw/roster.csv", "UPN,Year\nA1,7\n")
    with pytest.raises(DataError, match=r"'pupil_id'.*under \[sources.roster.columns\]"):
        load_source(spec(path, "pupils", {"Year": "year_group"}), ctx)


def test_mapping_to_an_unknown_canonical_column(write, spec, ctx):
    path = write("raw/roster.csv", "UPN,Year\nA1,7\n")
    with pytest.raises(ConfigError, match=r"sources.roster.columns.*'year'"):
        load_source(spec(path, "pupils", {"UPN": "pupil_id", "Year": "year"}), ctx)


def test_two_headers_mapped_to_one_column(write, spec, ctx):
    path = write("raw/roster.csv", "UPN,Year,NC Year\nA1,7,7\n")
    with pytest.raises(ConfigError, match="both mapped to 'year_group'"):
        load_source(spec(path, "pupils", {"UPN": "pupil_id", "Year": "year_group",
                                          "NC Year": "year_group"}), ctx)


def test_school_column_wins_over_option(write, spec, ctx):
    path = write("raw/roster.csv", "UPN,School\nA1,Eastfield\nA2,\n")
    s = spec(path, "pupils", {"UPN": "pupil_id", "School": "school"}, school="Northfield")
    assert load_source(s, ctx).tables["pupils"]["school"].tolist() == ["Eastfield", "Northfield"]


def test_withdrawn_pupils_are_left_out(write, spec, ctx, pseudonymiser):
    path, s = _roster(write, spec)
    ctx = dataclasses.replace(ctx, withdrawn=frozenset({pseudonymiser.one("A100000000002")}))
    loaded = load_source(s, ctx)
    assert len(loaded.tables["pupils"]) == 2
    assert pseudonymiser.one("A100000000002") not in set(loaded.tables["pupils"]["pupil_id"])
    assert "1 row of withdrawn people left out." in loaded.notes
    assert loaded.rows_dropped == 1
    assert not any("A100000000002" in n for n in loaded.notes)


def test_blank_rows_are_counted_as_dropped(write, spec, ctx):
    path, s = _roster(write, spec, ROSTER + ",,,,,,,,,\n,,,,,,,,,\n")
    loaded = load_source(s, ctx)
    assert loaded.rows_read == 3
    assert loaded.rows_dropped == 2
    assert "2 blank rows left out." in loaded.notes


def test_trimmed_values_are_noted(write, spec, ctx):
    path = write("raw/roster.csv", "UPN,Year\nA1, 7\nA2,8 \n")
    loaded = load_source(spec(path, "pupils", {"UPN": "pupil_id", "Year": "year_group"}), ctx)
    assert any("2 values had spaces" in n and "'Year'" in n for n in loaded.notes)


def test_staff_list(write, spec, ctx, pseudonymiser, frame_text):
    path = write("raw/staff.csv", "Staff Code,Name,Dept,Years\nABC,Ann Bell,Science,12\n"
                                  "DEF,Dev Patel,English,\n")
    s = spec(path, "staff", {"Staff Code": "staff_id", "Name": "name", "Dept": "department",
                             "Years": "years_experience"}, school="Northfield")
    staff = load_source(s, ctx).tables["staff"]
    assert staff["staff_id"].tolist() == [pseudonymiser.one("ABC", "staff"),
                                          pseudonymiser.one("DEF", "staff")]
    assert staff["staff_id"].str.startswith("S-").all()
    assert staff["department"].tolist() == ["Science", "English"]
    assert staff["years_experience"].tolist()[0] == 12.0
    assert pd.isna(staff["years_experience"][1])
    assert "Ann" not in frame_text({"s": staff})


def test_read_names(write, spec):
    path, s = _roster(write, spec)
    names = read_names(s)
    assert {"Olivia", "Okafor", "Olivia Okafor", "Amira Hussain"} <= names
    assert not any("@" in n or n.startswith("A1") for n in names)


def test_read_names_of_a_full_name_column(write, spec):
    path = write("raw/staff.csv", "Staff Code,Staff Name\nABC,\"Bell, Ann\"\n")
    names = read_names(spec(path, "staff", {"Staff Code": "staff_id", "Staff Name": "name"}))
    assert {"Bell, Ann", "Ann Bell", "Ann", "Bell"} <= names


def test_read_names_includes_unmapped_preferred_names(write, spec):
    path = write("raw/roster.csv", "UPN,Forename,Surname,Preferred Name,Year\n"
                                   "A100,Olivia,Okafor,Liv,7\nA101,Amira,Hussain,,8\n")
    names = read_names(spec(path, "pupils", {"UPN": "pupil_id", "Forename": "forename",
                                            "Surname": "surname", "Year": "year_group"}))
    assert {"Liv", "Olivia", "Okafor"} <= names
    assert "7" not in names


def test_read_names_is_empty_for_other_kinds(write, spec):
    path = write("raw/m.csv", "meeting_id,date\nM1,01/09/2025\n")
    assert read_names(spec(path, "meetings")) == frozenset()


def test_staff_years_out_of_range(write, spec, ctx):
    path = write("raw/staff.csv", "staff_id,years_experience\nABC,12\nDEF,99\nGHI,lots\n")
    with pytest.raises(DataError) as info:
        load_source(spec(path, "staff"), ctx)
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [
        (3, "years_experience", "99"), (4, "years_experience", "lots")]
    assert "a number from 0 to 60" in str(info.value)
