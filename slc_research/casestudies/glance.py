""""At a glance": what a report found, in three to six plain sentences, before anything else.

:func:`at_a_glance` turns a case study's :class:`~slc_research.casestudies.result.Result`
into a :class:`Glance`: the findings (what changed, for whom, how big in words with the
number, how sure in words), the strength of the evidence in one line, and what the report
can and cannot tell us. It is built from the result's recorded values, never scraped from a
rendered page, and the report, the notebook (``show(result["at_a_glance"])``), the index,
the summary, the slides and the PDF all reuse it.

Each case study contributes its own facts through one small hook: a function
``facts(result) -> GlanceFacts`` in its package's ``glance`` module, named in
:data:`HOOKS` (named rather than imported, so this module imports no case study). The
sentences are made with the helpers here (:func:`change_sentence`, :func:`size_in_words`,
:func:`how_sure`, :func:`number`), so every report says "how big" and "how sure" the same way.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pandas as pd

__all__ = ["HOOKS", "Glance", "GlanceFacts", "at_a_glance", "change_sentence", "estimate_of",
           "how_sure", "number", "outcome_rows", "plain_title", "rating_line", "recorded",
           "share_sentence", "short_outcome", "size_in_words"]

#: Case study (a result's ``case_study``) -> its glance hook, ``"module:function"``.
HOOKS: Mapping[str, str] = MappingProxyType({
    "slc_impact": "slc_research.casestudies.slc_impact.glance:facts",
    "tlc_impact": "slc_research.casestudies.tlc.glance:facts",
    "student_led_conferences": "slc_research.casestudies.conferences.glance:facts",
    "coproduction_pilot": "slc_research.casestudies.coproduction.glance:facts",
    "voices": "slc_research.casestudies.voices.glance:facts",
    "data_health": "slc_research.casestudies.data_health.glance:facts",
})

#: Fewest and most findings a glance holds.
FEWEST, MOST = 3, 6


@dataclass(frozen=True)
class GlanceFacts:
    """What one case study contributes to its glance (returned by its hook).

    Attributes
    ----------
    findings : tuple of str
        Plain findings, most important first (at most six are kept).
    evidence : str
        The strength of the evidence explained in one line.
    can_and_cannot : tuple of str
        What this report can tell us, then what it cannot.
    """

    findings: tuple[str, ...]
    evidence: str
    can_and_cannot: tuple[str, ...] = ()


@dataclass(frozen=True)
class Glance:
    """A report's "At a glance": shown first in the report and reused by the index.

    Attributes
    ----------
    title : str
        The report's title, in words (no "learn?: Hillside SLC" artefacts).
    findings : tuple of str
        Three to six plain findings: what changed, for whom, how big in words with the
        number, and how sure in words.
    evidence : str
        The strength of the evidence explained in one line.
    can_and_cannot : tuple of str
        What this report can tell us, then what it cannot.
    about : str
        What the report is about (the result's opening sentence), shown after the glance.
    """

    title: str
    findings: tuple[str, ...]
    evidence: str
    can_and_cannot: tuple[str, ...]
    about: str = ""

    @property
    def text(self) -> str:
        """Every sentence of the glance as one text (what the reading-ease test measures)."""
        return " ".join((*self.findings, self.evidence, *self.can_and_cannot))

    def to_record(self) -> dict[str, Any]:
        """The glance as the plain values a notebook records for the index and summary."""
        return {"title": self.title, "findings": list(self.findings),
                "evidence": self.evidence, "can_and_cannot": list(self.can_and_cannot)}


def at_a_glance(result: Any) -> Glance:
    """The "At a glance" of a case study's result.

    Parameters
    ----------
    result : Result
        What a case study's ``run`` returned.

    Returns
    -------
    Glance
        Three to six findings (the study's own, then the sections' plain findings when it
        gives fewer than three), the evidence line and what the report can and cannot tell.
    """
    hook = HOOKS.get(result.case_study)
    facts = _hook(hook)(result) if hook else GlanceFacts((), "")
    findings = [f for f in facts.findings if f][:MOST]
    for section in result.sections:  # too few: the sections' own first sentences, if plain
        if len(findings) >= FEWEST:
            break
        first = _first_sentence(section.finding)
        if first and _plain(first) and not any(_says_the_same(first, f) for f in findings):
            findings.append(first)
    evidence = facts.evidence or ("This report describes what happened; it has no comparison "
                                  "group, so it cannot show what caused it.")
    return Glance(title=plain_title(result), findings=tuple(findings), evidence=evidence,
                  can_and_cannot=tuple(facts.can_and_cannot),
                  about=str(getattr(result, "summary", "") or ""))


def plain_title(result: Any) -> str:
    """The report's title without the enquiry's question in front ("learn?: Hillside SLC").

    The case studies title a report ``"<enquiry title>: <what it covers>"``; the part after
    the enquiry's question (ending ``?`` or ``)``) is what the report covers.

    Parameters
    ----------
    result : Result or str
        A result, or a recorded title.
    """
    title = result if isinstance(result, str) else str(result.title)
    head, sep, tail = title.rpartition(": ")
    if sep and re.search(r"[?)]\s*$", head) and tail:
        tail = tail[0].upper() + tail[1:]
        return tail
    return title


# --- the words every study uses --------------------------------------------------------------

def number(value: float, decimals: int = 2) -> str:
    """``value`` rounded for reading, never "-0.0" or "nan" (``"–"`` when missing)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if re.fullmatch(r"-0(\.0*)?", text):
        text = text[1:]
    return text


def size_in_words(estimate: float, *, rise: str = "rise", fall: str = "fall") -> str:
    """How big a standardised difference is, in words: "a moderate rise".

    Follows the usual reading of standardised mean differences (Cohen, 1988): under 0.05 is
    hardly any change, under 0.2 small, under 0.5 moderate, under 0.8 large, then very large.

    Parameters
    ----------
    estimate : float
        In standard deviations (d, g, h, d_ppc2).
    rise, fall : str
        The words for a positive and a negative change.
    """
    size = abs(estimate)
    if size < 0.05:
        return "hardly any change"
    word = ("a small" if size < 0.2 else "a moderate" if size < 0.5 else "a large"
            if size < 0.8 else "a very large")
    return f"{word} {rise if estimate > 0 else fall}"


def how_sure(ci_low: float, ci_high: float, *, decimals: int = 2, unit: str = "") -> str:
    """The interval in words: "we can be fairly sure it is between 0.23 and 0.62".

    An interval that holds 0 adds "so it could be no change at all".
    """
    lo, hi = number(ci_low, decimals) + unit, number(ci_high, decimals) + unit
    if ci_low <= 0 <= ci_high:
        return f"it could be anywhere between {lo} and {hi}, so it could be no change at all"
    return f"we can be fairly sure it is between {lo} and {hi}"


def change_sentence(what: str, estimate: float, ci_low: float, ci_high: float, *,
                    scale: str = "standard", decimals: int = 2,
                    rise: str = "rise", fall: str = "fall") -> str:
    """One finding about a change: what changed and for whom, how big, how sure.

    Parameters
    ----------
    what : str
        What changed and for whom, a full clause: "Members' engagement in lessons rose more
        than similar pupils'".
    estimate, ci_low, ci_high : float
        The recorded estimate and its 95% interval.
    scale : str
        ``"standard"`` (standard deviations: size in words), ``"percent"`` (percentage
        points), or the unit's words ("points a week").
    decimals : int
    rise, fall : str
        The words for a positive and a negative change.

    Returns
    -------
    str
        E.g. "Members' engagement rose more than other pupils'. It was a moderate rise: 0.43
        on the standard scale. We can be fairly sure it is between 0.23 and 0.62."
    """
    if scale == "standard":
        size = (f"It was {size_in_words(estimate, rise=rise, fall=fall)}: "
                f"{number(estimate, decimals)} on the standard scale.")
        sure = how_sure(ci_low, ci_high, decimals=decimals)
    elif scale == "percent":
        size = f"The change was {number(estimate, decimals)} percentage points."
        sure = how_sure(ci_low, ci_high, decimals=decimals)
    else:
        size = f"The change was {number(estimate, decimals)} {scale}."
        sure = how_sure(ci_low, ci_high, decimals=decimals)
    return f"{what.rstrip('.')}. {size} {sure[0].upper()}{sure[1:]}."


def share_sentence(what: str, estimate: float, ci_low: float, ci_high: float, *,
                   decimals: int = 0) -> str:
    """A finding about a share, in per cent: "82% of plans were tried. We can be fairly sure...".

    Parameters
    ----------
    what : str
        The sentence with ``{share}`` where the share goes: "{share} of plans were tried".
    estimate, ci_low, ci_high : float
        The recorded share and its 95% interval, in per cent (0-100).
    decimals : int
    """
    share = number(estimate, decimals) + "%"
    sure = how_sure(ci_low, ci_high, decimals=decimals, unit="%")
    if ci_low <= 0 <= ci_high:  # a share of 0 is "none", not "no change"
        sure = f"it could be anywhere between {number(ci_low, decimals)}% and " \
               f"{number(ci_high, decimals)}%"
    text = what.format(share=share).rstrip(".")
    return f"{text[0].upper()}{text[1:]}. {sure[0].upper()}{sure[1:]}."


def estimate_of(records: Mapping[str, Any], key: str) -> tuple[float, float, float] | None:
    """``(estimate, ci_low, ci_high)`` of a recorded estimate, or None when not made."""
    value = _plain_value(records.get(key))
    if not isinstance(value, Mapping):
        return None
    parts = (value.get("estimate"), value.get("ci_low"), value.get("ci_high"))
    if any(p is None or (isinstance(p, float) and not math.isfinite(p)) for p in parts):
        return None
    return tuple(float(p) for p in parts)  # type: ignore[return-value]


def recorded(result: Any) -> dict[str, Any]:
    """Every value the result records, as plain values: results as dicts, tables as rows.

    A section may record a stats result object (an effect size), a table or a plain dict;
    the glance reads them all the same way, as :func:`~slc_research.report.display.record`
    stores them for the index.
    """
    return {str(k): _plain_value(v) for k, v in dict(result.all_records).items()}


def outcome_rows(records: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The declared outcomes with their estimates, primary first (``holm`` or ``outcomes_holm``).

    Every case study with outcomes records them as the outcome family's rows (outcome, role,
    estimate, ci_low, ci_high); a row without an estimate is left out.
    """
    rows: list[Any] = []
    for key in ("outcomes_holm", "holm"):
        value = _plain_value(records.get(key))
        if isinstance(value, list | tuple) and value:
            rows = list(value)
            break
    rows = [{k: (None if _missing(v) else v) for k, v in r.items()} for r in rows
            if isinstance(r, Mapping)]
    rows = [r for r in rows if isinstance(r, Mapping) and r.get("estimate") is not None
            and r.get("ci_low") is not None and r.get("ci_high") is not None]
    return sorted(rows, key=lambda r: r.get("role") != "primary")


def short_outcome(name: str) -> str:
    """An outcome's name as a sentence uses it: "Metacognition: planning..." -> "metacognition"."""
    head = str(name).split(": ", 1)[0].strip()
    if head[:1].isupper() and not head[1:2].isupper():
        head = head[0].lower() + head[1:]
    return head


def rating_line(rating: str, explanation: str) -> str:
    """The strength of evidence in one plain line, from its rating and its explanation.

    Parameters
    ----------
    rating : str
        E.g. ``"0 of 5"``.
    explanation : str
        The rating's explanation (:meth:`EvidenceStrength.explain
        <slc_research.stats.evidence.EvidenceStrength.explain>`): which part allows how much.

    Returns
    -------
    str
        E.g. "Strength of evidence: 0 of 5, where 5 is the strongest. What holds it down:
        the number of pupils; the groups were not alike at the start."
    """
    allowed = [(m.group(1), int(m.group(2))) for m in
               re.finditer(r"(the design|the number of pupils|the pupils lost)[^;]*?"
                           r"allows?(?: at most)? (\d)", explanation)]
    words = {"the design": "how the groups were formed (pupils chose to join)",
             "the number of pupils": "the number of pupils", "the pupils lost": "the pupils "
             "lost between the two measures"}
    held = []
    if allowed:
        low = min(n for _, n in allowed)
        held = [words[part] for part, n in allowed if n == low]
    if "not alike at the start" in explanation:
        held.append("the groups were not alike at the start")
    elif "not known whether the groups were alike" in explanation:
        held.append("it is not known whether the groups were alike at the start")
    if "lost different shares" in explanation:
        held.append("the two groups lost different shares of pupils")
    line = f"Strength of evidence: {rating}, where 5 is the strongest."
    if held:
        line += " What holds it down: " + "; ".join(held) + "."
    return line


# --- internals -------------------------------------------------------------------------------

def _plain_value(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, pd.DataFrame):
        return [_plain_value(r) for r in value.to_dict(orient="records")]
    if isinstance(value, Mapping):
        return {k: _plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_value(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # a numpy number
        try:
            return value.item()
        except (TypeError, ValueError):
            return value
    return value


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _hook(name: str) -> Any:
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


#: What a glance never says: internal keys, statistical symbols, "nan", "-0.0".
_JARGON = re.compile(r"_|\bnan\b|-0\.0+\b|\b(?:g|p|d|h|CI|SD|df)\b\s*[=<>\[]|\bCI\b",
                     re.IGNORECASE)


def _plain(sentence: str) -> bool:
    return not _JARGON.search(sentence)


def _says_the_same(a: str, b: str) -> bool:
    """Whether two findings open alike ("9 pupils were members ..."): one is enough."""
    def start(text: str) -> list[str]:
        return re.findall(r"[\w%.]+", text.lower().replace(",", ""))[:4]
    return a == b or start(a) == start(b)


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", text.strip())
    return match.group(1) if match else text.strip()
