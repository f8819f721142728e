"""Persuasion techniques, frames, genre and subjectivity: analyzers, official metrics, shared-task I/O."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrascope import Document, Pipeline
from narrascope.cli import main
from narrascope.errors import DataError
from narrascope.evaluation import semeval2023 as ev
from narrascope.taxonomies import load_taxonomy

from tests.conftest import assert_spans_exact

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "semeval2023"


# -- taxonomies ----------------------------------------------------------------------------------
def test_taxonomies_have_the_official_label_sets():
    tech = load_taxonomy("semeval2023-techniques")
    assert len(tech) == 23
    assert {lab.group for lab in tech.labels} == {
        "Attack_on_Reputation", "Justification", "Simplification", "Distraction", "Call", "Manipulative_Wording"}
    assert "Appeal_to_Fear-Prejudice" in tech and "Name_Calling-Labeling" in tech and "Doubt" in tech
    assert len(load_taxonomy("semeval2023-frames")) == 14
    assert load_taxonomy("semeval2023-genres").ids == ["reporting", "opinion", "satire"]


# -- metrics on hand-computed cases --------------------------------------------------------------
def test_techniques_micro_f1_counts_paragraph_technique_pairs():
    gold = {("1", 1): {"Loaded_Language", "Name_Calling-Labeling"}, ("1", 3): {"Doubt"}, ("1", 5): set()}
    pred = {("1", 1): {"Loaded_Language"}, ("1", 3): {"Doubt", "Slogans"}, ("1", 5): set()}
    res = ev.score_techniques(gold, pred)
    # tp = 2 (LL, Doubt), fp = 1 (Slogans), fn = 1 (Name_Calling): P = R = F1 = 2/3
    assert res["micro_precision"] == pytest.approx(2 / 3)
    assert res["micro_recall"] == pytest.approx(2 / 3)
    assert res["micro_f1"] == pytest.approx(2 / 3)
    assert res["per_label"]["Slogans"]["fp"] == 1 and res["per_label"]["Name_Calling-Labeling"]["fn"] == 1


def test_techniques_missing_prediction_is_empty_and_unknown_line_is_an_error():
    gold = {("1", 1): {"Doubt"}, ("1", 3): {"Slogans"}}
    res = ev.score_techniques(gold, {("1", 1): {"Doubt"}})
    assert res["missing"] == 1
    assert res["micro_f1"] == pytest.approx(2 * 1 / (2 * 1 + 0 + 1))  # tp 1, fn 1 -> 2/3
    with pytest.raises(DataError, match="not in the gold"):
        ev.score_techniques(gold, {("1", 2): {"Doubt"}})  # 0-based / wrong line numbering


def test_frames_micro_f1_over_article_frame_pairs():
    gold = {"a": {"Political", "Economic"}, "b": {"Morality"}}
    pred = {"a": {"Political"}, "b": {"Morality", "Economic"}}
    res = ev.score_frames(gold, pred)
    assert res["micro_f1"] == pytest.approx(2 / 3)  # tp 2, fp 1, fn 1
    assert ev.score_frames({"a": set()}, {"a": set()})["micro_f1"] == 0.0


def test_genre_macro_f1_over_classes_present():
    gold = {"a": "opinion", "b": "opinion", "c": "reporting", "d": "satire"}
    pred = {"a": "opinion", "b": "reporting", "c": "reporting", "d": "opinion"}
    res = ev.score_genre(gold, pred)
    # opinion F1 1/2, reporting F1 2/3, satire F1 0 -> (0.5 + 0.6667 + 0) / 3
    assert res["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0) / 3)
    assert res["accuracy"] == pytest.approx(0.5)
    # satire absent from gold and predictions is not averaged in: (2/3 + 0) / 2
    assert ev.score_genre({"a": "opinion", "b": "reporting"}, {"a": "opinion", "b": "opinion"})["macro_f1"] == pytest.approx(1 / 3)


def test_readers_reject_unknown_labels_in_predictions_but_drop_them_in_gold(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("7\t1\tDoubt,Loaded_Langauge\n", encoding="utf-8")
    with pytest.raises(DataError, match="Loaded_Langauge") as e:
        ev.read_techniques(f)
    assert "x.txt:1" in str(e.value)
    dropped: list = []
    assert ev.read_techniques(f, strict=False, dropped=dropped) == {("7", 1): {"Doubt"}}
    assert len(dropped) == 1


def test_evaluate_cli_prints_the_official_metric(tmp_path):
    pred = tmp_path / "pred.txt"
    pred.write_text("9000001\topinion\n9000002\topinion\n9000003\treporting\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["evaluate", "semeval2023-genre", "--gold", str(FIX / "gold-genre.txt"), "--pred", str(pred), "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    # opinion: tp 1 fp 1 -> 2/3; reporting: tp 1 fn 1 -> 2/3 -> macro 2/3
    assert res["macro_f1"] == pytest.approx(2 / 3)


# -- analyzers -------------------------------------------------------------------------------------
def _doc(name: str) -> Document:
    return Document.create((FIX / "articles" / name).read_text(encoding="utf-8"), title_in_text=True)


@pytest.fixture(scope="module")
def pipe():
    return Pipeline.from_config({"analyzers": ["subjectivity", "frames", "genre", "techniques"]})


def test_technique_spans_are_exact_and_paragraph_labels_come_from_them(pipe):
    a = pipe.analyze(_doc("article9000001.txt"))
    assert_spans_exact(a)
    spans = a.spans_by("techniques")
    assert spans, "the propaganda fixture should get technique spans"
    tax = load_taxonomy("semeval2023-techniques")
    paras = a.data["techniques"]["paragraphs"]
    assert [p["line"] for p in paras] == [1, 3, 5, 7, 9]
    for p in paras:
        for lab in p["labels"]:
            inside = [s for s in spans if s.label == lab["label"] and p["start"] <= s.start and s.end <= p["end"]]
            assert inside, f"paragraph label {lab} has no span inside its paragraph"
    for s in spans:
        assert s.label in tax and s.attrs["family"] == tax[s.label].group
        assert 0.0 <= s.score <= 1.0
    doc_labels = a.labels["techniques"]
    assert {lab.label for lab in doc_labels} == {s.label for s in spans}
    assert all(lab.evidence for lab in doc_labels)


def test_short_span_techniques_are_narrowed_below_sentence_level(pipe):
    a = pipe.analyze(_doc("article9000001.txt"))
    doc = a.document
    short = [s for s in a.spans_by("techniques") if s.label in ("Loaded_Language", "Name_Calling-Labeling")]
    assert short
    sentences = set(doc.sentences)
    assert any((s.start, s.end) not in sentences for s in short), "expected at least one phrase-level span"


def test_propaganda_fixture_gets_more_techniques_than_a_plain_report(pipe):
    loud = pipe.analyze(_doc("article9000001.txt"))
    calm = pipe.analyze(_doc("article9000002.txt"))
    n_loud = sum(len(p["labels"]) for p in loud.data["techniques"]["paragraphs"])
    n_calm = sum(len(p["labels"]) for p in calm.data["techniques"]["paragraphs"])
    assert n_loud > n_calm


def test_frames_are_multilabel_with_evidence_sentences(pipe):
    a = pipe.analyze(_doc("article9000002.txt"))
    assert_spans_exact(a)
    frames = a.labels["frames"]
    assert frames and all(lab.evidence for lab in frames)
    assert set(a.data["frames"]["scores"]) == set(load_taxonomy("semeval2023-frames").ids)
    for lab in frames:
        for ev_span in lab.evidence:
            assert (ev_span.start, ev_span.end) in set(a.document.sentences)


def test_genre_has_scores_for_three_genres_and_separates_report_from_rant(pipe):
    calm = pipe.analyze(_doc("article9000002.txt"))
    loud = pipe.analyze(_doc("article9000001.txt"))
    for a in (calm, loud):
        (lab,) = a.labels["genre"]
        assert set(lab.attrs["scores"]) == {"reporting", "opinion", "satire"}
        assert sum(lab.attrs["scores"].values()) == pytest.approx(1.0, abs=1e-3)
        assert lab.evidence and lab.label == a.data["genre"]["label"]
    assert calm.data["genre"]["scores"]["reporting"] > loud.data["genre"]["scores"]["reporting"]


def test_subjectivity_labels_every_sentence(pipe):
    a = pipe.analyze(_doc("article9000001.txt"))
    spans = a.spans_by("subjectivity")
    assert [(s.start, s.end) for s in spans] == list(a.document.sentences)
    assert {s.label for s in spans} <= {"SUBJ", "OBJ"}
    calm = pipe.analyze(_doc("article9000002.txt"))
    assert a.data["subjectivity"]["mean_p_subj"] > calm.data["subjectivity"]["mean_p_subj"]


def test_analyzers_run_on_the_example_article(pipe, example_text):
    a = pipe.analyze(Document.create(example_text, title_in_text=True))
    assert_spans_exact(a)
    assert a.labels["genre"] and a.labels["frames"]
    assert len(a.spans_by("subjectivity")) == len(a.document.sentences)


# -- shared-task I/O ---------------------------------------------------------------------------------
def _predict(task: str, tmp_path: Path) -> Path:
    out = tmp_path / f"{task}.txt"
    r = CliRunner().invoke(main, ["predict", task, "--input", str(FIX / "articles"), "--output", str(out), "-q"])
    assert r.exit_code == 0, r.output
    return out


def test_predict_techniques_writes_every_non_empty_line_counted_from_one(tmp_path):
    out = _predict("semeval2023-techniques", tmp_path)
    rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    assert all(len(r) == 3 for r in rows)
    keys = [(r[0], int(r[1])) for r in rows]
    gold = ev.read_techniques(FIX / "gold-techniques.txt")
    assert sorted(keys) == sorted(gold)  # incl. article 9000003: lines 1 and 5 (blank lines count)
    allowed = set(ev.technique_labels())
    assert all(t in allowed for r in rows for t in r[2].split(",") if t)
    res = ev.evaluate_files("semeval2023-techniques", FIX / "gold-techniques.txt", out)
    assert 0.0 <= res["micro_f1"] <= 1.0 and res["missing"] == 0


def test_predict_frames_and_genre_write_the_official_formats(tmp_path):
    frames = _predict("semeval2023-frames", tmp_path)
    rows = [line.split("\t") for line in frames.read_text(encoding="utf-8").splitlines()]
    assert [r[0] for r in rows] == ["9000001", "9000002", "9000003"]
    assert all(r[1] and set(r[1].split(",")) <= set(ev.frame_labels()) for r in rows)
    genre = _predict("semeval2023-genre", tmp_path)
    rows = [line.split("\t") for line in genre.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 3 and all(r[1] in ("reporting", "opinion", "satire") for r in rows)
    r = CliRunner().invoke(main, ["evaluate", "semeval2023-genre", "--gold", str(FIX / "gold-genre.txt"), "--pred", str(genre)])
    assert r.exit_code == 0 and "macro-F1" in r.output


def test_predict_skips_a_bad_file_and_reports_it(tmp_path):
    d = tmp_path / "in"
    shutil.copytree(FIX / "articles", d)
    (d / "article9000004.txt").write_bytes(b"\xff\xfe\x00bad")
    out = tmp_path / "g.txt"
    r = CliRunner().invoke(main, ["predict", "semeval2023-genre", "--input", str(d), "--output", str(out), "-q"])
    assert r.exit_code == 0
    assert "article9000004.txt" in r.output and "UTF-8" in r.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3


def test_predict_on_a_folder_without_articles_says_what_to_do(tmp_path):
    from narrascope.cli import run

    with pytest.raises(SystemExit) as e:
        run(["predict", "semeval2023-frames", "--input", str(tmp_path), "--output", str(tmp_path / "o.txt")])
    assert e.value.code == 1


# -- on the shared data -----------------------------------------------------------------------------
@pytest.mark.data
def test_line_numbers_match_the_official_english_files(shared_data, tmp_path):
    from narrascope.analyzers.techniques import paragraph_line_numbers

    root = shared_data / "semeval2023-t3" / "en"
    gold = ev.read_techniques(root / "train-labels-subtask-3.txt", strict=False)
    ids = sorted({k[0] for k in gold})[:40]
    for aid in ids:
        doc = Document.create((root / "train-articles-subtask-3" / f"article{aid}.txt").read_text(encoding="utf-8"),
                              title_in_text=True)
        assert sorted(paragraph_line_numbers(doc)) == sorted(line for a, line in gold if a == aid)


@pytest.mark.data
def test_predict_and_evaluate_on_english_training_articles(shared_data, tmp_path):
    root = shared_data / "semeval2023-t3" / "en"
    src = sorted((root / "train-articles-subtask-3").glob("article*.txt"))[:15]
    d = tmp_path / "in"
    d.mkdir()
    for p in src:
        (d / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "pred.txt"
    r = CliRunner().invoke(main, ["predict", "semeval2023-techniques", "--input", str(d), "--output", str(out), "-q"])
    assert r.exit_code == 0, r.output
    gold_all = ev.read_techniques(root / "train-labels-subtask-3.txt", strict=False)
    ids = {p.name[7:-4] for p in src}
    gold = tmp_path / "gold.txt"
    gold.write_text("".join(f"{a}\t{line}\t{','.join(sorted(t))}\n" for (a, line), t in gold_all.items() if a in ids),
                    encoding="utf-8")
    res = ev.evaluate_files("semeval2023-techniques", gold, out)
    assert res["missing"] == 0 and res["micro_f1"] > 0.3  # seen in training: a sanity floor, not a score


def test_the_span_model_does_not_read_the_paragraph_classifier_unless_asked():
    from narrascope.analyzers.techniques import TechniquesAnalyzer

    text = ("Talks stall\n\nThe regime's puppets will never win. Everyone knows the so-called experts are lying to you. "
            "Only a fool would trust them.")
    def run(**options):
        pipe = Pipeline.from_config({"analyzers": ["techniques"], "options": {"techniques": options}})
        a = pipe.analyze(Document.create(text, title_in_text=True, language="en"))
        return a, pipe.analyzers[-1]

    a, spans_mode = run()
    assert isinstance(spans_mode, TechniquesAnalyzer) and spans_mode._m_ is None  # ~0.1 s of cold start not spent
    assert a.data["techniques"]["model"] == "spans"
    b, para_mode = run(spans=False)
    assert para_mode._m_ is not None and "paragraphs" in b.data["techniques"]
