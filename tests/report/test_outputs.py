"""Issue 15, cases 3, 4 and 12: no stale outputs, every sharing command runs the output
check, and a batch's safety (reserved names, orphaned tasks, parameters checked first).

Fast cases use an empty workspace from ``slc-research init`` and tiny notebooks (no
kernel, or one or two report runs); the sharing commands use a copy of the demo trust
with a pupil's full name as a code (redacted at load) and in the file name asked for."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from slc_research.cli import main
from slc_research.errors import ConfigError
from slc_research.report.batch import Batch, BatchEntry, expand_batch, read_batch
from slc_research.report.execute import ReportResult
from slc_research.report.folder import (
    LOCK_NAME,
    REPORT_MARKER,
    check_report_name,
    consent_digest,
    folder_lock,
    holds_folder,
    read_ledger,
)
from slc_research.report.runs import run_batch
from slc_research.report.tasks import RunOutcome, RunTask, put_in_place
from slc_research.workspace.enquiry import Enquiry

TINY = """from slc_research.report import record
record("title", f"Tiny report {x}")
print("x is", x)"""


def notebook(path: Path, code: str = TINY) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('workspace = ""\nx = 1',
                                          metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "slc-research", "display_name": "slc-research",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def tiny(tmp_path):
    ws = tmp_path / "ws"
    assert main(["init", str(ws)]) == 0
    return ws, Enquiry.open(ws), notebook(tmp_path / "tiny.ipynb")


def write_consent(ws: Path, status: str) -> None:
    (ws / "private" / "consent.csv").write_text(
        f"id,type,status,date\nA123456789012,pupil,{status},2025-09-08\n", encoding="utf-8")


# --- case 3 ------------------------------------------------------------------------------

def test_case3_stale_custom_name_report_after_withdrawal(tiny, tmp_path, capsys):
    ws, _, nb = tiny
    out = tmp_path / "out"
    write_consent(ws, "consented")
    assert main(["report", str(ws), "--notebook", str(nb), "--name", "custom-x",
                 "--out", str(out), "--quiet"]) == 0, capsys.readouterr().err
    before = read_ledger(out)["custom-x"]
    assert before["consent"] == consent_digest(ws)
    capsys.readouterr()
    assert main(["check-outputs", str(out), "--workspace", str(ws)]) == 0
    said = capsys.readouterr().out
    assert re.search(r"people found in \d+ files under ", said), said  # no "file(s)"

    write_consent(ws, "withdrawn")  # a pupil withdraws after the report was made
    capsys.readouterr()
    assert main(["check-outputs", str(out), "--workspace", str(ws)]) == 1
    err = capsys.readouterr().err
    assert "custom-x.html" in err
    assert "consent register changed" in err

    # the next batch into the same folder does not ask for custom-x
    assert main(["report", str(ws), "--notebook", str(nb), "--name", "other", "--out",
                 str(out)]) == 0, capsys.readouterr().err
    said = capsys.readouterr()
    assert "Rewrote custom-x.html" in said.out + said.err
    assert re.search(r"Checked \d+ output files: no roster name", said.out), said.out
    assert "(s)" not in said.out
    after = read_ledger(out)["custom-x"]
    assert after["consent"] == consent_digest(ws) != before["consent"]
    assert after["finished"] >= before["finished"]
    assert after["status"] == "ok"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="custom-x.html"' in index
    assert 'href="other.html"' in index
    assert main(["check-outputs", str(out), "--workspace", str(ws)]) == 0


def test_a_pdf_made_from_a_page_before_a_withdrawal_goes_with_that_page(tiny, tmp_path, capsys):
    # report --pdf, then a pupil withdraws and the report runs again without --pdf: the page
    # no longer holds the pupil, the PDF beside it (made from the page before) still would
    ws, _, nb = tiny
    out = tmp_path / "out"
    write_consent(ws, "consented")
    args = ["report", str(ws), "--notebook", str(nb), "--name", "pp", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0, capsys.readouterr().err
    from pypdf import PdfWriter

    pdf = PdfWriter()
    pdf.add_blank_page(width=595, height=842)
    pdf.write(out / "pp.pdf")  # where --pdf leaves the page's PDF
    assert main([*args, "--quiet"]) == 0  # nothing changed: the page stays, so does its PDF
    assert (out / "pp.pdf").is_file()
    write_consent(ws, "withdrawn")
    capsys.readouterr()
    assert main([*args, "--quiet", "--force"]) == 0  # the page made again
    said = capsys.readouterr().out
    assert not (out / "pp.pdf").exists()
    assert ("Removed pp.pdf: it was made from the page this run replaced (pp.html); --pdf "
            "makes it from the new page.") in said
    assert main(["check-outputs", str(out), "--workspace", str(ws)]) == 0


def test_case3_check_outputs_lists_unknown_files(tiny, tmp_path, capsys):
    ws, enq, _ = tiny
    out = tmp_path / "out"
    run_batch([], ws, out, workspace_key=enq.cache_key, title="T", quiet=True)
    assert main(["check-outputs", str(out), "--workspace", str(ws)]) == 0
    (out / "notes.docx").write_bytes(b"a teacher's own file")
    (out / "old-report.html").write_text(f"<html><head>{REPORT_MARKER}</head></html>",
                                         encoding="utf-8")
    capsys.readouterr()
    assert main(["check-outputs", str(out), "--workspace", str(ws)]) == 1
    err = capsys.readouterr().err
    assert "notes.docx" in err
    assert "old-report.html" in err
    assert "no report run into it made" in err

    run = run_batch([], ws, out, workspace_key=enq.cache_key, title="T", quiet=True)
    assert not (out / "old-report.html").exists()  # ours, unknown to the ledger: removed
    assert (out / "notes.docx").read_bytes() == b"a teacher's own file"  # not ours: kept
    assert any("Removed old-report.html" in n for n in run.notes)
    assert any(n.startswith("notes.docx was not made by a report run") for n in run.notes)
    assert not run.passed_check
    assert run.check.unknown == ("notes.docx",)


# --- case 4 ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def named_in_codebook(demo_workspace, tmp_path_factory):
    """The demo trust with a roster pupil's full name as a code of the codebook."""
    ws = tmp_path_factory.mktemp("leak") / "trust"
    shutil.copytree(demo_workspace, ws)
    roster = pd.read_csv(ws / "raw/northfield-academy/mis/roster.csv", dtype=str)
    name = f"{roster.loc[0, 'Legal Forename']} {roster.loc[0, 'Legal Surname']}"
    with open(ws / "raw/voices/codebook.csv", "a", encoding="utf-8") as fh:
        fh.write(f"{name},Pupils' views heard,\n")
    return ws, name


@pytest.mark.xdist_group("demo")
def test_case4_qda_export_runs_output_check(named_in_codebook, tmp_path, capsys):
    """The codebook's name is redacted at load; a file named after the pupil is still caught."""
    ws, name = named_in_codebook
    share = tmp_path / "share"
    clean = share / "project.qdpx"
    assert main(["qda", "export", str(ws), "--to", str(clean)]) == 0
    with zipfile.ZipFile(clean) as z:
        project = z.read("project.qde").decode("utf-8")
    assert name not in project
    assert "[name]" in project
    clean.unlink()
    capsys.readouterr()
    named = name.replace(" ", "_")
    qdpx, qdc = share / f"{named}.qdpx", share / f"{named}.qdc"
    assert main(["qda", "export", str(ws), "--to", str(qdpx)]) == 1
    err = capsys.readouterr().err
    assert "Nothing was written" in err
    assert name not in err
    assert named not in err
    assert not qdpx.exists()
    assert main(["qda", "export", str(ws), "--codebook", str(qdc)]) == 1
    assert not qdc.exists()
    assert not list(share.iterdir())  # no staging folder left either


@pytest.mark.xdist_group("demo")
def test_case4_export_leak_leaves_no_file(tiny, tmp_path, capsys):
    ws, _, _ = tiny
    leaky = notebook(tmp_path / "leaky.ipynb", 'print("write to jo.bloggs@school.org")')
    out = tmp_path / "out"
    assert main(["report", str(ws), "--notebook", str(leaky), "--name", "leaky", "--out",
                 str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "jo.bloggs@school.org" not in err
    assert not (out / "leaky.html").exists()  # withheld, never put in place
    entry = read_ledger(out)["leaky"]
    assert entry["status"] == "failed"
    assert entry["error"].startswith("withheld")
    assert "jo.bloggs" not in (out / "index.html").read_text(encoding="utf-8")
    assert not [p for p in out.iterdir() if p.name.startswith(".slc-staging")]


# --- case 12 -----------------------------------------------------------------------------

def test_case12_reserved_names_refused(tiny, tmp_path, capsys):
    ws, enq, nb = tiny
    for name in ("index", "summary", "Index", ".slc-runs", "summary.csv"):
        with pytest.raises(ConfigError, match="cannot be called|not allowed"):
            check_report_name(name)
    batch = tmp_path / "batch.toml"
    batch.write_text(f'[[report]]\nnotebook = "{nb}"\nname = "index"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot be called 'index'") as caught:
        expand_batch(read_batch(batch), enq)
    assert caught.value.file == str(batch)
    assert caught.value.key == "report[1].name"
    out = tmp_path / "out"
    assert main(["report", str(ws), "--notebook", str(nb), "--name", "summary", "--out",
                 str(out)]) == 2
    assert "cannot be called 'summary'" in capsys.readouterr().err
    assert not out.exists()  # refused before anything ran or was written
    entry = BatchEntry((str(nb),), {}, {}, "summary", "staff", "--notebook")
    with pytest.raises(ConfigError):
        expand_batch(Batch((entry,)), enq)


def test_case12_orphaned_task_does_not_write(tmp_path):
    out = tmp_path / "out"
    out.mkdir()

    def staged_report(token: str) -> tuple[RunOutcome, RunTask]:
        staging = out / f".slc-staging-{token}"
        staging.mkdir()
        html = staging / "orphan.html"
        html.write_text("<html>a report</html>", encoding="utf-8")
        task = RunTask("orphan", "nb.ipynb", str(tmp_path), str(out), staging=str(staging),
                       token=token)
        return RunOutcome(ReportResult("orphan", Path("nb.ipynb"), html), ""), task

    with folder_lock(out) as token:  # a new run holds the folder; the orphan's run is gone
        assert holds_folder(out, token)
        assert not holds_folder(out, "old-run")
        outcome, task = staged_report("old-run")
        kept = put_in_place(outcome, task, out, None)
        assert not kept.ok
        assert kept.ename == "Discarded"
        assert not (out / "orphan.html").exists()
        assert not Path(outcome.result.html).exists()  # its staged copy is gone too
        outcome, task = staged_report(token)  # the run that holds the lock: put in place
        assert put_in_place(outcome, task, out, None).ok
        assert (out / "orphan.html").is_file()
    # the run was killed: its token is still in the lock file but nobody holds the lock
    (out / "orphan.html").unlink()
    (out / LOCK_NAME).write_text("killed-run", encoding="utf-8")
    assert not holds_folder(out, "killed-run")
    outcome, task = staged_report("killed-run")
    assert put_in_place(outcome, task, out, None).ename == "Discarded"
    assert not (out / "orphan.html").exists()


@pytest.mark.xdist_group("demo")
def test_case12_batch_parameters_validated_before_kernels(demo_enquiry, tmp_path, capsys):
    batch = tmp_path / "batch.toml"
    batch.write_text(f'workspace = "{demo_enquiry.root}"\nout = "out"\n[[report]]\n'
                     'notebook = "slc_impact"\nname = "{notebook}--{waves}"\n'
                     '[report.each]\nwaves = [[1, 2], [2, 1]]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="report 'slc_impact--2-1'.*parameter 'waves'") as c:
        expand_batch(read_batch(batch), demo_enquiry)
    assert c.value.file == str(batch)
    assert c.value.key == "report[1].each.waves"
    started = time.perf_counter()
    assert main(["report", "--batch", str(batch), "--engine", "fresh"]) == 1
    err = capsys.readouterr().err
    assert str(batch) in err
    assert "slc_impact--2-1" in err
    assert "waves" in err
    assert "Nothing was run" in err
    assert not (tmp_path / "out").exists()  # no kernel started, nothing written
    assert time.perf_counter() - started < 60


def test_a_fresh_checkout_holds_nothing_in_outputs():
    # `make demo` writes its reports into ./outputs and then lists any file there that no
    # report run made (exit 1): a file kept in git there (a placeholder) failed every demo.
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "-C", str(root), "ls-files", "outputs"],
                             capture_output=True, text=True, check=True).stdout.split()
    assert tracked == []


def test_a_surname_in_the_pages_style_sheet_is_found_by_full_name_only(tmp_path):
    # A pupil surnamed Placeholder: every report page's style sheet says "::placeholder".
    import nbformat

    from slc_research.privacy.identifiers import Identifiers
    from slc_research.privacy.output_check import check_folder
    from slc_research.report.check import notebook_words
    from slc_research.report.html_export import report_exporter

    people = Identifiers.build(full_names=["Jo Placeholder"], common=notebook_words(tmp_path))
    out = tmp_path / "out"
    out.mkdir()
    page = report_exporter(show_code=False).to_html(nbformat.v4.new_notebook(), title="T")
    assert "placeholder" in page
    (out / "report.html").write_text(page, encoding="utf-8")
    assert check_folder(out, people).finds == ()
    (out / "minutes.html").write_text("<p>Thanks to Jo Placeholder.</p>", encoding="utf-8")
    assert [f.file for f in check_folder(out, people).finds] == ["minutes.html"]
