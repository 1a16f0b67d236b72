"""Redaction before caching (issue 15, cases 1 and 5) and the output check of the same forms.

A crafted workspace whose roster writes "Zoë Ångström" precomposed, whose texts, action
plans, meeting topics, roles and REFI-QDA codebook write her name decomposed, a name with
soft hyphens, a UPN with spaces, emails and dates of birth in school forms. After
``Enquiry.open`` no cached Parquet cell holds any of them; a report holding each is flagged
by ``slc-research check-outputs`` (exit 1).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from slc_research import Enquiry
from slc_research.cli import main
from slc_research.privacy.identifiers import Identifiers
from slc_research.workspace.cache import CACHE_DIR

ROSTER = ("UPN,Legal Forename,Legal Surname,Preferred Name,Date of Birth,Email,Adno,Year\n"
          "M021324518321,Zoë,Ångström,,04/03/2012,zoe.angstrom@pupils.hillside.sch.uk,"
          "0045123,7\n"
          "K100000000002,Chidi,Adebayo,,2012-11-30,chidi.adebayo@pupils.hillside.sch.uk,"
          "0045124,7\n"
          "K100000000003,Philippa,Oyelaran,Pippa,15 June 2011,,0045125,8\n")
STAFF = "Code,Forename,Surname,Email\nOWX,Ottoline,Wrexham,o.wrexham@hillside.sch.uk\n"
ZOE = "Zoe\u0308 A\u030angstro\u0308m"  # decomposed: the roster has it precomposed
CHIDI = "Chi\u00addi Ade\u00adbayo"      # soft hyphens inside
SPACED = "M021 3245 18321"
DATES = ("4/3/2012", "04/03/2012", "4.3.2012", "4 March 2012", "4th March 2012", "4 Mar 2012",
         "March 4th 2012", "2012-03-04", "30/11/2012", "15/06/2011")
TEXTS = ("UPN,Date,Reflection\n"
         f"K100000000002,01/10/2025,I worked with {ZOE} ({SPACED}) today.\n"
         f"M021324518321,02/10/2025,{CHIDI} was born {DATES[0]}; Zoë on {DATES[3]}.\n"
         f"K100000000003,03/10/2025,\"Dates: {', '.join(DATES)}; mail "
         "ZOE.ANGSTROM@pupils.hillside.sch.uk, m021-3245-18321, adno 0045124, Pippa\"\n")
PLANS = ("Code,Plan,Report\n"
         f"OWX,Pair {ZOE} with {CHIDI},Spoke to o.wrexham@hillside.sch.uk about {SPACED}\n"
         f"OWX,Check {DATES[4]} records,Pippa Oyelaran fine\n")
MEETINGS = ("Meeting,Date,Topic\n"
            f"M1,01/10/2025,{ZOE}'s project and {SPACED}\n"
            f"M2,08/10/2025,Birthday {DATES[6]} for {CHIDI}\n")
MEMBERS = ("UPN,Team,Role\n"
           f"M021324518321,Pupil Panel,Chair (with {CHIDI}; born {DATES[5]})\n"
           "K100000000002,Pupil Panel,Member\n")
QDA_TEXT = f"Listening to {ZOE} and M021-3245-18321 (born {DATES[1]})."
AND = QDA_TEXT.index(" and ") + 1  # a coded passage after a decomposed name
QDE = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Voices" origin="QualCoder 3.6">
<CodeBook><Codes>
 <Code guid="c-1" name="Zoë Ångström's ideas" isCodable="true">
  <Description>Quotes from {ZOE} ({SPACED}, born {DATES[6]}), zoe.angstrom@pupils.hillside.sch.uk</Description>
 </Code>
 <Code guid="c-2" name="Listening" isCodable="true"><Description>{CHIDI} on 2012-03-04</Description></Code>
</Codes></CodeBook>
<Sources>
 <TextSource guid="s-1" name="Interview with {CHIDI}" plainTextPath="internal://s-1.txt">
  <PlainTextSelection guid="p-1" startPosition="{AND}" endPosition="{AND + 3}">
   <Coding guid="p-1-c"><CodeRef targetGUID="c-2"/></Coding>
  </PlainTextSelection>
 </TextSource>
</Sources>
</Project>
"""
MANIFEST = """title = "Redaction enquiry"
academic_year = "2025-26"
schools = ["Hillside School"]

[sources.roster]
path = "raw/roster.csv"
kind = "pupils"
school = "Hillside School"
[sources.roster.columns]
"UPN" = "pupil_id"
"Legal Forename" = "forename"
"Legal Surname" = "surname"
"Year" = "year_group"

[sources.staff]
path = "raw/staff.csv"
kind = "staff"
[sources.staff.columns]
"Code" = "staff_id"
"Forename" = "forename"
"Surname" = "surname"
"""
SOURCES = """
[sources.reflections]
path = "raw/reflections.csv"
kind = "texts"
authors = "pupil"
text_source = "reflection"
[sources.reflections.columns]
"UPN" = "author_id"
"Date" = "date"
"Reflection" = "text"

[sources.plans]
path = "raw/plans.csv"
kind = "action_plans"
members = "staff"
[sources.plans.columns]
"Code" = "member_id"
"Plan" = "plan"
"Report" = "report"

[sources.members]
path = "raw/members.csv"
kind = "memberships"
members = "pupil"
community_kind = "slc"
[sources.members.columns]
"UPN" = "member_id"
"Team" = "community"
"Role" = "role"

[sources.coding]
path = "raw/voices.qdpx"
kind = "qdpx"
"""
MEETINGS_SOURCE = """
[sources.meetings]
path = "raw/meetings.csv"
kind = "meetings"
community = "Pupil Panel"
[sources.meetings.columns]
"Meeting" = "meeting_id"
"Date" = "date"
"Topic" = "topic"
"""
#: The identifiers as the raw files write them: none may reach the cache.
RAW_FORMS = ("Zoë", "Zoe\u0308", "Ångström", "A\u030angstro\u0308m", "Angstrom", "Chidi",
             "Chi\u00addi", "Adebayo", "Ade\u00adbayo", "Philippa", "Oyelaran", "Pippa",
             "Ottoline", "Wrexham", "M021324518321", SPACED, "m021-3245-18321",
             "M021-3245-18321", "K100000000002", "0045124", "hillside.sch.uk", *DATES)


def write_workspace(root: Path, *, sources: str = SOURCES + MEETINGS_SOURCE) -> Path:
    (root / "raw").mkdir(parents=True)
    (root / "private").mkdir()
    (root / "enquiry.toml").write_text(MANIFEST + sources, encoding="utf-8")
    files = {"roster.csv": ROSTER, "staff.csv": STAFF, "reflections.csv": TEXTS,
             "plans.csv": PLANS, "meetings.csv": MEETINGS, "members.csv": MEMBERS}
    for name, text in files.items():
        (root / "raw" / name).write_text(text, encoding="utf-8")
    with zipfile.ZipFile(root / "raw" / "voices.qdpx", "w") as z:
        z.writestr("project.qde", QDE.encode("utf-8"))
        z.writestr("Sources/s-1.txt", QDA_TEXT.encode("utf-8"))
    return root


def people() -> Identifiers:
    """The matcher told everything on the roster and staff list (names in any case)."""
    return Identifiers.build(
        names=["Zoë", "Ångström", "Chidi", "Adebayo", "Philippa", "Oyelaran", "Pippa",
               "Ottoline", "Wrexham"],
        full_names=["Zoë Ångström", "Chidi Adebayo", "Philippa Oyelaran", "Ottoline Wrexham"],
        ids=["M021324518321", "K100000000002", "K100000000003", "0045123", "0045124", "OWX"],
        dates=["04/03/2012", "2012-11-30", "15 June 2011"], names_any_case=True)


def cached_strings(root: Path) -> list[tuple[str, str]]:
    """(file, cell) for every string cell of every cached Parquet file."""
    cells = []
    files = sorted((root / CACHE_DIR).rglob("*.parquet"))
    assert files, "nothing was cached"
    for path in files:
        table = pq.read_table(path)
        for column in table.columns:
            if pa.types.is_dictionary(column.type):
                column = column.cast(column.type.value_type)
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                cells += [(path.name, v) for v in column.to_pylist() if v is not None]
    return cells


def assert_cache_is_clean(root: Path) -> None:
    ident = people()
    cells = cached_strings(root)
    for file, cell in cells:
        assert ident.find(cell) == [], (file, [m.kind for m in ident.find(cell)])
        folded = cell.casefold()
        for raw in RAW_FORMS:
            assert raw.casefold() not in folded, (file, raw)
    for path in (root / CACHE_DIR).rglob("*"):  # and no byte of any cached file
        if path.is_file():
            blob = path.read_bytes()
            for raw in RAW_FORMS:
                assert raw.encode() not in blob, (path.name, raw)


def test_case1_texts_are_cached_without_any_written_form(tmp_path):
    root = write_workspace(tmp_path / "ws")
    enq = Enquiry.open(root)
    texts = sorted(enq.texts["text"])
    assert "I worked with [name] ([id]) today." in texts
    assert "[name] was born [date of birth]; [name] on [date of birth]." in texts
    assert_cache_is_clean(root)


def test_case5_no_identifier_reaches_any_cached_parquet_file(tmp_path):
    root = write_workspace(tmp_path / "ws")
    enq = Enquiry.open(root)
    assert enq.meetings.set_index("meeting_id")["topic"].to_dict() == {
        "M1": "[name]'s project and [id]", "M2": "Birthday [date of birth] for [name]"}
    assert set(enq.memberships["role"].dropna()) == {
        "Chair (with [name]; born [date of birth])", "Member"}
    assert sorted(enq.action_plans["plan"]) == ["Check [date of birth] records",
                                                "Pair [name] with [name]"]
    book = enq.codebook.set_index("code")["description"].to_dict()
    assert book == {"[name]'s ideas": "Quotes from [name] ([id], born [date of birth]), "
                                      "[email]",
                    "Listening": "[name] on [date of birth]"}
    qda = enq.texts.loc[enq.texts["text_id"] == "Interview with [name]", "text"]
    assert qda.tolist() == ["Listening to [name] and [id] (born [date of birth])."]
    start, end = enq.codings["start"].iloc[0], enq.codings["end"].iloc[0]
    assert qda.iloc[0][start:end] == "and"  # the passage moved with the redacted text
    assert_cache_is_clean(root)


def test_case5_meeting_topics_are_redacted_with_only_a_roster_and_meetings(tmp_path):
    root = write_workspace(tmp_path / "ws", sources=MEETINGS_SOURCE)
    enq = Enquiry.open(root)
    assert enq.meetings["topic"].tolist() == ["[name]'s project and [id]",
                                              "Birthday [date of birth] for [name]"]
    assert_cache_is_clean(root)


def test_case5_a_changed_roster_name_changes_the_meetings_key_and_redacts_again(tmp_path):
    root = write_workspace(tmp_path / "ws", sources=MEETINGS_SOURCE)
    (root / "raw" / "meetings.csv").write_text(
        "Meeting,Date,Topic\nM1,01/10/2025,Quillon and Zebedee planned\n", encoding="utf-8")
    first = Enquiry.open(root)
    assert first.meetings["topic"].tolist() == ["Quillon and Zebedee planned"]
    (root / "raw" / "roster.csv").write_text(ROSTER.replace("Philippa", "Zebedee"),
                                             encoding="utf-8")
    second = Enquiry.open(root)
    assert second.meetings["topic"].tolist() == ["Quillon and [name] planned"]
    assert first._cache_keys["meetings"] != second._cache_keys["meetings"]
    assert not {h.source: h.from_cache for h in second.health}["meetings"]


def test_case1_check_outputs_flags_every_written_form(tmp_path, capsys):
    root = write_workspace(tmp_path / "ws", sources="")
    out = tmp_path / "outputs"
    out.mkdir()
    forms = [ZOE, CHIDI, SPACED, *DATES[:8]]
    (out / "voices.html").write_text(
        "<html><body>\n" + "".join(f"<p>{f}</p>\n" for f in forms) + "</body></html>",
        encoding="utf-8")
    assert main(["check-outputs", str(out), "--workspace", str(root)]) == 1
    err = capsys.readouterr().err
    assert f"found {len(forms)} possible identifiers" in err
    assert "voices.html, line 2, column 4: full name 'Zoe***'" in err
    assert "voices.html, line 3, column 4: full name 'Chi***'" in err
    assert "voices.html, line 4, column 4: real id 'M02***'" in err
    for line in range(5, 13):
        assert f"voices.html, line {line}, column 4: date of birth" in err
    for secret in ("Ångström", "Adebayo", "3245", "2012"):
        assert secret not in err


@pytest.mark.xdist_group("demo")
def test_case5_the_demo_trusts_cache_holds_no_identifier(demo_enquiry, demo_workspace):
    """Every distinct string of every cached Parquet file of the demo trust (its reflections,
    transcripts, plans, topics and codebook were written with pupils' and staff's names in
    them), scanned with what ``check-outputs`` looks for in the demo's raw files."""
    from slc_research.workspace.identifiers import workspace_identifiers

    ident = workspace_identifiers(demo_workspace)
    roster = (demo_workspace / "raw/northfield-academy/mis/roster.csv").read_text(
        encoding="utf-8").splitlines()
    header, first = roster[0].split(","), roster[1].split(",")
    pupil = dict(zip(header, first, strict=True))
    name = f"{pupil['Legal Forename']} {pupil['Legal Surname']}"
    assert ident.find(f"A word from {name} today")  # the scan can fail
    files = sorted((demo_workspace / CACHE_DIR).rglob("*.parquet"))
    assert len(files) >= 10
    seen = 0
    for path in files:
        for column in pq.read_table(path).columns:
            if pa.types.is_dictionary(column.type):
                column = column.cast(column.type.value_type)
            if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
                continue
            for cell in pc.unique(column).to_pylist():
                if cell:
                    seen += 1
                    assert ident.find(cell) == [], (path.parent.parent.name,
                                                    [m.kind for m in ident.find(cell)])
    assert seen > 10_000  # the texts were read, not skipped
    assert "[name]" in " ".join(demo_enquiry.texts["text"])  # the demo's names were redacted
