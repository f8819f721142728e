"""CLI for entity framing: predict / evaluate the SemEval-2025 subtask-1 files, train the role model."""

from __future__ import annotations

import sys

import click


def register(main: click.Group) -> None:
    main.commands["predict"].add_command(predict_roles)
    main.commands["evaluate"].add_command(evaluate_roles)
    main.commands["train"].add_command(train_roles_cmd)
    main.commands["train"].add_command(train_roles_encoder_cmd)
    main.commands["train"].add_command(train_roles_stance_cmd)


@click.command("semeval2025-roles")
@click.option("--input", "input_dir", required=True, type=click.Path(file_okay=False), help="Folder with the articles named in the mention file.")
@click.option("--mentions", "mentions_file", required=True, type=click.Path(dir_okay=False), help="Mention file: id, mention, start, end (end inclusive), tab-separated.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="Prediction TSV to write (one line per given mention).")
@click.option("--model", "model_dir", default=None, type=click.Path(file_okay=False), help="Role model folder (default: the shipped one).")
@click.option("--no-spacy", is_flag=True, help="Skip the English dependency parse (faster, slightly less accurate).")
@click.option("--encoder/--no-encoder", "use_encoder", default=None,
              help="Mix in the fine-tuned MiniLM role head (default: when its base weights are installed).")
@click.option("--main-prior", default="train", show_default=True,
              help="Main-role prior of the stance head's decision: 'train' (each language's training share, "
                   "as in the shared task's splits) or 'A,P,I' shares (Antagonist, Protagonist, Innocent), "
                   "e.g. 0.5,0.25,0.25 for feeds (the analyzer's default).")
def predict_roles(input_dir, mentions_file, output, model_dir, no_spacy, use_encoder, main_prior):
    """Predict main and fine roles for the given entity mentions (SemEval-2025 Task 10 subtask 1)."""
    from ..formats.semeval2025_roles import predict_mention_file

    stats = predict_mention_file(input_dir, mentions_file, output, model_dir=model_dir, use_spacy=not no_spacy,
                                 use_encoder=use_encoder, main_prior=main_prior)
    click.echo(
        f"wrote {stats['written']} predictions to {output} "
        f"({'role classifier + encoder' if stats['encoder'] else 'role classifier'}) "
        f"(offsets: {', '.join(f'{k} {v}' for k, v in sorted(stats['offsets'].items()))})",
        err=True,
    )


@click.command("semeval2025-roles")
@click.option("--gold", required=True, type=click.Path(dir_okay=False), help="Gold TSV: id, mention, start, end, main_role, fine_role...")
@click.option("--pred", required=True, type=click.Path(dir_okay=False), help="Prediction TSV in the same format.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
def evaluate_roles(gold, pred, as_json):
    """Official metrics: exact match of the fine-role set per mention (headline), main-role accuracy."""
    import json

    from ..evaluation.semeval2025_roles import score_roles
    from ..formats.semeval2025_roles import read_rows

    res = score_roles(read_rows(gold, with_roles=True), read_rows(pred, with_roles=True), by_language=True)
    if as_json:
        click.echo(json.dumps(res, indent=1, sort_keys=True))
        return
    click.echo(f"mentions            {res['n']}")
    click.echo(f"exact_match         {res['exact_match']:.4f}")
    click.echo(f"main_role_accuracy  {res['main_role_accuracy']:.4f}")
    if res["missing"] or res["extra"]:
        click.echo(f"missing predictions {res['missing']}; predictions not in gold {res['extra']}")
    if len(res.get("by_language", {})) > 1:
        for lang, r in res["by_language"].items():
            click.echo(f"  {lang:<4} n={r['n']:<5} exact_match {r['exact_match']:.4f}  main_role_accuracy {r['main_role_accuracy']:.4f}")


def _training_options(out_help: str, folds_help: str, seed_help: str):
    """The options every role-training command takes: --data, --out, --folds, --seed (help per command)."""
    def wrap(fn):
        for opt in reversed((
            click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False),
                         help="The shared data folder (holds semeval2025-t10/)."),
            click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False), help=out_help),
            click.option("--folds", default=5, show_default=True, help=folds_help),
            click.option("--seed", default=13, show_default=True, help=seed_help),
        )):
            fn = opt(fn)
        return fn
    return wrap


@click.command("roles")
@_training_options(out_help="Output folder (default: the shipped artifact folder).",
                   folds_help="Cross-validation folds (grouped by article and near-duplicates).",
                   seed_help="Seed for folds and solvers.")
@click.option("--syntax/--no-syntax", default=False, show_default=True,
              help="Add spaCy's English dependency features (they did not change nested CV; off, no parse at run time).")
@click.option("--recognizer", type=click.Choice(["tagger", "spacy"]), default="tagger", show_default=True,
              help="Whose English entities train the 'framed at all?' model (the analyzer's default recogniser: tagger).")
def train_roles_cmd(data_dir, out_dir, folds, seed, syntax, recognizer):
    """Train the entity-role classifier (all five languages), cross-validate, write weights + card."""
    from ..analyzers.entities import ARTIFACT_DIR
    from ..training.roles import train_roles

    report = train_roles(data_dir, out_dir or ARTIFACT_DIR, n_folds=folds, seed=seed, syntax=syntax,
                         recognizer=recognizer, log=lambda m: click.echo(m, err=True))
    _echo_en_cv("EN CV", report["cv"].get("EN"))
    sys.stdout.flush()


@click.command("roles-encoder")
@_training_options(out_help="Output folder (default: the shipped role model folder).",
                   folds_help="Cross-validation folds (the folds of `train roles`).",
                   seed_help="Seed for folds, initialisation and batches.")
def train_roles_encoder_cmd(data_dir, out_dir, folds, seed):
    """Fine-tune the optional MiniLM role head (needs torch + transformers; see docs/entities.md)."""
    from ..analyzers.entities import ARTIFACT_DIR
    from ..training.roles_encoder import train_roles_encoder

    meta = train_roles_encoder(data_dir, out_dir or ARTIFACT_DIR, n_folds=folds, seed=seed,
                               log=lambda m: click.echo(m, err=True))
    _echo_en_cv("EN CV (role classifier + encoder)", meta["cv"]["mixed"].get("EN"))


@click.command("roles-stance")
@_training_options(out_help="Role model folder (default: the shipped one); stance.json is written there.",
                   folds_help="Cross-validation folds (the folds of `train roles`).",
                   seed_help="Seed for the folds (the seed of `train roles`).")
def train_roles_stance_cmd(data_dir, out_dir, folds, seed):
    """Fit the stance head (main role from the article's side toward the entity) on the role model's CV scores."""
    from ..analyzers.entities import ARTIFACT_DIR
    from ..training.roles_stance import train_role_stance

    report = train_role_stance(data_dir, out_dir or ARTIFACT_DIR, n_folds=folds, seed=seed,
                               log=lambda m: click.echo(m, err=True))
    _echo_en_cv("EN CV (stance head, target prior)", report["cv"]["stance_target_prior"].get("EN"))


def _echo_en_cv(what: str, r: dict | None) -> None:
    if r:
        click.echo(f"{what} exact match {r['exact_match_mean']:.3f} ± {r['exact_match_std']:.3f}, "
                   f"main-role accuracy {r['main_role_accuracy_mean']:.3f} ± {r['main_role_accuracy_std']:.3f}")
