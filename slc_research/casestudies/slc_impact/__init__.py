"""The SLC impact case study: who took part, how often, and what changed.

:data:`STUDY` declares the notebook's parameters once; its ``run`` (in :mod:`.study`) returns
the result. The analyses live in :mod:`.impact` (members and communities),
:mod:`.representativeness`, :mod:`.outcomes` (with the shape of every comparison in
:mod:`.change`), :mod:`.adjusted` and :mod:`.second_looks` (second looks), :mod:`.matched`
(members against similar non-members), :mod:`.schools` (pupils of several schools compared
within their own school), :mod:`.scale_reliability`, :mod:`.design` and :mod:`.timing` (when
the "before" measurements were taken), :mod:`.differencing` (counts two tables would give away)
and :mod:`.tables`. Importing this package is light: the analyses load when the study runs.
"""

from typing import Any

from slc_research.casestudies.parameters import (
    name_list,
    smallest_effect,
    text_parameter,
    wave_pair,
)
from slc_research.casestudies.spec import (
    WORKSPACE,
    CaseStudy,
    Param,
    members_of,
    members_on_roster,
)
from slc_research.errors import ConfigError

__all__ = ["COMPARISONS", "STUDY"]

#: Allowed values of the ``comparison`` parameter.
COMPARISONS = ("non_members", "none")


def _comparison(value: Any) -> str:
    if value not in COMPARISONS:
        raise ConfigError(f"expected \"non_members\" (compare with other pupils in the same "
                          f"year groups) or \"none\"; found {value!r}", key="comparison")
    return value


def _smallest_effect(value: Any) -> float:
    return smallest_effect(value)


STUDY = CaseStudy(
    name="slc_impact",
    title="Student learning community impact",
    questions=(
        "Who volunteered, and how do they differ from their year groups?",
        "How often did members come to meetings, in which roles?",
        "Compared with similar non-members (matched on starting score, school, year group, "
        "pupil premium, SEN, gender and prior attainment), how much more did members change?",
        "Did members' engagement, metacognition and relationships with teachers change more "
        "than other pupils' (d_ppc2 on the declared primary outcome, Holm-adjusted "
        "secondaries; difference in differences and ANCOVA side by side)?",
        "Did members who came to more meetings change more (dose-response)?",
        "How reliable is each questionnaire scale at each wave (Cronbach's alpha)?",
        "What happened for disadvantaged (pupil premium) members?",
        "Attendance and behaviour before and after; what members said in interviews.",
        "How strong is the evidence, and what is the smallest effect the enquiry could see?"),
    params=(
        WORKSPACE,
        Param("community", "", '`""` for every SLC, or one community name',
              lambda v: text_parameter(v, "community",
                                       expected='a community name in quotes, or "" for every '
                                                'SLC')),
        Param("scales", [], "`[]` for every pupil questionnaire scale, or names",
              lambda v: name_list(v, "scales", noun="scale", example='["engagement"]')),
        Param("waves", [1, 2], "the questionnaire waves before and after (default `[1, 2]`)",
              wave_pair),
        Param("comparison", "non_members", '`"non_members"` (default) or `"none"`',
              _comparison),
        Param("primary_outcome", "", '`""` for the first scale, or the scale declared as the '
              'primary outcome before looking at the results',
              lambda v: text_parameter(v, "primary_outcome",
                                       expected='a scale name in quotes, or "" for the first '
                                                'scale')),
        Param("smallest_effect", 0.2, "the smallest effect that matters, in standard "
              "deviations, for the equivalence test (default `0.2`)", _smallest_effect),
    ),
    run="slc_research.casestudies.slc_impact.study:run",
    each_kind="slc",
    needs=(members_of("slc", "this enquiry has no SLC (no memberships source with "
                                 'community_kind = "slc" lists its pupils)'),
           members_on_roster("slc", "SLC")),
    headlines=("members", "engagement_g", "metacognition_g", "relationships_g",
               "attendance_g", "behaviour_g", "strength_of_evidence"),
)
