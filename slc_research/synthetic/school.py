"""One synthetic school: every export it hands to the teacher-researcher.

The exports are written through a :class:`~slc_research.synthetic.output.WorkspaceWriter`.

Each kind of data draws from its own generator, seeded with ``(seed, school,
stream)``, so one school's files do not change when another part of the
generator changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slc_research.synthetic.communities import (
    COPRODUCTION_PROJECTS,
    coproduction_frames,
    slc_frames,
    tlc_frames,
    tlc_history,
)
from slc_research.synthetic.exports import (
    SURVEY_TOOLS,
    write_attendance_export,
    write_behaviour_export,
)
from slc_research.synthetic.output import WorkspaceWriter
from slc_research.synthetic.people import (
    assign_staff_codes,
    assign_upns,
    make_roster,
    make_staff,
    select_coproduction,
    select_slc,
)
from slc_research.synthetic.responses import (
    write_conference,
    write_interviews,
    write_questionnaire,
    write_tlc_survey,
)
from slc_research.synthetic.school_year import (
    MARK_CODES,
    SchoolYear,
    attainment_drops,
    attendance_register,
    behaviour_log,
)
from slc_research.synthetic.surveys import slc_dose

__all__ = ["ATTENDANCE_GAIN", "NEGATIVE_BEHAVIOUR_CHANGE", "School", "SchoolSpec",
           "consent_rows", "school_specs", "write_school"]

#: Rise of SLC members' attendance (as a share of sessions) from autumn to summer.
ATTENDANCE_GAIN = 0.02
#: Relative change of co-production pupils' negative incidents once their project starts.
NEGATIVE_BEHAVIOUR_CHANGE = -0.40

_NAMES = (
    ("Northfield Academy", "Northfield", "NF"), ("Riverside School", "Riverside", "RS"),
    ("St Aidan's C of E High", "St Aidan's", "SA"), ("Castlegate Academy", "Castlegate", "CG"),
    ("Hillcrest Community College", "Hillcrest", "HC"), ("Millbrook High School", "Millbrook", "MB"),
    ("Oakwood Academy", "Oakwood", "OW"), ("Kingsmead School", "Kingsmead", "KM"),
    ("Harbourside Academy", "Harbourside", "HS"),
    ("St Cuthbert's Catholic High", "St Cuthbert's", "SC"),
    ("Ashton Park School", "Ashton Park", "AP"), ("Westgate Academy", "Westgate", "WG"),
)
_PP = (0.21, 0.35, 0.24, 0.30, 0.18, 0.38, 0.26, 0.29, 0.23, 0.32, 0.20, 0.28)
_EAL = (0.09, 0.27, 0.12, 0.18, 0.06, 0.31, 0.14, 0.10, 0.22, 0.15, 0.08, 0.19)
_ABSENCE = (-0.1, 0.2, -0.15, 0.05, -0.05, 0.25, 0.0, 0.1, -0.2, 0.15, 0.05, -0.1)
_DATE = "%d/%m/%Y"


@dataclass(frozen=True)
class SchoolSpec:
    """A synthetic school's identity and profile.

    Attributes
    ----------
    index : int
    name, short : str
        "Northfield Academy", "Northfield".
    slug : str
        Its folder under ``raw/``: ``northfield-academy``.
    key : str
        Prefix of its source names: ``northfield``.
    code : str
        Two-letter code for meeting and plan ids.
    pp_rate, eal_rate, absence_shift : float
        Pupil-premium and EAL shares, shift of absence propensity (logit).
    mis : str
        The shape of its attendance and behaviour exports: ``sims`` (the first
        school: SIMS session grid, achievement and incident exports), ``arbor``
        (the second: Arbor-style roll-call marks and behaviour export), then
        ``wide`` and ``long`` (plain CSV) in turn.
    survey_tool : str
        The tool its pupils' questionnaires come from: ``google``, ``msforms``,
        ``qualtrics`` (see :data:`~slc_research.synthetic.exports.SURVEY_TOOLS`).
    """

    index: int
    name: str
    short: str
    slug: str
    key: str
    code: str
    pp_rate: float
    eal_rate: float
    absence_shift: float
    mis: str
    survey_tool: str


def school_specs(n: int) -> list[SchoolSpec]:
    """The first ``n`` schools of the trust (names repeat with a number after twelve)."""
    out = []
    for i in range(n):
        name, short, code = _NAMES[i % len(_NAMES)]
        if i >= len(_NAMES):
            k = i // len(_NAMES) + 1
            name, short, code = f"{name} {k}", f"{short} {k}", f"{code}{k}"
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower().replace("'", "")).strip("-")
        key = re.sub(r"[^a-z0-9]+", "_", short.lower().replace("'", "")).strip("_")
        j = i % len(_PP)
        mis = ("sims", "arbor")[i] if i < 2 else ("wide", "long")[i % 2]
        out.append(SchoolSpec(i, name, short, slug, key, code, _PP[j], _EAL[j], _ABSENCE[j],
                              mis, SURVEY_TOOLS[i % len(SURVEY_TOOLS)]))
    return out


@dataclass
class School:
    """A built school: what the trust-level steps (consent, co-production check) need."""

    spec: SchoolSpec
    base: str
    roster: pd.DataFrame
    upn: np.ndarray
    slc: np.ndarray
    coproduction: np.ndarray
    conference: np.ndarray
    coproduction_days: tuple[np.datetime64, np.datetime64]


def write_school(writer: WorkspaceWriter, spec: SchoolSpec, *, pupils: int, seed: int,
                 year: SchoolYear, academic_year: str, taken_upns: set[str],
                 taken_codes: set[str]) -> School:
    """Build one school and write its raw files under ``raw/<slug>/``."""

    def rng(stream: int) -> np.random.Generator:
        return np.random.default_rng([seed, spec.index, stream])

    base = f"raw/{spec.slug}"
    key = spec.key
    r = rng(0)
    roster = make_roster(r, pupils, pp_rate=spec.pp_rate, eal_rate=spec.eal_rate,
                         absence_shift=spec.absence_shift)
    upn = assign_upns(r, roster["year"].to_numpy(), year.start_year, taken_upns)
    yn = {True: "Y", False: "N"}
    writer.csv(pd.DataFrame({
        "UPN": upn, "Legal Forename": roster["forename"], "Legal Surname": roster["surname"],
        "Year": roster["year"], "Reg Group": roster["reg_group"], "Gender": roster["gender"],
        "PP": roster["pp"].map(yn), "SEN Status": roster["sen"], "EAL": roster["eal"].map(yn),
        "KS2 Band": roster["prior"]}), f"{base}/mis/roster.csv", name=f"{key}_roster",
        kind="pupils", description=f"{spec.name}: pupils on roll (SIMS export)",
        columns={"UPN": "pupil_id", "Legal Forename": "forename", "Legal Surname": "surname",
                 "Year": "year_group", "Gender": "gender", "PP": "pupil_premium",
                 "SEN Status": "sen", "EAL": "eal", "KS2 Band": "prior_attainment"},
        school=spec.name)

    r = rng(1)
    n_teachers = int(np.clip(round(pupils / 11.5 * r.uniform(0.93, 1.07)), 24, 400))
    staff = make_staff(r, n_teachers, max(3, round(0.22 * n_teachers)))
    staff["code"] = assign_staff_codes(staff["forename"], staff["surname"], taken_codes)
    listed = staff.sort_values(["surname", "forename"], kind="stable")
    writer.xlsx({
        "Staff": pd.DataFrame({
            "Staff Code": listed["code"], "Title": listed["title"],
            "Forename": listed["forename"], "Surname": listed["surname"],
            "Department": listed["department"], "Role": listed["role"],
            "Years Teaching": [None if v != v else int(v) for v in listed["years"]]}),
        "Notes": [["Staff list exported from the MIS for the learning communities enquiry"],
                  ["Academic year", academic_year],
                  ["Years Teaching is left blank for support staff"],
                  ["Contains personal data: keep inside the research team"]],
    }, f"{base}/mis/staff_list.xlsx", name=f"{key}_staff", kind="staff", sheet="Staff",
        description=f"{spec.name}: staff list (the second sheet holds notes)",
        columns={"Staff Code": "staff_id", "Forename": "forename", "Surname": "surname",
                 "Department": "department", "Role": "role",
                 "Years Teaching": "years_experience"}, school=spec.name)

    r = rng(2)
    slc = select_slc(r, roster, max(6, round(pupils * 0.02 * r.uniform(0.9, 1.1))))
    coproduction = select_coproduction(r, roster, int(r.integers(8, 13)), exclude=slc)
    forms = np.unique(roster.loc[roster["year"] == 7, "reg_group"].to_numpy())
    form = str(forms[int(r.integers(forms.size))])
    conference = np.flatnonzero(roster["reg_group"].to_numpy() == form)
    dose = slc_dose(r, slc.size)
    member = np.zeros(pupils, dtype=bool)
    member[slc] = True
    weight = np.zeros(pupils)
    weight[slc] = 0.5 + 0.5 * dose / dose.mean()

    names = {"slc": f"{spec.short} SLC", "cp": f"{spec.short} Co-production",
             "conf": f"{spec.short} {form} student-led conferences"}
    slc_out = slc_frames(rng(3), spec.code, upn[slc], dose, year, names["slc"])
    _write_meetings(writer, slc_out, f"{base}/slc", f"{key}_slc", "slc", "pupil",
                    {"UPN": "member_id", "Team": "community", "Role": "role",
                     "Joined": "joined"}, spec, names["slc"])
    project = COPRODUCTION_PROJECTS[spec.index % len(COPRODUCTION_PROJECTS)]
    cp_out = coproduction_frames(rng(4), spec.code, upn[coproduction], year, names["cp"],
                                 project)
    _write_meetings(writer, cp_out, f"{base}/coproduction", f"{key}_coproduction",
                    "coproduction", "pupil", {"UPN": "member_id", "Group": "community",
                                              "Role": "role", "Joined": "joined"},
                    spec, names["cp"])
    start = cp_out["start"][0]

    _write_mis(writer, rng, spec, roster, upn, year, slc=slc, coproduction=coproduction,
               start=start)
    write_questionnaire(writer, rng(7), spec, roster, upn, year, member, weight,
                        tool_rng=rng(21))
    tlc = tlc_frames(rng(8), spec.code, spec.short, staff, year)
    earlier = tlc_history(rng(20), staff, tlc["members"], year)
    _write_tlc(writer, spec, tlc, earlier)
    write_tlc_survey(writer, rng(9), spec, tlc["members"]["Staff Code"].unique(), year)
    write_conference(writer, rng(10), spec, roster, upn, conference, year, names["conf"])
    lead = staff.loc[staff["role"] == "Assistant Head", "code"]
    write_interviews(writer, rng(11), spec, upn[slc], year, names["slc"],
                     lead.iloc[0] if len(lead) else staff["code"].iloc[0])
    communities = pd.DataFrame(
        [{"community": names["slc"], "kind": "slc", "school": spec.name,
          "theme": "Student pedagogy team: pupils co-plan with departments"}]
        + [{"community": c, "kind": "tlc", "school": spec.name, "theme": t}
           for c, t in tlc["communities"].itertuples(index=False)]
        + [{"community": names["cp"], "kind": "coproduction", "school": spec.name,
            "theme": project},
           {"community": names["conf"], "kind": "slc_conference", "school": spec.name,
            "theme": "Weekly written reflections and student-led conferences"}])
    writer.csv(communities, f"{base}/communities.csv", name=f"{key}_communities",
               kind="communities", columns={},
               description=f"{spec.name}: the learning communities (written by the researcher)")
    last_cp = pd.to_datetime(cp_out["meetings"]["Date"].iloc[-1], format=_DATE).to_datetime64()
    return School(spec, base, roster, upn, slc, coproduction, conference,
                  (start, last_cp.astype("datetime64[D]")))


def _write_meetings(writer: WorkspaceWriter, frames: dict[str, pd.DataFrame], folder: str,
                    key: str, kind: str, members: str, member_columns: dict[str, str],
                    spec: SchoolSpec, community: str) -> None:
    id_col = next(h for h, c in member_columns.items() if c == "member_id")
    writer.csv(frames["members"], f"{folder}/members.csv", name=f"{key}_members",
               kind="memberships", columns=member_columns, date_format=_DATE,
               description=f"{community}: members", members=members, community_kind=kind,
               school=spec.name)
    writer.csv(frames["meetings"], f"{folder}/meetings.csv", name=f"{key}_meetings",
               kind="meetings", date_format=_DATE, description=f"{community}: meetings",
               columns={"Meeting ID": "meeting_id", "Date": "date", "Topic": "topic"},
               community=community)
    writer.csv(frames["attendance"], f"{folder}/meeting_attendance.csv",
               name=f"{key}_meeting_attendance", kind="meeting_attendance",
               description=f"{community}: who came to each meeting",
               columns={"Meeting ID": "meeting_id", id_col: "member_id", "Present": "attended"},
               members=members)


def _write_mis(writer: WorkspaceWriter, rng: Callable[[int], np.random.Generator], spec: SchoolSpec, roster: pd.DataFrame,
               upn: np.ndarray, year: SchoolYear, *, slc: np.ndarray, coproduction: np.ndarray,
               start: np.datetime64) -> None:
    """Attendance register and behaviour log (in the school's MIS shape), attainment drops."""
    base, key, n = f"raw/{spec.slug}/mis", spec.key, len(roster)
    neg = roster["neg_rate"].to_numpy()
    at_risk = neg > np.quantile(neg, 0.95)
    at_risk[coproduction] = True
    improvement = np.zeros(n)
    # the share of absence removed such that members' expected summer-minus-autumn gain is
    # ATTENDANCE_GAIN (M, medical, takes one session of an absent day: hence 0.965)
    mean_abs = 0.965 * roster["absence_rate"].to_numpy()[slc].mean()
    improvement[slc] = min(0.95, ATTENDANCE_GAIN / mean_abs)
    marks = MARK_CODES[attendance_register(rng(5), roster, year, improvement=improvement,
                                           at_risk=at_risk)]
    write_attendance_export(writer, spec.mis, marks, year.labels(), roster, upn, base=base,
                            key=key, school=spec.name)
    mult = np.ones((n, year.days.size))
    mult[np.ix_(coproduction, year.days >= start)] = 1 + NEGATIVE_BEHAVIOUR_CHANGE
    write_behaviour_export(writer, spec.mis, behaviour_log(rng(6), roster, upn, year,
                                                           neg_multiplier=mult),
                           roster, upn, base=base, key=key, school=spec.name)
    writer.csv(attainment_drops(rng(12), roster, upn, year), f"{base}/attainment.csv",
               name=f"{key}_attainment", kind="attainment",
               columns={"UPN": "pupil_id", "Assessment": "assessment", "Subject": "subject",
                        "Date": "date", "Score": "score", "Grade": "grade"},
               description=f"{spec.name}: data drops (KS3 %, KS4 1-9, KS5 A*-E)")


def _write_tlc(writer: WorkspaceWriter, spec: SchoolSpec, tlc: dict[str, pd.DataFrame],
               earlier: pd.DataFrame) -> None:
    """The TLC files; the members file also lists the two previous years' members."""
    base, key = f"raw/{spec.slug}/tlc", spec.key
    members = pd.concat([earlier, tlc["members"].assign(Left="")], ignore_index=True)
    writer.csv(members, f"{base}/tlc_members.csv", name=f"{key}_tlc_members",
               kind="memberships", date_format=_DATE, members="staff", community_kind="tlc",
               school=spec.name,
               description=f"{spec.name}: teacher learning communities, this year and the two "
                           "before",
               columns={"Staff Code": "member_id", "TLC": "community", "Role": "role",
                        "Joined": "joined", "Left": "left"})
    writer.csv(tlc["meetings"], f"{base}/tlc_meetings.csv", name=f"{key}_tlc_meetings",
               kind="meetings", date_format=_DATE, description=f"{spec.name}: TLC meetings",
               columns={"Meeting ID": "meeting_id", "TLC": "community", "Date": "date",
                        "Topic": "topic"})
    writer.csv(tlc["attendance"], f"{base}/tlc_meeting_attendance.csv",
               name=f"{key}_tlc_meeting_attendance", kind="meeting_attendance",
               members="staff", description=f"{spec.name}: who came to each TLC meeting",
               columns={"Meeting ID": "meeting_id", "Staff Code": "member_id",
                        "Present": "attended"})
    writer.csv(tlc["plans"], f"{base}/tlc_action_plans.csv", name=f"{key}_tlc_action_plans",
               kind="action_plans", date_format=_DATE, members="staff",
               description=f"{spec.name}: personal action plans and what was reported back",
               columns={"Plan ID": "plan_id", "Staff Code": "member_id", "TLC": "community",
                        "Meeting ID": "meeting_id", "Date": "date", "Strategy": "strategy",
                        "My plan": "plan", "Status at next meeting": "status",
                        "What I learned": "report"})


def consent_rows(school: School, rng: np.random.Generator, start_year: int) -> pd.DataFrame:
    """The consent register rows of a school: two pupils withdrawn, everyone else consented.

    One withdrawn pupil is an SLC member and one is in the student-led
    conference class, so withdrawal has to reach memberships and texts too.
    """
    upn = school.upn
    withdrawn = [upn[int(rng.choice(school.slc))],
                 upn[int(rng.choice(np.setdiff1d(school.conference, school.slc)))]]
    status = np.where(np.isin(upn, withdrawn), "withdrawn", "consented")
    date = np.where(status == "withdrawn", f"{start_year + 1}-01-12", f"{start_year}-09-08")
    return pd.DataFrame({"id": upn, "type": "pupil", "status": status, "date": date})
