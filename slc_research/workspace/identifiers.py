"""The identifiers of a workspace's people, read from its raw files for ``check-outputs``.

:func:`workspace_identifiers` reads the roster and staff list in full, and the
other files that could name a person (memberships, texts, surveys) only when
their header row has a name, email, date of birth or extra id column; registers,
records, meetings and action plans hold only the ids of people on the roster and
staff list and are not read. Files are read through the manifest with the
loaders' own reader, never written. The identifiers are kept in memory only (an
:class:`~slc_research.privacy.identifiers.Identifiers` shows only counts), never
stored, printed or logged.

A roster or staff list that no longer reads as the manifest maps it (a header
renamed, the header row lost) stops the check with a
:class:`~slc_research.errors.ConfigError` (exit 1) naming the source and the
columns the manifest expects: outputs are never passed without looking for the
people's ids and dates of birth. The message never shows the file's own first
row, which may be a pupil's data.

Which words are not names here (``common``): the list in
``slc_research/templates/common_name_words.txt``, the words of the schools' names,
the words of the workspace's title and community names that are not the name of a
person on the roster or staff list (a community named after a teacher is redacted at
load; the teacher is still found in a report), the words the caller passes (the
notebooks'), and the teacher's ``private/allowed_words.txt``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from slc_research.data.loading.people import is_name_header
from slc_research.data.loading.survey_exports import FORMATS, mapped_headers, read_export
from slc_research.data.parsing.mapping import map_columns
from slc_research.data.reading.readers import read_raw
from slc_research.data.spec import normalise_answer
from slc_research.errors import ConfigError, DataError
from slc_research.privacy.identifiers import Identifiers, words_of
from slc_research.workspace.manifest import read_manifest

__all__ = ["ALLOWED_WORDS_FILE", "workspace_identifiers"]

#: A teacher's list of words that are not names in this workspace (in ``private/``).
ALLOWED_WORDS_FILE = "allowed_words.txt"

_ID_COLUMNS = ("pupil_id", "staff_id", "member_id", "author_id", "respondent_id")
#: Kinds not read at all: attendance, behaviour, attainment, meetings, codebook, codings.
_FULL_KINDS = ("pupils", "staff", "communities")  # read in full
_PEOPLE_KINDS = ("pupils", "staff")  # a failure to read them stops the check
#: read only when the header row has a name, email, date of birth or id column
_PEEK_KINDS = ("memberships", "texts", "survey", "meeting_attendance", "action_plans")
_FORE_HEADER = re.compile(r"fore|first|given|preferred|known as|nick|middle", re.I)
_SUR_HEADER = re.compile(r"sur|last|family", re.I)
_ID_HEADER = re.compile(r"\b(upn|uln|adno|adm|admission|candidate|pupil id|student id|mis id)\b",
                        re.I)
_EMAIL_HEADER = re.compile(r"e-?mail", re.I)
_DOB_HEADER = re.compile(r"birth|\bdob\b|d\.o\.b", re.I)


def workspace_identifiers(workspace: str | Path, *, extra_words: Iterable[str] = ()
                          ) -> Identifiers:
    """Read the identifiers of the workspace's people from its raw files (read-only).

    Parameters
    ----------
    workspace : path
        The enquiry workspace (its ``enquiry.toml`` names the raw files).
    extra_words : iterable of str
        More words that are not names here (e.g. from the notebooks that made the outputs).

    Returns
    -------
    Identifiers
    """
    manifest = read_manifest(workspace)
    found = _Found()
    common = set(_common_words()) | words_of(extra_words)
    schools = words_of(manifest.schools)
    common |= schools
    groups: set[str] = words_of([manifest.title])  # the title's, communities' names' words
    for spec in manifest.sources.values():
        groups |= words_of(str(v) for k, v in spec.options.items()
                           if k in ("school", "community") and isinstance(v, str))
        if not _worth_reading(spec):
            continue
        try:
            raw, spec = _answers_and_header(spec)
            cmap = map_columns(raw, spec)
        except DataError:
            if spec.kind in _PEOPLE_KINDS:  # never check outputs without the people's ids
                raise _unreadable_people(spec) from None
            continue  # the report run has already said what is wrong with this file
        data = raw.data
        if spec.kind in ("communities", "memberships"):
            for col in ("community", "theme", "school"):
                if col in cmap.columns:
                    groups |= words_of(data[cmap.columns[col]].dropna().unique())
        for col in _ID_COLUMNS:
            if col in cmap.columns:
                found.ids.update(data[cmap.columns[col]].dropna().astype(str).unique())
        found.add_people(data, cmap.identifying, cmap.unmapped)
    # a community named after a person ("Team Zoe", "Mr Okafor's SLC") is redacted at load,
    # and a title naming one ("Mr Okafor's SLC enquiry") heads every report: their name
    # words stay names here, so the person is found there and anywhere else
    common |= groups - (words_of(_name_words(found.names | found.fulls)) - schools)
    allowed = _allowed_words(Path(manifest.root) / "private" / ALLOWED_WORDS_FILE)
    return Identifiers.build(names=found.names, full_names=found.fulls, ids=found.ids,
                             dates=found.dates, emails=found.emails, allowed=allowed,
                             common=common)


def _answers_and_header(spec):
    """The raw file's data rows, and the spec with its columns as the file's headers.

    A questionnaire export is read as its loader reads it: the tool's extra header rows
    (Qualtrics' question texts and import ids) are header, not answers, so a question
    such as "Pupil ID" is never taken for somebody's id.
    """
    if spec.kind != "survey":
        return read_raw(spec), spec
    forced = spec.options.get("format", "auto")
    raw, export = read_export(spec, forced if forced in FORMATS else "auto")
    return raw, replace(spec, columns=mapped_headers(export, raw, spec.columns))


def _unreadable_people(spec) -> ConfigError:
    """The message when a roster or staff list no longer reads as the manifest maps it.

    It names the source and the columns the manifest expects that the file lacks; it never
    shows the file's own header row (which may be a row of a pupil's data).
    """
    what = "roster" if spec.kind == "pupils" else "staff list"
    try:
        headers = {normalise_answer(h) for h in read_raw(spec).headers}
    except DataError:
        return ConfigError(
            f"check-outputs cannot read the {what} {spec.label} (source {spec.name!r}), so it "
            "cannot look for the ids, names and dates of birth of the people on it; nothing "
            f"was checked. Run 'slc-research check' on the workspace to see what is wrong with "
            "the file, correct it and run check-outputs again.", key=f"sources.{spec.name}")
    missing = [h for h in spec.columns if normalise_answer(h) not in headers]
    expected = ", ".join(repr(h) for h in missing) or "the columns it maps"
    return ConfigError(
        f"the {what} {spec.label} (source {spec.name!r}) no longer has the column(s) "
        f"{expected} that enquiry.toml expects under [sources.{spec.name}.columns], so "
        "check-outputs cannot look for the ids, names and dates of birth of the people on "
        "it; nothing was checked. Correct the header in the file or the mapping in "
        "enquiry.toml and run check-outputs again.",
        key=f"sources.{spec.name}.columns")


@dataclass
class _Found:
    """The identifiers read so far (plain sets, filled file by file)."""

    names: set[str] = field(default_factory=set)
    fulls: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    dates: set[object] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)

    def add_people(self, data, identifying: dict[str, str], unmapped: list[str]) -> None:
        """Names, emails, dates of birth and extra ids of one raw frame."""
        fore = [h for k, h in identifying.items() if k == "forename"]
        sur = [h for k, h in identifying.items() if k == "surname"]
        whole = [h for k, h in identifying.items() if k == "name"]
        for h in unmapped:
            if is_name_header(h):
                (sur if _SUR_HEADER.search(h) else fore if _FORE_HEADER.search(h)
                 else whole).append(h)
            elif _ID_HEADER.search(h):
                self.ids.update(data[h].dropna().astype(str).unique())
            elif _DOB_HEADER.search(h):
                self.dates.update(data[h].dropna().unique())
            elif _EMAIL_HEADER.search(h):
                self.emails.update(data[h].dropna().astype(str).unique())
        for h in [h for k, h in identifying.items() if k == "email"]:
            self.emails.update(data[h].dropna().astype(str).unique())
        for h in [*fore, *sur, *whole]:
            self.names.update(data[h].dropna().astype(str).unique())
        for h in whole:
            for full in data[h].dropna().astype(str).unique():
                first, comma, rest = full.partition(",")
                self.fulls.add(f"{rest} {first}" if comma else full)
        for f in fore:
            for s in sur:
                both = data[f].astype("string").str.cat(data[s].astype("string"), sep=" ")
                self.fulls.update(both.dropna().unique())


def _worth_reading(spec) -> bool:
    """Whether the source ``spec`` is read in full for the identifiers it holds.

    Rosters, staff lists and communities are; memberships, texts, surveys, attendance at
    meetings and action plans only when their header row has a name, email, date of birth or
    extra id column (or cannot be peeked at).
    """
    if spec.kind in _FULL_KINDS:
        return True
    if spec.kind not in _PEEK_KINDS:
        return False
    if {str(v).strip() for v in spec.columns.values()} & {"name", "forename", "surname",
                                                           "email"}:
        return True
    headers = _header_row(Path(spec.path))
    if headers is None:
        return True
    mapped = {h.strip().casefold() for h in spec.columns}
    return any(is_name_header(h) or _EMAIL_HEADER.search(h) or _DOB_HEADER.search(h)
               or (_ID_HEADER.search(h) and h.strip().casefold() not in mapped)
               for h in headers)


def _header_row(path: Path) -> list[str] | None:
    """The first row of a CSV file, read from its first 64 KiB (None: not a CSV we can peek)."""
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = head.decode("cp1252", errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and lines[0].lower().startswith("sep="):
        lines = lines[1:]
    if not lines:
        return None
    first = lines[0]
    delimiter = max((",", ";", "\t", "|"), key=first.count)
    return next(csv.reader(io.StringIO(first), delimiter=delimiter), None)


def _name_words(names: Iterable[str]) -> set[str]:
    """Names and their possessives' bases as :func:`words_of` splits them ("okafor's")."""
    words = words_of(names)
    return words | {f"{w}'s" for w in words}


def _common_words() -> list[str]:
    text = resources.files("slc_research").joinpath("templates/common_name_words.txt")
    return [w for line in text.read_text(encoding="utf-8").splitlines()
            if not line.startswith("#") for w in line.split()]


def _allowed_words(path: Path) -> list[str]:
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]
