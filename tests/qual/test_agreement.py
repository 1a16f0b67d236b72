"""Agreement of two coders: kappa per code and alpha overall, against hand computations.

On the texts both coders coded (t1, t2, t5; t9 is withdrawn) the presence of each code is
  voice    A 1 1 0  B 1 1 0  -> kappa 1
  learning A 1 0 1  B 0 0 0  -> p_o 1/3, p_e 1/3, kappa 0
  dialogue A 0 1 0  B 0 1 1  -> p_o 2/3, p_e 4/9, kappa (2/3 - 4/9) / (5/9) = 0.4
Pooled over the 9 text-code decisions: p_o = 6/9, A says yes 5/9, B 4/9, p_e = 40/81,
kappa = (54 - 40) / (81 - 40) = 14/41. Alpha over the same decisions (Krippendorff, 2011): o_00 = o_11 = 6, o_01 = o_10 = 3,
n_0 = n_1 = 9, D_o = 6/18, D_e = 2 * 81 / (18 * 17), alpha = 1 - 306/486 = 0.3704.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from slc_research.charts import ChartError, code_agreement_chart
from slc_research.errors import ConfigError
from slc_research.privacy.suppression import suppress_small
from slc_research.qual import (
    AGREEMENT_COLUMNS,
    OVERALL,
    POOLED_KAPPA,
    agreement_records,
    agreement_table,
    coder_agreement,
)


def test_kappa_per_code_and_alpha(texts, codings):
    result = coder_agreement(texts, codings, n_resamples=200)
    assert list(result.columns) == list(AGREEMENT_COLUMNS)
    assert result.attrs["coders"] == ("A", "B")
    assert result.attrs["n_texts"] == 3
    by_code = result.set_index("code")
    assert by_code.loc["voice", "estimate"] == pytest.approx(1.0)
    assert by_code.loc["learning", "estimate"] == pytest.approx(0.0, abs=1e-12)
    assert by_code.loc["dialogue", "estimate"] == pytest.approx(0.4)
    assert by_code.loc["dialogue", "pct_agreement"] == pytest.approx(200 / 3)
    assert (by_code.loc["learning", "n_first"], by_code.loc["learning", "n_second"]) == (2, 0)
    assert math.isnan(by_code.loc["learning", "ci_low"])  # B never gave it: no interval
    assert "only one coder gave this code" in by_code.loc["learning", "note"]
    assert set(by_code.loc[["voice", "learning", "dialogue"], "n"]) == {3}
    assert list(result["statistic"].iloc[-2:]) == [POOLED_KAPPA, "Krippendorff's alpha"]
    pooled = result.iloc[-2]
    assert pooled["code"] == OVERALL
    assert pooled["estimate"] == pytest.approx(14 / 41)
    assert pooled["n"] == 9
    overall = result.iloc[-1]
    assert overall["code"] == OVERALL
    assert overall["estimate"] == pytest.approx(1 - 306 / 486)
    assert overall["n"] == 9
    assert overall["ci_low"] <= overall["estimate"] <= overall["ci_high"]


def test_code_never_used_on_shared_texts_gets_a_note(texts, codings):
    extra = pd.concat([codings, pd.DataFrame({"text_id": ["t3"], "coder": ["A"],
                                              "code": ["rare"]})], ignore_index=True)
    result = coder_agreement(texts, extra, n_resamples=0).set_index("code")
    assert "rare" not in result.index  # t3 is coded by A only: not a shared text
    both = pd.concat([codings, pd.DataFrame({"text_id": ["t1", "t2", "t5"] * 2,
                                             "coder": ["A"] * 3 + ["B"] * 3,
                                             "code": ["all"] * 6})], ignore_index=True)
    result = coder_agreement(texts, both, n_resamples=0).set_index("code")
    assert math.isnan(result.loc["all", "estimate"])
    assert "every text" in result.loc["all", "note"]
    assert result.loc["all", "pct_agreement"] == 100


def test_one_coder_gives_a_clear_empty_result(texts, codings):
    result = coder_agreement(texts, codings[codings["coder"] == "A"])
    assert result.empty
    assert list(result.columns) == list(AGREEMENT_COLUMNS)
    assert "needs a second coder" in result.attrs["message"]


def test_coders_without_shared_texts(texts, codings):
    apart = codings[(codings["coder"] == "A") | (codings["text_id"] == "t1")]
    apart = apart[~((apart["coder"] == "A") & (apart["text_id"] == "t1"))]
    result = coder_agreement(texts, apart)
    assert result.empty
    assert "both coded 0 texts" in result.attrs["message"]


def test_default_pair_is_the_two_busiest_coders(texts, codings):
    third = pd.DataFrame({"text_id": ["t1"], "coder": ["C"], "code": ["voice"]})
    result = coder_agreement(texts, pd.concat([codings, third]), n_resamples=0)
    assert result.attrs["coders"] == ("A", "B")
    chosen = coder_agreement(texts, pd.concat([codings, third]), coders=["B", "A"],
                             n_resamples=0)
    assert chosen.attrs["coders"] == ("B", "A")


def test_coder_errors(texts, codings):
    with pytest.raises(ConfigError, match="two different coders"):
        coder_agreement(texts, codings, coders=["A", "A"])
    with pytest.raises(ConfigError, match="two different coders"):
        coder_agreement(texts, codings, coders="A")
    with pytest.raises(ConfigError, match=r"no codings by coder\(s\) Z"):
        coder_agreement(texts, codings, coders=["A", "Z"])


def _chart_data(agreement: pd.DataFrame) -> pd.DataFrame:
    """The chart's data as the voices study publishes it (threshold 5, rows not one total).

    Each coder's count of texts given a code is withheld when small; the estimates stay.
    """
    return suppress_small(agreement, count_cols={"n_first": [], "n_second": []}, threshold=5,
                          partition_by=None)


def test_agreement_chart(texts, codings):
    result = coder_agreement(texts, codings, n_resamples=0)
    spec = code_agreement_chart(_chart_data(result)).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rule", "point"]
    labels = [v["label"] for v in next(iter(spec["datasets"].values()))]
    assert labels[-2:] == ["All codes: kappa", "All codes: alpha"]
    assert spec["title"]["subtitle"].startswith("n = 3 texts coded by both")
    with pytest.raises(ChartError, match="no agreement estimate"):
        code_agreement_chart(_chart_data(coder_agreement(texts,
                                                         codings[codings["coder"] == "A"])))


def test_agreement_table_and_records(texts, codings):
    result = coder_agreement(texts, codings, n_resamples=0)
    table = agreement_table(result)
    assert "Coder A gave it" in table.columns
    assert "Coder B gave it" in table.columns
    assert table["Code"].iloc[-1] == OVERALL
    rec = agreement_records(result)
    assert rec["coders"] == ["A", "B"]
    assert rec["n_texts_double_coded"] == 3
    assert rec["kappa"]["dialogue"]["estimate"] == pytest.approx(0.4)
    assert rec["kappa"]["dialogue"]["n"] == 3
    assert rec["alpha"]["estimate"] == pytest.approx(1 - 306 / 486)
    assert rec["alpha"]["ci_low"] is None  # no resamples: no interval
    assert rec["kappa_overall"]["estimate"] == pytest.approx(14 / 41)
    empty = agreement_records(coder_agreement(texts, codings[codings["coder"] == "A"]))
    assert empty["kappa"] == {}
    assert empty["alpha"] is None
