"""Loaders for the roster (``pupils``) and the staff list (``staff``), and their identifiers.

Ids become keyed pseudonyms; names are never loaded into a table. They are
read only by :func:`read_people` (and :func:`read_names`, its names alone),
which gives the names, real ids, email addresses and dates of birth to redact
from free texts; they are kept in memory only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

import pandas as pd

from slc_research.data.loading.common import SourceLoad
from slc_research.data.loading.flags import read_flags
from slc_research.data.parsing.mapping import map_columns
from slc_research.data.parsing.prior_attainment import parse_prior_attainment_or_ks2
from slc_research.data.parsing.values import (
    parse_gender,
    parse_numbers,
    parse_year_groups,
)
from slc_research.data.reading.readers import read_raw
from slc_research.data.spec import LoadContext, Loaded, SourceSpec
from slc_research.errors import ConfigError
from slc_research.privacy.pseudonyms import normalise_id

__all__ = ["People", "file_names", "is_name_header", "load_pupils", "load_staff", "names_in",
           "people_of", "read_id_links", "read_names", "read_people"]


def load_pupils(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load a roster into the ``pupils`` table.

    ``pupil_id`` is required and unique; ``school`` comes from the column or the
    ``school`` option. Year groups, gender, SEN, pupil premium, EAL and prior
    attainment are read the way MIS exports write them (see :mod:`.values`);
    prior attainment may be a band or a KS2 scaled score (see
    :mod:`slc_research.data.parsing.prior_attainment`). What a blank pupil
    premium, SEN or EAL cell means is the ``blank`` option (see
    :mod:`slc_research.data.loading.flags`); a mostly blank flag column
    without it is a warning. The ``other_id`` option names the roster's other id column
    (the UPN beside the admission number): files keyed by it are linked to the same
    pupils (:func:`read_id_links`).
    """
    src = SourceLoad(spec, ctx)
    out: dict[str, pd.Series] = {"pupil_id": src.ids("pupil_id", "pupil")}
    src.require_unique({"pupil_id": out["pupil_id"]}, "pupil")
    if spec.options.get("other_id"):
        links = _links(src.raw, spec, src.header("pupil_id"))
        src.notes.append(f"Files keyed by the roster's {spec.options['other_id']!r} are linked "
                         f"to the same pupils ({len(links)} of {len(src.raw)} rows have one).")
    out["school"] = src.text("school", "school")
    parsers = {"year_group": parse_year_groups, "gender": parse_gender,
               "prior_attainment": parse_prior_attainment_or_ks2}
    for col, parser in parsers.items():
        if src.has(col):
            out[col] = src.parse(col, parser)
    out.update(read_flags(src))
    return src.finish("pupils", out, person="pupil_id")


def _links(raw, spec: SourceSpec, id_header: str) -> dict[str, str]:
    """The roster's other ids -> its pupil ids (normalised); a ConfigError if not a column."""
    other = spec.options["other_id"]
    if not isinstance(other, str) or other not in raw.data.columns:
        listed = ", ".join(repr(h) for h in raw.headers[:12])
        raise ConfigError(f"other_id = {other!r} names no column of {spec.label}; write the "
                          f"header of its other id column exactly as the file has it (its "
                          f"columns: {listed})", key=f"sources.{spec.name}.other_id")
    if other == id_header:
        raise ConfigError(f"other_id = {other!r} is the column mapped to pupil_id; name the "
                          "roster's other id column (a UPN beside an admission number), or "
                          "leave other_id out", key=f"sources.{spec.name}.other_id")
    primary = normalise_id(raw.data[id_header].astype("string"))
    second = normalise_id(raw.data[other].astype("string"))
    pairs = pd.DataFrame({"other": second, "id": primary}).dropna().drop_duplicates()
    # an other id that is also a pupil id, or that names two pupils, links no one
    ambiguous = pairs["other"].duplicated(keep=False) | pairs["other"].isin(set(primary.dropna()))
    pairs = pairs[~ambiguous]
    return dict(zip(pairs["other"].tolist(), pairs["id"].tolist(), strict=True))


def read_id_links(specs: Iterable[SourceSpec]) -> dict[str, str]:
    """Every roster's other ids -> pupil ids, both normalised, for :attr:`LoadContext.id_links`.

    A roster (``pupils`` source) with ``other_id = "UPN"`` links the files keyed by UPN to
    the pupils its ``pupil_id`` column (the admission number, say) names. Rosters without
    the option give nothing.

    Raises
    ------
    DataError
        The roster cannot be read (its own source says why).
    ConfigError
        ``other_id`` names no column of the file, or the pupil id column itself.
    """
    links: dict[str, str] = {}
    for spec in specs:
        if spec.kind == "pupils" and spec.options.get("other_id"):
            raw = read_raw(spec)
            links.update(_links(raw, spec, map_columns(raw, spec).columns["pupil_id"]))
    return links


def load_staff(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load a staff list into the ``staff`` table (``staff_id`` required and unique)."""
    src = SourceLoad(spec, ctx)
    out: dict[str, pd.Series] = {"staff_id": src.ids("staff_id", "staff")}
    src.require_unique({"staff_id": out["staff_id"]}, "member of staff")
    out["school"] = src.text("school", "school")
    for col in ("department", "role"):
        out[col] = src.text(col)
    if src.has("years_experience"):
        out["years_experience"] = src.parse("years_experience", parse_numbers, minimum=0,
                                            maximum=60)
    return src.finish("staff", out, person="staff_id")


@dataclass(frozen=True, repr=False)
class People:
    """What a roster or staff list says identifies its people (kept in memory only).

    Attributes
    ----------
    names : frozenset of str
        Forenames, surnames, "forename surname", full and preferred names.
    ids : frozenset of str
        Real ids: the mapped ``pupil_id`` / ``staff_id`` and any column headed like an id
        (UPN, ULN, Adno, admission number, candidate number).
    emails : frozenset of str
        Email addresses (the mapped ``email`` column and any column headed like one).
    dates_of_birth : frozenset of str
        Dates of birth as written (any column headed like one).
    """

    names: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    dates_of_birth: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        return (f"People(<{len(self.names)} names, {len(self.ids)} ids, {len(self.emails)} "
                f"emails, {len(self.dates_of_birth)} dates of birth: hidden>)")

    def __or__(self, other: People) -> People:
        """Everyone of both."""
        return People(self.names | other.names, self.ids | other.ids,
                      self.emails | other.emails, self.dates_of_birth | other.dates_of_birth)

    def into(self, ctx: LoadContext) -> LoadContext:
        """``ctx`` with these people's identifiers to redact."""
        return replace(ctx, names=self.names, ids=self.ids, emails=self.emails,
                       dates_of_birth=self.dates_of_birth)


def people_of(specs: Iterable[SourceSpec]) -> People:
    """Everyone on the ``pupils`` and ``staff`` sources among ``specs`` (:func:`read_people`)."""
    found = People()
    for spec in specs:
        if spec.kind in ("pupils", "staff"):
            found |= read_people(spec)
    return found


def read_people(spec: SourceSpec) -> People:
    """The identifiers in a roster or staff list, for redaction from free texts.

    Gives every forename, surname, "forename surname" and full ``name`` of a ``pupils`` or
    ``staff`` source, the names in unmapped columns such as "Preferred name" or "Known as",
    the real ids (the mapped id column and unmapped id columns such as "Adno"), the email
    addresses and the dates of birth; an empty :class:`People` for any other kind. The
    file is read with the loaders' own reader; nothing else of it is kept.

    Parameters
    ----------
    spec : SourceSpec

    Returns
    -------
    People
    """
    if spec.kind not in ("pupils", "staff"):
        return People()
    raw = read_raw(spec)
    cmap = map_columns(raw, spec)
    cols = cmap.identifying
    data = raw.data
    mapped = set(cols.values()) | set(cmap.columns.values()) | set(spec.columns)
    names = set(names_in(data, cols))
    ids: set[str] = set()
    emails: set[str] = set()
    dates: set[str] = set()
    id_col = "pupil_id" if spec.kind == "pupils" else "staff_id"
    if id_col in cmap.columns:
        ids.update(_values(data[cmap.columns[id_col]]))
    if "email" in cols:
        emails.update(_values(data[cols["email"]]))
    for header in data.columns:
        h = str(header)
        if header in mapped:
            continue
        if _OTHER_NAME_HEADER.search(h) or is_name_header(h):
            # Other names a file holds but the manifest need not map ("Preferred name"):
            # redacted too, since teachers and pupils write them in reflections and minutes.
            for value in _values(data[header]):
                names.add(value)
                names.update(part for part in re.split(r"[\s,]+", value) if part)
        elif _ID_HEADER.search(h):
            ids.update(_values(data[header]))
        elif _EMAIL_HEADER.search(h):
            emails.update(_values(data[header]))
        elif _DOB_HEADER.search(h):
            dates.update(_values(data[header]))
    return People(frozenset(n for n in names if n.strip()), frozenset(ids), frozenset(emails),
                  frozenset(dates))


def _values(column: pd.Series) -> list[str]:
    return [str(v).strip() for v in column.dropna().unique() if str(v).strip()]


def read_names(spec: SourceSpec) -> frozenset[str]:
    """The names in a roster or staff list (:func:`read_people`'s names).

    Parameters
    ----------
    spec : SourceSpec

    Returns
    -------
    frozenset of str
    """
    return read_people(spec).names


#: Headers of name columns a roster may carry besides the mapped ones.
_OTHER_NAME_HEADER = re.compile(r"preferred|known as|nick ?name|middle name|legal (fore|sur)?name",
                                re.I)
#: Headers of a column of people's names ("Name", "Child's name", "RecipientFirstName") ...
_NAME_HEADER = re.compile(r"name|known as|nick", re.I)
#: ... unless it names something else ("School name", "File name", "Form name").
_NOT_NAME_HEADER = re.compile(r"school|department|subject|group|class|team|house|file|form\b",
                              re.I)


def is_name_header(header: str) -> bool:
    """Whether ``header`` heads a column of people's names (four words at most).

    "Name", "Preferred forename", "Known as", "Child's name", Qualtrics'
    "RecipientFirstName"; not "School name", "File name" or "Form name".
    """
    header = str(header)
    return (len(header.split()) <= 4 and bool(_NAME_HEADER.search(header))
            and not _NOT_NAME_HEADER.search(header))


#: Headers of other id, email and date-of-birth columns.
_ID_HEADER = re.compile(r"\b(upn|uln|adno|adm|admission|candidate|pupil id|student id|mis id)\b",
                        re.I)
_EMAIL_HEADER = re.compile(r"e-?mail", re.I)
_DOB_HEADER = re.compile(r"birth|\bdob\b|d\.o\.b", re.I)


def file_names(data: pd.DataFrame, cmap) -> frozenset[str]:
    """The names a raw file itself holds, to redact from its own free text.

    Its mapped name columns (:func:`names_in`) and every column nothing maps whose header
    reads as names (:func:`is_name_header`: a Microsoft Forms "Name", Qualtrics'
    "RecipientFirstName" and "RecipientLastName", a "Parent name"), each value whole and
    word by word: a parent who signs an open answer with the name the export recorded is
    redacted like a pupil on the roster.

    Parameters
    ----------
    data : DataFrame
        The raw file's rows (:attr:`RawTable.data`).
    cmap : ColumnMap
        Its column map (:func:`~slc_research.data.parsing.mapping.map_columns`).

    Returns
    -------
    frozenset of str
    """
    names = set(names_in(data, cmap.identifying))
    for header in cmap.unmapped:
        if header in data.columns and is_name_header(header):
            for value in _values(data[header]):
                names.add(value)
                names.update(part for part in re.split(r"[\s,]+", value) if part)
    return frozenset(n for n in names if n.strip())


def names_in(data: pd.DataFrame, identifying: dict[str, str]) -> frozenset[str]:
    """Names from the identifying columns of a raw frame (canonical -> header)."""
    names: set[str] = set()
    for key in ("forename", "surname"):
        if key in identifying:
            names.update(str(v) for v in data[identifying[key]].dropna().unique())
    if "name" in identifying:
        for full in data[identifying["name"]].dropna().unique():
            full = str(full)
            names.add(full)
            if "," in full:  # "Surname, Forename" as MIS exports write it
                surname, _, forename = full.partition(",")
                names.add(f"{forename.strip()} {surname.strip()}")
            names.update(part for part in re.split(r"[\s,]+", full) if part)
    if "forename" in identifying and "surname" in identifying:
        both = data[identifying["forename"]].astype("string").str.cat(
            data[identifying["surname"]].astype("string"), sep=" ")
        names.update(str(v) for v in both.dropna().unique())
    return frozenset(n for n in names if n.strip())
