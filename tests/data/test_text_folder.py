"""Issue 17 (texts from a folder): one text per .txt/.md/.docx file, redacted at load.

Crafted workspaces in the shapes teachers have: Notepad files saved as UTF-8 with and
without a byte-order mark, "Unicode" (UTF-16) and "ANSI" (Windows-1252); Word documents
with a table (an interview schedule) and an emoji; file names of the shape
``{author}_{date}`` and a list of files with their authors. All names are invented.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import docx
import pandas as pd
import pytest

from slc_research import Enquiry
from slc_research.cli import main
from slc_research.data.loading.text_folder import name_pattern_regex
from slc_research.data.reading.documents import document_files, read_document
from slc_research.errors import ConfigError, DataError
from slc_research.workspace.manifest import read_manifest

ROSTER = ("UPN,Forename,Surname,Email,Date of Birth,Year\n"
          "K100000000002,Chidi,Adebayo,chidi.adebayo@pupils.hillside.sch.uk,30/11/2012,7\n"
          "K100000000003,Amelia,Farrow,,15/06/2011,8\n"
          "K100000000004,Tobias,Quennell,,01/02/2012,8\n")
HEAD = ('title = "Reflections"\n'
        '[sources.roster]\npath = "raw/roster.csv"\nkind = "pupils"\n'
        'columns = { UPN = "pupil_id", Forename = "forename", Surname = "surname", '
        'Email = "email", Year = "year_group" }\n')


def _docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> None:
    document = docx.Document()
    for p in paragraphs[:1]:
        document.add_paragraph(p)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    for p in paragraphs[1:]:
        document.add_paragraph(p)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))


def _workspace(tmp_path: Path, source: str, files: dict[str, bytes | list]) -> Path:
    ws = tmp_path / "ws"
    (ws / "raw").mkdir(parents=True)
    (ws / "raw" / "roster.csv").write_text(ROSTER, encoding="utf-8")
    for name, content in files.items():
        path = ws / "raw" / "reflections" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, list):
            _docx(path, *content)
        else:
            path.write_bytes(content)
    (ws / "enquiry.toml").write_text(HEAD + source, encoding="utf-8")
    return ws


FOLDER = ('[sources.reflections]\npath = "raw/reflections"\nkind = "texts"\n'
          'name_pattern = "{author}_{date}"\nauthors = "pupil"\ntext_source = "reflection"\n')


def _texts(ws: Path) -> pd.DataFrame:
    return Enquiry.open(ws, use_cache=False).tables["texts"].sort_values("date").reset_index(
        drop=True)


def test_folder_reads_one_text_per_file_with_author_date_and_redaction(tmp_path):
    ws = _workspace(tmp_path, FOLDER, {
        "K100000000002_01-03-2026.txt":
            codecs.BOM_UTF8 + "Amelia Farrow helped me 😀\r\nThen Tobias did.".encode(),
        "K100000000003_2026-03-02.md": b"Mail chidi.adebayo@pupils.hillside.sch.uk",
        "K100000000004_03.03.2026.docx": [["Chidi was born 30/11/2012.", "Last line."],
                                          [["Question", "Answer"], ["What helped?", "Amelia"]]],
    })
    texts = _texts(ws)
    assert texts["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-03-01", "2026-03-02",
                                                              "2026-03-03"]
    assert texts["text"].tolist() == [
        "[name] helped me 😀\nThen [name] did.",
        "Mail [email]",
        "[name] was born [date of birth].\nQuestion | Answer\nWhat helped? | [name]\nLast line.",
    ]
    assert texts["author_id"].str.startswith("P-").all()
    assert texts["author_id"].nunique() == 3
    assert set(texts["author_type"]) == {"pupil"}
    assert set(texts["source"]) == {"reflection"}
    assert texts["text_id"].is_unique
    assert texts["text_id"].str.startswith("T-").all()
    # the same ids on every read, whatever is added to the folder
    first = dict(zip(texts["date"], texts["text_id"], strict=True))
    (ws / "raw" / "reflections" / "K100000000002_04-03-2026.txt").write_text("More.")
    again = _texts(ws)
    assert len(again) == 4
    assert all(first[d] == i for d, i in zip(again["date"], again["text_id"], strict=True)
               if d in first)


@pytest.mark.parametrize(("raw", "encoding"), [
    ("Café – Zoë said ‘yes’".encode(), "utf-8"),
    (codecs.BOM_UTF8 + "Café – Zoë said ‘yes’".encode(), "utf-8"),
    ("Café – Zoë said ‘yes’".encode("utf-16"), "utf-16"),            # Notepad "Unicode"
    ("Café – Zoë said ‘yes’".encode("utf-16-le"), "utf-16"),         # no byte-order mark
    ("Café – Zoë said ‘yes’".encode("cp1252"), "cp1252"),            # Notepad "ANSI"
])
def test_encodings_utf8_bom_utf16_and_cp1252(tmp_path, raw, encoding):
    path = tmp_path / "a.txt"
    path.write_bytes(raw)
    doc = read_document(path, "raw/reflections/a.txt")
    assert doc.text == "Café – Zoë said ‘yes’"
    assert doc.encoding == encoding


def test_cp1252_file_gets_a_note_and_other_kinds_are_listed(tmp_path):
    ws = _workspace(tmp_path, FOLDER, {
        "K100000000002_01-03-2026.txt": "Café".encode("cp1252"),
        "K100000000003_02-03-2026.pdf": b"%PDF-1.4",
        "~$K100000000003_02-03-2026.docx": b"lock",
    })
    enq = Enquiry.open(ws, use_cache=False)
    assert enq.tables["texts"]["text"].tolist() == ["Café"]
    notes = next(h.notes for h in enq.health if h.source == "reflections")
    assert any("Windows-1252" in n for n in notes)
    assert any("1 file of other kinds (.pdf)" in n for n in notes)


def test_pattern_path_and_authors_file(tmp_path):
    source = ('[sources.reflections]\npath = "raw/reflections/*.docx"\nkind = "texts"\n'
              'authors_file = "raw/reflections/who wrote what.csv"\nauthors = "pupil"\n')
    ws = _workspace(tmp_path, source, {
        "week 1 - a.docx": [["First."]],
        "week 1 - b.docx": [["Second."]],
        "week 2 - a.docx": [["Third."]],
        "ignored.txt": b"not in the pattern",
        "who wrote what.csv": (b"File,Author ID,Date,Wave,Author type\n"
                               b"week 1 - a.docx,K100000000002,06/03/2026,1,\n"
                               b"week 1 - b,K100000000003,06/03/2026,1,staff\n"),
    })
    texts = Enquiry.open(ws, use_cache=False).tables["texts"].sort_values("text")
    assert texts["text"].tolist() == ["First.", "Second.", "Third."]
    assert texts["wave"].tolist() == [1, 1, pd.NA]
    assert texts["author_type"].astype(str).tolist() == ["pupil", "staff", "pupil"]
    assert texts["author_id"].str[:2].fillna("-").tolist() == ["P-", "S-", "-"]
    notes = next(h.notes for h in Enquiry.open(ws).health if h.source == "reflections")
    assert any("1 file not listed in raw/reflections/who wrote what.csv" in n for n in notes)


def test_name_not_matching_the_pattern_names_the_file_never_the_name(tmp_path):
    ws = _workspace(tmp_path, FOLDER, {
        "K100000000002_01-03-2026.txt": b"Fine.",
        "Amelia Farrow reflection.txt": b"No date in my name.",
        "K100000000003_31-02-2026.txt": b"No such day.",
    })
    with pytest.raises(DataError) as err:
        Enquiry.open(ws, use_cache=False)
    message = str(err.value)
    assert "raw/reflections/[name] reflection.txt" in message
    assert 'name_pattern = "{author}_{date}"' in message
    # a real id in a file name is redacted too: the message never echoes it
    assert "raw/reflections/[id]_31-02-2026.txt, column 'the date in its name'" in message
    assert "date_format" in message
    assert "Amelia" not in message
    assert "Farrow" not in message
    assert "K100000000003" not in message


def test_folder_with_no_documents_and_bad_pattern_are_config_errors(tmp_path):
    ws = _workspace(tmp_path, FOLDER, {"notes.pdf": b"%PDF"})
    with pytest.raises(ConfigError, match="holds no .txt, .md or .docx file"):
        read_manifest(ws)
    with pytest.raises(ConfigError, match=r"'\{pupil\}' is not a part"):
        name_pattern_regex("{pupil}_{date}")
    assert name_pattern_regex("W{wave} {author}").fullmatch("w2 4821").groupdict() == {
        "wave": "2", "author": "4821"}


def test_withdrawn_authors_texts_left_out_and_cache_sees_new_files(tmp_path):
    ws = _workspace(tmp_path, FOLDER, {"K100000000002_01-03-2026.txt": b"One.",
                                       "K100000000003_02-03-2026.txt": b"Two."})
    assert len(Enquiry.open(ws).tables["texts"]) == 2
    (ws / "private").mkdir(exist_ok=True)
    (ws / "private" / "consent.csv").write_text("id,type,status\nK100000000003,pupil,withdrawn\n",
                                                encoding="utf-8")
    enq = Enquiry.open(ws)
    assert enq.tables["texts"]["text"].tolist() == ["One."]
    notes = next(h.notes for h in enq.health if h.source == "reflections")
    assert "1 text of withdrawn people left out." in notes
    (ws / "private" / "consent.csv").unlink()
    assert len(Enquiry.open(ws).tables["texts"]) == 2
    (ws / "raw" / "reflections" / "K100000000004_03-03-2026.txt").write_text("Three.")
    assert len(Enquiry.open(ws).tables["texts"]) == 3  # the cache key covers the folder
    (ws / "raw" / "reflections" / "K100000000004_03-03-2026.txt").write_text("Changed.")
    assert "Changed." in Enquiry.open(ws).tables["texts"]["text"].tolist()


def test_item_anonymous_authors_accepted_by_manifest_and_loader(tmp_path, capsys):
    ws = _workspace(tmp_path, '[sources.reflections]\npath = "raw/reflections"\n'
                    'kind = "texts"\nauthors = "anonymous"\n',
                    {"one.txt": b"Anonymous thoughts.", "two.docx": [["More."]]})
    assert read_manifest(ws).sources["reflections"].options["authors"] == "anonymous"
    texts = Enquiry.open(ws, use_cache=False).tables["texts"]
    assert set(texts["author_type"].astype(str)) == {"anonymous"}
    assert texts["author_id"].isna().all()
    assert main(["check", str(ws)]) == 0


def test_document_files_natural_order_and_subfolders(tmp_path):
    for name in ("r10.txt", "r2.txt", "sub/r1.md", ".hidden.txt", "r3.doc"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in document_files(tmp_path)] == [
        "r2.txt", "r10.txt", "sub/r1.md"]
    assert [p.name for p in document_files(tmp_path / "*.txt")] == ["r2.txt", "r10.txt"]


def test_anonymous_authors_in_a_table_of_texts_and_a_qda_project_agree_with_the_loader(
        tmp_path):
    ws = _workspace(tmp_path, '[sources.comments]\npath = "raw/comments.csv"\nkind = "texts"\n'
                    'authors = "anonymous"\ntext_source = "open_answer"\n'
                    'columns = { Comment = "text" }\n', {})
    (ws / "raw" / "comments.csv").write_text("Comment\nMore trips please.\nAmelia helped.\n",
                                             encoding="utf-8")
    spec = read_manifest(ws).sources["comments"]
    assert spec.options["authors"] == "anonymous"
    texts = Enquiry.open(ws, use_cache=False).tables["texts"]
    assert texts["text"].tolist() == ["More trips please.", "[name] helped."]
    assert set(texts["author_type"].astype(str)) == {"anonymous"}
    (ws / "enquiry.toml").write_text(HEAD + '[sources.comments]\npath = "raw/comments.csv"'
                                     '\nkind = "texts"\nauthors = "governor"\n')
    with pytest.raises(ConfigError, match="expected one of pupil, staff, parent, anonymous, "
                                          "found 'governor'"):
        read_manifest(ws)


def test_docx_content_controls_of_a_template_are_read_in_order(tmp_path):
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    document.add_paragraph("What went well this week?")
    document.element.body.insert(1, parse_xml(
        f'<w:sdt {nsdecls("w")}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>I asked two '
        'questions in science.</w:t></w:r></w:p></w:sdtContent></w:sdt>'))
    document.add_paragraph("Next step: answer in full sentences.")
    path = tmp_path / "template.docx"
    document.save(str(path))
    assert read_document(path, "raw/reflections/template.docx").text == (
        "What went well this week?\nI asked two questions in science.\n"
        "Next step: answer in full sentences.")
    (tmp_path / "old.docx").write_bytes(b"\xd0\xcf\x11\xe0 an old .doc renamed")
    with pytest.raises(DataError, match="cannot be opened as one"):
        read_document(tmp_path / "old.docx", "raw/reflections/old.docx")


def test_a_link_to_a_file_outside_the_folder_is_not_read(tmp_path):
    (tmp_path / "secret.txt").write_text("not a reflection")
    folder = tmp_path / "reflections"
    folder.mkdir()
    (folder / "a.txt").write_text("Mine.")
    (folder / "b.txt").symlink_to(tmp_path / "secret.txt")
    assert [p.name for p in document_files(folder)] == ["a.txt"]
