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

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

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

__all__ = ["INTERACTIVE", "NOTEBOOKS", "NOTEBOOK_PACKAGE", "notebook_file",
           "notebook_files", "notebook_info", "notebook_path"]

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
