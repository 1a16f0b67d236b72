"""The reports looked at in a real browser (issue 18, item 8).

Each demo report is opened in Debian's Chromium (Playwright) at 1280 px (a laptop) and
390 px (a phone) wide. No table may push the page wider than the screen: a wide table
scrolls inside its own box, and that box stays within the page; a table's title wraps
on the screen rather than scrolling out of sight with the table. The first screen of each
report at both widths is saved under ``screenshots/`` (git-ignored) for review: not in
``outputs/``, whose output check would find files no report made there.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from slc_research.report.folder import is_our_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
WIDTHS = (1280, 390)

#: Per table wider than the screen: is it inside a box that scrolls sideways, and does that
#: box stay within the page? Then the page itself: is it wider than the screen?
_MEASURE = """() => {
  const page = document.documentElement, screen = page.clientWidth;
  const tables = [...document.querySelectorAll('table')];
  const wide = tables.filter(t => t.getBoundingClientRect().right > screen + 1).map(t => {
    let box = t.parentElement;
    while (box && box !== document.body) {
      const s = getComputedStyle(box).overflowX;
      if (s === 'auto' || s === 'scroll') break;
      box = box.parentElement;
    }
    const r = (box && box !== document.body) ? box.getBoundingClientRect() : null;
    return {caption: (t.caption ? t.caption.textContent : '').slice(0, 60),
            scrolls: r !== null, within: r !== null && r.left >= -1 && r.right <= screen + 1};
  });
  const captions = tables.filter(t => t.caption).map(t => t.caption.getBoundingClientRect())
    .filter(r => r.right > screen + 1).length;
  return {scrollWidth: page.scrollWidth, clientWidth: screen, tables: tables.length, wide,
          captions};
}"""


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium; missing is a failure, not a skip (`make test` installs it)."""
    assert CHROMIUM.is_file(), (f"Debian's chromium is missing at {CHROMIUM}: run `make "
                                "install-test` (as root it runs `apt-get install chromium`)")
    return CHROMIUM


@pytest.mark.slow
@pytest.mark.xdist_group("demo")
def test_item8_staff_tables_stay_within_the_page_at_1280_and_390_px(demo_reports, chromium):
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    reports = sorted(p for p in demo_reports.glob("*.html") if is_our_report(p))
    assert len(reports) >= 10
    reports += [demo_reports / "index.html", demo_reports / "summary.html"]  # read on phones too
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems, shots = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            for width in WIDTHS:
                page = browser.new_page(viewport={"width": width, "height": 900})
                for report in reports:
                    page.goto(report.as_uri())
                    seen = page.evaluate(_MEASURE)
                    assert seen["tables"] >= 1, report.name
                    if seen["scrollWidth"] > seen["clientWidth"]:
                        problems.append(f"{report.name} at {width} px: the page is "
                                        f"{seen['scrollWidth']} px wide")
                    if seen["captions"]:
                        problems.append(f"{report.name} at {width} px: {seen['captions']} "
                                        "table title(s) run off the screen")
                    for table in seen["wide"]:
                        if not (table["scrolls"] and table["within"]):
                            problems.append(f"{report.name} at {width} px: table "
                                            f"{table['caption']!r} runs off the page")
                    shot = SCREENSHOTS / f"{report.stem}--{width}px.png"
                    page.screenshot(path=str(shot))  # the first screen, as a reader opens it
                    shots.append((shot, width))
                page.close()
        finally:
            browser.close()
    assert problems == []
    for shot, width in shots:
        assert png_size(shot)[0] == width
