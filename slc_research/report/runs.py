"""Run a case-study notebook for a workspace: the whole enquiry and each community.

This is what ``slc-research report`` does. The workspace is opened (and so
validated and cached) once before any kernel starts, so a data problem is one
clear message rather than a failed report per community. Reports run in a
small thread pool (each in its own kernel process; parameters carry absolute
paths, so no working directory is shared). One failing report does not stop
the others; each failure is listed at the end and makes the exit status
non-zero.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from slc_research.enquiry import Enquiry
from slc_research.errors import ConfigError, SlcResearchError
from slc_research.report.catalogue import NOTEBOOKS
from slc_research.report.execute import ReportResult, run_report
from slc_research.report.index import write_index

__all__ = ["plan_reports", "run_reports"]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "community"


def plan_reports(enq: Enquiry, notebook: Path, *, communities: list[str] | None = None,
                 each_community: bool = False, kind: str | None = None
                 ) -> list[tuple[str, dict]]:
    """The (report name, parameters) pairs to run for one notebook.

    The whole enquiry first (``community = ""``) unless communities are named;
    then one report per named community, or per community of ``kind`` when
    ``each_community`` is set (default kind: the catalogue's ``each_kind`` of
    the notebook; a notebook without one gets the whole-enquiry report only).
    """
    known = set(enq.communities["community"].dropna())
    wanted = list(communities or [])
    for c in wanted:
        if c not in known:
            raise ConfigError(f"no community called {c!r} in this workspace. Known: "
                              f"{', '.join(sorted(known)) or 'none'}.", key="community")
    if kind is None and notebook.stem in NOTEBOOKS:
        kind = NOTEBOOKS[notebook.stem].each_kind
    if each_community and kind:
        of_kind = enq.communities.loc[enq.communities["kind"] == kind, "community"]
        wanted += [c for c in sorted(of_kind.dropna()) if c not in wanted]
    plan = [] if communities else [(notebook.stem, {})]
    plan += [(f"{notebook.stem}--{_slug(c)}", {"community": c}) for c in wanted]
    return plan


def run_reports(workspace: Path, notebook: Path | Sequence[Path], out_dir: Path, *,
                communities: list[str] | None = None, each_community: bool = False,
                workers: int | None = None, quiet: bool = False) -> list[ReportResult]:
    """Run the planned reports and write ``out_dir/index.html``.

    Returns
    -------
    list of ReportResult
        The failed runs (empty when every report was written).
    """
    enq = Enquiry.open(workspace)  # validate and cache once, before any kernel starts
    notebooks = [Path(notebook)] if isinstance(notebook, str | Path) else [Path(n) for n in notebook]
    plan = [(nb, name, params) for nb in notebooks
            for name, params in plan_reports(enq, nb, communities=communities,
                                             each_community=each_community)]
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = workers or min(len(plan), os.cpu_count() or 1)

    def one(item: tuple[Path, str, dict]) -> ReportResult:
        notebook, name, params = item
        try:
            result = run_report(notebook, workspace, out_dir, parameters=params, name=name)
        except SlcResearchError as exc:
            result = ReportResult.failed(name, notebook, exc, parameters=params)
        if not quiet:
            status = f"written in {result.duration:.0f} s" if result.ok else "FAILED"
            print(f"  {name}: {status}", file=sys.stderr)
        return result

    if not quiet:
        names = ", ".join(nb.stem for nb in notebooks)
        print(f"Running {len(plan)} report(s) of {names} on {len(plan) and workers} "
              "worker(s)...", file=sys.stderr)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, plan))
    index = write_index(out_dir, results, title=enq.title)
    failures = [r for r in results if not r.ok]
    if not quiet:
        for r in failures:
            print(f"Report {r.name} failed: {r.error}", file=sys.stderr)
        print(f"{len(results) - len(failures)} of {len(results)} report(s) written; index: "
              f"{index}", file=sys.stderr)
    return failures
