"""What a staff deck says, taken from a case study's result (no layout here).

:func:`deck_content` gathers, from the same :class:`~slc_research.casestudies.result.Result`
the report shows and its "At a glance" summary, everything a staff session's slides hold:

- the key charts: the first chart of each section that has one, in the report's order (the
  deck shows up to :data:`MAX_CHARTS` of them), each with its section's heading, its finding (shown under it) and
  its "how to read this" note (the speaker's notes);
- two or three quotes attributed by role only (:func:`role_only`): the case study's own
  exemplar quotes, which already come only from texts whose authors agreed to be quoted
  (:func:`~slc_research.qual.exemplar_quotes` keeps only ``quotable`` texts);
- questions for discussion, written per case study (:data:`DISCUSSION`).

Nothing is read back from a rendered page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = ["DISCUSSION", "MAX_CHARTS", "MAX_QUOTES", "SPEAKERS", "DeckContent", "KeyChart",
           "Quote", "deck_content", "discussion_questions", "first_sentences", "key_charts",
           "quotes_for_slides", "role_only"]

#: At most this many chart slides in a deck.
MAX_CHARTS = 4
#: At most this many quotes on the quotes slide (two or three read well).
MAX_QUOTES = 3
#: A quote longer than this is left for the report, not a slide.
_LONGEST_QUOTE = 220

#: Questions for discussion at a staff session, per case study (the notebook's stem).
DISCUSSION: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "slc_impact": (
        "What do these findings mean for how we plan lessons with students?",
        "Which pupils are not yet in a learning community, and how could we reach them?",
        "What would we need to see next year to be more sure of the effect?",
    ),
    "tlc_impact": (
        "Which changes from our action plans are worth sharing across the school?",
        "What helps colleagues try a plan and report back at the next meeting?",
        "What would we need to see next year to be more sure of the effect?",
    ),
    "student_led_conferences": (
        "What do these findings mean for how we prepare pupils for their conferences?",
        "How can weekly reflections help pupils talk about their learning with parents?",
        "Which families are we not yet reaching, and what could we try?",
    ),
    "coproduction_pilot": (
        "What do these findings mean for pupils at risk of disengaging in our school?",
        "Which parts of the pilot would we keep, change or stop?",
        "What would we need to see to be more sure the projects made the difference?",
    ),
    "voices": (
        "Which of these themes surprise us, and which do we recognise?",
        "What do pupils and staff ask of us that we could act on this term?",
        "Whose voices are missing from what was collected?",
    ),
    "data_health": (
        "Which gaps in our data should we close before the next report?",
        "Who in school could help us collect the missing information?",
        "What should we check before we share these findings more widely?",
    ),
})

#: Who speaks in a case study's quotes when the result does not say (its list of words
#: written by members, e.g. what TLC members learned from their plans).
SPEAKERS: Mapping[str, str] = MappingProxyType({
    "slc_impact": "A pupil", "tlc_impact": "A member of staff",
    "student_led_conferences": "A pupil", "coproduction_pilot": "A pupil"})

_GENERAL = (
    "What do these findings mean for our practice?",
    "What would we do differently next term?",
    "What would we need to see to be more sure?",
)


@dataclass(frozen=True)
class KeyChart:
    """A chart for a slide: its section's heading, the chart, a caption and the speaker's notes.

    The caption is the section's finding cut to its first sentences
    (:func:`first_sentences`); the notes hold the whole finding and "how to read this".
    """

    heading: str
    spec: dict[str, Any]
    finding: str = ""
    note: str = ""


@dataclass(frozen=True)
class Quote:
    """A quote as a slide shows it: the words and who said them, by role only."""

    words: str
    who: str


@dataclass(frozen=True)
class DeckContent:
    """Everything a staff deck says.

    Attributes
    ----------
    title : str
        The deck's title (the "At a glance" title, else the report's).
    subtitle : str
        What the report is about, in a sentence.
    findings : tuple of str
        The "At a glance" findings.
    evidence : str
        How strong the evidence is, in one line.
    can_and_cannot : tuple of str
        What this can and cannot tell us.
    warnings : tuple of str
        What every reader must know first (the result's warnings).
    charts : tuple of KeyChart
    quotes : tuple of Quote
    questions : tuple of str
        Questions for discussion.
    """

    title: str
    subtitle: str
    findings: tuple[str, ...]
    evidence: str
    can_and_cannot: tuple[str, ...]
    warnings: tuple[str, ...]
    charts: tuple[KeyChart, ...]
    quotes: tuple[Quote, ...]
    questions: tuple[str, ...]


def deck_content(result: Any, glance: Any) -> DeckContent:
    """What the staff deck of ``result`` says.

    Parameters
    ----------
    result : Result
        A case study's result.
    glance : Glance
        Its "At a glance" summary (``title``, ``findings``, ``evidence``,
        ``can_and_cannot``), from :func:`slc_research.casestudies.glance.at_a_glance`.

    Returns
    -------
    DeckContent
    """
    return DeckContent(
        title=str(getattr(glance, "title", "") or result.title),
        subtitle=str(result.summary or ""),
        findings=tuple(str(f) for f in glance.findings if str(f).strip()),
        evidence=str(glance.evidence or ""),
        can_and_cannot=tuple(str(c) for c in glance.can_and_cannot if str(c).strip()),
        warnings=tuple(getattr(result, "warnings", ())),
        charts=key_charts(result),
        quotes=quotes_for_slides(result),
        questions=discussion_questions(result.case_study))


def key_charts(result: Any) -> tuple[KeyChart, ...]:
    """The first chart of each section that has one, in order: the candidates for slides.

    The deck shows the first :data:`MAX_CHARTS` of them that read well on a slide.
    """
    return tuple(KeyChart(section.title, section.charts[0].to_dict(),
                          first_sentences(section.finding),
                          " ".join(p for p in (section.finding, section.note) if p))
                 for section in result.sections if section.charts)


#: Where one sentence ends and the next begins (a capital, digit or quote after a stop).
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\u201c\"(])")


def first_sentences(text: str, *, limit: int = _LONGEST_QUOTE) -> str:
    """The whole sentences that begin ``text`` and fit in ``limit`` characters (at least one).

    Examples
    --------
    >>> first_sentences("Members came to 72% of meetings. Boys came less often.", limit=40)
    'Members came to 72% of meetings.'
    """
    sentences = _SENTENCE_BREAK.split(" ".join(str(text).split()))
    kept = sentences[:1]
    for sentence in sentences[1:]:
        if len(" ".join([*kept, sentence])) > limit:
            break
        kept.append(sentence)
    return " ".join(kept).strip()


def discussion_questions(case_study: str) -> tuple[str, ...]:
    """The questions for discussion of ``case_study`` (general ones for another notebook)."""
    return DISCUSSION.get(case_study, _GENERAL)


#: An item holding a quote: “words”, then optionally (who; code) or (who).
_QUOTED_ITEM = re.compile(r"\u201c(?P<words>.+?)\u201d\s*(?:\((?P<who>[^;()]+)(?:;[^()]*)?\))?")
#: A report-local number after a kind of person: "Pupil 3", "Staff member 12".
_NUMBERED = re.compile(r"^\s*(Pupil|Student|Staff member|Teacher|Parent)\s+\d+\b\s*,?\s*",
                       re.IGNORECASE)
_KIND_WORDS = {"pupil": "A pupil", "student": "A student", "staff member": "A member of staff",
               "teacher": "A teacher", "parent": "A parent"}


def role_only(attribution: str) -> str:
    """An attribution with the report-local number taken out, keeping the role.

    Examples
    --------
    >>> role_only("Pupil 3, Pedagogy lead")
    'A pupil (Pedagogy lead)'
    >>> role_only("Staff member 12")
    'A member of staff'
    >>> role_only("A parent")
    'A parent'
    """
    text = " ".join(str(attribution).split())
    match = _NUMBERED.match(text)
    if not match:
        return text or "A participant"
    kind = _KIND_WORDS[match.group(1).lower()]
    role = text[match.end():].strip(" ,;")
    return f"{kind} ({role})" if role else kind


def quotes_for_slides(result: Any, *, limit: int = MAX_QUOTES) -> tuple[Quote, ...]:
    """Up to ``limit`` of the result's exemplar quotes, attributed by role only.

    The quotes are the case study's own (already only from texts that may be quoted):
    a table with ``quote`` and ``attribution`` columns, or a section's list items written
    ``“words” (who; code)``. Quotes that fit a slide and different kinds of speaker (a
    pupil, a member of staff, a parent) come first.
    """
    found: list[Quote] = []
    for section in result.sections:
        for table in section.tables:
            frame = table.frame
            if {"quote", "attribution"} <= set(frame.columns):
                found += [Quote(_clean(q), role_only(w))
                          for q, w in zip(frame["quote"], frame["attribution"], strict=True)
                          if _clean(q)]
        default_who = (_who_from_heading(section.items_heading)
                       or SPEAKERS.get(result.case_study, "A participant"))
        for item in section.items:
            match = _QUOTED_ITEM.search(str(item))
            if match and _clean(match.group("words")):
                who = match.group("who")
                found.append(Quote(_clean(match.group("words")),
                                   role_only(who) if who else default_who))
    unique = list({q.words: q for q in found}.values())
    fits = [q for q in unique if len(q.words) <= _LONGEST_QUOTE] or unique
    chosen: list[Quote] = []
    for q in fits:  # different kinds of speaker first (a pupil, a member of staff, ...)
        if _kind(q.who) not in {_kind(c.who) for c in chosen}:
            chosen.append(q)
    chosen += [q for q in fits if q not in chosen]
    return tuple(chosen[:limit])


def _kind(who: str) -> str:
    """``"A pupil (Pedagogy lead)"`` -> ``"A pupil"``."""
    return who.split(" (", 1)[0]


def _clean(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return " ".join(str(value).split()).strip("\u201c\u201d\"")


def _who_from_heading(heading: str) -> str:
    words = str(heading).lower()
    if "staff" in words or "teacher" in words:
        return "A member of staff"
    if "pupil" in words or "student" in words:
        return "A pupil"
    if "parent" in words:
        return "A parent"
    return ""
