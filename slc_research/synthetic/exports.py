"""The synthetic schools' files in the shapes the real tools export them.

The demo trust's schools use different tools, so that ``make demo`` reads each
shape the loaders recognise from the content, with no ``format`` or ``layout``
option in ``enquiry.toml``:

- pupil questionnaires as Google Forms' CSV download (``Timestamp`` written
  ``2025/10/01 9:05:12 AM GMT+1``), Microsoft Forms' XLSX (``ID``, ``Start
  time``, ``Completion time``, ``Email``, ``Name``, ``Last modified time``, then
  the questions) or a Qualtrics CSV (row 1 export names, row 2 question texts,
  row 3 ``{"ImportId":...}`` objects, a UTF-8 byte-order mark and one survey
  preview response), following :mod:`slc_research.data.loading.survey_exports`;
- attendance as a SIMS-style session grid (XLSX, dates in row 1 written once
  over the AM and PM columns, AM/PM in row 2), an Arbor-style roll-call marks
  export (a row per mark, ``1 Sep 2025`` dates) or the plain CSV layouts;
- behaviour as SIMS's separate achievement and behaviour incident exports,
  Arbor's behaviour export (``Polarity`` column) or the plain CSV log,
  following :mod:`slc_research.data.loading.mis_layouts`.

Every shape carries the same answers, marks and events as the plain layout,
so the canonical tables do not depend on the tool. Names and emails are those
of the invented pupils; IP addresses are from the documentation range
192.0.2.0/24.
"""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from slc_research.data.schemas import DFE_ATTENDANCE_CODES
from slc_research.synthetic.output import WorkspaceWriter

__all__ = ["SURVEY_TOOLS", "google_timestamps", "write_attendance_export",
           "write_behaviour_export", "write_survey_export"]

#: Survey tools, by school index (cycled).
SURVEY_TOOLS = ("google", "msforms", "qualtrics", "google")
_LONDON = ZoneInfo("Europe/London")
_QUALTRICS_META = [  # (export name, question text, ImportId)
    ("StartDate", "Start Date", {"ImportId": "startDate", "timeZone": "Europe/London"}),
    ("EndDate", "End Date", {"ImportId": "endDate", "timeZone": "Europe/London"}),
    ("Status", "Response Type", {"ImportId": "status"}),
    ("IPAddress", "IP Address", {"ImportId": "ipAddress"}),
    ("Progress", "Progress", {"ImportId": "progress"}),
    ("Duration (in seconds)", "Duration (in seconds)", {"ImportId": "duration"}),
    ("Finished", "Finished", {"ImportId": "finished"}),
    ("RecordedDate", "Recorded Date", {"ImportId": "recordedDate", "timeZone": "Europe/London"}),
    ("ResponseId", "Response ID", {"ImportId": "_recordId"}),
    ("RecipientLastName", "Recipient Last Name", {"ImportId": "recipientLastName"}),
    ("RecipientFirstName", "Recipient First Name", {"ImportId": "recipientFirstName"}),
    ("RecipientEmail", "Recipient Email", {"ImportId": "recipientEmail"}),
    ("ExternalReference", "External Data Reference", {"ImportId": "externalDataReference"}),
    ("LocationLatitude", "Location Latitude", {"ImportId": "locationLatitude"}),
    ("LocationLongitude", "Location Longitude", {"ImportId": "locationLongitude"}),
    ("DistributionChannel", "Distribution Channel", {"ImportId": "distributionChannel"}),
    ("UserLanguage", "User Language", {"ImportId": "userLanguage"}),
]
_MATRIX = "How much do you agree with each statement?"


def google_timestamps(stamps: pd.DatetimeIndex) -> list[str]:
    """Google Forms' CSV ``Timestamp``: ``2025/10/01 9:05:12 AM GMT+1`` (UK time)."""
    out = []
    for t in stamps:
        hours = int(t.to_pydatetime().replace(tzinfo=_LONDON).utcoffset().total_seconds() // 3600)
        zone = f"GMT+{hours}" if hours else "GMT"
        out.append(f"{t:%Y/%m/%d} {t.hour % 12 or 12}:{t:%M:%S} {'AM' if t.hour < 12 else 'PM'} "
                   f"{zone}")
    return out


def _emails(forenames: np.ndarray, surnames: np.ndarray, domain: str) -> list[str]:
    def part(s: str) -> str:
        return "".join(c for c in str(s).lower() if c.isalnum())
    return [f"{part(f)}.{part(s)}@{domain}" for f, s in zip(forenames, surnames, strict=True)]


def _durations(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(150, 900, n)


def write_survey_export(writer: WorkspaceWriter, tool: str, answers: pd.DataFrame,
                        stamps: pd.DatetimeIndex, people: pd.DataFrame,
                        rng: np.random.Generator, *, rel: str, name: str, description: str,
                        items: dict[str, str], domain: str, **options: Any) -> None:
    """Write a questionnaire as ``tool`` exports it, with its manifest entry.

    Parameters
    ----------
    writer : WorkspaceWriter
    tool : str
        ``google``, ``msforms`` or ``qualtrics``.
    answers : DataFrame
        ``Pupil ID``, ``Tutor group`` and one column per question (headed by its
        text), a row per response in the order submitted; blank answers "".
    stamps : DatetimeIndex
        When each response was submitted (UK time).
    people : DataFrame
        ``forename`` and ``surname`` of each respondent (signed-in forms record them).
    rng : Generator
        For what the tools add (durations, response ids); no other stream is touched.
    rel, name, description : str
        Path, source name and description.
    items : dict
        Question text -> item code.
    domain : str
        The school's invented email domain.
    **options
        The manifest options (instrument, wave, respondents, response_scale).
    """
    n = len(answers)
    mapping = {"Pupil ID": "respondent_id", **items}
    if tool == "google":
        df = pd.concat([pd.DataFrame({"Timestamp": google_timestamps(stamps)},
                                     index=answers.index), answers], axis=1)
        writer.csv(df, rel, name=name, kind="survey", description=description,
                   columns=mapping, **options)
        return
    done = stamps.to_pydatetime()
    start = (stamps - pd.to_timedelta(_durations(rng, n), unit="s")).to_pydatetime()
    if tool == "msforms":
        df = pd.DataFrame({
            "ID": np.arange(1, n + 1), "Start time": start, "Completion time": done,
            "Email": _emails(people["forename"], people["surname"], domain),
            "Name": (people["forename"] + " " + people["surname"]).to_numpy(),
            "Last modified time": None}, index=answers.index)
        df = pd.concat([df, answers.astype(object).where(answers != "", None)], axis=1)
        writer.xlsx({"Sheet1": df}, rel, name=name, kind="survey", description=description,
                    columns=mapping, **options)
        return
    if tool != "qualtrics":
        raise ValueError(f"unknown survey tool {tool!r}")
    _write_qualtrics(writer, answers, stamps, rng, rel=rel, name=name,
                     description=description, items=items, **options)


def _write_qualtrics(writer: WorkspaceWriter, answers: pd.DataFrame, stamps: pd.DatetimeIndex,
                     rng: np.random.Generator, *, rel: str, name: str, description: str,
                     items: dict[str, str], **options: Any) -> None:
    """Qualtrics' CSV: three header rows, a survey preview first, matrix items ``Q3_k``."""
    questions = [h for h in answers.columns if h not in ("Pupil ID", "Tutor group")]
    export = {"Pupil ID": "Q1", "Tutor group": "Q2",
              **{q: f"Q3_{k + 1}" for k, q in enumerate(questions)}}
    texts = {"Pupil ID": "Pupil ID", "Tutor group": "Tutor group",
             **{q: f"{_MATRIX} - {q}" for q in questions}}
    ids = {"Pupil ID": "QID1_TEXT", "Tutor group": "QID2",
           **{q: f"QID3_{k + 1}" for k, q in enumerate(questions)}}
    n = len(answers)
    preview_at = stamps.min() - pd.Timedelta(days=3)
    when = pd.DatetimeIndex([preview_at]).append(stamps)
    took = _durations(rng, n + 1)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
    meta = {
        "StartDate": (when - pd.to_timedelta(took, unit="s")).strftime("%Y-%m-%d %H:%M:%S"),
        "EndDate": when.strftime("%Y-%m-%d %H:%M:%S"),
        "Status": ["Survey Preview"] + ["IP Address"] * n,
        "IPAddress": [""] + [f"192.0.2.{int(v)}" for v in rng.integers(1, 255, n)],
        "Progress": "100", "Duration (in seconds)": took.astype(str), "Finished": "True",
        "RecordedDate": when.strftime("%Y-%m-%d %H:%M:%S"),
        "ResponseId": ["R_" + "".join(rng.choice(letters, 15)) for _ in range(n + 1)],
        "RecipientLastName": "", "RecipientFirstName": "", "RecipientEmail": "",
        "ExternalReference": "", "LocationLatitude": "", "LocationLongitude": "",
        "DistributionChannel": ["preview"] + ["anonymous"] * n, "UserLanguage": "EN-GB"}
    preview = pd.DataFrame([{"Pupil ID": "", "Tutor group": answers["Tutor group"].iloc[0],
                             **dict.fromkeys(questions, "Agree")}])
    body = pd.concat([preview, answers], ignore_index=True).rename(columns=export)
    data = pd.concat([pd.DataFrame(meta), body], axis=1)
    header = [[t for _, t, _ in _QUALTRICS_META] + [texts[h] for h in answers.columns],
              [json.dumps(i, separators=(",", ":")) for _, _, i in _QUALTRICS_META]
              + [json.dumps({"ImportId": ids[h]}, separators=(",", ":")) for h in answers.columns]]
    df = pd.concat([pd.DataFrame(header, columns=data.columns), data], ignore_index=True)
    writer.csv(df, rel, name=name, kind="survey", description=description,
               columns={"Q1": "respondent_id", **{export[q]: c for q, c in items.items()}},
               encoding="utf-8-sig", **options)


def _arbor_dates(labels: np.ndarray) -> np.ndarray:
    """``01/09/2025`` -> ``1 Sep 2025``, Arbor's way of writing a day."""
    days = pd.to_datetime(pd.Series(labels), format="%d/%m/%Y")
    return (days.dt.day.astype(str) + days.dt.strftime(" %b %Y")).to_numpy()


def write_attendance_export(writer: WorkspaceWriter, shape: str, marks: np.ndarray,
                            labels: np.ndarray, roster: pd.DataFrame, upn: np.ndarray, *,
                            base: str, key: str, school: str) -> None:
    """The attendance register in one of the shapes: ``sims``, ``arbor``, ``wide``, ``long``.

    ``marks`` are the codes (pupil x session, day 1 AM, day 1 PM, ...) and
    ``labels`` the days as ``01/09/2025``.
    """
    name, n, n_days = f"{key}_attendance", len(roster), labels.size
    if shape == "sims":
        shown = pd.to_datetime(pd.Series(labels), format="%d/%m/%Y").dt.strftime("%a %d/%m/%Y")
        top = ["Surname", "Forename", "Reg Group", "Adno", "UPN"]
        rows: list[list[Any]] = [top + [c for d in shown for c in (d, None)],
                                 [None] * len(top) + ["AM", "PM"] * n_days]
        ids = np.column_stack([roster["surname"], roster["forename"], roster["reg_group"],
                               [f"{k + 1:06d}" for k in range(n)], upn]).tolist()
        rows += [a + b for a, b in zip(ids, marks.tolist(), strict=True)]
        writer.xlsx({"Attendance": rows}, f"{base}/attendance_sims_grid.xlsx", name=name,
                    kind="attendance", columns={"UPN": "pupil_id"},
                    description=f"{school}: SIMS session grid (dates over AM/PM, two header "
                                "rows)")
    elif shape == "arbor":
        meaning = {c: d for c, (_, d) in DFE_ATTENDANCE_CODES.items()}
        flat = marks.ravel()
        df = pd.DataFrame({
            "Student": np.repeat((roster["forename"] + " " + roster["surname"]).to_numpy(),
                                 2 * n_days),
            "UPN": np.repeat(upn, 2 * n_days),
            "Date": np.tile(np.repeat(_arbor_dates(labels), 2), n),
            "Session": np.tile(np.array(["AM", "PM"]), n * n_days),
            "Mark": flat, "Description": pd.Series(flat).map(meaning).to_numpy()})
        writer.csv(df, f"{base}/attendance_roll_call_marks.csv", name=name, kind="attendance",
                   columns={"UPN": "pupil_id"},
                   description=f"{school}: Arbor-style roll-call marks, one row per mark")
    elif shape == "wide":
        df = pd.DataFrame(marks, columns=[f"{d} {s}" for d in labels for s in ("AM", "PM")])
        df.insert(0, "Reg Group", roster["reg_group"].to_numpy())
        df.insert(0, "UPN", upn)
        writer.csv(df, f"{base}/attendance_register.csv", name=name, kind="attendance",
                   columns={"UPN": "pupil_id"},
                   description=f"{school}: attendance register, one column per session")
    else:
        df = pd.DataFrame({"UPN": np.repeat(upn, 2 * n_days),
                           "Date": np.tile(np.repeat(labels, 2), n),
                           "Session": np.tile(np.array(["AM", "PM"]), n * n_days),
                           "Mark": marks.ravel()})
        writer.csv(df, f"{base}/attendance_marks.csv", name=name, kind="attendance",
                   columns={"UPN": "pupil_id", "Date": "date", "Session": "session",
                            "Mark": "code"},
                   description=f"{school}: attendance marks, one row per session")


def write_behaviour_export(writer: WorkspaceWriter, shape: str, log: pd.DataFrame,
                           roster: pd.DataFrame, upn: np.ndarray, *, base: str, key: str,
                           school: str) -> None:
    """The behaviour log (``UPN, Date, Type, Category, Points``) in the school's MIS shape.

    ``sims``: an achievement export and a behaviour incident export (points
    unsigned; the loader reads them as positive and negative). ``arbor``: one
    export with ``Student``, ``Polarity`` and ``1 Oct 2025`` dates. Otherwise
    the plain log.
    """
    row = pd.Series(np.arange(len(upn)), index=upn).loc[log["UPN"]].to_numpy()
    if shape == "sims":
        names = {"Surname": roster["surname"].to_numpy()[row],
                 "Forename": roster["forename"].to_numpy()[row],
                 "Reg Group": roster["reg_group"].to_numpy()[row], "UPN": log["UPN"]}
        for kind, label, file, source in (("Positive", "Achievement", "achievements",
                                           f"{key}_achievements"),
                                          ("Negative", "Incident", "behaviour_incidents",
                                           f"{key}_behaviour")):
            keep = (log["Type"] == kind).to_numpy()
            df = pd.DataFrame({k: np.asarray(v)[keep] for k, v in names.items()})
            df[f"{label} Date"] = log["Date"].to_numpy()[keep]
            df["Achievement Type" if kind == "Positive" else "Behaviour Type"] = \
                log["Category"].to_numpy()[keep]
            df["Points"] = log["Points"].to_numpy()[keep]
            if kind == "Negative":
                df["Status"] = "Resolved"
            writer.csv(df, f"{base}/{file}.csv", name=source, kind="behaviour",
                       columns={"UPN": "pupil_id"},
                       description=f"{school}: SIMS {label.lower()} export")
    elif shape == "arbor":
        df = pd.DataFrame({
            "Student": (roster["forename"] + " " + roster["surname"]).to_numpy()[row],
            "UPN": log["UPN"], "Date": _arbor_dates(log["Date"].to_numpy()),
            "Behaviour Type": log["Category"], "Polarity": log["Type"],
            "Points": log["Points"], "Status": "Resolved"})
        writer.csv(df, f"{base}/behaviour_export.csv", name=f"{key}_behaviour",
                   kind="behaviour", columns={"UPN": "pupil_id"},
                   description=f"{school}: Arbor-style behaviour export")
    else:
        writer.csv(log, f"{base}/behaviour.csv", name=f"{key}_behaviour", kind="behaviour",
                   columns={"UPN": "pupil_id", "Date": "date", "Type": "type",
                            "Category": "category", "Points": "points"},
                   description=f"{school}: behaviour log (achievement and behaviour points)")
