"""Keep only the suggestions the loader accepts: a proposed entry checked by the real loader.

A suggestion read from a header can be one the loader refuses (a ``KS2
Average Scaled Score`` column of scores 80-120 read as ``prior_attainment``,
which takes bands). :func:`accepted_entry` loads the proposed
``[sources.NAME]`` entry with :func:`~slc_research.workspace.mapping_editor.check_source`
(the code ``Enquiry.open`` runs); every column the loader refuses that the
kind does not require is taken out of the mapping with the loader's reason,
and the entry is checked again. What is left is an entry the loader reads,
or the reason it cannot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slc_research.data.schemas import KINDS
from slc_research.data.spec import Loaded
from slc_research.errors import DataError, SlcResearchError
from slc_research.words import plural
from slc_research.workspace.mapping_editor import check_source

__all__ = ["Accepted", "accepted_entry", "plain_reason"]

#: How many times a refused column is taken out before giving up.
_ROUNDS = 6


@dataclass
class Accepted:
    """A proposed entry after the loader's check.

    Attributes
    ----------
    table : dict
        The entry with the refused columns taken out.
    left_out : dict
        Raw header -> ``(canonical name, the loader's reason)`` for each column
        taken out of the mapping.
    loaded : Loaded or None
        What the loader read (None when it still refuses the entry).
    problem : str or None
        Why the entry cannot be read, in the loader's words (never a cell).
    """

    table: dict[str, Any]
    left_out: dict[str, tuple[str, str]] = field(default_factory=dict)
    loaded: Loaded | None = None
    problem: str | None = None


def plain_reason(exc: SlcResearchError) -> str:
    """The error's reason without any cell of the raw file (for messages and comments)."""
    if isinstance(exc, DataError):
        p = exc.problems[0]
        where = [f"row {p.row}" if p.row is not None else "",
                 f"column '{p.column}'" if p.column else ""]
        place = ", ".join(w for w in where if w)
        more = f" (and {plural(exc.total - 1, 'more problem')})" if exc.total > 1 else ""
        return f"{place + ': ' if place else ''}expected {p.expected}{more}"
    return str(exc).replace("\n", " ")


def _required(kind: str) -> set[str]:
    k = KINDS[kind]
    if kind == "attendance":
        return {*k.required, "date", "session", "code"}
    return set(k.required) | {"text"}


def accepted_entry(root: str | Path, table: Mapping[str, Any], *,
                   name: str = "new_source") -> Accepted:
    """Check ``table`` with the real loader, leaving out the optional columns it refuses.

    Parameters
    ----------
    root : str or Path
        The workspace (its ``enquiry.toml`` is read, not written).
    table : mapping
        The proposed entry, as :func:`~slc_research.workspace.mapping_editor.add_source` takes it.
    name : str
        The source's name.

    Returns
    -------
    Accepted
    """
    current = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in table.items()}
    out = Accepted(current)
    kind = str(current.get("kind", ""))
    keep = _required(kind) if kind in KINDS else set()
    for _ in range(_ROUNDS):
        try:
            out.loaded = check_source(root, current, name=name)
            out.problem = None
            return out
        except DataError as exc:
            columns = current.get("columns", {})
            refused = {p.column for p in exc.problems if p.column in columns
                       and columns[p.column] not in keep and columns[p.column] != "respondent_id"}
            out.problem = plain_reason(exc)
            if not refused:
                return out
            for header in refused:
                canon = columns.pop(header)
                why = next(p.expected for p in exc.problems if p.column == header)
                out.left_out[header] = (canon, why)
        except SlcResearchError as exc:
            out.problem = plain_reason(exc)
            return out
        except Exception as exc:  # noqa: BLE001 - a file the loader cannot take, said plainly
            out.problem = (f"the loader stopped on it ({type(exc).__name__}); map it with the "
                           "column mapper, which shows the loader's verdict")
            return out
    return out
