"""Which columns of a questionnaire export are questions, and the item code each might get.

:func:`survey_columns` is what the column mapper offers for a survey source:
the tool recognised (:mod:`slc_research.data.loading.survey_exports`), its question
columns with a suggested item code, and the columns that are not questions
with the reason. It only reads the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from slc_research.data.loading.survey_exports import column_keys, read_export, tidy_export
from slc_research.data.parsing.values import distinct
from slc_research.data.spec import ResponseScale, normalise_answer
from slc_research.privacy.folding import fold

__all__ = ["SurveyColumns", "item_code_from_question", "name_words", "survey_columns"]

_STOP = {"i", "the", "a", "an", "to", "of", "in", "and", "my", "is", "do", "you", "your", "how",
         "with", "for", "on", "at", "are", "am", "me", "it", "this", "that", "what", "which",
         "much", "often", "be", "by", "or"}


@dataclass(frozen=True)
class SurveyColumns:
    """A questionnaire export's columns as the mapper offers them.

    Attributes
    ----------
    format : str
        ``msforms``, ``google``, ``qualtrics`` or ``plain``.
    tool : str
        The tool's name ("Microsoft Forms", ...).
    questions : dict
        Header -> suggested item code (None: no suggestion), in file order.
    question_texts : dict
        Header -> the question as respondents read it (Qualtrics row 2).
    not_questions : dict
        Header -> why it is not a question ("Qualtrics metadata", "personal data:
        left out", "free text").
    response_scale : str or None
        The one answer scale every suggested (new) item's answers fit, if any.
    """

    format: str
    tool: str
    questions: dict[str, str | None]
    question_texts: dict[str, str]
    not_questions: dict[str, str]
    response_scale: str | None


def name_words(names: Iterable[str]) -> frozenset[str]:
    """The words of people's names as :func:`item_code_from_question` splits a question.

    Each name as written, with its accents dropped ("Zoë" gives "zo" and "zoe") and
    without its apostrophes ("O'Neill" gives "neill" and "oneill"); words of three letters
    or more.
    """
    out: set[str] = set()
    for name in names:
        text = str(name).casefold()
        joined = re.sub(r"['\u2019]", "", text)
        for form in (text, fold(text), joined, fold(joined)):
            out.update(w for w in re.findall(r"[a-z0-9]+", form) if len(w) >= 3)
    return frozenset(out)


def item_code_from_question(text: str, taken: Sequence[str] = (),
                            avoid: frozenset[str] = frozenset()) -> str:
    """A short item code from a question: ``"I look forward to my lessons"`` -> ``"look_forward_lessons"``.

    Words in ``avoid`` (the people's :func:`name_words`) are never part of it: "How did
    Mr Okafor's lessons help?" gives ``did_mr_lessons``, so no code carries a teacher's or
    a pupil's name into the cache and the reports.
    """
    words = [w for w in re.findall(r"[a-z0-9]+", text.casefold())
             if w not in _STOP and w not in avoid]
    base = "_".join(words[:3]) or "item"
    if base[0].isdigit():
        base = f"q{base}"
    code, i = base, 2
    while code in taken:
        code, i = f"{base}_{i}", i + 1
    return code


def _fits(answers: list[str], scales: Mapping[str, ResponseScale]) -> str | None:
    """The first answer scale on which every answer is found, each at a level of its own.

    Two different answers on one level ("Disagree" and "Somewhat disagree" of a
    seven-point scale, both read as agree5's "Disagree") mean the form has more
    levels than the scale: it does not fit.
    """
    keys = {normalise_answer(a) for a in answers}
    for name, scale in scales.items():
        lookup = scale.lookup()
        if keys and keys <= set(lookup):
            levels = [lookup[k] for k in keys if lookup[k] == lookup[k]]  # NaN: no answer
            if len(levels) == len(set(levels)):
                return name
    return None


def survey_columns(path: str | Path, *, label: str | None = None, sheet: str | None = None,
                   forced: str = "auto", codes: Sequence[str] = (),
                   known: Mapping[str, str] | None = None,
                   response_scales: Mapping[str, ResponseScale] | None = None,
                   avoid: frozenset[str] = frozenset()) -> SurveyColumns:
    """Recognise a questionnaire export and suggest an item code for each question column.

    Parameters
    ----------
    path : str or Path
        The raw export (only read).
    label : str, optional
        The path as the manifest writes it, for messages.
    sheet : str, optional
        The workbook sheet.
    forced : str, default "auto"
        The ``format`` option.
    codes : sequence of str
        Item codes of the instrument's ``[scales.*]`` tables: a question whose
        header (or question text, or Qualtrics name) is one of them gets it.
    known : mapping, optional
        Normalised header -> item code as other sources already map it; these win.
    response_scales : mapping, optional
        Answer scales by name. A question with no known code gets a new code
        from its words only when all its answers fit one of these scales, or
        when it is tick-all-that-apply (Microsoft Forms' trailing ``;``).
    avoid : frozenset of str
        The people's :func:`name_words`: never part of a new code.

    Returns
    -------
    SurveyColumns
    """
    raw, export = read_export(path, forced, label=label, sheet=sheet)
    table, _ = tidy_export(raw, export, keep=set())
    known = {normalise_answer(k): v for k, v in (known or {}).items()}
    by_norm = {normalise_answer(c): c for c in codes}
    scales = dict(response_scales or {})
    questions: dict[str, str | None] = {}
    fitting: set[str | None] = set()
    taken: list[str] = list(codes)
    names: dict[str, list[str]] = {}
    for key, header in column_keys(export, raw.headers).items():
        names.setdefault(header, []).append(key)
    for h in export.questions(raw.headers):
        code = next((known[n] for n in names.get(h, ()) if n in known), None) or next(
            (by_norm[n] for n in names.get(h, ()) if n in by_norm), None)
        if code is None:
            answers = [str(c) for c in distinct(table.data[h])[1]] if h in table.data else []
            fit = _fits(answers, scales)
            ticks = export.format == "msforms" and answers and all(a.endswith(";")
                                                                   for a in answers)
            if fit or ticks:
                stem = h.casefold() if export.format == "qualtrics" else export.question_text(h)
                code = item_code_from_question(stem, taken, avoid)
                fitting.add(fit)
        questions[h] = code
        if code:
            taken.append(code)
    why = {**{h: f"{export.tool} metadata" for h in export.metadata},
           **{h: "personal data: left out, never read" for h in export.personal},
           **{h: "free text, not a scale item" for h in export.text}}
    fitting.discard(None)
    return SurveyColumns(export.format, export.tool, questions,
                         {h: export.question_text(h) for h in questions},
                         {h: why[h] for h in raw.headers if h in why},
                         fitting.pop() if len(fitting) == 1 else None)

