"""Benchmark: a batch of 24 reports on the demo trust, our way and the naive way.

The batch is what a batch run of ``slc-research report`` makes of the demo
workspace (4 schools, about 1000 pupils each): slc_impact for the trust and
each SLC (with and without the comparison group), tlc_impact and data_health
for the trust and per school, voices for the trust and per kind of text,
student_led_conferences and coproduction_pilot for the trust.

- ours:  one Python process runs the reports in a thread pool (one worker per
         core, plus one) with ``run_report(..., engine="warm")``: kernels forked from a
         zygote that has already imported the stack
         (:mod:`slc_research.report.warm`, reached through the papermill engine and
         kernel provisioner the package registers as entry points: install it with
         ``pip install -e .`` first); ``--engine fresh`` times the same
         pool with a new kernel process per report;
- naive: a shell loop running, per report, ``papermill`` then ``jupyter
         nbconvert --to html --no-input`` (both CLIs from .venv/bin).

Prints both wall times, the ratio, per-report medians, and checks that both
ways recorded the same results (``read_records`` of the executed notebooks).
Target on a 2-core machine: ours >= 10x faster than the naive way.

Run:  .venv/bin/python benchmarks/batch.py [--quick] [--repeat 1] [--skip-naive]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work" / "batch"
BIN = Path(sys.executable).parent
NOTEBOOKS = ROOT / "notebooks"


def plan(workspace: Path, quick: bool = False) -> list[tuple[str, str, dict]]:
    """The (report name, notebook, parameters) of the batch: 24 reports, or 6 with quick."""
    from slc_research import Enquiry

    enq = Enquiry.open(workspace)
    schools = sorted(enq.schools)
    slcs = sorted(enq.communities.loc[enq.communities["kind"] == "slc", "community"])
    sources = sorted(enq.texts["source"].dropna().unique())
    if quick:
        return [("slc_impact", "slc_impact", {}), ("tlc_impact", "tlc_impact", {}),
                ("voices", "voices", {}), ("data_health", "data_health", {}),
                ("student_led_conferences", "student_led_conferences", {}),
                ("coproduction_pilot", "coproduction_pilot", {})]
    items: list[tuple[str, str, dict]] = [
        ("slc_impact", "slc_impact", {}),
        ("slc_impact--none", "slc_impact", {"comparison": "none"}),
    ]
    items += [(f"slc_impact--{i}", "slc_impact", {"community": c}) for i, c in enumerate(slcs)]
    items += [(f"slc_impact--{i}-none", "slc_impact", {"community": c, "comparison": "none"})
              for i, c in enumerate(slcs[:2])]
    items += [("tlc_impact", "tlc_impact", {})]
    items += [(f"tlc_impact--{i}", "tlc_impact", {"school": s}) for i, s in enumerate(schools)]
    items += [("voices", "voices", {})]
    items += [(f"voices--{s}", "voices", {"source": s}) for s in sources[:4]]
    items += [("data_health", "data_health", {})]
    items += [(f"data_health--{i}", "data_health", {"school": s})
              for i, s in enumerate(schools[:3])]
    items += [("student_led_conferences", "student_led_conferences", {}),
              ("coproduction_pilot", "coproduction_pilot", {})]
    return items[:24]


# -- our way (run in its own process) --------------------------------------------------------
def way_ours(workspace: str, out: str, plan_json: str, engine: str, workers: int) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    from slc_research.report.execute import run_report

    items = json.loads(plan_json)
    out_dir = Path(out)
    t = time.perf_counter()
    if engine == "warm":
        from slc_research.report import warm

        warm.prestart()  # warm the zygote while the pool starts

    def one(item: list) -> tuple[str, float, str]:
        name, nb, params = item
        r = run_report(NOTEBOOKS / f"{nb}.ipynb", workspace, out_dir / "html", parameters=params,
                       name=name, keep_executed=out_dir / "executed", engine=engine)
        return name, r.duration, r.status

    with ThreadPoolExecutor(workers) as pool:
        done = list(pool.map(one, items))
    seconds = time.perf_counter() - t
    # warm kernels come through the package's entry points: none installed, no zygote
    zygotes = len(warm.running_zygotes()) if engine == "warm" else 0
    return {"seconds": seconds, "per_report": [d for _, d, _ in done], "zygotes": zygotes,
            "names": [n for n, _, _ in done], "failed": [n for n, _, s in done if s != "ok"]}


# -- the naive way ---------------------------------------------------------------------------
def naive_script(workspace: Path, out: Path, items: list) -> str:
    """A shell loop: papermill then nbconvert per report, timing each."""
    lines = ["set -e"]
    for name, nb, params in items:
        args = [str(BIN / "papermill"), str(NOTEBOOKS / f"{nb}.ipynb"), str(out / f"{name}.ipynb"),
                "-k", "slc-research", "--no-progress-bar", "-r", "workspace", str(workspace)]
        for k, v in params.items():
            args += ["-r", k, str(v)]
        export = [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                  "--output-dir", str(out / "html"), str(out / f"{name}.ipynb")]
        lines += ["s=$(date +%s.%N)", shlex.join(args) + " >/dev/null 2>&1",
                  shlex.join(export) + " >/dev/null 2>&1",
                  f'echo "{name} $(echo "$(date +%s.%N) - $s" | bc)"']
    return "\n".join(lines) + "\n"


def way_naive(workspace: Path, out: Path, items: list) -> dict:
    script = out / "naive.sh"
    script.write_text(naive_script(workspace, out, items), encoding="utf-8")
    t = time.perf_counter()
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, cwd=out)
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"the naive loop failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    per = [float(line.split()[-1]) for line in proc.stdout.splitlines() if line.strip()]
    return {"seconds": seconds, "per_report": per}


def _records(folder: Path, name: str) -> dict:
    import nbformat

    from slc_research.report import read_records

    return read_records(nbformat.read(str(folder / f"{name}.ipynb"), as_version=4))


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9,
                                                                            abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _child(argv: list[str]) -> None:
    print(json.dumps(way_ours(*argv[:4], int(argv[4]))))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="6 reports (one per notebook)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of our way (median shown)")
    ap.add_argument("--naive-repeat", type=int, default=1)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--engine", default="warm", choices=["warm", "fresh"])
    # One more worker than cores: each report waits ~0.3 s on kernel hand-shakes (kernel_info,
    # IOPub subscription) and on its parent's HTML export, and a spare worker fills that.
    ap.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    ap.add_argument("--pupils", type=int, default=1000)
    ap.add_argument("--verbose", action="store_true", help="print each report's time")
    args = ap.parse_args()

    ws = WORK / "demo"
    if not (ws / "enquiry.toml").is_file():
        subprocess.run([str(BIN / "slc-research"), "demo-data", str(ws), "--schools", "4",
                        "--pupils", str(args.pupils), "--seed", "2025", "--force"], check=True,
                       stdout=subprocess.DEVNULL)
    items = plan(ws, args.quick)  # also opens (and caches) the workspace once
    print(f"{len(items)} reports on {ws} ({os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f})")

    ours = []
    for i in range(args.repeat):
        out = WORK / f"ours-{i}"
        shutil.rmtree(out, ignore_errors=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run([sys.executable, __file__, "--child", str(ws), str(out),
                               json.dumps(items), args.engine, str(args.workers)],
                              capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise SystemExit(f"our way failed:\n{proc.stderr[-3000:]}")
        ours.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        ours[-1]["cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        if ours[-1]["failed"]:
            raise SystemExit(f"our way: failed reports {ours[-1]['failed']}")
        if args.engine == "warm" and not ours[-1]["zygotes"]:
            raise SystemExit("our way ran no warm kernel: reinstall the package (pip install "
                             f"-e .) to register its entry points\n{proc.stderr[-2000:]}")
        print(f"ours  run {i + 1}: {ours[-1]['seconds']:7.1f} s")
        if args.verbose:
            for name, d in zip(ours[-1]["names"], ours[-1]["per_report"], strict=True):
                print(f"  {name:40s} {d:6.2f} s")
    naive = []
    if not args.skip_naive:
        for i in range(args.naive_repeat):
            out = WORK / f"naive-{i}"
            shutil.rmtree(out, ignore_errors=True)
            (out / "html").mkdir(parents=True)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            naive.append(way_naive(ws, out, items))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            naive[-1]["cpu"] = ((after.ru_utime + after.ru_stime)
                                - (before.ru_utime + before.ru_stime))
            print(f"naive run {i + 1}: {naive[-1]['seconds']:7.1f} s")

    n = len(items)
    med = statistics.median
    ours_s = med(r["seconds"] for r in ours)
    ours_each = med(d for r in ours for d in r["per_report"])
    ours_cpu = med(r["cpu"] for r in ours)
    print(f"ours  ({args.engine}, {args.workers} workers): {ours_s:7.1f} s for {n} reports = "
          f"{ours_s / n:5.2f} s/report; median report {ours_each:5.2f} s (in its worker); "
          f"CPU {ours_cpu / n:5.2f} s/report (all processes)")
    if naive:
        naive_s = med(r["seconds"] for r in naive)
        naive_each = med(d for r in naive for d in r["per_report"])
        naive_cpu = med(r["cpu"] for r in naive)
        print(f"naive (papermill + nbconvert loop): {naive_s:7.1f} s for {n} reports = "
              f"{naive_s / n:5.2f} s/report; median report {naive_each:5.2f} s; "
              f"CPU {naive_cpu / n:5.2f} s/report")
        print(f"ratio naive / ours: {naive_s / ours_s:5.1f}x   (target >= 10x)")
        differ = [name for name, _, _ in items
                  if not _same(_records(WORK / "ours-0" / "executed", name),
                               _records(WORK / "naive-0", name))]
        print(f"same recorded results both ways: {not differ}"
              + (f" (differ: {', '.join(differ)})" if differ else ""))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
    else:
        main()
