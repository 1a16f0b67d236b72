"""Benchmark: ingesting a big attendance register into the workspace cache.

Generates an attendance register of about 10 million session marks (26,000
pupils x 380 sessions, one row per mark: ``UPN,Date,Session,Mark``, UK dates),
then times, each in a fresh process so that peak memory is its own:

- ours:   ``Enquiry.open`` on a workspace holding that file (cold cache):
          read, validate, pseudonymise, write Parquet;
- naive:  ``pandas.read_csv`` with default dtypes, then a row-by-row check and
          pseudonymisation, then Parquet (what a hand-written script does);
- floor:  a bare ``pyarrow.csv.read_csv`` of the same file (no checks at all);
- reload: ``Enquiry.open`` again (warm cache).

Prints the times (median of ``--repeat`` runs for ours, floor and reload; the
naive way runs once unless ``--naive-repeat`` says otherwise), both ratios and
the peak memory, then checks that ours and the naive way produced the same
pseudonymised table. Targets on a 2-core machine: ours >= 5x faster than the
naive way, within 2x of the floor, <= 1.5 GiB peak, reload <= 1 s.

Run:  .venv/bin/python benchmarks/ingest.py [--pupils 26000] [--sessions 380]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work" / "ingest"

MANIFEST = """title = "Attendance ingest benchmark"
academic_year = "2025-26"
schools = ["Benchmark School"]

[sources.register]
path = "raw/attendance.csv"
kind = "attendance"
layout = "long"
[sources.register.columns]
"UPN" = "pupil_id"
"Date" = "date"
"Session" = "session"
"Mark" = "code"
"""


def make_register(path: Path, pupils: int, sessions: int, seed: int = 7) -> int:
    """Write a long attendance register; returns the number of marks."""
    rng = np.random.default_rng(seed)
    days = np.arange(np.datetime64("2025-09-01"), np.datetime64("2026-07-31"))
    weekdays = days[np.is_busday(days)][: (sessions + 1) // 2]
    dates = np.repeat(weekdays, 2)[:sessions]
    am = np.tile(np.array(["AM", "PM"]), len(weekdays))[:sessions]
    upns = np.array([f"A{n:012d}" for n in rng.choice(10**12, pupils, replace=False)])
    codes = np.array(["/", "\\", "L", "I", "M", "C", "N", "O", "U", "G", "B", "V"])
    probs = np.array([0.46, 0.46, 0.015, 0.03, 0.005, 0.005, 0.004, 0.008, 0.003, 0.004,
                      0.003, 0.003])
    probs /= probs.sum()
    n = pupils * sessions
    idx_p = np.repeat(np.arange(pupils, dtype=np.int32), sessions)
    idx_s = np.tile(np.arange(sessions, dtype=np.int32), pupils)
    mark_idx = rng.choice(len(codes), size=n, p=probs).astype(np.int8)
    # AM present is "/", PM present is "\"
    mark_idx = np.where((mark_idx <= 1), np.where(am[idx_s] == "AM", 0, 1), mark_idx)
    date_str = np.array([d.item().strftime("%d/%m/%Y") for d in dates])
    table = pa.table({
        "UPN": pa.DictionaryArray.from_arrays(pa.array(idx_p), pa.array(upns)),
        "Date": pa.DictionaryArray.from_arrays(pa.array(idx_s), pa.array(date_str)),
        "Session": pa.DictionaryArray.from_arrays(pa.array(idx_s), pa.array(am)),
        "Mark": pa.DictionaryArray.from_arrays(pa.array(mark_idx), pa.array(codes)),
    })
    table = table.cast(pa.schema([(c, pa.string()) for c in table.column_names]))
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
    return n


# -- the ways, each run in its own process -----------------------------------
def way_ours(workspace: str) -> dict:
    from slc_research import Enquiry

    t = time.perf_counter()
    enq = Enquiry.open(workspace)
    elapsed = time.perf_counter() - t
    att = enq.attendance
    return {"seconds": elapsed, "rows": len(att), "pupils": int(att["pupil_id"].nunique()),
            "present": int((att["meaning"] == "present").sum()),
            "cached": all(h.from_cache for h in enq.health)}


def way_floor(csv: str) -> dict:
    t = time.perf_counter()
    table = pacsv.read_csv(csv)
    return {"seconds": time.perf_counter() - t, "rows": table.num_rows}


def way_naive(csv: str, key_hex: str, out: str) -> dict:
    import datetime as dt
    import hashlib
    import hmac

    import pandas as pd

    from slc_research.data.schemas import DFE_ATTENDANCE_CODES

    key = bytes.fromhex(key_hex)
    t = time.perf_counter()
    df = pd.read_csv(csv)
    ids, dates, meanings = [], [], []
    for row in df.itertuples(index=False):
        upn = str(row.UPN).strip().upper()
        if not upn:
            raise ValueError("missing UPN")
        day = dt.datetime.strptime(row.Date, "%d/%m/%Y")
        if row.Session not in ("AM", "PM"):
            raise ValueError(f"bad session {row.Session}")
        if row.Mark not in DFE_ATTENDANCE_CODES:
            raise ValueError(f"bad mark {row.Mark}")
        ids.append("P-" + hmac.new(key, b"pupil:" + upn.encode(), hashlib.sha256).hexdigest()[:10])
        dates.append(day)
        meanings.append(DFE_ATTENDANCE_CODES[row.Mark][0])
    out_df = pd.DataFrame({"pupil_id": ids, "date": dates, "session": df["Session"],
                           "code": df["Mark"], "meaning": meanings})
    out_df.to_parquet(out)
    return {"seconds": time.perf_counter() - t, "rows": len(out_df),
            "pupils": int(out_df["pupil_id"].nunique()),
            "present": int((out_df["meaning"] == "present").sum())}


def _child(argv: list[str]) -> None:
    way, *rest = argv
    result = {"ours": way_ours, "floor": way_floor, "naive": way_naive}[way](*rest)
    # ru_maxrss is KiB on Linux
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _run(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"benchmark step {args[0]} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pupils", type=int, default=26_000)
    ap.add_argument("--sessions", type=int, default=380)
    ap.add_argument("--repeat", type=int, default=3, help="runs of ours, floor, reload")
    ap.add_argument("--naive-repeat", type=int, default=1)
    ap.add_argument("--skip-naive", action="store_true")
    args = ap.parse_args()

    import shutil

    ws = WORK / "workspace"
    csv = ws / "raw" / "attendance.csv"
    if ws.exists():
        shutil.rmtree(ws)
    (ws / "private").mkdir(parents=True)
    (ws / "enquiry.toml").write_text(MANIFEST, encoding="utf-8")
    t = time.perf_counter()
    n = make_register(csv, args.pupils, args.sessions)
    size_mb = csv.stat().st_size / 2**20
    print(f"register: {n:,} marks ({args.pupils:,} pupils x {args.sessions} sessions), "
          f"{size_mb:.0f} MiB, written in {time.perf_counter() - t:.1f} s")

    ours, reload, floor = [], [], []
    for _ in range(args.repeat):
        shutil.rmtree(ws / ".slc-cache", ignore_errors=True)
        ours.append(_run("ours", str(ws)))
        reload.append(_run("ours", str(ws)))
        floor.append(_run("floor", str(csv)))
    assert all(r["cached"] for r in reload), "the reload did not come from the cache"
    key_hex = (ws / "private" / "pseudonym.key").read_text().strip()
    naive = [] if args.skip_naive else [
        _run("naive", str(csv), key_hex, str(WORK / "naive.parquet"))
        for _ in range(args.naive_repeat)]

    med = lambda runs, k="seconds": statistics.median(r[k] for r in runs)  # noqa: E731
    print(f"floor  (bare pyarrow.csv.read_csv): {med(floor):7.2f} s   peak "
          f"{med(floor, 'peak_mib'):6.0f} MiB")
    print(f"ours   (Enquiry.open, cold cache):  {med(ours):7.2f} s   peak "
          f"{max(r['peak_mib'] for r in ours):6.0f} MiB")
    print(f"reload (Enquiry.open, warm cache):  {med(reload):7.2f} s   peak "
          f"{med(reload, 'peak_mib'):6.0f} MiB")
    if naive:
        print(f"naive  (read_csv + row-by-row):     {med(naive):7.2f} s   peak "
              f"{med(naive, 'peak_mib'):6.0f} MiB")
        print(f"ratio naive / ours: {med(naive) / med(ours):5.1f}x   (target >= 5x)")
        same = all(ours[0][k] == naive[0][k] for k in ("rows", "pupils", "present"))
        print(f"same result as the naive way (rows, pupils, present marks): {same}")
    print(f"ratio ours / floor: {med(ours) / med(floor):5.2f}x   (target <= 2x)")
    print(f"peak memory ours: {max(r['peak_mib'] for r in ours) / 1024:.2f} GiB (target <= 1.5)")
    print(f"reload from cache: {med(reload):.2f} s (target <= 1 s)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
    else:
        main()
