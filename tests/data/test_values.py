"""Value parsers: distinct-value work, problems located by Excel row and column."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from slc_research.data.parsing.values import (
    ProblemLog,
    parse_booleans,
    parse_dates,
    parse_gender,
    parse_numbers,
    parse_points,
    parse_prior_attainment,
    parse_sen,
    parse_sessions,
    parse_year_groups,
)
from slc_research.errors import DataError, Problem

KW = {"label": "raw/roster.csv", "header": "Col"}


def _cat(values):
    return pd.Series(values, dtype="string").astype("category")


def test_dates_in_every_school_format():
    texts = ["2025-09-01", "2025-09-01T08:30:00", "2025-09-01 08:30", "01/09/2025", "1/9/2025",
             "01/09/25", "01-09-2025", "01.09.2025", "01 Sep 2025", "1 September 2025",
             "Mon 01/09/2025", "Monday, 1 Sep 2025", "01/09/2025 08:30", "45901", None]
    parsed = parse_dates(_cat(texts), **KW, today=dt.date(2025, 10, 1))
    assert parsed.total == 0
    days = parsed.values.dt.normalize()
    assert (days.iloc[:-1] == pd.Timestamp("2025-09-01")).all()
    assert pd.isna(parsed.values.iloc[-1])
    assert parsed.values.dtype == "datetime64[ms]"
    assert parsed.values.iloc[1] == pd.Timestamp("2025-09-01 08:30")
    assert any("Excel day numbers" in n for n in parsed.notes)


@pytest.mark.parametrize(("text", "expected"), [
    ("1 Oct 2025 10:35", "2025-10-01 10:35"),
    ("01 Oct 2025 10:35:00", "2025-10-01 10:35"),
    ("Wed 1 Oct 2025 09:05", "2025-10-01 09:05"),
    ("1 October 2025 14:20:30", "2025-10-01 14:20:30"),
    ("01/10/2025 10:35", "2025-10-01 10:35"),
])
def test_arbor_date_times_keep_the_time_of_day(text, expected):
    parsed = parse_dates(_cat([text, "1 Oct 2025"]), **KW, today=dt.date(2025, 10, 1))
    assert parsed.total == 0
    assert parsed.values.tolist() == [pd.Timestamp(expected), pd.Timestamp("2025-10-01")]


def test_dates_are_day_first():
    parsed = parse_dates(_cat(["03/04/2025"]), **KW, today=dt.date(2025, 10, 1))
    assert parsed.values.iloc[0] == pd.Timestamp("2025-04-03")


def test_bad_and_out_of_range_dates_are_problems_with_rows():
    texts = ["01/09/2025", "31/09/2025", "soon", "01/09/1985", "01/09/2031", "soon"]
    rows = np.array([2, 3, 5, 6, 7, 9])
    parsed = parse_dates(_cat(texts), **KW, rows=rows, today=dt.date(2025, 10, 1))
    assert parsed.total == 5
    assert [(p.row, p.value) for p in parsed.problems] == [
        (3, "31/09/2025"), (5, "soon"), (6, "01/09/1985"), (7, "01/09/2031"), (9, "soon")]
    assert "01/10/2026" in parsed.problems[3].expected  # today + 1 year
    assert parsed.values.isna().tolist() == [False, True, True, True, True, True]


def test_date_format_from_the_manifest_and_iso_still_accepted():
    parsed = parse_dates(_cat(["09/01/2025", "2025-09-02", "01/09/2025 x"]), **KW,
                         date_format="%m/%d/%Y", today=dt.date(2025, 10, 1))
    assert parsed.values.iloc[0] == pd.Timestamp("2025-09-01")
    assert parsed.values.iloc[1] == pd.Timestamp("2025-09-02")
    assert parsed.total == 1
    assert "'%m/%d/%Y', e.g. 09/01/2025" in parsed.problems[0].expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Y", True), ("yes", True), ("TRUE", True), ("1", True), ("x", True), ("Ticked", True),
    ("N", False), ("no", False), ("False", False), ("0", False), (None, None)])
def test_booleans(text, expected):
    parsed = parse_booleans(_cat([text]), **KW)
    assert parsed.values.dtype == "boolean"
    value = parsed.values.iloc[0]
    assert (pd.isna(value) and expected is None) or value == expected


def test_boolean_problem_is_located():
    parsed = parse_booleans(_cat(["Y", "maybe"]), **KW)
    assert parsed.total == 1
    assert str(parsed.problems[0]) == (
        "raw/roster.csv, row 3, column 'Col': found 'maybe'; expected "
        "Y/Yes/True/1/x for yes or N/No/False/0 for no")


def test_year_groups():
    texts = ["7", "Y7", "Year 7", "yr7", "Yr 10", "year-11", "R", "Reception", "07", "Y15",
             "0", None]
    parsed = parse_year_groups(_cat(texts), **KW)
    assert parsed.values.dtype == "Int8"
    assert parsed.values.tolist()[:9] == [7, 7, 7, 7, 10, 11, 0, 0, 7]
    assert [p.value for p in parsed.problems] == ["Y15", "0"]
    assert pd.isna(parsed.values.iloc[-1])


def test_gender_sen_and_prior_attainment_words():
    g = parse_gender(_cat(["F", "female", "Girl", "M", "Boy", "X", "Non-binary", "Other", "U",
                           "Prefer not to say", None]), **KW)
    assert g.values.astype("string").tolist() == ["F", "F", "F", "M", "M", "X", "X", "X", "U",
                                                  "U", pd.NA]
    s = parse_sen(_cat(["N", "None", None, "K", "SEN Support", "E", "EHCP", "EHC plan",
                        "Statement"]), **KW)
    assert s.values.astype("string").tolist() == ["none"] * 3 + ["support"] * 2 + ["ehcp"] * 4
    p = parse_prior_attainment(_cat(["L", "Low", "lower", "M", "Middle", "mid", "H", "High",
                                     "Higher", "very high"]), **KW)
    assert p.values.astype("string").tolist()[:9] == ["low"] * 3 + ["middle"] * 3 + ["high"] * 3
    assert [x.value for x in p.problems] == ["very high"]



def test_sen_statuses_as_arbor_and_the_census_write_them():
    # Arbor's SEN statuses (census N, N, K, E) and SIMS's code with its description
    s = parse_sen(_cat(["No Special Educational Need", "Monitoring", "SEN Support",
                        "Education, Health and Care Plan", "N - No Special Educational Need",
                        "K - SEN Support", "E - Education, Health and Care Plan",
                        "Statement of SEN"]), **KW)
    assert s.problems == []
    assert s.values.astype("string").tolist() == ["none", "none", "support", "ehcp", "none",
                                                  "support", "ehcp", "ehcp"]

def test_sessions():
    parsed = parse_sessions(_cat(["AM", "am", "Morning", "A", "PM", "p", "Afternoon", "noon"]),
                            **KW)
    assert parsed.values.astype("string").tolist()[:7] == ["AM"] * 4 + ["PM"] * 3
    assert parsed.problems[0].value == "noon"


def test_numbers_and_points():
    n = parse_numbers(_cat(["12", "12.5", "-3", "1,234", "85%", "\u22122", "twelve", None]), **KW)
    assert n.values.dtype == "Float64"
    assert n.values.tolist()[:6] == [12.0, 12.5, -3.0, 1234.0, 85.0, -2.0]
    assert [p.value for p in n.problems] == ["twelve"]
    assert pd.isna(n.values.iloc[-1])
    p = parse_points(_cat(["+2", "3 points", "-1 pt", "lots"]), **KW)
    assert p.values.tolist()[:3] == [2.0, 3.0, -1.0]
    assert p.total == 1


def test_numbers_with_bounds():
    n = parse_numbers(_cat(["5", "70"]), **KW, minimum=0, maximum=60)
    assert n.total == 1
    assert "from 0 to 60" in n.problems[0].expected


def test_parsers_work_on_distinct_values_only(monkeypatch):
    """A column of 200,000 cells with three distinct values parses three values."""
    import slc_research.data.parsing.values as values

    calls = []
    original = values.normalise_word
    monkeypatch.setattr(values, "normalise_word", lambda s: calls.append(s) or original(s))
    column = _cat(["Y", "N", "maybe"] * 66_667)
    parsed = parse_booleans(column, **KW)
    assert len(calls) <= 3 + len(values.BOOLEAN_WORDS)
    assert parsed.total == 66_667
    assert len(parsed.problems) == 20  # capped, all counted


def test_problem_log_gives_every_column_a_turn_and_counts_the_rest():
    log = ProblemLog("raw/x.csv")
    log.add([Problem("raw/x.csv", r, "A", "v", "e") for r in range(2, 22)], total=500)
    log.add([Problem("raw/x.csv", 40, "B", "w", "e")], total=1)
    shown = log.problems()
    assert len(shown) == 20
    assert any(p.column == "B" for p in shown)
    assert [p.row for p in shown] == sorted(p.row for p in shown)
    with pytest.raises(DataError, match=r"(?s)501 problems in raw/x.csv.*and 481 more") as info:
        log.raise_if_any()
    assert info.value.total == 501


def test_problem_log_without_problems_does_not_raise():
    log = ProblemLog("raw/x.csv")
    log.raise_if_any()
    assert not log
