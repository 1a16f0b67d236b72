"""A roster's second id: files keyed by a pupil's UPN or by their admission number both link.

An MIS roster often holds both ids (``Adno`` and ``UPN``), while the other exports use
one or the other: the questionnaires the admission number pupils type, an Arbor behaviour
log or membership list the UPN. ``other_id = "UPN"`` on the roster's ``[sources.NAME]``
links the files keyed by the other id to the same pupils: their ids are read as the
roster's ``pupil_id`` before they are pseudonymised
(:meth:`~slc_research.data.spec.LoadContext.pseudonymise`), and a withdrawal in the consent
register written with either id leaves the pupil out of every file.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from slc_research.errors import ConfigError, DataError
from slc_research.privacy.pseudonyms import ConsentRegister, Pseudonymiser
from slc_research.workspace.manifest import Manifest

__all__ = ["linked_register", "roster_links", "rosters_with_other_ids"]


def rosters_with_other_ids(manifest: Manifest) -> list[Any]:
    """The ``pupils`` sources that name an ``other_id`` column."""
    return [s for s in manifest.sources.values()
            if s.kind == "pupils" and s.options.get("other_id")]


def roster_links(manifest: Manifest) -> dict[str, str]:
    """The rosters' other ids -> pupil ids (normalised); empty when a roster cannot be read.

    A roster that cannot be read, or whose ``other_id`` names no column, says why as a
    source of its own when it is loaded.
    """
    specs = rosters_with_other_ids(manifest)
    if not specs:
        return {}
    # imported here: a workspace without other_id never reads its roster twice
    from slc_research.data.loading.people import read_id_links

    try:
        return read_id_links(specs)
    except (DataError, ConfigError):
        return {}


def linked_register(register: ConsentRegister, links: dict[str, str],
                    pseudonymiser: Pseudonymiser) -> ConsentRegister:
    """``register`` with a pupil withdrawn under their other id withdrawn under their pupil id.

    Parameters
    ----------
    register : ConsentRegister
        As read from ``private/consent.csv``.
    links : dict
        Other id -> pupil id, both normalised (:func:`roster_links`).
    pseudonymiser : Pseudonymiser

    Returns
    -------
    ConsentRegister
        The same register, each row that withdraws a pupil by their other id also
        withdrawing their pupil id (the same row number, so ``check`` counts it found).
    """
    if not links or not register.rows:
        return register
    others = pd.Series(list(links), dtype="string")
    ids = pd.Series(list(links.values()), dtype="string")
    by_other = dict(zip(pseudonymiser.pseudonymise(others, "pupil").tolist(),
                        pseudonymiser.pseudonymise(ids, "pupil").tolist(), strict=True))
    extra = tuple((row, kind, by_other[p]) for row, kind, p in register.rows
                  if kind == "pupil" and p in by_other)
    if not extra:
        return register
    return replace(register, withdrawn=register.withdrawn | {p for _r, _k, p in extra},
                   rows=register.rows + extra)
