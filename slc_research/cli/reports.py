"""The commands that run reports: ``report`` (HTML, and PDFs with ``--pdf``) and ``slides``.

Both choose their reports the same way: a batch file, or the options ``--notebook``,
``--all``, ``-p``, ``--community``, ``--each-community`` and ``--name`` (never both).
``report`` imports the heavy libraries late: a single report starts its helper process
(:mod:`slc_research.report.sidecar`) before pandas is imported here.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from slc_research.cli.kernel import ensure_kernel
from slc_research.errors import ConfigError

if TYPE_CHECKING:
    from slc_research.report.batch import Batch

__all__ = ["report", "slides"]


def _chosen_batch(args: argparse.Namespace, *, audience: bool) -> Batch:
    """The reports a command chose: its batch file, or its report options (never both)."""
    from slc_research.report.batch import read_batch

    if not args.batch:
        return _command_line_batch(args)
    options = [("--notebook", args.notebook), ("--all", args.all), ("-p", args.parameter),
               ("--community", args.community), ("--each-community", args.each_community),
               ("--name", args.name), *([("--audience", args.audience)] if audience else [])]
    clash = [o for o, v in options if v]
    if clash:
        raise ConfigError(f"{', '.join(clash)} cannot be combined with --batch: put them in "
                          f"the batch file {args.batch}.", key="--batch")
    return read_batch(args.batch)


def report(args: argparse.Namespace) -> int:
    """``report``: run the chosen reports, check them, and say what was run, skipped or withheld."""
    from slc_research.report.batch import batch_of_one, expand_batch

    batch = _chosen_batch(args, audience=True)
    if args.path:
        workspace = Path(args.path).resolve()
    elif batch.workspace is not None:
        workspace = batch.workspace
    else:
        raise ConfigError("which workspace? Give its folder (slc-research report data/demo ...) "
                          "or write workspace = \"...\" in the batch file.", key="PATH")
    out = Path(args.out).resolve() if args.out else (batch.out or Path("outputs").resolve())
    one = args.engine in (None, "auto") and batch_of_one(batch)  # run in-process: no zygote
    in_process = False
    if one and not args.scheduler:
        from slc_research.report.in_process import can_run_here, engine_installed

        in_process = can_run_here() and engine_installed()
    helper = None
    if in_process:  # a helper process reads the workspace while the libraries are imported
        from slc_research.report.in_process import prepare_in_process_report
        from slc_research.report.sidecar import Sidecar, import_report_libraries

        if (os.cpu_count() or 1) > 1:  # on one core it would only take turns with us
            helper = Sidecar.start(workspace)  # first: before pandas is imported here
        prepare_in_process_report()  # the tables it opens kept in memory for the report
    from slc_research.report.runs import run_batch
    from slc_research.workspace.enquiry import Enquiry

    try:
        if helper is not None:
            import_report_libraries(n for entry in batch.entries for n in entry.notebooks)
            helper.wait_until_read()
        elif not args.scheduler:
            ensure_kernel()  # a package installed with pip has had no `make install`
        if not args.scheduler and args.engine in (None, "auto", "warm") and not one:
            from slc_research.report import warm

            warm.prestart()  # the zygote imports the stack while the workspace is checked
        enq = Enquiry.open(workspace)  # validate and cache once, before any kernel starts
        plan = expand_batch(batch, enq)
        not_run = list(dict.fromkeys(r.not_run for r in plan if r.not_run))
        plan = [r for r in plan if not r.not_run]
        if not_run and not plan:  # every report asked for needs what the enquiry lacks
            raise ConfigError(f"{'; '.join(not_run)}. Nothing was run: add the source named "
                              "to enquiry.toml, or ask for another report (--all runs every "
                              "one that applies).")
        for line in not_run:  # said even when quiet: it is why a report is missing
            print(line)
        with helper.drawing() if helper is not None else contextlib.nullcontext():
            run = run_batch(plan, workspace, out, workspace_key=enq.cache_key,
                            title=batch.title or enq.title, scheduler=args.scheduler,
                            workers=args.workers, force=args.force, quiet=args.quiet,
                            engine=args.engine, not_run=not_run)
    finally:
        if helper is not None:
            helper.close()
        if in_process:  # a command that stopped before its run: the memos off again
            from slc_research.report.in_process import end_in_process_report

            end_in_process_report()
    if args.quiet:  # what the run removed, rewrote or withheld is said even when quiet
        for note in run.notes:
            print(note)
        for withheld in (o for o in run.failures if o.ename == "Withheld"):
            print(f"slc-research: {withheld.name}: {withheld.evalue}", file=sys.stderr)
    if not run.passed_check:
        from slc_research.report.check import describe_check

        print(f"slc-research: {describe_check(run.check)}", file=sys.stderr)
    elif run.check is not None and not args.quiet:
        from slc_research.words import plural

        print(f"Checked {plural(run.check.files, 'output file')}: no roster name, real id or "
              "email address found.")
    if args.pdf and run.passed_check:
        _report_pdfs(run, out, workspace, force=args.force, quiet=args.quiet)
    return 1 if run.failures or not run.passed_check else 0


def slides(args: argparse.Namespace) -> int:
    """``slides PATH --to DIR``: a staff deck per report, chosen as ``report`` chooses them."""
    from slc_research.report.batch import expand_batch
    from slc_research.report.slides import write_decks
    from slc_research.workspace.enquiry import Enquiry

    batch = _chosen_batch(args, audience=False)
    workspace = Path(args.path).resolve()
    enq = Enquiry.open(workspace)
    written = write_decks(workspace, expand_batch(batch, enq), args.to, enquiry=enq)
    for line in written.skipped:
        print(line)
    if not args.quiet:
        print(f"Wrote {len(written.decks)} staff deck(s) in {written.folder}, checked: no roster "
              "name, real id or email address found. Open them in PowerPoint or LibreOffice "
              "Impress; every word can be edited.")
    return 0


def _report_pdfs(run, out: Path, workspace: Path, *, force: bool, quiet: bool) -> None:
    """``report --pdf``: a PDF beside each report the run holds, while holding the folder."""
    from slc_research.report.folder import folder_lock
    from slc_research.report.pdf import write_pdfs

    pages = [Path(o.result.html) for o in run.outcomes
             if o.ok and o.result.html is not None and Path(o.result.html).is_file()]
    with folder_lock(out):
        made = write_pdfs(pages, workspace, force=force)
    if not quiet:
        print(made.summary())


def _command_line_batch(args: argparse.Namespace):
    """The batch the options describe: --notebook/--all x -p, --community, --each-community."""
    from slc_research.report.batch import Batch, BatchEntry, parse_parameter
    from slc_research.report.catalogue import NOTEBOOKS

    names = list(NOTEBOOKS) if args.all else (args.notebook or ["slc_impact"])
    params = dict(parse_parameter(p) for p in args.parameter)
    audience = args.audience or "staff"
    suffix = "--{audience}" if audience != "staff" else ""
    template = args.name or "--".join(["{notebook}", *(f"{{{p}}}" for p in params)]) + suffix
    entries = []
    if args.community:
        entries.append(BatchEntry(tuple(names), params, {"community": list(args.community)},
                                  args.name or "{notebook}--{community}" + suffix, audience,
                                  "--community"))
    else:
        entries.append(BatchEntry(tuple(names), params, {}, template, audience, "--notebook"))
    if args.each_community:
        for n in names:
            kind = NOTEBOOKS[n].each_kind if n in NOTEBOOKS else None
            if kind and "community" not in params:
                entries.append(BatchEntry((n,), params, {"community": f"@each {kind}"},
                                          "{notebook}--{community}" + suffix, audience,
                                          "--each-community"))
    return Batch(tuple(entries))
