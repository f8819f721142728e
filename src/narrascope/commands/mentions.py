"""``narrascope train mentions``: the entity mention tagger (models/mention_tagger.py)."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    main.commands["train"].add_command(train_mentions_cmd)


@click.command("mentions")
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False), help="The shared data folder (holds semeval2025-t10/).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False), help="Output folder (default: the shipped artifact folder).")
@click.option("--folds", default=3, show_default=True, help="Cross-validation folds (grouped by article and near-duplicates).")
@click.option("--seed", default=13, show_default=True, help="Seed for folds and initialisation.")
@click.option("--no-cv", is_flag=True, help="Skip cross-validation (the O offsets stay at 0).")
def train_mentions_cmd(data_dir, out_dir, folds, seed, no_cv):
    """Train the mention tagger (spaCy English silver + SemEval-2025 subtask-1 mentions), cross-validate, write weights + card."""
    from ..models.base import artifact_dir
    from ..training.mention_tagger import train_mentions

    meta = train_mentions(data_dir, out_dir or artifact_dir("mentions"), n_folds=folds, seed=seed, cv=not no_cv,
                          log=lambda m: click.echo(m, err=True))
    for lang, r in meta.get("cv", {}).items():
        click.echo(f"{lang:<3} recall {r.get('recall')}  +lexicon {r.get('recall_with_lexicon')}  "
                   f"per article {r.get('per_article')}" + (f"  F1 vs spaCy {r['f1_untyped']}" if "f1_untyped" in r else ""))
