"""`slc-research lab`: copies of the notebooks in the workspace, pointed at it (issue 17, item 7).

Nothing here starts a server: ``--dry-run`` prepares the folder and prints the command,
and :func:`prepare_lab` returns it.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from slc_research.casestudies.parameters import workspace_folder
from slc_research.cli import main
from slc_research.errors import ConfigError
from slc_research.report.catalogue import notebook_files
from slc_research.report.lab import LAB_RECORD, pointed_at, prepare_lab

ROOT = Path(__file__).resolve().parents[2]


def _parameters(nb: nbformat.NotebookNode) -> dict:
    """The values the parameters cell sets, read by running its code alone."""
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    values: dict = {}
    exec(compile(ast.parse(cell.source), "<parameters>", "exec"), {}, values)
    return values


def _digest(paths) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def _workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "my enquiry"
    assert main(["init", str(ws)]) == 0
    return ws


def test_item7_lab_copies_every_notebook_pointed_at_the_workspace(tmp_path, capsys):
    ws = _workspace(tmp_path)
    shipped = notebook_files()
    before = _digest(shipped)
    capsys.readouterr()
    assert main(["lab", str(ws), "--dry-run", "--no-browser"]) == 0
    out = capsys.readouterr().out
    folder = ws / "notebooks"
    assert sorted(p.name for p in folder.glob("*.ipynb")) == [p.name for p in shipped]
    assert len(shipped) == 7
    for source in shipped:
        copy = nbformat.read(folder / source.name, as_version=4)
        original = nbformat.read(source, as_version=4)
        params, original_params = _parameters(copy), _parameters(original)
        assert params["workspace"] == ".."
        # the other parameters are untouched, and so is every other cell
        assert {k: v for k, v in params.items() if k != "workspace"} == \
            {k: v for k, v in original_params.items() if k != "workspace"}
        assert [c.source for c in copy.cells[1:]] == [c.source for c in original.cells[1:]]
        # relative to the copy's folder (the kernel's), ".." is the workspace itself
        assert workspace_folder(str(folder / params["workspace"])) == ws.resolve()
    # the package's (the repository's) notebooks are never written
    assert _digest(shipped) == before
    assert "*" in (folder / ".gitignore").read_text().splitlines()
    # the command as a shell would take it: the folder's space quoted
    assert f"'--ServerApp.root_dir={folder.resolve()}'" in out
    assert "--no-browser" in out
    assert "Not started (--dry-run)" in out
    assert out.count(": copied") == 7


def test_item7_lab_keeps_a_copy_the_teacher_edited_and_refresh_replaces_it(tmp_path, capsys):
    ws = _workspace(tmp_path)
    prepare_lab(ws)
    copy = ws / "notebooks" / "explore.ipynb"
    nb = nbformat.read(copy, as_version=4)
    nb.cells[-1].source = 'widgets.column_mapper(workspace, "raw/my-roster.csv", kind="pupils")'
    nbformat.write(nb, copy)
    edited = copy.read_bytes()
    capsys.readouterr()
    assert main(["lab", str(ws), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert copy.read_bytes() == edited
    assert "explore.ipynb: kept as you edited it" in out
    assert "--refresh" in out
    assert "Not overwritten, because you edited them: explore.ipynb." in out
    assert "slc_impact.ipynb: already up to date" in out

    plan = prepare_lab(ws, refresh=True, now=datetime(2026, 3, 6, 12, 54))
    aside = ws / "notebooks" / "explore.edited-20260306-125400.ipynb"
    assert aside.read_bytes() == edited
    assert [(c.name, c.status) for c in plan.copies if c.status != "kept"] == \
        [("explore.ipynb", "refreshed")]
    fresh = nbformat.read(copy, as_version=4)
    assert "roster.csv" in fresh.cells[-1].source
    assert "my-roster" not in fresh.cells[-1].source
    assert _parameters(fresh)["workspace"] == ".."
    # after a refresh the fresh copy is the one on record: a further run keeps it
    assert {c.status for c in prepare_lab(ws).copies} == {"kept"}


def test_item7_lab_keeps_the_outputs_of_a_copy_that_was_only_run(tmp_path):
    ws = _workspace(tmp_path)
    prepare_lab(ws)
    copy = ws / "notebooks" / "explore.ipynb"
    nb = nbformat.read(copy, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code" and "explorer" in c.source)
    code.execution_count = 3
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran on my data\n")]
    nbformat.write(nb, copy)
    plan = prepare_lab(ws)
    assert next(c for c in plan.copies if c.name == "explore.ipynb").status == "kept"
    assert "ran on my data" in copy.read_text()


def test_item7_lab_updates_an_unedited_copy_when_the_package_changes(tmp_path):
    ws = _workspace(tmp_path)
    shipped = tmp_path / "package"
    shipped.mkdir()
    original = nbformat.read(ROOT / "notebooks" / "explore.ipynb", as_version=4)
    nbformat.write(original, shipped / "explore.ipynb")
    first = prepare_lab(ws, notebooks=[shipped / "explore.ipynb"])
    assert [c.status for c in first.copies] == ["new"]
    newer = nbformat.read(shipped / "explore.ipynb", as_version=4)
    newer.cells.append(nbformat.v4.new_markdown_cell("## A section added in a new version"))
    nbformat.write(newer, shipped / "explore.ipynb")
    second = prepare_lab(ws, notebooks=[shipped / "explore.ipynb"])
    assert [c.status for c in second.copies] == ["updated"]
    copy = nbformat.read(ws / "notebooks" / "explore.ipynb", as_version=4)
    assert copy.cells[-1].source == "## A section added in a new version"
    assert _parameters(copy)["workspace"] == ".."
    assert (ws / "notebooks" / LAB_RECORD).is_file()


def test_item7_lab_refuses_a_folder_that_is_not_an_enquiry(tmp_path, capsys):
    assert main(["lab", str(tmp_path / "nowhere"), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert "does not exist, so it is not an enquiry folder" in err
    assert "slc-research init" in err
    assert "Traceback" not in err
    assert not (tmp_path / "nowhere").exists()
    assert main(["lab", str(ROOT), "--dry-run"]) == 1  # the repository: no enquiry.toml
    assert "has no enquiry.toml" in capsys.readouterr().err
    ws = _workspace(tmp_path)
    (ws / "notebooks").write_text("my notes\n")
    capsys.readouterr()
    assert main(["lab", str(ws), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert "notebooks is a file" in err
    assert "rename or move that file" in err
    assert (ws / "notebooks").read_text() == "my notes\n"


def test_item7_lab_never_writes_the_package_notebooks_folder(tmp_path, capsys):
    # a workspace whose notebooks/ folder is where the package's notebooks are read from
    package = tmp_path / "ws" / "notebooks"
    package.mkdir(parents=True)
    (tmp_path / "ws" / "enquiry.toml").write_text('title = "x"\n')
    nbformat.write(nbformat.read(ROOT / "notebooks" / "explore.ipynb", as_version=4),
                   package / "explore.ipynb")
    before = _digest([package / "explore.ipynb"])
    with pytest.raises(ConfigError, match="own notebooks folder, which is never written"):
        prepare_lab(tmp_path / "ws", notebooks=[package / "explore.ipynb"])
    assert _digest([package / "explore.ipynb"]) == before
    assert not (package / LAB_RECORD).exists()


def test_item7_pointed_at_edits_only_the_workspace_value():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('# the enquiry folder: "here"\nworkspace = "../data/demo"  '
                                  '# relative to the notebook\nschool = "Rivière"\n',
                                  metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print(workspace)", execution_count=4,
                                  outputs=[nbformat.v4.new_output("stream", text="x")])])
    out = pointed_at(nb, "../Écoles/my enquiry")
    assert out.cells[0].source == ('# the enquiry folder: "here"\nworkspace = '
                                   '"../\\u00c9coles/my enquiry"  # relative to the notebook\n'
                                   'school = "Rivière"\n')
    assert _parameters(out) == {"workspace": "../Écoles/my enquiry", "school": "Rivière"}
    assert out.cells[1].outputs == []
    assert out.cells[1].execution_count is None
    assert nb.cells[0].source.startswith('# the enquiry folder: "here"\nworkspace = "../data')


def test_item7_lab_command_starts_this_pythons_jupyterlab(tmp_path):
    plan = prepare_lab(_workspace(tmp_path), browser=False, port=8899)
    assert plan.command[:3] == [sys.executable, "-m", "jupyterlab"]
    root = ["--allow-root"] if os.geteuid() == 0 else []
    assert plan.command[3:] == [f"--ServerApp.root_dir={plan.folder}", *root, "--no-browser",
                                "--port=8899"]
    version = subprocess.run([*plan.command[:3], "--version"], capture_output=True, text=True,
                             timeout=120)
    assert version.returncode == 0
    assert re.match(r"4\.\d+", version.stdout.strip())


def test_item7_make_lab_runs_the_lab_command_on_a_workspace():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert "$(BIN)/slc-research lab $(LAB)" in recipe
    assert "jupyter lab notebooks" not in recipe
    assert "LAB ?= $(DEMO)" in makefile


def test_item7_a_lab_copy_that_does_not_apply_shows_one_plain_message(tmp_path):
    """Run All on the SLC notebook of an enquiry with no SLC, in a real kernel.

    The cell stops with the "not run" line and nothing else: no frames of slc-research's
    own code for the teacher to read past (IPython's ``_render_traceback_`` hook).
    """
    from nbclient import NotebookClient

    plan = prepare_lab(_workspace(tmp_path), browser=False)
    copy = next(c.path for c in plan.copies if c.name == "slc_impact.ipynb")
    nb = nbformat.read(copy, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=300, allow_errors=True,
                   resources={"metadata": {"path": str(copy.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    first = errors[0]
    assert first.ename == "ConfigError"
    assert first.traceback == [
        'slc-research: slc_impact: not run - this enquiry has no SLC (no memberships source '
        'with community_kind = "slc" lists its pupils). Add the source named to enquiry.toml, '
        "or open another case study's notebook."]
