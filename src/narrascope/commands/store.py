"""Corpus commands: ``ingest`` (into a store), ``duplicates`` (republishing clusters), ``export``."""

from __future__ import annotations

import json
import sys

import click


def _open(db: str, create: bool = True):
    from ..store import open_store

    return open_store(db, create=create)


def register(main: click.Group) -> None:
    from ..cli import make_read_options, read_options_params

    @main.command()
    @click.argument("sources", nargs=-1, required=True)
    @click.option("--db", required=True, help="Store: a SQLite file (created if missing) or postgresql://... URL.")
    @click.option("--analyzers", "-a", default=None, help="Comma-separated analyzers to run (default: all).")
    @click.option("--pipeline", "pipeline_file", type=click.Path(dir_okay=False), help="JSON pipeline config file.")
    @click.option("--batch-size", default=64, show_default=True, type=int, help="Documents per analysis batch and per transaction.")
    @click.option("--json", "as_json", is_flag=True, help="Print the ingest report as JSON on stdout.")
    @click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary on stderr.")
    @click.option("--strict", is_flag=True, help="Exit non-zero if any document fails.")
    @click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(0),
                  help="Worker processes that analyse (0 = one per CPU core); same result as 1.")
    @click.option("--analyses", "stored_analyses", is_flag=True,
                  help="SOURCES hold analyses already made (`spark analyze` output directories, "
                       "`analyze --format jsonl` files): store them as they are, without analysing.")
    @read_options_params
    def ingest(sources, db, analyzers, pipeline_file, batch_size, as_json, quiet, strict, stored_analyses, jobs, **kw):
        """Analyse articles from SOURCES and store them in --db (idempotent, resumable).

        Texts already stored (same content hash) are skipped without analysis; a killed run
        loses at most the batch in flight, and running the same command again finishes the job.
        With --analyses, SOURCES are analysis outputs and are stored without re-analysing.
        """
        if stored_analyses:
            from ..errors import ConfigError
            from ..store.ingest import ingest_analyses

            if analyzers or pipeline_file:
                raise ConfigError("--analyzers/--pipeline do nothing with --analyses (nothing is analysed)",
                                  where="--analyses", hint="drop them, or drop --analyses to analyse articles")
            with _open(db) as store:
                report = ingest_analyses(list(sources), store, batch_size=batch_size)
        else:
            from ..pipeline import Pipeline
            from ..store.ingest import ingest_sources

            read_options = make_read_options(kw)
            pipeline = Pipeline.from_file(pipeline_file) if pipeline_file else Pipeline.from_config(
                {"analyzers": analyzers} if analyzers else None
            )
            with _open(db) as store:
                report = ingest_sources(
                    list(sources), store, pipeline=pipeline, read_options=read_options, batch_size=batch_size,
                    progress=not quiet and sys.stderr.isatty(), jobs=jobs,
                )
        if as_json:
            click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        if not quiet:
            click.echo(f"{db}: {report.summary()} ({report.seconds:.1f} s)", err=True)
        if not report.ok or (strict and report.failures):
            sys.exit(1)

    @main.command()
    @click.option("--db", required=True, help="Store: SQLite file or postgresql://... URL.")
    @click.option("--threshold", default=0.3, show_default=True, type=click.FloatRange(0.05, 1.0),
                  help="Estimated Jaccard similarity (word bigrams) two documents must reach.")
    @click.option("--min-size", default=2, show_default=True, type=click.IntRange(2), help="Smallest cluster shown.")
    @click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True)
    def duplicates(db, threshold, min_size, fmt):
        """List clusters of republished / near-duplicate articles, earliest publication first."""

        with _open(db, create=False) as store:
            clusters = store.duplicate_clusters(threshold=threshold, min_size=min_size)
        if fmt == "json":
            click.echo(json.dumps(clusters, ensure_ascii=False, indent=2))
            return
        if fmt == "jsonl":
            for c in clusters:
                click.echo(json.dumps(c, ensure_ascii=False))
            return
        if not clusters:
            click.echo("no near-duplicate clusters")
            return
        for c in clusters:
            click.echo(f"cluster {c['cluster']}: {c['size']} publications, {len(c['sources'])} source(s)")
            for e in c["documents"]:
                mark = "*" if e["earliest"] else " "
                kind = "exact" if e["exact_copy"] else f"{e['similarity']:.2f}"
                click.echo(
                    f"  {mark} {e['published'] or '(no date)':<22} {e['source'] or '(no source)':<20} {kind:<5} "
                    f"{e['id']}  {(e['title'] or '')[:60]}"
                )
        click.echo("* = earliest publication", err=True)

    @main.command()
    @click.option("--db", required=True, help="Store: SQLite file or postgresql://... URL.")
    @click.option("--what", type=click.Choice(["documents", "narratives", "techniques", "entities", "labels", "duplicates", "quotes", "claims", "review"]),
                  default="documents", show_default=True, help="Which table to export (review: see `narrascope review --help`).")
    @click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet", "label-studio", "semeval2025-narratives", "semeval2025-roles"]),
                  default="csv", show_default=True, help="label-studio and the semeval2025-* TSVs: --what review only.")
    @click.option("--model-output", is_flag=True, help="--what review, TSV formats: write the models' labels for the reviewed documents (to score them against the review).")
    @click.option("--output", "-o", default="-", show_default=True, help="Output file ('-' = stdout; Parquet needs a file).")
    @click.option("--by", type=click.Choice(["source", "day", "week"]), default=None,
                  help="Aggregate: narratives/techniques prevalence per source/day/week; entities: role table per source.")
    @click.option("--source", default=None, help="Only documents from this source.")
    @click.option("--date-from", default=None, help="Only documents published on/after YYYY-MM-DD.")
    @click.option("--date-to", default=None, help="Only documents published on/before YYYY-MM-DD.")
    def export(db, what, fmt, output, by, source, date_from, date_to, model_output):
        """Export documents, label/technique/narrative rows, entity roles, quotes, claims, duplicate clusters or review corrections (no row cap).

        Without --by, one row per document (documents) or per document and label (narratives,
        techniques, labels, entities); with --by, the aggregated prevalence / entity-role tables.
        """
        from ..errors import ConfigError
        from ..store.export import columns_for, write_rows

        if what == "review" or fmt not in ("csv", "jsonl", "parquet") or model_output:
            from .review import export_review

            if what != "review" or by or date_from or date_to:
                raise ConfigError("--format label-studio/semeval2025-* and --model-output go with --what review (filter: --source)",
                                  where="--what/--format")
            n = export_review(db, fmt, output, source=source, model_output=model_output)
            if output != "-":
                click.echo(f"wrote {n} review row(s)/task(s) to {output}", err=True)
            return
        filters = {"source": source, "date_from": date_from, "date_to": date_to}
        if what == "entities" and by:
            filters = {"source": source}
            if date_from or date_to:
                raise ConfigError("the entity-role table (--by source) has no date filter", where="--date-from/--date-to")
        if what in ("quotes", "claims") and by:
            raise ConfigError(f"{what} are exported one row per {what[:-1]}; --by does not apply", where="--by")
        if what == "duplicates" and (by or source or date_from or date_to):
            raise ConfigError("duplicates are exported whole", where="--by/--source/--date-from/--date-to")
        with _open(db, create=False) as store:
            if what in ("quotes", "claims"):
                from ..store.insights import claim_rows, quote_rows

                rows = (quote_rows if what == "quotes" else claim_rows)(store, **{k: v for k, v in filters.items() if v})
            else:
                rows = store.export_rows(what, by=by, **filters) if what != "duplicates" else store.export_rows(what)
            n = write_rows(rows, columns_for(what, by), fmt, output)
        if output != "-":
            click.echo(f"wrote {n} {what} row(s) to {output}", err=True)
