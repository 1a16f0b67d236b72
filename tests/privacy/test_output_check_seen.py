"""The output check does not scan the same bytes twice, and never skips changed bytes.

A report is scanned before it is put in place and again with its folder: the second scan
reuses the first one's finds only for a file with the same name and the same bytes.
"""

from __future__ import annotations

from slc_research.privacy.identifiers import Identifiers
from slc_research.privacy.output_check import check_folder


def _ident() -> Identifiers:
    return Identifiers.build(names=["Zebedee", "Okonkwo"], full_names=["Zebedee Okonkwo"])


def test_a_file_scanned_again_with_the_same_bytes_gives_the_same_finds(tmp_path):
    page = tmp_path / "report.html"
    page.write_text("<p>Well done Zebedee Okonkwo.</p>", encoding="utf-8")
    seen: dict = {}
    first = check_folder(page, _ident(), seen)
    assert [f.kind for f in first.finds] == ["full name"]
    assert len(seen) == 1
    again = check_folder(tmp_path, _ident(), seen)  # the folder: same name, same bytes
    assert again.finds == first.finds
    assert len(seen) == 1


def test_changed_bytes_are_scanned_again(tmp_path):
    page = tmp_path / "report.html"
    page.write_text("<p>Nothing personal here.</p>", encoding="utf-8")
    seen: dict = {}
    assert check_folder(page, _ident(), seen).ok
    page.write_text("<p>Nothing personal here, Zebedee Okonkwo.</p>", encoding="utf-8")
    assert [f.kind for f in check_folder(page, _ident(), seen).finds] == ["full name"]
    assert len(seen) == 2


def test_the_same_bytes_under_another_name_are_scanned_for_that_name(tmp_path):
    clean = "<p>Nothing personal here.</p>"
    (tmp_path / "a.html").write_text(clean, encoding="utf-8")
    seen: dict = {}
    assert check_folder(tmp_path / "a.html", _ident(), seen).ok
    (tmp_path / "Zebedee_Okonkwo.html").write_text(clean, encoding="utf-8")
    result = check_folder(tmp_path, _ident(), seen)
    assert [f.kind for f in result.finds] == ["full name"]  # the file's own name
    assert "Zebedee" not in str(result.finds[0])
