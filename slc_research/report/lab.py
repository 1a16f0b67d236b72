"""JupyterLab on a teacher's own enquiry: copies of the notebooks inside the workspace.

>>> plan = prepare_lab("my-enquiry")          # doctest: +SKIP
>>> print(plan.summary())                     # doctest: +SKIP
>>> subprocess.run(plan.command)              # doctest: +SKIP

``slc-research lab PATH`` (and ``make lab``) calls :func:`prepare_lab`, then starts
JupyterLab with the command it returns. The package's notebooks (shipped in the
wheel as ``slc_research.notebooks``; in a checkout, the repository's ``notebooks/``
folder) are only ever read: each is copied into the workspace's own
``notebooks/`` folder with the ``workspace`` value of its ``parameters`` cell set
to ``".."`` (the folder above, which holds ``enquiry.toml``), so running a cell
there reads the teacher's enquiry and autosave writes outputs into the copies,
never into the repository's tracked files.

The copies are the teacher's to change. A record of what was written
(``notebooks/.slc-research-lab.json``: a fingerprint of each copy's cells, outputs
left out) tells the three cases apart on the next run:

* the copy's cells are still as written: it is kept as it is (outputs and all),
  or replaced by the package's newer version when the package changed;
* the teacher edited a cell: the copy is kept, and the summary says so and offers
  ``--refresh``;
* with ``refresh=True`` an edited copy is first saved aside as
  ``<name>.edited-<date-time>.ipynb``, then replaced.

Every file is written whole or not at all (:func:`slc_research.workspace.atomic.write_atomic`).
A ``.gitignore`` in the folder keeps the copies out of git: once run, they hold
results computed from pupils' data.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nbformat

from slc_research.errors import ConfigError
from slc_research.report.catalogue import notebook_files
from slc_research.workspace.atomic import write_atomic

__all__ = ["LAB_FOLDER", "LAB_RECORD", "LabPlan", "NotebookCopy", "lab_command", "pointed_at",
           "prepare_lab"]

#: The workspace's folder for its copies of the notebooks.
LAB_FOLDER = "notebooks"
#: The record of what :func:`prepare_lab` wrote (in ``LAB_FOLDER``).
LAB_RECORD = ".slc-research-lab.json"
#: The ``workspace`` value the copies are given: the folder above ``notebooks/``.
WORKSPACE_FROM_COPY = ".."
_GITIGNORE = ("# Written by `slc-research lab`: these copies of the notebooks hold results\n"
              "# computed from pupils' data once they have been run, so git leaves them out.\n"
              "*\n")
#: What each status means, for the summary.
_SAID = {
    "new": "copied",
    "updated": "updated to this version of slc-research (your cells were unchanged)",
    "kept": "already up to date",
    "edited": "kept as you edited it (run `slc-research lab PATH --refresh` to replace it "
              "with a fresh copy; yours is then saved aside)",
    "refreshed": "replaced by a fresh copy; your edited one was saved as {aside}",
}


@dataclass(frozen=True)
class NotebookCopy:
    """One notebook's copy in the workspace.

    Attributes
    ----------
    name : str
        The file name, e.g. ``"explore.ipynb"``.
    path : Path
        The copy.
    status : str
        ``"new"``, ``"updated"``, ``"kept"``, ``"edited"`` or ``"refreshed"``.
    aside : Path or None
        Where an edited copy was saved before ``"refreshed"`` replaced it.
    """

    name: str
    path: Path
    status: str
    aside: Path | None = None

    def __str__(self) -> str:
        return f"{self.name}: {_SAID[self.status].format(aside=self.aside and self.aside.name)}"


@dataclass(frozen=True)
class LabPlan:
    """What :func:`prepare_lab` did, and the command that starts JupyterLab there.

    Attributes
    ----------
    workspace : Path
        The enquiry folder (holding ``enquiry.toml``).
    folder : Path
        ``workspace / "notebooks"``: JupyterLab's root folder.
    copies : tuple of NotebookCopy
        One per notebook of the package, in name order.
    command : list of str
        The command that starts JupyterLab on ``folder`` (see :func:`lab_command`).
    """

    workspace: Path
    folder: Path
    copies: tuple[NotebookCopy, ...]
    command: list[str]

    @property
    def edited(self) -> list[NotebookCopy]:
        """The copies kept because the teacher edited them."""
        return [c for c in self.copies if c.status == "edited"]

    def summary(self) -> str:
        """A few lines for the teacher: where the notebooks are and what happened to each."""
        lines = [f"Your notebooks are in {self.folder}, each pointed at the enquiry in "
                 f"{self.workspace}:"]
        lines += [f"  {c}" for c in self.copies]
        if self.edited:
            names = ", ".join(c.name for c in self.edited)
            lines.append(f"Not overwritten, because you edited them: {names}. Add --refresh "
                         "to replace them with fresh copies (yours are saved aside first).")
        return "\n".join(lines)


def _fingerprint(nb: nbformat.NotebookNode) -> str:
    """A hash of the cells' kinds and text: outputs, counts and metadata left out."""
    cells = [[c.get("cell_type", ""), "".join(c.get("source", ""))] for c in nb.get("cells", [])]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode("utf-8")).hexdigest()


def pointed_at(nb: nbformat.NotebookNode, workspace: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose ``parameters`` cell sets ``workspace`` to the given value.

    The cell's code is parsed (:mod:`ast`) and only the value of the ``workspace =``
    assignment is replaced, written as a Python string; the comments and the other
    parameters stay as they were. Outputs and execution counts are cleared.

    Raises
    ------
    ConfigError
        The notebook has no cell tagged ``parameters``, or that cell sets no
        ``workspace`` (a notebook of the package always has both).
    """
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # deep copy; the original is kept
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise ConfigError("this notebook has no cell tagged 'parameters', so it cannot be "
                          "pointed at an enquiry", key="notebook")
    cell = cells[0]
    lines = cell.source.split("\n")
    for node in ast.parse(cell.source).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(t, ast.Name) and t.id == "workspace" for t in targets) \
                and node.value.lineno == node.value.end_lineno:
            v = node.value
            i = v.lineno - 1
            # ast's offsets count UTF-8 bytes: cut the line as bytes
            raw = lines[i].encode("utf-8")
            lines[i] = (raw[:v.col_offset] + json.dumps(workspace).encode("utf-8")
                        + raw[v.end_col_offset:]).decode("utf-8")
            cell.source = "\n".join(lines)
            break
    else:
        raise ConfigError("this notebook's parameters cell sets no `workspace = \"...\"` on "
                          "one line, so it cannot be pointed at an enquiry", key="notebook")
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    return nb


def lab_command(folder: Path, *, browser: bool = True, port: int | None = None) -> list[str]:
    """The command that starts JupyterLab with ``folder`` as its root.

    JupyterLab is run by this Python (``python -m jupyterlab``), so its kernels find
    this installation of slc-research. As root (a container's only user) it adds
    ``--allow-root``, without which JupyterLab refuses to start.
    """
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # JupyterLab refuses to start as root unless told; a container's only user is root
        command.append("--allow-root")
    if not browser:
        command.append("--no-browser")
    if port is not None:
        command.append(f"--port={int(port)}")
    return command


def _workspace(path: str | Path) -> Path:
    root = Path(path).expanduser().resolve()
    if not (root / "enquiry.toml").is_file():
        where = "does not exist" if not root.exists() else "has no enquiry.toml"
        raise ConfigError(f"{root} {where}, so it is not an enquiry folder. Give the folder "
                          "that holds your enquiry.toml (make one with `slc-research init`; "
                          "for the demo, run `make demo` first and use data/demo).",
                          key="workspace")
    return root


def _read_record(folder: Path) -> dict[str, str]:
    try:
        record = json.loads((folder / LAB_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    written = record.get("written", {}) if isinstance(record, dict) else {}
    return {str(k): str(v) for k, v in written.items()} if isinstance(written, dict) else {}


def _write(path: Path, nb: nbformat.NotebookNode) -> None:
    write_atomic(path, nbformat.writes(nb) + "\n", durable=False)


def prepare_lab(workspace: str | Path, *, refresh: bool = False, browser: bool = True,
                port: int | None = None, now: datetime | None = None,
                notebooks: Sequence[Path] | None = None) -> LabPlan:
    """Copy the notebooks into ``workspace/notebooks``, pointed at the workspace.

    Parameters
    ----------
    workspace : str or Path
        The enquiry folder (holding ``enquiry.toml``).
    refresh : bool, default False
        Replace copies the teacher edited (each saved aside first).
    browser : bool, default True
        Whether the returned command opens a browser.
    port : int, optional
        The port JupyterLab listens on (default: JupyterLab's own choice).
    now : datetime, optional
        The time in the name of an edited copy saved aside (default: now).
    notebooks : list of Path, optional
        The notebooks to copy (default: every notebook of the package).

    Returns
    -------
    LabPlan
        The folder, what happened to each notebook, and the command to start
        JupyterLab (not started here).

    Raises
    ------
    ConfigError
        ``workspace`` is not an enquiry folder, its ``notebooks`` is a file, or its
        ``notebooks`` folder is the package's own (which is never written).

    Notes
    -----
    Run again, it never overwrites a copy whose cells the teacher changed (see the
    module's description); a copy only run and saved (outputs) counts as unchanged and
    keeps its outputs.
    """
    root = _workspace(workspace)
    folder = root / LAB_FOLDER
    shipped = sorted(notebook_files() if notebooks is None else map(Path, notebooks))
    if any(folder.resolve() == s.parent.resolve() for s in shipped):
        raise ConfigError(f"{folder} is slc-research's own notebooks folder, which is never "
                          "written: give an enquiry folder of your own",
                          key="workspace")
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} is a file, so the notebooks cannot be copied into a folder "
                          "of that name: rename or move that file", key="workspace")
    record = _read_record(folder)
    written: dict[str, str] = {}
    copies = []
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    for source in shipped:
        name = source.name
        fresh = pointed_at(nbformat.read(source, as_version=4), WORKSPACE_FROM_COPY)
        target = folder / name
        mark = _fingerprint(fresh)
        if not target.exists():
            _write(target, fresh)
            copies.append(NotebookCopy(name, target, "new"))
            written[name] = mark
            continue
        try:
            current = _fingerprint(nbformat.read(target, as_version=4))
        except (OSError, ValueError) as exc:  # not a notebook any more: keep it, as edited
            current = f"unreadable: {type(exc).__name__}"
        if current == mark:
            copies.append(NotebookCopy(name, target, "kept"))
            written[name] = mark
        elif current == record.get(name):  # as we wrote it: the package changed
            _write(target, fresh)
            copies.append(NotebookCopy(name, target, "updated"))
            written[name] = mark
        elif refresh:
            aside = target.with_name(f"{target.stem}.edited-{stamp}{target.suffix}")
            write_atomic(aside, target.read_bytes(), durable=False)
            _write(target, fresh)
            copies.append(NotebookCopy(name, target, "refreshed", aside))
            written[name] = mark
        else:
            copies.append(NotebookCopy(name, target, "edited"))
            if name in record:
                written[name] = record[name]
    if not (folder / ".gitignore").exists():
        write_atomic(folder / ".gitignore", _GITIGNORE, durable=False)
    write_atomic(folder / LAB_RECORD, json.dumps(
        {"about": "written by `slc-research lab`: a fingerprint of each notebook's cells as "
                  "copied, to tell your edits from an older copy",
         "written": written}, indent=1, sort_keys=True) + "\n", durable=False)
    return LabPlan(root, folder, tuple(copies), lab_command(folder, browser=browser, port=port))
