"""What a loader is given and what it gives back.

The manifest parser (:mod:`slc_research.workspace.manifest`) turns each ``[sources.NAME]``
table into a :class:`SourceSpec`; :class:`slc_research.Enquiry` hands it, with a
:class:`LoadContext`, to :func:`slc_research.data.loading.loaders.load_source`, which
returns a :class:`Loaded`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from slc_research.privacy.identifiers import Identifiers
from slc_research.privacy.pseudonyms import Pseudonymiser, normalise_id
from slc_research.privacy.redaction import redact_labels, redaction_identifiers

__all__ = ["BUILTIN_RESPONSE_SCALES", "LoadContext", "Loaded", "ResponseScale", "Scale",
           "SourceSpec", "normalise_answer"]


def normalise_answer(s: str) -> str:
    """Case-fold an answer and collapse its white space: ``" Strongly  AGREE "`` -> ``"strongly agree"``."""
    return re.sub(r"\s+", " ", str(s)).strip().casefold()


@dataclass(frozen=True)
class ResponseScale:
    """A named answer scale: answer text -> number.

    Attributes
    ----------
    name : str
    levels : tuple of str
        The answers in order; the first scores 1 (or ``start``).
    start : int
        The number of the first level (1 for Likert scales, 0 for yes/no).
    aliases : dict
        Other spellings -> the level they mean (e.g. "neutral" -> "neither agree nor disagree").
    missing : tuple of str
        Answers that count as no answer ("Don't know", "Prefer not to say").
    """

    name: str
    levels: tuple[str, ...]
    start: int = 1
    aliases: dict[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ("don't know", "dont know", "prefer not to say", "n/a", "not sure")

    @property
    def minimum(self) -> int:
        """The number of the first level (``start``)."""
        return self.start

    @property
    def maximum(self) -> int:
        """The number of the last level."""
        return self.start + len(self.levels) - 1

    def lookup(self) -> dict[str, float]:
        """Normalised answer -> number (NaN for a missing answer). Digits of a level count too."""
        table: dict[str, float] = {}
        for i, level in enumerate(self.levels):
            v = float(self.start + i)
            table[normalise_answer(level)] = v
            table[str(self.start + i)] = v
        for alias, level in self.aliases.items():
            table[normalise_answer(alias)] = table[normalise_answer(level)]
        for m in self.missing:
            table[normalise_answer(m)] = float("nan")
        return table


_AGREE5 = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree")

#: Answer scales every workspace has.
BUILTIN_RESPONSE_SCALES: dict[str, ResponseScale] = {
    "agree5": ResponseScale(
        "agree5", _AGREE5,
        aliases={"neutral": "Neither agree nor disagree", "neither": "Neither agree nor disagree",
                 "not sure either way": "Neither agree nor disagree",
                 # Qualtrics' default five-point agreement scale
                 "somewhat agree": "Agree", "somewhat disagree": "Disagree"},
    ),
    "agree4": ResponseScale("agree4", ("Strongly disagree", "Disagree", "Agree", "Strongly agree")),
    "frequency5": ResponseScale(
        "frequency5", ("Never", "Rarely", "Sometimes", "Often", "Always"),
        aliases={"most of the time": "Often", "hardly ever": "Rarely"},
    ),
    "yesno": ResponseScale("yesno", ("No", "Yes"), start=0, aliases={"y": "Yes", "n": "No"}),
}


@dataclass(frozen=True)
class Scale:
    """A questionnaire scale from ``[scales.NAME]``.

    Attributes
    ----------
    name : str
    instrument : str
        The instrument whose items these are.
    items : tuple of str
        Item codes.
    reverse : tuple of str
        Reverse-coded items (a subset of ``items``).
    response_scale : str
        Name of the answer scale of all its items.
    label : str
        A readable name for reports.
    """

    name: str
    instrument: str
    items: tuple[str, ...]
    reverse: tuple[str, ...] = ()
    response_scale: str = "agree5"
    label: str = ""


@dataclass(frozen=True)
class SourceSpec:
    """One ``[sources.NAME]`` entry of the manifest, checked.

    Attributes
    ----------
    name : str
        The NAME of the entry.
    path : Path
        Absolute path of the raw file (inside the workspace).
    label : str
        The path as written in the manifest: what messages show.
    kind : str
        A key of :data:`slc_research.data.schemas.KINDS`.
    columns : dict
        Raw header -> canonical name. Empty: the headers are canonical names.
        For surveys, item columns map to item codes.
    sheet : str or None
        XLSX sheet name.
    date_format : str or None
        A strftime format for every date column; None: ISO or UK day-first.
    options : dict
        The kind's extra keys (``school``, ``members``, ``wave``, ...).
    """

    name: str
    path: Path
    label: str
    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    date_format: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadContext:
    """What every loader needs from the workspace besides its own file.

    Attributes
    ----------
    pseudonymiser : Pseudonymiser
    response_scales : dict
        Name -> :class:`ResponseScale` (built-ins plus the manifest's).
    scales : dict
        Name -> :class:`Scale`.
    names : frozenset of str
        Every forename, surname and full name on the roster and staff list,
        for redaction from free texts.
    withdrawn : frozenset of str
        Pseudonyms of everyone withdrawn in the consent register; their rows are dropped.
    ids : frozenset of str
        The real ids on the roster and staff list (UPNs, admission numbers, staff codes),
        for redaction from free texts (never loaded into a table).
    emails : frozenset of str
        Their email addresses, for redaction.
    dates_of_birth : frozenset of str
        Their dates of birth as the files write them, for redaction.
    id_links : dict
        A roster's other id (its ``other_id`` column, e.g. the UPN beside the admission
        number) -> the pupil id of the same row, both normalised
        (:func:`~slc_research.privacy.pseudonyms.normalise_id`): a file keyed by either id
        is linked to the same pupil (:meth:`pseudonymise`).
    public_words : frozenset of str
        The folded words of the enquiry's title and schools' names, public in every report:
        not names in a community's name ("St Aidan's SLC" with a pupil called Aidan).
    """

    pseudonymiser: Pseudonymiser
    response_scales: dict[str, ResponseScale] = field(
        default_factory=lambda: dict(BUILTIN_RESPONSE_SCALES))
    scales: dict[str, Scale] = field(default_factory=dict)
    names: frozenset[str] = frozenset()
    withdrawn: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    dates_of_birth: frozenset[str] = frozenset()
    id_links: dict[str, str] = field(default_factory=dict, repr=False)
    public_words: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        return (f"LoadContext(<{len(self.names)} names, {len(self.ids)} ids, "
                f"{len(self.withdrawn)} withdrawn: hidden>)")

    def pseudonymise(self, ids: pd.Series, kind: str) -> pd.Series:
        """Keyed pseudonyms of ``ids``, a pupil's other id (:attr:`id_links`) read as their id.

        A parent's id is their child's id, so it is linked too. Categorical input gives
        categorical output, other input ``string`` (as
        :meth:`~slc_research.privacy.pseudonyms.Pseudonymiser.pseudonymise`).
        """
        if self.id_links and kind in ("pupil", "parent"):
            ids = _linked(ids, self.id_links)
        return self.pseudonymiser.pseudonymise(ids, kind)

    def redaction(self, extra_names: frozenset[str] = frozenset()) -> Identifiers:
        """What the loaders redact from free text: the people's identifiers and ``extra_names``.

        ``extra_names`` are the names a file itself holds (a texts file's name columns).
        Without any the matcher is built once per context, not once per file.
        """
        if extra_names <= self.names:
            return self._people
        return redaction_identifiers(names=self.names | extra_names, ids=self.ids,
                                     emails=self.emails, dates=self.dates_of_birth)

    @functools.cached_property
    def _people(self) -> Identifiers:
        return redaction_identifiers(names=self.names, ids=self.ids, emails=self.emails,
                                     dates=self.dates_of_birth)

    @functools.cached_property
    def _in_messages(self) -> Identifiers:
        return Identifiers.build(names=self.names, full_names=self.names, ids=self.ids,
                                 emails=self.emails, dates=self.dates_of_birth)

    @functools.cached_property
    def _in_community_names(self) -> Identifiers:
        return redaction_identifiers(names=self.names, ids=self.ids, emails=self.emails,
                                     dates=self.dates_of_birth, common=self.public_words)

    def in_messages(self) -> Identifiers:
        """The people's identifiers as a message's own words are searched for them.

        As the output check reads a report: full names, ids, emails and dates of birth in
        any form, a single name only with a capital ("May", not the "may" of a sentence).
        """
        return self._in_messages

    def community_names(self, names: pd.Series) -> pd.Series:
        """Communities' names with the people's identifiers redacted, kept apart.

        "Mr Okafor's SLC" becomes "Mr [name]'s SLC (3f9c)", the tag a keyed digest of the
        name as written (:func:`~slc_research.privacy.redaction.redact_labels`): the same
        in every file of the workspace, so memberships, meetings, texts and plans still
        meet. Only the roster's and staff list's identifiers are used (never a file's own
        name columns), for the same reason; the words of the title and schools' names are
        not names here (``public_words``).
        """
        if not (self.names or self.ids or self.emails):
            return names
        return redact_labels(names, self._in_community_names, self._community_tag)

    def _community_tag(self, name: str) -> str:
        digest = self.pseudonymiser.pseudonymise(pd.Series([name], dtype="string"),
                                                 "anonymous").iloc[0]
        return str(digest)[2:6]


def _linked(ids: pd.Series, links: dict[str, str]) -> pd.Series:
    """``ids`` with every id found among ``links``' keys replaced by its value."""
    if isinstance(ids.dtype, pd.CategoricalDtype):
        cats = pd.Series(ids.cat.categories.astype(str), dtype="string")
        new = normalise_id(cats).map(links).astype("string").fillna(cats)
        codes, uniques = pd.factorize(new, use_na_sentinel=True)
        cat = pd.Categorical.from_codes(np.append(codes, -1)[ids.cat.codes.to_numpy()],
                                        categories=pd.Index(uniques, dtype="string"))
        return pd.Series(cat, index=ids.index, name=ids.name)
    values = ids.astype("string")
    return normalise_id(values).map(links).astype("string").fillna(values)


@dataclass
class Loaded:
    """A loader's result.

    Attributes
    ----------
    tables : dict
        Canonical table name -> conformed DataFrame.
    notes : list of str
        Repairs made and warnings for the data-health summary, in plain words
        ("3 answers 'Agree ' read as 'Agree' (extra spaces)").
    rows_read : int
        Data rows in the raw file (blank rows excluded).
    rows_dropped : int
        Rows left out (withdrawn pupils, blank rows, ...), each reason in ``notes``.
    withdrawn_found : frozenset of str
        The withdrawn pseudonyms this file held (their rows were left out): how the
        workspace tells a withdrawn id that matches no one on any roster.
    respondent_rows : dict
        For a survey with ids: each respondent's pseudonym -> the Excel row of their
        answers, so that the workspace can say which rows hold ids that are not on the
        roster (by row number, never the id).
    """

    tables: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_dropped: int = 0
    withdrawn_found: frozenset[str] = frozenset()
    respondent_rows: dict[str, int] = field(default_factory=dict)
