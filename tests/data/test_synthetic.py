"""Tests of the synthetic trust (slc_research.synthetic.trust).

The raw files are parsed here with pandas alone, the way a teacher's own script
would, so these tests do not depend on the loaders. Effect sizes are computed as
``INJECTED_EFFECTS`` defines them; the confidence interval of Hedges' g uses the
normal approximation se = sqrt((n1+n2)/(n1 n2) + g^2 / (2 (n1+n2))) (Hedges and
Olkin, 1985, eq. 5.14).
"""

from __future__ import annotations

import hashlib
import re
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slc_research.data.schemas import COMMON_SOURCE_KEYS, DFE_ATTENDANCE_CODES, KINDS
from slc_research.errors import ConfigError
from slc_research.stats import ppc_effect_size
from slc_research.synthetic.people import FORENAMES_F, FORENAMES_M, SURNAMES
from slc_research.synthetic.surveys import LQ_ITEMS, simulate_learning_questionnaire
from slc_research.synthetic.trust import INJECTED_EFFECTS, SLC_YEARS, write_demo_workspace

LEVELS = {"strongly disagree": 1, "disagree": 2, "neither agree nor disagree": 3, "agree": 4,
          "strongly agree": 5}
PRESENT = {c for c, (m, _) in DFE_ATTENDANCE_CODES.items() if m == "present"}
#: Each survey tool's own first columns, its submission time and how the time is written.
TOOL_SHAPES = {
    "Google Forms": (["Timestamp"], "Timestamp", "%Y/%m/%d %I:%M:%S %p GMT+1"),
    "Microsoft Forms": (["ID", "Start time", "Completion time", "Email", "Name",
                         "Last modified time"], "Completion time", "%Y-%m-%d %H:%M:%S"),
    "Qualtrics": (["StartDate", "EndDate", "Status", "IPAddress", "Progress",
                   "Duration (in seconds)", "Finished", "RecordedDate", "ResponseId",
                   "RecipientLastName", "RecipientFirstName", "RecipientEmail",
                   "ExternalReference", "LocationLatitude", "LocationLongitude",
                   "DistributionChannel", "UserLanguage"], "EndDate", "%Y-%m-%d %H:%M:%S"),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """The default demo trust (4 schools x 1,000 pupils, seed 2025) and its build time."""
    start = time.perf_counter()
    ws = write_demo_workspace(tmp_path_factory.mktemp("demo") / "ws")
    return ws, time.perf_counter() - start


@pytest.fixture(scope="module")
def manifest(demo: tuple[Path, float]) -> dict:
    return tomllib.loads((demo[0] / "enquiry.toml").read_text(encoding="utf-8"))


def _read(ws: Path, rel: str) -> pd.DataFrame:
    """A raw file as text, as a teacher's script reads each tool's export.

    XLSX: the first sheet, row 1 the header. Qualtrics CSV (row 3 holds ImportId
    objects): rows 2-3 are header, and the survey preview is not a response.
    """
    path = ws / rel
    if path.suffix == ".xlsx":
        return pd.read_excel(path, dtype=str, na_filter=False, engine="openpyxl")
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if len(df) > 1 and df.iloc[1].str.startswith('{"ImportId"').any():
        df = df.iloc[2:]
        df = df[df["Status"] != "Survey Preview"].reset_index(drop=True)
    return df


def _day_first(dates: pd.Series) -> pd.Series:
    """Arbor's ``1 Sep 2025`` as ``01/09/2025``; day-first dates as they are."""
    arbor = dates.str.contains(" ")
    out = dates.copy()
    out[arbor] = pd.to_datetime(dates[arbor], format="%d %b %Y").dt.strftime("%d/%m/%Y")
    return out


def _sources(manifest: dict, **match: object) -> list[dict]:
    return [s for s in manifest["sources"].values()
            if all(s.get(k) == v for k, v in match.items())]


def _concat(ws: Path, manifest: dict, **match: object) -> pd.DataFrame:
    return pd.concat([_read(ws, s["path"]) for s in _sources(manifest, **match)],
                     ignore_index=True)


def _hedges_g(a: pd.Series, b: pd.Series) -> tuple[float, float, float]:
    n1, n2 = len(a), len(b)
    sp = np.sqrt(((n1 - 1) * a.var() + (n2 - 1) * b.var()) / (n1 + n2 - 2))
    g = (a.mean() - b.mean()) / sp * (1 - 3 / (4 * (n1 + n2) - 9))
    se = np.sqrt((n1 + n2) / (n1 * n2) + g**2 / (2 * (n1 + n2)))
    return g, g - 1.96 * se, g + 1.96 * se


def _scale_scores(levels: pd.DataFrame) -> pd.DataFrame:
    """Scale scores from item levels (1..5 as given): reverse-coded items reversed."""
    out = {}
    for scale, items in LQ_ITEMS.items():
        cols = [6 - levels[c] if rev else levels[c] for c, _, rev in items]
        out[scale] = pd.concat(cols, axis=1).mean(axis=1)
    return pd.DataFrame(out)


def _change_effects(scores: pd.DataFrame) -> dict[str, tuple[float, float, float]]:
    """Hedges' g of the wave-2 minus wave-1 change, members vs others (columns id, member, wave)."""
    wide = scores.pivot_table(index=["id", "member"], columns="wave", values=list(LQ_ITEMS))
    out = {}
    for scale in LQ_ITEMS:
        both = wide[scale].dropna()
        change = both[2] - both[1]
        member = change.index.get_level_values("member").to_numpy(dtype=bool)
        out[scale] = _hedges_g(change[member], change[~member])
        base = both[1]
        out[f"{scale}_baseline"] = _hedges_g(base[member], base[~member])
    return out


def _ppc_effects(scores: pd.DataFrame) -> dict[str, tuple[float, float, float]]:
    """Morris's d_ppc2 (Morris, 2008, eq. 8) with its 95% CI, members vs others, per scale."""
    wide = scores.pivot_table(index=["id", "member"], columns="wave", values=list(LQ_ITEMS))
    out = {}
    for scale in LQ_ITEMS:
        both = wide[scale].dropna()
        member = both.index.get_level_values("member").to_numpy(dtype=bool)
        res = ppc_effect_size(both[1][member], both[2][member], both[1][~member],
                              both[2][~member])
        out[scale] = (res.estimate, res.ci_low, res.ci_high)
    return out


def _demo_questionnaire(ws: Path, manifest: dict) -> pd.DataFrame:
    roster = _concat(ws, manifest, kind="pupils")
    year = dict(zip(roster["UPN"], roster["Year"].astype(int), strict=True))
    members = set(_concat(ws, manifest, kind="memberships", community_kind="slc")["UPN"])
    frames = []
    for src in _sources(manifest, instrument="learning_questionnaire"):
        df = _read(ws, src["path"]).rename(columns=src["columns"])
        levels = df[[c for items in LQ_ITEMS.values() for c, _, _ in items]].apply(
            lambda s: s.str.strip().str.casefold().map(LEVELS))
        scores = _scale_scores(levels)
        scores["id"] = df["respondent_id"].str.strip().str.upper()
        scores["wave"] = src["wave"]
        frames.append(scores)
    lq = pd.concat(frames, ignore_index=True)
    lq["member"] = lq["id"].isin(members)
    return lq[lq["id"].map(year).isin(SLC_YEARS)]


# --- the workspace as a whole -------------------------------------------------------------

def test_demo_is_complete(demo: tuple[Path, float], manifest: dict) -> None:
    # its build time is not asserted here: on a shared machine a timed test fails by chance
    ws = demo[0]
    assert sorted(p.name for p in ws.iterdir()) == ["README.md", "enquiry.toml", "private", "raw"]
    assert "synthetic" in (ws / "README.md").read_text(encoding="utf-8")
    assert manifest["academic_year"] == "2025-26"
    assert manifest["schools"] == ["Northfield Academy", "Riverside School",
                                   "St Aidan's C of E High", "Castlegate Academy"]
    assert manifest["privacy"]["suppression_threshold"] == 5
    assert sorted(p.name for p in (ws / "raw").iterdir()) == [
        "castlegate-academy", "northfield-academy", "riverside-school", "st-aidans-c-of-e-high",
        "voices"]


def test_manifest_scales_follow_the_readme(manifest: dict) -> None:
    scales = manifest["scales"]
    assert set(scales) == {"engagement", "metacognition", "relationships", "tlc_impact"}
    for table in scales.values():
        assert set(table) == {"instrument", "label", "items", "reverse", "response_scale"}
        assert 4 <= len(table["items"]) <= 6
        assert table["reverse"]
        assert set(table["reverse"]) <= set(table["items"])
        assert table["response_scale"] == "agree5"


def test_every_source_names_an_existing_file_and_mapped_headers(demo: tuple[Path, float],
                                                                manifest: dict) -> None:
    ws = demo[0]
    files = {p.relative_to(ws).as_posix() for p in (ws / "raw").rglob("*") if p.is_file()}
    paths = [s["path"] for s in manifest["sources"].values()]
    assert sorted(paths) == sorted(files)  # one source per raw file
    common = set(COMMON_SOURCE_KEYS)
    for name, src in manifest["sources"].items():
        kind = KINDS[src["kind"]]
        assert set(src) - common <= set(kind.options), name
        if src["path"].endswith(".xlsx"):
            header = pd.read_excel(ws / src["path"], sheet_name=src.get("sheet", 0), nrows=0,
                                   engine="openpyxl")
        else:
            header = pd.read_csv(ws / src["path"], nrows=0)
        assert set(src.get("columns", {})) <= set(header.columns), name
        canonical = set(src.get("columns", {}).values()) or set(header.columns)
        if src["kind"] != "survey":
            assert canonical <= set(kind.required) | set(kind.optional) | set(kind.identifying)
            assert set(kind.required) - {"date", "session", "code"} <= canonical, name


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    def digest(ws: Path) -> dict[str, str]:
        return {p.relative_to(ws).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(ws.rglob("*")) if p.is_file()}

    a = digest(write_demo_workspace(tmp_path / "a", schools=2, pupils=250, seed=7))
    time.sleep(1.1)  # XLSX files must not carry the time they were written
    b = digest(write_demo_workspace(tmp_path / "b", schools=2, pupils=250, seed=7))
    c = digest(write_demo_workspace(tmp_path / "c", schools=2, pupils=250, seed=8))
    assert a == b
    assert len(a) > 50
    assert a["raw/northfield-academy/mis/staff_list.xlsx"] == \
        b["raw/northfield-academy/mis/staff_list.xlsx"]
    assert a["raw/northfield-academy/mis/roster.csv"] != c["raw/northfield-academy/mis/roster.csv"]


def test_existing_folder_needs_force_and_is_replaced_safely(tmp_path: Path) -> None:
    target = tmp_path / "ws"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        write_demo_workspace(target, schools=1, pupils=200)
    with pytest.raises(ConfigError, match="holds no enquiry.toml"):
        write_demo_workspace(target, schools=1, pupils=200, force=True)
    assert (target / "notes.txt").read_text() == "mine"
    (target / "notes.txt").unlink()
    write_demo_workspace(target, schools=1, pupils=200)  # an empty folder is fine
    (target / "raw" / "stray.csv").write_text("x")
    write_demo_workspace(target, schools=1, pupils=200, seed=3, force=True)
    assert not (target / "raw" / "stray.csv").exists()
    assert (target / "enquiry.toml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws"]  # no temporary folders left


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"schools": 0}, "schools must be between"),
    ({"pupils": 50}, "pupils must be between"),
    ({"pupils": 300.5}, "pupils must be a whole number"),
    ({"academic_year": "2025/26"}, "academic_year must look like"),
    ({"academic_year": "2025-27"}, "academic_year must look like"),
])
def test_bad_arguments_raise_config_error(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        write_demo_workspace(tmp_path / "ws", **kwargs)
    assert not (tmp_path / "ws").exists()


def test_a_file_path_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        write_demo_workspace(tmp_path / "f", force=True)


def test_more_than_four_schools(tmp_path: Path) -> None:
    ws = write_demo_workspace(tmp_path / "ws", schools=6, pupils=200, seed=1)
    schools = tomllib.loads((ws / "enquiry.toml").read_text())["schools"]
    assert len(schools) == len(set(schools)) == 6
    assert len(list((ws / "raw").iterdir())) == 6 + 1  # and raw/voices


# --- people -------------------------------------------------------------------------------

def test_roster_looks_like_a_sims_export(demo: tuple[Path, float], manifest: dict) -> None:
    ws = demo[0]
    per_school = [_read(ws, s["path"]) for s in _sources(manifest, kind="pupils")]
    roster = pd.concat(per_school, ignore_index=True)
    assert list(roster.columns) == ["UPN", "Legal Forename", "Legal Surname", "Year",
                                    "Reg Group", "Gender", "PP", "SEN Status", "EAL", "KS2 Band"]
    assert roster["UPN"].str.fullmatch(r"[A-HJ-NP-RT-Z]\d{12}").all()
    assert roster["UPN"].is_unique  # across the trust
    digits = np.array([[int(ch) for ch in u[1:]] for u in roster["UPN"]])
    check = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"))[(digits * np.arange(2, 14)).sum(1) % 23]
    assert (check == roster["UPN"].str[0].to_numpy()).all()
    assert (digits[:, 0] == 0).all()  # local-authority numbers below 100: never a real UPN
    year = roster["Year"].astype(int)
    assert set(year) == set(range(7, 14))
    assert (year == 12).sum() < (year == 9).sum() * 0.8
    assert set(roster["Gender"]) == {"F", "M", "X"}
    pp = [(df["PP"] == "Y").mean() for df in per_school]
    assert 0.22 < np.mean(pp) < 0.28
    assert max(pp) - min(pp) > 0.08
    sen = roster["SEN Status"].value_counts(normalize=True)
    assert 0.10 < sen["K"] < 0.16
    assert 0.01 < sen["E"] < 0.03
    assert set(roster["KS2 Band"]) == {"Low", "Middle", "High", ""}
    assert roster[["Legal Forename", "Legal Surname"]].drop_duplicates().shape[0] > 3000


def test_staff_list_has_a_notes_sheet_and_realistic_roles(demo: tuple[Path, float],
                                                          manifest: dict) -> None:
    ws = demo[0]
    codes = []
    for src in _sources(manifest, kind="staff"):
        assert src["sheet"] == "Staff"
        sheets = pd.read_excel(ws / src["path"], sheet_name=None, engine="openpyxl")
        assert list(sheets) == ["Staff", "Notes"]
        staff = sheets["Staff"]
        teachers = staff[staff["Role"] != "Teaching Assistant"]
        assert 70 <= len(teachers) <= 100
        assert {"Headteacher", "Senior Deputy Head", "Head of Department", "Classroom Teacher",
                "ECT", "Teaching Assistant"} <= set(staff["Role"])
        assert staff.loc[staff["Role"] == "Teaching Assistant", "Years Teaching"].isna().all()
        codes += staff["Staff Code"].tolist()
    assert len(codes) == len(set(codes))


def test_slc_volunteers_differ_from_their_cohort(demo: tuple[Path, float],
                                                 manifest: dict) -> None:
    ws = demo[0]
    roster = _concat(ws, manifest, kind="pupils")
    members = _concat(ws, manifest, kind="memberships", community_kind="slc")
    assert members.groupby("Team").size().between(15, 25).all()
    assert set(members["Role"]) == {"Pedagogy lead", "Department link", "Researcher",
                                    "Social media", "Member"}
    assert members["Joined"].str.fullmatch(r"\d\d/\d\d/\d{4}").all()
    is_member = roster["UPN"].isin(members["UPN"])
    cohort = roster[roster["Year"].astype(int).isin(SLC_YEARS) & ~is_member]
    vol = roster[is_member]
    assert vol["Year"].astype(int).isin(SLC_YEARS).all()
    assert (vol["Gender"] == "F").mean() > (cohort["Gender"] == "F").mean() + 0.05
    assert (vol["PP"] == "Y").mean() < (cohort["PP"] == "Y").mean() - 0.05
    assert (vol["KS2 Band"] == "High").mean() > (cohort["KS2 Band"] == "High").mean()
    attendance = _concat(ws, manifest, kind="meeting_attendance", members="pupil")
    slc = attendance[attendance["Meeting ID"].str.contains("-SLC-")]
    dose = slc.groupby("UPN")["Present"].apply(lambda s: (s == "Y").mean())
    assert (dose >= 0.8).sum() >= 20
    assert (dose <= 0.5).sum() >= 8


def test_tlcs_meet_each_half_term_with_action_plans(demo: tuple[Path, float],
                                                    manifest: dict) -> None:
    ws = demo[0]
    members = _concat(ws, manifest, kind="memberships", community_kind="tlc")
    members = members[members["Left"] == ""]  # this year's members (earlier years have left)
    meetings = _concat(ws, manifest, kind="meetings")
    plans = _concat(ws, manifest, kind="action_plans")
    per_school = members.groupby(members["TLC"].str.split(" TLC").str[0])["TLC"].nunique()
    assert per_school.between(4, 5).all()
    assert members.groupby("TLC").size().between(8, 12).all()
    tlc_meetings = meetings[meetings["Meeting ID"].str.contains("-TLC")]
    assert tlc_meetings.groupby("TLC").size().eq(6).all()
    assert {"Senior Deputy Head", "ECT"} <= _tlc_roles(ws, manifest, members)
    assert set(plans["Status at next meeting"]) == {"Tried it", "Partly", "Not yet", ""}
    last = plans["Meeting ID"].str.endswith("-6")
    assert plans.loc[last, "Status at next meeting"].eq("").all()
    assert plans["Strategy"].str.len().gt(0).all()
    assert plans["My plan"].str.len().gt(20).all()
    assert plans.loc[plans["Status at next meeting"] == "Tried it", "What I learned"].ne("").all()


def _tlc_roles(ws: Path, manifest: dict, members: pd.DataFrame) -> set[str]:
    staff = pd.concat([pd.read_excel(ws / s["path"], sheet_name="Staff", engine="openpyxl")
                       for s in _sources(manifest, kind="staff")])
    return set(staff.loc[staff["Staff Code"].isin(members["Staff Code"]), "Role"])


def test_consent_register_withdraws_two_pupils_per_school(demo: tuple[Path, float],
                                                          manifest: dict) -> None:
    ws = demo[0]
    consent = _read(ws, "private/consent.csv")
    assert list(consent.columns) == ["id", "type", "status", "date"]
    roster = _concat(ws, manifest, kind="pupils")
    assert set(consent["id"]) == set(roster["UPN"])
    assert consent["status"].value_counts().to_dict() == {"consented": 3992, "withdrawn": 8}
    withdrawn = set(consent.loc[consent["status"] == "withdrawn", "id"])
    slc = set(_concat(ws, manifest, kind="memberships", community_kind="slc")["UPN"])
    assert len(withdrawn & slc) == 4
    # the consent register, and the demo's key made from its seed (same seed, same pseudonyms)
    assert sorted(p.name for p in (ws / "private").iterdir()) == ["consent.csv", "pseudonym.key"]
    key = (ws / "private" / "pseudonym.key").read_text(encoding="ascii").strip()
    assert len(key) == 64
    assert int(key, 16) >= 0


# --- the school year ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def attendance(demo: tuple[Path, float], manifest: dict) -> pd.DataFrame:
    """Every mark of the demo trust, from every shape, as rows (UPN, Date, Session, Mark, date)."""
    ws = demo[0]
    frames = []
    for src in _sources(manifest, kind="attendance"):
        if src["path"].endswith(".xlsx"):  # SIMS grid: dates in row 1 over AM/PM in row 2
            grid = pd.read_excel(ws / src["path"], header=None, dtype=str, na_filter=False,
                                 engine="openpyxl")
            top, bottom = grid.iloc[0].replace("", np.nan).ffill(), grid.iloc[1]
            df = grid.iloc[2:].reset_index(drop=True)
            df.columns = [f"{t[4:]} {b}" if b else t for t, b in zip(top, bottom, strict=True)]
        else:
            df = _read(ws, src["path"])
        if "Session" not in df.columns:
            sessions = [c for c in df.columns if re.fullmatch(r"\d\d/\d\d/\d{4} (AM|PM)", c)]
            assert len(sessions) == 380
            df = df.melt(id_vars="UPN", value_vars=sessions, var_name="when", value_name="Mark")
            df["Date"], df["Session"] = df["when"].str[:10], df["when"].str[11:]
        else:
            assert {"UPN", "Date", "Session", "Mark"} <= set(df.columns)
            df["Date"] = _day_first(df["Date"])
        frames.append(df[["UPN", "Date", "Session", "Mark"]])
    att = pd.concat(frames, ignore_index=True)
    att["date"] = pd.to_datetime(att["Date"], format="%d/%m/%Y")
    return att


def test_attendance_register_every_shape_and_realistic_rates(manifest: dict,
                                                             attendance: pd.DataFrame) -> None:
    assert [Path(s["path"]).name for s in _sources(manifest, kind="attendance")] == [
        "attendance_sims_grid.xlsx", "attendance_roll_call_marks.csv", "attendance_register.csv",
        "attendance_marks.csv"]
    assert not any("layout" in s for s in _sources(manifest, kind="attendance"))
    att = attendance
    assert att.groupby("UPN").size().eq(380).all()
    days = att["date"].drop_duplicates()
    assert len(days) == 190
    assert days.dt.day_of_week.lt(5).all()
    assert days.min() == pd.Timestamp("2025-09-01")
    assert days.max().month == 7
    assert not days.between("2025-10-27", "2025-10-31").any()  # October half-term
    assert set(att["Mark"]) <= set(DFE_ATTENDANCE_CODES)
    assert {"/", "\\", "L", "I", "M", "C", "N", "O", "U", "G", "B", "V"} <= set(att["Mark"])
    present = att["Mark"].isin(PRESENT)
    assert 0.925 < present.mean() < 0.945
    per_pupil = present.groupby(att["UPN"]).mean()
    assert 0.15 < (per_pupil < 0.9).mean() < 0.25  # persistent absentees


def test_slc_attendance_rises_about_two_points(demo: tuple[Path, float], manifest: dict,
                                               attendance: pd.DataFrame) -> None:
    ws = demo[0]
    att = attendance
    term = np.where(att["date"] < "2026-01-01", "autumn",
                    np.where(att["date"] >= "2026-04-13", "summer", "spring"))
    pct = 100 * att["Mark"].isin(PRESENT).groupby([att["UPN"], term]).mean().unstack()
    roster = _concat(ws, manifest, kind="pupils").set_index("UPN")
    members = set(_concat(ws, manifest, kind="memberships", community_kind="slc")["UPN"])
    pct = pct[roster.loc[pct.index, "Year"].astype(int).isin(SLC_YEARS).to_numpy()]
    gain = pct["summer"] - pct["autumn"]
    m = gain.index.isin(members)
    did = gain[m].mean() - gain[~m].mean()
    se = np.sqrt(gain[m].var() / m.sum() + gain[~m].var() / (~m).sum())
    target = INJECTED_EFFECTS["slc_attendance"]["value"]
    assert did - 1.96 * se < target < did + 1.96 * se
    assert 0.5 < did < 3.5


def _behaviour(ws: Path, manifest: dict) -> pd.DataFrame:
    """Every behaviour event as ``UPN, Date, Type, Category, Points``, whatever the MIS shape:
    SIMS's achievement and incident exports, Arbor's export (Polarity) or the plain log."""
    titles = {"Achievement Date": "Date", "Incident Date": "Date", "Polarity": "Type",
              "Achievement Type": "Category", "Behaviour Type": "Category"}
    frames = []
    for src in _sources(manifest, kind="behaviour"):
        df = _read(ws, src["path"])
        if "Type" not in df.columns and "Polarity" not in df.columns:
            df["Type"] = "Positive" if "Achievement Date" in df.columns else "Negative"
        df = df.rename(columns=titles)
        df["Date"] = _day_first(df["Date"])
        frames.append(df[["UPN", "Date", "Type", "Category", "Points"]])
    assert len(frames) == 5  # SIMS keeps achievements and incidents apart
    return pd.concat(frames, ignore_index=True)


def test_coproduction_behaviour_falls_forty_percent(demo: tuple[Path, float], manifest: dict,
                                                    attendance: pd.DataFrame) -> None:
    ws = demo[0]
    beh = _behaviour(ws, manifest)
    assert list(beh.columns) == ["UPN", "Date", "Type", "Category", "Points"]
    assert set(beh["Type"]) == {"Positive", "Negative"}
    beh["date"] = pd.to_datetime(beh["Date"], format="%d/%m/%Y")
    beh["Points"] = beh["Points"].astype(int)
    members = _concat(ws, manifest, kind="memberships", community_kind="coproduction")
    assert members.groupby("Group").size().between(8, 12).all()
    start = pd.to_datetime(members.set_index("UPN")["Joined"], format="%d/%m/%Y")
    days = np.sort(attendance["date"].unique())
    neg = beh[(beh["Type"] == "Negative") & beh["UPN"].isin(start.index)]
    after = neg["date"].to_numpy() >= start.loc[neg["UPN"]].to_numpy()
    days_before = sum((days < s).sum() for s in start)
    days_after = sum((days >= s).sum() for s in start)
    rate_before = neg.loc[~after, "Points"].sum() / days_before
    rate_after = neg.loc[after, "Points"].sum() / days_after
    change = rate_after / rate_before - 1
    assert change == pytest.approx(INJECTED_EFFECTS["coproduction_negative_behaviour"]["value"],
                                   abs=0.08)
    others = beh[(beh["Type"] == "Negative") & ~beh["UPN"].isin(start.index)]
    n_others = _concat(ws, manifest, kind="pupils").shape[0] - len(start)
    assert rate_before > 2 * others["Points"].sum() / len(days) / n_others  # at risk


def test_coproduction_trouble_drops_eleven_points(demo: tuple[Path, float],
                                                  manifest: dict) -> None:
    ws = demo[0]
    shares, sizes = {}, {}
    for wave in (1, 2):
        df = _concat(ws, manifest, instrument="coproduction_check", wave=wave)
        answers = df["I often get into trouble at school"]
        assert set(answers) <= {"Yes", "No"}
        shares[wave], sizes[wave] = (answers == "Yes").mean(), len(df)
    n = sizes[1]
    assert sizes[2] == n
    assert 100 * (shares[2] - shares[1]) == pytest.approx(-100 * round(0.11 * n) / n)
    assert abs(100 * (shares[2] - shares[1]) - INJECTED_EFFECTS["coproduction_trouble"]["value"]) < 2


def test_attainment_data_drops(demo: tuple[Path, float], manifest: dict) -> None:
    att = _concat(demo[0], manifest, kind="attainment")
    assert set(att["Assessment"]) == {"Autumn data drop", "Summer data drop"}
    score = pd.to_numeric(att["Score"])
    assert score.max() <= 100
    assert score.min() >= 1
    assert set(att.loc[att["Score"] == "", "Grade"]) <= {"A*", "A", "B", "C", "D", "E", "U"}


# --- questionnaires -------------------------------------------------------------------------

def test_questionnaire_answers_are_messy_like_real_forms(demo: tuple[Path, float],
                                                         manifest: dict) -> None:
    ws = demo[0]
    roster = _concat(ws, manifest, kind="pupils")
    eligible = roster["Year"].astype(int).between(7, 12).sum()
    items = [t for items in LQ_ITEMS.values() for _, t, _ in items]
    assert "I often lose interest in lessons" in items
    codes = [c for items in LQ_ITEMS.values() for c, _, _ in items]
    rates, tools = {}, set()
    for src in _sources(manifest, instrument="learning_questionnaire"):
        df = _read(ws, src["path"])
        tool = re.search(r"\((.*)\)$", src["description"]).group(1)
        tools.add(tool)
        meta, stamps, when = TOOL_SHAPES[tool]
        assert list(df.columns[:len(meta)]) == meta
        df = df.rename(columns=src["columns"])
        assert list(df.columns[len(meta):len(meta) + 2]) == [
            "respondent_id", "Q2" if tool == "Qualtrics" else "Tutor group"]
        assert set(df.columns[len(meta) + 2:]) == set(codes)
        rates[src["wave"]] = rates.get(src["wave"], 0) + len(df)
        answers = pd.Series(df[codes].to_numpy().ravel())
        normal = answers.str.strip().str.casefold()
        assert set(normal) <= set(LEVELS) | {"", "don't know"}
        assert (answers == "agree ").any()
        assert (answers == "AGREE").any()
        assert (answers == "").mean() < 0.03
        assert pd.to_datetime(df[stamps], format=when).is_monotonic_increasing
    assert tools == set(TOOL_SHAPES)
    assert 0.80 < rates[1] / eligible < 0.90
    assert 0.70 < rates[2] / eligible < 0.80


def test_demo_questionnaire_effects_match_injected(demo: tuple[Path, float],
                                                   manifest: dict) -> None:
    lq = _demo_questionnaire(demo[0], manifest)
    effects = _change_effects(lq)
    raw = _ppc_effects(lq)
    for scale in LQ_ITEMS:
        g, low, high = effects[scale]
        assert low < INJECTED_EFFECTS[f"slc_{scale}"]["change_score_g"] < high, (scale, g)
        d, low, high = raw[scale]  # the metric the report prints
        assert low < INJECTED_EFFECTS[f"slc_{scale}"]["value"] < high, (scale, d)
    g, low, high = effects["engagement_baseline"]
    assert low < INJECTED_EFFECTS["slc_baseline_engagement"]["value"] < high
    assert g > 0.1


def test_latent_shift_is_calibrated_to_the_observed_g() -> None:
    """A very large school: the observed g is the injected value within 0.05."""
    sim = simulate_learning_questionnaire(400_000, 8_000, seed=11)
    sim = sim[sim["year"].isin(SLC_YEARS)].reset_index(drop=True)
    scores = _scale_scores(sim)
    scores[["id", "member", "wave"]] = sim[["pupil", "member", "wave"]]
    effects = _change_effects(scores)
    raw = _ppc_effects(scores)
    for scale in LQ_ITEMS:
        injected = INJECTED_EFFECTS[f"slc_{scale}"]
        assert effects[scale][0] == pytest.approx(injected["change_score_g"], abs=0.05)
        # restated in the raw-score metric (issue 16): d_ppc2 measured on seeds 11 and 12
        assert raw[scale][0] == pytest.approx(injected["value"], abs=0.02)
    assert effects["engagement_baseline"][0] == pytest.approx(0.3, abs=0.06)


def test_tlc_survey_is_an_anonymous_forms_export(demo: tuple[Path, float],
                                                 manifest: dict) -> None:
    ws = demo[0]
    for src in _sources(manifest, instrument="tlc_staff_survey"):
        df = pd.read_excel(ws / src["path"], engine="openpyxl")
        assert list(df.columns[:5]) == ["ID", "Start time", "Completion time", "Email", "Name"]
        assert (df["Email"] == "anonymous").all()
        assert df["Name"].isna().all()
        assert "respondent_id" not in src["columns"].values()
        assert set(src["columns"]) <= set(df.columns)
        assert 15 <= len(df) <= 40
    comments = _concat(ws, manifest, kind="texts", text_source="open_answer")
    assert len(comments) > 10


# --- texts ----------------------------------------------------------------------------------

def test_reflections_deepen_and_sometimes_name_a_classmate(demo: tuple[Path, float],
                                                           manifest: dict) -> None:
    ws = demo[0]
    refl = _concat(ws, manifest, kind="texts", text_source="reflection")
    assert refl["Post ID"].is_unique
    refl["date"] = pd.to_datetime(refl["Posted"], format="%d/%m/%Y")
    early = refl[refl["date"] < "2025-10-20"]["Reflection"]
    late = refl[refl["date"] > "2026-06-01"]["Reflection"]
    because = [s.str.contains("because").mean() for s in (early, late)]
    # dialogic sentences (weighing alternatives or another view), never a bare target
    critical = [s.str.contains("Perhaps it went|On the other hand|or carry on as I am").mean()
                for s in (early, late)]
    assert because[0] < 0.35 < 0.6 < because[1]
    assert critical[0] < 0.15 < 0.35 < critical[1]
    classes = _concat(ws, manifest, kind="memberships", community_kind="slc_conference")
    roster = _concat(ws, manifest, kind="pupils")
    names = set(roster.loc[roster["UPN"].isin(classes["UPN"]), "Legal Forename"])
    pattern = r"\b(?:" + "|".join(map(re.escape, names)) + r")\b"
    mentions = refl["Reflection"].str.contains(pattern)
    assert 0.01 < mentions.mean() < 0.08
    feedback = _concat(ws, manifest, kind="texts", text_source="feedback")
    assert set(feedback["I am a"]) == {"Parent", "Pupil", "Staff"}


def test_fixed_texts_never_contain_a_name() -> None:
    """Template words must not be names, or name redaction would garble them."""
    from slc_research.synthetic import codings as synthetic_codings
    from slc_research.synthetic import communities as synthetic_communities
    from slc_research.synthetic import surveys as synthetic_surveys
    from slc_research.synthetic import text as synthetic_text

    names = {n.casefold() for n in (*FORENAMES_F, *FORENAMES_M, *SURNAMES)}
    words: set[str] = set()
    for module in (synthetic_text, synthetic_surveys, synthetic_communities, synthetic_codings):
        source = Path(module.__file__).read_text(encoding="utf-8")
        for literal in re.findall(r'"([^"\n]*)"', source):
            words |= {w.casefold() for w in re.findall(r"[A-Za-z']+", literal)}
    assert not words & names


def test_interview_snippets(demo: tuple[Path, float], manifest: dict) -> None:
    ws = demo[0]
    snippets = _concat(ws, manifest, kind="texts", text_source="interview")
    members = set(_concat(ws, manifest, kind="memberships", community_kind="slc")["UPN"])
    assert snippets["UPN"].isin(members).all()
    assert snippets.groupby(snippets["UPN"].map(
        dict(zip(*_roster_school(ws, manifest), strict=True)))).size().between(8, 12).all()
    assert set(snippets["OK to quote"]) <= {"Y", "N"}


def _roster_school(ws: Path, manifest: dict) -> tuple[list[str], list[str]]:
    ids, schools = [], []
    for src in _sources(manifest, kind="pupils"):
        upn = _read(ws, src["path"])["UPN"].tolist()
        ids += upn
        schools += [src["school"]] * len(upn)
    return ids, schools


def test_injected_effects_are_documented() -> None:
    assert INJECTED_EFFECTS["slc_engagement"]["value"] == 0.40  # d_ppc2 (issue 16)
    assert INJECTED_EFFECTS["slc_metacognition"]["value"] == 0.28
    assert INJECTED_EFFECTS["slc_relationships"]["value"] == 0.0
    assert INJECTED_EFFECTS["slc_engagement"]["change_score_g"] == 0.5
    assert INJECTED_EFFECTS["slc_metacognition"]["change_score_g"] == 0.35
    assert INJECTED_EFFECTS["slc_attendance"]["value"] == pytest.approx(2.0)
    assert INJECTED_EFFECTS["coproduction_negative_behaviour"]["value"] == -0.4
    assert INJECTED_EFFECTS["coproduction_trouble"]["value"] == -11.0
    for entry in INJECTED_EFFECTS.values():
        assert {"value", "measure", "definition"} <= set(entry)


# --- additions: feedback authors, confidence, TLC history, coding ---------------------------

def test_conference_feedback_has_ids_authors_and_dates(demo: tuple[Path, float],
                                                       manifest: dict) -> None:
    ws = demo[0]
    for src in _sources(manifest, kind="texts", text_source="feedback"):
        assert src["columns"] == {"Response ID": "text_id", "Timestamp": "date",
                                  "I am a": "author_type", "Feedback": "text"}
        df = _read(ws, src["path"])
        assert df["Response ID"].is_unique
        stamps = pd.to_datetime(df["Timestamp"], format=src["date_format"])
        assert stamps.notna().all()
    for kind in ("interview", "open_answer"):
        for src in _sources(manifest, kind="texts", text_source=kind):
            assert src["columns"]["Response ID"] == "text_id"


def test_coproduction_confidence_rises_twenty_points(demo: tuple[Path, float],
                                                     manifest: dict) -> None:
    ws = demo[0]
    shares = {}
    for wave in (1, 2):
        srcs = _sources(manifest, instrument="coproduction_check", wave=wave)
        assert all(s["columns"]["I feel confident about speaking up in school"] == "confident"
                   for s in srcs)
        df = _concat(ws, manifest, instrument="coproduction_check", wave=wave)
        answers = df["I feel confident about speaking up in school"]
        assert set(answers) <= {"Yes", "No"}
        shares[wave] = (answers == "Yes").mean()
    n = len(df)
    assert shares[1] == pytest.approx(round(0.35 * n) / n)
    assert 100 * (shares[2] - shares[1]) == pytest.approx(100 * round(0.20 * n) / n)
    effect = INJECTED_EFFECTS["coproduction_confident"]
    assert abs(100 * (shares[2] - shares[1]) - effect["value"]) < 2


def test_tlc_membership_grows_over_three_years(demo: tuple[Path, float],
                                               manifest: dict) -> None:
    ws = demo[0]
    members = _concat(ws, manifest, kind="memberships", community_kind="tlc")
    staff = pd.concat([pd.read_excel(ws / s["path"], sheet_name="Staff", engine="openpyxl")
                       for s in _sources(manifest, kind="staff")])
    teachers = staff.loc[staff["Years Teaching"].notna(), "Staff Code"]
    assert members["Staff Code"].isin(teachers).all()
    joined = pd.to_datetime(members["Joined"], format="%d/%m/%Y")
    left = pd.to_datetime(members["Left"], format="%d/%m/%Y")
    academic = joined.dt.year - (joined.dt.month < 8)
    share = members.groupby(academic)["Staff Code"].nunique() / len(teachers)
    expected = INJECTED_EFFECTS["tlc_membership_growth"]["value"]
    assert list(share.index) == [2023, 2024, 2025]
    assert share[2023] == pytest.approx(expected["2023-24"], abs=0.01)
    assert share[2024] == pytest.approx(expected["2024-25"], abs=0.01)
    assert share[2025] == pytest.approx(expected["2025-26"], abs=0.03)
    assert left[academic < 2025].dt.month.eq(7).all()
    assert left[academic == 2025].isna().all()
    assert (left[academic < 2025] > joined[academic < 2025]).all()


def _codings(ws: Path, manifest: dict) -> pd.DataFrame:
    frames = [_read(ws, s["path"]).assign(coder=s["coder"])
              for s in _sources(manifest, kind="codings")]
    return pd.concat(frames, ignore_index=True)


def test_codebook_and_two_coders(demo: tuple[Path, float], manifest: dict) -> None:
    from slc_research.stats import cohen_kappa

    ws = demo[0]
    names = {n: s for n, s in manifest["sources"].items() if s["kind"] in ("codebook",
                                                                          "codings")}
    assert set(names) == {"voices_codebook", "voices_codings_a", "voices_codings_b"}
    book = _read(ws, names["voices_codebook"]["path"])
    leaves = book.loc[book["Parent"] != "", "Code"]
    assert 12 <= len(leaves) <= 17  # 14 content codes and 3 whole-text depth ratings
    assert set(book.loc[book["Parent"] != "", "Parent"]) <= set(book["Code"])
    codings = _codings(ws, manifest)
    assert set(codings["Code"]) <= set(leaves)
    texts = pd.concat([_read(ws, s["path"]).rename(columns=s["columns"])
                       .assign(source=s["text_source"])
                       for s in _sources(manifest, kind="texts")], ignore_index=True)
    source = texts.set_index("text_id")["source"]
    by_coder = codings.groupby("coder")["Text ID"].agg(lambda s: set(s))
    assert by_coder["B"] <= by_coder["A"]
    assert 0.3 < len(by_coder["B"]) / len(by_coder["A"]) < 0.5
    coded_a = source[source.index.isin(by_coder["A"])].value_counts()
    for kind in ("interview", "feedback", "open_answer"):  # every one, bar a few uncoded
        assert coded_a[kind] >= 0.9 * (source == kind).sum()
    assert 0.05 < coded_a["reflection"] / (source == "reflection").sum() < 0.25
    # kappa as INJECTED_EFFECTS defines it
    both = sorted(by_coder["A"] & by_coder["B"])
    grid = pd.MultiIndex.from_product([both, leaves], names=["Text ID", "Code"])
    present = (codings.assign(v=1.0).pivot_table(index=["Text ID", "Code"], columns="coder",
                                                 values="v", aggfunc="max")
               .reindex(grid).fillna(0.0))
    kappa = cohen_kappa(present["A"].to_numpy(), present["B"].to_numpy())
    assert kappa.estimate == pytest.approx(INJECTED_EFFECTS["coder_agreement"]["value"],
                                           abs=0.06)
    assert kappa.estimate < 0.9  # good but not perfect


def test_reflection_codings_are_sentence_spans(demo: tuple[Path, float],
                                               manifest: dict) -> None:
    ws = demo[0]
    codings = _codings(ws, manifest)
    spans = codings[codings["Start"] != ""]
    refl = pd.concat([_read(ws, s["path"]) for s in _sources(manifest, kind="texts",
                                                             text_source="reflection")])
    text = refl.set_index("Post ID")["Reflection"]
    spans = spans[spans["Text ID"].isin(text.index)]
    assert len(spans) > 100
    start, end = spans["Start"].astype(int), spans["End"].astype(int)
    cut = [text[t][s:e] for t, s, e in zip(spans["Text ID"], start, end, strict=True)]
    named = text[spans["Text ID"]].str.contains(r"\b(?:with|to|next to) [A-Z]|^[A-Z][a-z]+ helped",
                                                regex=True).to_numpy()
    # offsets index the redacted text: where no classmate is named it equals the raw text
    plain = pd.Series(cut)[~named]
    codes = spans["Code"].to_numpy()[~named]
    assert plain.str.endswith(".").mean() > 0.95
    explaining = plain[codes == "Explaining learning"]
    assert explaining.str.contains("because").mean() > 0.8
    targets = plain[codes == "Setting targets"]
    # the dialogic sentence holds a goal: "Perhaps ...; next time", "... thinks I should", "I could"
    assert targets.str.contains("Perhaps|On the other hand|I could").mean() > 0.8  # a few swaps
    depth = codings[codings["Code"].str.endswith(" writing")]
    assert (depth["Start"] == "").all()  # rated as a whole
    assert set(depth["Text ID"]) <= set(text.index)
    assert depth.groupby(["coder", "Text ID"]).size().max() == 1  # one rating per coder
