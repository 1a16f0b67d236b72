"""The command's entry: :func:`main` runs a command and turns its errors into exit statuses.

:func:`run` is ``slc-research`` itself.

Every error a user can cause is printed as one clear message, never a
traceback. Exit status: 0 done; 1 a problem in the workspace (a raw file, the
manifest, a batch file); 2 a mistake on the command line (usage); 3 an
unexpected error (a bug), printed as one line giving the error's type and place
(its text, which may quote a raw cell, and the traceback only under ``--debug``);
130 interrupted. A full disk (or an exhausted quota) and a refused read or write
(a read-only share) are not bugs: they say so, with exit status 1. Nothing here
prints a name or a real id.
"""

from __future__ import annotations

import errno
import gc
import sys
import traceback
from pathlib import Path

from slc_research.cli.parser import parser
from slc_research.errors import ConfigError, SlcResearchError
from slc_research.workspace.atomic import WRITING_IN

__all__ = ["main", "run"]


_DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
#: How a full disk reads when a library (pyarrow) passes it on as text only.
_DISK_FULL_WORDS = ("no space left on device", "disk quota exceeded")


def _os_error_in_chain(exc: BaseException | None, found) -> bool:
    """Whether ``exc``, or an error it was raised from, is an ``OSError`` that ``found`` accepts."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and found(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _disk_full(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an error it was raised from, is a full disk or an exhausted quota."""
    return _os_error_in_chain(exc, lambda e: e.errno in _DISK_FULL or any(
        w in str(e).lower() for w in _DISK_FULL_WORDS))


_NOT_ALLOWED = (errno.EACCES, errno.EPERM, errno.EROFS)


def _not_allowed(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an error it was raised from, is a refused read or write."""
    return _os_error_in_chain(exc, lambda e: e.errno in _NOT_ALLOWED)


def _bug_place(exc: BaseException) -> str:
    """Where in slc-research a bug was raised (module and line), never the error's values."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "slc_research" in f.filename] or frames
    if not ours:
        return ""
    last = ours[-1]
    return f" in {Path(last.filename).name}, line {last.lineno}"


def _where(exc: BaseException) -> str:
    """The folder a failed write was in (never the file's own name, which may hold a name)."""
    while exc is not None:
        for note in getattr(exc, "__notes__", ()):
            if note.startswith(WRITING_IN):
                return f"writing in {note[len(WRITING_IN):]}"
        name = getattr(exc, "filename", None)
        if name:
            return f"writing in {Path(name).parent}"
        exc = exc.__cause__ or exc.__context__
    return "on the drive of the workspace or of the output folder"


def _is_usage(exc: SlcResearchError) -> bool:
    """Whether the error is about the command line itself (an option or argument)."""
    key = getattr(exc, "key", None) or ""
    return isinstance(exc, ConfigError) and (key.startswith("-") or key.isupper())


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except SlcResearchError as exc:
        print(f"slc-research: {exc}", file=sys.stderr)
        return 2 if _is_usage(exc) else 1
    except KeyboardInterrupt:
        print("slc-research: interrupted; nothing half-written was left behind.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line, the traceback only on request
        if _disk_full(exc):
            print(f"slc-research: the disk is full ({_where(exc)}): free some space on it (or "
                  "ask your IT technician to), then run the command again; nothing "
                  "half-written was left behind.", file=sys.stderr)
            return 1
        if _not_allowed(exc):
            where = _where(exc).replace("writing in", "in", 1)
            print(f"slc-research: the computer refused access ({where}): the folder is "
                  "read-only or you may not change it. Copy the workspace to a folder you can "
                  "write in (or ask your IT technician for access), then run the command "
                  "again; nothing half-written was left behind.", file=sys.stderr)
            return 1
        if args.debug:
            traceback.print_exc()
        # the error's own text may quote a cell of a raw file: it is shown only with --debug
        print(f"slc-research: unexpected error ({type(exc).__name__}{_bug_place(exc)}). This "
              "is a bug in slc-research; run again with --debug to see the details.",
              file=sys.stderr)
        return 3


def run() -> None:
    """The ``slc-research`` command itself: :func:`main`, then exit with its status.

    What the finished command made is freed by the operating system when it exits:
    ``gc.freeze()`` spares Python's last garbage collections at exit from walking every
    object first (about 0.3 s after a report). Exit handlers still run. Tests call
    :func:`main`, which freezes nothing.
    """
    status = main()
    gc.freeze()
    sys.exit(status)
