"""Where one coder's work is kept: codings, codes they added and memos, saved at once.

Everything lives in the workspace's ``coding/`` folder (``raw/`` is never written):

- ``coding/codings_<coder>.csv``: ``Text ID, Code, Start, End``, one row per code
  applied (``Start``/``End`` blank for the whole text; otherwise character
  offsets into the text of the ``texts`` table, ``text[start:end]``);
- ``coding/codebook_<coder>.csv``: ``Code, Description, Parent, Added``: the
  codes the coder added (``Added`` = ``yes``), plus a copy of each theme above
  them taken from the codebook (``no``: the codebook loader wants a parent in the
  same file, so these themes appear in two codebook files);
- ``coding/memos_<coder>.csv``: ``Text ID, Memo, Updated``, one memo per text
  (names on the roster or staff list typed into a memo are saved as ``[name]``).

Each action rewrites its file through a temporary file, ``fsync`` and
``os.replace``, so a crash or a kernel restart never leaves half a file. The
first time a file is written it is registered in ``enquiry.toml`` (sources
``coding_<coder>_codings``, a ``codings`` source with ``coder = "<coder>"``, and
``coding_<coder>_codebook``, a ``codebook`` source) with
:func:`slc_research.workspace.mapping_editor.add_source`, so :meth:`slc_research.Enquiry.open`,
the voices notebook and :func:`slc_research.qual.coder_agreement` see them.
Memos have no canonical table: they stay in the coding folder for the coder.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import pandas as pd

from slc_research.errors import ConfigError
from slc_research.privacy.redaction import redact_texts, redaction_identifiers
from slc_research.words import plural
from slc_research.workspace.atomic import write_atomic
from slc_research.workspace.manifest import read_manifest

__all__ = ["CODING_FOLDER", "CodingStore", "check_coder_name", "sentence_spans"]

#: The workspace folder the coder writes into (never ``raw/``).
CODING_FOLDER = "coding"
_CODER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,29}")
_CODINGS = ("Text ID", "Code", "Start", "End")
_CODEBOOK = ("Code", "Description", "Parent", "Added")
_MEMOS = ("Text ID", "Memo", "Updated")
_SENTENCE = re.compile(r"\S[^\n]*?(?:[.!?]+[\"')\]\u2019\u201d]*(?=\s|$)|(?=\n)|$)")


def check_coder_name(coder: object) -> str:
    """Return ``coder`` if it is a safe coder name, else say what to type.

    A coder name is initials or a short name: a letter, then letters, digits or
    ``_`` (at most 30 characters), e.g. ``"C"`` or ``"JS"``. It becomes part of
    file and source names, so spaces and punctuation are refused.

    Raises
    ------
    ConfigError
        Naming what was typed and what to type instead.
    """
    if not isinstance(coder, str) or not _CODER.fullmatch(coder.strip()):
        raise ConfigError(f"a coder name is your initials or a short name: a letter, then "
                          f"letters, digits or _ (no spaces), e.g. \"C\" or \"JS\"; found "
                          f"{coder!r}", key="coder")
    return coder.strip()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text``.

    A sentence ends at ``.``, ``!`` or ``?`` followed by a space (or the end of
    the text), or at a line break. ``text[start:end]`` is the sentence without
    surrounding spaces, so the spans are offsets a ``codings`` source accepts.

    Examples
    --------
    >>> sentence_spans("I like it. It helps!")
    [(0, 10), (11, 20)]
    """
    spans = []
    for m in _SENTENCE.finditer(text or ""):
        piece = m.group(0).rstrip()
        if piece:
            spans.append((m.start(), m.start() + len(piece)))
    return spans


class CodingStore:
    """One coder's codings, added codes and memos in a workspace's ``coding/`` folder.

    Parameters
    ----------
    root : str or Path
        The workspace folder (holding ``enquiry.toml``).
    coder : str
        The coder's name (see :func:`check_coder_name`).

    Attributes
    ----------
    root : Path
    coder : str
    codings_path, codebook_path, memos_path : Path
    codings_source, codebook_source : str
        The ``[sources.*]`` names the files are registered under.
    """

    def __init__(self, root: str | Path, coder: str) -> None:
        self.coder = check_coder_name(coder)
        self.root = read_manifest(root).root
        folder = self.root / CODING_FOLDER
        self.codings_path = folder / f"codings_{self.coder}.csv"
        self.codebook_path = folder / f"codebook_{self.coder}.csv"
        self.memos_path = folder / f"memos_{self.coder}.csv"
        self.codings_source = f"coding_{self.coder}_codings"
        self.codebook_source = f"coding_{self.coder}_codebook"
        for path, header in self._files():  # a damaged file is reported now
            _read(path, header)
        self._registered: set[str] = set()
        self._people = None  # the roster's and staff list's identifiers, read once

    def __repr__(self) -> str:
        return (f"CodingStore({str(self.root)!r}, coder={self.coder!r}: "
                f"{plural(len(self._codings), 'coding')}, "
                f"{plural(len(self.added_codes()), 'code')} added, "
                f"{plural(len(self._memos), 'memo')})")

    # -- the files: read at each use, so two widgets of one coder (a cell run twice) agree
    def _files(self) -> tuple[tuple[Path, tuple[str, ...]], ...]:
        return ((self.codings_path, _CODINGS), (self.codebook_path, _CODEBOOK),
                (self.memos_path, _MEMOS))

    _codings = property(lambda self: _read(self.codings_path, _CODINGS))
    _codebook = property(lambda self: _read(self.codebook_path, _CODEBOOK))
    _memos = property(lambda self: _read(self.memos_path, _MEMOS))

    # -- codings --------------------------------------------------------
    def codings(self) -> pd.DataFrame:
        """The coder's codings: ``text_id``, ``coder``, ``code``, ``start``, ``end`` (Int64)."""
        rows = self._codings
        return pd.DataFrame({
            "text_id": pd.array([r[0] for r in rows], dtype="string"),
            "coder": pd.array([self.coder] * len(rows), dtype="string"),
            "code": pd.array([r[1] for r in rows], dtype="string"),
            "start": pd.array([int(r[2]) if r[2] else None for r in rows], dtype="Int64"),
            "end": pd.array([int(r[3]) if r[3] else None for r in rows], dtype="Int64"),
        })

    def add_coding(self, text_id: str, code: str, start: int | None = None,
                   end: int | None = None, *, text_length: int | None = None) -> bool:
        """Save a code applied to a text (``start``/``end`` None: the whole text).

        Parameters
        ----------
        text_id, code : str
        start, end : int, optional
            Passage ``text[start:end]``: both or neither, ``0 <= start < end``.
        text_length : int, optional
            The text's length; when given, ``end`` may not pass it.

        Returns
        -------
        bool
            False if exactly this coding was already saved (nothing written).

        Raises
        ------
        ConfigError
            A blank text or code, or offsets that do not make a passage.
        """
        text_id, code = _needed(text_id, "text"), _needed(code, "code")
        if (start is None) != (end is None):
            raise ConfigError("give both the start and the end of the passage, or neither to "
                              "code the whole text", key="span")
        if start is not None:
            start, end = int(start), int(end)
            if not 0 <= start < end or (text_length is not None and end > text_length):
                limit = f" and at most {text_length}" if text_length is not None else ""
                raise ConfigError(f"a passage runs from start to end - 1: pick a start of 0 or "
                                  f"more and an end after it{limit}; found {start} to {end}",
                                  key="span")
        row = (text_id, code, "" if start is None else str(start), "" if end is None else str(end))
        rows = self._codings
        if row in rows:
            return False
        self._save_codings([*rows, row])
        return True

    def remove_coding(self, text_id: str, code: str, start: int | None = None,
                      end: int | None = None) -> bool:
        """Remove a saved coding; False if there was no such coding."""
        row = (str(text_id), str(code), "" if start is None or pd.isna(start) else str(int(start)),
               "" if end is None or pd.isna(end) else str(int(end)))
        rows = self._codings
        if row not in rows:
            return False
        self._save_codings([r for r in rows if r != row])
        return True

    def _save_codings(self, rows: list[tuple[str, ...]]) -> None:
        if not rows:  # the loader refuses a file with no rows: withdraw the source
            self._unregister(self.codings_source)
            self.codings_path.unlink(missing_ok=True)
            return
        _write(self.codings_path, _CODINGS, rows)
        self._register(self.codings_source, {
            "description": f"Coder {self.coder}'s codings, saved by the coder widget",
            "path": self.codings_path, "kind": "codings", "coder": self.coder,
            "columns": {"Text ID": "text_id", "Code": "code", "Start": "start", "End": "end"}})

    # -- codes ----------------------------------------------------------
    def added_codes(self) -> pd.DataFrame:
        """The codes this coder added: ``code``, ``description``, ``parent``."""
        mine = [r for r in self._codebook if r[3] == "yes"]
        return pd.DataFrame({k: pd.array([r[i] or None for r in mine], dtype="string")
                             for i, k in enumerate(("code", "description", "parent"))})

    def add_code(self, code: str, description: str, parent: str | None = None, *,
                 codebook: pd.DataFrame | None = None) -> str:
        """Save a new code with its description, optionally under a parent theme.

        Parameters
        ----------
        code, description : str
        parent : str, optional
            A code of ``codebook`` or one added earlier; its themes are copied
            into the file so that the file is a valid codebook on its own.
        codebook : DataFrame, optional
            The workspace's ``codebook`` table; a code already in it (whatever
            its capitals) is refused.

        Returns
        -------
        str
            The code as saved.

        Raises
        ------
        ConfigError
            A blank code or description, a code that exists, or an unknown parent.
        """
        code = _needed(code, "code")
        description = _needed(description, "description")
        book = _book(codebook)
        known = {**{c.casefold(): (c, d, p) for c, d, p in book},
                 **{r[0].casefold(): r[:3] for r in self._codebook}}
        if code.casefold() in known:
            raise ConfigError(f"the code {known[code.casefold()][0]!r} is already in the "
                              "codebook: apply it, or type another name", key="code")
        parent = (parent or "").strip()
        if parent and parent.casefold() not in known:
            raise ConfigError(f"the parent {parent!r} is not a code of the codebook: pick one "
                              "from the list, or leave it blank", key="parent")
        rows = list(self._codebook)
        have = {r[0].casefold() for r in rows}
        chain, node = [], parent.casefold()
        while node and node not in have and node not in {c.casefold() for c, *_ in chain}:
            c, d, p = known[node][:3]
            chain.append((c, d or "", p or "", "no"))  # a theme copied from the codebook
            node = (p or "").casefold() if (p or "").casefold() in known else ""
        if parent:
            parent = known[parent.casefold()][0]
        rows = [*rows, *reversed(chain), (code, description, parent, "yes")]
        _write(self.codebook_path, _CODEBOOK, rows)
        self._register(self.codebook_source, {
            "description": f"Codes added by coder {self.coder} (with the themes above them)",
            "path": self.codebook_path, "kind": "codebook",
            "columns": {"Code": "code", "Description": "description", "Parent": "parent"}})
        return code

    # -- memos ----------------------------------------------------------
    def memos(self) -> pd.DataFrame:
        """The coder's memos: ``text_id``, ``memo``, ``updated`` (ISO time, text)."""
        return pd.DataFrame({k: pd.array([r[i] for r in self._memos], dtype="string")
                             for i, k in enumerate(("text_id", "memo", "updated"))})

    def memo(self, text_id: str) -> str:
        """The memo on a text (``""`` if none)."""
        return next((r[1] for r in self._memos if r[0] == text_id), "")

    def set_memo(self, text_id: str, memo: str) -> bool:
        """Save the memo on a text (blank removes it); False if nothing changed.

        Names on the workspace's roster and staff list are replaced by
        ``[name]`` before saving (as in the texts), so no name is stored.
        """
        text_id, memo = _needed(text_id, "text"), (memo or "").strip()
        if memo:
            memo = str(redact_texts(pd.Series([memo]), self._redaction()).iloc[0])
        if memo == self.memo(text_id):
            return False
        rows = [r for r in self._memos if r[0] != text_id]
        if memo:
            rows.append((text_id, memo, datetime.now().isoformat(timespec="seconds")))
        _write(self.memos_path, _MEMOS, rows)
        return True

    @property
    def names(self) -> frozenset[str]:
        """Names in the workspace's pupils and staff sources (read once, for redaction)."""
        return self._read_people().names

    def _read_people(self):
        if self._people is None:
            from slc_research.data.loading.people import people_of

            self._people = people_of(read_manifest(self.root).sources.values())
        return self._people

    def _redaction(self):
        """What a memo has redacted: names, real ids, emails and dates of birth (as texts)."""
        p = self._read_people()
        return redaction_identifiers(names=p.names, ids=p.ids, emails=p.emails,
                                     dates=p.dates_of_birth)

    # -- the manifest ---------------------------------------------------
    def _register(self, name: str, table: dict) -> None:
        """Add the ``[sources.NAME]`` entry once (checking an existing one is ours)."""
        if name in self._registered:
            return
        spec = read_manifest(self.root).sources.get(name)
        if spec is not None:
            if Path(spec.path).resolve() != Path(table["path"]).resolve():
                raise ConfigError(f"enquiry.toml already has a source {name!r} reading "
                                  f"{spec.label}; rename that source so the coder can register "
                                  f"{Path(table['path']).relative_to(self.root).as_posix()}",
                                  key=f"sources.{name}")
        else:
            from slc_research.workspace.mapping_editor import add_source  # the manifest writer

            add_source(self.root, name, table, replace=False)
        self._registered.add(name)

    def _unregister(self, name: str) -> None:
        """Remove the ``[sources.NAME]`` entry (atomically; restored if the result is invalid)."""
        import tomlkit

        self._registered.discard(name)
        path = self.root / "enquiry.toml"
        before = path.read_bytes()
        doc = tomlkit.parse(before.decode("utf-8-sig"))
        if name not in doc.get("sources", {}):
            return
        del doc["sources"][name]
        bom = b"\xef\xbb\xbf" if before.startswith(b"\xef\xbb\xbf") else b""
        write_atomic(path, bom + tomlkit.dumps(doc).encode("utf-8"))
        try:
            read_manifest(self.root)
        except ConfigError:
            write_atomic(path, before)
            raise


# --- internals -------------------------------------------------------------------------------

def _needed(value: object, what: str) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise ConfigError(f"type or pick a {what} first", key=what)
    return text


def _book(codebook: pd.DataFrame | None) -> list[tuple[str, str | None, str | None]]:
    if codebook is None or not len(codebook):
        return []

    def get(col: str) -> list[str | None]:
        if col not in codebook.columns:
            return [None] * len(codebook)
        return [None if pd.isna(v) else str(v) for v in codebook[col]]

    return [(c, d, p) for c, d, p in zip(get("code"), get("description"), get("parent"),
                                          strict=True) if c]


def _read(path: Path, header: tuple[str, ...]) -> list[tuple[str, ...]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows or tuple(rows[0][:len(header)]) != header:
        raise ConfigError(f"{path.name} in the coding folder does not start with the columns "
                          f"{', '.join(header)}; restore it from a backup or move it away "
                          "(the coder writes its files itself)", file=str(path))
    width = len(rows[0])
    return [tuple((r + [""] * width)[:width]) for r in rows[1:] if any(r)]


def _write(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Write a CSV file atomically."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    write_atomic(path, buffer.getvalue().encode("utf-8"))
