"""``init --from`` on export shapes the school fixtures do not have, as the tools write them.

Each test writes a small folder of invented exports (no real pupil, name or id)
in a shape found in real downloads: a Google Sheets ``.xlsx`` download whose
admission numbers are numbers (their leading zeros gone), a Qualtrics TSV in
UTF-16 on its default "Somewhat agree" scale, an Arbor roster whose SEN
statuses are written out in words.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from slc_research.workspace.recognise import recognise_folder

ADNOS = [f"{7001 + i:06d}" for i in range(12)]  # "007001" ...: an MIS keeps the zeros


def _roster(folder: Path) -> None:
    rows = ["Adno,Legal Surname,Legal Forename,Year,Gender,PP,SEN"]
    rows += [f"{a},Testcase,Kid{i},{7 + i % 2},{'MF'[i % 2]},{'Y' if i % 3 else 'N'},N"
             for i, a in enumerate(ADNOS)]
    (folder / "roster.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def _placed(folder: Path) -> dict:
    return {p.rel: p for p in recognise_folder(folder).placed}


def test_ids_that_lost_their_leading_zeros_still_match_the_roster(tmp_path):
    # Google Sheets' "Download > .xlsx" of a form's responses: an admission number typed
    # as a number is stored as one, so 007001 becomes 7001 (the loaders match it anyway)
    _roster(tmp_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Form responses 1"
    ws.append(["Timestamp", "Admission number", "I like working with the SLC"])
    for i, a in enumerate(ADNOS):
        ws.append([dt.datetime(2026, 2, 2, 10, i), int(a), ["Agree", "Disagree"][i % 2]])
    wb.save(tmp_path / "SLC check-in.xlsx")
    survey = _placed(tmp_path)["SLC check-in.xlsx"]
    assert survey.table["columns"]["Admission number"] == "respondent_id"
    assert survey.table["respondents"] == "pupil"
    assert "100% of its answers (12)" in survey.checks["columns.Admission number"]
