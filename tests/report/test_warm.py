"""Warm kernels (slc_research.report.warm): same results, isolation, failures, clean-up."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from slc_research.errors import ConfigError
from slc_research.report import warm, zygote
from slc_research.report.execute import ReportError, run_report

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("warm"),
              pytest.mark.skipif(not warm.available(), reason="warm kernels need os.fork")]


def _notebook(path: Path, *cells: str) -> Path:
    nb = new_notebook(cells=[
        new_code_cell('workspace = ""\nvalue = 1', metadata={"tags": ["parameters"]}),
        *(new_code_cell(c) for c in cells)])
    nb.metadata["kernelspec"] = {"name": "slc-research", "display_name": "Python 3 (slc-research)",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    return path


RECORDS = """\
import os
import numpy as np
import pandas as pd
from slc_research.report import record
from slc_research.stats import welch_t
record("title", "tiny")
df = pd.DataFrame({"g": ["a", "b"] * 20, "y": np.arange(40.0) % 7})
record("means", df.groupby("g")["y"].mean().round(6).to_dict())
record("welch", welch_t(df.loc[df.g == "a", "y"], df.loc[df.g == "b", "y"]))
record("value", value * 2)
record("pid", os.getpid())
record("random", float(np.random.random()))
"""

CHART = """\
import altair as alt
import pandas as pd
alt.renderers.enable("svg")
alt.Chart(pd.DataFrame({"x": [1, 2, 3], "y": [3, 1, 2]})).mark_bar().encode(x="x:O", y="y:Q")
"""


@pytest.fixture(scope="module")
def zygote_cleanup():
    yield
    warm.shutdown()


def _run(nb: Path, tmp: Path, name: str, engine: str = "warm", **params) -> dict:
    r = run_report(nb, tmp, tmp / "out", parameters=params, name=name, engine=engine,
                   keep_executed=tmp / "kept")
    assert r.ok
    assert r.html is not None
    assert r.html.is_file()
    return r.records


def test_warm_records_match_fresh(tmp_path, zygote_cleanup):
    nb = _notebook(tmp_path / "tiny.ipynb", RECORDS)
    warm_records = _run(nb, tmp_path, "warm", value=21)
    fresh_records = _run(nb, tmp_path, "fresh", engine="fresh", value=21)
    assert warm_records["value"] == 42
    for key in ("title", "means", "welch", "value"):
        assert warm_records[key] == fresh_records[key]
    assert warm_records["pid"] != fresh_records["pid"]


def test_each_report_is_a_fresh_process(tmp_path, zygote_cleanup):
    first = _notebook(tmp_path / "first.ipynb", RECORDS + """
import slc_research
leaked = "yes"
slc_research._leaked = "yes"
import pandas as pd
pd.set_option("display.max_rows", 3)
""")
    second = _notebook(tmp_path / "second.ipynb", RECORDS + """
import slc_research
import pandas as pd
assert "leaked" not in globals()
assert not hasattr(slc_research, "_leaked")
assert pd.get_option("display.max_rows") != 3
""")
    a = _run(first, tmp_path, "first")
    b = _run(second, tmp_path, "second")
    assert a["pid"] != b["pid"]
    assert a["random"] != b["random"]  # each kernel gets its own random state
    for pid in (a["pid"], b["pid"]):  # killed and reaped once the report is written
        assert _gone(pid)


def test_failing_cell_raises_report_error(tmp_path, zygote_cleanup):
    nb = _notebook(tmp_path / "bad.ipynb", "x = 1", "raise ValueError('no such scale: nope')")
    errors = {}
    for engine in ("warm", "fresh"):
        with pytest.raises(ReportError, match="ValueError: no such scale") as info:
            run_report(nb, tmp_path, tmp_path / "out", parameters={}, engine=engine)
        errors[engine] = info.value
    assert errors["warm"].cell_index == errors["fresh"].cell_index == 3  # after injected params
    assert errors["warm"].ename == "ValueError"
    assert errors["warm"].evalue == "no such scale: nope"


def test_charts_render_as_inline_svg(tmp_path, zygote_cleanup):
    nb = _notebook(tmp_path / "chart.ipynb", "from slc_research.report import record\n"
                   "record('title', 'chart')", CHART)
    _run(nb, tmp_path, "chart")
    _run(nb, tmp_path, "chart-fresh", engine="fresh")
    svgs = []
    for name in ("chart", "chart-fresh"):
        kept = nbformat.read(str(tmp_path / "kept" / f"{name}.ipynb"), as_version=4)
        svgs.append([o["data"]["image/svg+xml"] for c in kept.cells for o in c.get("outputs", [])
                     if "image/svg+xml" in o.get("data", {})])
    assert len(svgs[0]) == 1
    assert svgs[0] == svgs[1]
    assert "<svg" in (tmp_path / "out" / "chart.html").read_text(encoding="utf-8")


def test_reports_in_threads(tmp_path, zygote_cleanup):
    nb = _notebook(tmp_path / "tiny.ipynb", RECORDS)
    with ThreadPoolExecutor(2) as pool:
        records = list(pool.map(lambda i: _run(nb, tmp_path, f"t{i}", value=i), range(4)))
    assert [r["value"] for r in records] == [0, 2, 4, 6]
    assert len({r["pid"] for r in records}) == 4


def test_killed_zygote_is_replaced(tmp_path, zygote_cleanup):
    nb = _notebook(tmp_path / "tiny.ipynb", RECORDS)
    _run(nb, tmp_path, "before")
    (old,) = [z for z in warm._ZYGOTES.values() if z.alive()]
    old.proc.kill()
    old.proc.wait()
    after = _run(nb, tmp_path, "after")
    (new,) = warm._ZYGOTES.values()
    assert new.pid != old.pid
    assert new.alive()
    assert after["value"] == 2


def test_no_processes_left_after_shutdown(tmp_path):
    nb = _notebook(tmp_path / "tiny.ipynb", RECORDS)
    pid = _run(nb, tmp_path, "one")["pid"]
    zygotes = [z.pid for z in warm._ZYGOTES.values()]
    assert zygotes
    family = _descendants(zygotes)
    warm.shutdown()
    assert not warm._ZYGOTES
    assert all(_gone(p) for p in [pid, *zygotes, *family])


def test_falls_back_without_fork(tmp_path, monkeypatch):
    nb = _notebook(tmp_path / "tiny.ipynb", RECORDS)
    monkeypatch.setattr(warm, "available", lambda: False)
    monkeypatch.setattr(warm, "_WARNED", set())
    before = dict(warm._ZYGOTES)  # other tests in this process may have started one
    with pytest.warns(RuntimeWarning, match="normal way"):
        records = _run(nb, tmp_path, "fallback")
    assert records["value"] == 2
    assert warm._ZYGOTES == before  # no zygote was started for this report


def test_unknown_engine(tmp_path):
    nb = _notebook(tmp_path / "tiny.ipynb", RECORDS)
    with pytest.raises(ConfigError, match="engine must be one of"):
        run_report(nb, tmp_path, tmp_path / "out", parameters={}, engine="turbo")


def test_split_argv():
    py = "/venv/bin/python"
    assert warm._split_argv([py, "-m", "ipykernel_launcher", "-f", "{connection_file}"]) == \
        (py, [])
    assert warm._split_argv([py, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f",
                             "{connection_file}"]) == (py, ["-Xfrozen_modules=off"])
    assert warm._split_argv(["R", "--slave", "-e", "IRkernel::main()", "--args",
                             "{connection_file}"]) is None
    assert warm._split_argv([py, "-m", "other_kernel", "-f", "{connection_file}"]) is None


def _gone(pid: int, wait: float = 5.0) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if warm._proc_state(pid) in (None,):
            return True
        time.sleep(0.05)
    return False


def _descendants(pids: list[int]) -> list[int]:
    """Processes whose parent is one of ``pids`` (Linux /proc), e.g. the render server."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) in pids:
                found.append(int(entry))
    return found


def test_memo_of_cached_tables_is_fresh_and_never_stale(tmp_path, monkeypatch):
    import pandas as pd

    from slc_research.workspace import enquiry
    from slc_research.workspace.cache import SourceCache

    monkeypatch.setattr(SourceCache, "read", SourceCache.read)  # undone after the test
    monkeypatch.setattr(zygote, "_MEMO", {})
    monkeypatch.setattr(zygote, "_MEMO_WORKSPACES", [])
    monkeypatch.setattr(enquiry, "STACKED_MEMO", None)  # the zygote's memo, off again after
    monkeypatch.setattr(zygote, "_OPENED", {})
    cache = SourceCache(tmp_path)
    cache.write("register", "k1", {"codebook": pd.DataFrame({"code": ["a", "b"]})},
                {"notes": [], "rows_read": 2, "rows_dropped": 0})
    zygote._install_memo()
    zygote._memo_workspace(str(tmp_path))
    assert len(zygote._MEMO) == 1
    tables, meta = cache.read("register", "k1")
    tables["codebook"].loc[0, "code"] = "changed"  # a report changing its copy ...
    meta["rows_read"] = 99
    again, meta2 = cache.read("register", "k1")
    assert list(again["codebook"]["code"]) == ["a", "b"]  # ... never reaches the next one
    assert meta2["rows_read"] == 2
    cache.write("register", "k1", {"codebook": pd.DataFrame({"code": ["c"]})},
                {"notes": [], "rows_read": 1, "rows_dropped": 0})
    fresh, _ = cache.read("register", "k1")  # a rewritten entry is read again
    assert list(fresh["codebook"]["code"]) == ["c"]
    assert cache.read("register", "missing") is None


def test_kernel_dying_mid_report_is_a_failure_not_retried(tmp_path, zygote_cleanup):
    marker = tmp_path / "runs.txt"
    nb = _notebook(tmp_path / "dies.ipynb", f"open({str(marker)!r}, 'a').write('run\\n')",
                   "import os\nos._exit(3)")
    with pytest.raises(ReportError) as info:
        run_report(nb, tmp_path, tmp_path / "out", parameters={}, engine="warm", timeout=60)
    assert info.value.ename == "DeadKernelError"
    assert marker.read_text() == "run\n"  # ran once: not retried as a start failure


def test_render_server_memo_keeps_recent_replies_within_its_limit():
    from slc_research.report.render_server import _ReplyMemo

    memo = _ReplyMemo(limit=10)
    a, b, c = (memo.key(x) for x in (b"chart a", b"chart b", b"chart c"))
    assert a != b
    memo.put(a, b"1234")
    memo.put(b, b"5678")
    assert memo.get(a) == b"1234"          # a is now the most recently used
    memo.put(c, b"90ab")                    # 12 bytes > 10: the least recently used (b) goes
    assert memo.get(b) is None
    assert memo.get(a) == b"1234"
    assert memo.get(c) == b"90ab"
    assert memo.size == 8
    memo.put(memo.key(b"huge"), b"x" * 11)  # larger than the limit: never kept
    assert memo.size == 8


def test_a_zygote_stopped_while_still_importing_is_killed_at_once(zygote_cleanup):
    # a batch whose reports are all up to date stops the zygote it started before it is
    # ready: stopping must not wait for its imports to finish
    assert warm.prestart()
    with warm._ZYGOTES_LOCK:
        (z,) = warm._ZYGOTES.values()
    started = time.perf_counter()
    warm.shutdown()
    assert time.perf_counter() - started < 2.0
    assert z.proc.poll() is not None
