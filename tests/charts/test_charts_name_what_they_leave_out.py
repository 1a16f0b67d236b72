"""Issue 18, item 4: charts that do not mislead by omission.

A suppressed group is named with "fewer than 5" rather than vanishing; bands with few
members are merged rather than blanked; Likert charts state the answer scale; no chart
holds "NaN". Asserted on ``chart.to_dict()``, as Altair's own tests do.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from slc_research import charts
from slc_research.charts.withheld import withheld_line
from slc_research.privacy.bands import merge_small_bands
from slc_research.privacy.suppression import suppress_small
from slc_research.report.catalogue import NOTEBOOKS

THRESHOLD = 5
AGREE5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
          "Strongly agree"]


def _subtitle(spec: dict) -> list[str]:
    sub = spec["title"].get("subtitle", [])
    return [sub] if isinstance(sub, str) else list(sub)


def _subtitle_text(spec: dict) -> str:
    """The subtitle as a reader reads it: its lines (wrapped at spaces) joined."""
    return " ".join(_subtitle(spec))


def test_item4_suppressed_group_is_named_fewer_than_5():
    """3 boys among the members: withheld, with the girls (secondary), and both named."""
    raw = pd.DataFrame({
        "characteristic": ["Gender", "Gender", "Pupil premium", "Pupil premium"],
        "level": ["Girls", "Boys", "Yes", "No"],
        "n_members": pd.array([21, 3, 8, 16], dtype="Int64"),
        "pct_members": [87.5, 12.5, 33.3, 66.7],
        "n_rest": pd.array([150, 150, 90, 210], dtype="Int64"),
        "pct_rest": [50.0, 50.0, 30.0, 70.0], "diff_pp": [37.5, -37.5, 3.3, -3.3],
        "members_total": 24, "rest_total": 300})
    table = suppress_small(raw, count_cols={
        "n_members": ["pct_members", "diff_pp"], "n_rest": ["pct_rest", "diff_pp"]},
        threshold=THRESHOLD, partition_by="characteristic")
    d = charts.representativeness_chart(table).to_dict()
    assert _subtitle_text(d).endswith("Not shown, to protect groups of fewer than 5 pupils: "
                                      "Gender: Girls (SLC members), Gender: Boys (SLC members)")
    assert all(len(line) <= 80 for line in _subtitle(d))  # wrapped, not one wide line
    drawn = {(r["level"], r["group"]) for r in d["datasets"][d["data"]["name"]]}
    assert ("Boys", "SLC members") not in drawn  # not drawn, but named above
    assert ("Boys", "Other pupils") in drawn


def test_item4_withheld_line_counts_the_rest_and_says_the_threshold():
    line = withheld_line([f"Code {i}" for i in range(10)], threshold=3, noun="texts", limit=2)
    assert line == ("Not shown, to protect groups of fewer than 3 texts: Code 0, Code 1 "
                    "and 8 more")
    assert withheld_line([], threshold=5) == ""


def test_item4_attendance_bands_merged_rather_than_blanked():
    """Members of two communities by % of meetings attended; small bands are merged."""
    raw = pd.DataFrame({
        "community": ["Castlegate SLC"] * 4 + ["Riverside SLC"] * 4,
        "band": ["0-24%", "25-49%", "50-74%", "75-100%"] * 2,
        "n": pd.array([2, 3, 4, 10, 0, 1, 6, 13], dtype="Int64")})
    merged = merge_small_bands(raw, band="band", count="n", threshold=THRESHOLD,
                               within="community")
    by_community = {c: dict(zip(g["band"], g["n"], strict=True))
                    for c, g in merged.groupby("community")}
    # Castlegate: 2 + 3 = 5 came to under half the meetings, then the 4 join their smaller
    # neighbour; nobody is blanked and the bands still add up to all 19 members
    assert by_community["Castlegate SLC"] == {"0-74%": 9, "75-100%": 10}
    assert by_community["Riverside SLC"] == {"0-24%": 0, "25-74%": 7, "75-100%": 13}
    table = suppress_small(merged, count_cols=["n"], threshold=THRESHOLD,
                           partition_by="community")
    d = charts.participation_chart(table).to_dict()
    values = d["datasets"][d["data"]["name"]]
    assert sum(r["n"] for r in values) == 19 + 20  # every member on the chart
    assert all(r["n"] is not None for r in values)
    assert "merged with the next one" in _subtitle_text(d)
    assert not any(line.startswith("Not shown") for line in _subtitle(d))


def test_item4_a_community_too_small_is_named_not_blank():
    raw = pd.DataFrame({"community": ["Tiny SLC"] * 4 + ["Big SLC"] * 4,
                        "band": ["0-24%", "25-49%", "50-74%", "75-100%"] * 2,
                        "n": pd.array([1, 0, 1, 2, 5, 5, 5, 5], dtype="Int64")})
    merged = merge_small_bands(raw, band="band", count="n", threshold=THRESHOLD,
                               within="community")
    assert merged.loc[merged["community"] == "Tiny SLC", "band"].tolist() == ["0-100%"]
    table = suppress_small(merged, count_cols=["n"], threshold=THRESHOLD,
                           partition_by="community")
    d = charts.participation_chart(table).to_dict()
    assert _subtitle_text(d).endswith("Not shown, to protect groups of fewer than 5 members: "
                                      "Tiny SLC: 0-100%")


def test_item4_likert_chart_states_the_answer_scale():
    rows = [{"question": q, "level": lv, "level_no": i + 1, "pct": p, "n_item": n}
            for q, n, pcts in (("The TLC helped me try new approaches", 40,
                                [5.0, 10.0, 15.0, 40.0, 30.0]),
                               ("I changed my practice", 3, [0.0, 0.0, 33.3, 33.3, 33.3]))
            for i, (lv, p) in enumerate(zip(AGREE5, pcts, strict=True))]
    dist = suppress_small(pd.DataFrame(rows), count_cols="n_item", threshold=THRESHOLD,
                          partition_by=None)
    d = charts.likert_chart(dist, levels=AGREE5).to_dict()
    scale = ("Answer scale: Strongly disagree, Disagree, Neither agree nor disagree, Agree, "
             "Strongly agree (5 points)")
    assert scale in _subtitle_text(d)
    assert d["encoding"]["x"]["title"][1] == scale
    assert _subtitle_text(d).endswith("Not shown, to protect groups of fewer than 5 "
                                      "respondents: I changed my practice")


@pytest.mark.xdist_group("demo")
def test_item4_demo_charts_have_no_nan_and_no_empty_chart(demo_enquiry):
    seen = 0
    for study in NOTEBOOKS.values():
        result = study.result(demo_enquiry, study.validate(workspace=str(demo_enquiry.root)))
        for section in result.sections:
            for chart in section.charts:
                spec = chart.to_dict()
                text = json.dumps(spec, allow_nan=False)  # refuses a NaN number
                assert not re.search(r"\b(NaN|nan)\b", text), (study.name, section.key)
                datasets = spec.get("datasets", {})
                assert any(len(v) for v in datasets.values()), (study.name, section.key)
                assert "left blank" not in text
                titles = _titles(spec)
                assert not [t for t in titles if "_" in t], (study.name, section.key)
                seen += 1
    assert seen >= 25


def _titles(spec: object) -> list[str]:
    """Every title, subtitle and axis title of a chart spec (the words a reader sees)."""
    found: list[str] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("title", "subtitle", "text") and isinstance(value, str | list):
                found += [value] if isinstance(value, str) else [str(v) for v in value]
            if key != "datasets":
                found += _titles(value)
    elif isinstance(spec, list):
        for item in spec:
            found += _titles(item)
    return found
