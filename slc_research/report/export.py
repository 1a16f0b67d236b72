"""``slc-research export``: the dissertation pack of an enquiry's case studies.

Each case study runs for the whole trust and returns its result
(:meth:`~slc_research.casestudies.spec.CaseStudy.result`), the same object its notebook
shows section by section. From the result come every table (its suppressed cells,
formatted by the display boundary exactly as the report shows them: never raw rows), every
chart (its Vega-Lite spec, drawn by vl-convert) and the recorded results; nothing is read
back from a rendered page. For each case study the pack holds::

    DIR/<notebook>/tables/NN-<title>.csv    every table, cells as shown (formula-safe)
    DIR/<notebook>/tables.docx              every table in APA 7 style
    DIR/<notebook>/figures/NN-<title>.svg   every figure, vector
    DIR/<notebook>/figures/NN-<title>.png   the same at 300 ppi
    DIR/<notebook>/figures.docx             every figure, numbered, in APA 7 style
    DIR/<notebook>/methods.md, methods.docx a methods paragraph per analysis + references

The pack is written into a staging folder beside ``DIR`` and scanned for the workspace's
names and real ids (:func:`slc_research.report.sharing.sharing`); it is moved into place
only if nothing was found, so a leaking pack is never left where it would be shared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
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
from slc_research.report.display import format_table, jsonable, table_notes

__all__ = ["PPI", "CollectedReport", "ExportResult", "NotebookPack", "collect", "export_pack",
           "write_notebook_pack"]

#: Resolution of the PNG figures (pixels per inch).
PPI = 300


@dataclass(frozen=True)
class CollectedReport:
    """What a case study's result holds for the pack: tables, charts, records, parameters."""

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
    not_run : dict
        Notebook name -> the line saying why it was not run (its case study does not apply
        to the enquiry: :meth:`~slc_research.casestudies.spec.CaseStudy.applies`), e.g.
        ``"tlc_impact: not run - this enquiry has no TLC (...)"``.
    """

    folder: Path
    packs: tuple[NotebookPack, ...]
    failures: dict[str, str] = field(default_factory=dict)
    check: Any = None
    not_run: dict[str, str] = field(default_factory=dict)

    @property
    def leaks(self) -> tuple:
        """The finds of the pack's check; empty when it found nothing or did not run."""
        return () if self.check is None else tuple(self.check.finds)


def export_pack(workspace: str | Path, to: str | Path, *,
                notebooks: Sequence[str] | None = None, check: bool = True) -> ExportResult:
    """Run the case studies on ``workspace`` and write their dissertation pack into ``to``.

    Parameters
    ----------
    workspace : path
        The enquiry workspace (opened and validated first).
    to : path
        The pack's folder (created; a case study's earlier pack there is replaced).
    notebooks : list of str, optional
        Case-study names (``"slc_impact"``); default every case study
        (:data:`~slc_research.report.catalogue.NOTEBOOKS`).
    check : bool
        Scan the pack for the workspace's names and real ids afterwards.

    Returns
    -------
    ExportResult
        A case study the enquiry lacks the sources for (:meth:`CaseStudy.applies
        <slc_research.casestudies.spec.CaseStudy.applies>`) is not run and gets no folder;
        it is listed in :attr:`ExportResult.not_run` with the reason.

    Raises
    ------
    ConfigError
        When none of the case studies asked for applies to the enquiry (nothing is written).
    """
    from slc_research.charts import use_offline_renderer
    from slc_research.errors import ConfigError, OutputLeakError
    from slc_research.report.catalogue import NOTEBOOKS, notebook_info
    from slc_research.report.sharing import sharing
    from slc_research.workspace.enquiry import Enquiry

    workspace = Path(workspace).resolve()
    enq = Enquiry.open(workspace)  # a clear message for a broken workspace
    studies = [notebook_info(n) for n in (notebooks or list(NOTEBOOKS))]
    not_run = {s.name: s.not_run(why) for s in studies if (why := s.applies(enq))}
    studies = [s for s in studies if s.name not in not_run]
    if not studies:
        raise ConfigError(f"{'; '.join(not_run.values())}. Nothing was exported: add the source "
                          "named to enquiry.toml, or export another case study (without "
                          "--notebook every one that applies is exported).")
    to = Path(to).resolve()
    use_offline_renderer()  # the theme the reports draw with
    staged_packs: list[NotebookPack] = []
    failures: dict[str, str] = {}
    try:
        with sharing(to, workspace, check=check) as staged:  # checked, then put in place
            staged.mkdir(parents=True)
            for study in studies:
                try:
                    result = study.result(enq, study.validate(workspace=workspace))
                    staged_packs.append(write_notebook_pack(collect(result), staged))
                except Exception as exc:  # one failed case study does not stop the others
                    failures[study.name] = f"{type(exc).__name__}: {exc}"
    except OutputLeakError as exc:
        return ExportResult(to, (), failures, exc.check, not_run)
    packs = tuple(_moved(p, staged, to) for p in staged_packs)
    found = None
    if check:
        from slc_research.report.check import check_outputs

        found = check_outputs(to, workspace)
    return ExportResult(to, packs, failures, found, not_run)


def _moved(pack: NotebookPack, staged: Path, to: Path) -> NotebookPack:
    """``pack`` with its paths in ``to`` rather than in the staging folder ``staged``."""
    def move(p: Path) -> Path:
        return to / p.relative_to(staged)

    return NotebookPack(pack.name, move(pack.folder), tuple(map(move, pack.tables)),
                        tuple(map(move, pack.figures)), tuple(map(move, pack.documents)))


def collect(result: Any) -> CollectedReport:
    """The tables, charts and records of a case study's result, as the pack writes them.

    Each table passes the display boundary (:func:`~slc_research.report.display.format_table`:
    ids and unsuppressed counts refused) and keeps the cells, caption and notes a reader
    sees; each chart is its Vega-Lite spec with the reports' theme.
    """
    tables: list[ExportedTable] = []
    specs: list[dict[str, Any]] = []
    for section in result.sections:
        for t in section.tables:
            shown = format_table(t.frame, decimals=t.decimals, labels=t.labels or None)
            tables.append(ExportedTable(
                len(tables) + 1, t.caption, [str(c) for c in shown.columns],
                [[str(v) for v in row] for row in shown.itertuples(index=False, name=None)],
                [*([t.note] if t.note else []), *table_notes(shown),
                 *getattr(result, "warnings", ())]))
        specs += [chart.to_dict() for chart in section.charts]
    records = {k: jsonable(v) for k, v in result.all_records.items()}
    return CollectedReport(result.case_study, result.title, tables, specs, records, {})


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
