"""The column mapper's pieces: option controls, layouts and the messages it shows.

Kept apart from :mod:`slc_research.widgets.mapper` so that the widget reads as
its wiring. Widths are set so that no label is cut: a dropdown's own box is at
least 20em (``(not in this file)`` and long headers show whole), an item code's
box at least 16em.
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w

from slc_research.data.loading.loaders import people_of
from slc_research.data.loading.survey_columns import name_words
from slc_research.data.loading.survey_exports import FORMAT_NAMES
from slc_research.data.schemas import COMMUNITY_KINDS
from slc_research.data.spec import Loaded
from slc_research.errors import DataError, SlcResearchError
from slc_research.words import plural
from slc_research.workspace.manifest import Manifest
from slc_research.workspace.mapping_editor import SurveyColumns, relative_path
from slc_research.workspace.recognise_survey import answered_for_a_child

__all__ = ["CHOICES", "COLUMN_LAYOUT", "COLUMN_STYLE", "ITEM_LAYOUT", "NOT_IN_FILE",
           "OPTION_LABELS", "QUESTION_LAYOUT", "STYLE", "mapper_notes", "missing_file_message",
           "people_words",
           "named",
           "option_control", "roster_label", "survey_note", "verdict", "whose_answers"]

STYLE = {"description_width": "initial"}
#: A column dropdown: its description (the canonical name) in 16em, its box the rest (>= 20em).
COLUMN_STYLE = {"description_width": "16em"}
COLUMN_LAYOUT = {"width": "38em", "min_width": "36em"}
#: A question's text beside its item-code box.
QUESTION_LAYOUT = {"width": "34em"}
ITEM_LAYOUT = {"width": "18em", "min_width": "16em"}
NOT_IN_FILE = "(not in this file)"
CHOICES = {"members": ("pupil", "staff"), "respondents": ("pupil", "staff", "parent"),
           "authors": ("pupil", "staff", "parent"), "community_kind": COMMUNITY_KINDS,
           "layout": (("recognised from the file (the default)", ""), ("long: a row per mark",
                       "long"), ("wide: a row per pupil", "wide")),
           "polarity": (("from the file (the default)", ""), ("all positive", "positive"),
                        ("all negative", "negative")),
           "unfinished": (("keep (the default)", ""), ("drop", "drop"))}
OPTION_LABELS = {"school": "School", "members": "Members are", "community_kind":
                 "Kind of community", "community": "Community", "respondents": "Respondents are",
                 "instrument": "Questionnaire (instrument)", "wave": "Wave (1 = first time run)",
                 "response_scale": "Answer scale", "layout": "Layout", "assessment":
                 "Assessment", "subject": "Subject", "authors": "Authors are",
                 "text_source": "Kind of text", "coder": "Coder",
                 "format": "Survey tool", "unfinished": "Unfinished responses",
                 "polarity": "Events are"}


def named(control: w.Widget, name: str) -> w.Widget:
    """Give a control the CSS class ``slc-mapper-NAME`` (for tests and styling)."""
    control.add_class(f"slc-mapper-{name}")
    return control


def option_control(opt: str, manifest: Manifest, instrument: str = "") -> w.Widget:
    """The control of one option of a source kind (school, members, wave ...).

    ``instrument`` is the instrument proposed when the manifest names none yet.
    """
    label = OPTION_LABELS.get(opt, opt)
    wide = w.Layout(width="auto", min_width="24em")
    if opt == "format":
        c = w.Dropdown(description=label, options=[("(recognised from the file)", "")] + [
            (name, key) for key, name in FORMAT_NAMES.items()], style=STYLE, layout=wide)
    elif opt in CHOICES:
        c = w.Dropdown(description=label, options=list(CHOICES[opt]), style=STYLE, layout=wide)
    elif opt == "school":
        c = w.Dropdown(description=label, options=[("(not given)", "")]
                       + [(s, s) for s in manifest.schools], style=STYLE, layout=wide)
    elif opt == "response_scale":
        c = w.Dropdown(description=label, options=[("(from the scales)", "")]
                       + [(s, s) for s in manifest.response_scales], style=STYLE, layout=wide)
    elif opt == "wave":
        c = w.BoundedIntText(description=label, value=1, min=1, max=99, style=STYLE)
    elif opt == "instrument":
        instruments = sorted({s.instrument for s in manifest.scales.values()})
        c = w.Combobox(description=label, options=instruments, ensure_option=False,
                       value=instruments[0] if instruments else instrument, style=STYLE,
                       layout=wide)
    else:
        c = w.Text(description=label, style=STYLE, layout=wide)
    return named(c, f"option-{opt.replace('_', '-')}")


def verdict(loaded: Loaded | None, error: SlcResearchError | None) -> str:
    """The loader's verdict on the current mapping, as HTML."""
    if error is not None:
        text = html.escape(str(error)).replace("\n", "<br>")
        return f"<p><b>&#10007; Not ready:</b> {text}</p>"
    if loaded is None:
        return ""
    tables = ", ".join(f"{plural(len(df), 'row')} into {name}"
                       for name, df in loaded.tables.items())
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in loaded.notes)
    return (f"<p><b>&#10003; Reads:</b> {plural(loaded.rows_read, 'row')} in the file; "
            f"{tables}.</p>"
            + (f"<ul>{notes}</ul>" if notes else ""))


def survey_note(survey: SurveyColumns | None, not_offered: dict[str, str]) -> str:
    """What the survey export was read as, and the columns that are not questions."""
    if survey is None:
        return ""
    n = sum(1 for code in survey.questions.values() if code)
    left = ", ".join(f"{html.escape(h)} ({html.escape(why)})" for h, why in not_offered.items())
    what = (f"a <b>{html.escape(survey.tool)}</b> export" if survey.format != "plain"
            else "a plain table (no survey tool recognised)")
    return (f"<p>Read as {what}: {len(survey.questions)} question columns, {n} with a "
            "suggested item code (a grid row's code comes from its [statement])."
            + (f" Not questions (not offered below): {left}." if left else "") + "</p>")


def mapper_notes(id_match: tuple | None, canon_id: str,
                 refused: dict[str, tuple[str, str]]) -> str:
    """Why the id column was suggested (its share of roster ids), and suggestions taken back."""
    lines = []
    if id_match is not None:
        share, header, roster_header, n = id_match
        lines.append(f"<b>{html.escape(header)}</b> is suggested as {html.escape(canon_id)}: "
                     f"{share:.0%} of its values ({n}) are ids in the roster's "
                     f"'{html.escape(roster_header)}' column.")
    for header, (canon, why) in refused.items():
        lines.append(f"<b>{html.escape(header)}</b> is not suggested as {html.escape(canon)}: "
                     f"the loader refuses its values (expected {html.escape(why)}).")
    return "".join(f"<p>{line}</p>" for line in lines)


def roster_label(header: str, share: float | None) -> str:
    """An id dropdown's label: ``"(100% in the roster) Adno"``, ``"(not in the roster) Name"``.

    The share comes first, so that a long question cut at the box's edge still shows it.
    """
    if share is None:
        return header
    if share == 0:
        return f"(not in the roster) {header}"
    return f"({share:.0%} in the roster) {header}"


def _raw_files(root: Path) -> list[str]:
    """The workspace's raw files (tables), relative to it, for a message."""
    raw = root / "raw"
    if not raw.is_dir():
        return []
    return sorted(p.relative_to(root).as_posix() for p in raw.rglob("*")
                  if p.is_file() and not p.name.startswith((".", "~$"))
                  and p.suffix.lower() in (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".xlsm"))


def missing_file_message(root: str | Path, path: str | Path) -> str | None:
    """The plain message when ``path`` is not a raw file of the workspace, else None.

    It names the path asked for and lists some of the workspace's raw files (their
    paths only: never a cell), so a teacher whose copy of a notebook names another
    enquiry's file sees what to type instead of a traceback.

    Raises
    ------
    ConfigError
        ``path`` is outside the workspace.
    """
    root = Path(root).resolve()
    rel = relative_path(root, path)  # a path outside the workspace stays a ConfigError
    if (root / rel).is_file():
        return None
    files = _raw_files(root)
    listed = ", ".join(f'"{f}"' for f in files[:8]) + (" ..." if len(files) > 8 else "")
    there = (f"Files in this workspace's raw/ folder: {listed}." if files else
             "This workspace's raw/ folder has no table yet: copy the export into raw/ first.")
    return (f'There is no file "{rel}" in this workspace ({root.name}). Give the path of one '
            f"of your raw files, relative to the workspace. {there}")


def whose_answers(survey: SurveyColumns | None, id_header: str, coded: list[str]) -> str:
    """``"parent"`` or ``"pupil"``: whose answers a survey keyed by pupils' ids holds.

    As ``init --from`` proposes it (:func:`answered_for_a_child`): the id question names
    the child or parent ("What is your child's admission number?", read from a Qualtrics
    column's question text, its header being only "Q2"), or a third of the ``coded``
    question columns ask about "my child".
    """
    texts = survey.question_texts if survey is not None else {}
    asked = texts.get(id_header) or id_header
    return ("parent" if answered_for_a_child(asked, [texts.get(h) or h for h in coded])
            else "pupil")


def with_questions(dropdown: w.Dropdown, texts: dict[str, str], width: int = 60) -> None:
    """Name each column of ``dropdown`` by its question too: ``"Q2: What is your child's ..."``.

    A Qualtrics export heads its columns with codes (``Q2``) and keeps the questions in its
    second row: a teacher choosing the id column must see which question each code is. The
    chosen value is kept.
    """
    chosen = dropdown.value
    options = []
    for label, header in dropdown.options:
        text = " ".join(str(texts.get(header) or "").split())
        if header and text and text != header:
            label = f"{label}: {text}" if len(text) <= width else f"{label}: {text[:width - 1]}\u2026"
        options.append((label, header))
    dropdown.options = options
    dropdown.value = chosen


def people_words(manifest: Manifest) -> frozenset[str]:
    """The name words of the workspace's roster and staff list: never made into an item code.

    Empty when they cannot be read (``check`` says why).
    """
    try:
        return name_words(people_of(manifest.sources.values()).names)
    except DataError:
        return frozenset()
