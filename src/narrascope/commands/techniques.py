"""SemEval-2023 Task 3 commands: ``predict``/``evaluate`` in the official formats, and ``train``.

- ``narrascope predict semeval2023-techniques|semeval2023-frames|semeval2023-genre --input DIR --output FILE``
- ``narrascope evaluate semeval2023-techniques|semeval2023-frames|semeval2023-genre --gold FILE --pred FILE``
- ``narrascope train techniques|frames|genre|subjectivity --data DIR [--out DIR]``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

TASKS = ("semeval2023-techniques", "semeval2023-frames", "semeval2023-genre")


def read_task_articles(folder: Path):
    """``(id, Document)`` for every ``article<ID>.txt`` in ``folder`` (sorted by id), plus failures."""
    from ..document import Document
    from ..errors import DataError, NarrascopeError
    from ..training.semeval2023_data import article_id, read_text

    folder = Path(folder)
    if not folder.is_dir():
        raise DataError("input folder not found", where=str(folder), hint="give a folder holding article<ID>.txt files")
    paths = sorted((p for p in folder.glob("article*.txt") if article_id(p)),
                   key=lambda p: (len(article_id(p)), article_id(p)))
    if not paths:
        raise DataError("no article<ID>.txt files in the input folder", where=str(folder),
                        hint="the shared-task layout names each article article<digits>.txt")
    docs, failures = [], []
    for p in paths:
        aid = article_id(p)
        try:
            docs.append((aid, Document.create(read_text(p), id=aid, title_in_text=True, where=str(p))))
        except NarrascopeError as e:
            failures.append((str(p), str(e)))
    return docs, failures


def predict_task(task: str, input_dir: Path, output: Path, *, batch_size: int = 16, progress: bool = False) -> dict:
    """Write the official prediction file for ``task``; returns counts (articles, rows, failures)."""
    from ..analyzers.base import iter_batches
    from ..document import Analysis
    from ..errors import ConfigError

    if task not in TASKS:
        raise ConfigError(f"unknown task {task!r}", hint=f"choose from {', '.join(TASKS)}")
    docs, failures = read_task_articles(input_dir)
    if task == "semeval2023-techniques":
        from ..analyzers.techniques import TechniquesAnalyzer, paragraph_line_numbers

        analyzer = TechniquesAnalyzer().load()
    elif task == "semeval2023-frames":
        from ..analyzers.frames import FramesAnalyzer

        analyzer = FramesAnalyzer().load()
    else:
        from ..analyzers.genre import GenreAnalyzer

        analyzer = GenreAnalyzer().load()
    from ..formats import atomic_output

    n_rows = 0
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(docs), unit="article", file=sys.stderr)
    # rows go out batch by batch into <output>.partial, renamed into place only when every article
    # is done: a failed or interrupted run leaves no half-written prediction file
    with atomic_output(output) as fh:
        for batch in iter_batches(docs, batch_size):
            analyses = [Analysis(document=d) for _, d in batch]
            analyzer.pipe(analyses)
            rows: list[str] = []
            for (aid, doc), a in zip(batch, analyses):
                if task == "semeval2023-techniques":
                    by_para = {p["index"]: [x["label"] for x in p["labels"]] for p in a.data["techniques"]["paragraphs"]}
                    for pi, line in enumerate(paragraph_line_numbers(doc)):
                        rows.append(f"{aid}\t{line}\t{','.join(by_para.get(pi, []))}")
                elif task == "semeval2023-frames":
                    rows.append(f"{aid}\t{','.join(lab.label for lab in a.labels.get('frames', []))}")
                else:
                    rows.append(f"{aid}\t{a.data['genre']['label']}")
            fh.writelines(r + "\n" for r in rows)
            n_rows += len(rows)
            if bar is not None:
                bar.update(len(batch))
    if bar is not None:
        bar.close()
    return {"task": task, "articles": len(docs), "rows": n_rows, "failures": failures}


def format_report(res: dict) -> str:
    lines = [f"task: {res['task']}  items: {res['items']}  missing predictions: {res['missing']}"]
    if res["task"] == "semeval2023-genre":
        lines.append(f"macro-F1 {res['macro_f1']:.4f}  accuracy {res['accuracy']:.4f}")
    else:
        lines.append(f"micro-F1 {res['micro_f1']:.4f}  precision {res['micro_precision']:.4f}  "
                     f"recall {res['micro_recall']:.4f}  macro-F1 {res['macro_f1']:.4f}")
    if res.get("dropped_gold_labels"):
        lines.append(f"(gold labels outside the official list ignored: {res['dropped_gold_labels']})")
    lines.append(f"{'label':<46}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}")
    for lab, v in res["per_label"].items():
        lines.append(f"{lab:<46}{v['precision']:>7.3f}{v['recall']:>7.3f}{v['f1']:>7.3f}{v['tp'] + v['fn']:>9}")
    return "\n".join(lines)


def register(main: click.Group) -> None:
    predict = main.commands["predict"]
    evaluate = main.commands["evaluate"]
    train = main.commands["train"]

    for task in TASKS:
        _add_predict(predict, task)
        _add_evaluate(evaluate, task)
    for name in ("techniques", "frames", "genre", "subjectivity"):
        _add_train(train, name)


def _add_predict(group: click.Group, task: str) -> None:
    what = {"semeval2023-techniques": "id<TAB>line<TAB>tech1,tech2 for every non-empty line (lines count from 1)",
            "semeval2023-frames": "id<TAB>frame1,frame2", "semeval2023-genre": "id<TAB>genre"}[task]

    @group.command(task, help=f"Predict {task.split('-')[1]} for a folder of article<ID>.txt files; writes {what}.")
    @click.option("--input", "input_dir", required=True, type=click.Path(file_okay=False), help="Folder of article<ID>.txt files.")
    @click.option("--output", "output", required=True, type=click.Path(dir_okay=False), help="Prediction file to write.")
    @click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
    def cmd(input_dir, output, quiet):
        res = predict_task(task, Path(input_dir), Path(output), progress=not quiet)
        if not quiet:
            click.echo(f"wrote {res['rows']} rows for {res['articles']} articles to {output}", err=True)
        for where, msg in res["failures"]:
            click.echo(f"skipped {where}: {msg}", err=True)
        if res["articles"] == 0:
            sys.exit(1)


def _add_evaluate(group: click.Group, task: str) -> None:
    @group.command(task, help=f"Score a {task} prediction file against gold with the official metric.")
    @click.option("--gold", required=True, type=click.Path(dir_okay=False), help="Gold file (official format).")
    @click.option("--pred", required=True, type=click.Path(dir_okay=False), help="Prediction file (official format).")
    @click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
    def cmd(gold, pred, as_json):
        from ..evaluation.semeval2023 import evaluate_files

        res = evaluate_files(task, Path(gold), Path(pred))
        click.echo(json.dumps(res, indent=1) if as_json else format_report(res))


def _add_train(group: click.Group, name: str) -> None:
    default_data = "../shared/data/checkthat2025-subjectivity" if name == "subjectivity" else "../shared/data/semeval2023-t3"

    @group.command(name, help=f"Train the {name} model with grouped cross-validation; writes weights, cv.json and MODEL_CARD.md.")
    @click.option("--data", required=True, type=click.Path(file_okay=False), help=f"Training data folder, e.g. {default_data}.")
    @click.option("--out", default=None, type=click.Path(file_okay=False), help="Output folder (default: the shipped artifact folder).")
    @click.option("--folds", default=None, type=click.IntRange(2, 20),
                  help="Cross-validation folds (default 5; 2 for the technique span model).")
    @click.option("--seed", default=0, show_default=True, type=int, help="Random seed (folds).")
    @click.option("--model", "which", default="both", show_default=True, type=click.Choice(["both", "paragraphs", "spans"]),
                  hidden=name != "techniques",
                  help="techniques only: the paragraph model, the span model (its own folder, technique-spans), or both.")
    @click.option("--encoder-dims", "enc_k", default=0, show_default=True, type=click.IntRange(0, 64), hidden=name != "techniques",
                  help="techniques span model only: add the shared encoder's features (sentence vectors; word vectors "
                       "projected to this many dimensions, with a two-word window); 0 = without.")
    def cmd(data, out, folds, seed, which, enc_k):
        from ..models.hashed_linear import artifact_dir
        from ..training import semeval2023_train as T
        from ..training.model_cards import write_model_card

        say = lambda s: click.echo(s, err=True)  # noqa: E731
        if name != "techniques" or which in ("both", "paragraphs"):
            out_dir = Path(out) if out else artifact_dir(name)
            fn = getattr(T, f"train_{name}")
            report = fn(Path(data), out_dir, folds=folds or 5, seed=seed, say=say)
            write_model_card(name, out_dir, report)
            click.echo(json.dumps({k: v for k, v in report.items() if not k.endswith("per_label")}, indent=1))
        if name == "techniques" and which in ("both", "spans"):
            from ..training.technique_spans import train_technique_spans, write_span_model_card

            out_dir = Path(out) / "technique-spans" if (out and which == "both") else Path(out) if out else artifact_dir("technique-spans")
            report = train_technique_spans(Path(data), out_dir, folds=folds or 2, seed=seed, enc_k=enc_k, say=say)
            write_span_model_card(out_dir, report)
            click.echo(json.dumps(report.get("cv", {}), indent=1))
