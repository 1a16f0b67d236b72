"""The SLC impact case study: who took part, how often, and what changed.

Pure functions on the canonical tables (see :mod:`slc_research.data.schemas`);
each returns a DataFrame or a small result object and prints nothing. This
module holds who the members are; the rest lives
in :mod:`slc_research.casestudies.slc_impact.representativeness`, :mod:`slc_research.measures.participation`,
:mod:`slc_research.casestudies.slc_impact.outcomes` (questionnaire scales, attendance, behaviour) and
:mod:`slc_research.casestudies.slc_impact.design` (the limitations text), all re-exported here. The notebook ``notebooks/slc_impact.ipynb`` calls these.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from slc_research.casestudies.result import missing_source
from slc_research.casestudies.slc_impact.design import design_facts, evidence_strength, limitations
from slc_research.casestudies.slc_impact.outcomes import (
    ChangeResult,
    attendance_change,
    behaviour_change,
    effects_table,
    scale_change,
)
from slc_research.casestudies.slc_impact.representativeness import (
    CHARACTERISTICS,
    NOT_RECORDED,
    Representativeness,
    cohort_ids,
    representativeness,
)
from slc_research.data.spec import Scale
from slc_research.errors import ConfigError
from slc_research.measures.participation import Participation, participation

__all__ = [
    "CHARACTERISTICS",
    "NOT_RECORDED",
    "ChangeResult",
    "Participation",
    "Representativeness",
    "attendance_change",
    "behaviour_change",
    "cohort_ids",
    "community_label",
    "community_members",
    "community_start",
    "community_start_event",
    "meetings_missing",
    "design_facts",
    "evidence_strength",
    "effects_table",
    "limitations",
    "participation",
    "representativeness",
    "resolve_communities",
    "resolve_scales",
    "scale_change",
]




def resolve_communities(communities: pd.DataFrame, community: str = "", *,
                        kind: str = "slc") -> list[str]:
    """The communities the report covers: the one named, or every one of ``kind``.

    Parameters
    ----------
    communities : DataFrame
        The canonical ``communities`` table (community, kind, school, theme).
    community : str
        A name, or ``""`` for all communities of ``kind``.
    kind : str, default "slc"

    Raises
    ------
    ConfigError
        The name is unknown (the message lists the known ones), or there is none of ``kind``.
    """
    names = communities["community"].dropna().astype(str)
    of_kind = sorted(names[communities["kind"].astype("string") == kind])
    if community:
        if community not in set(names):
            known = ", ".join(repr(n) for n in sorted(names)) or "none"
            raise ConfigError(f"no community called {community!r} in this enquiry; "
                              f"known communities: {known}", key="community")
        return [community]
    if not of_kind:
        raise ConfigError(f"this enquiry has no community of kind {kind!r}; add a memberships "
                          f"source with community_kind = \"{kind}\"", key="community")
    return of_kind


def resolve_scales(scales: dict[str, Scale], requested: Iterable[str] = (), *,
                   scores: pd.DataFrame | None = None) -> list[Scale]:
    """The scales the report covers: those requested, or every pupil questionnaire scale.

    Parameters
    ----------
    scales : dict
        Name -> :class:`~slc_research.data.spec.Scale` (``Enquiry.scales``).
    requested : list of str
        Names; empty for all scales with pupil scores in ``scores``.
    scores : DataFrame, optional
        Scale scores (respondent_type, scale, ...); used to pick the pupil scales.

    Raises
    ------
    ConfigError
        A requested scale is not in the manifest (the message lists those that are).
    """
    requested = list(requested)
    unknown = [s for s in requested if s not in scales]
    if unknown:
        known = ", ".join(repr(s) for s in sorted(scales)) or "none"
        raise ConfigError(f"no scale called {', '.join(map(repr, unknown))} in enquiry.toml; "
                          f"scales: {known}", key="scales")
    if requested:
        return [scales[s] for s in requested]
    names = sorted(scales)
    if scores is not None and not scores.empty:
        pupil = scores
        if "respondent_type" in scores.columns:
            pupil = scores[scores["respondent_type"].astype("string").fillna("pupil") == "pupil"]
        present = set(pupil["scale"].dropna().astype(str))
        names = [n for n in names if n in present]
    return [scales[n] for n in names]


# --- who is in the community -----------------------------------------------------------------

def community_members(memberships: pd.DataFrame, community: str | Iterable[str] | None = None,
                      kind: str = "slc", *, member_type: str | None = None,
                      require: bool = False) -> frozenset[str]:
    """Ids of the members of one community, several, or every community of a kind.

    Parameters
    ----------
    memberships : DataFrame
        The canonical ``memberships`` table.
    community : str, list of str or None
        Community name(s); None or ``""`` for every community of ``kind``
        (``kind`` is then used; with names it is ignored).
    kind : str, default "slc"
    member_type : {"pupil", "staff"}, optional
        Keep only these members; default pupils, or staff for ``kind="tlc"``.
        Rows whose member type is not recorded are kept.
    require : bool, default False
        Raise :class:`ConfigError` when there is no member.

    Returns
    -------
    frozenset of str
        Everyone who was ever a member (including those who left): the
        comparison is by intention, not by how long they stayed.
    """
    m = memberships
    if community is None or community == "":
        keep = m["community_kind"].astype("string") == kind
    else:
        names = [community] if isinstance(community, str) else list(community)
        keep = m["community"].isin(names)
    member_type = member_type or ("staff" if kind == "tlc" else "pupil")
    types = m["member_type"].astype("string")
    keep = keep.fillna(False) & (types.isna() | (types == member_type))
    found = frozenset(m.loc[keep.astype(bool), "member_id"].dropna().astype(str))
    if require and not found:
        which = (f"any community of kind {kind!r}" if community in (None, "")
                 else repr(community))
        raise ConfigError(f"no {member_type} members found in {which}; check the memberships "
                          "source (community names, community_kind, member type)",
                          key="community")
    return found


def community_label(communities: Iterable[str], kind: str = "SLC") -> str:
    """How the report names what it covers: the community, or "the 3 SLCs"."""
    names = list(communities)
    if len(names) == 1:
        return names[0]
    return f"the {len(names)} {kind}s"


def community_start(meetings: pd.DataFrame, memberships: pd.DataFrame,
                    communities: Iterable[str]) -> pd.Timestamp | None:
    """When the communities started: their first meeting, else the first date anyone joined."""
    names = list(communities)
    first = meetings.loc[meetings["community"].isin(names), "date"].dropna()
    if len(first):
        return pd.Timestamp(first.min())
    joined = memberships.loc[memberships["community"].isin(names), "joined"].dropna()
    return pd.Timestamp(joined.min()) if len(joined) else None




def community_start_event(meetings: pd.DataFrame, communities: Iterable[str]) -> str:
    """What :func:`community_start` dates: ``"meeting"`` or ``"joined"``.

    ``"joined"`` when none of the communities' meetings is recorded (no meetings file): the
    start is then the first day a member joined.
    """
    held = meetings["community"].isin(list(communities))
    return "meeting" if meetings.loc[held, "date"].notna().any() else "joined"


def meetings_missing(meetings: pd.DataFrame, meeting_attendance: pd.DataFrame,
                     communities: Iterable[str], *, shown: str) -> str:
    """The plain sentence for a section on meetings when there are none to count, else ``""``.

    Parameters
    ----------
    meetings, meeting_attendance : DataFrame
        The canonical tables.
    communities : iterable of str
        The communities reported.
    shown : str
        What the section would show, e.g. ``"how often members came to meetings"``.

    Returns
    -------
    str
        ``"No meetings file was given, so ... is not shown."`` when the enquiry has no
        meetings at all, the same for a meetings file without a meeting register, a sentence
        naming the communities when the meetings file lists none of theirs, else ``""``.

    Examples
    --------
    >>> meetings_missing(pd.DataFrame(columns=["meeting_id", "community"]),
    ...                  pd.DataFrame(columns=["meeting_id"]), ["Hillside SLC"],
    ...                  shown="how often members came to meetings")
    'No meetings file was given, so how often members came to meetings is not shown.'
    """
    names = list(communities)
    if meetings.empty:
        return missing_source("meetings", shown)
    theirs = meetings.loc[meetings["community"].isin(names), "meeting_id"]
    if theirs.empty:
        return (f"The meetings file lists no meeting of {community_label(names)}, so {shown} "
                "is not shown.")
    if not meeting_attendance["meeting_id"].isin(theirs).any():
        return missing_source("meeting_attendance", shown)
    return ""
