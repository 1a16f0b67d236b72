"""What a batch run shows while it works and when it ends: a progress bar and a failure table.

The bar (tqdm, on stderr) counts finished reports and shows how many are
running, failed and skipped; it is off when stderr is not a terminal (then one
line per finished report is printed instead) and with ``--quiet``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

__all__ = ["Progress", "failure_table"]


class Progress:
    """Progress of a batch of ``total`` reports run by ``workers`` workers.

    Parameters
    ----------
    total : int
        Reports in the batch (skipped ones included).
    skipped : int
        Reports already up to date (counted as done from the start).
    workers : int
        How many run at once (to show how many are running).
    quiet : bool
        Show nothing at all.
    stream : file, default sys.stderr
    """

    def __init__(self, total: int, *, skipped: int = 0, workers: int = 1, quiet: bool = False,
                 stream: TextIO | None = None) -> None:
        from tqdm.auto import tqdm

        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.total = total
        self.workers = max(1, workers)
        self.skipped = skipped
        self.done = skipped
        self.failed = 0
        tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.bar = tqdm(total=total, initial=skipped, file=self.stream, unit="report",
                        desc="Reports", disable=quiet or not tty, dynamic_ncols=True)
        self.lines = not quiet and not tty
        self._postfix()

    @property
    def running(self) -> int:
        """How many reports are running now: the workers, or fewer near the end."""
        return min(self.workers, self.total - self.done)

    def finished(self, name: str, ok: bool, duration: float) -> None:
        """One report finished (``ok`` False when it failed)."""
        self.done += 1
        self.failed += not ok
        self.bar.update(1)
        self._postfix()
        if self.lines:
            status = f"written in {duration:.0f} s" if ok else "FAILED"
            print(f"  {name}: {status}", file=self.stream, flush=True)

    def close(self) -> None:
        """Close the progress bar."""
        self.bar.close()

    def _postfix(self) -> None:
        self.bar.set_postfix(running=self.running, failed=self.failed, skipped=self.skipped,
                             refresh=True)


def failure_table(rows: Sequence[dict[str, Any]], *, width: int = 60) -> str:
    """A plain-text table of failed reports: report, notebook, parameters, cell, error.

    Each row is a dict with those keys (``parameters`` a dict, ``cell`` an int or None).
    """
    if not rows:
        return ""
    header = ("Report", "Notebook", "Parameters", "Cell", "Error")
    body = []
    for r in rows:
        params = {k: v for k, v in (r.get("parameters") or {}).items() if k != "workspace"}
        shown = ", ".join(f"{k}={json.dumps(v)}" for k, v in params.items()) or "(defaults)"
        error = " ".join(str(r.get("error") or "").split())
        error = error if len(error) <= width else error[: width - 1] + "…"
        cell = "-" if r.get("cell") is None else str(r["cell"])
        body.append((str(r["name"]), str(r["notebook"]), shown, cell, error))
    widths = [max(len(row[i]) for row in (header, *body)) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in body)])
