"""The student-led conferences case study: the reflection culture of a class over the year.

:data:`STUDY` declares the notebook's parameters once; its ``run`` (in :mod:`.study`) returns
the result. The analyses live in :mod:`.analysis`; :mod:`.groups` makes the section by class
and phase. Importing this package is light: the analyses load when the study runs.
"""

import math
from os import PathLike
from pathlib import Path
from typing import Any

from slc_research.casestudies.parameters import outcome_choice, smallest_effect, text_parameter
from slc_research.casestudies.spec import (
    WORKSPACE,
    CaseStudy,
    Need,
    Param,
    members_of,
    members_on_roster,
)
from slc_research.errors import ConfigError

__all__ = ["OUTCOMES", "STUDY"]

#: The outcomes (change from the first to the last half term), in order: the first is the
#: primary unless ``primary_outcome`` names another.
OUTCOMES = ("depth", "mean_depth", "target")


def _community(value: Any) -> str:
    return text_parameter(value, "community",
                          expected='a class\'s community name in quotes, or "" for every '
                                   'conference class')


def _rubric(value: Any) -> Path | None:
    """``""`` (or None) for the default rubric, else the path as given.

    Whether the file exists is checked when the study runs
    (:func:`~slc_research.casestudies.conferences.analysis.rubric_file`): a relative path
    starts from the enquiry folder, which this check does not see.
    """
    if value is None:
        value = ""
    if not isinstance(value, str | PathLike):
        raise ConfigError(f"expected \"\" (the default rubric) or the path of a rubric file; "
                          f"found {value!r}", key="rubric")
    return Path(value).expanduser() if str(value).strip() else None


def _target_per_week(value: Any) -> float:
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value) or not 0 < value <= 7):
        raise ConfigError(f"expected a number of reflections per week above 0 and at most 7, "
                          f"e.g. 1; found {value!r}", key="target_per_week")
    return float(value)


def _has_reflections(enquiry: Any) -> bool:
    """Whether the enquiry holds any weekly reflection (a text whose source is "reflection")."""
    texts = enquiry.texts
    return bool(len(texts)) and bool((texts["source"].astype("string") == "reflection").any())


STUDY = CaseStudy(
    name="student_led_conferences",
    title="Student-led conferences and weekly reflections",
    questions=(
        "Do pupils write a reflection every week (against a target)?",
        "Do reflections deepen over the year (descriptive, explanatory or forward-looking, "
        "dialogic or critical), scored with a keyword heuristic the teacher can edit?",
        "How does depth differ by class and phase?",
        "What did parents, pupils and staff say after the conferences?",
        "Which outcome was declared primary, and which secondary outcomes hold after Holm's "
        "adjustment? Can the data rule out a change that matters (equivalence test)?",
    ),
    params=(
        WORKSPACE,
        Param("community", "", '`""` for every conference class, or one', _community),
        Param("rubric", "", '`""` for the built-in rubric, or the path of an edited rubric TOML',
              _rubric),
        Param("target_per_week", 1, "reflections expected per pupil per week (default 1)",
              _target_per_week),
        Param("primary_outcome", "", '`""` for the share of deep reflections, or the outcome '
              'declared primary before looking at the results: `"depth"`, `"mean_depth"` or '
              '`"target"`', lambda v: outcome_choice(v, OUTCOMES)),
        Param("smallest_effect", 0.2, "the smallest effect that matters, in standard "
              "deviations, for the equivalence test (default `0.2`)", smallest_effect),
    ),
    run="slc_research.casestudies.conferences.study:run",
    each_kind=None,
    needs=(members_of("slc_conference", "this enquiry has no student-led conference class (no "
                      'memberships source with community_kind = "slc_conference" lists its '
                      "pupils)"),
           members_on_roster("slc_conference", "student-led conference class"),
           Need('this enquiry has no weekly reflections (no texts source with text_source = '
                '"reflection")', _has_reflections)),
    headlines=("n_classes", "n_pupils", "n_reflections", "pct_weeks_meeting_target",
               "depth_change"),
)
