"""The command line's words: every command, option and help text of ``slc-research``."""

from __future__ import annotations

import argparse
import functools

from slc_research.cli.demo import demo, demo_data
from slc_research.cli.outputs import check_outputs, export, pdf, qda_export
from slc_research.cli.reports import report, slides
from slc_research.cli.workspace import check, init, lab

__all__ = ["command", "parser"]


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


def parser() -> argparse.ArgumentParser:
    """The parser of ``slc-research``: each command's options, and its function as ``func``."""
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
    s.set_defaults(func=init)

    s = sub.add_parser("check", help="validate a workspace and print its data-health summary")
    s.add_argument("path")
    s.add_argument("--no-cache", action="store_true", help="read every raw file again")
    s.set_defaults(func=check)

    s = sub.add_parser("demo-data", help="write a synthetic workspace (no real person in it)")
    s.add_argument("path")
    s.add_argument("--schools", type=int, default=4, help="number of schools (default 4)")
    s.add_argument("--pupils", type=int, default=1000, help="pupils per school (default 1000)")
    s.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    s.add_argument("--force", action="store_true", help="replace PATH if it exists")
    s.set_defaults(func=demo_data)

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
    s.set_defaults(func=functools.partial(demo, command=command))

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
    s.set_defaults(func=report)

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
    s.set_defaults(func=slides, audience="staff")

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
    s.set_defaults(func=lab)

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
    s.set_defaults(func=qda_export)

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
    s.set_defaults(func=export)

    s = sub.add_parser(
        "check-outputs", help="scan a folder of reports for names, real ids and emails",
        description="Scan every file under PATH (HTML, CSV, XLSX, DOCX, SVG, PNG metadata, "
                    "notebooks, text) for the names, real ids, email addresses and dates of "
                    "birth in the workspace's raw files; exit status 1 and the place of each "
                    "find (masked) if any is found. Every report run does this at its end.")
    s.add_argument("path", help="the folder (or file) to scan, e.g. outputs")
    s.add_argument("--workspace", required=True,
                   help="the workspace whose people to look for, e.g. data/demo")
    s.set_defaults(func=check_outputs)

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
    s.set_defaults(func=pdf)
    return p


def command(argv: list[str]) -> int:
    """Run ``slc-research ARGV...`` in this process; its exit status."""
    args = parser().parse_args(argv)
    return args.func(args)
