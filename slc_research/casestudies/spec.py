"""A case study's parameters, declared once: the notebook's checks and the catalogue come from it.

Each case study declares a :class:`CaseStudy`: its name, title, the questions it answers, its
parameters (:class:`Param`: name, default, meaning, check) and the headline values the index
shows. From that one declaration:

- the notebook's ``parameters`` cell is checked (a test compares the cell with the defaults);
- :meth:`CaseStudy.validate` checks the values papermill injected, refusing unknown names;
- the report catalogue (``slc-research report``, the README's table) lists the case study;
- :meth:`CaseStudy.applies` says, before any kernel starts, whether the enquiry has what the
  case study needs (its :class:`Need` list): ``report --all`` and ``export`` run the case
  studies that apply and list the others with the reason.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slc_research.casestudies.parameters import close_matches, workspace_folder
from slc_research.errors import ConfigError
from slc_research.privacy.threshold import threshold_warning

__all__ = ["CaseStudy", "Need", "Param", "WORKSPACE", "members_of", "members_on_roster",
           "rows_in"]


@dataclass(frozen=True)
class Param:
    """One notebook parameter.

    Attributes
    ----------
    name : str
    default : object
        The value of the notebook's ``parameters`` cell (plain: text, number, list).
    meaning : str
        What it means, for the catalogue and ``slc-research report --help``.
    check : callable
        ``check(value) -> clean value``; raises :class:`~slc_research.errors.ConfigError`
        naming the parameter, what was found and what is expected.
    """

    name: str
    default: Any
    meaning: str
    check: Callable[[Any], Any]


@dataclass(frozen=True)
class Need:
    """Something a case study needs in the enquiry before it can say anything.

    Attributes
    ----------
    missing : str
        What the teacher is told when it is missing, in one plain clause that names the
        source to add, e.g. ``'this enquiry has no TLC (no memberships source with
        community_kind = "tlc")'``.
    met : callable
        ``met(enquiry) -> bool``: whether the opened enquiry has it (cheap: it reads the
        canonical tables, runs no analysis).
    """

    missing: str
    met: Callable[[Any], bool]


def _members(enquiry: Any, kind: str) -> Any:
    """The member ids (pseudonyms, not missing) of every community of ``kind``."""
    m = enquiry.memberships
    if m.empty:
        return m["member_id"]
    kinds = m["community_kind"].astype("string")
    listed = enquiry.communities
    of_kind = set(listed.loc[(listed["kind"].astype("string") == kind).fillna(False),
                             "community"].dropna().astype(str))
    mine = (kinds == kind).fillna(False) | m["community"].astype("string").isin(of_kind)
    return m.loc[mine.to_numpy(dtype=bool), "member_id"].dropna()


def members_of(kind: str, missing: str) -> Need:
    """The need of at least one member of a community of ``kind`` (``"slc"``, ``"tlc"``...).

    A community listed in a communities file but with nobody in its membership list does not
    count: there is nobody to report on.
    """
    return Need(missing, lambda enquiry: len(_members(enquiry, kind)) > 0)


def members_on_roster(kind: str, community: str) -> Need:
    """The need of at least one of the pupils listed as members of ``kind`` on the roster.

    A membership list keyed by another id than the roster's (UPNs beside a roster keyed by
    admission numbers) links nobody: every comparison would be of no one, and its reasons
    ("the year groups are not recorded", "no reflections were found") would be wrong.

    Parameters
    ----------
    kind : str
        The community kind (``"slc"``, ``"coproduction"``, ``"slc_conference"``).
    community : str
        What the teacher calls it, for the sentence ("SLC", "co-production group").
    """
    missing = (f"none of the {community}'s members is on the roster: the ids in its "
               "membership list are not the roster's pupil ids (slc-research check names the "
               "file; map the same id, admission number or UPN, as member_id there and as "
               "pupil_id in the roster, in enquiry.toml)")

    def met(enquiry: Any) -> bool:
        members = _members(enquiry, kind)
        return bool(members.isin(enquiry.pupils["pupil_id"]).any()) if len(members) else True

    return Need(missing, met)


def rows_in(table: str, missing: str) -> Need:
    """The need of at least one row in the canonical table ``table`` (e.g. ``"codings"``)."""
    return Need(missing, lambda enquiry: len(getattr(enquiry, table)) > 0)


#: The parameter every case study has: the enquiry folder.
WORKSPACE = Param("workspace", "../data/demo",
                  "the enquiry folder holding enquiry.toml (default `../data/demo`)",
                  workspace_folder)


@dataclass(frozen=True)
class CaseStudy:
    """A case study: what it answers, its parameters and how to run it.

    Attributes
    ----------
    name : str
        The notebook's stem, e.g. ``"slc_impact"``.
    title : str
        What the report is, in the teacher's words.
    questions : tuple of str
        The questions it answers.
    params : tuple of Param
        Its parameters, ``workspace`` first.
    run : str
        Where its ``run(enquiry, params) -> Result`` lives, as ``"package.module:function"``
        (``params`` as :meth:`validate` returns them). Named rather than imported, so that
        listing the case studies (the catalogue, the command line) does not load their
        analyses.
    each_kind : str or None
        For batch files: one report per community of this kind, or None.
    headlines : tuple of str
        The recorded values the index page shows, in order.
    needs : tuple of Need
        What the enquiry must hold for the case study to run at all (:meth:`applies`);
        empty: it always applies.
    """

    name: str
    title: str
    questions: tuple[str, ...]
    params: tuple[Param, ...]
    run: str | None
    each_kind: str | None = None
    headlines: tuple[str, ...] = ()
    needs: tuple[Need, ...] = ()
    parameters: Mapping[str, str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", {p.name: p.meaning for p in self.params})

    @property
    def defaults(self) -> dict[str, Any]:
        """Parameter name -> default, as the notebook's ``parameters`` cell holds them."""
        return {p.name: p.default for p in self.params}

    def validate(self, **values: Any) -> dict[str, Any]:
        """The checked parameters: defaults for the ones not given, each value checked.

        Raises
        ------
        ConfigError
            For an unknown parameter (with the close matches) or a value its check refuses.
        """
        known = [p.name for p in self.params]
        unknown = [k for k in values if k not in known]
        if unknown:
            raise ConfigError(f"the {self.name} notebook has no parameter {unknown[0]!r}: "
                              f"{close_matches(unknown[0], known)}", key=unknown[0])
        return {p.name: p.check(values.get(p.name, p.default)) for p in self.params}

    def applies(self, enquiry: Any) -> str:
        """Why the case study cannot run on ``enquiry``, or ``""`` when it can.

        Decided from the declared :attr:`needs` before any kernel starts, so that a batch
        runs what the workspace supports and lists the rest with the reason.

        Parameters
        ----------
        enquiry : Enquiry
            An opened enquiry.

        Returns
        -------
        str
            The first missing need's sentence (e.g. ``'this enquiry has no TLC (...)'``),
            or ``""``.
        """
        return next((need.missing for need in self.needs if not need.met(enquiry)), "")

    def not_run(self, reason: str) -> str:
        """The line that lists a case study that did not run: ``"tlc_impact: not run - ..."``."""
        return f"{self.name}: not run - {reason}"

    def result(self, enquiry: Any, params: Mapping[str, Any]) -> Any:
        """The case study's :class:`~slc_research.casestudies.result.Result` on an enquiry.

        Parameters
        ----------
        enquiry : Enquiry
            An opened enquiry.
        params : mapping
            The parameters as :meth:`validate` returns them.

        Returns
        -------
        Result
            With a warning (:attr:`Result.warnings`) when the enquiry's suppression
            threshold is 3 or 4 (:func:`~slc_research.privacy.threshold.threshold_warning`).

        Raises
        ------
        ConfigError
            If the case study has no result object yet (only its notebook).
        """
        if self.run is None:
            raise ConfigError(f"the {self.name} case study has no result object yet: run its "
                              "notebook", key="notebook")
        module, _, function = self.run.partition(":")
        result = getattr(importlib.import_module(module), function)(enquiry, params)
        warning = threshold_warning(enquiry.suppression_threshold)
        if warning and warning not in result.warnings:  # every report says so, above its findings
            result = dataclasses.replace(result, warnings=(*result.warnings, warning))
        return result

    def run_notebook(self, **values: Any) -> Any:
        """Check the parameters, open the workspace and run: what a notebook's one call does.

        Raises
        ------
        ConfigError
            When the case study does not apply to the enquiry (:meth:`applies`): the same
            "not run" line ``report --all`` prints, naming the source to add.
        """
        from slc_research.charts import use_offline_renderer
        from slc_research.workspace.enquiry import Enquiry

        params = self.validate(**values)
        use_offline_renderer()
        enquiry = Enquiry.open(params["workspace"])
        why = self.applies(enquiry)
        if why:
            raise ConfigError(f"{self.not_run(why)}. Add the source named to enquiry.toml, or "
                              "open another case study's notebook.")
        return self.result(enquiry, params)
