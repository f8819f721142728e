"""`narrascope ingest / duplicates / export`: idempotent, resumable after kill -9, failures reported."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrascope.cli import main
from narrascope.store import open_store

from tests.store.test_store import article, rewrite, store, store_url  # noqa: F401 - fixtures


def write_articles(folder: Path, n: int, seed: int = 0) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    stems = []
    for i in range(n):
        stem = f"art_{i:04d}"
        (folder / f"{stem}.txt").write_text(f"Headline {i} of {seed}\n\n{article(seed * 10_000 + i, 4)}\n", encoding="utf-8")
        stems.append(stem)
    return stems


def invoke(*args):
    r = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)
    return r


def test_ingest_is_idempotent_and_stores_model_versions(tmp_path, store_url):
    stems = write_articles(tmp_path / "in", 12)
    r1 = invoke("ingest", tmp_path / "in", "--db", store_url, "-a", "language", "--json", "-q")
    assert r1.exit_code == 0, r1.output
    assert json.loads(r1.output)["added"] == 12
    r2 = invoke("ingest", tmp_path / "in", "--db", store_url, "-a", "language", "--json", "-q")
    rep = json.loads(r2.output)
    assert (rep["added"], rep["skipped"], rep["failed"]) == (0, 12, 0)
    with open_store(store_url) as s:
        assert s.count_documents() == 12
        d = s.get(stems[3])
        assert d["versions"]["language"] and d["external_id"] == stems[3]
        assert d["language"] == "en"


def test_ingest_reports_bad_documents_and_goes_on(tmp_path):
    write_articles(tmp_path / "in", 3)
    (tmp_path / "in" / "empty.txt").write_text("   \n", encoding="utf-8")
    db = tmp_path / "c.db"
    r = invoke("ingest", tmp_path / "in", "--db", db, "-a", "language")
    assert r.exit_code == 0
    assert "added 3" in r.output and "failed 1" in r.output and "empty.txt" in r.output
    r = invoke("ingest", tmp_path / "in", "--db", db, "-a", "language", "--strict")
    assert r.exit_code == 1
    r = invoke("ingest", tmp_path / "nothing-here", "--db", db, "-a", "language")
    assert r.exit_code == 1


def _counts(db: Path) -> tuple[int, int, int, int, set[str]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        docs = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        sigs = con.execute("SELECT COUNT(*) FROM minhash").fetchone()[0]
        seen = con.execute("SELECT COUNT(DISTINCT doc_id) FROM sightings").fetchone()[0]
        fts = con.execute("SELECT COUNT(*) FROM documents_fts WHERE documents_fts MATCH 'headline'").fetchone()[0]
        ext = {r[0] for r in con.execute("SELECT external_id FROM documents")}
    finally:
        con.close()
    return docs, sigs, seen, fts, ext


SLOW_STORE = """
import sys, time
from narrascope.store import sql

_blob = sql.SQLStore._blob


def slow_blob(self, b):  # called once per new document, inside the batch's write transaction
    time.sleep(0.004)
    return _blob(self, b)


sql.SQLStore._blob = slow_blob
from narrascope.cli import run

sys.argv[0] = "narrascope"
run()
"""


def test_ingest_killed_with_sigkill_resumes_without_loss_or_duplicates(tmp_path):
    n = 300
    stems = write_articles(tmp_path / "in", n, seed=7)
    db = tmp_path / "corpus.db"
    args = ["ingest", str(tmp_path / "in"), "--db", str(db), "-a", "language", "--batch-size", "10", "-q"]
    cmd = [sys.executable, "-m", "narrascope", *args]
    # the killed runs use a store that is slow inside its write transaction (patched here, in the
    # test, not in the product), so that the kill lands mid-transaction
    slow = [sys.executable, "-c", SLOW_STORE, *args]
    env = dict(os.environ)
    rng = random.Random(3)
    kills = 0
    for target in (20, 110, 200):
        proc = subprocess.Popen(slow, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                try:
                    if _counts(db)[0] >= target:
                        break
                except sqlite3.OperationalError:
                    pass
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.05))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=30)
        docs, sigs, seen, fts, ext = _counts(db)
        assert docs == sigs == seen == fts == len(ext), "a killed batch left a half-written document"
        assert docs < n or proc.returncode == 0
    assert kills >= 2, "the ingest finished before it could be killed"
    before = _counts(db)[0]
    assert 0 < before < n
    r = subprocess.run(cmd[:-1] + ["--json"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["added"] == n - before and rep["skipped"] == before and rep["failed"] == 0
    docs, sigs, seen, fts, ext = _counts(db)
    assert docs == sigs == seen == fts == n and ext == set(stems)


def test_duplicates_command_lists_clusters_with_the_earliest_marked(tmp_path):
    base = article(77, 20)
    recs = [
        {"id": "orig", "title": "Original", "text": base, "source": "origin", "published": "2024-04-01T08:00:00Z"},
        {"id": "copy", "title": "Copy", "text": rewrite(base, 5), "source": "mirror", "published": "2024-04-02"},
        {"id": "other", "title": "Other", "text": article(78, 20), "source": "elsewhere", "published": "2024-04-01"},
    ]
    db = tmp_path / "c.db"
    with open_store(str(db)) as s:
        from narrascope.document import Analysis, Document

        s.add_analyses([Analysis(document=Document.create(r["text"], title=r["title"], id=r["id"], source=r["source"],
                                                          published=r["published"])) for r in recs])
    r = invoke("duplicates", "--db", db)
    assert r.exit_code == 0
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert lines[0].startswith("cluster 1: 2 publications, 2 source(s)")
    assert lines[1].lstrip().startswith("* 2024-04-01T08:00:00Z") and "origin" in lines[1]
    assert "mirror" in lines[2] and "*" not in lines[2]
    r = invoke("duplicates", "--db", db, "--format", "json")
    (c,) = json.loads(r.output)
    assert c["earliest_source"] == "origin"
    r = invoke("duplicates", "--db", tmp_path / "missing.db")
    assert r.exit_code != 0


def test_export_writes_csv_jsonl_and_parquet_without_row_caps(tmp_path):
    write_articles(tmp_path / "in", 25)
    db = tmp_path / "c.db"
    assert invoke("ingest", tmp_path / "in", "--db", db, "-a", "language", "-q").exit_code == 0
    r = invoke("export", "--db", db, "--what", "documents", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert len(rows) == 25 and rows[0]["text"].startswith("Headline")
    out = tmp_path / "docs.jsonl"
    r = invoke("export", "--db", db, "--what", "documents", "--format", "jsonl", "--output", out)
    assert r.exit_code == 0 and len(out.read_text(encoding="utf-8").splitlines()) == 25
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "docs.parquet"
    assert invoke("export", "--db", db, "--format", "parquet", "--output", out).exit_code == 0
    t = pq.read_table(out)
    assert t.num_rows == 25 and "labels" in t.column_names
    out = tmp_path / "ents.parquet"
    assert invoke("export", "--db", db, "--what", "entities", "--format", "parquet", "--output", out).exit_code == 0
    assert pq.read_table(out).num_rows == 0
    r = invoke("export", "--db", db, "--format", "parquet")
    assert r.exit_code != 0


def test_export_by_gives_the_prevalence_and_entity_role_tables(tmp_path):
    from narrascope.document import Analysis, Document, Label, Span

    db = tmp_path / "c.db"
    with open_store(str(db)) as s:
        docs = []
        for i, (src, day, narr) in enumerate([("a", "2024-05-06", "N1"), ("a", "2024-05-07", "N2"), ("b", "2024-05-14", "N1")]):
            a = Analysis(document=Document.create(article(500 + i), source=src, published=day))
            a.add_labels("narratives", [Label(narr, 0.9, "narratives", [Span(0, 4, narr, "narratives")])])
            a.data["entities"] = [{"name": "Mayor Lind", "main_role": "Protagonist"}]
            docs.append(a)
        s.add_analyses(docs)
    r = invoke("export", "--db", db, "--what", "narratives", "--by", "week", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert [(x["group"], x["label"], x["documents"], x["share"]) for x in rows] == [
        ("2024-05-06", "N1", "1", "0.5"), ("2024-05-06", "N2", "1", "0.5"), ("2024-05-13", "N1", "1", "1.0")]
    r = invoke("export", "--db", db, "--what", "entities", "--by", "source", "--format", "jsonl")
    got = [json.loads(x) for x in r.output.splitlines()]
    assert got == [{"entity": "Mayor Lind", "main_role": "Protagonist", "fine_role": "", "source": "a", "documents": 2},
                   {"entity": "Mayor Lind", "main_role": "Protagonist", "fine_role": "", "source": "b", "documents": 1}]
    assert invoke("export", "--db", db, "--what", "documents", "--by", "week").exit_code != 0


def test_export_quotes_and_claims_one_row_each_with_whole_text(tmp_path):
    from narrascope.document import Analysis, Document

    db = tmp_path / "c.db"
    long_quote = "we will rebuild every bridge and every school in this region, whatever it costs and however long it takes"
    with open_store(str(db)) as s:
        text = f"The mayor said {long_quote}. Prices rose 5% in March 2024."
        a = Analysis(document=Document.create(text, source="Wire", published="2024-04-01"))
        i = text.index(long_quote)
        a.data["quotes"] = [{"id": "q1", "kind": "indirect", "speaker": {"start": 4, "end": 9, "text": "mayor"},
                             "speaker_entity": "the mayor", "cue": {"start": 10, "end": 14, "text": "said"},
                             "content": {"start": i, "end": i + len(long_quote), "text": long_quote}}]
        j = text.index("Prices")
        a.data["claims"] = [{"id": "c1", "sentence": {"start": j, "end": len(text), "text": text[j:]}, "score": 0.8,
                             "dates": [{"text": "March 2024", "iso": "2024-03"}]}]
        s.add_analyses([a])
    r = invoke("export", "--db", db, "--what", "quotes", "--format", "csv")
    assert r.exit_code == 0, r.output
    (row,) = list(csv.DictReader(io.StringIO(r.output)))
    assert (row["speaker"], row["cue"], row["quote"], row["source"]) == ("the mayor", "said", long_quote, "Wire")
    r = invoke("export", "--db", db, "--what", "claims", "--format", "jsonl", "--source", "Wire")
    (claim,) = [json.loads(x) for x in r.output.splitlines()]
    assert claim["claim"] == "Prices rose 5% in March 2024." and claim["dates"] == "March 2024=2024-03" and claim["score"] == 0.8
    assert invoke("export", "--db", db, "--what", "quotes", "--by", "source").exit_code != 0


def test_ingest_and_analyze_end_with_a_one_line_summary(tmp_path):
    write_articles(tmp_path / "in", 3)
    db = tmp_path / "c.db"
    r = subprocess.run([sys.executable, "-m", "narrascope", "ingest", str(tmp_path / "in"), "--db", str(db), "-a", "language"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stderr.strip().splitlines()[-1].startswith(str(db))
    r = subprocess.run([sys.executable, "-m", "narrascope", "analyze", str(tmp_path / "in"), "-a", "language", "-o", str(tmp_path / "o.json")],
                       capture_output=True, text=True, timeout=300)
    last = r.stderr.strip().splitlines()[-1]
    assert r.returncode == 0 and last.startswith("analyze: 3 article(s), 0 failure(s),") and last.endswith("o.json")


def test_progress_total_is_known_for_one_document_files_only(tmp_path):
    from narrascope.progress import known_total

    write_articles(tmp_path / "in", 4)
    assert known_total([str(tmp_path / "in")]) == 4
    (tmp_path / "x.jsonl").write_text('{"text": "a b c"}\n', encoding="utf-8")
    assert known_total([str(tmp_path / "in"), str(tmp_path / "x.jsonl")]) is None
    assert known_total(["https://example.org/a"]) is None
