"""Genre and frames: style features, prior-aware decisions (weighted thresholds, target-prior biases),
the analyzers' ``prior`` option, and a tiny end-to-end training run on a data folder written here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from narrascope.analyzers.frames import FramesAnalyzer
from narrascope.analyzers.genre import GenreAnalyzer
from narrascope.document import Analysis, Document
from narrascope.errors import NarrascopeError
from narrascope.models.style import STYLE2_NAMES, STYLE_NAMES, standardise, style_features
from narrascope.text import sentence_spans
from narrascope.training.frames import cell_weights, decide, tune_thresholds_weighted, weighted_micro_f1
from narrascope.training.genre import tune_biases

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "semeval2023" / "articles"

WIRE = ("Ministers agree on grain corridor extension\n\n"
        "KYIV (Reuters) - Ministers on Tuesday agreed to extend the grain corridor, officials said.\n"
        "\"The corridor stays open until March,\" the minister told reporters, according to a statement.\n"
        "The agency reported that 40 ships had left the ports since Monday, a spokesman said.")
RANT = ("Why do we keep lying to ourselves?\n\n"
        "I am sick of it. We all know the truth, and you know it too!\n"
        "Perhaps they really think we are stupid. Maybe we should simply stop listening to them?\n"
        "I think this is absolutely outrageous, and I will say it again: it must stop!")


def _style(text: str, version: int = 2) -> dict:
    sents = sentence_spans(text, 0, len(text))
    f = style_features(text, sents, np.full(len(sents), 0.5), version)
    return dict(zip(STYLE2_NAMES if version == 2 else STYLE_NAMES, f))


def test_style_v2_separates_a_wire_report_from_a_first_person_rant():
    wire, rant = _style(WIRE), _style(RANT)
    assert len(wire) == len(STYLE2_NAMES) == 30
    assert wire["attrib_per_sentence"] > 1.0 > 0.5 > rant["attrib_per_sentence"]
    assert wire["wire_agency"] > 0 and wire["dateline"] == 1.0 and rant["dateline"] == 0.0
    assert wire["time_words"] > 0 and wire["quoted_char_share"] > 0.1 and rant["quoted_char_share"] == 0.0
    assert rant["first_singular"] > wire["first_singular"] == 0.0
    assert rant["first_plural"] > 0 and rant["second_person_wide"] > 0 and rant["hedges"] > wire["hedges"]
    assert rant["title_question_or_exclaim"] == 1.0 and wire["title_question_or_exclaim"] == 0.0


def test_style_v1_is_unchanged_for_old_models():
    v1, v2 = _style(WIRE, 1), _style(WIRE, 2)
    assert len(v1) == 12 and all(v1[k] == v2[k] for k in STYLE_NAMES)


def test_standardise_uses_the_stored_mean_and_spread_and_clips():
    z = standardise(np.array([[1.0, 100.0]]), [0.0, 0.0], [0.5, 1.0])
    assert z.tolist() == [[2.0, 5.0]]


def test_cell_weights_give_a_shifted_frame_its_stated_prior():
    Y = np.array([[1, 0], [0, 1], [0, 0], [0, 1]])  # frame a: 25% of articles
    W = cell_weights(Y, ["a", "b"], {"a": 0.75})
    assert (W[:, 0] * Y[:, 0]).sum() / W[:, 0].sum() == pytest.approx(0.75)
    assert (W[:, 1] == 1).all()


def test_weighted_micro_f1_by_hand():
    Y = np.array([[1, 0], [1, 1]])
    P = np.array([[1, 1], [0, 1]])
    assert weighted_micro_f1(Y, P) == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    W = np.array([[2.0, 1.0], [3.0, 1.0]])  # tp 2+1, fp 1, fn 3
    assert weighted_micro_f1(Y, P, W) == pytest.approx(2 * 3 / (2 * 3 + 1 + 3))


def test_a_higher_stated_prior_lowers_that_frames_threshold():
    rng = np.random.RandomState(0)
    y = rng.rand(400) < 0.15
    s = np.clip(np.where(y, 0.35, 0.2) + rng.normal(0, 0.1, 400), 0, 1)
    Y, S = np.stack([y, ~y], 1).astype(int), np.stack([s, 1 - s], 1)
    plain = tune_thresholds_weighted(Y, S, shrink=0.0)
    shifted = tune_thresholds_weighted(Y, S, cell_weights(Y, ["a", "b"], {"a": 0.7}), shrink=0.0)
    assert shifted[0] < plain[0]


def test_every_article_gets_at_least_one_frame():
    P = decide(np.array([[0.1, 0.3], [0.9, 0.1]]), np.array([0.5, 0.5]))
    assert P.tolist() == [[False, True], [True, False]]


def test_target_prior_biases_favour_the_class_the_prior_favours():
    rng = np.random.RandomState(1)
    y = np.array([0] * 20 + [1] * 180)
    logp = np.log(np.clip(np.stack([np.where(y == 0, 0.45, 0.3), np.where(y == 0, 0.55, 0.7)], 1)
                          + rng.normal(0, 0.08, (200, 2)), 1e-3, 1))
    from narrascope.models.priors import prior_weights

    plain = tune_biases(y, logp, fixed=1)
    news = tune_biases(y, logp, fixed=1, weights=prior_weights(y, 2, [0.65, 0.35]))
    assert news[0] >= plain[0] and news[1] == plain[1] == 0


# -- analyzers ---------------------------------------------------------------------------------------
def _analysis(name: str) -> Analysis:
    return Analysis(document=Document.create((FIX / name).read_text(encoding="utf-8"), title_in_text=True))


def test_analyzers_reject_an_unknown_prior():
    with pytest.raises(NarrascopeError, match="prior"):
        GenreAnalyzer(prior="uniform")
    with pytest.raises(NarrascopeError, match="prior"):
        FramesAnalyzer(prior="uniform")


def test_genre_news_prior_moves_scores_toward_reporting():
    a_news, a_train = _analysis("article9000002.txt"), _analysis("article9000002.txt")
    GenreAnalyzer().pipe([a_news])
    GenreAnalyzer(prior="train").pipe([a_train])
    news, train = a_news.data["genre"]["scores"], a_train.data["genre"]["scores"]
    assert news["reporting"] >= train["reporting"]
    assert a_news.data["genre"]["label"] == "reporting"


def test_frames_prior_option_chooses_the_threshold_set():
    news, train = FramesAnalyzer().load(), FramesAnalyzer(prior="train").load()
    meta = news._model[2]
    assert np.allclose(train.thresholds(), meta["thresholds_train_prior"])
    j = news.labels.index("Policy_prescription_and_evaluation")
    assert news.thresholds()[j] <= train.thresholds()[j]
    a = _analysis("article9000002.txt")
    train.pipe([a])
    assert a.data["frames"]["thresholds"]["Economic"] == pytest.approx(float(train.thresholds()[news.labels.index("Economic")]), abs=1e-4)


# -- training end to end (tiny folder written here) -------------------------------------------------
def _write_task(root: Path) -> None:
    texts = {"reporting": WIRE, "opinion": RANT}
    for lang in ("en", "fr", "ge", "it", "po", "ru"):
        d = root / lang
        for sub in (1, 2):
            (d / f"train-articles-subtask-{sub}").mkdir(parents=True)
        g, f = [], []
        for i in range(8):
            genre = ("reporting", "opinion", "satire")[i % 3]
            text = texts.get(genre, "Satire headline\n\nThe minister announced he will ban Mondays, sources joked.")
            rng = np.random.RandomState(sum(map(ord, lang)) * 10 + i)
            filler = " ".join("".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), 6)) for _ in range(60))
            text = f"{text}\n{filler}."  # distinct articles: no near-duplicate groups
            aid = f"{lang}{i}".encode().hex()
            aid = str(int(aid, 16))[:9]
            for sub in (1, 2):
                (d / f"train-articles-subtask-{sub}" / f"article{aid}.txt").write_text(text + f" {lang} {i}", encoding="utf-8")
            g.append(f"{aid}\t{genre}")
            f.append(f"{aid}\t{'Economic,Political' if i % 2 else 'Security_and_defense'}")
        (d / "train-labels-subtask-1.txt").write_text("\n".join(g) + "\n", encoding="utf-8")
        (d / "train-labels-subtask-2.txt").write_text("\n".join(f) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_training_writes_models_the_analyzers_load_and_cards_with_per_language_tables(tmp_path):
    from narrascope.training.frames import train_frames
    from narrascope.training.genre import train_genre
    from narrascope.training.model_cards import write_model_card

    data = tmp_path / "data"
    _write_task(data)
    quiet = lambda s: None  # noqa: E731
    for name, fn in (("genre", train_genre), ("frames", train_frames)):
        out = tmp_path / name
        report = fn(data, out, folds=2, say=quiet)
        assert set(report["cv"]) and "en" in next(iter(report["cv"].values()))
        card = write_model_card(name, out, report).read_text(encoding="utf-8")
        assert "| en |" in card and "Reproduce" in card and "research use" in card
        assert json.loads((out / "model.json").read_text())["train_languages"] == ["en", "fr", "ge", "it", "po", "ru"]
    a = _analysis("article9000002.txt")
    GenreAnalyzer(str(tmp_path / "genre")).pipe([a])
    FramesAnalyzer(str(tmp_path / "frames")).pipe([a])
    assert a.data["genre"]["label"] in ("reporting", "opinion", "satire") and a.labels["frames"]


def test_genre_flags_texts_far_shorter_than_a_news_article():
    short = Analysis(document=Document.create(RANT, title_in_text=True))
    GenreAnalyzer().pipe([short])
    assert short.data["genre"]["short_text_warning"] is True
    assert any("genre: low confidence" in w and "words" in w for w in short.warnings)
    long_text = (FIX / "article9000002.txt").read_text(encoding="utf-8")
    long_doc = Analysis(document=Document.create(long_text + ("\n" + long_text.split("\n", 2)[2]) * 6, title_in_text=True))
    GenreAnalyzer().pipe([long_doc])
    assert "short_text_warning" not in long_doc.data["genre"]
