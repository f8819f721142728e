"""Subjectivity training harness: per-language thresholds chosen in CV, the shipped model's format,
and the official-format predict path reading them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from narrascope.analyzers.subjectivity import SubjectivityAnalyzer
from narrascope.training.subjectivity import choose_threshold, train_subjectivity

ARTIFACT = Path(__file__).resolve().parents[2] / "src" / "narrascope" / "models" / "artifacts" / "subjectivity"

SUBJ = ["What a disgraceful and shameful betrayal this is!", "I honestly think the plan is absurd.",
        "This is the worst idea anyone ever had.", "Frankly, they should be ashamed of themselves!",
        "Such a ridiculous, pathetic excuse for a policy.", "We must stop this madness now!"]
OBJ = ["The minister met the delegation on Monday.", "Prices rose by 3% in March, the office said.",
       "The meeting lasted two hours.", "The company reported revenue of 4 billion euros.",
       "The train left the station at noon.", "Officials said 40 people attended the session."]
CODES = {"english": "en", "german": "de", "italian": "it", "bulgarian": "bg", "arabic": "ar"}


def tiny_checkthat(root: Path) -> Path:
    """Five languages x three splits of the official TSV layout, built from the lists above."""
    for lang, code in CODES.items():
        (root / lang).mkdir(parents=True)
        for split, reps in (("train", 4), ("dev", 2), ("dev_test", 1)):
            rows = ["sentence_id\tsentence\tlabel"]
            for r in range(reps):
                rows += [f"{code}{split}{r}s{i}\t{t} ({code} {r})\tSUBJ" for i, t in enumerate(SUBJ)]
                rows += [f"{code}{split}{r}o{i}\t{t} ({code} {r})\tOBJ" for i, t in enumerate(OBJ)]
            (root / lang / f"{split}_{code}.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def test_threshold_is_the_cv_optimum_pulled_halfway_to_one_half():
    y = np.array([0] * 60 + [1] * 40)
    p = np.r_[np.linspace(0.0, 0.69, 60), np.linspace(0.71, 1.0, 40)]  # separable at 0.70
    assert choose_threshold(y, p) == pytest.approx(0.6, abs=0.01)
    assert choose_threshold(y, p, shrink=0.0) == pytest.approx(0.7, abs=0.011)
    assert choose_threshold(y[:10], p[:10]) == 0.5  # too few sentences: keep 0.5
    assert choose_threshold(np.zeros(100, int), p) == 0.5  # one class only


def test_training_writes_per_language_thresholds_that_the_analyzer_uses(tmp_path):
    out = tmp_path / "model"
    report = train_subjectivity(tiny_checkthat(tmp_path / "data"), out, folds=2, say=lambda s: None, attempts=())
    meta = json.loads((out / "model.json").read_text())
    assert set(meta["thresholds"]) == set(CODES.values())
    assert set(report["multi_head"]["cv"]) == set(CODES.values()) and set(report["en_head"]["cv"]) == {"en"}
    an = SubjectivityAnalyzer(str(out))
    for code, th in meta["thresholds"].items():
        assert an.threshold_for(code) == th
    assert an.threshold_for("fr") == meta["threshold"] == 0.5  # not trained on: the default
    assert an.threshold_for(None) == an.threshold_for("und") == meta["thresholds"]["en"]
    p = an.sentence_scores([SUBJ[0], OBJ[0]], "de")
    assert p[0] > p[1]
    # in a pipeline the multi head reads the shared encoder's sentence vectors (one pass per document)
    multi = json.loads((out / "model.json").read_text())["heads"]["multi"]["meta"]
    assert multi["cues"] > 0 and multi["encoder"] > 0 and multi["encoder_id"]
    from narrascope.document import Analysis, Document
    from narrascope.features import features_of

    doc = Document.create(f"{SUBJ[0]} {OBJ[0]} {SUBJ[1]}", language="de")
    a = Analysis(document=doc)
    an.analyze(doc, a)
    assert features_of(a).has("encoder")
    got = [sp.score if sp.label == "SUBJ" else 1 - sp.score for sp in a.spans_by("subjectivity")]
    want = an.sentence_scores([doc.text[s:e] for s, e in doc.sentences], "de")
    assert np.allclose(got, want, atol=0.02)
    from narrascope.training.model_cards import write_model_card

    card = write_model_card("subjectivity", out, report).read_text()
    assert "| de |" in card and "CC BY-NC-SA" in card and "narrascope train subjectivity" in card


def test_shipped_model_has_a_threshold_per_training_language_and_a_card_per_language():
    meta = json.loads((ARTIFACT / "model.json").read_text())
    assert set(meta["thresholds"]) == {"en", "de", "it", "bg", "ar"}
    assert all(0.2 <= t <= 0.8 for t in meta["thresholds"].values())
    card = (ARTIFACT / "MODEL_CARD.md").read_text()
    for code in ("en", "de", "it", "bg", "ar"):
        assert f"| {code} |" in card
    assert (ARTIFACT / "weights.npz").stat().st_size < 4 * 1024 * 1024


@pytest.mark.data
def test_shipped_model_on_english_dev_test_through_the_official_format(shared_data, tmp_path):
    from narrascope.commands.subjectivity import predict_file
    from narrascope.evaluation.checkthat2025 import evaluate_files

    gold = shared_data / "checkthat2025-subjectivity" / "english" / "dev_test_en.tsv"
    predict_file(gold, tmp_path / "pred.tsv", language="en")
    # the shipped heads were fitted on dev_test too: this checks the official-format path end to end
    assert evaluate_files(gold, tmp_path / "pred.tsv")["macro_f1"] >= 0.6
