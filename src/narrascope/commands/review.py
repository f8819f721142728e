"""Review commands: ``review add|show|queue|progress``, ``import-review FILE``; ``export --what review``
(Label Studio JSON, corrections as JSONL/CSV, shared-task TSV) is dispatched here from ``export``."""

from __future__ import annotations

import getpass
import json
import os
import sys

import click

REVIEW_FORMATS = ("label-studio", "jsonl", "csv", "parquet", "semeval2025-narratives", "semeval2025-roles")
REVIEWER_ENV = "NARRASCOPE_REVIEWER"


def default_reviewer() -> str:
    try:
        return os.environ.get(REVIEWER_ENV) or getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (containers)
        return "reviewer"


def export_review(db: str, fmt: str, output: str, *, source: str | None = None, model_output: bool = False) -> int:
    """``narrascope export --what review``: write the review in ``fmt``; returns the rows/tasks written."""
    from ..errors import ConfigError
    from ..formats import atomic_output
    from ..store import open_store

    if fmt not in REVIEW_FORMATS:
        raise ConfigError(f"--what review is written as {', '.join(REVIEW_FORMATS)}, got {fmt!r}", where="--format")
    if model_output and not fmt.startswith("semeval"):
        raise ConfigError("--model-output applies to the shared-task TSV formats", where="--model-output")
    with open_store(db, create=False) as store:
        if fmt == "label-studio":
            from ..review.labelstudio import export_tasks, write_tasks

            tasks = export_tasks(store, source=source)
            if output == "-":
                return write_tasks(tasks, sys.stdout)
            with atomic_output(output) as fh:
                return write_tasks(tasks, fh)
        if fmt.startswith("semeval"):
            from ..review.sharedtask import write_tsv

            if output == "-":
                return write_tsv(store, fmt, sys.stdout, reviewed=not model_output, source=source)
            with atomic_output(output) as fh:
                return write_tsv(store, fmt, fh, reviewed=not model_output, source=source)
        from ..store.export import write_rows
        from ..store.review import ReviewTable

        return write_rows(ReviewTable(store).iter_all(source=source), "review", fmt, output)


def register(main: click.Group) -> None:
    @main.command("import-review")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--db", required=True, help="Store to import into (SQLite file, created if missing, or postgresql://...).")
    @click.option("--reviewer", default=None, help="Reviewer name for annotations made in Label Studio (default: the annotation's user).")
    def import_review(file, db, reviewer):
        """Import a Label Studio export (from `export --what review --format label-studio` or Label Studio).

        Documents missing from --db are stored from the tasks; corrections already stored are skipped.
        """
        from ..review.labelstudio import import_label_studio
        from ..store import open_store

        with open_store(db) as store:
            stats = import_label_studio(store, file, reviewer=reviewer)
        click.echo(
            f"{file}: {stats['tasks']} task(s), {stats['documents_added']} new document(s), "
            f"{stats['corrections_added']} new correction(s) of {stats['corrections_seen']}"
            + (f", {stats['derived_annotations']} annotation(s) read from their Label Studio result" if stats["derived_annotations"] else ""),
            err=True,
        )

    @main.group()
    def review() -> None:
        """Review corrections: add one, show a document's review, the queue, progress per source."""

    @review.command("add")
    @click.option("--db", required=True, help="Store (SQLite file or postgresql://...).")
    @click.option("--doc", "doc_id", required=True, help="Document id (content hash or external id).")
    @click.option("--kind", type=click.Choice(["label", "span", "role"]), required=True)
    @click.option("--action", type=click.Choice(["accept", "reject", "add", "set"]), required=True)
    @click.option("--task", default=None, help="Label task (e.g. narratives) or span analyzer (e.g. techniques); roles: entities.")
    @click.option("--label", default=None, help="The label (a role correction: the main role).")
    @click.option("--start", type=int, default=None, help="Span start (character offset).")
    @click.option("--end", type=int, default=None, help="Span end (exclusive).")
    @click.option("--entity", default=None, help="Entity name (role corrections).")
    @click.option("--fine-role", "fine_roles", multiple=True, help="Fine role (repeatable; role corrections).")
    @click.option("--note", default=None, help="Free-text note kept with the correction.")
    @click.option("--reviewer", default=None, help=f"Reviewer name (default: ${REVIEWER_ENV} or the login name).")
    def review_add(db, doc_id, kind, action, task, label, start, end, entity, fine_roles, note, reviewer):
        """Record one correction of a stored analysis (the analysis itself is never changed)."""
        from ..review import add_corrections
        from ..store import open_store

        item = {"kind": kind, "action": action, "task": task, "label": label, "start": start, "end": end,
                "entity": entity, "fine_roles": list(fine_roles), "note": note}
        with open_store(db, create=False) as store:
            out = add_corrections(store, doc_id, [item], reviewer=reviewer or default_reviewer())
        click.echo(json.dumps(out["corrections"][-1], ensure_ascii=False))

    @review.command("show")
    @click.option("--db", required=True)
    @click.option("--doc", "doc_id", required=True, help="Document id (content hash or external id).")
    def review_show(db, doc_id):
        """Print a document's corrections and reviewed state as JSON."""
        from ..review import document_review
        from ..store import open_store

        with open_store(db, create=False) as store:
            click.echo(json.dumps(document_review(store, doc_id), ensure_ascii=False, indent=1))

    @review.command("queue")
    @click.option("--db", required=True)
    @click.option("--source", default=None, help="Only this source.")
    @click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
    @click.option("--threshold", "thresholds", multiple=True, help="TASK=VALUE decision threshold of a task (default 0.5).")
    @click.option("--include-reviewed", is_flag=True, help="Keep already reviewed documents in the queue.")
    def review_queue_cmd(db, source, limit, thresholds, include_reviewed):
        """Documents to review next: labels with scores nearest the threshold first."""
        from ..errors import ConfigError
        from ..review import review_queue
        from ..store import open_store

        th = {}
        for t in thresholds:
            k, _, v = t.partition("=")
            try:
                th[k.strip()] = float(v)
            except ValueError:
                raise ConfigError(f"--threshold must be TASK=VALUE, got {t!r}", where="--threshold") from None
        with open_store(db, create=False) as store:
            rows = review_queue(store, thresholds=th, source=source, limit=limit, include_reviewed=include_reviewed)
        for r in rows:
            click.echo(f"{r['margin']:.3f}  {r['id']}  {r.get('source') or '-':<20} {(r.get('title') or '')[:70]}")

    @review.command("progress")
    @click.option("--db", required=True)
    @click.option("--json", "as_json", is_flag=True)
    def review_progress_cmd(db, as_json):
        """Reviewed documents and corrections per source."""
        from ..review import review_progress
        from ..store import open_store

        with open_store(db, create=False) as store:
            p = review_progress(store)
        if as_json:
            click.echo(json.dumps(p, ensure_ascii=False, indent=1))
            return
        for r in p["sources"] + [dict(p["total"], source="(all)", reviewers="")]:
            click.echo(f"{r['source'] or '(no source)':<24} {r['reviewed']:>6} / {r['documents']:<6} reviewed "
                       f"({100 * r['share']:.1f}%), {r['corrections']} correction(s)")
