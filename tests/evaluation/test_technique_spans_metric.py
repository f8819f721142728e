"""The span metric (SemEval-2020 Task 11 partial overlap, technique must match) and the CheckThat!
2024 Task 3 file format (inclusive end offsets), on hand-computed cases."""

from __future__ import annotations

import pytest

from narrascope.errors import DataError
from narrascope.evaluation.spans import merge_spans, score_spans
from narrascope.formats.checkthat2024 import read_spans, write_spans


def test_fractional_and_any_overlap_match_hand_computed_values():
    gold = {"a": [("Loaded_Language", 0, 10), ("Name_Calling-Labeling", 20, 30)]}
    pred = {"a": [("Loaded_Language", 5, 15), ("Name_Calling-Labeling", 40, 45), ("Loaded_Language", 50, 52)]}
    r = score_spans(gold, pred)
    # P = (5/10 + 0 + 0) / 3, R = (5/10 + 0) / 2
    assert r["precision"] == pytest.approx(1 / 6)
    assert r["recall"] == pytest.approx(0.25)
    assert r["f1"] == pytest.approx(0.2)
    # any overlap: 1 of 3 predictions hit, 1 of 2 gold spans found
    assert r["any_precision"] == pytest.approx(1 / 3)
    assert r["any_recall"] == pytest.approx(0.5)
    assert r["any_f1"] == pytest.approx(0.4)
    assert r["per_label"]["Loaded_Language"]["precision"] == pytest.approx(0.25)
    assert r["per_label"]["Name_Calling-Labeling"]["f1"] == 0.0


def test_the_technique_must_match_for_any_credit():
    gold = {"a": [("Loaded_Language", 0, 10)]}
    r = score_spans(gold, {"a": [("Doubt", 0, 10)]})
    assert r["f1"] == 0.0 and r["any_f1"] == 0.0


def test_a_predicted_span_covering_two_gold_spans_gets_credit_for_both():
    gold = {"a": [("Doubt", 0, 4), ("Doubt", 6, 10)]}
    r = score_spans(gold, {"a": [("Doubt", 0, 10)]})
    assert r["precision"] == pytest.approx(8 / 10)
    assert r["recall"] == pytest.approx(1.0)


def test_overlapping_spans_of_one_technique_are_merged_before_scoring():
    assert merge_spans([("T", 5, 12), ("T", 0, 10), ("U", 0, 3), ("T", 12, 14)]) == {"T": [(0, 14)], "U": [(0, 3)]}
    r = score_spans({"a": [("T", 0, 10), ("T", 5, 12)]}, {"a": [("T", 0, 6), ("T", 0, 6)]})
    assert r["gold_spans"] == 1 and r["pred_spans"] == 1
    assert r["precision"] == pytest.approx(1.0)
    assert r["recall"] == pytest.approx(0.5)


def test_articles_without_predictions_count_as_empty_and_unknown_ids_are_errors():
    gold = {"a": [("T", 0, 4)], "b": [("T", 0, 4)]}
    r = score_spans(gold, {"a": [("T", 0, 4)]})
    assert r["recall"] == pytest.approx(0.5) and r["precision"] == pytest.approx(1.0) and r["missing"] == 1
    with pytest.raises(DataError):
        score_spans(gold, {"zzz": [("T", 0, 4)]})


def test_checkthat_files_use_inclusive_ends_and_round_trip(tmp_path):
    text = "They follow the climate cult."
    s = text.index("climate cult")
    e = s + len("climate cult")
    p = tmp_path / "pred.txt"
    with p.open("w", encoding="utf-8") as fh:
        assert write_spans(fh, [("7", "Name_Calling-Labeling", s, e)]) == 1
    assert p.read_text(encoding="utf-8") == f"7\tName_Calling-Labeling\t{s}\t{e - 1}\n"
    assert text[s:e - 1 + 1] == "climate cult"  # the written end is the last character
    back = read_spans(p)
    assert back == {"7": [("Name_Calling-Labeling", s, e)]}
    t, a, b = back["7"][0]
    assert text[a:b] == "climate cult"


def test_checkthat_reader_skips_a_header_and_rejects_bad_rows(tmp_path):
    p = tmp_path / "gold.txt"
    p.write_text("id\ttechnique\tstart\tend\n1\tDoubt\t0\t3\n1\tBogus\t5\t6\n", encoding="utf-8")
    dropped: list = []
    got = read_spans(p, allowed={"Doubt"}, strict=False, dropped=dropped)
    assert got == {"1": [("Doubt", 0, 4)]} and len(dropped) == 1
    with pytest.raises(DataError, match="unknown technique"):
        read_spans(p, allowed={"Doubt"})
    p.write_text("1\tDoubt\t9\t3\n", encoding="utf-8")
    with pytest.raises(DataError, match="inclusive"):
        read_spans(p)
