"""The TLC action-planning cycle: plans made, reported back at the next meeting, tried.

Each TLC meeting ends with personal action planning and the next one starts with
feedback on it (see the field notes). These functions follow each plan from the
meeting where it was made to what was reported at the next meeting.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import pandas as pd

from slc_research import stats
from slc_research.casestudies.tlc.impact import half_term_number, with_wilson

__all__ = ["action_plan_cycle", "learning_quotes", "plans_tried", "strategies_tried"]


def _plans(action_plans: pd.DataFrame, meetings: pd.DataFrame,
           communities: list[str]) -> pd.DataFrame:
    ap = action_plans.loc[action_plans["community"].isin(communities).fillna(False).astype(bool)]
    last = meetings.groupby("community")["date"].max()
    # reindex, not map: pandas cannot map through an empty Series of dates (no meetings)
    due = ap["date"] < pd.Series(last.reindex(ap["community"]).to_numpy(), ap.index
                                 ).astype("datetime64[ms]")
    status = ap["status"].astype("string")
    return ap.assign(half_term=half_term_number(ap["date"]), due=due.fillna(False).astype(bool),
                     reported=(status.notna() & (status != "not_reported")).astype(bool),
                     tried=(status == "tried").fillna(False).astype(bool),
                     partly=(status == "partly").fillna(False).astype(bool),
                     not_tried=(status == "not_tried").fillna(False).astype(bool))


def action_plan_cycle(action_plans: pd.DataFrame, meetings: pd.DataFrame,
                      communities: list[str]) -> pd.DataFrame:
    """Plans made per half-term, how many were reported back, and how many were tried.

    A plan is *due* when its TLC met again after it was made (plans from a TLC's
    last meeting cannot be reported yet). Shares reported are of due plans;
    shares tried, partly tried and not tried are of plans reported back.

    Returns
    -------
    DataFrame
        ``half_term`` (1-6, then ``"All"``), ``n_plans``, ``n_due``, ``n_reported``,
        ``pct_reported``, ``n_tried``, ``pct_tried``, ``n_partly``, ``pct_partly``,
        ``n_not_tried``, ``pct_not_tried``, each pct with ``*_ci_low``/``*_ci_high`` (%).
    """
    p = _plans(action_plans, meetings, communities)
    agg = dict(n_plans=("plan_id", "size"), n_due=("due", "sum"), n_reported=("rep_due", "sum"),
               n_tried=("tried", "sum"), n_partly=("partly", "sum"),
               n_not_tried=("not_tried", "sum"))
    p = p.assign(rep_due=p["reported"] & p["due"])
    per = p.groupby("half_term").agg(**agg).reset_index()
    per["half_term"] = per["half_term"].astype("Int64").astype("string")
    total = pd.DataFrame([{"half_term": "All", **{k: int(p[c].agg(f))
                                                  for k, (c, f) in agg.items()}}])
    out = pd.concat([per, total], ignore_index=True)
    counts = [k for k in agg]
    out[counts] = out[counts].astype("int64")
    out = with_wilson(out, "n_reported", "n_due", "pct_reported")
    for k in ("tried", "partly", "not_tried"):
        out = with_wilson(out, f"n_{k}", "n_reported", f"pct_{k}")
    return out


def plans_tried(action_plans: pd.DataFrame, meetings: pd.DataFrame,
                communities: list[str]) -> stats.Proportion | None:
    """Of plans reported back, the share tried fully or partly (Wilson CI); None if none."""
    p = _plans(action_plans, meetings, communities)
    p = p.loc[p["reported"]]
    if p.empty:
        return None
    return stats.wilson_ci(int((p["tried"] | p["partly"]).sum()), len(p))


def strategies_tried(action_plans: pd.DataFrame, meetings: pd.DataFrame, communities: list[str],
                     *, top: int = 12) -> pd.DataFrame:
    """The most planned strategies and how often they were tried (fully or partly).

    Returns
    -------
    DataFrame
        ``strategy``, ``n_plans``, ``n_reported``, ``n_tried``, ``pct_tried``,
        ``ci_low``, ``ci_high`` (Wilson, % of plans reported back), most planned first.
    """
    p = _plans(action_plans, meetings, communities)
    p = p.assign(strategy=p["strategy"].astype("string").str.strip().str.lower(),
                 any_tried=p["reported"] & (p["tried"] | p["partly"]))
    out = p.dropna(subset=["strategy"]).groupby("strategy").agg(
        n_plans=("plan_id", "size"), n_reported=("reported", "sum"),
        n_tried=("any_tried", "sum")).reset_index()
    out = out.sort_values(["n_plans", "strategy"], ascending=[False, True]).head(top)
    out[["n_plans", "n_reported", "n_tried"]] = out[["n_plans", "n_reported",
                                                     "n_tried"]].astype("int64")
    return with_wilson(out.reset_index(drop=True), "n_tried", "n_reported", "pct")\
        .rename(columns={"pct": "pct_tried"})


_ID = re.compile(r"\b[PSGA]-[0-9a-f]{10}\b")


def learning_quotes(action_plans: pd.DataFrame, communities: list[str], *, k: int = 5,
                    seed: int = 2025, not_quotable: Collection[str] = ()) -> list[str]:
    """A few reports of tried plans, as quotes attributed only to "a member of <TLC>".

    Plans whose ``plan_id`` is in ``not_quotable`` (``Enquiry.not_quotable``: the
    teacher's ``private/not_quotable.csv``) and reports holding an id are never quoted.
    """
    ap = action_plans.loc[action_plans["community"].isin(communities).fillna(False).astype(bool)
                          & (action_plans["status"].astype("string") == "tried").fillna(False)
                          & ~action_plans["plan_id"].isin(list(not_quotable)).fillna(False)
                          .astype(bool)]
    ap = ap.dropna(subset=["report"])
    ap = ap.loc[~ap["report"].astype(str).str.contains(_ID)]
    ap = ap.drop_duplicates(subset=["report"])
    if ap.empty:
        return []
    pick = ap.sample(n=min(k, len(ap)), random_state=seed)
    return [f"\u201c{str(r).strip()}\u201d \u2014 a member of {c}"
            for r, c in zip(pick["report"], pick["community"], strict=True)]
