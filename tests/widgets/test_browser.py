"""`notebooks/explore.ipynb` in a real browser: JupyterLab + headless Chromium + Playwright.

The test prepares a copy of the demo workspace as `slc-research lab` does (the
notebooks copied into its notebooks/ folder, pointed at it), starts JupyterLab there
with the command `slc-research lab` uses, on 127.0.0.1 (a free port, a random token,
its own config, settings and workspace folders), opens the copy of the notebook in
Debian's Chromium (driven by Playwright's Python API; no browser download), runs all
cells, and checks that the four widgets render, that the explorer's chart changes
when a control changes (and shows change between waves a click away), and that no
cell printed an error. `make test` installs Chromium and
Playwright (`make install-test`).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest

from slc_research.report.lab import prepare_lab

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "explore.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]
#: The CSS class of each widget (its ``VBox``).
WIDGETS = ("slc-explorer", "slc-calculator", "slc-coder", "slc-mapper")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


@dataclass
class Lab:
    """A running JupyterLab server."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen
    logs: Path

    def api(self, path: str, method: str = "GET") -> object:
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(lab: Lab, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lab.process.poll() is not None:
            log = (lab.logs / "jupyter.log").read_text(errors="replace")
            raise AssertionError(f"JupyterLab exited with code {lab.process.returncode}:\n"
                                 + "\n".join(log.splitlines()[-15:]))
        try:
            lab.api("/api/status")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError(f"JupyterLab did not answer within {timeout:.0f} s")


def _idle_sessions(lab: Lab, timeout: float = 60) -> list[dict]:
    """The server's sessions, once each has a started kernel that is idle."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sessions = lab.api("/api/sessions")
        if sessions and all(s["kernel"]["execution_state"] == "idle" for s in sessions):
            return sessions
        time.sleep(0.2)
    raise AssertionError(f"no idle kernel within {timeout:.0f} s: {sessions}")


def _stop(lab: Lab) -> None:
    """Shut kernels and server down through the API; kill whatever is left of them."""
    ours = [lab.process.pid]
    try:
        ours += [p.pid for p in psutil.Process(lab.process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        pass
    try:
        for kernel in lab.api("/api/kernels"):
            lab.api(f"/api/kernels/{kernel['id']}", method="DELETE")
        lab.api("/api/shutdown", method="POST")
        lab.process.wait(timeout=15)
    except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
        lab.process.send_signal(signal.SIGTERM)
    for pid in ours:  # only the server and the kernels it started
        try:
            process = psutil.Process(pid)
            process.wait(timeout=5)
        except psutil.TimeoutExpired:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    if lab.process.poll() is None:
        lab.process.kill()
        lab.process.wait(timeout=5)


@pytest.fixture
def lab(demo_copy, tmp_path) -> Iterator[Lab]:
    """JupyterLab as `slc-research lab` opens it: on the notebooks copied into a demo copy."""
    plan = prepare_lab(demo_copy, browser=False)
    root = plan.folder  # demo/notebooks, each notebook pointed at ".."
    assert (root / "explore.ipynb").is_file()

    config = tmp_path / "jupyter-config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(json.dumps({
        "LabApp": {"news_url": None, "workspaces_dir": str(tmp_path / "lab-workspaces"),
                   "user_settings_dir": str(tmp_path / "lab-settings"),
                   "check_for_updates_class":
                       "jupyterlab.handlers.announcements.NeverCheckForUpdate"},
    }), encoding="utf-8")
    token = secrets.token_hex(16)
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
           "JUPYTER_PLATFORM_DIRS": "1"}
    log = (tmp_path / "jupyter.log").open("wb")
    process = subprocess.Popen(
        [*plan.command[:3], "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = Lab(f"http://127.0.0.1:{port}", token, root, process, tmp_path)
    try:
        _wait_for(server)
        yield server
    finally:
        _stop(server)
        log.close()


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium; missing is a failure, not a skip (`make test` installs it)."""
    assert CHROMIUM.is_file(), (f"Debian's chromium is missing at {CHROMIUM}: run `make "
                                "install-test` (as root it runs `apt-get install chromium`)")
    return CHROMIUM


def test_explore_notebook_runs_in_chromium_and_its_chart_follows_a_control(chromium, lab):
    from playwright.sync_api import expect, sync_playwright

    workspace = lab.root.parent  # the copies' workspace = ".."
    manifest = (workspace / "enquiry.toml").read_bytes()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page_errors: list[str] = []
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            page.goto(f"{lab.url}/lab/tree/explore.ipynb?token={lab.token}")

            # The notebook opens on the slc-research kernel (its kernelspec), with no picker.
            notebook = page.locator(".jp-NotebookPanel")
            expect(notebook).to_be_visible(timeout=60_000)
            expect(page.locator(".jp-Dialog")).to_have_count(0, timeout=5_000)
            sessions = _idle_sessions(lab)
            assert [s["kernel"]["name"] for s in sessions] == ["slc-research"]

            page.locator(".lm-MenuBar-item", has_text="Run").first.click()
            page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()

            chart = page.locator(".slc-explorer-chart svg")
            expect(chart.first).to_be_visible(timeout=90_000)
            prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt")
            code_cells = sum(c.cell_type == "code"
                             for c in nbformat.read(NOTEBOOK, as_version=4).cells)
            expect(prompts).to_have_count(code_cells)
            page.wait_for_function(  # every cell has run: "[3]:", none "[*]:" or "[ ]:"
                """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                       .every(p => /\\[\\d+\\]/.test(p.textContent))""", timeout=90_000)

            for name in WIDGETS:
                expect(page.locator(f".{name}").first).to_be_visible()
            errors = page.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'],"
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
            assert errors.count() == 0, errors.all_inner_texts()
            assert "Error displaying widget" not in notebook.inner_text()

            # Change what the explorer groups by: a new chart replaces the old one.
            before = page.locator(".slc-explorer-chart").first.inner_html()
            select = page.locator(".slc-explorer-group-by select").first
            current = select.input_value()
            options = [o for o in select.locator("option").evaluate_all(
                "os => os.map(o => o.value)") if o != current]
            assert options, "the explorer's group-by control offers only one choice"
            select.select_option(options[0])
            page.wait_for_function(
                "before => { const c = document.querySelector('.slc-explorer-chart');"
                " return c && c.innerHTML !== before && c.querySelector('svg'); }",
                arg=before, timeout=30_000)
            assert errors.count() == 0, errors.all_inner_texts()
            # Issue 17 item 7: the change between two waves, a click away.
            before = page.locator(".slc-explorer-chart").first.inner_html()
            page.locator(".slc-explorer-view button", has_text="Change between waves").click()
            page.wait_for_function(
                "before => { const c = document.querySelector('.slc-explorer-chart');"
                " return c && c.innerHTML !== before && c.innerHTML.includes('to Wave 2'); }",
                arg=before, timeout=30_000)
            expect(page.locator(".slc-explorer-wave-to select").first).to_be_visible()
            assert "d_ppc2" in page.locator(".slc-explorer-effect").first.inner_text()
            assert errors.count() == 0, errors.all_inner_texts()
            assert not page_errors, page_errors
            # Showing the widgets writes nothing: the coder and the mapper write on a click.
            assert (workspace / "enquiry.toml").read_bytes() == manifest
            assert not (workspace / "coding").exists()
        except Exception:
            page.screenshot(path=lab.logs / "failure.png", full_page=True)
            print(f"screenshot of the page: {lab.logs / 'failure.png'}")
            raise
        finally:
            browser.close()
