"""Library entry points the CLI (and other adapters) call: read -> analyze -> write, with a report."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Sequence

from .document import Document
from .errors import ConfigError, InputError
from .formats import FORMATS, atomic_output, write_analyses
from .errors import Failure
from .pipeline import Pipeline
from .readers import ReadOptions, iter_documents


@dataclass
class RunReport:
    written: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.written > 0 or not self.failures

    def summary(self) -> str:
        total = self.written + len(self.failures)
        lines = [f"{len(self.failures)} of {total} document(s) could not be processed:"]
        lines += [f"  {f.where}: {f.message}" for f in self.failures]
        return "\n".join(lines)


def analyze_sources(
    sources: Sequence[str],
    *,
    out: IO[str] | None = None,
    output: str | Path | None = None,
    fmt: str = "json",
    pipeline: Pipeline | None = None,
    read_options: ReadOptions | None = None,
    progress: bool = False,
    batch_size: int = 16,
    jobs: int = 1,
) -> RunReport:
    """Read every source, analyze, write in ``fmt`` to ``output`` (or ``out``, default stdout).

    Bad documents are reported in the returned :class:`RunReport` and skipped. ``jobs`` > 1 (or
    0: one per core) analyses in that many worker processes (:mod:`narrascope.parallel`), with
    the same output.
    """
    if fmt not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if not sources:
        raise InputError("no sources given", hint="pass files, folders, globs or URLs")
    pipeline = pipeline or Pipeline.from_config()
    report = RunReport()
    bar = None
    if progress:
        from .progress import progress_bar

        bar = progress_bar("analyze", sources)

    def set_total(n: int) -> None:
        # n counts sources, not documents (a JSONL file holds many): show it, count documents
        if bar is not None and bar.total is None:
            bar.set_description(f"analyze ({n} source{'s' if n != 1 else ''})")

    workers = None
    if jobs != 1:
        from .parallel import ProcessPipeline

        workers = ProcessPipeline(pipeline, jobs)
    pending: list[Failure] = []  # with workers, reader failures are reported with their batch
    docs: Iterable[Document] = iter_documents(
        sources, read_options, on_failure=pending.append if workers else report.failures.append, progress=set_total
    )
    if workers:
        analyses = workers.pipe(docs, batch_size=batch_size, on_failure=report.failures.append, progress=bar,
                                pending_failures=pending)
    else:
        analyses = pipeline.pipe(docs, batch_size=batch_size, on_failure=report.failures.append, progress=bar)
    tasks = [t for a in pipeline.analyzers for t in a.label_tasks]
    ctx = atomic_output(output) if output is not None else nullcontext(out or sys.stdout)
    from .parallel import one_thread

    with ctx as fh, (workers or one_thread()):
        report.written = write_analyses(analyses, fmt, fh, report.failures, label_tasks=tasks)
    if bar is not None:
        bar.close()
    return report
