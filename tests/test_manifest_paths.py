"""A manifest path cannot point outside the workspace: not by '..', an absolute or Windows
drive path, a symlink to a file elsewhere, nor at the pseudonymisation key or the cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slc_research.errors import ConfigError
from slc_research.workspace.manifest import read_manifest

MANIFEST = """
title = "SLC enquiry"
academic_year = "2025-26"

[sources.roster]
path = 'PATH'
kind = "pupils"
[sources.roster.columns]
"UPN" = "pupil_id"
"""


def _workspace(tmp_path: Path, path: str) -> Path:
    ws = tmp_path / "ws"
    (ws / "raw").mkdir(parents=True, exist_ok=True)
    (ws / "raw" / "roster.csv").write_text("UPN\nA1\n", encoding="utf-8")
    (tmp_path / "outside.csv").write_text("UPN\nA1\n", encoding="utf-8")
    (ws / "enquiry.toml").write_text(MANIFEST.replace("PATH", path), encoding="utf-8")
    return ws


@pytest.mark.parametrize("path", [
    "../outside.csv", "raw/../../outside.csv", "/etc/passwd", "..\\outside.csv",
    "raw\\..\\..\\outside.csv", "C:\\Users\\teacher\\roster.csv", "C:/Users/roster.csv",
    "\\\\server\\share\\roster.csv", "//server/share/roster.csv",
])
def test_paths_out_of_the_workspace_are_refused(tmp_path, path):
    with pytest.raises(ConfigError, match="sources.roster.path.*points outside the workspace"):
        read_manifest(_workspace(tmp_path, path))


def test_a_symlink_to_a_file_elsewhere_is_refused(tmp_path):
    ws = _workspace(tmp_path, "raw/linked.csv")
    os.symlink(tmp_path / "outside.csv", ws / "raw" / "linked.csv")
    with pytest.raises(ConfigError, match="'raw/linked.csv' points outside the workspace"):
        read_manifest(ws)


def test_a_symlinked_folder_out_of_the_workspace_is_refused(tmp_path):
    ws = _workspace(tmp_path, "raw/elsewhere/outside.csv")
    os.symlink(tmp_path, ws / "raw" / "elsewhere")
    with pytest.raises(ConfigError, match="points outside the workspace"):
        read_manifest(ws)


def test_a_symlink_within_the_workspace_is_fine(tmp_path):
    ws = _workspace(tmp_path, "raw/latest.csv")
    os.symlink(ws / "raw" / "roster.csv", ws / "raw" / "latest.csv")
    assert read_manifest(ws).sources["roster"].path == (ws / "raw" / "roster.csv").resolve()


def test_windows_separators_inside_the_workspace_are_read(tmp_path):
    ws = _workspace(tmp_path, "raw\\roster.csv")
    assert read_manifest(ws).sources["roster"].path == (ws / "raw" / "roster.csv").resolve()


@pytest.mark.parametrize("path", ["private/pseudonym.key", "./private/pseudonym.key",
                                  ".slc-cache/index.json"])
def test_the_key_and_the_cache_are_never_sources(tmp_path, path):
    ws = _workspace(tmp_path, path)
    target = ws / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("00" * 32 + "\n", encoding="ascii")
    with pytest.raises(ConfigError, match="private file, not a raw export"):
        read_manifest(ws)
