"""Item codes for a questionnaire's questions, the same in every wave of it.

A grid row's ``[statement]`` makes the code (``Agree with these statements [I enjoy
lessons]`` -> ``enjoy_lessons``); a question asked again in another file (the next wave)
gets the code it had there, also when it was reworded a little between waves, with a note
saying how.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from difflib import SequenceMatcher

from slc_research.data.loading.survey_columns import item_code_from_question
from slc_research.workspace.recognised import fold_id

__all__ = ["grid_statement", "item_codes", "wording_change"]

_GRID = re.compile(r"^(?P<stem>.*?)\s*\[(?P<row>[^\[\]]+)\]\s*$")
_QUALTRICS_ROW = re.compile(r"^(?P<stem>.+?)\s+-\s+(?P<row>[^-]+)$")
_POSSESSIVE = re.compile(r"['\u2019]s\b", re.I)


def grid_statement(header: str, question_text: str | None = None) -> tuple[str, str] | None:
    """``(question, statement)`` of a grid row: ``Q [Statement]`` (Forms) or ``Q - Statement``."""
    m = _GRID.match(header)
    if m:
        return m.group("stem").strip(), m.group("row").strip()
    m = _QUALTRICS_ROW.match(question_text or "")
    if m:
        return m.group("stem").strip(), m.group("row").strip()
    return None


def item_codes(questions: Mapping[str, str | None], texts: Mapping[str, str], *,
               known: dict[str, str] | None = None, taken: list[str] | None = None,
               worded: dict[str, str] | None = None, notes: dict[str, str] | None = None,
               avoid: frozenset[str] = frozenset()) -> dict[str, str]:
    """Item codes for the question columns that have a suggestion: a grid row's from its statement.

    A question asked in another file (another wave) gets that file's code: worded the
    same, or worded a little differently (its code's words the same and at least 80% of its
    words in the same order: "speak up in class" in one wave, "speak up in lessons" in the
    next), which ``notes`` names so that the teacher can check it is the same question.

    Parameters
    ----------
    questions : mapping
        Header -> suggested code (None: not an item), as
        :func:`~slc_research.data.loading.survey_columns.survey_columns` gives them.
    texts : mapping
        Header -> the question as read (Qualtrics row 2).
    known : dict, optional
        Question (folded) -> code already given in another wave: reused, and updated.
    taken : list, optional
        Codes already used (updated): every new code is unique.
    worded : dict, optional
        Code -> the words of the question it was first given to (updated): a question
        worded a little differently in another file is matched against these.
    notes : dict, optional
        Filled with header -> how its wording differs from the question whose code it was
        given, for each question matched by ``worded``.
    avoid : frozenset of str
        The people's name words: never part of a code (a question naming a teacher).

    Returns
    -------
    dict
        Header -> a short, unique snake_case code.
    """
    known = {} if known is None else known
    taken = [] if taken is None else taken
    worded = {} if worded is None else worded
    out: dict[str, str] = {}
    for header, code in questions.items():
        if not code:
            continue
        key = fold_id(texts.get(header, header))
        if key in known:
            out[header] = known[key]
            continue
        grid = grid_statement(header, texts.get(header))
        words = _POSSESSIVE.sub("", grid[1] if grid else texts.get(header, header))
        base = item_code_from_question(words, avoid=avoid)
        earlier = worded.get(base)
        if earlier is not None and base not in out.values():
            diff = wording_change(earlier, words)
            if diff is not None:  # the same question, reworded between waves
                out[header] = known[key] = base
                if notes is not None:
                    notes[header] = (f"the code of '{earlier}' in another file, worded a little "
                                     f"differently here ({diff}); if it is another question, "
                                     "give it a code of its own")
                continue
        new = item_code_from_question(words, taken, avoid)
        out[header] = known[key] = new
        worded.setdefault(new, words)
        taken.append(new)
    return out


def wording_change(before: str, after: str) -> str | None:
    """How ``after`` words a question differently from ``before``, if it is the same; else None.

    The same question: at least 80% of the words of the two wordings, in the same order.

    Examples
    --------
    >>> wording_change("I feel confident to speak up in class",
    ...                "I feel confident to speak up in lessons")
    "'lessons' where it has 'class'"
    >>> wording_change("My teachers listen to my ideas", "My teachers listen to my ideas.")
    'only its punctuation or capitals differ'
    >>> wording_change("I enjoy maths", "I enjoy art and drama") is None
    True
    """
    a, b = (re.findall(r"[\w'\u2019]+", t) for t in (before, after))
    fa, fb = ([w.casefold() for w in ws] for ws in (a, b))
    matcher = SequenceMatcher(None, fa, fb, autojunk=False)
    if not fa or not fb or matcher.ratio() < 0.8:
        return None
    changes = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if op == "replace":
            changes.append(f"'{new}' where it has '{old}'")
        elif op == "delete":
            changes.append(f"no '{old}'")
        elif op == "insert":
            changes.append(f"'{new}' added")
    return "; ".join(changes) or "only its punctuation or capitals differ"
