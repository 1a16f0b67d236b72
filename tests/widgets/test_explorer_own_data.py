"""The Explorer on shapes a teacher's own data takes and the demo's never does.

A behaviour log of one term (its "whole year" is that term again), a log of two terms,
filters that leave every group below the suppression threshold, and an enquiry with no
measure at all. Tables are built here from canonical frames, so each case is exact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slc_research import widgets
from slc_research.casestudies.explore.analysis import measures_from_tables
from slc_research.casestudies.explore.change import explore_change
from slc_research.errors import ConfigError

THRESHOLD = 5
N = 40


def _pupils() -> pd.DataFrame:
    return pd.DataFrame({
        "pupil_id": pd.array([f"P-{i:03d}" for i in range(N)], dtype="string"),
        "school": "North", "year_group": pd.array([7, 8] * (N // 2), dtype="Int8"),
        # 3 girls only: any filter on girls leaves both year groups below 5
        "gender": pd.Categorical(["F"] * 3 + ["M"] * (N - 3)),
        "pupil_premium": pd.array([i % 4 == 0 for i in range(N)], dtype="boolean"),
        "sen": pd.Categorical(["none"] * N)})


def _memberships() -> pd.DataFrame:
    return pd.DataFrame(columns=["member_id", "member_type", "community", "community_kind"])


def _behaviour(dates: list[str]) -> pd.DataFrame:
    """Every pupil has 0-3 negative points on each date given (a seeded draw)."""
    rng = np.random.default_rng(17)
    rows = [(f"P-{i:03d}", d, "negative", float(p)) for d in dates for i in range(N)
            for p in range(int(rng.integers(0, 4)))]
    return pd.DataFrame(rows, columns=["pupil_id", "date", "type", "points"]).assign(
        date=lambda f: pd.to_datetime(f["date"]))


def _table(dates: list[str]):
    return measures_from_tables(_pupils(), _memberships(), threshold=THRESHOLD,
                                behaviour=_behaviour(dates))


def test_change_is_never_between_a_term_and_the_whole_year_that_holds_it():
    # autumn only: the whole year is the autumn term again, so there is no change to show
    t = _table(["2025-10-01", "2025-11-12"])
    m = t.measures["behaviour_negative"]
    assert m.waves == ("Autumn term", "Whole year")
    assert m.change_waves == ("Autumn term",)
    with pytest.raises(ConfigError, match=r"Behaviour: negative points was measured in one term "
                                          r"only \(Autumn term\), so there is no change"):
        explore_change(t, measure="behaviour_negative", before="Autumn term",
                       after="Whole year", by="year_group")
    w = widgets.Explorer(t, draw=False)
    w.measure.value = "behaviour_negative"
    w.group_by.value = "year_group"
    assert w.chart is not None
    assert w.chart_view.value == ""
    w.view.value = "change"  # was a ZeroDivisionError out of the callback
    assert list(w.wave.options) == ["Autumn term"]
    assert "measured in one term only (Autumn term)" in w.message.value
    assert "key &#x27;" not in w.message.value  # the control's parameter name is not said
    # nothing of the one-wave view is left under the message, as if it answered
    assert (w.result, w.chart, w.effect) == (None, None, None)
    assert w.table.empty
    assert w.chart_view.value == w.table_view.value == w.effect_view.value == ""
    w.view.value = "wave"
    assert list(w.wave.options) == ["Autumn term", "Whole year"]
    assert w.message.value == ""
    assert w.table["n"].tolist() == [20, 20]


def test_change_between_two_terms_offers_only_the_terms():
    t = _table(["2025-10-01", "2026-02-03"])
    with pytest.raises(ConfigError, match="the whole year holds every term, so a change to or "
                                          "from it is not a change over time: choose two of "
                                          "Autumn term, Spring term"):
        explore_change(t, measure="behaviour_negative", before="Autumn term",
                       after="Whole year", by="year_group")
    w = widgets.Explorer(t, draw=False)
    w.measure.value = "behaviour_negative"
    w.group_by.value = "year_group"
    w.wave.value = "Whole year"
    w.view.value = "change"
    assert list(w.wave.options) == list(w.wave_to.options) == ["Autumn term", "Spring term"]
    assert (w.wave.value, w.wave_to.value) == ("Autumn term", "Spring term")
    assert w.message.value == ""
    want = explore_change(t, measure="behaviour_negative", before="Autumn term",
                          after="Spring term", by="year_group")
    pd.testing.assert_frame_equal(w.table, want.summary)
    assert w.table["n"].tolist() == [20, 20]


@pytest.mark.parametrize("view", ["wave", "change"])
def test_every_group_withheld_draws_no_chart_of_nobody(view):
    t = _table(["2025-10-01", "2026-02-03"])
    w = widgets.Explorer(t, draw=True)
    w.measure.value = "behaviour_negative"
    w.group_by.value = "year_group"
    w.view.value = view
    assert w.chart_view.value.startswith("<svg")
    w.filters["gender"].value = "Girls"  # 2 in Year 7, 1 in Year 8
    assert w.chart is None
    assert "n = 0" not in w.chart_view.value
    measured = "measured at both waves" if view == "change" else "measured"
    assert w.chart_view.value == (
        f"<p>Nothing is drawn: every group has fewer than 5 pupils {measured}, or is withheld "
        "so that a smaller one cannot be worked out, and groups that small could identify "
        "pupils. Widen the filters or group pupils another way.</p>")
    assert "<td>&lt;5</td>" in w.table_view.value
    assert "<td>2</td>" not in w.table_view.value
    assert "<td>1</td>" not in w.table_view.value
    w.filters["gender"].value = ""
    assert w.chart_view.value.startswith("<svg")


def test_an_enquiry_with_nothing_to_explore_says_so():
    t = measures_from_tables(_pupils(), _memberships(), threshold=THRESHOLD)
    w = widgets.Explorer(t, draw=True)
    assert w.message.value == (
        "<p><b>Nothing to explore yet:</b> this enquiry has no questionnaire scale (a "
        "<code>[scales.*]</code> table and a survey source), attendance, behaviour or "
        "attainment source. Add one to enquiry.toml, then run this cell again.</p>")
    assert "None" not in w.message.value
    assert w.result is None
    assert w.chart is None
    assert w.chart_view.value == w.table_view.value == w.effect_view.value == ""
