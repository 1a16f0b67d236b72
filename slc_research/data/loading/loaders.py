"""One entry point for every raw file: :func:`load_source`.

It picks the loader of the source's ``kind`` (see the kinds table in the
README and :data:`slc_research.data.schemas.KINDS`). Each loader reads the raw
file (never writing to it), maps its columns, reads the values the way schools
write them, replaces ids by keyed pseudonyms, drops names and the rows of
withdrawn people, and returns canonical tables. All problems of a file are
raised together as one :class:`~slc_research.errors.DataError`.
"""

from __future__ import annotations

import dataclasses
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
from slc_research.errors import ConfigError, DataError
from slc_research.privacy.redaction import Redaction

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
    try:
        loaded = loader(spec, ctx)
    except DataError as exc:
        raise _problems_without_people(exc, ctx) from None
    if loaded.notes and (ctx.names or ctx.ids or ctx.emails):
        prose = ctx.in_messages()
        loaded.notes[:] = [Redaction(note, prose).text for note in loaded.notes]
    return _communities_redacted(loaded, ctx)


def _problems_without_people(exc: DataError, ctx: LoadContext) -> DataError:
    """``exc`` with the people's names and ids in its values and headers redacted.

    A bad cell is often a name or an id in the wrong column (a row shifted by one, a pupil
    who typed their name where their admission number goes): the message says what was
    found ("found '[name]'; expected a year group") and where, never whose it was. A cell
    is read as redaction reads free text (a name in any case); a header and the words of
    the message as the output check reads them (:meth:`LoadContext.in_messages`). The file
    is named as the manifest names it (``check`` groups the problems by it).
    """
    if not (ctx.names or ctx.ids or ctx.emails):
        return exc
    cell, prose = ctx.redaction(), ctx.in_messages()

    def hide(text: str | None, known) -> str | None:
        return None if text is None else Redaction(text, known).text

    problems = [dataclasses.replace(p, value=hide(p.value, cell), column=hide(p.column, prose),
                                    expected=hide(p.expected, prose)) for p in exc.problems]
    if all(new == old for new, old in zip(problems, exc.problems, strict=True)):
        return exc
    return DataError(problems, total=exc.total)


def _communities_redacted(loaded: Loaded, ctx: LoadContext) -> Loaded:
    """Every table's ``community`` column with the people's names redacted.

    A community is often named after a teacher or a pupil ("Mr Okafor's SLC", "Team
    Zoe"), and its name is printed on every report of it: it is redacted here, for every
    kind of source at once (:meth:`LoadContext.community_names`).
    """
    for table in loaded.tables.values():
        if "community" in table.columns and table["community"].notna().any():
            table["community"] = ctx.community_names(table["community"]).astype(
                table["community"].dtype)
    return loaded
