"""MODEL_CARD.md for the techniques and subjectivity models, written from cv.json (frames and genre:
:mod:`.prior_cards`)."""

from __future__ import annotations

from pathlib import Path

COMMON_LIMITS = (
    "- Bag of hashed word and character n-grams with linear heads: no deep semantics, no world knowledge;\n"
    "  sarcasm, irony and techniques that need argument structure (straw man, red herring, whataboutism)\n"
    "  are mostly missed.\n"
    "- Trained on 2019-2022 news about politics, migration, COVID and the war in Ukraine; other topics\n"
    "  and registers shift scores.\n"
    "- Languages outside the training set share only character n-grams and punctuation with it: use\n"
    "  the scores there as rough hints.\n"
)

INFO = {
    "subjectivity": {
        "title": "Sentence subjectivity (SUBJ / OBJ)",
        "data": "CheckThat! 2025 Task 1 (English, German, Italian, Bulgarian, Arabic train + dev + dev_test; "
                "CC BY-NC-SA 4.0: the shipped weights inherit the non-commercial restriction).",
        "licence": "CheckThat! 2025 Task 1 data: CC BY-NC-SA 4.0 (non-commercial, share-alike); the weights are derived from it.",
        "notes": "- Tried and not shipped (English dev_test macro-F1): the English head trained on all five languages "
                 "pooled 0.569 (vs 0.649 English-only); word-list cue features (`models/subjectivity_cues.py`: loaded "
                 "words such as 'cult', evaluative words, intensifiers, hedges, modals, person, punctuation) at weight "
                 "0.3 / 1.0: 0.630 / 0.603, loaded words alone 0.617-0.625, although they do turn \"The climate cult will "
                 "not stop until every cow in Europe is gone\" subjective (P(SUBJ) 0.49 -> 0.53 / 0.63). An oracle "
                 "threshold on dev_test does not help either (0.649 at 0.5): the n-gram model is the ceiling; the "
                 "issue's held-out test sits at 0.53-0.55 for every n-gram variant. Closing the gap to 0.75 needs a "
                 "sentence encoder (multilingual-e5 or MiniLM fine-tuned like the role head).\n"
                 "- Arabic joined the multilingual head in this version (Arabic sentences were detected as English "
                 "before and never reached it).\n",
        "model": "Hashed word 1-2-gram + char_wb 3-5-gram TF-IDF (2 x 65,536 columns), logistic regression "
                 "with balanced class weights (C=0.5), decision at P(SUBJ) >= 0.5. Two heads: `en` trained on "
                 "English only (used for English and undetected text) and `multi` trained on all five languages "
                 "(used for other languages): adding the other languages lowered English CV macro-F1 from 0.71 to 0.68.",
        "cv": "Sentences are split into 5 random folds (seeded) of English train+dev; dev_test is scored separately.",
        "train": "narrascope train subjectivity --data ../shared/data/checkthat2025-subjectivity",
        "limits": "- Sentence-level only: a reported opinion in quotes counts as subjective text.\n",
    },
    "techniques": {
        "title": "Persuasion techniques (SemEval-2023 Task 3 subtask 3)",
        "data": "SemEval-2023 Task 3 paragraph labels and gold technique spans in en, fr, ge, it, po, ru "
                "(paragraph head: paragraph labels; sentence head: a sentence carries a technique when a gold span overlaps it). The SemEval-2020 Task 11 corpus holds the same English articles and is NOT used.",
        "model": "Paragraph head: hashed TF-IDF of the paragraph + 12 length/punctuation features (an optional "
                 "down-weighted article context block exists, `context_weight`, off in the shipped model: with weight 0.5 "
                 "the CV micro-F1 was 0.391 ± 0.025 against 0.388 ± 0.025 without, not worth a larger, slower model); both heads are per-technique logistic regressions fitted by "
                 "SGD (log loss, L2, 12 epochs); sentence head: hashed TF-IDF of the sentence, trained on the "
                 "gold spans. Paragraph decision = "
                 "per-technique threshold on a mix of the paragraph score and the best sentence score, thresholds "
                 "tuned for micro-F1 on out-of-fold English scores. Spans: the supporting sentences, narrowed to "
                 "the highest-weighted phrase for short-span techniques.",
        "train": "narrascope train techniques --data ../shared/data/semeval2023-t3",
        "licence": "SemEval-2023 Task 3 data: research use under the task's terms; the weights are derived from it.",
        "cv": "Folds keep near-duplicate articles (same story, TF-IDF cosine >= 0.6) together. For fold k the "
              "per-technique thresholds are tuned on the out-of-fold scores of the other folds (cross-fitting; "
              "cheaper than nested CV); the sentence weight is chosen among 0, 0.3, 0.5, 0.7, 1 by the same CV.",
        "limits": "- Four techniques (Questioning_the_Reputation, Appeal_to_Values, Consequential_Oversimplification, "
                  "Appeal_to_Time) have no English training examples; they come only from the other languages.\n"
                  "- Span boundaries are sentence or phrase level; the shared task scores paragraphs.\n",
    },
}


def _fmt(s: dict) -> str:
    return f"{s['mean']:.3f} ± {s['std']:.3f}"


def write_model_card(name: str, out: Path, report: dict) -> Path:
    if name in ("genre", "frames"):  # pooled training, per-language / reweighted tables
        from .prior_cards import write_prior_card

        return write_prior_card(name, out, report)
    if name == "subjectivity" and "multi_head" in report:  # per-language tables: its own writer
        from .subjectivity import write_card

        return write_card(out, report)
    info = INFO[name]
    lines = [f"# {info['title']}", "", f"Artifact `{name}` (shipped in `narrascope/models/artifacts/{name}/`: "
             "`model.json`, `weights.npz` -- int8 weights with per-row scales, float16 IDF; no pickle).", "",
             "## Training data", "", info["data"], "", "## Model", "", info["model"], "",
             "## Cross-validated scores (English)", "",
             f"Official metric: {report['metric']}. " + info.get("cv", "Folds keep near-duplicate articles (same story, "
             "TF-IDF cosine >= 0.6) together; thresholds/biases are tuned inside each training part only."), "",
             f"- mean ± std over folds: **{_fmt(report['cv_english'])}** (folds: {report['cv_english']['folds']})"]
    if "cv_english_uncalibrated" in report:
        lines.append(f"- without the bias calibration: {_fmt(report['cv_english_uncalibrated'])}")
    if "english_dev_test" in report:
        d = report["english_dev_test"]
        lines.append(f"- English dev_test (trained on {d['trained_on']}): macro-F1 {d['macro_f1']:.3f}, per class {d['per_class']}")
    for extra in ("cv_english_sentence_only", "cv_english_paragraph_only"):
        if extra in report:
            lines.append(f"- {extra.replace('cv_english_', '').replace('_', ' ')}: {_fmt(report[extra])}")
    per = report.get("cv_english_per_label") or report.get("cv_english_per_class") or {}
    if per:
        lines += ["", "| label | F1 mean | F1 std |", "|---|---|---|"]
        for lab, s in per.items():
            lines.append(f"| {lab} | {s['mean']:.3f} | {s['std']:.3f} |")
    if report.get("dev_test_per_language"):
        lines += ["", "dev_test per language (never trained on):", "", "| language | sentences | macro-F1 | head |", "|---|---|---|---|"]
        for lg, v in report["dev_test_per_language"].items():
            lines.append(f"| {lg} | {v['n']} | {v['macro_f1']:.3f} | {v['head']} |")
    if "pooled_english" in report:
        lines += ["", f"Pooled English out-of-fold predictions: macro-F1 {report['pooled_english']['macro_f1']:.3f}; "
                  f"calibrated biases {report.get('final_biases')}."]
    if info.get("notes"):
        lines += ["", "## What each choice did", "", info["notes"].rstrip()]
    if info.get("licence"):
        lines += ["", "## Licence of the training data", "", info["licence"]]
    lines += ["", "## Reproduce", "", "```", info["train"] + f"  # --folds 5 --seed {report.get('seed', 0)}", "```", "",
              "## Known limits", "", info["limits"] + COMMON_LIMITS]
    p = Path(out) / "MODEL_CARD.md"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p
