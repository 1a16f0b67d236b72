"""The one atomic write: whole or not at all, unique temporary names, exclusive creation."""

from __future__ import annotations

import multiprocessing
import os
import stat

import pytest

from slc_research.privacy.pseudonyms import KEY_FILE, Pseudonymiser
from slc_research.workspace.atomic import write_atomic


def test_text_and_bytes_replace_the_file_and_keep_its_mode(tmp_path):
    path = tmp_path / "sub" / "enquiry.toml"
    assert write_atomic(path, "title = 'a'\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    os.chmod(path, 0o640)
    assert write_atomic(path, b"title = 'b'\n")
    assert path.read_text() == "title = 'b'\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in path.parent.iterdir()] == ["enquiry.toml"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "codings.csv"
    path.write_text("old")
    with pytest.raises(TypeError):
        write_atomic(path, 12345)  # not bytes or text: fails while writing
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["codings.csv"]


def test_exclusive_keeps_the_first_file(tmp_path):
    path = tmp_path / "key"
    assert write_atomic(path, "first", mode=0o600, exclusive=True)
    assert not write_atomic(path, "second", mode=0o600, exclusive=True)
    assert path.read_text() == "first"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["key"]


def _open_key(private: str, start, out) -> None:
    start.wait()
    out.put(Pseudonymiser.for_workspace(private).fingerprint)


def test_first_opens_racing_for_the_key_all_get_the_same_key(tmp_path):
    """Eight processes open a new workspace at once: one key is made, and every process
    pseudonymises with it (a fixed temporary name let two writers clobber each other)."""
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    private = tmp_path / "private"
    procs = [ctx.Process(target=_open_key, args=(str(private), start, out)) for _ in range(8)]
    for p in procs:
        p.start()
    start.set()
    prints = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert len(set(prints)) == 1
    assert prints[0] == Pseudonymiser.for_workspace(private).fingerprint
    assert [p.name for p in private.iterdir()] == [KEY_FILE]
    assert stat.S_IMODE((private / KEY_FILE).stat().st_mode) == 0o600
