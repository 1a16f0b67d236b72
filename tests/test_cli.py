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
    assert main(["init", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err
    assert "Traceback" not in err
    assert (tmp_path / "enquiry.toml").read_text().endswith("# mine\n")


def test_check_of_a_missing_workspace_is_one_message(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nowhere")]) == 2
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
    assert proc.returncode == 2
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
