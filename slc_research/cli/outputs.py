"""The commands that write or check files to share.

``pdf``, ``check-outputs``, ``export`` (the dissertation pack) and ``qda export`` (REFI-QDA).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from slc_research.errors import ConfigError

__all__ = ["check_outputs", "export", "pdf", "qda_export"]


def pdf(args: argparse.Namespace) -> int:
    """``pdf PATH... --workspace WS``: a printable A4 PDF of each report page."""
    from slc_research.report.pdf import write_pdfs

    made = write_pdfs(args.path, Path(args.workspace), to=args.to, force=args.force)
    print(made.summary())
    return 0


def check_outputs(args: argparse.Namespace) -> int:
    """``check-outputs PATH --workspace WS``: scan files for the workspace's people."""
    from slc_research.report.check import check_outputs, describe_check

    result = check_outputs(args.path, Path(args.workspace))
    if not result.ok:
        print(f"slc-research: {describe_check(result)}", file=sys.stderr)
        return 1
    from slc_research.words import plural

    print(f"No names, ids, email addresses or dates of birth of the workspace's people found in "
          f"{plural(result.files, 'file')} under {result.where} ({result.seconds:.1f} s).")
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


def qda_export(args: argparse.Namespace) -> int:
    """``qda export PATH``: the texts, codebook and codings as REFI-QDA files."""
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


def export(args: argparse.Namespace) -> int:
    """``export PATH --to DIR``: the dissertation pack of every case study asked for."""
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
