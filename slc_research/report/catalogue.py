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

from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from slc_research.errors import ConfigError

__all__ = ["INTERACTIVE", "NOTEBOOKS", "NOTEBOOK_PACKAGE", "NotebookInfo", "notebook_file",
           "notebook_files", "notebook_info", "notebook_path"]

#: The package that holds the notebooks: the top-level ``notebooks/`` folder, mapped into
#: ``slc_research`` at build time.
NOTEBOOK_PACKAGE = "slc_research.notebooks"


def notebook_file(filename: str) -> Path:
    """The path of one of the package's notebooks, e.g. ``notebook_file("slc_impact.ipynb")``
    (it may not exist: check with ``.is_file()``)."""
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


@dataclass(frozen=True)
class NotebookInfo:
    """One case-study notebook.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"slc_impact"``.
    title : str
        What the report is, in the teacher's words.
    questions : tuple of str
        The questions it answers.
    parameters : dict
        Parameter name -> what it means and its default.
    each_kind : str or None
        With ``--each-community``: one report per community of this kind
        (its ``community`` parameter set); None for trust-level only.
    headlines : tuple of str
        The recorded results the index page shows, in order (the notebook
        records more, for tests and cross-report summaries).
    """

    name: str
    title: str
    questions: tuple[str, ...]
    parameters: dict[str, str] = field(default_factory=dict)
    each_kind: str | None = None
    headlines: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        """The notebook file."""
        return notebook_file(f"{self.name}.ipynb")


_WORKSPACE = "the enquiry folder holding enquiry.toml (default `../data/demo`)"

NOTEBOOKS: dict[str, NotebookInfo] = {n.name: n for n in (
    NotebookInfo(
        "slc_impact", "Student learning community impact",
        ("Who volunteered, and how do they differ from their year groups?",
         "How often did members come to meetings, in which roles?",
         "Did members' engagement, metacognition and relationships with teachers change more "
         "than other pupils' (Hedges' g, ANCOVA, difference in differences)?",
         "Did members who came to more meetings change more (dose-response)?",
         "What happened for disadvantaged (pupil premium) members?",
         "Attendance and behaviour before and after; what members said in interviews.",
         "How strong is the evidence, and what is the smallest effect the enquiry could see?"),
        {"workspace": _WORKSPACE,
         "community": '`""` for every SLC, or one community name',
         "scales": "`[]` for every pupil questionnaire scale, or names",
         "waves": "the questionnaire waves before and after (default `[1, 2]`)",
         "comparison": '`"non_members"` (default) or `"none"`'},
        each_kind="slc",
        headlines=("members", "engagement_g", "metacognition_g", "relationships_g",
                   "attendance_g", "behaviour_g", "strength_of_evidence")),
    NotebookInfo(
        "tlc_impact", "Teacher learning communities",
        ("Who joins the TLCs (departments, experience, roles from senior leaders to ECTs)?",
         "What share of teaching staff takes part each year, and is it growing?",
         "How well attended are the half-termly meetings?",
         "Does the action-planning cycle work: plans made, tried, and what was learned?",
         "Which strategies did teachers try?",
         "What does the end-of-year staff survey say, and is the scale reliable?",
         "What themes run through staff's open comments?"),
        {"workspace": _WORKSPACE,
         "school": '`""` for every school, or one school',
         "community": '`""` for every TLC, or one TLC',
         "scale": 'the staff survey scale (default `"tlc_impact"`)'},
        headlines=("n_members", "share_teaching_staff", "pct_plans_tried", "top_strategies",
                   "tlc_alpha")),
    NotebookInfo(
        "student_led_conferences", "Student-led conferences and weekly reflections",
        ("Do pupils write a reflection every week (against a target)?",
         "Do reflections deepen over the year (descriptive, explanatory, critical), scored "
         "with a rubric the teacher can edit?",
         "How does depth differ by class and phase?",
         "What did parents, pupils and staff say after the conferences?"),
        {"workspace": _WORKSPACE,
         "community": '`""` for every conference class, or one',
         "rubric": '`""` for the built-in rubric, or the path of an edited rubric TOML',
         "target_per_week": "reflections expected per pupil per week (default 1)"},
        headlines=("n_classes", "n_pupils", "n_reflections", "pct_weeks_meeting_target",
                   "depth_change")),
    NotebookInfo(
        "coproduction_pilot", "Co-production pilot across schools",
        ("How many pupils took part in each school, and how often did they come?",
         "What share of pupils' behaviour improved?",
         "Did fewer pupils say 'I often get into trouble' afterwards (McNemar)? Did "
         "confidence and relationships with teachers change?",
         "What is the pooled effect across schools (random effects), and how much do "
         "schools differ (heterogeneity, forest plot)?",
         "Did pupils who took part more change more?"),
        {"workspace": _WORKSPACE,
         "schools": "`[]` for every school with a co-production group, or school names",
         "waves": "the check-in waves before and after (default `[1, 2]`)",
         "method": 'random-effects estimator: `"REML"` (default), `"DL"` or `"FE"`'},
        headlines=("n_schools", "n_pupils", "behaviour_relative_change", "trouble_change",
                   "confident_change", "pooled_behaviour")),
    NotebookInfo(
        "voices", "Pupil and staff voices",
        ("What is in the codebook, and how often is each code used, by group and term?",
         "Which codes occur together?",
         "Do two coders agree (Cohen's kappa, Krippendorff's alpha)?",
         "Which quotes illustrate each code (attributed by pseudonym and role only)?"),
        {"workspace": _WORKSPACE,
         "source": '`""` for every kind of text, or one (e.g. `"interview"`)',
         "community": '`""` or one community',
         "coder": '`""` for the first coder, or a coder\'s name',
         "quotes_per_code": "exemplar quotes per code (default 1)"},
        headlines=("n_texts_coded", "n_codes", "top_codes", "kappa_overall", "alpha")),
    NotebookInfo(
        "data_health", "Data health",
        ("How complete is each source?", "Are there duplicates?",
         "What was the survey response rate, and who dropped out between waves?",
         "Which values are out of range or implausible?",
         "What did the loaders repair, and what did they leave out?"),
        {"workspace": _WORKSPACE, "school": '`""` for every school, or one'},
        headlines=("n_sources", "rows_read", "rows_left_out", "n_repairs", "attrition_pct")),
)}


#: The interactive notebooks (widgets, opened in JupyterLab; not run as reports):
#: file stem -> what it is for.
INTERACTIVE: dict[str, str] = {
    "explore": "widgets to explore an enquiry: the explorer, the effect-size calculator, "
               "the coder and the column mapper",
}


def notebook_info(name: str) -> NotebookInfo:
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
    info = notebook_info(str(name).removesuffix(".ipynb"))
    if not info.path.is_file():
        raise ConfigError(f"the notebook file {info.path} is missing: is this a complete copy "
                          "of slc-research?", key="notebook")
    return info.path
