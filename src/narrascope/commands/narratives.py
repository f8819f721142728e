"""Narrative commands (SemEval-2025 Task 10, subtasks 2 and 3).

- ``narrascope predict semeval2025-narratives --input DIR --output FILE``: every ``*.txt`` in DIR
  -> ``id<TAB>narratives(;)<TAB>subnarratives(;)`` (ids are the file names, as in the task);
- ``narrascope predict semeval2025-explanations --input DIR --dominant FILE --output FILE``: for each
  line ``id<TAB>narrative<TAB>subnarrative`` of the dominant-narrative file -> ``id<TAB>explanation``;
- ``narrascope evaluate semeval2025-narratives --gold FILE --pred FILE``: official F1 coarse/fine
  (mean and standard deviation over documents);
- ``narrascope train narratives --data DIR [--out DIR]``: cross-validate, then train and save.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _txt_files(input_dir: str) -> list[Path]:
    from ..errors import InputError

    d = Path(input_dir)
    if not d.is_dir():
        raise InputError("--input must be a folder of .txt articles", where=input_dir)
    files = sorted(p for p in d.glob("*.txt") if p.is_file())
    if not files:
        raise InputError("no *.txt files in this folder", where=input_dir, hint="point --input at raw-documents/")
    return files


def _read(path: Path):
    from ..readers import ReadOptions
    from ..readers.txt import read

    return next(iter(read(path, ReadOptions())))


def _write_atomic(output: str, lines: list[str]) -> None:
    from ..formats import atomic_output

    with atomic_output(output) as fh:
        fh.writelines(lines)


def _write_and_report(output: str, lines: list[str], failures: list[str], what: str, skipped: str) -> None:
    """Write the TSV, say how many lines went out and what was skipped; exit 1 if nothing was written."""
    _write_atomic(output, lines)
    click.echo(f"wrote {len(lines)} {what} to {output}", err=True)
    if failures:
        click.echo(f"{len(failures)} {skipped}:\n" + "\n".join(failures), err=True)
        if not lines:
            sys.exit(1)


def estimate_other_prior(input_dir: str, model_dir: str | None = None) -> dict:
    """EM (Saerens et al. 2002) over the calibrated P(Other) of every readable article in the folder."""
    import numpy as np

    from ..errors import NarrascopeError
    from ..models.narratives import NarrativeModel
    from ..models.priors import em_binary

    model = NarrativeModel.load(model_dir)
    texts = []
    for p in _txt_files(input_dir):
        try:
            texts.append(_read(p).text)
        except NarrascopeError:
            pass
    po = model.p_other(texts) if texts else np.zeros(0)
    prior, _, it = em_binary(po, model.train_other_prior)
    return {"articles": len(texts), "train_other_prior": model.train_other_prior,
            "mean_p_other": float(po.mean()) if len(po) else 0.0, "other_prior": prior, "iterations": it}


def predict_narratives_dir(input_dir: str, model_dir: str | None = None, batch_size: int = 32,
                           other_prior: float | None = None):
    """Yield (file name, narratives, subnarratives) for every article; failures as (name, None, error)."""
    from ..analyzers.narratives import NarrativesAnalyzer
    from ..document import Analysis
    from ..errors import NarrascopeError

    analyzer = NarrativesAnalyzer(model_dir=model_dir, other_prior=other_prior).load()
    files = _txt_files(input_dir)
    for start in range(0, len(files), batch_size):
        batch = []
        for p in files[start : start + batch_size]:
            try:
                batch.append((p, Analysis(document=_read(p))))
            except NarrascopeError as e:
                yield p.name, None, str(e)
        analyzer.pipe([a for _, a in batch])
        for p, a in batch:
            narr = [lab.label for lab in a.labels.get("narratives", [])]
            subs = [lab.label for lab in a.labels.get("subnarratives", [])] or ["Other"]
            yield p.name, narr, subs


def read_dominant_file(path: str) -> list[tuple[str, str, str | None]]:
    from ..errors import DataError

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError("dominant-narrative file not found", where=path) from None
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) < 2:
            raise DataError(
                f"expected 'id<TAB>narrative<TAB>subnarrative', got {len(cols)} column(s)",
                where=f"{path}:{n}",
                hint="separate the columns with TABs",
            )
        sub = cols[2] if len(cols) > 2 and cols[2] and cols[2].lower() != "none" else None
        rows.append((cols[0], cols[1], sub))
    return rows


def register(main: click.Group) -> None:
    predict = main.commands["predict"]
    evaluate = main.commands["evaluate"]
    train = main.commands["train"]

    @predict.command("semeval2025-narratives")
    @click.option("--input", "input_dir", required=True, type=click.Path(), help="Folder of *.txt articles.")
    @click.option("--output", required=True, type=click.Path(dir_okay=False), help="TSV file to write.")
    @click.option("--model", "model_dir", default=None, type=click.Path(file_okay=False), help="Model folder (default: the shipped one).")
    @click.option("--other-prior", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
                  help="Expected share of articles without a narrative (default: as trained).")
    @click.option("--reestimate-priors", is_flag=True,
                  help="Estimate the share of articles without a narrative from these articles (EM, Saerens et al. 2002) and decode with it.")
    def predict_narratives(input_dir, output, model_dir, other_prior, reestimate_priors):
        """Narratives and sub-narratives of every article, in the official subtask-2 TSV."""
        if reestimate_priors:
            est = estimate_other_prior(input_dir, model_dir)
            other_prior = est["other_prior"]
            click.echo(f"prior of 'Other': {est['train_other_prior']:.3f} in training, {other_prior:.3f} estimated "
                       f"over {est['articles']} articles ({est['iterations']} EM iterations)", err=True)
        lines, failures = [], []
        for name, narr, subs in predict_narratives_dir(input_dir, model_dir, other_prior=other_prior):
            if narr is None:
                failures.append(f"  {name}: {subs}")
                continue
            lines.append(f"{name}\t{';'.join(narr)}\t{';'.join(subs)}\n")
        _write_and_report(output, lines, failures, "prediction(s)", "article(s) could not be read")

    @predict.command("semeval2025-explanations")
    @click.option("--input", "input_dir", required=True, type=click.Path(), help="Folder of *.txt articles.")
    @click.option("--dominant", required=True, type=click.Path(dir_okay=False), help="TSV: id, dominant narrative, dominant sub-narrative.")
    @click.option("--output", required=True, type=click.Path(dir_okay=False), help="TSV file to write: id, explanation.")
    @click.option("--model", "model_dir", default=None, type=click.Path(file_okay=False), help="Model folder (default: the shipped one).")
    def predict_explanations(input_dir, dominant, output, model_dir):
        """Extractive explanation (<= 80 words) of a given dominant narrative, in the subtask-3 TSV."""
        from ..analyzers.narratives import NarrativesAnalyzer
        from ..errors import InputError, NarrascopeError

        d = Path(input_dir)
        if not d.is_dir():
            raise InputError("--input must be a folder of .txt articles", where=input_dir)
        analyzer = NarrativesAnalyzer(model_dir=model_dir).load()
        lines, failures = [], []
        for doc_id, narrative, sub in read_dominant_file(dominant):
            name = doc_id if doc_id.endswith(".txt") else f"{doc_id}.txt"
            path = d / name
            if not path.is_file():
                failures.append(f"  {doc_id}: no article {name} in {input_dir}")
                continue
            try:
                exp = analyzer.explain(_read(path), narrative, sub)
            except NarrascopeError as e:
                failures.append(f"  {doc_id}: {e}")
                continue
            text = " ".join(exp["text"].split())
            lines.append(f"{doc_id}\t{text}\n")
        _write_and_report(output, lines, failures, "explanation(s)", "line(s) skipped")

    @evaluate.command("semeval2025-narratives")
    @click.option("--gold", required=True, type=click.Path(dir_okay=False), help="Gold TSV (subtask-2 format).")
    @click.option("--pred", required=True, type=click.Path(dir_okay=False), help="Predicted TSV (subtask-2 format).")
    @click.option("--narratives-list", type=click.Path(dir_okay=False), help="Official labels/narratives.txt (default: the shipped taxonomy's narratives).")
    @click.option("--subnarratives-list", type=click.Path(dir_okay=False), help="Official labels/subnarratives.txt (default: the shipped taxonomy's sub-narratives).")
    @click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
    def evaluate_narratives(gold, pred, narratives_list, subnarratives_list, as_json):
        """Official subtask-2 metrics: per-document F1 (mean, std), fine and coarse."""
        from ..evaluation.semeval2025 import evaluate_files

        coarse, fine = default_label_lists()
        result = evaluate_files(gold, pred, narratives_list or coarse, subnarratives_list or fine)
        if as_json:
            click.echo(json.dumps(result.to_dict(), indent=1))
        else:
            click.echo(result.format())

    @train.command("narratives")
    @click.option("--data", default=None, type=click.Path(file_okay=False), help="SemEval-2025 Task 10 folder (with train/ and labels/); optional with --corrections.")
    @click.option("--corrections", default=None, help="Store with review corrections: fold its reviewed articles into training (docs/review.md).")
    @click.option("--review-weight", default=2.0, show_default=True, type=float, help="Weight of a reviewed article (a shared-task article weighs 1).")
    @click.option("--taxonomy", default=None, help="Your narratives taxonomy (YAML path or shipped id): its labels are the label space (with --corrections).")
    @click.option("--out", default="narratives-model", show_default=True, type=click.Path(file_okay=False), help="Where to write the model.")
    @click.option("--seed", default=0, show_default=True, type=int, help="Seed of the fold split.")
    @click.option("--folds", default=5, show_default=True, type=int, help="Cross-validation folds.")
    @click.option("--lam", default=None, type=float, help="Ridge penalty (default: the shipped model's).")
    @click.option("--languages", default="EN,BG,HI,PT,RU", show_default=True, help="Training languages.")
    @click.option("--encoder/--no-encoder", default=False, show_default=True,
                  help="Also read the shared multilingual encoder's document vector (features.encoder).")
    def train_narratives(data, corrections, review_weight, taxonomy, out, seed, folds, lam, languages, encoder):
        """Cross-validate and train the narrative model; writes weights, model.json and MODEL_CARD.md.

        With --corrections DB, the reviewed articles of that store are folded in (weight
        --review-weight); with --taxonomy and no --data, a model of your own labels is trained
        from the reviewed articles alone.
        """
        from ..errors import ConfigError
        from ..training.narratives import DEFAULTS, train, write_model_card

        langs = [x.strip().upper() for x in languages.split(",") if x.strip()]
        if folds < 2:
            raise ConfigError(f"--folds must be at least 2, got {folds}")
        if corrections:
            from ..review.training import train_narratives_with_review

            model, cv, summary = train_narratives_with_review(
                data, corrections, out, taxonomy=taxonomy, review_weight=review_weight, languages=langs, n_splits=folds,
                seed=seed, lam=lam, progress=lambda m: click.echo(m, err=True),
            )
            write_model_card(out, model, cv)
            click.echo(cv.table())
            click.echo(f"model written to {out}", err=True)
            return
        if data is None or taxonomy:
            raise ConfigError("train narratives needs --data (and --taxonomy goes with --corrections)", where="--data/--taxonomy",
                              hint="pass --data DIR, or --corrections DB [--taxonomy FILE]")
        model, cv = train(
            data,
            out,
            seed=seed,
            n_splits=folds,
            lam=DEFAULTS["lam"] if lam is None else lam,
            languages=langs,
            progress=lambda m: click.echo(m, err=True),
            dense_feature="encoder" if encoder else None,
        )
        write_model_card(out, model, cv)
        click.echo(cv.table())
        click.echo(f"model written to {out}", err=True)


def default_label_lists() -> tuple[list[str], list[str]]:
    """The official lists, from the shipped taxonomy (its ids are the official strings)."""
    from ..taxonomies import load_taxonomy

    t = load_taxonomy("semeval2025-narratives")
    coarse = [lab.id for lab in t.labels if lab.parent is None]
    fine = ["Other"] + [lab.id for lab in t.labels if lab.parent is not None]
    return coarse, fine
