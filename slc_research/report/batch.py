"""A batch of reports: which notebooks, for which schools, communities and years, for whom.

A batch is declared in a small TOML file a teacher can read and edit::

    workspace = "../data/demo"        # the enquiry folder (relative to this file)
    out = "../outputs"                # where the reports go

    [[report]]                        # every case study for the whole trust
    notebook = ["slc_impact", "tlc_impact"]

    [[report]]                        # one report per student learning community
    notebook = "slc_impact"
    name = "{notebook}--{community}"
    [report.each]
    community = "@each slc"

    [[report]]                        # the trust report with its code shown
    notebook = "slc_impact"
    audience = "research"
    name = "{notebook}--research"

Each ``[[report]]`` runs its notebook(s) once per combination of the values
under ``[report.each]`` (a list, or an ``@each`` selector read from the
workspace), with the fixed values of ``[report.parameters]``. Report names come
from the ``name`` template (each value slugged) and must be unique. The
audience is ``staff`` (code hidden, the default) or ``research`` (code shown).
"""

from __future__ import annotations

import copy
import difflib
import itertools
import json
import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slc_research.errors import ConfigError

__all__ = [
    "AUDIENCES",
    "Batch",
    "BatchEntry",
    "PlannedReport",
    "batch_of_one",
    "SELECTOR_KEYS",
    "expand_batch",
    "parse_parameter",
    "read_batch",
    "slug",
]

#: Who a report is for: staff get the prose, tables and charts; researchers also the code.
AUDIENCES = ("staff", "research")
#: The parameters an ``@each`` selector can fill, and what it picks.
SELECTOR_KEYS = {
    "community": '"@each" every community, "@each slc" every community of that kind',
    "school": '"@each" every school of the enquiry',
    "year": '"@each" every academic year in which a community met',
}
_TOP_KEYS = ("title", "workspace", "out", "audience", "report")
_REPORT_KEYS = ("notebook", "name", "audience", "parameters", "each")
_EXAMPLE = 'Example:\n[[report]]\nnotebook = "slc_impact"\n[report.each]\ncommunity = "@each slc"'


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
    """A batch of reports (see the module docstring for the file format).

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


# --- reading ---------------------------------------------------------------------------------

def read_batch(path: str | Path) -> Batch:
    """Read and check a batch file.

    Raises
    ------
    ConfigError
        Naming the file, the key at fault and the fix: an unknown key (with the
        closest known one), a value of the wrong type, an unknown audience, a
        malformed selector or name template.
    """
    path = Path(path).resolve()
    file = str(path)
    if not path.is_file():
        raise ConfigError(f"no batch file at {path}; see batches/demo.toml for an example.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"this is not valid TOML ({exc}). Text values need quotes, "
                          'e.g. notebook = "slc_impact".', file=file) from None
    _check_keys(data, _TOP_KEYS, "", file)
    base = path.parent
    audience = _audience(data.get("audience", "staff"), "audience", file)
    reports = data.get("report")
    if not isinstance(reports, list) or not reports:
        raise ConfigError(f"a batch needs at least one [[report]] table. {_EXAMPLE}",
                          file=file, key="report")
    entries = []
    for i, t in enumerate(reports, start=1):
        key = f"report[{i}]"
        if not isinstance(t, dict):
            raise ConfigError(f"expected a [[report]] table, found {t!r}.", file=file, key=key)
        entries.append(_entry(t, key, file, base, audience))
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        raise ConfigError(f"expected a text value, found {title!r}.", file=file, key="title")
    return Batch(tuple(entries), path, _path(data, "workspace", base, file),
                 _path(data, "out", base, file), title)


def _entry(t: dict, key: str, file: str, base: Path, audience: str) -> BatchEntry:
    _check_keys(t, _REPORT_KEYS, key, file)
    if "notebook" not in t:
        raise ConfigError('no notebook: add e.g. notebook = "slc_impact" (or a list of names, '
                          "or the path of a .ipynb file).", file=file, key=f"{key}.notebook")
    raw = t["notebook"]
    names = [raw] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ConfigError(f'expected a notebook name or a list of names like ["slc_impact", '
                          f'"voices"], found {raw!r}.', file=file, key=f"{key}.notebook")
    names = [str((base / n).resolve()) if n.endswith(".ipynb") else n for n in names]
    params = t.get("parameters", {})
    if not isinstance(params, dict):
        raise ConfigError("expected a [report.parameters] table of name = value lines, found "
                          f"{params!r}.", file=file, key=f"{key}.parameters")
    each = t.get("each", {})
    if not isinstance(each, dict):
        raise ConfigError("expected a [report.each] table of name = [values] lines, found "
                          f"{each!r}.", file=file, key=f"{key}.each")
    for p, values in each.items():
        where = f"{key}.each.{p}"
        if p in params:
            raise ConfigError(f"'{p}' is both under parameters and each: keep one.",
                              file=file, key=where)
        if isinstance(values, str) and values.startswith("@"):
            _selector(p, values, where, file)
        elif not isinstance(values, list) or not values:
            raise ConfigError(f"expected a list of values like [\"a\", \"b\"] or an @each "
                              f"selector, found {values!r}. One value for every report goes "
                              "under [report.parameters].", file=file, key=where)
    name = t.get("name")
    if name is not None:
        if not isinstance(name, str) or not name:
            raise ConfigError(f'expected a name template like "{{notebook}}--{{community}}", '
                              f"found {name!r}.", file=file, key=f"{key}.name")
        _template_fields(name, ("notebook", "audience", *params, *each), f"{key}.name", file)
    return BatchEntry(tuple(names), dict(params), dict(each), name,
                      _audience(t.get("audience", audience), f"{key}.audience", file), key)


def _check_keys(table: dict, allowed: tuple[str, ...], where: str, file: str | None) -> None:
    for k in table:
        if k not in allowed:
            close = difflib.get_close_matches(k, allowed, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"unknown key '{k}'.{hint} Allowed here: {', '.join(allowed)}.",
                              file=file, key=f"{where}.{k}" if where else k)


def _audience(value: Any, key: str, file: str | None) -> str:
    if value not in AUDIENCES:
        close = difflib.get_close_matches(str(value), AUDIENCES, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ConfigError(f"unknown audience {value!r}.{hint} Use \"staff\" (code hidden) or "
                          "\"research\" (code shown).", file=file, key=key)
    return value


def _path(data: dict, key: str, base: Path, file: str) -> Path | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"expected a folder path in quotes, found {value!r}.", file=file, key=key)
    return (base / value).resolve()


def _selector(param: str, text: str, key: str, file: str | None) -> str | None:
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


def _template_fields(template: str, allowed: tuple[str, ...], key: str,
                     file: str | None) -> list[str]:
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


# --- expanding -------------------------------------------------------------------------------

def expand_batch(batch: Batch, enq: Any) -> list[PlannedReport]:
    """Every report of ``batch`` for the opened enquiry ``enq``.

    ``@each`` selectors are read from the workspace; when a report fills both
    ``school`` and ``community`` by selectors, only each school's own
    communities are paired with it. Parameters are checked against each
    notebook's ``parameters`` cell, and the values of every planned report of a
    case-study notebook by its case study's checks
    (:meth:`~slc_research.casestudies.spec.CaseStudy.validate`), so that a bad
    value stops the batch before any kernel starts. A report whose case study does not apply
    to the enquiry (it lacks what the case study needs, e.g. a TLC) is planned with its
    ``not_run`` line, decided here once per case study before any kernel starts.

    Raises
    ------
    ConfigError
        An unknown notebook or parameter, a value its case study refuses (naming
        the batch file, the report and the parameter), a report name that is not
        allowed (``index``, ``summary``: :func:`~slc_research.report.folder.check_report_name`),
        or two reports with the same name (the message says which and how to tell
        them apart).
    """
    import papermill

    from slc_research.report.catalogue import NOTEBOOKS, notebook_path

    file = batch.where
    plan: list[PlannedReport] = []
    seen: dict[str, str] = {}
    known_params: dict[Path, set[str]] = {}
    not_run: dict[str, str] = {}  # case study -> its "not run" line, or ""
    for entry in batch.entries:
        grid = {p: _values(p, v, enq, f"{entry.key}.each.{p}", file)
                for p, v in entry.each.items()}
        selected = {p for p, v in entry.each.items() if isinstance(v, str)}
        combos = [dict(zip(grid, c, strict=True)) for c in itertools.product(*grid.values())]
        if {"school", "community"} <= selected:
            home = dict(zip(enq.communities["community"], enq.communities["school"], strict=True))
            combos = [c for c in combos if home.get(c["community"]) == c["school"]]
        for nb_name in entry.notebooks:
            try:
                notebook = notebook_path(nb_name)
            except ConfigError as exc:
                raise ConfigError(str(exc).split(": ", 1)[-1], file=file,
                                  key=f"{entry.key}.notebook") from None
            if notebook not in known_params:
                known_params[notebook] = set(papermill.inspect_notebook(str(notebook)))
            params_known = known_params[notebook] - {"workspace"}
            for p in (*entry.parameters, *entry.each):
                if p not in params_known:
                    close = difflib.get_close_matches(p, sorted(params_known), n=1)
                    hint = f" Did you mean '{close[0]}'?" if close else ""
                    raise ConfigError(f"{notebook.name} has no parameter '{p}'.{hint} Its "
                                      f"parameters are {', '.join(sorted(params_known))}.",
                                      file=file, key=entry.key)
            template = entry.name or "--".join(["{notebook}", *(f"{{{p}}}" for p in grid)])
            for combo in combos:
                params = {**copy.deepcopy(entry.parameters), **combo}
                name = _name(template, notebook.stem, entry.audience, params, entry.key, file)
                where = f"{entry.key} ({notebook.stem}{_describe(combo)})"
                if name in seen:
                    raise ConfigError(
                        f"two reports would both be called {name!r}: {seen[name]} and {where}. "
                        "Give them different names, e.g. add {community}, {school} or "
                        "{audience} to the name template.", file=file, key=f"{entry.key}.name")
                seen[name] = where
                study = NOTEBOOKS.get(notebook.stem)
                reason = ""
                if study is not None and notebook_path(notebook.stem) == notebook:
                    _validate(study, params, name, entry, file)
                    if study.name not in not_run:
                        why = study.applies(enq)
                        not_run[study.name] = study.not_run(why) if why else ""
                    reason = not_run[study.name]
                plan.append(PlannedReport(name, notebook, params, entry.audience, entry.key,
                                          reason))
    return plan


def _validate(study: Any, params: dict[str, Any], name: str, entry: BatchEntry,
              file: str | None) -> None:
    """Check one planned report's values with its case study's checks, before any kernel."""
    try:  # each value by its own check (the workspace is checked when it is opened)
        for p in study.params:
            if p.name in params and p.name != "workspace":
                p.check(params[p.name])
    except ConfigError as exc:
        param = exc.key or "parameters"
        message = str(exc).removeprefix(f"key '{exc.key}': ") if exc.key else str(exc)
        place = "each" if param in entry.each else "parameters"
        raise ConfigError(f"report {name!r} ({study.name}): parameter '{param}': {message}. "
                          "Nothing was run.", file=file,
                          key=f"{entry.key}.{place}.{param}") from None


def _values(param: str, value: Any, enq: Any, key: str, file: str | None) -> list[Any]:
    if not isinstance(value, str):
        return list(value)
    kind = _selector(param, value, key, file)
    if param == "school":
        return list(enq.schools)
    if param == "year":
        from slc_research.measures.attendance import academic_year

        dates = enq.meetings["date"].dropna()
        return sorted(set(academic_year(dates))) if len(dates) else [enq.academic_year]
    c = enq.communities
    if kind is not None:
        c = c.loc[(c["kind"] == kind).fillna(False).to_numpy(dtype=bool)]
    return sorted(c["community"].dropna())


def _name(template: str, notebook: str, audience: str, params: dict[str, Any], key: str,
          file: str | None) -> str:
    fields = {"notebook": notebook, "audience": audience}
    fields |= {p: slug(v) for p, v in params.items()}
    _template_fields(template, tuple(fields), f"{key}.name", file)
    name = template.format(**fields)
    from slc_research.report.folder import check_report_name

    return check_report_name(name, file=file, key=f"{key}.name")


def _describe(combo: dict[str, Any]) -> str:
    return "".join(f", {p} = {json.dumps(v)}" for p, v in combo.items())


def slug(value: Any) -> str:
    """A value as part of a file name: ``"Riverside SLC"`` -> ``"riverside-slc"``.

    An empty value (the whole enquiry) is ``"all"``; a list is joined with ``-``.
    """
    if isinstance(value, list | tuple):
        value = "-".join(map(str, value))
    return re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-") or "all"


# --- the command line's -p key=value -----------------------------------------------------

def parse_parameter(text: str) -> tuple[str, Any]:
    """``"waves=[1,2]"`` -> ``("waves", [1, 2])``: the value read as TOML, then JSON, else text."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not re.fullmatch(r"[A-Za-z_]\w*", key):
        raise ConfigError(f"-p expects name=value (e.g. -p community=\"Riverside SLC\" or "
                          f"-p waves=[1,2]), found {text!r}.", key="-p")
    raw = raw.strip()
    try:
        return key, tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        pass
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


def batch_of_one(batch: Any) -> bool:
    """Whether ``batch`` (a :class:`Batch`) plans a single report.

    One notebook in one entry with no ``each`` selector: known before the workspace is
    opened, so that no zygote is warmed for a report that will run in this process.
    """
    entries = list(batch.entries)
    return (len(entries) == 1 and len(entries[0].notebooks) == 1
            and not any(entries[0].each.values()))
