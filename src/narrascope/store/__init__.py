"""The corpus store: analysed documents in SQLite (default) or PostgreSQL, behind one interface.

Only this package talks SQL. Everything else (the ``ingest``/``duplicates``/``export`` commands,
the REST API, the web UI) calls the :class:`Store` methods below.

Open a store with :func:`open_store`::

    from narrascope.store import open_store

    store = open_store("corpus.db")               # SQLite file (created, migrated)
    store = open_store("sqlite:///corpus.db")     # same
    store = open_store("postgresql://user@127.0.0.1:5432/narrascope")   # PostgreSQL (psycopg 3)

Document ids
    A stored document's id (``doc_id``) is the content hash of ``Document.text``
    (:func:`narrascope.document.content_id`, 24 hex characters): the same article read again gets
    the same id, so re-ingesting adds nothing. The reader's ``Document.id`` (e.g. the file name
    ``EN_UA_1001``) is kept as ``external_id``; :meth:`Store.get` accepts either.
    When the *same text* comes again from another source/URL/external id, the document is not
    duplicated: a *sighting* (source, url, external id, published) is recorded instead.

Labels, read generically
    Whatever analyzers exist are stored and counted without the store knowing them:
    every ``Analysis.labels[task]`` entry becomes a row ``(task, label, score)``, and every flat
    span becomes a row ``(task=<span analyzer>, label=<span label>, count, max score)``.
    *Narrative* statistics and filters use label tasks whose name contains ``"narrative"``;
    *technique* ones use tasks (label tasks or span analyzers) whose name contains ``"technique"``.
    Entity roles come from ``Analysis.data["entities"]`` (a list of dicts with a name under
    ``name``/``canonical``/``text``, ``main_role`` and ``fine_roles``).

Dates
    ``published`` is kept as given (ISO 8601); ``day`` is its UTC date ``YYYY-MM-DD`` (the date as
    written when no time zone is given) and ``week`` the date of the Monday of that ISO week, or
    ``None`` when the date is missing or unparseable. ``date_from``/``date_to`` filters are
    inclusive ``YYYY-MM-DD`` strings on that day.

Concurrency
    A :class:`Store` object can be shared by threads (the API's worker threads): reads use one
    connection per thread, writes go through one writer connection under a lock, one
    transaction per batch. SQLite runs in WAL mode so readers never block the writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

from ..document import Analysis
from ..errors import ConfigError

__all__ = ["Store", "IngestReport", "DocumentPage", "open_store", "GROUP_BY", "EXPORTS", "COUNT_LIMIT"]

GROUP_BY = ("source", "day", "week")
EXPORTS = ("documents", "narratives", "techniques", "entities", "labels", "duplicates")
COUNT_LIMIT = 10_000  # list_documents counts at most this many matches (then total is a lower bound)


class DocumentPage(tuple):
    """One page of :meth:`Store.list_documents`: unpacks as ``rows, total = page``.

    ``rows``: the documents of this page. ``total``: how many documents match, counted up to the
    ``count_limit`` only (counting every match of a broad filter costs a full scan).
    ``total_is_lower_bound``: ``False`` means ``total`` is exact; ``True`` means counting stopped
    at the limit: *more* than ``total`` documents match (show "10,000+"). ``has_more``: whether
    another page follows this one (known exactly, whatever the count). ``count_limit``: the limit
    used (``None`` = counted exactly). ``next_cursor``: pass it as ``after=`` to get the next page
    by keyset (cost independent of the depth); ``None`` on the last page and for full-text
    searches (ordered by relevance: page those with ``offset``).
    """

    def __new__(cls, rows: list, total: int, *, total_is_lower_bound: bool = False, has_more: bool = False,
                count_limit: int | None = None, next_cursor: str | None = None) -> "DocumentPage":
        page = super().__new__(cls, (rows, total))
        page.total_is_lower_bound = bool(total_is_lower_bound)
        page.has_more = bool(has_more)
        page.count_limit = count_limit
        page.next_cursor = next_cursor
        return page

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self[0]

    @property
    def total(self) -> int:
        return self[1]

    def __reduce__(self):
        return (_page, (self[0], self[1], self.total_is_lower_bound, self.has_more, self.count_limit, self.next_cursor))

    def __repr__(self) -> str:
        more = "+" if self.total_is_lower_bound else ""
        return f"DocumentPage({len(self[0])} rows, total={self[1]}{more}, has_more={self.has_more})"


def _page(rows, total, lower, more, limit, cursor=None) -> DocumentPage:
    return DocumentPage(rows, total, total_is_lower_bound=lower, has_more=more, count_limit=limit, next_cursor=cursor)


@dataclass
class IngestReport:
    """What :meth:`Store.add_analyses` (and ``narrascope ingest``) did.

    ``added``: new documents stored; ``skipped``: documents already in the store (same content
    hash); ``sightings``: new (source, url, external id) records of already-known texts;
    ``failures``: :class:`narrascope.pipeline.Failure` objects (read/analysis/store problems).
    """

    added: int = 0
    skipped: int = 0
    sightings: int = 0
    failures: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.added > 0 or self.skipped > 0 or not self.failures

    def merge(self, other: "IngestReport") -> None:
        self.added += other.added
        self.skipped += other.skipped
        self.sightings += other.sightings
        self.failures.extend(other.failures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "skipped": self.skipped,
            "sightings": self.sightings,
            "failed": len(self.failures),
            "failures": [f.to_dict() for f in self.failures],
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        line = f"added {self.added}, already stored {self.skipped}, failed {len(self.failures)}"
        if self.sightings:
            line += f", new sightings of stored texts {self.sightings}"
        lines = [line]
        lines += [f"  {f.where}: {f.message}" for f in self.failures]
        return "\n".join(lines)


class Store:
    """The store interface. Implementations: ``sqlite.SQLiteStore``, ``postgres.PostgresStore``.

    Every method raises :class:`narrascope.errors.StoreError` (or ``NotFoundError``) on purpose;
    every returned value is plain JSON-serialisable data (dicts, lists, str, int, float, None).
    """

    url: str = ""
    backend: str = ""  # "sqlite" | "postgresql"

    # -- writing -----------------------------------------------------------------------------
    def add_analyses(
        self,
        analyses: Iterable[Analysis],
        *,
        versions: dict[str, str] | None = None,
        batch_size: int = 200,
    ) -> IngestReport:
        """Store analysed documents; one transaction per ``batch_size`` documents.

        Idempotent: a document whose content hash is stored already is skipped (counted in
        ``skipped``; a new source/url/external id for it is recorded as a sighting). ``versions``
        (e.g. ``Pipeline.versions()``) is merged under each ``Analysis.versions``. A document
        that cannot be stored (e.g. not JSON-serialisable) is reported in ``failures`` and the
        rest of the batch goes on. Safe to kill at any point: a batch is stored whole or not at all.
        """
        raise NotImplementedError

    def add_sighting(self, doc_id: str, *, external_id=None, source=None, url=None, published=None) -> bool:
        """Record that the stored text ``doc_id`` was seen again; True if the sighting is new."""
        raise NotImplementedError

    def add_sightings(self, sightings: Iterable[tuple]) -> int:
        """Record ``(doc_id, external_id, source, url, published)`` tuples in one transaction; returns how many were new."""
        raise NotImplementedError

    # -- reading one ---------------------------------------------------------------------------
    def has_document(self, doc_hash: str) -> bool:
        """True if a document with this content hash (``content_id(text)``) is stored."""
        raise NotImplementedError

    def known_ids(self, doc_hashes: Iterable[str]) -> set[str]:
        """The subset of ``doc_hashes`` that is stored (one query; used by ingest to skip work)."""
        raise NotImplementedError

    def get(self, doc_id: str) -> dict[str, Any]:
        """One stored document, by content hash or external id; ``NotFoundError`` if absent.

        Returns the stored ``Analysis.to_dict()`` (keys ``schema_version``, ``document``,
        ``language``, ``labels``, ``spans``, ``data``, ``versions``, ``warnings``) plus
        ``id`` (content hash), ``external_id``, ``stored_at`` (ISO UTC), ``day``, ``week`` and
        ``sightings`` (list of {source, url, external_id, published, first_seen}).
        ``versions`` holds the model versions that produced the stored analysis.
        """
        raise NotImplementedError

    def get_analysis(self, doc_id: str) -> Analysis:
        """:meth:`get` rebuilt as an :class:`~narrascope.document.Analysis` object."""
        return Analysis.from_dict(self.get(doc_id))

    # -- searching -----------------------------------------------------------------------------
    def list_documents(
        self,
        *,
        source: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        narrative: str | None = None,
        technique: str | None = None,
        q: str | None = None,
        limit: int = 50,
        offset: int = 0,
        count_limit: int | None = COUNT_LIMIT,
        after: str | None = None,
    ) -> DocumentPage:
        """Filtered, paginated documents, newest first (UTC publication time; undated last).

        Returns a :class:`DocumentPage`, which unpacks as ``rows, total``.

        ``q`` is a full-text query (SQLite FTS5 / PostgreSQL tsvector): words are AND-ed,
        ``"quoted phrases"`` match exactly, ``word*`` is a prefix, ``-word`` excludes, ``OR``
        between two terms makes an alternative. With ``q`` the rows are ordered by relevance and
        carry a ``snippet`` (plain text; the matched terms are NOT marked up, callers escape it).
        ``narrative``/``technique`` match a label in a narrative/technique task (see module doc).
        Each row: ``id, external_id, title, source, url, published, day, language, n_chars,
        stored_at, labels`` (``{task: [{"label", "score"}, ...]}``, top 3 per task, label tasks
        only) and ``snippet`` (with ``q``).

        ``total`` counts the matches, not just this page, but at most ``count_limit`` of them
        (default :data:`COUNT_LIMIT`; ``None`` counts exactly, at the cost of a full scan for broad
        filters): with more matches, ``total`` is ``max(count_limit, offset + len(rows))`` and
        ``page.total_is_lower_bound`` is True. ``page.has_more`` says whether a next page exists
        (one extra row is fetched to know it), so pagination never depends on the count.

        Keyset pagination (without ``q``): ``after=page.next_cursor`` returns the rows that follow
        that page, reading from the cursor's position in the index instead of skipping ``offset``
        rows (``offset`` then skips rows after the cursor; normally 0). With ``after`` the position
        in the whole result is unknown, so ``total`` always comes from the (capped) count of the
        filter. A cursor that cannot be read raises ``ConfigError``.
        """
        raise NotImplementedError

    def count_documents(self) -> int:
        """Number of stored documents."""
        raise NotImplementedError

    # -- analytics -----------------------------------------------------------------------------
    def stats_narratives(self, by: str = "source", **filters) -> list[dict[str, Any]]:
        """Narrative prevalence per group; ``by`` is ``"source"``, ``"day"`` or ``"week"``.

        Rows ``{"group", "task", "label", "documents", "group_documents", "share"}``: in
        ``group``, ``documents`` of its ``group_documents`` documents carry ``label``;
        ``share = documents / group_documents``. ``filters``: ``source``, ``date_from``,
        ``date_to``. Sorted by group, then documents (descending).
        """
        raise NotImplementedError

    def stats_techniques(self, by: str = "source", **filters) -> list[dict[str, Any]]:
        """Technique prevalence per group; same rows as :meth:`stats_narratives`."""
        raise NotImplementedError

    def stats_labels(self, tasks: str | Sequence[str], by: str = "source", **filters) -> list[dict[str, Any]]:
        """Prevalence of the labels of the task(s) named ``tasks`` (generic form)."""
        raise NotImplementedError

    def label_tasks(self) -> list[dict[str, Any]]:
        """Tasks present in the store: ``{"task", "kind" ("label"|"span"), "labels", "documents"}``."""
        raise NotImplementedError

    def entity_roles(self, *, source: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Who is cast as what, by which sources.

        Rows ``{"entity", "main_role", "fine_role", "source", "documents"}`` (``fine_role`` is
        ``""`` for the main-role row), most frequent first; ``limit=None`` returns everything.
        """
        raise NotImplementedError

    def sources(self) -> list[dict[str, Any]]:
        """``{"source", "documents", "first_day", "last_day"}`` for each source (None = unknown)."""
        raise NotImplementedError

    def duplicate_clusters(self, *, threshold: float = 0.3, min_size: int = 2) -> list[dict[str, Any]]:
        """Clusters of documents sharing most of their text (republishing), biggest first.

        MinHash-LSH over word bigrams (signatures computed at ingest), then verified estimated
        Jaccard >= ``threshold``; exact copies (sightings of the same text from other sources)
        count too. Each cluster: ``{"cluster", "size", "sources", "earliest", "documents"}``,
        ``documents`` sorted by publication with ``{"id", "title", "source", "url",
        "published", "similarity" (to the earliest), "earliest" (bool), "exact_copy" (bool)}``;
        ``earliest`` is the id of the first published document (unknown dates sort last).
        """
        raise NotImplementedError

    def export_rows(self, what: str, by: str | None = None, **filters) -> Iterator[dict[str, Any]]:
        """Stream rows for export (no row cap): ``what`` in :data:`EXPORTS`.

        documents: one row per document (metadata, text, top labels as JSON text);
        narratives/techniques: one row per (document, task, label, score); labels: every label
        and span row; entities: one row per (document, entity, main_role, fine_role);
        duplicates: one row per clustered publication. With ``by`` ("source"/"day"/"week"),
        narratives/techniques export the prevalence table (rows of :meth:`stats_narratives`) and
        entities (``by="source"``) the entity-role table (rows of :meth:`entity_roles`).
        ``filters``: ``source``, ``date_from``, ``date_to``.
        """
        raise NotImplementedError

    # -- housekeeping --------------------------------------------------------------------------
    def migrations(self) -> list[dict[str, Any]]:
        """Applied migrations, in order: ``{"seq", "name", "applied_at"}``."""
        raise NotImplementedError

    def info(self) -> dict[str, Any]:
        """``{"backend", "url", "documents", "sources", "label_tasks", "migrations"}``."""
        raise NotImplementedError

    def close(self) -> None:
        """Close every connection. The object is unusable afterwards."""
        raise NotImplementedError

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_store(url_or_path: str, *, create: bool = True) -> Store:
    """Open (and create/migrate) a store.

    ``"file.db"`` or ``"sqlite:///file.db"`` (relative path; ``sqlite:////abs/file.db`` for an
    absolute one) opens SQLite; ``"postgresql://..."`` / ``"postgres://..."`` opens PostgreSQL
    (needs the ``psycopg`` package). ``create=False`` refuses to create a missing SQLite file
    (``StoreError``), for read-only tools such as ``serve``/``export``.
    """
    url = str(url_or_path)
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(url)
    if "://" in url and not url.startswith("sqlite://"):
        raise ConfigError(
            f"unsupported store URL {url.split('://')[0]!r}://",
            where="--db",
            hint="use a file path, sqlite:///file.db or postgresql://user@host/dbname",
        )
    from .sqlite import SQLiteStore

    return SQLiteStore(url, create=create)
