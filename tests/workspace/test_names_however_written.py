"""Names and ids never reach the cache or a report, however a teacher's files write them.

A crafted workspace (invented people) in the shapes teachers' exports take:

- a pupil surnamed O'Neill whose name a classmate types without the apostrophe ("Zoe ONeill",
  "O Neill");
- communities named after a teacher and after a pupil's preferred name ("Mr Okafor's SLC",
  "Team Zozo"), as membership lists and meeting files write them;
- parents' open answers in a Qualtrics-shaped file whose ``RecipientFirstName`` and
  ``RecipientLastName`` columns (left unmapped) hold the parents' own names, and a
  Microsoft Forms-shaped "Name" column.

After ``Enquiry.open`` no cached string holds any of them; the communities keep apart and
still meet across files; and ``check-outputs`` still finds the pupil named by a community.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from slc_research import Enquiry
from slc_research.cli import main
from slc_research.workspace.cache import CACHE_DIR

ROSTER = ("Adno,Legal Forename,Legal Surname,Preferred Forename,Year\n"
          "004101,Zoë,O'Neill,Zozo,7\n"
          "004102,Kwabena,Asante-Darko,Kobby,7\n"
          "004103,Philippa,Quarrington,,8\n")
STAFF = "Code,Title,Forename,Surname\nTOK,Mr,Tobenna,Okafor\n"
MEMBERS = ("Adno,Name,Group,Role\n"
           "004101,\"O'Neill, Zoë\",Mr Okafor's SLC,Member\n"
           "004102,\"Asante-Darko, Kwabena\",Team Zozo,Member\n"
           "004103,\"Quarrington, Philippa\",Team Kobby,Member\n")
MEETINGS = "Meeting,Date,Topic\nM1,01/10/2025,Planning\nM2,08/10/2025,Feedback\n"
REFLECTIONS = ("Adno,Date,Reflection\n"
               "004102,01/10/2025,Zoe ONeill and me planned it\n"
               "004103,02/10/2025,I asked O Neill and ONEILL's friend\n")
PARENTS = ("ExternalReference,RecipientFirstName,RecipientLastName,Name,Q2\n"
           "004101,Grizelda,Abernathy-Whitcombe,,\"Grizelda Abernathy-Whitcombe here, "
           "happy to help\"\n"
           "004102,,,Olufemi Ekpenyong,Olufemi says thank you\n")
MANIFEST = """title = "Names enquiry"
academic_year = "2025-26"
schools = ["Hillside School"]

[sources.roster]
path = "raw/roster.csv"
kind = "pupils"
[sources.roster.columns]
"Adno" = "pupil_id"
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

[sources.members]
path = "raw/members.csv"
kind = "memberships"
members = "pupil"
community_kind = "slc"
[sources.members.columns]
"Adno" = "member_id"
"Group" = "community"
"Role" = "role"

[sources.meetings]
path = "raw/meetings.csv"
kind = "meetings"
community = "Mr Okafor's SLC"
[sources.meetings.columns]
"Meeting" = "meeting_id"
"Date" = "date"
"Topic" = "topic"

[sources.reflections]
path = "raw/reflections.csv"
kind = "texts"
authors = "pupil"
text_source = "reflection"
[sources.reflections.columns]
"Adno" = "author_id"
"Date" = "date"
"Reflection" = "text"

[sources.parents]
path = "raw/parents.csv"
kind = "texts"
authors = "parent"
text_source = "open_answer"
[sources.parents.columns]
"ExternalReference" = "author_id"
"Q2" = "text"
"""
#: Every written form that must not be cached.
FORMS = ("Zoë", "Zoe", "O'Neill", "ONeill", "O Neill", "Neill", "Zozo", "Kobby", "Okafor",
         "Tobenna", "Grizelda", "Abernathy", "Whitcombe", "Olufemi", "Ekpenyong")


def write_workspace(root: Path) -> Path:
    (root / "raw").mkdir(parents=True)
    (root / "private").mkdir()
    (root / "enquiry.toml").write_text(MANIFEST, encoding="utf-8")
    files = {"roster.csv": ROSTER, "staff.csv": STAFF, "members.csv": MEMBERS,
             "meetings.csv": MEETINGS, "reflections.csv": REFLECTIONS, "parents.csv": PARENTS}
    for name, text in files.items():
        (root / "raw" / name).write_text(text, encoding="utf-8")
    return root


def cached_strings(root: Path) -> list[str]:
    cells: list[str] = []
    for path in sorted((root / CACHE_DIR).rglob("*.parquet")):
        table = pq.read_table(path)
        for column in table.columns:
            if pa.types.is_dictionary(column.type):
                column = column.cast(column.type.value_type)
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                cells += [v for v in column.to_pylist() if v is not None]
    assert cells, "nothing was cached"
    return cells


@pytest.fixture
def opened(tmp_path) -> tuple[Path, Enquiry]:
    root = write_workspace(tmp_path / "ws")
    return root, Enquiry.open(root)


def test_no_written_form_of_a_name_is_cached(opened):
    root, _ = opened
    for cell in cached_strings(root):
        for form in FORMS:
            assert form.casefold() not in cell.casefold(), (form, cell)


def test_a_name_written_without_its_apostrophe_is_redacted(opened):
    _, enq = opened
    texts = sorted(enq.texts.loc[enq.texts["source"] == "reflection", "text"])
    assert texts == ["I asked [name] and [name]'s friend", "[name] and me planned it"]


def test_a_files_own_name_columns_are_redacted_from_its_texts(opened):
    """Qualtrics' RecipientFirstName/LastName and a Forms "Name" column, left unmapped."""
    _, enq = opened
    texts = sorted(enq.texts.loc[enq.texts["source"] == "open_answer", "text"])
    assert texts == ["[name] here, happy to help", "[name] says thank you"]


def test_communities_named_after_people_are_redacted_and_kept_apart(opened):
    _, enq = opened
    names = sorted(enq.table("memberships")["community"].unique())
    assert len(names) == 3  # three communities stay three
    assert [n.rsplit(" (", 1)[0] for n in names] == ["Mr [name]'s SLC", "Team [name]",
                                                     "Team [name]"]
    assert all(n.endswith(")") and len(n.rsplit(" (", 1)[1]) == 5 for n in names)
    # the meetings file names its community as the list does: the two still meet
    okafor = next(n for n in names if n.startswith("Mr"))
    assert set(enq.table("meetings")["community"]) == {okafor}


def test_the_output_check_still_finds_a_pupil_a_community_is_named_after(opened, tmp_path,
                                                                          capsys):
    root, _ = opened
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("<p>Zozo said the SLC helped.</p>", encoding="utf-8")
    assert main(["check-outputs", str(out), "--workspace", str(root)]) == 1
    assert "name 'Zo***'" in capsys.readouterr().err
    (out / "report.html").write_text("<p>Mr Okafor's class.</p>", encoding="utf-8")
    assert main(["check-outputs", str(out), "--workspace", str(root)]) == 1
    assert "Oka***" in capsys.readouterr().err


def test_a_community_named_like_the_school_keeps_the_schools_words(tmp_path):
    """A school named after a saint and a pupil of that name: "St Aidan's SLC" is kept."""
    root = write_workspace(tmp_path / "ws")
    manifest = (root / "enquiry.toml").read_text(encoding="utf-8")
    (root / "enquiry.toml").write_text(manifest.replace('schools = ["Hillside School"]',
                                                        'schools = ["St Aidan\'s School"]'),
                                       encoding="utf-8")
    (root / "raw" / "roster.csv").write_text(ROSTER + "004104,Aidan,Thistlewood,,8\n",
                                             encoding="utf-8")
    (root / "raw" / "members.csv").write_text(
        MEMBERS + "004104,\"Thistlewood, Aidan\",St Aidan's SLC,Member\n", encoding="utf-8")
    names = set(Enquiry.open(root).table("memberships")["community"])
    assert "St Aidan's SLC" in names
    assert sum(n.startswith("Team [name] (") for n in names) == 2


@pytest.mark.parametrize(("file", "row", "expected"), [
    # a row shifted by one: a name where the year group goes
    ("roster.csv", "004104,Aidan,Thistlewood,,Zoë O'Neill\n",
     "row 5, column 'Year': found '[name]'; expected a year group"),
    # a pupil's name and admission number typed where the date goes
    ("reflections.csv", "004103,Kobby 004101,I liked it\n",
     "row 4, column 'Date': found '[name] [id]'; expected a date"),
])
def test_a_bad_cell_holding_a_name_or_id_is_not_echoed(tmp_path, capsys, file, row, expected):
    """The message says where and what kind of thing was found, never whose it was."""
    root = write_workspace(tmp_path / "ws")
    path = root / "raw" / file
    path.write_text(path.read_text(encoding="utf-8") + row, encoding="utf-8")
    assert main(["check", str(root)]) == 1
    said = capsys.readouterr()
    assert expected in said.err
    for form in ("Zoë", "O'Neill", "Kobby", "004101"):
        assert form not in said.out + said.err, form


# -- questions that name a teacher: init --from and the column mapper --------------------------

AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
GRID = "How far do you agree with these statements about Mr Okafor's lessons?"


def _forms_csv(path: Path) -> None:
    """A Google Forms download whose questions name the teacher (a grid and a single one)."""
    header = ["Timestamp", "What is your admission number?", f"{GRID} [They help me learn]",
              f"{GRID} [I can ask questions]", "Did Ms Vasquez-Thorne listen to your ideas?"]
    rows = [",".join(f'"{h}"' for h in header)]
    for i, adno in enumerate(("004101", "004102", "004103")):
        rows.append(",".join([f"2025/10/0{i + 1} 9:05:12 AM GMT+1", adno, AGREE[i + 1],
                              AGREE[i + 2], AGREE[i]]))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_init_from_never_makes_an_item_code_or_scale_label_of_a_name(tmp_path, capsys):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (exports / "staff.csv").write_text(
        "Staff Code,Forename,Surname\nTOK,Tobenna,Okafor\nHVT,Hedda,Vasquez-Thorne\n",
        encoding="utf-8")
    _forms_csv(exports / "pupil voice.csv")
    ws = tmp_path / "ws"
    assert main(["init", str(ws), "--from", str(exports)]) == 0, capsys.readouterr().err
    import tomllib

    manifest = tomllib.loads((ws / "enquiry.toml").read_text(encoding="utf-8"))
    codes = list(manifest["sources"]["pupil_voice"]["columns"].values())
    assert "did_ms_listen" in codes  # "Did Ms Vasquez-Thorne listen to your ideas?"
    assert "they_help_learn" in codes
    for code in (*codes, *manifest["scales"]):
        assert not {"okafor", "vasquez", "thorne"} & set(code.split("_")), code
    (scale,) = manifest["scales"].values()
    assert scale["label"] == ("How far do you agree with these statements about Mr [name]'s "
                              "lessons?")[:80]
    cached = " ".join(cached_strings(ws)).casefold()
    assert "okafor" not in cached
    assert "vasquez" not in cached


def test_the_column_mapper_never_proposes_an_item_code_of_a_name(tmp_path):
    from slc_research.widgets.mapper import column_mapper

    root = write_workspace(tmp_path / "ws")
    (root / "raw" / "staff.csv").write_text(
        "Code,Title,Forename,Surname\nTOK,Mr,Tobenna,Okafor\nHVT,Ms,Hedda,Vasquez-Thorne\n",
        encoding="utf-8")
    _forms_csv(root / "raw" / "Mr Okafor voice.csv")
    mapper = column_mapper(root, "raw/Mr Okafor voice.csv", kind="survey")
    proposed = [box.value for box in mapper.items.values() if box.value]
    assert "did_ms_listen" in proposed
    assert not any({"okafor", "vasquez", "thorne"} & set(code.split("_")) for code in proposed)
    assert mapper.name.value == "mr_voice"  # the source's name, printed by check
    assert mapper.options["instrument"].value == "mr_voice"


def _mis_roster() -> str:
    """A roster init --from recognises as one (a dozen pupils, MIS headers)."""
    rows = ["Adno,UPN,Legal Surname,Legal Forename,Year,Gender"]
    people = [("O'Neill", "Zoë"), ("Asante-Darko", "Kwabena"), ("Quarrington", "Philippa")]
    people += [(f"Testsurname{chr(65 + i)}", f"Testforename{chr(65 + i)}") for i in range(9)]
    for i, (sur, fore) in enumerate(people, start=1):
        rows.append(f"{4100 + i:06d},T99900000{i:04d},\"{sur}\",{fore},{7 + i % 2},{'FM'[i % 2]}")
    return "\n".join(rows) + "\n"


def test_init_from_names_no_source_or_instrument_after_a_person_and_prints_no_name(tmp_path,
                                                                                 capsys):
    """Files named after a pupil or a teacher: the source and instrument names, the summary
    printed and the manifest's comments carry no name (the paths keep the files' names)."""
    exports = tmp_path / "Mr Okafor SLC exports"
    exports.mkdir()
    (exports / "roster.csv").write_text(_mis_roster(), encoding="utf-8")
    (exports / "staff.csv").write_text(
        "Staff Code,Forename,Surname\nTOK,Tobenna,Okafor\nHVT,Hedda,Vasquez-Thorne\n",
        encoding="utf-8")
    (exports / "Zoe O'Neill reflections.csv").write_text(
        "Adno,Date,Reflection\n004102,01/10/2025,I planned a lesson today\n"
        "004103,02/10/2025,I asked more questions\n", encoding="utf-8")
    _forms_csv(exports / "Mr Okafor class survey.csv")
    (exports / "Philippa notes.txt").write_text("Notes from the meeting.\n", encoding="utf-8")
    ws = tmp_path / "ws"
    assert main(["init", str(ws), "--from", str(exports)]) == 0
    printed = capsys.readouterr().out
    text = (ws / "enquiry.toml").read_text(encoding="utf-8")
    import tomllib

    manifest = tomllib.loads(text)
    assert "Okafor" not in manifest["title"]  # not taken from the folder's name
    names = " ".join(manifest["sources"]).casefold()
    instruments = " ".join(str(s.get("instrument", "")) for s in manifest["sources"].values())
    for word in ("zoe", "neill", "okafor", "philippa"):
        assert word not in names, word
        assert word not in instruments.casefold(), word
    printed_before_check = printed.split("Checking the workspace")[0]
    assert "[name] reflections.csv -> [sources." in printed_before_check
    for form in ("Zoe", "O'Neill", "Okafor", "Philippa"):
        assert form not in printed_before_check, form
    comments = [line.split("#", 1)[1] for line in text.splitlines() if "#" in line
                and not line.lstrip().startswith(("path", "# path", '"', '# "', "sheet"))]
    for form in ("Zoe", "O'Neill", "Okafor", "Philippa"):
        assert not any(form in c for c in comments), form
    # the paths keep the files' own names, so the sources can be read
    assert "raw/Zoe O'Neill reflections.csv" in text


def test_check_names_a_file_named_after_a_pupil_with_the_name_redacted(tmp_path, capsys):
    """The sources table and the warnings of ``check`` show the file as "raw/[name] ..."."""
    root = write_workspace(tmp_path / "ws")
    (root / "raw" / "reflections.csv").rename(root / "raw" / "Zoe O'Neill reflections.csv")
    manifest = (root / "enquiry.toml").read_text(encoding="utf-8")
    (root / "enquiry.toml").write_text(manifest.replace(
        'path = "raw/reflections.csv"', 'path = "raw/Zoe O\'Neill reflections.csv"'),
        encoding="utf-8")
    for _ in range(2):  # read, then from the cache
        assert main(["check", str(root)]) == 0
        said = capsys.readouterr().out
        assert "raw/[name] reflections.csv" in said
        assert "Zoe" not in said
        assert "O'Neill" not in said


def test_a_title_naming_a_teacher_does_not_hide_the_teacher_from_the_output_check(
        tmp_path, capsys):
    root = write_workspace(tmp_path / "ws")
    manifest = (root / "enquiry.toml").read_text(encoding="utf-8")
    (root / "enquiry.toml").write_text(manifest.replace(
        'title = "Names enquiry"', 'title = "Mr Okafor SLC enquiry"'), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("<h1>Mr Okafor SLC enquiry</h1>", encoding="utf-8")
    assert main(["check-outputs", str(out), "--workspace", str(root)]) == 1
    assert "Oka***" in capsys.readouterr().err


def test_a_list_of_communities_redacts_their_names_and_themes(tmp_path):
    root = write_workspace(tmp_path / "ws")
    (root / "raw" / "communities.csv").write_text(
        "Community,Kind,Theme\nMr Okafor's SLC,slc,Zoe O'Neill's idea: pupils plan starters\n",
        encoding="utf-8")
    (root / "enquiry.toml").write_text((root / "enquiry.toml").read_text(encoding="utf-8") + (
        '\n[sources.communities]\npath = "raw/communities.csv"\nkind = "communities"\n'
        '[sources.communities.columns]\n"Community" = "community"\n"Kind" = "kind"\n'
        '"Theme" = "theme"\n'), encoding="utf-8")
    enq = Enquiry.open(root)
    listed = enq.table("communities")
    row = listed[listed["community"].str.startswith("Mr [name]'s SLC (")]
    assert row["theme"].tolist() == ["[name]'s idea: pupils plan starters"]
    # the list and the membership list name the community alike
    assert row["community"].iloc[0] in set(enq.table("memberships")["community"])
