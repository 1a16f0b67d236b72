"""A roster's yes/no flags (pupil premium, EAL) and SEN, and what a blank cell means.

MIS exports often write "Yes" and leave "No" blank, so a blank pupil premium
cell may mean no, yes, or that nobody recorded it. ``blank`` in the roster's
``[sources.NAME]`` entry says which, for every flag column of that file:

``blank = "no"``
    a blank pupil premium or EAL cell is no (and a blank SEN cell is none);
``blank = "yes"``
    a blank pupil premium or EAL cell is yes (SEN is not a yes/no flag: a blank
    SEN cell stays none);
``blank = "not recorded"``
    blank is unknown (missing), for SEN too.

Without ``blank``, a blank pupil premium or EAL cell is not recorded and a
blank SEN cell is none (MIS exports write nothing for no SEN need); a pupil
premium or EAL column that is mostly blank (more than half its cells) is a
warning naming the file, the column and the option, since the analyses by
that flag would otherwise quietly leave most pupils out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slc_research.data.loading.common import SourceLoad
from slc_research.data.parsing.values import SEN_WORDS, parse_booleans, parse_choice
from slc_research.words import plural

__all__ = ["BLANK_MEANINGS", "MOSTLY_BLANK", "read_flags"]

#: ``blank`` option values.
BLANK_MEANINGS = ("no", "yes", "not recorded")
#: Share of blank cells above which a flag column without ``blank`` is a warning.
MOSTLY_BLANK = 0.5
_WHAT = {"pupil_premium": "pupil premium", "eal": "EAL"}


def read_flags(src: SourceLoad) -> dict[str, pd.Series]:
    """The ``pupil_premium``, ``eal`` and ``sen`` columns of a roster, blanks as ``blank`` says.

    Parameters
    ----------
    src : SourceLoad
        The roster being loaded.

    Returns
    -------
    dict
        Canonical column -> values, for the mapped flag columns only.
    """
    blank = src.option("blank", None, choices=BLANK_MEANINGS)
    out: dict[str, pd.Series] = {}
    for col, what in _WHAT.items():
        if not src.has(col):
            continue
        meaning = None if blank in (None, "not recorded") else blank == "yes"
        out[col] = src.parse(col, parse_booleans, blank=meaning)
        _say_blanks(src, col, what, blank)
    if src.has("sen"):
        out["sen"] = src.parse(
            "sen", parse_choice, vocabulary=SEN_WORDS, categories=["none", "support", "ehcp"],
            expected="N/None, K/SEN support or E/EHCP (or leave it blank for none)",
            blank=None if blank == "not recorded" else "none")
    return out


def _say_blanks(src: SourceLoad, col: str, what: str, blank: str | None) -> None:
    """A note of blanks read as ``blank`` says, or a warning when most cells are blank."""
    header = src.header(col)
    n_blank = int(np.count_nonzero(src.column(col).isna().to_numpy()))
    total = len(src)
    if not n_blank or not total:
        return
    entry = f"[sources.{src.spec.name}]"
    if blank is not None:
        src.notes.append(f"{plural(n_blank, 'blank cell')} in {header!r} read as "
                         f"{blank} ({what}), as blank = \"{blank}\" in {entry} says.")
        return
    if n_blank / total <= MOSTLY_BLANK:
        return
    src.notes.append(
        f"Warning: in {src.label}, {n_blank / total:.0%} of the cells in {header!r} ({what}) "
        f"are blank ({n_blank} of {plural(total, 'pupil')}); they count as not recorded, so "
        f"every analysis by {what} leaves those pupils out. MIS exports often leave \"No\" "
        f"blank: if a blank cell means no, add blank = \"no\" to {entry} in enquiry.toml "
        "(blank = \"yes\" if it means yes, or blank = \"not recorded\" to keep them unknown "
        "and silence this warning).")
