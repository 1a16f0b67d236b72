"""One entry point for every raw file: :func:`load_source`.

It picks the loader of the source's ``kind`` (see the kinds table in the
README and :data:`slc_research.data.schemas.KINDS`). Each loader reads the raw
file (never writing to it), maps its columns, reads the values the way schools
write them, replaces ids by keyed pseudonyms, drops names and the rows of
withdrawn people, and returns canonical tables. All problems of a file are
raised together as one :class:`~slc_research.errors.DataError`.
"""

from __future__ import annotations

from collections.abc import Callable

from slc_research.data.loading.attendance import load_attendance
from slc_research.data.loading.communities import (
    load_action_plans,
    load_communities,
    load_meeting_attendance,
    load_meetings,
    load_memberships,
)
from slc_research.data.loading.people import (
    load_pupils,
    load_staff,
    people_of,
    read_names,
    read_people,
)
from slc_research.data.loading.qual import load_codebook, load_codings
from slc_research.data.loading.records import load_attainment, load_behaviour
from slc_research.data.loading.refi import load_qdpx
from slc_research.data.loading.survey import load_survey
from slc_research.data.loading.texts import load_texts
from slc_research.data.spec import LoadContext, Loaded, SourceSpec
from slc_research.errors import ConfigError

__all__ = ["LOADERS", "load_source", "people_of", "read_names", "read_people"]

#: Source kind -> its loader.
LOADERS: dict[str, Callable[[SourceSpec, LoadContext], Loaded]] = {
    "pupils": load_pupils,
    "staff": load_staff,
    "communities": load_communities,
    "memberships": load_memberships,
    "meetings": load_meetings,
    "meeting_attendance": load_meeting_attendance,
    "action_plans": load_action_plans,
    "survey": load_survey,
    "attendance": load_attendance,
    "behaviour": load_behaviour,
    "attainment": load_attainment,
    "texts": load_texts,
    "codebook": load_codebook,
    "codings": load_codings,
    "qdpx": load_qdpx,
}


def load_source(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load one ``[sources.NAME]`` entry into canonical tables.

    Parameters
    ----------
    spec : SourceSpec
        The checked manifest entry (path, kind, column mapping, options).
    ctx : LoadContext
        The pseudonymiser, answer scales, scales, names to redact and withdrawn people.

    Returns
    -------
    Loaded
        ``tables`` (canonical name -> conformed DataFrame), ``notes`` for the
        data-health summary, ``rows_read`` and ``rows_dropped``.

    Raises
    ------
    DataError
        The file cannot be read as it stands; the message names the file, row
        and column of every problem (the first 20, with a count of the rest).
    ConfigError
        The manifest entry is inconsistent with the file (unknown kind, bad option).

    Examples
    --------
    >>> loaded = load_source(spec, ctx)                      # doctest: +SKIP
    >>> loaded.tables["pupils"].head()                       # doctest: +SKIP
    """
    loader = LOADERS.get(spec.kind)
    if loader is None:
        raise ConfigError(f"unknown kind {spec.kind!r}; use one of {', '.join(sorted(LOADERS))}",
                          key=f"sources.{spec.name}.kind")
    return loader(spec, ctx)
