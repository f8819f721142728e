"""The API serves reads while analyses are queued (POST /analyze does not hold request threads)."""

from __future__ import annotations

import threading
import time

import httpx

from narrascope.analyzers.base import Analyzer
from narrascope.api.app import create_app
from narrascope.pipeline import Pipeline
from narrascope.store import open_store

from tests._live_server import live_server

QUEUED = 45  # more than the server's request threadpool (40 threads)


class Gate(Analyzer):
    """An analyzer that waits until the test opens the gate."""

    name = "gate"
    version = "1"

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.open = threading.Event()

    def analyze(self, doc, analysis) -> None:
        self.entered.set()
        self.open.wait(60)
        self.stamp(analysis)


def test_reads_are_answered_while_many_analyses_wait(tmp_path):
    db = str(tmp_path / "c.db")
    open_store(db).close()
    gate = Gate()
    app = create_app(db, pipeline=Pipeline([gate]))
    statuses: list[int] = []

    def post(url: str, i: int) -> None:
        try:
            statuses.append(httpx.post(f"{url}/analyze", content=f"Article number {i}.", timeout=60).status_code)
        except httpx.HTTPError:
            statuses.append(-1)

    with live_server(app) as url:
        posts = [threading.Thread(target=post, args=(url, i)) for i in range(QUEUED)]
        for t in posts:
            t.start()
        try:
            assert gate.entered.wait(30)
            time.sleep(3)  # let the other requests queue up (all of them, even on a loaded machine)
            t0 = time.perf_counter()
            r = httpx.get(f"{url}/documents", params={"format": "json"}, headers={"Accept": "application/json"}, timeout=5)
            assert r.status_code == 200
            assert time.perf_counter() - t0 < 5
        finally:
            gate.open.set()
            for t in posts:
                t.join(60)
    assert statuses.count(200) == QUEUED
