"""The catalogue of case-study notebooks agrees with the notebooks and with the README."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from slc_research.errors import ConfigError
from slc_research.report.catalogue import (
    INTERACTIVE,
    NOTEBOOKS,
    notebook_file,
    notebook_files,
    notebook_path,
)

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def _parameters(path: Path) -> dict[str, object]:
    nb = nbformat.read(str(path), as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    tree = ast.parse(cell.source)
    return {t.id: ast.literal_eval(node.value) for node in tree.body
            if isinstance(node, ast.Assign) for t in node.targets}


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_each_notebook_exists_without_outputs_and_declares_the_catalogued_parameters(name):
    info = NOTEBOOKS[name]
    nb = nbformat.read(str(notebook_path(name)), as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "slc-research"
    assert all(not c.get("outputs") and not c.get("execution_count")
               for c in nb.cells if c.cell_type == "code"), "commit notebooks without outputs"
    params = _parameters(notebook_path(name))
    assert list(params) == list(info.parameters)
    assert params == info.defaults, "the parameters cell holds the case study's defaults"
    assert params["workspace"] == "../data/demo"


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_readme_lists_each_notebook_with_its_parameters(name):
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^### `notebooks/{name}\.ipynb`.*?(?=^### |^## )", text,
                      flags=re.S | re.M)
    assert match, f"README has no section for notebooks/{name}.ipynb"
    for parameter in NOTEBOOKS[name].parameters:
        assert f"`{parameter}`" in match.group(0), (name, parameter)


def test_a_notebook_is_found_by_name_or_path_and_a_typo_is_a_clear_error(tmp_path):
    assert notebook_path("tlc_impact") == notebook_file("tlc_impact.ipynb")
    own = tmp_path / "mine.ipynb"
    own.write_text("{}", encoding="utf-8")
    assert notebook_path(own) == own.resolve()
    with pytest.raises(ConfigError, match="no case-study notebook called 'tlc_impct'"):
        notebook_path("tlc_impct")


def test_from_a_checkout_the_notebooks_are_the_top_level_notebooks_folder():
    """Editable install or PYTHONPATH: the checkout's own files (a wheel carries copies,
    tests/test_wheel.py)."""
    assert {p.resolve() for p in notebook_files()} == \
        {p.resolve() for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert notebook_path("tlc_impact").resolve() == (ROOT / "notebooks" / "tlc_impact.ipynb")


def test_every_notebook_in_the_folder_is_a_catalogued_report_or_interactive():
    found = {p.stem for p in notebook_files()}
    assert found == set(NOTEBOOKS) | set(INTERACTIVE)
    assert not set(NOTEBOOKS) & set(INTERACTIVE)


@pytest.mark.parametrize("name", list(INTERACTIVE))
def test_each_interactive_notebook_is_committed_clean_with_only_a_workspace_parameter(name):
    path = notebook_file(f"{name}.ipynb")
    nb = nbformat.read(str(path), as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "slc-research"
    assert all(not c.get("outputs") and not c.get("execution_count")
               for c in nb.cells if c.cell_type == "code"), "commit notebooks without outputs"
    assert _parameters(path) == {"workspace": "../data/demo"}
    assert "workspace_folder(workspace)" in nb.cells[1].source  # checked before anything runs


def test_an_interactive_notebook_is_not_run_as_a_report():
    with pytest.raises(ConfigError, match=r"'explore' is an interactive notebook .*`make lab`"):
        notebook_path("explore")


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_each_case_study_notebook_is_thin(name):
    """Parameters, one run call, one show per section: no branch, loop, comprehension or
    prose string in code; at most about 40 code lines (issue 14)."""
    nb = nbformat.read(str(notebook_path(name)), as_version=4)
    code = [c.source for c in nb.cells
            if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    lines = [line for src in code for line in src.splitlines()
             if line.strip() and not line.strip().startswith("#")]
    assert len(lines) <= 40, len(lines)
    tree = ast.parse("\n".join(code))
    banned = (ast.If, ast.For, ast.While, ast.IfExp, ast.ListComp, ast.DictComp, ast.SetComp,
              ast.GeneratorExp, ast.FunctionDef, ast.Lambda)
    assert not [type(n).__name__ for n in ast.walk(tree) if isinstance(n, banned)]
    prose = [n.value for n in ast.walk(tree)
             if isinstance(n, ast.Constant) and isinstance(n.value, str) and " " in n.value]
    assert not prose, prose
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
             and getattr(n.func, "attr", "") == "run_notebook"]
    assert len(calls) == 1
