"""CheckThat! 2025 subjectivity: official TSV format, macro-F1 on hand-computed cases, predict/evaluate CLI,
and language detection for scripts outside the function-word table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrascope.analyzers.language import detect_language
from narrascope.cli import main
from narrascope.errors import DataError
from narrascope.evaluation.checkthat2025 import evaluate_files, read_tsv, score

FX = Path(__file__).resolve().parents[1] / "fixtures" / "subjectivity"


def test_macro_f1_hand_computed():
    gold = {"a": "SUBJ", "b": "SUBJ", "c": "OBJ", "d": "OBJ", "e": "OBJ"}
    pred = {"a": "SUBJ", "b": "OBJ", "c": "SUBJ", "d": "OBJ", "e": "OBJ"}
    r = score(gold, pred)
    # SUBJ: tp 1 fp 1 fn 1 -> P = R = F1 = 0.5; OBJ: tp 2 fp 1 fn 1 -> P = R = F1 = 2/3
    assert r["per_label"]["SUBJ"]["f1"] == pytest.approx(0.5)
    assert r["per_label"]["OBJ"]["f1"] == pytest.approx(2 / 3)
    assert r["macro_f1"] == pytest.approx((0.5 + 2 / 3) / 2)
    assert r["accuracy"] == pytest.approx(0.6) and r["subj_f1"] == pytest.approx(0.5)


def test_missing_prediction_is_a_miss_and_a_class_never_seen_scores_zero():
    r = score({"a": "OBJ", "b": "OBJ"}, {"a": "OBJ"})
    assert r["missing"] == 1
    # OBJ: tp 1 fn 1 -> P 1, R 0.5, F1 2/3; SUBJ: nothing -> 0
    assert r["macro_f1"] == pytest.approx((2 / 3 + 0) / 2)


def test_unknown_predicted_id_is_an_error():
    with pytest.raises(DataError, match="not in the gold"):
        score({"a": "OBJ"}, {"a": "OBJ", "zz": "SUBJ"})


def test_reader_rejects_bad_labels_and_missing_header(tmp_path):
    p = tmp_path / "p.tsv"
    p.write_text("sentence_id\tlabel\nx\tMAYBE\n", encoding="utf-8")
    with pytest.raises(DataError, match="SUBJ or OBJ") as e:
        read_tsv(p, need_label=True)
    assert e.value.where.endswith(":2")
    p.write_text("x\tOBJ\n", encoding="utf-8")
    with pytest.raises(DataError, match="header"):
        read_tsv(p, need_label=True)


def test_predict_then_evaluate_on_the_official_format(tmp_path):
    pred = tmp_path / "pred.tsv"
    r = CliRunner().invoke(main, ["predict", "checkthat2025-subjectivity", "--input", str(FX / "gold.tsv"),
                                  "--output", str(pred)])
    assert r.exit_code == 0, r.output
    lines = pred.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "sentence_id\tlabel" and [ln.split("\t")[0] for ln in lines[1:]] == ["s1", "s2", "s3", "s4", "s5"]
    assert all(ln.split("\t")[1] in ("SUBJ", "OBJ") for ln in lines[1:])
    r = CliRunner().invoke(main, ["evaluate", "checkthat2025-subjectivity", "--gold", str(FX / "gold.tsv"),
                                  "--pred", str(pred), "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["items"] == 5 and res["missing"] == 0
    assert res == evaluate_files(FX / "gold.tsv", pred)
    assert res["macro_f1"] >= 0.6  # two obvious SUBJ, three plain reports


@pytest.mark.parametrize("text, lang", [
    ("عندما تولى الرئيس السلطة كانت لديه أحلامه الكبيرة التي يريد تحقيقها لبلده", "ar"),
    ("שלום עולם, זה משפט לבדיקה", "he"),
    ("这是一个用于测试的句子。", "zh"),
    ("Це тестовий рядок, і він короткий.", "uk"),
    ("Это тестовая строка.", "ru"),
    ("The talks resumed on Monday in Geneva.", "en"),
])
def test_language_detection_names_non_latin_scripts(text, lang):
    assert detect_language(text)[0] == lang
