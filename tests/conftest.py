"""Shared fixtures: the synthetic demo trust, built once per test process."""

from __future__ import annotations

from pathlib import Path

import pytest

from slc_research.data.synthetic import write_demo_workspace

#: The demo `make demo` builds: four schools of about 1,000 pupils, seed 2025.
DEMO = {"schools": 4, "pupils": 1000, "seed": 2025}


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> Path:
    """A generated (not yet opened) demo workspace. Tests that use it are put in one
    xdist group (``@pytest.mark.xdist_group("demo")``) so it is built only once."""
    return write_demo_workspace(tmp_path_factory.mktemp("demo") / "trust", **DEMO)


@pytest.fixture(scope="session")
def demo_enquiry(demo_workspace):
    from slc_research import Enquiry

    return Enquiry.open(demo_workspace)
