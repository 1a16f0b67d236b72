"""The Parquet cache of validated, pseudonymised tables inside a workspace.

Each source's tables are stored under ``.slc-cache/<source>/<key>/`` where the
key is a SHA-256 over everything the result depends on: the raw file's content
hash, the source's manifest entry, the answer scales and scales, the consent
register, the pseudonymisation key's fingerprint and the cache format version.
A second open with nothing changed reads only Parquet; a changed raw file gets a
new key, so only that source is read again.

Validity is decided by content alone: every raw file, the consent register and the
not-quotable list are hashed (xxHash's XXH3, 128 bits) on every open. A file's size
and modification time are never trusted: a consent status changed to another of the
same length, with the old time put back, still gives a new key. XXH3 runs at several
GB/s and large files are hashed through a memory map, so this costs a fraction of
reading the file (about 0.06 s for a 280 MiB attendance register).

Several runs may use one workspace at once (three ``slc-research check`` in three
terminals, the kernels of a batch). A run writes each entry into a temporary folder
of its own (``.tmp-<host>-<pid>-<random>``) and renames it into place; it never
removes another live run's temporary folder (only those of a process that has
ended, or older than :data:`STALE_SECONDS`), and an interrupted run never leaves a
half-written entry.
"""

from __future__ import annotations

import errno
import hashlib
import json
import mmap
import os
import shutil
import socket
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

from slc_research.data.reading.documents import document_base, document_files
from slc_research.data.schemas import conform
from slc_research.workspace.atomic import WRITING_IN

__all__ = ["CACHE_DIR", "CACHE_VERSION", "READ_MEMO", "STALE_SECONDS", "SourceCache",
           "file_digest"]

CACHE_DIR = ".slc-cache"
#: Bump when loaders change what they produce, so old caches are not reused.
#: 4: MIS exports (SIMS behaviour exports read as negative events, marks with descriptions).
#: 5: surveys' submitted times and respondent rows; blank flags, KS2 bands, timestamps.
#: 6: REFI-QDA projects: CR LF line breaks counted as the tool counts them, code names
#:    unique at every level, PDFs' text, guids in any case.
#: 7: communities' names redacted; a file's own name columns and names written without
#:    their apostrophe redacted from its free text.
CACHE_VERSION = "7"
#: Files at least this large are hashed through a memory map (no copy into Python).
_MMAP_BYTES = 1024 * 1024
_CHUNK = 4 * 1024 * 1024
#: A temporary folder older than this (seconds) is left over from a crashed run and
#: may be removed by any run; younger ones only when the run that made them has ended.
STALE_SECONDS = 3600
_HOST = socket.gethostname().replace("-", "_")[:40] or "host"
#: Entries read by every :class:`SourceCache` of this process, kept in memory by the path of
#: their ``meta.json`` (``None``: off, the default). Only the warm-kernel zygote turns it on
#: (:mod:`slc_research.report.zygote`), so the kernels it forks find the tables already read.
#: An entry is served from memory only while its ``meta.json`` has the same inode, size and
#: modification time (entries are replaced with ``os.replace``); each read gets shallow
#: copies, so with pandas' copy-on-write a change to one never reaches the memo.
READ_MEMO: dict[str, tuple[tuple[int, int, int], tuple[dict[str, pd.DataFrame], dict]]] | None \
    = None


def file_digest(path: str | Path) -> str:
    """The XXH3-128 hash of a file's bytes (hex), read whole every time.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    str
        32 hexadecimal digits; equal for equal bytes, whatever the file's name,
        size or modification time.
    """
    h = xxhash.xxh3_128()
    with open(path, "rb", buffering=0) as f:
        size = os.fstat(f.fileno()).st_size
        if size >= _MMAP_BYTES:
            try:
                with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                    h.update(mapped)
                return h.hexdigest()
            except (OSError, ValueError):  # a file system without mmap: read it in chunks
                h.reset()
                f.seek(0)
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _owner_alive(name: str) -> bool:
    """Whether the run that made the temporary folder ``name`` may still be writing it."""
    parts = name.split("-")
    if len(parts) < 4 or parts[2] == "" or parts[1] != _HOST:
        return True  # another machine's (a shared drive): trust only its age
    try:
        pid = int(parts[2])
    except ValueError:
        return True
    import psutil  # not os.kill(pid, 0): on Windows os.kill ends the process it is given

    return pid == os.getpid() or psutil.pid_exists(pid)


def _is_stale_temporary(path: Path) -> bool:
    if not path.name.startswith((".tmp-", ".old-")):
        return False
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return False  # already gone
    return age > STALE_SECONDS or not _owner_alive(path.name)


class SourceCache:
    """The cache of one workspace.

    Parameters
    ----------
    root : Path
        The workspace folder; the cache lives in ``root/.slc-cache``.
    """

    def __init__(self, root: Path) -> None:
        self.dir = Path(root) / CACHE_DIR
        self._hashes: dict[str, str] = {}  # this open's content hashes, by path

    @property
    def holds_tables(self) -> bool:
        """Whether any source's tables have been cached here (the workspace was opened before)."""
        return self.dir.is_dir() and any(d.is_dir() and not d.name.startswith(".")
                                         for d in self.dir.iterdir())

    # -- content hashes -------------------------------------------------
    def content_hash(self, path: Path) -> str:
        """The XXH3-128 hash of ``path``'s content, computed once per :class:`SourceCache`.

        A cache object lives for one open of the workspace, so every open reads every
        file again: nothing is trusted from its size or modification time.
        """
        key = str(path)
        if key not in self._hashes:
            if Path(path).is_file():
                self._hashes[key] = file_digest(path)
            else:  # a folder of texts (or a pattern): every document's name and bytes
                h = xxhash.xxh3_128()
                base = document_base(path)
                for f in document_files(path):
                    h.update(f"{f.relative_to(base).as_posix()}\0{file_digest(f)}\0".encode())
                self._hashes[key] = h.hexdigest()
        return self._hashes[key]

    def hash_files(self, paths: list[Path]) -> None:
        """Hash the existing files of ``paths`` in parallel threads (see :meth:`content_hash`).

        XXH3 and the reads release the GIL, so a workspace of many exports is hashed on
        every core.
        """
        todo = sorted({str(p) for p in paths if str(p) not in self._hashes and Path(p).is_file()})
        if len(todo) < 2:
            for p in todo:
                self.content_hash(Path(p))
            return
        with ThreadPoolExecutor(min(len(todo), os.cpu_count() or 1, 8)) as pool:
            for p, digest in zip(todo, pool.map(file_digest, todo), strict=True):
                self._hashes[p] = digest

    # -- entries --------------------------------------------------------
    @staticmethod
    def key(parts: dict[str, Any]) -> str:
        """A cache key: SHA-256 of the JSON of ``parts`` (sorted keys)."""
        blob = json.dumps({"version": CACHE_VERSION, **parts}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    def _entry(self, source: str, key: str) -> Path:
        return self.dir / source / key

    def read(self, source: str, key: str) -> tuple[dict[str, pd.DataFrame], dict] | None:
        """The cached tables and metadata of ``source`` under ``key``, or None (see READ_MEMO)."""
        if READ_MEMO is None:
            return self._read(source, key)
        meta_path = self._entry(source, key) / "meta.json"
        try:
            st = meta_path.stat()
        except OSError:
            return None
        ident = (st.st_ino, st.st_size, st.st_mtime_ns)
        hit = READ_MEMO.get(str(meta_path))
        if hit is None or hit[0] != ident:
            value = self._read(source, key)
            if value is None:
                return None
            hit = READ_MEMO[str(meta_path)] = (ident, value)
        tables, meta = hit[1]
        return {t: df.copy(deep=False) for t, df in tables.items()}, json.loads(json.dumps(meta))

    def _read(self, source: str, key: str) -> tuple[dict[str, pd.DataFrame], dict] | None:
        entry = self._entry(source, key)
        meta_path = entry / "meta.json"
        if not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            parts = meta.get("parts", {})
            tables = {t: conform(_read_parts(entry, t, parts.get(t, 1)), t) for t in meta["tables"]}
        except (OSError, ValueError, KeyError, pa.ArrowException):
            return None  # a damaged entry (or one replaced while read) is rebuilt
        return tables, meta

    def write(self, source: str, key: str, tables: dict[str, pd.DataFrame], meta: dict) -> None:
        """Store ``tables`` and ``meta``; replace older entries of ``source``.

        The entry is written in a temporary folder of this run's own and renamed into
        place, so a reader sees the old entry, no entry or the new one, never half of
        one. When another run puts the same entry in place first, theirs is kept (equal
        keys mean equal tables). When another run removes the source's folder meanwhile
        (its manifest no longer has the source), the entry is written again once, then
        left out: the tables are in memory and the next open reads the raw file again.
        """
        base = self.dir / source
        for attempt in range(2):
            try:
                self._write_entry(base, key, tables, meta)
                break
            except FileNotFoundError:
                if attempt:
                    return
        try:
            older = list(base.iterdir())
        except FileNotFoundError:
            return
        for old in older:
            if old.name != key and (not old.name.startswith(".") or _is_stale_temporary(old)):
                shutil.rmtree(old, ignore_errors=True)

    @staticmethod
    def _write_entry(base: Path, key: str, tables: dict[str, pd.DataFrame], meta: dict) -> None:
        base.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{_HOST}-{os.getpid()}-", dir=base))
        try:
            parts = {name: _write_parts(tmp, name, df) for name, df in tables.items()}
            (tmp / "meta.json").write_text(
                json.dumps({**meta, "tables": list(tables), "parts": parts}), encoding="utf-8")
            _put_in_place(tmp, base / key)
        except OSError as exc:
            if exc.filename is None:  # pyarrow's errors name no file: say where it was
                exc.add_note(f"{WRITING_IN}{base}")
            raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # gone already when renamed into place

    def prune(self, sources: set[str]) -> None:
        """Remove cached sources no longer in the manifest (and files of older versions)."""
        if not self.dir.is_dir():
            return
        for d in self.dir.iterdir():
            if d.name in sources:
                continue
            if d.is_dir():
                shutil.rmtree(d, ignore_errors=True)
            elif d.name == "index.json":  # the size/time index of cache version 4
                d.unlink(missing_ok=True)


def _put_in_place(tmp: Path, final: Path) -> None:
    """Rename the folder ``tmp`` to ``final``, replacing an entry already there.

    A folder cannot be renamed over a full one, so an existing entry is first renamed
    aside (``.old-...``) and removed after. If another run puts its entry in place in
    between, its entry is kept.
    """
    for _ in range(3):
        try:
            os.rename(tmp, final)
            return
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        aside = Path(tempfile.mkdtemp(prefix=f".old-{_HOST}-{os.getpid()}-", dir=final.parent))
        try:
            os.rename(final, aside / final.name)
        except FileNotFoundError:
            pass  # another run removed or moved it first: try again
        finally:
            shutil.rmtree(aside, ignore_errors=True)
    # three runs kept replacing it: theirs is as good as ours (same key, same tables)


#: Tables with at least this many rows are written and read as column groups in parallel.
PARALLEL_ROWS = 500_000


def _column_groups(columns: list[str], n_rows: int) -> list[list[str]]:
    k = min(os.cpu_count() or 1, len(columns), 4) if n_rows >= PARALLEL_ROWS else 1
    return [columns[i::k] for i in range(k)]


def _part_path(entry: Path, table: str, i: int, k: int) -> Path:
    return entry / (f"{table}.parquet" if k == 1 else f"{table}.{i}.parquet")


def _write_parts(entry: Path, table: str, df: pd.DataFrame) -> int:
    """Write ``df`` as Parquet and return the number of files written.

    A large table is written as column groups, one file each, in parallel (Parquet encoding
    is single-threaded per file).
    """
    groups = _column_groups(list(df.columns), len(df))

    def write(i: int) -> None:
        part = pa.Table.from_pandas(df[groups[i]], preserve_index=False)
        pq.write_table(part, _part_path(entry, table, i, len(groups)), compression="zstd",
                       write_statistics=False)

    if len(groups) == 1:
        write(0)
    else:
        with ThreadPoolExecutor(len(groups)) as pool:
            list(pool.map(write, range(len(groups))))
    return len(groups)


def _read_parts(entry: Path, table: str, k: int) -> pd.DataFrame:
    paths = [_part_path(entry, table, i, k) for i in range(k)]
    if k == 1:
        return pq.read_table(paths[0]).to_pandas()
    with ThreadPoolExecutor(k) as pool:
        frames = list(pool.map(lambda p: pq.read_table(p).to_pandas(), paths))
    return pd.concat(frames, axis=1)
