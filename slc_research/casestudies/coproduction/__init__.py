"""The co-production pilot case study: pupils at risk of disengagement lead their own projects."""

from slc_research.casestudies.spec import WORKSPACE, CaseStudy, Param

__all__ = ["STUDY"]


def _unchecked(value):
    """The notebook still checks its own parameters (``validate_parameters``)."""
    return value


STUDY = CaseStudy(
    name='coproduction_pilot',
    title='Co-production pilot across schools',
    questions=(
        'How many pupils took part in each school, and how often did they come?',
        "What share of pupils' behaviour improved?",
        "Did fewer pupils say 'I often get into trouble' afterwards (McNemar)? Did confidence and relationships with teachers change?",
        'What is the pooled effect across schools (random effects), and how much do schools differ (heterogeneity, forest plot)?',
        'Did pupils who took part more change more?',
    ),
    params=(
        WORKSPACE,
        Param('schools', [], '`[]` for every school with a co-production group, or school names', _unchecked),
        Param('waves', [1, 2], 'the check-in waves before and after (default `[1, 2]`)', _unchecked),
        Param('method', 'REML', 'random-effects estimator: `"REML"` (default), `"DL"` or `"FE"`', _unchecked),
    ),
    run=None,
    each_kind=None,
    headlines=('n_schools', 'n_pupils', 'behaviour_relative_change', 'trouble_change', 'confident_change', 'pooled_behaviour'),
)
