"""Match a raw file's headers to canonical column names.

``[sources.NAME.columns]`` maps the school's header to the canonical name
(``"UPN" = "pupil_id"``). Headers are matched ignoring case and spacing. A
source without a mapping uses the headers that already are canonical names
(case-insensitive; a space counts as an underscore). Unmapped columns are
ignored: they never reach a table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from slc_research.data.parsing.header_row import describe_headers, looks_like_data
from slc_research.data.reading.readers import RawTable
from slc_research.data.schemas import KINDS
from slc_research.data.spec import SourceSpec, normalise_answer
from slc_research.errors import ConfigError, DataError, Problem

__all__ = ["ColumnMap", "map_columns"]


@dataclass(frozen=True)
class ColumnMap:
    """Which raw header feeds which canonical column.

    Attributes
    ----------
    columns : dict
        Canonical name -> header as written in the file (kind's own columns).
    identifying : dict
        Canonical identifying name (name, forename, surname, email) -> header.
        Read only for redaction lists, never loaded into a table.
    items : dict
        For surveys: item code -> header, in file order.
    unmapped : list of str
        Headers nothing maps to (in file order).
    """

    columns: dict[str, str]
    identifying: dict[str, str] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)


def _canon_key(name: str) -> str:
    return re.sub(r"[\s_]+", "_", name.strip().casefold())


def map_columns(raw: RawTable, spec: SourceSpec, *, required: Sequence[str] = ()) -> ColumnMap:
    """Match ``raw``'s headers to the canonical names of ``spec.kind``.

    Parameters
    ----------
    raw : RawTable
    spec : SourceSpec
    required : sequence of str
        Canonical names needed beyond the kind's own ``required`` (for example
        ``date``, ``session`` and ``code`` for a long attendance register).

    Raises
    ------
    DataError
        A mapped header is not in the file, matches two headers, or a required
        column is not provided.
    ConfigError
        The mapping names a canonical column this kind does not have, or maps
        two headers to one column.
    """
    kind = KINDS[spec.kind]
    own = (*kind.required, *kind.optional)
    allowed = set(own) | set(kind.identifying)
    by_key: dict[str, list[str]] = {}
    for h in raw.headers:
        by_key.setdefault(normalise_answer(h), []).append(h)
    columns: dict[str, str] = {}
    identifying: dict[str, str] = {}
    items: dict[str, str] = {}
    problems: list[Problem] = []
    entry = f"[sources.{spec.name}.columns]"
    found = describe_headers(raw.headers, expected=spec.columns)
    if spec.columns:
        targets: dict[str, str] = {}
        for header, target in spec.columns.items():
            target = str(target).strip()
            if target in targets:
                raise ConfigError(
                    f"{targets[target]!r} and {header!r} are both mapped to {target!r}; map "
                    "only one column to it", key=f"sources.{spec.name}.columns")
            targets[target] = header
            if target not in allowed and spec.kind != "survey":
                raise ConfigError(
                    f"{header!r} is mapped to {target!r}, which a {spec.kind} source does not "
                    f"have; use one of {', '.join(sorted(allowed))}",
                    key=f"sources.{spec.name}.columns")
            matches = by_key.get(normalise_answer(header), [])
            if not matches:
                problems.append(Problem(
                    raw.label, 1, str(header), None,
                    f"a column headed {header!r} (named in {entry}); {found}: correct the "
                    f"header in {entry} or in the file"))
                continue
            if len(matches) > 1:  # pragma: no cover - readers reject such headers
                problems.append(Problem(raw.label, 1, str(header), None,
                                        "one column with this header, but several match"))
                continue
            if target in kind.identifying:
                identifying[target] = matches[0]
            elif target in own:
                columns[target] = matches[0]
            else:
                items[target] = matches[0]
    else:
        canon = {_canon_key(c): c for c in allowed}
        for h in raw.headers:
            target = canon.get(_canon_key(h))
            if target is None or target in columns or target in identifying:
                continue
            (identifying if target in kind.identifying else columns)[target] = h
    missing = [c for c in (*kind.required, *required) if c not in columns]
    if (problems or missing) and looks_like_data(raw.headers, expected=spec.columns):
        named = (", ".join(f"'{h}'" for h in spec.columns) + f", as {entry} names them"
                 if spec.columns else "the column names of a " + spec.kind + " source")
        raise DataError([Problem(raw.label, 1, None, None,
                                 f"column headers in row 1 ({named}), but {found}")])
    if problems:
        raise DataError(_with_sheet_hint(problems, raw, spec))
    if missing:
        raise DataError([
            Problem(raw.label, None, None, None,
                    f"a column giving {c!r}, which a {spec.kind} source needs; add a line "
                    f"'\"<its header>\" = \"{c}\"' under {entry} in enquiry.toml ({found})")
            for c in missing])
    used = {*columns.values(), *identifying.values(), *items.values()}
    # survey items keep the file's order, so the long table follows the questionnaire
    order = {h: i for i, h in enumerate(raw.headers)}
    items = dict(sorted(items.items(), key=lambda kv: order[kv[1]]))
    return ColumnMap(columns, identifying, items, [h for h in raw.headers if h not in used])


def _with_sheet_hint(problems: list[Problem], raw: RawTable, spec: SourceSpec) -> list[Problem]:
    """Say which sheet was read when a workbook with several sheets lacks the mapped headers."""
    if len(raw.sheets) < 2 or raw.sheet is None:
        return problems
    others = [s for s in raw.sheets if s != raw.sheet]
    listed = ", ".join(repr(s) for s in raw.sheets)
    if spec.sheet is None:
        advice = (f"if the data are on {'sheet ' + repr(others[0]) if len(others) == 1 else 'another sheet'}"
                  f", add sheet = \"{others[0]}\" to [sources.{spec.name}]")
    else:
        advice = f"check sheet = \"{spec.sheet}\" in [sources.{spec.name}]"
    hint = (f" (sheet {raw.sheet!r} was read; the workbook's sheets are {listed}: {advice})")
    return [Problem(p.file, p.row, p.column, p.value, p.expected + hint) for p in problems]
