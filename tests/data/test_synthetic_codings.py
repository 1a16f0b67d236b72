"""The demo's second rater of reflection depth rates from meaning, not from the rubric's cues.

Issue 16 item 10: the demo's coder used to code reflections by the same cues the rubric looks
for ("because" -> Explaining learning -> level 2, "Next time" -> Setting targets -> level 3),
so the rubric's agreement with them (weighted kappa about 0.75) was circular. The coder now
rates each reflection from the latent depth the generator wrote it at, with slips.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slc_research import stats
from slc_research.qual.depth import load_rubric, rubric_agreement, score_depth
from slc_research.synthetic.codings import DEPTH_CODES, DEPTH_SLIP, depth_ratings
from slc_research.synthetic.text import reflection, true_depth


def _labelled(seed: int, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    labelled = [reflection(rng, float(rng.random()), float(rng.normal(0, 0.08)))
                for _ in range(n)]
    texts = pd.DataFrame({"text_id": [f"R{i:05d}" for i in range(n)],
                          "text": [t for t, _ in labelled]})
    return texts, np.array([d for _, d in labelled])


def test_true_depth_recovers_the_depth_the_generator_wrote():
    texts, truth = _labelled(11, 2000)
    assert [true_depth(t) for t in texts["text"]] == truth.tolist()


def test_item10_second_coder_independent_of_rubric():
    texts, truth = _labelled(4, 3000)
    ratings = depth_ratings(np.random.default_rng(7), texts)
    level = {code: d for d, code in DEPTH_CODES.items()}
    rated = ratings["code"].map(level).to_numpy(int)
    # seed-determined, one whole-text rating per reflection
    again = depth_ratings(np.random.default_rng(7), texts)
    pd.testing.assert_frame_equal(ratings, again)
    assert ratings["text_id"].tolist() == texts["text_id"].tolist()
    assert ratings["start"].isna().all()
    # the coder slips one level away from the latent depth at the stated rate, never two
    assert (rated != truth).mean() == pytest.approx(DEPTH_SLIP, abs=0.02)
    assert np.abs(rated - truth).max() == 1
    # where the heuristic misses dialogic writing (no level-3 phrase), the coder does not
    scored = score_depth(texts, load_rubric())
    heuristic = scored["depth"].to_numpy(int)
    missed = (truth == 3) & (heuristic == 2)
    assert missed.sum() > 200
    assert (rated[missed] == 3).mean() > 0.8  # a coder by the rubric's cues would give 2
    # agreement with the rubric is below agreement with the latent truth: it now measures
    # the heuristic rather than repeating it
    codings = ratings.assign(coder="A")
    with_rubric = rubric_agreement(scored, codings, load_rubric())
    with_truth = rubric_agreement(pd.DataFrame({"text_id": texts["text_id"], "depth": truth}),
                                  codings, load_rubric())
    assert with_rubric.n == with_truth.n == len(texts)
    assert with_rubric.estimate < with_truth.estimate - 0.05
    assert with_rubric.ci_high < with_truth.estimate
    # and the heuristic's own error against the latent truth is what separates them
    exact = stats.cohen_kappa(truth, heuristic, weights="linear", categories=[1, 2, 3])
    assert exact.estimate < 0.95
