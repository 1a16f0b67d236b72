"""The suppression threshold a workspace may set: never below 3, and a warning below 5.

Groups smaller than ``[privacy] suppression_threshold`` (``enquiry.toml``) are never
published (:mod:`slc_research.privacy.suppression`). The Department for Education's
statistical disclosure control never publishes counts of 1 or 2, so a threshold below
:data:`MIN_THRESHOLD` is refused; this workbench's default is :data:`DEFAULT_THRESHOLD`, and
a threshold of 3 or 4 is accepted with a warning that ``check`` prints and every report
shows above its first section.
"""

from __future__ import annotations

from slc_research.errors import ConfigError

__all__ = ["DEFAULT_THRESHOLD", "MIN_THRESHOLD", "check_threshold", "threshold_warning"]

#: The smallest threshold accepted.
MIN_THRESHOLD = 3
#: The workbench's default, and the smallest threshold accepted without a warning.
DEFAULT_THRESHOLD = 5

_DFE = (f"DfE guidance on disclosure control never publishes counts of 1 or 2; this "
        f"workbench's default is {DEFAULT_THRESHOLD}")


def check_threshold(threshold: int, *, key: str = "privacy.suppression_threshold",
                    file: str | None = None) -> int:
    """``threshold`` if a workspace may use it; else a :class:`ConfigError` saying why.

    Parameters
    ----------
    threshold : int
        The suppression threshold asked for.
    key, file : str
        Where it was set, for the message.

    Raises
    ------
    ConfigError
        For a threshold below :data:`MIN_THRESHOLD` (citing DfE practice).

    Examples
    --------
    >>> check_threshold(5)
    5
    """
    if threshold < 1:
        raise ConfigError(f"must be a whole number of at least 1, and this workbench needs at "
                          f"least {MIN_THRESHOLD}: {_DFE}. Write suppression_threshold = "
                          f"{DEFAULT_THRESHOLD}.", file=file, key=key)
    if threshold < MIN_THRESHOLD:
        raise ConfigError(f"{threshold} would publish groups of {threshold} "
                          f"{'person' if threshold == 1 else 'people'}, whom a reader could "
                          f"recognise. {_DFE}. Write suppression_threshold = {DEFAULT_THRESHOLD} "
                          f"(at least {MIN_THRESHOLD}).", file=file, key=key)
    return threshold


def threshold_warning(threshold: int) -> str:
    """The warning a threshold of 3 or 4 deserves, or ``""``.

    Examples
    --------
    >>> threshold_warning(5)
    ''
    >>> threshold_warning(4)[:45]
    'The suppression threshold is 4: groups of 4 p'
    """
    if threshold >= DEFAULT_THRESHOLD:
        return ""
    return (f"The suppression threshold is {threshold}: groups of {threshold} people are "
            f"published, and a reader who knows a group may recognise who is in it. {_DFE}: "
            f"set suppression_threshold = {DEFAULT_THRESHOLD} in enquiry.toml unless you have "
            "a reason to publish smaller groups.")
