"""Issue 17, item 8: the README's "Your own enquiry, step by step", followed on fixture exports.

The commands are read from the README section itself (so a change there is a change here)
and run, in order, on a copy of ``tests/data/exports/school/`` (written by
``tests/data/exports/make_exports.py``: an MIS roster, Google Forms, Microsoft Forms and
Qualtrics surveys, a SIMS register and behaviour log, a membership list, a REFI-QDA
project, a table of reflections and a folder of reflection documents). Each step's exit
status and outputs are asserted; the raw exports are never changed. ``lab`` is run with
its ``--dry-run`` (the README lists it) so that no server starts. The steps that run
notebooks (``report --all``) and render the case studies (``export``) are marked slow.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import re
import shlex
import shutil
import tomllib
from pathlib import Path

import pytest

from slc_research.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SCHOOL = ROOT / "tests" / "data" / "exports" / "school"


def _steps() -> list[list[str]]:
    """The commands of the section, in order, as argument lists (``slc-research`` dropped)."""
    section = README.split("## Your own enquiry, step by step", 1)[1].split("\n## ", 1)[0]
    steps = [m.group(1).strip() for m in re.finditer(r"```sh\n(.*?)```", section, re.S)]
    assert len(re.findall(r"^\s*\d+\. ", section, re.M)) <= 10  # at most ten steps
    return [shlex.split(s)[1:] for s in steps]


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(args: list[str], where: Path) -> tuple[int, str]:
    """Run one README command with its relative paths taken from ``where``; (exit, output)."""
    fixed = [str(where / a) if a.startswith(("exports", "my-enquiry")) else a for a in args]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        code = main(fixed)
    return code, printed.getvalue()


def test_readme_steps_are_the_ones_this_test_follows():
    assert _steps() == [
        ["init", "my-enquiry", "--from", "exports/"],
        ["check", "my-enquiry"],
        ["report", "my-enquiry", "--all", "--out", "my-enquiry/outputs"],
        ["lab", "my-enquiry"],
        ["export", "my-enquiry", "--to", "my-enquiry/pack"],
        ["check-outputs", "my-enquiry/outputs", "--workspace", "my-enquiry"],
    ]


@pytest.fixture(scope="module")
def enquiry(tmp_path_factory):
    """Steps 1 to 5 on a copy of the fixture exports: (folder, workspace, outputs by step)."""
    where = tmp_path_factory.mktemp("teacher")
    shutil.copytree(SCHOOL, where / "exports")
    before = _digests(where / "exports")
    init, check = _steps()[:2]
    out = {}
    out["init"] = _run(init, where)
    ws = where / "my-enquiry"
    out["check"] = _run(check, where)
    # step 5: fix what check says in enquiry.toml (never the raw file), and check again
    toml = ws / "enquiry.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('[sources.roster]\n', '[sources.roster]\nblank = "no"\n', 1),
                    encoding="utf-8")
    out["check again"] = _run(check, where)
    assert _digests(where / "exports") == before  # the exports were only read
    return where, ws, out


def test_step2_init_places_every_export_and_copies_them_unchanged(enquiry):
    where, ws, out = enquiry
    code, printed = out["init"]
    assert code == 0
    copied = _digests(ws / "raw")
    assert copied == {k: v for k, v in _digests(where / "exports").items() if k in copied}
    assert len(copied) == 17
    assert "notes.txt: a text file of prose on its own" in printed
    assert "weekly reflections -> [sources.weekly_reflections] texts" in printed


def test_step3_every_guess_is_marked_check_and_the_folder_of_texts_is_one_source(enquiry):
    _, ws, _ = enquiry
    text = (ws / "enquiry.toml").read_text(encoding="utf-8")
    sources = tomllib.loads(text)["sources"]
    assert sources["weekly_reflections"] == {
        "path": "raw/weekly reflections", "kind": "texts", "text_source": "reflection",
        "name_pattern": "{author}_{date}", "authors": "pupil"}
    for key in ("kind", "name_pattern", "authors", "text_source"):
        line = next(ln for ln in text.splitlines() if ln.startswith(f"{key} = ")
                    and ("texts" in ln or key != "kind") and ln.split(" = ")[1].split("  #")[0]
                    in ('"texts"', '"{author}_{date}"', '"pupil"', '"reflection"'))
        assert "  # check: " in line


def test_step4_check_reads_every_source_and_says_what_to_fix(enquiry):
    _, _, out = enquiry
    code, printed = out["check"]
    assert code == 0
    assert "texts 16" in printed  # 8 rows of reflections.csv, 1 text of the project, 7 documents
    assert 'add blank = "no" to [sources.roster]' in printed


def test_step5_the_fix_in_enquiry_toml_silences_the_warning(enquiry):
    _, _, out = enquiry
    code, printed = out["check again"]
    assert code == 0
    assert 'add blank = "no"' not in printed
    assert "pupil_premium 33%" not in printed


def test_step8_lab_copies_the_notebooks_into_the_enquiry(enquiry):
    where, ws, _ = enquiry
    lab = _steps()[3]
    code, printed = _run([*lab, "--dry-run"], where)
    assert code == 0
    assert (ws / "notebooks" / "explore.ipynb").is_file()
    assert "Not started (--dry-run)" in printed


@pytest.mark.slow
def test_steps7_9_10_reports_export_and_output_check(enquiry):
    where, ws, _ = enquiry
    report, _, export, check_outputs = _steps()[2:]
    code, printed = _run([*report, "--workers", "1"], where)
    assert code == 0, printed
    assert (ws / "outputs" / "index.html").is_file()
    assert (ws / "outputs" / "data_health.html").is_file()
    assert "tlc_impact: not run" in printed  # listed with its reason, not a failure
    _reads_well_to_a_head_teacher(ws / "outputs")
    # The invented surname "Placeholder" is also the name of a Word style ("Placeholder
    # Text") in every .docx's styles.xml: check-outputs flags it and says to list an
    # ordinary word in private/allowed_words.txt, which is what a teacher would do here.
    (ws / "private" / "allowed_words.txt").write_text("Placeholder\n", encoding="utf-8")
    code, printed = _run(export, where)
    assert code == 0, printed
    assert "tlc_impact: not run" in printed
    assert any((ws / "pack").rglob("*.docx"))
    code, printed = _run(check_outputs, where)
    assert code == 0, printed


def _words_of(page: Path) -> str:
    """A page's text as a reader sees it (tags dropped, entities read, spaces collapsed)."""
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def _reads_well_to_a_head_teacher(outputs: Path) -> None:
    """What this small enquiry's pages say, read as a head teacher reads them."""
    index = _words_of(outputs / "index.html")
    assert "Learning communities enquiry" in index  # a title, not the exports folder's name
    assert "exports:" not in index
    assert "3 of 3 reports are up to date" in index
    pages = {p.stem: _words_of(p) for p in outputs.glob("*.html")}
    for name, text in pages.items():
        # counts agree with their number: never "1 texts", "1 rows" or "report(s)"
        assert not re.search(r"(?<![\d,.])1 (texts|rows|values|files|codes|pupils|schools)\b",
                             text), name
        assert "(s)" not in text, name
    # one questionnaire scale is the only outcome with an estimate: no "other outcomes"
    assert "The other outcomes are secondary" not in pages["slc_impact"]
    assert "The others are secondary" not in pages["slc_impact"]
    for svg in re.findall(r"<svg\b.*?</svg>", (outputs / "slc_impact.html").read_text(
            encoding="utf-8"), flags=re.S):
        width = re.search(r'width="([\d.]+)"', svg)
        assert width is None or float(width.group(1)) < 1000  # no chart widened by its subtitle
