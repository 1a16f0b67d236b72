"""REFI-QDA files in the shapes the tools really write, beyond those of ``test_refi_exports``.

Shapes taken from the REFI-QDA 1.5 standard's annexed ATLAS.ti 8.4 project, ATLAS.ti 23
exports (upper-case guids, CR LF line ends in the XML and in the ``Sources/*.TXT`` files,
``<project name>.qde`` rather than ``project.qde``), an NVivo for Mac 15 export
(``sources/`` in lower case, a code name repeated at several levels of the tree) and the
notes of QualCoder's importer on line endings (ATLAS.ti and QualCoder count a CR LF line
break as one character, NVivo as two). Texts are invented.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from slc_research import Enquiry
from slc_research.data.reading.refi_offsets import CODE_POINTS, UTF16
from slc_research.qual import export_qdpx, read_refi

from .test_refi_exports import _words

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "refi"
LINES = ["Interviewer: What did the student council plan this term? 😀",
         "Pupil: We planned the reading buddies scheme with the teachers.",
         "Interviewer: Did they listen?",
         "Pupil: Yes 👍🏽 they listened and changed the homework timetable."]
CRLF_TEXT = "\r\n".join(LINES)
LF_TEXT = "\n".join(LINES)
CODED = {"Planning": "reading buddies scheme", "Being heard": "listened",
         "Change": "homework timetable"}
USER = "088B08AC-D5CD-4ADB-8B71-B4F3459C177F"
SOURCE = "69A4332D-5B31-4915-B520-5275CFC21B40"
TXT = "01106019-2518-43DD-BBD1-8F0252BACB30"


def _code_guid(i: int) -> str:
    return f"A182CD3A-D83C-4D8C-BC80-{i:012d}"


def _position(text: str, i: int, *, utf16: bool) -> int:
    return len(text[:i].encode("utf-16-le")) // 2 if utf16 else i


def _positions(text: str, *, utf16: bool) -> list[tuple[int, int]]:
    """Where each coded passage of ``CODED`` stands in ``text``, counted as a tool counts."""
    out = []
    for words in CODED.values():
        start = text.index(words)
        out.append((_position(text, start, utf16=utf16),
                    _position(text, start + len(words), utf16=utf16)))
    return out


def _qde(origin: str, spans: list[tuple[int, int]]) -> str:
    codes = "".join(f'<Code guid="{_code_guid(i)}" name="{c}" isCodable="true"/>\r\n'
                    for i, c in enumerate(CODED))
    selections = "".join(
        f'<PlainTextSelection guid="4191294A-E287-4510-95B0-{i:012d}" name="q{i}" '
        f'startPosition="{s}" endPosition="{e}" creatingUser="{USER}" '
        f'creationDateTime="2023-08-16T15:20:00Z">\r\n'
        f'<Coding guid="445A6AEC-1400-4502-919D-{i:012d}" creatingUser="{USER}" '
        f'creationDateTime="2023-08-16T15:20:00Z"><CodeRef targetGUID="{_code_guid(i)}"/>'
        "</Coding></PlainTextSelection>\r\n" for i, (s, e) in enumerate(spans))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\r\n'
        '<Project xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'origin="{origin}" name="SLC interviews" creatingUserGUID="{USER}" '
        'creationDateTime="2023-08-16T15:14:29Z" xmlns="urn:QDA-XML:project:1.0">\r\n'
        f'<Users><User guid="{USER}" name="Coder One"/>'
        '<User guid="C32A2BD5-537F-4838-8B17-DF9EFBAFDF4B" name="ATLAS.ti"/></Users>\r\n'
        f"<CodeBook><Codes>\r\n{codes}</Codes></CodeBook>\r\n"
        f'<Sources><TextSource plainTextPath="internal://{TXT}.txt" '
        f'richTextPath="internal://B5566006-EB5F-43F0-9BC2-DBCD4D2F73F7.docx" guid="{SOURCE}" '
        f'name="Interview 1.docx" creationDateTime="2023-08-16T15:14:29Z">\r\n'
        f"{selections}</TextSource></Sources>\r\n</Project>")


def _qdpx(path: Path, origin: str, spans: list[tuple[int, int]], text: str = CRLF_TEXT,
          qde_name: str = "SLC interviews.qde") -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(qde_name, _qde(origin, spans).encode("utf-8"))
        z.writestr(f"Sources/{TXT}.TXT", text.encode("utf-8-sig"))
        z.writestr("Sources/B5566006-EB5F-43F0-9BC2-DBCD4D2F73F7.DOCX", b"PK not read")
    return path


# -- Windows line breaks (CR LF): what each tool counts ------------------------------------


def test_atlas_ti_counts_a_crlf_line_break_as_one_character(tmp_path: Path):
    # ATLAS.ti's positions are those of the text with LF line breaks (code points)
    path = _qdpx(tmp_path / "atlas.qdpx", "ATLAS.ti for Windows 23.2.3.27778",
                 _positions(LF_TEXT, utf16=False))
    project = read_refi(path)
    assert _words(project) == CODED
    assert project.crlf == 1
    assert project.offset_unit == CODE_POINTS
    assert project.sources[0].text == LF_TEXT  # line breaks read as LF, as for documents
    # the tool's way, confirmed by the passages: nothing to say about line breaks
    assert not any("line break" in n for n in project.notes)


def test_nvivo_counts_crlf_as_two_and_emoji_as_two(tmp_path: Path):
    path = _qdpx(tmp_path / "nvivo.qdpx", "NVivo for Windows 14.23",
                 _positions(CRLF_TEXT, utf16=True))
    project = read_refi(path)
    assert _words(project) == CODED
    assert (project.offset_unit, project.crlf) == (UTF16, 2)
    assert "\r" not in project.sources[0].text


@pytest.mark.parametrize("crlf", [1, 2])
def test_line_breaks_of_an_undocumented_tool_are_found_from_word_boundaries(
        tmp_path: Path, crlf: int):
    text = LF_TEXT if crlf == 1 else CRLF_TEXT
    path = _qdpx(tmp_path / "maxqda.qdpx", "MAXQDA 2022 (Release 22.4.0)",
                 _positions(text, utf16=False))
    project = read_refi(path)
    assert _words(project) == CODED
    assert project.crlf == crlf
    note = " ".join(project.notes)
    assert "Windows line breaks (CR LF)" in note
    assert "not documented" in note


def test_line_breaks_that_contradict_the_tool_are_read_as_they_fit_with_a_note(
        tmp_path: Path):
    path = _qdpx(tmp_path / "atlas.qdpx", "ATLAS.ti 24.1", _positions(CRLF_TEXT, utf16=False))
    project = read_refi(path)
    assert _words(project) == CODED
    assert project.crlf == 2
    assert any("ATLAS.ti 24.1" in n and "Check a few coded passages on later lines" in n
               for n in project.notes)


def test_atlas_ti_project_through_a_workspace_and_back_out(tmp_path: Path):
    ws = tmp_path / "ws"
    (ws / "raw").mkdir(parents=True)
    _qdpx(ws / "raw" / "atlas.qdpx", "ATLAS.ti for Windows 23.2.3.27778",
          _positions(LF_TEXT, utf16=False))
    (ws / "enquiry.toml").write_text('[sources.coding]\npath = "raw/atlas.qdpx"\n'
                                     'kind = "qdpx"\n', encoding="utf-8")
    enq = Enquiry.open(ws)
    text = enq.texts["text"].iloc[0]
    got = {c: text[s:e] for c, s, e in zip(enq.codings["code"], enq.codings["start"],
                                              enq.codings["end"], strict=True)}
    assert got == CODED
    out = export_qdpx(enq, tmp_path / "back.qdpx").path
    with zipfile.ZipFile(out) as z:
        xml = z.read("project.qde")
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "Project.xsd")))
    assert schema.validate(etree.fromstring(xml)), str(schema.error_log)
    assert _words(read_refi(out)) == CODED


# -- code names repeated at several levels (NVivo for Mac 15) ------------------------------

MAC_TEXT = "We talked about citizenship online and citizenship in school."
MAC_CODES = """<Code guid="34653336-3766-3235-6466-363134396437" isCodable="true" name="practices">
<Code guid="31643264-6635-3432-3836-626363613437" isCodable="true" name="digital_citizenship">
<Code guid="31383065-3138-3836-6366-613338346466" isCodable="true" name="citizenship"/></Code>
</Code>
<Code guid="30373965-6362-3932-6134-313438383139" isCodable="true" name="rationales">
<Code guid="66306331-6532-6362-3336-653464623632" isCodable="true" name="cs_literacy">
<Code guid="64363034-6561-6439-3039-366635353435" isCodable="true" name="digital_citizenship">
<Code guid="37316239-6336-3761-6432-323335636433" isCodable="true" name="citizenship"/></Code>
</Code></Code>
<Code guid="66636237-3030-3436-3465-316365336134" isCodable="true" name="defining_education">
<Code guid="63356362-6161-3030-6438-313937313262" isCodable="true" name="citizenship"/>
<Code guid="63356362-6161-3030-6438-313937313263" isCodable="true" name="Citizenship"/>
</Code>"""


def _mac_selection(i: int, words: str, start_at: int, code: str) -> str:
    start = MAC_TEXT.index(words, start_at)
    return (f'<PlainTextSelection guid="fd960901-8191-4db1-a3dd-{i:012d}" name="" '
            f'startPosition="{start}" endPosition="{start + len(words)}">'
            f'<Coding guid="aa960901-8191-4db1-a3dd-{i:012d}"><CodeRef targetGUID="{code}"/>'
            "</Coding></PlainTextSelection>")


def test_a_code_name_repeated_at_several_levels_stays_one_code_each(tmp_path: Path):
    source = "d097e6fd-7671-4d95-a8b6-7795fa4a72e1"
    selections = (_mac_selection(0, "citizenship online", 0, "31383065-3138-3836-6366-613338346466")
                  + _mac_selection(1, "citizenship in school", 30,
                                   "37316239-6336-3761-6432-323335636433"))
    qde = ('<?xml version="1.0" encoding="UTF-8" standalone="no" ?><Project basePath="" '
           'name="qc project" origin="NVivo for Mac 15.0.0" xmlns="urn:QDA-XML:project:1.0">'
           '<Users><User guid="1b0b1791-be46-4557-9957-7333544cfaf2" id="CP" name="c"/></Users>'
           f"<CodeBook><Codes>{MAC_CODES}</Codes></CodeBook><Sources>"
           f'<TextSource guid="{source}" name="Reflection 1" plainTextPath="internal://{source}.txt"'
           f' richTextPath="internal://{source}.docx">{selections}</TextSource></Sources></Project>')
    ws = tmp_path / "ws"
    (ws / "raw").mkdir(parents=True)
    with zipfile.ZipFile(ws / "raw" / "mac.qdpx", "w") as z:
        z.writestr("sources/.root", b"")
        z.writestr(f"sources/{source}.txt", MAC_TEXT.encode("utf-8"))
        z.writestr("project.qde", qde.encode("utf-8"))
    (ws / "enquiry.toml").write_text('[sources.coding]\npath = "raw/mac.qdpx"\nkind = "qdpx"\n',
                                     encoding="utf-8")
    enq = Enquiry.open(ws)
    book = enq.codebook.set_index("code")["parent"]
    assert book.index.is_unique
    assert book["practices / digital_citizenship / citizenship"] == "practices / digital_citizenship"
    assert book["cs_literacy / digital_citizenship / citizenship"] == (
        "cs_literacy / digital_citizenship")
    assert book["practices / digital_citizenship"] == "practices"
    assert book["defining_education / citizenship"] == "defining_education"
    assert book["defining_education / Citizenship (2)"] == "defining_education"
    got = {c: MAC_TEXT[s:e] for c, s, e in zip(enq.codings["code"], enq.codings["start"],
                                                  enq.codings["end"], strict=True)}
    assert got == {"practices / digital_citizenship / citizenship": "citizenship online",
                   "cs_literacy / digital_citizenship / citizenship": "citizenship in school"}


# -- zips, guids, namespaces, encodings as found in the wild -------------------------------

CODE = "c0000000-0000-4000-8000-000000000001"
SRC = "50000000-0000-4000-8000-000000000001"
PLAIN = "Heard us today. We planned the lesson together."


def _small_qde(*, code_guid: str = CODE, ref_guid: str = CODE, user_guid: str = USER,
               coding_user: str = USER, xmlns: str = ' xmlns="urn:QDA-XML:project:1.0"',
               source: str = f'plainTextPath="internal://{SRC}.txt"',
               name: str = "Interview 1") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?><Project{xmlns} name="p" '
            f'origin="MAXQDA 2022 (Release 22.4.0)"><Users><User guid="{user_guid}" '
            f'name="Coder One"/></Users><CodeBook><Codes><Code guid="{code_guid}" name="Heard" '
            f'isCodable="true"/></Codes></CodeBook><Sources><TextSource guid="{SRC}" '
            f'name="{name}" {source}><PlainTextSelection guid="{SRC}" startPosition="0" '
            f'endPosition="5"><Coding guid="{CODE}" creatingUser="{coding_user}">'
            f'<CodeRef targetGUID="{ref_guid}"/></Coding></PlainTextSelection></TextSource>'
            "</Sources></Project>")


def _zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    return path


def _coded(project) -> list[tuple[str, str, str | None]]:
    codes = {c.guid: c.name for c in project.codes}
    return [(codes.get(code, "?"), s.text[sel.start:sel.end], project.users.get(user or ""))
            for s in project.sources for sel in s.selections for code, user in sel.codings]


def test_a_qdpx_zipped_again_on_a_mac_is_read(tmp_path: Path):
    # unzipped by a double click, then "Compress": one folder down, with __MACOSX/._ copies
    path = _zip(tmp_path / "again.qdpx", {
        "pupil voice/project.qde": _small_qde(),
        f"pupil voice/Sources/{SRC}.txt": PLAIN,
        "__MACOSX/pupil voice/._project.qde": b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X",
        f"__MACOSX/pupil voice/Sources/._{SRC}.txt": b"\x00\x05\x16\x07",
    })
    assert _coded(read_refi(path)) == [("Heard", "Heard", "Coder One")]


@pytest.mark.parametrize(("code_guid", "coding_user"), [
    ("{C0000000-0000-4000-8000-000000000001}", USER),      # braces and upper case, as allowed
    (CODE.upper(), "{" + USER.lower() + "}"),
])
def test_guids_written_in_another_case_or_with_braces_still_link(
        tmp_path: Path, code_guid: str, coding_user: str):
    path = _zip(tmp_path / "p.qdpx", {
        "project.qde": _small_qde(code_guid=code_guid, coding_user=coding_user),
        f"Sources/{SRC}.txt": PLAIN})
    assert _coded(read_refi(path)) == [("Heard", "Heard", "Coder One")]


def test_a_project_without_the_namespace_is_read_as_the_recogniser_places_it(tmp_path: Path):
    path = _zip(tmp_path / "p.qdpx", {"project.qde": _small_qde(xmlns=""),
                                      f"Sources/{SRC}.txt": PLAIN})
    assert _coded(read_refi(path)) == [("Heard", "Heard", "Coder One")]


def test_a_source_text_saved_as_utf16_with_a_byte_order_mark_is_read(tmp_path: Path):
    path = _zip(tmp_path / "p.qdpx", {"project.qde": _small_qde(),
                                      f"Sources/{SRC}.txt": "\ufeffHeard 😀 us".encode("utf-16-le")})
    project = read_refi(path)
    assert project.sources[0].text == "Heard 😀 us"
    assert _coded(project) == [("Heard", "Heard", "Coder One")]


def test_messages_name_a_source_by_its_place_never_by_its_name_or_path(tmp_path: Path, capsys):
    from slc_research.cli import main

    ws = tmp_path / "ws"
    (ws / "raw").mkdir(parents=True)
    (ws / "raw" / "roster.csv").write_text("UPN,Forename,Surname\nA1,Zebedee,Quartermaine\n",
                                           encoding="utf-8")
    _zip(ws / "raw" / "coding.qdpx", {"project.qde": _small_qde(
        name="Interview with Zebedee Quartermaine",
        source='plainTextPath="absolute:///C:/Users/Zebedee/interview.txt"')})
    (ws / "enquiry.toml").write_text(
        '[sources.roster]\npath = "raw/roster.csv"\nkind = "pupils"\n'
        '[sources.roster.columns]\n"UPN" = "pupil_id"\n"Forename" = "forename"\n'
        '"Surname" = "surname"\n[sources.coding]\npath = "raw/coding.qdpx"\nkind = "qdpx"\n',
        encoding="utf-8")
    assert main(["check", str(ws)]) == 1
    err = capsys.readouterr().err
    assert f"text source 1 of the project (guid {SRC})" in err
    assert "Zebedee" not in err
    assert "absolute://..." in err


def test_a_pdf_is_coded_through_the_plain_text_the_tool_keeps_of_it(tmp_path: Path):
    # ATLAS.ti's shape (REFI-QDA 1.5, annex A.2): a PDFSource with a Representation
    # holding the coded text selections, and PDFSelection areas of a page
    pdf, rep = "03F134F1-AB05-46E6-8702-1D6930D7F7F0", "B09E8D25-66A6-4D7E-A884-3E1A11A40E7C"
    start = PLAIN.index("planned the lesson")
    qde = _small_qde().replace("</Sources>", (
        f'<PDFSource guid="{pdf}" name="Minutes.pdf" path="internal://{pdf}.pdf" '
        'creationDateTime="2024-01-10T09:00:00Z">'
        '<PDFSelection guid="7532038C-670E-471B-AA89-A1098E9A4E33" page="0" firstX="1" '
        f'firstY="1" secondX="9" secondY="9"><Coding guid="{rep}" creatingUser="{USER}">'
        f'<CodeRef targetGUID="{CODE}"/></Coding></PDFSelection>'
        f'<Representation guid="{rep}" plainTextPath="internal://{rep}.txt">'
        f'<PlainTextSelection guid="95916796-D0A0-4B49-80B0-5A5C8B94AE13" '
        f'startPosition="{start}" endPosition="{start + 18}" creatingUser="{USER}">'
        f'<Coding guid="5C931701-6CD4-4A2B-A553-F1DDE2EAC46D"><CodeRef targetGUID="{CODE}"/>'
        "</Coding></PlainTextSelection></Representation></PDFSource></Sources>"))
    path = _zip(tmp_path / "p.qdpx", {"project.qde": qde, f"Sources/{SRC}.txt": PLAIN,
                                      f"Sources/{pdf}.pdf": b"%PDF-1.4",
                                      f"Sources/{rep}.TXT": PLAIN})
    project = read_refi(path)
    assert [s.name for s in project.sources] == ["Interview 1", "Minutes.pdf"]
    assert project.sources[1].created == "2024-01-10T09:00:00Z"
    assert _coded(project) == [("Heard", "Heard", "Coder One"),
                               ("Heard", "planned the lesson", "Coder One")]
    notes = " ".join(project.notes)
    assert "1 PDF source read from the plain text" in notes
    assert "1 coded area of a PDF page" in notes


# -- exporting what was imported -----------------------------------------------------------


def test_a_codebook_read_twice_is_exported_once_with_unique_guids(tmp_path: Path, capsys):
    # the teacher's exports hold the tool's codebook (.qdc) and its project (.qdpx): the
    # workspace's codebook lists each code twice; the tools refuse codes sharing a guid
    from slc_research.cli import main

    ws = tmp_path / "ws"
    (ws / "raw").mkdir(parents=True)
    _zip(ws / "raw" / "coding.qdpx", {"project.qde": _small_qde(), f"Sources/{SRC}.txt": PLAIN})
    (ws / "raw" / "book.qdc").write_text(
        '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" '
        f'origin="MAXQDA 2022"><Codes><Code guid="{CODE}" name="Heard" isCodable="true">'
        "<Description>Pupils say they are listened to</Description></Code>"
        '<Code guid="c0000000-0000-4000-8000-000000000002" name="Planning" isCodable="true"/>'
        "</Codes></CodeBook>", encoding="utf-8")
    (ws / "enquiry.toml").write_text(
        '[sources.coding]\npath = "raw/coding.qdpx"\nkind = "qdpx"\n'
        '[sources.book]\npath = "raw/book.qdc"\nkind = "qdpx"\n', encoding="utf-8")
    assert list(Enquiry.open(ws).codebook["code"]) == ["Heard", "Heard", "Planning"]
    out, book = tmp_path / "out.qdpx", tmp_path / "out.qdc"
    assert main(["qda", "export", str(ws), "--to", str(out), "--codebook", str(book)]) == 0
    assert "Wrote the codebook (2 codes)" in capsys.readouterr().out
    with zipfile.ZipFile(out) as z:
        project = etree.fromstring(z.read("project.qde"))
    codebook = etree.fromstring(book.read_bytes())
    for doc, xsd in ((project, "Project.xsd"), (codebook, "Codebook.xsd")):
        schema = etree.XMLSchema(etree.parse(str(SCHEMAS / xsd)))
        assert schema.validate(doc), str(schema.error_log)
        codes = doc.findall(".//{*}Code")
        assert sorted(c.get("name") for c in codes) == ["Heard", "Planning"]
        assert len({c.get("guid") for c in codes}) == 2
        assert doc.findtext(".//{*}Code[@name='Heard']/{*}Description") == (
            "Pupils say they are listened to")
    assert _coded(read_refi(out)) == [("Heard", "Heard", "A")]


@pytest.mark.parametrize("target", [["--to", "raw/coding.qdpx"], ["--to", "raw/coding"],
                                    ["--codebook", "raw/new.qdc"]])
def test_qda_export_never_writes_over_the_raw_exports(tmp_path: Path, capsys, target):
    from slc_research.cli import main

    ws = tmp_path / "ws"
    (ws / "raw").mkdir(parents=True)
    raw = _zip(ws / "raw" / "coding.qdpx", {"project.qde": _small_qde(),
                                            f"Sources/{SRC}.txt": PLAIN})
    before = raw.read_bytes()
    (ws / "enquiry.toml").write_text('[sources.coding]\npath = "raw/coding.qdpx"\n'
                                     'kind = "qdpx"\n', encoding="utf-8")
    assert main(["qda", "export", str(ws), target[0], str(ws / target[1])]) == 2
    err = capsys.readouterr().err
    assert "raw exports" in err
    assert "never modified" in err
    assert raw.read_bytes() == before
    assert sorted(p.name for p in (ws / "raw").iterdir()) == ["coding.qdpx"]
