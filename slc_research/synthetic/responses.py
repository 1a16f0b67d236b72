"""What the people of a synthetic school answered and wrote.

The learning questionnaire (Google Forms, Microsoft Forms or Qualtrics, by school), the TLC
staff survey (Microsoft Forms XLSX), the co-production check, weekly reflections, conference
feedback and interview snippets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from slc_research.data.loading.survey_exports import FORMAT_NAMES as _TOOL_NAMES
from slc_research.synthetic.communities import uk_date
from slc_research.synthetic.exports import write_survey_export
from slc_research.synthetic.output import WorkspaceWriter
from slc_research.synthetic.school_year import SchoolYear
from slc_research.synthetic.surveys import (
    CONFIDENT_ITEM,
    LQ_ITEMS,
    LQ_YEARS,
    TLC_SURVEY_ITEMS,
    TROUBLE_ITEM,
    answer_texts,
    confident_answers,
    learning_questionnaire_levels,
    participation,
    tlc_survey_levels,
    trouble_answers,
)
from slc_research.synthetic.text import (
    conference_feedback,
    interview_quotes,
    reflection,
    survey_comment,
)

if TYPE_CHECKING:
    from slc_research.synthetic.school import School, SchoolSpec

__all__ = ["write_conference", "write_coproduction_check", "write_interviews",
           "write_questionnaire", "write_tlc_survey"]

_DATE = "%d/%m/%Y"


def _stamps(rng: np.random.Generator, days: np.ndarray, n: int, start: int,
            end: int) -> pd.DatetimeIndex:
    """``n`` random moments on ``days`` between ``start`` and ``end`` seconds after midnight."""
    day = pd.to_datetime(rng.choice(days, n))
    return day + pd.to_timedelta(rng.integers(start, end, n), unit="s")


def write_questionnaire(writer: WorkspaceWriter, rng: np.random.Generator, spec: SchoolSpec,
                        roster: pd.DataFrame, upn: np.ndarray, year: SchoolYear,
                        member: np.ndarray, weight: np.ndarray, *,
                        tool_rng: np.random.Generator) -> None:
    """The learning questionnaire at wave 1 (autumn) and wave 2 (summer), Years 7-12.

    One export per wave from the school's survey tool (``spec.survey_tool``,
    see :func:`~slc_research.synthetic.exports.write_survey_export`): the
    ``Pupil ID`` question (the UPN as the pupil typed it: now and then in lower
    case or with a trailing space), ``Tutor group`` and one question per item,
    the items of the three scales interleaved as on the form. What the tool
    adds (durations, response ids) draws from ``tool_rng`` only, so the answers
    are the same whatever the tool.
    """
    levels = learning_questionnaire_levels(rng, roster, member, weight)
    took = participation(rng, member)
    texts = answer_texts(rng, levels)
    eligible = roster["year"].isin(LQ_YEARS).to_numpy()
    flat = [item for items in LQ_ITEMS.values() for item in items]
    order = [j for k in range(5) for j in range(len(flat)) if j % 5 == k]
    windows = (("autumn", year.first_day(0) + 28), ("summer", year.first_day(5) + 14))
    for w, (label, first) in enumerate(windows):
        rows = np.flatnonzero(eligible & took[:, w])
        days = year.days[(year.days >= first) & (year.days < first + 14)]
        stamp = _stamps(rng, days, rows.size, 8 * 3600 + 40 * 60, 15 * 3600 + 20 * 60)
        ids = upn[rows].astype(object)
        u = rng.random(rows.size)
        ids = np.where(u < 0.01, np.char.lower(ids.astype(str)),
                       np.where(u < 0.015, np.char.add(ids.astype(str), " "), ids))
        df = pd.DataFrame({"Pupil ID": ids, "Tutor group": roster["reg_group"].to_numpy()[rows]})
        for j in order:
            df[flat[j][1]] = texts[rows, w, j]
        by_time = np.argsort(stamp.to_numpy(), kind="stable")
        tool = spec.survey_tool
        ext = "xlsx" if tool == "msforms" else "csv"
        write_survey_export(
            writer, tool, df.iloc[by_time].reset_index(drop=True), stamp[by_time],
            roster.iloc[rows[by_time]].reset_index(drop=True), tool_rng,
            rel=f"raw/{spec.slug}/surveys/learning_questionnaire_{label}.{ext}",
            name=f"{spec.key}_questionnaire_{label}",
            description=f"{spec.name}: learning questionnaire, {label} ({_TOOL_NAMES[tool]})",
            items={t: c for c, t, _ in flat}, domain=f"{spec.slug}.example.sch.uk",
            instrument="learning_questionnaire", wave=w + 1, respondents="pupil",
            response_scale="agree5")


def write_tlc_survey(writer: WorkspaceWriter, rng: np.random.Generator, spec: SchoolSpec,
                     members: np.ndarray, year: SchoolYear) -> None:
    """The anonymous end-of-year TLC survey as Microsoft Forms exports it, and its comments.

    The XLSX has Forms' ``ID``, ``Start time``, ``Completion time``, ``Email``
    (``anonymous``) and ``Name`` (blank) columns, the agree5 items and an open
    comments column. The survey kind reads answers on a scale only, so the
    comments are also copied into a texts CSV (``Response ID``, ``Comment``).
    """
    k = max(1, int((rng.random(members.size) < 0.75).sum()))
    texts = answer_texts(rng, tlc_survey_levels(rng, k), blank=0.01, dont_know=0.0)
    start = _stamps(rng, year.days[-15:], k, 15 * 3600 + 30 * 60, 21 * 3600)
    done = start + pd.to_timedelta(rng.integers(120, 600, k), unit="s")
    comment = [survey_comment(rng) if rng.random() < 0.5 else "" for _ in range(k)]
    df = pd.DataFrame({"ID": np.arange(1, k + 1), "Start time": start.to_pydatetime(),
                       "Completion time": done.to_pydatetime(), "Email": "anonymous",
                       "Name": None})
    for j, (_, text, _) in enumerate(TLC_SURVEY_ITEMS):
        df[text] = [t if t else None for t in texts[:, j]]
    comment_header = "Any other comments about your TLC this year?"
    df[comment_header] = [c if c else None for c in comment]
    base = f"raw/{spec.slug}/surveys"
    writer.xlsx({"Sheet1": df}, f"{base}/tlc_end_of_year_survey.xlsx",
                name=f"{spec.key}_tlc_survey", kind="survey",
                description=f"{spec.name}: end-of-year TLC survey (Microsoft Forms, anonymous)",
                columns={t: c for c, t, _ in TLC_SURVEY_ITEMS}, instrument="tlc_staff_survey",
                wave=1, respondents="staff", response_scale="agree5")
    said = df[comment_header].notna().to_numpy()
    ids = [f"{spec.code}-TLCS{i:03d}" for i in df["ID"][said]]
    writer.csv(pd.DataFrame({"Response ID": ids, "Comment": df[comment_header][said]}),
               f"{base}/tlc_survey_comments.csv", name=f"{spec.key}_tlc_survey_comments",
               kind="texts", columns={"Response ID": "text_id", "Comment": "text"},
               authors="staff",
               text_source="open_answer",
               description=f"{spec.name}: open comments of the TLC survey, copied out")


def write_conference(writer: WorkspaceWriter, rng: np.random.Generator, spec: SchoolSpec,
                     roster: pd.DataFrame, upn: np.ndarray, pupils: np.ndarray,
                     year: SchoolYear, community: str) -> None:
    """A Year 7 class's student-led conferences, written as the school would export them.

    The members, the two conference evenings, weekly reflections (a Seesaw-like export) and
    feedback after each conference.

    Reflections deepen over the year (see :func:`reflection`); about one in
    twenty-five mentions a classmate by forename.
    """
    base, key = f"raw/{spec.slug}/conferences", spec.key
    form = str(roster["reg_group"].iloc[pupils[0]])
    writer.csv(pd.DataFrame({"UPN": upn[pupils], "Class": community,
                             "Joined": uk_date(year.days[0])[0]}),
               f"{base}/class_list.csv", name=f"{key}_conference_class", kind="memberships",
               date_format=_DATE, members="pupil", community_kind="slc_conference",
               school=spec.name, description=f"{spec.name}: class {form}, student-led conferences",
               columns={"UPN": "member_id", "Class": "community", "Joined": "joined"})
    events = np.array([year.days[year.half_term == 2][-3], year.days[-8]])
    writer.csv(pd.DataFrame({"Event ID": [f"{spec.code}-CONF-1", f"{spec.code}-CONF-2"],
                             "Date": uk_date(events),
                             "Event": ["Spring student-led conferences",
                                       "Summer student-led conferences"]}),
               f"{base}/conferences.csv", name=f"{key}_conference_events", kind="meetings",
               date_format=_DATE, community=community,
               description=f"{spec.name}: the conference evenings of class {form}",
               columns={"Event ID": "meeting_id", "Date": "date", "Event": "topic"})
    week = year.days - ((year.days.astype(int) - 4) % 7)
    _, last_idx = np.unique(week[::-1], return_index=True)
    post_days = np.sort(year.days[::-1][last_idx])[1:]
    forenames = roster["forename"].to_numpy()[pupils]
    diligence = rng.beta(6, 1.5, pupils.size)
    growth = rng.normal(0, 0.08, pupils.size)
    rows = []
    for w, day_label in enumerate(uk_date(post_days)):
        progress = w / max(1, post_days.size - 1)
        for i in np.flatnonzero(rng.random(pupils.size) < diligence):
            mate = None
            if rng.random() < 0.04 and pupils.size > 1:
                mate = str(forenames[(i + 1 + int(rng.integers(pupils.size - 1))) % pupils.size])
            text, _ = reflection(rng, progress, float(growth[i]), mate)
            rows.append((upn[pupils[i]], day_label, text))
    refl = pd.DataFrame(rows, columns=["Student ID", "Posted", "Reflection"])
    refl.insert(0, "Post ID", [f"{spec.code}-R{i + 1:05d}" for i in range(len(refl))])
    writer.csv(refl, f"{base}/weekly_reflections.csv", name=f"{key}_reflections", kind="texts",
               date_format=_DATE, authors="pupil", text_source="reflection",
               community=community, description=f"{spec.name}: weekly reflections, class {form}",
               columns={"Post ID": "text_id", "Student ID": "author_id", "Posted": "date",
                        "Reflection": "text"})
    fb = []
    for day in events:
        for who, share in (("Parent", 0.55), ("Pupil", 0.45)):
            for i in np.flatnonzero(rng.random(pupils.size) < share):
                child = str(forenames[i]) if who == "Parent" and rng.random() < 0.25 else None
                fb.append((who, conference_feedback(rng, who, child), day))
        fb += [("Staff", conference_feedback(rng, "Staff"), day) for _ in range(3)]
    offsets = rng.integers(18 * 3600, 3 * 24 * 3600, len(fb))
    stamps = pd.to_datetime(np.array([d for *_, d in fb])) + pd.to_timedelta(offsets, unit="s")
    feedback = pd.DataFrame({"Timestamp": stamps.strftime("%d/%m/%Y %H:%M:%S"),
                             "I am a": [w for w, *_ in fb], "Feedback": [t for _, t, _ in fb]})
    feedback = feedback.iloc[np.argsort(stamps.to_numpy(), kind="stable")]
    feedback.insert(0, "Response ID", [f"{spec.code}-FB{i + 1:04d}" for i in range(len(feedback))])
    writer.csv(feedback, f"{base}/conference_feedback.csv", name=f"{key}_conference_feedback",
               kind="texts", text_source="feedback", community=community,
               date_format="%d/%m/%Y %H:%M:%S",
               description=f"{spec.name}: feedback after the conferences (Google Forms)",
               columns={"Response ID": "text_id", "Timestamp": "date", "I am a": "author_type",
                        "Feedback": "text"})


def write_interviews(writer: WorkspaceWriter, rng: np.random.Generator, spec: SchoolSpec,
                     members: np.ndarray, year: SchoolYear, community: str,
                     interviewer: str) -> None:
    """8-12 short pupil-voice snippets from interviews with SLC members in June."""
    k = int(rng.integers(8, 13))
    who = rng.choice(members, k, replace=k > members.size)
    days = year.days[year.half_term == 5][:15]
    df = pd.DataFrame({"Response ID": [f"{spec.code}-INT{i + 1:02d}" for i in range(k)],
                       "UPN": who, "Date": uk_date(np.sort(rng.choice(days, k))),
                       "Interviewer": interviewer, "Quote": interview_quotes(rng, k),
                       "OK to quote": np.where(rng.random(k) < 0.9, "Y", "N")})
    writer.csv(df, f"raw/{spec.slug}/slc/interview_snippets.csv", name=f"{spec.key}_interviews",
               kind="texts", date_format=_DATE, authors="pupil", text_source="interview",
               community=community, description=f"{spec.name}: SLC members in interview",
               columns={"Response ID": "text_id", "UPN": "author_id", "Date": "date",
                        "Quote": "text", "OK to quote": "quotable"})


def write_coproduction_check(writer: WorkspaceWriter, schools: list[School],
                             rng: np.random.Generator) -> None:
    """The co-production pupils' yes/no check, before and after, for the whole trust.

    The two questions are "I often get into trouble at school" and "I feel confident about
    speaking up in school" (Yes/No).

    The answers are drawn for all co-production pupils of the trust at once (see
    :func:`trouble_answers` and :func:`confident_answers`), then written school by
    school: ``UPN``, ``Date`` and the two questions.
    """
    neg = np.concatenate([s.roster["neg_rate"].to_numpy()[s.coproduction] for s in schools])
    before, after = trouble_answers(rng, neg)
    sure_before, sure_after = confident_answers(rng, neg.size)
    at = 0
    for s in schools:
        k = s.coproduction.size
        for w, (label, yes, sure, day) in enumerate((
                ("before", before, sure_before, s.coproduction_days[0]),
                ("after", after, sure_after, s.coproduction_days[1]))):
            df = pd.DataFrame({"UPN": s.upn[s.coproduction], "Date": uk_date(day)[0],
                               TROUBLE_ITEM[1]: np.where(yes[at:at + k], "Yes", "No"),
                               CONFIDENT_ITEM[1]: np.where(sure[at:at + k], "Yes", "No")})
            writer.csv(df, f"{s.base}/coproduction/check_{label}.csv",
                       name=f"{s.spec.key}_coproduction_check_{label}", kind="survey",
                       description=f"{s.spec.name}: co-production pupils' check, {label}",
                       columns={"UPN": "respondent_id", TROUBLE_ITEM[1]: TROUBLE_ITEM[0],
                                CONFIDENT_ITEM[1]: CONFIDENT_ITEM[0]},
                       instrument="coproduction_check", wave=w + 1, respondents="pupil",
                       response_scale="yesno")
        at += k
