"""End to end: the voices notebook runs through Papermill on the demo trust (and on a trust
with no coding yet), and its offline HTML report has the codebook, frequencies, a co-occurrence
heat map, coder agreement and quotes attributed by label and role only."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from slc_research.report.execute import ReportError, run_report
from slc_research.synthetic.trust import INJECTED_EFFECTS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "voices.ipynb"
HEADINGS = ["The codebook", "How often each code appears", "Which codes occur together",
            "Do two coders agree?", "Exemplar quotes", "About the data"]


def _section(html: str, heading: str, following: str | None) -> str:
    start = re.search(rf"<h2[^>]*>{re.escape(heading)}", html).start()
    end = re.search(rf"<h2[^>]*>{re.escape(following)}", html).start() if following else None
    return html[start:end]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", " ", html,
                                                              flags=re.S)))


@pytest.fixture(scope="module")
def voices_run(demo_enquiry, demo_workspace, tmp_path_factory):
    out = tmp_path_factory.mktemp("voices")
    return run_report(NOTEBOOK, demo_workspace, out, parameters={}, name="voices")


@pytest.fixture(scope="module")
def records(voices_run):
    return voices_run.records


@pytest.fixture(scope="module")
def html(voices_run):
    return voices_run.html.read_text(encoding="utf-8")


def test_coder_agreement_is_recorded_with_intervals(records):
    overall = records["kappa_overall"]
    assert 0.4 <= overall["estimate"] <= 1
    assert overall["ci_low"] <= overall["estimate"] <= overall["ci_high"]
    # the demo's coders were built to agree at kappa about 0.73
    # (INJECTED_EFFECTS["coder_agreement"]): the reported interval must hold it
    assert overall["ci_low"] <= INJECTED_EFFECTS["coder_agreement"]["value"] <= overall["ci_high"]
    alpha = records["alpha"]
    assert 0.4 <= alpha["estimate"] <= 1
    assert alpha["n"] == overall["n"]
    kappa = records["kappa"]
    assert len(kappa) == 17  # every code with a parent in the demo codebook (3: depth ratings)
    for code, k in kappa.items():
        if k["ci_low"] is not None:  # None: only one coder gave the code
            assert k["ci_low"] <= k["estimate"] <= k["ci_high"], code
        assert k["n"] == records["n_texts_double_coded"]
    median = sorted(k["estimate"] for k in kappa.values())[len(kappa) // 2]
    assert 0.4 <= median <= 1
    assert records["coders"] == ["A", "B"]


def test_headline_counts_are_recorded(records, demo_enquiry):
    assert records["title"].endswith("voices (all texts)")
    assert records["n_texts_coded"] > 100
    assert records["n_codes"] == 17
    codes = set(demo_enquiry.codebook["code"])
    assert len(records["top_codes"]) == 5
    assert set(records["top_codes"]) <= codes
    assert records["codings_dropped"] > 0  # codings of withdrawn pupils' texts


def test_report_has_sections_notes_and_inline_charts(html):
    for heading in HEADINGS:
        assert re.search(rf"<h2[^>]*>{re.escape(heading)}", html), heading
    assert "<svg" in _section(html, "How often each code appears", "Which codes occur together")
    together = _section(html, "Which codes occur together", "Do two coders agree?")
    assert "<svg" in together
    assert "coded texts" in together
    assert "<svg" in _section(html, "Do two coders agree?", "Exemplar quotes")
    assert html.count("slc-note") >= len(HEADINGS)
    assert "Landis and Koch" in html
    assert "95% CI" in html
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html)
    for code in ("Enquiry.open", "show_table(", "import "):
        assert code not in html, code


def test_quotes_carry_no_id_and_no_name(roster_identifiers, html, demo_workspace):
    quotes = _text(_section(html, "Exemplar quotes", "About the data"))
    assert "Pupil 1" in quotes or "A pupil" in quotes
    assert not re.search(r"\b[PSGA]-[0-9a-fA-F]{10}\b", quotes)
    names = roster_identifiers
    assert [x for x in names if re.search(rf"\b{re.escape(x)}\b", quotes)] == []


def test_report_shows_no_name_or_id_anywhere(roster_identifiers, html, demo_workspace):
    text = _text(html)
    assert [x for x in roster_identifiers if re.search(rf"\b{re.escape(x)}\b", text)] \
        == []
    assert not re.search(r"\b[PS]-[0-9a-f]{10}\b", html)


def test_a_workspace_without_coding_says_why_there_is_no_report(demo_enquiry, demo_workspace,
                                                                 tmp_path):
    # Issue 17: a report whose every section says "nothing coded" is not made; the notebook
    # stops with one sentence saying what to add (report --all lists it as not run).
    copy = tmp_path / "trust"
    shutil.copytree(demo_workspace, copy, ignore=shutil.ignore_patterns(".slc-cache"))
    manifest = copy / "enquiry.toml"
    text = manifest.read_text(encoding="utf-8")
    # drop every [sources.voices_*] block (the codebook and both coders' codings)
    stripped = re.sub(r"^\[sources\.voices_[^\n]*\n(?:(?!\[sources\.(?!voices_))[^\n]*\n?)*",
                      "", text, flags=re.M)
    assert "voices_codebook" in text
    assert "voices_" not in stripped
    manifest.write_text(stripped, encoding="utf-8")
    with pytest.raises(ReportError) as info:
        run_report(NOTEBOOK, copy, tmp_path / "out", parameters={}, name="uncoded")
    assert info.value.ename == "ConfigError"
    assert "voices: not run - none of its texts is coded yet" in info.value.evalue
    assert not (tmp_path / "out" / "uncoded.html").exists()


def test_a_bad_parameter_fails_loudly(demo_enquiry, demo_workspace, tmp_path):
    with pytest.raises(ReportError) as info:
        run_report(NOTEBOOK, demo_workspace, tmp_path, parameters={"source": "minutes"},
                   name="bad")
    assert info.value.ename == "ConfigError"
    assert "minutes" in info.value.evalue
    assert not (tmp_path / "bad.html").exists()
