"""A matched comparison: members paired with similar non-members by propensity score.

:func:`matched_comparison` fits a logistic regression of membership on the
pupils' baseline characteristics (statsmodels), pairs each member with the
nearest non-member(s) on the logit of that propensity score within a caliper,
exactly within strata such as year group and school, and reports how alike
the groups are before and after matching (standardised mean differences).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from slc_research.errors import StatsError
from slc_research.stats.propensity import design_matrix, model_terms, propensity_logit
from slc_research.stats.results import ResultMixin, format_ci, format_number

__all__ = ["BALANCE_ACCEPTABLE", "BALANCE_GOOD", "MatchResult", "NOT_RECORDED",
           "balance_rating", "matched_comparison"]

#: |SMD| below this is good balance (Stuart 2010; Austin 2011).
BALANCE_GOOD = 0.1
#: |SMD| below this is acceptable; at or above it the groups are still unlike (Stuart 2010).
BALANCE_ACCEPTABLE = 0.25
#: The level given to a missing category, so pupils with it are matched, not dropped.
NOT_RECORDED = "Not recorded"

_BALANCE_COLUMNS = ["covariate", "level", "mean_members_before", "mean_others_before",
                    "smd_before", "mean_members_after", "mean_others_after", "smd_after",
                    "balance"]


@dataclass(frozen=True)
class MatchResult(ResultMixin):
    """Members matched to similar non-members, with the balance before and after.

    Attributes
    ----------
    estimate : float
        With an ``outcome``: the mean over matched sets of (member's outcome minus
        the mean outcome of their matched non-members); NaN without one.
    ci_low, ci_high : float
        Its t interval (from the matched-set differences, so the pairing is kept).
    n : int
        Pupils in the matched sample (members and non-members).
    method : str
        The matching in words.
    ok : bool
        Whether the match can be used: enough members matched (at least 80% and at
        least 10) and every covariate acceptably balanced (|SMD| < 0.25).
    reason : str
        Why not, in plain words (or what was achieved, when ``ok``).
    n_treated_matched, n_treated_unmatched : int
        Members with at least one match, and without one.
    n_controls_matched : int
        Non-members used as matches.
    max_smd_after : float
        The largest |standardised mean difference| after matching.
    confidence : float
    matched : DataFrame
        The matched rows of ``data`` with ``propensity`` (the estimated
        probability of membership), ``logit``, ``matched_set`` (the member's set
        number) and ``weight`` (1 for members; 1 / controls in the set for
        non-members). Not part of ``to_frame()``.
    balance : DataFrame
        One row per covariate (per level for a category): ``covariate``,
        ``level``, the group means (shares for a category) and ``smd_before``,
        ``smd_after`` and ``balance`` ("good", "acceptable" or "poor" after
        matching). Not part of ``to_frame()``.
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    method: str
    ok: bool
    reason: str
    n_treated_matched: int
    n_treated_unmatched: int
    n_controls_matched: int
    max_smd_after: float
    confidence: float = 0.95
    matched: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)
    balance: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)

    def __str__(self) -> str:
        total = self.n_treated_matched + self.n_treated_unmatched
        text = (f"{self.n_treated_matched} of {total} members matched; largest |SMD| after "
                f"matching = {format_number(self.max_smd_after)}")
        if not math.isnan(self.estimate):
            text += (f"; difference = {format_number(self.estimate)}, "
                     f"{format_ci(self.ci_low, self.ci_high, self.confidence)}")
        return text + f", n = {self.n}"


def balance_rating(smd: float) -> str:
    """``"good"`` (|SMD| < 0.1), ``"acceptable"`` (< 0.25) or ``"poor"`` (Stuart 2010)."""
    if smd is None or not np.isfinite(smd):
        return "n/a"
    size = abs(smd)
    return "good" if size < BALANCE_GOOD else "acceptable" if size < BALANCE_ACCEPTABLE else "poor"


def matched_comparison(data: pd.DataFrame, *, group: str, covariates: Sequence[str],
                       exact: Sequence[str] = (), caliper: float = 0.2, ratio: int = 1,
                       outcome: str | None = None, min_share: float = 0.8,
                       min_matched: int = 10, confidence: float = 0.95) -> MatchResult:
    """Match each member to the most similar non-member(s) on a propensity score.

    Parameters
    ----------
    data : DataFrame
        One row per pupil: the ``group`` column, the covariates, the ``exact``
        columns and (optionally) the outcome.
    group : str
        True (or 1) for a member, False (or 0) for a possible comparison pupil.
    covariates : list of str
        Baseline characteristics to balance: numbers (a baseline score) or
        categories (year group, pupil premium, SEN, gender, prior attainment).
        A missing category becomes its own level, "Not recorded", so those pupils
        are matched like any other; a pupil missing a number is left out.
    exact : list of str, default ()
        Columns matched exactly (year group, school): a member is only ever
        paired with a non-member sharing these values.
    caliper : float, default 0.2
        Widest allowed gap between a member and a match, in standard deviations
        of the logit of the propensity score (Austin 2011).
    ratio : int, default 1
        Non-members matched to each member.
    outcome : str, optional
        A column whose matched difference is the ``estimate``.
    min_share, min_matched : float, int
        The match is ``ok`` only if at least this share and this number of
        members are matched.
    confidence : float, default 0.95

    Returns
    -------
    MatchResult

    Raises
    ------
    StatsError
        A named column is missing, ``group`` is not yes/no, or an option is out of range.

    Notes
    -----
    The propensity score e(x) = P(member | x) is estimated by logistic
    regression on the covariates (categories as indicator columns) and each
    pupil's score is put on the logit scale, l = log(e / (1 - e)). Members are
    taken in a fixed order (highest l first, ties by row order), and in each of
    ``ratio`` passes each member takes, among the unused non-members in the same
    exact stratum with |l_member - l_other| <= caliper * SD_pooled(l) (where
    SD_pooled = sqrt((s_members^2 + s_others^2) / 2); Austin 2011), the nearest on
    the Mahalanobis distance of the covariates and l: greedy matching without
    replacement, "Mahalanobis metric matching within propensity score calipers"
    (Rosenbaum & Rubin 1985), which balances the single covariates better than the
    score alone in small groups. Balance is the standardised mean
    difference of each covariate (and each level of a category)::

        SMD = (mean_members - mean_others) / sqrt((s2_members + s2_others) / 2)

    with the same denominator, from the sample before matching, before and
    after, so the change shows the means moving, and non-members weighted by
    1 / (matches in their set) after. |SMD| < 0.1 is good and < 0.25
    acceptable (Stuart 2010). With an outcome, d_j = y_member - mean(y of its
    matches) per matched set, and the estimate is mean(d_j) with a one-sample
    t interval on n_sets - 1 degrees of freedom (Austin 2011 recommends methods
    that keep the pairing).

    References
    ----------
    Rosenbaum, P. R., & Rubin, D. B. (1983). The central role of the propensity
    score in observational studies for causal effects. *Biometrika*, 70(1), 41-55.

    Rosenbaum, P. R., & Rubin, D. B. (1985). Constructing a control group using
    multivariate matched sampling methods that incorporate the propensity score.
    *The American Statistician*, 39(1), 33-38.

    Austin, P. C. (2011). Optimal caliper widths for propensity-score matching
    when estimating differences in means and differences in proportions in
    observational studies. *Pharmaceutical Statistics*, 10(2), 150-161.

    Stuart, E. A. (2010). Matching methods for causal inference: a review and a
    look forward. *Statistical Science*, 25(1), 1-21.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> base = rng.normal(size=400)
    >>> member = rng.random(400) < 1 / (1 + np.exp(2 - base))
    >>> data = pd.DataFrame({"member": member, "baseline": base,
    ...                      "outcome": 0.5 * base + rng.normal(size=400)})
    >>> res = matched_comparison(data, group="member", covariates=["baseline"],
    ...                          outcome="outcome")
    >>> res.ok, res.max_smd_after < 0.1
    (True, True)
    """
    covariates, exact = list(covariates), list(exact)
    _check(data, group, covariates, exact, outcome, caliper, ratio)
    frame = data.reset_index(drop=True)
    frame["_member"] = _as_member(frame[group])
    numeric = [c for c in covariates if _is_numeric(frame[c])]
    frame = frame.dropna(subset=numeric + ([outcome] if outcome else []))
    for c in [*covariates, *exact]:
        if c not in numeric:
            frame[c] = frame[c].astype(object).where(frame[c].notna(), NOT_RECORDED).astype(str)
    design = design_matrix(frame, covariates, numeric)
    method = (f"Propensity-score matching (logistic regression; nearest Mahalanobis neighbour "
              f"1:{ratio} without replacement within a caliper of {caliper:g} SD of the logit"
              + (f"; exact on {', '.join(exact)}" if exact else "") + ")")
    member = frame["_member"].to_numpy()
    n_members = int(member.sum())
    if n_members < 2 or int((~member).sum()) < 2:
        return _failed(method, n_members, confidence,
                       "fewer than 2 members or 2 other pupils have every characteristic "
                       "recorded, so there is nobody to match")
    terms = model_terms(design, covariates, numeric)
    if len(frame) <= terms:
        return _failed(method, n_members, confidence,
                       f"too few pupils (members and others) to model who joined on {terms} "
                       f"terms: at least {terms + 1} are needed")
    try:
        logit = propensity_logit(design, member)
    except (np.linalg.LinAlgError, ValueError) as exc:
        return _failed(method, n_members, confidence,
                       f"the model of who joined could not be fitted ({exc})")
    frame["logit"] = logit
    frame["propensity"] = 1 / (1 + np.exp(-logit))
    width = caliper * math.sqrt((np.var(logit[member], ddof=1)
                                 + np.var(logit[~member], ddof=1)) / 2)
    sets = _greedy_match(frame, design, exact, width, ratio)
    matched = frame.loc[sets.index].assign(matched_set=sets)
    sizes = matched.groupby("matched_set")["_member"].transform(lambda s: (~s).sum())
    matched["weight"] = np.where(matched["_member"], 1.0, 1.0 / sizes.clip(lower=1))
    balance = _balance(design, member, design.loc[matched.index], matched)
    n_done = int(matched["_member"].sum())
    max_smd = float(balance["smd_after"].abs().max()) if n_done else math.nan
    ok, reason = _verdict(n_done, n_members, max_smd, balance, min_share, min_matched)
    estimate = low = high = math.nan
    if outcome and n_done >= 2:
        estimate, low, high = _matched_difference(matched, outcome, confidence)
    return MatchResult(estimate, low, high, len(matched), method, ok, reason, n_done,
                       n_members - n_done, int((~matched["_member"]).sum()), max_smd,
                       confidence, matched.drop(columns=["_member"]), balance)


# --- internals -------------------------------------------------------------------------------

def _check(data, group, covariates, exact, outcome, caliper, ratio) -> None:
    needed = [group, *covariates, *exact, *([outcome] if outcome else [])]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise StatsError(f"matched_comparison: no column {', '.join(map(repr, missing))} in "
                         f"the data; columns are {', '.join(map(str, data.columns))}")
    if not covariates:
        raise StatsError("matched_comparison needs at least one covariate to match on")
    if not (caliper > 0) or int(ratio) != ratio or ratio < 1:
        raise StatsError(f"caliper must be above 0 and ratio a whole number from 1; found "
                         f"caliper={caliper!r}, ratio={ratio!r}")


def _as_member(values: pd.Series) -> pd.Series:
    known = values.dropna()
    if not set(pd.unique(known)) <= {True, False}:  # 1 == True, 0 == False
        raise StatsError("the group column must be yes/no (True/False or 1/0) for "
                         "member / not a member")
    return values.astype("boolean").fillna(False).astype(bool)


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


#: Decimal places of the logits and distances compared when matching (see ``_greedy_match``).
_DIGITS = 9


def _greedy_match(frame: pd.DataFrame, design: pd.DataFrame, exact: list[str], width: float,
                  ratio: int) -> pd.Series:
    """Matched-set number per matched row (members and their matches), in a fixed order.

    Among the unused non-members of the member's stratum within the caliper, the
    nearest on the Mahalanobis distance of the covariates and the logit is taken
    (Rosenbaum & Rubin 1985).
    """
    strata = (frame[exact].astype(str).agg("|".join, axis=1) if exact
              else pd.Series("", index=frame.index))
    # rounded, so that the last digits of floating-point sums (which differ with the order
    # the data came in) never decide a pair: ties go to the earlier row
    logit = np.round(frame["logit"].to_numpy(float), _DIGITS)
    member = frame["_member"].to_numpy()
    x = np.column_stack([design.to_numpy(float), logit])
    x = x - x.mean(axis=0)
    inverse = np.linalg.pinv(np.atleast_2d(np.cov(x, rowvar=False)))
    position = np.arange(len(frame))
    order = sorted(np.flatnonzero(member), key=lambda i: (-logit[i], position[i]))
    used = np.zeros(len(frame), bool)
    stratum = strata.to_numpy()
    assigned: dict[int, int] = {}
    for _ in range(ratio):
        for set_no, i in enumerate(order):
            free = np.flatnonzero(~member & ~used & (stratum == stratum[i])
                                  & (np.abs(logit - logit[i]) <= width))
            if not len(free):
                continue
            diff = x[free] - x[i]
            distance = np.round(np.einsum("ij,jk,ik->i", diff, inverse, diff), _DIGITS)
            best = int(free[np.argmin(distance)])  # the first of equal distances: row order
            used[best] = True
            assigned[best] = set_no
            assigned.setdefault(int(i), set_no)
    rows = sorted(assigned)
    return pd.Series([assigned[r] for r in rows], index=frame.index[rows], name="matched_set")


def _balance(design: pd.DataFrame, member: np.ndarray, matched_design: pd.DataFrame,
             matched: pd.DataFrame) -> pd.DataFrame:
    rows = []
    after_member = matched["_member"].to_numpy()
    w = matched["weight"].to_numpy()
    for col in design.columns:
        x = design[col].to_numpy(float)
        covariate, level = col.split("\x1f", 1)
        m, o = x[member], x[~member]
        sd = math.sqrt((np.var(m, ddof=1) + np.var(o, ddof=1)) / 2)
        y = matched_design[col].to_numpy(float)
        mm = y[after_member].mean() if after_member.any() else math.nan
        mo = (np.average(y[~after_member], weights=w[~after_member])
              if (~after_member).any() else math.nan)
        before = (m.mean() - o.mean()) / sd if sd > 0 else 0.0
        after = (mm - mo) / sd if sd > 0 else 0.0
        rows.append({"covariate": covariate, "level": level, "mean_members_before": m.mean(),
                     "mean_others_before": o.mean(), "smd_before": before,
                     "mean_members_after": mm, "mean_others_after": mo, "smd_after": after,
                     "balance": balance_rating(after)})
    return pd.DataFrame(rows, columns=_BALANCE_COLUMNS)


def _verdict(n_done: int, n_members: int, max_smd: float, balance: pd.DataFrame,
             min_share: float, min_matched: int) -> tuple[bool, str]:
    share = n_done / n_members if n_members else 0.0
    if share < min_share:
        return False, (f"only {n_done} of {n_members} members ({share:.0%}) had a similar "
                       f"pupil to be compared with; at least {min_share:.0%} and at least "
                       f"{min_matched} are needed for a fair matched comparison")
    if n_done < min_matched:  # all or most matched, but too few members for the comparison
        return False, (f"{n_done} matched member{'s' if n_done != 1 else ''} "
                       f"{'are' if n_done != 1 else 'is'} too few for a fair matched "
                       f"comparison; at least {min_matched} are needed")
    poor = balance.loc[balance["balance"] == "poor", "covariate"].unique().tolist()
    if poor:
        return False, (f"after matching, the groups still differ on {', '.join(poor)} "
                       f"(a standardised difference of {max_smd:.2f}; below "
                       f"{BALANCE_ACCEPTABLE} is needed)")
    quality = "good" if max_smd < BALANCE_GOOD else "acceptable"
    return True, (f"{n_done} of {n_members} members ({share:.0%}) were matched, and balance "
                  f"is {quality} (largest standardised difference {max_smd:.2f})")


def _matched_difference(matched: pd.DataFrame, outcome: str, confidence: float
                        ) -> tuple[float, float, float]:
    y = matched[outcome].astype(float)
    is_member = matched["_member"]
    own = y[is_member].groupby(matched.loc[is_member, "matched_set"]).mean()
    theirs = y[~is_member].groupby(matched.loc[~is_member, "matched_set"]).mean()
    d = (own - theirs.reindex(own.index)).dropna().to_numpy()
    mean = float(d.mean())
    se = float(d.std(ddof=1) / math.sqrt(len(d)))
    t = stats.t.ppf((1 + confidence) / 2, len(d) - 1)
    return mean, mean - t * se, mean + t * se


def _failed(method: str, n_members: int, confidence: float, reason: str) -> MatchResult:
    return MatchResult(math.nan, math.nan, math.nan, 0, method, False, reason, 0, n_members,
                       0, math.nan, confidence, pd.DataFrame(),
                       pd.DataFrame(columns=_BALANCE_COLUMNS))
