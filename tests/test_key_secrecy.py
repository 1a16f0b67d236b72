"""The pseudonymisation key stays in private/: it is never logged, printed, shown in a repr,
cached or copied anywhere else, in any encoding (raw bytes, hex, base64)."""

from __future__ import annotations

import base64
import logging
import pickle
from pathlib import Path

import pytest

from slc_research import Enquiry
from slc_research.privacy.pseudonyms import KEY_FILE, Pseudonymiser

MANIFEST = """
title = "Test enquiry"
academic_year = "2025-26"

[sources.roster]
path = "raw/roster.csv"
kind = "pupils"
[sources.roster.columns]
"UPN" = "pupil_id"
"Forename" = "forename"
"Surname" = "surname"

[sources.reflections]
path = "raw/reflections.csv"
kind = "texts"
authors = "pupil"
text_source = "reflection"
[sources.reflections.columns]
"UPN" = "author_id"
"Reflection" = "text"
"""


def key_forms(key: bytes) -> dict[str, bytes]:
    """Every way the key could be written out: raw, hex (both cases, and its first half),
    base64 (standard and URL-safe, with and without padding)."""
    hexed = key.hex()
    b64 = base64.b64encode(key)
    forms = {"raw bytes": key, "hex": hexed.encode(), "HEX": hexed.upper().encode(),
             "half of the hex": hexed[:32].encode(), "base64": b64,
             "base64 unpadded": b64.rstrip(b"="), "urlsafe base64": base64.urlsafe_b64encode(key),
             "base32": base64.b32encode(key).rstrip(b"=")}
    return {k: v for k, v in forms.items() if v}


def leaks(data: bytes | str, key: bytes) -> list[str]:
    """The encodings of ``key`` found in ``data``."""
    blob = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    return [name for name, form in key_forms(key).items() if form in blob]


def files_leaking(folder: Path, key: bytes, *, skip: Path | None = None) -> dict[str, list[str]]:
    """Files under ``folder`` (except ``skip``) holding the key in any form."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file() and (skip is None or not path.is_relative_to(skip)):
            hits = leaks(path.read_bytes(), key)
            if hits:
                found[str(path.relative_to(folder))] = hits
    return found


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "raw").mkdir()
    (tmp_path / "enquiry.toml").write_text(MANIFEST, encoding="utf-8")
    (tmp_path / "raw" / "roster.csv").write_text(
        "UPN,Forename,Surname\nA1,Zebedee,Quartermaine\nA2,Philippa,Oyelaran\n", encoding="utf-8")
    (tmp_path / "raw" / "reflections.csv").write_text(
        "UPN,Reflection\nA1,I planned my revision.\nA2,I asked Zebedee for help.\n",
        encoding="utf-8")
    return tmp_path


def test_opening_a_workspace_never_shows_or_copies_the_key(workspace, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    enq = Enquiry.open(workspace)
    Enquiry.open(workspace)  # and again, from the cache
    key = bytes.fromhex((workspace / "private" / KEY_FILE).read_text(encoding="ascii").strip())
    assert len(key) == 32
    out, err = capsys.readouterr()
    shown = [out, err, caplog.text, repr(enq), str(enq), repr(enq.manifest),
             str(enq.health), enq.health_frame().to_string(), enq.cache_key]
    shown += [df.to_csv() for df in enq.tables.values()]
    assert [leaks(s, key) for s in shown] == [[] for _ in shown]
    # nothing outside private/ holds it: not the cache, not the raw folder
    assert files_leaking(workspace, key, skip=workspace / "private") == {}
    # the key file is the only file in private/ that holds it
    assert list(files_leaking(workspace / "private", key)) == [KEY_FILE]


def test_the_pseudonymiser_never_shows_its_key():
    key = bytes(range(32))
    p = Pseudonymiser(key)
    for text in (repr(p), str(p), f"{p!r}", p.fingerprint, p.one("A1")):
        assert leaks(text, key) == []
    assert "key hidden" in repr(p)


def test_the_key_is_not_in_an_error_about_it(tmp_path):
    with pytest.raises(ValueError, match="at least 16 bytes") as info:
        Pseudonymiser(b"short-secret")
    assert "short-secret" not in str(info.value)


def test_an_enquiry_does_not_carry_the_key(workspace):
    enq = Enquiry.open(workspace)
    key = bytes.fromhex((workspace / "private" / KEY_FILE).read_text(encoding="ascii").strip())
    # an enquiry is handed to notebooks and widgets: it holds pseudonymised tables only
    assert leaks(pickle.dumps(enq), key) == []
