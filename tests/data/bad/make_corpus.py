"""Write the bad-input corpus of ``tests/data/bad/`` (run once; the files are committed).

Every name and id in these files is made up (``Testcase``, ``Fakename``,
``T999...`` ids); no real person is in them. Run from the repository root::

    .venv/bin/python tests/data/bad/make_corpus.py

The password-protected workbook needs ``msoffcrypto-tool`` (a tool for making
the fixture only, not a dependency of slc-research)::

    python -m pip install --target /tmp/msoff msoffcrypto-tool
    PYTHONPATH=/tmp/msoff .venv/bin/python tests/data/bad/make_corpus.py

The 50 MB register is not here: the test writes it into ``tmp_path``.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent

ROSTER_HEADER = ["UPN", "Legal Forename", "Legal Surname", "Year", "Gender", "SEN", "PP"]
FAKE = [("Ada", "Testcase"), ("Bo", "Placeholder"), ("Cy", "Fakename"), ("Di", "Notreal"),
        ("Ed", "Sample"), ("Flo", "Dummy"), ("Gus", "Example"), ("Hal", "Madeup")]
ACCENTED = [("Zoë", "Testcase"), ("Renée", "Fakename"), ("José", "Notreal"),
            ("Siân", "Placeholder"), ("Chloë", "Madeup"), ("Dóra", "Example")]


def upn(i: int) -> str:
    """A made-up UPN-shaped id (real UPNs have a check letter; these start with T999)."""
    return f"T999000000{i:03d}"


def roster_rows(people=FAKE) -> list[list[str]]:
    cycle = ["7", "8", "9", "10"]
    return [[upn(i + 1), f, s, cycle[i % 4], "FM"[i % 2], ["N", "K", "N", "E"][i % 4],
             ["Y", "N"][i % 2]] for i, (f, s) in enumerate(people)]


def csv_text(rows: list[list[str]], sep: str = ",", eol: str = "\r\n") -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if (sep in v or '"' in v or "\n" in v) else v
    return "".join(sep.join(cell(v) for v in row) + eol for row in rows)


def write(name: str, data: str | bytes, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(data if isinstance(data, bytes) else data.encode(encoding))


def xlsx(name: str, sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None
         ) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
        for rng in (merges or {}).get(title, []):
            ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    if name:
        write(name, buf.getvalue())
    return buf.getvalue()


SURVEY_HEADER = ["Pupil ID", "I enjoy coming to school", "My teachers listen to me",
                 "I can say what I think in lessons"]
AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


def survey_rows(n: int = 8, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    return [[upn(i + 1), *(rng.choice(AGREE) for _ in range(3))] for i in range(n)]


def main() -> None:
    header, rows = ROSTER_HEADER, roster_rows()
    # --- encodings and delimiters
    write("roster_cp1252.csv", csv_text([header, *roster_rows(ACCENTED)]), "cp1252")
    write("survey_utf16_tab.txt",
          "\ufeff" + csv_text([SURVEY_HEADER, *survey_rows()], sep="\t"), "utf-16-le")
    write("roster_utf8_bom.csv", "\ufeff" + csv_text([header, *roster_rows(ACCENTED)]))
    write("roster_semicolon.csv", csv_text([header, *rows], sep=";"))
    write("roster_sep_line.csv", "sep=;\r\n" + csv_text([header, *rows], sep=";"))
    write("roster_lf_only_trailing_blank_rows.csv",
          csv_text([header, *rows], eol="\n") + ",,,,,,\n" * 5 + "\n\n")
    write("roster_trailing_blank_rows.csv", csv_text([header, *rows, *[[""] * 7] * 12]))
    # --- header trouble
    write("roster_title_row.csv",
          csv_text([["Student Details Report (exported 01/09/2025)", *[""] * 6], [""] * 7,
                    header, *rows]))
    write("roster_title_row_unpadded.csv",
          "Student list - Year 7 (all names made up)\r\n\r\n" + csv_text([header, *rows]))
    write("roster_repeated_header.csv", csv_text([header, *rows[:4], header, *rows[4:]]))
    write("survey_two_header_rows.csv",
          csv_text([SURVEY_HEADER, ["", "Response", "Response", "Response"], *survey_rows()]))
    xlsx("survey_merged_header.xlsx",
         {"Responses": [["Pupil", "Autumn survey", None, None], SURVEY_HEADER,
                        *survey_rows()]},
         {"Responses": ["B1:D1"]})
    write("roster_duplicate_header.csv", csv_text([[*header, "UPN"], *[[*r, r[0]] for r in rows]]))
    # --- ids
    dup = [*rows, rows[2]]
    write("roster_duplicate_ids.csv", csv_text([header, *dup]))
    lost = [[f"{4821 + i:06d}" if i % 3 else str(4821 + i), *r[1:]] for i, r in enumerate(rows)]
    write("roster_ids_lost_leading_zeros.csv", csv_text([["Adno", *header[1:]], *lost]))
    sci = [[("9.99E+11" if i in (2, 5) else f"{999000000000 + i}"), *r[1:]]
           for i, r in enumerate(rows)]
    write("roster_ids_scientific.csv", csv_text([["Candidate number", *header[1:]], *sci]))
    write("roster_blank_id.csv", csv_text([header, *rows[:3], ["", *rows[3][1:]], *rows[4:]]))
    # --- values
    typo = [list(r) for r in survey_rows()]
    typo[1][1], typo[4][2], typo[6][3] = "Stronly agree", "Agre", "Nuetral"
    write("survey_likert_typos.csv", csv_text([SURVEY_HEADER, *typo]))
    nums = [[r[0], *(str(AGREE.index(a) + 1) for a in r[1:])] for r in survey_rows()]
    nums[2][1], nums[5][3] = "6", "0"
    write("survey_likert_out_of_range.csv", csv_text([SURVEY_HEADER, *nums]))
    case = [[r[0], *(a.upper() if j == 0 else f" {a.lower()} " for j, a in enumerate(r[1:]))]
            for r in survey_rows()]
    write("survey_answers_case_and_spaces.csv", csv_text([SURVEY_HEADER, *case]))
    na = [list(r) for r in rows]
    na[1][3], na[4][4], na[6][5] = "#N/A", "#N/A", "#VALUE!"
    write("roster_excel_na.csv", csv_text([header, *na]))
    bad_year = [list(r) for r in rows]
    bad_year[3][3], bad_year[5][3] = "Y15", "Sixth form"
    write("roster_year_out_of_range.csv", csv_text([header, *bad_year]))
    write("roster_totals_row.csv",
          csv_text([header, *rows, ["Total", "", "", "", "", "", str(len(rows))]]))
    staff_h = ["Staff code", "Title", "Surname", "Department", "Years in teaching"]
    staff = [[f"ZZ{i}", "Mx", s, d, y] for i, (s, d, y) in enumerate(
        [("Testcase", "Maths", "4"), ("Fakename", "English", "12"), ("Notreal", "Science", "75"),
         ("Sample", "History", "-2"), ("Dummy", "Art", "1,5"), ("Example", "PE", "30")])]
    write("staff_out_of_range.csv", csv_text([staff_h, *staff]))
    beh_h = ["UPN", "Date", "Type", "Category", "Points"]
    beh = [[upn(1), "01/09/2025", "Achievement", "Effort", "2"],
           [upn(2), "2025-09-02", "Behaviour", "Disruption", "-1"],
           [upn(3), "3 Sep 2025", "Achievement", "Homework", "+1"],
           [upn(4), "45905", "Behaviour", "Lateness", "-1"],
           [upn(5), "Fri 05/09/2025", "Achievement", "Kindness", "3 points"],
           [upn(6), "08.09.2025", "Achievement", "Effort", "1"]]
    write("behaviour_mixed_dates.csv", csv_text([beh_h, *beh]))
    us = [list(r) for r in beh]
    us[0][1], us[1][1], us[2][1], us[3][1], us[4][1], us[5][1] = (
        "09/02/2025", "09/03/2025", "09/15/2025", "09/16/2025", "09/17/2025", "09/18/2025")
    write("behaviour_us_dates.csv", csv_text([beh_h, *us]))
    fut = [list(r) for r in beh]
    fut[2][1], fut[4][1] = "03/09/2035", "05/09/2205"
    write("behaviour_future_dates.csv", csv_text([beh_h, *fut]))
    att_h = ["UPN", "Date", "Session", "Mark"]
    att = [[upn(p), f"{d:02d}/09/2025", s, m] for p in range(1, 5) for d in (1, 2, 3)
           for s, m in (("AM", "/"), ("PM", "\\"))]
    att[3][3], att[8][3] = "H", "I"
    write("attendance_legacy_codes.csv", csv_text([att_h, *att]))
    att2 = [list(r) for r in att]
    att2[5][3], att2[9][3] = "Q9", "present"
    write("attendance_unknown_codes.csv", csv_text([att_h, *att2]))
    score_h = ["UPN", "Subject", "Reading score", "Grade"]
    scores = [[upn(1), "English", "1,234", "5"], [upn(2), "English", " 85% ", "6"],
              [upn(3), "English", "1,050", "4"], [upn(4), "English", "\u2212 3", "U"],
              [upn(5), "English", "12.0", "7"]]
    write("attainment_numbers_as_text.csv", csv_text([score_h, *scores]))
    texts_h = ["Author UPN", "Date", "Reflection", "OK to quote"]
    texts = [[upn(1), "01/10/2025", "I liked the \u201cgroup\u201d work \u2013 it\u2019s better",
              "Yes"],
             [upn(2), "02/10/2025", "We\u2019re planning a caf\u00e9 for Year 7\u2026", "No"],
             [upn(3), "03/10/2025", "Line one\r\nline two of the same reflection", "Y"],
             [upn(4), "03/10/2025", "", "Y"]]
    write("reflections_cp1252_smart_quotes.csv", csv_text([texts_h, *texts]), "cp1252")
    # --- shape of the file
    write("roster_stray_comma.csv",
          csv_text([header, *rows[:5]]) + f"{upn(6)},Flo,Dummy, Jr,7,F,N,Y\r\n"
          + csv_text(rows[6:]))
    write("roster_unclosed_quote.csv",
          csv_text([header, *rows[:3]]) + f'{upn(4)},"Di,Notreal,8,M,N,N\r\n' + csv_text(rows[4:]))
    write("empty.csv", b"")
    write("header_only.csv", csv_text([header]))
    write("header_and_blank_rows.csv", csv_text([header, *[[""] * 7] * 4]))
    rng = random.Random(2025)
    write("binary_junk.csv", bytes(rng.randrange(256) for _ in range(4096)))
    write("pdf_named_csv.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n"
          + bytes(rng.randrange(256) for _ in range(2048)))
    xlsx("roster_xlsx_named_csv.csv", {"Roster": [header, *rows]})
    # --- workbooks
    xlsx("roster_several_sheets_first.xlsx", {
        "Roster": [header, *rows], "Leavers": [header, *rows[:2]],
        "Notes": [["Exported from the MIS for the enquiry (all names made up)"]]})
    xlsx("roster_several_sheets_second.xlsx", {
        "Instructions": [["How to use this export"], ["Do not edit the UPN column"]],
        "Roster": [header, *rows]})
    plain = xlsx("", {"Roster": [header, *rows]})
    try:
        import msoffcrypto.format.ooxml as ooxml
    except ImportError:
        print("msoffcrypto-tool not installed: roster_password.xlsx left as it is")
    else:
        out = io.BytesIO()
        ooxml.OOXMLFile(io.BytesIO(plain)).encrypt("not-the-real-password", out)
        write("roster_password.xlsx", out.getvalue())
    write("workbook_damaged.xlsx", plain[: len(plain) // 2])


if __name__ == "__main__":
    main()
