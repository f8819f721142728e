"""Command line: thin adapters that parse options, call one library function and print.

User errors (``NarrascopeError``) print one line on stderr and exit 1 -- no traceback.
Feature modules add their commands through ``COMMAND_MODULES`` (each has ``register(main)``);
heavy imports happen inside the commands so ``narrascope --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import click

from . import __version__
from .commands.options import _metadata, make_read_options, read_options_params  # noqa: F401 - shared by the command modules
from .errors import NarrascopeError

COMMAND_MODULES: list[str] = [
    "narrascope.commands.serve",
    "narrascope.commands.store",
    "narrascope.commands.quotes",
    "narrascope.commands.techniques",
    "narrascope.commands.subjectivity",
    "narrascope.commands.technique_spans",
    "narrascope.commands.entities",
    "narrascope.commands.mentions",
    "narrascope.commands.narratives",
    "narrascope.commands.spark",
    "narrascope.commands.monitor",
    "narrascope.commands.review",
    "narrascope.commands.report",
]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="narrascope")
def main() -> None:
    """Narrascope: what news articles do -- narratives, framing, techniques -- with evidence."""


@main.group()
def predict() -> None:
    """Write shared-task prediction files (official formats) for a folder of articles."""


@main.group()
def evaluate() -> None:
    """Score a prediction file against gold with the official shared-task metrics."""


@main.group()
def train() -> None:
    """Train a model from the shared-task data and write it (with its model card)."""


@main.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "csv"]), default="json", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write here instead of stdout (shows a progress bar).")
@click.option("--analyzers", "-a", default=None, help="Comma-separated analyzers to run (default: all; see `narrascope analyzers`).")
@click.option("--pipeline", "pipeline_file", type=click.Path(dir_okay=False), help="JSON pipeline config file.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no failure summary on stderr.")
@click.option("--strict", is_flag=True, help="Exit non-zero if any document fails (default: only if none succeeds).")
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(0), help="Worker processes (0 = one per CPU core); same output as 1.")
@read_options_params
def analyze(sources, fmt, output, analyzers, pipeline_file, quiet, strict, jobs, **kw):
    """Analyze articles from SOURCES (files, folders, globs, JSONL/CSV, HTML, feeds, WARC, URLs)."""
    from .pipeline import Pipeline
    from .run import analyze_sources

    import time

    t0 = time.perf_counter()
    read_options = make_read_options(kw)
    if pipeline_file:
        pipeline = Pipeline.from_file(pipeline_file)
    else:
        pipeline = Pipeline.from_config({"analyzers": analyzers} if analyzers else None)
    report = analyze_sources(
        list(sources),
        output=output,
        fmt=fmt,
        pipeline=pipeline,
        read_options=read_options,
        progress=bool(output) and not quiet,
        jobs=jobs,
    )
    if output and not quiet:
        click.echo(f"analyze: {report.written} article(s), {len(report.failures)} failure(s), "
                   f"{time.perf_counter() - t0:.1f} s -> {output}", err=True)
    finish(report, quiet=quiet, strict=strict)


def finish(report, *, quiet: bool, strict: bool) -> None:
    """Print the failure summary and exit with the documented status."""
    if report.failures and not quiet:
        click.echo(report.summary(), err=True)
    if not report.ok or (strict and report.failures):
        sys.exit(1)


@main.command("analyzers")
@click.option("--json", "as_json", is_flag=True, help="Print the graph as JSON.")
def list_analyzers(as_json):
    """List the registered analyzers: what each reads (and from whom), what it writes, and problems."""
    import json

    from .pipeline import describe_graph

    graph = describe_graph()
    if as_json:
        click.echo(json.dumps(graph, indent=2))
        return
    for node in graph["analyzers"]:
        click.echo(f"{node['name']:<14} v{node['version']:<6} {node['description']}")
        reads = ", ".join(f"{r['key']} <- {r['from']}" for r in node["reads"]) or "-"
        click.echo(f"{'':<22}reads:   {reads}")
        click.echo(f"{'':<22}assigns: {', '.join(node['assigns']) or '-'}")
    click.echo("problems: " + ("; ".join(graph["problems"]) if graph["problems"] else "none"))


@main.group()
def taxonomy() -> None:
    """List, show and validate taxonomies (shipped ones or your own YAML file)."""


@taxonomy.command("list")
def taxonomy_list():
    """List the shipped taxonomies."""
    from .taxonomies import load_taxonomy, shipped_taxonomies

    for tid in shipped_taxonomies():
        t = load_taxonomy(tid)
        click.echo(f"{t.id:<32} {t.kind:<11} v{t.version:<8} {len(t)} labels")


@taxonomy.command("show")
@click.argument("name_or_path")
def taxonomy_show(name_or_path):
    """Print a taxonomy's labels and definitions."""
    from .taxonomies import load_taxonomy

    t = load_taxonomy(name_or_path)
    click.echo(f"{t.id} v{t.version} ({t.kind}): {t.description}")
    for lab in t.labels:
        indent = "    " if lab.parent else "  "
        click.echo(f"{indent}{lab.id}: {lab.definition}")


@taxonomy.command("validate")
@click.argument("path", type=click.Path())
def taxonomy_validate(path):
    """Validate a taxonomy file; prints the problem or 'ok'."""
    from .taxonomies import load_taxonomy

    t = load_taxonomy(path)
    click.echo(f"ok: {t.id} v{t.version}, {len(t)} labels")


def _register_commands() -> None:
    for mod in COMMAND_MODULES:
        importlib.import_module(mod).register(main)


_register_commands()


def run(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and exit status 1."""
    try:
        main.main(args=argv, prog_name="narrascope", standalone_mode=False)
    except NarrascopeError as e:
        click.echo(f"narrascope: error: {e}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("narrascope: aborted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("narrascope: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
