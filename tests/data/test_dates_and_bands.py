"""Issue 17, item 4: survey tools' timestamps read wherever dates are read; every date error
says how to set ``date_format``; KS2 scaled scores in DfE's prior-attainment bands.

Timestamps as each tool writes them: Google Forms' CSV "2026/03/06 12:54:00 PM GMT" (the
zone as the form owner's settings give it: GMT, GMT+1, GMT-5, BST, CET, UTC+01:00),
Microsoft Forms "3/6/26 12:54:00" (a CSV copy of "Start time") and Qualtrics
"2026-03-06 12:54:00".
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from slc_research.casestudies.slc_impact.scale_reliability import reliability_finding
from slc_research.data.parsing.dates import parse_dates
from slc_research.data.parsing.prior_attainment import ks2_band, parse_prior_attainment_or_ks2

TODAY = dt.date(2026, 7, 1)


def _parse(values, **kwargs):
    return parse_dates(pd.Series(values, dtype="category"), label="raw/f.csv", header="When",
                       today=TODAY, **kwargs)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026/03/06 12:54:00 PM GMT", "2026-03-06 12:54:00"),
    ("2026/03/06 12:54:00 AM GMT", "2026-03-06 00:54:00"),
    ("2025/10/01 9:05:12 AM GMT+1", "2025-10-01 09:05:12"),
    ("2026/03/06 11:15:00 PM GMT-5", "2026-03-06 23:15:00"),
    ("2026/03/06 1:54:00 PM GMT+01:00", "2026-03-06 13:54:00"),
    ("2026/03/06 12:54:00 PM BST", "2026-03-06 12:54:00"),
    ("2026/03/06 12:54:00 PM CET", "2026-03-06 12:54:00"),
    ("2026/03/06 12:54:00 UTC", "2026-03-06 12:54:00"),
    ("2026/03/06 12:54:00", "2026-03-06 12:54:00"),
    ("2026-03-06 12:54:00", "2026-03-06 12:54:00"),          # Qualtrics
    ("2026-03-06T12:54:00+01:00", "2026-03-06 12:54:00"),
    ("16/03/26 12:54:00", "2026-03-16 12:54:00"),            # only day first makes sense
    ("3/6/26 12:54:00", "2026-03-06 12:54:00"),              # Microsoft Forms, month first
    ("06/03/2026 12:54 PM", "2026-03-06 12:54:00"),
])
def test_item4_survey_tool_timestamps_read_as_dates(text, expected):
    parsed = _parse([text])
    assert parsed.total == 0
    assert parsed.values.iloc[0] == pd.Timestamp(expected)


def test_item4_a_whole_month_first_timestamp_column_is_read_month_first_with_a_note():
    parsed = _parse(["3/16/26 12:54:00", "3/6/26 12:54:00"], month_first_column=True)
    assert parsed.values.tolist() == [pd.Timestamp("2026-03-16 12:54"),
                                      pd.Timestamp("2026-03-06 12:54")]
    assert any("month first" in n for n in parsed.notes)
    # outside a tool's own timestamp column a month-first date stays a problem
    assert _parse(["3/16/2026 12:54"]).total == 1


def test_item4_microsoft_forms_times_read_month_first_wherever_dates_are_read():
    parsed = _parse(["3/6/26 12:54:00", "3/16/26 8:05:00"])
    assert parsed.values.tolist() == [pd.Timestamp("2026-03-06 12:54"),
                                      pd.Timestamp("2026-03-16 08:05")]
    assert parsed.notes == ["When: 1 time written as Microsoft Forms writes them (like 3/6/26 "
                            "12:54:00) were read month first (6 March 2026); if the column is "
                            'day first, set date_format = "%d/%m/%y %H:%M:%S" in this '
                            "source's [sources.NAME] entry of enquiry.toml."]
    # a column where one time only makes sense day first is day first throughout
    parsed = _parse(["3/6/26 12:54:00", "16/3/26 08:05:00"])
    assert parsed.values.tolist() == [pd.Timestamp("2026-06-03 12:54"),
                                      pd.Timestamp("2026-03-16 08:05")]
    # the three tools' ways of writing the same moment
    same = _parse(["2026/03/06 12:54:00 PM GMT", "3/6/26 12:54:00", "2026-03-06 12:54:00"])
    assert set(same.values) == {pd.Timestamp("2026-03-06 12:54")}


@pytest.mark.parametrize(("values", "kwargs"), [
    (["not a date"], {}),
    (["09/15/2025"], {}),                            # only month first makes sense
    (["03/09/2035"], {}),                            # out of range
    (["2025-09-01x"], {"date_format": "%d/%m/%Y"}),  # not in the set format
    (["1985-09-01"], {"date_format": "%d/%m/%Y"}),   # out of range with a format
])
def test_item4_every_date_error_mentions_date_format(values, kwargs):
    parsed = _parse(values, **kwargs)
    assert parsed.total == 1
    assert "date_format" in parsed.problems[0].expected


def test_item4_date_format_with_a_zone_is_used_as_written():
    parsed = _parse(["2026/03/06 12:54:00 PM GMT"], date_format="%Y/%m/%d %I:%M:%S %p %Z")
    assert parsed.total == 0
    assert parsed.values.iloc[0] == pd.Timestamp("2026-03-06 12:54")


def test_item4_ks2_band_boundaries_follow_the_dfe_standards():
    # expected standard 100, higher standard 110 (STA, "Scaled scores at key stage 2")
    assert [ks2_band(s) for s in (80, 99.5, 100, 109.5, 110, 120)] == \
        ["low", "low", "middle", "middle", "high", "high"]
    assert ks2_band(79) is None
    assert ks2_band(121) is None


def test_item4_bands_and_scores_mixed_in_one_column():
    parsed = parse_prior_attainment_or_ks2(
        pd.Series(["104.5", "H", "Low", "", "112"], dtype="category"), label="raw/r.csv",
        header="KS2")
    assert parsed.total == 0
    assert parsed.values.astype("string").fillna("-").tolist() == ["middle", "high", "low", "-",
                                                                   "high"]
    assert parsed.notes == ["2 KS2 scaled scores in 'KS2' were put in the DfE's key stage 4 "
                            "prior-attainment bands: below 100 (below the expected standard) "
                            "low, 100 to under 110 middle, 110 or above (the higher standard) "
                            "high."]


def test_item4_single_item_scale_reliability_said_plainly():
    table = pd.DataFrame({"scale": ["Belonging", "Engagement"], "wave": [1, 1], "n": [40, 40],
                          "k": [1, 3], "alpha": [float("nan"), 0.81],
                          "ci_low": [float("nan"), 0.7], "ci_high": [float("nan"), 0.9]})
    finding = reliability_finding(table, threshold=5)
    assert finding.startswith("Belonging is a single question: reliability is not computed for "
                              "one item. Every other scale was reliable enough")
    only = reliability_finding(table.iloc[:1], threshold=5)
    assert only == "Belonging is a single question: reliability is not computed for one item."
