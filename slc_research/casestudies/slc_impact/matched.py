"""A matched comparison: members against similar non-members, per outcome.

Volunteers start ahead, so comparing them with every other pupil can make the
community look better (or worse) than it was. Here each member analysed for an
outcome is paired with the most similar non-member of the same school and year
group (starting score, pupil premium, SEN, gender, prior attainment; see
:func:`slc_research.stats.matched_comparison`), and the effect is Morris's raw-score
d_ppc2 on the matched pupils only (:func:`slc_research.stats.ppc_effect_size`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from slc_research.casestudies.result import Section, Table
from slc_research.casestudies.slc_impact.outcomes import ChangeResult
from slc_research.casestudies.slc_impact.representativeness import LEVEL_NAMES
from slc_research.privacy.suppression import SUPPRESSED_COLUMN, suppress_small
from slc_research.stats import StatsError
from slc_research.stats.matching import MatchResult, matched_comparison
from slc_research.stats.prepost import PrePostEffect, ppc_effect_size
from slc_research.words import listed

__all__ = ["MATCHED_ON", "MatchedOutcome", "balance_table", "matched_effects_table",
           "evidence_facts", "matched_finding", "matched_outcomes", "matched_records",
           "matched_section"]

#: Pupil characteristics members are matched on (besides the starting score), in words.
MATCHED_ON = {"pupil_premium": "pupil premium", "sen": "SEN", "gender": "gender",
              "prior_attainment": "prior attainment"}
_EXACT = ("school", "year_group")


@dataclass(frozen=True)
class MatchedOutcome:
    """One outcome's matched comparison.

    Attributes
    ----------
    outcome, label : str
        The outcome's short and readable names.
    match : MatchResult
        Who was matched, and the balance before and after.
    effect : PrePostEffect or None
        d_ppc2 of the matched members against their matches (None when the match
        failed or the effect could not be computed).
    """

    outcome: str
    label: str
    match: MatchResult
    effect: PrePostEffect | None

    @property
    def usable(self) -> bool:
        """Whether the match succeeded and gave an effect."""
        return self.match.ok and self.effect is not None


def matched_outcomes(results: Iterable[ChangeResult], pupils: pd.DataFrame
                     ) -> list[MatchedOutcome]:
    """Match members to similar non-members for every outcome with a comparison group.

    Parameters
    ----------
    results : iterable of ChangeResult
        The outcome analyses; only pupils measured both times are matched.
    pupils : DataFrame
        The canonical ``pupils`` table (school, year group and characteristics).

    Returns
    -------
    list of MatchedOutcome
        One per outcome compared with non-members.
    """
    out = []
    for r in results:
        if r.comparison != "non_members" or r.pupils.empty:
            continue
        if not r.groups["n_both"].gt(0).all():  # a group nobody measured both times: its
            continue  # section says so; "no characteristics recorded" would be a wrong reason
        data = _matching_frame(r, pupils)
        covariates = ["pre", *[c for c in MATCHED_ON if _varies(data, c)]]
        exact = [c for c in _EXACT if _varies(data, c)]
        match = matched_comparison(data, group="member", covariates=covariates, exact=exact)
        if not match.ok and min(int(data["member"].sum()), int((~data["member"]).sum())) < 2:
            match = replace(match, reason=(  # the reason is the outcome's, not
                "fewer than 2 members or 2 other pupils were measured both times, so there "
                "is nobody to match"))  # missing characteristics
        effect = None
        if match.ok:
            m = match.matched
            members, others = m[m["member"]], m[~m["member"]]
            try:
                effect = ppc_effect_size(members["pre"], members["post"], others["pre"],
                                         others["post"])
            except StatsError:
                effect = None
        out.append(MatchedOutcome(r.outcome, r.label, match, effect))
    return out


def _matching_frame(result: ChangeResult, pupils: pd.DataFrame) -> pd.DataFrame:
    p = result.pupils.dropna(subset=["pre", "post"])
    p = p.assign(member=(p["group"] == result.group_labels[0]).to_numpy())
    p = p.drop(columns=[c for c in p.columns if c in _EXACT or c in MATCHED_ON])
    wanted = ["pupil_id", *[c for c in (*_EXACT, *MATCHED_ON) if c in pupils.columns]]
    info = pupils[wanted].astype({"pupil_id": str}).drop_duplicates("pupil_id")
    for c in wanted[1:]:
        info[c] = info[c].astype("string")
    # one order whatever order the tables were stacked or read in: the greedy matching takes
    # the first of equally near pupils, so the same pupils must come in the same order
    return (p.merge(info, on="pupil_id", how="left")
            .sort_values("pupil_id", kind="stable").reset_index(drop=True))


def _varies(data: pd.DataFrame, column: str) -> bool:
    return column in data.columns and data[column].notna().any() and (
        data[column].astype("string").fillna("").nunique() > 1)


def matched_effects_table(matched: Iterable[MatchedOutcome], *, threshold: int,
                          display: bool = True) -> pd.DataFrame:
    """Per outcome: members matched and not matched, the matched d_ppc2 and whether it holds.

    An estimate resting on fewer than ``threshold`` matched members is not shown.
    Members matched and not matched add up to the members analysed (published in the
    before-and-after table), so the two counts are suppressed as a pair; the estimate
    does not reveal the unmatched few and stays.
    """
    rows = []
    for m in matched:
        e = m.effect if m.match.n_treated_matched >= threshold else None
        rows.append({"outcome": m.label, "n_matched": m.match.n_treated_matched,
                     "n_not_matched": m.match.n_treated_unmatched,
                     "estimate": e.estimate if e else np.nan,
                     "ci_low": e.ci_low if e else np.nan, "ci_high": e.ci_high if e else np.nan,
                     "largest_smd": m.match.max_smd_after if e else np.nan,
                     "usable": "yes" if m.usable else "no"})
    frame = pd.DataFrame(rows, columns=["outcome", "n_matched", "n_not_matched", "estimate",
                                        "ci_low", "ci_high", "largest_smd", "usable"])
    labels = {"outcome": "Outcome", "n_matched": "Members matched",
              "n_not_matched": "Members not matched", "estimate": "d_ppc2 (matched)",
              "ci_low": "95% CI low", "ci_high": "95% CI high",
              "largest_smd": "Largest difference after matching (SMD)",
              "usable": "Matched well"}
    out = suppress_small(frame, count_cols={"n_matched": [], "n_not_matched": []},
                         threshold=threshold, display=display, partition_by=None,
                         complements=[["n_matched", "n_not_matched"]])
    if display:
        return out[list(labels)].rename(columns=labels)
    return out.drop(columns=SUPPRESSED_COLUMN)


def balance_table(match: MatchResult, *, threshold: int) -> pd.DataFrame:
    """How alike members and their matches are, per characteristic, before and after.

    Standardised differences only. A level held by 1 to ``threshold - 1`` members
    (before or after matching) has its difference withheld, since with the group
    sizes it could give their number away; the levels of a characteristic add up to
    the members, so they are protected together (secondary suppression).
    """
    b = match.balance
    names = {"pre": "Starting score", "school": "School", "year_group": "Year group",
             "pupil_premium": "Pupil premium", "sen": "SEN", "gender": "Gender",
             "prior_attainment": "Prior attainment"}
    levels = [LEVEL_NAMES.get(c, {}).get(v, {"True": "Yes", "False": "No"}.get(v, v))
              for c, v in zip(b["covariate"], b["level"], strict=True)]
    numeric = b["level"] == ""
    n_before = match.n_treated_matched + match.n_treated_unmatched
    frame = pd.DataFrame({
        "characteristic": b["covariate"].map(lambda c: names.get(c, c)).to_numpy(),
        "level": levels,
        "n_before": np.where(numeric, n_before, (b["mean_members_before"] * n_before).round()),
        "n_after": np.where(numeric, match.n_treated_matched,
                            (b["mean_members_after"] * match.n_treated_matched).round()),
        "smd_before": b["smd_before"].to_numpy(), "smd_after": b["smd_after"].to_numpy(),
        "balance": b["balance"].to_numpy()})
    frame[["n_before", "n_after"]] = frame[["n_before", "n_after"]].astype("Int64")
    out = suppress_small(frame, count_cols={"n_before": ["smd_before"],
                                            "n_after": ["smd_after", "balance"]},
                         threshold=threshold, display=True, partition_by="characteristic")
    labels = {"characteristic": "Characteristic", "level": "Group",
              "smd_before": "Difference before (SMD)", "smd_after": "Difference after (SMD)",
              "balance": "Balance after"}
    return out[list(labels)].rename(columns=labels)


def matched_finding(matched: list[MatchedOutcome], threshold: int, *,
                    comparison: str = "none") -> str:
    """The plain sentence that leads the report: the matched estimates, or why there are none.

    ``comparison`` is the report's: with ``"non_members"`` and nothing matched, no outcome had
    members and other pupils both measured twice.
    """
    if not matched and comparison == "non_members":
        return ("No outcome was measured both times for members and for other pupils, so "
                "members could not be matched with similar pupils.")
    if not matched:
        return "There is no comparison group, so members could not be matched with other pupils."
    good = [m for m in matched if m.usable and m.match.n_treated_matched >= threshold]
    bad = [m for m in matched if not m.usable]
    parts = []
    if good:
        shown = "; ".join(f"{m.effect.estimate:.2f} [{m.effect.ci_low:.2f}, "
                          f"{m.effect.ci_high:.2f}] on {_lower(m.label)}" for m in good)
        parts.append("Compared with similar pupils who were not members (same school and year "
                     "group, a similar starting score, pupil premium, SEN, gender and prior "
                     "attainment), members' change differed by (raw-score d_ppc2, 95% CI): "
                     + shown)
    if bad:
        by_reason: dict[str, list[str]] = {}
        for m in bad:  # outcomes sharing a reason named together, the reason said once
            by_reason.setdefault(_reason(m.match, threshold), []).append(m.label)
        why = "; ".join(f"{listed(labels)}: {reason}"
                        for reason, labels in list(by_reason.items())[:2])
        parts.append(f"members could not be matched well on {len(bad)} outcome"
                     f"{'s' if len(bad) > 1 else ''} ({why})")
    text = ". ".join(parts)
    return text[0].upper() + text[1:] + "."


def evidence_facts(matches: Iterable[MatchedOutcome], primary: str) -> dict[str, object]:
    """Design facts for the strength of evidence when the report leads with the match.

    When the primary outcome's members were matched well, the evidence is rated
    as a matched design (EEF rating 3 for the design) on the pupils matched, with
    the starting-score difference that remains **after** matching, so the
    imbalance the matching removed is not counted against it again. Otherwise
    nothing changes (an empty dict).
    """
    found = next((m for m in matches if m.outcome == primary and m.usable), None)
    if found is None:
        return {}
    b = found.match.balance
    after = b.loc[b["covariate"] == "pre", "smd_after"]
    return {"design_kind": "matched",
            "baseline_g": float(after.iloc[0]) if len(after) else None,
            "baseline_outcome": f"{found.label} (after matching)",
            "n_members_analysed": found.effect.n_treated,
            "n_comparison_analysed": found.effect.n_comparison}


#: A reason that counts members ("only 0 of 5 members (0%) had a similar pupil").
_COUNTED = re.compile(r"\b\d+ (of \d+ )?(matched )?members?\b")


def _reason(match: MatchResult, threshold: int) -> str:
    """Why members could not be matched, with no count of fewer than ``threshold`` members."""
    done, not_done = match.n_treated_matched, match.n_treated_unmatched
    if any(0 < c < threshold for c in (done, not_done, done + not_done)) and \
            _COUNTED.search(match.reason):
        return ("too few members had a similar pupil to be compared with for a fair matched "
                "comparison")
    return match.reason


def _lower(label: str) -> str:
    return label if label[:2] == label[:2].upper() else label[0].lower() + label[1:]


def matched_records(matched: Iterable[MatchedOutcome], threshold: int) -> dict[str, object]:
    """The matched estimate per outcome for the index (None when not usable or too small)."""
    out: dict[str, object] = {}
    for m in matched:
        e = m.effect
        small = m.match.n_treated_matched < threshold
        out[f"matched_{m.outcome}"] = None if not m.usable or small else {
            "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high,
            "n_treated": e.n_treated, "n_comparison": e.n_comparison,
            "max_smd_after": m.match.max_smd_after}
    return out


def matched_section(matches: list[MatchedOutcome], threshold: int, *,
                    comparison: str = "none") -> Section:
    """The report's "Members compared with similar pupils" section."""
    first = next((m for m in matches if m.match.n_treated_matched >= threshold
                  and not m.match.balance.empty), None)
    balance = (Table(balance_table(first.match, threshold=threshold), decimals=2,
                     caption=f"How alike members and their matches are ({first.label})"),
               ) if first else ()
    # no member matched on any outcome: the finding says why; a table of 0s would not
    effects = (Table(matched_effects_table(matches, threshold=threshold), decimals=2,
                     caption="Members' change against the change of similar pupils"),
               ) if any(m.match.n_treated_matched for m in matches) else ()
    return Section(
        "matched", "Members compared with similar pupils",
        finding=matched_finding(matches, threshold, comparison=comparison),
        tables=(*effects, *balance),
        note=("Each member measured both times was paired with the most similar pupil who was "
              "not a member: same school and year group, and as close as possible on the "
              "starting score, pupil premium, SEN, gender and prior attainment (a propensity "
              "score, within 0.2 standard deviations of its logit). d_ppc2 is the difference "
              "between members' and their matches' change, divided by the spread of scores "
              "at the start: about 0.2 is small, 0.5 medium. A standardised difference (SMD) "
              "below 0.1 after matching means the groups are well alike on that "
              "characteristic, below 0.25 acceptably. Matching makes the groups alike on what "
              "was measured, not on motivation or anything else that made pupils volunteer."),
        records=matched_records(matches, threshold))
