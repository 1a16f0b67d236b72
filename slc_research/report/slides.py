"""``slc-research slides``: a PowerPoint deck per report, for a staff session.

Each deck is built with python-pptx from the case study's result (the same object the
report shows) and its "At a glance" summary::

    1  the title, what the report is about, and any warning every reader needs first
    2  At a glance: three to six findings in plain words, and the strength of evidence
    3+ the key charts (up to four), one a slide, as PNG images drawn by vl-convert, each
       with its finding written under it (the "how to read this" note in the speaker's
       notes); a chart that would be drawn at less than 60% of its size (a very tall one)
       is left for the report and the next section's chart is shown
    .  In their own words: two or three quotes attributed by role only
    .  How sure we are: the strength of evidence and what this can and cannot tell us
    .  Questions for discussion

Every word is a real text box (titles in the slides' title placeholders, lists in body
placeholders), so the deck is edited in PowerPoint or LibreOffice Impress like any other.
The decks are written through :func:`~slc_research.report.sharing.sharing`: written aside,
scanned by the output check (which reads every part of a ``.pptx``), and put in place only
if nothing was found.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slc_research.report.slide_content import MAX_CHARTS, DeckContent, KeyChart, deck_content

__all__ = ["CHART_PPI", "SlidesResult", "build_deck", "write_deck", "write_decks"]

#: Resolution of the chart images (pixels per inch of the chart as Vega-Lite sizes it).
CHART_PPI = 200

_WIDTH_IN, _HEIGHT_IN = 13.333, 7.5  # 16:9
_MARGIN_IN = 0.6
_TITLE_TOP_IN, _TITLE_HEIGHT_IN = 0.35, 1.0
_BODY_TOP_IN = 1.5
_FOOT_IN = 0.45  # room kept clear at the foot of each slide
_SIZES = (28, 24, 22, 20, 18, 16, 14)
#: A chart drawn smaller than this share of its own size is left for the report.
_SMALLEST_CHART = 0.6

# The default template's layouts (python-pptx's own): title slide, title and content,
# title only.
_TITLE_SLIDE, _TITLE_AND_CONTENT, _TITLE_ONLY = 0, 1, 5


@dataclass(frozen=True)
class SlidesResult:
    """The outcome of :func:`write_decks`.

    Attributes
    ----------
    folder : Path
        Where the decks are.
    decks : tuple of Path
        One per report, in the plan's order.
    skipped : tuple of str
        Lines saying which reports got no deck, and why.
    """

    folder: Path
    decks: tuple[Path, ...]
    skipped: tuple[str, ...] = field(default_factory=tuple)


def build_deck(content: DeckContent) -> Any:
    """The staff deck of one report, as a python-pptx ``Presentation``.

    Parameters
    ----------
    content : DeckContent
        What the deck says (:func:`~slc_research.report.slide_content.deck_content`).

    Returns
    -------
    pptx.presentation.Presentation
    """
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(_WIDTH_IN), Inches(_HEIGHT_IN)
    deck.core_properties.title = content.title
    deck.core_properties.author = "slc-research"
    deck.core_properties.subject = "Findings for a staff session"
    _title_slide(deck, content)
    _list_slide(deck, "At a glance", content.findings, foot=_evidence_line(content.evidence),
                notes=content.evidence)
    shown = 0
    for chart in content.charts:
        if shown < MAX_CHARTS and _chart_slide(deck, chart):
            shown += 1
    if content.quotes:
        _list_slide(deck, "In their own words",
                    [f"\u201c{q.words}\u201d \u2014 {q.who}" for q in content.quotes],
                    notes="Quotes come only from people who agreed to be quoted, and are "
                          "named by role only. They illustrate a theme; they do not show "
                          "how many people think so.")
    sure = [*([content.evidence] if content.evidence else []), *content.can_and_cannot]
    _list_slide(deck, "How sure we are", sure or ["The report explains how sure we are."])
    _list_slide(deck, "Questions for discussion", content.questions)
    return deck


def write_deck(result: Any, glance: Any, path: str | Path) -> Path:
    """Build and save the staff deck of one result (no output check: see :func:`write_decks`).

    Parameters
    ----------
    result : Result
    glance : Glance
        Its "At a glance" summary.
    path : path
        The ``.pptx`` file to write.

    Returns
    -------
    Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build_deck(deck_content(result, glance)).save(str(path))
    return path


def write_decks(workspace: str | Path, plan: Sequence[Any], to: str | Path, *,
                check: bool = True, enquiry: Any = None) -> SlidesResult:
    """Write a staff deck for each planned report into ``to``, checked before it is shared.

    Parameters
    ----------
    workspace : path
        The enquiry workspace.
    plan : sequence of PlannedReport
        The reports (:func:`~slc_research.report.batch.expand_batch`); research copies and
        reports whose case study does not apply get no deck.
    to : path
        The folder for the decks, each named like its report (``slc_impact.pptx``).
    check : bool
        Run the output check on the decks before they are put in place.
    enquiry : Enquiry, optional
        The workspace already opened (default: opened here).

    Returns
    -------
    SlidesResult

    Raises
    ------
    ConfigError
        No report of the plan can have a deck.
    OutputLeakError
        The output check found a name or real id in a deck: nothing was put in place.
    """
    from slc_research.casestudies.glance import at_a_glance
    from slc_research.charts import use_offline_renderer
    from slc_research.errors import ConfigError
    from slc_research.report.catalogue import notebook_info
    from slc_research.report.folder import consent_digest, read_ledger, write_ledger
    from slc_research.report.sharing import sharing
    from slc_research.workspace.enquiry import Enquiry

    workspace, to = Path(workspace).resolve(), Path(to).resolve()
    skipped = [r.not_run for r in plan if r.not_run]
    skipped += [f"{r.name}: no deck - the research copy has the staff report's findings"
                for r in plan if not r.not_run and r.audience != "staff"]
    wanted = [r for r in plan if not r.not_run and r.audience == "staff"]
    if not wanted:
        raise ConfigError(f"{'; '.join(dict.fromkeys(skipped)) or 'no report was asked for'}. "
                          "No deck was written: ask for a staff report of a case study that "
                          "applies to this enquiry.")
    enq = enquiry if enquiry is not None else Enquiry.open(workspace)
    use_offline_renderer()  # the theme the reports draw with
    written = []
    ledger, consent = read_ledger(to), consent_digest(workspace)
    with sharing(to, workspace, check=check) as staged:
        staged.mkdir(parents=True)
        for report in wanted:
            study = notebook_info(report.notebook.stem)
            params = study.validate(**{**report.parameters, "workspace": str(workspace)})
            result = study.result(enq, params)
            written.append(write_deck(result, at_a_glance(result),
                                      staged / f"{report.name}.pptx").name)
            # which consent register each deck was made from: `check-outputs` on the folder
            # then names a deck made before a pupil withdrew
            ledger[report.name] = {"html": written[-1], "consent": consent, "status": "ok",
                                   "notebook": str(report.notebook), "audience": "staff",
                                   "parameters": dict(report.parameters)}
        write_ledger(staged, ledger)
    return SlidesResult(to, tuple(to / name for name in written),
                        tuple(dict.fromkeys(skipped)))


# --- slides ---------------------------------------------------------------------------------

def _evidence_line(evidence: str) -> str:
    """``evidence`` introduced as the strength of evidence, once (``""`` when there is none)."""
    evidence = evidence.strip()
    if not evidence or evidence.lower().startswith("strength of evidence"):
        return evidence
    return f"Strength of evidence: {evidence}"


def _title_slide(deck: Any, content: DeckContent) -> None:
    from pptx.util import Inches, Pt

    slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_SLIDE])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    _place(title, _MARGIN_IN, 1.6, _WIDTH_IN - 2 * _MARGIN_IN, 2.0)
    title.text_frame.word_wrap = True
    title.text = content.title
    title.text_frame.paragraphs[0].font.size = Pt(40 if len(content.title) < 60 else 32)
    _place(subtitle, _MARGIN_IN + 0.4, 3.9, _WIDTH_IN - 2 * _MARGIN_IN - 0.8, 2.6)
    lines = [content.subtitle or "Findings for a staff session", *content.warnings]
    _fill(subtitle.text_frame, lines, Inches(_WIDTH_IN - 2 * _MARGIN_IN - 0.8), 2.6,
          largest=24)
    _notes(slide, "Findings for a staff session. Every number comes from the report of the "
                  "same name; no pupil is named.")


def _list_slide(deck: Any, heading: str, lines: Sequence[str], *, foot: str = "",
                notes: str = "") -> None:
    from pptx.util import Inches, Pt

    slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_AND_CONTENT])
    _heading(slide, heading)
    body = slide.placeholders[1]
    width = _WIDTH_IN - 2 * _MARGIN_IN
    foot_height = 0.9 if foot else 0.0
    height = _HEIGHT_IN - _BODY_TOP_IN - _FOOT_IN - foot_height
    _place(body, _MARGIN_IN, _BODY_TOP_IN, width, height)
    _fill(body.text_frame, lines, Inches(width), height)
    if foot:
        box = slide.shapes.add_textbox(Inches(_MARGIN_IN), Inches(_HEIGHT_IN - _FOOT_IN
                                                                  - foot_height),
                                       Inches(width), Inches(foot_height))
        box.text_frame.word_wrap = True
        box.text_frame.text = foot
        box.text_frame.paragraphs[0].font.size = Pt(_size([foot], width, foot_height, 18))
        box.text_frame.paragraphs[0].font.italic = True
    if notes:
        _notes(slide, notes)


def _chart_slide(deck: Any, chart: KeyChart) -> bool:
    """Add a slide for ``chart``; False (no slide) when it would be too small to read."""
    import vl_convert as vlc
    from PIL import Image
    from pptx.util import Inches, Pt

    width = _WIDTH_IN - 2 * _MARGIN_IN
    caption = 1.2 if chart.finding else 0.0
    room_h = _HEIGHT_IN - _BODY_TOP_IN - _FOOT_IN - caption
    png = vlc.vegalite_to_png(chart.spec, ppi=CHART_PPI)
    with Image.open(io.BytesIO(png)) as image:
        px_w, px_h = image.size
    scale = min(width / px_w, room_h / px_h)  # inches per pixel on the slide
    if scale * CHART_PPI < _SMALLEST_CHART:  # a tall chart's words would be unreadable
        return False
    slide = deck.slides.add_slide(deck.slide_layouts[_TITLE_ONLY])
    _heading(slide, chart.heading)
    pic_w, pic_h = px_w * scale, px_h * scale
    picture = slide.shapes.add_picture(io.BytesIO(png), Inches(_MARGIN_IN + (width - pic_w) / 2),
                                       Inches(_BODY_TOP_IN), Inches(pic_w), Inches(pic_h))
    picture.name = f"Chart: {chart.heading}"
    if chart.finding:
        box = slide.shapes.add_textbox(Inches(_MARGIN_IN), Inches(_BODY_TOP_IN + pic_h + 0.1),
                                       Inches(width), Inches(caption))
        box.text_frame.word_wrap = True
        box.text_frame.text = chart.finding
        box.text_frame.paragraphs[0].font.size = Pt(_size([chart.finding], width, caption, 20))
    _notes(slide, chart.note or chart.finding)
    return True


def _heading(slide: Any, text: str) -> None:
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt

    title = slide.shapes.title
    _place(title, _MARGIN_IN, _TITLE_TOP_IN, _WIDTH_IN - 2 * _MARGIN_IN, _TITLE_HEIGHT_IN)
    title.text_frame.word_wrap = True
    title.text = text
    paragraph = title.text_frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    paragraph.font.size = Pt(_size([text], _WIDTH_IN - 2 * _MARGIN_IN, _TITLE_HEIGHT_IN, 36))
    paragraph.font.bold = True


def _fill(frame: Any, lines: Sequence[str], width_emu: int, height_in: float, *,
          largest: int = 28) -> None:
    """Put ``lines`` into a text frame, one paragraph each, at a size that fits the box."""
    from pptx.enum.text import MSO_AUTO_SIZE
    from pptx.util import Emu, Pt

    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE  # the size chosen here; no viewer shrinks it further
    size = _size(lines, Emu(width_emu).inches, height_in, largest)
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = str(line)
        paragraph.font.size = Pt(size)
        paragraph.space_after = Pt(size * 0.4)


def _size(lines: Sequence[str], width_in: float, height_in: float, largest: int) -> int:
    """The largest font size (points) at which ``lines`` fit a box, by a cautious estimate.

    A character is taken as 0.55 em wide (Calibri and Liberation Sans average about 0.5),
    a line as 1.2 em high, a paragraph's space after as 0.4 em, and bullets and the box's
    insets as half an inch of width.
    """
    for size in (s for s in _SIZES if s <= largest):
        per_line = max(1, int((width_in - 0.5) * 72 / (0.55 * size)))
        rows = sum(max(1, math.ceil(len(str(line)) / per_line)) for line in lines)
        needed = (rows * 1.2 + 0.4 * len(lines)) * size / 72 + 0.2
        if needed <= height_in:
            return size
    return _SIZES[-1]


def _place(shape: Any, left: float, top: float, width: float, height: float) -> None:
    from pptx.util import Inches

    shape.left, shape.top = Inches(left), Inches(top)
    shape.width, shape.height = Inches(width), Inches(height)


def _notes(slide: Any, text: str) -> None:
    slide.notes_slide.notes_text_frame.text = text
