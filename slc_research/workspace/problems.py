"""What opening a workspace found wrong, file by file, and who in a file is not on the roster.

:class:`ProblemsByFile` is the :class:`~slc_research.errors.DataError` that
``Enquiry.open`` raises when sources fail: its message first gives one line
per source file of the manifest with its count of problems (``no problems``
for the files that loaded), then at most :data:`PER_FILE` problems of each
failing file, so that one file's problems never hide another's.

:func:`respondents_not_listed` says, for each survey with ids, how many
respondents are not on the roster (or staff list) and in which Excel rows:
never the ids themselves. An answer such as "dont know" typed in an id
question is one of them. :func:`people_not_listed` says the same, as counts,
for registers, behaviour logs, attainment and membership lists: a register
exported with UPNs beside a roster keyed by admission number links no one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd

from slc_research.errors import DataError, Problem
from slc_research.workspace.manifest import Manifest

__all__ = ["LINKED_IDS", "PER_FILE", "ProblemsByFile", "people_not_listed",
           "respondents_not_listed", "with_unlisted_people", "with_unlisted_respondents"]

#: Problems listed per failing file (each file's total is always given).
PER_FILE = 5


def _count(n: int) -> str:
    return "no problems" if n == 0 else f"{n} problem{'s' if n != 1 else ''}"


class ProblemsByFile(DataError):
    """Problems of several source files, summarised per file and capped per file.

    Parameters
    ----------
    problems : list of Problem
        The problems kept (each file's already capped by its loader).
    totals : mapping
        Every source file of the manifest (as the manifest names it) -> its number
        of problems (0 for files that loaded), in manifest order.
    """

    def __init__(self, problems: list[Problem], *, totals: Mapping[str, int]) -> None:
        self.totals = dict(totals)
        super().__init__(problems, total=sum(self.totals.values()))

    def _source_of(self, file: str) -> str:
        """The source file a problem belongs to: a document of a folder belongs to the folder."""
        if file in self.totals:
            return file
        for f in self.totals:  # "raw/reflections" or "raw/reflections/*.docx"
            if file.startswith(re.split(r"[*?\[]", f)[0].rstrip("/") + "/"):
                return f
        return file

    def _message(self) -> str:
        failing = [f for f, n in self.totals.items() if n]
        head = (f"{self.total} problem{'s' if self.total != 1 else ''} in {len(failing)} "
                f"file{'s' if len(failing) != 1 else ''} ({len(self.totals)} checked):")
        width = max(len(f) for f in self.totals)
        lines = [head] + [f"  {f.ljust(width)}  {_count(n)}" for f, n in self.totals.items()]
        by_file: dict[str, list[Problem]] = {}
        for p in self.problems:
            by_file.setdefault(self._source_of(p.file), []).append(p)
        for f in failing:
            kept = by_file.get(f, [])
            shown = kept[:PER_FILE]
            lines += ["", f"{f} ({_count(self.totals[f])}"
                      f"{', the first ' + str(len(shown)) if self.totals[f] > len(shown) else ''}):"]
            lines += [f"  - {p}" for p in shown]
            rest = self.totals[f] - len(shown)
            if rest > 0:
                lines.append(f"  ... and {rest} more in {f}: correct these, then run check "
                             "again to see the rest.")
        return "\n".join(lines)


def respondents_not_listed(responses: pd.DataFrame, rows: Mapping[str, int], *,
                           listed: Mapping[str, Sequence[str]], label: str,
                           source: str) -> str | None:
    """A warning naming the Excel rows of respondents not on the roster, or None.

    Parameters
    ----------
    responses : DataFrame
        The survey's ``survey_responses`` rows.
    rows : mapping
        Respondent pseudonym -> the Excel row of their answers (the loader's
        ``respondent_rows``).
    listed : mapping
        Person type (``pupil``, ``staff``) -> the pseudonyms on the roster or staff
        list; a type with no list is not checked.
    label : str
        The survey file as the manifest names it.
    source : str
        The source's name in the manifest.

    Returns
    -------
    str or None
    """
    if responses.empty or not rows:
        return None
    people = responses.drop_duplicates("respondent_id")
    missing: list[int] = []
    checked = 0
    for kind, ids in listed.items():
        of_kind = people[(people["respondent_type"].astype("string") == kind).to_numpy()]
        if of_kind.empty:
            continue
        known = set(ids)
        checked += len(of_kind)
        for rid in of_kind["respondent_id"].astype("string"):
            if rid not in known and rid in rows:
                missing.append(int(rows[rid]))
    if not missing:
        return None
    missing.sort()
    shown = ", ".join(str(r) for r in missing[:15]) + (" ..." if len(missing) > 15 else "")
    n = len(missing)
    kinds = " or ".join(f"the {'roster' if k == 'pupil' else 'staff list'}" for k in listed)
    return (f"Warning: {n} respondent{'s' if n != 1 else ''} in {label} "
            f"{'are' if n != 1 else 'is'} not on {kinds} (Excel row{'s' if n != 1 else ''} "
            f"{shown}): check the id typed in each of those rows (an answer such as \"don't "
            "know\" is not an id) and correct it in the export, or add the pupil to "
            f"the roster. Their answers are kept in [sources.{source}] but cannot be linked to "
            "a pupil's record, a group or another wave."
            + (" None of the ids matches: check that the column mapped to respondent_id holds "
               "the same kind of id as the roster's (admission number or UPN)."
               if n == checked and n > 1 else ""))


def with_unlisted_respondents(manifest: Manifest, tables: dict[str, pd.DataFrame],
                              health: list, respondent_rows: dict[str, dict[str, int]]) -> list:
    """Each survey's health with a warning for respondents not on the roster or staff list.

    Parameters
    ----------
    manifest : Manifest
    tables : dict
        The workspace's canonical tables.
    health : list of SourceHealth
    respondent_rows : dict
        Survey source -> its loader's ``respondent_rows``.

    Returns
    -------
    list of SourceHealth
        ``health`` with the warnings of :func:`respondents_not_listed` added.
    """
    listed = _listed_people(manifest, tables)
    if not listed or not respondent_rows:
        return health
    responses = tables["survey_responses"]
    out = []
    for h in health:
        rows = respondent_rows.get(h.source)
        if rows:
            mine = responses[(responses["source"] == h.source).to_numpy(dtype=bool)]
            warning = respondents_not_listed(mine, rows, listed=listed, label=h.file,
                                             source=h.source)
            if warning:
                h = replace(h, notes=(*h.notes, warning))
        out.append(h)
    return out


#: Source kind -> (its table, the id column that names people on the roster or staff list).
LINKED_IDS = {"attendance": ("attendance", "pupil_id"), "behaviour": ("behaviour", "pupil_id"),
              "attainment": ("attainment", "pupil_id"),
              "memberships": ("memberships", "member_id")}
_WHAT = {"attendance": "marks", "behaviour": "events", "attainment": "results",
         "memberships": "memberships"}


def people_not_listed(rows: pd.DataFrame, kind: str, *, listed: Mapping[str, Sequence[str]],
                      label: str, source: str) -> str | None:
    """A warning counting the people of a register, log or list not on the roster, or None.

    Parameters
    ----------
    rows : DataFrame
        The source's rows of its table (:data:`LINKED_IDS`), ids pseudonymised.
    kind : str
        The source's kind.
    listed : mapping
        Person type (``pupil``, ``staff``) -> the pseudonyms on the roster or staff list;
        a type with no list is not checked.
    label, source : str
        The file as the manifest names it, and the source's name.
    """
    column = LINKED_IDS[kind][1]
    if rows.empty:
        return None
    types = (rows["member_type"].astype("string") if "member_type" in rows
             else pd.Series("pupil", index=rows.index, dtype="string"))
    missing = checked = 0
    for person, ids in listed.items():
        mine = pd.Series(rows.loc[(types == person).fillna(False).to_numpy(dtype=bool),
                                  column].dropna().unique())
        checked += len(mine)
        missing += int((~mine.astype("string").isin(set(ids))).sum())
    if not missing:
        return None
    who = "members" if kind == "memberships" else "pupils"
    lists = " or ".join(f"the {'roster' if k == 'pupil' else 'staff list'}" for k in listed)
    return (f"Warning: {missing} of the {checked} {who} in {label} {'are' if missing != 1 else 'is'}"
            f" not on {lists}: their {_WHAT[kind]} are kept in [sources.{source}] but cannot be "
            "linked to anyone's record or group; check their ids in the export, or add them to "
            "the roster." + (
                " None of the ids matches: check that the column mapped to "
                f"{column} holds the same kind of id as the roster's (admission number or UPN)."
                if missing == checked and missing > 1 else ""))


def with_unlisted_people(manifest: Manifest, tables: dict[str, pd.DataFrame], health: list,
                         rows_by_source: Mapping[str, pd.DataFrame]) -> list:
    """Each register's, log's and list's health with a warning for people not on the roster.

    ``rows_by_source``: source name -> the rows it added to its table (:data:`LINKED_IDS`).
    """
    listed = _listed_people(manifest, tables)
    if not listed:
        return health
    out = []
    for h in health:
        rows = rows_by_source.get(h.source)
        if rows is not None:
            warning = people_not_listed(rows, h.kind, listed=listed, label=h.file,
                                        source=h.source)
            if warning:
                h = replace(h, notes=(*h.notes, warning))
        out.append(h)
    return out


def _listed_people(manifest: Manifest, tables: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    """Person type -> the pseudonyms on its list, for the lists the manifest has."""
    listed = {}
    if any(s.kind == "pupils" for s in manifest.sources.values()):
        listed["pupil"] = tables["pupils"]["pupil_id"].astype("string").dropna().tolist()
    if any(s.kind == "staff" for s in manifest.sources.values()):
        listed["staff"] = tables["staff"]["staff_id"].astype("string").dropna().tolist()
    return listed
