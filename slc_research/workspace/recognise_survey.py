"""What needs several exports at once: ids matched to the roster, and surveys' codes and waves.

:func:`link_to_roster` chooses, in every file, the column whose values best
match the roster's ids (and the roster's id column the other files use);
:func:`plan_surveys` gives each questionnaire export its item codes (a grid
row's ``[statement]`` makes the code, so ``Agree with these statements [I
enjoy lessons]`` becomes ``enjoy_lessons``; a question reworded a little in another
wave keeps its code: :mod:`.recognise_codes`), its answer scale, its instrument, its
wave and its respondent id, each with the reason to check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from statistics import median
from typing import Any

import pandas as pd

from slc_research.data.loading.survey_choices import split_choices
from slc_research.data.loading.survey_columns import (
    item_code_from_question,
    name_words,
    survey_columns,
)
from slc_research.data.loading.survey_exports import read_export, tidy_export
from slc_research.data.parsing.dates import parse_dates
from slc_research.data.parsing.values import distinct
from slc_research.data.spec import BUILTIN_RESPONSE_SCALES, ResponseScale, normalise_answer
from slc_research.errors import SlcResearchError
from slc_research.privacy.identifiers import Identifiers
from slc_research.privacy.redaction import Redaction, redaction_identifiers
from slc_research.workspace.entry_check import plain_reason
from slc_research.workspace.mapping_editor import suggest_mapping
from slc_research.workspace.recognise_codes import (
    grid_statement,
    item_codes,
    wording_change,
)
from slc_research.workspace.recognise_ids import ID_COLUMN, best_id_column, set_id, settle_roster_id
from slc_research.workspace.recognised import Placed, id_values

__all__ = ["answered_for_a_child", "grid_statement", "instrument_name", "item_codes",
           "plan_surveys", "wave_hint", "wording_change"]

#: Words of a question asked of a parent or carer about their child ("your child's ...").
_ABOUT_A_CHILD = re.compile(r"\b(?:your|my|our)\s+(?:child|children|son|daughter|ward)\b"
                            r"|\bchild(?:'s|\u2019s|ren's|ren\u2019s)\b", re.IGNORECASE)
#: Words of an id question that names the respondent's child or the respondent as a parent.
_PARENT_ID = re.compile(r"\b(?:child|children|son|daughter|parent|carer|guardian)\b",
                        re.IGNORECASE)
#: A grid question that only asks how far one agrees, or to rate (no topic of its own).
_ASKS_ONLY_HOW = re.compile(
    r"(?i)(?:please\s+)?(?:(?:how\s+(?:far|much|strongly|often)|to\s+what\s+extent)\s+do\s+"
    r"you\s+(?:agree|disagree)(?:\s+or\s+disagree)?|(?:please\s+)?(?:rate|tick|choose)|"
    r"(?:do\s+you\s+)?agree\s+or\s+disagree)(?:\s+(?:with|to)\s+(?:the|these|each of the)"
    r"(?:\s+following)?\s+(?:statements?|sentences?))?\s*[?:.]?")
_STAMP_HEADERS = {"timestamp", "starttime", "startdate", "completiontime", "recordeddate",
                  "enddate"}
_SEASONS = {"autumn": 1, "fall": 1, "spring": 2, "summer": 3}
_PRE_POST = {"pre": 1, "before": 1, "baseline": 1, "start": 1, "mid": 2, "midpoint": 2,
             "post": 3, "after": 3, "end": 3, "final": 3}
_WAVE = re.compile(r"(?:wave|round|time|t)\s*[_-]?\s*(\d{1,2})\b", re.I)


def answered_for_a_child(id_question: str, questions: Sequence[str]) -> bool:
    """Whether a survey keyed by pupils' ids was answered by their parents or carers.

    Its id question names the child or the parent ("What is your child's admission
    number?"), or at least a third of its questions ask about "your child", "my son" or a
    "child's" learning. A pupils' questionnaire asking about "my parents" is not one.

    Examples
    --------
    >>> answered_for_a_child("What is your child's admission number?", ["I enjoy school"])
    True
    >>> answered_for_a_child("Admission number", ["My parents help me with homework"])
    False
    """
    if _PARENT_ID.search(id_question):
        return True
    about = sum(bool(_ABOUT_A_CHILD.search(q)) for q in questions)
    return bool(questions) and about * 3 >= len(questions)


def wave_hint(name: str) -> tuple[int, str] | None:
    """A wave order from a file name: ``wave 2`` -> 2, ``pre`` -> 1, ``summer`` -> 3."""
    m = _WAVE.search(name)
    if m:
        return int(m.group(1)), f"'{m.group(0).strip()}' in its name"
    words = re.findall(r"[a-z]+", name.casefold())
    for w in words:
        if w in _SEASONS:
            return _SEASONS[w], f"'{w}' in its name"
    for w in words:
        if w in _PRE_POST:
            return _PRE_POST[w], f"'{w}' in its name"
    return None


def _median_day(table: Any, headers: Sequence[str]) -> float | None:
    """The median day of the tool's timestamp column (year * 400 + month * 32 + day), if any.

    The column is read as the survey loader reads it (day first, or month first when
    the column's dates only make sense so: a US Google Sheet's ``10/2/2025 14:01:12``).
    """
    for h in headers:
        if re.sub(r"[^a-z]", "", h.casefold()) in _STAMP_HEADERS and h in table.data:
            parsed = parse_dates(table.data[h], label="", header=h, month_first_column=True,
                                 cap=1)
            days = pd.to_datetime(parsed.values).dropna()
            if len(days):
                return median(d.year * 400 + d.month * 32 + d.day for d in days)
    return None


def instrument_name(stems: Sequence[str], avoid: frozenset[str] = frozenset()) -> str:
    """An instrument name from the words file names share: ``pupil voice autumn`` -> ``pupil_voice``.

    Words in ``avoid`` (people's name words: "Mr Okafor class survey") are left out.
    """
    words = [[w for w in re.findall(r"[a-z]+", s.casefold()) if w not in avoid
              and w not in _SEASONS and w not in
              _PRE_POST and w not in ("wave", "round", "responses", "response", "form", "export",
                                      "results", "csv", "xlsx", "t")] for s in stems]
    common = [w for w in words[0] if all(w in ws for ws in words[1:])] if words else []
    return "_".join(common[:4]) or "questionnaire"


def plan_surveys(placed: Sequence[Placed], ids: Mapping[str, set[str]] | None = None,
                 response_scales: Mapping[str, ResponseScale] | None = None,
                 names: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """Give each survey its item codes, answer scale, instrument, wave and respondent id.

    Surveys asking mostly the same questions (half of their items or more) are
    waves of one instrument. Waves are ordered by ``wave N`` in the file names
    when every file has one, else by the dates of the responses, else by
    ``autumn/spring/summer`` or ``pre/post`` in the names, else by file order.
    The respondent id is the column whose answers best match the roster's ids
    (its share is given). Returns the proposed ``[scales.NAME]`` tables: each
    grid of two or more items on one answer scale. No code or scale name is made of a word
    of ``names`` (the people on the roster and staff list), and a scale's label has them
    redacted: a question naming a teacher ("Mr Okafor's lessons") never carries the name
    into the cache and the reports.
    """
    names = list(names)
    avoid = name_words(names)
    ident = redaction_identifiers(names=names) if names else None
    scales_known = dict(response_scales or BUILTIN_RESPONSE_SCALES)
    ids = dict(ids or {})
    known: dict[str, str] = {}
    taken: list[str] = []
    worded: dict[str, str] = {}
    groups: list[list[tuple[Placed, float | None]]] = []
    group_codes: list[set[str]] = []
    proposed: dict[str, dict[str, Any]] = {}
    values = {p.rel: {h: id_values(p.raw, h) for h in p.raw.headers} for p in placed
              if p.raw is not None and p.kind in ID_COLUMN and p.kind != "survey"}
    for p in (p for p in placed if p.kind == "survey"):
        try:
            survey = survey_columns(p.file, label=p.rel, response_scales=scales_known,
                                    avoid=avoid)
            raw, export = read_export(p.file, label=p.rel)
            table, _ = tidy_export(raw, export, keep=set(export.personal))
        except Exception as exc:  # noqa: BLE001 - the loader's check says why, by itself
            why = plain_reason(exc) if isinstance(exc, SlcResearchError) else type(exc).__name__
            p.checks["kind"] += f"; its questions could not be read ({' '.join(why.split())})"
            continue
        reworded: dict[str, str] = {}
        codes = item_codes(survey.questions, survey.question_texts, known=known, taken=taken,
                           worded=worded, notes=reworded, avoid=avoid)
        if not codes and _as_texts(p, table, export, ids):
            continue
        cols = {h: c for h, c in codes.items()}
        p.checks.update({f"columns.{h}": reworded.get(h) or ((
            "the grid row's statement" if grid_statement(h, survey.question_texts.get(h))
            else "the question's words") + " made the code") for h in codes})
        if survey.response_scale:
            p.table["response_scale"] = survey.response_scale
            p.checks["response_scale"] = _scale_reason(scales_known[survey.response_scale], [
                a for h in codes if h in table.data for a in distinct(table.data[h])[1]])
        candidates = {h: id_values(table, h) for h in table.headers
                      if h not in codes and h not in export.metadata}
        match = best_id_column(candidates, ids, least=0.3) if ids else None
        values[p.rel] = candidates
        day = _median_day(table, table.headers)
        if day is not None:
            p.first_day = day
        p.table["columns"] = cols
        if match is not None:
            share, header, roster_header, n = match
            set_id(p, "respondent_id", header, roster_header, share, f"answers ({n})")
            # the id question's words: a Qualtrics header is only its code ("Q2")
            asked = survey.question_texts.get(header) or header
            if answered_for_a_child(asked, [survey.question_texts.get(h) or h for h in codes]):
                p.table["respondents"] = "parent"  # keyed by their child's id: not the pupils'
                p.checks["respondents"] = ("its ids are pupils' ids, but its questions ask "
                                           "about the respondent's child: parents or carers")
            else:
                p.table["respondents"] = "pupil"
                p.checks["respondents"] = "its respondent ids are pupils' ids"
        elif not ids:  # no roster to match: an id column is known by its header alone
            header = suggest_mapping([h for h in candidates if h not in export.personal],
                                     "survey", cutoff=0.85).get("respondent_id")
            if header is not None:
                cols[header] = "respondent_id"
                p.checks[f"columns.{header}"] = ("its header reads as an id (there is no roster "
                                                 "in the folder to match its answers against)")
        found = set(codes.values())
        for g, gcodes in enumerate(group_codes):
            if found and len(found & gcodes) >= max(1, min(len(found), len(gcodes)) / 2):
                groups[g].append((p, _median_day(table, table.headers)))
                gcodes |= found
                break
        else:
            groups.append([(p, _median_day(table, table.headers))])
            group_codes.append(set(found))
        _propose_scales(p, codes, survey.question_texts, proposed, avoid, ident)
        _propose_runs(p, codes, survey, table, scales_known, proposed)
        p.unread = _unread(table, export, survey.questions, cols, taken, avoid)
    settle_roster_id(placed, ids, values)
    for group in groups:
        _waves(group, avoid)
    for scale in proposed.values():
        scale["instrument"] = scale.pop("source").table["instrument"]
    _plain_labels(proposed)
    return _run_names(proposed)


def _scale_reason(scale: ResponseScale, answers: Sequence[object]) -> str:
    """Why the coded questions are read on the answer scale ``scale``: words, or a guess.

    Answers that are all numbers (Qualtrics' "numeric values" download, a form scored 1-5)
    fit any scale of enough levels: which words they stand for is a guess to check.
    """
    name, levels = scale.name, scale.levels
    numbers = sorted({int(float(a)) for a in answers
                      if re.fullmatch(r"\s*\d+(?:\.0+)?\s*", str(a))})
    if not answers or len(numbers) < len({str(a).strip() for a in answers}):
        return f"every answer of the coded questions is on {name} ({levels[0]} .. {levels[-1]})"
    return (f"a guess: the answers are numbers ({numbers[0]} to {numbers[-1]}), not words, so "
            f"they are read as {name}'s {scale.start} = {levels[0]} .. {scale.maximum} = "
            f"{levels[-1]}; check what your survey tool numbered each answer (Qualtrics: "
            "Recode values) and give the scale it used, in that order")


def _plain_labels(proposed: dict[str, dict[str, Any]]) -> None:
    """A grid's question as the scale's label, unless it only asks how far one agrees.

    "How far do you agree?" would make a report say "members' how far do you agree? went
    up": such a scale is named after its questionnaire ("Family survey"), numbered when the
    questionnaire has several.
    """
    generic = [s for s in proposed.values() if not s["label"].strip()
               or _ASKS_ONLY_HOW.fullmatch(s["label"].strip())]
    for scale in generic:
        words = scale["instrument"].replace("_", " ").strip()
        scale["label"] = words[:1].upper() + words[1:]
        same = [s for s in generic if s["instrument"] == scale["instrument"]]
        if len(same) > 1:
            scale["label"] += f" ({same.index(scale) + 1} of {len(same)})"


def _as_texts(p: Placed, table: Any, export: Any, ids: Mapping[str, set[str]]) -> bool:
    """A form of free answers only (no scale item): its longest answers read as texts."""
    skip = {*export.metadata, *export.personal}
    lengths = {}
    for h in table.headers:
        if h not in skip:
            answers = [str(v) for v in distinct(table.data[h])[1]]
            lengths[h] = sum(map(len, answers)) / len(answers) if answers else 0.0
    text = max(lengths, key=lambda h: lengths[h], default=None)
    if text is None or lengths[text] < 40:
        return False
    p.kind, p.what = "texts", f"written answers in a {export.tool} form (no scale questions)"
    cols: dict[str, str] = {text: "text"}
    p.checks["kind"] = (f"the {export.tool} form has no question answered on a scale, and "
                        f"'{text}' holds sentences (on average {lengths[text]:.0f} characters)")
    p.checks[f"columns.{text}"] = "its answers are sentences"
    stamp = next((h for h in export.metadata if re.sub(r"[^a-z]", "", h.casefold())
                  in _STAMP_HEADERS), None)
    if stamp is not None:
        cols[stamp] = "date"
        p.checks[f"columns.{stamp}"] = "when the answer was sent"
    p.table = {"kind": "texts", "text_source": "reflection", "columns": cols}
    p.checks["text_source"] = "a form of written answers: reflections? (or open_answer, feedback)"
    candidates = {h: id_values(table, h) for h in table.headers if h not in cols and h not in
                  export.metadata}
    match = best_id_column(candidates, ids, least=0.3) if ids else None
    if match is not None:
        set_id(p, "author_id", match[1], match[2], match[0], f"answers ({match[3]})")
        p.table["authors"] = "pupil"
        p.checks["authors"] = "its author ids are pupils' ids"
    return True


def _unread(table: Any, export: Any, questions: Mapping[str, str | None],
            cols: Mapping[str, str], taken: list[str], avoid: frozenset[str] = frozenset()
            ) -> dict[str, tuple[str, str]]:
    """The question columns given no code (nor the respondent id): a code each, and why not."""
    out: dict[str, tuple[str, str]] = {}
    sep = export.separator
    for header, code in questions.items():
        if code or header in cols or header not in table.data:
            continue
        answers = [str(a) for a in distinct(table.data[header])[1]]
        if not answers:
            continue
        suggested = item_code_from_question(export.question_text(header), taken, avoid)
        ticks = split_choices(table.data[header], sep)
        if len(ticks.options) >= 2 and any(sep.strip() in a for a in answers):
            why = (f"not read: its answers look like ticked options joined by {sep.strip()!r} "
                   "(a tick-all-that-apply question); remove the # to read one yes/no item per "
                   "option")
        else:
            why = ("not read: its answers fit no answer scale (free text?); give it a "
                   "[response_scales.NAME] of its answers and remove the #, or leave it out")
        out[header] = (suggested, why)
    return out


def _propose_scales(p: Placed, codes: Mapping[str, str], texts: Mapping[str, str],
                    proposed: dict[str, dict[str, Any]], avoid: frozenset[str] = frozenset(),
                    ident: Identifiers | None = None) -> None:
    if "response_scale" not in p.table:
        return
    stems: dict[str, list[str]] = {}
    for h, code in codes.items():
        grid = grid_statement(h, texts.get(h))
        if grid:
            stems.setdefault(grid[0], []).append(code)
    for stem, items in stems.items():
        if len(items) < 2 or any(set(items) <= set(s["items"]) for s in proposed.values()):
            continue
        name = item_code_from_question(stem, list(proposed), avoid)
        label = stem if ident is None else Redaction(stem, ident).text
        proposed[name] = {"items": items, "response_scale": p.table["response_scale"],
                          "label": label[:80], "source": p}


#: The fewest questions in a row, on one answer scale, proposed as a scale of their own.
_RUN = 3
#: How a scale proposed from questions in a row is named until its instrument is known.
_RUN_NAME = "\0run"


def _propose_runs(p: Placed, codes: Mapping[str, str], survey: Any, table: Any,
                  scales_known: Mapping[str, ResponseScale],
                  proposed: dict[str, dict[str, Any]]) -> None:
    """Questions in a row answered on the survey's answer scale, not a grid's rows, as a scale.

    Microsoft Forms writes each statement of a Likert question as a question of its own
    (the question above them is not in the export), and many forms ask their statements
    as separate questions: three or more in a row, all answered on one scale, are proposed
    as one scale, marked as a guess.
    """
    if "response_scale" not in p.table:
        return
    lookup = scales_known[p.table["response_scale"]].lookup()
    runs: list[list[str]] = [[]]
    for h in survey.questions:
        fits = (h in codes and not grid_statement(h, survey.question_texts.get(h))
                and h in table.data and all(normalise_answer(a) in lookup
                                            for a in distinct(table.data[h])[1]))
        if fits:
            runs[-1].append(codes[h])
        elif runs[-1]:
            runs.append([])
    for items in runs:
        if len(items) < _RUN or any(set(items) <= set(s["items"]) for s in proposed.values()):
            continue
        proposed[f"{_RUN_NAME}{len(proposed)}"] = {
            "items": items, "response_scale": p.table["response_scale"], "label": "",
            "source": p, "why": {
                "scale": f"{len(items)} questions in a row are answered on "
                         f"{p.table['response_scale']}: one scale? Delete this table if they "
                         "do not measure one thing",
                "instrument": "the questionnaire they are in",
                "label": "the questionnaire's name",
                "items": "the questions in a row; list any worded the other way round in "
                         "reverse = [...]"}}


def _run_names(proposed: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The scales proposed from questions in a row named after their questionnaire."""
    out: dict[str, dict[str, Any]] = {}
    for name, scale in proposed.items():
        if name.startswith(_RUN_NAME):
            name = item_code_from_question(scale["instrument"].replace("_", " "),
                                           [*proposed, *out])
        out[name] = scale
    return out


def _waves(group: list[tuple[Placed, float | None]], avoid: frozenset[str]) -> None:
    names = [wave_hint(p.file.stem) for p, _ in group]
    days = [d for _, d in group]
    if all(n is not None and _WAVE.search(p.file.stem) for (p, _), n in zip(group, names,
                                                                             strict=True)):
        order = sorted(range(len(group)), key=lambda i: names[i][0])
        why = [f"{names[i][1]}" for i in range(len(group))]
    elif len(group) > 1 and all(d is not None for d in days):
        order = sorted(range(len(group)), key=lambda i: days[i])
        why = ["the dates of its responses (earliest file first)"] * len(group)
    elif len(group) > 1 and all(n is not None for n in names):
        order = sorted(range(len(group)), key=lambda i: names[i][0])
        why = [f"{names[i][1]}" for i in range(len(group))]
    else:
        order = list(range(len(group)))
        why = (["the only file of this questionnaire"] if len(group) == 1
               else ["the order of the files in the folder"] * len(group))
    instrument = instrument_name([p.file.stem for p, _ in group], avoid)
    for wave, i in enumerate(order, start=1):
        p = group[i][0]
        p.table["instrument"] = instrument
        p.table["wave"] = wave
        p.checks["instrument"] = ("the words its file names share; every wave of one "
                                  "questionnaire must have the same instrument" if len(group) > 1
                                  else "from its file name")
        p.checks["wave"] = f"wave {wave} of {len(group)}: from {why[i]}"
