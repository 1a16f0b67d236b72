"""The commands on a workspace: ``init`` (with ``--from``), ``check`` and ``lab``."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

from slc_research.cli.kernel import ensure_kernel
from slc_research.errors import ConfigError, SlcResearchError

__all__ = ["check", "init", "lab"]


def init(args: argparse.Namespace) -> int:
    """``init PATH``: an empty workspace and its template ``enquiry.toml`` (or ``--from``)."""
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


def check(args: argparse.Namespace) -> int:
    """``check PATH``: validate a workspace and print its data-health summary."""
    from slc_research.casestudies.data_health.summary import health_summary
    from slc_research.workspace.enquiry import Enquiry

    enq = Enquiry.open(args.path, use_cache=not args.no_cache)
    print(health_summary(enq))
    return 0


def lab(args: argparse.Namespace) -> int:
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
    ensure_kernel()
    print("Starting JupyterLab: open a notebook there and run all cells. Stop it with Ctrl+C.")
    status = subprocess.call(plan.command, cwd=plan.folder)
    if status not in (0, 130):
        print(f"slc-research: JupyterLab stopped with status {status}: its own message is "
              "above. Your notebooks are still in " + str(plan.folder), file=sys.stderr)
        return 1
    return status
