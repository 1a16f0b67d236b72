"""The built wheel works on its own: `slc-research demo` in a new environment, from any folder.

This is what a teacher without `make` does (README, "Without make"): install the package with
pip, then run `slc-research demo DIR` in a folder of their own. The test

1. builds the wheel with pip (`pip wheel --no-deps`, the build backend from pyproject.toml)
   from a copy of the files the build reads, so no `build/` left over in the checkout can
   slip into it;
2. creates a new virtual environment (`python -m venv`) and installs the wheel into it with
   pip (`--no-deps`);
3. runs the environment's `slc-research demo DIR --schools 1 --pupils 200` with the working
   folder a temporary folder outside the repository and no PYTHONPATH, and checks its exit
   status, `index.html` and every report the demo batch lists, and that the notebooks that
   ran, the package and the Jupyter kernel all come from the new environment, not from the
   checkout (the kernel is registered by `demo` itself: no `ipykernel install` step).

The dependencies: installing the wheel with its dependencies (pandas, pyarrow, JupyterLab,
Dask, ...) into a clean environment copies about 1 GB and took 2 min 40 s here, from a
package index that a test should not rely on. So by default the new environment sees the
dependencies of the environment running the tests through a `.pth` file naming its
site-packages folder, and their data files in `share/jupyter` (nbconvert's HTML templates)
through symbolic links, all but `share/jupyter/kernels`, so that no kernel registered for
this environment is seen there. A `.pth` line only adds the folder to `sys.path`, after the
new environment's own site-packages: `slc_research` is imported from the installed wheel
(the test checks it), and the `.pth` files in that folder, such as an editable install's
import hook, are not run. What this leaves untested is pip resolving the declared
dependencies, which every `make install` does. `SLC_WHEEL_TEST_DEPS=index` runs the full, clean install
instead (the environment gets pip and installs the wheel with its dependencies).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: What the build reads (pyproject.toml's readme, setup.py's mapped folders).
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "slc_research", "notebooks",
                "batches")
#: The reports of batches/demo.toml on a one-school trust.
DEMO_REPORTS = ("data_health", "slc_impact", "tlc_impact", "student_led_conferences",
                "coproduction_pilot", "voices", "slc_impact--northfield-slc",
                "slc_impact--research")

pytestmark = pytest.mark.slow


def _clean_env(venv: Path | None = None) -> dict[str, str]:
    """This process's environment without what points Python or Jupyter at the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH", "VIRTUAL_ENV")}
    if venv is not None:
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def _run(cmd: list[str | Path], **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("env", _clean_env())
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{cmd} exited with {done.returncode}:\n{done.stdout}\n" \
                                 f"{done.stderr}"
    return done


def _build_wheel(tmp: Path) -> Path:
    src = tmp / "src"
    src.mkdir(parents=True)
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.pyc", ".ipynb_checkpoints"))
        else:
            shutil.copy2(ROOT / name, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp / "dist",
          src], cwd=tmp)
    (wheel,) = (tmp / "dist").glob("slc_research-*.whl")
    return wheel


def _install(wheel: Path, venv: Path) -> Path:
    """A new environment with the wheel in it; its Python."""
    python = venv / "bin" / "python"
    if os.environ.get("SLC_WHEEL_TEST_DEPS") == "index":
        _run([sys.executable, "-m", "venv", venv])
        _run([python, "-m", "pip", "install", "--quiet", wheel])
        return python
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
          wheel])
    # after the install: pip would take an slc-research seen through the .pth for this one
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
                .stdout.strip())
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "slc-research-test-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n",
                                                             encoding="utf-8")
    # their data files (nbconvert's templates), but not this environment's kernels
    shared = Path(sys.prefix, "share", "jupyter")
    (venv / "share" / "jupyter").mkdir(parents=True)
    for entry in shared.iterdir() if shared.is_dir() else ():
        if entry.name != "kernels":
            (venv / "share" / "jupyter" / entry.name).symlink_to(entry)
    return python


@pytest.mark.skipif(os.name != "posix", reason="the new environment's paths are POSIX ones")
def test_the_wheel_installed_in_a_new_environment_runs_the_demo_from_any_folder(tmp_path):
    started = time.perf_counter()
    wheel = _build_wheel(tmp_path / "build")
    venv = (tmp_path / "venv").resolve()
    python = _install(wheel, venv)
    env = _clean_env(venv)
    away = tmp_path / "a teacher's folder"  # outside the repository, with a space in it
    away.mkdir()
    assert not away.resolve().is_relative_to(ROOT)

    where = _run([python, "-c", "import slc_research; print(slc_research.__file__)"],
                 cwd=away, env=env).stdout.strip()
    assert Path(where).is_relative_to(venv), where

    demo = subprocess.run([str(venv / "bin" / "slc-research"), "demo", "my-demo", "--schools",
                           "1", "--pupils", "200"], cwd=away, env=env, capture_output=True,
                          text=True, timeout=900)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    out = away / "my-demo" / "outputs"
    assert f"Open {out / 'index.html'} in a browser." in demo.stdout
    assert (away / "my-demo" / "data" / "demo" / "enquiry.toml").is_file()
    assert (out / "index.html").is_file()
    for name in DEMO_REPORTS:
        assert (out / f"{name}.html").is_file(), name
    # a staff deck per staff report, beside the reports' folder (issue 18, item 5)
    decks = away / "my-demo" / "slides"
    assert sorted(p.stem for p in decks.glob("*.pptx")) == sorted(
        n for n in DEMO_REPORTS if not n.endswith("--research"))

    # the notebooks that ran are the wheel's copies, in the new environment
    ledger = json.loads((out / ".slc-runs.json").read_text(encoding="utf-8"))["reports"]
    assert set(ledger) == set(DEMO_REPORTS)
    for entry in ledger.values():
        assert Path(entry["notebook"]).is_relative_to(venv / "lib"), entry["notebook"]
    # the kernel `demo` registered runs the new environment's Python
    spec = venv / "share" / "jupyter" / "kernels" / "slc-research" / "kernel.json"
    assert Path(json.loads(spec.read_text(encoding="utf-8"))["argv"][0]) == python
    assert "Registered the Jupyter kernel 'slc-research'" in demo.stdout
    print(f"wheel test: {time.perf_counter() - started:.0f} s")  # shown with pytest -s
