"""The glance hook of this case study: its findings in plain words, for "At a glance"."""

from __future__ import annotations

from typing import Any

from slc_research.casestudies.glance import GlanceFacts

__all__ = ["facts"]


def facts(result: Any) -> GlanceFacts:
    """The case study's plain findings, evidence line and limits, from its result."""
    return GlanceFacts((), "")
