"""Fixtures for the loader tests: raw files are written into ``tmp_path`` by each test."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from slc_research.data.spec import LoadContext, SourceSpec
from slc_research.privacy.pseudonyms import Pseudonymiser

KEY = b"test-key-0123456789abcdef-slc-research"


@pytest.fixture
def pseudonymiser() -> Pseudonymiser:
    return Pseudonymiser(KEY)


@pytest.fixture
def ctx(pseudonymiser: Pseudonymiser) -> LoadContext:
    return LoadContext(pseudonymiser)


@pytest.fixture
def write(tmp_path: Path):
    """``write("raw/roster.csv", text, encoding="utf-8")`` -> path; bytes are written as given."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write


@pytest.fixture
def write_xlsx(tmp_path: Path):
    """``write_xlsx("raw/r.xlsx", {"Sheet": [[header...], [row...]]})`` -> path."""

    def _write(name: str, sheets: dict[str, list[list[object]]]) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, rows in sheets.items():
            ws = wb.create_sheet(title)
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row, start=1):
                    if value is not None:
                        ws.cell(row=r, column=c, value=value)
        wb.save(path)
        return path

    return _write


@pytest.fixture
def spec():
    """``spec(path, kind, columns={...}, sheet=..., date_format=..., **options)``."""

    def _spec(path: Path, kind: str, columns: dict[str, str] | None = None, *,
              sheet: str | None = None, date_format: str | None = None,
              name: str | None = None, **options) -> SourceSpec:
        label = f"raw/{path.name}"
        return SourceSpec(name or path.stem, path, label, kind, dict(columns or {}), sheet,
                          date_format, options)

    return _spec


@pytest.fixture
def digest():
    """``digest(path)``: SHA-256 of a file's bytes, to show a raw file was not changed."""
    return lambda path: hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def frame_text():
    """``frame_text(tables)``: every cell of every table as one string, to assert absence."""

    def _text(tables: dict[str, pd.DataFrame]) -> str:
        return "\n".join(df.astype("string").fillna("").to_csv(index=False)
                         for df in tables.values())

    return _text
