"""A text the teacher lists in private/not_quotable.csv disappears from the voices report's
quotes on the next run, while it is still counted."""

from __future__ import annotations

import html as html_lib
from pathlib import Path

import pytest

from slc_research import Enquiry, qual
from slc_research.privacy.quotable import NOT_QUOTABLE_FILE
from slc_research.report.execute import run_report
from slc_research.synthetic.trust import write_demo_workspace

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo-b")]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "voices.ipynb"


def _quotes(enq: Enquiry):
    """The exemplar quotes the voices notebook shows with its default parameters."""
    return qual.exemplar_quotes(enq.texts, enq.codings, per_code=1, memberships=enq.memberships)


def test_a_marked_text_is_not_quoted_in_the_voices_report(tmp_path):
    root = write_demo_workspace(tmp_path / "trust", schools=1, pupils=600, seed=2025)
    enq = Enquiry.open(root)
    before = _quotes(enq)
    assert len(before) >= 3
    # the quote shown for the first code: its text's id, as the coder shows it
    quote = before["quote"].iloc[0]
    stem = quote.rstrip("…")
    ids = enq.texts.loc[enq.texts["text"].str.contains(stem, regex=False).fillna(False),
                        "text_id"]
    assert len(ids) >= 1
    (root / "private" / NOT_QUOTABLE_FILE).write_text(
        "id,reason\n" + "".join(f"{i},asked not to be quoted\n" for i in ids), encoding="utf-8")

    after = _quotes(Enquiry.open(root))
    assert quote not in set(after["quote"])
    result = run_report(NOTEBOOK, root, tmp_path / "out", parameters={}, name="voices")
    page = html_lib.unescape(result.html.read_text(encoding="utf-8"))
    assert stem not in page
    # the other quotes are still there, and the text is still counted
    kept = [q for q in after["quote"] if q not in set(before["quote"].iloc[:1])]
    assert kept
    assert all(q.rstrip("…") in page for q in kept[:3])
    coded = qual.coded_texts(enq.texts, qual.primary_codings(enq.codings))
    assert result.records["n_texts_coded"] == coded["text_id"].nunique()
