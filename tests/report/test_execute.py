"""Running a notebook through run_report, the offline HTML, recorded results and the index."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import papermill
import pytest

from slc_research.errors import ConfigError, SlcResearchError
from slc_research.report import (
    ReportError,
    ReportResult,
    read_records,
    run_report,
    write_index,
)

REPO = Path(__file__).resolve().parents[2]
MARKER = "code_that_must_not_show_123"


def _notebook(path: Path) -> Path:
    params = nbformat.v4.new_code_cell('workspace = "."\nx = 1\nfail = False')
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[
        params,
        nbformat.v4.new_markdown_cell("# A tiny report\n\nSome prose."),
        nbformat.v4.new_code_cell(
            "import pandas as pd, altair as alt\n"
            "from pathlib import Path\n"
            "from slc_research.charts import use_offline_renderer\n"
            "from slc_research.report import record, show_table\n"
            f"use_offline_renderer()\n{MARKER} = Path(workspace).is_absolute()"),
        nbformat.v4.new_code_cell("if fail:\n    raise ValueError('planned failure')"),
        nbformat.v4.new_code_cell(
            "from slc_research.privacy.suppression import suppress_small\n"
            "show_table(suppress_small(pd.DataFrame({'group': ['<b>members</b>'], 'n': [12]}),"
            " count_cols='n', threshold=5, display=True))\n"
            "alt.Chart(pd.DataFrame({'a': ['x', 'y'], 'b': [3, x]})).mark_bar()"
            ".encode(x='a:N', y='b:Q').properties(title='n = 2')"),
        nbformat.v4.new_code_cell(
            "record('x_squared', x * x)\nrecord('workspace_is_absolute', "
            f"{MARKER})\nrecord('title', 'Tiny <report>')\nrecord('community', 'StuPed')"),
    ])
    nb.metadata["kernelspec"] = {"name": "slc-research", "display_name": "slc-research",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return _notebook(tmp_path_factory.mktemp("nb") / "tiny.ipynb")


@pytest.fixture(scope="module")
def ran(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    private = tmp_path_factory.mktemp("private")
    result = run_report(tiny, tmp_path_factory.mktemp("ws"), out, parameters={"x": 3},
                        name="tiny-report", keep_executed=private)
    return result, out, private


def test_html_is_written_with_code_hidden(ran):
    result, out, _ = ran
    assert result.ok
    assert result.html == out / "tiny-report.html"
    html = result.html.read_text(encoding="utf-8")
    assert "A tiny report" in html
    assert "Some prose." in html
    assert MARKER not in html
    assert "use_offline_renderer" not in html
    assert "<title>Tiny &lt;report&gt;</title>" in html
    assert "&lt;b&gt;members&lt;/b&gt;" in html  # table text escaped
    assert sorted(p.name for p in out.iterdir()) == ["tiny-report.html"]  # no notebook, no temp


def test_html_renders_offline(ran):
    html = ran[0].html.read_text(encoding="utf-8")
    assert re.search(r"<svg[^>]*>", html)
    assert "cdn.jsdelivr" not in html
    assert "unpkg.com" not in html
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.findall(r"https://", html)
    assert "application/x-slc-research+json" not in html


def test_records_are_read_back(ran, tiny):
    result, _, private = ran
    assert result.records == {"x_squared": 9, "workspace_is_absolute": True,
                              "title": "Tiny <report>", "community": "StuPed"}
    assert result.community == "StuPed"
    assert Path(result.parameters["workspace"]).is_absolute()
    assert result.executed == private / "tiny-report.ipynb"
    assert read_records(result.executed) == result.records


def test_a_failing_cell_raises_report_error(tiny, tmp_path):
    with pytest.raises(ReportError, match="raised ValueError: planned failure") as info:
        run_report(tiny, tmp_path, tmp_path / "out", parameters={"fail": True})
    err = info.value
    assert isinstance(err, SlcResearchError)
    assert (err.ename, err.evalue) == ("ValueError", "planned failure")
    assert err.cell_index == 4  # after the injected-parameters cell
    assert err.notebook == str(tiny)
    assert not (tmp_path / "out" / "tiny.html").exists()


def test_unknown_parameter_is_refused(tiny, tmp_path):
    with pytest.raises(ConfigError, match=r"no parameter\(s\) \['colour'\]"):
        run_report(tiny, tmp_path, tmp_path / "out", parameters={"colour": "red"})


def test_missing_notebook(tmp_path):
    with pytest.raises(ReportError, match="no notebook at"):
        run_report(tmp_path / "nope.ipynb", tmp_path, tmp_path, parameters={})


def test_kernel_start_failure_is_retried_once(tiny, tmp_path, monkeypatch):
    import zmq

    calls = []

    def flaky(input_path, output_path, **kwargs):
        calls.append(kwargs["parameters"])
        if len(calls) == 1:
            raise zmq.ZMQError(98, "Address already in use")
        nb = nbformat.read(input_path, as_version=4)
        nbformat.write(nb, output_path)
        return nb  # as papermill does: the executed notebook, also written to output_path

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    result = run_report(tiny, tmp_path, tmp_path / "out", parameters={})
    assert len(calls) == 2
    assert result.ok
    assert result.records == {}

    calls.clear()

    def always(input_path, output_path, **kwargs):
        calls.append(1)
        raise zmq.ZMQError(98, "Address already in use")

    monkeypatch.setattr(papermill, "execute_notebook", always)
    with pytest.raises(ReportError, match="ZMQError"):
        run_report(tiny, tmp_path, tmp_path / "out", parameters={})
    assert len(calls) == 2


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    import slc_research.workspace.atomic as atomic_module

    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic_module.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        atomic_module.write_atomic(target, "new", durable=False)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_index_lists_reports_escaped(ran, tmp_path):
    result, out, _ = ran
    failed = ReportResult.failed("broken <one>", "x.ipynb", "cell 3 raised <KeyError>",
                                 parameters={"community": "Voice & Choice"})
    effect = {"symbol": "g", "estimate": 0.4123, "ci_low": 0.05, "ci_high": 0.77,
              "confidence": 0.95, "n": 64}
    with_effect = ReportResult("e", Path("e.ipynb"), out / "tiny-report.html",
                               records={"engagement_g": effect, "school": ["A", "B"]})
    path = write_index(out, [result, failed, with_effect], title="Trust <reports>")
    html = path.read_text(encoding="utf-8")
    assert path == out / "index.html"
    assert "<title>Trust &lt;reports&gt;</title>" in html
    assert '<a href="tiny-report.html">Tiny &lt;report&gt;</a>' in html
    assert "broken &lt;one&gt;" in html
    assert "cell 3 raised &lt;KeyError&gt;" in html
    assert "Voice &amp; Choice" in html
    assert ("Engagement in lessons, members against other pupils: 0.41 (0.05 to 0.77), "
            "based on 64") in html
    assert "<h2>The whole trust</h2>" in html  # a report on schools A and B
    assert "2 of 3 reports are up to date. 1 failed" in html
    assert "<script" not in html
    assert "https://" not in html


def test_impact_notebook_is_committed_clean():
    nb = nbformat.read(REPO / "notebooks" / "slc_impact.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert all(not c.outputs and c.execution_count is None for c in code)
    params = papermill.inspect_notebook(str(REPO / "notebooks" / "slc_impact.ipynb"))
    assert set(params) == {"workspace", "community", "scales", "waves", "comparison",
                           "primary_outcome", "smallest_effect"}
    assert "slc_impact.STUDY.run_notebook(" in code[1].source
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    for h in ("## Who took part", "## Participation", "## Change on the learning questionnaire",
              "## Attendance and behaviour", "## What this design can and cannot show",
              "## About the data"):
        assert h in headings
    assert nb.metadata["kernelspec"]["name"] == "slc-research"


def test_reports_run_in_parallel_each_talk_to_their_own_kernel(tiny, tmp_path):
    """Two kernels started at once must not share sockets (seen once: jupyter_client's
    default ipc path is shared, and kernels rejected each other's messages)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(x: int):
        return run_report(tiny, tmp_path, tmp_path / "out", parameters={"x": x}, name=f"r{x}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, [2, 3, 4, 5]))
    assert [r.records["x_squared"] for r in results] == [4, 9, 16, 25]
    assert all(r.ok for r in results)
