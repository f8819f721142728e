"""CheckThat! 2025 subjectivity in the official format, and the domain model's training command.

- ``narrascope predict checkthat2025-subjectivity --input TSV --output TSV [--language CODE]``
- ``narrascope evaluate checkthat2025-subjectivity --gold TSV --pred TSV [--json]``
- ``narrascope train domain --data DIR [--out DIR]``
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import click

TASK = "checkthat2025-subjectivity"


def predict_file(input_path: str | Path, output: str | Path, *, language: str | None = None,
                 model_dir: str | None = None) -> dict:
    """Label every sentence of a CheckThat! input TSV; writes ``sentence_id<TAB>label`` (with header).

    The language picks the head (``en``: the English head; anything else: the multilingual head); when
    not given it is the most common language detected over the sentences.
    """
    from ..analyzers.language import detect_language
    from ..analyzers.subjectivity import SubjectivityAnalyzer
    from ..errors import DataError
    from ..evaluation.checkthat2025 import read_tsv
    from ..formats import atomic_output

    texts, _ = read_tsv(input_path, need_label=False)
    if not texts:
        raise DataError("no sentences in the input file", where=str(input_path))
    ids = list(texts)
    if language is None:
        votes = Counter(detect_language(texts[i])[0] for i in ids[:500])
        language = votes.most_common(1)[0][0]
    an = SubjectivityAnalyzer(model_dir).load()
    threshold = an.threshold_for(language)
    p = an.sentence_scores([texts[i] for i in ids], language)
    with atomic_output(output) as fh:
        fh.write("sentence_id\tlabel\n")
        for sid, ps in zip(ids, p):
            fh.write(f"{sid}\t{'SUBJ' if ps >= threshold else 'OBJ'}\n")
    return {"task": TASK, "sentences": len(ids), "language": language, "subjective": int((p >= threshold).sum())}


def format_report(res: dict) -> str:
    lines = [f"task: {res['task']}  items: {res['items']}  missing predictions: {res['missing']}",
             f"macro-F1 {res['macro_f1']:.4f}  SUBJ F1 {res['subj_f1']:.4f}  accuracy {res['accuracy']:.4f}",
             f"{'label':<8}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}"]
    for lab, v in res["per_label"].items():
        lines.append(f"{lab:<8}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['f1']:>7.3f}{v['tp'] + v['fn']:>9}")
    return "\n".join(lines)


def register(main: click.Group) -> None:
    predict = main.commands["predict"]
    evaluate = main.commands["evaluate"]
    train = main.commands["train"]

    @predict.command(TASK, help="Label sentences SUBJ/OBJ from a CheckThat! 2025 TSV (sentence_id, sentence); writes sentence_id<TAB>label.")
    @click.option("--input", "input_path", required=True, type=click.Path(dir_okay=False), help="Input TSV with a header.")
    @click.option("--output", required=True, type=click.Path(dir_okay=False), help="Prediction TSV to write.")
    @click.option("--language", default=None, help="Language code of the sentences (default: detected).")
    @click.option("--quiet", "-q", is_flag=True, help="No summary on stderr.")
    def predict_cmd(input_path, output, language, quiet):
        res = predict_file(input_path, output, language=language)
        if not quiet:
            click.echo(f"wrote {res['sentences']} labels ({res['subjective']} SUBJ, language {res['language']}) to {output}", err=True)

    @evaluate.command(TASK, help="Score a CheckThat! 2025 subjectivity prediction TSV against gold (macro-F1).")
    @click.option("--gold", required=True, type=click.Path(dir_okay=False), help="Gold TSV (sentence_id, sentence, label).")
    @click.option("--pred", required=True, type=click.Path(dir_okay=False), help="Prediction TSV (sentence_id, label).")
    @click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
    def evaluate_cmd(gold, pred, as_json):
        from ..evaluation.checkthat2025 import evaluate_files

        res = evaluate_files(gold, pred)
        click.echo(json.dumps(res, indent=1) if as_json else format_report(res))

    @train.command("domain", help="Train the in-domain model (URW / CC / neither) with grouped CV; writes weights, cv.json and MODEL_CARD.md.")
    @click.option("--data", required=True, type=click.Path(file_okay=False), help="The shared data folder (holding semeval2025-t10, semeval2023-t3, ...).")
    @click.option("--out", default=None, type=click.Path(file_okay=False), help="Output folder (default: the shipped artifact folder).")
    @click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20), help="Cross-validation folds.")
    @click.option("--seed", default=0, show_default=True, type=int, help="Random seed (folds).")
    def train_domain_cmd(data, out, folds, seed):
        from ..models.hashed_linear import artifact_dir
        from ..training.domain import train_domain, write_model_card

        out_dir = Path(out) if out else artifact_dir("domain")
        report = train_domain(Path(data), out_dir, folds=folds, seed=seed, say=lambda s: click.echo(s, err=True))
        write_model_card(out_dir, report)
        click.echo(json.dumps({k: v for k, v in report.items() if k != "per_source_language"}, indent=1))
        sys.stdout.flush()
