"""End to end: the slc_impact notebook runs through Papermill on the demo trust and its
offline HTML report has the expected headings, inline charts, and no name or real id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slc_research.report.catalogue import NOTEBOOKS
from slc_research.report.execute import ReportError, run_report
from slc_research.report.index import write_index
from slc_research.synthetic.trust import INJECTED_EFFECTS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "slc_impact.ipynb"
HEADINGS = ["Who took part", "Participation", "Change on the learning questionnaire",
            "Attendance and behaviour", "A closer look at the comparison",
            "Disadvantaged pupils", "Pupil voice", "What this design can and cannot show",
            "About the data"]


@pytest.fixture(scope="module")
def trust_run(demo_enquiry, demo_workspace, tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    result = run_report(NOTEBOOK, demo_workspace, out, parameters={}, name="slc_impact")
    write_index(out, [result], title="Demo trust")
    return out, result


@pytest.fixture(scope="module")
def trust_report(trust_run):
    return trust_run[0]


@pytest.fixture(scope="module")
def records(trust_run):
    return trust_run[1].records


@pytest.mark.parametrize("scale", ["engagement", "metacognition", "relationships"])
def test_each_injected_questionnaire_effect_lies_in_the_reported_ci(records, scale):
    injected = INJECTED_EFFECTS[f"slc_{scale}"]["value"]
    g = records[f"{scale}_g"]
    assert g["ci_low"] <= injected <= g["ci_high"], (scale, g)
    ancova = next(r for r in records["adjusted"]
                  if r["model"] == "ANCOVA" and r["outcome"].lower().startswith(scale[:6]))
    assert ancova["g_ci_low"] <= injected <= ancova["g_ci_high"], ancova


def test_headline_is_d_ppc2_with_holm_and_equivalence_recorded(records):
    """Issue 16: the raw-score headline, a declared primary, Holm-adjusted secondaries."""
    assert records["engagement_g"]["symbol"] == "d_ppc2"
    assert records["primary_outcome"] == "engagement"
    holm = {r["outcome"].split(":")[0]: r for r in records["holm"]}
    assert holm["Engagement in lessons"]["role"] == "primary"
    assert all(r["p_holm"] >= r["p_value"] for r in records["holm"] if r["role"] == "secondary")
    assert holm["Engagement in lessons"]["equivalence"].startswith("an effect")
    change_g = {r["outcome"]: r for r in records["research_change_g"]}
    assert change_g["Engagement in lessons"]["estimate"] > records["engagement_g"]["estimate"]
    assert all(r["measure"] == "g of change scores (not comparable with benchmarks)"
               for r in records["research_change_g"])


def test_every_headline_of_the_index_is_recorded(records):
    assert set(NOTEBOOKS["slc_impact"].headlines) <= set(records)


def test_the_null_effect_is_not_reported_as_significant(records):
    g = records["relationships_g"]
    assert g["ci_low"] < 0 < g["ci_high"]
    for row in records["adjusted"]:
        if row["outcome"].startswith("Relationships"):
            assert row["p_value"] > 0.05, row


def test_attendance_gain_lies_in_both_models_intervals(records):
    injected = INJECTED_EFFECTS["slc_attendance"]["value"]  # percentage points
    rows = [r for r in records["adjusted"] if r["outcome"] == "Attendance"]
    assert {r["model"] for r in rows} == {"ANCOVA", "Difference in differences"}
    for r in rows:
        assert r["ci_low"] <= injected <= r["ci_high"], r


def test_dose_response_subgroup_and_mdes_are_recorded(records, demo_enquiry):
    dose = records["dose_engagement"]
    assert dose["ci_low"] <= dose["estimate"] <= dose["ci_high"]
    assert dose["n"] >= 5
    assert sum(b["n"] for b in dose["bands"]) == dose["n"]
    # pupil premium members are a subset of members: fewer than all members analysed
    pp = records.get("pp_engagement_g")
    # (n1 is withheld when the published pupil-premium members minus it is a small group)
    assert pp is None or pp["n1"] is None or pp["n1"] < records["engagement_g"]["n1"]
    mdes = {r["outcome"]: r for r in records["mdes"]}
    engagement = next(v for k, v in mdes.items() if k.startswith("Engagement"))
    assert 0.1 < engagement["mdes"] < 1.0
    assert engagement["mdes_adjusted"] < engagement["mdes"]  # the pre-test helps


def test_report_has_headings_and_inline_charts(trust_report):
    html = (trust_report / "slc_impact.html").read_text(encoding="utf-8")
    for heading in HEADINGS:
        assert re.search(rf"<h2[^>]*>{re.escape(heading)}", html), heading
    assert html.count("<svg") >= 8
    assert html.count("slc-note") >= 8  # a "how to read this" note in every section
    # offline: no script or stylesheet from the network, no code cells shown
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html)
    assert "cdn.jsdelivr" not in html
    for code in ("run_notebook(", "show(result", "import "):
        assert code not in html, code
    assert "95% CI" in html
    assert "Hedges" in html


def test_report_shows_no_name_or_real_id(roster_identifiers, trust_report, demo_workspace):
    html = (trust_report / "slc_impact.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html)
    leaks = [x for x in roster_identifiers if re.search(rf"\b{re.escape(x)}\b", text)]
    assert leaks == []
    assert not re.search(r"\b[PS]-[0-9a-f]{10}\b", html)  # not even a pseudonym


def test_index_lists_the_report_with_its_headline_results(trust_report):
    index = (trust_report / "index.html").read_text(encoding="utf-8")
    assert 'href="slc_impact.html"' in index
    assert "ok" in index
    assert "Engagement" in index or "engagement" in index


def test_a_bad_parameter_fails_loudly_with_the_cell(demo_enquiry, demo_workspace, tmp_path):
    with pytest.raises(ReportError) as info:
        run_report(NOTEBOOK, demo_workspace, tmp_path,
                   parameters={"community": "No Such Team"}, name="bad")
    assert info.value.ename == "ConfigError"
    assert "No Such Team" in info.value.evalue
    assert not (tmp_path / "bad.html").exists()  # nothing half-written


def test_groups_below_a_higher_threshold_are_withheld_in_tables_records_and_charts(
        demo_enquiry, demo_workspace, tmp_path):
    """The same trust with a threshold of 10: the handful of pupil-premium members
    (6-7 per outcome) must disappear from the tables, the records and the charts."""
    import shutil

    copy = tmp_path / "trust"
    shutil.copytree(demo_workspace, copy, ignore=shutil.ignore_patterns(".slc-cache"))
    manifest = copy / "enquiry.toml"
    text = manifest.read_text(encoding="utf-8")
    assert "suppression_threshold = 5" in text
    manifest.write_text(text.replace("suppression_threshold = 5", "suppression_threshold = 10"),
                        encoding="utf-8")
    result = run_report(NOTEBOOK, copy, tmp_path / "out", parameters={}, name="strict")
    pp = {k: v for k, v in result.records.items() if k.startswith("pp_")}
    assert pp, "the pupil premium section recorded nothing"
    # the interaction test's table (issue 16) keeps its rows with every number withheld
    interaction = pp.pop("pp_interaction")
    assert interaction, "the interaction test recorded nothing"
    for row in interaction:
        assert all(row[k] is None or row[k] != row[k] for k in  # None or NaN
                   ("n_members_in", "interaction", "ci_low", "ci_high", "p_value")), row
    assert all(v is None for v in pp.values()), pp
    html = result.html.read_text(encoding="utf-8")
    assert "&lt;10" in html
    section = html[html.index("Disadvantaged pupils"):html.index("Pupil voice")]
    assert "&lt;10" in section  # the table shows the withheld cells as <10
    charts = re.findall(r"<svg.*?</svg>", section, flags=re.S)
    assert all("pupil premium)" not in c for c in charts)  # no withheld mark in the chart
