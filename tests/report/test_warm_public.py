"""Warm kernels reach jupyter_client, papermill, Altair and vl-convert through public APIs only."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import slc_research

PACKAGE = Path(slc_research.__file__).resolve().parent
ROOT = PACKAGE.parent

# Written in pieces so that this file does not hold the names it looks for.
FORBIDDEN = [
    "_async_pre" + "_start_kernel", "_async_shutdown" + "_kernel", "_async_interrupt" + "_kernel",
    "papermill_engines." + "_engines", "papermill_engines." + "register(",
    "SchemaBase." + "__init__", "LayerChart." + "__new__", "SourceCache.read" + " =",
    "setattr(" + "vlc", "register" + "_at_fork", "/proc" + "/",
]


def _sources() -> list[Path]:
    files = sorted((PACKAGE / "report").glob("*.py"))
    files += [PACKAGE / "workspace" / "cache.py", PACKAGE / "charts" / "theme.py",
              PACKAGE / "charts" / "render.py"]
    bench = ROOT / "benchmarks" / "batch.py"
    return [*files, bench] if bench.is_file() else files


def test_no_private_hooks_in_the_report_package():
    found = {f"{path.relative_to(ROOT)}: {name}" for path in _sources()
             for name in FORBIDDEN if name in path.read_text(encoding="utf-8")}
    assert found == set()


def test_no_vl_convert_function_is_assigned():
    pattern = re.compile(r"\bvlc?\.\w+\s*=[^=]|vl_convert\.\w+\s*=[^=]")
    offending = [str(path.relative_to(ROOT)) for path in _sources()
                 if pattern.search(path.read_text(encoding="utf-8"))]
    assert offending == []


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_execute_and_warm_do_not_import_each_other():
    out = _python(
        "import sys\n"
        "import slc_research.report.execute\n"
        "a = 'slc_research.report.warm' in sys.modules\n"
        "for m in [m for m in sys.modules if m.startswith('slc_research.report.')]:\n"
        "    del sys.modules[m]\n"
        "import papermill.engines  # loads the engine from its entry point\n"
        "import slc_research.report.warm, slc_research.report.provisioner, "
        "slc_research.report.warm_engine, slc_research.report.zygote\n"
        "print(a, 'slc_research.report.execute' in sys.modules)\n")
    assert out == "False False"


def test_importing_the_warm_modules_starts_and_registers_nothing():
    out = _python(
        "import threading, psutil, altair as alt, vl_convert as vlc\n"
        "from slc_research.workspace import cache\n"
        "renderer, read, svg = alt.renderers.active, cache.SourceCache.read, vlc.vegalite_to_svg\n"
        "import papermill.engines, slc_research.report.warm, slc_research.report.provisioner\n"
        "import slc_research.report.warm_engine, slc_research.report.zygote\n"
        "import slc_research.report.render_server, slc_research.report.kernels\n"
        "print(psutil.Process().children() == [], threading.active_count(),\n"
        "      alt.renderers.active == renderer, cache.SourceCache.read is read,\n"
        "      vlc.vegalite_to_svg is svg, cache.READ_MEMO,\n"
        "      slc_research.report.warm._POOLS, slc_research.report.warm._EXIT_REGISTERED)\n")
    assert out == "True 1 True True True None {} set()"
