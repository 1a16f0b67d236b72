"""The command line: init, check, and one clear message instead of a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from slc_research.cli import main


def test_init_writes_an_empty_workspace_that_checks(tmp_path, capsys):
    ws = tmp_path / "my-enquiry"
    assert main(["init", str(ws)]) == 0
    assert (ws / "enquiry.toml").is_file()
    assert (ws / "raw").is_dir()
    assert (ws / "private").is_dir()
    assert "private/" in (ws / ".gitignore").read_text()
    capsys.readouterr()
    assert main(["check", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "My enquiry" in out
    assert "Groups smaller than 5 are suppressed" in out
    assert "none yet" in out


def test_init_refuses_to_overwrite(tmp_path, capsys):
    assert main(["init", str(tmp_path)]) == 0
    before = (tmp_path / "enquiry.toml").read_text()
    (tmp_path / "enquiry.toml").write_text(before + "\n# mine\n")
    assert main(["init", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "already exists" in err
    assert "Traceback" not in err
    assert (tmp_path / "enquiry.toml").read_text().endswith("# mine\n")


def test_check_of_a_missing_workspace_is_one_message(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "slc-research init" in err


def test_check_reports_a_bad_file_with_row_and_column(tmp_path):
    main(["init", str(tmp_path)])
    (tmp_path / "raw" / "roster.csv").write_text("UPN,Year\nA1,7\nA2,Year 15\n")
    with open(tmp_path / "enquiry.toml", "a") as f:
        f.write('\n[sources.roster]\npath = "raw/roster.csv"\nkind = "pupils"\n'
                '[sources.roster.columns]\n"UPN" = "pupil_id"\n"Year" = "year_group"\n')
    proc = subprocess.run([sys.executable, "-m", "slc_research.cli", "check", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "raw/roster.csv, row 3, column 'Year'" in proc.stderr
    assert "Year 15" in proc.stderr


def test_check_prints_data_health(tmp_path, capsys):
    main(["init", str(tmp_path)])
    Path(tmp_path / "raw" / "roster.csv").write_text("UPN,Year,PP\nA1,7,Y\nA2,8,\n")
    with open(tmp_path / "enquiry.toml", "a") as f:
        f.write('\n[sources.roster]\npath = "raw/roster.csv"\nkind = "pupils"\n'
                '[sources.roster.columns]\n"UPN" = "pupil_id"\n"Year" = "year_group"\n'
                '"PP" = "pupil_premium"\n')
    capsys.readouterr()
    assert main(["check", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "roster" in out
    assert "read now" in out
    assert "pupils 2" in out
    assert "pupil_premium 50%" in out
    assert "A1" not in out
    assert "A2" not in out
    assert main(["check", str(tmp_path)]) == 0
    assert "yes" in capsys.readouterr().out  # second time from the cache


# --- report -----------------------------------------------------------------------------------

def _tiny_notebook(path: Path, code: str) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('workspace = ""\nx = 1',
                                          metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "slc-research", "display_name": "slc-research",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    return path


def _tiny_workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    assert main(["init", str(ws)]) == 0
    _tiny_notebook(tmp_path / "ok.ipynb",
                   'from slc_research.report import record\nrecord("x2", x * 2)')
    _tiny_notebook(tmp_path / "fail.ipynb", 'raise ValueError(f"boom {x}")')
    return ws


def test_report_batch_with_a_failing_notebook_lists_it_and_exits_non_zero(tmp_path, capsys):
    _tiny_workspace(tmp_path)
    batch = tmp_path / "batch.toml"
    batch.write_text('workspace = "ws"\nout = "out"\n'
                     '[[report]]\nnotebook = ["ok.ipynb", "fail.ipynb"]\n'
                     'name = "{notebook}-{x}"\n[report.each]\nx = [1, 2]\n')
    capsys.readouterr()
    assert main(["report", "--batch", str(batch)]) == 1
    err = capsys.readouterr().err
    assert "2 reports failed" in err
    assert "fail-1  fail      x=1         2     ValueError: boom 1" in err
    assert "Traceback" not in err
    out = tmp_path / "out"
    assert sorted(p.name for p in out.glob("*.html") if p.name.startswith("ok")) == [
        "ok-1.html", "ok-2.html"]
    assert (out / "index.html").is_file()


def test_report_one_notebook_with_parameters_then_skips_it(tmp_path, capsys):
    from slc_research.report.runs import read_ledger

    ws = _tiny_workspace(tmp_path)
    out = tmp_path / "out"
    args = ["report", str(ws), "--notebook", str(tmp_path / "ok.ipynb"), "-p", "x=5",
            "--out", str(out)]
    assert main(args) == 0
    assert read_ledger(out)["ok--5"]["records"] == {"x2": 10}
    capsys.readouterr()
    assert main(args) == 0
    assert "(0 written, 1 up to date)" in capsys.readouterr().err
    assert main([*args, "--force", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_report_refuses_a_batch_with_other_options(tmp_path, capsys):
    (tmp_path / "b.toml").write_text('[[report]]\nnotebook = "slc_impact"\n')
    assert main(["report", str(tmp_path), "--batch", str(tmp_path / "b.toml"),
                 "--notebook", "voices"]) == 2
    assert "--notebook cannot be combined with --batch" in capsys.readouterr().err
    assert main(["report", "--batch", str(tmp_path / "b.toml")]) == 2
    assert "which workspace?" in capsys.readouterr().err


def test_report_a_bad_batch_file_is_one_message(tmp_path, capsys):
    (tmp_path / "b.toml").write_text('[[report]]\nnotebook = "slc_impact"\nauidence = "staff"\n')
    assert main(["report", str(tmp_path), "--batch", str(tmp_path / "b.toml")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "b.toml, key 'report[1].auidence': unknown key" in err
    assert "Did you mean 'audience'?" in err


def test_demo_refuses_to_replace_an_earlier_trust_without_force(tmp_path, capsys):
    """`slc-research demo` end to end, installed from the wheel, is tests/test_wheel.py."""
    earlier = tmp_path / "data" / "demo" / "enquiry.toml"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("# mine\n")
    assert main(["demo", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "use --force" in err
    assert "Traceback" not in err
    assert earlier.read_text() == "# mine\n"
    assert not (tmp_path / "outputs").exists()
