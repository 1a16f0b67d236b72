"""Benchmark: a teacher's first report, waited for end to end, ours and the naive way.

The enquiry is one school made by the synthetic generator
(``write_demo_workspace(schools=1, pupils=200)``: the generator's smallest
school, about the 150-pupil roster of a teacher's own enquiry), in the
git-ignored ``benchmarks/.work/first``. Each way runs as a new process, as a
teacher runs it, and is timed from launch to exit (wall clock):

- ours, cold: ``slc-research report PATH --notebook slc_impact`` with the
  workspace's cache removed first (what the teacher waits for the first time:
  every raw file read, checked and cached);
- ours, warm: the same command again (the cache kept, the report forced);
- naive: ``papermill`` then ``jupyter nbconvert --to html --no-input``, both CLIs
  from the virtualenv, on the same workspace (cache warm: the naive way gets the
  easier case).

Runs alternate (cold, warm, naive) so a busy machine slows each alike; medians
of ``--runs`` runs and the ratio naive / ours cold are printed, with the CPU
seconds each used (all processes) and the load average, since wall time on a
shared machine says little alone. Targets: ours cold <= 6 s and >= 3x faster
than the naive pair. ``--explore`` also times the explorer's first chart
(``benchmarks/explore_first_chart.py``).

Run:  .venv/bin/python benchmarks/first_report.py [--runs 3] [--explore]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work" / "first"
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "slc_impact.ipynb"
TARGET_SECONDS, TARGET_RATIO = 6.0, 3.0


def workspace() -> Path:
    """The one-school enquiry (made once, then reused)."""
    ws = WORK / "enquiry"
    if not (ws / "enquiry.toml").is_file():
        from slc_research.synthetic.trust import write_demo_workspace

        WORK.mkdir(parents=True, exist_ok=True)
        write_demo_workspace(ws, schools=1, pupils=200, seed=2025, force=True)
    return ws


def timed(argv: list[str], *, cwd: Path) -> tuple[float, float]:
    """Run ``argv`` to its end; (wall seconds, CPU seconds of it and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} ... failed ({proc.returncode}):\n"
                         f"{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}")
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def ours(ws: Path, out: Path, *, cold: bool) -> tuple[float, float]:
    """``slc-research report`` once; the cache removed first when ``cold``."""
    if cold:
        shutil.rmtree(ws / ".slc-cache", ignore_errors=True)
    return timed([str(BIN / "slc-research"), "report", str(ws), "--notebook", "slc_impact",
                  "--out", str(out), "--force", "--quiet"], cwd=WORK)


def naive(ws: Path, out: Path) -> tuple[float, float]:
    """``papermill`` then ``jupyter nbconvert --to html --no-input``, timed together."""
    out.mkdir(parents=True, exist_ok=True)
    executed = out / "slc_impact.ipynb"
    w1, c1 = timed([str(BIN / "papermill"), str(NOTEBOOK), str(executed), "-k", "slc-research",
                    "--no-progress-bar", "-p", "workspace", str(ws)], cwd=WORK)
    w2, c2 = timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                    "--output-dir", str(out), str(executed)], cwd=WORK)
    return w1 + w2, c1 + c2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="runs of each way (medians shown)")
    ap.add_argument("--explore", action="store_true", help="also time the explorer's first chart")
    args = ap.parse_args()

    ws = workspace()
    ours(ws, WORK / "out", cold=False)  # once untimed: files in the OS cache, kernel registered
    print(f"first report of {ws} (one school; {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f} at the start)")
    rows: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": [], "naive": []}
    for i in range(args.runs):
        rows["cold"].append(ours(ws, WORK / "out", cold=True))
        rows["warm"].append(ours(ws, WORK / "out", cold=False))
        rows["naive"].append(naive(ws, WORK / f"naive-{i}"))
        print(f"run {i + 1}: ours cold {rows['cold'][-1][0]:5.1f} s, ours warm "
              f"{rows['warm'][-1][0]:5.1f} s, naive {rows['naive'][-1][0]:5.1f} s "
              f"(load {os.getloadavg()[0]:.1f})")
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for k, v in rows.items()}
    names = {"cold": "ours, cache cold (the first time)", "warm": "ours, cache warm",
             "naive": "naive papermill + nbconvert"}
    for key, (wall, cpu) in med.items():
        print(f"{names[key]:36s} median {wall:5.1f} s wall, {cpu:5.1f} s CPU")
    ratio = med["naive"][0] / med["cold"][0]
    cpu_ratio = med["naive"][1] / med["cold"][1]
    met = med["cold"][0] <= TARGET_SECONDS and ratio >= TARGET_RATIO
    print(f"ratio naive / ours cold: {ratio:4.1f}x wall, {cpu_ratio:4.1f}x CPU "
          f"(targets: <= {TARGET_SECONDS:.0f} s and >= {TARGET_RATIO:.0f}x) -> "
          f"{'MET' if met else 'NOT MET'}")
    if args.explore:
        subprocess.run([sys.executable, str(HERE / "explore_first_chart.py"),
                        "--runs", str(args.runs)], check=True)


if __name__ == "__main__":
    main()
