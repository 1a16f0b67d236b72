"""``slc-research``: the command line.

Every error a user can cause is printed as one clear message, and the exit
status is 2; an unexpected error (a bug) is printed as one line too, with the
traceback only under ``--debug``. Nothing here prints a name or a real id.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from importlib import resources
from pathlib import Path

from slc_research.errors import ConfigError, SlcResearchError

__all__ = ["main"]



def _init(args: argparse.Namespace) -> int:
    root = Path(args.path)
    manifest = root / "enquiry.toml"
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


def _check(args: argparse.Namespace) -> int:
    from slc_research.enquiry import Enquiry
    from slc_research.health import health_summary

    enq = Enquiry.open(args.path, use_cache=not args.no_cache)
    print(health_summary(enq))
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from slc_research.data.synthetic import write_demo_workspace

    path = write_demo_workspace(Path(args.path), schools=args.schools, pupils=args.pupils,
                                seed=args.seed, force=args.force)
    print(f"Wrote a synthetic workspace ({args.schools} schools, about {args.pupils} pupils "
          f"each, seed {args.seed}) in {path}. No real person is in it.")
    return 0


def _report(args: argparse.Namespace) -> int:
    from slc_research.report.catalogue import NOTEBOOKS, notebook_path
    from slc_research.report.runs import run_reports

    workspace = Path(args.path).resolve()
    names = list(NOTEBOOKS) if args.all else (args.notebook or ["slc_impact"])
    notebooks = [notebook_path(n) for n in names]
    failures = run_reports(workspace, notebooks, Path(args.out).resolve(),
                           communities=args.community, each_community=args.each_community)
    return 1 if failures else 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="slc-research",
        description="A research workbench for teachers who study learning communities.")
    p.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("init", help="write an empty workspace with a template enquiry.toml")
    s.add_argument("path")
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

    s = sub.add_parser("report", help="run a case-study notebook and write its HTML report")
    s.add_argument("path", help="the workspace")
    s.add_argument("--notebook", action="append", default=[],
                   help="notebook name (e.g. tlc_impact) or .ipynb path; repeat for several "
                        "(default slc_impact)")
    s.add_argument("--all", action="store_true", help="every case-study notebook")
    s.add_argument("--community", action="append", default=[],
                   help="one community (repeat for several); default: the whole workspace")
    s.add_argument("--each-community", action="store_true",
                   help="also one report per community, for the notebooks that have them "
                        "(slc_impact: each SLC)")
    s.add_argument("--out", default="outputs", help="folder for the reports (default outputs)")
    s.set_defaults(func=_report)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except SlcResearchError as exc:
        print(f"slc-research: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("slc-research: interrupted; nothing half-written was left behind.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line, the traceback only on request
        if args.debug:
            traceback.print_exc()
        print(f"slc-research: unexpected error ({type(exc).__name__}: {exc}). This is a bug in "
              "slc-research; run again with --debug to see where.", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

