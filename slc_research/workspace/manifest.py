"""The enquiry manifest, ``enquiry.toml``: read, checked, and turned into specs.

Every mistake is a :class:`~slc_research.errors.ConfigError` naming the key at
fault and what to write instead: an unknown key (a typo), a missing source
file, a path outside the workspace, an unknown kind or answer scale.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from slc_research.data.loading.text_folder import name_pattern_regex
from slc_research.data.reading.documents import document_files, is_pattern
from slc_research.data.schemas import COMMON_SOURCE_KEYS, COMMUNITY_KINDS, KINDS
from slc_research.data.spec import BUILTIN_RESPONSE_SCALES, ResponseScale, Scale, SourceSpec
from slc_research.errors import ConfigError
from slc_research.privacy.threshold import check_threshold

__all__ = ["MANIFEST", "Manifest", "read_manifest"]

MANIFEST = "enquiry.toml"

_TOP_KEYS = ("title", "academic_year", "schools", "description", "privacy", "response_scales",
             "scales", "sources")
_PRIVACY_KEYS = ("suppression_threshold",)
_SCALE_KEYS = ("instrument", "items", "reverse", "response_scale", "label")
_RESPONSE_SCALE_KEYS = ("levels", "start", "aliases", "missing")
_PERSON_TYPES = {"members": ("pupil", "staff"), "respondents": ("pupil", "staff", "parent"),
                 "authors": ("pupil", "staff", "parent", "anonymous")}


@dataclass(frozen=True)
class Manifest:
    """A checked ``enquiry.toml``.

    Attributes
    ----------
    root : Path
        The workspace folder.
    title, academic_year : str
    schools : tuple of str
        The schools of the enquiry. When it names one, that school is the ``school`` of
        every source that may have one and does not say (a roster with no school column).
    suppression_threshold : int
        Groups smaller than this are never published (default 5; below 3 is refused, see
        :mod:`slc_research.privacy.threshold`).
    response_scales : dict
        Built-in plus the manifest's answer scales, by name.
    scales : dict
        Questionnaire scales by name.
    sources : dict
        Source specs by name, in manifest order.
    """

    root: Path
    title: str
    academic_year: str
    schools: tuple[str, ...]
    suppression_threshold: int = 5
    response_scales: dict[str, ResponseScale] = field(default_factory=dict)
    scales: dict[str, Scale] = field(default_factory=dict)
    sources: dict[str, SourceSpec] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


def _check_keys(table: dict, allowed: tuple[str, ...], where: str, file: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"unknown key '{key}'.{hint} Allowed here: {', '.join(allowed)}.",
                              file=file, key=f"{where}.{key}" if where else key)


def _similar_files(root: Path, path: Path) -> str:
    """" Did you mean 'raw/x.csv'?" for files of the same folder with a similar name, else ""."""
    folder = path.parent
    if not folder.is_dir():
        return f" There is no folder '{folder.relative_to(root).as_posix()}' either."
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    close = difflib.get_close_matches(path.name, names, n=3, cutoff=0.5)
    if not close and names:
        close = [n for n in names if n.rsplit(".", 1)[-1].lower() in ("csv", "xlsx", "txt")][:3]
    if not close:
        return ""
    rel = folder.relative_to(root).as_posix()
    shown = ", ".join(f"'{rel}/{n}'" if rel != "." else f"'{n}'" for n in close)
    return f" Did you mean {shown}?"


def _expect(value: Any, kind: type | tuple, key: str, file: str, what: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"expected {what}, found {value!r}.", file=file, key=key)
    return value


def _str_list(value: Any, key: str, file: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"expected a list of text values like [\"a\", \"b\"], found {value!r}.",
                          file=file, key=key)
    return tuple(value)


def _named_tables(data: dict, section: str, allowed: tuple[str, ...] | None, file: str):
    """Yield (NAME, dotted key, table) for each ``[section.NAME]``, checking its keys."""
    tables = _expect(data.get(section, {}), dict, section, file, f"[{section}.NAME] tables")
    for name, t in tables.items():
        key = f"{section}.{name}"
        _expect(t, dict, key, file, f"a [{key}] table")
        if allowed is not None:
            _check_keys(t, allowed, key, file)
        yield name, key, t


def read_manifest(root: str | Path) -> Manifest:
    """Read and check ``root/enquiry.toml``.

    Parameters
    ----------
    root : str or Path
        The workspace folder.

    Returns
    -------
    Manifest

    Raises
    ------
    ConfigError
        For a missing manifest, a TOML syntax error, an unknown key, a wrong
        type, a source file that does not exist, a path outside the workspace,
        or a reference to an unknown answer scale.
    """
    root = Path(root).resolve()
    path = root / MANIFEST
    file = MANIFEST
    if not root.is_dir():
        raise ConfigError(f"no workspace folder at {root}. Create one with "
                          f"'slc-research init {root}'.")
    if not path.is_file():
        raise ConfigError(f"no {MANIFEST} in {root}. Create one with 'slc-research init {root}' "
                          "and describe your raw files in it.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"this is not valid TOML ({exc}). Check quotes and brackets on that "
                          "line.", file=file) from None
    except UnicodeDecodeError:
        raise ConfigError("save the manifest as UTF-8 text (in Notepad: File > Save as, "
                          "Encoding: UTF-8).", file=file) from None

    _check_keys(data, _TOP_KEYS, "", file)
    title = _expect(data.get("title", root.name), str, "title", file, "a title in quotes")
    year = _expect(data.get("academic_year", ""), str, "academic_year", file,
                   'an academic year in quotes, like "2025-26"')
    schools = _str_list(data.get("schools", []), "schools", file)

    privacy = _expect(data.get("privacy", {}), dict, "privacy", file, "a [privacy] table")
    _check_keys(privacy, _PRIVACY_KEYS, "privacy", file)
    threshold = _expect(privacy.get("suppression_threshold", 5), int,
                        "privacy.suppression_threshold", file, "a whole number such as 5")
    check_threshold(threshold, file=file)

    response_scales = dict(BUILTIN_RESPONSE_SCALES)
    for name, key, t in _named_tables(data, "response_scales", _RESPONSE_SCALE_KEYS, file):
        levels = _str_list(t.get("levels", []), f"{key}.levels", file)
        if len(levels) < 2:
            raise ConfigError("list at least two answers, lowest first.", file=file,
                              key=f"{key}.levels")
        aliases = _expect(t.get("aliases", {}), dict, f"{key}.aliases", file,
                          'a table like { "neutral" = "Neither agree nor disagree" }')
        for alias, level in aliases.items():
            if level not in levels:
                raise ConfigError(f"alias '{alias}' points to '{level}', which is not one of the "
                                  f"levels {list(levels)}.", file=file, key=f"{key}.aliases")
        kwargs: dict[str, Any] = {"aliases": dict(aliases)}
        if "missing" in t:
            kwargs["missing"] = _str_list(t["missing"], f"{key}.missing", file)
        start = _expect(t.get("start", 1), int, f"{key}.start", file, "a whole number (1 or 0)")
        response_scales[name] = ResponseScale(name, levels, start=start, **kwargs)

    scales = {}
    for name, key, t in _named_tables(data, "scales", _SCALE_KEYS, file):
        items = _str_list(t.get("items", []), f"{key}.items", file)
        if not items:  # one item is a scale too (a single question); reliability needs two
            raise ConfigError("list the scale's item codes, like items = [\"eng1\"] (one item "
                              "is allowed; its reliability is not computed).", file=file,
                              key=f"{key}.items")
        reverse = _str_list(t.get("reverse", []), f"{key}.reverse", file)
        stray = [r for r in reverse if r not in items]
        if stray:
            raise ConfigError(f"{stray} are not among the items {list(items)}.", file=file,
                              key=f"{key}.reverse")
        rs = _expect(t.get("response_scale", "agree5"), str, f"{key}.response_scale", file,
                     "the name of an answer scale")
        if rs not in response_scales:
            raise ConfigError(f"unknown answer scale '{rs}'. Known: "
                              f"{', '.join(sorted(response_scales))}; define others in "
                              "[response_scales.NAME].", file=file, key=f"{key}.response_scale")
        scales[name] = Scale(name, _expect(t.get("instrument", ""), str, f"{key}.instrument",
                                           file, "the instrument's name in quotes"),
                             items, reverse, rs, t.get("label", name.replace("_", " ").capitalize()))

    sources = {}
    for name, _key, t in _named_tables(data, "sources", None, file):
        spec = source_spec(root, name, t, response_scales, file)
        if len(schools) == 1 and "school" in KINDS[spec.kind].options \
                and "school" not in spec.options:
            # one school: its MIS exports have no school column, and need none
            spec = replace(spec, options={**spec.options, "school": schools[0]})
        sources[name] = spec
    return Manifest(root, title, year, schools, threshold, response_scales, scales, sources, data)


_DRIVE = re.compile(r"^[A-Za-z]:|^[\\/]{2}")
#: Files of the workspace that are never a source: the key and the cache.
_NEVER_SOURCES = ("private/pseudonym.key", ".slc-cache")


def _contained(root: Path, rel: str, file: str, key: str) -> Path:
    r"""The source file ``rel`` resolved inside ``root``, or a ConfigError.

    Windows separators are accepted (``raw\roster.csv``); a drive or network
    path (``C:\...``, ``\\server\...``), an absolute path, ``..`` that
    climbs out, or a link (symlink) to a file elsewhere is refused, and so are the
    pseudonymisation key and the cache.
    """
    outside = ConfigError(f"'{rel}' points outside the workspace. Copy the file into raw/ and "
                          "give its path relative to the workspace, like "
                          '"raw/roster.csv".', file=file, key=key)
    if _DRIVE.match(rel) or "\x00" in rel:
        raise outside
    posix = rel.replace("\\", "/")
    path = (root / posix).resolve()  # follows symlinks: a link out of the workspace is refused
    if not path.is_relative_to(root) or Path(posix).is_absolute():
        raise outside
    inside = path.relative_to(root).as_posix()
    if any(inside == never or inside.startswith(never + "/") for never in _NEVER_SOURCES):
        raise ConfigError(f"'{rel}' is the workbench's own private file, not a raw export; "
                          "give the path of a file in raw/.", file=file, key=key)
    return path


def source_spec(root: Path, name: str, t: Any, response_scales: dict, file: str) -> SourceSpec:
    key = f"sources.{name}"
    _expect(t, dict, key, file, f"a [{key}] table")
    kind = t.get("kind")
    if kind is None:
        raise ConfigError(f"say what the file holds: kind = one of {', '.join(KINDS)}.",
                          file=file, key=f"{key}.kind")
    if kind not in KINDS:
        close = difflib.get_close_matches(str(kind), list(KINDS), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ConfigError(f"unknown kind {kind!r}.{hint} Known kinds: {', '.join(KINDS)}.",
                          file=file, key=f"{key}.kind")
    spec_kind = KINDS[kind]
    _check_keys(t, COMMON_SOURCE_KEYS + spec_kind.options, key, file)
    rel = _expect(t.get("path"), str, f"{key}.path", file,
                  'the raw file\'s path relative to the workspace, like "raw/roster.csv"')
    path = _contained(root, rel, file, f"{key}.path")
    if kind == "texts" and (path.is_dir() or is_pattern(rel)):  # a folder: one text per file
        if not document_files(path):
            raise ConfigError(f"'{rel}' holds no .txt, .md or .docx file (one text per file). "
                              "Check the spelling, or copy the documents into it.", file=file,
                              key=f"{key}.path")
    elif not path.is_file():
        raise ConfigError(f"the file '{rel}' does not exist.{_similar_files(root, path)} Check "
                          "the spelling, or copy the export into the workspace.", file=file,
                          key=f"{key}.path")
    columns = _expect(t.get("columns", {}), dict, f"{key}.columns", file,
                      'a table of "School column" = "canonical_name"')
    for raw, canon in columns.items():
        _expect(canon, str, f"{key}.columns.{raw}", file, "a canonical column name in quotes")
    if kind != "survey":
        allowed = set(spec_kind.required + spec_kind.optional + spec_kind.identifying)
        for raw, canon in columns.items():
            if canon not in allowed:
                close = difflib.get_close_matches(canon, sorted(allowed), n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise ConfigError(f"'{canon}' is not a column of a {kind} table.{hint} Known: "
                                  f"{', '.join(sorted(allowed))}.", file=file,
                                  key=f"{key}.columns.{raw}")
    options = {k: t[k] for k in spec_kind.options if k in t}
    if "name_pattern" in options:
        _expect(options["name_pattern"], str, f"{key}.name_pattern", file,
                'a pattern like "{author}_{date}"')
        try:
            name_pattern_regex(options["name_pattern"], key=f"{key}.name_pattern")
        except ConfigError as exc:
            raise ConfigError(exc.args[0].split(": ", 1)[-1], file=file,
                              key=f"{key}.name_pattern") from None
    if "authors_file" in options:
        side = _expect(options["authors_file"], str, f"{key}.authors_file", file,
                       'the list of files\' authors, like "raw/reflections/authors.csv"')
        side_path = _contained(root, side, file, f"{key}.authors_file")
        if not side_path.is_file():
            raise ConfigError(f"the file '{side}' does not exist.", file=file,
                              key=f"{key}.authors_file")
        options["authors_file"], options["authors_file_label"] = str(side_path), side
    for opt, allowed_values in _PERSON_TYPES.items():
        if opt in options and options[opt] not in allowed_values:
            raise ConfigError(f"expected one of {', '.join(allowed_values)}, found "
                              f"{options[opt]!r}.", file=file, key=f"{key}.{opt}")
    if "community_kind" in options and options["community_kind"] not in COMMUNITY_KINDS:
        raise ConfigError(f"expected one of {', '.join(COMMUNITY_KINDS)}, found "
                          f"{options['community_kind']!r}.", file=file,
                          key=f"{key}.community_kind")
    if kind == "survey":
        wave = _expect(options.get("wave", 1), int, f"{key}.wave", file,
                       "the wave as a whole number (1 = first time the survey was run)")
        options["wave"] = wave
        options.setdefault("instrument", name)
        rs = options.get("response_scale")
        if rs is not None and rs not in response_scales:
            raise ConfigError(f"unknown answer scale '{rs}'. Known: "
                              f"{', '.join(sorted(response_scales))}.", file=file,
                              key=f"{key}.response_scale")
    if kind == "attendance" and options.get("layout", "auto") not in ("auto", "long", "wide"):
        raise ConfigError("expected 'auto' (recognised from the file), 'long' (a row per mark) "
                          "or 'wide' (a row per pupil, a column per session).", file=file,
                          key=f"{key}.layout")
    sheet = t.get("sheet")
    if sheet is not None:
        _expect(sheet, str, f"{key}.sheet", file, "a sheet name in quotes")
    date_format = t.get("date_format")
    if date_format is not None:
        _expect(date_format, str, f"{key}.date_format", file, 'a format like "%d/%m/%Y"')
    return SourceSpec(name=name, path=path, label=rel, kind=kind, columns=dict(columns),
                      sheet=sheet, date_format=date_format, options=options)
