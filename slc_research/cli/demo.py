"""The synthetic trust's commands: ``demo-data`` writes it, ``demo`` runs the whole demo."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from slc_research.cli.kernel import KERNEL, ensure_kernel
from slc_research.words import plural

__all__ = ["demo", "demo_data"]


def demo_data(args: argparse.Namespace) -> int:
    """``demo-data PATH``: a synthetic workspace, no real person in it."""
    from slc_research.synthetic.trust import write_demo_workspace

    path = write_demo_workspace(Path(args.path), schools=args.schools, pupils=args.pupils,
                                seed=args.seed, force=args.force)
    print(f"Wrote a synthetic workspace ({plural(args.schools, 'school')}, about {args.pupils} pupils "
          f"each, seed {args.seed}) in {path}. No real person is in it.")
    return 0


def demo(args: argparse.Namespace, *, command: Callable[[list[str]], int]) -> int:
    """The demo from any folder: the commands `make demo` used to run one by one.

    ``demo-data DIR/data/demo``, ``check`` it, then ``report`` it with the demo batch
    (shipped in the package) into ``DIR/outputs``, then write its staff decks (``slides``)
    into ``DIR/slides``.

    Parameters
    ----------
    args : argparse.Namespace
        The ``demo`` command's options.
    command : callable
        Runs ``slc-research ARGV...`` in this process and gives its exit status
        (:func:`slc_research.cli.parser.command`, which knows every command).
    """
    from slc_research.report import warm

    root = Path(args.path).resolve()
    workspace, out = root / "data" / "demo", root / "outputs"
    command(["demo-data", str(workspace), "--schools", str(args.schools), "--pupils",
             str(args.pupils), "--seed", str(args.seed), *(["--force"] if args.force else [])])
    ensure_kernel()
    warm.prestart(KERNEL)  # the zygote imports the stack while the trust is checked
    status = (command(["check", str(workspace)])
              or command(["report", str(workspace), "--batch", str(_demo_batch()),
                          "--out", str(out), "--pdf"])
              or command(["slides", str(workspace), "--batch", str(_demo_batch()),
                          "--to", str(root / "slides"), "--quiet"]))
    print(f"Open {out / 'index.html'} in a browser.")
    if not status:  # beside the reports' folder, whose check lists files no report run made
        print(f"The staff decks (PowerPoint) are in {root / 'slides'}.")
    return status


def _demo_batch() -> Path:
    """The demo trust's batch file, ``batches/demo.toml``.

    In an installed package it is ``slc_research/batches/demo.toml``: the build maps the folder
    in (see setup.py).
    """
    try:
        entry = resources.files("slc_research.batches").joinpath("demo.toml")
    except ModuleNotFoundError:  # the package is run from a checkout without installing it
        return Path(__file__).resolve().parents[2] / "batches" / "demo.toml"
    return Path(str(entry))
