"""Write the folder of ``tests/data/exports/second_school/`` (run once; the files are committed).

A second teacher's exports, in shapes the first school's fixtures (``make_exports.py``) do
not have, each as the tool writes it:

- ``Student List.xls``: a SIMS student list saved as old Excel 97-2003 (.xls) with a title
  and a "Printed" row above the header, both ``Adno`` and ``UPN``, year groups written
  ``Year 7``, ``Y7`` and ``7``, pupil premium "Yes" or blank, dates of birth as Excel dates;
- ``Pupil Voice Survey(1-24).xlsx`` and ``Pupil Voice Survey - Summer(1-24).xlsx``:
  Microsoft Forms' "Open results in Excel" (ID, Start time, Completion time, Email
  ``anonymous``, Name, Last modified time), a Likert question's statements as columns of
  their own, a tick-all-that-apply question joined by ``;`` with a trailing ``;``, some
  admission numbers typed as numbers, trailing blank rows; the summer form's statements
  reworded a little (a full stop, "in class" -> "in lessons");
- ``SLC induction quiz (Responses).csv``: a Google Forms quiz (Timestamp, Email address,
  Score ``2 / 3``, then its questions);
- ``Parent Survey 2025_November 20, 2025_08.12.csv``: Qualtrics' download with numeric
  values (answers 1-5, Status 0, Finished 1), ``ExternalReference`` holding the child's
  admission number, embedded data ``YearGroup`` and ``Q_RelevantIDDuplicate``;
- ``Behaviour Incidents.xlsx``: an Arbor behaviour export keyed by UPN (Incident Date with
  time, Behaviour Type, Severity in words, Points), two blank trailing columns, a blank row
  and a "Total" row;
- ``SLC members 2025-26.csv``: a membership list by UPN saved by a European Excel
  (semicolons, Windows-1252, a pound sign and an en dash in a notes column);
- ``Weekly reflection(1-10).xlsx``: a Microsoft Forms form of one free-text question.

Every name and id is made up (``Testcase``-style surnames, ``T999...`` UPNs). Run from the
repository root (``xlwt``, a test-only dependency, writes the .xls)::

    .venv/bin/python tests/data/exports/make_second_school.py
"""

import csv
import datetime as dt
import io
import random
from pathlib import Path

import openpyxl
import xlwt

OUT = Path(__file__).parent / "second_school"
OUT.mkdir(parents=True, exist_ok=True)
FN = [
    "Ada",
    "Bo",
    "Cy",
    "Di",
    "Ed",
    "Flo",
    "Gus",
    "Hal",
    "Ivy",
    "Jo",
    "Kit",
    "Lu",
    "Mo",
    "Nia",
    "Oz",
    "Pip",
    "Quin",
    "Rae",
    "Sol",
    "Tam",
    "Uma",
    "Vic",
    "Wyn",
    "Xan",
    "Yas",
    "Zed",
    "Abe",
    "Bea",
    "Cal",
    "Dot",
]
SN = ["Testcase", "Placeholder", "Fakename", "Notreal", "Sample", "Dummy", "Example", "Madeup"]
N = 30


def upn(i):
    return f"T99900000{i:04d}"


def adno(i):
    return f"{5200 + i:06d}"


rng = random.Random(7)

# A. SIMS student list saved as .xls, title rows above the header
wb = xlwt.Workbook()
ws = wb.add_sheet("Student List")
ws.write(0, 0, "Student List - Hillside Academy")
ws.write(1, 0, "Printed 01/12/2025 09:14")
hdr = [
    "Surname",
    "Forename",
    "UPN",
    "Adno",
    "Year",
    "Reg",
    "Gender",
    "Pupil Premium",
    "SEN Status",
    "EAL",
    "DOB",
]
for c, h in enumerate(hdr):
    ws.write(3, c, h)
datefmt = xlwt.easyxf(num_format_str="DD/MM/YYYY")
for i in range(1, N + 1):
    year = 7 + i % 3
    yr = [f"Year {year}", f"Y{year}", str(year)][i % 3] if i > 20 else f"Year {year}"
    row = [
        SN[i % 8],
        FN[i - 1],
        upn(i),
        adno(i),
        yr,
        f"{year}{'ABC'[i % 3]}",
        ["Male", "Female"][i % 2],
        "Yes" if i % 4 == 0 else "",
        ["N", "K", "E", "N"][i % 4],
        "Y" if i % 5 == 0 else "N",
    ]
    for c, v in enumerate(row):
        ws.write(3 + i, c, v)
    ws.write(3 + i, 10, dt.date(2013 - (year - 7), 1 + i % 12, 1 + i % 27), datefmt)
wb.save(str(OUT / "Student List.xls"))

AGREE = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
ACTS = ["Planning lessons", "Observing lessons", "Giving feedback", "Interviewing staff"]


def msforms(name, wave, statements, month):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(
        [
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            "Last modified time",
            "What is your admission number?",
            *statements,
            "Which SLC activities have you taken part in?",
            "What would make lessons better for you?",
        ]
    )
    for i in range(1, 25):
        t = dt.datetime(2025 + month // 13, (month - 1) % 12 + 1, 1 + i % 20, 9, i)
        acts = [a for k, a in enumerate(ACTS) if (i + k + wave) % 3 == 0]
        ws.append(
            [
                i,
                t,
                t + dt.timedelta(minutes=4),
                "anonymous",
                None,
                None,
                int(adno(i)) if i % 5 == 0 else adno(i),
                *[AGREE[(i + k * wave) % 5] for k in range(len(statements))],
                "".join(a + ";" for a in acts),
                "More group work" if i % 4 == 0 else None,
            ]
        )
    # trailing blank rows as Excel keeps them after a filter was cleared
    for _ in range(3):
        ws.append([None] * 5)
    wb.save(OUT / name)


S1 = [
    "I enjoy coming to school",
    "My teachers listen to my ideas",
    "I feel confident to speak up in class",
    "I know how to improve my work",
]
S2 = [
    "I enjoy coming to school",
    "My teachers listen to my ideas.",
    "I feel confident to speak up in lessons",
    "I know how to improve my work",
]
msforms("Pupil Voice Survey(1-24).xlsx", 1, S1, 10)
msforms("Pupil Voice Survey - Summer(1-24).xlsx", 2, S2, 18)

# D. Google Forms quiz with Email address and Score
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\r\n")
w.writerow(
    [
        "Timestamp",
        "Email address",
        "Score",
        "Admission number",
        "What does SLC stand for?",
        "Which is an example of feedback?",
        "How confident are you about running a meeting?",
    ]
)
for i in range(1, 20):
    w.writerow(
        [
            f"2025/11/{1 + i % 20:02d} 2:{i:02d}:33 PM GMT",
            f"{FN[i - 1].lower()}.{SN[i % 8].lower()}@pupils.hillside.example",
            f"{1 + i % 3} / 3",
            adno(i),
            ["Student Learning Community", "Student Leadership Council"][i % 2],
            ["Telling someone what went well", "Giving a detention"][i % 3 == 0],
            ["Very confident", "Quite confident", "Not confident"][i % 3],
        ]
    )
(OUT / "SLC induction quiz (Responses).csv").write_text(buf.getvalue(), encoding="utf-8")

# E. Qualtrics numeric values export with embedded data
meta = [
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/London"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/London"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"Europe/London"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientLastName", "Recipient Last Name", '{"ImportId":"recipientLastName"}'),
    ("RecipientFirstName", "Recipient First Name", '{"ImportId":"recipientFirstName"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
    ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
    ("LocationLatitude", "Location Latitude", '{"ImportId":"locationLatitude"}'),
    ("LocationLongitude", "Location Longitude", '{"ImportId":"locationLongitude"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
]
qs = [
    ("Q1_1", "How far do you agree? - My child is happy at school", '{"ImportId":"QID1_1"}'),
    ("Q1_2", "How far do you agree? - The school listens to my child", '{"ImportId":"QID1_2"}'),
    ("Q1_3", "How far do you agree? - I know what my child is learning", '{"ImportId":"QID1_3"}'),
    ("Q2", "Any other comments?", '{"ImportId":"QID2_TEXT"}'),
]
emb = [
    ("YearGroup", "YearGroup", '{"ImportId":"YearGroup"}'),
    ("Q_RelevantIDDuplicate", "Q_RelevantIDDuplicate", '{"ImportId":"Q_RelevantIDDuplicate"}'),
]
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\r\n")
for k in range(3):
    w.writerow([m[k] for m in meta + qs + emb])
for i in range(1, 19):
    s = f"2025-11-{i:02d} 19:{i:02d}:00"
    w.writerow(
        [
            s,
            s,
            "0",
            "",
            "100",
            "300",
            "1",
            s,
            f"R_{i:015d}",
            SN[i % 8],
            "Parent",
            f"parent{i}@home.example",
            adno(i),
            "",
            "",
            "email",
            "EN-GB",
            1 + i % 5,
            1 + (i + 1) % 5,
            1 + (i + 2) % 5,
            "Thank you" if i % 6 == 0 else "",
            str(7 + i % 3),
            "false",
        ]
    )
(OUT / "Parent Survey 2025_November 20, 2025_08.12.csv").write_bytes(
    ("\ufeff" + buf.getvalue()).encode("utf-8")
)

# F. Arbor behaviour xlsx with trailing blank columns, blank rows and a totals row
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Behaviour"
ws.append(
    [
        "Student",
        "UPN",
        "Year",
        "Registration Form",
        "Incident Date",
        "Behaviour Type",
        "Severity",
        "Points",
        "Logged By",
        None,
        None,
    ]
)
for i in range(1, N + 1, 2):
    ws.append(
        [
            f"{FN[i - 1]} {SN[i % 8]}",
            upn(i),
            f"Year {7 + i % 3}",
            f"{7 + i % 3}A",
            dt.datetime(2025, 10, 1 + i % 28, 11, 5),
            ["Disruption", "Homework not done", "Kindness"][i % 3],
            ["Low", "Medium", "Positive"][i % 3],
            [-1, -2, 2][i % 3],
            "Mr Example",
            None,
            None,
        ]
    )
ws.append([None] * 9)
ws.append(["Total", None, None, None, None, None, None, "=SUM(H2:H16)"])
wb.save(OUT / "Behaviour Incidents.xlsx")

# G. SLC members in cp1252 with a pound sign, semicolon-separated (European Excel)
rows = ["UPN;Name;Role;Date joined;Notes"]
for i in range(2, 11):
    rows.append(
        f"{upn(i)};{FN[i - 1]} {SN[i % 8]};{'Chair' if i == 2 else 'Member'};{i:02d}/09/2025;"
        + ("Paid £3 for the trip – café visit" if i % 3 == 0 else "")
    )
(OUT / "SLC members 2025-26.csv").write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))

# H. Microsoft Forms free-text reflections (one question)
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Sheet1"
ws.append(
    [
        "ID",
        "Start time",
        "Completion time",
        "Email",
        "Name",
        "Admission number",
        "Write your reflection on this week's SLC session",
    ]
)
for i in range(1, 11):
    t = dt.datetime(2025, 11, 3 + i, 15, 20)
    ws.append(
        [
            i,
            t,
            t + dt.timedelta(minutes=9),
            f"{adno(i)}@pupils.hillside.example",
            f"{FN[i - 1]} {SN[i % 8]}",
            adno(i),
            f"This week we planned a starter for Year 7 and I learnt that asking open questions gets more people talking (week {i}).",
        ]
    )
wb.save(OUT / "Weekly reflection(1-10).xlsx")
