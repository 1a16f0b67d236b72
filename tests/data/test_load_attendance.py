"""Attendance registers (long and wide) and the attendance summary."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from slc_research.data.loading.loaders import load_source
from slc_research.errors import ConfigError, DataError
from slc_research.measures.attendance import attendance_summary, school_period

LONG = {"UPN": "pupil_id", "Date": "date", "Session": "session", "Mark": "code"}


def _marks(t):
    """(pupil, day of month, session, code) of every mark, whatever their order."""
    return list(zip(t["pupil_id"].astype("string"), t["date"].dt.day,
                    t["session"].astype("string"), t["code"].astype("string"), strict=True))


def _long(write, spec, rows, name="register.csv", **options):
    path = write(f"raw/{name}", "UPN,Date,Session,Mark\n" + "".join(rows))
    return spec(path, "attendance", LONG, **options)


def test_long_register(write, spec, ctx, pseudonymiser, digest, frame_text):
    s = _long(write, spec, ["A1,01/09/2025,AM,/\n", "A1,01/09/2025,pm,\\\n",
                            "A1,02/09/2025,Morning,l\n", "A1,02/09/2025,A,-\n",
                            "A2,2025-09-01,P,i\n", "A2,01/09/2025,AM,\n", "A2,02/09/2025,AM,H\n"])
    before = digest(s.path)
    loaded = load_source(s, ctx)
    t = loaded.tables["attendance"]
    assert list(t.columns) == ["pupil_id", "date", "session", "code", "meaning"]
    assert {c: str(t[c].dtype) for c in t.columns} == {
        "pupil_id": "category", "date": "datetime64[ms]", "session": "category",
        "code": "category", "meaning": "category"}
    assert len(t) == 5  # "-" and a blank mark are no mark
    assert t["code"].astype("string").tolist() == ["/", "\\", "L", "I", "H"]
    assert t["session"].astype("string").tolist() == ["AM", "PM", "AM", "PM", "AM"]
    assert t["meaning"].astype("string").tolist() == ["present", "present", "present",
                                                      "authorised", "authorised"]
    assert t["pupil_id"].astype("string").tolist() == [pseudonymiser.one("A1")] * 3 + [
        pseudonymiser.one("A2")] * 2
    assert t["date"].tolist()[3] == pd.Timestamp("2025-09-01")
    assert "2 sessions with no mark recorded ('-' or blank) left out." in loaded.notes
    assert any("withdrew (H)" in n for n in loaded.notes)
    assert loaded.rows_read == 7
    assert loaded.rows_dropped == 2
    assert "A1" not in frame_text(loaded.tables).replace(pseudonymiser.one("A1"), "")
    assert digest(s.path) == before


def test_unknown_codes_name_row_and_column(write, spec, ctx):
    s = _long(write, spec, ["A1,01/09/2025,AM,/\n", "A1,01/09/2025,PM,?\n",
                            "A2,01/09/2025,AM,ZZ\n"])
    with pytest.raises(DataError) as info:
        load_source(s, ctx)
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [
        (3, "Mark", "?"), (4, "Mark", "ZZ")]
    assert "raw/register.csv, row 3, column 'Mark': found '?'; expected a DfE attendance code" \
        in str(info.value)


def test_bad_session_date_and_id_are_reported_together(write, spec, ctx):
    s = _long(write, spec, ["A1,01/09/2025,AM,/\n", "A1,31/09/2025,PM,/\n",
                            "A1,02/09/2025,Evening,/\n", ",02/09/2025,AM,/\n",
                            "A2,,AM,/\n"])
    with pytest.raises(DataError) as info:
        load_source(s, ctx)
    assert {(p.row, p.column) for p in info.value.problems} == {
        (3, "Date"), (4, "Session"), (5, "UPN"), (6, "Date")}


def test_duplicate_marks(write, spec, ctx):
    s = _long(write, spec, ["A1,01/09/2025,AM,/\n", "A2,01/09/2025,AM,/\n",
                            "a1,2025-09-01,am,L\n"])
    with pytest.raises(DataError, match=r"raw/register.csv, row 4, column 'Mark': expected one "
                                        r"mark per pupil and session, but row 2 already"):
        load_source(s, ctx)


def test_long_layout_needs_its_columns(write, spec, ctx):
    path = write("raw/register.csv", "UPN,Date,Mark\nA1,01/09/2025,/\n")
    with pytest.raises(DataError, match=r"'session', which a attendance source needs"):
        load_source(spec(path, "attendance", {"UPN": "pupil_id", "Date": "date",
                                              "Mark": "code"}), ctx)


def test_wide_register(write, spec, ctx, pseudonymiser):
    text = ("UPN,Form,Mon 01/09/2025 AM,Mon 01/09/2025 PM,2025-09-02 am,02/09/2025 (PM)\n"
            "A1,7X,/,\\,L,N\n"
            "A2,7Y,I,I,-,\n")
    path = write("raw/register_wide.csv", text)
    loaded = load_source(spec(path, "attendance", {"UPN": "pupil_id"}, layout="wide"), ctx)
    t = loaded.tables["attendance"]
    a1, a2 = pseudonymiser.one("A1"), pseudonymiser.one("A2")
    assert set(_marks(t)) == {(a1, 1, "AM", "/"), (a1, 1, "PM", "\\"), (a1, 2, "AM", "L"),
                              (a1, 2, "PM", "N"), (a2, 1, "AM", "I"), (a2, 1, "PM", "I")}
    assert len(t) == 6
    assert t.loc[t["code"] == "N", "meaning"].astype("string").tolist() == ["unauthorised"]
    assert "2 sessions with no mark recorded ('-' or blank) left out." in loaded.notes
    assert any("'Form'" in n and "ignored" in n for n in loaded.notes)
    assert loaded.rows_read == 2
    assert loaded.rows_dropped == 0


def test_wide_register_xlsx(write_xlsx, spec, ctx, pseudonymiser):
    path = write_xlsx("raw/register.xlsx", {"Marks": [
        ["UPN", "01/09/2025 AM", "01/09/2025 PM"], ["A1", "/", "\\"], ["A2", "N", "O"]]})
    t = load_source(spec(path, "attendance", {"UPN": "pupil_id"}, layout="wide"),
                    ctx).tables["attendance"]
    assert sorted(_marks(t)) == sorted([(pseudonymiser.one("A1"), 1, "AM", "/"),
                                        (pseudonymiser.one("A1"), 1, "PM", "\\"),
                                        (pseudonymiser.one("A2"), 1, "AM", "N"),
                                        (pseudonymiser.one("A2"), 1, "PM", "O")])


def test_wide_unknown_code_names_the_session_column(write, spec, ctx):
    path = write("raw/w.csv", "UPN,01/09/2025 AM,01/09/2025 PM\nA1,/,\\\nA2,/,Q?\n")
    with pytest.raises(DataError, match=r"raw/w.csv, row 3, column '01/09/2025 PM': found 'Q\?'"):
        load_source(spec(path, "attendance", {"UPN": "pupil_id"}, layout="wide"), ctx)


def test_wide_bad_session_header(write, spec, ctx):
    path = write("raw/w.csv", "UPN,31/09/2025 AM,01/09/2025 PM\nA1,/,\\\n")
    with pytest.raises(DataError, match=r"raw/w.csv, row 1, column '31/09/2025 AM'"):
        load_source(spec(path, "attendance", {"UPN": "pupil_id"}, layout="wide"), ctx)


def test_wide_without_session_columns(write, spec, ctx):
    path = write("raw/w.csv", "UPN,Form\nA1,7X\n")
    with pytest.raises(DataError, match=r"columns headed with a date and AM or PM"):
        load_source(spec(path, "attendance", {"UPN": "pupil_id"}, layout="wide"), ctx)


def test_wide_duplicate_pupil_rows(write, spec, ctx):
    path = write("raw/w.csv", "UPN,01/09/2025 AM\nA1,/\nA2,/\nA1,N\n")
    with pytest.raises(DataError, match=r"raw/w.csv, row 4, column '01/09/2025 AM': expected one "
                                        r"mark per pupil and session, but row 2 already"):
        load_source(spec(path, "attendance", {"UPN": "pupil_id"}, layout="wide"), ctx)


def test_layout_option_checked(write, spec, ctx):
    path = write("raw/w.csv", "UPN,01/09/2025 AM\nA1,/\n")
    with pytest.raises(ConfigError, match="sources.w.layout"):
        load_source(spec(path, "attendance", {"UPN": "pupil_id"}, layout="sideways"), ctx)


def test_withdrawn_pupils_left_out_of_the_register(write, spec, ctx, pseudonymiser):
    s = _long(write, spec, ["A1,01/09/2025,AM,/\n", "A2,01/09/2025,AM,/\n",
                            "A2,01/09/2025,PM,/\n"])
    ctx = dataclasses.replace(ctx, withdrawn=frozenset({pseudonymiser.one("A2")}))
    loaded = load_source(s, ctx)
    t = loaded.tables["attendance"]
    assert t["pupil_id"].astype("string").tolist() == [pseudonymiser.one("A1")]
    assert "2 rows of withdrawn people left out." in loaded.notes
    assert loaded.rows_dropped == 2
    # not even the withdrawn pupil's pseudonym remains, as an unused category
    assert t["pupil_id"].cat.categories.tolist() == [pseudonymiser.one("A1")]


def test_withdrawn_pupils_left_out_of_a_wide_register(write, spec, ctx, pseudonymiser):
    path = write("raw/w.csv", "UPN,01/09/2025 AM,01/09/2025 PM,02/09/2025 AM\n"
                              "A1,/,\\,/\nA2,/,\\,N\nA3,L,\\,/\n")
    ctx = dataclasses.replace(ctx, withdrawn=frozenset({pseudonymiser.one("A2")}))
    loaded = load_source(spec(path, "attendance", {"UPN": "pupil_id"}, layout="wide"), ctx)
    t = loaded.tables["attendance"]
    assert len(t) == 6
    assert set(t["pupil_id"].cat.categories) == {pseudonymiser.one("A1"), pseudonymiser.one("A3")}
    assert "1 row of withdrawn people left out." in loaded.notes  # one row of the sheet
    assert loaded.rows_dropped == 1


# -- attendance summary -------------------------------------------------------------


def _register(marks):
    """marks: {pupil: [(date, session, meaning), ...]} -> an attendance table."""
    rows = [(p, pd.Timestamp(d), s, m) for p, ms in marks.items() for d, s, m in ms]
    df = pd.DataFrame(rows, columns=["pupil_id", "date", "session", "meaning"])
    return df.astype({"pupil_id": "category", "meaning": "category", "date": "datetime64[ms]"})


def _days(start, meanings):
    days = pd.bdate_range(start, periods=(len(meanings) + 1) // 2)
    return [(days[i // 2], "AM" if i % 2 == 0 else "PM", m) for i, m in enumerate(meanings)]


def test_attendance_summary_by_hand():
    # Ten sessions each. P-1: 9 present, 1 unauthorised -> 90.0%: persistent absence
    # (missing 10% or more, DfE). P-2: 8 present, 1 authorised, 1 dual-registered
    # (not counted) -> 8/9 = 88.9%: persistent. P-3: all present bar one "not
    # required" -> 9/9 = 100%.
    reg = _register({
        "P-1": _days("2025-09-01", ["present"] * 9 + ["unauthorised"]),
        "P-2": _days("2025-09-01", ["present"] * 8 + ["authorised", "not_counted"]),
        "P-3": _days("2025-09-01", ["present"] * 9 + ["not_required"]),
    })
    s = attendance_summary(reg, by="year").set_index("pupil_id")
    assert s["possible"].tolist() == [10, 9, 9]
    assert s["present"].tolist() == [9, 8, 9]
    assert s["authorised"].tolist() == [0, 1, 0]
    assert s["unauthorised"].tolist() == [1, 0, 0]
    assert s["attendance_pct"].tolist() == pytest.approx([90.0, 800 / 9, 100.0])
    assert s["persistent_absence"].tolist() == [True, True, False]
    assert s["period"].astype("string").tolist() == ["2025-26"] * 3
    assert s["academic_year"].tolist() == ["2025-26"] * 3


def test_attendance_summary_by_term_and_half_term():
    reg = _register({"P-1": [("2025-10-31", "AM", "present"), ("2025-11-03", "AM", "present"),
                             ("2026-01-05", "AM", "unauthorised"),
                             ("2026-02-19", "AM", "present"), ("2026-07-20", "AM", "present")],
                     "P-2": [("2025-09-01", "AM", "not_counted")]})
    terms = attendance_summary(reg, by="term")
    p1 = terms[terms["pupil_id"] == "P-1"]
    assert p1["period"].astype("string").tolist() == ["autumn", "spring", "summer"]
    assert p1["possible"].tolist() == [2, 2, 1]
    assert p1["attendance_pct"].tolist() == [100.0, 50.0, 100.0]
    p2 = terms[terms["pupil_id"] == "P-2"]
    assert p2["possible"].tolist() == [0]  # a mark, but no possible session
    assert pd.isna(p2["attendance_pct"].iloc[0])
    assert pd.isna(p2["persistent_absence"].iloc[0])
    halves = attendance_summary(reg, by="half_term")
    assert halves.loc[halves["pupil_id"] == "P-1", "period"].astype("string").tolist() == [
        "autumn 1", "autumn 2", "spring 1", "spring 2", "summer 2"]
    assert halves["period"].cat.ordered


def test_school_period_boundaries():
    dates = pd.to_datetime(["2025-07-31", "2025-08-01", "2026-02-18", "2026-02-19",
                            "2026-03-31", "2026-04-01"])
    assert school_period(dates, "year").tolist() == ["2024-25", "2025-26", "2025-26", "2025-26",
                                                     "2025-26", "2025-26"]
    assert school_period(dates, "term").tolist() == ["summer", "autumn", "spring", "spring",
                                                     "spring", "summer"]
    assert school_period(dates, "half_term").tolist() == ["summer 2", "autumn 1", "spring 1",
                                                          "spring 2", "spring 2", "summer 1"]


def test_attendance_summary_of_a_loaded_register(write, spec, ctx):
    s = _long(write, spec, ["A1,01/09/2025,AM,/\n", "A1,01/09/2025,PM,N\n",
                            "A1,02/09/2025,AM,D\n"])
    summary = attendance_summary(load_source(s, ctx).tables["attendance"])
    assert summary[["possible", "present", "unauthorised"]].iloc[0].tolist() == [2, 1, 1]
    assert summary["persistent_absence"].tolist() == [True]


def test_attendance_summary_rejects_unknown_period():
    with pytest.raises(ConfigError, match="by must be one of"):
        attendance_summary(_register({"P-1": []}), by="week")
