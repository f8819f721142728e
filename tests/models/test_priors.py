"""Prior shift: EM re-estimation of class priors (Saerens et al. 2002) and prior-reweighted scores."""

from __future__ import annotations

import numpy as np
import pytest

from narrascope.models.priors import adjust, em_binary, em_priors, prior_weights, weighted_macro_f1


def _calibrated_posteriors(rng, n, true_prior, train_prior, sep=2.0):
    """Scores from two Gaussians; posteriors computed under ``train_prior`` (exactly calibrated there)."""
    y = (rng.random(n) < true_prior).astype(int)
    x = rng.normal(loc=np.where(y == 1, sep / 2, -sep / 2), scale=1.0)
    lr = np.exp(sep * x)  # likelihood ratio p(x|1)/p(x|0) for unit-variance Gaussians at +-sep/2
    p1 = lr * train_prior / (lr * train_prior + (1 - train_prior))
    return y, p1


def test_adjust_is_bayes_rule_by_hand():
    P = np.array([[0.5, 0.5]])
    # train priors 0.8/0.2 -> new 0.5/0.5: weights 0.625 and 2.5 -> 0.3125 / 1.25 -> 0.2 / 0.8
    assert adjust(P, [0.8, 0.2], [0.5, 0.5]) == pytest.approx(np.array([[0.2, 0.8]]))


def test_em_recovers_a_shifted_prior():
    rng = np.random.default_rng(0)
    y, p1 = _calibrated_posteriors(rng, 4000, true_prior=0.7, train_prior=0.2)
    prior, q, it = em_binary(p1, 0.2)
    assert abs(prior - 0.7) < 0.05 and it > 1
    # adjusted posteriors decide better than the unadjusted ones under the shift
    assert ((q >= 0.5) == y).mean() > ((p1 >= 0.5) == y).mean() + 0.05


def test_em_keeps_the_prior_when_there_is_no_shift():
    rng = np.random.default_rng(1)
    y, p1 = _calibrated_posteriors(rng, 4000, true_prior=0.3, train_prior=0.3)
    prior, _, _ = em_binary(p1, 0.3)
    assert abs(prior - 0.3) < 0.04


def test_em_multiclass_and_empty_input():
    P = np.array([[0.9, 0.05, 0.05]] * 8 + [[0.1, 0.8, 0.1]] * 2)
    pri, Q, _ = em_priors(P, [1 / 3, 1 / 3, 1 / 3])
    assert pri.sum() == pytest.approx(1.0) and pri[0] > 0.7 and Q.shape == P.shape
    pri0, Q0, it0 = em_priors(np.zeros((0, 3)), [0.2, 0.3, 0.5])
    assert it0 == 0 and pri0.tolist() == [0.2, 0.3, 0.5]


def test_prior_weights_and_weighted_macro_f1_by_hand():
    y = np.array([0, 0, 0, 1])  # 75% / 25%
    w = prior_weights(y, 2, [0.5, 0.5])
    assert w.tolist() == pytest.approx([2 / 3, 2 / 3, 2 / 3, 2.0])
    pred = np.array([0, 0, 1, 1])
    # weighted: class 0 tp 4/3 fp 0 fn 2/3 -> F1 = (8/3)/(8/3+2/3) = 0.8; class 1 tp 2 fp 2/3 fn 0 -> 4/(4+2/3) = 6/7
    m, f = weighted_macro_f1(y, pred, 2, w)
    assert f == pytest.approx([0.8, 6 / 7]) and m == pytest.approx((0.8 + 6 / 7) / 2)
    assert weighted_macro_f1(y, pred, 2)[1] == pytest.approx([0.8, 2 / 3])


def test_narratives_other_prior_shifts_the_other_decision():
    from narrascope.models.narratives import NarrativeModel

    m = NarrativeModel.load()
    text = ("Ukraine said on Monday that talks with Russia would resume in Istanbul next week. The foreign "
            "ministers of both countries are expected to attend, officials said, while fighting continued in the east.")
    S = m.scores(m.featurizer.transform([text]))
    p0 = m.probabilities(S)[2][0]
    low = m.decode_scores(S, other_prior=0.01)[0]
    high = m.decode_scores(S, other_prior=0.99)[0]
    assert high.other and not low.other, p0  # a near-certain "Other" corpus says Other, a narrative-rich one does not


def test_predict_narratives_reestimates_priors(tmp_path):
    from click.testing import CliRunner

    from narrascope.cli import main

    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text("Peace talks\n\nUkraine and Russia met in Istanbul on Monday; the talks will resume, "
                             "officials said.\n", encoding="utf-8")
    out = tmp_path / "pred.tsv"
    r = CliRunner().invoke(main, ["predict", "semeval2025-narratives", "--input", str(d), "--output", str(out),
                                  "--reestimate-priors"])
    assert r.exit_code == 0, r.output
    assert "estimated over 1 articles" in r.output
    assert out.read_text(encoding="utf-8").startswith("a.txt\t")
