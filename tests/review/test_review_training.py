"""Reviewed labels folded into training: weighted ridge heads, replacement of the same article, and a
user's own taxonomy trained from reviewed articles alone (`train narratives --corrections --taxonomy`)."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from narrascope.document import Document
from narrascope.models.narratives import NarrativeModel
from narrascope.review import add_corrections
from narrascope.review.training import fold_in, labels_after_review, reviewed_examples, space_from_taxonomy
from narrascope.store import open_store
from narrascope.taxonomies import parse_taxonomy
from narrascope.training.narratives import fit_heads
from narrascope.training.semeval2025_data import Example

from tests._web_corpus import language_pipeline

TAXONOMY = """\
id: harbour-and-farm
version: "1"
kind: narratives
description: A made-up taxonomy for the tests.
labels:
  - id: "Harbour: Port unrest"
    definition: The port is in turmoil.
  - id: "Harbour: Port unrest: Dockers strike"
    definition: Dock workers stop work.
    parent: "Harbour: Port unrest"
  - id: "Farm: Drought hurts farmers"
    definition: Dry weather ruins harvests.
  - id: "Farm: Drought hurts farmers: Crops fail"
    definition: Harvests are lost.
    parent: "Farm: Drought hurts farmers"
"""

HARBOUR = "dockers strike harbour cranes idle ships wait quay union pickets cargo containers port ferry wharf".split()
FARM = "drought harvest wheat fields dry farmers crops fail rain wells orchard soil cattle barley irrigation".split()


def article(words: list[str], rng: random.Random, n: int = 60) -> str:
    filler = "the a and of in on said today officials local reports".split()
    return " ".join(rng.choice(words if rng.random() < 0.5 else filler) for _ in range(n)) + "."


def test_unit_weights_give_the_unweighted_heads_and_weight_two_equals_a_duplicate_row():
    rng = np.random.default_rng(0)
    X = sp.csr_matrix(rng.random((12, 30)) * (rng.random((12, 30)) < 0.3))
    Y = (rng.random((12, 4)) < 0.4).astype(np.float32)
    W0, b0 = fit_heads(X, Y, 0.3)
    W1, b1 = fit_heads(X, Y, 0.3, np.ones(12))
    assert np.allclose(W0, W1, atol=1e-5) and np.allclose(b0, b1)
    w = np.ones(12)
    w[3] = 2.0
    Wd, bd = fit_heads(sp.vstack([X, X[3]]).tocsr(), np.vstack([Y, Y[3:4]]), 0.3)
    Ww, bw = fit_heads(X, Y, 0.3, w)
    assert np.allclose(Wd, Ww, atol=1e-5) and np.allclose(bd, bw, atol=1e-6)


def test_a_reviewed_article_replaces_the_same_training_article_and_weighs_more():
    doc = Document.create("Same text in both places.")
    gold = Example("a", "EN", doc, ["X"], ["X: y"])
    other = Example("b", "EN", Document.create("Another article."), ["Other"], ["Other"])
    reviewed = Example("a-reviewed", "EN", doc, ["Z"], ["Other"])
    merged, weights, replaced = fold_in([gold, other], [reviewed], 2.0)
    assert [e.id for e in merged] == ["b", "a-reviewed"] and list(weights) == [1.0, 2.0] and replaced == 1
    with pytest.raises(Exception, match="review weight"):
        fold_in([gold], [reviewed], 0)


def test_the_reviewed_labels_are_the_model_labels_not_rejected_plus_the_added_ones():
    record = {"id": "d", "document": {"text": "t"}, "versions": {},
              "labels": {"narratives": [{"label": "A", "score": 0.6}, {"label": "B", "score": 0.5}],
                         "subnarratives": [{"label": "A: a", "score": 0.6}]}}
    rows = [{"id": "1", "doc_id": "d", "kind": "label", "task": "narratives", "label": "B", "action": "reject",
             "reviewer": "r", "created_at": "2026-01-01T00:00:00Z"},
            {"id": "2", "doc_id": "d", "kind": "label", "task": "narratives", "label": "C", "action": "add",
             "reviewer": "r", "created_at": "2026-01-01T00:00:01Z"}]
    assert labels_after_review(record, rows) == (["A", "C"], ["A: a"])
    rows.append({"id": "3", "doc_id": "d", "kind": "label", "task": "narratives", "label": "A", "action": "reject",
                 "reviewer": "r", "created_at": "2026-01-01T00:00:02Z"})
    rows.append({"id": "4", "doc_id": "d", "kind": "label", "task": "narratives", "label": "C", "action": "reject",
                 "reviewer": "r", "created_at": "2026-01-01T00:00:03Z"})
    rows.append({"id": "5", "doc_id": "d", "kind": "label", "task": "subnarratives", "label": "A: a", "action": "reject",
                 "reviewer": "r", "created_at": "2026-01-01T00:00:04Z"})
    assert labels_after_review(record, rows) == (["Other"], ["Other"])


def test_a_taxonomy_becomes_a_label_space():
    space = space_from_taxonomy(parse_taxonomy(__import__("yaml").safe_load(TAXONOMY)))
    assert space.narratives == ["Harbour: Port unrest", "Farm: Drought hurts farmers"]
    assert space.parents == ["Harbour: Port unrest", "Farm: Drought hurts farmers"]
    assert space.coarse_list[-1] == "Other" and space.fine_list[0] == "Other"


def test_an_own_taxonomy_is_trained_from_reviewed_articles_alone(tmp_path):
    rng = random.Random(1)
    pipeline = language_pipeline()
    db = str(tmp_path / "reviewed.db")
    docs = []
    with open_store(db) as store:
        analyses = []
        for i in range(16):
            topic = "harbour" if i % 2 == 0 else "farm"
            text = article(HARBOUR if topic == "harbour" else FARM, rng)
            analyses.append(pipeline.analyze(Document.create(text, id=f"{topic}-{i}", source="Test Wire")))
            docs.append((analyses[-1].document.id, topic))
        store.add_analyses(analyses)
        for doc_id, topic in docs:
            narr, sub = (("Harbour: Port unrest", "Harbour: Port unrest: Dockers strike") if topic == "harbour"
                         else ("Farm: Drought hurts farmers", "Farm: Drought hurts farmers: Crops fail"))
            add_corrections(store, doc_id, [{"kind": "label", "task": "narratives", "label": narr, "action": "add"},
                                            {"kind": "label", "task": "subnarratives", "label": sub, "action": "add"}],
                            reviewer="ana")
        assert len(reviewed_examples(store)) == 16
    tax = tmp_path / "mine.yaml"
    tax.write_text(TAXONOMY, encoding="utf-8")
    out = tmp_path / "model"
    r = subprocess.run([sys.executable, "-m", "narrascope", "train", "narratives", "--corrections", db, "--taxonomy", str(tax),
                        "--out", str(out), "--folds", "2"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "16 reviewed article(s) (weight 2), 0 training article(s)" in r.stderr
    model = NarrativeModel.load(out)
    assert model.narratives == ["Harbour: Port unrest", "Farm: Drought hurts farmers"]
    assert model.info["review"]["reviewed_articles"] == 16
    rng = random.Random(99)
    harbour, farm = model.predict_texts([article(HARBOUR, rng), article(FARM, rng)])
    assert [n for n, _ in harbour.narratives] == ["Harbour: Port unrest"]
    assert [n for n, _ in farm.narratives] == ["Farm: Drought hurts farmers"]
    assert [s for s, _, _ in farm.subnarratives] == ["Farm: Drought hurts farmers: Crops fail"]


def test_training_with_corrections_needs_reviewed_articles(tmp_path):
    db = str(tmp_path / "empty.db")
    open_store(db).close()
    r = subprocess.run([sys.executable, "-m", "narrascope", "train", "narratives", "--corrections", db, "--out", str(tmp_path / "m")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "no reviewed articles" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.data
@pytest.mark.slow
def test_shared_task_data_plus_reviewed_articles_train_together(shared_data, tmp_path):
    """`train narratives --data ... --corrections ...`: the reviewed article is folded into the RU training set."""
    pipeline = language_pipeline()
    db = str(tmp_path / "reviewed.db")
    text = "Ports and grain: the harbour strike spreads along the coast while ministers argue about exports."
    with open_store(db) as store:
        store.add_analyses([pipeline.analyze(Document.create(text, id="mine-1", language="ru"))])
        doc_id = store.get("mine-1")["id"]
        add_corrections(store, doc_id, [{"kind": "label", "task": "narratives", "label": "URW: Blaming the war on others rather than the invader", "action": "add"}],
                        reviewer="ana")
    out = tmp_path / "model"
    r = subprocess.run([sys.executable, "-m", "narrascope", "train", "narratives", "--data", str(shared_data / "semeval2025-t10"),
                        "--languages", "RU", "--corrections", db, "--out", str(out), "--folds", "2"],
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr
    model = NarrativeModel.load(out)
    assert model.info["review"]["reviewed_articles"] == 1 and model.info["review"]["training_articles"] == 133
    assert "URW: Blaming the war on others rather than the invader" in model.narratives


@pytest.mark.data
@pytest.mark.slow
def test_the_review_simulation_runs_on_the_shared_task_data(shared_data):
    from narrascope.review.simulate import simulate, table

    res = simulate(shared_data / "semeval2025-t10", limit_docs=40, n_splits=2, ns=(0, 10), arms=(("full", "random", 2.0),))
    assert [r["n"] for r in res["rows"]] == [0, 10]
    assert all(0.0 <= r["f1_coarse"] <= 1.0 and 0.0 <= r["f1_fine"] <= 1.0 for r in res["rows"])
    assert "| full | random | 2 | 10 |" in table(res)
