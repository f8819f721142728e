"""Batch parallelism: a pipeline run in worker processes (``--jobs N`` of ``analyze`` and ``ingest``).

:class:`ProcessPipeline` wraps a :class:`~narrascope.pipeline.Pipeline` and answers the same
``pipe`` / ``analyze`` / ``versions`` / ``analyzers`` calls. Each worker process loads the models
once (when it starts) and analyses whole batches; the parent reads, sends batches, and yields the
analyses **in input order**, with the same batches as ``Pipeline.pipe`` so that the output and the
failures (their order included) are those of a single process. Workers are started with ``spawn``
(no fork of a process that may hold threads or locks); start-up cost is paid once per worker, in
parallel. Each worker keeps numerical libraries (OpenBLAS, OpenMP, MKL) to one thread unless the
user set their thread counts: ``jobs`` processes with one thread per core each, not ``jobs``
thread pools fighting over the same cores.

Pass an unloaded pipeline (as the CLI does): it is pickled to the workers and loaded there.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
from collections import deque
from contextlib import contextmanager
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator

from .analyzers.base import iter_batches
from .document import Analysis, Document
from .errors import ConfigError, NarrascopeError
from .pipeline import Failure, Pipeline

_WORKER_PIPELINE: Pipeline | None = None


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def _one_thread_per_worker() -> None:
    """Numerical libraries to one thread in this worker, unless the user chose a thread count."""
    chosen = [v for v in THREAD_VARIABLES if os.environ.get(v)]
    for v in THREAD_VARIABLES:
        os.environ.setdefault(v, "1")  # read when the libraries load (the pipeline is not unpickled yet)
    if not chosen and "numpy" in sys.modules:  # already loaded (e.g. by the parent's main module)
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(1)
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            pass


@contextmanager
def one_thread() -> Iterator[None]:
    """Within the block, numerical libraries (OpenBLAS, OpenMP, MKL) run on one thread, unless the
    user set a thread count: what every ``--jobs N`` worker does, for the single process of
    ``--jobs 1``. ``--jobs N`` then means N cores. Measured on 2 cores (``bench/pipeline.py``):
    OpenBLAS's second thread on the mention tagger's small matrix products bought ~7% wall time
    for ~45% more CPU per article, and left no core free for a second process."""
    if any(os.environ.get(v) for v in THREAD_VARIABLES):
        yield
        return
    try:
        import numpy  # noqa: F401 - loads the BLAS the limit applies to
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        yield
        return
    with threadpool_limits(1):
        yield


def _init_worker(pipeline: bytes) -> None:
    global _WORKER_PIPELINE
    _one_thread_per_worker()
    _WORKER_PIPELINE = pickle.loads(pipeline).load()


def _run_batch(docs: list[Document]) -> tuple[list[Analysis], list[Failure]]:
    assert _WORKER_PIPELINE is not None, "worker not initialised"
    failures: list[Failure] = []
    analyses = list(_WORKER_PIPELINE.pipe(docs, batch_size=len(docs), on_failure=failures.append))
    return analyses, failures


def check_jobs(jobs: int) -> int:
    """``jobs`` as a positive int; 0 means one per CPU core."""
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 0:
        raise ConfigError(f"--jobs must be a whole number >= 0, got {jobs!r}", where="--jobs",
                          hint="1 = one process (default), 0 = one per CPU core")
    return jobs or (os.cpu_count() or 1)


class ProcessPipeline:
    """A pipeline whose analyses run in ``jobs`` worker processes; use it as a context manager."""

    def __init__(self, pipeline: Pipeline, jobs: int) -> None:
        if getattr(pipeline, "_loaded", False):
            raise ConfigError("ProcessPipeline needs an unloaded pipeline (each worker loads its own models)",
                              hint="build it with Pipeline.from_config(...) and do not call load()")
        self.pipeline = pipeline
        self.jobs = check_jobs(jobs)
        self._pool: ProcessPoolExecutor | None = None

    # -- what the adapters read from a Pipeline -----------------------------------------------
    @property
    def analyzers(self):
        return self.pipeline.analyzers

    @property
    def names(self) -> list[str]:
        return self.pipeline.names

    def versions(self) -> dict[str, str]:
        return self.pipeline.versions()

    def load(self) -> "ProcessPipeline":
        self._start()
        return self

    # -- lifecycle ----------------------------------------------------------------------------
    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.jobs, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker, initargs=(pickle.dumps(self.pipeline),),
            )
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "ProcessPipeline":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- running ------------------------------------------------------------------------------
    def analyze(self, doc: Document) -> Analysis:
        failures: list[Failure] = []
        out = list(self.pipe([doc], on_failure=failures.append))
        if not out:
            raise NarrascopeError(failures[0].message if failures else "analysis failed", where=failures[0].where if failures else None)
        return out[0]

    def pipe(
        self,
        docs: Iterable[Document],
        *,
        batch_size: int = 16,
        on_failure: Callable[[Failure], None] | None = None,
        progress: Any = None,
        pending_failures: list[Failure] | None = None,
    ) -> Iterator[Analysis]:
        """Like :meth:`Pipeline.pipe`: analyses in input order, failures reported, not raised.

        ``pending_failures``: a list the reader appends its failures to (instead of reporting them
        directly); they are reported with the batch they were read with, before its analysis
        failures, which is the order a single process reports them in.
        """
        pool = self._start()
        in_flight: deque[tuple[list[Failure], Future]] = deque()
        window = 4 * self.jobs

        def settle(read_failures: list[Failure], fut: Future) -> list[Analysis]:
            try:
                analyses, failures = fut.result()
            except BrokenProcessPool:
                self._pool = None
                raise NarrascopeError("a worker process died (out of memory or killed)",
                                      hint="run again with fewer --jobs") from None
            for f in read_failures + failures:
                if on_failure:
                    on_failure(f)
            if progress is not None:
                progress.update(len(analyses) + len(failures))
            return analyses

        try:
            for batch in iter_batches(docs, batch_size):
                read_failures = _take(pending_failures)
                for chunk in split_batch(batch, self.jobs):  # in order: the first carries the read failures
                    in_flight.append((read_failures, pool.submit(_run_batch, chunk)))
                    read_failures = []
                while len(in_flight) >= window:
                    yield from settle(*in_flight.popleft())
            while in_flight:
                yield from settle(*in_flight.popleft())
        finally:
            for _, fut in in_flight:
                fut.cancel()
        for f in _take(pending_failures):
            if on_failure:
                on_failure(f)


def split_batch(batch: list, jobs: int) -> list[list]:
    """``batch`` cut into consecutive chunks for ``jobs`` workers: about two chunks per worker, so a
    run's last batch does not leave a worker idle while another works through a whole batch (with
    ``--batch-size 16`` and 40 articles, whole batches split 24/16 between two workers; chunks of 4
    split it 20/20). Every document's analysis is independent of its batch, and failures inside a
    batch are reported in document order either way, so the output is the single process's."""
    if jobs <= 1 or len(batch) <= 1:
        return [batch]
    n = min(len(batch), 2 * jobs)
    size = -(-len(batch) // n)
    return [batch[i : i + size] for i in range(0, len(batch), size)]


def _take(pending: list[Failure] | None) -> list[Failure]:
    if not pending:
        return []
    out = list(pending)
    pending.clear()
    return out
