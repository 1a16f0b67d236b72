"""Running one report in this process: when it is chosen, and what it switches on meanwhile.

The light half of :mod:`slc_research.report.inprocess_engine` (which papermill imports
from its entry point, and which imports papermill): the runner and the command line
decide here, without importing papermill, whether a report runs in-process.
"""

from __future__ import annotations

import sys
import threading

__all__ = ["ENGINE_NAME", "LOCK", "can_run_here", "end_in_process_report", "engine_installed",
           "prepare_in_process_report"]

#: The in-process engine's name in papermill's registry (entry point group ``papermill.engine``).
ENGINE_NAME = "slc-research-inprocess"
#: Held while a notebook runs in this process (one at a time: the shell and streams are shared).
LOCK = threading.Lock()
_MEMOS_STARTED: list = []


def can_run_here() -> bool:
    """True when no IPython shell runs in this process (a notebook's kernel has one)."""
    if "IPython" not in sys.modules:  # no shell without IPython: not imported just to ask
        return True
    from IPython.core.interactiveshell import InteractiveShell

    return not InteractiveShell.initialized()


def engine_installed() -> bool:
    """Whether the in-process engine is registered with papermill (its entry point).

    Read from the installed package's metadata, without importing papermill: an
    installation made before the entry point existed has none, and its reports then run
    in a kernel (:func:`slc_research.report.execute.run_report` falls back).
    """
    from importlib.metadata import entry_points

    return any(e.name == ENGINE_NAME for e in entry_points(group="papermill.engine"))


def prepare_in_process_report() -> None:
    """Get this process ready to run one report in-process; call before opening the workspace.

    The workspace's tables are kept in memory through the cache's own switches
    (:data:`slc_research.workspace.cache.READ_MEMO` and
    :data:`slc_research.workspace.enquiry.STACKED_MEMO`, as the warm zygote does), so the
    notebook's own ``Enquiry.open`` finds the tables the command line just read and
    checked, already stacked, instead of reading them again. Charts are drawn here: a
    render server started in another process (V8 warming on the other core) was measured
    and lost on the shared 2-core machine (median 14.0 s against 12.1 s, three pairs).
    """
    from slc_research.workspace import cache, enquiry

    if cache.READ_MEMO is None:
        cache.READ_MEMO = {}
        _MEMOS_STARTED.append(cache)
    if enquiry.STACKED_MEMO is None:
        enquiry.STACKED_MEMO = {}
        _MEMOS_STARTED.append(enquiry)


def end_in_process_report() -> None:
    """Undo :func:`prepare_in_process_report`: the memos off again.

    Called when the run is over (a process that runs several commands, such as the
    tests, then starts the next from the same state).
    """
    from slc_research.workspace import cache, enquiry

    while _MEMOS_STARTED:
        module = _MEMOS_STARTED.pop()
        if module is cache:
            cache.READ_MEMO = None
        elif module is enquiry:
            enquiry.STACKED_MEMO = None
