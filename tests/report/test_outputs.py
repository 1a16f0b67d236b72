"""Issue 15, cases 3, 4 and 12: no stale outputs, every sharing command runs the output
check, and a batch's safety (reserved names, orphaned tasks, parameters checked first).

Fast cases use an empty workspace from ``slc-research init`` and tiny notebooks (no
kernel, or one or two report runs); the sharing commands use a copy of the demo trust
with a pupil's full name written where no redaction can know it (a code's name)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from slc_research.cli import main
from slc_research.errors import ConfigError
from slc_research.report.batch import Batch, BatchEntry, expand_batch, read_batch
from slc_research.report.check import check_outputs
from slc_research.report.execute import ReportResult
from slc_research.report.folder import (
    LOCK_NAME,
    REPORT_MARKER,
    check_report_name,
    consent_digest,
    folder_lock,
    holds_folder,
    read_ledger,
    write_ledger,
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
    assert main(["check-outputs", str(out), "--workspace", str(ws)]) == 0

    write_consent(ws, "withdrawn")  # a pupil withdraws after the report was made
    capsys.readouterr()
    assert main(["check-outputs", str(out), "--workspace", str(ws)]) == 1
    err = capsys.readouterr().err
    assert "custom-x.html" in err and "consent register changed" in err

    # the next batch into the same folder does not ask for custom-x
    assert main(["report", str(ws), "--notebook", str(nb), "--name", "other", "--out",
                 str(out)]) == 0, capsys.readouterr().err
    said = capsys.readouterr()
    assert "Rewrote custom-x.html" in said.out + said.err
    after = read_ledger(out)["custom-x"]
    assert after["consent"] == consent_digest(ws) != before["consent"]
    assert after["finished"] >= before["finished"] and after["status"] == "ok"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="custom-x.html"' in index and 'href="other.html"' in index
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
    assert "notes.docx" in err and "old-report.html" in err
    assert "no report run into it made" in err

    run = run_batch([], ws, out, workspace_key=enq.cache_key, title="T", quiet=True)
    assert not (out / "old-report.html").exists()  # ours, unknown to the ledger: removed
    assert (out / "notes.docx").read_bytes() == b"a teacher's own file"  # not ours: kept
    assert any("Removed old-report.html" in n for n in run.notes)
    assert any(n.startswith("notes.docx was not made by a report run") for n in run.notes)
    assert not run.passed_check and run.check.unknown == ("notes.docx",)


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
    ws, name = named_in_codebook
    qdpx, qdc = tmp_path / "share" / "project.qdpx", tmp_path / "share" / "book.qdc"
    assert main(["qda", "export", str(ws), "--to", str(qdpx)]) == 1
    err = capsys.readouterr().err
    assert "project.qdpx" in err and "Nothing was written" in err and name not in err
    assert not qdpx.exists()
    assert main(["qda", "export", str(ws), "--codebook", str(qdc)]) == 1
    assert not qdc.exists()
    assert not list((tmp_path / "share").iterdir())  # no staging folder left either


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
    assert entry["status"] == "failed" and entry["error"].startswith("withheld")
    assert "jo.bloggs" not in (out / "index.html").read_text(encoding="utf-8")
    assert not [p for p in out.iterdir() if p.name.startswith(".slc-staging")]
