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

Its parts: what a batch is (:mod:`~slc_research.report.batch_spec`: the classes, and the
rules of selectors and name templates), reading a batch file or a ``-p key=value``
(:mod:`~slc_research.report.batch_file`), and expanding a batch into the reports to run
(:mod:`~slc_research.report.batch_plan`). This module names what callers import from them.
"""

from __future__ import annotations

from slc_research.report.batch_file import parse_parameter, read_batch
from slc_research.report.batch_plan import expand_batch, slug
from slc_research.report.batch_spec import (
    AUDIENCES,
    SELECTOR_KEYS,
    Batch,
    BatchEntry,
    PlannedReport,
    batch_of_one,
)

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
