"""The staff view of a table and of a sentence: what a head teacher or a governor reads.

A report's tables are declared once, with every column a researcher needs. The staff
audience (the default) reads a view of the same table, built here at the display boundary
so that every case study gets it without saying so:

- an estimate and its interval become one column, written ``"0.43 (0.23 to 0.62)"``;
- technical columns (standard deviations, test statistics, degrees of freedom, effect sizes
  of change scores, matching diagnostics) and any column a table declares technical are
  left to the research audience;
- a column holding the same value on every row says nothing row by row and is left out
  when the table is still too wide;
- at most :data:`STAFF_MAX_COLUMNS` columns, plain headers, no underscores or internal keys
  in headers or cells, and no ``"-0.0"`` (a zero is written ``0.0``).

The research audience sees the full table (:func:`~slc_research.report.display.show_table`
keeps both).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

__all__ = ["STAFF_MAX_COLUMNS", "TECHNICAL_HEADER", "WORDS", "plain_words", "staff_table"]

#: The widest table a member of staff reads on one screen.
STAFF_MAX_COLUMNS = 6

#: Internal keys and statistical names as a reader without statistics reads them.
WORDS: Mapping[str, str] = {
    "d_ppc2": "d", "g_av": "g", "g_rm": "g", "cramers_v": "Cram\u00e9r's V",
    "p_value": "p", "ci_low": "95% CI from", "ci_high": "95% CI to", "n_texts": "texts",
    "pct_": "% ",
}

#: Headers of columns only the research audience reads (matched case-insensitively on the
#: header a reader sees): standard deviations, test statistics, degrees of freedom, effect
#: sizes of change scores (g_av, g_rm), standard errors and matching diagnostics.
TECHNICAL_HEADER = re.compile(
    r"(sds?\b(?! from).*|.*: sd|statistic|test statistic|df|t|z|chi-square|se|standard error"
    r"|g(_av|_rm)?(\s*\(.*\))?|g at the start|.*\(SMD\)|item-rest r|alpha if left out"
    r"|n lost|.*not matched|share of variance.*\(ICC\)|units|q|prediction (low|high)|tau\u00b2|tau|i\u00b2.*)",
    re.IGNORECASE)

#: The low and high ends of an interval: "95% CI low", "g_av: 95% CI from", "from".
_LOW = re.compile(r"^(?:(?P<stem>.+?):?\s+)?(?:\d+% CI (?:low|from)|from|lower)$",
                  re.IGNORECASE)
_HIGH = re.compile(r"^(?:(?P<stem>.+?):?\s+)?(?:\d+% CI (?:high|to)|to|upper)$",
                   re.IGNORECASE)
#: A cell whose number is missing or withheld: no interval is written for it.
_NO_VALUE = re.compile(r"\s*(|\u2013|-|<\s*\d+|\*|nan|NaN|<NA>|None)\s*")
#: A negative zero as a table shows it: "-0.0", "-0.00", "\u22120", "-0".
_NEGATIVE_ZERO = re.compile(r"(?<![\w.])[-\u2212](0(?:\.0+)?)(?![\d.])")
#: A name joined with underscores (``coproduction_check``), as code writes it.
_SNAKE = re.compile(r"\b([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+)\b")
#: What a reader is told to write in enquiry.toml, kept exactly as it must be written: a
#: table's name (``[sources.student_list]``), a dotted key (``sources.student_list.columns``)
#: and a key given a value (``community_kind = "tlc"``, ``blank = "no"``).
_MANIFEST_TEXT = re.compile(
    r"\[[A-Za-z_][\w.\-]*\]"
    r"|\b(?:sources|scales|response_scales|privacy)\.[\w.\-]+"
    r"|\b[A-Za-z_]\w*(?=\s*=\s*(?:[\"'\[]|true\b|false\b))")


def plain_words(text: str) -> str:
    """``text`` with internal keys as words: no underscores, no ``-0.0``.

    Known statistical keys become their plain names (``d_ppc2`` -> ``d``, ``g_av`` -> ``g``,
    ``cramers_v`` -> ``Cramér's V``); any other name joined with underscores is written with
    spaces (``coproduction_check`` -> ``coproduction check``), except what the reader is
    told to write in ``enquiry.toml`` (``[sources.student_list]``, ``community_kind = "tlc"``);
    a negative zero is ``0``.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> plain_words("d_ppc2 = -0.00 on coproduction_check wave 1")
    'd = 0.00 on coproduction check wave 1'
    >>> plain_words('add blank = "no" to [sources.student_list] for pupil_premium')
    'add blank = "no" to [sources.student_list] for pupil premium'
    """
    if not isinstance(text, str):
        return text
    for key, word in WORDS.items():
        if key.endswith("_"):
            text = re.sub(rf"\b{re.escape(key)}(?=\w)", word, text)
        else:
            text = re.sub(rf"\b{re.escape(key)}\b", word, text)
    # names joined with underscores (our keys) become words; an underscore in other text (a
    # teacher's code name, a quote) is what they wrote, and what a reader is told to write
    # in enquiry.toml must stay as it is written there
    parts = re.split(f"({_MANIFEST_TEXT.pattern})", text)
    text = "".join(part if i % 2 else _SNAKE.sub(lambda m: m.group(1).replace("_", " "), part)
                   for i, part in enumerate(parts))
    return _NEGATIVE_ZERO.sub(r"\1", text)


def _header(name: object) -> str:
    """A header in plain words; a raw key (``characteristic``, ``cramers_v``) capitalised."""
    raw = str(name).strip()
    text = plain_words(raw).replace("_", " ").strip()  # a header is ours: no underscore
    if re.fullmatch(r"[a-z][a-z0-9_]{2,}", raw):
        return text[:1].upper() + text[1:]
    return text


def staff_table(shown: pd.DataFrame, *, technical: Iterable[str] = (),
                max_columns: int = STAFF_MAX_COLUMNS) -> pd.DataFrame:
    """The staff view of a table already formatted for reading.

    Parameters
    ----------
    shown : DataFrame
        A table as :func:`~slc_research.report.display.format_table` returns it: every cell
        text, headers as the reader sees them.
    technical : iterable of str
        Further columns (their names before or after the labels) for the research audience
        only.
    max_columns : int, default :data:`STAFF_MAX_COLUMNS`

    Returns
    -------
    DataFrame
        At most ``max_columns`` columns of text: intervals merged into
        ``"estimate (low to high)"``, technical and (when still too wide) constant columns
        left out, then the first ``max_columns`` kept; headers and cells in plain words.
    """
    technical = {str(c) for c in technical}
    columns = [str(c) for c in shown.columns]
    cells = {c: [str(v) for v in shown.iloc[:, j].tolist()] for j, c in enumerate(columns)}
    order: list[str] = []
    merged: dict[str, list[str]] = {}
    used: set[int] = set()
    for j, col in enumerate(columns):
        low = _LOW.match(col)
        if j in used or not low or j + 1 >= len(columns) or not _HIGH.match(columns[j + 1]):
            continue
        estimate = _estimate(columns, j, low.group("stem"), used)
        if estimate is None:
            continue
        used |= {estimate, j, j + 1}
        name = columns[estimate]
        merged[name] = [_interval(e, lo, hi) for e, lo, hi in zip(
            cells[name], cells[col], cells[columns[j + 1]], strict=True)]
    for j, col in enumerate(columns):
        if j in used and col not in merged:
            continue  # an interval's ends, now inside its estimate's column
        if col in technical or TECHNICAL_HEADER.fullmatch(col.strip()):
            continue
        order.append(col)
    if len(order) > max_columns:  # a value the same on every row tells nothing row by row
        constant = [c for c in order[1:] if len(set(merged.get(c, cells[c]))) == 1
                    and len(shown) > 1]
        for c in reversed(constant):
            if len(order) <= max_columns:
                break
            order.remove(c)
    if len(order) > max_columns:  # the row's name and the estimates first, then left to right
        rank = {c: (0 if i == 0 else 1 if c in merged else 2, i) for i, c in enumerate(order)}
        kept = set(sorted(order, key=rank.__getitem__)[:max_columns])
        order = [c for c in order if c in kept]
    out = pd.DataFrame({c: [plain_words(v) for v in merged.get(c, cells[c])] for c in order},
                       index=shown.index, dtype=object)
    headers = [_with_interval(_header(c)) if c in merged else _header(c) for c in order]
    out.columns = _unique(headers)
    return out


def _with_interval(header: str) -> str:
    """``"Mean change"`` -> ``"Mean change (95% CI)"``; ``"Effect size (d)"`` -> ``"Effect size (d, 95% CI)"``."""
    if header.endswith(")") and "(" in header:
        return f"{header[:-1]}, 95% CI)"
    return f"{header} (95% CI)"


def _estimate(columns: list[str], low: int, stem: str | None, used: set[int]) -> int | None:
    """The position of the estimate an interval's low end (at ``low``) belongs to."""
    if stem:
        for j, c in enumerate(columns[:low]):
            if c.strip().lower() == stem.strip().lower() and j not in used:
                return j
    before = low - 1
    if before < 0 or before in used or _LOW.match(columns[before]) or _HIGH.match(
            columns[before]):
        return None
    return before


def _interval(estimate: str, low: str, high: str) -> str:
    if _NO_VALUE.fullmatch(estimate) or _NO_VALUE.fullmatch(low) or _NO_VALUE.fullmatch(high):
        return estimate
    return f"{estimate} ({low} to {high})"


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out
