"""Qualitative evidence: coded texts, code frequencies, co-occurrence, quotes and agreement.

Pure functions over the ``texts``, ``codebook``, ``codings`` and ``memberships``
tables; tidy DataFrames out, no names or pseudonyms in what a report shows.
"""

from __future__ import annotations

from slc_research.qual.agreement import (  # noqa: F401
    AGREEMENT_COLUMNS,
    OVERALL,
    POOLED_KAPPA,
    agreement_records,
    agreement_table,
    coder_agreement,
)
from slc_research.qual.coding_store import (  # noqa: F401
    CODING_FOLDER,
    CodingStore,
    check_coder_name,
    sentence_spans,
)
from slc_research.qual.codings import (  # noqa: F401
    CODED_TEXT_COLUMNS,
    NO_CODING,
    coded_texts,
    primary_codings,
    select_texts,
    term_of,
)

# -- depth (the conferences helper adds its import of slc_research.qual.depth here) --
from slc_research.qual.depth import (  # noqa: F401
    DEFAULT_RUBRIC,
    Rubric,
    RubricLevel,
    depth_examples,
    load_rubric,
    rubric_agreement,
    score_depth,
)
from slc_research.qual.frequencies import (  # noqa: F401
    code_cooccurrence,
    code_frequencies,
    code_themes,
    codebook_table,
    frequency_table,
    themes_summary,
)
from slc_research.qual.quotes import (  # noqa: F401
    attribution_labels,
    exemplar_quotes,
    shorten,
)
from slc_research.qual.refi import export_qdc, export_qdpx, read_refi  # noqa: F401

__all__ = [
    "AGREEMENT_COLUMNS",
    "CODED_TEXT_COLUMNS",
    "CODING_FOLDER",
    "NO_CODING",
    "OVERALL",
    "POOLED_KAPPA",
    "CodingStore",
    "agreement_records",
    "agreement_table",
    "attribution_labels",
    "check_coder_name",
    "code_cooccurrence",
    "code_frequencies",
    "code_themes",
    "codebook_table",
    "coded_texts",
    "coder_agreement",
    "exemplar_quotes",
    "export_qdc",
    "export_qdpx",
    "frequency_table",
    "primary_codings",
    "read_refi",
    "select_texts",
    "sentence_spans",
    "shorten",
    "term_of",
    "themes_summary",
    # -- depth --
    "DEFAULT_RUBRIC",
    "Rubric",
    "RubricLevel",
    "depth_examples",
    "load_rubric",
    "rubric_agreement",
    "score_depth",
]
