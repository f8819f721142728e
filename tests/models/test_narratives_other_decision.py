"""The per-language "Other" decision of the narrative model (issue 12): per-language calibration
offsets, stated deployment priors, the parent-aware sub-narrative calibration and the dense block."""

from __future__ import annotations

import numpy as np
import pytest

from narrascope.errors import ModelError
from narrascope.models.narratives import Featurizer, NarrativeModel, shift_prior
from narrascope.training.narratives import MIN_OTHER, STATED_OTHER_PRIOR, other_decision, reweight_to_prior

NARR = ["A", "B"]
SUBS = ["A: x", "A: Other", "B: Other"]
PARENTS = ["A", "A", "B"]


def _model(has_bias: float = 0.0, info: dict | None = None, sub_cal=(1.0, 0.0), dense=None) -> NarrativeModel:
    fz = Featurizer(bits=4).fit(["some text here", "other words there"])
    W = np.zeros((fz.n_features, len(NARR) + len(SUBS) + 1), np.float32)
    bias = np.array([0.5, -3.0, 0.4, -1.0, -3.0, has_bias], np.float32)
    cal = {"narratives": (1.0, 0.0), "subnarratives": sub_cal, "has_narrative": (1.0, 0.0)}
    return NarrativeModel(fz, NARR, SUBS, PARENTS, W, bias, cal, {"other_prior_train": 0.2, **(info or {})}, dense)


def test_shift_prior_is_bayes_rule_and_identity_at_the_same_prior():
    assert shift_prior(np.array([0.5]), 0.2, 0.5)[0] == pytest.approx(0.8)
    assert shift_prior(np.array([0.3, 0.9]), 0.4, 0.4) == pytest.approx([0.3, 0.9])
    assert shift_prior(np.array([0.3, 0.3]), np.array([0.1, 0.5]), 0.3)[0] > 0.3 > shift_prior(np.array([0.3]), 0.5, 0.3)[0]


def test_language_offset_moves_only_that_languages_p_other():
    m = _model(has_bias=1.0, info={"has_narrative_by_language": {"EN": -2.0}})
    S = m.scores(m.featurizer.transform(["a text", "a text", "a text"]))
    _, _, po = m.probabilities(S, ["en", "bg", None])
    assert po[0] > 0.7 and po[1] == pytest.approx(po[2]) and po[1] < 0.3
    _, _, pooled = m.probabilities(S)  # no languages: the pooled calibration
    assert pooled == pytest.approx([po[1]] * 3)


def test_stated_prior_makes_a_language_say_other_where_its_training_prior_would_not():
    m = _model(has_bias=1.5, info={"other_prior_by_language": {"BG": 0.9}})
    S = m.scores(m.featurizer.transform(["x", "x"]))
    en, bg = m.decode_scores(S, languages=["en", "bg"])
    assert not en.other and bg.other
    # an explicit other_prior wins over the stated one, for every language
    assert not any(d.other for d in m.decode_scores(S, other_prior=0.01, languages=["en", "bg"]))


def test_parent_aware_sub_calibration_uses_the_parent_score():
    m0 = _model(sub_cal=(1.0, 0.0, 0.0, 0.0))
    m1 = _model(sub_cal=(1.0, 0.0, 2.0, 0.0))
    S = m0.scores(m0.featurizer.transform(["x"]))
    _, qs0, _ = m0.probabilities(S)
    _, qs1, _ = m1.probabilities(S)
    # parent A has score 0.5 > 0, parent B -3.0 < 0: A's children go up, B's child goes down
    assert qs1[0, 0] > qs0[0, 0] and qs1[0, 2] < qs0[0, 2]


def test_dense_block_adds_to_scores_survives_save_and_load_and_is_required(tmp_path):
    Wd = np.zeros((3, 6), np.float32)
    Wd[0, 0] = 2.0
    m = _model(dense=Wd, info={"dense_feature": "encoder"})
    X = m.featurizer.transform(["x"])
    d = np.array([[1.0, 0.0, 0.0]], np.float32)
    assert m.scores(X, d)[0, 0] == pytest.approx(2.5)  # no mean: unit-length vector as given
    assert m.dense_feature == "encoder"
    with pytest.raises(ModelError):
        m.scores(X)
    m.save(tmp_path)
    m2 = NarrativeModel.load(tmp_path)
    assert m2.scores(X, d)[0, 0] == pytest.approx(2.5, abs=0.02)
    assert _model().dense_feature is None


def test_other_decision_gives_own_intercepts_only_with_enough_other_and_states_low_share_priors():
    rng = np.random.default_rng(0)
    n = 400
    langs = np.array(["EN"] * 200 + ["BG"] * 150 + ["RU"] * 50)
    has = np.ones(n)
    has[:80] = 0  # EN: 40% Other
    has[200:205] = 0  # BG: 5 Other (< MIN_OTHER)
    S = np.zeros((n, 2))
    S[:, -1] = has * 2 - 1 + rng.normal(0, 0.8, n)
    Y = np.zeros((n, 2))
    Y[:, -1] = has
    info = other_decision(S, Y, list(langs))
    assert set(info["has_narrative_by_language"]) == {"EN"} and 5 < MIN_OTHER
    assert info["other_prior_by_language"] == {"BG": STATED_OTHER_PRIOR, "RU": STATED_OTHER_PRIOR}
    assert info["other_prior_train_by_language"]["EN"] == pytest.approx(0.4)
    # EN's offset makes its mean P(Other) match its own 40% (the pooled intercept carries 21%)
    a, b = info["has_narrative"]
    z = a * S[:200, -1] + b + info["has_narrative_by_language"]["EN"]
    assert float(np.mean(1 / (1 + np.exp(z)))) == pytest.approx(0.4, abs=0.01)


def test_reweight_to_prior_gives_the_target_share():
    y = np.array([True] * 10 + [False] * 90)
    w = reweight_to_prior(y, 0.27)
    assert w[y].sum() / w.sum() == pytest.approx(0.27)
    assert reweight_to_prior(np.zeros(5, bool), 0.27).tolist() == [1.0] * 5


def test_training_with_document_vectors_ships_a_dense_block_that_round_trips(tmp_path):
    from narrascope.training.narratives import LabelSpace, build_model

    space = LabelSpace.from_official(["Other", "A", "B"], ["Other", "A: x", "A: Other", "B: Other"])
    texts = ["alpha war tanks", "beta climate heat", "gamma market shares", "alpha tanks again", "beta heat wave"]
    Y = np.zeros((5, 6), np.float32)
    Y[[0, 3], 0] = Y[[0, 3], 2] = Y[[1, 4], 1] = Y[[1, 4], 4] = Y[[0, 1, 3, 4], 5] = 1
    dense = np.random.default_rng(0).normal(size=(5, 8)).astype(np.float32) + 3.0
    m = build_model(Featurizer(bits=6).counts(texts), Y, space, bits=6, lam=0.3, dense=dense, dense_weight=1.0,
                    info={"dense_feature": "encoder"})
    assert m.dense_weights.shape == (8, 6) and m.dense_mean == pytest.approx(dense.mean(axis=0))
    X = m.featurizer.transform(texts)
    S = m.scores(X, dense)
    assert not np.allclose(S, m.scores(X, dense[::-1]))  # the vectors count
    m.save(tmp_path)
    m2 = NarrativeModel.load(tmp_path)
    assert m2.dense_feature == "encoder"
    assert np.allclose(m2.scores(X, dense), S, atol=0.05)
