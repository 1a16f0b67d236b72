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

from slc_research.data.loading.survey_exports import FORMAT_NAMES
from slc_research.data.reading.readers import read_raw
from slc_research.data.schemas import COMMUNITY_KINDS, KINDS
from slc_research.data.spec import Loaded, SourceSpec
from slc_research.errors import ConfigError, SlcResearchError
from slc_research.workspace.enquiry import Enquiry
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

__all__ = ["ColumnMapper", "column_mapper"]

#: Kinds of file with columns to map (a REFI-QDA project has none: declare it by hand).
_TABLE_KINDS = [k for k in KINDS if k != "qdpx"]

_STYLE = {"description_width": "initial"}
_NOT_IN_FILE = "(not in this file)"
_CHOICES = {"members": ("pupil", "staff"), "respondents": ("pupil", "staff", "parent"),
            "authors": ("pupil", "staff", "parent"), "community_kind": COMMUNITY_KINDS,
            "layout": (("recognised from the file (the default)", ""), ("long: a row per mark",
                        "long"), ("wide: a row per pupil", "wide")),
            "polarity": (("from the file (the default)", ""), ("all positive", "positive"),
                         ("all negative", "negative")),
            "unfinished": (("keep (the default)", ""), ("drop", "drop"))}
#: Options written by hand in enquiry.toml (a table, not one value).
_BY_HAND = {"multi_select"}
_OPTION_LABELS = {"school": "School", "members": "Members are", "community_kind":
                  "Kind of community", "community": "Community", "respondents": "Respondents are",
                  "instrument": "Questionnaire (instrument)", "wave": "Wave (1 = first time run)",
                  "response_scale": "Answer scale", "layout": "Layout", "assessment":
                  "Assessment", "subject": "Subject", "authors": "Authors are",
                  "text_source": "Kind of text", "coder": "Coder",
                  "format": "Survey tool", "unfinished": "Unfinished responses",
                  "polarity": "Events are"}


def _named(control: w.Widget, name: str) -> w.Widget:
    control.add_class(f"slc-mapper-{name}")
    return control


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
            self.sheet = _named(w.Dropdown(description="Sheet", options=sheets, style=_STYLE),
                                "sheet")
        self.headers = read_raw(self.path, label=self.rel,
                                sheet=self.sheet.value if self.sheet else None).headers
        self.kind = _named(w.Dropdown(description="The file holds", options=_TABLE_KINDS,
                                      value=kind or "pupils", style=_STYLE), "kind")
        self.name = _named(w.Text(description="Source name", style=_STYLE,
                                  value=suggest_source_name(self.rel, list(manifest.sources))),
                           "name")
        self.description = _named(w.Text(description="Description", style=_STYLE), "description")
        self.date_format = _named(w.Text(description="Date format (blank: automatic)",
                                         placeholder="%d/%m/%Y", style=_STYLE), "date-format")
        self.write = _named(w.Button(description="Write to enquiry.toml", disabled=True,
                                     button_style="primary"), "write")
        self.message = _named(w.HTML(), "message")
        self.result = _named(w.HTML(), "result")
        self.columns: dict[str, w.Dropdown] = {}
        self.items: dict[str, w.Combobox] = {}
        self.survey: SurveyColumns | None = None
        self._survey_note = _named(w.HTML(), "survey-format")
        self.options: dict[str, w.Widget] = {}
        self.suggestions: dict[str, str | None] = {}
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
                   f"({len(self.headers)} columns). It is only read, never changed.</p>"),
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
        spec = KINDS[kind]
        options = [(_NOT_IN_FILE, "")] + [(h, h) for h in self.headers]
        self._busy = True
        try:
            self.columns = {}
            for canon in kind_columns(kind):
                need = (" (required)" if canon in spec.required else
                        " (name: read, never stored)" if canon in spec.identifying else "")
                dd = w.Dropdown(description=f"{canon}{need}", options=options,
                                value=self.suggestions.get(canon) or "", style=_STYLE)
                self.columns[canon] = _named(dd, f"column-{canon.replace('_', '-')}")
            self.options = {opt: self._option_control(opt, manifest) for opt in spec.options
                            if opt not in _BY_HAND}
            self.items = {}
            if kind == "survey":
                self._build_items(manifest, known)
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

    def _show_mapping(self) -> None:
        self._mapping_box.children = [
            w.HTML("<p><b>Which column holds what</b> (suggested from the headers; check each "
                   "one):</p>"), *self.columns.values(),
            *([self._survey_note,
               w.HTML("<p><b>Questions</b>: the item code of each question column "
                      "(blank: not a question)</p>"), *self.items.values()] if self.items
              else [])]

    def _build_items(self, manifest: Manifest, known: dict[str, str]) -> None:
        instrument = self.options["instrument"].value or self.name.value
        codes = sorted({i for s in manifest.scales.values() if s.instrument == instrument
                        for i in s.items})
        forced = self.options["format"].value if "format" in self.options else ""
        try:
            self.survey = survey_columns(self.path, label=self.rel, forced=forced or "auto",
                                         sheet=self.sheet.value if self.sheet else None,
                                         codes=codes, known=known,
                                         response_scales=manifest.response_scales)
        except SlcResearchError:  # the loader's verdict says why
            self.survey = None
        guess = (self.survey.questions if self.survey is not None
                 else suggest_items(self.headers, codes, known=known))
        not_questions = self.survey.not_questions if self.survey is not None else {}
        taken = {h for h in self.columns_choice().values() if h}
        self.items = {}
        for h in self.headers:
            if h in taken:
                continue
            if h in not_questions:
                cb = w.Combobox(description=f"{h} ({not_questions[h]})", value="",
                                disabled=True, style=_STYLE)
            else:
                cb = w.Combobox(description=h, options=codes, value=guess.get(h) or "",
                                ensure_option=False, style=_STYLE)
                if self.survey is not None and self.survey.question_texts.get(h, h) != h:
                    cb.tooltip = self.survey.question_texts[h]
            cb.add_class("slc-mapper-item")
            cb.observe(self._validate, names="value")
            self.items[h] = cb
        self._survey_note.value = _survey_note(self.survey)
        scale = self.options.get("response_scale")
        if (self.survey is not None and self.survey.response_scale and scale is not None
                and not scale.value):
            scale.value = self.survey.response_scale

    def _option_control(self, opt: str, manifest: Manifest) -> w.Widget:
        label = _OPTION_LABELS.get(opt, opt)
        if opt == "format":
            c = w.Dropdown(description=label, options=[("(recognised from the file)", "")] + [
                (name, key) for key, name in FORMAT_NAMES.items()], style=_STYLE)
        elif opt in _CHOICES:
            c = w.Dropdown(description=label, options=list(_CHOICES[opt]), style=_STYLE)
        elif opt == "school":
            c = w.Dropdown(description=label, options=[("(not given)", "")]
                           + [(s, s) for s in manifest.schools], style=_STYLE)
        elif opt == "response_scale":
            c = w.Dropdown(description=label, options=[("(from the scales)", "")]
                           + [(s, s) for s in manifest.response_scales], style=_STYLE)
        elif opt == "wave":
            c = w.BoundedIntText(description=label, value=1, min=1, max=99, style=_STYLE)
        elif opt == "instrument":
            instruments = sorted({s.instrument for s in manifest.scales.values()})
            c = w.Combobox(description=label, options=instruments, ensure_option=False,
                           value=instruments[0] if instruments else "", style=_STYLE)
        else:
            c = w.Text(description=label, style=_STYLE)
        return _named(c, f"option-{opt.replace('_', '-')}")

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
            self._build_items(read_manifest(self.root), known_headers(read_manifest(self.root),
                                                                      "survey"))
        finally:
            self._busy = False
        self._show_mapping()
        self._validate()

    def _sheet_changed(self, change) -> None:
        try:
            self.headers = read_raw(self.path, label=self.rel, sheet=change["new"]).headers
        except SlcResearchError as exc:  # shown by _validate: the loader reads the same sheet
            self.headers = []
            self.message.value = _verdict(None, exc)
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
        self.message.value = _verdict(self.loaded, self.error)

    def _write(self, button=None) -> None:
        self._validate()
        if self.error is not None:
            self.result.value = ("<p><b>Not written:</b> fix the problem above first.</p>")
            return
        name = self.name.value.strip()
        try:
            self.written = add_source(self.root, name, self.proposed_table())
        except SlcResearchError as exc:
            self.result.value = f"<p><b>Not written:</b> {html.escape(str(exc))}</p>"
            return
        self.result.value = (f"<p>Written <code>[sources.{html.escape(name)}]</code> to "
                             "enquiry.toml. Open the workspace again to use it.</p>")
        self._validate()


def _verdict(loaded: Loaded | None, error: SlcResearchError | None) -> str:
    if error is not None:
        text = html.escape(str(error)).replace("\n", "<br>")
        return f"<p><b>&#10007; Not ready:</b> {text}</p>"
    if loaded is None:
        return ""
    tables = ", ".join(f"{len(df):,} rows into {name}" for name, df in loaded.tables.items())
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in loaded.notes)
    return (f"<p><b>&#10003; Reads:</b> {loaded.rows_read:,} rows in the file; {tables}.</p>"
            + (f"<ul>{notes}</ul>" if notes else ""))


def _survey_note(survey: SurveyColumns | None) -> str:
    if survey is None:
        return ""
    n = sum(1 for code in survey.questions.values() if code)
    left = ", ".join(f"{html.escape(h)} ({html.escape(why)})"
                     for h, why in survey.not_questions.items())
    what = (f"a <b>{html.escape(survey.tool)}</b> export" if survey.format != "plain"
            else "a plain table (no survey tool recognised)")
    return (f"<p>Read as {what}: {len(survey.questions)} question columns, {n} with a "
            "suggested item code."
            + (f" Not questions: {left}." if left else "") + "</p>")


def _sheet_names(path: Path) -> list[str]:
    from slc_research.data.reading.read_xlsx import sheet_names

    return sheet_names(path)


def column_mapper(source: str | Path | Enquiry, path: str | Path, *,
                  kind: str | None = None) -> ColumnMapper:
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
    ColumnMapper
        An ``ipywidgets.VBox``: the last line of a cell displays it.
    """
    return ColumnMapper(source, path, kind=kind)
