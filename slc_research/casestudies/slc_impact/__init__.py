"""The SLC impact case study: who took part, how often, and what changed.

:data:`STUDY` declares the notebook's parameters and :func:`run` returns its result;
the analyses live in :mod:`.impact` (members and communities), :mod:`.representativeness`,
:mod:`.outcomes`, :mod:`.adjusted` (second looks), :mod:`.design` and :mod:`.tables`.
"""

from slc_research.casestudies.slc_impact.study import STUDY, run

__all__ = ["STUDY", "run"]
