"""The error the statistics functions raise when the data cannot answer the question."""

from __future__ import annotations

from slc_research.errors import SlcResearchError

__all__ = ["StatsError"]


class StatsError(SlcResearchError):
    """The data given to a statistics function cannot produce the estimate.

    Raised for too few observations (fewer than two per group), no spread
    (every value the same), non-numeric values or an option out of range.
    The message says what was found and what is needed.
    """
