"""REFI-QDA import (a ``kind = "qdpx"`` source) and export (.qdpx, .qdc).

The fixture project is written here in the shape QualCoder and NVivo export
(REFI-QDA 1.0, March 2019 schema): ``project.qde`` with Users, a nested
codebook, text sources in ``Sources/`` and inline, coded selections with
``creatingUser`` on the selection and on the coding. Positions are Unicode code
points from 0, end exclusive (the REFI-QDA text-selection rule; QualCoder writes
its Python string offsets unchanged): the text has accented letters and emoji
(one code point, two UTF-16 units) so counting UTF-16 units or bytes would
give other excerpts.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from slc_research import Enquiry
from slc_research.cli import main
from slc_research.errors import ConfigError, DataError
from slc_research.privacy.redaction import redact_names, redact_with_offsets
from slc_research.qual import code_frequencies, coder_agreement, export_qdc, export_qdpx, read_refi

TEXT = ("Café talk 😀 with Zebedee Quartermaine: Zebedee's idea was naïve 👍🏽 but it "
        "worked!\nThanks, Zoë 🎉")
INLINE = "Bonjour! Ça va? Très bien 😀"
U1, U2 = "5C94BC9E-DB8C-4F1D-9CD6-E900C7440860", "0B6B5E39-1F41-4C5A-9B0E-3C3A2A1D9F01"
CODES = {  # guid -> name, as in the codebook below
    "c-voice": "Pupil voice", "c-listened": "Being listened to", "c-acted": "Acted on",
    "c-themes": "Themes", "c-other1": "Other", "c-feel": "Feelings", "c-other2": "Other",
    "c-joy": "Joy 😀", "c-drama": "Théâtre & drama",
}


def _sel(guid: str, start: int, end: int, user: str, *codes: str) -> str:
    codings = "".join(
        f'<Coding guid="{guid}-{c}" creatingUser="{user}" creationDateTime="2026-03-02T10:15:00Z">'
        f'<CodeRef targetGUID="{c}"/></Coding>' for c in codes)
    return (f'<PlainTextSelection guid="{guid}" name="{TEXT[start:end]}" startPosition="{start}" '
            f'endPosition="{end}" creatingUser="{user}" creationDateTime="2026-03-02T10:15:00Z">'
            f"{codings}</PlainTextSelection>")


QDE = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
 name="Voices coding" origin="QualCoder 3.6" creatingUserGUID="{U1}"
 creationDateTime="2026-03-01T09:00:00Z"
 xsi:schemaLocation="urn:QDA-XML:project:1.0 http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd">
<Users><User guid="{U1}" name="Jo Bloggs"/><User guid="{U2}" name="Sam Smith"/></Users>
<CodeBook><Codes>
 <Code guid="c-voice" name="Pupil voice" isCodable="true" color="#EB7777">
  <Description>Pupils' views heard</Description>
  <Code guid="c-listened" name="Being listened to" isCodable="true">
   <Code guid="c-acted" name="Acted on" isCodable="true"/>
  </Code>
 </Code>
 <Code guid="c-themes" name="Themes" isCodable="false"><Code guid="c-other1" name="Other" isCodable="true"/></Code>
 <Code guid="c-feel" name="Feelings" isCodable="true">
  <Code guid="c-other2" name="Other" isCodable="true"/><Code guid="c-joy" name="Joy 😀" isCodable="true"/>
 </Code>
 <Code guid="c-drama" name="Théâtre &amp; drama" isCodable="true" color="#7777EB"/>
</Codes></CodeBook>
<Sources>
 <TextSource guid="s-1" name="Interview with Zebedee" plainTextPath="internal://s-1.txt"
  creatingUser="{U1}" creationDateTime="2026-02-10T09:00:00Z">
  {_sel("p-1", 5, 11, U1, "c-listened")}
  {_sel("p-2", 17, 37, U1, "c-voice")}
  {_sel("p-3", 49, 66, U1, "c-other2", "c-joy")}
  {_sel("p-4", 41, 53, U1, "c-acted")}
  {_sel("p-5", 90, 95, U2, "c-drama")}
 </TextSource>
 <TextSource guid="s-2" name="Bonjour" creatingUser="{U2}" creationDateTime="2026-02-11T09:00:00Z">
  <PlainTextContent>{INLINE}</PlainTextContent>
  <PlainTextSelection guid="p-6" name="all" startPosition="0" endPosition="{len(INLINE)}" creatingUser="{U1}">
   <Coding guid="p-6-c" creatingUser="{U1}"><CodeRef targetGUID="c-voice"/></Coding>
  </PlainTextSelection>
  <Coding guid="s-2-c" creatingUser="{U2}"><CodeRef targetGUID="c-other1"/></Coding>
 </TextSource>
 <TextSource guid="s-3" name="Interview with Zebedee" plainTextPath="internal://s-3.txt"/>
 <PDFSource guid="s-4" name="Minutes.pdf" path="internal://s-4.pdf"/>
</Sources>
</Project>
"""

MANIFEST = """
title = "REFI import"
[sources.roster]
path = "raw/roster.csv"
kind = "pupils"
[sources.roster.columns]
"UPN" = "pupil_id"
"Forename" = "forename"
"Surname" = "surname"

[sources.coding]
path = "raw/voices.qdpx"
kind = "qdpx"
authors = "pupil"
text_source = "interview"
community = "Northfield SLC"
"""


def _workspace(root: Path, qde: str = QDE, extra: str = "", folder: str = "Sources") -> Path:
    (root / "raw").mkdir(parents=True)
    (root / "raw" / "roster.csv").write_text("UPN,Forename,Surname\nA1,Zebedee,Quartermaine\n")
    with zipfile.ZipFile(root / "raw" / "voices.qdpx", "w") as z:
        z.writestr("project.qde", qde.encode("utf-8"))
        z.writestr(f"{folder}/s-1.txt", TEXT.encode("utf-8"))
        z.writestr(f"{folder}/s-3.txt", "\ufeffA second interview.".encode())
    (root / "enquiry.toml").write_text(MANIFEST + extra, encoding="utf-8")
    return root


def _excerpts(enq) -> pd.DataFrame:
    text = dict(zip(enq.texts["text_id"], enq.texts["text"], strict=True))
    c = enq.codings.copy()
    c["excerpt"] = [text[t][(0 if pd.isna(s) else s):(len(text[t]) if pd.isna(e) else e)]
                    for t, s, e in zip(c["text_id"], c["start"], c["end"], strict=True)]
    return c.sort_values(["text_id", "coder", "code", "start"]).reset_index(drop=True)


@pytest.fixture
def imported(tmp_path: Path):
    return Enquiry.open(_workspace(tmp_path / "ws"))


def test_texts_are_redacted_and_described(imported):
    texts = imported.texts.set_index("text_id")
    assert list(texts.index) == ["Interview with [name]", "Bonjour", "Interview with [name] (2)"]
    assert texts.loc["Interview with [name]", "text"] == (
        "Café talk 😀 with [name]: [name]'s idea was naïve 👍🏽 but it worked!\nThanks, Zoë 🎉")
    assert texts.loc["Interview with [name] (2)", "text"] == "A second interview."  # BOM dropped
    assert texts.loc["Bonjour", "text"] == INLINE
    assert set(texts["author_type"].astype(str)) == {"pupil"}
    assert texts["author_id"].isna().all()
    assert set(texts["source"]) == {"interview"}
    assert set(texts["community"]) == {"Northfield SLC"}
    assert texts.loc["Bonjour", "date"] == pd.Timestamp("2026-02-11")
    assert pd.isna(texts.loc["Interview with [name] (2)", "date"])


def test_codings_keep_their_words_through_redaction(imported):
    got = _excerpts(imported)[["text_id", "coder", "code", "excerpt"]]
    iv = "Interview with [name]"
    expected = pd.DataFrame([
        ("Bonjour", "A", "Pupil voice", INLINE),
        ("Bonjour", "B", "Themes / Other", INLINE),
        (iv, "A", "Acted on", "[name]'s idea"),   # began inside "Zebedee's"
        (iv, "A", "Being listened to", "talk 😀"),
        (iv, "A", "Feelings / Other", "idea was naïve 👍🏽"),
        (iv, "A", "Joy 😀", "idea was naïve 👍🏽"),
        (iv, "A", "Pupil voice", "[name]"),        # "Zebedee Quartermaine"
        (iv, "B", "Théâtre & drama", "Zoë 🎉"),    # the very end of the text
    ], columns=["text_id", "coder", "code", "excerpt"])
    got = got.sort_values(["text_id", "coder", "code"])
    assert list(got.itertuples(index=False, name=None)) == list(
        expected.itertuples(index=False, name=None))


def test_offsets_are_code_points_and_the_end_is_exclusive(imported):
    text = imported.texts.set_index("text_id")["text"]["Interview with [name]"]
    row = imported.codings[imported.codings["code"] == "Théâtre & drama"].iloc[0]
    assert (row["start"], row["end"]) == (len(text) - 5, len(text))
    # counted in UTF-16 units (as .NET or Java do) the passage would end 4 later
    assert len(TEXT.encode("utf-16-le")) // 2 == len(TEXT) + 4


def test_whole_text_passages_have_no_offsets(imported):
    whole = imported.codings[imported.codings["text_id"] == "Bonjour"]
    assert whole["start"].isna().all()
    assert whole["end"].isna().all()


def test_codebook_keeps_nesting_and_renames_repeated_names(imported):
    book = imported.codebook.set_index("code")
    assert book.loc["Acted on", "parent"] == "Being listened to"
    assert book.loc["Being listened to", "parent"] == "Pupil voice"
    assert book.loc["Feelings / Other", "parent"] == "Feelings"
    assert book.loc["Themes / Other", "parent"] == "Themes"
    assert pd.isna(book.loc["Pupil voice", "parent"])
    assert book.loc["Pupil voice", "description"] == "Pupils' views heard"
    assert len(book) == len(CODES)


def test_health_notes_say_what_was_skipped(imported):
    notes = " ".join(imported.health[-1].notes)
    assert "1 PDF source skipped" in notes
    assert "2 codes sharing a name" in notes
    assert "2 passages covering a whole text" in notes


def test_coders_can_keep_the_user_names(tmp_path: Path):
    enq = Enquiry.open(_workspace(tmp_path / "ws", extra='coders = "names"\n'))
    assert set(enq.codings["coder"]) == {"Jo Bloggs", "Sam Smith"}


def test_lowercase_sources_folder_and_bare_qde(tmp_path: Path):
    root = _workspace(tmp_path / "ws", folder="sources")  # MAXQDA writes "sources"
    assert len(Enquiry.open(root).codings) == 8
    bare = tmp_path / "bare"
    (bare / "Sources").mkdir(parents=True)
    (bare / "project.qde").write_text(QDE, encoding="utf-8")
    (bare / "Sources" / "s-1.txt").write_text(TEXT, encoding="utf-8")
    (bare / "Sources" / "s-3.txt").write_text("x", encoding="utf-8")
    assert len(read_refi(bare / "project.qde").sources) == 3


def test_a_project_without_users_has_one_coder(tmp_path: Path):
    start, end = QDE.index("<Users>"), QDE.index("</Users>") + len("</Users>")
    enq = Enquiry.open(_workspace(tmp_path / "ws", qde=QDE[:start] + QDE[end:]))
    assert set(enq.codings["coder"]) == {"A"}


def test_voices_functions_work_on_imported_codings(imported):
    freq = code_frequencies(imported.texts, imported.codings, codebook=imported.codebook)
    assert len(freq) > 0
    agreement = coder_agreement(imported.texts, imported.codings, n_resamples=50)
    assert agreement.attrs["coders"] == ("A", "B")
    assert agreement.attrs["n_texts"] == 2


def test_redaction_offsets_give_the_same_text_as_redact_names():
    names = ["Zebedee Quartermaine", "Amy-Jo Abernethy-Clark", "Li"]
    texts = ["Amy-Jo's mum met Zebedee  Quartermaine and LI.", "Abernethy said no", "",
             "No names here 😀", "zebedee’s zebedee Zebedeex"]
    for text in texts:
        red = redact_with_offsets(text, names)
        assert red.text == redact_names(pd.Series([text]), names)[0]
    red = redact_with_offsets("I told Zebedee that Li was right", names)
    assert red.text == "I told [name] that [name] was right"
    start, end = red.offsets(20, 32)   # "Li was right"
    assert red.text[start:end] == "[name] was right"
    start, end = red.offsets(0, 6)     # "I told": before any name, unchanged
    assert (start, end) == (0, 6)


def test_passage_past_the_text_is_reported(tmp_path: Path):
    bad = QDE.replace('startPosition="90" endPosition="95"', 'startPosition="90" endPosition="99"')
    with pytest.raises(DataError, match=r"voices\.qdpx.*points past its text"):
        Enquiry.open(_workspace(tmp_path / "ws", qde=bad))


def test_missing_source_file_is_reported(tmp_path: Path):
    bad = QDE.replace("internal://s-3.txt", "internal://gone.txt")
    with pytest.raises(DataError, match=r"internal://gone\.txt.*Sources folder"):
        Enquiry.open(_workspace(tmp_path / "ws", qde=bad))


def test_not_a_refi_file_is_reported(tmp_path: Path):
    path = tmp_path / "notes.qde"
    path.write_text("<html><body>hello</body></html>", encoding="utf-8")
    with pytest.raises(DataError, match="REFI-QDA project"):
        read_refi(path)
    path.write_text("<Project", encoding="utf-8")
    with pytest.raises(DataError, match="well-formed REFI-QDA XML"):
        read_refi(path)


def test_unknown_coders_option_is_a_config_error(tmp_path: Path):
    with pytest.raises(ConfigError, match='"letters"'):
        Enquiry.open(_workspace(tmp_path / "ws", extra='coders = "initials"\n'))


# -- export -------------------------------------------------------------------------------


def test_export_then_import_gives_the_same_codings(imported, tmp_path: Path):
    target = tmp_path / "fresh"
    (target / "raw").mkdir(parents=True)
    result = export_qdpx(imported, target / "raw" / "back.qdpx")
    assert (result.n_texts, result.n_codings, result.n_left_out) == (3, 8, 0)
    (target / "enquiry.toml").write_text('[sources.back]\npath = "raw/back.qdpx"\n'
                                         'kind = "qdpx"\ncoders = "names"\n', encoding="utf-8")
    again = Enquiry.open(target)
    cols = ["text_id", "coder", "code", "start", "end", "excerpt"]
    pd.testing.assert_frame_equal(_excerpts(again)[cols], _excerpts(imported)[cols])
    pd.testing.assert_frame_equal(again.codebook.sort_values("code").reset_index(drop=True),
                                  imported.codebook.sort_values("code").reset_index(drop=True))


@pytest.mark.xdist_group("demo")
def test_demo_round_trip_is_exact(demo_enquiry, tmp_path: Path):
    (tmp_path / "raw").mkdir()
    result = export_qdpx(demo_enquiry, tmp_path / "raw" / "demo.qdpx")
    assert result.n_codings == len(demo_enquiry.codings) - result.n_left_out
    (tmp_path / "enquiry.toml").write_text('[sources.demo]\npath = "raw/demo.qdpx"\n'
                                           'kind = "qdpx"\ncoders = "names"\n', encoding="utf-8")
    again = Enquiry.open(tmp_path)
    kept = demo_enquiry.codings["text_id"].isin(demo_enquiry.texts["text_id"])
    before = demo_enquiry.codings[kept.to_numpy(dtype=bool)]
    cols = ["text_id", "coder", "code", "start", "end", "excerpt"]
    original = _excerpts(type("T", (), {"texts": demo_enquiry.texts, "codings": before})())
    pd.testing.assert_frame_equal(_excerpts(again)[cols], original[cols])
    texts = again.texts.set_index("text_id")["text"]
    assert texts.equals(demo_enquiry.texts.set_index("text_id")["text"].loc[texts.index])


def test_export_is_byte_for_byte_reproducible(imported, tmp_path: Path):
    one = export_qdpx(imported, tmp_path / "one.qdpx").path.read_bytes()
    two = export_qdpx(imported, tmp_path / "two").path.read_bytes()
    assert one == two


def test_exported_project_has_the_refi_structure(imported, tmp_path: Path):
    path = export_qdpx(imported, tmp_path / "p.qdpx").path
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        qde = z.read("project.qde").decode("utf-8")
    assert names[0] == "project.qde"
    assert all(n.startswith("Sources/") for n in names[1:])
    assert 'xmlns="urn:QDA-XML:project:1.0"' in qde
    assert qde.index("<Users>") < qde.index("<CodeBook>") < qde.index("<Sources>")
    assert 'plainTextPath="internal://' in qde
    assert "&amp; drama" in qde
    project = read_refi(path)
    assert [u for u in project.users.values()] == ["A", "B"]
    nested = {c.name: c.parent for c in project.codes}
    guid = {c.guid: c.name for c in project.codes}
    assert guid[nested["Acted on"]] == "Being listened to"


def test_codebook_alone_as_qdc(imported, tmp_path: Path):
    path = export_qdc(imported.codebook, tmp_path / "book")
    assert path.suffix == ".qdc"
    assert 'xmlns="urn:QDA-XML:codebook:1.0"' in path.read_text(encoding="utf-8")
    codes = read_refi(path).codes
    names = {c.guid: c.name for c in codes}
    back = {(c.name, names.get(c.parent, "")) for c in codes}
    book = imported.codebook
    assert back == {(c, "" if pd.isna(p) else p)
                    for c, p in zip(book["code"], book["parent"], strict=True)}
    ws = tmp_path / "qdc"  # a .qdc as a source: the codebook alone
    (ws / "raw").mkdir(parents=True)
    path.replace(ws / "raw" / "book.qdc")
    (ws / "enquiry.toml").write_text('[sources.book]\npath = "raw/book.qdc"\nkind = "qdpx"\n',
                                     encoding="utf-8")
    again = Enquiry.open(ws)
    assert sorted(again.codebook["code"]) == sorted(book["code"])
    assert again.codings.empty


def test_cli_writes_both_files(imported, tmp_path: Path, capsys):
    status = main(["qda", "export", str(imported.root), "--to", str(tmp_path / "x.qdpx"),
                   "--codebook", str(tmp_path / "x.qdc")])
    assert status == 0
    assert (tmp_path / "x.qdpx").is_file()
    assert (tmp_path / "x.qdc").is_file()
    assert "8 codings" in capsys.readouterr().out
    assert main(["qda", "export", str(imported.root)]) == 2
