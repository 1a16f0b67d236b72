"""Chart builders, checked through ``chart.to_dict()`` (and once through vl-convert)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from slc_research import charts
from slc_research.privacy.suppression import SUPPRESSED_COLUMN, suppress_small
from slc_research.report.display import CHART_MIMETYPE

#: The enquiry's default suppression threshold (``[privacy] suppression_threshold``).
THRESHOLD = 5


# The chart data below is published as the SLC impact case study publishes it
# (slc_research/casestudies/slc_impact/tables.py): through suppress_small, with that
# chart's threshold and partitions, so that it passes the charts' display boundary.

def _rep_published(raw: pd.DataFrame) -> pd.DataFrame:
    """As ``representativeness_table(..., display=False)``: levels and groups protected."""
    return suppress_small(raw, count_cols={
        "n_members": ["pct_members", "diff_pp"], "n_rest": ["pct_rest", "diff_pp"],
        "members_total": ["n_members", "pct_members", "diff_pp"],
        "rest_total": ["n_rest", "pct_rest", "diff_pp"],
    }, threshold=THRESHOLD, partition_by="characteristic", complements=[["n_members", "n_rest"]])


def _means_published(raw: pd.DataFrame) -> pd.DataFrame:
    """As ``means_table``: small groups withheld and their rows left out.

    The before/after groups are not parts of one published total (``partition_by=None``).
    """
    m = suppress_small(raw, count_cols=["n"], threshold=THRESHOLD, partition_by=None)
    return m[~m[SUPPRESSED_COLUMN]].drop(columns=SUPPRESSED_COLUMN).reset_index(drop=True)


def _effects_published(raw: pd.DataFrame) -> pd.DataFrame:
    """As ``effects_summary(..., display=False)``: outcomes are not parts of one total."""
    out = suppress_small(raw, count_cols=["n1", "n2"], threshold=THRESHOLD, partition_by=None)
    return out[~out[SUPPRESSED_COLUMN]].drop(columns=SUPPRESSED_COLUMN)


def _bands_published(raw: pd.DataFrame) -> pd.DataFrame:
    """As ``bands_table``: a community's bands add up to its members."""
    return suppress_small(raw, count_cols=["n"], threshold=THRESHOLD, partition_by="community")


@pytest.fixture
def rep_raw() -> pd.DataFrame:
    return pd.DataFrame({
        "characteristic": ["Pupil premium", "Pupil premium", "Gender", "Gender"],
        "level": ["Yes", "No", "Girls", "Boys"],
        "n_members": pd.array([8, 16, 14, 10], dtype="Int64"),
        "pct_members": [33.3, 66.7, 58.3, np.nan],  # one value missing: its bar is left out
        "n_rest": pd.array([60, 240, 150, 150], dtype="Int64"),
        "pct_rest": [20.0, 80.0, 50.0, 50.0],
        "diff_pp": [13.3, -13.3, 8.3, np.nan],
        "members_total": 24, "rest_total": 300,
    })


@pytest.fixture
def rep_table(rep_raw) -> pd.DataFrame:
    return _rep_published(rep_raw)  # every group has 5 or more: nothing more withheld


@pytest.fixture
def means_raw() -> pd.DataFrame:
    rows = []
    for outcome in ("Engagement", "Metacognition"):
        for group, n in (("SLC members", 22), ("Other pupils", 190)):
            for period, m in (("Wave 1", 3.1), ("Wave 2", 3.4)):
                rows.append((outcome, group, period, n, m, 0.8, m - 0.2, m + 0.2))
    return pd.DataFrame(rows, columns=["outcome", "group", "period", "n", "mean", "sd",
                                       "ci_low", "ci_high"])


@pytest.fixture
def means(means_raw) -> pd.DataFrame:
    return _means_published(means_raw)


@pytest.fixture
def effects_raw() -> pd.DataFrame:
    return pd.DataFrame({"outcome": ["Engagement", "Attendance", "Behaviour"],
                         "estimate": [0.41, 0.10, np.nan], "ci_low": [0.05, -0.2, np.nan],
                         "ci_high": [0.77, 0.4, np.nan],
                         "n1": pd.array([30, 34, 34], dtype="Int64"),
                         "n2": pd.array([200, 250, 250], dtype="Int64")})


@pytest.fixture
def effects(effects_raw) -> pd.DataFrame:
    return _effects_published(effects_raw)


def _marks(spec: dict) -> list[str]:
    layers = spec.get("layer", [spec])
    return [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
            for layer in layers]


def test_representativeness_chart(rep_table):
    before = rep_table.copy()
    d = charts.representativeness_chart(rep_table).to_dict()
    assert d["title"]["text"] == "Who took part"
    assert "n = 24" in d["title"]["subtitle"][0]
    assert "n = 300" in d["title"]["subtitle"][0]
    # the withheld group is named, not left to vanish (issue 18, item 4)
    assert d["title"]["subtitle"][1] == ("Not shown, to protect groups of fewer than 5 pupils: "
                                         "Gender: Boys (SLC members)")
    assert d["facet"]["row"]["field"] == "characteristic"
    spec = d["spec"]
    assert _marks(spec) == ["bar"]
    enc = spec["encoding"]
    assert enc["x"]["field"] == "pct"
    assert enc["x"]["title"] == "% of group"
    assert enc["y"]["field"] == "level"
    assert enc["yOffset"]["field"] == "group"
    assert enc["color"]["scale"]["range"][:2] == list(charts.PALETTE[:2])
    values = d["datasets"][d["data"]["name"]]
    assert len(values) == 7  # 8 bars, the withheld one left out
    pd.testing.assert_frame_equal(rep_table, before)  # pure


def test_representativeness_chart_withheld_group(rep_raw, rep_table):
    # 3 members in all: fewer than the threshold, so the whole group is withheld
    t = _rep_published(rep_raw.assign(members_total=3,
                                      n_members=pd.array([1, 2, 2, 1], dtype="Int64"),
                                      pct_members=[33.3, 66.7, 66.7, 33.3]))
    assert t["members_total"].isna().all()
    assert "too few to show" in charts.representativeness_chart(t).to_dict()["title"]["subtitle"][0]
    with pytest.raises(charts.ChartError, match="give n_members and n_rest"):
        charts.representativeness_chart(rep_table.drop(columns="members_total"))


AGREE5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
          "Strongly agree"]


def test_scale_change_chart(means):
    d = charts.scale_change_chart(means, answers=AGREE5).to_dict()
    assert d["facet"]["field"] == "outcome"
    assert d["columns"] == 3
    assert _marks(d["spec"]) == ["line", "rule", "point"]
    rule = d["spec"]["layer"][1]["encoding"]
    assert rule["y"]["field"] == "ci_low"
    assert rule["y2"]["field"] == "ci_high"
    assert "95% CI" in d["spec"]["layer"][0]["encoding"]["y"]["title"][0]
    assert "SLC members: n = 22" in d["title"]["subtitle"]
    assert "Other pupils: n = 190" in d["title"]["subtitle"]


def test_scale_change_chart_keeps_colours_when_members_are_withheld(means_raw):
    few = means_raw.assign(n=means_raw["n"].where(means_raw["group"] != "SLC members", 3))
    others = _means_published(few)  # 3 members: their rows are withheld and left out
    assert set(others["group"]) == {"Other pupils"}
    d = charts.scale_change_chart(others, answers=AGREE5).to_dict()
    color = d["spec"]["layer"][0]["encoding"]["color"]["scale"]
    assert color["domain"] == ["SLC members", "Other pupils"]
    assert color["range"] == list(charts.PALETTE[:2])
    assert "SLC members: fewer than 5, not shown" in d["title"]["subtitle"]


def test_attendance_chart(means_raw):
    att = _means_published(means_raw[means_raw["outcome"] == "Engagement"].assign(
        mean=[91.0, 93.0, 92.0, 92.1]))
    d = charts.attendance_chart(att).to_dict()
    assert _marks(d) == ["line", "rule", "point"]
    assert d["layer"][0]["encoding"]["y"]["title"].startswith("Attendance, % of sessions")
    assert "n = 22" in d["title"]["subtitle"]


def test_effect_size_chart(effects):
    d = charts.effect_size_chart(effects).to_dict()
    assert _marks(d) == ["rule", "rule", "point"]
    zero, ci, point = d["layer"]
    assert zero["encoding"]["x"]["field"] == "zero"
    assert zero["mark"]["strokeDash"]
    assert ci["encoding"]["x"]["field"] == "ci_low"
    assert ci["encoding"]["x2"]["field"] == "ci_high"
    assert point["encoding"]["x"]["field"] == "estimate"
    labels = [r["label"] for r in d["datasets"][ci["data"]["name"]]]
    assert labels == ["Engagement (n = 30 v 200): better \u2192",
                      "Attendance (n = 34 v 250): better \u2192"]
    assert "2 outcomes" in d["title"]["subtitle"]
    assert "n = 30-34 members v 200-250 other pupils" in d["title"]["subtitle"]


def test_effect_size_chart_without_comparison(effects_raw):
    d = charts.effect_size_chart(_effects_published(effects_raw.assign(n2=0))).to_dict()
    labels = [r["label"] for r in d["datasets"][d["layer"][1]["data"]["name"]]]
    assert labels[0] == "Engagement (n = 30): better \u2192"


def test_participation_chart():
    raw = pd.DataFrame({"community": ["SLC"] * 4, "band": ["0-24%", "25-49%", "50-74%",
                                                           "75-100%"],
                        "n": pd.array([0, 3, 2, 15], dtype="Int64")})
    bands = _bands_published(raw)  # 3 and 2 withheld (5 together); a true 0 is shown
    assert bands["n"].isna().tolist() == [False, True, True, False]
    d = charts.participation_chart(bands).to_dict()
    assert _marks(d) == ["bar"]
    assert d["encoding"]["x"]["field"] == "band"
    assert d["encoding"]["y"]["title"] == "Members"
    assert d["title"]["text"].endswith(": SLC")
    # withheld bands are named (the study merges bands first: see tests/charts)
    assert d["title"]["subtitle"] == [
        "n = 15 members",
        "Not shown, to protect groups of fewer than 5 members: SLC: 25-49%, SLC: 50-74%"]
    assert d["encoding"]["x"]["sort"][0] == "0-24%"  # bands in order
    two = _bands_published(pd.concat([raw, raw.assign(community="SLC 2")]))
    d2 = charts.participation_chart(two).to_dict()
    assert d2["facet"]["field"] == "community"
    assert "in 2 communities" in d2["title"]["subtitle"][0]


def test_charts_refuse_raw_rows_and_missing_columns(effects):
    # the row count and the columns are checked before the suppression mark: these data
    # reach the checks under test (``big`` would be refused as unsuppressed otherwise)
    big = pd.DataFrame({"community": "SLC", "band": "0-24%", "n": np.ones(charts.MAX_ROWS + 1)})
    with pytest.raises(charts.ChartError, match="aggregate the data first"):
        charts.participation_chart(big)
    with pytest.raises(charts.ChartError, match=r"missing \['ci_high'\]"):
        charts.effect_size_chart(effects.drop(columns="ci_high"))
    with pytest.raises(charts.ChartError, match="expected a DataFrame"):
        charts.effect_size_chart([1, 2])


def test_every_chart_renders_to_svg_offline(rep_table, means, effects):
    built = [charts.representativeness_chart(rep_table),
             charts.scale_change_chart(means, answers=AGREE5),
             charts.effect_size_chart(effects),
             charts.attendance_chart(means[means["outcome"] == "Engagement"])]
    for chart in built:
        svg = vlc.vegalite_to_svg(chart.to_dict())
        assert svg.startswith("<svg")
        assert "n = " in svg


def test_use_offline_renderer():
    before_renderer, before_theme = alt.renderers.active, alt.theme.active
    try:
        charts.use_offline_renderer()
        charts.use_offline_renderer()  # idempotent
        assert alt.renderers.active == charts.RENDERER  # SVG plus the spec
        assert alt.theme.active == charts.THEME
        chart = alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q")
        assert chart.to_dict()["config"]["font"]
        bundle = chart._repr_mimebundle_()  # what Jupyter asks of a chart (IPython protocol)
        assert set(bundle) == {"image/svg+xml", CHART_MIMETYPE}
        assert bundle["image/svg+xml"].startswith("<svg")
        assert 'font-family="Helvetica, Arial, sans-serif"' in bundle["image/svg+xml"]
        assert bundle[CHART_MIMETYPE] == chart.to_dict()
    finally:
        alt.renderers.enable(before_renderer)
        alt.theme.enable(before_theme)


def test_changing_one_explorer_chart_leaves_the_next_unchanged():
    """Issue 14: explorer charts once shared one cached template's layers and encoding."""
    summary = pd.DataFrame({"group": ["Year 7", "Year 8"], "n": [40, 38], "mean": [3.1, 3.3],
                            "ci_low": [2.9, 3.1], "ci_high": [3.3, 3.5]})
    # as the explorer publishes it: the groups make up everyone selected (nothing withheld)
    summary = suppress_small(summary, count_cols="n", threshold=THRESHOLD,
                             value_cols=["mean", "ci_low", "ci_high"], partition_by=[])
    titles = {"title": "Engagement, Wave 1", "y_title": "Mean scale score",
              "group_title": "Year group"}
    before = charts.group_means_chart(summary, **titles)
    expected = before.to_dict()
    c1 = charts.group_means_chart(summary, **titles)
    c1.layer[1].mark = "bar"
    c1.layer[1].encoding.y = alt.Y("n:Q", title="changed")
    c1.layer[0].encoding.y2 = alt.Y2("mean:Q")
    c1.encoding.x = alt.X("group:N", title="changed")
    assert _marks(c1.to_dict()) == ["rule", "bar"]  # the change took effect on c1
    c2 = charts.group_means_chart(summary, **titles)
    assert c2.to_dict() == expected
    assert before.to_dict() == expected  # nor does it reach back to an earlier chart


def test_item10_likert_full_scale(means):
    """Issue 16 item 10: Likert means on the whole answer scale (1-5), not on 3.4-4.2.

    The axis domain comes from the manifest's response scale (its levels and start) and the
    axis title says what the ends mean."""
    d = charts.scale_change_chart(means, answers=AGREE5).to_dict()
    y = d["spec"]["layer"][0]["encoding"]["y"]
    assert y["scale"]["domain"] == [1, 5]
    assert y["scale"]["nice"] is False
    assert y["axis"]["values"] == [1, 2, 3, 4, 5]
    assert y["title"] == ["Mean score (95% CI)", "1 = strongly disagree ... 5 = strongly agree"]
    assert min(means["ci_low"]) > 2.5  # the data sit in a narrow band; the axis does not
    # a 0-4 frequency scale starts where the manifest says it starts
    never = charts.scale_change_chart(means, answers=["Never", "Rarely", "Sometimes", "Often",
                                                      "Always"], first=0).to_dict()
    assert never["spec"]["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0, 4]
    assert never["spec"]["layer"][0]["encoding"]["y"]["title"][1] == "0 = never ... 4 = always"
    # means cannot be drawn without their scale; nothing to draw needs none
    with pytest.raises(charts.ChartError, match="answer scale"):
        charts.scale_change_chart(means)
    assert charts.scale_change_chart(means.iloc[:0]).to_dict()["spec"]
    with pytest.raises(charts.ChartError, match="at least two answers"):
        charts.answer_axis(["Yes"])


def test_item10_forest_better_direction(effects_raw):
    """Issue 16 item 10: each outcome on a forest plot says which side is better.

    Higher is better for engagement and attendance; lower for negative behaviour points and
    absence, so "positive = changed more" no longer stands for every row."""
    raw = pd.concat([effects_raw.iloc[:2], pd.DataFrame({
        "outcome": ["Behaviour (negative points)", "Behaviour (positive points)",
                    "Persistent absence"],
        "estimate": [-0.3, 0.2, -0.1], "ci_low": [-0.6, -0.1, -0.4], "ci_high": [0.0, 0.5, 0.2],
        "n1": pd.array([34] * 3, dtype="Int64"), "n2": pd.array([250] * 3, dtype="Int64")})],
        ignore_index=True)
    d = charts.effect_size_chart(_effects_published(raw)).to_dict()
    zero, ci, _ = d["layer"]
    labels = [r["label"] for r in d["datasets"][ci["data"]["name"]]]
    assert labels == ["Engagement (n = 30 v 200): better \u2192",
                      "Attendance (n = 34 v 250): better \u2192",
                      "Behaviour (negative points) (n = 34 v 250): \u2190 better",
                      "Behaviour (positive points) (n = 34 v 250): better \u2192",
                      "Persistent absence (n = 34 v 250): \u2190 better"]
    assert "positive" not in ci["encoding"]["x"]["title"]
    assert "changed more" not in ci["encoding"]["x"]["title"]
    # said outright in the data, the direction wins over the name
    said = _effects_published(raw.assign(higher_is_better=[True, True, True, True, False]))
    d = charts.effect_size_chart(said).to_dict()
    labels = [r["label"] for r in d["datasets"][d["layer"][1]["data"]["name"]]]
    assert labels[2].endswith("better \u2192")
    assert "higher_is_better" not in d["datasets"][d["layer"][1]["data"]["name"]][0]
    # the co-production forest plot: one outcome per plot, the arrow on its axis
    forest = pd.DataFrame({"label": ["School A", "School B", "All schools"],
                           "kind": ["school", "school", "pooled"], "estimate": [-0.5, -0.3, -0.4],
                           "ci_low": [-0.9, -0.7, -0.7], "ci_high": [-0.1, 0.1, -0.1],
                           "weight_percent": [50.0, 50.0, 100.0],
                           "n": pd.array([12, 10, 22], dtype="Int64"), "k": 2})
    forest = suppress_small(forest, count_cols={"n": []}, threshold=THRESHOLD,
                            partition_by=None)
    behaviour = charts.forest_chart(forest, x_title="Change, g_av (95% CI)",
                                    title="Negative behaviour: change in each school").to_dict()
    assert behaviour["layer"][1]["encoding"]["x"]["title"] == (
        "Change, g_av (95% CI)   \u2190 better")
    confident = charts.forest_chart(forest, x_title="Change in % answering Yes (95% CI)",
                                    title="I feel confident about speaking up").to_dict()
    assert confident["layer"][1]["encoding"]["x"]["title"].endswith("better \u2192")
    said = charts.forest_chart(forest, x_title="Change (95% CI; better \u2190 below 0)",
                               title="Negative behaviour").to_dict()  # not said twice
    assert said["layer"][1]["encoding"]["x"]["title"] == "Change (95% CI; better \u2190 below 0)"
    trouble = charts.forest_chart(forest, x_title="x", title="I often get into trouble",
                                  higher_is_better=True).to_dict()  # said outright
    assert trouble["layer"][1]["encoding"]["x"]["title"].endswith("better \u2192")
