"""Running a batch: failures reported with their cell, resuming after kill -9, and Dask.

Tiny notebooks (a `parameters` cell and a record or two) in tmp_path keep these fast;
the workspace is an empty one from `slc-research init`.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from slc_research.cli import main
from slc_research.errors import ConfigError
from slc_research.report.batch import PlannedReport
from slc_research.report.progress import Progress, failure_table
from slc_research.report.runs import LEDGER_NAME, LOCK_NAME, read_ledger, run_batch
from slc_research.workspace.enquiry import Enquiry

#: The recorded results of the 11 demo reports (``reference/regenerate.py``), recorded again
#: after issue 16 changed the methods on purpose (the raw-score d_ppc2 headline, HKSJ
#: pooling, McNemar mid-p, the matched comparison, ...): a refactor must not change a figure.
REFERENCE = Path(__file__).with_name("reference") / "demo_records.json"

OK_CODE = """import time
from slc_research.report import record
time.sleep(sleep)
record("x2", x * 2)
record("title", f"Tiny report {x}")
print("x is", x)"""


def notebook(path: Path, *cells: str, params: str = "x = 1\nsleep = 0.0") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f'workspace = ""  # the enquiry\n{params}',
                                          metadata={"tags": ["parameters"]}),
                *(nbformat.v4.new_code_cell(c) for c in cells)]
    nb.metadata["kernelspec"] = {"name": "slc-research", "display_name": "slc-research",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def tiny(tmp_path):
    """An empty workspace, a notebook that works and one that fails in its third cell."""
    ws = tmp_path / "ws"
    assert main(["init", str(ws)]) == 0
    enq = Enquiry.open(ws)
    ok = notebook(tmp_path / "ok.ipynb", OK_CODE)
    fail = notebook(tmp_path / "fail.ipynb", "print('fine so far')",
                    'raise ValueError(f"boom {x}")', params="x = 1")
    return ws, enq, ok, fail


def text_of(html: Path) -> str:
    """The page's text, without tags (code is highlighted span by span)."""
    return re.sub(r"<[^>]+>", "", html.read_text())


def plan_of(ok: Path, fail: Path | None = None, n: int = 3) -> list[PlannedReport]:
    plan = [PlannedReport(f"ok-{i}", ok, {"x": i}) for i in range(1, n + 1)]
    if fail is not None:
        plan.insert(1, PlannedReport("fail-7", fail, {"x": 7}))
    return plan


def test_a_failing_report_does_not_stop_the_others(tiny, tmp_path, capsys):
    ws, enq, ok, fail = tiny
    out = tmp_path / "out"
    run = run_batch(plan_of(ok, fail), ws, out, workspace_key=enq.cache_key, title="Tiny",
                    workers=2)
    assert [o.name for o in run.outcomes] == ["ok-1", "fail-7", "ok-2", "ok-3"]
    assert [o.ok for o in run.outcomes] == [True, False, True, True]
    assert {o.name: o.result.records.get("x2") for o in run.outcomes if o.ok} == {
        "ok-1": 2, "ok-2": 4, "ok-3": 6}
    failed = run.failures[0]
    # cells of the executed notebook: parameters, injected-parameters, print, raise
    assert (failed.cell_index, failed.ename, failed.evalue) == (3, "ValueError", "boom 7")
    assert not (out / "fail-7.html").exists()
    err = capsys.readouterr().err
    assert "1 report failed" in err
    table = err[err.index("Report "):]
    assert "fail-7" in table
    assert "x=7" in table
    assert "ValueError: boom 7" in table
    assert "3 of 4 reports ready" in err
    ledger = read_ledger(out)
    assert ledger["fail-7"]["status"] == "failed"
    assert ledger["fail-7"]["cell"] == 3
    assert ledger["ok-2"]["records"]["x2"] == 4
    index = (out / "index.html").read_text()
    assert "boom 7" in index
    assert 'href="ok-3.html"' in index


def test_up_to_date_reports_are_skipped_and_keep_their_records(tiny, tmp_path):
    ws, enq, ok, _ = tiny
    out = tmp_path / "out"
    key = enq.cache_key
    first = run_batch(plan_of(ok, n=2), ws, out, workspace_key=key, title="T", quiet=True)
    assert len(first.ran) == 2
    stamp = (out / "ok-1.html").stat().st_mtime_ns

    again = run_batch(plan_of(ok, n=2), ws, out, workspace_key=key, title="T", quiet=True)
    assert len(again.skipped) == 2
    assert again.outcomes[1].result.records["x2"] == 4  # from the ledger
    assert (out / "ok-1.html").stat().st_mtime_ns == stamp
    assert "Tiny report 2" in (out / "index.html").read_text()

    # a changed parameter, a changed workspace, a deleted report, --force: run again
    changed = [PlannedReport("ok-1", ok, {"x": 5}), PlannedReport("ok-2", ok, {"x": 2})]
    assert [o.skipped for o in run_batch(changed, ws, out, workspace_key=key, title="T",
                                         quiet=True).outcomes] == [False, True]
    assert [o.skipped for o in run_batch(changed, ws, out, workspace_key=key + "x", title="T",
                                         quiet=True).outcomes] == [False, False]
    (out / "ok-2.html").unlink()
    assert [o.skipped for o in run_batch(changed, ws, out, workspace_key=key + "x", title="T",
                                         quiet=True).outcomes] == [True, False]
    assert not any(o.skipped for o in run_batch(changed, ws, out, workspace_key=key + "x",
                                                title="T", quiet=True, force=True).outcomes)


def test_the_research_audience_shows_code_and_staff_does_not(tiny, tmp_path):
    ws, enq, ok, _ = tiny
    out = tmp_path / "out"
    plan = [PlannedReport("staff", ok, {"x": 3}), PlannedReport("research", ok, {"x": 3},
                                                                "research")]
    run = run_batch(plan, ws, out, workspace_key=enq.cache_key, title="T", quiet=True)
    assert all(o.ok for o in run.outcomes)
    assert run.outcomes[1].result.records["x2"] == 6
    assert "time.sleep(sleep)" not in text_of(out / "staff.html")
    research = (out / "research.html").read_text()
    assert "time.sleep(sleep)" in text_of(out / "research.html")
    assert "<title>Tiny report 3</title>" in research
    assert not [p.name for p in out.iterdir() if p.suffix in (".ipynb", ".tmp")]


def test_a_killed_run_leaves_no_partial_report_and_a_rerun_does_only_the_rest(tiny, tmp_path):
    ws, _, ok, _ = tiny
    out = tmp_path / "out"
    names = [f"ok-{i}" for i in range(1, 5)]
    batch = tmp_path / "batch.toml"
    batch.write_text(f'[[report]]\nnotebook = "{ok}"\nname = "ok-{{x}}"\n[report.parameters]\n'
                     'sleep = 1.0\n[report.each]\nx = [1, 2, 3, 4]\n')
    cmd = [sys.executable, "-m", "slc_research.cli", "report", str(ws), "--batch", str(batch),
           "--out", str(out), "--workers", "1", "--quiet"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not read_ledger(out) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done_before = set(read_ledger(out))
    assert done_before, "the first report was not written in time"
    assert len(done_before) < len(names), "the run finished before it could be killed"
    for html in out.glob("*.html"):  # whatever is there is whole
        assert html.read_text().rstrip().endswith("</html>")
    stamps = {n: (out / f"{n}.html").stat().st_mtime_ns for n in done_before}

    assert main(["report", str(ws), "--batch", str(batch), "--out", str(out), "--quiet"]) == 0
    ledger = read_ledger(out)
    assert sorted(ledger) == names
    for n in done_before:  # kept, not run again
        assert (out / f"{n}.html").stat().st_mtime_ns == stamps[n]
    for n in set(names) - done_before:
        assert ledger[n]["status"] == "ok"
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert json.loads((out / LEDGER_NAME).read_text())["format"] == 1


def test_a_dask_cluster_makes_the_same_reports_as_this_computer(tiny, tmp_path):
    distributed = pytest.importorskip("distributed")
    ws, enq, ok, fail = tiny
    plan = plan_of(ok, fail, n=2)
    local = run_batch(plan, ws, tmp_path / "local", workspace_key=enq.cache_key, title="T",
                      quiet=True)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    try:
        remote = run_batch(plan, ws, tmp_path / "dask", workspace_key=enq.cache_key,
                           title="T", quiet=True, scheduler=cluster.scheduler_address)
    finally:
        cluster.close()
    assert [o.name for o in remote.outcomes] == [o.name for o in local.outcomes]
    assert [o.ok for o in remote.outcomes] == [o.ok for o in local.outcomes]
    assert [o.result.records for o in remote.outcomes] == [o.result.records
                                                           for o in local.outcomes]
    assert remote.failures[0].cell_index == local.failures[0].cell_index == 3
    for name in ("ok-1", "ok-2"):
        assert (tmp_path / "dask" / f"{name}.html").is_file()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_shows_running_failed_and_skipped_on_a_terminal():
    stream = _Terminal()
    progress = Progress(5, skipped=1, workers=2, stream=stream)
    progress.finished("a", True, 1.0)
    progress.finished("b", False, 1.0)
    progress.close()
    shown = stream.getvalue()
    assert "3/5" in shown  # one skipped, two finished
    assert "failed=1, running=2, skipped=1" in shown


def test_without_a_terminal_one_line_per_report_and_quiet_shows_nothing():
    stream = io.StringIO()
    progress = Progress(2, workers=2, stream=stream)
    progress.finished("a", True, 3.2)
    progress.finished("b", False, 1.0)
    progress.close()
    assert stream.getvalue() == "  a: written in 3 s\n  b: FAILED\n"
    quiet = _Terminal()
    Progress(2, quiet=True, stream=quiet).finished("a", True, 1.0)
    assert quiet.getvalue() == ""


def test_the_failure_table():
    table = failure_table([{"name": "slc_impact--x", "notebook": "slc_impact", "cell": 4,
                            "parameters": {"workspace": "/w", "community": "X SLC"},
                            "error": "ConfigError: no community called 'X SLC'\nmore"}])
    header, rule, row = table.splitlines()
    assert header.split() == ["Report", "Notebook", "Parameters", "Cell", "Error"]
    assert set(rule) == {"-", " "}
    assert row.startswith("slc_impact--x  slc_impact  community=\"X SLC\"  4     ConfigError")
    assert "/w" not in row
    assert failure_table([]) == ""


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
def test_the_demo_batch_makes_every_report_then_skips_them_all(demo_workspace, tmp_path, capsys):
    batch = Path(__file__).resolve().parents[2] / "batches" / "demo.toml"
    out = tmp_path / "outputs"
    args = ["report", str(demo_workspace), "--batch", str(batch), "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    made = sorted(p.stem for p in out.glob("*.html"))
    trust = ["coproduction_pilot", "data_health", "slc_impact", "student_led_conferences",
             "tlc_impact", "voices"]
    assert set(trust) <= set(made)
    assert "slc_impact--riverside-slc" in made
    assert "slc_impact--research" in made
    ledger = read_ledger(out)
    per_slc = [n for n in ledger if n.startswith("slc_impact--") and n.endswith("-slc")]
    assert len(per_slc) == 4
    assert all(e["status"] == "ok" for e in ledger.values())
    assert_same_records(ledger, json.loads(REFERENCE.read_text()))
    assert "run_notebook(" not in text_of(out / "slc_impact.html")  # staff: no code
    assert "run_notebook(" in text_of(out / "slc_impact--research.html")
    index = (out / "index.html").read_text()
    for name in made:
        if name != "index" and not name.startswith("summary"):
            assert f'href="{name}.html"' in index
    capsys.readouterr()
    assert main(args) == 0
    assert f"(0 written, {len(ledger)} up to date)" in capsys.readouterr().err


def assert_same_records(ledger: dict, reference: dict) -> None:
    """Every report of the reference made, with the same parameters and the same records.

    Numbers are compared to 1e-9 relative (the same arithmetic, whatever the module layout);
    everything else exactly.
    """
    assert sorted(ledger) == sorted(reference)
    for name, ref in reference.items():
        entry = ledger[name]
        assert Path(entry["notebook"]).name == ref["notebook"], name
        assert entry["parameters"] == ref["parameters"], name
        assert entry["audience"] == ref["audience"], name
        assert sorted(entry["records"]) == sorted(ref["records"]), name
        for key, value in ref["records"].items():
            assert_same_value(entry["records"][key], value, f"{name}: {key}")


def assert_same_value(got, want, where: str) -> None:
    if isinstance(want, float) or (isinstance(want, int) and isinstance(got, float)):
        assert isinstance(got, (int, float)), where
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12), where
    elif isinstance(want, dict):
        assert isinstance(got, dict), where
        assert sorted(got) == sorted(want), where
        for k, v in want.items():
            assert_same_value(got[k], v, f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list), where
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same_value(g, w, f"{where}[{i}]")
    else:
        assert got == want, where


def test_two_batches_cannot_write_into_one_folder_at_once(tiny, tmp_path):
    fcntl = pytest.importorskip("fcntl")
    ws, enq, ok, _ = tiny
    out = tmp_path / "out"
    out.mkdir()
    with open(out / LOCK_NAME, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(ConfigError, match="another slc-research report is writing"):
            run_batch(plan_of(ok, n=1), ws, out, workspace_key=enq.cache_key, title="T",
                      quiet=True)
    assert not (out / "ok-1.html").exists()
