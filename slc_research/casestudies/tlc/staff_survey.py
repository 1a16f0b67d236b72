"""The end-of-year TLC staff survey: answers per item, the scale score, reliability, comments.

Pure functions on the canonical ``survey_responses`` and ``texts`` tables. The
survey is anonymous: answers can be told apart by school only through the
source they came from (one survey file per school), never by TLC or person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from slc_research import stats
from slc_research.data.frames import member_of
from slc_research.data.spec import ResponseScale, Scale, SourceSpec
from slc_research.errors import StatsError
from slc_research.measures.scales import scale_items

__all__ = ["THEME_COUNTS", "alpha_table", "comment_themes", "distribution_table",
           "item_wording", "latest_wave", "likert_distribution", "published_themes",
           "scale_mean", "respondents_scores", "scale_reliability", "survey_answers", "survey_schools",
           "wave_change", "wave_means"]

#: The counts of a comment-themes table and the percentages computed from them.
THEME_COUNTS = {"n_texts": ["pct_texts"], "n_coded_texts": ["pct_texts"]}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", re.sub(r"['\u2019]", "", text.lower())).strip("-")


def survey_schools(sources: Mapping[str, SourceSpec], schools: list[str] | tuple[str, ...],
                   ) -> dict[str, str]:
    """The school each survey source belongs to: its ``school`` key, else its folder.

    A source without a ``school`` key belongs to the school whose name, written
    as a folder name (``"st-aidans-c-of-e-high"``), is a folder of its path.
    Sources matching no school are left out.
    """
    out = {}
    slugs = {_slug(s): s for s in schools}
    for name, spec in sources.items():
        if spec.kind != "survey":
            continue
        school = spec.options.get("school")
        if not school:
            parts = [_slug(p) for p in re.split(r"[\\/]", spec.label)]
            school = next((slugs[p] for p in parts if p in slugs), None)
        if school:
            out[name] = str(school)
    return out


def survey_answers(responses: pd.DataFrame, scale: Scale, *,
                   sources: Mapping[str, str] | None = None,
                   schools: list[str] | None = None) -> pd.DataFrame:
    """The answers to a scale's items, from the schools asked for.

    Parameters
    ----------
    responses : DataFrame
        The ``survey_responses`` table.
    scale : Scale
    sources : dict, optional
        Source name -> school (:func:`survey_schools`); needed with ``schools``.
    schools : list of str, optional
        Keep answers from these schools' survey files (default: all).

    Returns
    -------
    DataFrame
        The rows of ``survey_responses`` for the scale's items, plus ``school``.
    """
    keep = ((responses["instrument"] == scale.instrument)
            & responses["item"].isin(scale.items)).fillna(False).astype(bool)
    out = responses.loc[keep.to_numpy(dtype=bool)]
    out = out.assign(school=out["source"].map(dict(sources or {})).astype("string"))
    if schools:
        out = out.loc[out["school"].isin(schools).fillna(False).astype(bool).to_numpy()]
    return out


def latest_wave(answers: pd.DataFrame) -> tuple[pd.DataFrame, tuple[int, ...]]:
    """The answers of the survey's latest wave, and every wave it was given in.

    A survey given twice (in the autumn and at the end of the year) is answered by much
    the same staff each time: its waves are read one at a time, never pooled, so that no
    one is counted twice. The report reads the latest.

    Parameters
    ----------
    answers : DataFrame
        :func:`survey_answers`.

    Returns
    -------
    (DataFrame, tuple of int)
        The rows of the latest wave (all rows when no wave is recorded), and the waves in
        order.
    """
    waves = tuple(sorted(int(w) for w in answers["wave"].dropna().unique()))
    if len(waves) < 2:
        return answers, waves
    latest = (answers["wave"] == waves[-1]).fillna(False).astype(bool).to_numpy()
    return answers.loc[latest], waves


def wave_means(scores: pd.DataFrame, answers: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """The mean scale score of each wave's respondents, with its 95% interval.

    Returns
    -------
    DataFrame
        ``wave``, ``n`` (respondents with a score), ``mean``, ``ci_low``, ``ci_high``; NaN
        where fewer than 2 respondents have a score.
    """
    rows = []
    for wave in sorted(int(w) for w in answers["wave"].dropna().unique()):
        mine = answers.loc[(answers["wave"] == wave).fillna(False).astype(bool).to_numpy()]
        s = _wave_scores(scores, mine, scale, wave)
        m = stats.mean_ci(s) if len(s) >= 2 else None
        rows.append({"wave": wave, "n": len(s),
                     "mean": m.estimate if m else float("nan"),
                     "ci_low": m.ci_low if m else float("nan"),
                     "ci_high": m.ci_high if m else float("nan")})
    return pd.DataFrame(rows, columns=["wave", "n", "mean", "ci_low", "ci_high"])


def wave_change(scores: pd.DataFrame, answers: pd.DataFrame, scale: Scale
                ) -> stats.EffectSize | None:
    """The change in mean scale score from the first wave to the latest, in scale points.

    An anonymous survey cannot link a person's answers across waves, so the waves are
    compared as two groups (Welch's interval). Many of the same staff answer both, so the
    interval is approximate.

    Returns
    -------
    EffectSize or None
        :func:`slc_research.stats.mean_difference` of the latest wave minus the first;
        None with one wave, or fewer than 2 scores (or no spread) in either.
    """
    waves = sorted(int(w) for w in answers["wave"].dropna().unique())
    if len(waves) < 2:
        return None
    first, last = (_wave_scores(scores, answers.loc[
        (answers["wave"] == w).fillna(False).astype(bool).to_numpy()], scale, w)
        for w in (waves[0], waves[-1]))
    try:
        return stats.mean_difference(last, first)
    except StatsError:
        return None


def _wave_scores(scores: pd.DataFrame, answers: pd.DataFrame, scale: Scale,
                 wave: int) -> pd.Series:
    who = set(answers["respondent_id"].dropna().astype(str))
    keep = ((scores["scale"] == scale.name).fillna(False).astype(bool)
            & (scores["wave"] == wave).fillna(False).astype(bool)
            & member_of(scores["respondent_id"], who))
    return scores.loc[keep, "score"].dropna().astype("float64")


def item_wording(sources: Mapping[str, SourceSpec], instrument: str) -> dict[str, str]:
    """Item code -> the question as asked (the raw column header of a survey source)."""
    out: dict[str, str] = {}
    for spec in sources.values():
        if spec.kind == "survey" and spec.options.get("instrument") == instrument:
            for header, code in spec.columns.items():
                out.setdefault(code, header)
    return out


def likert_distribution(answers: pd.DataFrame, scale: Scale, response_scale: ResponseScale,
                        *, wording: Mapping[str, str] | None = None) -> pd.DataFrame:
    """How many respondents gave each answer to each item (as asked, not reversed).

    Returns
    -------
    DataFrame
        ``item``, ``question``, ``level`` (answer text), ``level_no`` (1..k),
        ``n`` (answers at this level), ``n_item`` (answers to the item), ``pct``
        (0-100), ``reversed``; one row per item and level, levels in order.
    """
    wording = dict(wording or {})
    levels = list(response_scale.levels)
    v = pd.to_numeric(answers["value"], errors="coerce")
    a = answers.assign(level_no=(v - response_scale.start + 1).round().astype("Int64"))
    a = a.dropna(subset=["level_no"])
    rows = []
    for item in scale.items:
        got = a.loc[(a["item"] == item).fillna(False).astype(bool), "level_no"]
        counts = got.value_counts()
        for i, level in enumerate(levels, start=1):
            rows.append({"item": item, "question": wording.get(item, item), "level": level,
                         "level_no": i, "n": int(counts.get(i, 0)), "n_item": len(got),
                         "reversed": item in scale.reverse})
    out = pd.DataFrame(rows)
    out["pct"] = 100 * out["n"] / out["n_item"].where(out["n_item"] > 0)
    return out


def distribution_table(dist: pd.DataFrame, *, threshold: int,
                       display: bool = True) -> pd.DataFrame:
    """The answers to each item ready to publish: small groups of respondents withheld.

    An item answered by fewer than ``threshold`` people is withheld whole; an
    answer given by 1 to ``threshold - 1`` people is withheld, and since an
    item's answers add up to its published total, so is the next smallest
    answer (see :mod:`slc_research.privacy.suppression`).

    Parameters
    ----------
    dist : DataFrame
        :func:`likert_distribution`.
    threshold : int
    display : bool, default True
        True: one row per statement (``Statement``), one column per answer in
        order, percentages with ``"<5"`` / ``"*"`` in withheld cells. False: the
        long table with withheld ``n`` and ``pct`` NA, for
        :func:`~slc_research.charts.likert_chart`.
    """
    from slc_research.privacy.suppression import suppress_small

    out = suppress_small(dist, count_cols={"n_item": ["n", "pct"], "n": ["pct"]},
                         threshold=threshold, partition_by="item", display=display)
    if not display:
        return out
    levels = list(dict.fromkeys(dist.sort_values("level_no")["level"]))
    wide = out.pivot(index="item", columns="level", values="pct")
    questions = dict(zip(dist["item"], dist["question"], strict=False))
    wide = wide.reindex(index=list(dict.fromkeys(dist["item"])), columns=levels)
    wide.insert(0, "Statement", [questions[i] for i in wide.index])
    wide.columns.name = None
    return wide.reset_index(drop=True)


def scale_mean(scores: pd.DataFrame, answers: pd.DataFrame, scale: Scale) -> stats.MeanResult:
    """Mean scale score (reversed items reversed) of the respondents in ``answers``, with CI.

    Parameters
    ----------
    scores : DataFrame
        ``Enquiry.scale_scores()`` (``respondent_id``, ``scale``, ``score``).
    answers : DataFrame
        :func:`survey_answers` (whose respondents are kept).
    scale : Scale
    """
    return stats.mean_ci(respondents_scores(scores, answers, scale))


def respondents_scores(scores: pd.DataFrame, answers: pd.DataFrame, scale: Scale) -> pd.Series:
    """The scale scores of the respondents in ``answers``, at the waves ``answers`` holds.

    A linked survey's respondent has a score at every wave they answered: only the waves
    of ``answers`` count, so a person is never counted once per wave.
    """
    who = set(answers["respondent_id"].dropna().astype(str))
    keep = ((scores["scale"] == scale.name).fillna(False).astype(bool)
            & member_of(scores["respondent_id"], who))
    waves = set(answers["wave"].dropna().astype(int))
    if waves and "wave" in scores.columns:
        keep &= scores["wave"].isin(waves).fillna(False).astype(bool)
    return scores.loc[keep, "score"]


def scale_reliability(answers: pd.DataFrame, scale: Scale) -> stats.AlphaResult:
    """Cronbach's alpha (Feldt CI) of the scale, reversed items reversed first.

    Raises
    ------
    StatsError
        Too few respondents or items (see :func:`slc_research.stats.cronbach_alpha`).
    """
    waves = sorted(int(w) for w in answers["wave"].dropna().unique())
    wide = scale_items(answers, scale, wave=waves[-1] if waves else None)
    return stats.cronbach_alpha(wide)


def alpha_table(result: stats.AlphaResult, *, wording: Mapping[str, str] | None = None,
                reverse: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per item: answers, mean, SD, item-rest correlation and alpha if the item were deleted.

    Returns
    -------
    DataFrame
        ``question`` (with "(reversed)" for reverse-coded items), ``n``, ``mean``,
        ``sd``, ``item_rest_r``, ``alpha_if_deleted``.
    """
    wording = dict(wording or {})
    t = result.items
    question = [wording.get(i, i) + (" (reversed)" if i in reverse else "") for i in t["item"]]
    return pd.DataFrame({"question": question, "n": t["n"].to_numpy(),
                         "mean": t["mean"].to_numpy(), "sd": t["sd"].to_numpy(),
                         "item_rest_r": t["item_rest_r"].to_numpy(),
                         "alpha_if_deleted": t["alpha_if_deleted"].to_numpy()})


def comment_themes(texts: pd.DataFrame, codings: pd.DataFrame, codebook: pd.DataFrame | None,
                   *, top: int = 5, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The most frequent codes in the survey's open comments and one quote for each.

    Returns
    -------
    (DataFrame, DataFrame) or None
        :func:`slc_research.qual.themes_summary` and
        :func:`slc_research.qual.exemplar_quotes` for ``source == "open_answer"``;
        None when no open comment is coded.
    """
    from slc_research import qual

    if codings is None or codings.empty:
        return None
    themes = qual.themes_summary(texts, codings, codebook, where={"source": "open_answer"},
                                 top=top)
    if themes.empty:
        return None
    ids = set(texts.loc[(texts["source"] == "open_answer").fillna(False).astype(bool),
                        "text_id"].astype(str))
    mine = codings.loc[member_of(codings["text_id"], ids)]
    quotes = qual.exemplar_quotes(texts, mine, codes=list(themes["code"]), seed=seed)
    return themes, quotes


def published_themes(themes: pd.DataFrame, quotes: pd.DataFrame, *, threshold: int
                     ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The comment themes as they may be published: small counts withheld, quotes to match.

    A code given to 1 to ``threshold - 1`` comments has its count and its
    percentage of the coded comments withheld (a percentage of a known total gives
    the count back), its bar is left out of the chart and it gets no quote (a
    quote would show the code was given at all to a handful of named-by-context
    colleagues). The codes are not parts of one total (a comment can carry several),
    so nothing more is withheld.

    Parameters
    ----------
    themes, quotes : DataFrame
        :func:`comment_themes`' two tables.
    threshold : int
        ``Enquiry.suppression_threshold``.

    Returns
    -------
    (DataFrame, DataFrame, DataFrame)
        The reader's table (``"<5"`` in withheld cells, marked suppressed for the
        display boundary), the chart's data (withheld cells missing) and the quotes
        of the codes whose counts are shown.
    """
    from slc_research.privacy.suppression import suppress_small

    themes = themes.drop(columns=[c for c in ("description",) if c in themes.columns])
    shown = suppress_small(themes, count_cols=THEME_COUNTS, threshold=threshold, display=True,
                           partition_by=None)
    chart = suppress_small(themes, count_cols=THEME_COUNTS, threshold=threshold,
                           partition_by=None)
    published = set(chart.loc[chart["n_texts"].notna(), "code"].astype(str))
    return shown, chart, quotes[quotes["code"].astype(str).isin(published)].reset_index(drop=True)
