"""The workspace cache: validity by content (issue 15, case 7) and a school's ordinary
accidents that must never end as "a bug" (issue 15, case 9: a blank line appended to an
export, a second roster without a Gender column, concurrent runs, a full disk)."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import xxhash

from slc_research import Enquiry
from slc_research.cli import main
from slc_research.data.schemas import TABLES, conform, empty_table
from slc_research.privacy.pseudonyms import Pseudonymiser
from slc_research.workspace.cache import CACHE_DIR, SourceCache, file_digest
from slc_research.workspace.stacking import stack_tables

ROOT = Path(__file__).resolve().parents[2]

HEAD = """
title = "Cache test"
academic_year = "2025-26"
schools = ["Northfield Academy", "Riverside School"]
"""

ROSTER_SOURCE = """
[sources.{name}]
path = "raw/{name}.csv"
kind = "pupils"
school = "{school}"
[sources.{name}.columns]
"UPN" = "pupil_id"
"Legal Forename" = "forename"
"Legal Surname" = "surname"
"Year" = "year_group"
{gender}
"""

BEHAVIOUR_SOURCE = """
[sources.{name}]
path = "raw/{name}.csv"
kind = "behaviour"
[sources.{name}.columns]
"UPN" = "pupil_id"
"Date" = "date"
"Type" = "type"
"Points" = "points"
"""

# The shape of an Arbor-style roll-call export, one row per mark (as the demo trust's).
ATTENDANCE_SOURCE = """
[sources.{name}]
path = "raw/{name}.csv"
kind = "attendance"
[sources.{name}.columns]
"UPN" = "pupil_id"
"""

NORTH = ("UPN,Legal Forename,Legal Surname,Year,Gender\n"
         "A100000000001,Zebedee,Quartermaine,7,M\n"
         "A100000000002,Philippa,Oyelaran,8,F\n"
         "A100000000003,Marcus,Featherstonehaugh,9,M\n")
# the second school's MIS export has no Gender column at all
SOUTH = ("UPN,Legal Forename,Legal Surname,Year\n"
         "B200000000001,Ottoline,Waterhouse,7\n"
         "B200000000002,Barnaby,Pemberton-Clarke,8\n")
BEHAVIOUR = ("UPN,Date,Type,Points\n"
             "A100000000001,01/10/2025,Negative,-2\n"
             "A100000000002,02/10/2025,Positive,3\n"
             "A100000000003,03/10/2025,Positive,1\n")
NORTH_MARKS = ("Student,UPN,Date,Session,Mark,Description\n"
               "Zebedee Quartermaine,A100000000001,1 Sep 2025,AM,/,Present (AM)\n"
               "Zebedee Quartermaine,A100000000001,1 Sep 2025,PM,\\,Present (PM)\n"
               "Philippa Oyelaran,A100000000002,1 Sep 2025,AM,I,Illness\n"
               "Philippa Oyelaran,A100000000002,1 Sep 2025,PM,I,Illness\n")
SOUTH_MARKS = ("Student,UPN,Date,Session,Mark,Description\n"
               "Ottoline Waterhouse,B200000000001,1 Sep 2025,AM,/,Present (AM)\n"
               "Ottoline Waterhouse,B200000000001,1 Sep 2025,PM,N,No reason yet\n"
               "Barnaby Pemberton-Clarke,B200000000002,2 Sep 2025,AM,L,Late\n")
CONSENT = ("id,type,status,date\n"
           "A100000000001,pupil,consented,2025-09-08\n"
           "A100000000002,pupil,consented,2025-09-08\n")


def _workspace(root: Path, *, behaviour_copies: int = 1, second_roster: bool = True) -> Path:
    """Two rosters (the second without Gender), behaviour, two attendance exports, consent."""
    (root / "raw").mkdir(parents=True)
    (root / "private").mkdir()
    manifest = HEAD
    manifest += ROSTER_SOURCE.format(name="north_roster", school="Northfield Academy",
                                     gender='"Gender" = "gender"')
    (root / "raw" / "north_roster.csv").write_text(NORTH, encoding="utf-8")
    if second_roster:
        manifest += ROSTER_SOURCE.format(name="south_roster", school="Riverside School",
                                         gender="")
        (root / "raw" / "south_roster.csv").write_text(SOUTH, encoding="utf-8")
    for i in range(behaviour_copies):
        name = "behaviour" if i == 0 else f"behaviour_{i}"
        manifest += BEHAVIOUR_SOURCE.format(name=name)
        (root / "raw" / f"{name}.csv").write_text(BEHAVIOUR, encoding="utf-8")
    for name, marks in (("north_marks", NORTH_MARKS), ("south_marks", SOUTH_MARKS)):
        manifest += ATTENDANCE_SOURCE.format(name=name)
        (root / "raw" / f"{name}.csv").write_text(marks, encoding="utf-8")
    (root / "enquiry.toml").write_text(manifest, encoding="utf-8")
    (root / "private" / "consent.csv").write_text(CONSENT, encoding="utf-8")
    return root


def _rewrite_keeping_size_and_time(path: Path, old: str, new: str) -> None:
    """Change ``old`` to ``new`` (same length) and put the file's times back."""
    assert len(old) == len(new)
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (st.st_size, st.st_mtime_ns)


def _pseudonym(ws: Path, upn: str) -> str:
    key = Pseudonymiser.for_workspace(ws / "private")
    return str(key.pseudonymise(pd.Series([upn]), "pupil").iloc[0])


def _leftovers(ws: Path) -> list[str]:
    """Temporary files or folders left anywhere in the workspace."""
    return sorted(str(p.relative_to(ws)) for p in ws.rglob("*")
                  if p.name.startswith((".tmp-", ".old-")) or p.name.endswith(".tmp"))


# -- case 7 ---------------------------------------------------------------------------------

def test_case7_same_size_same_mtime_change_is_applied(tmp_path):
    ws = _workspace(tmp_path / "ws")
    first = Enquiry.open(ws)
    philippa = _pseudonym(ws, "A100000000002")
    assert philippa in set(first.pupils["pupil_id"].astype(str))
    assert all(h.from_cache for h in Enquiry.open(ws).health)  # nothing changed: all cached

    # consent: "consented" -> "withdrawn" (both 9 letters), the old time put back
    _rewrite_keeping_size_and_time(ws / "private" / "consent.csv",
                                   "A100000000002,pupil,consented", "A100000000002,pupil,withdrawn")
    second = Enquiry.open(ws)
    assert philippa not in set(second.pupils["pupil_id"].astype(str))
    assert philippa not in set(second.behaviour["pupil_id"].astype(str))
    assert philippa not in set(second.attendance["pupil_id"].astype(str))
    assert second.cache_key != first.cache_key  # so every report is run again

    # a raw file: Marcus's positive point 1 -> 7, same size, same time
    _rewrite_keeping_size_and_time(ws / "raw" / "behaviour.csv",
                                   "A100000000003,03/10/2025,Positive,1",
                                   "A100000000003,03/10/2025,Positive,7")
    third = Enquiry.open(ws)
    marcus = _pseudonym(ws, "A100000000003")
    points = third.behaviour.set_index(third.behaviour["pupil_id"].astype(str))["points"]
    assert float(points[marcus]) == 7
    fresh = {h.source: h.from_cache for h in third.health}
    assert fresh["behaviour"] is False
    assert fresh["north_roster"] is True
    assert third.cache_key != second.cache_key
    assert not (ws / CACHE_DIR / "index.json").exists()  # no size/time index any more


def test_content_hash_reads_the_bytes_every_time(tmp_path):
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    small.write_bytes(b"a,b\n1,2\n")
    big.write_bytes(b"x" * (3 * 1024 * 1024))  # hashed through a memory map
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert len({file_digest(small), file_digest(big), file_digest(empty)}) == 3
    assert file_digest(small) == xxhash.xxh3_128_hexdigest(b"a,b\n1,2\n")
    assert file_digest(big) == xxhash.xxh3_128_hexdigest(b"x" * (3 * 1024 * 1024))
    before = file_digest(big)
    st = big.stat()
    with open(big, "r+b") as f:
        f.seek(2 * 1024 * 1024)
        f.write(b"y")
    os.utime(big, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert file_digest(big) != before
    cache = SourceCache(tmp_path)
    cache.hash_files([small, big, empty, tmp_path / "missing.csv"])
    assert cache.content_hash(big) == file_digest(big)


# -- case 9 ---------------------------------------------------------------------------------

def test_case9_blank_line_appended_to_attendance(tmp_path, capsys):
    ws = _workspace(tmp_path / "ws")
    assert main(["check", str(ws)]) == 0
    capsys.readouterr()
    with open(ws / "raw" / "south_marks.csv", "a", encoding="utf-8") as f:
        f.write("\n")  # someone opened the export and pressed Enter at the end
    # north_marks comes from the cache, south_marks is read fresh: both stack
    assert main(["check", str(ws)]) == 0, capsys.readouterr().err
    enq = Enquiry.open(ws)
    assert len(enq.attendance) == 7
    assert enq.attendance["pupil_id"].nunique() == 4
    assert isinstance(enq.attendance["pupil_id"].dtype, pd.CategoricalDtype)
    codes = enq.attendance["code"].astype(str).value_counts().to_dict()
    assert codes == {"/": 2, "I": 2, "\\": 1, "N": 1, "L": 1}


def test_case9_second_roster_without_gender(tmp_path, capsys):
    ws = _workspace(tmp_path / "ws")
    assert main(["check", str(ws)]) == 0, capsys.readouterr().err  # all read fresh
    _rewrite_keeping_size_and_time(ws / "raw" / "south_roster.csv", "Ottoline", "Ottilie ")
    assert main(["check", str(ws)]) == 0, capsys.readouterr().err  # north cached, south fresh
    pupils = Enquiry.open(ws).pupils.set_index("school")
    assert len(pupils) == 5
    assert pupils.loc["Northfield Academy", "gender"].astype(str).tolist() == ["M", "F", "M"]
    assert pupils.loc["Riverside School", "gender"].isna().all()


def _check_processes(ws: Path, n: int) -> list[subprocess.CompletedProcess]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    procs = [subprocess.Popen([sys.executable, "-m", "slc_research.cli", "check", "--no-cache",
                               str(ws)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env) for _ in range(n)]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def test_case9_concurrent_checks(tmp_path):
    # many small sources, so that the three runs write entries of one source at once
    ws = _workspace(tmp_path / "ws", behaviour_copies=12, second_roster=False)
    Enquiry.open(ws)  # the key exists, the cache is full
    for _ in range(4):
        runs = _check_processes(ws, 3)
        assert [r.returncode for r in runs] == [0, 0, 0], [r.stderr for r in runs]
        assert all("This is a bug" not in r.stderr for r in runs)
    assert _leftovers(ws) == []
    enq = Enquiry.open(ws)
    assert all(h.from_cache for h in enq.health)  # every entry whole and in place
    assert len(enq.behaviour) == 3 * 12


def test_a_crashed_runs_temporary_folder_is_removed_but_a_live_ones_is_kept(tmp_path):
    ws = _workspace(tmp_path / "ws")
    Enquiry.open(ws)
    base = ws / CACHE_DIR / "behaviour"
    live = Path(tempfile.mkdtemp(prefix=f".tmp-x-{os.getpid()}-", dir=base))
    host = socket.gethostname().replace("-", "_")[:40]  # as the cache names its folders
    dead = base / f".tmp-{host}-999999999-abc"  # no such process
    dead.mkdir()
    ours = Path(tempfile.mkdtemp(prefix=f".tmp-{host}-{os.getpid()}-", dir=base))
    _rewrite_keeping_size_and_time(ws / "raw" / "behaviour.csv", "Negative,-2", "Negative,-4")
    Enquiry.open(ws)  # writes the behaviour entry again, clearing what may be cleared
    assert live.exists()
    assert ours.exists()
    assert not dead.exists()  # its process has ended
    old = base / ".tmp-otherhost-1-old"
    old.mkdir()
    os.utime(old, (1, 1))  # older than STALE_SECONDS
    _rewrite_keeping_size_and_time(ws / "raw" / "behaviour.csv", "Negative,-4", "Negative,-5")
    Enquiry.open(ws)
    assert not old.exists()


def _full_disk_available() -> bool:
    if not shutil.which("unshare") or sys.platform != "linux":
        return False
    probe = subprocess.run(["unshare", "-Urm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs "
                            "/mnt && echo ok"], capture_output=True, text=True, check=False)
    return probe.stdout.strip() == "ok"


FILL_AND_CHECK = """
set -u
mount -t tmpfs -o size=1m tmpfs "$DISK"
cp -r "$SRC" "$DISK/ws"
head -c 2000000 /dev/zero > "$DISK/filler" 2>/dev/null || true
"$PY" -m slc_research.cli check "$DISK/ws"
echo "exit=$?"
find "$DISK/ws" -name '.tmp-*' -o -name '.old-*' -o -name '*.tmp' | sed 's/^/left:/'
ls "$DISK/ws/private" | sed 's/^/private:/'
"""


@pytest.mark.skipif(not _full_disk_available(), reason="needs a private tmpfs (unshare -Urm)")
def test_case9_full_disk(tmp_path):
    """A real full disk: the workspace on a 1 MiB tmpfs filled to the last byte.

    The key exists and the cache is empty, so the disk is found full writing the cache."""
    src = _workspace(tmp_path / "ws")
    Enquiry.open(src)
    shutil.rmtree(src / CACHE_DIR)
    disk = tmp_path / "disk"
    disk.mkdir()
    env = {**os.environ, "DISK": str(disk), "SRC": str(src), "PY": sys.executable,
           "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get(
               "PYTHONPATH")])])}
    run = subprocess.run(["unshare", "-Urm", "sh", "-c", FILL_AND_CHECK], capture_output=True,
                         text=True, env=env, check=False, timeout=300)
    assert "exit=1" in run.stdout, run.stdout + run.stderr
    # the folder it was writing in (the cache's), never a file's name
    assert f"the disk is full (writing in {disk / 'ws' / CACHE_DIR}" in run.stderr
    assert "nothing half-written was left behind" in run.stderr
    assert "This is a bug" not in run.stderr
    assert "Zebedee" not in run.stderr
    assert "A100000000001" not in run.stderr
    assert "left:" not in run.stdout  # no half-written file or folder left behind
    assert "private:pseudonym.key" in run.stdout  # the key kept as it was


def test_case9_full_disk_on_flush_of_the_key(tmp_path, monkeypatch, capsys):
    """The disk fills while the new pseudonymisation key is flushed (faked at os.fsync)."""
    ws = _workspace(tmp_path / "ws")

    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    assert main(["check", str(ws)]) == 1
    err = capsys.readouterr().err
    assert f"the disk is full (writing in {ws / 'private'})" in err
    assert "nothing half-written was left behind" in err
    assert "This is a bug" not in err
    assert not (ws / "private" / "pseudonym.key").exists()
    assert _leftovers(ws) == []
    monkeypatch.undo()
    assert main(["check", str(ws)]) == 0  # space freed: the same command works


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_canonical_table_stacks_whatever_its_category_dtypes(table, tmp_path):
    """Fresh (``string`` categories), cached (Parquet: ``str``), all-missing (``float64``) and
    object categories, as one source or another gives them, stack without an error."""
    cats = [c for c, t in TABLES[table].items() if t == "category"]
    fresh = empty_table(table).reindex(range(2))
    for c in cats:
        fresh[c] = pd.Series(["p1", "p2"], dtype="string").astype("category")
    fresh = conform(fresh, table)
    path = tmp_path / "t.parquet"
    fresh.to_parquet(path)
    cached = conform(pd.read_parquet(path), table)
    missing = conform(empty_table(table).reindex(range(1)), table)  # a column no one filled
    mixed = conform(empty_table(table).reindex(range(1)), table)
    for c in cats:
        mixed[c] = pd.Series([3], dtype=object).astype("category")  # a number among strings
    stacked = stack_tables([fresh, cached, missing, mixed], table)
    assert list(stacked.columns) == list(TABLES[table])
    assert len(stacked) == 6
    for c in cats:
        assert isinstance(stacked[c].dtype, pd.CategoricalDtype)
        assert stacked[c].tolist()[:4] == ["p1", "p2", "p1", "p2"]
        assert pd.isna(stacked[c].iloc[4])
        assert stacked[c].iloc[5] == 3


def test_a_source_folder_removed_by_another_run_while_writing(tmp_path, monkeypatch):
    """Another run, whose manifest no longer has the source, prunes its folder mid-write."""
    from slc_research.workspace import cache as cache_module

    real = cache_module._write_parts
    calls = []

    def pruned_meanwhile(entry, table, df):
        calls.append(table)
        if len(calls) <= 2:  # the other run prunes twice: the entry is left out
            shutil.rmtree(entry.parent)
        return real(entry, table, df)

    monkeypatch.setattr(cache_module, "_write_parts", pruned_meanwhile)
    store = SourceCache(tmp_path)
    codebook = {"codebook": pd.DataFrame({"code": ["a", "b"]})}
    meta = {"notes": [], "rows_read": 2, "rows_dropped": 0}
    store.write("codes", "k1", codebook, meta)  # no error, nothing cached, nothing left
    assert store.read("codes", "k1") is None
    assert _leftovers(tmp_path) == []
    store.write("codes", "k1", codebook, meta)  # pruned once: written again, in place
    tables, _ = store.read("codes", "k1")
    assert tables["codebook"]["code"].tolist() == ["a", "b"]
    assert _leftovers(tmp_path) == []


def test_case9_read_only_workspace_is_a_clear_message(tmp_path, monkeypatch, capsys):
    """A workspace on a read-only share: exit 1 saying what to do, never "a bug" (exit 3).

    Tests run as root, whom file permissions do not stop, so the refusal is faked where the
    cache's first write happens (the operating system's answer, EROFS, is what a read-only
    share gives)."""
    ws = _workspace(tmp_path / "ws")
    Pseudonymiser.for_workspace(ws / "private")  # the key exists; the cache is empty

    def read_only(*_args, **_kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(ws / CACHE_DIR / "x"))

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    assert main(["check", str(ws)]) == 1
    err = capsys.readouterr().err
    assert f"the computer refused access (in {ws / CACHE_DIR})" in err
    assert "This is a bug" not in err


def test_a_bug_message_never_quotes_the_error_text(tmp_path, monkeypatch, capsys):
    """An unexpected error's text may quote a raw cell: only its type and place are shown."""
    ws = _workspace(tmp_path / "ws")

    def broken(*_args, **_kwargs):
        raise KeyError("Zebedee Quillfeather A123456789012")

    monkeypatch.setattr(Enquiry, "open", broken)
    assert main(["check", str(ws)]) == 3
    err = capsys.readouterr().err
    assert "unexpected error (KeyError in workspace.py, line " in err  # our last frame: check
    assert "Zebedee" not in err
    assert "A123456789012" not in err
