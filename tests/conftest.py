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
