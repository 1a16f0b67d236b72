"""Statistics for practitioner enquiries.

Each function answers one question and returns a small frozen result with the
numbers unrounded (``estimate``, ``ci_low``, ``ci_high``, ``n``, ``method`` and, for
a test, ``statistic``, ``df``, ``p_value``), ``.to_frame()`` and an APA-style
``str()``. Problems with the data raise :class:`StatsError` with what to do.
"""

from __future__ import annotations

from slc_research.errors import (  # noqa: F401
    StatsError,
)
from slc_research.stats.agreement import (  # noqa: F401
    KappaResult,
    cohen_kappa,
    fleiss_kappa,
)
from slc_research.stats.bootstrap import (  # noqa: F401
    BootstrapResult,
    bootstrap_ci,
)
from slc_research.stats.coding_reliability import (  # noqa: F401
    KrippendorffResult,
    codings_matrix,
    krippendorff_alpha,
)
from slc_research.stats.comparisons import (  # noqa: F401
    paired_t,
    student_t,
    welch_t,
)
from slc_research.stats.descriptives import (  # noqa: F401
    MeanResult,
    association_test,
    mean_ci,
    mean_ci_from_summary,
)
from slc_research.stats.difference_in_differences import (  # noqa: F401
    DiffInDiffResult,
    diff_in_diff,
)
from slc_research.stats.eef import (  # noqa: F401
    MONTHS_CAVEAT,
    OUTCOME_KINDS,
    MonthsProgress,
    months_progress,
)
from slc_research.stats.effect_sizes import (  # noqa: F401
    EffectSize,
    cohens_d,
    hedges_correction,
    hedges_g,
    mean_difference,
)
from slc_research.stats.equivalence import (  # noqa: F401
    EquivalenceResult,
    tost,
)
from slc_research.stats.evidence import (  # noqa: F401
    EvidenceStrength,
    strength_of_evidence,
)
from slc_research.stats.glass import (  # noqa: F401
    glass_delta,
)
from slc_research.stats.matching import (  # noqa: F401
    MatchResult,
    matched_comparison,
)
from slc_research.stats.meta import (  # noqa: F401
    MetaResult,
    meta_analysis,
)
from slc_research.stats.models import (  # noqa: F401
    AncovaResult,
    ancova,
)
from slc_research.stats.multiplicity import (  # noqa: F401
    AdjustedPValues,
    adjust_p,
)
from slc_research.stats.paired_pooling import (  # noqa: F401
    StratifiedPairedChange,
    stratified_paired_change,
)
from slc_research.stats.power import (  # noqa: F401
    Mdes,
    mdes,
)
from slc_research.stats.prepost import (  # noqa: F401
    PrePostEffect,
    ppc_effect_size,
)
from slc_research.stats.proportions import (  # noqa: F401
    Proportion,
    mcnemar,
    mcnemar_mid_p,
    proportion_difference,
    wilson_ci,
)
from slc_research.stats.rank_tests import (  # noqa: F401
    mann_whitney,
    wilcoxon,
)
from slc_research.stats.reliability import (  # noqa: F401
    AlphaResult,
    cronbach_alpha,
)
from slc_research.stats.results import (  # noqa: F401
    ResultMixin,
    TestResult,
    format_ci,
    format_number,
    format_p,
)
from slc_research.stats.summary_effects import (  # noqa: F401
    cohens_d_from_summary,
    glass_delta_from_summary,
    hedges_g_from_summary,
)

__all__ = [
    "AdjustedPValues",
    "AlphaResult",
    "AncovaResult",
    "BootstrapResult",
    "DiffInDiffResult",
    "EffectSize",
    "EquivalenceResult",
    "EvidenceStrength",
    "KappaResult",
    "KrippendorffResult",
    "MONTHS_CAVEAT",
    "OUTCOME_KINDS",
    "Mdes",
    "MatchResult",
    "MeanResult",
    "MetaResult",
    "MonthsProgress",
    "PrePostEffect",
    "Proportion",
    "ResultMixin",
    "StatsError",
    "StratifiedPairedChange",
    "TestResult",
    "adjust_p",
    "ancova",
    "association_test",
    "bootstrap_ci",
    "codings_matrix",
    "cohen_kappa",
    "cohens_d",
    "cohens_d_from_summary",
    "cronbach_alpha",
    "diff_in_diff",
    "fleiss_kappa",
    "format_ci",
    "format_number",
    "format_p",
    "glass_delta",
    "glass_delta_from_summary",
    "hedges_correction",
    "hedges_g",
    "hedges_g_from_summary",
    "krippendorff_alpha",
    "mann_whitney",
    "matched_comparison",
    "mcnemar",
    "mcnemar_mid_p",
    "mdes",
    "mean_ci",
    "mean_ci_from_summary",
    "mean_difference",
    "meta_analysis",
    "months_progress",
    "paired_t",
    "ppc_effect_size",
    "proportion_difference",
    "stratified_paired_change",
    "strength_of_evidence",
    "student_t",
    "tost",
    "welch_t",
    "wilcoxon",
    "wilson_ci",
]
