"""How counts and lists are written for a reader (``slc_research.words``), and the findings that use it.

A head teacher reading "1 texts were coded" or "3 of 3 report(s)" stops trusting the rest;
every count in a finding, caption or message agrees with its number.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from slc_research.casestudies.data_health import glance as health_glance
from slc_research.casestudies.voices import glance as voices_glance
from slc_research.words import listed, plural, was_or_were


@pytest.mark.parametrize(("n", "word", "many", "expected"), [
    (0, "row", None, "0 rows"),
    (1, "row", None, "1 row"),
    (2, "row", None, "2 rows"),
    (3332, "row", None, "3,332 rows"),
    (1, "class", "classes", "1 class"),
    (2, "class", "classes", "2 classes"),
    (1, "more problem", None, "1 more problem"),
])
def test_plural_agrees_with_its_number(n, word, many, expected):
    assert plural(n, word, many) == expected


@pytest.mark.parametrize(("words", "conjunction", "expected"), [
    ([], "and", ""),
    (["attendance"], "and", "attendance"),
    (["attendance", "behaviour"], "and", "attendance and behaviour"),
    (["a", "b", "c"], "and", "a, b and c"),
    (["gender", "SEN", "pupil premium"], "or", "gender, SEN or pupil premium"),
])
def test_listed_reads_as_a_sentence_lists(words, conjunction, expected):
    assert listed(words, conjunction) == expected


def test_was_or_were():
    assert [was_or_were(n) for n in (0, 1, 2)] == ["were", "was", "were"]


def _result(**records):
    return SimpleNamespace(all_records=records, sections=())


def test_voices_glance_counts_one_text_and_one_code_in_the_singular():
    findings = voices_glance.facts(_result(n_texts_coded=1, n_codes=1,
                                           top_codes=["Being heard"])).findings
    assert findings[0] == "1 text was coded with 1 code."
    assert findings[1] == "The code given most often was “Being heard”."
    many = voices_glance.facts(_result(n_texts_coded=905, n_codes=17,
                                       top_codes=["A", "B", "C"])).findings
    assert many[:2] == ("905 texts were coded with 17 codes.",
                        "The codes given most often were “A”, “B” and “C”.")


def test_data_health_glance_counts_one_file_row_and_value_in_the_singular():
    findings = health_glance.facts(_result(n_sources=1, rows_read=1, rows_left_out=1,
                                           n_repairs=1, n_duplicates={"roster": 1})).findings
    assert findings[:3] == ("The file held 1 row; 1 row was left out.",
                            "1 value was repaired as it was read.",
                            "1 row was repeated exactly; two such rows can be two real events.")
    none_left = health_glance.facts(_result(n_sources=11, rows_read=145,
                                            rows_left_out=0)).findings
    assert none_left[0] == "The 11 files held 145 rows; none was left out."
