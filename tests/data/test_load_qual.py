"""Codebooks and codings: the qualitative kinds."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from slc_research import Enquiry
from slc_research.data.loading.loaders import load_source
from slc_research.errors import ConfigError, DataError

CODEBOOK = ("Code,Description,Parent\n"
            "Learning,How pupils learn,\n"
            "Explaining learning,Says why something worked,learning\n"
            "Setting targets,,Learning\n"
            "Confidence,,\n")


def _problems(info) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.column) for p in info.value.problems}


def test_codebook_reads_codes_and_parents(write, spec, ctx):
    path = write("raw/codebook.csv", CODEBOOK)
    t = load_source(spec(path, "codebook"), ctx).tables["codebook"]
    assert t["code"].tolist() == ["Learning", "Explaining learning", "Setting targets",
                                  "Confidence"]
    # a parent is stored as the code is spelled in the Code column
    assert pd.isna(t["parent"][0])
    assert t["parent"].tolist()[1:3] == ["Learning", "Learning"]
    assert pd.isna(t["description"][2])
    assert str(t["code"].dtype) == "string"


def test_codebook_without_parent_column(write, spec, ctx):
    path = write("raw/codebook.csv", "Code\nA\nB\n")
    t = load_source(spec(path, "codebook"), ctx).tables["codebook"]
    assert t["code"].tolist() == ["A", "B"]
    assert t["parent"].isna().all()


def test_codebook_blank_code(write, spec, ctx):
    path = write("raw/codebook.csv", "Code,Description\nA,x\n,orphan description\n")
    with pytest.raises(DataError, match=r"row 3.*a code in every row") as info:
        load_source(spec(path, "codebook"), ctx)
    assert _problems(info) == {(3, "Code")}


def test_codebook_duplicates_whatever_their_capitals(write, spec, ctx):
    path = write("raw/codebook.csv", "Code\nCollaboration\nTime\ncollaboration\n")
    with pytest.raises(DataError, match=r"rows 2 and 4 hold 'Collaboration' and "
                                        r"'collaboration'") as info:
        load_source(spec(path, "codebook"), ctx)
    assert _problems(info) == {(2, "Code")}


def test_codebook_unknown_parent(write, spec, ctx):
    path = write("raw/codebook.csv", "Code,Parent\nA,\nB,Themes\nC,A\n")
    with pytest.raises(DataError, match=r"row 3, column 'Parent': found 'Themes'; expected the "
                                        r"code of another row") as info:
        load_source(spec(path, "codebook"), ctx)
    assert _problems(info) == {(3, "Parent")}


def test_codebook_own_parent_and_circles(write, spec, ctx):
    path = write("raw/codebook.csv", "Code,Parent\nA,a\nB,\n")
    with pytest.raises(DataError, match=r"cannot be its own parent"):
        load_source(spec(path, "codebook"), ctx)
    path = write("raw/codebook.csv", "Code,Parent\nA,B\nB,C\nC,A\nD,\n")
    with pytest.raises(DataError, match=r"rows 2, 3 and 4 are each other's parents"):
        load_source(spec(path, "codebook"), ctx)


CODINGS = ("Text ID,Code,Start,End\n"
           "T-1,Learning,,\n"
           "T-1,Setting targets,10,25\n"
           "T-2,Confidence,0,4\n")
COLUMNS = {"Text ID": "text_id", "Code": "code", "Start": "start", "End": "end"}


def test_codings_with_coder_option(write, spec, ctx):
    path = write("raw/codings_a.csv", CODINGS)
    loaded = load_source(spec(path, "codings", COLUMNS, coder="A"), ctx)
    t = loaded.tables["codings"]
    assert t["coder"].tolist() == ["A"] * 3
    assert t["text_id"].tolist() == ["T-1", "T-1", "T-2"]
    assert pd.isna(t["start"][0])
    assert pd.isna(t["end"][0])
    assert t["start"].tolist()[1:] == [10, 0]
    assert t["end"].tolist()[1:] == [25, 4]
    assert str(t["start"].dtype) == "Int64"


def test_codings_coder_column_filled_by_option(write, spec, ctx):
    path = write("raw/codings.csv", "text_id,code,coder\nT-1,X,B\nT-2,Y,\n")
    t = load_source(spec(path, "codings", coder="A"), ctx).tables["codings"]
    assert t["coder"].tolist() == ["B", "A"]
    assert t["start"].isna().all()


def test_codings_need_a_coder(write, spec, ctx):
    path = write("raw/codings.csv", "text_id,code\nT-1,X\n")
    with pytest.raises(ConfigError, match=r"say who coded the file: add coder = \"A\""):
        load_source(spec(path, "codings"), ctx)
    path = write("raw/codings.csv", "text_id,code,coder\nT-1,X,B\nT-2,Y,\n")
    with pytest.raises(DataError, match=r"row 3.*a coder in every row") as info:
        load_source(spec(path, "codings"), ctx)
    assert _problems(info) == {(3, "coder")}


def test_codings_required_cells(write, spec, ctx):
    path = write("raw/codings.csv", "Text ID,Code\n,X\nT-2,\n")
    with pytest.raises(DataError) as info:
        load_source(spec(path, "codings", {"Text ID": "text_id", "Code": "code"}, coder="A"),
                    ctx)
    assert _problems(info) == {(2, "Text ID"), (3, "Code")}


def test_codings_bad_offsets_all_reported(write, spec, ctx):
    path = write("raw/codings.csv", "Text ID,Code,Start,End\n"
                                    "T-1,A,five,9\n"     # not a number
                                    "T-1,B,2.5,9\n"      # not whole
                                    "T-1,C,-1,9\n"       # negative
                                    "T-1,D,3,\n"         # no end
                                    "T-1,E,,7\n"         # no start
                                    "T-1,F,9,9\n"        # empty passage
                                    "T-1,G,9,3\n"        # backwards
                                    "T-1,H,0,3\n")       # fine
    with pytest.raises(DataError) as info:
        load_source(spec(path, "codings", COLUMNS, coder="A"), ctx)
    assert _problems(info) == {(2, "Start"), (3, "Start"), (4, "Start"), (5, "End"),
                               (6, "Start"), (7, "End"), (8, "End")}
    message = str(info.value)
    assert "a whole number of characters" in message
    assert "this row has no end" in message
    assert "an end after the start" in message


def test_codings_start_without_end_column(write, spec, ctx):
    path = write("raw/codings.csv", "text_id,code,start\nT-1,A,3\n")
    with pytest.raises(DataError, match=r"an end column as well as a start column"):
        load_source(spec(path, "codings", coder="A"), ctx)


def test_codings_repeated_rows_left_out(write, spec, ctx):
    path = write("raw/codings.csv", "text_id,code,start,end\nT-1,A,0,3\nT-1,A,0,3\nT-1,A,,\n")
    loaded = load_source(spec(path, "codings", coder="A"), ctx)
    assert len(loaded.tables["codings"]) == 2
    assert "1 row repeating another row exactly left out." in loaded.notes
    assert loaded.rows_dropped == 1


WORKSPACE = """
title = "Coding test"
academic_year = "2025-26"
schools = ["Northfield Academy"]

[sources.roster]
path = "raw/roster.csv"
kind = "pupils"
school = "Northfield Academy"
[sources.roster.columns]
"UPN" = "pupil_id"
"Forename" = "forename"
"Surname" = "surname"

[sources.interviews]
path = "raw/interviews.csv"
kind = "texts"
authors = "parent"
text_source = "interview"
[sources.interviews.columns]
"Response ID" = "text_id"
"Answer" = "text"

[sources.codebook]
path = "raw/codebook.csv"
kind = "codebook"

[sources.codings_a]
path = "raw/codings_a.csv"
kind = "codings"
coder = "A"
[sources.codings_a.columns]
"Text ID" = "text_id"
"Code" = "code"
"Start" = "start"
"End" = "end"
"""


def test_workspace_with_codebook_and_codings(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (tmp_path / "enquiry.toml").write_text(WORKSPACE, encoding="utf-8")
    (raw / "roster.csv").write_text("UPN,Forename,Surname\nA1,Zebedee,Quartermaine\n")
    (raw / "interviews.csv").write_text(
        "Response ID,Answer\nI-1,Zebedee helped me set a target.\nI-2,It was fine.\n")
    (raw / "codebook.csv").write_text(CODEBOOK)
    (raw / "codings_a.csv").write_text("Text ID,Code,Start,End\nI-1,Setting targets,0,6\n"
                                       "I-2,Confidence,,\nI-9,Learning,,\n")
    enq = Enquiry.open(tmp_path)
    assert len(enq.codebook) == 4
    assert len(enq.codings) == 3
    text = enq.texts.set_index("text_id")["text"]["I-1"]
    start, end = enq.codings.loc[0, ["start", "end"]]
    assert text[start:end] == "[name]"   # offsets index the redacted text
    assert set(enq.codings["text_id"]) - set(enq.texts["text_id"]) == {"I-9"}
