"""Did the community work differently for a subgroup? The interaction test.

An effect "among pupil-premium pupils" that looks larger or smaller than the
whole group's is not evidence of a different effect unless the difference
itself is tested: :func:`interaction_table` fits, per outcome, the change of
each pupil on membership, the subgroup and their product (OLS, HC3 robust
standard errors) and reports the product's coefficient: how much more (or
less) members of the subgroup changed, relative to other pupils of the
subgroup, than members outside it did relative to other pupils outside it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from slc_research.casestudies.outcome_family import SUBGROUP_CAVEAT, interaction_finding
from slc_research.casestudies.slc_impact.outcomes import ChangeResult
from slc_research.privacy.suppression import suppress_small

__all__ = ["SUBGROUP_CAVEAT", "interaction_finding", "interaction_table"]

def interaction_table(results: Iterable[ChangeResult], in_subgroup: Iterable[str], *,
                      threshold: int, confidence: float = 0.95,
                      display: bool = True) -> pd.DataFrame:
    """Membership x subgroup interaction on each outcome's change.

    Parameters
    ----------
    results : iterable of ChangeResult
        Outcomes compared with other pupils (their ``pupils`` hold pre and post).
    in_subgroup : iterable of str
        Pupil ids in the subgroup (e.g. eligible for the pupil premium).
    threshold : int
        A row is withheld when members or other pupils inside the subgroup, or
        outside it, are fewer than this.
    confidence : float, default 0.95
    display : bool, default True

    Returns
    -------
    DataFrame
        ``outcome``, ``unit``, ``n_members_in``, ``n_others_in``,
        ``interaction`` (outcome units), ``ci_low``, ``ci_high``, ``p_value``
        (the counts outside the subgroup decide suppression but are not shown).

    Notes
    -----
    The model (``statsmodels.api.OLS``, HC3 covariance)::

        change = b0 + b1 member + b2 subgroup + b3 member × subgroup + e

    b3 is the difference between the subgroup's difference in change and the
    rest's: the test of whether the effect differs (Gelman & Hill, 2007, ch. 4;
    Rothwell, 2005). Its interval is wide when the subgroup is small.

    References
    ----------
    Rothwell, P. M. (2005). Subgroup analysis in randomised controlled trials:
    importance, indications, and interpretation. *The Lancet*, 365, 176-186.
    """
    from statsmodels.regression.linear_model import OLS

    chosen = set(map(str, in_subgroup))
    rows = []
    for r in results:
        p = r.pupils
        if p.empty or r.comparison != "non_members":
            continue
        d = p.dropna(subset=["pre", "post"])
        member = (d["group"] == r.group_labels[0]).to_numpy(float)
        sub = d["pupil_id"].astype(str).isin(chosen).to_numpy(float)
        counts = {"n_members_in": int((member * sub).sum()),
                  "n_others_in": int(((1 - member) * sub).sum()),
                  "n_members_out": int((member * (1 - sub)).sum()),
                  "n_others_out": int(((1 - member) * (1 - sub)).sum())}
        row = {"outcome": r.label, "unit": r.unit, **counts, "interaction": np.nan,
               "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan}
        if min(counts.values()) >= 2:
            x = np.column_stack([np.ones(len(d)), member, sub, member * sub])
            fit = OLS((d["post"] - d["pre"]).to_numpy(float), x).fit(cov_type="HC3")
            lo, hi = fit.conf_int(alpha=1 - confidence)[3]
            row.update(interaction=float(fit.params[3]), ci_low=float(lo), ci_high=float(hi),
                       p_value=float(fit.pvalues[3]))
        rows.append(row)
    cols = ["outcome", "unit", "n_members_in", "n_others_in", "n_members_out", "n_others_out",
            "interaction", "ci_low", "ci_high", "p_value"]
    table = pd.DataFrame(rows, columns=cols)
    numbers = ["interaction", "ci_low", "ci_high", "p_value"]
    out = suppress_small(table, count_cols={c: numbers for c in cols[2:6]},
                         threshold=threshold, display=display, partition_by=None)
    # the counts outside the subgroup are not shown: with the analysed totals published
    # elsewhere they would give away a withheld count inside it
    out = out.drop(columns=["n_members_out", "n_others_out"])
    if not display:
        return out
    return out.rename(columns={
        "outcome": "Outcome", "unit": "Units", "n_members_in": "Members in the subgroup",
        "n_others_in": "Other pupils in the subgroup",
        "interaction": "Difference in effect (member x subgroup)", "ci_low": "95% CI low",
        "ci_high": "95% CI high", "p_value": "p"})
