"""Reading what a teacher wrote to choose reports: a batch file, or a ``-p key=value``.

The file format is described in :mod:`slc_research.report.batch`. Every value is checked
as it is read, and a mistake is one message naming the file, the key at fault and the fix.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

from slc_research.errors import ConfigError
from slc_research.report.batch_spec import (
    AUDIENCES,
    Batch,
    BatchEntry,
    selector_kind,
    template_fields,
)

__all__ = ["parse_parameter", "read_batch"]

_TOP_KEYS = ("title", "workspace", "out", "audience", "report")
_REPORT_KEYS = ("notebook", "name", "audience", "parameters", "each")
_EXAMPLE = 'Example:\n[[report]]\nnotebook = "slc_impact"\n[report.each]\ncommunity = "@each slc"'


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
            selector_kind(p, values, where, file)
        elif not isinstance(values, list) or not values:
            raise ConfigError(f"expected a list of values like [\"a\", \"b\"] or an @each "
                              f"selector, found {values!r}. One value for every report goes "
                              "under [report.parameters].", file=file, key=where)
    name = t.get("name")
    if name is not None:
        if not isinstance(name, str) or not name:
            raise ConfigError(f'expected a name template like "{{notebook}}--{{community}}", '
                              f"found {name!r}.", file=file, key=f"{key}.name")
        template_fields(name, ("notebook", "audience", *params, *each), f"{key}.name", file)
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
