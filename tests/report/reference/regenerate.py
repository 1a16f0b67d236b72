"""Record the demo reports' results as the reference ``test_runs.py`` compares with.

Run it only when the figures are meant to change (a method changed on purpose, as in issue
16), never to make a failing refactor pass; say in the commit why the figures changed.

    .venv/bin/python tests/report/reference/regenerate.py

It builds the demo trust (seed 2025, 4 schools of 1,000 pupils, as ``make demo``) in a
temporary folder, runs ``batches/demo.toml`` and writes each report's notebook, parameters,
audience and records to ``demo_records.json`` beside this file.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from slc_research.cli import main
from slc_research.report.folder import read_ledger
from slc_research.synthetic.trust import write_demo_workspace

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def regenerate() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        ws = write_demo_workspace(Path(tmp) / "trust", schools=4, pupils=1000, seed=2025)
        out = Path(tmp) / "outputs"
        status = main(["report", str(ws), "--batch", str(ROOT / "batches" / "demo.toml"),
                       "--out", str(out), "--quiet"])
        if status != 0:
            return status
        ledger = read_ledger(out)
    reference = {name: {"audience": e["audience"], "notebook": Path(e["notebook"]).name,
                        "parameters": e["parameters"], "records": e["records"]}
                 for name, e in sorted(ledger.items())}
    (HERE / "demo_records.json").write_text(json.dumps(reference, indent=1, sort_keys=True)
                                            + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(regenerate())
