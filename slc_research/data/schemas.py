"""The canonical tables, their columns and dtypes, and the source kinds.

Everything downstream of the loaders sees only these tables, keyed by
pseudonymous ids (``P-`` for pupils, ``S-`` for staff). Names and real ids
never appear in them.

Dtypes are fixed: :func:`conform` casts a frame to its table's schema, adds
missing optional columns as all-missing, and orders the columns. It is applied
after every load and after every cache read, so a table has the same dtypes
whichever way it was obtained.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = [
    "ATTENDANCE_MEANINGS",
    "COMMUNITY_KINDS",
    "DFE_ATTENDANCE_CODES",
    "KINDS",
    "LEGACY_ATTENDANCE_CODES",
    "SourceKind",
    "TABLES",
    "conform",
    "empty_table",
]

DATE = "datetime64[ms]"

#: Canonical tables -> {column: dtype}. Column order is the canonical order.
TABLES: dict[str, dict[str, str]] = {
    "pupils": {
        "pupil_id": "string",
        "school": "string",
        "year_group": "Int8",
        "gender": "category",  # F, M, X (other / non-binary), U (not known)
        "pupil_premium": "boolean",
        "sen": "category",  # none, support (SEN support, K), ehcp (EHC plan, E)
        "eal": "boolean",
        "prior_attainment": "category",  # low, middle, high
    },
    "staff": {
        "staff_id": "string",
        "school": "string",
        "department": "string",
        "role": "string",
        "years_experience": "Float64",
    },
    "communities": {
        "community": "string",
        "kind": "category",  # see COMMUNITY_KINDS
        "school": "string",
        "theme": "string",
    },
    "memberships": {
        "member_id": "string",
        "member_type": "category",  # pupil, staff
        "community": "string",
        "community_kind": "category",
        "school": "string",
        "role": "string",
        "joined": DATE,
        "left": DATE,
    },
    "meetings": {
        "meeting_id": "string",
        "community": "string",
        "date": DATE,
        "topic": "string",
    },
    "meeting_attendance": {
        "meeting_id": "string",
        "member_id": "string",
        "member_type": "category",
        "attended": "boolean",
    },
    "action_plans": {
        "plan_id": "string",
        "member_id": "string",
        "community": "string",
        "meeting_id": "string",
        "date": DATE,
        "strategy": "string",
        "plan": "string",
        "status": "category",  # tried, partly, not_tried, not_reported
        "report": "string",  # what the member reported back at the next meeting
    },
    "survey_responses": {
        "respondent_id": "string",
        "respondent_type": "category",  # pupil, staff, parent, anonymous
        "instrument": "string",
        "wave": "Int8",
        "item": "string",
        "answer": "string",  # the raw answer, as exported (trimmed)
        "value": "Float64",  # its number on the response scale (not reverse-coded)
        "source": "string",
        "submitted": DATE,  # when the response was sent (the export's timestamp), or missing
    },
    "attendance": {
        "pupil_id": "category",
        "date": DATE,
        "session": "category",  # AM, PM
        "code": "category",  # DfE code as recorded
        "meaning": "category",  # see ATTENDANCE_MEANINGS
    },
    "behaviour": {
        "pupil_id": "string",
        "date": DATE,
        "type": "category",  # positive, negative
        "category": "string",
        "points": "Float64",
    },
    "attainment": {
        "pupil_id": "string",
        "assessment": "string",
        "subject": "string",
        "date": DATE,
        "score": "Float64",
        "grade": "string",
    },
    "texts": {
        "text_id": "string",
        "author_id": "string",
        "author_type": "category",  # pupil, staff, parent, anonymous
        "date": DATE,
        "source": "string",  # reflection, interview, open_answer, minutes, feedback
        "community": "string",
        "text": "string",
        "quotable": "boolean",
        "wave": "Int8",  # when texts were collected in waves (a folder's file names say)
    },
    "codebook": {
        "code": "string",
        "description": "string",
        "parent": "string",
    },
    "codings": {
        "text_id": "string",
        "coder": "string",
        "code": "string",
        "start": "Int64",
        "end": "Int64",
    },
}

#: Kinds of learning community the workbench knows.
COMMUNITY_KINDS = ("slc", "tlc", "coproduction", "slc_conference", "other")

#: What an attendance mark means for statistics.
ATTENDANCE_MEANINGS = ("present", "authorised", "unauthorised", "not_counted", "not_required")

#: DfE attendance and absence codes in force from August 2024 (School Attendance
#: (Pupil Registration) (England) Regulations 2024; "Working together to improve
#: school attendance", 2024). code -> (meaning, description).
#: Possible sessions = present + authorised + unauthorised.
DFE_ATTENDANCE_CODES: dict[str, tuple[str, str]] = {
    "/": ("present", "Present (AM)"),
    "\\": ("present", "Present (PM)"),
    "L": ("present", "Late, arrived before the register closed"),
    "K": ("present", "Attending education provision arranged by the local authority"),
    "V": ("present", "Attending an educational visit or trip"),
    "P": ("present", "Participating in a supervised sporting activity"),
    "W": ("present", "Attending work experience"),
    "B": ("present", "Attending any other approved educational activity"),
    "D": ("not_counted", "Dual registered: at another school (not a possible session here)"),
    "C1": ("authorised", "Leave of absence: regulated performance or employment abroad"),
    "M": ("authorised", "Leave of absence: medical or dental appointment"),
    "J1": ("authorised", "Leave of absence: interview"),
    "S": ("authorised", "Leave of absence: study leave"),
    "X": ("not_required", "Not required to be in school (non-compulsory school age)"),
    "C2": ("authorised", "Leave of absence: part-time timetable"),
    "C": ("authorised", "Leave of absence: exceptional circumstances"),
    "T": ("authorised", "Parent travelling for occupational purposes"),
    "R": ("authorised", "Religious observance"),
    "I": ("authorised", "Illness"),
    "E": ("authorised", "Suspended or permanently excluded, no alternative provision"),
    "Q": ("not_counted", "Unable to attend: lack of access arrangements"),
    "Y1": ("not_counted", "Unable to attend: transport normally provided not available"),
    "Y2": ("not_counted", "Unable to attend: widespread disruption to travel"),
    "Y3": ("not_counted", "Unable to attend: part of the school premises closed"),
    "Y4": ("not_counted", "Unable to attend: whole school site unexpectedly closed"),
    "Y5": ("not_counted", "Unable to attend: in criminal justice detention"),
    "Y6": ("not_counted", "Unable to attend: public health guidance or law"),
    "Y7": ("not_counted", "Unable to attend: any other unavoidable cause"),
    "G": ("unauthorised", "Holiday not granted by the school"),
    "N": ("unauthorised", "Reason for absence not yet given"),
    "O": ("unauthorised", "Absent in other or unknown circumstances"),
    "U": ("unauthorised", "Arrived after the register closed"),
    "Z": ("not_required", "Prospective pupil not on the admission register"),
    "#": ("not_required", "Planned whole or partial school closure"),
}

#: Codes withdrawn in August 2024 that older exports still hold; read with a
#: warning in the data-health summary.
LEGACY_ATTENDANCE_CODES: dict[str, tuple[str, str]] = {
    "H": ("authorised", "Holiday authorised by the school (withdrawn 2024)"),
    "F": ("authorised", "Agreed extended family holiday (withdrawn 2013)"),
    "J": ("authorised", "Interview (withdrawn 2024; now J1)"),
    "Y": ("not_counted", "Unable to attend: exceptional circumstances (withdrawn 2024; now Y1-Y7)"),
}


@dataclass(frozen=True)
class SourceKind:
    """What a ``[sources.NAME]`` entry of a given ``kind`` reads.

    Attributes
    ----------
    name : str
        The ``kind`` value in the manifest.
    tables : tuple of str
        Canonical tables this kind fills.
    required : tuple of str
        Canonical column names the raw file must provide (after mapping).
    optional : tuple of str
        Canonical column names it may provide.
    identifying : tuple of str
        Canonical names of columns that identify a person and are dropped at load
        (they never reach a table).
    options : tuple of str
        Extra keys allowed in the manifest entry for this kind.
    """

    name: str
    tables: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    identifying: tuple[str, ...] = ()
    options: tuple[str, ...] = field(default=())


_NAMES = ("name", "forename", "surname", "email")

#: Source kinds by manifest name.
KINDS: dict[str, SourceKind] = {
    k.name: k
    for k in (
        SourceKind(
            "pupils",
            ("pupils",),
            required=("pupil_id",),
            optional=("school", "year_group", "gender", "pupil_premium", "sen", "eal",
                      "prior_attainment"),
            identifying=_NAMES,
            options=("school", "blank", "other_id"),
        ),
        SourceKind(
            "staff",
            ("staff",),
            required=("staff_id",),
            optional=("school", "department", "role", "years_experience"),
            identifying=_NAMES,
            options=("school",),
        ),
        SourceKind(
            "communities",
            ("communities",),
            required=("community",),
            optional=("kind", "school", "theme"),
            options=("school", "community_kind"),
        ),
        SourceKind(
            "memberships",
            ("memberships",),
            required=("member_id",),  # and a community column, or the community option
            optional=("community", "member_type", "community_kind", "school", "role", "joined",
                      "left"),
            identifying=_NAMES,
            options=("members", "community_kind", "school", "community"),
        ),
        SourceKind(
            "meetings",
            ("meetings",),
            required=("meeting_id", "date"),
            optional=("community", "topic"),
            options=("community",),
        ),
        SourceKind(
            "meeting_attendance",
            ("meeting_attendance",),
            required=("meeting_id", "member_id"),
            optional=("member_type", "attended"),
            identifying=_NAMES,
            options=("members",),
        ),
        SourceKind(
            "action_plans",
            ("action_plans",),
            required=("member_id", "plan"),
            optional=("plan_id", "community", "meeting_id", "date", "strategy", "status",
                      "report"),
            identifying=_NAMES,
            options=("members", "community"),
        ),
        SourceKind(
            "survey",
            ("survey_responses",),
            required=(),  # items come from the mapping; respondent_id is optional (anonymous)
            optional=("respondent_id", "submitted"),
            identifying=_NAMES,
            options=("instrument", "wave", "response_scale", "respondents", "format",
                     "unfinished", "multi_select", "duplicates"),
        ),
        SourceKind(
            "attendance",
            ("attendance",),
            required=("pupil_id",),  # long layout also needs date, session, code
            optional=("date", "session", "code"),
            identifying=_NAMES,
            options=("layout",),  # auto (default), long or wide
        ),
        SourceKind(
            "behaviour",
            ("behaviour",),
            required=("pupil_id", "date"),
            optional=("type", "category", "points"),
            identifying=_NAMES,
            options=("polarity",),
        ),
        SourceKind(
            "attainment",
            ("attainment",),
            required=("pupil_id",),
            optional=("assessment", "subject", "date", "score", "grade"),
            identifying=_NAMES,
            options=("assessment", "subject"),
        ),
        SourceKind(
            "texts",
            ("texts",),
            required=("text",),
            optional=("text_id", "author_id", "author_type", "date", "source", "community",
                      "quotable", "wave"),
            identifying=_NAMES,
            # path may be a folder of .txt/.md/.docx files (data/loading/text_folder.py)
            options=("authors", "text_source", "community", "name_pattern", "authors_file"),
        ),
        SourceKind(
            "codebook",
            ("codebook",),
            required=("code",),
            optional=("description", "parent"),
        ),
        SourceKind(
            "codings",
            ("codings",),
            required=("text_id", "code"),
            optional=("coder", "start", "end"),
            options=("coder",),
        ),
        SourceKind(  # a REFI-QDA project (.qdpx, .qde) or codebook (.qdc): not a table
            "qdpx",
            ("texts", "codebook", "codings"),
            required=(),
            options=("authors", "text_source", "community", "coders"),
        ),
    )
}

#: Manifest keys allowed in every ``[sources.NAME]`` entry.
COMMON_SOURCE_KEYS = ("path", "kind", "columns", "sheet", "date_format", "description")


def empty_table(table: str) -> pd.DataFrame:
    """Return an empty frame with the canonical columns and dtypes of ``table``."""
    schema = TABLES[table]
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in schema.items()})


def conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Cast ``df`` to the canonical schema of ``table``.

    Missing columns are added as all-missing; extra columns are dropped; columns
    are put in canonical order and cast to canonical dtypes; the index is reset.

    Parameters
    ----------
    df : DataFrame
        A frame holding (some of) the canonical columns.
    table : str
        A key of :data:`TABLES`.

    Returns
    -------
    DataFrame
        A new frame; ``df`` is not modified.
    """
    schema = TABLES[table]
    if (list(df.columns) == list(schema)
            and [str(t) for t in df.dtypes] == list(schema.values())
            and isinstance(df.index, pd.RangeIndex) and df.index.start == 0
            and df.index.step == 1):
        return df.copy(deep=False)  # already canonical: no copy of the data
    n = len(df)
    out = {}
    for col, dtype in schema.items():
        if col in df.columns:
            s = df[col]
            if str(s.dtype) != dtype:
                s = s.astype(dtype)
            out[col] = s.reset_index(drop=True)
        else:
            out[col] = pd.Series(pd.array([None] * n, dtype=dtype) if dtype != "category"
                                 else pd.Categorical([None] * n))
            if dtype == DATE:
                out[col] = pd.Series(pd.NaT, index=range(n)).astype(DATE)
    return pd.DataFrame(out)
