"""Methods paragraphs for a dissertation: the test, the effect size, the CI method, references.

Each case-study notebook runs a known set of analyses (:data:`NOTEBOOK_ANALYSES`);
the recorded results of an executed notebook refine the list: an analysis is described
only when a result it gives was computed (:data:`RAN_WHEN`: no dose-response paragraph
when no member's change could be set against their meetings, no kappa with one coder),
a result's ``method`` names the analysis actually run, its ``ci_method`` the interval,
and the notebook's parameters the pooling model. :func:`methods_for` turns
them into :class:`Analysis` entries, :func:`methods_markdown` into the text of
``methods.md`` with an APA 7 reference list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from slc_research.report.references import REFERENCES

__all__ = ["ANALYSES", "CI_METHODS", "NOTEBOOK_ANALYSES", "RAN_WHEN", "REFERENCES", "Analysis",
           "methods_for", "methods_markdown", "reference_list"]


@dataclass(frozen=True)
class Analysis:
    """One analysis of a case study, as a methods paragraph describes it.

    Attributes
    ----------
    key : str
    title : str
        What was asked, e.g. ``"Change compared with other pupils"``.
    test : str
        The test or model, one sentence; ``{cite:key}`` marks a citation.
    effect_size : str
        The effect size reported, one sentence (may be empty).
    ci : str
        How its confidence interval was computed, one sentence (may be empty).
    """

    key: str
    title: str
    test: str
    effect_size: str = ""
    ci: str = ""

    @property
    def references(self) -> tuple[str, ...]:
        """The reference keys cited, in order of first citation."""
        keys = re.findall(r"\{cite:([\w,]+)\}", " ".join((self.test, self.effect_size, self.ci)))
        return tuple(dict.fromkeys(k for group in keys for k in group.split(",")))

    def paragraph(self) -> str:
        """The paragraph, with APA in-text citations: ``(Hedges & Olkin, 1985)``."""
        body = " ".join(s for s in (self.test, self.effect_size, self.ci) if s)
        return re.sub(r"\{cite:([\w,]+)\}", _cite, body)


def _cite(m: re.Match) -> str:
    return "(" + "; ".join(REFERENCES[k][0] for k in m.group(1).split(",")) + ")"


#: How a result's ``ci_method`` is described.
CI_METHODS: dict[str, str] = {
    "nct": "Its 95% confidence interval was found by inverting the noncentral t distribution "
           "{cite:steiger1997}.",
    "t": "Its 95% confidence interval used the t distribution {cite:student1908}.",
    "welch_t": "Its 95% confidence interval used Welch's t distribution {cite:welch1947}.",
    "asymptotic": "Its 95% confidence interval used the large-sample standard error "
                  "{cite:fleiss1969}.",
    "bootstrap percentile": "Its 95% confidence interval was a bootstrap percentile interval "
                            "over the coded units {cite:hayes2007}.",
    "wilson": "Its 95% confidence interval was the Wilson score interval {cite:wilson1927}.",
}

_META = {
    "REML": "random-effects model with the between-school variance estimated by restricted "
            "maximum likelihood {cite:viechtbauer2005}",
    "DL": "random-effects model with the DerSimonian-Laird estimator of the between-school "
          "variance {cite:dersimonian1986}",
    "FE": "fixed-effect (inverse-variance) model {cite:hedges1985}",
}

#: The analyses a methods section may describe.
ANALYSES: dict[str, Analysis] = {a.key: a for a in (
    Analysis("representativeness", "Who took part",
             "Participants were compared with those who did not take part (the other pupils "
             "of their year groups, or the other teaching staff) on each characteristic with "
             "Pearson's chi-square test {cite:pearson1900} (with Yates' "
             "correction for 2 x 2 tables), or Fisher's exact test {cite:fisher1922} when an "
             "expected count was below 5.",
             "Shares are reported as percentages of each group.",
             "Intervals of shares are Wilson score intervals {cite:wilson1927}."),
    Analysis("ppc_change", "Change compared with other pupils",
             "Members' change from before to after (after minus before, pupils measured both "
             "times) was compared with other pupils' change.",
             "The effect size is d_ppc2, the difference in mean change divided by the pooled "
             "standard deviation before, with its small-sample correction {cite:morris2008}: "
             "the raw-score metric in which 0.2, 0.5 and 0.8 are conventionally small, medium "
             "and large {cite:cohen1988}. Hedges' g of the change scores, which is larger when "
             "before and after correlate above 0.5, is kept for research only.",
             "Its 95% confidence interval uses the normal approximation with the sampling "
             "variance of Morris (2008, eq. 25) and the pooled before-after correlation."),
    Analysis("hedges_g_change", "Change compared with other pupils",
             "Members' change from before to after (after minus before, pupils measured both "
             "times) was compared with other pupils' change.",
             "The effect size is Hedges' g, the difference in mean change divided by the pooled "
             "standard deviation of change, with the small-sample correction {cite:hedges1985}; "
             "it is not comparable with benchmarks written for raw scores {cite:morris2008}.",
             CI_METHODS["nct"]),
    Analysis("matching", "Members compared with similar pupils",
             "Each member measured both times was matched to one pupil who was not a member, "
             "of the same school and year group: the nearest on the Mahalanobis distance of "
             "the starting score, the recorded characteristics and the logit of the propensity "
             "score (a logistic regression of membership on them), within a caliper of 0.2 "
             "standard deviations of that logit, without replacement "
             "{cite:rosenbaum1985,austin2011}. Balance was judged by the standardised mean "
             "difference of each characteristic, below 0.1 good and below 0.25 acceptable "
             "{cite:stuart2010}; a comparison is reported only when at least 80% of members "
             "and at least 10 were matched with acceptable balance.",
             "The effect size is d_ppc2 computed on the matched pupils {cite:morris2008}."),
    Analysis("primary_secondary", "Primary and secondary outcomes",
             "One outcome was declared primary before the results were read and tested at the "
             "5% level; the p values of the secondary outcomes are shown beside their Holm "
             "adjustment {cite:holm1979}. Each effect was also tested for equivalence against "
             "the smallest effect of interest with two one-sided tests {cite:lakens2017}."),
    Analysis("ancova_did", "Two ways of allowing for the starting point",
             "The difference between members and other pupils was estimated by two models, "
             "reported side by side rather than one as a check of the other: analysis of "
             "covariance of the after score on group with the before score as covariate, and a "
             "difference-in-differences model {cite:angrist2009}. When the groups start apart "
             "they differ by the gap at the start times one minus the slope, and neither is "
             "right by itself for groups not formed at random {cite:vanbreukelen2006}.",
             "Both are reported in the outcome's own units, with the ANCOVA difference also "
             "divided by the pooled standard deviation of the after scores.",
             "Confidence intervals are the models' 95% t intervals."),
    Analysis("interaction", "Subgroups",
             "A subgroup's result is shown with the test of the interaction between membership "
             "and the subgroup in an ordinary least squares regression of each pupil's change "
             "{cite:rothwell2005}.",
             "",
             "Its 95% confidence interval uses the HC3 standard error {cite:long2000}."),
    Analysis("dose_response", "Dose-response",
             "Each member's change was regressed on the percentage of meetings they attended "
             "(ordinary least squares; slope per 10 percentage points).",
             "",
             "The 95% confidence interval and p value use the HC3 heteroscedasticity-consistent "
             "standard error {cite:long2000}."),
    Analysis("mdes", "Minimum detectable effect",
             "The minimum detectable effect size for 80% power at a two-sided 5% level was "
             "computed for each outcome from the group sizes {cite:bloom1995,cohen1988}."),
    Analysis("mean_t", "Survey scale means",
             "Scale means are reported with 95% confidence intervals from the t distribution "
             "{cite:student1908}."),
    Analysis("wave_change", "Survey waves compared",
             "The staff survey was given more than once; each wave was analysed on its own "
             "(much the same staff answer each time, so the waves were not pooled), and the "
             "change in the mean scale score from the first wave to the latest was estimated "
             "as a difference in means of two groups, since anonymous answers cannot be linked "
             "from one wave to the next.",
             "",
             CI_METHODS["welch_t"] + " As many of the same staff answer both waves, the "
             "interval is approximate."),
    Analysis("cronbach_alpha", "Reliability of the scale",
             "Internal consistency was estimated with Cronbach's alpha {cite:cronbach1951}.",
             "",
             "Its 95% confidence interval is Feldt's F-based interval {cite:feldt1987}."),
    Analysis("wilson_share", "Shares",
             "Shares of people (for example of plans tried, or of pupils whose behaviour "
             "improved) are reported as percentages.",
             "",
             "Their 95% confidence intervals are Wilson score intervals {cite:wilson1927}."),
    Analysis("depth_change", "Change in reflection depth",
             "Reflection depth was scored with an editable keyword heuristic after Hatton and "
             "Smith's levels of reflection (stock phrases, not their framework; setting a target "
             "counts as forward-looking, not critical). The share of reflections at the "
             "heuristic's deeper levels in the first and last half terms was compared with Pearson's chi-square test {cite:pearson1900}.",
             "The effect is the difference in proportions.",
             "Its 95% confidence interval is Newcombe's hybrid score interval "
             "{cite:newcombe1998a}."),
    Analysis("weighted_kappa", "Agreement on rubric levels",
             "Agreement between the heuristic's level and a person's independent rating was measured with "
             "Cohen's weighted kappa with linear weights {cite:cohen1968}.",
             "",
             CI_METHODS["asymptotic"]),
    Analysis("paired_change", "Change before and after",
             "Pupils' change was the after value minus the before value, tested with the paired "
             "t test {cite:student1908}.",
             "The standardised change is g_av, the mean change divided by the average of the "
             "before and after standard deviations, with the small-sample correction "
             "{cite:lakens2013}.",
             "Confidence intervals of the mean change use the t distribution."),
    Analysis("mcnemar", "Yes/no questions before and after",
             "Change in the share answering Yes among pupils who answered both times was tested "
             "with McNemar's test {cite:mcnemar1947}, in its mid-p form where the report says "
             "so {cite:fagerland2013}.",
             "The effect is the change in percentage points.",
             "Each share has a Wilson score interval {cite:wilson1927}; the change has Newcombe's "
             "interval for paired proportions {cite:newcombe1998b}."),
    Analysis("meta_analysis", "Pooling across schools",
             "Schools' estimates were pooled with a {meta}.",
             "Heterogeneity is reported as tau², Cochran's Q and I² {cite:higgins2002}.",
             "With fewer than ten schools under random effects the pooled estimate's 95% "
             "confidence interval is the modified Hartung-Knapp-Sidik-Jonkman interval (t on "
             "k - 1 degrees of freedom, never narrower than the normal one) {cite:knapp2003} "
             "{cite:rover2015}; otherwise it is from the normal distribution. With three or more "
             "schools there is a 95% prediction interval. Yes/no questions were pooled from each "
             "school's paired answers (a stratified paired risk difference weighting each school "
             "by its pupils, with Agresti and Min's adjusted variance) {cite:agresti2005}."),
    Analysis("code_frequencies", "How often codes were given",
             "Each coded text was counted once for each code it was given: a code's frequency "
             "is the share of the coded texts of a group that were given it, and two codes "
             "occur together in the texts given both, with their overlap measured by the "
             "Jaccard index (texts given both divided by texts given either)."),
    Analysis("cohen_kappa", "Agreement between coders",
             "Agreement between two coders on each code was measured with Cohen's kappa "
             "{cite:cohen1960}.",
             "",
             CI_METHODS["asymptotic"]),
    Analysis("krippendorff_alpha", "Reliability of the coding",
             "Overall reliability of the coding was measured with Krippendorff's alpha "
             "{cite:krippendorff2004}.",
             "",
             CI_METHODS["bootstrap percentile"]),
    Analysis("attrition", "Who dropped out between waves",
             "Pupils who answered only the first wave were compared with those who answered "
             "both on their first-wave scores.",
             "The effect size is Hedges' g {cite:hedges1985}.",
             CI_METHODS["nct"]),
)}

#: The analyses each case-study notebook runs, in report order.
NOTEBOOK_ANALYSES: dict[str, tuple[str, ...]] = {
    "slc_impact": ("representativeness", "matching", "ppc_change", "cronbach_alpha",
                   "primary_secondary", "ancova_did", "interaction", "dose_response", "mdes"),
    "tlc_impact": ("representativeness", "wilson_share", "mean_t", "wave_change",
                   "cronbach_alpha"),
    "student_led_conferences": ("wilson_share", "depth_change", "weighted_kappa"),
    "coproduction_pilot": ("paired_change", "wilson_share", "mcnemar", "meta_analysis",
                           "dose_response"),
    "voices": ("code_frequencies", "cohen_kappa", "krippendorff_alpha"),
    "data_health": ("wilson_share", "attrition"),
}

#: Notebook -> analysis -> the recorded results (names, or patterns of names) that show it
#: ran: with records, an analysis listed here is described only when one of them holds a
#: computed value (an estimate that is not missing, a count above 0). An analysis not
#: listed is always described.
RAN_WHEN: dict[str, dict[str, tuple[str, ...]]] = {
    "slc_impact": {"representativeness": ("members",), "ppc_change": (r".+_g",),
                   "matching": (r"matched_.+",), "cronbach_alpha": ("reliability",),
                   "primary_secondary": ("holm",), "ancova_did": ("adjusted",),
                   "interaction": ("pp_interaction",), "dose_response": (r"dose_.+",),
                   "mdes": ("mdes",)},
    "tlc_impact": {"representativeness": ("n_members",),
                   "wilson_share": ("share_teaching_staff", "pct_plans_tried"),
                   "mean_t": ("tlc_scale_mean",), "wave_change": ("tlc_scale_change",),
                   "cronbach_alpha": ("tlc_alpha",)},
    "student_led_conferences": {"wilson_share": ("pct_weeks_meeting_target",),
                                "depth_change": ("depth_change",),
                                "weighted_kappa": ("rubric_agreement",)},
    "coproduction_pilot": {"paired_change": ("behaviour_relative_change",
                                             "relationships_change"),
                           "wilson_share": ("pct_improved",),
                           "mcnemar": ("trouble_change", "confident_change"),
                           "meta_analysis": ("pooled_behaviour",),
                           "dose_response": ("dose_response_slope",)},
    "voices": {"code_frequencies": ("n_texts_coded",), "cohen_kappa": ("kappa_overall",),
               "krippendorff_alpha": ("alpha",)},
    "data_health": {"wilson_share": ("response_rate",), "attrition": ("attrition_g",)},
}

# A recorded ``method`` -> the analysis it names (first match wins).
_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"morris's d_ppc2", "ppc_change"),
    (r"hedges' g \(independent", "hedges_g_change"),
    (r"weighted kappa", "weighted_kappa"),
    (r"cohen's kappa", "cohen_kappa"),
    (r"krippendorff", "krippendorff_alpha"),
    (r"cronbach", "cronbach_alpha"),
    (r"newcombe", "depth_change"),
    (r"mcnemar", "mcnemar"),
    (r"ols slope|least squares slope", "dose_response"),
    (r"mean with t interval", "mean_t"),
    (r"wilson", "wilson_share"),
    (r"random-effects|fixed-effect", "meta_analysis"),
)


def methods_for(notebook: str, records: Mapping[str, Any] | None = None,
                parameters: Mapping[str, Any] | None = None) -> list[Analysis]:
    """The analyses of one executed case study, with what its results say they used.

    Parameters
    ----------
    notebook : str
        The notebook's name, e.g. ``"slc_impact"`` (another name: only what its
        records name).
    records : dict, optional
        Its recorded results (:func:`slc_research.report.read_records`); every
        mapping holding a ``method`` (and ``ci_method``) is read, and an analysis of
        :data:`RAN_WHEN` whose results were not computed is left out. Without records:
        every analysis the notebook can run.
    parameters : dict, optional
        The parameters it ran with (``method`` chooses the pooling model).

    Returns
    -------
    list of Analysis
    """
    keys = list(NOTEBOOK_ANALYSES.get(notebook, ()))
    if records is not None:
        keys = [k for k in keys if _ran(RAN_WHEN.get(notebook, {}).get(k), records)]
    ci_of: dict[str, str] = {}
    for method, ci_method in _methods(records or {}):
        key = next((k for p, k in _PATTERNS if re.search(p, method, re.IGNORECASE)), None)
        if key is None:
            continue
        if key not in keys:
            keys.append(key)
        if ci_method in CI_METHODS:
            ci_of.setdefault(key, ci_method)
    out = []
    for key in keys:
        a = ANALYSES[key]
        if key in ci_of:
            a = replace(a, ci=CI_METHODS[ci_of[key]])
        if key == "meta_analysis":
            model = str((parameters or {}).get("method") or "REML").upper()
            a = replace(a, test=a.test.format(meta=_META.get(model, _META["REML"])))
        holm = None if records is None else records.get("holm", records.get("outcomes_holm"))
        if key == "primary_secondary" and records is not None and not _primary_estimated(holm):
            a = replace(a, test=_PRIMARY_NOT_ESTIMATED)
        elif key == "primary_secondary" and records is not None and len(_rows(holm)) == 1:
            a = replace(a, title="Primary outcome", test=_ONE_OUTCOME_TESTED)
        out.append(a)
    return out


#: The primary-and-secondary paragraph when the declared primary outcome could not be estimated.
_PRIMARY_NOT_ESTIMATED = (
    "One outcome was declared primary before the results were read; it could not be "
    "estimated (too few pupils were measured twice), so no outcome was tested as primary. The "
    "p values of the secondary outcomes are shown beside their Holm adjustment "
    "{cite:holm1979}. Each effect was also tested for equivalence against the smallest effect "
    "of interest with two one-sided tests {cite:lakens2017}.")


#: The paragraph when the study had one outcome: no secondaries, nothing to adjust.
_ONE_OUTCOME_TESTED = (
    "One outcome, declared primary before the results were read, was tested at the 5% level; "
    "with no secondary outcomes, no adjustment for multiple comparisons was needed. It was "
    "also tested for equivalence against the smallest effect of interest with two one-sided "
    "tests {cite:lakens2017}.")


def _rows(holm: Any) -> list[Mapping]:
    """The rows of the outcome table recorded (a table in-process, rows from a notebook)."""
    to_dict = getattr(holm, "to_dict", None)
    rows = to_dict(orient="records") if callable(to_dict) else holm
    return [r for r in (rows or ()) if isinstance(r, Mapping)]


def _primary_estimated(holm: Any) -> bool:
    """Whether the outcome table recorded holds the primary outcome with an estimate."""
    return any(r.get("role") == "primary" and _computed(r) for r in _rows(holm))


def reference_list(analyses: list[Analysis]) -> list[str]:
    """The APA references the analyses cite, alphabetical."""
    keys = dict.fromkeys(k for a in analyses for k in a.references)
    return sorted((REFERENCES[k][1] for k in keys), key=lambda s: s.lower())


def methods_markdown(title: str, analyses: list[Analysis]) -> str:
    """``methods.md``: a heading, a paragraph per analysis and the references."""
    lines = [f"# Methods: {title}", ""]
    for a in analyses:
        lines += [f"**{a.title}.** {a.paragraph()}", ""]
    refs = reference_list(analyses)
    if refs:
        lines += ["## References", "", *[f"{r}" + "\n" for r in refs]]
    return "\n".join(lines).rstrip() + "\n"


def _ran(names: tuple[str, ...] | None, records: Mapping[str, Any]) -> bool:
    """Whether a record matching one of ``names`` holds a computed value (None: always)."""
    if names is None:
        return True
    return any(_computed(value) for key, value in records.items()
               if any(re.fullmatch(n, key) for n in names))


#: Keys of a recorded mapping that count people or say how a value was made, not a result.
_NOT_RESULTS = re.compile(r"n|n\d|n_.*|k|df|confidence|wave|.*_method|method|symbol|"
                          r"alternative|estimate_name|paired|suppressed")


def _computed(value: Any) -> bool:
    """Whether a recorded value holds a result: a number (not 0, not missing) or an estimate."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return False
    if isinstance(value, int | float):
        return math.isfinite(value) and value != 0
    if isinstance(value, Mapping):
        if "estimate" in value:
            e = value["estimate"]
            return isinstance(e, int | float) and not isinstance(e, bool) and math.isfinite(e)
        return any(_computed(v) for k, v in value.items() if not _NOT_RESULTS.fullmatch(str(k)))
    if isinstance(value, list | tuple):
        return any(_computed(v) for v in value)
    to_dict = getattr(value, "to_dict", None)  # a table recorded in-process
    if callable(to_dict):
        try:
            return _computed(to_dict(orient="records"))
        except TypeError:
            return True
    return True  # a result object of another kind: assume it holds a result


def _methods(value: Any) -> Iterator[tuple[str, str | None]]:
    """Every (method, ci_method) held in a recorded value whose estimate was made."""
    if isinstance(value, Mapping):
        method = value.get("method")
        made = "estimate" not in value or _computed({"estimate": value["estimate"]})
        if isinstance(method, str) and method and made:
            ci = value.get("ci_method")
            yield method, ci if isinstance(ci, str) else None
        for v in value.values():
            yield from _methods(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _methods(v)
