"""Warm kernels (slc_research.report.warm): same results, isolation, failures, clean-up."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from slc_research.errors import ConfigError
from slc_research.report import kernels, warm, zygote
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
record("parent", os.getppid())
record("random", float(np.random.random()))
"""

CHART = """\
import altair as alt
import pandas as pd
alt.renderers.enable("svg")
alt.Chart(pd.DataFrame({"x": [1, 2, 3], "y": [3, 1, 2]})).mark_bar().encode(x="x:O", y="y:Q")
"""

OUR_CHART = """\
import os
import altair as alt
import pandas as pd
from slc_research.charts import use_offline_renderer
from slc_research.report import record
record("title", "our chart")
record("render_server", os.environ.get("SLC_RENDER_SERVER", ""))
use_offline_renderer()
alt.Chart(pd.DataFrame({"x": ["a", "b", "c"], "y": [3, 1, 2]})).mark_bar().encode(
    x=alt.X("x:N", title="group"), y=alt.Y("y:Q", title="pupils"))
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


def _svgs(tmp: Path, name: str) -> list[str]:
    kept = nbformat.read(str(tmp / "kept" / f"{name}.ipynb"), as_version=4)
    return [o["data"]["image/svg+xml"] for c in kept.cells for o in c.get("outputs", [])
            if "image/svg+xml" in o.get("data", {})]


def test_entry_points_name_the_engine_and_the_provisioner():
    from importlib.metadata import entry_points

    from jupyter_client.provisioning import KernelProvisionerBase
    from papermill.engines import NBClientEngine, papermill_engines

    from slc_research.report.provisioner import WarmProvisioner
    from slc_research.report.warm_engine import ENGINE_NAME, WarmEngine

    (engine,) = entry_points(group="papermill.engine", name=ENGINE_NAME)
    (provisioner,) = entry_points(group="jupyter_client.kernel_provisioners",
                                  name=warm.PROVISIONER_NAME)
    assert engine.value == "slc_research.report.warm_engine:WarmEngine"
    assert engine.load() is WarmEngine
    assert issubclass(WarmEngine, NBClientEngine)
    assert papermill_engines.get_engine(ENGINE_NAME) is WarmEngine  # papermill's own loading
    assert provisioner.value == "slc_research.report.provisioner:WarmProvisioner"
    assert provisioner.load() is WarmProvisioner
    assert issubclass(WarmProvisioner, KernelProvisionerBase)
    assert warm.provisioner_installed()


def test_warm_kernel_spec_names_the_provisioner(zygote_cleanup):
    from jupyter_client.kernelspec import KernelSpecManager

    from slc_research.report.provisioner import WarmProvisioner

    base = KernelSpecManager().get_kernel_spec("slc-research")
    name = warm.warm_kernel_name("slc-research")
    assert name == "slc-research-warm"
    km = kernels.WarmKernelManager(kernel_name=name)
    spec = km.kernel_spec
    assert spec.metadata["kernel_provisioner"] == {"provisioner_name": "slc-research-warm",
                                                   "config": {}}
    assert spec.argv == base.argv
    assert Path(spec.resource_dir).parent == warm.kernels_dir()
    assert km.transport == "ipc"

    async def start_and_kill() -> tuple[type, int, int, bool]:
        await km.start_kernel()
        try:
            child = km.provisioner.child
            alive = await km.is_alive()
            return type(km.provisioner), child.pid, child.ppid(), alive
        finally:
            await km.shutdown_kernel(now=True)

    kind, pid, parent, alive = asyncio.run(start_and_kill())
    assert kind is WarmProvisioner
    assert alive
    assert parent in warm.running_zygotes()  # forked by the zygote, not started by Popen
    assert _gone(pid)


def test_warm_records_match_fresh(tmp_path, zygote_cleanup):
    nb = _notebook(tmp_path / "tiny.ipynb", RECORDS)
    warm_records = _run(nb, tmp_path, "warm", value=21)
    fresh_records = _run(nb, tmp_path, "fresh", engine="fresh", value=21)
    assert warm_records["value"] == 42
    assert warm_records["title"] == "tiny"
    # i % 7 over even i < 40 sums to 58, over odd i to 57 (20 of each)
    assert warm_records["means"] == {"a": 2.9, "b": 2.85}
    for key in ("title", "means", "welch", "value"):
        assert warm_records[key] == fresh_records[key]
    assert warm_records["pid"] != fresh_records["pid"]
    assert warm_records["parent"] in warm.running_zygotes()
    assert fresh_records["parent"] not in warm.running_zygotes()


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
    svgs = [_svgs(tmp_path, "chart"), _svgs(tmp_path, "chart-fresh")]
    assert len(svgs[0]) == 1
    assert svgs[0] == svgs[1]
    assert "<svg" in (tmp_path / "out" / "chart.html").read_text(encoding="utf-8")


def test_our_renderer_draws_through_the_render_server(tmp_path, zygote_cleanup):
    nb = _notebook(tmp_path / "ours.ipynb", OUR_CHART)
    warm_records = _run(nb, tmp_path, "ours")
    fresh_records = _run(nb, tmp_path, "ours-fresh", engine="fresh")
    server = warm_records["render_server"]
    assert server.endswith(".sock")
    assert Path(server).is_socket()
    assert fresh_records["render_server"] == ""  # a fresh kernel draws with its own V8
    warm_svgs, fresh_svgs = _svgs(tmp_path, "ours"), _svgs(tmp_path, "ours-fresh")
    assert len(warm_svgs) == 1
    assert warm_svgs == fresh_svgs
    assert ">pupils</text>" in "".join(warm_svgs[0])


def test_render_server_reply_equals_a_local_render(tmp_path, monkeypatch, zygote_cleanup):
    import altair as alt

    from slc_research.charts.render import draw_svg as svg_renderer

    nb = _notebook(tmp_path / "ours.ipynb", OUR_CHART)
    server = _run(nb, tmp_path, "ours")["render_server"]
    spec = alt.Chart(alt.Data(values=[{"x": 1, "y": 2}])).mark_point().encode(
        x="x:Q", y="y:Q").to_dict()
    monkeypatch.delenv("SLC_RENDER_SERVER", raising=False)
    here = svg_renderer(spec)
    monkeypatch.setenv("SLC_RENDER_SERVER", server)
    there = svg_renderer(spec)
    assert there == here
    assert there.startswith("<svg")
    bad = {"mark": "not-a-mark", "data": {"values": [{"x": 1}]}}
    with pytest.raises(ValueError, match="Vega-Lite to SVG conversion failed"):
        svg_renderer(bad)  # raised as vl-convert raises it here
    monkeypatch.delenv("SLC_RENDER_SERVER")
    with pytest.raises(ValueError, match="Vega-Lite to SVG conversion failed"):
        svg_renderer(bad)


def test_reports_in_threads(tmp_path, zygote_cleanup):
    nb = _notebook(tmp_path / "tiny.ipynb", RECORDS)
    with ThreadPoolExecutor(2) as pool:
        records = list(pool.map(lambda i: _run(nb, tmp_path, f"t{i}", value=i), range(4)))
    assert [r["value"] for r in records] == [0, 2, 4, 6]
    assert len({r["pid"] for r in records}) == 4


def test_killed_zygote_is_replaced(tmp_path, zygote_cleanup):
    nb = _notebook(tmp_path / "tiny.ipynb", RECORDS)
    before = _run(nb, tmp_path, "before")
    old = before["parent"]
    psutil.Process(old).kill()
    assert _gone(old)
    after = _run(nb, tmp_path, "after")
    assert after["parent"] != old
    assert after["parent"] in warm.running_zygotes()
    assert after["value"] == 2


def test_no_processes_left_after_shutdown(tmp_path):
    nb = _notebook(tmp_path / "tiny.ipynb", RECORDS)
    pid = _run(nb, tmp_path, "one")["pid"]
    zygotes = warm.running_zygotes()
    assert zygotes
    family = [c.pid for z in zygotes for c in psutil.Process(z).children(recursive=True)]
    assert family  # the render server at least
    specs = warm.kernels_dir()
    warm.shutdown()
    assert warm.running_zygotes() == []
    assert all(_gone(p) for p in [pid, *zygotes, *family])
    assert not specs.exists()


def test_falls_back_without_fork(tmp_path, monkeypatch):
    nb = _notebook(tmp_path / "tiny.ipynb", RECORDS)
    monkeypatch.setattr(warm, "available", lambda: False)
    monkeypatch.setattr(kernels, "_WARNED", set())
    before = warm.running_zygotes()  # other tests in this process may have started one
    with pytest.warns(RuntimeWarning, match="need os.fork .* normal way"):
        records = _run(nb, tmp_path, "fallback")
    assert records["value"] == 2
    assert records["parent"] not in before
    assert warm.running_zygotes() == before  # no zygote was started for this report


def test_unknown_engine(tmp_path):
    nb = _notebook(tmp_path / "tiny.ipynb", RECORDS)
    with pytest.raises(ConfigError, match="engine must be one of"):
        run_report(nb, tmp_path, tmp_path / "out", parameters={}, engine="turbo")


def test_ipykernel_launch():
    py = "/venv/bin/python"
    assert warm.ipykernel_launch([py, "-m", "ipykernel_launcher", "-f",
                                  "{connection_file}"]) == (py, [])
    assert warm.ipykernel_launch([py, "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
                                  "-f", "{connection_file}"]) == (py, ["-Xfrozen_modules=off"])
    assert warm.ipykernel_launch(["R", "--slave", "-e", "IRkernel::main()", "--args",
                                  "{connection_file}"]) is None
    assert warm.ipykernel_launch([py, "-m", "other_kernel", "-f", "{connection_file}"]) is None


def _gone(pid: int, wait: float = 5.0) -> bool:
    """True once ``pid`` has exited and been reaped (or is a zombie about to be)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def test_memo_of_cached_tables_is_fresh_and_never_stale(tmp_path, monkeypatch):
    import pandas as pd

    from slc_research.workspace import cache, enquiry
    from slc_research.workspace.cache import SourceCache

    monkeypatch.setattr(cache, "READ_MEMO", None)  # off again after the test
    monkeypatch.setattr(zygote, "_MEMO_WORKSPACES", [])
    monkeypatch.setattr(enquiry, "STACKED_MEMO", None)  # the zygote's memo, off again after
    monkeypatch.setattr(zygote, "_OPENED", {})
    store = SourceCache(tmp_path)
    store.write("register", "k1", {"codebook": pd.DataFrame({"code": ["a", "b"]})},
                {"notes": [], "rows_read": 2, "rows_dropped": 0})
    zygote._memo_workspace(str(tmp_path))
    assert cache.READ_MEMO is not None
    assert list(cache.READ_MEMO) == [str(tmp_path / ".slc-cache" / "register" / "k1" /
                                         "meta.json")]
    reader = SourceCache(tmp_path)  # a report's own cache object: same memo
    tables, meta = reader.read("register", "k1")
    tables["codebook"].loc[0, "code"] = "changed"  # a report changing its copy ...
    meta["rows_read"] = 99
    again, meta2 = reader.read("register", "k1")
    assert list(again["codebook"]["code"]) == ["a", "b"]  # ... never reaches the next one
    assert meta2["rows_read"] == 2
    store.write("register", "k1", {"codebook": pd.DataFrame({"code": ["c"]})},
                {"notes": [], "rows_read": 1, "rows_dropped": 0})
    fresh, _ = reader.read("register", "k1")  # a rewritten entry is read again
    assert list(fresh["codebook"]["code"]) == ["c"]
    assert reader.read("register", "missing") is None


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
    warm.shutdown()
    assert warm.prestart()
    (pid,) = warm.running_zygotes()
    started = time.perf_counter()
    warm.shutdown()
    assert time.perf_counter() - started < 2.0
    assert _gone(pid, wait=0.5)
