"""Issue 17, item 6: REFI-QDA files as the tools really write them, and our own exports.

Two defects of real files:

- NVivo counts ``PlainTextSelection`` positions in UTF-16 code units (an emoji
  counts 2) where the REFI-QDA standard counts Unicode code points (REFI-QDA 1.5,
  section 10.2). The fixture is in the shape of an NVivo for Windows 12.6 export
  (``origin="NVivo for Windows 12.6"``, lower-case guids, ``basePath=""``, a
  ``.docx`` and a ``.txt`` per source in ``sources/``, ``name=""`` on each
  selection, as in the NVivo exports kept by github.com/cproctor/qualitative-coding
  and the NVivo-shaped test of QualCanvas), with emoji and other characters
  outside the Basic Multilingual Plane (𝑥, U+1D465; 𠮷, U+20BB7) before the
  coded words.
- Our exports must be valid against the official schemas, Project.xsd and
  Codebook.xsd (QDA-XML 1.0), shipped in ``tests/data/refi`` with their licence,
  in every case: no texts, no codes, no codings, no coders, and a full project
  with emoji in texts, code names and descriptions.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from slc_research import Enquiry
from slc_research.data.reading.refi_offsets import CODE_POINTS, UTF16
from slc_research.qual import export_qdc, export_qdpx, read_refi

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "refi"

TEXT = ("Interviewer: How did the SLC meeting go? 😀\n"
        "Pupil: Really well 👍🏽 we planned the 𝑥-axis lesson together and the teacher listened.\n"
        "Interviewer: What changed?\n"
        "Pupil: Teachers ask us first now 🎉 and my name 𠮷 was spelt right!")
CODED = {  # code -> the words a coder selected
    "Being heard": "Really well",
    "Planning": "planned the",
    "Lessons": "lesson together",
    "Listening": "listened",
    "Change": "Teachers ask us first now",
    "Respect": "spelt right",
}
SOURCE = "56a79789-d535-4fb8-bedd-a915504c54ba"
USER = "8ca3a2c1-8b7a-41c3-a9dd-a8fb46caa645"


def _code_guid(i: int) -> str:
    return f"3c51efbb-071f-43a7-9f32-{i:012d}"


def _utf16(text: str, i: int) -> int:
    return len(text[:i].encode("utf-16-le")) // 2


def _positions(unit: str) -> dict[str, tuple[int, int]]:
    out = {}
    for code, words in CODED.items():
        start = TEXT.index(words)
        end = start + len(words)
        out[code] = (_utf16(TEXT, start), _utf16(TEXT, end)) if unit == UTF16 else (start, end)
    return out


def _qde(origin: str, unit: str) -> str:
    codes = "".join(f'<Code guid="{_code_guid(i)}" name="{c}" isCodable="true" />'
                    for i, c in enumerate(CODED))
    selections = "".join(
        f'<PlainTextSelection guid="fd960901-8191-4db1-a3dd-{i:012d}" name="" '
        f'startPosition="{s}" endPosition="{e}" creatingUser="{USER}">'
        f'<Coding guid="aa960901-8191-4db1-a3dd-{i:012d}" creatingUser="{USER}">'
        f'<CodeRef targetGUID="{_code_guid(i)}" /></Coding></PlainTextSelection>'
        for i, (s, e) in enumerate(_positions(unit).values()))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Project xmlns:xsd="http://www.w3.org/2001/XMLSchema" name="Pupil voice" '
        f'origin="{origin}" creatingUserGUID="{USER}" creationDateTime="2026-02-21T15:09:07Z" '
        'basePath="" xmlns="urn:QDA-XML:project:1.0">\n'
        f'  <Users><User guid="{USER}" name="Coder" /></Users>\n'
        f"  <CodeBook><Codes>{codes}</Codes></CodeBook>\n"
        f'  <Sources><TextSource guid="{SOURCE}" name="Interview 1" '
        f'richTextPath="internal://{SOURCE}.docx" plainTextPath="internal://{SOURCE}.txt" '
        f'creationDateTime="2026-03-11T16:24:07Z">{selections}</TextSource></Sources>\n'
        "</Project>")


def _qdpx(path: Path, origin: str, unit: str) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", _qde(origin, unit).encode("utf-8"))
        z.writestr(f"sources/{SOURCE}.docx", b"PK not read")
        z.writestr(f"sources/{SOURCE}.txt", TEXT.encode("utf-8"))
    return path


def _words(project) -> dict[str, str]:
    names = {c.guid: c.name for c in project.codes}
    source = project.sources[0]
    return {names[code]: source.text[sel.start:sel.end]
            for sel in source.selections for code, _ in sel.codings}


# -- reading: the unit the producing tool uses ---------------------------------------------


def test_item6_nvivo_offsets_in_utf16_units_point_at_the_coded_words(tmp_path: Path):
    project = read_refi(_qdpx(tmp_path / "nvivo.qdpx", "NVivo for Windows 12.6", UTF16))
    assert project.offset_unit == UTF16
    assert _words(project) == CODED
    assert any("UTF-16 code units" in n and "NVivo" in n for n in project.notes)
    # through a workspace: the codings table holds the same words
    (tmp_path / "ws" / "raw").mkdir(parents=True)
    _qdpx(tmp_path / "ws" / "raw" / "nvivo.qdpx", "NVivo for Windows 12.6", UTF16)
    (tmp_path / "ws" / "enquiry.toml").write_text(
        '[sources.coding]\npath = "raw/nvivo.qdpx"\nkind = "qdpx"\n', encoding="utf-8")
    enq = Enquiry.open(tmp_path / "ws")
    text = enq.texts["text"].iloc[0]
    got = {c: text[s:e] for c, s, e in zip(enq.codings["code"], enq.codings["start"],
                                              enq.codings["end"], strict=True)}
    assert got == CODED
    notes = " ".join(n for h in enq.health for n in h.notes)
    assert "read counting UTF-16 code units (an emoji counts 2)" in notes


def test_item6_offset_unit_of_an_undocumented_tool_is_found_from_word_boundaries(tmp_path: Path):
    for unit in (UTF16, CODE_POINTS):
        project = read_refi(_qdpx(tmp_path / f"{len(unit)}.qdpx",
                                  "MAXQDA 2022 (Release 22.4.0)", unit))
        assert project.offset_unit == unit
        assert _words(project) == CODED
        assert any(f"counting {unit}" in n and "not documented" in n for n in project.notes)


def test_item6_passages_that_contradict_the_tool_are_read_as_they_fit_with_a_note(
        tmp_path: Path):
    project = read_refi(_qdpx(tmp_path / "p.qdpx", "NVivo 14", CODE_POINTS))
    assert project.offset_unit == CODE_POINTS
    assert _words(project) == CODED
    note = next(n for n in project.notes if "NVivo 14" in n)
    assert "which writes UTF-16 code units" in note
    assert "Check a few coded passages" in note


def test_item6_unsure_offset_unit_gets_a_clear_note(tmp_path: Path):
    # "😀 x y": read either way the passage [2, 3) is a whole word or a space: no evidence
    qde = (f'<Project name="p" origin="ATLAS.ti for Windows 23.2.3" '
           f'xmlns="urn:QDA-XML:project:1.0"><Sources><TextSource guid="{SOURCE}" name="t">'
           f"<PlainTextContent>😀 x y</PlainTextContent>"
           f'<PlainTextSelection guid="{USER}" startPosition="2" endPosition="3">'
           f'<Coding guid="{USER}"><CodeRef targetGUID="{_code_guid(0)}"/></Coding>'
           "</PlainTextSelection></TextSource></Sources></Project>")
    path = tmp_path / "p.qde"
    path.write_text(qde, encoding="utf-8")
    project = read_refi(path)
    assert project.offset_unit == CODE_POINTS  # the standard's unit
    assert project.sources[0].selections[0].start == 2
    note = next(n for n in project.notes if "equally well" in n)
    assert "ATLAS.ti" in note
    assert "Check a few coded passages after an emoji" in note


def test_item6_without_characters_outside_the_bmp_no_unit_note(tmp_path: Path):
    qde = _qde("NVivo for Windows 12.6", UTF16)
    plain = TEXT.replace("😀", ":)").replace("👍🏽", "").replace("𝑥", "x").replace(
        "🎉", "").replace("𠮷", "Kim")
    path = tmp_path / "plain.qdpx"
    positions = {c: (plain.index(w), plain.index(w) + len(w)) for c, w in CODED.items()}
    for old, new in zip(_positions(UTF16).values(), positions.values(), strict=True):
        qde = qde.replace(f'startPosition="{old[0]}" endPosition="{old[1]}"',
                          f'startPosition="{new[0]}" endPosition="{new[1]}"')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde)
        z.writestr(f"sources/{SOURCE}.txt", plain.encode("utf-8"))
    project = read_refi(path)
    assert _words(project) == CODED
    assert not any("counting" in n for n in project.notes)


# -- writing: our own exports ---------------------------------------------------------------


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def _assert_valid(schema: etree.XMLSchema, xml: bytes) -> None:
    doc = etree.fromstring(xml)
    assert schema.validate(doc), str(schema.error_log)


def _project_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("project.qde")


EMPTY_TEXTS = pd.DataFrame({c: pd.Series([], dtype="string")
                            for c in ("text_id", "text", "source", "community", "author_type")})
EMPTY_CODINGS = pd.DataFrame({"text_id": pd.Series([], dtype="string"),
                              "coder": pd.Series([], dtype="string"),
                              "code": pd.Series([], dtype="string"),
                              "start": pd.Series([], dtype="Int64"),
                              "end": pd.Series([], dtype="Int64")})
EMPTY_BOOK = pd.DataFrame({c: pd.Series([], dtype="string")
                           for c in ("code", "description", "parent")})


@pytest.mark.parametrize("case", ["nothing", "codes only", "texts only", "texts and codes"])
def test_item6_refi_exports_valid_against_official_xsd_when_parts_are_empty(
        case: str, texts, codebook, tmp_path: Path):
    tables = {"texts": texts if "texts" in case else EMPTY_TEXTS,
              "codebook": codebook if "codes" in case else EMPTY_BOOK,
              "codings": EMPTY_CODINGS}
    result = export_qdpx(tables, tmp_path / "p.qdpx", title="Empty 😀")
    xml = _project_xml(result.path)
    _assert_valid(_schema("Project.xsd"), xml)
    for element, present in (("<Users>", False), ("<CodeBook>", "codes" in case),
                             ("<Sources>", "texts" in case)):
        assert (element in xml.decode("utf-8")) is present
    again = read_refi(result.path)
    assert len(again.sources) == (len(texts) if "texts" in case else 0)
    assert len(again.codes) == (len(codebook) if "codes" in case else 0)


def test_item6_full_export_with_emoji_is_valid_and_counts_code_points(tmp_path: Path):
    texts = pd.DataFrame({
        "text_id": pd.array(["Reflection 𝑥 1", "Interview"], dtype="string"),
        "text": pd.array([TEXT, "Short 🎉 one: we 𠮷 learn"], dtype="string"),
        "date": pd.to_datetime(["2026-02-01", "2026-03-01"]),
        "source": pd.array(["reflection", "interview"], dtype="string"),
        "community": pd.array(["SLC 😀", None], dtype="string"),
        "author_type": pd.array(["pupil", "pupil"], dtype="string"),
    })
    book = pd.DataFrame({"code": pd.array(["Joy 😀", "Being heard"], dtype="string"),
                         "description": pd.array(["Happy 🎉 talk", None], dtype="string"),
                         "parent": pd.array([None, "Joy 😀"], dtype="string")})
    start = TEXT.index("Teachers ask")
    codings = pd.DataFrame({
        "text_id": pd.array(["Reflection 𝑥 1", "Reflection 𝑥 1", "Interview"], dtype="string"),
        "coder": pd.array(["A", "B", "A"], dtype="string"),
        "code": pd.array(["Being heard", "Joy 😀", "Joy 😀"], dtype="string"),
        "start": pd.array([start, start, None], dtype="Int64"),
        "end": pd.array([start + len("Teachers ask us first now"), start + 8, None],
                        dtype="Int64"),
    })
    path = export_qdpx({"texts": texts, "codebook": book, "codings": codings},
                       tmp_path / "full.qdpx").path
    xml = _project_xml(path)
    _assert_valid(_schema("Project.xsd"), xml)
    root = etree.fromstring(xml)
    assert root.get("origin") == "slc-research"
    sel = root.find(".//{urn:QDA-XML:project:1.0}PlainTextSelection")
    assert int(sel.get("startPosition")) == start  # code points, as REFI-QDA 1.5 s. 10.2 says
    project = read_refi(path)
    assert project.offset_unit == CODE_POINTS
    assert not any("counting" in n for n in project.notes)
    reflection = next(s for s in project.sources if s.name == "Reflection 𝑥 1")
    assert sorted(reflection.text[s.start:s.end] for s in reflection.selections) == [
        "Teachers", "Teachers ask us first now"]


def test_item6_codebook_qdc_valid_against_official_xsd_even_when_empty(codebook, tmp_path: Path):
    schema = _schema("Codebook.xsd")
    full = export_qdc(codebook, tmp_path / "full.qdc")
    _assert_valid(schema, full.read_bytes())
    empty = export_qdc(EMPTY_BOOK, tmp_path / "empty.qdc")
    _assert_valid(schema, empty.read_bytes())
    assert read_refi(empty).codes == []  # the placeholder code is read back as no code
    assert sorted(c.name for c in read_refi(full).codes) == sorted(codebook["code"])
    emoji = pd.DataFrame({"code": ["Joy 😀"], "description": ["𠮷 named"], "parent": [None]})
    _assert_valid(schema, export_qdc(emoji, tmp_path / "emoji.qdc").read_bytes())
