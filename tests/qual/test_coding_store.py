"""The coding store: one coder's codings, added codes and memos saved in ``coding/``."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from slc_research import Enquiry
from slc_research.errors import ConfigError
from slc_research.qual import POOLED_KAPPA, coder_agreement
from slc_research.qual.coding_store import (
    CODING_FOLDER,
    CodingStore,
    check_coder_name,
    sentence_spans,
)
from slc_research.workspace.manifest import read_manifest


@pytest.fixture
def workspace(demo_enquiry, demo_workspace, tmp_path) -> Path:
    """A writable copy of the demo workspace (with the warm cache of ``demo_enquiry``)."""
    return Path(shutil.copytree(demo_workspace, tmp_path / "demo"))


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _raw_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "raw").rglob("*")) if p.is_file()}


# -- pure helpers -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["C", "JS", "coder_2", "Ab1"])
def test_check_coder_name_accepts_initials(name):
    assert check_coder_name(name) == name
    assert check_coder_name(f" {name} ") == name


@pytest.mark.parametrize("name", ["", "J S", "2C", "../A", "A-B", "é", None, 3, "x" * 31])
def test_check_coder_name_says_what_to_type(name):
    with pytest.raises(ConfigError, match=r"letters, digits or _ \(no spaces\), e.g. \"C\""):
        check_coder_name(name)


def test_sentence_spans_cut_at_end_marks_and_line_breaks():
    text = "I like it. It helps!  Really?\n[name] said so... ok \"yes.\" Last"
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["I like it.", "It helps!", "Really?",
                                             "[name] said so...", "ok \"yes.\"", "Last"]
    assert spans[0] == (0, 10)
    assert sentence_spans("") == []
    assert sentence_spans("   ") == []
    assert sentence_spans("v2.5 is out.") == [(0, 12)]  # no cut inside a number


# -- codings ----------------------------------------------------------------------------------

@pytest.mark.xdist_group("demo")
def test_codings_saved_at_once_registered_and_reloaded(workspace):
    raw_before = _raw_hashes(workspace)
    store = CodingStore(workspace, "C")
    path = workspace / CODING_FOLDER / "codings_C.csv"
    assert not path.exists()
    assert store.codings().empty
    assert store.add_coding("NF-R00002", "Learning") is True
    assert _rows(path) == [["Text ID", "Code", "Start", "End"], ["NF-R00002", "Learning", "", ""]]
    spec = read_manifest(workspace).sources["coding_C_codings"]
    assert (spec.kind, spec.options.get("coder"), spec.label) == ("codings", "C",
                                                                  "coding/codings_C.csv")
    assert store.add_coding("NF-R00002", "Explaining learning", 44, 102, text_length=102)
    assert store.add_coding("NF-R00002", "Learning") is False  # already there: not repeated
    assert _rows(path)[1:] == [["NF-R00002", "Learning", "", ""],
                               ["NF-R00002", "Explaining learning", "44", "102"]]
    again = CodingStore(workspace, "C")  # a kernel restart
    got = again.codings()
    assert got["code"].tolist() == ["Learning", "Explaining learning"]
    assert got["start"].tolist()[1] == 44
    assert got["end"].tolist()[1] == 102
    assert got["start"].isna().tolist() == [True, False]
    assert set(got["coder"]) == {"C"}
    assert again.remove_coding("NF-R00002", "Learning") is True
    assert again.remove_coding("NF-R00002", "Learning") is False
    assert _rows(path)[1:] == [["NF-R00002", "Explaining learning", "44", "102"]]
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temp files
    assert _raw_hashes(workspace) == raw_before


@pytest.mark.parametrize(("start", "end", "match"), [
    (5, None, "both the start and the end"),
    (10, 10, "found 10 to 10"),
    (-1, 4, "a start of 0 or more"),
    (0, 200, "at most 102"),
])
def test_add_coding_refuses_bad_passages(tmp_path, start, end, match):
    (tmp_path / "enquiry.toml").write_text('title = "t"\n', encoding="utf-8")
    store = CodingStore(tmp_path, "C")
    with pytest.raises(ConfigError, match=match):
        store.add_coding("t1", "Learning", start, end, text_length=102)
    with pytest.raises(ConfigError, match="pick a code"):
        store.add_coding("t1", "  ")
    assert not (tmp_path / CODING_FOLDER / "codings_C.csv").exists()


@pytest.mark.xdist_group("demo")
def test_removing_the_last_coding_withdraws_the_source(workspace):
    store = CodingStore(workspace, "C")
    store.add_coding("NF-R00002", "Learning")
    store.remove_coding("NF-R00002", "Learning")
    assert "coding_C_codings" not in read_manifest(workspace).sources
    assert not (workspace / CODING_FOLDER / "codings_C.csv").exists()
    assert "coding_C_codings" not in (workspace / "enquiry.toml").read_text(encoding="utf-8")
    assert not Enquiry.open(workspace).codings["coder"].eq("C").any()  # still opens
    store.add_coding("NF-R00003", "Learning")  # registered again
    assert read_manifest(workspace).sources["coding_C_codings"].kind == "codings"


def test_two_stores_of_one_coder_do_not_overwrite_each_other(tmp_path):
    (tmp_path / "enquiry.toml").write_text('title = "t"\n', encoding="utf-8")
    old, new = CodingStore(tmp_path, "C"), CodingStore(tmp_path, "C")  # a cell run twice
    old.set_memo("t1", "from the old widget")
    new.set_memo("t2", "from the new widget")
    old.add_code("Peer support", "Pupils help each other")
    new.add_code("Noise", "Classroom noise")
    assert old.memos()["text_id"].tolist() == ["t1", "t2"]
    assert new.added_codes()["code"].tolist() == ["Peer support", "Noise"]
    with pytest.raises(ConfigError, match="already in the codebook"):
        old.add_code("noise", "again")


def test_a_failed_write_leaves_the_saved_file_whole(tmp_path, monkeypatch):
    (tmp_path / "enquiry.toml").write_text('title = "t"\n', encoding="utf-8")
    store = CodingStore(tmp_path, "C")
    store.set_memo("t1", "first")
    path = tmp_path / CODING_FOLDER / "memos_C.csv"
    before = path.read_bytes()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        store.set_memo("t1", "second")
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["memos_C.csv"]


# -- codes and memos --------------------------------------------------------------------------

@pytest.mark.xdist_group("demo")
def test_added_code_with_a_theme_loads_as_a_valid_codebook(workspace, demo_enquiry):
    store = CodingStore(workspace, "C")
    book = demo_enquiry.codebook
    assert store.add_code("Peer support", "Pupils help each other", "learning strategies",
                          codebook=book) == "Peer support"
    path = workspace / CODING_FOLDER / "codebook_C.csv"
    assert _rows(path) == [
        ["Code", "Description", "Parent", "Added"],
        ["Learning", "How pupils learn and talk about learning", "", "no"],
        ["Learning strategies", "A named way of learning or revising", "Learning", "no"],
        ["Peer support", "Pupils help each other", "Learning strategies", "yes"]]
    store.add_code("Helping at home", "Parents help with learning", "Peer support", codebook=book)
    assert CodingStore(workspace, "C").added_codes()["code"].tolist() == ["Peer support",
                                                                          "Helping at home"]
    with pytest.raises(ConfigError, match="'Learning' is already in the codebook"):
        store.add_code("LEARNING", "again", codebook=book)
    with pytest.raises(ConfigError, match="'Peer support' is already in the codebook"):
        store.add_code("peer support", "again", codebook=book)
    with pytest.raises(ConfigError, match="parent 'Nope' is not a code"):
        store.add_code("New", "described", "Nope", codebook=book)
    with pytest.raises(ConfigError, match="type or pick a description"):
        store.add_code("New", " ", codebook=book)
    store.add_coding("NF-R00002", "Helping at home")
    enq = Enquiry.open(workspace)
    added = enq.codebook.set_index("code").loc[["Peer support", "Helping at home"], "parent"]
    assert added.tolist() == ["Learning strategies", "Peer support"]
    assert enq.codings.query("coder == 'C'")["code"].tolist() == ["Helping at home"]


def test_memos_are_saved_replaced_and_removed(tmp_path):
    (tmp_path / "enquiry.toml").write_text('title = "t"\n', encoding="utf-8")
    store = CodingStore(tmp_path, "C")
    assert store.set_memo("t1", 'Quote "this", maybe\nsecond line') is True
    assert store.set_memo("t1", 'Quote "this", maybe\nsecond line') is False
    store.set_memo("t2", "short")
    store.set_memo("t1", "changed")
    path = tmp_path / CODING_FOLDER / "memos_C.csv"
    assert [r[:2] for r in _rows(path)] == [["Text ID", "Memo"], ["t2", "short"],
                                           ["t1", "changed"]]
    store.set_memo("t2", "  ")
    again = CodingStore(tmp_path, "C")
    assert again.memos()["text_id"].tolist() == ["t1"]
    assert again.memo("t1") == "changed"
    assert again.memo("t2") == ""
    assert "memos" not in (tmp_path / "enquiry.toml").read_text(encoding="utf-8")


@pytest.mark.xdist_group("demo")
def test_names_typed_into_a_memo_are_not_stored(workspace):
    from slc_research.data.loading.people import read_names

    roster = next(s for s in read_manifest(workspace).sources.values() if s.kind == "pupils")
    name = sorted(n for n in read_names(roster) if " " in n)[0]
    store = CodingStore(workspace, "C")
    store.set_memo("NF-R00002", f"Ask {name} about this; {name.split()[0]}'s idea")
    assert store.memo("NF-R00002") == "Ask [name] about this; [name]'s idea"
    saved = (workspace / CODING_FOLDER / "memos_C.csv").read_text(encoding="utf-8")
    assert name.split()[0] not in saved
    assert "[name]" in saved


def test_a_damaged_file_is_reported_not_overwritten(tmp_path):
    (tmp_path / "enquiry.toml").write_text('title = "t"\n', encoding="utf-8")
    (tmp_path / CODING_FOLDER).mkdir()
    (tmp_path / CODING_FOLDER / "codings_C.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="does not start with the columns Text ID, Code"):
        CodingStore(tmp_path, "C")


# -- the agreement statistics see the new coder ------------------------------------------------

@pytest.mark.xdist_group("demo")
def test_second_coder_feeds_the_agreement_statistics(workspace, demo_enquiry):
    a = demo_enquiry.codings.query("coder == 'A'")
    a = a[a["text_id"].isin(demo_enquiry.texts["text_id"])]  # not withdrawn pupils' texts
    texts = list(dict.fromkeys(a["text_id"]))[:12]
    store = CodingStore(workspace, "C")
    for tid in texts:
        for code in a.loc[a["text_id"] == tid, "code"]:
            store.add_coding(tid, code)
    extra = "Nerves" if "Nerves" not in set(a.loc[a["text_id"] == texts[0], "code"]) \
        else "Logistics"
    store.add_coding(texts[0], extra)  # one disagreement
    enq = Enquiry.open(workspace)
    assert enq.codings.query("coder == 'C'")["text_id"].nunique() == 12
    table = coder_agreement(enq.texts, enq.codings, coders=["A", "C"])
    assert table.attrs["n_texts"] == 12
    # independent check: pooled kappa over text-code decisions (Cohen 1960)
    used = sorted(set(a.loc[a["text_id"].isin(texts), "code"]) | {extra})
    x = np.array([[int(((a["text_id"] == t) & (a["code"] == c)).any()) for c in used]
                  for t in texts]).ravel()
    y = x.copy()
    y[used.index(extra)] = 1
    po = np.mean(x == y)
    pe = x.mean() * y.mean() + (1 - x.mean()) * (1 - y.mean())
    pooled = table.loc[table["statistic"] == POOLED_KAPPA, "estimate"].item()
    assert pooled == pytest.approx((po - pe) / (1 - pe))
    assert pooled < 1
