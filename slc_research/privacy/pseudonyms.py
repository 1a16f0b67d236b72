"""Privacy at the door: keyed pseudonyms, the consent register, name redaction.

Real pupil and staff ids are replaced at load by stable keyed pseudonyms:
``P-`` or ``S-`` followed by the first 10 hex digits of HMAC-SHA256 of the
normalised id under a per-workspace secret. The secret lives in
``private/pseudonym.key``, is created on first open, and is never printed,
logged or copied. The same id always gets the same pseudonym in one workspace;
without the key, a pseudonym cannot be turned back into an id. A key file that is
empty, cut short or not hexadecimal is refused (:class:`ConfigError`): a new key would
change every pseudonym, so it must be restored from a backup, and none is made.

The consent register (``private/consent.csv``) is read by :func:`read_consent_register`
against the closed vocabulary of :mod:`slc_research.privacy.consent`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from slc_research.errors import ConfigError, DataError, Problem
from slc_research.privacy.consent import WITHDRAWN, accepted_statuses, read_status
from slc_research.workspace.atomic import write_atomic

__all__ = [
    "KEY_FILE",
    "CONSENT_FILE",
    "ConsentRegister",
    "Pseudonymiser",
    "read_consent_register",
    "load_withdrawn",
    "normalise_id",
]

KEY_FILE = "pseudonym.key"
CONSENT_FILE = "consent.csv"

_PREFIX = {"pupil": "P-", "staff": "S-", "parent": "G-", "anonymous": "A-"}


def normalise_id(ids: pd.Series) -> pd.Series:
    """Normalise raw ids for matching: text, trimmed, upper case, inner spaces removed.

    ``" a123 456 "`` and ``"A123456"`` are the same pupil. An id made only of
    digits loses its leading zeros, because Excel drops them when it opens an
    export: ``"004822"`` and ``"4822"`` are the same pupil. Missing stays missing.
    """
    s = ids.astype("string").str.strip().str.upper().str.replace(r"\s+", "", regex=True)
    s = s.str.replace(r"^0+(?=\d+$)", "", regex=True)
    return s.mask(s == "")


class Pseudonymiser:
    """Turns real ids into keyed pseudonyms.

    Parameters
    ----------
    key : bytes
        The workspace's secret (at least 16 bytes).

    Examples
    --------
    >>> p = Pseudonymiser(b"0" * 32)
    >>> p.pseudonymise(pd.Series(["A1", " a1 "]), "pupil").tolist()
    ['P-59908a0847', 'P-59908a0847']
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a pseudonymisation key needs at least 16 bytes")
        self._key = key

    def __repr__(self) -> str:  # never show the key
        return "Pseudonymiser(<key hidden>)"

    @classmethod
    def for_workspace(cls, private_dir: Path) -> Pseudonymiser:
        """Load the workspace's key from ``private/``, creating it on first use."""
        path = Path(private_dir) / KEY_FILE
        if not path.exists():  # the first open makes it; another process's key wins a race
            write_atomic(path, secrets.token_hex(32) + "\n", mode=0o600, exclusive=True)
        return cls(_read_key(path))

    @property
    def fingerprint(self) -> str:
        """A short one-way digest of the key, for cache keys (reveals nothing of it)."""
        return hashlib.sha256(b"slc-research-fingerprint" + self._key).hexdigest()[:16]

    def one(self, raw_id: str, kind: str = "pupil") -> str:
        """Pseudonym of one id (already normalised or not)."""
        return self.pseudonymise(pd.Series([raw_id]), kind).iloc[0]

    def pseudonymise(self, ids: pd.Series, kind: str = "pupil") -> pd.Series:
        """Replace every id in ``ids`` by its pseudonym.

        Works on the distinct values only, so a register of ten million marks
        for 26,000 pupils costs 26,000 HMACs. Categorical input gives
        categorical output (same length and index); other input gives ``string``.

        Parameters
        ----------
        ids : Series
            Raw ids, any dtype. Missing values stay missing.
        kind : {"pupil", "staff", "parent", "anonymous"}
            Whose ids these are; pupils and staff with the same raw id get
            different pseudonyms.
        """
        if kind not in _PREFIX:
            raise ValueError(f"kind must be one of {sorted(_PREFIX)}, not {kind!r}")
        if isinstance(ids.dtype, pd.CategoricalDtype):
            mapped = self._map_unique(normalise_id(pd.Series(ids.cat.categories)), kind)
            # distinct categories may meet after normalisation (" a1" and "A1")
            cat_codes, uniques = pd.factorize(mapped, use_na_sentinel=True)
            # code -1 (missing) indexes the appended -1: no second pass over the data
            new_codes = np.append(cat_codes, -1)[ids.cat.codes.to_numpy()]
            cat = pd.Categorical.from_codes(new_codes, categories=pd.Index(uniques, dtype="string"),
                                            validate=False)
            return pd.Series(cat, index=ids.index, name=ids.name)
        codes, uniques = pd.factorize(normalise_id(ids), use_na_sentinel=True)
        mapped = self._map_unique(pd.Series(uniques, dtype="string"), kind)
        arr = mapped.to_numpy(dtype=object, na_value=None)
        result = arr[np.maximum(codes, 0)] if len(arr) else np.full(len(codes), None, object)
        result = np.where(codes >= 0, result, None)
        return pd.Series(result, index=ids.index, name=ids.name, dtype="string")

    def _map_unique(self, normalised: pd.Series, kind: str) -> pd.Series:
        prefix = _PREFIX[kind]
        salt = f"{kind}:".encode()
        key = self._key
        out = [
            None if v is None or v is pd.NA else
            prefix + hmac.new(key, salt + v.encode("utf-8"), hashlib.sha256).hexdigest()[:10]
            for v in normalised.to_numpy(dtype=object, na_value=None)
        ]
        return pd.Series(out, dtype="string")


#: Hex digits in a key the workbench makes (32 bytes).
KEY_HEX_DIGITS = 64


def _read_key(path: Path) -> bytes:
    """The key in ``path``; a :class:`ConfigError` saying what to do if it is damaged.

    Nothing of the file's content is ever put in the message.
    """
    fix = (f"restore private/{KEY_FILE} from your backup (it holds {KEY_HEX_DIGITS} characters "
           "0-9 and a-f on one line); a new key would change every pseudonym, so none is made.")
    try:
        text = path.read_bytes().decode("ascii").strip()
    except UnicodeDecodeError:
        raise ConfigError(f"the key file is not plain text: {fix}",
                          file=f"private/{KEY_FILE}") from None
    except OSError as exc:
        raise ConfigError(f"the key file cannot be read ({exc.strerror or type(exc).__name__}): "
                          f"{fix}", file=f"private/{KEY_FILE}") from None
    if not text:
        problem = "the key file is empty"
    elif not re.fullmatch(r"[0-9a-fA-F]+", text):
        problem = "the key file holds characters that are not hexadecimal digits"
    elif len(text) < KEY_HEX_DIGITS or len(text) % 2:
        problem = (f"the key file holds {len(text)} characters where a key has "
                   f"{KEY_HEX_DIGITS}: it was cut short")
    else:
        return bytes.fromhex(text)
    raise ConfigError(f"{problem}: {fix}", file=f"private/{KEY_FILE}")


@dataclass(frozen=True)
class ConsentRegister:
    """The consent register as read: who is left out, and the notes for ``check``.

    Attributes
    ----------
    withdrawn : frozenset of str
        Pseudonyms of everyone left out (withdrawn, declined, ...).
    notes : tuple of str
        One per status read as withdrawn though not written so; each names the row,
        never the id.
    rows : tuple of (int, str, str)
        ``(row, kind, pseudonym)`` of each row that leaves someone out, ``row`` as a
        spreadsheet shows it (the header is row 1), ``kind`` ``"pupil"`` or ``"staff"``.
    """

    withdrawn: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    rows: tuple[tuple[int, str, str], ...] = field(default=(), repr=False)

    def rows_of(self, pseudonyms: Iterable[str]) -> list[int]:
        """The register's rows that withdraw any of ``pseudonyms`` (sorted)."""
        wanted = set(pseudonyms)
        return sorted({row for row, _kind, p in self.rows if p in wanted})

    def unmatched(self, found_rows: Iterable[int], kinds: Iterable[str]) -> tuple[str, ...]:
        """Warnings for the rows of ``kinds`` whose id matched no one (not in ``found_rows``).

        Parameters
        ----------
        found_rows : iterable of int
            Rows whose person was found on a roster or staff list.
        kinds : iterable of str
            The kinds (``"pupil"``, ``"staff"``) the workspace has a roster or staff
            list of: only those can be checked.
        """
        found, kinds = set(found_rows), set(kinds)
        lists = {"pupil": "any roster", "staff": "any staff list"}
        return tuple(
            f"private/{CONSENT_FILE}, row {row}: this withdrawn {kind}'s id matches no one on "
            f"{lists[kind]} (a digit missing or one too many?); correct the id in column 'id' "
            "so that they are left out" for row, kind in sorted({(r, k) for r, k, _p in self.rows})
            if kind in kinds and row not in found)


def read_consent_register(private_dir: Path, pseudonymiser: Pseudonymiser) -> ConsentRegister:
    """Read ``private/consent.csv`` against the closed vocabulary of statuses.

    The register has the columns ``id``, ``status`` and optionally ``type``
    (``pupil`` by default, or ``staff``) and ``date``. Statuses are read by
    :func:`slc_research.privacy.consent.read_status`: a close variant of
    "withdrawn" is read as withdrawn with a note; any other status is an error.
    A missing register means nobody has withdrawn.

    Raises
    ------
    DataError
        Naming the file, row, column and the status found (never an id), for an
        unknown status, a blank one, a withdrawal with no id or an unknown type.
    """
    path = Path(private_dir) / CONSENT_FILE
    if not path.exists():
        return ConsentRegister()
    label = f"private/{CONSENT_FILE}"
    try:
        reg = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError.single(label, f"a CSV file with columns id,status[,type,date] ({exc})") from None
    reg.columns = [c.strip().lower() for c in reg.columns]
    for col in ("id", "status"):
        if col not in reg.columns:
            raise DataError.single(
                label, "columns 'id' and 'status' (withdrawn or consented); add the missing header",
                column=col)
    kinds = reg["type"].str.strip().str.lower() if "type" in reg.columns else pd.Series(
        "pupil", index=reg.index)
    kinds = kinds.replace("", "pupil")
    problems: list[Problem] = []
    notes: list[str] = []
    rows: list[tuple[int, str, str]] = []
    ids = reg["id"].str.strip()
    for i, (raw_id, status_text, kind) in enumerate(zip(ids, reg["status"], kinds, strict=True)):
        row = i + 2
        if not raw_id and not status_text.strip() and not reg.iloc[i].str.strip().any():
            continue  # a blank line
        status, noted = read_status(status_text)
        if kind not in ("pupil", "staff"):
            problems.append(Problem(label, row, "type", _shown(reg["type"].iloc[i]),
                                    "'pupil' or 'staff'"))
        if status is None:
            problems.append(Problem(label, row, "status", _shown(status_text) or None,
                                    f"{accepted_statuses()}; write one of these" if status_text
                                    .strip() else f"a status, {accepted_statuses()}"))
            continue
        if status != WITHDRAWN:
            continue
        if not raw_id:
            problems.append(Problem(label, row, "id", None,
                                    "the id of the person who withdrew (the UPN or staff id as "
                                    "on the roster); a withdrawal with no id leaves no one out"))
            continue
        if noted:
            notes.append(f"{label}, row {row}: the status was read as withdrawn (write it "
                         "exactly 'withdrawn' to silence this note).")
        if kind in ("pupil", "staff"):
            rows.append((row, kind, pseudonymiser.one(raw_id, kind)))
    if problems:
        raise DataError(problems[:20], total=len(problems))
    return ConsentRegister(frozenset(p for _r, _k, p in rows), tuple(notes), tuple(rows))


def _shown(value: str) -> str:
    """A cell of the register as a message may show it: never one with digits or an '@'.

    The status and type columns hold words; digits or an '@' may be an id, a date or an email.
    """
    text = str(value).strip()
    if re.search(r"\d|@", text):
        return "a value with digits or '@' (not shown: it may be personal data)"
    return text[:60]


def load_withdrawn(private_dir: Path, pseudonymiser: Pseudonymiser) -> frozenset[str]:
    """Pseudonyms of everyone withdrawn in ``private/consent.csv``.

    See :func:`read_consent_register`, which also gives the notes and the rows.
    """
    return read_consent_register(private_dir, pseudonymiser).withdrawn
