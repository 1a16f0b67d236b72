"""The co-production pilot case study: pupils at risk of disengagement lead their own projects.

:data:`STUDY` declares the notebook's parameters once; its ``run`` (in :mod:`.study`) returns
the result. The analyses live in :mod:`.pilot` (who took part, participation, outcomes by
level of participation), :mod:`.outcomes` (behaviour, yes/no questions, a scale),
:mod:`.comparison` (non-participants chosen by the same baseline rule: regression to the
mean), :mod:`.pooling` (pooling the schools) and :mod:`.sections` (the comparison, pooling
and forest sections). Importing this package is light: the
analyses load when the study runs.
"""

from typing import Any

from slc_research.casestudies.parameters import (
    name_list,
    outcome_choice,
    smallest_effect,
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

__all__ = ["METHODS", "OUTCOMES", "STUDY"]

#: Allowed values of the ``method`` parameter (see :func:`~slc_research.stats.meta_analysis`).
METHODS = ("REML", "DL", "FE")
#: The outcomes, in order: the first is the primary unless ``primary_outcome`` names another.
OUTCOMES = ("behaviour", "trouble", "confident", "relationships")


def _schools(value: Any) -> tuple[str, ...]:
    return name_list(value, "schools", noun="school", example='["Riverside School"]')


def _method(value: Any) -> str:
    if value not in METHODS:
        raise ConfigError(f"expected \"REML\" (random effects, the default), \"DL\" "
                          f"(random effects, DerSimonian-Laird) or \"FE\" (fixed effect); "
                          f"found {value!r}", key="method")
    return value


STUDY = CaseStudy(
    name="coproduction_pilot",
    title="Co-production pilot",
    questions=(
        "How many pupils took part in each school, and how often did they come?",
        "What share of pupils' behaviour improved?",
        "How did their change compare with that of similar pupils who did not take part "
        "(chosen by the same rule: regression to the mean)?",
        "Did fewer pupils say 'I often get into trouble' afterwards (McNemar)? Did confidence "
        "and relationships with teachers change?",
        "What is the pooled effect across schools (random effects), and how much do schools "
        "differ (heterogeneity, forest plot)?",
        "Did pupils who took part more change more?",
        "Which outcome was declared primary, and which secondary outcomes hold after Holm's "
        "adjustment? Can the data rule out an effect that matters (equivalence test)?",
    ),
    params=(
        WORKSPACE,
        Param("schools", [], "`[]` for every school with a co-production group, or school names",
              _schools),
        Param("waves", [1, 2], "the check-in waves before and after (default `[1, 2]`)",
              wave_pair),
        Param("method", "REML", 'random-effects estimator: `"REML"` (default), `"DL"` or `"FE"`',
              _method),
        Param("primary_outcome", "", '`""` for behaviour, or the outcome declared primary before '
              'looking at the results: `"behaviour"`, `"trouble"`, `"confident"` or '
              '`"relationships"`', lambda v: outcome_choice(v, OUTCOMES)),
        Param("smallest_effect", 0.2, "the smallest effect that matters, in standard "
              "deviations, for the equivalence test (default `0.2`)", smallest_effect),
    ),
    run="slc_research.casestudies.coproduction.study:run",
    each_kind=None,
    needs=(members_of("coproduction", "this enquiry has no co-production group (no memberships "
                      'source with community_kind = "coproduction" lists its pupils)'),
           members_on_roster("coproduction", "co-production group")),
    headlines=("n_schools", "n_pupils", "behaviour_vs_comparison", "trouble_change",
               "confident_change", "pooled_behaviour"),
)
