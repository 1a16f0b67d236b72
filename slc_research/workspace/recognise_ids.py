"""Ids matched to the roster: every file's id column chosen by the share of its values found.

:func:`link_to_roster` chooses, in every file, the column whose values best
match one of the roster's id columns; :func:`settle_roster_id` then makes the
roster's ``pupil_id`` the id column most files use (its UPN or its admission
number) and every file use that one. Reasons give shares and counts, never an id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from slc_research.data.loading.people import is_name_header
from slc_research.words import plural
from slc_research.workspace.mapping_editor import suggest_mapping
from slc_research.workspace.recognised import Placed, id_values, match_share

__all__ = ["ID_COLUMN", "IdMatch", "best_id_column", "link_to_roster", "roster_ids",
           "roster_names", "set_id", "settle_roster_id"]

#: Kinds whose files name pupils by the roster's id, and the canonical column.
ID_COLUMN = {"attendance": "pupil_id", "behaviour": "pupil_id", "attainment": "pupil_id",
             "memberships": "member_id", "meeting_attendance": "member_id",
             "action_plans": "member_id", "texts": "author_id", "survey": "respondent_id"}


class IdMatch(tuple):
    """``(share, header, roster_header, matched)``: a column's best match with the roster's ids."""

    __slots__ = ()


def roster_ids(placed: Sequence[Placed]) -> dict[str, set[str]]:
    """The roster's id-like columns (every header that reads as a pupil id) -> their folded ids."""
    out: dict[str, set[str]] = {}
    for p in placed:
        if p.kind != "pupils" or p.raw is None:
            continue
        headers = list(p.raw.headers)
        while True:  # every header that reads as a pupil id, best first
            h = suggest_mapping(headers, "pupils", cutoff=0.85).get("pupil_id")
            if h is None:
                break
            out.setdefault(h, set()).update(id_values(p.raw, h))
            headers.remove(h)
    return out


def roster_names(placed: Sequence[Placed]) -> list[str]:
    """The names on the rosters and staff lists found (every column headed like names).

    Kept in memory for the proposals only: no code or label is made of them.
    """
    out: set[str] = set()
    for p in placed:
        if p.kind not in ("pupils", "staff") or p.raw is None:
            continue
        for h in p.raw.headers:
            if is_name_header(h) and h in p.raw.data:
                out.update(str(v).strip() for v in p.raw.data[h].dropna().unique()
                           if str(v).strip())
    return sorted(out)


def best_id_column(values_by_header: Mapping[str, set[str]], ids: Mapping[str, set[str]],
                   *, least: float = 0.5) -> IdMatch | None:
    """The column whose values best match one of the roster's id columns.

    Parameters
    ----------
    values_by_header : mapping
        Header -> its folded distinct values.
    ids : mapping
        Roster header -> folded ids (:func:`roster_ids`).
    least : float
        The smallest share of a column's values that must be roster ids.

    Returns
    -------
    IdMatch or None
        ``(share, header, roster_header, matched)``; None when no column has at
        least ``least`` of its values (and at least two, or all) among the ids.
    """
    best = None
    for header, values in values_by_header.items():
        for roster_header, known in ids.items():
            matched = len(values & known)
            share = match_share(values, known)
            if share >= least and matched >= min(2, len(values)) and (
                    best is None or (share, matched) > (best[0], best[3])):
                best = IdMatch((share, header, roster_header, matched))
    return best


def set_id(p: Placed, canon: str, header: str, roster_header: str, share: float,
           what: str = "values") -> None:
    """Map ``header`` as the file's id column ``canon``, with the share of roster ids as reason."""
    cols = p.table.setdefault("columns", {})
    for h in [h for h, c in cols.items() if c == canon]:
        del cols[h]
        p.checks.pop(f"columns.{h}", None)
    cols[header] = canon
    p.checks[f"columns.{header}"] = (f"{share:.0%} of its {what} are ids in the roster's "
                                     f"'{roster_header}' column")
    p.id_match = (canon, header, roster_header, share)


def link_to_roster(placed: Sequence[Placed]) -> dict[str, set[str]]:
    """Choose every file's id column by the share of its values found in the roster.

    A file's id column (``pupil_id``, ``member_id``, ``author_id``) becomes the
    column that best matches one of the roster's id columns, with the share
    found as the reason. Surveys are left to :func:`plan_surveys`; then
    :func:`settle_roster_id` makes every file use the roster's one id. Returns
    the roster's ids by header.
    """
    ids = roster_ids(placed)
    if not ids:
        return ids
    for p in placed:
        canon = ID_COLUMN.get(p.kind)
        if canon is None or p.kind == "survey" or p.raw is None:
            continue
        taken = {h for h, c in p.table.get("columns", {}).items() if c != canon}
        match = best_id_column({h: id_values(p.raw, h) for h in p.raw.headers if h not in taken},
                               ids)
        if match is not None:
            set_id(p, canon, match[1], match[2], match[0])
            option = {"memberships": "members", "meeting_attendance": "members",
                      "action_plans": "members", "texts": "authors"}.get(p.kind)
            if option:
                p.table[option] = "pupil"
                p.checks[option] = "its ids are pupils' ids in the roster"
    return ids


def settle_roster_id(placed: Sequence[Placed], ids: Mapping[str, set[str]],
                     values: Mapping[str, Mapping[str, set[str]]]) -> None:
    """Make the roster's ``pupil_id`` the id column most files use, and every file use it.

    A file keyed by another of the roster's id columns (UPN beside the admission number)
    that has no column of the chosen id is linked through the roster's ``other_id``
    option, set to the other column most such files use.

    Parameters
    ----------
    placed : sequence of Placed
        After :func:`link_to_roster` and :func:`plan_surveys`.
    ids : mapping
        The roster's ids by header (:func:`roster_ids`).
    values : mapping
        File (``rel``) -> header -> folded values, for the files whose id column may
        be chosen again (each file's candidate columns).
    """
    if not ids:
        return
    votes: dict[str, int] = dict.fromkeys(ids, 0)
    for p in placed:
        if p.id_match is not None:
            votes[p.id_match[2]] += 1
    chosen = max(votes, key=lambda h: (votes[h], -list(ids).index(h)))
    rosters = [p for p in placed if p.kind == "pupils" and p.raw is not None
               and chosen in p.raw.headers]
    other_ids: dict[str, list[Placed]] = {}  # another roster column -> the files keyed by it
    for p in placed:
        if p in rosters or p.id_match is None or p.id_match[2] == chosen:
            continue
        canon, header = p.id_match[0], p.id_match[1]
        match = best_id_column(values.get(p.rel, {}), {chosen: ids[chosen]},
                               least=0.3 if p.kind == "survey" else 0.5)
        if match is not None:
            set_id(p, canon, match[1], chosen, match[0])
        else:
            other_ids.setdefault(p.id_match[2], []).append(p)
    # files keyed by the roster's other id (UPN beside Adno) are linked through other_id
    other = max(other_ids, key=lambda h: len(other_ids[h]), default=None)
    for p in rosters:
        set_id(p, "pupil_id", chosen, chosen, 1.0)
        p.checks[f"columns.{chosen}"] = (f"the pupil id: the id {plural(votes[chosen], 'other file')}"
                                         " use" if votes[chosen] else "the pupil id")
        if other is not None and other in p.raw.headers:
            p.table["other_id"] = other
            p.checks["other_id"] = (f"{plural(len(other_ids[other]), 'file')} "
                                    f"{'names' if len(other_ids[other]) == 1 else 'name'} pupils by "
                                    f"'{other}', not '{chosen}': they are linked to the same "
                                    "pupils through this column")
    for header, files in other_ids.items():
        for p in files:
            column = p.id_match[1]
            if header == other and rosters:
                p.checks[f"columns.{column}"] = (
                    f"its ids are the roster's '{header}', linked to its pupil id "
                    f"'{chosen}' by other_id = \"{header}\" on the roster")
            else:
                p.checks[f"columns.{column}"] = (
                    f"its ids are the roster's '{header}', but the roster's pupil id is "
                    f"'{chosen}' (the one most files use): these rows will not be linked to "
                    f"the roster; export the file with the '{chosen}' column, or map the "
                    f"roster's '{header}' as pupil_id instead")
