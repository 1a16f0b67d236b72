"""Enquiry: one workspace opened, validated, pseudonymised and cached.

>>> enq = Enquiry.open("data/demo")            # doctest: +SKIP
>>> enq.pupils.head()                          # doctest: +SKIP

Opening reads ``enquiry.toml``, checks every source, and exposes the canonical
tables of the design (``enq.pupils``, ``enq.attendance``, ...) as DataFrames
with fixed dtypes. Each source's validated tables are cached as Parquet; see
:mod:`slc_research.workspace.cache` for when a source is read again.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from slc_research.data.schemas import TABLES
from slc_research.data.spec import LoadContext, Loaded, SourceSpec
from slc_research.errors import ConfigError, DataError, Problem
from slc_research.privacy.identifiers import words_of
from slc_research.privacy.pseudonyms import CONSENT_FILE, Pseudonymiser, read_consent_register
from slc_research.privacy.quotable import NOT_QUOTABLE_FILE, apply_not_quotable, load_not_quotable
from slc_research.privacy.redaction import Redaction
from slc_research.workspace.cache import SourceCache
from slc_research.workspace.id_links import (
    linked_register,
    roster_links,
    rosters_with_other_ids,
)
from slc_research.workspace.manifest import Manifest, read_manifest
from slc_research.workspace.problems import (
    LINKED_IDS,
    ProblemsByFile,
    with_unlisted_people,
    with_unlisted_respondents,
)
from slc_research.workspace.stacking import communities_of, stack_tables

__all__ = ["Enquiry", "SourceHealth"]

PRIVATE_DIR = "private"
#: Source kinds that list people, and whose ids (in the consent register's words) they hold.
_PEOPLE_KINDS = {"pupils": "pupil", "staff": "staff"}
#: Source kinds whose free text has the roster's and staff list's names, ids, emails and
#: dates of birth redacted at load (texts, plans and reports, roles, meeting topics, codes
#: and code descriptions, communities' names): their cache key holds the roster's fingerprint.
_REDACTED_KINDS = ("texts", "action_plans", "memberships", "meetings", "qdpx", "codebook",
                   "codings", "communities")


@dataclass(frozen=True)
class SourceHealth:
    """How one source fared when the workspace was opened."""

    source: str
    kind: str
    file: str  # as the manifest names it, with any name in it redacted
    rows_read: int
    rows_dropped: int
    from_cache: bool
    notes: tuple[str, ...] = field(default=())


def _load_source(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    # imported here: the loaders are only needed when the cache misses
    from slc_research.data.loading.loaders import load_source

    return load_source(spec, ctx)


def _read_people(specs: list[SourceSpec]):
    """The names, real ids, emails and dates of birth of the rosters and staff lists."""
    from slc_research.data.loading.loaders import people_of

    return people_of(specs)


def _context(manifest: Manifest, pseudonymiser: Pseudonymiser, withdrawn: frozenset[str],
             people: dict[str, SourceSpec]) -> tuple[LoadContext, bool]:
    """The loaders' context, and whether the people's identifiers could be read.

    They are read whenever there is a roster or staff list (a source redacts them from its
    free text; every loader from its messages and notes); a roster or staff list that cannot
    be read says why as a source of its own, and the sources that redact wait for it (False).
    """
    ctx = LoadContext(pseudonymiser, manifest.response_scales, manifest.scales,
                      withdrawn=withdrawn, public_words=_public_words(manifest))
    if people:  # every loader's messages and notes are cleared of them too
        try:
            ctx = _read_people(list(people.values())).into(ctx)
        except DataError:
            return ctx, False
    return ctx, True


def _shown_label(label: str, ctx: LoadContext) -> str:
    """A source's file as ``check`` and the data-health notes show it: names redacted.

    ("raw/[name] reflections.csv" for a file named after a pupil.)
    """
    if not (ctx.names or ctx.ids):
        return label
    return Redaction(label, ctx.in_messages()).text


def _public_words(manifest: Manifest) -> frozenset[str]:
    """The words of the enquiry's title and its schools' names: public in every report.

    A possessive counts without its ``'s`` too ("St Aidan's": "aidan").
    """
    words = words_of([manifest.title, *manifest.schools])
    return frozenset(words | {w[:-2] for w in words if w.endswith("'s")})


#: What a source that redacts says when the names to redact could not be read.
_WAITS_FOR_PEOPLE = ("its words to be cleared of the names on the roster and staff list "
                     "before it is checked, but those could not be read; fix the problems "
                     "listed for them, then run check again")


def _safe_dir(name: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_.-]{1,80}", name) and not name.startswith("."):
        return name
    return "s-" + hashlib.sha256(name.encode()).hexdigest()[:16]


class Enquiry:
    """An opened enquiry workspace. Build it with :meth:`Enquiry.open`.

    Attributes
    ----------
    root : Path
        The workspace folder.
    manifest : Manifest
        The checked ``enquiry.toml``.
    health : list of SourceHealth
        Per source: rows read and dropped, repairs and warnings, cache use.
    not_quotable : frozenset of str
        Ids of the texts and action plans listed in ``private/not_quotable.csv``
        (see :mod:`slc_research.privacy.quotable`); those texts' ``quotable`` is false.
    notes : tuple of str
        Warnings about the workspace rather than one source: statuses of the consent
        register read as withdrawn though not written so, and withdrawn ids that match
        no one on any roster or staff list (each names the register's row, never the id).
    """

    def __init__(self, manifest: Manifest, tables: dict[str, pd.DataFrame],
                 health: list[SourceHealth], cache_keys: dict[str, str] | None = None) -> None:
        self.manifest = manifest
        self.root = manifest.root
        self._tables = tables
        self.health = health
        self._cache_keys = dict(cache_keys or {})
        self._derived: dict[tuple, pd.DataFrame] = {}  # derived tables computed once
        self.not_quotable: frozenset[str] = frozenset()
        self.notes: tuple[str, ...] = ()  # the workspace's own: the consent register's
        self._marked_digest = ""  # of private/not_quotable.csv as it was when opened

    def __repr__(self) -> str:
        sizes = ", ".join(f"{t}={len(df)}" for t, df in self._tables.items() if len(df))
        return f"Enquiry({self.title!r}, {sizes})"

    # -- opening --------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, *, use_cache: bool = True) -> Enquiry:
        """Open, validate and (re)cache the workspace at ``path``.

        Parameters
        ----------
        path : str or Path
            The workspace folder (holding ``enquiry.toml``).
        use_cache : bool
            False reads every raw file again (the cache is still refreshed).

        Returns
        -------
        Enquiry

        Raises
        ------
        ConfigError
            For a mistake in the manifest.
        DataError
            For problems in raw files: every problem of every failing source,
            each naming the file, row and column.
        """
        manifest = read_manifest(path)
        private = manifest.root / PRIVATE_DIR
        cache = SourceCache(manifest.root)
        pseudonymiser = Pseudonymiser.for_workspace(private, opened_before=cache.holds_tables)
        links = roster_links(manifest)  # a roster's other id (UPN beside Adno) links too
        register = linked_register(read_consent_register(private, pseudonymiser), links,
                                   pseudonymiser)
        withdrawn = register.withdrawn
        marked = load_not_quotable(private, manifest.sources)
        consent = private / CONSENT_FILE
        marked_file = private / NOT_QUOTABLE_FILE
        # every input is hashed by content on every open (in parallel threads)
        cache.hash_files([consent, marked_file, *(s.path for s in manifest.sources.values())])
        common = {
            "key": pseudonymiser.fingerprint,
            "consent": cache.content_hash(consent) if consent.is_file() else None,
            "response_scales": {n: repr(s) for n, s in sorted(manifest.response_scales.items())},
            "scales": {n: repr(s) for n, s in sorted(manifest.scales.items())},
        }
        if links:  # every id read depends on the roster that links them
            common["id_links"] = {s.name: [cache.content_hash(s.path), _spec_parts(s)]
                                  for s in rosters_with_other_ids(manifest)}
        people = {n: s for n, s in manifest.sources.items() if s.kind in _PEOPLE_KINDS}
        people_hash = {n: [cache.content_hash(s.path), _spec_parts(s)] for n, s in people.items()}

        ctx: LoadContext | None = None
        collected: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
        health: list[SourceHealth] = []
        keys: dict[str, str] = {}
        problems: list = []
        total_problems = 0
        per_file: dict[str, int] = {}  # every source file -> its number of problems
        respondent_rows: dict[str, dict[str, int]] = {}  # survey -> pseudonym -> Excel row
        linked_rows: dict[str, pd.DataFrame] = {}  # register, log or list -> its rows
        consent_rows: dict[str, set[int]] = {}  # people kind -> register rows found on it
        for name, spec in manifest.sources.items():
            parts = {**common, "raw": cache.content_hash(spec.path), "spec": _spec_parts(spec)}
            if "authors_file" in spec.options:  # a folder of texts' list of authors
                parts["authors_file"] = cache.content_hash(Path(spec.options["authors_file"]))
            if spec.kind in _REDACTED_KINDS:
                parts["names_from"] = people_hash  # redaction depends on the roster
                parts["public_words"] = sorted(_public_words(manifest))
            key = cache.key(parts)
            hit = cache.read(_safe_dir(name), key) if use_cache else None
            if hit is not None:
                tables, meta = hit
                from_cache = True
            else:
                if ctx is None:
                    ctx, people_read = _context(manifest, pseudonymiser, withdrawn, people)
                    ctx = replace(ctx, id_links=links)
                if spec.kind in _REDACTED_KINDS and not people_read:  # never read unredacted
                    problems.append(Problem(spec.label, None, None, None, _WAITS_FOR_PEOPLE))
                    total_problems += 1
                    per_file[spec.label] = per_file.get(spec.label, 0) + 1
                    continue
                try:
                    loaded = _load_source(spec, ctx)
                except DataError as exc:
                    problems.extend(exc.problems)
                    total_problems += exc.total
                    per_file[spec.label] = per_file.get(spec.label, 0) + exc.total
                    continue
                tables = loaded.tables
                meta = {"notes": loaded.notes, "rows_read": loaded.rows_read,
                        "shown_file": _shown_label(spec.label, ctx),
                        "rows_dropped": loaded.rows_dropped,
                        "consent_rows": register.rows_of(loaded.withdrawn_found),
                        "respondent_rows": loaded.respondent_rows}
                cache.write(_safe_dir(name), key, tables, meta)
                from_cache = False
            keys[name] = key
            per_file.setdefault(spec.label, 0)
            if meta.get("respondent_rows"):
                respondent_rows[name] = meta["respondent_rows"]
            if spec.kind in LINKED_IDS and LINKED_IDS[spec.kind][0] in tables:
                linked_rows[name] = tables[LINKED_IDS[spec.kind][0]]
            if spec.kind in _PEOPLE_KINDS:  # an entry cached before rows were kept: -1, unknown
                consent_rows.setdefault(_PEOPLE_KINDS[spec.kind], set()).update(
                    meta.get("consent_rows", [-1]))
            for t, df in tables.items():
                collected[t].append(df)
            health.append(SourceHealth(name, spec.kind, meta.get("shown_file", spec.label),
                                       int(meta["rows_read"]),
                                       int(meta["rows_dropped"]), from_cache,
                                       tuple(meta["notes"])))
        if problems:
            if len(per_file) > 1 and total_problems > 1:  # a line per file, capped per file
                raise ProblemsByFile(problems, totals=per_file)
            raise DataError(problems, total=total_problems)
        cache.prune({_safe_dir(n) for n in manifest.sources})
        tables, derived = _stacked(manifest.root, keys, collected)
        health = with_unlisted_respondents(manifest, tables, health, respondent_rows)
        health = with_unlisted_people(manifest, tables, health, linked_rows)
        from slc_research.data.loading.texts import text_id

        tables["texts"], not_quotable = apply_not_quotable(tables["texts"], marked,
                                                           manifest.sources, text_id=text_id)
        enq = cls(manifest, tables, health, keys)
        enq._derived = derived
        enq.not_quotable = not_quotable
        found_rows = set().union(*consent_rows.values())
        enq.notes = register.notes + (() if -1 in found_rows else
                                      register.unmatched(found_rows, consent_rows))
        enq._marked_digest = cache.content_hash(marked_file) if marked_file.is_file() else ""
        return enq

    # -- the canonical tables ------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        """The canonical table ``name`` (see :data:`slc_research.data.schemas.TABLES`)."""
        if name not in self._tables:
            raise ConfigError(f"no table {name!r}; the tables are {', '.join(TABLES)}",
                              key="table")
        return self._tables[name]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """All canonical tables by name."""
        return dict(self._tables)

    def source_tables(self, name: str) -> dict[str, pd.DataFrame]:
        """The canonical tables one source contributed, read back from its cache entry.

        Parameters
        ----------
        name : str
            A ``[sources.NAME]`` of the manifest.

        Returns
        -------
        dict of str to DataFrame
            Table name -> that source's rows (before stacking with other sources).

        Raises
        ------
        ConfigError
            ``name`` is not a source of this workspace, or its cache entry was
            removed since the workspace was opened (open it again).
        """
        if name not in self._cache_keys:
            raise ConfigError(f"no source {name!r} in this workspace; its sources are "
                           f"{', '.join(self._cache_keys) or 'none'}", key=f"sources.{name}")
        hit = SourceCache(self.root).read(_safe_dir(name), self._cache_keys[name])
        if hit is None:
            raise ConfigError(f"the cached tables of source {name!r} are gone; open the "
                              "workspace again with Enquiry.open", key=f"sources.{name}")
        return hit[0]

    pupils = property(lambda self: self.table("pupils"), doc="Pupils: one row each.")
    staff = property(lambda self: self.table("staff"), doc="Staff: one row each.")
    communities = property(lambda self: self.table("communities"),
                           doc="Learning communities: one row each.")
    memberships = property(lambda self: self.table("memberships"),
                           doc="Who belongs to which community, in what role, since when.")
    meetings = property(lambda self: self.table("meetings"), doc="Community meetings.")
    meeting_attendance = property(lambda self: self.table("meeting_attendance"),
                                  doc="Who came to which meeting.")
    action_plans = property(lambda self: self.table("action_plans"),
                            doc="Plans made at meetings and what was reported back.")
    survey_responses = property(lambda self: self.table("survey_responses"),
                                doc="Survey answers, one row per respondent, wave and item.")
    attendance = property(lambda self: self.table("attendance"),
                          doc="Attendance marks, one row per pupil and session.")
    behaviour = property(lambda self: self.table("behaviour"), doc="Behaviour log entries.")
    attainment = property(lambda self: self.table("attainment"), doc="Assessment results.")
    texts = property(lambda self: self.table("texts"),
                     doc="Reflections, transcripts, open answers and minutes (names redacted).")
    codebook = property(lambda self: self.table("codebook"), doc="Qualitative codes.")
    codings = property(lambda self: self.table("codings"), doc="Codes applied to texts.")

    # -- manifest facts -------------------------------------------------
    @property
    def title(self) -> str:
        """The enquiry's title, from the manifest."""
        return self.manifest.title

    @property
    def academic_year(self) -> str:
        """The academic year the enquiry covers, as the manifest writes it."""
        return self.manifest.academic_year

    @property
    def schools(self) -> tuple[str, ...]:
        """Schools named in the manifest, else those found in the tables."""
        if self.manifest.schools:
            return self.manifest.schools
        found = pd.concat([self.pupils["school"], self.staff["school"]]).dropna().unique()
        return tuple(sorted(found))

    @property
    def suppression_threshold(self) -> int:
        """Groups smaller than this are never published (the manifest's, default 5)."""
        return self.manifest.suppression_threshold

    @property
    def scales(self):
        """Questionnaire scales by name (:class:`slc_research.data.spec.Scale`)."""
        return dict(self.manifest.scales)

    # -- derived tables ------------------------------------------------
    def scale_scores(self, *, min_answered: float = 0.5) -> pd.DataFrame:
        """Scale scores per respondent and wave (see :func:`slc_research.measures.scales.scale_scores`)."""
        from slc_research.measures.scales import scale_scores

        return self._derive(("scale_scores", min_answered), lambda: scale_scores(
            self.survey_responses, self.manifest.scales, self.manifest.response_scales,
            min_answered=min_answered))

    def attendance_summary(self, *, by: str = "year") -> pd.DataFrame:
        """Attendance % and persistent absence per pupil and period.

        See :func:`slc_research.measures.attendance.attendance_summary`.
        """
        from slc_research.measures.attendance import attendance_summary

        return self._derive(("attendance_summary", by),
                            lambda: attendance_summary(self.attendance, by=by))

    def _derive(self, key: tuple, compute) -> pd.DataFrame:
        """``compute()``, done once per opened workspace and kept under ``key``.

        Each caller gets its own frame (a shallow copy: with pandas' copy-on-write a change to
        it never reaches the others).
        """
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key].copy(deep=False)

    def health_frame(self) -> pd.DataFrame:
        """The data-health summary as a table: one row per source."""
        return pd.DataFrame([
            {"source": h.source, "kind": h.kind, "file": h.file, "rows read": h.rows_read,
             "rows left out": h.rows_dropped, "from cache": h.from_cache,
             "repairs and warnings": "; ".join(h.notes)}
            for h in self.health
        ])

    @property
    def cache_key(self) -> str:
        """A hash of ``enquiry.toml``, every source's cache key and the not-quotable list.

        It changes with any input.
        """
        sources = repr(sorted(self._cache_keys.items())).encode()
        return hashlib.sha256((self.root / "enquiry.toml").read_bytes() + sources
                              + self._marked_digest.encode()).hexdigest()


#: Stacked tables of recently opened workspaces, by workspace and every source's cache
#: key (``None``: off). Only the warm-kernel zygote turns it on
#: (:mod:`slc_research.report.zygote`): it opens a workspace once, and the kernels it
#: forks then find the tables already stacked. Cache keys are content hashes of
#: everything a source's tables depend on, so equal keys mean equal tables.
STACKED_MEMO: dict[tuple, tuple[dict[str, pd.DataFrame], dict]] | None = None
#: How many workspaces the memo keeps.
STACKED_MEMO_SIZE = 2


def _stacked(root: Path, keys: dict[str, str], collected: dict[str, list[pd.DataFrame]]
             ) -> tuple[dict[str, pd.DataFrame], dict]:
    """The canonical tables stacked from each source's, and the memo of derived tables."""
    memo_key = (str(root), tuple(sorted(keys.items())))
    if STACKED_MEMO is not None and memo_key in STACKED_MEMO:
        tables, derived = STACKED_MEMO[memo_key]
        return {t: df.copy(deep=False) for t, df in tables.items()}, derived
    tables = {t: stack_tables(frames, t) for t, frames in collected.items()}
    tables["communities"] = communities_of(tables)
    derived: dict = {}
    if STACKED_MEMO is not None:
        for old in [k for k in STACKED_MEMO if k[0] == memo_key[0]]:
            del STACKED_MEMO[old]  # an older state of the same workspace
        while len(STACKED_MEMO) >= STACKED_MEMO_SIZE:
            del STACKED_MEMO[next(iter(STACKED_MEMO))]
        STACKED_MEMO[memo_key] = (tables, derived)
        tables = {t: df.copy(deep=False) for t, df in tables.items()}
    return tables, derived


def _spec_parts(spec: SourceSpec) -> dict:
    return {"kind": spec.kind, "label": spec.label, "columns": spec.columns, "sheet": spec.sheet,
            "date_format": spec.date_format, "options": spec.options}
