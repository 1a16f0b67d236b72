"""Hostile free text: reports show it as text and run none of it, proved in headless Chromium.

A one-school demo workspace is given script and markup payloads in every kind of free text a
teacher, pupil or parent can type: the manifest title, interview answers, weekly reflections,
open survey comments, conference feedback, meeting topics (minutes), action-plan reports, the
codebook (code names and descriptions), community names and roles in a community. The voices
and SLC impact reports and the batch index and summary pages are built from it, loaded in
headless Chromium (Debian's ``/usr/bin/chromium`` driven by Playwright), and each page must
have run no script, opened no dialog, loaded nothing, carry no ``on...`` handler or
``javascript:`` link, and show the payloads as text.
"""

from __future__ import annotations

import base64
import csv
import logging
from pathlib import Path

import pandas as pd
import pytest

from slc_research.privacy.safe_cells import FORMULA_STARTS
from slc_research.report.execute import run_report
from slc_research.report.index import write_index
from slc_research.synthetic.text import SLC_ROLES
from slc_research.synthetic.trust import write_demo_workspace

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo-b")]

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
SVG = '"><svg onload=window.__pwned=1>'
LINK = "javascript:window.__pwned=1"
#: Payloads for places that may hold double quotes (CSV cells).
PAYLOADS = (SCRIPT, IMG, SVG, LINK)
#: The SLC's new name: no double quote, so it can stand in enquiry.toml as it is; it starts
#: with "=" so that summary.csv must neutralise it.
COMMUNITY = "=1+1 Northfield SLC <img src=x onerror=window.__pwned=1>"
CODE = "Being listened to <script>window.__pwned=1</script>"
#: Added after every member's role (which roles a report quotes depends on the demo's draws).
ROLE_PAYLOAD = " <img src=x onerror=window.__pwned=1>"
ROLE = "Pedagogy lead" + ROLE_PAYLOAD
TITLE = 'Our enquiry <script>window.__pwned=1</script> <img src=x onerror="window.__pwned=1">'


def _rewrite(path: Path, change) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame)
    frame.to_csv(path, index=False, lineterminator="\n")


def _hostile(root: Path) -> None:
    """Put the payloads into every free-text field of the workspace at ``root``."""
    school = root / "raw" / "northfield-academy"
    toml = root / "enquiry.toml"
    text = toml.read_text(encoding="utf-8")
    title_line = next(line for line in text.splitlines() if line.startswith("title = "))
    text = text.replace(title_line, "title = '" + TITLE + "'", 1)
    toml.write_text(text.replace('"Northfield SLC"', '"' + COMMUNITY + '"'), encoding="utf-8")
    for path in [*school.rglob("*.csv"), *root.glob("raw/voices/*.csv")]:
        raw = path.read_text(encoding="utf-8")
        raw = raw.replace("Northfield SLC,", COMMUNITY + ",").replace("Being listened to", CODE)
        path.write_text(raw, encoding="utf-8")

    def cycle(frame: pd.DataFrame, column: str, prefix: str = "") -> None:
        frame[column] = [f"{prefix}We said {PAYLOADS[i % len(PAYLOADS)]} in class."
                         for i in range(len(frame))]

    _rewrite(school / "slc" / "interview_snippets.csv",
             lambda f: (cycle(f, "Quote"), f.__setitem__("OK to quote", "Y")))
    _rewrite(school / "conferences" / "weekly_reflections.csv", lambda f: cycle(f, "Reflection"))
    _rewrite(school / "conferences" / "conference_feedback.csv", lambda f: cycle(f, "Feedback"))
    _rewrite(school / "surveys" / "tlc_survey_comments.csv", lambda f: cycle(f, "Comment", "="))
    _rewrite(school / "slc" / "meetings.csv", lambda f: cycle(f, "Topic"))
    _rewrite(school / "tlc" / "tlc_action_plans.csv", lambda f: cycle(f, "What I learned"))
    _rewrite(school / "slc" / "members.csv",
             lambda f: f.__setitem__("Role", f["Role"].fillna("Member") + ROLE_PAYLOAD))
    _rewrite(root / "raw" / "voices" / "codebook.csv", lambda f: f.__setitem__(
        "Description", [f"{d} {PAYLOADS[i % len(PAYLOADS)]}"
                        for i, d in enumerate(f["Description"])]))


@pytest.fixture(scope="module")
def hostile_workspace(tmp_path_factory) -> Path:
    root = write_demo_workspace(tmp_path_factory.mktemp("hostile") / "trust", schools=1,
                                pupils=600, seed=2025)
    _hostile(root)
    return root


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


LOGS = _Collect()


@pytest.fixture(scope="module")
def outputs(hostile_workspace, tmp_path_factory) -> Path:
    from slc_research import Enquiry

    root_logger = logging.getLogger()
    old_level = root_logger.level
    root_logger.addHandler(LOGS)
    root_logger.setLevel(logging.DEBUG)
    try:
        enq = Enquiry.open(hostile_workspace)
        assert COMMUNITY in set(enq.communities["community"])
        assert CODE in set(enq.codebook["code"])
        out = tmp_path_factory.mktemp("hostile-out")
        kept = hostile_workspace / ".slc-cache" / "executed"
        results = [
            run_report(NOTEBOOKS / "voices.ipynb", hostile_workspace, out, parameters={},
                       name="voices", keep_executed=kept),
            run_report(NOTEBOOKS / "slc_impact.ipynb", hostile_workspace, out,
                       parameters={"community": COMMUNITY}, name="slc_impact",
                       keep_executed=kept),
        ]
        write_index(out, results, title=enq.title)
    finally:
        root_logger.removeHandler(LOGS)
        root_logger.setLevel(old_level)
    return out


@pytest.fixture(scope="module")
def browser():
    # missing is a failure, not a skip: `make test` installs both
    from playwright import sync_api as playwright

    assert Path(CHROMIUM).is_file(), f"no Chromium at {CHROMIUM}: run `make install-test`"
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _visit(browser, path: Path) -> dict:
    """Load ``path`` and report what ran: dialogs, requests, handlers, links and text."""
    page = browser.new_page()
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)  # an onerror handler fires after the failed image load
    seen = {
        "pwned": page.evaluate("typeof window.__pwned"),
        "dialogs": dialogs,
        "requests": [u for u in requests if u != path.as_uri()],
        "scripts": page.evaluate("document.querySelectorAll('script').length"),
        "handlers": page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(el =>
            [...el.attributes].filter(a => a.name.toLowerCase().startsWith('on'))
                              .map(a => el.tagName + ' ' + a.name))"""),
        "js_links": page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(el =>
            [...el.attributes].filter(a => /^\\s*javascript:/i.test(a.value))
                              .map(a => el.tagName + ' ' + a.name))"""),
        "text": page.inner_text("body"),
        "title": page.title(),
    }
    page.close()
    return seen


@pytest.mark.parametrize("page_name", ["voices.html", "slc_impact.html", "index.html",
                                       "summary.html"])
def test_no_script_runs_and_the_payloads_show_as_text(outputs, browser, page_name):
    seen = _visit(browser, outputs / page_name)
    assert seen["pwned"] == "undefined"
    assert seen["dialogs"] == []
    assert seen["requests"] == []  # not even the <img src=x> of a payload is fetched
    assert seen["scripts"] == 0
    assert seen["handlers"] == []
    assert seen["js_links"] == []
    assert "<script>window.__pwned=1</script>" in seen["text"]  # the title, as typed
    assert "<img src=x onerror" in seen["text"]


def test_every_kind_of_payload_is_visible_in_the_reports(outputs, browser):
    voices = _visit(browser, outputs / "voices.html")["text"]
    assert CODE in voices  # a code name (codebook table, quotes)
    assert "We said <script>window.__pwned=1</script> in class." in voices  # a quote
    assert '"><svg onload=window.__pwned=1>' in voices  # a code description
    assert any(f"{role}{ROLE_PAYLOAD}" in voices for role in SLC_ROLES)  # a role
    impact = _visit(browser, outputs / "slc_impact.html")
    assert COMMUNITY in impact["text"]  # the community's name
    assert TITLE in impact["title"]  # the page title, from the manifest
    index = _visit(browser, outputs / "index.html")["text"]
    assert COMMUNITY in index


def test_chart_labels_from_user_text_are_escaped_svg_text(outputs):
    html = (outputs / "voices.html").read_text(encoding="utf-8")
    assert "<svg" in html
    assert "Being listened to &lt;script&gt;" in html  # an axis label of the SVG charts
    assert "<script>" not in html.lower()


def test_summary_csv_neutralises_formulas(outputs):
    with (outputs / "summary.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    cells = [v for row in rows for v in row.values() if v]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS) and not _number(c)]
    assert "'" + COMMUNITY in {row["community"] for row in rows}


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True



def test_the_browser_check_catches_an_unescaped_payload(browser, tmp_path):
    """The harness itself: the same payloads written unescaped do run, and are caught."""
    page = tmp_path / "unsafe.html"
    page.write_text(f"<!DOCTYPE html><html><body><p>{IMG}</p></body></html>", encoding="utf-8")
    seen = _visit(browser, page)
    assert seen["pwned"] == "number"
    assert seen["handlers"] == ["IMG onerror"]


def _key_forms(key: bytes) -> dict[str, bytes]:
    b64 = base64.b64encode(key)
    return {"raw bytes": key, "hex": key.hex().encode(), "HEX": key.hex().upper().encode(),
            "half of the hex": key.hex()[:32].encode(), "base64": b64,
            "base64 unpadded": b64.rstrip(b"="), "urlsafe base64": base64.urlsafe_b64encode(key)}


def test_the_key_is_in_no_output_cache_executed_notebook_or_log(hostile_workspace, outputs):
    key_file = hostile_workspace / "private" / "pseudonym.key"
    key = bytes.fromhex(key_file.read_text(encoding="ascii").strip())
    forms = _key_forms(key)
    files = [p for p in [*outputs.rglob("*"), *hostile_workspace.rglob("*")]
             if p.is_file() and p != key_file]
    assert any(p.suffix == ".ipynb" for p in files)  # the executed notebooks were kept
    assert any(p.suffix == ".parquet" for p in files)  # and the cache was written
    found = {(str(p), name) for p in files for name, form in forms.items()
             if form in p.read_bytes()}
    assert found == set()
    assert LOGS.lines  # papermill and the workbench did log something
    logged = "\n".join(LOGS.lines).encode()
    assert [name for name, form in forms.items() if form in logged] == []
