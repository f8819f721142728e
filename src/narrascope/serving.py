"""Serving analysis next to reads: one analysis thread per API runtime.

The API's read endpoints run on the server's shared request threadpool. ``POST /analyze`` waits
for the pipeline (one analysis at a time: analyzers are not required to be thread-safe); if
those waits held request threads, a burst of analyses would leave none for reads. Analyses are
therefore queued on a dedicated executor of their own (:func:`analysis_executor`), one per
runtime, and awaited without holding a request thread.
"""

from __future__ import annotations

import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

_executors: "weakref.WeakKeyDictionary[object, ThreadPoolExecutor]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def analysis_executor(owner: object) -> ThreadPoolExecutor:
    """The single-thread executor that runs ``owner``'s analyses (created on first use)."""
    with _lock:
        ex = _executors.get(owner)
        if ex is None:
            ex = _executors[owner] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="narrascope-analyze")
            weakref.finalize(owner, ex.shutdown, wait=False)
        return ex


def close_executor(owner: object) -> None:
    with _lock:
        ex = _executors.pop(owner, None)
    if ex is not None:
        ex.shutdown(wait=False, cancel_futures=True)
