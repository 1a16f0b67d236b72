"""How far can this comparison be trusted? A strength of evidence after the EEF's padlocks.

:func:`strength_of_evidence` rates a comparison the way the EEF rates the
security of its findings (EEF, 2019): the design, the minimum detectable
effect size (MDES) of the pupils actually analysed and the attrition are each
rated from 0 to 5; the **lowest** of the three is the starting rating; it is
then lowered, once, for imbalance between the groups at the start and for
threats to validity (here: differential attrition). It is written in the
spirit of the EEF's security rating and is **not** an EEF rating: the EEF
awards those to its own independent evaluations only.

The rule table (EEF, 2019, "Classifying the security of EEF findings"):

======  ======================================================  ==========  =========
rating  design                                                  MDES (SD)   attrition
======  ======================================================  ==========  =========
5       randomised (``"randomised"``)                           <= 0.20     <= 10%
4       allows for unmeasured differences: regression           0.21-0.29   11-20%
        discontinuity, difference in differences with parallel
        earlier trends (``"natural_experiment"``)
3       allows for every measured driver of who took part:      0.30-0.39   21-30%
        matching or regression on them (``"matched"``)
2       allows for some relevant differences only, e.g. the     0.40-0.49   31-40%
        baseline score (``"baseline_adjusted"``)
1       a comparison that ignores how the groups differ         0.50-0.59   41-50%
        (``"unadjusted"``)
0       no comparison group (``"no_comparison"``)               >= 0.60     > 50%
======  ======================================================  ==========  =========

Then, applied once each and never to the design rating itself:

- imbalance at the start, on the pupils analysed (after any matching): a
  standardised difference above 0.05 SD lowers the rating by 1, above 0.10 SD
  by 2; not known, 1 (0 for a randomised design). A matched design is not
  lowered again for the differences its matching removed: give the difference
  that remains after matching;
- differential attrition (a threat to validity): when the share lost differs
  between the groups by more than 5 percentage points (e.g. members 4%,
  others 19%), the rating is lowered by 1.

The MDES is that of the pupils analysed (answered both waves), never the
cohort, at 80% power and two-sided α = .05 (:func:`~slc_research.stats.power.mdes`);
MDES and attrition are read at two decimal places, as the EEF's bands are written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from slc_research.errors import StatsError
from slc_research.stats.inputs import finite_number, whole_number
from slc_research.stats.power import mdes
from slc_research.stats.results import ResultMixin

__all__ = ["DESIGNS", "LEVEL_LABELS", "EvidenceStrength", "strength_of_evidence"]

#: Words for each level, 0-5.
LEVEL_LABELS = ("very low", "low", "limited", "moderate", "good", "high")

#: Design kind -> (rating, how the explanation names it).
DESIGNS: dict[str, tuple[int, str]] = {
    "randomised": (5, "pupils allocated to the groups at random"),
    "natural_experiment": (4, "a comparison that allows for unmeasured differences"),
    "matched": (3, "comparison pupils matched on what drives who took part"),
    "baseline_adjusted": (2, "volunteers compared with others, allowing for their "
                             "starting scores only"),
    "unadjusted": (1, "volunteers compared with others without allowing for how they differ"),
    "no_comparison": (0, "no comparison group"),
}

#: (largest MDES, rating) and (largest attrition, rating), EEF (2019).
_MDES_RATINGS = ((0.20, 5), (0.29, 4), (0.39, 3), (0.49, 2), (0.59, 1))
_ATTRITION_RATINGS = ((0.10, 5), (0.20, 4), (0.30, 3), (0.40, 2), (0.50, 1))
#: Rating when attrition was not given: as if 21-30% were lost.
_ATTRITION_UNKNOWN = 3
#: Differential attrition above this (a proportion) is a threat to validity.
DIFFERENTIAL_LIMIT = 0.05

_NOT_EEF = "in the spirit of the EEF's security rating; this is not an EEF rating"


@dataclass(frozen=True)
class EvidenceStrength(ResultMixin):
    """How much weight a comparison can bear, in levels and in words.

    Attributes
    ----------
    level : int
        0 (the design cannot show impact) to 5. Also available as ``estimate``.
    label : str
        The level in a word: very low, low, limited, moderate, good, high.
    sentences : tuple of str
        Plain-English statements, one per design fact, ending with the overall level.
    explanation : str
        One line: the level and which rating set it, e.g. "2 of 5: the design
        (...) allows at most 2; ...". Also :meth:`explain`.
    n : int
        n_treated + n_comparison (pupils analysed).
    n_treated, n_comparison : int
    design : str
        The design kind (a key of :data:`DESIGNS`).
    design_rating, mdes_rating, attrition_rating : int or None
        Each rated 0-5 (``mdes_rating`` None without a comparison group).
    initial_level : int
        The lowest of the three ratings.
    imbalance_drop, differential_drop : int
        Levels lost for baseline imbalance and for differential attrition.
    mdes : float
        MDES of the pupils analysed, 80% power (NaN without a comparison group).
    attrition, differential_attrition : float or None
        Overall share lost, and the absolute difference between the groups.
    method : str
    """

    level: int
    label: str
    sentences: tuple[str, ...]
    explanation: str
    n: int
    n_treated: int
    n_comparison: int
    design: str
    design_rating: int
    mdes_rating: int | None
    attrition_rating: int
    initial_level: int
    imbalance_drop: int
    differential_drop: int
    mdes: float
    attrition: float | None
    differential_attrition: float | None
    method: str = "strength of evidence after EEF (2019) " + _NOT_EEF

    @property
    def estimate(self) -> int:
        """The level (for code that treats every result alike)."""
        return self.level

    @property
    def ci_low(self) -> float:
        """NaN: a judgement, not an estimate."""
        return math.nan

    @property
    def ci_high(self) -> float:
        """NaN: a judgement, not an estimate."""
        return math.nan

    @property
    def text(self) -> str:
        """The sentences as one paragraph."""
        return " ".join(self.sentences)

    def explain(self) -> str:
        """The one-line plain explanation of the level (``explanation``)."""
        return self.explanation

    def __str__(self) -> str:
        return self.text


def strength_of_evidence(*, design: str, baseline_effect: float | None,
                         attrition: float | None, n_treated: int, n_comparison: int,
                         attrition_treated: float | None = None,
                         attrition_comparison: float | None = None,
                         pretest_correlation: float | None = None, icc: float | None = None,
                         n_clusters: int | None = None, within_schools: bool = False,
                         withhold_below: int = 0) -> EvidenceStrength:
    """A strength-of-evidence rating and statement for a comparison, after the EEF.

    Parameters
    ----------
    design : str
        What kind of comparison it is, a key of :data:`DESIGNS`:
        ``"randomised"``, ``"natural_experiment"``, ``"matched"``,
        ``"baseline_adjusted"`` (volunteers compared with others, allowing for
        the baseline score), ``"unadjusted"`` or ``"no_comparison"``.
    baseline_effect : float or None
        Standardised difference between the groups at the start, on the
        pupils analysed (after matching, for a matched design), intervention
        minus comparison; None if not known.
    attrition : float or None
        Share of pupils who started but are not analysed (0.15 for 15%),
        over both groups; None if not known.
    n_treated, n_comparison : int
        Pupils **analysed** in each group (not the cohort); ``n_comparison``
        is 0 without a comparison group.
    attrition_treated, attrition_comparison : float, optional
        The share lost in each group, for differential attrition.
    pretest_correlation, icc : float, optional
        Passed to :func:`~slc_research.stats.power.mdes`.
    n_clusters : int, optional
        Schools (or classes) the pupils come from; with ``icc`` the MDES
        allows for clustering (PowerUp!, Dong & Maynard, 2013).
    within_schools : bool, default False
        Both groups are in every school and compared within school: passed to
        :func:`~slc_research.stats.power.mdes`.
    withhold_below : int, default 0
        A report's suppression threshold: with a group analysed smaller than this, the
        sentences give neither group's count, the MDES nor the groups' shares lost (each
        would give a count away); the result still holds them.

    Returns
    -------
    EvidenceStrength
        ``level`` (0-5), ``label``, ``sentences``, ``text``, ``explanation``,
        the ratings (``design_rating``, ``mdes_rating``, ``attrition_rating``,
        ``initial_level``), the drops (``imbalance_drop``,
        ``differential_drop``), ``mdes``, ``attrition``,
        ``differential_attrition``, ``n`` and ``method``.

    Raises
    ------
    StatsError
        An unknown design, a share lost outside 0-1, a group size below 2
        with a comparison group, only one group's attrition.

    Notes
    -----
    ``level = max(0, min(design, MDES, attrition ratings) - imbalance drop -
    differential-attrition drop)``; the rule table is in this module's
    docstring. Without a comparison group the level is 0: a before/after
    change cannot be attributed to the community however large it is.

    References
    ----------
    Education Endowment Foundation (2019). *Classifying the security of EEF
    findings*. London: EEF.

    Dong, N., & Maynard, R. (2013). PowerUp!: a tool for calculating minimum
    detectable effect sizes and minimum required sample sizes for experimental
    and quasi-experimental design studies. *Journal of Research on
    Educational Effectiveness*, 6(1), 24-67.

    What Works Clearinghouse (2022). *Procedures and standards handbook,
    version 5.0* (overall and differential attrition). IES.

    Examples
    --------
    >>> res = strength_of_evidence(design="matched", baseline_effect=0.03,
    ...                            attrition=0.25, n_treated=200, n_comparison=200)
    >>> res.level, res.label
    (3, 'moderate')
    """
    if design not in DESIGNS:
        raise StatsError(f"design must be one of {sorted(DESIGNS)}; got {design!r}")
    n_t, n_c = whole_number(n_treated, "n_treated"), whole_number(n_comparison, "n_comparison")
    if n_t < 1 or n_c < 0:
        raise StatsError(f"n_treated must be at least 1 and n_comparison at least 0; "
                         f"got {n_t} and {n_c}")
    attrition = _share(attrition, "attrition")
    a_t, a_c = _share(attrition_treated, "attrition_treated"), _share(
        attrition_comparison, "attrition_comparison")
    if (a_t is None) != (a_c is None):
        raise StatsError("give attrition_treated and attrition_comparison together, or neither")
    if baseline_effect is not None:
        baseline_effect = finite_number(baseline_effect, "baseline_effect")
    design_rating, design_words = DESIGNS[design]
    comparison = design != "no_comparison"
    sentences = [_design_sentence(design)]
    mdes_rating: int | None = None
    value = math.nan
    imbalance_drop = differential_drop = 0
    hidden = False
    differential = None if a_t is None else abs(a_t - a_c)
    if comparison:
        if n_c < 2 or n_t < 2:
            raise StatsError("a comparison needs at least 2 pupils in each group; got "
                             f"{n_t} and {n_c}")
        imbalance_drop, sentence = _baseline(baseline_effect, design == "randomised")
        hidden = min(n_t, n_c) < withhold_below
        sentences.append(sentence)
        value = mdes(n_t, n_c, pretest_correlation=pretest_correlation, icc=icc,
                     n_clusters=n_clusters, within_schools=within_schools).estimate
        mdes_rating = _rate(value, _MDES_RATINGS)
        sentences.append(_size_sentence(n_t, n_c, value, withhold_below if hidden else 0))
        if differential is not None and round(differential, 2) > DIFFERENTIAL_LIMIT:
            differential_drop = 1
    attrition_rating = (_ATTRITION_UNKNOWN if attrition is None
                        else _rate(attrition, _ATTRITION_RATINGS))
    sentences.append(_attrition_sentence(attrition, *((None, None) if hidden else (a_t, a_c)),
                                         differential_drop))
    ratings = [design_rating, attrition_rating] + ([] if mdes_rating is None else [mdes_rating])
    initial = min(ratings)
    level = max(0, initial - imbalance_drop - differential_drop)
    explanation = _explain(level, design_words, design_rating,
                           f"fewer than {withhold_below} in a group" if hidden
                           else f"smallest detectable effect {value:.2f} SD", mdes_rating,
                           attrition, attrition_rating, initial, imbalance_drop,
                           differential_drop, baseline_known=baseline_effect is not None)
    sentences.append(f"Overall strength of evidence: {level} out of 5 "
                     f"({LEVEL_LABELS[level]}), {_NOT_EEF}.")
    return EvidenceStrength(level, LEVEL_LABELS[level], tuple(sentences), explanation,
                            n_t + n_c, n_t, n_c, design, design_rating, mdes_rating,
                            attrition_rating, initial, imbalance_drop, differential_drop,
                            value, attrition, differential)


# --- internals -------------------------------------------------------------------------------

def _share(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    value = finite_number(value, name)
    if not 0 <= value <= 1:
        hint = " (give it as a proportion, e.g. 0.15 for 15%)" if value > 1 else ""
        raise StatsError(f"{name} must be between 0 and 1{hint}; got {value}")
    return value


def _rate(value: float, bands: tuple[tuple[float, int], ...]) -> int:
    """The rating of an MDES or attrition, read at 2 dp as the EEF's bands are written."""
    read = round(value, 2)
    return next((rating for edge, rating in bands if read <= edge), 0)


def _design_sentence(design: str) -> str:
    if design == "no_comparison":
        return ("There was no comparison group, so any change could have happened anyway "
                "(pupils grow older, get to know their teachers, and the school year moves on): "
                "these results describe change but cannot show that the community caused it.")
    if design == "randomised":
        return ("Pupils were allocated to the two groups at random, so the groups should "
                "differ at the start only by chance.")
    if design == "natural_experiment":
        return ("Pupils were not allocated at random, but the comparison allows for "
                "differences that were not measured (for example, both groups changed "
                "in step over several earlier measurements).")
    chosen = ("The comparison pupils were matched to those who took part on what is known "
              "about them, but p" if design == "matched" else "P")
    return (f"{chosen}upils were not allocated at random: those who took part volunteered or "
            "were chosen, so they may differ from the others in ways that also affect the "
            "outcome (motivation, support at home), and part of any difference may be due to "
            "who took part rather than to the community.")


def _baseline(baseline_effect: float | None, randomised: bool) -> tuple[int, str]:
    if baseline_effect is None:
        if randomised:
            return 0, ("The groups' starting points were not given; check that they were "
                       "similar (a difference above 0.05 SD deserves a mention).")
        return 1, ("The groups' starting points were not given, so it is not known whether "
                   "they began alike; compare them on a pre-test or prior attainment.")
    size = abs(baseline_effect)
    if size <= 0.05:
        return 0, f"At the start the groups were similar (a difference of {size:.2f} SD)."
    higher = "intervention" if baseline_effect > 0 else "comparison"
    drop = 1 if size <= 0.10 else 2
    return drop, (f"At the start the {higher} group was already ahead by {size:.2f} SD, "
                  "more than the 0.05 SD usually accepted; part of any later difference may "
                  "be this head start. For groups that chose themselves, no statistical "
                  "adjustment removes it for certain: compare how much each group changed, "
                  "and a matched comparison, and say how they differ.")


def _attrition_sentence(attrition: float | None, a_t: float | None, a_c: float | None,
                        differential_drop: int) -> str:
    if attrition is None:
        text = ("How many pupils were lost between the first and last measurement was not "
                "given, so it is counted as a moderate risk (as if 21-30% were lost); report it.")
    elif attrition <= 0.10:
        text = f"Few pupils were lost between the first and last measurement ({attrition:.0%})."
    else:
        text = (f"{attrition:.0%} of pupils were lost between the first and last measurement; "
                "those who left may differ from those who stayed, which can bias the result.")
    if a_t is None and differential_drop:
        text += (" The groups lost different shares of pupils, so those left in each group may "
                 "no longer be alike.")
    elif a_t is not None and a_c is not None:
        if differential_drop:
            text += (f" The groups lost different shares ({a_t:.0%} of the intervention group, "
                     f"{a_c:.0%} of the comparison group), so those left in each group may no "
                     "longer be alike.")
        else:
            text += f" Both groups lost similar shares ({a_t:.0%} and {a_c:.0%})."
    return text


def _size_sentence(n_t: int, n_c: int, value: float, withheld: int) -> str:
    start = (f"Fewer than {withheld} pupils were analysed in a group, so the smallest effect "
             "this comparison could reliably detect is not shown." if withheld else
             f"With {n_t} pupils analysed in the intervention group and {n_c} in the comparison "
             f"group, the smallest effect this comparison could reliably detect (80% power) is "
             f"about {value:.2f} SD.")
    if value <= 0.2:
        return start + " That is small enough to detect effects of the size school approaches " \
                       "usually have (0.1-0.3 SD)."
    return start + (" Most school approaches have effects of 0.1-0.3 SD, so a real effect of "
                    "typical size could easily be missed: a non-significant result does not "
                    "show that the community made no difference.")


def _explain(level: int, design_words: str, design_rating: int, size: str,
             mdes_rating: int | None, attrition: float | None, attrition_rating: int,
             initial: int, imbalance_drop: int, differential_drop: int, *,
             baseline_known: bool) -> str:
    parts = [f"the design ({design_words}) allows at most {design_rating}"]
    if mdes_rating is not None:
        parts.append(f"the number of pupils analysed ({size}) allows {mdes_rating}")
    lost = "not known" if attrition is None else f"{attrition:.0%}"
    parts.append(f"the pupils lost ({lost}) allow {attrition_rating}")
    text = f"{level} of 5: " + "; ".join(parts) + f"; the lowest of these is {initial}"
    if imbalance_drop:
        text += (f"; {imbalance_drop} lost because "
                 + ("the groups were not alike at the start" if baseline_known
                    else "it is not known whether the groups were alike at the start"))
    if differential_drop:
        text += "; 1 lost because the groups lost different shares of pupils"
    return text + "."
