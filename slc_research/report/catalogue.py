"""The case-study notebooks: what each answers, its parameters, and where it lives.

``slc-research report --all`` runs every notebook listed here; the README's
table of notebooks is checked against this list by a test, so the two cannot
drift apart. The other notebooks in ``notebooks/`` are for exploring in
JupyterLab (:data:`INTERACTIVE`): they are not reports, and asking for one by
name as a report is a clear error.

The notebooks stay in the repository's top-level ``notebooks/`` folder; the
build maps that folder into the package as :data:`NOTEBOOK_PACKAGE` (see
``setup.py``), so an installed wheel carries them and an editable install
points at the checkout's folder. They are found with ``importlib.resources``
either way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from slc_research.casestudies import (
    conferences,
    coproduction,
    data_health,
    slc_impact,
    tlc,
    voices,
)
from slc_research.casestudies.spec import CaseStudy
from slc_research.errors import ConfigError

__all__ = ["HEADLINES", "INTERACTIVE", "NOTEBOOKS", "NOTEBOOK_PACKAGE", "headline_label",
           "headline_text", "notebook_file", "notebook_files", "notebook_info", "notebook_path"]

#: The package that holds the notebooks: the top-level ``notebooks/`` folder, mapped into
#: ``slc_research`` at build time.
NOTEBOOK_PACKAGE = "slc_research.notebooks"


def notebook_file(filename: str) -> Path:
    """The path of one of the package's notebooks, e.g. ``notebook_file("slc_impact.ipynb")``.

    It may not exist: check with ``.is_file()``.
    """
    return _real_path(_notebook_folder().joinpath(filename))


def notebook_files() -> list[Path]:
    """Every notebook (``*.ipynb``) the package has, case studies and interactive ones."""
    return sorted(_real_path(entry) for entry in _notebook_folder().iterdir()
                  if entry.name.endswith(".ipynb") and entry.is_file())


def _notebook_folder() -> Traversable:
    try:
        return resources.files(NOTEBOOK_PACKAGE)
    except ModuleNotFoundError:  # the package is run from a checkout without installing it
        return Path(__file__).resolve().parents[2] / "notebooks"


def _real_path(entry: Traversable) -> Path:
    """``entry`` as a file on disk (Papermill and JupyterLab read notebooks from disk)."""
    if isinstance(entry, Path):  # pip unpacks a wheel, so this is the case of every install
        return entry
    raise ConfigError(f"the notebook {entry.name} is inside an archive ({entry!r}); install "
                      "slc-research with pip so that its notebooks are files on disk",
                      key="notebook")


NOTEBOOKS: dict[str, CaseStudy] = {s.name: s for s in (
    slc_impact.STUDY, tlc.STUDY, conferences.STUDY, coproduction.STUDY, voices.STUDY,
    data_health.STUDY)}


#: The interactive notebooks (widgets, opened in JupyterLab; not run as reports):
#: file stem -> what it is for.
INTERACTIVE: dict[str, str] = {
    "explore": "widgets to explore an enquiry: the explorer, the effect-size calculator, "
               "the coder and the column mapper",
}


def notebook_info(name: str) -> CaseStudy:
    """The catalogue entry of ``name`` (a notebook's stem)."""
    key = Path(name).stem
    if key in INTERACTIVE:
        raise ConfigError(f"{name!r} is an interactive notebook ({INTERACTIVE[key]}), not a "
                          f"report: open notebooks/{key}.ipynb in JupyterLab (`make lab`) and "
                          "run all cells", key="notebook")
    if key not in NOTEBOOKS:
        raise ConfigError(f"no case-study notebook called {name!r}. Known: "
                          f"{', '.join(NOTEBOOKS)}, or give the path of a .ipynb file.",
                          key="notebook")
    return NOTEBOOKS[key]


def notebook_path(name: str | Path) -> Path:
    """A notebook's file from a catalogue name (``"tlc_impact"``) or a ``.ipynb`` path."""
    candidate = Path(name)
    if candidate.suffix == ".ipynb" and candidate.is_file():
        return candidate.resolve()
    path = notebook_file(f"{notebook_info(str(name).removesuffix('.ipynb')).name}.ipynb")
    if not path.is_file():
        raise ConfigError(f"the notebook file {path} is missing: is this a complete copy "
                          "of slc-research?", key="notebook")
    return path


#: A recorded headline's label for people, and how its value reads: ``"count"``,
#: ``"standard"`` (a difference on the standard scale), ``"percent"`` (0-100),
#: ``"proportion"`` (0-1, read as percentage points), ``"percentage points"`` (a change of a
#: share, already in points), ``"points"``, ``"agreement"`` (0-1,
#: 1 is full agreement), ``"rating"`` (the strength of evidence) or ``"text"``.
HEADLINES: Mapping[str, tuple[str, str]] = {
    "members": ("Pupils who were members", "count"),
    "engagement_g": ("Engagement in lessons, members against other pupils", "standard"),
    "metacognition_g": ("Metacognition, members against other pupils", "standard"),
    "relationships_g": ("Relationships with teachers, members against other pupils",
                        "standard"),
    "attendance_g": ("Attendance, members against other pupils", "standard"),
    "behaviour_g": ("Behaviour points, members against other pupils", "standard"),
    "strength_of_evidence": ("Strength of evidence", "rating"),
    "n_members": ("Staff who were members", "count"),
    "share_teaching_staff": ("Share of teaching staff who were members", "percent"),
    "pct_plans_tried": ("Plans tried in full or in part", "percent"),
    "top_strategies": ("Strategies planned most often", "text"),
    "tlc_alpha": ("How well the staff survey's questions hang together", "agreement"),
    "n_classes": ("Classes", "count"),
    "n_pupils": ("Pupils", "count"),
    "n_reflections": ("Reflections written", "count"),
    "pct_weeks_meeting_target": ("Weeks with a reflection written (target: every week)",
                                 "percent"),
    "depth_change": ("Rise in the share of deeper reflections, first to last half term",
                     "proportion"),
    "n_schools": ("Schools", "count"),
    "behaviour_vs_comparison": ("Change in bad behaviour points a week, against similar "
                                "pupils", "points"),
    "trouble_change": ("Change in the share who say they often get into trouble",
                       "percentage points"),
    "confident_change": ("Change in the share who feel confident about speaking up",
                         "percentage points"),
    "pooled_behaviour": ("Change in bad behaviour, all schools together", "standard"),
    "n_sources": ("Files read", "count"),
    "rows_read": ("Rows read", "count"),
    "rows_left_out": ("Rows left out", "count"),
    "n_repairs": ("Values repaired", "count"),
    "attrition_pct": ("Share who answered the first questionnaire but not the second",
                      "percent"),
    "n_texts_coded": ("Texts coded", "count"),
    "n_codes": ("Codes used", "count"),
    "top_codes": ("Codes given most often", "text"),
    "kappa_overall": ("Agreement of two coders (kappa)", "agreement"),
    "alpha": ("Agreement of two coders (Krippendorff's alpha)", "agreement"),
}

#: What a rating "x of 5" means, said wherever one is shown.
RATING_MEANS = ("where 5 is the strongest: how far the design, the number of pupils and the "
                "pupils lost let us trust the result")


def headline_label(key: str) -> str:
    """A recorded headline's label for people (its words when the catalogue has none)."""
    if key in HEADLINES:
        return HEADLINES[key][0]
    words = str(key).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def headline_text(key: str, value: Any) -> str:
    """A recorded headline's value as people read it, e.g. ``"0.43 (0.23 to 0.62)"``.

    An estimate reads as its value with its 95% interval in brackets and whom it is based
    on ("70 members against 1,527 other pupils", or "based on 512"); a share in per cent; a
    rating with what it means; a value per year or wave as "2024-25: 25%; 2025-26: 42%".
    """
    kind = HEADLINES.get(key, ("", ""))[1]
    return _text(value, kind)


def _text(value: Any, kind: str) -> str:
    from slc_research.casestudies.glance import number  # imports pandas: not at start-up

    if _is_estimate(value):
        if _missing(value.get("estimate")):
            return "\u2013"  # withheld or not estimated, as the summary's key says
        unit, scale = {"percent": ("%", 1.0), "proportion": (" points", 100.0),
                       "percentage points": (" points", 1.0)}.get(kind, ("", 1.0))
        places = 0 if kind in ("percent", "proportion", "percentage points") else 2
        text = number(value["estimate"] * scale, places) + unit
        lo, hi = value.get("ci_low"), value.get("ci_high")
        if not _missing(lo) and not _missing(hi):
            end = "%" if kind == "percent" else ""
            text += (f" ({number(lo * scale, places)}{end} to "
                     f"{number(hi * scale, places)}{end})")
        return text + _based_on(value)
    if isinstance(value, Mapping):
        return "; ".join(f"{str(k).replace('_', ' ')}: {_text(v, kind)}"
                         for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_text(v, "text") for v in value)
    if value is None or _missing(value):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return number(value, 0 if kind == "percent" else 2) + ("%" if kind == "percent" else "")
    if kind == "rating":
        return f"{value}, {RATING_MEANS}"
    return str(value).replace("_", " ")


def _based_on(value: Mapping[str, Any]) -> str:
    n1, n2 = value.get("n1"), value.get("n2")
    if isinstance(n1, int) and isinstance(n2, int) and n1 and n2:
        return f", {n1:,} members against {n2:,} others"
    n = value.get("n")
    return f", based on {n:,}" if isinstance(n, int) and n else ""


def _is_estimate(value: Any) -> bool:
    return isinstance(value, Mapping) and {"estimate", "ci_low", "ci_high"} <= set(value)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
