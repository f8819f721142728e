"""CheckThat! 2024 Task 3 commands (persuasion techniques as spans).

- ``narrascope predict checkthat2024-techniques --input DIR --output FILE [--threshold X] [--language L]``
- ``narrascope evaluate checkthat2024-techniques --gold FILE --pred FILE [--json]``

Files: ``id<TAB>technique<TAB>start<TAB>end`` with INCLUSIVE ``end`` (see
:mod:`narrascope.formats.checkthat2024`). Scores: the SemEval-2020 Task 11 fractional-overlap
P/R/F1 (technique must match) and any-overlap P/R/F1 (:mod:`narrascope.evaluation.spans`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

TASK = "checkthat2024-techniques"


def predict_spans(input_dir: Path, output: Path, *, threshold: float | None = None, language: str | None = None,
                  batch_size: int = 16, progress: bool = False, model_dir: str | None = None) -> dict:
    """Write CheckThat! 2024 span rows for a folder of ``article<ID>.txt``; returns counts."""
    from ..analyzers.base import iter_batches
    from ..analyzers.techniques import TechniquesAnalyzer
    from ..document import Analysis
    from ..errors import ModelError
    from ..formats import atomic_output
    from ..formats.checkthat2024 import write_spans
    from .techniques import read_task_articles

    analyzer = TechniquesAnalyzer(span_model_dir=model_dir, threshold=threshold).load()
    if analyzer._span is None:
        raise ModelError("the technique span model is not installed",
                         hint="train it with `narrascope train techniques --data DIR --model spans`")
    docs, failures = read_task_articles(input_dir)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(docs), unit="article", file=sys.stderr)
    n_rows = 0
    with atomic_output(output) as fh:
        for batch in iter_batches(docs, batch_size):
            analyses = []
            for _, d in batch:
                a = Analysis(document=d)
                if language:
                    a.data["language"] = {"language": language, "score": 1.0, "method": "given"}
                analyses.append(a)
            analyzer.pipe(analyses)
            rows = [(aid, s.label, s.start, s.end) for (aid, _), a in zip(batch, analyses)
                    for s in sorted(a.spans_by("techniques"), key=lambda x: (x.start, x.end, x.label))]
            n_rows += write_spans(fh, rows)
            if bar is not None:
                bar.update(len(batch))
    if bar is not None:
        bar.close()
    return {"task": TASK, "articles": len(docs), "rows": n_rows, "failures": failures}


def evaluate_span_files(gold_path: Path, pred_path: Path) -> dict:
    from ..evaluation.semeval2023 import technique_labels
    from ..evaluation.spans import score_spans
    from ..formats.checkthat2024 import read_spans

    allowed = set(technique_labels())
    dropped: list = []
    gold = read_spans(gold_path, allowed=allowed, strict=False, dropped=dropped)
    pred = read_spans(pred_path, allowed=allowed)
    res = score_spans(gold, pred)
    res["task"] = TASK
    res["dropped_gold_labels"] = len(dropped)
    return res


def format_span_report(res: dict) -> str:
    lines = [f"task: {res['task']}  articles: {res['articles']}  missing predictions: {res['missing']}  "
             f"spans: {res['pred_spans']} predicted / {res['gold_spans']} gold",
             f"fractional-overlap F1 {res['f1']:.4f}  precision {res['precision']:.4f}  recall {res['recall']:.4f}",
             f"any-overlap F1 {res['any_f1']:.4f}  precision {res['any_precision']:.4f}  recall {res['any_recall']:.4f}"]
    if res.get("dropped_gold_labels"):
        lines.append(f"(gold spans with labels outside the official list ignored: {res['dropped_gold_labels']})")
    lines.append(f"{'technique':<40}{'P':>7}{'R':>7}{'F1':>7}{'anyF1':>7}{'gold':>6}{'pred':>6}")
    for t, v in res["per_label"].items():
        lines.append(f"{t:<40}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['f1']:>7.3f}{v['any_f1']:>7.3f}"
                     f"{v['gold_spans']:>6}{v['pred_spans']:>6}")
    return "\n".join(lines)


def register(main: click.Group) -> None:
    predict = main.commands["predict"]
    evaluate = main.commands["evaluate"]

    @predict.command(TASK, help="Predict technique spans for a folder of article<ID>.txt files; writes "
                                "id<TAB>technique<TAB>start<TAB>end (end inclusive, CheckThat! 2024 Task 3).")
    @click.option("--input", "input_dir", required=True, type=click.Path(file_okay=False), help="Folder of article<ID>.txt files.")
    @click.option("--output", "output", required=True, type=click.Path(dir_okay=False), help="Span file to write.")
    @click.option("--threshold", default=None, type=click.FloatRange(0, 1),
                  help="Calibrated score a span needs (default: the model's threshold for the language).")
    @click.option("--language", default=None, help="Language of the articles (ISO code, e.g. en); picks the threshold.")
    @click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
    def predict_cmd(input_dir, output, threshold, language, quiet):
        res = predict_spans(Path(input_dir), Path(output), threshold=threshold, language=language, progress=not quiet)
        if not quiet:
            click.echo(f"wrote {res['rows']} spans for {res['articles']} articles to {output}", err=True)
        for where, msg in res["failures"]:
            click.echo(f"skipped {where}: {msg}", err=True)
        if res["articles"] == 0:
            sys.exit(1)

    @evaluate.command(TASK, help="Score a CheckThat! 2024 Task 3 span file against gold: fractional-overlap "
                                 "(SemEval-2020 Task 11) and any-overlap P/R/F1, technique must match.")
    @click.option("--gold", required=True, type=click.Path(dir_okay=False), help="Gold span file (end inclusive).")
    @click.option("--pred", required=True, type=click.Path(dir_okay=False), help="Predicted span file (end inclusive).")
    @click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
    def evaluate_cmd(gold, pred, as_json):
        res = evaluate_span_files(Path(gold), Path(pred))
        click.echo(json.dumps(res, indent=1) if as_json else format_span_report(res))
