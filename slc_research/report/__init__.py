"""Reports: run case-study notebooks, export offline HTML, record headline results, index them.

``record``, ``show_table`` and friends are light (used inside notebooks);
``run_report`` and ``write_index`` load Papermill and nbconvert only when first used.
"""

from __future__ import annotations

from typing import Any

from slc_research.report.display import (
    CHART_MIMETYPE,
    RECORD_MIMETYPE,
    TABLE_MIMETYPE,
    PrivacyError,
    format_table,
    read_records,
    record,
    record_all,
    show,
    show_list,
    show_note,
    show_table,
    show_text,
    table_html,
)

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

_LAZY = {
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
