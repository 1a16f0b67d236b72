"""Issue 17: the explorer's column-mapper cell in a teacher's own copy shows a plain message.

``notebooks/explore.ipynb`` names the demo's roster; in a teacher's workspace (opened
with ``slc-research lab``) that file does not exist. The cell must show what to type
instead (the workspace's raw files), never a FileNotFoundError traceback.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import ipywidgets as w
import nbformat
import pytest

from slc_research import widgets
from slc_research.cli import main
from slc_research.errors import ConfigError
from slc_research.widgets.mapper import ColumnMapper, column_mapper

ROOT = Path(__file__).parents[2]
SCHOOL = ROOT / "tests" / "data" / "exports" / "school"


def _teacher_workspace(tmp_path: Path) -> Path:
    exports = tmp_path / "exports"
    exports.mkdir()
    for name in ("roster.csv", "behaviour.csv"):
        shutil.copyfile(SCHOOL / name, exports / name)
    ws = tmp_path / "my enquiry"
    assert main(["init", str(ws), "--from", str(exports)]) == 0
    return ws


def test_explore_mapper_cell_in_a_teachers_workspace_shows_a_plain_message(tmp_path):
    ws = _teacher_workspace(tmp_path)
    nb = nbformat.read(ROOT / "notebooks" / "explore.ipynb", as_version=4)
    cell = next(c.source for c in nb.cells if c.cell_type == "code"
                and "column_mapper(" in c.source)
    shown = eval(cell, {"widgets": widgets, "workspace": ws})  # the cell's one expression
    assert isinstance(shown, w.HTML)
    assert "There is no file &quot;raw/northfield-academy/mis/roster.csv&quot;" in shown.value
    assert "&quot;raw/behaviour.csv&quot;, &quot;raw/roster.csv&quot;" in shown.value


def test_mapper_on_a_file_that_exists_still_opens(tmp_path):
    ws = _teacher_workspace(tmp_path)
    assert isinstance(column_mapper(ws, "raw/roster.csv", kind="pupils"), ColumnMapper)


def test_mapper_on_a_path_outside_the_workspace_is_still_refused(tmp_path):
    ws = _teacher_workspace(tmp_path)
    with pytest.raises(ConfigError, match="is outside the workspace"):
        column_mapper(ws, tmp_path / "exports" / "roster.csv")
