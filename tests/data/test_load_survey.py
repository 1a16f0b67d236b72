"""Questionnaire exports into survey_responses, and scale scores."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from slc_research.data.loading.loaders import load_source
from slc_research.data.spec import BUILTIN_RESPONSE_SCALES, ResponseScale, Scale
from slc_research.errors import ConfigError, DataError
from slc_research.measures.scales import scale_scores

COLUMNS = {"Pupil ID": "respondent_id",
           "I look forward to my lessons": "eng1",
           "I join in with discussions in class": "eng2",
           "I often lose interest in lessons": "eng3"}
HEADER = ("Timestamp,Pupil ID,I look forward to my lessons,I join in with discussions in class,"
          "I often lose interest in lessons\n")
ENGAGEMENT = Scale("engagement", "learning_questionnaire", ("eng1", "eng2", "eng3"),
                   reverse=("eng3",), response_scale="agree5")


def _survey(write, spec, rows, name="questionnaire_autumn.csv", columns=COLUMNS, **options):
    path = write(f"raw/{name}", HEADER + "".join(rows))
    options = {"instrument": "learning_questionnaire", "wave": 1, "respondents": "pupil",
               "response_scale": "agree5", **options}
    return spec(path, "survey", columns, **options)


def test_survey_is_long_with_values(write, spec, ctx, pseudonymiser, frame_text):
    s = _survey(write, spec, ["01/10/2025 09:00,A1,Strongly agree,agree ,AGREE\n",
                              "01/10/2025 09:05,A2,Disagree,,Neither agree nor disagree\n"])
    loaded = load_source(s, ctx)
    t = loaded.tables["survey_responses"]
    assert list(t.columns) == ["respondent_id", "respondent_type", "instrument", "wave", "item",
                               "answer", "value", "source", "submitted"]
    assert t["submitted"].tolist() == [pd.Timestamp("2025-10-01 09:00")] * 3 + \
        [pd.Timestamp("2025-10-01 09:05")] * 3
    assert len(t) == 6
    assert t["item"].tolist() == ["eng1", "eng2", "eng3"] * 2
    assert t["respondent_id"].tolist() == [pseudonymiser.one("A1")] * 3 + \
        [pseudonymiser.one("A2")] * 3
    assert t["answer"].tolist()[:3] == ["Strongly agree", "agree", "AGREE"]
    assert t["value"].tolist()[:3] == [5.0, 4.0, 4.0]
    assert pd.isna(t["answer"][4])
    assert pd.isna(t["value"][4])
    assert t["value"][5] == 3.0
    assert t["wave"].tolist() == [1] * 6
    assert str(t["wave"].dtype) == "Int8"
    assert set(t["instrument"]) == {"learning_questionnaire"}
    assert set(t["source"]) == {"questionnaire_autumn"}
    # "agree " (trimmed, then case) and "AGREE" differ from "Agree" only in case or spaces
    assert "2 answers differed from the scale's wording only in case or spaces and were read " \
           "as that answer." in loaded.notes
    assert "01/10/2025 09:00" not in frame_text(loaded.tables)  # unmapped column ignored


def test_unknown_answer_lists_the_valid_answers(write, spec, ctx):
    s = _survey(write, spec, ["t,A1,Agree,Agree,Agree\n", "t,A2,Agree,Mostly,Agree\n"])
    with pytest.raises(DataError, match=r"raw/questionnaire_autumn.csv, row 3, column 'I join in "
                                        r"with discussions in class': found 'Mostly'; expected "
                                        r"one of the agree5 answers 'Strongly disagree', "
                                        r"'Disagree', 'Neither agree nor disagree', 'Agree', "
                                        r"'Strongly agree'"):
        load_source(s, ctx)


def test_dont_know_is_no_value_and_digits_count(write, spec, ctx):
    s = _survey(write, spec, ["t,A1,Don't know,4,neutral\n"])
    t = load_source(s, ctx).tables["survey_responses"]
    assert pd.isna(t["value"][0])
    assert t["answer"][0] == "Don't know"
    assert t["value"].tolist()[1:] == [4.0, 3.0]


def test_scale_from_scales_table_wins(write, spec, ctx):
    freq = ResponseScale("often4", ("Never", "Sometimes", "Often", "Always"))
    ctx = dataclasses.replace(
        ctx, response_scales={**ctx.response_scales, "often4": freq},
        scales={"engagement": dataclasses.replace(ENGAGEMENT, response_scale="often4")})
    s = _survey(write, spec, ["t,A1,Always,Never,Often\n"])
    assert load_source(s, ctx).tables["survey_responses"]["value"].tolist() == [4.0, 1.0, 3.0]


def test_item_without_scale(write, spec, ctx):
    s = _survey(write, spec, ["t,A1,Agree,Agree,Agree\n"], response_scale=None)
    with pytest.raises(DataError, match=r"column 'I look forward to my lessons': expected an "
                                        r"answer scale for item 'eng1'"):
        load_source(s, ctx)


def test_unknown_response_scale_name(write, spec, ctx):
    s = _survey(write, spec, ["t,A1,Agree,Agree,Agree\n"], response_scale="agree7")
    with pytest.raises(ConfigError, match=r"sources.questionnaire_autumn.response_scale.*agree7"):
        load_source(s, ctx)


def test_anonymous_survey(write, spec, ctx):
    cols = {k: v for k, v in COLUMNS.items() if v != "respondent_id"}
    s = _survey(write, spec, ["t,A1,Agree,Agree,Agree\n", "t,A2,Agree,Agree,Agree\n"],
                columns=cols)
    t = load_source(s, ctx).tables["survey_responses"]
    assert t["respondent_id"].unique().tolist() == ["A-questionnaire_autumn-2",
                                                    "A-questionnaire_autumn-3"]
    assert set(t["respondent_type"].astype("string")) == {"anonymous"}
    assert "A1" not in set(t["respondent_id"])


def test_duplicate_respondent_in_a_wave(write, spec, ctx):
    s = _survey(write, spec, ["t,A1,Agree,Agree,Agree\n", "t,A2,Agree,Agree,Agree\n",
                              "t,a1,Agree,Agree,Agree\n"])
    with pytest.raises(DataError, match=r"row 2, column 'Pupil ID'.*respondent in wave 1.*rows 2 "
                                        r"and 4"):
        load_source(s, ctx)


def test_items_without_mapping_come_from_scales(write, spec, ctx):
    path = write("raw/q.csv", "respondent_id,eng1,ENG2,eng3,Comments\nA1,Agree,Agree,Agree,hi\n")
    ctx = dataclasses.replace(ctx, scales={"engagement": ENGAGEMENT})
    s = spec(path, "survey", instrument="learning_questionnaire", respondents="pupil")
    t = load_source(s, ctx).tables["survey_responses"]
    assert t["item"].tolist() == ["eng1", "eng2", "eng3"]


def test_survey_without_items(write, spec, ctx):
    path = write("raw/q.csv", "respondent_id,Comments\nA1,hi\n")
    with pytest.raises(DataError, match=r"question columns mapped to item codes"):
        load_source(spec(path, "survey", response_scale="agree5"), ctx)


def test_withdrawn_respondents_left_out(write, spec, ctx, pseudonymiser):
    s = _survey(write, spec, ["t,A1,Agree,Agree,Agree\n", "t,A2,Agree,Agree,Agree\n"])
    ctx = dataclasses.replace(ctx, withdrawn=frozenset({pseudonymiser.one("A2")}))
    loaded = load_source(s, ctx)
    assert set(loaded.tables["survey_responses"]["respondent_id"]) == {pseudonymiser.one("A1")}
    assert "1 row of withdrawn people left out." in loaded.notes
    assert loaded.rows_dropped == 1


# -- scale scores ------------------------------------------------------------------


def _responses(rows):
    return pd.DataFrame(rows, columns=["respondent_id", "item", "value"]).assign(
        respondent_type="pupil", instrument="learning_questionnaire", wave=1)


def test_scale_scores_reverse_code_by_hand():
    # agree5 runs 1..5, so a reversed value v counts as 6 - v.
    responses = _responses([
        ("P-1", "eng1", 5), ("P-1", "eng2", 4), ("P-1", "eng3", 2),   # (5 + 4 + 4) / 3
        ("P-2", "eng1", 1), ("P-2", "eng2", None), ("P-2", "eng3", 5),  # (1 + 1) / 2
        ("P-3", "eng1", 3), ("P-3", "eng2", None), ("P-3", "eng3", None),  # 1 of 3 answered
    ])
    scores = scale_scores(responses, {"engagement": ENGAGEMENT}, BUILTIN_RESPONSE_SCALES)
    assert list(scores.columns) == ["respondent_id", "respondent_type", "instrument", "wave",
                                    "scale", "score", "n_items", "n_answered"]
    by_id = scores.set_index("respondent_id")
    assert by_id.loc["P-1", "score"] == pytest.approx(13 / 3)
    assert by_id.loc["P-2", "score"] == pytest.approx(1.0)
    assert pd.isna(by_id.loc["P-3", "score"])  # fewer than half of the items answered
    assert by_id["n_answered"].tolist() == [3, 2, 1]
    assert by_id["n_items"].tolist() == [3, 3, 3]


def test_scale_scores_min_answered_and_other_instruments():
    responses = _responses([("P-3", "eng1", 3), ("P-3", "eng2", np.nan), ("P-3", "eng3", None)])
    other = _responses([("P-3", "eng1", 1)]).assign(instrument="another_survey")
    both = pd.concat([responses, other], ignore_index=True)
    scores = scale_scores(both, {"engagement": ENGAGEMENT}, BUILTIN_RESPONSE_SCALES,
                          min_answered=0.3)
    assert scores["score"].tolist() == [3.0]  # the other instrument's eng1 is not this scale's


def test_scale_scores_of_a_loaded_survey(write, spec, ctx):
    s = _survey(write, spec, ["t,A1,Strongly agree,Agree,Disagree\n"])
    loaded = load_source(s, ctx).tables["survey_responses"]
    scores = scale_scores(loaded, {"engagement": ENGAGEMENT}, BUILTIN_RESPONSE_SCALES)
    assert scores["score"].tolist() == [pytest.approx((5 + 4 + (6 - 2)) / 3)]
    assert scores["wave"].tolist() == [1]


def test_scale_scores_empty():
    scores = scale_scores(_responses([]), {"engagement": ENGAGEMENT}, BUILTIN_RESPONSE_SCALES)
    assert scores.empty
    assert "score" in scores.columns


@pytest.mark.parametrize("wave", ["autumn", 300, -1])
def test_wave_must_be_a_small_whole_number(write, spec, ctx, wave):
    s = _survey(write, spec, ["t,A1,Agree,Agree,Agree\n"], wave=wave)
    with pytest.raises(ConfigError, match=r"sources.questionnaire_autumn.wave"):
        load_source(s, ctx)


def test_id_column_mapped_as_an_item_is_refused_without_echoing_ids(write, spec, ctx):
    cols = {**{k: v for k, v in COLUMNS.items() if v != "respondent_id"}, "Pupil ID": "pupil_id"}
    s = _survey(write, spec, ["t,A100000000001,Agree,Agree,Agree\n"], columns=cols)
    with pytest.raises(ConfigError, match=r"map the column of respondents' ids to "
                                          r"\"respondent_id\"") as info:
        load_source(s, ctx)
    assert "A100000000001" not in str(info.value)
