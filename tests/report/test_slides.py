"""``slc-research slides``: a staff deck per report (issue 18, item 5).

The decks are read back with python-pptx (the text of every slide, the chart images) and
drawn by LibreOffice Impress (PPTX -> PDF -> PNG with poppler's pdftoppm), as a member of
staff would open them. The output check must read a deck's every part and refuse one with
a planted name.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from slc_research.casestudies.glance import at_a_glance
from slc_research.casestudies.result import Result, Section, Table
from slc_research.cli import main
from slc_research.report.catalogue import NOTEBOOKS
from slc_research.report.slide_content import (
    DISCUSSION,
    DeckContent,
    Quote,
    deck_content,
    quotes_for_slides,
    role_only,
)
from slc_research.report.slides import build_deck

FIXED_TITLES = ["At a glance", "In their own words", "How sure we are",
                "Questions for discussion"]


def _slides(path: Path) -> list[dict]:
    """Each slide of a deck read back: title, every text frame's text, pictures, notes."""
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    out = []
    for slide in Presentation(str(path)).slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        pictures = [s.image.blob for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        out.append({"title": slide.shapes.title.text if slide.shapes.title else "",
                    "texts": texts, "pictures": pictures,
                    "notes": slide.notes_slide.notes_text_frame.text
                    if slide.has_notes_slide else ""})
    return out


def _ink(pixels: np.ndarray) -> float:
    """The share of pixels that are not (near) white."""
    grey = pixels.mean(axis=2) if pixels.ndim == 3 else pixels
    return float((grey < 235).mean())


# --- the demo's decks --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def decks(demo_workspace, tmp_path_factory):
    """The staff decks of two demo reports, written by the command line."""
    to = tmp_path_factory.mktemp("slides") / "decks"
    status = main(["slides", str(demo_workspace), "--notebook", "tlc_impact",
                   "--notebook", "voices", "--to", str(to), "--quiet"])
    return status, to


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
def test_item5_slides_command_writes_a_deck_per_report(decks):
    status, to = decks
    assert status == 0
    # and the folder's ledger: which consent register each deck was made from
    assert sorted(p.name for p in to.iterdir()) == [".slc-runs.json", "tlc_impact.pptx",
                                                    "voices.pptx"]
    assert not list(to.parent.glob(".slc-staging*"))  # nothing left aside


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
def test_item5_deck_reads_back_title_glance_charts_quotes_sure_questions(decks, demo_enquiry,
                                                                          demo_workspace):
    _, to = decks
    study = NOTEBOOKS["tlc_impact"]
    result = study.result(demo_enquiry, study.validate(workspace=str(demo_workspace)))
    glance = at_a_glance(result)
    slides = _slides(to / "tlc_impact.pptx")
    titles = [s["title"] for s in slides]
    assert titles[0] == glance.title
    assert titles[1] == "At a glance"
    assert titles[-3:] == FIXED_TITLES[1:]
    charts = slides[2:-3]
    assert 1 <= len(charts) <= 4
    section_titles = [s.title for s in result.sections if s.charts]
    assert [c["title"] for c in charts] == [t for t in section_titles
                                              if t in {c["title"] for c in charts}]
    # At a glance: the glance's findings, one paragraph each, and its evidence line
    at_glance = slides[1]["texts"]
    assert at_glance[1].split("\n") == list(glance.findings)
    assert glance.evidence in at_glance[2]
    assert at_glance[2].lower().count("strength of evidence") == 1
    # each chart slide: one picture, drawn (not blank), and its finding as text under it
    for chart in charts:
        assert len(chart["pictures"]) == 1
        with Image.open(io.BytesIO(chart["pictures"][0])) as image:
            assert image.width >= 600
            pixels = np.asarray(image.convert("RGB"))
        assert 0.01 < _ink(pixels) < 0.9
        assert pixels.std() > 10
        assert chart["notes"]  # how to read it, for the speaker
    # quotes: two or three, by role only (no report-local number, no pseudonym)
    quotes = slides[-3]["texts"][1].split("\n")
    assert 2 <= len(quotes) <= 3
    for quote in quotes:
        assert re.fullmatch(r"\u201c.+\u201d \u2014 (A|An) [^\d]+", quote), quote
        assert not re.search(r"(Pupil|Staff member) \d|[PSGA]-[0-9a-f]{10}", quote)
    # how sure we are; questions for discussion written for this case study
    assert glance.evidence in slides[-2]["texts"][1]
    assert slides[-1]["texts"][1].split("\n") == list(DISCUSSION["tlc_impact"])
    # every word is a text box: no slide but the chart slides holds a picture
    assert all(not s["pictures"] for s in (*slides[:2], *slides[-3:]))


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
def test_item5_each_slide_renders_in_libreoffice_impress(decks, tmp_path):
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    # missing is a failure, not a skip: `make install-test` installs them
    assert soffice, "needs LibreOffice Impress: run `make install-test`"
    assert pdftoppm, "needs poppler-utils: run `make install-test`"
    _, to = decks
    deck = to / "voices.pptx"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
                   check=True, capture_output=True, timeout=300)
    pdf = tmp_path / "voices.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run([pdftoppm, "-r", "40", "-png", str(pdf), str(tmp_path / "slide")],
                   check=True, timeout=120)
    pages = sorted(tmp_path.glob("slide-*.png"))
    slides = _slides(deck)
    assert len(pages) == len(slides)
    for page, slide in zip(pages, slides, strict=True):
        with Image.open(page) as image:
            pixels = np.asarray(image.convert("RGB"))
        height, width = pixels.shape[:2]
        assert width > height  # 16:9
        assert _ink(pixels) > 0.005, f"{page.name} is blank"
        assert _ink(pixels[int(height * 0.96):]) == 0, f"{page.name}: text runs off the slide"
        if slide["pictures"]:  # the chart is drawn: dark marks in the middle of the slide
            assert _ink(pixels[int(height * 0.2):int(height * 0.8)]) > 0.02
    # the words are text, not pictures of text: Impress wrote them into the PDF
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                           check=True, timeout=60).stdout
    for title in (s["title"] for s in slides):
        assert " ".join(title.split()[:3]) in " ".join(words.split())


# --- quotes by role only ---------------------------------------------------------------------

def test_item5_quotes_attributed_by_role_only():
    table = pd.DataFrame({
        "code": ["voice", "trust", "time", "long"],
        "quote": ["We plan lessons together now.", "Teachers listen to us.",
                  "The meetings ran out of time.", "word " * 80],
        "attribution": ["Pupil 3, Pedagogy lead", "Pupil 11", "Staff member 2", "A parent"]})
    result = Result("voices", "Voices", "About voices.", (
        Section("quotes", "Exemplar quotes", tables=(Table(table, "Exemplar quotes"),)),
        Section("learning", "What members learned",
                items=("\u201cI tried exit tickets every week.\u201d (Staff member 7; plans)",
                       "retrieval: \u201cQuizzes helped the quiet ones.\u201d")),
    ))
    quotes = quotes_for_slides(result)
    assert quotes == (Quote("We plan lessons together now.", "A pupil (Pedagogy lead)"),
                      Quote("The meetings ran out of time.", "A member of staff"),
                      Quote("Quizzes helped the quiet ones.", "A participant"))
    # a different speaker first; the 400-character quote is left for the report
    assert role_only("Staff member 12, Chair") == "A member of staff (Chair)"
    assert role_only("Anonymous respondent") == "Anonymous respondent"
    tlc = Result("tlc_impact", "TLC", "", (Section(
        "learning", "What members learned", items=("\u201cUsed dual coding weekly.\u201d",)),))
    assert quotes_for_slides(tlc) == (Quote("Used dual coding weekly.", "A member of staff"),)


def test_item5_every_case_study_has_its_own_discussion_questions():
    for name in NOTEBOOKS:
        questions = DISCUSSION[name]
        assert 2 <= len(questions) <= 4
        assert all(q.endswith("?") and "_" not in q for q in questions)
    assert len({DISCUSSION[n] for n in NOTEBOOKS}) == len(NOTEBOOKS)


# --- the output check reads the deck ---------------------------------------------------------

ROSTER = ("UPN,Legal Forename,Legal Surname,Year\n"
          "A123456789012,Ottilie,Brackenbury,7\nB123456789012,Tobias,Fenwright,8\n"
          "C123456789012,Marigold,Ashcombe,9\nD123456789012,Caspian,Wetherell,7\n"
          "E123456789012,Isolde,Pennyfeather,8\nF123456789012,Barnaby,Quillfeather,9\n")


def test_item5_slides_refuses_a_deck_with_a_planted_name(tiny_workspace, capsys):
    ws = tiny_workspace(ROSTER)
    manifest = ws / "enquiry.toml"  # a teacher titled the enquiry after a pupil
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        'title = "Tiny enquiry"', 'title = "Enquiry for Ottilie Brackenbury"'), encoding="utf-8")
    to = ws.parent / "decks"
    status = main(["slides", str(ws), "--notebook", "data_health", "--to", str(to)])
    err = capsys.readouterr().err
    assert status == 1
    assert "data_health.pptx" in err
    assert "full name" in err
    assert "Brackenbury" not in err  # the find is masked
    assert not to.exists()  # nothing left behind ...
    assert not list(ws.parent.glob(".slc-staging*"))  # ... not even aside


def test_a_deck_made_before_a_pupil_withdrew_is_named_by_check_outputs(tiny_workspace, capsys):
    ws = tiny_workspace(ROSTER)
    to = ws.parent / "decks"
    assert main(["slides", str(ws), "--notebook", "data_health", "--to", str(to)]) == 0
    assert main(["check-outputs", str(to), "--workspace", str(ws)]) == 0
    (ws / "private" / "consent.csv").write_text(  # a pupil withdraws after the deck was made
        "id,type,status,date\nC123456789012,pupil,withdrawn,2026-01-08\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["check-outputs", str(to), "--workspace", str(ws)]) == 1
    err = capsys.readouterr().err
    assert "1 report in" in err
    assert "data_health.pptx" in err
    assert "`slc-research slides --to` rewrites decks" in err
    assert main(["slides", str(ws), "--notebook", "data_health", "--to", str(to)]) == 0
    assert main(["check-outputs", str(to), "--workspace", str(ws)]) == 0


def test_item5_check_outputs_finds_a_name_in_a_decks_speaker_notes(tiny_workspace, tmp_path):
    ws = tiny_workspace(ROSTER)
    content = DeckContent("Our enquiry", "What we found.", ("Members came to 72% of meetings.",
                                                             "Scores rose a little."),
                          "2 of 5", ("It can show change.",), (), (),
                          (Quote("We plan together.", "A pupil"),), DISCUSSION["voices"])
    deck = build_deck(content)
    deck.slides[2].notes_slide.notes_text_frame.text = "Ask Isolde Pennyfeather to present."
    path = tmp_path / "out" / "deck.pptx"
    path.parent.mkdir()
    deck.save(str(path))
    assert main(["check-outputs", str(path.parent), "--workspace", str(ws)]) == 1
    deck.slides[2].notes_slide.notes_text_frame.text = "Ask a pupil to present."
    deck.save(str(path))
    assert main(["check-outputs", str(path.parent), "--workspace", str(ws)]) == 0


def test_item5_deck_content_is_the_glance_and_the_result():
    chart_frame = pd.DataFrame({"wave": ["1", "2"], "mean": [3.1, 3.4]})
    import altair as alt

    chart = alt.Chart(chart_frame).mark_line().encode(x="wave:N", y="mean:Q").properties(
        title="Mean score (n = 40)")
    result = Result("slc_impact", "Hillside SLC", "Who took part and what changed.", (
        Section("who", "Who took part", finding="Forty pupils took part."),
        Section("change", "Change in scores", finding="Scores rose. Boys rose less.",
                charts=(chart,), note="Scores run from 1 to 5."),
    ), warnings=("Groups of 3 or more are shown.",))

    class Glance:
        title = "The Hillside SLC"
        findings = ("Scores rose by 0.3 points (0.1 to 0.5).", "", "Forty pupils took part.")
        evidence = "2 of 5: a comparison group, no random allocation."
        can_and_cannot = ("It shows change.", "It cannot show cause.")

    content = deck_content(result, Glance())
    assert content.title == "The Hillside SLC"
    assert content.findings == ("Scores rose by 0.3 points (0.1 to 0.5).",
                                "Forty pupils took part.")
    assert [c.heading for c in content.charts] == ["Change in scores"]
    assert content.charts[0].finding == "Scores rose. Boys rose less."
    assert "Scores run from 1 to 5." in content.charts[0].note
    assert content.warnings == ("Groups of 3 or more are shown.",)
    assert content.questions == DISCUSSION["slc_impact"]
    titles = [s.shapes.title.text for s in build_deck(content).slides]
    assert titles == ["The Hillside SLC", "At a glance", "Change in scores", "How sure we are",
                      "Questions for discussion"]  # no quotes: no quotes slide


def test_item5_slides_for_a_case_study_that_does_not_apply_is_one_message(tiny_workspace,
                                                                          capsys):
    ws = tiny_workspace(ROSTER)
    to = ws.parent / "decks"
    assert main(["slides", str(ws), "--notebook", "tlc_impact", "--to", str(to)]) == 1
    err = capsys.readouterr().err
    assert "tlc_impact: not run" in err
    assert "No deck was written" in err
    assert "Traceback" not in err
    assert not to.exists()
    # --batch with report choices is a mistake on the command line (exit 2)
    assert main(["slides", str(ws), "--batch", "x.toml", "--all", "--to", str(to)]) == 2
    assert "cannot be combined with --batch" in capsys.readouterr().err
