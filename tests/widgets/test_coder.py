"""The coder widget, driven headless: set values, click buttons, read the saved files."""

from __future__ import annotations

import csv
import html
from pathlib import Path

import ipywidgets as w
import pytest

from slc_research import Enquiry
from slc_research.errors import ConfigError
from slc_research.qual import POOLED_KAPPA, coded_texts, coder_agreement
from slc_research.qual.coding_store import sentence_spans
from slc_research.widgets.coder import Coder, coder

pytestmark = pytest.mark.xdist_group("demo")


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))[1:]


def _to_text_with_sentences(c: Coder, n: int) -> str:
    while len(c.sentences.options) < n:
        c.next.click()
    return c.current


def test_every_action_is_saved_at_once_and_reloaded(demo_copy):
    c = coder(demo_copy, coder="C")
    assert isinstance(c, w.VBox)
    c.source.value = "reflection"
    assert set(c.texts["source"]) == {"reflection"}
    tid = _to_text_with_sentences(c, 3)
    text = c.enquiry.texts.set_index("text_id").loc[tid, "text"]
    assert html.escape(text[:30]) in c.text_view.value
    spans = sentence_spans(text)
    c.sentences.value = (spans[0], spans[2])
    assert c.span.value == (0, spans[2][1])
    assert "from sentence 1 to 3, with the sentences between" in c.message.value
    c.sentences.value = (spans[1], spans[2])
    assert c.span.value == (spans[1][0], spans[2][1])
    assert c.scope.value == "Passage"
    assert html.escape(text[spans[1][0]:spans[2][1]]) in c.excerpt.value
    c.code.value = "Explaining learning"
    c.apply.click()
    coding = demo_copy / "coding"
    passage = [tid, "Explaining learning", str(spans[1][0]), str(spans[2][1])]
    assert _rows(coding / "codings_C.csv") == [passage]
    assert "title='Explaining learning'" in c.text_view.value
    assert "Saved" in c.message.value

    c.scope.value = "Whole text"
    c.code.value = "Learning"
    c.apply.click()
    assert _rows(coding / "codings_C.csv") == [passage, [tid, "Learning", "", ""]]

    c.new_code.value = "Peer support"
    c.new_description.value = "Pupils help each other"
    c.new_parent.value = "Learning"
    c.add_code.click()
    assert _rows(coding / "codebook_C.csv")[-1] == ["Peer support", "Pupils help each other",
                                                    "Learning", "yes"]
    assert c.code.value == "Peer support"
    assert "Peer support" in c.new_parent.options[-1]
    c.apply.click()
    c.scope.value = "Passage"
    c.code.value = "Learning"
    c.apply.click()  # the same code on a passage too: both listed, either removable
    assert ("Learning", None, None) in [v for _, v in c.coding.options]
    c.coding.value = ("Learning", spans[1][0], spans[2][1])
    c.remove.click()
    c.memo.value = "Mentions a friend's help <check>"
    assert [r[:2] for r in _rows(coding / "memos_C.csv")] == [
        [tid, "Mentions a friend's help <check>"]]

    c.coding.value = ("Learning", None, None)
    c.remove.click()
    assert _rows(coding / "codings_C.csv") == [passage, [tid, "Peer support", "", ""]]
    assert "Removed Learning" in c.message.value

    again = Coder(demo_copy, "C")  # a kernel restart
    again.jump.value = tid
    assert again.current == tid
    assert again.memo.value == "Mentions a friend's help <check>"
    assert "Peer support" in again.codes
    assert sorted(label for label, _ in again.coding.options) == sorted(
        label for label, _ in c.coding.options)
    assert "title='Explaining learning'" in again.text_view.value
    assert "read-only" not in again.codes_view.value  # its own source is editable
    assert again.codings["code"].tolist() == ["Explaining learning", "Peer support"]
    # the offsets are those the codings loader and the excerpts expect
    enq = Enquiry.open(demo_copy)
    mine = coded_texts(enq.texts, enq.codings, coder="C").set_index("code")
    assert mine.loc["Explaining learning", "excerpt"] == text[spans[1][0]:spans[2][1]]
    assert enq.codebook.set_index("code").loc["Peer support", "parent"] == "Learning"


def test_the_slider_picks_any_passage_and_previews_it(demo_copy):
    c = Coder(demo_copy, "C")
    text = c.enquiry.texts.set_index("text_id").loc[c.current, "text"]
    assert c.span.max == len(text)
    c.span.value = (3, 12)
    assert c.scope.value == "Passage"
    assert f"characters 3-12): <span style='background:#fde68a;border-radius:2px'>" \
           f"{html.escape(text[3:12])}</span>" in c.excerpt.value
    c.apply.click()
    assert _rows(demo_copy / "coding" / "codings_C.csv") == [[c.current, c.code.value, "3",
                                                             "12"]]


def test_a_name_typed_into_a_memo_is_replaced(demo_copy):
    c = Coder(demo_copy, "C")
    name = sorted(n for n in c.store.names if " " in n)[0]
    c.memo.value = f"{name} said more in class"
    assert c.memo.value == "[name] said more in class"
    assert "replaced by [name]" in c.message.value
    assert name not in (demo_copy / "coding" / "memos_C.csv").read_text(encoding="utf-8")


def test_second_coder_mode_hides_other_coders_codes(demo_copy):
    enq = Enquiry.open(demo_copy)
    normal = Coder(enq, "C")
    normal.jump.value = "NF-TLCS001"
    here = enq.codings[enq.codings["text_id"] == "NF-TLCS001"]
    b_code = str(here.loc[here["coder"] == "B", "code"].iloc[0])  # the demo's draw
    assert "A: Collaboration: whole text" in normal.codes_view.value
    assert f"B: {b_code}: whole text" in normal.codes_view.value
    second = Coder(enq, "C", second_coder=True)
    second.jump.value = "NF-TLCS001"
    assert second.current == "NF-TLCS001"
    assert "Collaboration" not in second.codes_view.value
    assert b_code not in second.codes_view.value
    assert "Other coders" not in second.codes_view.value
    # coder A's codings in raw/ are shown to A but cannot be removed (raw files are immutable)
    first = Coder(enq, "A", second_coder=True)
    first.jump.value = "NF-TLCS001"
    assert "Collaboration: whole text (from an earlier file: read-only)" in first.codes_view.value
    assert f"B: {b_code}" not in first.codes_view.value
    assert first.coding.options == ()
    # which texts others coded may still be listed (not how), to pick the reliability sample
    second.show.value = "others"
    coded = set(enq.codings["text_id"]) & set(enq.texts["text_id"])
    assert set(second.texts["text_id"]) == coded


def test_a_second_coder_feeds_the_agreement_statistics(demo_copy):
    enq = Enquiry.open(demo_copy)
    c = Coder(enq, "C", second_coder=True)
    a = enq.codings.query("coder == 'A'")
    a = a[a["text_id"].isin(enq.texts["text_id"]) & a["start"].isna()]
    texts = list(dict.fromkeys(a["text_id"]))[:10]
    c.scope.value = "Whole text"
    for tid in texts:
        c.jump.value = tid
        for code in a.loc[a["text_id"] == tid, "code"]:
            c.code.value = code
            c.apply.click()
    assert len(_rows(demo_copy / "coding" / "codings_C.csv")) == int(a["text_id"].isin(
        texts).sum())
    reopened = Enquiry.open(demo_copy)
    table = coder_agreement(reopened.texts, reopened.codings, coders=["A", "C"])
    assert table.attrs["n_texts"] == 10
    assert table.loc[table["statistic"] == POOLED_KAPPA, "estimate"].item() == pytest.approx(1)


def test_filters_navigation_and_messages(demo_copy):
    c = Coder(demo_copy, "C")
    c.source.value = "interview"
    n = int((c.enquiry.texts["source"] == "interview").sum())
    assert c.count.value == f"of {n}"
    assert c.position.value == 1
    first = c.current
    c.next.click()
    c.previous.click()
    c.previous.click()  # stays on the first
    assert c.current == first
    c.scope.value = "Whole text"
    c.apply.click()
    c.show.value = "uncoded"
    assert first not in set(c.texts["text_id"])
    assert c.count.value == f"of {n - 1}"
    c.jump.value = "no-such-text"
    assert html.escape("No text has the ID 'no-such-text'") in c.message.value
    c.new_code.value, c.new_description.value = "learning", "again"
    c.add_code.click()
    assert "already in the codebook" in c.message.value
    assert not (demo_copy / "coding" / "codebook_C.csv").exists()


def test_coder_names_are_checked_before_anything_is_written(demo_copy):
    with pytest.raises(ConfigError, match=r"letters, digits or _ \(no spaces\), e.g. \"C\""):
        Coder(demo_copy, "Mrs Smith")
    assert not (demo_copy / "coding").exists()


def test_every_control_has_a_description_and_a_class(demo_copy):
    manifest = (demo_copy / "enquiry.toml").read_bytes()
    c = Coder(demo_copy, "C")
    c.next.click()
    c.source.value = "interview"
    assert not (demo_copy / "coding").exists()  # looking writes nothing
    assert (demo_copy / "enquiry.toml").read_bytes() == manifest
    controls = [c.source, c.show, c.position, c.previous, c.next, c.jump, c.code, c.scope,
                c.sentences, c.span, c.apply, c.coding, c.remove, c.new_code,
                c.new_description, c.new_parent, c.add_code, c.memo]
    for control in controls:
        assert control.description
        assert any(k.startswith("slc-coder-") for k in control._dom_classes), control
    shown = [c.text_view, c.codes_view, c.excerpt, c.message]
    assert all(any(k.startswith("slc-coder-") for k in v._dom_classes) for v in shown)
    assert "slc-coder" in c._dom_classes
