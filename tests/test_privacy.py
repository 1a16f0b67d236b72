"""Pseudonyms, the consent register and name redaction."""

from __future__ import annotations

import hashlib
import hmac
import stat

import pandas as pd
import pytest

from slc_research.errors import DataError
from slc_research.privacy.pseudonyms import KEY_FILE, Pseudonymiser, load_withdrawn
from slc_research.privacy.redaction import redact_names, redact_with_offsets

KEY = bytes(range(32))


def _expected(raw: str, kind: str, prefix: str) -> str:
    # independent computation straight from the definition (HMAC-SHA256, 10 hex digits)
    return prefix + hmac.new(KEY, f"{kind}:{raw}".encode(), hashlib.sha256).hexdigest()[:10]


def test_pseudonym_is_keyed_hmac_of_the_normalised_id():
    p = Pseudonymiser(KEY)
    out = p.pseudonymise(pd.Series(["a123 456", " A123456 ", None]), "pupil")
    assert out.tolist()[:2] == [_expected("A123456", "pupil", "P-")] * 2
    assert pd.isna(out.iloc[2])
    assert str(out.dtype) == "string"


def test_pupils_and_staff_with_the_same_id_differ():
    p = Pseudonymiser(KEY)
    assert p.one("AB1", "pupil") == _expected("AB1", "pupil", "P-")
    assert p.one("AB1", "staff") == _expected("AB1", "staff", "S-")


def test_categorical_input_keeps_categories_and_merges_spellings():
    p = Pseudonymiser(KEY)
    s = pd.Series(["x1", "X1 ", "y2", None, "x1"], dtype="category")
    out = p.pseudonymise(s, "pupil")
    assert isinstance(out.dtype, pd.CategoricalDtype)
    assert out.tolist()[:3] == [_expected("X1", "pupil", "P-")] * 2 + [_expected("Y2", "pupil", "P-")]
    assert pd.isna(out.iloc[3])
    assert len(out.cat.categories) == 2


def test_another_key_gives_other_pseudonyms():
    a = Pseudonymiser(KEY).one("A1")
    b = Pseudonymiser(bytes(32)).one("A1")
    assert a != b


def test_key_is_created_once_private_and_never_shown(tmp_path):
    p1 = Pseudonymiser.for_workspace(tmp_path / "private")
    key_file = tmp_path / "private" / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    p2 = Pseudonymiser.for_workspace(tmp_path / "private")
    assert p1.one("A1") == p2.one("A1")
    secret = key_file.read_text().strip()
    assert secret not in repr(p1)
    assert secret not in p1.fingerprint


def test_withdrawn_pupils_and_staff(tmp_path):
    p = Pseudonymiser(KEY)
    (tmp_path / "consent.csv").write_text(
        "id,type,status,date\nA1,pupil,withdrawn,2026-01-10\nA2,pupil,consented,\n"
        "T9,staff,Withdrawn,2026-02-01\nA3,,WITHDRAWN,\n", encoding="utf-8")
    got = load_withdrawn(tmp_path, p)
    assert got == {p.one("A1"), p.one("T9", "staff"), p.one("A3")}


def test_no_consent_register_means_nobody_withdrew(tmp_path):
    assert load_withdrawn(tmp_path, Pseudonymiser(KEY)) == frozenset()


def test_consent_register_with_bad_type(tmp_path):
    (tmp_path / "consent.csv").write_text("id,type,status\nA1,governor,withdrawn\n")
    with pytest.raises(DataError, match=r"private/consent\.csv, row 2, column 'type'"):
        load_withdrawn(tmp_path, Pseudonymiser(KEY))


def test_consent_register_without_status(tmp_path):
    (tmp_path / "consent.csv").write_text("id\nA1\n")
    with pytest.raises(DataError, match="column 'status'"):
        load_withdrawn(tmp_path, Pseudonymiser(KEY))


def test_redact_names_whole_words_any_case():
    texts = pd.Series(["Amy helped me, and AMY's idea worked", "Amyas came", None])
    out = redact_names(texts, ["Amy", "O'Neill", "a"])
    assert out.iloc[0] == "[name] helped me, and [name]'s idea worked"
    assert out.iloc[1] == "Amyas came"
    assert pd.isna(out.iloc[2])
    assert redact_names(pd.Series(["Ms O'Neill said"]), ["O'Neill"]).iloc[0] == "Ms [name] said"


@pytest.mark.parametrize("written", ["Zoë", "ZOË", "zoë", "Zoe\u0308", "ZOE\u0308", "Ｚｏë"])
def test_a_name_is_redacted_however_its_letters_are_written(written):
    """NFC, NFD (a combining diaeresis), capitals and full-width letters: one name."""
    texts = pd.Series([f"{written} and {written}'s friend spoke first."], dtype="string")
    out = redact_names(texts, ["Zoë Brontë"])
    assert out.iloc[0] == "[name] and [name]'s friend spoke first."


def test_texts_plans_and_refi_share_one_redaction():
    """redact_names is the offset-keeping Redaction applied to each text."""
    names = ["Amy Lee", "Abernethy-Clark"]
    texts = ["Amy Lee said so.", "Ask Abernethy about it", None, "nobody here"]
    out = redact_names(pd.Series(texts, dtype="string"), names)
    for text, got in zip(texts, out, strict=True):
        if text is None:
            assert got is pd.NA
        else:
            assert got == redact_with_offsets(text, names).text
    assert list(out[:2]) == ["[name] said so.", "Ask [name] about it"]
