"""Issue 17, item 9: one report runs in this process (no kernel), as a kernel would run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from slc_research.report import ReportError, run_report
from slc_research.report.batch import Batch, BatchEntry
from slc_research.report.runs import batch_of_one, one_report_in_process


def _notebook(path: Path) -> Path:
    params = nbformat.v4.new_code_cell('workspace = "."\nx = 1\nfail = False')
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[
        params,
        nbformat.v4.new_markdown_cell("# A tiny report"),
        nbformat.v4.new_code_cell(
            "import warnings\nimport pandas as pd, altair as alt\n"
            "from slc_research.charts import use_offline_renderer\n"
            "from slc_research.report import record, show_text\n"
            "use_offline_renderer()\nprint('printed', x)\nwarnings.warn('a warning')"),
        nbformat.v4.new_code_cell("if fail:\n    raise ValueError('planned failure')"),
        nbformat.v4.new_code_cell(
            "show_text('Plain words first.')\n"
            "alt.Chart(pd.DataFrame({'a': ['x', 'y'], 'b': [3, x]})).mark_bar()"
            ".encode(x='a:N', y='b:Q').properties(title='n = 2')"),
        nbformat.v4.new_code_cell("record('x_squared', x * x)\nx * 10"),
    ])
    nb.metadata["kernelspec"] = {"name": "slc-research", "display_name": "slc-research",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def _shape(nb) -> list[list[tuple[str, tuple[str, ...], str]]]:
    """Each code cell's outputs: (type, mimetypes, stream name)."""
    return [[(o.output_type, tuple(sorted(o.get("data", {}))), o.get("name", ""))
             for o in c.outputs] for c in nb.cells if c.cell_type == "code"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return _notebook(tmp_path_factory.mktemp("nb") / "tiny.ipynb")


def test_item9_inprocess_report_has_the_outputs_and_records_of_a_kernel_run(tiny, tmp_path):
    runs = {}
    for engine in ("inprocess", "fresh"):
        result = run_report(tiny, tmp_path, tmp_path / engine, parameters={"x": 4},
                            engine=engine, keep_executed=tmp_path / f"{engine}-nb")
        runs[engine] = (result, nbformat.read(result.executed, as_version=4))
    (ours, nb), (_, kernel_nb) = runs["inprocess"], runs["fresh"]
    assert ours.records == runs["fresh"][0].records == {"x_squared": 16}
    assert _shape(nb) == _shape(kernel_nb)
    nbformat.validate(nb)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in cells] == [1, 2, 3, 4, 5, 6]
    stream = {o.name: o.text for o in cells[2].outputs if o.output_type == "stream"}
    assert stream["stdout"] == "printed 4\n"
    assert "a warning" in stream["stderr"]
    assert cells[-1].outputs[-1]["data"]["text/plain"] == "40"  # the cell's value
    html = ours.html.read_text(encoding="utf-8")
    kernel_html = runs["fresh"][0].html.read_text(encoding="utf-8")
    assert html.count("<svg") == kernel_html.count("<svg") == 1
    assert "Plain words first." in html
    assert "<pre>printed 4" in html


def test_item9_inprocess_failing_cell_raises_report_error(tiny, tmp_path):
    with pytest.raises(ReportError, match="raised ValueError: planned failure") as info:
        run_report(tiny, tmp_path, tmp_path / "out", parameters={"fail": True},
                   engine="inprocess")
    assert (info.value.ename, info.value.cell_index) == ("ValueError", 4)
    assert not (tmp_path / "out" / "tiny.html").exists()
    # the shell is gone: the next report runs in a clean one, without the last one's variables
    result = run_report(tiny, tmp_path, tmp_path / "out", parameters={}, engine="inprocess")
    assert result.records == {"x_squared": 1}


def test_item9_only_a_single_local_report_runs_in_process():
    one = Batch((BatchEntry(("slc_impact",), {}, {}, "{notebook}", "staff", "--notebook"),))
    each = Batch((BatchEntry(("slc_impact",), {}, {"community": "@each slc"}, "{notebook}",
                             "staff", "--each-community"),))
    two = Batch((BatchEntry(("slc_impact", "voices"), {}, {}, "{notebook}", "staff", "x"),))
    assert batch_of_one(one)
    assert not batch_of_one(each)
    assert not batch_of_one(two)
    assert one_report_in_process(1, None, None)
    assert one_report_in_process(1, "auto", None)
    assert not one_report_in_process(2, None, None)
    assert not one_report_in_process(1, "warm", None)
    assert not one_report_in_process(1, None, "tcp://10.0.0.5:8786")


def test_item9_workspace_tables_kept_in_memory_for_the_run_then_switched_off():
    from slc_research.report import in_process as inprocess_engine
    from slc_research.workspace import cache, enquiry

    assert cache.READ_MEMO is None
    assert enquiry.STACKED_MEMO is None
    inprocess_engine.prepare_in_process_report()
    assert cache.READ_MEMO == {}
    assert enquiry.STACKED_MEMO == {}
    inprocess_engine.end_in_process_report()
    assert cache.READ_MEMO is None
    assert enquiry.STACKED_MEMO is None


def test_item9_never_in_process_inside_a_notebook_kernel():
    script = """
from IPython.core.interactiveshell import InteractiveShell
from slc_research.report.in_process import can_run_here
assert can_run_here()
InteractiveShell.instance()
assert not can_run_here()  # inside a notebook's kernel: never in-process
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]
