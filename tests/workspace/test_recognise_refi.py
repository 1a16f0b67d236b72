"""REFI-QDA exports in a folder of exports, as ``init --from`` meets them.

- A ``.qdpx`` unzipped by a double click (Windows and macOS both do it on opening it):
  ``My project/project.qde`` with its texts in ``My project/Sources/<guid>.txt``. The
  texts are the project's, not a folder of documents, and go into the workspace with it.
- A codebook (``.qdc``) saved in UTF-16 with a byte-order mark (an XML file's own
  declaration says so; Windows tools write it when asked for "Unicode").
"""

from __future__ import annotations

from pathlib import Path

from slc_research import Enquiry
from slc_research.workspace.init_from import init_from
from slc_research.workspace.recognise import recognise_file, recognise_folder

CODE = "c0000000-0000-4000-8000-000000000001"
TEXTS = {"50000000-0000-4000-8000-000000000001": "Heard us today. We planned the lesson.",
         "50000000-0000-4000-8000-000000000002": "The second interview.\nMore words here."}


def _unzipped_project(folder: Path) -> None:
    (folder / "pupil voice" / "Sources").mkdir(parents=True)
    sources = "".join(
        f'<TextSource guid="{g}" name="Interview {i}" plainTextPath="internal://{g}.txt">'
        f'<PlainTextSelection guid="{g}" startPosition="0" endPosition="5">'
        f'<Coding guid="{CODE}"><CodeRef targetGUID="{CODE}"/></Coding></PlainTextSelection>'
        "</TextSource>" for i, g in enumerate(TEXTS, start=1))
    (folder / "pupil voice" / "project.qde").write_text(
        '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
        f'name="p" origin="QualCoder 3.6"><CodeBook><Codes><Code guid="{CODE}" name="Heard" '
        f'isCodable="true"/></Codes></CodeBook><Sources>{sources}</Sources></Project>',
        encoding="utf-8")
    for guid, text in TEXTS.items():
        (folder / "pupil voice" / "Sources" / f"{guid}.txt").write_text(text, encoding="utf-8")


def test_an_unzipped_project_is_one_qdpx_source_with_its_texts(tmp_path: Path):
    exports = tmp_path / "exports"
    _unzipped_project(exports)
    got = recognise_folder(exports)
    assert [(p.rel, p.kind) for p in got.placed] == [("pupil voice/project.qde", "qdpx")]
    assert got.unplaced == []
    init_from(tmp_path / "ws", exports)
    for guid in TEXTS:  # copied with the project, where the .qde reads them
        assert (tmp_path / "ws" / "raw" / "pupil voice" / "Sources" / f"{guid}.txt").is_file()
    enq = Enquiry.open(tmp_path / "ws")
    assert sorted(enq.texts["text"]) == sorted(TEXTS.values())
    assert list(enq.codings["code"]) == ["Heard", "Heard"]


def test_a_codebook_saved_as_utf16_is_recognised(tmp_path: Path):
    qdc = tmp_path / "book.qdc"
    qdc.write_bytes(('<?xml version="1.0" encoding="utf-16"?>\n<CodeBook xmlns="urn:QDA-XML:'
                     'codebook:1.0" origin="MAXQDA 2022"><Codes><Code guid="{5215cc69-b628-'
                     '4e02-afb9-9beeaee55808}" name="Voice" isCodable="true"/></Codes>'
                     "</CodeBook>").encode("utf-16"))
    got = recognise_file(qdc, "book.qdc")
    assert (got.kind, got.what) == ("qdpx", "a REFI-QDA codebook")
