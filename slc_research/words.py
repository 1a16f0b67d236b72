"""How counts and lists are written for a reader: "1 row", "3 rows", "a, b and c".

Every message, finding and caption counts things in the same way, so that no reader sees
"1 texts" or "3 report(s)". Imports nothing of the package: every part may use it.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["listed", "plural", "was_or_were"]


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` with the word in the right number, thousands separated.

    Parameters
    ----------
    n : int
        How many.
    word : str
        The word for one (``"row"``).
    many : str, optional
        The word for several when it is not ``word + "s"`` (``"classes"``, ``"staff"``).

    Returns
    -------
    str
        ``plural(1, "row")`` -> ``"1 row"``; ``plural(3332, "row")`` -> ``"3,332 rows"``;
        ``plural(2, "class", "classes")`` -> ``"2 classes"``.
    """
    n = int(n)
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def listed(words: Iterable[str], conjunction: str = "and") -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"`` (``conjunction="or"``: ``"a, b or c"``).

    One word is itself; none is the empty string.
    """
    words = [str(w) for w in words]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def was_or_were(n: int) -> str:
    """The verb that agrees with ``n``: ``"was"`` for 1, ``"were"`` otherwise."""
    return "was" if int(n) == 1 else "were"
