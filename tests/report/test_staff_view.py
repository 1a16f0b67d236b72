"""Issue 18, item 2: the staff audience reads easily.

Every table a report shows passes the display boundary's staff view: at most six columns,
plain headers, intervals written "0.43 (0.23 to 0.62)", no underscores or internal keys,
no "-0.0", technical columns left to the research audience.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from slc_research.casestudies.outcome_effects import OutcomeEffect
from slc_research.casestudies.outcome_family import outcomes_section
from slc_research.privacy.suppression import suppress_small
from slc_research.report.catalogue import NOTEBOOKS
from slc_research.report.display import (
    RESEARCH_TABLE_MIMETYPE,
    format_table,
    show_table,
    staff_view,
)
from slc_research.report.staff_view import STAFF_MAX_COLUMNS, plain_words, staff_table

#: A cell of an interval column: "0.43 (0.23 to 0.62)", or a withheld/missing estimate alone.
INTERVAL = re.compile(r"-?[\d,.]+ \(-?[\d,.]+ to -?[\d,.]+\)|<\d+|\*|\u2013")
NEGATIVE_ZERO = re.compile(r"(?<![\w.])[-\u2212]0(\.0+)?(?![\d.])")


def _effects() -> pd.DataFrame:
    """An effect-size table in the shape the SLC impact study declares (14 columns)."""
    return pd.DataFrame({
        "Outcome": ["Engagement in lessons", "Attendance"], "Group": ["SLC members"] * 2,
        "n (both times)": [70, 77], "n lost": [3, 0], "Mean before": [3.68, 95.42],
        "SD before": [0.94, 4.93], "Mean after": [3.99, 97.15], "SD after": [0.83, 3.97],
        "Mean change": [0.32, -0.001], "Change: 95% CI low": [0.19, -0.26],
        "Change: 95% CI high": [0.44, 0.31], "g_av": [0.35, 0.0],
        "g_av: 95% CI low": [0.2, -0.03], "g_av: 95% CI high": [0.5, 0.04]})


def test_item2_interval_written_estimate_low_to_high():
    shown = staff_table(format_table(_effects(), decimals=2))
    assert shown["Mean change (95% CI)"].tolist() == ["0.32 (0.19 to 0.44)",
                                                      "0.00 (-0.26 to 0.31)"]
    assert not any("CI low" in c or "CI high" in c for c in shown.columns)


def test_item2_technical_columns_left_to_research_and_six_columns_at_most():
    shown = staff_table(format_table(_effects(), decimals=2))
    assert list(shown.columns) == ["Outcome", "Group", "n (both times)", "Mean before",
                                   "Mean after", "Mean change (95% CI)"]
    assert len(shown.columns) <= STAFF_MAX_COLUMNS
    # a column the case study declares technical goes too
    wide = pd.DataFrame({"Outcome": ["A"], "Effect size": ["g"], "Effect": [0.4],
                         "95% CI low": [0.1], "95% CI high": [0.7]})
    assert list(staff_view(wide, technical=["Effect size"]).columns) == [
        "Outcome", "Effect (95% CI)"]
    named = pd.DataFrame({"Outcome": ["A"], "Effect size (d)": [0.4], "95% CI low": [0.1],
                          "95% CI high": [0.7]})
    assert list(staff_view(named).columns) == ["Outcome", "Effect size (d, 95% CI)"]


def test_item2_tlc_raw_headers_become_plain_words():
    raw = pd.DataFrame({"characteristic": ["Department"], "test": ["chi-square test"],
                        "statistic": [2.99], "df": [3.0], "p": [0.394], "cramers_v": [0.09]})
    shown = staff_view(raw, decimals={"cramers_v": 2})
    assert list(shown.columns) == ["Characteristic", "Test", "p", "Cram\u00e9r's V"]
    assert shown.iloc[0].tolist() == ["Department", "chi-square test", "0.394", "0.09"]


def test_item2_no_negative_zero_and_no_underscores_in_cells():
    t = pd.DataFrame({"Questionnaire": ["coproduction_check", "learning_questionnaire"],
                      "Hedges' g": [-0.001, -0.04], "p (Holm-adjusted)": [0.0000001, 0.5]})
    shown = format_table(t, decimals=2)
    assert shown["Hedges' g"].tolist() == ["0.00", "-0.04"]  # a zero is 0.00 for everyone
    assert shown["p (Holm-adjusted)"].tolist() == ["<0.001", "0.500"]
    staff = staff_table(shown)
    assert staff["Questionnaire"].tolist() == ["coproduction check", "learning questionnaire"]
    assert plain_words("d_ppc2 = -0.0 on tlc_alpha") == "d = 0.0 on tlc alpha"


def test_what_a_reader_is_told_to_write_in_enquiry_toml_keeps_its_underscores():
    # the data-health page showed "add blank = "no" to [sources.student list]": a section
    # the teacher cannot find in enquiry.toml, and TOML that would not be read
    warning = ('Warning: 77% of the cells in \'Pupil Premium\' (pupil_premium) are blank: add '
               'blank = "no" to [sources.student_list] in enquiry.toml, or map it under '
               'sources.student_list.columns; no memberships source with community_kind = '
               '"tlc" lists its teachers; d_ppc2 = -0.0 on tlc_alpha')
    assert plain_words(warning) == (
        'Warning: 77% of the cells in \'Pupil Premium\' (pupil premium) are blank: add '
        'blank = "no" to [sources.student_list] in enquiry.toml, or map it under '
        'sources.student_list.columns; no memberships source with community_kind = '
        '"tlc" lists its teachers; d = 0.0 on tlc alpha')


def test_item2_page_shows_staff_view_and_keeps_every_column_for_research(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    table = suppress_small(_effects().rename(columns={"n (both times)": "n"}), count_cols="n",
                           threshold=5, partition_by=None, display=True)
    show_table(table, decimals=2, caption="Scores before and after")
    staff, research = shown[0]["text/html"], shown[0][RESEARCH_TABLE_MIMETYPE]
    assert "0.32 (0.19 to 0.44)" in staff
    assert "SD before" not in staff
    assert "g_av" not in staff
    assert "SD before" in research
    assert "g_av: 95% CI low" in research


@pytest.mark.xdist_group("demo")
def test_item2_every_demo_reports_staff_tables_read_easily(demo_enquiry):
    """Every table of every demo report, as the staff audience reads it."""
    checked = 0
    for study in NOTEBOOKS.values():
        result = study.result(demo_enquiry, study.validate(workspace=str(demo_enquiry.root)))
        for section in result.sections:
            for t in section.tables:
                shown = staff_view(t.frame, decimals=t.decimals, labels=t.labels or None,
                                   technical=t.technical)
                where = f"{study.name}/{section.key}: {t.caption}"
                assert len(shown.columns) <= STAFF_MAX_COLUMNS, where
                for col in shown.columns:
                    assert "_" not in col, (where, col)
                    assert not re.search(r"CI (low|high)$", col), (where, col)
                    cells = [str(v) for v in shown[col]]
                    assert not any("_" in c for c in cells), (where, col)
                    assert not any(NEGATIVE_ZERO.search(c) for c in cells), (where, col)
                    assert not any(c in ("nan", "NaN", "<NA>") for c in cells), (where, col)
                    if col.endswith("95% CI)"):
                        assert all(INTERVAL.fullmatch(c) for c in cells), (where, col, cells)
                checked += 1
            for text in (section.finding, *section.paragraphs):
                assert "_" not in plain_words(text), (study.name, section.key)
    assert checked >= 40  # every report's tables, not a handful


@pytest.mark.xdist_group("demo")
def test_item2_fisher_test_shows_no_statistic(demo_enquiry):
    tlc = NOTEBOOKS["tlc_impact"]
    result = tlc.result(demo_enquiry, tlc.validate(workspace=str(demo_enquiry.root)))
    table = next(t for t in result["who_takes_part"].tables if "volunteers" in t.caption)
    shown = format_table(table.frame, decimals=table.decimals, labels=table.labels)
    fisher = shown[shown["Test"].str.contains("Fisher")]
    assert len(fisher)
    assert (fisher["Statistic"] == "\u2013").all()


def _effect(key: str, low: float, high: float) -> OutcomeEffect:
    return OutcomeEffect(key, key.capitalize(), (low + high) / 2, (high - low) / 3.92, low,
                         high, 0.01, 40, 200)


def test_item2_sentences_match_the_result_intervals_that_exclude_0():
    """No "an interval that includes 0" sentence when no interval does; kept when one does."""
    options = {"primary": "engagement", "smallest_effect": 0.2, "threshold": 5,
               "wording": {"subject": "members changed", "up": "more", "down": "less"},
               "note": "d is the difference in change. "}
    clear = outcomes_section([_effect("engagement", 0.23, 0.62), _effect("attendance", 0.02,
                                                                         0.43)], **options)
    assert "includes 0" not in clear.note
    assert "The equivalence test says" in clear.note
    mixed = outcomes_section([_effect("engagement", 0.23, 0.62), _effect("attendance", -0.1,
                                                                         0.3)], **options)
    assert "An interval that includes 0 is not evidence of no effect" in mixed.note


def test_item2_research_page_shows_every_column_staff_page_the_staff_view(tmp_path):
    import nbformat

    from slc_research.report.execute import export_html

    data = {"text/html": "<table><tr><th>Mean change (95% CI)</th></tr></table>",
            RESEARCH_TABLE_MIMETYPE: "<table><tr><th>SD before</th></tr></table>",
            "text/plain": "a table"}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "show(result['questionnaire'])", outputs=[nbformat.v4.new_output(
            "display_data", data=data)])])
    staff = export_html(nb, tmp_path / "staff.html", title="Report").read_text("utf-8")
    research = export_html(nb, tmp_path / "research.html", title="Report",
                           audience="research").read_text("utf-8")
    assert "Mean change (95% CI)" in staff
    assert "SD before" not in staff
    assert "SD before" in research
    assert "Mean change (95% CI)" not in research
