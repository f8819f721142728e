"""``narrascope report SOURCE... --output FILE.html|FILE.md``: a readable report to hand on.

A thin adapter over :func:`narrascope.formats.report.write_report`: read and analyse the articles
(or, with ``--analyses``, read analyses made already), then write one self-contained file.
"""

from __future__ import annotations

import sys
import time

import click


def register(main: click.Group) -> None:
    from ..cli import make_read_options, read_options_params

    @main.command("report")
    @click.argument("sources", nargs=-1, required=True)
    @click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
                  help="The report file: .html (self-contained page) or .md (Markdown).")
    @click.option("--format", "fmt", type=click.Choice(["html", "md"]), default=None,
                  help="Force the format (default: from the --output suffix).")
    @click.option("--title", default=None, help="Report title (default: the article title or 'N articles').")
    @click.option("--analyzers", "-a", default=None, help="Comma-separated analyzers to run (default: all).")
    @click.option("--analyses", "stored_analyses", is_flag=True,
                  help="SOURCES hold analyses already made (`analyze --format jsonl` files, `spark analyze` output).")
    @click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary on stderr.")
    @read_options_params
    def report_cmd(sources, output, fmt, title, analyzers, stored_analyses, quiet, **kw):
        """Write a readable report (summary, narratives with evidence, who said what, entities and
        roles, techniques, claims) of the articles in SOURCES to --output."""
        from ..formats.report import report_format_for, write_report
        from ..pipeline import Failure

        fmt = fmt or report_format_for(output)
        t0 = time.perf_counter()
        failures: list[Failure] = []
        read_options = make_read_options(kw)
        if stored_analyses:
            from ..store.ingest import iter_analyses

            analyses = [a.to_dict() for a in iter_analyses(list(sources), failures.append)]
        else:
            from ..pipeline import Pipeline
            from ..readers import iter_documents

            pipeline = Pipeline.from_config({"analyzers": analyzers} if analyzers else None)
            bar = None
            if not quiet and sys.stderr.isatty():
                from tqdm import tqdm

                bar = tqdm(unit="doc", desc="report", file=sys.stderr, leave=False)
            docs = iter_documents(list(sources), read_options, on_failure=failures.append)
            analyses = [a.to_dict() for a in pipeline.pipe(docs, on_failure=failures.append, progress=bar)]
            if bar is not None:
                bar.close()
        if not analyses:
            from ..errors import InputError

            first = failures[0] if failures else None
            raise InputError("no article could be read for the report" + (f": {first.message}" if first else ""),
                             where=first.where if first else None, hint="check the SOURCES")
        n = write_report(analyses, output, fmt, title=title)
        if not quiet:
            for f in failures:
                click.echo(f"narrascope: skipped {f.where}: {f.message}", err=True)
            click.echo(f"report: {n} article(s), {len(failures)} failure(s), {time.perf_counter() - t0:.1f} s -> {output}", err=True)
