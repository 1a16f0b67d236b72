"""Loaders for learning communities, their members, meetings, attendance and action plans.

Member ids are pseudonymised as pupils or staff according to the ``members``
option or a ``member_type`` column (pupil/student, staff/teacher).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slc_research.data.loading.common import SourceLoad
from slc_research.data.loading.people import file_names
from slc_research.data.parsing.values import parse_booleans, parse_choice
from slc_research.data.schemas import COMMUNITY_KINDS
from slc_research.data.spec import LoadContext, Loaded, SourceSpec
from slc_research.errors import ConfigError, DataError
from slc_research.privacy.redaction import redact_texts

__all__ = [
    "COMMUNITY_KIND_WORDS",
    "STATUS_WORDS",
    "load_action_plans",
    "load_communities",
    "load_meeting_attendance",
    "load_meetings",
    "load_memberships",
]

#: Ways of writing each kind of community.
COMMUNITY_KIND_WORDS = {
    **dict.fromkeys(["slc", "student learning community", "student pedagogy team",
                     "student voice", "student leadership team"], "slc"),
    **dict.fromkeys(["tlc", "teacher learning community", "teacher learning communities"],
                    "tlc"),
    **dict.fromkeys(["coproduction", "co production", "co production pilot",
                     "coproduction pilot"], "coproduction"),
    **dict.fromkeys(["slc conference", "slc conferences", "student led conference",
                     "student led conferences"], "slc_conference"),
    "other": "other",
}

#: What members said about last meeting's action plan.
STATUS_WORDS = {
    **dict.fromkeys(["tried", "tried it", "yes", "y", "done", "did it", "completed", "complete",
                     "achieved"], "tried"),
    **dict.fromkeys(["partly", "partially", "part", "some", "in part", "in progress", "started",
                     "a bit", "sort of", "partly tried"], "partly"),
    **dict.fromkeys(["not tried", "not yet", "no", "n", "did not", "didn't", "not done",
                     "no time", "not tried yet"], "not_tried"),
    **dict.fromkeys(["not reported", "absent", "n/a", "na", "unknown", "not known"],
                    "not_reported"),
}

_MEMBERS = ("pupil", "staff")


def _community_kind(src: SourceLoad, column: str) -> pd.Series:
    """Community kind from ``column``, else the ``community_kind`` option (checked)."""
    fixed = src.option("community_kind", choices=COMMUNITY_KINDS)
    if src.has(column):
        return src.parse(column, parse_choice, vocabulary=COMMUNITY_KIND_WORDS,
                         categories=list(COMMUNITY_KINDS), blank=fixed,
                         expected="slc, tlc, coproduction, slc_conference or other")
    return pd.Series(pd.Categorical([fixed] * len(src), categories=list(COMMUNITY_KINDS)))


def _required_text(src: SourceLoad, column: str, what: str) -> pd.Series:
    """Text of a required column; blank cells are problems."""
    s = src.text(column)
    blank = np.flatnonzero(s.isna().to_numpy())
    if len(blank):
        src.problems.add_rows(src.header(column), src.excel_rows(blank), None,
                              f"{what} in every row; this row has none")
    return s


def _membership_community(src: SourceLoad) -> pd.Series:
    """Each member's community: the column (blanks take ``community``), else ``community``.

    A one-community list (the members of "Hillside SLC", with no team column)
    names its community with ``community = "Hillside SLC"`` in its
    ``[sources.NAME]`` entry, as meetings, texts and plans do.
    """
    fixed = src.option("community")
    if fixed is not None and (not isinstance(fixed, str) or not fixed.strip()):
        raise ConfigError("community is the community's name in quotes, like "
                          "community = \"Hillside SLC\"", key=f"sources.{src.spec.name}.community")
    if src.has("community"):
        return (_required_text(src, "community", "a community name (or set community = "
                               f"\"...\" in [sources.{src.spec.name}] for the blank ones)")
                if fixed is None else src.text("community", "community"))
    if fixed is None:
        raise DataError.single(
            src.label, f"a column giving 'community', or the community's name for the whole "
            f"list: add a line '\"<its header>\" = \"community\"' under "
            f"[sources.{src.spec.name}.columns], or community = \"Hillside SLC\" (its name) "
            f"to [sources.{src.spec.name}] in enquiry.toml")
    return src.text("community", "community")


def load_communities(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load the list of communities (``community`` required and unique)."""
    src = SourceLoad(spec, ctx)
    out = {"community": _required_text(src, "community", "a community name"),
           "kind": _community_kind(src, "kind"),
           "school": src.text("school", "school"),
           # a theme is free text ("Mr Okafor's retrieval practice group")
           "theme": redact_texts(src.text("theme"), ctx.redaction(file_names(src.raw.data,
                                                                            src.map)))}
    src.require_unique({"community": out["community"]}, "community")
    return src.finish("communities", out)


def load_memberships(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load who belongs to which community, and when they joined and left."""
    src = SourceLoad(spec, ctx)
    types = src.person_types("member_type", "members", allowed=_MEMBERS)
    out = {"member_id": src.ids("member_id", types),
           "member_type": types,
           "community": _membership_community(src),
           "community_kind": _community_kind(src, "community_kind"),
           "school": src.text("school", "school"),
           # a role is free text ("Chair, with Amy"): it reaches quote attributions
           "role": redact_texts(src.text("role"),
                                ctx.redaction(file_names(src.raw.data, src.map)))}
    for col in ("joined", "left"):
        if src.has(col):
            out[col] = src.dates(col)
    if "joined" in out and "left" in out:
        before = (out["left"] < out["joined"]).to_numpy(dtype=bool)
        bad = np.flatnonzero(before)
        if len(bad):
            src.problems.add_rows(src.header("left"), src.excel_rows(bad),
                                  src.column("left").to_numpy()[bad],
                                  "a leaving date on or after the joining date")
    keys = {k: out[k] for k in ("member_id", "community", "joined") if k in out}
    src.require_unique(keys, "membership")
    return src.finish("memberships", out, person="member_id")


def load_meetings(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load meetings: ``meeting_id`` (unique) and ``date`` required."""
    src = SourceLoad(spec, ctx)
    out = {"meeting_id": _required_text(src, "meeting_id", "a meeting id"),
           "community": src.text("community", "community"),
           "date": src.dates("date"),
           "topic": redact_texts(src.text("topic"), ctx.redaction())}
    blank = np.flatnonzero(src.column("date").isna().to_numpy())
    if len(blank):
        src.problems.add_rows(src.header("date"), src.excel_rows(blank), None,
                              "a meeting date in every row; this row has none")
    src.require_unique({"meeting_id": out["meeting_id"]}, "meeting")
    return src.finish("meetings", out)


def load_meeting_attendance(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load who came to which meeting.

    Without an ``attended`` column every row means the member was there; with
    one, yes/no words are read and a blank cell is missing.
    """
    src = SourceLoad(spec, ctx)
    types = src.person_types("member_type", "members", allowed=_MEMBERS)
    out = {"meeting_id": _required_text(src, "meeting_id", "a meeting id"),
           "member_id": src.ids("member_id", types),
           "member_type": types}
    if src.has("attended"):
        out["attended"] = src.parse("attended", parse_booleans)
    else:
        out["attended"] = pd.Series(pd.array([True] * len(src), dtype="boolean"))
    src.require_unique({"meeting_id": out["meeting_id"], "member_id": out["member_id"]},
                       "member at each meeting")
    return src.finish("meeting_attendance", out, person="member_id")


def load_action_plans(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load personal action plans and what members reported back.

    ``plan_id`` is made up from the source name and Excel row when the file has
    none (``tlc_plans-5``), so it stays the same for the same file. ``status``
    words are read as tried, partly, not_tried or not_reported (blank). Known
    names are redacted from the plan, strategy and report as ``[name]``.
    """
    src = SourceLoad(spec, ctx)
    types = src.person_types("member_type", "members", allowed=_MEMBERS)
    rows = src.excel_rows(np.arange(len(src))).astype(str)
    made_up = pd.Series(np.char.add(f"{spec.name}-", rows), dtype="string")
    plan_id = src.text("plan_id").fillna(made_up) if src.has("plan_id") else made_up
    # plans and reports are free text: known names are redacted, as in texts
    known = ctx.redaction(file_names(src.raw.data, src.map))
    out = {"plan_id": plan_id,
           "member_id": src.ids("member_id", types),
           "community": src.text("community", "community"),
           "meeting_id": src.text("meeting_id"),
           "strategy": redact_texts(src.text("strategy"), known),
           "plan": redact_texts(_required_text(src, "plan", "a plan"), known),
           "report": redact_texts(src.text("report"), known)}
    if src.has("date"):
        out["date"] = src.dates("date")
    if src.has("status"):
        out["status"] = src.parse(
            "status", parse_choice, vocabulary=STATUS_WORDS, blank="not_reported",
            categories=["tried", "partly", "not_tried", "not_reported"],
            expected="Tried (yes, done), Partly (in progress), Not tried (not yet) or "
                     "Not reported (or blank)")
    else:
        out["status"] = pd.Series(pd.Categorical(["not_reported"] * len(src)))
    src.require_unique({"plan_id": out["plan_id"]}, "plan_id")
    return src.finish("action_plans", out, person="member_id")
