"""The dispatcher, and what holds for every kind: canonical dtypes, raw files untouched,
no raw id or name in any table."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import pytest

from slc_research.data.loading.loaders import LOADERS, load_source
from slc_research.data.schemas import KINDS, TABLES
from slc_research.errors import ConfigError


def _qdpx() -> bytes:
    """A REFI-QDA project: user Dev Patel coded a passage of Olivia's reflection."""
    qde = ('<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
           'name="p"><Users><User guid="u1" name="Dev Patel"/></Users><CodeBook><Codes>'
           '<Code guid="c1" name="Help" isCodable="true"/></Codes></CodeBook><Sources>'
           '<TextSource guid="s1" name="Olivia Okafor reflection" '
           'plainTextPath="internal://s1.txt"><PlainTextSelection guid="p1" startPosition="0" '
           'endPosition="21" creatingUser="u1"><Coding guid="k1" creatingUser="u1">'
           '<CodeRef targetGUID="c1"/></Coding></PlainTextSelection></TextSource></Sources>'
           '</Project>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("project.qde", qde)
        z.writestr("Sources/s1.txt", "Olivia Okafor and Dev helped me")
    return buf.getvalue()


# kind -> (file text, column mapping, options); ids A1/A2 (pupils) and ABC (staff),
# names Olivia Okafor and Dev Patel appear in the raw files only.
SOURCES = {
    "pupils": ("UPN,Forename,Surname,Year\nA1,Olivia,Okafor,7\nA2,Dev,Patel,8\n",
               {"UPN": "pupil_id", "Forename": "forename", "Surname": "surname",
                "Year": "year_group"}, {}),
    "staff": ("Code,Name,Dept\nABC,Dev Patel,Maths\n",
              {"Code": "staff_id", "Name": "name", "Dept": "department"}, {}),
    "communities": ("community,kind\nStuPed,slc\n", {}, {}),
    "memberships": ("UPN,Name,Team\nA1,Olivia Okafor,StuPed\nA2,Dev Patel,StuPed\n",
                    {"UPN": "member_id", "Name": "name", "Team": "community"},
                    {"members": "pupil"}),
    "meetings": ("meeting_id,date,community\nM1,01/10/2025,StuPed\n", {}, {}),
    "meeting_attendance": ("meeting_id,member_id\nM1,ABC\n", {}, {"members": "staff"}),
    "action_plans": ("member_id,plan\nABC,Exit tickets with Olivia\n", {}, {"members": "staff"}),
    "survey": ("Pupil,Email,Q1\nA1,olivia@example.org,Agree\nA2,dev@example.org,agree\n",
               {"Pupil": "respondent_id", "Email": "email", "Q1": "eng1"},
               {"respondents": "pupil", "response_scale": "agree5"}),
    "attendance": ("UPN,Date,Session,Mark\nA1,01/09/2025,AM,/\nA2,01/09/2025,AM,N\n",
                   {"UPN": "pupil_id", "Date": "date", "Session": "session", "Mark": "code"},
                   {}),
    "behaviour": ("UPN,Date,Points\nA1,01/10/2025,2\n",
                  {"UPN": "pupil_id", "Date": "date", "Points": "points"}, {}),
    "attainment": ("UPN,Score\nA1,54\n", {"UPN": "pupil_id", "Score": "score"},
                   {"subject": "Maths"}),
    "texts": ("Author,Text\nA1,Olivia Okafor and Dev helped me\n",
              {"Author": "author_id", "Text": "text"}, {"authors": "pupil"}),
    "codebook": ("Code,Parent\nLearning,\nSetting targets,Learning\n", {}, {}),
    "codings": ("Text ID,Code,Start,End\nT-1,Setting targets,0,6\n",
                {"Text ID": "text_id", "Code": "code", "Start": "start", "End": "end"},
                {"coder": "A"}),
    "qdpx": (_qdpx(), {}, {}),
}


def test_every_kind_has_a_loader():
    assert set(LOADERS) == set(KINDS)
    assert set(SOURCES) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_every_kind_loads_canonically_privately_and_leaves_the_file(
        kind, write, spec, ctx, digest, frame_text):
    text, columns, options = SOURCES[kind]
    path = write(f"raw/{kind}.csv", text)
    before = digest(path)
    ctx = dataclasses.replace(ctx, names=frozenset({"Olivia", "Okafor", "Dev", "Patel",
                                                    "Olivia Okafor", "Dev Patel"}))
    loaded = load_source(spec(path, kind, columns, **options), ctx)
    assert digest(path) == before
    assert set(loaded.tables) == set(KINDS[kind].tables)
    for name, table in loaded.tables.items():
        assert list(table.columns) == list(TABLES[name])
        assert {c: str(table[c].dtype) for c in table.columns} == TABLES[name]
        assert len(table) > 0
    everything = frame_text(loaded.tables)
    for secret in ("Olivia", "Okafor", "Patel", "example.org", "A1,", "A2,", ",A1", ",A2",
                   "ABC"):
        assert secret not in everything, f"{secret!r} leaked into the {kind} tables"
    assert list(path.parent.iterdir()) == [path]  # nothing written next to the raw file


def test_unknown_kind(write, spec, ctx):
    path = write("raw/x.csv", "a\n1\n")
    with pytest.raises(ConfigError, match=r"sources.x.kind.*unknown kind 'register'"):
        load_source(spec(path, "register"), ctx)
