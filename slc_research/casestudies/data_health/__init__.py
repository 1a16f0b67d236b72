"""The data-health case study: what was read, repaired and left out, and survey response."""

from slc_research.casestudies.spec import WORKSPACE, CaseStudy, Param

__all__ = ["STUDY"]


def _unchecked(value):
    """The notebook still checks its own parameters (``validate_parameters``)."""
    return value


STUDY = CaseStudy(
    name='data_health',
    title='Data health',
    questions=(
        'How complete is each source?',
        'Are there duplicates?',
        'What was the survey response rate, and who dropped out between waves?',
        'Which values are out of range or implausible?',
        'What did the loaders repair, and what did they leave out?',
    ),
    params=(
        WORKSPACE,
        Param('school', '', '`""` for every school, or one', _unchecked),
    ),
    run=None,
    each_kind=None,
    headlines=('n_sources', 'rows_read', 'rows_left_out', 'n_repairs', 'attrition_pct'),
)
