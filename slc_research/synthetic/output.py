"""Writing the synthetic workspace: raw files byte for byte reproducible, and the manifest.

Every raw file is written through :class:`WorkspaceWriter`, which records the
``[sources.NAME]`` entry that reads it (kind, column mapping, options), so the
mapping always sits next to the code that chose the headers. XLSX files are
written with xlsxwriter, which keeps text in a shared-strings table as Excel
(and the MIS and Forms exports it saves) does, then re-zipped with fixed
timestamps so the same seed gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

__all__ = ["Source", "WorkspaceWriter", "render_manifest", "toml_key", "toml_value"]

_FIXED_TIME = dt.datetime(2026, 7, 20, 12, 0, 0)


@dataclass(frozen=True)
class Source:
    """One ``[sources.NAME]`` entry of the manifest."""

    name: str
    path: str
    kind: str
    columns: dict[str, str]
    options: dict[str, Any] = field(default_factory=dict)
    sheet: str | None = None
    date_format: str | None = None
    description: str = ""


class WorkspaceWriter:
    """Writes raw files under ``root`` and remembers the source entry of each.

    Parameters
    ----------
    root : Path
        The workspace folder being built.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.sources: list[Source] = []

    def _register(self, rel: str, name: str, kind: str, columns: dict[str, str],
                  description: str, sheet: str | None, date_format: str | None,
                  options: dict[str, Any]) -> Path:
        if any(s.name == name for s in self.sources):
            raise ValueError(f"source name {name!r} used twice")
        self.sources.append(Source(name, rel, kind, dict(columns), dict(options), sheet,
                                   date_format, description))
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def csv(self, df: pd.DataFrame, rel: str, *, name: str, kind: str,
            columns: dict[str, str], description: str = "", date_format: str | None = None,
            encoding: str = "utf-8", **options: Any) -> None:
        """Write ``df`` as CSV at ``rel`` and record its source entry.

        The file is UTF-8 (``encoding="utf-8-sig"`` adds a byte-order mark).
        """
        path = self._register(rel, name, kind, columns, description, None, date_format, options)
        missing = set(columns) - set(df.columns)
        if missing:
            raise ValueError(f"{rel}: mapped headers not in the file: {sorted(missing)}")
        df.to_csv(path, index=False, lineterminator="\n", encoding=encoding)

    def xlsx(self, sheets: dict[str, pd.DataFrame | list[list[Any]]], rel: str, *, name: str,
             kind: str, columns: dict[str, str], sheet: str | None = None,
             description: str = "", **options: Any) -> None:
        """Write an XLSX workbook (first sheet first) and record its source entry.

        A sheet given as a DataFrame gets its header row; one given as a list of
        rows is written as it stands. Text is kept as text (never a formula or a
        link); dates, datetimes and times get a date format.
        """
        path = self._register(rel, name, kind, columns, description, sheet, None, options)
        buf = io.BytesIO()
        book = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": True,
                                         "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
        formats = {t: book.add_format({"num_format": f}) for t, f in _DATE_FORMATS.items()}
        for title, content in sheets.items():
            ws = book.add_worksheet(title)
            rows: Iterable[Sequence[Any]] = content
            if isinstance(content, pd.DataFrame):
                rows = itertools.chain([list(content.columns)],
                                       content.itertuples(index=False, name=None))
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    _write_cell(ws, r, c, v, formats)
        book.set_properties({"author": "Microsoft Forms" if kind == "survey" else "MIS export",
                             "created": _FIXED_TIME})
        book.close()
        path.write_bytes(_frozen_zip(buf.getvalue()))

    def text(self, rel: str, content: str) -> None:
        """Write a plain text file that is not a source (README, consent register)."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8", newline="\n")


_DATE_FORMATS = {dt.datetime: "yyyy-mm-dd h:mm:ss", dt.date: "yyyy-mm-dd", dt.time: "h:mm:ss"}


def _write_cell(ws: Any, r: int, c: int, v: Any, formats: dict[type, Any]) -> None:
    """One cell, by the type of its value; missing values (None, NaN, NA, NaT) stay blank."""
    if v.__class__ is str:
        ws.write_string(r, c, v)
    elif v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return
    elif isinstance(v, bool | np.bool_):
        ws.write_boolean(r, c, bool(v))
    elif isinstance(v, int | float | np.integer | np.floating):
        ws.write_number(r, c, v.item() if isinstance(v, np.generic) else v)
    elif isinstance(v, dt.datetime):  # pandas' Timestamp too
        stamp = v.to_pydatetime() if isinstance(v, pd.Timestamp) else v
        ws.write_datetime(r, c, stamp, formats[dt.datetime])
    elif isinstance(v, dt.date | dt.time):
        ws.write_datetime(r, c, v, formats[type(v) if type(v) in formats else dt.date])
    elif isinstance(v, str):
        ws.write_string(r, c, str(v))
    else:
        raise TypeError(f"no XLSX cell for a {type(v).__name__}: {v!r}")


def _frozen_zip(data: bytes) -> bytes:
    """The same workbook with its times fixed, so that its bytes depend on its content only.

    Every entry's timestamp and the document's modified time are set to one fixed time.
    """
    out = io.BytesIO()
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        parts = {info.filename: src.read(info) for info in src.infolist()}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for filename, content in parts.items():
            fixed = zipfile.ZipInfo(filename, date_time=_FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            if filename == "docProps/core.xml":  # the writer may stamp the save time here
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            dst.writestr(fixed, content)
    return out.getvalue()


def toml_key(key: str) -> str:
    """A TOML key: bare when it can be, otherwise a quoted string."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def toml_value(value: Any) -> str:
    """A TOML value for a str, bool, int, float or list of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def render_manifest(*, title: str, academic_year: str, schools: list[str],
                    scales: dict[str, dict[str, Any]], sources: list[Source],
                    suppression_threshold: int = 5) -> str:
    """The text of ``enquiry.toml`` in the format the README documents."""
    lines = [
        "# Synthetic demonstration enquiry written by `slc-research demo-data`.",
        "# Every person in it is invented; see README.md.",
        f"title = {toml_value(title)}",
        f"academic_year = {toml_value(academic_year)}",
        f"schools = {toml_value(schools)}",
        "",
        "[privacy]",
        f"suppression_threshold = {suppression_threshold}",
        "",
    ]
    for name, table in scales.items():
        lines.append(f"[scales.{toml_key(name)}]")
        lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in table.items()]
        lines.append("")
    for s in sources:
        lines.append(f"[sources.{toml_key(s.name)}]")
        if s.description:
            lines.append(f"description = {toml_value(s.description)}")
        lines.append(f"path = {toml_value(s.path)}")
        lines.append(f"kind = {toml_value(s.kind)}")
        if s.sheet:
            lines.append(f"sheet = {toml_value(s.sheet)}")
        if s.date_format:
            lines.append(f"date_format = {toml_value(s.date_format)}")
        lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in s.options.items()]
        if s.columns:
            lines.append(f"[sources.{toml_key(s.name)}.columns]")
            lines += [f"{toml_value(k)} = {toml_value(v)}" for k, v in s.columns.items()]
        lines.append("")
    return "\n".join(lines)
