"""Questionnaire scale scores from the long ``survey_responses`` table."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from slc_research.data.spec import BUILTIN_RESPONSE_SCALES, ResponseScale, Scale
from slc_research.errors import ConfigError, StatsError
from slc_research.stats.reliability import items_by_respondent

__all__ = ["scale_items", "scale_scores"]

_COLUMNS = {"respondent_id": "string", "respondent_type": "category", "instrument": "string",
            "wave": "Int8", "scale": "string", "score": "Float64", "n_items": "Int64",
            "n_answered": "Int64"}
_KEYS = ["respondent_id", "respondent_type", "instrument", "wave"]


def scale_scores(responses: pd.DataFrame, scales: Mapping[str, Scale],
                 response_scales: Mapping[str, ResponseScale], *,
                 min_answered: float = 0.5) -> pd.DataFrame:
    r"""Each respondent's score on each scale, per instrument and wave.

    Parameters
    ----------
    responses : DataFrame
        The ``survey_responses`` table (respondent_id, respondent_type,
        instrument, wave, item, value).
    scales : mapping
        Scale name -> :class:`~slc_research.data.spec.Scale` (items, reversed items).
    response_scales : mapping
        Answer-scale name -> :class:`~slc_research.data.spec.ResponseScale`, for
        the minimum and maximum used in reverse-coding.
    min_answered : float, default 0.5
        The share of a scale's items a respondent must have answered for a score.

    Returns
    -------
    DataFrame
        One row per respondent, instrument, wave and scale that has at least one
        response row: ``respondent_id``, ``respondent_type``, ``instrument``,
        ``wave``, ``scale``, ``score`` (NA when fewer than ``min_answered`` of
        the items were answered), ``n_items``, ``n_answered``.

    Notes
    -----
    A reversed item's value :math:`v` counts as :math:`(\min + \max) - v` on its
    answer scale (on a 1-5 scale, 5 becomes 1). The score is the mean of the
    answered items after reversing. "Don't know" answers count as not answered.
    If a respondent has several rows for one item, the item's mean is used.

    Examples
    --------
    >>> scale_scores(tables["survey_responses"], ctx.scales, ctx.response_scales)  # doctest: +SKIP
    """
    if not 0 <= min_answered <= 1:
        raise ConfigError("min_answered is a share of the items, from 0 to 1 (e.g. 0.5 for "
                          "at least half)", key="min_answered")
    frames = []
    for name, scale in scales.items():
        if scale.response_scale not in response_scales:
            raise ConfigError(f"unknown answer scale {scale.response_scale!r}",
                              key=f"scales.{name}.response_scale")
        rs = response_scales[scale.response_scale]
        part = responses.loc[(responses["instrument"] == scale.instrument).to_numpy(dtype=bool)
                             & responses["item"].isin(scale.items).to_numpy(dtype=bool),
                             [*_KEYS, "item", "value"]]
        if part.empty:
            continue
        value = part["value"].astype("Float64")
        reverse = part["item"].isin(scale.reverse).to_numpy(dtype=bool)
        value = value.where(~reverse, (rs.minimum + rs.maximum) - value)
        part = part.assign(value=value)
        per_item = part.groupby([*_KEYS, "item"], observed=True, dropna=False, sort=False)[
            "value"].mean()
        grouped = per_item.groupby(level=_KEYS, observed=True, dropna=False, sort=False)
        result = pd.DataFrame({"score": grouped.mean(), "n_answered": grouped.count()})
        result = result.reset_index()
        result["scale"] = name
        n_items = len(dict.fromkeys(scale.items))
        result["n_items"] = n_items
        enough = result["n_answered"].to_numpy() >= min_answered * n_items - 1e-9
        enough &= result["n_answered"].to_numpy() > 0
        result["score"] = result["score"].astype("Float64").where(enough)
        frames.append(result)
    if not frames:
        return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in _COLUMNS.items()})
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values(["instrument", "wave", "scale", "respondent_id"], kind="stable")
    return out[list(_COLUMNS)].astype(_COLUMNS).reset_index(drop=True)


def scale_items(responses: pd.DataFrame, scale: Scale, *, wave: int | None = None,
                response_scales: Mapping[str, ResponseScale] | None = None) -> pd.DataFrame:
    """One row per respondent and one column per item of a scale, reversed items reversed.

    Parameters
    ----------
    responses : DataFrame
        The ``survey_responses`` table (``respondent_id``, ``instrument``,
        ``wave``, ``item``, ``value``).
    scale : Scale
        The scale from the manifest (its instrument, items and reversed items).
    wave : int, optional
        Which wave to use; required when the instrument has several.
    response_scales : mapping, optional
        Answer-scale name -> ResponseScale, for the minimum and maximum used in
        reversing; default: the built-in answer scales.

    Returns
    -------
    DataFrame
        Indexed by ``respondent_id``, columns the scale's items in order, values
        float (NaN for no answer), ready for :func:`cronbach_alpha`.

    Notes
    -----
    A reversed item's value v becomes ``(min + max) - v`` on its answer scale
    (on 1-5, 5 becomes 1), as in :func:`scale_scores`.
    Several answers of one respondent to one item are averaged, as there.
    """
    scales = BUILTIN_RESPONSE_SCALES if response_scales is None else response_scales
    if scale.response_scale not in scales:
        raise StatsError(f"unknown answer scale {scale.response_scale!r} for scale "
                         f"{scale.name!r}; known: {', '.join(scales)}")
    rs = scales[scale.response_scale]
    missing_cols = [c for c in ("respondent_id", "instrument", "wave", "item", "value")
                    if c not in responses.columns]
    if missing_cols:
        raise StatsError(f"survey_responses lacks column(s) {', '.join(missing_cols)}")
    part = responses.loc[
        (responses["instrument"] == scale.instrument).to_numpy(dtype=bool, na_value=False)
        & responses["item"].isin(scale.items).to_numpy(dtype=bool, na_value=False)]
    waves = sorted(int(w) for w in part["wave"].dropna().unique())
    if wave is None:
        if len(waves) > 1:
            raise StatsError(f"{scale.instrument!r} has waves {waves}; choose one with wave=...")
    else:
        part = part.loc[(part["wave"] == wave).to_numpy(dtype=bool, na_value=False)]
    if part.empty:
        raise StatsError(f"no answers to the items of scale {scale.name!r} "
                         f"(instrument {scale.instrument!r}"
                         + (f", wave {wave})" if wave is not None else ")"))
    wide = items_by_respondent(part)
    wide = wide.reindex(columns=list(dict.fromkeys(scale.items)))
    for item in scale.reverse:
        if item in wide.columns:
            wide[item] = (rs.minimum + rs.maximum) - wide[item]
    return wide


# --- internals -------------------------------------------------------------------------------
