"""The coder: step through texts, apply codes to a whole text or a passage, add codes, memos.

>>> widgets.coder("data/demo", coder="C")                    # doctest: +SKIP
>>> widgets.coder("data/demo", coder="C", second_coder=True)  # doctest: +SKIP

Every action is saved at once by :class:`slc_research.qual.coding_store.CodingStore`
in the workspace's ``coding/`` folder, registered in ``enquiry.toml``: a kernel
restart loses nothing, and ``Enquiry.open`` and the agreement statistics see it.

What other coders did: in the normal mode their codes on the current text are
listed under it as a reference (read-only). With ``second_coder=True`` they are
hidden, so the second coding is independent and the agreement statistics mean
something; the "Coded by another coder" filter still lists which texts were
coded (not how), to pick the reliability sample. Memos are each coder's own
notes: only yours are shown, in both modes.

A browser text selection cannot reach the kernel, so a passage is chosen by
picking sentences (the first to the last picked) and/or fine-tuned with the
character slider; the excerpt is previewed before the code is applied. Offsets
are ``text[start:end]`` in the text of the ``texts`` table, as the ``codings``
loader expects.
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w
import pandas as pd

from slc_research.errors import ConfigError, SlcResearchError
from slc_research.qual.coding_store import CodingStore, check_coder_name, sentence_spans
from slc_research.workspace.enquiry import Enquiry

__all__ = ["Coder", "coder"]

_SOURCES = {"reflection": "Reflections", "interview": "Interviews", "open_answer": "Open answers",
            "minutes": "Minutes", "feedback": "Feedback"}
_SHOW = (("All texts", "all"), ("Not yet coded by me", "uncoded"),
         ("Coded by another coder", "others"))
_WHOLE, _PASSAGE = "Whole text", "Passage"
_MARK = "background:#fde68a;border-radius:2px"


def _tag(control: w.DOMWidget, name: str) -> w.DOMWidget:
    control.add_class(f"slc-coder-{name}")
    return control


def _int(value: object) -> int | None:
    """A plain int or None (a pandas NA in a tuple makes == comparisons raise)."""
    return None if pd.isna(value) else int(value)


def _label(row: tuple[str, object, object], text: str) -> str:
    code, start, end = row
    if start is None or pd.isna(start):
        return f"{code}: whole text"
    piece = text[int(start):int(end)]
    piece = piece if len(piece) <= 50 else piece[:47] + "..."
    return f"{code}: characters {int(start)}-{int(end)} \"{piece}\""


class Coder(w.VBox):
    """Code the enquiry's texts; every action is saved to the workspace at once.

    Parameters
    ----------
    workspace : str, Path or Enquiry
        The workspace folder, or an opened :class:`~slc_research.Enquiry`.
    coder : str
        Your initials or a short name, e.g. ``"C"`` (letters, digits, ``_``).
    second_coder : bool, default False
        Hide every other coder's codes while you code (for an agreement check).

    Attributes
    ----------
    store : CodingStore
        Where your codings, added codes and memos are saved.
    source, show, position, previous, next, jump : controls choosing the text.
    code, scope, sentences, span, apply : controls applying a code.
    coding, remove : pick one of your codings of this text and remove it.
    new_code, new_description, new_parent, add_code : add a code to the codebook.
    memo : your memo on this text (saved when you leave the box).
    text_view, codes_view, excerpt, message : what is shown.
    """

    def __init__(self, workspace: str | Path | Enquiry, coder: str, *,
                 second_coder: bool = False) -> None:
        check_coder_name(coder)  # before the (slower) opening
        enq = workspace if isinstance(workspace, Enquiry) else Enquiry.open(workspace)
        self.enquiry = enq
        self.store = CodingStore(enq.root, coder)
        self.second_coder = bool(second_coder)
        texts = enq.table("texts")
        self._texts = texts[["text_id", "source", "community", "author_type", "date", "text"]] \
            .dropna(subset=["text_id"]).drop_duplicates("text_id").reset_index(drop=True)
        self._text_of = dict(zip(self._texts["text_id"], self._texts["text"].fillna(""),
                                 strict=True))
        earlier = _codings_besides(enq, self.store.codings_source)
        mine = (earlier["coder"] == self.store.coder).fillna(False).to_numpy()
        self._earlier_mine = earlier[mine]          # e.g. your codings in raw/: read-only
        self._others = earlier[~mine]
        self._busy = False
        self._visible: list[str] = []

        kinds = sorted(self._texts["source"].dropna().unique())
        self.source = _tag(w.Dropdown(description="Texts", options=[("All kinds", ""), *[
            (_SOURCES.get(k, str(k).replace("_", " ").capitalize()), k) for k in kinds]]),
            "source")
        self.show = _tag(w.Dropdown(description="Show", options=_SHOW), "show")
        self.position = _tag(w.BoundedIntText(description="Text no.", min=1, max=1, value=1),
                             "position")
        self.count = _tag(w.Label(""), "count")
        self.previous = _tag(w.Button(description="Previous", icon="arrow-left"), "previous")
        self.next = _tag(w.Button(description="Next", icon="arrow-right"), "next")
        self.jump = _tag(w.Text(description="Go to ID", placeholder="a text ID, then Enter",
                                continuous_update=False), "jump")
        self.text_view = _tag(w.HTML(), "text")
        self.codes_view = _tag(w.HTML(), "codes")
        self.code = _tag(w.Dropdown(description="Code"), "code")
        self.code_help = _tag(w.HTML(), "code-help")
        self.scope = _tag(w.ToggleButtons(description="Apply to", options=[_WHOLE, _PASSAGE]),
                          "scope")
        self.sentences = _tag(w.SelectMultiple(description="Sentences", rows=5,
                                               layout=w.Layout(width="95%")), "sentences")
        self.span = _tag(w.IntRangeSlider(description="Characters", min=0, max=1, value=(0, 1),
                                          layout=w.Layout(width="95%")), "span")
        self.excerpt = _tag(w.HTML(), "excerpt")
        self.apply = _tag(w.Button(description="Apply code", button_style="primary"), "apply")
        self.coding = _tag(w.Dropdown(description="Coding", layout=w.Layout(width="95%")),
                           "coding")
        self.remove = _tag(w.Button(description="Remove coding", button_style="warning"),
                           "remove")
        self.new_code = _tag(w.Text(description="New code"), "new-code")
        self.new_description = _tag(w.Text(description="Description",
                                           layout=w.Layout(width="95%")), "new-description")
        self.new_parent = _tag(w.Dropdown(description="Theme"), "new-parent")
        self.add_code = _tag(w.Button(description="Add code"), "add-code")
        self.memo = _tag(w.Textarea(description="Memo", continuous_update=False,
                                    placeholder="your notes on this text (saved as you leave "
                                    "the box)", layout=w.Layout(width="95%")), "memo")
        self.message = _tag(w.HTML(), "message")

        mode = ("<b>Second-coder mode</b>: other coders' codes are hidden." if self.second_coder
                else "Other coders' codes are listed under the text as a reference.")
        super().__init__([
            w.HTML(f"<b>Coder {html.escape(self.store.coder)}</b>. {mode} Everything is saved "
                   "as you go."),
            w.HBox([self.source, self.show]),
            w.HBox([self.previous, self.position, self.count, self.next, self.jump]),
            self.text_view, self.codes_view,
            w.HBox([self.code, self.code_help]), self.scope, self.sentences, self.span,
            self.excerpt, self.apply,
            w.HBox([self.coding, self.remove]),
            w.HBox([self.new_code, self.new_parent, self.add_code]), self.new_description,
            self.memo, self.message])
        self.add_class("slc-coder")

        self.source.observe(lambda _: self._filter(), "value")
        self.show.observe(lambda _: self._filter(), "value")
        self.position.observe(lambda _: self._show_text(), "value")
        self.previous.on_click(lambda _: self._step(-1))
        self.next.on_click(lambda _: self._step(1))
        self.jump.observe(lambda _: self._jump(), "value")
        self.code.observe(lambda _: self._describe_code(), "value")
        self.sentences.observe(lambda _: self._pick_sentences(), "value")
        self.span.observe(lambda _: self._preview(from_slider=True), "value")
        self.scope.observe(lambda _: self._preview(), "value")
        self.apply.on_click(lambda _: self._apply())
        self.remove.on_click(lambda _: self._remove())
        self.add_code.on_click(lambda _: self._add_code())
        self.memo.observe(lambda _: self._save_memo(), "value")
        self._refresh_codes()
        self._filter()

    # -- what the tests and notebooks read ------------------------------
    @property
    def current(self) -> str | None:
        """The ID of the text shown (None when no text matches the filters)."""
        return self._visible[self.position.value - 1] if self._visible else None

    @property
    def texts(self) -> pd.DataFrame:
        """The texts the filters keep, in the order they are stepped through."""
        return self._texts[self._texts["text_id"].isin(self._visible)]

    @property
    def codings(self) -> pd.DataFrame:
        """Your saved codings (as in ``coding/codings_<coder>.csv``)."""
        return self.store.codings()

    @property
    def codes(self) -> list[str]:
        """The codes you can apply: the codebook's and those added in this workspace."""
        return list(self.code.options)

    # -- choosing a text --------------------------------------------------
    def _filter(self) -> None:
        keep = self._texts
        if self.source.value:
            keep = keep[(keep["source"] == self.source.value).fillna(False).to_numpy()]
        done = set(self.store.codings()["text_id"]) | set(self._earlier_mine["text_id"])
        if self.show.value == "uncoded":
            keep = keep[~keep["text_id"].isin(done)]
        elif self.show.value == "others":
            keep = keep[keep["text_id"].isin(set(self._others["text_id"]))]
        was = self.current
        self._visible = list(keep["text_id"])
        self.position.max = max(1, len(self._visible))
        self.count.value = f"of {len(self._visible)}"
        at = self._visible.index(was) + 1 if was in self._visible else 1
        if self.position.value == at:
            self._show_text()
        else:
            self.position.value = at

    def _step(self, by: int) -> None:
        if self._visible:
            self.position.value = min(max(1, self.position.value + by), len(self._visible))

    def _jump(self) -> None:
        tid = self.jump.value.strip()
        if not tid:
            return
        if tid not in self._text_of:
            self._say(f"No text has the ID {tid!r}: copy an ID shown above a text.", error=True)
            return
        if tid not in self._visible:
            self.show.value, self.source.value = "all", ""
        self.position.value = self._visible.index(tid) + 1
        self._say(f"Showing text {tid}.")

    def _show_text(self) -> None:
        tid = self.current
        text = self._text_of.get(tid, "") if tid else ""
        self._busy = True
        try:
            spans = sentence_spans(text)
            self.sentences.options = [(f"{i + 1}. {text[s:e]}", (s, e))
                                      for i, (s, e) in enumerate(spans)]
            self.sentences.value = ()
            self.span.max = max(1, len(text))
            self.span.value = (0, max(1, len(text)))
            self.scope.value = _WHOLE
            self.memo.value = self.store.memo(tid) if tid else ""
        finally:
            self._busy = False
        self._render()
        self._preview()

    # -- showing the text and its codes ---------------------------------
    def _mine(self, tid: str | None) -> list[tuple[str, object, object, bool]]:
        """Your codings of a text: (code, start, end, removable)."""
        parts = ((self.store.codings(), True), (self._earlier_mine, False))
        return [(str(c), _int(s), _int(e), ok) for frame, ok in parts for c, s, e in
                frame.loc[frame["text_id"] == tid, ["code", "start", "end"]].itertuples(index=False)]

    def _render(self) -> None:
        tid = self.current
        if tid is None:
            self.text_view.value = ("<p><i>No texts match: choose another kind of text or "
                                    "'All texts'.</i></p>")
            self.codes_view.value, self.coding.options = "", []
            return
        text = self._text_of[tid]
        row = self._texts.loc[self._texts["text_id"] == tid].iloc[0]
        facts = [f"ID {tid}", _SOURCES.get(row["source"], row["source"]), row["community"],
                 row["author_type"], None if pd.isna(row["date"]) else f"{row['date']:%d %b %Y}"]
        head = " &middot; ".join(html.escape(str(f)) for f in facts if f is not None
                                 and not pd.isna(f))
        mine = self._mine(tid)
        body = _highlight(text, [(c, s, e) for c, s, e, _ in mine if s is not None])
        self.text_view.value = (f"<div style='color:#555'>{head}</div><div style='white-space:"
                                f"pre-wrap;border:1px solid #ccc;padding:6px'>{body}</div>")
        lines = [f"<li>{html.escape(_label((c, s, e), text))}"
                 f"{'' if ok else ' (from an earlier file: read-only)'}</li>"
                 for c, s, e, ok in mine]
        out = f"<b>Your codes</b><ul>{''.join(lines) or '<li>none yet</li>'}</ul>"
        if not self.second_coder:
            theirs = self._others[self._others["text_id"] == tid]
            ref = [f"<li>{html.escape(str(k))}: {html.escape(_label((c, s, e), text))}</li>"
                   for k, c, s, e in theirs[["coder", "code", "start", "end"]].itertuples(
                       index=False)]
            out += f"<b>Other coders (reference)</b><ul>{''.join(ref) or '<li>none</li>'}</ul>"
        self.codes_view.value = out
        self.coding.options = [(_label((c, s, e), text), (c, s, e)) for c, s, e, ok in mine
                               if ok]

    def _refresh_codes(self) -> None:
        book = self.enquiry.table("codebook")
        added = self.store.added_codes()
        both = pd.concat([book[["code", "description", "parent"]], added], ignore_index=True)
        both = both.dropna(subset=["code"])
        both = both[~both["code"].str.casefold().duplicated()]
        self._codebook = both.reset_index(drop=True)
        codes = list(both["code"])
        keep = self.code.value
        self.code.options = codes
        self.code.value = keep if keep in codes else (codes[0] if codes else None)
        self.new_parent.options = [("(no theme)", ""), *[(c, c) for c in codes]]
        self._describe_code()

    def _describe_code(self) -> None:
        hit = self._codebook[self._codebook["code"] == self.code.value]
        text = "" if hit.empty or pd.isna(hit["description"].iloc[0]) else \
            str(hit["description"].iloc[0])
        self.code_help.value = f"<i>{html.escape(text)}</i>"

    # -- choosing a passage ---------------------------------------------
    def _pick_sentences(self) -> None:
        if self._busy or not self.sentences.value:
            return
        chosen = sorted(self.sentences.value)
        self._busy = True
        try:
            self.span.value = (chosen[0][0], chosen[-1][1])
            self.scope.value = _PASSAGE
        finally:
            self._busy = False
        self._preview()
        spans = [v for _, v in self.sentences.options]
        first, last = spans.index(chosen[0]), spans.index(chosen[-1])
        if last - first + 1 != len(chosen):
            self._say(f"The passage runs from sentence {first + 1} to {last + 1}, with the "
                      "sentences between; to code them apart, pick one run at a time.")

    def _preview(self, *, from_slider: bool = False) -> None:
        if self._busy:
            return
        if from_slider and self.scope.value != _PASSAGE:
            self.scope.value = _PASSAGE
            return  # the scope observer previews
        text = self._text_of.get(self.current, "") if self.current else ""
        if self.scope.value == _WHOLE:
            self.excerpt.value = "<i>The code will apply to the whole text.</i>"
            return
        s, e = self.span.value
        self.excerpt.value = (f"Passage (characters {s}-{e}): <span style='{_MARK}'>"
                              f"{html.escape(text[s:e])}</span>")

    # -- actions (each saved at once) -----------------------------------
    def _apply(self) -> None:
        tid, code = self.current, self.code.value
        if tid is None or not code:
            self._say("Pick a text and a code first.", error=True)
            return
        start, end = self.span.value if self.scope.value == _PASSAGE else (None, None)
        try:
            new = self.store.add_coding(tid, code, start, end,
                                        text_length=len(self._text_of[tid]))
        except SlcResearchError as exc:
            self._say(str(exc), error=True)
            return
        self._render()
        where = "the whole text" if start is None else f"characters {start}-{end}"
        self._say(f"Saved: {code} on {where} of {tid}." if new
                  else f"{code} was already on {where} of {tid}: nothing to save.")

    def _remove(self) -> None:
        if self.coding.value is None:
            self._say("Pick one of your codings of this text to remove.", error=True)
            return
        code, start, end = self.coding.value
        self.store.remove_coding(self.current, code, start, end)
        self._render()
        self._say(f"Removed {code} from {self.current} (saved).")

    def _add_code(self) -> None:
        try:
            code = self.store.add_code(self.new_code.value, self.new_description.value,
                                       self.new_parent.value or None,
                                       codebook=self._codebook)
        except SlcResearchError as exc:
            self._say(str(exc), error=True)
            return
        self.new_code.value = self.new_description.value = ""
        self._refresh_codes()
        self.code.value = code
        self._say(f"Added the code {code} to the codebook (saved); it is now picked above.")

    def _save_memo(self) -> None:
        if self._busy or self.current is None:
            return
        try:
            changed = self.store.set_memo(self.current, self.memo.value)
        except SlcResearchError as exc:
            self._say(str(exc), error=True)
            return
        saved = self.store.memo(self.current)
        if saved != self.memo.value.strip():  # a name was typed: show what was kept
            self._busy = True
            self.memo.value, self._busy = saved, False
            self._say(f"Memo on {self.current} saved, with names replaced by [name].")
        elif changed:
            self._say(f"Memo on {self.current} saved.")

    def _say(self, text: str, *, error: bool = False) -> None:
        colour = "#b91c1c" if error else "#166534"
        self.message.value = f"<span style='color:{colour}'>{html.escape(text)}</span>"


def coder(workspace: str | Path | Enquiry, coder: str, *, second_coder: bool = False) -> Coder:
    """Code the enquiry's texts in a notebook: ``widgets.coder("data/demo", coder="C")``.

    See :class:`Coder`.
    """
    return Coder(workspace, coder, second_coder=second_coder)


def _codings_besides(enq: Enquiry, source: str) -> pd.DataFrame:
    """The ``codings`` table without the rows of the coder widget's own source."""
    all_codings = enq.table("codings")
    if source not in enq.manifest.sources:
        return all_codings
    try:
        parts = [enq.source_tables(n).get("codings") for n, s in enq.manifest.sources.items()
                 if s.kind == "codings" and n != source]
    except ConfigError:  # cache pruned since opening: fall back to the whole table
        return all_codings
    parts = [p for p in parts if p is not None and len(p)]
    return pd.concat(parts, ignore_index=True) if parts else all_codings.iloc[:0]


def _highlight(text: str, spans: list[tuple[str, object, object]]) -> str:
    """The text escaped, with coded passages marked (hover shows their codes)."""
    cuts = sorted({0, len(text), *[min(len(text), int(v)) for _, s, e in spans for v in (s, e)]})
    out = []
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        codes = [c for c, s, e in spans if int(s) <= lo and hi <= int(e)]
        piece = html.escape(text[lo:hi])
        out.append(f"<mark style='{_MARK}' title='{html.escape(', '.join(codes))}'>{piece}"
                   "</mark>" if codes else piece)
    return "".join(out)
