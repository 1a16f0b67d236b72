"""The TLC impact case study: who joined, how often they met, what they tried."""

from slc_research.casestudies.spec import WORKSPACE, CaseStudy, Param

__all__ = ["STUDY"]


def _unchecked(value):
    """The notebook still checks its own parameters (``validate_parameters``)."""
    return value


STUDY = CaseStudy(
    name='tlc_impact',
    title='Teacher learning communities',
    questions=(
        'Who joins the TLCs (departments, experience, roles from senior leaders to ECTs)?',
        'What share of teaching staff takes part each year, and is it growing?',
        'How well attended are the half-termly meetings?',
        'Does the action-planning cycle work: plans made, tried, and what was learned?',
        'Which strategies did teachers try?',
        'What does the end-of-year staff survey say, and is the scale reliable?',
        "What themes run through staff's open comments?",
    ),
    params=(
        WORKSPACE,
        Param('school', '', '`""` for every school, or one school', _unchecked),
        Param('community', '', '`""` for every TLC, or one TLC', _unchecked),
        Param('scale', 'tlc_impact', 'the staff survey scale (default `"tlc_impact"`)', _unchecked),
    ),
    run=None,
    each_kind=None,
    headlines=('n_members', 'share_teaching_staff', 'pct_plans_tried', 'top_strategies', 'tlc_alpha'),
)
