"""Statistics for practitioner enquiries: each function answers one question and
returns a small frozen result with the numbers, the method and an APA-style ``str()``."""

from slc_research.stats.effect_sizes import (
    EffectSize,
    cohens_d,
    hedges_correction,
    hedges_g,
    mean_difference,
)
from slc_research.stats.errors import StatsError

__all__ = [
    "EffectSize",
    "StatsError",
    "cohens_d",
    "hedges_correction",
    "hedges_g",
    "mean_difference",
]
