"""The Parquet cache of validated, pseudonymised tables inside a workspace.

Each source's tables are stored under ``.slc-cache/<source>/<key>/`` where the
key is a SHA-256 over everything the result depends on: the raw file's content
hash, the source's manifest entry, the answer scales and scales, the consent
register, the pseudonymisation key's fingerprint and the cache format version.
A second open with nothing changed reads only Parquet; a changed raw file gets a
new key, so only that source is read again.

Hashing a large raw file is the one cost of a cached open, so the content hash
is remembered in ``.slc-cache/index.json`` beside the file's size and
modification time (as git's index does) and recomputed only when either changes.

Writes go to a temporary folder that is renamed into place, so an interrupted
run never leaves a half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from slc_research.data.schemas import conform
from slc_research.workspace.atomic import write_atomic

__all__ = ["CACHE_DIR", "CACHE_VERSION", "READ_MEMO", "SourceCache", "file_digest"]

CACHE_DIR = ".slc-cache"
#: Bump when loaders change what they produce, so old caches are not reused.
#: 4: MIS exports (SIMS behaviour exports read as negative events, marks with descriptions).
CACHE_VERSION = "4"
_CHUNK = 8 * 1024 * 1024
#: Entries read by every :class:`SourceCache` of this process, kept in memory by the path of
#: their ``meta.json`` (``None``: off, the default). Only the warm-kernel zygote turns it on
#: (:mod:`slc_research.report.zygote`), so the kernels it forks find the tables already read.
#: An entry is served from memory only while its ``meta.json`` has the same inode, size and
#: modification time (entries are replaced with ``os.replace``); each read gets shallow
#: copies, so with pandas' copy-on-write a change to one never reaches the memo.
READ_MEMO: dict[str, tuple[tuple[int, int, int], tuple[dict[str, pd.DataFrame], dict]]] | None \
    = None


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


class SourceCache:
    """The cache of one workspace.

    Parameters
    ----------
    root : Path
        The workspace folder; the cache lives in ``root/.slc-cache``.
    """

    def __init__(self, root: Path) -> None:
        self.dir = Path(root) / CACHE_DIR
        self._index_path = self.dir / "index.json"
        self._index: dict[str, dict[str, Any]] | None = None
        self._dirty = False

    # -- content hashes -------------------------------------------------
    def _load_index(self) -> dict[str, dict[str, Any]]:
        if self._index is None:
            try:
                self._index = json.loads(self._index_path.read_text(encoding="utf-8"))
            except (FileNotFoundError, ValueError):
                self._index = {}
        return self._index

    def content_hash(self, path: Path) -> str:
        """The SHA-256 of ``path``, recomputed only if its size or mtime changed."""
        st = path.stat()
        index = self._load_index()
        entry = index.get(str(path))
        if entry and entry["size"] == st.st_size and entry["mtime_ns"] == st.st_mtime_ns:
            return entry["sha256"]
        digest = file_digest(path)
        index[str(path)] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}
        self._dirty = True
        return digest

    def save_index(self) -> None:
        """Write the content-hash index if it changed (atomically)."""
        if not self._dirty or self._index is None:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self._index_path, json.dumps(self._index, indent=1))
        self._dirty = False

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
            return None  # a damaged entry is rebuilt
        return tables, meta

    def write(self, source: str, key: str, tables: dict[str, pd.DataFrame], meta: dict) -> None:
        """Store ``tables`` and ``meta``; replace older entries of ``source``."""
        base = self.dir / source
        base.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=base))
        try:
            parts = {name: _write_parts(tmp, name, df) for name, df in tables.items()}
            (tmp / "meta.json").write_text(
                json.dumps({**meta, "tables": list(tables), "parts": parts}), encoding="utf-8")
            final = self._entry(source, key)
            if final.exists():
                shutil.rmtree(final)
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        for old in base.iterdir():
            if old.name != key:
                shutil.rmtree(old, ignore_errors=True)

    def prune(self, sources: set[str]) -> None:
        """Remove cached sources no longer in the manifest."""
        if not self.dir.is_dir():
            return
        for d in self.dir.iterdir():
            if d.is_dir() and d.name not in sources:
                shutil.rmtree(d, ignore_errors=True)


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
