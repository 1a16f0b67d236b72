"""The student-led conferences case study: the reflection culture of a class over the year."""

from slc_research.casestudies.spec import WORKSPACE, CaseStudy, Param

__all__ = ["STUDY"]


def _unchecked(value):
    """The notebook still checks its own parameters (``validate_parameters``)."""
    return value


STUDY = CaseStudy(
    name='student_led_conferences',
    title='Student-led conferences and weekly reflections',
    questions=(
        'Do pupils write a reflection every week (against a target)?',
        'Do reflections deepen over the year (descriptive, explanatory, critical), scored with a rubric the teacher can edit?',
        'How does depth differ by class and phase?',
        'What did parents, pupils and staff say after the conferences?',
    ),
    params=(
        WORKSPACE,
        Param('community', '', '`""` for every conference class, or one', _unchecked),
        Param('rubric', '', '`""` for the built-in rubric, or the path of an edited rubric TOML', _unchecked),
        Param('target_per_week', 1, 'reflections expected per pupil per week (default 1)', _unchecked),
    ),
    run=None,
    each_kind=None,
    headlines=('n_classes', 'n_pupils', 'n_reflections', 'pct_weeks_meeting_target', 'depth_change'),
)
