"""Issue 16 in the SLC impact case study: DiD and ANCOVA side by side, the declared primary
outcome with Holm-adjusted secondaries, the interaction test and the equivalence verdicts.

References
----------
- ANCOVA minus difference in differences equals (1 - b) times the gap at the start, b the
  pooled within-group slope of the after-score on the before-score (Lord, 1967; Wright,
  2006): checked here with numpy's least squares, a different code path.
- Holm (1979), as statsmodels' ``multipletests(method="holm")`` computes it.
- The member x subgroup interaction of a saturated model is the difference of the two
  differences of cell means of the change (four cells), computed here with pandas.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from slc_research.casestudies.slc_impact import STUDY, adjusted, headline, impact, subgroups
from slc_research.errors import ConfigError


def _scores(seed: int = 3, members: int = 40, others: int = 160, gap: float = 0.5,
            gain: float = 0.3) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Two scales, members starting ``gap`` ahead and gaining ``gain`` more; PP flags."""
    rng = np.random.default_rng(seed)
    ids = [f"M{i:03d}" for i in range(members)] + [f"O{i:03d}" for i in range(others)]
    member = np.arange(len(ids)) < members
    rows = []
    for scale, shift in (("engagement", gain), ("relationships", 0.0)):
        pre = rng.normal(3.0, 0.8, len(ids)) + gap * member
        post = 1.0 + 0.6 * pre + rng.normal(0, 0.5, len(ids)) + shift * member
        for pid, a, b in zip(ids, pre, post, strict=True):
            rows += [{"respondent_id": pid, "wave": 1, "scale": scale, "score": a},
                     {"respondent_id": pid, "wave": 2, "scale": scale, "score": b}]
    pp = [pid for i, pid in enumerate(ids) if i % 3 == 0]
    return pd.DataFrame(rows), ids[:members], pp


def _results(**kwargs):
    scores, members, pp = _scores(**kwargs)
    return [impact.scale_change(scores, members, scale=s) for s in
            ("engagement", "relationships")], pp


def test_item2_did_and_ancova_side_by_side():
    results, _ = _results()
    models = adjusted.adjusted_comparison(results, threshold=5, display=False)
    eng = models[models["outcome"] == "engagement"].set_index("model")
    assert set(eng.index) == {"ANCOVA", "Difference in differences"}
    d = results[0].pupils.assign(member=lambda x: x["group"] == "SLC members")
    change = (d["post"] - d["pre"]).groupby(d["member"]).mean()
    assert eng.loc["Difference in differences", "estimate"] == pytest.approx(
        change[True] - change[False])  # DiD is the headline's own numerator
    x = np.column_stack([np.ones(len(d)), d["member"].astype(float), d["pre"]])
    coef = np.linalg.lstsq(x, d["post"].to_numpy(), rcond=None)[0]
    gap = d.loc[d["member"], "pre"].mean() - d.loc[~d["member"], "pre"].mean()
    assert eng.loc["ANCOVA", "estimate"] == pytest.approx(coef[1])
    # Lord's paradox: ANCOVA - DiD = (1 - b) x gap, exactly
    assert eng.loc["ANCOVA", "estimate"] - eng.loc["Difference in differences", "estimate"] \
        == pytest.approx((1 - coef[2]) * gap)
    paragraphs = adjusted.models_paragraphs(results, threshold=5)
    assert "Lord's paradox" in paragraphs[0]
    assert "parallel trends" in paragraphs[0]
    assert "it does not check the headline, it restates it" in paragraphs[0]
    assert f"= {(1 - coef[2]) * gap:+.2f}." in paragraphs[1]
    assert f"started {gap:.2f} ahead" in paragraphs[1]
    # the headline is d_ppc2 over the pooled SD before, not the SD of the change
    ppc = results[0].ppc
    assert results[0].effect.symbol == "d_ppc2"
    assert ppc.mean_change_treated - ppc.mean_change_comparison == pytest.approx(
        change[True] - change[False])


def test_item5_holm_and_interaction():
    results, pp = _results(seed=8, gap=0.2)
    table = headline.headline_table(results, primary="engagement", smallest_effect=0.2,
                                    threshold=5, display=False)
    primary = table[table["role"] == "primary"].iloc[0]
    assert primary["outcome"] == "engagement"
    assert np.isnan(primary["p_holm"])  # the primary is tested at 5% without adjustment
    p = [2 * stats.norm.sf(abs(r.ppc.estimate) / r.ppc.se) for r in results]
    assert primary["p_value"] == pytest.approx(p[0])
    # with one secondary Holm leaves p as it is; add a third outcome to see it act
    more, _ = _results(seed=2, gap=0.2, gain=0.25)  # p between .025 and .05: lost to Holm
    extra = [*results, dataclasses.replace(more[0], outcome="metacognition",
                                           label="metacognition")]
    table = headline.headline_table(extra, primary="engagement", smallest_effect=0.2,
                                    threshold=5, display=False)
    secondary = table[table["role"] == "secondary"]
    raw = secondary["p_value"].to_numpy()
    assert secondary["p_holm"].to_numpy() == pytest.approx(
        multipletests(raw, method="holm")[1])
    assert (secondary["p_holm"] >= secondary["p_value"]).all()
    lost = secondary[(secondary["p_value"] < 0.05) & (secondary["p_holm"] >= 0.05)]
    assert list(lost["outcome"]) == ["metacognition"]
    assert lost["equivalence"].iloc[0].startswith("inconclusive after Holm adjustment "
                                                  "(unadjusted: an effect, at least")
    finding = headline.outcomes_finding(extra, primary="engagement", smallest_effect=0.2,
                                        threshold=5)
    assert finding.startswith("On the primary outcome, engagement, members changed clearly more")
    assert ("metacognition would look clear on their own but not after allowing for the "
            "number of outcomes") in finding
    shown = headline.headline_table(extra, primary="engagement", smallest_effect=0.2,
                                    threshold=5)
    assert {"p", "p (Holm-adjusted)", "Equivalence test (±0.2)"} <= set(shown.columns)

    # the interaction test: member x pupil premium on the change
    inter = subgroups.interaction_table(results, pp, threshold=5, display=False)
    d = results[0].pupils.assign(change=lambda x: x["post"] - x["pre"],
                                 member=lambda x: x["group"] == "SLC members",
                                 pp=lambda x: x["pupil_id"].isin(pp))
    cell = d.groupby(["member", "pp"])["change"].mean()
    expected = (cell[True, True] - cell[False, True]) - (cell[True, False] - cell[False, False])
    row = inter[inter["outcome"] == "engagement"].iloc[0]
    assert row["interaction"] == pytest.approx(expected)
    assert row["ci_low"] < row["interaction"] < row["ci_high"]
    assert 0 < row["p_value"] < 1
    assert row["n_members_in"] == int((d["member"] & d["pp"]).sum())
    assert "n_members_out" not in inter.columns  # would give away a withheld count
    assert "not evidence of a different effect" in subgroups.SUBGROUP_CAVEAT
    crafted = pd.DataFrame({"outcome": ["Engagement", "Attendance"], "ci_low": [-0.2, 0.1],
                            "ci_high": [0.8, 0.9]})
    assert subgroups.interaction_finding(crafted) == (
        "The interaction test finds evidence that the effect differs for them on attendance; "
        "on the other outcomes it finds none, so a larger or smaller figure there is not "
        "evidence of a different effect.")
    assert "finds no evidence" in subgroups.interaction_finding(crafted.iloc[:1])


def test_item5_primary_outcome_is_declared_and_checked(tmp_path):
    (tmp_path / "enquiry.toml").write_text("")
    params = STUDY.validate(workspace=str(tmp_path))
    assert (params["primary_outcome"], params["smallest_effect"]) == ("", 0.2)
    assert headline.resolve_primary("", ["engagement", "relationships"]) == "engagement"
    assert headline.resolve_primary("relationships", ["engagement", "relationships"]) \
        == "relationships"
    with pytest.raises(ConfigError, match="primary outcome must be one of the questionnaire "
                                          "scales analysed \\(\"engagement\"\\)"):
        headline.resolve_primary("wellbeing", ["engagement"])
    with pytest.raises(ConfigError, match="smallest effect that matters"):
        STUDY.validate(workspace=str(tmp_path), smallest_effect="big")


def test_item8_headline_finding_never_says_just_not_significant():
    results, _ = _results(seed=4, gain=0.0, gap=0.0, members=200, others=800)
    text = headline.headline_finding(results, primary="relationships", smallest_effect=0.2,
                                     threshold=5)
    assert "not significant" not in text
    tested = headline.equivalence(results[1], 0.2)
    assert tested.verdict in {"equivalent", "inconclusive"}
    assert tested.in_words() in text
    small, _ = _results(seed=4, gain=0.0, gap=0.0, members=12, others=20)
    assert headline.equivalence(small[1], 0.2).verdict == "inconclusive"
