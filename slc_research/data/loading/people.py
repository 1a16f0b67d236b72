"""Loaders for the roster (``pupils``) and the staff list (``staff``), and their names.

Ids become keyed pseudonyms; names are never loaded into a table. They are
read only by :func:`read_names`, which gives the set of names to redact from
free texts.
"""

from __future__ import annotations

import re

import pandas as pd

from slc_research.data.loading.common import SourceLoad
from slc_research.data.parsing.mapping import map_columns
from slc_research.data.parsing.values import (
    parse_booleans,
    parse_gender,
    parse_numbers,
    parse_prior_attainment,
    parse_sen,
    parse_year_groups,
)
from slc_research.data.reading.readers import read_raw
from slc_research.data.spec import LoadContext, Loaded, SourceSpec

__all__ = ["load_pupils", "load_staff", "read_names"]


def load_pupils(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load a roster into the ``pupils`` table.

    ``pupil_id`` is required and unique; ``school`` comes from the column or the
    ``school`` option. Year groups, gender, SEN, pupil premium, EAL and prior
    attainment are read the way MIS exports write them (see :mod:`.values`).
    """
    src = SourceLoad(spec, ctx)
    out: dict[str, pd.Series] = {"pupil_id": src.ids("pupil_id", "pupil")}
    src.require_unique({"pupil_id": out["pupil_id"]}, "pupil")
    out["school"] = src.text("school", "school")
    parsers = {"year_group": parse_year_groups, "gender": parse_gender, "sen": parse_sen,
               "pupil_premium": parse_booleans, "eal": parse_booleans,
               "prior_attainment": parse_prior_attainment}
    for col, parser in parsers.items():
        if src.has(col):
            out[col] = src.parse(col, parser)
    return src.finish("pupils", out, person="pupil_id")


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


def read_names(spec: SourceSpec) -> frozenset[str]:
    """The names in a roster or staff list, for redaction from free texts.

    Gives every forename, surname, "forename surname" and full ``name`` of a
    ``pupils`` or ``staff`` source, and the names in unmapped columns such as
    "Preferred name" or "Known as"; an empty set for any other kind. Nothing
    else of the file is kept.

    Parameters
    ----------
    spec : SourceSpec

    Returns
    -------
    frozenset of str
    """
    if spec.kind not in ("pupils", "staff"):
        return frozenset()
    raw = read_raw(spec)
    cols = map_columns(raw, spec).identifying
    mapped = set(cols.values()) | set(spec.columns)
    # Other names a file holds but the manifest need not map ("Preferred name", "Known as"):
    # redacted too, since teachers and pupils write them in reflections and minutes.
    other = [h for h in raw.data.columns if h not in mapped and _OTHER_NAME_HEADER.search(str(h))]
    names = set(names_in(raw.data, cols))
    for header in other:
        for value in raw.data[header].dropna().unique():
            value = str(value).strip()
            names.add(value)
            names.update(part for part in re.split(r"[\s,]+", value) if part)
    return frozenset(n for n in names if n.strip())


#: Headers of name columns a roster may carry besides the mapped ones.
_OTHER_NAME_HEADER = re.compile(r"preferred|known as|nick ?name|middle name|legal (fore|sur)?name",
                                re.I)


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
