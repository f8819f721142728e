"""Monitoring commands: ``watch`` (poll feeds into a store, evaluate alert rules), ``alerts``
(list stored alerts, or evaluate rules now) and ``feeds`` (feed health). Thin adapters over
:mod:`narrascope.monitor`."""

from __future__ import annotations

import json
import logging
import sys
import time

import click


class _UTCFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging API
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", self.converter(record.created))


def _setup_logging(verbose: bool, quiet: bool) -> None:
    log = logging.getLogger("narrascope.monitor")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_UTCFormatter("%(asctime)s %(levelname)s %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    log.propagate = False


def _sinks(webhook, alerts_jsonl, read_options) -> list:
    from ..monitor.delivery import JsonlSink, WebhookSink

    sinks: list = []
    if webhook:
        sinks.append(WebhookSink(webhook, read_options))
    if alerts_jsonl:
        sinks.append(JsonlSink(alerts_jsonl))
    return sinks


def _print_alerts(alerts: list[dict], fmt: str, total: int | None = None, **page) -> None:
    if fmt == "json":
        click.echo(json.dumps({"alerts": alerts, "total": len(alerts) if total is None else total, **page},
                              ensure_ascii=False, indent=2))
        return
    if fmt == "jsonl":
        for a in alerts:
            click.echo(json.dumps(a, ensure_ascii=False))
        return
    if not alerts:
        click.echo("no alerts")
        return
    for a in alerts:
        click.echo(f"{a['fired_at']}  [{a['rule']}] {a['message']}")
        for d in a.get("documents") or []:
            click.echo(f"    {(d.get('published') or '')[:10]}  {d.get('source') or '–'}: {d.get('title') or d['id']}"
                       f"  {d.get('url') or ''}".rstrip())


def register(main: click.Group) -> None:
    from ..cli import make_read_options, read_options_params

    @main.command()
    @click.argument("feeds", nargs=-1)
    @click.option("--db", required=True, help="Store: a SQLite file (created if missing) or postgresql://... URL.")
    @click.option("--feeds-file", type=click.Path(dir_okay=False, exists=True),
                  help="More feeds: a text file (one URL per line, optionally followed by a source name) or OPML.")
    @click.option("--every", default="15m", show_default=True, help="Time between polls (90s, 15m, 2h, 1d).")
    @click.option("--once", is_flag=True, help="Poll every feed once, evaluate the rules, and exit.")
    @click.option("--rules", "rules_file", type=click.Path(dir_okay=False), help="Alert rules (YAML; see docs/monitoring.md).")
    @click.option("--webhook", default=None, help="POST each new alert as JSON to this http(s) URL.")
    @click.option("--alerts-jsonl", type=click.Path(dir_okay=False), help="Append each new alert to this JSONL file.")
    @click.option("--fetch-pages", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
                  help="Fetch the linked article page: auto = when an entry carries only a summary.")
    @click.option("--max-backoff", default="1d", show_default=True, help="Longest wait before retrying a failing feed.")
    @click.option("--analyzers", "-a", default=None, help="Comma-separated analyzers to run (default: all).")
    @click.option("--pipeline", "pipeline_file", type=click.Path(dir_okay=False), help="JSON pipeline config file.")
    @click.option("--verbose", "-v", is_flag=True, help="Log every entry.")
    @click.option("--quiet", "-q", is_flag=True, help="Log only warnings, errors and alerts.")
    @read_options_params
    def watch(feeds, db, feeds_file, every, once, rules_file, webhook, alerts_jsonl, fetch_pages, max_backoff,
              analyzers, pipeline_file, verbose, quiet, **kw):
        """Watch RSS/Atom FEEDS: store and analyse new entries, alert on surges (foreground).

        Each poll is a conditional GET (ETag / Last-Modified); only entries not seen before are
        analysed and stored (a restart or a second watcher adds no duplicates); a failing feed is
        retried with exponential back-off and does not stop the others. SIGINT / SIGTERM stop the
        watcher after the entry in hand. With --rules, alerts are evaluated after each poll that
        stored something; new alerts are logged, stored (see `narrascope alerts`) and delivered.
        Exit status 0; 1 with --once when no feed could be read.
        """
        from ..errors import ConfigError
        from ..monitor import FeedSpec, Watcher, load_rules, parse_interval, read_feeds_file
        from ..monitor.feeds import check_feed_url
        from ..pipeline import Pipeline
        from ..store import open_store

        read_options = make_read_options(kw)
        specs = [FeedSpec(check_feed_url(f)) for f in feeds]
        if feeds_file:
            specs += read_feeds_file(feeds_file)
        if not specs:
            raise ConfigError("no feeds to watch", hint="pass feed URLs and/or --feeds-file FILE")
        interval = parse_interval(every)
        backoff = parse_interval(max_backoff, "--max-backoff")
        rules = load_rules(rules_file) if rules_file else None
        sinks = _sinks(webhook, alerts_jsonl, read_options)
        if sinks and rules is None:
            raise ConfigError("--webhook/--alerts-jsonl deliver alerts, but no --rules were given", where="--rules")
        pipeline = Pipeline.from_file(pipeline_file) if pipeline_file else Pipeline.from_config(
            {"analyzers": analyzers} if analyzers else None)
        _setup_logging(verbose, quiet)
        log = logging.getLogger("narrascope.monitor")
        with open_store(db) as store:
            w = Watcher(store, specs, pipeline=pipeline, read_options=read_options, every=interval, max_backoff=backoff,
                        rules=rules, sinks=sinks, fetch_pages=fetch_pages)
            log.info("watching %d feed(s) into %s%s%s", len(w.feeds), db,
                     "" if once else f", every {every}", f", {len(rules)} rule(s)" if rules else "")
            reports = w.run(once=once)
        if once and reports and reports[-1].feeds and all(f.status == "error" for f in reports[-1].feeds):
            sys.exit(1)  # for cron: no feed could be read at all

    @main.command()
    @click.option("--db", required=True, help="Store: SQLite file or postgresql://... URL.")
    @click.option("--rules", "rules_file", type=click.Path(dir_okay=False),
                  help="Evaluate these rules now (as of --as-of) and store the new alerts before listing.")
    @click.option("--as-of", default=None, help="With --rules: the last day of the window (YYYY-MM-DD; default today, UTC).")
    @click.option("--dry-run", is_flag=True, help="With --rules: print every alert the rules produce for the window (stored or not); store nothing.")
    @click.option("--rule", "rule_id", default=None, help="List only the alerts of this rule.")
    @click.option("--since", default=None, help="List only alerts fired at or after this time (YYYY-MM-DD[THH:MM:SSZ]).")
    @click.option("--limit", default=50, show_default=True, type=click.IntRange(1), help="Most alerts listed.")
    @click.option("--webhook", default=None, help="With --rules: POST each new alert as JSON to this URL.")
    @click.option("--alerts-jsonl", type=click.Path(dir_okay=False), help="With --rules: append each new alert to this file.")
    @click.option("--allow-private-network", is_flag=True, help="Let the webhook be on a loopback/private address.")
    @click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True)
    def alerts(db, rules_file, as_of, dry_run, rule_id, since, limit, webhook, alerts_jsonl, allow_private_network, fmt):
        """List stored alerts, newest first, each with why it fired and the articles behind it.

        With --rules, evaluate the rules over the store first (e.g. after `narrascope ingest`),
        store the alerts that are new, deliver them and list them; --dry-run only prints them.
        """
        from ..errors import ConfigError
        from ..monitor import evaluate_rules, list_alerts, load_rules
        from ..monitor.delivery import deliver
        from ..readers import ReadOptions
        from ..store import open_store
        from ..store.monitor import MonitorStore

        if not rules_file and (as_of or dry_run or webhook or alerts_jsonl):
            raise ConfigError("--as-of/--dry-run/--webhook/--alerts-jsonl need --rules", where="--rules")
        with open_store(db, create=bool(rules_file) and not dry_run) as store:
            if rules_file:
                rules = load_rules(rules_file)
                fired = evaluate_rules(store, rules, as_of=as_of, dry_run=dry_run)
                sinks = _sinks(webhook, alerts_jsonl, ReadOptions(allow_private_network=allow_private_network))
                if sinks and not dry_run:
                    deliver(MonitorStore(store), sinks, fired)
                click.echo(f"{len(fired)} alert(s) (dry run: nothing stored)" if dry_run else f"{len(fired)} new alert(s)", err=True)
                if dry_run:
                    _print_alerts(fired, fmt)
                    return
            page = list_alerts(store, limit=limit, rule=rule_id, since=since)
        _print_alerts(page["alerts"], fmt, page["total"], limit=page["limit"], offset=page["offset"])

    @main.command()
    @click.option("--db", required=True, help="Store: SQLite file or postgresql://... URL.")
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    def feeds(db, fmt):
        """Feed health: last poll, last success, last error, items seen and stored, per watched feed."""
        from ..monitor import feed_health
        from ..store import open_store

        with open_store(db, create=False) as store:
            rows = feed_health(store)
        if fmt == "json":
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            click.echo("no feeds watched yet (narrascope watch FEED... --db DB)")
            return
        for f in rows:
            state = "ok" if f["healthy"] else f"FAILING ({f['consecutive_errors']} in a row)"
            click.echo(f"{f['url']}  {f['name'] or f['title'] or ''}".rstrip())
            click.echo(f"    {state}; last success {f['last_success'] or 'never'}; items seen {f['items_seen']}, "
                       f"stored {f['items_stored']}, failed {f['failed_items']}")
            if f["last_error"]:
                click.echo(f"    last error {f['last_error_at']}: {f['last_error']}")
            if f["next_poll_after"]:
                click.echo(f"    next poll after {f['next_poll_after']}")
