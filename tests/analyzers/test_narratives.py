"""Narratives: taxonomy, official metric, model decoding, analyzer, CLI, training (SemEval-2025 T10 st2/3)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from narrascope import Document, Pipeline
from narrascope.cli import main
from narrascope.evaluation.semeval2025 import corpus_f1, document_f1, evaluate_files, read_subtask2_file
from narrascope.errors import DataError
from narrascope.taxonomies import load_taxonomy

from tests.conftest import assert_spans_exact

FX = Path(__file__).resolve().parents[1] / "fixtures" / "narratives"
ARTICLES = FX / "articles"
URW_NEG = "URW: Negative Consequences for the West"


@pytest.fixture(scope="module")
def pipe():
    return Pipeline.from_config({"analyzers": ["narratives"]})


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy("semeval2025-narratives")


def _article(name: str) -> Document:
    from narrascope.readers import ReadOptions
    from narrascope.readers.txt import read

    return next(iter(read(ARTICLES / name, ReadOptions())))


def _words(text: str) -> set[str]:
    return set(text.split())


# -- taxonomy ---------------------------------------------------------------------------------


def test_taxonomy_ids_are_hierarchical_official_strings(taxonomy):
    top = [lab.id for lab in taxonomy.top_level()]
    assert "Other" in top and len(top) == 22  # 10 CC + 11 URW + Other
    subs = [lab for lab in taxonomy.labels if lab.parent]
    assert len(subs) == 90
    for lab in subs:
        assert lab.id.startswith(lab.parent + ": "), lab.id
        assert lab.group == lab.parent.split(":")[0]
    assert all(len(lab.definition.split()) >= 5 for lab in taxonomy.labels)
    # the definitions are ours, not the label name repeated
    assert all(lab.definition.rstrip(".") != lab.name for lab in taxonomy.labels)


# -- metric -----------------------------------------------------------------------------------


LIST = ["Other", "A", "B", "C"]


@pytest.mark.parametrize(
    "gold,pred,expected",
    [
        (["A", "B"], ["A"], 2 / 3),
        (["Other"], ["Other"], 1.0),
        (["A"], ["B", "C"], 0.0),
        (["A"], ["A", "Z-not-listed"], 1.0),  # labels outside the list are ignored
        (["Z"], ["Y"], 0.0),  # both empty after filtering: 0 by convention
        ([], [], 0.0),
        (["A", "B", "C"], ["B", "C"], 0.8),
    ],
)
def test_document_f1_hand_cases(gold, pred, expected):
    assert document_f1(gold, pred, LIST) == pytest.approx(expected)


def test_corpus_f1_missing_prediction_counts_as_empty():
    r = corpus_f1({"d1": ["A"], "d2": ["B"]}, {"d1": ["A"], "d3": ["B"]}, LIST)
    assert (r.mean, r.n) == (0.5, 2) and r.std == pytest.approx(0.5)


def test_evaluate_files_hand_computed(taxonomy):
    from narrascope.commands.narratives import default_label_lists

    coarse, fine = default_label_lists()
    r = evaluate_files(FX / "metric-gold.tsv", FX / "metric-pred.tsv", coarse, fine)
    # coarse per doc: 2/3, 1, 0, 2/3, 0 (missing), 0 (labels outside the list on both sides)
    assert r.coarse.mean == pytest.approx(7 / 18)
    assert r.coarse.std == pytest.approx(math.sqrt(53) / 18)
    # fine per doc: 2/3, 1, 0, 1/2 (the unknown predicted label is ignored), 0, 0
    assert r.fine.mean == pytest.approx(13 / 36)
    assert r.fine.std == pytest.approx(math.sqrt(197) / 36)
    assert r.fine.n == 6  # d7 is not in gold: ignored


def test_evaluate_cli_prints_official_metrics():
    res = CliRunner().invoke(
        main, ["evaluate", "semeval2025-narratives", "--gold", str(FX / "metric-gold.tsv"), "--pred", str(FX / "metric-pred.tsv"), "--json"]
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["f1_fine"] == pytest.approx(13 / 36) and d["f1_coarse"] == pytest.approx(7 / 18)
    assert d["f1_fine_std"] == pytest.approx(math.sqrt(197) / 36)
    res = CliRunner().invoke(
        main, ["evaluate", "semeval2025-narratives", "--gold", str(FX / "metric-gold.tsv"), "--pred", str(FX / "metric-pred.tsv")]
    )
    assert "F1 fine   0.3611 (std 0.3899)" in res.output


def test_bad_prediction_line_names_file_and_line(tmp_path):
    bad = tmp_path / "pred.tsv"
    bad.write_text("d1.txt\tOther\tOther\nd2.txt Other Other\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_subtask2_file(bad)
    assert f"{bad}:2" in str(e.value) and "3 tab-separated columns" in str(e.value)


# -- decoding ---------------------------------------------------------------------------------


def test_decode_prefers_other_when_no_narrative_is_likely():
    from narrascope.models.narratives import decode

    parent = np.array([0, 0, 1])
    other_sub = np.array([1, -1])
    assert decode(np.array([0.05, 0.02]), np.array([0.01, 0.01, 0.01]), 0.9, parent, other_sub) == ([], [])
    n, s = decode(np.array([0.9, 0.05]), np.array([0.8, 0.1, 0.01]), 0.05, parent, other_sub)
    assert n == [0] and s == [0]
    # a chosen narrative always gets its most probable child, here "<narrative>: Other" (index 1)
    n, s = decode(np.array([0.9, 0.05]), np.array([0.01, 0.05, 0.01]), 0.05, parent, other_sub)
    assert n == [0] and s == [1]
    # two likely children of one narrative: both
    n, s = decode(np.array([0.9, 0.05]), np.array([0.7, 0.7, 0.01]), 0.05, parent, other_sub)
    assert n == [0] and s == [0, 1]
    # a likely child of an unchosen narrative is never emitted (hierarchy)
    n, s = decode(np.array([0.9, 0.01]), np.array([0.01, 0.01, 0.99]), 0.05, parent, other_sub)
    assert 2 not in s


# -- analyzer ---------------------------------------------------------------------------------


def _check_consistent(analysis, taxonomy):
    narr = analysis.labels.get("narratives", [])
    subs = analysis.labels.get("subnarratives", [])
    ids = [lab.label for lab in narr]
    assert narr, "every document gets at least one narrative label (or Other)"
    if ids == ["Other"]:
        assert not subs and "explanation" not in analysis.data
        return
    assert "Other" not in ids
    for lab in narr + subs:
        assert lab.label in taxonomy and 0.0 < lab.score < 1.0
    for s in subs:
        assert s.parent in ids and taxonomy[s.label].parent == s.parent
    for n in ids:
        assert any(s.parent == n for s in subs), f"{n} has no sub-narrative"


def test_analyzer_on_the_example_article(pipe, example_text, taxonomy):
    doc = Document.create(example_text, title_in_text=True)
    a = pipe.analyze(doc)
    assert_spans_exact(a)
    _check_consistent(a, taxonomy)
    ids = [lab.label for lab in a.labels["narratives"]]
    assert all(i.startswith("URW:") for i in ids), ids
    sentences = set(doc.sentences)
    for lab in a.labels["narratives"] + a.labels["subnarratives"]:
        assert 1 <= len(lab.evidence) <= 3
        assert all((sp.start, sp.end) in sentences for sp in lab.evidence)
    exp = a.data["explanation"]
    assert exp["narrative"] == a.labels["narratives"][0].label
    assert exp["subnarrative"] is None or taxonomy[exp["subnarrative"]].parent == exp["narrative"]
    assert 0 < len(exp["text"].split()) <= 80
    assert _words(exp["text"]) <= _words(doc.text)
    for sp in exp["evidence"]:
        assert doc.text[sp["start"] : sp["end"]] == sp["text"]
    json.dumps(a.to_dict())


@pytest.mark.parametrize("name", sorted(p.name for p in ARTICLES.glob("*.txt")))
def test_analyzer_on_fixture_articles_is_consistent(pipe, taxonomy, name):
    a = pipe.analyze(_article(name))
    assert_spans_exact(a)
    _check_consistent(a, taxonomy)
    ids = [lab.label for lab in a.labels["narratives"]]
    if name == "FX_XX_001.txt":  # a council story about bicycle lanes
        assert ids == ["Other"]
    elif name.startswith("FX_UA"):
        assert ids and all(i.startswith("URW:") for i in ids)
    else:
        assert ids and all(i.startswith("CC:") for i in ids)
    if name == "FX_UA_001.txt":
        assert URW_NEG in ids


def test_long_explanation_is_cut_at_80_words():
    from narrascope.analyzers.narratives import build_explanation
    from narrascope.document import Span

    text = " ".join(f"w{i}" for i in range(200)) + "."
    exp = build_explanation(text, "N", None, [Span(0, len(text), "N", "narratives", 0.5, {"contribution": 1.0})])
    assert exp["text"].split() == [f"w{i}" for i in range(80)]


def test_model_save_load_roundtrip(tmp_path):
    from narrascope.models.narratives import NarrativeModel

    m = NarrativeModel.load()
    m.save(tmp_path)
    m2 = NarrativeModel.load(tmp_path)
    texts = [_article(p.name).text for p in sorted(ARTICLES.glob("*.txt"))]
    s1 = m.scores(m.featurizer.transform(texts))
    s2 = m2.scores(m2.featurizer.transform(texts))
    assert np.allclose(s1, s2, atol=1e-3)
    assert [d.narratives for d in m.decode_scores(s1)] == [d.narratives for d in m2.decode_scores(s2)]


def test_missing_model_is_a_model_error(tmp_path):
    from narrascope.errors import ModelError
    from narrascope.models.narratives import NarrativeModel

    with pytest.raises(ModelError) as e:
        NarrativeModel.load(tmp_path)
    assert "missing" in str(e.value) and "train narratives" in str(e.value)


# -- CLI --------------------------------------------------------------------------------------


def test_predict_narratives_cli_writes_official_tsv(tmp_path, taxonomy):
    out = tmp_path / "pred.tsv"
    res = CliRunner().invoke(main, ["predict", "semeval2025-narratives", "--input", str(ARTICLES), "--output", str(out)])
    assert res.exit_code == 0, res.output
    rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r[0] for r in rows] == sorted(p.name for p in ARTICLES.glob("*.txt"))
    for _, narr, subs in rows:
        n, s = narr.split(";"), subs.split(";")
        assert all(x in taxonomy for x in n + s)
        if n == ["Other"]:
            assert s == ["Other"]
        else:
            assert {taxonomy[x].parent for x in s} == set(n)
    # and the evaluate command scores it against our own gold for these articles
    res = CliRunner().invoke(
        main, ["evaluate", "semeval2025-narratives", "--gold", str(FX / "articles-gold.tsv"), "--pred", str(out), "--json"]
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["documents"] == 4 and d["f1_coarse"] >= 0.5


def test_predict_explanations_cli(tmp_path):
    out = tmp_path / "exp.tsv"
    res = CliRunner().invoke(
        main,
        ["predict", "semeval2025-explanations", "--input", str(ARTICLES), "--dominant", str(FX / "dominant.tsv"), "--output", str(out)],
    )
    assert res.exit_code == 0, res.output
    rows = dict(line.split("\t") for line in out.read_text(encoding="utf-8").splitlines())
    assert list(rows) == ["FX_UA_001.txt", "FX_UA_002", "FX_CC_001.txt"]
    for doc_id, text in rows.items():
        name = doc_id if doc_id.endswith(".txt") else doc_id + ".txt"
        assert 0 < len(text.split()) <= 80
        assert _words(text) <= _words((ARTICLES / name).read_text(encoding="utf-8"))
    assert "sanctions" in rows["FX_UA_001.txt"].lower()


def test_predict_cli_errors_are_one_line(tmp_path):
    from narrascope.cli import run

    with pytest.raises(SystemExit) as e:
        run(["predict", "semeval2025-narratives", "--input", str(tmp_path), "--output", str(tmp_path / "x.tsv")])
    assert e.value.code == 1


def test_predict_skips_an_empty_article_and_goes_on(tmp_path):
    import shutil

    shutil.copy(ARTICLES / "FX_UA_001.txt", tmp_path / "good.txt")
    (tmp_path / "empty.txt").write_text("\n\n", encoding="utf-8")
    out = tmp_path / "out" / "pred.tsv"
    res = CliRunner().invoke(main, ["predict", "semeval2025-narratives", "--input", str(tmp_path), "--output", str(out)])
    assert res.exit_code == 0
    assert [line.split("\t")[0] for line in out.read_text(encoding="utf-8").splitlines()] == ["good.txt"]
    assert "empty.txt" in res.output and "1 article(s) could not be read" in res.output


def test_analyzer_options_are_checked():
    from narrascope.errors import ConfigError

    with pytest.raises(ConfigError, match="max_evidence must be an integer >= 1, got 0"):
        Pipeline.from_config({"analyzers": ["narratives"], "options": {"narratives": {"max_evidence": 0}}})
    one = Pipeline.from_config({"analyzers": ["narratives"], "options": {"narratives": {"max_evidence": 1}}})
    a = one.analyze(_article("FX_UA_002.txt"))
    assert all(len(lab.evidence) == 1 for lab in a.labels["narratives"])


def test_predict_explanations_reports_unknown_ids(tmp_path):
    dom = tmp_path / "dom.tsv"
    dom.write_text("FX_UA_001.txt\tURW: Discrediting Ukraine\tnone\nNOPE_1.txt\tOther\tnone\n", encoding="utf-8")
    out = tmp_path / "exp.tsv"
    res = CliRunner().invoke(
        main, ["predict", "semeval2025-explanations", "--input", str(ARTICLES), "--dominant", str(dom), "--output", str(out)]
    )
    assert res.exit_code == 0
    assert out.read_text(encoding="utf-8").count("\n") == 1
    assert "NOPE_1.txt" in res.output


# -- training (tiny synthetic corpus in the shared-task layout) ---------------------------------

TINY = {
    "URW: Praise of Russia": (
        "URW: Praise of Russia: Praise of Russian military might",
        "The Russian army advanced again, its tanks and artillery crushing every defence. Russian military might is unmatched.",
    ),
    "CC: Downplaying climate change": (
        "CC: Downplaying climate change: Climate cycles are natural",
        "The climate has always changed in natural cycles. Warm periods came and went long before factories.",
    ),
}


def _tiny_dataset(root: Path, n: int = 8) -> Path:
    d = root / "semeval2025-t10"
    (d / "labels").mkdir(parents=True)
    (d / "labels" / "narratives.txt").write_text("\n".join(["Other", *TINY]), encoding="utf-8")
    (d / "labels" / "subnarratives.txt").write_text("\n".join(["Other", *(v[0] for v in TINY.values())]), encoding="utf-8")
    for lang in ("EN", "BG"):
        docs = d / "train" / lang / "raw-documents"
        docs.mkdir(parents=True)
        rows = []
        for i in range(n):
            for k, (narr, (sub, body)) in enumerate(TINY.items()):
                doc_id = f"{lang}_{k}_{i}.txt"
                (docs / doc_id).write_text(f"Story {i} number {k}\n\nItem {i * 7 + k}. {body} Day {i}.\n", encoding="utf-8")
                rows.append(f"{doc_id}\t{narr}\t{sub}")
            doc_id = f"{lang}_other_{i}.txt"
            (docs / doc_id).write_text(f"Market report {i}\n\nShares rose {i} percent on bank earnings {i}.\n", encoding="utf-8")
            rows.append(f"{doc_id}\tOther\tOther")
        (d / "train" / lang / "subtask-2-annotations.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return d


def test_train_cli_on_tiny_corpus_writes_a_loadable_model(tmp_path):
    from narrascope.models.narratives import NarrativeModel

    data = _tiny_dataset(tmp_path)
    out = tmp_path / "model"
    res = CliRunner().invoke(
        main, ["train", "narratives", "--data", str(data), "--out", str(out), "--folds", "2", "--languages", "EN,BG"]
    )
    assert res.exit_code == 0, res.output
    assert (out / "MODEL_CARD.md").read_text(encoding="utf-8").count("| EN |") == 1
    m = NarrativeModel.load(out)
    dec = m.predict_texts(["Russian tanks and artillery advanced; Russian military might is unmatched."])[0]
    assert [n for n, _ in dec.narratives] == ["URW: Praise of Russia"]
    meta = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert meta["info"]["cv"]["EN"]["f1_fine"] > 0.8
    # deterministic: a second run writes the same weights
    out2 = tmp_path / "model2"
    CliRunner().invoke(main, ["train", "narratives", "--data", str(data), "--out", str(out2), "--folds", "2", "--languages", "EN,BG"])
    a, b = np.load(out / "weights.npz"), np.load(out2 / "weights.npz")
    assert all(np.array_equal(a[k], b[k]) for k in a.files)


def test_train_rejects_a_folder_without_the_task_layout(tmp_path):
    res = CliRunner().invoke(main, ["train", "narratives", "--data", str(tmp_path), "--out", str(tmp_path / "m")])
    assert res.exit_code != 0
    assert "train/ and labels/" in str(res.exception) + res.output


# -- shared data --------------------------------------------------------------------------------


@pytest.mark.data
def test_taxonomy_matches_the_official_lists(shared_data, taxonomy):
    from narrascope.commands.narratives import default_label_lists
    from narrascope.evaluation.semeval2025 import read_label_list

    labels = shared_data / "semeval2025-t10" / "labels"
    coarse, fine = default_label_lists()
    assert sorted(coarse) == sorted(read_label_list(labels / "narratives.txt"))
    assert sorted(fine) == sorted(read_label_list(labels / "subnarratives.txt"))


@pytest.mark.data
def test_near_duplicates_are_grouped(shared_data):
    from narrascope.training.semeval2025_data import load_examples, near_duplicate_groups

    ex = load_examples(shared_data / "semeval2025-t10", ["EN"])
    groups = dict(zip([e.id for e in ex], near_duplicate_groups([e.doc.text for e in ex])))
    assert groups["EN_UA_300050"] == groups["EN_UA_104569"]
    assert len(set(groups.values())) < len(groups)


@pytest.mark.data
def test_predict_and_evaluate_on_shared_english_train(shared_data, tmp_path):
    src = shared_data / "semeval2025-t10" / "train" / "EN"
    out = tmp_path / "pred.tsv"
    res = CliRunner().invoke(main, ["predict", "semeval2025-narratives", "--input", str(src / "raw-documents"), "--output", str(out)])
    assert res.exit_code == 0, res.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 399
    labels = shared_data / "semeval2025-t10" / "labels"
    res = CliRunner().invoke(
        main,
        ["evaluate", "semeval2025-narratives", "--gold", str(src / "subtask-2-annotations.txt"), "--pred", str(out),
         "--narratives-list", str(labels / "narratives.txt"), "--subnarratives-list", str(labels / "subnarratives.txt"), "--json"],
    )
    d = json.loads(res.output)
    assert d["documents"] == 399 and d["f1_fine"] > 0.8  # training data: the model has seen it
    assert re.match(r"^[\w.-]+\.txt\t", out.read_text(encoding="utf-8"))


@pytest.mark.data
@pytest.mark.slow
def test_cross_validated_english_f1_does_not_regress(shared_data):
    from narrascope.training.narratives import LabelSpace, cross_validate
    from narrascope.training.semeval2025_data import load_examples, official_labels

    data = shared_data / "semeval2025-t10"
    space = LabelSpace.from_official(*official_labels(data))
    cv = cross_validate(load_examples(data), space)
    en = cv.per_language["EN"]
    assert en["f1_fine"] >= 0.45 and en["f1_coarse"] >= 0.55, en
    assert all(r["f1_coarse"] >= 0.45 for r in cv.per_language.values()), cv.table()
