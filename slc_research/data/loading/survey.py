"""Loader for questionnaire exports: one row per respondent, one column per item.

The output is long: one ``survey_responses`` row per respondent and item, with
the trimmed answer as written and its number on the item's answer scale (not
reverse-coded; :func:`slc_research.measures.scales.scale_scores` does that).
Answers are matched ignoring case and spacing; answers that differ from the
scale's wording only in case or spaces are counted in a note.

Raw downloads of Microsoft Forms, Google Forms and Qualtrics are read as they
come (see :mod:`slc_research.data.loading.survey_exports`). A tick-all-that-apply
question becomes one item per option, ``<item>_<option>``, on the yesno scale
(answer "Yes"/"No", value 1/0; both blank when the question was left blank).
"""

from __future__ import annotations

import difflib
from dataclasses import replace

import numpy as np
import pandas as pd

from slc_research.data.loading.common import SourceLoad
from slc_research.data.loading.survey_choices import option_codes, split_choices
from slc_research.data.loading.survey_exports import (
    FORMATS,
    SurveyExport,
    mapped_headers,
    read_export,
    tidy_export,
)
from slc_research.data.loading.survey_rows import keep_one_per_respondent, submitted_times
from slc_research.data.parsing.values import distinct, excel_rows_at
from slc_research.data.reading.raw_table import RawTable
from slc_research.data.spec import (
    LoadContext,
    Loaded,
    ResponseScale,
    SourceSpec,
    normalise_answer,
)
from slc_research.errors import ConfigError, DataError, Problem
from slc_research.words import plural

__all__ = ["load_survey"]

_RESPONDENTS = ("pupil", "staff", "parent")


def _item_columns(src: SourceLoad, instrument: str) -> dict[str, str]:
    """Item code -> header: the mapping's items, or headers that are known item codes."""
    if src.spec.columns:
        items = dict(src.map.items)
    else:
        known = {normalise_answer(i): i for s in src.ctx.scales.values()
                 if s.instrument == instrument for i in s.items}
        items = {known[normalise_answer(h)]: h for h in src.map.unmapped
                 if normalise_answer(h) in known}
    if not items:
        raise DataError.single(
            src.label, f"question columns mapped to item codes; add lines like "
            f"'\"I look forward to my lessons\" = \"eng1\"' under "
            f"[sources.{src.spec.name}.columns] in enquiry.toml")
    return items


def _answer_scale(src: SourceLoad, instrument: str, item: str, header: str) -> ResponseScale:
    """The answer scale of an item: its [scales.*] table's, else the source's response_scale."""
    for scale in src.ctx.scales.values():
        if scale.instrument == instrument and item in scale.items:
            name, key = scale.response_scale, f"scales.{scale.name}.response_scale"
            break
    else:
        name = src.option("response_scale")
        key = f"sources.{src.spec.name}.response_scale"
        if name is None:
            raise DataError.single(
                src.label, f"an answer scale for item {item!r}: list it in a [scales.*] table "
                f"of instrument {instrument!r}, or set response_scale = \"agree5\" (or another "
                f"scale) in [sources.{src.spec.name}]", column=header)
    if name not in src.ctx.response_scales:
        known = ", ".join(sorted(src.ctx.response_scales))
        raise ConfigError(f"unknown answer scale {name!r}; use one of {known} or define it "
                          f"under [response_scales.{name}]", key=key)
    return src.ctx.response_scales[name]


def _valid_answers(scale: ResponseScale) -> str:
    levels = ", ".join(repr(level) for level in scale.levels)
    missing = f" (or {scale.missing[0]!r} for no answer)" if scale.missing else ""
    return (f"one of the {scale.name} answers {levels}{missing}, in any case or spacing, or "
            f"a number from {scale.minimum} to {scale.maximum}")


def _did_you_mean(answer: str, scale: ResponseScale) -> str:
    """"; did you mean 'Agree'? ..." for a misspelt answer close to one of the scale's, else ""."""
    # an alias ("Somewhat agree", "Neutral") is another wording, not a slip of case or spacing
    wording = {normalise_answer(x): x for x in scale.levels}
    close = difflib.get_close_matches(normalise_answer(answer), list(wording), n=1, cutoff=0.75)
    if not close:
        return ""
    return (f"; did you mean {wording[close[0]]!r}? Correct the answer in the file (a misspelt "
            "answer is never guessed)")


def _open_export(spec: SourceSpec) -> tuple[SourceSpec, SurveyExport, RawTable, int]:
    """Read the raw file, recognise its tool, tidy it; the spec's keys resolved to headers."""
    forced = spec.options.get("format", "auto")
    if forced not in FORMATS:
        raise ConfigError(f"format is one of {', '.join(repr(f) for f in FORMATS)}; "
                          f"found {forced!r}", key=f"sources.{spec.name}.format")
    unfinished = spec.options.get("unfinished", "keep")
    if unfinished not in ("keep", "drop"):
        raise ConfigError("unfinished is \"keep\" (the default: answers given count) or "
                          f"\"drop\"; found {unfinished!r}", key=f"sources.{spec.name}.unfinished")
    raw, export = read_export(spec, forced)
    columns = mapped_headers(export, raw, spec.columns)
    raw, dropped = tidy_export(raw, export, keep=set(columns), unfinished=unfinished)
    return replace(spec, columns=columns), export, raw, dropped


def _multi_select(src: SourceLoad, export: SurveyExport, instrument: str) -> dict[str, list | None]:
    """Item -> listed options (None: learnt from the answers) of tick-all-that-apply items.

    An item is one when ``multi_select`` lists it; when Microsoft Forms wrote every
    answer with its trailing ``;``; or when it is in no ``[scales.*]`` table and an
    answer off its answer scale holds the tool's separator.
    """
    declared = src.option("multi_select", {}) or {}
    if not isinstance(declared, dict) or not all(
            isinstance(v, (list, bool)) for v in declared.values()):
        raise ConfigError("multi_select is a table of item code = [the options as listed on the "
                          "form] (or = true to take them from the answers)",
                          key=f"sources.{src.spec.name}.multi_select")
    in_scales = {i for s in src.ctx.scales.values() if s.instrument == instrument for i in s.items}
    fallback = src.ctx.response_scales.get(str(src.option("response_scale", "")))
    out: dict[str, list | None] = {}
    for item, header in src.map.items.items():
        if item in declared:
            listed = declared[item]
            out[item] = [str(o) for o in listed] if isinstance(listed, list) and listed else None
            continue
        if item in in_scales:
            continue
        cats = [str(c) for c in distinct(src.raw.data[header])[1]]
        if not cats:
            continue
        sep = export.separator.strip()
        lookup = fallback.lookup() if fallback else {}
        if (export.format == "msforms" and all(c.endswith(";") for c in cats)) or any(
                sep in c and normalise_answer(c) not in lookup for c in cats):
            out[item] = None
    return out


def _choice_items(src: SourceLoad, export: SurveyExport, item: str, header: str,
                  options: list | None) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(option item, answers, values) for each option of a tick-all-that-apply item."""
    ch = split_choices(src.raw.data[header], export.separator, options)
    words = np.array(["No", "Yes", None], dtype=object)
    out = []
    codes = option_codes(item, ch.options)
    for j, code in enumerate(codes):
        v = ch.ticked[:, j]
        out.append((code, words[np.where(np.isnan(v), 2, v).astype(int)], v))
    if ch.n_other:
        v = ch.other
        out.append((f"{item}_other", words[np.where(np.isnan(v), 2, v).astype(int)], v))
    how = ("as listed in multi_select" if options
           else "as found in the answers of at least 2 respondents")
    note = (f"{item!r} is a tick-all-that-apply question: read as one yes/no item per option "
            f"({how}): {', '.join(repr(c) for c in codes)}")
    if ch.merged:
        note += ("; options that differ only in case or spacing read as one: " + "; ".join(
            f"{o!r} also as {', '.join(repr(v) for v in vs)}" for o, vs in ch.merged.items()))
    if ch.n_other:
        note += (f", and {item + '_other'!r} for {plural(ch.n_other, 'answer')} outside "
                 f"{'the listed options' if options else 'them'} (their text is not kept)")
    if not options:
        note += (f". List the options under [sources.{src.spec.name}.multi_select] if an "
                 f"option contains {export.separator.strip()!r} or was ticked only once")
    src.notes.append(note + ".")
    return out


def _scale_items(src: SourceLoad, item: str, header: str,
                 scale: ResponseScale) -> tuple[np.ndarray, np.ndarray, int]:
    """Answers and values of one item on its answer scale; problems logged; repaired count."""
    lookup = scale.lookup()
    # an alias ("Somewhat agree", "Neutral") is another wording, not a slip of case or spacing
    wording = {normalise_answer(x): x for x in scale.levels}
    codes, cats = distinct(src.raw.data[header])
    per_cat = np.full(len(cats), np.nan)
    unknown = np.zeros(len(cats), dtype=bool)
    differs = np.zeros(len(cats), dtype=bool)
    for i, answer in enumerate(cats):
        key = normalise_answer(answer)
        if key in lookup:
            per_cat[i] = lookup[key]
            differs[i] = key in wording and answer != wording[key]
        else:
            unknown[i] = True
    if unknown.any():
        flags = np.append(unknown, False)[codes]
        bad = np.flatnonzero(flags)
        expected = _valid_answers(scale)
        src.problems.add([Problem(src.label, int(r), header, str(cats[codes[p]]),
                                  expected + _did_you_mean(str(cats[codes[p]]), scale))
                          for p, r in zip(bad[:20], excel_rows_at(src.rows, bad[:20]),
                                          strict=True)], len(bad))
    repaired = 0
    if differs.any():
        repaired = int(np.bincount(codes[codes >= 0], minlength=len(cats))[differs].sum())
    answers = src.raw.data[header].astype("string").to_numpy(dtype=object, na_value=None)
    return answers, np.append(per_cat, np.nan)[codes], repaired


def load_survey(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load a questionnaire export into the long ``survey_responses`` table.

    Options: ``instrument`` (default: the source name), ``wave`` (default 1),
    ``respondents`` (pupil, staff or parent; default pupil),
    ``response_scale`` for items not in a ``[scales.*]`` table, ``format``
    (auto, msforms, google, qualtrics or plain; default auto: recognised from
    the content), ``unfinished`` (keep, the default, or drop Qualtrics
    responses not finished) and ``multi_select`` (item code -> the options of
    a tick-all-that-apply question). Without a ``respondent_id`` column the
    survey is anonymous: ids ``A-<source>-<row>``. A blank answer has no
    value; an answer not on the item's scale is a problem. A respondent may
    answer once per wave (``duplicates``: error, keep-last or keep-first; see
    :mod:`slc_research.data.loading.survey_rows`). ``submitted`` is read from
    the export's own timestamp, or a column mapped to it.
    """
    spec, export, raw, dropped = _open_export(spec)
    src = SourceLoad(spec, ctx, raw=raw)
    src.rows_dropped += dropped
    instrument = str(src.option("instrument", spec.name))
    try:
        wave = int(src.option("wave", 1))
    except (TypeError, ValueError):
        wave = -1
    if not 0 <= wave <= 99:
        raise ConfigError("wave is a whole number from 0 to 99, such as 1 or 2",
                          key=f"sources.{spec.name}.wave")
    items = _item_columns(src, instrument)
    ids_as_items = [i for i in items if i.endswith("_id") or i in ("upn", "id")]
    if ids_as_items:
        raise ConfigError(f"{ids_as_items[0]!r} is not a question: map the column of "
                          "respondents' ids to \"respondent_id\"",
                          key=f"sources.{spec.name}.columns")
    multi = _multi_select(src, export, instrument)
    scales = {item: _answer_scale(src, instrument, item, h) for item, h in items.items()
              if item not in multi}
    positions = np.arange(len(src))
    submitted, timestamp = submitted_times(src, export.names)
    once = np.ones(len(src), dtype=bool)
    if src.has("respondent_id"):
        kind = src.option("respondents", None, choices=_RESPONDENTS)
        if kind is None:
            kind = "pupil"
            src.notes.append("`respondents` is not set, so respondent ids were read as pupil "
                             "ids; set respondents = \"staff\" or \"parent\" if they are not.")
        ids = src.ids("respondent_id", kind)
        once = keep_one_per_respondent(src, ids, submitted, timestamp, wave)
        types = pd.Series([kind] * len(src), dtype="string")
    else:
        kind = "anonymous"
        src.notes.append(
            f"Warning: no column of {spec.label} is mapped to respondent_id, so its answers "
            "are anonymous: they cannot be linked to the roster or to the other waves, so no "
            "one's change between waves and no group (members, pupil premium, ...) can be "
            "read from them. If the form asked for an id (such as \"What is your admission "
            "number?\"), map that column: choose it as respondent_id in the column mapper, "
            "or add '\"<its header>\" = \"respondent_id\"' under "
            f"[sources.{spec.name}.columns] in enquiry.toml. If the survey is anonymous on "
            "purpose, nothing needs doing.")
        ids = pd.Series([f"A-{spec.name}-{r}" for r in src.excel_rows(positions)],
                        dtype="string")
        types = pd.Series(["anonymous"] * len(src), dtype="string")
    codes, answers, values, repaired = [], [], [], 0
    for item, header in items.items():
        if item in multi:
            for code, a, v in _choice_items(src, export, item, header, multi[item]):
                codes.append(code)
                answers.append(a)
                values.append(v)
            continue
        a, v, n = _scale_items(src, item, header, scales[item])
        codes.append(item)
        answers.append(a)
        values.append(v)
        repaired += n
    if repaired:
        src.notes.append(f"{plural(repaired, 'answer')} differed from the scale's wording only "
                         "in case or spaces and were read as that answer.")
    src.problems.raise_if_any()
    keep = once.copy()
    if ctx.withdrawn and kind != "anonymous":
        keep &= ~ids.isin(ctx.withdrawn).to_numpy(dtype=bool)
        gone = int((once & ~keep).sum())
        if gone:
            src.notes.append(f"{plural(gone, 'row')} of withdrawn people left out.")
            src.rows_dropped += gone
    k = len(codes)
    n = int(keep.sum())
    answer_matrix = np.column_stack(answers)[keep] if k else np.empty((n, 0), dtype=object)
    value_matrix = np.column_stack(values)[keep] if k else np.empty((n, 0))
    flat_values = value_matrix.ravel()
    frame = pd.DataFrame({
        "respondent_id": np.repeat(ids.to_numpy(dtype=object, na_value=None)[keep], k),
        "respondent_type": np.repeat(types.to_numpy(dtype=object)[keep], k),
        "instrument": instrument,
        "wave": wave,
        "item": np.tile(np.array(codes, dtype=object), n),
        "answer": pd.array(answer_matrix.ravel(), dtype="string"),
        "value": pd.arrays.FloatingArray(np.nan_to_num(flat_values), np.isnan(flat_values)),
        "source": spec.name,
        "submitted": np.repeat(submitted[keep], k),
    })
    loaded = src.finish("survey_responses", frame)
    if kind != "anonymous":
        kept = np.flatnonzero(keep)
        loaded.respondent_rows = {str(i): int(r) for i, r in zip(
            ids.to_numpy(dtype=object, na_value=None)[kept], src.excel_rows(kept), strict=True)
            if i is not None}
    return loaded
