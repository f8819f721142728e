"""`narrascope watch` and alert rules against a real HTTP server on loopback serving feeds that
change between polls, a real SQLite store (and PostgreSQL where marked), real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone

import pytest

from narrascope.errors import ConfigError
from narrascope.monitor import (FeedSpec, Watcher, evaluate_rules, feed_health, list_alerts, load_rules,
                                parse_interval, parse_rules, read_feeds_file, surge_p_value)
from narrascope.monitor.delivery import JsonlSink, WebhookSink
from narrascope.readers import ReadOptions
from narrascope.store import open_store
from narrascope.store.monitor import MonitorStore

from tests._feed_server import FeedServer, article_html, rss
from tests._monitor_corpus import marker_pipeline, rfc822, scenario_items
from tests.conftest import ROOT

LOOPBACK = ReadOptions(allow_private_network=True, timeout=10)
TODAY = date(2026, 3, 28)
NOON = datetime(2026, 3, 28, 12, 0, tzinfo=timezone.utc)


def story(i: int, day: date = TODAY, **kw) -> dict:
    text = (f"<p>Story {i}: the harbour council met again on the ferry tender and the grain levy, and residents "
            f"of district {i} asked for clear answers about the tunnel and the clinic budget.</p>")
    d = {"guid": f"urn:story:{i}", "title": f"Story number {i}", "link": f"https://news.example/{i}",
         "date": rfc822(day, 9, i % 60), "content": text}
    d.update(kw)
    return d


@pytest.fixture()
def server():
    with FeedServer() as s:
        yield s


@pytest.fixture()
def store(tmp_path):
    with open_store(str(tmp_path / "watch.db")) as s:
        yield s


def watcher(store, urls, **kw) -> Watcher:
    kw.setdefault("pipeline", marker_pipeline())
    kw.setdefault("read_options", LOOPBACK)
    kw.setdefault("every", 60)
    kw.setdefault("clock", lambda: NOON)
    specs = [u if isinstance(u, FeedSpec) else FeedSpec(u) for u in urls]
    return Watcher(store, specs, **kw)


# -- polling -----------------------------------------------------------------------------------------


def test_new_items_are_picked_up_and_an_unchanged_feed_gets_304(server, store):
    url = server.set("/a.rss", rss("Harbour Herald", [story(1), story(2)]))
    w = watcher(store, [url])
    rep = w.cycle()
    assert (rep.total("new"), rep.total("stored")) == (2, 2)
    assert store.count_documents() == 2
    doc = store.get(store.list_documents()[0][0]["id"])
    assert doc["document"]["source"] == "Harbour Herald"

    rep = w.cycle()  # unchanged: conditional GET answered 304, nothing parsed or analysed
    assert rep.feeds[0].status == "not_modified" and rep.total("new") == 0
    assert server.not_modified["/a.rss"] == 1

    server.set("/a.rss", rss("Harbour Herald", [story(3), story(1), story(2)]))  # a new item on top
    rep = w.cycle()
    assert (rep.feeds[0].http_status, rep.total("new"), rep.total("stored")) == (200, 1, 1)
    assert store.count_documents() == 3
    health = {f["url"]: f for f in feed_health(store)}[url]
    assert health["items_seen"] == 3 and health["items_stored"] == 3 and health["consecutive_errors"] == 0
    assert health["last_success"] and health["last_error"] is None and health["title"] == "Harbour Herald"


def test_a_broken_feed_does_not_stop_the_others_and_backs_off(server, store):
    good = server.set("/good.rss", rss("Good", [story(1)]))
    bad = server.set_status("/bad.rss", 500)
    notfeed = server.set("/page.html", article_html("A page", ["Not a feed at all."]), "text/html")
    clock = [NOON]
    w = watcher(store, [bad, notfeed, good], every=600, clock=lambda: clock[0])
    rep = w.cycle()
    status = {f.url: f.status for f in rep.feeds}
    assert status == {bad: "error", notfeed: "error", good: "ok"}
    assert store.count_documents() == 1
    health = {f["url"]: f for f in feed_health(store)}
    assert "HTTP 500" in health[bad]["last_error"] and health[bad]["consecutive_errors"] == 1
    assert "sent an HTML page (text/html), not an RSS or Atom feed" in health[notfeed]["last_error"]

    # the first error does not delay the next poll; the second doubles the wait, and so on
    clock[0] = NOON + timedelta(seconds=600)
    w.cycle()
    assert {f["url"]: f for f in feed_health(store)}[bad]["consecutive_errors"] == 2
    clock[0] = NOON + timedelta(seconds=1200)  # 600 s later: still backing off (wait 1200 s after error 2)
    rep = w.cycle()
    assert {f.url: f.status for f in rep.feeds}[bad] == "backing_off"
    hits = server.hits["/bad.rss"]
    server.set("/bad.rss", rss("Recovered", [story(7)]))
    clock[0] = NOON + timedelta(seconds=1800)
    rep = w.cycle()
    assert {f.url: f.status for f in rep.feeds}[bad] == "ok" and server.hits["/bad.rss"] == hits + 1
    assert {f["url"]: f for f in feed_health(store)}[bad]["consecutive_errors"] == 0
    assert store.count_documents() == 2


def test_an_entry_with_only_a_summary_gets_its_article_page(server, store):
    page = server.set("/articles/9.html", article_html(
        "Ferry tender collapses", ["The harbour council cancelled the ferry tender on Monday after two bidders withdrew.",
                                   "Residents said the crossing would stay closed for another winter."]), "text/html")
    summary_only = {"guid": "urn:s:9", "title": "Ferry tender collapses", "link": page, "date": rfc822(TODAY),
                    "summary": "The ferry tender collapsed."}
    url = server.set("/s.rss", rss("Summaries", [summary_only]))
    watcher(store, [url]).cycle()
    (row,), _ = store.list_documents()
    doc = store.get(row["id"])["document"]
    assert "cancelled the ferry tender on Monday" in doc["text"] and "Copyright" not in doc["text"]
    assert doc["source"] == "Summaries" and doc["url"] == page and doc["published"].startswith("2026-03-28")
    assert server.hits["/articles/9.html"] == 1


def test_the_summary_is_kept_when_the_article_page_cannot_be_fetched(server, store):
    gone = server.set_status("/gone.html", 404)
    url = server.set("/s.rss", rss("Summaries", [{"guid": "g", "title": "T", "link": gone, "date": rfc822(TODAY),
                                                  "summary": "Short summary of the ferry story."}]))
    rep = watcher(store, [url]).cycle()
    assert rep.total("stored") == 1
    (row,), _ = store.list_documents()
    stored = store.get(row["id"])
    assert "Short summary of the ferry story." in stored["document"]["text"]
    assert "HTTP 404" in stored["document"]["meta"]["page_error"]


def test_restart_and_a_second_watcher_add_no_duplicates(server, tmp_path):
    db = str(tmp_path / "two.db")
    url = server.set("/a.rss", rss("A", [story(i) for i in range(1, 6)]))
    other = server.set("/b.rss", rss("B copy", [story(i, guid=f"b-{i}") for i in range(1, 4)]))  # same texts
    with open_store(db) as s1, open_store(db) as s2:
        r1 = watcher(s1, [url, other]).cycle()
        r2 = watcher(s2, [url, other]).cycle()  # a second watcher on the same store, or a restart
        assert s1.count_documents() == 5
        assert r1.total("stored") == 5 and r1.total("known") == 3  # feed B repeats texts of feed A: sightings
        assert r2.total("stored") == 0 and r2.total("new") == 0
        assert MonitorStore(s1).item_counts() == {"stored": 5, "known": 3}
        assert len(s1.get(s1.list_documents(limit=50)[0][-1]["id"])["sightings"]) in (1, 2)


def test_private_addresses_are_refused_without_the_flag(server, store):
    url = server.set("/a.rss", rss("A", [story(1)]))
    rep = watcher(store, [url], read_options=ReadOptions()).cycle()
    assert rep.feeds[0].status == "error" and "loopback" in rep.feeds[0].error
    assert "--allow-private-network" in rep.feeds[0].error
    assert store.count_documents() == 0


def test_size_limit_applies_to_feeds(server, store):
    url = server.set("/big.rss", rss("Big", [story(i) for i in range(40)]))
    rep = watcher(store, [url], read_options=ReadOptions(allow_private_network=True, max_bytes=2000)).cycle()
    assert rep.feeds[0].status == "error" and "limit" in rep.feeds[0].error


def test_stop_between_items_keeps_the_feed_unfinished_for_the_next_poll(server, store):
    url = server.set("/a.rss", rss("A", [story(i) for i in range(1, 5)]))
    w = watcher(store, [url])
    calls = []
    original = w._handle_entry

    def handle(*a):
        calls.append(1)
        if len(calls) == 2:
            w.stop()  # a signal arrives while the second entry is being handled
        return original(*a)

    w._handle_entry = handle
    rep = w.cycle()
    assert rep.interrupted and rep.total("stored") == 2
    # the validators were not saved: the next watcher gets the feed again (no 304) and finishes it
    rep = watcher(store, [url]).cycle()
    assert rep.feeds[0].http_status == 200 and rep.total("stored") == 2
    assert store.count_documents() == 4 and server.not_modified["/a.rss"] == 0


# -- feed lists and intervals ------------------------------------------------------------------------


def test_feeds_file_text_and_opml(tmp_path):
    txt = tmp_path / "feeds.txt"
    txt.write_text("# my feeds\nhttps://a.example/rss Harbour Herald\n\nhttp://b.example/atom.xml\n", encoding="utf-8")
    assert read_feeds_file(txt) == [FeedSpec("https://a.example/rss", "Harbour Herald"), FeedSpec("http://b.example/atom.xml")]
    opml = tmp_path / "feeds.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
                    '<outline text="News"><outline text="Valley Voice" type="rss" xmlUrl="https://v.example/feed"/>'
                    '<outline title="Coastal" xmlUrl="https://c.example/rss"/></outline></body></opml>', encoding="utf-8")
    assert read_feeds_file(opml) == [FeedSpec("https://v.example/feed", "Valley Voice"), FeedSpec("https://c.example/rss", "Coastal")]
    bad = tmp_path / "bad.txt"
    bad.write_text("ftp://x.example/feed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.txt:1.*http\(s\)://"):
        read_feeds_file(bad)


def test_intervals():
    assert [parse_interval(v) for v in ("90s", "15m", "2h", "1d", "30", 45)] == [90, 900, 7200, 86400, 30, 45]
    for bad in ("soon", "0s", "-5m", "15 minutes"):
        with pytest.raises(ConfigError, match="--every"):
            parse_interval(bad)


# -- rules ---------------------------------------------------------------------------------------------

RULES = """
defaults:
  window: 1d
  baseline: 28d
rules:
  - id: narrative-surge
    type: surge
    what: narrative
  - id: technique-surge
    type: surge
    what: technique
  - id: role-surge
    type: surge
    what: entity_role
    roles: [Antagonist]
    min_count: 3
  - id: blackout
    type: surge
    what: keyword
    keywords: [blackout]
  - id: villain
    type: new_entity_role
    roles: [Antagonist]
    min_count: 3
    min_sources: 2
  - id: new-in-outlet
    type: new_narrative_for_source
    min_count: 2
"""


@pytest.mark.parametrize("text, message", [
    ("rules: []", "'rules' must be a non-empty list"),
    ("rule:\n  - id: x", "unknown top-level key"),
    ("rules:\n  - type: surge", "missing required field 'id'"),
    ("rules:\n  - id: a\n    type: surj", "type must be one of surge, new_narrative_for_source, new_entity_role, got 'surj' (did you mean 'surge'?)"),
    ("rules:\n  - id: a\n    type: surge\n    min_cont: 3", "rules[0] (a): unknown field 'min_cont' (did you mean 'min_count'?)"),
    ("rules:\n  - id: a\n    type: surge\n    min_count: five", "rules[0] (a).min_count: min_count must be an integer >= 1, got 'five'"),
    ("rules:\n  - id: a\n    type: surge\n    window: tomorrow", "window must be a number of days"),
    ("rules:\n  - id: a\n    type: surge\n    p_value: 2", "p_value must be a probability"),
    ("rules:\n  - id: a\n    type: surge\n    what: keyword", "a keyword surge needs 'keywords'"),
    ("rules:\n  - id: a\n    type: new_entity_role\n    baseline: 7d", "field 'baseline' does not apply to a new_entity_role rule"),
    ("rules:\n  - id: a\n    type: surge\n  - id: a\n    type: surge", "duplicate rule id 'a'"),
    ("rules:\n  - id: a\n   type: surge", "not valid YAML at line 3"),
])
def test_rule_files_are_validated_with_clear_errors(tmp_path, text, message):
    p = tmp_path / "rules.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_rules(p)
    assert message in str(e.value)
    assert str(p) in str(e.value)


def test_rules_take_defaults_and_durations(tmp_path):
    p = tmp_path / "rules.yaml"
    p.write_text(RULES, encoding="utf-8")
    rules = load_rules(p)
    assert [r.id for r in rules] == ["narrative-surge", "technique-surge", "role-surge", "blackout", "villain", "new-in-outlet"]
    assert rules.rules[0].window == 1 and rules.rules[0].baseline == 28 and rules.rules[0].min_count == 5
    assert rules.rules[4].min_count == 3 and rules.rules[4].lookback == 90
    assert parse_rules({"rules": [{"id": "w", "type": "surge", "window": "2w", "cooldown": 3}]}).rules[0].window == 14


def test_surge_p_values_match_hand_computed_cases():
    # 3 of 3 window documents carry a label that 0 of 3 baseline documents carry: C(3,3)/C(6,3) = 1/20
    assert surge_p_value(3, 3, 0, 3) == pytest.approx(0.05)
    # 2 of 2 vs 1 of 4: P(X>=2) for X ~ Hypergeom(6, 3, 2) = C(3,2)/C(6,2) = 3/15
    assert surge_p_value(2, 2, 1, 4) == pytest.approx(0.2)
    # rates: 4 in 1 day vs 0 in 3 days: (1/4)^4
    assert surge_p_value(4, 0, 0, 0, test="rate", window_days=1, baseline_days=3) == pytest.approx(1 / 256)
    assert surge_p_value(0, 10, 5, 50) == 1.0
    assert surge_p_value(5, 10, 0, 0) == 1.0  # no baseline at all: nothing is a surge


def _scenario(server, store, tmp_path, *, surge: bool):
    a = server.set("/a.rss", rss("A", scenario_items(TODAY, "A", surge=surge)))
    b = server.set("/b.rss", rss("B", scenario_items(TODAY, "B", surge=surge)))
    p = tmp_path / "rules.yaml"
    p.write_text(RULES, encoding="utf-8")
    jsonl = tmp_path / "alerts.jsonl"
    w = watcher(store, [a, b], rules=load_rules(p), sinks=[JsonlSink(jsonl)])
    return w, w.cycle(), jsonl


def test_surge_scenario_fires_exactly_the_expected_alerts_each_explained(server, store, tmp_path):
    w, rep, jsonl = _scenario(server, store, tmp_path, surge=True)
    assert store.count_documents() == 2 * (28 * 4 + 6)
    fired = sorted((a["rule"], a["subject"], a["source"]) for a in rep.alerts)
    assert fired == [
        ("blackout", "blackout", None),
        ("narrative-surge", "Blame", None),
        ("new-in-outlet", "Sabotage", "B"),
        ("role-surge", "Mayor Lind as Antagonist", None),
        ("villain", "Mayor Lind as Antagonist", None),
    ]
    alerts = {a["rule"]: a for a in list_alerts(store)["alerts"]}
    blame = alerts["narrative-surge"]
    ev = blame["evidence"]
    assert (ev["count"], ev["window_documents"], ev["baseline_count"], ev["baseline_documents"]) == (10, 12, 28, 224)
    assert ev["window"] == ["2026-03-28", "2026-03-28"] and ev["baseline"] == ["2026-02-28", "2026-03-27"]
    assert ev["p_value"] == pytest.approx(surge_p_value(10, 12, 28, 224)) and ev["p_value"] < 1e-6
    assert ev["ratio"] == pytest.approx((10 / 12) / (28 / 224), rel=1e-3)
    assert "10 of 12 documents (83%)" in blame["message"] and "28 of 224 (12%)" in blame["message"]
    assert "Fisher" in ev["test"]
    assert len(blame["documents"]) == 10 and all(d["published"].startswith("2026-03-28") for d in blame["documents"])
    villain = alerts["villain"]
    assert villain["evidence"]["roles_before"] == ["Protagonist"] and villain["evidence"]["sources"] == {"A": 2, "B": 2}
    assert "before, cast as Protagonist" in villain["message"] and len(villain["documents"]) == 4
    outlet = alerts["new-in-outlet"]
    assert outlet["evidence"]["lookback_documents"] == 112 and [d["source"] for d in outlet["documents"]] == ["B", "B"]
    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert [a["id"] for a in lines] == [a["id"] for a in rep.alerts]

    # the same condition does not fire again: polls without news (304) and re-evaluations add nothing
    first_ids = sorted(a["id"] for a in rep.alerts)
    rep = w.cycle()
    assert rep.count("not_modified") == 2 and rep.alerts == []
    assert w.evaluate() == [] and list_alerts(store)["total"] == 5
    again = evaluate_rules(store, w.rules, as_of=TODAY, dry_run=True)  # a dry run shows them, stores nothing
    assert sorted(a["id"] for a in again) == first_ids
    assert list_alerts(store)["total"] == 5


def test_flat_scenario_fires_nothing(server, store, tmp_path):
    _w, rep, jsonl = _scenario(server, store, tmp_path, surge=False)
    assert store.count_documents() == 2 * 29 * 4
    assert rep.alerts == [] and list_alerts(store)["total"] == 0
    assert not jsonl.exists() or jsonl.read_text() == ""


def test_cooldown_keeps_a_lasting_surge_from_firing_every_day(server, store, tmp_path):
    _scenario(server, store, tmp_path, surge=True)
    rules = parse_rules({"rules": [{"id": "s", "type": "surge", "what": "narrative", "window": "2d", "cooldown": "3d"}]})
    first = evaluate_rules(store, rules, as_of=TODAY)
    assert [a["subject"] for a in first] == ["Blame"]
    assert evaluate_rules(store, rules, as_of=TODAY + timedelta(days=1)) == []  # within 3 days: suppressed


# -- delivery ------------------------------------------------------------------------------------------


def test_webhook_gets_each_alert_once_and_private_receivers_are_refused(server, store, tmp_path):
    hook = server.url + "/hook"
    refused = WebhookSink(hook, ReadOptions())  # loopback without the flag: refused, retried later
    w, rep, _ = _scenario(server, store, tmp_path, surge=True)
    from narrascope.monitor.delivery import deliver

    out = deliver(w.monitor, [refused], [])
    assert out == {"written": 0, "sent": 0, "failed": 5} and server.posts == []
    assert "loopback" in list_alerts(store)["alerts"][0]["delivery_error"]
    out = deliver(w.monitor, [WebhookSink(hook, LOOPBACK)], [])
    assert out["sent"] == 5 and len(server.posts) == 5
    path, body = server.posts[0]
    assert path == "/hook" and {"id", "rule", "message", "evidence", "documents"} <= set(body["alert"])
    assert deliver(w.monitor, [WebhookSink(hook, LOOPBACK)], [])["sent"] == 0  # delivered: not again
    assert all(a["delivered_at"] for a in list_alerts(store)["alerts"])


# -- PostgreSQL ----------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_watch_and_rules_on_postgresql(server, pg_server, tmp_path):
    url = pg_server.create_database("monitor")
    with open_store(url) as store:
        w, rep, _ = _scenario(server, store, tmp_path, surge=True)
        assert store.count_documents() == 2 * (28 * 4 + 6)
        assert sorted(a["rule"] for a in rep.alerts) == ["blackout", "narrative-surge", "new-in-outlet", "role-surge", "villain"]
        assert w.cycle().count("not_modified") == 2
        assert list_alerts(store, limit=2)["total"] == 5


# -- the CLI in real processes -----------------------------------------------------------------------


def _cli(*args, env_extra=None, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), **(env_extra or {}))
    return subprocess.Popen([sys.executable, "-m", "narrascope", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _wait_for_documents(db: str, n: int, proc, timeout: float = 120) -> None:
    """Wait until ``n`` documents are committed (read-only WAL reads: never wait for the writer)."""
    import sqlite3

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.1)
        assert proc.poll() is None, proc.communicate()
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as conn:
                if conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] >= n:
                    return
        except sqlite3.Error:
            continue
    raise AssertionError(f"fewer than {n} documents after {timeout} s")


def test_kill_9_mid_poll_loses_and_duplicates_nothing(server, tmp_path):
    db = str(tmp_path / "kill.db")
    n = 12
    url = server.set("/a.rss", rss("A", [story(i) for i in range(1, n + 1)]))
    # each entry's transaction is held open 0.4 s, so the kill lands inside one
    proc = _cli("watch", url, "--db", db, "--once", "--allow-private-network", "-a", "language",
                env_extra={"NARRASCOPE_TEST_WATCH_PAUSE": "0.4"})
    _wait_for_documents(db, 3, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with open_store(db) as s:
        done = s.count_documents()
        assert 3 <= done < n
        assert sum(MonitorStore(s).item_counts().values()) == done  # an entry is stored with its mark, or neither
    proc = _cli("watch", url, "--db", db, "--once", "--allow-private-network", "-a", "language")
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    with open_store(db) as s:
        assert s.count_documents() == n
        assert MonitorStore(s).item_counts() == {"stored": n}
        titles = [s.get(r["id"])["document"]["title"] for r in s.list_documents(limit=100)[0]]
        assert sorted(titles) == sorted(f"Story number {i}" for i in range(1, n + 1))
    assert f"{n - done} new entries: {n - done} stored" in err


def test_sigterm_stops_the_watcher_cleanly_between_items(server, tmp_path):
    db = str(tmp_path / "term.db")
    url = server.set("/a.rss", rss("A", [story(i) for i in range(1, 9)]))
    proc = _cli("watch", url, "--db", db, "--every", "1h", "--allow-private-network", "-a", "language",
                env_extra={"NARRASCOPE_TEST_WATCH_PAUSE": "0.3"})
    _wait_for_documents(db, 2, proc)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "SIGTERM received: stopping after the entry in hand" in err and "stopped" in err
    with open_store(db) as s:
        assert sum(MonitorStore(s).item_counts().values()) == s.count_documents() < 8


def test_cli_watch_once_alerts_and_feeds(server, tmp_path):
    from click.testing import CliRunner

    from narrascope.cli import main

    db = str(tmp_path / "cli.db")
    a = server.set("/a.rss", rss("A", [story(1), story(2)]))
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"{a} Harbour Herald\n{server.url}/missing.rss\n", encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - id: s\n    type: surge\n", encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(main, ["watch", "--feeds-file", str(feeds), "--db", db, "--once", "--allow-private-network",
                             "-a", "language", "--rules", str(rules)])
    assert r.exit_code == 0, r.output
    assert "2 new entries: 2 stored" in r.output and "HTTP 404" in r.output
    r = runner.invoke(main, ["feeds", "--db", db])
    assert r.exit_code == 0 and "Harbour Herald" in r.output and "HTTP 404" in r.output
    r = runner.invoke(main, ["alerts", "--db", db])
    assert r.exit_code == 0 and "no alerts" in r.output
    r = runner.invoke(main, ["alerts", "--db", db, "--format", "json"])
    assert json.loads(r.output) == {"alerts": [], "total": 0, "limit": 50, "offset": 0}
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: s\n    type: surge\n    windw: 2d\n", encoding="utf-8")
    from narrascope.cli import run

    with pytest.raises(SystemExit) as e:
        run(["watch", a, "--db", db, "--once", "--rules", str(bad)])
    assert e.value.code == 1


def test_cli_alerts_evaluates_rules_over_an_ingested_store(server, tmp_path):
    from click.testing import CliRunner

    from narrascope.cli import main

    from tests._monitor_corpus import scenario_analyses

    db = str(tmp_path / "ingested.db")
    with open_store(db) as s:
        s.add_analyses(scenario_analyses(TODAY, surge=True))
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(main, ["alerts", "--db", db, "--rules", str(rules), "--as-of", "2026-03-28", "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "5 alert(s) (dry run: nothing stored)" in r.output and "[narrative-surge] narrative surge: 'Blame'" in r.output
    with open_store(db) as s:
        assert list_alerts(s)["total"] == 0
    r = runner.invoke(main, ["alerts", "--db", db, "--rules", str(rules), "--as-of", "2026-03-28", "--format", "json",
                             "--webhook", server.url + "/hook", "--allow-private-network"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output[r.output.index("{"):])
    assert body["total"] == 5 and len(server.posts) == 5
    r = runner.invoke(main, ["alerts", "--db", db, "--rule", "villain"])
    assert r.exit_code == 0 and "'Mayor Lind' newly cast as Antagonist" in r.output and "A story" in r.output
    r = runner.invoke(main, ["alerts", "--db", db, "--rules", str(rules), "--as-of", "2026-03-28"])
    assert "0 new alert(s)" in r.output  # the same day again: nothing new


def test_cli_watch_once_fails_when_no_feed_can_be_read(server, tmp_path):
    from click.testing import CliRunner

    from narrascope.cli import main

    r = CliRunner().invoke(main, ["watch", server.url + "/nothing.rss", "--db", str(tmp_path / "x.db"), "--once",
                                  "--allow-private-network", "-a", "language"])
    assert r.exit_code == 1 and "HTTP 404" in r.output


def test_an_entry_whose_analysis_fails_is_recorded_and_the_rest_go_on(server, store):
    from narrascope.analyzers.base import Analyzer
    from narrascope.pipeline import Pipeline

    class Picky(Analyzer):
        name = "picky"

        def analyze(self, doc, analysis):
            if "Story 2:" in doc.text:
                raise ValueError("cannot handle story 2")
            self.stamp(analysis)

    url = server.set("/a.rss", rss("A", [story(1), story(2), story(3)]))
    rep = watcher(store, [url], pipeline=Pipeline([Picky()])).cycle()
    assert (rep.total("stored"), rep.total("failed")) == (2, 1)
    assert MonitorStore(store).item_counts() == {"stored": 2, "failed": 1}
    # the failed entry is retried on the next polls (the validators were kept back), at most 3 times
    w = watcher(store, [url], pipeline=Pipeline([Picky()]))
    assert [w.cycle().total("failed") for _ in range(3)] == [1, 1, 0]
    assert server.not_modified["/a.rss"] == 0
