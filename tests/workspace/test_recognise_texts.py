"""Issue 17 (texts from a folder): the recogniser places a folder of documents as one source."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from slc_research import Enquiry
from slc_research.cli import main
from slc_research.workspace.recognise import recognise_folder

SCHOOL = Path(__file__).parents[1] / "data" / "exports" / "school"
FOLDER = SCHOOL / "weekly reflections"


def test_folder_of_reflections_is_one_texts_source_with_its_name_pattern():
    got = recognise_folder(SCHOOL)
    placed = {p.rel: p for p in got.placed}
    p = placed["weekly reflections"]
    assert p.kind == "texts"
    assert p.table == {"kind": "texts", "text_source": "reflection",
                       "name_pattern": "{author}_{date}", "authors": "pupil"}
    assert p.checks["name_pattern"] == ("7 of 7 file names have this shape; 100% of the ids "
                                        "in them are on the roster ('Adno')")
    assert "a folder of 7 documents (.docx, .md, .txt)" in p.checks["kind"]
    # none of its files is listed on its own, placed or not
    assert not [r for r in (*placed, *(u.rel for u in got.unplaced))
                if r.startswith("weekly reflections/")]


def test_folder_without_a_name_shape_is_anonymous_and_an_authors_list_is_used(tmp_path):
    exports = tmp_path / "exports"
    shutil.copytree(FOLDER, exports / "interviews")
    for i, f in enumerate(sorted((exports / "interviews").iterdir())):
        f.rename(f.with_name(f"transcript {'abc'[i % 3]}{i}{f.suffix}"))
    got = recognise_folder(exports)
    (p,) = got.placed
    assert p.table["authors"] == "anonymous"
    assert p.table["text_source"] == "interview"
    assert "name_pattern" not in p.table
    assert "the file names do not say who wrote each text" in p.checks["authors"]
    (exports / "interviews" / "authors.csv").write_text(
        "File,Author ID,Date\ntranscript a0.txt,004101,07/10/2025\n", encoding="utf-8")
    (p,) = recognise_folder(exports).placed
    assert p.table["authors_file"] == "interviews/authors.csv"
    assert p.table["authors"] == "pupil"


def test_init_from_writes_a_folder_source_that_check_reads(tmp_path, capsys):
    exports = tmp_path / "exports"
    exports.mkdir()
    shutil.copyfile(SCHOOL / "roster.csv", exports / "roster.csv")
    shutil.copytree(FOLDER, exports / "weekly reflections")
    ws = tmp_path / "ws"
    assert main(["init", str(ws), "--from", str(exports)]) == 0
    source = tomllib.loads((ws / "enquiry.toml").read_text(encoding="utf-8"))["sources"][
        "weekly_reflections"]
    assert source["path"] == "raw/weekly reflections"
    assert sorted(f.name for f in (ws / "raw" / "weekly reflections").iterdir()) == sorted(
        f.name for f in FOLDER.iterdir())
    texts = Enquiry.open(ws).tables["texts"]
    assert len(texts) == 7
    assert texts["author_id"].str.startswith("P-").all()
    assert texts["date"].min().strftime("%Y-%m-%d") == "2025-10-07"
    assert "😀" in texts["text"].str.cat()
    assert not texts["text"].str.contains("Fakename|Ada|Bo ").any()
    assert main(["check", str(ws)]) == 0


def test_a_folder_of_only_documents_given_to_init_is_one_texts_source(tmp_path):
    exports = tmp_path / "interview transcripts"
    shutil.copytree(FOLDER, exports)
    shutil.copyfile(SCHOOL / "roster.csv", exports / "roster.csv")
    ws = tmp_path / "ws"
    assert main(["init", str(ws), "--from", str(exports)]) == 0
    source = tomllib.loads((ws / "enquiry.toml").read_text(encoding="utf-8"))["sources"]["texts"]
    assert source == {"path": "raw/*", "kind": "texts", "text_source": "interview",
                      "name_pattern": "{author}_{date}", "authors": "pupil"}
    texts = Enquiry.open(ws).tables["texts"]
    assert len(texts) == 7
    assert texts["author_id"].notna().all()
