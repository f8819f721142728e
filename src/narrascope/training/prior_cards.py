"""MODEL_CARD.md for the genre and frames models (pooled training, prior-aware decisions), from cv.json.

The per-language tables come from the report; the prose (what each choice did, the attempts and
their CV numbers, licence, limits) from :data:`TEXT`.
"""

from __future__ import annotations

from pathlib import Path

from .model_cards import COMMON_LIMITS

LICENCE = ("SemEval-2023 Task 3 data: research use under the task's terms (no licence file in the data folder); "
           "the weights are derived from it and inherit that restriction.")

TEXT = {
    "genre": {
        "title": "Article genre (SemEval-2023 Task 3 subtask 1)",
        "data": "SemEval-2023 Task 3 genre labels in en, fr, ge, it, po, ru (1,238 articles; English 382 opinion / 41 "
                "reporting / 10 satire; all six languages 71% opinion / 18% reporting / 6% satire), plus the shipped "
                "subjectivity model for the per-sentence subjectivity scores among the style features.",
        "model": "Hashed word 1-2-gram + char_wb 3-5-gram TF-IDF of the article (2 x 65,536 columns) + 30 style features "
                 "(`models/style.py` version 2: the subjectivity model's per-sentence scores (mean, share, max, title, "
                 "lead), attribution share and density (said / according to / ... per sentence, six languages), quote "
                 "share and share of characters inside quotes, first person singular / plural, second person, questions, "
                 "exclamations, hedges and modals, intensifiers, wire-agency and dateline cues, weekday / time words, "
                 "sentence length and its spread, capitalised-word density, digits, title shape), standardised with the "
                 "training mean / spread (stored in `model.json`). Multinomial logistic regression (C=4) with balanced "
                 "class weights on all six languages pooled. Decision: per-class additive log-probability biases tuned "
                 "for macro-F1 reweighted to the target prior (65% reporting / 30% opinion / 5% satire), the default "
                 "(`prior=\"news\"`); biases tuned for the training prior are kept (`prior=\"train\"`). Weights int8 with "
                 "per-row scales (scores move by < 1e-3), IDF float16.",
        "train": "narrascope train genre --data ../shared/data/semeval2023-t3",
        "attempts": [
            ("shipped before (TF-IDF + 12 unscaled style features, biases for pooled macro-F1), English CV, 5 folds",
             "en 0.459 (reporting F1 0.32); not measured reweighted"),
            ("style features only (30), C=1, argmax", "all 0.47 / rw 0.50; en 0.39 / rw 0.42 (rw reporting 0.49)"),
            ("TF-IDF + 12 style features (z-scored), argmax", "all 0.58 / rw 0.53; en 0.42 / rw 0.33"),
            ("  same, target-prior biases", "all 0.52 / rw 0.59 (rw reporting 0.81); en 0.44 / rw 0.49 (rw reporting 0.62)"),
            ("TF-IDF + 30 style features (shipped), argmax", "all 0.56 / rw 0.52; en 0.41 / rw 0.31"),
            ("  same, train-prior biases", "all 0.56 / rw 0.54; en 0.40 / rw 0.32"),
            ("  same, target-prior biases (shipped rule)", "all 0.54 / rw 0.60 (rw reporting 0.81); en 0.41 / rw 0.44 (rw reporting 0.63)"),
            ("shared encoder document vector (preliminary 3k-piece build, 256 dims) + 30 style, C=1, target-prior biases",
             "all 0.45 / rw 0.55; en 0.36 / rw 0.42 (weights 3 and 10 no better)"),
            ("shared encoder document vector (the landed 48k-piece build) + 30 style, C=1, target-prior biases",
             "all 0.50 / rw 0.54; en 0.40 / rw 0.46 (rw reporting 0.53); train-prior biases: all 0.56 / rw 0.55"),
            ("log-linear mix 50/50 of the shipped model and the encoder + style model, target-prior biases",
             "all 0.51 / rw 0.59; en 0.42 / rw 0.48 (rw reporting 0.61): within noise of the shipped model, "
             "costs a second head and the encoder pass: not kept"),
        ],
        "attempts_note": "Exploration numbers: 5 grouped folds over all languages, cross-fitted biases, macro-F1 at the "
                         "train prior / reweighted to 65/30/5 ('rw'); same folds for every row (folds built over the "
                         "1,440 articles of the genre and frames label files together). The training command builds its "
                         "folds over the 1,234 genre articles only; the same shipped configuration then scores the "
                         "tables above (e.g. all 0.456 / rw 0.548, en 0.397 / rw 0.500 instead of 0.54 / 0.60 and "
                         "0.41 / 0.44): differences of ~0.05 between fold assignments are the noise level here. "
                         "The model shipped before was measured with English-only folds (0.459 at the train prior) "
                         "and is not directly comparable; at the train prior the new model is not better on English "
                         "(0.40 with train-prior biases), its gain is the reporting class at the news prior.",
        "limits": "- Targets (issue 12: pooled macro-F1 >= 0.65, English >= 0.55, reporting F1 >= 0.6) are met only for the "
                  "reporting class reweighted to the news prior; macro-F1 is not: the English satire class (10 articles, "
                  "mostly partisan opinion pieces) is near zero and caps English macro-F1.\n"
                  "- The reporting/opinion boundary follows the shared task's annotation, which counts much "
                  "commentary-flavoured news as opinion.\n"
                  "- Training articles have 150 words or more and satire articles are the shortest: a text of a few "
                  "sentences gets length features off the training range and often scores as satire (a three-sentence "
                  "rant: satire 0.99). The analyzer flags texts under 150 words (`short_text_warning` plus a warning).\n",
    },
    "frames": {
        "title": "Framing dimensions (SemEval-2023 Task 3 subtask 2)",
        "data": "SemEval-2023 Task 3 frame labels in en, fr, ge, it, po, ru (1,238 articles, 14 frames).",
        "model": "Hashed word 1-2-gram + char_wb 3-5-gram TF-IDF of the whole article, one logistic regression per frame "
                 "(SGD, log loss, L2 with C=32, 12 epochs) on all six languages pooled. Decision: per-frame thresholds tuned for "
                 "micro-F1 on out-of-fold scores of all languages pooled (each frame's optimum pulled halfway toward the "
                 "best global threshold; at least one frame per article). Default (`prior=\"news\"`): thresholds tuned "
                 "with the frames of known prior shift reweighted to their stated news prior (Policy_prescription_and_"
                 "evaluation 73%, Public_opinion 35%, from the held-out English error analysis; English train has 15% "
                 "and 5%); `prior=\"train\"` uses the thresholds tuned at the training prior. Evidence sentences: the "
                 "sentences the frame head scores highest. Weights int8 with per-row scales, IDF float16.",
        "train": "narrascope train frames --data ../shared/data/semeval2023-t3",
        "attempts": [
            ("shipped before (C=8 liblinear, thresholds on English OOF), English CV", "en 0.687"),
            ("SGD C=8, thresholds tuned on all languages / English only / per language",
             "en 0.694 / 0.694 / 0.694; all 0.629 / 0.627 / 0.625"),
            ("SGD C=8, prior-corrected thresholds", "en 0.684, en reweighted 0.662 (0.630 without correction); "
             "Policy_prescription predicted in 30% of English articles (3% without)"),
            ("SGD C=8 with balanced class weights", "en 0.693, all 0.635; prior-corrected: en 0.681, reweighted 0.678"),
            ("SGD C=32 + the shared encoder's document vector (landed 48k-piece build, z-scored, weight 0.1)",
             "en 0.661, all 0.592; prior-corrected: en 0.647, reweighted 0.630: not kept"),
            ("SGD C=32, thresholds on all languages (shipped)", "en 0.696, all 0.637; prior-corrected (shipped default): "
             "en 0.685, reweighted 0.668"),
        ],
        "attempts_note": "Exploration numbers: 5 grouped folds over all languages, cross-fitted thresholds, micro-F1; "
                         "'reweighted' = English (article, frame) cells reweighted so the two shifted frames have "
                         "their stated prior.",
        "limits": "- Public_opinion carries no usable signal in the English n-gram scores (out-of-fold score of English "
                  "positives median 0.05, negatives 0.04): it is almost never predicted even with the prior correction.\n"
                  "- The prior correction assumes the held-out English shift holds for news in every language.\n",
    },
}


def _genre_tables(report: dict) -> list[str]:
    lines = []
    for rule, table in report["cv"].items():
        lines += ["", f"Decision rule `{rule}`:", "",
                  "| language | articles | macro-F1 | reporting F1 | opinion F1 | satire F1 | reweighted macro-F1 | reweighted reporting F1 |",
                  "|---|---|---|---|---|---|---|---|"]
        for lg, r in table.items():
            pc, pw = r["per_class"], r["reweighted_per_class"]
            lines.append(f"| {lg} | {r['n']} | {r['macro_f1']:.3f} | {pc['reporting']:.3f} | {pc['opinion']:.3f} | "
                         f"{pc['satire']:.3f} | {r['reweighted_macro_f1']:.3f} | {pw['reporting']:.3f} |")
    return lines


def _frames_tables(report: dict) -> list[str]:
    lines = []
    for rule, table in report["cv"].items():
        lines += ["", f"Thresholds `{rule}`:", "", "| language | articles | micro-F1 | reweighted micro-F1 | "
                  "predicted share of the shifted frames |", "|---|---|---|---|---|"]
        for lg, r in table.items():
            if lg == "en_per_frame_f1":
                continue
            share = ", ".join(f"{k.split('_')[0]} {v:.2f}" for k, v in r["predicted_share"].items())
            lines.append(f"| {lg} | {r['n']} | {r['micro_f1']:.3f} | {r['reweighted_micro_f1']:.3f} | {share} |")
        lines += ["", "English F1 per frame: " + ", ".join(f"{k} {v:.2f}" for k, v in table["en_per_frame_f1"].items())]
    return lines


def write_prior_card(name: str, out: Path, report: dict) -> Path:
    t = TEXT[name]
    lines = [f"# {t['title']}", "", f"Artifact `{name}` (shipped in `narrascope/models/artifacts/{name}/`: "
             "`model.json`, `weights.npz`; no pickle).", "", "## Training data", "", t["data"], "", "## Model", "",
             t["model"], "", "## Cross-validated scores", "",
             f"Official metric: {report['metric']}. Protocol: {report['protocol']}. 'Reweighted': every scored item "
             f"weighted so the classes have the target prior {report['target_prior']} "
             + ("(per article). " if name == "genre" else "(per (article, frame) cell of the shifted frames). ")
             + "Measured on the shared 2-core machine under heavy load "
             f"(affects only the {report['seconds']:.0f} s training time)."]
    lines += _genre_tables(report) if name == "genre" else _frames_tables(report)
    lines += ["", "## What each choice did (attempts and their CV numbers)", "", t["attempts_note"], "",
              "| attempt | CV |", "|---|---|"]
    lines += [f"| {a} | {b} |" for a, b in t["attempts"]]
    lines += ["", "## Licence of the training data", "", LICENCE, "", "## Reproduce", "", "```",
              t["train"] + f"  # --folds 5 --seed {report.get('seed', 0)}", "```", "", "## Known limits", "",
              t["limits"] + COMMON_LIMITS]
    p = Path(out) / "MODEL_CARD.md"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p
