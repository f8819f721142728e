"""``narrascope spark analyze INPUT... --output DIR``: the pipeline on Spark (see docs/spark.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _parse_conf(values: tuple[str, ...]) -> dict[str, str]:
    from ..errors import ConfigError

    conf = {}
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--conf must be KEY=VALUE, got {v!r}", where="--conf")
        conf[key.strip()] = value
    return conf


def register(main: click.Group) -> None:
    from .options import make_read_options, read_options_params

    @main.group()
    def spark() -> None:
        """Run the pipeline on Apache Spark (needs pip install 'narrascope[spark]' and Java 17)."""

    @spark.command("analyze")
    @click.argument("inputs", nargs=-1, required=True)
    @click.option("--output", "-o", required=True, type=click.Path(file_okay=False),
                  help="Output directory: part-*.jsonl analyses, failures.jsonl, _SUMMARY.json.")
    @click.option("--analyzers", "-a", default=None, help="Comma-separated analyzers to run (default: all).")
    @click.option("--pipeline", "pipeline_file", type=click.Path(dir_okay=False), help="JSON pipeline config file.")
    @click.option("--master", default="local[*]", show_default=True,
                  help="Spark master: local[N], spark://host:7077, yarn, ...")
    @click.option("--partitions", type=click.IntRange(1), default=None,
                  help="Number of tasks (default: one per input file, up to 4 x the cores).")
    @click.option("--spark-format", type=click.Choice(["json", "parquet", "csv"]), default=None,
                  help="Read INPUTS with Spark's own reader into a DataFrame (big files are split across tasks).")
    @click.option("--overwrite", is_flag=True, help="Replace an existing non-empty output directory.")
    @click.option("--batch-size", default=16, show_default=True, type=click.IntRange(1),
                  help="Documents per Pipeline.pipe batch inside a task.")
    @click.option("--conf", "conf", multiple=True, metavar="KEY=VALUE",
                  help="Extra Spark configuration, e.g. --conf spark.executor.memory=4g (repeatable).")
    @click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
    @click.option("--quiet", "-q", is_flag=True, help="No summary on stderr.")
    @click.option("--strict", is_flag=True, help="Exit non-zero if any document fails.")
    @read_options_params
    def spark_analyze(inputs, output, analyzers, pipeline_file, master, partitions, spark_format, overwrite,
                      batch_size, conf, as_json, quiet, strict, **kw):
        """Analyze INPUTS (files, folders, globs, URLs) on Spark and write part files to --output.

        Same analyses as `narrascope analyze --format jsonl`; bad documents go to failures.jsonl
        and the job goes on. An existing non-empty --output is refused unless --overwrite; the
        result appears atomically (written to a temporary sibling, then renamed).
        """
        from ..errors import ConfigError
        from ..spark import analyze_to_directory, local_session, prepare_output, read_dataframe, require_pyspark

        read_options = make_read_options(kw)
        config = None
        if pipeline_file:
            from ..pipeline import Pipeline

            Pipeline.from_file(pipeline_file)  # validates, one-line error
            config = json.loads(Path(pipeline_file).read_text(encoding="utf-8"))
        elif analyzers:
            config = {"analyzers": analyzers}
        if config is not None:
            from ..pipeline import Pipeline

            config = {"analyzers": Pipeline.from_config(config).names, "options": config.get("options") or {}}
        extra = _parse_conf(conf)
        if spark_format and read_options.format:
            raise ConfigError("give --spark-format or --input-format, not both")
        prepare_output(output, overwrite=overwrite)  # refuse before starting the JVM
        require_pyspark()
        with local_session(master, conf=extra) as session:
            if spark_format:
                data = read_dataframe(session, list(inputs), spark_format)
            else:
                data = list(inputs)
            report = analyze_to_directory(
                session, data, output, config=config, read_options=read_options, partitions=partitions,
                overwrite=overwrite, batch_size=batch_size,
            )
        if as_json:
            click.echo(json.dumps({**report.to_dict(), "failures": report.failures}, ensure_ascii=False, indent=2))
        if not quiet:
            click.echo(report.summary(), err=True)
        if not report.ok or (strict and report.documents_failed):
            sys.exit(1)
