"""The voices case study: its parameters, its result on small hand-made codings, and the
notebook that shows it (a parameters cell, one run, one show per section)."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pandas as pd
import pytest

from slc_research.casestudies.voices import STUDY
from slc_research.casestudies.voices.study import run
from slc_research.errors import ConfigError
from slc_research.qual import NO_CODING

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "voices.ipynb"
KEYS = ["codebook", "frequencies", "together", "agreement", "quotes", "about_data"]


def enquiry(texts, codings, codebook, threshold):
    """What ``run`` reads of an opened enquiry, made from the hand-made tables."""
    return SimpleNamespace(title="Test enquiry", texts=texts, codings=codings,
                           codebook=codebook, memberships=None,
                           suppression_threshold=threshold)


def params(**values):
    return {"source": "", "community": "", "coder": "", "quotes_per_code": 1, **values}


# --- parameters --------------------------------------------------------------------------------

def test_validate_accepts_the_defaults_and_cleans_text(tmp_path):
    (tmp_path / "enquiry.toml").write_text("")
    p = STUDY.validate(workspace=str(tmp_path), source=" interview ", coder="A",
                       quotes_per_code=2)
    assert p == {"workspace": tmp_path.resolve(), "source": "interview", "community": "",
                 "coder": "A", "quotes_per_code": 2}
    assert STUDY.validate(workspace=str(tmp_path), community=None)["community"] == ""
    assert STUDY.validate(workspace=str(tmp_path)) == {**p, "source": "", "coder": "",
                                                       "quotes_per_code": 1}


@pytest.mark.parametrize(("kwargs", "key", "match"), [
    ({"workspace": ""}, "workspace", "expected the path"),
    ({"workspace": "/no/such/folder"}, "workspace", "does not exist"),
    ({"source": 3}, "source", 'expected text in quotes, e.g. "interview", or "" for all; '
                              "found 3"),
    ({"community": ["a"]}, "community", "expected text in quotes, e.g. \"a community's name\""),
    ({"coder": 1}, "coder", 'expected text in quotes, e.g. "A"'),
    ({"quotes_per_code": 0}, "quotes_per_code", "from 1 to 5"),
    ({"quotes_per_code": True}, "quotes_per_code", "from 1 to 5"),
    ({"quotes_per_code": 2.0}, "quotes_per_code", "from 1 to 5"),
    ({"quotes_per_code": 6}, "quotes_per_code", "from 1 to 5; found 6"),
    ({"quote_per_code": 2}, "quote_per_code", "did you mean 'quotes_per_code'?"),
])
def test_validate_names_the_bad_parameter(tmp_path, kwargs, key, match):
    (tmp_path / "enquiry.toml").write_text("")
    args = {"workspace": str(tmp_path), **kwargs}
    with pytest.raises(ConfigError, match=re.escape(match)) as err:
        STUDY.validate(**args)
    assert err.value.key == key


def test_validate_needs_an_enquiry_toml(tmp_path):
    with pytest.raises(ConfigError, match="has no enquiry.toml"):
        STUDY.validate(workspace=str(tmp_path))


# --- the result --------------------------------------------------------------------------------

def test_every_section_and_the_headline_records(texts, codings, codebook):
    result = run(enquiry(texts, codings, codebook, threshold=1), params())
    assert [s.key for s in result] == KEYS
    assert result.title == "Test enquiry: voices (all texts)"
    records = result.all_records
    # coder A's codings count (the first coder of every text): 5 texts, 3 of the 4 codes
    assert records["n_texts_coded"] == 5
    assert records["n_codes"] == 3
    assert records["top_codes"] == ["learning", "voice", "dialogue"]
    assert records["coders"] == ["A", "B"]
    assert records["n_texts_double_coded"] == 3  # t1, t2 and t5
    assert records["codings_dropped"] == 1  # t9 is not in the texts
    assert result["codebook"].finding == (
        "The coders used 3 of the codebook's 4 codes on 5 coded texts; the commonest was "
        "\u201clearning\u201d, given to 60% of them.")
    # on t1, t2 and t5 the coders agree on voice (kappa 1) and dialogue (A once, B twice:
    # kappa 0.4); only A gave learning, so its kappa (0) has no interval and is not compared
    assert result["agreement"].finding.endswith(
        "they agreed least on \u201cdialogue\u201d (kappa = 0.40).")
    assert "too few to trust" in result["agreement"].finding
    assert any("Only 3 texts were coded by both coders" in p
               for p in result["agreement"].paragraphs)
    assert result["about_data"].finding.startswith("5 of the 5 texts in this report are coded")
    assert all(s.finding for s in result)


def test_findings_state_no_number_of_a_group_below_the_threshold(texts, codings, codebook):
    result = run(enquiry(texts, codings, codebook, threshold=5), params())
    codebook_finding = result["codebook"].finding
    assert "60%" not in codebook_finding
    assert "no code was given to 5 or more texts" in codebook_finding
    assert result["together"].finding == ("No two codes were given together to 5 or more "
                                          "texts, too few to report any pair.")
    assert result["together"].tables == ()
    assert result["frequencies"].finding.startswith("No code was given to 5 or more texts")
    # the coders' counts of each code (1 to 4 texts) are withheld in the table and the chart
    table = result["agreement"].tables[0].frame
    per_code = table[table["Code"] != "All codes"]
    assert set(per_code["Coder A gave it"].astype(str)) <= {"<5", "0"}
    chart = result["agreement"].charts[0].to_dict()
    rows = next(iter(chart["datasets"].values()))
    assert all(r["n_first"] is None or r["n_first"] == 0 or r["n_first"] >= 5 for r in rows)


def test_without_coding_every_section_says_so(texts, codebook):
    none = pd.DataFrame({c: pd.Series(dtype="string") for c in ("text_id", "coder", "code")})
    result = run(enquiry(texts, none, codebook, threshold=5), params())
    assert [s.key for s in result] == KEYS
    for key in KEYS[:-1]:
        assert result[key].finding == NO_CODING + ".", key
        assert result[key].tables == (), key
        assert result[key].charts == (), key
    assert result["about_data"].finding == "None of the 5 texts in this report is coded yet."
    assert NO_CODING + "." in result["about_data"].items
    assert result.all_records == {"title": "Test enquiry: voices (all texts)",
                                  "n_texts_coded": 0, "n_codes": 0, "top_codes": [],
                                  "kappa": {}, "kappa_overall": None, "alpha": None}


def test_a_source_no_text_comes_from_fails_loudly(texts, codings, codebook):
    with pytest.raises(ConfigError, match="no texts have source 'minutes'") as err:
        run(enquiry(texts, codings, codebook, threshold=1), params(source="minutes"))
    assert err.value.key == "source"


# --- the notebook ------------------------------------------------------------------------------

def test_the_notebook_shows_each_section_once_with_no_logic_of_its_own():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in nb.cells[0].metadata["tags"]
    body = "\n".join(code[1:])
    tree = ast.parse(body)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.If | ast.For | ast.While
                                                        | ast.IfExp | ast.comprehension)]
    assert sum(1 for line in body.splitlines() if line.strip()) <= 40
    assert "STUDY.run_notebook(" in code[1]
    assert re.findall(r'show\(result\["(\w+)"\]\)', body) == ["at_a_glance", *KEYS]
    assert all(c.source.lstrip().startswith("#") for c in nb.cells[1:]
               if c.cell_type == "markdown")
