"""How far can this comparison be trusted? A plain-English strength of evidence.

:func:`strength_of_evidence` turns the facts of a design (was there a
comparison group, was allocation random, were the groups alike at the start,
how many pupils were lost, how many took part) into a level from 0 to 5 and
sentences a teacher can paste into a report. It is written in the spirit of
the EEF's security rating ("padlocks") and is **not** an EEF rating: the EEF
awards those to its own independent evaluations only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from slc_research.errors import StatsError
from slc_research.stats.eef import mdes, months_progress
from slc_research.stats.inputs import finite_number, whole_number
from slc_research.stats.results import ResultMixin

__all__ = ["EvidenceStrength", "strength_of_evidence"]

#: Words for each level, 0-5.
LEVEL_LABELS = ("very low", "low", "limited", "moderate", "good", "high")

#: (largest MDES, highest level it allows), after the EEF's padlock table.
_POWER_CAPS = ((0.2, 5), (0.3, 4), (0.4, 3), (0.5, 2), (0.6, 1))

#: (largest attrition, levels lost).
_ATTRITION_DROPS = ((0.10, 0), (0.20, 1), (0.30, 2), (0.40, 3), (0.50, 4))

_NOT_EEF = ("in the spirit of the EEF's security rating; this is not an EEF rating")


@dataclass(frozen=True)
class EvidenceStrength(ResultMixin):
    """How much weight a comparison can bear, in levels and in words.

    Attributes
    ----------
    level : int
        0 (the design cannot show impact) to 5 (a large, well-run randomised
        comparison). Also available as ``estimate``.
    label : str
        The level in a word: very low, low, limited, moderate, good, high.
    sentences : tuple of str
        Plain-English statements, one per design fact, ending with the overall level.
    n : int
        n_treated + n_comparison.
    n_treated, n_comparison : int
    design_cap : int
        The highest level the design allows.
    power_cap : int or None
        The highest level the sample size allows (None without a comparison group).
    attrition_drop, imbalance_drop : int
        Levels lost for attrition and for baseline imbalance (or unknowns).
    mdes : float
        Minimum detectable effect size at 80% power (NaN without a comparison group).
    method : str
    """

    level: int
    label: str
    sentences: tuple[str, ...]
    n: int
    n_treated: int
    n_comparison: int
    design_cap: int
    power_cap: int | None
    attrition_drop: int
    imbalance_drop: int
    mdes: float
    method: str = "strength of evidence " + _NOT_EEF

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

    def __str__(self) -> str:
        return self.text


def strength_of_evidence(*, comparison_group: bool, random_allocation: bool,
                         baseline_effect: float | None, attrition: float | None,
                         n_treated: int, n_comparison: int, matched: bool = False,
                         pretest_correlation: float | None = None, icc: float | None = None,
                         cluster_size: float | None = None) -> EvidenceStrength:
    """A plain-English strength-of-evidence statement for a comparison.

    Parameters
    ----------
    comparison_group : bool
        Whether the pupils who took part were compared with pupils who did not.
    random_allocation : bool
        Whether pupils (or classes) were allocated to the two groups at random
        (a lottery), rather than volunteering or being chosen.
    baseline_effect : float or None
        The standardised difference between the groups at the start (e.g.
        Hedges' g on the pre-test, intervention minus comparison); None if
        not known.
    attrition : float or None
        The share of pupils who started but are missing from the analysis
        (0.15 for 15%), over both groups; None if not known.
    n_treated, n_comparison : int
        Pupils analysed in each group (``n_comparison`` may be 0 without a
        comparison group).
    matched : bool, default False
        Whether the comparison pupils were chosen to resemble the intervention
        pupils (e.g. on prior attainment and pupil premium).
    pretest_correlation, icc, cluster_size : float, optional
        Passed to :func:`~slc_research.stats.eef.mdes`.

    Returns
    -------
    EvidenceStrength
        ``level`` (0-5), ``label``, ``sentences``, ``text``, the parts of the
        judgement (``design_cap``, ``power_cap``, ``attrition_drop``,
        ``imbalance_drop``, ``mdes``), ``n`` and ``method``.

    Raises
    ------
    StatsError
        A design fact that is not True/False, random allocation without a
        comparison group, attrition outside 0-1, a negative group size.

    Notes
    -----
    The level is ``min(design cap, sample-size cap) - attrition drop -
    imbalance drop``, at least 0, built after the EEF's padlock table
    (EEF, 2019) but simplified for practitioner enquiries:

    - design cap: no comparison group 0; a comparison group neither random
      nor matched 1; matched 2 (3 if the baseline difference is at most
      0.05 SD); random allocation 5;
    - sample-size cap from the MDES at 80% power (:func:`~slc_research.stats.eef.mdes`):
      <= 0.2 SD 5, <= 0.3 4, <= 0.4 3, <= 0.5 2, <= 0.6 1, larger 0;
    - attrition drop: <= 10% 0, <= 20% 1, <= 30% 2, <= 40% 3, <= 50% 4,
      more 5; unknown 1;
    - imbalance drop: |baseline difference| <= 0.05 SD 0, <= 0.10 SD 1,
      larger 2; unknown 1 without random allocation, 0 with it.

    Without a comparison group the level is 0: a before/after change cannot
    be attributed to the community (pupils mature, the year moves on), however
    large it is. The sentences say why, in words a governor can follow.

    References
    ----------
    Education Endowment Foundation (2019). *Classifying the security of EEF
    findings* (padlock guidance). London: EEF.

    Shadish, W. R., Cook, T. D., & Campbell, D. T. (2002). *Experimental and
    quasi-experimental designs for generalized causal inference*. Houghton Mifflin.

    Examples
    --------
    >>> res = strength_of_evidence(comparison_group=True, random_allocation=False,
    ...                            baseline_effect=0.08, attrition=0.12,
    ...                            n_treated=24, n_comparison=60)
    >>> res.level, res.label
    (0, 'very low')
    """
    for value, name in ((comparison_group, "comparison_group"),
                        (random_allocation, "random_allocation"), (matched, "matched")):
        if not isinstance(value, bool):
            raise StatsError(f"{name} must be True or False; got {value!r}")
    if random_allocation and not comparison_group:
        raise StatsError("random_allocation=True needs comparison_group=True: random "
                         "allocation means some pupils were allocated to a comparison group")
    n_t, n_c = whole_number(n_treated, "n_treated"), whole_number(n_comparison, "n_comparison")
    if n_t < 1 or n_c < 0:
        raise StatsError(f"n_treated must be at least 1 and n_comparison at least 0; "
                         f"got {n_t} and {n_c}")
    if attrition is not None:
        attrition = finite_number(attrition, "attrition")
        if not 0 <= attrition <= 1:
            hint = " (give it as a proportion, e.g. 0.15 for 15%)" if attrition > 1 else ""
            raise StatsError(f"attrition must be between 0 and 1{hint}; got {attrition}")
    if baseline_effect is not None:
        baseline_effect = finite_number(baseline_effect, "baseline_effect")

    sentences: list[str] = []
    power_cap: int | None = None
    value = math.nan
    imbalance_drop = 0
    if not comparison_group:
        design_cap = 0
        sentences.append(
            "There was no comparison group, so any change could have happened anyway "
            "(pupils grow older, get to know their teachers, and the school year moves on): "
            "these results describe change but cannot show that the community caused it.")
    else:
        if random_allocation:
            design_cap = 5
            sentences.append("Pupils were allocated to the two groups at random, so the groups "
                             "should differ at the start only by chance.")
        else:
            balanced = baseline_effect is not None and abs(baseline_effect) <= 0.05
            design_cap = (3 if balanced else 2) if matched else 1
            chosen = ("The comparison pupils were chosen to resemble those who took part, but "
                      if matched else "")
            sentences.append(
                f"{chosen}{'p' if chosen else 'P'}upils were not allocated at random: those "
                "who took part volunteered or were chosen, so they may differ from the others "
                "in ways that also affect the outcome (motivation, support at home), and "
                "part of any difference may be due to who took part rather than to the "
                "community.")
        imbalance_drop, sentence = _baseline(baseline_effect, random_allocation)
        sentences.append(sentence)
        if n_c < 2 or n_t < 2:
            raise StatsError("a comparison needs at least 2 pupils in each group; got "
                             f"{n_t} and {n_c}")
        size = mdes(n_t, n_c, pretest_correlation=pretest_correlation, icc=icc,
                    cluster_size=cluster_size)
        value = size.estimate
        power_cap = next((cap for edge, cap in _POWER_CAPS if value <= edge), 0)
        sentences.append(_size_sentence(n_t, n_c, value))
    attrition_drop, sentence = _attrition(attrition)
    sentences.append(sentence)
    cap = design_cap if power_cap is None else min(design_cap, power_cap)
    level = max(0, cap - attrition_drop - imbalance_drop)
    sentences.append(f"Overall strength of evidence: {level} out of 5 "
                     f"({LEVEL_LABELS[level]}), {_NOT_EEF}.")
    return EvidenceStrength(level, LEVEL_LABELS[level], tuple(sentences), n_t + n_c, n_t, n_c,
                            design_cap, power_cap, attrition_drop, imbalance_drop, value)


# --- internals -------------------------------------------------------------------------------

def _baseline(baseline_effect: float | None, random_allocation: bool) -> tuple[int, str]:
    if baseline_effect is None:
        if random_allocation:
            return 0, ("The groups' starting points were not given; check that they were "
                       "similar (a difference above 0.05 SD deserves a mention).")
        return 1, ("The groups' starting points were not given, so it is not known whether "
                   "they began alike; compare them on a pre-test or prior attainment.")
    size = abs(baseline_effect)
    higher = "intervention" if baseline_effect > 0 else "comparison"
    if size <= 0.05:
        return 0, (f"At the start the groups were similar (a difference of "
                   f"{size:.2f} SD).")
    drop = 1 if size <= 0.10 else 2
    return drop, (f"At the start the {higher} group was already ahead by {size:.2f} SD, "
                  f"more than the 0.05 SD usually accepted; part of any later difference "
                  f"may be this head start (adjust for it, e.g. with ANCOVA, and say so).")


def _attrition(attrition: float | None) -> tuple[int, str]:
    if attrition is None:
        return 1, ("How many pupils were lost between the first and last measurement was not "
                   "given, so it is counted as a moderate risk; report it.")
    drop = next((d for edge, d in _ATTRITION_DROPS if attrition <= edge + 1e-12), 5)
    share = f"{attrition:.0%}"
    if drop == 0:
        return 0, (f"Few pupils were lost between the first and last measurement "
                   f"({share}).")
    return drop, (f"{share} of pupils were lost between the first and last measurement; "
                  "those who left may differ from those who stayed, which can bias the "
                  "result.")


def _size_sentence(n_t: int, n_c: int, value: float) -> str:
    months = int(months_progress(value))
    start = (f"With {n_t} pupils in the intervention group and {n_c} in the comparison group, "
             f"the smallest effect this comparison could reliably detect (80% power) is about "
             f"{value:.2f} SD (roughly {months} months' progress).")
    if value <= 0.2:
        return start + " That is small enough to detect effects of the size school approaches " \
                       "usually have (0.1-0.3 SD)."
    return start + (" Most school approaches have effects of 0.1-0.3 SD, so a real effect of "
                    "typical size could easily be missed: a non-significant result does not "
                    "show that the community made no difference.")
