"""Loaders for MIS behaviour logs and attainment records."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slc_research.data.load_common import SourceLoad, plural
from slc_research.data.spec import LoadContext, Loaded, SourceSpec
from slc_research.data.values import distinct, parse_choice, parse_numbers, parse_points
from slc_research.errors import DataError

__all__ = ["BEHAVIOUR_TYPE_WORDS", "load_attainment", "load_behaviour"]

#: Ways MIS exports name positive and negative events (SIMS: Achievement / Behaviour).
BEHAVIOUR_TYPE_WORDS = {
    **dict.fromkeys(["positive", "pos", "+", "reward", "rewards", "achievement", "achievements",
                     "praise", "merit", "merits", "commendation", "house point", "house points",
                     "positive behaviour"], "positive"),
    **dict.fromkeys(["negative", "neg", "sanction", "sanctions", "concern", "incident",
                     "behaviour", "behaviour incident", "detention", "demerit",
                     "negative behaviour"], "negative"),
}


def _require_dates(src: SourceLoad, column: str) -> pd.Series:
    dates = src.dates(column)
    blank = np.flatnonzero(src.column(column).isna().to_numpy())
    if len(blank):
        src.problems.add_rows(src.header(column), src.excel_rows(blank), None,
                              "a date in every row; this row has none")
    return dates


def load_behaviour(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load a behaviour log: pupil_id and date required; type from the column or the points.

    A ``type`` cell reads positive/negative words (Achievement, Reward, Merit;
    Behaviour, Sanction, Detention); where it is blank or missing, points above
    zero mean positive and below zero negative.
    """
    src = SourceLoad(spec, ctx)
    if not (src.has("type") or src.has("points")):
        raise DataError.single(
            src.label, f"a column giving 'type' (positive/negative) or 'points'; map one under "
            f"[sources.{spec.name}.columns] in enquiry.toml")
    out = {"pupil_id": src.ids("pupil_id", "pupil"), "date": _require_dates(src, "date"),
           "category": src.text("category")}
    points = src.parse("points", parse_points) if src.has("points") else pd.Series(
        pd.array([None] * len(src), dtype="Float64"))
    categories = ["positive", "negative"]
    if src.has("type"):
        kind = src.parse("type", parse_choice, vocabulary=BEHAVIOUR_TYPE_WORDS,
                         categories=categories,
                         expected="Positive (Achievement, Reward, Merit) or Negative "
                                  "(Behaviour, Sanction, Detention)")
    else:
        kind = pd.Series(pd.Categorical([None] * len(src), categories=categories))
    p = points.to_numpy(dtype=float, na_value=np.nan)
    from_points = np.where(p > 0, 0, np.where(p < 0, 1, -1))
    codes = kind.cat.codes.to_numpy()
    codes = np.where(codes >= 0, codes, from_points)
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
