"""The pupil and staff voices case study."""

from slc_research.casestudies.spec import WORKSPACE, CaseStudy, Param

__all__ = ["STUDY"]


def _unchecked(value):
    """The notebook still checks its own parameters (``validate_parameters``)."""
    return value


STUDY = CaseStudy(
    name='voices',
    title='Pupil and staff voices',
    questions=(
        'What is in the codebook, and how often is each code used, by group and term?',
        'Which codes occur together?',
        "Do two coders agree (Cohen's kappa, Krippendorff's alpha)?",
        'Which quotes illustrate each code (attributed by pseudonym and role only)?',
    ),
    params=(
        WORKSPACE,
        Param('source', '', '`""` for every kind of text, or one (e.g. `"interview"`)', _unchecked),
        Param('community', '', '`""` or one community', _unchecked),
        Param('coder', '', '`""` for the first coder, or a coder\'s name', _unchecked),
        Param('quotes_per_code', 1, 'exemplar quotes per code (default 1)', _unchecked),
    ),
    run=None,
    each_kind=None,
    headlines=('n_texts_coded', 'n_codes', 'top_codes', 'kappa_overall', 'alpha'),
)
