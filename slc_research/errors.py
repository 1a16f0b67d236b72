"""The one exception hierarchy of slc-research.

Every problem a user can cause (a broken raw file, a mistake in ``enquiry.toml``,
a bad notebook parameter) is raised as a subclass of :class:`SlcResearchError`
whose message says what was found, where, and what to do. The command line turns
these into one clear message and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from pathlib import Path

__all__ = [
    "ConfigError",
    "DataError",
    "ChartError",
    "PrivacyError",
    "Problem",
    "ReportError",
    "SlcResearchError",
    "StatsError",
    "WarmKernelError",
    "MAX_PROBLEMS_SHOWN",
    "OutputLeakError",
]

#: How many problems of one file are spelt out in a :class:`DataError` message;
#: the rest are counted.
MAX_PROBLEMS_SHOWN = 20


class SlcResearchError(Exception):
    """Base class of every error slc-research raises on purpose."""

    def _render_traceback_(self) -> list[str]:
        """What a notebook cell shows for this error: its message alone, as the command line does.

        IPython's documented hook for a custom traceback ("Custom exception tracebacks" in
        *Integrating your objects with IPython*). The message already says what was found,
        where, and what to do; the frames of slc-research's own code under it would only
        bury it. Unexpected errors (bugs) keep their full traceback.
        """
        return [f"slc-research: {self}"]


@dataclass(frozen=True)
class Problem:
    """One problem in a raw file, located as the teacher sees it in Excel.

    Attributes
    ----------
    file : str
        The raw file's path as written in the manifest (relative to the workspace).
    row : int or None
        The spreadsheet row number (the header is row 1), or None for a problem
        with the whole file or a whole column.
    column : str or None
        The column header as it stands in the raw file.
    value : str or None
        The offending value, as found.
    expected : str
        What was expected instead, and how to fix it.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        found = "" if self.value is None else f"found {self.value!r}; "
        return f"{', '.join(where)}: {found}expected {self.expected}"


class DataError(SlcResearchError):
    """A raw file cannot be read as it stands.

    Carries every problem found in the file (``problems``), so that a teacher
    can fix them all in one pass. The first one is also exposed as ``file``,
    ``row``, ``column``, ``value`` and ``expected``.

    Parameters
    ----------
    problems : list of Problem
        At least one problem. Several problems may come from the same file.
    total : int, optional
        The total number of problems when ``problems`` was capped.
    """

    def __init__(self, problems: list[Problem], *, total: int | None = None) -> None:
        if not problems:
            raise ValueError("DataError needs at least one Problem")
        self.problems = list(problems)
        self.total = max(total or 0, len(self.problems))
        first = self.problems[0]
        self.file = first.file
        self.row = first.row
        self.column = first.column
        self.value = first.value
        self.expected = first.expected
        super().__init__(self._message())

    @classmethod
    def single(
        cls,
        file: str | Path,
        expected: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> DataError:
        """Build a DataError holding one problem."""
        shown = None if value is None else str(value)
        return cls([Problem(str(file), row, column, shown, expected)])

    def _message(self) -> str:
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        if self.total == 1:
            return str(shown[0])
        files = list(dict.fromkeys(p.file for p in self.problems))
        where = self.file if len(files) == 1 else f"{len(files)} files"
        lines = [f"{self.total} problems in {where}:"]
        lines += [f"  - {p}" for p in shown]
        rest = self.total - len(shown)
        if rest > 0:
            lines.append(f"  ... and {rest} more like these.")
        return "\n".join(lines)


class ConfigError(SlcResearchError):
    """The manifest (``enquiry.toml``) or a parameter is wrong.

    Parameters
    ----------
    message : str
        What is wrong and how to fix it.
    file : str, optional
        The manifest's path.
    key : str, optional
        The dotted key at fault, e.g. ``sources.roster.kind``.
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        self.file = file
        self.key = key
        #: What is wrong and how to fix it, without the file and key (for a widget's message).
        self.message = message
        where = ", ".join(x for x in (file, f"key '{key}'" if key else None) if x)
        super().__init__(f"{where}: {message}" if where else message)


class StatsError(SlcResearchError):
    """The data given to a statistics function cannot produce the estimate.

    Raised for too few observations (fewer than two per group), no spread
    (every value the same), non-numeric values or an option out of range.
    The message says what was found and what is needed.
    """


class PrivacyError(SlcResearchError):
    """Something about to be published could identify a person.

    It holds a name or id, or a count that did not pass small-number suppression. Only
    suppressed aggregates may be shown.
    """


class OutputLeakError(PrivacyError):
    """Files written for sharing hold what the output check finds (a name, real id, ...).

    They were not put in place: the command removed them. The message lists every find,
    masked, and says what to do.

    Attributes
    ----------
    check : CheckResult
        The output check's result (its ``finds``, masked).
    target : str
        Where the files would have gone.
    """

    def __init__(self, message: str, *, check: object, target: str | PathLike[str]) -> None:
        self.check = check
        self.target = str(target)
        super().__init__(message)


class ChartError(SlcResearchError):
    """A chart was given data it cannot draw (missing columns, too many rows)."""


class ReportError(SlcResearchError):
    """A report notebook could not be run or exported.

    Attributes
    ----------
    notebook : str
        The notebook's path.
    cell_index : int or None
        Index of the failing cell in the executed notebook (which includes the
        injected-parameters cell), when a cell failed.
    ename, evalue : str or None
        The exception's name and message inside the notebook, e.g.
        ``"ConfigError"`` and ``"key 'community': no community called 'X' ..."``.
    """

    def __init__(self, message: str, *, notebook: str | PathLike[str],
                 cell_index: int | None = None, ename: str | None = None,
                 evalue: str | None = None) -> None:
        self.notebook = str(notebook)
        self.cell_index = cell_index
        self.ename = ename
        self.evalue = evalue
        super().__init__(message)


class WarmKernelError(SlcResearchError):
    """The zygote of the warm kernels could not start or fork a kernel.

    The caller falls back to an ordinary kernel, with a one-line warning.
    """
