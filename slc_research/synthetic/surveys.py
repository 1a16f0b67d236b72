"""Questionnaires of the synthetic trust.

The pupils' learning questionnaire (two waves), the co-production pupils' yes/no check and
the end-of-year TLC staff survey.

The learning questionnaire is a latent-trait model. Each pupil has three traits
(engagement, metacognition, relationships with teachers; correlated 0.45), a
state that varies from wave to wave, and a persistent reading of each item; an
item's answer is the sum cut at four thresholds into the five agree5 levels
(reverse-coded items load negatively). SLC members get a shift of their wave-2
traits, :data:`LATENT_SHIFT`, calibrated so that Hedges' g of the change in the
*observed* scale scores equals the documented ``change_score_g`` (the report's
raw-score d_ppc2 is the documented ``value``, ``INJECTED_EFFECTS`` in
:mod:`slc_research.synthetic.trust`). Every normal draw
of the model is centred within members and within non-members, which takes the
sampling error out of the group means (not out of the answers) so that a small
trust shows effects close to the documented ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slc_research.synthetic.people import make_roster, select_slc

__all__ = [
    "AGREE5",
    "BASELINE_SHIFT",
    "LATENT_SHIFT",
    "LQ_ITEMS",
    "LQ_YEARS",
    "SCALE_LABELS",
    "TLC_SURVEY_ITEMS",
    "CONFIDENT_ITEM",
    "TROUBLE_ITEM",
    "answer_texts",
    "confident_answers",
    "learning_questionnaire_levels",
    "participation",
    "simulate_learning_questionnaire",
    "slc_dose",
    "tlc_survey_levels",
    "trouble_answers",
]

AGREE5 = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
          "Strongly agree")

#: Scale -> items as (code, question text, reverse-coded).
LQ_ITEMS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "engagement": (
        ("eng1", "I look forward to my lessons", False),
        ("eng2", "I join in with discussions in class", False),
        ("eng3", "I often lose interest in lessons", True),
        ("eng4", "I keep going when the work gets difficult", False),
        ("eng5", "I enjoy finding things out in lessons", False),
    ),
    "metacognition": (
        ("meta1", "Before I start a task I think about how I will do it", False),
        ("meta2", "I check my work as I go along", False),
        ("meta3", "When I get stuck I try a different way", False),
        ("meta4", "I think about which ways of learning work best for me", False),
        ("meta5", "When work is hard I don't know how to start", True),
    ),
    "relationships": (
        ("rel1", "My teachers listen to my ideas about learning", False),
        ("rel2", "I can ask my teachers for help when I need it", False),
        ("rel3", "My teachers believe I can do well", False),
        ("rel4", "My teachers and I work together to make lessons better", False),
        ("rel5", "I feel my teachers don't understand how I learn", True),
    ),
}
SCALE_LABELS = {"engagement": "Engagement in lessons",
                "metacognition": "Metacognition: planning, checking and adapting learning",
                "relationships": "Relationships with teachers",
                "tlc_impact": "Impact of the TLC on practice (staff view)"}
#: Year groups asked to fill in the learning questionnaire.
LQ_YEARS = (7, 8, 9, 10, 11, 12)

TLC_SURVEY_ITEMS = (
    ("tlc1", "The TLC helped me to try new approaches in my classroom", False),
    ("tlc2", "I valued discussing teaching with colleagues from other departments", False),
    ("tlc3", "The new learning at each meeting was relevant to my teaching", False),
    ("tlc4", "I have changed my practice as a result of the TLC", False),
    ("tlc5", "The TLC felt like one more demand on my time", True),
)
TROUBLE_ITEM = ("trouble", "I often get into trouble at school")
CONFIDENT_ITEM = ("confident", "I feel confident about speaking up in school")

#: Latent wave-2 shift of SLC members (trait SD units). Calibrated by simulation
#: (the mean over six runs of ``simulate_learning_questionnaire(1_000_000, 20_000)``,
#: each with a standard error of about 0.008) so that the observed Hedges' g of the
#: change scores is 0.50, 0.35 and 0.00 (Morris's d_ppc2, the metric the report prints:
#: 0.40, 0.28 and 0.00); tests/data/test_synthetic.py checks both.
LATENT_SHIFT = {"engagement": 0.566, "metacognition": 0.381, "relationships": 0.0}
#: Extra latent engagement of volunteers (on top of what their profile brings), so
#: that their observed wave-1 engagement score is about 0.3 pooled SD higher.
BASELINE_SHIFT = 0.33

_CORR = 0.45
_STATE_SD = 0.5
_PERSON_ITEM_SD = 0.55
_NOISE_SD = 0.9
_THRESHOLDS = np.array([-2.3, -1.3, -0.35, 1.0])
_DRIFT = {"engagement": -0.10, "metacognition": 0.05, "relationships": -0.05}
_LOADINGS = np.array([1.0, 0.85, 0.9, 0.95, 0.8])
_INTERCEPTS = np.array([0.2, -0.1, 0.0, 0.1, -0.2])
_REVERSE_OFFSET = -0.9  # fewer pupils agree with the negatively worded items


def slc_dose(rng: np.random.Generator, k: int) -> np.ndarray:
    """How regularly each of ``k`` SLC members comes to meetings (a probability).

    Most members come nearly always (about 0.85); two in five come much less
    (about 0.4).
    """
    regular = rng.random(k) < 0.6
    return np.where(regular, rng.beta(9, 1.5, k), rng.beta(3, 4, k))


def _centred_normal(rng: np.random.Generator, shape: tuple[int, int],
                    member: np.ndarray) -> np.ndarray:
    """Standard normal draws whose mean is exactly 0 within members and within the others.

    Centring (with the variance kept) removes the sampling error of the group
    means of the traits and states, so a trust of a few thousand pupils shows
    the documented effects more closely than a real study would; item-level
    noise, response and everything else stay random.
    """
    z = rng.standard_normal(shape)
    for group in (member, ~member):
        k = int(group.sum())
        if k > 1:
            z[group] = (z[group] - z[group].mean(axis=0)) * np.sqrt(k / (k - 1))
    return z


def _latents(rng: np.random.Generator, pupils: pd.DataFrame, member: np.ndarray,
             dose_weight: np.ndarray) -> dict[str, np.ndarray]:
    n = len(pupils)
    cov = np.full((3, 3), _CORR) + np.eye(3) * (1 - _CORR)
    theta = _centred_normal(rng, (n, 3), member) @ np.linalg.cholesky(cov).T
    pp = pupils["pp"].to_numpy(dtype=float)
    ability = np.clip(pupils["ability"].to_numpy(dtype=float), -2.5, 2.5)
    theta[:, 0] += -0.15 * pp + 0.12 * ability + BASELINE_SHIFT * member
    theta[:, 1] += -0.1 * pp + 0.15 * ability
    out = {}
    for j, scale in enumerate(LQ_ITEMS):
        state = _STATE_SD * _centred_normal(rng, (n, 2), member)
        lat = theta[:, [j, j]] + state
        lat[:, 1] += _DRIFT[scale] + LATENT_SHIFT[scale] * dose_weight * member
        out[scale] = lat
    return out


def _levels(rng: np.random.Generator, latent: np.ndarray, reverse: np.ndarray,
            loadings: np.ndarray, intercepts: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Answer levels 1..5 as given (not reverse-coded), shape (n, waves, items)."""
    n, waves = latent.shape
    k = reverse.size
    sign = np.where(reverse, -1.0, 1.0)
    person_item = _PERSON_ITEM_SD * _centred_normal(rng, (n, k), member)[:, None, :]
    noise = _NOISE_SD * _centred_normal(rng, (n, waves * k), member).reshape(n, waves, k)
    y = (sign * loadings)[None, None, :] * latent[:, :, None] + intercepts + person_item + noise
    return (np.searchsorted(_THRESHOLDS, y) + 1).astype(np.int8)


def learning_questionnaire_levels(rng: np.random.Generator, pupils: pd.DataFrame,
                                  member: np.ndarray, dose_weight: np.ndarray) -> np.ndarray:
    """Every pupil's answer levels (1..5, as given) to the 15 items at both waves.

    Parameters
    ----------
    pupils : DataFrame
        Roster truth (``pp``, ``ability``).
    member : ndarray of bool
        SLC members.
    dose_weight : ndarray of float
        Per member, how much of the effect they get (mean 1 over a school's
        members: half fixed, half in proportion to their meeting attendance).

    Returns
    -------
    ndarray of int8, shape (n_pupils, 2, 15)
        Items in the order of :data:`LQ_ITEMS`.
    """
    lat = _latents(rng, pupils, member, dose_weight)
    blocks = []
    for scale, items in LQ_ITEMS.items():
        rev = np.array([r for _, _, r in items])
        blocks.append(_levels(rng, lat[scale], rev, _LOADINGS[: rev.size],
                              _INTERCEPTS[: rev.size] + _REVERSE_OFFSET * rev, member))
    return np.concatenate(blocks, axis=2)


def participation(rng: np.random.Generator, member: np.ndarray) -> np.ndarray:
    """Who answers at wave 1 and wave 2: about 85% and 75% (members 95% and 90%).

    Returns
    -------
    ndarray of bool, shape (n, 2)
    """
    n = member.size
    w1 = rng.random(n) < np.where(member, 0.95, 0.85)
    p2 = np.where(w1, np.where(member, 0.93, 0.8), np.where(member, 0.6, 0.5))
    return np.column_stack([w1, rng.random(n) < p2])


def answer_texts(rng: np.random.Generator, levels: np.ndarray,
                 labels: tuple[str, ...] = AGREE5, *, blank: float = 0.015,
                 dont_know: float = 0.004) -> np.ndarray:
    """Answers as pupils' forms hold them, untidy as real exports are.

    Mostly the label, sometimes ``"agree "`` or ``"AGREE"``; a few blanks and "Don't know".

    Parameters
    ----------
    levels : ndarray of int
        1-based positions in ``labels``.

    Returns
    -------
    ndarray of object (str), same shape as ``levels``
    """
    variants = np.array([[lab, lab.lower() + " ", lab.upper(), lab + " "] for lab in labels]
                        + [["", "", "", ""], ["Don't know"] * 4], dtype=object)
    u = rng.random(levels.shape)
    row = np.where(u < blank, len(labels), np.where(u < blank + dont_know, len(labels) + 1,
                                                    levels.astype(int) - 1))
    col = np.searchsorted([0.88, 0.93, 0.97], rng.random(levels.shape))
    return variants[row, col]


def simulate_learning_questionnaire(n_pupils: int, n_members: int, *,
                                    seed: int = 0) -> pd.DataFrame:
    """The learning questionnaire of one very large school, for checking the calibration.

    Uses the same roster, volunteer selection, dose, latent model and
    participation as :func:`slc_research.synthetic.trust.write_demo_workspace`.

    Parameters
    ----------
    n_pupils : int
        Pupils on the roster (all year groups).
    n_members : int
        SLC volunteers (Years 9-12).
    seed : int

    Returns
    -------
    DataFrame
        One row per answer sheet of a Year 7-12 pupil: ``pupil``, ``year``,
        ``member``, ``wave`` (1, 2), and one column per item code holding the
        level as given (1..5; NaN for a blank or "Don't know").
    """
    rng = np.random.default_rng(seed)
    roster = make_roster(rng, n_pupils, pp_rate=0.25, eal_rate=0.15, absence_shift=0.0)
    member = np.zeros(n_pupils, dtype=bool)
    member[select_slc(rng, roster, n_members)] = True
    dose = slc_dose(rng, n_members)
    weight = np.zeros(n_pupils)
    weight[member] = 0.5 + 0.5 * dose / dose.mean()
    levels = learning_questionnaire_levels(rng, roster, member, weight).astype(float)
    texts = answer_texts(rng, levels.astype(int))
    levels[np.isin(texts, ["", "Don't know"])] = np.nan
    took = participation(rng, member)
    eligible = roster["year"].isin(LQ_YEARS).to_numpy()
    codes = [c for items in LQ_ITEMS.values() for c, _, _ in items]
    frames = []
    for w in (0, 1):
        rows = np.flatnonzero(eligible & took[:, w])
        df = pd.DataFrame(levels[rows, w, :], columns=codes)
        df.insert(0, "wave", w + 1)
        df.insert(0, "member", member[rows])
        df.insert(0, "year", roster["year"].to_numpy()[rows])
        df.insert(0, "pupil", rows)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def tlc_survey_levels(rng: np.random.Generator, n: int) -> np.ndarray:
    """Answer levels (1..5, as given) of ``n`` TLC members to :data:`TLC_SURVEY_ITEMS`.

    Staff are mostly positive about their TLC, as the Godolphin and Latymer
    survey found; the time item (reverse-coded) divides them.
    """
    latent = rng.normal(0.7, 0.7, (n, 1))
    rev = np.array([r for _, _, r in TLC_SURVEY_ITEMS])
    return _levels(rng, latent, rev, np.full(rev.size, 0.9),
                   np.array([0.3, 0.6, 0.1, 0.0, 0.9]), np.zeros(n, dtype=bool))[:, 0, :]


def trouble_answers(rng: np.random.Generator, neg_rate: np.ndarray, *,
                    before: float = 0.6, drop: float = 0.11) -> tuple[np.ndarray, np.ndarray]:
    """Yes/no to "I often get into trouble at school" before and after the project.

    Exactly ``round(before * n)`` pupils say yes before (more likely those with
    more negative behaviour); afterwards ``round(drop * n)`` more say no than
    before (some move each way), so the share answering yes falls by ``drop``
    up to rounding.

    Returns
    -------
    before, after : ndarray of bool
    """
    n = neg_rate.size
    n_yes = int(round(before * n))
    w = neg_rate / neg_rate.sum()
    yes0 = np.zeros(n, dtype=bool)
    yes0[rng.choice(n, n_yes, replace=False, p=w)] = True
    net = int(round(drop * n))
    n_up = min(int(rng.integers(0, 3)), n - n_yes)
    n_down = min(net + n_up, n_yes)
    yes1 = yes0.copy()
    yes1[rng.choice(np.flatnonzero(yes0), n_down, replace=False)] = False
    yes1[rng.choice(np.flatnonzero(~yes0), n_up, replace=False)] = True
    return yes0, yes1


def confident_answers(rng: np.random.Generator, n: int, *, before: float = 0.35,
                      rise: float = 0.20) -> tuple[np.ndarray, np.ndarray]:
    """Yes/no to "I feel confident about speaking up in school" before and after.

    Exactly ``round(before * n)`` of ``n`` pupils say yes before; afterwards
    ``round(rise * n)`` more say yes than before (a few move each way), so the
    share answering yes rises by ``rise`` up to rounding.

    Returns
    -------
    before, after : ndarray of bool
    """
    n_yes = int(round(before * n))
    yes0 = np.zeros(n, dtype=bool)
    yes0[rng.choice(n, n_yes, replace=False)] = True
    net = int(round(rise * n))
    n_down = min(int(rng.integers(0, 3)), n_yes)
    n_up = min(net + n_down, n - n_yes)
    yes1 = yes0.copy()
    yes1[rng.choice(np.flatnonzero(yes0), n_down, replace=False)] = False
    yes1[rng.choice(np.flatnonzero(~yes0), n_up, replace=False)] = True
    return yes0, yes1
