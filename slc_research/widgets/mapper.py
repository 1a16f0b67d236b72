"""The column mapper: map a raw export's headers to canonical names and write the manifest entry.

>>> from slc_research import widgets
>>> widgets.column_mapper("data/demo", "raw/new/roster.csv", kind="pupils")   # doctest: +SKIP

Suggestions come from :func:`slc_research.workspace.mapping_editor.suggest_mapping`;
every change is checked by :func:`slc_research.workspace.mapping_editor.check_source`,
which runs the same loader as :meth:`slc_research.Enquiry.open`; the entry is
written by :func:`slc_research.workspace.mapping_editor.add_source`. The raw file is only
read, never written.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as w

from slc_research.data.reading.readers import read_raw
from slc_research.data.schemas import KINDS
from slc_research.data.spec import Loaded, SourceSpec
from slc_research.errors import ConfigError, SlcResearchError
from slc_research.widgets.mapper_parts import (
    COLUMN_LAYOUT,
    COLUMN_STYLE,
    ITEM_LAYOUT,
    NOT_IN_FILE,
    QUESTION_LAYOUT,
    STYLE,
    mapper_notes,
    missing_file_message,
    named,
    option_control,
    people_words,
    roster_label,
    survey_note,
    verdict,
    whose_answers,
    with_questions,
)
from slc_research.words import plural
from slc_research.workspace.enquiry import Enquiry
from slc_research.workspace.entry_check import accepted_entry
from slc_research.workspace.manifest import Manifest, read_manifest
from slc_research.workspace.mapping_editor import (
    SurveyColumns,
    add_source,
    check_source,
    columns_from_choices,
    kind_columns,
    known_headers,
    relative_path,
    source_name_ok,
    suggest_items,
    suggest_mapping,
    suggest_source_name,
    survey_columns,
)
from slc_research.workspace.recognise import suggest_id_column, workspace_roster_ids
from slc_research.workspace.recognise_ids import ID_COLUMN
from slc_research.workspace.recognise_survey import instrument_name, item_codes

__all__ = ["ColumnMapper", "column_mapper"]

#: Kinds of file with columns to map (a REFI-QDA project has none: declare it by hand).
_TABLE_KINDS = [k for k in KINDS if k != "qdpx"]

#: Options written by hand in enquiry.toml (a table, not one value).
_BY_HAND = {"multi_select"}
#: The option saying whose ids a kind's id column holds.
_WHO = {"survey": "respondents", "memberships": "members", "meeting_attendance": "members",
        "action_plans": "members", "texts": "authors"}


class ColumnMapper(w.VBox):
    """Map a raw export's columns, see the loader's verdict live, and write the entry.

    Parameters
    ----------
    source : str, Path or Enquiry
        The workspace (folder or opened :class:`~slc_research.Enquiry`).
    path : str or Path
        The raw file, relative to the workspace (or absolute, inside it).
    kind : str, optional
        The source kind (default: pupils); it can be changed in the widget.

    Attributes
    ----------
    kind, name, description, date_format : ipywidgets controls
    columns : dict of str to ipywidgets.Dropdown
        One per canonical column of the kind; value: a raw header or ``""``.
    items : dict of str to ipywidgets.Combobox
        Surveys only: raw header -> item code (``""``: not a question). Columns
        the survey tool adds (times, ids) and personal data are listed disabled.
    survey : SurveyColumns or None
        Surveys only: the tool recognised, the question columns with a suggested
        item code, and the columns that are not questions.
    options : dict of str to ipywidgets controls
        The kind's extra keys (school, members, wave, ...).
    sheet : ipywidgets.Dropdown or None
        Workbooks only.
    write : ipywidgets.Button
        Writes the entry; disabled while the mapping is not valid.
    headers : list of str
        The raw file's headers.
    suggestions : dict
        Canonical name -> suggested header (None: none) for the current kind.
    loaded : Loaded or None
        What the loader read with the current mapping.
    error : SlcResearchError or None
        Why the current mapping cannot be written (shown in ``message``).
    written : SourceSpec or None
        The entry written by the last click.
    message, result : ipywidgets.HTML
    """

    def __init__(self, source: str | Path | Enquiry, path: str | Path, *,
                 kind: str | None = None) -> None:
        self.root = Path(source.root if isinstance(source, Enquiry) else source).resolve()
        manifest = read_manifest(self.root)
        self.rel = relative_path(self.root, path)
        self.path = self.root / self.rel
        self._busy = False
        self.loaded: Loaded | None = None
        self.error: SlcResearchError | None = None
        self.written: SourceSpec | None = None
        self.sheet: w.Dropdown | None = None
        sheets = _sheet_names(self.path)
        if sheets:
            self.sheet = named(w.Dropdown(description="Sheet", options=sheets, style=STYLE),
                                "sheet")
        self._avoid = people_words(manifest)  # no name, code or instrument made of a name
        self.headers = read_raw(self.path, label=self.rel,
                                sheet=self.sheet.value if self.sheet else None).headers
        self.kind = named(w.Dropdown(description="The file holds", options=_TABLE_KINDS,
                                      value=kind or "pupils", style=STYLE), "kind")
        self.name = named(w.Text(description="Source name", style=STYLE,
                                  value=suggest_source_name(self.rel, list(manifest.sources),
                                                            self._avoid)),
                           "name")
        self.description = named(w.Text(description="Description", style=STYLE), "description")
        self.date_format = named(w.Text(description="Date format (blank: automatic)",
                                         placeholder="%d/%m/%Y", style=STYLE), "date-format")
        self.write = named(w.Button(description="Write to enquiry.toml", disabled=True,
                                     button_style="primary"), "write")
        self.message = named(w.HTML(), "message")
        self.result = named(w.HTML(), "result")
        self.columns: dict[str, w.Dropdown] = {}
        self.items: dict[str, w.Combobox] = {}
        self.survey: SurveyColumns | None = None
        self._survey_note = named(w.HTML(), "survey-format")
        self.options: dict[str, w.Widget] = {}
        self.suggestions: dict[str, str | None] = {}
        self.id_match: tuple | None = None
        self.refused: dict[str, tuple[str, str]] = {}
        self._mapping_box = w.VBox()
        self._options_box = w.HBox(layout=w.Layout(flex_flow="row wrap"))

        self.kind.observe(self._kind_changed, names="value")
        for control in (self.name, self.description, self.date_format):
            control.observe(self._validate, names="value")
        if self.sheet is not None:
            self.sheet.observe(self._sheet_changed, names="value")
        self.write.on_click(self._write)
        top = [self.kind, self.name] + ([self.sheet] if self.sheet else [])
        super().__init__([
            w.HTML(f"<p>Raw file: <code>{html.escape(self.rel)}</code> "
                   f"({plural(len(self.headers), 'column')}). It is only read, never "
                   "changed.</p>"),
            w.HBox(top, layout=w.Layout(flex_flow="row wrap")),
            self._options_box, self._mapping_box,
            w.HBox([self.description, self.date_format], layout=w.Layout(flex_flow="row wrap")),
            self.message, self.write, self.result,
        ])
        self.add_class("slc-mapper")
        self._build(manifest)

    # -- building the controls for a kind ------------------------------
    def _build(self, manifest: Manifest | None = None) -> None:
        manifest = manifest or read_manifest(self.root)
        kind = self.kind.value
        known = known_headers(manifest, kind)
        self.suggestions = suggest_mapping(self.headers, kind, known=known)
        self.id_match, shares = None, {}
        canon_id = ID_COLUMN.get(kind)
        if canon_id is not None and canon_id not in {c for c in known.values()}:
            self.id_match, shares = suggest_id_column(
                self.path, kind, workspace_roster_ids(manifest), label=self.rel,
                sheet=self.sheet.value if self.sheet else None,
                taken={h for c, h in self.suggestions.items() if h and c != canon_id})
            if self.id_match is not None:
                header = self.id_match[1]
                self.suggestions = {c: (None if h == header else h)
                                    for c, h in self.suggestions.items()}
                self.suggestions[canon_id] = header
        spec = KINDS[kind]
        options = [(NOT_IN_FILE, "")] + [(h, h) for h in self.headers]
        self._busy = True
        try:
            self.columns = {}
            for canon in kind_columns(kind):
                need = (" (required)" if canon in spec.required else
                        " (name: read, never stored)" if canon in spec.identifying else "")
                choices = options if canon != canon_id or not shares else [options[0]] + [
                    (roster_label(h, shares.get(h)), h) for h in self.headers]
                dd = w.Dropdown(description=f"{canon}{need}", options=choices,
                                value=self.suggestions.get(canon) or "", style=COLUMN_STYLE,
                                layout=w.Layout(**COLUMN_LAYOUT))
                self.columns[canon] = named(dd, f"column-{canon.replace('_', '-')}")
            self.options = {opt: option_control(opt, manifest, instrument_name([
                Path(self.rel).stem], self._avoid)) for opt in spec.options
                if opt not in _BY_HAND}
            self.items = {}
            if kind == "survey":
                self._build_items(manifest, known)
                if self.survey is not None:  # "Q2" named by its question too
                    for dd in self.columns.values():
                        with_questions(dd, self.survey.question_texts)
            if self.id_match is not None and kind in _WHO:
                who = self.options.get(_WHO[kind])  # a new control: no choice of the teacher's
                if who is not None:
                    who.value = self._whose_ids()
            self._drop_refused()
        finally:
            self._busy = False
        for control in (*self.columns.values(), *self.options.values()):
            control.observe(self._validate, names="value")
        if "instrument" in self.options:
            self.options["instrument"].observe(self._instrument_changed, names="value")
        if "format" in self.options:
            self.options["format"].observe(self._format_changed, names="value")
        self._options_box.children = list(self.options.values())
        self._show_mapping()
        self._validate()

    def _whose_ids(self) -> str:
        """Whose the roster's ids are here (:func:`whose_answers`)."""
        if self.kind.value != "survey" or self.id_match is None:
            return "pupil"
        coded = [h for h, cb in self.items.items() if cb.value.strip()]
        return whose_answers(self.survey, self.id_match[1], coded)

    def _drop_refused(self) -> None:
        """Take back every suggested column the loader refuses, saying why (never a cell)."""
        self.refused = {}
        try:
            table = self.proposed_table()
        except SlcResearchError:
            return
        got = accepted_entry(self.root, table, name="mapper_check")
        by_header = {dd.value: canon for canon, dd in self.columns.items() if dd.value}
        for header, (canon, why) in got.left_out.items():
            if by_header.get(header) == canon:
                self.columns[canon].value = ""
                self.refused[header] = (canon, why)
            elif header in self.items:
                self.items[header].value = ""
                self.refused[header] = (canon, why)

    def _show_mapping(self) -> None:
        rows = [w.HBox([w.HTML(html.escape(self.survey.question_texts.get(h, h)
                                           if self.survey is not None else h),
                               layout=w.Layout(**QUESTION_LAYOUT)), cb])
                for h, cb in self.items.items()]
        self._mapping_box.children = [
            w.HTML("<p><b>Which column holds what</b> (suggested from the headers and values; "
                   "check each one):</p>" + mapper_notes(
                       self.id_match, ID_COLUMN.get(self.kind.value, ""), self.refused)),
            *self.columns.values(),
            *([self._survey_note,
               w.HTML("<p><b>Questions</b>: the item code of each question column "
                      "(blank: not a question)</p>"), *rows] if self.items else [])]

    def _build_items(self, manifest: Manifest, known: dict[str, str]) -> None:
        instrument = self.options["instrument"].value or self.name.value
        codes = sorted({i for s in manifest.scales.values() if s.instrument == instrument
                        for i in s.items})
        forced = self.options["format"].value if "format" in self.options else ""
        try:
            avoid = self._avoid
            self.survey = survey_columns(self.path, label=self.rel, forced=forced or "auto",
                                         sheet=self.sheet.value if self.sheet else None,
                                         codes=codes, known=known, avoid=avoid,
                                         response_scales=manifest.response_scales)
        except SlcResearchError:  # the loader's verdict says why
            self.survey = None
        if self.survey is not None:
            given = set(codes) | set(known.values())
            fresh = {h: c for h, c in self.survey.questions.items() if c and c not in given}
            guess = {**self.survey.questions,
                     **item_codes(fresh, self.survey.question_texts, taken=list(given),
                                  avoid=avoid)}
        else:
            guess = suggest_items(self.headers, codes, known=known)
        not_questions = self.survey.not_questions if self.survey is not None else {}
        taken = {h for h in self.columns_choice().values() if h}
        self.items = {}
        for h in self.headers:
            if h in taken or h in not_questions:
                continue  # listed under "Not questions" (or mapped above): never offered
            cb = w.Combobox(options=codes, value=guess.get(h) or "", ensure_option=False,
                            placeholder="item code (blank: not a question)",
                            layout=w.Layout(**ITEM_LAYOUT))
            cb.tooltip = self.survey.question_texts.get(h, h) if self.survey else h
            cb.add_class("slc-mapper-item")
            cb.observe(self._validate, names="value")
            self.items[h] = cb
        self._survey_note.value = survey_note(self.survey, not_questions)
        scale = self.options.get("response_scale")
        if (self.survey is not None and self.survey.response_scale and scale is not None
                and not scale.value):
            scale.value = self.survey.response_scale

    # -- callbacks: wiring only -----------------------------------------
    def _kind_changed(self, change) -> None:
        self._build()

    def _instrument_changed(self, change) -> None:
        if not self._busy and self.kind.value == "survey":
            self._build()

    def _format_changed(self, change) -> None:
        if self._busy or self.kind.value != "survey":
            return
        self._busy = True
        try:
            manifest = read_manifest(self.root)
            self._build_items(manifest, known_headers(manifest, "survey"))
        finally:
            self._busy = False
        self._show_mapping()
        self._validate()

    def _sheet_changed(self, change) -> None:
        try:
            self.headers = read_raw(self.path, label=self.rel, sheet=change["new"]).headers
        except SlcResearchError as exc:  # shown by _validate: the loader reads the same sheet
            self.headers = []
            self.message.value = verdict(None, exc)
        self._build()

    def columns_choice(self) -> dict[str, str | None]:
        """Canonical name -> the header chosen for it (None: not in this file)."""
        return {canon: (dd.value or None) for canon, dd in self.columns.items()}

    def proposed_table(self) -> dict[str, Any]:
        """The ``[sources.NAME]`` entry the controls describe (as :func:`add_source` takes it).

        Raises
        ------
        ConfigError
            One header chosen for two columns.
        """
        choices: dict[str, str | None] = dict(self.columns_choice())
        for header, cb in self.items.items():
            if cb.value.strip():
                choices[cb.value.strip()] = header
        table: dict[str, Any] = {"description": self.description.value.strip() or None,
                                 "path": self.rel, "kind": self.kind.value}
        if self.sheet is not None:
            table["sheet"] = self.sheet.value
        if self.date_format.value.strip():
            table["date_format"] = self.date_format.value.strip()
        for opt, c in self.options.items():
            value = c.value.strip() if isinstance(c.value, str) else c.value
            if value not in ("", None):
                table[opt] = value
        table["columns"] = columns_from_choices(choices)
        return table

    def _validate(self, change=None) -> None:
        if self._busy:
            return
        if change is not None:
            self.result.value = ""  # a change makes the last outcome old news
        self.loaded, self.error = None, None
        try:
            name = self.name.value.strip()
            if not source_name_ok(name):
                raise ConfigError(f"'{name}' cannot be a source name: use letters, digits, '_' "
                                  "and '-' only, like 'y7_roster'.")
            if name in read_manifest(self.root).sources:
                raise ConfigError(f"there is already a source called '{name}' in enquiry.toml: "
                                  "choose another name.")
            self.loaded = check_source(self.root, self.proposed_table(), name=name)
        except SlcResearchError as exc:
            self.error = exc
        self.write.disabled = self.error is not None
        self.message.value = verdict(self.loaded, self.error)

    def _write(self, button=None) -> None:
        """One click, one outcome: "Written ..." or "Not written: ..." (never both)."""
        self._validate()
        if self.error is not None:
            self.result.value = "<p><b>Not written:</b> fix the problem above first.</p>"
            return
        name = self.name.value.strip()
        try:
            self.written = add_source(self.root, name, self.proposed_table())
        except SlcResearchError as exc:
            self.result.value = f"<p><b>Not written:</b> {html.escape(str(exc))}</p>"
            return
        self.write.disabled = True  # written: a second click would only say the name is taken
        self.message.value = ""
        self.result.value = (f"<p>&#10003; Written <code>[sources.{html.escape(name)}]</code> "
                             "to enquiry.toml. Open the workspace again to use it; to add "
                             "another file, open the mapper on it.</p>")


def _sheet_names(path: Path) -> list[str]:
    from slc_research.data.reading.read_xlsx import sheet_names

    return sheet_names(path)


def column_mapper(source: str | Path | Enquiry, path: str | Path, *,
                  kind: str | None = None) -> ColumnMapper | w.HTML:
    """Open the column mapper for one raw file (see :class:`ColumnMapper`).

    Parameters
    ----------
    source : str, Path or Enquiry
        The workspace.
    path : str or Path
        The raw file, relative to the workspace.
    kind : str, optional
        What the file holds (a source kind); it can be changed in the widget.

    Returns
    -------
    ColumnMapper or ipywidgets.HTML
        An ``ipywidgets.VBox``: the last line of a cell displays it. When ``path`` is
        not a file of the workspace (a notebook copied from the demo names the demo's
        roster), a plain message saying so and listing the workspace's raw files.
    """
    root = Path(source.root if isinstance(source, Enquiry) else source)
    message = missing_file_message(root, path)
    if message is not None:
        return named(w.HTML(f"<p>{html.escape(message)}</p>"), "message")
    return ColumnMapper(source, path, kind=kind)
