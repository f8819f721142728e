"""Ingest: read sources -> skip texts already stored -> analyse the rest -> store, batch by batch.

Idempotent (content-hash ids: a re-run adds nothing) and resumable (each batch is one
transaction: a killed run loses at most the batch in flight, and the next run redoes exactly the
documents that are not stored). Reading goes through :func:`narrascope.readers.iter_documents`,
analysis through :meth:`narrascope.pipeline.Pipeline.pipe`; bad sources and documents are
reported in the :class:`~narrascope.store.IngestReport` and skipped.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Sequence

from ..analyzers.base import iter_batches
from ..document import content_id
from ..errors import InputError
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
) -> IngestReport:
    """Ingest every document of ``sources`` into ``store``; returns what happened.

    ``pipeline=None`` runs every registered analyzer. Documents whose text is stored already are
    not analysed again (a new source/url for them is recorded as a sighting).
    """
    if not sources:
        raise InputError("no sources given", hint="pass files, folders, globs or URLs")
    if batch_size < 1:
        raise InputError(f"batch size must be at least 1, got {batch_size}", where="--batch-size")
    pipeline = pipeline or Pipeline.from_config()
    versions = pipeline.versions()
    pause = float(os.environ.get("NARRASCOPE_TEST_INGEST_PAUSE") or 0)
    if pause and hasattr(store, "_test_pause"):
        store._test_pause = pause
    t0 = time.perf_counter()
    report = IngestReport()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(unit="doc", file=sys.stderr, desc="ingest")
    docs = iter_documents(sources, read_options or ReadOptions(), on_failure=report.failures.append)
    for chunk in iter_batches(docs, batch_size):
        ids = [content_id(d.text) for d in chunk]
        known = store.known_ids(ids)
        new = [d for d, i in zip(chunk, ids) if i not in known]
        old = [(i, d.id, d.source, d.url, d.published) for d, i in zip(chunk, ids) if i in known]
        if old:
            report.skipped += len(old)
            report.sightings += store.add_sightings(old)
        if new:
            analyses = list(pipeline.pipe(new, batch_size=min(batch_size, 16), on_failure=report.failures.append))
            report.merge(store.add_analyses(analyses, versions=versions, batch_size=len(analyses) + 1))
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()
    report.seconds = time.perf_counter() - t0
    return report
