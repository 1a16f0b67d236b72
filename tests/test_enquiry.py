"""Enquiry.open: canonical tables, the Parquet cache, withdrawal, errors across files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

import slc_research.workspace.enquiry as enquiry_module
from slc_research import Enquiry
from slc_research.data.schemas import TABLES
from slc_research.errors import DataError
from slc_research.workspace.cache import CACHE_DIR

MANIFEST = """
title = "Test enquiry"
academic_year = "2025-26"
schools = ["Northfield Academy"]

[sources.roster]
path = "raw/roster.csv"
kind = "pupils"
school = "Northfield Academy"
[sources.roster.columns]
"UPN" = "pupil_id"
"Forename" = "forename"
"Surname" = "surname"
"Year" = "year_group"
"PP" = "pupil_premium"

[sources.behaviour]
path = "raw/behaviour.csv"
kind = "behaviour"
[sources.behaviour.columns]
"UPN" = "pupil_id"
"Date" = "date"
"Type" = "type"
"Points" = "points"

[sources.reflections]
path = "raw/reflections.csv"
kind = "texts"
authors = "pupil"
text_source = "reflection"
[sources.reflections.columns]
"UPN" = "author_id"
"Date" = "date"
"Reflection" = "text"
"""

ROSTER = ("UPN,Forename,Surname,Year,PP\n"
          "A100000000001,Zebedee,Quartermaine,7,Y\n"
          "A100000000002,Philippa,Oyelaran,Y8,N\n"
          "A100000000003,Marcus,Featherstonehaugh,Year 9,N\n")
BEHAVIOUR = ("UPN,Date,Type,Points\n"
             "A100000000001,01/10/2025,Negative,-2\n"
             "A100000000002,2025-10-02,Positive,3\n"
             "A100000000003,03/10/2025,Positive,1\n")
REFLECTIONS = ("UPN,Date,Reflection\n"
               "A100000000001,06/10/2025,Philippa explained fractions to me and I understood\n"
               "A100000000002,06/10/2025,I tried retrieval practice with Zebedee\n")
SECRETS = ["Zebedee", "Quartermaine", "Philippa", "Oyelaran", "Featherstonehaugh",
           "A100000000001", "A100000000002", "A100000000003"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "raw").mkdir()
    (tmp_path / "enquiry.toml").write_text(MANIFEST, encoding="utf-8")
    (tmp_path / "raw" / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (tmp_path / "raw" / "behaviour.csv").write_text(BEHAVIOUR, encoding="utf-8")
    (tmp_path / "raw" / "reflections.csv").write_text(REFLECTIONS, encoding="utf-8")
    return tmp_path


@pytest.fixture
def load_calls(monkeypatch) -> list[str]:
    """Record which sources were parsed from their raw files."""
    calls: list[str] = []
    real = enquiry_module._load_source

    def counting(spec, ctx):
        calls.append(spec.name)
        return real(spec, ctx)

    monkeypatch.setattr(enquiry_module, "_load_source", counting)
    return calls


def test_open_gives_canonical_tables_with_fixed_dtypes(workspace):
    enq = Enquiry.open(workspace)
    for name, schema in TABLES.items():
        df = enq.table(name)
        assert list(df.columns) == list(schema), name
        assert [str(t) for t in df.dtypes] == list(schema.values()), name
    assert len(enq.pupils) == 3
    assert enq.pupils["year_group"].tolist() == [7, 8, 9]
    assert enq.pupils["pupil_premium"].tolist() == [True, False, False]
    assert set(enq.pupils["school"]) == {"Northfield Academy"}
    assert enq.behaviour["points"].tolist() == [-2, 3, 1]
    # the behaviour log joins the roster through the pseudonyms
    assert set(enq.behaviour["pupil_id"]) == set(enq.pupils["pupil_id"])


def test_no_name_or_real_id_in_tables_or_cache(workspace):
    enq = Enquiry.open(workspace)
    for name, df in enq.tables.items():
        text = df.astype("string").to_csv()
        for secret in SECRETS:
            assert secret not in text, (name, secret)
    assert "[name] explained fractions" in enq.texts["text"].iloc[0]
    for f in (workspace / CACHE_DIR).rglob("*"):
        if f.is_file():
            blob = f.read_bytes()
            for secret in SECRETS:
                assert secret.encode() not in blob, (f, secret)


def test_second_open_reads_only_the_cache(workspace, monkeypatch):
    first = Enquiry.open(workspace)
    assert not any(h.from_cache for h in first.health)

    def refuse(spec, ctx):  # any parse of a raw file fails the test
        raise AssertionError(f"raw file of {spec.name} was parsed")

    monkeypatch.setattr(enquiry_module, "_load_source", refuse)
    monkeypatch.setattr(enquiry_module, "_read_people", refuse)
    second = Enquiry.open(workspace)
    assert all(h.from_cache for h in second.health)
    for name in TABLES:
        pd.testing.assert_frame_equal(first.table(name), second.table(name))


def test_changed_raw_file_is_read_again_alone(workspace, load_calls):
    Enquiry.open(workspace)
    assert sorted(load_calls) == ["behaviour", "reflections", "roster"]
    load_calls.clear()
    path = workspace / "raw" / "behaviour.csv"
    path.write_text(BEHAVIOUR + "A100000000003,04/10/2025,Negative,-1\n", encoding="utf-8")
    enq = Enquiry.open(workspace)
    assert load_calls == ["behaviour"]
    assert len(enq.behaviour) == 4


def test_changed_roster_reruns_name_redaction(workspace, load_calls):
    Enquiry.open(workspace)
    load_calls.clear()
    (workspace / "raw" / "roster.csv").write_text(ROSTER.replace("Year 9", "9"), encoding="utf-8")
    Enquiry.open(workspace)
    assert sorted(load_calls) == ["reflections", "roster"]


def test_withdrawal_removes_a_pupil_everywhere(workspace):
    before = Enquiry.open(workspace)
    gone = before.pupils["pupil_id"].iloc[0]
    (workspace / "private" / "consent.csv").write_text(
        "id,type,status,date\nA100000000001,pupil,withdrawn,2026-01-10\n", encoding="utf-8")
    after = Enquiry.open(workspace)
    assert len(after.pupils) == 2
    for name, df in after.tables.items():
        assert gone not in df.astype("string").to_csv(), name
    assert len(after.behaviour) == 2
    assert len(after.texts) == 1


def test_raw_files_are_never_changed(workspace):
    before = {p.name: _digest(p) for p in (workspace / "raw").iterdir()}
    Enquiry.open(workspace)
    Enquiry.open(workspace, use_cache=False)
    assert before == {p.name: _digest(p) for p in (workspace / "raw").iterdir()}
    assert not any(p.name.startswith(".") for p in (workspace / "raw").iterdir())


def test_problems_in_several_files_are_reported_together(workspace):
    (workspace / "raw" / "roster.csv").write_text(ROSTER.replace("Year 9", "Year 99"))
    (workspace / "raw" / "behaviour.csv").write_text(BEHAVIOUR.replace("03/10/2025", "31/02/2025"))
    with pytest.raises(DataError) as info:
        Enquiry.open(workspace)
    text = str(info.value)
    assert "2 files" in text
    assert "raw/roster.csv, row 4, column 'Year'" in text
    assert "raw/behaviour.csv, row 4, column 'Date'" in text


def test_removed_source_is_pruned_from_the_cache(workspace):
    Enquiry.open(workspace)
    assert (workspace / CACHE_DIR / "behaviour").is_dir()
    text = MANIFEST.split("[sources.behaviour]")[0] + "[sources.reflections]" + \
        MANIFEST.split("[sources.reflections]")[1]
    (workspace / "enquiry.toml").write_text(text, encoding="utf-8")
    enq = Enquiry.open(workspace)
    assert enq.behaviour.empty
    assert not (workspace / CACHE_DIR / "behaviour").exists()


def test_large_tables_are_cached_as_column_groups(workspace, monkeypatch):
    import slc_research.workspace.cache as cache_module

    first = Enquiry.open(workspace)
    monkeypatch.setattr(cache_module, "PARALLEL_ROWS", 1)  # every table counts as large
    monkeypatch.setattr(cache_module.os, "cpu_count", lambda: 2)
    (workspace / "raw" / "behaviour.csv").write_text(BEHAVIOUR + "A100000000003,04/10/2025,"
                                                     "Negative,-1\n", encoding="utf-8")
    written = Enquiry.open(workspace)
    entry = next((workspace / CACHE_DIR / "behaviour").iterdir())
    assert len(list(entry.glob("behaviour.*.parquet"))) >= 2
    reread = Enquiry.open(workspace)
    assert all(h.from_cache for h in reread.health)
    pd.testing.assert_frame_equal(written.behaviour, reread.behaviour)
    assert len(reread.behaviour) == len(first.behaviour) + 1


def test_stacked_memo_serves_equal_tables_only_while_every_source_is_unchanged(
        workspace, monkeypatch):
    # The warm-kernel zygote turns the memo on (off by default).
    monkeypatch.setattr(enquiry_module, "STACKED_MEMO", {})
    plain_calls = []
    real = enquiry_module.stack_tables
    monkeypatch.setattr(enquiry_module, "stack_tables",
                        lambda frames, table: plain_calls.append(table) or real(frames, table))
    first = Enquiry.open(workspace)
    stacked = len(plain_calls)
    second = Enquiry.open(workspace)
    assert len(plain_calls) == stacked  # nothing stacked again
    for name in TABLES:
        pd.testing.assert_frame_equal(first.table(name), second.table(name))
    # a change made to one opened enquiry's table never reaches the memo
    second.table("behaviour").loc[0, "points"] = 99
    assert Enquiry.open(workspace).behaviour["points"].tolist() == [-2, 3, 1]

    path = workspace / "raw" / "behaviour.csv"
    path.write_text(BEHAVIOUR + "A100000000003,04/10/2025,Negative,-1\n", encoding="utf-8")
    changed = Enquiry.open(workspace)
    assert len(plain_calls) > stacked
    assert len(changed.behaviour) == 4
    assert len(enquiry_module.STACKED_MEMO) == 1  # the old state of this workspace is dropped


def test_derived_tables_are_computed_once_and_each_caller_gets_its_own(workspace, monkeypatch):
    import slc_research.measures.attendance as attendance_module

    enq = Enquiry.open(workspace)
    calls = []
    real = attendance_module.attendance_summary
    monkeypatch.setattr(attendance_module, "attendance_summary",
                        lambda *a, **k: calls.append(k) or real(*a, **k))
    first = enq.attendance_summary(by="term")
    first["extra"] = 1
    second = enq.attendance_summary(by="term")
    assert calls == [{"by": "term"}]
    assert "extra" not in second.columns
    enq.attendance_summary(by="year")
    assert calls == [{"by": "term"}, {"by": "year"}]
