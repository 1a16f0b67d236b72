"""Shared fixtures: the synthetic demo trust, built once per test process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from slc_research.synthetic.trust import write_demo_workspace

# The suite draws the same Hypothesis examples on every run, so a failure in CI is a failure
# on every machine; HYPOTHESIS_PROFILE=explore draws new examples each run.
settings.register_profile("deterministic", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

#: The demo `make demo` builds: four schools of about 1,000 pupils, seed 2025.
DEMO = {"schools": 4, "pupils": 1000, "seed": 2025}


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> Path:
    """A generated (not yet opened) demo workspace, built once per test process.

    Tests that use it are put in one of two xdist groups
    (``@pytest.mark.xdist_group("demo")`` or ``"demo-b"``): each group runs in
    one process, so the workspace is built at most twice while the slow
    notebook runs are shared by both workers."""
    return write_demo_workspace(tmp_path_factory.mktemp("demo") / "trust", **DEMO)


@pytest.fixture(scope="session")
def demo_enquiry(demo_workspace):
    from slc_research import Enquiry

    return Enquiry.open(demo_workspace)


def write_zip_bomb(path: Path, *, expands_mb: int, declared_mb: int | None = None,
                   bomb: str = "xl/worksheets/sheet1.xml") -> Path:
    """An XLSX-shaped zip whose part ``bomb`` unpacks to ``expands_mb`` MB of zeros.

    Written by hand in well under a second: deflate gives the same 1 KB for every further
    megabyte of zeros, so the stream is its first block, that block repeated, and its end
    (about 1 KB per MB: 900 MB in under 1 MB). ``declared_mb`` makes the zip's directory lie
    about the part's size, as a crafted bomb's does."""
    import struct
    import zlib

    mb = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(mb) + deflate.flush(zlib.Z_SYNC_FLUSH)
    again = deflate.compress(mb) + deflate.flush(zlib.Z_SYNC_FLUSH)
    stream = first + again * (expands_mb - 1) + deflate.flush()
    crc = 0
    for _ in range(expands_mb):
        crc = zlib.crc32(mb, crc)
    size = (declared_mb if declared_mb is not None else expands_mb) << 20
    members = [
        ("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.'
                                b'openxmlformats.org/package/2006/content-types"/>'),
        ("xl/workbook.xml", b'<?xml version="1.0"?><workbook xmlns="http://schemas.'
                            b'openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>'),
    ]
    body = b""
    central = b""
    for name, data in [*members, (bomb, None)]:
        if data is None:
            packed, crc32, usize = stream, crc, size
        else:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            packed, crc32, usize = c.compress(data) + c.flush(), zlib.crc32(data), len(data)
        raw = name.encode()
        offset = len(body)
        body += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc32,
                            len(packed), usize, len(raw), 0) + raw + packed
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21,
                               crc32, len(packed), usize, len(raw), 0, 0, 0, 0, 0,
                               offset) + raw
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 3, 3, len(central), len(body), 0)
    path.write_bytes(body + central + end)
    return path


@pytest.fixture
def zip_bomb():
    """``zip_bomb(path, expands_mb=900)``: see :func:`write_zip_bomb`."""
    return write_zip_bomb


#: The manifest of a one-roster workspace (``tiny_workspace``); ``{roster}`` is the file name.
TINY_MANIFEST = """title = "Tiny enquiry"
academic_year = "2025-26"
schools = ["Hillside School"]

[sources.roster]
path = "raw/{roster}"
kind = "pupils"
school = "Hillside School"
[sources.roster.columns]
"UPN" = "pupil_id"
"Legal Forename" = "forename"
"Legal Surname" = "surname"
"Year" = "year_group"
"""


@pytest.fixture
def tiny_workspace(tmp_path):
    """Make a one-roster workspace: ``tiny_workspace(roster_csv_text)`` -> its folder.

    The roster has the columns UPN, Legal Forename, Legal Surname and Year (more are
    allowed); ``roster=None`` leaves the raw file for the test to write (``raw/<name>``).
    """

    def make(roster: str | None, *, name: str = "roster.csv", folder: str = "ws") -> Path:
        ws = tmp_path / folder
        (ws / "raw").mkdir(parents=True)
        (ws / "private").mkdir()
        (ws / "enquiry.toml").write_text(TINY_MANIFEST.format(roster=name), encoding="utf-8")
        if roster is not None:
            (ws / "raw" / name).write_text(roster, encoding="utf-8")
        return ws

    return make


@pytest.fixture(autouse=True)
def _no_ipython_shell_left_behind():
    """Each test ends without an IPython shell in the process: a test that displays through
    one (``show``) must not make a later test look as if it ran inside a notebook kernel
    (a single report runs in-process only outside one)."""
    yield
    from IPython.core.interactiveshell import InteractiveShell

    if InteractiveShell.initialized():
        InteractiveShell.clear_instance()
