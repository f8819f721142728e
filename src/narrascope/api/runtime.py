"""Per-app runtime state of the API: the store, the lazily loaded pipeline, the token, small caches.

One :class:`Runtime` is built by :func:`narrascope.api.app.create_app` and handed to every route
module's ``register``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any, Callable

from ..document import Analysis, Document
from ..errors import NoStoreError

log = logging.getLogger("narrascope.api.app")

CACHE_SECONDS = 300.0


class Runtime:
    """Per-app state: the store, the (lazily loaded) pipeline, the token, small caches."""

    def __init__(self, store_url, token, pipeline, max_chars, max_body_bytes, create):
        self.store_url = store_url
        self.create = create
        self.token = token
        self.max_chars = int(max_chars)
        self.max_body_bytes = int(max_body_bytes)
        self._pipeline = pipeline
        self._pipeline_lock = threading.Lock()
        self._store = None
        self._cache: dict[str, tuple[float, Any, Any]] = {}  # key -> (time, corpus stamp, value)
        self._jobs: dict[str, threading.Thread] = {}
        self._cache_lock = threading.Lock()

    # store ----------------------------------------------------------------------------------
    def open(self) -> None:
        if self.store_url and self._store is None:
            from ..store import open_store

            self._store = open_store(self.store_url, create=self.create)

    @property
    def store(self):
        if self._store is None:
            if not self.store_url:
                raise NoStoreError(
                    "this server has no corpus store",
                    hint="start it with `narrascope serve --db FILE` (or create_app(store_url=...)); POST /analyze works without one",
                )
            self.open()
        return self._store

    def close(self) -> None:
        from ..serving import close_executor

        close_executor(self)
        if self._store is not None:
            self._store.close()
            self._store = None

    def _stamp(self) -> Any:
        """Changes whenever the corpus changes (the document count; ingest also clears the cache)."""
        return self.store.count_documents()

    def cached(self, key: str, fn: Callable[[], Any]) -> Any:
        """``fn()`` computed once per corpus state (and at most every CACHE_SECONDS)."""
        now, stamp = time.monotonic(), self._stamp()
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit and hit[1] == stamp and now - hit[0] < CACHE_SECONDS:
                return hit[2]
        value = fn()
        with self._cache_lock:
            self._cache[key] = (now, stamp, value)
        return value

    def background(self, key: str, fn: Callable[[], Any], wait: float = 1.5) -> tuple[bool, Any]:
        """Like :meth:`cached` for slow work (e.g. duplicate clustering of a big corpus): computed in
        a thread; waits up to ``wait`` seconds, then answers ``(False, stale value or None)``."""
        now, stamp = time.monotonic(), self._stamp()
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit and hit[1] == stamp and now - hit[0] < CACHE_SECONDS:
                return True, hit[2]
            job = self._jobs.get(key)
            if job is None or not job.is_alive():

                def run():
                    try:
                        value = fn()
                    except Exception:  # noqa: BLE001 - logged; the page says it is not ready
                        log.exception("background computation %s failed", key)
                        return
                    with self._cache_lock:
                        self._cache[key] = (time.monotonic(), stamp, value)

                job = threading.Thread(target=run, name=f"narrascope-{key}", daemon=True)
                self._jobs[key] = job
                job.start()
        job.join(wait)
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit and hit[1] == stamp:
            return True, hit[2]
        return False, hit[2] if hit else None

    def invalidate(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    # pipeline -------------------------------------------------------------------------------
    @property
    def pipeline(self):
        with self._pipeline_lock:
            if self._pipeline is None:
                from ..pipeline import Pipeline

                self._pipeline = Pipeline.from_config()
            self._pipeline.load()
            return self._pipeline

    def analyze(self, doc: Document) -> Analysis:
        pipeline = self.pipeline
        with self._pipeline_lock:  # analyzers are not required to be thread-safe
            return pipeline.analyze(doc)

    async def analyze_async(self, doc: Document) -> Analysis:
        """Queue the analysis on the runtime's own analysis thread, not the shared request
        threadpool, so that waiting analyses never hold the threads reads are served on."""
        from ..serving import analysis_executor

        return await asyncio.get_running_loop().run_in_executor(analysis_executor(self), self.analyze, doc)

    def analyze_many(self, docs: list[Document], failures: list) -> list[Analysis]:
        pipeline = self.pipeline
        with self._pipeline_lock:
            return list(pipeline.pipe(docs, on_failure=failures.append))



_Runtime = Runtime  # the name it had in api/app.py
