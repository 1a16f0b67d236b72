"""Loader for a folder of texts, one per file (reflections, interview transcripts).

A ``texts`` source whose ``path`` is a folder (``"raw/reflections"``) or a pattern
(``"raw/reflections/*.docx"``) reads every ``.txt``, ``.md`` and ``.docx`` file in it as
one text (see :mod:`slc_research.data.reading.documents` for encodings and Word files).
Who wrote each text, when, and in which wave come from

- the file's name, with ``name_pattern``: the name without its extension, with
  ``{author}``, ``{date}``, ``{wave}`` and ``{community}`` standing for those parts and
  ``{any}`` for a part to skip. ``name_pattern = "{author}_{date}"`` reads
  ``4821_2026-03-06.docx`` as author 4821, 6 March 2026; ``"W{wave} {author}"`` reads
  ``W2 4821.txt``. Letters are matched in any case; or
- a list of the files, ``authors_file = "raw/reflections/authors.csv"``: a CSV or XLSX
  with a ``file`` column (the file name, with or without its extension) and any of
  ``author_id``, ``date``, ``wave``, ``community``, ``author_type``, ``quotable``;
  it wins over the name where both say something;
- or nowhere: the author is then missing, as for an anonymous text.

Every text is redacted at load as every text is (names, real ids, emails and dates of
birth from the roster and staff list: :func:`slc_research.privacy.redaction.redact_texts`),
author ids become pseudonyms and withdrawn people's texts are left out. Messages name
the file by its path with any known name in it redacted, never a name or an id.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from slc_research.data.loading.common import PERSON_WORDS
from slc_research.data.parsing.dates import parse_dates
from slc_research.data.parsing.values import parse_booleans
from slc_research.data.reading.documents import document_base, document_files, read_document
from slc_research.data.reading.readers import read_raw
from slc_research.data.schemas import conform
from slc_research.data.spec import LoadContext, Loaded, SourceSpec, normalise_answer
from slc_research.errors import ConfigError, DataError, Problem
from slc_research.privacy.redaction import redact_texts
from slc_research.words import plural

__all__ = ["FIELDS", "load_text_folder", "name_pattern_regex"]

#: The parts a ``name_pattern`` may name.
FIELDS = ("author", "date", "wave", "community", "any")
_AUTHORS = ("pupil", "staff", "parent", "anonymous")
_SIDECAR_COLUMNS = ("file", "author_id", "date", "wave", "community", "author_type", "quotable")


def name_pattern_regex(pattern: str, *, key: str = "name_pattern") -> re.Pattern:
    """The regular expression a ``name_pattern`` such as ``"{author}_{date}"`` stands for.

    Each ``{field}`` matches one or more characters (``{wave}`` digits only), as few as
    possible; the rest is matched as written, ignoring case.

    Raises
    ------
    ConfigError
        An unknown ``{field}``, a field named twice, or no field at all.
    """
    out, seen, at = [], set(), 0
    for m in re.finditer(r"\{([^{}]*)\}", pattern):
        out.append(re.escape(pattern[at:m.start()]))
        field = m.group(1).strip().lower()
        if field not in FIELDS:
            raise ConfigError(f"'{{{m.group(1)}}}' is not a part a file name can hold; use "
                              f"{', '.join('{' + f + '}' for f in FIELDS)}.", key=key)
        if field in seen and field != "any":
            raise ConfigError(f"'{{{field}}}' is named twice in the pattern.", key=key)
        seen.add(field)
        body = r"\d+" if field == "wave" else ".+?"
        out.append(f"(?:{body})" if field == "any" else f"(?P<{field}>{body})")
        at = m.end()
    out.append(re.escape(pattern[at:]))
    if not seen - {"any"}:
        raise ConfigError("name at least one part, like name_pattern = \"{author}_{date}\".",
                          key=key)
    return re.compile("".join(out), re.IGNORECASE)


def _file_key(name: str) -> str:
    return normalise_answer(Path(name).stem if Path(name).suffix else name)


def _sidecar(spec: SourceSpec) -> tuple[pd.DataFrame, str]:
    """The authors file as text columns keyed by file name (no extension, folded)."""
    path = Path(spec.options["authors_file"])
    label = spec.options.get("authors_file_label", path.name)
    raw = read_raw(path, label=label)
    by_canon = {re.sub(r"[\s_]+", "_", h.strip().casefold()): h for h in raw.headers}
    by_canon.setdefault("file", by_canon.get("file_name", by_canon.get("filename")))
    if by_canon.get("file") is None:
        raise DataError.single(label, "a column headed 'file' giving each document's file name "
                               "(with or without its extension)", row=1)
    cols = {c: raw.data[by_canon[c]].astype("string") for c in _SIDECAR_COLUMNS
            if by_canon.get(c) is not None}
    frame = pd.DataFrame(cols)
    frame["file"] = frame["file"].map(_file_key, na_action="ignore")
    frame["_row"] = raw.excel_rows()
    dup = frame["file"].notna() & frame["file"].duplicated(keep=False)
    if dup.any():
        rows = ", ".join(str(r) for r in frame.loc[dup, "_row"].head(6))
        raise DataError.single(label, f"each file listed once, but rows {rows} list the same "
                               "file; remove the repeated rows", column=by_canon["file"])
    return frame.dropna(subset=["file"]).set_index("file"), label


def load_text_folder(spec: SourceSpec, ctx: LoadContext) -> Loaded:
    """Load a folder of documents into the ``texts`` table (see the module).

    Options: ``name_pattern``, ``authors_file``, ``authors`` (pupil, staff, parent or
    anonymous; needed when texts have author ids), ``text_source`` (reflection,
    interview, ...), ``community``; the source's ``date_format`` reads the dates.
    ``text_id`` is ``T-`` + the source's and the file's short hashes: the same every
    time the folder is read, whatever files are added to it.
    """
    folder = spec.label.rstrip("/")
    files = document_files(spec.path)
    ident = ctx.redaction()
    root = document_base(spec.path)
    rel = [f.relative_to(root).as_posix() for f in files]
    shown = redact_texts(pd.Series(rel, dtype="string"), ident).tolist()
    base_label = document_base(folder).as_posix()
    labels = [f"{base_label}/{s}" for s in shown]
    others = [f for f in document_files(spec.path, every_kind=True) if f not in set(files)]
    notes: list[str] = []
    if others:
        kinds = sorted({f.suffix.lower() or "(no extension)" for f in others})
        notes.append(f"{plural(len(others), 'file')} of other kinds ({', '.join(kinds)}) left "
                     "out: only .txt, .md and .docx files are read; save them as one of these.")
    if not files:
        raise DataError.single(spec.label, "at least one .txt, .md or .docx file in this folder "
                               "(one text per file); check `path` in enquiry.toml")
    problems: list[Problem] = []
    texts, encodings = [], []
    for f, label in zip(files, labels, strict=True):
        try:
            doc = read_document(f, label)
        except DataError as exc:
            problems.extend(exc.problems)
            texts.append(None)
            encodings.append("")
            continue
        texts.append(doc.text or None)
        encodings.append(doc.encoding)
    fields = pd.DataFrame(index=range(len(files)), columns=list(_SIDECAR_COLUMNS[1:]),
                          dtype="string")
    pattern = spec.options.get("name_pattern")
    key = f"sources.{spec.name}.name_pattern"
    if pattern:
        regex = name_pattern_regex(str(pattern), key=key)
        for i, (f, label) in enumerate(zip(files, labels, strict=True)):
            m = regex.fullmatch(f.stem)
            if m is None:
                problems.append(Problem(label, None, "file name", None,
                                        f"a name of the shape name_pattern = \"{pattern}\" "
                                        "gives; rename the file, or change name_pattern "
                                        "in enquiry.toml"))
                continue
            for name, value in m.groupdict().items():
                fields.loc[i, name.replace("author", "author_id")] = value.strip() or pd.NA
    if "authors_file" in spec.options:
        side, side_label = _sidecar(spec)
        keys = [_file_key(f.name) for f in files]
        for col in side.columns.drop("_row"):
            values = side[col].reindex(keys).to_numpy()
            have = pd.notna(values)
            fields.loc[have, col] = values[have]
        missing = [label for k, label in zip(keys, labels, strict=True) if k not in side.index]
        if missing:
            notes.append(f"{plural(len(missing), 'file')} not listed in {side_label} (who "
                         f"wrote {'it' if len(missing) == 1 else 'them'} is not recorded), "
                         f"for example {missing[0]}.")
    frame = _frame(spec, ctx, files, rel, labels, texts, fields, problems, ident)
    if problems:
        raise DataError(problems)
    other = [e for e in encodings if e in ("cp1252", "utf-16")]
    if encodings.count("cp1252"):
        notes.append(f"{plural(encodings.count('cp1252'), 'file')} not in UTF-8 read as "
                     "Windows-1252 (Notepad's 'ANSI'); if accented letters look wrong, save "
                     "the file as UTF-8.")
    if other and encodings.count("utf-16"):
        notes.append(f"{plural(encodings.count('utf-16'), 'file')} in UTF-16 (Notepad's "
                     "'Unicode') read as such.")
    blank = frame["text"].isna().to_numpy()
    dropped = int(blank.sum())
    if dropped:
        notes.append(f"{plural(dropped, 'file')} with no text left out.")
    frame = frame.loc[~blank].reset_index(drop=True)
    gone = frame["author_id"].isin(ctx.withdrawn).to_numpy(dtype=bool) if ctx.withdrawn \
        else np.zeros(len(frame), dtype=bool)
    found = frozenset(frame.loc[gone, "author_id"].astype(str))
    if gone.any():
        notes.append(f"{plural(int(gone.sum()), 'text')} of withdrawn people left out.")
        frame = frame.loc[~gone].reset_index(drop=True)
    return Loaded({"texts": conform(frame, "texts")}, notes, rows_read=len(files),
                  rows_dropped=dropped + int(gone.sum()), withdrawn_found=found)


def _frame(spec: SourceSpec, ctx: LoadContext, files: list[Path], rel: list[str],
           labels: list[str], texts: list, fields: pd.DataFrame, problems: list[Problem],
           ident) -> pd.DataFrame:
    """The texts table of the folder (problems of dates, waves and author types collected)."""
    n = len(files)
    prefix = "T-" + hashlib.sha1(spec.name.encode()).hexdigest()[:6] + "-"
    ids = [prefix + hashlib.sha1(r.encode()).hexdigest()[:8] for r in rel]
    fixed = spec.options.get("authors")
    authors = fields["author_id"].str.strip().replace("", pd.NA)
    said = [None if pd.isna(w) else PERSON_WORDS.get(str(w).strip().casefold(), "?")
            for w in fields["author_type"]]
    for i in (i for i, w in enumerate(said) if w == "?"):
        problems.append(Problem(labels[i], None, "author_type", None,
                                f"one of {', '.join(_AUTHORS)}; correct it in the authors file"))
    has_id = authors.notna()
    if any(h and w is None and fixed is None for h, w in zip(has_id, said, strict=True)):
        raise ConfigError("say whose ids the file names hold: add authors = \"pupil\" (or "
                          "'staff' or 'parent') to the source.", key=f"sources.{spec.name}.authors")
    types = pd.Series([w if w not in (None, "?") else (fixed or "anonymous") for w in said],
                      dtype="string")
    pseudo = pd.Series(pd.NA, index=range(n), dtype="string")
    for kind in ("pupil", "staff", "parent"):
        mask = (has_id & (types == kind)).to_numpy(dtype=bool)
        if mask.any():
            pseudo[mask] = ctx.pseudonymise(authors[mask], kind).astype("string")
    dates = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ms]")
    if fields["date"].notna().any():
        parsed = parse_dates(fields["date"].astype("category"), label=spec.label,
                             header="date", rows=np.arange(n), date_format=spec.date_format)
        problems.extend(_per_file(parsed.problems, labels, "the date in its name"))
        dates = parsed.values
    waves = pd.to_numeric(fields["wave"], errors="coerce")
    for i in np.flatnonzero((waves.isna() & fields["wave"].notna()).to_numpy(dtype=bool)):
        problems.append(Problem(labels[i], None, "wave", None,
                                "the wave as a whole number (1, 2, ...)"))
    quotable = pd.Series(pd.array([True] * n, dtype="boolean"))
    if fields["quotable"].notna().any():
        parsed = parse_booleans(fields["quotable"].astype("category"), label=spec.label,
                                header="quotable", rows=np.arange(n), blank=True)
        problems.extend(_per_file(parsed.problems, labels, "quotable"))
        quotable = parsed.values.astype("boolean").fillna(True)
    community = fields["community"].fillna(spec.options.get("community", pd.NA))
    return pd.DataFrame({
        "text_id": pd.Series(ids, dtype="string"),
        "author_id": pseudo,
        "author_type": pd.Categorical(types, categories=list(_AUTHORS)),
        "date": dates,
        "source": pd.Series([spec.options.get("text_source", pd.NA)] * n, dtype="string"),
        "community": community.astype("string"),
        "text": redact_texts(pd.Series(texts, dtype="string"), ident),
        "quotable": quotable,
        "wave": waves.astype("Int8"),
    })


def _per_file(found: list[Problem], labels: list[str], column: str) -> list[Problem]:
    """A parser's problems (row = the file's position) moved onto the files they are about."""
    return [Problem(labels[p.row] if p.row is not None and p.row < len(labels) else p.file,
                    None, column, None, p.expected) for p in found]
