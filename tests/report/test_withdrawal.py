"""Withdrawal after reports exist: a pupil whose words are quoted in the voices report
withdraws (``private/consent.csv``); the next run reruns the report (the workspace's cache
key changes with the consent register) and the quote and every trace of the pupil are gone
from every output. Both runs also pass ``check-outputs``, which ends every report run."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from slc_research.cli import main
from slc_research.privacy.pseudonyms import Pseudonymiser
from slc_research.report.runs import read_ledger
from slc_research.workspace.enquiry import Enquiry

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]


def _quotes(page: str) -> list[tuple[str, str]]:
    """(quote, who) of every row of the exemplar quotes table."""
    start = page.index("Exemplar quotes")
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page[start:], flags=re.S)
    out = []
    for row in rows:
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        if len(cells) == 3:
            out.append((cells[1], cells[2]))
    return out


def _all_text(folder: Path) -> str:
    return "\n".join(html.unescape(p.read_text(encoding="utf-8", errors="replace"))
                     for p in sorted(folder.rglob("*")) if p.is_file())


def test_a_withdrawn_pupil_disappears_from_every_output(demo_workspace, tmp_path, capsys):
    ws = tmp_path / "trust"
    shutil.copytree(demo_workspace, ws)
    out = tmp_path / "out"
    command = ["report", str(ws), "--notebook", "voices", "--out", str(out), "--quiet"]
    assert main(command) == 0, capsys.readouterr().err  # the check passed on the demo
    page = (out / "voices.html").read_text(encoding="utf-8")
    texts = Enquiry.open(ws).table("texts")
    key_before = Enquiry.open(ws).cache_key
    pupils = texts[texts["author_type"] == "pupil"].dropna(subset=["author_id"])

    # a pupil's quote, and every pupil who wrote a text holding it (texts can repeat)
    candidates = []
    for quote, who in _quotes(page):
        if "pupil" not in who.lower():
            continue
        authors = set(pupils.loc[pupils["text"].str.contains(quote, regex=False),
                                 "author_id"].astype(str))
        if authors:
            candidates.append((len(authors), quote, authors))
    assert candidates, "the voices report shows no pupil's quote"
    _, quote, authors = min(candidates)
    assert quote in html.unescape(page)

    consent = pd.read_csv(ws / "private" / "consent.csv", dtype=str, keep_default_na=False)
    key = Pseudonymiser.for_workspace(ws / "private")
    pseudonyms = key.pseudonymise(consent["id"], "pupil")
    leaving = (pseudonyms.isin(authors) & (consent["type"] == "pupil")).to_numpy()
    assert leaving.sum() == len(authors)
    consent.loc[leaving, "status"] = "withdrawn"
    consent.to_csv(ws / "private" / "consent.csv", index=False)

    inputs_before = read_ledger(out)["voices"]["inputs"]
    assert Enquiry.open(ws).cache_key != key_before  # consent is part of the cache key
    assert main(command) == 0, capsys.readouterr().err
    assert read_ledger(out)["voices"]["inputs"] != inputs_before  # rerun, not skipped

    everything = _all_text(out)
    assert {"voices.html", "index.html", "summary.csv"} <= {p.name for p in out.iterdir()}
    assert quote not in everything
    for pseudonym in authors:
        assert pseudonym not in everything
    for upn in consent.loc[leaving, "id"]:
        assert upn not in everything
    gone = set(Enquiry.open(ws).table("texts")["author_id"].dropna().astype(str))
    assert not gone & authors
