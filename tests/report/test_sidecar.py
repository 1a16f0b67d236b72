"""Issue 17, item 9: the helper process of a single report (reads the workspace, draws charts).

The helper (:mod:`slc_research.report.sidecar`) opens the workspace while the command
imports its libraries, then draws the report's charts with V8 already started. These tests
check what the command relies on: the cache the helper writes is the one the command
reads, its drawings are the drawings this process makes, it shows nothing, and it leaves
no process, socket or folder behind, even when the workspace is broken.
"""

from __future__ import annotations

import os
from pathlib import Path

import psutil
import pytest

from slc_research.charts import use_offline_renderer
from slc_research.charts.render import RENDER_SERVER_ENV, draw_svg, local_svg, server_request
from slc_research.cli import main
from slc_research.report.sidecar import Sidecar
from slc_research.workspace.enquiry import Enquiry

ROSTER = "UPN,Legal Forename,Legal Surname,Year\n" + "".join(
    f"A{k:012d},Pupil{k},Family{k},{7 + k % 5}\n" for k in range(30))
SPEC = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": [{"a": "x", "b": 3}, {"a": "y", "b": 5}]}, "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "nominal"},
                     "y": {"field": "b", "type": "quantitative"}}}


def _entries(ws: Path) -> set[str]:
    cache = ws / ".slc-cache"
    return {p.relative_to(cache).as_posix() for p in cache.rglob("meta.json")}


def test_item9_helper_writes_the_cache_this_process_then_reads(tiny_workspace):
    ws = tiny_workspace(ROSTER)
    with Sidecar.start(ws) as helper:
        assert helper.wait_until_read(timeout=120)
        written = _entries(ws)
        assert written, "the helper wrote no cache entry"
        enq = Enquiry.open(ws)
        assert all(h.from_cache for h in enq.health)  # read from what the helper wrote
        assert _entries(ws) == written
        assert len(enq.pupils) == 30
    assert helper.proc.poll() is not None
    assert not helper.folder.exists()


def test_item9_helper_draws_what_this_process_draws(tiny_workspace, monkeypatch):
    monkeypatch.delenv(RENDER_SERVER_ENV, raising=False)
    ws = tiny_workspace(ROSTER)
    with Sidecar.start(ws) as helper:
        assert helper.wait_until_read(timeout=120)
        with helper.drawing():
            assert Path(helper.socket).exists()
            drawn = draw_svg(SPEC)
        assert RENDER_SERVER_ENV not in os.environ
    assert drawn == local_svg(SPEC)
    assert drawn.startswith("<svg")


def test_item9_helper_gives_the_page_words_this_process_works_out(tiny_workspace):
    from slc_research.report.check import page_words

    ws = tiny_workspace(ROSTER)
    with Sidecar.start(ws) as helper:
        assert helper.wait_until_read(timeout=120)
        with helper.drawing():
            reply = server_request({"page_words": True})
    page_words.cache_clear()
    try:
        here = page_words()  # no helper: worked out in this process
    finally:
        page_words.cache_clear()
    assert frozenset(reply["page_words"]) == here
    assert {"placeholder", "border"} <= here  # JupyterLab's style sheet


def test_item9_helper_on_a_broken_workspace_says_nothing_and_the_command_says_why(
        tiny_workspace, capsys):
    ws = tiny_workspace(None)  # the manifest names a roster that is not there
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    status = main(["report", str(ws), "--notebook", "slc_impact", "--out",
                   str(ws.parent / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert status in (1, 2)  # the workspace's mistake, never a bug (3)
    assert "roster.csv" in err
    assert err.count("slc-research:") == 1  # one message: the helper showed nothing
    left = {p.pid for p in psutil.Process().children(recursive=True)} - before
    assert not left, "the helper outlived the command"


@pytest.mark.xdist_group("demo")
def test_item9_report_through_the_helper_draws_what_a_report_without_it_draws(
        tmp_path, demo_workspace):
    """The same report run in this process with the helper (its charts drawn ahead, by the
    helper's V8) and without it (drawn here when shown): the same charts, to the byte."""
    import shutil

    from slc_research.report.execute import run_report

    ws = tmp_path / "trust"
    shutil.copytree(demo_workspace, ws)  # its own copy: nothing else changes it meanwhile
    notebook = Path(__file__).parents[2] / "notebooks" / "data_health.ipynb"
    with Sidecar.start(ws) as helper:
        assert helper.wait_until_read(timeout=300)
        with helper.drawing():
            page_a = run_report(notebook, ws, tmp_path / "a", parameters={},
                                engine="inprocess").html.read_text(encoding="utf-8")
    page_b = run_report(notebook, ws, tmp_path / "b", parameters={},
                        engine="inprocess").html.read_text(encoding="utf-8")
    drawn_a, drawn_b = map(_numbered_alike, _svgs(page_a)), map(_numbered_alike, _svgs(page_b))
    drawn_a, drawn_b = list(drawn_a), list(drawn_b)
    assert len(drawn_a) == len(drawn_b) > 0
    for a, b in zip(drawn_a, drawn_b, strict=True):
        assert _texts(a) == _texts(b)
        at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                  min(len(a), len(b)))
        assert a == b, f"drawings differ at {at}: {a[at - 150:at + 150]!r} / {b[at - 150:at + 150]!r}"


def _numbered_alike(svg: str) -> str:
    """``svg`` with its gradients numbered from 0: V8 numbers them on from the process's
    earlier drawings (``gradient_4`` in a process that drew four before), which is the one
    thing a drawing owes to the process it was drawn in."""
    import re

    order: dict[str, str] = {}
    svg = re.sub(r'(id="|url\(#)c[0-9a-f]{8}-', r"\1", svg)  # the page's prefix of its own
    return re.sub(r"gradient_\d+", lambda m: order.setdefault(m.group(0), f"gradient_#{len(order)}"),
                  svg)


def _texts(svg: str) -> list[str]:
    """The words a chart shows (a difference in them reads better than one in the SVG)."""
    import re

    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def _svgs(page: str) -> list[str]:
    out, start = [], 0
    while (i := page.find("<svg", start)) >= 0:
        j = page.index("</svg>", i) + 6
        out.append(page[i:j])
        start = j
    return out


def test_item9_a_chart_drawn_ahead_is_the_chart_altair_shows(tiny_workspace, monkeypatch):
    import altair as alt
    import pandas as pd

    from slc_research.charts import render
    from slc_research.charts.ahead import draw_ahead, forget_ahead
    from slc_research.charts.theme import RENDERER

    monkeypatch.delenv(RENDER_SERVER_ENV, raising=False)
    before = alt.renderers.active
    use_offline_renderer()
    try:
        chart = alt.Chart(pd.DataFrame({"a": ["x", "y"], "b": [3.0, 5.0]})).mark_bar().encode(
            x="a:N", y="b:Q")
        here = chart._repr_mimebundle_()  # Altair's display, drawn in this process
        draw_ahead(chart)  # no render server: nothing sent
        assert not render._SENT_AHEAD
        ws = tiny_workspace(ROSTER)
        with Sidecar.start(ws) as helper:
            assert helper.wait_until_read(timeout=120)
            with helper.drawing():
                draw_ahead(chart)
                draw_ahead(chart)  # once only
                assert [len(c) for c in render._SENT_AHEAD.values()] == [1]
                chart.title = "Changed after it was sent"  # shown as it is now, not as sent
                changed = chart._repr_mimebundle_()
                chart.title = alt.Undefined
                shown = chart._repr_mimebundle_()  # the drawing sent ahead, collected
                assert not any(render._SENT_AHEAD.values())
                unseen = alt.Chart(pd.DataFrame({"a": [1.0]})).mark_point().encode(x="a:Q")
                draw_ahead(unseen)
                forget_ahead()  # never shown: its connection closed
                assert not render._SENT_AHEAD
        assert shown == here
        assert "Changed after it was sent" in changed["image/svg+xml"]
        alt.renderers.enable("default")
        with Sidecar.start(ws) as helper:
            assert helper.wait_until_read(timeout=120)
            with helper.drawing():
                draw_ahead(chart)  # another renderer is active: Altair's own display, as is
                assert not render._SENT_AHEAD
        assert alt.renderers.active == "default" != RENDERER
    finally:
        alt.renderers.enable(before)
        forget_ahead()
