"""The pupil and staff voices case study: codes, how often, together, agreement and quotes.

:data:`STUDY` declares the notebook's parameters once; its ``run`` (in :mod:`.study`) returns
the result. The analyses themselves are :mod:`slc_research.qual`'s. Importing this package is
light: the analyses load when the study runs.
"""

from numbers import Integral
from typing import Any

from slc_research.casestudies.parameters import text_parameter
from slc_research.casestudies.spec import WORKSPACE, CaseStudy, Param, rows_in
from slc_research.errors import ConfigError

__all__ = ["STUDY"]


def _text(name: str, example: str) -> Any:
    """The check of a text parameter: ``""`` for all, else one value (stripped)."""
    expected = f'text in quotes, e.g. "{example}", or "" for all'
    return lambda value: text_parameter(value, name, expected=expected)


def _quotes_per_code(value: Any) -> int:
    if (isinstance(value, bool) or not isinstance(value, Integral)
            or not 1 <= value <= 5):
        raise ConfigError(f"expected a whole number of quotes per code from 1 to 5; found "
                          f"{value!r}", key="quotes_per_code")
    return int(value)


STUDY = CaseStudy(
    name="voices",
    title="Pupil and staff voices",
    questions=(
        "What is in the codebook, and how often is each code used, by group and term?",
        "Which codes occur together?",
        "Do two coders agree (Cohen's kappa, Krippendorff's alpha)?",
        "Which quotes illustrate each code (attributed by pseudonym and role only)?",
    ),
    params=(
        WORKSPACE,
        Param("source", "", '`""` for every kind of text, or one (e.g. `"interview"`)',
              _text("source", "interview")),
        Param("community", "", '`""` or one community',
              _text("community", "a community's name")),
        Param("coder", "", '`""` for the first coder, or a coder\'s name', _text("coder", "A")),
        Param("quotes_per_code", 1, "exemplar quotes per code (default 1)", _quotes_per_code),
    ),
    run="slc_research.casestudies.voices.study:run",
    each_kind=None,
    needs=(rows_in("texts", "this enquiry has no texts (no texts source: interviews, reflections "
                   "or open comments)"),
           rows_in("codings", "none of its texts is coded yet (no codings source, and no "
                   "REFI-QDA project with codings)")),
    headlines=("n_texts_coded", "n_codes", "top_codes", "kappa_overall", "alpha"),
)
