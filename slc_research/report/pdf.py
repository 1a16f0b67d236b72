"""A printable PDF of each report: A4, a section a page, rows never split, charts as vectors.

The PDF is drawn by WeasyPrint from the same HTML page a report is, with the print
stylesheet :data:`PRINT_CSS` (also in every report page, so that a browser prints it the
same way): A4 pages with page numbers; each section (a second-level heading) starts a new
page; a table row, a chart and a "how to read this" note are never split across pages,
and a table's header row is repeated on each page it runs over; charts stay the SVG
drawings the page holds (vectors, sharp at any zoom), scaled down to fit the page.

Every PDF is written through :mod:`slc_research.report.sharing`: aside, checked for the
workspace's people (the check reads PDF text, :mod:`slc_research.privacy.output_pdf`),
then put in place. WeasyPrint needs Debian's pango libraries (``make install`` and the
README say how to install them).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from slc_research.errors import ConfigError
from slc_research.report.folder import PDF_CREATOR, is_our_report
from slc_research.report.html_export import PRINT_CSS
from slc_research.report.sharing import sharing

__all__ = ["PRINT_CSS", "PdfRun", "report_pdf", "write_pdfs"]

_FIRST_SECTION = re.compile(r"<h2(?=[\s>])")


def report_pdf(html: str | Path, pdf: str | Path) -> Path:
    """Draw the HTML report ``html`` as the PDF ``pdf`` (no check: see :func:`write_pdfs`).

    Parameters
    ----------
    html : path
        A report page (``<name>.html``).
    pdf : path
        Where to write the PDF.

    Returns
    -------
    Path
        ``pdf``.
    """
    import weasyprint

    html = Path(html)
    page = html.read_text(encoding="utf-8")
    # the first section follows the title on page 1; every later one starts a page
    page = _FIRST_SECTION.sub('<h2 class="slc-first-section"', page, count=1)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # unsupported screen-only CSS
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    # nothing is fetched from outside the page: a report holds what it shows (charts inline)
    offline = weasyprint.URLFetcher(allowed_protocols=("data",))
    document = weasyprint.HTML(string=page, base_url=str(html.parent), url_fetcher=offline
                               ).render(stylesheets=[weasyprint.CSS(string=PRINT_CSS)])
    document.metadata.generator = PDF_CREATOR  # how a report folder knows its own PDFs
    document.write_pdf(pdf)
    return Path(pdf)


@dataclass(frozen=True)
class PdfRun:
    """The PDFs :func:`write_pdfs` wrote, and the reports it left as they were."""

    written: tuple[Path, ...]
    up_to_date: tuple[Path, ...]
    seconds: float

    def summary(self) -> str:
        """One line for the command line."""
        made = len(self.written)
        line = f"Wrote {made} PDF{'s' if made != 1 else ''} (A4, for printing)"
        if self.up_to_date:
            line += f"; {len(self.up_to_date)} already up to date"
        return f"{line} in {self.seconds:.0f} s."


def write_pdfs(reports: Iterable[str | Path], workspace: str | Path, *,
               to: str | Path | None = None, force: bool = False,
               notebooks: Sequence[str | Path] = ()) -> PdfRun:
    """A PDF beside each report page (or in ``to``), each checked before it is put in place.

    Parameters
    ----------
    reports : iterable of path
        Report pages, or folders of them (every report page in the folder: the index and
        summary pages are not reports).
    workspace : path
        The enquiry workspace whose people the output check looks for.
    to : path, optional
        The folder for the PDFs (default: beside each report, ``<name>.pdf``).
    force : bool
        Draw again a PDF that is newer than its report page.
    notebooks : sequence of path, optional
        Passed to the output check (notebooks whose words are the workbench's own).

    Returns
    -------
    PdfRun

    Raises
    ------
    ConfigError
        A path is neither a report page nor a folder holding one.
    OutputLeakError
        A PDF holds a name or id of the workspace's people: it was not put in place.
    """
    start = time.perf_counter()
    pages = _report_pages(reports)
    written, current = [], []
    for page in pages:
        target = (Path(to) if to is not None else page.parent) / f"{page.stem}.pdf"
        if (not force and target.is_file()
                and target.stat().st_mtime >= page.stat().st_mtime):
            current.append(target)
            continue
        with sharing(target, workspace, notebooks=notebooks) as staged:
            report_pdf(page, staged)
        written.append(target)
    return PdfRun(tuple(written), tuple(current), time.perf_counter() - start)


def _report_pages(reports: Iterable[str | Path]) -> list[Path]:
    pages: list[Path] = []
    for given in reports:
        path = Path(given)
        if path.is_dir():
            found = [p for p in sorted(path.glob("*.html")) if is_our_report(p)]
            if not found:
                raise ConfigError(f"{path} holds no slc-research report page: give a report "
                                  "(name.html) or the folder `slc-research report` wrote.",
                                  key="PATH")
            pages += found
        elif path.is_file() and is_our_report(path):
            pages.append(path)
        elif path.is_file():
            raise ConfigError(f"{path.name} is not an slc-research report page: give a report "
                              "that `slc-research report` wrote (name.html), or its folder.",
                              key="PATH")
        else:
            raise ConfigError(f"{path} does not exist: give a report page (name.html) or the "
                              "folder of reports, e.g. outputs.", key="PATH")
    return pages
