"""What a batch of reports is: its classes, and the rules of its selectors and name templates.

A batch file is read by :mod:`slc_research.report.batch_file` and expanded into the
reports to run by :mod:`slc_research.report.batch_plan`; both check selectors and name
templates here, so that the file and the expansion give the same message. The file format
is described in :mod:`slc_research.report.batch`, which names everything a caller needs.
"""

from __future__ import annotations

import difflib
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slc_research.errors import ConfigError

__all__ = [
    "AUDIENCES",
    "Batch",
    "BatchEntry",
    "PlannedReport",
    "SELECTOR_KEYS",
    "batch_of_one",
    "selector_kind",
    "template_fields",
]

#: Who a report is for: staff get the prose, tables and charts; researchers also the code.
AUDIENCES = ("staff", "research")
#: The parameters an ``@each`` selector can fill, and what it picks.
SELECTOR_KEYS = {
    "community": '"@each" every community, "@each slc" every community of that kind',
    "school": '"@each" every school of the enquiry',
    "year": '"@each" every academic year in which a community met',
}


@dataclass(frozen=True)
class BatchEntry:
    """One ``[[report]]`` of a batch: notebooks x the ``each`` grid.

    Attributes
    ----------
    notebooks : tuple of str
        Catalogue names or ``.ipynb`` paths.
    parameters : dict
        Values given to every report of the entry.
    each : dict
        Parameter -> list of values, or an ``@each`` selector string.
    name : str or None
        The name template (``{notebook}`` and any parameter); None: the default.
    audience : str
        ``"staff"`` or ``"research"``.
    key : str
        Where the entry stands in the file, e.g. ``report[2]``, for messages.
    """

    notebooks: tuple[str, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    each: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    audience: str = "staff"
    key: str = "report[1]"


@dataclass(frozen=True)
class Batch:
    """A batch of reports (see :mod:`slc_research.report.batch` for the file format).

    Attributes
    ----------
    entries : tuple of BatchEntry
    file : Path or None
        The batch file (relative paths in it are relative to its folder).
    workspace, out : Path or None
        The workspace and output folder the file names, if any.
    title : str or None
        The index page's heading; default the enquiry's title.
    """

    entries: tuple[BatchEntry, ...]
    file: Path | None = None
    workspace: Path | None = None
    out: Path | None = None
    title: str | None = None

    @property
    def where(self) -> str | None:
        """The batch file's path as text, for messages; None when it was not read from a file."""
        return None if self.file is None else str(self.file)


@dataclass(frozen=True)
class PlannedReport:
    """One report to run: a notebook, its parameters, its file name and its audience.

    ``not_run`` is why the report is not run (its case study does not apply to the
    enquiry: :meth:`~slc_research.casestudies.spec.CaseStudy.applies`), as the line that lists
    it, e.g. ``"tlc_impact: not run - this enquiry has no TLC (...)"``; ``""`` when it runs.
    """

    name: str
    notebook: Path
    parameters: dict[str, Any]
    audience: str = "staff"
    key: str = ""
    not_run: str = ""


def batch_of_one(batch: Any) -> bool:
    """Whether ``batch`` (a :class:`Batch`) plans a single report.

    One notebook in one entry with no ``each`` selector: known before the workspace is
    opened, so that no zygote is warmed for a report that will run in this process.
    """
    entries = list(batch.entries)
    return (len(entries) == 1 and len(entries[0].notebooks) == 1
            and not any(entries[0].each.values()))


def selector_kind(param: str, text: str, key: str, file: str | None) -> str | None:
    """The kind an ``@each`` selector names (None for every value); checks its form."""
    from slc_research.data.schemas import COMMUNITY_KINDS

    words = text.split()
    if words[0] != "@each" or len(words) > 2:
        raise ConfigError(f"a selector reads \"@each\" or \"@each KIND\", found {text!r}.",
                          file=file, key=key)
    if param not in SELECTOR_KEYS:
        raise ConfigError(f"@each can fill {', '.join(SELECTOR_KEYS)} only; list the values of "
                          f"'{param}' instead, e.g. {param} = [\"a\", \"b\"].", file=file, key=key)
    if len(words) == 1:
        return None
    if param != "community":
        raise ConfigError(f"{text!r}: only communities have kinds; use \"@each\" for {param}.",
                          file=file, key=key)
    if words[1] not in COMMUNITY_KINDS:
        close = difflib.get_close_matches(words[1], COMMUNITY_KINDS, n=1)
        hint = f" Did you mean '@each {close[0]}'?" if close else ""
        raise ConfigError(f"no community kind {words[1]!r}.{hint} Kinds are "
                          f"{', '.join(COMMUNITY_KINDS)}.", file=file, key=key)
    return words[1]


def template_fields(template: str, allowed: tuple[str, ...], key: str,
                    file: str | None) -> list[str]:
    """The fields a name template uses; checks that each is one of ``allowed``."""
    try:
        fields = [f for _, f, spec, conv in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise ConfigError(f"the name template {template!r} is malformed ({exc}); write fields "
                          "as {community}.", file=file, key=key) from None
    for f in fields:
        if f not in allowed:
            close = difflib.get_close_matches(f, allowed, n=1)
            hint = f" Did you mean '{{{close[0]}}}'?" if close else ""
            raise ConfigError(f"the name template uses {{{f}}}, which is not a parameter of this "
                              f"report.{hint} Fields: {', '.join(dict.fromkeys(allowed))}.",
                              file=file, key=key)
    return fields

