"""How deep is a written reflection? A transparent keyword heuristic a teacher can edit.

The rubric is a small TOML file (the default is ``slc_research/templates/
reflection_rubric.toml``): levels in order, each with a name, a plain
description for staff and indicator phrases. A text's depth is the highest
level whose indicators it contains, and the phrase that matched is kept, so
every score can be checked by hand.

The default levels are a keyword heuristic *after* Hatton and Smith (1995),
not their framework: descriptive writing; explanatory or forward-looking
writing (reasons, or a target for next time: close to their "descriptive
reflection"); and dialogic or critical writing (weighing alternatives or
explanations, other people's views, a wider context, values). Setting a
target is not critical reflection. A phrase list cannot judge meaning: it
counts any "because", misses weighing-up written without its phrases, and
says nothing of a reflection's quality, so its scores should be checked
against a person's reading (:func:`rubric_agreement`).

References
----------
Hatton, N. & Smith, D. (1995). Reflection in teacher education: towards
definition and implementation. *Teaching and Teacher Education*, 11(1), 33-49.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from slc_research import stats
from slc_research.errors import ConfigError

__all__ = ["DEFAULT_RUBRIC", "Rubric", "RubricLevel", "depth_examples", "load_rubric",
           "rubric_agreement", "score_depth"]

#: The default rubric, inside the package.
DEFAULT_RUBRIC = "templates/reflection_rubric.toml"


@dataclass(frozen=True)
class RubricLevel:
    """One level of a depth rubric.

    Attributes
    ----------
    level : int
        Its number; higher is deeper.
    name : str
        A short name, e.g. ``"Explanatory"``.
    description : str
        What writing at this level looks like, for staff.
    indicators : tuple of str
        Phrases (or regular expressions) that show this level, matched
        ignoring case and only as whole words.
    codes : tuple of str
        Codes of the enquiry's codebook that a person uses for writing at this
        level (optional; used only to check the rubric against hand coding).
    """

    level: int
    name: str
    description: str
    indicators: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()

    def patterns(self) -> tuple[re.Pattern[str], ...]:
        """The indicators compiled: case-insensitive, whole words only."""
        return tuple(_compile(p) for p in self.indicators)


@dataclass(frozen=True)
class Rubric:
    """A reflection-depth rubric: levels from shallowest to deepest.

    Attributes
    ----------
    title : str
    levels : tuple of RubricLevel
        Ordered by ``level``.
    source : str
        The file it was read from (``"default"`` for the packaged rubric).
    """

    title: str
    levels: tuple[RubricLevel, ...]
    source: str = "default"

    @property
    def names(self) -> dict[int, str]:
        """Level number -> name."""
        return {lv.level: lv.name for lv in self.levels}

    def to_frame(self) -> pd.DataFrame:
        """The rubric as a table for staff: level, level_name, description, indicators."""
        return pd.DataFrame({
            "level": [lv.level for lv in self.levels],
            "level_name": [lv.name for lv in self.levels],
            "description": [" ".join(lv.description.split()) for lv in self.levels],
            "indicators": ["; ".join(lv.indicators) or "(none: everything else)"
                           for lv in self.levels],
        })


def _compile(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{phrase})(?!\w)", re.IGNORECASE)


def load_rubric(path: str | PathLike[str] | None = None) -> Rubric:
    """Read a depth rubric from a TOML file, or the default one.

    Parameters
    ----------
    path : str or path, optional
        A rubric file (see the default, ``slc_research/templates/
        reflection_rubric.toml``, for the format); None or ``""`` for the default.

    Returns
    -------
    Rubric

    Raises
    ------
    ConfigError
        With the file and the key at fault: a missing or unreadable file, no
        levels, a level without a whole-number ``level`` or a ``name``, a
        duplicate level number, indicators that are not a list of text, or an
        indicator that is not a valid regular expression.

    Examples
    --------
    >>> [lv.name for lv in load_rubric().levels]
    ['Descriptive', 'Explanatory or forward-looking', 'Dialogic or critical']
    """
    if path is None or str(path).strip() == "":
        text = resources.files("slc_research").joinpath(DEFAULT_RUBRIC).read_text(
            encoding="utf-8")
        source = "default"
    else:
        file = Path(path).expanduser()
        source = str(file)
        if not file.is_file():
            raise ConfigError("no rubric file here; copy the default "
                              "(slc_research/templates/reflection_rubric.toml) into your enquiry "
                              "folder and give its path", file=source)
        text = file.read_text(encoding="utf-8-sig")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML ({exc}); compare it with the default rubric",
                          file=source) from None
    return _parse(data, source)


def _parse(data: dict, source: str) -> Rubric:
    raw = data.get("levels")
    if not isinstance(raw, list) or not raw:
        raise ConfigError("the rubric has no levels; add [[levels]] tables with level, name, "
                          "description and indicators", file=source, key="levels")
    levels: list[RubricLevel] = []
    seen: set[int] = set()
    for i, entry in enumerate(raw):
        key = f"levels[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError("expected a [[levels]] table", file=source, key=key)
        number = entry.get("level")
        if isinstance(number, bool) or not isinstance(number, int):
            raise ConfigError(f"expected a whole number, found {number!r}", file=source,
                              key=f"{key}.level")
        if number in seen:
            raise ConfigError(f"level {number} appears twice; give every level its own number",
                              file=source, key=f"{key}.level")
        seen.add(number)
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"expected a name in quotes, found {name!r}", file=source,
                              key=f"{key}.name")
        description = entry.get("description", "")
        if not isinstance(description, str):
            raise ConfigError(f"expected text, found {description!r}", file=source,
                              key=f"{key}.description")
        indicators = entry.get("indicators", [])
        if not isinstance(indicators, list) or not all(
                isinstance(p, str) and p.strip() for p in indicators):
            raise ConfigError(f"expected a list of phrases in quotes, found {indicators!r}",
                              file=source, key=f"{key}.indicators")
        for phrase in indicators:
            try:
                _compile(phrase)
            except re.error as exc:
                raise ConfigError(f"the phrase {phrase!r} is not a valid pattern ({exc}); "
                                  "put a backslash before ( ) [ ] ? * + . if you mean them "
                                  "literally", file=source, key=f"{key}.indicators") from None
        codes = entry.get("codes", [])
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(f"expected a list of codebook codes in quotes, found {codes!r}",
                              file=source, key=f"{key}.codes")
        levels.append(RubricLevel(number, name.strip(), description.strip(),
                                  tuple(p.strip() for p in indicators),
                                  tuple(c.strip() for c in codes if c.strip())))
    levels.sort(key=lambda lv: lv.level)
    title = data.get("title", "Reflection depth")
    return Rubric(str(title), tuple(levels), source)


def score_depth(texts: pd.DataFrame, rubric: Rubric, *, text_col: str = "text",
                id_col: str = "text_id") -> pd.DataFrame:
    """Score each text's reflection depth with ``rubric``, showing the phrase that decided it.

    Parameters
    ----------
    texts : DataFrame
        With ``text_id`` and ``text`` columns (the canonical ``texts`` table or part of it).
    rubric : Rubric
        From :func:`load_rubric`.
    text_col, id_col : str
        Column names, if not the canonical ones.

    Returns
    -------
    DataFrame
        One row per text, in the input order: ``text_id``, ``depth`` (Int64),
        ``level_name`` and ``matched`` (the deciding level's first indicator, in
        rubric order, found in the text, as written there; missing for the
        lowest level).

    Raises
    ------
    ConfigError
        If a column is missing.

    Notes
    -----
    depth = max{level : some indicator of the level occurs in the text}, or the
    lowest level when no indicator occurs. Missing text counts as empty.

    Examples
    --------
    >>> t = pd.DataFrame({"text_id": ["a", "b", "c"],
    ...                   "text": ["We did fractions.", "Next time I will check my work.",
    ...                            "Perhaps it was because I rushed."]})
    >>> scored = score_depth(t, load_rubric())
    >>> scored["depth"].tolist(), scored.loc[1, "matched"], scored.loc[2, "matched"]
    ([1, 2, 3], 'Next time', 'Perhaps it was because')
    """
    missing = [c for c in (id_col, text_col) if c not in texts.columns]
    if missing:
        raise ConfigError(f"cannot score reflection depth: the texts have no column(s) "
                          f"{missing}; they have {list(texts.columns)}")
    lowest = rubric.levels[0]
    compiled = [(lv, lv.patterns()) for lv in reversed(rubric.levels) if lv.indicators]
    depth, names, matched = [], [], []
    for text in texts[text_col].astype("string").fillna("").tolist():
        found = None
        for lv, patterns in compiled:
            for pattern in patterns:
                m = pattern.search(text)
                if m:
                    found = (lv, m.group(0))
                    break
            if found:
                break
        lv, phrase = found if found else (lowest, None)
        depth.append(lv.level)
        names.append(lv.name)
        matched.append(phrase)
    return pd.DataFrame({
        "text_id": texts[id_col].astype("string").to_numpy(),
        "depth": pd.array(depth, dtype="Int64"),
        "level_name": pd.array(names, dtype="string"),
        "matched": pd.array(matched, dtype="string"),
    })


_LEVEL_CODE = re.compile(r"^(?:depth|level|reflection[ _-]?depth)[ _-]?(\d+)$", re.IGNORECASE)


def rubric_agreement(scored: pd.DataFrame, codings: pd.DataFrame, rubric: Rubric, *,
                     coder: str | None = None) -> stats.KappaResult | None:
    """Agreement of the heuristic's scores with a person's depth codes (weighted kappa).

    The person should judge each reflection's depth as a whole from its meaning,
    not by looking for the rubric's phrases; otherwise the agreement is circular.

    Parameters
    ----------
    scored : DataFrame
        :func:`score_depth` output (``text_id``, ``depth``).
    codings : DataFrame
        The ``codings`` table. A code shows a level when it is listed in the
        level's ``codes``, is the level's name (any case), or is like
        ``depth_2`` / ``level 3``. A text the coder coded takes the highest
        level its codes show, or the lowest level when none does.
    rubric : Rubric
    coder : str, optional
        Whose codes to compare with (default: the first coder, by name, with any).

    Returns
    -------
    KappaResult or None
        Cohen's kappa with linear weights over the rubric's levels; None when
        no code shows a level or fewer than 2 scored texts were coded.

    Notes
    -----
    Only texts the coder gave at least one code are compared: a text with no
    code cannot be told apart from one the coder did not read.
    """
    names = {lv.name.lower(): lv.level for lv in rubric.levels}
    names.update({c.lower(): lv.level for lv in rubric.levels for c in lv.codes})
    known = {lv.level for lv in rubric.levels}
    lowest = float(rubric.levels[0].level)

    def level_of(code: object) -> float:
        text = str(code).strip()
        m = _LEVEL_CODE.match(text)
        number = int(m.group(1)) if m else names.get(text.lower())
        return float(number) if number in known else np.nan

    c = codings[codings["text_id"].isin(scored["text_id"])]
    c = c.assign(level=c["code"].map(level_of).astype(float))
    if c.empty or c["level"].isna().all():
        return None
    if coder is None:
        coder = sorted(c.loc[c["level"].notna(), "coder"].dropna().astype(str))[0]
    person = c[c["coder"].astype(str) == coder].groupby("text_id")["level"].max()
    person = person.fillna(lowest)
    both = scored.set_index("text_id")["depth"].astype(float).to_frame().join(person, how="inner")
    if len(both) < 2:
        return None
    return stats.cohen_kappa(both["depth"].to_numpy(), both["level"].to_numpy(),
                             weights="linear", categories=sorted(known))


def depth_examples(texts: pd.DataFrame, scored: pd.DataFrame, rubric: Rubric, *,
                   per_level: int = 1, max_chars: int = 200, seed: int = 0) -> pd.DataFrame:
    """An example text at each level with the phrase that decided its score.

    Only quotable texts without a redacted name ("[name]") are used.

    Returns
    -------
    DataFrame
        ``level``, ``level_name``, ``example`` and ``matched`` (no ids).
    """
    joined = scored.merge(texts[["text_id", "text", "quotable"]], on="text_id", how="left")
    text = joined["text"].astype("string").fillna("")
    ok = joined["quotable"].fillna(False).astype(bool) & ~text.str.contains("[name]",
                                                                             regex=False)
    ok &= text.str.len().between(1, max_chars)
    pool = joined[ok.to_numpy(bool)]
    rng = np.random.default_rng(seed)
    rows = []
    for lv in rubric.levels:
        d = pool[pool["depth"] == lv.level].drop_duplicates("text")
        for i in sorted(rng.permutation(len(d))[:per_level]):
            rows.append({"level": lv.level, "level_name": lv.name,
                         "example": str(d["text"].iloc[i]),
                         "matched": d["matched"].iloc[i]})
    return pd.DataFrame(rows, columns=["level", "level_name", "example", "matched"])
