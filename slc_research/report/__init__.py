"""Reports: run case-study notebooks, export offline HTML, record headline results, index them.

``record``, ``show_table`` and friends are used inside notebooks; ``run_report`` and
``write_index`` load Papermill and nbconvert. Every name is imported on first use, so that
the command line imports none of pandas, Papermill or nbconvert before it needs them.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CHART_MIMETYPE",
    "RECORD_MIMETYPE",
    "TABLE_MIMETYPE",
    "PrivacyError",
    "ReportError",
    "ReportResult",
    "export_html",
    "format_table",
    "read_records",
    "record",
    "record_all",
    "run_report",
    "show",
    "show_list",
    "show_note",
    "show_table",
    "show_text",
    "table_html",
    "write_index",
]

_DISPLAY = ("CHART_MIMETYPE", "RECORD_MIMETYPE", "TABLE_MIMETYPE", "PrivacyError", "format_table",
            "read_records", "record", "record_all", "show", "show_list", "show_note",
            "show_table", "show_text", "table_html")
_LAZY = {
    **dict.fromkeys(_DISPLAY, "slc_research.report.display"),
    "ReportError": "slc_research.report.execute",
    "ReportResult": "slc_research.report.execute",
    "export_html": "slc_research.report.execute",
    "run_report": "slc_research.report.execute",
    "write_index": "slc_research.report.index",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'slc_research.report' has no attribute {name!r}")
