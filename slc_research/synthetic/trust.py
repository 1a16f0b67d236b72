"""A synthetic multi-school trust, written as a complete enquiry workspace.

:func:`write_demo_workspace` writes ``enquiry.toml``, one folder of raw exports
per school under ``raw/`` (shaped the way SIMS, Google Forms, Microsoft Forms and
a coordinator's spreadsheets shape them), ``private/consent.csv`` and a
``README.md``. No real person is in it: names are drawn at random from built-in
lists and UPNs use local-authority numbers no English authority has.

Injected effects
----------------
The workspace holds known effects so that analyses, reports and tests can be
checked against them. :data:`INJECTED_EFFECTS` lists each with its exact
definition; in short:

* **Learning questionnaire** (Years 7-12, wave 1 in early October, wave 2 in
  June). Morris's (2008) d_ppc2 of the wave 1 -> wave 2 change in the observed
  scale score (mean of the answered items on agree5, 1-5, reverse-coded items
  reversed), SLC members against non-members of Years 9-12 of the same
  schools, pupils with a score at both waves: the difference in mean change
  divided by the pooled wave-1 SD, the raw-score metric the report prints and
  reads against benchmarks: engagement **0.40**, metacognition **0.28**,
  relationships with teachers **0.00**. These are population values, measured
  on two simulated schools of 400,000 pupils (8,000 members; seeds 11 and 12:
  0.405/0.401, 0.278/0.288, 0.004/-0.006, each with SE 0.01). The generator is
  unchanged: its latent shifts
  (:data:`~slc_research.synthetic.surveys.LATENT_SHIFT`) were calibrated so
  that Hedges' g of the *change scores* is 0.50, 0.35 and 0.00 (kept as
  ``change_score_g``); with a pre-post correlation of about 0.68 the SD of the
  change (0.70) is smaller than the SD of the scores (0.87), so that metric
  reads about a quarter larger and is not comparable with benchmarks. Members
  who come to more SLC meetings gain more (half of a member's shift is fixed,
  half in proportion to their attendance), so a dose-response analysis finds
  something. In the default demo (4 schools of 1,000; about 70 members with
  both waves) each d_ppc2 has a standard error of about 0.10; the generator
  centres the latent draws within members and within non-members, so
  estimates vary less than that between seeds and sit close to the injected
  values.
* **Selection**: volunteers' wave-1 engagement is about **0.3** pooled SD above
  non-members' of the same year groups. It is a confounder, not an effect:
  reports must say that volunteers differ at baseline.
* **Attendance**: SLC members' attendance rises by **2.0 percentage points** from
  the autumn to the summer term relative to non-members of Years 9-12 (half of
  it in spring); attendance = present / possible sessions, per pupil.
* **Co-production** (8-12 KS3 pupils per school, nominated as at risk): their
  negative behaviour points per school week fall by **40%** from before their
  group's first meeting to after it; the share answering "Yes" to "I often get
  into trouble at school" falls by **11 percentage points** (as in the Demos
  pilot), exactly up to rounding over the trust's co-production pupils.
  The share answering "Yes" to "I feel confident about speaking up in school"
  rises from 35% by **20 percentage points**, exactly up to rounding.
* **Reflections** of the student-led conference class deepen over the year.
* **TLC membership grows**: each school's TLC members file also lists the
  members of the two previous academic years (with Joined and Left dates),
  about **18%** and **25%** of today's teachers, then this year's (about 42%).
* **Coding**: a codebook and two coders' codings (``raw/voices/``) of the
  interviews, conference feedback, TLC survey comments and a fifth of the
  reflections; coder B codes about two in five of coder A's texts, and the
  coders agree with Cohen's kappa about **0.73** (code presence per text).
  Each coder rates the depth of the reflections they code from the latent
  depth the text was written at (not from the rubric's phrases).

Everything is reproducible: the same arguments give byte-identical files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from slc_research.errors import ConfigError
from slc_research.privacy.pseudonyms import KEY_FILE
from slc_research.synthetic.codings import write_voices
from slc_research.synthetic.communities import TLC_EARLIER_SHARES
from slc_research.synthetic.output import WorkspaceWriter, render_manifest
from slc_research.synthetic.responses import write_coproduction_check
from slc_research.synthetic.school import (
    ATTENDANCE_GAIN,
    NEGATIVE_BEHAVIOUR_CHANGE,
    consent_rows,
    school_specs,
    write_school,
)
from slc_research.synthetic.school_year import school_year
from slc_research.synthetic.surveys import LQ_ITEMS, SCALE_LABELS, TLC_SURVEY_ITEMS
from slc_research.workspace.atomic import write_atomic

__all__ = ["INJECTED_EFFECTS", "SLC_YEARS", "write_demo_workspace"]

#: Year groups SLC members come from; the comparison group of every SLC effect is the
#: non-members of these year groups in the same schools.
SLC_YEARS = (9, 10, 11, 12)

_LQ_DEFINITION = (
    "Morris's (2008) d_ppc2 of the wave 1 -> wave 2 change in the observed {scale} scale "
    "score (mean of the pupil's answered items of the scale on agree5 scored 1-5, "
    "reverse-coded items scored 6 - value) of SLC members against non-members in Years 9-12 "
    "of the same schools, among pupils with a score at both waves: the difference in mean "
    "change divided by the pooled wave-1 SD, times c_p = 1 - 3/(4(n_T + n_C - 2) - 1). "
    "Population value, measured on two simulated schools of 400,000 pupils (SE 0.01 each). "
    "change_score_g is the same change over the pooled SD of the change scores, the metric "
    "the latent shift was calibrated in (not comparable with benchmarks). Half of each "
    "member's shift is fixed and half grows with their SLC meeting attendance.")

#: The effects built into every synthetic workspace: name -> description. Each entry
#: has ``value`` (in ``measure`` units), ``measure``, ``definition`` and where it lives.
INJECTED_EFFECTS: dict[str, dict[str, Any]] = {
    "slc_engagement": {
        "value": 0.40, "measure": "d_ppc2", "change_score_g": 0.50,
        "instrument": "learning_questionnaire", "scale": "engagement", "community_kind": "slc",
        "definition": _LQ_DEFINITION.format(scale="engagement"),
    },
    "slc_metacognition": {
        "value": 0.28, "measure": "d_ppc2", "change_score_g": 0.35,
        "instrument": "learning_questionnaire", "scale": "metacognition", "community_kind": "slc",
        "definition": _LQ_DEFINITION.format(scale="metacognition"),
    },
    "slc_relationships": {
        "value": 0.0, "measure": "d_ppc2", "change_score_g": 0.0,
        "instrument": "learning_questionnaire", "scale": "relationships", "community_kind": "slc",
        "definition": _LQ_DEFINITION.format(scale="relationships") + " No effect at all.",
    },
    "slc_baseline_engagement": {
        "value": 0.30, "measure": "cohens_d", "instrument": "learning_questionnaire",
        "scale": "engagement", "community_kind": "slc",
        "definition": (
            "Selection, not an effect: the wave-1 engagement scale score of SLC members minus "
            "that of non-members in Years 9-12, divided by the pooled SD (approximate: about "
            "0.3). Volunteers are also more often girls, less often pupil premium, more often "
            "of high prior attainment and better attenders."),
    },
    "slc_attendance": {
        "value": 100 * ATTENDANCE_GAIN, "measure": "percentage_points", "table": "attendance",
        "community_kind": "slc",
        "definition": (
            "Per pupil, attendance % = sessions with a present code / possible sessions "
            "(present + authorised + unauthorised) in the autumn term (September-December) "
            "and in the summer term (after the Easter holiday). The mean over SLC members of "
            "(summer % - autumn %) minus the same mean over non-members in Years 9-12 of the "
            "same schools is 2.0 points in expectation (members lose a fixed share of their "
            "absence: half of it in spring, all of it in summer)."),
    },
    "coproduction_negative_behaviour": {
        "value": NEGATIVE_BEHAVIOUR_CHANGE, "measure": "relative_change",
        "table": "behaviour", "community_kind": "coproduction",
        "definition": (
            "Pooled over the co-production pupils: total points of Negative entries per school "
            "day after the project starts (from the group's first meeting, which is every "
            "member's Joined date, to the end of the year) divided by the same rate before "
            "it (from 1 September), minus 1; -0.40 in expectation (points per week fall by "
            "40%). Co-production pupils' baseline rate is several times the school's."),
    },
    "coproduction_trouble": {
        "value": -11.0, "measure": "percentage_points", "instrument": "coproduction_check",
        "item": "trouble", "community_kind": "coproduction",
        "definition": (
            "Share of co-production pupils answering Yes to 'I often get into trouble at "
            "school' after (wave 2) minus before (wave 1), over the whole trust: 60% say Yes "
            "before and exactly round(0.11 n) more say No after than before (e.g. -10.0 "
            "points for 40 pupils)."),
    },
    "coproduction_confident": {
        "value": 20.0, "measure": "percentage_points", "instrument": "coproduction_check",
        "item": "confident", "community_kind": "coproduction",
        "definition": (
            "Share of co-production pupils answering Yes to 'I feel confident about speaking "
            "up in school' after (wave 2) minus before (wave 1), over the whole trust: exactly "
            "round(0.35 n) say Yes before and exactly round(0.20 n) more say Yes after than "
            "before (a few move each way; e.g. +20.0 points for 40 pupils)."),
    },
    "tlc_membership_growth": {
        "value": {"2023-24": TLC_EARLIER_SHARES[0], "2024-25": TLC_EARLIER_SHARES[1],
                  "2025-26": 0.42},
        "measure": "share_of_teachers", "table": "memberships", "community_kind": "tlc",
        "definition": (
            "Per academic year, distinct TLC members (memberships of community_kind 'tlc' "
            "whose Joined date falls in that year) divided by the teachers on today's staff "
            "lists (staff with years_experience), over the trust. The two years before the "
            "demo year are exact up to rounding per school (round(share x teachers), drawn "
            "from teachers already teaching then; Left is the last school day of that year); "
            "the demo year's share is as its TLCs drew it (about 0.42; 0.41-0.43 by school) "
            "and those rows have no Left date. The keys are for the default academic year "
            "2025-26: the years before the one given otherwise."),
    },
    "coder_agreement": {
        "value": 0.73, "measure": "cohens_kappa", "table": "codings",
        "definition": (
            "Cohen's kappa of code presence: for every text coded by both coder A and coder B "
            "(its id in both codings files) and every code of the codebook that has a parent "
            "(17 codes), 1 if the coder gave the text that code (anywhere in it), else 0; one "
            "kappa over all text x code pairs. About 0.73 (0.71-0.74 across seeds 2025-2027). "
            "Each coder applies each true content code with chance 0.84, puts a sibling code "
            "in its place with chance 0.08 or misses it with chance 0.08 (but leaves no coded "
            "text bare), and adds a code the text does not hold to 11% of texts. Coder A codes "
            "every SLC interview snippet, conference feedback text and TLC survey comment and "
            "a fifth of all reflections (reflections by sentence: the explanatory 'because' "
            "sentence -> Explaining learning, the dialogic sentence -> Setting targets, offsets "
            "in the redacted text); B codes about 40% of A's texts. Each coder also rates every "
            "reflection they code as a whole (Descriptive / Explanatory / Dialogic or critical "
            "writing) from the latent depth the generator wrote it at, one level off with "
            "chance 0.15, never from the rubric's phrases: the conferences report's rubric "
            "check (weighted kappa, about 0.72 at seed 2025, against 0.81 for the latent depth "
            "itself) then measures the keyword heuristic instead of repeating it. A few "
            "codings refer to texts of withdrawn pupils, which are not in the texts table."),
    },
    "reflection_depth": {
        "value": {"explanatory": (0.15, 0.75), "critical": (0.03, 0.53)},
        "measure": "probability_first_to_last_week", "table": "texts",
        "community_kind": "slc_conference",
        "definition": (
            "Chance that a weekly reflection has an explanatory sentence (with 'because') and "
            "a dialogic or critical one that weighs alternatives or another view ('Perhaps "
            "... because ...; next time ...', 'On the other hand, my partner thinks ...', 'I "
            "could ... or carry on as I am ...'), rising linearly from the first to the last "
            "week of the year (each pupil shifted by a N(0, 0.08) growth)."),
    },
}


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConfigError(f"{name} must be a whole number, not {value!r}")
    if not low <= int(value) <= high:
        raise ConfigError(f"{name} must be between {low:,} and {high:,}, not {value!r}")
    return int(value)


def write_demo_workspace(path: str | os.PathLike[str], *, schools: int = 4, pupils: int = 1000,
                         seed: int = 2025, academic_year: str = "2025-26",
                         force: bool = False) -> Path:
    """Write a complete synthetic enquiry workspace for a trust of ``schools`` schools.

    Parameters
    ----------
    path : str or PathLike
        The workspace folder to create.
    schools : int
        Number of schools (1-100); names repeat with a number after twelve.
    pupils : int
        Pupils on roll per school (200-200,000).
    seed : int
        Seed of every random draw: the same arguments give byte-identical files.
    academic_year : str
        Like ``"2025-26"``: the register covers its 190 school days.
    force : bool
        Replace ``path`` if it is an existing workspace (a folder with an
        ``enquiry.toml``). The new workspace is built in a sibling folder and
        only then swapped in, so a failure leaves the old one untouched.

    Returns
    -------
    Path
        The absolute path of the workspace.

    Raises
    ------
    ConfigError
        If ``path`` exists and is not empty (without ``force``), is a file, or
        is a non-empty folder that is not a workspace; or an argument is out of range.

    Examples
    --------
    >>> ws = write_demo_workspace(tmp_path / "demo", schools=2, pupils=300)  # doctest: +SKIP
    >>> sorted(p.name for p in ws.iterdir())  # doctest: +SKIP
    ['README.md', 'enquiry.toml', 'private', 'raw']
    """
    n_schools = _check_int("schools", schools, 1, 100)
    n_pupils = _check_int("pupils", pupils, 200, 200_000)
    seed = _check_int("seed", seed, 0, 2**63 - 1)
    year = school_year(academic_year)
    target = Path(path).expanduser().absolute()
    if target.exists():
        if not target.is_dir():
            raise ConfigError(f"{target} is a file; give the path of a folder to create")
        if any(target.iterdir()):
            if not force:
                raise ConfigError(f"{target} exists and is not empty; choose a new folder, or "
                                  "use --force to replace the demo workspace in it")
            if not (target / "enquiry.toml").is_file():
                raise ConfigError(f"{target} is not empty and holds no enquiry.toml; --force "
                                  "only replaces a workspace, so move or delete it yourself")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    try:
        _build(tmp, n_schools=n_schools, n_pupils=n_pupils, seed=seed,
               academic_year=str(academic_year).strip(), year=year)
        tmp.chmod(0o755)
        _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _swap_in(new: Path, target: Path) -> None:
    """Put ``new`` at ``target``; an old ``target`` is removed only once ``new`` is in place."""
    if not target.exists():
        os.replace(new, target)
        return
    if not any(target.iterdir()):
        target.rmdir()
        os.replace(new, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.replace(target, old / "workspace")
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old / "workspace", target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _build(root: Path, *, n_schools: int, n_pupils: int, seed: int, academic_year: str,
           year: Any) -> None:
    writer = WorkspaceWriter(root)
    taken_upns: set[str] = set()
    taken_codes: set[str] = set()
    specs = school_specs(n_schools)
    built = [write_school(writer, spec, pupils=n_pupils, seed=seed, year=year,
                          academic_year=academic_year, taken_upns=taken_upns,
                          taken_codes=taken_codes) for spec in specs]
    write_coproduction_check(writer, built, np.random.default_rng([seed, 10_000, 1]))
    consent = pd.concat([consent_rows(s, np.random.default_rng([seed, s.spec.index, 13]),
                                      year.start_year) for s in built], ignore_index=True)
    (root / "private").mkdir()
    consent.to_csv(root / "private" / "consent.csv", index=False, lineterminator="\n")
    # The demo's pseudonymisation key comes from its seed (the pupils are invented, so the
    # key guards nothing): the same seed gives the same pseudonyms, and so the same order of
    # pupils and the same results wherever the demo is built (a real workspace's key is
    # random and made on first open).
    demo_key = hashlib.sha256(f"slc-research synthetic demo {seed}".encode()).hexdigest()
    write_atomic(root / "private" / KEY_FILE, demo_key + "\n", mode=0o600)
    write_voices(writer, np.random.default_rng([seed, 10_000, 2]),
                 consent.loc[consent["status"] == "withdrawn", "id"].tolist())
    scales: dict[str, dict[str, Any]] = {}
    for scale, items in LQ_ITEMS.items():
        scales[scale] = {"instrument": "learning_questionnaire", "label": SCALE_LABELS[scale],
                         "items": [c for c, _, _ in items],
                         "reverse": [c for c, _, r in items if r], "response_scale": "agree5"}
    scales["tlc_impact"] = {"instrument": "tlc_staff_survey", "label": SCALE_LABELS["tlc_impact"],
                            "items": [c for c, _, _ in TLC_SURVEY_ITEMS],
                            "reverse": [c for c, _, r in TLC_SURVEY_ITEMS if r],
                            "response_scale": "agree5"}
    names = [s.name for s in specs]
    writer.text("enquiry.toml", render_manifest(
        title="Do our learning communities change how pupils learn? (synthetic trust)",
        academic_year=academic_year, schools=names, scales=scales, sources=writer.sources))
    writer.text("README.md", (
        "# Synthetic demonstration enquiry\n\n"
        f"This workspace was generated by `slc-research demo-data` (seed {seed}) for "
        f"{n_schools} invented schools of {n_pupils:,} pupils each in {academic_year}. "
        "Every pupil, teacher, name, UPN, answer and text in it is synthetic: it describes no "
        "real person or school, and the effects it holds were put there on purpose (see "
        "`slc_research.synthetic.trust.INJECTED_EFFECTS`). Use it to learn the workbench and "
        "to test analyses, never as evidence about learning communities.\n"))
