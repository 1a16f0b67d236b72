"""The data-health case study: what was read, repaired and left out, and survey response.

:data:`STUDY` declares the notebook's parameters once; its ``run`` (in :mod:`.study`) returns
the result. The parts live in :mod:`.summary` (per source: rows read and left out,
completeness, loader notes; also what ``slc-research check`` prints), :mod:`.analysis`
(duplicates, plausibility) and :mod:`.survey_response` (response rates and attrition).
Importing this package is light: the analyses load when the study runs.
"""

from slc_research.casestudies.parameters import text_parameter
from slc_research.casestudies.spec import WORKSPACE, CaseStudy, Param

__all__ = ["STUDY"]


STUDY = CaseStudy(
    name="data_health",
    title="Data health",
    questions=(
        "How complete is each source?",
        "Are there duplicates?",
        "What was the survey response rate, and who dropped out between waves?",
        "Which values are out of range or implausible?",
        "What did the loaders repair, and what did they leave out?",
    ),
    params=(
        WORKSPACE,
        Param("school", "", '`""` for every school, or one',
              lambda v: text_parameter(v, "school",
                                       expected="a school's name in quotes, or \"\" for every "
                                                "school")),
    ),
    run="slc_research.casestudies.data_health.study:run",
    each_kind=None,
    headlines=("n_sources", "rows_read", "rows_left_out", "n_repairs", "attrition_pct"),
)
