"""The staff-survey functions on a small crafted survey with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from slc_research import charts
from slc_research.casestudies.tlc import staff_survey
from slc_research.data.spec import BUILTIN_RESPONSE_SCALES, Scale, SourceSpec

SCALE = Scale("tlc", "tlc_staff_survey", ("q1", "q2", "q3"), reverse=("q3",))
AGREE5 = BUILTIN_RESPONSE_SCALES["agree5"]


def _answers():
    values = {"q1": [5, 4, 4, 2, 5, 3], "q2": [5, 5, 4, 2, 4, 3], "q3": [1, 2, 2, 4, 1, 3]}
    rows = [{"respondent_id": f"A-s-{i}", "respondent_type": "anonymous",
             "instrument": "tlc_staff_survey", "wave": 1, "item": item, "value": float(v),
             "source": "north_survey" if i < 4 else "south_survey"}
            for item, vs in values.items() for i, v in enumerate(vs)]
    return pd.DataFrame(rows)


def _sources():
    def spec(name, label, **opts):
        return SourceSpec(name, label, label, "survey", {"Q one": "q1"},
                          options={"instrument": "tlc_staff_survey", **opts})
    return {"north_survey": spec("north_survey", "raw/st-aidans-c-of-e-high/s.xlsx"),
            "south_survey": spec("south_survey", "raw/x/s.xlsx", school="South")}


def test_survey_schools_from_key_or_folder():
    m = staff_survey.survey_schools(_sources(), ["St Aidan's C of E High", "South"])
    assert m == {"north_survey": "St Aidan's C of E High", "south_survey": "South"}
    assert staff_survey.item_wording(_sources(), "tlc_staff_survey") == {"q1": "Q one"}


def test_survey_answers_by_school():
    a = staff_survey.survey_answers(_answers(), SCALE, sources={"south_survey": "South"},
                                    schools=["South"])
    assert a["respondent_id"].nunique() == 2


def test_likert_distribution_counts_each_level():
    d = staff_survey.likert_distribution(_answers(), SCALE, AGREE5)
    q1 = d.loc[d["item"] == "q1"].set_index("level_no")
    assert q1["n"].tolist() == [0, 1, 1, 2, 2]
    assert (q1["n_item"] == 6).all()
    assert q1["pct"].sum() == pytest.approx(100)
    # published as the study charts it; threshold 1 withholds nothing (6 respondents, so the
    # usual 5 would withhold every answer): the chart part of this test is about drawing
    published = staff_survey.distribution_table(d, threshold=1, display=False)
    spec = charts.likert_chart(published, levels=list(AGREE5.levels)).to_dict()
    assert "n = 6" in spec["title"]["subtitle"][0]
    first = [r for r in spec["datasets"][next(iter(spec["datasets"]))] if r["item"] == "q1"]
    assert min(r["x0"] for r in first) == pytest.approx(-(100 / 6 + 100 / 12))  # centred


def test_reliability_and_mean():
    a = _answers()
    alpha = staff_survey.scale_reliability(a, SCALE)
    assert alpha.k == 3
    assert alpha.n == 6
    assert alpha.ci_low < alpha.estimate < alpha.ci_high
    assert alpha.estimate > 0.8  # q3 reversed agrees with q1 and q2
    t = staff_survey.alpha_table(alpha, wording={"q1": "Q one"}, reverse=SCALE.reverse)
    assert t["question"].tolist() == ["Q one", "q2", "q3 (reversed)"]
    scores = pd.DataFrame({"respondent_id": ["A-s-0", "A-s-1", "other"], "scale": "tlc",
                           "score": [5.0, 4.0, 1.0]})
    m = staff_survey.scale_mean(scores, a, SCALE)
    assert m.estimate == pytest.approx(4.5)
    assert m.n == 2


def test_comment_themes_none_without_codings():
    empty = pd.DataFrame(columns=["text_id", "coder", "code", "start", "end"])
    assert staff_survey.comment_themes(pd.DataFrame(), empty, None) is None


def test_distribution_table_withholds_small_answers_and_the_next_smallest():
    d = staff_survey.likert_distribution(_answers(), SCALE, AGREE5)
    long = staff_survey.distribution_table(d, threshold=2, display=False)
    q1 = long.loc[long["item"] == "q1"].set_index("level_no")
    # q1: 0, 1, 1, 2, 2 of 6. The two 1s are withheld; together they are 2 (not small)
    assert q1["pct"].isna().tolist() == [False, True, True, False, False]
    wide = staff_survey.distribution_table(d, threshold=2)
    assert wide.columns.tolist() == ["Statement", *AGREE5.levels]
    row = wide.iloc[0]
    assert row[AGREE5.levels[1]] == "<2"
    assert row[AGREE5.levels[0]] == 0
    assert row[AGREE5.levels[2]] == "<2"
    assert row[AGREE5.levels[3]] == pytest.approx(100 * 2 / 6)
    spec = charts.likert_chart(long, levels=list(AGREE5.levels)).to_dict()
    shown = [r for r in spec["datasets"][next(iter(spec["datasets"]))] if r["item"] == "q1"]
    assert len(shown) < 5  # the withheld answers have no bar


def test_distribution_table_one_small_answer_takes_the_next_smallest():
    n = [0, 1, 6, 8, 5]
    d = pd.DataFrame({"item": "q1", "question": "I plan with colleagues",
                      "level": list(AGREE5.levels), "level_no": [1, 2, 3, 4, 5], "n": n,
                      "n_item": 20, "reversed": False})
    d["pct"] = 100 * d["n"] / 20
    wide = staff_survey.distribution_table(d, threshold=5)
    # 20 minus the published answers would give the 1 away: the 5 is withheld with it
    assert wide.iloc[0].tolist() == ["I plan with colleagues", 0.0, "<5", 30.0, 40.0, "*"]
