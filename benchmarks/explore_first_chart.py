"""Benchmark: how long ``notebooks/explore.ipynb`` takes to show the explorer's first chart.

The notebook is run with nbclient in a new ``slc-research`` kernel, as JupyterLab's
Run All would run it, on the one-school enquiry of ``benchmarks/first_report.py``
(or ``--workspace``). Its cells are executed one by one up to the explorer's cell
(``widgets.explorer(workspace)``, whose widget holds the first chart, drawn as SVG);
timed are that cell alone (from the moment it starts: the target, <= 5 s) and every
cell up to it (what Run All makes the teacher wait for, the kernel started). The
chart is checked to be there: an ``<svg`` in the cell's widget state or output.

Run:  .venv/bin/python benchmarks/explore_first_chart.py [--runs 3] [--workspace PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
TARGET_SECONDS = 5.0


def first_chart(workspace: Path) -> tuple[float, float, float]:
    """(kernel start, cells before the explorer, the explorer's cell), in seconds."""
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    # the workspace given after the notebook's parameters cell, as papermill injects it
    nb.cells.insert(1, nbformat.v4.new_code_cell(f"workspace = {str(workspace)!r}"))
    index = next(i for i, c in enumerate(nb.cells)
                 if c.cell_type == "code" and "widgets.explorer(" in c.source)
    client = NotebookClient(nb, kernel_name="slc-research", timeout=600,
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    t = time.perf_counter()
    with client.setup_kernel():
        started = time.perf_counter() - t
        t = time.perf_counter()
        for i, cell in enumerate(nb.cells[:index]):
            client.execute_cell(cell, i)
        before = time.perf_counter() - t
        t = time.perf_counter()
        cell = client.execute_cell(nb.cells[index], index)
        explorer = time.perf_counter() - t
        client.set_widgets_metadata()  # the widgets' state (the chart's SVG) into the notebook
    errors = [o for o in cell.outputs if o.output_type == "error"]
    if errors:
        raise SystemExit(f"the explorer's cell raised {errors[0].ename}: {errors[0].evalue}")
    state = str(nb.metadata.get("widgets", "")) + str(cell.outputs)
    if "<svg" not in state:
        raise SystemExit("the explorer's cell finished without a chart (no <svg in its widgets)")
    return started, before, explorer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workspace", type=Path, default=None,
                    help="an enquiry folder (default: the one-school enquiry of first_report.py)")
    args = ap.parse_args()
    if args.workspace is None:
        sys.path.insert(0, str(HERE))
        from first_report import workspace

        args.workspace = workspace()
    ws = args.workspace.resolve()
    runs = []
    for i in range(args.runs):
        runs.append(first_chart(ws))
        k, b, e = runs[-1]
        print(f"explore run {i + 1}: kernel {k:4.1f} s, cells before {b:4.1f} s, explorer's "
              f"cell {e:4.1f} s (load {os.getloadavg()[0]:.1f})")
    k, b, e = (statistics.median(r[j] for r in runs) for j in range(3))
    print(f"explorer's first chart: median {e:4.1f} s after its cell starts (target <= "
          f"{TARGET_SECONDS:.0f} s) -> {'MET' if e <= TARGET_SECONDS else 'NOT MET'}; "
          f"Run All up to it {k + b + e:4.1f} s (kernel {k:.1f} s, cells before {b:.1f} s)")


if __name__ == "__main__":
    main()
