"""Files written for sharing: written aside, checked, and only then put in place.

Every command that writes files a teacher will share (``report``, ``export``, ``qda
export``, and any later one such as slides or a PDF) writes them through this module:

- :func:`sharing` is the one call such a command needs::

      with sharing(target, workspace) as staged:
          write_the_files(staged)        # a file or a folder, named like the target

  The files go into a staging folder next to the target (``.slc-staging-*``); when the
  block ends, the output check (:mod:`slc_research.report.check`) scans them, and they
  are moved into place only if it found nothing. Otherwise they are removed and
  :class:`~slc_research.errors.OutputLeakError` lists the finds (masked): the leaking
  file is never left where it would be shared. If the block raises, nothing is moved.
- :func:`publish` is the step itself, for a runner that stages many files (a batch
  checks and moves each report as it finishes, and only while its run still holds the
  folder's lock).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from slc_research.errors import OutputLeakError
from slc_research.privacy.output_check import format_finds, masked
from slc_research.report.check import OutputChecker
from slc_research.report.folder import STAGING_PREFIX

__all__ = ["publish", "sharing", "staging_folder"]


def staging_folder(near: str | Path) -> Path:
    """A new, empty staging folder inside ``near`` (a hidden ``.slc-staging-*`` folder)."""
    near = Path(near)
    near.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=near))


def publish(staged: str | Path, target: str | Path, checker: OutputChecker | None, *,
            still_ours: Callable[[], bool] | None = None) -> bool:
    """Check ``staged`` and move it to ``target``; remove it instead if the check finds anything.

    Parameters
    ----------
    staged : path
        A file, or a folder whose entries go into the folder ``target`` (each replacing an
        entry of the same name; other entries of ``target`` are kept).
    target : path
    checker : OutputChecker or None
        The output check of the workspace; None moves without checking (only for files
        that are not for sharing).
    still_ours : callable, optional
        Asked immediately before the move; when it returns False (the run that made the
        files no longer holds the folder) the files are removed and nothing is moved.

    Returns
    -------
    bool
        True when the files were put in place; False when ``still_ours`` refused (they
        were removed).

    Raises
    ------
    OutputLeakError
        The check found an identifier: ``staged`` was removed and ``target`` left as it was.
    """
    staged, target = Path(staged), Path(target)
    if checker is not None:
        result = checker.scan(staged)
        if not result.ok:
            _remove(staged)
            # name where it would have gone, masked as the finds are
            result = dataclasses.replace(result, folder=target,
                                         shown=masked(str(target), checker.identifiers))
            raise OutputLeakError(
                f"{format_finds(result)}\nNothing was written to {result.where}: the files were "
                "removed before they could be shared.", check=result, target=target)
    if still_ours is not None and not still_ours():
        _remove(staged)
        return False
    if staged.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        for entry in sorted(staged.iterdir()):
            _replace(entry, target / entry.name)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)
    return True


@contextmanager
def sharing(target: str | Path, workspace: str | Path, *,
            notebooks: Iterable[str | Path] = (), check: bool = True) -> Iterator[Path]:
    """Write ``target`` (a file or folder) for sharing: staged, checked, then put in place.

    Parameters
    ----------
    target : path
        The file or folder the command writes.
    workspace : path
        The enquiry workspace whose people the check looks for.
    notebooks : iterable of path, optional
        Notebooks whose words are the workbench's own (not names).
    check : bool
        Run the output check (only a caller's own test harness turns it off).

    Yields
    ------
    Path
        Where to write: a path with ``target``'s name in a staging folder beside it.

    Raises
    ------
    OutputLeakError
        The check found an identifier; nothing was put in place.
    """
    target = Path(target).resolve()
    staging = staging_folder(target.parent)
    try:
        staged = staging / target.name
        yield staged
        if not staged.exists():
            return
        checker = OutputChecker(workspace, target.parent, notebooks) if check else None
        publish(staged, target, checker)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _replace(entry: Path, target: Path) -> None:
    """Put ``entry`` (file or folder) at ``target``, replacing what is there."""
    if entry.is_dir() and target.is_dir():
        old = target.with_name(f"{STAGING_PREFIX}old-{target.name}")
        _remove(old)
        os.replace(target, old)
        os.replace(entry, target)
        shutil.rmtree(old, ignore_errors=True)
    elif target.is_dir():
        shutil.rmtree(target)
        os.replace(entry, target)
    else:
        os.replace(entry, target)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
