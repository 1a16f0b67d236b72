"""``slc-research export``: the dissertation pack of an enquiry's case studies.

Each case-study notebook runs for the whole trust (:func:`run_report`, its
executed copy kept in a private temporary folder and deleted afterwards). From
the executed notebook come every table shown with
:func:`~slc_research.report.show_table` (its display-ready, suppressed copy:
never raw rows), every chart (its Vega-Lite spec, drawn again by vl-convert)
and its recorded results. For each notebook the pack holds::

    DIR/<notebook>/tables/NN-<title>.csv    every table, cells as shown (formula-safe)
    DIR/<notebook>/tables.docx              every table in APA 7 style
    DIR/<notebook>/figures/NN-<title>.svg   every figure, vector
    DIR/<notebook>/figures/NN-<title>.png   the same at 300 ppi
    DIR/<notebook>/figures.docx             every figure, numbered, in APA 7 style
    DIR/<notebook>/methods.md, methods.docx a methods paragraph per analysis + references

Afterwards the whole pack is scanned for the workspace's names and real ids
(:func:`slc_research.report.check.check_outputs`).
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slc_research.report.apa_docx import (
    ExportedFigure,
    ExportedTable,
    figures_document,
    methods_document,
    save,
    tables_document,
)
from slc_research.report.display import CHART_MIMETYPE, TABLE_MIMETYPE, read_records

__all__ = ["PPI", "CollectedReport", "ExportResult", "NotebookPack", "collect", "export_pack",
           "write_notebook_pack"]

#: Resolution of the PNG figures (pixels per inch).
PPI = 300


@dataclass(frozen=True)
class CollectedReport:
    """What an executed notebook showed: its tables, charts, records and parameters."""

    name: str
    title: str
    tables: list[ExportedTable]
    charts: list[dict[str, Any]]
    records: dict[str, Any]
    parameters: dict[str, Any]


@dataclass(frozen=True)
class NotebookPack:
    """The files written for one notebook."""

    name: str
    folder: Path
    tables: tuple[Path, ...]
    figures: tuple[Path, ...]
    documents: tuple[Path, ...]


@dataclass(frozen=True)
class ExportResult:
    """The outcome of :func:`export_pack`.

    Attributes
    ----------
    folder : Path
    packs : tuple of NotebookPack
        One per notebook exported.
    failures : dict
        Notebook name -> what went wrong (that notebook has no pack).
    check : CheckResult or None
        The scan of the pack for names and real ids.
    """

    folder: Path
    packs: tuple[NotebookPack, ...]
    failures: dict[str, str] = field(default_factory=dict)
    check: Any = None

    @property
    def leaks(self) -> tuple:
        return () if self.check is None else tuple(self.check.finds)


def export_pack(workspace: str | Path, to: str | Path, *,
                notebooks: Sequence[str] | None = None, kernel_name: str = "slc-research",
                timeout: int = 600, engine: str = "auto", workers: int | None = None,
                check: bool = True, keep_executed: str | Path | None = None) -> ExportResult:
    """Run the case studies on ``workspace`` and write their dissertation pack into ``to``.

    Parameters
    ----------
    workspace : path
        The enquiry workspace (opened and validated first).
    to : path
        The pack's folder (created; a notebook's earlier pack there is replaced).
    notebooks : list of str, optional
        Catalogue names (``"slc_impact"``) or ``.ipynb`` paths; default every
        case study (:data:`~slc_research.report.catalogue.NOTEBOOKS`).
    kernel_name, timeout, engine
        As :func:`~slc_research.report.execute.run_report`.
    workers : int, optional
        Notebooks run at once (default one per core).
    check : bool
        Scan the pack for the workspace's names and real ids afterwards.
    keep_executed : path, optional
        A folder outside the pack (e.g. the workspace's ``.slc-cache``) to keep
        the executed notebooks in; default not kept.

    Returns
    -------
    ExportResult
    """
    from slc_research.report.catalogue import NOTEBOOKS, notebook_path
    from slc_research.report.execute import run_report
    from slc_research.workspace.enquiry import Enquiry

    workspace = Path(workspace).resolve()
    Enquiry.open(workspace)  # a clear message for a broken workspace, and a warm cache
    paths = [notebook_path(n) for n in (notebooks or list(NOTEBOOKS))]
    to = Path(to).resolve()
    to.mkdir(parents=True, exist_ok=True)
    packs: dict[str, NotebookPack] = {}
    failures: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="slc-export-") as tmp:
        private = Path(keep_executed).resolve() if keep_executed else Path(tmp) / "executed"

        def one(path: Path) -> None:
            try:
                result = run_report(path, workspace, Path(tmp) / "html", parameters={},
                                    kernel_name=kernel_name, timeout=timeout,
                                    keep_executed=private, engine=engine)
                import nbformat

                nb = nbformat.read(str(result.executed), as_version=4)
                packs[path.stem] = write_notebook_pack(collect(nb, name=path.stem), to)
            except Exception as exc:  # one failed notebook does not stop the others
                failures[path.stem] = f"{type(exc).__name__}: {exc}"

        with ThreadPoolExecutor(max_workers=workers or min(len(paths), os.cpu_count() or 1)
                                ) as pool:
            list(pool.map(one, paths))
    ordered = tuple(packs[p.stem] for p in paths if p.stem in packs)
    result = None
    if check:
        from slc_research.report.check import check_outputs

        result = check_outputs(to, workspace)
    return ExportResult(to, ordered, {p.stem: failures[p.stem] for p in paths
                                      if p.stem in failures}, result)


def collect(nb: Any, *, name: str) -> CollectedReport:
    """The tables, charts, records and parameters of an executed notebook."""
    tables: list[ExportedTable] = []
    specs: list[dict[str, Any]] = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            copy = data.get(TABLE_MIMETYPE)
            if isinstance(copy, dict):
                tables.append(ExportedTable(
                    len(tables) + 1, str(copy.get("caption") or ""),
                    [str(c) for c in copy.get("columns", [])],
                    [[str(v) for v in row] for row in copy.get("rows", [])],
                    [str(n) for n in copy.get("notes", [])]))
            spec = data.get(CHART_MIMETYPE)
            if isinstance(spec, dict):
                specs.append(dict(spec))
    records = read_records(nb)
    parameters = dict(nb.get("metadata", {}).get("papermill", {}).get("parameters", {}) or {})
    parameters.pop("workspace", None)
    title = str(records.get("title") or name)
    return CollectedReport(name, title, tables, specs, records, parameters)


def write_notebook_pack(report: CollectedReport, to: str | Path) -> NotebookPack:
    """Write one notebook's tables, figures and methods into ``to/<name>/``."""
    import vl_convert as vlc

    from slc_research.privacy.safe_cells import csv_text
    from slc_research.report.methods import methods_for, methods_markdown, reference_list

    folder = Path(to) / report.name
    tables_dir, figures_dir = folder / "tables", folder / "figures"
    for sub, pattern in ((tables_dir, "[0-9][0-9]-*.csv"), (figures_dir, "[0-9][0-9]-*.*")):
        sub.mkdir(parents=True, exist_ok=True)
        for old in sub.glob(pattern):  # an earlier export's files
            old.unlink()

    csvs = []
    for t in report.tables:
        caption = t.caption or f"{report.title}: table {t.number}"
        path = tables_dir / f"{t.number:02d}-{_slug(caption)}.csv"
        path.write_text(csv_text(t.rows, columns=t.columns), encoding="utf-8")
        csvs.append(path)
    tables = [t if t.caption else ExportedTable(t.number, f"{report.title}: table {t.number}",
                                                t.columns, t.rows, t.notes)
              for t in report.tables]

    figures, files = [], []
    for i, spec in enumerate(report.charts, start=1):
        title, subtitle = _chart_title(spec)
        title = title or f"{report.title}: figure {i}"
        stem = figures_dir / f"{i:02d}-{_slug(title)}"
        svg = vlc.vegalite_to_svg(spec)
        png = vlc.vegalite_to_png(spec, ppi=PPI)
        stem.with_suffix(".svg").write_text(svg, encoding="utf-8")
        stem.with_suffix(".png").write_bytes(png)
        files += [stem.with_suffix(".svg"), stem.with_suffix(".png")]
        figures.append(ExportedFigure(i, title, png, subtitle))

    analyses = methods_for(report.name, report.records, report.parameters)
    (folder / "methods.md").write_text(methods_markdown(report.title, analyses),
                                       encoding="utf-8")
    docs = (save(tables_document(tables, title=report.title), folder / "tables.docx"),
            save(figures_document(figures, title=report.title), folder / "figures.docx"),
            save(methods_document(report.title, analyses, reference_list(analyses)),
                 folder / "methods.docx"))
    return NotebookPack(report.name, folder, tuple(csvs), tuple(files),
                        (*docs, folder / "methods.md"))


def _chart_title(spec: dict[str, Any]) -> tuple[str, str]:
    """A chart's title and subtitle as plain text ("" when it has none)."""
    title = spec.get("title")
    subtitle: Any = ""
    if isinstance(title, dict):
        subtitle = title.get("subtitle") or ""
        title = title.get("text") or ""
    return _text(title), _text(subtitle)


def _text(value: Any) -> str:
    return (" ".join(map(str, value)) if isinstance(value, list) else str(value or "")).strip()


def _slug(text: str, limit: int = 60) -> str:
    """``"Members' roles (n = 40)"`` -> ``"members-roles-n-40"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower().replace("'", ""))
    slug = ""
    for w in words:
        if len(slug) + len(w) + 1 > limit:
            break
        slug = f"{slug}-{w}" if slug else w
    return slug or "untitled"
