"""Write the folder of exports of ``tests/data/exports/`` (run once; the files are committed).

One small school's enquiry as a teacher would download it, each file in the
real shape of the tool that writes it (the shapes documented in
``slc_research/data/loading/survey_exports.py`` and ``mis_layouts.py``):

- ``roster.csv``: a SIMS student list (Adno, UPN, legal names, Year, Reg Group,
  Gender, PP left blank for "No" as MIS exports do, SEN Status, EAL, and a
  ``KS2 Average Scaled Score`` column of scaled scores 80-120);
- ``pupil voice autumn.csv`` / ``pupil voice spring.csv``: Google Forms'
  "Download responses (.csv)": ``Timestamp`` (``2025/10/01 9:05:12 AM GMT+1``),
  "What is your admission number?" (one answer typed as "dont know"), a grid
  ``How much do you agree with these statements? [Statement]`` and a free-text
  question;
- ``staff survey.xlsx``: Microsoft Forms' "Open results in Excel" (ID, Start time,
  Completion time, Email, Name, Last modified time, then the questions);
- ``qualtrics parents.csv``: Qualtrics' CSV with its three header rows;
- ``register.csv``: a SIMS session grid (a row per pupil, ``Mon 01/09/2025 AM``
  columns);
- ``behaviour.csv``: a behaviour log (Student, Adno, UPN, Date, Type, Category,
  Points);
- ``slc members.csv``: a one-SLC membership list (Adno, Name, Role, Joined);
- ``reflections.csv``: pupils' weekly reflections (Adno, Date, Reflection);
- ``coding.qdpx``: a REFI-QDA project (NVivo's shape) with one text and two codings;
- ``notes.txt``: a teacher's prose notes (not a table: not placed);
- ``weekly reflections/``: a folder of pupils' reflections, one file per text, named
  ``{Adno}_{date}`` as a teacher saves them: Word ``.docx`` (one with a table),
  Notepad ``.txt`` in UTF-8 with and without a byte-order mark, "Unicode" (UTF-16) and
  "ANSI" (Windows-1252), and ``.md``; one holds an emoji (outside the Basic
  Multilingual Plane) and names from the roster, to be redacted.

Every name and id is made up (``Testcase``-style surnames, ``T999...`` UPNs). Run
from the repository root::

    .venv/bin/python tests/data/exports/make_exports.py
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import random
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent / "school"
FORENAMES = ["Ada", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lu",
             "Mo", "Nia", "Oz", "Pip", "Quin", "Rae", "Sol", "Tam", "Uma", "Vic", "Wyn", "Xan"]
SURNAMES = ["Testcase", "Placeholder", "Fakename", "Notreal", "Sample", "Dummy", "Example",
            "Madeup"]
N = 24
STATEMENTS = ["I enjoy coming to school", "My teachers listen to my ideas",
              "I feel safe in lessons", "I can say what helps me learn"]
AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
         "Strongly agree"]
GRID = "How much do you agree with these statements?"


def upn(i: int) -> str:
    return f"T999000000{i:03d}"


def adno(i: int) -> str:
    return f"{4100 + i:06d}"


def csv_text(rows: list[list[object]]) -> str:
    def cell(v: object) -> str:
        s = "" if v is None else str(v)
        quoted = s.replace('"', '""')
        return f'"{quoted}"' if any(c in s for c in ',"\n') else s
    return "".join(",".join(cell(v) for v in row) + "\r\n" for row in rows)


def write(name: str, data: str | bytes) -> None:
    (HERE / name).parent.mkdir(parents=True, exist_ok=True)
    (HERE / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def roster() -> None:
    rows: list[list[object]] = [["Adno", "UPN", "Legal Surname", "Legal Forename", "Year",
                                 "Reg Group", "Gender", "PP", "SEN Status", "EAL",
                                 "KS2 Average Scaled Score"]]
    for i in range(1, N + 1):
        year = 7 + i % 2
        rows.append([adno(i), upn(i), SURNAMES[i % 8], FORENAMES[i - 1], year,
                     f"{year}{'AB'[i % 2]}", "FM"[i % 2], "Yes" if i % 3 == 0 else "",
                     ["N", "K", "N", "E"][i % 4], "Y" if i % 5 == 0 else "N", 90 + i])
    write("roster.csv", csv_text(rows))


def google(name: str, month: int, seed: int) -> None:
    rng = random.Random(seed)
    header = ["Timestamp", "What is your admission number?",
              *[f"{GRID} [{s}]" for s in STATEMENTS], "Is there anything else you want to say?"]
    rows: list[list[object]] = [header]
    for i in range(1, N - 3):
        stamp = f"{2025 + month // 13}/{(month - 1) % 12 + 1:02d}/{1 + i % 20:02d} {1 + i % 11}:{i % 60:02d}:12 PM GMT"
        who = "dont know" if i == 5 else adno(i)
        rows.append([stamp, who, *[rng.choice(AGREE[1:]) for _ in STATEMENTS],
                     "More clubs please" if i % 4 == 0 else ""])
    write(name, csv_text(rows))


def msforms() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
               "The SLC's ideas changed my teaching", "I have time to plan with pupils",
               "What would help?"])
    rng = random.Random(3)
    for i in range(1, 9):
        ws.append([i, f"10/{i + 1}/25 9:0{i}:00", f"10/{i + 1}/25 9:1{i}:00",
                   f"teacher{i}@school.example", f"Teacher {SURNAMES[i % 8]}", "",
                   rng.choice(AGREE), rng.choice(AGREE), "More time"])
    buf = io.BytesIO()
    wb.save(buf)
    write("staff survey.xlsx", buf.getvalue())


def qualtrics() -> None:
    meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
            "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
            "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
            "DistributionChannel", "UserLanguage"]
    qs = ["Q1_1", "Q1_2", "Q1_3"]
    texts = [f"My child's school... - {s}" for s in ("Listens to my child",
                                                      "Tells me how my child is doing",
                                                      "Values my child's ideas")]
    rows: list[list[object]] = [meta + qs, meta + texts,
                                [f'{{"ImportId":"{m.replace(" ", "")}"}}' for m in meta]
                                + [f'{{"ImportId":"QID1_{k}"}}' for k in (1, 2, 3)]]
    rng = random.Random(4)
    for i in range(1, 11):
        rows.append([f"2025-11-{i:02d} 18:00:00", f"2025-11-{i:02d} 18:04:00",
                     "Survey Preview" if i == 1 else "IP Address", f"192.0.2.{i}", 100, 240,
                     "True", f"2025-11-{i:02d} 18:04:01", f"R_{i:015d}", "", "", "", "",
                     "51.5", "-0.1", "anonymous", "EN",
                     *[rng.choice(AGREE) for _ in qs]])
    write("qualtrics parents.csv", "\ufeff" + csv_text(rows))


def register() -> None:
    days = ["Mon 01/09/2025", "Tue 02/09/2025", "Wed 03/09/2025"]
    header = ["Surname", "Forename", "Reg Group", "Adno", "UPN",
              *[f"{d} {s}" for d in days for s in ("AM", "PM")]]
    rows: list[list[object]] = [header]
    for i in range(1, N + 1):
        marks = ["/", "\\"] * len(days)
        if i % 6 == 0:
            marks[2] = "I"
        rows.append([SURNAMES[i % 8], FORENAMES[i - 1], f"{7 + i % 2}A", adno(i), upn(i),
                     *marks])
    write("register.csv", csv_text(rows))


def behaviour() -> None:
    rows: list[list[object]] = [["Student", "Adno", "UPN", "Date", "Type", "Category", "Points"]]
    for i in range(1, N + 1, 2):
        rows.append([f"{FORENAMES[i - 1]} {SURNAMES[i % 8]}", adno(i), upn(i),
                     f"{1 + i % 28:02d}/10/2025",
                     "Negative" if i % 3 else "Positive", "Disruption" if i % 3 else "Effort",
                     -1 if i % 3 else 2])
    write("behaviour.csv", csv_text(rows))


def members() -> None:
    rows: list[list[object]] = [["Adno", "Name", "Role", "Joined"]]
    for i in range(1, 9):
        rows.append([adno(i), f"{FORENAMES[i - 1]} {SURNAMES[i % 8]}",
                     "Lead" if i == 1 else "Member", "15/09/2025"])
    write("slc members.csv", csv_text(rows))


def reflections() -> None:
    rows: list[list[object]] = [["Adno", "Date", "Reflection"]]
    for i in range(1, 9):
        rows.append([adno(i), f"{3 + i:02d}/10/2025",
                     "This week I planned a lesson with Mr Example and I learnt that asking "
                     f"questions helps me remember more (week {i})."])
    write("reflections.csv", csv_text(rows))


def qdpx() -> None:
    text = "I felt listened to when we planned the lesson together."
    qde = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="SLC interviews" origin="NVivo 12">
  <Users><User guid="a1b2c3d4-0000-4000-8000-000000000001" name="Coder A"/></Users>
  <CodeBook><Codes>
    <Code guid="c0000000-0000-4000-8000-000000000001" name="Being heard" isCodable="true"/>
    <Code guid="c0000000-0000-4000-8000-000000000002" name="Planning" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="50000000-0000-4000-8000-000000000001" name="Interview 1"
                plainTextPath="internal://50000000-0000-4000-8000-000000000001.txt">
      <PlainTextSelection guid="e0000000-0000-4000-8000-000000000001" startPosition="2"
                          endPosition="21">
        <Coding guid="f0000000-0000-4000-8000-000000000001">
          <CodeRef targetGUID="c0000000-0000-4000-8000-000000000001"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="e0000000-0000-4000-8000-000000000002" startPosition="29"
                          endPosition="46">
        <Coding guid="f0000000-0000-4000-8000-000000000002">
          <CodeRef targetGUID="c0000000-0000-4000-8000-000000000002"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>
"""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", qde)
        z.writestr("Sources/50000000-0000-4000-8000-000000000001.txt", text)
    write("coding.qdpx", buf.getvalue())


def reflection_folder() -> None:
    import docx

    folder = "weekly reflections"
    said = ("I planned a starter with {name} and it worked \U0001F600. Next time I will "
            "ask more questions.")
    texts = {
        1: ("txt", codecs.BOM_UTF8 + said.format(name="Bo Fakename").encode("utf-8")),
        2: ("txt", "Our café-style discussion helped me; I’d do it again.".encode("cp1252")),
        3: ("txt", "I explained my idea to the SLC and Mr Example liked it.".encode("utf-16")),
        4: ("md", b"# Week 3\n\nI learnt that feedback helps when it is specific."),
        6: ("txt", b"I found it hard to speak up, but Ada helped me.\r\n"),
    }
    for i, (suffix, data) in texts.items():
        write(f"{folder}/{adno(i)}_2025-10-{6 + i:02d}.{suffix}", data)
    for i in (5, 7):
        document = docx.Document()
        document.add_paragraph("My reflection on the co-planned lesson.")
        table = document.add_table(rows=2, cols=2)
        for r, row in enumerate((("What went well", "Pairs talked more"),
                                 ("Even better if", "We had more time"))):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
        document.add_paragraph(f"Signed, {FORENAMES[i]} {SURNAMES[i % len(SURNAMES)]}")
        document.core_properties.created = document.core_properties.modified = \
            dt.datetime(2025, 10, 6)
        buf = io.BytesIO()
        document.save(buf)
        write(f"{folder}/{adno(i)}_2025-10-{6 + i:02d}.docx", buf.getvalue())


def notes() -> None:
    write("notes.txt", "Notes from the first SLC meeting\n\nWe talked about homework and "
                       "who leads the next meeting.\n")


if __name__ == "__main__":
    roster()
    google("pupil voice autumn.csv", 10, 1)
    google("pupil voice spring.csv", 15, 2)
    msforms()
    qualtrics()
    register()
    behaviour()
    members()
    reflections()
    qdpx()
    notes()
    reflection_folder()
