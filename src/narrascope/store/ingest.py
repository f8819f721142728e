"""Ingest: read sources -> skip texts already stored -> analyse the rest -> store, batch by batch.

Idempotent (content-hash ids: a re-run adds nothing) and resumable (each batch is one
transaction: a killed run loses at most the batch in flight, and the next run redoes exactly the
documents that are not stored). Reading goes through :func:`narrascope.readers.iter_documents`,
analysis through :meth:`narrascope.pipeline.Pipeline.pipe`; bad sources and documents are
reported in the :class:`~narrascope.store.IngestReport` and skipped.

:func:`ingest_analyses` stores analyses made already (``narrascope spark analyze`` output
directories, ``narrascope analyze --format jsonl`` files) as they are, with the same idempotence;
a bad line is reported as ``file:line`` and skipped.
"""

from __future__ import annotations

import glob
import json
import os
import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, Sequence

from ..analyzers.base import iter_batches
from ..document import NOT_ANALYSIS_HINT as _NOT_ANALYSIS_HINT
from ..document import Analysis, analysis_from_record, content_id  # noqa: F401 - analysis_from_record re-exported
from ..errors import InputError
from ..errors import Failure
from ..pipeline import Pipeline
from ..readers import ReadOptions, iter_documents
from . import IngestReport, Store


def ingest_sources(
    sources: Sequence[str],
    store: Store,
    *,
    pipeline: Pipeline | None = None,
    read_options: ReadOptions | None = None,
    batch_size: int = 64,
    progress: bool = False,
    jobs: int = 1,
) -> IngestReport:
    """Ingest every document of ``sources`` into ``store``; returns what happened.

    ``pipeline=None`` runs every registered analyzer. Documents whose text is stored already are
    not analysed again (a new source/url for them is recorded as a sighting). ``jobs`` > 1 (or 0:
    one per core) analyses in worker processes (:mod:`narrascope.parallel`), with the same result.
    """
    if not sources:
        raise InputError("no sources given", hint="pass files, folders, globs or URLs")
    if batch_size < 1:
        raise InputError(f"batch size must be at least 1, got {batch_size}", where="--batch-size")
    pipeline = pipeline or Pipeline.from_config()
    versions = pipeline.versions()
    t0 = time.perf_counter()
    report = IngestReport()
    bar = None
    if progress:
        from ..progress import progress_bar

        bar = progress_bar("ingest", sources)
    docs = iter_documents(sources, read_options or ReadOptions(), on_failure=report.failures.append)
    with _workers(pipeline, jobs) as analyser:
        _ingest_chunks(docs, store, analyser, versions, batch_size, report, bar)
    if bar is not None:
        bar.close()
    report.seconds = time.perf_counter() - t0
    return report


@contextmanager
def _workers(pipeline: Pipeline, jobs: int):
    """The pipeline itself on one numerical thread (``jobs`` 1), or ``jobs`` worker processes."""
    from ..parallel import ProcessPipeline, one_thread

    if jobs == 1:
        with one_thread():
            yield pipeline
        return
    with ProcessPipeline(pipeline, jobs) as workers:
        yield workers


def _ingest_chunks(docs, store: Store, pipeline, versions, batch_size: int, report: IngestReport, bar) -> None:
    for chunk in iter_batches(docs, batch_size):
        ids = [content_id(d.text) for d in chunk]
        known = store.known_ids(ids)
        new = [d for d, i in zip(chunk, ids) if i not in known]
        old = [(i, d.id, d.source, d.url, d.published) for d, i in zip(chunk, ids) if i in known]
        if old:
            report.skipped += len(old)
            report.sightings += store.add_sightings(old)
        if bar is not None and old:
            bar.update(len(old))
        if new:
            # the bar moves as each analysis batch finishes, not once per stored chunk
            analyses = list(pipeline.pipe(new, batch_size=min(batch_size, 16), on_failure=report.failures.append, progress=bar))
            report.merge(store.add_analyses(analyses, versions=versions, batch_size=len(analyses) + 1))


# -- already-computed analyses -----------------------------------------------------------------
# The one validator lives with the data model (every ingest route uses it): see
# :func:`narrascope.document.analysis_from_record`.

def iter_analysis_lines(lines: Iterable[bytes], name: str, on_failure: Callable[[Failure], None]) -> Iterator[Analysis]:
    """Analyses from JSONL lines (bytes); a bad line goes to ``on_failure`` as ``name:line`` and is skipped."""
    for lineno, raw in enumerate(lines, 1):
        where = f"{name}:{lineno}"
        try:
            line = raw.decode("utf-8")
            if lineno == 1:
                line = line.lstrip("\ufeff")
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(f"not valid JSON ({e.msg}, column {e.colno})", where=where, hint=_NOT_ANALYSIS_HINT) from None
            yield analysis_from_record(d, where)
        except UnicodeDecodeError:
            on_failure(Failure(where=where, message="the line is not UTF-8", stage="read"))
        except InputError as e:
            on_failure(_read_failure(e, where))


def iter_analyses(sources: Sequence[str], on_failure: Callable[[Failure], None]) -> Iterator[Analysis]:
    """The analyses in ``sources``: Spark output directories (``_SUCCESS`` + ``part-*.jsonl``,
    see :mod:`narrascope.spark`), analysis JSONL files (``narrascope analyze --format jsonl``),
    globs of those, or ``-`` for standard input. Bad sources and lines go to ``on_failure``."""
    from ..spark_output import output_parts

    for src in sources:
        if src == "-":
            yield from iter_analysis_lines(sys.stdin.buffer, "<stdin>", on_failure)
            continue
        paths = [src] if os.path.exists(src) or not glob.has_magic(src) else sorted(glob.glob(src))
        if not paths:
            on_failure(Failure(where=src, message="no file matches this pattern", stage="read"))
        for path in paths:
            try:
                if os.path.isdir(path):
                    try:
                        files = [str(p) for p in output_parts(path)]
                    except InputError as e:
                        raise InputError(
                            e.message, where=path,
                            hint="pass a finished `narrascope spark analyze` output directory or analysis JSONL files",
                        ) from None
                elif os.path.exists(path):
                    files = [path]
                else:
                    raise InputError("no such file or directory", where=path)
                for file in files:
                    try:
                        with open(file, "rb") as f:
                            yield from iter_analysis_lines(f, file, on_failure)
                    except OSError as e:
                        raise InputError(f"cannot be read ({e.strerror or e})", where=file) from None
            except InputError as e:
                on_failure(_read_failure(e, path))


def ingest_analyses(
    sources: Sequence[str],
    store: Store,
    *,
    batch_size: int = 200,
) -> IngestReport:
    """Store already-computed analyses from ``sources`` (see :func:`iter_analyses`) as they are.

    Idempotent like :func:`ingest_sources`: a text stored already is skipped (a new
    source/url/external id for it is recorded as a sighting). Bad lines and sources are reported in
    the report's ``failures`` (``file:line``) and the rest goes on.
    """
    if not sources:
        raise InputError("no sources given", hint="pass Spark output directories or analysis JSONL files")
    if batch_size < 1:
        raise InputError(f"batch size must be at least 1, got {batch_size}", where="--batch-size")
    t0 = time.perf_counter()
    read_failures: list[Failure] = []
    report = IngestReport()
    report.merge(store.add_analyses(iter_analyses(sources, read_failures.append), batch_size=batch_size))
    report.failures[:0] = read_failures
    report.seconds = time.perf_counter() - t0
    return report


def _read_failure(error: InputError, where: str) -> Failure:
    message = error.message + (f" ({error.hint})" if error.hint else "")
    return Failure(where=error.where or where, message=message, stage="read")
