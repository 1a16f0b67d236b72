"""How reliable each pupil questionnaire scale was, at each wave: Cronbach's alpha.

A scale's items should agree with each other if they measure one thing; an
unreliable scale blurs any change. :func:`reliability_table` gives alpha with
its Feldt interval per scale and wave (:func:`slc_research.stats.cronbach_alpha`).

McDonald's omega is not given: of the Python libraries that estimate it,
factor-analyzer (last release February 2024) and semopy (January 2024) have
not been maintained for almost three years, and pingouin has alpha only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from slc_research.casestudies.result import Section, Table
from slc_research.data.frames import member_of
from slc_research.data.spec import ResponseScale, Scale
from slc_research.measures.scales import scale_items
from slc_research.privacy.suppression import SUPPRESSED_COLUMN, suppress_small
from slc_research.stats import StatsError, cronbach_alpha

__all__ = ["ACCEPTABLE_ALPHA", "reliability_finding", "reliability_section", "reliability_table",
           "scale_reliability"]

#: Alpha at or above this is usually taken as good enough for comparing groups (Nunnally 1978).
ACCEPTABLE_ALPHA = 0.7

_COLUMNS = ["scale", "wave", "n", "k", "alpha", "ci_low", "ci_high"]


def scale_reliability(responses: pd.DataFrame, scales: Iterable[Scale], *,
                      waves: Iterable[int], pupils: Iterable[str] | None = None,
                      response_scales: Mapping[str, ResponseScale] | None = None
                      ) -> pd.DataFrame:
    """Cronbach's alpha of each scale at each wave, among the pupils analysed.

    Parameters
    ----------
    responses : DataFrame
        The ``survey_responses`` table.
    scales : iterable of Scale
        The pupil scales of the report.
    waves : iterable of int
        The waves compared.
    pupils : iterable of str, optional
        Respondents to keep (members and comparison pupils); default every pupil.
    response_scales : mapping, optional
        Answer scales, for reversing reversed items (the manifest's).

    Returns
    -------
    DataFrame
        ``scale`` (label), ``wave``, ``n`` (pupils answering every item: listwise),
        ``k`` (items), ``alpha``, ``ci_low``, ``ci_high`` (95% Feldt interval);
        NaN where alpha cannot be computed. A wave with no answer on a scale has no row.
    """
    r = responses
    if "respondent_type" in r.columns:
        r = r[(r["respondent_type"].astype("string").fillna("pupil") == "pupil").to_numpy()]
    if pupils is not None:
        r = r[member_of(r["respondent_id"].astype(str), set(pupils))]
    rows = []
    for scale in scales:
        for wave in waves:
            row = {"scale": scale.label or scale.name, "wave": int(wave), "n": 0,
                   "k": len(scale.items), "alpha": np.nan, "ci_low": np.nan, "ci_high": np.nan}
            if not ((r["instrument"] == scale.instrument) & (r["wave"] == wave)
                    & r["item"].isin(scale.items)).fillna(False).any():
                continue  # nobody answered it at this wave (not collected yet): no row
            try:
                items = scale_items(r, scale, wave=wave, response_scales=response_scales)
                res = cronbach_alpha(items)
                row.update(n=res.n, alpha=res.estimate, ci_low=res.ci_low, ci_high=res.ci_high)
            except StatsError:
                pass
            rows.append(row)
    return pd.DataFrame(rows, columns=_COLUMNS)


def reliability_table(table: pd.DataFrame, *, threshold: int) -> pd.DataFrame:
    """The reader's table: scale, wave, pupils, items, alpha and its interval (small n withheld).

    The rows are the same pupils measured on several scales, not parts of one total.
    """
    out = suppress_small(table, count_cols={"n": ["alpha", "ci_low", "ci_high"]},
                         threshold=threshold, display=True, partition_by=None)
    return out.rename(columns={"scale": "Scale", "wave": "Wave", "n": "Pupils", "k": "Items",
                               "alpha": "Cronbach's alpha", "ci_low": "95% CI low",
                               "ci_high": "95% CI high"})


def reliability_finding(table: pd.DataFrame, *, threshold: int) -> str:
    """One plain sentence: whether every scale was reliable enough at every wave."""
    single = list(dict.fromkeys(table.loc[table["k"] == 1, "scale"]))
    said = (f"{', '.join(single)} {'is a single question' if len(single) == 1 else 'are single questions'}"
            ": reliability is not computed for one item. " if single else "")
    table = table[table["k"] != 1]
    shown = table[(table["n"] >= threshold) & table["alpha"].notna()]
    if shown.empty:
        return (said + ("Too few pupils answered every item of a scale to estimate its "
                        "reliability." if len(table) else "")).strip()
    low = shown[shown["alpha"] < ACCEPTABLE_ALPHA]
    if low.empty:
        waves = sorted(set(table["wave"]))
        when = "at every wave" if len(waves) > 1 else f"at wave {waves[0]}"
        return said + (f"Every {'other ' if said else ''}scale was reliable enough for "
                       f"comparing groups {when} "
                f"(Cronbach's alpha {shown['alpha'].min():.2f} to {shown['alpha'].max():.2f}; "
                f"{ACCEPTABLE_ALPHA} or more is usually taken as acceptable).")
    which = "; ".join(f"{s} at wave {w} (alpha = {a:.2f})"
                      for s, w, a in low[["scale", "wave", "alpha"]].itertuples(index=False))
    return said + (f"Some scales fell below the usual {ACCEPTABLE_ALPHA} for comparing groups: {which}. "
            "Their items agree less with each other, which blurs any change; read their "
            "results with more caution.")



def reliability_section(table: pd.DataFrame, *, threshold: int) -> Section:
    """The report's reliability section from :func:`scale_reliability`'s table."""
    records = {"reliability": suppress_small(
        table, count_cols={"n": ["alpha", "ci_low", "ci_high"]}, threshold=threshold,
        partition_by=None).drop(columns=[SUPPRESSED_COLUMN])}
    if table.empty:  # no questionnaire answers: the questionnaire section says so
        return Section.without_source("reliability", "How reliable are the questionnaire "
                                      "scales?", kind="survey", shown="the reliability of "
                                      "the questionnaire scales", records=records)
    return Section(
        "reliability", "How reliable are the questionnaire scales?",
        finding=reliability_finding(table, threshold=threshold),
        tables=(Table(reliability_table(table, threshold=threshold),
                      decimals={"Cronbach's alpha": 2, "95% CI low": 2, "95% CI high": 2},
                      caption="Cronbach's alpha of each scale at each wave"),),
        note=("Cronbach's alpha says how consistently a scale's items measure one thing, from "
              "0 to 1, among the members and other pupils who answered every item that wave. "
              "0.7 or more is usually taken as good enough for comparing groups; a lower value "
              "means more noise, which makes real change harder to see. The interval is a "
              "95% confidence interval (Feldt). McDonald's omega is not given: no "
              "well-maintained Python library estimates it."),
        records=records)
