"""Issue 16 item 11 on the demo reports as rendered: small counts withheld at the boundary.

The TLC comment themes given to fewer comments than the threshold, the co-production yes/no
percentages of schools of 8-11 pupils that would give back 1-4 pupils, and the per-band
"% whose rate fell" of the participation section are all withheld in the tables the
reports show (after :func:`slc_research.report.display.format_table`, the display boundary).
"""

from __future__ import annotations

import pandas as pd
import pytest

from slc_research.casestudies.coproduction import STUDY as COPRODUCTION
from slc_research.casestudies.coproduction import pilot as cp
from slc_research.casestudies.tlc import STUDY as TLC
from slc_research.casestudies.tlc import staff_survey
from slc_research.report.display import format_table

WITHHELD = ("<5", "*")


def _shown(section, caption_start):
    table = next(t for t in section.tables if t.caption.startswith(caption_start))
    return format_table(table.frame, decimals=table.decimals)


@pytest.mark.xdist_group("demo")
def test_item11_coproduction_yes_no_and_band_percentages_withheld(demo_enquiry, demo_workspace):
    enq = demo_enquiry
    result = COPRODUCTION.result(enq, COPRODUCTION.validate(workspace=str(demo_workspace)))
    pupils = cp.pilot_pupils(enq.communities, enq.memberships, enq.meetings, ())
    sizes = pupils.groupby("school").size()
    assert sizes.between(8, 11).all()  # the demo's groups are the sizes the issue names
    checked = 0
    for key, item in (("trouble", "trouble"), ("confident", "confident")):
        counts = cp.yes_no_change(enq.survey_responses, pupils, item=item, waves=(1, 2))
        shown = _shown(result[key], "Share answering Yes").set_index("School")
        for row in counts[counts["school"] != cp.ALL_SCHOOLS].itertuples():
            for tag in ("before", "after"):
                yes, no = getattr(row, f"yes_{tag}"), getattr(row, f"no_{tag}")
                if 0 < yes < 5 or 0 < no < 5:
                    assert shown.loc[row.school, f"% Yes {tag}"] in WITHHELD, (key, row.school)
                    checked += 1
    assert checked > 0
    # the participation bands: a % whose rate fell of a band with 1-4 who did (or did not)
    rates = cp.behaviour_rates(enq.behaviour, pupils, cp.school_days(enq.attendance,
                                                                       enq.behaviour))
    _, attended = cp.school_participation(pupils, enq.meetings, enq.meeting_attendance,
                                          enq.memberships)
    raw = cp.attendance_bands(rates, attended, threshold=100)  # nothing shown: raw counts
    bands = _shown(result["participation_level"], "Change in negative behaviour")
    for band, n_improved, n_not in raw[["band", "n_improved", "n_not_improved"]].itertuples(
            index=False):
        cell = bands.set_index("% of meetings attended").loc[band, "% whose rate fell"]
        if 0 < n_improved < 5 or 0 < n_not < 5:
            assert cell in WITHHELD, band
    assert not {"n_improved", "n_not_improved"} & set(bands.columns)


@pytest.mark.xdist_group("demo")
def test_item11_tlc_comment_theme_counts_under_the_threshold_withheld(demo_enquiry,
                                                                       demo_workspace):
    result = TLC.result(demo_enquiry, TLC.validate(workspace=str(demo_workspace)))
    section = result["comment_themes"]
    table = section.tables[0]
    shown = format_table(table.frame, decimals=table.decimals)
    themes, _ = staff_survey.comment_themes(demo_enquiry.texts, demo_enquiry.codings,
                                            demo_enquiry.codebook, top=5)
    small = themes.loc[themes["n_texts"].between(1, 4), "code"].tolist()
    assert small, "the demo has a code given to 1-4 comments"
    rows = shown.set_index("code")
    for code in small:
        assert rows.loc[code, "n_texts"] == "<5"
        assert rows.loc[code, "pct_texts"] == "<5"
        assert not any(item.startswith(f"{code}:") for item in section.items)  # no quote
    assert all(pd.to_numeric(rows["n_texts"], errors="coerce").dropna() >= 5)


def test_an_enquiry_without_questionnaire_scales_records_an_empty_reliability_table():
    """A teacher's questionnaire with no [scales.*] (Forms questions outside a grid): the
    SLC report's reliability section records its empty table through the display boundary
    (it raised PrivacyError, failing the whole report at cell 14)."""
    from slc_research.casestudies.slc_impact.scale_reliability import reliability_section
    from slc_research.report.display import jsonable

    empty = pd.DataFrame(columns=["scale", "wave", "n", "k", "alpha", "ci_low", "ci_high"])
    section = reliability_section(empty, threshold=5)
    assert section.finding.startswith("No questionnaire was given")
    assert jsonable(section.records["reliability"]) == []
