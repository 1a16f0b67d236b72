"""Privacy at the door: keyed pseudonyms, the consent register, name redaction.

Real pupil and staff ids are replaced at load by stable keyed pseudonyms:
``P-`` or ``S-`` followed by the first 10 hex digits of HMAC-SHA256 of the
normalised id under a per-workspace secret. The secret lives in
``private/pseudonym.key``, is created on first open, and is never printed,
logged or copied. The same id always gets the same pseudonym in one workspace;
without the key, a pseudonym cannot be turned back into an id.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from slc_research.errors import DataError
from slc_research.workspace.atomic import write_atomic

__all__ = [
    "KEY_FILE",
    "CONSENT_FILE",
    "Pseudonymiser",
    "load_withdrawn",
    "name_words",
    "normalise_id",
    "redact_names",
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
        return cls(bytes.fromhex(path.read_text(encoding="ascii").strip()))

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


def load_withdrawn(private_dir: Path, pseudonymiser: Pseudonymiser) -> frozenset[str]:
    """Pseudonyms of everyone withdrawn in ``private/consent.csv``.

    The register has the columns ``id``, ``status`` and optionally ``type``
    (``pupil`` by default, or ``staff``) and ``date``. A row whose status is
    ``withdrawn`` (any case) removes that person from every table at load.
    A missing register means nobody has withdrawn.
    """
    path = Path(private_dir) / CONSENT_FILE
    if not path.exists():
        return frozenset()
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
    bad = ~kinds.isin(["pupil", "staff"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError.single(label, "'pupil' or 'staff'", row=i + 2, column="type",
                               value=reg["type"].iloc[i])
    withdrawn = reg["status"].str.strip().str.lower() == "withdrawn"
    out: set[str] = set()
    for kind in ("pupil", "staff"):
        ids = reg.loc[withdrawn & (kinds == kind), "id"]
        out.update(x for x in pseudonymiser.pseudonymise(ids, kind).dropna())
    return frozenset(out)


NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def name_words(names: Iterable[str]) -> set[str]:
    """The case-folded words :func:`redact_names` looks for.

    Each name, and each part of it (split at spaces and hyphens), of two letters or more.
    """
    known: set[str] = set()
    for name in names:
        if not name:
            continue
        for part in [name, *re.split(r"[\s-]+", name)]:
            part = part.strip()
            if len(part) >= 2:
                known.add(part.casefold())
    return known


def redact_names(texts: pd.Series, names: Iterable[str], placeholder: str = "[name]") -> pd.Series:
    """Replace every whole-word occurrence of a known name in ``texts``.

    Matching ignores case. A name is matched whole ("Amy" does not touch
    "Amyas"), with a possessive ("Amy's" -> "[name]'s"), and by each part of a
    hyphenated or multi-word name ("Abernethy-Clark" also removes "Abernethy").
    Names shorter than two letters are ignored. A full name becomes one
    placeholder ("Amy Lee" -> "[name]").

    Each word of a text is looked up in a set, so the cost grows with the
    length of the texts, not with the number of names on the roster.

    Parameters
    ----------
    texts : Series of str
    names : iterable of str
        Forenames, surnames and full names from the roster and staff list.
    placeholder : str
        What a name becomes.
    """
    known = name_words(names)
    out = texts.astype("string")
    if not known or out.empty:
        return out

    def swap(match: re.Match) -> str:
        word = match.group(0)
        folded = word.casefold()
        if folded in known:
            return placeholder
        for tail in ("'s", "’s"):
            if folded.endswith(tail) and folded[:-2] in known:
                return placeholder + word[-2:]
        return word

    out = out.str.replace(NAME_WORD, swap, regex=True)
    # "[name] [name]" (forename and surname) reads as one name
    doubled = re.escape(placeholder) + r"(?:\s+" + re.escape(placeholder) + r")+"
    return out.str.replace(doubled, placeholder, regex=True)
