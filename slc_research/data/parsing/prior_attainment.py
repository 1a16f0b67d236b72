"""Prior attainment as a band (low, middle, high), from a band or a KS2 scaled score.

Rosters give prior attainment either as the band itself (``L``, ``Middle``,
``HPA``) or as the pupil's key stage 2 average scaled score in reading and
maths (SIMS and Arbor: "KS2 Average Scaled Score", e.g. ``104.5``). KS2
scaled scores run from 80 to 120; the expected standard is a scaled score of
100 and the higher standard 110 (Standards and Testing Agency, "Scaled scores
at key stage 2", gov.uk).

A score is put in the band the Department for Education uses for key stage 4
prior attainment in the school performance tables (DfE, "Secondary
accountability measures: guide for maintained secondary schools, academies
and free schools", prior attainment groups; "Key stage 4 performance tables:
about the data"): pupils *below* the expected standard at KS2 are low prior
attainers, pupils *at* it middle, pupils *above* it high. With the average
of the reading and maths scaled scores that is:

========  ================================
band      KS2 average scaled score
========  ================================
low       below 100 (80 to 99.5)
middle    100 up to, not including, 110
high      110 or above (to 120)
========  ================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slc_research.data.parsing.parsed import CAP, Parsed, distinct
from slc_research.data.parsing.values import PRIOR_ATTAINMENT_WORDS, parse_choice

__all__ = ["KS2_EXPECTED", "KS2_HIGHER", "KS2_LOWEST", "KS2_HIGHEST", "ks2_band",
           "parse_prior_attainment_or_ks2"]

#: The KS2 expected standard and higher standard (scaled scores).
KS2_EXPECTED = 100.0
KS2_HIGHER = 110.0
#: The range of KS2 scaled scores.
KS2_LOWEST = 80.0
KS2_HIGHEST = 120.0


def ks2_band(score: float) -> str | None:
    """The DfE prior-attainment band of a KS2 average scaled score, or None if out of range.

    Examples
    --------
    >>> ks2_band(99.5), ks2_band(100), ks2_band(109.5), ks2_band(110)
    ('low', 'middle', 'middle', 'high')
    """
    if not KS2_LOWEST <= score <= KS2_HIGHEST:
        return None
    if score < KS2_EXPECTED:
        return "low"
    return "middle" if score < KS2_HIGHER else "high"


def _number(text: str) -> float | None:
    try:
        value = float(str(text).strip())
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def parse_prior_attainment_or_ks2(values: pd.Series, *, label: str, header: str,
                                  rows: np.ndarray | None = None, cap: int = CAP) -> Parsed:
    """Prior attainment band (low, middle, high) from a band or a KS2 scaled score.

    Parameters
    ----------
    values : Series
        Raw text (``category`` preferred): bands (L/Low, M/Middle, H/High) or
        KS2 average scaled scores from 80 to 120 (``104.5``), or both.
    label, header : str
        The file and the column as headed in it, for problems.
    rows : ndarray, optional
        Excel row of each value.
    cap : int
        Problems kept.

    Returns
    -------
    Parsed
        ``values`` a ``category`` Series (low, middle, high); a note says how many
        scores were banded, and how.
    """
    codes, cats = distinct(values)
    vocabulary: dict[str, str | None] = dict(PRIOR_ATTAINMENT_WORDS)
    banded = np.zeros(len(cats), dtype=bool)
    for i, cat in enumerate(cats):
        number = _number(cat)
        if number is not None and ks2_band(number) is not None:
            vocabulary[str(cat)] = ks2_band(number)
            banded[i] = True
    parsed = parse_choice(values, vocabulary, label=label, header=header, rows=rows, cap=cap,
                          expected="L/Low, M/Middle or H/High, or a KS2 average scaled score "
                          "from 80 to 120 (like 104.5)",
                          categories=["low", "middle", "high"])
    n = int(banded[codes[codes >= 0]].sum())
    if n:
        parsed.notes.append(
            f"{n} KS2 scaled score{'s' if n != 1 else ''} in {header!r} were put in the DfE's "
            "key stage 4 prior-attainment bands: below 100 (below the expected standard) "
            "low, 100 to under 110 middle, 110 or above (the higher standard) high.")
    return parsed
