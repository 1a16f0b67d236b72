"""Limits on how far a zip or gzip file may expand, checked before anything unpacks it.

An XLSX workbook, a Word document, a PowerPoint deck, a REFI-QDA ``.qdpx`` and a
``.zip`` are zip archives; a "zip bomb" is a small one whose parts unpack to gigabytes
(a 3 MB workbook that expands to 9 GB held a reader for minutes). Before a workbook
reader (python-calamine, openpyxl) or ``check-outputs`` opens such a file,
:func:`check_zip` reads the archive's directory and refuses it when

- it has more than :data:`MAX_PARTS` parts;
- its parts, together, expand to more than :data:`MAX_EXPANDED_MB` megabytes;
- one part larger than :data:`RATIO_GRACE_KB` kilobytes expands more than
  :data:`MAX_RATIO` times its compressed size (the limit Apache POI has long used for
  Office files: real workbooks and documents compress 5 to 30 times, bombs about 1,000).

Directories can lie, so every part is then unpacked once into a counter (1 MB at a time,
nothing kept): a part that unpacks to more than its directory says, or the whole to more
than the limit, is refused as soon as it does. :func:`gunzip_limited` applies the same
limits to a gzip file. A refusal is a :class:`~slc_research.errors.DataError` naming the
file and saying what to do; it comes within seconds and in bounded memory.

This module is a leaf: it imports nothing of the package but ``errors``, so that both the
readers (``data``) and the output check (``privacy``) use it.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from slc_research.errors import DataError

__all__ = [
    "MAX_EXPANDED_MB",
    "MAX_PARTS",
    "MAX_RATIO",
    "RATIO_GRACE_KB",
    "check_zip",
    "gunzip_limited",
    "too_large",
]

#: The most a zip (all its parts together) or a gzip file may expand to, in megabytes.
MAX_EXPANDED_MB = 1024
#: The most times a part may expand beyond its compressed size (Apache POI's 1 / 0.01).
MAX_RATIO = 100
#: Parts smaller than this (kilobytes) are not judged by their ratio: a blank sheet compresses
#: far better than 100 to 1 and is harmless.
RATIO_GRACE_KB = 100
#: The most parts (files) a zip may hold.
MAX_PARTS = 10_000

_MB = 1 << 20
_CHUNK = 1 << 20
_LOCAL_HEADER = struct.Struct("<4s22xHH")


def too_large(label: str, what: str) -> DataError:
    """The error for a file that expands past the limits (``what`` says how)."""
    return DataError.single(
        label,
        f"a file that expands to at most {MAX_EXPANDED_MB:,} MB when unpacked, at most "
        f"{MAX_RATIO} times its packed size; {what}, so it was not opened (it may be a "
        "'zip bomb' or a damaged file). If it is a real export, open it in Excel or Word, "
        "delete the empty rows and columns after the data, and save it again (or export it "
        "as CSV); otherwise delete it")


def check_zip(source: str | Path | BinaryIO, label: str, *,
              budget: int | None = None) -> int:
    """Refuse a zip archive whose parts expand past the limits; else its expanded size.

    Parameters
    ----------
    source : path or binary file
        The zip archive (a file object is left open, at an undefined position).
    label : str
        The file as the teacher knows it, for the message.
    budget : int, optional
        The most bytes its parts may expand to; default :data:`MAX_EXPANDED_MB` megabytes
        (a caller reading nested archives passes what is left of its own budget).

    Returns
    -------
    int
        The bytes its parts expand to, as counted.

    Raises
    ------
    DataError
        The archive has too many parts, a part expands too far or to more than the
        directory says, or all of them together pass ``budget``. A file that is not a
        readable zip is not judged here (its reader says what is wrong).
    """
    if isinstance(source, str | Path):
        with open(source, "rb") as handle:
            return check_zip(handle, label, budget=budget)
    limit = MAX_EXPANDED_MB * _MB if budget is None else budget
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return 0
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_PARTS:
            raise too_large(label, f"it holds {len(infos):,} parts (at most {MAX_PARTS:,})")
        declared = 0
        for info in infos:
            declared += info.file_size
            _check_declared(info, label)
            if declared > limit:
                raise too_large(label, f"its parts say they expand to {_mb(declared)} MB")
        counted = 0
        for info in infos:
            counted += _count_part(zf, source, info, label, limit - counted)
    return counted


def _mb(n: int) -> str:
    return f"{n / _MB:,.0f}"


def _check_declared(info: zipfile.ZipInfo, label: str) -> None:
    size = info.file_size
    if size > RATIO_GRACE_KB * 1024 and size > MAX_RATIO * max(info.compress_size, 1):
        ratio = size / max(info.compress_size, 1)
        raise too_large(label, f"its part {info.filename!r} expands {ratio:,.0f} times "
                               f"(to {_mb(size)} MB)")


def _count_part(zf: zipfile.ZipFile, handle: BinaryIO, info: zipfile.ZipInfo, label: str,
                left: int) -> int:
    """Unpack one part into a counter; refuse it past its declared size or ``left``."""
    cap = min(info.file_size, left)

    def over(n: int) -> DataError:
        if n > info.file_size:
            return too_large(label, f"its part {info.filename!r} unpacks to more than its "
                                    f"directory says ({info.file_size:,} bytes)")
        return too_large(label, f"its parts unpack to more than {_mb(left + 1)} MB")

    if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 1:
        return _count_deflated(handle, info, cap, over)
    n = 0
    try:
        with zf.open(info) as part:  # stored, or a method zipfile reads up to the declared size
            while chunk := part.read(_CHUNK):
                n += len(chunk)
                if n > cap:
                    raise over(n)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
            zlib.error):
        return n  # encrypted or damaged: the reader says what is wrong
    return n


def _count_deflated(handle: BinaryIO, info: zipfile.ZipInfo, cap: int,
                    over: Callable[[int], DataError]) -> int:
    """Inflate the part's raw bytes (not stopping where the directory says it ends)."""
    handle.seek(info.header_offset)
    head = handle.read(_LOCAL_HEADER.size)
    if len(head) < _LOCAL_HEADER.size:
        return 0
    magic, name_len, extra_len = _LOCAL_HEADER.unpack(head)
    if magic != b"PK\x03\x04":
        return 0
    handle.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)
    remaining = info.compress_size
    n = 0
    try:
        while remaining > 0 and not inflate.eof:
            packed = handle.read(min(_CHUNK, remaining))
            if not packed:
                break
            remaining -= len(packed)
            while packed and not inflate.eof:
                n += len(inflate.decompress(packed, _CHUNK))
                if n > cap:
                    raise over(n)
                packed = inflate.unconsumed_tail
    except zlib.error:
        return n  # damaged: the reader says what is wrong
    return n


def gunzip_limited(data: bytes, label: str, *, budget: int | None = None) -> bytes:
    """The content of gzip ``data``, refused past the limits (see :func:`check_zip`).

    Raises
    ------
    DataError
        It expands to more than ``budget`` bytes (default :data:`MAX_EXPANDED_MB`
        megabytes), or more than :data:`MAX_RATIO` times, past :data:`RATIO_GRACE_KB`.
    """
    limit = MAX_EXPANDED_MB * _MB if budget is None else budget
    ratio_cap = max(RATIO_GRACE_KB * 1024, MAX_RATIO * len(data))
    out: list[bytes] = []
    n = 0
    rest = data
    while rest:
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        packed = rest
        try:
            while packed and not inflate.eof:
                piece = inflate.decompress(packed, _CHUNK)
                n += len(piece)
                if n > limit:
                    raise too_large(label, f"it unpacks to more than {_mb(limit)} MB")
                if n > ratio_cap:
                    raise too_large(label, f"it unpacks to more than {MAX_RATIO} times its "
                                           "packed size")
                out.append(piece)
                packed = inflate.unconsumed_tail
        except zlib.error as exc:
            raise DataError.single(label, f"a readable gzip file ({exc}); copy it "
                                          "again") from None
        if not inflate.eof:
            raise DataError.single(label, "a complete gzip file, but it is cut short; copy it "
                                          "again")
        rest = inflate.unused_data.lstrip(b"\x00")
    return b"".join(out)
