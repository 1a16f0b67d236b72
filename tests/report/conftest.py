"""Fixtures of the report tests: what must never appear in a published report."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def roster_identifiers(demo_workspace) -> set[str]:
    """Every UPN, staff code and name in the demo's raw roster and staff files
    (3 characters or more), to search the reports for."""
    found: set[str] = set()
    for path in demo_workspace.glob("raw/*/mis/roster.csv"):
        roster = pd.read_csv(path, dtype=str)
        for col in ("UPN", "Legal Forename", "Legal Surname"):
            found |= set(roster[col].dropna())
    for path in demo_workspace.glob("raw/*/mis/staff_list.xlsx"):
        staff = pd.read_excel(path, sheet_name="Staff", dtype=str, engine="openpyxl")
        for col in ("Staff Code", "Surname"):
            found |= set(staff[col].dropna())
    return {x for x in found if len(x) >= 3}


@pytest.fixture(scope="session")
def demo_reports(demo_workspace, tmp_path_factory):
    """The demo batch (batches/demo.toml, what `make demo` runs) with ``--pdf``: every
    report's page and its PDF, in a temporary folder."""
    from pathlib import Path

    from slc_research.cli import main

    batch = Path(__file__).resolve().parents[2] / "batches" / "demo.toml"
    out = tmp_path_factory.mktemp("demo-reports") / "outputs"
    assert main(["report", str(demo_workspace), "--batch", str(batch), "--out", str(out),
                 "--pdf", "--quiet"]) == 0
    return out
