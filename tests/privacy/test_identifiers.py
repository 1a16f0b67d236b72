"""The one identifier matcher (issue 15, cases 1 and 8): folding, ids, dates, names, offsets.

The same :class:`Identifiers.find` serves redaction at load and ``check-outputs``; these
tests use crafted values in the shapes MIS exports write them (a 13-character UPN, a
six-digit admission number, UK dates of birth).
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slc_research.privacy.folding import fold, fold_text
from slc_research.privacy.identifiers import Identifiers
from slc_research.privacy.redaction import Redaction, redact_texts, redaction_identifiers
from slc_research.privacy.written_dates import day_of, find_days

UPN = "M021324518321"


@pytest.fixture
def check() -> Identifiers:
    """What check-outputs looks for: single names only with a capital, "Green" a word."""
    return Identifiers.build(names=["Zoë", "Ångström", "Chidi", "Adebayo", "Amy", "Green"],
                             full_names=["Zoë Ångström", "Chidi Adebayo", "Amy Green"],
                             ids=[UPN, "004512", "ABX"], dates=["04/03/2012"],
                             emails=["zoe.angstrom@pupils.school.org"], common=["green"])


@pytest.fixture
def redact() -> Identifiers:
    return redaction_identifiers(names=["Zoë Ångström", "Chidi Adebayo", "Amy Green", "Li"],
                                 ids=[UPN, "004512", "ABX"], dates=["04/03/2012"],
                                 emails=["zoe.angstrom@pupils.school.org"])


def kinds(ident: Identifiers, text: str) -> list[tuple[str, str]]:
    return [(m.kind, m.text) for m in ident.find(text)]


# -- folding --------------------------------------------------------------------------------

@pytest.mark.parametrize(("written", "folded"), [
    ("Zoe\u0308", "zoe"), ("Zoë", "zoe"), ("ZOË", "zoe"), ("Ｚｏë", "zoe"),
    ("A\u030angstro\u0308m", "angstrom"), ("Ångström", "angstrom"),
    ("Chi\u00addi", "chidi"), ("Chi\u200bdi", "chidi"), ("Chi\u200cdi\u200d", "chidi"),
    ("Chi\u2060di", "chidi"), ("\ufeffChidi", "chidi"), ("O’Neill", "o'neill"),
    ("Straße", "strasse"),
])
def test_folding_reads_each_written_form_alike(written, folded):
    assert fold(written) == folded


def test_folded_spans_map_back_to_the_text_as_written():
    text = "Hi Zoe\u0308 A\u030angstro\u0308m and Chi\u00addi!"
    f = fold_text(text)
    assert f.text == "hi zoe angstrom and chidi!"
    s = f.text.index("zoe angstrom")
    start, end = f.span(s, s + len("zoe angstrom"))
    assert text[start:end] == "Zoe\u0308 A\u030angstro\u0308m"  # the trailing mark too
    s = f.text.index("chidi")
    start, end = f.span(s, s + 5)
    assert text[start:end] == "Chi\u00addi"


def _folded_char_by_char(text: str) -> tuple[str, list[int]]:
    """The folding rule written out one character at a time (the module docstring's rule)."""
    import unicodedata

    out, where = [], []
    for i, c in enumerate(text):
        if unicodedata.category(c) in {"Mn", "Me", "Cf"}:
            continue
        piece = "".join(ch for ch in unicodedata.normalize("NFKD", unicodedata.normalize(
            "NFKD", c).casefold()) if unicodedata.category(ch) not in {"Mn", "Me", "Cf"})
        piece = piece.replace("\u2019", "'").replace("\u2018", "'")
        out.append(piece)
        where.extend([i] * len(piece))
    return "".join(out), where


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
       | st.lists(st.sampled_from(["Zoë ", "A\u030a", "abc DEF ", "\u00ad", "Ｚ", "ß", "\u2019",
                                   "\U0001f600", "Ꭰ", "ꭰ", "İ", "\n"]),
                  max_size=20).map("".join))
def test_folding_in_runs_equals_the_rule_applied_character_by_character(text):
    folded, where = _folded_char_by_char(text)
    f = fold_text(text)
    assert f.text == folded
    assert fold(text) == folded
    if f.where is not None:
        assert list(f.where[:-1]) == where
        assert f.where[-1] == len(text)


# -- names ----------------------------------------------------------------------------------

def test_case1_combining_characters_are_found_in_composed_and_decomposed_forms(check):
    assert kinds(check, "Well done Zoe\u0308 A\u030angstro\u0308m!") == [
        ("full name", "Zoe\u0308 A\u030angstro\u0308m")]
    assert kinds(check, "ZOË ÅNGSTRÖM spoke") == [("full name", "ZOË ÅNGSTRÖM")]
    assert kinds(check, "Zoë spoke") == [("name", "Zoë")]


def test_case1_soft_hyphens_and_zero_width_characters_do_not_hide_a_name(check):
    assert kinds(check, "by Chi\u00addi Ade\u00adbayo.") == [
        ("full name", "Chi\u00addi Ade\u00adbayo")]
    assert kinds(check, "by Chi\u200bdi") == [("name", "Chi\u200bdi")]


def test_no_name_inside_a_longer_word(check, redact):
    assert kinds(check, "Amyas and Zoey and Chidiebere came") == []
    assert Redaction("Amyas and Lisa and Li came", redact).text == "Amyas and Lisa and [name] came"


def test_a_name_that_is_a_word_is_found_only_in_full(check):
    assert kinds(check, "the Green team") == []
    assert kinds(check, "Green, Amy said") == [("full name", "Green, Amy")]


def test_the_check_wants_a_capital_redaction_does_not(check, redact):
    assert kinds(check, "zoë") == []
    assert Redaction("zoë and AMY's idea", redact).text == "[name] and [name]'s idea"


# -- ids ------------------------------------------------------------------------------------

@pytest.mark.parametrize("written", [UPN, "M021 3245 18321", "m021-3245-18321",
                                     "M021  3245-18321", "m021324518321"])
def test_case1_an_id_is_found_however_it_is_spaced_or_cased(check, written):
    assert kinds(check, f"pupil {written}, year 7") == [("real id", written)]


@pytest.mark.parametrize("text", [f"X{UPN}", f"{UPN}7", f"{UPN}X", "10045123", "4512.5",
                                  "0045120", "abx"])
def test_an_id_is_never_found_inside_a_longer_run(check, text):
    assert kinds(check, f"see {text} here") == []


def test_short_ids_only_in_capitals_and_numbers_in_decimals_are_not_ids(check):
    assert kinds(check, "code ABX, adno 004512") == [("real id", "ABX"), ("real id", "004512")]
    assert kinds(check, "mean 004512.5") == []


# -- dates of birth -------------------------------------------------------------------------

@pytest.mark.parametrize("written", [
    "4/3/2012", "04/03/2012", "4.3.2012", "4-3-2012", "4/3/12", "4 March 2012",
    "4th March 2012", "4 Mar 2012", "4th of March, 2012", "March 4th 2012", "March 4, 2012",
    "2012-03-04", "4 MARCH 2012"])
def test_case1_a_date_of_birth_is_found_in_every_written_form(check, written):
    assert kinds(check, f"born {written}.") == [("date of birth", written)]


@pytest.mark.parametrize("text", ["5/3/2012", "3/4/2012", "2012-04-03", "4 April 2012",
                                  "14/3/2012", "4/3/20121", "1.4/3/2012"])
def test_other_dates_are_not_dates_of_birth(check, text):
    assert kinds(check, f"on {text}") == []


def test_roster_cells_are_read_day_first():
    assert day_of("04/03/2012") == "2012-03-04"
    assert day_of("2012-03-04 00:00:00") == "2012-03-04"
    assert day_of(pd.Timestamp("2012-03-04")) == "2012-03-04"
    assert day_of("4 March 2012") == "2012-03-04"
    assert day_of("not a date") is None
    assert [d for *_, d in find_days("31/02/2012 and 29/02/2012")] == ["2012-02-29"]


# -- emails ---------------------------------------------------------------------------------

def test_emails_any_case_and_any_address(check):
    assert kinds(check, "mail ZOE.Angstrom@Pupils.School.org or x.y@other.co.uk") == [
        ("email address", "ZOE.Angstrom@Pupils.School.org"), ("email address", "x.y@other.co.uk")]


# -- redaction with offsets -----------------------------------------------------------------

def test_case1_redaction_replaces_every_kind_and_keeps_passages_in_place(redact):
    text = ("Zoe\u0308 A\u030angstro\u0308m (M021 3245 18321, born 4th March 2012, "
            "zoe.angstrom@pupils.school.org) helped Chi\u00addi Ade\u00adbayo.")
    red = Redaction(text, redact)
    assert red.text == "[name] ([id], born [date of birth], [email]) helped [name]."
    s = text.index("helped")
    start, end = red.offsets(s, s + len("helped"))
    assert red.text[start:end] == "helped"
    s = text.index("Chi")
    start, end = red.offsets(s, len(text) - 1)  # a passage starting at a name takes it whole
    assert red.text[start:end] == "[name]"


def test_redact_texts_keeps_missing_texts_missing(redact):
    out = redact_texts(pd.Series(["Li said", None], dtype="string"), redact)
    assert out.iloc[0] == "[name] said"
    assert pd.isna(out.iloc[1])


def test_identifiers_never_show_themselves(check):
    assert "Zo" not in repr(check)
    assert "M021" not in repr(check)


# -- names with an apostrophe (privacy18) ----------------------------------------------------

@pytest.mark.parametrize("written", ["Zoe ONeill", "ZOE ONEILL", "zoe o neill", "Zoë O’Neill",
                                     "O'NEILL, ZOË"])
def test_a_name_with_an_apostrophe_is_found_written_without_it(written):
    """Pupils type "ONeill" or "O Neill" for O'Neill: a full name, in any case, in the check."""
    ident = Identifiers.build(names=["Zoë", "O'Neill"], full_names=["Zoë O'Neill"])
    assert [m.kind for m in ident.find(f"I sat with {written} today")] == ["full name"]


@pytest.mark.parametrize(("text", "redacted"), [
    ("ONeill helped", "[name] helped"), ("ask oneill's friend", "ask [name]'s friend"),
    ("Ms O Neill", "Ms [name]"), ("Neill said", "[name] said"), ("Neil said", "Neil said")])
def test_redaction_takes_a_name_written_without_its_apostrophe(text, redacted):
    ident = redaction_identifiers(names=["Zoë", "O'Neill", "Zoë O'Neill"])
    assert Redaction(text, ident).text == redacted


@pytest.mark.parametrize("written", ["zoe.oneill", "zoe_o_neill_reflections", "ZOE.ONEILL"])
def test_a_full_name_joined_by_a_dot_or_underscore_is_found_in_any_case(written):
    """A user name or an email's local part ("zoe.oneill"), a slug ("zoe_o_neill"): the
    check flags a single name only with a capital, so these were passed in lower case."""
    ident = Identifiers.build(names=["Zoë", "O'Neill"], full_names=["Zoë O'Neill"])
    assert [m.kind for m in ident.find(f"login {written} today")] == ["full name"]


def test_a_dot_ending_a_sentence_does_not_join_two_names(check):
    assert kinds(check, "I met Amy. Green leaves") == [("name", "Amy")]
