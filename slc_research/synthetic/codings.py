"""The voices of the synthetic enquiry: a codebook and two coders' codings of its texts.

Every fixed sentence of the text templates (:mod:`.synthetic_text`) has its
true code(s) here. Coder A codes every SLC interview snippet, every
conference feedback text, every TLC survey comment and a fifth of the weekly
reflections that hold something to code (plus a few reflections of
withdrawn pupils, whose texts are dropped at load, so that downstream code
has codings of missing texts to leave out). Coder B independently codes
about two in five of A's texts. A coder gives every text they code at least
one code, so the texts a coder coded are those in their file.
Each coder applies a true code with high probability, now and then puts a
sibling code in its place or misses it, and now and then adds a code that
is not there, so the two agree well but not perfectly (see
``INJECTED_EFFECTS["coder_agreement"]``).

Interview, feedback and comment codings cover the whole text (no offsets);
reflections are coded sentence by sentence: the explanatory "because"
sentence "Explaining learning", the dialogic sentence (which holds a goal)
"Setting targets". The offsets index the texts as the workbench loads them,
i.e. after names are redacted as ``[name]``: the texts are read here through
the real loader.

Each coder also rates every reflection they code as a whole for its depth
(a whole-text code under "Reflection depth"). The rating comes from the
latent depth the generator wrote the reflection at
(:func:`~slc_research.synthetic.text.true_depth`), with a slip to an
adjacent level at rate :data:`DEPTH_SLIP`: it never looks for the rubric's
phrases, so the rubric's agreement with it (the conferences report's
"Checking the rubric") measures the heuristic rather than repeating it.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from slc_research.data.loading.people import people_of
from slc_research.data.loading.texts import load_texts
from slc_research.data.spec import LoadContext, SourceSpec
from slc_research.privacy.pseudonyms import Pseudonymiser
from slc_research.synthetic.output import Source, WorkspaceWriter
from slc_research.synthetic.text import reflection_sentences, true_depth

__all__ = ["CODEBOOK", "CODER_ERRORS", "DEPTH_CODES", "DEPTH_SLIP", "TRUE_CODES",
           "depth_ratings", "true_codings", "write_voices"]

#: (code, description, parent theme); themes have no parent.
CODEBOOK: tuple[tuple[str, str, str | None], ...] = (
    ("Pupil voice", "Pupils' views heard and acted on", None),
    ("Being listened to", "Staff hear pupils' views and change things", "Pupil voice"),
    ("Understanding teachers", "Pupils see teaching from the teacher's side", "Pupil voice"),
    ("Learning", "How pupils learn and talk about learning", None),
    ("Learning strategies", "A named way of learning or revising", "Learning"),
    ("Explaining learning", "Saying why something worked or was hard", "Learning"),
    ("Setting targets", "A goal or what to do differently next time", "Learning"),
    ("Confidence", "Feelings about speaking, showing and presenting", None),
    ("Speaking up", "Talking to adults or an audience", "Confidence"),
    ("Pride in work", "Being proud of what was done", "Confidence"),
    ("Nerves", "Being nervous or unsure what to say", "Confidence"),
    ("Professional learning", "Teachers learning together in a TLC", None),
    ("Collaboration", "Working with or learning from colleagues", "Professional learning"),
    ("New strategies", "Trying or keeping a new classroom strategy", "Professional learning"),
    ("Time pressure", "Time and workload getting in the way", "Professional learning"),
    ("Conferences", "The student-led conferences themselves", None),
    ("Parents' view", "What parents learned or want from a conference", "Conferences"),
    ("Pupil ownership", "Pupils leading the talk about their learning", "Conferences"),
    ("Logistics", "Timing and organisation of the evenings", "Conferences"),
    ("Reflection depth", "A weekly reflection judged as a whole, by its meaning", None),
    ("Descriptive writing", "Says what happened, with no reasons", "Reflection depth"),
    ("Explanatory writing", "Gives reasons or a plan for next time", "Reflection depth"),
    ("Dialogic or critical writing", "Weighs alternatives or other people's views",
     "Reflection depth"),
)
#: Depth 1, 2, 3 -> the code a coder gives a reflection judged at that depth.
DEPTH_CODES = {1: "Descriptive writing", 2: "Explanatory writing",
               3: "Dialogic or critical writing"}
#: Chance that a coder rates a reflection's depth one level away from its true depth.
DEPTH_SLIP = 0.15
_PARENT = {c: p for c, _, p in CODEBOOK}
_LEAVES = tuple(c for c, _, p in CODEBOOK if p is not None and p != "Reflection depth")

#: A phrase of each fixed template sentence -> its true codes (whole-text codings).
TRUE_CODES: dict[str, tuple[str, ...]] = {
    # SLC interview snippets
    "how much time teachers spend planning": ("Understanding teachers",),
    "how much a lesson gets disrupted": ("Understanding teachers",),
    "made me think about how I revise": ("Learning strategies",),
    "Now I can talk to a room full of teachers": ("Speaking up",),
    "see our ideas being used": ("Being listened to",),
    "actually listened when we said the starter quizzes": ("Being listened to",
                                                           "Learning strategies"),
    "I try retrieval practice at home": ("Learning strategies",),
    "Anyone can say how lessons feel": ("Being listened to",),
    "Presenting at the staff training was scary": ("Speaking up", "Pride in work"),
    "why teachers ask us to do things a certain way": ("Understanding teachers",),
    "say what works for us and they change things": ("Being listened to",),
    "more patient with teachers": ("Understanding teachers",),
    # conference feedback: parents
    "explain what they have been learning": ("Parents' view", "Explaining learning"),
    "than at any parents' evening": ("Parents' view",),
    "nervous but really proud to show": ("Nerves", "Pride in work"),
    "just a list of activities": ("Parents' view",),
    "We ran out of time": ("Logistics",),
    # pupils
    "nervous at first but I liked showing my work": ("Nerves", "Pride in work"),
    "I could explain my targets": ("Setting targets", "Pupil ownership"),
    "because I got to talk": ("Pupil ownership",),
    "I did not know what to say": ("Nerves",),
    "My reflections helped me remember": ("Learning strategies",),
    # staff
    "spoke in much more depth": ("Explaining learning",),
    "need more modelling of reflection": ("Explaining learning",),
    "Parents stayed longer": ("Logistics",),
    "helped the less confident pupils": ("Speaking up",),
    # TLC survey comments
    "permission, to take risks": ("New strategies",),
    "colleagues in other departments": ("Collaboration",),
    "Time is the issue": ("Time pressure",),
    "I actually tried things": ("New strategies",),
    "time to observe each other": ("Collaboration", "Time pressure"),
    "student voice session": ("Being listened to",),
    "clashed with my department's deadlines": ("Time pressure",),
    "carry on with retrieval quizzes": ("New strategies",),
}
_PHRASES = re.compile("|".join(re.escape(p) for p in TRUE_CODES))

#: A reflection sentence's depth -> its code (sentence-level spans).
_SENTENCE_CODES = {2: "Explaining learning", 3: "Setting targets"}

#: How each coder errs: per true code, the chance of a sibling code instead and of
#: no code; per text, the chance of an extra code the text does not hold.
CODER_ERRORS = {"sibling": 0.08, "miss": 0.08, "extra": 0.11}
#: Shares: reflections coder A codes, and A's texts coder B codes too.
REFLECTION_SAMPLE = 0.2
SECOND_CODER_SHARE = 0.4


def true_codings(texts: pd.DataFrame) -> pd.DataFrame:
    """The true codes of loaded texts (``text_id``, ``source``, ``text``).

    Returns
    -------
    DataFrame
        ``text_id, code, start, end``: whole-text codes (start/end missing)
        for template texts, sentence spans for reflections.
    """
    rows: list[tuple[str, str, int | None, int | None]] = []
    for tid, source, text in texts[["text_id", "source", "text"]].itertuples(index=False):
        if source == "reflection":
            rows += [(tid, _SENTENCE_CODES[depth], start, end)
                     for depth, start, end in reflection_sentences(text)]
        else:
            seen: dict[str, None] = {}
            for m in _PHRASES.finditer(text):
                seen.update(dict.fromkeys(TRUE_CODES[m.group(0)]))
            rows += [(tid, code, None, None) for code in seen]
    out = pd.DataFrame(rows, columns=["text_id", "code", "start", "end"])
    out[["start", "end"]] = out[["start", "end"]].astype("Int64")
    return out


def _code(rng: np.random.Generator, truth: pd.DataFrame, ids: np.ndarray,
          source_of: dict[str, str], pool: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """One coder's codings of the texts ``ids``: the truth with the coder's errors."""
    mine = truth[truth["text_id"].isin(ids)]
    u = rng.random(len(mine))
    codes = mine["code"].to_numpy(dtype=object).copy()
    siblings = {c: [s for s in _LEAVES if _PARENT[s] == _PARENT[c] and s != c] for c in _LEAVES}
    swap = np.flatnonzero(u < CODER_ERRORS["sibling"])
    for i in swap:
        codes[i] = siblings[codes[i]][int(rng.integers(len(siblings[codes[i]])))]
    keep = u >= CODER_ERRORS["sibling"] + CODER_ERRORS["miss"]
    keep[swap] = True
    out = mine.assign(code=codes).loc[keep]
    extra_ids = ids[rng.random(ids.size) < CODER_ERRORS["extra"]]
    extra = []
    for t in extra_ids:
        codes_here = pool.get(source_of[t], _LEAVES)
        extra.append((t, codes_here[int(rng.integers(len(codes_here)))]))
    extra_frame = pd.DataFrame(extra, columns=["text_id", "code"]).astype(
        {"text_id": object, "code": object})
    extra_frame["start"] = extra_frame["end"] = pd.array([None] * len(extra), dtype="Int64")
    # a coder who codes a text gives it at least one code: a text left bare gets its first
    bare = mine.loc[~mine["text_id"].isin(set(out["text_id"]) | set(extra_ids))]
    out = pd.concat([out, bare.drop_duplicates("text_id")], ignore_index=True)
    both = pd.concat([out, extra_frame], ignore_index=True)
    both = both.drop_duplicates(["text_id", "code", "start", "end"])
    order = {t: i for i, t in enumerate(ids)}
    both = both.assign(_o=both["text_id"].map(order)).sort_values(["_o", "start"],
                                                                    kind="stable")
    return both.drop(columns="_o").reset_index(drop=True)


def depth_ratings(rng: np.random.Generator, texts: pd.DataFrame) -> pd.DataFrame:
    """One coder's whole-text depth ratings of reflections, from their latent depth.

    Parameters
    ----------
    rng : Generator
    texts : DataFrame
        The reflections the coder rates: ``text_id``, ``text``.

    Returns
    -------
    DataFrame
        ``text_id, code, start, end`` (start and end missing): one of
        :data:`DEPTH_CODES` per text. The true depth (:func:`true_depth`) with
        chance 1 - :data:`DEPTH_SLIP`, else an adjacent level (either one, at
        random, for level 2). The rubric's phrases play no part.
    """
    truth = np.array([true_depth(t) for t in texts["text"]], dtype=int)
    slip = rng.random(truth.size) < DEPTH_SLIP
    step = np.where(rng.random(truth.size) < 0.5, -1, 1)
    step = np.where(truth == 1, 1, np.where(truth == 3, -1, step))
    rated = np.where(slip, truth + step, truth)
    out = pd.DataFrame({"text_id": texts["text_id"].to_numpy(dtype=object),
                        "code": [DEPTH_CODES[int(d)] for d in rated]})
    out["start"] = out["end"] = pd.array([None] * len(out), dtype="Int64")
    return out


def _spec(root: Path, s: Source) -> SourceSpec:
    return SourceSpec(s.name, root / s.path, s.path, s.kind, dict(s.columns), s.sheet,
                      s.date_format, dict(s.options))


def write_voices(writer: WorkspaceWriter, rng: np.random.Generator,
                 withdrawn: list[str]) -> pd.DataFrame:
    """Write ``raw/voices/``: the codebook and coder A's and coder B's codings.

    The texts are read back through the loader (names redacted as the
    workbench redacts them), so the offsets index the canonical ``texts``.
    ``withdrawn`` are the UPNs withdrawn in the consent register: a couple of
    their reflections are always in coder A's sample.

    Returns
    -------
    DataFrame
        The true codings (``text_id, code, start, end``), for tests, with every
        reflection's true depth code (whole text).
    """
    root = writer.root
    specs = [_spec(root, s) for s in writer.sources]
    pseudonymiser = Pseudonymiser(b"synthetic-voices-" + bytes(16))
    ctx = people_of(specs).into(LoadContext(pseudonymiser))
    sources = ("interview", "feedback", "open_answer", "reflection")
    frames = [load_texts(s, ctx).tables["texts"] for s in specs
              if s.kind == "texts" and s.options.get("text_source") in sources
              and len(pd.read_csv(s.path, nrows=1))]  # a small school may have no comments
    texts = pd.concat(frames, ignore_index=True)
    gone = set(pseudonymiser.pseudonymise(pd.Series(withdrawn, dtype="string"), "pupil"))
    truth = true_codings(texts)
    reflection = (texts["source"] == "reflection").to_numpy()
    sample = reflection & (rng.random(len(texts)) < REFLECTION_SAMPLE)
    for author in sorted(gone):
        theirs = np.flatnonzero(reflection & (texts["author_id"] == author).to_numpy())
        sample[theirs[:2]] = True
    codable = texts["text_id"].isin(set(truth["text_id"])).to_numpy() | reflection
    ids_a = texts["text_id"].to_numpy(dtype=object)[codable & (~reflection | sample)]
    ids_b = ids_a[rng.random(ids_a.size) < SECOND_CODER_SHARE]
    source_of = dict(zip(texts["text_id"], texts["source"], strict=True))
    used = truth.groupby(truth["text_id"].map(source_of))["code"].unique()
    pool = {src: tuple(sorted(codes)) for src, codes in used.items()}
    coded = {}
    for coder, ids in (("A", ids_a), ("B", ids_b)):
        content = _code(rng, truth, ids, source_of, pool)
        rated = texts[texts["text_id"].isin(set(ids)) & reflection]
        depth = depth_ratings(rng, rated)
        order = {t: i for i, t in enumerate(ids)}
        both = pd.concat([content, depth], ignore_index=True)
        both = both.assign(_o=both["text_id"].map(order)).sort_values(["_o", "start"],
                                                                        kind="stable")
        coded[coder] = both.drop(columns="_o").reset_index(drop=True)
    depths = [true_depth(t) for t in texts.loc[reflection, "text"]]
    truth_depth = pd.DataFrame({"text_id": texts.loc[reflection, "text_id"].to_numpy(object),
                                "code": [DEPTH_CODES[d] for d in depths]})
    truth_depth["start"] = truth_depth["end"] = pd.array([None] * len(depths), dtype="Int64")
    truth = pd.concat([truth, truth_depth], ignore_index=True)
    writer.csv(pd.DataFrame(CODEBOOK, columns=["Code", "Description", "Parent"]),
               "raw/voices/codebook.csv", name="voices_codebook", kind="codebook",
               columns={"Code": "code", "Description": "description", "Parent": "parent"},
               description="The enquiry's codebook: themes and the codes under them")
    for coder, frame in coded.items():
        out = frame.rename(columns={"text_id": "Text ID", "code": "Code", "start": "Start",
                                    "end": "End"})
        writer.csv(out, f"raw/voices/codings_coder_{coder.lower()}.csv",
                   name=f"voices_codings_{coder.lower()}", kind="codings", coder=coder,
                   columns={"Text ID": "text_id", "Code": "code", "Start": "start",
                            "End": "end"},
                   description=f"Coder {coder}'s codings of interviews, feedback, TLC comments "
                               "and reflections")
    return truth
