"""Writing a file whole or not at all: the one atomic write of the workbench.

Every file the workbench writes (the manifest, codings, the cache index, the
pseudonymisation key, reports, the index page, the run ledger) goes through
:func:`write_atomic`: a temporary file with a unique name in the target's folder,
then a rename. Two processes writing at once never share a temporary file, and a
crash leaves the old file or the new one, never half of either.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["WRITING_IN", "write_atomic"]

#: How a failed write's note names its folder (``OSError.add_note``): a full disk's error
#: from the operating system or from pyarrow names no file, and a message should say where.
WRITING_IN = "slc-research was writing in "


def write_atomic(path: str | Path, data: bytes | str, *, mode: int | None = None,
                 exclusive: bool = False, durable: bool = True) -> bool:
    """Write ``data`` to ``path`` whole or not at all.

    Parameters
    ----------
    path : path
        The file to write; its folder is created when missing.
    data : bytes or str
        The content; text is written as UTF-8.
    mode : int, optional
        The file's permissions (e.g. ``0o600`` for a secret). Default: an existing
        file keeps its own, a new file gets ``0o644``.
    exclusive : bool, default False
        Create the file only if it does not exist yet: when another process created it
        first, nothing is written and False is returned (theirs is kept whole). Used for
        files that must be made once, such as the pseudonymisation key.
    durable : bool, default True
        Flush the data and the folder to disk (fsync) before returning, so that the
        rename survives a power cut. Reports, which can be made again, skip it.

    Returns
    -------
    bool
        True when ``path`` now holds ``data``; False only with ``exclusive=True`` when
        the file already existed.

    Notes
    -----
    The temporary file is ``.<name>.<random>.tmp`` in the same folder
    (:func:`tempfile.mkstemp`), so the rename stays on one file system and two
    writers never collide. With ``exclusive`` the temporary file is linked to
    ``path`` (``os.link`` fails when ``path`` exists) instead of renamed over it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if exclusive and path.exists():
        return False
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if mode is None:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            finally:
                Path(tmp).unlink(missing_ok=True)
        else:
            os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            # a failed write (a full disk) names no file: say in which folder it was
            exc.add_note(f"{WRITING_IN}{path.parent}")
        raise
    if durable and hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(path.parent, os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return True
