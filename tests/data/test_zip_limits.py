"""Issue 15, case 10: a zip bomb is refused within seconds and bounded memory.

An XLSX-shaped zip of under 1 MB whose worksheet unpacks to 900 MB (``zip_bomb`` in
``tests/conftest.py``; deflate cannot pack further, about 1,000 to 1), one whose directory
lies about its size, and a gzip bomb are refused, as workspace sources (before
python-calamine or openpyxl sees them) and in an outputs folder (``check-outputs`` exits 1
with a message, not a hang). Time and peak memory are measured in a fresh process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zlib
from pathlib import Path

import openpyxl
import pytest

from slc_research.cli import main
from slc_research.data.reading.read_xlsx import sheet_names
from slc_research.data.reading.readers import read_raw
from slc_research.data.reading.refi import read_refi
from slc_research.data.reading.zip_limits import MAX_EXPANDED_MB, MAX_RATIO, check_zip
from slc_research.errors import DataError

#: what reading a bomb may take, at most: time (s) and growth of peak memory (MB)
SECONDS = 5.0
GROWTH_MB = 64

MEASURE = """
import json, resource, sys, time
from slc_research.data.reading.readers import read_raw
from slc_research.errors import DataError
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    read_raw(sys.argv[1], label="raw/roster.xlsx")
    message = None
except DataError as exc:
    message = str(exc)
seconds = time.perf_counter() - started
growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"message": message, "seconds": seconds, "growth_mb": growth}))
"""


def read_in_fresh_process(path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(proc.stdout)


def test_case10_xlsx_zip_bomb_is_refused_within_seconds_and_bounded_memory(tmp_path, zip_bomb):
    bomb = zip_bomb(tmp_path / "roster.xlsx", expands_mb=900)
    assert bomb.stat().st_size < 1 << 20
    got = read_in_fresh_process(bomb)
    assert got["message"].startswith("raw/roster.xlsx: expected a file that expands to at "
                                     f"most {MAX_EXPANDED_MB:,} MB")
    assert "'xl/worksheets/sheet1.xml' expands 1,012 times (to 900 MB)" in got["message"]
    assert "export it as CSV" in got["message"]
    assert got["seconds"] < SECONDS
    assert got["growth_mb"] < GROWTH_MB


def test_case10_bomb_whose_directory_lies_is_refused_while_unpacking(tmp_path, zip_bomb):
    bomb = zip_bomb(tmp_path / "roster.xlsx", expands_mb=900, declared_mb=1)
    got = read_in_fresh_process(bomb)
    assert "'xl/worksheets/sheet1.xml' unpacks to more than its directory says " \
           "(1,048,576 bytes)" in got["message"]
    assert got["seconds"] < SECONDS
    assert got["growth_mb"] < GROWTH_MB


def test_case10_a_real_workbook_passes_the_limits(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["UPN", "Forename", "Mark"])
    for i in range(20_000):  # an attendance-like sheet: the same few marks again and again
        ws.append([f"A{100000000000 + i}", "Sam", "/"])
    wb.save(tmp_path / "register.xlsx")
    assert check_zip(tmp_path / "register.xlsx", "register.xlsx") > 1 << 20
    assert len(read_raw(tmp_path / "register.xlsx").data) == 20_000


def test_case10_sheet_names_of_a_bomb_are_none(tmp_path, zip_bomb):
    assert sheet_names(zip_bomb(tmp_path / "b.xlsx", expands_mb=300)) == []


def test_case10_qdpx_bomb_is_refused(tmp_path, zip_bomb):
    bomb = zip_bomb(tmp_path / "coding.qdpx", expands_mb=300, bomb="project.qde")
    with pytest.raises(DataError, match=r"coding\.qdpx: expected a file that expands .* "
                                        r"'project\.qde' expands"):
        read_refi(bomb, label="coding.qdpx")




def test_case10_workspace_check_refuses_a_bomb_roster_with_exit_1(tiny_workspace, zip_bomb,
                                                                    capsys):
    ws = tiny_workspace(None, name="roster.xlsx")
    zip_bomb(ws / "raw" / "roster.xlsx", expands_mb=900)
    started = time.perf_counter()
    assert main(["check", str(ws)]) == 1
    assert time.perf_counter() - started < SECONDS
    err = capsys.readouterr().err
    assert "raw/roster.xlsx" in err
    assert "zip bomb" in err


def gzip_bomb(mb: int) -> bytes:
    pack = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    return b"".join(pack.compress(zeros) for _ in range(mb)) + pack.flush()


def test_case10_check_outputs_refuses_zip_and_gzip_bombs_with_exit_1(tmp_path, tiny_workspace,
                                                                      zip_bomb, capsys):
    ws = tiny_workspace(
        "UPN,Legal Forename,Legal Surname,Year\nA123456789012,Zebedee,Quillfeather,7\n")
    out = tmp_path / "outputs"
    out.mkdir()
    zip_bomb(out / "tables.xlsx", expands_mb=900)
    (out / "report.html.gz").write_bytes(gzip_bomb(150))
    (out / "summary.html").write_text("<p>All well.</p>", encoding="utf-8")
    started = time.perf_counter()
    assert main(["check-outputs", str(out), "--workspace", str(ws)]) == 1
    assert time.perf_counter() - started < SECONDS
    err = capsys.readouterr().err
    assert "tables.xlsx, the whole file: file not checked: it expands past the zip-bomb " \
           "limits" in err
    assert f"report.html.gz, the whole file: file not checked: it expands past the zip-bomb " \
           f"limits (a file that expands to at most {MAX_EXPANDED_MB:,} MB when unpacked, " \
           f"at most {MAX_RATIO} times its packed size; it unpacks to more than {MAX_RATIO} " \
           "times its packed size" in err
    assert "summary.html" not in err
