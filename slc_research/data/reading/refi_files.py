"""The files of a REFI-QDA project: its ``.qde`` and the plain texts of its ``sources`` folder.

A ``.qdpx`` is a zip holding one ``.qde`` (``project.qde``; ATLAS.ti names it after the
project) and a ``sources`` folder (``Sources`` in NVivo and ATLAS.ti, ``sources`` in the
standard and NVivo for Mac) whose files are named by guid, in any case
(``01106019-....TXT``). A ``.qdpx`` unzipped and zipped again holds them one folder down
(``My project/project.qde``), and a Mac adds a ``__MACOSX`` folder of ``._`` files that
are not the project's: those are never read. A ``.qde`` on its own reads its texts from
the ``Sources`` folder beside it.

Nothing is extracted to disk; only ``internal://`` paths are followed, by their file
name, inside the project.
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path, PurePosixPath

from slc_research.data.reading.zip_limits import check_zip
from slc_research.errors import DataError

__all__ = ["RefiFiles", "decode_plain_text", "sources_beside"]


def _not_the_projects(name: str) -> bool:
    """A Mac's resource-fork copy (``__MACOSX/``, ``._name``), not a file of the project."""
    parts = PurePosixPath(name).parts
    return bool(parts) and (parts[0] == "__MACOSX" or parts[-1].startswith("._"))


def sources_beside(qde: Path) -> list[Path]:
    """The files of the ``Sources`` folder (any case) beside a ``.qde`` that is not in a zip.

    They are the project's texts: an unzipped ``.qdpx``. Empty for a ``.qdpx`` or ``.qdc``.
    """
    if qde.suffix.lower() != ".qde" or zipfile.is_zipfile(qde):
        return []
    folders = [d for d in qde.parent.iterdir() if d.is_dir() and d.name.casefold() == "sources"]
    return sorted(f for d in folders for f in d.iterdir()
                  if f.is_file() and not f.name.startswith("._"))


class RefiFiles:
    """The ``.qde`` and the texts beside it: zip members or files, looked up case-insensitively.

    Parameters
    ----------
    path : Path
        A ``.qdpx`` (zip), or a ``.qde`` / ``.qdc`` file.
    label : str
        How messages name the file.

    Raises
    ------
    DataError
        A zip with no ``.qde`` in it (on :meth:`qde`), or one that expands too far.
    """

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.label = label
        self.zip: zipfile.ZipFile | None = None
        self.names: dict[str, str] = {}
        self.folder = ""  # the .qde's folder inside the zip ("" or "My project/")
        if zipfile.is_zipfile(path):
            check_zip(path, label)
            self.zip = zipfile.ZipFile(path)
            self.names = {n.casefold(): n for n in self.zip.namelist()
                          if not n.endswith("/") and not _not_the_projects(n)}

    def close(self) -> None:
        """Close the zip, if it is one."""
        if self.zip is not None:
            self.zip.close()

    def qde(self) -> bytes:
        """The bytes of the project's ``.qde`` (the one nearest the zip's top)."""
        if self.zip is None:
            return self.path.read_bytes()
        qdes = sorted((n for n in self.names.values() if n.lower().endswith(".qde")),
                      key=lambda n: (n.count("/"), n))
        if not qdes:
            raise DataError.single(self.label, "a project.qde file inside the .qdpx (this zip "
                                   "has none); export the project again from your QDA tool as "
                                   "a REFI-QDA project (.qdpx)")
        self.folder = qdes[0].rsplit("/", 1)[0] + "/" if "/" in qdes[0] else ""
        return self.zip.read(qdes[0])

    def source(self, internal: str) -> bytes | None:
        """The bytes of ``internal://NAME`` (in ``Sources/`` or ``sources/``), or None."""
        name = PurePosixPath(internal.replace("\\", "/")).name
        if not name or name in (".", ".."):
            return None
        if self.zip is not None:
            for folder in (f"{self.folder}sources/", self.folder):
                member = self.names.get((folder + name).casefold())
                if member is not None:
                    return self.zip.read(member)
            return None
        found = {f.name.casefold(): f for f in sources_beside(self.path)}
        candidate = found.get(name.casefold())
        return candidate.read_bytes() if candidate is not None else None


def decode_plain_text(data: bytes) -> str | None:
    """A source's plain text, or None when it is neither UTF-8 nor UTF-16.

    UTF-8 is REFI-QDA's encoding (a byte-order mark is dropped); UTF-16 with a
    byte-order mark is Windows' "Unicode" text.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text[1:] if text.startswith("\ufeff") else text
