"""A survey's rows as submissions: when each was sent, and a respondent who sent it twice.

``submitted`` is the date and time a response was sent, from the export's own
timestamp: Google Forms ``Timestamp``, Microsoft Forms ``Start time`` (else
``Completion time``), Qualtrics ``StartDate`` (else ``RecordedDate``, then
``EndDate``), or a plain table's ``Timestamp`` / ``Submitted`` column; a column
mapped to ``submitted`` in ``[sources.NAME.columns]`` wins. Without one it is
missing.

A respondent may answer once per wave. ``duplicates`` in ``[sources.NAME]``
says what to do when an id appears on several rows (a form sent twice):
``"error"`` (the default: the rows are listed and nothing is loaded),
``"keep-last"`` or ``"keep-first"``. "Last" and "first" follow the export's
timestamp when every repeated row has one, else the order of the rows in the
file; the note says which.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from slc_research.data.loading.common import SourceLoad
from slc_research.data.parsing.dates import parse_dates
from slc_research.errors import ConfigError, Problem
from slc_research.words import plural

__all__ = ["DUPLICATES", "TIMESTAMP_COLUMNS", "keep_one_per_respondent", "submitted_times"]

#: ``duplicates`` option values.
DUPLICATES = ("error", "keep-last", "keep-first")

#: Compact header (lower case, letters and digits only) of each tool's timestamp, in the
#: order they are preferred.
TIMESTAMP_COLUMNS = ("timestamp", "starttime", "completiontime", "startdate", "recordeddate",
                     "enddate", "submitted", "submittedat", "submissiondate", "datesubmitted")


def _compact(s: object) -> str:
    return re.sub(r"[^0-9a-z]+", "", str(s).casefold())


def submitted_times(src: SourceLoad, names: dict[str, tuple[str, ...]] | None = None
                    ) -> tuple[np.ndarray, str | None]:
    """When each row was submitted, and the header it was read from.

    Parameters
    ----------
    src : SourceLoad
        The survey being loaded.
    names : dict, optional
        Header -> its other names (a Qualtrics export's question texts and ids).

    Returns
    -------
    submitted : ndarray of datetime64[ms]
        One per row; NaT where unknown.
    header : str or None
        The column read, or None when there is none.
    """
    n = len(src)
    if src.has("submitted"):
        return src.dates("submitted").to_numpy(dtype="datetime64[ms]"), src.header("submitted")
    by_key: dict[str, str] = {}
    for h in src.map.unmapped:
        for name in (h, *(names or {}).get(h, ())):
            by_key.setdefault(_compact(name), h)
    header = next((by_key[k] for k in TIMESTAMP_COLUMNS if k in by_key), None)
    if header is None:
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[ms]"), None
    parsed = parse_dates(src.raw.data[header], label=src.label, header=header, rows=src.rows,
                         date_format=src.spec.date_format, month_first_column=True)
    src.notes.extend(parsed.notes)
    if parsed.total:
        src.notes.append(
            f"{plural(parsed.total, 'time')} in the export's {header!r} column could not be "
            "read as a date, so when those responses were submitted is not known; if the "
            "column writes dates in a form not read automatically, set date_format in "
            f"[sources.{src.spec.name}] (e.g. date_format = \"%Y/%m/%d %I:%M:%S %p\").")
    return parsed.values.to_numpy(dtype="datetime64[ms]"), header


def keep_one_per_respondent(src: SourceLoad, ids: pd.Series, submitted: np.ndarray,
                            timestamp: str | None, wave: int) -> np.ndarray:
    """Which rows to keep when a respondent appears on several rows of one wave.

    With ``duplicates = "error"`` (the default) each repeated group is a problem
    naming its Excel rows and the option; nothing is dropped.

    Parameters
    ----------
    src : SourceLoad
    ids : Series of str
        Pseudonymised respondent id of each row (missing where blank).
    submitted : ndarray of datetime64[ms]
        When each row was submitted (NaT where unknown).
    timestamp : str or None
        The header the times were read from.
    wave : int

    Returns
    -------
    ndarray of bool
        True for the rows kept.
    """
    how = src.option("duplicates", "error")
    if how not in DUPLICATES:
        raise ConfigError(f"duplicates is \"error\" (the default), \"keep-last\" or "
                          f"\"keep-first\"; found {how!r}", key=f"sources.{src.spec.name}.duplicates")
    keep = np.ones(len(ids), dtype=bool)
    present = ids.notna().to_numpy(dtype=bool)
    dup = ids.duplicated(keep=False).to_numpy(dtype=bool) & present
    if not dup.any():
        return keep
    positions = np.flatnonzero(dup)
    groups = [np.asarray(g) for g in pd.Series(positions).groupby(
        ids.to_numpy(dtype=object)[positions], sort=False).groups.values()]
    header = src.header("respondent_id")
    if how == "error":
        problems = []
        for members in groups:
            rows = src.excel_rows(positions[members])
            listed = ", ".join(str(r) for r in rows[:-1]) + f" and {rows[-1]}"
            problems.append(Problem(
                src.label, int(rows[0]), header, None,
                f"each respondent in wave {wave} once, but rows {listed} have the same "
                f"{header}; if the form was sent twice, set duplicates = \"keep-last\" (or "
                f"\"keep-first\") in [sources.{src.spec.name}] of enquiry.toml to keep one "
                "response each, else correct the ids"))
        problems.sort(key=lambda p: p.row or 0)
        src.problems.add(problems[:20], len(problems))
        return keep
    timed = timestamp is not None and not np.isnat(submitted[positions]).any()
    last = how == "keep-last"
    for members in groups:
        at = positions[members]
        if timed:  # stable: equal times keep the file's order
            order = at[np.argsort(submitted[at], kind="stable")]
        else:
            order = at
        chosen = order[-1] if last else order[0]
        keep[at[at != chosen]] = False
    n_left = int((~keep).sum())
    by = (f"the export's {timestamp!r} times" if timed else "the order of the rows in the file")
    rows = src.excel_rows(np.flatnonzero(~keep))
    shown = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
    src.notes.append(
        f"{plural(len(groups), 'respondent')} sent the form more than once; as duplicates = "
        f"\"{how}\" asks, the {'last' if last else 'first'} response of each (by {by}) was "
        f"kept and {plural(n_left, 'row')} left out (row{'s' if n_left != 1 else ''} "
        f"{shown}).")
    src.rows_dropped += n_left
    return keep
