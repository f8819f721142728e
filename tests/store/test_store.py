"""The corpus store: the same tests run on SQLite and on a real throwaway PostgreSQL server."""

from __future__ import annotations

import json
import random
import sqlite3
import threading

import pytest

from narrascope.document import Analysis, Document, Label, Span, content_id
from narrascope.errors import ConfigError, NarrascopeError, NotFoundError, StoreError
from narrascope.store import open_store


# ---------------------------------------------------------------------------------------------
# fixtures (pg_server is in conftest.py)

_db_counter = iter(range(1, 1_000_000))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "corpus.db")
    server = request.getfixturevalue("pg_server")
    return server.create_schema(f"t{next(_db_counter)}")


@pytest.fixture
def store(store_url):
    s = open_store(store_url)
    yield s
    s.close()


# ---------------------------------------------------------------------------------------------
# hand-built analyses (our own text)

WORDS = (
    "harbour council minister budget river bridge school farmers market energy prices winter grid "
    "election campaign police report hospital nurses strike court ruling mayor plan flood tunnel "
    "railway station airport contract village festival museum library water supply treaty border "
    "summit talks ceasefire drone factory workers union wages tax reform pension inflation bank"
).split()


def sentence(rng: random.Random, n: int = 14) -> str:
    ws = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(ws).capitalize() + "."


def article(seed: int, n_sentences: int = 12) -> str:
    rng = random.Random(seed)
    return " ".join(sentence(rng) for _ in range(n_sentences))


def make(text, *, title=None, source=None, published=None, id=None, narratives=(), techniques=(), entities=None, url=None):
    doc = Document.create(text, title=title, source=source, published=published, id=id, url=url)
    a = Analysis(document=doc)
    ev = Span(0, min(10, len(doc.text)), "x", "narratives")
    if narratives:
        a.add_labels("narratives", [Label(n, s, "narratives", [Span(ev.start, ev.end, n, "narratives")]) for n, s in narratives])
    for t in techniques:
        a.spans.append(Span(0, 5, t, "techniques", 0.7))
    if entities is not None:
        a.data["entities"] = entities
    a.versions["narratives"] = "1.2"
    return a


# ---------------------------------------------------------------------------------------------
# writing


def test_adding_twice_stores_once_under_the_content_hash(store):
    a = make("The harbour council approved the flood plan on Monday.", title="Flood plan", source="north-post")
    r1 = store.add_analyses([a], versions={"language": "0.1"})
    r2 = store.add_analyses([a])
    assert (r1.added, r1.skipped, r2.added, r2.skipped) == (1, 0, 0, 1)
    assert store.count_documents() == 1
    assert store.has_document(content_id(a.document.text))
    assert not store.has_document("0" * 24)


def test_get_returns_the_analysis_with_versions_and_accepts_the_external_id(store):
    a = make(article(1), title="Budget row", id="EN_TEST_7", source="daily", published="2024-05-02T08:00:00Z",
             narratives=[("Economy collapses", 0.9)])
    store.add_analyses([a], versions={"pipeline-extra": "3"})
    doc_id = content_id(a.document.text)
    got = store.get(doc_id)
    assert got["id"] == doc_id and got["external_id"] == "EN_TEST_7"
    assert got["document"]["text"] == a.document.text
    assert got["labels"]["narratives"][0]["label"] == "Economy collapses"
    assert got["versions"] == {"narratives": "1.2", "pipeline-extra": "3"}
    assert got["stored_at"].endswith("Z") and got["day"] == "2024-05-02" and got["week"] == "2024-04-29"
    assert store.get("EN_TEST_7")["id"] == doc_id
    rebuilt = store.get_analysis(doc_id)
    assert rebuilt.labels["narratives"][0].evidence[0].text_in(rebuilt.document.text) == a.document.text[:10]
    with pytest.raises(NotFoundError):
        store.get("no-such-document")


def test_the_same_text_from_another_outlet_is_a_sighting_not_a_second_document(store):
    text = article(2)
    store.add_analyses([make(text, source="outlet-a", url="https://a.example/1", published="2024-01-02")])
    r = store.add_analyses([make(text, source="outlet-b", url="https://b.example/9", published="2024-01-01")])
    assert (r.added, r.skipped, r.sightings) == (0, 1, 1)
    assert store.count_documents() == 1
    got = store.get(content_id(text))
    assert sorted(s["source"] for s in got["sightings"]) == ["outlet-a", "outlet-b"]
    (cluster,) = store.duplicate_clusters()
    assert cluster["earliest_source"] == "outlet-b"  # published first, though stored second
    assert all(d["exact_copy"] for d in cluster["documents"])


def test_a_document_that_cannot_be_stored_is_reported_and_the_batch_goes_on(store):
    good = make(article(3), source="s")
    bad = make(article(4), source="s")
    bad.data["oops"] = object()  # not JSON-serialisable
    r = store.add_analyses([bad, good])
    assert r.added == 1 and len(r.failures) == 1 and "cannot store" in r.failures[0].message
    assert store.count_documents() == 1


# ---------------------------------------------------------------------------------------------
# reading


@pytest.fixture
def corpus(store):
    docs = [
        make("Ministers reopen the ceasefire talks in Geneva. Diplomats expect a long night.", title="Talks resume",
             source="alpha", published="2024-03-04T09:00:00Z", narratives=[("Peace is near", 0.8)],
             techniques=["Loaded_Language"]),
        make("The energy grid failed during the winter storm. Engineers blame old cables.", title="Grid failure",
             source="alpha", published="2024-03-06", narratives=[("Energy crisis", 0.7)],
             techniques=["Doubt", "Loaded_Language"]),
        make("Farmers block the border crossing over grain prices. The minister promises talks.", title="Farm protest",
             source="beta", published="2024-03-12T10:00:00+01:00", narratives=[("Energy crisis", 0.4), ("Peace is near", 0.2)]),
        make("A museum in the old station opens a winter festival for children.", title="Festival", source="beta",
             published=None),
    ]
    store.add_analyses(docs)
    return store


def test_documents_are_listed_newest_first_with_their_top_labels_and_paginated(corpus):
    rows, total = corpus.list_documents()
    assert total == 4
    assert [r["title"] for r in rows] == ["Farm protest", "Grid failure", "Talks resume", "Festival"]
    assert rows[0]["labels"]["narratives"][0] == {"label": "Energy crisis", "score": 0.4}
    page, total = corpus.list_documents(limit=2, offset=2)
    assert total == 4 and [r["title"] for r in page] == ["Talks resume", "Festival"]


@pytest.mark.parametrize(
    "filters,titles",
    [
        ({"source": "alpha"}, {"Talks resume", "Grid failure"}),
        ({"date_from": "2024-03-05", "date_to": "2024-03-12"}, {"Grid failure", "Farm protest"}),
        ({"narrative": "Peace is near"}, {"Talks resume", "Farm protest"}),
        ({"technique": "Loaded_Language"}, {"Talks resume", "Grid failure"}),
        ({"technique": "Doubt", "source": "alpha"}, {"Grid failure"}),
        ({"source": "nobody"}, set()),
    ],
)
def test_filters_select_the_matching_documents(corpus, filters, titles):
    rows, total = corpus.list_documents(**filters)
    assert {r["title"] for r in rows} == titles and total == len(titles)


@pytest.mark.parametrize(
    "q,titles",
    [
        ("winter", {"Grid failure", "Festival"}),
        ("winter storm", {"Grid failure"}),
        ('"the minister promises"', {"Farm protest"}),
        ('"promises the minister"', set()),
        ("engin*", {"Grid failure"}),
        ("geneva OR festival", {"Talks resume", "Festival"}),
        ("winter -cables", {"Festival"}),
        ("TALKS", {"Talks resume", "Farm protest"}),
        ("talks", {"Talks resume", "Farm protest"}),
    ],
)
def test_full_text_search(corpus, q, titles):
    rows, total = corpus.list_documents(q=q)
    assert {r["title"] for r in rows} == titles and total == len(titles)
    for r in rows:
        assert isinstance(r["snippet"], str) and r["snippet"]


@pytest.mark.parametrize("q", ['"unbalanced', "AND OR NOT (", "*", "-", 'a"b"c', "NEAR(x y)", "'; DROP TABLE documents; --", "^title"])
def test_odd_search_queries_do_not_fail(corpus, q):
    rows, total = corpus.list_documents(q=q)
    assert total == len(rows)
    assert corpus.count_documents() == 4


def test_search_combines_with_filters(corpus):
    rows, _ = corpus.list_documents(q="talks", source="beta")
    assert [r["title"] for r in rows] == ["Farm protest"]


def test_bad_filter_values_are_user_errors(corpus):
    with pytest.raises(ConfigError, match="date_from"):
        corpus.list_documents(date_from="March 3rd")
    with pytest.raises(ConfigError, match="by must be"):
        corpus.stats_narratives(by="month")
    with pytest.raises(ConfigError):
        corpus.list_documents(limit=-1)


# ---------------------------------------------------------------------------------------------
# counting: exact below the count limit, a flagged lower bound above it


@pytest.fixture
def thirty(store):
    """30 documents of source "t" (a third with a narrative, half with a technique), 2 of source "u"."""
    docs = [make(f"Quayside note number {i}. " + article(500 + i, 2), source="t", title=f"T{i:02d}",
                 published=f"2024-04-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
                 narratives=[("Ferry fares rise", 0.6)] if i % 3 == 0 else (),
                 techniques=["Doubt"] if i % 2 == 0 else ())
            for i in range(30)]
    docs += [make(f"Unrelated memo {i}. " + article(600 + i, 2), source="u", title=f"U{i}") for i in range(2)]
    store.add_analyses(docs)
    return store


@pytest.mark.parametrize(
    "filters,matching",
    [({"source": "t"}, 30), ({"narrative": "Ferry fares rise"}, 10), ({"technique": "Doubt"}, 15),
     ({"q": "quayside note"}, 30), ({"q": "note", "source": "t"}, 30),
     ({"date_from": "2024-04-01", "date_to": "2024-04-28", "source": "t"}, 30)],
)
def test_total_is_exact_up_to_the_count_limit_and_a_flagged_lower_bound_beyond(thirty, filters, matching):
    exact = thirty.list_documents(**filters, limit=3, count_limit=matching)
    assert (exact.total, exact.total_is_lower_bound, exact.has_more) == (matching, False, True)
    assert exact.rows == exact[0] and len(exact.rows) == 3
    capped = thirty.list_documents(**filters, limit=3, count_limit=matching - 1)
    assert (capped.total, capped.total_is_lower_bound, capped.has_more) == (matching - 1, True, True)
    rows, total = thirty.list_documents(**filters, limit=3, count_limit=None)  # still unpacks as (rows, total)
    assert total == matching and [r["id"] for r in rows] == [r["id"] for r in capped.rows]


def test_the_default_count_limit_counts_small_results_exactly(thirty):
    from narrascope.store import COUNT_LIMIT

    page = thirty.list_documents(source="t", limit=2)
    assert COUNT_LIMIT >= 10_000 and page.count_limit == COUNT_LIMIT
    assert (page.total, page.total_is_lower_bound) == (30, False)


def test_paging_past_the_count_limit_visits_every_match_once_in_order(thirty):
    everything = [r["id"] for r in thirty.list_documents(source="t", limit=None).rows]
    assert len(everything) == 30
    seen, offset = [], 0
    while True:
        page = thirty.list_documents(source="t", limit=7, offset=offset, count_limit=10)
        seen += [r["id"] for r in page.rows]
        if not page.has_more:
            break
        # beyond the limit the bound grows with the pages seen: more than offset + len(rows) match
        assert page.total_is_lower_bound and page.total == max(10, offset + 7)
        offset += 7
    assert seen == everything
    assert (page.total, page.total_is_lower_bound) == (30, False)  # the last page knows the exact total
    past_the_end = thirty.list_documents(source="t", limit=7, offset=100, count_limit=10)
    assert past_the_end.rows == [] and not past_the_end.has_more
    assert (past_the_end.total, past_the_end.total_is_lower_bound) == (10, True)  # not "more than 100"
    assert thirty.list_documents(source="t", limit=7, offset=100).total == 30


@pytest.mark.parametrize(
    "filters",
    [{"narrative": "Ferry fares rise"}, {"technique": "Doubt"}, {"technique": "Doubt", "source": "t"},
     {"narrative": "Ferry fares rise", "technique": "Doubt"}, {"narrative": "Ferry fares rise", "date_from": "2024-04-05"},
     {"narrative": "Ferry fares rise", "q": "quayside"}, {"narrative": "nobody tells this"}],
)
def test_label_filters_answer_the_same_whether_the_label_is_rare_or_frequent(thirty, filters):
    # rare labels collect their documents first, frequent ones are probed document by document
    thirty.RARE_LABEL_ROWS = 10**9
    as_rare = [thirty.list_documents(**filters, limit=4, offset=o, count_limit=5) for o in (0, 4, 8)]
    thirty.RARE_LABEL_ROWS = 1
    as_frequent = [thirty.list_documents(**filters, limit=4, offset=o, count_limit=5) for o in (0, 4, 8)]
    for a, b in zip(as_rare, as_frequent):
        assert [r["id"] for r in a.rows] == [r["id"] for r in b.rows]
        assert (a.total, a.total_is_lower_bound, a.has_more) == (b.total, b.total_is_lower_bound, b.has_more)
    assert thirty.stats_narratives(by="source")  # statistics are unaffected by the switch


def test_full_text_search_alone_and_with_a_filter_find_the_same_documents(thirty):
    alone = thirty.list_documents(q="quayside OR unrelated", limit=None)  # the index answers alone (SQLite)
    filtered = thirty.list_documents(q="quayside OR unrelated", source="t", limit=None)
    assert alone.total == 32 and filtered.total == 30
    assert {r["id"] for r in filtered.rows} < {r["id"] for r in alone.rows}
    assert all(r["snippet"] for r in alone.rows)
    pages = [thirty.list_documents(q="quayside", limit=8, offset=o, count_limit=10) for o in range(0, 32, 8)]
    assert [r["id"] for p in pages for r in p.rows] == [r["id"] for r in thirty.list_documents(q="quayside", limit=None).rows]
    assert [(p.total, p.total_is_lower_bound) for p in pages] == [(10, True), (16, True), (24, True), (30, False)]


def _walk_by_cursor(store, limit, **filters):
    ids, after, pages = [], None, []
    while True:
        page = store.list_documents(**filters, limit=limit, after=after, count_limit=10)
        ids += [r["id"] for r in page.rows]
        pages.append(page)
        if page.next_cursor is None:
            return ids, pages
        assert page.has_more
        after = page.next_cursor


@pytest.mark.parametrize("rare_rows", [10**9, 1])  # label filters either way (see above)
@pytest.mark.parametrize("filters", [{}, {"source": "t"}, {"narrative": "Ferry fares rise"}, {"technique": "Doubt", "source": "t"},
                                     {"date_from": "2024-04-03", "date_to": "2024-04-20"}])
def test_keyset_cursor_pages_visit_the_same_documents_as_offsets(thirty, filters, rare_rows):
    thirty.RARE_LABEL_ROWS = rare_rows
    expected = [r["id"] for r in thirty.list_documents(**filters, limit=None).rows]
    ids, pages = _walk_by_cursor(thirty, 4, **filters)
    assert ids == expected
    assert not pages[-1].has_more
    exact = len(expected) <= 10
    assert all((p.total, p.total_is_lower_bound) == ((len(expected), False) if exact else (10, True)) for p in pages)


def test_keyset_cursor_handles_ties_and_undated_documents(store):
    same_time = [make(article(700 + i, 1), source="s", published="2024-06-01T10:00:00Z") for i in range(7)]
    undated = [make(article(800 + i, 1), source="s") for i in range(4)]
    store.add_analyses(same_time + undated)
    expected = [r["id"] for r in store.list_documents(limit=None).rows]
    for limit in (1, 2, 3, 5):
        ids, _ = _walk_by_cursor(store, limit)
        assert ids == expected


def test_cursor_errors_are_user_errors(thirty):
    page = thirty.list_documents(limit=3)
    with pytest.raises(ConfigError, match="after"):
        thirty.list_documents(q="quayside", after=page.next_cursor)
    for bad in ("not-a-cursor", "%%%", "AAAA"):
        with pytest.raises(ConfigError, match="cursor"):
            thirty.list_documents(after=bad)
    assert thirty.list_documents(q="quayside", limit=3).next_cursor is None  # searches page by offset


def test_count_limit_must_be_positive(thirty):
    with pytest.raises(ConfigError, match="count_limit"):
        thirty.list_documents(count_limit=0)


# ---------------------------------------------------------------------------------------------
# analytics


def test_narrative_prevalence_by_source_day_and_week(corpus):
    by_source = {(r["group"], r["label"]): r for r in corpus.stats_narratives(by="source")}
    assert by_source[("alpha", "Peace is near")]["documents"] == 1
    assert by_source[("alpha", "Peace is near")]["share"] == 0.5
    assert by_source[("beta", "Energy crisis")]["group_documents"] == 2
    by_week = {(r["group"], r["label"]): r["documents"] for r in corpus.stats_narratives(by="week")}
    assert by_week == {("2024-03-04", "Peace is near"): 1, ("2024-03-04", "Energy crisis"): 1,
                       ("2024-03-11", "Energy crisis"): 1, ("2024-03-11", "Peace is near"): 1}
    by_day = corpus.stats_narratives(by="day", date_from="2024-03-05")
    assert {r["group"] for r in by_day} == {"2024-03-06", "2024-03-12"}


def test_technique_prevalence_counts_documents_not_spans(corpus):
    rows = {(r["group"], r["label"]): r["documents"] for r in corpus.stats_techniques(by="source")}
    assert rows == {("alpha", "Loaded_Language"): 2, ("alpha", "Doubt"): 1}
    tasks = {(t["task"], t["kind"]): t["documents"] for t in corpus.label_tasks()}
    assert tasks == {("narratives", "label"): 3, ("techniques", "span"): 2}


def test_entity_role_table_says_who_is_cast_as_what_by_which_source(store):
    ents = [{"name": "Minister Vale", "main_role": "Antagonist", "fine_roles": ["Corrupt", {"label": "Deceiver", "score": 0.4}]},
            {"text": "Nurses' union", "main_role": "Protagonist", "fine_roles": []},
            {"name": "Nobody", "main_role": None}]
    store.add_analyses([make(article(10), source="alpha", entities=ents),
                        make(article(11), source="alpha", entities=ents[:1]),
                        make(article(12), source="beta", entities=[{"name": "Minister Vale", "main_role": "Protagonist"}])])
    rows = store.entity_roles()
    key = {(r["entity"], r["main_role"], r["fine_role"], r["source"]): r["documents"] for r in rows}
    assert key[("Minister Vale", "Antagonist", "", "alpha")] == 2
    assert key[("Minister Vale", "Antagonist", "Deceiver", "alpha")] == 2
    assert key[("Minister Vale", "Protagonist", "", "beta")] == 1
    assert key[("Nurses' union", "Protagonist", "", "alpha")] == 1
    assert not any(r["entity"] == "Nobody" for r in rows)
    assert rows[0]["documents"] == 2
    assert {r["source"] for r in store.entity_roles(source="beta")} == {"beta"}


def test_sources_summary(corpus):
    assert corpus.sources() == [
        {"source": "alpha", "documents": 2, "first_day": "2024-03-04", "last_day": "2024-03-06"},
        {"source": "beta", "documents": 2, "first_day": "2024-03-12", "last_day": "2024-03-12"},
    ]


def rewrite(text: str, seed: int) -> str:
    """A republished copy: one sentence dropped, a few words swapped, a line added."""
    rng = random.Random(seed)
    sents = text.split(". ")
    sents.pop(rng.randrange(len(sents)))
    words = ". ".join(sents).split(" ")
    for _ in range(4):
        words[rng.randrange(len(words))] = rng.choice(["reportedly", "allegedly", "sources", "today"])
    return "According to our partners: " + " ".join(words) + " Read more on our site."


def test_republished_copies_cluster_with_the_earliest_publication_marked(store):
    base = article(20, 20)
    docs = [
        make(base, source="origin", published="2024-02-01T06:00:00Z", title="Original"),
        make(rewrite(base, 1), source="copy-1", published="2024-02-01T09:30:00Z", title="Copy 1"),
        make(rewrite(base, 2), source="copy-2", published="2024-02-03", title="Copy 2"),
    ] + [make(article(100 + i, 20), source="other", published="2024-02-02", title=f"Other {i}") for i in range(6)]
    store.add_analyses(docs)
    clusters = store.duplicate_clusters()
    assert len(clusters) == 1
    c = clusters[0]
    assert c["size"] == 3 and c["sources"] == ["copy-1", "copy-2", "origin"]
    assert c["earliest"] == content_id(docs[0].document.text)
    assert [d["title"] for d in c["documents"]] == ["Original", "Copy 1", "Copy 2"]
    assert [d["earliest"] for d in c["documents"]] == [True, False, False]
    assert all(0.5 <= d["similarity"] <= 1.0 for d in c["documents"])
    assert store.duplicate_clusters(threshold=0.99) == []


# ---------------------------------------------------------------------------------------------
# export, housekeeping


def test_export_streams_every_row_without_a_cap(store):
    store.add_analyses([make(article(200 + i, 3), source=f"s{i % 3}", narratives=[("N1", 0.5), ("N2", 0.6)],
                             techniques=["T"]) for i in range(1200)], batch_size=500)
    docs = list(store.export_rows("documents"))
    assert len(docs) == 1200 and json.loads(docs[0]["labels"]) == {"narratives": ["N2", "N1"]}
    assert sum(1 for _ in store.export_rows("narratives")) == 2400
    assert sum(1 for _ in store.export_rows("techniques")) == 1200
    assert sum(1 for _ in store.export_rows("documents", source="s1")) == 400
    with pytest.raises(ConfigError):
        list(store.export_rows("everything"))


def test_migrations_are_named_ordered_recorded_and_applied_once(store_url):
    s1 = open_store(store_url)
    first = s1.migrations()
    s1.close()
    s2 = open_store(store_url)
    assert s2.migrations() == first
    names = [m["name"] for m in first]
    assert names == sorted(names) and names[0] == "0001_documents" and [m["seq"] for m in first] == list(range(1, len(names) + 1))
    assert s2.info()["migrations"] == names
    s2.close()


def test_reads_from_many_threads_while_writing(store):
    store.add_analyses([make(article(300 + i, 3), source="t") for i in range(50)])
    errors: list[BaseException] = []

    def reader():
        try:
            for _ in range(20):
                rows, total = store.list_documents(source="t", limit=5)
                assert total >= 50 and len(rows) == 5
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    store.add_analyses([make(article(400 + i, 3), source="t") for i in range(50)], batch_size=10)
    for t in threads:
        t.join()
    assert not errors and store.count_documents() == 100


# ---------------------------------------------------------------------------------------------
# SQLite specifics


def test_sqlite_store_is_one_wal_file_and_urls_work(tmp_path):
    path = tmp_path / "c.db"
    with open_store(f"sqlite:///{path}") as s:
        s.add_analyses([make(article(5))])
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [r[0] for r in con.execute("SELECT name FROM migrations ORDER BY seq")][0] == "0001_documents"
    con.close()
    with open_store(str(path)) as s:
        assert s.count_documents() == 1


def test_unusable_store_locations_are_one_line_errors(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match="junk.db"):
        open_store(str(junk))
    with pytest.raises(StoreError, match="no such store file"):
        open_store(str(tmp_path / "missing.db"), create=False)
    with pytest.raises(ConfigError, match="unsupported store URL"):
        open_store("mysql://localhost/x")
    with pytest.raises(StoreError, match="folder"):
        open_store(str(tmp_path / "no" / "dir" / "x.db"))


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    path = str(tmp_path / "c.db")
    open_store(path).close()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO migrations VALUES (99, '0099_future', '2030-01-01')")
    con.commit()
    con.close()
    with pytest.raises(NarrascopeError, match="migrations this version does not know"):
        open_store(path)


def test_days_are_utc_and_unparseable_dates_count_as_unknown(store):
    store.add_analyses([
        make(article(600), title="Late", source="z", published="2024-03-01T00:30:00+01:00"),
        make(article(601), title="Odd", source="z", published="yesterday evening"),
        make(article(602), title="Plain", source="z", published="2024-02-29"),
    ])
    rows, _ = store.list_documents(source="z")
    assert [(r["title"], r["day"]) for r in rows] == [("Late", "2024-02-29"), ("Plain", "2024-02-29"), ("Odd", None)]
    rows, total = store.list_documents(date_to="2024-02-29")
    assert total == 2 and {r["title"] for r in rows} == {"Late", "Plain"}
    assert store.list_documents(date_from="2024-03-01")[1] == 0
