"""The HTML exporter of reports: nbconvert's, with the offline template, made once a thread.

nbconvert's :class:`~nbconvert.HTMLExporter` parses every page it writes with
BeautifulSoup to add ``alt`` text to images and ``tabindex`` to cells; on a
report with a dozen inline SVG charts that pass is most of the export (about
0.2 s a report). :class:`ReportExporter` makes the same two additions with
regular expressions on the attributes nbconvert's own template writes. It
also validates the notebook once, after all of nbconvert's preprocessors,
rather than after each of the twelve (``optimistic_validation``).
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

import jinja2
from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.filters import Highlight2HTML
from nbconvert.utils.base import NbConvertBase

from slc_research.report.folder import REPORT_MARKER

__all__ = ["PRINT_CSS", "SCREEN_CSS", "ReportExporter", "report_exporter"]

#: The print stylesheet (a browser's print and :mod:`slc_research.report.pdf`): A4 pages,
#: a section a page, table rows and charts kept whole, charts scaled to fit the page.
PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm;
  @bottom-right { content: "Page " counter(page) " of " counter(pages);
                  font-size: 8pt; color: #555; } }
@media print {
  html, body { background: white; }
  main, .jp-Notebook { max-width: none; padding: 0; margin: 0; }
  .jp-Notebook, .jp-Cell, .jp-Cell-inputWrapper, .jp-Cell-outputWrapper, .jp-InputArea,
  .jp-OutputArea, .jp-OutputArea-child, .jp-RenderedHTMLCommon { display: block !important;
    overflow: visible !important; }
  .jp-Collapser, .jp-InputPrompt, .jp-OutputPrompt, .anchor-link { display: none !important; }
  h2 { break-before: page; }
  h2.slc-first-section { break-before: auto; }
  h1, h2, h3, h4, caption { break-after: avoid; }
  tr, li, blockquote, .jp-RenderedSVG, svg, img { break-inside: avoid; }
  thead { display: table-header-group; }
  table.slc-table { font-size: 8.5pt; max-width: 100%; }
  table.slc-table th, table.slc-table td { padding: 0.15em 0.45em; }
  .jp-RenderedSVG svg, .jp-RenderedImage img { max-width: 100%; max-height: 235mm;
    width: auto; height: auto; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; }
}
"""

#: Narrow screens (a phone, 390 px): a wide table scrolls inside its own box, never the page,
#: its title wrapped on the screen and kept in view; charts shrink to the width of the screen.
SCREEN_CSS = """
.jp-OutputArea-output[data-mime-type="text/html"] { overflow-x: auto; max-width: 100%; }
.jp-RenderedSVG svg { max-width: 100%; height: auto; }
@media (max-width: 600px) {
  table.slc-table { font-size: 0.85em; }
  table.slc-table th, table.slc-table td { padding: 0.2em 0.4em; }
  table.slc-table caption { max-width: calc(100vw - 4rem); position: sticky; left: 0; }
}
"""

# An nbconvert template: JupyterLab's look, without any script loaded from a CDN
# (require.js, MathJax, mermaid, widgets) and with SVG outputs inlined; its head carries the
# mark that tells a report folder's own pages from other files (report.folder.is_our_report).
_TEMPLATE_NAME = "slc_research_offline.html.j2"
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block extra_css -%}
""" + REPORT_MARKER + """
<style type="text/css">
main { max-width: 60rem; margin: 0 auto; }
table.slc-table { border-collapse: collapse; margin: 0.5em 0 1em; }
table.slc-table caption { text-align: left; font-weight: bold; padding-bottom: 0.3em; }
table.slc-table th, table.slc-table td { padding: 0.25em 0.7em; text-align: right; }
table.slc-table th:first-child, table.slc-table td:first-child { text-align: left; }
""" + SCREEN_CSS + PRINT_CSS + """
</style>
{%- endblock extra_css -%}
{% block data_svg scoped -%}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}" data-mime-type="image/svg+xml">
{{ output.data['image/svg+xml'] }}
</div>
{%- endblock data_svg %}
"""

#: What nbconvert's HTMLExporter adds after rendering (see the module docstring).
_NO_ALT = "No description has been provided for this image"
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)")
_FOCUSABLE = re.compile(
    r'(<div class="(?:[^"]*\s)?(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?:\s[^"]*)?")')


class ReportExporter(HTMLExporter):
    """HTMLExporter with the offline template and no BeautifulSoup pass."""

    def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None,
                           **kw: Any) -> tuple[str, dict[str, Any]]:
        """The notebook ``nb`` as an HTML page, with the offline template.

        As nbconvert's :meth:`~nbconvert.HTMLExporter.from_notebook_node`, through the
        template exporter it extends, but the ``alt`` text of images and the ``tabindex``
        of cells are added with regular expressions instead of a BeautifulSoup pass
        (0.25-0.7 s on a report page), and an output shows the first of its types in the
        exporter's ``display_data_priority`` (a report page holds no live widget).

        Parameters
        ----------
        nb : NotebookNode
            The notebook to export.
        resources : dict, optional
            nbconvert's resources, passed on.
        **kw
            Passed on to nbconvert's :class:`~nbconvert.exporters.TemplateExporter`.

        Returns
        -------
        html : str
            The page.
        resources : dict
            The resources nbconvert returns with it.
        """
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        self.register_filter("filter_data_type", self.shown_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        html = _IMG_WITHOUT_ALT.sub(f'<img alt="{_NO_ALT}"', html)
        html = _FOCUSABLE.sub(r'\1 tabindex="0"', html)
        return html, resources

    def shown_type(self, output: dict[str, Any]) -> list[str]:
        """The template's ``filter_data_type``: the first type of ``output`` to show, in a list.

        The first of the exporter's ``display_data_priority`` that ``output`` holds, a
        widget view never (with no live kernel it shows nothing); none: ``[]``.
        """
        return [t for t in self.data_priority if t in output and t != _WIDGET_VIEW][:1]

    @functools.cached_property
    def data_priority(self) -> list[str]:
        """The ``display_data_priority`` of nbconvert, as this exporter is configured."""
        return list(NbConvertBase(parent=self).display_data_priority)

    def to_html(self, nb: Any, *, title: str) -> str:
        """The page of an (already cleaned) executed notebook."""
        html, _ = self.from_notebook_node(nb, resources={"metadata": {"name": title}})
        return html


_EXPORTERS = threading.local()


def report_exporter(*, show_code: bool) -> ReportExporter:
    """The exporter of this thread for a staff (code hidden) or research (code shown) report.

    Compiling the templates costs about 0.1 s, so each thread keeps its own
    exporter (an exporter is not shared between threads).
    """
    exporters = getattr(_EXPORTERS, "by_code", None)
    if exporters is None:
        exporters = _EXPORTERS.by_code = {}
    if show_code not in exporters:
        exporters[show_code] = ReportExporter(
            template_name="lab",
            extra_loaders=[jinja2.DictLoader({_TEMPLATE_NAME: _TEMPLATE})],
            template_file=_TEMPLATE_NAME,
            exclude_input=not show_code, exclude_input_prompt=not show_code,
            exclude_output_prompt=True,
            # validate once after every preprocessor has run, not after each of them
            optimistic_validation=True,
        )
    return exporters[show_code]
