"""Checks shared by the case studies' parameters: one message per mistake.

Every case study declares its parameters once (:class:`~slc_research.casestudies.spec.Param`,
each with its check), and its notebook's values are checked before anything is read.
These are the checks they have in common (the workspace folder, a name or ``""``, a list
of names, two waves, a close-match hint); each raises a
:class:`~slc_research.errors.ConfigError` naming the parameter, what was found
and what is expected.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from numbers import Integral
from os import PathLike
from pathlib import Path

from slc_research.errors import ConfigError

__all__ = ["close_matches", "name_list", "outcome_choice", "smallest_effect", "text_parameter",
           "wave_pair", "workspace_folder"]


def workspace_folder(workspace: object) -> Path:
    """The enquiry folder of the ``workspace`` parameter, resolved.

    Raises
    ------
    ConfigError
        When it is not a path, the folder does not exist, or it holds no
        ``enquiry.toml``.
    """
    if not isinstance(workspace, str | PathLike) or not str(workspace).strip():
        raise ConfigError(f"expected the path of an enquiry folder, e.g. \"../data/demo\"; "
                          f"found {workspace!r}", key="workspace")
    root = Path(workspace).expanduser().resolve()
    if not root.is_dir():
        raise ConfigError(f"the folder {str(root)!r} does not exist, so it is not an enquiry "
                          "folder (no enquiry.toml); check the path (relative paths start from "
                          "the notebook's folder)", key="workspace")
    if not (root / "enquiry.toml").is_file():
        raise ConfigError(f"{str(root)!r} has no enquiry.toml, so it is not an enquiry folder; "
                          "point it at one (create one with `slc-research init`)",
                          key="workspace")
    return root


def text_parameter(value: object, key: str, *, expected: str) -> str:
    """A text parameter such as ``community``: ``None`` counts as ``""``; stripped.

    Parameters
    ----------
    value : object
    key : str
        The parameter's name, for the message.
    expected : str
        What it should be, e.g. ``'a community name in quotes, or "" for every SLC'``.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(f"expected {expected}; found {value!r}", key=key)
    return value.strip()


def name_list(value: object, key: str, *, noun: str, example: str) -> tuple[str, ...]:
    """A list-of-names parameter such as ``scales`` or ``schools``; ``None`` counts as ``[]``.

    Parameters
    ----------
    value : object
    key : str
    noun : str
        What the names are of, e.g. ``"scale"``.
    example : str
        An example list for the message, e.g. ``'["engagement"]'``.
    """
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError(f"expected a list of {noun} names, e.g. {example}, or [] for all; "
                          f"found {value!r}", key=key)
    names = tuple(value)
    bad = [v for v in names if not isinstance(v, str) or not v.strip()]
    if bad:
        raise ConfigError(f"{noun} names must be text; found {bad!r}", key=key)
    return tuple(v.strip() for v in names)


def wave_pair(waves: object, key: str = "waves") -> tuple[int, int]:
    """Two whole wave numbers, before then after, e.g. ``[1, 2]``."""
    if isinstance(waves, str) or not isinstance(waves, Iterable):
        raise ConfigError(f"expected two wave numbers, e.g. [1, 2]; found {waves!r}", key=key)
    pair = tuple(waves)
    if (len(pair) != 2 or any(isinstance(w, bool) or not isinstance(w, Integral)
                              for w in pair) or pair[0] >= pair[1]):
        raise ConfigError(f"expected two whole wave numbers, before then after, e.g. [1, 2]; "
                          f"found {list(pair)!r}", key=key)
    return int(pair[0]), int(pair[1])


def close_matches(name: str, known: Sequence[str]) -> str:
    """``"did you mean 'X'? known: 'A', 'B'"`` for a message about an unknown name."""
    near = difflib.get_close_matches(name, list(known), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(map(repr, near))}? " if near else ""
    return hint + "known: " + (", ".join(map(repr, known)) or "none")


def smallest_effect(value: object, key: str = "smallest_effect") -> float:
    """The smallest effect that matters, in standard deviations (above 0, below 2)."""
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not 0 < value < 2):
        raise ConfigError(f"expected the smallest effect that matters, in standard deviations "
                          f"(a number between 0 and 2, e.g. 0.2); found {value!r}", key=key)
    return float(value)


def outcome_choice(value: object, outcomes: Sequence[str], key: str = "primary_outcome") -> str:
    """One of a case study's ``outcomes`` in quotes, or ``""`` (None) for the first."""
    text = text_parameter(value, key, expected='an outcome name in quotes, or "" for the first')
    if text and text not in outcomes:
        raise ConfigError(f"the primary outcome must be one of "
                          f"{', '.join(repr(o) for o in outcomes)}, or \"\" for the first; "
                          f"found {text!r}", key=key)
    return text
