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
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from slc_research.data.schemas import conform

__all__ = ["CACHE_DIR", "CACHE_VERSION", "SourceCache", "file_digest"]

CACHE_DIR = ".slc-cache"
#: Bump when loaders change what they produce, so old caches are not reused.
CACHE_VERSION = "1"
_CHUNK = 8 * 1024 * 1024


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
        _atomic_write_text(self._index_path, json.dumps(self._index, indent=1))
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
        """The cached tables and metadata of ``source`` under ``key``, or None."""
        entry = self._entry(source, key)
        meta_path = entry / "meta.json"
        if not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            tables = {t: conform(pq.read_table(entry / f"{t}.parquet").to_pandas(), t)
                      for t in meta["tables"]}
        except (OSError, ValueError, KeyError, pa.ArrowException):
            return None  # a damaged entry is rebuilt
        return tables, meta

    def write(self, source: str, key: str, tables: dict[str, pd.DataFrame], meta: dict) -> None:
        """Store ``tables`` and ``meta``; replace older entries of ``source``."""
        base = self.dir / source
        base.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=base))
        try:
            for name, df in tables.items():
                pq.write_table(pa.Table.from_pandas(df, preserve_index=False),
                               tmp / f"{name}.parquet", compression="zstd",
                               write_statistics=False)
            (tmp / "meta.json").write_text(json.dumps({**meta, "tables": list(tables)}),
                                           encoding="utf-8")
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


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
