"""The watcher: poll feeds, analyse and store only new entries, evaluate alert rules, deliver alerts.

One cycle polls every feed that is due (conditional GET), handles each new entry (oldest first)
in one transaction that stores its document and marks the entry handled, then evaluates the rules
and delivers new alerts. ``run()`` repeats cycles every ``every`` seconds until stopped; SIGINT and
SIGTERM stop it after the entry in hand (a second SIGINT interrupts at once; nothing is lost
either way: an entry's document and its "handled" mark are committed together).

Per-feed back-off: after ``n`` consecutive errors a feed is next polled after
``min(every * 2 ** (n - 1), max_backoff)`` seconds (the first error does not delay it).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Sequence

from ..document import Analysis, content_id
from ..errors import InputError, NarrascopeError, StoreError
from ..store.monitor import MonitorStore
from .feeds import FETCH_PAGES, FeedSpec, entry_to_document, parse_entries

log = logging.getLogger("narrascope.monitor")

MAX_BACKOFF = 24 * 3600.0


@dataclass
class FeedReport:
    url: str
    status: str = "ok"  # ok | not_modified | error | backing_off | interrupted
    http_status: int | None = None
    entries: int = 0
    new: int = 0
    stored: int = 0
    known: int = 0
    failed: int = 0
    error: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CycleReport:
    feeds: list[FeedReport] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.feeds)

    def count(self, status: str) -> int:
        return sum(f.status == status for f in self.feeds)

    def summary(self) -> str:
        return (f"{len(self.feeds)} feed(s): {self.count('ok')} fetched, {self.count('not_modified')} unchanged (304), "
                f"{self.count('error')} failed, {self.count('backing_off')} backing off; "
                f"{self.total('new')} new entries: {self.total('stored')} stored, {self.total('known')} already stored, "
                f"{self.total('failed')} failed; {len(self.alerts)} alert(s) ({self.seconds:.1f} s)")

    def to_dict(self) -> dict[str, Any]:
        return {"feeds": [f.to_dict() for f in self.feeds], "alerts": [a["id"] for a in self.alerts],
                "new": self.total("new"), "stored": self.total("stored"), "known": self.total("known"),
                "failed": self.total("failed"), "seconds": round(self.seconds, 3), "interrupted": self.interrupted}


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse_iso(s: str | None) -> datetime | None:
    if not s:
        return None
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None


class Watcher:
    """Watches ``feeds`` into ``store`` (an open :class:`~narrascope.store.Store`).

    ``pipeline``: analyses new entries (default: every registered analyzer). ``read_options``:
    the URL reader's limits and ``allow_private_network``. ``rules``: a
    :class:`~narrascope.monitor.rules.RuleSet` evaluated after each cycle that stored something
    (and after the first). ``sinks``: alert deliveries (:mod:`narrascope.monitor.delivery`).
    ``fetch_pages``: ``"auto"`` (fetch the article page when an entry carries only a summary),
    ``"always"`` or ``"never"``.
    """

    def __init__(self, store, feeds: Sequence[FeedSpec], *, pipeline=None, read_options=None,
                 every: float = 900.0, max_backoff: float = MAX_BACKOFF, rules=None, sinks: Sequence = (),
                 fetch_pages: str = "auto", clock: Callable[[], datetime] | None = None):
        from ..readers import ReadOptions

        if fetch_pages not in FETCH_PAGES:
            raise InputError(f"fetch_pages must be one of {', '.join(FETCH_PAGES)}, got {fetch_pages!r}", where="--fetch-pages")
        if not feeds:
            raise InputError("no feeds to watch", hint="pass feed URLs or --feeds-file FILE")
        self.store = store
        self.monitor = MonitorStore(store)
        self.feeds = list({f.url: f for f in feeds}.values())  # a URL listed twice is polled once
        self.pipeline = pipeline
        self.read_options = read_options or ReadOptions()
        self.every = float(every)
        self.max_backoff = float(max_backoff)
        self.rules = rules
        self.sinks = list(sinks)
        self.fetch_pages = fetch_pages
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._stop = threading.Event()
        self._cycles = 0
        pause = float(os.environ.get("NARRASCOPE_TEST_WATCH_PAUSE") or 0)
        if pause:
            self.monitor._test_pause = pause
        for f in self.feeds:
            self.monitor.ensure_feed(f.url, f.name)

    # -- control ----------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the watcher to stop after the entry in hand."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _pipeline(self):
        if self.pipeline is None:
            from ..pipeline import Pipeline

            self.pipeline = Pipeline.from_config()
        return self.pipeline

    # -- one feed ---------------------------------------------------------------------------
    def poll_feed(self, spec: FeedSpec) -> FeedReport:
        from ..readers import url as url_reader

        t0 = time.perf_counter()
        rep = FeedReport(spec.url)
        state = self.monitor.feed(spec.url) or {}
        now = self.clock()
        not_before = _parse_iso(state.get("next_poll_after"))
        if not_before is not None and not_before > now + timedelta(seconds=min(5.0, self.every * 0.1)):
            rep.status = "backing_off"
            rep.error = state.get("last_error")
            log.info("feed %s: backing off after %s error(s) until %s", spec.url, state.get("consecutive_errors"), _iso(not_before))
            return rep
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        try:
            page = url_reader.fetch(spec.url, self.read_options, headers=headers or None)
            rep.http_status = page.status
            if page.status == 304:
                rep.status = "not_modified"
                self.monitor.record_success(spec.url, status=304)
                log.info("feed %s: not modified (304)", spec.url)
                return rep
            if page.content_type in ("text/html", "application/xhtml+xml"):
                raise InputError(f"the server sent an HTML page ({page.content_type}), not an RSS or Atom feed",
                                 where=spec.url, hint="give the feed's own URL (the page's <link rel=\"alternate\"> names it)")
            title, lang, entries, problem = parse_entries(page.body, where=spec.url, base_url=page.url)
        except NarrascopeError as e:
            return self._feed_failed(rep, spec, e, t0)
        except Exception as e:  # noqa: BLE001 - a parser bug on one feed must not stop the others
            return self._feed_failed(rep, spec, InputError(f"cannot read the feed ({type(e).__name__}: {e})",
                                                           where=spec.url), t0)
        source = spec.name or title or (spec.url.split("/")[2] if "//" in spec.url else spec.url)
        rep.entries = len(entries)
        handled = self.monitor.handled_items(spec.url, [e.key for e in entries])
        fresh = [e for e in entries if e.key not in handled]
        fresh = list({e.key: e for e in fresh}.values())  # a key twice in one feed: once
        fresh.sort(key=lambda e: (e.published or "", -e.index))  # oldest first
        rep.new = len(fresh)
        complete = True
        for entry in fresh:
            if self._stop.is_set():
                complete = False
                rep.status = "interrupted"
                break
            status = self._handle_entry(spec, entry, source, lang)
            setattr(rep, status, getattr(rep, status) + 1)
            if status == "failed":
                complete = False  # keep the validators: the entry is retried when the feed is fetched again
        self.monitor.record_success(spec.url, status=200, title=title, etag=page.headers.get("etag"),
                                    last_modified=page.headers.get("last-modified"),
                                    update_validators=complete and problem is None)
        if problem:
            log.warning("feed %s: %s", spec.url, problem)
        rep.seconds = time.perf_counter() - t0
        log.info("feed %s: %d entries, %d new: %d stored, %d already stored, %d failed (%.1f s)", spec.url,
                 rep.entries, rep.new, rep.stored, rep.known, rep.failed, rep.seconds)
        return rep

    def _feed_failed(self, rep: FeedReport, spec: FeedSpec, e: NarrascopeError, t0: float) -> FeedReport:
        rep.status = "error"
        rep.error = str(e)
        state = self.monitor.feed(spec.url) or {}
        n = int(state.get("consecutive_errors") or 0) + 1
        wait = min(self.every * 2 ** (n - 1), self.max_backoff)
        next_after = _iso(self.clock() + timedelta(seconds=wait))
        self.monitor.record_error(spec.url, str(e), status=None, next_poll_after=next_after)
        rep.seconds = time.perf_counter() - t0
        log.warning("feed %s: failed (%s); error %d in a row, next poll after %s", spec.url, e, n, next_after)
        return rep

    def _handle_entry(self, spec: FeedSpec, entry, source: str | None, lang: str) -> str:
        try:
            doc = entry_to_document(entry, feed_url=spec.url, source=source, lang=lang, options=self.read_options,
                                    fetch_pages=self.fetch_pages)
        except Exception as e:  # noqa: BLE001 - one bad entry must not stop the watch
            msg = str(e) if isinstance(e, NarrascopeError) else f"{type(e).__name__}: {e}"
            log.warning("feed %s entry %r: %s", spec.url, entry.key, msg)
            return self.monitor.store_item(spec.url, entry.key, None, url=entry.link, error=msg)
        if self.store.known_ids([content_id(doc.text)]):
            analysis, versions = Analysis(document=doc), None  # the same text is stored: a sighting only
        else:
            pipeline = self._pipeline()
            try:
                analysis = pipeline.analyze(doc)
            except Exception as e:  # noqa: BLE001 - one bad entry must not stop the watch
                msg = str(e) if isinstance(e, NarrascopeError) else f"{type(e).__name__}: {e}"
                log.warning("feed %s entry %r: analysis failed: %s", spec.url, entry.key, msg)
                return self.monitor.store_item(spec.url, entry.key, None, url=entry.link, error=f"analysis failed: {msg}")
            versions = pipeline.versions()
        try:
            status = self.monitor.store_item(spec.url, entry.key, analysis, versions=versions, url=entry.link)
        except StoreError:
            raise  # the store itself is unusable: stop, with its message
        except Exception as e:  # noqa: BLE001 - e.g. an analysis that is not JSON-serialisable
            log.warning("feed %s entry %r: cannot store: %s: %s", spec.url, entry.key, type(e).__name__, e)
            return self.monitor.store_item(spec.url, entry.key, None, url=entry.link,
                                           error=f"cannot store: {type(e).__name__}: {e}")
        log.debug("feed %s entry %r: %s", spec.url, entry.key, status)
        return status

    # -- cycles -----------------------------------------------------------------------------
    def cycle(self) -> CycleReport:
        """Poll every due feed once, then evaluate the rules and deliver new alerts."""
        t0 = time.perf_counter()
        report = CycleReport()
        for spec in self.feeds:
            if self._stop.is_set():
                report.interrupted = True
                break
            report.feeds.append(self.poll_feed(spec))
        report.interrupted = report.interrupted or any(f.status == "interrupted" for f in report.feeds)
        if self.rules is not None and not report.interrupted and (self._cycles == 0 or report.total("stored")):
            report.alerts = self.evaluate()
        elif self.sinks and not report.interrupted:
            from .delivery import deliver

            deliver(self.monitor, self.sinks, [])  # retry pending webhook deliveries
        self._cycles += 1
        report.seconds = time.perf_counter() - t0
        log.info("cycle %d: %s", self._cycles, report.summary())
        return report

    def evaluate(self, as_of: date | None = None) -> list[dict[str, Any]]:
        from .alerts import evaluate_rules
        from .delivery import deliver

        fired = evaluate_rules(self.store, self.rules, as_of=as_of or self.clock().date())
        for a in fired:
            log.warning("ALERT [%s] %s", a["rule"], a["message"])
        if self.sinks:
            deliver(self.monitor, self.sinks, fired)
        return fired

    def run(self, *, once: bool = False, handle_signals: bool = True) -> list[CycleReport]:
        """Cycle until stopped (or once). Returns the cycle reports."""
        restore = self._install_signals() if handle_signals else {}
        reports: list[CycleReport] = []
        try:
            while not self._stop.is_set():
                started = time.monotonic()
                reports.append(self.cycle())
                if once or self._stop.is_set():
                    break
                wait = max(0.0, self.every - (time.monotonic() - started))
                log.info("next cycle in %.0f s", wait)
                self._stop.wait(wait)
        finally:
            for sig, handler in restore.items():
                signal.signal(sig, handler)
        if self._stop.is_set():
            log.info("stopped")
        return reports

    def _install_signals(self) -> dict:
        if threading.current_thread() is not threading.main_thread():
            return {}
        old = {}

        def handler(signum, frame):
            if self._stop.is_set() and signum == signal.SIGINT:
                raise KeyboardInterrupt
            log.info("%s received: stopping after the entry in hand", signal.Signals(signum).name)
            self._stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            old[sig] = signal.signal(sig, handler)
        return old


def watch(feeds: Sequence[FeedSpec | str], store, *, once: bool = False, **options) -> list[CycleReport]:
    """Watch ``feeds`` into ``store`` (see :class:`Watcher` for ``options``); returns the cycle reports."""
    specs = [f if isinstance(f, FeedSpec) else FeedSpec(str(f)) for f in feeds]
    return Watcher(store, specs, **options).run(once=once)
