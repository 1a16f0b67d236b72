"""Questionnaire exports as the survey tools write them: recognised, tidied, multi-select split.

Three tools' raw downloads are recognised from their content (whatever the
file is called), or named with ``format`` in ``[sources.NAME]``:

``msforms``
    Microsoft Forms' "Open results in Excel" workbook: columns ``ID``,
    ``Start time``, ``Completion time``, ``Email``, ``Name`` (newer forms add
    ``Last modified time``; quizzes add ``Total points``, ``Quiz feedback``,
    ``Points - <question>`` and ``Feedback - <question>``), then one column
    headed by each question's text. A question where several answers can be
    ticked holds them joined by ``;`` with a trailing ``;``
    (``"Art;Music;"``). An anonymous form writes ``anonymous`` under Email.
``google``
    Google Forms' "Download responses (.csv)": the first column is
    ``Timestamp`` (``2025/10/01 9:05:12 AM GMT+1``), perhaps ``Email address``
    and, for quizzes, ``Score``; one column per question headed by its text
    (grid rows as ``Question [Row]``); ticked answers joined by ``", "``.
``qualtrics``
    Qualtrics' CSV: row 1 the export names (``StartDate``, ``EndDate``,
    ``Status``, ``IPAddress``, ``Progress``, ``Duration (in seconds)``,
    ``Finished``, ``RecordedDate``, ``ResponseId``, ``Recipient*``,
    ``ExternalReference``, ``Location*``, ``DistributionChannel``,
    ``UserLanguage``, then ``Q1``, ``Q2_1`` ...), row 2 the question texts
    (matrix rows as ``Question - Statement``), row 3 ``{"ImportId":"QID1"}``
    objects (exports of about 2016 write them Python-style, ``{'ImportId':
    'QID2-1'}``, and some add keys: ``{'ImportId': 'QID10_DO', 'choiceId':
    '1'}``); data from row 4, UTF-8 with a byte-order mark. The legacy
    two-row form (``V1`` ... ``V10``, ``Q1`` over ``ResponseID``,
    ``ResponseSet``, ``Name``, ``ExternalDataReference``, ``EmailAddress``,
    ``IPAddress``, ``Status``, ``StartDate``, ``EndDate``, ``Finished`` and
    the question texts) is read too. Ticked answers are joined by ``,``.
    (Shapes checked against the files of the qualtRics R package's tests and
    public exports of each tool.)

What is done: header rows 2-3 are not responses (Excel row numbers in
messages still match the file); a question may be named in
``[sources.NAME.columns]`` by its text, its export name (``Q2_1``), its
ImportId (``QID2_1``) or, for grids, the row's statement alone; Qualtrics
previews, tests and spam are left out; the tools' own columns are not
questions; columns of personal data (email, name, IP address, location,
recipient) are dropped before anything else sees them unless a column is
mapped on purpose (an email as ``respondent_id`` is then pseudonymised).

A column name the export repeats (legacy Qualtrics files do) is accepted: the
second column becomes ``"Q1 (2)"``, with a note. Only a mapping that names a
repeated column ambiguously (by the repeated name, or by a question text two
columns share) is refused, with the names that tell the columns apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from slc_research.data.parsing.values import distinct
from slc_research.data.reading.raw_table import NumberedHeaders, RawTable, column_letter
from slc_research.data.reading.readers import read_raw
from slc_research.data.spec import SourceSpec, normalise_answer
from slc_research.errors import DataError
from slc_research.words import plural

__all__ = ["FORMATS", "FORMAT_NAMES", "SEPARATORS", "SurveyExport", "column_keys",
           "mapped_headers", "read_export", "recognise_export", "response_rows", "tidy_export"]

#: ``format`` option values.
FORMATS = ("auto", "msforms", "google", "qualtrics", "plain")
#: Format -> the tool's name, for notes and the mapper.
FORMAT_NAMES = {"msforms": "Microsoft Forms", "google": "Google Forms", "qualtrics": "Qualtrics",
                "plain": "a plain table"}
#: Format -> how the tool joins the answers of a tick-all-that-apply question.
SEPARATORS = {"msforms": ";", "google": ", ", "qualtrics": ",", "plain": ", "}


def _compact(s: object) -> str:
    return re.sub(r"[^0-9a-z]+", "", str(s).casefold())


_META = {
    "msforms": {"id", "starttime", "completiontime", "lastmodifiedtime", "totalpoints",
                "quizfeedback"},
    "google": {"timestamp", "score", "totalscore"},
    "qualtrics": {"startdate", "enddate", "status", "responsetype", "progress",
                  "durationinseconds", "finished", "recordeddate", "responseid", "responseset",
                  "distributionchannel", "userlanguage"},
}
_PERSONAL = {
    "msforms": {"email", "name"},
    "google": {"emailaddress", "email", "name"},
    "qualtrics": {"ipaddress", "recipientlastname", "recipientfirstname", "recipientemail",
                  "externalreference", "externaldatareference", "locationlatitude",
                  "locationlongitude", "locationaccuracy", "name", "emailaddress"},
}
_META_PATTERN = {
    "msforms": re.compile(r"^(points|feedback) - ", re.I),
    "qualtrics": re.compile(r"^Q_[A-Za-z]|_(First Click|Last Click|Page Submit|Click Count)$"),
}
#: Row 3 of a Qualtrics export: ``{"ImportId":"QID1"}``, or Python-style (about 2016)
#: ``{'ImportId': 'QID2-1'}``; other keys may follow (``'choiceId': '1'``).
_IMPORT_ID = re.compile(r"""^\{\s*(['"])ImportId\1\s*:\s*(['"])(.*?)\2\s*[,}]""")
#: Qualtrics ``Status`` values that are not real responses (text, and the numeric recodes
#: 1 Survey Preview, 2 Survey Test, 8 Spam, 9 Preview Spam, 12 Imported Spam).
_NOT_RESPONSES = {"surveypreview", "surveytest", "spam", "previewspam", "surveypreviewspam",
                  "importedspam", "1", "2", "8", "9", "12"}
_UNFINISHED = {"false", "0", "no"}
_FREE_TEXT = re.compile(r"_TEXT(?:_|$)")


@dataclass(frozen=True)
class SurveyExport:
    """What a questionnaire export is and which of its columns are questions.

    Attributes
    ----------
    format : str
        ``msforms``, ``google``, ``qualtrics`` or ``plain``.
    recognised : bool
        True when the format was recognised from the content, False when forced.
    header_rows : int
        Rows under row 1 that belong to the header (Qualtrics: 2, legacy 1).
    names : dict
        Header -> the other names of its column (question text, ImportId).
    metadata : tuple of str
        Headers of the tool's own columns (times, ids, status): not questions.
    personal : tuple of str
        Headers of columns holding personal data: dropped unless mapped.
    text : tuple of str
        Headers of free-text answers (Qualtrics ``_TEXT``): not scale items.
    repeated : dict
        A column name the file repeats -> ``(header given, column letter)`` of each of
        its columns (``("Q1", "L")``, ``("Q1 (2)", "N")``); empty when none is.
    """

    format: str
    recognised: bool = True
    header_rows: int = 0
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    metadata: tuple[str, ...] = ()
    personal: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    repeated: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    @property
    def tool(self) -> str:
        """The tool's name, as a teacher knows it."""
        return FORMAT_NAMES[self.format]

    @property
    def separator(self) -> str:
        """How the tool joins ticked answers."""
        return SEPARATORS[self.format]

    def questions(self, headers: list[str]) -> list[str]:
        """The headers that are questions (not the tool's columns, personal data or text)."""
        skip = {*self.metadata, *self.personal, *self.text}
        return [h for h in headers if h not in skip]

    def question_text(self, header: str) -> str:
        """The question as the respondent read it (Qualtrics row 2), else the header."""
        names = self.names.get(header, ())
        return names[0] if names else header


def _row(raw: RawTable, i: int) -> list[str | None]:
    if len(raw) <= i:
        return [None] * len(raw.headers)
    return [None if pd.isna(v) else str(v) for v in raw.data.iloc[i]]


def _qualtrics_rows(raw: RawTable) -> int | None:
    """Header rows under row 1 if ``raw`` is a Qualtrics export (2 or 1), else None."""
    second, third = _row(raw, 0), _row(raw, 1)
    if any(v and _IMPORT_ID.match(v) for v in third):
        return 2
    compact = [_compact(h) for h in raw.headers]
    labels = [_compact(v or "") for v in second]
    if {"responseid", "responseset"} <= set(labels):  # legacy: V1..V10 over the real names
        return 1
    meta = _META["qualtrics"] | _PERSONAL["qualtrics"]
    same = sum(1 for h, v in zip(compact, labels, strict=True) if h in meta and v in meta)
    return 1 if same >= 3 else None


def _detect(raw: RawTable) -> tuple[str, int]:
    rows = _qualtrics_rows(raw)
    if rows is not None:
        return "qualtrics", rows
    compact = {_compact(h) for h in raw.headers}
    if {"id", "starttime", "completiontime"} <= compact:
        return "msforms", 0
    if raw.headers and _compact(raw.headers[0]) == "timestamp":
        return "google", 0
    return "plain", 0


def recognise_export(raw: RawTable, forced: str = "auto") -> SurveyExport:
    """Recognise the tool that wrote ``raw`` and sort its columns.

    Parameters
    ----------
    raw : RawTable
        The file as read by :func:`~slc_research.data.reading.readers.read_raw` (row 1 the header).
    forced : str, default "auto"
        ``auto`` to recognise the format from the content, or one of
        ``msforms``, ``google``, ``qualtrics``, ``plain``.

    Returns
    -------
    SurveyExport
    """
    fmt, rows = _detect(raw)
    recognised = forced == "auto"
    if not recognised:
        fmt, rows = forced, (rows if fmt == "qualtrics" else 0)
    second, third = _row(raw, 0), _row(raw, 1)
    names: dict[str, tuple[str, ...]] = {}
    meta, personal, text = [], [], []
    for i, h in enumerate(raw.headers):
        own = tuple(v for v in (second[i] if rows >= 1 else None,
                                _import_id(third[i]) if rows >= 2 else None) if v)
        names[h] = own
        keys = {_compact(h), *(_compact(v) for v in own)}
        if keys & _PERSONAL.get(fmt, set()):
            personal.append(h)
        elif keys & _META.get(fmt, set()) or (
                fmt in _META_PATTERN and _META_PATTERN[fmt].search(h)):
            meta.append(h)
        elif fmt == "qualtrics" and any(_FREE_TEXT.search(n) for n in (h, *own)):
            text.append(h)
        elif fmt == "qualtrics" and re.fullmatch(r"V\d+", h) and own:
            meta.append(h)  # a legacy metadata column not named above
    return SurveyExport(fmt, recognised, rows, names, tuple(meta), tuple(personal), tuple(text))


def read_export(spec_or_path: SourceSpec | str | Path, forced: str = "auto", *,
                label: str | None = None, sheet: str | None = None
                ) -> tuple[RawTable, SurveyExport]:
    """Read a questionnaire export with its whole header, and recognise its tool.

    The file is read by :func:`~slc_research.data.reading.readers.read_raw`; when it is
    a Qualtrics export, it is read again with ``header_rows`` = 3 (or 2 for the
    legacy form), so that the question texts and import ids are header, not
    responses, and every response keeps its Excel row number.

    Parameters
    ----------
    spec_or_path : SourceSpec or path
        As for :func:`~slc_research.data.reading.readers.read_raw`.
    forced : str, default "auto"
        As for :func:`recognise_export`.
    label, sheet : str, optional
        As for :func:`~slc_research.data.reading.readers.read_raw`.

    Returns
    -------
    raw : RawTable
        The export, its data rows the responses (header rows 2-3 in ``header_cells``).
    export : SurveyExport
    """
    numbered = NumberedHeaders()
    raw = read_raw(spec_or_path, label=label, sheet=sheet, join_header=numbered)
    export = recognise_export(raw, forced)
    if export.header_rows:
        numbered = NumberedHeaders()
        raw = read_raw(spec_or_path, label=label, sheet=sheet,
                       header_rows=1 + export.header_rows, join_header=numbered)
    if numbered.repeated:
        export = replace(export, repeated={h: tuple(g) for h, g in numbered.repeated.items()})
        said = "; ".join(f"{h!r} heads columns " + ", ".join(c for _, c in g)
                         + " (read as " + ", ".join(repr(n) for n, _ in g) + ")"
                         for h, g in numbered.repeated.items())
        raw.notes.append(f"Column names repeated in row 1: {said}. Map such a column by its "
                         "question text or import id, or by the name it was read as.")
    return raw, export


def _import_id(cell: str | None) -> str | None:
    m = _IMPORT_ID.match(cell or "")
    return m.group(3) if m else None


def column_keys(export: SurveyExport, headers: list[str]) -> dict[str, str]:
    """Normalised name -> header: every name a question may be mapped by.

    The header itself, the question text and ImportId (Qualtrics), and the
    statement of a grid row (``Question - Statement``, ``Question [Statement]``)
    when no other column has the same one.
    """
    keys: dict[str, str] = {}
    short: dict[str, list[str]] = {}
    for h in headers:
        for name in (h, *export.names.get(h, ())):
            keys.setdefault(normalise_answer(name), h)
            m = re.search(r"\[([^\[\]]+)\]\s*$", name) or re.search(r" - ([^-]+)$", name)
            if m:
                short.setdefault(normalise_answer(m.group(1)), []).append(h)
    for k, hs in short.items():
        if len(set(hs)) == 1:
            keys.setdefault(k, hs[0])
    return keys


def mapped_headers(export: SurveyExport, raw: RawTable, columns: dict[str, str]) -> dict[str, str]:
    """The manifest's ``columns`` with each key resolved to the header of its column.

    A key may be a header, a question text or import id (Qualtrics) or a grid
    row's statement (see :func:`column_keys`); a key that names no column is kept
    as written, for the loader to report.

    Raises
    ------
    DataError
        A key names a column the file repeats ("Q1" heads two columns), or a
        question text or import id that two columns share: the message lists the
        columns and the names that tell them apart.
    """
    keys = column_keys(export, raw.headers)
    owners: dict[str, list[str]] = {}
    for name, group in export.repeated.items():
        owners[normalise_answer(name)] = [h for h, _ in group]
    for h in raw.headers:
        for name in export.names.get(h, ()):
            shared = owners.setdefault(normalise_answer(name), [])
            if h not in shared:
                shared.append(h)
    letters = {h: c for g in export.repeated.values() for h, c in g}
    letters.update({h: column_letter(i) for i, h in enumerate(raw.headers) if h not in letters})
    out = {}
    for key, value in columns.items():
        heads = owners.get(normalise_answer(key), [])
        if len(heads) > 1:
            ways = "; ".join(f"column {letters[h]}: " + " or ".join(
                repr(n) for n in dict.fromkeys((h, *export.names.get(h, ())))
                if len(owners.get(normalise_answer(n), [h])) < 2) for h in heads)
            raise DataError.single(
                raw.label, f"one column named {key!r} (mapped to {value!r} in [sources.*."
                f"columns]), but {len(heads)} columns are ({', '.join(letters[h] for h in heads)}"
                f"); map the one you mean by a name only it has ({ways})", row=1, column=key)
        out[keys.get(normalise_answer(key), key)] = value
    return out


def tidy_export(raw: RawTable, export: SurveyExport, *, keep: set[str],
                unfinished: str = "keep") -> tuple[RawTable, int]:
    """The export's responses alone, with no personal column left that ``keep`` does not name.

    ``raw`` is read by :func:`read_export` (Qualtrics' rows 2-3 are header, not
    data). Previews, tests and spam go (and, with ``unfinished = "drop"``,
    unfinished responses; see :func:`response_rows`), then the personal columns
    not in ``keep``. Excel row numbers are kept and each step is said in the
    table's notes.

    Returns
    -------
    table : RawTable
    dropped : int
        Responses left out.
    """
    notes: list[str] = []
    data, rows = raw.data, raw.excel_rows()
    if export.header_rows:
        notes.append(f"Row{'s 2-3' if export.header_rows == 2 else ' 2'} of the Qualtrics "
                     "export (question texts, import ids) are part of its header, not responses.")
    mask, filtered = response_rows(raw, export, unfinished)
    notes += filtered
    dropped = [h for h in export.personal if h not in keep]
    cols = {h: data[h][mask].reset_index(drop=True).cat.remove_unused_categories()
            for h in data.columns if h not in dropped}
    if dropped:
        shown = ", ".join(repr(h) for h in dropped[:4]) + (" ..." if len(dropped) > 4 else "")
        notes.append(f"{plural(len(dropped), 'column')} of personal data ({shown}) left out: "
                     "never read into any table.")
    if export.format != "plain":
        how = "recognised" if export.recognised else "read (as `format` says)"
        notes.insert(0, f"The file was {how} as a {export.tool} export.")
    if not mask.any():
        raise DataError.single(raw.label, "at least one response under the export's header "
                               "rows, but there is none (after previews, tests and spam were "
                               "left out); check that responses were recorded")
    table = replace(raw, data=pd.DataFrame(cols, copy=False), row_numbers=rows[mask],
                    trimmed={h: n for h, n in raw.trimmed.items() if h not in dropped},
                    notes=[*raw.notes, *notes])
    return table, int((~mask).sum())


def response_rows(raw: RawTable, export: SurveyExport, unfinished: str) -> tuple[np.ndarray, list[str]]:
    """Which rows are responses: Qualtrics previews, tests and spam out; unfinished per option.

    Parameters
    ----------
    raw : RawTable
        The tidied export (header rows removed).
    export : SurveyExport
    unfinished : str
        ``keep`` or ``drop`` responses whose ``Finished`` is False / 0.

    Returns
    -------
    keep : ndarray of bool
    notes : list of str
    """
    keep = np.ones(len(raw), dtype=bool)
    notes: list[str] = []
    if export.format != "qualtrics":
        return keep, notes
    by_name = {_compact(n): h for h in raw.headers for n in (h, *export.names.get(h, ()))}
    status = by_name.get("status")
    if status is not None:
        codes, cats = distinct(raw.data[status])
        bad = np.array([_compact(c) in _NOT_RESPONSES for c in cats], dtype=bool)
        out = np.append(bad, False)[codes]
        if out.any():
            notes.append(f"{plural(int(out.sum()), 'preview, test or spam response')} "
                         "(Qualtrics Status) left out.")
            keep &= ~out
    finished = by_name.get("finished")
    if finished is not None:
        codes, cats = distinct(raw.data[finished])
        no = np.append(np.array([_compact(c) in _UNFINISHED for c in cats], dtype=bool),
                       False)[codes] & keep
        if no.any():
            n = plural(int(no.sum()), "unfinished response")
            if unfinished == "drop":
                notes.append(f"{n} (Finished = False) left out, as `unfinished = \"drop\"` asks.")
                keep &= ~no
            else:
                notes.append(f"{n} (Finished = False) kept with the answers given; set "
                             "unfinished = \"drop\" to leave them out.")
    return keep, notes
