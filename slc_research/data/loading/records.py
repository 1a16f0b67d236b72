"""Loaders for MIS behaviour logs and attainment records.

Behaviour logs come as SIMS and Arbor write them: a row per incident or
award with the pupil (``UPN``/``Adno``; ``Student`` and name columns are never
read), ``Date`` or ``Incident Date`` (with or without a time), ``Behaviour
Type``/``Incident Type``/``Achievement Type``, ``Points``, Arbor's signed
``Severity`` (-5 to +5), sometimes a ``Polarity`` or ``Positive/Negative``
column, and ``Status`` and ``Comments`` (never read: comments name people).
Those titles need no mapping (:mod:`slc_research.data.loading.mis_layouts`). SIMS
keeps achievements and behaviour incidents apart, with points written
without a sign; its achievement export (an ``Achievement ...`` column) is
read as positive events and its behaviour export (``Behaviour Type`` or
``Incident ...`` columns, no achievement column, no negative points) as
negative ones, with a note; ``polarity = "positive"`` or ``"negative"`` in
the manifest entry says so outright.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slc_research.data.loading.common import SourceLoad
from slc_research.data.loading.mis_layouts import recognise_columns
from slc_research.data.parsing.values import distinct, parse_choice, parse_numbers, parse_points
from slc_research.data.reading.readers import read_raw
from slc_research.data.spec import LoadContext, Loaded, SourceSpec
from slc_research.errors import DataError
from slc_research.words import plural

__all__ = ["BEHAVIOUR_TYPE_WORDS", "load_attainment", "load_behaviour"]

#: Ways MIS exports name positive and negative events (SIMS: Achievement / Behaviour).
BEHAVIOUR_TYPE_WORDS = {
    **dict.fromkeys(["positive", "pos", "+", "reward", "rewards", "achievement", "achievements",
                     "praise", "merit", "merits", "commendation", "house point", "house points",
                     "positive behaviour"], "positive"),
    **dict.fromkeys(["negative", "neg", "sanction", "sanctions", "concern", "incident",
                     "behaviour", "behaviour incident", "detention", "demerit",
                     "negative behaviour"], "negative"),
    **dict.fromkeys(["neutral"], None),
}
_POLARITIES = ("positive", "negative")


def _require_dates(src: SourceLoad, column: str) -> pd.Series:
    dates = src.dates(column)
    blank = np.flatnonzero(src.column(column).isna().to_numpy())
    if len(blank):
        src.problems.add_rows(src.header(column), src.excel_rows(blank), None,
                              "a date in every row; this row has none")
    return dates


def _export_polarity(src: SourceLoad, points: np.ndarray) -> tuple[str | None, str | None]:
    """Polarity of every event of a file that holds only one kind (option or SIMS export).

    Returns (polarity, note): the ``polarity`` option, else the kind a SIMS
    achievement or behaviour export holds by its column titles, else None.
    """
    fixed = src.option("polarity", choices=_POLARITIES)
    if fixed is not None:
        return fixed, None
    if src.has("type") or (points < 0).any():
        return None, None
    words = " ".join(h.casefold() for h in src.raw.headers)
    if "achievement" in words:
        guess = "positive"
    elif "behaviour type" in words or "incident" in words:
        guess = "negative"
    else:
        return None, None
    return guess, (f"All events read as {guess}: the columns look like a SIMS "
                   f"{'achievement' if guess == 'positive' else 'behaviour'} export, with "
                   f"points written without a sign; if that is wrong, set polarity = "
                   f"\"{_POLARITIES[guess == 'positive']}\" in [sources.{src.spec.name}].")


def load_behaviour(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load a behaviour log: pupil_id and date required; type from a column, the export or points.

    A ``type`` cell reads positive/negative words (Achievement, Reward, Merit;
    Behaviour, Sanction, Detention; Neutral is no type). Where it is blank or
    missing, the ``polarity`` option or the kind of SIMS export decides (see
    the module notes), else points above zero mean positive and below zero
    negative. MIS column titles are recognised without a mapping.

    Parameters
    ----------
    spec : SourceSpec
        ``options["polarity"]``: ``"positive"`` or ``"negative"`` for a file of
        one kind of event.
    ctx : LoadContext

    Returns
    -------
    Loaded
        ``behaviour``: pupil_id (pseudonym), date (with its time, if given),
        type, category and points as written.

    Raises
    ------
    DataError
        No type or points column, or bad ids, dates, types or points.
    """
    raw = read_raw(spec)
    spec, recognised = recognise_columns(raw, spec, ("pupil_id", "date", "type", "category",
                                                     "points"))
    src = SourceLoad(spec, ctx, raw=raw)
    if recognised:
        src.notes.append(recognised)
    fixed = src.option("polarity", choices=_POLARITIES)
    if not (src.has("type") or src.has("points") or fixed):
        raise DataError.single(
            src.label, f"a column giving 'type' (positive/negative) or 'points'; map one under "
            f"[sources.{spec.name}.columns] in enquiry.toml, or set polarity = \"positive\" or "
            f"\"negative\" in [sources.{spec.name}] if every event is of one kind")
    out = {"pupil_id": src.ids("pupil_id", "pupil"), "date": _require_dates(src, "date"),
           "category": src.text("category")}
    points = src.parse("points", parse_points) if src.has("points") else pd.Series(
        pd.array([None] * len(src), dtype="Float64"))
    categories = list(_POLARITIES)
    if src.has("type"):
        kind = src.parse("type", parse_choice, vocabulary=BEHAVIOUR_TYPE_WORDS,
                         categories=categories,
                         expected="Positive (Achievement, Reward, Merit), Negative "
                                  "(Behaviour, Sanction, Detention) or Neutral")
    else:
        kind = pd.Series(pd.Categorical([None] * len(src), categories=categories))
    p = points.to_numpy(dtype=float, na_value=np.nan)
    polarity, note = _export_polarity(src, p)
    if note:
        src.notes.append(note)
    fallback = np.where(p > 0, 0, np.where(p < 0, 1, -1)) if polarity is None else \
        np.full(len(src), categories.index(polarity))
    codes = kind.cat.codes.to_numpy()
    codes = np.where(codes >= 0, codes, fallback)
    untyped = int((codes < 0).sum())
    if untyped:
        src.notes.append(f"{plural(untyped, 'event')} with no type and no points above or below "
                         "zero: type left blank.")
    out["type"] = pd.Series(pd.Categorical.from_codes(codes, categories))
    out["points"] = points
    return src.finish("behaviour", out, person="pupil_id")


def load_attainment(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load attainment records: pupil_id required; a numeric score and/or a grade.

    ``assessment`` and ``subject`` come from their columns or options. Without a
    score column, grades that are numbers (GCSE 9-1, a test mark) also fill
    ``score``, with a note. A pupil may have one result per assessment, subject
    and date.
    """
    src = SourceLoad(spec, ctx)
    out = {"pupil_id": src.ids("pupil_id", "pupil"),
           "assessment": src.text("assessment", "assessment"),
           "subject": src.text("subject", "subject"),
           "grade": src.text("grade")}
    if src.has("date"):
        out["date"] = src.dates("date")
    if src.has("score"):
        out["score"] = src.parse("score", parse_numbers)
    elif src.has("grade"):
        codes, cats = distinct(src.column("grade"))
        per_cat = pd.to_numeric(pd.Series(cats, dtype=object), errors="coerce").to_numpy(
            dtype=float)
        score = np.append(per_cat, np.nan)[codes]
        n = int(np.isfinite(score).sum())
        if n:
            src.notes.append(f"{plural(n, 'grade')} that are numbers also read as scores.")
        out["score"] = pd.Series(pd.arrays.FloatingArray(np.nan_to_num(score), np.isnan(score)))
    keys = {"pupil_id": out["pupil_id"]}
    keys.update({k: out[k] for k in ("assessment", "subject", "date")
                 if src.has(k) or (k != "date" and src.option(k) is not None)})
    src.require_unique(keys, "result per pupil, assessment, subject and date")
    return src.finish("attainment", out, person="pupil_id")
