"""MIS exports as SIMS and Arbor write them, loaded through Enquiry.open with no reshaping.

Each fixture is written by its test in the shape the tool exports (see the
module notes of :mod:`slc_research.data.loading.mis_layouts` for the sources): SIMS
session grids with one or two header rows or a column per day, Arbor's
roll-call marks export (a row per mark), and the behaviour and achievement
logs of both. Every pupil is invented ("Ava Example").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from slc_research import Enquiry
from slc_research.data.loading.attendance import ATTENDANCE_CODES
from slc_research.data.loading.mis_layouts import code_of_mark, split_day_marks, two_row_headers
from slc_research.errors import ConfigError, DataError
from slc_research.workspace.cache import CACHE_DIR

HEAD = 'title = "MIS exports"\nacademic_year = "2025-26"\nschools = ["Test School"]\n'
ROSTER = ("UPN,Forename,Surname\nK100000000001,Ava,Example\nK100000000002,Ben,Sample\n"
          "K100000000003,Cara,Specimen\n")
NAMES = ["Ava", "Example", "Ben", "Sample", "Cara", "Specimen", "K10000000000"]
SIMS_IDS = ["Adno", "UPN"]


def _open(tmp_path: Path, files: dict[str, object], sources: str) -> Enquiry:
    """A workspace with a roster, ``files`` (name -> CSV text or openpyxl Workbook), opened."""
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    (raw / "roster.csv").write_text(ROSTER, encoding="utf-8")
    for name, content in files.items():
        if isinstance(content, openpyxl.Workbook):
            content.save(raw / name)
        else:
            (raw / name).write_bytes(content.encode("utf-8-sig"))  # Excel's "CSV UTF-8"
    roster = ('[sources.roster]\npath = "raw/roster.csv"\nkind = "pupils"\n'
              '[sources.roster.columns]\n"UPN" = "pupil_id"\n"Forename" = "forename"\n'
              '"Surname" = "surname"\n')
    (tmp_path / "enquiry.toml").write_text(HEAD + roster + sources, encoding="utf-8")
    return Enquiry.open(tmp_path)


def _notes(enq: Enquiry, source: str) -> list[str]:
    return next(list(h.notes) for h in enq.health if h.source == source)


def _by_pupil(enq: Enquiry) -> dict[str, list[tuple[str, str, str]]]:
    """Forename -> [(date, session, code), ...] sorted, via the roster's pseudonyms."""
    who = dict(zip(enq.pupils["pupil_id"], ["Ava", "Ben", "Cara"], strict=True))
    a = enq.attendance
    out: dict[str, list[tuple[str, str, str]]] = {}
    for p, d, s, c in zip(a["pupil_id"].astype("string"), a["date"], a["session"].astype(str),
                          a["code"].astype(str), strict=True):
        out.setdefault(who[p], []).append((f"{d:%Y-%m-%d}", s, c))
    return {k: sorted(v) for k, v in out.items()}


def _no_names_anywhere(enq: Enquiry, root: Path) -> None:
    for name, df in enq.tables.items():
        text = df.astype("string").to_csv()
        for secret in NAMES:
            assert secret not in text, (name, secret)
    for note in (n for h in enq.health for n in h.notes):
        for secret in NAMES:
            assert secret not in note, note
    for f in (root / CACHE_DIR).rglob("*.parquet"):
        blob = f.read_bytes()
        for secret in NAMES:
            assert secret.encode() not in blob, (f, secret)


# the marks of every register fixture below, and their hand count:
# Ava  / \ / N  -> 3 present of 4 possible = 75%
# Ben  I I L \  -> 2 present, 2 authorised = 50%
# Cara / \ - -  -> 2 present of 2 = 100% (two sessions with no mark)
EXPECTED = {
    "Ava": [("2025-09-01", "AM", "/"), ("2025-09-01", "PM", "\\"),
            ("2025-09-02", "AM", "/"), ("2025-09-02", "PM", "N")],
    "Ben": [("2025-09-01", "AM", "I"), ("2025-09-01", "PM", "I"),
            ("2025-09-02", "AM", "L"), ("2025-09-02", "PM", "\\")],
    "Cara": [("2025-09-01", "AM", "/"), ("2025-09-01", "PM", "\\")],
}
GRID = [("Example", "Ava", "7A", "001234", "K100000000001", ["/", "\\", "/", "N"]),
        ("Sample", "Ben", "7A", "001235", "K100000000002", ["I", "I", "L", "\\"]),
        ("Specimen", "Cara", "7B", "001236", "K100000000003", ["/", "\\", "-", None])]
SESSION = '[sources.register]\npath = "raw/{file}"\nkind = "attendance"\n{extra}'
MAP_UPN = '[sources.register.columns]\n"UPN" = "pupil_id"\n'


def _check_register(enq: Enquiry, root: Path) -> None:
    assert _by_pupil(enq) == EXPECTED
    summary = enq.attendance_summary(by="year")
    who = dict(zip(enq.pupils["pupil_id"], ["Ava", "Ben", "Cara"], strict=True))
    pct = {who[p]: v for p, v in zip(summary["pupil_id"], summary["attendance_pct"],
                                     strict=True)}
    assert pct == {"Ava": 75.0, "Ben": 50.0, "Cara": 100.0}
    assert "2 sessions with no mark recorded ('-' or blank) left out." in _notes(enq, "register")
    _no_names_anywhere(enq, root)


def test_sims_grid_one_header_row_csv(tmp_path):
    header = ["Surname", "Forename", "Reg Group", "Adno", "UPN", "Mon 01/09/2025 AM",
              "Mon 01/09/2025 PM", "Tue 02/09/2025 AM", "Tue 02/09/2025 PM"]
    lines = [",".join(header)] + [",".join([*p[:5], *(m or "" for m in p[5])]) for p in GRID]
    enq = _open(tmp_path, {"sims.csv": "\r\n".join(lines) + "\r\n"},
                SESSION.format(file="sims.csv", extra=MAP_UPN))
    _check_register(enq, tmp_path)
    assert any("4 columns not headed like a session" in n and "'Surname'" in n
               for n in _notes(enq, "register"))


def _two_row_workbook(merged: bool) -> openpyxl.Workbook:
    """SIMS's grid as Excel shows it: Excel dates in row 1 (merged over AM and PM), AM/PM in row 2."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Attendance"
    ids = ["Surname", "Forename", "Reg Group", "Adno", "UPN"]
    for c, h in enumerate(ids, start=1):
        ws.cell(row=1, column=c, value=h)
    for i, day in enumerate((dt.datetime(2025, 9, 1), dt.datetime(2025, 9, 2))):
        col = 6 + 2 * i
        ws.cell(row=1, column=col, value=day).number_format = "ddd dd/mm/yyyy"
        if merged:
            ws.merge_cells(start_row=1, start_column=col, end_row=1, end_column=col + 1)
        else:
            ws.cell(row=1, column=col + 1, value=day)
        ws.cell(row=2, column=col, value="AM")
        ws.cell(row=2, column=col + 1, value="PM")
    for r, p in enumerate(GRID, start=3):
        for c, v in enumerate([*p[:5], *p[5]], start=1):
            if v is not None:
                ws.cell(row=r, column=c, value=v)
    return wb


def test_sims_grid_two_header_rows_xlsx_merged_dates(tmp_path):
    enq = _open(tmp_path, {"sims.xlsx": _two_row_workbook(merged=True)},
                SESSION.format(file="sims.xlsx", extra=MAP_UPN))
    _check_register(enq, tmp_path)
    assert any("header is two rows" in n for n in _notes(enq, "register"))


def test_sims_grid_two_header_rows_csv_dates_repeated(tmp_path):
    top = "Surname,Forename,Reg Group,Adno,UPN,01/09/2025,01/09/2025,02/09/2025,02/09/2025"
    lines = [top, ",,,,,AM,PM,AM,PM"]
    lines += [",".join([*p[:5], *(m or "" for m in p[5])]) for p in GRID]
    enq = _open(tmp_path, {"sims.csv": "\n".join(lines) + "\n"},
                SESSION.format(file="sims.csv", extra=MAP_UPN))
    _check_register(enq, tmp_path)


def test_sims_day_grid_both_marks_in_one_cell(tmp_path):
    lines = ["Surname,Forename,Reg Group,UPN,Mon 01/09/2025,Tue 02/09/2025",
             "Example,Ava,7A,K100000000001,/\\,/N",
             "Sample,Ben,7A,K100000000002,ii,L\\",
             "Specimen,Cara,7B,K100000000003,/\\,--"]
    # one id column (UPN): nothing to map at all
    enq = _open(tmp_path, {"days.csv": "\n".join(lines) + "\n"},
                SESSION.format(file="days.csv", extra=""))
    _check_register(enq, tmp_path)


def test_arbor_roll_call_marks_long_csv_without_mapping(tmp_path):
    rows = [("Ava Example", "K100000000001", "1 Sep 2025", "AM", "/", "Present (AM)"),
            ("Ava Example", "K100000000001", "1 Sep 2025", "PM", "\\", "Present (PM)"),
            ("Ava Example", "K100000000001", "2 Sep 2025", "AM", "/", "Present (AM)"),
            ("Ava Example", "K100000000001", "2 Sep 2025", "PM", "N", "No reason yet provided"),
            ("Ben Sample", "K100000000002", "1 Sep 2025", "AM", "i", "Illness"),
            ("Ben Sample", "K100000000002", "1 Sep 2025", "PM", "I", "Illness"),
            ("Ben Sample", "K100000000002", "2 Sep 2025", "AM", "L", "Late (before registers "
             "closed)"),
            ("Ben Sample", "K100000000002", "2 Sep 2025", "PM", "\\", "Present (PM)"),
            ("Cara Specimen", "K100000000003", "1 Sep 2025", "AM", "/", "Present (AM)"),
            ("Cara Specimen", "K100000000003", "1 Sep 2025", "PM", "\\", "Present (PM)"),
            ("Cara Specimen", "K100000000003", "2 Sep 2025", "AM", "-", ""),
            ("Cara Specimen", "K100000000003", "2 Sep 2025", "PM", "", "")]
    text = "Student,UPN,Date,Session,Mark,Description\n" + "".join(
        ",".join(f'"{v}"' if "," in v else v for v in r) + "\n" for r in rows)
    enq = _open(tmp_path, {"arbor.csv": text}, SESSION.format(file="arbor.csv", extra=""))
    _check_register(enq, tmp_path)
    assert len(enq.attendance) == 10


def test_arbor_marks_xlsx_with_excel_dates_and_described_codes(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Student", "Year", "UPN", "Date", "AM/PM", "Attendance Mark"])
    marks = {"K100000000001": ["/ - Present (AM)", "\\ - Present (PM)", "/", "N: No reason"],
             "K100000000002": ["I (Illness)", "I", "l", "\\"],
             "K100000000003": ["/", "\\", "-", None]}
    for upn, codes in marks.items():
        for i, code in enumerate(codes):
            day = dt.datetime(2025, 9, 1 + i // 2)
            ws.append(["Ava Example", "Year 7", upn, day, "AM" if i % 2 == 0 else "PM", code])
    enq = _open(tmp_path, {"arbor.xlsx": wb}, SESSION.format(file="arbor.xlsx", extra=""))
    _check_register(enq, tmp_path)
    assert any("'AM/PM' as session" in n and "'Attendance Mark' as code" in n
               for n in _notes(enq, "register"))


def test_every_dfe_code_is_read_and_withdrawn_codes_noted(tmp_path):
    codes = list(ATTENDANCE_CODES)
    days = pd.bdate_range("2025-09-01", periods=len(codes))
    text = "UPN,Date,Session,Mark\n" + "".join(
        f"K100000000001,{d:%d/%m/%Y},AM,{c.lower() if c.isalpha() else c}\n"
        for d, c in zip(days, codes, strict=True))
    enq = _open(tmp_path, {"codes.csv": text}, SESSION.format(file="codes.csv", extra=""))
    assert enq.attendance["code"].astype(str).tolist() == codes
    assert any("withdrew (F, H, J, Y)" in n for n in _notes(enq, "register"))


def test_unknown_code_in_a_two_row_grid_names_excel_row_and_column(tmp_path):
    wb = _two_row_workbook(merged=True)
    wb.active.cell(row=4, column=8, value="Q?")  # Ben, 2 September AM
    with pytest.raises(DataError) as info:
        _open(tmp_path, {"sims.xlsx": wb}, SESSION.format(file="sims.xlsx", extra=MAP_UPN))
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [
        (4, "2025-09-02 AM", "Q?")]
    assert "raw/sims.xlsx, row 4" in str(info.value)
    assert "expected a DfE attendance code" in str(info.value)


def test_unknown_code_in_a_long_export_names_row_and_column(tmp_path):
    text = ("Student,UPN,Date,Session,Attendance Mark\nAva Example,K100000000001,01/09/2025,AM,/\n"
            "Ava Example,K100000000001,01/09/2025,PM,Present\n")
    with pytest.raises(DataError, match=r"raw/arbor.csv, row 3, column 'Attendance Mark': found "
                                        r"'Present'; expected a DfE attendance code"):
        _open(tmp_path, {"arbor.csv": text}, SESSION.format(file="arbor.csv", extra=""))


def test_day_cell_without_two_marks_is_reported(tmp_path):
    text = "UPN,Mon 01/09/2025,Tue 02/09/2025\nK100000000001,/\\,/\nK100000000002,NN,//\\\n"
    with pytest.raises(DataError) as info:
        _open(tmp_path, {"days.csv": text}, SESSION.format(file="days.csv", extra=""))
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [
        (2, "Tue 02/09/2025", "/"), (3, "Tue 02/09/2025", "//\\")]
    assert "two marks, the morning's then the afternoon's" in str(info.value)


def test_unrecognised_layout_says_which_layouts_are_understood(tmp_path):
    text = "UPN,Form,Notes\nK100000000001,7A,fine\n"
    with pytest.raises(DataError) as info:
        _open(tmp_path, {"odd.csv": text}, SESSION.format(file="odd.csv", extra=""))
    message = str(info.value)
    assert message.startswith("raw/odd.csv: expected a register in one of the layouts understood")
    assert "'long', a row per mark" in message
    assert "'wide', a row per pupil" in message
    assert "the file's headers are 'UPN', 'Form', 'Notes'" in message
    assert 'set layout = "long" or "wide" in [sources.register]' in message


def test_two_id_columns_ask_which_one(tmp_path):
    text = "Adno,UPN,Mon 01/09/2025 AM\n001234,K100000000001,/\n"
    with pytest.raises(DataError, match=r"'UPN' and 'Adno' could each be it; say which one your "
                                        r"roster uses: add '\"UPN\" = \"pupil_id\"'"):
        _open(tmp_path, {"w.csv": text}, SESSION.format(file="w.csv", extra=""))


def test_layout_can_still_be_forced(tmp_path):
    text = "UPN,Date,Session,Mark\nK100000000001,01/09/2025,AM,/\n"
    with pytest.raises(DataError, match=r"columns headed with a date and AM or PM"):
        _open(tmp_path, {"r.csv": text}, SESSION.format(file="r.csv", extra='layout = "wide"\n'))


# -- behaviour ----------------------------------------------------------------------


BEHAVIOUR = '[sources.{name}]\npath = "raw/{file}"\nkind = "behaviour"\n{extra}'


def _types(enq: Enquiry) -> dict[str, list[tuple[str | None, str | None, float | None]]]:
    """Forename -> [(type, category, points), ...] in file order (None = blank)."""
    who = dict(zip(enq.pupils["pupil_id"], ["Ava", "Ben", "Cara"], strict=True))
    b = enq.behaviour
    out: dict[str, list[tuple[str | None, str | None, float | None]]] = {}
    for p, t, c, pts in zip(b["pupil_id"], b["type"], b["category"], b["points"], strict=True):
        out.setdefault(who[p], []).append(tuple(None if pd.isna(v) else v for v in (t, c, pts)))
    return out


def test_sims_achievement_and_behaviour_exports_are_positive_and_negative(tmp_path):
    achievements = ("Surname,Forename,Reg Group,UPN,Achievement Date,Achievement Type,Points,"
                    "Comments\n"
                    "Example,Ava,7A,K100000000001,01/10/2025,Excellent work,2,Ben Sample helped\n"
                    "Sample,Ben,7A,K100000000002,02/10/2025,Kindness,1,\n")
    incidents = ("Surname,Forename,Reg Group,UPN,Incident Date,Behaviour Type,Points,Status,"
                 "Comments\n"
                 "Sample,Ben,7A,K100000000002,03/10/2025 10:35,Disruption,2,Resolved,"
                 "Cara Specimen upset\n"
                 "Specimen,Cara,7B,K100000000003,03/10/2025 14:05,Late to lesson,1,Unresolved,\n")
    enq = _open(tmp_path, {"ach.csv": achievements, "beh.csv": incidents},
                BEHAVIOUR.format(name="achievements", file="ach.csv", extra="")
                + BEHAVIOUR.format(name="incidents", file="beh.csv", extra=""))
    assert _types(enq) == {"Ava": [("positive", "Excellent work", 2.0)],
                           "Ben": [("positive", "Kindness", 1.0),
                                   ("negative", "Disruption", 2.0)],
                           "Cara": [("negative", "Late to lesson", 1.0)]}
    assert enq.behaviour["date"].tolist()[2] == pd.Timestamp("2025-10-03 10:35")
    assert any("All events read as positive" in n for n in _notes(enq, "achievements"))
    assert any("All events read as negative" in n and 'polarity = "positive"' in n
               for n in _notes(enq, "incidents"))
    assert any("'Incident Date' as date" in n and "'Behaviour Type' as category" in n
               for n in _notes(enq, "incidents"))
    _no_names_anywhere(enq, tmp_path)
    assert "upset" not in enq.behaviour.astype("string").to_csv()


def test_arbor_behaviour_export_with_signed_severity_xlsx(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Student", "UPN", "Date", "Behaviour Type", "Severity", "Status", "Comments"])
    ws.append(["Ava Example", "K100000000001", dt.datetime(2025, 10, 1, 9, 15), "Great effort",
               3, "Resolved", "Ava Example was brilliant"])
    ws.append(["Ben Sample", "K100000000002", dt.datetime(2025, 10, 1, 11, 0), "Disruption", -2,
               "Unresolved", ""])
    ws.append(["Cara Specimen", "K100000000003", dt.datetime(2025, 10, 2), "Note", 0,
               "Resolved", ""])
    enq = _open(tmp_path, {"arbor_behaviour.xlsx": wb},
                BEHAVIOUR.format(name="behaviour", file="arbor_behaviour.xlsx", extra=""))
    assert _types(enq) == {"Ava": [("positive", "Great effort", 3.0)],
                           "Ben": [("negative", "Disruption", -2.0)],
                           "Cara": [(None, "Note", 0.0)]}
    assert enq.behaviour["date"].tolist()[0] == pd.Timestamp("2025-10-01 09:15")
    notes = _notes(enq, "behaviour")
    assert "1 event with no type and no points above or below zero: type left blank." in notes
    assert not any("All events read as" in n for n in notes)
    _no_names_anywhere(enq, tmp_path)


def test_polarity_option_and_polarity_column(tmp_path):
    log = ("UPN,Date,Positive/Negative,Reason,Points\n"
           "K100000000001,01/10/2025,Positive,Homework,\n"
           "K100000000002,01/10/2025,Neutral,Note,\n"
           "K100000000003,01/10/2025,Negative,Lateness,1\n")
    merits = "UPN,Date,Points\nK100000000001,01/10/2025,5\n"
    enq = _open(tmp_path, {"log.csv": log, "merits.csv": merits},
                BEHAVIOUR.format(name="log", file="log.csv", extra="")
                + BEHAVIOUR.format(name="merits", file="merits.csv",
                                   extra='polarity = "negative"\n'))
    assert _types(enq) == {"Ava": [("positive", "Homework", None), ("negative", None, 5.0)],
                           "Ben": [(None, "Note", None)],
                           "Cara": [("negative", "Lateness", 1.0)]}
    assert any("'Positive/Negative' as type" in n and "'Reason' as category" in n
               for n in _notes(enq, "log"))


def test_bad_polarity_option(tmp_path):
    text = "UPN,Date,Points\nK100000000001,01/10/2025,5\n"
    with pytest.raises(ConfigError, match=r"sources.merits.polarity"):
        _open(tmp_path, {"merits.csv": text},
              BEHAVIOUR.format(name="merits", file="merits.csv", extra='polarity = "good"\n'))


# -- the pieces -----------------------------------------------------------------------


@pytest.mark.parametrize(("mark", "code"), [
    ("/ - Present (AM)", "/"), ("\\ - Present (PM)", "\\"), ("n: No reason yet provided", "N"),
    ("I (Illness)", "I"), ("c1", "C1"), ("C2 - Leave of absence: part-time timetable", "C2"),
    ("y7", "Y7"), ("#", "#"), ("- no mark", "-"), ("Present", "PRESENT"), ("Q?", "Q?")])
def test_code_of_mark(mark, code):
    assert code_of_mark(mark) == code


def test_split_day_marks():
    am, pm, bad = split_day_marks(pd.Index(["/\\", "NN", "/L", "C1C1", "Y1/", "/ \\", "/",
                                            "//\\"]))
    assert list(zip(am[:6], pm[:6], strict=True)) == [("/", "\\"), ("N", "N"), ("/", "L"),
                                                      ("C1", "C1"), ("Y1", "/"), ("/", "\\")]
    assert bad.tolist() == [False] * 6 + [True, True]


def test_two_row_headers():
    top = ["UPN", "Name", "Mon 01/09/2025", None, "02/09/2025", "02/09/2025", None]
    bottom = [None, None, "AM", "PM", "am", "pm", None]
    assert two_row_headers(top, bottom) == ["UPN", "Name", "Mon 01/09/2025 AM",
                                            "Mon 01/09/2025 PM", "02/09/2025 am",
                                            "02/09/2025 pm", ""]
    assert two_row_headers(["UPN", "Name"], ["K1", "Ava"]) is None
    assert two_row_headers(["UPN", None], [None, "AM"]) is None  # no date over the session


def test_the_mapper_suggests_mis_titles():
    from slc_research.workspace.mapping_editor import suggest_mapping

    arbor = suggest_mapping(["Student", "UPN", "Date", "Session", "Attendance Mark",
                             "Description"], "attendance")
    assert {k: v for k, v in arbor.items() if v} == {
        "pupil_id": "UPN", "date": "Date", "session": "Session", "code": "Attendance Mark"}
    sims = suggest_mapping(["Surname", "Forename", "Adno", "Incident Date", "Behaviour Type",
                            "Severity", "Comments"], "behaviour")
    assert {k: sims[k] for k in ("pupil_id", "date", "category", "points")} == {
        "pupil_id": "Adno", "date": "Incident Date", "category": "Behaviour Type",
        "points": "Severity"}


def test_a_mapping_is_kept_and_unmapped_type_column_left_alone(tmp_path):
    # SIMS's own "Type" column names the behaviour, not its polarity: with a mapping that
    # leaves it out, it is not taken for the canonical 'type'
    text = ("UPN,Incident Date,Type,Points\nK100000000001,01/10/2025,Disruption,2\n")
    enq = _open(tmp_path, {"beh.csv": text},
                BEHAVIOUR.format(name="beh", file="beh.csv",
                                 extra='[sources.beh.columns]\n"UPN" = "pupil_id"\n'
                                       '"Type" = "category"\n'))
    assert _types(enq) == {"Ava": [("negative", "Disruption", 2.0)]}


def test_arbor_date_times_keep_their_time_in_behaviour_and_give_the_day_in_attendance(tmp_path):
    marks = "".join(f"{who},{upn},{day} {time},{s},{m}\n" for who, upn, day, time, s, m in [
        ("Ava Example", "K100000000001", "1 Sep 2025", "08:45", "AM", "/"),
        ("Ava Example", "K100000000001", "01 Sep 2025", "13:30:00", "PM", "\\"),
        ("Ben Sample", "K100000000002", "2 Sep 2025", "08:45", "AM", "L")])
    events = ("Student,UPN,Incident Date,Behaviour Type,Polarity,Points\n"
              "Ava Example,K100000000001,1 Oct 2025 10:35,Excellent work,Positive,2\n"
              "Ben Sample,K100000000002,01 Oct 2025 14:05:00,Disruption,Negative,1\n")
    enq = _open(tmp_path, {"marks.csv": "Student,UPN,Date,Session,Mark\n" + marks,
                           "events.csv": events},
                SESSION.format(file="marks.csv", extra="")
                + BEHAVIOUR.format(name="behaviour", file="events.csv", extra=""))
    assert _by_pupil(enq) == {"Ava": [("2025-09-01", "AM", "/"), ("2025-09-01", "PM", "\\")],
                              "Ben": [("2025-09-02", "AM", "L")]}
    assert enq.attendance["date"].tolist() == [pd.Timestamp("2025-09-01")] * 2 + [
        pd.Timestamp("2025-09-02")]
    assert sorted(enq.behaviour["date"].tolist()) == [pd.Timestamp("2025-10-01 10:35"),
                                                      pd.Timestamp("2025-10-01 14:05")]
    assert _types(enq) == {"Ava": [("positive", "Excellent work", 2.0)],
                           "Ben": [("negative", "Disruption", 1.0)]}
    _no_names_anywhere(enq, tmp_path)
