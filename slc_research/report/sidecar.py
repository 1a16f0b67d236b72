"""A helper process for the one report a command runs in-process: it reads while we import.

A teacher's first report (``slc-research report PATH``: one report, its cells run in the
command's own process, :mod:`slc_research.report.in_process`) waits for three things that
do not depend on one another:

- the workspace opened: every raw file read, checked and cached (about 2 s for a
  150-pupil enquiry the first time);
- the report's libraries imported (pandas, SciPy, statsmodels, Altair, papermill,
  nbconvert: about 2.5 s);
- V8 started to draw the first chart (about 0.5 s).

Python threads cannot do the first two at once (both hold the interpreter lock: measured,
no gain), so the command starts this helper process before anything else. The helper
opens the workspace, which writes the cache as any open does, while the command imports
the report's libraries (:func:`import_report_libraries`); then it works out the words of
a report page's own markup for the output check
(:func:`slc_research.report.check.page_words`: two template compilations), starts V8, and
draws the report's charts over a Unix socket (the render server of warm batches,
:func:`slc_research.report.render_server.serve_renders`). The command opens the workspace
from the cache the helper wrote and draws through the helper
(:data:`~slc_research.charts.render.RENDER_SERVER_ENV`).

Nothing depends on the helper. If it cannot start, fails or is slow, the command opens
the workspace itself and draws its charts itself, with the same results: the cache holds
the same tables whoever wrote it (its writes are atomic and safe between processes), and
a chart's SVG depends only on its spec. The helper shows nothing (its output goes nowhere:
the command reports every problem itself) and ends with the command, or as soon as the
command's process is gone.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["READY", "Sidecar", "import_report_libraries"]

#: The line the helper prints once it has opened the workspace (or given up trying).
READY = "ready"
#: Seconds the command waits for the helper to open the workspace before opening it itself.
WAIT_SECONDS = 600.0


class Sidecar:
    """The helper process of one command (see the module docstring).

    Use :meth:`start`, then :meth:`wait_until_read` before opening the workspace, and
    :meth:`drawing` around the report's run; :meth:`close` (or the ``with`` block) ends it.
    """

    def __init__(self, proc: subprocess.Popen, folder: Path) -> None:
        self.proc = proc
        self.folder = folder
        self.socket = str(folder / "render.sock")
        self._read = False

    @classmethod
    def start(cls, workspace: str | Path) -> Sidecar | None:
        """Start the helper for ``workspace``; None when it cannot be started."""
        folder = Path(tempfile.mkdtemp(prefix="slc-helper-"))  # private (0700), short path
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "slc_research.report.sidecar", str(workspace),
                 str(folder / "render.sock"), str(os.getpid())],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            return None
        return cls(proc, folder)

    def wait_until_read(self, timeout: float = WAIT_SECONDS) -> bool:
        """Wait until the helper has opened the workspace, or ended, or ``timeout`` passed.

        Returns
        -------
        bool
            True when the helper said it was done with the workspace; False when it ended
            without saying so or took too long (the command then opens it itself).
        """
        if self._read:
            return True
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while (left := deadline - time.monotonic()) > 0:
                if not sel.select(left):
                    break
                line = self.proc.stdout.readline()
                if not line:  # the helper ended
                    return False
                if line.strip() == READY:
                    self._read = True
                    return True
        return False

    @contextlib.contextmanager
    def drawing(self) -> Iterator[None]:
        """Charts drawn in this process meanwhile are drawn by the helper."""
        from slc_research.charts.render import RENDER_SERVER_ENV

        before = os.environ.get(RENDER_SERVER_ENV)
        os.environ[RENDER_SERVER_ENV] = self.socket
        try:
            yield
        finally:
            if before is None:
                os.environ.pop(RENDER_SERVER_ENV, None)
            else:
                os.environ[RENDER_SERVER_ENV] = before

    def close(self) -> None:
        """End the helper and remove its socket's folder."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Sidecar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def import_report_libraries(notebooks: Iterable[str] = ()) -> None:
    """Import what the report's cells and its export will import, ahead of them.

    The report machinery (papermill and IPython for the cells, nbconvert for the page,
    Altair for the charts) and the case-study module of each of ``notebooks`` (catalogue
    names; a notebook of one's own is skipped), which imports the statistics libraries.
    Run while the helper reads the workspace: the same imports, made earlier.
    """
    import importlib

    from slc_research.errors import ConfigError
    from slc_research.report.catalogue import notebook_info

    # papermill first: it loads the engines registered with it, the in-process one among them
    modules = ["papermill", "slc_research.report.html_export", "altair"]
    for name in notebooks:
        try:
            run = notebook_info(str(name)).run
        except ConfigError:
            continue
        if run:
            modules.append(run.partition(":")[0])
    for module in modules:
        importlib.import_module(module)
    import altair as alt
    import pandas as pd

    # a first chart's spec, as the report's first chart makes it: what Altair imports on
    # first use to read a table and check a spec
    alt.Chart(pd.DataFrame({"x": [1.0]})).mark_point().encode(x="x:Q").to_dict()


def _helper(workspace: str, socket: str, parent: int) -> None:
    """The helper process: open ``workspace``, say so, then draw charts until ``parent`` ends."""
    from slc_research.report.render_server import serve_renders

    def open_workspace() -> None:
        try:
            from slc_research.workspace.enquiry import Enquiry

            Enquiry.open(workspace)
        except Exception:  # noqa: BLE001 - the command opens it again and says what is wrong
            pass
        print(READY, flush=True)
        from slc_research.report.check import page_words

        page_words()  # asked for by the output check once the report is written

    serve_renders(socket, parent, first=open_workspace)


if __name__ == "__main__":
    _helper(sys.argv[1], sys.argv[2], int(sys.argv[3]))
