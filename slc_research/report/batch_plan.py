"""A batch expanded into the reports to run: :func:`expand_batch`, and their file names.

The batch comes from :func:`slc_research.report.batch_file.read_batch` or from the command
line's options; the ``@each`` selectors are read from the opened workspace, and every value
is checked here, before any kernel starts.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import json
import re
from pathlib import Path
from typing import Any

from slc_research.errors import ConfigError
from slc_research.report.batch_spec import (
    Batch,
    BatchEntry,
    PlannedReport,
    selector_kind,
    template_fields,
)

__all__ = ["expand_batch", "slug"]


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
    kind = selector_kind(param, value, key, file)
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
    template_fields(template, tuple(fields), f"{key}.name", file)
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
