"""Issue 17, item 5: only what applies.

A teacher's enquiry rarely holds every source the demo has. Built from the synthetic
generator with sources taken out of ``enquiry.toml`` the way a teacher would leave them out
(one school; no attendance file; no TLC; one coder), ``report --all`` and ``export`` run the
case studies the workspace supports, list the others with the reason and exit 0; a missing
source is one plain sentence in place of its section; nothing shown holds "NaN", "n = 0" or
an all-dash table; ``methods.md`` describes only what ran.
"""

from __future__ import annotations

import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
import tomlkit

from slc_research.casestudies.result import Section, Table, has_nothing_to_show
from slc_research.cli import main
from slc_research.report.catalogue import NOTEBOOKS
from slc_research.report.display import format_table
from slc_research.report.methods import methods_for
from slc_research.synthetic.trust import write_demo_workspace

NO_TLC = ('tlc_impact: not run - this enquiry has no TLC (no memberships source with '
          'community_kind = "tlc" lists its teachers)')
#: What must never reach a reader: a missing number, a chart of nobody, a result not computed
#: (the summary page's key, '"–" means withheld ... or not computed', explains a dash).
JUNK = re.compile(r"\bNaN\b|\bnan\b|\bn = 0(?![\d.,])|(?<!or )not computed")


def without_sources(ws: Path, *drop) -> Path:
    """Take sources out of the workspace's ``enquiry.toml`` (raw files stay as they are)."""
    doc = tomlkit.parse((ws / "enquiry.toml").read_text(encoding="utf-8"))
    for name in list(doc["sources"]):
        if any(leave_out(name, doc["sources"][name]) for leave_out in drop):
            del doc["sources"][name]
    (ws / "enquiry.toml").write_text(tomlkit.dumps(doc), encoding="utf-8")
    return ws


def attendance(name, source) -> bool:
    return source["kind"] == "attendance"


def tlc(name, source) -> bool:
    return "_tlc_" in name


def second_coder(name, source) -> bool:
    return source["kind"] == "codings" and source.get("coder") != "A"


@pytest.fixture(scope="module")
def teachers_enquiry(tmp_path_factory) -> Path:
    """One school; no attendance file, no TLC, one coder (the communities file still lists
    the school's TLC, as a teacher's may)."""
    ws = write_demo_workspace(tmp_path_factory.mktemp("teacher") / "enquiry", schools=1,
                              pupils=200, seed=3)
    return without_sources(ws, attendance, tlc, second_coder)


@pytest.fixture(scope="module")
def opened(teachers_enquiry):
    from slc_research import Enquiry

    return Enquiry.open(teachers_enquiry)


@pytest.fixture(scope="module")
def results(teachers_enquiry, opened):
    """Every case study that applies, run in-process as the export runs them."""
    return {name: study.result(opened, study.validate(workspace=teachers_enquiry))
            for name, study in NOTEBOOKS.items() if not study.applies(opened)}


def shown_text(result) -> list[tuple[str, str]]:
    """(section key, text) for everything a reader of the result sees."""
    out = []
    for s in result.sections:
        for text in (s.finding, *s.paragraphs, *s.items, s.note):
            out.append((s.key, text))
        for t in s.tables:
            shown = format_table(t.frame, decimals=t.decimals, labels=t.labels or None)
            out.append((s.key, f"{t.caption}\n{shown.to_csv(index=False)}"))
        for c in s.charts:
            out.append((s.key, str(c.to_dict())))
    return out


# --- deciding what applies, before any kernel ------------------------------------------------

def test_item5_applies_is_decided_from_declared_needs(opened):
    reasons = {name: study.applies(opened) for name, study in NOTEBOOKS.items()}
    assert NOTEBOOKS["tlc_impact"].not_run(reasons["tlc_impact"]) == NO_TLC
    assert {n for n, why in reasons.items() if not why} == {
        "slc_impact", "student_led_conferences", "coproduction_pilot", "voices", "data_health"}
    assert NOTEBOOKS["data_health"].needs == ()  # it always applies


def test_item5_uncoded_texts_do_not_make_a_voices_report(tmp_path):
    ws = write_demo_workspace(tmp_path / "ws", schools=1, pupils=200, seed=4)
    without_sources(ws, lambda name, s: s["kind"] == "codings")
    from slc_research import Enquiry

    why = NOTEBOOKS["voices"].applies(Enquiry.open(ws))
    assert why.startswith("none of its texts is coded yet (no codings source")


def test_item5_a_conference_class_without_reflections_does_not_make_a_report(tmp_path):
    ws = write_demo_workspace(tmp_path / "ws", schools=1, pupils=200, seed=6)
    without_sources(ws, lambda name, s: s.get("text_source") == "reflection")
    from slc_research import Enquiry

    why = NOTEBOOKS["student_led_conferences"].applies(Enquiry.open(ws))
    assert why == ('this enquiry has no weekly reflections (no texts source with text_source = '
                   '"reflection")')


# --- a missing source is one sentence --------------------------------------------------------

def test_item5_a_tlc_without_a_staff_survey_runs_and_says_so(tmp_path):
    ws = write_demo_workspace(tmp_path / "ws", schools=1, pupils=200, seed=5)
    doc = tomlkit.parse((ws / "enquiry.toml").read_text(encoding="utf-8"))
    del doc["scales"]["tlc_impact"]  # no staff survey, so no scale of it either
    (ws / "enquiry.toml").write_text(tomlkit.dumps(doc), encoding="utf-8")
    without_sources(ws, lambda name, s: name.endswith("_tlc_survey"))
    from slc_research import Enquiry

    enq, study = Enquiry.open(ws), NOTEBOOKS["tlc_impact"]
    result = study.result(enq, study.validate(workspace=ws))
    assert result["staff_survey"].finding == (
        "No staff survey was given, so what staff said is not shown.")
    assert result["scale_score"].tables == ()
    assert "tlc_alpha" not in result.all_records
    assert result["who_takes_part"].tables  # the rest of the report is there
    keys = [a.key for a in methods_for("tlc_impact", {"n_members": 20, "tlc_alpha": None})]
    assert "cronbach_alpha" not in keys


def test_item5_no_attendance_file_is_one_plain_sentence(results):
    slc = results["slc_impact"]
    section = slc["attendance_behaviour"]
    assert "No attendance file was given, so attendance change is not shown." in \
        section.paragraphs
    assert [t.caption for t in section.tables] == ["Behaviour before and after"]
    assert section.charts == ()  # no attendance chart of nobody
    assert "attendance_g" not in slc.all_records
    assert "behaviour_g" in slc.all_records
    outcomes = slc["all_outcomes"].tables[0].frame
    assert not outcomes.astype(str).apply(lambda c: c.str.contains("Attendance")).any().any()


def test_item5_one_coder_gives_no_agreement_table_or_chart(results):
    agreement = results["voices"]["agreement"]
    assert agreement.finding.startswith("Only one coder has coded these texts")
    assert agreement.tables == ()
    assert agreement.charts == ()
    assert results["voices"].all_records["kappa_overall"] is None


@pytest.mark.parametrize("name", ["slc_impact", "student_led_conferences",
                                  "coproduction_pilot", "voices", "data_health"])
def test_item5_nothing_shown_holds_nan_n0_or_an_all_dash_table(results, name):
    for key, text in shown_text(results[name]):
        found = JUNK.search(text)
        assert found is None, f"{name}/{key}: {text[max(0, found.start() - 80):found.end() + 40]!r}"
    for section in results[name]:
        for t in section.tables:
            assert not has_nothing_to_show(format_table(t.frame, decimals=t.decimals)), \
                f"{name}/{section.key}: {t.caption}"


def test_item5_section_drops_empty_tables_and_charts_of_nobody():
    nobody = pd.DataFrame({"group": ["Members"], "n": [0], "mean": [float("nan")]})
    dashes = pd.DataFrame({"Half-term": ["All"], "Plans made": [0], "% tried": ["–"]})
    withheld = pd.DataFrame({"Band": ["Below 50%", "75% or more"], "n": ["<5", "<5"],
                             "Change": ["<5", "*"]})
    quotes = pd.DataFrame({"Code": ["Nerves"], "Quote": ["I did not know what to say."]})
    counts = pd.DataFrame({"group": ["Members", "Others"], "n": [12, 40]})
    bars = alt.Chart(counts).mark_bar().encode(x="n:Q", y="group:N")
    section = Section(
        "s", "S", finding="Found.",
        tables=(Table(pd.DataFrame(columns=["a", "n"]), "no rows"), Table(nobody, "nobody"),
                Table(dashes, "dashes"), Table(withheld, "withheld"), Table(quotes, "quotes"),
                Table(counts, "counts")),
        charts=(alt.Chart(counts.iloc[0:0]).mark_bar().encode(x="n:Q"),
                bars.properties(title=alt.Title("Who joined", subtitle="n = 0 members")),
                alt.layer(bars, bars).properties(title="n = 0"),
                bars.properties(title="n = 52 pupils")))
    assert [t.caption for t in section.tables] == ["quotes", "counts"]
    assert [c.to_dict()["title"] for c in section.charts] == ["n = 52 pupils"]
    missing = Section.without_source("attendance_behaviour", "Attendance", kind="attendance",
                                     shown="attendance change")
    assert (missing.finding, missing.tables, missing.charts, missing.note) == (
        "No attendance file was given, so attendance change is not shown.", (), (), "")


def test_a_chart_left_with_one_bar_among_withheld_groups_is_not_drawn():
    """Who took part, in a tiny school: every bar withheld but one (the table says the rest)."""
    from slc_research.charts.impact import representativeness_chart
    from slc_research.privacy.suppression import suppress_small

    levels = [("Gender", "Girls"), ("Gender", "Boys"), ("Prior attainment", "Low"),
              ("Prior attainment", "Middle"), ("Prior attainment", "High")]
    raw = pd.DataFrame({
        "characteristic": [c for c, _ in levels], "level": [lv for _, lv in levels],
        "n_members": [4, 4, 8, 0, 0], "pct_members": [50.0, 50.0, 100.0, 0.0, 0.0],
        "n_rest": [3, 13, 3, 10, 3], "pct_rest": [18.75, 81.25, 18.75, 62.5, 18.75],
        "diff_pp": [31.25, -31.25, 81.25, -62.5, -18.75], "members_total": 8, "rest_total": 16})
    # as the SLC report publishes it: members and other pupils of a level add up to it
    count_cols = {"n_members": ["pct_members", "diff_pp"], "n_rest": ["pct_rest", "diff_pp"]}
    tiny = suppress_small(raw, count_cols=count_cols, threshold=5,
                          partition_by="characteristic", complements=[["n_members", "n_rest"]])
    one_bar = representativeness_chart(tiny)
    assert "Not shown, to protect groups of" in " ".join(one_bar.to_dict()["title"]["subtitle"])
    assert Section("who", "Who took part", charts=(one_bar,)).charts == ()
    fuller = suppress_small(raw.assign(n_members=[20, 20, 40, 0, 0], n_rest=[30, 130, 30, 100,
                                                                              30]),
                            count_cols=count_cols, threshold=5,
                            partition_by="characteristic", complements=[["n_members", "n_rest"]])
    assert len(Section("who", "Who took part",
                       charts=(representativeness_chart(fuller),)).charts) == 1
    single = alt.Chart(pd.DataFrame({"outcome": ["Pupil voice"], "d": [0.3]})).mark_point()
    assert len(Section("o", "One outcome", charts=(single.properties(
        title=alt.Title("Effect", subtitle="n = 19 pupils")),)).charts) == 1  # nothing withheld


# --- methods describe only what ran ----------------------------------------------------------

def test_item5_methods_describe_only_what_ran():
    made = {"estimate": 0.31, "ci_low": 0.02, "ci_high": 0.6, "n": 120,
            "method": "Morris's d_ppc2 (difference in mean change / pooled pre-test SD)"}
    slc = {"members": 40, "engagement_g": made, "holm": [{"estimate": 0.31, "p_value": 0.04}],
           "attendance_g": {**made, "estimate": None}}  # no dose_*: nothing set against meetings
    keys = [a.key for a in methods_for("slc_impact", slc)]
    assert keys == ["representativeness", "ppc_change", "primary_secondary"]
    one_coder = {"n_texts_coded": 120, "kappa": {}, "kappa_overall": None, "alpha": None}
    assert [a.key for a in methods_for("voices", one_coder)] == ["code_frequencies"]
    two = {**one_coder, "kappa_overall": {"estimate": 0.72, "ci_low": 0.6, "ci_high": 0.8,
                                          "n": 900}, "alpha": {"estimate": 0.7, "n": 900}}
    assert [a.key for a in methods_for("voices", two)] == [
        "code_frequencies", "cohen_kappa", "krippendorff_alpha"]
    assert len(methods_for("slc_impact")) == 9  # without records: everything it can run


# --- the commands ----------------------------------------------------------------------------

def test_item5_export_runs_what_applies_lists_the_rest_and_exits_0(teachers_enquiry, tmp_path,
                                                                    capsys):
    out = tmp_path / "pack"
    assert main(["export", str(teachers_enquiry), "--to", str(out)]) == 0
    said = capsys.readouterr()
    assert NO_TLC in said.out.splitlines()
    assert "could not be exported" not in said.err
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(
        ["slc_impact", "student_led_conferences", "coproduction_pilot", "voices",
         "data_health"])
    for csv_file in out.glob("*/tables/*.csv"):
        table = pd.read_csv(csv_file, dtype=str, keep_default_na=False)
        assert not has_nothing_to_show(table), csv_file.name
        assert JUNK.search(csv_file.read_text(encoding="utf-8")) is None, csv_file.name
    for svg in out.glob("*/figures/*.svg"):
        text = " ".join(re.findall(r">([^<]+)<", svg.read_text(encoding="utf-8")))
        assert JUNK.search(text) is None, svg.name
        assert re.search(r"\d", text), f"{svg.name} draws no number: an empty figure"
    slc_methods = (out / "slc_impact" / "methods.md").read_text(encoding="utf-8")
    assert "percentage of meetings they attended" not in slc_methods  # no dose-response ran
    voices_methods = (out / "voices" / "methods.md").read_text(encoding="utf-8")
    assert "kappa" not in voices_methods.lower()
    assert "Krippendorff" not in voices_methods
    assert "Jaccard" in voices_methods


def test_item5_asking_only_for_what_does_not_apply_is_one_clear_message(teachers_enquiry,
                                                                         tmp_path, capsys):
    assert main(["export", str(teachers_enquiry), "--to", str(tmp_path / "pack"),
                 "--notebook", "tlc_impact"]) == 1
    err = capsys.readouterr().err
    assert NO_TLC in err
    assert "Nothing was exported" in err
    assert "Traceback" not in err
    assert not (tmp_path / "pack").exists()
    assert main(["report", str(teachers_enquiry), "--notebook", "tlc_impact", "--out",
                 str(tmp_path / "out"), "--engine", "fresh"]) == 1
    err = capsys.readouterr().err
    assert NO_TLC in err
    assert "Nothing was run" in err
    assert not (tmp_path / "out" / "index.html").exists()


def test_item5_index_lists_not_run_in_one_calm_line(tmp_path):
    from slc_research.report.index import write_index

    page = write_index(tmp_path, [], title="Hillside", not_run=[NO_TLC]).read_text(
        encoding="utf-8")
    line = re.search(r'<p class="not-run">(.*?)</p>', page, flags=re.DOTALL).group(1)
    assert line.startswith("Not run, because this enquiry does not hold what they need: "
                           "Teacher learning communities (tlc_impact): this enquiry has no TLC")
    assert 'class="failed"' not in page
    assert "School not recorded" not in page


@pytest.mark.slow
def test_item5_report_all_runs_what_applies_lists_the_rest_and_exits_0(teachers_enquiry,
                                                                        tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["report", str(teachers_enquiry), "--all", "--out", str(out), "--quiet",
                 "--engine", "fresh"]) == 0
    assert NO_TLC in capsys.readouterr().out.splitlines()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'class="not-run"' in index
    assert "this enquiry has no TLC" in index
    assert 'class="failed"' not in index
    assert "School not recorded" not in index
    pages = sorted(p.name for p in out.glob("*.html"))
    assert pages == ["coproduction_pilot.html", "data_health.html", "index.html",
                     "slc_impact.html", "student_led_conferences.html", "summary.html",
                     "voices.html"]
    for page in out.glob("*.html"):
        text = re.sub(r"<style.*?</style>|<[^>]+>", " ", page.read_text(encoding="utf-8"),
                      flags=re.DOTALL)
        found = JUNK.search(text)
        assert found is None, f"{page.name}: {text[max(0, found.start() - 80):found.end() + 40]!r}"
    slc = (out / "slc_impact.html").read_text(encoding="utf-8")
    assert "No attendance file was given, so attendance change is not shown." in slc


def test_item5_a_notebook_opened_on_an_enquiry_it_does_not_apply_to_says_why(teachers_enquiry):
    from slc_research.errors import ConfigError

    with pytest.raises(ConfigError, match=re.escape(NO_TLC)):
        NOTEBOOKS["tlc_impact"].run_notebook(workspace=str(teachers_enquiry))
