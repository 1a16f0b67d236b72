"""``slc-research``: the command line.

Every error a user can cause is printed as one clear message, never a
traceback. Exit status: 0 done; 1 a problem in the workspace (a raw file, the
manifest, a batch file); 2 a mistake on the command line (usage); 3 an
unexpected error (a bug), printed as one line giving the error's type and place
(its text, which may quote a raw cell, and the traceback only under ``--debug``);
130 interrupted. A full disk (or an exhausted quota) and a refused read or write
(a read-only share) are not bugs: they say so, with exit status 1. Nothing here
prints a name or a real id.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import os
import sys
import traceback
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slc_research.report.batch import Batch

from slc_research.errors import ConfigError, SlcResearchError
from slc_research.workspace.atomic import WRITING_IN

__all__ = ["main"]



def _init(args: argparse.Namespace) -> int:
    root = Path(args.path)
    manifest = root / "enquiry.toml"
    if args.from_folder:
        return _init_from(root, Path(args.from_folder))
    if manifest.exists():
        raise ConfigError(f"{manifest} already exists; nothing was changed.")
    for sub in ("raw", "private"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    template = resources.files("slc_research").joinpath("templates/enquiry.toml").read_text(
        encoding="utf-8")
    manifest.write_text(template, encoding="utf-8")
    (root / "private" / "README.txt").write_text(
        "This folder holds the pseudonymisation key and the consent register (consent.csv).\n"
        "Never share it, never put it in git, never copy it into a report.\n", encoding="utf-8")
    (root / ".gitignore").write_text("private/\n.slc-cache/\nraw/\n", encoding="utf-8")
    print(f"Wrote an empty workspace in {root}: edit {manifest}, copy your exports into "
          f"{root / 'raw'}, then run: slc-research check {root}")
    return 0


def _init_from(root: Path, folder: Path) -> int:
    """``init PATH --from FOLDER``: the workspace written from the exports, then checked."""
    from slc_research.casestudies.data_health.summary import health_summary
    from slc_research.workspace.enquiry import Enquiry
    from slc_research.workspace.init_from import init_from

    written = init_from(root, folder)
    print(written.summary())
    print(f"\nChecking the workspace (slc-research check {root}):\n")
    try:
        enq = Enquiry.open(root)
    except SlcResearchError as exc:
        print(f"slc-research: {exc}\nCorrect enquiry.toml (the lines marked '# check:'), then "
              f"run: slc-research check {root}", file=sys.stderr)
        return 1
    print(health_summary(enq))
    print(f"\nNext: read each '# check:' line of {root / 'enquiry.toml'}, then run: "
          f"slc-research check {root}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from slc_research.casestudies.data_health.summary import health_summary
    from slc_research.workspace.enquiry import Enquiry

    enq = Enquiry.open(args.path, use_cache=not args.no_cache)
    print(health_summary(enq))
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from slc_research.synthetic.trust import write_demo_workspace

    path = write_demo_workspace(Path(args.path), schools=args.schools, pupils=args.pupils,
                                seed=args.seed, force=args.force)
    print(f"Wrote a synthetic workspace ({args.schools} schools, about {args.pupils} pupils "
          f"each, seed {args.seed}) in {path}. No real person is in it.")
    return 0


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


def _report(args: argparse.Namespace) -> int:
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
            _ensure_kernel()  # a package installed with pip has had no `make install`
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
        print(f"Checked {run.check.files} output file(s): no roster name, real id or email "
              "address found.")
    if args.pdf and run.passed_check:
        _report_pdfs(run, out, workspace, force=args.force, quiet=args.quiet)
    return 1 if run.failures or not run.passed_check else 0


def _slides(args: argparse.Namespace) -> int:
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


def _pdf(args: argparse.Namespace) -> int:
    from slc_research.report.pdf import write_pdfs

    made = write_pdfs(args.path, Path(args.workspace), to=args.to, force=args.force)
    print(made.summary())
    return 0


def _check_outputs(args: argparse.Namespace) -> int:
    from slc_research.report.check import check_outputs, describe_check

    result = check_outputs(args.path, Path(args.workspace))
    if not result.ok:
        print(f"slc-research: {describe_check(result)}", file=sys.stderr)
        return 1
    print(f"No names, ids, email addresses or dates of birth of the workspace's people found in "
          f"{result.files} file(s) under {result.where} ({result.seconds:.1f} s).")
    return 0


def _not_raw(target: Path, enq: object, key: str) -> None:
    """Refuse to write over, or into, a raw file or folder the workspace reads."""
    where = target.resolve()
    raw = [(enq.root / "raw").resolve(),
           *(spec.path.resolve() for spec in enq.manifest.sources.values())]
    hit = next((r for r in raw if where == r or where.is_relative_to(r)), None)
    if hit is not None:
        shown = hit.relative_to(enq.root.resolve()) if hit.is_relative_to(enq.root.resolve()) \
            else hit
        raise ConfigError(f"{target} would write among the workspace's raw exports "
                          f"({shown}), which are never modified; write it elsewhere, e.g. "
                          f"{enq.root / 'exports' / target.name}.", key=key)


def _qda_export(args: argparse.Namespace) -> int:
    from slc_research.qual.refi import export_qdc, export_qdpx
    from slc_research.report.sharing import sharing
    from slc_research.workspace.enquiry import Enquiry

    if not args.to and not args.codebook:
        raise ConfigError("say what to write: --to FILE.qdpx (texts, codebook and codings) "
                          "and/or --codebook FILE.qdc (the codebook alone).", key="--to")
    enq = Enquiry.open(args.path)  # the texts and codebook redacted at load
    if args.to:
        to = Path(args.to)
        to = to if to.suffix.lower() == ".qdpx" else to.with_suffix(".qdpx")
        _not_raw(to, enq, "--to")
        with sharing(to, enq.root) as staged:  # checked before it is put in place
            written = export_qdpx(enq, staged)
        print(f"Wrote {to.resolve()}: {str(written).split(': ', 1)[-1]}. Open it in NVivo, "
              "ATLAS.ti, MAXQDA or QualCoder with their REFI-QDA project import.")
    if args.codebook:
        book = Path(args.codebook)
        book = book if book.suffix.lower() == ".qdc" else book.with_suffix(".qdc")
        _not_raw(book, enq, "--codebook")
        with sharing(book, enq.root) as staged:
            export_qdc(enq, staged)
        n_codes = enq.codebook["code"].dropna().nunique()
        print(f"Wrote the codebook ({n_codes} codes) to {book.resolve()}.")
    return 0


def _export(args: argparse.Namespace) -> int:
    from slc_research.report.export import export_pack

    result = export_pack(args.path, args.to, notebooks=args.notebook or None)
    for line in result.not_run.values():
        print(line)
    for name, error in result.failures.items():
        print(f"slc-research: {name} could not be exported: {error}", file=sys.stderr)
    if result.leaks:
        from slc_research.privacy.output_check import format_finds

        print(f"slc-research: {format_finds(result.check)}\nNothing was written to "
              f"{result.check.where}: the pack was removed before it could be shared.",
              file=sys.stderr)
        return 1
    n_tables = sum(len(p.tables) for p in result.packs)
    n_figures = sum(len(p.figures) for p in result.packs) // 2
    print(f"Wrote the dissertation pack of {len(result.packs)} case stud"
          f"{'y' if len(result.packs) == 1 else 'ies'} in {result.folder}: {n_tables} table(s) "
          f"(CSV and tables.docx), {n_figures} figure(s) (SVG, PNG at 300 ppi, figures.docx) "
          "and methods.md / methods.docx for each.")
    return 1 if result.failures else 0


def _demo(args: argparse.Namespace) -> int:
    """The demo from any folder: the commands `make demo` used to run one by one.

    ``demo-data DIR/data/demo``, ``check`` it, then ``report`` it with the demo batch
    (shipped in the package) into ``DIR/outputs``, then write its staff decks (``slides``)
    into ``DIR/slides``.
    """
    from slc_research.report import warm

    root = Path(args.path).resolve()
    workspace, out = root / "data" / "demo", root / "outputs"
    _command(["demo-data", str(workspace), "--schools", str(args.schools), "--pupils",
              str(args.pupils), "--seed", str(args.seed), *(["--force"] if args.force else [])])
    _ensure_kernel()
    warm.prestart(_KERNEL)  # the zygote imports the stack while the trust is checked
    status = (_command(["check", str(workspace)])
              or _command(["report", str(workspace), "--batch", str(_demo_batch()),
                           "--out", str(out), "--pdf"])
              or _command(["slides", str(workspace), "--batch", str(_demo_batch()),
                           "--to", str(root / "slides"), "--quiet"]))
    print(f"Open {out / 'index.html'} in a browser.")
    if not status:  # beside the reports' folder, whose check lists files no report run made
        print(f"The staff decks (PowerPoint) are in {root / 'slides'}.")
    return status


def _lab(args: argparse.Namespace) -> int:
    """JupyterLab on copies of the notebooks in the workspace's own ``notebooks/`` folder."""
    import shlex
    import subprocess

    from slc_research.report.lab import prepare_lab

    plan = prepare_lab(args.path, refresh=args.refresh, browser=not args.no_browser,
                       port=args.port)
    print(plan.summary())
    if args.dry_run:
        print("Not started (--dry-run). To start JupyterLab there: " + shlex.join(plan.command))
        return 0
    _ensure_kernel()
    print("Starting JupyterLab: open a notebook there and run all cells. Stop it with Ctrl+C.")
    status = subprocess.call(plan.command, cwd=plan.folder)
    if status not in (0, 130):
        print(f"slc-research: JupyterLab stopped with status {status}: its own message is "
              "above. Your notebooks are still in " + str(plan.folder), file=sys.stderr)
        return 1
    return status


def _command(argv: list[str]) -> int:
    """Run ``slc-research ARGV...`` in this process; its exit status."""
    args = _parser().parse_args(argv)
    return args.func(args)


def _demo_batch() -> Path:
    """The demo trust's batch file, ``batches/demo.toml``.

    In an installed package it is ``slc_research/batches/demo.toml``: the build maps the folder
    in (see setup.py).
    """
    try:
        entry = resources.files("slc_research.batches").joinpath("demo.toml")
    except ModuleNotFoundError:  # the package is run from a checkout without installing it
        return Path(__file__).resolve().parents[1] / "batches" / "demo.toml"
    return Path(str(entry))


#: The Jupyter kernel the reports run in (``make install`` registers it too).
_KERNEL = "slc-research"


def _ensure_kernel(name: str = _KERNEL) -> None:
    """Register the reports' Jupyter kernel for this Python if no kernel has its name.

    ``make install`` registers it; a package installed with pip has had no such step.
    The kernel runs this interpreter (``sys.executable``, so the notebooks import this
    installation of slc_research) and is written into this environment
    (``sys.prefix``, as ``ipykernel install --sys-prefix``), or for the user when the
    environment is not writable.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
        return
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    try:
        where = install(kernel_name=name, display_name=name, prefix=sys.prefix)
    except OSError:
        try:
            where = install(kernel_name=name, display_name=name, user=True)
        except OSError as exc:
            raise ConfigError(f"the reports need a Jupyter kernel called {name!r}, and it could "
                              f"not be registered ({exc}). Run: {sys.executable} -m ipykernel "
                              f"install --user --name {name}") from None
    print(f"Registered the Jupyter kernel {name!r} (this Python, {sys.executable}) in {where}.")


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


def _report_choices(s: argparse.ArgumentParser, what: str) -> None:
    """The options that choose reports, shared by ``report`` and ``slides``."""
    s.add_argument("--notebook", action="append", default=[],
                   help="notebook name (e.g. tlc_impact) or .ipynb path; repeat for several "
                        "(default slc_impact)")
    s.add_argument("--all", action="store_true", help="every case-study notebook")
    s.add_argument("-p", "--parameter", action="append", default=[], metavar="KEY=VALUE",
                   help='a notebook parameter, the value as in TOML: -p community="Riverside '
                        'SLC" -p waves=[1,2] (repeat for several)')
    s.add_argument("--community", action="append", default=[],
                   help="one community (repeat for several); default: the whole workspace")
    s.add_argument("--each-community", action="store_true",
                   help=f"also one {what} per community, for the notebooks that have them "
                        "(slc_impact: each SLC)")
    s.add_argument("--name", metavar="TEMPLATE",
                   help=f'{what} file name, e.g. "{{notebook}}--{{community}}" (values slugged)')


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="slc-research",
        description="A research workbench for teachers who study learning communities.")
    p.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("init", help="write a workspace: a template enquiry.toml, or one made "
                                    "from a folder of exports (--from FOLDER)")
    s.add_argument("path")
    s.add_argument("--from", dest="from_folder", metavar="FOLDER",
                   help="a folder of exports (MIS roster, surveys, registers, REFI-QDA "
                        "projects ...): each file is recognised from its content, copied "
                        "unchanged into PATH/raw, and described in a commented enquiry.toml "
                        "whose every guess is marked '# check:'; then the workspace is checked")
    s.set_defaults(func=_init)

    s = sub.add_parser("check", help="validate a workspace and print its data-health summary")
    s.add_argument("path")
    s.add_argument("--no-cache", action="store_true", help="read every raw file again")
    s.set_defaults(func=_check)

    s = sub.add_parser("demo-data", help="write a synthetic workspace (no real person in it)")
    s.add_argument("path")
    s.add_argument("--schools", type=int, default=4, help="number of schools (default 4)")
    s.add_argument("--pupils", type=int, default=1000, help="pupils per school (default 1000)")
    s.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    s.add_argument("--force", action="store_true", help="replace PATH if it exists")
    s.set_defaults(func=_demo_data)

    s = sub.add_parser(
        "demo", help="the demo from any folder: a synthetic trust in DIR/data/demo and its "
                     "reports in DIR/outputs (open DIR/outputs/index.html)",
        description="Write a synthetic trust (no real person in it) into DIR/data/demo, check "
                    "it, run the demo batch's case-study reports (the ones `make demo` runs) "
                    "and write them with their index to DIR/outputs: open "
                    "DIR/outputs/index.html in a browser. Needs no make and no copy of the "
                    "source: install slc-research with pip (the wheel, or the project's "
                    "folder), then run `slc-research demo my-demo` in any folder. "
                    "Reports already up to date are not run again.")
    s.add_argument("path", metavar="DIR", help="the folder to write into, e.g. my-demo "
                                               "(created if needed; . for this folder)")
    s.add_argument("--schools", type=int, default=4, help="number of schools (default 4)")
    s.add_argument("--pupils", type=int, default=1000,
                   help="pupils per school (default 1000; at least 200)")
    s.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    s.add_argument("--force", action="store_true",
                   help="replace the synthetic trust in DIR/data/demo if it exists")
    s.set_defaults(func=_demo)

    s = sub.add_parser(
        "report", help="run case-study notebooks and write their HTML reports",
        description="Run one notebook (--notebook NAME -p key=value ...), several, or a batch "
                    "declared in a TOML file (--batch FILE), in parallel; reports already up "
                    "to date are skipped (--force reruns them).")
    s.add_argument("path", nargs="?", help="the workspace (default: the batch file's workspace)")
    s.add_argument("--batch", metavar="FILE",
                   help="a batch file: notebooks x schools/communities/years, names, audience "
                        "(see batches/demo.toml)")
    _report_choices(s, "report")
    s.add_argument("--audience", choices=("staff", "research"),
                   help="staff: code hidden (default); research: code shown")
    s.add_argument("--out", help="folder for the reports (default outputs, or the batch's out)")
    s.add_argument("--force", action="store_true", help="rerun reports that are up to date")
    s.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    s.add_argument("--workers", type=int, help="reports at once (default one per core)")
    s.add_argument("--engine", choices=("fresh", "warm", "auto", "inprocess"),
                   help="how kernels start: auto (default: one report runs in this process, "
                        "several on warm kernels), warm (forked from a process that has "
                        "imported the stack; POSIX), fresh, inprocess (no kernel)")
    s.add_argument("--pdf", action="store_true",
                   help="also a printable A4 PDF of each report (name.pdf beside name.html)")
    s.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786")
    s.set_defaults(func=_report)

    s = sub.add_parser(
        "slides", help="write a PowerPoint deck per report for a staff session",
        description="For each report chosen as `report` chooses them (--notebook, --all, -p, "
                    "--community, --each-community, --name, or --batch FILE), write a "
                    "PowerPoint deck into DIR: the title, At a glance, the key charts, two or "
                    "three quotes attributed by role only, how sure we are and questions for "
                    "discussion. Every word is editable in PowerPoint and LibreOffice Impress. "
                    "The decks are checked for names and real ids before they are put in "
                    "place.")
    s.add_argument("path", help="the workspace, e.g. data/demo")
    s.add_argument("--to", required=True, metavar="DIR", help="the folder for the decks")
    s.add_argument("--batch", metavar="FILE",
                   help="a batch file (see batches/demo.toml); its research copies get no deck")
    _report_choices(s, "deck")
    s.add_argument("--quiet", action="store_true", help="no summary line")
    s.set_defaults(func=_slides, audience="staff")

    s = sub.add_parser(
        "lab", help="open JupyterLab on your own enquiry: copies of the notebooks in "
                    "PATH/notebooks, already pointed at it",
        description="Copy the notebooks into the workspace's own notebooks/ folder, each "
                    "already pointed at the workspace (the repository's notebooks are never "
                    "written), then start JupyterLab there. A copy you edited is kept "
                    "(--refresh replaces it, saving yours aside first).")
    s.add_argument("path", help="the workspace, e.g. data/demo or my-enquiry")
    s.add_argument("--refresh", action="store_true",
                   help="replace copies you edited with fresh ones (yours are saved aside)")
    s.add_argument("--no-browser", action="store_true", help="do not open a browser")
    s.add_argument("--port", type=int, help="the port JupyterLab listens on")
    s.add_argument("--dry-run", action="store_true",
                   help="copy the notebooks and print the command, without starting JupyterLab")
    s.set_defaults(func=_lab)

    s = sub.add_parser("qda", help="exchange coding with NVivo, ATLAS.ti, MAXQDA, QualCoder "
                                   "(REFI-QDA)")
    qda = s.add_subparsers(dest="qda_command", required=True, metavar="ACTION")
    s = qda.add_parser(
        "export", help="write texts, codebook and codings as .qdpx, the codebook as .qdc",
        description="Write the workspace's texts (names redacted), codebook and codings as a "
                    "REFI-QDA project (--to FILE.qdpx) and/or the codebook alone (--codebook "
                    "FILE.qdc). To read coding back, add the .qdpx as a source with "
                    'kind = "qdpx" in enquiry.toml.')
    s.add_argument("path", help="the workspace, e.g. data/demo")
    s.add_argument("--to", metavar="FILE.qdpx", help="the REFI-QDA project to write")
    s.add_argument("--codebook", metavar="FILE.qdc", help="the REFI-QDA codebook to write")
    s.set_defaults(func=_qda_export)

    s = sub.add_parser(
        "export", help="write the dissertation pack: APA tables (DOCX, CSV), figures (SVG, "
                       "PNG 300 ppi) and methods paragraphs",
        description="Run the case studies for the whole workspace and write, for "
                    "each, its tables as CSV and as APA 7 tables in Word, its figures as SVG "
                    "and PNG at 300 ppi, and a methods paragraph per analysis with references.")
    s.add_argument("path", help="the workspace, e.g. data/demo")
    s.add_argument("--to", required=True, metavar="DIR", help="the folder for the pack")
    s.add_argument("--notebook", action="append", default=[],
                   help="only this case study (e.g. tlc_impact); repeat for several "
                        "(default every case study)")
    s.set_defaults(func=_export)

    s = sub.add_parser(
        "check-outputs", help="scan a folder of reports for names, real ids and emails",
        description="Scan every file under PATH (HTML, CSV, XLSX, DOCX, SVG, PNG metadata, "
                    "notebooks, text) for the names, real ids, email addresses and dates of "
                    "birth in the workspace's raw files; exit status 1 and the place of each "
                    "find (masked) if any is found. Every report run does this at its end.")
    s.add_argument("path", help="the folder (or file) to scan, e.g. outputs")
    s.add_argument("--workspace", required=True,
                   help="the workspace whose people to look for, e.g. data/demo")
    s.set_defaults(func=_check_outputs)

    s = sub.add_parser(
        "pdf", help="a printable A4 PDF of each report (for governors' papers)",
        description="Draw each report page under PATH as an A4 PDF: a section a page, table "
                    "rows never split, charts as vectors. Each PDF is checked for the "
                    "workspace's people before it is put in place.")
    s.add_argument("path", nargs="+", help="report pages (name.html) or folders, e.g. outputs")
    s.add_argument("--workspace", required=True,
                   help="the workspace the reports were made from, e.g. data/demo")
    s.add_argument("--to", metavar="DIR", help="the folder for the PDFs (default: beside "
                   "each report)")
    s.add_argument("--force", action="store_true", help="draw again PDFs that are up to date")
    s.set_defaults(func=_pdf)
    return p


_DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
#: How a full disk reads when a library (pyarrow) passes it on as text only.
_DISK_FULL_WORDS = ("no space left on device", "disk quota exceeded")


def _os_error_in_chain(exc: BaseException | None, found) -> bool:
    """Whether ``exc``, or an error it was raised from, is an ``OSError`` that ``found`` accepts."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and found(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _disk_full(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an error it was raised from, is a full disk or an exhausted quota."""
    return _os_error_in_chain(exc, lambda e: e.errno in _DISK_FULL or any(
        w in str(e).lower() for w in _DISK_FULL_WORDS))


_NOT_ALLOWED = (errno.EACCES, errno.EPERM, errno.EROFS)


def _not_allowed(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an error it was raised from, is a refused read or write."""
    return _os_error_in_chain(exc, lambda e: e.errno in _NOT_ALLOWED)


def _bug_place(exc: BaseException) -> str:
    """Where in slc-research a bug was raised (module and line), never the error's values."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "slc_research" in f.filename] or frames
    if not ours:
        return ""
    last = ours[-1]
    return f" in {Path(last.filename).name}, line {last.lineno}"


def _where(exc: BaseException) -> str:
    """The folder a failed write was in (never the file's own name, which may hold a name)."""
    while exc is not None:
        for note in getattr(exc, "__notes__", ()):
            if note.startswith(WRITING_IN):
                return f"writing in {note[len(WRITING_IN):]}"
        name = getattr(exc, "filename", None)
        if name:
            return f"writing in {Path(name).parent}"
        exc = exc.__cause__ or exc.__context__
    return "on the drive of the workspace or of the output folder"


def _is_usage(exc: SlcResearchError) -> bool:
    """Whether the error is about the command line itself (an option or argument)."""
    key = getattr(exc, "key", None) or ""
    return isinstance(exc, ConfigError) and (key.startswith("-") or key.isupper())


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except SlcResearchError as exc:
        print(f"slc-research: {exc}", file=sys.stderr)
        return 2 if _is_usage(exc) else 1
    except KeyboardInterrupt:
        print("slc-research: interrupted; nothing half-written was left behind.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line, the traceback only on request
        if _disk_full(exc):
            print(f"slc-research: the disk is full ({_where(exc)}): free some space on it (or "
                  "ask your IT technician to), then run the command again; nothing "
                  "half-written was left behind.", file=sys.stderr)
            return 1
        if _not_allowed(exc):
            where = _where(exc).replace("writing in", "in", 1)
            print(f"slc-research: the computer refused access ({where}): the folder is "
                  "read-only or you may not change it. Copy the workspace to a folder you can "
                  "write in (or ask your IT technician for access), then run the command "
                  "again; nothing half-written was left behind.", file=sys.stderr)
            return 1
        if args.debug:
            traceback.print_exc()
        # the error's own text may quote a cell of a raw file: it is shown only with --debug
        print(f"slc-research: unexpected error ({type(exc).__name__}{_bug_place(exc)}). This "
              "is a bug in slc-research; run again with --debug to see the details.",
              file=sys.stderr)
        return 3


def run() -> None:
    """The ``slc-research`` command itself: :func:`main`, then exit with its status.

    What the finished command made is freed by the operating system when it exits:
    ``gc.freeze()`` spares Python's last garbage collections at exit from walking every
    object first (about 0.3 s after a report). Exit handlers still run. Tests call
    :func:`main`, which freezes nothing.
    """
    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    run()

