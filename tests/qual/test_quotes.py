"""Exemplar quotes: quotable texts only, whole sentences first, no ids in attributions."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from slc_research.errors import ConfigError
from slc_research.qual import attribution_labels, exemplar_quotes, shorten


@pytest.fixture
def memberships() -> pd.DataFrame:
    return pd.DataFrame({
        "member_id": ["P-00000000a1", "P-00000000a2", "S-00000000b1"],
        "community": ["SLC A", "SLC A", "TLC 1"],
        "role": ["pedagogy lead", "Member", "Facilitator"],
    })


def _labels():
    first, second = sorted(["P-00000000a1", "P-00000000a2"],
                           key=lambda p: hashlib.sha256(p.encode()).hexdigest())
    return {first: "Pupil 1", second: "Pupil 2"}


def test_quotes_one_per_code(texts, codings, memberships):
    q = exemplar_quotes(texts, codings, memberships=memberships)
    assert list(q.columns) == ["code", "quote", "attribution"]
    assert list(q["code"]) == ["dialogue", "learning", "voice"]
    by_code = q.set_index("code")
    assert by_code.loc["learning", "quote"] == "It helps me learn."  # the whole sentence wins
    assert by_code.loc["dialogue", "quote"] == "We plan lesson"  # the only one
    label = _labels()["P-00000000a1"]
    assert by_code.loc["learning", "attribution"] == f"{label}, Pedagogy lead"
    assert by_code.loc["dialogue", "attribution"] == _labels()["P-00000000a2"]  # a "Member"


def test_quotes_never_from_unquotable_texts_nor_carry_ids(texts, codings, memberships):
    q = exemplar_quotes(texts, codings, per_code=5, memberships=memberships)
    assert "Staff" not in set(q["quote"])  # t3 is not quotable
    joined = " ".join(q["quote"]) + " " + " ".join(q["attribution"])
    assert "P-" not in joined
    assert "S-" not in joined


def test_one_author_once_per_code_and_parents(texts, codings):
    q = exemplar_quotes(texts, codings, codes=["learning"], per_code=3)
    assert list(q["quote"]) == ["It helps me learn.", "Good"]  # t5 is the same pupil as t1
    assert q["attribution"].tolist()[1] == "A parent"


def test_quotes_are_deterministic_and_seeded(texts, codings):
    a = exemplar_quotes(texts, codings, codes=["voice"], seed=1)
    b = exemplar_quotes(texts.sample(frac=1, random_state=3), codings.iloc[::-1], codes=["voice"],
                        seed=1)
    pd.testing.assert_frame_equal(a, b)
    picks = {exemplar_quotes(texts, codings, codes=["voice"], seed=s)["quote"].iloc[0]
             for s in range(12)}
    assert picks == {"I like the talk.", "We plan lessons with [name] and teachers."}


def test_long_quotes_are_cut_at_a_word(texts, codings):
    q = exemplar_quotes(texts, codings, codes=["voice"], per_code=2, max_chars=20)
    long = q[q["quote"].str.startswith("We plan")]["quote"].iloc[0]
    assert long == "We plan lessons…"
    assert len(long) <= 20


def test_pseudonyms_left_in_text_are_masked(texts, codings):
    leaky = texts.assign(text=texts["text"].replace("Good", "Ask P-0123456789 about it."))
    q = exemplar_quotes(leaky, codings, codes=["learning"], per_code=3)
    assert "Ask [id] about it." in set(q["quote"])


def test_shorten():
    assert shorten("short", 20) == "short"
    assert shorten("We plan the lesson together and then we teach it", 20) == "We plan the lesson…"
    assert shorten("Supercalifragilistic", 10) == "Supercali…"


def test_attribution_labels_hash_order_and_fallbacks(memberships):
    authors = pd.DataFrame({
        "author_id": ["P-00000000a2", "P-00000000a1", "S-00000000b1", None, None, None],
        "author_type": ["pupil", "pupil", "staff", "parent", "staff", "anonymous"],
        "community": ["SLC A", "Elsewhere", "TLC 1", None, None, None],
    })
    labels = attribution_labels(authors, memberships).tolist()
    names = _labels()
    assert labels[0] == names["P-00000000a2"]
    assert labels[1] == names["P-00000000a1"]  # not a member of "Elsewhere": no role
    assert labels[2:] == ["Staff member 1, Facilitator", "A parent", "A member of staff",
                          "Anonymous respondent"]


def test_quote_errors(texts, codings):
    with pytest.raises(ConfigError, match="per_code must be a whole number of at least 1"):
        exemplar_quotes(texts, codings, per_code=0)
    with pytest.raises(ConfigError, match="max_chars must be a whole number of at least 20"):
        exemplar_quotes(texts, codings, max_chars=5)
    with pytest.raises(ConfigError, match="memberships table lacks column"):
        exemplar_quotes(texts, codings, memberships=pd.DataFrame({"member_id": ["x"]}))


def test_a_passage_both_coders_gave_the_code_is_preferred(texts, codings):
    both = pd.concat([codings, pd.DataFrame({"text_id": ["t4"], "coder": ["B"],
                                             "code": ["learning"]})], ignore_index=True)
    assert exemplar_quotes(texts, codings, codes=["learning"])["quote"].iloc[0] == (
        "It helps me learn.")
    assert exemplar_quotes(texts, both, codes=["learning"])["quote"].iloc[0] == "Good"


def test_a_text_already_quoted_is_avoided(texts, codings):
    for seed in range(6):
        q = exemplar_quotes(texts, codings, codes=["learning", "voice"], seed=seed)
        assert list(q["quote"]) == ["It helps me learn.",
                                    "We plan lessons with [name] and teachers."]
