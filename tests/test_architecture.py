"""ARCHITECTURE.md kept true: the package's imports follow its layers.

Reads every module of ``slc_research`` (no import is executed) and fails on
- an import that points up the layers (a lower part importing a higher one),
- a name starting with ``_`` imported from, or read off, another module,
- a cycle among the package's modules (imports inside functions count too).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "slc_research"

#: The parts, lowest first, as ARCHITECTURE.md lists them: a part may import itself and
#: every part above it in this list, never one below it.
LAYERS = ["words", "errors", "stats", "privacy", "data", "measures", "workspace", "qual", "charts",
          "casestudies", "synthetic", "report", "widgets", "cli"]
#: Leaves every part may import: they import nothing of the package but ``errors``.
LEAVES = {"slc_research.workspace.atomic", "slc_research.data.frames",
          "slc_research.data.reading.zip_limits"}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def part_of(module: str) -> str:
    bits = module.split(".")
    return bits[1] if len(bits) > 1 else "__init__"


def type_only(tree: ast.AST) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:`` (never run, so never a cycle)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return out


def imports_of(module: str, *, typing: bool = True) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import in ``module``
    (with ``typing=False``, not those made for type checkers only)."""
    tree = ast.parse(MODULES[module].read_text(), filename=str(MODULES[module]))
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    skip = set() if typing else type_only(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names
                      if a.name.startswith("slc_research")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([base] if base else [])])
            if not base.startswith("slc_research"):
                continue
            names = [a.name for a in node.names]
            subs = [n for n in names if f"{base}.{n}" in MODULES]
            found += [(f"{base}.{n}", [], node.lineno) for n in subs]
            rest = [n for n in names if n not in subs]
            if rest or not subs:
                found.append((base, rest, node.lineno))
    return found


def graph() -> dict[str, set[str]]:
    return {m: {t for t, _, _ in imports_of(m, typing=False) if t in MODULES and t != m}
            for m in MODULES}


def test_every_part_is_in_a_layer():
    parts = {part_of(m) for m in MODULES} - {"__init__"}
    assert parts <= set(LAYERS), sorted(parts - set(LAYERS))


def test_no_import_points_up_the_layers():
    bad = []
    for module in MODULES:
        mine = part_of(module)
        for target, _, line in imports_of(module):
            theirs = part_of(target)
            if module == "slc_research" or target in LEAVES or theirs == "__init__":
                continue
            if mine in LAYERS and theirs in LAYERS and LAYERS.index(theirs) > LAYERS.index(mine):
                bad.append(f"{module}:{line} imports {target} ({mine} may not import {theirs})")
    assert not bad, "\n".join(bad)


def test_leaves_import_only_errors():
    for leaf in LEAVES:
        assert {t for t, _, _ in imports_of(leaf)} <= {"slc_research.errors"}, leaf


def test_no_private_name_crosses_a_module():
    bad = []
    for module in MODULES:
        source = MODULES[module].read_text()
        for target, names, line in imports_of(module):
            if target == module:
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private or any(p.startswith("_") and not p.startswith("__")
                              for p in target.split(".")):
                bad.append(f"{module}:{line} imports {private or target} from {target}")
        # ``module._name`` read off an imported module object
        aliases = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("slc_research"):
                aliases |= {a.asname or a.name for a in node.names
                            if f"{node.module}.{a.name}" in MODULES}
            elif isinstance(node, ast.Import):
                aliases |= {a.asname for a in node.names
                            if a.asname and a.name.startswith("slc_research")}
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and re.match(r"_[^_]", node.attr)):
                bad.append(f"{module}:{node.lineno} reads {node.value.id}.{node.attr}")
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    edges = graph()
    seen: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(m: str) -> None:
        seen[m] = 1
        stack.append(m)
        for t in sorted(edges[m]):
            if seen.get(t) == 1:
                cycles.append([*stack[stack.index(t):], t])
            elif t not in seen:
                visit(t)
        stack.pop()
        seen[m] = 2

    for m in sorted(edges):
        if m not in seen:
            visit(m)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles[:10])


@pytest.mark.parametrize("part", LAYERS)
def test_architecture_md_describes_every_part(part):
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text()
    assert f"`{part}" in text, part


def test_the_checker_sees_a_forbidden_arrow(tmp_path, monkeypatch):
    """The rule itself: a stats module importing a chart module is reported."""
    fake = tmp_path / "slc_research" / "stats" / "bad.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("from slc_research.charts import theme\nfrom slc_research.errors import _x\n")
    monkeypatch.setitem(MODULES, "slc_research.stats.bad", fake)
    monkeypatch.setitem(MODULES, "slc_research.charts.theme", fake)
    monkeypatch.setitem(MODULES, "slc_research.errors", fake)
    with pytest.raises(AssertionError, match=r"stats may not import charts"):
        test_no_import_points_up_the_layers()
    with pytest.raises(AssertionError, match=r"imports \['_x'\]"):
        test_no_private_name_crosses_a_module()
