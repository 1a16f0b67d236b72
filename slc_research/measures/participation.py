"""How often members came to their community's meetings, and in what roles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ATTENDANCE_BANDS", "Participation", "participation"]

#: Bands of "% of meetings attended" used in summaries and charts (lower bounds).
ATTENDANCE_BANDS = (("0-24%", 0), ("25-49%", 25), ("50-74%", 50), ("75-100%", 75))

#: A member attending at least this % of the meetings held while they were a member.
REGULAR = 75


@dataclass(frozen=True)
class Participation:
    """Meeting attendance of a community's members.

    Attributes
    ----------
    per_member : DataFrame
        One row per membership: ``member_id``, ``community``, ``role``,
        ``meetings_held`` (while a member), ``meetings_attended``,
        ``pct_attended``, ``band``. Holds pseudonymous ids: for analysis, never
        for publishing.
    summary : DataFrame
        One row per community: ``community``, ``members``, ``meetings``
        (held in all), ``mean_pct_attended``, ``median_pct_attended``,
        ``n_regular`` and ``pct_regular`` (members attending at least 75% of
        their meetings).
    roles : DataFrame
        ``community``, ``role``, ``n``: members per role ("Not recorded" when blank).
    bands : DataFrame
        ``community``, ``band``, ``n``: members per band of % attended (every
        band listed, zeros included).
    """

    per_member: pd.DataFrame
    summary: pd.DataFrame
    roles: pd.DataFrame
    bands: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The per-community summary (publishable after suppression)."""
        return self.summary


def participation(meetings: pd.DataFrame, meeting_attendance: pd.DataFrame,
                  memberships: pd.DataFrame, community: str | Iterable[str] | None = None, *,
                  members: Iterable[str] | None = None) -> Participation:
    """Meetings held and attended per member, and a summary per community.

    Parameters
    ----------
    meetings : DataFrame
        The canonical ``meetings`` table (meeting_id, community, date, topic).
    meeting_attendance : DataFrame
        The canonical ``meeting_attendance`` table (meeting_id, member_id, attended).
    memberships : DataFrame
        The canonical ``memberships`` table: gives each member's community,
        role and the dates they joined and left.
    community : str, list of str or None
        The communities to cover; None or ``""`` for every community with meetings.
    members : iterable of str, optional
        Restrict to these member ids (e.g. pupils only).

    Returns
    -------
    Participation

    Notes
    -----
    A meeting counts as *held* for a member if it was on or after the date they
    joined and on or before the date they left (either may be blank, meaning
    "from the start" or "still a member"). A row in ``meeting_attendance``
    counts as attended unless ``attended`` is recorded as false: a register
    that lists only who came has no false rows.
    """
    if community is None or community == "":
        names = sorted(meetings["community"].dropna().astype(str).unique())
    else:
        names = [community] if isinstance(community, str) else list(community)
    mem = memberships[memberships["community"].isin(names)]
    if members is not None:
        mem = mem[mem["member_id"].isin(set(members))]
    mem = (mem.dropna(subset=["member_id"])
           .drop_duplicates(subset=["member_id", "community"])
           [["member_id", "community", "role", "joined", "left"]]
           .reset_index(drop=True))
    meet = meetings[meetings["community"].isin(names)][["meeting_id", "community", "date"]]

    # every (membership, meeting of that community) pair, kept when within joined..left
    pairs = mem.merge(meet, on="community", how="inner")
    while_member = ((pairs["joined"].isna() | (pairs["date"] >= pairs["joined"]))
                    & (pairs["left"].isna() | (pairs["date"] <= pairs["left"]))
                    & pairs["date"].notna())
    pairs = pairs[while_member.to_numpy(dtype=bool)]
    came = meeting_attendance[["meeting_id", "member_id", "attended"]]
    came = came[came["attended"].astype("boolean").fillna(True).to_numpy(dtype=bool)]
    came = came.drop_duplicates(subset=["meeting_id", "member_id"]).assign(_came=1)
    pairs = pairs.merge(came[["meeting_id", "member_id", "_came"]],
                        on=["meeting_id", "member_id"], how="left")
    counts = (pairs.assign(_came=pairs["_came"].fillna(0))
              .groupby(["member_id", "community"], sort=False)
              .agg(meetings_held=("meeting_id", "size"), meetings_attended=("_came", "sum")))
    per = mem.merge(counts.reset_index(), on=["member_id", "community"], how="left")
    per["meetings_held"] = per["meetings_held"].fillna(0).astype("Int64")
    per["meetings_attended"] = per["meetings_attended"].fillna(0).astype("Int64")
    held = per["meetings_held"].astype("Float64")
    per["pct_attended"] = (100 * per["meetings_attended"].astype("Float64") / held).where(held > 0)
    per["band"] = _band(per["pct_attended"])
    per = per[["member_id", "community", "role", "meetings_held", "meetings_attended",
               "pct_attended", "band"]]

    summary = []
    for name in names:
        p = per[per["community"] == name]
        pct = p["pct_attended"].dropna().astype(float)
        n_reg = int((pct >= REGULAR).sum())
        summary.append({
            "community": name, "members": len(p),
            "meetings": int(meet.loc[meet["community"] == name, "meeting_id"].nunique()),
            "mean_pct_attended": float(pct.mean()) if len(pct) else np.nan,
            "median_pct_attended": float(pct.median()) if len(pct) else np.nan,
            "n_regular": n_reg, "pct_regular": 100 * n_reg / len(pct) if len(pct) else np.nan,
        })
    roles = (per.assign(role=per["role"].astype("string").fillna("Not recorded"))
             .groupby(["community", "role"], sort=True).size().rename("n").reset_index())
    band_names = [b for b, _ in ATTENDANCE_BANDS]
    grid = pd.MultiIndex.from_product([names, band_names], names=["community", "band"])
    bands = (per.groupby(["community", "band"], observed=False).size()
             .reindex(grid, fill_value=0).rename("n").reset_index())
    return Participation(per.reset_index(drop=True), pd.DataFrame(summary, columns=[
        "community", "members", "meetings", "mean_pct_attended", "median_pct_attended",
        "n_regular", "pct_regular"]), roles, bands)


def _band(pct: pd.Series) -> pd.Series:
    labels = [b for b, _ in ATTENDANCE_BANDS]
    edges = [lo for _, lo in ATTENDANCE_BANDS] + [np.inf]
    values = pct.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    out = pd.cut(values, bins=edges, labels=labels, right=False)
    return pd.Series(out, index=pct.index)
