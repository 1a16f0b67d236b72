"""What every loader does: read, map columns, parse, pseudonymise, drop withdrawn people.

A :class:`SourceLoad` is one raw file being loaded. The per-kind loaders ask it
for parsed columns (problems are collected, not raised), build their canonical
frame and call :meth:`SourceLoad.finish`, which raises one :class:`DataError`
with every problem of the file, or drops the rows of withdrawn people and
returns a conformed :class:`Loaded`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from slc_research.data.parsing.mapping import ColumnMap, map_columns
from slc_research.data.parsing.values import Parsed, ProblemLog, excel_rows_at, parse_choice
from slc_research.data.reading.readers import RawTable, read_raw
from slc_research.data.schemas import conform
from slc_research.data.spec import LoadContext, Loaded, SourceSpec
from slc_research.errors import ConfigError, Problem
from slc_research.words import plural

__all__ = ["PERSON_WORDS", "SourceLoad"]

#: Words for whose id a row holds.
PERSON_WORDS = {
    **dict.fromkeys(["pupil", "pupils", "student", "students", "child", "learner", "p"],
                    "pupil"),
    **dict.fromkeys(["staff", "teacher", "teachers", "member of staff", "adult", "s", "t"],
                    "staff"),
    **dict.fromkeys(["parent", "parents", "carer", "parent/carer", "guardian", "family"],
                    "parent"),
    **dict.fromkeys(["anonymous", "anon"], "anonymous"),
}


class SourceLoad:
    """One raw file on its way to a canonical table.

    Parameters
    ----------
    spec : SourceSpec
    ctx : LoadContext
    required : sequence of str
        Canonical columns needed beyond the kind's own required ones.
    raw : RawTable, optional
        The file already read (default: read ``spec.path``).
    """

    def __init__(self, spec: SourceSpec, ctx: LoadContext, *, required: Sequence[str] = (),
                 raw: RawTable | None = None) -> None:
        self.spec = spec
        self.ctx = ctx
        self.label = spec.label
        self.raw = raw if raw is not None else read_raw(spec)
        self.map: ColumnMap = map_columns(self.raw, spec, required=required)
        self.problems = ProblemLog(self.label)
        self.notes: list[str] = list(self.raw.notes)
        self.rows_dropped = self.raw.blank_rows
        self.withdrawn_found: set[str] = set()
        used = {*self.map.columns.values(), *self.map.items.values()}
        trimmed = {h: n for h, n in self.raw.trimmed.items() if h in used}
        if trimmed:
            n = sum(trimmed.values())
            cols = ", ".join(repr(h) for h in list(trimmed)[:3])
            if len(trimmed) > 3:
                cols += f" and {plural(len(trimmed) - 3, 'other column')}"
            self.notes.append(f"{plural(n, 'value')} had spaces before or after them, now "
                              f"trimmed (in {cols}).")
        errors = {h: n for h, n in self.raw.excel_errors.items() if h in used}
        if errors:
            cols = ", ".join(repr(h) for h in errors)
            self.notes.append(f"{plural(sum(errors.values()), 'cell')} held an Excel error value "
                              f"(#N/A, #VALUE!, ...) and {'was' if sum(errors.values()) == 1 else 'were'} "
                              f"read as blank (in {cols}); check the formulas that filled them.")

    # -- columns -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.raw)

    @property
    def rows(self) -> np.ndarray | None:
        """Excel row of each data row, or None when it is position + 2."""
        return self.raw.row_numbers

    def excel_rows(self, positions: np.ndarray) -> np.ndarray:
        """The spreadsheet row numbers of the data rows at ``positions``, for messages.

        Parameters
        ----------
        positions : ndarray of int
            0-based positions of data rows.

        Returns
        -------
        ndarray of int
            The row each one has in the file as a spreadsheet shows it.
        """
        return excel_rows_at(self.rows, positions)

    def has(self, canonical: str) -> bool:
        """Whether the canonical column ``canonical`` is mapped to a column of the file."""
        return canonical in self.map.columns

    def header(self, canonical: str) -> str:
        """The file's header that the canonical column ``canonical`` is mapped to."""
        return self.map.columns[canonical]

    def column(self, canonical: str) -> pd.Series:
        """The raw text (``category``) of a mapped canonical column."""
        return self.raw.data[self.map.columns[canonical]]

    def parse(self, canonical: str, parser: Callable[..., Parsed], **kwargs: Any) -> pd.Series:
        """Run ``parser`` on a mapped column, collecting its problems and notes."""
        parsed = parser(self.column(canonical), label=self.label, header=self.header(canonical),
                        rows=self.rows, **kwargs)
        return self.problems.take(parsed, self.notes)

    def dates(self, canonical: str) -> pd.Series:
        """A mapped column read as dates, day first, with the source's ``date_format``.

        Its problems and notes are collected as :meth:`parse` collects them.

        Parameters
        ----------
        canonical : str
            The canonical column (it must be mapped).

        Returns
        -------
        Series of datetime64[ms]
            One date per row; NaT where the cell is blank or not a date.
        """
        from slc_research.data.parsing.values import parse_dates

        return self.parse(canonical, parse_dates, date_format=self.spec.date_format)

    def text(self, canonical: str, option: str | None = None) -> pd.Series:
        """Text of a column (``string``); blanks, or a missing column, take ``options[option]``."""
        value = self.option(option) if option else None
        if self.has(canonical):
            s = self.column(canonical).astype("string")
            return s if value is None else s.fillna(str(value))
        return pd.Series(pd.NA if value is None else str(value), index=range(len(self)),
                         dtype="string")

    # -- options -------------------------------------------------------------------

    def option(self, key: str, default: Any = None, choices: Sequence[str] | None = None) -> Any:
        """A kind option from the manifest entry, checked against ``choices``."""
        value = self.spec.options.get(key, default)
        if isinstance(value, str):
            value = value.strip()
        if value is not None and choices is not None and value not in choices:
            raise ConfigError(f"{value!r} is not one of {', '.join(map(repr, choices))}",
                              key=f"sources.{self.spec.name}.{key}")
        return value

    def person_types(self, type_column: str, option: str, *, allowed: Sequence[str],
                     default: str | None = None) -> pd.Series:
        """Whose id each row holds: the ``type_column``, else ``options[option]``, else ``default``.

        Returns a ``category`` Series (missing where a type cell is blank and
        nothing else says).
        """
        fixed = self.option(option, default, choices=allowed)
        if self.has(type_column):
            words = {k: v for k, v in PERSON_WORDS.items() if v in allowed}
            s = self.parse(type_column, parse_choice, vocabulary=words, categories=list(allowed),
                           expected=" or ".join(allowed), blank=fixed)
            return s
        if fixed is None:
            raise ConfigError(
                f"say whose ids the file holds: add {option} = \"{allowed[0]}\" (or "
                f"{' or '.join(repr(a) for a in allowed[1:])}) to [sources.{self.spec.name}], "
                f"or map a {type_column} column", key=f"sources.{self.spec.name}.{option}")
        return pd.Series(pd.Categorical([fixed] * len(self), categories=list(allowed)))

    # -- people --------------------------------------------------------------------

    def ids(self, canonical: str, kinds: str | pd.Series, *, required: bool = True) -> pd.Series:
        """Pseudonymised ids of a column, as ``string``; blank ids are problems if ``required``."""
        raw = self.column(canonical)
        self._check_id_shapes(canonical, raw)
        if required:
            blank = np.flatnonzero(raw.cat.codes.to_numpy() < 0)
            if len(blank):
                self.problems.add_rows(self.header(canonical), self.excel_rows(blank), None,
                                       f"a {canonical} in every row; this row has none")
        return self.pseudonymise(raw, kinds)

    def _check_id_shapes(self, canonical: str, raw: pd.Series) -> None:
        """Ids Excel has damaged: scientific notation is a problem; lost leading zeros a note."""
        cats = raw.cat.categories.astype(str)
        if not len(cats):
            return
        header = self.header(canonical)
        sci = np.asarray(cats.str.fullmatch(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+"))
        if sci.any():
            rows = self.excel_rows(np.flatnonzero(np.append(sci, False)[raw.cat.codes.to_numpy()]))
            values = raw.astype("string").to_numpy(dtype=object, na_value=None)
            values = values[np.append(sci, False)[raw.cat.codes.to_numpy()]]
            self.problems.add_rows(header, rows, values,
                                   "an id written out in full, but Excel turned this one into "
                                   "a number in scientific notation and lost its last digits; "
                                   "format the column as Text in Excel (or export it again "
                                   "from the MIS) so that every id is kept whole")
        digits = np.asarray(cats.str.fullmatch(r"\d+"))
        if digits.all() and len(cats) > 1:
            lengths = cats.str.len()
            zeros = np.asarray(cats.str.startswith("0"))
            if lengths.nunique() > 1 and zeros.any():
                self.notes.append(
                    f"Ids in {header!r} are numbers of different lengths, some with leading "
                    "zeros (Excel drops them): ids are matched ignoring leading zeros, so "
                    "'004822' and '4822' are the same person.")

    def pseudonymise(self, ids: pd.Series, kinds: str | pd.Series) -> pd.Series:
        """Keyed pseudonyms of ``ids``; ``kinds`` is one kind or a kind per row."""
        pseudo = self.ctx.pseudonymise
        if isinstance(kinds, str):
            return pseudo(ids, kinds).astype("string").reset_index(drop=True)
        out = pd.Series(pd.NA, index=ids.index, dtype="string")
        for kind in kinds.cat.categories:
            mask = (kinds == kind).to_numpy(dtype=bool)
            if mask.any():
                out[mask] = pseudo(ids[mask], kind).astype("string")
        return out.reset_index(drop=True)

    def require_unique(self, keys: dict[str, pd.Series], what: str) -> None:
        """Report every group of rows that repeat the same ``keys`` (canonical -> values)."""
        frame = pd.DataFrame({k: v.reset_index(drop=True) for k, v in keys.items()})
        # a missing first key (an id) is reported on its own; missing later keys count as equal
        dup = frame.duplicated(keep=False).to_numpy() & frame.iloc[:, 0].notna().to_numpy()
        if not dup.any():
            return
        positions = np.flatnonzero(dup)
        groups = frame.iloc[positions].groupby(list(keys), sort=False, observed=True,
                                               dropna=False).indices
        headers = [self.header(k) if self.has(k) else k for k in keys]
        column = headers[0] if len(headers) == 1 else None
        problems = []
        for members in groups.values():
            rows = self.excel_rows(positions[members])
            listed = ", ".join(str(r) for r in rows[:-1]) + f" and {rows[-1]}"
            problems.append(Problem(self.label, int(rows[0]), column, None,
                                    f"each {what} once, but rows {listed} have the same "
                                    f"{' + '.join(headers)}; remove the repeated rows or "
                                    "correct them"))
        problems.sort(key=lambda p: p.row or 0)
        self.problems.add(problems[:20], len(problems))

    # -- the end -------------------------------------------------------------------

    def finish(self, table: str, frame: pd.DataFrame | dict[str, Any],
               person: str | None = None) -> Loaded:
        """Raise the file's problems, if any; else drop withdrawn people and conform.

        Parameters
        ----------
        table : str
            The canonical table.
        frame : DataFrame or dict
            The canonical columns, one row per data row of the file (or more, e.g.
            survey items).
        person : str, optional
            The column of pseudonymised person ids checked against the consent register.
        """
        self.problems.raise_if_any()
        df = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)
        if person is not None:
            df = self.drop_withdrawn(df, person)
        return Loaded({table: conform(df, table)}, self.notes, rows_read=len(self.raw),
                      rows_dropped=self.rows_dropped,
                      withdrawn_found=frozenset(self.withdrawn_found))

    def drop_withdrawn(self, df: pd.DataFrame, person: str) -> pd.DataFrame:
        """Leave out the rows of people withdrawn in the consent register (never says who)."""
        if not self.ctx.withdrawn or df.empty:
            return df
        ids = df[person]
        if isinstance(ids.dtype, pd.CategoricalDtype):
            gone = np.asarray(ids.cat.categories.isin(self.ctx.withdrawn))
            mask = np.append(gone, False)[ids.cat.codes.to_numpy()]
        else:
            mask = ids.isin(self.ctx.withdrawn).to_numpy(dtype=bool)
        n = int(mask.sum())
        if not n:
            return df
        self.withdrawn_found.update(ids[mask].astype("string").unique().tolist())
        self.notes.append(f"{plural(n, 'row')} of withdrawn people left out.")
        self.rows_dropped += n
        kept = df.loc[~mask].reset_index(drop=True)
        if isinstance(ids.dtype, pd.CategoricalDtype):  # no pseudonym left as a category
            kept[person] = kept[person].cat.remove_unused_categories()
        return kept
