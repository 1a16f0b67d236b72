"""Fixtures for the widget tests: a writable copy of the demo workspace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def demo_copy(demo_enquiry, demo_workspace, tmp_path) -> Path:
    """A copy of the demo workspace that a test may write to (codings, enquiry.toml).

    The session's ``demo_workspace`` is read-only; the copy is taken after
    ``demo_enquiry`` has opened it once, so it carries a warm cache and opens
    in under a second. Use it in the ``"demo"`` or ``"demo-b"`` xdist group,
    or a group of its own.
    """
    return Path(shutil.copytree(demo_workspace, tmp_path / "demo"))
