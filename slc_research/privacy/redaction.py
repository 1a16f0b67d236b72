r"""Names, real ids, emails and dates of birth taken out of free text: the one redaction.

Every text that can name a person passes here before it is cached: reflections, interview
transcripts and open answers (the ``texts`` loader), action plans, meeting topics and
membership roles (the community loaders), codebook descriptions (the codebook loader),
coded passages and memos (the coder's store) and REFI-QDA projects (whose coded passages keep
their place through :class:`Redaction`'s map of offsets). :func:`redact_texts` is
:class:`Redaction` applied to every text, so a text reads the same whichever way it came in.

What is found is the one identifier matcher's (:meth:`slc_research.privacy.identifiers.Identifiers.find`,
built by :func:`redaction_identifiers`): a name in any case and however its accents or soft
hyphens are written ("ZOË", "Zoe\u0308", "Chi\u00addi"), a real id however it is spaced
("M021 3245 18321"), any email address, and a known date of birth in any written form
("4/3/2012", "4th March 2012"). Each becomes a placeholder: ``[name]``, ``[id]``, ``[email]``,
``[date of birth]``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable

import pandas as pd

from slc_research.privacy.identifiers import Identifiers

__all__ = ["PLACEHOLDER", "PLACEHOLDERS", "Redaction", "redact_labels", "redact_names",
           "redact_texts", "redact_with_offsets", "redaction_identifiers"]

#: What a name becomes.
PLACEHOLDER = "[name]"
#: What each kind of identifier becomes.
PLACEHOLDERS = {"name": PLACEHOLDER, "full name": PLACEHOLDER, "real id": "[id]",
                "email address": "[email]", "date of birth": "[date of birth]"}


def redaction_identifiers(*, names: Iterable[str] = (), ids: Iterable[str] = (),
                          emails: Iterable[str] = (), dates: Iterable[object] = (),
                          common: Iterable[str] = ()) -> Identifiers:
    """What redaction looks for: every name word of two letters or more, in any case.

    Parameters
    ----------
    names : iterable of str
        Forenames, surnames, preferred and full names from the roster and staff list.
    ids : iterable of str
        Real ids (UPNs, admission numbers, staff codes).
    emails : iterable of str
        Known email addresses (any address is redacted).
    dates : iterable
        Dates of birth, as the roster writes them.
    common : iterable of str
        Words that are not names on their own here (a full name is still redacted); none
        for free text.

    Returns
    -------
    Identifiers
    """
    return Identifiers.build(names=names, ids=ids, emails=emails, dates=dates, common=common,
                             names_any_case=True, min_name_letters=2)


class Redaction:
    """A text with identifiers redacted, and the map from its old character offsets to new.

    Parameters
    ----------
    text : str
        The text as found.
    ident : Identifiers
        What to redact (:func:`redaction_identifiers`).
    placeholder : str
        What a name becomes (other kinds: :data:`PLACEHOLDERS`).

    Attributes
    ----------
    text : str
        The redacted text.

    Notes
    -----
    Two passes: every identifier becomes its placeholder (a name keeps a possessive
    ``'s``: "[name]'s"); then a run of name placeholders separated by spaces or hyphens
    ("Amy Lee", "Abernethy-Clark" -> "[name] [name]") becomes one. :meth:`offsets` carries a
    passage through both.
    """

    def __init__(self, text: str, ident: Identifiers, placeholder: str = PLACEHOLDER) -> None:
        swaps = {**PLACEHOLDERS, "name": placeholder, "full name": placeholder}
        first = [(m.start, m.end, swaps[m.kind])
                 for m in sorted(ident.find(text), key=lambda m: m.start)]
        middle = _apply(text, first)
        doubled = re.compile(re.escape(placeholder) + r"(?:[\s-]+" + re.escape(placeholder)
                             + r")+")
        second = _edits(middle, doubled, lambda _w: placeholder) if first else []
        self.text = _apply(middle, second)
        self._passes = (first, second)

    def offsets(self, start: int, end: int) -> tuple[int, int]:
        """The passage ``[start, end)`` of the old text in the redacted one.

        A passage that starts or ends inside a replaced identifier takes the whole placeholder.
        """
        for edits in self._passes:
            if edits:
                start, end = _move(start, edits, end=False), _move(end, edits, end=True)
        return start, end


def redact_with_offsets(text: str, names: Iterable[str]) -> Redaction:
    """Redact ``names`` from ``text``, keeping the map of offsets (see :class:`Redaction`)."""
    return Redaction(text, redaction_identifiers(names=names))


def redact_texts(texts: pd.Series, ident: Identifiers,
                 placeholder: str = PLACEHOLDER) -> pd.Series:
    """Replace every identifier in ``texts`` by its placeholder.

    A name is matched whole ("Amy" does not touch "Amyas"), in any case, with a possessive
    ("Amy's" -> "[name]'s"), and by each part of a hyphenated or multi-word name
    ("Abernethy-Clark" also removes "Abernethy"). A full name becomes one placeholder
    ("Amy Lee" -> "[name]"). Real ids, email addresses and dates of birth become ``[id]``,
    ``[email]`` and ``[date of birth]``.

    Parameters
    ----------
    texts : Series of str
    ident : Identifiers
        What to redact (:func:`redaction_identifiers`).
    placeholder : str
        What a name becomes.

    Returns
    -------
    Series of str
        The texts redacted (missing texts stay missing).
    """
    out = texts.astype("string")
    if out.empty:
        return out
    present = out.notna().to_numpy()
    values = [Redaction(t, ident, placeholder).text if keep else None
              for t, keep in zip(out.tolist(), present, strict=True)]
    return pd.Series(values, index=out.index, dtype="string", name=out.name)


def redact_labels(labels: pd.Series, ident: Identifiers, tag: Callable[[str], str]
                  ) -> pd.Series:
    """Names of groups (a community, a team) with identifiers redacted, kept apart.

    A label is redacted as a text is ("Mr Okafor's SLC" -> "Mr [name]'s SLC"); a label
    that changed is followed by ``tag(label)`` in brackets ("Team [name] (3f9c)"), so that
    two groups named after two people stay two groups. ``tag`` must give the same tag for
    the same label wherever it is read (a keyed digest), so that every file naming the
    group gives it the same redacted name. A label with no identifier is kept as written.

    Parameters
    ----------
    labels : Series of str
    ident : Identifiers
        What to redact (:func:`redaction_identifiers`).
    tag : callable
        The label as written -> a short tag that does not give the label away.

    Returns
    -------
    Series of str
        The labels (missing ones stay missing).
    """
    out = labels.astype("string")
    present = out.dropna().unique()
    if not len(present):
        return out
    renamed = {}
    for label in present:
        redacted = Redaction(label, ident).text
        if redacted != label:
            renamed[label] = f"{redacted} ({tag(label)})"
    if not renamed:
        return out
    return out.replace(renamed).astype("string")


def redact_names(texts: pd.Series, names: Iterable[str],
                 placeholder: str = PLACEHOLDER) -> pd.Series:
    """:func:`redact_texts` with the identifiers of ``names`` alone (and any email address).

    Names shorter than two letters are ignored.

    Parameters
    ----------
    texts : Series of str
    names : iterable of str
        Forenames, surnames and full names from the roster and staff list.
    placeholder : str
        What a name becomes.

    Returns
    -------
    Series of str
    """
    return redact_texts(texts, redaction_identifiers(names=names), placeholder)


# --- the two passes --------------------------------------------------------------------------

def _edits(text: str, pattern: re.Pattern, replace: Callable[[str], str]
           ) -> list[tuple[int, int, str]]:
    out = []
    for m in pattern.finditer(text):
        new = replace(m.group(0))
        if new != m.group(0):
            out.append((m.start(), m.end(), new))
    return out


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    parts, at = [], 0
    for s, e, new in edits:
        parts += [text[at:s], new]
        at = e
    parts.append(text[at:])
    return "".join(parts)


def _move(pos: int, edits: list[tuple[int, int, str]], *, end: bool) -> int:
    """``pos`` in the text after ``edits``; inside a replaced word it moves to its edge."""
    i = bisect_right([s for s, _, _ in edits], pos) - 1
    shift = sum(len(new) - (e - s) for s, e, new in edits[:max(i, 0)])
    if i < 0:
        return pos
    s, e, new = edits[i]
    new_s = s + shift
    if pos == s:
        return new_s
    if pos < e:  # inside the replaced word: the passage takes the whole placeholder
        return new_s + len(new) if end else new_s
    return pos + shift + len(new) - (e - s)
