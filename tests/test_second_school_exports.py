"""A second teacher's own exports, start to finish: ``init --from``, ``check``, ``report --all``.

The exports of ``tests/data/exports/second_school/`` (written by
``tests/data/exports/make_second_school.py``; their shapes are listed there) are in shapes
the first school's fixtures do not have: a SIMS .xls roster with title rows and both ids,
Microsoft Forms' Likert statements as columns of their own in two reworded waves, a Google
Forms quiz, a Qualtrics numeric-values download, an Arbor behaviour log and an SLC list
keyed by UPN, a Windows-1252 semicolon CSV. Run as a teacher would, with no raw file and no
line of ``enquiry.toml`` edited: every command exits 0, the guesses that are guesses are
marked so, every file is linked to the roster, and no report shows junk.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import lxml.html
import pytest

from slc_research.cli import main

EXPORTS = Path(__file__).resolve().parent / "data" / "exports" / "second_school"
#: What must never reach a reader (as tests/report/test_only_what_applies.py).
JUNK = re.compile(r"\bNaN\b|\bnan\b|\bNone\b(?! of)|\bn = 0(?![\d.,])|(?<!or )not computed"
                  r"|\[sources\.[^\]]* [^\]]*\]")


def _run(*args: str) -> tuple[int, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        code = main(list(args))
    return code, printed.getvalue()


@pytest.fixture(scope="module")
def enquiry(tmp_path_factory) -> tuple[Path, str, str]:
    where = tmp_path_factory.mktemp("second_school")
    exports = where / "exports"
    shutil.copytree(EXPORTS, exports)
    ws = where / "my-enquiry"
    code, init = _run("init", str(ws), "--from", str(exports))
    assert code == 0, init
    code, check = _run("check", str(ws))
    assert code == 0, check
    return ws, init, check


def test_init_places_every_export_and_marks_its_guesses(enquiry):
    ws, init, _ = enquiry
    text = (ws / "enquiry.toml").read_text(encoding="utf-8")
    assert "7 of 8 files placed as sources" in init  # the quiz: no scale question
    assert 'other_id = "UPN"  # check: 2 files name pupils by \'UPN\'' in text
    assert "[scales.pupil_voice_survey]  # check: 4 questions in a row" in text
    assert ('"I feel confident to speak up in class" = "feel_confident_speak"  # check: the '
            "code of 'I feel confident to speak up in lessons' in another file") in text
    assert 'response_scale = "agree5"  # check: a guess: the answers are numbers (1 to 5)' in text
    # the community's name from "SLC members 2025-26.csv" keeps its year range
    assert 'community = "SLC 2025-26"  # check: no column names the community' in text


def test_check_links_every_file_to_the_roster(enquiry):
    _, _, check = enquiry
    assert "not on the roster" not in check
    assert "Files keyed by the roster's 'UPN' are linked to the same pupils" in check


@pytest.mark.slow
def test_report_all_runs_what_applies_and_shows_no_junk(enquiry):
    ws, _, _ = enquiry
    code, printed = _run("report", str(ws), "--all", "--out", str(ws / "outputs"),
                         "--workers", "1")
    assert code == 0, printed
    assert "2 of 2 reports ready" in printed
    for page in ("slc_impact", "data_health", "index"):
        doc = lxml.html.parse(str(ws / "outputs" / f"{page}.html")).getroot()
        for bad in doc.xpath("//style|//script"):
            bad.drop_tree()
        text = " ".join(doc.text_content().split())
        found = JUNK.search(text)
        assert found is None, (page, text[max(0, found.start() - 100):found.end() + 60])
    slc = " ".join(lxml.html.parse(str(ws / "outputs" / "slc_impact.html")).getroot()
                   .text_content().split())
    assert "9 pupils were members" in slc  # the UPN-keyed SLC list, linked
    assert "No questionnaire was given" not in slc
