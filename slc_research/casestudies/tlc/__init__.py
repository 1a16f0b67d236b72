"""The TLC impact case study: who joined, how often they met, what they tried.

:data:`STUDY` declares the notebook's parameters once; its ``run`` (in :mod:`.study`) returns
the result. The analyses live in :mod:`.impact` (who takes part, how many, meetings),
:mod:`.action_plans` (the action-planning cycle) and :mod:`.staff_survey` (the staff
survey, read at its latest wave); :mod:`.survey_sections` makes the survey's sections.
Importing this package is light: the analyses load when the study runs.
"""

from typing import Any

from slc_research.casestudies.parameters import smallest_effect, text_parameter
from slc_research.casestudies.spec import WORKSPACE, CaseStudy, Param, members_of

__all__ = ["STUDY"]

_A_NAME = 'a name in quotes (or "")'


def _school(value: Any) -> str:
    return text_parameter(value, "school", expected=_A_NAME)


def _community(value: Any) -> str:
    return text_parameter(value, "community", expected=_A_NAME)


def _scale(value: Any) -> str:
    return text_parameter(value, "scale", expected=_A_NAME)


STUDY = CaseStudy(
    name="tlc_impact",
    title="Teacher learning communities",
    questions=(
        "Who joins the TLCs (departments, experience, roles from senior leaders to ECTs)?",
        "What share of teaching staff takes part each year, and is it growing?",
        "How well attended are the half-termly meetings?",
        "Does the action-planning cycle work: plans made, tried, and what was learned?",
        "Which strategies did teachers try?",
        "What does the end-of-year staff survey say, and is the scale reliable?",
        "What themes run through staff's open comments?",
        "How far from neutral is staff's view on the declared primary scale, and can the data "
        "rule out a view that matters (equivalence test)?",
    ),
    params=(
        WORKSPACE,
        Param("school", "", '`""` for every school, or one school', _school),
        Param("community", "", '`""` for every TLC, or one TLC', _community),
        Param("scale", "tlc_impact", 'the staff survey scale, declared as the primary outcome '
              '(default `"tlc_impact"`); other scales of the same survey are secondary', _scale),
        Param("smallest_effect", 0.2, "the smallest effect that matters, in standard "
              "deviations, for the equivalence test (default `0.2`)", smallest_effect),
    ),
    run="slc_research.casestudies.tlc.study:run",
    each_kind=None,
    needs=(members_of("tlc", "this enquiry has no TLC (no memberships source with "
                                'community_kind = "tlc" lists its teachers)'),),
    headlines=("n_members", "share_teaching_staff", "pct_plans_tried", "top_strategies",
               "tlc_alpha"),
)
