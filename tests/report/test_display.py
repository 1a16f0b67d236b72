"""Reader-ready tables, sentences and the privacy guard."""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import pytest

from slc_research.casestudies.slc_impact import impact, tables
from slc_research.privacy.suppression import suppress_small
from slc_research.report import PrivacyError, format_table, read_records, table_html
from slc_research.report.display import RECORD_MIMETYPE, jsonable
from slc_research.stats import hedges_g


def test_format_table_rounds_for_reading_only():
    t = pd.DataFrame({"group": ["a", "b"], "n": pd.array([1234, pd.NA], dtype="Int64"),
                      "mean": [3.14159, np.nan], "p_value": [0.0004, 0.2345],
                      "pct": ["<5", 12.25]})
    t = suppress_small(t, count_cols="n", threshold=1, partition_by=None)  # withholds nothing
    out = format_table(t.drop(columns="suppressed"), decimals={"mean": 2}, labels={"n": "Pupils"})
    assert out.to_dict("list") == {"group": ["a", "b"], "Pupils": ["1,234", "–"],
                                   "mean": ["3.14", "–"], "p_value": ["<0.001", "0.234"],
                                   "pct": ["<5", "12.2"]}
    assert t.loc[0, "mean"] == 3.14159


def test_published_tables_refuse_ids():
    with pytest.raises(PrivacyError, match="id or name columns"):
        format_table(pd.DataFrame({"pupil_id": ["x"], "n": [1]}))
    with pytest.raises(PrivacyError, match="pseudonymous id"):
        table_html(pd.DataFrame({"who": ["P-0123456789"], "n": [1]}))


def test_the_display_boundary_refuses_counts_that_were_not_suppressed():
    """Tables shown or recorded and chart data: a count must have passed suppress_small."""
    from slc_research.charts import participation_chart

    raw = pd.DataFrame({"community": ["A", "B"], "band": ["Under 50%", "Under 50%"],
                        "n": [3, 40]})
    with pytest.raises(PrivacyError, match=r"counts \['n'\] that did not pass"):
        format_table(raw)
    with pytest.raises(PrivacyError, match="did not pass small-number suppression"):
        jsonable({"bands": raw})
    with pytest.raises(PrivacyError, match="a chart's data holds counts"):
        participation_chart(raw)
    shown = suppress_small(raw, count_cols="n", threshold=5, display=True,
                           partition_by="community")
    assert format_table(shown)["n"].tolist() == ["<5", "40"]
    participation_chart(suppress_small(raw, count_cols="n", threshold=5,
                                       partition_by="community"))


def test_table_html_escapes():
    html = table_html(pd.DataFrame({"level": ["<script>x</script>"]}), caption="A & B")
    assert "&lt;script&gt;" in html
    assert "<caption>A &amp; B</caption>" in html


def test_records_are_json_and_read_back():
    e = hedges_g([1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 1.5, 2.0])
    value = jsonable({"g": e, "nan": float("nan"), "n": np.int64(3), "set": {1}})
    assert value["g"]["estimate"] == pytest.approx(e.estimate)
    assert value["nan"] is None
    assert value["n"] == 3
    assert value["set"] == [1]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")])
    nb.cells[0].outputs = [
        nbformat.v4.new_output("display_data", data={RECORD_MIMETYPE: {"name": "a", "value": 1},
                                                     "text/plain": ""}),
        nbformat.v4.new_output("display_data", data={RECORD_MIMETYPE: {"name": "a", "value": 2}}),
        nbformat.v4.new_output("display_data", data={"text/plain": "other"}),
    ]
    assert read_records(nb) == {"a": 2}


def _result(m_pre, m_post, o_pre, o_post):
    rows = []
    for prefix, pre, post in (("M", m_pre, m_post), ("O", o_pre, o_post)):
        for i, (a, b) in enumerate(zip(pre, post, strict=True)):
            rows += [(f"{prefix}{i}", 1, "eng", a), (f"{prefix}{i}", 2, "eng", b)]
    scores = pd.DataFrame(rows, columns=["respondent_id", "wave", "scale", "score"])
    return impact.scale_change(scores, {f"M{i}" for i in range(len(m_pre))}, scale="eng",
                               label="Engagement")


def test_small_groups_are_withheld_everywhere():
    rng = np.random.default_rng(3)
    small = _result([3.0, 3.2, 2.8], [3.5, 3.4, 3.3], *rng.normal(3, 0.5, (2, 40)))
    text = tables.describe_change(small, threshold=5)
    assert "SLC members: fewer than 5 measured both times, not shown" in text
    assert "d_ppc2" not in text
    change = tables.change_table([small], threshold=5).set_index("Group")
    assert (change.loc["SLC members"].drop(["Outcome", "n lost"]) == "<5").all()
    assert change.loc["SLC members", "n lost"] == 0  # a true zero
    assert change.loc["Other pupils", "n (both times)"] == 40
    effects = tables.effects_summary([small], threshold=5)
    assert effects.loc[0, "Effect size (d_ppc2)"] == "<5"  # the headline metric (issue 16)
    assert tables.effects_summary([small], threshold=5, display=False).empty
    assert tables.headlines([small], threshold=5) == {"eng_g": None}
    means = tables.means_table([small], threshold=5)
    assert set(means["group"]) == {"Other pupils"}


def test_large_groups_are_described():
    rng = np.random.default_rng(4)
    pre = rng.normal(3, 0.5, 30)
    res = _result(pre, pre + 0.5 + rng.normal(0, 0.3, 30), *rng.normal(3, 0.5, (2, 40)))
    text = tables.describe_change(res, threshold=5)
    assert text.startswith("Engagement (scale score). SLC members: average rose by")
    assert "(n = 30 members and 40 other pupils)" in text
    # issue 16: the verdict of the equivalence test, never just "no difference"
    assert "equivalence test: an effect of at least" in text
    assert tables.headlines([res], threshold=5)["eng_g"] is res.effect


def test_about_data_counts_respondents():
    scores = pd.DataFrame({"respondent_id": ["a", "b", "a", "s"], "wave": [1, 1, 2, 1],
                           "score": [3.0, 2.0, 4.0, 1.0],
                           "respondent_type": ["pupil", "pupil", "pupil", "staff"]})
    t = tables.about_data(n_pupils=100, n_cohort=60, n_members=12, waves=(1, 2), threshold=5,
                          scores=scores, schools=["A"]).set_index("Fact")["Value"]
    assert t["Pupils answering wave 1"] == "<5"  # fewer than the threshold: withheld
    assert t["Pupils answering wave 2"] == "<5"
    assert t["Smallest group shown"].startswith("5 pupils")
    counted = tables.about_data(n_pupils=100, n_cohort=60, n_members=12, waves=(1, 2),
                                threshold=1, scores=scores).set_index("Fact")["Value"]
    assert (counted["Pupils answering wave 1"], counted["Pupils answering wave 2"]) == (2, 1)


@pytest.mark.parametrize(("members", "cohort", "shown", "cohort_shown"),
                         [(12, 60, 12, 60), (3, 60, "<5", 60), (58, 60, 58, "*"),
                          (60, 60, 60, 60), (0, 60, 0, 60)])
def test_about_data_withholds_a_small_membership_or_its_small_complement(members, cohort, shown,
                                                                         cohort_shown):
    """With 2 other pupils, the cohort's total is withheld, not the members' count: every
    section publishes the members' count, so withholding it here hid nothing (58 of 60)."""
    t = tables.about_data(n_pupils=100, n_cohort=cohort, n_members=members, waves=(1, 2),
                          threshold=5).set_index("Fact")["Value"]
    assert t["Members in the cohort"] == shown
    assert t["Pupils in the members' year groups (the cohort)"] == cohort_shown
