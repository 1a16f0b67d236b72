"""The data health report's glance hook: how complete and sound the data are, in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slc_research.casestudies.glance import GlanceFacts, estimate_of, number, recorded
from slc_research.words import listed, plural, was_or_were

__all__ = ["facts"]



def facts(result: Any) -> GlanceFacts:
    """The data health report's plain findings and limits, from its recorded values.

    Parameters
    ----------
    result : Result
        The data health result.

    Returns
    -------
    GlanceFacts
        Rows read and left out, repairs, repeated rows, unlikely values, questionnaire
        response and drop-out.
    """
    records = recorded(result)
    findings = []
    if records.get("rows_read") is not None and records.get("n_sources"):
        files, left = records["n_sources"], records.get("rows_left_out") or 0
        held = (f"The file held {plural(records['rows_read'], 'row')}" if files == 1 else
                f"The {files:,} files held {plural(records['rows_read'], 'row')}")
        findings.append(f"{held}; {plural(left, 'row')} {was_or_were(left)} left out."
                        if left else f"{held}; none was left out.")
    if records.get("n_repairs"):
        repaired = records["n_repairs"]
        findings.append(f"{plural(repaired, 'value')} {was_or_were(repaired)} repaired as "
                        f"{'it was' if repaired == 1 else 'they were'} read.")
    repeated = _total(records.get("n_duplicates"))
    if repeated is not None:
        findings.append("No row was repeated." if not repeated else
                        f"{plural(repeated, 'row')} {was_or_were(repeated)} repeated exactly; "
                        "two such rows can be two real events.")
    unlikely = _total(records.get("n_out_of_range"))
    if unlikely is not None:
        findings.append("No value looked unlikely." if not unlikely else
                        f"{plural(unlikely, 'value')} {was_or_were(unlikely)} allowed but "
                        "unlikely: check them.")
    rates = records.get("response_rate")
    if isinstance(rates, Mapping):
        findings += _response(rates)[:max(0, 6 - len(findings))]
    return GlanceFacts(
        tuple(findings[:6]),
        "This report checks the data, not the communities, so it has no strength of "
        "evidence of its own: it says how far the other reports can be trusted.",
        ("It can tell us what the files held, what was repaired or left out, and who "
         "answered the questionnaires.",
         "It cannot tell us whether a value that looks right is true."))


def _response(rates: Mapping[str, Any]) -> list[str]:
    """A sentence per questionnaire, its waves together, the one most answered first."""
    by_survey: dict[str, list[tuple[str, float, int]]] = {}
    for name, value in rates.items():
        rate = estimate_of(rates, name)
        if rate is None:
            continue
        survey, _, wave = str(name).rpartition(" wave ")
        if not survey:
            survey, wave = str(name), ""
        by_survey.setdefault(survey, []).append((wave, rate[0], int(value.get("n") or 0)))
    order = sorted(by_survey, key=lambda s: -max(r[1] for r in by_survey[s]))
    out = []
    for survey in order:
        waves = by_survey[survey]
        parts = [f"{number(rate * 100, 0)}%" + (f" at wave {wave}" if wave else "")
                 for wave, rate, _ in waves]
        out.append(f"Of the pupils on roll, {listed(parts)} answered the {_words(survey)}.")
    return out


def _total(counts: Any) -> int | None:
    if not isinstance(counts, Mapping):
        return None
    return int(sum(v for v in counts.values() if isinstance(v, int | float)))


def _words(name: str) -> str:
    return str(name).replace("_", " ")
