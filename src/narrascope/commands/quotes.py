"""Quotes and claims commands.

- ``narrascope quotes SOURCE...``: a readable "who said what" table per article
  (``--claims`` adds the check-worthy claims with their dates; ``--json`` prints the raw data);
- ``narrascope evaluate quotes [--gold FILE] [--split NAME]``: precision/recall of quote content
  spans and speaker accuracy on a hand-annotated gold file;
- ``narrascope train claims --data DIR [--out DIR]``: train the check-worthy claim model.
"""

from __future__ import annotations

import json
import shutil
import textwrap
import sys
from pathlib import Path

import click

from .options import make_read_options, read_options_params

DEFAULT_GOLD = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "quotes" / "gold.jsonl"
DEFAULT_NEWS = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "claims" / "news_sentences.jsonl"


def _cut(s: str, n: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: max(1, n - 1)].rstrip() + "…"


def speaker_label(q: dict) -> str:
    """'Peskov', 'He -> Dmitry Peskov', '(cont.) Dmitry Peskov', 'officials (unresolved)'."""
    sp = q.get("speaker")
    ent = q.get("speaker_entity")
    if sp is None:
        return f"(cont.) {ent}" if ent else "(unknown)"
    text = " ".join(sp["text"].split())
    if not ent:
        return f"{text} (unresolved)"
    if q.get("resolved_by") in ("pronoun", "role-noun"):
        return f"{text} -> {ent}"
    return ent


def format_quotes_table(analysis, *, width: int = 100, claims: bool = False) -> str:
    """The "who said what" table for one analysed document."""
    doc = analysis.document
    head = doc.title or doc.meta.get("where") or doc.id
    lines = [f"== {_cut(str(head), width - 6)} =="]
    quotes = analysis.data.get("quotes", [])
    if not quotes:
        lines.append("  (no quotes found)")
    else:
        sw = min(32, max(12, max(len(speaker_label(q)) for q in quotes)))
        cw = min(14, max(3, max(len((q.get("cue") or {}).get("text", "-")) for q in quotes)))
        qw = max(20, width - sw - cw - 12)
        lines.append(f"  {'#':<4} {'K':<1} {'SPEAKER':<{sw}} {'CUE':<{cw}} QUOTE")
        for q in quotes:
            kind = "D" if q["kind"] == "direct" else "I"
            cue = (q.get("cue") or {}).get("text", "-")
            content = q["content"]["text"]
            if q["kind"] == "direct":
                content = f"“{content}”"
            # the whole quote, wrapped under its column (never cut)
            wrapped = textwrap.wrap(" ".join(content.split()), qw) or [""]
            lines.append(f"  {q['id']:<4} {kind:<1} {_cut(speaker_label(q), sw):<{sw}} {_cut(cue, cw):<{cw}} {wrapped[0]}")
            pad = " " * (2 + 4 + 1 + 1 + 1 + sw + 1 + cw + 1)
            lines.extend(pad + w for w in wrapped[1:])
    if claims:
        items = analysis.data.get("claims", [])
        lines.append(f"  -- check-worthy claims: {len(items)} (highest score first)")
        for c in sorted(items, key=lambda c: -c["score"]):
            extra = []
            extra += [f"{d['text']}={d['iso'] or '?'}" for d in c["dates"]]
            extra += [x["text"] for x in c["money"] + c["percentages"]]
            tail = f"  [{'; '.join(extra)}]" if extra else ""
            body = textwrap.wrap(" ".join(c["sentence"]["text"].split()), max(20, width - 12)) or [""]
            if tail and len(body[-1]) + len(tail) <= max(20, width - 12):
                body[-1] += tail
            elif tail:
                body.append(tail.strip())  # dates and figures stay whole, on a line of their own
            lines.append(f"  {c['id']:<4} {c['score']:.2f} {body[0]}")
            lines.extend(" " * 12 + w for w in body[1:])
    return "\n".join(lines)


def register(main: click.Group) -> None:
    @main.command("quotes")
    @click.argument("sources", nargs=-1, required=True)
    @click.option("--claims", "with_claims", is_flag=True, help="Also list the check-worthy claims with their dates.")
    @click.option("--json", "as_json", is_flag=True, help="Print the quotes (and claims) as JSON lines instead of a table.")
    @click.option("--width", type=int, default=None, help="Table width in characters (default: terminal width).")
    @read_options_params
    def quotes_cmd(sources, with_claims, as_json, width, **kw):
        """Who said what: speaker, cue and quote for every quote in SOURCES."""
        from ..pipeline import Failure, Pipeline
        from ..readers import iter_documents

        read_options = make_read_options(kw)
        names = ["quotes"] + (["claims"] if with_claims else [])
        pipeline = Pipeline.from_config({"analyzers": names})
        failures: list[Failure] = []
        width = width or min(160, shutil.get_terminal_size((100, 20)).columns)
        n = 0
        for a in pipeline.pipe(iter_documents(list(sources), read_options, on_failure=failures.append), on_failure=failures.append):
            n += 1
            if as_json:
                rec = {"id": a.document.id, "title": a.document.title, "quotes": a.data.get("quotes", [])}
                if with_claims:
                    rec["claims"] = a.data.get("claims", [])
                click.echo(json.dumps(rec, ensure_ascii=False))
            else:
                click.echo(format_quotes_table(a, width=width, claims=with_claims))
        for f in failures:
            click.echo(f"narrascope: skipped {f.where}: {f.message}", err=True)
        if n == 0 and failures:
            sys.exit(1)

    @main.commands["evaluate"].command("quotes")
    @click.option("--gold", type=click.Path(dir_okay=False), default=None, help="Gold JSONL (default: the shipped hand-annotated set).")
    @click.option("--split", default=None, help="Only records with this 'split' value (dev, test, blind).")
    @click.option("--errors", "show_errors", is_flag=True, help="List missed, spurious and wrongly attributed quotes.")
    def evaluate_quotes_cmd(gold, split, show_errors):
        """Precision/recall of quote content spans (exact and overlap) and speaker accuracy."""
        from ..errors import DataError
        from ..evaluation.quotes import evaluate_quotes, load_gold

        path = Path(gold) if gold else DEFAULT_GOLD
        if not path.is_file():
            raise DataError("gold file not found", where=str(path), hint="pass --gold FILE")
        res = evaluate_quotes(load_gold(path), split=split)
        errors = res.pop("errors")
        click.echo(json.dumps(res, indent=2))
        if show_errors:
            for e in errors:
                click.echo(json.dumps(e, ensure_ascii=False))

    @main.commands["train"].command("claims")
    @click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False), help="../shared/data/checkworthiness (or its parent).")
    @click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False), help="Output folder (default: the shipped model folder).")
    @click.option("--news", default=None, type=click.Path(dir_okay=False), help="Hand-labelled news sentences (JSONL) for the transfer check.")
    @click.option("--seed", default=13, show_default=True, type=int)
    @click.option("--c", "c_grid", multiple=True, type=float, help="Regularisation values to try (repeatable; default 0.5..16).")
    @click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20), help="Cross-validation folds.")
    def train_claims_cmd(data_dir, out_dir, news, seed, c_grid, folds):
        """Train the check-worthy claim model (5-fold grouped CV, then fit on all) with its model card."""
        from ..models.base import artifact_dir
        from ..training.claims import train_claims

        out = Path(out_dir) if out_dir else artifact_dir("claims")
        if news is None and DEFAULT_NEWS.is_file():
            news = DEFAULT_NEWS
        from ..training.claims import C_GRID

        train_claims(data_dir, out, news=news, seed=seed, c_grid=tuple(c_grid) or C_GRID, folds=folds,
                     log=lambda m: click.echo(m, err=True))


__all__ = ["register", "format_quotes_table", "speaker_label"]
